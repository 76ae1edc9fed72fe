import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTerm } from '../../src/consent/denylist.js';
import { pdfStreams } from '../../src/output/scan.js';
import { build } from '../../src/pipeline/run.js';
import {
  campaignMd,
  defaultConsent,
  listFiles,
  makeProject,
  pdfTextLogical,
  REPO,
  sha256,
  squash,
  testimonyMd,
  writeFiles,
} from '../helpers.js';

/**
 * Identity protection against the way people really write (issue: "Consent and identity
 * protection hold against real spellings and crafted inputs"). Each variant is refused with rule
 * denylist, and none of its spellings reaches a byte of any file written: raw bytes, inflated PDF
 * streams and the PDF text layer are searched. The exact term is a control (a scanner that matches
 * nothing fails), the clean testimony a negative control (a scanner that matches everything fails).
 */
const AS_OF = '2026-06-01';
let root: string;
let cleanup: () => void;
let dir: string;
let out: string;

interface Case {
  id: string;
  term: string;
  /** The spellings that must reach no output byte. */
  spellings: string[];
  locale: string;
  body?: string;
  quote?: string;
  /** Text of the ckb or ar translation, when the variant is written there. */
  translation?: { lng: string; quote: string; body: string };
}

const CASES: Case[] = [
  { id: 'control', term: 'Karwan Aziz', spellings: ['Karwan Aziz'], locale: 'en', body: 'My brother is Karwan Aziz, and he went by sea.' },
  {
    id: 'possessive',
    term: 'Karwan Aziz',
    spellings: ["Karwan Aziz's", 'Karwan Aziz'],
    locale: 'en',
    quote: "I am Karwan Aziz's brother; we never heard from him again.",
  },
  { id: 'hyphen', term: 'Karwan Aziz', spellings: ['Karwan-Aziz'], locale: 'en', body: 'The Karwan-Aziz family waited in Erbil for news.' },
  {
    id: 'link',
    term: 'Karwan Aziz',
    spellings: ['karwan-aziz'],
    locale: 'en',
    body: 'The family told the story [to a reporter](https://example.org/stories/karwan-aziz) last year.',
  },
  {
    id: 'sorani',
    term: 'کاروان عزیز',
    spellings: ['وکاروان عزیز', 'کاروان عزیز'],
    locale: 'ckb',
    translation: { lng: 'ckb', quote: 'باوکم وکاروان عزیز پێکەوە چوون بۆ دەریا.', body: 'چیرۆکێکی ڕاستەقینە.' },
  },
  {
    id: 'hamza',
    term: 'عائشة',
    spellings: ['عايشة', 'عائشة'],
    locale: 'ar',
    translation: { lng: 'ar', quote: 'كانت عايشة تنتظر على الشاطئ.', body: 'قصة حقيقية.' },
  },
  {
    id: 'phone',
    term: '07501234567',
    spellings: ['٠٧٥٠ ١٢٣ ٤٥٦٧', '07501234567'],
    locale: 'en',
    quote: 'Call my uncle on ٠٧٥٠ ١٢٣ ٤٥٦٧ if you hear anything.',
  },
  {
    id: 'place',
    term: 'Kani Qirzhala Road Block Four',
    spellings: ['Kani Qirzhala Road Block Four'],
    locale: 'en',
    body: 'We lived in Kani Qirzhala Road Block Four, next to the bakery.',
  },
  {
    id: 'cyrillic',
    term: 'Rustam',
    spellings: ['Rust\u0430m', 'Rustam'],
    locale: 'en',
    quote: 'Rust\u0430m carried the children to the boat.',
  },
];

const CLEAN_QUOTE = 'CLEANQUOTE The sea took my brother.';

beforeAll(() => {
  ({ root, cleanup } = makeProject());
  dir = path.join(root, 'campaigns', 'hawler');
  out = path.join(root, 'out');
  const outputs = '  - template: testimony-card\n    formats: [square]\n    for_each: testimony\n  - template: leaflet\n    formats: [a5]';
  writeFiles(dir, { 'campaign.md': campaignMd({ id: 'hawler', locales: ['en', 'ckb', 'ar'], outputs }) });
  writeFiles(path.join(root, 'locales'), {
    'ckb/hawler.json': JSON.stringify({ title: 'چیرۆکەکان', headline: 'ڕاستییەکە بزانە', subline: 'دەریا ڕاستە', cta: 'پەیوەندی بکە' }),
    'ar/hawler.json': JSON.stringify({ title: 'قصص', headline: 'اعرف الحقيقة', subline: 'البحر حقيقي', cta: 'اتصل بنا' }),
  });
  const all = [...CASES, { id: 'clean', term: 'Shirin Hama', spellings: [], locale: 'en', quote: CLEAN_QUOTE } as Case];
  for (const c of all) {
    const file = path.join(dir, 'testimonies', `${c.id}.md`);
    writeFiles(dir, {
      [`testimonies/${c.id}.md`]: testimonyMd({
        id: c.id,
        quote: c.quote ?? `A quote for ${c.id}.`,
        body: c.body ?? 'Illustrative testimony.',
        consent: defaultConsent({ id: `CR-${c.id.toUpperCase()}`, locales: 'en, ckb, ar', denylist: `"${hashTerm(c.term)}"` }),
      }),
    });
    if (c.translation) {
      const src = readFileSync(file);
      writeFiles(dir, {
        [`testimonies/${c.id}.${c.translation.lng}.md`]: `---\ntranslation_of: ${c.id}\nsource_sha256: "${sha256(src)}"\nstatus: reviewed\ntitle: ${c.translation.lng === 'ar' ? 'قصة' : 'چیرۆک'}\nquote: ${JSON.stringify(c.translation.quote)}\nparaphrase: ${c.translation.lng === 'ar' ? 'وعدوه بقارب آمن' : 'بەڵێنی بەلەمێکیان پێدا'}\n---\n${c.translation.body}\n`,
      });
    }
  }
}, 60_000);
afterAll(() => cleanup());

