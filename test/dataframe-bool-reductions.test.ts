// Frame reductions take bool columns as pandas' numeric_only does (sum = number of True values,
// mean their share, min/max 0/1 where pandas gives False/True); describe and quantile leave them out
// as pandas. Expected values printed by pandas 1.5.3 for the same CSV (df.<op>(numeric_only=True)).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-bool-red-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'a.csv'), 'i,f,b\n1,0.5,True\n2,,False\n');
writeFileSync(join(dir, 'b.csv'), 'i,f,b\n3,2.5,True\n4,-1.0,True\n');
const df = readCsv(join(dir, '*.csv'));

describe('frame reductions of bool columns (pandas numeric_only)', () => {
  const expected: Record<string, Record<string, number>> = {
    sum: { i: 10, f: 2, b: 3 },
    mean: { i: 2.5, f: 0.6666666666666666, b: 0.75 },
    median: { i: 2.5, f: 0.5, b: 1 },
    var: { i: 1.6666666666666665, f: 3.083333333333333, b: 0.25 },
    std: { i: 1.2909944487358056, f: 1.755942292142123, b: 0.5 },
    min: { i: 1, f: -1, b: 0 },
    max: { i: 4, f: 2.5, b: 1 },
  };
  for (const [op, want] of Object.entries(expected)) {
    it(`${op}()`, async () => {
      const got = await (df[op as 'sum']() as ReturnType<typeof df.sum>).compute();
      expect(Object.keys(got)).toEqual(['i', 'f', 'b']);
      for (const [c, v] of Object.entries(want)) expect(got[c]).toBeCloseTo(v, 14);
    });
  }
  it('describe() and quantile() leave bool out, as pandas', async () => {
    expect(Object.keys((await df.describe().compute()).toJSON())).toEqual(['i', 'f']);
    expect(Object.keys(await df.quantile(0.5).compute())).toEqual(['i', 'f']);
  });
  it('count() counts every column', async () => {
    expect(await df.count().compute()).toEqual({ i: 4, f: 3, b: 4 });
  });
});
