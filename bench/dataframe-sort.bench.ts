// npx tsx bench/dataframe-sort.bench.ts — issue 18's sortValues and frame corr/cov rows, side by
// side in one run (rounds interleaved so a shared machine's noise hits both alike; medians of
// process CPU time and of wall time): on the timeseries (persisted in memory, so no parsing is timed)
//   sortValues('x').compute()   (every column gathered into a Table)  vs  Polars df.sort('x')
//   sortValues('name').compute()                                        vs  df.sort('name')
//   frame corr() / cov() of x, y, id                                    vs  pearsonCorr / cov of the 3 pairs
// against nodejs-polars 0.25.2 on a DataFrame of the same columns. The answers are compared and printed.
// Env: DF_BENCH_DAYS (30: 2 592 000 rows), DF_BENCH_ROUNDS (5).
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { datasets, getConfig } from '../src/index.js';
import { type Case, sideBySide } from './side-by-side.js';

const require = createRequire(import.meta.url);
const days = Number(process.env.DF_BENCH_DAYS ?? 30);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
  const end = new Date(Date.UTC(2000, 0, 1 + days)).toISOString().slice(0, 10);
  const df = await datasets.timeseries({ seed: 42, end }).persist();
  const table = await df.compute();
  const num = df.select(['id', 'x', 'y']);
  console.log(`\n## sortValues and corr (issue 18): ${table.length} rows in memory, ${rounds} rounds`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  let pl: typeof import('nodejs-polars') | undefined;
  let pdf: import('nodejs-polars').DataFrame | undefined;
  try {
    pl = require('nodejs-polars');
    pdf = pl!.DataFrame({
      timestamp: table.column('timestamp') as Date[],
      name: table.column('name') as string[],
      id: Float64Array.from(table.column('id') as number[]),
      x: Float64Array.from(table.column('x') as number[]),
      y: Float64Array.from(table.column('y') as number[]),
    });
  } catch (err) {
    console.log(`nodejs-polars not available (${(err as Error).message.split('\n')[0]})`);
  }
  // the answer printed: a checksum of the sorted x (first, middle, last) or the corr(x, y) entry
  // (three values read from the typed column, as Polars' Series.get: no JS array of every row)
  const probe = (t: Awaited<ReturnType<typeof df.compute>>, c: string): string => {
    const v = t.raw(c)!.values;
    return [v[0], v[Math.floor(t.length / 2)], v[t.length - 1]].map((a) => String(a)).join('/');
  };
  const pprobe = (s: import('nodejs-polars').Series): string => {
    const n = s.length;
    return [s.get(0), s.get(Math.floor(n / 2)), s.get(n - 1)].map((a) => String(a)).join('/');
  };
  const pairs = (f: 'pearsonCorr' | 'cov'): import('nodejs-polars').Expr[] =>
    [['id', 'x'], ['id', 'y'], ['x', 'y']].map(([a, b]) => (f === 'cov' ? pl!.cov(a!, b!) : pl!.pearsonCorr(a!, b!)).alias(`${a}_${b}`));
  const cases: Case<string>[] = [
    ["sortValues('x')", async () => probe(await df.sortValues('x').compute(), 'x'), pdf && (() => pprobe(pdf!.sort('x').getColumn('x')))],
    ["sortValues('x', desc)", async () => probe(await df.sortValues('x', { ascending: false }).compute(), 'x'),
      pdf && (() => pprobe(pdf!.sort('x', true).getColumn('x')))],
    ["sortValues('name')", async () => probe(await df.sortValues('name').compute(), 'id'), pdf && (() => pprobe(pdf!.sort('name').getColumn('id')))],
    ['corr() of id, x, y', async () => String((await num.corr().compute()).column('y')[1]), pdf && (() => String(pdf!.select(...pairs('pearsonCorr')).getColumn('x_y').get(0)))],
    ['cov() of id, x, y', async () => String((await num.cov().compute()).column('y')[1]), pdf && (() => String(pdf!.select(...pairs('cov')).getColumn('x_y').get(0)))],
    ['x.corr(y)', async () => String(await df.get('x').corr(df.get('y')).compute()), pdf && (() => String(pdf!.select(pl!.pearsonCorr('x', 'y')).getColumn('x').get(0)))],
  ];
  await sideBySide(cases, rounds);
  console.log('\n(ratios above 1 mean tessera is faster; medians of the rounds)');
}

await main();
