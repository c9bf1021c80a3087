// readCsv: glob expansion, byte blocks split on line boundaries (one partition per block), blocks
// parsed in parallel by the native parser, dtypes inferred per block and unified
// (int64 → float64 → string), errors naming the file and line.
import { recordRoot } from './recipe-store.js';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe as describeValue } from '../errors.js';
import { type Column, DTYPES, type DType, type Partition, StringDict, dtypeOf, emptyColumn, fromNative, nullableFromStrings, toFloat, typeCode } from './column.js';
import { DataFrame } from './frame.js';
import { ColType, type NativeBlock, dfNative } from './native.js';
import { awaitNative } from './run.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { checkSep, normalizeEncoding } from './write.js';

/**
 * Options of {@link readCsv} (pandas' / Dask's `read_csv` keywords `encoding`, `blocksize`, `dtype`,
 * `header`, `names`, `sep`, `parse_dates`). Unknown keys are a TypeError.
 * @example
 * ```ts
 * const df = readCsv('data/*.csv', { blocksize: '16MiB', parseDates: ['when'], dtype: { id: 'int64' } });
 * ```
 */
export interface ReadCsvOptions {
  /** 'utf-8' (default) or 'latin1' / 'iso-8859-1'. */
  encoding?: string;
  /** Bytes per partition: a number or '64MB', '16MiB'…; null = one partition per file (default 64 MiB). */
  blocksize?: number | string | null;
  /** Force dtypes: one for every column or { column: dtype }; 'int64' | 'Int64' (pandas' nullable integer: empty fields are `<NA>`) | 'float64' | 'string' | 'datetime' | 'bool'. */
  dtype?: DType | Record<string, DType>;
  /** The first line is a header (default true). */
  header?: boolean;
  /** Column names (required length = number of fields) when header is false; replaces the header otherwise. */
  names?: string[];
  /** Field separator (default ','). */
  sep?: string;
  /** Columns to parse as datetimes ('YYYY-MM-DD[ HH:MM:SS[.fff]]', stored as ms since the epoch). */
  parseDates?: string[];
}

const DEFAULT_BLOCKSIZE = 64 * 1024 * 1024;
const SAMPLE_BYTES = 256 * 1024;

function globToRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${seg.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const isGlob = (s: string): boolean => /[*?[]/.test(s);

/** Expands `*`, `?` and `[...]` in any path segment (no `**`); sorted, as Dask. */
export function expandGlob(pattern: string): string[] {
  if (!isGlob(pattern)) return [pattern];
  const abs = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [abs ? '/' : ''];
  for (let k = abs ? 1 : 0; k < segs.length; k++) {
    const seg = segs[k]!;
    const next: string[] = [];
    for (const b of bases) {
      if (!isGlob(seg)) {
        next.push(b ? join(b, seg) : seg);
        continue;
      }
      const re = globToRegExp(seg);
      let entries: string[] = [];
      try {
        entries = readdirSync(b || '.');
      } catch {
        continue;
      }
      for (const e of entries.sort()) if (re.test(e) && (e[0] !== '.' || seg[0] === '.')) next.push(b ? join(b, e) : e);
    }
    bases = next;
  }
  return bases.sort();
}

export function parseBlocksize(b: unknown): number {
  if (b === undefined) return DEFAULT_BLOCKSIZE;
  if (b === null || b === 0) return Infinity;
  if (typeof b === 'number') {
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`readCsv(options): blocksize must be a positive integer number of bytes, got ${b}`);
    return b;
  }
  if (typeof b !== 'string') throw new TypeError(`readCsv(options): blocksize must be a number of bytes, a string like '64MB', or null, got ${describeValue(b)}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)?\s*$/i.exec(b);
  if (!m) throw new RangeError(`readCsv(options): blocksize ${JSON.stringify(b)} is not a size; accepted: bytes, or '<n>kB|KiB|MB|MiB|GB|GiB'`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  const v = Math.floor(Number(m[1]) * mult[unit]!);
  if (v < 1) throw new RangeError(`readCsv(options): blocksize must be at least 1 byte, got ${JSON.stringify(b)}`);
  return v;
}

function readHead(path: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(`readCsv: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Splits one CSV line into fields (quotes and "" escapes). */
function splitLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inq = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inq) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else inq = false;
      } else cur += c;
    } else if (c === '"') inq = true;
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Length of the longest prefix of `buf` that ends with a line end (\n, \r\n or a lone \r) outside
 * quotes (quote parity from the start of the file: "" escapes toggle twice), or -1. `first`:
 * the first such line end instead of the last.
 */
