// concatenate / stack / hstack / vstack against NumPy's values and Dask's chunks
// (test/fixtures/numpy/shape_ops.json "joins", scripts/fixtures/numpy_shape_ops.py): input i is
// arange(size) + 1000·i with its own chunks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arange, concatenate, DenseArray, fromArray, hstack, ones, random, stack, vstack, type NDArray } from '../src/index.js';
import { computeArrays } from '../src/array/ndarray.js';

interface Join {
  inputs: { shape: number[]; chunks: number[][] }[];
  op: 'concatenate' | 'stack' | 'hstack' | 'vstack';
  axis: number | null;
  numpy: { shape: number[]; values: number[] };
  dask: { chunks: number[][] };
}
const joins = (JSON.parse(readFileSync(new URL('./fixtures/numpy/shape_ops.json', import.meta.url), 'utf8')) as { joins: Join[] }).joins;
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

describe('joins', () => {
  it.each(joins.map((r) => [`${r.op}(axis ${r.axis}) of ${JSON.stringify(r.inputs)}`, r] as const))('%s', async (_, r) => {
    const xs = r.inputs.map((inp, i) => fromArray(Float64Array.from({ length: prod(inp.shape) }, (_, j) => j + 1000 * i), { shape: inp.shape, chunks: inp.chunks }));
    const y = r.op === 'hstack' ? hstack(xs) : r.op === 'vstack' ? vstack(xs) : (r.op === 'stack' ? stack : concatenate)(xs, { axis: r.axis! });
    expect(y.shape).toEqual(r.numpy.shape);
    expect(y.chunks).toEqual(r.dask.chunks);
    expect(values(await y.compute())).toEqual(r.numpy.values);
  });

  it('joins of lazy expressions inside later work (reductions, elementwise, slices)', async () => {
    const x = random.random([30, 20], { seed: 4, chunks: [10, 10] });
    const e = x.exp();
    const xv = values(await x.compute());
    const ev = values(await e.compute());
    const c = concatenate([x, e], { axis: 0 });
    expect(values(await c.compute())).toEqual([...xv, ...ev]);
    // read by a later stage: elementwise + a view + a reduction
    expect(values(await c.mul(2).get('30:31').compute())).toEqual(ev.slice(0, 20).map((v) => v * 2));
    const s = (await c.sum().compute()) as number;
    expect(s).toBeCloseTo([...xv, ...ev].reduce((a, b) => a + b, 0), 9);
    expect(stack([x, x]).shape).toEqual([2, 30, 20]);
    const persisted = await concatenate([arange(5), arange(3)]).persist();
    expect(values(await persisted.compute()).map(Number)).toEqual([0, 1, 2, 3, 4, 0, 1, 2]);
    persisted.dispose();
  });

  it('one concatenation computed as several outputs of one plan, and after later work read it: the same values each time', async () => {
    const c = concatenate([fromArray(new Uint8Array([1, 0, 1]), { dtype: 'bool' }), fromArray(new Uint8Array([1, 1]), { dtype: 'bool' })]);
    const [a, b, both] = await computeArrays([c, c, c.logicalAnd(c)]);
    for (const r of [a, b, both]) expect(Array.from((r as DenseArray).data as Uint8Array)).toEqual([1, 0, 1, 1, 1]);
    const x = concatenate([arange(4, { dtype: 'float64' }), arange(2, { dtype: 'float64' })]);
    const [y, z] = await computeArrays([x.add(1), x]);
    expect(Array.from((y as DenseArray).data as Float64Array)).toEqual([1, 2, 3, 4, 1, 2]);
    expect(Array.from((z as DenseArray).data as Float64Array)).toEqual([0, 1, 2, 3, 0, 1]);
  });

  it('optimized task counts: a root concatenation is its sources\' chunks; read by later work, one with an expression source is its own kernel', () => {
    const x = random.random([4000, 400], { seed: 1, chunks: [1000, 400] });
    const c = concatenate([x, x.exp()]);
    expect(c.graph({ optimize: true }).taskCount).toBe(8);
    // concat kernel (8) + sum partials over its 8 chunks (8) + aggregate (1)
    expect(c.sum().graph({ optimize: true }).taskCount).toBe(17);
  });

  it('task graph: one task per output chunk, each reading one source chunk', () => {
    const x = ones([4, 6], { chunks: [2, 3] });
    const c = concatenate([x, x], { axis: 1 });
    expect(c.chunks).toEqual([[2, 2], [3, 3, 3, 3]]);
    const layer = c.graph().layers.find((l) => l.name === c.name)!;
    expect(layer).toBeDefined();
  });

  it('a concatenation read by later work beyond the materialize limit is refused clearly', async () => {
    // (sources that are plain leaves are read in place, never materialized: an expression source is)
    const x = random.random([40000, 40000], { seed: 1 });
    await expect(concatenate([x, x.exp()], { axis: 0 }).mean().compute()).rejects.toThrow(/materializeLimit/);
  });

  it("mixed dtypes join in NumPy's result_type (they were float64): int16 + int64, uint8 + int8 + bool, uint8 + float32", async () => {
    const i = concatenate([fromArray(new Int16Array([-15, 15]), { chunks: [[1, 1]] }), fromArray(new BigInt64Array([6n, 2n ** 62n + 1n]))]);
    expect(i.dtype).toBe('int64');
    expect(Array.from((await i.compute()).data as BigInt64Array)).toEqual([-15n, 15n, 6n, 2n ** 62n + 1n]);
    const s = stack([fromArray(new Uint8Array([16])), fromArray(new Int8Array([-13])), fromArray(new Uint8Array([1]), { dtype: 'bool' })], { axis: 1 });
    expect(s.dtype).toBe('int16');
    expect(Array.from((await s.compute()).data as Int16Array)).toEqual([16, -13, 1]);
    const f = concatenate([fromArray(new Uint8Array([200])), fromArray(new Float32Array([0.1]))]);
    expect(f.dtype).toBe('float32');
    expect(Array.from((await f.compute()).data as Float32Array)).toEqual([200, Math.fround(0.1)]);
  });

  it('empty inputs: Dask drops them before unifying chunks (unless all are empty)', async () => {
    const a = fromArray(new Float64Array(16), { shape: [4, 4], chunks: [[4], [1, 3]] });
    const b = fromArray(new Uint16Array(8).fill(7), { shape: [2, 4], chunks: [[2], [1, 3]] });
    const c = fromArray(new Int16Array(0), { shape: [0, 4], chunks: [[0], [3, 1]] });
    // dask: ((4, 2), (1, 3)), ((4,), (1, 3)), ((0, 0), (3, 1))
    const abc = concatenate([a, b, c]);
    expect(abc.chunks).toEqual([[4, 2], [1, 3]]);
    expect(abc.dtype).toBe('float64');
    expect(Array.from((await abc.compute()).data as Float64Array)).toEqual([...Array(16).fill(0), ...Array(8).fill(7)]);
    expect(concatenate([c, a]).chunks).toEqual([[4], [1, 3]]);
    const cc = concatenate([c, c]);
    expect(cc.chunks).toEqual([[0, 0], [3, 1]]);
    expect(cc.shape).toEqual([0, 4]);
    // the dtype is still every input's result_type: np.concatenate([int16 (0, 4), uint8 (1, 4)]) is int16
    const u = concatenate([c, fromArray(new Uint8Array([1, 2, 3, 4]), { shape: [1, 4] })]);
    expect(u.dtype).toBe('int16');
    expect(Array.from((await u.compute()).data as Int16Array)).toEqual([1, 2, 3, 4]);
  });

  it('errors', () => {
    expect(() => concatenate([])).toThrow(/need at least one array/);
    expect(() => concatenate([ones([2, 3]), ones([2, 4])])).toThrow(/along dimension 1, the array at index 0 has size 3 and the array at index 1 has size 4/);
    expect(() => concatenate([ones([2, 3]), ones([3])])).toThrow(/same number of dimensions/);
    expect(() => concatenate([ones([2, 3])], { axis: 2 })).toThrow(RangeError);
    expect(() => stack([ones([2, 3]), ones([3, 2])])).toThrow(/same shape/);
    expect(() => concatenate([ones([2]), 3 as unknown as NDArray])).toThrow(TypeError);
  });
});
