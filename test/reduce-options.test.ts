// Reductions and scans against NumPy 2 for every dtype family, each axis, NaN/±inf/-0 data and
// NumPy's dtype= option (elements cast first, integer accumulators wrapping, an integer mean
// truncated), over irregular chunks (test/fixtures/numpy/reduce_options.json,
// scripts/fixtures/numpy_reduce_options.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import type { DType, NDArray } from '../src/index.js';

interface Case { a: string; fn: string; axis: number | null; extra: number | string | null; dtype?: string; shape?: number[]; v?: string[]; error?: string }
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/reduce_options.json', import.meta.url), 'utf8')) as {
  arrays: Record<string, { dtype: DType; v: string[] }>; cases: Case[];
};
const num = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));
const names: Record<string, string> = { count_nonzero: 'countNonzero' };
const arrays = Object.fromEntries(Object.entries(fx.arrays).map(([k, a]) => [k, T.fromArray(new Float64Array(a.v.map(num)), { shape: [3, 4], chunks: [[1, 2], [3, 1]] }).astype(a.dtype)]));

function run(c: Case): NDArray {
  const x = arrays[c.a]!;
  const opts: Record<string, unknown> = {};
  if (c.axis !== null) opts.axis = c.axis;
  if (c.fn === 'quantile') return T.quantile(x, c.extra as number, opts);
  if (c.extra !== null) opts.dtype = c.extra;
  const name = names[c.fn] ?? c.fn;
  const method = (x as unknown as Record<string, (o: unknown) => NDArray>)[name];
  if (typeof method === 'function') return method.call(x, opts);
  return (T as unknown as Record<string, (x: NDArray, o: unknown) => NDArray>)[name]!(x, opts);
}

// float results within 4 ulp-ish (NumPy's pairwise sums vs our chunk tree); integers and bools exact
const same = (got: number | bigint | boolean, want: string, float: boolean): boolean => {
  if (!float) return String(typeof got === 'boolean' ? Number(got) : got) === want;
  const w = num(want), g = Number(got);
  return Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)) || Math.abs(g - w) <= 1e-6 * Math.abs(w);
};

describe.each(Object.keys(fx.arrays))('reductions of %s against NumPy', (k) => {
  const cases = fx.cases.filter((c) => c.a === k);
  it(`${cases.length} cases: dtype, shape and values`, async () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const label = `${c.fn}(${k}, axis=${c.axis}${c.extra !== null ? `, ${c.extra}` : ''})`;
      if (c.error) {
        expect(() => run(c), label).toThrow(TypeError);
        continue;
      }
      const r = run(c);
      const v = await r.compute();
      const got = typeof v === 'object' && v !== null && 'data' in v ? [...(v.data as ArrayLike<number | bigint>)] : [v as number | bigint | boolean];
      const float = c.dtype!.startsWith('float');
      if (r.dtype !== c.dtype || JSON.stringify(r.shape) !== JSON.stringify(c.shape) || got.length !== c.v!.length || got.some((g, i) => !same(g, c.v![i]!, float))) {
        wrong.push(`${label}: ${r.dtype} ${JSON.stringify(r.shape)} ${got.map(String)} (NumPy ${c.dtype} ${JSON.stringify(c.shape)} ${c.v})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
