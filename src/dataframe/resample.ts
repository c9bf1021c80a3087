// resample(rule) on a datetime index (pandas' DataFrame.resample with its defaults: bins closed
// and labelled on the left, origin 'start_day' — midnight of the first timestamp's day — and
// every bin from the first to the last timestamp's, empty ones included): mean / sum / count per
// bin. Calendar rules (pandas' 'M', 'MS', 'Q', 'QS', 'A'/'Y', 'AS'/'YS', 'W', 'W-MON' …) bin by
// calendar month, quarter, year or week, labelled as pandas' (a month-end rule by the month's
// last day at midnight, its bin holding that whole day, as pandas' closed='right' bins widened
// by a day). Each partition is binned on its own (partials per bin), the partials then add up, so bins
// that span partitions are exact whatever the divisions.
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { type Column, type DType, type Partition, StringDict } from './column.js';
import type { DataFrame } from './frame.js';
import { Lazy } from './layers.js';
import { AGG_CODE, type NativeOut, groupbyColumn, outColumn } from './groupby.js';
import { locate } from './expr.js';
import { ColType, type GroupbyColumnSpec, dfNative } from './native.js';
import { Tracker, awaitNative } from './run.js';
import { Table } from './table.js';

const UNITS: Record<string, number> = { ms: 1, L: 1, s: 1000, S: 1000, min: 60_000, T: 60_000, h: 3_600_000, H: 3_600_000, d: 86_400_000, D: 86_400_000 };
const DAY = 86_400_000;

/** A fixed frequency in ms: '<n>ms', 's', 'min' ('T'), 'h', 'D' (calendar rules such as 'M' and 'W' are not fixed). */
export function parseRule(where: string, rule: unknown): number {
  if (typeof rule !== 'string') throw new TypeError(`${where}: rule must be a string like '1h' or '15min', got ${describeValue(rule)}`);
  const m = /^\s*(\d+)?\s*(ms|L|s|S|min|T|h|H|d|D)\s*$/.exec(rule);
  if (!m) throw new RangeError(`${where}: rule ${JSON.stringify(rule)} is not a fixed frequency; accepted: '<n>ms', '<n>s', '<n>min' ('T'), '<n>h', '<n>D'`);
  const v = (m[1] ? Number(m[1]) : 1) * UNITS[m[2]!]!;
  if (!(v > 0)) throw new RangeError(`${where}: rule must be positive, got ${JSON.stringify(rule)}`);
  return v;
}

type Agg = 'mean' | 'sum' | 'count';
type Pick = 'min' | 'max' | 'first' | 'last' | 'median' | 'std' | 'var';

const BOOL_TEXT = StringDict.fromStrings(['False', 'True']);

/**
 * One value per bin (row row(k) of col(k), -1 for an empty bin) as a column: its dtype, or with
 * empty bins what pandas makes of a missing value there (int64 → float64 NaN, Int64 <NA>, bool
 * → 'True'/'False' strings with missing, strings missing, datetimes NaT).
 */
function gathered(dtype: DType, bins: number, row: (k: number) => number, col: (k: number) => Column | undefined, empty: boolean): Column {
  switch (dtype) {
    case 'int64':
      if (!empty) return { dtype, values: BigInt64Array.from({ length: bins }, (_, k) => (col(k)!.values as BigInt64Array)[row(k)]!) };
      return { dtype: 'float64', values: Float64Array.from({ length: bins }, (_, k) => (row(k) < 0 ? NaN : Number((col(k)!.values as BigInt64Array)[row(k)]!))) };
    case 'Int64':
      return {
        dtype,
        values: BigInt64Array.from({ length: bins }, (_, k) => (row(k) < 0 ? 0n : (col(k)!.values as BigInt64Array)[row(k)]!)),
        valid: Uint8Array.from({ length: bins }, (_, k) => (row(k) < 0 ? 0 : 1)),
      };
    case 'bool': {
      const v = (k: number): number => (col(k)!.values as Uint8Array)[row(k)]!;
      if (!empty) return { dtype, values: Uint8Array.from({ length: bins }, (_, k) => v(k)) };
      return { dtype: 'string', values: Int32Array.from({ length: bins }, (_, k) => (row(k) < 0 ? -1 : v(k))), dict: BOOL_TEXT };
    }
    case 'string':
    case 'category': {
      // one dictionary for the picked strings
      const strings: string[] = [];
      const at = new Map<string, number>();
      const codes = Int32Array.from({ length: bins }, (_, k) => {
        if (row(k) < 0) return -1;
        const c = col(k)!;
        const s = c.dict!.get((c.values as Int32Array)[row(k)]!);
        let code = at.get(s);
        if (code === undefined) {
          code = strings.push(s) - 1;
          at.set(s, code);
        }
        return code;
      });
      return { dtype, values: codes, dict: StringDict.fromStrings(strings) };
    }
    default:
      return { dtype, values: Float64Array.from({ length: bins }, (_, k) => (row(k) < 0 ? NaN : (col(k)!.values as Float64Array)[row(k)]!)) };
  }
}

