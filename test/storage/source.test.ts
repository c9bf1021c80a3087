// fromSource: a box reader becomes a lazy array; a compute reads only the source chunks it touches.
import { describe, expect, it } from 'vitest';
import { DenseArray, fromArray, fromSource } from '../../src/index.js';

/** A 2-d source whose element (i, j) is i * 1000 + j, counting the boxes read. */
function counting(shape: [number, number], chunks: [number, number]) {
  const reads: string[] = [];
  const x = fromSource({
    shape,
    chunks,
    read: ({ lo, hi, shape: s }) => {
      reads.push(`${lo}:${hi}`);
      const out = new Float64Array(s[0]! * s[1]!);
      for (let i = 0; i < s[0]!; i++) for (let j = 0; j < s[1]!; j++) out[i * s[1]! + j] = (lo[0]! + i) * 1000 + (lo[1]! + j);
      return out;
    },
  });
  return { x, reads };
}

const naive = (i0: number, i1: number, j0: number, j1: number): number => {
  let s = 0;
  for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) s += i * 1000 + j;
  return s;
};

describe('fromSource', () => {
  it('reads nothing until a compute, then every chunk once for the whole array', async () => {
    const { x, reads } = counting([30, 20], [10, 10]);
    expect(reads).toHaveLength(0);
    expect(x.chunks).toEqual([[10, 10, 10], [10, 10]]);
    const sum = await x.sum().compute();
    expect(sum).toBe(naive(0, 30, 0, 20));
    expect(reads.sort()).toEqual(['0,0:10,10', '0,10:10,20', '10,0:20,10', '10,10:20,20', '20,0:30,10', '20,10:30,20']);
  });

  it('a slice reads only the chunks it touches', async () => {
    const { x, reads } = counting([30, 20], [10, 10]);
    const v = (await x.get('12:18, 3:7').compute()) as DenseArray;
    expect(v.shape).toEqual([6, 4]);
    expect(v.data[0]).toBe(12003);
    expect(v.data[23]).toBe(17006);
    expect(reads).toEqual(['10,0:20,10']);
    reads.length = 0;
    expect(await x.get('0:5, :').mean().compute()).toBe(naive(0, 5, 0, 20) / 100);
    expect(reads.sort()).toEqual(['0,0:10,10', '0,10:10,20']);
    reads.length = 0;
    // a transpose, a broadcast and a reduction over the slice
    const t = (await x.T.get('15:20, 25:').sum({ axis: 1 }).compute()) as DenseArray;
    expect(Array.from(t.data)).toEqual([15, 16, 17, 18, 19].map((j) => naive(25, 30, j, j + 1)));
    expect(reads).toEqual(['20,10:30,20']);
  });

  it('computeBlock and iterChunks read one chunk per block', async () => {
    const { x, reads } = counting([30, 20], [10, 10]);
    const b = await x.add(1).computeBlock([2, 1]);
    expect(b.data[0]).toBe(20010 + 1);
    expect(reads).toEqual(['20,10:30,20']);
    reads.length = 0;
    let n = 0;
    for await (const c of x.iterChunks()) {
      n++;
      expect(c.data.data[0]).toBe(c.offset[0]! * 1000 + c.offset[1]!);
    }
    expect(n).toBe(6);
    expect(reads).toHaveLength(6);
  });

  it('each consumer reads its own box: a block of x.add(x.T) reads chunks (i, j) and (j, i), not their bounding box', async () => {
    const { x, reads } = counting([30, 30], [10, 10]);
    const b = await x.add(x.T).computeBlock([0, 2]);
    expect(reads.sort()).toEqual(['0,20:10,30', '20,0:30,10']);
    expect(b.data[0]).toBe(20 + 20000);
  });

  it('async reads, float32 and bool, persist', async () => {
    const f = fromSource({ shape: [5], dtype: 'float32', chunks: 2, read: async ({ lo, shape }) => Float32Array.from({ length: shape[0]! }, (_, i) => (lo[0]! + i) / 3) });
    const v = (await f.compute()) as DenseArray;
    expect(Array.from(v.data)).toEqual(Array.from(Float32Array.from([0, 1, 2, 3, 4], (i) => i / 3)));
    const b = fromSource({ shape: [4], dtype: 'bool', read: ({ lo, shape }) => Array.from({ length: shape[0]! }, (_, i) => (lo[0]! + i) % 2) });
    expect(Array.from(((await b.compute()) as DenseArray).data)).toEqual([0, 1, 0, 1]);
    const p = await f.mul(2).persist();
    expect(await p.sum().compute()).toBeCloseTo((0 + 1 + 2 + 3 + 4) * 2 / 3, 5);
    p.dispose();
  });

  it('a slice of 1-byte (bool) memory reads the right elements (the lent-memory snapshot trims by the dtype\'s size)', async () => {
    const u = new Uint8Array(1000).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const want = Array.from(u.subarray(100, 110));
    const a = (await fromArray(u, { dtype: 'bool' }).get('100:110').compute()) as DenseArray;
    expect(Array.from(a.data)).toEqual(want);
    const s = (await fromSource({ shape: [1000], dtype: 'bool', chunks: 1000, read: () => u }).get('100:110').compute()) as DenseArray;
    expect(Array.from(s.data)).toEqual(want);
    const f = new Float32Array(1000).map((_, i) => i);
    expect(Array.from(((await fromArray(f).get('500:503').compute()) as DenseArray).data)).toEqual([500, 501, 502]);
  });

  it('storage arrays under take and mask (issue 15 stages) read their chunks and compute like memory', async () => {
    const { x } = counting([30, 20], [10, 10]);
    const mem = fromArray(Float64Array.from({ length: 600 }, (_, k) => Math.floor(k / 20) * 1000 + (k % 20)), { shape: [30, 20], chunks: [10, 10] });
    const bits = (v: unknown): string => (typeof v === 'number' ? String(v) : Buffer.from((v as DenseArray).data.buffer).toString('hex'));
    expect(bits(await x.take([25, 3, 3], { axis: 0 }).sum({ axis: 1 }).compute())).toBe(bits(await mem.take([25, 3, 3], { axis: 0 }).sum({ axis: 1 }).compute()));
    // (1-d: reshaping a storage array across axes is refused, as for fromDelayed arrays — persist() first)
    const r = x.get(':, 3');
    const rm = mem.get(':, 3');
    expect(bits(await r.mask(r.gt(15000)).sum().compute())).toBe(bits(await rm.mask(rm.gt(15000)).sum().compute()));
  });

  it('a reshape that splits an axis reads every source chunk its rows need (fuzz15)', async () => {
    // two output axes walk source axis 0: the box was the last axis' range only ([0, 4) for both
    // rows of x.reshape([2, 4]) over chunks [4, 4]: a plan-check error, or wrong values when the
    // chunks made the short box cover the buffer's length)
    const { x, reads } = counting([8, 3], [4, 3]);
    const want = Array.from({ length: 24 }, (_, f) => Math.floor(f / 3) * 1000 + (f % 3));
    expect(Array.from(((await x.reshape([2, 4, 3]).compute()) as DenseArray).data)).toEqual(want);
    expect(reads.sort()).toEqual(['0,0:4,3', '4,0:8,3']);
    expect(Array.from(((await x.reshape([4, 2, 3]).get('1:3, 1, :').compute()) as DenseArray).data)).toEqual([3000, 3001, 3002, 5000, 5001, 5002]);
    expect(await x.reshape([2, 2, 2, 3]).sum({ axis: [0, 2] }).sum().compute()).toBe(naive(0, 8, 0, 3));
    const odd = fromSource({ shape: [8], chunks: [[3, 1, 4]], read: ({ lo, hi }) => Float64Array.from({ length: hi[0]! - lo[0]! }, (_, i) => lo[0]! + i) });
    expect(Array.from(((await odd.reshape([4, 2]).get(':, 1').compute()) as DenseArray).data)).toEqual([1, 3, 5, 7]);
  });

  it('int64/uint64 sources may return numbers: integers convert exactly, a fraction is a TypeError naming the box (fuzz15)', async () => {
    const of = (dtype: 'int64' | 'uint64', v: ArrayLike<unknown>) => fromSource({ shape: [3], dtype, chunks: [[2, 1]], read: ({ lo, hi }) => Array.prototype.slice.call(v, lo[0], hi[0]) as number[] });
    expect([...(((await of('int64', [1, -2, 2 ** 53]).compute()) as DenseArray).data as BigInt64Array)]).toEqual([1n, -2n, 2n ** 53n]);
    expect([...(((await of('uint64', new Float64Array([0, 7, 9])).compute()) as DenseArray).data as BigUint64Array)]).toEqual([0n, 7n, 9n]);
    expect(await of('int64', [1n, 2n, 3n] as never).sum().compute()).toBe(6n);
    await expect(of('int64', [1, 2.5, 3]).compute()).rejects.toThrow(/fromSource: read\(\[0\]\.\.\[2\]\) returned 2\.5 at element 1; an int64 source takes integers/);
  });

  it('toPlan() of a storage array says it is local-only', () => {
    const { x } = counting([10, 10], [5, 5]);
    expect(() => x.sum().toPlan()).toThrow(/a storage array \(fromZarr, fromNpy, fromSource, a spilled persist\(\)\) is read by local computes only/);
  });

  it('bad input: wrong element count, bad spec, errors from read', async () => {
    expect(() => fromSource({ shape: [4], read: 5 as never })).toThrow(/spec.read must be a function/);
    expect(() => fromSource({ read: () => [] } as never)).toThrow(/spec.shape is required/);
    expect(fromSource({ shape: [4], dtype: 'int32', read: () => [] }).dtype).toBe('int32');
    expect(() => fromSource({ shape: [4], dtype: 'object' as never, read: () => [] })).toThrow(/not supported/);
    const short = fromSource({ shape: [4], read: () => [1, 2] });
    await expect(short.compute()).rejects.toThrow(/returned 2 elements; the box \[4\] has 4/);
    const failing = fromSource({ shape: [4], read: () => { throw new Error('disk on fire'); } });
    await expect(failing.sum().compute()).rejects.toThrow(/disk on fire/);
  });
});
