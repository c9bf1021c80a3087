#!/usr/bin/env node
// npm run docs:api — the API reference (issue 19 item 4): TypeDoc renders docs/api/ from the
// TSDoc of src/index.ts's exports (typedoc.json; any warning is an error: an unexported type in a
// public signature, a broken {@link}). Every public export, member and option must be documented:
// one without TSDoc fails the run, listed with its file. There is no backlog (the old
// docs/api-undocumented.txt was emptied and removed): document the item instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const typedoc = join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc');

// typedoc.json with warnings reported, not fatal, so they can be sorted into a readable report
const options = join(mkdtempSync(join(tmpdir(), 'tessera-typedoc-')), 'typedoc.json');
writeFileSync(options, JSON.stringify({
  extends: [join(root, 'typedoc.json')],
  treatWarningsAsErrors: false,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
}));
const run = spawnSync(process.execPath, [typedoc, '--options', options, '--logLevel', 'Warn'], {
  cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
const out = `${run.stdout}${run.stderr}`;
if (run.status !== 0) {
  console.error(`${out}\napi-docs: typedoc failed (exit ${run.status})`);
  process.exit(1);
}
const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
const warnings = plain.split('\n').filter((l) => /^\[warning\]|^\[error\]/.test(l));
const undocumented = new Set();
const other = [];
for (const w of warnings) {
  const m = /^\[warning\] (.+?), defined in (?:[^/]*\/)?(.*), does not have any documentation$/.exec(w);
  if (m) undocumented.add(`${m[1]}  (${m[2]})`);
  else if (!/Found \d+ errors and \d+ warnings/.test(w)) other.push(w);
}
let failed = false;
if (other.length) {
  console.error(`api-docs: TypeDoc warnings (errors here):\n${other.join('\n')}`);
  failed = true;
}
if (undocumented.size) {
  console.error(
    `api-docs: public API without TSDoc — document each (what it does, accepted values, defaults, errors, the NumPy/Dask/pandas name):\n  ${[...undocumented].sort().join('\n  ')}`,
  );
  failed = true;
}
if (failed) process.exit(1);
console.log('api-docs: docs/api/ written; every public export, member and option is documented');
