// Columnar partitions: numeric columns are TypedArrays over native memory (no copies), strings
// are dictionary-encoded (utf-8 bytes + offsets, codes; -1 = missing), datetimes are float64
// milliseconds since the epoch (NaN = missing), bools are one byte 0/1 per row (never missing:
// as pandas, True/False with a missing value is an object — here a string — column);
// timedeltas (a difference of datetimes) are float64 milliseconds too (NaN = NaT); categories
// (astype('category')) are stored as strings are: the reader's dictionary is their categories.
// Nullable integers (pandas' 'Int64') are a BigInt64Array plus a validity mask (Uint8Array,
// 1 = present: Arrow's layout); a missing row's value is 0 and means nothing.
import { ColType, type NativeColumn } from './native.js';

/**
 * A DataFrame column's dtype (exported as `DataFrameDType`), as pandas': `'int64'` (never missing),
 * `'Int64'` (pandas' nullable integer: int64 values and a validity mask, missing = `<NA>`),
 * `'float64'` (NaN is missing), `'string'` (dictionary-encoded, pandas' object), `'datetime'`
 * (ms since the epoch, UTC; NaN is NaT), `'bool'` (never missing), `'timedelta'` (a difference
 * of datetimes: ms; NaN is NaT) or `'category'` (`astype('category')`: stored as strings are).
 */
export type DType = 'int64' | 'Int64' | 'float64' | 'string' | 'datetime' | 'bool' | 'timedelta' | 'category';

/** Dictionary-encoded dtypes: strings and categories (codes into a UTF-8 dictionary). */
export const isDict = (d: DType): boolean => d === 'string' || d === 'category';

/** The dtypes a reader produces (timedelta only comes from datetime arithmetic). */
export const DTYPES: readonly DType[] = ['int64', 'Int64', 'float64', 'string', 'datetime', 'bool'];

export function typeCode(d: DType): ColType {
  // a timedelta is float64 milliseconds to the native side
  return d === 'int64' || d === 'Int64' ? ColType.Int64 : d === 'float64' || d === 'timedelta' ? ColType.Float64 : isDict(d) ? ColType.String : d === 'bool' ? ColType.Bool : ColType.Datetime;
}
export function dtypeOf(c: ColType): DType {
  return c === ColType.Int64 ? 'int64' : c === ColType.Float64 ? 'float64' : c === ColType.String ? 'string' : c === ColType.Bool ? 'bool' : 'datetime';
}

/** A value of a column as JS sees it: int64 as number when safe (else bigint), bool as boolean, datetime as Date, timedelta as milliseconds; missing = null. */
export type CellValue = number | bigint | string | boolean | Date | null;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A bool column with missing values as pandas holds it (an object column of True/False/NaN, here a
 * string column of 'True'/'False') as float64 1/0/NaN: for the reductions and arithmetic of a
 * Series whose dtype is bool, where a partition had missing values (a `.str` predicate of a column
 * with NaN). Any other string is NaN too.
 */
export function boolTextToFloat(c: Column): Float64Array {
  const dict = c.dict!;
  const of = Array.from({ length: dict.size }, (_, k) => (dict.get(k) === 'True' ? 1 : dict.get(k) === 'False' ? 0 : NaN));
  return Float64Array.from(c.values as Int32Array, (k) => (k < 0 ? NaN : of[k]!));
}

