// Frame and series statistics beyond sum/mean/std: exact quantiles and medians (the native
// histogram-and-select of stats.cc), var with a ddof, and pairwise corr/cov.
//
// corr/cov follow pandas' DataFrame.corr/cov (libalgos.nancorr): for each pair of columns, the
// rows where both are present (and finite, for frames: np.isfinite), Welford's updates in row order (partitions in order), so the
// result does not depend on the partitioning; fewer than minPeriods rows (default 1) is NaN.
// They run natively over the loaded columns (dfCorr: one pass per pair, the pairs in parallel on the pool).
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import type { Column, DType, Partition } from './column.js';
import { StringDict, columnLength, nullableToFloat, toFloat, typeCode } from './column.js';
import { ColType, dfNative } from './native.js';
import type { LoadContext } from './source.js';
import type { DataFrame, Series } from './frame.js';
import { Lazy } from './layers.js';
import { Tracker, awaitNative } from './run.js';
import { NUMERIC, type NumStats } from './stats.js';
import { Table } from './table.js';

/** The marker of NumPy's median in the native quantile list ((a + b) / 2 of the middle two). */
export const MEDIAN_Q = -1;

/** q as a quantile: a number in [0, 1] or a non-empty array of them. */
export function checkQuantile(where: string, q: unknown): number[] {
  const list = Array.isArray(q) ? (q as unknown[]) : [q];
  if (Array.isArray(q) && !q.length) throw new RangeError(`${where}: q must be a number in [0, 1] or a non-empty array of them, got []`);
  for (const x of list) {
    if (typeof x !== 'number') throw new TypeError(`${where}: q must be a number in [0, 1] or an array of them, got ${describeValue(x)}`);
    if (!(x >= 0 && x <= 1)) throw new RangeError(`${where}: q must be within [0, 1], got ${describeValue(x)}`);
  }
  return list as number[];
}

/** The variance from the statistics (std has ddof 1): std² · (n − 1) / (n − ddof), NaN when n ≤ ddof. */
export function varWith(s: NumStats, ddof: number): number {
  if (!s.numeric) return NaN;
  const n = s.count;
  if (!(n - ddof > 0)) return NaN;
  if (n === 1) return Number.isFinite(s.mean) ? 0 : NaN; // ddof 0: the ddof-1 std is NaN (0 / 0), the spread 0 (pandas)
  const v = s.std * s.std;
  return ddof === 1 ? v : (v * (n - 1)) / (n - ddof);
}

/** { ddof } of var()/std(): a non-negative integer, default 1 (pandas). */
export function checkVarOptions(where: string, options: unknown): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const k of Object.keys(options)) if (k !== 'ddof') throw new TypeError(`${where}: unknown option ${JSON.stringify(k)}; accepted: ddof`);
  const d = (options as { ddof?: unknown }).ddof ?? 1;
  if (typeof d !== 'number') throw new TypeError(`${where}: ddof must be a non-negative integer, got ${describeValue(d)}`);
  if (!Number.isInteger(d) || d < 0) throw new RangeError(`${where}: ddof must be a non-negative integer, got ${describeValue(d)}`);
  return d;
}

/** Options of corr()/cov(). */
export interface CorrOptions {
  /** Pairs with fewer rows where both values are present give NaN (default 1, as pandas). */
  minPeriods?: number;
}
/** Options of cov(). */
export interface CovOptions extends CorrOptions {
  /** Delta degrees of freedom: the divisor is n − ddof (default 1). */
  ddof?: number;
}

function checkCorrOptions(where: string, options: unknown, cov: boolean): { minPeriods: number; ddof: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  const accepted = cov ? ['minPeriods', 'ddof'] : ['minPeriods'];
  for (const k of Object.keys(options)) if (!accepted.includes(k)) throw new TypeError(`${where}: unknown option ${JSON.stringify(k)}; accepted: ${accepted.join(', ')}`);
  const o = options as CovOptions;
  const mp = o.minPeriods ?? 1;
  if (typeof mp !== 'number' || !Number.isInteger(mp) || mp < 0) throw new RangeError(`${where}: minPeriods must be a non-negative integer, got ${describeValue(o.minPeriods)}`);
  const ddof = o.ddof ?? 1;
  if (typeof ddof !== 'number' || !Number.isInteger(ddof) || ddof < 0) throw new RangeError(`${where}: ddof must be a non-negative integer, got ${describeValue(o.ddof)}`);
  return { minPeriods: Math.max(mp, 1), ddof };
}

const CORR_TYPES: readonly DType[] = ['int64', 'float64', 'bool'];

/** A column's partitions for dfCorr: one dtype (a column read as int64 in some partitions and float64 in others: all float64). */
function corrColumn(parts: Column[]): { type: ColType; parts: ArrayBufferView[] } {
  const dtypes = new Set(parts.filter((c) => columnLength(c) > 0).map((c) => c.dtype));
  if (dtypes.size > 1) return { type: ColType.Float64, parts: parts.map((c) => (c.dtype === 'bool' ? Float64Array.from(c.values as Uint8Array) : toFloat(c).values)) };
  return { type: typeCode(dtypes.values().next().value ?? 'float64'), parts: parts.map((c) => c.values) };
}

