// DataFrame column expressions and row operations against pandas
// (scripts/fixtures/pandas_frame_ops.py → test/fixtures/pandas/frame-ops.{csv,json}): the same
// file read as one partition and as many small ones gives pandas' values exactly (floats compared
// bit for bit, -0 included), sums and means to 1e-12 (NumPy adds pairwise).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, type Table, datasets, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

interface FrameWant { columns: string[]; dtypes: Record<string, string>; values: Record<string, Cell[]> }
interface StatsWant { sum: Cell; mean: Cell; count: number; min: Cell; max: Cell; std: Cell }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/frame-ops.json', import.meta.url), 'utf8')) as {
  exprs: Record<string, { dtype: string; values: Cell[] }>;
  frames: Record<string, FrameWant>;
  stats: Record<string, StatsWant>;
  bool: Record<string, Cell>;
  sorts: Record<string, FrameWant>;
  merges: Record<string, FrameWant>;
};
const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));


function columnValues(t: Table, c: string): Cell[] {
  return t.column(c).map(canon);
}

const frames: [string, () => DataFrame][] = [
  ['one partition', () => readCsv(csv)],
  ['many partitions', () => readCsv(csv, { blocksize: 400 })],
];

function expressions(df: DataFrame): Record<string, Series> {
  const [x, y, i, b, name] = ['x', 'y', 'i', 'b', 'name'].map((c) => df.get(c)) as [Series, Series, Series, Series, Series];
  return {
    'x+y': x.add(y), 'x*y+1': x.mul(y).add(1), 'x-i': x.sub(i), 'i*2': i.mul(2), 'i+i': i.add(i), 'i-7': i.sub(7),
    'x/i': x.div(i), 'i/4': i.div(4), 'i//3': i.floordiv(3), 'i%3': i.mod(3), 'x//0.3': x.floordiv(0.3), 'x%0.3': x.mod(0.3),
    'i//0': i.floordiv(0), 'x**2': x.pow(2), 'i**2': i.pow(2), '-x': x.neg(), 'abs(x)': x.abs(), 'abs(i)': i.abs(),
    'x>0.5': x.gt(0.5), 'x<=y': x.le(y), 'i==3': i.eq(3), 'x!=y': x.ne(y), 'i>=x': i.ge(x),
    '(x>0)&(y<0.5)': x.gt(0).and(y.lt(0.5)), '(x>0)|b': x.gt(0).or(b), '~b': b.not(), 'b^(i>2)': b.xor(i.gt(2)),
    'x.where(x>0,-1)': x.where(x.gt(0), -1), 'x.where(b)': x.where(b), 'x.mask(b,0)': x.mask(b, 0),
    'i.where(i>0,0)': i.where(i.gt(0), 0), 'i.where(b,0.5)': i.where(b, 0.5),
    'x.isna()': x.isna(), 'y.notna()': y.notna(), 'name.isna()': name.isna(), 'i.isna()': i.isna(),
    'x.fillna(0)': x.fillna(0), 'x.clip(-0.5,0.5)': x.clip(-0.5, 0.5), 'i.clip(None,5)': i.clip(null, 5),
    'x.round(2)': x.round(2), 'x.round(0)': x.round(0), 'y.round(1)': y.round(1),
    'i.astype(float)': i.astype('float64'), 'x.fillna(0).clip(-9,9).astype(int)': x.fillna(0).clip(-9, 9).astype('int64'),
    'x.astype(bool)': x.astype('bool'), 'i.astype(bool)': i.astype('bool'), 'b.astype(float)': b.astype('float64'),
    'b.astype(int)': b.astype('int64'),
  };
}

function expectFrame(t: Table, want: FrameWant): void {
  expect(t.columns).toEqual(want.columns);
  expect(t.dtypes).toEqual(want.dtypes);
  // pandas' object column of bools (a bool column with missing rows) is a string column here
  const text = (v: Cell, d: string | undefined): Cell => (typeof v === 'boolean' && d === 'string' ? (v ? 'True' : 'False') : v);
  for (const c of want.columns) expect(columnValues(t, c), c).toEqual(want.values[c]!.map((v) => text(v, want.dtypes[c])));
}