export function lineCut(buf: Uint8Array, first: boolean): number {
  let inq = false;
  let last = -1;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x22) inq = !inq;
    else if (!inq && (c === 0x0a || c === 0x0d)) {
      // \r\n is one line end; a \r at the very end of the buffer may be the first half of one
      if (c === 0x0d && i + 1 < buf.length && buf[i + 1] === 0x0a) i++;
      last = i + 1;
      if (first) return last;
    }
  }
  return last;
}

const BOM = [0xef, 0xbb, 0xbf];
const hasBom = (b: Uint8Array): boolean => b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte of `b` that is not valid utf-8 (the native parser's check, for the header), or -1. */
function invalidUtf8At(b: Uint8Array): number {
  try {
    fatalUtf8.decode(b);
    return -1;
  } catch {
    // binary search for the shortest prefix that fails (prefixes cut inside a character fail too,
    // so test that a prefix ending at a character boundary decodes)
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      let end = mid + 1;
      while (end < b.length && (b[end]! & 0xc0) === 0x80 && end - mid < 4) end++;
      try {
        fatalUtf8.decode(b.subarray(0, end));
        lo = end;
      } catch {
        hi = mid;
      }
    }
    return lo;
  }
}

/** The header line of a file (any length; quoted fields may hold line breaks), without a utf-8 BOM. */
function headerLine(path: string, size: number, latin1: boolean): string {
  let bytes = Math.min(size, 65536);
  for (;;) {
    let buf: Uint8Array = readHead(path, bytes);
    let end = lineCut(buf, true);
    if (end < 0 && bytes < size) {
      bytes = Math.min(size, bytes * 4);
      continue;
    }
    if (end < 0) end = buf.length;
    buf = buf.subarray(0, end);
    const skip = !latin1 && hasBom(buf) ? 3 : 0;
    buf = buf.subarray(skip);
    if (!latin1) {
      const bad = invalidUtf8At(buf);
      if (bad >= 0) throw new Error(`readCsv: ${path}:1: invalid utf-8 (byte 0x${buf[bad]!.toString(16).padStart(2, '0')}) at byte offset ${bad + skip}`);
    }
    let s = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString(latin1 ? 'latin1' : 'utf8');
    s = s.replace(/\r?\n$|\r$/, '');
    return s;
  }
}

/** The message of a failed block (invalid utf-8 names the file offset). */
function blockError(r: NativeBlock, shift = 0): string {
  return r.errorByte !== undefined ? `${r.error} at byte offset ${r.errorByte + shift}` : r.error!;
}

/**
 * The dtype of a column over its blocks: blocks without rows or with only missing values are
 * neutral; int64 and float64 unify to float64, an int64 or bool column with a missing value is
 * float64 / string (as pandas: bool with NaN is object); any other mix is string.
 */
function unifyTypes(types: Set<ColType>, sawMissing: boolean): ColType {
  if (types.size === 0) return ColType.Float64;
  if (types.size === 1) {
    const t = [...types][0]!;
    if (sawMissing && t === ColType.Int64) return ColType.Float64;
    if (sawMissing && t === ColType.Bool) return ColType.String;
    return t;
  }
  if (types.size === 2 && types.has(ColType.Int64) && types.has(ColType.Float64)) return ColType.Float64;
  return ColType.String;
}

interface Block {
  path: string;
  start: number;
  end: number;
  /** Index of the file's first block. */
  fileFirst: number;
}

/** Files sampled after the first with rows, for columns with only missing values there. */
const MORE_SAMPLES = 16;

class CsvSource implements PartitionSource {
  readonly name = `read-csv-${layerId()}`;
  readonly op = 'read-csv';
  readonly npartitions: number;
  readonly schema: [string, DType][];
  /** Known only when every file holds its header alone (no rows). */
  readonly lengths?: readonly number[];

