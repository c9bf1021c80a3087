// npx tsx bench/reductions.bench.ts — issue 14's reduction rows over a persisted N×N float64
// array (N = 8000, or BENCH_N), side by side in one run: tessera on 2 threads, tessera on 1
// thread, and NumPy on one thread (Debian's /usr/bin/python3 with numpy, if present; OpenBLAS
// threads pinned to 1, which reductions do not use anyway). Medians of BENCH_RUNS (5) runs after
// one warm-up. Prints ms and the ratio NumPy / tessera (> 1: tessera faster). No assertions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { configure, persist, random, type NDArray } from '../src/index.js';

const N = Number(process.env.BENCH_N ?? 8000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

// name, tessera expression, the same in NumPy (x is the array)
const ROWS: [string, (x: NDArray) => NDArray, string][] = [
  ['argmax axis 1', (x) => x.argmax({ axis: 1 }), 'np.argmax(x, axis=1)'],
  ['argmax (flat)', (x) => x.argmax(), 'np.argmax(x)'],
  ['sum axis 0', (x) => x.sum({ axis: 0 }), 'np.sum(x, axis=0)'],
  ['std axis 0', (x) => x.std({ axis: 0 }), 'np.std(x, axis=0)'],
  ['nanmean axis 0', (x) => x.nanmean({ axis: 0 }), 'np.nanmean(x, axis=0)'],
  ['nanmean (all)', (x) => x.nanmean(), 'np.nanmean(x)'],
  ['nansum axis 1', (x) => x.nansum({ axis: 1 }), 'np.nansum(x, axis=1)'],
  ['ptp axis 0', (x) => x.ptp({ axis: 0 }), 'np.ptp(x, axis=0)'],
  ['var (all)', (x) => x.var(), 'np.var(x)'],
  ['countNonzero', (x) => x.countNonzero(), 'np.count_nonzero(x)'],
  // scans write an N×N result (NumPy allocates one too); median/quantile make the axis one chunk
  ['cumsum axis 0', (x) => x.cumsum({ axis: 0 }), 'np.cumsum(x, axis=0)'],
  ['cumsum axis 1', (x) => x.cumsum({ axis: 1 }), 'np.cumsum(x, axis=1)'],
  ['median axis 1', (x) => x.median({ axis: 1 }), 'np.median(x, axis=1)'],
  ['median axis 0', (x) => x.median({ axis: 0 }), 'np.median(x, axis=0)'],
  ['quantile .9 ax 1', (x) => x.quantile(0.9, { axis: 1 }), 'np.quantile(x, 0.9, axis=1)'],
];

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function time(f: () => Promise<unknown>): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return median(t);
}

function numpyTimes(): number[] | null {
  if (!existsSync('/usr/bin/python3')) return null;
  const py = `
import os, time, json
os.environ['OPENBLAS_NUM_THREADS'] = '1'
import numpy as np
x = np.random.default_rng(1).random((${N}, ${N}))
out = []
for e in ${JSON.stringify(ROWS.map((r) => r[2]))}:
    f = eval('lambda: ' + e)
    f()
    t = []
    for _ in range(${RUNS}):
        s = time.perf_counter(); f(); t.append((time.perf_counter() - s) * 1e3)
    out.append(sorted(t)[len(t) // 2])
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim()) as number[];
}

const only = process.env.BENCH_ROWS ? new RegExp(process.env.BENCH_ROWS) : null;  // e.g. BENCH_ROWS='cumsum|median'
if (only) ROWS.splice(0, ROWS.length, ...ROWS.filter(([name]) => only.test(name)));
const [x] = await persist(random.random([N, N], { seed: 1 }));
const two: number[] = [];
const one: number[] = [];
configure({ numThreads: 2 });
for (const [, f] of ROWS) two.push(await time(() => f(x!).compute()));
configure({ numThreads: 1 });
for (const [, f] of ROWS) one.push(await time(() => f(x!).compute()));
const np = numpyTimes();
console.log(`reductions over a persisted ${N}x${N} float64 array, medians of ${RUNS} (ms); ratio = NumPy / tessera`);
console.log(['row'.padEnd(16), 'tessera 2t', 'tessera 1t', 'NumPy 1t', 'ratio 2t', 'ratio 1t'].join('  '));
ROWS.forEach(([name], i) => {
  const n = np?.[i];
  const cell = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(1)).padStart(10);
  const ratio = (t: number): string => (n === undefined ? '-' : `${(n / t).toFixed(2)}x`).padStart(8);
  console.log([name.padEnd(16), cell(two[i]), cell(one[i]), cell(n), ratio(two[i]!), ratio(one[i]!)].join('  '));
});
if (!np) console.log('(no /usr/bin/python3 with numpy: NumPy column skipped)');
x!.dispose();
