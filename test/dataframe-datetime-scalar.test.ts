// A datetime Series minus a Date is a timedelta (pandas' s - pd.Timestamp(...)); the values are
// pandas 1.5's for the same four rows (one missing): .dt.days [0, 2, NaN, -1],
// .dt.total_seconds() [86399, 172801, NaN, -43200].
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
