// Aggregations and string/date dtypes against pandas (scripts/fixtures/pandas_aggs.py →
// test/fixtures/pandas/aggs.json, aggs-text.{csv,json}): groupby median/quantile (exact, ties,
// ±inf, across partitions), frame/series quantile/median/var/corr/cov, .str slice/strip/replace/
// split, parseDates of non-ISO forms, .dt.date; plus bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type DataFrame, type Series, type Table, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/aggs.json', import.meta.url), 'utf8')) as {
  groupby: { keys: string[]; index: Record<string, Cell[]>; aggs: Record<string, { dtype: string; values: Cell[] }> }[];
  frame: Record<string, Record<string, Cell | Cell[]>> & { 'finite.rows': number };
  series: Record<string, Cell | Record<string, Cell>>;
  cov_routes: { csv: string; ddof: number; columns: string[]; cov: Cell[][]; 'a.cov(b)': Cell }[];
  category: { dtype: string; categories: string[]; index: string[]; size: number[]; 'x.median': Cell[]; 'i.sum': number[]; 'filtered.size': Record<string, number>; value_counts: Record<string, number> };
};
const text = JSON.parse(readFileSync(new URL('./fixtures/pandas/aggs-text.json', import.meta.url), 'utf8')) as {
  dates: Record<string, (number | null)[]>;
  str: Record<string, { dtype: string; values: Cell[] }>;
  dt: Record<string, { dtype: string; values: Cell[] }>;
  timedelta: Record<string, Cell[]> & { 'median(b-a)': number };
};
const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));
const textCsv = fileURLToPath(new URL('./fixtures/pandas/aggs-text.csv', import.meta.url));

const decode = (w: Cell): Cell => (w === 'NaN' ? null : w);

function close(got: unknown, want: Cell, label: string, rel = 1e-12): void {
  const g = canon(got);
  const w = decode(want);
  if (typeof w === 'number' && typeof g === 'number') {
    expect(Math.abs(g - w), `${label}: ${g} vs ${w}`).toBeLessThanOrEqual(Math.max(Math.abs(w), 1) * rel);
  } else expect(g, label).toEqual(w === '-0' ? 0 : w);
}

const frames: [string, () => DataFrame][] = [
  ['one partition', () => readCsv(csv)],
  ['many partitions', () => readCsv(csv, { blocksize: 300 })],
];

