import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { sha256 } from '../src/util/files.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A throwaway project folder with the shipped templates and locales. */
export function makeProject(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cp-test-'));
  cpSync(path.join(REPO, 'templates'), path.join(root, 'templates'), { recursive: true });
  cpSync(path.join(REPO, 'locales'), path.join(root, 'locales'), { recursive: true });
  mkdirSync(path.join(root, 'campaigns'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A throwaway project holding a copy of the sample campaign (campaigns/safe-journeys); `dir` is that copy. */
export function sampleProject(): { root: string; dir: string; cleanup: () => void } {
  const made = makeProject();
  const dir = path.join(made.root, 'campaigns', 'safe-journeys');
  cpSync(path.join(REPO, 'campaigns', 'safe-journeys'), dir, { recursive: true });
  return { ...made, dir };
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/**
 * A probe template: the campaign's subline as one paragraph on an A6 PDF page, nothing else, so a
 * test can read which fonts draw it. `css` styles `.words`.
 */
export function writeSublineProbe(root: string, name: string, description: string, css: string): void {
  writeFiles(path.join(root, 'templates', name), {
    'template.json': JSON.stringify({
      description,
      channel: 'pdf',
      output: 'pdf',
      testimonies: 'none',
      formats: { a6: { width: 105, height: 148, unit: 'mm', bleed: 0 } },
    }),
    'template.hbs': '<main class="page" data-no-overflow="page"><p class="words">{{t "campaign:subline"}}</p></main>',
    'style.css': css,
  });
}

export interface CampaignSpec {
  id?: string;
  locales?: string[];
  source?: string;
  regions?: string[];
  outputs?: string;
  messages?: Record<string, string>;
  extraFrontmatter?: string;
  body?: string;
}

export function campaignMd(spec: CampaignSpec = {}): string {
  const id = spec.id ?? 'test-campaign';
  const msgs = spec.messages ?? {
    headline: 'Know the truth before you go.',
    subline: 'The sea is real. The promises are not.',
    cta: 'Call the free helpline',
  };
  return `---
id: ${id}
title: Test campaign
source_locale: ${spec.source ?? 'en'}
locales: [${(spec.locales ?? ['en']).join(', ')}]
distribution:
  regions: [${(spec.regions ?? ['IQ-AR']).join(', ')}]
contact:
  hotline: "+964 750 000 0000"
  url: https://example.org/test
brand:
  primary: "#0B3D5C"
  accent: "#F2B705"
messages:
${Object.entries(msgs)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
outputs:
${spec.outputs ?? '  - template: social-card\n    formats: [square]'}
${spec.extraFrontmatter ?? ''}---
${spec.body ?? 'A short description of the campaign.'}
`;
}

export interface TestimonySpec {
  id: string;
  consent?: string;
  quote?: string;
  body?: string;
  extra?: string;
}

/** A testimony whose consent passes every rule on 2026-06-01 unless `consent` overrides it. */
export function testimonyMd(t: TestimonySpec): string {
  return `---
id: ${t.id}
title: A story from the road
quote: ${JSON.stringify(t.quote ?? 'The smuggler promised a safe boat.')}
paraphrase: He was promised a safe boat.
content_warning: none
${t.extra ?? ''}consent:
${t.consent ?? defaultConsent()}
---
${t.body ?? 'Illustrative testimony for a test.'}
`;
}

export function defaultConsent(o: Partial<Record<string, string>> = {}): string {
  return `  id: ${o.id ?? 'CR-TEST-0001'}
  status: ${o.status ?? 'granted'}
  given_by: ${o.given_by ?? 'self'}
${o.relationship ? `  relationship: ${o.relationship}\n` : ''}  subject:
    role: survivor
    age_band: ${o.age_band ?? 'adult'}
  child_assent: ${o.child_assent ?? 'null'}
  granted_on: ${o.granted_on ?? '2026-01-01'}
  review_by: ${o.review_by ?? '2026-12-31'}
  expires_on: ${o.expires_on ?? '2027-12-31'}
  scope:
    channels: [${o.channels ?? 'print, pdf, social'}]
    locales: [${o.locales ?? 'en, ckb, ar'}]
    regions: [${o.regions ?? 'IQ-AR, IQ-SU'}]
    excluded_regions: [${o.excluded_regions ?? ''}]
    quote_usage: ${o.quote_usage ?? 'verbatim'}
    allow_translation: ${o.allow_translation ?? 'true'}
  identity:
    level: ${o.level ?? 'pseudonym'}
    display_name: ${o.display_name ?? 'Karwan*'}
    name_changed_note: true
    denylist_sha256: [${o.denylist ?? ''}]
${o.photo ?? ''}  risk:
    level: ${o.risk ?? 'medium'}
    pillars_removed: [${o.pillars ?? 'face, name'}]
    signoff: [${o.signoff ?? 'protection_focal_point'}]`;
}

/** Every file below a folder (relative paths), for "nothing was written" assertions. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      // A folder that was never created holds no files; any other failure is the test's problem.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const n of names) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

export function pdfInfo(file: string): Record<string, string> {
  const out = execFileSync('pdfinfo', ['-box', file], { encoding: 'utf8' });
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) info[m[1]!.trim()] = m[2]!.trim();
  }
  return info;
}

/** Font names embedded in a PDF (pdffonts), without the subset prefix. */
export function pdfFonts(file: string): { name: string; embedded: boolean }[] {
  const out = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  return out.map((l) => {
    const cols = l.trim().split(/\s+/);
    return { name: cols[0]!.replace(/^[A-Z]{6}\+/, ''), embedded: l.includes(' yes ') };
  });
}

export { sha256 };

/**
 * Text of a PDF in logical order. pdftotext -raw prints right-to-left lines as runs in visual
 * order, each wrapped in bidi embedding marks; reversing the runs gives the logical order.
 */
export function pdfTextLogical(file: string, page?: number): string {
  const only = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return logicalOrder(execFileSync('pdftotext', ['-raw', ...only, file, '-'], { encoding: 'utf8' }));
}

/** pdftotext -raw output put in logical order: each line's bidi-marked runs reversed (see pdfTextLogical). */
export function logicalOrder(raw: string): string {
  return raw
    .split('\n')
    .map((line) =>
      /[\u202A-\u202E]/.test(line)
        ? line
            .split(/[\u202A-\u202E]/)
            .filter((r) => r.length)
            .reverse()
            .join('')
        : line,
    )
    .join('\n');
}

/**
 * Compare text ignoring spacing, bidi marks and the order a lam-alef ligature is extracted in.
 * Every lam-alef ligature counts (لا, لأ, لإ, لآ): Chromium writes the ligature's ActualText in
 * logical order inside a /ReversedChars run and pdftotext reverses the run, pair included (the PDF
 * itself holds "لأ": tests/pdf-text-by-font.ts decodes it).
 */
export function squash(s: string): string {
  return (
    s
      .normalize('NFKC')
      .replace(/[\u200e\u200f\u202a-\u202e\u0640]/g, '')
      // Within a word only: a lam ending one word and an alef starting the next are no ligature.
      .replace(/ل([اأإآ])/g, '$1ل')
      .replace(/\s/g, '')
  );
}

/** Every word of `expected` appears, in order within itself, in the PDF's text. */
export function missingWords(pdf: string, expected: string): string[] {
  const hay = squash(pdfTextLogical(pdf));
  return expected
    .split(/\s+/)
    .map((w) => w.replace(/[.,،:;!?«»"“”]/g, ''))
    .filter((w) => w.length > 1 && !hay.includes(squash(w)));
}

/**
 * Letters of `expected` that the PDF's text layer lacks, counted with multiplicity. For Nastaliq
 * (Urdu), whose cascading baseline defeats pdftotext's word reconstruction, this is what the
 * PDF can prove: every letter is there, as Unicode, as many times as the text has it.
 */
export function missingLetters(pdf: string, expected: string): string[] {
  return missingLettersIn(squash(pdfTextLogical(pdf)), expected);
}

/** Letters of `expected` missing from `hay` (squashed text), counted with multiplicity. */
export function missingLettersIn(hay: string, expected: string): string[] {
  const have = new Map<string, number>();
  for (const c of hay) have.set(c, (have.get(c) ?? 0) + 1);
  const missing: string[] = [];
  for (const c of squash(expected).replace(/[.,،:;!?۔«»"“”]/g, '')) {
    const n = have.get(c) ?? 0;
    if (n === 0) missing.push(c);
    else have.set(c, n - 1);
  }
  return missing;
}

/** A JPEG whose EXIF (description, artist, GPS) and XMP all carry `canary`, for metadata-leak tests. */
export async function canaryJpeg(canary: string, width = 600, height = 400): Promise<Buffer> {
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#556677' } })
    .jpeg()
    .withExif({ IFD0: { ImageDescription: canary, Artist: canary }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '36/1 11/1 0/1' } })
    .withXmp(
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${canary}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`,
    )
    .toBuffer();
  if (!jpeg.includes(canary)) throw new Error('the canary did not reach the test photo');
  return jpeg;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the CLI in-process on the sources: `main(argv, io)` with captured streams. The pipeline
 * names files relative to the process's working folder, as the binary run from `cwd` does, so
 * the process moves there for the call (the integration tier runs in forks, where chdir works).
 */
export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const { main } = await import('../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const cwd = opts.cwd ?? process.cwd();
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      cwd,
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

/** Run the real binary (bin/campaign-press.js on dist/): for the few end-to-end tests only. */
export function spawnCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'campaign-press.js'), ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What a release is gated against (FORMAT.md 4.1): the campaign as it is now, on a pinned date. */
export async function releaseCheck(root: string, campaignDir: string, asOf: string, skipRefused = false) {
  const { loadProject } = await import('../src/pipeline/steps/load.js');
  const { releasePlan } = await import('../src/pipeline/steps/plan.js');
  const { sheetLocales } = await import('../src/output/contact-sheet.js');
  const project = loadProject(root, campaignDir);
  const dates = { asOf, asOfEarliest: asOf };
  return {
    campaign: project.campaign,
    dates,
    skipRefused,
    planned: (regions: readonly string[]) => releasePlan(project, dates, regions),
    locales: sheetLocales(project.table),
  };
}
