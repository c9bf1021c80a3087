// npx tsx bench/numpy-table.bench.ts [n] [runs] [rows] — issue 14's NumPy table: 10 expressions over a
// persisted n² float64 array (default 8000²), each timed in tessera with 2 threads and 1 thread
// and in NumPy (Debian's /usr/bin/python3, single-threaded, run first as a subprocess with the
// same expressions on the same data: NumPy recomputes tessera's counter-based generator bit for
// bit, docs/random.md). Medians of `runs` (default 5) after a warm-up, of process CPU time (user +
// system, all threads) — the machine is shared and wall time is dominated by other load — with
// wall medians beside them. Printed per row: NumPy's CPU ms over tessera's (1 thread: its CPU
// time; 2 threads: its CPU time / 2, i.e. assuming both cores busy — the wall ratio and the
// CPU/wall utilisation are printed too), and whether the two answers agree (rel. 1e-9 of a
// checksum: the value, or the sum of an array result). Goal (issue 14): ≥ 1.8× NumPy with 2
// threads on every row, ≥ 1× on one thread. `rows`: only the rows whose name contains one of its
// comma-separated parts (e.g. `astype,argmax`), to time one or two rows alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import * as t from '../src/index.js';
import { native } from '../src/native.js';

const n = Number(process.argv[2] ?? 8000);
const runs = Number(process.argv[3] ?? 5);
const SEED = 3;
const only = process.argv[4]?.split(',').filter((p) => p !== '');

// The rows: a tessera expression over the persisted arrays and the same NumPy expression.
// x = random.random([n, n]); xs = x * 1000; xn = x with NaN where x > 0.99; xi = xs as int32.
type Arrays = { x: t.NDArray<'float64', 2>; xs: t.NDArray<'float64', 2>; xn: t.NDArray<'float64', 2>; xi: t.NDArray<'int32', 2> };
const allRows: { name: string; ts: (a: Arrays) => { compute(): Promise<unknown> }; np: string }[] = [
  { name: 'where(x.gt(0.5), x.sqrt(), x.neg()).sum()', ts: ({ x }) => t.where(x.gt(0.5), x.sqrt(), x.neg()).sum(), np: 'np.where(x > 0.5, np.sqrt(x), -x).sum()' },
  { name: "xs.astype('int32')", ts: ({ xs }) => xs.astype('int32'), np: 'xs.astype(np.int32)' },
  { name: 'x.cumsum({ axis: 0 })', ts: ({ x }) => x.cumsum({ axis: 0 }), np: 'np.cumsum(x, axis=0)' },
  { name: 'x.argmax({ axis: 1 })', ts: ({ x }) => x.argmax({ axis: 1 }), np: 'np.argmax(x, axis=1)' },
  { name: 'xn.nanmean()', ts: ({ xn }) => xn.nanmean(), np: 'np.nanmean(xn)' },
  { name: 'x.median({ axis: 1 })', ts: ({ x }) => x.median({ axis: 1 }), np: 'np.median(x, axis=1)' },
  { name: 'xi.sum() (int32 -> int64)', ts: ({ xi }) => xi.sum(), np: 'xi.sum()' },
  { name: 'x.mul(2).add(1).sum()', ts: ({ x }) => x.mul(2).add(1).sum(), np: '(x * 2 + 1).sum()' },
  { name: 'x.std()', ts: ({ x }) => x.std(), np: 'x.std()' },
  { name: 'isclose(x, xn).sum()', ts: ({ x, xn }) => t.isclose(x, xn).sum(), np: 'np.isclose(x, xn).sum()' },
];
const rows = only ? allRows.filter((r) => only.some((p) => r.name.includes(p))) : allRows;

const PY = `
import json, sys, time, statistics
import numpy as np
n, runs, seed = ${n}, ${runs}, ${SEED}
M = (1 << 64) - 1
def mix64s(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)
def mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))
key = np.uint64(mix64s(seed ^ 0x5851F42D4C957F2D))
x = np.empty(n * n)
step = 1 << 22
with np.errstate(over='ignore'):
    for s in range(0, n * n, step):
        i = np.arange(s + 1, min(s + step, n * n) + 1, dtype=np.uint64)
        x[s:s + i.size] = (mix64(key + i * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
x = x.reshape(n, n)
xs = x * 1000
xn = np.where(x > 0.99, np.nan, x)
xi = xs.astype(np.int32)
out = []
for expr in json.loads(sys.argv[1]):
    f = eval('lambda: ' + expr)
    r = f()
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        r = f()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        del r
    r = f()
    check = float(np.sum(r, dtype=np.float64)) if np.ndim(r) else float(r)
    out.append({'cpu': statistics.median(cpu) * 1e3, 'wall': statistics.median(wall) * 1e3, 'check': check})
    del r
print(json.dumps({'x0': float(x[0, 0]), 'xsum': float(x.sum()), 'rows': out}))
`;

