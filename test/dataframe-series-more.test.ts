// Series.map(mapping), replace, any/all, shift/diff and cumsum/cumprod/cummax/cummin against
// pandas 1.5 (scripts/fixtures/pandas_series_more.py → test/fixtures/pandas/series-more.json):
// one CSV file read as one partition and, with a small blocksize, as many (the scans carry
// across partitions in order).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DataFrame, datasets, readCsv, type Series } from '../src/index.js';

type Cell = string | number | boolean | null;
const fx = JSON.parse(readFileSync(new URL('./fixtures/pandas/series-more.json', import.meta.url), 'utf8')) as {
  csv: string; cases: Record<string, { dtype: string; values: Cell[] }>; truth: Record<string, boolean>; t0: number; t1: number;
  autocorr: number; shift_diff_cov: number;
};
const dir = mkdtempSync(join(tmpdir(), 'tessera-series-more-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'data.csv');
writeFileSync(file, fx.csv);
const t0 = new Date(fx.t0), t1 = new Date(fx.t1);
const all = Array.from({ length: 7 }, (_, j) => j - 3);

const casesOf = (df: DataFrame): Record<string, () => Series> => {
  const k = df.get('k'), i = df.get('i'), f = df.get('f'), b = df.get('b'), t = df.get('t'), m = df.get('m');
  const names = ['ann', 'bob', 'Cy', '\u00c9va', '\u{1F600}x'];
  return {
    'i.map({-3..3: 10*x})': () => i.map(Object.fromEntries(all.map((x) => [x, 10 * x]))),
    'i.map({1:10,2:20})': () => i.map({ 1: 10, 2: 20 }),
    "i.map({1:'one',-1:'minus'})": () => i.map(new Map([[1, 'one'], [-1, 'minus']])),
    'i.map({all: bool})': () => i.map(new Map(all.map((x) => [x, x > 0]))),
    'i.map({1:true})': () => i.map({ 1: true }),
    'i.map({1:2.5,2:3})': () => i.map({ 1: 2.5, 2: 3 }),
    "f.map({0:'zero'})": () => f.map({ 0: 'zero' }),
    'f.map(Map[[NaN,-1],[0,7]])': () => f.map(new Map([[NaN, -1], [0, 7]])),
    "k.map({ann:'A',bob:'B'})": () => k.map({ ann: 'A', bob: 'B' }),
    'k.map({every: int})': () => k.map(Object.fromEntries(names.map((s, j) => [s, j + 1]))),
    'k.map(Map[[null,0],every: int])': () => k.map(new Map<string | null, number>([[null, 0], ...names.map((s, j): [string, number] => [s, j + 1])])),
    'k.map(Map[[NaN,0],every: int])': () => k.map(new Map<string | number, number>([[NaN, 0], ...names.map((s, j): [string, number] => [s, j + 1])])),
    "b.map(Map[[true,'y'],[false,'n']])": () => b.map(new Map([[true, 'y'], [false, 'n']])),
    'b.map(Map[[1,5]])': () => b.map(new Map([[1, 5]])),
    'b.map({true:1,false:0})': () => b.map({ true: 1, false: 0 }),
    'm.map({1:10,-1:-10})': () => m.map({ 1: 10, '-1': -10 }),
    't.map(Map[[t0,1]])': () => t.map(new Map([[t0, 1]])),
    "i.mul(2).map({2:'two',-6:'minus six'})": () => i.mul(2).map({ 2: 'two', '-6': 'minus six' }),
    'k.str.upper().map({ANN:1})': () => k.str.upper().map({ ANN: 1 }),
    'i.map({1:10,2:20}).add(1)': () => i.map({ 1: 10, 2: 20 }).add(1),
    "k.map({ann:'A'}).eq('A')": () => k.map({ ann: 'A' }).eq('A'),
    'kc.map({every: distinct})': () => k.astype('category').map({ ann: 'A', bob: 'B', Cy: 'C', '\u00c9va': 'E', '\u{1F600}x': 'S' }),
    "kc.map(Map[[NaN,'q'],every: distinct])": () => k.astype('category').map(new Map([[NaN, 'q'], ['ann', 'A'], ['bob', 'B'], ['Cy', 'C'], ['\u00c9va', 'E'], ['\u{1F600}x', 'S']])),
    "kc.map({ann:'A'})": () => k.astype('category').map({ ann: 'A' }),
    "kc.map({every: 'x'})": () => k.astype('category').map(Object.fromEntries(names.map((s) => [s, 'x']))),
    'i.replace(1,100)': () => i.replace(1, 100),
    'i.replace(1,2.5)': () => i.replace(1, 2.5),
    'i.replace({1:2,2:3})': () => i.replace({ 1: 2, 2: 3 }),
    'i.replace([1,2,3],0)': () => i.replace([1, 2, 3], 0),
    'f.replace(NaN,0)': () => f.replace(NaN, 0),
    'f.replace({0:NaN})': () => f.replace({ 0: NaN }),
    "k.replace('bob','Robert')": () => k.replace('bob', 'Robert'),
    "k.replace({ann:'bob',bob:'ann'})": () => k.replace({ ann: 'bob', bob: 'ann' }),
    "k.astype(category).replace({ann:'A'})": () => k.astype('category').replace({ ann: 'A' }),
    'b.replace(true,false)': () => b.replace(true, false),
    'b.replace(Map[[true,false],[false,true]])': () => b.replace(new Map([[true, false], [false, true]])),
    'm.replace(1,7)': () => m.replace(1, 7), 'm.replace(NaN,0)': () => m.replace(NaN, 0), 'm.replace({1:5,NaN:0})': () => m.replace({ 1: 5, NaN: 0 }),
    'f.replace(Map[[NaN,-1],[0,1]])': () => f.replace(new Map([[NaN, -1], [0, 1]])),
    't.replace(t0,t1)': () => t.replace(t0, t1),
    'i.shift()': () => i.shift(), 'i.shift(3)': () => i.shift(3), 'i.shift(-2)': () => i.shift(-2), 'i.shift(0)': () => i.shift(0),
    'i.shift(100)': () => i.shift(100), 'f.shift(-1)': () => f.shift(-1), 'b.shift()': () => b.shift(), 'k.shift(2)': () => k.shift(2),
    't.shift()': () => t.shift(), 'm.shift()': () => m.shift(),
    'i.diff()': () => i.diff(), 'i.diff(-3)': () => i.diff(-3), 'i.diff(0)': () => i.diff(0), 'f.diff(2)': () => f.diff(2),
    'b.diff()': () => b.diff(), 't.diff()': () => t.diff(), 'm.diff()': () => m.diff(),
    'i.cumsum()': () => i.cumsum(), 'i.cumprod()': () => i.cumprod(), 'i.cummax()': () => i.cummax(), 'i.cummin()': () => i.cummin(),
    'f.cumsum()': () => f.cumsum(), 'f.cumprod()': () => f.cumprod(), 'f.cummax()': () => f.cummax(), 'f.cummin()': () => f.cummin(),
    'b.cumsum()': () => b.cumsum(), 'b.cummax()': () => b.cummax(), 'b.cummin()': () => b.cummin(), 'b.cumprod()': () => b.cumprod(),
    't.cummax()': () => t.cummax(), 't.cummin()': () => t.cummin(),
    'm.cumsum()': () => m.cumsum(), 'm.cummax()': () => m.cummax(), 'm.cummin()': () => m.cummin(),
    'i.add(1).mul(f).cumsum()': () => i.add(1).mul(f).cumsum(),
    'i.sub(i.shift())': () => i.sub(i.shift()), 'i.shift().add(i.shift(2))': () => i.shift().add(i.shift(2)),
    'i.cumsum().sub(i.shift(-1).cumsum())': () => i.cumsum().sub(i.shift(-1).cumsum()),
    'f.where(i.shift().gt(0),0)': () => f.where(i.shift().gt(0), 0), 'filter(i.diff().gt(0)).f': () => df.filter(i.diff().gt(0)).get('f'),
    'assign({d:i.diff()}).d': () => df.assign({ d: i.diff() }).get('d'), 'i.diff().cumsum()': () => i.diff().cumsum(),
    'k.shift().map({ann:1})': () => k.shift().map({ ann: 1 }),
  };
};

/** A Table's values as the fixture writes them: Dates as milliseconds, infinities as strings. */
const plain = (v: unknown): Cell =>
  v instanceof Date ? v.getTime() : typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? (v > 0 ? 'Infinity' : '-Infinity') : (v as Cell);

const frames: [string, () => DataFrame][] = [
  ['one partition', () => readCsv(file, { parseDates: ['t'], dtype: { m: 'Int64' } })],
  ['many partitions', () => readCsv(file, { parseDates: ['t'], dtype: { m: 'Int64' }, blocksize: 150 })],
];

for (const [label, make] of frames) {
  describe(`map / replace / scans against pandas (${label})`, () => {
    const df = make();
    const cases = casesOf(df);
    it('has the partitions it says', () => expect(df.npartitions > 1).toBe(label === 'many partitions'));
    it('covers every fixture case', () => expect(Object.keys(cases).sort()).toEqual(Object.keys(fx.cases).sort()));
    for (const [name, build] of Object.entries(cases)) {
      it(name, async () => {
        const s = build();
        const t = await s.compute();
        const want = fx.cases[name]!;
        expect(t.dtypes[s.name]).toBe(want.dtype);
        expect(t.column(s.name).map(plain)).toEqual(want.values);
      });
    }
    it('any / all skip missing values (pandas skipna); none: any false, all true', async () => {
      const none = df.filter(df.get('i').gt(100));
      const got: Record<string, boolean> = {};
      for (const c of ['i', 'f', 'b', 'm']) {
        got[`${c}.any`] = await df.get(c).any().compute();
        got[`${c}.all`] = await df.get(c).all().compute();
        got[`${c}[none].any`] = await none.get(c).any().compute();
        got[`${c}[none].all`] = await none.get(c).all().compute();
      }
      const na = df.filter(df.get('f').isna()).get('f');
      got['f.isna() rows.any'] = await na.any().compute();
      got['f.isna() rows.all'] = await na.all().compute();
      got['i.gt(-3).all'] = await df.get('i').gt(-3).all().compute();
      got['f.ne(0) rows.all'] = await df.filter(df.get('f').ne(0)).get('f').all().compute();
      expect(got).toEqual(fx.truth);
    });
  });
}

describe('scans across partitions', () => {
  const df = frames[1]![1]();
  it('head and tail compute only what they need, with the values of the whole run', async () => {
    const want = fx.cases['i.cumsum()']!.values;
    expect((await df.get('i').cumsum().head(3)).column('i')).toEqual(want.slice(0, 3));
    expect((await df.get('i').cumsum().tail(4)).column('i')).toEqual(want.slice(-4));
    expect((await df.get('i').shift(-2).tail(3)).column('i')).toEqual(fx.cases['i.shift(-2)']!.values.slice(-3));
  });
  it('partition t of a cumsum reads the partitions up to t (t onwards for a negative shift)', () => {
    const deps = (s: Series, op: string): number[] =>
      [...s.graph().nodes()].filter((n) => n.kind === 'task' && n.layer.startsWith(`${op}-`)).map((n) => n.deps.length);
    const P = df.npartitions;
    expect(deps(df.get('i').cumsum(), 'cumsum')).toEqual(Array.from({ length: P }, (_, t) => t + 1));
    expect(deps(df.get('i').shift(-2), 'shift')).toEqual(Array.from({ length: P }, (_, t) => P - t));
    expect(deps(df.get('i').shift(0), 'shift')).toEqual(Array.from({ length: P }, () => 1));
  });
  it('a scan keeps the frame: assign and groupby take it, a frame of other partitions is a RangeError', async () => {
    const i = df.get('i');
    const out = df.assign({ d: i.diff(), c: i.cumsum() });
    expect(out.columns).toEqual([...df.columns, 'd', 'c']);
    const t = await out.compute();
    expect(t.column('i')).toEqual((await i.compute()).column('i'));
    expect(t.column('d')).toEqual(fx.cases['i.diff()']!.values);
    expect(t.column('c')).toEqual(fx.cases['i.cumsum()']!.values);
    const g = await df.groupby(i.shift().isna()).agg({ f: 'count' }).compute();
    expect(g.column('i')).toEqual([false, true]);
    // Series.corr/cov: pandas' value within an ulp or two (its Welford loop, see docs)
    expect(await i.corr(i.shift()).compute()).toBeCloseTo(fx.autocorr, 13);
    expect(await i.shift().cov(i.diff(), { ddof: 0 }).compute()).toBeCloseTo(fx.shift_diff_cov, 13);
    const other = readCsv(file, { parseDates: ['t'], dtype: { m: 'Int64' } });
    expect(() => i.add(other.get('i').shift())).toThrow(/add: the Series comes from another DataFrame/);
    expect(() => df.assign({ d: other.get('i').diff() })).toThrow(RangeError);
  });
  it('int64 cumsum / cumprod / diff are exact and wrap as NumPy (pandas 1.5 gives these values for [2**62, 2**62, 1, -3])', async () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, `n\n${2n ** 62n}\n${2n ** 62n}\n1\n-3\n`);
    const n = readCsv(big, { blocksize: 8 }).get('n');
    expect(n.npartitions).toBeGreaterThan(1);
    expect((await n.cumsum().compute()).column('n')).toEqual([2n ** 62n, -(2n ** 63n), 1n - 2n ** 63n, 2n ** 63n - 2n]);
    expect((await n.cumprod().compute()).column('n')).toEqual([2n ** 62n, 0, 0, 0]);
    expect((await n.diff().compute()).column('n')).toEqual([null, 0, 1 - 2 ** 62, -4]);
  });
  it('a timeseries index passes through (known divisions kept)', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-04', freq: '1h', partitionFreq: '1d', seed: 2 });
    const out = ts.assign({ c: ts.get('id').cumsum() });
    expect(out.knownDivisions).toBe(true);
    const t = await out.compute();
    const ids = t.column('id') as number[];
    let acc = 0;
    expect(t.column('c')).toEqual(ids.map((v) => (acc += v)));
    expect((await out.head(2)).column('timestamp')).toEqual((await ts.head(2)).column('timestamp'));
  });
  it('reductions read a scan', async () => {
    expect(await df.get('i').cumsum().max().compute()).toBe(Math.max(...(fx.cases['i.cumsum()']!.values as number[])));
  });
});