/** Sums agree with NumPy's pairwise sums to 1e-12 relative; counts, min and max exactly. */
function expectStats(got: Record<keyof StatsWant, number>, want: StatsWant): void {
  for (const k of ['count', 'min', 'max'] as const) expect(canon(got[k]), k).toEqual(want[k]);
  for (const k of ['sum', 'mean', 'std'] as const) {
    const w = want[k];
    if (typeof w === 'number') expect(got[k], k).toBeCloseTo(w, 12 - Math.ceil(Math.log10(Math.abs(w) + 1)));
    else expect(canon(got[k]), k).toEqual(w === 'NaN' ? null : w);
  }
}

async function stats(s: Series): Promise<Record<keyof StatsWant, number>> {
  const [sum, mean, count, min, max, std] = await Promise.all([s.sum(), s.mean(), s.count(), s.min(), s.max(), s.std()].map((l) => l.compute()));
  return { sum: sum!, mean: mean!, count: count!, min: min!, max: max!, std: std! };
}

for (const [label, make] of frames) {
  describe(`column expressions against pandas (${label})`, () => {
    it('every expression gives pandas dtype and values', async () => {
      const df = make();
      const exprs = expressions(df);
      expect(Object.keys(exprs).sort()).toEqual(Object.keys(fixture.exprs).sort());
      for (const [k, s] of Object.entries(exprs)) {
        const want = fixture.exprs[k]!;
        const t = await s.compute();
        expect(t.dtypes[s.name], k).toBe(want.dtype);
        expect(columnValues(t, s.name), k).toEqual(want.values);
        // the dtype known before computing is pandas' too (except where a value decides: i // 0)
        if (k !== 'i//0') expect(s.dtype, k).toBe(want.dtype);
      }
    });
  });

  describe(`row operations against pandas (${label})`, () => {
    it('filter, dropna, fillna, assign, head/tail', async () => {
      const df = make();
      const [x, y, i, b] = ['x', 'y', 'i', 'b'].map((c) => df.get(c)) as [Series, Series, Series, Series];
      const f = df.filter(x.gt(0.5));
      const cases: [string, () => Promise<Table>][] = [
        ['filter(x>0.5)', () => f.compute()],
        ['dropna(subset=[x])', () => df.dropna({ subset: ['x'] }).compute()],
        ['dropna()', () => df.dropna().compute()],
        ['dropna(how=all,subset=[x,y])', () => df.dropna({ how: 'all', subset: ['x', 'y'] }).compute()],
        ['dropna(thresh=4)', () => df.dropna({ thresh: 4 }).compute()],
        ['dropna(thresh=2,subset=[x,y,name])', () => df.dropna({ thresh: 2, subset: ['x', 'y', 'name'] }).compute()],
        ['fillna({y:0,name:zz})', () => df.fillna({ y: 0, name: 'zz' }).compute()],
        ['assign(z=x*y+1,k=i*2,c=7)', () => df.assign({ z: x.mul(y).add(1), k: i.mul(2), c: 7 }).compute()],
        ['filter(x>0.5).head(7)', () => f.head(7)],
        ['filter(x>0.5).tail(7)', () => f.tail(7)],
        [
          'filter((x>0)&b).assign(w=y.fillna(0)*2)[[name,w]]',
          () => {
            const g = df.filter(x.gt(0).and(b));
            return g.assign({ w: g.get('y').fillna(0).mul(2) }).select(['name', 'w']).compute();
          },
        ],
      ];
      for (const [k, run] of cases) {
        const t = await run();
        try {
          expectFrame(t, fixture.frames[k]!);
        } catch (err) {
          throw new Error(`${k}: ${(err as Error).message}`);
        }
      }
      expect(await f.length().compute()).toBe(fixture.frames['filter(x>0.5)']!.values.x!.length);
    });

    it('Series reductions of filtered frames and of expressions', async () => {
      const df = make();
      const x = df.get('x');
      const f = df.filter(x.gt(0.5));
      expectStats(await stats(f.get('y')), fixture.stats['filter(x>0.5).y']!);
      expectStats(await stats(f.get('i')), fixture.stats['filter(x>0.5).i']!);
      expectStats(await stats(df.get('y')), fixture.stats['y']!);
      expectStats(await stats(df.get('i')), fixture.stats['i']!);
      expectStats(await stats(x.fillna(0).clip(-1, 1)), fixture.stats['x.fillna(0).clip(-1,1)']!);
      expectStats(await stats(x.mul(df.get('y')).add(1)), fixture.stats['x*y+1']!);
      const b = df.get('b');
      expect(await b.sum().compute()).toBe(fixture.bool['b.sum()']);
      expect(await b.mean().compute()).toBe(fixture.bool['b.mean()']);
      expect(await b.count().compute()).toBe(fixture.bool['b.count()']);
      expect(await x.gt(0.5).sum().compute()).toBe(fixture.bool['(x>0.5).sum()']);
    });
  });
}

