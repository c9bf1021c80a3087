// groupby(keys).agg against pandas (scripts/fixtures/pandas_groupby.py → test/fixtures/pandas/groupby.json)
// on test/fixtures/pandas/frame-ops.csv: one partition and many (the tree combine), string keys
// with missing values, int, bool and two keys; counts, min/max/first/last/nunique exactly,
// sum/mean/std/var to 1e-12 relative (pandas adds with Kahan/Welford, the engine in double-double).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, Table, configure, datasets, getConfig, readCsv } from '../src/index.js';
import type { AggName } from '../src/dataframe/groupby.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

interface Case { keys: string[]; index: Record<string, Cell[]>; size: number[]; aggs: Record<string, { dtype: string; values: Cell[] }> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/groupby.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  dict: { columns: string[]; values: Record<string, Cell[]> };
};
const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));


function expectValues(got: Cell[], want: Cell[], approx: boolean, label: string): void {
  if (!approx) {
    expect(got, label).toEqual(want);
    return;
  }
  expect(got.length, label).toBe(want.length);
  want.forEach((w, g) => {
    if (typeof w === 'number' && typeof got[g] === 'number') {
      const tol = Math.max(Math.abs(w), 1) * 1e-12;
      expect(Math.abs((got[g] as number) - w), `${label}[${g}]: ${got[g]} vs ${w}`).toBeLessThanOrEqual(tol);
    } else expect(got[g], `${label}[${g}]`).toEqual(w);
  });
}

const frames: [string, () => DataFrame][] = [
  ['one partition', () => readCsv(csv)],
  ['many partitions', () => readCsv(csv, { blocksize: 300 })],
];

for (const [label, make] of frames) {
  describe(`groupby against pandas (${label})`, () => {
    for (const c of fixture.cases) {
      it(`groupby(${JSON.stringify(c.keys)}): size and every aggregation`, async () => {
        const df = make();
        const g = df.groupby(c.keys);
        const size = await g.size().compute();
        for (const k of c.keys) expect(size.column(k).map(canon), k).toEqual(c.index[k]);
        expect(size.column('size').map(canon)).toEqual(c.size);
        // one agg() call with every aggregation of every column (one native job)
        const spec: Record<string, AggName[]> = {};
        for (const key of Object.keys(c.aggs)) {
          const [col, agg] = key.split('.') as [string, AggName];
          (spec[col] ??= []).push(agg);
        }
        const t: Table = await g.agg(spec).compute();
        for (const k of c.keys) expect(t.column(k).map(canon), k).toEqual(c.index[k]);
        for (const [key, want] of Object.entries(c.aggs)) {
          const name = key.replace('.', '_');
          expect(t.dtypes[name], key).toBe(want.dtype);
          const approx = /\.(sum|mean|std|var)$/.test(key) && want.dtype === 'float64';
          expectValues(t.column(name).map(canon), want.values, approx, key);
        }
      });
    }

    it("agg({ x: 'mean', y: ['std', 'count'], i: 'max' }) as the issue's example", async () => {
      const t = await make().groupby('name').agg({ x: 'mean', y: ['std', 'count'], i: 'max' }).compute();
      expect(t.columns).toEqual(['name', ...fixture.dict.columns]);
      for (const c of fixture.dict.columns) expectValues(t.column(c).map(canon), fixture.dict.values[c]!, /mean|std/.test(c), c);
    });
  });
}

