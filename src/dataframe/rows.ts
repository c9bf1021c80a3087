// Row operations over whole frames (issue 18, item 2): sample, dropDuplicates, setIndex,
// resetIndex, repartition and concat. Each is a PartitionSource: partitions are loaded in one
// batch from the base (in parallel where the base's load is: CSV blocks and engine plans run on
// the native pool), and the operation's result is cut into partitions. Operations that need every
// row (a sample's draw over the whole frame, duplicates across partitions, a shuffle by value)
// read all base partitions once per load (allToAll); the others read only the partitions an
// output partition is made of (taskInputs).
import { recordRoot } from './recipe-store.js';
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Column, type DType, type Partition, StringDict, emptyColumn, isDict, nullableToFloat, sliceColumn, toFloat } from './column.js';
import { DataFrame } from './frame.js';
import { KeyEncoder, keyReader } from './merge.js';
import { MT19937, roundHalfEven } from './random.js';
import { sortPartitions } from './sorted.js';
import { compactRows } from './derived.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { Table } from './table.js';

/** A division (index boundary) value: numbers for int64/float64 indexes, Dates for datetime ones, strings for string ones. */
export type Division = Date | number | string;

/** Options of DataFrame.sample. */
export interface SampleOptions {
  /** Fraction of the rows to return (pandas' frac); above 1 needs `replace: true`. Give `frac` or `n`. */
  frac?: number;
  /** Number of rows to return (pandas' n). Give `frac` or `n`. */
  n?: number;
  /** Seed of NumPy's RandomState (integer, 0 ≤ seed < 2^32): the rows pandas' `sample(random_state=seed)` picks. Default: random, fixed for this DataFrame. */
  seed?: number;
  /** Draw with replacement (default false). */
  replace?: boolean;
}

/** Options of DataFrame.dropDuplicates. */
export interface DropDuplicatesOptions {
  /** Columns that identify a duplicate (default: every column). */
  subset?: string | string[];
  /** Which of the duplicates to keep: 'first' (default), 'last', or false to drop them all. */
  keep?: 'first' | 'last' | false;
}

/** Options of DataFrame.setIndex. */
export interface SetIndexOptions extends ComputeOptions {
  /** The column is already sorted ascending across the partitions in order: no shuffle, divisions from each partition's min and max (Dask's sorted=True). */
  sorted?: boolean;
}

/** Options of DataFrame.resetIndex. */
export interface ResetIndexOptions {
  /** Drop the index instead of making it the first column (default false). */
  drop?: boolean;
}

/** Options of DataFrame.repartition. */
export interface RepartitionOptions {
  /** The number of partitions wanted. */
  npartitions: number;
}

/** Options of concat. */
export interface ConcatOptions {
  /**
   * 0 (default): the rows of one frame after another's. 1: the frames' columns side by side, row
   * for row: the frames must have the same partitions (same number, same rows in each — checked
   * when computed — and equal divisions when known), the same index (its values equal), and no
   * column name twice. pandas aligns on the index values; here rows are paired as they are, as
   * Dask does for unknown divisions (a mismatch is a RangeError, never a silent misalignment).
   */
  axis?: 0 | 1;
}

const names = (s: PartitionSource): string[] => s.schema.map(([n]) => n).filter((n) => n !== s.index);

function checkOptions(where: string, options: unknown, accepted: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const k of Object.keys(options))
    if (!accepted.includes(k)) throw new TypeError(`${where}: unknown option ${JSON.stringify(k)}; accepted: ${accepted.join(', ')}`);
}

function checkColumn(where: string, df: DataFrame, name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`${where}: expected a column name (string), got ${describeValue(name)}`);
  if (!df.columns.includes(name)) throw new RangeError(`${where}: no column ${JSON.stringify(name)}; columns are ${JSON.stringify(df.columns)}`);
  return name;
}

/** Rows [start, end) of a table as a partition of the columns `cols` (and the index). */
function slicePartition(t: Table, cols: readonly string[], index: string | undefined, dtypes: ReadonlyMap<string, DType>, start: number, end: number): Partition {
  const m = new Map<string, Column>();
  for (const c of index ? [index, ...cols] : cols) {
    const col = t.raw(c);
    m.set(c, col ? sliceColumn(col, start, end) : emptyColumn(dtypes.get(c)!));
  }
  return { length: end - start, columns: m };
}

/** A partition's columns `cols` (and index), in that order, without the others. */
function pick(p: Partition, cols: readonly string[]): Partition {
  return { length: p.length, columns: new Map(cols.filter((n) => p.columns.has(n)).map((n) => [n, p.columns.get(n)!] as [string, Column])) };
}

const allParts = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------------------------------------
// sample

/**
 * pandas' `df.sample(frac | n, replace, random_state=seed)` over the whole frame: NumPy's legacy
 * RandomState draws the row numbers (random.ts), so a seed picks the rows pandas picks, in
 * pandas' order, whatever the partitioning. (Dask samples each partition with its own state, so
 * its rows depend on the partitions; this does not.) The sample is split into as many
 * partitions as the frame, of equal size; divisions are unknown (the rows are shuffled).
 */
class SampleSource implements PartitionSource {
  readonly name = `sample-${layerId()}`;
  readonly op = 'sample';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly allToAll = true;
  constructor(
    private readonly base: PartitionSource,
    private readonly spec: { frac?: number; n?: number; seed: number; replace: boolean },
  ) {
    this.npartitions = base.npartitions;
    this.schema = base.schema;
    this.index = base.index;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? names(this);
    const all = await this.base.load(want, undefined, ctx);
    const t = Table.concat([...want], all, this.index);
    const { frac, n, seed, replace } = this.spec;
    const size = n ?? roundHalfEven(frac! * t.length);
    if (!replace && size > t.length)
      throw new RangeError(`sample: cannot take ${size} rows from ${t.length} without replacement; pass replace: true`);
    if (t.length === 0 && size > 0) throw new RangeError(`sample: cannot take ${size} rows from an empty frame`);
    const rng = new MT19937(seed);
    const idx = replace ? rng.randint(t.length, size) : rng.permutationPrefix(t.length, size);
    const s = t.take(idx, want);
    const dtypes = new Map(this.schema);
    const P = this.npartitions;
    return (parts ?? allParts(P)).map((p) => slicePartition(s, want, this.index, dtypes, Math.floor((size * p) / P), Math.floor((size * (p + 1)) / P)));
  }
}

