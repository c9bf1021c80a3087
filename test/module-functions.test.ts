// NumPy's module-function spellings of the shape methods (np.reshape(x, …) beside x.reshape(…)) and
// fmax/fmin with scalars on either side. Values against the method forms and against NumPy 2.4's
// answers written inline (np.fmax([-0., nan, 3.], nan) etc.).
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { arange, fromArray, type DenseArray } from '../src/index.js';

const vals = async (x: T.NDArray): Promise<{ shape: number[]; data: number[] }> => {
  const r = (await x.compute()) as number | DenseArray;
  return typeof r === 'number' ? { shape: [], data: [r] } : { shape: [...r.shape], data: Array.from(r.data as Float64Array, Number) };
};

describe('module-function forms of the shape methods', () => {
  const x = arange(24, { chunks: 5 }).reshape([2, 3, 4]).astype('float64');
  const cases: [string, T.NDArray, T.NDArray][] = [
    ['reshape', T.reshape(x, [4, -1]), x.reshape([4, -1])],
    ['ravel', T.ravel(x), x.ravel()],
    ['squeeze', T.squeeze(T.expandDims(x, 0)), x],
    ['expandDims', T.expandDims(x, 1), x.expandDims(1)],
    ['swapaxes', T.swapaxes(x, 0, 2), x.swapaxes(0, 2)],
    ['moveaxis', T.moveaxis(x, 0, -1), x.moveaxis(0, -1)],
    ['flip', T.flip(x, 1), x.flip(1)],
    ['flipud', T.flipud(x), x.flip(0)],
    ['fliplr', T.fliplr(x), x.flip(1)],
    ['broadcastTo', T.broadcastTo(x, [2, 2, 3, 4]), x.broadcastTo([2, 2, 3, 4])],
  ];
  for (const [name, f, m] of cases) {
    it(`${name}(x, …) is x.${name}(…)`, async () => {
      expect(await vals(f)).toEqual(await vals(m));
    });
  }
  it('a non-array first argument is a TypeError naming the function', () => {
    expect(() => T.reshape([1, 2] as never, [2])).toThrow(TypeError);
    expect(() => T.reshape([1, 2] as never, [2])).toThrow(/reshape/);
    expect(() => T.flipud(3 as never)).toThrow(/flipud/);
  });
});

describe('fmax / fmin', () => {
  const x = fromArray(new Float64Array([-0, NaN, 3]));
  const bits = (a: number[]): string[] => a.map((v) => (Object.is(v, -0) ? '-0' : String(v)));
  it('NaN scalars keep the array (np.fmax(x, nan) = x; np.fmin(nan, x) = x)', async () => {
    expect(bits((await vals(T.fmax(x, NaN))).data)).toEqual(['-0', 'NaN', '3']);
    expect(bits((await vals(T.fmin(NaN, x))).data)).toEqual(['-0', 'NaN', '3']);
  });
  it('numbers against an array with a NaN', async () => {
    expect(bits((await vals(T.fmax(x, 1))).data)).toEqual(['1', '1', '3']);
    expect(bits((await vals(T.fmin(x, 1))).data)).toEqual(['-0', '1', '1']);
  });
  it('two scalars (np.fmax(1, 2) = 2, np.fmin(nan, 2) = 2)', async () => {
    expect(await T.fmax(1, 2).compute()).toBe(2);
    expect(await T.fmin(NaN, 2).compute()).toBe(2);
  });
  it('operands that are neither arrays nor numbers are a TypeError', () => {
    expect(() => T.fmax('a' as never, x)).toThrow(TypeError);
  });
});
