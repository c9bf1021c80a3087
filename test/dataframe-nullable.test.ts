// Nullable integers (pandas' 'Int64': int64 values plus a validity mask) against pandas 1.5
// (scripts/fixtures/pandas_nullable.py → test/fixtures/pandas/nullable.{csv,json}), the file read
// as one partition and as several: read with dtype Int64 (empty = <NA>), expressions with <NA>
// propagating, isna/notna/fillna/dropna/where/astype, filter, reductions, groupby, toCsv, toArrow.
// Int64 values compare as exact decimal strings; pandas' nullable boolean and Float64 results are
// tessera's bool (<NA> as False) and float64 (<NA> as NaN).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, type Table, readCsv, toArrowTable } from '../src/index.js';
import type { Cell } from './helpers/pandas-cell.js';
import { type Typed, expectTypedExprs, typedCells } from './helpers/typed-exprs.js';

interface FrameWant { columns: string[]; values: Record<string, Typed> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/nullable.json', import.meta.url), 'utf8')) as {
  read: FrameWant;
  exprs: Record<string, Typed>;
  frames: Record<string, FrameWant>;
  reductions: Record<string, Cell>;
  'groupby(k).agg(a)': FrameWant;
  'groupby(a).size()': FrameWant;
  'unique(b)': Typed;
  'value_counts(b)': FrameWant;
  'nunique(b)': number;
  to_csv: string;
};
const csv = fileURLToPath(new URL('./fixtures/pandas/nullable.csv', import.meta.url));
const read = (blocksize?: number): DataFrame => readCsv(csv, { dtype: { a: 'Int64', b: 'Int64' }, ...(blocksize ? { blocksize } : {}) });

function expectFrame(t: Table, want: FrameWant): void {
  expect(t.columns).toEqual(want.columns);
  for (const c of want.columns) {
    expect(t.dtypes[c], c).toBe(want.values[c]!.dtype);
    expect(typedCells(t, c), c).toEqual(want.values[c]!.values);
  }
}

function expressions(df: DataFrame): Record<string, Series> {
  const [a, b, x, y] = ['a', 'b', 'x', 'y'].map((c) => df.get(c)) as [Series, Series, Series, Series];
  return {
    'a+1': a.add(1), 'a*2': a.mul(2), 'a+b': a.add(b), 'a-b': a.sub(b), 'a//3': a.floordiv(3), 'a%3': a.mod(3), 'a//b': a.floordiv(b),
    '-a': a.neg(), 'abs(a)': a.abs(), 'a/2': a.div(2), 'a+x': a.add(x), 'a>0': a.gt(0), 'a==b': a.eq(b),
    'a.isna()': a.isna(), 'a.notna()': a.notna(), 'a.fillna(0)': a.fillna(0), 'a.where(x>3)': a.where(x.gt(3)),
    'a.where(x>3,5)': a.where(x.gt(3), 5), 'a.astype(float)': a.astype('float64'), 'y.astype(Int64)': y.astype('Int64'),
    'a.clip(-10,10)': a.clip(-10, 10), '(a>0)&(b>0)': a.gt(0).and(b.gt(0)),
  };
}

