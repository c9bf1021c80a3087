// User functions per block (issue 16 item 3): mapBlocks / blockwise / mapOverlap / reduction with
// delayed.module functions on worker threads (test/fixtures/blocks/fns.mjs), against naive loops
// and Dask's map_overlap (scripts/fixtures/dask_overlap.py → test/fixtures/numpy/overlap.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockwise, delayed, fromArray, mapBlocks, mapOverlap, random, reduction, type Boundary, DenseArray, type NDArray } from '../src/index.js';
import { ensureMinimumChunksize } from '../src/array/blocks/overlap.js';

const fns = new URL('./fixtures/blocks/fns.mjs', import.meta.url);
const fn = (name: string) => delayed.module(fns, name);
const values = async (x: NDArray): Promise<number[]> => {
  const v = await x.compute();
  // as numbers whatever the dtype (arange of integers is int64: bigint elements)
  return v instanceof DenseArray ? Array.from(v.data as ArrayLike<number>, Number) : [Number(v)];
};

describe('mapBlocks with module functions (worker threads)', () => {
  it('matches a naive loop over a lazy expression, two arrays, irregular chunks', async () => {
    const a = random.random([9, 7], { seed: 1, chunks: [[4, 3, 2], [5, 2]] });
    const b = random.random([9, 7], { seed: 2, chunks: [[4, 3, 2], [5, 2]] });
    const r = mapBlocks(fn('affine'), a.exp(), b);
    expect(r.chunks).toEqual([[4, 3, 2], [5, 2]]);
    const got = await values(r);
    const A = await values(a.exp());
    const B = await values(b);
    const rowBlock = (i: number) => (i < 4 ? 0 : i < 7 ? 1 : 2);
    for (let i = 0; i < 9; i++) for (let j = 0; j < 7; j++) expect(got[i * 7 + j]).toBe(2 * A[i * 7 + j]! + B[i * 7 + j]! + rowBlock(i));
  });

  it('blocks reach the worker as views of a SharedArrayBuffer, with Dask block_info', async () => {
    const x = random.random([10, 12], { seed: 3, chunks: [4, 5] });
    const got = await values(mapBlocks(fn('probe'), x));
    // block (1, 2): rows 4..8, cols 10..12 → its first element is at (4, 10)
    const first = got[4 * 12 + 10]!;
    const facts = [got[4 * 12 + 10], got[4 * 12 + 11], got[5 * 12 + 10], got[5 * 12 + 11], got[6 * 12 + 10], got[6 * 12 + 11], got[7 * 12 + 10], got[7 * 12 + 11]];
    expect(first).toBe(1); // x.data.buffer instanceof SharedArrayBuffer
    expect(facts[1]).toBe(1); // on a worker thread
    expect(Number.isInteger(facts[2])).toBe(true); // an element offset into the shared buffer
    expect(facts.slice(3)).toEqual([1, 2, 4, 8, 10]); // chunkLocation [1, 2], arrayLocation [[4, 8], [10, 12]] …
    // block (0, 0) is 4 × 5: the whole record fits (…, chunkShape [4, 5], numChunks [3, 3], shape [10, 12])
    const b00 = [0, 1, 2, 3, 4, 12, 13, 14, 15, 16, 24, 25, 26, 27, 28].map((i) => got[i]);
    expect(b00.slice(3)).toEqual([0, 0, 0, 4, 0, 5, 4, 5, 3, 3, 10, 12]);
    // every block reports being shared and on a worker
    for (const [r0, c0] of [[0, 0], [0, 5], [8, 0], [4, 5]]) {
      expect(got[r0! * 12 + c0!]).toBe(1);
    }
  });

  it('a function may write its (shared) input block in place and return it', async () => {
    const x = random.random([6, 6], { seed: 4, chunks: 3 });
    const got = await values(mapBlocks(fn('doubleInPlace'), x.mul(1)));
    const want = await values(x);
    expect(got).toEqual(want.map((v) => 2 * v));
  });

  it('dropAxis passes that axis whole; newAxis adds one', async () => {
    const a = fromArray([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { chunks: [2, 2] });
    const s = mapBlocks(fn('rowSums'), a, { dropAxis: 1 });
    expect(s.shape).toEqual([4]);
    expect(await values(s)).toEqual([6, 15, 24, 33]);
    const n = mapBlocks(fn('identity'), a, { newAxis: 0, dtype: 'float32' });
    expect(n.shape).toEqual([1, 4, 3]);
    expect(n.dtype).toBe('float32');
    expect(await values(n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await values(a.mapBlocks(fn('identity')))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('misaligned chunks are unified (common refinement)', async () => {
    const a = random.random([8], { seed: 5, chunks: [[3, 5]] });
    const b = random.random([8], { seed: 6, chunks: [[5, 3]] });
    const r = mapBlocks((x: DenseArray, y: DenseArray) => x.data.map((v, i) => v - y.data[i]!), a, b);
    expect(r.chunks).toEqual([[3, 2, 3]]);
    const A = await values(a);
    const B = await values(b);
    expect(await values(r)).toEqual(A.map((v, i) => v - B[i]!));
  });

  it('errors: wrong result length, a throwing function, a bad fn', async () => {
    const x = random.random([4, 4], { seed: 1, chunks: 2 });
    await expect(mapBlocks(fn('wrongLength'), x).compute()).rejects.toThrow(/expected 4 values/);
    await expect(mapBlocks(fn('throws'), x).compute()).rejects.toThrow(/boom at/);
    await expect(mapBlocks(fn('nope'), x).compute()).rejects.toThrow(/no exported function "nope"/);
    expect(() => mapBlocks('x' as never, x)).toThrow(TypeError);
    expect(() => mapBlocks(fn('identity'), x, { dtype: 'int8' as never })).toThrow(/dtype/);
  });

  it('module functions with { worker: false } and inline closures run on the main thread', async () => {
    const x = random.random([5, 4], { seed: 7, chunks: 2 });
    const viaMain = await values(mapBlocks(delayed.module(fns, 'probe', { worker: false }), x));
    expect(viaMain[0]).toBe(1); // still a shared view
    expect(viaMain[1]).toBe(0); // main thread
  });
});

describe('blockwise', () => {
  it("'ik' from 'ij', 'jk' with concatenate: a blocked matrix product", async () => {
    const a = random.random([7, 6], { seed: 8, chunks: [3, 4] });
    const b = random.random([6, 5], { seed: 9, chunks: [2, 3] });
    const r = blockwise(fn('matmul'), 'ik', a, 'ij', b, 'jk', { concatenate: true });
    expect(r.shape).toEqual([7, 5]);
    expect(r.chunks).toEqual([[3, 3, 1], [3, 2]]);
    const got = await values(r);
    const A = await values(a);
    const B = await values(b);
    for (let i = 0; i < 7; i++) {
      for (let k = 0; k < 5; k++) {
        let s = 0;
        for (let j = 0; j < 6; j++) s += A[i * 6 + j]! * B[j * 5 + k]!;
        expect(got[i * 5 + k]).toBeCloseTo(s, 12);
      }
    }
  });

  it('without concatenate a contracted index gives a list of blocks', async () => {
    const a = random.random([6, 8], { seed: 10, chunks: [2, 3] });
    const r = blockwise(fn('rowSumsList'), 'i', a, 'ij');
    const A = await values(a);
    const got = await values(r);
    for (let i = 0; i < 6; i++) expect(got[i]).toBeCloseTo(A.slice(i * 8, i * 8 + 8).reduce((p, q) => p + q, 0), 12);
  });

  it('newAxes and errors', async () => {
    const a = fromArray([1, 2, 3], { chunks: 2 });
    const r = blockwise((x: DenseArray) => [...x.data, ...x.data], 'ik', a, 'i', { newAxes: { k: 2 } });
    expect(r.shape).toEqual([3, 2]);
    // a block of x.data [1, 2] becomes the (2, 2) block [[1, 2], [1, 2]] row-major
    expect(await values(r)).toEqual([1, 2, 1, 2, 3, 3]);
    expect(() => blockwise(fn('identity'), 'ik', a, 'i')).toThrow(/newAxes/);
    expect(() => blockwise(fn('identity'), 'i', a, 'ij')).toThrow(/2|letters/);
  });
});

interface OverlapCase {
  name: string; shape: number[]; chunks: number[][]; depth: number | number[]; boundary: Boundary | Boundary[];
  x: number[]; haloChunks: number[][]; halo: number[]; smooth: number[];
}
const overlap = JSON.parse(readFileSync(new URL('./fixtures/numpy/overlap.json', import.meta.url), 'utf8')) as { cases: OverlapCase[] };

describe('integer and bool inputs of block functions (fuzz16: int32 blocks were read as bytes)', () => {
  it('each block is its dtype\'s TypedArray, on workers and inline', async () => {
    const classes = ['Float64Array', 'Float32Array', 'Int8Array', 'Int16Array', 'Int32Array', 'BigInt64Array', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'BigUint64Array'];
    const inputs: [string, ArrayLike<number | bigint>][] = [
      ['Int8Array', Int8Array.of(1, -2, 3)], ['Int16Array', Int16Array.of(-300, 2, 3)], ['Int32Array', Int32Array.of(70000, -2, 3)],
      ['BigInt64Array', BigInt64Array.of(2n ** 40n + 1n, -2n, 3n)], ['Uint16Array', Uint16Array.of(65535, 2, 3)],
      ['Uint32Array', Uint32Array.of(4e9, 2, 3)], ['BigUint64Array', BigUint64Array.of(2n ** 50n, 2n, 3n)],
    ];
    for (const [name, data] of inputs) {
      const x = fromArray(data as never, { chunks: [[1, 2]] } as never);
      expect(await values(mapBlocks(fn('dataClass'), x, { dtype: 'float64' }))).toEqual([0, 0, 0].fill(classes.indexOf(name)));
      const want = Array.from(data, (v, i) => 2 * Number(v) + (i < 1 ? 0 : 1));
      expect(await values(mapBlocks(fn('twiceAnyDType'), x, { dtype: 'float64' }))).toEqual(want);
      let seen = '';
      const inline = mapBlocks((b: DenseArray, info: { chunkLocation: number[] }) => {
        seen = b.data.constructor.name;
        return Float64Array.from(b.data as ArrayLike<number>, (v) => 2 * Number(v) + info.chunkLocation[0]!);
      }, x, { dtype: 'float64' });
      expect(await values(inline)).toEqual(want);
      expect(seen).toBe(name);
    }
    const bools = fromArray(Uint8Array.of(1, 0, 1, 1), { dtype: 'bool', chunks: [[3, 1]] } as never);
    expect(await values(mapBlocks(fn('twiceAnyDType'), bools, { dtype: 'float32' }))).toEqual([2, 0, 2, 3]);
  });

  it('mapOverlap and reduction over int32 (values as Dask: map_overlap reflect depth 1, reduction of sums)', async () => {
    const x = fromArray(Int32Array.of(1, 2, 3, 4, 5), { chunks: [[2, 3]] } as never);
    // da.from_array(np.arange(1, 6, dtype='int32'), chunks=((2, 3),)).map_overlap(lambda b: b[:-2] + b[1:-1] + b[2:] ..., depth=1, boundary='reflect')
    const sm = mapOverlap((b: DenseArray) => {
      const d = b.data as Int32Array;
      return Float64Array.from(d, (v, i) => v + (i > 0 ? d[i - 1]! : 0) + (i < d.length - 1 ? d[i + 1]! : 0));
    }, x, { depth: 1, boundary: 'reflect', dtype: 'float64' });
    expect(await values(sm)).toEqual([4, 6, 9, 12, 14]);
    expect(await values(mapOverlap(fn('twiceAnyDType'), x, { depth: 1, boundary: 'nearest', dtype: 'float64' }))).toEqual([2, 4, 7, 9, 11]);
    expect(await reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), dtype: 'float64' }).compute()).toBe(15);
    expect(() => mapBlocks(fn('identity'), x)).toThrow(/defaults to the first array's, "int32".*options.dtype/);
  });
});

describe("mapOverlap against Dask's map_overlap", () => {
  for (const c of overlap.cases) {
    it(`${c.name}: halo'd blocks and a trimmed 3-point mean`, async () => {
      const x = fromArray(Float64Array.from(c.x), { shape: c.shape, chunks: c.chunks } as never);
      const blocks = new Map<string, number[]>();
      const shapes = new Map<string, number[]>();
      const whole = mapOverlap((b: DenseArray, info) => {
        blocks.set(info.chunkLocation.join(), Array.from(b.data));
        shapes.set(info.chunkLocation.join(), [...b.shape]);
        return b.data;
      }, x, { depth: c.depth, boundary: c.boundary, trim: false });
      expect(whole.chunks).toEqual(c.haloChunks);
      await whole.compute();
      const keys = [...blocks.keys()].sort((p, q) => {
        const a = p.split(',').map(Number);
        const b = q.split(',').map(Number);
        for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
        return 0;
      });
      expect(keys.flatMap((k) => blocks.get(k)!)).toEqual(c.halo);
      const sm = mapOverlap(fn('smooth'), x, { depth: c.depth, boundary: c.boundary });
      expect(sm.chunks).toEqual(c.chunks);
      const got = await values(sm);
      got.forEach((v, i) => expect(v).toBeCloseTo(c.smooth[i]!, 12));
    });
  }

  it('asymmetric [before, after] depth with any boundary (np.pad of the widths; Dask only for none) (fuzz16)', async () => {
    const x = fromArray(Float64Array.of(0, 1, 2, 3, 4, 5), { chunks: [[3, 3]] } as never);
    // np.pad(x, (1, 2), 'symmetric') = [0, 0, 1, 2, 3, 4, 5, 5, 4]: blocks p[0:6] and p[3:9]
    const halo = mapOverlap(fn('identity'), x, { depth: [[1, 2]], boundary: 'reflect', trim: false });
    expect(halo.chunks).toEqual([[6, 6]]);
    expect(await values(halo)).toEqual([0, 0, 1, 2, 3, 4, 2, 3, 4, 5, 5, 4]);
    // periodic on axis 1 only, { axis: [before, after] }: trim keeps each block's own part
    const y = fromArray(Float64Array.from({ length: 8 }, (_, i) => i), { shape: [2, 4], chunks: [[2], [2, 2]] } as never);
    const sums = mapOverlap((b: DenseArray) => {
      const [r, c] = b.shape as [number, number];
      const out = new Float64Array(r * c);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = (b.data as Float64Array)[i * c + j]! + (j > 0 ? (b.data as Float64Array)[i * c + j - 1]! : 0);
      return out;
    }, y, { depth: { 1: [1, 0] }, boundary: { 1: 'periodic' } });
    // each element plus its left neighbour, wrapping: row 0 [0+3, 1+0, 2+1, 3+2]
    expect(await values(sums)).toEqual([3, 1, 3, 5, 11, 9, 11, 13]);
    expect(() => mapOverlap(fn('identity'), x, { depth: [[1, 2, 3]] as never })).toThrow(/before, after/);
    expect(() => mapOverlap(fn('identity'), x, { depth: [[1, 7]] })).toThrow(/larger than the array's length along it \(6\)/);
  });

  it('lazy input, method form, and the depth check', async () => {
    const x = random.random([20, 30], { seed: 11, chunks: [7, 10] });
    const got = await values(x.mul(2).mapOverlap(fn('identity'), { depth: 2, boundary: 'periodic' }));
    expect(got).toEqual((await values(x)).map((v) => v * 2));
    // chunks smaller than the depth are merged first, as Dask's overlap (ensure_minimum_chunksize):
    // (7, 7, 6) for depth 8 → (20,), and Dask's (1, 2, 1, 3, 1) for depth 2 → (4, 4)
    expect(mapOverlap(fn('identity'), x, { depth: 8 }).chunks).toEqual([[20], [10, 10, 10]]);
    const small = fromArray(Float64Array.from({ length: 8 }, (_, i) => i), { chunks: [[1, 2, 1, 3, 1]] } as never);
    const merged = mapOverlap(fn('identity'), small, { depth: 2, boundary: 'reflect' });
    expect(merged.chunks).toEqual([[4, 4]]);
    expect(await values(merged)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ensureMinimumChunksize(10, [20, 20, 1])).toEqual([20, 11, 10]);
    expect(ensureMinimumChunksize(3, [1, 1, 3])).toEqual([5]);
    expect(ensureMinimumChunksize(4, [5, 1, 1, 5])).toEqual([6, 6]);
    expect(() => mapOverlap(fn('identity'), x, { depth: 21 })).toThrow(/larger than the array's length along it \(20\)/);
    expect(() => mapOverlap(fn('identity'), x, { depth: 1, boundary: 'wrap' as never })).toThrow(/reflect/);
  });
});

describe('reduction', () => {
  const naiveSum = (data: number[], shape: number[], axes: number[]): number[] => {
    const outShape = shape.map((s, k) => (axes.includes(k) ? 1 : s));
    const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
    data.forEach((v, i) => {
      let r = i;
      let o = 0;
      let mul = 1;
      for (let k = shape.length - 1; k >= 0; k--) {
        const c = r % shape[k]!;
        r = Math.floor(r / shape[k]!);
        if (!axes.includes(k)) o += c * mul;
        mul *= outShape[k]!;
      }
      out[o]! += v;
    });
    return out;
  };

  it('sum along each axis and all axes, keepdims, a combine tree', async () => {
    const x = random.random([30, 17], { seed: 12, chunks: [4, 5] });
    const X = await values(x);
    for (const axis of [[0], [1], [0, 1]]) {
      for (const splitEvery of [2, 4]) {
        const r = reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), axis, splitEvery });
        const want = naiveSum(X, [30, 17], axis);
        expect(r.shape).toEqual([30, 17].filter((_, k) => !axis.includes(k)));
        const got = await values(r);
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 11));
      }
    }
    const kept = reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), axis: 0, keepdims: true });
    expect(kept.shape).toEqual([1, 17]);
  });

  it('max with a separate combine; the same bits every run', async () => {
    const x = random.normal(0, 1, [1000], { seed: 13, chunks: 37 });
    const r = reduction(x, { chunk: fn('maxAxes'), combine: fn('maxAxes'), aggregate: fn('maxAxes') });
    expect(r.shape).toEqual([]);
    const got = (await r.compute()) as number;
    expect(got).toBe(Math.max(...(await values(x))));
    const s1 = (await reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes') }).compute()) as number;
    const s2 = (await reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes') }).compute()) as number;
    expect(s1).toBe(s2);
    expect(() => reduction(x, { chunk: fn('sumAxes') } as never)).toThrow(/aggregate/);
    expect(() => reduction(x, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), axis: 1 })).toThrow(/out of range/);
  });
});
