import { CampaignPressError } from '../errors.js';

/**
 * The build date of the consent gate (FORMAT.md 4.1). Without --as-of, "today" is taken fail-closed
 * across time zones: a consent that has expired anywhere on Earth has expired, and a consent that
 * has not started everywhere has not started. The UTC date is wrong both ways for a team in Erbil
 * (UTC+3) building at 01:30 on the day after expiry.
 */

export interface GateDates {
  /** For expires_on and review_by: the latest calendar date anywhere (UTC+14). */
  asOf: string;
  /** For granted_on: the earliest calendar date anywhere (UTC−12). */
  asOfEarliest: string;
}

const HOUR = 3_600_000;

export function gateDatesAt(now: Date): GateDates {
  return {
    asOf: new Date(now.getTime() + 14 * HOUR).toISOString().slice(0, 10),
    asOfEarliest: new Date(now.getTime() - 12 * HOUR).toISOString().slice(0, 10),
  };
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** --as-of pins one date for every comparison; otherwise the fail-closed pair for `now`. */
export function gateDates(asOf: string | undefined, now: Date = new Date()): GateDates {
  return asOf === undefined ? gateDatesAt(now) : { asOf, asOfEarliest: asOf };
}

/** The dates for a command's --as-of (checked: a real calendar date), or today, fail closed. */
export function resolveGateDates(asOf: string | undefined, now: Date = new Date()): GateDates {
  if (asOf !== undefined && !isCalendarDate(asOf))
    throw new CampaignPressError(
      'usage',
      `--as-of ${asOf} is not a real calendar date`,
      { field: '--as-of' },
      'Write the date as YYYY-MM-DD, for example 2026-02-28.',
    );
  return gateDates(asOf, now);
}
