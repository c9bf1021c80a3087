#!/usr/bin/env node
// The `tessera` command (package.json "bin"): a committed, executable shim over the compiled CLI
// (src/cli.ts → dist/esm/cli.js, built by `npm run build:ts`, which `npm install` runs via prepare).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/esm/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('tessera: dist/esm/cli.js is missing; build it with `npm run build:ts` (or run `npx tsx src/cli.ts …`).\n');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