describe('groupby: partition independence, expressions, bad input', () => {
  it('the same bits for any partitioning (double-double sums, fixed merge tree)', async () => {
    const spec = { x: ['sum', 'mean', 'std'], y: ['var', 'min', 'first', 'last'] } as const;
    const a = await readCsv(csv).groupby(['name', 'b']).agg(spec as never).compute();
    for (const bs of [150, 333, 1000]) {
      const b = await readCsv(csv, { blocksize: bs }).groupby(['name', 'b']).agg(spec as never).compute();
      for (const c of a.columns) expect(b.column(c).map(canon), `${bs} ${c}`).toEqual(a.column(c).map(canon));
    }
  });

  it('groups of a filtered frame with an assigned key, and timeseries against a naive loop', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '10s', partitionFreq: '2h', seed: 3 });
    const f = ts.filter(ts.get('x').gt(0));
    const t = await f.assign({ big: f.get('id').gt(1000) }).groupby(['name', 'big']).agg({ y: ['sum', 'count', 'max'] }).compute();
    const all = await ts.compute();
    const names = all.column('name') as string[];
    const xs = all.column('x') as number[];
    const ys = all.column('y') as number[];
    const ids = all.column('id') as number[];
    const ref = new Map<string, { n: number; max: number }>();
    names.forEach((n, r) => {
      if (!(xs[r]! > 0)) return;
      const key = `${n}|${ids[r]! > 1000}`;
      const e = ref.get(key) ?? { n: 0, max: -Infinity };
      e.n++;
      e.max = Math.max(e.max, ys[r]!);
      ref.set(key, e);
    });
    expect(t.length).toBe(ref.size);
    const keys = [...ref.keys()].sort((p, q) => {
      const [a1, a2] = p.split('|');
      const [b1, b2] = q.split('|');
      return a1! < b1! ? -1 : a1! > b1! ? 1 : a2 === b2 ? 0 : a2 === 'false' ? -1 : 1;
    });
    expect(t.column('name')).toEqual(keys.map((k) => k.split('|')[0]));
    expect(t.column('big')).toEqual(keys.map((k) => k.split('|')[1] === 'true'));
    expect(t.column('y_count')).toEqual(keys.map((k) => ref.get(k)!.n));
    expect(t.column('y_max')).toEqual(keys.map((k) => ref.get(k)!.max));
  });

  it('errors name the argument and what is accepted', () => {
    const df = readCsv(csv);
    expect(() => df.groupby('nope')).toThrow(/no column "nope"/);
    expect(() => df.groupby([])).toThrow(TypeError);
    expect(() => df.groupby('name').agg({ nope: 'sum' })).toThrow(/no column "nope"/);
    expect(() => df.groupby('name').agg({ x: 'mode' as AggName })).toThrow(/unknown aggregation "mode"; accepted: .*median/);
    expect(() => df.groupby('name').agg({ name: 'sum' })).toThrow(/group key/);
    expect(() => df.groupby('i').agg({ name: 'mean' })).toThrow(/mean of a string column/);
    expect(() => df.groupby('i').agg({})).toThrow(/no aggregation/);
  });
});

describe('valueCounts and nunique against pandas', () => {
  const vc = (fixture as unknown as { value_counts: Record<string, { values: Cell[]; counts: number[] }> }).value_counts;
  const nu = (fixture as unknown as { nunique: Record<string, number> }).nunique;
  for (const [label, make] of frames) {
    it(`valueCounts of a string and a bool column, nunique of every column (${label})`, async () => {
      const df = make();
      for (const c of Object.keys(vc)) {
        const t = await df.get(c).valueCounts().compute();
        expect(t.columns).toEqual([c, 'count']);
        expect(t.column(c)).toEqual(vc[c]!.values);
        expect(t.column('count')).toEqual(vc[c]!.counts);
      }
      for (const [c, n] of Object.entries(nu)) expect(await df.get(c).nunique().compute(), c).toBe(n);
      const un = (fixture as unknown as { unique: Record<string, Cell[]> }).unique;
      for (const [c, vs] of Object.entries(un)) expect((await df.get(c).unique().compute()).column(c).map(canon), c).toEqual(vs);
    });
  }

  it('ties come in order of first appearance, across partitions (pandas: {c: 2, a: 2, b: 2, d: 1})', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const p = join(mkdtempSync(join(tmpdir(), 'tessera-vc-')), 'ties.csv');
    writeFileSync(p, 'v\nc\na\nb\na\nc\nb\nd\n');
    for (const blocksize of [null, 4]) {
      const t = await readCsv(p, { blocksize }).get('v').valueCounts().compute();
      expect(t.column('v')).toEqual(['c', 'a', 'b', 'd']);
      expect(t.column('count')).toEqual([2, 2, 2, 1]);
      // pandas' head/tail on the result: head(2) c, a; head(-3) c; tail(3) a, b, d; tail(-3) d; head(9) all
      expect(t.head(2).column('v')).toEqual(['c', 'a']);
      expect(t.head(-3).column('v')).toEqual(['c']);
      expect(t.tail(3).column('v')).toEqual(['a', 'b', 'd']);
      expect(t.tail(-3).column('count')).toEqual([1]);
      expect(t.head(9).length).toBe(4);
      expect(t.head().length).toBe(4);
      expect(t.tail(0).length).toBe(0);
      expect(() => t.head(1.5)).toThrow(/Table\.head\(n\): n must be an integer, got 1\.5/);
      expect(() => t.tail('2' as never)).toThrow(TypeError);
    }
  });
});