  constructor(
    private readonly blocks: Block[],
    private readonly names: string[],
    sampleTypes: DType[],
    private readonly forced: ColType[],
    private readonly header: boolean,
    private readonly sep: string,
    private readonly latin1: boolean,
    /** Columns read as pandas' nullable 'Int64': parsed as strings natively, then exactly as integers (empty = <NA>). */
    private readonly nullable: readonly boolean[] = [],
    noRows = false,
  ) {
    this.npartitions = blocks.length;
    this.schema = names.map((n, i) => [n, sampleTypes[i]!]);
    if (noRows) this.lengths = blocks.map(() => 0);
  }

  /** stickTypes: per column, the block dtypes and whether a missing value was seen, over every load since it was turned on. */
  private sticky?: { types: Set<ColType>; missing: boolean }[];
  private stickers = 0;  // callers that turned it on (two toCsv of one frame at once share it)
  stickTypes(on: boolean): void {
    this.stickers += on ? 1 : -1;
    if (on && !this.sticky) this.sticky = this.names.map(() => ({ types: new Set<ColType>(), missing: false }));
    if (this.stickers <= 0) {
      this.stickers = 0;
      this.sticky = undefined;
    }
  }

  private spec(blocks: number[], types: ColType[], want?: readonly string[]) {
    return {
      names: this.names,
      sep: this.sep,
      latin1: this.latin1,
      types,
      skip: want ? this.names.map((n) => !want.includes(n)) : undefined,
      blocks: blocks.map((i) => ({ ...this.blocks[i]!, skipHeader: this.header })),
    };
  }

