// Axis reductions and var/std on the cluster (in-process MemoryBus): each chunk is its own task
// returning raw partials (sink.partials), combined by the scheduler exactly as the engine's
// finishStage does, so results are bit-identical to a local compute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random, fromArray, DenseArray, type NDArray } from '../src/index.js';
import type { MemoryBus } from '../src/distributed/transport.js';
import type { Scheduler } from '../src/distributed/scheduler.js';
import type { Worker } from '../src/distributed/worker.js';
import { Client } from '../src/distributed/client.js';
import { bareStage, busCluster, type BusCluster } from './helpers/distributed.js';
import { ReduceCode } from '../src/native.js';
import { MAX_SCHEDULER_PARTIAL_BYTES, splitMode } from '../src/plan/split.js';
import { combineChunkPartials } from '../src/plan/partials.js';

type Value = number | DenseArray;

function bytesOf(d: DenseArray): Uint8Array {
  return new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength);
}

function expectSame(remote: unknown, local: unknown, label: string): void {
  if (!(local instanceof DenseArray)) {
    expect(typeof remote, label).toBe(typeof local);
    expect(Object.is(remote, local), `${label}: ${String(remote)} vs ${local}`).toBe(true);
    return;
  }
  const l = local as DenseArray;
  const r = remote as DenseArray;
  expect(r).toBeInstanceOf(DenseArray);
  expect(r.shape, label).toEqual(l.shape);
  expect(r.dtype, label).toBe(l.dtype);
  const rb = bytesOf(r);
  const lb = bytesOf(l);
  expect(rb.byteLength, label).toBe(lb.byteLength);
  let firstDiff = -1;
  for (let i = 0; i < lb.length && firstDiff < 0; i++) if (rb[i] !== lb[i]) firstDiff = i;
  expect(firstDiff, `${label}: first differing byte`).toBe(-1);
}

type Op = 'sum' | 'prod' | 'min' | 'max' | 'mean' | 'var' | 'std' | 'nansum' | 'nanprod' | 'nanmean' | 'nanvar' | 'nanstd' | 'nanmin' | 'nanmax' | 'any' | 'all' | 'countNonzero' | 'ptp' | 'argmin' | 'argmax';
const OPS: Op[] = ['sum', 'prod', 'min', 'max', 'mean', 'var', 'std'];

function reduceBy(x: NDArray<unknown>, op: Op, axis: number | number[] | undefined, ddof?: number): NDArray<Value> {
  const opts: Record<string, unknown> = {};
  if (axis !== undefined) opts.axis = axis;
  if (ddof !== undefined) opts.ddof = ddof;
  return (x as unknown as Record<Op, (o: unknown) => NDArray<Value>>)[op](opts);
}

