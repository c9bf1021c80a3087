// Native take and mask (gather/compaction stages), unknown chunk sizes, and the triangle/diagonal/
// repeat helpers, against NumPy's values and Dask's chunk layouts
// (scripts/fixtures/numpy_gather.py → test/fixtures/numpy/gather.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DenseArray, arange, concatenate, configure, getConfig, diag, eye, fromArray, fromFunction, ones, random, take, toPlan, tri, tril, triu, type NDArray } from '../src/index.js';

interface TakeCase { shape: number[]; chunks: number[]; indices: number[]; axis: number; values: number[]; outShape: number[]; daskChunks: number[][] }
interface LazyCase { shape: number[]; chunks: number[]; indices: number[]; indexChunks: number[]; values: number[]; daskChunks: number[][] }
interface MaskCase { shape: number[]; chunks: number[][]; threshold: number; values: number[]; daskNaNChunks: number; daskChunks: number[][] }
interface HelperCase {
  fn: string; shape?: number[]; chunks?: number[]; k?: number; n?: number; m?: number | null; v?: number[];
  repeats?: number | number[]; axis?: number | null; values: number[]; outShape?: number[]; daskChunks?: number[][];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/gather.json', import.meta.url), 'utf8')) as {
  take: TakeCase[]; lazyTake: LazyCase[]; masks: MaskCase[]; helpers: HelperCase[];
};

const saved = getConfig().numThreads;
/** f() on `n` pool threads (results must not depend on it). */
async function onThreads<T>(n: number, f: () => Promise<T>): Promise<T> {
  configure({ numThreads: n });
  try {
    return await f();
  } finally {
    configure({ numThreads: saved });
  }
}
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
// values as numbers whatever the dtype (arange of integers is int64: bigint elements)
const values = (v: unknown): number[] => (v instanceof DenseArray ? Array.from(v.data as ArrayLike<number>, Number) : [Number(v)]);
const data = (shape: number[], chunks: number[] | number[][]): NDArray => arange(size(shape)).reshape(shape).rechunk(chunks as number[]);
/** ((i * 7919) mod 97) / 97, as the fixture script's masks read. */
const hashed = (shape: number[], chunks: number[][]): NDArray => {
  const n = size(shape);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = ((i * 7919) % 97) / 97;
  return fromArray(d, { shape, chunks });
};