for (const [label, make] of frames) {
  describe(`groupby median/quantile against pandas (${label})`, () => {
    it('exact per group: ties, NaN left out, ±inf, int keys, bool keys, two keys', async () => {
      const df = make();
      if (label === 'many partitions') expect(df.npartitions).toBeGreaterThan(3);
      for (const c of fixture.groupby) {
        const g = df.groupby(c.keys);
        const tables = new Map<string, Awaited<ReturnType<ReturnType<typeof g.median>['compute']>>>();
        tables.set('median', await g.median().compute());
        for (const q of [0, 0.25, 0.5, 0.9, 1]) tables.set(`quantile(${q})`, await g.quantile(q).compute());
        for (const k of c.keys) expect(tables.get('median')!.column(k).map(canon), `${c.keys} ${k}`).toEqual(c.index[k]!.map(decode));
        for (const [name, want] of Object.entries(c.aggs)) {
          const [col, agg] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
          const t = tables.get(agg)!;
          expect(t.dtypes[col], `${c.keys} ${name}`).toBe(want.dtype);
          // exact: the same selection and the same interpolation formula as pandas
          expect(t.column(col).map(canon), `${c.keys} ${name}`).toEqual(want.values.map(decode));
        }
      }
    });

    it("agg({ x: 'median' }) and with other aggregations", async () => {
      const df = make();
      const t = await df.groupby('name').agg({ x: ['median', 'count'], i: 'median' }).compute();
      const c = fixture.groupby[0]!;
      expect(t.columns).toEqual(['name', 'x_median', 'x_count', 'i_median']);
      expect(t.column('x_median').map(canon)).toEqual(c.aggs['x.median']!.values.map(decode));
      expect(t.column('i_median').map(canon)).toEqual(c.aggs['i.median']!.values.map(decode));
    });
  });

  describe(`frame and series statistics against pandas (${label})`, () => {
    it('quantile, median, var (ddof), std (ddof) of the numeric columns', async () => {
      const df = make();
      const f = fixture.frame;
      const med = await df.median().compute();
      // bool columns are numeric for median/var/std as in pandas' numeric_only (the fixture's frame rows cover x, y, i)
      expect(Object.keys(med)).toEqual(['x', 'y', 'i', 'b']);
      expect(canon(med.b)).toEqual(fixture.series['b.median']);
      expect(Object.keys(await df.quantile(0.3).compute())).toEqual(['x', 'y', 'i']);
      for (const c of ['x', 'y', 'i']) {
        expect(canon(med[c]), `median ${c}`).toEqual(decode(f.median![c] as Cell));
        expect(canon((await df.quantile(0.3).compute())[c]), `quantile ${c}`).toEqual(decode(f['quantile(0.3)']![c] as Cell));
        const qs = (await df.quantile([0, 0.1, 0.5, 0.99, 1]).compute())[c]!;
        expect(qs.map(canon), `quantiles ${c}`).toEqual((f['quantile([0,0.1,0.5,0.99,1])']![c] as Cell[]).map(decode));
        close((await df.var().compute())[c], f.var![c] as Cell, `var ${c}`);
        close((await df.var({ ddof: 0 }).compute())[c], f['var(ddof=0)']![c] as Cell, `var(ddof 0) ${c}`);
        close((await df.std({ ddof: 0 }).compute())[c], f['std(ddof=0)']![c] as Cell, `std(ddof 0) ${c}`);
      }
    });

    it('Series quantile/median/var/std with ddof, bool and expression series', async () => {
      const df = make();
      for (const c of ['x', 'y', 'i']) {
        const want = fixture.series[c] as Record<string, Cell>;
        const s = df.get(c);
        expect(canon(await s.median().compute()), `${c} median`).toEqual(decode(want.median!));
        expect(canon(await s.quantile(0.3).compute()), `${c} q.3`).toEqual(decode(want['quantile(0.3)']!));
        expect((await s.quantile([0.3, 0.75]).compute()).map(canon), `${c} q list`).toEqual([decode(want['quantile(0.3)']!), decode(want['quantile(0.75)']!)]);
        close(await s.var().compute(), want.var!, `${c} var`);
        close(await s.var({ ddof: 0 }).compute(), want['var(ddof=0)']!, `${c} var ddof 0`);
        close(await s.var({ ddof: 2 }).compute(), want['var(ddof=2)']!, `${c} var ddof 2`);
        close(await s.std({ ddof: 0 }).compute(), want['std(ddof=0)']!, `${c} std ddof 0`);
      }
      expect(canon(await df.get('b').median().compute())).toEqual(fixture.series['b.median']);
      expect(canon(await df.get('x').mul(df.get('y')).median().compute())).toEqual(fixture.series['(x*y).median']);
    });

    it('corr/cov: pairwise over present (finite) values, bool as 0/1, minPeriods', async () => {
      const df = make().select(['x', 'y', 'i', 'b']);
      const f = fixture.frame;
      const check = async (frame: DataFrame, key: string): Promise<void> => {
        for (const [op, run] of [
          ['corr', () => frame.corr()],
          ['cov', () => frame.cov()],
          ['corr(min_periods=200)', () => frame.corr({ minPeriods: 200 })],
        ] as const) {
          const t = await run().compute();
          expect(t.column('index')).toEqual(['x', 'y', 'i', 'b']);
          for (const c of ['x', 'y', 'i', 'b']) {
            const want = f[`${op}.${key}`]![c] as Cell[];
            t.column(c).forEach((v, i) => close(v, want[i]!, `${op}.${key} ${c}[${i}]`));
          }
        }
      };
      await check(df, 'all');
      // the finite rows of x: a filtered frame (other partition lengths)
      const x = df.get('x');
      const finite = df.filter(x.isna().or(x.abs().lt(Infinity)));
      expect(await finite.length().compute()).toBe(f['finite.rows']);
      await check(finite, 'finite');
    });

    it('Series corr/cov with another series and an expression', async () => {
      const df = make();
      const se = fixture.series as Record<string, Cell>;
      const [x, y, i] = [df.get('x'), df.get('y'), df.get('i')];
      close(await y.corr(i).compute(), se['y.corr(i)']!, 'y.corr(i)');
      close(await y.cov(i).compute(), se['y.cov(i)']!, 'y.cov(i)');
      close(await y.cov(i, { ddof: 0 }).compute(), se['y.cov(i,ddof=0)']!, 'y.cov(i, ddof 0)');
      close(await y.corr(y.mul(2).add(i)).compute(), se['y.corr(y*2+i)']!, 'y.corr(2y+i)');
      close(await x.corr(y).compute(), se['x.corr(y)']!, 'x.corr(y)');
      close(await x.cov(y).compute(), se['x.cov(y)']!, 'x.cov(y)');
    });
  });
}

