// take, boolean masks and matrix products on a cluster (issues 15 and 16): the same graphs run on
// the workers — a Take stage and a mask's compaction as one whole task each, a mask's counts and
// products as chunk tasks — with the bits of a local compute, for several chunkings and for one
// and two workers; an index out of range found on a worker is a RangeError on the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, matmul, random, tensordot, type NDArray } from '../src/index.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

const bits = (v: unknown): string =>
  v instanceof DenseArray ? `${v.dtype}:${v.shape}:${Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString('base64')}` : `${typeof v}:${String(v)}`;

/** [on the cluster, the same graph locally] for a 2-d source chunked `chunks`. */
function cases(chunks: [number, number], kept: NDArray, x: NDArray): [string, NDArray, NDArray][] {
  const idx = Array.from({ length: 90 }, (_, i) => (i * 7919) % 120);
  const cols = idx.map((i) => i % 80);
  const lazyIdx = fromArray(Int32Array.from(idx), { chunks: [chunks[0]] });
  const b = random.random([80, 30], { seed: 2, chunks: [chunks[1], 16] });
  const tall = random.random([33000, 3], { seed: 9, chunks: [chunks[0] * 100, 3] });
  return [
    ['take rows', x.take(idx, { axis: 0 }), x.take(idx, { axis: 0 })],
    ['take columns, summed', x.take(cols, { axis: 1 }).sum({ axis: 1 }), x.take(cols, { axis: 1 }).sum({ axis: 1 })],
    ['take of a lazy index, an expression of it', x.take(lazyIdx).mul(2), x.take(lazyIdx).mul(2)],
    ['take of a persisted array', kept.take(lazyIdx, { axis: 0 }).sum(), x.take(lazyIdx, { axis: 0 }).sum()],
    ['mask values', x.mask(x.gt(0.8)), x.mask(x.gt(0.8))],
    ['mask of a persisted array, its std', kept.mask(kept.lt(0.3)).std(), x.mask(x.lt(0.3)).std()],
    ['matmul', matmul(x, b), matmul(x, b)],
    ['matmul of a lazy operand, summed', matmul(x.exp(), b).sum(), matmul(x.exp(), b).sum()],
    ['Gram matrix of a persisted array', kept.T.matmul(kept), x.T.matmul(x)],
    ['tensordot', tensordot(x.reshape([120, 8, 10]), b.reshape([8, 10, 30]), { axes: 2 }), tensordot(x.reshape([120, 8, 10]), b.reshape([8, 10, 30]), { axes: 2 })],
    ['split contraction (a long contracted axis)', tall.T.matmul(tall), tall.T.matmul(tall)],
  ];
}

describe.each([
  ['one worker', ['p']],
  ['two workers', ['p', 'q']],
])('take, mask and matmul on %s', (_, names) => {
  let cluster: BusCluster;
  const ran = new Map<string, Set<string>>(); // task group → workers
  beforeAll(async () => {
    cluster = await busCluster(names, 100);
    cluster.scheduler.events.on('task-finish', (e: { group: string; worker: string; ok: boolean }) => {
      if (e.ok) ran.set(e.group, (ran.get(e.group) ?? new Set()).add(e.worker));
    });
  });
  afterAll(() => cluster?.close());

  it.each([[[40, 32]], [[120, 80]], [[25, 80]]] as [[number, number]][])('chunks %j: the local bits, computed by the workers', async (chunks) => {
    const x = random.random([120, 80], { seed: 3, chunks });
    const kept = await cluster.client.persist(x);
    try {
      for (const [what, remote, local] of cases(chunks, kept, x)) expect(bits(await cluster.client.compute(remote)), what).toBe(bits(await local.compute()));
    } finally {
      kept.release();
    }
    // the gather, the mask's counts and compaction and the products ran as the workers' tasks
    for (const group of ['take', 'mask-count', 'mask', 'matmul', 'sum-matmul']) expect(names, group).toEqual(expect.arrayContaining([...(ran.get(group) ?? ['none'])]));
  });

  it('persisted gathers and masks are read by later computes', async () => {
    const x = random.random([50, 40], { seed: 4, chunks: [20, 15] });
    const [t, m] = await cluster.client.persist([x.take([7, 3, 49, 3], { axis: 0 }), x.mask(x.gt(0.5))]);
    expect(bits(await cluster.client.compute(t!.mul(2).sum({ axis: 0 })))).toBe(bits(await x.take([7, 3, 49, 3], { axis: 0 }).mul(2).sum({ axis: 0 }).compute()));
    expect(bits(await cluster.client.compute(m!.sum()))).toBe(bits(await x.mask(x.gt(0.5)).sum().compute()));
    expect(bits(await m!.gather())).toBe(bits(await x.mask(x.gt(0.5)).compute()));
    t!.release();
  });

  it('an index out of range found on a worker is a RangeError on the client', async () => {
    const x = random.random([30, 4], { seed: 1, chunks: [10, 4] });
    const bad = x.take(fromArray(Int32Array.of(1, -30, 30)), { axis: 0 });
    const err = await cluster.client.compute(bad).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/take: index 30 is out of bounds for axis 0 with size 30/);
    await expect(bad.compute()).rejects.toThrow(RangeError); // as locally
  });
});
