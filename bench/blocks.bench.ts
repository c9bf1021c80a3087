// npx tsx bench/blocks.bench.ts — per-block overhead of mapBlocks with a trivial module function
// (test/fixtures/blocks/fns.mjs `first`: returns the block's first element) over 10 000 chunks,
// beside Dask's map_blocks of the same function (/usr/bin/python3, threaded scheduler). Medians of
// repeated runs; µs/block = (median of the whole compute) / blocks, so it includes computing the
// input. No assertions: read the ratio.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PY = '/usr/bin/python3';
const N = 1_000_000;
const CHUNK = 100;
const BLOCKS = N / CHUNK;
const RUNS = 7;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function tessera(): Promise<{ ms: number; inputMs: number }> {
  const t = await import('../src/index.js');
  const first = t.delayed.module(new URL('../test/fixtures/blocks/fns.mjs', import.meta.url), 'first');
  const x = t.random.random([N], { seed: 1, chunks: CHUNK });
  const r = t.mapBlocks(first, x, { chunks: [1] });
  const check = (await r.compute()) as InstanceType<typeof t.DenseArray>;
  const xs = (await x.compute()) as InstanceType<typeof t.DenseArray>;
  if (check.data[7] !== xs.data[7 * CHUNK]) throw new Error('wrong result');
  const times: number[] = [];
  const inputs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    await r.compute();
    times.push(performance.now() - t0);
    t0 = performance.now();
    await x.compute();
    inputs.push(performance.now() - t0);
  }
  await t.shutdownWorkers();
  return { ms: median(times), inputMs: median(inputs) };
}

function dask(): number | undefined {
  if (!existsSync(PY)) return undefined;
  const script = `
import time, numpy as np, dask, dask.array as da
x = da.random.random(${N}, chunks=${CHUNK})
f = lambda b: b[:1]
r = x.map_blocks(f, chunks=(1,), dtype=float)
r.compute(scheduler='threads')
ts = []
for _ in range(${RUNS}):
    t0 = time.perf_counter(); r.compute(scheduler='threads'); ts.append(time.perf_counter() - t0)
print(sorted(ts)[len(ts) // 2] * 1000)
`;
  const p = spawnSync(PY, ['-c', script], { encoding: 'utf8' });
  if (p.status !== 0) return undefined;
  return Number(p.stdout.trim());
}

const t = await tessera();
const d = dask();
const per = (ms: number): string => ((ms * 1000) / BLOCKS).toFixed(2);
console.log(`mapBlocks, trivial module function, ${BLOCKS} chunks of ${CHUNK} (median of ${RUNS})`);
console.log(`  tessera   ${t.ms.toFixed(1)} ms  ${per(t.ms)} µs/block   (computing the input alone: ${t.inputMs.toFixed(1)} ms)`);
if (d !== undefined) console.log(`  dask      ${d.toFixed(1)} ms  ${per(d)} µs/block   ratio dask/tessera ${(d / t.ms).toFixed(1)}x`);
else console.log('  dask      (skipped: no /usr/bin/python3 with dask)');
