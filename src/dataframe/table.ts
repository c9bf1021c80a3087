// Local (computed) tables: head() and compute() results, printed as pandas prints frames.
import { type CellValue, type Column, type DType, type Partition, columnLength, mergeDicts, sliceColumn, toFloat, valueAt } from './column.js';
import { describe as describeValue } from '../errors.js';

export function formatColumn(values: (number | string | boolean | null | bigint | Date)[]): string[] {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const allNum = values.every((v) => typeof v === 'number' || v === null);
  const allInt = nums.every((v) => Number.isInteger(v));
  if (allNum && nums.length && !allInt) {
    const sci = nums.some((v) => Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-4));
    return values.map((v) => (typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? formatFloat(v) : sci ? expPandas(v) : v.toFixed(6)) : 'NaN'));
  }
  if (allNum && nums.length && allInt && values.some((v) => typeof v === 'number' && !Number.isFinite(v)) ) {
    return values.map((v) => (typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : v.toFixed(1)) : 'NaN'));
  }
  return values.map((v) => formatCell(v));
}

/** A float cell as pandas prints it: 6 decimals, inf / -inf. */
/** Columns that are consecutive views of one buffer (and one dictionary): the view spanning them, else undefined. */
function adjacentViews(cols: readonly Column[]): Column | undefined {
  const first = cols[0]!.values;
  let end = first.byteOffset + first.byteLength;
  for (let k = 1; k < cols.length; k++) {
    const v = cols[k]!.values;
    if (v.buffer !== first.buffer || v.byteOffset !== end || cols[k]!.dict !== cols[0]!.dict) return undefined;
    end += v.byteLength;
  }
  const Ctor = first.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => Column['values'];
  return { dtype: cols[0]!.dtype, values: new Ctor(first.buffer, first.byteOffset, (end - first.byteOffset) / first.BYTES_PER_ELEMENT), dict: cols[0]!.dict };
}

function formatFloat(v: number): string {
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v.toFixed(6);
}

function expPandas(v: number): string {
  const s = v.toExponential(6); // 2.592000e+6
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return 'NaN';
  if (v instanceof Date) return formatDate(v.getTime());
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** A timedelta as pandas prints it: '1 days 02:03:04', '-1 days +23:00:00', '0 days 00:00:00.500000'. */
export function formatTimedelta(ms: number | null): string {
  if (ms === null || Number.isNaN(ms)) return 'NaT';
  const days = Math.floor(ms / 86400000);
  let rem = ms - days * 86400000;
  const h = Math.floor(rem / 3600000);
  rem -= h * 3600000;
  const m = Math.floor(rem / 60000);
  rem -= m * 60000;
  const s = Math.floor(rem / 1000);
  const us = Math.round((rem - s * 1000) * 1000);
  const p2 = (x: number): string => String(x).padStart(2, '0');
  const frac = us ? `.${String(us).padStart(6, '0')}` : '';
  return `${days} days ${days < 0 ? '+' : ''}${p2(h)}:${p2(m)}:${p2(s)}${frac}`;
}

export function formatDate(ms: number): string {
  const s = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  return s.endsWith('.000') ? s.slice(0, -4) : s;
}

export function renderTable(rowLabels: string[], columns: string[], cells: string[][], corner: string, indexName?: string): string {
  const labelWidth = Math.max(corner.length, indexName?.length ?? 0, ...rowLabels.map((l) => l.length));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells[j]!.map((s) => s.length)));
  const lines: string[] = [];
  lines.push([corner.padEnd(labelWidth), ...columns.map((c, j) => c.padStart(widths[j]!))].join('  ').trimEnd());
  if (indexName) lines.push(indexName);
  rowLabels.forEach((l, i) => {
    lines.push([l.padEnd(labelWidth), ...columns.map((_, j) => cells[j]![i]!.padStart(widths[j]!))].join('  '));
  });
  return lines.join('\n');
}

/** A computed (local) frame: head(), compute(). */
export class Table {
  constructor(
    /** The column names in order (the index column, when there is one, is not among them: see {@link Table.index}). */
    readonly columns: string[],
    /** Column data (the index column included when present). */
    readonly data: Map<string, Column>,
    /** The number of rows. */
    readonly length: number,
    /** The name of the index column (e.g. `'timestamp'` of {@link datasets.timeseries}), when the frame has one. */
    readonly index?: string,
  ) {}

