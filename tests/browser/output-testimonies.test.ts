import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, makeProject, pdfText, runCli, squash, testimonyMd, writeFiles } from '../helpers.js';

// campaign.md `outputs[].testimonies` (FORMAT.md 6.5): a trifold has six panels, and a partner with
// a dozen stories picks two for it. The stories below are written the way a partner's field team
// sends them: long, uneven, with numbers and places in the text.
const STORIES: [string, string, string][] = [
  [
    'brother-at-sea',
    'The sea took my brother',
    'My brother left in October. He called us from the beach at night and said the boat was small but the man promised it was safe. We heard nothing for nine days. Then a man from the next village called my father.',
  ],
  [
    'nineteen-days',
    'Nineteen days in the forest',
    'We walked at night and slept in the day. The guide took our phones on the third day and said the police would find us by them. On the eleventh day my cousin could not walk any more, and they left him by the road.',
  ],
  [
    'the-last-call',
    'The last call from Minsk',
    'He sent a voice message from the airport: everything is fine, the hotel is good, the man will take us tomorrow. It was the last time we heard his voice. We paid 14,000 dollars, and we are still paying the debt.',
  ],
  [
    'my-son-the-truck',
    'My son and the truck',
    'They put eleven boys in the back of a truck. It was closed from the outside. My son was seventeen. When the driver opened it at the border, two of them were not breathing. My son was one of the lucky ones, he says.',
  ],
  [
    'debt',
    'The debt stayed with us',
    'The smuggler wanted half before and half after. We sold the car and my wife’s gold. My husband was sent back after four months in a camp, and the debt stayed with us. Nobody tells you that part.',
  ],
  [
    'camp-winter',
    'A winter in the camp',
    'In the camp there was one tap for three hundred people. The children were sick all winter. Every week someone said the road was open again, and every week someone came back with broken hands.',
  ],
  [
    'the-promise',
    'The promise of a job',
    'A man at the tea house showed us pictures of a factory and a room with beds. He said the job was waiting. There was no factory. There was a farm, a locked room, and no pay for five months.',
  ],
  [
    'sister-waits',
    'My sister still waits',
    'Every evening my sister looks at her phone. Her husband left two years ago. The smuggler’s number does not answer any more. She does not know if she is a wife or a widow, and nobody can tell her.',
  ],
  [
    'returned',
    'I came back',
    'I came back with nothing, but I came back. I want young people to know what I did not know: the people who take your money do not care if you arrive. Ask, check, and call the helpline before you go.',
  ],
  [
    'the-river',
    'The river at the border',
    'The water came to our chests. I held my daughter above my head. The man in front of us slipped and the river took him. We could not stop. I still see his hand when I close my eyes.',
  ],
  [
    'fake-papers',
    'The papers were fake',
    'We paid for visas and tickets. At the airport the officer looked at the papers for a long time and called another officer. The visas were fake. The agency’s office was empty the next day.',
  ],
  [
    'father-lost',
    'We lost our father',
    'My father went to earn money for my sisters’ school. He was forty-six. His friends told us he drowned near an island whose name we cannot say. We have no grave to visit.',
  ],
];

let root: string;
let cleanup: () => void;
const campaign = () => path.join(root, 'campaigns', 'trifold');

function write(outputs: string, consent: Record<string, string> = {}): void {
  writeFiles(campaign(), {
    'campaign.md': campaignMd({ id: 'trifold', outputs }),
    ...Object.fromEntries(
      STORIES.map(([id, title, body], i) => [
        `testimonies/${id}.md`,
        testimonyMd({
          id,
          body,
          quote: body.split('. ')[0]!,
          consent: defaultConsent({ id: `CR-2026-ERB-${100 + i}`, ...(consent[id] ? { status: consent[id] } : {}) }),
        }).replace('title: A story from the road', `title: ${title}`),
      ]),
    ),
  });
}

const build = (...extra: string[]) => runCli(['build', campaign(), '--as-of', '2026-06-01', '-l', 'en', '--json', ...extra], { cwd: root });
const trifold = () => path.join(root, 'out', 'trifold', 'en', 'leaflet-a4-trifold.pdf');