interface Timing {
  cpu: number;
  wall: number;
  check: number;
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1]!;

function checksum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const d = (v as { data: ArrayLike<number | bigint> }).data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Number(d[i]!);
  return s;
}

async function time(f: () => { compute(): Promise<unknown> }): Promise<Timing> {
  let v = await f().compute();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    v = undefined;
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    v = await f().compute();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - w0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall), check: checksum(v) };
}

console.log(`numpy-table: ${n}² float64, medians of ${runs}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores; kernels ${native().isa()}`);
let np: { x0: number; xsum: number; rows: Timing[] } | undefined;
if (existsSync('/usr/bin/python3')) {
  // first, alone: its arrays are freed before tessera's are made
  const py = spawnSync('/usr/bin/python3', ['-c', PY, JSON.stringify(rows.map((r) => r.np))], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 1 << 24,
  });
  if (py.status === 0) np = JSON.parse(py.stdout.trim()) as typeof np;
  else console.log(`NumPy failed: ${py.stderr.slice(0, 500)}`);
} else {
  console.log('NumPy not found (/usr/bin/python3): tessera columns only');
}

const x = await t.random.random([n, n], { seed: SEED }).persist();
const xs = await x.mul(1000).persist();
const xn = await t.where(x.gt(0.99), NaN, x).persist();
const xi = await xs.astype('int32').persist();
const arrays: Arrays = { x, xs, xn, xi };
if (np) {
  const x0 = (await x.get('0, 0').compute()) as number;
  const xsum = (await x.sum().compute()) as number;
  console.log(`same data: x[0,0] ${x0 === np.x0 ? 'equal' : `DIFFERS (${x0} vs ${np.x0})`}, x.sum() ${xsum} vs NumPy ${np.xsum}`);
}

const results: { t2: Timing; t1: Timing }[] = [];
for (const r of rows) {
  t.configure({ numThreads: 2 });
  const t2 = await time(() => r.ts(arrays));
  t.configure({ numThreads: 1 });
  const t1 = await time(() => r.ts(arrays));
  results.push({ t2, t1 });
}
t.configure({ numThreads: os.cpus().length });

const pad = (s: string, w: number): string => s.padEnd(w);
const num = (v: number, d = 0): string => v.toFixed(d).padStart(8);
console.log(
  `${pad('row', 44)} ${'NumPy'.padStart(8)} ${'ts 1T'.padStart(8)} ${'ts 2T'.padStart(8)} ${'2T wall'.padStart(8)} ${'util'.padStart(5)} | ${'×1T'.padStart(6)} ${'×2T'.padStart(6)} ${'×2Twall'.padStart(7)}  agree   (CPU ms; × = NumPy / tessera)`,
);
const misses: string[] = [];
rows.forEach((r, k) => {
  const { t1, t2 } = results[k]!;
  const p = np?.rows[k];
  const r1 = p ? p.cpu / t1.cpu : NaN;
  const r2 = p ? p.cpu / (t2.cpu / 2) : NaN;
  const rw = p ? p.wall / t2.wall : NaN;
  const agree = p ? (Math.abs(p.check - t1.check) <= 1e-9 * Math.max(1, Math.abs(p.check)) && Math.abs(t2.check - t1.check) <= 1e-9 * Math.max(1, Math.abs(t1.check)) ? 'yes' : `NO (${t1.check} vs ${p.check})`) : '-';
  if (p && (r1 < 1 || r2 < 1.8)) misses.push(`${r.name} (${r1 < 1 ? `1T ${r1.toFixed(2)}× < 1` : ''}${r1 < 1 && r2 < 1.8 ? ', ' : ''}${r2 < 1.8 ? `2T ${r2.toFixed(2)}× < 1.8` : ''})`);
  console.log(
    `${pad(r.name, 44)} ${num(p?.cpu ?? NaN)} ${num(t1.cpu)} ${num(t2.cpu)} ${num(t2.wall)} ${(t2.cpu / t2.wall).toFixed(2).padStart(5)} | ${r1.toFixed(2).padStart(6)} ${r2.toFixed(2).padStart(6)} ${rw.toFixed(2).padStart(7)}  ${agree}`,
  );
});
if (np) console.log(misses.length ? `rows below the goal (≥ 1× on 1 thread, ≥ 1.8× on 2): ${misses.join('; ')}` : 'every row meets the goal (≥ 1× on 1 thread, ≥ 1.8× on 2)');
for (const a of [x, xs, xn, xi]) a.dispose();
