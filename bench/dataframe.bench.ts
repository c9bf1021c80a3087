// npm run bench (second part) — issue #6: timeseries → toCsv → readCsv → describe over Dask's
// default 30 daily files (2 592 000 rows, ~175 MB), side by side in one run with
//   * tessera: readCsv('dir/*.csv') + describe() (native parser and exact quantiles on the pool),
//   * a single-threaded JS baseline: csv-parse (sync API) per file + a JS loop for the statistics
//     (count, mean, std, min, max, exact quartiles by sorting a Float64Array),
//   * nodejs-polars 0.25.2: readCSV per file + concat + describe(), and scanCSV(glob).collect() +
//     describe() (Polars' own thread pool); the ratio is taken against the faster of the two.
// Rounds are interleaved (tessera, JS, Polars, …) so the noise of a shared machine hits all
// three alike; medians are printed with MB/s parsed and ratios. No assertions: read the ratios.
// Env: DF_BENCH_DIR (data directory, kept; default $TMPDIR/tessera-bench-df, removed at the end),
// DF_BENCH_ROUNDS (3),
// DF_BENCH_BASELINE=0 to skip the (slow, ~10× longer) JS baseline, =all to run it every round
// (default: first round only).
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { datasets, getConfig, readCsv } from '../src/index.js';

const require = createRequire(import.meta.url);
const dir = process.env.DF_BENCH_DIR ?? join(tmpdir(), 'tessera-bench-df');
const rounds = Number(process.env.DF_BENCH_ROUNDS ?? 3);
const withBaseline = process.env.DF_BENCH_BASELINE !== '0';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const now = (): number => performance.now();

function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const t = h - lo;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** The single-threaded JS baseline: csv-parse + a JS loop. */
function jsBaseline(files: string[]): Record<string, Record<string, number>> {
  const cols = ['id', 'x', 'y'];
  const idx = [2, 3, 4];
  const chunks: number[][] = cols.map(() => []);
  for (const f of files) {
    const rows = parse(readFileSync(f), { from_line: 2 }) as string[][];
    for (const r of rows) for (let k = 0; k < 3; k++) chunks[k]!.push(Number(r[idx[k]!]));
  }
  const out: Record<string, Record<string, number>> = {};
  cols.forEach((c, k) => {
    const v = Float64Array.from(chunks[k]!);
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]!;
    const mean = s / v.length;
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
    v.sort();
    out[c] = {
      count: v.length, mean, std: Math.sqrt(ss / (v.length - 1)), min: v[0]!,
      '25%': quantile(v, 0.25), '50%': quantile(v, 0.5), '75%': quantile(v, 0.75), max: v[v.length - 1]!,
    };
  });
  return out;
}

