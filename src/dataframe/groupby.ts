// groupby(keys).agg(...): a native hash aggregation per partition and a combine per hash bucket on
// the engine's pool (native/dataframe/groupby.cc); groups sorted by key and rows with a missing key
// dropped, as pandas' defaults (sort=True, dropna=True). The result is a Table whose first
// columns are the keys (pandas' as_index=False / reset_index()).
// With { splitOut: n } (Dask's split_out) the partial tables are hash-partitioned by key into n
// buckets natively and each bucket is combined in its own task: the result is a lazy DataFrame of
// n partitions (each sorted by key; the keys are not sorted across partitions, as Dask's).
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Column, type DType, type Partition, StringDict, floatToNullable, nullableToFloat, typeCode } from './column.js';
import { DataFrame } from './frame.js';
import { Lazy } from './layers.js';
import { ColType, type GroupbyColumnSpec, dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { Table } from './table.js';
import { compareCodePoints } from './expr.js';

/** Options of {@link DataFrame.groupby}. */
export interface GroupingOptions {
  /**
   * pandas' / Dask's `sort` (default true): the groups sorted by key; false: in order of first
   * appearance (pandas' `sort=False`; with `splitOut`, within each partition).
   */
  sort?: boolean;
  /**
   * pandas' `dropna` (default true): rows whose key is missing (NaN, NaT, a missing string) are
   * dropped; false: they form a group of their own (per key column in a multi-key grouping),
   * sorted last with `sort`, as pandas.
   */
  dropna?: boolean;
}

/** Options of the groupby aggregations (Dask's). */
export interface GroupByOptions {
  /**
   * Dask's `split_out`: the number of output partitions. The per-partition results are
   * hash-partitioned by key into `splitOut` buckets and each bucket is combined in its own task,
   * so a large number of groups is not combined in one serial task; the result is then a lazy
   * {@link DataFrame} with `splitOut` partitions (rows of a key in one partition, each partition
   * sorted by key, the keys not sorted across partitions). A positive integer.
   */
  splitOut?: number;
}
/** An aggregation's result: a lazy {@link Table}, or a {@link DataFrame} of `splitOut` partitions when `splitOut` is given. */
export type GroupByResult<O extends GroupByOptions | undefined> = O extends GroupByOptions
  ? O['splitOut'] extends number ? DataFrame : O['splitOut'] extends undefined ? Lazy<Table> : Lazy<Table> | DataFrame
  : Lazy<Table>;

/** The splitOut option, checked (undefined: one Table, as without it). */
export function checkSplitOut(where: string, options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const k of Object.keys(options)) if (k !== 'splitOut') throw new TypeError(`${where}: unknown option ${JSON.stringify(k)}; accepted: splitOut`);
  const n = (options as GroupByOptions).splitOut;
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 20)
    throw new RangeError(`${where}: splitOut must be a positive integer (at most 2^20), got ${describeValue(n)}`);
  return n;
}