describe('take (native gather)', () => {
  for (const c of fx.take) {
    it(`take ${JSON.stringify(c.indices)} axis ${c.axis} of [${c.shape}] chunks [${c.chunks}]: NumPy's values, Dask's chunks`, async () => {
      const x = data(c.shape, c.chunks);
      for (const threads of [2, 1]) {
        const y = x.take(c.indices, { axis: c.axis });
        expect(y.shape).toEqual(c.outShape);
        expect(y.chunks).toEqual(c.daskChunks);
        const r = await onThreads(threads, () => y.compute());
        expect(values(r)).toEqual(c.values);
      }
      // the same positions as a TypedArray, and through x.get on that axis
      const ti = await x.take(Int32Array.from(c.indices), { axis: c.axis }).compute();
      expect(values(ti)).toEqual(c.values);
      const g = await x.get(...c.shape.map((_, k) => (k === c.axis ? c.indices : ':'))).compute();
      expect(values(g)).toEqual(c.values);
    });
  }
  for (const c of fx.lazyTake) {
    it(`take with a lazy index array [${c.indices}] (chunks [${c.indexChunks}]): the index's chunks, as Dask`, async () => {
      const x = data(c.shape, c.chunks);
      const idx = fromArray(Float64Array.from(c.indices), { chunks: c.indexChunks });
      const y = x.take(idx, { axis: 0 });
      expect(y.chunks).toEqual(c.daskChunks);
      expect(values(await y.compute())).toEqual(c.values);
      // x.get with a float64 array is NumPy's IndexError until integer NDArrays exist (typed registers)
      expect(() => x.get(idx)).toThrow(TypeError);
      // a lazy expression as indices, and a lazy expression as data
      expect(values(await x.mul(2).take(idx.mul(1), { axis: 0 }).compute())).toEqual(c.values.map((v) => 2 * v));
    });
  }
  it("one arithmetic run of positions (a slice view underneath) has Dask's take chunks, not its slice's", async () => {
    // dask: from_array(arange(6), chunks=((3, 2, 1),))[[0, 2]].chunks == ((2,),) (the slice 0:4:2 is ((2, 0),))
    const x = arange(6, { dtype: 'float64' }).rechunk([[3, 2, 1]]);
    for (const idx of [[0, 2], [-6, 2]]) {
      expect(x.take(idx, { axis: 0 }).chunks).toEqual([[2]]);
      expect(x.get(idx).chunks).toEqual([[2]]);
      expect(Array.from((await x.get(idx).compute()).data as Float64Array)).toEqual([0, 2]);
    }
    expect(x.take([1, 3, 5], { axis: 0 }).chunks).toEqual([[1, 1, 1]]);
  });

  it('without an axis takes from the flattened array (NumPy), negative indices count from the end', async () => {
    const x = data([4, 5], [3, 2]);
    expect(values(await take(x, [-1, 0, 7]).compute())).toEqual([19, 0, 7]);
  });
  it('out-of-range indices: a RangeError naming the axis and size (JS lists at once, lazy ones when computed)', async () => {
    const x = data([4, 5], [3, 2]);
    expect(() => x.take([5], { axis: 0 })).toThrow(RangeError);
    expect(() => x.take([5], { axis: 0 })).toThrow(/index 5 is out of bounds for axis 0 with size 4/);
    expect(() => x.take([-6], { axis: 1 })).toThrow(/index -6 is out of bounds for axis 1 with size 5/);
    expect(() => x.take([1.5])).toThrow(TypeError);
    expect(() => x.take([0], { axis: 2 })).toThrow(RangeError);
    await expect(x.take(fromArray([0, 4]), { axis: 0 }).compute()).rejects.toThrow(/index 4 is out of bounds for axis 0 with size 4/);
    await expect(x.take(fromArray([0.5]), { axis: 0 }).compute()).rejects.toThrow(/indices must be integers/);
    expect(() => x.take(fromArray([[0, 1]]), { axis: 0 })).toThrow(/1-d/);
  });
  it('a persisted 2-d source is read in place; results do not depend on threads', async () => {
    const x = await random.random([300, 70], { seed: 4, chunks: [64, 32] }).persist();
    const idx = Array.from({ length: 500 }, (_, i) => (i * 7919) % 300);
    const all = values(await x.compute());
    const want = idx.flatMap((r) => all.slice(r * 70, r * 70 + 70));
    expect(values(await onThreads(1, () => x.take(idx, { axis: 0 }).compute()))).toEqual(want);
    expect(values(await onThreads(2, () => x.take(idx, { axis: 0 }).compute()))).toEqual(want);
    const sum = await x.take(idx, { axis: 0 }).sum().compute();
    expect(sum).toBeCloseTo(want.reduce((a, b) => a + b, 0), 8);
  });
  it('outputs of 16 MiB and more (written with streaming stores) are the source rows\' exact bytes, any row length and alignment', async () => {
    // np.take copies bits: the reference is the source's own bytes, row by row
    const cases: { dtype: 'float64' | 'uint8' | 'float32'; shape: number[]; axis: number; m: number }[] = [
      { dtype: 'float64', shape: [2100, 1000], axis: 0, m: 2100 },  // 8000-byte rows
      { dtype: 'uint8', shape: [4000, 1001], axis: 0, m: 16900 },   // 1001-byte rows: every alignment of the output
      { dtype: 'float32', shape: [3, 1500, 1000], axis: 1, m: 1500 },  // outer 3 × inner 4000 bytes
    ];
    for (const c of cases) {
      const n = size(c.shape);
      const src = c.dtype === 'float64' ? new Float64Array(n) : c.dtype === 'float32' ? new Float32Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) src[i] = c.dtype === 'uint8' ? (i * 131 + (i >> 10)) & 255 : Math.sin(i) * 1e6 + i;
      const x = fromArray(src, { shape: c.shape, chunks: c.shape.map((s) => Math.ceil(s / 2)) });
      const len = c.shape[c.axis]!;
      const idx = Array.from({ length: c.m }, (_, i) => ((i * 7919 + 13) % (2 * len)) - len);  // repeats, negatives
      const outer = size(c.shape.slice(0, c.axis));
      const inner = size(c.shape.slice(c.axis + 1));
      const want = new (src.constructor as Float64ArrayConstructor)(outer * c.m * inner) as unknown as typeof src;
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < c.m; j++) {
          const r = idx[j]! < 0 ? idx[j]! + len : idx[j]!;
          want.set(src.subarray((o * len + r) * inner, (o * len + r + 1) * inner), (o * c.m + j) * inner);
        }
      const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      expect(want.byteLength).toBeGreaterThanOrEqual(16 << 20);
      for (const threads of [1, 2]) {
        const got = (await onThreads(threads, () => x.take(idx, { axis: c.axis }).compute())) as DenseArray;
        expect(got.shape).toEqual(c.shape.map((s, k) => (k === c.axis ? c.m : s)));
        expect(Buffer.compare(bytes(got.data as ArrayBufferView), bytes(want))).toBe(0);
      }
      // a lazy index array goes through the same stage
      const lazy = (await x.take(fromArray(Float64Array.from(idx)), { axis: c.axis }).compute()) as DenseArray;
      expect(Buffer.compare(bytes(lazy.data as ArrayBufferView), bytes(want))).toBe(0);
    }
  });
  it('a few rows of a huge lazy array are generated, not the whole source (Dask\'s chunks kept)', async () => {
    const big = random.random([40000, 40000], { seed: 1 });
    const t = big.take([5, 1, 5, 39999], { axis: 0 });
    expect(t.chunks[0]).toEqual([3, 1]);
    const got = values(await t.get(':, 0:4').compute());
    const rows = await Promise.all([5, 1, 5, 39999].map(async (r) => values(await big.get(r, '0:4').compute())));
    expect(got).toEqual(rows.flat());
  });
  it('graph(): one task per output chunk, reading the source blocks that hold its positions; toPlan exports a take stage', async () => {
    const x = data([10, 12], [4, 6]);
    const t = x.take([9, 0, 1, 5], { axis: 0 });
    expect(t.chunks).toEqual([[1, 2, 1], [6, 6]]);
    const layer = t.graph().layers.find((l) => l.name === t.name)!;
    expect(layer).toBeDefined();
    expect(t.graph({ optimize: true }).taskCount).toBe(6);
    const m = x.mask(x.gt(50));
    expect(m.graph().layers.find((l) => l.name === m.name)).toBeDefined();
    expect(toPlan(t).stages.map((s) => s.kind ?? 'kernel')).toContain('take');
  });
  it('a slice of bool caller memory reads the right bytes (the snapshot sizes bool leaves as 1 byte)', async () => {
    const d = new Uint8Array(1000).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const b = fromArray(d, { dtype: 'bool' });
    expect(values(await b.get('10:20').compute())).toEqual(Array.from(d.slice(10, 20)));
    expect(values(await b.take([999, 10, 11]).compute())).toEqual([1, 0, 0]);
  });
  it('bool and float32 data keep their dtype', async () => {
    const b = fromArray(new Uint8Array([1, 0, 0, 1]), { dtype: 'bool' });
    const tb = b.take([3, 1, 0]);
    expect(tb.dtype).toBe('bool');
    expect(values(await tb.compute())).toEqual([1, 0, 1]);
    const f = fromArray(Float32Array.of(1.5, 2.5, 3.5));
    expect(values(await f.take([2, 2, 0]).compute())).toEqual([3.5, 3.5, 1.5]);
  });

  it('integer index arrays of every integer dtype (NumPy\'s index arrays) gather; bool indices are refused', async () => {
    const x = fromArray(Float64Array.of(10, 11, 12, 13, 14));
    expect(values(await x.take(fromArray(new BigInt64Array([3n, -1n, 0n]))).compute())).toEqual([13, 14, 10]);
    expect(values(await x.take(fromArray(Int32Array.of(4, 1))).compute())).toEqual([14, 11]);
    expect(values(await x.take(fromArray(Uint8Array.of(2, 2))).compute())).toEqual([12, 12]);
    expect(values(await x.take(arange(3)).compute())).toEqual([10, 11, 12]);
    await expect(x.take(fromArray(Int16Array.of(5))).compute()).rejects.toThrow(/out of bounds for axis 0 with size 5/);
    expect(() => x.take(fromArray(Uint8Array.of(1, 0), { dtype: 'bool' }))).toThrow(/accepted dtypes: int8, .*got dtype bool/);
  });
});

