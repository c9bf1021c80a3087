// Everyday expressions over every dtype against NumPy 2 (test/fixtures/numpy/dtype-matrix.json,
// written by scripts/fixtures/numpy_dtype_matrix.py): result dtype and values, on a 4x6 array
// chunked 3x4 so every expression crosses chunk boundaries. The few places tessera differs from
// NumPy on purpose are listed in DEVIATIONS, each with the reason, and checked as such.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as t from '../src/index.js';
import type { NDArray } from '../src/index.js';

interface Result { dtype: string; shape: number[]; data: (number | null)[] }
interface Case { dtype: t.DType; expr: string; result?: Result; error?: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/dtype-matrix.json', import.meta.url), 'utf8')) as { numpy: string; cases: Case[] };

type A = NDArray;
const EXPR: Record<string, (a: A) => A> = {
  'a.sum()': (a) => a.sum(), 'a.mean()': (a) => a.mean(), 'a.var()': (a) => a.var(), 'a.std()': (a) => a.std(),
  'a.prod()': (a) => a.prod(), 'a.min()': (a) => a.min(), 'a.max()': (a) => a.max(),
  'a.argmax()': (a) => a.argmax(), 'a.argmin()': (a) => a.argmin(),
  'a.cumsum(axis=0)': (a) => a.cumsum({ axis: 0 }), 'a.cumprod(axis=1)': (a) => a.cumprod({ axis: 1 }),
  'np.median(a, axis=0)': (a) => a.median({ axis: 0 }), 'np.quantile(a, 0.3, axis=1)': (a) => a.quantile(0.3, { axis: 1 }),
  'np.percentile(a, 75)': (a) => a.percentile(75), 'a.any()': (a) => a.any(), 'a.all(axis=0)': (a) => a.all({ axis: 0 }),
  'np.count_nonzero(a, axis=1)': (a) => a.countNonzero({ axis: 1 }), 'np.ptp(a, axis=0)': (a) => a.ptp({ axis: 0 }),
  'np.clip(a, 2, 9)': (a) => a.clip(2, 9), 'np.floor(a)': (a) => a.floor(), 'np.abs(a)': (a) => a.abs(),
  'np.sign(a)': (a) => a.sign(), 'np.square(a)': (a) => a.square(), 'np.sqrt(a)': (a) => a.sqrt(), 'np.exp(a)': (a) => a.exp(),
  'np.negative(a)': (a) => a.neg(), 'a // 3': (a) => a.floorDivide(3), 'a % 3': (a) => a.mod(3), 'a / 3': (a) => a.div(3),
  'a ** 2': (a) => a.pow(2), 'np.maximum(a, 5)': (a) => a.maximum(5), 'np.where(a > 4, a, 0)': (a) => t.where(a.gt(4), a, 0),
  'np.sum(a, axis=1, keepdims=True)': (a) => a.sum({ axis: 1, keepdims: true }), 'np.mean(a, axis=0)': (a) => a.mean({ axis: 0 }),
  'np.nansum(a)': (a) => a.nansum(), 'np.nanmax(a, axis=1)': (a) => a.nanmax({ axis: 1 }), 'np.nanmean(a)': (a) => a.nanmean(),
  'np.flip(a, axis=1)': (a) => a.flip({ axis: 1 }), 'np.roll(a, 2, axis=1)': (a) => t.roll(a, 2, { axis: 1 }), 'np.tril(a)': (a) => t.tril(a),
  'np.diff(a, axis=0)': (a) => t.diff(a, { axis: 0 }), 'np.round(a, -1)': (a) => a.round(-1), 'np.isclose(a, 5)': (a) => t.isclose(a, 5),
  'a.astype(np.float32) / 3': (a) => a.astype('float32').div(3), '(a > 3) & (a < 8)': (a) => a.gt(3).bitwiseAnd(a.lt(8)),
  'np.invert(a)': (a) => a.invert(), 'np.left_shift(a, 2)': (a) => a.leftShift(2), 'a.T @ a': (a) => t.matmul(a.T, a),
  'np.take(a, [2, 0, 2], axis=1)': (a) => a.take([2, 0, 2], { axis: 1 }), 'a[a > 5]': (a) => a.mask(a.gt(5)),
  'a[::-1, 1::2]': (a) => a.get('::-1, 1::2'), 'np.cumsum(a)': (a) => a.cumsum(), 'np.argmax(a, axis=0)': (a) => a.argmax({ axis: 0 }),
  'np.nancumsum(a, axis=1)': (a) => a.nancumsum({ axis: 1 }), 'np.var(a, axis=1)': (a) => a.var({ axis: 1 }),
};

/** Where tessera differs from NumPy 2 on purpose: the reason, and what tessera gives instead. */
const DEVIATIONS: Record<string, { why: string; dtype?: string; tolerance?: number; computes?: boolean }> = {
  // tessera has no float16: NumPy's float16 loops (ufuncs of int8/uint8/bool) run in float32
  'int8 np.sqrt(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  'int8 np.exp(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  'uint8 np.sqrt(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  'uint8 np.exp(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  'bool np.sqrt(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  'bool np.exp(a)': { why: 'no float16', dtype: 'float32', tolerance: 1e-3 },
  // NEP 50 puts a weak int with a bool array in int64; NumPy's power resolver picks int8
  'bool a ** 2': { why: 'NEP 50 default integer', dtype: 'int64' },
  // NumPy refuses bool subtraction (and sign of bool); tessera computes them through int8/float64
  'bool np.quantile(a, 0.3, axis=1)': { why: 'bool treated as 0/1', computes: true },
  'bool np.percentile(a, 75)': { why: 'bool treated as 0/1', computes: true },
  'bool np.ptp(a, axis=0)': { why: 'bool treated as 0/1', computes: true },
  'bool np.sign(a)': { why: 'bool treated as 0/1', computes: true },
};

function base(dtype: t.DType): A {
  const off = dtype.startsWith('u') || dtype === 'bool' ? 0 : 3;
  const v = Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - off);
  return t.fromArray(new Float64Array(v)).reshape([4, 6]).rechunk([3, 4]).astype(dtype);
}

function asResult(r: t.Computed): { dtype: string; shape: number[]; data: number[] } {
  if (r instanceof t.DenseArray) return { dtype: r.dtype, shape: [...r.shape], data: Array.from(r.data as ArrayLike<number | bigint>, Number) };
  return { dtype: typeof r === 'bigint' ? 'int' : typeof r === 'boolean' ? 'bool' : 'number', shape: [], data: [Number(r)] };
}

describe(`dtype matrix against NumPy ${fixture.numpy}`, () => {
  it('maps every expression of the fixture', () => {
    for (const c of fixture.cases) expect(EXPR[c.expr], c.expr).toBeTypeOf('function');
    expect(fixture.cases.length).toBe(550);
  });
  for (const dtype of [...new Set(fixture.cases.map((c) => c.dtype))]) {
    it(`${dtype}: dtypes and values`, async () => {
      const a = base(dtype);
      for (const c of fixture.cases.filter((k) => k.dtype === dtype)) {
        const key = `${dtype} ${c.expr}`;
        const dev = DEVIATIONS[key];
        if (c.error) {
          // NumPy refuses: tessera refuses at build time with a TypeError, or is listed as computing it
          let refused = false;
          try {
            await EXPR[c.expr]!(a).compute();
          } catch (e) {
            expect(e, key).toBeInstanceOf(TypeError);
            refused = true;
          }
          expect(refused || dev?.computes === true, `${key}: NumPy raises ${c.error}; tessera computes it (not listed)`).toBe(true);
          continue;
        }
        const got = asResult(await EXPR[c.expr]!(a).compute());
        const want = c.result!;
        expect(got.shape, key).toEqual(want.shape);
        // 0-d results come back as JS numbers/bigints/booleans: their kind must fit NumPy's dtype
        if (got.shape.length || got.dtype !== 'number' && got.dtype !== 'int' && got.dtype !== 'bool') {
          if (want.shape.length) expect(got.dtype, key).toBe(dev?.dtype ?? want.dtype);
        } else if (got.dtype === 'int') {
          expect(want.dtype, key).toMatch(/^u?int64$/);
        }
        const tol = dev?.tolerance ?? (want.dtype === 'float32' ? 1e-6 : 1e-12);
        want.data.forEach((w, i) => {
          const g = got.data[i]!;
          if (w === null) expect(Number.isNaN(g), `${key}[${i}] NaN`).toBe(true);
          else if (Number.isInteger(w) && !want.dtype.startsWith('float')) expect(g, `${key}[${i}]`).toBe(w);
          else expect(Math.abs(g - w), `${key}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
        });
      }
    });
  }
});
