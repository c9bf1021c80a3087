// Row operations (issue 18 item 2) against pandas (scripts/fixtures/pandas_rows.py →
// test/fixtures/pandas/rows.json): sample, dropDuplicates, setIndex, resetIndex, repartition,
// concat and mapPartitions, on the same file read as one partition and as many small ones.
// Divisions are checked against the partitions' own index values.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type PartitionColumns, type Table, concat, datasets, delayed, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

interface FrameWant { columns: string[]; dtypes: Record<string, string>; values: Record<string, Cell[]>; index?: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/rows.json', import.meta.url), 'utf8')) as Record<
  'samples' | 'dedup' | 'setIndex' | 'resetIndex' | 'concat' | 'mapPartitions' | 'resample' | 'resampleCalendar' | 'resampleOther',
  Record<string, FrameWant>
> & { floor: Record<string, (number | null)[]> };
const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));
const peopleCsv = fileURLToPath(new URL('./fixtures/pandas/frame-ops-people.csv', import.meta.url));
const sortedCsv = fileURLToPath(new URL('./fixtures/pandas/rows-sorted.csv', import.meta.url));
const timesCsv = fileURLToPath(new URL('./fixtures/pandas/rows-times.csv', import.meta.url));
const shuffledCsv = fileURLToPath(new URL('./fixtures/pandas/rows-times-shuffled.csv', import.meta.url));
const fns = new URL('./fixtures/rows-partitions.mjs', import.meta.url);