describe('statistics against closed forms and naive loops', () => {
  it('median of an even count is the mean of the middle two; quantile interpolates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-aggs-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'v.csv');
    writeFileSync(f, 'k,v\na,1\na,2\na,3\na,10\nb,5\nb,\nc,\nc,\n');
    const df = readCsv(f);
    expect(await df.get('v').median().compute()).toBe(3);
    expect(await df.get('v').quantile(0.5).compute()).toBe(3);
    expect(await df.get('v').quantile(0.25).compute()).toBe(2);
    const g = await df.groupby('k').median().compute();
    expect(g.column('k')).toEqual(['a', 'b', 'c']);
    // a group with only missing values: NaN (pandas)
    expect(g.column('v')).toEqual([2.5, 5, null]);
    expect((await df.groupby('k').quantile(0.5).compute()).column('v')).toEqual([2.5, 5, null]);
    expect((await df.groupby('k').quantile(1 / 3).compute()).column('v')).toEqual([2, 5, null]);
  });

  it('no rows: NaN, and no groups', async () => {
    const all = readCsv(csv, { blocksize: 300 });
    const df = all.filter(all.get('i').gt(1000));
    expect(await df.get('x').median().compute()).toBeNaN();
    expect(await df.get('x').quantile(0.5).compute()).toBeNaN();
    expect(await df.get('x').var().compute()).toBeNaN();
    expect(await df.get('x').corr(df.get('y')).compute()).toBeNaN();
    expect((await df.groupby('name').median().compute()).length).toBe(0);
  });
});

describe('bad input', () => {
  const df = readCsv(csv);
  it('quantile q out of [0, 1] or not a number', () => {
    expect(() => df.quantile(1.5)).toThrow(RangeError);
    expect(() => df.quantile(1.5)).toThrow(/quantile\(q\): q must be within \[0, 1\], got 1.5/);
    expect(() => df.get('x').quantile(-0.1)).toThrow(RangeError);
    expect(() => df.get('x').quantile([0.5, NaN])).toThrow(RangeError);
    expect(() => df.get('x').quantile([])).toThrow(RangeError);
    expect(() => df.get('x').quantile('0.5' as unknown as number)).toThrow(TypeError);
    expect(() => df.groupby('name').quantile(2)).toThrow(/quantile\(q\): q must be within \[0, 1\]/);
  });
  it('statistics of a string column', () => {
    expect(() => df.get('name').median()).toThrow(TypeError);
    expect(() => df.get('name').median()).toThrow(/median\(\): column "name" has dtype string/);
    expect(() => df.get('name').corr(df.get('x'))).toThrow(/corr\(other\): the Series "name" has dtype string; accepted: int64, float64, bool/);
    expect(() => df.get('x').cov(df.get('name'))).toThrow(TypeError);
    expect(() => df.groupby('b').agg({ name: 'median' })).toThrow(/median of a string column is not accepted/);
  });
  it('unknown columns, other frames, bad options', () => {
    expect(() => df.groupby('nope')).toThrow(/no column "nope"/);
    expect(() => df.groupby('name').agg({ nope: 'median' })).toThrow(/no column "nope"/);
    expect(() => df.get('x').corr(readCsv(csv).get('y'))).toThrow(/another DataFrame/);
    expect(() => df.get('x').corr(1 as unknown as Series)).toThrow(TypeError);
    expect(() => df.corr({ minPeriods: -1 })).toThrow(RangeError);
    expect(() => df.corr({ ddof: 1 } as never)).toThrow(/unknown option "ddof"; accepted: minPeriods/);
    expect(() => df.var({ ddof: 0.5 })).toThrow(/var\(options\): ddof must be a non-negative integer/);
    expect(() => df.get('x').var({ ddof: -1 })).toThrow(RangeError);
  });
});

