// Apache Arrow adapters for DataFrames: one Arrow RecordBatch per partition, and back.
//   float64  ⇄ Float64                       zero-copy both ways (NaN stays NaN; Arrow nulls → NaN on the way in)
//   int64    ⇄ Int64                         zero-copy both ways (Arrow nulls → the column becomes float64 + NaN, as pandas)
//   string   ⇄ Dictionary<Utf8, Int32>        indices and dictionary bytes/offsets zero-copy; code -1 ⇄ null
//   datetime ⇄ Timestamp(ms)                 copied (tessera holds float64 ms, Arrow int64); NaN ⇄ null
// fromArrow also accepts (copying) Int8/16/32, Uint8/16/32/64, Float16/32, Utf8, LargeUtf8, Dictionary of
// (Large)Utf8 with any index type, Timestamp of any unit and Date; other types are a TypeError naming the column.
// The index column (e.g. timeseries' 'timestamp') is written first and named in the schema metadata
// under 'tessera.index', which fromArrow reads back.
import {
  Bool,
  DataType,
  DateUnit,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  type Data,
  type Vector,
} from 'apache-arrow';
import { checkOptions, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Column, type DType, type Partition, StringDict } from '../dataframe/column.js';
import { DataFrame, MemorySource } from '../dataframe/frame.js';
import { Tracker } from '../dataframe/run.js';

/** Schema metadata key naming the index column. */
export const ARROW_INDEX_KEY = 'tessera.index';

export interface ToArrowOptions extends ComputeOptions {
  /** Include the index column (first, named in the schema metadata); default true. */
  index?: boolean;
}

/** Options of {@link fromArrow}: which column becomes the DataFrame's index. Unknown keys are a TypeError. */
export interface FromArrowOptions {
  /**
   * Column to use as the index: a name, or null for none. Default: the schema metadata's
   * 'tessera.index' when that column exists, else none.
   */
  index?: string | null;
}

type ArrowInput = Table | RecordBatch | readonly RecordBatch[];

// ------------------------------------------------------------------------------------------------
// tessera → Arrow

function checkToOptions(fn: string, options: unknown): ToArrowOptions {
  const o = checkOptions(`${fn} options`, options) as ToArrowOptions;
  const known = ['index', 'progress', 'onProgress', 'signal', 'profiler'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new TypeError(`${fn}: unknown option ${describe(k)}; accepted: ${known.join(', ')}`);
  if (o.index !== undefined && typeof o.index !== 'boolean') throw new TypeError(`${fn}: index must be a boolean, got ${describe(o.index)}`);
  return o;
}

function arrowTypeFor(dtype: DType): DataType {
  switch (dtype) {
    case 'float64':
      return new Float64();
    case 'int64':
    case 'Int64':
      return new Int64();
    case 'datetime':
      return new TimestampMillisecond();
    case 'bool':
      return new Bool();
    default:
      return new Dictionary(new Utf8(), new Int32());
  }
}

function toArrowSchema(df: DataFrame, withIndex: boolean): { schema: Schema; names: string[] } {
  const dtypes = new Map(df.state.source.schema);
  const index = withIndex ? df.index : undefined;
  const names = index ? [index, ...df.columns] : df.columns;
  const fields = names.map((n) => {
    const dtype = dtypes.get(n)!;
    return new Field(n, arrowTypeFor(dtype), dtype === 'string' || dtype === 'datetime' || dtype === 'Int64');
  });
  const metadata = new Map<string, string>();
  if (index) metadata.set(ARROW_INDEX_KEY, index);
  return { schema: new Schema(fields, metadata), names };
}

/** Validity bitmap (bit i set = valid) for the rows where `missing(i)` is false, or undefined when none is missing. */
function validity(n: number, missing: (i: number) => boolean): { nullBitmap?: Uint8Array; nullCount: number } {
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (!missing(i)) continue;
    if (!bitmap) {
      bitmap = new Uint8Array(((n + 63) & ~63) >> 3).fill(0xff);
    }
    bitmap[i >> 3]! &= ~(1 << (i & 7));
    nullCount++;
  }
  return bitmap ? { nullBitmap: bitmap, nullCount } : { nullCount: 0 };
}

