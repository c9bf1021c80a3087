// Column expressions (Series arithmetic, comparisons, where, isna, fillna, clip, round, astype):
// a small tree with pandas' dtype rules, lowered to NDArray expressions so they run as the array
// engine's fused kernels from its one op table (DESIGN.md: a column is an array). A partition's
// column is a memory leaf; the partitions of a batch are concatenated into one 1-d array, so one
// plan computes every output of a step over every partition.
//
// The engine's registers are typed: int64 columns are int64 leaves (the BigInt64Array as it is)
// and int64 results come back as BigInt64Arrays, so int64 arithmetic, comparisons and casts are
// exact over the whole int64 range (wrapping as NumPy's); bool columns are bool leaves
// (Uint8Array 0/1), string columns their int32 codes (only isna/notna read them).
import { describe as describeValue } from '../errors.js';
import { full, memoryArray } from '../array/creation.js';
import { concatenate } from '../array/indexing/join.js';
import { type Computed, NDArray, computeArrays, whereArrays } from '../array/ndarray.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Column, type DType, type Partition, StringDict, boolTextToFloat, columnLength } from './column.js';
import { type StrMap, mapString } from './strings.js';
import { ColType, dfNative } from './native.js';

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'mod' | 'floordiv';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type LogicalOp = 'and' | 'or' | 'xor';
export type Literal = number | bigint | boolean | Date;

export type Expr =
  | { readonly kind: 'col'; readonly name: string }
  | { readonly kind: 'lit'; readonly value: number | bigint; /** a Date: milliseconds that are a datetime (datetime − Date is a timedelta) */ readonly datetime?: true }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly args: readonly [Expr, Expr] }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly args: readonly [Expr, Expr] }
  | { readonly kind: 'logical'; readonly op: LogicalOp; readonly args: readonly [Expr, Expr] }
  | { readonly kind: 'not'; readonly arg: Expr }
  | { readonly kind: 'neg' | 'abs' | 'isna' | 'notna'; readonly arg: Expr }
  | { readonly kind: 'round'; readonly arg: Expr; readonly decimals: number }
  | { readonly kind: 'clip'; readonly arg: Expr; readonly lo: number | null; readonly hi: number | null }
  | { readonly kind: 'fillna'; readonly arg: Expr; readonly value: number }
  | { readonly kind: 'where'; readonly cond: Expr; readonly x: Expr; readonly other: Expr }
  | { readonly kind: 'astype'; readonly arg: Expr; readonly dtype: 'float64' | 'int64' | 'Int64' | 'bool' }
  | { readonly kind: 'str'; readonly op: StrOp; readonly arg: Expr; readonly pat?: string; readonly regex?: boolean; readonly caseSensitive?: boolean; readonly na?: boolean; readonly map?: StrMap;
      /** compare: the operator against `pat`; isin: the strings, and whether a missing value is among them. */
      readonly cmp?: CompareOp; readonly values?: readonly string[]; readonly missingIn?: boolean }
  | { readonly kind: 'dt'; readonly field: DtField; readonly arg: Expr; /** floor: the frequency in ms. */ readonly freq?: number }
  /** Series.map(mapping): each value looked up in a table (host-computed, as .str / .dt). */
  | { readonly kind: 'lookup'; readonly arg: Expr; readonly table: Lookup }
  /**
   * Host-computed casts: astype('string') (each value as Python's str() of it, missing kept:
   * pandas' StringDtype) and astype('datetime') of strings (the CSV reader's date parser).
   */
  | { readonly kind: 'format'; readonly arg: Expr; readonly to: 'string' | 'datetime' };

/** A value of a Series.map mapping (null: missing). */
export type MapValue = string | number | bigint | boolean | null;

/**
 * The table of Series.map: keys normalized by {@link lookupKey}, values of one kind (strings,
 * numbers or booleans; null is missing), and what a missing value maps to (a null or NaN key).
 */
export interface Lookup {
  readonly entries: ReadonlyMap<string, MapValue>;
  readonly onMissing: MapValue;
  readonly kind: 'string' | 'number' | 'bool' | 'none';
  /** Every number value is an integer (all rows matched: an int64 result, as pandas). */
  readonly integers: boolean;
  /** No two keys map to one string (a category column then stays category when every row matched, as pandas). */
  readonly injective: boolean;
}

const SAFE = 2 ** 53;
/**
 * The key of a value in a lookup table: numbers by value (1 == 1.0, -0 == 0; integers beyond
 * 2^53 by their digits); strings, booleans and Dates apart (pandas' map matches a bool column's
 * values with boolean keys only, as its bool index).
 */
export function lookupKey(v: string | number | bigint | boolean | Date): string {
  if (typeof v === 'string') return `s:${v}`;
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (typeof v === 'boolean') return v ? 'b:1' : 'b:0';
  if (typeof v === 'bigint') return v >= -SAFE && v <= SAFE ? `n:${Number(v)}` : `n:${v}`;
  if (Number.isInteger(v) && Math.abs(v) > SAFE) return `n:${BigInt(v)}`;
  return `n:${v === 0 ? 0 : v}`;
}

export type StrOp = 'lower' | 'upper' | 'len' | 'contains' | 'startswith' | 'endswith' | 'map' | 'compare' | 'isin';
export type DtField =
  | 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'microsecond' | 'dayofweek' | 'dayofyear' | 'quarter' | 'daysInMonth'
  | 'isMonthStart' | 'isMonthEnd' | 'isQuarterStart' | 'isQuarterEnd' | 'isYearStart' | 'isYearEnd' | 'isLeapYear'
  | 'date' | 'totalSeconds' | 'days' | 'floor' | 'ceil' | 'round';
/** The .dt fields that are bools (pandas: False at NaT). */
const DT_BOOL = new Set<DtField>(['isMonthStart', 'isMonthEnd', 'isQuarterStart', 'isQuarterEnd', 'isYearStart', 'isYearEnd', 'isLeapYear']);

export const col = (name: string): Expr => ({ kind: 'col', name });

