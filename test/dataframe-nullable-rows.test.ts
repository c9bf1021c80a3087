// Nullable integers (pandas' 'Int64') through the row operations, against pandas 1.5
// (scripts/fixtures/pandas_nullable_rows.py → test/fixtures/pandas/nullable-rows.{csv,json}):
// sortValues / nlargest / nsmallest (<NA> placed as NaN), dropDuplicates (<NA> equal to <NA>),
// sample, concat (with int64, float64, a frame without the column), setIndex on an Int64 column,
// resample of Int64 value columns and mapPartitions. The file is read as one partition and as
// several, with <NA> in the first and last rows of partitions; values to ±2^62 compare exactly
// (decimal strings).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type PartitionColumns, type Table, concat, delayed, readCsv } from '../src/index.js';
import { canon } from './helpers/pandas-cell.js';
import type { Typed } from './helpers/typed-exprs.js';

interface FrameWant { columns: string[]; values: Record<string, Typed>; index?: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/nullable-rows.json', import.meta.url), 'utf8')) as {
  read: FrameWant;
  sort: Record<string, FrameWant>;
  top: Record<string, FrameWant>;
  dedup: Record<string, FrameWant>;
  sample: Record<string, FrameWant>;
  concat: Record<string, FrameWant>;
  setIndex: Record<string, FrameWant>;
  resample: Record<string, FrameWant>;
  'a+1': Typed;
};
const file = (name: string): string => fileURLToPath(new URL(`./fixtures/pandas/${name}`, import.meta.url));
const fns = new URL('./fixtures/nullable-partitions.mjs', import.meta.url);
const read = (blocksize?: number): DataFrame =>
  readCsv(file('nullable-rows.csv'), { dtype: { k: 'string', a: 'Int64', b: 'Int64', x: 'float64', t: 'datetime' }, ...(blocksize ? { blocksize } : {}) });

/** A column's (or the index's) values as the fixture has them: int64 and Int64 as decimal strings. */
function typedCells(t: Table, c: string): Typed['values'] {
  const d = t.raw(c)!.dtype;
  return t.column(c).map((v) => (v !== null && (d === 'Int64' || d === 'int64') ? String(v) : canon(v)));
}

