// npx tsx bench/dataframe-split-out.bench.ts — issue 18 item 3's split_out: a high-cardinality
// groupby (the timeseries of DF_BENCH_DAYS days at 1 s, 30: 2 592 000 rows, keyed by
// k = int64(x · 500 000): ~0.9M distinct keys; persisted in memory, so no generation is timed)
//   groupby('k').agg({ y: 'sum' })  without splitOut (one combine of the partial tables, one table)
//   and with { splitOut: 4 } / { splitOut: 8 } (one epilogue per output bucket, in parallel on the
//   pool), computed to one Table for all three; and groupby(['name', 'k']) (2.5M groups).
// Rounds interleaved; medians of process CPU time and wall time (the machine is shared). With
// DF_BENCH_DASK=1, Debian's Dask 2022.12 (/usr/bin/python3) runs the same groupby on the same
// shape of data (numpy keys, 30 partitions, threads scheduler) with split_out 1, 4 and 8.
// Env: DF_BENCH_DAYS (30), DF_BENCH_ROUNDS (5), DF_BENCH_DASK.
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { datasets, getConfig } from '../src/index.js';
import { median, timed } from './side-by-side.js';

// the timeseries' 26 names (dask/datasets.py)
const NAMES = ['Alice', 'Bob', 'Charlie', 'Dan', 'Edith', 'Frank', 'George', 'Hannah', 'Ingrid', 'Jerry', 'Kevin', 'Laura', 'Michael',
  'Norbert', 'Oliver', 'Patricia', 'Quinn', 'Ray', 'Sarah', 'Tim', 'Ursula', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zelda'];
const days = Number(process.env.DF_BENCH_DAYS ?? 30);
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
  const end = new Date(Date.UTC(2000, 0, 1 + days)).toISOString().slice(0, 10);
  const ts = datasets.timeseries({ seed: 42, end });
  const df = await ts.assign({ k: ts.get('x').mul(500000).astype('int64') }).persist();
  const n = await df.length().compute();
  const groups = (await df.groupby('k').size().compute()).length;
  console.log(`\n## groupby splitOut (issue 18 item 3): ${n} rows, ${groups} keys, ${df.npartitions} partitions, ${rounds} rounds`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const cases: [string, () => Promise<number>][] = [
    ["groupby('k').agg({ y: 'sum' })", async () => (await df.groupby('k').agg({ y: 'sum' }).compute()).length],
    ['… { splitOut: 4 }', async () => (await df.groupby('k').agg({ y: 'sum' }, { splitOut: 4 }).compute()).length],
    ['… { splitOut: 8 }', async () => (await df.groupby('k').agg({ y: 'sum' }, { splitOut: 8 }).compute()).length],
    ["groupby(['name', 'k']).agg({ y: 'sum' })", async () => (await df.groupby(['name', 'k']).agg({ y: 'sum' }).compute()).length],
  ];
  const cpu: number[][] = cases.map(() => []);
  const wall: number[][] = cases.map(() => []);
  const rows: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const [i, [, run]] of cases.entries()) {
      const t = await timed(run);
      cpu[i]!.push(t.cpu);
      wall[i]!.push(t.wall);
      rows[i] = t.value;
    }
  console.log('| case | CPU ms | wall ms | wall vs no splitOut | groups |');
  console.log('|---|---|---|---|---|');
  const base = median(wall[0]!);
  cases.forEach(([label], i) => console.log(`| ${label} | ${median(cpu[i]!).toFixed(0)} | ${median(wall[i]!).toFixed(0)} | ${(base / median(wall[i]!)).toFixed(2)}× | ${rows[i]} |`));
  if (process.env.DF_BENCH_DASK) {
    const py = `
import time, numpy as np, pandas as pd, dask, dask.dataframe as dd
rng = np.random.default_rng(42)
n = ${n}
names = np.array(${JSON.stringify(NAMES)}, dtype=object)
pdf = pd.DataFrame({'name': names[rng.integers(0, 26, n)], 'k': (rng.uniform(-1, 1, n) * 500000).astype('int64'), 'y': rng.uniform(-1, 1, n)})
ddf = dd.from_pandas(pdf, npartitions=${df.npartitions})
for so in (1, 4, 8):
    ts = []
    for r in range(${rounds}):
        t = time.perf_counter()
        out = ddf.groupby('k', sort=False).agg({'y': 'sum'}, split_out=so).compute(scheduler='threads')
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    print(f'| Dask split_out={so} | - | {ts[(len(ts) - 1) // 2]:.0f} | - | {len(out)} |')
ts = []
for r in range(${rounds}):
    t = time.perf_counter()
    out = ddf.groupby(['name', 'k']).agg({'y': 'sum'}).compute(scheduler='threads')
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print(f"| Dask groupby(['name', 'k']) | - | {ts[(len(ts) - 1) // 2]:.0f} | - | {len(out)} |")
`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.status) console.log(`Dask failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  }
}

await main();