/** A JS value as a literal (bool → 0/1, Date → ms since the epoch, as datetime columns hold; a bigint is an int64 scalar). */
export function literal(where: string, v: unknown): Expr {
  if (typeof v === 'number') return { kind: 'lit', value: v };
  if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${where}: ${v}n is outside the int64 range [-2^63, 2^63)`);
    return { kind: 'lit', value: v };
  }
  if (typeof v === 'boolean') return { kind: 'lit', value: v ? 1 : 0 };
  if (v instanceof Date) return { kind: 'lit', value: v.getTime(), datetime: true };
  throw new TypeError(`${where}: expected a Series, a number, a bigint, a boolean or a Date, got ${describeValue(v)}`);
}

/** Column names an expression reads. */
export function exprColumns(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.kind) {
    case 'col': out.add(e.name); break;
    case 'lit': break;
    case 'arith': case 'compare': case 'logical': exprColumns(e.args[0], out); exprColumns(e.args[1], out); break;
    case 'where': exprColumns(e.cond, out); exprColumns(e.x, out); exprColumns(e.other, out); break;
    case 'str': case 'dt': case 'lookup': case 'format': exprColumns(e.arg, out); break;
    default: exprColumns(e.arg, out);
  }
  return out;
}

/**
 * Arithmetic with datetimes and timedeltas (both milliseconds), as pandas: datetime − datetime
 * is a timedelta, datetime ± timedelta a datetime, timedelta ± timedelta a timedelta,
 * timedelta / timedelta float64, timedelta × or ÷ a number a timedelta; undefined when neither
 * operand is temporal.
 */
function timeArith(op: ArithOp, a: LType, b: LType): DType | undefined {
  const T = (d: LType): boolean => d === 'datetime' || d === 'timedelta';
  if (!T(a) && !T(b)) return undefined;
  const num = (d: LType): boolean => d === 'int64' || d === 'float64' || d === 'lit-int' || d === 'lit-float';
  if (a === 'datetime' && b === 'datetime' && op === 'sub') return 'timedelta';
  if (a === 'datetime' && b === 'timedelta' && (op === 'add' || op === 'sub')) return 'datetime';
  if (a === 'timedelta' && b === 'datetime' && op === 'add') return 'datetime';
  if (a === 'timedelta' && b === 'timedelta') {
    if (op === 'add' || op === 'sub') return 'timedelta';
    if (op === 'div') return 'float64';
  }
  if (a === 'timedelta' && num(b) && (op === 'mul' || op === 'div')) return 'timedelta';
  if (num(a) && b === 'timedelta' && op === 'mul') return 'timedelta';
  throw new TypeError(`${op}: ${a.replace('lit-', '')} ${op} ${b.replace('lit-', '')} is not accepted (accepted: datetime − datetime, datetime ± timedelta, timedelta ± timedelta, timedelta / timedelta, timedelta × number)`);
}

/** The dtype of a literal in an expression: pandas' scalar kinds (an integer number is int64). */
type LType = DType | 'lit-int' | 'lit-float';

const INTLIKE = (d: LType): boolean => d === 'int64' || d === 'bool' || d === 'lit-int';
const NUMBERISH = (d: LType): boolean => d === 'int64' || d === 'Int64' || d === 'float64' || d === 'bool' || d === 'lit-int' || d === 'lit-float';
/** Is `e` the NaN literal (where's default `other`: missing)? */
const isNaNLit = (e: Expr): boolean => e.kind === 'lit' && typeof e.value === 'number' && Number.isNaN(e.value);

/**
 * The dtype of an operation with a nullable integer operand (pandas' masked arrays): Int64 with
 * integers stays Int64; with floats or by true division pandas gives its nullable Float64, which
 * is float64 with NaN for <NA> here.
 */
function nullableArith(op: ArithOp, a: LType, b: LType): DType {
  const int = (d: LType): boolean => d === 'Int64' || INTLIKE(d);
  return op !== 'div' && int(a) && int(b) ? 'Int64' : 'float64';
}

function ltype(e: Expr, dtypes: ReadonlyMap<string, DType>): LType {
  if (e.kind === 'lit' && e.datetime) return 'datetime';
  return e.kind === 'lit' ? (typeof e.value === 'bigint' || Number.isInteger(e.value) ? 'lit-int' : 'lit-float') : exprDtype(e, dtypes);
}

/**
 * The result dtype of an expression, as pandas: int/bool arithmetic stays int64 except true
 * division (and float powers); comparisons, logical ops and isna are bool; where promotes int
 * with float to float64. Datetimes take part in comparisons, isna/notna, where and fillna only;
 * strings in isna/notna only (string operations are `.str`'s, not built yet).
 */
export function exprDtype(e: Expr, dtypes: ReadonlyMap<string, DType>): DType {
  const sub = (x: Expr): LType => ltype(x, dtypes);
  switch (e.kind) {
    case 'col': {
      const d = dtypes.get(e.name);
      if (!d) throw new RangeError(`no column ${JSON.stringify(e.name)}; columns are ${JSON.stringify([...dtypes.keys()])}`);
      return d;
    }
    case 'lit':
      return 'float64';
    case 'arith': {
      const [a, b] = e.args.map(sub) as [LType, LType];
      const temporal = timeArith(e.op, a, b);
      if (temporal) return temporal;
      for (const d of [a, b])
        if (!NUMBERISH(d)) throw new TypeError(`${e.op}: a ${d} column in arithmetic (accepted: int64, float64, bool columns and numbers)`);
      if (a === 'Int64' || b === 'Int64') return nullableArith(e.op, a, b);
      if (e.op === 'div') return 'float64';
      const lit = e.args[1].kind === 'lit' ? e.args[1].value : undefined;
      if (e.op === 'pow' && INTLIKE(a) && INTLIKE(b) && lit !== undefined && lit < 0) throw new RangeError(NEGATIVE_POWER_ERROR);
      return INTLIKE(a) && INTLIKE(b) ? 'int64' : 'float64';
    }
    case 'compare': {
      const [a, b] = e.args.map(sub) as [LType, LType];
      for (const d of [a, b])
        if (d === 'string' || d === 'category') throw new TypeError(`${e.op}: a ${d} column compares with a string (e.g. s.eq('Alice')), not with a number, a Date or another column`);
      const dt = (d: LType): boolean => d === 'datetime' || d === 'timedelta';
      if (dt(a) !== dt(b) && !(e.args[0].kind === 'lit' || e.args[1].kind === 'lit'))
        throw new TypeError(`${e.op}: cannot compare a datetime column with a ${dt(a) ? b : a} column`);
      return 'bool';
    }
    case 'logical':
    case 'not': {
      const args = e.kind === 'not' ? [e.arg] : e.args;
      for (const x of args) {
        const d = sub(x);
        if (d !== 'bool') throw new TypeError(`${e.kind === 'not' ? 'not' : e.op}: needs bool operands (a mask), got ${d}`);
      }
      return 'bool';
    }
    case 'isna':
    case 'notna':
      exprDtype(e.arg, dtypes);
      return 'bool';
    case 'neg':
    case 'abs':
    case 'round':
    case 'clip': {
      const d = exprDtype(e.arg, dtypes);
      if (d !== 'int64' && d !== 'Int64' && d !== 'float64') throw new TypeError(`${e.kind}: needs an int64, Int64 or float64 column, got ${d}`);
      return d;
    }
    case 'fillna': {
      const d = exprDtype(e.arg, dtypes);
      if (d === 'string' || d === 'bool' || d === 'category') throw new TypeError(`fillna: a number for a ${d} column is not accepted (accepted: int64, Int64, float64, datetime columns)`);
      if (d === 'Int64' && !Number.isInteger(e.value) && typeof e.value !== 'bigint')
        throw new TypeError(`fillna: ${e.value} is not an integer; an Int64 column takes integers (as pandas: cannot safely cast)`);
      return d;
    }
    case 'where': {
      if (sub(e.cond) !== 'bool') throw new TypeError(`where: cond must be a bool Series (a mask), got ${sub(e.cond)}`);
      const a = sub(e.x);
      const b = sub(e.other);
      if (a === 'string' || b === 'string' || a === 'category' || b === 'category') throw new TypeError('where: string columns are not built yet (accepted: int64, float64, datetime)');
      if (a === 'bool' || b === 'bool') throw new TypeError('where: bool values would make an object column in pandas; astype first');
      if (a === 'datetime' || b === 'datetime') {
        if ((a !== 'datetime' && e.x.kind !== 'lit') || (b !== 'datetime' && e.other.kind !== 'lit'))
          throw new TypeError('where: datetime values with numbers would make an object column in pandas');
        return 'datetime';
      }
      if (a === 'Int64' || b === 'Int64') {
        // pandas: an Int64 where with integers (or <NA> as the default other) stays Int64
        const int = (d: LType, x: Expr): boolean => d === 'Int64' || INTLIKE(d) || isNaNLit(x);
        return int(a, e.x) && int(b, e.other) ? 'Int64' : 'float64';
      }
      return INTLIKE(a) && INTLIKE(b) ? 'int64' : 'float64';
    }
    case 'astype': {
      const d = exprDtype(e.arg, dtypes);
      if (d === 'string' || d === 'datetime' || d === 'category') throw new TypeError(`astype: from ${d} is not built yet (accepted: int64, Int64, float64, bool)`);
      return e.dtype;
    }
    case 'str': {
      const d = exprDtype(e.arg, dtypes);
      if (d !== 'string' && d !== 'category') throw new TypeError(`.str.${e.op}: needs a string column, got ${d}`);
      if (e.op === 'map' && (e.map!.op === 'category' || (e.map!.op === 'lookup' && d === 'category'))) return 'category';
      // len of a column with missing values is float64 and a predicate's an object column in
      // pandas: the data decides at compute time (as for x // 0)
      if (e.op === 'map') return e.map!.op === 'splitlen' ? 'int64' : 'string';
      return e.op === 'lower' || e.op === 'upper' ? 'string' : e.op === 'len' ? 'int64' : 'bool';
    }
    case 'format': {
      const d = exprDtype(e.arg, dtypes);
      if (e.to === 'datetime') {
        if (d === 'timedelta') throw new TypeError("astype('datetime'): a timedelta column cannot be cast to datetime (pandas: Cannot cast TimedeltaArray to dtype datetime64[ns]); accepted: string, category, int64, Int64, float64, bool");
        return 'datetime';
      }
      if (d === 'timedelta') throw new TypeError("astype('string'): from timedelta is not built yet (accepted: int64, Int64, float64, bool, datetime, string, category)");
      return 'string';
    }
    case 'lookup': {
      const d = exprDtype(e.arg, dtypes);
      if (d === 'timedelta') throw new TypeError('map(mapping): a timedelta column is not accepted (accepted: int64, Int64, float64, bool, datetime, string, category)');
      // a number result is int64 when every row matched integers, else float64 (the data decides at compute time)
      const t = e.table;
      if (t.kind === 'string' && d === 'category' && t.injective) return 'category';
      return t.kind === 'string' ? 'string' : t.kind === 'bool' ? 'bool' : t.kind === 'number' && t.integers ? 'int64' : 'float64';
    }
    case 'dt': {
      const d = exprDtype(e.arg, dtypes);
      if (e.field === 'totalSeconds' || e.field === 'days') {
        if (d !== 'timedelta') throw new TypeError(`.dt.${e.field}: needs a timedelta column (a difference of datetimes), got ${d}`);
        return e.field === 'days' ? 'int64' : 'float64';
      }
      if (d !== 'datetime') throw new TypeError(`.dt.${e.field}: needs a datetime column (readCsv's parseDates), got ${d}`);
      if (e.field === 'floor' || e.field === 'ceil' || e.field === 'round' || e.field === 'date') return 'datetime';
      if (DT_BOOL.has(e.field)) return 'bool';
      // pandas: int64 without missing values, float64 with them (decided at compute time)
      return 'int64';
    }
  }
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A .str operation over each partition's dictionary (per distinct string, not per row). */
/** Python's str ordering: by code point (JS's < compares UTF-16 units, which puts U+E000–U+FFFF after astral characters). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate (an astral character) ranks above every BMP unit when the other is not one
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const COMPARE: Record<CompareOp, (c: number) => boolean> = {
  eq: (c) => c === 0, ne: (c) => c !== 0, lt: (c) => c < 0, le: (c) => c <= 0, gt: (c) => c > 0, ge: (c) => c >= 0,
};

/** A string compared with a string (pandas' object ==, <, …) or tested for membership (isin): bool, a missing value false (true for ne, and for isin when a missing value is listed). */
function strTestColumn(e: Extract<Expr, { kind: 'str' }>, c: Column): Column {
  const dict = c.dict!;
  const codes = c.values as Int32Array;
  let hit: boolean[];
  let onMissing: boolean;
  if (e.op === 'compare') {
    const test = COMPARE[e.cmp!];
    hit = Array.from({ length: dict.size }, (_, k) => test(compareCodePoints(dict.get(k), e.pat!)));
    onMissing = e.cmp === 'ne';
  } else {
    const set = new Set(e.values);
    hit = Array.from({ length: dict.size }, (_, k) => set.has(dict.get(k)));
    onMissing = e.missingIn === true;
  }
  return { dtype: 'bool', values: Uint8Array.from(codes, (k) => (k < 0 ? (onMissing ? 1 : 0) : hit[k] ? 1 : 0)) };
}