describe('mask (native compaction) and unknown chunk sizes', () => {
  for (const c of fx.masks) {
    it(`x.mask(x > ${c.threshold}) of [${c.shape}] chunks ${JSON.stringify(c.chunks)}: NaN chunks, NumPy's values, Dask's sizes`, async () => {
      const x = hashed(c.shape, c.chunks);
      const m = x.mask(x.gt(c.threshold));
      expect(m.chunks[0]!.length).toBe(c.daskNaNChunks);
      expect(m.chunks[0]!.every(Number.isNaN)).toBe(true);
      expect(Number.isNaN(m.shape[0])).toBe(true);
      for (const threads of [1, 2]) expect(values(await onThreads(threads, () => m.compute()))).toEqual(c.values);
      expect(values(await x.get(x.gt(c.threshold)).compute())).toEqual(c.values);
      // reductions and elementwise work over unknown sizes
      const sum = c.values.reduce((a, b) => a + b, 0);
      expect(await m.sum().compute()).toBeCloseTo(sum, 12);
      expect(values(await m.mul(2).add(m).compute())).toEqual(c.values.map((v) => 3 * v));
      if (c.values.length) {
        expect(await m.mean().compute()).toBeCloseTo(sum / c.values.length, 12);
        expect(await m.max().compute()).toBe(Math.max(...c.values));
        expect(values(await m.sum({ keepdims: true }).compute())).toHaveLength(1);
      }
      await m.computeChunkSizes();
      expect(m.chunks).toEqual(c.daskChunks);
      expect(m.shape).toEqual([c.values.length]);
      expect(values(await m.compute())).toEqual(c.values);
    });
  }
  it('operations that need positions refuse unknown sizes and point at computeChunkSizes()', async () => {
    const x = random.random([20, 10], { seed: 2, chunks: [7, 5] });
    const m = x.mask(x.gt(0.5));
    const e = m.exp();
    expect(() => m.get('0:3')).toThrow(/unknown chunk sizes.*computeChunkSizes/);
    expect(() => e.reshape([-1, 1])).toThrow(/reshape.*computeChunkSizes/);
    expect(() => concatenate([m, m])).toThrow(/computeChunkSizes/);
    expect(() => m.take([0])).toThrow(/computeChunkSizes/);
    expect(() => m.rechunk(3)).toThrow(/computeChunkSizes/);
    expect(() => m.matmul(m)).toThrow(/computeChunkSizes/);
    // an expression built before the sizes were known learns them too
    await e.computeChunkSizes();
    expect(e.chunks[0]!.some(Number.isNaN)).toBe(false);
    expect(values(await e.get('0:3').compute())).toHaveLength(3);
    // and one built afterwards has them from the start
    expect(m.chunks[0]!.some(Number.isNaN)).toBe(false);
    expect(m.get('1:2').shape).toEqual([1]);
  });
  it('wrong masks: a RangeError naming both shapes; non-bool conditions: a TypeError', () => {
    const x = ones([4, 3]);
    expect(() => x.mask(ones([3, 4]).gt(0))).toThrow(RangeError);
    expect(() => x.mask(ones([3, 4]).gt(0))).toThrow(/\[3, 4\].*\[4, 3\]/);
    expect(() => x.mask(ones([4, 3]))).toThrow(TypeError);
    expect(() => x.get(ones([4]).gt(0))).toThrow(/every axis/);
  });
  it('persist of a mask has known chunks; all-false and empty inputs give empty results', async () => {
    const x = hashed([30], [[10, 10, 10]]);
    const p = await x.mask(x.gt(0.5)).persist();
    expect(p.chunks[0]!.some(Number.isNaN)).toBe(false);
    expect(values(await p.compute())).toEqual(values(await x.compute()).filter((v) => v > 0.5));
    expect(values(await x.mask(x.gt(5)).compute())).toEqual([]);
    expect(await x.mask(x.gt(5)).sum().compute()).toBe(0);
    const z = ones([0, 3]);
    expect(values(await z.mask(z.gt(0)).compute())).toEqual([]);
  });
  it('x.set(x.lt(t), v) is where(mask, v, x)', async () => {
    const x = hashed([6, 5], [[4, 2], [5]]);
    const xs = values(await x.compute());
    expect(values(await x.set(x.lt(0.5), 0).compute())).toEqual(xs.map((v) => (v < 0.5 ? 0 : v)));
    expect(values(await x.set(x.gt(0.5), x.neg()).compute())).toEqual(xs.map((v) => (v > 0.5 ? -v : v)));
  });
});

