// x.set(index, value) against NumPy's a[index] = value (test/fixtures/numpy/shape_ops.json "sets",
// scripts/fixtures/numpy_shape_ops.py); x is arange(size).reshape(shape), chunked irregularly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arange, DenseArray, fromArray, ones, slice, type IndexInput } from '../src/index.js';

interface SetRow { shape: number[]; index: string; number: number | null; valueShape: number[] | null; values: number[] }
const { sets } = JSON.parse(readFileSync(new URL('./fixtures/numpy/shape_ops.json', import.meta.url), 'utf8')) as { sets: SetRow[] };
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

// '::2, [1, -1]' as index items: slices and integer lists (the subscript string has no lists)
const items = (index: string): IndexInput[] =>
  index.split(/,(?![^[]*\])/).map((part) => {
    const t = part.trim();
    if (t.startsWith('[')) return JSON.parse(t) as number[];
    if (!t.includes(':')) return Number(t);
    const [a, b, c] = t.split(':').map((v) => (v === '' || v === undefined ? null : Number(v)));
    return slice(a ?? null, b ?? null, c ?? null);
  });

describe('set', () => {
  it.each(sets.map((r) => [`[${r.shape}].set('${r.index}', ${r.number ?? `arange [${r.valueShape}] + 100`})`, r] as const))('%s', async (_, r) => {
    const x = fromArray(Float64Array.from({ length: prod(r.shape) }, (_, i) => i), { shape: r.shape, chunks: r.shape.map((n) => Math.max(1, Math.ceil(n / 2))) });
    const value = r.number ?? arange(prod(r.valueShape!)).add(100).reshape(r.valueShape!);
    const y = r.index.includes('[') ? x.set(items(r.index), value) : x.set(r.index, value);
    expect(y.shape).toEqual(r.shape);
    expect(values(await y.compute())).toEqual(r.values);
    // x itself is unchanged (no mutation)
    expect(values(await x.compute())).toEqual(Array.from({ length: prod(r.shape) }, (_, i) => i));
  });

  it("an array value is cast into x's dtype, as NumPy's assignment (a box of step ±1 kept the value's dtype)", async () => {
    // np: x = int8 [-6, 12, -13, 9, 3]; x[-2:] = uint32 [20, 300] -> [-6, 12, -13, 20, 44] int8
    const x = fromArray(new Int8Array([-6, 12, -13, 9, 3]), { chunks: [[1, 1, 1, 1, 1]] }).set(slice(-2, null), fromArray(new Uint32Array([20, 300])));
    expect(x.dtype).toBe('int8');
    expect(Array.from((await x.compute()).data as Int8Array)).toEqual([-6, 12, -13, 20, 44]);
    // np: y = uint8 [10, 0, 6]; y[:4:3] = [8.116] -> [8, 0, 6]
    const y = fromArray(new Uint8Array([10, 0, 6]), { chunks: [[2, 1]] }).set(slice(null, 4, 3), fromArray(new Float64Array([8.116])));
    expect(y.dtype).toBe('uint8');
    expect(Array.from((await y.compute()).data as Uint8Array)).toEqual([8, 0, 6]);
    // np: z = arange(6, int16).reshape(2, 3); z[:, ::-1] = [[1.9, -2.9, 3.5]] -> [3, -2, 1, 3, -2, 1]
    const z = arange(6, { dtype: 'int16' }).reshape([2, 3]).set([slice(null), slice(null, null, -1)], fromArray(new Float64Array([1.9, -2.9, 3.5]), { shape: [1, 3] }));
    expect(z.dtype).toBe('int16');
    expect(Array.from((await z.compute()).data as Int16Array)).toEqual([3, -2, 1, 3, -2, 1]);
  });

  it("an integer and a list that are not adjacent put the list's axis first (NumPy's indexed shape), also for the value", async () => {
    // np: y = arange(24.).reshape(2, 3, 4); y[1, :2, [3, 1]] = [[10, 20], [30, 40]] (rows: the list's positions)
    const y = arange(24, { dtype: 'float64' }).reshape([2, 3, 4]).rechunk([1, 2, 3]);
    const v = fromArray(new Float64Array([10, 20, 30, 40]), { shape: [2, 2] });
    expect(values(await y.set([1, slice(null, 2), [3, 1]], v).compute()).slice(12)).toEqual([12, 30, 14, 10, 16, 40, 18, 20, 20, 21, 22, 23]);
    // np: [1, :, [3, 1]] = shape (2, 3): broadcasts to the indexed shape (2, 3), not the view's (3, 2)
    const w = fromArray(new Float64Array([10, 20, 30, 40, 50, 60]), { shape: [2, 3] });
    expect(values(await y.set([1, slice(null), [3, 1]], w).compute()).slice(12)).toEqual([12, 40, 14, 10, 16, 50, 18, 20, 20, 60, 22, 30]);
  });

  it('errors', () => {
    expect(() => ones([4]).set(5, 1)).toThrow(/out of bounds/);
    expect(() => ones([4]).set([1, 4], 1)).toThrow(/out of bounds/);
    expect(() => ones([4, 3]).set('1', ones([2]))).toThrow(/broadcast/);
    expect(() => ones([4, 3]).set('::2', ones([3, 3]))).toThrow(/broadcast/);
    expect(() => ones([4]).set(arange(2), 0)).toThrow(/integer NDArray index is not supported yet/);
  });
});
