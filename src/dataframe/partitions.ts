// mapPartitions (Dask's map_partitions): a user function per partition, given the partition as
// columns. A delayed.module(url, name) function runs on the worker-thread pool, its numeric
// columns views of SharedArrayBuffers (one copy out of the native buffers, none to the worker);
// an inline closure (or delayed(fn)) runs on the main thread with views of the partition's own
// buffers, blocking the event loop while it runs, as mapBlocks' closures do.
import { type Callable, callableOf } from '../delayed/delayed.js';
import { importExport } from '../delayed/modules.js';
import { type CancelFlag, workerPool } from '../delayed/worker-pool.js';
import { describe as describeValue } from '../errors.js';
import { type Column, type DType, DTYPES, type Partition, StringDict, isDict, valueAt } from './column.js';
import { DataFrame } from './frame.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';

/**
 * A partition as the function sees it: one entry per column (the index too, under its name):
 * float64 and datetime (ms since the epoch, NaN = missing) as Float64Array, int64 as
 * BigInt64Array, bool as Uint8Array (0/1), strings as arrays of string or null, Int64 (pandas'
 * nullable integer) as arrays of bigint or null (`<NA>`).
 */
export type PartitionColumns = Record<string, Float64Array | BigInt64Array | Uint8Array | (string | null)[] | (bigint | null)[]>;

/** A column the function returns: the input forms, or plain arrays of numbers / bigints / booleans / Dates / null. */
export type PartitionResultColumn = Float64Array | BigInt64Array | Uint8Array | Int32Array | Float32Array | readonly (number | bigint | boolean | string | Date | null)[];

/** Where a call is: the partition's number and how many there are. */
export interface PartitionInfo {
  /** The partition's number, from 0. */
  partition: number;
  /** The frame's number of partitions. */
  npartitions: number;
}

/** A mapPartitions function: a partition's columns in, the result's columns out (any number of rows). */
export type PartitionFunction = (columns: PartitionColumns, info: PartitionInfo) => Record<string, PartitionResultColumn> | Promise<Record<string, PartitionResultColumn>>;

/** Options of DataFrame.mapPartitions. */
export interface MapPartitionsOptions {
  /** The result's columns and dtypes, in order (Dask's meta; the index is kept and not listed). */
  meta: Record<string, DType>;
  /** The result's divisions are unknown (the function moves rows across the index range); default false: kept, as Dask. */
  clearDivisions?: boolean;
}

type Fn = { kind: 'local'; fn: (...a: unknown[]) => unknown; name: string } | { kind: 'module'; url: string; exportName: string; worker: boolean };

function callable(fn: unknown): Fn {
  const c: Callable | undefined = callableOf(fn);
  if (c?.kind === 'module') return { kind: 'module', url: c.url, exportName: c.exportName, worker: c.worker };
  if (c?.kind === 'local') return { kind: 'local', fn: c.fn as (...a: unknown[]) => unknown, name: c.fn.name || 'fn' };
  if (typeof fn === 'function') return { kind: 'local', fn: fn as (...a: unknown[]) => unknown, name: fn.name || 'fn' };
  throw new TypeError(`mapPartitions(fn): fn must be a delayed.module(url, exportName) function (runs on worker threads) or a function (runs on the main thread), got ${describeValue(fn)}`);
}

