// An expression over the engine's register file is split into stages that hand float64 scratch
// to the next; on a cluster the scratch stays on the workers as chunks, a later stage reads them
// like persisted pieces, and they are freed when the compute ends. Results are the local bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random, type DenseArray, type NDArray, type Computed } from '../../src/index.js';
import { Lowering } from '../../src/array/lower.js';
import { busCluster, until, type BusCluster } from '../helpers/distributed.js';

let cluster: BusCluster;
beforeAll(async () => {
  cluster = await busCluster(['a', 'b'], 200);
});
afterAll(() => cluster?.close());

/** 70 inputs combined in an order that keeps every input live: 70 registers > 64, a split plan. */
function chain(shape: number[], chunks: number[]): NDArray<Computed> {
  const inputs = Array.from({ length: 70 }, (_, i) => random.random(shape, { seed: i + 1, chunks }));
  let acc: NDArray<Computed> = inputs[0]!;
  for (const r of inputs.slice(1)) acc = r.mul(acc).add(r);
  return acc;
}

const stages = (x: NDArray<Computed>): number =>
  new Lowering((n) => new ArrayBuffer(n), { remote: true }).lower([{ node: x.node, target: 'result' }]).plan.stages.length;
/** Chunks the workers hold (a test-only look at their private store). */
const stored = (): number => cluster.workers.reduce((n, w) => n + (w as unknown as { stored: Map<string, unknown> }).stored.size, 0);
/** The workers come to hold exactly `n` chunks (drops and releases travel as messages). */
const holding = (n: number): Promise<void> => until(() => stored() === n, 2000, `workers holding ${n} chunks (now ${stored()})`);
/** Elements whose bits differ (a deep toEqual of megabytes is slow). */
function differing(a: DenseArray, b: DenseArray): number {
  const x = new BigUint64Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new BigUint64Array(b.data.buffer, b.data.byteOffset, b.data.length);
  let n = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) n++;
  return n;
}

describe.each([
  // 4 chunks of 65 536 elements: one task per chunk, scratch kept on both workers
  ['chunked', [1024, 256], [256, 256]],
  // one chunk: every stage runs whole and the scratch comes back inline
  ['one chunk', [20, 3], [20, 3]],
])('a split plan on a cluster (%s)', (_, shape, chunks) => {
  it('computes an elementwise result bit-identical to local and frees its scratch', async () => {
    const x = chain(shape, chunks);
    expect(stages(x)).toBeGreaterThan(1);
    const local = (await x.compute()) as DenseArray;
    const remote = (await cluster.client.compute(x)) as DenseArray;
    expect(remote.shape).toEqual(shape);
    expect(differing(remote, local)).toBe(0);
    await holding(0);
  });

  it('computes a sum of it bit-identical to local', async () => {
    const x = chain(shape, chunks).sum();
    const local = await x.compute();
    expect(await cluster.client.compute(x)).toBe(local);
    await holding(0);
  });

  it('persists it: the output stays, the scratch is freed at the end of the compute', async () => {
    const x = chain(shape, chunks);
    const kept = await cluster.client.persist(x);
    const outputChunks = chunks[0] === shape[0] ? 1 : (shape[0]! / chunks[0]!) * (shape[1]! / chunks[1]!);
    await holding(outputChunks);
    expect(await cluster.client.compute(kept.sum())).toBe(await x.sum().compute());
    kept.release();
    await holding(0);
  });
});

it('a split plan cancelled once its scratch is on the workers leaves nothing stored', async () => {
  const x = chain([1024, 256], [256, 256]);
  const stop = new AbortController();
  const onFinish = (e: { task: string; ok: boolean }): void => {
    if (e.ok && e.task.split(':').at(-2) === '0') stop.abort(new Error('enough'));
  };
  cluster.scheduler.events.on('task-finish', onFinish);
  try {
    await expect(cluster.client.compute(x, { signal: stop.signal })).rejects.toThrow();
  } finally {
    cluster.scheduler.events.off('task-finish', onFinish);
  }
  await holding(0);
  // the cluster still computes the same plan afterwards
  expect(await cluster.client.compute(x.sum())).toBe(await x.sum().compute());
});

describe('a split plan on a cluster that loses a worker', () => {
  let lossy: BusCluster;
  beforeAll(async () => {
    lossy = await busCluster(['p', 'q', 'r'], 100);
  });
  afterAll(() => lossy?.close());

  it('recomputes the scratch chunks a dead worker held; the result keeps the local bits', async () => {
    const x = chain([1024, 256], [256, 256]);
    const local = (await x.compute()) as DenseArray;
    // once every scratch chunk is stored, lose a worker holding one: the next stage cannot fetch it
    const scratchDone: string[] = [];
    let lost: Promise<void> | undefined;
    const onFinish = (e: { task: string; worker: string; ok: boolean }): void => {
      if (!e.ok || e.task.split(':').at(-2) !== '0') return;
      scratchDone.push(e.worker);
      if (scratchDone.length === 4 && !lost) lost = lossy.lose(lossy.workers.find((w) => w.name === scratchDone[0])!);
    };
    lossy.scheduler.events.on('task-finish', onFinish);
    try {
      const remote = (await lossy.client.compute(x)) as DenseArray;
      expect(differing(remote, local)).toBe(0);
    } finally {
      lossy.scheduler.events.off('task-finish', onFinish);
    }
    await lost;
    // the dead worker's scratch chunks were computed again elsewhere
    expect(scratchDone.length).toBeGreaterThan(4);
    expect(scratchDone.slice(4)).not.toContain(scratchDone[0]);
  });
});