/** How timestamps fall into bins: a fixed frequency, or calendar periods. */
export type Binning = { kind: 'fixed'; freq: number } | { kind: 'calendar'; unit: 'M' | 'Q' | 'A'; start: boolean } | { kind: 'week'; end: number };

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** A resample rule: a fixed frequency (parseRule) or a calendar one, one period at a time. */
export function parseBinning(where: string, rule: unknown): Binning {
  if (typeof rule === 'string') {
    const m = /^\s*(M|MS|Q|QS|A|AS|Y|YS|W)(?:-([A-Z]{3}))?\s*$/.exec(rule);
    if (m) {
      const [, u, anchor] = m;
      if (u === 'W') {
        const end = WEEKDAYS.indexOf(anchor ?? 'SUN');
        if (end < 0) throw new RangeError(`${where}: ${JSON.stringify(rule)}: a weekly rule's anchor is one of ${WEEKDAYS.map((d) => `W-${d}`).join(', ')}`);
        return { kind: 'week', end };
      }
      if (anchor !== undefined) throw new RangeError(`${where}: ${JSON.stringify(rule)}: anchored month, quarter and year rules other than the default (December year ends) are not supported; accepted: M, MS, Q, QS, A (Y), AS (YS), W, W-MON … W-SUN`);
      const unit = u![0] === 'Y' ? 'A' : (u![0] as 'M' | 'Q' | 'A');
      return { kind: 'calendar', unit, start: u!.endsWith('S') };
    }
    if (/^\s*\d+\s*(M|MS|Q|QS|A|AS|Y|YS|W)(-[A-Z]{3})?\s*$/.test(rule)) {
      throw new RangeError(`${where}: ${JSON.stringify(rule)}: multiples of calendar rules are not supported (pandas anchors them at an origin); use one period ('M', 'W', …) or a fixed frequency`);
    }
  }
  try {
    return { kind: 'fixed', freq: parseRule(where, rule) };
  } catch (err) {
    if (err instanceof RangeError && typeof rule === 'string') {
      throw new RangeError(`${err.message}; or a calendar rule: 'M' / 'MS' (month end / start), 'Q' / 'QS', 'A' / 'AS' ('Y' / 'YS'), 'W' ('W-SUN'), 'W-MON' … 'W-SAT'`);
    }
    throw err;
  }
}

/** The bins of timestamps in [lo, hi]: how many, which bin a timestamp is in, and their labels. */
function binsOf(b: Binning, lo: number, hi: number): { bins: number; binOf: (t: number) => number; label: (k: number) => number } {
  if (!(lo <= hi)) return { bins: 0, binOf: () => 0, label: () => 0 };
  if (b.kind === 'fixed') {
    const { freq } = b;
    const origin = Math.floor(lo / DAY) * DAY;
    const first = origin + Math.floor((lo - origin) / freq) * freq;
    return { bins: Math.floor((hi - first) / freq) + 1, binOf: (v) => Math.floor((v - first) / freq), label: (k) => first + k * freq };
  }
  if (b.kind === 'week') {
    // days since 1970-01-01 (a Thursday: weekday 3, Monday = 0); a week ends on weekday b.end and
    // is labelled by that day: the end on or after the timestamp's day
    const endDay = (t: number): number => {
      const d = Math.floor(t / DAY);
      return d + ((b.end - ((d + 3) % 7) + 14) % 7);
    };
    const first = endDay(lo);
    return { bins: (endDay(hi) - first) / 7 + 1, binOf: (v) => (endDay(v) - first) / 7, label: (k) => (first + 7 * k) * DAY };
  }
  // months since year 0 for the period of a timestamp; a period is 1, 3 or 12 months
  const months = b.unit === 'M' ? 1 : b.unit === 'Q' ? 3 : 12;
  const period = (t: number): number => {
    const d = new Date(t);
    return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / months);
  };
  const first = period(lo);
  const label = (k: number): number => {
    const m = (first + k) * months + (b.start ? 0 : months);
    // the period's first day, or the last day of its last month (the day before the next period)
    return Date.UTC(Math.floor(m / 12), m % 12, 1) - (b.start ? 0 : DAY);
  };
  return { bins: period(hi) - first + 1, binOf: (v) => period(v) - first, label };
}