describe('bad input', () => {
  const df = frames[0]![1]();
  const k = df.get('k'), i = df.get('i'), b = df.get('b'), t = df.get('t'), m = df.get('m');
  it('map: a plain object or a Map of one value kind', () => {
    expect(() => i.map([1, 2] as never)).toThrow(TypeError);
    expect(() => i.map([1, 2] as never)).toThrow(/map\(mapping\): expected a plain object or a Map/);
    expect(() => i.map('a' as never)).toThrow(/map\(mapping\): expected a plain object or a Map, got/);
    expect(() => i.map({ 1: 'a', 2: 3 })).toThrow(/map\(mapping\): the values mix string and number/);
    expect(() => i.map({ 1: {} } as never)).toThrow(/map\(mapping\): a value must be a string, a number, a bigint, a boolean or null/);
    expect(() => i.map({ 1: 2n ** 64n })).toThrow(RangeError);
    expect(() => t.sub(t).map({ 1: 2 })).toThrow(/map\(mapping\): a timedelta column is not accepted/);
  });
  it('replace: values of the column kind', () => {
    expect(() => i.replace(1)).toThrow(/replace\(value\): missing/);
    expect(() => i.replace({ 1: 2 }, 3)).toThrow(/replace\(value\): give either a mapping or \(old, value\)/);
    expect(() => i.replace(1, 'x')).toThrow(/replace\(value\): a int64 column takes numbers or bigints, got/);
    expect(() => i.replace(true, 1)).toThrow(/replace\(old\): a int64 column takes numbers/);
    expect(() => k.replace('a', 1)).toThrow(/replace\(value\): a string column takes string replacements/);
    expect(() => k.replace(NaN, 'x')).toThrow(/replace\(old\): a string column replaces strings, got NaN \(fillna replaces missing values\)/);
    expect(() => b.replace(true, 1)).toThrow(/replace\(value\): a bool column takes booleans/);
    expect(() => t.replace(1, 2)).toThrow(/replace\(old\): a datetime column takes Dates/);
    expect(() => m.replace(1, 2.5)).toThrow(/replace\(value\): 2.5 is not an integer; an Int64 column takes integers/);
    expect(() => i.replace(new Date(0) as never, 1)).toThrow(TypeError);
  });
  it('any / all: numeric and bool only', () => {
    expect(() => k.any()).toThrow(/any\(\): column "k" has dtype string; any needs int64, Int64, float64 or bool/);
    expect(() => t.all()).toThrow(/all\(\): column "t" has dtype datetime/);
  });
  it('scans: integer periods, the dtypes pandas takes', () => {
    expect(() => i.shift(1.5)).toThrow(/shift\(periods\): periods must be an integer, got 1.5/);
    expect(() => i.diff('1' as never)).toThrow(TypeError);
    expect(() => k.diff()).toThrow(/diff\(\): a string column has no differences/);
    expect(() => k.cumsum()).toThrow(/cumsum\(\): a string column is not accepted/);
    expect(() => t.cumsum()).toThrow(/cumsum\(\): a datetime column is not accepted/);
    expect(() => t.cumprod()).toThrow(TypeError);
  });
});