function expectFrame(label: string, t: Table, want: FrameWant): void {
  try {
    expect(t.columns).toEqual(want.columns);
    const dtypes = { ...t.dtypes, ...(want.index ? { [want.index]: t.raw(want.index)!.dtype } : {}) };
    expect(dtypes).toEqual(want.dtypes);
    expect(t.index).toBe(want.index);
    // pandas' object column of bools (a bool column with missing rows) is a string column here
    const text = (v: Cell, d: string | undefined): Cell => (typeof v === 'boolean' && d === 'string' ? (v ? 'True' : 'False') : v);
    for (const c of [...(want.index ? [want.index] : []), ...want.columns]) expect(t.column(c).map(canon), c).toEqual(want.values[c]!.map((v) => text(v, want.dtypes[c])));
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
}

/** Each partition's index values lie in [divisions[p], divisions[p + 1]) (the last: its end included). */
async function expectDivisions(df: DataFrame): Promise<void> {
  const d = df.divisions!.map((v) => (v instanceof Date ? v.getTime() : v));
  expect(d.length).toBe(df.npartitions + 1);
  // (the test's strings are ASCII: JS order is code-point order)
  for (let k = 1; k < d.length; k++) expect(d[k]! >= d[k - 1]!, `divisions ${k}`).toBe(true);
  const parts = await df.state.source.load([], undefined, { options: {} });
  parts.forEach((p, k) => {
    const idx = p.columns.get(df.index!)!;
    for (let i = 0; i < p.length; i++) {
      const v = idx.dtype === 'string' ? idx.dict!.get((idx.values as Int32Array)[i]!) : Number(idx.values[i]!);
      if ((idx.values as Int32Array)[i]! < 0 && idx.dtype === 'string') continue;
      if (Number.isNaN(v)) continue;
      expect(v >= d[k]!, `partition ${k} row ${i}: ${v} ≥ ${d[k]}`).toBe(true);
      if (k < parts.length - 1) expect(v < d[k + 1]!, `partition ${k} row ${i}: ${v} < ${d[k + 1]}`).toBe(true);
      else expect(v <= d[k + 1]!).toBe(true);
    }
  });
}

const frames: [string, () => DataFrame][] = [
  ['one partition', () => readCsv(csv)],
  ['many partitions', () => readCsv(csv, { blocksize: 400 })],
];

for (const [label, make] of frames) {
  describe(`row operations against pandas (${label})`, () => {
    it('sample({ frac | n, seed, replace }) picks pandas rows in pandas order', async () => {
      const df = make();
      const cases: Record<string, DataFrame> = {
        'frac=0.1,seed=42': df.sample({ frac: 0.1, seed: 42 }),
        'n=7,seed=3': df.sample({ n: 7, seed: 3 }),
        'frac=0.5,replace,seed=1': df.sample({ frac: 0.5, replace: true, seed: 1 }),
        'frac=1.5,replace,seed=5': df.sample({ frac: 1.5, replace: true, seed: 5 }),
        'frac=14.5/240,seed=0': df.sample({ frac: 14.5 / 240, seed: 0 }),
        'frac=1,seed=7': df.sample({ frac: 1, seed: 7 }),
        'n=0,seed=9': df.sample({ n: 0, seed: 9 }),
      };
      expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.samples).sort());
      for (const [k, s] of Object.entries(cases)) {
        expect(s.npartitions).toBe(df.npartitions);
        expect(s.knownDivisions).toBe(false);
        expectFrame(k, await s.compute(), fixture.samples[k]!);
      }
      // a selection samples the same rows
      const picked = await df.select(['x', 'name']).sample({ frac: 0.1, seed: 42 }).compute();
      expect(picked.column('x').map(canon)).toEqual(fixture.samples['frac=0.1,seed=42']!.values.x);
      expect(await df.sample({ frac: 0.1, seed: 42 }).length().compute()).toBe(24);
    });

    it('dropDuplicates({ subset, keep }) keeps pandas rows in order', async () => {
      const df = make();
      const numbered = df.resetIndex();
      const head40 = numbered.filter(numbered.get('index').lt(40)).select(df.columns);
      const doubled = concat([df, head40]);
      const cases: Record<string, DataFrame> = {
        name: df.dropDuplicates({ subset: 'name' }),
        'name,last': df.dropDuplicates({ subset: ['name'], keep: 'last' }),
        'name,false': df.dropDuplicates({ subset: ['name'], keep: false }),
        'name,b': df.dropDuplicates({ subset: ['name', 'b'] }),
        'i,last': df.dropDuplicates({ subset: 'i', keep: 'last' }),
        'i,false': df.dropDuplicates({ subset: 'i', keep: false }),
        x: df.dropDuplicates({ subset: 'x' }),
        'y,b,false': df.dropDuplicates({ subset: ['y', 'b'], keep: false }),
        all: df.dropDuplicates(),
        'doubled.all': doubled.dropDuplicates(),
        'doubled.all,last': doubled.dropDuplicates({ keep: 'last' }),
        'doubled.all,false': doubled.dropDuplicates({ keep: false }),
      };
      expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.dedup).sort());
      for (const [k, s] of Object.entries(cases)) expectFrame(k, await s.compute(), fixture.dedup[k]!);
      expect(cases['name']!.npartitions).toBe(df.npartitions);
    });

    it('setIndex(column) shuffles by value into known divisions; sorted: true keeps the partitions', async () => {
      const df = make();
      for (const c of ['i', 'x', 'name']) {
        const s = await df.setIndex(c);
        expect(s.index).toBe(c);
        expect(s.knownDivisions).toBe(true);
        expect(s.columns).toEqual(df.columns.filter((n) => n !== c));
        expectFrame(`setIndex(${c})`, await s.compute(), fixture.setIndex[c]!);
        await expectDivisions(s);
        // the divisions are quantiles: no partition holds more than its share plus the ties
        expect(s.npartitions).toBeLessThanOrEqual(df.npartitions);
      }
      const sorted = readCsv(sortedCsv, label === 'one partition' ? {} : { blocksize: 400 });
      const s = await sorted.setIndex('k', { sorted: true });
      expect(s.npartitions).toBe(sorted.npartitions);
      expectFrame('setIndex(k, sorted)', await s.compute(), fixture.setIndex['sorted.k']!);
      await expectDivisions(s);
      // divisions are each partition's first key, then the last key
      const parts = await sorted.state.source.load(['k'], undefined, { options: {} });
      const firsts = parts.map((p) => Number(p.columns.get('k')!.values[0]!));
      expect(s.divisions).toEqual([...firsts, 617]);
      // a value across a partition boundary: its rows move into the later partition (Dask's fix_overlap)
      const kk = sorted.get('k');
      const overlapping = concat([sorted.filter(kk.le(50)), sorted.filter(kk.ge(50).and(kk.le(302))), sorted.filter(kk.ge(302))]);
      const o = await overlapping.setIndex('k', { sorted: true });
      await expectDivisions(o);
      const [ot, oc] = await Promise.all([o.compute(), overlapping.compute()]);
      for (const c of ['k', 'x', 'name']) expect(ot.column(c).map(canon), c).toEqual(oc.column(c).map(canon));
      expect(o.divisions).toContain(50);
      expect(o.divisions).toContain(302);
      // a sorted string column (one partition: a name repeated across partitions would overlap more than one boundary)
      const byName = readCsv(csv).dropna({ subset: ['name'] }).sortValues('name');
      const sn = await byName.setIndex('name', { sorted: true });
      expect(sn.divisions).toEqual(['alice', 'eve']);
      expect((await sn.compute()).column('name')).toEqual((await byName.compute()).column('name'));
      // operations keep the index (and row steps the divisions)
      expect((await s.filter(s.get('x').gt(0)).compute()).index).toBe('k');
      expect(s.filter(s.get('x').gt(0)).divisions).toEqual(s.divisions);
    });

    it('resetIndex({ drop }) as pandas', async () => {
      const df = make();
      const s = await df.setIndex('i');
      const cases: Record<string, DataFrame> = {
        'setIndex(i).reset_index()': s.resetIndex(),
        'setIndex(i).reset_index(drop)': s.resetIndex({ drop: true }),
        'reset_index()': df.resetIndex(),
        'filter(x>0.5).reset_index()': df.filter(df.get('x').gt(0.5)).resetIndex(),
      };
      for (const [k, f] of Object.entries(cases)) {
        expect(f.index).toBeUndefined();
        expect(f.knownDivisions).toBe(false);
        expectFrame(k, await f.compute(), fixture.resetIndex[k]!);
      }
      expect(df.resetIndex({ drop: true })).toBe(df);
      // row numbers of a later partition alone continue from the earlier ones
      const r = df.filter(df.get('x').gt(0.5)).resetIndex();
      const want = fixture.resetIndex['filter(x>0.5).reset_index()']!.values.index!;
      expect((await r.tail(3)).column('index')).toEqual(want.slice(-3));
    });

    it('repartition({ npartitions }) keeps the rows and their order', async () => {
      const df = make();
      const all = await df.compute();
      for (const n of [1, 3, 50]) {
        const r = df.repartition({ npartitions: n });
        expect(r.npartitions).toBe(n);
        const t = await r.compute();
        for (const c of df.columns) expect(t.column(c).map(canon), `${n}: ${c}`).toEqual(all.column(c).map(canon));
        expect(r.graph().layers.length).toBeGreaterThan(0);
      }
    });

    it('concat(frames) unions columns, missing values NaN, as pandas', async () => {
      const df = make();
      const people = readCsv(peopleCsv);
      const i = df.get('i');
      const cases: Record<string, DataFrame> = {
        'a,b': concat([df.filter(i.gt(15)).select(['name', 'x', 'i']), df.filter(i.lt(-15)).select(['x', 'b', 'y'])]),
        'df,people': concat([df, people]),
        'people,df[[b,i]]': concat([people, df.select(['b', 'i'])]),
        'df,df': concat([df, df], { axis: 0 }),
      };
      for (const [k, f] of Object.entries(cases)) expectFrame(k, await f.compute(), fixture.concat[k]!);
      expect(cases['df,people']!.npartitions).toBe(df.npartitions + people.npartitions);
      expect(cases['df,people']!.dtypes).toEqual(fixture.concat['df,people']!.dtypes);
      // the graph names each output partition's own input partition
      const g = cases['df,df']!.graph();
      expect(g.layers.some((l) => l.name.startsWith('concat-'))).toBe(true);
      // one partition at a time (head / tail) reads only the frame it comes from
      expectFrame('df,people tail', await cases['df,people']!.tail(5), sliceWant(fixture.concat['df,people']!, -5));
    });
  });
}