export function sampleFrame(df: DataFrame, options: SampleOptions): DataFrame {
  checkOptions('sample(options)', options, ['frac', 'n', 'seed', 'replace']);
  const { frac, n } = options;
  const replace = options.replace ?? false;
  if (typeof replace !== 'boolean') throw new TypeError(`sample(options): replace must be a boolean, got ${describeValue(replace)}`);
  if (frac !== undefined && n !== undefined) throw new TypeError('sample(options): give frac or n, not both');
  if (frac === undefined && n === undefined) throw new TypeError('sample(options): give frac (a fraction of the rows) or n (a number of rows)');
  if (frac !== undefined) {
    if (typeof frac !== 'number' || !Number.isFinite(frac) || frac < 0) throw new RangeError(`sample(options): frac must be a number ≥ 0, got ${describeValue(frac)}`);
    if (frac > 1 && !replace) throw new RangeError(`sample(options): frac ${frac} > 1 needs replace: true`);
  }
  if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 0)) throw new RangeError(`sample(options): n must be a non-negative integer, got ${describeValue(n)}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new RangeError(`sample(options): seed must be an integer in [0, 2^32), got ${describeValue(seed)}`);
  const src = new SampleSource(df.state.source, { frac, n, seed, replace });
  return new DataFrame({ source: src, columns: df.columns });
}

// ---------------------------------------------------------------------------------------------
// dropDuplicates

/**
 * pandas' drop_duplicates: rows whose `subset` values equal an earlier row's (keep 'first'), a
 * later row's ('last') or any other row's (false) are dropped; the kept rows keep their order and
 * their partition, so divisions stay known. Missing values equal each other (as pandas);
 * int64 and float64 compare as numbers, -0 equals 0. The index takes no part, as pandas.
 */
class DropDuplicatesSource implements PartitionSource {
  readonly name = `drop-duplicates-${layerId()}`;
  readonly op = 'drop-duplicates';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly Division[];
  readonly allToAll = true;
  constructor(
    private readonly base: PartitionSource,
    private readonly subset: readonly string[],
    private readonly keep: 'first' | 'last' | false,
  ) {
    this.npartitions = base.npartitions;
    this.schema = base.schema;
    this.index = base.index;
    this.divisions = base.divisions;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? names(this);
    const need = [...new Set([...want, ...this.subset])];
    const all = await this.base.load(need, undefined, ctx);
    // a dense id per distinct key, across partitions
    const { ids, groups } = rowIds(all, this.subset);
    const masks = all.map((p) => new Uint8Array(p.length));
    if (this.keep === false) {
      const counts = new Int32Array(groups);
      for (const g of ids) for (let i = 0; i < g.length; i++) counts[g[i]!]!++;
      ids.forEach((g, p) => {
        const m = masks[p]!;
        for (let i = 0; i < g.length; i++) m[i] = counts[g[i]!] === 1 ? 1 : 0;
      });
    } else {
      const seen = new Uint8Array(groups);
      const order = this.keep === 'first' ? allParts(all.length) : allParts(all.length).reverse();
      for (const p of order) {
        const g = ids[p]!;
        const m = masks[p]!;
        const n = g.length;
        for (let j = 0; j < n; j++) {
          const i = this.keep === 'first' ? j : n - 1 - j;
          if (!seen[g[i]!]) {
            seen[g[i]!] = 1;
            m[i] = 1;
          }
        }
      }
    }
    const cols = this.index ? [this.index, ...want] : want;
    // the kept rows compacted natively (one dfFilter job over the partitions asked for)
    const chosen = parts ?? allParts(this.npartitions);
    return compactRows(chosen.map((p) => masks[p]!), chosen.map((p) => pick(all[p]!, cols)), () => true, ctx.options.signal);
  }
}

/**
 * Dense ids (0…groups-1) of the rows' values of `cols`, equal for equal values across partitions:
 * strings by value (one lookup per dictionary entry, not per row), missing equal to missing,
 * int64 and float64 as numbers, -0 as 0 (SameValueZero, as pandas' hash tables). Several columns
 * combine pairwise (id · n + id, refactorized), with a string key only past 2^53.
 */
function rowIds(parts: readonly Partition[], cols: readonly string[]): { ids: Int32Array[]; groups: number } {
  // one dtype per column over the partitions with rows and no Int64 mask: merge's typed-array
  // hash table of the values' bits (a JS Map lookup per row, BigInts as keys, was 5x slower)
  const typed = cols.every((c) => {
    const dts = new Set(parts.filter((p) => p.length).map((p) => p.columns.get(c)!.dtype));
    return dts.size <= 1 && ![...dts].some((d) => d === 'Int64');
  });
  if (typed) {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const enc = new KeyEncoder(cols.length, cols.map(() => false), Math.min(total, 1 << 16));
    const ids = parts.map((p) => (p.length ? enc.encode(new Table([...cols], p.columns, p.length), cols, true) : new Int32Array(0)));
    return { ids, groups: enc.size };
  }
  let ids: Int32Array[] | undefined;
  let groups = 1;
  for (const c of cols) {
    const colParts = parts.map((p) => p.columns.get(c)!);
    const mixed = new Set(colParts.filter((x, k) => parts[k]!.length).map((x) => x.dtype)).size > 1;
    const table = new Map<unknown, number>();
    const id = (v: unknown): number => {
      let k = table.get(v);
      if (k === undefined) table.set(v, (k = table.size));
      return k;
    };
    const own = colParts.map((col, k) => {
      const n = parts[k]!.length;
      const out = new Int32Array(n);
      if (mixed) {
        // an Int64 part reads as int64 keys, <NA> as the missing key (merge's keyReader has no mask)
        const plain = keyReader(col.valid ? { dtype: 'int64', values: col.values } : col);
        const read = col.valid ? (i: number): string => (col.valid![i] ? plain(i) : '\u0001') : plain;
        for (let i = 0; i < n; i++) out[i] = id(read(i));
      } else if (isDict(col.dtype)) {
        // strings and categories (each partition has its own dictionary): by value, not code
        const codes = col.values as Int32Array;
        const byCode = new Int32Array(col.dict!.size).fill(-1);
        for (let i = 0; i < n; i++) {
          const code = codes[i]!;
          if (code < 0) out[i] = id(null);
          else out[i] = byCode[code]! >= 0 ? byCode[code]! : (byCode[code] = id(col.dict!.get(code)));
        }
      } else if (col.valid) {
        // Int64: <NA> equal to <NA> (pandas' drop_duplicates), not to the 0 stored under it
        const v = col.values as BigInt64Array;
        const valid = col.valid;
        for (let i = 0; i < n; i++) out[i] = id(valid[i] ? v[i]! : null);
      } else {
        const v = col.values as Float64Array | BigInt64Array | Uint8Array;
        for (let i = 0; i < n; i++) out[i] = id(v[i]!);
      }
      return out;
    });
    const n = table.size;
    if (!ids) {
      ids = own;
      groups = n;
      continue;
    }
    if (groups * n >= 2 ** 53) {
      // ids as strings: exact for any number of columns (not reached by practical data)
      const t = new Map<string, number>();
      ids = ids.map((g, k) => Int32Array.from(g, (x, i) => {
        const key = `${x},${own[k]![i]}`;
        let r = t.get(key);
        if (r === undefined) t.set(key, (r = t.size));
        return r;
      }));
      groups = t.size;
      continue;
    }
    const t = new Map<number, number>();
    ids = ids.map((g, k) => Int32Array.from(g, (x, i) => {
      const key = x * n + own[k]![i]!;
      let r = t.get(key);
      if (r === undefined) t.set(key, (r = t.size));
      return r;
    }));
    groups = t.size;
  }
  return { ids: ids ?? parts.map((p) => new Int32Array(p.length)), groups };
}

export function dropDuplicatesFrame(df: DataFrame, options: DropDuplicatesOptions): DataFrame {
  checkOptions('dropDuplicates(options)', options, ['subset', 'keep']);
  const subset = options.subset === undefined ? df.columns : typeof options.subset === 'string' ? [options.subset] : options.subset;
  if (!Array.isArray(subset) || !subset.length) throw new TypeError(`dropDuplicates(options): subset must be a column name or a non-empty array of names, got ${describeValue(options.subset)}`);
  for (const c of subset) checkColumn('dropDuplicates(options.subset)', df, c);
  const keep = options.keep ?? 'first';
  if (keep !== 'first' && keep !== 'last' && keep !== false) throw new RangeError(`dropDuplicates(options): keep must be 'first', 'last' or false, got ${describeValue(keep)}`);
  return new DataFrame({ source: new DropDuplicatesSource(df.state.source, [...new Set(subset)], keep), columns: df.columns });
}

// ---------------------------------------------------------------------------------------------
// setIndex / resetIndex

const INDEX_DTYPES: readonly DType[] = ['int64', 'Int64', 'float64', 'datetime', 'string'];

/** An index value: a number (datetimes as ms; NaN = missing) or a string. */
type Key = number | string;

/** Value i of a numeric/datetime column as a number (int64 beyond 2^53 rounds; Int64's <NA> is NaN, as a missing float). */
function numberAt(c: Column, i: number): number {
  if (c.valid && !c.valid[i]) return NaN;
  return c.dtype === 'int64' || c.dtype === 'Int64' ? Number((c.values as BigInt64Array)[i]!) : (c.values as Float64Array)[i]!;
}

/** Value i of an index column as a Key (a missing string is NaN, as a missing number). */
function keyAt(c: Column, i: number): Key {
  if (c.dtype !== 'string') return numberAt(c, i);
  const code = (c.values as Int32Array)[i]!;
  return code < 0 ? NaN : c.dict!.get(code);
}

const missingKey = (v: Key): boolean => typeof v === 'number' && Number.isNaN(v);

/** a < b: numbers as numbers, strings by code point (as the native sort and Python order them). */
function less(a: Key, b: Key): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a < b;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y;
    if (x > 0xffff) i++;
  }
  return a.length < b.length;
}

const division = (dtype: DType, v: Key): Division => (dtype === 'datetime' ? new Date(v as number) : v);
const divisionNumber = (d: Division): number => (d instanceof Date ? d.getTime() : (d as number));
const divisionKey = (d: Division): Key => (d instanceof Date ? d.getTime() : d);

/**
 * A frame indexed by one of its columns. Sorted (Dask's sorted=True): partition p is the base's
 * partition p. Shuffled: every base partition is read, the rows sorted by the column (stable, so
 * equal values keep their order; missing values last) and partition p holds the values in
 * [divisions[p], divisions[p + 1]) (the last partition up to and including its end, and the
 * missing values): pandas' `set_index(c).sort_index(kind='stable')` cut at the divisions.
 */
class SetIndexSource implements PartitionSource {
  readonly name: string;
  readonly op: string;
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index: string;
  readonly lengths?: readonly number[];
  constructor(
    private readonly base: PartitionSource,
    private readonly baseColumns: readonly string[],
    column: string,
    private readonly shuffle: boolean,
    readonly divisions: readonly Division[] | undefined,
    /** Sorted with overlaps: per partition, whether the previous non-empty partition's rows equal to its start move into it. */
    private readonly moves?: readonly boolean[],
  ) {
    this.op = shuffle ? 'set-index-shuffle' : 'set-index';
    this.name = `${this.op}-${layerId()}`;
    this.index = column;
    const dtypes = new Map(base.schema);
    this.schema = [[column, dtypes.get(column)!], ...baseColumns.filter((c) => c !== column).map((c) => [c, dtypes.get(c)!] as const)];
    this.npartitions = shuffle ? (divisions ? divisions.length - 1 : 1) : base.npartitions;
    this.lengths = shuffle || moves ? undefined : base.lengths;
  }
  /** The previous non-empty base partition of p (by divisions: an empty one repeats the next's start). */
  private previous(p: number): number {
    const d = this.divisions!.map(divisionKey);
    let q = p - 1;
    while (q > 0 && d[q] === d[q + 1]) q--;
    return q;
  }
  taskInputs(t: number): [number, number][] {
    if (this.shuffle) return allParts(this.base.npartitions).map((j) => [0, j]);
    return this.moves?.[t] ? [[0, this.previous(t)], [0, t]] : [[0, t]];
  }
  get allToAll(): boolean {
    return this.shuffle;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = (columns ?? names(this)).filter((c) => c !== this.index);
    const need = [this.index, ...want];
    const cols = need;
    if (!this.shuffle && !this.moves) return (await this.base.load(need, parts, ctx)).map((p) => pick(p, cols));
    if (!this.shuffle) {
      // overlapping sorted partitions: p loses its rows equal to the next start, gains the previous one's equal to its own
      const idx = parts ?? allParts(this.npartitions);
      const needed = [...new Set(idx.flatMap((t) => this.taskInputs(t).map(([, j]) => j)))].sort((a, b) => a - b);
      const got = new Map((await this.base.load(need, needed, ctx)).map((p, k) => [needed[k]!, p]));
      const d = this.divisions!.map(divisionKey);
      const P = this.npartitions;
      const dtypes = new Map(this.schema);
      const keepBelow = (p: number): [Partition, number] => {
        const part = got.get(p)!;
        const key = part.columns.get(this.index)!;
        let end = part.length;
        if (p < P - 1) while (end > 0 && !less(keyAt(key, end - 1), d[p + 1]!)) end--;
        return [part, end];
      };
      return idx.map((p) => {
        const [own, end] = keepBelow(p);
        const segs: Partition[] = [];
        if (this.moves![p]) {
          const q = this.previous(p);
          const prev = got.get(q)!;
          const key = prev.columns.get(this.index)!;
          let start = prev.length;
          while (start > 0 && !less(keyAt(key, start - 1), d[p]!)) start--;
          segs.push({ length: prev.length - start, columns: new Map(cols.map((c) => [c, sliceColumn(prev.columns.get(c)!, start, prev.length)] as [string, Column])) });
        }
        segs.push({ length: end, columns: new Map(cols.map((c) => [c, sliceColumn(own.columns.get(c)!, 0, end)] as [string, Column])) });
        if (segs.length === 1) return segs[0]!;
        const t = Table.concat(want, segs, this.index);
        return slicePartition(t, want, this.index, dtypes, 0, t.length);
      });
    }
    const all = await this.base.load(need, undefined, ctx);
    const sorted = await sortPartitions(all, need, { by: [this.index], ascending: [true], naPosition: 'last' }, ctx);
    const key = sorted.raw(this.index)!;
    const n = sorted.length;
    let present = n;
    while (present > 0 && missingKey(keyAt(key, present - 1))) present--;
    // the first sorted row whose value is ≥ v
    const lowerBound = (v: Key): number => {
      let lo = 0;
      let hi = present;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (less(keyAt(key, mid), v)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const d = this.divisions?.map(divisionKey);
    const P = this.npartitions;
    const dtypes = new Map(this.schema);
    return (parts ?? allParts(P)).map((p) => {
      const start = p === 0 || !d ? 0 : lowerBound(d[p]!);
      const end = p === P - 1 || !d ? n : lowerBound(d[p + 1]!);
      return slicePartition(sorted, want, this.index, dtypes, start, end);
    });
  }
}

export async function setIndexFrame(df: DataFrame, column: string, options: SetIndexOptions): Promise<DataFrame> {
  checkOptions('setIndex(options)', options, ['sorted', 'progress', 'onProgress', 'signal', 'profiler']);
  checkColumn('setIndex(column)', df, column);
  const sorted = options.sorted ?? false;
  if (typeof sorted !== 'boolean') throw new TypeError(`setIndex(options): sorted must be a boolean, got ${describeValue(sorted)}`);
  const dtype = df.dtypes[column]!;
  if (!INDEX_DTYPES.includes(dtype))
    throw new TypeError(`setIndex(column): column ${JSON.stringify(column)} has dtype ${dtype}; accepted: int64, Int64, float64, datetime, string`);
  const src = df.state.source;
  // Dask computes the divisions when set_index is called (a pass over the column): so does this
  const parts = await src.load([column], undefined, { options });
  const actual = parts.find((p) => p.length)?.columns.get(column)?.dtype ?? dtype;
  // a CSV column typed from the first file's sample may read as another dtype
  if (!INDEX_DTYPES.includes(actual)) throw new TypeError(`setIndex(column): column ${JSON.stringify(column)} reads as ${actual}; accepted: int64, Int64, float64, datetime, string`);
  if (sorted) {
    // per partition: whether rows of the previous non-empty partition equal to its start move into it
    const overlapFrom: (boolean | undefined)[] = [];
    const mins: (Key | undefined)[] = [];
    const maxes: (Key | undefined)[] = [];
    parts.forEach((p, k) => {
      const c = p.columns.get(column)!;
      let prev: Key | undefined;
      for (let i = 0; i < p.length; i++) {
        const v = keyAt(c, i);
        if (missingKey(v)) throw new RangeError(`setIndex(${JSON.stringify(column)}, { sorted: true }): partition ${k} has a missing value at row ${i}; a sorted index has none (use sorted: false, or dropna first)`);
        if (prev !== undefined && less(v, prev)) throw new RangeError(`setIndex(${JSON.stringify(column)}, { sorted: true }): partition ${k} is not sorted ascending (row ${i}); use sorted: false to shuffle`);
        prev = v;
      }
      mins.push(p.length ? keyAt(c, 0) : undefined);
      maxes.push(p.length ? keyAt(c, p.length - 1) : undefined);
    });
    let divisions: Division[] | undefined;
    const filled = mins.filter((m) => m !== undefined);
    if (filled.length) {
      let last: Key | undefined;
      let prevFilled = -1;
      for (let k = 0; k < parts.length; k++) {
        if (mins[k] === undefined) continue;
        // equal to the previous end is an overlap (a value across a boundary): its rows move
        // into this partition (Dask's fix_overlap); a partition of that one value alone cannot
        if (last !== undefined && (less(mins[k]!, last) || (mins[k] === last && (maxes[k] === mins[k] || mins[prevFilled] === maxes[prevFilled]))))
          throw new RangeError(
            `setIndex(${JSON.stringify(column)}, { sorted: true }): partition ${k} starts at ${mins[k]}, before the previous partition's end ${last} (or a partition of one repeated value overlaps its neighbour): the partitions are not sorted; use sorted: false to shuffle`,
          );
        if (last !== undefined && mins[k] === last) overlapFrom[k] = true;
        prevFilled = k;
        last = maxes[k];
      }
      // an empty partition takes the next partition's start (Dask's bfill): it holds [d, d)
      const d: Key[] = [];
      let next = last!;
      for (let k = parts.length - 1; k >= 0; k--) {
        if (mins[k] !== undefined) next = mins[k]!;
        d[k] = next;
      }
      d.push(last!);
      divisions = d.map((v) => division(actual, v));
    }
    const moves = overlapFrom.some((o) => o) ? parts.map((_, k) => overlapFrom[k] === true) : undefined;
    return new DataFrame({ source: new SetIndexSource(src, df.columns, column, false, divisions, moves), columns: df.columns.filter((c) => c !== column) });
  }
  // divisions at the quantiles i/P of the present values (exact: the values are sorted here)
  const values: Key[] = [];
  for (const p of parts) {
    const c = p.columns.get(column)!;
    for (let i = 0; i < p.length; i++) {
      const v = keyAt(c, i);
      if (!missingKey(v)) values.push(v);
    }
  }
  const sortedValues: ArrayLike<Key> =
    actual === 'string' ? values.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0)) : Float64Array.from(values as number[]).sort();
  const N = sortedValues.length;
  let divisions: Division[] | undefined;
  if (N) {
    const P = Math.max(1, src.npartitions);
    const starts: Key[] = [];
    for (let i = 0; i < P; i++) {
      const v = sortedValues[Math.floor((i * N) / P)]!;
      if (!starts.length || less(starts[starts.length - 1]!, v)) starts.push(v);
    }
    divisions = [...starts, sortedValues[N - 1]!].map((v) => division(actual, v));
  }
  return new DataFrame({ source: new SetIndexSource(src, df.columns, column, true, divisions), columns: df.columns.filter((c) => c !== column) });
}

