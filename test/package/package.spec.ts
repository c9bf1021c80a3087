// The packaging gate (npm run test:package; see vitest.package.config.ts): the prebuild, the
// tarball, installs without a compiler and from source, and the portable-SIMD disassembly check.
// The heavy lifting lives in scripts/pack-check.mjs and scripts/disasm-check.mjs, which also run
// standalone (npm run check:pack, npm run check:disasm).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helpers without declarations
import * as disasm from '../../scripts/disasm-check.mjs';
// @ts-expect-error plain .mjs helpers without declarations
import * as packCheck from '../../scripts/pack-check.mjs';

const root: string = packCheck.root;
const work = mkdtempSync(join(tmpdir(), 'tessera-package-test-'));
let tarball: { file: string; size: number; unpackedSize: number; files: { path: string; size: number }[] };

beforeAll(async () => {
  await packCheck.ensurePrebuild();
  tarball = await packCheck.pack(work);
  console.log(
    `tarball ${tarball.file}: ${tarball.files.length} files, ${(tarball.size / 1024).toFixed(1)} kB packed, ` +
      `${(tarball.unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );
});

afterAll(() => {
  if (!process.env.TESSERA_KEEP_PACK) rmSync(work, { recursive: true, force: true });
});

describe('portable SIMD (disassembly of the shipped build)', () => {
  const objdir = join(root, 'build', 'Release', 'obj.target');

  it('baseline objects (engine, dispatch, baseline kernels, addon) use no ymm/zmm/VEX/non-SSE2 instruction', () => {
    const result = disasm.checkBuild(objdir);
    console.log(JSON.stringify(result.report));
    expect(result.problems).toEqual([]);
    const baseline = result.report.filter((r: { isa: string }) => r.isa === 'baseline');
    const sources = JSON.parse(readFileSync(join(root, 'native', 'sources.json'), 'utf8')) as { core: string[]; addon: string[] };
    expect(baseline.map((r: { source: string }) => r.source).sort()).toEqual([...sources.core, ...sources.addon].sort());
    // and the ISA objects really use their instruction sets
    const isa = Object.fromEntries(result.report.filter((r: { isa: string }) => r.isa !== 'baseline').map((r: { isa: string; ymmZmm: number; zmm: number }) => [r.isa, r]));
    expect(isa.avx2.ymmZmm).toBeGreaterThan(0);
    expect(isa.avx512.zmm).toBeGreaterThan(0);
  });

  it('the CMake developer build (build-cmake, when present) passes the same check', () => {
    const dir = join(root, 'build-cmake');
    if (!existsSync(join(dir, 'CMakeFiles'))) return; // test:cpp runs before test:package in npm test
    expect(disasm.checkBuild(dir).problems).toEqual([]);
  });

  it('catches AVX code in a baseline object and AVX inline functions leaking from an ISA object (negative control)', () => {
    const fake = join(work, 'fake-obj');
    const src = join(work, 'avx.cc');
    writeFileSync(
      src,
      `#include <vector>
inline double helper(const double* x, int n) { double s = 0; for (int i = 0; i < n; i++) s += x[i] * 2.0; return s; }
double user(std::vector<double>& v) { v.push_back(1.0); return helper(v.data(), (int)v.size()); }
namespace tessera::kernels::isa_avx2 { double k(double* x, int n) { for (int i = 0; i < n; i++) x[i] *= 3.0; return helper(x, n); } }
`,
    );
    for (const [target, file] of [['tessera', 'native/engine/pool'], ['tessera_avx2', 'native/kernels/kernels_avx2']]) {
      const out = join(fake, target, `${file}.o`);
      mkdirSync(join(out, '..'), { recursive: true });
      execFileSync('g++', ['-std=c++17', '-O3', '-mavx2', '-mfma', '-c', src, '-o', out]);
    }
    const result = disasm.checkBuild(fake);
    const text = result.problems.join('\n');
    expect(text).toMatch(/native\/engine\/pool\.cc .*non-baseline instructions/);
    expect(text).toMatch(/kernels_avx2\.cc: non-local functions outside namespace isa_avx2/);
    expect(text).toMatch(/std::vector<double/);
  });
});

describe('npm pack', () => {
  it('ships exactly dist, prebuilds, binding.gyp and the native sources of the fallback build', () => {
    for (const f of tarball.files) console.log(`${String(f.size).padStart(8)}  ${f.path}`);
    expect(packCheck.checkFileList(tarball.files)).toEqual([]);
    // two prebuilds (x64, arm64), each with the typed VM's per-ISA loops and the vendored zstd,
    // plus zstd's C sources for the fallback build (docs/install.md)
    expect(tarball.size).toBeLessThan(4 * 1024 * 1024);
  });

  it("publishes a package.json without the development scripts (only install), and restores the repository's", () => {
    const shipped = JSON.parse(execFileSync('tar', ['xzf', tarball.file, '-O', 'package/package.json'], { encoding: 'utf8' })) as { scripts: Record<string, string> };
    expect(shipped.scripts).toEqual({ install: 'node bin/install.cjs' });
    const repo = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(repo.scripts.prepare).toBeDefined();
    expect(existsSync(join(root, 'package.json.dev'))).toBe(false);
  });

  it('docs/install.md states the file count and sizes npm pack reports (one file, 5 %)', () => {
    const doc = readFileSync(join(root, 'docs', 'install.md'), 'utf8');
    // npm prints sizes in SI units (kB = 1000 B, MB = 10^6 B)
    const m = /\*\*(\d+) files, ([\d.]+) (kB|MB) packed, ([\d.]+) (kB|MB) unpacked\.\*\*/.exec(doc);
    expect(m, 'docs/install.md: the "**N files, X MB packed, Y MB unpacked.**" line').not.toBeNull();
    const unit = (u: string): number => (u === 'MB' ? 1e6 : 1e3);
    const [files, packed, unpacked] = [Number(m![1]), Number(m![2]) * unit(m![3]!), Number(m![4]) * unit(m![5]!)];
    const actual = `${tarball.files.length} files, ${(tarball.size / 1e6).toFixed(2)} MB packed, ${(tarball.unpackedSize / 1e6).toFixed(2)} MB unpacked`;
    expect(Math.abs(files - tarball.files.length), `npm pack: ${actual}`).toBeLessThanOrEqual(1);
    expect(Math.abs(packed - tarball.size) / tarball.size, `npm pack: ${actual}`).toBeLessThan(0.05);
    expect(Math.abs(unpacked - tarball.unpackedSize) / tarball.unpackedSize, `npm pack: ${actual}`).toBeLessThan(0.05);
  });
});

describe('install into a fresh project', () => {
  it('without compilers, make or python3 on PATH: the prebuild loads (import, require, TypeScript nodenext ESM + CJS, tsx)', async () => {
    const r = await packCheck.installCheck(tarball.file, { variant: 'prebuild', work: join(work, 'prebuild') });
    console.log(`install ${(r.install.ms / 1000).toFixed(1)} s: ${JSON.stringify(r.checks, (k, v) => (k === 'output' ? undefined : v))}`);
    expect(packCheck.judgeInstall(r)).toEqual([]);
    expect(r.builtFromSource).toBe(false);
  });

  it('with install scripts disabled (--ignore-scripts, or an npm 11 allowScripts denial): the prebuild still loads', async () => {
    const r = await packCheck.installCheck(tarball.file, { variant: 'prebuild', work: join(work, 'ignore-scripts'), typescript: false, npmArgs: ['--ignore-scripts'] });
    expect(packCheck.judgeInstall(r)).toEqual([]);
  });

  it('without a prebuild: npm install compiles binding.gyp from the shipped sources and passes the same checks', async () => {
    const tgz = packCheck.stripPrebuilds(tarball.file, join(work, 'src'));
    const r = await packCheck.installCheck(tgz, { variant: 'source', work: join(work, 'src'), typescript: false });
    console.log(`source install ${(r.install.ms / 1000).toFixed(1)} s: ${JSON.stringify(r.checks)}`);
    expect(packCheck.judgeInstall(r)).toEqual([]);
    expect(r.builtFromSource).toBe(true);
    // one clear line before node-gyp's own output
    expect(r.install.output).toMatch(/tessera: no prebuilt binary for linux-x64-glibc \(this package ships: (none|[^)]*)\); compiling the native addon from source with node-gyp/);
  });
});
