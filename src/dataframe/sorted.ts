// sortValues: a frame whose partitions are the base's rows in sorted order (stable: ties keep
// their order, as pandas' multi-column sort and kind='stable'), missing values last or first
// (pandas' na_position), split into as many partitions as the base, of equal size. The sort
// needs every row: a load reads all base partitions once.
import { type Column, type DType, type Partition, emptyColumn, isDict, mergeDicts, sliceColumn, type StringDict } from './column.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { dfNative } from './native.js';
import { awaitNative } from './run.js';
import { Table } from './table.js';

export interface SortSpec {
  by: readonly string[];
  ascending: readonly boolean[];
  naPosition: 'last' | 'first';
}

const utf8 = new TextEncoder();

/** The rank of every entry of `dict` in utf-8 byte order (= code-point order, as Python's); equal strings tie. */
function dictRanks(dict: StringDict): Float64Array {
  const entries = Array.from({ length: dict.size }, (_, k) => k);
  const bytes = entries.map((k) => utf8.encode(dict.get(k)));
  entries.sort((a, b) => Buffer.compare(bytes[a]!, bytes[b]!));
  const rank = new Float64Array(dict.size);
  let r = -1;
  entries.forEach((k, i) => {
    if (i === 0 || Buffer.compare(bytes[entries[i - 1]!]!, bytes[k]!) !== 0) r++;
    rank[k] = r;
  });
  return rank;
}

/** Per part, NaN where an Int64 column is `<NA>` and 0 elsewhere: the key that places `<NA>` (as NaN) before its values' key. */
function missingParts(parts: readonly Column[]): Float64Array[] {
  return parts.map((c) => Float64Array.from(c.valid!, (v) => (v ? 0 : NaN)));
}

/** A sort key per row of each part: numbers (strings by their rank in code-point order); NaN = missing. */
function keyParts(parts: readonly Column[]): (Float64Array | BigInt64Array)[] {
  const dtype = parts[0]!.dtype;
  // Int64: the exact values (a <NA> row's value is 0 and ties with the other <NA> rows, which the
  // missingParts key before it has already placed)
  if (dtype === 'int64' || dtype === 'Int64') return parts.map((c) => c.values as BigInt64Array);
  if (dtype === 'bool') return parts.map((c) => Float64Array.from(c.values as Uint8Array));
  if (!isDict(dtype)) return parts.map((c) => c.values as Float64Array);
  // categories made from strings are ordered as the strings (pandas' lexical categories)
  const { dict, base } = mergeDicts(parts);
  const rank = dictRanks(dict);
  return parts.map((c) => {
    const codes = c.values as Int32Array;
    const shift = base.get(c.dict!)!;
    const out = new Float64Array(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = codes[i]! < 0 ? NaN : rank[codes[i]! + shift]!;
    return out;
  });
}

/**
 * The rows of the partitions `parts` (in order) sorted by `spec` (stable; a native parallel
 * radix sort on the pool that reads the partitions where they are), as a Table of `columns`
 * (and `index` first, when given) gathered natively in that order.
 */
export async function sortPartitions(parts: readonly Partition[], columns: readonly string[], spec: SortSpec, ctx: LoadContext, index?: string): Promise<Table> {
  const names = index && !columns.includes(index) ? [index, ...columns] : [...columns];
  let live = parts.filter((p) => p.length > 0);
  const rows = live.reduce((a, p) => a + p.length, 0);
  if (!rows) return Table.concat([...columns], [...parts], index);
  // one array of parts per column; partitions of mixed dtypes (int64 and float64), or more rows
  // than the row numbers' bits hold, are concatenated first (Table.concat unifies the dtypes)
  const need = [...new Set([...names, ...spec.by])];
  const bits = 32 - Math.ceil(Math.log2(live.length));
  const mixed = need.some((n) => new Set(live.map((p) => p.columns.get(n)!.dtype)).size > 1);
  if (mixed || live.some((p) => p.length > 2 ** bits)) {
    const t = Table.concat(need, live);
    live = [{ length: t.length, columns: new Map(need.map((n) => [n, t.raw(n)!])) }];
  }
  const cols = (n: string): Column[] => live.map((p) => p.columns.get(n)!);
  // an Int64 key is two: whether the row is <NA> (NaN, placed by naPosition in either direction,
  // as pandas places <NA> like NaN), then its exact int64 values
  const keys = spec.by.flatMap((b, k) => {
    const key = { parts: keyParts(cols(b)), ascending: spec.ascending[k]! };
    return cols(b)[0]!.dtype === 'Int64' ? [{ parts: missingParts(cols(b)), ascending: true }, key] : [key];
  });
  const dicts = names.map((n) => (isDict(cols(n)[0]!.dtype) ? mergeDicts(cols(n)) : undefined));
  const gather = names.map((n, k) => ({
    parts: cols(n).map((c) => c.values),
    shift: dicts[k] && Int32Array.from(cols(n), (c) => dicts[k]!.base.get(c.dict!)!),
  }));
  // Int64 columns' validity masks are gathered in the same order, after the columns
  const masked = names.filter((n) => cols(n)[0]!.dtype === 'Int64');
  for (const n of masked) gather.push({ parts: cols(n).map((c) => c.valid!), shift: undefined });
  const res = await awaitNative(
    (p) => dfNative().dfSort({ rows: live.map((q) => q.length), keys, naFirst: spec.naPosition === 'first', gather }, p),
    { options: ctx.options },
  );
  const data = new Map<string, Column>();
  names.forEach((n, k) => {
    const c = cols(n)[0]!;
    const Ctor = c.values.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => Column['values'];
    const m = masked.indexOf(n);
    const valid = m >= 0 ? new Uint8Array(res[names.length + m]!, 0, rows) : undefined;
    data.set(n, { dtype: c.dtype, values: new Ctor(res[k]!, 0, rows), dict: dicts[k]?.dict, valid });
  });
  return new Table([...columns], data, rows, index);
}

export class SortedSource implements PartitionSource {
  readonly name: string;
  readonly op = 'sort-values';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;

  constructor(
    private readonly base: PartitionSource,
    private readonly spec: SortSpec,
  ) {
    this.name = `sort-values-${layerId()}`;
    this.npartitions = base.npartitions;
    this.schema = base.schema;
    this.index = base.index;
  }

  readonly allToAll = true;
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.schema.map(([n]) => n).filter((n) => n !== this.index);
    const need = [...new Set([...want, ...this.spec.by.filter((b) => b !== this.index)])];
    const all = await this.base.load(need, undefined, ctx);
    const names = need.filter((n) => n !== this.index);
    const sorted = await sortPartitions(all, names, this.spec, ctx, this.index);
    const dtypes = new Map(this.schema);
    const P = this.npartitions;
    const n = sorted.length;
    const out: Partition[] = [];
    for (const p of parts ?? Array.from({ length: P }, (_, i) => i)) {
      const start = Math.floor((n * p) / P);
      const end = Math.floor((n * (p + 1)) / P);
      const m = new Map<string, Column>();
      for (const c of this.index ? [this.index, ...want] : want) {
        const col = sorted.raw(c);
        m.set(c, col ? sliceColumn(col, start, end) : emptyColumn(dtypes.get(c)!));
      }
      out.push({ length: end - start, columns: m });
    }
    return out;
  }
}
