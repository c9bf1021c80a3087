// npx tsx bench/dataframe-aggs.bench.ts — issue 18 item 3's exact aggregations, side by side in
// one run (rounds interleaved; medians of process CPU time, the wall time beside it, since the
// machine is shared): on the timeseries (persisted in memory, so no parsing is timed)
//   groupby('name').median() of x  vs  groupby('name').mean() of x (the streaming aggregation)
//   x.quantile(0.9), x.median()
//   corr() of x, y, id
// against nodejs-polars 0.25.2 on a DataFrame of the same columns (groupBy().agg(col.median()),
// col.quantile(0.9, 'linear'), pearson corr). The answers are compared and printed.
// Env: DF_BENCH_DAYS (10: 864 000 rows), DF_BENCH_ROUNDS (5).
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { datasets, getConfig } from '../src/index.js';
import { type Case, sideBySide } from './side-by-side.js';

const require = createRequire(import.meta.url);
const days = Number(process.env.DF_BENCH_DAYS ?? 10);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 5);

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
  const cases: Case<number>[] = [
    ['groupby(name).median(x)', async () => (await df.groupby('name').agg({ x: 'median' }).compute()).column('x')[0] as number,
      pdf && (() => pdf!.groupBy('name').agg(pl!.col('x').median()).sort('name').getColumn('x').get(0) as number)],
    ['groupby(name).mean(x)', async () => (await df.groupby('name').agg({ x: 'mean' }).compute()).column('x')[0] as number,
      pdf && (() => pdf!.groupBy('name').agg(pl!.col('x').mean()).sort('name').getColumn('x').get(0) as number)],
    ['x.quantile(0.9)', () => df.get('x').quantile(0.9).compute(),
      pdf && (() => pdf!.select(pl!.col('x').quantile(0.9, 'linear')).getColumn('x').get(0) as number)],
    ['x.median()', () => df.get('x').median().compute(), pdf && (() => pdf!.select(pl!.col('x').median()).getColumn('x').get(0) as number)],
    ['corr(x, y)', () => df.get('x').corr(df.get('y')).compute(), pdf && (() => pdf!.select(pl!.pearsonCorr('x', 'y')).getColumn('x').get(0) as number)],
  ];
  await sideBySide(cases, rounds);
}

await main();
