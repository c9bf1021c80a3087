// View shape operations (issue 15 step 2) against NumPy's values and Dask's chunks:
// test/fixtures/numpy/shape_ops.json from scripts/fixtures/numpy_shape_ops.py (Debian's NumPy 1.24,
// Dask 2022.12). Each row applies the op to arange(size).reshape(shape) with Dask chunks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arange, configure, DenseArray, fromArray, getConfig, ones, random, type NDArray } from '../src/index.js';

interface Row {
  shape: number[];
  chunks: number[][];
  op: string;
  args: unknown[];
  numpy: { shape: number[]; values: number[] };
  dask: { chunks: number[][] };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/shape_ops.json', import.meta.url), 'utf8')) as { rows: Row[] };
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

type Axes = number | number[];
function apply(x: NDArray, op: string, args: unknown[]): NDArray {
  switch (op) {
    case 'reshape': return x.reshape(args[0] as number[]);
    case 'squeeze': return x.squeeze(args[0] === null ? undefined : (args[0] as Axes));
    case 'expand_dims': return x.expandDims(args[0] as Axes);
    case 'flip': return x.flip(args[0] as Axes | null);
    case 'swapaxes': return x.swapaxes(args[0] as number, args[1] as number);
    case 'moveaxis': return x.moveaxis(args[0] as Axes, args[1] as Axes);
    case 'broadcast_to': return x.broadcastTo(args[0] as number[]);
  }
  throw new Error(op);
}

describe('shape operations as views', () => {
  it.each(fixture.rows.map((r) => [`${r.op}(${JSON.stringify(r.args)}) of [${r.shape}] chunks ${JSON.stringify(r.chunks)}`, r] as const))('%s', async (_, r) => {
    const x = fromArray(Float64Array.from({ length: prod(r.shape) }, (_, i) => i), { shape: r.shape, chunks: r.chunks });
    const y = apply(x, r.op, r.args);
    expect(y.shape).toEqual(r.numpy.shape);
    expect(y.chunks).toEqual(r.dask.chunks);
    expect(values(await y.compute())).toEqual(r.numpy.values);
  });

  it('views of generated arrays equal the ops on their computed values', async () => {
    const x = random.random([6, 8], { seed: 5, chunks: [2, 4] });
    const all = values(await x.compute());
    // reshape [6, 8] → [3, 2, 8] splits axis 0: same flat order.
    expect(values(await x.reshape([3, 2, 8]).compute())).toEqual(all);
    // flip then reshape composes through the leaf's strides.
    // (The reference is the engine's exp of the flipped array: its exp is not Math.exp to the last bit.)
    const flipped = values(await x.flip(0).exp().compute());
    expect(values(await x.flip(0).reshape([3, 2, 8]).exp().compute())).toEqual(flipped);
    // broadcast of a lazy expression
    const b = values(await x.get('0:1, :').exp().broadcastTo([3, 6, 8]).compute());
    const row = values(await x.get('0').exp().compute());
    expect(row.slice(0, 8).map((_, i) => all[i])).toEqual(values(await x.get('0').compute()));
    expect(b).toEqual([0, 1, 2].flatMap(() => [0, 1, 2, 3, 4, 5].flatMap(() => row)));
  });

  it('merging reshapes of generated arrays and expressions keep the C-order values', async () => {
    const x = random.random([6, 8], { seed: 9, chunks: [2, 4] });
    const y = arange(48, { chunks: 16 }).reshape([6, 8]);
    const e = x.exp().mul(y).add(1);
    const ref = values(await e.compute());
    expect(values(await e.reshape([48]).compute())).toEqual(ref);
    expect(values(await e.ravel().compute())).toEqual(ref);
    expect(values(await e.reshape([6, 2, 4]).compute())).toEqual(ref);
    const p = await x.persist();
    expect(values(await p.reshape([-1, 4]).compute())).toEqual(values(await x.compute()));
    p.dispose();
  });

  it("uneven reshapes (Dask: NotImplementedError) of generated leaves are free, with 'auto' chunks", async () => {
    const x = random.random([40, 40], { seed: 2, chunks: [10, 10] });
    const r = x.reshape([-1, 16]);
    expect(r.shape).toEqual([100, 16]);
    expect(r.chunks).toEqual([[100], [16]]);
    expect(values(await r.compute())).toEqual(values(await x.compute()));
    const big = random.random([40000, 40000], { seed: 1 }).reshape([-1, 1600]);
    expect(big.shape).toEqual([1000000, 1600]);
  });

  it('merging axes of a transpose, a slice, a broadcast or a reduction copies, as NumPy: the row-major values, Dask\'s chunks', async () => {
    const x = random.random([6, 4], { seed: 3, chunks: [3, 2] });
    const z = random.random([8, 6, 4], { seed: 4, chunks: [4, 3, 2] });
    const cases: [NDArray, NDArray, number[][] | undefined][] = [
      // [the reshape, the array it reads row-major, Dask 2022.12's chunks]
      [x.T.reshape([24]), x.T, [[6, 6, 6, 6]]],
      [random.random([6, 4], { seed: 5 }).get('::2').reshape([12]), random.random([6, 4], { seed: 5 }).get('::2'), [[12]]],
      [z.transpose([2, 0, 1]).reshape([4, 48]), z.transpose([2, 0, 1]), [[2, 2], [12, 12, 12, 12]]],
      [z.sum({ axis: 0 }).reshape([-1]), z.sum({ axis: 0 }), undefined],
      [x.get(':, ::-1').mul(2).add(x.T.T).reshape([24]), x.get(':, ::-1').mul(2).add(x), undefined],
      [arange(12).reshape([3, 4]).T.reshape([2, 6]), arange(12).reshape([3, 4]).T, undefined],
      [ones([4]).broadcastTo([3, 4]).mul(arange(4)).reshape([12]), ones([4]).broadcastTo([3, 4]).mul(arange(4)), undefined],
    ];
    for (const [r, src, chunks] of cases) {
      if (chunks) expect(r.chunks).toEqual(chunks);
      const [got, want] = [await r.compute(), await src.compute()];
      expect(got.shape).toEqual(r.shape);
      expect(values(got)).toEqual(values(want));
      // (a sum over another shape adds in another order, as NumPy's pairwise sum)
      expect(Number(await r.sum().compute())).toBeCloseTo(Number(await src.sum().compute()), 10);
    }
    // consumers read the copy like any array: slices of it, a second reshape, an int dtype kept
    const t = arange(12).reshape([3, 4]).T.reshape([12]);
    expect(t.dtype).toBe('int64');
    expect(Array.from((await t.get('1::3').compute()).data, Number)).toEqual([4, 5, 6, 7]);
    expect(Array.from((await t.reshape([2, 6]).get('1').compute()).data, Number)).toEqual([2, 6, 10, 3, 7, 11]);
    // NumPy: np.arange(12).reshape(3, 4).T.reshape(12) = [0 4 8 1 5 9 2 6 10 3 7 11]
    expect(Array.from((await t.compute()).data, Number)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(t.graph().layers.some((l) => l.op === 'reshape')).toBe(true);
  });

  it('a copying reshape over configure({ materializeLimit }) is a RangeError naming it; a persisted input reshapes in place', async () => {
    const saved = getConfig().materializeLimit;
    configure({ materializeLimit: 1000 });
    try {
      const x = random.random([20, 30], { seed: 2, chunks: [10, 30] });
      await expect(x.T.reshape([-1]).sum().compute()).rejects.toThrow(RangeError);
      await expect(x.T.reshape([-1]).sum().compute()).rejects.toThrow(/materializeLimit.*4800 bytes|4800 bytes.*materializeLimit/);
      // the same values after persist(): a reshape of a contiguous buffer is a view, no copy to bound
      const p = await x.persist();
      expect(Number(await p.reshape([-1]).sum().compute())).toBeCloseTo(Number(await x.sum().compute()), 12);
    } finally {
      configure({ materializeLimit: saved });
    }
  });

  it('empty caller arrays reshape and ravel (a [1, 0] leaf split its empty axis with a NaN step)', async () => {
    // np: empty((1, 0), int8).ravel() -> shape (0,); np.take(empty((1, 0)), []) -> shape (0,)
    const e = fromArray(new Int8Array(0), { shape: [1, 0] });
    expect((await e.ravel().compute()).shape).toEqual([0]);
    expect((await e.take([]).compute()).shape).toEqual([0]);
    const f = fromArray(new Int8Array(0), { shape: [2, 1, 0] }).reshape([2, 0]);
    expect((await f.compute()).shape).toEqual([2, 0]);
  });

  it('an aligned reshape adds no task', () => {
    const x = random.random([4000, 400], { seed: 1, chunks: [1000, 400] });
    expect(x.reshape([4, 1000, 400]).sum().graph({ optimize: true }).taskCount).toBe(x.sum().graph({ optimize: true }).taskCount);
  });

  it('errors', () => {
    expect(() => ones([6, 4]).reshape([5, -1])).toThrow(RangeError);
    expect(() => ones([6, 4]).reshape([5, -1])).toThrow('reshape: cannot reshape an array of size 24 (shape [6, 4]) into shape [5, -1]');
    expect(() => ones([6, 4]).reshape(7)).toThrow('into shape [7]');
    expect(() => ones([6, 4]).reshape([-1, -1])).toThrow(/one unknown dimension/);
    expect(() => random.random([6, 4], { chunks: [3, 2] }).exp().get('::-1').reshape([4, 6])).toThrow(/does not merge or split existing axes evenly/);
    expect(() => ones([6, 4]).squeeze(0)).toThrow(/size not equal to one/);
    expect(() => ones([6, 4]).broadcastTo([3, 4])).toThrow(/cannot broadcast/);
    expect(() => ones([6, 4]).swapaxes(0, 2)).toThrow(RangeError);
    expect(() => ones([6]).fliplr()).toThrow(RangeError);
  });
});
