// groupby(...).agg(spec, { splitOut }) (Dask's split_out) against pandas
// (scripts/fixtures/pandas_split_out.py → test/fixtures/pandas/split-out.{csv,json}): the result is
// a lazy DataFrame of splitOut partitions whose rows, sorted by key, equal pandas' result; a key's
// rows are in one partition (the same for any partitioning and thread count), each partition
// sorted by key; usable downstream (head, merge, toCsv).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFrame, Table, configure, getConfig, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

interface Case { keys: string[]; columns: string[]; dtypes: Record<string, string>; rows: Cell[][] }
const fx = JSON.parse(readFileSync(new URL('./fixtures/pandas/split-out.json', import.meta.url), 'utf8')) as {
  cases: Case[]; value_counts: { values: Cell[]; counts: number[] }; sum: Cell[][]; sum_columns: string[];
};
const csv = fileURLToPath(new URL('./fixtures/pandas/split-out.csv', import.meta.url));
const SPEC = { x: ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'first', 'last', 'nunique'], i: ['sum', 'min', 'max', 'first'] } as const;
const APPROX = new Set(['x_mean', 'x_std', 'x_var']);

const saved = getConfig().numThreads;
afterAll(() => configure({ numThreads: saved }));
const tmp = mkdtempSync(join(tmpdir(), 'tessera-split-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cmpCell = (a: Cell, b: Cell): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
/** The rows of tables (in the given column order) sorted by their first k cells. */
function sortedRows(tables: Table[], columns: string[], k: number): Cell[][] {
  const rows = tables.flatMap((t) => {
    const cols = columns.map((c) => t.column(c));
    return Array.from({ length: t.length }, (_, r) => cols.map((c) => canon(c[r])));
  });
  return rows.sort((a, b) => {
    for (let j = 0; j < k; j++) {
      const c = cmpCell(a[j]!, b[j]!);
      if (c) return c;
    }
    return 0;
  });
}
function expectRows(got: Cell[][], want: Cell[][], columns: string[], label: string): void {
  // approximate columns within 1e-12 relative take pandas' value; then one exact comparison
  const near = got.map((row, r) => row.map((v, j) => {
    const w = want[r]?.[j];
    return APPROX.has(columns[j]!) && typeof v === 'number' && typeof w === 'number' && Math.abs(v - w) <= Math.max(Math.abs(w), 1) * 1e-12 ? w : v;
  }));
  expect(near, label).toEqual(want);
}
/** Each partition of a frame as a Table. */
async function partitions(df: DataFrame): Promise<Table[]> {
  const parts = await df.state.source.load(df.columns, undefined, { options: {} });
  return parts.map((p) => new Table(df.columns, p.columns, p.length));
}

describe('groupby agg with splitOut against pandas', () => {
  for (const c of fx.cases) {
    it(`groupby(${JSON.stringify(c.keys)}).agg(spec, { splitOut: 4 }): 4 partitions whose rows are pandas' (1 and 7 input partitions)`, async () => {
      for (const df of [readCsv(csv), readCsv(csv, { blocksize: 12000 })]) {
        const g = df.groupby(c.keys);
        const out = g.agg(SPEC, { splitOut: 4 });
        expect(out).toBeInstanceOf(DataFrame);
        expect(out.npartitions).toBe(4);
        const withSize = g.size({ splitOut: 4 });
        const [parts, sizes] = [await partitions(out), await partitions(withSize)];
        // the aggregation's columns then size, sorted by key, are pandas' rows
        const cols = c.columns.filter((x) => x !== 'size');
        const got = sortedRows(parts, cols, c.keys.length);
        const sz = sortedRows(sizes, [...c.keys, 'size'], c.keys.length);
        expectRows(got.map((r, i) => [...r, sz[i]![c.keys.length]!]), c.rows, c.columns, JSON.stringify(c.keys));
        // each partition sorted by key, and the declared dtypes are the computed ones
        for (const t of parts) {
          const rows = sortedRows([t], c.keys, c.keys.length);
          expect(Array.from({ length: t.length }, (_, r) => c.keys.map((k) => canon(t.column(k)[r])))).toEqual(rows);
          expect(t.dtypes).toEqual(out.dtypes);
        }
      }
    });
  }

  it('a key lands in the same partition for any input partitioning and thread count', async () => {
    const where = async (blocksize: number | undefined, threads: number): Promise<Map<Cell, number>> => {
      configure({ numThreads: threads });
      const df = blocksize ? readCsv(csv, { blocksize }) : readCsv(csv);
      const parts = await partitions(df.groupby('s').agg({ x: 'sum' }, { splitOut: 3 }));
      configure({ numThreads: saved });
      return new Map(parts.flatMap((t, p) => t.column('s').map((k): [Cell, number] => [canon(k), p])));
    };
    const one = await where(undefined, 1);
    expect(one.size).toBe(fx.cases[0]!.rows.length);
    expect(new Set(one.values()).size).toBe(3);
    for (const [b, n] of [[5000, 2], [20000, 3], [3000, 1]] as const) expect(await where(b, n)).toEqual(one);
  });

  it('sum({ splitOut }) and the other aggregations take the option; splitOut 1 is one partition', async () => {
    const df = readCsv(csv, { blocksize: 20000 });
    const s = df.groupby('k').sum({ splitOut: 2 });
    expect(s.npartitions).toBe(2);
    expectRows(sortedRows(await partitions(s), fx.sum_columns, 1), fx.sum, fx.sum_columns, 'sum');
    const one = df.groupby('k').sum({ splitOut: 1 });
    expect(one.npartitions).toBe(1);
    expectRows(sortedRows([await one.compute()], fx.sum_columns, 1), fx.sum, fx.sum_columns, 'sum 1');
    for (const m of ['mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median'] as const)
      expect(df.groupby('k').get('x')[m]({ splitOut: 3 }).npartitions, m).toBe(3);
  });

  it('usable downstream: compute, length, head, merge, toCsv', async () => {
    const df = readCsv(csv, { blocksize: 20000 });
    const out = df.groupby('s').agg({ x: 'count' }, { splitOut: 3 });
    const want = fx.cases[0]!;
    expect(await out.length().compute()).toBe(want.rows.length);
    const all = await out.compute();
    expect(all.length).toBe(want.rows.length);
    expect((await out.head(2)).length).toBe(2);
    const back = out.merge(df.groupby('s').agg({ i: 'max' }, { splitOut: 2 }), { on: 's' });
    const merged = sortedRows([await back.compute()], ['s', 'x', 'i'], 1);
    const ix = want.columns.indexOf('x_count'), ii = want.columns.indexOf('i_max');
    expect(merged).toEqual(want.rows.map((r) => [r[0]!, r[ix]!, r[ii]!]));
    const files = await out.toCsv(join(tmp, 'part-*.csv'));
    expect(files.length).toBe(3);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1));
    expect(lines.length).toBe(want.rows.length);
  });

  it('valueCounts({ splitOut }): counts per value in splitOut partitions, each most frequent first', async () => {
    const s = readCsv(csv, { blocksize: 20000 }).get('s');
    const vc = s.valueCounts({ splitOut: 3 });
    expect(vc.npartitions).toBe(3);
    const parts = await partitions(vc);
    for (const t of parts) {
      const n = t.column('count').map(Number);
      expect(n).toEqual([...n].sort((a, b) => b - a));
    }
    const got = sortedRows(parts, ['s', 'count'], 1);
    const want = fx.value_counts.values.map((v, i) => [v, fx.value_counts.counts[i]!]).sort((a, b) => cmpCell(a[0]!, b[0]!));
    expect(got).toEqual(want);
  });

  it('splitOut not a positive integer is a RangeError naming splitOut', () => {
    const g = readCsv(csv).groupby('s');
    for (const bad of [0, -1, 1.5, Number.NaN, '2', null]) {
      expect(() => g.agg({ x: 'sum' }, { splitOut: bad as number }), String(bad)).toThrow(/splitOut/);
      expect(() => g.agg({ x: 'sum' }, { splitOut: bad as number })).toThrow(RangeError);
      expect(() => g.sum({ splitOut: bad as number })).toThrow(RangeError);
    }
    expect(() => g.mean({ split: 2 } as never)).toThrow(/unknown option "split"/);
    expect(() => readCsv(csv).get('s').valueCounts({ splitOut: 0 })).toThrow(RangeError);
  });
});