function sliceWant(w: FrameWant, start: number): FrameWant {
  return { ...w, values: Object.fromEntries(Object.entries(w.values).map(([k, v]) => [k, v.slice(start)])) };
}

describe('divisions through repartition and concat (timeseries index)', () => {
  const ts = (start: string, end: string) => datasets.timeseries({ start, end, freq: '1h', partitionFreq: '1d', seed: 3 });
  it('repartition interpolates known divisions (Dask) and joins neighbours', async () => {
    const df = ts('2000-01-01', '2000-01-05');
    expect(df.npartitions).toBe(4);
    const more = df.repartition({ npartitions: 8 });
    expect(more.npartitions).toBe(8);
    const h = 3_600_000;
    const t0 = Date.UTC(2000, 0, 1);
    expect(more.divisions!.map((d) => (d as Date).getTime())).toEqual(Array.from({ length: 9 }, (_, k) => t0 + k * 12 * h));
    await expectDivisions(more);
    const fewer = df.repartition({ npartitions: 2 });
    expect(fewer.divisions).toEqual([df.divisions![0], df.divisions![2], df.divisions![4]]);
    await expectDivisions(fewer);
    const [a, b, c] = await Promise.all([df.compute(), more.compute(), fewer.compute()]);
    for (const col of ['timestamp', 'x', 'name']) {
      expect(b.column(col)).toEqual(a.column(col));
      expect(c.column(col)).toEqual(a.column(col));
    }
    expect(await more.length().compute()).toBe(96);
  });

  it('concat keeps divisions when the index ranges follow each other, and resetIndex makes the index a column', async () => {
    const a = ts('2000-01-01', '2000-01-03');
    const b = ts('2000-01-05', '2000-01-06');
    const ab = concat([a, b]);
    expect(ab.knownDivisions).toBe(true);
    expect(ab.divisions).toEqual([...a.divisions!.slice(0, -1), ...b.divisions!]);
    await expectDivisions(ab);
    expect(concat([b, a]).knownDivisions).toBe(false);
    const r = a.resetIndex();
    expect(r.columns[0]).toBe('timestamp');
    expect(r.dtypes['timestamp']).toBe('datetime');
    expect((await r.head(2)).column('timestamp')).toEqual([new Date(Date.UTC(2000, 0, 1)), new Date(Date.UTC(2000, 0, 1, 1))]);
  });
});

