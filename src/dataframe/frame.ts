// The DataFrame collection: lazy, partitioned, columnar. Partitions come from a source (the
// timeseries generator, CSV blocks) one task per partition; reductions run natively on the
// engine's pool (partials per partition, then one combine), with exact quantiles for describe().
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import type { VisualizeOptions } from '../visualize/index.js';
import { type CellValue, type Column, type DType, type Partition, StringDict, boolTextToFloat, nullableToFloat, typeCode, valueAt } from './column.js';
import { dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';
import { type DataFrameState, layerId } from './source.js';
import { type ToCsvOptions, writePartitions } from './write.js';
import { type DLayer, Lazy, frameLayers, reductionLayers, toTaskGraph } from './layers.js';
import { NUMERIC, type NumStats, checkDdof, checkPercentiles, nonNumeric, stdWith } from './stats.js';
import { Describe } from './describe.js';
import { Table } from './table.js';
import { MemorySource } from './memory.js';
import { DerivedSource, type Step } from './derived.js';
import { GroupBy, GroupOrder, type GroupingOptions, checkSplitOut, countsColumns, partsNunique, valueCountsSplit } from './groupby.js';
import { SortedSource } from './sorted.js';
import { type ScanOp, ScanSource, alignedSource, scanDtype } from './scan.js';
import { type How, MergeSource } from './merge.js';
import {
  type DropDuplicatesOptions, type RepartitionOptions, type ResetIndexOptions, type SampleOptions, type SetIndexOptions,
  dropDuplicatesFrame, repartitionFrame, resetIndexFrame, sampleFrame, setIndexFrame,
} from './rows.js';
import { type Resampler, parseRule, resampleFrame } from './resample.js';
import { type MapPartitionsOptions, type PartitionFunction, mapPartitionsFrame } from './partitions.js';
import { type CorrOptions, type CovOptions, MEDIAN_Q, checkQuantile, checkVarOptions, frameCorr, frameQuantile, frameVar, seriesCorr, seriesStats, varWith } from './aggregate.js';
import type { StrMap } from './strings.js';
import {
  type ArithOp, type CompareOp, type DtField, type Expr, type Lookup, type LogicalOp, type MapValue, type StrOp,
  col, columnArgExtreme, columnProd, exprColumns, exprDtype, literal, locate, lookupKey, reduceInt64,
} from './expr.js';

export { Lazy } from './layers.js';
export { Describe } from './describe.js';
export { Table, formatDate } from './table.js';
export { MemorySource } from './memory.js';
export type { NumStats } from './stats.js';
export type { DataFrameState } from './source.js';

/**
 * Options of {@link DataFrame.describe} / {@link Series.describe} (pandas' `percentiles=`). Unknown
 * keys are a TypeError; a percentile outside [0, 1] a RangeError.
 */
export interface DescribeOptions {
  /** Percentiles to include, each in [0, 1] (default [0.25, 0.5, 0.75]; the median is always added). */
  percentiles?: number[];
}

export class DataFrame implements HasGraph {
  /** @internal */
  readonly state: DataFrameState;
  private readonly dtypeMap: Map<string, DType>;

  /** @internal use datasets.timeseries() or readCsv() */
  constructor(state: DataFrameState) {
    this.state = state;
    this.dtypeMap = new Map(state.source.schema.map(([n, d]) => [n, d] as [string, DType]));
  }

  /** The column names, in order (a fresh copy; pandas' `df.columns`). */
  get columns(): string[] {
    return [...this.state.columns];
  }
  /** Column dtypes ('int64' | 'float64' | 'string' | 'datetime'); for CSV, inferred from a sample of the first file. */
  get dtypes(): Record<string, DType> {
    return Object.fromEntries(this.state.columns.map((c) => [c, this.dtypeMap.get(c)!]));
  }
  /** The number of partitions (Dask's `npartitions`): one task per partition for each step. */
  get npartitions(): number {
    return this.state.source.npartitions;
  }
  /** Index boundaries of the partitions (npartitions + 1 values: numbers, Dates or strings, as the index) where known, else undefined. */
  get divisions(): (Date | number | string)[] | undefined {
    return this.state.source.divisions ? [...this.state.source.divisions] : undefined;
  }
  /** Name of the index column (e.g. 'timestamp'), written first by toCsv({ index: true }). */
  get index(): string | undefined {
    return this.state.source.index;
  }
  /** Whether the divisions are known (Dask's known_divisions): after setIndex, for the timeseries dataset, and through operations that keep them. */
  get knownDivisions(): boolean {
    return this.state.source.divisions !== undefined;
  }

  // Row operations over the whole frame: src/dataframe/rows.ts and partitions.ts.

  /**
   * A random sample of the rows (pandas' sample): `frac` of them, or `n`, with or without
   * `replace`ment. With a `seed`, the rows pandas' `sample(frac, random_state=seed)` returns, in
   * its order, whatever the partitioning (NumPy's RandomState reproduced; Dask samples per
   * partition instead). Divisions become unknown.
   */
  sample(options: SampleOptions): DataFrame {
    return sampleFrame(this, options);
  }

  /** Rows without duplicates of `subset` (default every column), keeping the 'first' (default), 'last' or no (false) occurrence, in the frame's order (pandas' drop_duplicates). */
  dropDuplicates(options: DropDuplicatesOptions = {}): DataFrame {
    return dropDuplicatesFrame(this, options);
  }

  /**
   * The frame indexed by `column` (int64, Int64, float64, datetime or string), with known divisions. Like Dask,
   * this computes the divisions now, reading the column: `sorted: true` takes each partition's
   * min and max (an error if the partitions are not in order); otherwise the divisions are the
   * column's quantiles and the rows are shuffled into their partitions by value, each partition
   * sorted by the index (stable; missing values last).
   */
  setIndex(column: string, options: SetIndexOptions = {}): Promise<DataFrame> {
    return setIndexFrame(this, column, options);
  }

  /** The index as the first column (pandas' reset_index), or dropped with `drop: true`; without an index, row numbers 0…n-1 as a column 'index'. */
  resetIndex(options: ResetIndexOptions = {}): DataFrame {
    return resetIndexFrame(this, options);
  }

  /** The same rows in `npartitions` partitions (Dask's repartition): neighbours joined, or partitions split (at interpolated divisions when they are known). */
  repartition(options: RepartitionOptions): DataFrame {
    return repartitionFrame(this, options);
  }

  /**
   * `fn` applied to every partition (Dask's map_partitions), the partition given as columns
   * (PartitionColumns; the index too; Int64 as arrays of bigint or null for `<NA>`). A `delayed.module(url, name)` function runs on the
   * worker-thread pool; an inline closure on the main thread. `meta` gives the result's columns
   * and dtypes; the index is kept, as are the divisions unless `clearDivisions`.
   */
  mapPartitions(fn: PartitionFunction | ((...args: never[]) => unknown), options: MapPartitionsOptions): DataFrame {
    return mapPartitionsFrame(this, fn, options);
  }

  /**
   * Rows binned by the datetime index (pandas' resample with its defaults): a fixed frequency
   * ('1h', '15min', '1D') or one calendar period — 'M' / 'MS' (month end / start), 'Q' / 'QS',
   * 'A' ('Y') / 'AS' ('YS'), 'W' (weeks ending Sunday) or 'W-MON' … 'W-SAT' — labelled as
   * pandas labels them; then `.mean() / .sum() / .count() / .min() / .max() / .first() / .last() / .median() / .std() / .var()`.
   */
  resample(rule: string): Resampler {
    return resampleFrame(this, rule);
  }

  /** One column as a Series (Dask's df['x']). */
  get(name: string): Series {
    this.checkColumn('get(name)', name);
    return new Series(this, col(name), name);
  }

  /** @internal The dtypes of every column of the source (expressions may read unselected ones). */
  sourceDtypes(): Record<string, DType> {
    return Object.fromEntries(this.state.source.schema.map(([n, d]) => [n, d]));
  }

  private withStep(step: Step, op: string, columns: readonly string[]): DataFrame {
    const src = this.state.source;
    const source = src instanceof DerivedSource ? src.with(step, op) : new DerivedSource(src, [step], op);
    return new DataFrame({ source, columns });
  }

  private ownSeries(where: string, s: unknown): Series {
    if (!(s instanceof Series)) throw new TypeError(`${where}: expected a Series of this DataFrame, got ${describeValue(s)}`);
    return s;
  }
  /**
   * This frame (its columns) over a source that holds the columns of `series` too, row for row:
   * itself, or the scans (shift, cumsum, …) of its columns stacked on it; a RangeError for a
   * Series of another frame (other partitions: rows would not align).
   */
  private alignWith(where: string, series: readonly Series[]): DataFrame {
    const sources = [this.state.source, ...series.map((s) => s.frame.state.source)];
    if (sources.every((x) => x === this.state.source)) return this;
    const src = alignedSource(sources);
    if (!src)
      throw new RangeError(
        `${where}: the Series comes from another DataFrame (other partitions: rows would not align, as Dask's unknown divisions); build it from this frame's columns`,
      );
    return new DataFrame({ source: src, columns: this.columns });
  }

  /**
   * Groups by one or more key columns (string, int64, bool, float64, datetime):
   * `df.groupby('name').agg({ x: 'mean' })`. A key may be a Series of this frame
   * (`df.groupby(df.get('timestamp').dt.hour)`, as pandas): it is assigned under its name first,
   * so for this grouping it replaces a column of that name (pandas would keep that column as a
   * value column too). `options.sort: false` (pandas' `sort=False`) gives the groups in order of
   * first appearance instead of sorted by key; `options.dropna: false` (pandas' `dropna=False`)
   * keeps the rows with a missing key as a group of their own.
   */
  groupby(keys: string | Series | readonly (string | Series)[], options: GroupingOptions = {}): GroupBy {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`groupby(keys, options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options)) if (k !== 'sort' && k !== 'dropna') throw new TypeError(`groupby(keys, options): unknown option ${JSON.stringify(k)}; accepted: sort, dropna`);
    const { sort = true, dropna = true } = options;
    if (typeof sort !== 'boolean') throw new TypeError(`groupby(keys, options): sort must be a boolean, got ${describeValue(sort)}`);
    if (typeof dropna !== 'boolean') throw new TypeError(`groupby(keys, options): dropna must be a boolean, got ${describeValue(dropna)}`);
    const list: readonly (string | Series)[] = typeof keys === 'string' || keys instanceof Series ? [keys] : keys;
    if (!Array.isArray(list) || !list.length) throw new TypeError(`groupby(keys): expected a column name, a Series or a non-empty array of them, got ${describeValue(keys)}`);
    const base = this.alignWith('groupby(keys)', list.filter((k): k is Series => k instanceof Series));
    // a Series that is a column under its own name is that column
    const series = list.filter((k): k is Series => k instanceof Series && !(k.expr.kind === 'col' && k.expr.name === k.name));
    const frame = series.length ? base.assign(Object.fromEntries(series.map((k) => [k.name, k]))) : base;
    const names = list.map((k) => (k instanceof Series ? k.name : k));
    for (const k of names) frame.checkColumn('groupby(keys)', k);
    if (new Set(names).size !== names.length) throw new RangeError(`groupby(keys): duplicate key in ${JSON.stringify(names)}`);
    return new GroupBy(frame, names, undefined, sort, dropna);
  }

  /**
   * The rows sorted by one or more columns (pandas' sort_values): `ascending` per column or for
   * all (default true), missing values last (naPosition 'first' to lead). Stable: ties keep their
   * order (pandas' multi-column sort; for one column pandas' default quicksort leaves ties
   * unordered, its kind='stable' is this order).
   */
  sortValues(by: string | string[], options: { ascending?: boolean | boolean[]; naPosition?: 'last' | 'first' } = {}): DataFrame {
    const list = typeof by === 'string' ? [by] : by;
    if (!Array.isArray(list) || !list.length) throw new TypeError(`sortValues(by): expected a column name or a non-empty array of names, got ${describeValue(by)}`);
    for (const b of list) this.checkColumn('sortValues(by)', b);
    if (typeof options !== 'object' || options === null) throw new TypeError(`sortValues(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options)) if (k !== 'ascending' && k !== 'naPosition') throw new TypeError(`sortValues(options): unknown option ${JSON.stringify(k)}; accepted: ascending, naPosition`);
    const asc = options.ascending ?? true;
    const ascending = Array.isArray(asc) ? asc : list.map(() => asc);
    if (ascending.length !== list.length || ascending.some((a) => typeof a !== 'boolean'))
      throw new TypeError(`sortValues(options): ascending must be a boolean or one boolean per column (${list.length}), got ${describeValue(asc)}`);
    const naPosition = options.naPosition ?? 'last';
    if (naPosition !== 'last' && naPosition !== 'first') throw new RangeError(`sortValues(options): naPosition must be 'last' or 'first', got ${describeValue(naPosition)}`);
    return new DataFrame({ source: new SortedSource(this.state.source, { by: list, ascending, naPosition }), columns: this.columns });
  }

  /**
   * The n rows with the largest values of `columns` (ties: first occurrence first, as pandas'
   * keep='first'; a later column breaks the ties of the ones before). Missing values come after
   * every value, as pandas', so they appear only when n exceeds the rows with values (or among
   * ties of an earlier column).
   */
  nlargest(n: number, columns: string | string[]): Lazy<Table> {
    return this.topN('nlargest', n, columns, false);
  }
  /** The n rows with the smallest values of `columns` (ties: first occurrence first; missing values after every value, as {@link DataFrame.nlargest}). */
  nsmallest(n: number, columns: string | string[]): Lazy<Table> {
    return this.topN('nsmallest', n, columns, true);
  }
  private topN(op: string, n: number, columns: string | string[], ascending: boolean): Lazy<Table> {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`${op}(n): n must be a non-negative integer, got ${describeValue(n)}`);
    const list = typeof columns === 'string' ? [columns] : columns;
    const dtypes = this.dtypes;
    for (const c of list) {
      this.checkColumn(`${op}(columns)`, c);
      if (dtypes[c] === 'string' || dtypes[c] === 'bool' || dtypes[c] === 'category') throw new TypeError(`${op}(columns): column ${JSON.stringify(c)} has dtype ${dtypes[c]}; accepted: int64, Int64, float64, datetime, timedelta`);
    }
    // pandas' SelectNFrame: the values in order, then (n beyond them, or tied earlier columns) the
    // missing ones, first occurrence first: a stable sort with missing values last, cut at n
    const sorted = this.sortValues(list, { ascending });
    return new Lazy((o) => sorted.frameLayers(o), (options) => sorted.head(n, options));
  }

  /**
   * A database-style join with `right` on key columns (pandas' merge, sort=False): `on` (columns
   * of both; default: the columns they share) or `leftOn` with `rightOn` (pair by pair; both
   * columns are kept unless named alike); `how` inner (default), left, right or outer; other
   * columns in both get `suffixes` (default _x, _y). Missing keys match each other, as pandas;
   * int64 and float64 keys compare as numbers; other dtype mixes are a TypeError.
   */
  merge(right: DataFrame, options: MergeOptions = {}): DataFrame {
    if (!(right instanceof DataFrame)) throw new TypeError(`merge(right): expected a DataFrame, got ${describeValue(right)}`);
    if (typeof options !== 'object' || options === null) throw new TypeError(`merge(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options)) if (!['on', 'leftOn', 'rightOn', 'how', 'suffixes'].includes(k)) throw new TypeError(`merge(options): unknown option ${JSON.stringify(k)}; accepted: on, leftOn, rightOn, how, suffixes`);
    const list = (name: string, v: string | readonly string[]): string[] => {
      const l = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(l) || !l.length || l.some((x) => typeof x !== 'string')) throw new TypeError(`merge(options): ${name} must be a column name or a non-empty array of names, got ${describeValue(v)}`);
      return [...l];
    };
    let leftOn: string[];
    let rightOn: string[];
    if (options.leftOn !== undefined || options.rightOn !== undefined) {
      if (options.on !== undefined) throw new TypeError(`merge(options): give on, or leftOn with rightOn, not both`);
      if (options.leftOn === undefined || options.rightOn === undefined) throw new TypeError(`merge(options): leftOn and rightOn go together (got only ${options.leftOn === undefined ? 'rightOn' : 'leftOn'})`);
      leftOn = list('leftOn', options.leftOn);
      rightOn = list('rightOn', options.rightOn);
      if (leftOn.length !== rightOn.length) throw new RangeError(`merge(options): leftOn has ${leftOn.length} columns and rightOn ${rightOn.length}; they pair up one by one`);
    } else {
      leftOn = options.on === undefined ? this.columns.filter((c) => right.columns.includes(c)) : list('on', options.on);
      if (!leftOn.length) throw new RangeError(`merge(options): no key columns (give on, or frames with common columns)`);
      rightOn = leftOn;
    }
    const suffixes = options.suffixes ?? ['_x', '_y'];
    if (!Array.isArray(suffixes) || suffixes.length !== 2 || suffixes.some((x) => typeof x !== 'string'))
      throw new TypeError(`merge(options): suffixes must be two strings, got ${describeValue(suffixes)}`);
    return mergeFrames('merge', this, this.columns, right, right.columns, { leftOn, rightOn, coalesce: leftOn.map((c, k) => c === rightOn[k]), how: options.how ?? 'inner', suffixes: suffixes as [string, string] });
  }

  /**
   * Columns of `other` joined on its index (pandas' / Dask's join): `on` names columns of this
   * frame matched against the index (default: this frame's index, the result then sorted by it,
   * as Dask's index-aligned join). `how` left (default), inner, right or outer; columns in both
   * need `lsuffix` / `rsuffix` (pandas' error otherwise). The key comes out as a column (the
   * result has no index: pandas' `join(...).reset_index()` when joining on the index).
   */
  join(other: DataFrame, options: JoinOptions = {}): DataFrame {
    if (!(other instanceof DataFrame)) throw new TypeError(`join(other): expected a DataFrame, got ${describeValue(other)}`);
    if (typeof options !== 'object' || options === null) throw new TypeError(`join(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options)) if (!['on', 'how', 'lsuffix', 'rsuffix'].includes(k)) throw new TypeError(`join(options): unknown option ${JSON.stringify(k)}; accepted: on, how, lsuffix, rsuffix`);
    const index = other.index;
    if (index === undefined) throw new RangeError(`join(other): other has no index; give it one with setIndex(column), or use merge`);
    const [ls, rs] = [options.lsuffix ?? '', options.rsuffix ?? ''];
    if (typeof ls !== 'string' || typeof rs !== 'string') throw new TypeError(`join(options): lsuffix and rsuffix must be strings, got ${describeValue(ls)}, ${describeValue(rs)}`);
    const how = options.how ?? 'left';
    const onIndex = options.on === undefined;
    if (onIndex && this.index === undefined) throw new RangeError(`join(options): this frame has no index to join on; give on (a column), or setIndex first`);
    const on = onIndex ? this.index! : options.on!;
    if (typeof on !== 'string') throw new TypeError(`join(options): on must be a column name (other's index has one column), got ${describeValue(on)}`);
    const leftColumns = onIndex ? [on, ...this.columns] : this.columns;
    const joined = mergeFrames('join', this, leftColumns, other, other.columns.concat(index), { leftOn: [on], rightOn: [index], coalesce: [true], how, suffixes: [ls, rs] });
    return onIndex ? joined.sortValues(on) : joined;
  }

  /** The rows where `mask` (a bool Series of this frame) is true (Dask's df[mask]). */
  filter(mask: Series): DataFrame {
    const m = this.ownSeries('filter(mask)', mask);
    if (m.dtype !== 'bool') throw new TypeError(`filter(mask): mask must be a bool Series (e.g. df.get('x').gt(0.5)), got dtype ${m.dtype}`);
    return this.alignWith('filter(mask)', [m]).withStep({ kind: 'filter', mask: m.expr }, 'filter', this.columns);
  }

  /** New or replaced columns: each a Series of this frame or a number (Dask's assign). */
  assign(columns: Record<string, Series | number | boolean>): DataFrame {
    if (typeof columns !== 'object' || columns === null || Array.isArray(columns) || columns instanceof Series)
      throw new TypeError(`assign(columns): expected { name: Series | number }, got ${describeValue(columns)}`);
    const entries = Object.entries(columns);
    if (!entries.length) return this;
    const base = this.alignWith('assign(columns)', entries.flatMap(([n, v]) => (typeof v === 'number' || typeof v === 'boolean' ? [] : [this.ownSeries(`assign(columns).${n}`, v)])));
    const exprs = entries.map(([n, v]) => {
      if (typeof v === 'number' || typeof v === 'boolean') return [n, literal(`assign(columns).${n}`, v)] as const;
      return [n, this.ownSeries(`assign(columns).${n}`, v).expr] as const;
    });
    const names = [...this.columns, ...entries.map(([n]) => n).filter((n) => !this.columns.includes(n))];
    // literal columns: their dtype is the literal's (int64 for an integer, bool for a boolean)
    const typed = exprs.map(([n, e]) => {
      const v = columns[n];
      if (typeof v === 'boolean') return [n, { kind: 'astype', arg: e, dtype: 'bool' }] as const;
      if (typeof v === 'number' && Number.isInteger(v)) return [n, { kind: 'astype', arg: e, dtype: 'int64' }] as const;
      return [n, e] as const;
    }) as [string, Expr][];
    return base.withStep({ kind: 'assign', columns: typed }, 'assign', names);
  }

  /**
   * Rows without missing values (pandas' dropna): `how: 'any'` (default) drops a row with any
   * missing value in `subset` (default: every column), `'all'` only when all are missing;
   * `thresh: n` (instead of `how`) keeps the rows with at least n values present in `subset`.
   */
  dropna(options: { subset?: string[]; how?: 'any' | 'all'; thresh?: number } = {}): DataFrame {
    if (typeof options !== 'object' || options === null) throw new TypeError(`dropna(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options)) if (k !== 'subset' && k !== 'how' && k !== 'thresh') throw new TypeError(`dropna(options): unknown option ${JSON.stringify(k)}; accepted: subset, how, thresh`);
    const how = options.how ?? 'any';
    if (how !== 'any' && how !== 'all') throw new RangeError(`dropna(options): how must be 'any' or 'all', got ${describeValue(how)}`);
    const thresh = options.thresh;
    if (thresh !== undefined) {
      if (typeof thresh !== 'number') throw new TypeError(`dropna(options): thresh must be a non-negative integer, got ${describeValue(thresh)}`);
      if (!Number.isInteger(thresh) || thresh < 0) throw new RangeError(`dropna(options): thresh must be a non-negative integer, got ${describeValue(thresh)}`);
      if (options.how !== undefined) throw new TypeError('dropna(options): how and thresh cannot be given together (as pandas)');
    }
    const subset = options.subset ?? this.columns;
    if (!Array.isArray(subset)) throw new TypeError(`dropna(options): subset must be an array of column names, got ${describeValue(subset)}`);
    for (const n of subset) this.checkColumn('dropna(options.subset)', n);
    if (thresh !== undefined) {
      if (thresh === 0 || !this.columns.length) return this;
      // no columns to count: no row has thresh values present (pandas keeps none)
      if (!subset.length) return this.withStep({ kind: 'filter', mask: this.get(this.columns[0]!).notna().and(this.get(this.columns[0]!).isna()).expr }, 'dropna', this.columns);
      // the values present per row, as int64, against thresh
      const present = subset.map((n) => this.get(n).notna().astype('int64')).reduce((a, b) => a.add(b));
      return this.withStep({ kind: 'filter', mask: present.ge(thresh).expr }, 'dropna', this.columns);
    }
    if (!subset.length) return this;
    const parts: Expr[] = subset.map((n) => ({ kind: how === 'any' ? 'notna' : 'isna', arg: col(n) }));
    let mask = parts[0]!;
    // any: keep rows where every value is present; all: drop rows where every value is missing
    for (const p of parts.slice(1)) mask = { kind: 'logical', op: 'and', args: [mask, p] };
    if (how === 'all') mask = { kind: 'not', arg: mask };
    return this.withStep({ kind: 'filter', mask }, 'dropna', this.columns);
  }

  /** Missing values replaced: one value for every column it fits, or { column: value } (numbers, Dates, strings for string columns). */
  fillna(value: number | string | Date | Record<string, number | string | Date>): DataFrame {
    const dtypes = this.dtypes;
    const spec: [string, number | string | Date][] =
      typeof value === 'object' && value !== null && !(value instanceof Date)
        ? Object.entries(value)
        : this.columns
            .filter((c) => (typeof value === 'string' ? dtypes[c] === 'string' : value instanceof Date ? dtypes[c] === 'datetime' : dtypes[c] === 'float64'))
            .map((c) => [c, value as number | string | Date]);
    let out: DataFrame = this;
    const exprs: [string, Expr][] = [];
    for (const [c, v] of spec) {
      this.checkColumn('fillna(value)', c);
      const d = dtypes[c];
      if (d === 'string' || d === 'category') {
        if (typeof v !== 'string') throw new TypeError(`fillna(value).${c}: a ${d} column takes a string, got ${describeValue(v)}`);
        out = out.withStep({ kind: 'fillString', column: c, value: v }, 'fillna', out.columns);
        continue;
      }
      if (d === 'int64' || d === 'bool') continue; // never missing
      if (typeof v === 'string') throw new TypeError(`fillna(value).${c}: a ${d} column takes a ${d === 'datetime' ? 'Date' : 'number'}, got a string`);
      exprs.push([c, { kind: 'fillna', arg: col(c), value: (literal(`fillna(value).${c}`, v) as { value: number }).value }]);
    }
    return exprs.length ? out.withStep({ kind: 'assign', columns: exprs }, 'fillna', out.columns) : out;
  }

  /** A DataFrame with these columns, in this order (Dask's df[['x', 'y']]). */
  select(names: string[]): DataFrame {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
      throw new TypeError(`select(names): names must be an array of column names, got ${describeValue(names)}`);
    for (const n of names) this.checkColumn('select(names)', n);
    if (new Set(names).size !== names.length) throw new RangeError(`select(names): duplicate column in ${JSON.stringify(names)}`);
    return this.project(names, 'select');
  }

  /**
   * A frame of bool columns, true where a value is missing (pandas' `df.isna()`: NaN, NaT, a
   * missing string, `<NA>`; int64 and bool columns are never missing); the index is kept.
   * @example
   * ```ts
   * await df.isna().sum().compute(); // missing values per column
   * ```
   */
  isna(): DataFrame { return this.missingMask(false); }
  /** The negation of {@link DataFrame.isna} (pandas' `df.notna()`). */
  notna(): DataFrame { return this.missingMask(true); }
  private missingMask(present: boolean): DataFrame {
    const cols = this.columns;
    if (!cols.length) return this;
    // under temporary names first: assign() keeps a replaced column's old values for the others' expressions, but the names must not collide
    const tmp = (c: string): string => `\u0000${present ? 'notna' : 'isna'}:${c}`;
    const masked = this.assign(Object.fromEntries(cols.map((c) => [tmp(c), present ? this.get(c).notna() : this.get(c).isna()])));
    return masked.project(cols.map(tmp), 'isna').rename(Object.fromEntries(cols.map((c) => [tmp(c), c])));
  }

  /**
   * The frame without the given columns (pandas' `df.drop(columns=…)`); a column that does not
   * exist is a RangeError, as pandas' KeyError.
   */
  drop(columns: string | readonly string[]): DataFrame {
    const names = typeof columns === 'string' ? [columns] : columns;
    if (!Array.isArray(names)) throw new TypeError(`drop(columns): expected a column name or an array of names, got ${describeValue(columns)}`);
    for (const n of names) this.checkColumn('drop(columns)', n);
    return this.project(this.columns.filter((c) => !names.includes(c)), 'drop');
  }

  /**
   * Columns renamed (pandas' `df.rename(columns=…)`): a `{ old: new }` mapping (names it does not
   * list are kept; one that is not a column is ignored, as pandas' default errors='ignore') or a
   * function of the name. Two columns may swap names; two ending with the same name is a
   * RangeError (pandas would keep both under one label).
   * @example
   * ```ts
   * df.rename({ x: 'x0' }).columns; // ['name', 'id', 'x0', 'y']
   * ```
   */
  rename(columns: Readonly<Record<string, string>> | ((name: string) => string)): DataFrame {
    const to = typeof columns === 'function' ? columns : typeof columns === 'object' && columns !== null && !Array.isArray(columns)
      ? (n: string): string => (Object.prototype.hasOwnProperty.call(columns, n) ? columns[n]! : n)
      : undefined;
    if (!to) throw new TypeError(`rename(columns): expected a { old: new } mapping or a function of the name, got ${describeValue(columns)}`);
    const names = this.columns.map((c) => {
      const n = to(c);
      if (typeof n !== 'string' || !n.length) throw new TypeError(`rename(columns): the new name of ${JSON.stringify(c)} must be a non-empty string, got ${describeValue(n)}`);
      return n;
    });
    if (new Set(names).size !== names.length) throw new RangeError(`rename(columns): two columns would be named alike: ${JSON.stringify(names)}`);
    if (this.index !== undefined && names.includes(this.index)) throw new RangeError(`rename(columns): ${JSON.stringify(this.index)} is the index's name`);
    const moved = this.columns.map((c, i) => [c, names[i]!] as const).filter(([c, n]) => c !== n);
    if (!moved.length) return this;
    // each renamed column is assigned under its new name (from the input's columns: swaps work), then the order is the old one
    const out = this.assign(Object.fromEntries(moved.map(([c, n]) => [n, this.get(c)])));
    return out.project(names, 'rename');
  }

  private checkColumn(where: string, name: unknown): void {
    if (typeof name !== 'string') throw new TypeError(`${where}: expected a column name (string), got ${describeValue(name)}`);
    if (!this.state.columns.includes(name))
      throw new RangeError(`${where}: no column ${JSON.stringify(name)}; columns are ${JSON.stringify(this.state.columns)}`);
  }

  private project(names: string[], _op: string): DataFrame {
    return new DataFrame({ source: this.state.source, columns: names, projection: `getitem-${layerId()}` });
  }

  /** @internal The layers of this frame (source, projection). */
  frameLayers(optimize: boolean): DLayer[] {
    return frameLayers(this.state, optimize);
  }

  /** @internal Layers of a reduction: per-partition chunks and one aggregate. */
  reductionLayers(op: string, optimize: boolean): DLayer[] {
    return reductionLayers(this.state, op, optimize);
  }

  graph(options?: { optimize?: boolean }): TaskGraph {
    return toTaskGraph(this.frameLayers(options?.optimize ?? false));
  }

  /** Draw the frame's task graph (Dask's conventions) as SVG or DOT text; see {@link visualize}. */
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    const { visualize } = await import('../visualize/index.js');
    return visualize(this, options);
  }

  /** @internal Loads partitions (all by default) with the selected columns. */
  loadPartitions(parts: readonly number[] | undefined, tracker: Tracker, tasks: number): Promise<Partition[]> {
    return this.state.source.load(this.state.columns, parts, tracker.phase(tasks));
  }

  /** The first n rows (computes only the partitions needed), as a local Table. */
  async head(n = 5, options: ComputeOptions = {}): Promise<Table> {
    if (typeof n !== 'number') throw new TypeError(`head(n): n must be a non-negative integer, got ${describeValue(n)}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`head(n): n must be a non-negative integer, got ${describeValue(n)}`);
    const tracker = new Tracker(options, 'head', 1);
    return tracker.run(async () => {
      let got: Partition[] = [];
      let rows = 0;
      for (let p = 0; p < this.npartitions && (rows < n || !got.length); p++) {
        const [part] = await this.state.source.load(this.state.columns, [p], p === 0 ? tracker.phase(1) : { options });
        got.push(part!);
        rows += part!.length;
      }
      // partitions loaded one by one were typed one by one (a CSV block of ints, one of text):
      // load the ones needed together, so the source unifies their dtypes as compute() does
      if (got.length > 1 && !sameDtypes(got)) got = await this.state.source.load(this.state.columns, got.map((_, i) => i), { options });
      return Table.concat(this.columns, got, this.index).slice(0, n);
    });
  }

  /** The last n rows (computes only the partitions needed, from the end), as a local Table. */
  async tail(n = 5, options: ComputeOptions = {}): Promise<Table> {
    if (typeof n !== 'number') throw new TypeError(`tail(n): n must be a non-negative integer, got ${describeValue(n)}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`tail(n): n must be a non-negative integer, got ${describeValue(n)}`);
    const tracker = new Tracker(options, 'tail', 1);
    return tracker.run(async () => {
      let got: Partition[] = [];
      const idx: number[] = [];
      let rows = 0;
      for (let p = this.npartitions - 1; p >= 0 && (rows < n || !got.length); p--) {
        const [part] = await this.state.source.load(this.state.columns, [p], p === this.npartitions - 1 ? tracker.phase(1) : { options });
        got.unshift(part!);
        idx.unshift(p);
        rows += part!.length;
      }
      if (got.length > 1 && !sameDtypes(got)) got = await this.state.source.load(this.state.columns, idx, { options });
      return Table.concat(this.columns, got, this.index).slice(Math.max(0, rows - n), rows);
    });
  }

  /** The whole frame as a local Table. */
  compute(options: ComputeOptions = {}): Promise<Table> {
    const tracker = new Tracker(options, this.state.source.name, this.npartitions);
    return tracker.run(async () => Table.concat(this.columns, await this.loadPartitions(undefined, tracker, this.npartitions), this.index));
  }

  /**
   * Computes the partitions once and keeps them in memory (native buffers): later computes on
   * the returned DataFrame start from them instead of regenerating or re-parsing.
   */
  async persist(options: ComputeOptions = {}): Promise<DataFrame> {
    const tracker = new Tracker(options, `persist ${this.state.source.name}`, this.npartitions);
    const parts = await tracker.run(() => this.loadPartitions(undefined, tracker, this.npartitions));
    return new DataFrame({ source: new MemorySource(this.state.source, this.state.columns, parts), columns: this.state.columns });
  }

  /**
   * The columns cast (pandas' `df.astype`): one dtype for every column, or `{ column: dtype }`
   * for some; each as {@link Series.astype} ('float64', 'int64', 'Int64', 'bool', 'category', 'string', 'datetime').
   */
  astype(dtype: 'float64' | 'int64' | 'Int64' | 'bool' | 'category' | 'string' | 'datetime' | Record<string, 'float64' | 'int64' | 'Int64' | 'bool' | 'category' | 'string' | 'datetime'>): DataFrame {
    const spec = typeof dtype === 'string' ? Object.fromEntries(this.columns.map((c) => [c, dtype])) : dtype;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new TypeError(`astype(dtype): expected a dtype or { column: dtype }, got ${describeValue(dtype)}`);
    for (const c of Object.keys(spec)) this.checkColumn('astype(dtype)', c);
    return this.assign(Object.fromEntries(Object.entries(spec).map(([c, d]) => [c, this.get(c).astype(d)])));
  }

  /** The number of distinct values of each column, missing left out (pandas' `df.nunique()`). */
  nunique(): Lazy<Record<string, number>> {
    const columns = this.columns;
    return new Lazy(
      (o) => this.reductionLayers('nunique', o),
      async (options) => {
        // one load of every column and one native groupby (a single group, nunique per column)
        const P = this.npartitions;
        const tracker = new Tracker(options, 'nunique', 2 * P + 1);
        const counts = await tracker.run(async () => {
          const parts = await this.state.source.load([...columns], undefined, tracker.phase(P));
          return partsNunique(parts, columns, this.dtypes, tracker);
        });
        return Object.fromEntries(columns.map((c, j) => [c, counts[j]!]));
      },
    );
  }

  /** Number of rows (Dask's len(df)). */
  length(): Lazy<number> {
    const lengths = this.state.source.lengths;
    return new Lazy(
      (o) => this.reductionLayers('len', o),
      async (options) => {
        if (lengths) return lengths.reduce((a, b) => a + b, 0);
        const tracker = new Tracker(options, 'len', this.npartitions);
        return tracker.run(async () => {
          const parts = await this.state.source.load([], undefined, tracker.phase(this.npartitions));
          return parts.reduce((a, p) => a + p.length, 0);
        });
      },
    );
  }

  /** int64/Int64/float64 columns, and bool ones for the reductions pandas' numeric_only takes them into (not describe). */
  private numericColumns(withBool = false): string[] {
    return this.state.columns.filter((c) => NUMERIC(this.dtypeMap.get(c)!) || (withBool && this.dtypeMap.get(c) === 'bool'));
  }

  /** @internal Per-column statistics of numeric columns. */
  async stats(columns: string[], quantiles: number[], options: ComputeOptions, label: string, boolAsNumber = false, datesAsNumbers = false, exactInts = false): Promise<Map<string, NumStats>> {
    const P = this.npartitions;
    const C = columns.length;
    const tracker = new Tracker(options, label, P + 2 * C * P + (quantiles.length ? C : 0));
    return tracker.run(async () => {
      const parts = await this.state.source.load(columns, undefined, tracker.phase(P));
      const out = new Map<string, NumStats>();
      // the dtype may have been unified to another type than the sample's
      // a bool Series whose partitions with missing values hold 'True'/'False' strings (pandas'
      // object bools): numbers per partition, 1/0 and NaN for missing, so they are counted right
      const boolText = new Set(columns.filter((c) => {
        const ds = parts.filter((p) => p.length > 0).map((p) => p.columns.get(c)?.dtype);
        return (this.dtypeMap.get(c) === 'bool' || ds.includes('bool')) && ds.includes('string') && ds.every((d) => d === 'bool' || d === 'string');
      }));
      const numeric = columns.filter((c) => {
        // count: every non-missing value of such a column (text that is not True/False too: an
        // int partition after a bool sample), not only the ones that read as 1/0
        if (boolText.has(c) && label === 'count') return false;
        const d = boolText.has(c) ? 'bool' : parts[0]?.columns.get(c)?.dtype ?? this.dtypeMap.get(c)!;
        return NUMERIC(d) || (boolAsNumber && d === 'bool') || (boolText.has(c) && label !== 'count') || (datesAsNumbers && (d === 'datetime' || d === 'timedelta'));
      });
      for (const c of columns) if (!numeric.includes(c)) out.set(c, nonNumeric(c, parts, label === 'count'));
      if (numeric.length) {
        const spec = {
          columns: numeric.map((c) => {
            if (boolText.has(c)) {
              return { type: typeCode('float64'), parts: parts.map((p) => { const col = p.columns.get(c)!; return col.dtype === 'string' ? boolTextToFloat(col) : Float64Array.from(col.values as Uint8Array); }) };
            }
            const d = parts[0]?.columns.get(c)?.dtype ?? this.dtypeMap.get(c)!;
            // a nullable Int64 column as float64 with NaN for <NA> (skipped as missing)
            if (d === 'Int64') return { type: typeCode('float64'), parts: parts.map((p) => nullableToFloat(p.columns.get(c)!).values) };
            // a bool column as 0/1 (pandas' sum is the number of True values, its mean their share)
            if (d === 'bool') return { type: typeCode('float64'), parts: parts.map((p) => Float64Array.from(p.columns.get(c)!.values as Uint8Array)) };
            // datetimes: their milliseconds since the epoch (NaN = NaT, skipped as missing)
            if (d === 'datetime') return { type: typeCode('float64'), parts: parts.map((p) => p.columns.get(c)!.values) };
            return { type: typeCode(d), parts: parts.map((p) => p.columns.get(c)!.values) };
          }),
          quantiles: new Float64Array(quantiles),
        };
        const ctx = tracker.phase(2 * C * P + C);
        const res = await awaitNative((onProgress) => dfNative().dfStats(spec, onProgress), ctx);
        const per = 6 + quantiles.length;
        numeric.forEach((c, k) => {
          const o = res.subarray(k * per, (k + 1) * per);
          out.set(c, {
            numeric: true, count: o[0]!, sum: o[1]!, mean: o[2]!, std: o[3]!, min: o[4]!, max: o[5]!,
            quantiles: Array.from(o.subarray(6)),
          });
        });
        // sum/min/max of an int64 column exactly (the float64 kernel rounds beyond 2^53; pandas'
        // int64 sum wraps as NumPy's), as the nearest number
        if (exactInts && (label === 'sum' || label === 'min' || label === 'max'))
          for (const c of numeric) {
            const r = await reduceInt64(parts, col(c), this.dtypeMap, label, { signal: options.signal });
            if (r !== undefined) out.get(c)!.exact = Number(r);
          }
      }
      return out;
    });
  }

  /** @internal The exact sum/min/max of an int64/Int64 expression of this frame's columns (one engine plan), or undefined when it does not read as int64. */
  async intReduce(expr: Expr, op: 'sum' | 'min' | 'max', options: ComputeOptions): Promise<bigint | number | undefined> {
    const tracker = new Tracker(options, op, this.npartitions + 1);
    return tracker.run(async () => {
      const parts = await this.state.source.load([...exprColumns(expr)], undefined, tracker.phase(this.npartitions));
      return reduceInt64(parts, expr, this.dtypeMap, op, { signal: options.signal });
    });
  }

  private reduction(op: 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std', extract: (s: NumStats) => number): Lazy<Record<string, number>> {
    const cols = op === 'count' ? this.columns : this.numericColumns(true);
    return new Lazy(
      (o) => this.reductionLayers(op, o),
      async (options) => {
        const stats = await this.stats(cols, [], options, op, true, false, true);
        // a column numeric in the sample may read as text later: left out, as pandas' numeric_only
        const kept = op === 'count' ? cols : cols.filter((c) => stats.get(c)!.numeric);
        return Object.fromEntries(kept.map((c) => [c, stats.get(c)!.exact ?? extract(stats.get(c)!)]));
      },
    );
  }

  /**
   * The sum of each numeric (int64, Int64, float64, bool) column, missing values skipped (pandas'
   * `df.sum(numeric_only=True)`), as `{ column: value }` once computed; a bool column counts its True values, as pandas.
   * @example
   * ```ts
   * const totals = await df.sum().compute(); // { id: …, x: …, y: … }: the numeric columns
   * ```
   */
  sum(): Lazy<Record<string, number>> { return this.reduction('sum', (s) => s.sum); }
  /** The mean of each numeric (int64, Int64, float64, bool as 0/1) column, missing values skipped (pandas' `df.mean(numeric_only=True)`). */
  mean(): Lazy<Record<string, number>> { return this.reduction('mean', (s) => s.mean); }
  /** The minimum of each numeric column (bool as 0/1: pandas gives False/True), missing values skipped (pandas' `df.min(numeric_only=True)`). */
  min(): Lazy<Record<string, number>> { return this.reduction('min', (s) => s.min); }
  /** The maximum of each numeric column (bool as 0/1: pandas gives False/True), missing values skipped (pandas' `df.max(numeric_only=True)`). */
  max(): Lazy<Record<string, number>> { return this.reduction('max', (s) => s.max); }
  /** Non-missing values per column (every column). */
  count(): Lazy<Record<string, number>> { return this.reduction('count', (s) => s.count); }
  /** Standard deviation, ddof 1 by default (as pandas). */
  std(options: { ddof?: number } = {}): Lazy<Record<string, number>> {
    const ddof = checkDdof(options);
    return this.reduction('std', (s) => stdWith(s, ddof));
  }

  /**
   * Exact quantiles of the int64/float64 columns, missing values left out (pandas' quantile,
   * linear interpolation): q in [0, 1] gives a number per column, a list of q a list per column.
   */
  quantile(q: number): Lazy<Record<string, number>>;
  quantile(q: readonly number[]): Lazy<Record<string, number[]>>;
  quantile(q: number | readonly number[]): Lazy<Record<string, number>> | Lazy<Record<string, number[]>> {
    const qs = checkQuantile('quantile(q)', q);
    const all = frameQuantile(this, qs, 'quantile');
    if (Array.isArray(q)) return all;
    return new Lazy((o) => this.reductionLayers('quantile', o), async (options) =>
      Object.fromEntries(Object.entries(await all.compute(options)).map(([c, v]) => [c, v[0]!])));
  }
  /** The exact median of each int64/float64/bool column (the mean of the middle two for an even count, as pandas). */
  median(): Lazy<Record<string, number>> {
    const all = frameQuantile(this, [MEDIAN_Q], 'median');
    return new Lazy((o) => this.reductionLayers('median', o), async (options) =>
      Object.fromEntries(Object.entries(await all.compute(options)).map(([c, v]) => [c, v[0]!])));
  }
  /** Variance of each int64/float64/bool column, ddof 1 by default (as pandas). */
  var(options: { ddof?: number } = {}): Lazy<Record<string, number>> {
    return frameVar(this, checkVarOptions('var(options)', options));
  }
  /**
   * Pairwise Pearson correlations of the int64, float64 and bool columns over the rows where
   * both are present (pandas' corr; minPeriods default 1): a Table with an 'index' column of
   * names, then one column per name (pandas' corr().reset_index()).
   */
  corr(options: CorrOptions = {}): Lazy<Table> {
    return frameCorr(this, false, options);
  }
  /** Pairwise covariances (divisor n − ddof), as corr(). */
  cov(options: CovOptions = {}): Lazy<Table> {
    return frameCorr(this, true, options);
  }

  /**
   * count, mean, std, min, percentiles (exact, linear interpolation as pandas), max of the
   * numeric columns; for frames without numeric columns: count, unique, top, freq.
   */
  describe(options: DescribeOptions = {}): Lazy<Describe> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`describe(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options))
      if (k !== 'percentiles') throw new TypeError(`describe(options): unknown option ${JSON.stringify(k)}; accepted: percentiles`);
    const qs = checkPercentiles(options.percentiles);
    const numeric = this.numericColumns();
    const cols = numeric.length ? numeric : this.columns;
    return new Lazy(
      (o) => this.reductionLayers('describe', o),
      async (options) => {
        const stats = await this.stats(cols, numeric.length ? qs : [], options, 'describe');
        if (!numeric.length) return Describe.from(cols, stats, qs);
        // the columns are chosen from the sample's dtypes; one numeric there may read as text
        // later: pandas leaves it out (and describes the text columns when none is numeric)
        const kept = cols.filter((c) => stats.get(c)!.numeric);
        if (kept.length) return Describe.from(kept, stats, qs);
        return Describe.from(this.columns, await this.stats(this.columns, [], options, 'describe'), qs);
      },
    );
  }

  /**
   * Writes one CSV file per partition, in parallel on the native pool; `*` in the pattern is
   * replaced by nameFunction(i) (default: zero-padded partition numbers). Resolves to the file names.
   */
  toCsv(pattern: string | string[], options: ToCsvOptions & ComputeOptions = {}): Promise<string[]> {
    return writePartitions(this.state, pattern, options);
  }

  toString(): string {
    return `DataFrame(npartitions=${this.npartitions}, columns=${JSON.stringify(this.dtypes)})`;
  }

  /** console.log(df) prints toString(), not the frame's internal state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** `t` with a missing value inserted at row `pos` of column `name` (int64 becomes float64, bool a string column, as pandas' object). */
function insertMissing(t: Table, name: string, pos: number): Table {
  const c = t.raw(name)!;
  const n = t.length + 1;
  let col: Column;
  const at = (i: number): number => (i < pos ? i : i - 1);
  if (c.dtype === 'string' || c.dtype === 'category') col = { dtype: c.dtype, values: Int32Array.from({ length: n }, (_, i) => (i === pos ? -1 : (c.values as Int32Array)[at(i)]!)), dict: c.dict };
  else if (c.dtype === 'bool')
    col = { dtype: 'string', values: Int32Array.from({ length: n }, (_, i) => (i === pos ? -1 : (c.values as Uint8Array)[at(i)]!)), dict: StringDict.fromStrings(['False', 'True']) };
  else if (c.dtype === 'Int64') {
    // pandas: an Int64 unique() keeps its dtype, <NA> where it first appears
    const v = c.values as BigInt64Array;
    col = { dtype: 'Int64', values: BigInt64Array.from({ length: n }, (_, i) => (i === pos ? 0n : v[at(i)]!)), valid: Uint8Array.from({ length: n }, (_, i) => (i === pos ? 0 : 1)) };
  } else col = { dtype: c.dtype === 'datetime' ? 'datetime' : 'float64', values: Float64Array.from({ length: n }, (_, i) => (i === pos ? NaN : Number((c.values as Float64Array | BigInt64Array)[at(i)]!))) };
  return new Table([name], new Map([[name, col]]), n);
}

/** A value `Series.replace` takes: what a column holds (NaN: the missing values). */
export type ReplaceValue = number | bigint | string | boolean | Date;

/** Options of {@link Series.valueCounts} (pandas' `value_counts`; `splitOut` Dask's `split_out`). */
export interface ValueCountsOptions {
  /** The counts over their total ('proportion' column). */
  normalize?: boolean;
  /** Most frequent first (false: in order of first appearance). */
  sort?: boolean;
  /** Least frequent first. */
  ascending?: boolean;
  /** false: the missing values counted too (not with splitOut). */
  dropna?: boolean;
  /**
   * Dask's `split_out`: the counts as a DataFrame of `splitOut` partitions, hash-partitioned by
   * value, each ordered as `sort`/`ascending` say; `normalize` over the total of all partitions.
   */
  splitOut?: number;
}

/** An object literal (or one without a prototype): a mapping, not an array, Map or Date. */
function isPlainObject(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether the partitions with rows agree on every column's dtype. */
function sameDtypes(parts: Partition[]): boolean {
  const seen = new Map<string, DType>();
  for (const p of parts) {
    if (!p.length) continue;
    for (const [n, c] of p.columns) {
      const d = seen.get(n);
      if (d === undefined) seen.set(n, c.dtype);
      else if (d !== c.dtype) return false;
    }
  }
  return true;
}

/** One column of a DataFrame (Dask's Series), or an expression over the columns of one frame. */
export class Series implements HasGraph {
  /** @internal use df.get(name) and the operations */
  constructor(
    /** The frame whose columns the expression reads. */
    readonly frame: DataFrame,
    /** @internal */
    readonly expr: Expr,
    /** The Series' name: the column's, kept through operations (pandas' `Series.name`). */
    readonly name: string,
  ) {}
  /** The dtype of the values (pandas' rules: int arithmetic stays int64, comparisons are bool). */
  get dtype(): DType {
    return exprDtype(this.expr, new Map(Object.entries(this.frame.sourceDtypes())));
  }
  /** The number of partitions of the frame the Series reads. */
  get npartitions(): number {
    return this.frame.npartitions;
  }
  /** @internal A frame with this series as its one column. */
  asFrame(): DataFrame {
    if (this.expr.kind === 'col' && this.expr.name === this.name) return this.frame.select([this.expr.name]);
    return this.frame.assign({ [this.name]: this }).select([this.name]);
  }
  graph(options?: { optimize?: boolean }): TaskGraph {
    return this.asFrame().graph(options);
  }
  /** Draw the task graph of this Series (as a one-column frame); see {@link visualize}. */
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    return this.asFrame().visualize(options);
  }
  /**
   * The first `n` values (default 5) as a one-column Table, computing only the partitions needed
   * (pandas' / Dask's `head`). A negative or fractional n is a RangeError.
   */
  head(n = 5, options: ComputeOptions = {}): Promise<Table> {
    return this.asFrame().head(n, options);
  }
  /**
   * The last `n` values (default 5) as a one-column Table, computing only the partitions needed
   * from the end. A negative or fractional n is a RangeError.
   */
  tail(n = 5, options: ComputeOptions = {}): Promise<Table> {
    return this.asFrame().tail(n, options);
  }
  /** The values as a one-column Table. */
  compute(options: ComputeOptions = {}): Promise<Table> {
    return this.asFrame().compute(options);
  }
  /** The number of rows, missing values included (Dask's `len(s)`); see {@link Series.count} for the non-missing ones. */
  length(): Lazy<number> {
    return this.frame.length();
  }

  /**
   * An expression of this Series and `others` (Series or literals), over this frame or, when a
   * Series is a scan of it (shift, cumsum, …), the frame holding both row for row.
   */
  private withOperands(where: string, others: readonly unknown[], build: (ops: Expr[]) => Expr): Series {
    const series = others.filter((o): o is Series => o instanceof Series);
    let frame = this.frame;
    if (series.some((o) => o.frame.state.source !== this.frame.state.source)) {
      const src = alignedSource([this.frame.state.source, ...series.map((o) => o.frame.state.source)]);
      if (!src)
        throw new RangeError(
          `${where}: the Series comes from another DataFrame (other partitions: rows would not align); combine columns of one frame, e.g. assign() them first`,
        );
      frame = new DataFrame({ source: src, columns: this.frame.columns });
    }
    const ops = others.map((o) => (o instanceof Series ? o.expr : literal(where, o)));
    const s = new Series(frame, build(ops), this.name);
    void s.dtype; // dtype errors at build time, naming the operation
    return s;
  }
  private derive(expr: Expr): Series {
    const s = new Series(this.frame, expr, this.name);
    void s.dtype; // dtype errors at build time, naming the operation
    return s;
  }
  private arith(op: ArithOp, other: Series | number | bigint | Date): Series {
    return this.withOperands(op, [other], ([b]) => ({ kind: 'arith', op, args: [this.expr, b!] }));
  }
  private compare(op: CompareOp, other: Series | number | bigint | Date | string): Series {
    const d = this.dtype;
    const text = d === 'string' || d === 'category';
    if (typeof other === 'string') {
      if (!text) throw new TypeError(`${op}: a string compares with a string or category column, not ${d}`);
      // per distinct string of each partition's dictionary, as the .str predicates
      return this.derive({ kind: 'str', op: 'compare', arg: this.expr, pat: other, cmp: op });
    }
    if (text && other instanceof Series && (other.dtype === 'string' || other.dtype === 'category'))
      throw new TypeError(`${op}: comparisons of two string columns are not built (accepted: a string column with a string, e.g. s.eq('Alice'))`);
    return this.withOperands(op, [other], ([b]) => ({ kind: 'compare', op, args: [this.expr, b!] }));
  }
  private logical(op: LogicalOp, other: Series | boolean): Series {
    return this.withOperands(op, [other], ([b]) => ({ kind: 'logical', op, args: [this.expr, b!] }));
  }
  /**
   * `this + other` elementwise (pandas' `+`): another Series of the same frame, a number or a
   * bigint (an int64 scalar); int64 with int64 (or an integer) stays int64, exact over the whole
   * int64 range and wrapping on overflow as NumPy's, missing values stay missing. A Series of another frame is a RangeError.
   * @example
   * ```ts
   * const total = df.get('x').add(df.get('y')).mul(2);
   * ```
   */
  add(other: Series | number | bigint): Series { return this.arith('add', other); }
  /** `this - other` elementwise (pandas' `-`); operands as {@link Series.add}, and a Date from a datetime Series (a timedelta, as pandas' `s - pd.Timestamp(…)`). */
  sub(other: Series | number | bigint | Date): Series { return this.arith('sub', other); }
  /** `this * other` elementwise (pandas' `*`); operands as {@link Series.add}. */
  mul(other: Series | number | bigint): Series { return this.arith('mul', other); }
  /** True division (float64, as pandas' /). */
  div(other: Series | number | bigint): Series { return this.arith('div', other); }
  /** `this ** other` elementwise (pandas' `**`); operands as {@link Series.add}. */
  pow(other: Series | number | bigint): Series { return this.arith('pow', other); }
  /** The remainder with the divisor's sign (pandas' %). */
  mod(other: Series | number | bigint): Series { return this.arith('mod', other); }
  /** Floor division (pandas' //). */
  floordiv(other: Series | number | bigint): Series { return this.arith('floordiv', other); }
  /**
   * `this == other` as a bool Series (pandas' `==`): another Series, a number, or a Date for datetime
   * columns; a missing value compares unequal.
   */
  eq(other: Series | number | bigint | Date | string): Series { return this.compare('eq', other); }
  /** `this != other` as a bool Series (pandas' `!=`); a missing value is not equal to anything. */
  ne(other: Series | number | bigint | Date | string): Series { return this.compare('ne', other); }
  /** `this < other` as a bool Series (pandas' `<`; strings by code point, as Python); false where a value is missing. */
  lt(other: Series | number | bigint | Date | string): Series { return this.compare('lt', other); }
  /** `this <= other` as a bool Series (pandas' `<=`); false where a value is missing. */
  le(other: Series | number | bigint | Date | string): Series { return this.compare('le', other); }
  /** `this > other` as a bool Series (pandas' `>`); false where a value is missing. */
  gt(other: Series | number | bigint | Date | string): Series { return this.compare('gt', other); }
  /** `this >= other` as a bool Series (pandas' `>=`); false where a value is missing. */
  ge(other: Series | number | bigint | Date | string): Series { return this.compare('ge', other); }
  /**
   * Whether each value is one of `values` (pandas' `Series.isin`), as a bool Series: strings for a
   * string or category column, numbers / bigints / booleans / Dates for the others; values of
   * another kind never match (as pandas), and NaN in `values` matches the missing values (NaN,
   * NaT, a missing string) while `null` matches nothing — pandas' `isin([np.nan])` and
   * `isin([None])` on data read from a file.
   * @example
   * ```ts
   * df.filter(df.get('name').isin(['Alice', 'Bob']));
   * ```
   */
  isin(values: readonly (number | bigint | string | boolean | Date | null)[]): Series {
    if (!Array.isArray(values)) throw new TypeError(`isin(values): values must be an array, got ${describeValue(values)}`);
    const d = this.dtype;
    const missingIn = values.some((v) => typeof v === 'number' && Number.isNaN(v));
    if (d === 'string' || d === 'category') {
      const strings = values.filter((v): v is string => typeof v === 'string');
      return this.derive({ kind: 'str', op: 'isin', arg: this.expr, values: [...new Set(strings)], missingIn });
    }
    const lits: Expr[] = [];
    const seen = new Set<number | bigint>();
    for (const v of values) {
      if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isNaN(v))) continue;
      if ((v instanceof Date) !== (d === 'datetime')) continue;  // a Date matches only datetimes (and only a Date does)
      const e = literal('isin(values)', v) as { kind: 'lit'; value: number | bigint };
      const key = typeof e.value === 'bigint' && e.value >= -(2n ** 53n) && e.value <= 2n ** 53n ? Number(e.value) : e.value;
      if (seen.has(key)) continue;
      seen.add(key);
      lits.push({ kind: 'compare', op: 'eq', args: [this.expr, e] });
    }
    if (missingIn) lits.push({ kind: 'isna', arg: this.expr });
    // nothing can match: x != x is false except at NaN, and NaN is not asked for
    if (!lits.length) return this.derive({ kind: 'logical', op: 'and', args: [{ kind: 'isna', arg: this.expr }, { kind: 'notna', arg: this.expr }] });
    // a balanced or-tree keeps the expression shallow for long lists
    const tree = (lo: number, hi: number): Expr =>
      hi - lo === 1 ? lits[lo]! : { kind: 'logical', op: 'or', args: [tree(lo, (lo + hi) >> 1), tree((lo + hi) >> 1, hi)] };
    return this.derive(tree(0, lits.length));
  }
  /**
   * `left <= this <= right` as a bool Series (pandas' `Series.between`); `inclusive` 'both'
   * (default), 'neither', 'left' or 'right'. Bounds as the comparisons take them (numbers,
   * bigints, Dates, strings for string columns).
   */
  between(left: number | bigint | Date | string, right: number | bigint | Date | string, options: { inclusive?: 'both' | 'neither' | 'left' | 'right' } = {}): Series {
    const inc = options.inclusive ?? 'both';
    if (!['both', 'neither', 'left', 'right'].includes(inc))
      throw new TypeError(`between(options): inclusive must be 'both', 'neither', 'left' or 'right', got ${describeValue(inc)}`);
    const lo = inc === 'both' || inc === 'left' ? this.ge(left) : this.gt(left);
    const hi = inc === 'both' || inc === 'right' ? this.le(right) : this.lt(right);
    return lo.and(hi);
  }
  /** Elementwise and of two masks (pandas' &). */
  and(other: Series | boolean): Series { return this.logical('and', other); }
  /** Elementwise or of two masks (pandas' |). */
  or(other: Series | boolean): Series { return this.logical('or', other); }
  /** Elementwise exclusive or of two masks (pandas' `^`); `other` a bool Series or a boolean. */
  xor(other: Series | boolean): Series { return this.logical('xor', other); }
  /** Elementwise not of a mask (pandas' ~). */
  not(): Series { return this.derive({ kind: 'not', arg: this.expr }); }
  /** `-this` elementwise (pandas' unary `-`), in the Series' dtype. */
  neg(): Series { return this.derive({ kind: 'neg', arg: this.expr }); }
  /** `|this|` elementwise (pandas' `abs()`), in the Series' dtype. */
  abs(): Series { return this.derive({ kind: 'abs', arg: this.expr }); }
  /** Round half to even at `decimals` digits, as pandas/NumPy. */
  round(decimals = 0): Series {
    if (!Number.isInteger(decimals)) throw new TypeError(`round(decimals): decimals must be an integer, got ${describeValue(decimals)}`);
    return this.derive({ kind: 'round', arg: this.expr, decimals });
  }
  /** Values limited to [lower, upper] (null: open); NaN stays NaN. */
  clip(lower: number | null, upper: number | null): Series {
    for (const [k, v] of [['lower', lower], ['upper', upper]] as const)
      if (v !== null && typeof v !== 'number') throw new TypeError(`clip(${k}): must be a number or null, got ${describeValue(v)}`);
    if (lower === null && upper === null) throw new TypeError('clip(lower, upper): give at least one bound');
    return this.derive({ kind: 'clip', arg: this.expr, lo: lower, hi: upper });
  }
  /**
   * A bool Series: true where the value is missing (NaN in float64, NaT in datetime, a missing
   * string), as pandas' `isna()`; int64 and bool columns are never missing.
   */
  isna(): Series { return this.derive({ kind: 'isna', arg: this.expr }); }
  /** The negation of {@link Series.isna} (pandas' `notna()`). */
  notna(): Series { return this.derive({ kind: 'notna', arg: this.expr }); }
  /** Missing values replaced by `value` (a number; Date for datetimes). */
  fillna(value: number | Date): Series {
    const v = literal('fillna(value)', value);
    return this.derive({ kind: 'fillna', arg: this.expr, value: (v as { value: number }).value });
  }
  /** pandas' where: this value where cond is true, else `other` (default NaN). */
  where(cond: Series, other: Series | number | Date = NaN): Series {
    if (!(cond instanceof Series)) throw new TypeError(`where(cond): cond must be a bool Series, got ${describeValue(cond)}`);
    return this.withOperands('where', [cond, other], ([c, o]) => ({ kind: 'where', cond: c!, x: this.expr, other: o! }));
  }
  /** pandas' mask: `other` where cond is true, else this value. */
  mask(cond: Series, other: Series | number | Date = NaN): Series {
    if (!(cond instanceof Series)) throw new TypeError(`mask(cond): cond must be a bool Series, got ${describeValue(cond)}`);
    return this.withOperands('mask', [cond, other], ([c, o]) => ({ kind: 'where', cond: c!, x: o!, other: this.expr }));
  }
  /**
   * A cast: 'float64', 'int64' (truncates; missing or infinite values are an error, as pandas),
   * 'Int64' (pandas' nullable integer: NaN becomes `<NA>`, a float that is not an integer is an
   * error, as pandas), 'bool' (x != 0; NaN is true), or 'category' of a string column (its
   * dictionary strings as the categories, in lexical order as pandas'). From Int64, `<NA>` is NaN
   * in float64 and an error in int64 and bool. 'string' (pandas' `astype('string')`): each value
   * as Python's `str()` of it — floats as their `repr` (`1.5`, `100000.0`, `1e+20`, `-0.0`, `inf`),
   * bools `True`/`False`, datetimes `2000-01-01 10:00:00` (`.fff` when a value has milliseconds:
   * per value, where pandas chooses one format per column) — missing values stay missing
   * (pandas' `<NA>`); from timedelta it is a TypeError. 'datetime' of a string or category column
   * (pandas' `pd.to_datetime` / `astype('datetime64[ns]')`): the forms `parseDates` reads, each
   * distinct string parsed once; missing and NA strings are NaT; a string it cannot read is a
   * RangeError naming it. 'datetime' of numbers (int64, Int64, float64, bool): nanoseconds since
   * the epoch, as pandas' `astype('datetime64[ns]')`; a value that is not a whole millisecond
   * (tessera's datetimes hold milliseconds) is a RangeError naming it; from timedelta a TypeError.
   */
  astype(dtype: 'float64' | 'int64' | 'Int64' | 'bool' | 'category' | 'string' | 'datetime'): Series {
    if (dtype !== 'float64' && dtype !== 'int64' && dtype !== 'Int64' && dtype !== 'bool' && dtype !== 'category' && dtype !== 'string' && dtype !== 'datetime')
      throw new TypeError(`astype(dtype): accepted 'float64', 'int64', 'Int64', 'bool', 'category', 'string', 'datetime', got ${describeValue(dtype)}`);
    if (this.dtype === dtype) return this;
    // pandas' astype('string'): Python's str() of each value (floats as repr), missing kept;
    // astype('datetime') of strings: pd.to_datetime with the reader's date formats
    if (dtype === 'string' || dtype === 'datetime') return this.derive({ kind: 'format', arg: this.expr, to: dtype });
    if (dtype === 'category') {
      if (this.dtype !== 'string') throw new TypeError(`astype('category'): needs a string column, got ${this.dtype}`);
      return this.derive({ kind: 'str', op: 'map', arg: this.expr, map: { op: 'category' } });
    }
    return this.derive({ kind: 'astype', arg: this.expr, dtype });
  }

  /**
   * Each value looked up in `mapping` (pandas' `Series.map(dict)`), a plain object or a `Map`;
   * a value not among its keys becomes missing. Keys: strings for a string or category column;
   * numbers or bigints for int64 / Int64 / float64 columns (an object's keys are read as numbers,
   * `'1'` → 1; 1 and 1.0 are one key); booleans for a bool column (an object's `'true'` /
   * `'false'`); Dates for datetime columns; a `Map` key NaN maps the missing values (NaN, NaT,
   * a missing string; `null` matches nothing, as pandas' `None` key on data read from a file).
   * Keys of another kind never match (as pandas: `true` is not the key 1).
   * The values are all strings (a string column), all numbers or bigints (int64 when every row
   * matched an integer, else float64 with NaN, as pandas), or all booleans (bool when every row
   * matched, else an object column of 'True'/'False' as pandas); `null` values are missing.
   * Mixed kinds are a TypeError (pandas would make an object column). A category column stays
   * category when its values all map to distinct strings (pandas' categories mapped), else a
   * string column; its missing values stay missing.
   * @example
   * ```ts
   * df.get('code').map({ a: 'apple', b: 'banana' });
   * df.get('n').map(new Map([[1, 10], [2, 20]]));
   * ```
   */
  map(mapping: Readonly<Record<string, MapValue>> | ReadonlyMap<unknown, MapValue>): Series {
    const table = this.lookupTable('map(mapping)', mapping);
    return this.derive({ kind: 'lookup', arg: this.expr, table });
  }
  /** The mapping's entries as [key, value] pairs with the keys this column's values can match (null: the missing values; keys that never match left out). */
  private mappingEntries(where: string, mapping: unknown): [string | null, unknown][] {
    const d = this.dtype;
    const text = d === 'string' || d === 'category';
    if (!(mapping instanceof Map) && !isPlainObject(mapping)) throw new TypeError(`${where}: expected a plain object or a Map, got ${describeValue(mapping)}`);
    const out: [string | null, unknown][] = [];
    const key = (k: unknown, fromObject: boolean): string | null | undefined => {
      // NaN stands for the missing values (NaN, NaT, a missing string); null matches nothing, as
      // pandas' None key on data read from a file (see isin)
      if (typeof k === 'number' && Number.isNaN(k)) return null;
      if (k === null) return undefined;
      if (text) return typeof k === 'string' ? lookupKey(k) : undefined;
      if (d === 'datetime') return k instanceof Date && !Number.isNaN(k.getTime()) ? lookupKey(k) : undefined;
      if (d === 'bool') {
        if (typeof k === 'boolean') return lookupKey(k);
        // an object's keys are strings: 'true' / 'True' as the boolean they spell
        return fromObject && typeof k === 'string' && /^(true|false)$/i.test(k) ? lookupKey(k.toLowerCase() === 'true') : undefined;
      }
      if (typeof k === 'number' || typeof k === 'bigint') return lookupKey(k);
      if (fromObject && typeof k === 'string') {
        // an object's keys are strings: '1', '-2.5' as the numbers they spell
        if (k === 'NaN') return null;
        if (k.trim() !== '' && !Number.isNaN(Number(k))) return /^-?\d+$/.test(k) ? lookupKey(BigInt(k)) : lookupKey(Number(k));
      }
      return undefined;
    };
    const entries: [unknown, unknown][] = mapping instanceof Map ? [...mapping] : Object.entries(mapping as object);
    for (const [k, v] of entries) {
      const nk = key(k, !(mapping instanceof Map));
      if (nk !== undefined) out.push([nk, v]);
    }
    return out;
  }
  private lookupTable(where: string, mapping: unknown): Lookup {
    const d = this.dtype;
    if (d === 'timedelta') throw new TypeError(`${where}: a timedelta column is not accepted (accepted: int64, Int64, float64, bool, datetime, string, category)`);
    const pairs = this.mappingEntries(where, mapping);
    // the value kinds of the whole mapping decide the result's dtype, not only the keys that match
    const all: unknown[] = mapping instanceof Map ? [...mapping.values()] : Object.values(mapping as object);
    const kinds = new Set<string>();
    for (const v of all) {
      if (v === null) continue;
      const k = typeof v === 'string' ? 'string' : typeof v === 'number' || typeof v === 'bigint' ? 'number' : typeof v === 'boolean' ? 'bool' : undefined;
      if (!k) throw new TypeError(`${where}: a value must be a string, a number, a bigint, a boolean or null, got ${describeValue(v)}`);
      if (typeof v === 'bigint' && (v < -(2n ** 63n) || v >= 2n ** 63n)) throw new RangeError(`${where}: ${v}n is outside the int64 range [-2^63, 2^63)`);
      kinds.add(k);
    }
    if (kinds.size > 1) throw new TypeError(`${where}: the values mix ${[...kinds].join(' and ')} (pandas: an object column); give values of one kind`);
    const kind = (kinds.values().next().value ?? 'none') as Lookup['kind'];
    const integers = all.every((v) => v === null || typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)));
    const entries = new Map<string, MapValue>();
    let onMissing: MapValue = null;
    for (const [k, v] of pairs) {
      if (k === null) onMissing = v as MapValue;
      else if (!entries.has(k)) entries.set(k, v as MapValue);
    }
    const strings = [...entries.values()].filter((v) => typeof v === 'string');
    return { entries, onMissing, kind, integers, injective: new Set(strings).size === strings.length };
  }

  /**
   * Values equal to `old` replaced by `value` (pandas' `Series.replace(old, value)`), or every key
   * of a mapping by its value at once (`replace({ old: new, … })` or a `Map`; `{ 1: 2, 2: 3 }`
   * turns 1 into 2 and 2 into 3, as pandas), or each of a list of values by one `value`; the
   * other values are kept. Numbers (NaN: the missing values) for numeric columns, booleans for a
   * bool column, Dates for datetime columns, strings for string and category columns (a category
   * column stays one). An int64 column with a float replacement becomes float64, as pandas; an
   * Int64 one takes integers only.
   * @example
   * ```ts
   * df.get('x').replace(-1, NaN);
   * df.get('name').replace({ Bob: 'Robert' });
   * ```
   */
  replace(
    old: ReplaceValue | readonly ReplaceValue[] | Readonly<Record<string, ReplaceValue>> | ReadonlyMap<ReplaceValue, ReplaceValue>,
    value?: ReplaceValue,
  ): Series {
    const d = this.dtype;
    let pairs: [unknown, unknown][];
    const isMapping = old instanceof Map || (typeof old === 'object' && old !== null && !Array.isArray(old) && !(old instanceof Date));
    if (isMapping) {
      if (value !== undefined) throw new TypeError(`replace(value): give either a mapping or (old, value), not both; got a mapping and ${describeValue(value)}`);
      if (old instanceof Map) pairs = [...old];
      else {
        if (!isPlainObject(old)) throw new TypeError(`replace(old): expected a value, an array, a plain object or a Map, got ${describeValue(old)}`);
        // an object's keys are strings: numbers for a numeric column
        pairs = Object.entries(old as object).map(([k, v]) => [d === 'string' || d === 'category' ? k : k === 'NaN' ? NaN : k === 'true' ? true : k === 'false' ? false : k.trim() !== '' && !Number.isNaN(Number(k)) ? (/^-?\d+$/.test(k) && !Number.isSafeInteger(Number(k)) ? BigInt(k) : Number(k)) : k, v]);
      }
    } else {
      if (value === undefined) throw new TypeError('replace(value): missing (accepted: replace(old, value) or replace({ old: value, … }))');
      pairs = (Array.isArray(old) ? old : [old]).map((o) => [o, value]);
    }
    if (d === 'string' || d === 'category') {
      const entries = new Map<string, string>();
      for (const [o, v] of pairs) {
        if (typeof v !== 'string') throw new TypeError(`replace(value): a ${d} column takes string replacements, got ${describeValue(v)}`);
        if (typeof o !== 'string') throw new TypeError(`replace(old): a ${d} column replaces strings, got ${describeValue(o)}${o === null || (typeof o === 'number' && Number.isNaN(o)) ? ' (fillna replaces missing values)' : ''}`);
        if (!entries.has(o)) entries.set(o, v);
      }
      return this.derive({ kind: 'str', op: 'map', arg: this.expr, map: { op: 'lookup', entries } });
    }
    if (d === 'timedelta') throw new TypeError('replace(old): a timedelta column is not accepted (accepted: int64, Int64, float64, bool, datetime, string, category)');
    const check = (arg: string, v: unknown): void => {
      const ok = d === 'bool' ? typeof v === 'boolean' : d === 'datetime' ? v instanceof Date || (typeof v === 'number' && Number.isNaN(v)) : typeof v === 'number' || typeof v === 'bigint';
      if (!ok) throw new TypeError(`replace(${arg}): a ${d} column takes ${d === 'bool' ? 'booleans' : d === 'datetime' ? 'Dates' : 'numbers or bigints'}, got ${describeValue(v)}`);
      if (d === 'Int64' && arg === 'value' && typeof v === 'number' && !Number.isInteger(v)) throw new TypeError(`replace(value): ${v} is not an integer; an Int64 column takes integers (as pandas: invalid value for dtype Int64)`);
    };
    for (const [o, v] of pairs) {
      check('old', o);
      check('value', v);
    }
    if (d === 'bool') {
      // (x where no `old` matches) or (a match whose value is true): masks combined, every pair at once
      const hits = pairs.map(([o, v]) => [o ? this : this.not(), v] as const);
      let any: Series | undefined;
      let toTrue: Series | undefined;
      for (const [hit, v] of hits) {
        any = any ? any.or(hit) : hit;
        if (v) toTrue = toTrue ? toTrue.or(hit) : hit;
      }
      if (!any) return this;
      const kept = this.and(any.not());
      return toTrue ? kept.or(toTrue) : kept;
    }
    // nested where over the original values: every pair at once
    let acc: Expr = this.expr;
    for (const [o, v] of [...pairs].reverse()) {
      const miss = typeof o === 'number' && Number.isNaN(o);
      const keep: Expr = miss ? { kind: 'notna', arg: this.expr } : { kind: 'not', arg: { kind: 'compare', op: 'eq', args: [this.expr, literal('replace(old)', o)] } };
      const lit = typeof v === 'number' && Number.isNaN(v) ? literal('replace(value)', NaN) : literal('replace(value)', v);
      acc = { kind: 'where', cond: keep, x: acc, other: lit };
    }
    return this.derive(acc);
  }

  /** String operations, per distinct string of each partition's dictionary (pandas' .str). */
  get str(): StringMethods {
    return new StringMethods(this);
  }
  /** Datetime fields (pandas' .dt; a column read with parseDates). */
  get dt(): DatetimeFields {
    return new DatetimeFields(this);
  }

  /** Statistics of the values: plain columns straight from the partitions, expressions materialized first. */
  private scalar(op: string, extract: (s: NumStats) => number, numericOnly = true): Lazy<number> {
    let src: Series = this;
    // pandas: a bool column sums to its number of True values, its mean is their fraction;
    // a timedelta's statistics are of its milliseconds (as its median and quantiles)
    if ((this.dtype === 'bool' || this.dtype === 'timedelta') && op !== 'count') src = this.astype('float64');
    if (numericOnly && !NUMERIC(src.dtype))
      throw new TypeError(`${op}(): column ${JSON.stringify(this.name)} has dtype ${this.dtype}; ${op} needs int64, float64 or bool`);
    const frame = src.expr.kind === 'col' ? src.frame : src.frame.assign({ [EXPR_COLUMN]: src });
    const name = src.expr.kind === 'col' ? src.expr.name : EXPR_COLUMN;
    return new Lazy(
      (o) => frame.reductionLayers(op, o),
      async (options) => extract((await frame.stats([name], [], options, op)).get(name)!),
    );
  }
  /** sum/min/max: an int64 Series exactly, by the engine's int64 reduction (a bigint beyond 2^53). */
  private exact(op: 'sum' | 'min' | 'max', extract: (s: NumStats) => number): Lazy<number | bigint> {
    const inexact = this.scalar(op, extract);
    if (this.dtype !== 'int64' && this.dtype !== 'Int64') return inexact;
    return new Lazy(
      (o) => this.frame.reductionLayers(op, o),
      async (options) => {
        // the expression's kernels feed the reduction: nothing materialized
        const r = await this.frame.intReduce(this.expr, op, options);
        if (r === undefined) return inexact.compute(options);
        return typeof r === 'bigint' && r >= -MAX_SAFE && r <= MAX_SAFE ? Number(r) : r;
      },
    );
  }
  /**
   * The sum of the values, missing skipped (0 for none), as pandas' `Series.sum()`; a bool Series
   * counts its true values. An int64 Series sums exactly in int64 (wrapping on overflow, as
   * pandas'): a number when safe, else a bigint. Other dtypes (string, datetime) are a TypeError.
   */
  sum(): Lazy<number | bigint> { return this.exact('sum', (s) => (s.count ? s.sum : 0)); }
  /**
   * The mean of the values, missing skipped (pandas' `Series.mean()`); bool: the fraction of true.
   * Numeric or bool Series only (TypeError otherwise).
   */
  mean(): Lazy<number> { return this.scalar('mean', (s) => s.mean); }
  /**
   * The smallest value, missing skipped (pandas' `Series.min()`): int64 exact (a bigint beyond
   * 2^53); a datetime Series gives a Date (an invalid Date, `NaN` time, for no values: pandas'
   * NaT); a timedelta Series its milliseconds. Strings are a TypeError.
   */
  min(): Lazy<number | bigint | Date> { return this.dtype === 'datetime' ? this.dateExtreme('min') : this.exact('min', (s) => s.min); }
  /** The largest value, missing skipped (pandas' `Series.max()`); dtypes as {@link Series.min}. */
  max(): Lazy<number | bigint | Date> { return this.dtype === 'datetime' ? this.dateExtreme('max') : this.exact('max', (s) => s.max); }
  /** min/max of a datetime Series: from its milliseconds, as a Date. */
  private dateExtreme(op: 'min' | 'max'): Lazy<Date> {
    const frame = this.expr.kind === 'col' ? this.frame : this.frame.assign({ [EXPR_COLUMN]: this });
    const name = this.expr.kind === 'col' ? this.expr.name : EXPR_COLUMN;
    return new Lazy(
      (o) => frame.reductionLayers(op, o),
      async (options) => {
        const s = (await frame.stats([name], [], options, op, false, true)).get(name)!;
        return new Date(s.count ? s[op] : NaN);
      },
    );
  }
  /** The number of non-missing values (pandas' `Series.count()`), for any dtype. */
  count(): Lazy<number> { return this.scalar('count', (s) => s.count, false); }
  /**
   * Whether any value is true (non-zero), missing values skipped (pandas' `Series.any()`,
   * skipna): false for no values. int64, Int64, float64 and bool Series; others a TypeError.
   */
  any(): Lazy<boolean> { return this.truth('any'); }
  /**
   * Whether every value is true (non-zero), missing values skipped (pandas' `Series.all()`,
   * skipna): true for no values. int64, Int64, float64 and bool Series; others a TypeError.
   */
  all(): Lazy<boolean> { return this.truth('all'); }
  private truth(op: 'any' | 'all'): Lazy<boolean> {
    const d = this.dtype;
    if (d !== 'int64' && d !== 'Int64' && d !== 'float64' && d !== 'bool')
      throw new TypeError(`${op}(): column ${JSON.stringify(this.name)} has dtype ${d}; ${op} needs int64, Int64, float64 or bool`);
    // the count of the rows that decide: true values for any, false ones for all (NaN != 0 is
    // true in NumPy, so a missing value is masked out; an Int64 comparison is false at <NA>)
    const decide = op === 'any' ? (d === 'bool' ? this : this.ne(0).and(this.notna())) : d === 'bool' ? this.not() : this.eq(0);
    const n = decide.sum();
    return new Lazy(
      (o) => this.frame.reductionLayers(op, o),
      async (options) => {
        const c = Number(await n.compute(options));
        return op === 'any' ? c > 0 : c === 0;
      },
    );
  }
  /** The standard deviation, missing skipped, with `ddof` 1 by default (pandas'); the divisor is N - ddof. */
  std(options: { ddof?: number } = {}): Lazy<number> {
    const ddof = checkDdof(options);
    return this.scalar('std', (s) => stdWith(s, ddof));
  }
  /** Variance, ddof 1 by default (as pandas). */
  var(options: { ddof?: number } = {}): Lazy<number> {
    const ddof = checkVarOptions('var(options)', options);
    return seriesStats(this, 'var', [], (s) => varWith(s, ddof));
  }
  /** The exact quantile(s) of the values, missing left out (linear interpolation, as pandas). */
  quantile(q: number): Lazy<number>;
  quantile(q: readonly number[]): Lazy<number[]>;
  quantile(q: number | readonly number[]): Lazy<number> | Lazy<number[]> {
    const qs = checkQuantile('quantile(q)', q);
    if (Array.isArray(q)) return seriesStats(this, 'quantile', qs, (s) => (s.numeric ? s.quantiles : qs.map(() => NaN)));
    return seriesStats(this, 'quantile', qs, (s) => (s.numeric ? s.quantiles[0]! : NaN));
  }
  /** The exact median (the mean of the middle two values for an even count, as pandas). */
  median(): Lazy<number> {
    return seriesStats(this, 'median', [MEDIAN_Q], (s) => (s.numeric ? s.quantiles[0]! : NaN));
  }
  /** Pearson correlation with another Series of this frame over the rows where both are present. */
  corr(other: Series, options: CorrOptions = {}): Lazy<number> {
    return seriesCorr(this, this.operandSeries('corr(other)', other), false, options);
  }
  /** Covariance with another Series of this frame (divisor n − ddof, default 1). */
  cov(other: Series, options: CovOptions = {}): Lazy<number> {
    return seriesCorr(this, this.operandSeries('cov(other)', other), true, options);
  }
  private operandSeries(where: string, other: unknown): Series {
    if (!(other instanceof Series)) throw new TypeError(`${where}: expected a Series of the same DataFrame, got ${describeValue(other)}`);
    if (other.frame.state.source !== this.frame.state.source && !alignedSource([this.frame.state.source, other.frame.state.source]))
      throw new RangeError(`${where}: the Series comes from another DataFrame (other partitions: rows would not align); combine columns of one frame`);
    return other;
  }
  /** Summary statistics of the values (pandas' `Series.describe()`): see {@link DataFrame.describe}. */
  describe(options: DescribeOptions = {}): Lazy<Describe> {
    return this.asFrame().describe(options);
  }

  /**
   * Counts of each distinct value, most frequent first; ties in order of first appearance
   * (pandas 1.5's order for up to 16 distinct values; beyond, its quicksort leaves ties
   * unordered). A Table [name, 'count'] — [name, 'proportion'] with `normalize` (the counts over
   * their total, as pandas). `ascending` puts the least frequent first, `sort: false` keeps the
   * order of first appearance, `dropna: false` counts the missing values too (a missing row,
   * where its count puts it). pandas' `value_counts(normalize, sort, ascending, dropna)`. With
   * `splitOut` (Dask's `split_out`), a DataFrame of `splitOut` partitions by a hash of the value,
   * each ordered so (not across partitions, as Dask's).
   * @example
   * ```ts
   * await df.get('name').valueCounts({ normalize: true }).compute();
   * ```
   */
  valueCounts(options: ValueCountsOptions & { splitOut: number }): DataFrame;
  valueCounts(options?: ValueCountsOptions & { splitOut?: undefined }): Lazy<Table>;
  valueCounts(options: ValueCountsOptions & { splitOut?: number } = {}): Lazy<Table> | DataFrame {
    if (typeof options !== 'object' || options === null) throw new TypeError(`valueCounts(options): options must be an object, got ${describeValue(options)}`);
    for (const [k, v] of Object.entries(options)) {
      if (k === 'splitOut') continue;
      if (!['normalize', 'sort', 'ascending', 'dropna'].includes(k)) throw new TypeError(`valueCounts(options): unknown option ${JSON.stringify(k)}; accepted: normalize, sort, ascending, dropna, splitOut`);
      if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`valueCounts(options): ${k} must be a boolean, got ${describeValue(v)}`);
    }
    const { normalize = false, sort = true, ascending = false, dropna = true } = options;
    const splitOut = checkSplitOut('valueCounts(options)', { splitOut: options.splitOut });
    const f = this.asFrame();
    const name = f.columns[0]!;
    if (splitOut !== undefined) {
      if (!dropna) throw new TypeError('valueCounts(options): dropna: false is not accepted with splitOut (the missing values are dropped)');
      return valueCountsSplit(f, name, splitOut, { normalize, sort, ascending });
    }
    // the groups come sorted natively (count, then first appearance)
    const inner = new GroupBy(f, [name]).sizesInOrder(!sort ? GroupOrder.FirstRow : ascending ? GroupOrder.SizeAscending : GroupOrder.SizeDescending);
    const NA = '\u0000na';
    const missing = dropna ? undefined : new GroupBy(f.assign({ [NA]: f.get(name).isna() }), [NA]).sizesInOrder();
    return new Lazy(
      (o) => f.reductionLayers('value-counts', o),
      async (options) => {
        const t = await inner.compute(options);
        const countsOut = t.raw('count')!.values as BigInt64Array;
        const cols = [name, normalize ? 'proportion' : 'count'];
        if (!missing) return new Table(cols, countsColumns(name, t.raw(name)!, countsOut, Number(countsOut.reduce((a, b) => a + b, 0n)), normalize), t.length);
        let counts = Array.from(countsOut, Number);
        let first = Array.from(t.raw('firstrow')!.values as BigInt64Array, Number);
        let values = t.take(Array.from({ length: t.length }, (_, i) => i), [name]);
        {
          const m = await missing.compute(options);
          const k = m.column(NA).indexOf(true);
          if (k >= 0) {
            values = insertMissing(values, name, values.length);
            counts = [...counts, Number((m.raw('count')!.values as BigInt64Array)[k]!)];
            first = [...first, Number((m.raw('firstrow')!.values as BigInt64Array)[k]!)];
          }
        }
        const byFirst = (a: number, b: number): number => first[a]! - first[b]!;
        const order = Array.from({ length: counts.length }, (_, i) => i).sort((a, b) =>
          !sort || counts[a] === counts[b] ? byFirst(a, b) : ascending ? counts[a]! - counts[b]! : counts[b]! - counts[a]!,
        );
        const out = values.take(order, [name]);
        const n = order.length;
        const total = counts.reduce((a, b) => a + b, 0);
        return new Table(cols, countsColumns(name, out.raw(name)!, BigInt64Array.from(order, (i) => BigInt(counts[i]!)), total, normalize), n);
      },
    );
  }

  /** The distinct values in order of first appearance, a missing value included where it first appears (pandas' unique()), as a one-column Table. */
  unique(): Lazy<Table> {
    const f = this.asFrame();
    const name = f.columns[0]!;
    const values = new GroupBy(f, [name]).sizesInOrder(GroupOrder.FirstRow);
    const NA = '\u0000na';
    const g = f.assign({ [NA]: f.get(name).isna() });
    const missing = new GroupBy(g, [NA]).sizesInOrder();
    return new Lazy(
      (o) => f.reductionLayers('unique', o),
      async (options) => {
        const t = await values.compute(options);
        // in order of first appearance (sorted natively)
        const first = t.raw('firstrow')!.values as BigInt64Array;
        const out = t.take(Array.from({ length: t.length }, (_, i) => i), [name]);
        // values that were loaded as int64 or bool hold no missing value (a CSV column with one is
        // float64 or text however the sample typed it): no second pass over the rows for one
        const loaded = t.dtypes[name];
        if (loaded === 'int64' || loaded === 'bool') return out;
        const m = await missing.compute(options);
        // where the first missing value appears (its group of the isna key is True)
        const isna = m.column(NA);
        const k = isna.indexOf(true);
        if (k < 0) return out;
        const at = Number((m.raw('firstrow')!.values as BigInt64Array)[k]!);
        let pos = 0;
        while (pos < first.length && Number(first[pos]!) < at) pos++;
        return insertMissing(out, name, pos);
      },
    );
  }

  /** This Series with a ScanOp over its partitions in order (a hidden column of the frame's source plus the scan). */
  private scan(s: ScanOp): Series {
    scanDtype(s, this.dtype); // a TypeError now, naming the operation
    // the frame's source with one more (hidden) column: the frame's other columns pass through
    const src = new ScanSource(this.frame.state.source, this.expr, s, `\u0000${s.op}-${layerId()}`);
    return new Series(new DataFrame({ source: src, columns: this.frame.columns }), col(src.out), this.name);
  }
  private periods(op: string, periods: unknown): number {
    if (typeof periods !== 'number' || !Number.isInteger(periods)) throw new TypeError(`${op}(periods): periods must be an integer, got ${describeValue(periods)}`);
    return periods;
  }
  /**
   * The values moved down by `periods` rows (up for a negative one) across partitions in order,
   * missing values coming in at the ends (pandas' `Series.shift(periods)`): an int64 Series
   * becomes float64 and a bool one pandas' object column ('True'/'False'), others keep their
   * dtype (Int64 with `<NA>`). The result combines with this frame's columns row for row
   * (`x.sub(x.shift())`, `df.assign({ prev: x.shift() })`, `df.filter(x.shift().gt(0))`).
   * @example
   * ```ts
   * const change = df.get('price').sub(df.get('price').shift());
   * ```
   */
  shift(periods = 1): Series { return this.scan({ op: 'shift', periods: this.periods('shift', periods) }); }
  /**
   * Each value minus the one `periods` rows before (after, for a negative one), across partitions
   * (pandas' `Series.diff(periods)`): float64 for int64, Int64 for Int64, a timedelta for a
   * datetime, pandas' object 'True'/'False' for bool (whether the value changed); missing where
   * either is. Strings are a TypeError. Combines with the frame's columns, as {@link Series.shift}.
   */
  diff(periods = 1): Series { return this.scan({ op: 'diff', periods: this.periods('diff', periods) }); }
  /**
   * The running sum across partitions in order (pandas' `Series.cumsum()`, skipna: a missing value
   * stays missing at its place and is skipped); int64 exact (wrapping, as NumPy), bool counts
   * as int64. Numeric and bool Series; combines with the frame's columns, as {@link Series.shift}.
   */
  cumsum(): Series { return this.scan({ op: 'cumsum' }); }
  /** The running product (pandas' `Series.cumprod()`), as {@link Series.cumsum}. */
  cumprod(): Series { return this.scan({ op: 'cumprod' }); }
  /** The running maximum (pandas' `Series.cummax()`), as {@link Series.cumsum}; bool stays bool, datetimes are accepted. */
  cummax(): Series { return this.scan({ op: 'cummax' }); }
  /** The running minimum (pandas' `Series.cummin()`), as {@link Series.cummax}. */
  cummin(): Series { return this.scan({ op: 'cummin' }); }

  /** The Series without its missing values (pandas' `Series.dropna()`). */
  dropna(): Series {
    return this.asFrame().dropna().get(this.name);
  }
  /** The values sorted (pandas' `Series.sort_values`, stable; missing last unless naPosition 'first'). */
  sortValues(options: { ascending?: boolean; naPosition?: 'last' | 'first' } = {}): Series {
    return this.asFrame().sortValues(this.name, options).get(this.name);
  }
  /** The `n` largest values, the first of equal values kept, missing values only after every value (pandas' `Series.nlargest`), as a one-column Table. */
  nlargest(n = 5): Lazy<Table> {
    return this.asFrame().nlargest(n, this.name);
  }
  /** The `n` smallest values, as {@link Series.nlargest}. */
  nsmallest(n = 5): Lazy<Table> {
    return this.asFrame().nsmallest(n, this.name);
  }

  /** The number of distinct values, missing left out (pandas' nunique()). */
  nunique(): Lazy<number> {
    const f = this.asFrame();
    const inner = new GroupBy(f, [f.columns[0]!]).sizesInOrder(GroupOrder.Any);  // only counted: no sort
    return new Lazy((o) => f.reductionLayers('nunique', o), async (options) => (await inner.compute(options)).length);
  }

  /**
   * The most frequent value(s), missing left out, sorted (pandas' `Series.mode()`): a one-column
   * Table named as the Series (several rows when counts tie; none for no values).
   */
  mode(): Lazy<Table> {
    const counts = this.valueCounts({ sort: false });
    const name = this.name;
    return new Lazy(
      (o) => this.asFrame().reductionLayers('mode', o),
      async (options) => {
        const t = await counts.compute(options);
        const n = Array.from(t.raw('count')!.values as BigInt64Array, Number);
        const top = Math.max(0, ...n);
        const c = t.raw(t.columns[0]!)!;
        const rows = n.flatMap((k, i) => (k === top && top > 0 ? [i] : [])).sort((a, b) => compareCells(valueAt(c, a), valueAt(c, b)));
        const picked = t.take(rows, [t.columns[0]!]).raw(t.columns[0]!)!;
        return new Table([name], new Map([[name, picked]]), rows.length);
      },
    );
  }

  /**
   * The product of the values, missing skipped (1 for none), as pandas' `Series.prod()`: float64
   * multiplied in row order (NumPy's multiply.reduce); int64 and Int64 exactly in int64 (wrapping
   * on overflow, as NumPy; a number when safe, else a bigint); a bool Series as 0/1.
   */
  prod(): Lazy<number | bigint> {
    const d = this.dtype;
    if (d !== 'int64' && d !== 'Int64' && d !== 'float64' && d !== 'bool') throw new TypeError(`prod(): column ${JSON.stringify(this.name)} has dtype ${d}; prod needs int64, Int64, float64 or bool`);
    const f = this.asFrame();
    const name = f.columns[0]!;
    return new Lazy(
      (o) => f.reductionLayers('prod', o),
      async (options) => {
        const tracker = new Tracker(options, 'prod', f.npartitions);
        const parts = await tracker.run(() => f.state.source.load([name], undefined, tracker.phase(f.npartitions)));
        // the engine's product reduction over the column (NaN and <NA> as 1)
        const p = await columnProd(parts, name, options);
        return typeof p === 'bigint' ? (p >= -MAX_SAFE && p <= MAX_SAFE ? Number(p) : p) : p;
      },
    );
  }

  /** The index label of the largest value, missing skipped; the row number (0-based) without an index (pandas' `idxmax()`); null for no values. */
  idxmax(): Lazy<CellValue> {
    return this.idx('idxmax');
  }
  /** The index label of the smallest value; as {@link Series.idxmax}. */
  idxmin(): Lazy<CellValue> {
    return this.idx('idxmin');
  }
  private idx(op: 'idxmax' | 'idxmin'): Lazy<CellValue> {
    const d = this.dtype;
    if (d !== 'int64' && d !== 'Int64' && d !== 'float64' && d !== 'bool' && d !== 'datetime' && d !== 'timedelta')
      throw new TypeError(`${op}(): column ${JSON.stringify(this.name)} has dtype ${d}; ${op} needs a numeric, bool, datetime or timedelta Series`);
    const f = this.asFrame();
    const name = f.columns[0]!;
    return new Lazy(
      (o) => f.reductionLayers(op, o),
      async (options) => {
        const tracker = new Tracker(options, op, f.npartitions);
        const parts = await tracker.run(() => f.state.source.load([name], undefined, tracker.phase(f.npartitions)));
        // the engine's argmax/argmin (the first of equal values, as pandas), missing skipped
        const row = await columnArgExtreme(parts, name, op === 'idxmax', options);
        if (row < 0) return null;
        const index = f.index;
        if (!index) return row;
        const [pi, i] = locate(parts, row);
        return valueAt(parts[pi]!.columns.get(index)!, i);
      },
    );
  }
}

/** Python's order of two cells of one column (strings by code point, as Python compares str). */
function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = Array.from(a, (ch) => ch.codePointAt(0)!), y = Array.from(b, (ch) => ch.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  }
  const [x, y] = [a instanceof Date ? a.getTime() : a, b instanceof Date ? b.getTime() : b] as [number | bigint | boolean, number | bigint | boolean];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** pandas' Series.str: lower/upper (strings), len (int64; float64 with missing values), and predicates (bool; with missing values an object column of 'True'/'False' as pandas, unless `na` says what a missing value gives). */
export class StringMethods {
  constructor(private readonly s: Series) {}
  private op(op: StrOp, extra: { pat?: string; regex?: boolean; caseSensitive?: boolean; na?: boolean } = {}): Series {
    if (extra.pat !== undefined && typeof extra.pat !== 'string') throw new TypeError(`.str.${op}(pat): pat must be a string, got ${describeValue(extra.pat)}`);
    if (extra.na !== undefined && typeof extra.na !== 'boolean') throw new TypeError(`.str.${op}(options): na must be a boolean, got ${describeValue(extra.na)}`);
    const out = new Series(this.s.frame, { kind: 'str', op, arg: this.s.expr, ...extra }, this.s.name);
    void out.dtype;
    return out;
  }
  /** Lower-cased strings (pandas' `.str.lower()`; JS `toLowerCase`), missing stays missing. */
  lower(): Series { return this.op('lower'); }
  /** Upper-cased strings (pandas' `.str.upper()`; JS `toUpperCase`), missing stays missing. */
  upper(): Series { return this.op('upper'); }
  /** Length in code points (Python's len). */
  len(): Series { return this.op('len'); }
  /** Whether `pat` occurs: a regular expression (JS syntax) unless regex: false; `case: false` ignores case. */
  contains(pat: string, options: { regex?: boolean; case?: boolean; na?: boolean } = {}): Series {
    return this.op('contains', { pat, regex: options.regex, caseSensitive: options.case, na: options.na });
  }
  /**
   * Whether each string starts with `pat` (pandas' `.str.startswith`, a literal prefix): bool, or
   * with missing values an object column of 'True'/'False' unless `na` gives their answer.
   */
  startsWith(pat: string, options: { na?: boolean } = {}): Series { return this.op('startswith', { pat, na: options.na }); }
  /** Whether each string ends with `pat` (pandas' `.str.endswith`, a literal suffix); missing values as {@link StringMethods.startsWith}. */
  endsWith(pat: string, options: { na?: boolean } = {}): Series { return this.op('endswith', { pat, na: options.na }); }

  private map(m: StrMap): Series {
    const out = new Series(this.s.frame, { kind: 'str', op: 'map', arg: this.s.expr, map: m }, this.s.name);
    void out.dtype;
    return out;
  }
  /** Python's s[start:stop:step] over code points (null: open), as pandas' str.slice. */
  slice(start: number | null = null, stop: number | null = null, step: number | null = null): Series {
    for (const [k, v] of [['start', start], ['stop', stop], ['step', step]] as const)
      if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw new TypeError(`.str.slice(${k}): must be an integer or null, got ${describeValue(v)}`);
    if (step === 0) throw new RangeError('.str.slice(step): step cannot be zero');
    return this.map({ op: 'slice', start, stop, step });
  }
  /** Leading and trailing `chars` removed (default: Python's whitespace), as pandas' str.strip. */
  strip(chars: string | null = null): Series { return this.map({ op: 'strip', chars: checkChars('strip', chars) }); }
  /** Leading `chars` removed (default whitespace). */
  lstrip(chars: string | null = null): Series { return this.map({ op: 'lstrip', chars: checkChars('lstrip', chars) }); }
  /** Trailing `chars` removed (default whitespace). */
  rstrip(chars: string | null = null): Series { return this.map({ op: 'rstrip', chars: checkChars('rstrip', chars) }); }
  /**
   * `pat` replaced by `repl`: literally unless `regex: true` (pandas 2's default; a regular
   * expression in JS syntax, repl with JS's $1 / $<name>); the first `n` occurrences (default all);
   * `case: false` ignores case.
   */
  replace(pat: string, repl: string, options: { n?: number; regex?: boolean; case?: boolean } = {}): Series {
    if (typeof pat !== 'string' || !pat.length) throw new TypeError(`.str.replace(pat): pat must be a non-empty string, got ${describeValue(pat)}`);
    if (typeof repl !== 'string') throw new TypeError(`.str.replace(repl): repl must be a string, got ${describeValue(repl)}`);
    const o = checkStrOptions('replace', options, ['n', 'regex', 'case']);
    const n = o.n ?? -1;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`.str.replace(options): n must be an integer (negative: all), got ${describeValue(n)}`);
    const regex = o.regex ?? false;
    if (regex) checkRegExp('replace', pat);
    return this.map({ op: 'replace', pat, repl, n, regex: regex === true, caseSensitive: o.case !== false });
  }
  /**
   * Splits on `pat` (default: runs of Python's whitespace; literal unless `regex: true`), at most
   * `n` times (default all): `.get(i)` is part i, `.len()` the number of parts (pandas'
   * str.split(pat, n).str.get(i) / .str.len()).
   */
  split(pat: string | null = null, options: { n?: number; regex?: boolean } = {}): StringSplit {
    if (pat !== null && (typeof pat !== 'string' || !pat.length)) throw new TypeError(`.str.split(pat): pat must be a non-empty string or null, got ${describeValue(pat)}`);
    const o = checkStrOptions('split', options, ['n', 'regex']);
    const n = o.n ?? -1;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`.str.split(options): n must be an integer (negative: all), got ${describeValue(n)}`);
    if (o.regex && pat !== null) checkRegExp('split', pat);
    const regex = o.regex === true;
    return new StringSplit((m) => this.map(m), pat, n, regex);
  }
}

/** The parts of `.str.split()`: one part or the number of parts per row. */
export class StringSplit {
  /** @internal use series.str.split() */
  constructor(
    private readonly make: (m: StrMap) => Series,
    private readonly pat: string | null,
    private readonly n: number,
    private readonly regex: boolean,
  ) {}
  /** Part i (negative: from the end); missing where there are fewer parts, as pandas' .str.get(i). */
  get(i: number): Series {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError(`.str.split().get(i): i must be an integer, got ${describeValue(i)}`);
    return this.make({ op: 'splitget', pat: this.pat, n: this.n, regex: this.regex, index: i });
  }
  /** The number of parts (int64; float64 with missing values, as pandas' .str.len()). */
  len(): Series {
    return this.make({ op: 'splitlen', pat: this.pat, n: this.n, regex: this.regex });
  }
}

function checkChars(op: string, chars: unknown): string | null {
  if (chars !== null && typeof chars !== 'string') throw new TypeError(`.str.${op}(chars): chars must be a string or null, got ${describeValue(chars)}`);
  return chars;
}
function checkStrOptions<T extends object>(op: string, options: T, accepted: string[]): T {
  if (typeof options !== 'object' || options === null) throw new TypeError(`.str.${op}(options): options must be an object, got ${describeValue(options)}`);
  for (const k of Object.keys(options)) if (!accepted.includes(k)) throw new TypeError(`.str.${op}(options): unknown option ${JSON.stringify(k)}; accepted: ${accepted.join(', ')}`);
  for (const k of ['regex', 'case'])
    if (k in options && typeof (options as Record<string, unknown>)[k] !== 'boolean')
      throw new TypeError(`.str.${op}(options): ${k} must be a boolean, got ${describeValue((options as Record<string, unknown>)[k])}`);
  return options;
}
function checkRegExp(op: string, pat: string): void {
  try {
    new RegExp(pat, 'u');
  } catch (err) {
    throw new TypeError(`.str.${op}(pat): not a regular expression: ${(err as Error).message}`);
  }
}

/** pandas' Series.dt fields (UTC, as the parser reads datetimes): int64, float64 when values are missing; days/totalSeconds of timedeltas. */
export class DatetimeFields {
  constructor(private readonly s: Series) {}
  private field(field: DtField): Series {
    const out = new Series(this.s.frame, { kind: 'dt', field, arg: this.s.expr }, this.s.name);
    void out.dtype;
    return out;
  }
  /** The year (UTC) of each datetime (pandas' `.dt.year`). */
  get year(): Series { return this.field('year'); }
  /** The month, 1 to 12 (pandas' `.dt.month`). */
  get month(): Series { return this.field('month'); }
  /** The day of the month, 1 to 31 (pandas' `.dt.day`). */
  get day(): Series { return this.field('day'); }
  /** The hour, 0 to 23 (pandas' `.dt.hour`). */
  get hour(): Series { return this.field('hour'); }
  /** The minute, 0 to 59 (pandas' `.dt.minute`). */
  get minute(): Series { return this.field('minute'); }
  /** The second, 0 to 59 (pandas' `.dt.second`). */
  get second(): Series { return this.field('second'); }
  /** The microseconds within the second, 0 to 999000 (datetimes here have millisecond precision; pandas' `.dt.microsecond`). */
  get microsecond(): Series { return this.field('microsecond'); }
  /** Monday = 0 … Sunday = 6, as pandas. */
  get dayofweek(): Series { return this.field('dayofweek'); }
  /** Monday = 0 … Sunday = 6 (pandas' `.dt.weekday`, the same as {@link DatetimeFields.dayofweek}). */
  get weekday(): Series { return this.field('dayofweek'); }
  /** The day of the year, 1 to 366 (pandas' `.dt.dayofyear`). */
  get dayofyear(): Series { return this.field('dayofyear'); }
  /** The quarter, 1 to 4 (pandas' `.dt.quarter`). */
  get quarter(): Series { return this.field('quarter'); }
  /** The number of days in the datetime's month (pandas' `.dt.days_in_month`). */
  get daysInMonth(): Series { return this.field('daysInMonth'); }
  /** Whether the datetime is on the first day of a month (bool; false at NaT, as pandas' `.dt.is_month_start`). */
  get isMonthStart(): Series { return this.field('isMonthStart'); }
  /** Whether the datetime is on the last day of a month (pandas' `.dt.is_month_end`). */
  get isMonthEnd(): Series { return this.field('isMonthEnd'); }
  /** Whether the datetime is on the first day of a quarter (pandas' `.dt.is_quarter_start`). */
  get isQuarterStart(): Series { return this.field('isQuarterStart'); }
  /** Whether the datetime is on the last day of a quarter (pandas' `.dt.is_quarter_end`). */
  get isQuarterEnd(): Series { return this.field('isQuarterEnd'); }
  /** Whether the datetime is on January 1 (pandas' `.dt.is_year_start`). */
  get isYearStart(): Series { return this.field('isYearStart'); }
  /** Whether the datetime is on December 31 (pandas' `.dt.is_year_end`). */
  get isYearEnd(): Series { return this.field('isYearEnd'); }
  /** Whether the datetime's year is a leap year (pandas' `.dt.is_leap_year`). */
  get isLeapYear(): Series { return this.field('isLeapYear'); }
  /** Each datetime rounded down to a multiple of a fixed frequency since the epoch ('1h', '15min', '1D'; pandas' .dt.floor); missing stays missing. */
  floor(freq: string): Series {
    return this.rounded('floor', freq);
  }
  /** Each datetime rounded up to a multiple of a fixed frequency (pandas' .dt.ceil). */
  ceil(freq: string): Series {
    return this.rounded('ceil', freq);
  }
  /** Each datetime rounded to the nearest multiple of a fixed frequency, halves to the even multiple (pandas' .dt.round). */
  round(freq: string): Series {
    return this.rounded('round', freq);
  }
  private rounded(field: 'floor' | 'ceil' | 'round', freq: string): Series {
    const out = new Series(this.s.frame, { kind: 'dt', field, arg: this.s.expr, freq: parseRule(`.dt.${field}(freq)`, freq) }, this.s.name);
    void out.dtype;
    return out;
  }
  /** The day (midnight UTC) as a datetime column (pandas' .dt.date gives datetime.date objects; .dt.normalize() this). */
  get date(): Series { return this.field('date'); }
  /** Whole days of a timedelta, floored (pandas' .dt.days: −1 for −1 hour); int64, float64 with missing values. */
  get days(): Series { return this.field('days'); }
  /** A timedelta in seconds (float64), as pandas' .dt.total_seconds(). */
  totalSeconds(): Series { return this.field('totalSeconds'); }
}

/** The name under which a Series expression is materialized for a reduction (no user column can clash). */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const EXPR_COLUMN = '\u0000expr';

/** Options of {@link DataFrame.merge}. */
export interface MergeOptions {
  /** Key column(s) of both frames (default: the columns they share). */
  on?: string | readonly string[];
  /** Key column(s) of this frame, paired one by one with `rightOn` (instead of `on`). */
  leftOn?: string | readonly string[];
  /** Key column(s) of the right frame, paired with `leftOn`. */
  rightOn?: string | readonly string[];
  /** Which rows: 'inner' (default), 'left', 'right' or 'outer'. */
  how?: How;
  /** Appended to the names of non-key columns found in both frames (default ['_x', '_y']). */
  suffixes?: [string, string];
}

/** Options of {@link DataFrame.join}. */
export interface JoinOptions {
  /** The column of this frame matched against the other's index (default: this frame's index). */
  on?: string;
  /** Which rows: 'left' (default), 'inner', 'right' or 'outer'. */
  how?: How;
  /** Appended to this frame's columns that the other has too (default ''; overlapping names need one). */
  lsuffix?: string;
  /** Appended to the other's columns that this frame has too. */
  rsuffix?: string;
}

/** The merge of `left`'s columns `lcols` with `right`'s `rcols` (keys checked, names suffixed as pandas). */
function mergeFrames(
  op: 'merge' | 'join',
  left: DataFrame,
  lcols: readonly string[],
  right: DataFrame,
  rcols: readonly string[],
  spec: { leftOn: string[]; rightOn: string[]; coalesce: boolean[]; how: string; suffixes: [string, string] },
): DataFrame {
  const { leftOn, rightOn, coalesce, how, suffixes } = spec;
  if (!['inner', 'left', 'right', 'outer'].includes(how)) throw new RangeError(`${op}(options): how must be 'inner', 'left', 'right' or 'outer', got ${describeValue(how)}`);
  const ld = left.sourceDtypes();
  const rd = right.sourceDtypes();
  const keyName = op === 'merge' ? 'merge(options.on)' : 'join(options.on)';
  leftOn.forEach((lk, k) => {
    const rk = rightOn[k]!;
    if (!lcols.includes(lk)) throw new RangeError(`${keyName}: no column ${JSON.stringify(lk)}; columns are ${JSON.stringify(lcols)}`);
    if (!rcols.includes(rk)) throw new RangeError(`${keyName} in right: no column ${JSON.stringify(rk)}; columns are ${JSON.stringify(rcols)}`);
    const [a, b] = [ld[lk]!, rd[rk]!];
    const num = (d: DType): boolean => d === 'int64' || d === 'float64';
    if (a !== b && !(num(a) && num(b)))
      throw new TypeError(`${op}: key ${JSON.stringify(lk)} is ${a} on the left and ${b} on the right${lk === rk ? '' : ` (${JSON.stringify(rk)})`}; accepted: the same dtype, or int64 with float64`);
  });
  // columns in both frames get the suffixes, but a coalesced key pair is one column
  const rightKept = rcols.filter((c) => !rightOn.some((rk, k) => coalesce[k] && rk === c));
  const leftKept = new Set(lcols.filter((c) => !leftOn.some((lk, k) => coalesce[k] && lk === c && rightOn[k] === c)));
  const both = new Set(rightKept.filter((c) => leftKept.has(c)));
  if (op === 'join' && both.size && suffixes[0] === suffixes[1])
    throw new RangeError(`join: columns overlap but no suffix specified: ${JSON.stringify([...both])}; give lsuffix or rsuffix`);
  const leftNames = new Map(lcols.map((c) => [c, both.has(c) ? `${c}${suffixes[0]}` : c]));
  const rightNames = new Map(rightKept.map((c) => [c, both.has(c) ? `${c}${suffixes[1]}` : c]));
  const names = [...leftNames.values(), ...rightNames.values()];
  if (new Set(names).size !== names.length) throw new RangeError(`${op}: the suffixes give duplicate columns ${JSON.stringify(names)}`);
  const src = new MergeSource(left.state.source, lcols, right.state.source, rcols, { leftOn, rightOn, coalesce, how: how as How, leftNames, rightNames });
  return new DataFrame({ source: src, columns: src.schema.map(([n]) => n) });
}
