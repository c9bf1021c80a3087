// sortValues: a frame whose partitions are the base's rows in sorted order (stable: ties keep
// their order, as pandas' multi-column sort and kind='stable'), missing values last or first
// (pandas' na_position), split into as many partitions as the base, of equal size. The sort
// needs every row: a load reads all base partitions once.
import { type Column, type DType, type Partition, emptyColumn, sliceColumn } from './column.js';
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

/** A sort key per row: numbers (strings by their rank in code-point order); NaN = missing. */
function keyOf(c: Column): Float64Array | BigInt64Array {
  switch (c.dtype) {
    case 'int64':
      return c.values as BigInt64Array;
    case 'bool': {
      const v = c.values as Uint8Array;
      return Float64Array.from(v);
    }
    case 'string':
    case 'category': {
      // categories made from strings are ordered as the strings (pandas' lexical categories)
      const dict = c.dict!;
      const codes = c.values as Int32Array;
      // ranks of the dictionary entries (utf-8 byte order = code-point order, as Python's)
      const entries = Array.from({ length: dict.size }, (_, k) => k);
      const bytes = entries.map((k) => utf8.encode(dict.get(k)));
      entries.sort((a, b) => Buffer.compare(bytes[a]!, bytes[b]!));
      const rank = new Float64Array(dict.size);
      let r = -1;
      entries.forEach((k, i) => {
        if (i === 0 || Buffer.compare(bytes[entries[i - 1]!]!, bytes[k]!) !== 0) r++;
        rank[k] = r;
      });
      const out = new Float64Array(codes.length);
      for (let i = 0; i < codes.length; i++) out[i] = codes[i]! < 0 ? NaN : rank[codes[i]!]!;
      return out;
    }
    default:
      return c.values as Float64Array;
  }
}

/** The stable sorted order of the rows of `t` by `spec` (a native stable sort on the pool). */
export function sortOrder(t: Table, spec: SortSpec, ctx: LoadContext): Promise<Uint32Array> {
  const keys = spec.by.map((b, k) => ({ data: keyOf(t.raw(b)!), ascending: spec.ascending[k]! }));
  return awaitNative((p) => dfNative().dfArgsort({ keys, rows: t.length, naFirst: spec.naPosition === 'first' }, p), { options: ctx.options });
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
    const t = Table.concat(names, all, this.index);
    const sorted = t.length ? t.take(await sortOrder(t, this.spec, ctx), names) : t;
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
