// npx tsx bench/typed.bench.ts [a,f,w] [root] — issue 14's typed-array ratios from process CPU time
// (user + system of all threads, median of 5 after a warm-up), which a loaded shared machine
// distorts far less than wall time; wall medians are printed beside them. (a) exp(x).sum() of
// random.random([40000, 40000]) float64, (f) the same with dtype float32 (goal: ≥ 1.6× faster than
// (a)), (w) where(x.gt(0.5), x.sqrt(), x.neg()).sum() (goal: ≤ 1.3× (a)). `root` runs another
// checkout's src (e.g. /work/main) for a before/after comparison. bench/array.bench.ts has the same
// cases with wall-clock medians, 1-thread rows and the JS-loop baseline.
import { fileURLToPath } from 'node:url';

const root = process.argv[3] ?? fileURLToPath(new URL('..', import.meta.url));
const t = (await import(`${root}/src/index.ts`)) as typeof import('../src/index.js');
const x = t.random.random([40000, 40000], { seed: 1 });
const xf = t.random.random([40000, 40000], { seed: 1, dtype: 'float32' });
const cases: Record<string, () => { compute(): Promise<unknown> }> = {
  a: () => t.exp(x).sum(),
  f: () => t.exp(xf).sum(),
  w: () => t.where(x.gt(0.5), x.sqrt(), x.neg()).sum(),
};
const cpu: Record<string, number> = {};
for (const c of (process.argv[2] ?? 'a,f,w').split(',')) {
  const wall: number[] = [];
  const used: number[] = [];
  let v: unknown;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    v = await cases[c]!().compute();
    const cu = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    used.push((cu.user + cu.system) / 1000);
  }
  wall.shift();
  used.shift();
  const med = (a: number[]): number => [...a].sort((p, q) => p - q)[2]!;
  cpu[c] = med(used);
  console.log(`(${c}) CPU ${med(used).toFixed(0)} ms, wall ${med(wall).toFixed(0)} ms (median of 5), value ${String(v)}`);
}
if (cpu.a && cpu.f) console.log(`(f) float32 takes ${(cpu.f / cpu.a).toFixed(2)}× the CPU time of (a) float64 (goal ≤ 0.625×, i.e. ≥ 1.6× faster)`);
if (cpu.a && cpu.w) console.log(`(w) where(...) takes ${(cpu.w / cpu.a).toFixed(2)}× the CPU time of (a) exp(x).sum() (goal ≤ 1.3×)`);