/**
 * A resample result against pandas': columns, the bin labels, dtypes and values (pandas' grouped
 * sums are Kahan-compensated, as here: floats equal to the last bits or so, `digits` places).
 */
function expectBins(k: string, t: Table, want: FrameWant, digits: number): void {
  expect(t.columns, k).toEqual(want.columns);
  expect(t.index, k).toBe('t');
  expect(t.column('t').map(canon), k).toEqual(want.values.t);
  for (const c of want.columns) {
    expect(t.raw(c)!.dtype, `${k} ${c}`).toBe(want.dtypes[c]);
    const got = t.column(c).map(canon);
    want.values[c]!.forEach((w, i) => {
      if (typeof w === 'number' && !Number.isInteger(w)) expect(got[i] as number, `${k} ${c}[${i}]`).toBeCloseTo(w, digits);
      else expect(got[i], `${k} ${c}[${i}]`).toEqual(w);
    });
  }
}

describe('resample(rule) on a datetime index', () => {
  const longCsv = fileURLToPath(new URL('./fixtures/pandas/rows-long-times.csv', import.meta.url));
  it('mean / sum / count per bin as pandas (empty bins included), sorted or shuffled into the index', async () => {
    const sorted = await readCsv(timesCsv, { parseDates: ['t'], blocksize: 1500 }).setIndex('t', { sorted: true });
    const shuffled = await readCsv(shuffledCsv, { parseDates: ['t'], blocksize: 1500 }).setIndex('t');
    expect(sorted.npartitions).toBeGreaterThan(3);
    for (const df of [sorted, shuffled]) {
      for (const rule of ['1h', '15min', '7h', '1D']) {
        for (const op of ['mean', 'sum', 'count'] as const) {
          const k = `${rule}.${op}`;
          expectBins(k, await df.resample(rule)[op]().compute(), fixture.resample[k]!, 12);
        }
      }
    }
  });
  it("calendar rules ('M', 'MS', 'Q', 'QS', 'A', 'AS', 'W', 'W-MON', 'W-WED'): pandas' bins and labels, empty bins included", async () => {
    for (const blocksize of [null, 900]) {
      const df = await readCsv(longCsv, { parseDates: ['t'], blocksize }).setIndex('t', { sorted: true });
      for (const [k, want] of Object.entries(fixture.resampleCalendar)) {
        const [rule, op] = k.split('.') as [string, 'mean' | 'sum' | 'count'];
        expectBins(k, await df.resample(rule)[op]().compute(), want, 12);
      }
    }
  });
  it('min / max / first / last / median / std / var per bin as pandas (empty bins: int64 becomes float64)', async () => {
    const frames = {
      times: await readCsv(timesCsv, { parseDates: ['t'], blocksize: 1500 }).setIndex('t', { sorted: true }),
      long: await readCsv(longCsv, { parseDates: ['t'], blocksize: 900 }).setIndex('t', { sorted: true }),
    };
    for (const [k, want] of Object.entries(fixture.resampleOther)) {
      const [name, rule, op] = k.split('.') as ['times' | 'long', string, 'min' | 'max' | 'first' | 'last' | 'median' | 'std' | 'var'];
      expectBins(k, await frames[name].resample(rule)[op]().compute(), want, 10);
    }
  });
  it('.dt.floor(freq) of a datetime column as pandas (missing stays missing)', async () => {
    const df = readCsv(fileURLToPath(new URL('./fixtures/pandas/str-dt.csv', import.meta.url)), { parseDates: ['t'], blocksize: 700 });
    for (const [rule, want] of Object.entries(fixture.floor)) {
      const s = df.get('t').dt.floor(rule);
      expect(s.dtype).toBe('datetime');
      expect((await s.compute()).column('t').map(canon), rule).toEqual(want);
    }
    expect(() => df.get('t').dt.floor('1M')).toThrow(/not a fixed frequency/);
    expect(() => df.get('v').dt.floor('1h')).toThrow(/needs a datetime column/);
  });
  it('needs a datetime index and a fixed frequency', async () => {
    const df = readCsv(timesCsv, { parseDates: ['t'] });
    expect(() => df.resample('1h')).toThrow(/no index; setIndex/);
    const byI = await df.setIndex('i');
    expect(() => byI.resample('1h')).toThrow(/dtype int64; resample needs a datetime index/);
    const byT = await df.setIndex('t', { sorted: true });
    expect(() => byT.resample('2M')).toThrow(/multiples of calendar rules are not supported/);
    expect(() => byT.resample('A-JUN')).toThrow(/anchored month, quarter and year rules/);
    expect(() => byT.resample('W-XYZ')).toThrow(/W-MON/);
    expect(() => byT.resample('1 fortnight')).toThrow(/not a fixed frequency.*or a calendar rule/);
    expect(() => byT.resample(5 as never)).toThrow(TypeError);
  });
});