/** A string dictionary: entry i is bytes[offsets[i], offsets[i + 1]) decoded as utf-8. */
export class StringDict {
  private cache: (string | undefined)[] | undefined;
  constructor(
    /** The UTF-8 bytes of every entry, one after another. */
    readonly bytes: Uint8Array,
    /** `size + 1` byte offsets: entry i is `bytes[offsets[i], offsets[i + 1])`. */
    readonly offsets: Int32Array,
  ) {}
  /** The number of entries. */
  get size(): number {
    return Math.max(0, this.offsets.length - 1);
  }
  /** Entry `i` decoded from UTF-8 (cached after the first read); `i` must be in [0, size). */
  get(i: number): string {
    this.cache ??= new Array(this.size);
    let s = this.cache[i];
    if (s === undefined) {
      s = decoder.decode(this.bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!));
      this.cache[i] = s;
    }
    return s;
  }
  /** A dictionary of these strings, in this order (entry i is strings[i]). */
  static fromStrings(strings: readonly string[]): StringDict {
    const parts = strings.map((s) => encoder.encode(s));
    const offsets = new Int32Array(parts.length + 1);
    let n = 0;
    parts.forEach((p, i) => {
      n += p.length;
      offsets[i + 1] = n;
    });
    const bytes = new Uint8Array(n);
    parts.forEach((p, i) => bytes.set(p, offsets[i]!));
    return new StringDict(bytes, offsets);
  }
  /** The dictionary with no entries. */
  static readonly EMPTY = new StringDict(new Uint8Array(0), new Int32Array(1));
}

export type ColumnValues = Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface Column {
  dtype: DType;
  values: ColumnValues;
  /** Strings only. */
  dict?: StringDict;
  /** Nullable integers ('Int64') only: 1 = present, 0 = missing (`<NA>`). */
  valid?: Uint8Array;
}

export interface Partition {
  length: number;
  columns: Map<string, Column>;
}

export function fromNative(c: NativeColumn): Column {
  switch (c.type) {
    case ColType.Int64:
      return { dtype: 'int64', values: new BigInt64Array(c.data) };
    case ColType.String:
      return {
        dtype: 'string',
        values: new Int32Array(c.data),
        dict: new StringDict(new Uint8Array(c.dictBytes!), new Int32Array(c.dictOffsets!.byteLength ? c.dictOffsets! : new ArrayBuffer(4))),
      };
    case ColType.Datetime:
      return { dtype: 'datetime', values: new Float64Array(c.data) };
    case ColType.Bool:
      return { dtype: 'bool', values: new Uint8Array(c.data) };
    default:
      return { dtype: 'float64', values: new Float64Array(c.data) };
  }
}

export function columnLength(c: Column): number {
  return c.values.length;
}

/** Value i as JS: number (int64 as number when safe, else bigint), string, Date, or null when missing. */
export function valueAt(c: Column, i: number): CellValue {
  switch (c.dtype) {
    case 'bool':
      return (c.values as Uint8Array)[i] !== 0;
    case 'Int64':
    case 'int64': {
      if (c.valid && !c.valid[i]) return null;
      const v = (c.values as BigInt64Array)[i]!;
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    }
    case 'float64':
    case 'timedelta': {
      const v = (c.values as Float64Array)[i]!;
      return Number.isNaN(v) ? null : v;
    }
    case 'datetime': {
      const v = (c.values as Float64Array)[i]!;
      return Number.isNaN(v) ? null : new Date(v);
    }
    default: {
      const code = (c.values as Int32Array)[i]!;
      return code < 0 ? null : c.dict!.get(code);
    }
  }
}

/** An empty column of a dtype (a partition with no rows takes the frame's dtype). */
export function emptyColumn(d: DType): Column {
  switch (d) {
    case 'int64': return { dtype: d, values: new BigInt64Array(0) };
    case 'Int64': return { dtype: d, values: new BigInt64Array(0), valid: new Uint8Array(0) };
    case 'bool': return { dtype: d, values: new Uint8Array(0) };
    case 'string':
    case 'category': return { dtype: d, values: new Int32Array(0), dict: StringDict.EMPTY };
    default: return { dtype: d, values: new Float64Array(0) };
  }
}

/** int64 → float64 (pandas' promotion when unifying). */
/**
 * The dictionaries of string columns side by side (each distinct one once, in order): the merged
 * dictionary and where each column's entries start in it (its codes + base are codes of the merged one).
 */
