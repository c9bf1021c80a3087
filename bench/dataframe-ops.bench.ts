// npx tsx bench/dataframe-ops.bench.ts — issue 18's rows: from CSV files to the result, side by
// side in one run (rounds interleaved so a shared machine's noise hits all alike; medians):
//   groupby-agg: readCsv(glob).groupby('name').agg({ x: ['mean', 'std', 'count'] })
//   filter-sum:  readCsv(glob).filter(x.gt(0.5)).get('y').sum()
//   merge-lookup: readCsv(glob).merge(lookup, { on: 'name', how: 'left' }).get('v').sum() (26 rows)
//   merge-1M:    readCsv(glob, { parseDates }).merge(readCsv(big, { parseDates }), { on: 'timestamp', how })
//                .get('w').sum(), how left and inner: a 1 M-row frame keyed by the first 1 M timestamps
// against nodejs-polars 0.25.2 (scanCSV(glob) → groupBy / filter → collect, Polars' thread pool)
// and Dask (Debian's dask 2022.12 at /usr/bin/python3, timed inside Python after the import,
// the threaded scheduler). The answers are compared and printed too; wall medians, with the
// process CPU time (every thread) beside them for tessera and Polars (Dask's is its wall time).
// Env: DF_BENCH_DIR (data, kept; default $TMPDIR/tessera-bench-ops, removed at the end),
// DF_BENCH_DAYS (30: Dask's default timeseries, 2 592 000 rows, ~175 MB), DF_BENCH_ROUNDS (3),
// DF_BENCH_DASK=0 to skip Dask.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasets, getConfig, readCsv } from '../src/index.js';
import { median, timed } from './side-by-side.js';

const require = createRequire(import.meta.url);
const dir = process.env.DF_BENCH_DIR ?? join(tmpdir(), 'tessera-bench-ops');
const days = Number(process.env.DF_BENCH_DAYS ?? 30);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 3);

const DASK = `
import sys, time, json
import dask, dask.dataframe as dd, pandas as pd
pattern, rounds, lookup, big = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = {'groupby': [], 'filter': [], 'merge': [], 'big': []}
for r in range(rounds):
    t = time.perf_counter()
    g = dd.read_csv(pattern).groupby('name').x.agg(['mean', 'std', 'count']).compute(scheduler='threads')
    out['groupby'].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    df = dd.read_csv(pattern)
    s = df[df.x > 0.5].y.sum().compute(scheduler='threads')
    out['filter'].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    lk = pd.read_csv(lookup)
    m = dd.read_csv(pattern).merge(lk, on='name', how='left').v.sum().compute(scheduler='threads')
    out['merge'].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    bg = pd.read_csv(big, parse_dates=['timestamp'])
    b = dd.read_csv(pattern, parse_dates=['timestamp']).merge(bg, on='timestamp', how='left').w.sum().compute(scheduler='threads')
    out['big'].append((time.perf_counter() - t) * 1000)
out['bsum'] = float(b)
out['msum'] = float(m)
out['alice'] = [float(g.loc['Alice', 'mean']), float(g.loc['Alice', 'std']), int(g.loc['Alice', 'count'])]
out['sum'] = float(s)
print(json.dumps(out))
`;

