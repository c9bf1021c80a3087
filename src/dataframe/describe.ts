// The result of describe(): statistics by column, printed as pandas prints them.
import type { NumStats } from './stats.js';
import { formatColumn, renderTable } from './table.js';

function percentLabel(q: number): string {
  const s = (q * 100).toFixed(6).replace(/\.?0+$/, '');
  return `${s}%`;
}

/** The result of describe(): `String(d)` is a pandas-style table, `d.toJSON()` the nested object. */
export class Describe {
  constructor(
    /** Statistic names, in row order (count, mean, std, min, 25%, 50%, 75%, max). */
    readonly index: string[],
    /** The described columns, in order. */
    readonly columns: string[],
    private readonly data: Record<string, Record<string, number | string | boolean | null>>,
  ) {}

  /**
   * The table {@link DataFrame.describe} builds from its per-column statistics: for numeric columns
   * count, mean, std, min, the percentiles (labelled as pandas', e.g. '25%') and max; otherwise
   * count, unique, top, freq.
   */
  static from(cols: string[], stats: Map<string, NumStats>, qs: number[]): Describe {
    const numeric = cols.length > 0 && stats.get(cols[0]!)!.numeric;
    const index = numeric ? ['count', 'mean', 'std', 'min', ...qs.map(percentLabel), 'max'] : ['count', 'unique', 'top', 'freq'];
    const data: Record<string, Record<string, number | string | boolean | null>> = {};
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
  toJSON(): Record<string, Record<string, number | string | boolean | null>> {
    return Object.fromEntries(this.columns.map((c) => [c, { ...this.data[c] }]));
  }

  /**
   * One statistic of one column, e.g. `d.get('x', 'mean')` or `d.get('x', '50%')`; undefined for an
   * unknown column or statistic.
   */
  get(column: string, stat: string): number | string | boolean | null | undefined {
    return this.data[column]?.[stat];
  }

  /** The pandas-style text table (statistics as rows, columns as columns), e.g. for `console.log(String(d))`. */
  toString(): string {
    const cells = this.columns.map((c) => formatColumn(this.index.map((s) => this.data[c]![s] ?? null)));
    return renderTable(this.index, this.columns, cells, '');
  }
}

/** Formats one column as pandas does: scientific when magnitudes are >= 1e6 or < 1e-4, else 6 decimals. */
