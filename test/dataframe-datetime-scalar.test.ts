// A datetime Series minus a Date is a timedelta (pandas' s - pd.Timestamp(...)); the values are
// pandas 1.5's for the same four rows (one missing): .dt.days [0, 2, NaN, -1],
// .dt.total_seconds() [86399, 172801, NaN, -43200]; pandas' reductions of the same rows:
// d.min() 2020-02-27 12:00:00, d.max() 2020-03-01 00:00:01, (d + td * 0.5).max() 2020-03-02 00:00:01.5
// and .min() 2020-02-27 06:00:00,
// d[k > 5].max() NaT; of the timedelta (in ms): min -43200000, max 172801000, sum 216000000,
// mean 72000000, std 108718013.231478.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-dt-scalar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'a.csv'), 'd,k\n2020-02-28 23:59:59,1\n2020-03-01 00:00:01,2\n,3\n2020-02-27 12:00:00,4\n');
const df = readCsv(join(dir, 'a.csv'), { parseDates: ['d'] });

describe('datetime − Date', () => {
  const td = df.get('d').sub(new Date('2020-02-28T00:00:00Z'));
  it('is a timedelta with pandas days and seconds', async () => {
    expect(td.dtype).toBe('timedelta');
    expect((await td.dt.days.compute()).column('d')).toEqual([0, 2, null, -1]);
    expect((await td.dt.totalSeconds().compute()).column('d')).toEqual([86399, 172801, null, -43200]);
  });
  it('a Date still compares with a datetime column; a Date plus a datetime is a TypeError', async () => {
    expect((await df.get('d').gt(new Date('2020-02-28T12:00:00Z')).compute()).column('d')).toEqual([true, true, false, false]);
    expect(() => df.get('d').add(new Date(0) as never)).toThrow(TypeError);
  });
});

describe('datetime and timedelta reductions', () => {
  const d = df.get('d');
  const td = d.sub(new Date('2020-02-28T00:00:00Z'));
  it('min/max of a datetime Series are Dates (NaT: an invalid Date), of an expression too', async () => {
    expect(await d.min().compute()).toEqual(new Date('2020-02-27T12:00:00Z'));
    expect(await d.max().compute()).toEqual(new Date('2020-03-01T00:00:01Z'));
    const e = d.add(td.mul(0.5));
    expect(await e.max().compute()).toEqual(new Date('2020-03-02T00:00:01.500Z'));
    expect(await e.min().compute()).toEqual(new Date('2020-02-27T06:00:00Z'));
    const none = (await df.filter(df.get('k').gt(5)).get('d').max().compute()) as Date;
    expect(none).toBeInstanceOf(Date);
    expect(none.getTime()).toBeNaN();
  });
  it('a timedelta Series reduces to milliseconds, as its median', async () => {
    expect(await td.min().compute()).toBe(-43200000);
    expect(await td.max().compute()).toBe(172801000);
    expect(await td.sum().compute()).toBe(216000000);
    expect(await td.mean().compute()).toBe(72000000);
    expect(await td.std().compute()).toBeCloseTo(108718013.231478, 5);
  });
});
