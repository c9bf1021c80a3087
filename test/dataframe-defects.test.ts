// The reader defects of issue 18, each against pandas' answer for the same files
// (scripts/fixtures/pandas_frames.py → test/fixtures/pandas/frames.json): every file is one or
// more partitions of a readCsv frame, and pandas reads the files' rows as one frame.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, type Table } from '../src/index.js';
import type { ReadCsvOptions } from '../src/dataframe/csv.js';

type Cell = number | string | boolean | null;
interface Recipe { kind: 'late-text' | 'long-quoted' | 'wide'; n?: number; lines?: number; cols?: number }
interface Case {
  name: string;
  files: ({ latin1: string } | Recipe)[];
  options: { head?: number; header?: boolean; blocksizes?: (null | 'default')[] };
  dtypes?: Record<string, string>;
  columns?: string[];
  length?: number;
  records?: Record<string, Cell>[];
  head?: { n: number; dtypes: Record<string, string>; records: Record<string, Cell>[] };
  describe?: Record<string, Record<string, Cell>>;
  std?: Record<string, Cell>;
  edges?: Record<string, Cell[]>;
  ncols?: number;
  alldtypes?: string[];
  rows?: Record<string, Record<string, Cell>>;
  count?: Record<string, number>;
  error?: { kind: string; byte: number; position: number };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/frames.json', import.meta.url), 'utf8')) as { cases: Case[] };
const dir = mkdtempSync(join(tmpdir(), 'tessera-df-defects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bytes of a recipe, built as the fixture script builds them. */
function recipe(r: Recipe): Buffer {
  if (r.kind === 'late-text') {
    const rows = Array.from({ length: r.n! }, (_, i) => `${i},${i}.5\n`).join('');
    return Buffer.from(`a,b\n${rows}${r.n},text\n`);
  }
  if (r.kind === 'long-quoted') {
    const head = `id,v,t\n${Array.from({ length: r.n! }, (_, i) => `${i},${i % 10},short\n`).join('')}`;
    const body = Array.from({ length: r.lines! }, (_, k) => `line ${k}`).join('\n');
    return Buffer.from(`${head}${r.n},7,"${body}"\n${r.n! + 1},8,last\n`);
  }
  const names = Array.from({ length: r.cols! }, (_, k) => `col${String(k).padStart(5, '0')}`);
  const rows = [0, 1].map((j) => Array.from({ length: r.cols! }, (_, k) => String(k * 10 + j)).join(','));
  return Buffer.from(`${names.join(',')}\n${rows.join('\n')}\n`);
}

let caseNo = 0;
function files(c: Case): string[] {
  const n = ++caseNo;
  return c.files.map((f, i) => {
    const p = join(dir, `c${n}-${i}.csv`);
    writeFileSync(p, 'latin1' in f ? Buffer.from(f.latin1, 'latin1') : recipe(f));
    return p;
  });
}

/** A fixture value as readCsv gives it: ±Infinity and -0 are strings in the JSON; pandas' object
 * columns hold Python bools where a tessera string column holds their text. */
function expected(v: Cell, dtype: string | undefined): Cell {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === '-0') return -0;
  if (typeof v === 'boolean' && dtype === 'string') return v ? 'True' : 'False';
  return v;
}

function records(t: Table): Record<string, Cell>[] {
  return t.toRecords().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v as Cell])));
}

function expectRecords(t: Table, want: Record<string, Cell>[], dtypes: Record<string, string>): void {
  expect(records(t)).toEqual(want.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, expected(v, dtypes[k])]))));
}

