// Expressions against typed pandas fixtures (scripts/fixtures/pandas_int64.py, pandas_nullable.py):
// integer columns as exact decimal strings, the rest as pandas-cell's canon.
import { expect } from 'vitest';
import type { DataFrame, Series, Table } from '../../src/index.js';
import { canon, type Cell } from './pandas-cell.js';

/** One expected column: its dtype and values (int64/Int64 as decimal strings, missing as null). */
export interface Typed { dtype: string; values: Cell[] }

/** A column's values as the typed fixtures have them. */
export function typedCells(t: Table, c: string): Cell[] {
  const d = t.dtypes[c];
  return t.column(c).map((v) => (v !== null && (d === 'Int64' || d === 'int64') ? String(v) : canon(v)));
}

/** Every expression, assigned to `df` in one step, has the fixture's dtype and values. */
export async function expectTypedExprs(df: DataFrame, exprs: Record<string, Series>, want: Record<string, Typed>): Promise<void> {
  expect(Object.keys(exprs).sort()).toEqual(Object.keys(want).sort());
  const t = await df.assign(exprs).compute();
  for (const [name, w] of Object.entries(want)) {
    expect(t.dtypes[name], name).toBe(w.dtype);
    expect(typedCells(t, name), name).toEqual(w.values);
  }
}
