import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

/**
 * `--help` and `--version` load only what the CLI's static imports reach: each command's module
 * imports the pipeline with import() inside its action. This walks the static imports only
 * (dynamic ones run when a command runs) from src/cli/main.ts.
 */
const SRC = path.join(REPO, 'src');

function staticReach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      if (m[2]) continue;
      const spec = m[3]!;
      if (spec.startsWith('.')) stack.push(path.resolve(path.dirname(f), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files, packages };
}

const HEAVY = ['puppeteer-core', 'sharp', 'pdf-lib', 'i18next', 'handlebars', 'fontkit', 'yazl', 'chokidar'];

describe('CLI start-up', () => {
  it('the walker finds the heavy libraries the build reaches (control)', () => {
    const { packages } = staticReach(path.join(SRC, 'pipeline/run.ts'));
    expect(HEAVY.filter((p) => packages.has(p)).length).toBeGreaterThanOrEqual(4);
  });

  it('main.ts statically reaches none of them, and no pipeline, render or output module', () => {
    const { files, packages } = staticReach(path.join(SRC, 'cli/main.ts'));
    expect(files.size).toBeGreaterThan(5);
    expect(HEAVY.filter((p) => packages.has(p))).toEqual([]);
    const rel = [...files].map((f) => path.relative(SRC, f));
    expect(rel.filter((f) => /^(pipeline|render|images|output|preview|translators|campaign)\//.test(f))).toEqual([]);
  });
});

describe('main(argv, io)', () => {
  const capture = () => {
    const io = { out: '', err: '' };
    return {
      io,
      streams: {
        stdout: { write: (s: string) => (io.out += s) },
        stderr: { write: (s: string) => (io.err += s) },
        env: { NO_COLOR: '1' },
        cwd: REPO,
      },
    };
  };

  it('writes to the given streams and returns the exit code', async () => {
    const { main } = await import('../../src/cli/main.js');
    const ok = capture();
    expect(await main(['--version'], ok.streams)).toBe(0);
    expect(ok.io.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const bad = capture();
    expect(await main(['build'], bad.streams)).toBe(2);
    expect(bad.io.err).toMatch(/missing required argument 'campaign-dir'/);
    expect(bad.io.out).toBe('');
  });

  it('only bin/campaign-press.js ends the process', () => {
    const files = readdirRecursive(SRC).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => /process\.exit\(/.test(readFileSync(f, 'utf8')))).toEqual([]);
    // Control: the shim does call it, so the pattern can match.
    expect(readFileSync(path.join(REPO, 'bin', 'campaign-press.js'), 'utf8')).toMatch(/process\.exit\(/);
  });
});

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? readdirRecursive(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}
