// Persisted arrays as inputs of later cluster computes (client.persist → RemoteArray): workers
// read kept chunks in place or fetch them from their peers, and results stay bit-identical to
// local computes of the same expressions. In-process MemoryBus, like distributed.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatenate, random, fromArray, ones, DenseArray, exp, type NDArray, type Computed } from '../src/index.js';
import type { MemoryBus } from '../src/distributed/transport.js';
import type { Scheduler } from '../src/distributed/scheduler.js';
import type { Worker } from '../src/distributed/worker.js';
import { Client, RemoteArray } from '../src/distributed/client.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';
import { copyBox, fetchSpec, leafRegion, leafSpan, packBoxWindow } from '../src/distributed/remote.js';
import { pack, unpack, type Piece } from '../src/distributed/protocol.js';

const same = (a: Computed, b: Computed): boolean =>
  typeof a === 'number' ? Object.is(a, b) : b instanceof DenseArray && Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer));

describe('persisted arrays feed later cluster computes', () => {
  let cluster: BusCluster;
  let bus: MemoryBus;
  let scheduler: Scheduler;
  let workers: Worker[];
  let client: Client;

  beforeAll(async () => {
    cluster = await busCluster(['p', 'q', 'r'], 100);
    ({ bus, scheduler, workers, client } = cluster);
  });
  afterAll(() => cluster?.close());

  it('a RemoteArray is an NDArray: elementwise, transposed, reduced and rechunked uses match local', async () => {
    const x = random.random([300, 200], { seed: 11, chunks: [70, 64] });
    const kept = await client.persist(x);
    expect(kept).toBeInstanceOf(RemoteArray);
    expect(kept.shape).toEqual([300, 200]);
    expect(kept.chunks).toEqual(x.chunks);
    const sq = random.random([120, 120], { seed: 5, chunks: 50 });
    const keptSq = await client.persist(sq);
    const cases: [NDArray<Computed>, NDArray<Computed>][] = [
      [kept.mul(2).add(1), x.mul(2).add(1)],
      [exp(kept).sum(), exp(x).sum()],
      [kept.sum({ axis: 0 }), x.sum({ axis: 0 })],
      [kept.T.add(1), x.T.add(1)],
      [keptSq.add(keptSq.T), sq.add(sq.T)],
      [keptSq.add(keptSq.T).sum(), sq.add(sq.T).sum()],
      [kept.rechunk([100, 100]).mul(3), x.rechunk([100, 100]).mul(3)],
      [kept.sub(kept.mean()), x.sub(x.mean())],
      [kept, x],
    ];
    for (const [remote, local] of cases) {
      const want = await local.compute();
      const got = await client.compute(remote);
      expect(same(got, want), remote.toString()).toBe(true);
    }
    // gather() and compute() of the RemoteArray itself
    expect(same(await kept.gather(), await x.compute())).toBe(true);
    expect(same(await kept.compute(), await x.compute())).toBe(true);
    kept.release();
    keptSq.release();
  });

  it('tasks reading persisted chunks run on the worker that holds them', async () => {
    const x = random.random([1200, 600], { seed: 12, chunks: 300 }); // 8 chunks of 90 000: one per task
    const kept = await client.persist(x);
    const holder = new Map<string, string>(); // chunk index -> worker
    for (const p of (kept as unknown as { output: { pieces: { task: string; worker: string }[] } }).output.pieces) holder.set(p.task.split(':').at(-1)!, p.worker);
    const ran = new Map<string, string>();
    const onFinish = (e: { task: string; worker: string }): void => void ran.set(e.task.split(':').at(-1)!, e.worker);
    scheduler.events.on('task-finish', onFinish);
    try {
      expect(same(await client.compute(kept.mul(2).add(1)), await x.mul(2).add(1).compute())).toBe(true);
    } finally {
      scheduler.events.off('task-finish', onFinish);
    }
    expect(ran.size).toBe(8);
    for (const [chunk, worker] of ran) expect(worker, `chunk ${chunk}`).toBe(holder.get(chunk));
    kept.release();
  });

  it('chains: persist of an expression over a persisted array, with a local input alongside', async () => {
    const data = Float64Array.from({ length: 90 * 40 }, (_, i) => Math.sin(i));
    const local = fromArray(data, { shape: [90, 40], chunks: [30, 40] });
    const x = random.normal(0, 1, [90, 40], { seed: 3, chunks: [45, 20] });
    const a = await client.persist(x);
    const b = await client.persist(a.mul(local).add(1));
    a.release(); // b's chunks no longer need a
    const want = await x.mul(local).add(1).sum({ axis: 1 }).compute();
    expect(same(await client.compute(b.sum({ axis: 1 })), want)).toBe(true);
    b.release();
  });

  it('a persisted concatenation along axis 0 is read back as the whole array (its first slab was taken for all of it)', async () => {
    const x = random.random([50, 40], { seed: 4, chunks: [20, 15] });
    const c = concatenate([x, x.exp()]);
    const kept = await client.persist(c);
    expect(same(await client.compute(kept.sum({ axis: 1 })), await c.sum({ axis: 1 }).compute())).toBe(true);
    expect(same(await client.compute(kept.get('45:55').mul(2)), await c.get('45:55').mul(2).compute())).toBe(true);
    kept.release();
    // along another axis: a clear refusal, not a wrong read
    const d = await client.persist(concatenate([x, x.exp()], { axis: 1 }));
    await expect(client.compute(d.sum())).rejects.toThrow(/concatenation along an axis other than 0/);
    d.release();
  });

  it('concatenations of one-chunk sources: each source a whole task writing its slab, none zeroing the others', async () => {
    // found by scripts/fuzz/determinism: a whole task's result is the whole buffer, zeros outside
    // its slab; the client copied it all (the last slab fetched won), and a later stage read only
    // the last whole slab the scheduler got inline (or none of the chunk tasks' pieces)
    const x = fromArray(Float32Array.from([1, -2, 3, 4, 5, 6]), { shape: [2, 3] });
    const y = fromArray(Float32Array.from([10, 20]), { shape: [2, 1] });
    const w = (a: NDArray<Computed>) => a.mul(a.gt(0)).add(1); // lazy: the concatenation is materialized
    const cases: NDArray<Computed>[] = [
      concatenate([x, x], { axis: 1 }),
      concatenate([x, x.mul(2)]),
      concatenate([x.rechunk([1, 3]), x]),
      concatenate([w(x), w(y)], { axis: 1 }).sub(fromArray(Int16Array.of(1, 2, 3, 4, 5, 6, 7, 8), { shape: [2, 4] })),
      concatenate([w(x.rechunk([1, 3])), w(y)], { axis: 1 }).mul(2),
      concatenate([w(x.reshape([6])), w(y.reshape([2]).rechunk(1))]).sub(1),
      concatenate([w(x), w(y)], { axis: 1 }).sum({ axis: 1 }),
    ];
    for (const c of cases) expect(same(await client.compute(c), await c.compute())).toBe(true);
    // persisted with a whole slab beside chunked ones, then read by later computes
    const c = concatenate([x.rechunk([1, 3]), x.mul(2)]);
    const kept = await client.persist(c);
    expect(same(await kept.gather(), await c.compute())).toBe(true);
    expect(same(await client.compute(kept.sum({ axis: 0 })), await c.sum({ axis: 0 }).compute())).toBe(true);
    kept.release();
  });

  it('an empty result has empty data, as compute() gives it', async () => {
    const x = fromArray(Float64Array.of(1, 2, 3, 4, 5, 6), { shape: [2, 3] });
    const got = (await client.compute(x.get(':, 1:1'))) as DenseArray;
    expect(got.shape).toEqual([2, 0]);
    expect(got.data.length).toBe(0); // was 1 (a buffer of max(size, 1) elements)
  });

  it('float32 and 0-d persisted arrays', async () => {
    const x = random.random([64, 48], { seed: 8, chunks: 16, dtype: 'float32' });
    const kept = await client.persist(x.mul(3));
    expect(kept.dtype).toBe('float32');
    expect(same(await client.compute(kept.add(kept).sum()), await x.mul(3).add(x.mul(3)).sum().compute())).toBe(true);
    const total = await client.persist(x.sum());
    expect(total.shape).toEqual([]);
    expect(same(await client.compute(total.mul(2)), await x.sum().mul(2).compute())).toBe(true);
    kept.release();
    total.release();
  });

  it('large fromArray inputs are cut per task to the span it reads', async () => {
    const data = Float64Array.from({ length: 600 * 500 }, (_, i) => Math.cos(i * 0.001));
    const a = fromArray(data, { shape: [600, 500], chunks: [100, 125] });
    const f = fromArray(new Float32Array(data), { shape: [600, 500], chunks: 200 });
    for (const [remote, local] of [
      [a.mul(a.T.T).add(1), a.mul(a).add(1)],
      [a.T.mul(2), a.T.mul(2)],
      [a.sum({ axis: 1 }), a.sum({ axis: 1 })],
      [f.add(1).sum(), f.add(1).sum()],
    ] as [NDArray<Computed>, NDArray<Computed>][]) {
      expect(same(await client.compute(remote), await local.compute()), remote.toString()).toBe(true);
    }
  });

  it('batched tiny chunks share one cut of an inline input, never more than the whole input', async () => {
    const data = Float64Array.from({ length: 1000 * 1000 }, (_, i) => (i % 997) * 0.5);
    const a = fromArray(data, { shape: [1000, 1000], chunks: [1000, 10] }); // column chunks: each reads every row
    const sizes: number[] = [];
    const push = bus.push.bind(bus);
    bus.push = (d: Uint8Array, n?: number) => (sizes.push(d.length), push(d, n));
    try {
      expect(same(await client.compute(a.add(1).sum({ axis: 0 })), await a.add(1).sum({ axis: 0 }).compute())).toBe(true);
    } finally {
      bus.push = push;
    }
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(8e6 + 64 * 1024); // at most the 8 MB input once per message
  });

  it('a persisted array released while a compute that reads it starts fails that compute only', async () => {
    const kept = await client.persist(random.random([200, 200], { seed: 4, chunks: 50 }));
    const reading = client.compute(kept.add(1).sum());
    kept.release();
    await expect(reading).rejects.toThrow(/released/);
    expect(await client.compute(ones([4, 4], { chunks: 2 }).sum())).toBe(16); // the scheduler lives on
  });

  it('empty persisted arrays can be read', async () => {
    const kept = await client.persist(ones([0, 5], { chunks: [1, 5] }));
    const got = await client.compute(kept.add(1));
    expect((got as DenseArray).shape).toEqual([0, 5]);
    kept.release();
  });

  it('errors: local compute of a cluster array, and reading a released one', async () => {
    const kept = await client.persist(random.random([10, 10], { seed: 1, chunks: 5 }));
    await expect(kept.add(1).compute()).rejects.toThrow(/client\.compute\(x\)/);
    kept.release();
    await expect(kept.gather()).rejects.toThrow(/released/);
    await expect(client.compute(kept.add(1))).rejects.toThrow(/not on this cluster \(released/);
  });

  it('a worker holding kept chunks dies: later computes still give the local answer', async () => {
    const x = random.random([400, 300], { seed: 21, chunks: [100, 100] });
    const kept = await client.persist(x);
    const victim = workers.find((w) => kept.workers.includes(w.name))!;
    await cluster.lose(victim);
    workers = cluster.workers;
    const want = await x.mul(x).sum({ axis: 0 }).compute();
    expect(same(await client.compute(kept.mul(kept).sum({ axis: 0 })), want)).toBe(true);
    expect(same(await kept.gather(), await x.compute())).toBe(true);
    expect(kept.workers).not.toContain(victim.name);
    kept.release();
  });
});

describe('remote geometry', () => {
  const piece = (start: number[], ext: number[], key: string): Piece => ({
    worker: 'w', key, task: key, start, ext, offset: 0, strides: [8, 1], dtype: 0,
  });
  const pieces = [piece([0, 0], [4, 8], 'a'), piece([4, 0], [4, 8], 'b')];

  it('a leaf reading a transposed box maps to the array box it touches', () => {
    // stage over the transpose [8, 8]: stage axis 0 steps array axis 1 (stride 1) and vice versa
    const leaf = { kind: 3, dtype: 0, offset: 0, strides: [1, 8], a: 0, b: 0, seed: 0, buffer: 0 } as const;
    const r = leafRegion(leaf, { start: [2, 3], ext: [4, 2] }, [8, 8]);
    expect(r.region).toEqual({ start: [3, 2], ext: [2, 4] });
    expect(r.offset).toBe(0);
    expect(r.strides).toEqual([1, 4]);
    const spec = fetchSpec('c', pieces, [8, 8], r.region, 8);
    expect(spec.parts.map((p) => [p.key, p.src, p.dst, p.ext])).toEqual([
      ['a', [3, 2], [0, 0], [1, 4]],
      ['b', [0, 2], [1, 0], [1, 4]],
    ]);
    expect(() => fetchSpec('c', pieces.slice(0, 1), [8, 8], r.region, 8)).toThrow(/cover 4 of the 8/);
  });

  it('messages carry typed arrays as raw bytes, also from a Node Buffer at an offset (as NATS hands them)', () => {
    const msg = { p: Int32Array.of(0, -1, 7), f: Float64Array.of(-0, NaN, 1e300), g: Float32Array.of(1.5), b: BigInt64Array.of(-2n), n: [-0, Infinity], s: 'é' };
    const bytes = pack(msg);
    const pool = Buffer.alloc(bytes.length + 13, 0x4d); // unrelated bytes around it, like a socket buffer
    bytes.forEach((v, i) => (pool[13 + i] = v));
    const got = unpack<typeof msg>(pool.subarray(13));
    expect(got.p).toEqual(msg.p);
    expect(Object.is(got.f[0], -0)).toBe(true);
    expect(got.f[1]).toBeNaN();
    expect(got.f[2]).toBe(1e300);
    expect(got.g).toEqual(msg.g);
    expect(got.b).toEqual(msg.b);
    expect(Object.is(got.n[0], -0)).toBe(true);
    expect(got.s).toBe('é');
    expect(() => unpack(new TextEncoder().encode('{}'))).toThrow(/not a tessera message/);
    // Node Buffers stay Buffers (not toJSON's number lists); user keys like $n/$t are left alone
    const odd = unpack<{ b: Buffer; u: { $n: string; $t: string } }>(pack({ b: Buffer.from([1, 2, 3]), u: { $n: 'x', $t: 'f64' } }));
    expect(Buffer.isBuffer(odd.b)).toBe(true);
    expect([...odd.b]).toEqual([1, 2, 3]);
    expect(odd.u).toEqual({ $n: 'x', $t: 'f64' });
  });

  it('a leaf span covers every element read, for any strides', () => {
    const leaf = { kind: 3, dtype: 0, offset: 99, strides: [-10, 1], a: 0, b: 0, seed: 0, buffer: 0 } as const;
    const box = { start: [2, 3], ext: [4, 5] };
    const { lo, hi, offset } = leafSpan(leaf, box);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) {
      const at = 99 + (2 + i) * -10 + (3 + j);
      min = Math.min(min, at);
      max = Math.max(max, at);
    }
    expect([lo, hi]).toEqual([min, max]);
    expect(lo + offset).toBe(99 - 20 + 3); // the box's first element, re-based
  });

  it('boxes pack and copy like a naive loop', () => {
    const shape = [5, 7];
    const src = Float64Array.from({ length: 35 }, (_, i) => i);
    const bytes = new Uint8Array(src.buffer);
    const packed = packBoxWindow(bytes, shape, [1, 2], [3, 4], 8, 0, 1 << 20);
    const want: number[] = [];
    for (let i = 1; i < 4; i++) for (let j = 2; j < 6; j++) want.push(i * 7 + j);
    expect([...new Float64Array(packed.slice().buffer)]).toEqual(want);
    // windows of an odd size concatenate to the whole
    const parts: number[] = [];
    for (let off = 0; off < 96; off += 20) parts.push(...packBoxWindow(bytes, shape, [1, 2], [3, 4], 8, off, 20));
    expect(Buffer.from(parts).equals(Buffer.from(packed))).toBe(true);
    const dst = new Uint8Array(6 * 6 * 8);
    copyBox(bytes, shape, [1, 2], [3, 4], dst, [6, 6], [2, 1], 8);
    const d = new Float64Array(dst.buffer);
    expect(d[2 * 6 + 1]).toBe(9);
    expect(d[4 * 6 + 4]).toBe(3 * 7 + 5);
  });
});