function strColumns(e: Extract<Expr, { kind: 'str' }>, args: readonly Column[]): Column[] {
  if (e.op === 'compare' || e.op === 'isin') return args.map((c) => strTestColumn(e, c));
  let test: ((s: string) => boolean) | undefined;
  if (e.op === 'contains') {
    const pat = e.pat!;
    if (e.regex ?? true) {
      const re = new RegExp(pat, e.caseSensitive === false ? 'iu' : 'u');
      test = (s) => re.test(s);
    } else if (e.caseSensitive === false) {
      const p = pat.toLowerCase();
      test = (s) => s.toLowerCase().includes(p);
    } else test = (s) => s.includes(pat);
  } else if (e.op === 'startswith') test = (s) => s.startsWith(e.pat!);
  else if (e.op === 'endswith') test = (s) => s.endsWith(e.pat!);
  return args.map((c) => {
    const dict = c.dict!;
    const codes = c.values as Int32Array;
    const entries = Array.from({ length: dict.size }, (_, k) => dict.get(k));
    if (e.op === 'lower' || e.op === 'upper') {
      const mapped = entries.map((s) => (e.op === 'lower' ? s.toLowerCase() : s.toUpperCase()));
      return { dtype: 'string', values: codes, dict: StringDict.fromStrings(mapped) };
    }
    if (e.op === 'map') return mapColumn(e.map!, codes, entries, dict, c.dtype);
    const missing = codes.some((k) => k < 0);
    if (e.op === 'len') {
      const lens = entries.map(codePoints);
      if (missing) return { dtype: 'float64', values: Float64Array.from(codes, (k) => (k < 0 ? NaN : lens[k]!)) };
      return { dtype: 'int64', values: BigInt64Array.from(codes, (k) => BigInt(lens[k]!)) };
    }
    const hit = entries.map((s) => test!(s));
    if (missing && e.na === undefined) {
      // pandas: an object column of True/False/NaN
      return { dtype: 'string', values: Int32Array.from(codes, (k) => (k < 0 ? -1 : hit[k] ? 1 : 0)), dict: StringDict.fromStrings(['False', 'True']) };
    }
    return { dtype: 'bool', values: Uint8Array.from(codes, (k) => (k < 0 ? (e.na ? 1 : 0) : hit[k] ? 1 : 0)) };
  });
}

/** A mapping .str operation (strings.ts) over a partition's dictionary: strings (null: missing) or counts. */
function mapColumn(m: StrMap, codes: Int32Array, entries: string[], dict: StringDict, from: DType): Column {
  if (m.op === 'category') return { dtype: 'category', values: codes, dict };
  // replace keeps a category column's dtype (pandas renames its categories)
  if (m.op === 'lookup') return { dtype: from === 'category' ? 'category' : 'string', values: codes, dict: StringDict.fromStrings(entries.map((s) => mapString(s, m) as string)) };
  const mapped = entries.map((s) => mapString(s, m));
  if (m.op === 'splitlen') {
    if (codes.some((k) => k < 0)) return { dtype: 'float64', values: Float64Array.from(codes, (k) => (k < 0 ? NaN : (mapped[k] as number))) };
    return { dtype: 'int64', values: BigInt64Array.from(codes, (k) => BigInt(mapped[k] as number)) };
  }
  const strings = mapped.map((x) => (x === null ? '' : (x as string)));
  const values = mapped.some((x) => x === null) ? Int32Array.from(codes, (k) => (k < 0 || mapped[k] === null ? -1 : k)) : codes;
  return { dtype: 'string', values, dict: StringDict.fromStrings(strings) };
}

const DAY_MS = 86_400_000;

/**
 * A .dt field of datetimes (float64 ms since the epoch, UTC as the parser reads them; NaN is
 * NaT) as an engine expression of the existing elementwise ops, so it fuses with the rest of
 * the plan: the civil date by H. Hinnant's civil_from_days in float64 arithmetic (floorDivide and
 * mod are NumPy's floored ones, exact on integers below 2^53). Integer fields come back float64
 * (NaN at NaT: the caller casts to int64 when there is none); bools are False at NaT.
 */
function dtValues(field: DtField, x: NDArray, freq?: number): NDArray {
  const f64 = (b: NDArray): NDArray => b.astype('float64');
  let dayMemo: NDArray | undefined;
  const day = (): NDArray => (dayMemo ??= x.floorDivide(DAY_MS));
  const msOfDay = (): NDArray => x.sub(day().mul(DAY_MS));
  let civilMemo: { y: NDArray; m: NDArray; d: NDArray; doy: NDArray } | undefined;
  const civil = (): { y: NDArray; m: NDArray; d: NDArray; doy: NDArray } => {
    if (civilMemo) return civilMemo;
    const z = day().add(719468);
    const era = z.floorDivide(146097);
    const doe = z.sub(era.mul(146097));
    const yoe = doe.sub(doe.floorDivide(1460)).add(doe.floorDivide(36524)).sub(doe.floorDivide(146096)).floorDivide(365);
    // the day of a year that starts on March 1 (0 … 365)
    const doy = doe.sub(yoe.mul(365).add(yoe.floorDivide(4)).sub(yoe.floorDivide(100)));
    const mp = doy.mul(5).add(2).floorDivide(153);
    const d = doy.sub(mp.mul(153).add(2).floorDivide(5)).add(1);
    const m = whereArrays(mp.lt(10), mp.add(3), mp.sub(9));
    const y = yoe.add(era.mul(400)).add(f64(m.le(2)));
    return (civilMemo = { y, m, d, doy });
  };
  const leap = (y: NDArray): NDArray => y.mod(4).eq(0).logicalAnd(y.mod(100).ne(0)).logicalOr(y.mod(400).eq(0));
  // 28/29 for February, else 30 + (m + (m ≥ 8)) mod 2
  const monthDays = (y: NDArray, m: NDArray): NDArray => whereArrays(m.eq(2), f64(leap(y)).add(28), m.add(f64(m.ge(8))).mod(2).add(30));
  const present = (b: NDArray): NDArray => b.logicalAnd(x.isnan().logicalNot());
  switch (field) {
    case 'floor': return x.div(freq!).floor().mul(freq!);
    case 'ceil': return x.div(freq!).ceil().mul(freq!);
    // pandas' Timestamp.round: halves to the even multiple
    case 'round': return x.div(freq!).rint().mul(freq!);
    case 'date': return day().mul(DAY_MS);
    case 'totalSeconds': return x.div(1000);
    case 'days': return day(); // floored (pandas' Timedelta.days: -1 for −1 h)
    case 'year': return civil().y;
    case 'month': return civil().m;
    case 'day': return civil().d;
    case 'hour': return msOfDay().floorDivide(3_600_000);
    case 'minute': return msOfDay().floorDivide(60_000).mod(60);
    case 'second': return msOfDay().floorDivide(1000).mod(60);
    case 'microsecond': return msOfDay().mod(1000).mul(1000);
    case 'dayofweek': return day().add(3).mod(7); // 1970-01-01 was a Thursday; pandas: Monday = 0
    case 'dayofyear': {
      const { y, m, doy } = civil();
      return whereArrays(m.le(2), doy.sub(305), doy.add(60).add(f64(leap(y))));
    }
    case 'quarter': return civil().m.sub(1).floorDivide(3).add(1);
    case 'daysInMonth': { const { y, m } = civil(); return monthDays(y, m); }
    case 'isMonthStart': return present(civil().d.eq(1));
    case 'isMonthEnd': { const { y, m, d } = civil(); return present(d.eq(monthDays(y, m))); }
    case 'isQuarterStart': { const { m, d } = civil(); return present(d.eq(1).logicalAnd(m.mod(3).eq(1))); }
    case 'isQuarterEnd': { const { y, m, d } = civil(); return present(m.mod(3).eq(0).logicalAnd(d.eq(monthDays(y, m)))); }
    case 'isYearStart': { const { m, d } = civil(); return present(m.eq(1).logicalAnd(d.eq(1))); }
    case 'isYearEnd': { const { m, d } = civil(); return present(m.eq(12).logicalAnd(d.eq(31))); }
    case 'isLeapYear': return present(leap(civil().y));
    default: throw new TypeError(`.dt.${field as string}: not a field`);
  }
}

