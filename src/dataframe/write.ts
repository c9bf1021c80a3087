// toCsv: one file per partition, written in parallel on the native pool, each to a temporary
// name and renamed when complete (no half-written file under the final name).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Partition, StringDict, nullableAsStrings, typeCode } from './column.js';
import type { DataFrameState, PartitionSource } from './source.js';
import { type WriteColumnSpec, dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';

/**
 * Options of {@link DataFrame.toCsv} (pandas' / Dask's `to_csv` keywords `name_function`, `header`,
 * `index`, `encoding`, `sep`), alongside the {@link ComputeOptions}. Unknown keys are a TypeError.
 */
export interface ToCsvOptions {
  /** Replaces `*` in the pattern for partition i (default: zero-padded numbers, as Dask). */
  nameFunction?: (i: number) => string;
  /** Write the header line (default true). */
  header?: boolean;
  /** Write the index column first (default true, as pandas), when the frame has an index. */
  index?: boolean;
  /** 'utf-8' (default) or 'latin1' / 'iso-8859-1'. */
  encoding?: string;
  /** Field separator (default ','). */
  sep?: string;
}

export function normalizeEncoding(where: string, e: unknown): 'utf-8' | 'latin1' {
  if (e === undefined) return 'utf-8';
  if (typeof e !== 'string') throw new TypeError(`${where}: encoding must be a string ('utf-8' or 'latin1'), got ${describeValue(e)}`);
  const k = e.toLowerCase().replace(/[_ ]/g, '-');
  if (k === 'utf-8' || k === 'utf8') return 'utf-8';
  if (k === 'latin1' || k === 'latin-1' || k === 'iso-8859-1' || k === 'iso8859-1' || k === 'l1') return 'latin1';
  throw new RangeError(`${where}: encoding ${JSON.stringify(e)} is not supported; accepted: 'utf-8', 'latin1' (ISO-8859-1)`);
}

export function checkSep(where: string, sep: unknown): string {
  if (sep === undefined) return ',';
  if (typeof sep !== 'string') throw new TypeError(`${where}: sep must be a one-character string, got ${describeValue(sep)}`);
  if (sep.length !== 1 || sep.charCodeAt(0) > 127 || sep === '"' || sep === '\n' || sep === '\r')
    throw new RangeError(`${where}: sep must be one ASCII character other than '"' and line breaks, got ${JSON.stringify(sep)}`);
  return sep;
}

function defaultNames(n: number): (i: number) => string {
  const width = String(Math.max(0, n - 1)).length;
  return (i) => String(i).padStart(width, '0');
}

export function fileNames(pattern: unknown, n: number, nameFunction: unknown): string[] {
  if (Array.isArray(pattern)) {
    if (pattern.length !== n || pattern.some((p) => typeof p !== 'string'))
      throw new RangeError(`toCsv(paths): expected ${n} file names (one per partition), got ${describeValue(pattern)}`);
    return pattern as string[];
  }
  if (typeof pattern !== 'string' || pattern === '')
    throw new TypeError(`toCsv(pattern): pattern must be a path with one '*' (e.g. 'data/*.csv') or an array of paths, got ${describeValue(pattern)}`);
  if (nameFunction !== undefined && typeof nameFunction !== 'function')
    throw new TypeError(`toCsv(options): nameFunction must be a function (i: number) => string, got ${describeValue(nameFunction)}`);
  const stars = pattern.split('*').length - 1;
  if (stars > 1) throw new RangeError(`toCsv(pattern): at most one '*' allowed, got ${JSON.stringify(pattern)}`);
  const p = stars === 0 ? join(pattern, '*.part') : pattern;
  const name = (nameFunction as ((i: number) => string) | undefined) ?? defaultNames(n);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = name(i);
    if (typeof s !== 'string' || s === '') throw new TypeError(`toCsv(options): nameFunction(${i}) must return a non-empty string, got ${describeValue(s)}`);
    out.push(p.replace('*', s));
  }
  if (new Set(out).size !== out.length) throw new RangeError(`toCsv(options): nameFunction gives the same file name twice`);
  return out;
}

