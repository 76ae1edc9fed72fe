import path from 'node:path';
import YAML from 'yaml';
import type { Campaign, Testimony } from '../campaign/load.js';
import { gateTestimony, type RuleCode } from '../consent/gate.js';
import type { CodeWriter, Code } from './segments.js';

/**
 * The campaign description and the testimonies as XLIFF segments: one unit per paragraph (list
 * items one each), Markdown emphasis and links as span codes. Only a testimony whose consent
 * passes the gate for the locale on the date is a segment source at all: a refused or
 * out-of-scope testimony's text is never put in a file that leaves the building.
 */

export interface Block {
  /** Markdown that stays outside the unit: a list marker or heading hashes. */
  prefix: string;
  /** The unit id this block's text travels as (p1, p2, …). */
  id: string;
}

export interface DocUnit {
  id: string;
  text: string;
  note: string;
  /** A unit the translation may leave out (the pseudonym, which may stay as the source writes it). */
  optional?: boolean;
}

export interface Doc {
  /** XLIFF file key (an NMTOKEN): `<campaign>.description` or `<campaign>.testimony.<id>`. */
  key: string;
  campaign: Campaign;
  testimony?: Testimony;
  /** The translation file, relative to the project root. */
  file: string;
  units: DocUnit[];
  /** Blocks of the body, in order; a list block holds several. */
  skeleton: Block[][];
  sourceSha256: string;
  existing?: { status: 'draft' | 'reviewed'; stale: boolean; fields: Map<string, string> };
}

const LIST_RE = /^(\s*(?:[-*+]|\d{1,3}[.)])\s+)(.*)$/;
const HEADING_RE = /^(#{1,6}\s+)(.*)$/;

/** Body blocks: paragraphs unwrapped to one line (a soft break is a space in Markdown), list items one by one. */
export function splitBody(body: string): { prefix: string; text: string }[][] {
  const blocks = body
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t]*\n+/)
    .filter((b) => b.trim() !== '');
  return blocks.map((b) => {
    const lines = b.split('\n');
    if (lines.every((l) => LIST_RE.test(l))) return lines.map((l) => ({ prefix: LIST_RE.exec(l)![1]!, text: LIST_RE.exec(l)![2]!.trim() }));
    const h = lines.length === 1 ? HEADING_RE.exec(lines[0]!) : null;
    if (h) return [{ prefix: h[1]!, text: h[2]!.trim() }];
    return [{ prefix: '', text: lines.map((l) => l.trim()).join(' ') }];
  });
}

function sameShape(a: { prefix: string }[][], b: { prefix: string }[][]): boolean {
  return (
    a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((y, j) => y.prefix.trim() === b[i]![j]!.prefix.trim()))
  );
}

/** Units of a body, and the existing translation's text for each when its paragraphs line up with the source's. */
function bodyUnits(source: string, translated: string | undefined, note: string) {
  const src = splitBody(source);
  const trg = translated === undefined ? undefined : splitBody(translated);
  const aligned = trg && sameShape(src, trg) ? trg : undefined;
  const units: DocUnit[] = [];
  const existing = new Map<string, string>();
  const skeleton: Block[][] = [];
  let n = 0;
  src.forEach((block, i) => {
    skeleton.push(
      block.map((item, j) => {
        const id = `p${++n}`;
        units.push({ id, text: item.text, note });
        const t = aligned?.[i]?.[j]?.text;
        if (t) existing.set(id, t);
        return { prefix: item.prefix, id };
      }),
    );
  });
  return { units, existing, skeleton };
}

/** The gate for a translation of this testimony: some channel of its consent allows it in the locale, regions and date. */
export function translationGate(
  t: Testimony,
  c: Campaign,
  locale: string,
  asOf: string,
): { allowed: true; quote: 'verbatim' | 'paraphrase' | 'none' } | { allowed: false; rules: RuleCode[] } {
  const channels = t.data.consent?.scope.channels ?? [];
  let rules: RuleCode[] = ['consent-missing'];
  for (const channel of channels.length ? channels : (['print'] as const)) {
    // The same gate call as build, check and consent report (an invalid consent block refuses too).
    const g = gateTestimony(c, t, { channel, locale, regions: c.data.distribution.regions, asOf });
    if (g.allowed) return { allowed: true, quote: g.use.quote };
    rules = g.rules;
  }
  return { allowed: false, rules };
}

function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

const WARNINGS: Record<string, string> = {
  loss_of_life: 'it tells of a death',
  violence: 'it describes violence',
};