/**
 * pandas' reset_index: the index becomes the first column (or is dropped). A frame without an
 * index gets pandas' default one as a column named 'index' (int64 row numbers 0…n-1 over the
 * whole frame, not restarting per partition as Dask's).
 */
class ResetIndexSource implements PartitionSource {
  readonly name = `reset-index-${layerId()}`;
  readonly op = 'reset-index';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly lengths?: readonly number[];
  constructor(
    private readonly base: PartitionSource,
    /** The row-number column's name when the base has no index. */
    private readonly rowNumbers: string | undefined,
    drop: boolean,
  ) {
    this.npartitions = base.npartitions;
    this.lengths = base.lengths;
    const rest = base.schema.filter(([n]) => n !== base.index);
    this.schema = rowNumbers ? [[rowNumbers, 'int64'], ...rest] : drop || !base.index ? rest : [[base.index, base.schema.find(([n]) => n === base.index)![1]], ...rest];
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.schema.map(([n]) => n);
    const baseWant = want.filter((c) => c !== this.rowNumbers && c !== this.base.index);
    const idx = parts ?? allParts(this.npartitions);
    const got = await this.base.load(baseWant, idx, ctx);
    if (!this.rowNumbers || !want.includes(this.rowNumbers)) return got.map((p) => pick(p, want));
    // row numbers continue across partitions: the lengths of the partitions before each
    let lengths = this.base.lengths ?? (parts ? undefined : got.map((p) => p.length));
    if (!lengths) {
      const before = Math.max(...idx, 0);
      const counted = await this.base.load([], allParts(before), { options: ctx.options });
      lengths = counted.map((p) => p.length);
    }
    const starts = [0];
    for (let k = 0; k < this.npartitions; k++) starts.push(starts[k]! + (lengths[k] ?? 0));
    return got.map((p, j) => {
      const r = new BigInt64Array(p.length);
      const s = BigInt(starts[idx[j]!]!);
      for (let i = 0; i < p.length; i++) r[i] = s + BigInt(i);
      const m = new Map(p.columns);
      m.set(this.rowNumbers!, { dtype: 'int64', values: r });
      return pick({ length: p.length, columns: m }, want);
    });
  }
}