/** Every byte written below `folder`, with every PDF's inflated streams and text layer. */
function writtenText(folder: string): { file: string; haystacks: Buffer[]; text: string }[] {
  return listFiles(folder).map((f) => {
    const bytes = readFileSync(path.join(folder, f));
    const pdf = f.endsWith('.pdf');
    return {
      file: f,
      haystacks: [bytes, ...(pdf ? pdfStreams(bytes) : [])],
      text: pdf ? squash(pdfTextLogical(path.join(folder, f))) : '',
    };
  });
}

function leaks(folder: string, spelling: string): string[] {
  const forms = [Buffer.from(spelling, 'utf8'), Buffer.from(spelling, 'utf16le'), Buffer.from(spelling, 'utf16le').swap16()];
  const lower = spelling.toLowerCase();
  return writtenText(folder)
    .filter(
      ({ haystacks, text }) =>
        haystacks.some((h) => forms.some((f) => h.includes(f)) || h.toString('latin1').toLowerCase().includes(lower)) ||
        (text && text.includes(squash(spelling))),
    )
    .map((w) => w.file);
}

describe('deny-list variants on a whole build', () => {
  it('refuses every variant with rule denylist, builds the clean testimony, and no spelling reaches an output byte', async () => {
    const r = await build({ root, campaignDir: dir, out, asOf: AS_OF, skipRefused: true });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const c of CASES) {
      const refused = r.refusals.filter((f) => f.testimony === c.id && f.rule === 'denylist');
      expect(
        refused.map((f) => f.locale),
        c.id,
      ).toContain(c.locale);
      expect(listFiles(path.join(out, 'hawler')), c.id).not.toContain(`${c.locale}/testimony-card-square-${c.id}.png`);
    }
    // Negative control: the clean testimony is on its card and in the leaflet.
    const files = listFiles(path.join(out, 'hawler'));
    expect(files).toContain('en/testimony-card-square-clean.png');
    expect(pdfTextLogical(path.join(out, 'hawler', 'en', 'leaflet-a5.pdf'))).toContain('CLEANQUOTE');
    for (const c of CASES)
      for (const s of c.spellings) {
        expect(leaks(out, s), `${c.id}: ${s}`).toEqual([]);
        expect(JSON.stringify(r).includes(s), `${c.id}: ${s} in the report`).toBe(false);
      }
  });

  it('the leak search itself finds a planted spelling (a search that finds nothing cannot pass)', () => {
    const planted = path.join(out, 'hawler', 'planted.txt');
    writeFileSync(planted, 'x وکاروان عزیز y Karwan-Aziz');
    try {
      expect(leaks(out, 'وکاروان عزیز')).toEqual(['hawler/planted.txt']);
      expect(leaks(out, 'karwan-aziz')).toEqual(['hawler/planted.txt']);
    } finally {
      writeFileSync(planted, '');
    }
  });
});

describe('deny-list on what only the rendered page carries', () => {
  it('refuses a leaflet whose campaign description links to a deny-listed name; the link target reaches no byte', async () => {
    const p = makeProject();
    try {
      const d = path.join(p.root, 'campaigns', 'desc');
      writeFiles(d, {
        'campaign.md': campaignMd({
          id: 'desc',
          outputs: '  - template: leaflet\n    formats: [a5]',
          body: 'Read the whole story [on our site](https://example.org/stories/karwan-aziz).',
        }),
        'testimonies/t.md': testimonyMd({ id: 't', consent: defaultConsent({ id: 'CR-D', denylist: `"${hashTerm('Karwan Aziz')}"` }) }),
      });
      const o = path.join(p.root, 'out');
      const r = await build({ root: p.root, campaignDir: d, out: o, asOf: AS_OF });
      expect(r.exitCode).toBe(3);
      expect(r.refusals.map((f) => [f.rule, f.asset])).toEqual([['denylist', 'en/leaflet-a5.pdf']]);
      expect(listFiles(o)).toEqual([]);
      // Control: the same campaign with another link builds.
      writeFiles(d, {
        'campaign.md': campaignMd({
          id: 'desc',
          outputs: '  - template: leaflet\n    formats: [a5]',
          body: 'Read the whole story [on our site](https://example.org/stories/safe-routes).',
        }),
      });
      expect((await build({ root: p.root, campaignDir: d, out: o, asOf: AS_OF })).exitCode).toBe(0);
      expect(readFileSync(path.join(o, 'desc', 'en', 'leaflet-a5.pdf')).length).toBeGreaterThan(1000);
    } finally {
      p.cleanup();
    }
  });
});

