import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/errors.js';
import type { ManifestAsset } from '../../src/output/manifest.js';
import { loadProject, resolveScope } from '../../src/pipeline/steps/load.js';
import { type KeyedJob, planStep } from '../../src/pipeline/steps/plan.js';
import { campaignMd, defaultConsent, makeProject, sha256, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Input keys (issue 13 item 5): a no-op rebuild reuses outputs by a hash of their inputs, before
 * any page is written. Each edit below must change the keys of exactly the assets it can change,
 * and nothing else: the control (no edit) changes none, so a key that hashes the clock or the
 * folder cannot pass, and a key that misses an input fails its case.
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
const dir = () => path.join(root, 'campaigns', 'c');

const CKB = {
  title: 'هەڵمەتی تاقیکردنەوە',
  headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
  subline: 'دەریا ڕاستە. بەڵێنەکان ڕاست نین.',
  cta: 'پەیوەندی بە هێڵی یارمەتی بکە',
};
const AR = {
  title: 'حملة تجريبية',
  headline: 'اعرف الحقيقة قبل أن تذهب.',
  subline: 'البحر حقيقي. الوعود ليست كذلك.',
  cta: 'اتصل بخط المساعدة المجاني',
};

const photo = (colour: string) =>
  sharp({ create: { width: 480, height: 320, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
const logo = (colour: string) =>
  sharp({ create: { width: 300, height: 300, channels: 4, background: colour } })
    .png()
    .toBuffer();

async function writeCampaign(): Promise<void> {
  const road = await photo('#556677');
  const campaign = campaignMd({
    id: 'c',
    locales: ['en', 'ckb', 'ar'],
    outputs:
      '  - template: social-card\n    formats: [square]\n  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: poster\n    formats: [a4]',
  }).replace(/(brand:\n {2}primary: .*\n {2}accent: .*\n)/, '$1  logo: assets/logo.png\n');
  const karwan = testimonyMd({
    id: 'karwan',
    extra: 'photo: assets/road.jpg\n',
    consent: defaultConsent({ id: 'CR-K', photo: `  photo:\n    permission: obscured\n    sha256: "${sha256(road)}"\n` }),
  });
  writeFiles(dir(), {
    'campaign.md': campaign,
    'assets/road.jpg': road,
    'assets/logo.png': await logo('#0B3D5C'),
    'testimonies/karwan.md': karwan,
    'testimonies/shirin.md': testimonyMd({ id: 'shirin', quote: 'We walked for nine days.', consent: defaultConsent({ id: 'CR-S' }) }),
  });
  writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(CKB, null, 2) });
  writeFiles(path.join(root, 'locales', 'ar'), { 'c.json': JSON.stringify(AR, null, 2) });
}

/** Plan the campaign as `build` does, recording the input key the reuse lookup is asked about for each asset. */
async function inputKeys(asOf = AS_OF): Promise<{ keys: Map<string, string>; jobs: KeyedJob[]; diag: Diagnostics }> {
  const project = loadProject(root, dir());
  const scope = resolveScope(project, { asOf });
  const keys = new Map<string, string>();
  const diag = new Diagnostics();
  const planned = await planStep(
    project,
    scope,
    {
      root,
      skipRefused: true,
      strict: false,
      reuse: async (job, inputs) => {
        keys.set(job.relPath, inputs);
        return undefined;
      },
    },
    diag,
  );
  return { keys, jobs: planned.jobs, diag };
}

/** Apply an edit, and return the assets whose input key changed; the edit is undone afterwards. */
async function changedBy(edit: () => Promise<void> | void, files: string[]): Promise<string[]> {
  const saved = new Map(files.map((f) => [f, readFileSync(path.join(root, f))]));
  const before = (await inputKeys()).keys;
  try {
    await edit();
    const after = (await inputKeys()).keys;
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    return [...after]
      .filter(([p, k]) => before.get(p) !== k)
      .map(([p]) => p)
      .sort();
  } finally {
    for (const [f, b] of saved) writeFileSync(path.join(root, f), b);
  }
}

const edit = (rel: string, from: string | RegExp, to: string) => () => {
  const file = path.join(root, rel);
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`the edit of ${rel} changed nothing`);
  writeFileSync(file, next);
};

let all: string[];
beforeAll(async () => {
  ({ root, cleanup } = makeProject());
  await writeCampaign();
  all = [...(await inputKeys()).keys.keys()].sort();
});
afterAll(() => cleanup());

describe('input keys change for exactly the assets an edit can change', () => {
  // The testimonies have no translations: their cards are in English only.
  it('plans the assets the cases below count on', () => {
    expect(all).toEqual([
      'ar/poster-a4.pdf',
      'ar/poster-a4.png',
      'ar/social-card-square.png',
      'ckb/poster-a4.pdf',
      'ckb/poster-a4.png',
      'ckb/social-card-square.png',
      'en/poster-a4.pdf',
      'en/poster-a4.png',
      'en/social-card-square.png',
      'en/testimony-card-square-karwan.png',
      'en/testimony-card-square-shirin.png',
    ]);
  });

  it('control: planning again with nothing edited changes no key', async () => {
    expect(await changedBy(() => undefined, [])).toEqual([]);
  });

  it('a Sorani campaign string changes the Sorani assets only', async () => {
    const changed = await changedBy(edit('locales/ckb/c.json', CKB.cta, 'پەیوەندی بکە بە هێڵی یارمەتی'), ['locales/ckb/c.json']);
    expect(changed).toEqual(all.filter((p) => p.startsWith('ckb/')));
  });

  it('an Arabic label of the shipped locale files changes the Arabic assets only', async () => {
    const file = 'locales/ar/common.json';
    const common = JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;
    const key = Object.keys(common).find((k) => k === 'helpline')!;
    expect(typeof common[key]).toBe('string');
    const changed = await changedBy(() => {
      common[key] = `${common[key] as string} ـ`;
      writeFileSync(path.join(root, file), JSON.stringify(common, null, 2));
    }, [file]);
    expect(changed).toEqual(all.filter((p) => p.startsWith('ar/')));
  });

  it("the testimony card's CSS changes the testimony cards only", async () => {
    const f = 'templates/testimony-card/style.css';
    const changed = await changedBy(
      () => writeFileSync(path.join(root, f), `${readFileSync(path.join(root, f), 'utf8')}\n.quote { letter-spacing: 0.01em; }\n`),
      [f],
    );
    expect(changed).toEqual(all.filter((p) => p.includes('testimony-card')));
  });

  it('the shared base CSS changes every asset', async () => {
    const f = 'templates/_shared/base.css';
    const changed = await changedBy(
      () => writeFileSync(path.join(root, f), `${readFileSync(path.join(root, f), 'utf8')}\n/* leading */\n`),
      [f],
    );
    expect(changed).toEqual(all);
  });

  it("a testimony's quote changes that testimony's cards only", async () => {
    const f = 'campaigns/c/testimonies/shirin.md';
    const changed = await changedBy(edit(f, 'We walked for nine days.', 'We walked for ten days.'), [f]);
    expect(changed).toEqual(all.filter((p) => p.endsWith('-shirin.png')));
  });

  it('a brand colour changes every asset', async () => {
    const f = 'campaigns/c/campaign.md';
    const changed = await changedBy(edit(f, 'primary: "#0B3D5C"', 'primary: "#0B3D5D"'), [f]);
    expect(changed).toEqual(all);
  });

  it('the logo file, same name and other pixels, changes every asset that shows it', async () => {
    const f = 'campaigns/c/assets/logo.png';
    const changed = await changedBy(async () => writeFileSync(path.join(root, f), await logo('#0B3D5D')), [f]);
    expect(changed).toEqual(all);
  });

  it("a new photo (its consent re-approved for the new file) changes that testimony's cards only", async () => {
    const f = 'campaigns/c/assets/road.jpg';
    const t = 'campaigns/c/testimonies/karwan.md';
    const changed = await changedBy(async () => {
      const next = await photo('#665544');
      const old = sha256(readFileSync(path.join(root, f)));
      writeFileSync(path.join(root, f), next);
      edit(t, old, sha256(next))();
    }, [f, t]);
    expect(changed).toEqual(all.filter((p) => p.endsWith('-karwan.png')));
  });

  it('a photo permission taken back changes the cards that showed it', async () => {
    const t = 'campaigns/c/testimonies/karwan.md';
    const changed = await changedBy(edit(t, /permission: obscured\n.*\n/, 'permission: none\n'), [t]);
    expect(changed).toEqual(all.filter((p) => p.endsWith('-karwan.png')));
  });

  it('another as-of date changes the print assets only (their edition code and PDF date; the poster PNG shows the code too), not the cards', async () => {
    const a = (await inputKeys('2026-06-01')).keys;
    const b = (await inputKeys('2026-06-02')).keys;
    expect(
      [...b]
        .filter(([p, k]) => a.get(p) !== k)
        .map(([p]) => p)
        .sort(),
    ).toEqual(all.filter((p) => p.includes('/poster-')));
  });
});

describe('reuse by input key', () => {
  it('reports again the warnings the reused page gave when it was written', async () => {
    // A Sorani campaign string missing: the card prints the English one, and the build says so.
    const { cta: _, ...withoutCta } = CKB;
    writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(withoutCta, null, 2) });
    try {
      const first = await inputKeys();
      const fallbacks = (d: Diagnostics) => d.warnings.filter((w) => w.code === 'translation-missing').map((w) => w.message);
      expect(fallbacks(first.diag).some((m) => m.includes('"campaign:cta" has no ckb translation'))).toBe(true);
      const entries = new Map(first.jobs.map((k) => [k.job.relPath, manifestEntryOf(k, first.keys.get(k.job.relPath)!)]));
      expect(entries.get('ckb/social-card-square.png')!.warnings?.length).toBeGreaterThan(0);
      const project = loadProject(root, dir());
      const diag = new Diagnostics();
      const again = await planStep(
        project,
        resolveScope(project, { asOf: AS_OF }),
        {
          root,
          skipRefused: true,
          strict: false,
          reuse: async (job, inputs) => (entries.get(job.relPath)?.inputs === inputs ? entries.get(job.relPath) : undefined),
        },
        diag,
      );
      expect(again.jobs.every((k) => k.prev)).toBe(true);
      expect(fallbacks(diag).sort()).toEqual(fallbacks(first.diag).sort());
    } finally {
      writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': JSON.stringify(CKB, null, 2) });
    }
  });
});

function manifestEntryOf(k: KeyedJob, inputs: string): ManifestAsset {
  return {
    path: k.job.relPath,
    sha256: '0'.repeat(64),
    bytes: 1,
    locale: k.job.locale,
    template: k.job.template.name,
    format: k.job.format.name,
    output: k.job.format.output,
    channel: k.job.channel,
    consent_ids: [],
    testimonies: [],
    key: k.key,
    inputs,
    ...(k.warnings ? { warnings: k.warnings } : {}),
  };
}