  /** file:line for an error in block `k` at errorLine (1-based in the block), parsing earlier blocks if needed. */
  private async locate(k: number, errorLine: number, known: Map<number, NativeBlock>, ctx: LoadContext): Promise<string> {
    const b = this.blocks[k]!;
    const before: number[] = [];
    for (let i = b.fileFirst; i < k; i++) if (!known.has(i)) before.push(i);
    if (before.length) {
      const res = await awaitNative((p) => dfNative().dfReadCsv(this.spec(before, this.names.map(() => ColType.String)), p), { options: ctx.options });
      for (let j = 0; j < before.length; j++) {
        const r = res[j]!;
        if (!r.ok) return this.locate(before[j]!, r.errorLine!, known, ctx).then((where) => `${where}: ${blockError(r)}`);
        known.set(before[j]!, r);
      }
    }
    let line = errorLine;
    for (let i = b.fileFirst; i < k; i++) line += known.get(i)!.lines;
    return `${b.path}:${line}`;
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const idx = parts ? [...parts] : this.blocks.map((_, i) => i);
    // columns not wanted are tokenized (to check the rows) but not converted
    let res = await awaitNative((p) => dfNative().dfReadCsv(this.spec(idx, this.forced, columns), p), ctx);
    const known = new Map<number, NativeBlock>();
    idx.forEach((k, j) => known.set(k, res[j]!));
    for (let j = 0; j < idx.length; j++) {
      const r = res[j]!;
      if (!r.ok) {
        const where = await this.locate(idx[j]!, r.errorLine!, known, ctx);
        throw new Error(`readCsv: ${where}: ${blockError(r)}`);
      }
    }
    // unify dtypes over the blocks (unifyTypes; empty and all-missing blocks are neutral)
    const C = this.names.length;
    const unified: ColType[] = [];
    for (let c = 0; c < C; c++) {
      if (this.forced[c] !== ColType.Auto) {
        unified.push(this.forced[c]!);
        continue;
      }
      const types = new Set<ColType>();
      let sawMissing = false;
      for (const r of res) {
        const col = r.columns![c]!;
        if (col.skipped || r.rows === 0) continue;
        if (col.allMissing) {
          sawMissing = true;
          continue;
        }
        types.add(col.type);
      }
      const floor = this.sticky?.[c];
      if (floor) {
        for (const t of floor.types) types.add(t);
        sawMissing ||= floor.missing;
        for (const t of types) floor.types.add(t);
        floor.missing = sawMissing;
      }
      // no rows in any loaded block (not even missing values): nothing to infer from, so the
      // frame's dtype (of the sample; 'string' when every file is header-only, pandas' object);
      // only missing values (head() reading one block at a time): the frame's dtype with a missing
      // value, as all the blocks read together would give (not float64, on which a string
      // expression of the frame fails)
      const frame = typeCode(this.schema[c]![1]);
      unified.push(types.size === 0 ? (sawMissing ? unifyTypes(new Set([frame]), true) : frame) : unifyTypes(types, sawMissing));
    }
    const reparse = idx.filter((_, j) =>
      res[j]!.columns!.some((col, c) => !col.skipped && !col.allMissing && col.type !== unified[c] && unified[c] === ColType.String),
    );
    if (reparse.length) {
      const again = await awaitNative((p) => dfNative().dfReadCsv(this.spec(reparse, unified, columns), p), { options: ctx.options });
      res = [...res];
      reparse.forEach((k, j) => {
        const r = again[j]!;
        if (!r.ok) throw new Error(`readCsv: ${this.blocks[k]!.path}: ${blockError(r)}`);
        res[idx.indexOf(k)] = r;
      });
    }
    const want = columns ?? this.names;
    const colIndex = want.map((n) => this.names.indexOf(n));
    const out = res.map((r, j0) => {
      const map = new Map<string, Column>();
      colIndex.forEach((c, j) => {
        const nc = r.columns![c]!;
        if (this.nullable[c]) {
          const where = `readCsv: ${this.blocks[idx[j0]!]!.path}: column ${JSON.stringify(want[j])}`;
          map.set(want[j]!, r.rows === 0 || nc.skipped ? emptyColumn('Int64') : nullableFromStrings(where, fromNative(nc)));
          return;
        }
        let col = fromNative(nc);
        const target = dtypeOf(unified[c]!);
        if (col.dtype !== target && r.rows === 0) col = emptyColumn(target);
        else if (col.dtype !== target) {
          if (target === 'float64') col = col.dtype === 'int64' ? toFloat(col) : { dtype: 'float64', values: new Float64Array(r.rows).fill(NaN) };
          else if (target === 'string') col = { dtype: 'string', values: new Int32Array(r.rows).fill(-1), dict: StringDict.EMPTY };
          else if (target === 'datetime') col = { dtype: 'datetime', values: new Float64Array(r.rows).fill(NaN) };
        }
        map.set(want[j]!, col);
      });
      return { length: r.rows, columns: map };
    });
    // a text column whose values are all True/False spellings (bools with missing values, or bool
    // blocks re-parsed as text): pandas' object column of True/False, so 'True'/'False' whatever
    // the spelling ('TRUE', 'false'), as the other bool-with-missing columns
    colIndex.forEach((c, j) => {
      if (this.forced[c] !== ColType.Auto || unified[c] !== ColType.String) return;
      const cols = out.map((p) => p.columns.get(want[j]!)!);
      let respell = false;
      const bools = cols.every((col) => {
        for (let k = 0; k < col.dict!.size; k++) {
          const v = col.dict!.get(k);
          if (!BOOL_SPELLINGS.has(v)) return false;
          if (v !== 'True' && v !== 'False') respell = true;
        }
        return true;
      });
      if (!bools || !respell) return;
      out.forEach((p, i) => {
        const col = cols[i]!;
        const of = Array.from({ length: col.dict!.size }, (_, k) => BOOL_SPELLINGS.get(col.dict!.get(k))!);
        p.columns.set(want[j]!, { dtype: 'string', values: Int32Array.from(col.values as Int32Array, (k) => (k < 0 ? -1 : of[k]!)), dict: BOOL_TEXT });
      });
    });
    return out;
  }
}

/** The spellings pandas reads as True / False (its default true_values / false_values), as codes of BOOL_TEXT. */
const BOOL_SPELLINGS = new Map([['False', 0], ['FALSE', 0], ['false', 0], ['True', 1], ['TRUE', 1], ['true', 1]]);
const BOOL_TEXT = StringDict.fromStrings(['False', 'True']);

function checkDtype(where: string, d: unknown): DType {
  if (typeof d !== 'string') throw new TypeError(`${where} must be one of ${DTYPES.join(', ')}, got ${describeValue(d)}`);
  const k = d === 'int' ? 'int64' : d === 'float' ? 'float64' : d === 'str' || d === 'object' ? 'string' : d;
  if (!(DTYPES as readonly string[]).includes(k)) throw new RangeError(`${where} ${JSON.stringify(d)} unknown; accepted: ${DTYPES.join(', ')}`);
  return k as DType;
}

/**
 * Reads CSV files (a glob pattern or a list of paths) as one DataFrame, one partition per byte
 * block of each file. Lazy: files are parsed when a result is computed; the dtypes shown before
 * are inferred from a sample of the first file.
 */