  /** `{ column: dtype }` for the columns ('int64' | 'float64' | 'string' | 'datetime' | 'bool'). */
  get dtypes(): Record<string, DType> {
    return Object.fromEntries(this.columns.map((c) => [c, this.data.get(c)!.dtype]));
  }

  /** The values of a column (or of the index) as JS values; missing values are null. */
  column(name: string): CellValue[] {
    const c = this.data.get(name);
    if (!c) throw new RangeError(`column(name): no column ${JSON.stringify(name)}; columns are ${JSON.stringify(this.columns)}`);
    return Array.from({ length: this.length }, (_, i) => valueAt(c, i));
  }

  /** Raw column storage (TypedArray; strings as dictionary codes). */
  raw(name: string): Column | undefined {
    return this.data.get(name);
  }

  /**
   * One plain object per row, the index column first (pandas' `to_dict('records')`): int64 as a
   * number when safe (else a bigint), datetimes as Date, missing values as null.
   * @example
   * ```ts
   * const rows = (await df.head(3)).toRecords(); // e.g. [{ timestamp: Date, name: 'Alice', id: 1003, x: 0.12, y: -0.5 }, …]
   * ```
   */
  toRecords(): Record<string, CellValue>[] {
    const names = this.index ? [this.index, ...this.columns] : this.columns;
    return Array.from({ length: this.length }, (_, i) => Object.fromEntries(names.map((n) => [n, valueAt(this.data.get(n)!, i)])));
  }

  /** The same as {@link Table.toRecords}, so `JSON.stringify(table)` writes the rows. */
  toJSON(): Record<string, CellValue>[] {
    return this.toRecords();
  }

  /** The rows `rows` (in that order) of the columns `columns` (default all). */
  take(rows: ArrayLike<number>, columns: readonly string[] = this.columns): Table {
    const data = new Map<string, Column>();
    const names = this.index && !columns.includes(this.index) ? [this.index, ...columns] : columns;
    for (const k of names) {
      const c = this.data.get(k)!;
      const src = c.values;
      const out = new (src.constructor as { new (n: number): typeof src })(rows.length);
      for (let i = 0; i < rows.length; i++) (out as Float64Array)[i] = (src as Float64Array)[rows[i]!]!;
      const valid = c.valid ? Uint8Array.from(rows, (r) => c.valid![r]!) : undefined;
      data.set(k, { dtype: c.dtype, values: out, dict: c.dict, valid });
    }
    return new Table([...columns], data, rows.length, this.index);
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive), clipped to [0, length], as a new Table whose
   * columns are views of this one's (nothing is copied).
   */
  slice(start: number, end: number): Table {
    const s = Math.max(0, start);
    const e = Math.min(this.length, end);
    const data = new Map<string, Column>();
    for (const [k, c] of this.data) data.set(k, sliceColumn(c, s, e));
    return new Table(this.columns, data, Math.max(0, e - s), this.index);
  }

  /**
   * The first `n` rows (default 5), as pandas' `head`: a negative `n` is every row but the last
   * `-n`. Views of this table's columns, as {@link Table.slice}.
   * @example
   * const counts = await df.get('name').valueCounts().compute();
   * counts.head(3); // the three most frequent names
   */
  head(n = 5): Table {
    const k = checkRowCount('head', n);
    return this.slice(0, k < 0 ? this.length + k : k);
  }

  /** The last `n` rows (default 5), as pandas' `tail`: a negative `n` is every row but the first `-n`. */
  tail(n = 5): Table {
    const k = checkRowCount('tail', n);
    return this.slice(k < 0 ? -k : Math.max(0, this.length - k), this.length);
  }

