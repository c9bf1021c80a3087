// npx tsx bench/dataframe-join.bench.ts [single|partitioned] — the native join (dfJoin) alone on
// two large frames whose keys need hashing (shuffled, not sorted): 2.6 M left rows (float64
// keys, each of 1 M values about 2.6 times) against 1 M right rows (unique keys, shuffled), how
// left and inner; the single table (partitionFrom above both sides) or the partitioned join (the
// default at this size). Wall medians of JOIN_BENCH_ROUNDS (5) and the process's peak RSS (run
// one route per process to compare that).
import { dfNative } from '../src/dataframe/native.js';
import { median } from './side-by-side.js';

const route = process.argv[2] ?? 'partitioned';
const rounds = Number(process.env.JOIN_BENCH_ROUNDS ?? 5);
const nl = 2_600_000, nr = 1_000_000;
let seed = 7;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const right = new Float64Array(nr);
for (let i = 0; i < nr; i++) right[i] = i * 3;
for (let i = nr - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [right[i], right[j]] = [right[j]!, right[i]!];
}
const parts = 8;
const left = Array.from({ length: parts }, (_, p) => Float64Array.from({ length: nl / parts }, () => Math.floor(rand() * nr * 1.1) * 3));
const n = dfNative();
const rss0 = process.memoryUsage().rss;
for (const how of ['left', 'inner'] as const) {
  const ms: number[] = [];
  let size = 0;
  let partitioned = false;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const res = await n.dfJoin({ left: { rows: left.map((x) => x.length), parts: left }, right: { rows: [nr], parts: [right] }, how, ...(route === 'single' ? { partitionFrom: 2 ** 31 - 1 } : {}) }).promise;
    ms.push(performance.now() - t);
    size = res.size;
    partitioned = res.partitioned;
  }
  console.log(`${route} ${how}: median ${median(ms).toFixed(1)} ms (${ms.map((x) => x.toFixed(0)).join(' ')}), ${size} pairs, partitioned ${partitioned}`);
}
console.log(`${route}: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (inputs ${(rss0 / 2 ** 20).toFixed(0)} MB RSS before the joins)`);
