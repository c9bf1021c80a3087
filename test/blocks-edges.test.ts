// Block functions: dtypes, dimensions, empty arrays, async functions, computeBlock/iterChunks
// and later expressions over a block result.
import { describe, expect, it } from 'vitest';
import { delayed, fromArray, mapBlocks, mapOverlap, random, reduction, DenseArray, type NDArray } from '../src/index.js';

const fns = new URL('./fixtures/blocks/fns.mjs', import.meta.url);
const fn = (name: string) => delayed.module(fns, name);
const values = async (x: NDArray): Promise<number[]> => {
  const v = await x.compute();
  // as numbers whatever the dtype (arange of integers is int64: bigint elements)
  return v instanceof DenseArray ? Array.from(v.data as ArrayLike<number>, Number) : [Number(v)];
};

describe('block functions: edges', () => {
  it('an input computed from a mask (known shape, e.g. its reduction) is computed locally as on a cluster', async () => {
    // found by scripts/fuzz/determinism (seed 14): the blocks' inputs were lowered without the
    // masks counted first, a RangeError 'compute: this array has unknown chunk sizes' locally
    const x = fromArray(Float64Array.of(1, -2, 3, 4), { chunks: [2] });
    const v = x.mask(x.gt(0)).var({ axis: 0, keepdims: true }); // shape [1], chunks [[1]]
    expect(await values(mapOverlap(fn('smooth'), v, { depth: { 0: 1 }, boundary: 'reflect' }))).toEqual(await values(v)); // smooth of one element: itself
    expect(await values(mapBlocks(fn('identity'), x.mask(x.gt(0)).sum({ keepdims: true }).add(x.get('0:1'))))).toEqual([9]);
  });

  it('float32 and bool blocks arrive as Float32Array / Uint8Array; 1-d and 3-d', async () => {
    const f = random.random([6], { seed: 1, chunks: 4, dtype: 'float32' });
    const got = await values(mapBlocks(fn('describeBlock'), f));
    expect(got.slice(0, 3)).toEqual([4, 1, 4]);
    expect(got.slice(4, 6)).toEqual([4, 1]);
    const b = random.random([5], { seed: 2, chunks: 5 }).gt(0.5);
    expect((await values(mapBlocks(fn('describeBlock'), b, { dtype: 'float64' }))).slice(0, 3)).toEqual([1, 1, 5]);
    const c = random.random([4, 3, 5], { seed: 3, chunks: [2, 3, 2] });
    const d = await values(mapBlocks(fn('describeBlock'), c));
    // block (0, 0, 0) is 2 × 3 × 2: its first five elements, row-major in the block, sit at 0, 1, 5, 6, 10
    expect([0, 1, 5, 6, 10].map((i) => d[i])).toEqual([8, 3, 2, 3, 2]);
    expect(await values(mapBlocks(fn('identity'), c.mul(3)))).toEqual((await values(c)).map((v) => v * 3));
  });

  it('async module functions, an empty array', async () => {
    const x = fromArray([1, 2, 3, 4, 5], { chunks: 2 });
    expect(await values(mapBlocks(fn('plusOneLater'), x))).toEqual([2, 3, 4, 5, 6]);
    const e = random.random([0, 3], { seed: 1 });
    const r = mapBlocks(fn('identity'), e);
    expect(r.shape).toEqual([0, 3]);
    expect(await values(r)).toEqual([]);
  });

  it('a block result is an array like any other: expressions, computeBlock, iterChunks, persist', async () => {
    const x = random.random([10, 4], { seed: 4, chunks: [3, 4] });
    const r = mapBlocks(fn('identity'), x);
    const X = await values(x);
    expect(await values(r.add(1).sum({ axis: 1 }))).toEqual(await values(x.add(1).sum({ axis: 1 })));
    const blk = await r.computeBlock([1, 0]);
    expect(Array.from(blk.data)).toEqual(X.slice(12, 24));
    let n = 0;
    for await (const c of r.iterChunks()) n += c.data.shape[0]!;
    expect(n).toBe(10);
    const p = await r.persist();
    expect(await values(p)).toEqual(X);
    p.dispose();
  });

  it('an AbortSignal stops a block job: the compute rejects long before its calls would end', async () => {
    const x = random.random([200], { seed: 6, chunks: 1 }); // 200 blocks × 20 ms ≈ 2 s on two workers
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new Error('stop now')), 100);
    await expect(mapBlocks(fn('sleepy'), x).compute({ signal: ac.signal })).rejects.toThrow(/stop now|cancelled/);
    expect(Date.now() - t0).toBeLessThan(1500);
    // an inline closure: checked between calls
    const ac2 = new AbortController();
    let calls = 0;
    const closure = mapBlocks(() => {
      if (++calls === 3) ac2.abort(new Error('from the closure'));
      return [0];
    }, x, { chunks: [1] });
    await expect(closure.compute({ signal: ac2.signal })).rejects.toThrow(/from the closure/);
    expect(calls).toBe(3);
  });

  it('mapOverlap with { axis: depth }, reduction keepdims over two axes', async () => {
    const x = random.random([8, 9], { seed: 5, chunks: [4, 3] });
    const o = mapOverlap(fn('identity'), x, { depth: { 1: 1 }, boundary: { 1: 'nearest' } });
    expect(await values(o)).toEqual(await values(x));
    const r = reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), axis: [0, 1], keepdims: true });
    expect(r.shape).toEqual([1, 1]);
    const [v] = await values(r);
    expect(v).toBeCloseTo((await x.sum().compute()) as number, 12);
  });
});