/** The values of a column looked up (Series.map): per row the mapped value, undefined where unmatched or missing. */
function lookupValues(t: Lookup, c: Column): (MapValue | undefined)[] {
  const n = c.values.length;
  const out = new Array<MapValue | undefined>(n);
  if (c.dtype === 'string' || c.dtype === 'category') {
    const dict = c.dict!;
    const codes = c.values as Int32Array;
    // once per dictionary entry, not per row
    const mapped = Array.from({ length: dict.size }, (_, k) => t.entries.get(lookupKey(dict.get(k))));
    // pandas maps a category column's categories: its missing values stay missing
    const onMissing = c.dtype === 'category' ? undefined : t.onMissing;
    for (let i = 0; i < n; i++) out[i] = codes[i]! < 0 ? onMissing : mapped[codes[i]!];
    return out;
  }
  // once per distinct value (a Map keys numbers by SameValueZero: 0 and -0 are one, as lookupKey's)
  const memo = new Map<number | bigint, MapValue | undefined>();
  for (let i = 0; i < n; i++) {
    const v = c.values[i]!;
    if (c.valid && !c.valid[i]) out[i] = t.onMissing;
    else if (typeof v === 'number' && Number.isNaN(v)) out[i] = t.onMissing;
    else {
      if (!memo.has(v)) memo.set(v, t.entries.get(c.dtype === 'datetime' ? `d:${v}` : c.dtype === 'bool' ? `b:${v}` : lookupKey(v)));
      out[i] = memo.get(v);
    }
  }
  return out;
}

/** Series.map over partition columns, dtypes as pandas (int64 / bool only when every row matched). */
function lookupColumns(e: Extract<Expr, { kind: 'lookup' }>, args: readonly Column[]): Column[] {
  const t = e.table;
  return args.map((c) => {
    const vals = lookupValues(t, c);
    const all = vals.every((v) => v !== undefined && v !== null);
    if (t.kind === 'string') {
      // a category column whose categories all map to distinct strings stays category (pandas' Categorical.map)
      const category = c.dtype === 'category' && t.injective && vals.every((v, i) => (v !== undefined && v !== null) || (c.values as Int32Array)[i]! < 0);
      const strings: string[] = [];
      const code = new Map<string, number>();
      const values = Int32Array.from(vals, (v) => {
        if (typeof v !== 'string') return -1;
        let k = code.get(v);
        if (k === undefined) code.set(v, (k = strings.push(v) - 1));
        return k;
      });
      return { dtype: category ? 'category' : 'string', values, dict: StringDict.fromStrings(strings) };
    }
    if (t.kind === 'bool') {
      if (all) return { dtype: 'bool', values: Uint8Array.from(vals, (v) => (v ? 1 : 0)) };
      // pandas: an object column of True/False/NaN
      return { dtype: 'string', values: Int32Array.from(vals, (v) => (v === undefined || v === null ? -1 : v ? 1 : 0)), dict: StringDict.fromStrings(['False', 'True']) };
    }
    if (t.kind === 'number' && t.integers && all) return { dtype: 'int64', values: BigInt64Array.from(vals, (v) => BigInt(v as number | bigint)) };
    return { dtype: 'float64', values: Float64Array.from(vals, (v) => (v === undefined || v === null ? NaN : Number(v))) };
  });
}

/** Per-partition columns of a JS-evaluated node (.str / map), or undefined for engine nodes (.dt is one). */
function hostColumns(e: Expr, parts: readonly Partition[]): Column[] | undefined {
  if (e.kind !== 'str' && e.kind !== 'lookup' && e.kind !== 'format') return undefined;
  const args = hostColumns(e.arg, parts) ?? parts.map((p) => {
    if (e.arg.kind !== 'col') throw new TypeError(`.${e.kind}: needs a column or a .${e.kind} result`);
    return p.columns.get(e.arg.name)!;
  });
  if (e.kind === 'format') return args.map(e.to === 'string' ? formatColumn : parseDatetimes);
  return e.kind === 'str' ? strColumns(e, args) : lookupColumns(e, args);
}

/** Python's repr of a float (what str() and pandas' astype('string') write): shortest round-trip digits, positional for exponents −4 … 15. */
export function pythonFloat(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [m, ex] = x.toExponential().split('e') as [string, string];
  const exp = Number(ex);
  if (exp < -4 || exp >= 16) return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const neg = m.startsWith('-');
  const digits = m.replace('-', '').replace('.', '');
  const s = exp < 0 ? `0.${'0'.repeat(-exp - 1)}${digits}` : digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : `${digits.padEnd(exp + 1, '0')}.0`;
  return neg ? `-${s}` : s;
}

/** A datetime (ms) as pandas prints a Timestamp: 'YYYY-MM-DD HH:MM:SS', '.fff' when it has milliseconds. */
function timestampText(ms: number): string {
  const iso = new Date(ms).toISOString();  // 2000-01-01T10:00:00.000Z
  const t = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms % 1000 === 0 ? t : `${t}${iso.slice(19, 23)}`;
}

/**
 * Strings as datetimes (astype('datetime')): each distinct string parsed once by the CSV reader's
 * date parser (the forms parseDates reads: ISO, `Jan 1 2000`, `2015/01/01 01:00:00`,
 * `01/02/2003`, …); missing strings and pd.to_datetime's NaT strings ('', 'NaT', 'nan', …) are
 * NaT; a string it cannot read is a RangeError naming it.
 */
function parseDatetimes(c: Column): Column {
  if (c.dtype === 'datetime') return c;
  if (c.dtype !== 'string' && c.dtype !== 'category') return nanosecondsAsDatetimes(c);
  const dict = c.dict!;
  const ms = new Float64Array(dict.size).fill(NaN);
  // pd.to_datetime's NaT strings; the rest through the parser, one quoted field a line
  const todo = Array.from({ length: dict.size }, (_, k) => k).filter((k) => !NAT_STRINGS.has(dict.get(k)));
  if (todo.length) {
    const text = todo.map((k) => `"${dict.get(k).replaceAll('"', '""')}"\n`).join('');
    const r = dfNative().dfParseCsv(new TextEncoder().encode(text), { names: ['value'], types: [ColType.Datetime], skipHeader: false });
    if (!r.ok) {
      const bad = r.errorLine !== undefined && r.errorLine >= 1 && r.errorLine <= todo.length ? ` ${JSON.stringify(dict.get(todo[r.errorLine - 1]!))}` : '';
      throw new RangeError(`astype('datetime'): cannot read${bad} as a date (${r.error}); accepted: the forms readCsv's parseDates reads`);
    }
    const got = new Float64Array(r.columns![0]!.data);
    todo.forEach((k, j) => (ms[k] = got[j]!));
  }
  return { dtype: 'datetime', values: Float64Array.from(c.values as Int32Array, (k) => (k < 0 ? NaN : ms[k]!)) };
}

/**
 * Numbers as datetimes (astype('datetime') of int64, Int64, float64, bool): nanoseconds since the
 * epoch, as pandas' astype('datetime64[ns]') (floats truncated to whole nanoseconds; NaN and <NA>
 * are NaT). tessera's datetimes hold milliseconds, so a value that is not a whole millisecond is
 * a RangeError naming it rather than a rounded date; so is one outside pandas' datetime64[ns]
 * range.
 */
