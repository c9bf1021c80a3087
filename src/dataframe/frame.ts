// The DataFrame collection: lazy, partitioned, columnar. Partitions come from a source (the
// timeseries generator, CSV blocks) one task per partition; reductions run natively on the
// engine's pool (partials per partition, then one combine), with exact quantiles for describe().
import { describe as describeValue } from '../errors.js';
import { TaskGraphBuilder } from '../graph/builder.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import type { VisualizeOptions } from '../visualize/index.js';
import { type Column, type DType, type Partition, StringDict, columnLength, sliceColumn, typeCode, valueAt } from './column.js';
import { dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';
import { type LoadContext, type PartitionSource, token } from './source.js';
import { type ToCsvOptions, writePartitions } from './write.js';

// ------------------------------------------------------------------------------------------------
// graph

/** A layer with one task per partition. */
interface DLayer {
  name: string;
  op: string;
  tasks: number;
  deps: string[];
  taskDeps(i: number): [string, number][];
}

function toTaskGraph(layers: DLayer[]): TaskGraph {
  const builder = new TaskGraphBuilder();
  for (const l of layers)
    builder.addGridLayer({ name: l.name, op: l.op, numblocks: [l.tasks], deps: l.deps, taskDeps: ([i]) => l.taskDeps(i!).map(([d, j]) => [d, [j]]) });
  return builder.build();
}

// ------------------------------------------------------------------------------------------------

export interface DataFrameState {
  source: PartitionSource;
  /** Selected columns (a subset of the source's, in the selection's order). */
  columns: readonly string[];
  /** Name of the projection layer when columns were selected. */
  projection?: string;
}

/** A lazy result: `compute()` runs it; `graph()` / `visualize()` show its task graph. */
export class Lazy<T> implements HasGraph {
  constructor(
    private readonly layersFor: (optimize: boolean) => DLayer[],
    private readonly run: (options: ComputeOptions) => Promise<T>,
  ) {}
  compute(options: ComputeOptions = {}): Promise<T> {
    return this.run(options);
  }
  graph(options?: { optimize?: boolean }): TaskGraph {
    return toTaskGraph(this.layersFor(options?.optimize ?? false));
  }
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    const { visualize } = await import('../visualize/index.js');
    return visualize(this, options);
  }
}

export interface DescribeOptions {
  /** Percentiles to include, each in [0, 1] (default [0.25, 0.5, 0.75]; the median is always added). */
  percentiles?: number[];
}

const NUMERIC = (d: DType): boolean => d === 'int64' || d === 'float64';

export class DataFrame implements HasGraph {
  /** @internal */
  readonly state: DataFrameState;
  private readonly dtypeMap: Map<string, DType>;

  /** @internal use datasets.timeseries() or readCsv() */
  constructor(state: DataFrameState) {
    this.state = state;
    this.dtypeMap = new Map(state.source.schema.map(([n, d]) => [n, d] as [string, DType]));
  }

  get columns(): string[] {
    return [...this.state.columns];
  }
  /** Column dtypes ('int64' | 'float64' | 'string' | 'datetime'); for CSV, inferred from a sample of the first file. */
  get dtypes(): Record<string, DType> {
    return Object.fromEntries(this.state.columns.map((c) => [c, this.dtypeMap.get(c)!]));
  }
  get npartitions(): number {
    return this.state.source.npartitions;
  }
  /** Index boundaries of the partitions (npartitions + 1 values) where known, else undefined. */
  get divisions(): (Date | number)[] | undefined {
    return this.state.source.divisions ? [...this.state.source.divisions] : undefined;
  }
  /** Name of the index column (e.g. 'timestamp'), written first by toCsv({ index: true }). */
  get index(): string | undefined {
    return this.state.source.index;
  }

  /** One column as a Series (Dask's df['x']). */
  get(name: string): Series {
    this.checkColumn('get(name)', name);
    return new Series(this.project([name], 'get'));
  }