/** A partition's column as the function sees it; `shared`: numbers copied into a SharedArrayBuffer. */
function exposed(c: Column, shared: boolean): PartitionColumns[string] {
  // a category column is stored as strings are (codes into its partition's dictionary): its strings, not the codes
  if (isDict(c.dtype)) return Array.from({ length: c.values.length }, (_, i) => valueAt(c, i) as string | null);
  if (c.dtype === 'Int64') {
    // the values with their mask: bigint where present, null where <NA> (exact at any magnitude)
    const v = c.values as BigInt64Array;
    const valid = c.valid!;
    return Array.from({ length: v.length }, (_, i) => (valid[i] ? v[i]! : null));
  }
  if (!shared) return c.values as Float64Array | BigInt64Array | Uint8Array;
  const src = c.values as Float64Array | BigInt64Array | Uint8Array;
  const Ctor = src.constructor as { new (b: SharedArrayBuffer): typeof src; BYTES_PER_ELEMENT: number };
  const out = new Ctor(new SharedArrayBuffer(src.length * Ctor.BYTES_PER_ELEMENT));
  (out as Float64Array).set(src as Float64Array);
  return out;
}

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** A returned column as a Column of dtype `d`, or a TypeError/RangeError naming it. */
function toColumn(where: string, name: string, d: DType, v: unknown): Column {
  if (!isArrayLike(v)) throw new TypeError(`${where}: column ${JSON.stringify(name)} must be an array or TypedArray, got ${describeValue(v)}`);
  const n = v.length;
  const bad = (i: number, what: string): TypeError =>
    new TypeError(`${where}: column ${JSON.stringify(name)} (meta dtype ${d}) has ${describeValue(v[i])} at row ${i}; accepted: ${what}`);
  switch (d) {
    case 'float64':
    case 'datetime': {
      if (v instanceof Float64Array) return { dtype: d, values: v };
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x === 'number') out[i] = x;
        else if (x === null || x === undefined) out[i] = NaN;
        else if (d === 'datetime' && x instanceof Date) out[i] = x.getTime();
        else if (typeof x === 'bigint') out[i] = Number(x);
        else throw bad(i, d === 'datetime' ? 'Dates, ms numbers or null' : 'numbers or null');
      }
      return { dtype: d, values: out };
    }
    case 'int64': {
      if (v instanceof BigInt64Array) return { dtype: d, values: v };
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x === 'bigint') out[i] = x;
        else if (typeof x === 'number' && Number.isInteger(x)) out[i] = BigInt(x);
        else throw bad(i, 'integers (int64 has no missing value: use meta float64)');
      }
      return { dtype: d, values: out };
    }
    case 'Int64': {
      // a BigInt64Array has no missing value: every row present
      if (v instanceof BigInt64Array) return { dtype: d, values: v, valid: new Uint8Array(n).fill(1) };
      const out = new BigInt64Array(n);
      const valid = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x))) continue; // <NA>
        if (typeof x === 'bigint' && x >= -(2n ** 63n) && x < 2n ** 63n) out[i] = x;
        else if (typeof x === 'number' && Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63) out[i] = BigInt(x);
        else throw bad(i, 'integers in [-2^63, 2^63) (bigint or number), or null / NaN for <NA>');
        valid[i] = 1;
      }
      return { dtype: d, values: out, valid };
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x === 'boolean') out[i] = x ? 1 : 0;
        else if (typeof x === 'number' && (x === 0 || x === 1)) out[i] = x;
        else throw bad(i, 'booleans or 0/1 (bool has no missing value: use meta string)');
      }
      return { dtype: d, values: out };
    }
    default: {
      const strings: string[] = [];
      const codes = new Map<string, number>();
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (x === null || x === undefined) out[i] = -1;
        else if (typeof x === 'string') {
          let k = codes.get(x);
          if (k === undefined) codes.set(x, (k = strings.push(x) - 1));
          out[i] = k;
        } else throw bad(i, 'strings or null');
      }
      return { dtype: 'string', values: out, dict: StringDict.fromStrings(strings) };
    }
  }
}