function nanosecondsAsDatetimes(c: Column): Column {
  const n = columnLength(c);
  const out = new Float64Array(n);
  const valid = c.dtype === 'Int64' ? c.valid : undefined;
  const MS = 1_000_000n;
  const MAX = 9_223_372_036_854_775_807n;
  const fail = (v: bigint | number, why: string): never => {
    throw new RangeError(`astype('datetime'): ${v} nanoseconds since the epoch ${why}; accepted: whole milliseconds (multiples of 1000000) within datetime64[ns]'s range`);
  };
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) {
      out[i] = NaN;
      continue;
    }
    let ns: bigint;
    if (c.dtype === 'float64') {
      const f = (c.values as Float64Array)[i]!;
      if (Number.isNaN(f)) {
        out[i] = NaN;
        continue;
      }
      if (!Number.isFinite(f) || Math.abs(f) >= 9.223372036854775807e18) fail(f, 'is outside datetime64[ns]');
      ns = BigInt(Math.trunc(f));
    } else if (c.dtype === 'bool') ns = BigInt((c.values as Uint8Array)[i]!);
    else ns = (c.values as BigInt64Array)[i]!;
    // pandas' int64 minimum is NaT itself
    if (ns === -MAX - 1n) {
      out[i] = NaN;
      continue;
    }
    if (ns % MS !== 0n) fail(ns, 'is not a whole millisecond (tessera keeps milliseconds)');
    out[i] = Number(ns / MS);
  }
  return { dtype: 'datetime', values: out };
}

const NAT_STRINGS = new Set(['', 'NaT', 'nat', 'NAT', 'nan', 'NaN', 'NAN']);

/** A column as strings (astype('string')): each distinct value formatted once; missing stays missing. */
function formatColumn(c: Column): Column {
  if (c.dtype === 'string' || c.dtype === 'category') return { dtype: 'string', values: c.values, dict: c.dict! };
  if (c.dtype === 'bool') return { dtype: 'string', values: Int32Array.from(c.values as Uint8Array), dict: StringDict.fromStrings(['False', 'True']) };
  const strings: string[] = [];
  const codes = new Map<number | bigint | string, number>();
  const n = c.values.length;
  const out = new Int32Array(n);
  const text = c.dtype === 'datetime' ? (v: number | bigint) => timestampText(v as number) : c.dtype === 'float64' ? (v: number | bigint) => pythonFloat(v as number) : (v: number | bigint) => String(v);
  for (let i = 0; i < n; i++) {
    const v = c.values[i]!;
    if ((c.valid && !c.valid[i]) || (typeof v === 'number' && Number.isNaN(v))) {
      out[i] = -1;
      continue;
    }
    // -0 and 0 are one Map key but two texts
    const key = typeof v === 'number' && Object.is(v, -0) ? '-0' : v;
    let k = codes.get(key);
    if (k === undefined) codes.set(key, (k = strings.push(text(v)) - 1));
    out[i] = k;
  }
  return { dtype: 'string', values: out, dict: StringDict.fromStrings(strings) };
}

/**
 * A partition's column as a memory leaf of the engine, without a copy: int64 as int64, bool as
 * bool, strings as their int32 codes (−1 = missing; only isna/notna read them), the rest float64.
 */
function leaf(c: Column, bool = false): NDArray {
  // a bool column whose partition had missing values holds 'True'/'False' strings (pandas'
  // object bools): 1/0/NaN in the engine, never its dictionary codes
  const values = bool && c.dtype === 'string' ? boolTextToFloat(c) : c.values;
  return memoryArray(values, [values.length], [1], 0, undefined) as NDArray;
}

type Value = NDArray | number | bigint;

const ENGINE_ARITH: Record<ArithOp, 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'mod' | 'floorDivide'> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', pow: 'pow', mod: 'mod', floordiv: 'floorDivide',
};

const ASTYPE_INT_ERROR = 'astype(int64): cannot convert a missing or infinite value to an integer (as pandas); fillna or dropna first';
const NEGATIVE_POWER_ERROR = 'pow: integers to negative integer powers are not allowed (as NumPy and pandas); astype(float64) first';
const NON_INTEGER_ERROR = "astype('Int64'): cannot safely cast non-equivalent float64 to int64 (as pandas): a value is not an integer";
const isInt = (v: Value): boolean => (typeof v === 'object' ? v.dtype === 'int64' : typeof v === 'bigint' || Number.isInteger(v));

class Builder {
  private readonly leaves = new Map<string, NDArray>();
  /** 0-d bool arrays computed with the plan that must be true, and the RangeError when one is not. */
  readonly checks: { test: NDArray; error: string }[] = [];
  /**
   * The pre-pass's data-dependent nodes: int64 floordiv/mod with a column divisor (its "has a
   * zero" reduction) and integer .dt fields (the argument's "has a NaT").
   */
  readonly zeroTests = new Map<Expr, NDArray>();
  constructor(
    private readonly parts: readonly Partition[],
    private readonly dtypes: ReadonlyMap<string, DType>,
    /** The int64 floordiv/mod nodes whose divisor column holds a zero and the .dt fields of an argument with a NaT (pandas then gives float64). */
    private readonly zeroDivisors: ReadonlySet<Expr> = new Set(),
  ) {}

  /**
   * int64 `//` and `%` as pandas: exact int64 unless the divisor is 0 somewhere, which makes the
   * column float64 with ±inf (NaN for 0 // 0) for `//` and NaN for `%` there, the other rows the
   * int64 results converted (pandas' fill_zeros). A column divisor's zeros are known from the
   * pre-pass (zeroTests, evaluated first).
   */
  private intDivision(e: Extract<Expr, { kind: 'arith' }>, a: Value, b: Value): Value {
    const op = ENGINE_ARITH[e.op];
    if (typeof b !== 'object') {
      if (Number(b) !== 0) return (a as NDArray)[op](b);
      const af = (a as NDArray).astype('float64');
      return e.op === 'mod' ? af.mul(NaN) : af.floorDivide(0);
    }
    if (!this.zeroDivisors.has(e)) {
      if (!this.zeroTests.has(e)) this.zeroTests.set(e, b.eq(0).any());
      return typeof a === 'object' ? a[op](b) : binaryNumberFirst(op, a, b);
    }
    const zero = b.eq(0);
    // the divisor 1 where it is 0: the int64 kernel never divides by zero
    const safe = whereArrays(zero, 1, b) as NDArray;
    const r = (typeof a === 'object' ? a[op](safe) : binaryNumberFirst(op, a, safe)).astype('float64');
    const af = typeof a === 'object' ? a.astype('float64') : Number(a);
    const fill = e.op === 'mod' ? NaN : typeof af === 'number' ? binaryNumberFirst('floorDivide', af, zero.astype('float64').mul(0)) : af.floorDivide(0);
    return whereArrays(zero, fill, r);
  }

  /**
   * A .dt field in the engine: datetimes and bool fields as they are; an integer field int64
   * when the argument has no NaT in the batch, float64 with NaN where it has (pandas; the NaT
   * test is a pre-pass like the zero divisors').
   */
  private dt(e: Extract<Expr, { kind: 'dt' }>): NDArray {
    const x = this.build(e.arg);
    if (typeof x !== 'object') throw new TypeError(`.dt.${e.field}: needs a datetime Series`);
    const xf = x.dtype === 'float64' ? x : x.astype('float64');
    const r = dtValues(e.field, xf, e.freq);
    const d = exprDtype(e, this.dtypes);
    if (d !== 'int64') return r;
    if (this.zeroDivisors.has(e)) return r;
    if (!this.zeroTests.has(e)) this.zeroTests.set(e, xf.isnan().any());
    return r.astype('int64');
  }

  column(name: string): NDArray {
    return this.leafOf(name, false);
  }

  /** The column's values (or, `mask`, a nullable column's validity) over the batch as one engine array. */
  private leafOf(name: string, mask: boolean): NDArray {
    const key = mask ? `\u0000valid:${name}` : name;
    let a = this.leaves.get(key);
    if (!a) {
      const pieces = this.parts.filter((p) => p.length > 0).map((p) => {
        const c = p.columns.get(name);
        if (!c) throw new Error(`internal: column ${JSON.stringify(name)} not loaded`);
        if (mask && !c.valid) throw new Error(`internal: column ${JSON.stringify(name)} has no validity mask`);
        if (mask) return memoryArray(c.valid!, [c.valid!.length], [1], 0, undefined) as NDArray;
        return leaf(c, this.dtypes.get(name) === 'bool');
      });
      a = pieces.length === 1 ? pieces[0]! : concatenate(pieces);
      this.leaves.set(key, a);
    }
    return a;
  }

  private readonly validities = new Map<Expr, NDArray | undefined>();
  /**
   * Where a nullable (Int64) expression is present, as a bool engine array (undefined: everywhere,
   * or not nullable): pandas' masked arrays, whose masks combine by `and` through arithmetic.
   */
  validity(e: Expr): NDArray | undefined {
    if (this.validities.has(e)) return this.validities.get(e);
    let v: NDArray | undefined;
    if (exprDtype(e, this.dtypes) === 'Int64') {
      switch (e.kind) {
        case 'col': v = this.leafOf(e.name, true); break;
        case 'arith': v = this.argValidity(e.args); break;
        case 'neg': case 'abs': case 'round': case 'clip': v = this.validity(e.arg); break;
        case 'astype': {
          const from = exprDtype(e.arg, this.dtypes);
          v = from === 'float64' ? (this.build(e.arg) as NDArray).isnan().logicalNot() : this.validity(e.arg);
          break;
        }
        case 'where': {
          // x where cond holds, else other (the NaN literal: missing)
          const c = this.build(e.cond) as NDArray;
          const vx = this.validity(e.x);
          const vo = isNaNLit(e.other) ? false : this.validity(e.other);
          if (vx === undefined && vo === undefined) break;
          const left = vx ? c.logicalAnd(vx) : c;
          v = vo === false ? left : left.logicalOr(vo ? c.logicalNot().logicalAnd(vo) : c.logicalNot());
          break;
        }
        default: break; // fillna: everywhere
      }
    }
    this.validities.set(e, v);
    return v;
  }
  /** A comparison over nullable operands: False where one is <NA> (pandas gives its nullable boolean <NA>). */
  private maskFalse(args: readonly Expr[], r: NDArray): NDArray {
    const m = this.argValidity(args);
    return m ? r.logicalAnd(m) : r;
  }