for (const [label, make] of frames) {
  it(`sortValues / nlargest / nsmallest against pandas (${label})`, async () => {
    const df = make();
    const cases: [string, () => Promise<Table>][] = [
      ['sort(x)', () => df.sortValues('x').compute()],
      ['sort(x,desc)', () => df.sortValues('x', { ascending: false }).compute()],
      ['sort([name,i],[asc,desc])', () => df.sortValues(['name', 'i'], { ascending: [true, false] }).compute()],
      ['sort(name,na_first)', () => df.sortValues('name', { naPosition: 'first' }).compute()],
      ['sort([b,y])', () => df.sortValues(['b', 'y']).compute()],
      ['nlargest(5,x)', () => df.nlargest(5, 'x').compute()],
      ['nsmallest(7,i)', () => df.nsmallest(7, 'i').compute()],
      ['nlargest(10,y)', () => df.nlargest(10, 'y').compute()],
    ];
    for (const [k, run] of cases) {
      const t = await run();
      try {
        expectFrame(t, fixture.sorts[k]!);
      } catch (err) {
        throw new Error(`${k}: ${(err as Error).message}`);
      }
    }
    // the sorted frame keeps the partition count; head reads its first sorted partition
    const s = df.sortValues('y', { ascending: false });
    expect(s.npartitions).toBe(df.npartitions);
    expect((await s.head(3)).column('y')).toEqual(fixture.sorts['nlargest(10,y)']!.values.y!.slice(0, 3));
  });
}

const peopleCsv = fileURLToPath(new URL('./fixtures/pandas/frame-ops-people.csv', import.meta.url));
for (const [label, make] of frames) {
  it(`merge inner/left/right/outer against pandas: lookups, missing keys, suffixes, many-to-many, two keys (${label})`, async () => {
    const df = make();
    const people = readCsv(peopleCsv, label === 'one partition' ? {} : { blocksize: 30 });
    const head = readCsv(fileURLToPath(new URL('./fixtures/pandas/frame-ops-head.csv', import.meta.url)), label === 'one partition' ? {} : { blocksize: 64 });
    for (const how of ['inner', 'left', 'right', 'outer'] as const) {
      const cases: [string, () => Promise<Table>][] = [
        [`people.${how}`, () => df.merge(people.select(['name', 'age']), { on: 'name', how }).compute()],
        [`suffix.${how}`, () => df.select(['name', 'x', 'y']).merge(people.select(['name', 'x']), { on: 'name', how }).compute()],
        [`two.${how}`, () => df.select(['name', 'b', 'i']).merge(people.select(['name', 'b', 'age']), { on: ['name', 'b'], how }).compute()],
        [`ints.${how}`, () => df.select(['i', 'x']).merge(head, { on: 'i', how }).compute()],
      ];
      for (const [k, run] of cases) {
        const t = await run();
        try {
          expectFrame(t, fixture.merges[k]!);
        } catch (err) {
          throw new Error(`${k}: ${(err as Error).message}`);
        }
      }
    }
  });
}