async function main(): Promise<void> {
  console.log(`\n## DataFrame: timeseries → toCsv → readCsv → describe (issue #6)`);
  console.log(`machine: ${availableParallelism()} cores, tessera threads ${getConfig().numThreads}; data in ${dir}; ${rounds} rounds\n`);

  const df = datasets.timeseries({ seed: 42 });
  const day = (i: number): string => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);
  let t0 = now();
  const files = await df.toCsv(join(dir, '*.csv'), { nameFunction: day });
  const writeMs = now() - t0;
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const MB = bytes / 1e6;
  console.log(`toCsv: ${files.length} files, ${MB.toFixed(1)} MB in ${writeMs.toFixed(0)} ms (${(MB / (writeMs / 1000)).toFixed(0)} MB/s written)`);
  t0 = now();
  const gen = await df.describe().compute();
  console.log(`timeseries().describe() without files: ${(now() - t0).toFixed(0)} ms\n`);

  let pl: typeof import('nodejs-polars') | undefined;
  try {
    pl = require('nodejs-polars');
  } catch (err) {
    console.log(`nodejs-polars not available (${(err as Error).message.split('\n')[0]}); install nodejs-polars@0.25.2 and nodejs-polars-linux-x64-gnu@0.25.2`);
  }

  const times: Record<string, number[]> = { tessera: [], js: [], polars: [], polarsScan: [] };
  let tesseraStats: Record<string, Record<string, number | string | null>> = {};
  let jsStats: Record<string, Record<string, number>> = {};
  let polarsText = '';
  let polarsMean: number[] = [];
  const csvFiles = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().map((f) => join(dir, f));
  for (let r = 0; r < rounds; r++) {
    t0 = now();
    const stats = await readCsv(join(dir, '*.csv')).describe().compute();
    times.tessera!.push(now() - t0);
    tesseraStats = stats.toJSON();
    if (r === 0) console.log(String(stats) + '\n');
    if (withBaseline && (r === 0 || process.env.DF_BENCH_BASELINE === 'all')) {
      t0 = now();
      jsStats = jsBaseline(csvFiles);
      times.js!.push(now() - t0);
    }
    if (pl) {
      t0 = now();
      const all = pl.concat(csvFiles.map((f) => pl!.readCSV(f)));
      const d = all.describe();
      times.polars!.push(now() - t0);
      polarsText = String(d);
      polarsMean = ['id', 'x', 'y'].map((c) => Number(d.getColumn(c).get(0)));
      // the same through Polars' lazy glob reader (all files in one parallel scan)
      t0 = now();
      pl.scanCSV(join(dir, '*.csv')).collectSync().describe();
      times.polarsScan!.push(now() - t0);
    }
  }

  // answers agree?
  const agree = Object.keys(jsStats).length
    ? ['id', 'x', 'y'].every((c) => ['count', 'min', '25%', '50%', '75%', 'max'].every((s) => tesseraStats[c]![s] === jsStats[c]![s]))
    : undefined;
  if (agree !== undefined) console.log(`exact statistics equal to the JS baseline's (count, min, quartiles, max): ${agree}`);
  if (polarsMean.length)
    console.log(`means vs Polars: ${['id', 'x', 'y'].map((c, k) => `${c} Δ=${Math.abs((tesseraStats[c]!.mean as number) - polarsMean[k]!).toExponential(1)}`).join(', ')}`);
  console.log(`timeseries().describe() equals readCsv(…).describe(): ${JSON.stringify(gen.toJSON()) === JSON.stringify(tesseraStats)}\n`);

  const rows: [string, number[]][] = [
    ['tessera readCsv + describe (native, all threads)', times.tessera!],
    ['JS baseline: csv-parse + JS loop (1 thread)', times.js!],
    ['nodejs-polars 0.25.2 readCSV per file + concat + describe', times.polars!],
    ["nodejs-polars 0.25.2 scanCSV('*.csv').collect() + describe", times.polarsScan!],
  ];
  const tm = median(times.tessera!);
  console.log('| pipeline over 30 files | median ms | runs | MB/s parsed | time vs tessera |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, xs] of rows) {
    if (!xs.length) continue;
    const m = median(xs);
    console.log(`| ${name} | ${m.toFixed(0)} | ${xs.length} | ${(MB / (m / 1000)).toFixed(0)} | ${(m / tm).toFixed(2)}× |`);
  }
  if (times.polars!.length) {
    const ratio = Math.min(median(times.polars!), median(times.polarsScan!)) / tm;
    console.log(`\ntessera is ${ratio >= 1 ? `${ratio.toFixed(2)}× faster than` : `${(1 / ratio).toFixed(2)}× slower than`} the faster Polars variant on this machine.`);
    console.log(`(Polars' describe() in 0.25.2 gives mean/std/min/max/median only; tessera's adds count and exact quartiles.)`);
  }
  if (process.env.DF_BENCH_SHOW_POLARS) console.log(polarsText);
  // the default data directory is removed afterwards; DF_BENCH_DIR keeps the files
  if (!process.env.DF_BENCH_DIR) for (const f of files) rmSync(f, { force: true });
}

await main();