  /** astype to or from Int64, with pandas' checks (an error naming the value kind, after the plan). */
  private nullableCast(e: Extract<Expr, { kind: 'astype' }>, from: DType): Value {
    const v = this.build(e.arg);
    if (typeof v !== 'object') return e.dtype === 'float64' ? Number(v) : e.dtype === 'bool' ? (v ? 1 : 0) : typeof v === 'bigint' ? v : Math.trunc(v);
    if (e.dtype === 'Int64') {
      if (from === 'Int64' || from === 'int64') return v;
      if (from === 'bool') return v.astype('int64');
      // float64: NaN is <NA>; anything else must be an integer (pandas: cannot safely cast non-equivalent float64)
      const nan = v.isnan();
      this.checks.push({ test: nan.logicalOr(v.isfinite().logicalAnd(v.trunc().eq(v))).all(), error: NON_INTEGER_ERROR });
      return (whereArrays(nan, 0, v) as NDArray).astype('int64');
    }
    // from Int64
    const valid = this.validity(e.arg);
    if (e.dtype === 'float64') return valid ? whereArrays(valid, v.astype('float64'), NaN) : v.astype('float64');
    if (valid) this.checks.push({ test: valid.all(), error: `astype(${e.dtype}): cannot convert <NA> to ${e.dtype === 'bool' ? 'a bool' : 'an integer'} (as pandas); fillna or dropna first` });
    return e.dtype === 'bool' ? v.ne(0) : v;
  }

  private argValidity(args: readonly Expr[]): NDArray | undefined {
    let v: NDArray | undefined;
    for (const a of args) {
      const m = this.validity(a);
      if (m) v = v ? v.logicalAnd(m) : m;
    }
    return v;
  }
  /** A nullable operand as float64 with NaN for <NA> (pandas' Float64 results, float64 here). */
  private asFloat(x: Expr): Value {
    const v = this.build(x);
    const m = this.validity(x);
    if (typeof v !== 'object' || !m) return v;
    return whereArrays(m, v.astype('float64'), NaN);
  }

  private readonly built = new Map<Expr, Value>();
  /**
   * The engine value of `e`; bool operands of arithmetic are cast to int64 (pandas' bool arithmetic
   * is integer). A nullable (Int64) expression's values mean nothing where validity() is false;
   * an expression of another dtype over nullable operands has NaN there (float) or False (bool).
   */
  build(e: Expr): Value {
    let v = this.built.get(e);
    if (v === undefined) {
      v = this.compute(e);
      this.built.set(e, v);
    }
    return v;
  }

  private compute(e: Expr): Value {
    const host = hostColumns(e, this.parts);
    if (host) {
      // a .str / .dt result read by the engine: a leaf like any column
      const bool = exprDtype(e, this.dtypes) === 'bool';
      const pieces = this.parts.map((p, i) => [p, host[i]!] as const).filter(([p]) => p.length > 0).map(([, c]) => leaf(c, bool));
      return pieces.length === 1 ? pieces[0]! : concatenate(pieces);
    }
    const num = (x: Expr): Value => {
      const v = this.build(x);
      return typeof v === 'object' && v.dtype === 'bool' ? v.astype('int64') : v;
    };
    switch (e.kind) {
      case 'col': return this.column(e.name);
      case 'lit': return e.value;
      case 'arith': {
        const nullable = this.argValidity(e.args);
        if (nullable && exprDtype(e, this.dtypes) === 'float64') {
          // Int64 / x, Int64 with floats: pandas' Float64, NaN for <NA> here
          const [a, b] = [this.asFloat(e.args[0]), this.asFloat(e.args[1])];
          const op = ENGINE_ARITH[e.op];
          const fa = typeof a === 'object' ? a.astype('float64') : Number(a);
          return typeof fa === 'number' ? binaryNumberFirst(op, fa, b as NDArray) : fa[op](typeof b === 'bigint' ? Number(b) : b);
        }
        const [a, b] = [num(e.args[0]), num(e.args[1])];
        const op = ENGINE_ARITH[e.op];
        if (typeof a !== 'object' && typeof b !== 'object') throw new TypeError(`${e.op}: needs a Series operand (got two numbers)`);
        // pandas' masked integers divide by 0 as NumPy's integers do (0), no float64 column
        if ((e.op === 'floordiv' || e.op === 'mod') && isInt(a) && isInt(b) && !nullable) return this.intDivision(e, a, b);
        if (e.op === 'pow' && isInt(a) && isInt(b)) {
          // NumPy and pandas: integers to negative integer powers are an error, not 0
          if (typeof b === 'object') this.checks.push({ test: b.ge(0).all(), error: NEGATIVE_POWER_ERROR });
          else if (b < 0) throw new RangeError(NEGATIVE_POWER_ERROR);
        }
        if (typeof a !== 'object') return binaryNumberFirst(op, a, b as NDArray);
        return a[op](b);
      }
      case 'compare': {
        const [a, b] = [this.build(e.args[0]), this.build(e.args[1])];
        if (typeof a !== 'object' && typeof b !== 'object') throw new TypeError(`${e.op}: needs a Series operand (got two numbers)`);
        if (typeof a !== 'object') {
          const flip: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
          return this.maskFalse(e.args, (b as NDArray)[flip[e.op]](a));
        }
        return this.maskFalse(e.args, a[e.op](b));
      }
      case 'logical': {
        const [a, b] = [this.build(e.args[0]), this.build(e.args[1])] as [NDArray, NDArray];
        return e.op === 'and' ? a.logicalAnd(b) : e.op === 'or' ? a.logicalOr(b) : a.logicalXor(b);
      }
      case 'not': return (this.build(e.arg) as NDArray).logicalNot();
      case 'neg': return (this.build(e.arg) as NDArray).neg();
      case 'abs': return (this.build(e.arg) as NDArray).abs();
      case 'round': return (this.build(e.arg) as NDArray).round(e.decimals);
      case 'clip': return (this.build(e.arg) as NDArray).clip(e.lo, e.hi);
      case 'isna':
      case 'notna': {
        const d = exprDtype(e.arg, this.dtypes);
        const a = this.build(e.arg) as NDArray;
        const valid = this.validity(e.arg);
        if (d === 'Int64') return e.kind === 'notna' ? (valid ?? a.eq(a)) : valid ? valid.logicalNot() : a.ne(a);
        // strings: code −1; bool and int64: never missing; floats and datetimes: NaN
        const na = d === 'string' || d === 'category' ? a.lt(0) : a.dtype === 'bool' || a.dtype === 'int64' ? a.ne(a) : a.isnan();
        return e.kind === 'isna' ? na : na.logicalNot();
      }
      case 'fillna': {
        const a = this.build(e.arg) as NDArray;
        if (exprDtype(e.arg, this.dtypes) === 'Int64') {
          const valid = this.validity(e.arg);
          return valid ? whereArrays(valid, a, e.value) : a;
        }
        if (a.dtype === 'int64') return a; // never missing
        return whereArrays(a.isnan(), e.value, a);
      }
      case 'where': {
        const c = this.build(e.cond);
        if (exprDtype(e, this.dtypes) === 'Int64') {
          // values where present (validity() says where); 0 stands in for <NA>
          const other = isNaNLit(e.other) ? 0 : this.build(e.other);
          return whereArrays(c, this.build(e.x), other);
        }
        return whereArrays(c, this.asFloat(e.x), this.asFloat(e.other));
      }
      case 'astype': {
        const from = exprDtype(e.arg, this.dtypes);
        if (from === 'Int64' || e.dtype === 'Int64') return this.nullableCast(e, from);
        const v = num(e.arg);
        if (typeof v !== 'object') {
          if (typeof v === 'bigint') return e.dtype === 'bool' ? (v ? 1 : 0) : e.dtype === 'int64' ? v : Number(v);
          return e.dtype === 'bool' ? (v ? 1 : 0) : e.dtype === 'int64' ? Math.trunc(v) : v;
        }
        const a = v;
        if (e.dtype === 'bool') return a.dtype === 'int64' ? a.ne(0) : a.ne(0).logicalOr(a.isnan()); // NaN → True, as NumPy/pandas
        if (e.dtype === 'int64' && a.dtype !== 'int64') {
          // pandas: a missing or infinite value cannot become an integer (checked after the plan)
          this.checks.push({ test: a.isfinite().all(), error: ASTYPE_INT_ERROR });
          return a.astype('int64');
        }
        return a.dtype === e.dtype ? a : a.astype(e.dtype);
      }
      case 'dt': return this.dt(e);
      case 'str':
      case 'lookup':
      case 'format':
        throw new Error('internal: host columns are built above');
    }
  }
}

