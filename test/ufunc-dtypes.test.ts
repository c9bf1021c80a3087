// Ufuncs across dtypes against NumPy 2: result dtype and values of 38 unary and 26 binary ufuncs
// over float64/float32/int8/int16/uint8/uint32/int64/bool data with NaN, ±inf, -0 and extremes, and
// the TypeErrors NumPy raises (test/fixtures/numpy/ufunc_dtypes.json, scripts/fixtures/numpy_ufunc_dtypes.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import type { DType, NDArray } from '../src/index.js';

interface Case { op: string; args: string[]; dtype?: string; v?: string[]; error?: string }
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/ufunc_dtypes.json', import.meta.url), 'utf8')) as {
  arrays: Record<string, { dtype: DType; v: string[] }>; cases: Case[];
};
const num = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));
const NAMES: Record<string, string> = {
  negative: 'neg', absolute: 'abs', true_divide: 'div', subtract: 'sub', multiply: 'mul', equal: 'eq', less: 'lt', greater_equal: 'ge', power: 'pow',
};
const fnName = (op: string): string => NAMES[op] ?? op.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const chunks = [[5, 7]];
function array(k: string): NDArray {
  const a = fx.arrays[k]!;
  if (a.dtype === 'int64') return T.fromArray(new BigInt64Array(a.v.map(BigInt)), { chunks });
  return T.fromArray(new Float64Array(a.v.map(num)), { chunks }).astype(a.dtype);
}
// transcendentals within a few ulp of NumPy's (float32: ~1e-7 relative); the rest exact
const close = (g: number, w: number, f32: boolean): boolean =>
  Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)) || Math.abs(g - w) <= (f32 ? 3e-7 : 4e-16) * Math.abs(w);

describe.each(Object.keys(fx.arrays))('ufuncs with %s first', (k) => {
  const cases = fx.cases.filter((c) => c.args[0] === k);
  it(`${cases.length} cases against NumPy`, async () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const f = (T as unknown as Record<string, (...a: NDArray[]) => NDArray>)[fnName(c.op)]!;
      expect(typeof f, c.op).toBe('function');
      const label = `${c.op}(${c.args.join(', ')})`;
      if (c.error) {
        expect(() => f(...c.args.map(array)), label).toThrow(TypeError);
        continue;
      }
      const r = f(...c.args.map(array));
      const got = [...((await r.compute()) as { data: ArrayLike<number | bigint> }).data];
      const fl = c.dtype!.startsWith('float');
      if (r.dtype !== c.dtype || got.some((g, i) => (fl ? !close(Number(g), num(c.v![i]!), c.dtype === 'float32') : String(g) !== c.v![i]))) {
        wrong.push(`${label}: ${r.dtype} ${got.map(String)} (NumPy ${c.dtype} ${c.v})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