describe('tril, triu, eye, tri, diag, repeat, fromFunction', () => {
  for (const c of fx.helpers) {
    it(`${c.fn} ${JSON.stringify({ shape: c.shape, k: c.k, n: c.n, m: c.m, repeats: c.repeats, axis: c.axis })}`, async () => {
      let y: NDArray;
      switch (c.fn) {
        case 'tril': y = tril(data(c.shape!, c.shape!.map((s) => Math.max(1, Math.ceil(s / 2)))), c.k); break;
        case 'triu': y = triu(data(c.shape!, c.shape!.map((s) => Math.max(1, Math.ceil(s / 2)))), c.k); break;
        case 'eye': y = eye(c.n!, c.m, { k: c.k, chunks: 2 }); break;
        case 'tri': y = tri(c.n!, c.m, { k: c.k, chunks: 2 }); break;
        case 'diag1': y = diag(fromArray(c.v!, { chunks: 3 }), c.k); break;
        case 'diag2': y = diag(data(c.shape!, [2, 4]), c.k); break;
        default: y = data(c.shape!, c.chunks!).repeat(c.repeats!, { axis: c.axis });
      }
      if (c.outShape) expect(y.shape).toEqual(c.outShape);
      if (c.daskChunks) expect(y.chunks).toEqual(c.daskChunks);
      expect(values(await y.compute())).toEqual(c.values);
    });
  }
  it('tril fuses: tril(random) reads no materialized mask (one stage), and keeps x\'s chunks', async () => {
    const x = random.random([50, 40], { seed: 1, chunks: [16, 16] });
    const t = tril(x, -2);
    expect(t.chunks).toEqual(x.chunks);
    const xs = values(await x.compute());
    const got = values(await t.compute());
    expect(got).toEqual(xs.map((v, i) => (Math.floor(i / 40) - 2 >= i % 40 ? v : 0)));
    expect(Object.keys(t.graph().layers ?? {}).length).toBeGreaterThan(0);
  });
  it('errors', () => {
    expect(() => tril(ones([3]))).toThrow(/at least 2 dimensions/);
    expect(() => tril(ones([3, 3]), 0.5)).toThrow(TypeError);
    expect(() => eye(-1)).toThrow(RangeError);
    expect(() => diag(ones([2, 2, 2]))).toThrow(RangeError);
    expect(() => ones([3]).repeat([1, 2])).toThrow(/repeats has 2 entries/);
    expect(() => ones([3]).repeat(-1)).toThrow(RangeError);
  });
  it('fromFunction passes lazy index grids', async () => {
    expect(values(await fromFunction((i, j) => i.mul(10).add(j), [3, 4], { chunks: 2 }).compute())).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
  });
});

