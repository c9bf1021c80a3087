// npx tsx bench/dataframe-distinct.bench.ts — issue 18's distinct-value operations on a
// high-cardinality int64 column (the timeseries of DF_BENCH_DAYS days at 1 s, 30: 2 592 000 rows,
// k = int64(x · 500 000), ~0.9M distinct values; persisted in memory, so no generation is timed):
//   valueCounts (native groupby ordered by count then first row), nunique (unsorted groups),
//   unique (groups by first row), dropDuplicates({ subset: ['k'] }) (typed-array row ids), and
//   groupby('name').agg({ k: 'nunique' }) (per-group sorted value sets)
// beside Debian's Dask 2022.12 (/usr/bin/python3, threads scheduler) on data of the same shape
// (numpy keys, 30 partitions) with DF_BENCH_DASK=1. Rounds interleaved; medians of process CPU
// time and wall time (the machine is shared). Env: DF_BENCH_DAYS (30), DF_BENCH_ROUNDS (3), DF_BENCH_DASK.
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { datasets, getConfig } from '../src/index.js';
import { median, timed } from './side-by-side.js';

const days = Number(process.env.DF_BENCH_DAYS ?? 30);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
  const end = new Date(Date.UTC(2000, 0, 1 + days)).toISOString().slice(0, 10);
  const ts = datasets.timeseries({ seed: 42, end });
  const df = await ts.assign({ k: ts.get('x').mul(500000).astype('int64') }).persist();
  const n = await df.length().compute();
  console.log(`\n## distinct values (issue 18): ${n} rows, ${df.npartitions} partitions, ${rounds} rounds`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const cases: [string, () => Promise<number>][] = [
    ["get('k').valueCounts()", async () => (await df.get('k').valueCounts().compute()).length],
    ["get('k').nunique()", async () => df.get('k').nunique().compute()],
    ["get('k').unique()", async () => (await df.get('k').unique().compute()).length],
    ["dropDuplicates({ subset: ['k'] })", async () => df.dropDuplicates({ subset: ['k'] }).length().compute()],
    ["groupby('name').agg({ k: 'nunique' })", async () => (await df.groupby('name').agg({ k: 'nunique' }).compute()).length],
  ];
  const cpu: number[][] = cases.map(() => []);
  const wall: number[][] = cases.map(() => []);
  const out: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const [i, [, run]] of cases.entries()) {
      const t = await timed(run);
      cpu[i]!.push(t.cpu);
      wall[i]!.push(t.wall);
      out[i] = t.value;
    }
  console.log('| case | CPU ms | wall ms | result length / value |');
  console.log('|---|---|---|---|');
  cases.forEach(([label], i) => console.log(`| ${label} | ${median(cpu[i]!).toFixed(0)} | ${median(wall[i]!).toFixed(0)} | ${out[i]} |`));
  if (process.env.DF_BENCH_DASK) {
    const py = `
import time, numpy as np, pandas as pd, dask.dataframe as dd
rng = np.random.default_rng(42)
n = ${n}
names = np.array(['Alice', 'Bob', 'Charlie', 'Dan', 'Edith', 'Frank', 'George', 'Hannah', 'Ingrid', 'Jerry', 'Kevin', 'Laura', 'Michael',
                  'Norbert', 'Oliver', 'Patricia', 'Quinn', 'Ray', 'Sarah', 'Tim', 'Ursula', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zelda'], dtype=object)
pdf = pd.DataFrame({'name': names[rng.integers(0, 26, n)], 'k': (rng.uniform(-1, 1, n) * 500000).astype('int64')})
ddf = dd.from_pandas(pdf, npartitions=${df.npartitions})
cases = [('value_counts()', lambda: len(ddf.k.value_counts().compute())), ('nunique()', lambda: ddf.k.nunique().compute()),
         ('unique()', lambda: len(ddf.k.unique().compute())), ("drop_duplicates(subset=['k'])", lambda: len(ddf.drop_duplicates(subset=['k']))),
         ("groupby('name').k.nunique()", lambda: len(ddf.groupby('name').k.nunique().compute()))]
for label, f in cases:
    ts = []
    for r in range(${rounds}):
        t = time.perf_counter()
        v = f()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    print(f'| Dask {label} | - | {ts[(len(ts) - 1) // 2]:.0f} | {v} |')
`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.status) console.log(`Dask failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  }
}

await main();