  /** A DataFrame with these columns, in this order (Dask's df[['x', 'y']]). */
  select(names: string[]): DataFrame {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
      throw new TypeError(`select(names): names must be an array of column names, got ${describeValue(names)}`);
    for (const n of names) this.checkColumn('select(names)', n);
    if (new Set(names).size !== names.length) throw new RangeError(`select(names): duplicate column in ${JSON.stringify(names)}`);
    return this.project(names, 'select');
  }

  private checkColumn(where: string, name: unknown): void {
    if (typeof name !== 'string') throw new TypeError(`${where}: expected a column name (string), got ${describeValue(name)}`);
    if (!this.state.columns.includes(name))
      throw new RangeError(`${where}: no column ${JSON.stringify(name)}; columns are ${JSON.stringify(this.state.columns)}`);
  }

  private project(names: string[], _op: string): DataFrame {
    return new DataFrame({ source: this.state.source, columns: names, projection: `getitem-${token()}` });
  }

  /** @internal The layers of this frame (source, projection). */
  frameLayers(optimize: boolean): DLayer[] {
    const s = this.state.source;
    const src: DLayer = { name: s.name, op: s.op, tasks: s.npartitions, deps: [], taskDeps: () => [] };
    if (optimize || !this.state.projection) return [src];
    const p = this.state.projection;
    return [src, { name: p, op: 'getitem', tasks: s.npartitions, deps: [s.name], taskDeps: (i) => [[s.name, i]] }];
  }

  /** @internal Layers of a reduction: per-partition chunks and one aggregate. */
  reductionLayers(op: string, optimize: boolean): DLayer[] {
    const base = this.frameLayers(optimize);
    const last = base[base.length - 1]!;
    const t = token();
    const P = this.npartitions;
    if (optimize) {
      const chunk: DLayer = { name: `${last.op}-${op}-chunk-${t}`, op: `${op}-chunk`, tasks: P, deps: [], taskDeps: () => [] };
      const agg: DLayer = {
        name: `${op}-agg-${t}`, op: `${op}-agg`, tasks: 1, deps: [chunk.name],
        taskDeps: () => Array.from({ length: P }, (_, i) => [chunk.name, i] as [string, number]),
      };
      return [chunk, agg];
    }
    const chunk: DLayer = { name: `${op}-chunk-${t}`, op: `${op}-chunk`, tasks: P, deps: [last.name], taskDeps: (i) => [[last.name, i]] };
    const agg: DLayer = {
      name: `${op}-agg-${t}`, op: `${op}-agg`, tasks: 1, deps: [chunk.name],
      taskDeps: () => Array.from({ length: P }, (_, i) => [chunk.name, i] as [string, number]),
    };
    return [...base, chunk, agg];
  }

  graph(options?: { optimize?: boolean }): TaskGraph {
    return toTaskGraph(this.frameLayers(options?.optimize ?? false));
  }

  async visualize(options: VisualizeOptions = {}): Promise<string> {
    const { visualize } = await import('../visualize/index.js');
    return visualize(this, options);
  }

  /** @internal Loads partitions (all by default) with the selected columns. */
  loadPartitions(parts: readonly number[] | undefined, tracker: Tracker, tasks: number): Promise<Partition[]> {
    return this.state.source.load(this.state.columns, parts, tracker.phase(tasks));
  }