/** pandas' Resampler: `df.resample('1h').mean()`, `df.resample('M').last()`. */
export class Resampler {
  /** @internal use df.resample(rule) */
  constructor(
    private readonly frame: DataFrame,
    private readonly binning: Binning,
  ) {}

  /** Mean per bin of the int64, Int64 and float64 columns (NaN for an empty bin; Int64's `<NA>` skipped: pandas' Float64 as float64). */
  mean(): Lazy<Table> {
    return this.agg('mean');
  }
  /** Sum per bin of the int64, Int64 and float64 columns (0 for an empty bin; int64 stays int64, Int64 stays Int64 (exact, `<NA>` skipped), as pandas). */
  sum(): Lazy<Table> {
    return this.agg('sum');
  }
  /** Non-missing values per bin of every column (int64; Int64's `<NA>` not counted). */
  count(): Lazy<Table> {
    return this.agg('count');
  }
  /** Smallest value per bin of the int64, Int64 and float64 columns; an empty bin is missing (an int64 column then becomes float64, as pandas'). */
  min(): Lazy<Table> {
    return this.pick('min');
  }
  /** Largest value per bin; as {@link Resampler.min}. */
  max(): Lazy<Table> {
    return this.pick('max');
  }
  /** First non-missing value per bin of every column; an empty bin is missing (int64 becomes float64, bool a 'True'/'False' string column, as pandas' object). */
  first(): Lazy<Table> {
    return this.pick('first');
  }
  /** Last non-missing value per bin; as {@link Resampler.first}. */
  last(): Lazy<Table> {
    return this.pick('last');
  }
  /** Median per bin of the int64, Int64 and float64 columns (float64; NaN for an empty bin). */
  median(): Lazy<Table> {
    return this.pick('median');
  }
  /** Standard deviation per bin (ddof 1, pandas' default) of the int64, Int64 and float64 columns (float64; NaN below two values). */
  std(): Lazy<Table> {
    return this.pick('std');
  }
  /** Variance per bin (ddof 1); as {@link Resampler.std}. */
  var(): Lazy<Table> {
    return this.pick('var');
  }

  private pick(op: Pick): Lazy<Table> {
    const f = this.frame;
    const dtypes = f.dtypes;
    const cols = op === 'first' || op === 'last' ? f.columns : f.columns.filter((c) => dtypes[c] === 'int64' || dtypes[c] === 'Int64' || dtypes[c] === 'float64');
    return new Lazy((o) => f.reductionLayers(`resample-${op}`, o), (options) => this.runPick(op, cols, options));
  }

