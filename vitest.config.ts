import { defineConfig } from 'vitest/config';

// Three tiers: `unit` (pure stages, seconds), `integration` (whole builds and the CLI, no
// browser), `browser` (real Chromium; outputs decoded). `npm test` runs all three.
export default defineConfig({
  test: {
    reporters: ['default'],
    maxWorkers: 2,
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
