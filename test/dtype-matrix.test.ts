// Everyday expressions over every dtype against NumPy 2 (test/fixtures/numpy/dtype-matrix.json,
// written by scripts/fixtures/numpy_dtype_matrix.py): result dtype and values, on a 4x6 array
// chunked 3x4 so every expression crosses chunk boundaries. The few places tessera differs from
// NumPy on purpose are listed in DEVIATIONS, each with the reason, and checked as such.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as t from '../src/index.js';
import { EXPR, type A } from './helpers/dtype-matrix-exprs.js';

interface Result { dtype: string; shape: number[]; data: (number | string | null)[]; signbit?: boolean[] }
interface Case { dtype: t.DType; variant?: 'nan' | 'inf' | 'negzero' | 'nanrow'; expr: string; result?: Result; error?: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/dtype-matrix.json', import.meta.url), 'utf8')) as { numpy: string; cases: Case[] };


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

function base(dtype: t.DType, variant?: Case['variant']): A {
  const off = dtype.startsWith('u') || dtype === 'bool' ? 0 : 3;
  const v = Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - off);
  if (variant === 'nan') (v[1 * 6 + 2] = NaN), (v[3 * 6] = NaN);
  if (variant === 'inf') (v[1] = Infinity), (v[2 * 6 + 4] = -Infinity);
  if (variant === 'negzero') v.forEach((x, i) => x === 0 && (v[i] = -0));
  if (variant === 'nanrow') v.fill(NaN, 12, 18);
  return t.fromArray(new Float64Array(v)).reshape([4, 6]).rechunk([3, 4]).astype(dtype);
}

function asResult(r: t.Computed): { dtype: string; shape: number[]; data: number[] } {
  if (r instanceof t.DenseArray) return { dtype: r.dtype, shape: [...r.shape], data: Array.from(r.data as ArrayLike<number | bigint>, Number) };
  return { dtype: typeof r === 'bigint' ? 'int' : typeof r === 'boolean' ? 'bool' : 'number', shape: [], data: [Number(r)] };
}

describe(`dtype matrix against NumPy ${fixture.numpy}`, () => {
  it('maps every expression of the fixture', () => {
    for (const c of fixture.cases) expect(EXPR[c.expr], c.expr).toBeTypeOf('function');
    expect(fixture.cases.length).toBe(990);
  });
  const groups = [...new Set(fixture.cases.map((c) => `${c.dtype}${c.variant ? ` ${c.variant}` : ''}`))];
  for (const group of groups) {
    it(`${group}: dtypes and values`, async () => {
      const [dtype, variant] = group.split(' ') as [t.DType, Case['variant']];
      const a = base(dtype, variant);
      for (const c of fixture.cases.filter((k) => k.dtype === dtype && k.variant === variant)) {
        const key = `${group} ${c.expr}`;
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
        want.data.forEach((raw, i) => {
          const g = got.data[i]!;
          const w = raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw;
          if (want.signbit && !Number.isNaN(g)) expect(g < 0 || Object.is(g, -0), `${key}[${i}] sign`).toBe(want.signbit[i]);
          if (w === null) expect(Number.isNaN(g), `${key}[${i}] NaN`).toBe(true);
          else if (typeof w === 'string' || !Number.isFinite(w)) expect(g, `${key}[${i}]`).toBe(w);
          else if (Number.isInteger(w) && !want.dtype.startsWith('float')) expect(g, `${key}[${i}]`).toBe(w);
          else expect(Math.abs(g - w), `${key}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
        });
      }
    });
  }
});