  /**
   * min/max/first/last/median/std/var: the bin of each row as a float64 key (NaN for a missing
   * timestamp, dropped) and the native groupby (groupby.ts's) over it, a count per column saying
   * which bins have values; the groups then laid out over every bin from the first to the last,
   * the empty ones missing as pandas makes them (gathered). Int64 min/max run exactly as int64
   * with <NA> as the neutral value (as groupby's); Int64 first/last travel as float64 (exact to
   * 2^53, as groupby's).
   */
  private async runPick(op: Pick, cols: string[], options: ComputeOptions): Promise<Table> {
    const index = this.frame.index!;
    const { parts, bins, binOf, label } = await this.binned(op, cols, options);
    const data = new Map<string, Column>();
    data.set(index, { dtype: 'datetime', values: Float64Array.from({ length: bins }, (_, k) => label(k)) });
    const stats = op === 'median' || op === 'std' || op === 'var';
    const dtypeOf = (c: string): DType => parts.find((p) => p.length)?.columns.get(c)?.dtype ?? this.frame.dtypes[c]!;
    const exactInt = (c: string): boolean => dtypeOf(c) === 'Int64' && (op === 'min' || op === 'max');
    // Int64 first/last: the row number of each present value (float64, NaN for <NA>), the value read back exactly
    const rowOf = (c: string): boolean => dtypeOf(c) === 'Int64' && (op === 'first' || op === 'last');
    const offsets: number[] = [];
    parts.reduce((at, p) => (offsets.push(at), at + p.length), 0);
    const values = cols.map((c): GroupbyColumnSpec => {
      if (rowOf(c)) {
        return { type: ColType.Float64, parts: parts.map((p, pi) => {
          const col = p.columns.get(c)!;
          return Float64Array.from({ length: p.length }, (_, i) => (!col.valid || col.valid[i] ? offsets[pi]! + i : NaN));
        }) };
      }
      if (!exactInt(c)) return groupbyColumn(parts, c, this.frame.dtypes[c]!);
      const neutral = op === 'min' ? 2n ** 63n - 1n : -(2n ** 63n);
      return { type: ColType.Int64, parts: parts.map((p) => {
        const col = p.columns.get(c)!;
        return col.valid ? BigInt64Array.from(col.values as BigInt64Array, (v, i) => (col.valid![i] ? v : neutral)) : col.values;
      }) };
    });
    const spec = {
      rows: parts.map((p) => p.length),
      keys: [{ type: ColType.Float64, parts: parts.map((p) => Float64Array.from(p.columns.get(index)!.values as Float64Array, (t) => (Number.isNaN(t) ? NaN : binOf(t)))) }],
      values,
      aggs: [
        ...cols.map((_, j) => ({ agg: AGG_CODE[op], value: j, ddof: 1, q: 0.5 })),
        ...cols.map((_, j) => ({ agg: AGG_CODE.count, value: j, ddof: 1, q: 0.5 })),
      ],
    };
    const tracker = new Tracker(options, `resample-${op}`, 1);
    const res = await tracker.run(() => awaitNative((onProgress) => dfNative().dfGroupby(spec, onProgress), tracker.phase(1)));
    const G = res.groups;
    const keys = new Float64Array(res.columns[0]!.data);
    const group = new Int32Array(bins).fill(-1);
    for (let g = 0; g < G; g++) group[keys[g]!] = g;
    cols.forEach((c, j) => {
      const out = outColumn(res.columns[1 + j] as NativeOut, G);
      const counts = new BigInt64Array(res.columns[1 + cols.length + j]!.data);
      const row = (k: number): number => (group[k]! >= 0 && counts[group[k]!]! > 0n ? group[k]! : -1);
      if (stats) {
        data.set(c, { dtype: 'float64', values: Float64Array.from({ length: bins }, (_, k) => (row(k) < 0 ? NaN : (out.values as Float64Array)[row(k)]!)) });
        return;
      }
      const dtype = dtypeOf(c);
      // Int64 comes back int64 (min/max) or as row numbers (first/last): as Int64 values for gathered
      const at = (r: number): bigint => {
        const [pi, i] = locate(parts, r);
        return (parts[pi]!.columns.get(c)!.values as BigInt64Array)[i]!;
      };
      const picked: Column = rowOf(c) ? { dtype: 'Int64', values: BigInt64Array.from(out.values as Float64Array, (r) => (Number.isNaN(r) ? 0n : at(r))) } : out;
      let empty = false;
      for (let k = 0; k < bins && !empty; k++) empty = row(k) < 0;
      data.set(c, gathered(dtype, bins, row, () => picked, empty));
    });
    return new Table(cols, data, bins, index);
  }

  private agg(op: Agg): Lazy<Table> {
    const f = this.frame;
    const dtypes = f.dtypes;
    const cols = op === 'count' ? f.columns : f.columns.filter((c) => dtypes[c] === 'int64' || dtypes[c] === 'Int64' || dtypes[c] === 'float64');
    return new Lazy((o) => f.reductionLayers(`resample-${op}`, o), (options) => this.run(op, cols, options));
  }