describe('releases re-check consent', () => {
  const bin = path.join(REPO, 'bin', 'campaign-press.js');
  const cli = (cwd: string, args: string[]) => {
    const r = spawnSync(process.execPath, [bin, '--root', cwd, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("a withdrawn testimony's cards left in shard folders never reach a merged release", async () => {
    const p = makeProject();
    try {
      const d = path.join(p.root, 'campaigns', 'm');
      writeFiles(d, {
        'campaign.md': campaignMd({
          id: 'm',
          outputs: '  - template: testimony-card\n    formats: [square, story]\n    for_each: testimony',
        }),
        'testimonies/kept.md': testimonyMd({ id: 'kept', consent: defaultConsent({ id: 'CR-KEPT' }) }),
        'testimonies/later-withdrawn.md': testimonyMd({ id: 'later-withdrawn', consent: defaultConsent({ id: 'CR-WD' }) }),
      });
      for (const k of [1, 2])
        expect(cli(p.root, ['build', 'campaigns/m', '--as-of', AS_OF, '--shard', `${k}/2`, '--out', `sh${k}`]).code).toBe(0);
      const shardFiles = [...listFiles(path.join(p.root, 'sh1')), ...listFiles(path.join(p.root, 'sh2'))];
      expect(shardFiles.filter((f) => f.includes('later-withdrawn') && f.endsWith('.png')).length).toBe(2);
      const file = path.join(d, 'testimonies', 'later-withdrawn.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('  status: granted', '  status: withdrawn'));

      const refused = cli(p.root, ['bundle', 'campaigns/m', '--merge', 'sh1', 'sh2', '--out', 'rel', '--as-of', AS_OF]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/later-withdrawn \(CR-WD\) consent-status/);
      expect(listFiles(path.join(p.root, 'rel'))).toEqual([]);

      const skipped = cli(p.root, ['bundle', 'campaigns/m', '--merge', 'sh1', 'sh2', '--out', 'rel', '--as-of', AS_OF, '--skip-refused']);
      expect(skipped.code).toBe(0);
      const zip = readFileSync(path.join(p.root, 'rel', 'm.zip')).toString('latin1');
      expect(zip).toContain('m/en/testimony-card-square-kept.png');
      expect(zip).not.toMatch(/testimony-card-[a-z]+-later-withdrawn/);
      expect(listFiles(path.join(p.root, 'rel')).filter((f) => f.includes('later-withdrawn'))).toEqual([]);
      // A merge without the campaign folder is refused: it could not re-check consent.
      expect(cli(p.root, ['bundle', '--merge', 'sh1', 'sh2', '--out', 'rel2']).code).toBe(2);
    } finally {
      p.cleanup();
    }
  });

  it('a consent withdrawn after the build stops `bundle` of that build (exit 3), and --skip-refused leaves its cards out', async () => {
    const p = makeProject();
    try {
      const d = path.join(p.root, 'campaigns', 'w');
      writeFiles(d, {
        'campaign.md': campaignMd({ id: 'w', outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony' }),
        'testimonies/kept.md': testimonyMd({ id: 'kept', consent: defaultConsent({ id: 'CR-KEPT' }) }),
        'testimonies/gone.md': testimonyMd({ id: 'gone', consent: defaultConsent({ id: 'CR-GONE' }) }),
      });
      expect((await build({ root: p.root, campaignDir: d, out: path.join(p.root, 'out'), asOf: AS_OF })).exitCode).toBe(0);
      const { bundleCampaign, ReleaseRefused } = await import('../../src/output/bundle.js');
      const { releaseCheck } = await import('../helpers.js');
      const file = path.join(d, 'testimonies', 'gone.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('  status: granted', '  status: withdrawn'));
      const e = await bundleCampaign(path.join(p.root, 'out'), 'w', await releaseCheck(p.root, d, AS_OF)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ReleaseRefused);
      expect((e as InstanceType<typeof ReleaseRefused>).refusals.map((r) => [r.testimony, r.rule])).toEqual([['gone', 'consent-status']]);
      expect(listFiles(p.root).filter((f) => f.endsWith('.zip'))).toEqual([]);
      const b = await bundleCampaign(path.join(p.root, 'out'), 'w', await releaseCheck(p.root, d, AS_OF, true));
      const zip = readFileSync(b.zip).toString('latin1');
      expect(zip).toContain('w/en/testimony-card-square-kept.png');
      expect(zip).not.toContain('testimony-card-square-gone');
      expect(b.refusals.map((r) => r.testimony)).toEqual(['gone']);
    } finally {
      p.cleanup();
    }
  });
});