const DICT_VECTORS = new WeakMap<StringDict, Vector<Utf8>>();

function columnData(c: Column, type: DataType, length: number): Data {
  switch (c.dtype) {
    case 'float64':
      return makeData({ type: type as Float64, length, nullCount: 0, data: c.values as Float64Array });
    case 'int64':
      return makeData({ type: type as Int64, length, nullCount: 0, data: c.values as BigInt64Array });
    case 'Int64': {
      // pandas' nullable integer: the values as they are, <NA> as Arrow nulls (the mask bit-packed)
      const valid = c.valid!;
      return makeData({ type: type as Int64, length, ...validity(length, (i) => !valid[i]), data: c.values as BigInt64Array });
    }
    case 'bool': {
      // Arrow's bools are bit-packed (LSB first)
      const v = c.values as Uint8Array;
      const bits = new Uint8Array(((length + 63) & ~63) >> 3);
      for (let i = 0; i < length; i++) if (v[i]) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: type as Bool, length, nullCount: 0, data: bits });
    }
    case 'datetime': {
      const ms = c.values as Float64Array;
      const out = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = ms[i]!;
        if (!Number.isNaN(v)) out[i] = BigInt(Math.floor(v));
      }
      return makeData({ type: type as TimestampMillisecond, length, ...validity(length, (i) => Number.isNaN(ms[i]!)), data: out });
    }
    default: {
      const codes = c.values as Int32Array;
      const dict = c.dict ?? StringDict.EMPTY;
      // one dictionary Vector per StringDict, so batches sharing a dictionary (timeseries) share it in Arrow
      // too: the IPC file format accepts no replacement dictionaries (the stream format does)
      let dictionary = DICT_VECTORS.get(dict);
      if (!dictionary) {
        dictionary = makeVector(makeData({ type: new Utf8(), length: dict.size, nullCount: 0, valueOffsets: dict.offsets, data: dict.bytes }));
        DICT_VECTORS.set(dict, dictionary);
      }
      return makeData({
        type: type as Dictionary<Utf8, Int32>,
        length,
        ...validity(length, (i) => codes[i]! < 0),
        data: codes,
        dictionary,
      });
    }
  }
}

/**
 * Computes the DataFrame and returns one Arrow RecordBatch per partition (all with the same schema).
 * float64 and int64 columns and string codes/dictionaries share memory with the computed partitions.
 */
export async function toArrowBatches(df: DataFrame, options: ToArrowOptions = {}): Promise<RecordBatch[]> {
  if (!(df instanceof DataFrame)) throw new TypeError(`toArrowBatches(df): df must be a DataFrame, got ${describe(df)}`);
  const { index = true, ...computeOptions } = checkToOptions('toArrowBatches', options);
  const { schema, names } = toArrowSchema(df, index);
  const tracker = new Tracker(computeOptions, `to-arrow ${df.state.source.name}`, df.npartitions);
  const parts = await tracker.run(() => df.loadPartitions(undefined, tracker, df.npartitions));
  return parts.map((p) => {
    const children = names.map((n, k) => columnData(p.columns.get(n)!, schema.fields[k]!.type, p.length));
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: p.length, nullCount: 0, children }));
  });
}

/** Computes the DataFrame into an Arrow Table (one record batch per partition; see toArrowBatches). */
export async function toArrowTable(df: DataFrame, options: ToArrowOptions = {}): Promise<Table> {
  if (!(df instanceof DataFrame)) throw new TypeError(`toArrowTable(df): df must be a DataFrame, got ${describe(df)}`);
  const o = checkToOptions('toArrowTable', options);
  const batches = await toArrowBatches(df, o);
  return batches.length ? new Table(batches) : new Table(toArrowSchema(df, o.index ?? true).schema);
}

// ------------------------------------------------------------------------------------------------
// Arrow → tessera

const MS_PER_UNIT: Record<number, number> = {
  [TimeUnit.SECOND]: 1000,
  [TimeUnit.MILLISECOND]: 1,
  [TimeUnit.MICROSECOND]: 1e-3,
  [TimeUnit.NANOSECOND]: 1e-6,
};

