// merge and join on every key dtype against pandas 1.5 (scripts/fixtures/pandas_merge.py →
// test/fixtures/pandas/merge.json): float keys with NaN and -0, datetime keys with NaT, bool,
// int64 against float64, two keys, leftOn/rightOn, join on the other's index; each frame read as
// one partition and as several, since the left merge joins partition by partition.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type MergeHow, type Table, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';
import { dfNative } from '../src/dataframe/native.js';

interface FrameWant { columns: string[]; dtypes: Record<string, string>; values: Record<string, Cell[]> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/merge.json', import.meta.url), 'utf8')) as Record<'merges' | 'joins', Record<string, FrameWant>>;
const leftCsv = fileURLToPath(new URL('./fixtures/pandas/merge-left.csv', import.meta.url));
const rightCsv = fileURLToPath(new URL('./fixtures/pandas/merge-right.csv', import.meta.url));

function expectFrame(label: string, t: Table, want: FrameWant): void {
  try {
    expect(t.columns).toEqual(want.columns);
    // pandas' object column of bools (a bool column with missing rows) is a string column here
    const dtypes = Object.fromEntries(t.columns.map((c) => [c, t.dtypes[c]]));
    const text = (v: Cell, c: string): Cell => (typeof v === 'boolean' && dtypes[c] === 'string' ? (v ? 'True' : 'False') : v);
    for (const c of want.columns) {
      if (!(want.dtypes[c] === 'bool' && dtypes[c] === 'string')) expect(dtypes[c], `dtype of ${c}`).toBe(want.dtypes[c]);
      expect(t.column(c).map(canon), c).toEqual(want.values[c]!.map((v) => text(v, c)));
    }
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
}

const HOWS: MergeHow[] = ['inner', 'left', 'right', 'outer'];
const layouts: [string, { blocksize?: number }, { blocksize?: number }][] = [
  ['one partition each', {}, {}],
  ['several partitions', { blocksize: 400 }, { blocksize: 300 }],
];

for (const [label, lo, ro] of layouts) {
  describe(`merge against pandas (${label})`, () => {
    const L = (): DataFrame => readCsv(leftCsv, { parseDates: ['d'], ...lo });
    const R = (): DataFrame => readCsv(rightCsv, { parseDates: ['d'], ...ro });
    it('the frames are read as pandas reads them', () => {
      expect(L().npartitions).toBe(label === 'one partition each' ? 1 : 8);
      expect(R().npartitions).toBeGreaterThan(label === 'one partition each' ? 0 : 3);
      expect(L().dtypes).toEqual({ f: 'float64', i: 'int64', d: 'datetime', s: 'string', b: 'bool', x: 'float64', t: 'string' });
    });
    for (const how of HOWS) {
      it(`how=${how}: float (NaN, -0), datetime (NaT), bool, two string keys, string and float keys, int64 with float64, leftOn/rightOn`, async () => {
        const l = L();
        const r = R();
        const cases: [string, DataFrame][] = [
          ['f', l.select(['f', 'x']).merge(r.select(['f', 'y']), { on: 'f', how })],
          ['d', l.select(['d', 's', 'x']).merge(r.select(['d', 'y', 'x']), { on: 'd', how })],
          ['b', l.select(['b', 'x']).merge(r.select(['b', 'y']), { on: 'b', how })],
          ['strings', l.select(['s', 't', 'x']).merge(r.select(['t', 's', 'y']), { on: ['s', 't'], how })],
          ['two', l.select(['s', 'f', 'x']).merge(r.select(['s', 'f', 'y']), { on: ['s', 'f'], how })],
          ['i-fi', l.select(['i', 'x']).merge(r.select(['fi', 'y']), { leftOn: 'i', rightOn: 'fi', how })],
          ['s-i/s-j', l.select(['s', 'i', 'x']).merge(r.select(['s', 'j', 'x', 'y']), { leftOn: ['s', 'i'], rightOn: ['s', 'j'], how })],
          ['f-fi', l.select(['f', 'i']).merge(r.select(['fi', 'f']), { leftOn: 'f', rightOn: 'fi', how })],
        ];
        for (const [k, m] of cases) expectFrame(`${k}.${how}`, await m.compute(), fixture.merges[`${k}.${how}`]!);
      });
      it(`join how=${how}: a column against the other's index, and index on index`, async () => {
        const l = L();
        const ri = await R().select(['s', 'y', 'x']).setIndex('s');
        expectFrame(`on-s.${how}`, await l.select(['s', 'i', 'x']).join(ri, { on: 's', how, rsuffix: '_r' }).compute(), fixture.joins[`on-s.${how}`]!);
        const li = await l.select(['s', 'f', 'i']).dropna({ subset: ['s'] }).setIndex('s');
        const rj = await R().select(['s', 'y']).dropna({ subset: ['s'] }).setIndex('s');
        expectFrame(`index.${how}`, await li.join(rj, { how }).compute(), fixture.joins[`index.${how}`]!);
      });
    }
  });
}

describe('merge with nullable Int64 columns, against pandas', () => {
  const csv = (name: string): string => fileURLToPath(new URL(`./fixtures/pandas/${name}`, import.meta.url));
  // Int64 cells are exact decimal strings in the fixture
  const cell = (v: unknown, dtype: string): Cell => (dtype === 'Int64' && v !== null ? String(v) : canon(v));
  for (const how of HOWS)
    it(`how=${how}: Int64 keys (<NA> matches <NA>, values to 2^62) and Int64 values (<NA> where a row has no match)`, async () => {
      for (const [k, run] of [
        ['Int64', () => readCsv(csv('merge-int-left.csv'), { dtype: { k: 'Int64', a: 'Int64' }, blocksize: 16 }).merge(readCsv(csv('merge-int-right.csv'), { dtype: { k: 'Int64', b: 'Int64' } }), { on: 'k', how })],
        ['Int64-values', () => readCsv(csv('merge-int-values.csv'), { dtype: { n: 'Int64' } }).merge(readCsv(rightCsv).select(['j', 'y']).rename({ j: 'i' }), { on: 'i', how })],
      ] as const) {
        const t = await run().compute();
        const want = fixture.merges[`${k}.${how}`]!;
        expect(t.columns, k).toEqual(want.columns);
        for (const c of want.columns) {
          expect(t.dtypes[c], `${k}.${how} dtype of ${c}`).toBe(want.dtypes[c]);
          expect(t.column(c).map((v) => cell(v, want.dtypes[c]!)), `${k}.${how} ${c}`).toEqual(want.values[c]);
        }
      }
    });
  it('an Int64 key joins an Int64 key only (pandas 1.5 fails on Int64 with int64 and <NA>)', () => {
    const l = readCsv(csv('merge-int-left.csv'), { dtype: { k: 'Int64' } });
    expect(() => l.merge(readCsv(csv('merge-int-left.csv')), { on: 'k' })).toThrow(/key "k" is Int64 on the left and float64 on the right/);
  });
});

describe('merge and join: bad input', () => {
  const l = readCsv(leftCsv, { parseDates: ['d'] });
  const r = readCsv(rightCsv, { parseDates: ['d'] });
  it('names the argument and what is accepted', async () => {
    expect(() => l.merge(r, { on: 'f', leftOn: 'f', rightOn: 'f' })).toThrow(/give on, or leftOn with rightOn, not both/);
    expect(() => l.merge(r, { leftOn: 'f' })).toThrow(/leftOn and rightOn go together/);
    expect(() => l.merge(r, { leftOn: ['f', 'i'], rightOn: 'f' })).toThrow(RangeError);
    expect(() => l.merge(r, { leftOn: 'nope', rightOn: 'f' })).toThrow(/merge\(options.on\): no column "nope"/);
    expect(() => l.merge(r, { leftOn: 'f', rightOn: 'nope' })).toThrow(/in right: no column "nope"/);
    expect(() => l.merge(r, { leftOn: 's', rightOn: 'f' })).toThrow(/key "s" is string on the left and float64 on the right \("f"\)/);
    expect(() => l.merge(r, { leftOn: [] as string[], rightOn: [] as string[] })).toThrow(TypeError);
    expect(() => l.merge(r, { on: 'f', what: 1 } as never)).toThrow(/unknown option "what"/);
    expect(() => l.join(r)).toThrow(/other has no index; give it one with setIndex/);
    const ri = await r.select(['s', 'x']).setIndex('s');
    expect(() => l.join(ri)).toThrow(/this frame has no index/);
    expect(() => l.join(ri, { on: 's' })).toThrow(/columns overlap but no suffix specified: \["x"\]/);
    expect(() => l.join(ri, { on: 'f', rsuffix: '_r' })).toThrow(/key "f" is float64 on the left and string on the right \("s"\)/);
    expect(() => l.join(ri, { on: 's', how: 'cross' as never, rsuffix: '_r' })).toThrow(/how must be/);
    expect(() => l.join({} as never)).toThrow(TypeError);
  });
});

describe('merge edges of the native join, against pandas', () => {
  const csv = (name: string): string => fileURLToPath(new URL(`./fixtures/pandas/merge-edge-${name}.csv`, import.meta.url));
  // each frame as one partition and as several (the left merge joins the left partitions in place)
  for (const blocksize of [undefined, 40]) {
    const read = (name: string): DataFrame => readCsv(csv(name), { blocksize });
    for (const how of HOWS)
      it(`how=${how}${blocksize ? ', several partitions' : ''}: duplicate keys on both sides, sorted right keys, sorted keys on both sides, empty sides, all-missing keys`, async () => {
        const l = read('l');
        const r = read('r');
        const cases: [string, DataFrame][] = [
          ['dups', l.merge(r, { on: 'k', how })],
          ['sorted-right', l.merge(read('rs'), { on: 'k', how })],
          ['sorted-both', read('ls').merge(read('rs'), { on: 'k', how })],
          ['empty-left', l.filter(l.get('k').gt(100)).merge(r, { on: 'k', how })],
          ['empty-right', l.merge(r.filter(r.get('k').gt(100)), { on: 'k', how })],
          ['all-missing', read('nan').merge(r, { on: 'k', how })],
        ];
        for (const [k, m] of cases) {
          const want = fixture.merges[`edge-${k}.${how}`]!;
          // pandas 1.5 puts the key after the other left columns when the left frame has no rows;
          // tessera's columns do not depend on the row count (the key first, as for any frame)
          const columns = k === 'empty-left' ? ['k', ...want.columns.filter((c) => c !== 'k')] : want.columns;
          expectFrame(`edge-${k}.${how}`, await m.compute(), { ...want, columns });
        }
      });
  }
});

// the hash-partitioned join (both sides large) forced on these small frames: the same frames as
// the single table's, against the same pandas fixtures
describe('merge through the partitioned join (TESSERA_JOIN_PARTITION_ROWS=1), against pandas', () => {
  const edge = (name: string): string => fileURLToPath(new URL(`./fixtures/pandas/merge-edge-${name}.csv`, import.meta.url));
  const forced = async <T>(run: () => Promise<T>): Promise<T> => {
    process.env.TESSERA_JOIN_PARTITION_ROWS = '1';
    try {
      return await run();
    } finally {
      delete process.env.TESSERA_JOIN_PARTITION_ROWS;
    }
  };
  for (const how of HOWS)
    it(`how=${how}: float (NaN, -0), datetime (NaT), int64 with float64 keys; duplicates on both sides; all-missing keys; several partitions`, async () => {
      const l = readCsv(leftCsv, { parseDates: ['d'], blocksize: 400 });
      const r = readCsv(rightCsv, { parseDates: ['d'], blocksize: 300 });
      const cases: [string, DataFrame][] = [
        ['f', l.select(['f', 'x']).merge(r.select(['f', 'y']), { on: 'f', how })],
        ['d', l.select(['d', 's', 'x']).merge(r.select(['d', 'y', 'x']), { on: 'd', how })],
        ['i-fi', l.select(['i', 'x']).merge(r.select(['fi', 'y']), { leftOn: 'i', rightOn: 'fi', how })],
        ['f-fi', l.select(['f', 'i']).merge(r.select(['fi', 'f']), { leftOn: 'f', rightOn: 'fi', how })],
        ['edge-dups', readCsv(edge('l'), { blocksize: 40 }).merge(readCsv(edge('r')), { on: 'k', how })],
        ['edge-all-missing', readCsv(edge('nan')).merge(readCsv(edge('r')), { on: 'k', how })],
      ];
      for (const [k, m] of cases) expectFrame(`partitioned ${k}.${how}`, await forced(() => m.compute()), fixture.merges[`${k}.${how}`]!);
    });
  it('dfJoin takes the partitioned route from partitionFrom rows a side, with the single table\'s pairs', async () => {
    const n = dfNative();
    const keys = (m: number, span: number, seed: number): Float64Array => Float64Array.from({ length: m }, (_, i) => ((i * 7919 + seed) % span) - (i % 13 === 0 ? NaN : 0));
    const left = { rows: [600, 400], parts: [keys(600, 97, 1), keys(400, 97, 5)] };
    const right = { rows: [700], parts: [keys(700, 131, 3)] };
    for (const how of HOWS) {
      const one = await n.dfJoin({ left, right, how }).promise;
      const part = await n.dfJoin({ left, right, how, partitionFrom: 500 }).promise;
      expect([one.partitioned, part.partitioned]).toEqual([false, true]);
      const pairs = (x: typeof one) => [x.size, x.left && [...new Int32Array(x.left, 0, x.size)], x.right && [...new Int32Array(x.right, 0, x.size)], x.leftMissing, x.rightMissing];
      expect(pairs(part), how).toEqual(pairs(one));
    }
    // one side below the threshold: the single table
    expect((await n.dfJoin({ left, right, how: 'inner', partitionFrom: 800 }).promise).partitioned).toBe(false);
    expect(() => n.dfJoin({ left, right, how: 'inner', partitionFrom: 0 })).toThrow(/partitionFrom/);
  });
});

describe('the native join and gather (dfJoin, dfTake)', () => {
  const n = dfNative();
  const f = (...v: number[]): Float64Array => Float64Array.from(v);
  it('pairs rows in pandas order and gathers with -1 as missing', async () => {
    const r = await n.dfJoin({ left: { rows: [2, 1], parts: [f(3, 1), f(3)] }, right: { rows: [3], parts: [f(3, 2, 3)] }, how: 'inner' }).promise;
    expect([r.size, [...new Int32Array(r.left!)], [...new Int32Array(r.right!)], r.leftMissing, r.rightMissing]).toEqual([4, [0, 0, 2, 2], [0, 2, 0, 2], false, false]);
    const l = await n.dfJoin({ left: { rows: [3], parts: [f(3, 1, NaN)] }, right: { rows: [2], parts: [f(NaN, 3)] }, how: 'left' }).promise;
    expect([l.size, l.left, [...new Int32Array(l.right!)], l.rightMissing]).toEqual([3, null, [1, -1, 0], true]);
    const [a, b, c] = await n.dfTake({ index: Int32Array.of(2, -1, 0), columns: [{ data: f(1.5, 2.5, 3.5) }, { data: BigInt64Array.of(7n, 8n, 9n), as: 'float64' }, { data: Uint8Array.of(1, 0, 0), as: 'code' }] }).promise;
    expect([[...new Float64Array(a!)], [...new Float64Array(b!)], [...new Int32Array(c!)]]).toEqual([[3.5, NaN, 1.5], [9, NaN, 7], [0, -1, 1]]);
  });
  it('bad input names the argument and what is accepted', () => {
    const side = { rows: [1], parts: [f(1)] };
    expect(() => n.dfJoin({ left: side, right: { rows: [1], parts: [BigInt64Array.of(1n)] }, how: 'inner' })).toThrow(/right.parts: expected the left key's type/);
    expect(() => n.dfJoin({ left: side, right: side, how: 'cross' as never })).toThrow(/how: expected 'inner', 'left', 'right' or 'outer', got 'cross'/);
    expect(() => n.dfJoin({ left: { rows: [2], parts: [f(1)] }, right: side, how: 'left' })).toThrow(/left.parts\[i\]: shorter than its part's rows/);
    expect(() => n.dfJoin({ left: { rows: [1], parts: [Uint8Array.of(1) as never] }, right: side, how: 'left' })).toThrow(TypeError);
    expect(() => n.dfTake({ index: Int32Array.of(0, 5), columns: [{ data: f(1, 2, 3) }] })).toThrow(/index: row 5 past the end of columns\[0\] \(3 rows\)/);
    expect(() => n.dfTake({ index: [0] as never, columns: [] })).toThrow(/index: expected an Int32Array/);
    expect(() => n.dfTake({ index: Int32Array.of(0), columns: [{ data: f(1), as: 'float64' }] })).toThrow(/'float64' needs a BigInt64Array/);
  });
});

describe('merge on category keys (found by the fuzz of gen14)', () => {
  // each partition's and each side's categories are their own dictionary (code 0: 'B', 'ab', 'zz')
  const dir = mkdtempSync(join(tmpdir(), 'tessera-merge-cat-'));
  writeFileSync(join(dir, 'l0.csv'), 'g,k,j\nx,B,-5\n');
  writeFileSync(join(dir, 'l1.csv'), 'g,k,j\nx,ab,150\ny,,250\ny,c,7\n');
  writeFileSync(join(dir, 'r.csv'), 'k,i\nzz,1\nab,2\n');
  const left = () => readCsv([join(dir, 'l0.csv'), join(dir, 'l1.csv')]).astype({ k: 'category' });
  const right = () => readCsv(join(dir, 'r.csv')).astype({ k: 'category' });
  const rows = (t: Table): Cell[][] => t.toRecords().map((r) => Object.values(r).map(canon));
  it('takes the key from the side that has the row (outer and right crashed)', async () => {
    // pandas 1.5.3: left.merge(right, on='k', how=…).values.tolist()
    const want: Record<MergeHow, Cell[][]> = {
      inner: [['x', 'ab', 150, 2]],
      left: [['x', 'B', -5, null], ['x', 'ab', 150, 2], ['y', null, 250, null], ['y', 'c', 7, null]],
      right: [[null, 'zz', null, 1], ['x', 'ab', 150, 2]],
      outer: [['x', 'B', -5, null], ['x', 'ab', 150, 2], ['y', null, 250, null], ['y', 'c', 7, null], [null, 'zz', null, 1]],
    } as Record<MergeHow, Cell[][]>;
    for (const how of ['inner', 'left', 'right', 'outer'] as const) expect(rows(await left().merge(right(), { on: 'k', how }).compute()), how).toEqual(want[how]);
  });
});
