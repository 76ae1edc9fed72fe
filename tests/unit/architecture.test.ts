import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

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