class MapPartitionsSource implements PartitionSource {
  readonly name: string;
  readonly op = 'map-partitions';
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly (Date | number | string)[];
  constructor(
    private readonly base: PartitionSource,
    private readonly baseColumns: readonly string[],
    private readonly fn: Fn,
    private readonly meta: readonly (readonly [string, DType])[],
    clearDivisions: boolean,
  ) {
    this.name = `${fn.kind === 'module' ? fn.exportName : fn.name}-${layerId()}`;
    this.npartitions = base.npartitions;
    this.index = base.index;
    const idx = base.schema.find(([n]) => n === base.index);
    this.schema = idx ? [idx, ...meta] : meta;
    this.divisions = clearDivisions ? undefined : base.divisions;
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.meta.map(([n]) => n);
    const idx = parts ?? Array.from({ length: this.npartitions }, (_, i) => i);
    const got = await this.base.load(this.baseColumns, idx, ctx);
    const fnName = this.fn.kind === 'module' ? this.fn.exportName : this.fn.name;
    const onWorkers = this.fn.kind === 'module' && this.fn.worker;
    const inputs = got.map((p) => Object.fromEntries([...p.columns].map(([n, c]) => [n, exposed(c, onWorkers)])) as PartitionColumns);
    const info = (k: number): PartitionInfo => ({ partition: idx[k]!, npartitions: this.npartitions });
    const { signal } = ctx.options;
    let results: unknown[];
    if (onWorkers) {
      const fn = this.fn as Extract<Fn, { kind: 'module' }>;
      const cancel: CancelFlag = { cancelled: false };
      const onAbort = (): void => void (cancel.cancelled = true);
      signal?.addEventListener('abort', onAbort, { once: true });
      const pool = workerPool();
      const runs = inputs.map((cols, k) => pool.run(fn.url, fn.exportName, [cols, info(k)], cancel).then((r) => r.value));
      try {
        results = await Promise.all(runs);
      } catch (e) {
        cancel.cancelled = true;
        await Promise.allSettled(runs);
        throw signal?.aborted ? (signal.reason instanceof Error ? signal.reason : new Error('mapPartitions: aborted')) : e;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    } else {
      const f = this.fn.kind === 'local' ? this.fn.fn : await importExport(this.fn.url, this.fn.exportName);
      results = [];
      for (let k = 0; k < inputs.length; k++) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('mapPartitions: aborted');
        results.push(await f(inputs[k], info(k)));
      }
    }
    const dtypes = new Map(this.meta);
    return results.map((res, k) => {
      const where = `mapPartitions: ${fnName} for partition ${idx[k]}`;
      if (res === null || typeof res !== 'object' || Array.isArray(res)) throw new TypeError(`${where} returned ${describeValue(res)}; expected an object of columns { name: array }`);
      const r = res as Record<string, unknown>;
      const names = [...(this.index ? [this.index] : []), ...want];
      const m = new Map<string, Column>();
      let length: number | undefined;
      for (const n of names) {
        if (!(n in r))
          throw new RangeError(
            `${where}: the result has no column ${JSON.stringify(n)}${n === this.index ? ' (the index: return it as it came, or resetIndex() first)' : ''}; meta lists ${JSON.stringify(this.meta.map(([c]) => c))}`,
          );
        const d = n === this.index ? this.schema[0]![1] : dtypes.get(n)!;
        const c = toColumn(where, n, d, r[n]);
        if (length !== undefined && c.values.length !== length)
          throw new RangeError(`${where}: column ${JSON.stringify(n)} has ${c.values.length} rows, the others ${length}; the columns must have one length`);
        length = c.values.length;
        m.set(n, c);
      }
      return { length: length ?? 0, columns: m };
    });
  }
}

export function mapPartitionsFrame(df: DataFrame, fn: unknown, options: MapPartitionsOptions): DataFrame {
  const f = callable(fn);
  if (typeof options !== 'object' || options === null) throw new TypeError(`mapPartitions(fn, options): options must be { meta: { column: dtype } }, got ${describeValue(options)}`);
  for (const k of Object.keys(options)) if (k !== 'meta' && k !== 'clearDivisions') throw new TypeError(`mapPartitions(options): unknown option ${JSON.stringify(k)}; accepted: meta, clearDivisions`);
  const { meta } = options;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.keys(meta).length)
    throw new TypeError(`mapPartitions(options): meta must list the result's columns and dtypes, e.g. { meta: { z: 'float64' } }, got ${describeValue(meta)}`);
  const entries = Object.entries(meta);
  for (const [n, d] of entries) {
    if (!(DTYPES as readonly string[]).includes(d)) throw new RangeError(`mapPartitions(options): meta.${n} ${describeValue(d)} is not a dtype; accepted: ${DTYPES.join(', ')}`);
    if (n === df.index) throw new RangeError(`mapPartitions(options): meta lists the index ${JSON.stringify(n)}; the index is kept and not listed`);
  }
  const clear = options.clearDivisions ?? false;
  if (typeof clear !== 'boolean') throw new TypeError(`mapPartitions(options): clearDivisions must be a boolean, got ${describeValue(clear)}`);
  const src = new MapPartitionsSource(df.state.source, df.columns, f, entries, clear);
  return new DataFrame({ source: src, columns: entries.map(([n]) => n) });
}
