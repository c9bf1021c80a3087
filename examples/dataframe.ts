// The DataFrame example of docs/dataframe.md (issue #6): Dask's demo dataset written to 30 CSV
// files, read back in parallel, described with exact quartiles.
// Run: npx tsx examples/dataframe.ts [directory]   (default: $TMPDIR/tessera-example-df)
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasets, readCsv } from '../src/index.js';

const dir = process.argv[2] ?? join(tmpdir(), 'tessera-example-df');
const df = datasets.timeseries({ seed: 42 }); // 2000-01-01 … 2000-01-30, one partition per day
console.log(String(df));
console.log('npartitions', df.npartitions, '· divisions', String(df.divisions![0]!.toISOString()), '…', df.divisions![30]!.toISOString());
console.log(String(await df.head(5)));

const day = (i: number): string => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);
let t0 = performance.now();
const files = await df.toCsv(join(dir, '*.csv'), { nameFunction: day });
console.log(`\nwrote ${files.length} files (${files[0]} … ${files[files.length - 1]}) in ${(performance.now() - t0).toFixed(0)} ms`);

const df2 = readCsv(join(dir, '*.csv'), { encoding: 'latin1' });
console.log(String(df2));
t0 = performance.now();
const stats = await df2.describe().compute();
console.log(`describe() in ${(performance.now() - t0).toFixed(0)} ms:\n`);
console.log(String(stats));
console.log('\nstats.toJSON().x =', stats.toJSON().x);

console.log('\nlength', await df2.length().compute(), '· x.mean()', await df2.get('x').mean().compute());
const g = df2.describe().graph();
console.log('graph layers:', g.layers.map((l) => `${l.op} (${l.tasks})`).join(' → '), `· ${g.taskCount} tasks`);
