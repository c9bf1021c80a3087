// npx tsx bench/linalg.bench.ts — matrix products beside NumPy (Debian's, on OpenBLAS) and Dask,
// side by side in one run, each (case, variant) in its own child process so its peak RSS is its
// own. Medians of repeated runs; GFLOP/s = 2·m·n·k / median. No assertions: read the ratios.
// Variants: tessera on 2 threads and on 1 (TESSERA_NUM_THREADS), NumPy with OPENBLAS_NUM_THREADS
// 2 and 1 (/usr/bin/python3, skipped if it has no numpy), Dask's threaded scheduler.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Result { medianMs: number; runs: number; peakRssMB: number; value?: number }
const PY = '/usr/bin/python3';

const CASES = {
  f64: { title: 'float64 4000x4000 @ 4000x4000, persisted inputs', flops: 2 * 4000 ** 3, runs: 5 },
  f32: { title: 'float32 4000x4000 @ 4000x4000, persisted inputs', flops: 2 * 4000 ** 3, runs: 5 },
  gram: { title: 'x.T @ x, x float64 1e6 x 64 persisted (chunks [100000, 64])', flops: 2 * 64 * 64 * 1e6, runs: 5 },
  lazy: { title: 'matmul(a, b).sum(), a, b lazy random 8000x8000 (chunks 2000; the GEMM, operands in panels)', flops: 2 * 8000 ** 3, runs: 2 },
  lazymax: { title: 'matmul(a, b).max(), a, b lazy random 8000x8000 (chunks 2000; the GEMM, operands in panels)', flops: 2 * 8000 ** 3, runs: 1 },
} as const;
type CaseName = keyof typeof CASES;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(name: CaseName): Promise<Result> {
  const t = await import('../src/index.js');
  const runs = CASES[name].runs;
  let once: () => Promise<number | undefined>;
  if (name === 'f64' || name === 'f32') {
    const dtype = name === 'f64' ? 'float64' : 'float32';
    const a = await t.random.random([4000, 4000], { seed: 1, dtype }).persist();
    const b = await t.random.random([4000, 4000], { seed: 2, dtype }).persist();
    once = async () => {
      const c = await t.matmul(a, b).persist();
      c.dispose();
      return undefined;
    };
  } else if (name === 'gram') {
    const x = await t.random.normal(0, 1, [1_000_000, 64], { seed: 3, chunks: [100_000, 64] }).persist();
    once = async () => {
      await x.T.matmul(x).compute();
      return undefined;
    };
  } else {
    const a = t.random.random([8000, 8000], { seed: 1, chunks: 2000 });
    const b = t.random.random([8000, 8000], { seed: 2, chunks: 2000 });
    once = async () => (await (name === 'lazy' ? t.matmul(a, b).sum() : t.matmul(a, b).max()).compute()) as number;
  }
  await once(); // warm-up
  const times: number[] = [];
  let value: number | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = await once();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), runs, peakRssMB: process.resourceUsage().maxRSS / 1024, value };
}

const PY_SCRIPT = `
import json, resource, sys, time
import numpy as np
name, runs = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
if name in ('f64', 'f32'):
    dt = np.float64 if name == 'f64' else np.float32
    a = rng.random((4000, 4000)).astype(dt); b = rng.random((4000, 4000)).astype(dt)
    once = lambda: a @ b
elif name == 'gram':
    x = rng.standard_normal((1000000, 64))
    once = lambda: x.T @ x
else:
    import dask, dask.array as da
    dask.config.set(scheduler='threads')
    a = da.random.random((8000, 8000), chunks=2000); b = da.random.random((8000, 8000), chunks=2000)
    once = (lambda: (a @ b).sum().compute()) if name == 'lazy' else (lambda: (a @ b).max().compute())
once()
ts = []
for _ in range(runs):
    t0 = time.perf_counter(); once(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(json.dumps({"medianMs": ts[len(ts) // 2], "runs": runs, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function spawnJson(cmd: string, args: string[], env: Record<string, string>): Result | string {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout?.trim().split('\n').pop();
  try {
    return JSON.parse(line ?? '') as Result;
  } catch {
    return `failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`;
  }
}

function hasPython(module: string): boolean {
  return existsSync(PY) && spawnSync(PY, ['-c', `import ${module}`]).status === 0;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    console.log(JSON.stringify(await child(process.argv[3] as CaseName)));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const numpy = hasPython('numpy');
  const dask = numpy && hasPython('dask.array');
  const only = process.argv[2] as CaseName | undefined;
  for (const name of Object.keys(CASES) as CaseName[]) {
    if (only && name !== only) continue;
    const c = CASES[name];
    console.log(`\n${c.title}`);
    const rows: [string, Result | string][] = [];
    for (const threads of ['2', '1']) {
      if (name.startsWith('lazy') && threads === '1') continue;
      rows.push([`tessera ${threads}t`, spawnJson(process.execPath, ['--import', 'tsx', self, '--child', name], { TESSERA_NUM_THREADS: threads })]);
      if (!name.startsWith('lazy') && numpy) {
        rows.push([`numpy ${threads}t`, spawnJson(PY, ['-c', PY_SCRIPT, name, String(c.runs)], { OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads })]);
      }
    }
    if (name.startsWith('lazy') && dask) rows.push(['dask threads', spawnJson(PY, ['-c', PY_SCRIPT, name, String(c.runs)], {})]);
    for (const [label, r] of rows) {
      if (typeof r === 'string') console.log(`  ${label.padEnd(14)} ${r}`);
      else console.log(`  ${label.padEnd(14)} ${r.medianMs.toFixed(1).padStart(9)} ms  ${((c.flops / r.medianMs) * 1e-6).toFixed(1).padStart(7)} GFLOP/s  peak RSS ${r.peakRssMB.toFixed(0)} MB`);
    }
    // ratios: tessera vs the reference at the same thread count (>1 = tessera faster)
    const get = (l: string): Result | undefined => {
      const r = rows.find(([x]) => x === l)?.[1];
      return typeof r === 'object' ? r : undefined;
    };
    for (const threads of ['2', '1']) {
      const ts = get(`tessera ${threads}t`);
      const ref = name.startsWith('lazy') ? get('dask threads') : get(`numpy ${threads}t`);
      if (ts && ref) console.log(`  ratio ${threads}t: tessera/${name.startsWith('lazy') ? 'dask' : 'numpy'} speed = ${(ref.medianMs / ts.medianMs).toFixed(2)}x`);
    }
  }
}

await main();
