// npx tsx bench/indexing.bench.ts — issue 15's slicing rows, side by side in one run (medians via
// tinybench p50; no assertions, read the ratios):
//   (s1) random.random([40000, 40000]).get('0:10, 0:10').sum()  vs  random.random([10, 10]).sum()
//        (the floor: one compute of 100 generated elements) — target < 1 ms.
//   (s2) persisted 8000² p.get('::2, ::2').sum()  vs  p.sum(): bandwidth over the touched rows
//        (4000 rows × 64 KB; a stride-2 read still moves every cache line of a row) — target ≥ 50%.
//        NumPy's a[::2, ::2].sum() beside it when Debian's python3-numpy is present (one thread).
//   (g1) persisted 8000² p.mask(p.gt(0.5)).sum() (sizes unknown: counts, then compaction, then the
//        sum) and after computeChunkSizes(), vs NumPy a[a > 0.5].sum() on one thread — target ≥ 2×.
//   (g2) p.take(idx, { axis: 0 }) of 8000 random rows (the Take stage; compute() returns 512 MB)
//        and p.take(idx, { axis: 0 }).sum(), vs NumPy np.take(a, idx, axis=0) (+ .sum()) — target ≥ 2×.
//   (t)  task counts: aligned reshape and concatenate add none.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Bench } from 'tinybench';
import { concatenate, fromArray, random } from '../src/index.js';

async function median(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  const bench = new Bench({ iterations, time: 0, warmupIterations: 2, warmupTime: 0, throws: true });
  bench.add('x', fn);
  await bench.run();
  return (bench.tasks[0]!.result as unknown as { latency: { p50: number } }).latency.p50;
}

const fmt = (v: number, d = 3): string => v.toFixed(d);

const big = random.random([40000, 40000], { seed: 1 });
const slice = await median(200, () => big.get('0:10, 0:10').sum().compute());
const floor = await median(200, () => random.random([10, 10], { seed: 1 }).sum().compute());
console.log(`(s1) big.get('0:10, 0:10').sum()   ${fmt(slice)} ms   random([10,10]).sum() ${fmt(floor)} ms   ratio ${fmt(slice / floor, 2)}   (target < 1 ms)`);

const n = 8000;
const p = await random.random([n, n], { seed: 2 }).persist();
const strided = await median(15, () => p.get('::2, ::2').sum().compute());
const full = await median(15, () => p.sum().compute());
const touched = (n / 2) * n * 8;
const bwStrided = touched / (strided / 1e3) / 1e9;
const bwFull = (n * n * 8) / (full / 1e3) / 1e9;
console.log(
  `(s2) p.get('::2, ::2').sum()  ${fmt(strided, 2)} ms = ${fmt(bwStrided, 1)} GB/s of touched rows   ` +
    `p.sum() ${fmt(full, 2)} ms = ${fmt(bwFull, 1)} GB/s   ratio ${fmt(bwStrided / bwFull, 2)}   (target ≥ 0.5)`,
);
if (existsSync('/usr/bin/python3')) {
  const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, timeit, statistics
a = np.random.default_rng(2).random((${n}, ${n}))
t = [timeit.timeit(lambda: a[::2, ::2].sum(), number=1) for _ in range(15)]
print(statistics.median(t) * 1e3)
`], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } });
  const np = Number(py.stdout.trim());
  if (Number.isFinite(np)) console.log(`     NumPy a[::2, ::2].sum() (1 thread) ${fmt(np, 2)} ms   tessera/NumPy speedup ${fmt(np / strided, 2)}×`);
}

// (g1, g2) gather and compaction on the same persisted array
const rows = new Float64Array(n);
for (let i = 0; i < n; i++) rows[i] = Math.floor(random01(i) * n);
function random01(i: number): number {
  // a fixed, seedless row list (the same every run): a multiplicative hash of i
  return ((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 1000003) / 1000003;
}
const maskCold = await median(7, () => p.mask(p.gt(0.5)).sum().compute());
const known = await p.mask(p.gt(0.5)).computeChunkSizes();
const maskKnown = await median(7, () => known.sum().compute());
const takeT = await median(7, () => p.take(rows, { axis: 0 }).compute());
const takeSum = await median(7, () => p.take(rows, { axis: 0 }).sum().compute());
const idxLazy = fromArray(rows);
const takeLazy = await median(7, () => p.take(idxLazy, { axis: 0 }).sum().compute());
let npMask = NaN;
let npTake = NaN;
let npTakeSum = NaN;
if (existsSync('/usr/bin/python3')) {
  const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, timeit, statistics
a = np.random.default_rng(2).random((${n}, ${n}))
i = np.array([${Array.from(rows).join(',')}], dtype=np.int64)
m = lambda f: statistics.median([timeit.timeit(f, number=1) for _ in range(7)]) * 1e3
print(m(lambda: a[a > 0.5].sum()), m(lambda: np.take(a, i, axis=0)), m(lambda: np.take(a, i, axis=0).sum()))
`], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
  [npMask, npTake, npTakeSum] = py.stdout.trim().split(/\s+/).map(Number) as [number, number, number];
}
const vs = (ours: number, theirs: number): string => (Number.isFinite(theirs) ? `NumPy (1 thread) ${fmt(theirs, 1)} ms   speedup ${fmt(theirs / ours, 2)}×` : 'NumPy not found');
console.log(`(g1) p.mask(p.gt(0.5)).sum()  ${fmt(maskCold, 1)} ms (sizes unknown)   ${fmt(maskKnown, 1)} ms (after computeChunkSizes)   ${vs(maskCold, npMask)}   (target ≥ 2×)`);
console.log(`(g2) p.take(idx, { axis: 0 }) ${fmt(takeT, 1)} ms   ${vs(takeT, npTake)}   (target ≥ 2×)`);
console.log(`     p.take(idx, { axis: 0 }).sum() ${fmt(takeSum, 1)} ms (lazy index array: ${fmt(takeLazy, 1)} ms)   ${vs(takeSum, npTakeSum)}`);
p.dispose();

const x = random.random([4000, 400], { seed: 1, chunks: [1000, 400] });
console.log(
  `(t)  tasks: x.sum() ${x.sum().graph({ optimize: true }).taskCount}   x.reshape([4, 1000, 400]).sum() ${x.reshape([4, 1000, 400]).sum().graph({ optimize: true }).taskCount}` +
    `   x.get('::2').sum() ${x.get('::2').sum().graph({ optimize: true }).taskCount}` +
    `   concatenate([x, x]).sum() ${concatenate([x, x]).sum().graph({ optimize: true }).taskCount} (no extra tasks would be 2 × 4 + 1 = 9: a concatenation read by later work is still copied)`,
);
