// The DataFrame collection: lazy, partitioned, columnar. Partitions come from a source (the
// timeseries generator, CSV blocks) one task per partition; reductions run natively on the
// engine's pool (partials per partition, then one combine), with exact quantiles for describe().
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import type { VisualizeOptions } from '../visualize/index.js';
import { type DType, type Partition, typeCode } from './column.js';
import { dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';
import { type DataFrameState, layerId } from './source.js';
import { type ToCsvOptions, writePartitions } from './write.js';
import { type DLayer, Lazy, frameLayers, reductionLayers, toTaskGraph } from './layers.js';
import { NUMERIC, type NumStats, checkDdof, checkPercentiles, nonNumeric, stdWith } from './stats.js';
import { Describe } from './describe.js';
import { Table } from './table.js';
import { MemorySource } from './memory.js';

export { Lazy } from './layers.js';
export { Describe } from './describe.js';
export { Table, formatDate } from './table.js';
export { MemorySource } from './memory.js';
export type { NumStats } from './stats.js';
export type { DataFrameState } from './source.js';

export interface DescribeOptions {
  /** Percentiles to include, each in [0, 1] (default [0.25, 0.5, 0.75]; the median is always added). */
  percentiles?: number[];
}

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
    return new DataFrame({ source: this.state.source, columns: names, projection: `getitem-${layerId()}` });
  }

  /** @internal The layers of this frame (source, projection). */
  frameLayers(optimize: boolean): DLayer[] {
    return frameLayers(this.state, optimize);
  }

  /** @internal Layers of a reduction: per-partition chunks and one aggregate. */
  reductionLayers(op: string, optimize: boolean): DLayer[] {
    return reductionLayers(this.state, op, optimize);
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
    return writePartitions(this.state, pattern, options);
  }

  toString(): string {
    return `DataFrame(npartitions=${this.npartitions}, columns=${JSON.stringify(this.dtypes)})`;
  }

  /** console.log(df) prints toString(), not the frame's internal state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
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