describe('merge: bad input', () => {
  it('incompatible key dtypes, missing keys, bad options', () => {
    const df = readCsv(csv);
    const people = readCsv(peopleCsv);
    expect(() => df.merge(people, { on: 'nope' })).toThrow(/no column "nope"/);
    expect(() => df.select(['i']).merge(people.select(['name']).assign({ i: people.get('name').isna() }), { on: 'i' })).toThrow(/int64 on the left and bool on the right/);
    expect(() => df.merge(people, { on: 'name', how: 'cross' as never })).toThrow(/how must be/);
    expect(() => df.merge({} as never)).toThrow(TypeError);
  });
});

describe('column expressions: bad input and laziness', () => {
  it('errors name the operation and what is accepted', () => {
    const df = readCsv(csv);
    const other = readCsv(csv);
    expect(() => df.filter(other.get('x').gt(0))).toThrow(/another DataFrame/);
    expect(() => df.assign({ z: other.get('x') })).toThrow(RangeError);
    expect(() => df.get('x').add(other.get('y'))).toThrow(/another DataFrame/);
    expect(() => df.filter(df.get('x'))).toThrow(/bool Series/);
    expect(() => df.get('name').add(1)).toThrow(/string column in arithmetic/);
    expect(() => df.get('x').and(df.get('b'))).toThrow(/needs bool operands/);
    expect(() => df.get('nope')).toThrow(/no column "nope"/);
    expect(() => df.dropna({ subset: ['nope'] })).toThrow(/no column "nope"/);
    expect(() => df.fillna({ name: 1 })).toThrow(/string column takes a string/);
    expect(() => df.get('x').add('1' as unknown as number)).toThrow(TypeError);
    expect(() => df.get('x').clip(null, null)).toThrow(/at least one bound/);
    expect(() => df.dropna({ thresh: 1.5 })).toThrow(RangeError);
    expect(() => df.dropna({ thresh: '2' as never })).toThrow(/thresh must be a non-negative integer/);
    expect(() => df.dropna({ thresh: 1, how: 'any' })).toThrow(/how and thresh cannot be given together/);
  });

  it('task graphs show the steps over their inputs (filter one-to-one, sort and merge all-to-all)', () => {
    const df = readCsv(csv, { blocksize: 1000 });
    const P = df.npartitions;
    const f = df.filter(df.get('x').gt(0));
    const g = f.graph();
    expect(g.layers.map((l) => l.op)).toEqual(['read-csv', 'filter']);
    expect(g.taskCount).toBe(2 * P);
    const m = f.merge(readCsv(csv), { on: 'i' }).sortValues('x_x');
    const ops = m.graph().layers.map((l) => l.op);
    expect(ops.slice(-2)).toEqual(['merge', 'sort-values']);
    expect(ops.filter((o) => o === 'read-csv')).toHaveLength(2);
  });

  it('astype(int64) of a missing value is an error at compute time, as pandas', async () => {
    const df = readCsv(csv);
    await expect(df.get('x').astype('int64').compute()).rejects.toThrow(/missing or infinite/);
  });

  it('filter and assign on the timeseries (index kept, one engine plan per batch)', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-01 06:00:00', freq: '10s', partitionFreq: '1h', seed: 7 });
    const all = await ts.compute();
    const xs = all.column('x') as number[];
    const ys = all.column('y') as number[];
    const f = ts.filter(ts.get('x').gt(0.5));
    const t = await f.compute();
    const keep = xs.map((v) => v > 0.5);
    expect(t.length).toBe(keep.filter(Boolean).length);
    expect(t.column('y')).toEqual(ys.filter((_, k) => keep[k]));
    expect(t.column('timestamp')).toEqual(all.column('timestamp').filter((_, k) => keep[k]));
    const s = await f.get('y').sum().compute();
    let naive = 0;
    ys.forEach((v, k) => (naive += keep[k] ? v : 0));
    expect(s).toBeCloseTo(naive, 10);
    const z = await ts.assign({ z: ts.get('x').mul(ts.get('y')).add(1) }).get('z').compute();
    expect(z.column('z')).toEqual(xs.map((v, k) => v * ys[k]! + 1));
  });
});

