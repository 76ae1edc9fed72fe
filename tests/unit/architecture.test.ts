import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, writeFiles } from '../helpers.js';

/**
 * The shape of the code: folders under src/ form no import cycle, and the pure stages never
 * reach the browser, sharp or pdf-lib, not even through another module. Type-only imports are
 * erased by the compiler (verbatimModuleSyntax), so they are not edges of the running program.
 */
const SRC = path.join(REPO, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** Runtime imports of one file: relative files (resolved) and packages (by name). */
function importsOf(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    if (m[2]) continue;
    const spec = m[3]!;
    if (spec.startsWith('.')) files.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    else packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) files.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    else packages.push(spec.split('/')[0]!);
  }
  return { files, packages };
}

/** Every package a module reaches, through every module it imports. */
function reachedPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const pkgs = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const { files, packages } = importsOf(f);
    for (const p of packages) pkgs.add(p);
    stack.push(...files);
  }
  return pkgs;
}

const folderOf = (f: string) => path.relative(SRC, f).split(path.sep)[0]!.replace(/\.ts$/, '');

const IMPURE = ['puppeteer-core', 'sharp', 'pdf-lib'];
const PURE_STAGES = [
  'consent/gate.ts',
  'consent/denylist.ts',
  'campaign/schema.ts',
  'campaign/frontmatter.ts',
  'templates/markdown.ts',
  'i18n/translator.ts',
  'pipeline/plan.ts',
  'pipeline/document.ts',
];

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('has no import cycle between folders of src/', () => {
    const edges = new Map<string, Set<string>>();
    for (const f of files) {
      const from = folderOf(f);
      for (const t of importsOf(f).files) {
        const to = folderOf(t);
        if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    expect(edges.size).toBeGreaterThan(5);
    const cycles: string[] = [];
    const visit = (n: string, trail: string[]) => {
      if (trail.includes(n)) {
        cycles.push([...trail.slice(trail.indexOf(n)), n].join(' -> '));
        return;
      }
      for (const m of edges.get(n) ?? []) visit(m, [...trail, n]);
    };
    for (const n of edges.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it('the walker sees what the renderer reaches (control)', () => {
    const reached = reachedPackages(path.join(SRC, 'render/page.ts'));
    expect(reached.has('puppeteer-core') || reached.has('pdf-lib')).toBe(true);
    expect(reachedPackages(path.join(SRC, 'pipeline/run.ts')).has('sharp')).toBe(true);
  });

  it.each(PURE_STAGES)('%s reaches no browser, sharp or pdf-lib module', (stage) => {
    const reached = reachedPackages(path.join(SRC, stage));
    expect(IMPURE.filter((p) => reached.has(p))).toEqual([]);
  });

  it('has no folder named build under src/', () => {
    expect(readdirSync(SRC)).not.toContain('build');
  });
});

/**
 * Ways to reach the file system that an import rule does not see: a CommonJS require (made with
 * createRequire) of fs, `process.getBuiltinModule('fs')`, `process.binding('fs')`, and an import()
 * whose specifier is computed. Each is a way around src/util/files.ts.
 */
function fsBypasses(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\bgetBuiltinModule\s*\(|\bprocess\s*\.\s*binding\s*\(/g)) found.push(m[0]);
  // require(…) and createRequire(…)(…): only a literal that is not fs. require.resolve only resolves.
  for (const m of text.matchAll(/(?:\brequire|\bcreateRequire\s*\([^)]*\))\s*\(\s*([^)]*)\)/g)) {
    if (m[0].startsWith('createRequire') && !/\)\s*\(/.test(m[0])) continue;
    const arg = m[1]!.trim();
    if (/^import\.meta\.url$/.test(arg)) continue;
    if (!/^(['"])[^'"`]+\1$/.test(arg) || /^['"](node:)?fs(\/|['"])/.test(arg)) found.push(m[0]);
  }
  for (const m of text.matchAll(/\bimport\s*\(\s*([^)]*)\)/g)) if (!/^(['"])[^'"]+\1$/.test(m[1]!.trim())) found.push(m[0]);
  return found;
}

describe('no file read around src/util/files.ts', () => {
  it('no source file reaches fs through require, getBuiltinModule, process.binding or a computed import()', () => {
    const found = sourceFiles(SRC).flatMap((f) => fsBypasses(readFileSync(f, 'utf8')).map((b) => `${path.relative(REPO, f)}: ${b}`));
    expect(found).toEqual([]);
  });

  it('control: the scanner finds each bypass and passes the module loading src/ does', () => {
    for (const bad of [
      "const fs = process.getBuiltinModule('node:fs');",
      "const fs = process.getBuiltinModule?.('fs');".replace('?.', ''),
      "const b = process.binding('fs');",
      "const fs = createRequire(import.meta.url)('node:fs');",
      "const require = createRequire(import.meta.url); const fs = require('fs');",
      "const p = require('fs/promises');",
      'const fs = require(name);',
      "const fs = await import('node:' + 'fs');",
      'const fs = await import(`node:${x}`);',
    ])
      expect(fsBypasses(bad), bad).not.toEqual([]);
    for (const ok of [
      'const require = createRequire(import.meta.url);',
      'dir = path.dirname(require.resolve(`${pkg}/package.json`));',
      "const SKELETON = createRequire(import.meta.url)('unhomoglyph/data.json');",
      "const { importXliff } = await import('../../translators/xliff.js');",
    ])
      expect(fsBypasses(ok), ok).toEqual([]);
  });

  it("biome's import rule refuses fs read functions in src/, by static, namespace and dynamic import (control: path and allowed names pass)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-biome-'));
    try {
      copyFileSync(path.join(REPO, 'biome.json'), path.join(dir, 'biome.json'));
      const probes: Record<string, string> = {
        'dynamic.ts': "export const a = async () => (await import('node:fs')).readFileSync('/etc/passwd');\n",
        'dynamic-bare.ts':
          "export const a = async () => {\n  const { readFileSync } = await import('fs');\n  return readFileSync('/etc/passwd');\n};\n",
        'dynamic-promises.ts': "export const a = async () => (await import('node:fs/promises')).readFile('/etc/passwd');\n",
        'namespace.ts': "import * as fs from 'node:fs';\nexport const a = () => fs.readFileSync('/etc/passwd');\n",
        'named.ts': "import { readFileSync } from 'node:fs';\nexport const a = () => readFileSync('/etc/passwd');\n",
        'ok.ts':
          "import { existsSync } from 'node:fs';\nexport const a = async () => (await import('node:path')).join('a', String(existsSync('b')));\n",
      };
      writeFiles(path.join(dir, 'src'), probes);
      const r = spawnSync(path.join(REPO, 'node_modules', '.bin', 'biome'), ['lint', '--vcs-enabled=false', '--reporter=json', 'src'], {
        cwd: dir,
        encoding: 'utf8',
      });
      const report = JSON.parse(r.stdout) as { diagnostics: { category: string; location: { path: string } }[] };
      const flagged = new Set(
        report.diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports').map((d) => path.basename(d.location.path)),
      );
      expect([...flagged].sort()).toEqual(['dynamic-bare.ts', 'dynamic-promises.ts', 'dynamic.ts', 'named.ts', 'namespace.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
