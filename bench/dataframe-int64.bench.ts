// npx tsx bench/dataframe-int64.bench.ts — issue 18: int64 columns exact in the expression path
// and nullable Int64, side by side in one run (rounds interleaved; medians of process CPU time,
// wall time beside it: the machine is shared), on the timeseries persisted in memory (no parsing
// timed), against nodejs-polars 0.25.2 on a DataFrame of the same columns (id as Int64, the
// nullable column with nulls):
//   id * 3 + 1 summed (int64 kernels, an exact int64 sum)
//   filter(id > 1000).id summed
//   a + 1 summed, a = id where x > 0 else <NA> (Int64: values and validity mask)
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
  const base = datasets.timeseries({ seed: 42, end, dtypes: { id: 'int64', x: 'float64' } });
  const df = await base.assign({ a: base.get('id').astype('Int64').where(base.get('x').gt(0)) }).persist();
  const table = await df.compute();
  console.log(`\n## int64 and Int64 expressions (issue 18): ${table.length} rows in memory, ${rounds} rounds`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  let pl: typeof import('nodejs-polars') | undefined;
  let pdf: import('nodejs-polars').DataFrame | undefined;
  try {
    pl = require('nodejs-polars');
    const id = table.raw('id')!.values as BigInt64Array;
    pdf = pl!.DataFrame({
      id: pl!.Series('id', Array.from(id, Number), pl!.Int64),
      x: Float64Array.from(table.column('x') as number[]),
      a: pl!.Series('a', table.column('a').map((v) => (v === null ? null : Number(v))), pl!.Int64),
    });
  } catch (err) {
    console.log(`nodejs-polars not available (${(err as Error).message.split('\n')[0]})`);
  }
  const id = df.get('id');
  const cases: Case<number>[] = [
    ['(id * 3 + 1).sum()', async () => Number(await id.mul(3).add(1).sum().compute()),
      pdf && (() => Number(pdf!.select(pl!.col('id').mul(3).add(1).sum()).getColumn('id').get(0)))],
    ['filter(id > 1000).id.sum()', async () => Number(await df.filter(id.gt(1000)).get('id').sum().compute()),
      pdf && (() => Number(pdf!.filter(pl!.col('id').gt(1000)).select(pl!.col('id').sum()).getColumn('id').get(0)))],
    ['Int64 (a + 1).sum(), <NA> skipped', async () => Number(await df.get('a').add(1).sum().compute()),
      pdf && (() => Number(pdf!.select(pl!.col('a').add(1).sum()).getColumn('a').get(0)))],
  ];
  await sideBySide(cases, rounds);
}

await main();