describe('mapPartitions', () => {
  const df = () => readCsv(csv, { blocksize: 400 });
  it('runs delayed.module functions on worker threads, the partition as shared columns', async () => {
    const d = df();
    const z = d.mapPartitions(delayed.module(fns, 'zAndName'), { meta: { z: 'float64', name: 'string' } });
    expect(z.columns).toEqual(['z', 'name']);
    expect(z.dtypes).toEqual({ z: 'float64', name: 'string' });
    expectFrame('module zAndName', await z.compute(), fixture.mapPartitions['z=x*2+i,name']!);
    const b = d.mapPartitions(delayed.module(fns, 'rowsWhereB'), { meta: { i: 'int64', name: 'string' } });
    expectFrame('module rowsWhereB', await b.compute(), fixture.mapPartitions['rows where b']!);
    const w = await d.mapPartitions(delayed.module(fns, 'where'), { meta: { part: 'int64', n: 'int64', shared: 'bool', rows: 'int64' } }).compute();
    expect(w.column('part')).toEqual(Array.from({ length: d.npartitions }, (_, k) => k));
    expect(new Set(w.column('n'))).toEqual(new Set([d.npartitions]));
    expect(new Set(w.column('shared'))).toEqual(new Set([true]));
    expect((w.column('rows') as number[]).reduce((a, x) => a + x, 0)).toBe(240);
  });

  it('runs a module function on the main thread with { worker: false }, and stops when aborted', async () => {
    const d = df();
    const main = d.mapPartitions(delayed.module(fns, 'where', { worker: false }), { meta: { part: 'int64', n: 'int64', shared: 'bool', rows: 'int64' } });
    expect(new Set((await main.compute()).column('shared'))).toEqual(new Set([false]));
    const ac = new AbortController();
    ac.abort(new Error('stop here'));
    await expect(d.mapPartitions(delayed.module(fns, 'zAndName'), { meta: { z: 'float64', name: 'string' } }).compute({ signal: ac.signal })).rejects.toThrow();
  });

  it('runs inline closures on the main thread', async () => {
    const d = df();
    const z = d.mapPartitions(
      (c: PartitionColumns) => {
        const x = c.x as Float64Array;
        const i = c.i as BigInt64Array;
        return { z: Array.from(x, (v, r) => v * 2 + Number(i[r]!)), name: c.name! };
      },
      { meta: { z: 'float64', name: 'string' } },
    );
    expectFrame('closure', await z.compute(), fixture.mapPartitions['z=x*2+i,name']!);
    const async = d.mapPartitions(async (c: PartitionColumns) => ({ n: [(c.x as Float64Array).length] }), { meta: { n: 'int64' } });
    expect(((await async.compute()).column('n') as number[]).reduce((a, x) => a + x, 0)).toBe(240);
  });

  it('keeps the index and its divisions', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-03', freq: '1h', partitionFreq: '1d', seed: 3 });
    const m = ts.mapPartitions((c: PartitionColumns) => ({ timestamp: c.timestamp!, x2: Array.from(c.x as Float64Array, (v) => v * v) }), { meta: { x2: 'float64' } });
    expect(m.index).toBe('timestamp');
    expect(m.divisions).toEqual(ts.divisions);
    const [a, b] = await Promise.all([ts.compute(), m.compute()]);
    expect(b.column('timestamp')).toEqual(a.column('timestamp'));
    expect(b.column('x2')).toEqual((a.column('x') as number[]).map((v) => v * v));
    expect(ts.mapPartitions((c: PartitionColumns) => c, { meta: { x: 'float64' }, clearDivisions: true }).knownDivisions).toBe(false);
  });

  it('says what is wrong', async () => {
    const d = df();
    await expect(d.mapPartitions(delayed.module(fns, 'ragged'), { meta: { z: 'float64', name: 'string' } }).compute()).rejects.toThrow(/column "name" has \d+ rows, the others \d+/);
    await expect(d.mapPartitions(delayed.module(fns, 'fails'), { meta: { z: 'float64' } }).compute()).rejects.toThrow(/failed on purpose/);
    await expect(d.mapPartitions(() => ({ y: [1] }), { meta: { z: 'float64' } }).compute()).rejects.toThrow(/no column "z"/);
    await expect(d.mapPartitions(() => 5, { meta: { z: 'float64' } }).compute()).rejects.toThrow(TypeError);
    await expect(d.mapPartitions(() => ({ z: ['a'] }), { meta: { z: 'float64' } }).compute()).rejects.toThrow(/"z" \(meta dtype float64\) has 'a'|"z" \(meta dtype float64\)/);
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '1h', seed: 3 });
    await expect(ts.mapPartitions(() => ({ z: [1] }), { meta: { z: 'float64' } }).compute()).rejects.toThrow(/no column "timestamp" \(the index/);
    expect(() => d.mapPartitions(() => ({}), {} as never)).toThrow(/meta must list/);
    expect(() => d.mapPartitions(() => ({}), { meta: { z: 'complex' as never } })).toThrow(RangeError);
    expect(() => d.mapPartitions(42 as never, { meta: { z: 'float64' } })).toThrow(/fn must be a delayed.module/);
  });
});