async function main(): Promise<void> {
  console.log(`\n## DataFrame operations from CSV (issue 18): groupby-agg, filter-sum, merges`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}; ${days} daily files in ${dir}; ${rounds} rounds\n`);
  const made = !existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.csv'));
  if (made) {
    mkdirSync(dir, { recursive: true });
    const day = (i: number): string => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);
    const end = new Date(Date.UTC(2000, 0, 1 + days)).toISOString().slice(0, 10);
    await datasets.timeseries({ seed: 42, end }).toCsv(join(dir, '*.csv'), { nameFunction: day });
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).map((f) => join(dir, f));
  const MB = files.reduce((a, f) => a + statSync(f).size, 0) / 1e6;
  console.log(`${files.length} files, ${MB.toFixed(1)} MB`);
  const glob = join(dir, '*.csv');
  // a 26-row lookup: name → v (outside the glob)
  const lookup = join(tmpdir(), `tessera-bench-lookup-${process.pid}.csv`);
  const NAMES = ['Alice', 'Bob', 'Charlie', 'Dan', 'Edith', 'Frank', 'George', 'Hannah', 'Ingrid', 'Jerry', 'Kevin', 'Laura', 'Michael', 'Norbert', 'Oliver', 'Patricia', 'Quinn', 'Ray', 'Sarah', 'Tim', 'Ursula', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zelda'];
  writeFileSync(lookup, `name,v\n${NAMES.map((n, i) => `${n},${i * 0.5}`).join('\n')}\n`);
  // a 1 M-row frame: the first 1 M timestamps of the series (one per second) with a value
  const big = join(tmpdir(), `tessera-bench-big-${process.pid}.csv`);
  const t0 = Date.UTC(2000, 0, 1);
  const lines = ['timestamp,w'];
  for (let i = 0; i < 1_000_000; i++) lines.push(`${new Date(t0 + i * 1000).toISOString().replace('T', ' ').slice(0, 19)},${(i % 1000) * 0.25}`);
  writeFileSync(big, `${lines.join('\n')}\n`);

  let pl: typeof import('nodejs-polars') | undefined;
  try {
    pl = require('nodejs-polars');
  } catch (err) {
    console.log(`nodejs-polars not available (${(err as Error).message.split('\n')[0]})`);
  }
  // wall ms and process CPU ms (every thread) of each run: the machine is shared, CPU time says more
  const t: Record<string, number[]> = {};
  for (const k of ['g', 'f', 'm', 'bl', 'bi']) for (const who of ['t', 'p']) t[`${who}${k}`] = [], t[`${who}${k}c`] = [];
  const time = async <T>(key: string, fn: () => Promise<T> | T): Promise<T> => {
    const r = await timed(fn);
    t[key]!.push(r.wall);
    t[`${key}c`]!.push(r.cpu);
    return r.value;
  };
  const answers: { tessera?: number[]; polars?: number[] } = {};
  for (let r = 0; r < rounds; r++) {
    const g = await time('tg', () => readCsv(glob).groupby('name').agg({ x: ['mean', 'std', 'count'] }).compute());
    const s = await time('tf', () => {
      const df = readCsv(glob);
      return df.filter(df.get('x').gt(0.5)).get('y').sum().compute();
    });
    const ms = await time('tm', () => readCsv(glob).merge(readCsv(lookup), { on: 'name', how: 'left' }).get('v').sum().compute());
    const bigMerge = (how: 'left' | 'inner') => readCsv(glob, { parseDates: ['timestamp'] }).merge(readCsv(big, { parseDates: ['timestamp'] }), { on: 'timestamp', how }).get('w').sum().compute();
    const bl = await time('tbl', () => bigMerge('left'));
    const bi = await time('tbi', () => bigMerge('inner'));
    const a = g.toRecords().find((row) => row.name === 'Alice')!;
    answers.tessera = [a.x_mean as number, a.x_std as number, a.x_count as number, Number(s), Number(ms), Number(bl), Number(bi)];
    if (pl) {
      const pg = await time('pg', () => pl!.scanCSV(glob).groupBy('name').agg(pl!.col('x').mean().alias('mean'), pl!.col('x').std().alias('std'), pl!.col('x').count().alias('count')).collectSync());
      const ps = await time('pf', () => pl!.scanCSV(glob).filter(pl!.col('x').gt(0.5)).select(pl!.col('y').sum()).collectSync());
      const pm = await time('pm', () => pl!.scanCSV(glob).join(pl!.readCSV(lookup).lazy(), { on: 'name', how: 'left' }).select(pl!.col('v').sum()).collectSync());
      const polarsBig = (how: 'left' | 'inner') => pl!.scanCSV(glob, { tryParseDates: true }).join(pl!.scanCSV(big, { tryParseDates: true }), { on: 'timestamp', how }).select(pl!.col('w').sum()).collectSync();
      const pbl = await time('pbl', () => polarsBig('left'));
      const pbi = await time('pbi', () => polarsBig('inner'));
      const row = pg.filter(pl.col('name').eq(pl.lit('Alice'))).toRecords()[0] as Record<string, number>;
      answers.polars = [row.mean!, row.std!, Number(row.count!), Number(ps.getColumn('y').get(0)), Number(pm.getColumn('v').get(0)), Number(pbl.getColumn('w').get(0)), Number(pbi.getColumn('w').get(0))];
    }
  }
  let dask: { groupby: number[]; filter: number[]; merge: number[]; big: number[]; alice: number[]; sum: number; msum: number; bsum: number } | undefined;
  if (process.env.DF_BENCH_DASK !== '0') {
    try {
      dask = JSON.parse(execFileSync('/usr/bin/python3', ['-c', DASK, glob, String(rounds), lookup, big], { encoding: 'utf8', maxBuffer: 1 << 20 }));
    } catch (err) {
      console.log(`Dask not run: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  console.log(`answers (Alice: x mean, std, count; filter-sum; merge-sum; 1M merge left, inner): tessera ${JSON.stringify(answers.tessera)}`);
  if (answers.polars) console.log(`                                             polars  ${JSON.stringify(answers.polars)}`);
  if (dask) console.log(`                                             dask    ${JSON.stringify([...dask.alice, dask.sum, dask.msum, dask.bsum])}`);
  console.log('');
  const row = (name: string, key: string, daskMs: number[] | undefined): void => {
    const m = (xs: number[] | undefined): number => (xs?.length ? median(xs) : NaN);
    const [tm, pm, dm, tc, pc] = [m(t[`t${key}`]), m(t[`p${key}`]), m(daskMs), m(t[`t${key}c`]), m(t[`p${key}c`])];
    const f = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(0));
    const ratio = (x: number, y: number): string => (Number.isNaN(x) ? '—' : `${(x / y).toFixed(2)}×`);
    console.log(`| ${name} | ${f(tm)} | ${f(pm)} | ${f(dm)} | ${ratio(pm, tm)} | ${ratio(dm, tm)} | ${f(tc)} | ${f(pc)} | ${ratio(pc, tc)} |`);
  };
  console.log('| from CSV to result | tessera ms | Polars ms | Dask ms | Polars / tessera | Dask / tessera | tessera CPU ms | Polars CPU ms | Polars / tessera CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  row("groupby('name').agg(x: mean, std, count)", 'g', dask?.groupby);
  row("filter(x > 0.5).get('y').sum()", 'f', dask?.filter);
  row("merge(26-row lookup, left).get('v').sum()", 'm', dask?.merge);
  row("merge(1 M rows on timestamp, left).get('w').sum()", 'bl', dask?.big);
  row("merge(1 M rows on timestamp, inner).get('w').sum()", 'bi', undefined);
  console.log('\n(ratios above 1 mean tessera is faster; medians of the rounds)');
  rmSync(lookup, { force: true });
  rmSync(big, { force: true });
  if (made && !process.env.DF_BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}

await main();
