import type { Command } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode } from '../../errors.js';
import type { ConsentRow } from '../../output/consent-report.js';
import { type Ctx, printTable } from '../io.js';
import { asOfOption } from '../options.js';
import { printJson } from '../report.js';

export function registerConsent(program: Command, ctx: Ctx): void {
  const consent = program.command('consent').description('consent tools');
  consent
    .command('hash')
    .description('print the deny-list hash of a term (normalized as FORMAT.md 4.2 says)')
    .argument('[term]', 'a real name or place, to put in consent.identity.denylist_sha256 (default: read from standard input)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press consent hash          # type the name, then Enter and Ctrl-D: it stays out of shell history\n  $ campaign-press consent hash < name.txt\n\nOnly the 64-hex digest is printed; the term is never stored or shown.',
    )
    .action(async (given) => {
      const term = given ?? (await readTerm(ctx));
      const { hashTerm, termProblem } = await import('../../consent/denylist.js');
      const problem = termProblem(term);
      if (problem)
        throw new CampaignPressError(
          'usage',
          `cannot hash this term: ${problem}`,
          { field: 'term' },
          'Hash the full name or place (for a short name, the name with the family name).',
        );
      ctx.out(`${hashTerm(term)}\n`);
      ctx.setExit(ExitCode.ok);
    });

  consent
    .command('report')
    .description("each testimony's consent: what expires or needs review soon, and where it is refused")
    .argument('<campaign-dir>', 'the campaign folder')
    .option('--within <days>', 'flag what expires or needs review within this many days', '30')
    .addOption(asOfOption('the date to report for (default: today)'))
    .option('--region <code>', 'check scope for one distribution region')
    .option('--json', 'print JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press consent report campaigns/safe-journeys\n  $ campaign-press consent report campaigns/safe-journeys --within 60 --json',
    )
    .action(async (dir, o) => {
      const within = Number(o.within);
      if (!Number.isInteger(within) || within < 0)
        throw new CampaignPressError(
          'usage',
          `--within ${o.within} is not a number of days`,
          { field: '--within' },
          'Give a whole number of days, such as 30.',
        );
      const { loadProject } = await import('../../pipeline/steps/load.js');
      const { reportConsent } = await import('../../output/consent-report.js');
      const { resolveGateDates } = await import('../../consent/dates.js');
      // The same dates as build and check: fail closed across time zones unless --as-of pins one.
      const { asOf, asOfEarliest } = resolveGateDates(o.asOf);
      const { campaign, templates } = loadProject(ctx.root(), ctx.resolve(dir));
      const regions = o.region ? [o.region] : campaign.data.distribution.regions;
      const rows = reportConsent(campaign, templates, asOf, within, regions, asOfEarliest);
      if (o.json) printJson(ctx, { campaign: campaign.id, as_of: asOf, within_days: within, regions, testimonies: rows });
      else {
        ctx.out(
          `${ctx.c.bold(`Consent for ${campaign.id}`)} as of ${asOf} (flags within ${within} days; regions ${regions.join(', ')})\n\n`,
        );
        await printConsentRows(ctx, rows, within);
      }
      ctx.setExit(ExitCode.ok);
    });
}

async function printConsentRows(ctx: Ctx, rows: ConsentRow[], within: number): Promise<void> {
  const { ruleText } = await import('../../output/consent-report.js');
  const { c } = ctx;
  printTable(
    ctx,
    rows.map((r) => [
      r.testimony,
      r.consent_id ?? '-',
      r.status,
      r.review_by ? `${r.review_by} (${r.days_to_review}d)` : '-',
      r.expires_on ? `${r.expires_on} (${r.days_to_expiry}d)` : '-',
      r.action.length ? r.action.join('; ') : 'none',
    ]),
    {
      head: ['testimony', 'consent', 'status', 'review by', 'expires on', 'action'],
      paint: (i, line) => (rows[i]!.action.length ? c.yellow(line) : line),
    },
  );
  for (const r of rows) {
    if (!r.refused.length) continue;
    ctx.out(`\n${c.bold(r.testimony)} is refused for:\n`);
    const byRules = new Map<string, { rules: (typeof r.refused)[number]['rules']; where: string[] }>();
    for (const f of r.refused) {
      const k = f.rules.join(',');
      const g = byRules.get(k) ?? { rules: f.rules, where: [] };
      g.where.push(`${f.locale}/${f.channel}`);
      byRules.set(k, g);
    }
    for (const { rules, where } of byRules.values())
      ctx.out(`  ${where.join(' ')}: ${rules.map((x) => `${x} (${ruleText(x)})`).join('; ')}\n`);
  }
  const needs = rows.filter((r) => r.action.length).length;
  ctx.out(
    `\n${needs ? c.yellow(`${needs} of ${rows.length} testimonies need action.`) : c.green(`Nothing needs action within ${within} days.`)}\n`,
  );
}

/** The term from standard input: one line (a trailing newline is not part of it). */
async function readTerm(ctx: Ctx): Promise<string> {
  const stdin = ctx.io.stdin ?? process.stdin;
  if (stdin.isTTY) ctx.err('Type the name or place, then press Enter and Ctrl-D (it is not stored or shown):\n');
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (lines.length > 1)
    throw new CampaignPressError(
      'usage',
      `standard input holds ${lines.length} lines; give one term`,
      { field: 'term' },
      'Hash one name or place at a time.',
    );
  return lines[0] ?? '';
}