export function resetIndexFrame(df: DataFrame, options: ResetIndexOptions): DataFrame {
  checkOptions('resetIndex(options)', options, ['drop']);
  const drop = options.drop ?? false;
  if (typeof drop !== 'boolean') throw new TypeError(`resetIndex(options): drop must be a boolean, got ${describeValue(drop)}`);
  const index = df.index;
  if (!index && drop) return df;
  // pandas names the default index's column 'index', or 'level_0' when 'index' is taken
  const rowNumbers = index ? undefined : !df.columns.includes('index') ? 'index' : 'level_0';
  if (rowNumbers && df.columns.includes(rowNumbers)) throw new RangeError(`resetIndex: the frame has columns 'index' and 'level_0' already; rename one first`);
  const src = new ResetIndexSource(df.state.source, rowNumbers, drop);
  const front = rowNumbers ?? (drop ? undefined : index);
  return new DataFrame({ source: src, columns: front ? [front, ...df.columns] : df.columns });
}

// ---------------------------------------------------------------------------------------------
// repartition

/** Where output partition j's rows come from: whole base partitions, row ranges of one, or index ranges of several. */
type Piece = { part: number; from: number; of: number };

/**
 * Dask's repartition(npartitions): fewer partitions join neighbours (output j = base partitions
 * [floor(j·P/N), floor((j+1)·P/N))); more partitions split each base partition into equal row
 * ranges (div pieces each, the last partition div + mod), or, with known numeric or datetime
 * divisions, cut the index range at divisions interpolated between the known ones (as Dask) so
 * the divisions stay known.
 */