describe('groupby min/max of a string column', () => {
  it('by code point (Python\'s str order), missing values skipped, over any partitioning', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'tessera-gb-strminmax-'));
    const rows = ['a,pear,1', 'a,apple,2', 'b,\uE000x,3', 'b,\u{1F600},4', 'b,Zed,5', 'c,,6', 'c,,7'];
    writeFileSync(join(d, 'all.csv'), `k,s,v\n${rows.join('\n')}\n`);
    writeFileSync(join(d, 'p0.csv'), `k,s,v\n${rows.slice(0, 3).join('\n')}\n`);
    writeFileSync(join(d, 'p1.csv'), `k,s,v\n${rows.slice(3).join('\n')}\n`);
    // pandas: df.groupby('k').agg({'s': ['min', 'max'], 'v': ['min']}): a apple pear 1; b Zed 😀 3
    // (U+1F600 > U+E000 by code point, unlike JS's UTF-16 <); c NaN NaN 6
    for (const files of [[join(d, 'all.csv')], [join(d, 'p0.csv'), join(d, 'p1.csv')]]) {
      const t = await readCsv(files).groupby('k').agg({ s: ['min', 'max'], v: ['min'] }).compute();
      expect(t.toRecords()).toEqual([
        { k: 'a', s_min: 'apple', s_max: 'pear', v_min: 1 },
        { k: 'b', s_min: 'Zed', s_max: '\u{1F600}', v_min: 3 },
        { k: 'c', s_min: null, s_max: null, v_min: 6 },
      ]);
    }
    // groupby(k).min() keeps the string column (pandas 1.5 when its values compare)
    const df = readCsv(join(d, 'p0.csv'));
    expect((await df.groupby('k').min().compute()).toRecords()).toEqual([{ k: 'a', s: 'apple', v: 1 }, { k: 'b', s: '\uE000x', v: 3 }]);
  });
});

// Past ~8K partial groups the partitions' groups merge in hash buckets (each a task folding the
// partitions in order), not one table: many keys against a naive loop, every aggregation kind,
// the same bits for other partitionings, thread counts and splitOut.
describe('groupby with many keys (merge buckets) against a naive loop', () => {
  const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '2s', partitionFreq: '6h', seed: 11 });
  const withKeys = (d: DataFrame) => d.assign({ k: d.get('x').mul(20000).astype('int64'), f: d.get('y').mul(3000).round() });
  const spec = { id: ['sum', 'min', 'max', 'first', 'last', 'count', 'nunique', 'mean'], y: ['sum', 'median'] } as const;

  it('one int key, ~27K groups over 4 partitions: every aggregation exact', async () => {
    const df = withKeys(ts);
    const t = await df.groupby('k').agg(spec as never).compute();
    const all = await df.compute();
    const ks = all.column('k') as number[];
    const ids = all.column('id') as number[];
    const ys = all.column('y') as number[];
    const ref = new Map<number, { ids: number[]; ys: number[] }>();
    ks.forEach((k, r) => {
      const e = ref.get(k) ?? { ids: [], ys: [] };
      e.ids.push(ids[r]!);
      e.ys.push(ys[r]!);
      ref.set(k, e);
    });
    expect(ref.size).toBeGreaterThan(20000);
    const keys = [...ref.keys()].sort((a, b) => a - b);
    expect(t.column('k')).toEqual(keys);
    const col = (f: (e: { ids: number[]; ys: number[] }) => number) => keys.map((k) => f(ref.get(k)!));
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    expect(t.column('id_sum')).toEqual(col((e) => sum(e.ids)));
    expect(t.column('id_min')).toEqual(col((e) => Math.min(...e.ids)));
    expect(t.column('id_max')).toEqual(col((e) => Math.max(...e.ids)));
    expect(t.column('id_first')).toEqual(col((e) => e.ids[0]!));
    expect(t.column('id_last')).toEqual(col((e) => e.ids.at(-1)!));
    expect(t.column('id_count')).toEqual(col((e) => e.ids.length));
    expect(t.column('id_nunique')).toEqual(col((e) => new Set(e.ids).size));
    expect(t.column('id_mean')).toEqual(col((e) => sum(e.ids) / e.ids.length));  // exact int sums: one rounding
    // a group holds a few values in [-1, 1): their double-double sum is exact, so correctly rounded
    const exactSum = (v: number[]) => Number(v.reduce((a, b) => a + BigInt(Math.round(b * 2 ** 60)), 0n)) / 2 ** 60;
    const ySum = t.column('y_sum') as number[];
    const off = keys.filter((k, g) => !(Math.abs(ySum[g]! - exactSum(ref.get(k)!.ys)) <= Math.abs(ySum[g]!) * 2 ** -53));
    expect(off).toEqual([]);
    const med = (v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    expect(t.column('y_median')).toEqual(col((e) => med(e.ys)));
  });

  it('two keys (string, float) sorted as pandas; the same bits for other partitionings, thread counts and splitOut', async () => {
    const spec2 = { y: ['sum', 'std', 'first'], id: ['max'] } as const;
    const a = await withKeys(ts).groupby(['name', 'f']).agg(spec2 as never).compute();
    expect(a.length).toBeGreaterThan(20000);
    const names = a.column('name') as string[];
    const fs = a.column('f') as number[];
    for (let g = 1; g < a.length; g++) {
      const before = names[g - 1]! < names[g]! || (names[g - 1] === names[g] && fs[g - 1]! < fs[g]!);
      expect(before, `row ${g}`).toBe(true);
    }
    const other = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '2s', partitionFreq: '1h', seed: 11 });
    const saved = getConfig().numThreads;
    try {
      configure({ numThreads: 1 });
      const b = await withKeys(other).groupby(['name', 'f']).agg(spec2 as never).compute();
      for (const c of a.columns) expect(b.column(c), c).toEqual(a.column(c));
    } finally {
      configure({ numThreads: saved });
    }
    const out = withKeys(ts).groupby(['name', 'f']).agg(spec2 as never, { splitOut: 3 });
    const parts = (await out.state.source.load(out.columns, undefined, { options: {} })).map((q) => new Table(out.columns, q.columns, q.length));
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(a.length);
    const at = new Map<string, number>();
    for (let g = 0; g < a.length; g++) at.set(`${names[g]}|${fs[g]}`, g);
    const whole = a.columns.map((c) => a.column(c));
    for (const p of parts) {
      const cols = a.columns.map((c) => p.column(c));
      const rows = Array.from({ length: p.length }, (_, r) => at.get(`${cols[0]![r]}|${cols[1]![r]}`)!);
      a.columns.forEach((c, j) => expect(cols[j], c).toEqual(rows.map((g) => whole[j]![g])));
    }
  });
});