/**
 * pandas' nancorr over the columns (each an array of partitions, in row order) in one native
 * pass per pair on the pool: the K×K matrix of correlations, or of covariances with divisor n − ddof.
 */
function nancorr(columns: Column[][], cov: boolean, minPeriods: number, ddof: number, finiteOnly: boolean, ctx: LoadContext): Promise<Float64Array> {
  const spec = { columns: columns.map(corrColumn), cov, minPeriods, ddof, finiteOnly };
  return awaitNative((p) => dfNative().dfCorr(spec, p), ctx);
}

/** The K×K matrix as a Table: an 'index' column of names, then one column per name (pandas' corr().reset_index()). */
function matrixTable(names: readonly string[], m: Float64Array): Table {
  const K = names.length;
  const data = new Map<string, Column>();
  data.set('index', { dtype: 'string', values: Int32Array.from({ length: K }, (_, i) => i), dict: StringDict.fromStrings(names) });
  names.forEach((n, j) => data.set(n, { dtype: 'float64', values: Float64Array.from({ length: K }, (_, i) => m[i * K + j]!) }));
  return new Table(['index', ...names], data, K);
}

/** The columns' dtypes as read (a CSV column may unify to another dtype than the sample's). */
function readDtype(parts: Partition[], name: string, fallback: DType): DType {
  return parts.find((p) => p.length > 0)?.columns.get(name)?.dtype ?? fallback;
}

/** DataFrame.corr()/cov(): pairwise over the int64, float64 and bool columns (pandas' numeric_only). */
export function frameCorr(frame: DataFrame, cov: boolean, options: CovOptions): Lazy<Table> {
  const op = cov ? 'cov' : 'corr';
  const { minPeriods, ddof } = checkCorrOptions(`${op}(options)`, options, cov);
  const dtypes = frame.dtypes;
  const cols = frame.columns.filter((c) => CORR_TYPES.includes(dtypes[c]!));
  return new Lazy(
    (o) => frame.reductionLayers(op, o),
    async (opts: ComputeOptions) => {
      const tracker = new Tracker(opts, op, frame.npartitions);
      return tracker.run(async () => {
        const parts = await frame.state.source.load(cols, undefined, tracker.phase(frame.npartitions));
        // a column numeric in the sample may read as text later: left out, as numeric_only
        const kept = cols.filter((c) => CORR_TYPES.includes(readDtype(parts, c, dtypes[c]!)));
        const data = kept.map((c) => parts.map((p) => nullableToFloat(p.columns.get(c)!)));
        if (!cov) return matrixTable(kept, await nancorr(data, false, minPeriods, ddof, true, tracker.phase(1)));
        // pandas 1.5's DataFrame.cov takes two routes: with a missing value anywhere in the numeric
        // columns, libalgos.nancorr (finite pairs, divisor n − 1: ddof is ignored); with none,
        // np.cov over every row (divisor n − ddof, ±inf when that is ≤ 0; a column holding ±inf
        // has NaN deviations, so its row and column are NaN)
        const flags = data.map(nonFinite);
        if (flags.some((f) => f.nan)) return matrixTable(kept, await nancorr(data, true, minPeriods, 1, true, tracker.phase(1)));
        const m = await nancorr(data, true, minPeriods, ddof, false, tracker.phase(1));
        const K = kept.length;
        flags.forEach((f, i) => {
          if (f.inf) for (let j = 0; j < K; j++) m[i * K + j] = m[j * K + i] = NaN;
        });
        return matrixTable(kept, m);
      });
    },
  );
}

/** Series.corr(other)/cov(other): two series of one frame, rows where both are present. */
export function seriesCorr(a: Series, b: Series, cov: boolean, options: CovOptions): Lazy<number> {
  const op = cov ? 'cov' : 'corr';
  const { minPeriods, ddof } = checkCorrOptions(`${op}(options)`, options, cov);
  for (const [s, w] of [[a, 'the Series'], [b, 'other']] as const)
    if (!CORR_TYPES.includes(s.dtype)) throw new TypeError(`${op}(other): ${w} ${JSON.stringify(s.name)} has dtype ${s.dtype}; accepted: int64, float64, bool`);
  // both as columns of one frame: plain columns as they are, expressions (and a scan of the
  // frame: assign aligns it) materialized by the engine
  const plain = a.expr.kind === 'col' && b.expr.kind === 'col' && a.frame.state.source === b.frame.state.source;
  const A = plain ? (a.expr as { name: string }).name : '\u0000corr-a';
  const B = plain ? (b.expr as { name: string }).name : '\u0000corr-b';
  const frame = plain ? a.frame : a.frame.assign({ [A]: a, [B]: b });
  return new Lazy(
    (o) => frame.reductionLayers(op, o),
    async (opts: ComputeOptions) => {
      const tracker = new Tracker(opts, op, frame.npartitions);
      return tracker.run(async () => {
        const parts = await frame.state.source.load([...new Set([A, B])], undefined, tracker.phase(frame.npartitions));
        const data = [A, B].map((c) => parts.map((p) => nullableToFloat(p.columns.get(c)!)));
        const r = (await nancorr(data, cov, minPeriods, ddof, false, tracker.phase(1)))[2]!;
        // np.cov of the rows where both are present: a ±inf among them makes every deviation of
        // its series NaN (Welford's updates would give ±inf)
        return cov && !Number.isNaN(r) && infAmongPairs(data[0]!, data[1]!) ? NaN : r;
      });
    },
  );
}

