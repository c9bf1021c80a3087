// npx tsx bench/dataframe-join.bench.ts [single|partitioned|both] — the native join (dfJoin) alone on
// two large frames whose keys need hashing (shuffled, not sorted): 2.6 M left rows (float64
// keys, each of 1 M values about 2.6 times) against 1 M right rows (unique keys, shuffled), how
// left and inner; the single table (the default) or the partitioned join (partitionFrom: 1, which
// TESSERA_JOIN_PARTITION_ROWS sets for merge). Wall medians of JOIN_BENCH_ROUNDS (5) and the process's peak RSS (run
// one route per process to compare that; `both` interleaves the two routes' rounds).
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
// 'both': the two routes' rounds interleaved (a shared machine's noise hits both alike)
const routes = route === 'both' ? ['single', 'partitioned'] : [route];
for (const how of ['left', 'inner'] as const) {
  const ms = new Map(routes.map((r) => [r, [] as number[]]));
  const cpu = new Map(routes.map((r) => [r, [] as number[]]));
  let size = 0;
  for (let k = 0; k < rounds; k++)
    for (const r of routes) {
      const t = performance.now();
      const c = process.cpuUsage();
      const res = await n.dfJoin({ left: { rows: left.map((x) => x.length), parts: left }, right: { rows: [nr], parts: [right] }, how, ...(r === 'single' ? {} : { partitionFrom: 1 }) }).promise;
      ms.get(r)!.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu.get(r)!.push((d.user + d.system) / 1000);
      size = res.size;
      if (res.partitioned !== (r === 'partitioned')) throw new Error(`${r}: partitioned ${res.partitioned}`);
    }
  for (const r of routes) console.log(`${r} ${how}: wall median ${median(ms.get(r)!).toFixed(1)} ms (${ms.get(r)!.map((x) => x.toFixed(0)).join(' ')}), CPU median ${median(cpu.get(r)!).toFixed(0)} ms, ${size} pairs`);
}
console.log(`${route}: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${(rss0 / 2 ** 20).toFixed(0)} MB RSS with the inputs, before the joins)`);