// valueCounts, unique and dropDuplicates order their groups natively (count, then first
// appearance): many values with ties, against a naive loop, for every option.
describe('valueCounts / unique / dropDuplicates with many values against a naive loop', () => {
  const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '4s', partitionFreq: '5h', seed: 5 });
  const df = ts.assign({ k: ts.get('x').mul(3000).astype('int64') });
  const naive = async () => {
    const ks = (await df.compute()).column('k') as number[];
    const count = new Map<number, number>();
    const first = new Map<number, number>();
    ks.forEach((k, r) => {
      count.set(k, (count.get(k) ?? 0) + 1);
      if (!first.has(k)) first.set(k, r);
    });
    return { ks, count, inOrder: [...first.keys()] };
  };

  it('valueCounts: default, ascending, sort false, normalize, splitOut', async () => {
    const { ks, count, inOrder } = await naive();
    const desc = [...inOrder].sort((a, b) => count.get(b)! - count.get(a)!);  // stable: ties by first appearance
    const asc = [...inOrder].sort((a, b) => count.get(a)! - count.get(b)!);
    const s = df.get('k');
    const check = (t: Table, want: number[], label: string) => {
      expect(t.column('k'), label).toEqual(want);
      expect(t.column('count'), label).toEqual(want.map((k) => count.get(k)));
    };
    check(await s.valueCounts().compute(), desc, 'default');
    check(await s.valueCounts({ ascending: true }).compute(), asc, 'ascending');
    check(await s.valueCounts({ sort: false }).compute(), inOrder, 'sort false');
    const p = await s.valueCounts({ normalize: true }).compute();
    expect(p.column('proportion')).toEqual(desc.map((k) => count.get(k)! / ks.length));
    const split = s.valueCounts({ splitOut: 3 });
    const parts = (await split.state.source.load(split.columns, undefined, { options: {} })).map((q) => new Table(split.columns, q.columns, q.length));
    expect(parts.reduce((n, q) => n + q.length, 0)).toBe(count.size);
    for (const q of parts) {
      const got = q.column('k') as number[];
      expect(got).toEqual(desc.filter((k) => got.includes(k)));
      expect(q.column('count')).toEqual(got.map((k) => count.get(k)));
    }
    expect(count.size).toBeGreaterThan(5000);
  });

  it('unique of a column sampled as int64 that holds a missing value in a later file: NaN where it first appears (pandas)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'tessera-uniq-'));
    writeFileSync(join(d, '0.csv'), 'k,v\n1,a\n2,b\n1,c\n');
    writeFileSync(join(d, '1.csv'), 'k,v\n2,d\n,e\n3,f\n,g\n');
    const f = readCsv(join(d, '*.csv'));
    expect(f.dtypes.k).toBe('int64'); // the sample's dtype; the values load as float64
    expect((await f.get('k').unique().compute()).column('k').map(canon)).toEqual([1, 2, NaN, 3].map(canon)); // pd.unique: [1.0, 2.0, nan, 3.0]
    expect((await readCsv(join(d, '0.csv')).get('k').unique().compute()).column('k')).toEqual([1, 2]);
  });
  it('unique in order of first appearance; dropDuplicates keep first, last and false', async () => {
    const { ks, count, inOrder } = await naive();
    expect((await df.get('k').unique().compute()).column('k')).toEqual(inOrder);
    const ids = (await df.compute()).column('id') as number[];
    const rowsOf = async (keep: 'first' | 'last' | false) => (await df.dropDuplicates({ subset: ['k'], keep }).compute()).column('id');
    const last = new Map<number, number>();
    ks.forEach((k, r) => last.set(k, r));
    const firstRow = new Set(inOrder.map((k) => ks.indexOf(k)));
    expect(await rowsOf('first')).toEqual(ids.filter((_, r) => firstRow.has(r)));
    expect(await rowsOf('last')).toEqual(ids.filter((_, r) => last.get(ks[r]!) === r));
    expect(await rowsOf(false)).toEqual(ids.filter((_, r) => count.get(ks[r]!) === 1));
  });
});