describe('.str slice/strip/replace/split against pandas', () => {
  for (const [label, opts] of [['one partition', {}], ['many partitions', { blocksize: 120 }]] as const) {
    it(label, async () => {
      const df = readCsv(textCsv, opts);
      const s = df.get('s');
      const ops: Record<string, Series> = {
        'slice(1,3)': s.str.slice(1, 3), 'slice(-2)': s.str.slice(-2), 'slice(0,null,2)': s.str.slice(0, null, 2),
        'slice(null,-1)': s.str.slice(null, -1), 'strip()': s.str.strip(), 'strip(a )': s.str.strip('a '),
        'lstrip()': s.str.lstrip(), 'rstrip()': s.str.rstrip(),
        'replace(a,X)': s.str.replace('a', 'X'), 'replace([,-],;,regex)': s.str.replace('[,-]', ';', { regex: true }),
        'replace(a,X,n=1)': s.str.replace('a', 'X', { n: 1 }),
        'split(,).get(0)': s.str.split(',').get(0), 'split(,).get(1)': s.str.split(',').get(1),
        'split(,).get(-1)': s.str.split(',').get(-1), 'split().get(0)': s.str.split().get(0),
        'split(,).len': s.str.split(',').len(), 'split(-,n=1).get(1)': s.str.split('-', { n: 1 }).get(1),
      };
      expect(Object.keys(ops).sort()).toEqual(Object.keys(text.str).sort());
      for (const [k, op] of Object.entries(ops)) {
        const t = await op.compute();
        expect(t.dtypes[op.name], k).toBe(text.str[k]!.dtype);
        expect(t.column(op.name), k).toEqual(text.str[k]!.values);
      }
      // chained with the other .str methods and used as a groupby key
      const up = await s.str.strip().str.upper().compute();
      expect(up.column('s')).toEqual((text.str['strip()']!.values as (string | null)[]).map((v) => (v === null ? null : v.toUpperCase())));
      const n = await df.assign({ first: s.str.split(',').get(0) }).groupby('first').size().compute();
      expect(n.length).toBe(6);
    });
  }
  it('bad input', () => {
    const s = readCsv(textCsv).get('s');
    expect(() => s.str.slice(0.5)).toThrow(/\.str\.slice\(start\): must be an integer or null/);
    expect(() => s.str.slice(0, 2, 0)).toThrow(RangeError);
    expect(() => s.str.replace('', 'x')).toThrow(TypeError);
    expect(() => s.str.replace('(', 'x', { regex: true })).toThrow(/not a regular expression/);
    expect(() => s.str.replace('a', 'x', { flags: 1 } as never)).toThrow(/unknown option "flags"/);
    expect(() => s.str.split(',').get(0.5)).toThrow(TypeError);
    expect(() => readCsv(textCsv).get('v').str.strip()).toThrow(/\.str\.map: needs a string column, got float64/);
  });
});

describe('parseDates: the non-ISO forms pandas reads', () => {
  for (const [label, opts] of [['one partition', {}], ['many partitions', { blocksize: 120 }]] as const) {
    it(`month names, year first with / . -, month first (${label})`, async () => {
      const df = readCsv(textCsv, { parseDates: ['a', 'b', 'c'], ...opts });
      expect(df.dtypes).toMatchObject({ a: 'datetime', b: 'datetime', c: 'datetime' });
      const t = await df.compute();
      for (const c of ['a', 'b', 'c']) expect(t.column(c).map(canon), c).toEqual(text.dates[c]);
      for (const [k, want] of Object.entries(text.dt)) {
        const [c, field] = k.split('.') as [string, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'dayofweek' | 'date'];
        const r = await df.get(c).dt[field].compute();
        expect(r.dtypes[c], k).toBe(want.dtype);
        expect(r.column(c).map(canon), k).toEqual(want.values);
      }
    });
  }
  it('a value it cannot read: an error naming the column, the file and the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-dates-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'when,v\nJan 1 2000,1\n2000-02-30x,2\n');
    // the sample is parsed by readCsv itself
    expect(() => readCsv(f, { parseDates: ['when'] })).toThrow(/bad\.csv:3: column "when": cannot parse "2000-02-30x" as datetime/);
    writeFileSync(f, 'when,v\n02/30/2000,1\n');
    expect(() => readCsv(f, { parseDates: ['when'] })).toThrow(/column "when": cannot parse "02\/30\/2000"/);
    // a second file (not in the sample): at compute time, naming that file
    const g = join(dir, 'bad2.csv');
    writeFileSync(f, 'when,v\nJan 1 2000,1\n');
    writeFileSync(g, `when,v\n${'Jan 1 2000,1\n'.repeat(50)}13/13/2000,2\n`);
    await expect(readCsv([f, g], { parseDates: ['when'] }).compute()).rejects.toThrow(/bad2\.csv:52: column "when": cannot parse "13\/13\/2000" as datetime/);
  });
});