/** A groupby aggregation's name, as pandas'. */
export type AggName = 'count' | 'size' | 'sum' | 'mean' | 'min' | 'max' | 'std' | 'var' | 'first' | 'last' | 'nunique' | 'median';
export const AGGS: readonly AggName[] = ['count', 'size', 'sum', 'mean', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median'];
/** { column: aggregation | aggregations }: a list names its outputs `${column}_${agg}`. */
export type AggSpec = Record<string, AggName | readonly AggName[]>;

/** 'firstrow' (internal): the row number of a group's first row, for orders of appearance. */
type InternalAgg = AggName | 'firstrow' | 'quantile';
export const AGG_CODE: Record<InternalAgg, number> = { count: 0, size: 1, sum: 2, mean: 3, min: 4, max: 5, std: 6, var: 7, first: 8, last: 9, nunique: 10, firstrow: 11, median: 12, quantile: 13 };

/** One output of a groupby: the aggregation of a column (q: quantile's). */
interface Out { column: string; agg: InternalAgg; name: string; q?: number }

/** The value dtypes each aggregation takes. */
function accepts(agg: InternalAgg, d: DType): boolean {
  switch (agg) {
    case 'sum':
    case 'mean':
    case 'median':
    case 'quantile':
      return d === 'int64' || d === 'Int64' || d === 'float64' || d === 'bool' || d === 'timedelta';
    case 'std':
    case 'var':
      return d === 'int64' || d === 'Int64' || d === 'float64' || d === 'bool';
    case 'min':
    case 'max':
      // pandas: min/max of an unordered category is a TypeError; strings by code point
      return d !== 'category';
    default:
      return true;
  }
}

export interface NativeOut {
  type: ColType;
  data: ArrayBuffer;
  dictBytes?: ArrayBuffer;
  dictOffsets?: ArrayBuffer;
  present?: ArrayBuffer;
}

export function outColumn(o: NativeOut, groups: number): Column {
  switch (o.type) {
    case ColType.Int64: return { dtype: 'int64', values: new BigInt64Array(o.data) };
    case ColType.Bool: return { dtype: 'bool', values: new Uint8Array(o.data) };
    case ColType.Datetime: return { dtype: 'datetime', values: new Float64Array(o.data) };
    case ColType.String: {
      const dict = new StringDict(new Uint8Array(o.dictBytes!), new Int32Array(o.dictOffsets!.byteLength ? o.dictOffsets! : new ArrayBuffer(4)));
      const present = o.present ? new Uint8Array(o.present) : undefined;
      const codes = new Int32Array(groups);
      for (let g = 0; g < groups; g++) codes[g] = present && !present[g] ? -1 : g;
      return { dtype: 'string', values: codes, dict };
    }
    default: return { dtype: 'float64', values: new Float64Array(o.data) };
  }
}

/** A loaded column over partitions as the native groupby reads it (a key or a value column). */
export function groupbyColumn(parts: readonly Partition[], name: string, schema: DType): GroupbyColumnSpec {
  // the dtype as read (unified over the partitions)
  const d = parts.find((p) => p.length > 0)?.columns.get(name)?.dtype ?? schema;
  const cols = parts.map((p) => p.columns.get(name)!);
  if (d === 'string' || d === 'category')
    return { type: ColType.String, parts: cols.map((c) => c.values), dictBytes: cols.map((c) => c.dict!.bytes), dictOffsets: cols.map((c) => c.dict!.offsets) };
  // nullable integers travel as float64 with NaN for <NA> (a missing key: dropped; values exact to 2^53)
  if (d === 'Int64') return { type: ColType.Float64, parts: cols.map((c) => nullableToFloat(c).values) };
  return { type: typeCode(d), parts: cols.map((c) => c.values) };
}

/**
 * The number of distinct non-missing values of each column of loaded partitions in one native
 * groupby call: one group (a constant key) and a nunique aggregation per column (pandas'
 * `df.nunique()`, whose missing values are left out).
 */
export async function partsNunique(parts: readonly Partition[], columns: readonly string[], schema: Readonly<Record<string, DType>>, tracker: Tracker): Promise<number[]> {
  if (!columns.length) return [];
  const spec = {
    rows: parts.map((p) => p.length),
    keys: [{ type: ColType.Int64, parts: parts.map((p) => new BigInt64Array(p.length)) }],
    values: columns.map((c) => groupbyColumn(parts, c, schema[c]!)),
    aggs: columns.map((_, j) => ({ agg: AGG_CODE.nunique, value: j, ddof: 1, q: 0.5 })),
  };
  const res = await awaitNative((onProgress) => dfNative().dfGroupby(spec, onProgress), tracker.phase(parts.length + 1));
  // no rows: no group
  return columns.map((_, j) => (res.groups ? Number(new BigInt64Array(res.columns[j + 1]!.data)[0]!) : 0));
}

/**
 * A grouped DataFrame ({@link DataFrame.groupby}; pandas' / Dask's `DataFrameGroupBy`): a native
 * hash aggregation per partition, then a combine in partition order. Groups come out sorted by key and rows
 * with a missing key are dropped (pandas' `sort=True, dropna=True`). Every aggregation returns a
 * lazy {@link Table} whose first columns are the keys (pandas' `as_index=False`).
 * @example
 * ```ts
 * const t = await df.groupby('name').agg({ x: 'mean', y: ['min', 'max'] }).compute();
 * // columns: name, x_mean, y_min, y_max
 * ```
 */
export class GroupBy {
  /** @internal use df.groupby(keys) */
  constructor(
    private readonly frame: DataFrame,
    /** The key columns, in the order given to `groupby`. */
    readonly keys: readonly string[],
    /** The value columns selected with get/select (undefined: every non-key column). */
    private readonly selected?: readonly string[],
    /** pandas' sort: groups sorted by key (true), or in order of first appearance. */
    private readonly sort = true,
    /** pandas' dropna: rows with a missing key dropped (true), or a group of their own. */
    private readonly dropna = true,
  ) {}

  /** The non-key columns the aggregations without a spec run over. */
  private valueColumns(): string[] {
    return (this.selected ?? this.frame.columns).filter((c) => !this.keys.includes(c));
  }
  private checkValue(where: string, c: unknown): string {
    if (typeof c !== 'string') throw new TypeError(`${where}: expected a column name, got ${describeValue(c)}`);
    if (!this.frame.columns.includes(c)) throw new RangeError(`${where}: no column ${JSON.stringify(c)}; columns are ${JSON.stringify(this.frame.columns)}`);
    if (this.keys.includes(c)) throw new RangeError(`${where}: ${JSON.stringify(c)} is a group key`);
    return c;
  }
  /**
   * The grouping restricted to one value column (pandas' `df.groupby('name')['x']`, Dask's
   * `df.groupby('name').x`): `df.groupby('name').get('x').mean()` is the key column and `x`.
   */
  get(column: string): GroupBy {
    return new GroupBy(this.frame, this.keys, [this.checkValue('get(column)', column)], this.sort, this.dropna);
  }
  /** The grouping restricted to some value columns (pandas' `df.groupby('name')[['x', 'y']]`). */
  select(columns: readonly string[]): GroupBy {
    if (!Array.isArray(columns) || !columns.length) throw new TypeError(`select(columns): expected a non-empty array of column names, got ${describeValue(columns)}`);
    return new GroupBy(this.frame, this.keys, columns.map((c) => this.checkValue('select(columns)', c)), this.sort, this.dropna);
  }

  /**
   * Aggregations per column: `{ x: 'mean', y: ['std', 'count'] }`. Outputs are named after the
   * column, or `${column}_${agg}` for every output when any entry is a list. An aggregation name
   * (`agg('mean')`) or a list (`agg(['mean', 'max'])`, outputs `${column}_${agg}`) runs over every
   * value column that takes them, as pandas.
   */
  agg<O extends GroupByOptions | undefined = undefined>(spec: AggSpec | AggName | readonly AggName[], options?: O): GroupByResult<O> {
    const splitOut = checkSplitOut('agg(options)', options);
    return this.aggWith(spec, splitOut) as GroupByResult<O>;
  }
  private aggWith(spec: AggSpec | AggName | readonly AggName[], splitOut: number | undefined): Lazy<Table> | DataFrame {
    const dtypes = this.frame.dtypes;
    const known = (g: unknown): g is AggName => typeof g === 'string' && (AGGS as readonly string[]).includes(g);
    if (typeof spec === 'string' || Array.isArray(spec)) {
      // pandas' agg('mean') / agg(['mean', 'sum']): every value column that takes them all
      const list: unknown[] = typeof spec === 'string' ? [spec] : [...spec];
      if (!list.length) throw new RangeError('agg(spec): an empty list of aggregations');
      for (const g of list) if (!known(g)) throw new RangeError(`agg(spec): unknown aggregation ${describeValue(g)}; accepted: ${AGGS.join(', ')}`);
      const aggs = list as AggName[];
      if (typeof spec === 'string' && spec === 'size') return this.run([{ column: '', agg: 'size', name: 'size' }], 'groupby-size', splitOut);
      const cols = this.valueColumns().filter((c) => aggs.every((g) => g === 'size' || accepts(g, dtypes[c]!)));
      const named = Array.isArray(spec);
      return this.run(cols.flatMap((c) => aggs.map((agg) => ({ column: agg === 'size' ? '' : c, agg, name: named ? `${c}_${agg}` : c }))), 'groupby-agg', splitOut);
    }
    if (typeof spec !== 'object' || spec === null)
      throw new TypeError(`agg(spec): expected { column: aggregation | aggregations }, an aggregation name or a list of them, got ${describeValue(spec)}`);
    const entries = Object.entries(spec);
    if (!entries.length) throw new RangeError('agg(spec): no aggregation given');
    const flat = entries.some(([, a]) => Array.isArray(a));
    const outs: Out[] = [];
    for (const [c, a] of entries) {
      if (!(c in dtypes)) throw new RangeError(`agg(spec): no column ${JSON.stringify(c)}; columns are ${JSON.stringify(this.frame.columns)}`);
      if (this.keys.includes(c)) throw new RangeError(`agg(spec): ${JSON.stringify(c)} is a group key`);
      const list = Array.isArray(a) ? a : [a];
      if (!list.length) throw new RangeError(`agg(spec).${c}: an empty list of aggregations`);
      for (const g of list as unknown[]) {
        if (typeof g !== 'string' || !(AGGS as readonly string[]).includes(g))
          throw new RangeError(`agg(spec).${c}: unknown aggregation ${describeValue(g)}; accepted: ${AGGS.join(', ')}`);
        const agg = g as AggName;
        if (!accepts(agg, dtypes[c]!)) throw new TypeError(`agg(spec).${c}: ${agg} of a ${dtypes[c]} column is not accepted`);
        outs.push({ column: c, agg, name: flat ? `${c}_${agg}` : c });
      }
    }
    return this.run(outs, 'groupby-agg', splitOut);
  }

  private all(agg: AggName | 'quantile', options: GroupByOptions | undefined, where: string, q?: number): Lazy<Table> | DataFrame {
    const splitOut = checkSplitOut(`${where}(options)`, options);
    const dtypes = this.frame.dtypes;
    // pandas' numeric_only for the numeric aggregations: other columns are left out
    const cols = this.valueColumns().filter((c) => accepts(agg, dtypes[c]!));
    return this.run(cols.map((c) => ({ column: c, agg, name: c, q })), `groupby-${agg}`, splitOut);
  }
  /** The sum per group of every int64, float64 and bool column (missing skipped), as pandas' `groupby().sum()`; `options.splitOut` as {@link GroupByOptions}. */
  sum<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('sum', options, 'sum') as GroupByResult<O>; }
  /** The mean per group of every int64, float64 and bool column (missing skipped); `options.splitOut` as {@link GroupByOptions}. */
  mean<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('mean', options, 'mean') as GroupByResult<O>; }
  /** The number of non-missing values per group, for every non-key column (pandas' `count()`); `options.splitOut` as {@link GroupByOptions}. */
  count<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('count', options, 'count') as GroupByResult<O>; }
  /** The minimum per group of every non-string column (missing skipped); `options.splitOut` as {@link GroupByOptions}. */
  min<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('min', options, 'min') as GroupByResult<O>; }
  /** The maximum per group of every non-string column (missing skipped); `options.splitOut` as {@link GroupByOptions}. */
  max<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('max', options, 'max') as GroupByResult<O>; }
  /** The standard deviation per group (ddof 1, as pandas) of every int64, float64 and bool column; `options.splitOut` as {@link GroupByOptions}. */
  std<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('std', options, 'std') as GroupByResult<O>; }
  /** The variance per group (ddof 1, as pandas) of every int64, float64 and bool column; `options.splitOut` as {@link GroupByOptions}. */
  var<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('var', options, 'var') as GroupByResult<O>; }
  /** The first non-missing value per group, in row order, of every non-key column (pandas' `first()`); `options.splitOut` as {@link GroupByOptions}. */
  first<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('first', options, 'first') as GroupByResult<O>; }
  /** The last non-missing value per group, in row order, of every non-key column (pandas' `last()`); `options.splitOut` as {@link GroupByOptions}. */
  last<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('last', options, 'last') as GroupByResult<O>; }
  /** The number of distinct non-missing values per group, for every non-key column (pandas' `nunique()`); `options.splitOut` as {@link GroupByOptions}. */
  nunique<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('nunique', options, 'nunique') as GroupByResult<O>; }
  /** The exact median per group of each int64/float64/bool column (the mean of the middle two for an even count, as pandas); `options.splitOut` as {@link GroupByOptions}. */
  median<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> { return this.all('median', options, 'median') as GroupByResult<O>; }
  /** The exact q-quantile per group of each int64/float64/bool column (pandas' linear interpolation), q in [0, 1]. */
  quantile(q = 0.5): Lazy<Table> {
    if (typeof q !== 'number') throw new TypeError(`quantile(q): q must be a number in [0, 1], got ${describeValue(q)}`);
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile(q): q must be within [0, 1], got ${describeValue(q)}`);
    return this.all('quantile', undefined, 'quantile', q) as Lazy<Table>;
  }
  /** Rows per group (missing values included), as a 'size' column; `options.splitOut` as {@link GroupByOptions}. */
  size<O extends GroupByOptions | undefined = undefined>(options?: O): GroupByResult<O> {
    return this.run([{ column: '', agg: 'size', name: 'size' }], 'groupby-size', checkSplitOut('size(options)', options)) as GroupByResult<O>;
  }

  /**
   * @internal rows per group and the row number of its first row (valueCounts' tie order), the
   * groups in `order` (GroupOrder: sorted natively, so valueCounts and unique sort no rows in JS).
   */
  sizesInOrder(order?: GroupOrder): Lazy<Table> {
    return this.run([{ column: '', agg: 'size', name: 'count' }, { column: '', agg: 'firstrow', name: 'firstrow' }], 'value-counts', undefined, order) as Lazy<Table>;
  }
  /** @internal rows per group and its first row number in splitOut partitions (valueCounts({ splitOut })), each partition in `order`. */
  sizesSplit(splitOut: number, order?: GroupOrder): DataFrame {
    return this.run([{ column: '', agg: 'size', name: 'count' }, { column: '', agg: 'firstrow', name: 'firstrow' }], 'value-counts', splitOut, order) as DataFrame;
  }

  private run(outs: Out[], op: string, splitOut?: number, orderAsked?: GroupOrder): Lazy<Table> | DataFrame {
    const order = orderAsked ?? (this.sort ? GroupOrder.Key : GroupOrder.FirstRow);
    const names = new Set<string>(this.keys);
    for (const o of outs) {
      if (names.has(o.name)) throw new RangeError(`agg: two outputs named ${JSON.stringify(o.name)}`);
      names.add(o.name);
    }
    const rowAgg = (a: InternalAgg): boolean => a === 'size' || a === 'firstrow';
    const frame = this.frame;
    // Int64 sum/min/max run exactly as int64 with <NA> replaced by the neutral value
    // (synthetic value columns made in col()); a hidden count says which groups had no values (min/max <NA>)
    const schema = frame.dtypes;
    const exact = (o: Out): boolean => schema[o.column] === 'Int64' && (o.agg === 'sum' || o.agg === 'min' || o.agg === 'max');
    const synthetic = new Map<string, { column: string; agg: string }>();
    const native: Out[] = outs.map((o) => {
      if (!exact(o)) return o;
      const name = `\u0000exact:${o.agg}:${o.column}`;
      synthetic.set(name, { column: o.column, agg: o.agg });
      return { ...o, column: name };
    });
    // string min/max: the native min/max of each string's rank among all the partitions'
    // strings (by code point, as Python's str ordering), missing strings NaN (skipped)
    const rankOf = (o: Out): boolean => schema[o.column] === 'string' && (o.agg === 'min' || o.agg === 'max');
    const ranked = new Map<string, string>();
    for (let j = 0; j < native.length; j++) {
      const o = native[j]!;
      if (!rankOf(o)) continue;
      const name = `\u0000rank:${o.column}`;
      ranked.set(name, o.column);
      native[j] = { ...o, column: name };
    }
    const counted = [...new Set(outs.filter((o) => exact(o) && o.agg !== 'sum').map((o) => o.column))];
    native.push(...counted.map((c): Out => ({ column: c, agg: 'count', name: `\u0000count:${c}` })));
    const values = [...new Set(native.filter((o) => !rowAgg(o.agg)).map((o) => o.column))];
    const base = (name: string): string => synthetic.get(name)?.column ?? ranked.get(name) ?? name;
    const keys = this.keys;
    const columns = [...keys, ...outs.map((o) => o.name)];
    // the partitions read, one native job (S buckets with splitOut), each bucket's columns as pandas'
    const compute = async (load: LoadContext, job: LoadContext): Promise<Partition[]> => {
      const parts = await frame.state.source.load([...new Set([...keys, ...values.map(base)])], undefined, load);
      // the sorted distinct strings of each ranked column (its rank r is sorted[r])
      const sortedOf = new Map<string, string[]>();
      const col = (name: string) => {
        const rc = ranked.get(name);
        if (rc !== undefined) {
          const cols = parts.map((p) => p.columns.get(rc)!);
          const all = new Set<string>();
          for (const c of cols) if (c.dtype === 'string') for (let k = 0; k < c.dict!.size; k++) all.add(c.dict!.get(k));
          const sorted = [...all].sort(compareCodePoints);
          sortedOf.set(name, sorted);
          const rank = new Map(sorted.map((v, r) => [v, r]));
          return {
            type: ColType.Float64,
            parts: cols.map((c) => {
              if (c.dtype !== 'string') return new Float64Array(c.values.length).fill(NaN);  // an empty or all-missing partition
              const of = Array.from({ length: c.dict!.size }, (_, k) => rank.get(c.dict!.get(k))!);
              return Float64Array.from(c.values as Int32Array, (k) => (k < 0 ? NaN : of[k]!));
            }),
          };
        }
        const made = synthetic.get(name);
        if (made) {
          const { column: c, agg } = made;
          const neutral = agg === 'sum' ? 0n : agg === 'min' ? 2n ** 63n - 1n : -(2n ** 63n);
          const filled = parts.map((p) => {
            const col = p.columns.get(c)!;
            return BigInt64Array.from(col.values as BigInt64Array, (v, i) => (col.valid![i] ? v : neutral));
          });
          return { type: ColType.Int64, parts: filled };
        }
        return groupbyColumn(parts, name, frame.dtypes[name]!);
      };
      const vspec = values.map(col);
      for (const o of native) {
        if (o.agg === 'size' || o.agg === 'firstrow') continue;
        const t = vspec[values.indexOf(o.column)]!.type;
        const d: DType = t === ColType.String ? 'string' : t === ColType.Int64 ? 'int64' : t === ColType.Bool ? 'bool' : t === ColType.Datetime ? 'datetime' : 'float64';
        if (!accepts(o.agg, d)) throw new TypeError(`agg: ${o.agg} of column ${JSON.stringify(base(o.column))}, read as ${d}, is not accepted`);
      }
      const spec = {
        rows: parts.map((p) => p.length),
        keys: keys.map(col),
        values: vspec,
        aggs: native.map((o) => ({ agg: AGG_CODE[o.agg], value: rowAgg(o.agg) ? 0 : values.indexOf(o.column), ddof: 1, q: o.q ?? 0.5 })),
        ...(splitOut === undefined ? {} : { splitOut }),
        ...(order === GroupOrder.Key ? {} : { order }),
        ...(this.dropna ? {} : { dropna: false }),
      };
      const res = await awaitNative((onProgress) => dfNative().dfGroupby(spec, onProgress), job);
      const buckets = splitOut === undefined ? [res] : res.parts!;
      const src = frame.sourceDtypes();
      const nullable = (name: string): boolean => parts.find((p) => p.length > 0)?.columns.get(name)?.dtype === 'Int64';
      return buckets.map((b): Partition => {
        const data = new Map<string, Column>();
        const all = [...keys, ...native.map((o) => o.name)];
        b.columns.forEach((c, j) => data.set(all[j]!, outColumn(c as NativeOut, b.groups)));
        for (const o of outs.filter(exact)) {
          const c = data.get(o.name)!;
          const n = o.agg === 'sum' ? undefined : (data.get(`\u0000count:${o.column}`)!.values as BigInt64Array);
          data.set(o.name, { dtype: 'Int64', values: c.values, valid: Uint8Array.from({ length: b.groups }, (_, g) => (n && !n[g] ? 0 : 1)) });
        }
        for (const c of counted) data.delete(`\u0000count:${c}`);
        for (const o of outs.filter(rankOf)) {
          const ranks = data.get(o.name)!.values as Float64Array;
          data.set(o.name, { dtype: 'string', values: Int32Array.from(ranks, (r) => (Number.isNaN(r) ? -1 : r)), dict: StringDict.fromStrings(sortedOf.get(`\u0000rank:${o.column}`)!) });
        }
        // timedeltas travel as float64: keys and value-like aggregations of them are timedeltas again
        // and categories as strings: keys and first/last of them are categories again
        for (const k of keys) if (src[k] === 'timedelta' || src[k] === 'category') data.get(k)!.dtype = src[k]!;
        // and Int64 keys and value-like aggregations are Int64 again (pandas; mean/std/... are its Float64: float64 here)
        for (const k of keys) if (nullable(k)) data.set(k, floatToNullable(data.get(k)!));
        for (const o of outs) {
          if (nullable(o.column) && (o.agg === 'first' || o.agg === 'last')) data.set(o.name, floatToNullable(data.get(o.name)!));
          if (src[o.column] === 'timedelta' && ['sum', 'mean', 'median', 'quantile', 'min', 'max', 'first', 'last'].includes(o.agg)) data.get(o.name)!.dtype = 'timedelta';
          if (src[o.column] === 'category' && (o.agg === 'first' || o.agg === 'last')) data.get(o.name)!.dtype = 'category';
        }
        return { length: b.groups, columns: data };
      });
    };
    if (splitOut !== undefined) {
      const dt = frame.sourceDtypes();
      const schema = columns.map((c, j): [string, DType] => [c, j < keys.length ? dt[c]! : outDtype(outs[j - keys.length]!, dt)]);
      return new DataFrame({ source: new SplitOutSource(frame.state.source, op, splitOut, schema, compute), columns });
    }
    return new Lazy(
      (o) => frame.reductionLayers(op, o),
      async (options: ComputeOptions) => {
        const P = frame.npartitions;
        const tracker = new Tracker(options, op, 2 * P + 1);
        return tracker.run(async () => {
          const [p] = await compute(tracker.phase(P), tracker.phase(P + 1));
          return new Table(columns, p!.columns, p!.length);
        });
      },
    );
  }
}

/** @internal The order of groups out of the native groupby (its GbOrder). */
export const enum GroupOrder { Key = 0, SizeDescending = 1, SizeAscending = 2, FirstRow = 3, Any = 4 }

/** The dtype of an aggregation's output (as the computed columns: pandas' dtypes). */
function outDtype(o: Out, dt: Record<string, DType>): DType {
  const d = dt[o.column]!;
  switch (o.agg) {
    case 'count': case 'size': case 'nunique': case 'firstrow': return 'int64';
    case 'sum': return d === 'bool' ? 'int64' : d;
    case 'mean': case 'median': case 'quantile': return d === 'timedelta' ? 'timedelta' : 'float64';
    case 'std': case 'var': return 'float64';
    case 'min': case 'max': return d;
    default: return d; // first, last
  }
}

/**
 * A groupby's result in `splitOut` partitions (Dask's split_out): one native job reads every input
 * partition, aggregates each natively, splits each partial table by a hash of the key into the
 * buckets and combines every bucket in its own tree; partition b is bucket b.
 */
class SplitOutSource implements PartitionSource {
  readonly name: string;
  readonly allToAll = true;
  constructor(
    private readonly base: PartitionSource,
    readonly op: string,
    readonly npartitions: number,
    readonly schema: ReadonlyArray<readonly [string, DType]>,
    private readonly compute: (load: LoadContext, job: LoadContext) => Promise<Partition[]>,
  ) {
    this.name = `${op}-split-${layerId()}`;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const all = await this.compute({ options: ctx.options, onCancel: ctx.onCancel }, ctx);
    const want = columns ?? this.schema.map(([c]) => c);
    return (parts ?? all.map((_, i) => i)).map((i) => {
      const p = all[i]!;
      return { length: p.length, columns: new Map(want.map((c) => [c, p.columns.get(c)!] as [string, Column])) };
    });
  }
}

/**
 * valueCounts' columns: the values, then `proportion` (counts over `total`) or `count` (Int64
 * for an Int64 value column, as pandas, else int64).
 */
export function countsColumns(name: string, values: Column, counts: BigInt64Array, total: number, normalize: boolean): Map<string, Column> {
  const data = new Map<string, Column>([[name, values]]);
  if (normalize) data.set('proportion', { dtype: 'float64', values: Float64Array.from(counts, (c) => Number(c) / total) });
  else if (values.dtype === 'Int64') data.set('count', { dtype: 'Int64', values: counts, valid: new Uint8Array(counts.length).fill(1) });
  else data.set('count', { dtype: 'int64', values: counts });
  return data;
}

/**
 * value_counts with split_out (Dask's): the counts of the values of column `name` of `f` in
 * `splitOut` hash partitions of the value, each ordered as value_counts' (most frequent first, ties
 * in order of first appearance; `sort: false` in order of first appearance); `normalize` divides
 * by the total count over every partition (Dask's total_length).
 */
export function valueCountsSplit(f: DataFrame, name: string, splitOut: number, opts: { normalize: boolean; sort: boolean; ascending: boolean }): DataFrame {
  // each partition sorted natively (count, then first appearance)
  const counts = new GroupBy(f, [name]).sizesSplit(splitOut, !opts.sort ? GroupOrder.FirstRow : opts.ascending ? GroupOrder.SizeAscending : GroupOrder.SizeDescending);
  const keyType = f.dtypes[name]!;
  const out = opts.normalize ? 'proportion' : 'count';
  const schema: [string, DType][] = [[name, keyType], [out, opts.normalize ? 'float64' : keyType === 'Int64' ? 'Int64' : 'int64']];
  const base = counts.state.source;
  const source: PartitionSource = {
    name: `value-counts-${layerId()}`,
    op: 'value-counts',
    npartitions: splitOut,
    schema,
    allToAll: true,
    inputs: [base],
    async load(columns, parts, ctx) {
      const all = await base.load([name, 'count', 'firstrow'], undefined, ctx);
      let total = 0;
      for (const p of all) for (const c of p.columns.get('count')!.values as BigInt64Array) total += Number(c);
      const want = columns ?? [name, out];
      return (parts ?? all.map((_, i) => i)).map((i): Partition => {
        const p = all[i]!;
        const data = countsColumns(name, p.columns.get(name)!, p.columns.get('count')!.values as BigInt64Array, total, opts.normalize);
        return { length: p.length, columns: new Map(want.map((c) => [c, data.get(c)!] as [string, Column])) };
      });
    },
  };
  return new DataFrame({ source, columns: [name, out] });
}