beforeAll(() => ({ root, cleanup } = makeProject()));
afterAll(() => cleanup());

describe('a trifold that shows the testimonies its output names', () => {
  it('control: all twelve stories do not fit the panels of a trifold (exit 4, naming the panels and outputs[].testimonies)', async () => {
    write('  - template: leaflet\n    formats: [a4-trifold]');
    const r = await build();
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/leaflet-a4-trifold\.pdf: .*needs more than the 3 panels of this format/);
    expect(r.stdout).toContain('name the testimonies this output has room for in campaign.md (outputs[].testimonies)');
  }, 180_000);

  it('testimonies: [the-last-call, brother-at-sea] builds with exactly those two, in that order', async () => {
    write('  - template: leaflet\n    formats: [a4-trifold]\n    testimonies: [the-last-call, brother-at-sea]');
    const r = await build();
    expect(r.code, r.stderr).toBe(0);
    const text = squash(pdfText(trifold()));
    const at = (title: string) => text.indexOf(squash(title));
    expect(at('The last call from Minsk')).toBeGreaterThan(-1);
    expect(at('The sea took my brother')).toBeGreaterThan(at('The last call from Minsk'));
    for (const [, title] of STORIES.filter(([id]) => id !== 'the-last-call' && id !== 'brother-at-sea')) expect(at(title), title).toBe(-1);
    const manifest = JSON.parse(readFileSync(path.join(root, 'out', 'trifold', 'manifest.json'), 'utf8'));
    const asset = manifest.assets.find((a: { path: string }) => a.path === 'en/leaflet-a4-trifold.pdf');
    // The manifest lists the ids sorted (its order is the file's, not the page's).
    expect(asset.testimonies).toEqual(['brother-at-sea', 'the-last-call']);
  }, 180_000);

  it('a named testimony whose consent was withdrawn is still refused: exit 3, or left out with --skip-refused', async () => {
    write('  - template: leaflet\n    formats: [a4-trifold]\n    testimonies: [the-last-call, brother-at-sea]', {
      'brother-at-sea': 'withdrawn',
    });
    const refused = await build();
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('brother-at-sea');
    const r = await build('--skip-refused');
    expect(r.code, r.stderr).toBe(0);
    const text = squash(pdfText(trifold()));
    expect(text).toContain(squash('The last call from Minsk'));
    expect(text).not.toContain(squash('The sea took my brother'));
    expect(text).not.toContain(squash('nine days'));
  }, 180_000);
});

describe('outputs[].testimonies that name no story', () => {
  it('a misspelt id exits 2 naming campaign.md, its line and the field, with the id it meant; nothing is built', async () => {
    write('  - template: leaflet\n    formats: [a4-trifold]\n    testimonies: [the-last-call, brother-at-see]');
    const r = await runCli(['check', campaign(), '--as-of', '2026-06-01'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no testimony "brother-at-see"');
    expect(r.stderr).toMatch(/campaign\.md:\d+/);
    const line =
      readFileSync(path.join(campaign(), 'campaign.md'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('brother-at-see')) + 1;
    expect(r.stderr).toContain(`campaign.md:${line}`);
    expect(r.stderr).toContain('outputs[0].testimonies[1]');
    expect(r.stderr).toContain('Did you mean "brother-at-sea"?');
  });

  it('an id listed twice, and a list on a template that shows no testimonies, each exit 2 naming the field', async () => {
    write('  - template: leaflet\n    formats: [a4-trifold]\n    testimonies: [debt, returned, debt]');
    const twice = await runCli(['check', campaign(), '--as-of', '2026-06-01'], { cwd: root });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('testimony "debt" is listed twice');
    expect(twice.stderr).toContain('outputs[0].testimonies[2]');
    write('  - template: poster\n    formats: [a4]\n    testimonies: [debt]');
    const poster = await runCli(['check', campaign(), '--as-of', '2026-06-01'], { cwd: root });
    expect(poster.code).toBe(2);
    expect(poster.stderr).toContain('template "poster" shows no testimonies');
    expect(poster.stderr).toContain('outputs[0].testimonies');
  });
});
