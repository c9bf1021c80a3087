// datasets.timeseries(): Dask's demo dataset, generated natively and deterministically: row r of
// column c is a pure function of (seed, c, r), so the data do not depend on the partitioning.
import { recordRoot } from './recipe-store.js';
import { describe as describeValue } from '../errors.js';
import { type DType, type Partition, StringDict, fromNative, typeCode } from './column.js';
import { DataFrame } from './frame.js';
import { ColType, dfNative } from './native.js';
import { awaitNative } from './run.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';

/** Dask's 26 first names (dask/datasets.py). */
export const NAMES = [
  'Alice', 'Bob', 'Charlie', 'Dan', 'Edith', 'Frank', 'George', 'Hannah', 'Ingrid', 'Jerry', 'Kevin', 'Laura', 'Michael',
  'Norbert', 'Oliver', 'Patricia', 'Quinn', 'Ray', 'Sarah', 'Tim', 'Ursula', 'Victor', 'Wendy', 'Xavier', 'Yvonne', 'Zelda',
];
const NAME_DICT = StringDict.fromStrings(NAMES);

/**
 * Options of {@link datasets.timeseries} (Dask's `dask.datasets.timeseries` keywords; `partitionFreq`
 * is Dask's `partition_freq`). Unknown keys are a TypeError; a bad date or frequency a RangeError.
 */
export interface TimeseriesOptions {
  /** First timestamp (default '2000-01-01'); strings without a zone are UTC. */
  start?: string | Date;
  /** End, exclusive (default '2000-01-31'). */
  end?: string | Date;
  /** Row spacing (default '1s'): a number of ms or '<n>ms|s|min|T|h|H|d|D|W'. */
  freq?: string | number;
  /** Partition length (default '1d'). */
  partitionFreq?: string | number;
  /** Columns and their kinds (default { name: 'string', id: 'int64', x: 'float64', y: 'float64' }):
   *  'string' = uniform over 26 names, 'int64' = Poisson(1000), 'float64' = uniform [-1, 1). */
  dtypes?: Record<string, string>;
  /** Seed (integer 0 ≤ seed < 2^53); default: random, fixed for this DataFrame. */
  seed?: number;
}

const UNITS: Record<string, number> = {
  ms: 1, L: 1, s: 1000, S: 1000, min: 60_000, T: 60_000, h: 3_600_000, H: 3_600_000, d: 86_400_000, D: 86_400_000, W: 7 * 86_400_000, w: 7 * 86_400_000,
};

export function parseFreq(name: string, f: unknown): number {
  if (typeof f === 'number') {
    if (!Number.isFinite(f) || f <= 0) throw new RangeError(`timeseries(options): ${name} must be positive, got ${f}`);
    return f;
  }
  if (typeof f !== 'string') throw new TypeError(`timeseries(options): ${name} must be a string like '1s' or '1d' (or ms as a number), got ${describeValue(f)}`);
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(ms|L|s|S|min|T|h|H|d|D|W|w)\s*$/.exec(f);
  if (!m) throw new RangeError(`timeseries(options): ${name} ${JSON.stringify(f)} is not a frequency; accepted: '<n>ms', 's', 'min' ('T'), 'h', 'd', 'W'`);
  const v = (m[1] ? Number(m[1]) : 1) * UNITS[m[2]!]!;
  if (!(v > 0)) throw new RangeError(`timeseries(options): ${name} must be positive, got ${JSON.stringify(f)}`);
  return v;
}

export function parseTime(name: string, t: unknown): number {
  if (t instanceof Date) {
    if (Number.isNaN(t.getTime())) throw new RangeError(`timeseries(options): ${name} is an invalid Date`);
    return t.getTime();
  }
  if (typeof t !== 'string') throw new TypeError(`timeseries(options): ${name} must be a date string ('2000-01-01') or a Date, got ${describeValue(t)}`);
  const s = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RangeError(`timeseries(options): ${name} ${JSON.stringify(t)} is not a date`);
  return ms;
}

function kindOf(col: string, d: unknown): DType {
  if (typeof d !== 'string') throw new TypeError(`timeseries(options): dtypes.${col} must be a string ('string', 'int64', 'float64'), got ${describeValue(d)}`);
  const k = d.toLowerCase();
  if (k === 'string' || k === 'str' || k === 'object' || k === 'category') return 'string';
  if (k === 'int' || k === 'int64') return 'int64';
  if (k === 'float' || k === 'float64') return 'float64';
  throw new RangeError(`timeseries(options): dtypes.${col} ${JSON.stringify(d)} unknown; accepted: 'string', 'int64', 'float64'`);
}

class TimeseriesSource implements PartitionSource {
  readonly name = `make-timeseries-${layerId()}`;
  readonly op = 'make-timeseries';
  readonly index = 'timestamp';
  readonly npartitions: number;
  readonly schema: [string, DType][];
  readonly divisions: Date[];
  readonly lengths: number[];
  private readonly ranges: [number, number][];