describe('groupby(keys, { sort: false })', () => {
  it("groups in order of first appearance, as pandas' sort=False; splitOut within each partition; bad options", async () => {
    const df = readCsv(csv, { blocksize: 300 });
    const all = await df.compute();
    const names = all.column('name') as (string | null)[];
    const xs = all.column('x') as (number | null)[];
    const order = [...new Set(names.filter((n): n is string => n !== null))];
    const t = await df.groupby('name', { sort: false }).agg({ x: ['count', 'max'] }).compute();
    expect(t.column('name')).toEqual(order);
    expect(t.column('x_count')).toEqual(order.map((n) => names.filter((m, r) => m === n && xs[r] !== null && !Number.isNaN(xs[r]!)).length));
    const sorted = await df.groupby('name').agg({ x: ['count', 'max'] }).compute();
    expect(sorted.column('name')).toEqual([...order].sort());
    expect((await df.groupby('name', { sort: false }).get('x').sum().compute()).column('name')).toEqual(order);
    const split = df.groupby('name', { sort: false }).size({ splitOut: 2 });
    const parts = (await split.state.source.load(split.columns, undefined, { options: {} })).map((q) => new Table(split.columns, q.columns, q.length));
    for (const p of parts) {
      const got = p.column('name') as string[];
      expect(got).toEqual(order.filter((n) => got.includes(n)));
    }
    expect(() => df.groupby('name', { sort: 1 as never })).toThrow(/sort must be a boolean/);
    expect(() => df.groupby('name', { observed: true } as never)).toThrow(/unknown option "observed"; accepted: sort, dropna/);
  });
});

describe('groupby(keys, { dropna: false }) against pandas', () => {
  const cases = (fixture as unknown as { dropna: { keys: string[]; sort: boolean; columns: Record<string, Cell[]> }[] }).dropna;
  for (const [label, make] of frames) {
    for (const c of cases) {
      it(`groupby(${JSON.stringify(c.keys)}, { dropna: false, sort: ${c.sort} }) (${label})`, async () => {
        const g = make().groupby(c.keys, { dropna: false, sort: c.sort });
        const size = await g.size().compute();
        const t = await g.agg({ y: 'max', i: 'sum' }).compute();
        for (const k of c.keys) {
          expect(size.column(k).map(canon), k).toEqual(c.columns[k]);
          expect(t.column(k).map(canon), k).toEqual(c.columns[k]);
        }
        expect(size.column('size').map(canon)).toEqual(c.columns.size);
        expect(t.column('y').map(canon)).toEqual(c.columns.y_max);
        expect(t.column('i').map(canon)).toEqual(c.columns.i_sum);
      });
    }
  }
  it('splitOut keeps the missing group in one partition; bad dropna', async () => {
    const df = readCsv(csv, { blocksize: 300 });
    const split = df.groupby('name', { dropna: false }).size({ splitOut: 3 });
    const parts = (await split.state.source.load(split.columns, undefined, { options: {} })).map((q) => new Table(split.columns, q.columns, q.length));
    const names = parts.flatMap((p) => p.column('name'));
    expect(names.filter((n) => n === null)).toHaveLength(1);
    expect(names.length).toBe(cases[0]!.columns.name!.length);
    expect(() => df.groupby('name', { dropna: 'no' as never })).toThrow(/dropna must be a boolean/);
  });
});