  /** console.log(table) prints the pandas-style table of toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** A pandas-style table; above 60 rows only the first and last 5 (as pandas' display.max_rows). */
  toString(): string {
    const n = this.length;
    const cut = n > 60;
    const rows = cut ? [0, 1, 2, 3, 4, -1, n - 5, n - 4, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const indexCol = this.index ? this.data.get(this.index) : undefined;
    const labels = rows.map((i) => {
      if (i < 0) return '...';
      if (!indexCol) return String(i);
      const v = valueAt(indexCol, i);
      return indexCol.dtype === 'Int64' && v === null ? '<NA>' : formatCell(v); // pandas' NA in an Int64 index
    });
    const cells = this.columns.map((c) => {
      const col = this.data.get(c)!;
      return rows.map((i) => {
        if (i < 0) return '...';
        const v = valueAt(col, i);
        if (col.dtype === 'timedelta') return formatTimedelta(v as number | null);
        if (col.dtype === 'Int64' && v === null) return '<NA>'; // pandas' NA
        return col.dtype === 'float64' ? (v === null ? 'NaN' : formatFloat(v as number)) : formatCell(v);
      });
    });
    const table = renderTable(labels, this.columns, cells, '', this.index);
    return cut ? `${table}\n\n[${n} rows x ${this.columns.length} columns]` : table;
  }

  /**
   * The rows of computed partitions one after another, as {@link DataFrame.compute} builds its
   * result: int64 and float64 partitions of one column concatenate to float64 (pandas' concat);
   * other dtype mixes are an Error.
   */
  static concat(columns: string[], parts: Partition[], index?: string): Table {
    const names = index ? [index, ...columns] : columns;
    const length = parts.reduce((a, p) => a + p.length, 0);
    const data = new Map<string, Column>();
    for (const n of names) {
      const all = parts.map((p) => p.columns.get(n)).filter((c): c is Column => !!c);
      if (!all.length) continue;
      // partitions without rows say nothing about the dtype (a header-only file reads as float64)
      let cols = all.filter((c) => columnLength(c) > 0);
      if (!cols.length) cols = [all[0]!];
      const dtypes = new Set(cols.map((c) => c.dtype));
      if (dtypes.size > 1) {
        // int64 and float64 partitions concatenate to float64 (pandas' concat); other mixes are the source's to unify
        if (dtypes.size === 2 && dtypes.has('int64') && dtypes.has('float64')) cols = cols.map(toFloat);
        else throw new Error(`Table.concat: column ${JSON.stringify(n)} has partitions of dtypes ${[...dtypes].join(', ')}`);
      }
      if (cols.length === 1) {
        data.set(n, cols[0]!);
        continue;
      }
      const dtype = cols[0]!.dtype;
      const joined = dtype === 'Int64' ? undefined : adjacentViews(cols);
      if (joined) {
        // slices of one array in order (a sorted frame's partitions): their span, not a copy
        data.set(n, joined);
        continue;
      }
      if (dtype === 'string' || dtype === 'category') {
        // the partitions' dictionaries side by side, codes shifted: no string is decoded or
        // hashed (an entry may repeat; consumers compare strings, not codes)
        const { dict, base } = mergeDicts(cols);
        const out = new Int32Array(length);
        let at = 0;
        for (const c of cols) {
          const codes = c.values as Int32Array;
          const shift = base.get(c.dict!)!;
          for (let i = 0; i < codes.length; i++) out[at++] = codes[i]! < 0 ? -1 : codes[i]! + shift;
        }
        data.set(n, { dtype, values: out, dict });
      } else {
        const out = dtype === 'int64' || dtype === 'Int64' ? new BigInt64Array(length) : dtype === 'bool' ? new Uint8Array(length) : new Float64Array(length);
        const valid = dtype === 'Int64' ? new Uint8Array(length) : undefined;
        let at = 0;
        for (const c of cols) {
          (out as Float64Array).set(c.values as Float64Array, at);
          valid?.set(c.valid!, at);
          at += columnLength(c);
        }
        data.set(n, { dtype, values: out, valid });
      }
    }
    return new Table(columns, data, length, index);
  }
}

function checkRowCount(method: string, n: unknown): number {
  if (typeof n !== 'number') throw new TypeError(`Table.${method}(n): n must be an integer, got ${describeValue(n)}`);
  if (!Number.isInteger(n)) throw new RangeError(`Table.${method}(n): n must be an integer, got ${n}`);
  return n;
}
