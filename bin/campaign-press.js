#!/usr/bin/env node
// Shim: the CLI lives in src/cli (compiled to dist/cli). `npm run setup` builds dist/.
// The only place that ends the process: main() returns the exit code.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('campaign-press is not built yet. Run `npm run setup` in the campaign-press folder first.\n');
  process.exit(1);
}
// `campaign-press recall X | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
