import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CampaignPressError, ExitCode, ValidationErrors } from '../errors.js';
import { fontCoverage } from '../fonts/fonts.js';
import { type LocaleTable, loadLocaleTable } from '../i18n/table.js';
import { resolveBrowser } from '../render/chromium.js';
import { RenderPool } from '../render/pool.js';
import { listTemplates, loadTemplate } from '../templates/engine.js';

/** `doctor`: is this machine and project ready to build? Each check says what to do when it fails. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
  /** Exit code class when it fails; optional checks never fail the run. */
  exit?: ExitCode;
}

export async function runDoctor(root: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
  checks.push({
    name: 'node',
    ok: maj > 20 || (maj === 20 && min >= 19),
    detail: process.version,
    hint: 'Install Node 20.19 or later.',
    exit: ExitCode.internal,
  });

  try {
    const b = await resolveBrowser();
    const pool = new RenderPool(new Map(), { concurrency: 1 });
    try {
      await pool.start();
      checks.push({ name: 'chromium', ok: true, detail: `${pool.browserVersion} at ${b.executablePath} (${b.source})` });
    } finally {
      await pool.close();
    }
  } catch (e) {
    const err = e as CampaignPressError;
    checks.push({
      name: 'chromium',
      ok: false,
      detail: err.message,
      hint: err.hint ?? 'Run `npm run setup`.',
      exit: ExitCode.renderFailed,
    });
  }

  let table: LocaleTable | undefined;
  try {
    table = loadLocaleTable(path.join(root, 'locales'));
    checks.push({ name: 'locales', ok: true, detail: `${table.codes.length} languages in locales/locales.json` });
  } catch (e) {
    const errs = e instanceof ValidationErrors ? e.errors : [e as CampaignPressError];
    checks.push({
      name: 'locales',
      ok: false,
      detail: errs.map((x) => x.message).join('; '),
      hint: errs[0]?.hint,
      exit: ExitCode.invalidInput,
    });
  }
  if (table) {
    const families = [...new Set([...table.entries.values()].flatMap((e) => e.fonts))];
    for (const f of families) {
      try {
        checks.push({ name: `font ${f}`, ok: true, detail: `${fontCoverage(f).size} characters` });
      } catch (e) {
        checks.push({
          name: `font ${f}`,
          ok: false,
          detail: (e as Error).message,
          hint: (e as CampaignPressError).hint,
          exit: ExitCode.invalidInput,
        });
      }
    }
  }

  const tdir = path.join(root, 'templates');
  const names = listTemplates(tdir);
  if (!names.length)
    checks.push({
      name: 'templates',
      ok: false,
      detail: `no templates in ${tdir}`,
      hint: 'Run campaign-press in a project folder (see `campaign-press init`), or pass --root.',
      exit: ExitCode.invalidInput,
    });
  for (const n of names) {
    try {
      const t = loadTemplate(tdir, n);
      checks.push({ name: `template ${n}`, ok: true, detail: `${[...t.formats.keys()].join(', ')} (${t.channel})` });
    } catch (e) {
      const errs = e instanceof ValidationErrors ? e.errors : [e as CampaignPressError];
      checks.push({
        name: `template ${n}`,
        ok: false,
        detail: errs.map((x) => `${x.location.file ?? ''}:${x.location.line ?? ''} ${x.message}`).join('; '),
        hint: errs[0]?.hint,
        exit: ExitCode.invalidInput,
      });
    }
  }
  const poppler = spawnSync('sh', ['-c', 'command -v pdftoppm'], { stdio: 'ignore' }).status === 0;
  checks.push({
    name: 'poppler (optional)',
    ok: poppler,
    detail: poppler ? 'pdftoppm found: PDFs can be turned into PNGs for review' : 'not found: only the test suite needs it',
    hint: 'apt-get install poppler-utils',
  });
  return checks;
}

/** The package's own folder (templates/ and locales/ ship with it). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export function initProject(dir: string, campaignId: string): string[] {
  const target = path.resolve(dir);
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(campaignId))
    throw new CampaignPressError('usage', `campaign id "${campaignId}" must use a-z, 0-9 and hyphens`, { field: '--campaign' });
  if (existsSync(target) && readdirSync(target).length)
    throw new CampaignPressError('usage', `${dir} is not empty`, { file: dir }, 'Give a new or empty folder; init never overwrites files.');
  const pkg = packageRoot();
  mkdirSync(target, { recursive: true });
  cpSync(path.join(pkg, 'templates'), path.join(target, 'templates'), { recursive: true });
  cpSync(path.join(pkg, 'locales'), path.join(target, 'locales'), {
    recursive: true,
    filter: (src) => !/\/locales\/[^/]+\/(?!common\.json$)[^/]+\.json$/.test(src),
  });
  const cdir = path.join(target, 'campaigns', campaignId);
  mkdirSync(path.join(cdir, 'testimonies'), { recursive: true });
  mkdirSync(path.join(cdir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(cdir, 'campaign.md'),
    `---
id: ${campaignId}
title: Your campaign title
source_locale: en
locales: [en]
distribution:
  regions: [IQ-AR]            # ISO 3166-2 codes (or INTL) where the assets will be shown
contact:
  hotline: "+000 000 000 000"  # an example: put your verified helpline here
  url: https://example.org/your-campaign
brand:
  primary: "#0B3D5C"
  accent: "#F2B705"
messages:
  headline: Your headline, short and true.
  subline: One sentence that says why it matters.
  cta: What to do next, for free.
outputs:
  - template: poster
    formats: [a3, a4]
  - template: social-card
    formats: [square, portrait, story, link]
  - template: testimony-card
    formats: [square, story]
    for_each: testimony
  - template: leaflet
    formats: [a5]
---
Describe the campaign here, in Markdown. Translations go in campaign.<lng>.md and
locales/<lng>/${campaignId}.json; testimonies, with their consent, in testimonies/.
`,
  );
  writeFileSync(path.join(target, '.gitignore'), 'out/\n');
  return [`templates/`, `locales/`, `campaigns/${campaignId}/campaign.md`, '.gitignore'];
}