  /** The first n rows (computes only the partitions needed), as a local Table. */
  async head(n = 5, options: ComputeOptions = {}): Promise<Table> {
    if (typeof n !== 'number') throw new TypeError(`head(n): n must be a non-negative integer, got ${describeValue(n)}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`head(n): n must be a non-negative integer, got ${describeValue(n)}`);
    const tracker = new Tracker(options, 'head', 1);
    return tracker.run(async () => {
      const got: Partition[] = [];
      let rows = 0;
      for (let p = 0; p < this.npartitions && rows < n; p++) {
        const [part] = await this.state.source.load(this.state.columns, [p], p === 0 ? tracker.phase(1) : { options });
        got.push(part!);
        rows += part!.length;
      }
      return Table.concat(this.columns, got, this.index).slice(0, n);
    });
  }

  /** The whole frame as a local Table. */
  compute(options: ComputeOptions = {}): Promise<Table> {
    const tracker = new Tracker(options, this.state.source.name, this.npartitions);
    return tracker.run(async () => Table.concat(this.columns, await this.loadPartitions(undefined, tracker, this.npartitions), this.index));
  }

  /**
   * Computes the partitions once and keeps them in memory (native buffers): later computes on
   * the returned DataFrame start from them instead of regenerating or re-parsing.
   */
  async persist(options: ComputeOptions = {}): Promise<DataFrame> {
    const tracker = new Tracker(options, `persist ${this.state.source.name}`, this.npartitions);
    const parts = await tracker.run(() => this.loadPartitions(undefined, tracker, this.npartitions));
    return new DataFrame({ source: new MemorySource(this.state.source, this.state.columns, parts), columns: this.state.columns });
  }

  /** Number of rows (Dask's len(df)). */
  length(): Lazy<number> {
    const lengths = this.state.source.lengths;
    return new Lazy(
      (o) => this.reductionLayers('len', o),
      async (options) => {
        if (lengths) return lengths.reduce((a, b) => a + b, 0);
        const tracker = new Tracker(options, 'len', this.npartitions);
        return tracker.run(async () => {
          const parts = await this.state.source.load([], undefined, tracker.phase(this.npartitions));
          return parts.reduce((a, p) => a + p.length, 0);
        });
      },
    );
  }

  private numericColumns(): string[] {
    return this.state.columns.filter((c) => NUMERIC(this.dtypeMap.get(c)!));
  }

  /** @internal Per-column statistics of numeric columns. */
  async stats(columns: string[], quantiles: number[], options: ComputeOptions, label: string): Promise<Map<string, NumStats>> {
    const P = this.npartitions;
    const C = columns.length;
    const tracker = new Tracker(options, label, P + 2 * C * P + (quantiles.length ? C : 0));
    return tracker.run(async () => {
      const parts = await this.state.source.load(columns, undefined, tracker.phase(P));
      const out = new Map<string, NumStats>();
      // the dtype may have been unified to another type than the sample's
      const numeric = columns.filter((c) => NUMERIC(parts[0]?.columns.get(c)?.dtype ?? this.dtypeMap.get(c)!));
      for (const c of columns) if (!numeric.includes(c)) out.set(c, nonNumeric(c, parts));
      if (numeric.length) {
        const spec = {
          columns: numeric.map((c) => ({
            type: typeCode(parts[0]?.columns.get(c)?.dtype ?? this.dtypeMap.get(c)!),
            parts: parts.map((p) => p.columns.get(c)!.values),
          })),
          quantiles: new Float64Array(quantiles),
        };
        const ctx = tracker.phase(2 * C * P + C);
        const res = await awaitNative((onProgress) => dfNative().dfStats(spec, onProgress), ctx);
        const per = 6 + quantiles.length;
        numeric.forEach((c, k) => {
          const o = res.subarray(k * per, (k + 1) * per);
          out.set(c, {
            numeric: true, count: o[0]!, sum: o[1]!, mean: o[2]!, std: o[3]!, min: o[4]!, max: o[5]!,
            quantiles: Array.from(o.subarray(6)),
          });
        });
      }
      return out;
    });
  }

  private reduction(op: 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std', extract: (s: NumStats) => number): Lazy<Record<string, number>> {
    const cols = op === 'count' ? this.columns : this.numericColumns();
    return new Lazy(
      (o) => this.reductionLayers(op, o),
      async (options) => {
        const stats = await this.stats(cols, [], options, op);
        return Object.fromEntries(cols.map((c) => [c, extract(stats.get(c)!)]));
      },
    );
  }

  sum(): Lazy<Record<string, number>> { return this.reduction('sum', (s) => s.sum); }
  mean(): Lazy<Record<string, number>> { return this.reduction('mean', (s) => s.mean); }
  min(): Lazy<Record<string, number>> { return this.reduction('min', (s) => s.min); }
  max(): Lazy<Record<string, number>> { return this.reduction('max', (s) => s.max); }
  /** Non-missing values per column (every column). */
  count(): Lazy<Record<string, number>> { return this.reduction('count', (s) => s.count); }
  /** Standard deviation, ddof 1 by default (as pandas). */
  std(options: { ddof?: number } = {}): Lazy<Record<string, number>> {
    const ddof = checkDdof(options);
    return this.reduction('std', (s) => stdWith(s, ddof));
  }

  /**
   * count, mean, std, min, percentiles (exact, linear interpolation as pandas), max of the
   * numeric columns; for frames without numeric columns: count, unique, top, freq.
   */
  describe(options: DescribeOptions = {}): Lazy<Describe> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`describe(options): options must be an object, got ${describeValue(options)}`);
    for (const k of Object.keys(options))
      if (k !== 'percentiles') throw new TypeError(`describe(options): unknown option ${JSON.stringify(k)}; accepted: percentiles`);
    const qs = checkPercentiles(options.percentiles);
    const numeric = this.numericColumns();
    const cols = numeric.length ? numeric : this.columns;
    return new Lazy(
      (o) => this.reductionLayers('describe', o),
      async (options) => {
        const stats = await this.stats(cols, numeric.length ? qs : [], options, 'describe');
        return Describe.from(cols, stats, qs);
      },
    );
  }

  /**
   * Writes one CSV file per partition, in parallel on the native pool; `*` in the pattern is
   * replaced by nameFunction(i) (default: zero-padded partition numbers). Resolves to the file names.
   */
  toCsv(pattern: string | string[], options: ToCsvOptions & ComputeOptions = {}): Promise<string[]> {
    return writePartitions(this, pattern, options);
  }

  toString(): string {
    return `DataFrame(npartitions=${this.npartitions}, columns=${JSON.stringify(this.dtypes)})`;
  }
}

/** One column of a DataFrame (Dask's Series). */
export class Series implements HasGraph {
  constructor(readonly frame: DataFrame) {}
  get name(): string {
    return this.frame.columns[0]!;
  }
  get dtype(): DType {
    return this.frame.dtypes[this.name]!;
  }
  get npartitions(): number {
    return this.frame.npartitions;
  }
  graph(options?: { optimize?: boolean }): TaskGraph {
    return this.frame.graph(options);
  }
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    return this.frame.visualize(options);
  }
  head(n = 5, options: ComputeOptions = {}): Promise<Table> {
    return this.frame.head(n, options);
  }
  length(): Lazy<number> {
    return this.frame.length();
  }
  private scalar(op: string, extract: (s: NumStats) => number, numericOnly = true): Lazy<number> {
    if (numericOnly && !NUMERIC(this.dtype))
      throw new TypeError(`${op}(): column ${JSON.stringify(this.name)} has dtype ${this.dtype}; ${op} needs int64 or float64`);
    return new Lazy(
      (o) => this.frame.reductionLayers(op, o),
      async (options) => extract((await this.frame.stats([this.name], [], options, op)).get(this.name)!),
    );
  }
  sum(): Lazy<number> { return this.scalar('sum', (s) => s.sum); }
  mean(): Lazy<number> { return this.scalar('mean', (s) => s.mean); }
  min(): Lazy<number> { return this.scalar('min', (s) => s.min); }
  max(): Lazy<number> { return this.scalar('max', (s) => s.max); }
  count(): Lazy<number> { return this.scalar('count', (s) => s.count, false); }
  std(options: { ddof?: number } = {}): Lazy<number> {
    const ddof = checkDdof(options);
    return this.scalar('std', (s) => stdWith(s, ddof));
  }
  describe(options: DescribeOptions = {}): Lazy<Describe> {
    return this.frame.describe(options);
  }
}

function checkDdof(options: { ddof?: number }): number {
  if (typeof options !== 'object' || options === null) throw new TypeError(`std(options): options must be an object`);
  const d = options.ddof ?? 1;
  if (typeof d !== 'number') throw new TypeError(`std(options): ddof must be a non-negative integer, got ${describeValue(d)}`);
  if (!Number.isInteger(d) || d < 0) throw new RangeError(`std(options): ddof must be a non-negative integer, got ${describeValue(d)}`);
  return d;
}

function stdWith(s: NumStats, ddof: number): number {
  if (!s.numeric) return NaN;
  if (ddof === 1) return s.std;
  const n = s.count;
  return n - ddof > 0 ? Math.sqrt((s.std * s.std * (n - 1)) / (n - ddof)) : NaN;
}

function checkPercentiles(p: unknown): number[] {
  if (p === undefined) return [0.25, 0.5, 0.75];
  if (!Array.isArray(p)) throw new TypeError(`describe(options): percentiles must be an array of numbers in [0, 1], got ${describeValue(p)}`);
  for (const q of p) {
    if (typeof q !== 'number') throw new TypeError(`describe(options): percentiles must be numbers in [0, 1], got ${describeValue(q)}`);
    if (!(q >= 0 && q <= 1)) throw new RangeError(`describe(options): percentiles must be within [0, 1], got ${describeValue(q)}`);
  }
  const set = new Set<number>([...p, 0.5]);
  if (set.size !== p.length + (p.includes(0.5) ? 0 : 1)) throw new RangeError(`describe(options): percentiles must be unique, got ${JSON.stringify(p)}`);
  return [...set].sort((a, b) => a - b);
}

// ------------------------------------------------------------------------------------------------
// statistics results

export type NumStats =
  | { numeric: true; count: number; sum: number; mean: number; std: number; min: number; max: number; quantiles: number[] }
  | { numeric: false; count: number; unique: number; top: string | null; freq: number | null; sum: number; mean: number; std: number; min: number; max: number };

function nonNumeric(name: string, parts: Partition[]): NumStats {
  const counts = new Map<string, number>();
  let count = 0;
  for (const p of parts) {
    const c = p.columns.get(name)!;
    if (c.dtype === 'string') {
      const codes = c.values as Int32Array;
      const local = new Float64Array(c.dict!.size);
      for (let i = 0; i < codes.length; i++) {
        const k = codes[i]!;
        if (k >= 0) local[k]!++;
      }
      for (let k = 0; k < local.length; k++) {
        if (!local[k]) continue;
        const s = c.dict!.get(k);
        counts.set(s, (counts.get(s) ?? 0) + local[k]!);
        count += local[k]!;
      }
    } else {
      const v = c.values as Float64Array;
      for (let i = 0; i < v.length; i++) {
        if (Number.isNaN(v[i]!)) continue;
        count++;
        const s = new Date(v[i]!).toISOString();
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    }
  }
  let top: string | null = null;
  let freq: number | null = null;
  for (const [s, n] of counts) {
    if (freq === null || n > freq) {
      top = s;
      freq = n;
    }
  }
  return { numeric: false, count, unique: counts.size, top, freq, sum: NaN, mean: NaN, std: NaN, min: NaN, max: NaN };
}

function percentLabel(q: number): string {
  const s = (q * 100).toFixed(6).replace(/\.?0+$/, '');
  return `${s}%`;
}

/** The result of describe(): `String(d)` is a pandas-style table, `d.toJSON()` the nested object. */
export class Describe {
  constructor(
    /** Statistic names, in row order (count, mean, std, min, 25%, 50%, 75%, max). */
    readonly index: string[],
    readonly columns: string[],
    private readonly data: Record<string, Record<string, number | string | null>>,
  ) {}

  static from(cols: string[], stats: Map<string, NumStats>, qs: number[]): Describe {
    const numeric = cols.length > 0 && stats.get(cols[0]!)!.numeric;
    const index = numeric ? ['count', 'mean', 'std', 'min', ...qs.map(percentLabel), 'max'] : ['count', 'unique', 'top', 'freq'];
    const data: Record<string, Record<string, number | string | null>> = {};
    for (const c of cols) {
      const s = stats.get(c)!;
      if (s.numeric) {
        const row: Record<string, number> = { count: s.count, mean: s.mean, std: s.std, min: s.min };
        qs.forEach((q, j) => (row[percentLabel(q)] = s.quantiles[j]!));
        row.max = s.max;
        data[c] = row;
      } else {
        data[c] = { count: s.count, unique: s.unique, top: s.top, freq: s.freq };
      }
    }
    return new Describe(index, cols, data);
  }

  /** { column: { statistic: value } } */
  toJSON(): Record<string, Record<string, number | string | null>> {
    return Object.fromEntries(this.columns.map((c) => [c, { ...this.data[c] }]));
  }

  get(column: string, stat: string): number | string | null | undefined {
    return this.data[column]?.[stat];
  }

  toString(): string {
    const cells = this.columns.map((c) => formatColumn(this.index.map((s) => this.data[c]![s] ?? null)));
    return renderTable(this.index, this.columns, cells, '');
  }
}

/** Formats one column as pandas does: scientific when magnitudes are >= 1e6 or < 1e-4, else 6 decimals. */
function formatColumn(values: (number | string | null | bigint | Date)[]): string[] {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const allNum = values.every((v) => typeof v === 'number' || v === null);
  const allInt = nums.every((v) => Number.isInteger(v));
  if (allNum && nums.length && !allInt) {
    const sci = nums.some((v) => Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-4));
    return values.map((v) => (typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : sci ? expPandas(v) : v.toFixed(6)) : 'NaN'));
  }
  if (allNum && nums.length && allInt && values.some((v) => typeof v === 'number' && !Number.isFinite(v)) ) {
    return values.map((v) => (typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : v.toFixed(1)) : 'NaN'));
  }
  return values.map((v) => formatCell(v));
}

function expPandas(v: number): string {
  const s = v.toExponential(6); // 2.592000e+6
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return 'NaN';
  if (v instanceof Date) return formatDate(v.getTime());
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  return String(v);
}

export function formatDate(ms: number): string {
  const s = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  return s.endsWith('.000') ? s.slice(0, -4) : s;
}

function renderTable(rowLabels: string[], columns: string[], cells: string[][], corner: string, indexName?: string): string {
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

// ------------------------------------------------------------------------------------------------
// local tables

/** A computed (local) frame: head(), compute(). */
export class Table {
  constructor(
    readonly columns: string[],
    /** Column data (the index column included when present). */
    readonly data: Map<string, Column>,
    readonly length: number,
    readonly index?: string,
  ) {}

  get dtypes(): Record<string, DType> {
    return Object.fromEntries(this.columns.map((c) => [c, this.data.get(c)!.dtype]));
  }

  /** The values of a column (or of the index) as JS values; missing values are null. */
  column(name: string): (number | bigint | string | Date | null)[] {
    const c = this.data.get(name);
    if (!c) throw new RangeError(`column(name): no column ${JSON.stringify(name)}; columns are ${JSON.stringify(this.columns)}`);
    return Array.from({ length: this.length }, (_, i) => valueAt(c, i));
  }

  /** Raw column storage (TypedArray; strings as dictionary codes). */
  raw(name: string): Column | undefined {
    return this.data.get(name);
  }

  toRecords(): Record<string, number | bigint | string | Date | null>[] {
    const names = this.index ? [this.index, ...this.columns] : this.columns;
    return Array.from({ length: this.length }, (_, i) => Object.fromEntries(names.map((n) => [n, valueAt(this.data.get(n)!, i)])));
  }

  toJSON(): Record<string, number | bigint | string | Date | null>[] {
    return this.toRecords();
  }

  slice(start: number, end: number): Table {
    const s = Math.max(0, start);
    const e = Math.min(this.length, end);
    const data = new Map<string, Column>();
    for (const [k, c] of this.data) data.set(k, sliceColumn(c, s, e));
    return new Table(this.columns, data, Math.max(0, e - s), this.index);
  }

  /** A pandas-style table; above 60 rows only the first and last 5 (as pandas' display.max_rows). */
  toString(): string {
    const n = this.length;
    const cut = n > 60;
    const rows = cut ? [0, 1, 2, 3, 4, -1, n - 5, n - 4, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const labels = rows.map((i) =>
      i < 0 ? '...' : this.index ? formatCell(valueAt(this.data.get(this.index!)!, i)) : String(i),
    );
    const cells = this.columns.map((c) => {
      const col = this.data.get(c)!;
      return rows.map((i) => {
        if (i < 0) return '...';
        const v = valueAt(col, i);
        return col.dtype === 'float64' ? (v === null ? 'NaN' : (v as number).toFixed(6)) : formatCell(v);
      });
    });
    const table = renderTable(labels, this.columns, cells, '', this.index);
    return cut ? `${table}\n\n[${n} rows x ${this.columns.length} columns]` : table;
  }

  static concat(columns: string[], parts: Partition[], index?: string): Table {
    const names = index ? [index, ...columns] : columns;
    const length = parts.reduce((a, p) => a + p.length, 0);
    const data = new Map<string, Column>();
    for (const n of names) {
      const cols = parts.map((p) => p.columns.get(n)).filter((c): c is Column => !!c);
      if (!cols.length) continue;
      if (cols.length === 1) {
        data.set(n, cols[0]!);
        continue;
      }
      const dtype = cols[0]!.dtype;
      if (dtype === 'string') {
        const strings: string[] = [];
        const codeOf = new Map<string, number>();
        const out = new Int32Array(length);
        let at = 0;
        for (const c of cols) {
          const codes = c.values as Int32Array;
          const remap = new Int32Array(c.dict!.size).fill(-2);
          for (let i = 0; i < codes.length; i++) {
            const k = codes[i]!;
            if (k < 0) {
              out[at++] = -1;
              continue;
            }
            if (remap[k] === -2) {
              const s = c.dict!.get(k);
              let g = codeOf.get(s);
              if (g === undefined) {
                g = strings.length;
                strings.push(s);
                codeOf.set(s, g);
              }
              remap[k] = g;
            }
            out[at++] = remap[k]!;
          }
        }
        data.set(n, { dtype, values: out, dict: StringDict.fromStrings(strings) });
      } else {
        const out = dtype === 'int64' ? new BigInt64Array(length) : new Float64Array(length);
        let at = 0;
        for (const c of cols) {
          (out as Float64Array).set(c.values as Float64Array, at);
          at += columnLength(c);
        }
        data.set(n, { dtype, values: out });
      }
    }
    return new Table(columns, data, length, index);
  }
}

/** Partitions held in memory: persist() results, and frames made from other tools' data (fromArrow). */
export class MemorySource implements PartitionSource {
  readonly name: string;
  readonly npartitions: number;
  readonly schema: [string, DType][];
  readonly index?: string;
  readonly divisions?: readonly (Date | number)[];
  readonly lengths: number[];

  constructor(
    from: Pick<PartitionSource, 'index' | 'divisions' | 'schema'>,
    columns: readonly string[],
    private readonly parts: Partition[],
    readonly op = 'persisted',
  ) {
    this.name = `${op}-${token()}`;
    this.npartitions = parts.length;
    this.index = from.index;
    this.divisions = from.divisions;
    this.lengths = parts.map((p) => p.length);
    const names = from.index ? [from.index, ...columns] : [...columns];
    const declared = new Map(from.schema);
    this.schema = names.map((n) => [n, parts[0]?.columns.get(n)?.dtype ?? declared.get(n)!]);
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const idx = parts ?? this.parts.map((_, i) => i);
    const want = columns ?? this.schema.map((c) => c[0]).filter((n) => n !== this.index);
    const names = this.index ? [this.index, ...want] : want;
    const out = idx.map((i) => {
      const p = this.parts[i]!;
      return { length: p.length, columns: new Map(names.filter((n) => p.columns.has(n)).map((n) => [n, p.columns.get(n)!] as [string, Column])) };
    });
    ctx.progress?.(idx.length);
    return out;
  }
}