class RepartitionSource implements PartitionSource {
  readonly name: string;
  readonly op = 'repartition';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly Division[];
  readonly lengths?: readonly number[];
  /** Per output partition: the base pieces (joined in order). */
  private readonly pieces: Piece[][];
  /** Index-range cuts (known divisions, more partitions): the divisions as numbers. */
  private readonly cuts?: number[];
  constructor(
    private readonly base: PartitionSource,
    npartitions: number,
  ) {
    this.name = `repartition-${npartitions}-${layerId()}`;
    this.schema = base.schema;
    this.index = base.index;
    const P = base.npartitions;
    const bd = base.divisions;
    if (npartitions <= P) {
      const bounds = Array.from({ length: npartitions + 1 }, (_, j) => Math.floor((j * P) / npartitions));
      this.pieces = bounds.slice(0, -1).map((b, j) => Array.from({ length: bounds[j + 1]! - b }, (_, k) => ({ part: b + k, from: 0, of: 1 })));
      this.divisions = bd ? bounds.map((b) => bd[b]!) : undefined;
      this.lengths = base.lengths ? this.pieces.map((ps) => ps.reduce((a, p) => a + base.lengths![p.part]!, 0)) : undefined;
    } else if (bd && bd.length === P + 1 && typeof bd[0] !== 'string') {
      // Dask: unique divisions, linearly interpolated to npartitions + 1 points
      const uniq = bd.map(divisionNumber).filter((v, k, a) => k === 0 || v !== a[k - 1]);
      const n = uniq.length;
      const interp = (x: number): number => {
        const pos = (x * (n - 1)) / n; // np.interp(x, linspace(0, n, n), fp)
        const k = Math.min(n - 2, Math.floor(pos));
        if (n === 1) return uniq[0]!;
        return uniq[k]! + (uniq[k + 1]! - uniq[k]!) * (pos - k);
      };
      const isInt = base.schema.find(([c]) => c === base.index)?.[1] !== 'float64';
      let d = Array.from({ length: npartitions + 1 }, (_, j) => interp((j * n) / npartitions));
      if (isInt) d = d.map((v) => Math.trunc(v)); // Dask casts back to the index dtype
      d[0] = divisionNumber(bd[0]!);
      d[npartitions] = divisionNumber(bd[P]!);
      const cuts = [...d.slice(0, -1).filter((v, k, a) => k === 0 || v !== a[k - 1]), d[npartitions]!];
      this.cuts = cuts;
      const isDate = bd[0] instanceof Date;
      this.divisions = cuts.map((v) => (isDate ? new Date(v) : v));
      const baseCuts = bd.map(divisionNumber);
      // output j reads the base partitions whose range meets [cuts[j], cuts[j + 1]]
      this.pieces = cuts.slice(0, -1).map((lo, j) => {
        const hi = cuts[j + 1]!;
        return allParts(P)
          .filter((i) => baseCuts[i]! <= hi && baseCuts[i + 1]! >= lo)
          .map((i) => ({ part: i, from: 0, of: 1 }));
      });
    } else {
      const div = Math.floor(npartitions / P);
      const mod = npartitions % P;
      this.pieces = [];
      for (let i = 0; i < P; i++) {
        const k = div + (i === P - 1 ? mod : 0);
        for (let s = 0; s < k; s++) this.pieces.push([{ part: i, from: s, of: k }]);
      }
      if (base.lengths) {
        const L = base.lengths;
        this.lengths = this.pieces.map(([p]) => Math.floor((L[p!.part]! * (p!.from + 1)) / p!.of) - Math.floor((L[p!.part]! * p!.from) / p!.of));
      }
    }
    this.npartitions = this.pieces.length;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  taskInputs(t: number): [number, number][] {
    return [...new Set(this.pieces[t]!.map((p) => p.part))].map((p) => [0, p]);
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? names(this);
    const idx = parts ?? allParts(this.npartitions);
    const needed = [...new Set(idx.flatMap((j) => this.pieces[j]!.map((p) => p.part)))].sort((a, b) => a - b);
    const loaded = await this.base.load(want, needed, ctx);
    const byPart = new Map(needed.map((p, k) => [p, loaded[k]!]));
    const cols = this.index ? [this.index, ...want] : want;
    const dtypes = new Map(this.schema);
    // with cuts: each piece is the rows of the index range [cuts[j], cuts[j + 1]) of its input (the
    // last partition: its end included), compacted natively in one dfFilter job over every piece
    const cut = new Map<string, Partition>();
    if (this.cuts) {
      const todo = idx.flatMap((j) => this.pieces[j]!.map((piece) => ({ j, piece, p: byPart.get(piece.part)! })));
      const masks = todo.map(({ j, p }) => {
        const lo = this.cuts![j]!;
        const hi = this.cuts![j + 1]!;
        const last = j === this.cuts!.length - 2;
        const key = p.columns.get(this.index!)!;
        const mask = new Uint8Array(p.length);
        for (let i = 0; i < p.length; i++) {
          const v = numberAt(key, i);
          // missing index values (after a shuffle: at the end of the last partition) stay in the last
          mask[i] = (v >= lo && (v < hi || (last && v === hi))) || (last && Number.isNaN(v)) ? 1 : 0;
        }
        return mask;
      });
      const kept = await compactRows(masks, todo.map(({ p }) => pick(p, cols)), () => true, ctx.options.signal);
      todo.forEach(({ j, piece }, k) => cut.set(`${j}:${piece.part}`, kept[k]!));
    }
    return idx.map((j) => {
      const segs: Partition[] = this.pieces[j]!.map((piece) => {
        const p = byPart.get(piece.part)!;
        if (this.cuts) return cut.get(`${j}:${piece.part}`)!;
        if (piece.of === 1) return pick(p, cols);
        const s = Math.floor((p.length * piece.from) / piece.of);
        const e = Math.floor((p.length * (piece.from + 1)) / piece.of);
        return { length: e - s, columns: new Map(cols.filter((c) => p.columns.has(c)).map((c) => [c, sliceColumn(p.columns.get(c)!, s, e)] as [string, Column])) };
      });
      if (segs.length === 1) return segs[0]!;
      const t = Table.concat([...want], segs, this.index);
      return slicePartition(t, want, this.index, dtypes, 0, t.length);
    });
  }
}

export function repartitionFrame(df: DataFrame, options: RepartitionOptions): DataFrame {
  checkOptions('repartition(options)', options, ['npartitions']);
  const n = options.npartitions;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`repartition(options): npartitions must be a positive integer, got ${describeValue(n)}`);
  if (n === df.npartitions) return df;
  return new DataFrame({ source: new RepartitionSource(df.state.source, n), columns: df.columns });
}

