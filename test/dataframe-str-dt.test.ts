// Series.str and Series.dt against pandas (scripts/fixtures/pandas_str_dt.py → test/fixtures/pandas/str-dt.{csv,json}):
// mixed case and non-ASCII text with empty and missing values, datetimes read with parseDates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, readCsv } from '../src/index.js';
import { canon } from './helpers/pandas-cell.js';

type Cell = number | string | boolean | null;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/str-dt.json', import.meta.url), 'utf8')) as {
  series: Record<string, { dtype: string; values: Cell[] }>;
  'filter+groupby': { 'lower.nunique': number; 'hour.size': Record<string, number>; 'filter(startswith(É)).v.sum': number };
};
const csv = fileURLToPath(new URL('./fixtures/pandas/str-dt.csv', import.meta.url));

function ops(df: DataFrame): Record<string, Series> {
  const s = df.get('s');
  const t = df.get('t');
  return {
    lower: s.str.lower(), upper: s.str.upper(), len: s.str.len(),
    'contains(o)': s.str.contains('o'), 'contains(^[ae],case=False,na=False)': s.str.contains('^[ae]', { case: false, na: false }),
    'contains(a.,regex=False,na=False)': s.str.contains('a.', { regex: false, na: false }),
    'startswith(É,na=False)': s.str.startsWith('É', { na: false }), 'endswith(e)': s.str.endsWith('e'),
    year: t.dt.year, month: t.dt.month, day: t.dt.day, hour: t.dt.hour, minute: t.dt.minute, second: t.dt.second, dayofweek: t.dt.dayofweek,
    weekday: t.dt.weekday, dayofyear: t.dt.dayofyear, quarter: t.dt.quarter, daysInMonth: t.dt.daysInMonth, microsecond: t.dt.microsecond,
    isMonthStart: t.dt.isMonthStart, isMonthEnd: t.dt.isMonthEnd, isQuarterStart: t.dt.isQuarterStart, isQuarterEnd: t.dt.isQuarterEnd,
    isYearStart: t.dt.isYearStart, isYearEnd: t.dt.isYearEnd, isLeapYear: t.dt.isLeapYear,
    'ceil(1h)': t.dt.ceil('1h'), 'round(1h)': t.dt.round('1h'), 'round(15min)': t.dt.round('15min'), 'ceil(1D)': t.dt.ceil('1D'),
  };
}

for (const [label, opts] of [['one partition', {}], ['many partitions', { blocksize: 200 }]] as const) {
  describe(`.str and .dt against pandas (${label})`, () => {
    it('every operation gives pandas dtype and values', async () => {
      const df = readCsv(csv, { parseDates: ['t'], ...opts });
      expect(df.dtypes).toEqual({ s: 'string', t: 'datetime', v: 'float64' });
      const all = ops(df);
      expect(Object.keys(all).sort()).toEqual(Object.keys(fixture.series).sort());
      for (const [k, s] of Object.entries(all)) {
        const want = fixture.series[k]!;
        const t = await s.compute();
        expect(t.dtypes[s.name], k).toBe(want.dtype);
        // pandas' object column of True/False/NaN is a string column of 'True'/'False' here
        const w = want.values.map((v) => (typeof v === 'boolean' && want.dtype === 'string' ? (v ? 'True' : 'False') : v));
        // datetimes as ms since the epoch, missing as null (test/helpers/pandas-cell.ts)
        expect(want.dtype === 'datetime' ? t.column(s.name).map(canon) : t.column(s.name), k).toEqual(w);
      }
    });

    it('in filters, groupby keys and nunique', async () => {
      const df = readCsv(csv, { parseDates: ['t'], ...opts });
      const want = fixture['filter+groupby'];
      expect(await df.get('s').str.lower().nunique().compute()).toBe(want['lower.nunique']);
      const d = df.dropna({ subset: ['t'] });
      const sizes = await d.assign({ h: d.get('t').dt.hour }).groupby('h').size().compute();
      expect(Object.fromEntries(sizes.column('h').map((h, i) => [String(h), sizes.column('size')[i]]))).toEqual(want['hour.size']);
      const sum = await df.filter(df.get('s').str.startsWith('É', { na: false })).get('v').sum().compute();
      expect(sum).toBeCloseTo(want['filter(startswith(É)).v.sum'], 12);
      // a predicate with missing values is pandas' object column: not a mask
      await expect(df.filter(df.get('s').str.contains('o')).compute()).rejects.toThrow(/missing values.*na: false/);
    });
  });
}

describe('groupby on a datetime key', () => {
  it('sorted datetime keys, missing keys dropped, against a naive loop', async () => {
    const df = readCsv(csv, { parseDates: ['t'], blocksize: 300 });
    const all = await df.compute();
    const ts = all.column('t') as (Date | null)[];
    const vs = all.column('v') as number[];
    const g = await df.groupby('t').agg({ v: ['count', 'max'] }).compute();
    const ref = new Map<number, number[]>();
    ts.forEach((t, i) => {
      if (t) (ref.get(t.getTime()) ?? ref.set(t.getTime(), []).get(t.getTime())!).push(vs[i]!);
    });
    const keys = [...ref.keys()].sort((a, b) => a - b);
    expect(g.dtypes.t).toBe('datetime');
    expect((g.column('t') as Date[]).map((d) => d.getTime())).toEqual(keys);
    expect(g.column('v_count')).toEqual(keys.map((k) => ref.get(k)!.length));
    expect(g.column('v_max')).toEqual(keys.map((k) => Math.max(...ref.get(k)!)));
  });
});

describe('.str / .dt bad input', () => {
  it('names the accessor and the dtype', () => {
    const df = readCsv(csv, { parseDates: ['t'] });
    expect(() => df.get('v').str.lower()).toThrow(/\.str\.lower: needs a string column, got float64/);
    expect(() => df.get('s').dt.year).toThrow(/\.dt\.year: needs a datetime column/);
    expect(() => df.get('s').str.contains(1 as unknown as string)).toThrow(TypeError);
  });
});

describe('a .str predicate with missing values (pandas: an object column of True/False/NaN)', () => {
  it('its reductions count the true values, not the strings\' dictionary codes, over any partitioning', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'tessera-booltext-'));
    // the missing name in the second file: that partition's predicate holds 'True'/'False' strings
    writeFileSync(join(d, '0.csv'), 'k,v\ndd,1\ne,2\ndx,3\n');
    writeFileSync(join(d, '1.csv'), 'k,v\nb,4\n,5\nd,6\n');
    writeFileSync(join(d, 'all.csv'), 'k,v\ndd,1\ne,2\ndx,3\nb,4\n,5\nd,6\n');
    // pandas: s = read_csv(all).k.str.startswith('d'): sum 3, mean 0.6, min False, max True,
    // var 0.30000000000000004, std 0.5477225575051662, count 5, (s.astype(float) * 2).sum() 6.0
    for (const files of [[join(d, '0.csv'), join(d, '1.csv')], [join(d, 'all.csv')], [join(d, '1.csv'), join(d, '0.csv')]]) {
      const s = readCsv(files).get('k').str.startsWith('d');
      expect(await s.sum().compute()).toBe(3);
      expect(await s.mean().compute()).toBe(0.6);
      expect(await s.min().compute()).toBe(0);
      expect(await s.max().compute()).toBe(1);
      expect(await s.var().compute()).toBeCloseTo(0.3, 15);
      expect(await s.std().compute()).toBeCloseTo(0.5477225575051662, 15);
      expect(await s.count().compute()).toBe(5);
      expect(await s.astype('float64').mul(2).sum().compute()).toBe(6);
    }
  });
});