describe('empty partitions (header-only files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rows-'));
  writeFileSync(join(dir, '0.csv'), 'k,v,name\n');
  writeFileSync(join(dir, '1.csv'), 'k,v,name\n1,1.5,a\n2,2.5,b\n2,2.5,b\n');
  writeFileSync(join(dir, '2.csv'), 'k,v,name\n');
  writeFileSync(join(dir, '3.csv'), 'k,v,name\n5,0.5,c\n7,,\n');
  const df = () => readCsv(join(dir, '*.csv'));
  const rows = (t: Table): Cell[][] => t.toRecords().map((r) => Object.values(r).map(canon));
  it('take the next partition\'s start as their division, and the operations skip them', async () => {
    const s = await df().setIndex('k', { sorted: true });
    expect(s.divisions).toEqual([1, 1, 5, 5, 7]);
    await expectDivisions(s);
    const all = [[1, 1.5, 'a'], [2, 2.5, 'b'], [2, 2.5, 'b'], [5, 0.5, 'c'], [7, null, null]];
    expect(rows(await s.compute())).toEqual(all);
    const u = await df().setIndex('k');
    expect(u.divisions).toEqual([1, 2, 5, 7]);
    expect(rows(await u.compute())).toEqual(all);
    expect(rows(await df().dropDuplicates().compute())).toEqual([all[0], all[1], all[3], all[4]]);
    expect(rows(await df().repartition({ npartitions: 9 }).compute())).toEqual(all);
    expect((await df().resetIndex().tail(1)).column('index')).toEqual([4]);
    // n = 0 (pandas' empty frame with the columns): no partition was needed, but one is read for the dtypes
    for (const t of [await df().head(0), await df().tail(0), await (await df().setIndex('k', { sorted: true })).head(0), await df().get('v').tail(0)]) {
      expect(t.length).toBe(0);
      expect(Object.keys(t.dtypes).length).toBe(t.columns.length);
    }
    expect((await df().tail(0)).columns).toEqual(['k', 'v', 'name']);
    expect((await df().sample({ frac: 1, seed: 1 }).compute()).length).toBe(5);
    // a column typed float64 by the header-only first file and read as strings
    const byName = await df().setIndex('name');
    expect((await byName.compute()).column('name')).toEqual(['a', 'b', 'b', 'c', null]);
    await expect(df().setIndex('name', { sorted: true })).rejects.toThrow(/missing value/);
  });
});

