// Series.mode / prod / idxmax / idxmin and DataFrame.nunique / astype against pandas 1.5
// (scripts/fixtures/pandas_series_extra.py → test/fixtures/pandas/series-extra.json), on one
// partition and on many.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasets, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/series-extra.json', import.meta.url), 'utf8')) as {
  mode: Record<string, Cell[]>; prod: Record<string, Cell>; idxmax: Record<string, Cell>; idxmin: Record<string, Cell>;
  'times.idxmax.x': Cell; 'times.idxmin.i': Cell; nunique: Record<string, number>;
  astype: { dtypes: Record<string, string>; i: Cell[]; b: Cell[] }; edges: Record<string, Cell>;
  astype_string: Record<string, (string | null)[]>; astype_datetime: (number | null)[];
  astype_datetime_ns: Record<string, (number | null)[]>;
};
const nsCsv = fileURLToPath(new URL('./fixtures/pandas/series-extra-ns.csv', import.meta.url));
const stringsCsv = fileURLToPath(new URL('./fixtures/pandas/series-extra-strings.csv', import.meta.url));
const edgesCsv = fileURLToPath(new URL('./fixtures/pandas/series-extra-edges.csv', import.meta.url));
const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));
const timesCsv = fileURLToPath(new URL('./fixtures/pandas/rows-times.csv', import.meta.url));
const exact = (v: unknown): Cell => (typeof v === 'bigint' ? (v.toString() as Cell) : canon(v));

for (const blocksize of [null, 700]) {
  describe(`Series and frame extras against pandas (blocksize ${blocksize})`, () => {
    const df = readCsv(csv, { blocksize });
    it('mode: the most frequent values, sorted; ties give several rows', async () => {
      for (const c of df.columns) expect((await df.get(c).mode().compute()).column(c).map(canon), c).toEqual(fixture.mode[c]);
      const r = await df.get('x').round(0).mode().compute();
      expect(r.column('x').map(canon)).toEqual(fixture.mode['round(x,0)']);
    });
    it('prod: floats in row order (inf and -0 included), int64 exactly with wrap-around, bools', async () => {
      for (const c of ['x', 'y', 'i', 'b']) expect(canon(await df.get(c).prod().compute()), c).toEqual(fixture.prod[c]);
      const odd = df.filter(df.get('i').mod(2).ne(0)).get('i').prod();
      expect(exact(await odd.compute())).toBe(String(fixture.prod['i small']));
      const x = df.get('x');
      expect(await df.filter(x.abs().gt(0.9).and(x.abs().lt(1.2))).get('x').prod().compute()).toBeCloseTo(fixture.prod['x small'] as number, 14);
      expect(() => df.get('name').prod()).toThrow(/prod needs int64, Int64, float64 or bool/);
    });
    it('idxmax / idxmin: the row number without an index, the label with one (the first of ties)', async () => {
      for (const c of ['x', 'y', 'i', 'b']) {
        expect(await df.get(c).idxmax().compute(), c).toBe(fixture.idxmax[c]);
        expect(await df.get(c).idxmin().compute(), c).toBe(fixture.idxmin[c]);
      }
      const times = await readCsv(timesCsv, { parseDates: ['t'], blocksize: 1500 }).setIndex('t', { sorted: true });
      expect(canon(await times.get('x').idxmax().compute())).toBe(fixture['times.idxmax.x']);
      expect(canon(await times.get('i').idxmin().compute())).toBe(fixture['times.idxmin.i']);
      expect(await df.filter(df.get('i').gt(1000)).get('x').idxmax().compute()).toBeNull();
      expect(() => df.get('name').idxmax()).toThrow(/idxmax needs/);
    });
    it('idxmax / idxmin / prod at the edges: NaN before -inf (pandas takes the first NaN), Int64 <NA> skipped at the int64 extremes', async () => {
      const edges = readCsv(edgesCsv, { dtype: { n: 'Int64' }, ...(blocksize ? { blocksize: 20 } : {}) });
      for (const c of ['f', 'g', 'n'])
        for (const op of ['idxmax', 'idxmin'] as const) expect(await edges.get(c)[op]().compute(), `${c}.${op}`).toBe(fixture.edges[`${c}.${op}`]);
      expect(canon(await edges.get('g').prod().compute())).toBe(fixture.edges['g.prod']);
      expect(await edges.filter(edges.get('n').eq(5)).get('n').prod().compute()).toBe(fixture.edges['n[5:].prod']);
    });
    it('DataFrame.nunique and astype({ column: dtype })', async () => {
      expect(await df.nunique().compute()).toEqual(fixture.nunique);
      const a = df.astype({ i: 'float64', b: 'int64' });
      expect(a.columns).toEqual(df.columns);
      const t = await a.compute();
      expect(Object.fromEntries(Object.entries(t.dtypes).map(([c, d]) => [c, d === 'string' ? 'object' : d]))).toEqual(fixture.astype.dtypes);
      expect(t.column('i').map(canon)).toEqual(fixture.astype.i);
      expect(t.column('b').map(canon)).toEqual(fixture.astype.b);
      expect((await df.select(['i', 'b']).astype('float64').compute()).dtypes).toEqual({ i: 'float64', b: 'float64' });
      expect(() => df.astype({ nope: 'float64' })).toThrow(/no column "nope"/);
      expect(() => df.astype(5 as never)).toThrow(TypeError);
    });
  });
}

