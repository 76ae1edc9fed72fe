import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The longest files, longest first (wall seconds in a whole-suite run on 2 cores, 2026-11-29:
 * layouts 231, brand 114, sample-campaign 103, leaflets 90, design-review 61, contact-sheet 61,
 * scripts 49, identity 46, consent 43). The two workers take files in this order, so the long
 * ones start first and the short ones fill in at the end, and both workers finish together.
 * Vitest's own order puts projects in name order and, without its results cache (a fresh
 * clone, CI), larger files first: a 230 s file could start last.
 */
const LONGEST_FIRST = [
  'tests/browser/layouts.test.ts',
  'tests/browser/brand.test.ts',
  'tests/browser/sample-campaign.test.ts',
  'tests/browser/leaflets.test.ts',
  'tests/browser/design-review.test.ts',
  'tests/browser/contact-sheet.test.ts',
  'tests/browser/scripts.test.ts',
  'tests/browser/identity.test.ts',
  'tests/browser/consent.test.ts',
];

/** Vitest's order (failed files first, then by the duration it last saw), with LONGEST_FIRST ahead of all. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/'));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: files off the list keep vitest's order among themselves.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// Three tiers: `unit` (pure stages, seconds), `integration` (whole builds and the CLI, no
// browser), `browser` (real Chromium; outputs decoded). `npm test` runs all three.
export default defineConfig({
  test: {
    reporters: ['default'],
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        // Pure stages: one module graph shared by the files (isolate: false) halves the import time.
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], pool: 'threads', isolate: false, testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], pool: 'forks', testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