export function mergeDicts(cols: readonly Column[]): { dict: StringDict; base: Map<StringDict, number> } {
  const dicts: StringDict[] = [];
  const base = new Map<StringDict, number>();
  let entries = 0;
  let bytes = 0;
  for (const c of cols) {
    if (base.has(c.dict!)) continue;
    base.set(c.dict!, entries);
    dicts.push(c.dict!);
    entries += c.dict!.size;
    bytes += c.dict!.offsets[c.dict!.size]! - c.dict!.offsets[0]!;
  }
  if (dicts.length === 1) return { dict: dicts[0]!, base };
  const b = new Uint8Array(bytes);
  const o = new Int32Array(entries + 1);
  let e = 0;
  let pos = 0;
  for (const d of dicts) {
    const first = d.offsets[0]!;
    b.set(d.bytes.subarray(first, d.offsets[d.size]!), pos);
    for (let k = 0; k < d.size; k++) o[e + k + 1] = pos + d.offsets[k + 1]! - first;
    e += d.size;
    pos += d.offsets[d.size]! - first;
  }
  return { dict: new StringDict(b, o), base };
}

export function toFloat(c: Column): Column {
  if (c.dtype !== 'int64') return c;
  const src = c.values as BigInt64Array;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
  return { dtype: 'float64', values: out };
}

export function sliceColumn(c: Column, start: number, end: number): Column {
  return { dtype: c.dtype, values: c.values.subarray(start, end) as ColumnValues, dict: c.dict, valid: c.valid?.subarray(start, end) };
}

/** A nullable integer column as float64 with NaN for `<NA>` (exact to 2^53): what float statistics read. */
export function nullableToFloat(c: Column): Column {
  if (c.dtype !== 'Int64') return c;
  const src = c.values as BigInt64Array;
  const valid = c.valid!;
  return { dtype: 'float64', values: Float64Array.from({ length: src.length }, (_, i) => (valid[i] ? Number(src[i]!) : NaN)) };
}

/** float64 integral values as a nullable integer column, NaN as <NA> (the inverse of nullableToFloat). */
export function floatToNullable(c: Column): Column {
  const src = c.values as Float64Array;
  const values = new BigInt64Array(src.length);
  const valid = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) if (!Number.isNaN(src[i]!)) (values[i] = BigInt(src[i]!)), (valid[i] = 1);
  return { dtype: 'Int64', values, valid };
}

/** A nullable integer column as a string column of its decimal values (<NA>: missing), one dictionary entry per distinct value. */
export function nullableAsStrings(c: Column): Column {
  const src = c.values as BigInt64Array;
  const valid = c.valid!;
  const codes = new Int32Array(src.length);
  const seen = new Map<bigint, number>();
  const strings: string[] = [];
  for (let i = 0; i < src.length; i++) {
    if (!valid[i]) {
      codes[i] = -1;
      continue;
    }
    let k = seen.get(src[i]!);
    if (k === undefined) seen.set(src[i]!, (k = strings.push(String(src[i]!)) - 1));
    codes[i] = k;
  }
  return { dtype: 'string', values: codes, dict: StringDict.fromStrings(strings) };
}

/**
 * pandas' 'Int64' from decimal strings (each dictionary entry parsed once, exactly, as BigInt): a
 * missing string is `<NA>`; anything else that is not an integer in the int64 range is a TypeError
 * naming `where` and the value.
 */
export function nullableFromStrings(where: string, c: Column): Column {
  const dict = c.dict!;
  const parsed: bigint[] = [];
  for (let k = 0; k < dict.size; k++) {
    const s = dict.get(k).trim();
    let v: bigint | undefined;
    if (/^[+-]?\d+$/.test(s)) v = BigInt(s);
    else if (/^[+-]?\d+\.0*$/.test(s)) v = BigInt(s.slice(0, s.indexOf('.'))); // '3.0', as pandas reads it
    if (v === undefined || v < -(2n ** 63n) || v >= 2n ** 63n) throw new TypeError(`${where}: cannot read ${JSON.stringify(s)} as Int64 (an integer in [-2^63, 2^63) or empty)`);
    parsed.push(v);
  }
  const codes = c.values as Int32Array;
  const values = new BigInt64Array(codes.length);
  const valid = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i]!;
    if (k >= 0) (values[i] = parsed[k]!), (valid[i] = 1);
  }
  return { dtype: 'Int64', values, valid };
}