function isStringType(t: DataType): boolean {
  return DataType.isUtf8(t) || DataType.isLargeUtf8(t);
}

/** The tessera dtype for an Arrow type (int columns with nulls become float64), or undefined when unsupported. */
function dtypeFor(t: DataType, hasNulls: boolean): DType | undefined {
  if (DataType.isFloat(t)) return 'float64';
  if (DataType.isInt(t)) return hasNulls ? 'float64' : 'int64';
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'datetime';
  if (isStringType(t)) return 'string';
  if (DataType.isDictionary(t) && isStringType(t.dictionary)) return 'string';
  return undefined;
}

function unsupported(fn: string, name: string, t: DataType): TypeError {
  return new TypeError(
    `${fn}: column ${JSON.stringify(name)} has Arrow type ${String(t)}, which a tessera DataFrame cannot hold; ` +
      `supported: Float16/32/64, Int8-64, Uint8-64, Timestamp, Date, Utf8, LargeUtf8, Dictionary<Utf8|LargeUtf8>`,
  );
}

const isValid = (d: Data, i: number): boolean => d.nullCount === 0 || d.getValid(i);

/** A contiguous view of element i of a fixed-width Data (Data.slice already offsets `values`). */
function values<T extends ArrayLike<unknown> & { subarray(a: number, b: number): T }>(d: Data): T {
  return (d.values as unknown as T).subarray(0, d.length);
}

function toNumber(d: Data, i: number): number {
  const t = d.type as DataType;
  if (DataType.isFloat(t) && (t as { precision: number }).precision === 0) {
    // Float16: let Arrow decode the half float
    return makeVector(d).get(i) as number;
  }
  return Number((d.values as ArrayLike<number | bigint>)[i]!);
}

function readColumn(fn: string, name: string, d: Data, dtype: DType): Column {
  const t = d.type as DataType;
  const n = d.length;
  if (dtype === 'float64') {
    if (DataType.isFloat(t) && d.values instanceof Float64Array && d.nullCount === 0) return { dtype, values: values<Float64Array>(d) };
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = isValid(d, i) ? toNumber(d, i) : NaN;
    return { dtype, values: out };
  }
  if (dtype === 'int64') {
    if (d.values instanceof BigInt64Array) return { dtype, values: values<BigInt64Array>(d) };
    const src = d.values as ArrayLike<number | bigint>;
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (typeof v === 'bigint' && v > 0x7fffffffffffffffn) throw new RangeError(`${fn}: column ${JSON.stringify(name)} (Uint64) holds ${v}, beyond int64`);
      out[i] = BigInt(v);
    }
    return { dtype, values: out };
  }
  if (dtype === 'datetime') {
    const out = new Float64Array(n);
    const src = d.values as ArrayLike<number | bigint>;
    const scale = DataType.isDate(t)
      ? (t as unknown as { unit: DateUnit }).unit === DateUnit.DAY ? 86_400_000 : 1
      : MS_PER_UNIT[(t as unknown as { unit: TimeUnit }).unit]!;
    for (let i = 0; i < n; i++) out[i] = isValid(d, i) ? Number(src[i]!) * scale : NaN;
    return { dtype, values: out };
  }
  // strings
  if (DataType.isDictionary(t)) {
    const dictVec = d.dictionary!;
    const dictData = dictVec.data;
    const direct =
      dictData.length === 1 && DataType.isUtf8(dictData[0]!.type) && dictData[0]!.nullCount === 0 && d.values instanceof Int32Array && d.nullCount === 0;
    if (direct) {
      const dd = dictData[0]!;
      const offsets = (dd.valueOffsets as Int32Array).subarray(0, dd.length + 1);
      return { dtype, values: values<Int32Array>(d), dict: new StringDict(dd.values as Uint8Array, offsets) };
    }
    // copy: nulls (in the codes or in the dictionary) become -1
    const strings: string[] = [];
    const remap = new Int32Array(dictVec.length);
    for (let j = 0; j < dictVec.length; j++) {
      const s = dictVec.get(j) as string | null;
      remap[j] = s === null ? -1 : strings.push(s) - 1;
    }
    const src = d.values as ArrayLike<number | bigint>;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = isValid(d, i) ? remap[Number(src[i]!)]! : -1;
    return { dtype, values: out, dict: StringDict.fromStrings(strings) };
  }
  // plain Utf8 / LargeUtf8: dictionary-encode
  const vec = makeVector(d);
  const codes = new Map<string, number>();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = vec.get(i) as string | null;
    if (s === null) {
      out[i] = -1;
      continue;
    }
    let c = codes.get(s);
    if (c === undefined) codes.set(s, (c = codes.size));
    out[i] = c;
  }
  return { dtype, values: out, dict: StringDict.fromStrings([...codes.keys()]) };
}

