// README's Configuration table lists every TESSERA_* environment variable the code reads
// (issue 19 item 7): a grep of the sources (process.env.X, getenv("X")) against the table.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|mjs|js|cc|h|sh)$/.test(name) || name === 'run') out.push(p);
  }
  return out;
}

it('every TESSERA_* variable read by src/, native/, bin/, scripts/, test/ and .ci/ is in README', () => {
  const read = new Set<string>();
  for (const dir of ['src', 'native', 'bin', 'scripts', 'test', '.ci']) {
    for (const f of files(join(root, dir))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:\benv\.|getenv\("|env\[['"]|\$\{?)(TESSERA_[A-Z0-9_]+)/g)) read.add(m[1]!);
    }
  }
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('\n## Configuration\n')[1]!.split('\n## ')[0]!;
  const listed = new Set([...section.matchAll(/`(TESSERA_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
  expect([...read].filter((v) => !listed.has(v)).sort()).toEqual([]);
  expect(read.has('TESSERA_LOG') && read.has('TESSERA_TOKEN') && read.has('TESSERA_NUM_THREADS')).toBe(true);
});