  constructor(
    private readonly startMs: number,
    private readonly freqMs: number,
    bounds: number[],
    columns: [string, DType][],
    readonly seed: number,
  ) {
    this.schema = [['timestamp', 'datetime'], ...columns];
    this.divisions = bounds.map((b) => new Date(b));
    this.ranges = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const r0 = Math.ceil((bounds[i]! - startMs) / freqMs);
      const r1 = Math.ceil((bounds[i + 1]! - startMs) / freqMs);
      this.ranges.push([r0, r1 - r0]);
    }
    this.npartitions = this.ranges.length;
    this.lengths = this.ranges.map((r) => r[1]);
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const idx = parts ?? Array.from({ length: this.npartitions }, (_, i) => i);
    const want = ['timestamp', ...(columns ?? this.schema.slice(1).map((c) => c[0]))];
    const dtypes = new Map(this.schema);
    const flat = new Float64Array(idx.length * 2);
    idx.forEach((p, k) => {
      flat[2 * k] = this.ranges[p]![0];
      flat[2 * k + 1] = this.ranges[p]![1];
    });
    const spec = {
      seed: this.seed,
      startMs: this.startMs,
      freqMs: this.freqMs,
      parts: flat,
      columns: want.map((name) => ({ name, type: typeCode(dtypes.get(name)!), lambda: 1000, ncat: NAMES.length })),
    };
    const cols = want.length;
    const progress = ctx.progress;
    const res = await awaitNative(
      (onProgress) => dfNative().dfTimeseries(spec, onProgress ? (d) => progress!(Math.floor(d / cols)) : undefined),
      { ...ctx, progress },
    );
    return res.map((pc, k) => {
      const map = new Map(
        want.map((name, c) => {
          const col = fromNative(pc[c]!);
          return [name, col.dtype === 'string' ? { ...col, dict: NAME_DICT } : col];
        }),
      );
      return { length: this.ranges[idx[k]!]![1], columns: map };
    });
  }
}

/** Dask's datasets.timeseries(): one partition per partitionFreq; index 'timestamp'. */
export function timeseries(options: TimeseriesOptions = {}): DataFrame {
  if (typeof options !== 'object' || options === null) throw new TypeError(`timeseries(options): options must be an object, got ${describeValue(options)}`);
  const known = ['start', 'end', 'freq', 'partitionFreq', 'dtypes', 'seed'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`timeseries(options): unknown option ${JSON.stringify(k)}; accepted: ${known.join(', ')}`);
  const start = parseTime('start', options.start ?? '2000-01-01');
  const end = parseTime('end', options.end ?? '2000-01-31');
  if (!(end > start)) throw new RangeError(`timeseries(options): end must be after start`);
  const freq = parseFreq('freq', options.freq ?? '1s');
  const pfreq = parseFreq('partitionFreq', options.partitionFreq ?? '1d');
  const dt = options.dtypes ?? { name: 'string', id: 'int64', x: 'float64', y: 'float64' };
  if (typeof dt !== 'object' || dt === null || Array.isArray(dt)) throw new TypeError(`timeseries(options): dtypes must be an object { column: dtype }, got ${describeValue(dt)}`);
  const columns = Object.entries(dt).map(([k, v]) => [k, kindOf(k, v)] as [string, DType]);
  if (!columns.length) throw new RangeError(`timeseries(options): dtypes needs at least one column`);
  if (columns.some(([k]) => k === 'timestamp')) throw new RangeError(`timeseries(options): 'timestamp' is the index name; choose another column name`);
  let seed = options.seed;
  if (seed === undefined) seed = Math.floor(Math.random() * 2 ** 52);
  if (typeof seed !== 'number') throw new TypeError(`timeseries(options): seed must be an integer 0 <= seed < 2^53, got ${describeValue(seed)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53) throw new RangeError(`timeseries(options): seed must be an integer 0 <= seed < 2^53, got ${seed}`);
  // partition boundaries: start, then multiples of partitionFreq (anchored at the epoch, as pandas' date_range for days), end
  const bounds = [start];
  let b = Math.floor(start / pfreq) * pfreq + pfreq;
  while (b < end) {
    bounds.push(b);
    b += pfreq;
  }
  bounds.push(end);
  if ((end - start) / freq > 2 ** 40) throw new RangeError(`timeseries(options): too many rows`);
  if (bounds.length - 1 > 1_000_000) throw new RangeError(`timeseries(options): too many partitions`);
  return recordRoot(new DataFrame({ source: new TimeseriesSource(start, freq, bounds, columns, seed), columns: columns.map((c) => c[0]) }), 'timeseries', [options]);
}

/** Demo datasets, as `dask.datasets`. */
export const datasets = {
  /**
   * Dask's `datasets.timeseries()`: a DataFrame generated natively and deterministically (row r
   * of column c is a pure function of (seed, c, r), so the data do not depend on the
   * partitioning), indexed by `'timestamp'`, one partition per `partitionFreq`. Default: January
   * 2000 at 1 s, columns name (string), id (int64, Poisson(1000)), x and y (float64, uniform [-1, 1)).
   * @example
   * ```ts
   * const df = datasets.timeseries({ seed: 42 });
   * const means = await df.groupby('name').agg({ x: 'mean' }).compute();
   * ```
   */
  timeseries,
};

// keep the ColType import used in declarations
export type { ColType };