describe('distributed reductions per chunk (in-process bus)', () => {
  let cluster: BusCluster;
  let bus: MemoryBus;
  let scheduler: Scheduler;
  let workers: Worker[];
  let client: Client;
  const totals: number[] = [];
  const started = new Map<string, Set<string>>();

  beforeAll(async () => {
    cluster = await busCluster(['a', 'b'], 200);
    ({ bus, scheduler, workers, client } = cluster);
    scheduler.events.on('compute-start', (e) => totals.push(e.total));
    scheduler.events.on('task-start', (e) => {
      if (!started.has(e.compute)) started.set(e.compute, new Set());
      started.get(e.compute)!.add(e.task);
    });
  });
  afterAll(() => cluster?.close());

  async function check(x: NDArray<Value>, label: string): Promise<void> {
    const local = await x.compute();
    const remote = await client.compute(x);
    expectSame(remote, local, label);
  }

  it('3-d random: every reduction over axis 0, 1, 2, [0, 2] and all axes, irregular chunks', async () => {
    const x = random.random([40, 30, 21], { seed: 11, chunks: [16, 12, 8] }).mul(2).add(0.5);
    for (const op of OPS) {
      for (const axis of [0, 1, 2, [0, 2], [1, 2], undefined] as (number | number[] | undefined)[]) {
        await check(reduceBy(x, op, axis), `${op} axis ${JSON.stringify(axis)}`);
        if (op === 'var' || op === 'std') await check(reduceBy(x, op, axis, 1), `${op} axis ${JSON.stringify(axis)} ddof 1`);
      }
    }
  });

  it('these stages run as one task per chunk, spread over workers', async () => {
    // chunks of >= 64 Ki elements: one task message each (smaller ones are batched)
    const x = random.random([600, 500], { seed: 5, chunks: [300, 250] });
    for (const r of [x.var({ axis: 0 }), x.sum({ axis: 1 }), x.std({ ddof: 1 })]) {
      const before = totals.length;
      const computesBefore = new Set(started.keys());
      await check(r as NDArray<Value>, 'task count');
      expect(totals.slice(before)).toEqual([4]); // 2 x 2 chunks, not 1 ('whole')
      const ids = [...started.keys()].filter((c) => !computesBefore.has(c));
      expect(ids.length).toBe(1);
      expect(started.get(ids[0]!)!.size).toBe(4);
    }
  });

  it('nan-reductions, any/all, countNonzero, ptp with NaN data: as computed locally', async () => {
    const n = 31 * 19;
    const data = Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : i % 11 === 0 ? 0 : Math.sin(i) * 0.01 + 1));  // near 1: prod partials stay in range (see report)
    const x = fromArray(data, { shape: [31, 19], chunks: [[10, 1, 20], [7, 12]] });
    const ops: Op[] = ['nansum', 'nanprod', 'nanmean', 'nanvar', 'nanstd', 'nanmin', 'nanmax', 'any', 'all', 'countNonzero', 'ptp', 'argmin', 'argmax'];
    for (const op of ops) {
      for (const axis of [0, 1, undefined] as (number | undefined)[]) {
        await check(reduceBy(x, op, axis), `${op} axis ${JSON.stringify(axis)}`);
      }
    }
  });

  it('float32 inputs and outputs (irregular chunks)', async () => {
    const n = 23 * 17 * 5;
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 7));
    const x = fromArray(data, { shape: [23, 17, 5], chunks: [[5, 13, 5], [7, 9, 1], [2, 3]] });
    for (const op of OPS) {
      for (const axis of [0, 1, [0, 2], undefined] as (number | number[] | undefined)[]) {
        await check(reduceBy(x, op, axis), `f32 ${op} axis ${JSON.stringify(axis)}`);
      }
    }
    await check(x.var({ axis: [0, 1], ddof: 2 }), 'f32 var ddof 2');
  });

  it('transposed inputs, including tile-sensitive boxes (kept axis chunked by 1)', async () => {
    const a = Float64Array.from({ length: 150 * 90 }, (_, i) => Math.cos(i * 0.011) * 1e3 + i * 1e-3);
    const x = fromArray(a, { shape: [150, 90], chunks: [[64, 70, 16], [40, 50]] });
    for (const op of OPS) {
      await check(reduceBy(x.T, op, 0), `T ${op} axis 0`);
      await check(reduceBy(x.T, op, 1), `T ${op} axis 1`);
      await check(reduceBy(x.T, op, undefined), `T ${op} all`);
    }
    // [3, 130, 100] stored; reading [3, 100, 130] transposed on the last two axes, reducing them
    // with axis 0 in chunks of 1: every task box has one output element and is tiled
    const b = Float64Array.from({ length: 3 * 130 * 100 }, (_, i) => Math.sin(i * 0.013) * 10 + (i % 11) * 0.1);
    const y = fromArray(b, { shape: [3, 130, 100], chunks: [1, 130, 100] }).transpose([0, 2, 1]);
    for (const op of OPS) await check(reduceBy(y, op, [1, 2]), `tiled ${op}`);
    await check(y.var({ axis: [1, 2], ddof: 1 }), 'tiled var ddof 1');
    const z = fromArray(b, { shape: [3, 130, 100], chunks: [1, 70, 60] }).transpose([0, 2, 1]);
    for (const op of OPS) await check(reduceBy(z, op, [1, 2]), `tiled split ${op}`);
  });

  it('NaN-containing data: min/max propagate NaN as locally', async () => {
    const a = Float64Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i));
    a[5] = NaN;
    a[30 * 17 + 29] = NaN;
    a[30 * 39 + 3] = NaN;
    const x = fromArray(a, { shape: [40, 30], chunks: [9, 7] });
    for (const op of ['min', 'max', 'sum', 'var'] as Op[]) {
      for (const axis of [0, 1, undefined] as (number | undefined)[]) await check(reduceBy(x, op, axis), `nan ${op} axis ${axis}`);
    }
    const r = (await client.compute(x.min({ axis: 0 }))) as DenseArray;
    expect(Number.isNaN(r.data[5])).toBe(true);
    expect(Number.isNaN(r.data[3])).toBe(true);
    expect(Number.isNaN(r.data[4])).toBe(false);
  });

  it('values agree with a naive reference (axis sum, var)', async () => {
    const rows = 500;
    const cols = 37;
    const a = Float64Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 1000) / 7 - 50);
    const x = fromArray(a, { shape: [rows, cols], chunks: [64, 10] });
    const s = (await client.compute(x.sum({ axis: 0 }))) as DenseArray;
    const v = (await client.compute(x.var({ axis: 0, ddof: 1 }))) as DenseArray;
    const m = (await client.compute(x.mean({ axis: 1 }))) as DenseArray;
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += a[i * cols + j]!;
      const mean = sum / rows;
      let m2 = 0;
      for (let i = 0; i < rows; i++) m2 += (a[i * cols + j]! - mean) ** 2;
      expect(Math.abs(s.data[j]! - sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(sum)));
      expect(Math.abs(v.data[j]! - m2 / (rows - 1)) / (m2 / (rows - 1))).toBeLessThan(1e-12);
    }
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += a[i * cols + j]!;
      expect(Math.abs(m.data[i]! - sum / cols)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(sum / cols)));
    }
    const full = (await client.compute(x.var())) as number;
    let sum = 0;
    for (const e of a) sum += e;
    let m2 = 0;
    for (const e of a) m2 += (e - sum / a.length) ** 2;
    expect(Math.abs(full - m2 / a.length) / (m2 / a.length)).toBeLessThan(1e-12);
  });
});