/**
 * A DataFrame over Arrow data: a Table, one RecordBatch or an array of them (same schema), one
 * partition per record batch. Float64/Int64 columns without nulls and Dictionary<Utf8, Int32>
 * columns are wrapped without copying (the DataFrame shares the Arrow buffers); others are copied.
 */
export function fromArrow(data: ArrowInput, options: FromArrowOptions = {}): DataFrame {
  const fn = 'fromArrow';
  const o = checkOptions(`${fn} options`, options) as FromArrowOptions;
  for (const k of Object.keys(o)) if (k !== 'index') throw new TypeError(`${fn}: unknown option ${describe(k)}; accepted: index`);
  let schema: Schema;
  let batches: readonly RecordBatch[];
  if (data instanceof Table) {
    schema = data.schema;
    batches = data.batches;
  } else if (data instanceof RecordBatch) {
    schema = data.schema;
    batches = [data];
  } else if (Array.isArray(data) && data.length > 0 && data.every((b) => b instanceof RecordBatch)) {
    batches = data;
    schema = batches[0]!.schema;
  } else {
    throw new TypeError(`${fn}(data): data must be an apache-arrow Table, RecordBatch or non-empty array of RecordBatches, got ${describe(data)}`);
  }
  const fields = schema.fields;
  const names = fields.map((f) => f.name);
  if (new Set(names).size !== names.length) throw new TypeError(`${fn}: duplicate column names in the Arrow schema: ${JSON.stringify(names)}`);
  for (const b of batches) {
    const bn = b.schema.fields;
    if (bn.length !== fields.length || bn.some((f, k) => f.name !== fields[k]!.name || f.typeId !== fields[k]!.typeId))
      throw new TypeError(`${fn}: record batches have different schemas (${String(b.schema)} vs ${String(schema)})`);
  }
  const dtypes = fields.map((f, k) => {
    const hasNulls = batches.some((b) => b.data.children[k]!.nullCount > 0);
    const d = dtypeFor(f.type, hasNulls);
    if (!d) throw unsupported(fn, f.name, f.type);
    return d;
  });
  let index: string | undefined;
  if (o.index === undefined) {
    const m = schema.metadata.get(ARROW_INDEX_KEY);
    index = m !== undefined && names.includes(m) ? m : undefined;
  } else if (o.index !== null) {
    if (typeof o.index !== 'string') throw new TypeError(`${fn}: index must be a column name or null, got ${describe(o.index)}`);
    if (!names.includes(o.index)) throw new TypeError(`${fn}: index ${JSON.stringify(o.index)} is not a column; columns: ${JSON.stringify(names)}`);
    index = o.index;
  }
  const parts: Partition[] = batches.map((b) => ({
    length: b.numRows,
    columns: new Map(fields.map((f, k) => [f.name, readColumn(fn, f.name, b.data.children[k]!, dtypes[k]!)] as [string, Column])),
  }));
  const order = index ? [index, ...names.filter((n) => n !== index)] : names;
  const dtypeOf = new Map(names.map((n, k) => [n, dtypes[k]!]));
  const columns = order.filter((n) => n !== index);
  const frameSchema = order.map((n): [string, DType] => [n, dtypeOf.get(n)!]);
  const src = new MemorySource({ index, schema: frameSchema }, columns, parts, 'from-arrow');
  return new DataFrame({ source: src, columns });
}