describe('bad input', () => {
  const df = () => readCsv(csv);
  it('sample', () => {
    const d = df();
    expect(() => d.sample({ frac: -0.1, seed: 1 })).toThrow(RangeError);
    expect(() => d.sample({ frac: 1.5, seed: 1 })).toThrow(/replace: true/);
    expect(() => d.sample({ frac: 0.1, n: 3, seed: 1 })).toThrow(/not both/);
    expect(() => d.sample({ seed: 1 })).toThrow(/give frac/);
    expect(() => d.sample({ n: 2.5 })).toThrow(/n must be/);
    expect(() => d.sample({ frac: Number.NaN })).toThrow(/frac must be/);
    expect(() => d.sample({ frac: 0.1, seed: -1 })).toThrow(/seed must be/);
    expect(() => d.sample({ frac: 0.1, weights: 'x' } as never)).toThrow(/unknown option "weights"/);
    return expect(d.sample({ n: 241, seed: 1 }).compute()).rejects.toThrow(/without replacement/);
  });
  it('dropDuplicates, setIndex, resetIndex, repartition', async () => {
    const d = df();
    expect(() => d.dropDuplicates({ subset: ['nope'] })).toThrow(/no column "nope"/);
    expect(() => d.dropDuplicates({ keep: 'middle' as never })).toThrow(RangeError);
    expect(() => d.dropDuplicates({ subset: [] })).toThrow(TypeError);
    await expect(d.setIndex('nope')).rejects.toThrow(/no column "nope"/);
    await expect(d.setIndex('b')).rejects.toThrow(/dtype bool; accepted: int64, Int64, float64, datetime, string/);
    await expect(d.setIndex('i', { sorted: true })).rejects.toThrow(/not sorted/);
    await expect(d.setIndex('x', { sorted: true })).rejects.toThrow(/missing value|not sorted/);
    await expect(d.setIndex('i', { sorted: 'yes' as never })).rejects.toThrow(TypeError);
    expect(() => d.resetIndex({ drop: 1 as never })).toThrow(TypeError);
    expect(() => d.repartition({ npartitions: 0 })).toThrow(RangeError);
    expect(() => d.repartition({ npartitions: 1.5 })).toThrow(RangeError);
    expect(d.repartition({ npartitions: d.npartitions })).toBe(d);
  });
  it('concat', () => {
    const d = df();
    expect(() => concat([])).toThrow(TypeError);
    expect(() => concat([d, 5 as never])).toThrow(/frames\[1\]/);
    expect(() => concat([d, d], { axis: 1 })).toThrow(/column .* is in frames\[0\] and frames\[1\]/);
    expect(() => concat([d, d], { axis: 'columns' as never })).toThrow(/axis must be 0 \(rows after rows\) or 1/);
    // mismatched columns: x is float64 in one frame and string in the other
    expect(() => concat([d, d.assign({ x: d.get('name') })])).toThrow(/column "x" has dtypes float64 in frames\[0\], string in frames\[1\]/);
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', seed: 1 });
    expect(() => concat([ts, d])).toThrow(/frames\[1\] has no index, frames\[0\] index "timestamp"/);
  });
});

