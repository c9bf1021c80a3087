// sortValues (the native parallel radix sort over the partitions as they are), filter (the engine's
// mask and the native compaction, dfFilter) and corr/cov (the native nancorr) against pandas
// (scripts/fixtures/pandas_parts.py → test/fixtures/pandas/parts*):
// -0 tying with 0, NaN, ±inf, ties, strings with other dictionaries per file, a header-only
// partition, a column int64 in some files and float64 in another; values bit for bit (-0 included).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, type Table, readCsv } from '../src/index.js';
import { canon, type Cell } from './helpers/pandas-cell.js';

interface FrameWant { columns: string[]; dtypes: Record<string, string>; values: Record<string, Cell[]> }
type Want = Record<string, FrameWant> & { corr: Record<string, Cell[]>; cov: Record<string, Cell[]>; 'k.corr(x)': Cell; filters: Record<string, FrameWant> };
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/parts.json', import.meta.url), 'utf8')) as Record<'ints' | 'mixed', Want>;
const dir = fileURLToPath(new URL('./fixtures/pandas/parts/', import.meta.url));
const decode = (v: Cell): Cell => (v === 'NaN' ? null : v);

function expectFrame(t: Table, want: FrameWant, label: string): void {
  expect(t.columns, label).toEqual(want.columns);
  expect(t.dtypes, label).toEqual(want.dtypes);
  for (const c of want.columns) expect(t.column(c).map(canon), `${label} ${c}`).toEqual(want.values[c]!.map(decode));
}

const frames: ['ints' | 'mixed', () => DataFrame][] = [
  ['ints', () => readCsv(`${dir}[013].csv`)],
  ['mixed', () => readCsv(`${dir}*.csv`)],
];

for (const [label, make] of frames) {
  describe(`sortValues, filter and corr/cov across partitions (${label})`, () => {
    const want = fixture[label];

    it('sortValues: one and several keys, both directions, NaN last or first, stable ties', async () => {
      const df = make();
      expect(df.npartitions).toBe(label === 'ints' ? 3 : 4);
      const cases: [string, () => DataFrame][] = [
        ['sort(x)', () => df.sortValues('x')],
        ['sort(x,desc)', () => df.sortValues('x', { ascending: false })],
        ['sort(x,na_first)', () => df.sortValues('x', { naPosition: 'first' })],
        ['sort(name)', () => df.sortValues('name')],
        ['sort(name,desc,na_first)', () => df.sortValues('name', { ascending: false, naPosition: 'first' })],
        ['sort(k)', () => df.sortValues('k')],
        ['sort([k,x],[desc,asc])', () => df.sortValues(['k', 'x'], { ascending: [false, true] })],
        ['sort([name,k,x])', () => df.sortValues(['name', 'k', 'x'])],
      ];
      for (const [k, run] of cases) {
        const s = run();
        expectFrame(await s.compute(), want[k]!, k);
        // the sorted partitions one by one are the same rows
        expect(s.npartitions).toBe(df.npartitions);
        const first = await s.head(7);
        expect(first.column('x').map(canon), `${k} head`).toEqual(want[k]!.values.x!.slice(0, 7).map(decode));
      }
    });

    it('filter: comparisons (NaN false but for ne, -0 == 0, int64 with float64), isna/notna, bool columns, and/or/xor/not', async () => {
      const df = make();
      const [x, k, b, name] = ['x', 'k', 'b', 'name'].map((c) => df.get(c)) as [Series, Series, Series, Series];
      const masks: Record<string, Series> = {
        'x>0.5': x.gt(0.5), 'x!=0': x.ne(0), '0.5<=x': x.ge(0.5), 'x<=k': x.le(k), 'k==1': k.eq(1),
        '(k>=1)&~(x<0)': k.ge(1).and(x.lt(0).not()), 'name.isna()|(x==inf)': name.isna().or(x.eq(Infinity)),
        'name.notna()^(k<0)': name.notna().xor(k.lt(0)), b, 'b&x.isna()': b.and(x.isna()), 'k.notna()|b': k.notna().or(b),
        'x>9': x.gt(9),
      };
      for (const [key, mask] of Object.entries(masks)) {
        const f = df.filter(mask);
        expectFrame(await f.compute(), want.filters[key]!, key);
        expect(await f.get('x').count().compute(), `${key} count`).toBe(want.filters[key]!.values.x!.filter((v) => v !== null).length);
      }
    });

    it('corr/cov of the frame and Series.corr: pandas within 1e-12', async () => {
      const df = make().select(['x', 'k']);
      for (const [op, t] of [['corr', await df.corr().compute()], ['cov', await df.cov().compute()]] as const) {
        for (const c of ['x', 'k']) {
          (t.column(c) as number[]).forEach((v, i) => {
            const w = decode(want[op][c]![i]!) as number;
            expect(Math.abs(v - w), `${op} ${c}[${i}]: ${v} vs ${w}`).toBeLessThanOrEqual(Math.max(Math.abs(w), 1) * 1e-12);
          });
        }
      }
      expect(canon(await df.get('k').corr(df.get('x')).compute())).toEqual(decode(want['k.corr(x)']));
    });
  });
}

it('sortValues of a frame with no rows', async () => {
  const empty = readCsv(`${dir}1.csv`);
  const t = await empty.sortValues('x').compute();
  expect(t.length).toBe(0);
  expect(t.columns).toEqual(['name', 'x', 'k', 'b']);
});