describe('random.integers/randint/choice/permutation/shuffle', () => {
  it('integers: in range, chunk-invariant, closed-form mean and variance', async () => {
    const a = values(await random.integers(-3, 7, [40000], { seed: 9, chunks: 5000 }).compute());
    const b = values(await onThreads(1, () => random.integers(-3, 7, [40000], { seed: 9, chunks: 777 }).compute()));
    expect(a).toEqual(b);
    expect(a.every((v) => Number.isInteger(v) && v >= -3 && v < 7)).toBe(true);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    // discrete uniform on 10 values: mean 1.5, variance (10^2 - 1) / 12 = 8.25; sd of the mean ≈ 0.0144
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.08);
    expect(Math.abs(variance - 8.25)).toBeLessThan(0.3);
    // every value occurs about 4000 times
    for (let v = -3; v < 7; v++) expect(Math.abs(a.filter((x) => x === v).length - 4000)).toBeLessThan(300);
    expect(values(await random.randint(5, null, [30], { seed: 9 }).compute()).every((v) => v >= 0 && v < 5)).toBe(true);
    expect(values(await random.integers(1, 3, [200], { seed: 2, endpoint: true }).compute()).some((v) => v === 3)).toBe(true);
    expect(() => random.integers(5, 5, [3])).toThrow(RangeError);
    expect(() => random.integers(0.5, 5, [3])).toThrow(TypeError);
  });

  it('integers are int64 by default (NumPy), any integer dtype on request, bounds checked against it', async () => {
    const a = random.integers(0, 10, [6], { seed: 3 });
    expect(a.dtype).toBe('int64');
    const r = await a.compute();
    expect(r instanceof DenseArray && r.data instanceof BigInt64Array).toBe(true);
    const small = random.integers(-5, 5, [100], { seed: 3, dtype: 'int8' });
    expect(small.dtype).toBe('int8');
    const v = await small.compute();
    expect(v instanceof DenseArray && v.data instanceof Int8Array && values(v).every((x) => x >= -5 && x < 5)).toBe(true);
    // the same draws whatever the dtype: int8 values equal the int64 ones
    expect(values(v)).toEqual(values(await random.integers(-5, 5, [100], { seed: 3 }).compute()));
    expect(() => random.integers(0, 300, [3], { dtype: 'uint8' })).toThrow(/\[0, 300\) is out of bounds for uint8 \(accepted: 0\.\.255\)/);
    expect(() => random.integers(0, 3, [3], { dtype: 'float64' })).toThrow(/dtype must be an integer dtype \(accepted: int8, /);
    expect(values(await random.choice(5, [4], { seed: 1 }).compute()).every((x) => Number.isInteger(x) && x >= 0 && x < 5)).toBe(true);
    expect(random.choice(5, [4], { seed: 1 }).dtype).toBe('int64');
    expect(random.permutation(4, { seed: 1 }).dtype).toBe('int64');
  });
  it('permutation(n) is a bijection, chunk-invariant, and depends on the seed', async () => {
    const p = values(await random.permutation(1000, { seed: 5, chunks: 100 }).compute());
    expect([...p].sort((x, y) => x - y)).toEqual([...Array(1000).keys()]);
    expect(values(await random.permutation(1000, { seed: 5, chunks: 333 }).compute())).toEqual(p);
    expect(values(await random.permutation(1000, { seed: 6 }).compute())).not.toEqual(p);
    // position-mean sanity: mean of p[i] over the first half ≈ (n - 1) / 2
    const m = p.slice(0, 500).reduce((a, b) => a + b, 0) / 500;
    expect(Math.abs(m - 499.5)).toBeLessThan(40); // sd ≈ 289/sqrt(500)·sqrt(1/2) ≈ 9
    for (const n of [0, 1, 2, 3, 17]) expect([...values(await random.permutation(n, { seed: 1 }).compute())].sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
  });
  it('shuffle/permutation(x) permute rows along axis 0 and keep x\'s chunks', async () => {
    const x = data([9, 4], [4, 2]);
    const s = random.shuffle(x, { seed: 3 });
    expect(s.chunks).toEqual(x.chunks);
    const rows = values(await s.compute());
    const perm = values(await random.permutation(9, { seed: 3 }).compute());
    expect(rows).toEqual(perm.flatMap((r) => [0, 1, 2, 3].map((j) => r * 4 + j)));
    expect(values(await random.permutation(x, { seed: 3 }).compute())).toEqual(rows);
  });
  it('choice: with replacement from a range or an array, weighted by p, or without replacement', async () => {
    const c = values(await random.choice(5, 20000, { seed: 1, chunks: 3000 }).compute());
    expect(c.every((v) => Number.isInteger(v) && v >= 0 && v < 5)).toBe(true);
    expect(Math.abs(c.reduce((a, b) => a + b, 0) / c.length - 2)).toBeLessThan(0.06);
    expect(values(await random.choice(5, 20000, { seed: 1, chunks: 1234 }).compute())).toEqual(c);
    const pool = fromArray([10, 20, 30]);
    const fromPool = values(await random.choice(pool, [4, 5], { seed: 2 }).compute());
    expect(fromPool.every((v) => [10, 20, 30].includes(v))).toBe(true);
    const w = values(await random.choice(4, 40000, { seed: 3, p: [0.1, 0, 0.6, 0.3] }).compute());
    const freq = [0, 1, 2, 3].map((k) => w.filter((v) => v === k).length / w.length);
    expect(freq[1]).toBe(0);
    expect(Math.abs(freq[0]! - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(freq[2]! - 0.6)).toBeLessThan(0.015);
    const nr = values(await random.choice([1, 2, 3, 4, 5, 6], 4, { seed: 4, replace: false }).compute());
    expect(new Set(nr).size).toBe(4);
    expect(() => random.choice(3, 4, { replace: false })).toThrow(RangeError);
    expect(() => random.choice(3, 4, { p: [0.5, 0.5, 0.5] })).toThrow(/sum to 1/);
  });
});