function binaryNumberFirst(op: (typeof ENGINE_ARITH)[ArithOp], a: number | bigint, b: NDArray): NDArray {
  // a ∘ b with a number first: commutative ops swap; the rest go through a full array of a
  switch (op) {
    case 'add': return b.add(a);
    case 'mul': return b.mul(a);
    default: {
      // an integer first operand of an int64 column is int64 (NumPy's weak scalar)
      const dtype = b.dtype === 'int64' && (typeof a === 'bigint' || Number.isInteger(a)) ? 'int64' : 'float64';
      return (full(b.shape, typeof a === 'bigint' && dtype === 'float64' ? Number(a) : a, { chunks: b.chunks, dtype }) as NDArray)[op](b);
    }
  }
}

/**
 * An engine result (one array over every row of the batch) as a column for partition rows
 * [start, end): the engine's dtype decides (an int64 expression is float64 where pandas makes it
 * so, e.g. `i // 0`), datetimes and timedeltas keep the expression's dtype.
 */
function toColumn(where: string, data: EngineData, dtype: DType, start: number, end: number): Column {
  const view = data.subarray(start, end);
  if (view instanceof Uint8Array) {
    if (dtype !== 'bool') throw new Error(`internal: ${where} gave a bool result for a ${dtype} column`);
    return { dtype, values: view };
  }
  if (view instanceof BigInt64Array) return { dtype: 'int64', values: view };
  if (dtype === 'bool' || dtype === 'string') throw new Error(`internal: ${where} gave a float result for a ${dtype} column`);
  return { dtype: dtype === 'datetime' || dtype === 'timedelta' ? dtype : 'float64', values: view };
}

type EngineData = Float64Array | BigInt64Array | Uint8Array;

/** One dtype over the partitions of a host result: int64 with float64 → float64, bool with string (pandas' object) → string. */
function unifyParts(cols: Column[]): Column[] {
  const types = new Set(cols.filter((c) => c.values.length > 0).map((c) => c.dtype));
  if (types.size < 2) return cols;
  if (types.has('string')) {
    // a category part (Series.map of a category column where every row matched) is a string column with the others
    const dict = StringDict.fromStrings(['False', 'True']);
    return cols.map((c) => (c.dtype === 'bool' ? { dtype: 'string', values: Int32Array.from(c.values as Uint8Array), dict } : c.dtype === 'category' ? { ...c, dtype: 'string' } : c));
  }
  return cols.map((c) => (c.dtype === 'int64' ? { dtype: 'float64', values: Float64Array.from(c.values as BigInt64Array, (v) => Number(v)) } : c));
}

/** A literal expression over n rows (no column to lower: filled here). */
function literalColumn(value: number | bigint, dtype: DType, n: number): Column {
  if (dtype === 'Int64') return { dtype, values: new BigInt64Array(n).fill(BigInt(value)), valid: new Uint8Array(n).fill(1) };
  if (typeof value === 'bigint') return { dtype: 'int64', values: new BigInt64Array(n).fill(value) };
  if (dtype === 'int64' && Number.isInteger(value)) return { dtype, values: new BigInt64Array(n).fill(BigInt(value)) };
  if (dtype === 'bool') return { dtype, values: new Uint8Array(n).fill(value ? 1 : 0) };
  return { dtype: dtype === 'datetime' ? 'datetime' : 'float64', values: new Float64Array(n).fill(value) };
}

interface HoistContext {
  parts: readonly Partition[];
  dtypes: ReadonlyMap<string, DType>;
  options: ComputeOptions;
  n: number;
}

/** `e` with the engine arguments of its .str / map nodes computed into columns of ctx.parts. */
async function hoist(e: Expr, ctx: HoistContext): Promise<Expr> {
  switch (e.kind) {
    case 'col':
    case 'lit':
      return e;
    case 'arith':
    case 'compare':
    case 'logical':
      return { ...e, args: [await hoist(e.args[0], ctx), await hoist(e.args[1], ctx)] } as Expr;
    case 'where':
      return { ...e, cond: await hoist(e.cond, ctx), x: await hoist(e.x, ctx), other: await hoist(e.other, ctx) };
    case 'str':
    case 'lookup':
    case 'format': {
      // a .dt argument is an engine expression: computed first as any other
      const arg = await hoist(e.arg, ctx);
      if (arg.kind === 'col' || arg.kind === 'str' || arg.kind === 'lookup' || arg.kind === 'format') return arg === e.arg ? e : ({ ...e, arg } as Expr);
      const name = `\u0000host${ctx.n++}`;
      const [cols] = await evaluate([arg], ctx.parts, ctx.dtypes, ctx.options);
      const dtypes = new Map(ctx.dtypes);
      dtypes.set(name, cols!.find((c) => c.values.length > 0)?.dtype ?? exprDtype(arg, ctx.dtypes));
      ctx.dtypes = dtypes;
      ctx.parts = ctx.parts.map((p, i) => ({ length: p.length, columns: new Map(p.columns).set(name, cols![i]!) }));
      return { ...e, arg: col(name) } as Expr;
    }
    default:
      return { ...e, arg: await hoist(e.arg, ctx) } as Expr;
  }
}

/**
 * The Builder for `exprs` over `parts`, after the pre-pass that finds which int64 floordiv/mod
 * column divisors hold a zero (pandas makes those results float64): one small plan, only when
 * there are such divisors.
 */
async function builderFor(exprs: readonly Expr[], parts: readonly Partition[], dtypes: ReadonlyMap<string, DType>, options: ComputeOptions): Promise<Builder> {
  const probe = new Builder(parts, dtypes);
  for (const e of exprs) probe.build(e);
  if (!probe.zeroTests.size) return probe;
  const tests = [...probe.zeroTests];
  const any = await computeArrays(tests.map(([, t]) => t), options);
  const zeroDivisors = new Set<Expr>();
  tests.forEach(([node], i) => any[i] && zeroDivisors.add(node));
  return zeroDivisors.size ? new Builder(parts, dtypes, zeroDivisors) : probe;
}

/**
 * `arrays` computed in one plan with the builder's checks (a RangeError when one fails); each
 * distinct array is one output (a validity shared by several results, e.g. a column's own mask
 * over concatenated partitions).
 */
async function computeChecked(b: Builder, arrays: readonly NDArray[], options: ComputeOptions): Promise<Computed[]> {
  const wanted = [...arrays, ...b.checks.map((c) => c.test)];
  const unique = [...new Set(wanted)];
  const computed = unique.length ? await computeArrays(unique, options) : [];
  const results = wanted.map((a) => computed[unique.indexOf(a)]!);
  const failed = b.checks.find((_, i) => !results[arrays.length + i]);
  if (failed) throw new RangeError(failed.error);
  return results.slice(0, arrays.length);
}

/**
 * Evaluates expressions over a batch of partitions in one engine plan: per expression, one
 * column per partition. `dtypes` gives the columns' dtypes; astype('int64') of a non-finite
 * value is a RangeError, as pandas'.
 */
