import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CampaignPressError, Diagnostics, ValidationErrors } from '../../src/errors.js';
import { loadProject, resolveScope } from '../../src/pipeline/steps/load.js';
import { planStep } from '../../src/pipeline/steps/plan.js';
import { eventCounts, resetProfile } from '../../src/util/profile.js';
import { displayPath } from '../../src/util/files.js';
import { campaignMd, defaultConsent, makeProject, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * The parse cache (issue 13, campaign/parse-cache.ts): testimony and translation files parsed and
 * validated by an earlier build are taken from the cache when their bytes are the same. What is
 * counted is what the loader did (src/util/profile.ts counts each file read and each frontmatter
 * parsed), never how long it took.
 */
let root: string;
let cleanup: () => void;
let cacheRoot: string;
const dir = () => path.join(root, 'campaigns', 'c');
const tdir = () => path.join(dir(), 'testimonies');
const shown = (name: string) => displayPath(path.join(tdir(), name));
const cacheDir = () => path.join(cacheRoot, 'cache');

// A Sorani and an Arabic translation of each story, as translators deliver them.
const STORIES: Record<string, { quote: string; ckb: [string, string]; ar: [string, string] }> = {
  karwan: {
    quote: 'The smuggler promised a safe boat.',
    ckb: ['چیرۆکێک لە ڕێگاوە', 'قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی پێدا.'],
    ar: ['قصة من الطريق', 'وعدنا المهرّب بقارب آمن.'],
  },
  shirin: {
    quote: 'We walked for nine days.',
    ckb: ['نۆ ڕۆژ بە پێ', 'نۆ ڕۆژ بە پێ ڕۆیشتین.'],
    ar: ['تسعة أيام سيراً', 'مشينا تسعة أيام.'],
  },
};

function writeCampaign(): void {
  const files: Record<string, string> = {
    'campaign.md': campaignMd({
      id: 'c',
      locales: ['en', 'ckb', 'ar'],
      outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony',
    }),
  };
  for (const [id, s] of Object.entries(STORIES)) {
    const source = testimonyMd({ id, quote: s.quote, consent: defaultConsent({ id: `CR-${id.toUpperCase()}` }) });
    files[`testimonies/${id}.md`] = source;
    for (const l of ['ckb', 'ar'] as const) {
      const [title, quote] = s[l];
      files[`testimonies/${id}.${l}.md`] =
        `---\ntranslation_of: ${id}\nsource_sha256: "${sha256(Buffer.from(source))}"\nstatus: reviewed\ntitle: "${title}"\nquote: "${quote}"\n---\n${quote}\n`;
    }
  }
  writeFiles(dir(), files);
  writeFiles(path.join(root, 'locales', 'ckb'), {
    'c.json': JSON.stringify({ title: 'هەڵمەت', headline: 'ڕاستییەکە بزانە.', subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' }),
  });
  writeFiles(path.join(root, 'locales', 'ar'), {
    'c.json': JSON.stringify({ title: 'حملة', headline: 'اعرف الحقيقة.', subline: 'البحر حقيقي.', cta: 'اتصل بنا' }),
  });
}

const FILES = ['karwan.md', 'karwan.ckb.md', 'karwan.ar.md', 'shirin.md', 'shirin.ckb.md', 'shirin.ar.md'];

/** Load as `build` does, with the cache, and count what the loader did to each testimony file. */
function load(parseCache = true) {
  resetProfile();
  const project = loadProject(root, dir(), { parseCache });
  const counts = eventCounts();
  const per = (prefix: string) => Object.fromEntries(FILES.map((f) => [f, counts[`${prefix}: ${shown(f)}`] ?? 0]));
  return { project, parsed: per('parse'), read: per('read'), refused: counts['parse cache: entry refused'] ?? 0 };
}

/** What the loader gives every later step about the testimonies: data, text, lines, translations. */
function testimonies(project: ReturnType<typeof loadProject>) {
  return project.campaign.testimonies.map((t) => ({
    id: t.id,
    data: t.data,
    body: t.body,
    bodyLine: t.bodyLine,
    consentLine: t.consentLine,
    consentId: t.consentId,
    denylist: t.denylist,
    sha256: t.sha256,
    contentSha256: t.contentSha256,
    translations: [...t.translations].sort(([a], [b]) => (a < b ? -1 : 1)),
  }));
}

const ones = Object.fromEntries(FILES.map((f) => [f, 1]));
const zeros = Object.fromEntries(FILES.map((f) => [f, 0]));

function packFile(): string {
  const name = readdirSync(cacheDir()).find((n) => n.startsWith('parse-'));
  if (!name) throw new Error('no parse cache was written');
  return path.join(cacheDir(), name);
}

beforeAll(() => {
  ({ root, cleanup } = makeProject());
  writeCampaign();
});
afterAll(() => cleanup());
beforeEach(() => {
  cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'cp-parse-cache-'));
  process.env.CAMPAIGN_PRESS_CACHE_DIR = cacheDir();
});
afterEach(() => {
  delete process.env.CAMPAIGN_PRESS_CACHE_DIR;
  rmSync(cacheRoot, { recursive: true, force: true });
});

describe('parse cache', () => {
  it('a second load reads each testimony file once and parses none, and loads the same campaign', () => {
    const first = load();
    expect(first.parsed).toEqual(ones);
    expect(first.read).toEqual(ones);
    const second = load();
    expect(second.parsed).toEqual(zeros);
    expect(second.read).toEqual(ones);
    const fresh = load(false);
    expect(fresh.parsed).toEqual(ones);
    expect(testimonies(second.project)).toEqual(testimonies(fresh.project));
    expect(testimonies(second.project)[0]!.translations.map(([l, t]) => [l, t.quote])).toEqual([
      ['ar', 'وعدنا المهرّب بقارب آمن.'],
      ['ckb', 'قاچاخچییەکە بەڵێنی بەلەمێکی سەلامەتی پێدا.'],
    ]);
  });

  it('an edited testimony is parsed again, alone; an error in it still names file and line', () => {
    load();
    const file = path.join(tdir(), 'shirin.ckb.md');
    const saved = readFileSync(file);
    try {
      writeFileSync(file, saved.toString('utf8').replaceAll('نۆ ڕۆژ بە پێ ڕۆیشتین.', 'نۆ ڕۆژ و نۆ شەو بە پێ ڕۆیشتین.'));
      const edited = load();
      expect(edited.parsed).toEqual({ ...zeros, 'shirin.ckb.md': 1 });
      const ckb = edited.project.campaign.testimonies.find((t) => t.id === 'shirin')!.translations.get('ckb')!;
      expect(ckb.body).toContain('نۆ ڕۆژ و نۆ شەو');
      // Line 4: status, misspelt as a translator might.
      writeFileSync(file, saved.toString('utf8').replace('status: reviewed', 'status: reveiwed'));
      let error: unknown;
      try {
        load();
      } catch (e) {
        error = e;
      }
      const errors = error instanceof ValidationErrors ? error.errors : [error];
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(CampaignPressError);
      expect((errors[0] as CampaignPressError).location).toMatchObject({ file: shown('shirin.ckb.md'), line: 4, field: 'status' });
    } finally {
      writeFileSync(file, saved);
    }
    // The files that parsed before the error stayed cached; the fixed one is parsed again.
    expect(load().parsed).toEqual({ ...zeros, 'shirin.ckb.md': 1 });
  });

  it('a load stopped by an error in campaign.md keeps the cache for when it is fixed', () => {
    load();
    const file = path.join(dir(), 'campaign.md');
    const saved = readFileSync(file);
    try {
      writeFileSync(file, saved.toString('utf8').replace('source_locale: en', 'source_locale: en\nsource_locale: ckb'));
      expect(() => load()).toThrow();
    } finally {
      writeFileSync(file, saved);
    }
    expect(load().parsed).toEqual(zeros);
  });

  it('a pack not written for over 30 days is removed when another is written; a recent one stays (control)', () => {
    const stale = path.join(cacheDir(), `parse-${'a'.repeat(24)}.json`);
    const recent = path.join(cacheDir(), `parse-${'b'.repeat(24)}.json`);
    load();
    // This campaign's own pack, removed so that the next load writes it again (and prunes).
    const own = packFile();
    writeFileSync(stale, '{}\n');
    writeFileSync(recent, '{}\n');
    const old = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(stale, old, old);
    const day = new Date(Date.now() - 24 * 3600 * 1000);
    utimesSync(recent, day, day);
    rmSync(own);
    load();
    expect(existsSync(own)).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it('a tampered entry is not trusted: the file is parsed again (control: the same edit, signed, is taken)', () => {
    load();
    const pack = packFile();
    const original = readFileSync(pack, 'utf8');
    const tamper = (sign: boolean) => {
      const p = JSON.parse(original) as { tool: string; entries: Record<string, { mac: string; value: string }> };
      const id = Object.keys(p.entries).find((k) => k === `testimony@1:${sha256(readFileSync(path.join(tdir(), 'karwan.md')))}`)!;
      const e = p.entries[id]!;
      // Widen the consent to a channel the file does not grant, as an attacker would.
      const forged = e.value.replace('"channels":["print","pdf","social"]', '"channels":["print","pdf","social","video"]');
      expect(forged).not.toBe(e.value);
      e.value = forged;
      if (sign) {
        const key = Buffer.from(readFileSync(path.join(cacheDir(), 'key'), 'utf8').trim(), 'hex');
        e.mac = createHmac('sha256', key).update(`${p.tool}\u0000${id}\u0000`).update(forged).digest('hex');
      }
      writeFileSync(pack, JSON.stringify(p));
    };
    tamper(false);
    const refused = load();
    expect(refused.refused).toBe(1);
    expect(refused.parsed).toEqual({ ...zeros, 'karwan.md': 1 });
    const karwan = refused.project.campaign.testimonies.find((t) => t.id === 'karwan')!;
    expect(karwan.data.consent?.scope.channels).toEqual(['print', 'pdf', 'social']);
    // Control: an entry signed with the key is taken as it is, so the check above is what refused it.
    tamper(true);
    const signed = load();
    expect(signed.parsed).toEqual(zeros);
    expect(signed.project.campaign.testimonies.find((t) => t.id === 'karwan')!.data.consent?.scope.channels).toContain('video');
  });

  it('a damaged pack, another tool version, or a folder others can write is ignored: every file is parsed', () => {
    load();
    const pack = packFile();
    const original = readFileSync(pack, 'utf8');
    writeFileSync(pack, original.slice(0, original.length / 2));
    expect(load().parsed).toEqual(ones);
    const p = JSON.parse(readFileSync(pack, 'utf8')) as { tool: string };
    writeFileSync(pack, JSON.stringify({ ...p, tool: 'f'.repeat(64) }));
    expect(load().parsed).toEqual(ones);
    expect(load().parsed).toEqual(zeros);
    chmodSync(cacheDir(), 0o777);
    expect(load().parsed).toEqual(ones);
    chmodSync(cacheDir(), 0o700);
    expect(load().parsed).toEqual(zeros);
  });

  it('the consent gate still judges a cached testimony on the build date', async () => {
    load();
    const { project, parsed } = load();
    expect(parsed).toEqual(zeros);
    const refusals = async (asOf: string) => {
      const scope = resolveScope(project, { asOf });
      const planned = await planStep(project, scope, { root, skipRefused: true, strict: false }, new Diagnostics());
      return new Set(planned.refusals.map((r) => `${r.testimony} ${r.rule}`));
    };
    // Control: on 2026-06-01 every consent holds.
    expect(await refusals('2026-06-01')).toEqual(new Set());
    // expires_on is 2027-12-31 (review_by 2026-12-31): a build dated after it refuses both stories.
    expect(await refusals('2028-01-02')).toEqual(
      new Set(['karwan consent-expired', 'karwan consent-review-due', 'shirin consent-expired', 'shirin consent-review-due']),
    );
  });
});
