// split / arraySplit / roll / pad / tile against NumPy (test/fixtures/numpy/shape_ops.json "misc",
// scripts/fixtures/numpy_shape_ops.py) on arange(size).reshape(shape), chunked irregularly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arange, arraySplit, DenseArray, diagonal, random, fromArray, ones, pad, roll, split, tile, type NDArray } from '../src/index.js';

interface Misc { name: string; shape: number[]; args: unknown[]; kwargs: Record<string, unknown>; pieces: { shape: number[]; values: number[] }[] }
const { misc } = JSON.parse(readFileSync(new URL('./fixtures/numpy/shape_ops.json', import.meta.url), 'utf8')) as { misc: Misc[] };
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

function run(x: NDArray, r: Misc): NDArray[] {
  const k = r.kwargs as { axis?: number; mode?: 'constant' | 'edge'; constant_values?: number };
  switch (r.name) {
    case 'array_split': return arraySplit(x, r.args[0] as number | number[], { axis: k.axis });
    case 'split': return split(x, r.args[0] as number | number[], { axis: k.axis });
    case 'roll': return [roll(x, r.args[0] as number | number[], k.axis === undefined ? undefined : { axis: k.axis })];
    case 'pad': return [pad(x, r.args[0] as number, { mode: k.mode, constantValues: k.constant_values })];
    case 'tile': return [tile(x, r.args[0] as number | number[])];
    case 'diagonal': return [diagonal(x, r.kwargs as { offset?: number; axis1?: number; axis2?: number })];
  }
  throw new Error(r.name);
}

describe('split, roll, pad, tile', () => {
  it.each(misc.map((r) => [`${r.name}(${JSON.stringify(r.args)}, ${JSON.stringify(r.kwargs)}) of [${r.shape}]`, r] as const))('%s', async (_, r) => {
    const x = fromArray(Float64Array.from({ length: prod(r.shape) }, (_, i) => i), { shape: r.shape, chunks: r.shape.map((n) => Math.max(1, Math.ceil(n / 2))) });
    const out = run(x, r);
    expect(out.length).toBe(r.pieces.length);
    for (let i = 0; i < out.length; i++) {
      expect(out[i]!.shape).toEqual(r.pieces[i]!.shape);
      expect(values(await out[i]!.compute())).toEqual(r.pieces[i]!.values);
    }
  });

  it('diagonal of a lazy random expression is a view of its values', async () => {
    const x = random.random([6, 9], { seed: 8, chunks: [4, 4] }).exp();
    const all = values(await x.compute());
    expect(values(await diagonal(x, { offset: 2 }).compute())).toEqual([0, 1, 2, 3, 4, 5].map((i) => all[i * 9 + i + 2]!));
    // a transposed operand is no strided view of the merged axes: selected exactly instead
    expect(values(await diagonal(x.T, { offset: -1 }).compute())).toEqual([0, 1, 2, 3, 4, 5].map((i) => all[i * 9 + i + 1]!));
    const z = fromArray(new Float64Array([-0, 1, NaN, 2, -0, 3, Infinity, 4, 5]), { shape: [3, 3], chunks: [2, 2] }).T;
    expect(values(await diagonal(z).compute()).map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['-0', '-0', '5']);
  });

  it('pad: a bigint constant is exact on int64 (np.pad(a, 1, constant_values=2**63-1)); a float one is cast as NumPy casts it', async () => {
    const big = 9223372036854775807n;
    const r = (await pad(fromArray(new BigInt64Array([1n, 2n])), 1, { constantValues: big }).compute()) as DenseArray;
    expect([...r.data]).toEqual([big, 1n, 2n, big]);
    // np.pad(np.arange(3), 1, constant_values=1.5) -> [1 0 1 2 1]
    expect([...((await pad(arange(3), 1, { constantValues: 1.5 }).compute()) as DenseArray).data]).toEqual([1n, 0n, 1n, 2n, 1n]);
    expect(() => pad(ones([3]), 1, { constantValues: 'x' as never })).toThrow(/number or bigint/);
  });

  it('errors', () => {
    expect(() => diagonal(ones([3]))).toThrow(RangeError);
    expect(() => diagonal(ones([3, 3]), { axis1: 1, axis2: 1 })).toThrow(/cannot be the same/);
    expect(() => split(ones([7]), 3)).toThrow(/equal division/);
    expect(() => arraySplit(ones([7]), 0)).toThrow(RangeError);
    expect(() => pad(ones([3]), -1)).toThrow(RangeError);
    expect(() => pad(ones([0]), 1, { mode: 'edge' })).toThrow(/empty axis/);
    expect(() => roll(ones([3]), 1.5)).toThrow(TypeError);
    expect(() => tile(ones([3]), [-1])).toThrow(RangeError);
  });
});