for (const [label, blocksize] of [['one partition', undefined], ['several partitions', 40]] as const) {
  describe(`Int64 against pandas (${label})`, () => {
    it('reads dtype Int64 with empty fields as <NA> and prints <NA>', async () => {
      const df = read(blocksize);
      expect(df.dtypes).toEqual({ k: 'string', a: 'Int64', b: 'Int64', x: 'float64', y: 'float64' });
      const t = await df.compute();
      expectFrame(t, fixture.read);
      const lines = String(t).split('\n');
      expect(lines[2]).toMatch(/^1\s+v\s+<NA>\s+0\s+2\.000000\s+NaN$/);
    });

    it('expressions propagate <NA> with pandas values', async () => {
      const df = read(blocksize);
      await expectTypedExprs(df, expressions(df), fixture.exprs);
    });

    it('dropna, fillna and filter', async () => {
      const df = read(blocksize);
      expectFrame(await df.dropna().compute(), fixture.frames['dropna()']!);
      expectFrame(await df.dropna({ subset: ['a'] }).compute(), fixture.frames['dropna(subset=[a])']!);
      expectFrame(await df.fillna({ a: 0 }).compute(), fixture.frames['fillna({a:0})']!);
      expectFrame(await df.filter(df.get('a').gt(0)).compute(), fixture.frames['filter(a>0)']!);
    });

    it('reductions skip <NA> (sum, min, max exactly)', async () => {
      const df = read(blocksize);
      const a = df.get('a');
      const got: Record<string, unknown> = {
        'a.sum()': await a.sum().compute(), 'a.min()': await a.min().compute(), 'a.max()': await a.max().compute(),
        'a.count()': await a.count().compute(), 'a.mean()': await a.mean().compute(), 'b.sum()': await df.get('b').sum().compute(),
        '(a+1).sum()': await a.add(1).sum().compute(),
      };
      for (const [k, want] of Object.entries(fixture.reductions)) {
        if (k === 'a.mean()') expect(got[k] as number, k).toBeCloseTo(want as number, -4);
        else expect(typeof want === 'string' ? String(got[k]) : got[k], k).toEqual(want);
      }
    });

    it('groupby: Int64 values (sum/min/max exact) and keys', async () => {
      const df = read(blocksize);
      const g = await df.groupby('k').agg({ a: ['sum', 'min', 'max', 'count', 'mean', 'first', 'last'] }).compute();
      const want = fixture['groupby(k).agg(a)'];
      // pandas' count is int64 here as there; its Float64 mean is float64
      expectFrame(g, { ...want, values: { ...want.values, a_count: { dtype: 'int64', values: (want.values.a_count!.values as number[]).map((v) => String(v)) } } });
      const sizes = fixture['groupby(a).size()'];
      const s = await df.groupby('a').size().compute();
      expectFrame(s, { ...sizes, values: { ...sizes.values, size: { dtype: 'int64', values: (sizes.values.size!.values as number[]).map((v) => String(v)) } } });
    });

    it('unique (Int64, <NA> where it first appears), valueCounts and nunique', async () => {
      const b = read(blocksize).get('b');
      const u = await b.unique().compute();
      expect(u.dtypes.b).toBe('Int64');
      expect(typedCells(u, 'b')).toEqual(fixture['unique(b)'].values);
      expectFrame(await b.valueCounts().compute(), fixture['value_counts(b)']);
      expect(await b.nunique().compute()).toBe(fixture['nunique(b)']);
    });
  });
}

describe('Int64 output and errors', () => {
  it('toCsv writes <NA> as an empty field (pandas to_csv)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nullable-'));
    const [file] = await read().toCsv(join(dir, '*.csv'), { index: false });
    expect(readFileSync(file!, 'utf8')).toBe(fixture.to_csv);
  });

  it('toArrow gives Int64 with a validity bitmap', async () => {
    const t = await toArrowTable(read().select(['a']));
    const a = t.getChild('a')!;
    expect(String(a.type)).toBe('Int64');
    expect(a.nullCount).toBe(2);
    expect(a.toArray().length).toBe(10);
    expect([a.get(0), a.get(1), a.get(2)]).toEqual([1n, null, 2n ** 62n]);
  });

  it('astype errors as pandas; an Int64 key merges with an Int64 key only', async () => {
    const df = read();
    await expect(df.get('x').astype('Int64').compute()).rejects.toThrow(/cannot safely cast non-equivalent float64/);
    await expect(df.get('a').astype('int64').compute()).rejects.toThrow(/cannot convert <NA> to an integer/);
    expect(() => df.get('a').fillna(0.5)).toThrow(/takes integers/);
    expect(() => df.select(['a']).merge(df.select(['a']), { on: 'a' })).not.toThrow();
    expect(() => df.select(['a']).merge(df.select(['a']).assign({ a: df.get('a').fillna(0).astype('int64') }), { on: 'a' })).toThrow(/key "a" is Int64 on the left and int64 on the right/);
    expect(() => readCsv(csv, { dtype: { k: 'Int64' } })).not.toThrow();
    await expect(readCsv(csv, { dtype: { k: 'Int64' } }).compute()).rejects.toThrow(/column "k": cannot read "u" as Int64/);
  });
});