/** The table has the fixture's columns, index, dtypes and values (Int64 and int64 as exact decimal strings, <NA> null). */
function expectFrame(label: string, t: Table, want: FrameWant): void {
  try {
    expect(t.columns).toEqual(want.columns);
    expect(t.index).toBe(want.index);
    for (const c of [...(want.index ? [want.index] : []), ...want.columns]) {
      expect(t.raw(c)!.dtype, c).toBe(want.values[c]!.dtype);
      expect(typedCells(t, c), c).toEqual(want.values[c]!.values);
    }
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
}

// one partition; 4 partitions (<NA> first in the first, last in the third); 8 (some of one row,
// one empty, <NA> first and last)
const layouts: [string, number | undefined, number][] = [['one partition', undefined, 1], ['4 partitions', 120, 4], ['8 partitions', 60, 8]];

describe('the fixture is read as pandas wrote it', () => {
  it.each(layouts)('%s', async (_, blocksize, n) => {
    const df = read(blocksize);
    expect(df.npartitions).toBe(n);
    expectFrame('read', await df.compute(), fixture.read);
    if (n > 1) {
      // <NA> at partition edges: the first row of the first partition, the last of another
      const parts = await df.state.source.load(['a'], undefined, { options: {} });
      expect(parts[0]!.columns.get('a')!.valid![0]).toBe(0);
      expect(parts.some((p) => p.length > 1 && p.columns.get('a')!.valid![p.length - 1] === 0)).toBe(true);
    }
  });
});

for (const [label, blocksize] of layouts) {
  describe(`Int64 row operations against pandas (${label})`, () => {
    it('sortValues: one and several columns, ascending/descending, <NA> last or first; Int64 carried', async () => {
      const df = read(blocksize);
      const cases: [string, DataFrame][] = [
        ['a', df.sortValues('a')],
        ['a desc', df.sortValues('a', { ascending: false })],
        ['a first', df.sortValues('a', { naPosition: 'first' })],
        ['a desc first', df.sortValues('a', { ascending: false, naPosition: 'first' })],
        ['b,a asc,desc', df.sortValues(['b', 'a'], { ascending: [true, false] })],
        ['b,a desc,asc first', df.sortValues(['b', 'a'], { ascending: [false, true], naPosition: 'first' })],
        ['k,b', df.sortValues(['k', 'b'])],
        ['x', df.sortValues('x')],
      ];
      for (const [name, sorted] of cases) {
        expect(sorted.npartitions, name).toBe(df.npartitions);
        expectFrame(`sortValues ${name}`, await sorted.compute(), fixture.sort[name]!);
      }
      // head reads only what it needs and keeps the mask
      const head = await df.sortValues('a', { naPosition: 'first' }).head(4);
      expect(typedCells(head, 'a')).toEqual(fixture.sort['a first']!.values.a!.values.slice(0, 4));
    });

    it('nlargest / nsmallest on Int64 keys (<NA> after every value, as pandas)', async () => {
      const df = read(blocksize);
      expectFrame('nlargest(3, a)', await df.nlargest(3, 'a').compute(), fixture.top['nlargest(3,a)']!);
      expectFrame('nsmallest(4, a)', await df.nsmallest(4, 'a').compute(), fixture.top['nsmallest(4,a)']!);
      expectFrame('nlargest(5, [b, a])', await df.nlargest(5, ['b', 'a']).compute(), fixture.top['nlargest(5,[b,a])']!);
      expectFrame('nsmallest(3, [b, a])', await df.nsmallest(3, ['b', 'a']).compute(), fixture.top['nsmallest(3,[b,a])']!);
      // n beyond the rows with values: the missing ones after them (a float64 column as well)
      expectFrame('nlargest(11, a)', await df.nlargest(11, 'a').compute(), fixture.top['nlargest(11,a)']!);
      expectFrame('nsmallest(12, a)', await df.nsmallest(12, 'a').compute(), fixture.top['nsmallest(12,a)']!);
      expectFrame('nsmallest(12, x)', await df.nsmallest(12, 'x').compute(), fixture.top['nsmallest(12,x)']!);
      // the Series forms
      const s = await df.get('a').nlargest(3).compute();
      expect(typedCells(s, 'a')).toEqual(fixture.top['nlargest(3,a)']!.values.a!.values);
      const sorted = await df.get('a').sortValues({ ascending: false }).compute();
      expect(typedCells(sorted, 'a')).toEqual(fixture.sort['a desc']!.values.a!.values);
    });

    it('dropDuplicates: <NA> equal to <NA>, keep first / last / none', async () => {
      const df = read(blocksize);
      expectFrame('subset a', await df.dropDuplicates({ subset: 'a' }).compute(), fixture.dedup.a!);
      expectFrame('subset a, last', await df.dropDuplicates({ subset: ['a'], keep: 'last' }).compute(), fixture.dedup['a last']!);
      expectFrame('subset b, none', await df.dropDuplicates({ subset: ['b'], keep: false }).compute(), fixture.dedup['b none']!);
      expectFrame('subset a, b', await df.dropDuplicates({ subset: ['a', 'b'] }).compute(), fixture.dedup['a,b']!);
      expectFrame('subset k, b, last', await df.dropDuplicates({ subset: ['k', 'b'], keep: 'last' }).compute(), fixture.dedup['k,b last']!);
      expectFrame('all of k, b', await df.select(['k', 'b']).dropDuplicates().compute(), fixture.dedup['all of k,b']!);
    });

    it('sample: the rows pandas picks, the mask carried', async () => {
      const df = read(blocksize);
      expectFrame('frac 0.5, seed 3', await df.sample({ frac: 0.5, seed: 3 }).compute(), fixture.sample['frac=0.5,seed=3']!);
      expectFrame('n 7, replace, seed 11', await df.sample({ n: 7, replace: true, seed: 11 }).compute(), fixture.sample['n=7,replace,seed=11']!);
    });

    it('concat: Int64 with int64 is Int64, with float64 float64 (pandas: Float64), a missing column <NA>', async () => {
      const df = read(blocksize);
      const ints = readCsv(file('nullable-rows-int.csv'));
      const floats = readCsv(file('nullable-rows-float.csv'), { dtype: { b: 'Int64' } });
      expect(ints.dtypes).toEqual({ k: 'string', a: 'int64', x: 'float64' });
      const c = concat([df, ints]);
      expect(c.dtypes).toEqual({ k: 'string', a: 'Int64', b: 'Int64', x: 'float64', t: 'datetime' });
      expectFrame('concat int', await c.compute(), fixture.concat.int!);
      expectFrame('concat int first', await concat([ints, df]).compute(), fixture.concat['int first']!);
      const f = concat([df, floats]);
      expect(f.dtypes.a).toBe('float64');
      expectFrame('concat float', await f.compute(), fixture.concat.float!);
      // the concatenation goes on through the other operations with its mask
      const sorted = await concat([df, ints]).sortValues('b', { naPosition: 'first' }).head(8);
      expect(typedCells(sorted, 'b')).toEqual([null, null, null, null, null, null, null, '1']);
      expect(typedCells(sorted, 'a').slice(4)).toEqual(['-4611686018427387904', '9', '4611686018427387905', null]);
    });

    it('setIndex on an Int64 column (<NA> last, as Dask), and on a datetime column carrying Int64', async () => {
      const df = read(blocksize);
      for (const c of ['a', 'b'] as const) {
        const s = await df.setIndex(c);
        expect(s.index).toBe(c);
        expect(s.knownDivisions).toBe(true);
        const d = s.divisions as number[];
        expect(d[0]).toBe(c === 'a' ? -(2 ** 62) : 1);
        expect(d[d.length - 1]).toBe(c === 'a' ? 2 ** 62 : 3);
        expectFrame(`setIndex(${c})`, await s.compute(), fixture.setIndex[c]!);
        // each partition within its divisions; the <NA> rows at the end of the last
        const parts = await s.state.source.load([], undefined, { options: {} });
        parts.forEach((p, k) => {
          const idx = p.columns.get(c)!;
          for (let i = 0; i < p.length; i++) {
            if (!idx.valid![i]) {
              expect(k).toBe(parts.length - 1);
              continue;
            }
            const v = Number((idx.values as BigInt64Array)[i]!);
            expect(v >= d[k]! && (k === parts.length - 1 ? v <= d[k + 1]! : v < d[k + 1]!), `partition ${k} row ${i}`).toBe(true);
          }
        });
        // printed as pandas prints an Int64 index: <NA> for the missing labels
        const lines = String(await s.compute()).split('\n');
        expect(lines[1]).toBe(c);
        expect(lines[lines.length - 1]).toMatch(/^<NA>\s/);
        // back to a column, and repartitioned at interpolated divisions: no row lost
        expectFrame(`setIndex(${c}).resetIndex()`, await s.resetIndex().compute(), { ...fixture.setIndex[c]!, index: undefined, columns: [c, ...fixture.setIndex[c]!.columns] });
        expect(await s.repartition({ npartitions: 5 }).length().compute()).toBe(12);
        const r = await s.repartition({ npartitions: 5 }).compute();
        expect(typedCells(r, c)).toEqual(fixture.setIndex[c]!.values[c]!.values);
      }
    });

    it('resample: Int64 sum, min, max, first, last exact and Int64, mean float64, count of present values', async () => {
      const r = (await read(blocksize).setIndex('t')).select(['a', 'b', 'x']).resample('1h');
      expectFrame('sum', await r.sum().compute(), fixture.resample.sum!);
      expectFrame('count', await r.count().compute(), fixture.resample.count!);
      // min/max/first/last exact at ±2^62 (an empty bin: <NA>)
      for (const op of ['min', 'max', 'first', 'last'] as const) expectFrame(op, await r[op]().compute(), fixture.resample[op]!);
      const mean = await r.mean().compute();
      const want = fixture.resample.mean!;
      // pandas' mean is a float64 sum too: the last bin (-5, -2^62, 2^62 - 1, -5) cancels below
      // float64's resolution there (pandas 0, the exact -2.75), so it is left out for a
      expectFrame('mean of b, x', mean, { ...want, columns: ['a', 'b', 'x'], values: { ...want.values, a: { dtype: 'float64', values: [...want.values.a!.values.slice(0, 3), mean.column('a')[3] as number] } } });
    });

    it('mapPartitions: Int64 given as bigint-or-null arrays, and returned as Int64 (meta)', async () => {
      const df = read(blocksize);
      const closure = df.mapPartitions(
        (c: PartitionColumns) => ({ a1: (c.a as (bigint | null)[]).map((v) => (v === null ? null : v + 1n)), k: c.k! }),
        { meta: { a1: 'Int64', k: 'string' } },
      );
      const t = await closure.compute();
      expect(t.dtypes).toEqual({ a1: 'Int64', k: 'string' });
      expect(typedCells(t, 'a1')).toEqual(fixture['a+1'].values);
      const worker = await df.mapPartitions(delayed.module(fns, 'aPlusOne'), { meta: { a1: 'Int64', k: 'string' } }).compute();
      expect(typedCells(worker, 'a1')).toEqual(fixture['a+1'].values);
      const kinds = await df.mapPartitions(delayed.module(fns, 'kinds'), { meta: { kind: 'string' } }).compute();
      for (const k of kinds.column('kind')) expect(['bigint', 'bigint,null', 'null', '']).toContain(k);
      // the index, when Int64, comes and goes the same way
      const s = await df.setIndex('b');
      const kept = await s.mapPartitions((c: PartitionColumns) => ({ b: c.b!, x: c.x! }), { meta: { x: 'float64' } }).compute();
      expectFrame('index b kept', kept, { ...fixture.setIndex.b!, columns: ['x'], values: { b: fixture.setIndex.b!.values.b!, x: fixture.setIndex.b!.values.x! } });
    });
  });
}

describe('setIndex sorted on Int64', () => {
  // (8 partitions of the 9 rows with values would put -5 alone in two neighbours: a partition of
  // one repeated value overlapping its neighbour, refused for any dtype)
  it.each(layouts.slice(0, 2))('setIndex sorted: true on a sorted Int64 column without <NA> (%s)', async (_, blocksize) => {
    const sorted = read(blocksize).dropna({ subset: ['a'] }).sortValues('a');
    const s = await sorted.setIndex('a', { sorted: true });
    expect(s.npartitions).toBe(sorted.npartitions);
    const want = fixture.setIndex.a!;
    const present = want.values.a!.values.filter((v) => v !== null).length;
    const t = await s.compute();
    expect(t.index).toBe('a');
    expect(t.raw('a')!.dtype).toBe('Int64');
    expect(typedCells(t, 'a')).toEqual(want.values.a!.values.slice(0, present));
    for (const c of want.columns) expect(typedCells(t, c), c).toEqual(want.values[c]!.values.slice(0, present));
    expect(s.divisions![0]).toBe(-(2 ** 62));
    expect(s.divisions![s.divisions!.length - 1]).toBe(2 ** 62);
  });
});

describe('Int64 row operations: errors', () => {
  it('mapPartitions results that are not Int64 values are TypeErrors naming the column, row and what is accepted', async () => {
    const df = read();
    await expect(df.mapPartitions(() => ({ a: [1, 2.5] }), { meta: { a: 'Int64' } }).compute()).rejects.toThrow(
      /column "a" \(meta dtype Int64\) has 2\.5 at row 1; accepted: integers in \[-2\^63, 2\^63\)/,
    );
    await expect(df.mapPartitions(() => ({ a: [2n ** 63n] }), { meta: { a: 'Int64' } }).compute()).rejects.toThrow(TypeError);
    await expect(df.mapPartitions(() => ({ a: ['1'] }), { meta: { a: 'Int64' } }).compute()).rejects.toThrow(/row 0/);
    // a BigInt64Array is every row present; null, undefined and NaN are <NA>
    const t = await df.mapPartitions(() => ({ a: [1, null, undefined, NaN, -(2 ** 53), 2n ** 62n] }), { meta: { a: 'Int64' } }).compute();
    expect(typedCells(t, 'a')).toEqual(['1', null, null, null, String(-(2 ** 53)), String(2n ** 62n)]);
    const all = await df.mapPartitions(() => ({ a: BigInt64Array.of(5n, -5n) }), { meta: { a: 'Int64' } }).compute();
    expect(all.column('a')).toEqual([5, -5]);
  });

  it('concat of Int64 with a string or bool column is a TypeError naming the column and the dtypes', () => {
    const df = read();
    const strings = readCsv(file('nullable-rows.csv'), { dtype: { a: 'string' } }).select(['a']);
    expect(() => concat([df.select(['a']), strings])).toThrow(/column "a" has dtypes Int64 in frames\[0\], string in frames\[1\]; accepted: one dtype, or int64, Int64 and float64 together/);
    const bools = df.assign({ a: df.get('x').gt(0) }).select(['a']);
    expect(() => concat([df.select(['a']), bools])).toThrow(TypeError);
  });

  it('setIndex sorted: true on an Int64 column with <NA> is a RangeError', async () => {
    const df = read();
    await expect(df.setIndex('a', { sorted: true })).rejects.toThrow(/missing value at row 0/);
    await expect(df.dropna({ subset: ['a'] }).setIndex('a', { sorted: true })).rejects.toThrow(/not sorted ascending/);
  });
});
