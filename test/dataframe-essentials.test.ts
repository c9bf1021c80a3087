// String comparisons (pandas' object ==, <, … by code point), isin, between, valueCounts' options,
// df.isna()/notna(), Series dropna/sortValues/nlargest/nsmallest, groupby agg('mean') / agg([…]) / get / select, against pandas 1.5
// (scripts/fixtures/pandas_essentials.py → test/fixtures/pandas/essentials.json): three files,
// one empty, strings with missing values, astral and U+FFFD characters.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, type Series } from '../src/index.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/pandas/essentials.json', import.meta.url), 'utf8')) as {
  files: string[]; cases: Record<string, boolean[]>; filter_sum: number; value_counts: Record<string, [string | number | boolean | null, number][]>;
  series: Record<string, unknown>;
  groupby: Record<string, Record<string, unknown>[]>;
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

describe('df.isna() / notna() and Series row helpers (pandas)', () => {
  const cell = (v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? (v > 0 ? 'Infinity' : '-Infinity') : v);
  const values = async (s: Series): Promise<unknown[]> => (await s.compute()).column(s.name).map(cell);
  it('isna().sum() / notna().sum() count per column; isna() is bool columns', async () => {
    expect(await df.isna().sum().compute()).toEqual(fx.series['isna.sum']);
    expect(await df.notna().sum().compute()).toEqual(fx.series['notna.sum']);
    expect(df.isna().columns).toEqual(df.columns);
    expect(new Set(Object.values(df.isna().dtypes))).toEqual(new Set(['bool']));
    expect((await df.isna().compute()).column('k')).toEqual(fx.series['isna.k']);
  });
  it('Series dropna / sortValues / nlargest / nsmallest', async () => {
    expect(await values(f.dropna())).toEqual(fx.series['f.dropna']);
    expect(await values(f.sortValues({ ascending: false }))).toEqual(fx.series['f.sort_values(ascending=False)']);
    expect(await values(k.sortValues({ naPosition: 'first' }))).toEqual(fx.series["k.sort_values(na_position='first')"]);
    expect((await f.nlargest(4).compute()).column('f').map(cell)).toEqual(fx.series['f.nlargest(4)']);
    expect((await i.nsmallest(3).compute()).column('i')).toEqual(fx.series['i.nsmallest(3)']);
    expect(await values(i.mul(f).sortValues())).toEqual(fx.series['(i*f).sort_values()']);
  });
});

describe("groupby agg('mean'), agg([…]), get(column), select(columns) (pandas)", () => {
  const rec = (t: { toRecords(): Record<string, unknown>[] }): Record<string, unknown>[] =>
    t.toRecords().map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, typeof v === 'bigint' ? Number(v) : v])));
  const g = df.drop(['t', 'f']).groupby('k');
  const gf = df.groupby('k');
  const cases: Record<string, () => { compute(): Promise<{ toRecords(): Record<string, unknown>[] }> }> = {
    "agg('mean')": () => g.agg('mean'), "agg(['mean','max'])": () => g.select(['i', 'b']).agg(['mean', 'max']),
    "get('f').min()": () => gf.get('f').min(), "select(['f','i']).agg(['min','count'])": () => gf.select(['f', 'i']).agg(['min', 'count']),
    "get('i').nunique()": () => gf.get('i').nunique(), "agg('size')": () => gf.agg('size'),
    "groupby(t.dt.hour).agg({i:'sum'})": () => df.groupby(t.dt.hour).agg({ i: 'sum' }),
    "groupby(['k', i.gt(0)]).size()": () => df.assign({ pos: i.gt(0) }).groupby(['k', 'pos']).size(),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const got = rec(await make().compute());
      const want = fx.groupby[name]!;
      expect(got.length).toBe(want.length);
      got.forEach((r, j) => {
        expect(Object.keys(r)).toEqual(Object.keys(want[j]!));
        for (const [c, v] of Object.entries(want[j]!)) typeof v === 'number' ? expect(r[c] as number).toBeCloseTo(v, 14) : expect(r[c]).toEqual(v);
      });
    });
  }
  it('a Series key of another frame is a RangeError', () => {
    expect(() => df.groupby(df.drop('i').get('k').str.lower())).not.toThrow();
    expect(() => df.groupby(readCsv(join(dir, 'p*.csv')).get('k'))).toThrow(/another DataFrame/);
  });
  it('bad selections and aggregations', () => {
    expect(() => gf.get('k')).toThrow(/is a group key/);
    expect(() => gf.get('nope')).toThrow(RangeError);
    expect(() => gf.agg('average' as never)).toThrow(/unknown aggregation "average"/);
    expect(() => gf.agg([] as never)).toThrow(/empty list/);
  });
});