// ---------------------------------------------------------------------------------------------
// concat

/** The dtype of a column in the concatenation: pandas' rules for int/float and for missing columns. */
function unify(name: string, dtypes: (DType | undefined)[]): DType {
  const present = [...new Set(dtypes.filter((d): d is DType => d !== undefined))];
  const missing = dtypes.some((d) => d === undefined);
  let d: DType;
  if (present.length === 1) d = present[0]!;
  else if (present.every((p) => p === 'int64' || p === 'Int64' || p === 'float64'))
    // pandas 1.5: int64 with float64 is float64, Int64 with int64 Int64, Int64 with float64 its
    // nullable Float64 (here float64, <NA> as NaN)
    d = present.includes('float64') ? 'float64' : 'Int64';
  else {
    const where = present.map((p) => `${p} in frames[${dtypes.indexOf(p)}]`).join(', ');
    throw new TypeError(`concat: column ${JSON.stringify(name)} has dtypes ${where}; accepted: one dtype, or int64, Int64 and float64 together`);
  }
  // a missing column is NaN: int64 becomes float64, bool an object (here string) column, as pandas
  if (missing && d === 'int64') return 'float64';
  if (missing && d === 'bool') return 'string';
  return d;
}

const BOOL_DICT = StringDict.fromStrings(['False', 'True']);