export function readCsv(pattern: string | string[], options: ReadCsvOptions = {}): DataFrame {
  if (typeof options !== 'object' || options === null) throw new TypeError(`readCsv(options): options must be an object, got ${describeValue(options)}`);
  const known = ['encoding', 'blocksize', 'dtype', 'header', 'names', 'sep', 'parseDates'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`readCsv(options): unknown option ${JSON.stringify(k)}; accepted: ${known.join(', ')}`);
  let paths: string[];
  if (typeof pattern === 'string') {
    if (!pattern) throw new RangeError(`readCsv(pattern): empty pattern`);
    paths = expandGlob(pattern);
    if (!paths.length) throw new Error(`readCsv: ${JSON.stringify(pattern)} matched no files (in ${resolve(dirname(pattern))}, looking for ${basename(pattern)})`);
  } else if (Array.isArray(pattern) && pattern.length && pattern.every((p) => typeof p === 'string' && p)) {
    paths = pattern.flatMap((p) => expandGlob(p));
  } else {
    throw new TypeError(`readCsv(pattern): expected a path or glob pattern (e.g. 'data/*.csv') or a non-empty array of paths, got ${describeValue(pattern)}`);
  }
  const latin1 = normalizeEncoding('readCsv(options)', options.encoding) === 'latin1';
  const sep = checkSep('readCsv(options)', options.sep);
  const blocksize = parseBlocksize(options.blocksize);
  if (options.header !== undefined && typeof options.header !== 'boolean')
    throw new TypeError(`readCsv(options): header must be a boolean, got ${describeValue(options.header)}`);
  const header = options.header ?? true;
  if (options.names !== undefined && (!Array.isArray(options.names) || options.names.some((n) => typeof n !== 'string')))
    throw new TypeError(`readCsv(options): names must be an array of strings, got ${describeValue(options.names)}`);

  // sizes (unreadable files fail here, naming the file)
  let sizes = paths.map((p) => {
    try {
      const st = statSync(p);
      if (!st.isFile()) throw new Error('not a regular file');
      return st.size;
    } catch (err) {
      throw new Error(`readCsv: cannot read ${p}: ${(err as Error).message}`, { cause: err });
    }
  });
  // empty (0-byte) files hold no header and no rows: left out, as Dask's read_csv gives them no
  // partition; only when every file is empty is that an error (below)
  if (sizes.some((n) => n > 0) && sizes.some((n) => n === 0)) {
    paths = paths.filter((_, i) => sizes[i]! > 0);
    sizes = sizes.filter((n) => n > 0);
  }
  // header of every file (they must agree)
  let fileNames: string[] | undefined;
  paths.forEach((p, i) => {
    if (sizes[i] === 0) throw new Error(`readCsv: ${p}:1: the file is empty`);
    const fields = splitLine(headerLine(p, sizes[i]!, latin1), sep);
    const names = header ? fields : fields.map((_, k) => String(k));
    if (!fileNames) fileNames = names;
    else if (names.length !== fileNames.length || (header && names.some((n, k) => n !== fileNames![k])))
      throw new Error(`readCsv: ${p}:1: header ${JSON.stringify(names)} differs from ${paths[0]}'s ${JSON.stringify(fileNames)}`);
  });
  let names = fileNames!;
  if (options.names) {
    if (options.names.length !== names.length)
      throw new RangeError(`readCsv(options): names has ${options.names.length} entries but ${paths[0]} has ${names.length} fields`);
    names = options.names;
  }
  if (new Set(names).size !== names.length) throw new RangeError(`readCsv: duplicate column names ${JSON.stringify(names)}`);

  // forced dtypes
  const forced: ColType[] = names.map(() => ColType.Auto);
  // 'Int64' columns are read as strings by the native parser and parsed exactly afterwards
  const nullable = names.map(() => false);
  const force = (c: number, d: DType): void => {
    nullable[c] = d === 'Int64';
    forced[c] = d === 'Int64' ? ColType.String : typeCode(d);
  };
  if (options.dtype !== undefined) {
    if (typeof options.dtype === 'string') {
      const d = checkDtype('readCsv(options): dtype', options.dtype);
      names.forEach((_, c) => force(c, d));
    } else if (typeof options.dtype === 'object' && options.dtype !== null && !Array.isArray(options.dtype)) {
      for (const [k, v] of Object.entries(options.dtype)) {
        const c = names.indexOf(k);
        if (c < 0) throw new RangeError(`readCsv(options): dtype names column ${JSON.stringify(k)}, not in ${JSON.stringify(names)}`);
        force(c, checkDtype(`readCsv(options): dtype.${k}`, v));
      }
    } else throw new TypeError(`readCsv(options): dtype must be a dtype string or { column: dtype }, got ${describeValue(options.dtype)}`);
  }
  if (options.parseDates !== undefined) {
    if (!Array.isArray(options.parseDates) || options.parseDates.some((n) => typeof n !== 'string'))
      throw new TypeError(`readCsv(options): parseDates must be an array of column names, got ${describeValue(options.parseDates)}`);
    for (const n of options.parseDates) {
      const c = names.indexOf(n);
      if (c < 0) throw new RangeError(`readCsv(options): parseDates names column ${JSON.stringify(n)}, not in ${JSON.stringify(names)}`);
      forced[c] = ColType.Datetime;
      nullable[c] = false;
    }
  }

  // blocks
  const blocks: Block[] = [];
  paths.forEach((p, i) => {
    const first = blocks.length;
    const size = sizes[i]!;
    const bs = Number.isFinite(blocksize) ? blocksize : size;
    for (let s = 0; s < size; s += bs) blocks.push({ path: p, start: s, end: Math.min(size, s + bs), fileFirst: first });
  });

  // sample dtypes: the first 256 KiB of the first file with data rows (a file holding only its
  // header says nothing of the dtypes), cut at a line end outside quotes (a quoted field may hold
  // line breaks), more when one record is longer
  const sampleOf = (f: number): { r: ReturnType<ReturnType<typeof dfNative>['dfParseCsv']>; bom: number } => {
    let sampleBytes = Math.min(sizes[f]!, SAMPLE_BYTES);
    let sample: Uint8Array;
    for (;;) {
      sample = readHead(paths[f]!, sampleBytes);
      if (sample.length >= sizes[f]!) break;
      // without the last byte: a \r there may be the first half of \r\n
      const cut = lineCut(sample.subarray(0, sample.length - 1), false);
      if (cut > 0) {
        sample = sample.subarray(0, cut);
        break;
      }
      sampleBytes = Math.min(sizes[f]!, sampleBytes * 4);
    }
    const bom = !latin1 && hasBom(sample) ? 3 : 0;
    const r = dfNative().dfParseCsv(sample.subarray(bom), { names, sep, latin1, types: forced, skipHeader: header });
    if (!r.ok) throw new Error(`readCsv: ${paths[f]}:${r.errorLine}: ${blockError(r, bom)}`);
    return { r, bom };
  };
  let { r } = sampleOf(0);
  let f = 1;
  for (; r.rows === 0 && f < paths.length; f++) r = sampleOf(f).r;
  // every file sampled whole without a row: the frame is known to be empty
  const noRows = r.rows === 0 && paths.every((_, k) => sizes[k]! <= SAMPLE_BYTES);
  // pandas: a column with only missing values is float64; one of header-only files (no rows) is object
  const sampleTypes: DType[] = r.columns!.map((c, k) =>
    nullable[k] ? 'Int64' : forced[k] !== ColType.Auto ? dtypeOf(forced[k]!) : c.allMissing ? 'float64' : r.rows === 0 ? 'string' : dtypeOf(c.type),
  );
  // a column with only missing values in that sample says nothing of its dtype either (pandas
  // reads every row): the next files' samples decide it, as missing values among them (an int64
  // column becomes float64, a bool one strings); at most MORE_SAMPLES more files
  let open = r.columns!.flatMap((c, k) => (r.rows > 0 && c.allMissing && forced[k] === ColType.Auto && !nullable[k] ? [k] : []));
  for (let extra = 0; open.length && f < paths.length && extra < MORE_SAMPLES; f++, extra++) {
    const next = sampleOf(f).r;
    if (next.rows === 0) continue;
    for (const k of open) {
      const c = next.columns![k]!;
      if (!c.allMissing) sampleTypes[k] = dtypeOf(unifyTypes(new Set([c.type]), true));
    }
    open = open.filter((k) => next.columns![k]!.allMissing);
  }
  const source = new CsvSource(blocks, names, sampleTypes, forced, header, sep, latin1, nullable, noRows);
  return recordRoot(new DataFrame({ source, columns: names }), 'readCsv', [pattern, options]);
}

export type { ColType };