describe('category columns across partitions (found by the fuzz of gen14)', () => {
  // each partition's category column has its own dictionary: code 0 is 'B' in one, 'ab' in the other
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rows-cat-'));
  writeFileSync(join(dir, '0.csv'), 'k,j\nB,-5\n');
  writeFileSync(join(dir, '1.csv'), 'k,j\nab,150\n,250\nab,7\n');
  const df = () => readCsv(join(dir, '*.csv')).astype({ k: 'category' });
  const rows = (t: Table): Cell[][] => t.toRecords().map((r) => Object.values(r).map(canon));
  it('dropDuplicates compares the values, not the codes', async () => {
    // pandas: df.astype({'k': 'category'}).drop_duplicates(subset=['k'], keep=…)
    expect(rows(await df().dropDuplicates({ subset: ['k'] }).compute())).toEqual([['B', -5], ['ab', 150], [null, 250]]);
    expect(rows(await df().dropDuplicates({ subset: 'k', keep: 'last' }).compute())).toEqual([['B', -5], [null, 250], ['ab', 7]]);
    expect(rows(await df().dropDuplicates({ subset: ['k'], keep: false }).compute())).toEqual([['B', -5], [null, 250]]);
    expect(rows(await df().select(['k']).dropDuplicates().compute())).toEqual([['B'], ['ab'], [null]]);
  });
  it('mapPartitions sees the strings, not the codes', async () => {
    const out = df().mapPartitions((p) => ({ k: p.k!, j: p.j! }), { meta: { k: 'string', j: 'int64' } });
    expect(rows(await out.compute())).toEqual([['B', -5], ['ab', 150], [null, 250], ['ab', 7]]);
  });
});

describe('head/tail over a first or last block with only missing values (found by the fuzz of gen14)', () => {
  // the blocks read one at a time: k's only value in 0.csv / 2.csv is missing, which alone reads as float64
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rows-missing-'));
  writeFileSync(join(dir, '0.csv'), 'k,j\n,1\n');
  writeFileSync(join(dir, '1.csv'), 'k,j\nab,2\nc,3\n');
  writeFileSync(join(dir, '2.csv'), 'k,j\n,4\n');
  const df = () => readCsv(join(dir, '*.csv'));
  it('read it as the frame\'s string column, so string expressions do not fail', async () => {
    // pandas: the same rows of df.astype({'k': 'category'}) / df.k.str.upper()
    expect(df().dtypes.k).toBe('string');
    const cat = df().astype({ k: 'category' });
    expect((await cat.head(1)).column('k')).toEqual([null]);
    expect((await cat.head(2)).column('k')).toEqual([null, 'ab']);
    expect((await cat.tail(1)).column('k')).toEqual([null]);
    expect((await cat.tail(2)).dtypes.k).toBe('category');
    const up = df().get('k').str.upper();
    expect((await up.head(2)).column('k')).toEqual([null, 'AB']);
    expect((await up.tail(3)).column('k')).toEqual(['AB', 'C', null]);
    expect((await df().head(1)).dtypes).toEqual({ k: 'string', j: 'int64' });
  });
});

describe('concat with a header-only CSV file (no rows)', () => {
  // pandas 1.5: pd.concat leaves empty frames out of the dtypes (a header-only file reads as
  // object columns): concat([h, d]) and concat([d, h]) are {a: float64, b: object}; a column only
  // the empty frame has keeps its object dtype; concat([h, h]) is object
  const dir = mkdtempSync(join(tmpdir(), 'tessera-concat-empty-'));
  writeFileSync(join(dir, 'h.csv'), 'a,b\n');
  writeFileSync(join(dir, 'd.csv'), 'a,b\n1.5,x\n2,y\n');
  writeFileSync(join(dir, 'i.csv'), 'a\n3\n4\n');
  const h = readCsv(join(dir, 'h.csv'));
  const d = readCsv(join(dir, 'd.csv'));
  it('the empty frame does not choose the dtypes; its rows are none', async () => {
    expect(await h.length().compute()).toBe(0);
    for (const c of [concat([h, d]), concat([d, h])]) {
      expect(c.dtypes).toEqual({ a: 'float64', b: 'string' });
      const t = await c.compute();
      expect(t.column('a')).toEqual([1.5, 2]);
      expect(t.column('b')).toEqual(['x', 'y']);
    }
    const ints = concat([h, readCsv(join(dir, 'i.csv'))]);
    expect(ints.dtypes).toEqual({ a: 'int64', b: 'string' });
    expect((await ints.compute()).column('b')).toEqual([null, null]);
    expect(concat([h, h]).dtypes).toEqual({ a: 'string', b: 'string' });
    expect(await concat([h, h]).length().compute()).toBe(0);
  });
});
