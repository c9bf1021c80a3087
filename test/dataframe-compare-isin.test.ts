// String comparisons (pandas' object ==, <, … by code point), isin, between and valueCounts' options, against pandas 1.5
// (scripts/fixtures/pandas_compare_isin.py → test/fixtures/pandas/compare_isin.json): three files,
// one empty, strings with missing values, astral and U+FFFD characters.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, type Series } from '../src/index.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/pandas/compare_isin.json', import.meta.url), 'utf8')) as {
  files: string[]; cases: Record<string, boolean[]>; filter_sum: number; value_counts: Record<string, [string | number | boolean | null, number][]>;
};
const dir = mkdtempSync(join(tmpdir(), 'tessera-cmp-isin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
fx.files.forEach((s, j) => writeFileSync(join(dir, `p${j}.csv`), s));
const df = readCsv(join(dir, 'p*.csv'), { parseDates: ['t'] });
const k = df.get('k'), i = df.get('i'), f = df.get('f'), t = df.get('t'), b = df.get('b');

const cases: Record<string, () => Series> = {
  "k.eq('bob')": () => k.eq('bob'), "k.ne('bob')": () => k.ne('bob'), "k.lt('bob')": () => k.lt('bob'),
  "k.ge('Cy')": () => k.ge('Cy'), "k.gt('dee')": () => k.gt('dee'), "k.le('\u00c9va')": () => k.le('\u00c9va'),
  "k.gt('\uFFFD')": () => k.gt('\uFFFD'),
  "k.isin(['bob','Cy','zz'])": () => k.isin(['bob', 'Cy', 'zz']), "k.isin(['bob',null])": () => k.isin(['bob', null]),
  "k.isin(['bob',NaN])": () => k.isin(['bob', NaN]), 'f.isin([null])': () => f.isin([null]),
  'i.isin([1,-5,3])': () => i.isin([1, -5, 3]), "i.isin(['1'])": () => i.isin(['1']), 'f.isin([0.276,NaN])': () => f.isin([0.276, NaN]),
  'b.isin([true])': () => b.isin([true]), 'i.isin([])': () => i.isin([]),
  't.isin([2001-03-04T01:52:06Z])': () => t.isin([new Date('2001-03-04T01:52:06Z')]),
  'i.between(-2,2)': () => i.between(-2, 2), 'f.between(-0.5,0.5,neither)': () => f.between(-0.5, 0.5, { inclusive: 'neither' }),
  "k.between('b','d')": () => k.between('b', 'd'), "k.astype(category).eq('ann')": () => k.astype('category').eq('ann'),
};

describe('string comparisons, isin, between (pandas)', () => {
  it('covers every fixture case', () => expect(Object.keys(cases).sort()).toEqual(Object.keys(fx.cases).sort()));
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const s = make();
      expect(s.dtype).toBe('bool');
      expect((await s.compute()).column(s.name)).toEqual(fx.cases[name]);
    });
  }
  it('a string filter feeds the reductions', async () => {
    expect(await df.filter(k.eq('bob')).get('i').sum().compute()).toBe(fx.filter_sum);
  });
  it('bad operands are TypeErrors naming the operation', () => {
    expect(() => i.eq('a')).toThrow(/eq: a string compares with a string or category column, not int64/);
    expect(() => k.eq(1)).toThrow(/eq: a string column compares with a string/);
    expect(() => k.lt(k)).toThrow(/two string columns are not built/);
    expect(() => k.isin('bob' as never)).toThrow(/isin\(values\): values must be an array/);
    expect(() => i.between(0, 1, { inclusive: 'all' as never })).toThrow(/inclusive must be/);
  });
});

describe('valueCounts options (pandas value_counts)', () => {
  const opts: Record<string, Parameters<Series['valueCounts']>[0]> = {
    '': {}, normalize: { normalize: true }, ascending: { ascending: true }, 'sort=false': { sort: false },
    'dropna=false': { dropna: false }, 'dropna=false,normalize': { dropna: false, normalize: true },
  };
  for (const [key, want] of Object.entries(fx.value_counts)) {
    it(key, async () => {
      const [c, o] = key.split(':') as [string, string];
      const t = await df.get(c).valueCounts(opts[o]).compute();
      expect(t.columns).toEqual([c, o.includes('normalize') ? 'proportion' : 'count']);
      const got = t.toRecords().map((r) => Object.values(r));
      expect(got.length).toBe(want.length);
      got.forEach(([v, x], j) => {
        expect(v).toEqual(want[j]![0]);
        expect(x as number).toBeCloseTo(want[j]![1], 14);
      });
    });
  }
  it('bad options are TypeErrors', () => {
    expect(() => k.valueCounts({ normalise: true } as never)).toThrow(/unknown option "normalise"; accepted: normalize, sort, ascending, dropna/);
    expect(() => k.valueCounts({ dropna: 0 } as never)).toThrow(/dropna must be a boolean/);
  });
});
