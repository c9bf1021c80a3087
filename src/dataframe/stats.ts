// Statistics of columns: the per-column results of the native reductions (and of non-numeric
// columns, counted here), and the checks of their options.
import { describe as describeValue } from '../errors.js';
import type { DType, Partition } from './column.js';

/** The dtypes of numeric statistics (Int64 read as float64 with NaN for <NA>: exact to 2^53). */
export const NUMERIC = (d: DType): boolean => d === 'int64' || d === 'Int64' || d === 'float64';

export function checkDdof(options: { ddof?: number }): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`std(options): options must be an object`);
  const d = options.ddof ?? 1;
  if (typeof d !== 'number') throw new TypeError(`std(options): ddof must be a non-negative integer, got ${describeValue(d)}`);
  if (!Number.isInteger(d) || d < 0) throw new RangeError(`std(options): ddof must be a non-negative integer, got ${describeValue(d)}`);
  return d;
}

export function stdWith(s: NumStats, ddof: number): number {
  if (!s.numeric) return NaN;
  if (ddof === 1) return s.std;
  const n = s.count;
  // one value: its ddof-1 std is NaN (0 / 0), but with ddof 0 the spread is 0 (pandas; NaN for ±inf)
  if (n === 1 && ddof === 0) return Number.isFinite(s.mean) ? 0 : NaN;
  return n - ddof > 0 ? Math.sqrt((s.std * s.std * (n - 1)) / (n - ddof)) : NaN;
}

export function checkPercentiles(p: unknown): number[] {
  if (p === undefined) return [0.25, 0.5, 0.75];
  if (!Array.isArray(p)) throw new TypeError(`describe(options): percentiles must be an array of numbers in [0, 1], got ${describeValue(p)}`);
  for (const q of p) {
    if (typeof q !== 'number') throw new TypeError(`describe(options): percentiles must be numbers in [0, 1], got ${describeValue(q)}`);
    if (!(q >= 0 && q <= 1)) throw new RangeError(`describe(options): percentiles must be within [0, 1], got ${describeValue(q)}`);
  }
  const set = new Set<number>([...p, 0.5]);
  if (set.size !== p.length + (p.includes(0.5) ? 0 : 1)) throw new RangeError(`describe(options): percentiles must be unique, got ${JSON.stringify(p)}`);
  return [...set].sort((a, b) => a - b);
}

export type NumStats =
  | { numeric: true; count: number; sum: number; mean: number; std: number; min: number; max: number; quantiles: number[]; /** sum/min/max of an int64 column, exactly (then rounded to a number) */ exact?: number }
  | { numeric: false; count: number; unique: number; top: string | boolean | null; freq: number | null; sum: number; mean: number; std: number; min: number; max: number; exact?: undefined };

/** The non-missing values of a column over partitions (missing: code −1, NaN, <NA>). */
function countValues(name: string, parts: Partition[]): number {
  let count = 0;
  for (const p of parts) {
    const c = p.columns.get(name)!;
    if (c.dtype === 'string' || c.dtype === 'category') {
      const codes = c.values as Int32Array;
      for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) count++;
    } else if (c.valid) {
      for (let i = 0; i < c.valid.length; i++) count += c.valid[i]!;
    } else if (c.values instanceof Float64Array) {
      const v = c.values;
      for (let i = 0; i < v.length; i++) if (v[i] === v[i]) count++;
    } else count += p.length;
  }
  return count;
}

export function nonNumeric(name: string, parts: Partition[], countOnly = false): NumStats {
  if (countOnly) return { numeric: false, count: countValues(name, parts), unique: NaN, top: null, freq: null, sum: NaN, mean: NaN, std: NaN, min: NaN, max: NaN };
  const counts = new Map<string, number>();
  let count = 0;
  for (const p of parts) {
    const c = p.columns.get(name)!;
    if (c.dtype === 'string' || c.dtype === 'category') {
      const codes = c.values as Int32Array;
      const local = new Float64Array(c.dict!.size);
      for (let i = 0; i < codes.length; i++) {
        const k = codes[i]!;
        if (k >= 0) local[k]!++;
      }
      for (let k = 0; k < local.length; k++) {
        if (!local[k]) continue;
        const s = c.dict!.get(k);
        counts.set(s, (counts.get(s) ?? 0) + local[k]!);
        count += local[k]!;
      }
    } else if (c.dtype === 'bool') {
      const v = c.values as Uint8Array;
      let t = 0;
      for (let i = 0; i < v.length; i++) t += v[i]!;
      count += v.length;
      // pandas' top of a bool column is a bool; counted True first (value_counts order on a tie)
      if (t) counts.set('True', (counts.get('True') ?? 0) + t);
      if (v.length - t) counts.set('False', (counts.get('False') ?? 0) + v.length - t);
    } else {
      // datetimes counted by their milliseconds, named once each below (not a Date per row)
      const v = c.values as Float64Array;
      const byValue = new Map<number, number>();
      for (let i = 0; i < v.length; i++) {
        if (Number.isNaN(v[i]!)) continue;
        count++;
        byValue.set(v[i]!, (byValue.get(v[i]!) ?? 0) + 1);
      }
      for (const [ms, n] of byValue) {
        const s = new Date(ms).toISOString();
        counts.set(s, (counts.get(s) ?? 0) + n);
      }
    }
  }
  let top: string | null = null;
  let freq: number | null = null;
  for (const [s, n] of counts) {
    if (freq === null || n > freq) {
      top = s;
      freq = n;
    }
  }
  const isBool = parts.some((p) => p.columns.get(name)?.dtype === 'bool');
  return { numeric: false, count, unique: counts.size, top: isBool && top !== null ? top === 'True' : top, freq, sum: NaN, mean: NaN, std: NaN, min: NaN, max: NaN };
}
