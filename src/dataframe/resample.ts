// resample(rule) on a datetime index (pandas' DataFrame.resample with its defaults: bins closed
// and labelled on the left, origin 'start_day' — midnight of the first timestamp's day — and
// every bin from the first to the last timestamp's, empty ones included): mean / sum / count per
// bin. Each partition is binned on its own (partials per bin), the partials then add up, so bins
// that span partitions are exact whatever the divisions.
import { describe as describeValue } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import type { Column, DType } from './column.js';
import type { DataFrame } from './frame.js';
import { Lazy } from './layers.js';
import { Tracker } from './run.js';
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

/** pandas' Resampler: `df.resample('1h').mean()`. */
export class Resampler {
  /** @internal use df.resample(rule) */
  constructor(
    private readonly frame: DataFrame,
    private readonly freq: number,
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

  private agg(op: Agg): Lazy<Table> {
    const f = this.frame;
    const dtypes = f.dtypes;
    const cols = op === 'count' ? f.columns : f.columns.filter((c) => dtypes[c] === 'int64' || dtypes[c] === 'Int64' || dtypes[c] === 'float64');
    return new Lazy((o) => f.reductionLayers(`resample-${op}`, o), (options) => this.run(op, cols, options));
  }

  private async run(op: Agg, cols: string[], options: ComputeOptions): Promise<Table> {
    const f = this.frame;
    const index = f.index!;
    const freq = this.freq;
    const tracker = new Tracker(options, `resample-${op}`, f.npartitions);
    const parts = await tracker.run(() => f.state.source.load(cols, undefined, tracker.phase(f.npartitions)));
    // the first and last timestamps: the bins' range (origin: midnight of the first day)
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
    const origin = Math.floor(lo / DAY) * DAY;
    const first = lo <= hi ? origin + Math.floor((lo - origin) / freq) * freq : 0;
    const bins = lo <= hi ? Math.floor((hi - first) / freq) + 1 : 0;
    const data = new Map<string, Column>();
    data.set(index, { dtype: 'datetime', values: Float64Array.from({ length: bins }, (_, k) => first + k * freq) });
    const binOf = (v: number): number => Math.floor((v - first) / freq);
    const outCols: [string, DType][] = [];
    for (const c of cols) {
      const count = new Float64Array(bins);
      // Neumaier-compensated sums (pandas' grouped sums are Kahan-compensated)
      const sum = new Float64Array(bins);
      const comp = new Float64Array(bins);
      let isum: BigInt64Array | undefined;
      const dtype = parts.find((p) => p.length)?.columns.get(c)?.dtype ?? f.dtypes[c]!;
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
  const freq = parseRule('resample(rule)', rule);
  const index = df.index;
  if (!index) throw new TypeError('resample(rule): the frame has no index; setIndex a datetime column first (or resample the timeseries dataset)');
  const d = df.state.source.schema.find(([n]) => n === index)?.[1];
  if (d !== 'datetime') throw new TypeError(`resample(rule): the index ${JSON.stringify(index)} has dtype ${d}; resample needs a datetime index`);
  return new Resampler(df, freq);
}