/** The documents a locale may receive, and the testimonies withheld from it with the gate's rules. */
export function documentsFor(
  root: string,
  campaigns: Campaign[],
  locale: string,
  asOf: string,
): { docs: Doc[]; withheld: { testimony: string; rules: RuleCode[] }[] } {
  const docs: Doc[] = [];
  const withheld: { testimony: string; rules: RuleCode[] }[] = [];
  for (const c of campaigns) {
    if (!c.data.locales.includes(locale) || c.data.source_locale === locale) continue;
    const cdir = rel(root, c.dir);
    const tr = c.bodies.get(locale);
    const b = bodyUnits(c.body, tr?.body, `Campaign "${c.data.title}": description`);
    docs.push({
      key: `${c.id}.description`,
      campaign: c,
      file: `${cdir}/campaign.${locale}.md`,
      units: b.units,
      skeleton: b.skeleton,
      sourceSha256: c.contentSha256,
      existing: tr ? { status: tr.status, stale: tr.stale, fields: b.existing } : undefined,
    });
    for (const t of c.testimonies) {
      const gate = translationGate(t, c, locale, asOf);
      if (!gate.allowed) {
        withheld.push({ testimony: t.id, rules: gate.rules });
        continue;
      }
      const context = [`Testimony "${t.id}"`];
      const name = t.data.consent?.identity.display_name;
      if (name) context.push(`shown as ${name} (a pseudonym, not the person’s name)`);
      const cw = t.data.content_warning;
      if (cw && cw !== 'none') context.push(`content warning: ${WARNINGS[cw] ?? cw}`);
      const note = (field: string) => `${context.join('; ')}. ${field}`;
      const ttr = t.translations.get(locale);
      const bu = bodyUnits(t.body, ttr?.body, note('Story text.'));
      const units: DocUnit[] = [{ id: 'title', text: t.data.title, note: note('Title.') }];
      const fields = new Map(bu.existing);
      if (ttr?.title) fields.set('title', ttr.title);
      if (name) {
        // The card prints the pseudonym; a translation may write it in its own script (never the real name).
        units.push({
          id: 'display_name',
          text: name,
          note: note('The pseudonym the card shows, written in this language (optional). Never the real name.'),
          optional: true,
        });
        if (ttr?.display_name) fields.set('display_name', ttr.display_name);
      }
      if (t.data.quote && gate.quote === 'verbatim') {
        units.push({ id: 'quote', text: t.data.quote, note: note('Quote, in the person’s own words.') });
        if (ttr?.quote) fields.set('quote', ttr.quote);
      }
      if (t.data.paraphrase && gate.quote !== 'none') {
        units.push({ id: 'paraphrase', text: t.data.paraphrase, note: note('Paraphrase of the quote.') });
        if (ttr?.paraphrase) fields.set('paraphrase', ttr.paraphrase);
      }
      units.push(...bu.units);
      docs.push({
        key: `${c.id}.testimony.${t.id}`,
        campaign: c,
        testimony: t,
        file: `${cdir}/testimonies/${t.id}.${locale}.md`,
        units,
        skeleton: bu.skeleton,
        sourceSha256: t.contentSha256,
        existing: ttr ? { status: ttr.status, stale: ttr.stale, fields } : undefined,
      });
    }
  }
  return { docs, withheld };
}

/** Markdown emphasis and links: `**…**`, `*…*`, `[…](url)`. */
const SPAN_RE = /\*\*(?=\S)(.+?)\*\*|\*(?=[^*\s])([^*]+?)\*|\[([^\]\n]+)\]\(([^)\s]+)\)/;

function spans(s: string): { before: string; open: string; inner: string; close: string; after: string } | undefined {
  const m = SPAN_RE.exec(s);
  if (!m) return undefined;
  const before = s.slice(0, m.index);
  const after = s.slice(m.index + m[0].length);
  if (m[1] !== undefined) return { before, open: '**', inner: m[1], close: '**', after };
  if (m[2] !== undefined) return { before, open: '*', inner: m[2], close: '*', after };
  return { before, open: '[', inner: m[3]!, close: `](${m[4]})`, after };
}

/** The span codes of a source paragraph, numbered in order: pc1, pc2, … */
export function markdownCodes(source: string): Map<string, Code> {
  const codes = new Map<string, Code>();
  const walk = (s: string) => {
    const m = spans(s);
    if (!m) return;
    codes.set(`pc${codes.size + 1}`, { kind: 'pc', open: m.open, close: m.close });
    walk(m.inner);
    walk(m.after);
  };
  walk(source);
  return codes;
}

/** A paragraph with its spans as codes; a target's span takes the id of the source span with the same markup. */
export function encodeMarkdown(s: string, codes: Map<string, Code>, w: CodeWriter): string {
  const free = [...codes];
  const walk = (x: string): string => {
    const m = spans(x);
    if (!m) return w.text(x);
    const i = free.findIndex(([, c]) => c.kind === 'pc' && c.open === m.open && c.close === m.close);
    if (i < 0) return w.text(m.before + m.open) + walk(m.inner) + w.text(m.close) + walk(m.after);
    const [id] = free.splice(i, 1)[0]!;
    return w.text(m.before) + w.pcOpen(id, m.open, m.close) + walk(m.inner) + w.pcClose() + walk(m.after);
  };
  return walk(s);
}

/** The text of a translation file: front matter, then the body rebuilt on the source's paragraph structure. */
export function composeTranslation(doc: Doc, values: Map<string, string>, status: 'draft' | 'reviewed'): string {
  const id = doc.testimony?.id ?? doc.campaign.id;
  const fm = [`translation_of: ${id}`, `source_sha256: "${doc.sourceSha256}"`, `status: ${status}`];
  if (doc.testimony) {
    for (const f of ['title', 'quote', 'paraphrase', 'display_name']) {
      const v = values.get(f);
      if (v !== undefined) fm.push(YAML.stringify({ [f]: v }, { lineWidth: 0 }).trimEnd());
    }
  }
  const body = doc.skeleton.map((block) => block.map((b) => `${b.prefix}${values.get(b.id) ?? ''}`).join('\n')).join('\n\n');
  return `---\n${fm.join('\n')}\n---\n${body}\n`;
}
