import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignMd, defaultConsent, listFiles, makeProject, runCli, sha256, testimonyMd, writeFiles } from '../helpers.js';

/** Broken input exits 2, names file:line and field with a hint, and writes nothing. No browser starts. */
let root: string;
let cleanup: () => void;
beforeEach(() => ({ root, cleanup } = makeProject()));
afterEach(() => cleanup());

function cli(args: string[]) {
  return runCli(['--root', root, ...args], { cwd: root, env: { CAMPAIGN_PRESS_CHROMIUM: '/nonexistent-so-rendering-would-fail' } });
}

async function buildWith(files: Record<string, string>, extra: string[] = []) {
  writeFiles(path.join(root, 'campaigns', 'c'), files);
  const r = await cli(['build', 'campaigns/c', '--out', 'out', ...extra]);
  expect(listFiles(path.join(root, 'out'))).toEqual([]);
  return r;
}

describe('broken input', () => {
  it('bad YAML: exit 2 with file:line', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c' }).replace('title: Test campaign', 'title: [unclosed') });
    expect(r.code).toBe(2);
    // The parser notices the unclosed [ of line 3 on line 4, and says what it expected.
    expect(r.stderr).toMatch(/campaigns\/c\/campaign\.md:4: YAML syntax error: .*end with a \]/);
    expect(r.stderr).toMatch(/hint:/);
  });

  it('unknown field: exit 2 naming the field and its line', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c', extraFrontmatter: 'colour: red\n' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/campaign\.md:\d+ colour: unknown field "colour"/);
  });

  it('missing required field: exit 2', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c' }).replace(/^title:.*\n/m, '') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required field "title"/);
  });

  it('bad locale code: exit 2 naming the line', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'xx'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaign\.md:5 locales\[1\]: unknown locale "xx"/);
  });

  it('missing template: exit 2 listing the templates that exist', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c', outputs: '  - template: billboard' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown template "billboard"/);
    expect(r.stderr).toMatch(/poster, leaflet|leaflet, poster/);
  });

  it('missing format: exit 2 listing the formats', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c', outputs: '  - template: poster\n    formats: [a2]' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaign\.md:\d+ outputs\[0\]\.formats\[0\]: template "poster" has no format "a2"/);
    expect(r.stderr).toMatch(/a3, a4/);
  });

  it('an id that does not match its folder', async () => {
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'other' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not match the folder name/);
  });

  it('an asset path outside the campaign, directly or through a symbolic link', async () => {
    writeFileSync(path.join(root, 'secret.png'), 'x');
    const r = await buildWith({
      'campaign.md': campaignMd({ id: 'c' }).replace('  accent: "#F2B705"', '  accent: "#F2B705"\n  logo: ../../secret.png'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/brand\.logo: \.\.\/\.\.\/secret\.png is outside the campaign folder/);
    mkdirSync(path.join(root, 'campaigns', 'c', 'assets'), { recursive: true });
    symlinkSync(path.join(root, 'secret.png'), path.join(root, 'campaigns', 'c', 'assets', 'logo.png'));
    const r2 = await buildWith({
      'campaign.md': campaignMd({ id: 'c' }).replace('  accent: "#F2B705"', '  accent: "#F2B705"\n  logo: assets/logo.png'),
    });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/through a link\) outside the campaign folder/);
  });

  it('a malformed or disguised photo names the testimony file, line and field', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
    writeFiles(path.join(root, 'campaigns', 'c', 'assets'), { 'p.jpg': svg });
    // Images are decoded only after the gate allowed them (FORMAT.md 4.1): this consent allows the file.
    const photo = `  photo:\n    permission: obscured\n    sha256: "${sha256(svg)}"\n`;
    const r = await buildWith({
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony' }),
      'testimonies/t1.md': testimonyMd({ id: 't1', extra: 'photo: assets/p.jpg\n', consent: defaultConsent({ photo }) }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/testimonies\/t1\.md:7 photo: image format "svg" is not accepted; use JPEG, PNG or WebP/);
  });

  it('hostile Markdown: an image or a javascript: link in the body', async () => {
    const r = await buildWith({
      'campaign.md': campaignMd({ id: 'c', body: 'See ![face](assets/x.jpg) and [here](javascript:alert(1))' }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaign\.md:\d+ body: an image in Markdown/);
    expect(r.stderr).toMatch(/link "javascript:alert\(1\)" is not allowed/);
  });

  it('a ---js frontmatter block is refused, not run', async () => {
    const r = await buildWith({ 'campaign.md': '---js\n{ id: require("fs").writeFileSync("pwned", "1") }\n---\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/frontmatter language "js" is refused/);
    expect(listFiles(root).filter((f) => f.includes('pwned'))).toEqual([]);
  });

  it('a hostile template is refused before anything renders', async () => {
    writeFiles(path.join(root, 'templates', 'evil'), {
      'template.json': JSON.stringify({
        description: 'x',
        channel: 'social',
        output: 'png',
        formats: { sq: { width: 100, height: 100, unit: 'px' } },
      }),
      'template.hbs': '<p>{{{campaign.body}}}</p>\n<img src="https://tracker.example/p.gif" onload="x()">',
    });
    const r = await buildWith({ 'campaign.md': campaignMd({ id: 'c', outputs: '  - template: evil' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/templates\/evil\/template\.hbs:1: triple-stash/);
    expect(r.stderr).toMatch(/templates\/evil\/template\.hbs:2: event handler/);
  });

  it('a testimony with an unknown consent field is refused (consent-invalid), naming file, line and field', async () => {
    // FORMAT.md 4.1: an invalid consent block refuses its testimony instead of stopping the campaign.
    const r = await buildWith({
      'campaign.md': campaignMd({ id: 'c', outputs: '  - template: testimony-card\n    formats: [square]\n    for_each: testimony' }),
      'testimonies/t1.md': testimonyMd({ id: 't1' }).replace('  status: granted', '  status: granted\n  statuss: granted'),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/consent-invalid/);
    expect(r.stderr).toMatch(/consent\.statuss: unknown field/);
    expect(r.stderr).toMatch(/testimonies\/t1\.md:\d+/);
  });

  it('reports every problem at once, and --json prints only JSON on stdout', async () => {
    const r = await buildWith(
      {
        'campaign.md': campaignMd({ id: 'c', locales: ['en', 'xx'], outputs: '  - template: poster\n    formats: [a2]' }),
      },
      ['--json'],
    );
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { errors: { code: string; file: string; line: number }[] };
    expect(json.errors.map((e) => e.code).sort()).toEqual(['locale-unknown']);
    expect(json.errors[0]!.file).toBe('campaigns/c/campaign.md');
  });

  it('usage errors exit 2; --help shows examples', async () => {
    expect((await cli(['build'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const help = await cli(['build', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    const c = await cli(['build', 'campaigns/none']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/does not exist/);
  });

  it('consent hash prints only the 64-hex digest', async () => {
    const r = await cli(['consent', 'hash', 'Karwan Ahmed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await cli(['consent', 'hash', '  karwan   ahmed '])).stdout).toBe(r.stdout);
  });
});