describe("astype('string') against pandas' StringDtype", () => {
  for (const blocksize of [null, 120]) {
    it(`floats as repr, ints, bools, Int64 <NA>, datetimes (blocksize ${blocksize})`, async () => {
      const df = readCsv(stringsCsv, { blocksize, dtype: { n: 'Int64' }, parseDates: ['d'] });
      for (const c of ['f', 'i', 'b', 'n', 'd']) {
        const s = df.get(c).astype('string');
        expect(s.dtype, c).toBe('string');
        expect((await s.compute()).column(c), c).toEqual(fixture.astype_string[c]);
      }
      const all = await df.astype('string').compute();
      expect(Object.values(all.dtypes)).toEqual(['string', 'string', 'string', 'string', 'string', 'string']);
      // astype('datetime') of date strings in mixed forms: pd.to_datetime's instants (ms), NaT missing
      const d = df.get('s').astype('datetime');
      expect(d.dtype).toBe('datetime');
      expect((await d.compute()).column('s').map((v) => (v === null ? null : (v as Date).getTime()))).toEqual(fixture.astype_datetime);
      expect((await df.get('s').astype('datetime').dt.year.compute()).column('s').slice(0, 4)).toEqual([2000, 2000, 2015, 2003]);
      // of an expression, then .str
      expect((await df.get('f').mul(2).astype('string').str.upper().compute()).column('f').slice(0, 3)).toEqual(['3.0', '2E+20', '200000.0']);
    });
  }
  it('milliseconds per value (pandas: one format per column); a timedelta is a TypeError', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-01T00:00:02', freq: '500ms', partitionFreq: '1d', seed: 1 }).resetIndex();
    expect((await ts.get('timestamp').astype('string').compute()).column('timestamp')).toEqual(['2000-01-01 00:00:00', '2000-01-01 00:00:00.500', '2000-01-01 00:00:01', '2000-01-01 00:00:01.500']);
    const td = ts.get('timestamp').sub(ts.get('timestamp'));
    expect(() => td.astype('string')).toThrow(/from timedelta is not built yet/);
    expect(() => td.astype('datetime')).toThrow(/a timedelta column cannot be cast to datetime/);
    expect(() => ts.get('x').astype('str' as never)).toThrow(/accepted .*'string'/);
    await expect(ts.get('name').astype('datetime').compute()).rejects.toThrow(/cannot read "[A-Z][a-z]+" as a date/);
  });
});

describe("astype('datetime') of numbers: nanoseconds since the epoch, as pandas' astype('datetime64[ns]')", () => {
  it('int64, Int64 (<NA> is NaT) and float64 (NaN is NaT) columns, exact in whole milliseconds', async () => {
    const df = readCsv(nsCsv, { dtype: { n: 'Int64' } });
    for (const c of ['i', 'f', 'n']) {
      const d = df.get(c).astype('datetime');
      expect(d.dtype, c).toBe('datetime');
      expect((await d.compute()).column(c).map((v) => (v === null ? null : (v as Date).getTime())), c).toEqual(fixture.astype_datetime_ns[c]);
    }
    const frame = await df.astype({ i: 'datetime' }).compute();
    expect(frame.dtypes.i).toBe('datetime');
  });
  it('a value that is not a whole millisecond is a RangeError naming it (tessera keeps milliseconds), never a rounded date', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-01T00:00:02', freq: '500ms', partitionFreq: '1d', seed: 1 });
    await expect(ts.get('id').astype('datetime').compute()).rejects.toThrow(/astype\('datetime'\): \d+ nanoseconds since the epoch is not a whole millisecond/);
    await expect(ts.get('x').mul(1e30).astype('datetime').compute()).rejects.toThrow(/is outside datetime64\[ns\]/);
    // bools are 0/1 ns: all false is the epoch itself
    const epoch = await ts.get('x').gt(2).astype('datetime').compute();
    expect(epoch.column('x').map((v) => (v as Date).getTime())).toEqual([0, 0, 0, 0]);
  });
});
