#!/usr/bin/env node
// npm run docs:api — the API reference (issue 19 item 4): TypeDoc renders docs/api/ from the
// TSDoc of src/index.ts's exports (typedoc.json; any warning is an error: an unexported type in a
// public signature, a broken {@link}). Then the TSDoc coverage ratchet: every public export,
// member and option must be documented, except the backlog in docs/api-undocumented.txt. A new
// undocumented export fails, and so does a backlog entry that is documented now (delete the line).
//   node scripts/api-docs.mjs            render + check
//   node scripts/api-docs.mjs --update   rewrite the backlog from the current sources
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const typedoc = join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc');
const backlogFile = join(root, 'docs', 'api-undocumented.txt');

// typedoc.json with the coverage check on and warnings reported, not fatal (they are judged below)
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
  const m = /^\[warning\] (.+?), defined in .*, does not have any documentation$/.exec(w);
  if (m) undocumented.add(m[1]);
  else if (!/Found \d+ errors and \d+ warnings/.test(w)) other.push(w);
}
if (other.length) {
  console.error(`api-docs: TypeDoc warnings (errors here):\n${other.join('\n')}`);
  process.exit(1);
}
const sorted = [...undocumented].sort();
if (process.argv.includes('--update')) {
  writeFileSync(backlogFile, `# Public API without TSDoc yet (scripts/api-docs.mjs). Document one, delete its line.\n${sorted.join('\n')}\n`);
  console.log(`api-docs: ${sorted.length} undocumented entries written to docs/api-undocumented.txt`);
  process.exit(0);
}
const backlog = new Set(existsSync(backlogFile) ? readFileSync(backlogFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')) : []);
const added = sorted.filter((s) => !backlog.has(s));
const done = [...backlog].filter((s) => !undocumented.has(s));
if (added.length || done.length) {
  if (added.length) console.error(`api-docs: public API without TSDoc (document it):\n  ${added.join('\n  ')}`);
  if (done.length) console.error(`api-docs: documented now — delete from docs/api-undocumented.txt:\n  ${done.join('\n  ')}`);
  process.exit(1);
}
console.log(`api-docs: docs/api/ written; ${sorted.length} entries still undocumented (docs/api-undocumented.txt)`);