/** Column `c` (undefined: absent, all missing) as dtype `d` for `length` rows. */
function castTo(c: Column | undefined, d: DType, length: number): Column {
  if (!c) {
    if (d === 'string') return { dtype: 'string', values: new Int32Array(length).fill(-1), dict: StringDict.EMPTY };
    // an Int64 column a frame lacks is <NA> there (pandas keeps Int64)
    if (d === 'Int64') return { dtype: 'Int64', values: new BigInt64Array(length), valid: new Uint8Array(length) };
    return { dtype: d, values: new Float64Array(length).fill(NaN) };
  }
  if (c.dtype === d) return c;
  if (length === 0) return emptyColumn(d);  // a frame without rows takes any dtype (concat leaves it out of the choice)
  if (c.dtype === 'int64' && d === 'float64') return toFloat(c);
  if (c.dtype === 'int64' && d === 'Int64') return { dtype: 'Int64', values: c.values, valid: new Uint8Array(length).fill(1) };
  if (c.dtype === 'Int64' && d === 'float64') return nullableToFloat(c);
  if (c.dtype === 'bool' && d === 'string') return { dtype: 'string', values: Int32Array.from(c.values as Uint8Array), dict: BOOL_DICT };
  return c; // a CSV column read as another dtype than its sample's: Table.concat unifies int64/float64
}

/** Frames one after another: output partitions are the frames' partitions in order. */
class ConcatSource implements PartitionSource {
  readonly name = `concat-${layerId()}`;
  readonly op = 'concat';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly Division[];
  readonly lengths?: readonly number[];
  /** Output partition → [frame, its partition]. */
  private readonly map: [number, number][];
  constructor(
    private readonly frames: readonly DataFrame[],
    schema: [string, DType][],
    index: string | undefined,
  ) {
    this.schema = schema;
    this.index = index;
    this.map = frames.flatMap((f, k) => allParts(f.npartitions).map((j) => [k, j] as [number, number]));
    this.npartitions = this.map.length;
    const ls = frames.map((f) => f.state.source.lengths);
    this.lengths = ls.every((l) => l) ? ls.flatMap((l) => [...l!]) : undefined;
    // known divisions stay known when each frame's index range starts after the previous one's (Dask)
    const ds = frames.map((f) => f.divisions);
    if (index && ds.every((d) => d && d.length)) {
      const ordered = ds.every((d, k) => k === 0 || less(divisionKey(ds[k - 1]![ds[k - 1]!.length - 1]!), divisionKey(d![0]!)));
      if (ordered) this.divisions = [...ds.slice(0, -1).flatMap((d) => d!.slice(0, -1)), ...ds[ds.length - 1]!];
    }
  }
  get inputs(): readonly PartitionSource[] {
    return this.frames.map((f) => f.state.source);
  }
  taskInputs(t: number): [number, number][] {
    return [this.map[t]!];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? names(this);
    const idx = parts ?? allParts(this.npartitions);
    const dtypes = new Map(this.schema);
    const out: Partition[] = new Array(idx.length);
    await Promise.all(
      this.frames.map(async (f, k) => {
        const mine = idx.map((t, at) => [this.map[t]!, at] as const).filter(([[fk]]) => fk === k);
        if (!mine.length) return;
        const has = want.filter((c) => f.columns.includes(c));
        const got = await f.state.source.load(has, mine.map(([[, j]]) => j), ctx);
        got.forEach((p, i) => {
          const m = new Map<string, Column>();
          for (const c of this.index ? [this.index, ...want] : want) m.set(c, castTo(p.columns.get(c), dtypes.get(c)!, p.length));
          out[mine[i]![1]] = { length: p.length, columns: m };
        });
      }),
    );
    return out;
  }
}

/** Frames side by side (concat axis 1): partition t is partition t of every frame, row for row. */
class ConcatColumnsSource implements PartitionSource {
  readonly name = `concat-${layerId()}`;
  readonly op = 'concat';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly Division[];
  readonly lengths?: readonly number[];
  constructor(private readonly frames: readonly DataFrame[]) {
    const f0 = frames[0]!;
    this.npartitions = f0.npartitions;
    this.index = f0.index;
    const idx = this.index ? f0.state.source.schema.filter(([n]) => n === this.index) : [];
    this.schema = [...idx, ...frames.flatMap((f) => f.columns.map((c) => [c, f.dtypes[c]!] as const))];
    this.divisions = f0.state.source.divisions;
    this.lengths = frames.map((f) => f.state.source.lengths).find((l) => l !== undefined);
  }
  get inputs(): readonly PartitionSource[] {
    return this.frames.map((f) => f.state.source);
  }
  taskInputs(t: number): [number, number][] {
    return this.frames.map((_, k) => [k, t]);
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? names(this);
    const idx = parts ?? allParts(this.npartitions);
    // every frame is read for its row counts (and index), even when none of its columns is wanted
    const got = await Promise.all(this.frames.map((f) => f.state.source.load(want.filter((c) => f.columns.includes(c)), idx, ctx)));
    return idx.map((t, i) => {
      const first = got[0]![i]!;
      const m = new Map<string, Column>();
      if (this.index) m.set(this.index, first.columns.get(this.index)!);
      got.forEach((ps, k) => {
        const p = ps[i]!;
        if (p.length !== first.length) {
          throw new RangeError(
            `concat(frames, { axis: 1 }): partition ${t} has ${first.length} rows in frames[0] and ${p.length} in frames[${k}]; side by side, the frames' partitions must hold the same rows (as Dask assumes for unknown divisions) — repartition them alike, or merge/join on a key`,
          );
        }
        if (this.index && k > 0 && !sameColumn(first.columns.get(this.index)!, p.columns.get(this.index)!)) {
          throw new RangeError(
            `concat(frames, { axis: 1 }): the index ${JSON.stringify(this.index)} of partition ${t} differs between frames[0] and frames[${k}]; rows are put side by side as they are (no alignment on index values) — join the frames on the index instead`,
          );
        }
        for (const c of this.frames[k]!.columns) if (want.includes(c)) m.set(c, p.columns.get(c)!);
      });
      return { length: first.length, columns: m };
    });
  }
}

