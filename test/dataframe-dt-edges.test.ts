// Series.dt at calendar edges against pandas (scripts/fixtures/pandas_dt_edges.py →
// test/fixtures/pandas/dt-edges.{csv,json}): before 1970 and 1900, leap days of 1900/2000/2100,
// month/quarter/year ends to the millisecond, NaT (`t`: float64 fields) and none (`u`: int64);
// the fields are engine expressions, so they are also checked inside arithmetic and groupby.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, readCsv } from '../src/index.js';
import { canon } from './helpers/pandas-cell.js';

type Cell = number | string | boolean | null;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/dt-edges.json', import.meta.url), 'utf8')) as {
  series: Record<string, { dtype: string; values: Cell[] }>;
  groupby: { 'dayofweek.size': Record<string, number>; 'year.sum': number; 'dayofyear.sum': number };
};
const csv = fileURLToPath(new URL('./fixtures/pandas/dt-edges.csv', import.meta.url));

function ops(df: DataFrame): Record<string, Series> {
  const out: Record<string, Series> = {};
  for (const c of ['t', 'u']) {
    const s = df.get(c);
    Object.assign(out, {
      [`${c}.year`]: s.dt.year, [`${c}.month`]: s.dt.month, [`${c}.day`]: s.dt.day, [`${c}.hour`]: s.dt.hour, [`${c}.minute`]: s.dt.minute,
      [`${c}.second`]: s.dt.second, [`${c}.microsecond`]: s.dt.microsecond, [`${c}.dayofweek`]: s.dt.dayofweek, [`${c}.dayofyear`]: s.dt.dayofyear,
      [`${c}.quarter`]: s.dt.quarter, [`${c}.daysInMonth`]: s.dt.daysInMonth, [`${c}.isMonthStart`]: s.dt.isMonthStart,
      [`${c}.isMonthEnd`]: s.dt.isMonthEnd, [`${c}.isQuarterStart`]: s.dt.isQuarterStart, [`${c}.isQuarterEnd`]: s.dt.isQuarterEnd,
      [`${c}.isYearStart`]: s.dt.isYearStart, [`${c}.isYearEnd`]: s.dt.isYearEnd, [`${c}.isLeapYear`]: s.dt.isLeapYear,
      [`${c}.date`]: s.dt.date, [`${c}.floor(1h)`]: s.dt.floor('1h'), [`${c}.ceil(1D)`]: s.dt.ceil('1D'), [`${c}.round(1s)`]: s.dt.round('1s'),
      [`${c}.hour*2+1`]: s.dt.hour.mul(2).add(1),
    });
  }
  const d = df.get('u').sub(df.get('t').fillna(new Date(0)));
  out['(u-t).days'] = d.dt.days;
  out['(u-t).totalSeconds'] = d.dt.totalSeconds();
  return out;
}

for (const [label, opts] of [['one partition', {}], ['many partitions', { blocksize: 300 }]] as const) {
  describe(`.dt at calendar edges against pandas (${label})`, () => {
    it('every field gives pandas dtype and values', async () => {
      const df = readCsv(csv, { parseDates: ['t', 'u'], ...opts });
      expect(df.dtypes).toEqual({ t: 'datetime', u: 'datetime' });
      const all = ops(df);
      expect(Object.keys(all).sort()).toEqual(Object.keys(fixture.series).sort());
      for (const [k, s] of Object.entries(all)) {
        const want = fixture.series[k]!;
        const t = await s.compute();
        expect(t.dtypes[s.name], k).toBe(want.dtype);
        expect(want.dtype === 'datetime' ? t.column(s.name).map(canon) : t.column(s.name), k).toEqual(want.values);
      }
    });

    it('as assigned columns, groupby keys and in sums', async () => {
      const df = readCsv(csv, { parseDates: ['t', 'u'], ...opts });
      const want = fixture.groupby;
      const u = df.get('u');
      const sizes = await df.assign({ w: u.dt.dayofweek }).groupby('w').size().compute();
      expect(Object.fromEntries(sizes.column('w').map((w, i) => [String(w), sizes.column('size')[i]]))).toEqual(want['dayofweek.size']);
      const byKey = await df.groupby(u.dt.dayofweek).size().compute();
      expect(byKey.column('size')).toEqual(sizes.column('size'));
      expect(await u.dt.year.sum().compute()).toBe(want['year.sum']);
      expect(await df.assign({ doy: u.dt.dayofyear }).get('doy').sum().compute()).toBe(want['dayofyear.sum']);
    });
  });
}
