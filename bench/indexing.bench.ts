// npx tsx bench/indexing.bench.ts — issue 15's slicing rows, side by side in one run (medians via
// tinybench p50; no assertions, read the ratios):
//   (s1) random.random([40000, 40000]).get('0:10, 0:10').sum()  vs  random.random([10, 10]).sum()
//        (the floor: one compute of 100 generated elements) — target < 1 ms.
//   (s2) persisted 8000² p.get('::2, ::2').sum()  vs  p.sum(): bandwidth over the touched rows
//        (4000 rows × 64 KB; a stride-2 read still moves every cache line of a row) — target ≥ 50%.
//        NumPy's a[::2, ::2].sum() beside it when Debian's python3-numpy is present (one thread).
//   (g1) persisted 8000² p.mask(p.gt(0.5)).sum() (sizes unknown: counts, then the sum reading the
//        selected elements in place) and after computeChunkSizes(), vs NumPy a[a > 0.5].sum() on
//        one thread — target ≥ 2×; at 1 and 2 native threads, wall and process CPU time.
//   (g2) p.take(idx, { axis: 0 }) of 8000 random rows (the Take stage; compute() returns 512 MB)
//        and p.take(idx, { axis: 0 }).sum() (a take leaf: the sum reads the rows in place), vs NumPy
//        np.take(a, idx, axis=0) (+ .sum()) — target ≥ 2×. Printed beside them: NumPy's a.copy(),
//        the floor of a fresh 512 MB result (page faults), see native/bench/take_floor.cc.
//   (t)  task counts: aligned reshape and concatenate add none (a concatenation of plain arrays is
//        read in place by a concat leaf; one of expressions is still copied).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { concatenate, configure, fromArray, random } from '../src/index.js';

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

// (g1, g2) gather and compaction on the same persisted array, at 1 and 2 native threads. The
// machine is shared, so besides the wall-clock median each row prints the median process CPU time
// (user + system of all threads: page faults count); the speedup over NumPy (one thread, its own
// process CPU time) is computed on CPU time at 1 thread and on wall time at 2.
const rows = new Float64Array(n);
for (let i = 0; i < n; i++) rows[i] = Math.floor(random01(i) * n);
function random01(i: number): number {
  // a fixed, seedless row list (the same every run): a multiplicative hash of i
  return ((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 1000003) / 1000003;
}
interface Timing { wall: number; cpu: number }
const med = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
async function timed(iterations: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 2; i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall: med(wall), cpu: med(cpu) };
}
let np: Record<string, Timing> = {};
if (existsSync('/usr/bin/python3')) {
  const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np, time, statistics, json
a = np.random.default_rng(2).random((${n}, ${n}))
i = np.array([${Array.from(rows).join(',')}], dtype=np.int64)
def m(f):
    f(); w = []; c = []
    for _ in range(7):
        c0 = time.process_time(); t0 = time.perf_counter(); f(); w.append(time.perf_counter() - t0); c.append(time.process_time() - c0)
    return {'wall': statistics.median(w) * 1e3, 'cpu': statistics.median(c) * 1e3}
print(json.dumps({'mask': m(lambda: a[a > 0.5].sum()), 'take': m(lambda: np.take(a, i, axis=0)), 'takeSum': m(lambda: np.take(a, i, axis=0).sum()), 'copy': m(lambda: a.copy())}))
`], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
  try {
    np = JSON.parse(py.stdout.trim()) as Record<string, Timing>;
  } catch {
    np = {};
  }
}
const t = (x: Timing): string => `${fmt(x.wall, 1)} ms wall / ${fmt(x.cpu, 1)} ms CPU`;
const vs = (ours: Timing, theirs: Timing | undefined, threads: number): string =>
  theirs ? `NumPy ${t(theirs)}   speedup ${fmt((threads === 1 ? theirs.cpu / ours.cpu : theirs.wall / ours.wall), 2)}× (${threads === 1 ? 'CPU' : 'wall'})` : 'NumPy not found';
console.log(`     load before (g): ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const known = await p.mask(p.gt(0.5)).computeChunkSizes();
const idxLazy = fromArray(rows);
for (const threads of [1, 2]) {
  configure({ numThreads: threads });
  const maskCold = await timed(7, () => p.mask(p.gt(0.5)).sum().compute());
  const maskKnown = await timed(7, () => known.sum().compute());
  const takeT = await timed(7, () => p.take(rows, { axis: 0 }).compute());
  const takeSum = await timed(7, () => p.take(rows, { axis: 0 }).sum().compute());
  const takeLazy = await timed(7, () => p.take(idxLazy, { axis: 0 }).sum().compute());
  console.log(`(g1) ${threads} thread${threads > 1 ? 's' : ' '} p.mask(p.gt(0.5)).sum()  ${t(maskCold)} (sizes unknown)   ${vs(maskCold, np.mask, threads)}   (target ≥ 2×)`);
  console.log(`                      after computeChunkSizes ${t(maskKnown)}`);
  console.log(`(g2) ${threads} thread${threads > 1 ? 's' : ' '} p.take(idx, { axis: 0 }) ${t(takeT)}   ${vs(takeT, np.take, threads)}   (target ≥ 2×)`);
  console.log(`                      p.take(idx, { axis: 0 }).sum() ${t(takeSum)} (lazy index array: ${t(takeLazy)})   ${vs(takeSum, np.takeSum, threads)}`);
}
// The floor of any fresh 512 MB result: NumPy's a.copy() writes new pages as np.take does (the
// kernel zeroes each on first touch, most of the cost on a VM); native/bench/take_floor.cc
// measures the same gather in plain C++ on 1 and 2 threads, into fresh and into reused pages.
if (np.copy) console.log(`     floor: NumPy a.copy() (a fresh 512 MB, 1 thread) ${t(np.copy)}; (g2) ≥ 2× needs < ${fmt(np.take ? np.take.wall / 2 : NaN, 1)} ms wall on 2 threads`);
console.log(`     load after (g): ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
p.dispose();

const x = random.random([4000, 400], { seed: 1, chunks: [1000, 400] });
console.log(
  `(t)  tasks: x.sum() ${x.sum().graph({ optimize: true }).taskCount}   x.reshape([4, 1000, 400]).sum() ${x.reshape([4, 1000, 400]).sum().graph({ optimize: true }).taskCount}` +
    `   x.get('::2').sum() ${x.get('::2').sum().graph({ optimize: true }).taskCount}` +
    `   concatenate([x, x]).sum() ${concatenate([x, x]).sum().graph({ optimize: true }).taskCount} (no extra tasks: 2 × 4 + 1 = 9)` +
    `   concatenate([x, x.exp()]).sum() ${concatenate([x, x.exp()]).sum().graph({ optimize: true }).taskCount} (an expression source is copied: 17)`,
);
