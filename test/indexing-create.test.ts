// Creation helpers against NumPy (test/fixtures/numpy/shape_ops.json "creation",
// scripts/fixtures/numpy_shape_ops.py): bit-exact float64 values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arange, DenseArray, empty, fullLike, indices, linspace, meshgrid, onesLike, random, zerosLike, type DType } from '../src/index.js';

const { creation } = JSON.parse(readFileSync(new URL('./fixtures/numpy/shape_ops.json', import.meta.url), 'utf8')) as {
  creation: {
    linspace: { args: [number, number, number, boolean]; values: number[] }[];
    meshgrid: { sizes: number[]; indexing: 'xy' | 'ij'; values: number[][]; shape: number[] }[];
    indices: { dims: number[]; shape: number[]; values: number[] }[];
    linspaceTyped: { args: [number, number, number, boolean]; dtype: DType; values: number[] }[];
    arange: { args: [number, number, number]; dtype: DType; values: number[] }[];
  };
};
const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

describe('creation helpers', () => {
  it.each(creation.linspace.map((r) => [JSON.stringify(r.args), r] as const))('linspace%s', async (_, r) => {
    const [a, b, n, endpoint] = r.args;
    for (const chunks of [undefined, 7]) {
      const x = linspace(a, b, n, { endpoint, chunks });
      expect(x.shape).toEqual([n]);
      expect(values(await x.compute())).toEqual(r.values);
    }
  });

  it.each(creation.linspaceTyped.map((r) => [JSON.stringify(r.args), r.dtype, r] as const))('linspace%s dtype %s (floored, as NumPy)', async (_, dtype, r) => {
    const [a, b, n, endpoint] = r.args;
    for (const chunks of [undefined, 3]) {
      const x = linspace(a, b, n, { endpoint, chunks, dtype });
      expect(x.dtype).toBe(dtype);
      expect(values(await x.compute()).map(Number)).toEqual(r.values);
    }
  });

  it.each(creation.arange.map((r) => [JSON.stringify(r.args), r.dtype, r] as const))('arange%s dtype %s', async (_, dtype, r) => {
    const [a, b, s] = r.args;
    for (const chunks of [undefined, 4]) {
      const x = arange(a, b, s, { dtype, chunks });
      expect(x.dtype).toBe(dtype);
      expect(values(await x.compute()).map(Number)).toEqual(r.values);
    }
  });

  it.each(creation.meshgrid.map((r) => [r.indexing, r] as const))('meshgrid indexing=%s', async (_, r) => {
    const gs = meshgrid([arange(3), arange(4).add(10)], { indexing: r.indexing });
    for (let i = 0; i < gs.length; i++) {
      expect(gs[i]!.shape).toEqual(r.shape);
      expect(gs[i]!.dtype).toBe('int64'); // arange of integers, as NumPy
      expect(values(await gs[i]!.compute()).map(Number)).toEqual(r.values[i]);
    }
  });

  it.each(creation.indices.map((r) => [JSON.stringify(r.dims), r] as const))('indices(%s)', async (_, r) => {
    const x = indices(r.dims);
    expect(x.shape).toEqual(r.shape);
    expect(x.dtype).toBe('int64'); // NumPy's indices are integers
    expect(values(await x.compute()).map(Number)).toEqual(r.values);
  });

  it('empty and the *Like family keep shape, dtype and chunks', async () => {
    const x = random.random([5, 4], { chunks: [2, 3], dtype: 'float32' });
    for (const [f, v] of [[zerosLike(x), 0], [onesLike(x), 1], [fullLike(x, 2.5), 2.5]] as const) {
      expect(f.shape).toEqual([5, 4]);
      expect(f.dtype).toBe('float32');
      expect(f.chunks).toEqual(x.chunks);
      expect(Array.from((await f.compute() as DenseArray).data)).toEqual(new Array(20).fill(v));
    }
    expect(empty([2, 3]).shape).toEqual([2, 3]);
  });

  it('errors', () => {
    expect(() => linspace(0, 1, -1)).toThrow(RangeError);
    expect(() => linspace(0, Infinity, 3)).toThrow();
    expect(() => meshgrid([arange(3).reshape([3, 1])])).toThrow(/1-d/);
  });
});