/** Whether a column (its partitions) holds NaN, and ±inf: one pass, stopping once both are seen. */
function nonFinite(parts: Column[]): { nan: boolean; inf: boolean } {
  let nan = false;
  let inf = false;
  for (const c of parts) {
    if (c.dtype !== 'float64') continue;
    const v = c.values as Float64Array;
    for (let i = 0; i < v.length && !(nan && inf); i++) {
      const x = v[i]!;
      if (x !== x) nan = true;
      else if (x === Infinity || x === -Infinity) inf = true;
    }
  }
  return { nan, inf };
}

/** Whether a row where both columns are present holds ±inf in either. */
function infAmongPairs(a: Column[], b: Column[]): boolean {
  return a.some((ca, p) => {
    const cb = b[p]!;
    if (ca.dtype !== 'float64' && cb.dtype !== 'float64') return false;
    const n = columnLength(ca);
    const x = ca.dtype === 'float64' ? (ca.values as Float64Array) : undefined;
    const y = cb.dtype === 'float64' ? (cb.values as Float64Array) : undefined;
    for (let i = 0; i < n; i++) {
      const u = x ? x[i]! : 0;
      const v = y ? y[i]! : 0;
      if (!Number.isNaN(u) && !Number.isNaN(v) && (!Number.isFinite(u) || !Number.isFinite(v))) return true;
    }
    return false;
  });
}

/** The int64/float64 columns of a frame (the other reductions' numeric_only), and bool ones where pandas takes them (median, var; not quantile, which fails on bool in pandas). */
function numericColumns(frame: DataFrame, withBool = false): string[] {
  const d = frame.dtypes;
  return frame.columns.filter((c) => NUMERIC(d[c]!) || (withBool && d[c] === 'bool'));
}

/** DataFrame.quantile(q) / median(): exact, per numeric column; q a list gives a list per column. */
export function frameQuantile(frame: DataFrame, qs: number[], op: string): Lazy<Record<string, number[]>> {
  const withBool = op === 'median';
  const cols = numericColumns(frame, withBool);
  return new Lazy(
    (o) => frame.reductionLayers(op, o),
    async (options) => {
      const stats = await frame.stats(cols, qs, options, op, withBool);
      const kept = cols.filter((c) => stats.get(c)!.numeric);
      return Object.fromEntries(kept.map((c) => {
        const s = stats.get(c)!;
        return [c, s.numeric ? s.quantiles : qs.map(() => NaN)];
      }));
    },
  );
}

/** DataFrame.var({ ddof }). */
export function frameVar(frame: DataFrame, ddof: number): Lazy<Record<string, number>> {
  const cols = numericColumns(frame, true);
  return new Lazy(
    (o) => frame.reductionLayers('var', o),
    async (options) => {
      const stats = await frame.stats(cols, [], options, 'var', true);
      return Object.fromEntries(cols.filter((c) => stats.get(c)!.numeric).map((c) => [c, varWith(stats.get(c)!, ddof)]));
    },
  );
}

/**
 * A statistic of a series: a plain column straight from the partitions, an expression (or a
 * bool column, as float64: pandas' bool statistics are of 0/1) materialized first.
 */
export function seriesStats<T>(s: Series, op: string, qs: number[], extract: (st: NumStats) => T): Lazy<T> {
  let src: Series = s;
  // a timedelta's statistics are of its milliseconds (results in milliseconds)
  if (s.dtype === 'bool' || s.dtype === 'timedelta') src = s.astype('float64');
  if (!NUMERIC(src.dtype)) throw new TypeError(`${op}(): column ${JSON.stringify(s.name)} has dtype ${s.dtype}; ${op} needs int64, float64 or bool`);
  const X = '\u0000stat';
  const frame = src.expr.kind === 'col' ? src.frame : src.frame.assign({ [X]: src });
  const name = src.expr.kind === 'col' ? src.expr.name : X;
  return new Lazy(
    (o) => frame.reductionLayers(op, o),
    async (options) => extract((await frame.stats([name], qs, options, op)).get(name)!),
  );
}