  /** The partitions with `cols` and the bins of their timestamps (from the first to the last). */
  private async binned(op: string, cols: string[], options: ComputeOptions): Promise<{ parts: Partition[]; bins: number; binOf: (t: number) => number; label: (k: number) => number }> {
    const f = this.frame;
    const index = f.index!;
    const tracker = new Tracker(options, `resample-${op}`, f.npartitions);
    const parts = await tracker.run(() => f.state.source.load(cols, undefined, tracker.phase(f.npartitions)));
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of parts) {
      const t = p.columns.get(index)!.values as Float64Array;
      for (let i = 0; i < t.length; i++) {
        const v = t[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return { parts, ...binsOf(this.binning, lo, hi) };
  }

  private async run(op: Agg, cols: string[], options: ComputeOptions): Promise<Table> {
    const index = this.frame.index!;
    const { parts, bins, binOf, label } = await this.binned(op, cols, options);
    const data = new Map<string, Column>();
    data.set(index, { dtype: 'datetime', values: Float64Array.from({ length: bins }, (_, k) => label(k)) });
    const outCols: [string, DType][] = [];
    for (const c of cols) {
      const count = new Float64Array(bins);
      // Neumaier-compensated sums (pandas' grouped sums are Kahan-compensated)
      const sum = new Float64Array(bins);
      const comp = new Float64Array(bins);
      let isum: BigInt64Array | undefined;
      const dtype = parts.find((p) => p.length)?.columns.get(c)?.dtype ?? this.frame.dtypes[c]!;
      if (op === 'sum' && (dtype === 'int64' || dtype === 'Int64')) isum = new BigInt64Array(bins);
      for (const p of parts) {
        const t = p.columns.get(index)!.values as Float64Array;
        const col = p.columns.get(c)!;
        for (let i = 0; i < p.length; i++) {
          const ts = t[i]!;
          if (Number.isNaN(ts)) continue; // pandas drops rows with a missing timestamp
          const b = binOf(ts);
          if (col.valid && !col.valid[i]) continue; // Int64's <NA>: skipped, as pandas' masked reductions
          let v: number;
          switch (col.dtype) {
            case 'Int64':
            case 'int64':
              if (isum) {
                isum[b]! += (col.values as BigInt64Array)[i]!;
                count[b]!++;
                continue;
              }
              v = Number((col.values as BigInt64Array)[i]!);
              break;
            case 'string':
              v = (col.values as Int32Array)[i]! < 0 ? NaN : 0;
              break;
            case 'bool':
              v = (col.values as Uint8Array)[i]!;
              break;
            default:
              v = (col.values as Float64Array)[i]!;
          }
          if (Number.isNaN(v)) continue;
          count[b]!++;
          if (op === 'count') continue;
          const s = sum[b]!;
          const n = s + v;
          comp[b]! += Math.abs(s) >= Math.abs(v) ? s - n + v : v - n + s;
          sum[b] = n;
        }
      }
      if (op === 'count') {
        data.set(c, { dtype: 'int64', values: BigInt64Array.from(count, (x) => BigInt(x)) });
        outCols.push([c, 'int64']);
      } else if (isum && dtype === 'Int64') {
        // pandas: an Int64 sum stays Int64, 0 for a bin without values (min_count=0)
        data.set(c, { dtype: 'Int64', values: isum, valid: new Uint8Array(bins).fill(1) });
        outCols.push([c, 'Int64']);
      } else if (isum) {
        data.set(c, { dtype: 'int64', values: isum });
        outCols.push([c, 'int64']);
      } else {
        // compensation only for finite sums (inf - inf would make NaN)
        const total = Float64Array.from(sum, (s, k) => (Number.isFinite(s) && Number.isFinite(comp[k]!) ? s + comp[k]! : s));
        const values = op === 'sum' ? total : Float64Array.from(total, (s, k) => (count[k] ? s / count[k]! : NaN));
        data.set(c, { dtype: 'float64', values });
        outCols.push([c, 'float64']);
      }
    }
    return new Table(outCols.map(([c]) => c), data, bins, index);
  }
}

export function resampleFrame(df: DataFrame, rule: string): Resampler {
  const binning = parseBinning('resample(rule)', rule);
  const index = df.index;
  if (!index) throw new TypeError('resample(rule): the frame has no index; setIndex a datetime column first (or resample the timeseries dataset)');
  const d = df.state.source.schema.find(([n]) => n === index)?.[1];
  if (d !== 'datetime') throw new TypeError(`resample(rule): the index ${JSON.stringify(index)} has dtype ${d}; resample needs a datetime index`);
  return new Resampler(df, binning);
}