let tmpCounter = 0;

export async function writePartitions(state: DataFrameState, pattern: string | string[], options: ToCsvOptions & ComputeOptions): Promise<string[]> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`toCsv(options): options must be an object`);
  const known = ['nameFunction', 'header', 'index', 'encoding', 'sep', 'progress', 'onProgress', 'signal'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`toCsv(options): unknown option ${JSON.stringify(k)}; accepted: ${known.join(', ')}`);
  for (const k of ['header', 'index'] as const)
    if (options[k] !== undefined && typeof options[k] !== 'boolean')
      throw new TypeError(`toCsv(options): ${k} must be a boolean, got ${describeValue(options[k])}`);
  const latin1 = normalizeEncoding('toCsv(options)', options.encoding) === 'latin1';
  const sep = checkSep('toCsv(options)', options.sep);
  const files = fileNames(pattern, state.source.npartitions, options.nameFunction);
  const withIndex = (options.index ?? true) && state.source.index !== undefined;
  const names = withIndex ? [state.source.index!, ...state.columns] : [...state.columns];
  for (const d of new Set(files.map((f) => dirname(f)))) mkdirSync(d, { recursive: true });
  const P = state.source.npartitions;
  const tracker = new Tracker(options, 'to-csv', 2 * P);
  // batches bound the memory held at once (partitions are generated/parsed, then written)
  const batch = 8;
  // A CSV source infers dtypes per load: batches could disagree (ints in one, floats or text in a
  // later one), so its dtypes are unified over every batch loaded so far, and when a batch widens
  // a column the batches before it are written again with the wider dtype (one dtype per column
  // over all files, as compute() gives). Rare: only a widening batch costs a reload.
  const sticky: PartitionSource[] = [];
  if (P > batch) {
    const walk = (s: PartitionSource): void => {
      if (s.stickTypes && !sticky.includes(s)) sticky.push(s);
      for (const i of s.inputs ?? []) walk(i);
    };
    walk(state.source);
  }
  return tracker.run(async () => {
    for (const s of sticky) s.stickTypes!(true);
    try {
      let written: string[] | undefined;  // the dtypes of the batches written so far
      let restarts = 0;
      for (let b = 0; b < P; b += batch) {
        const idx = Array.from({ length: Math.min(batch, P - b) }, (_, k) => b + k);
        const parts = await state.source.load(state.columns, idx, tracker.phase(idx.length));
        if (sticky.length) {
          const types = names.map((n) => parts[0]!.columns.get(n)!.dtype as string);
          if (written && types.some((t, j) => t !== written![j]) && restarts++ < 4 * names.length) {
            written = undefined;
            b = -batch;  // again from the first batch, whose loads now unify with the wider dtype
            continue;
          }
          written = types;
        }
        await writeBatch(idx, parts);
      }
    } finally {
      for (const s of sticky) s.stickTypes!(false);
    }
    return files;
  });

  async function writeBatch(idx: number[], parts: Partition[]): Promise<void> {
    const spec = {
      files: idx.map((i) => ({ path: files[i]!, tmp: `${files[i]!}.tmp-${process.pid}-${++tmpCounter}` })),
      names,
      header: options.header ?? true,
      sep,
      latin1,
      partitions: parts.map((p) => ({
        rows: p.length,
        columns: names.map((n): WriteColumnSpec => {
          let c = p.columns.get(n)!;
          // nullable integers as their decimal strings, <NA> empty (pandas' to_csv)
          if (c.dtype === 'Int64') c = nullableAsStrings(c);
          if (c.dtype === 'string' || c.dtype === 'category') {
            const dict = c.dict ?? StringDict.EMPTY;
            return { type: typeCode(c.dtype), data: c.values, dictBytes: dict.bytes, dictOffsets: dict.offsets };
          }
          return { type: typeCode(c.dtype), data: c.values };
        }),
      })),
    };
    await awaitNative((onProgress) => dfNative().dfWriteCsv(spec, onProgress), tracker.phase(idx.length));
  }
}
