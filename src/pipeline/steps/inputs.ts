import { createHash } from 'node:crypto';
import type { Resource } from 'i18next';
import { fontsFingerprint } from '../../fonts/fonts.js';
import { toolFingerprint } from '../../version.js';
import type { DocumentInputs } from '../document.js';
import type { RenderJob, TestimonyPiece } from '../plan.js';

/**
 * Input keys: a hash of everything that can change an asset's bytes, computed without writing
 * its page. A no-op rebuild compares them with the previous manifest's and reuses the file
 * (when it still has its sha256) without templating, linting or rendering anything; the gate,
 * the plan and the deny-list hashes still run and are part of the key.
 *
 * What goes in is read from the loaded, parsed inputs (never raw file bytes or absolute paths),
 * so CRLF files and another checkout give the same keys, as they give the same outputs. Too much
 * in a key only costs a render; too little would reuse a stale asset, so when in doubt a whole
 * object goes in: the tool's own code, the locale table, the campaign frontmatter (outputs aside:
 * each job carries its own output), the brand, every image by content.
 */

export interface InputKeyContext {
  inputs: DocumentInputs;
  /** The i18next resources of the build (labels and campaign messages, per locale). */
  resources: Resource;
  denied: ReadonlySet<string>;
  /** CreationDate of every PDF. */
  pdfDate: Date;
  /** `--marks`: a marked PDF is other bytes, and its slug names the as-of date. */
  marks?: { asOf: string };
}

export type InputKeyer = (job: RenderJob) => string;

/** A function giving each job its input key; the parts shared by many jobs are hashed once. */
export function inputKeyer(ctx: InputKeyContext): InputKeyer {
  const { campaign, table } = ctx.inputs;
  const { outputs: _outputs, ...data } = campaign.data;
  const shared = digest([
    toolFingerprint(),
    [...ctx.denied].sort(),
    campaign.id,
    campaign.file,
    data,
    campaign.body,
    brandInputs(campaign.brand),
    campaign.hero
      ? { ref: campaign.hero.ref, focus: campaign.hero.focus, licence: campaign.hero.licence, treatment: campaign.hero.treatment }
      : null,
    // Logos and the hero by content (their URLs name the processed bytes' hash).
    [...ctx.inputs.assets].sort(byKey),
    // Every entry: a page names other languages' direction (brand name, description fallback).
    [...table.entries].sort(byKey),
  ]);
  const perLocale = new Map<string, string>();
  const localeDigest = (l: string) => {
    let d = perLocale.get(l);
    if (d === undefined) {
      const chain = table.chain(l);
      const body = campaign.bodies.get(l);
      d = digest([
        chain,
        chain.map((c) => ctx.resources[c] ?? null),
        body ? { body: body.body, file: body.file } : null,
        fontsFingerprint(table.get(l)),
      ]);
      perLocale.set(l, d);
    }
    return d;
  };
  // A testimony's parsed text in one locale is the same in each of its cards: hashed once.
  const testimonyDigests = new Map<string, string>();
  const pieceDigest = (p: TestimonyPiece) => {
    const k = `${p.testimony.id}\u0000${p.locale}`;
    let t = testimonyDigests.get(k);
    if (t === undefined) {
      t = digest(testimonyInputs(p));
      testimonyDigests.set(k, t);
    }
    const { testimony: _t, ...piece } = p;
    return { piece, testimony: t, photo: ctx.inputs.photos.get(p.id) ?? null };
  };
  return (job) => {
    const pdf = job.format.output === 'pdf';
    return digest([
      shared,
      localeDigest(job.locale),
      job.template.fingerprint,
      job.format,
      job.relPath,
      job.locale,
      job.channel,
      job.variant,
      job.testimonyId ?? null,
      job.pieces.map(pieceDigest),
      // The edition code is printed by print templates (document.ts), the poster's sharing PNG included.
      job.template.channel === 'print' ? (ctx.inputs.editionDate ?? null) : null,
      pdf ? ctx.pdfDate.toISOString() : null,
      pdf && ctx.marks ? ctx.marks.asOf : null,
    ]);
  };
}

function brandInputs(b: DocumentInputs['campaign']['brand']) {
  return {
    id: b.id,
    primary: b.primary,
    accent: b.accent,
    logo: b.logo?.ref ?? null,
    name: b.name,
    social: b.social,
    partners: b.partners ? { label: b.partners.label, logos: b.partners.logos.map((l) => ({ name: l.name, ref: l.ref })) } : null,
  };
}

/** What a testimony gives a page besides the gated piece: its source and translation as parsed, its photo by content. */
function testimonyInputs(p: TestimonyPiece) {
  const t = p.testimony;
  return {
    id: t.id,
    data: t.data,
    body: t.body,
    photoSha256: t.photoSha256 ?? null,
    translation: t.translations.get(p.locale) ?? null,
  };
}

const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** sha256 of a stable serialization: object keys sorted, Maps and Sets as sorted entries, functions left out. */
export function digest(value: unknown): string {
  return createHash('sha256').update(stable(value)).digest('hex');
}

function stable(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? 'f' : JSON.stringify(v);
  if (v instanceof Date) return `D${v.toISOString()}`;
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v instanceof Map) return `M${stable([...v].map(([k, x]) => [String(k), x]).sort(byKey as never))}`;
  if (v instanceof Set) return `S${stable([...v].map(String).sort())}`;
  if (ArrayBuffer.isView(v))
    return `B${createHash('sha256')
      .update(v as Uint8Array)
      .digest('hex')}`;
  const keys = Object.keys(v).sort();
  return `{${keys
    .filter((k) => typeof (v as Record<string, unknown>)[k] !== 'function')
    .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}