/** Whether two columns hold the same values bit for bit (an index read twice). */
function sameColumn(a: Column, b: Column): boolean {
  if (a.dtype !== b.dtype || a.values.length !== b.values.length) return false;
  if (a.dict || b.dict) {
    for (let i = 0; i < a.values.length; i++) {
      const x = a.values[i] as number, y = b.values[i] as number;
      if ((x < 0 || y < 0) ? x !== y : a.dict!.get(x) !== b.dict!.get(y)) return false;
    }
    return true;
  }
  const x = new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength);
  const y = new Uint8Array(b.values.buffer, b.values.byteOffset, b.values.byteLength);
  if (!x.every((v, i) => v === y[i])) return false;
  return !a.valid || !b.valid || a.valid.every((v, i) => v === b.valid![i]);
}

/** concat(frames, { axis: 1 }): the checks of the frames, then the source. */
function concatColumns(frames: DataFrame[]): DataFrame {
  const f0 = frames[0]!;
  const seen = new Map<string, number>();
  frames.forEach((f, k) => {
    if (f.index !== f0.index)
      throw new TypeError(`concat(frames, { axis: 1 }): frames[${k}] has ${f.index ? `index ${JSON.stringify(f.index)}` : 'no index'}, frames[0] ${f0.index ? `index ${JSON.stringify(f0.index)}` : 'none'}; setIndex or resetIndex them to match`);
    if (f.npartitions !== f0.npartitions)
      throw new RangeError(`concat(frames, { axis: 1 }): frames[${k}] has ${f.npartitions} partitions, frames[0] ${f0.npartitions}; side by side needs the same partitions (Dask: repartition them alike)`);
    const d = f.divisions, d0 = f0.divisions;
    if (d && d0 && !d.every((v, i) => divisionKey(v) === divisionKey(d0[i]!)))
      throw new RangeError(`concat(frames, { axis: 1 }): frames[${k}]'s divisions differ from frames[0]'s; repartition({ divisions }) one of them to the other's`);
    for (const c of f.columns) {
      const at = seen.get(c);
      if (at !== undefined) throw new TypeError(`concat(frames, { axis: 1 }): column ${JSON.stringify(c)} is in frames[${at}] and frames[${k}]; rename one (column names must be unique here, pandas would keep both)`);
      seen.set(c, k);
    }
  });
  return new DataFrame({ source: new ConcatColumnsSource(frames), columns: [...seen.keys()] });
}

/**
 * pandas' / Dask's concat along the rows: the partitions of `frames`, in order. Columns are the
 * union in order of appearance; a column a frame lacks is missing there (NaN; int64 becomes
 * float64 and bool a string column of 'True'/'False', as pandas' object); int64 with float64 is
 * float64, other dtype mixes are a TypeError. The frames must share their index (or have none);
 * known divisions stay known when each frame's index starts after the previous one's ends.
 * `{ axis: 1 }` puts the frames' columns side by side instead ({@link ConcatOptions.axis}).
 */
export function concat(frames: DataFrame[], options: ConcatOptions = {}): DataFrame {
  if (!Array.isArray(frames) || !frames.length) throw new TypeError(`concat(frames): expected a non-empty array of DataFrames, got ${describeValue(frames)}`);
  frames.forEach((f, k) => {
    if (!(f instanceof DataFrame)) throw new TypeError(`concat(frames): frames[${k}] is ${describeValue(f)}, not a DataFrame`);
  });
  checkOptions('concat(options)', options, ['axis']);
  const axis = options.axis ?? 0;
  if (axis !== 0 && axis !== 1) throw new RangeError(`concat(options): axis must be 0 (rows after rows) or 1 (columns side by side), got ${describeValue(axis)}`);
  if (axis === 1) return frames.length === 1 ? frames[0]! : recordRoot(concatColumns(frames), 'concat', [frames, options]);
  const index = frames[0]!.index;
  frames.forEach((f, k) => {
    if (f.index !== index)
      throw new TypeError(
        `concat(frames): frames[${k}] has ${f.index ? `index ${JSON.stringify(f.index)}` : 'no index'}, frames[0] ${index ? `index ${JSON.stringify(index)}` : 'none'}; setIndex or resetIndex them to match`,
      );
  });
  const order: string[] = [];
  for (const f of frames) for (const c of f.columns) if (!order.includes(c)) order.push(c);
  // frames known to have no rows (a header-only CSV file: its columns read as strings, pandas'
  // object) do not choose the dtypes, as pandas 1.5 leaves empty frames out; unless all are empty
  const empty = frames.map((f) => f.state.source.lengths?.every((n) => n === 0) ?? false);
  const chooser = empty.every(Boolean) ? frames.map(() => true) : empty.map((e) => !e);
  const dtypesOf = (c: string): (DType | undefined)[] => frames.flatMap((f, k) => (!chooser[k] ? [] : [f.columns.includes(c) ? f.dtypes[c] : undefined]));
  const schema: [string, DType][] = order.map((c) => {
    const ds = dtypesOf(c);
    // a column only empty frames have: theirs
    return [c, unify(c, ds.some((d) => d !== undefined) ? ds : frames.map((f) => (f.columns.includes(c) ? f.dtypes[c] : undefined)))];
  });
  if (index) {
    const ids = frames.map((f) => f.state.source.schema.find(([n]) => n === index)![1]);
    schema.unshift([index, unify(`index ${index}`, ids)]);
  }
  if (frames.length === 1) return frames[0]!;
  return recordRoot(new DataFrame({ source: new ConcatSource(frames, schema, index), columns: order }), 'concat', [frames, options]);
}
