// One cell as the pandas fixtures (scripts/fixtures/pandas_*.py) encode values: NaN → null,
// ±Infinity and -0 as strings, 64-bit integers as numbers, dates as ms since the epoch.
export type Cell = number | string | boolean | null;

export function canon(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return null;
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    if (Object.is(v, -0)) return '-0';
    return v;
  }
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  return v as Cell;
}