describe('groupby keys on bool and date columns', () => {
  it('a date key (.dt.date) and a bool key, against a naive loop', async () => {
    const df = readCsv(textCsv, { parseDates: ['a'] });
    const d = df.dropna({ subset: ['a'] });
    const g = await d.assign({ day: d.get('a').dt.date, late: d.get('a').dt.year.ge(2005) }).groupby(['late', 'day']).agg({ v: ['sum', 'median'] }).compute();
    const all = await d.compute();
    const rows = all.column('a').map((a, i) => [(a as Date).getUTCFullYear() >= 2005, Math.floor((a as Date).getTime() / 86400000) * 86400000, all.column('v')[i] as number] as const);
    rows.sort((p, q) => (p[0] === q[0] ? p[1] - q[1] : p[0] ? 1 : -1));
    expect(g.column('late')).toEqual(rows.map((r) => r[0]));
    expect(g.column('day').map(canon)).toEqual(rows.map((r) => r[1]));
    expect(g.column('v_median')).toEqual(rows.map((r) => r[2]));
  });
});

describe('timedelta: differences of datetimes, against pandas', () => {
  for (const [label, opts] of [['one partition', {}], ['many partitions', { blocksize: 120 }]] as const) {
    it(label, async () => {
      const df = readCsv(textCsv, { parseDates: ['a', 'b', 'c'], ...opts });
      const [a, b, c] = [df.get('a'), df.get('b'), df.get('c')];
      const want = text.timedelta;
      const d = b.sub(a);
      expect(d.dtype).toBe('timedelta');
      const t = await d.compute();
      expect(t.dtypes.b).toBe('timedelta');
      expect(t.column('b')).toEqual(want['b-a.ms']);
      expect(t.toString().split('\n').slice(1).map((l) => l.replace(/^\d+\s+/, '').trim())).toEqual(want['b-a.str']);
      expect((await d.dt.totalSeconds().compute()).column('b')).toEqual(want['b-a.total_seconds']);
      const days = await d.dt.days.compute();
      expect(days.dtypes.b).toBe('float64'); // a missing value, as pandas
      expect(days.column('b')).toEqual(want['b-a.days']);
      const back = await a.add(d).compute();
      expect(back.dtypes.a).toBe('datetime');
      expect(back.column('a').map(canon)).toEqual(want['a+(b-a)']);
      expect((await c.sub(d.div(2)).compute()).column('c').map(canon)).toEqual(want['c-(b-a)/2']);
      const ratio = (await d.div(c.sub(a)).compute()).column('b') as (number | null)[];
      ratio.forEach((r, i) => close(r, want['(b-a)/(c-a)']![i]!, `ratio[${i}]`));
      expect(await d.median().compute()).toBe(want['median(b-a)']);
    });
  }
  it('as a group key and in groupby aggregations; bad arithmetic', async () => {
    const df = readCsv(textCsv, { parseDates: ['a', 'b'] });
    const f = df.assign({ d: df.get('b').sub(df.get('a')), pos: df.get('b').gt(df.get('a')) });
    const g: Table = await f.groupby('pos').agg({ d: ['min', 'max', 'median', 'count'] }).compute();
    expect(g.dtypes).toMatchObject({ pos: 'bool', d_min: 'timedelta', d_max: 'timedelta', d_median: 'timedelta', d_count: 'int64' });
    const ms = text.timedelta['b-a.ms']!.filter((v): v is number => v !== null);
    const neg = ms.filter((v) => v <= 0).sort((x, y) => x - y);
    const pos = ms.filter((v) => v > 0).sort((x, y) => x - y);
    // the missing row's comparison is False: it joins the False group with a missing d
    expect(g.column('pos')).toEqual([false, true]);
    expect(g.column('d_min')).toEqual([neg[0], pos[0]]);
    expect(g.column('d_max')).toEqual([neg[neg.length - 1], pos[pos.length - 1]]);
    expect(g.column('d_count')).toEqual([neg.length, pos.length]);
    const k = await f.groupby('d').size().compute();
    expect(k.dtypes.d).toBe('timedelta');
    expect(k.column('d')).toEqual([...ms].sort((x, y) => x - y));
    expect(() => df.get('a').add(df.get('b'))).toThrow(/add: datetime add datetime is not accepted/);
    expect(() => df.get('a').mul(2)).toThrow(TypeError);
    expect(() => df.get('a').dt.totalSeconds()).toThrow(/needs a timedelta column/);
    expect(() => df.get('b').sub(df.get('a')).dt.year).toThrow(/needs a datetime column/);
  });
});