function byName(name: string): Case {
  const c = fixture.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${JSON.stringify(name)}`);
  return c;
}

function options(c: Case): ReadCsvOptions {
  return c.options.header === false ? { header: false } : {};
}

async function checkFrame(c: Case, paths: string[], opts: ReadCsvOptions): Promise<void> {
  const df = readCsv(paths, opts);
  const t = await df.compute();
  if (c.columns) expect(t.columns).toEqual(c.columns);
  if (c.edges) expect([...new Set(Object.values(t.dtypes))]).toEqual(c.alldtypes);
  else expect(t.dtypes).toEqual(c.dtypes);
  expect(t.length).toBe(c.length);
  if (c.records) expectRecords(t, c.records, c.dtypes!);
  if (c.head) {
    const h = await df.head(c.head.n);
    expect(h.dtypes).toEqual(c.head.dtypes);
    expectRecords(h, c.head.records, c.head.dtypes);
  }
  if (c.describe) {
    const d = (await df.describe().compute()).toJSON();
    const want = Object.fromEntries(
      Object.entries(c.describe).map(([col, s]) => [col, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, expected(v, undefined)]))]),
    );
    // NaN statistics are null in the fixture
    const got = Object.fromEntries(
      Object.entries(d).map(([col, s]) => [col, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' && Number.isNaN(v) ? null : v]))]),
    );
    // mean and std are sums: NumPy adds pairwise, the engine in 4 lanes per partition (the same
    // bits for any partitioning); they agree to 1e-13 relative, the rest exactly
    for (const s of Object.values(want)) for (const k of ['mean', 'std']) if (typeof s[k] === 'number') s[k] = expect.closeTo(s[k] as number, 13 - Math.ceil(Math.log10(Math.abs(s[k] as number) + 1)));
    expect(got).toEqual(want);
  }
  if (c.std) {
    for (const [col, v] of Object.entries(c.std)) {
      const s = await df.get(col).std().compute();
      expect(Number.isNaN(s) ? null : s).toEqual(expected(v, undefined));
    }
  }
  if (c.edges) {
    for (const [col, vs] of Object.entries(c.edges)) {
      expect(t.column(col)).toEqual(vs);
      expect(t.dtypes[col]).toBe(c.dtypes![col]);
    }
    expect(t.columns.length).toBe(c.ncols);
  }
  if (c.count) expect(await df.count().compute()).toEqual(c.count);
  if (c.rows) {
    for (const [i, r] of Object.entries(c.rows)) {
      const got = t.toRecords()[Number(i)]!;
      expect(got).toEqual(r);
    }
  }
}

describe('readCsv defects of issue 18, against pandas', () => {
  for (const c of fixture.cases.filter((x) => !x.error)) {
    it(c.name, async () => {
      const paths = files(c);
      await checkFrame(c, paths, options(c));
      // the same frame from small blocks (several partitions per file) where the file allows
      // (blocks split at line ends: a quoted line break may not cross a block boundary)
      const quotedBreaks = c.files.some((f) => ('latin1' in f ? /"[^"]*[\r\n][^"]*"/.test(f.latin1) : f.kind === 'long-quoted'));
      const small = c.files.every((f) => 'latin1' in f);
      if (!quotedBreaks && c.files.every((f) => !('kind' in f) || f.kind !== 'wide')) await checkFrame(c, paths, { ...options(c), blocksize: small ? 7 : 65536 });
      if (c.options.blocksizes) await checkFrame(c, paths, { ...options(c), blocksize: null });
    });
  }

  it('an empty first partition: head() gives strings, not dictionary codes (and compute() too)', async () => {
    const c = byName('head: an empty first partition (string codes)');
    const h = await readCsv(files(c)).head();
    expect(h.raw('name')!.dtype).toBe('string');
    expect(h.column('name')).toEqual(['alice']);
  });

  it('a first file with only its header: the declared dtypes come from the first file with rows', async () => {
    const d = mkdtempSync(join(dir, 'header-only-'));
    writeFileSync(join(d, '0.csv'), 'a,b,s\n');
    writeFileSync(join(d, '1.csv'), 'a,b,s\n1,True,x\n2,False,y\n3,True,z\n');
    const df = readCsv(join(d, '*.csv'));
    // pandas.concat of the two files: int64, bool, object
    expect(df.dtypes).toEqual({ a: 'int64', b: 'bool', s: 'string' });
    const t = await df.filter(df.get('b')).compute();
    expect(t.column('a')).toEqual([1, 3]);
    expect(t.column('s')).toEqual(['x', 'z']);
  });

  it('only header-only files: columns are strings (pandas: object), so a merge with a string key works', async () => {
    const d = mkdtempSync(join(dir, 'all-header-only-'));
    writeFileSync(join(d, '0.csv'), 'k,v\n');
    writeFileSync(join(d, '1.csv'), 'k,v\n');
    writeFileSync(join(d, 'left.csv'), 'k,x\na,1\nb,2\n');
    const empty = readCsv(join(d, '[01].csv'));
    // pandas.read_csv('k,v\n').dtypes: k object, v object; a file of missing values is float64
    expect(empty.dtypes).toEqual({ k: 'string', v: 'string' });
    expect((await empty.compute()).dtypes).toEqual({ k: 'string', v: 'string' });
    writeFileSync(join(d, 'na.csv'), 'k,v\n,\n');
    expect(readCsv(join(d, 'na.csv')).dtypes).toEqual({ k: 'float64', v: 'float64' });
    // pd.read_csv(left).merge(pd.read_csv(empty), on='k', how='left'): k a, b; x 1, 2; v NaN, NaN
    const m = await readCsv(join(d, 'left.csv')).merge(empty, { on: 'k', how: 'left' }).compute();
    expect(m.toRecords()).toEqual([{ k: 'a', x: 1, v: null }, { k: 'b', x: 2, v: null }]);
    expect((await readCsv(join(d, 'left.csv')).merge(empty, { on: 'k', how: 'inner' }).compute()).length).toBe(0);
  });

  it('a column with only missing values in the first file takes its dtype from the next files, as pandas reading every row', async () => {
    const d = mkdtempSync(join(dir, 'missing-first-'));
    writeFileSync(join(d, '0.csv'), 'k,i,b,x\n,,,1\n,,,2\n');
    writeFileSync(join(d, '1.csv'), 'k,i,b,x\na,3,True,3\nb,4,False,4\n');
    const df = readCsv(join(d, '[01].csv'));
    // pandas.read_csv of the rows together: k object, i float64 (an int with NaN), b object, x int64
    expect(df.dtypes).toEqual({ k: 'string', i: 'float64', b: 'string', x: 'int64' });
    writeFileSync(join(d, 'r.csv'), 'k,v\na,10\n');
    const m = await df.merge(readCsv(join(d, 'r.csv')), { on: 'k', how: 'inner' }).compute();
    expect(m.toRecords()).toEqual([{ k: 'a', i: 3, b: 'True', x: 3, v: 10 }]);
  });

  it('head(10) across an int64 and a float64 partition is float64 (no BigInt mixing)', async () => {
    const c = byName('head across an int64 and a float64 partition');
    const df = readCsv(files(c));
    expect(df.dtypes.a).toBe('int64'); // the sample (first file) says int64 …
    const h = await df.head(10);
    expect(h.dtypes.a).toBe('float64'); // … the partitions read say float64, as pandas
    expect(h.column('a')).toEqual(c.head!.records.map((r) => r.a));
    expect(String(h).split('\n')[1]).toMatch(/^0\s+0\.000000\s+x0$/);
  });

  it('a column numeric in the 256 KiB sample and text later is left out of describe(), as pandas', async () => {
    const c = byName('describe: numeric in the sample, text later');
    const df = readCsv(files(c));
    expect(df.dtypes).toEqual({ a: 'int64', b: 'float64' }); // the sample's view
    const d = await df.describe().compute();
    expect(d.columns).toEqual(['a']);
    expect(Object.keys(await df.mean().compute())).toEqual(['a']);
    expect(Object.keys(await df.count().compute())).toEqual(['a', 'b']);
  });

  it('invalid utf-8 is an error naming the file, line and byte offset (as pandas: no U+FFFD)', async () => {
    for (const name of ['invalid utf-8', 'invalid utf-8 in the header']) {
      const c = byName(name);
      const [p] = files(c);
      const hex = `0x${c.error!.byte.toString(16)}`;
      const where = name.endsWith('header') ? `${p}:1: invalid utf-8 (byte ${hex}) at byte offset ${c.error!.position}` : `${p}:3: invalid utf-8 (byte ${hex}) at byte offset ${c.error!.position}`;
      expect(() => readCsv(p!)).toThrow(where);
    }
    // beyond the sample, in a later block of a later file: the offset is the file's
    const good = join(dir, 'utf8-good.csv');
    writeFileSync(good, 'a,b\n1,x\n');
    const late = join(dir, 'utf8-late.csv');
    const text = Buffer.concat([Buffer.from(`a,b\n${Array.from({ length: 200 }, (_, i) => `${i},é${i}`).join('\n')}\n`), Buffer.from([0x31, 0x2c, 0xc3, 0x28, 0x0a])]);
    writeFileSync(late, text);
    await expect(readCsv([good, late], { blocksize: 300 }).compute()).rejects.toThrow(`${late}:202: invalid utf-8 (byte 0xc3) at byte offset ${text.length - 3}`);
    // latin1 reads every byte
    expect((await readCsv([late], { encoding: 'latin1' }).compute()).length).toBe(201);
  });

  it('True/False columns are bool: printed, written and read back as pandas does', async () => {
    const c = byName('True/False columns are bool');
    const df = readCsv(files(c));
    expect(df.dtypes).toEqual(c.dtypes);
    const t = await df.compute();
    expect(String(t).split('\n')[1]).toMatch(/^0\s+True\s+1\s+False\s+True$/);
    const [out] = await df.toCsv([join(dir, 'bool-out.csv')]);
    expect(readFileSync(out!, 'utf8').split('\n')[1]).toBe('True,1,False,True');
    expect((await readCsv(out!).compute()).toRecords()).toEqual(t.toRecords());
    expect(() => readCsv(files(byName('True/False with a missing value is object')), { dtype: { a: 'bool' } })).toThrow(
      /:3: column "a": missing value in a bool column/,
    );
  });
});

// Found by the readCsv / toCsv differential fuzz (scripts/fuzz/differential/gen12.py); the
// answers are pandas 1.5.3's for the same files.
describe('toCsv and frame reductions against pandas (fuzz12)', () => {
  it("toCsv writes floats as Python's repr and a lone missing value as \"\" (pandas' to_csv), which reads back", async () => {
    const d = mkdtempSync(join(dir, 'repr-'));
    writeFileSync(join(d, 'in.csv'), 'f\n100000.0\n1e16\n0.1\nNA\n-7488869705435525120\n1.5e-05\n');
    const [out] = await readCsv(join(d, 'in.csv')).toCsv(join(d, 'out', '*.csv'));
    // pd.read_csv(...).to_csv(index=False)
    expect(readFileSync(out!, 'utf8')).toBe('f\n100000.0\n1e+16\n0.1\n""\n-7.488869705435525e+18\n1.5e-05\n');
    // an empty line would have been skipped as blank: the missing row reads back
    expect((await readCsv(out!).compute()).column('f')).toEqual([1e5, 1e16, 0.1, null, -7488869705435525120, 1.5e-5]);
    writeFileSync(join(d, 's.csv'), 's\nx\nNA\ny\n');
    const [outS] = await readCsv(join(d, 's.csv')).toCsv(join(d, 'outs', '*.csv'));
    expect(readFileSync(outS!, 'utf8')).toBe('s\nx\n""\ny\n');
  });

  it('toCsv of more than 8 partitions writes one dtype per column: a later batch that widens it rewrites the earlier ones (pandas, all files read as one frame)', async () => {
    const d = mkdtempSync(join(dir, 'batches-'));
    // 12 files, written in batches of 8: a is int64 until file 10 (1.5: float64), t numeric until file 11 (x: text)
    for (let i = 0; i < 12; i++)
      writeFileSync(join(d, `p${String(i).padStart(2, '0')}.csv`), `a,t\n${i === 10 ? '1.5' : i},${i === 11 ? 'x' : 10 + i}\n8,7\n`);
    const df = readCsv(join(d, 'p*.csv'));
    const outs = await df.toCsv(join(d, 'out', '*.csv'));
    // pd.concat([pd.read_csv(f) for f in files]).to_csv per file: a float64 ("0.0", "8.0"), t object (ints as written)
    const want = Array.from({ length: 12 }, (_, i) => `a,t\n${i === 10 ? '1.5' : `${i}.0`},${i === 11 ? 'x' : 10 + i}\n8.0,7\n`);
    expect(outs.map((f) => readFileSync(f, 'utf8'))).toEqual(want);
    // a frame derived from it (its source reads the CSV one): the same
    const derived = await df.assign({ b: df.get('a').mul(2) }).select(['a', 'b']).toCsv(join(d, 'out2', '*.csv'));
    expect(readFileSync(derived[0]!, 'utf8')).toBe('a,b\n0.0,0.0\n8.0,16.0\n');
    // the frame computed whole agrees, and later loads are not held to toCsv's dtypes
    expect((await df.compute()).dtypes).toEqual({ a: 'float64', t: 'string' });
    expect((await readCsv(join(d, 'p0*.csv')).compute()).dtypes).toEqual({ a: 'int64', t: 'int64' });
    expect((await df.get('a').head(2)).dtypes).toEqual({ a: 'int64' }); // one partition, as pandas reads p00.csv
  });

  it('df.sum() of an int64 column is exact, wrapping as pandas (NumPy), not a float64 sum', async () => {
    const d = mkdtempSync(join(dir, 'intsum-'));
    writeFileSync(join(d, 'a.csv'), 'a,b\n9007199254740993,9223372036854775807\n1,1\n');
    // pd.read_csv(...).sum(): a 9007199254740994, b -9223372036854775808 (wrapped)
    expect(await readCsv(join(d, 'a.csv')).sum().compute()).toEqual({ a: 9007199254740994, b: -9223372036854775808 });
  });

  it('std of finite values whose sum overflows is inf (pandas), of a column holding inf NaN', async () => {
    const d = mkdtempSync(join(dir, 'stdinf-'));
    writeFileSync(join(d, 'a.csv'), 'x,y\n1e308,1.0\n1e308,inf\n');
    // pd.read_csv(...).std(): x inf, y NaN; describe() the same
    const df = readCsv(join(d, 'a.csv'));
    expect(await df.std().compute()).toEqual({ x: Infinity, y: NaN });
    const ds = (await df.describe().compute()).toJSON() as Record<string, Record<string, number>>;
    expect([ds.x!.std, ds.y!.std]).toEqual([Infinity, NaN]);
  });

  it('empty (0-byte) files among others are left out, as Dask (no partition); all empty is an error', async () => {
    const d = mkdtempSync(join(dir, 'empty-file-'));
    writeFileSync(join(d, '0.csv'), '');
    writeFileSync(join(d, '1.csv'), 'a,b\n1,2\n');
    writeFileSync(join(d, '2.csv'), '');
    writeFileSync(join(d, '3.csv'), 'a,b\n3,4.5\n');
    // dd.read_csv(d + '/*.csv'): 2 partitions, a [1, 3] int64, b [2.0, 4.5] float64
    const df = readCsv(join(d, '*.csv'));
    expect(df.npartitions).toBe(2);
    const t = await df.compute();
    expect(t.dtypes).toEqual({ a: 'int64', b: 'float64' });
    expect([t.column('a'), t.column('b')]).toEqual([[1, 3], [2, 4.5]]);
    // header: false, as fuzz12's case (pandas/Dask: the three rows of the other files)
    writeFileSync(join(d, 'h1.txt'), '0.1\n');
    writeFileSync(join(d, 'h2.txt'), '');
    writeFileSync(join(d, 'h3.txt'), '49.18\nNA\n');
    expect((await readCsv(join(d, 'h*.txt'), { header: false }).compute()).column('0')).toEqual([0.1, 49.18, null]);
    // every file empty: pandas' EmptyDataError, here an error naming the file
    expect(() => readCsv([join(d, '0.csv'), join(d, '2.csv')])).toThrow(/0\.csv:1: the file is empty/);
  });
});