describe('protocol: reduction splitting (pure)', () => {
  const stage = bareStage;

  it('splitMode: chunks for every reduction, whole for degenerate or huge partials', () => {
    expect(splitMode(stage([10, 10], [[5, 5], [5, 5]], ReduceCode.Var, [1, 0]))).toBe('chunks');
    expect(splitMode(stage([10, 10], [[5, 5], [5, 5]], ReduceCode.Sum, [0, 1]))).toBe('chunks');
    expect(splitMode(stage([10, 10], [[10], [10]], ReduceCode.Sum, [0, 1]))).toBe('whole');
    expect(splitMode(stage([10, 0], [[5, 5], [0]], ReduceCode.Sum, [0, 1]))).toBe('whole');
    // 2^22 kept outputs x 4 chunks along the reduced axis x 4 planes x 8 bytes > 256 MiB (x 1 plane: <)
    const big = stage([2 ** 22, 8], [[2 ** 21, 2 ** 21], [2, 2, 2, 2]], ReduceCode.Var, [0, 1]);
    expect(2 ** 22 * 4 * 4 * 8).toBeGreaterThan(MAX_SCHEDULER_PARTIAL_BYTES);
    expect(2 ** 22 * 4 * 1 * 8).toBeLessThan(MAX_SCHEDULER_PARTIAL_BYTES);
    expect(splitMode(big)).toBe('whole');
    expect(splitMode({ ...big, sink: { ...big.sink, reduce: ReduceCode.Sum } })).toBe('chunks');
    // one-plane partials split; the nan-reductions carrying a count, and ptp, run whole
    for (const r of [ReduceCode.NanSum, ReduceCode.NanProd, ReduceCode.Any, ReduceCode.All, ReduceCode.CountNonzero]) {
      expect(splitMode(stage([10, 10], [[5, 5], [5, 5]], r, [1, 0]))).toBe('chunks');
    }
    for (const r of [ReduceCode.NanMean, ReduceCode.NanVar, ReduceCode.NanStd, ReduceCode.NanMin, ReduceCode.NanMax, ReduceCode.Ptp, ReduceCode.ArgMin, ReduceCode.ArgMax]) {
      expect(splitMode(stage([10, 10], [[5, 5], [5, 5]], r, [1, 0]))).toBe('whole');
    }
  });

  it('combineChunkPartials: tree order, Chan combine, finalize, float32 and sink strides', () => {
    // shape [2, 3] reduced over axis 1 with chunks [[1, 1], [1, 2]]: tasks (0,0) (0,1) (1,0) (1,1)
    const f = (...v: number[]): Uint8Array => new Uint8Array(Float64Array.from(v).buffer);
    const st = stage([2, 3], [[1, 1], [1, 2]], ReduceCode.Mean, [0, 1]);
    st.sink.strides = [2, 0];
    st.sink.offset = 1;
    const out = new Uint8Array(8 * 4);
    combineChunkPartials(st, [f(1), f(5), f(2), f(4)], out);
    expect([...new Float64Array(out.buffer)]).toEqual([0, 2, 0, 2]);
    // var: partials (count, mean, M2, meanLo) per chunk; combining (1, 1, 0, 0) with (2, 4, 2, 0)
    const sv = stage([1, 3], [[1], [1, 2]], ReduceCode.Var, [0, 1]);
    const o = new Uint8Array(8);
    combineChunkPartials(sv, [f(1, 1, 0, 0), f(2, 4, 2, 0)], o);
    // values 1, 3, 5: var = 8/3
    expect(new Float64Array(o.buffer)[0]).toBe(8 / 3);
    // float32 output
    const s32 = stage([1, 2], [[1], [1, 1]], ReduceCode.Sum, [0, 1]);
    s32.sink.dtype = 1;
    const o32 = new Uint8Array(4);
    combineChunkPartials(s32, [f(0.1), f(0.2)], o32);
    expect(new Float32Array(o32.buffer)[0]).toBe(Math.fround(0.1 + 0.2));
    // full reductions: the engine's recursive halves (split at lo + floor((hi - lo) / 2))
    const parts = [3.5, -1, 1e16, 7, 1, -1e16, 0.25];
    const tree = (lo: number, hi: number): number => (hi - lo === 1 ? parts[lo]! : tree(lo, lo + Math.floor((hi - lo) / 2)) + tree(lo + Math.floor((hi - lo) / 2), hi));
    const sf = stage([7], [[1, 1, 1, 1, 1, 1, 1]], ReduceCode.Sum, [1]);
    const of = new Uint8Array(8);
    combineChunkPartials(sf, parts.map((p) => f(p)), of);
    expect(Object.is(new Float64Array(of.buffer)[0], tree(0, 7))).toBe(true);
    // sum and mean of three chunk partials
    const s3 = stage([3], [[1, 1, 1]], ReduceCode.Sum, [1]);
    const o3 = new Uint8Array(8);
    combineChunkPartials(s3, [f(1), f(2), f(3)], o3);
    expect(new Float64Array(o3.buffer)[0]).toBe(6);
    const m3 = stage([3], [[1, 1, 1]], ReduceCode.Mean, [1]);
    combineChunkPartials(m3, [f(1), f(2), f(3)], o3);
    expect(new Float64Array(o3.buffer)[0]).toBe(2);
  });
});