export async function evaluate(
  exprs0: readonly Expr[],
  parts0: readonly Partition[],
  dtypes0: ReadonlyMap<string, DType>,
  options: ComputeOptions,
): Promise<Column[][]> {
  // .str / .dt of an engine expression ((b − a).dt.days): that expression is computed first
  const ctx: HoistContext = { parts: parts0, dtypes: dtypes0, options, n: 0 };
  const exprs: Expr[] = [];
  for (const e of exprs0) exprs.push(await hoist(e, ctx));
  const { parts, dtypes } = ctx;
  const out: Column[][] = exprs.map(() => []);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const outTypes = exprs.map((e) => exprDtype(e, dtypes));
  // .str / .dt at the top: columns computed on the host, not engine arrays
  // a string column itself (df.assign({ b: df.get('a') }), rename) passes through: the engine has no string values
  const host = exprs.map((e) => (e.kind === 'col' && (dtypes.get(e.name) === 'string' || dtypes.get(e.name) === 'category')
    ? parts.map((p) => p.columns.get(e.name)!) : hostColumns(e, parts)));
  const b = await builderFor(total ? exprs.filter((_, j) => !host[j]) : [], parts, dtypes, options);
  const values = total ? exprs.map((e, j) => (host[j] ? 0 : b.build(e))) : [];
  // a nullable result's validity is computed in the same plan
  const valids = total ? exprs.map((e, j) => (host[j] || outTypes[j] !== 'Int64' ? undefined : b.validity(e))) : [];
  const arrays = [...values.filter((v): v is NDArray => typeof v === 'object'), ...valids.filter((v): v is NDArray => v !== undefined)];
  const results = await computeChecked(b, arrays, options);
  let k = 0;
  let kv = values.filter((v) => typeof v === 'object').length;
  exprs.forEach((e, j) => {
    if (host[j]) {
      out[j] = unifyParts(host[j]!);
      return;
    }
    const v = values[j];
    const data = v !== undefined && typeof v === 'object' ? (results[k++] as { data: EngineData }).data : undefined;
    const valid = valids[j] ? (results[kv++] as { data: Uint8Array }).data : undefined;
    let at = 0;
    for (const p of parts) {
      if (data && outTypes[j] === 'Int64') {
        const values = data.subarray(at, at + p.length);
        if (!(values instanceof BigInt64Array)) throw new Error(`internal: an Int64 expression gave ${values.constructor.name}`);
        out[j]!.push({ dtype: 'Int64', values, valid: valid ? valid.subarray(at, at + p.length) : new Uint8Array(p.length).fill(1) });
      } else if (data) out[j]!.push(toColumn('evaluate', data, outTypes[j]!, at, at + p.length));
      else out[j]!.push(literalColumn(typeof v === 'number' || typeof v === 'bigint' ? v : e.kind === 'lit' ? e.value : 0, outTypes[j]!, p.length));
      at += p.length;
    }
  });
  return out;
}

/**
 * The exact sum, min or max of an int64 or Int64 expression over partitions in one engine plan
 * (the expression is not materialized: its kernels feed the engine's int64 reduction, NumPy's,
 * whose sum wraps on overflow as pandas'); <NA> of an Int64 expression is skipped (the
 * reduction's neutral value in its place). Undefined when the engine's result is not int64 (a
 * CSV column unified to float64, `//` by a zero) or the expression has .str/.dt parts: the caller
 * takes the float statistics. No values: sum 0, min/max NaN (pandas).
 */
export async function reduceInt64(parts: readonly Partition[], e: Expr, dtypes: ReadonlyMap<string, DType>, op: 'sum' | 'min' | 'max', options: ComputeOptions): Promise<bigint | number | undefined> {
  const live = parts.filter((p) => p.length > 0);
  if (hasHost(e)) return undefined;
  // the dtypes as read (a CSV column may have unified to float64)
  const read = new Map(dtypes);
  for (const [n, c] of live[0]?.columns ?? []) read.set(n, c.dtype);
  for (const n of exprColumns(e)) if (live.some((p) => p.columns.get(n)?.dtype !== read.get(n))) return undefined;
  const dtype = exprDtype(e, read);
  if (dtype !== 'int64' && dtype !== 'Int64') return undefined;
  if (!live.length) return op === 'sum' ? 0n : NaN;
  const b = await builderFor([e], live, read, options);
  const v = b.build(e);
  if (typeof v !== 'object' || v.dtype !== 'int64') return undefined;
  const valid = b.validity(e);
  if (!valid) return (await computeChecked(b, [v[op]()], options))[0] as bigint;
  const neutral = op === 'sum' ? 0n : op === 'min' ? 2n ** 63n - 1n : -(2n ** 63n);
  const [r, any] = await computeChecked(b, [(whereArrays(valid, v, neutral) as NDArray)[op](), valid.any()], options);
  return any || op === 'sum' ? (r as bigint) : NaN;
}

/** Does `e` have a .str or map part (computed on the host, not by one engine plan)? */
function hasHost(e: Expr): boolean {
  switch (e.kind) {
    case 'col': case 'lit': return false;
    case 'str': case 'lookup': case 'format': return true;
    case 'arith': case 'compare': case 'logical': return hasHost(e.args[0]) || hasHost(e.args[1]);
    case 'where': return hasHost(e.cond) || hasHost(e.x) || hasHost(e.other);
    default: return hasHost(e.arg);
  }
}

/** A partition's column (or, `mask`, its validity) as an engine leaf, without a copy. */
function partArray(p: Partition, name: string, mask = false): NDArray {
  const c = p.columns.get(name)!;
  return mask ? (memoryArray(c.valid!, [c.valid!.length], [1], 0, undefined) as NDArray) : leaf(c);
}

/**
 * pandas' Series.prod() of a numeric or bool column: int64 (Int64: <NA> as 1) by the engine's
 * product reduction per partition in one plan, the partitions' products multiplied here with
 * NumPy's int64 wrap-around (integer products do not depend on the order), bool as 0/1 (a
 * number). float64 stays a row-order loop here: NumPy's multiply.reduce multiplies in row order,
 * and the engine's reduction combines lanes and chunks, which differs in the last bits over
 * millions of values. 1 for no rows.
 */
export async function columnProd(parts: readonly Partition[], name: string, options: ComputeOptions): Promise<number | bigint> {
  const live = parts.filter((p) => p.length > 0);
  if (!live.length) return 1;
  const c = live[0]!.columns.get(name)!;
  if (c.values instanceof BigInt64Array || c.dtype === 'bool') {
    const r = live.map((p) => {
      const a = partArray(p, name);
      return (p.columns.get(name)!.valid ? (whereArrays(partArray(p, name, true), a, 1n) as NDArray) : a.astype('int64')).prod();
    });
    let ip = 1n;
    for (const v of await computeArrays(r, options)) ip = BigInt.asIntN(64, ip * BigInt(v as bigint | number));
    return c.dtype === 'bool' ? Number(ip) : ip;
  }
  let fp = 1;
  for (const p of live) for (const x of p.columns.get(name)!.values as Float64Array) if (!Number.isNaN(x)) fp *= x;
  return fp;
}

/**
 * The row (0-based over the partitions) of pandas' idxmax (`max`) or idxmin, -1 when every value
 * is missing: the engine's argmax/argmin and "all missing" test per partition in one plan, the
 * partitions' winners compared here (the first of equal values wins, as pandas). As pandas 1.5:
 * float64 (and datetimes) with NaN as the extreme that cannot win (nanops.nanargmax, so the first
 * NaN when the max is -inf and a NaN comes first); Int64 skipping <NA> (its masked argmax: only
 * when a partition's winner is <NA> — its max is -2^63 — is its row looked for on the host).
 */
export async function columnArgExtreme(parts: readonly Partition[], name: string, max: boolean, options: ComputeOptions): Promise<number> {
  const live = parts.filter((p) => p.length > 0);
  if (!live.length) return -1;
  const first = live[0]!.columns.get(name)!;
  const nullable = live.some((p) => p.columns.get(name)!.valid);
  const float = !(first.values instanceof BigInt64Array) && first.dtype !== 'bool';
  const worst = float ? (max ? -Infinity : Infinity) : max ? -(2n ** 63n) : 2n ** 63n - 1n;
  const arrays: NDArray[] = [];
  for (const p of live) {
    const a = partArray(p, name);
    let v: NDArray;
    let none: NDArray | undefined;
    if (float) {
      const nan = a.isnan();
      v = whereArrays(nan, worst, a) as NDArray;
      none = nan.all();
    } else if (nullable) {
      const valid = partArray(p, name, true);
      v = whereArrays(valid, a, worst) as NDArray;
      none = valid.logicalNot().all();
    } else v = a.astype('int64');
    arrays.push(max ? v.argmax() : v.argmin());
    if (none) arrays.push(none);
  }
  const res = await computeArrays(arrays, options);
  const step = float || nullable ? 2 : 1;
  let best: number | bigint | undefined;
  let bestRow = -1;
  let offset = 0;
  live.forEach((p, k) => {
    const c = p.columns.get(name)!;
    // an Int64 partition of <NA> only has no winner; a float64 one of NaN only stands as the
    // filled extreme at its first row (pandas fills the whole column before its argmax)
    if (nullable && res[2 * k + 1]) {
      offset += p.length;
      return;
    }
    let i = Number(res[step * k] as bigint | number);
    if (nullable && !c.valid![i]) i = (c.values as BigInt64Array).findIndex((x, j) => c.valid![j] === 1 && x === worst);
    // a NaN winner stands for -inf (+inf for idxmin), as pandas' filled values
    const x = float && Number.isNaN(c.values[i] as number) ? worst : c.values[i]!;
    if (best === undefined || (max ? x > best : x < best)) {
      best = x;
      bestRow = offset + i;
    }
    offset += p.length;
  });
  if (float && live.every((_, k) => res[2 * k + 1])) return -1;
  return bestRow;
}

/** Partition and row within it of row `k` over `parts`. */
export function locate(parts: readonly Partition[], k: number): [number, number] {
  let at = k;
  for (let pi = 0; pi < parts.length; pi++) {
    if (at < parts[pi]!.length) return [pi, at];
    at -= parts[pi]!.length;
  }
  throw new Error(`internal: row ${k} beyond ${parts.length} partitions`);
}