describe("astype('category'): the reader's dictionary strings as a category column", () => {
  for (const [label, make] of frames) {
    it(`group key, aggregations, valueCounts, sort, filter (${label})`, async () => {
      const df0 = make();
      const want = fixture.category;
      const df = df0.assign({ c: df0.get('name').astype('category') });
      expect(df.dtypes.c).toBe('category');
      const t = await df.select(['name', 'c']).compute();
      expect(t.dtypes.c).toBe('category');
      expect(t.column('c')).toEqual(t.column('name'));
      const g = await df.groupby('c').agg({ x: 'median', i: 'sum' }).compute();
      expect(g.dtypes.c).toBe('category');
      expect(g.column('c')).toEqual(want.index);
      expect(g.column('x').map(canon)).toEqual(want['x.median']);
      expect(g.column('i')).toEqual(want['i.sum']);
      expect((await df.groupby('c').size().compute()).column('size')).toEqual(want.size);
      const f = df.filter(df.get('i').gt(10));
      const fs = await f.groupby('c').size().compute();
      expect(Object.fromEntries(fs.column('c').map((k, i) => [k, fs.column('size')[i]]))).toEqual(want['filtered.size']);
      const vc = await df.get('c').valueCounts().compute();
      expect(Object.fromEntries(vc.column('c').map((k, i) => [k, vc.column('count')[i]]))).toEqual(want.value_counts);
      const sorted = await df.sortValues('c').select(['c']).head(3);
      expect(sorted.column('c')).toEqual(['alice', 'alice', 'alice']);
      expect((await df.get('c').str.upper().head(1)).dtypes.c).toBe('string');
      expect(() => df.get('x').astype('category')).toThrow(/astype\('category'\): needs a string column, got float64/);
      expect(() => df.groupby('b').agg({ c: 'min' })).toThrow(/min of a category column is not accepted/);
    });
  }
});

describe('var/std with ddof 0 of one value (found by the fuzz of gen14)', () => {
  it('is 0 as pandas (NaN for ±inf), frame and series, across an empty partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ddof-'));
    onTestFinished(() => rmSync(dir, { recursive: true }));
    writeFileSync(join(dir, '0.csv'), 'i,f,g,b\n');
    writeFileSync(join(dir, '1.csv'), 'i,f,g,b\n2,,inf,True\n');
    writeFileSync(join(dir, '2.csv'), 'i,f,g,b\n,1.5,,\n');
    const df = readCsv(join(dir, '*.csv'));
    // pandas 1.5.3: df.std(ddof=0) → i 0.0, f 0.0, g NaN, b 0.0; ddof=1 → NaN each
    const nan = (v: number | undefined): number | null => (Number.isNaN(v) ? null : v!);
    for (const k of ['var', 'std'] as const) {
      const r = await df[k]({ ddof: 0 }).compute();
      expect(Object.fromEntries(Object.entries(r).map(([c, v]) => [c, nan(v)])), k).toEqual({ i: 0, f: 0, g: null, b: 0 });
      expect(nan(await df.get('f')[k]({ ddof: 0 }).compute()), k).toBe(0);
      expect(nan(await df.get('g')[k]({ ddof: 0 }).compute()), k).toBe(null);
      expect(nan(await df.get('f').add(1)[k]({ ddof: 0 }).compute()), k).toBe(0);
      expect(nan(await df.get('f')[k]().compute()), k).toBe(null);
    }
  });
});

describe("DataFrame.cov's two routes and n − ddof ≤ 0, as pandas 1.5", () => {
  it('np.cov without missing values (±inf past n − ddof ≤ 0, NaN for a column with ±inf), nancorr with them (ddof ignored); Series.cov keeps ddof', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cov-routes-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    let k = 0;
    for (const c of fixture.cov_routes) {
      const p = join(dir, `${k++}.csv`);
      writeFileSync(p, c.csv);
      const df = readCsv(p);
      const m = await df.cov({ ddof: c.ddof }).compute();
      const label = `${JSON.stringify(c.csv)} ddof ${c.ddof}`;
      expect(m.column('index'), label).toEqual(c.columns);
      c.columns.forEach((name, j) => m.column(name).forEach((v, i) => close(v, c.cov[j]![i]!, `${label} cov[${i}][${name}]`)));
      close(await df.get('a').cov(df.get('b'), { ddof: c.ddof }).compute(), c['a.cov(b)'], `${label} a.cov(b)`);
    }
  });
});
