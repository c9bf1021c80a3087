// npx tsx bench/dataframe-aggs.bench.ts — issue 18 item 3's exact aggregations, side by side in
// one run (rounds interleaved; medians of process CPU time, the wall time beside it, since the
// machine is shared): on the timeseries (persisted in memory, so no parsing is timed)
//   groupby('name').median() of x  vs  groupby('name').mean() of x (the streaming aggregation)
//   x.quantile(0.9), x.median()
//   corr() of x, y, id
// against nodejs-polars 0.25.2 on a DataFrame of the same columns (groupBy().agg(col.median()),
// col.quantile(0.9, 'linear'), pearson corr). The answers are compared and printed.
// Env: DF_BENCH_DAYS (10: 864 000 rows), DF_BENCH_ROUNDS (5).
import { cpuUsage } from 'node:process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { datasets, getConfig } from '../src/index.js';

const require = createRequire(import.meta.url);
const days = Number(process.env.DF_BENCH_DAYS ?? 10);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** CPU ms (user + system of the whole process, every thread) and wall ms of fn. */
async function timed<T>(fn: () => Promise<T> | T): Promise<{ cpu: number; wall: number; value: T }> {
  const c0 = cpuUsage();
  const w0 = performance.now();
  const value = await fn();
  const c = cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - w0, value };
}

async function main(): Promise<void> {
  const end = new Date(Date.UTC(2000, 0, 1 + days)).toISOString().slice(0, 10);
  const df = await datasets.timeseries({ seed: 42, end }).persist();
  const table = await df.compute();
  console.log(`\n## Exact aggregations (issue 18 item 3): ${table.length} rows in memory, ${rounds} rounds`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  let pl: typeof import('nodejs-polars') | undefined;
  let pdf: import('nodejs-polars').DataFrame | undefined;
  try {
    pl = require('nodejs-polars');
    pdf = pl!.DataFrame({
      name: table.column('name') as string[],
      x: Float64Array.from(table.column('x') as number[]),
      y: Float64Array.from(table.column('y') as number[]),
      id: Float64Array.from(table.column('id') as number[]),
    });
  } catch (err) {
    console.log(`nodejs-polars not available (${(err as Error).message.split('\n')[0]})`);
  }
  const cases: [string, () => Promise<number>, (() => number) | undefined][] = [
    ['groupby(name).median(x)', async () => (await df.groupby('name').agg({ x: 'median' }).compute()).column('x')[0] as number,
      pdf && (() => pdf!.groupBy('name').agg(pl!.col('x').median()).sort('name').getColumn('x').get(0) as number)],
    ['groupby(name).mean(x)', async () => (await df.groupby('name').agg({ x: 'mean' }).compute()).column('x')[0] as number,
      pdf && (() => pdf!.groupBy('name').agg(pl!.col('x').mean()).sort('name').getColumn('x').get(0) as number)],
    ['x.quantile(0.9)', () => df.get('x').quantile(0.9).compute(),
      pdf && (() => pdf!.select(pl!.col('x').quantile(0.9, 'linear')).getColumn('x').get(0) as number)],
    ['x.median()', () => df.get('x').median().compute(), pdf && (() => pdf!.select(pl!.col('x').median()).getColumn('x').get(0) as number)],
    ['corr(x, y)', () => df.get('x').corr(df.get('y')).compute(), pdf && (() => pdf!.select(pl!.pearsonCorr('x', 'y')).getColumn('x').get(0) as number)],
  ];
  console.log('| case | tessera CPU ms | (wall) | polars CPU ms | (wall) | polars / tessera CPU | answers (tessera, polars) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, ours, theirs] of cases) {
    const t: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
    const p: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
    let a = NaN;
    let b = NaN;
    for (let r = 0; r < rounds; r++) {
      const x = await timed(ours);
      t.cpu.push(x.cpu);
      t.wall.push(x.wall);
      a = x.value;
      if (theirs) {
        const y = await timed(theirs);
        p.cpu.push(y.cpu);
        p.wall.push(y.wall);
        b = y.value;
      }
    }
    const [tc, pc] = [median(t.cpu), p.cpu.length ? median(p.cpu) : NaN];
    console.log(`| ${label} | ${tc.toFixed(0)} | ${median(t.wall).toFixed(0)} | ${pc.toFixed(0)} | ${p.wall.length ? median(p.wall).toFixed(0) : '-'} | ${(pc / tc).toFixed(2)}× | ${a}, ${b} |`);
  }
}

await main();