describe("the issue's example end to end (timeseries files with a timestamp column), against naive loops", () => {
  it('filter-sum, assign with .dt.hour, groupby agg and size, valueCounts, nlargest, merge, dropna/fillna/str/nunique', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'tessera-issue18-'));
    try {
      const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-01 12:00:00', freq: '30s', partitionFreq: '3h', seed: 11 });
      await ts.toCsv(join(d, '*.csv'));
      writeFileSync(join(d, 'people.txt'), 'name,age\nAlice,30\nBob,40\nZed,50\n');
      const df = readCsv(join(d, '*.csv'), { parseDates: ['timestamp'] });
      const people = readCsv(join(d, 'people.txt'));
      const all = await df.compute();
      const n = all.length;
      const col = (c: string) => all.column(c);
      const [xs, ys, names, stamps] = [col('x') as number[], col('y') as number[], col('name') as string[], col('timestamp') as Date[]];
      const x = df.get('x');
      const y = df.get('y');
      let naive = 0;
      for (let i = 0; i < n; i++) if (xs[i]! > 0.5) naive += ys[i]!;
      expect(await df.filter(x.gt(0.5)).get('y').sum().compute()).toBeCloseTo(naive, 9);
      const df2 = df.assign({ z: x.mul(y).add(1), hour: df.get('timestamp').dt.hour });
      const g = await df2.groupby('name').agg({ x: 'mean', y: ['std', 'count'], z: 'max' }).compute();
      expect(g.columns).toEqual(['name', 'x_mean', 'y_std', 'y_count', 'z_max']);
      const alice = [...Array(n).keys()].filter((i) => names[i] === 'Alice');
      const row = g.toRecords().find((r) => r.name === 'Alice')!;
      expect(row.y_count).toBe(alice.length);
      expect(row.z_max).toBe(Math.max(...alice.map((i) => xs[i]! * ys[i]! + 1)));
      expect(row.x_mean as number).toBeCloseTo(alice.reduce((a, i) => a + xs[i]!, 0) / alice.length, 12);
      const sizes = await df2.groupby(['name', 'hour']).size().compute();
      const ref = new Map<string, number>();
      for (let i = 0; i < n; i++) ref.set(`${names[i]}|${stamps[i]!.getUTCHours()}`, (ref.get(`${names[i]}|${stamps[i]!.getUTCHours()}`) ?? 0) + 1);
      expect(sizes.length).toBe(ref.size);
      sizes.toRecords().forEach((r) => expect(r.size).toBe(ref.get(`${r.name}|${r.hour}`)));
      const vc = await df.get('name').valueCounts().compute();
      expect((vc.column('count') as number[]).reduce((a, b) => a + b, 0)).toBe(n);
      const top = await df.nlargest(5, 'x').compute();
      expect(top.column('x')).toEqual([...xs].sort((a, b) => b - a).slice(0, 5));
      const m = await df.merge(people, { on: 'name', how: 'left' }).head();
      expect(m.columns).toEqual([...df.columns, 'age']);
      expect(m.column('age')).toEqual(names.slice(0, 5).map((s) => (s === 'Alice' ? 30 : s === 'Bob' ? 40 : null)));
      const nu = await df.dropna({ subset: ['x'] }).fillna({ y: 0 }).get('name').str.lower().nunique().compute();
      expect(nu).toBe(new Set(names.map((s) => s.toLowerCase())).size);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
