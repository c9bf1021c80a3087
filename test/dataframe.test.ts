// DataFrame: timeseries, toCsv, readCsv, describe — checked against independent computations in
// JS (sorting for exact quantiles, two-pass mean/std, file bytes read back with node:fs).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasets, readCsv, type Table } from '../src/index.js';
import { NAMES } from '../src/dataframe/timeseries.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-df-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(text: string | Buffer, name = `f${++fileNo}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** pandas' / NumPy's linear interpolation on sorted values. */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const t = h - lo;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function numbers(t: Table, c: string): number[] {
  return t.column(c).filter((v) => v !== null).map((v) => Number(v));
}

function reference(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: n, mean, std: Math.sqrt(ss / (n - 1)), min: sorted[0]!, max: sorted[n - 1]!,
    q25: quantile(sorted, 0.25), q50: quantile(sorted, 0.5), q75: quantile(sorted, 0.75), sorted,
  };
}

const small = () => datasets.timeseries({ start: '2000-01-01', end: '2000-01-01 06:00:00', freq: '10s', partitionFreq: '1h', seed: 7 });

describe('datasets.timeseries', () => {
  it("has Dask's defaults: 30 daily partitions of 86 400 rows, index timestamp, columns name/id/x/y", async () => {
    const df = datasets.timeseries({ seed: 1 });
    expect(df.npartitions).toBe(30);
    expect(df.columns).toEqual(['name', 'id', 'x', 'y']);
    expect(df.dtypes).toEqual({ name: 'string', id: 'int64', x: 'float64', y: 'float64' });
    expect(df.index).toBe('timestamp');
    expect(df.divisions![0]).toEqual(new Date('2000-01-01T00:00:00Z'));
    expect(df.divisions![30]).toEqual(new Date('2000-01-31T00:00:00Z'));
    expect(await df.length().compute()).toBe(30 * 86400);
    const head = await df.head(3);
    expect(head.length).toBe(3);
    expect(head.column('timestamp')).toEqual([0, 1, 2].map((s) => new Date(Date.UTC(2000, 0, 1, 0, 0, s))));
    expect(String(head)).toContain('2000-01-01 00:00:02');
  });

  it('is a function of the seed only, not of the partitioning', async () => {
    const a = await datasets.timeseries({ end: '2000-01-01 06:00', partitionFreq: '1d', seed: 5 }).compute();
    const b = await datasets.timeseries({ end: '2000-01-01 06:00', partitionFreq: '7min', seed: 5 }).compute();
    const c = await datasets.timeseries({ end: '2000-01-02', seed: 6 }).head(5);
    const text = String(a);
    expect(text.split('\n')).toHaveLength(2 + 11 + 2);
    expect(text).toContain('2000-01-01 05:59:59');
    expect(text).toMatch(/\[21600 rows x 4 columns\]$/);
    expect(a.length).toBe(21600);
    for (const col of ['timestamp', 'name', 'id', 'x', 'y']) expect(b.column(col)).toEqual(a.column(col));
    expect(c.column('x')).not.toEqual(a.column('x').slice(0, 5));
    const names = new Set(a.column('name'));
    expect([...names].sort()).toEqual([...NAMES].sort());
    const x = numbers(a, 'x');
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThan(1);
    const id = reference(numbers(a, 'id'));
    expect(id.mean).toBeGreaterThan(995); // Poisson(1000): mean 1000, sd of the mean 0.11
    expect(id.mean).toBeLessThan(1005);
    expect(id.std).toBeGreaterThan(30);
    expect(id.std).toBeLessThan(33.3);
    expect(numbers(a, 'id').every(Number.isInteger)).toBe(true);
  });

  it('projects columns and supports custom dtypes', async () => {
    const df = datasets.timeseries({ end: '2000-01-01 01:00', freq: '1min', dtypes: { a: 'float', k: 'int' }, seed: 2 });
    expect(df.npartitions).toBe(1);
    expect(df.columns).toEqual(['a', 'k']);
    const t = await df.select(['k']).compute();
    expect(t.columns).toEqual(['k']);
    expect(t.length).toBe(60);
    expect(df.get('a').dtype).toBe('float64');
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => datasets.timeseries({ freq: 'fortnight' })).toThrow(RangeError);
    expect(() => datasets.timeseries({ freq: 'fortnight' })).toThrow(/freq/);
    expect(() => datasets.timeseries({ seed: -1 })).toThrow(/seed/);
    expect(() => datasets.timeseries({ seed: 'x' as unknown as number })).toThrow(TypeError);
    expect(() => datasets.timeseries({ start: 'yesterday' })).toThrow(/start/);
    expect(() => datasets.timeseries({ dtypes: { a: 'complex' } })).toThrow(/dtypes\.a/);
    expect(() => datasets.timeseries({ bogus: 1 } as never)).toThrow(/bogus/);
    const df = small();
    expect(() => df.get('nope')).toThrow(RangeError);
    expect(() => df.get(3 as unknown as string)).toThrow(TypeError);
    expect(() => df.select('x' as unknown as string[])).toThrow(TypeError);
    expect(() => df.describe({ percentiles: [1.5] })).toThrow(/percentiles/);
    expect(() => df.describe({ percentiles: 'a' as unknown as number[] })).toThrow(TypeError);
    expect(() => df.get('name').sum()).toThrow(/dtype string/);
    expect(() => df.std({ ddof: -1 })).toThrow(RangeError);
  });
});

describe('reductions and describe', () => {
  it('describe() equals an independent computation with exact quantiles', async () => {
    const df = small();
    const t = await df.compute();
    const stats = await df.describe().compute();
    expect(stats.columns).toEqual(['id', 'x', 'y']);
    expect(stats.index).toEqual(['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max']);
    const json = stats.toJSON();
    for (const c of ['id', 'x', 'y']) {
      const r = reference(numbers(t, c));
      const s = json[c]!;
      expect(s.count).toBe(r.count);
      expect(s.min).toBe(r.min);
      expect(s.max).toBe(r.max);
      expect(s['25%']).toBe(r.q25);
      expect(s['50%']).toBe(r.q50);
      expect(s['75%']).toBe(r.q75);
      expect(s.mean as number).toBeCloseTo(r.mean, 12);
      expect(Math.abs((s.std as number) / r.std - 1)).toBeLessThan(1e-12);
    }
    const text = String(stats);
    expect(text.split('\n')[0]).toMatch(/^\s+id\s+x\s+y$/);
    expect(text).toContain('25%');
  });

  it('percentiles option (the median is always included)', async () => {
    const df = small();
    const t = await df.compute();
    const stats = await df.select(['x']).describe({ percentiles: [0.1, 0.9, 0.999] }).compute();
    expect(stats.index).toEqual(['count', 'mean', 'std', 'min', '10%', '50%', '90%', '99.9%', 'max']);
    const sorted = numbers(t, 'x').sort((a, b) => a - b);
    for (const q of [0.1, 0.5, 0.9, 0.999]) expect(stats.get('x', `${+(q * 100).toFixed(6)}%`)).toBe(quantile(sorted, q));
  });

  it('per-column sum/mean/min/max/count/std and Series reductions', async () => {
    const df = small();
    const t = await df.compute();
    const r = reference(numbers(t, 'y'));
    const sum = numbers(t, 'y').reduce((a, b) => a + b, 0);
    expect((await df.sum().compute()).y).toBeCloseTo(sum, 9);
    expect((await df.mean().compute()).y).toBeCloseTo(r.mean, 12);
    expect((await df.min().compute()).y).toBe(r.min);
    expect((await df.max().compute()).id).toBe(Math.max(...numbers(t, 'id')));
    expect(await df.count().compute()).toEqual({ name: 2160, id: 2160, x: 2160, y: 2160 });
    expect(await df.get('y').std().compute()).toBeCloseTo(r.std, 12);
    expect(await df.get('y').std({ ddof: 0 }).compute()).toBeCloseTo(r.std * Math.sqrt(2159 / 2160), 12);
    expect(await df.get('name').count().compute()).toBe(2160);
    expect(await df.get('x').length().compute()).toBe(2160);
  });

  it('exact quartiles where Dask approximates: 1..100 in 10 sorted files', async () => {
    const paths = Array.from({ length: 10 }, (_, k) =>
      file(`v\n${Array.from({ length: 10 }, (_, j) => k * 10 + j + 1).join('\n')}\n`, `q${k}.csv`),
    );
    const df = readCsv(paths);
    expect(df.npartitions).toBe(10);
    const s = (await df.describe().compute()).toJSON().v!;
    expect([s['25%'], s['50%'], s['75%']]).toEqual([25.75, 50.5, 75.25]);
    expect(s.count).toBe(100);
    expect(s.std as number).toBeCloseTo(29.011491975882016, 12);
  });

  it('string-only frames give count/unique/top/freq', async () => {
    const p = file('s\nb\na\nb\n\nc\nb\n"a"\n');
    const stats = await readCsv(p).describe().compute();
    expect(stats.toJSON()).toEqual({ s: { count: 6, unique: 3, top: 'b', freq: 3 } });
    expect(String(stats)).toContain('top');
  });

  it('graph(), visualize() and progress use the shared graph machinery', async () => {
    const df = small();
    const d = df.describe();
    const g = d.graph();
    expect(g.layers.map((l) => l.op)).toEqual(['make-timeseries', 'describe-chunk', 'describe-agg']);
    expect(g.taskCount).toBe(6 + 6 + 1);
    expect([...g.nodes()].filter((n) => n.kind === 'task')).toHaveLength(13);
    expect(df.select(['x']).graph().layers.map((l) => l.op)).toEqual(['make-timeseries', 'getitem']);
    expect(df.select(['x']).graph({ optimize: true }).layers).toHaveLength(1);
    const dot = await d.visualize({ format: 'dot' });
    expect(dot).toContain('describe-chunk');
    const seen: [number, number][] = [];
    await d.compute({ onProgress: (a, b) => seen.push([a, b]) });
    const last = seen[seen.length - 1]!;
    expect(last[0]).toBe(last[1]);
    expect(seen.every(([a, b], i) => a <= b && (i === 0 || a >= seen[i - 1]![0]))).toBe(true);
  });

  it('persist() keeps the partitions in memory', async () => {
    const p = file('a,b\n1,x\n2,y\n3,\n');
    const df = await readCsv(p, { blocksize: 5 }).persist();
    expect(df.npartitions).toBeGreaterThan(1);
    expect(df.graph().layers.map((l) => l.op)).toEqual(['persisted']);
    writeFileSync(p, 'a,b\n9,z\n'); // the persisted frame does not read the file again
    expect((await df.compute()).toRecords()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: null }]);
    expect(await df.get('a').sum().compute()).toBe(6);
    expect(await df.length().compute()).toBe(3);
    const ts = await small().select(['x']).persist();
    expect(ts.columns).toEqual(['x']);
    expect((await ts.head(2)).column('timestamp')).toEqual([new Date('2000-01-01T00:00:00Z'), new Date('2000-01-01T00:00:10Z')]);
    expect((await ts.describe().compute()).toJSON()).toEqual((await small().select(['x']).describe().compute()).toJSON());
  });

  it('an aborted signal rejects with AbortError (before or while running), and the next compute works', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(small().describe().compute({ signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const df = datasets.timeseries({ end: '2000-01-01 12:00', partitionFreq: '1min', seed: 1 });
    const running = new AbortController();
    const p = df.describe().compute({ signal: running.signal, onProgress: (d) => (d > 5 ? running.abort() : undefined) });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect((await df.describe().compute()).get('x', 'count')).toBe(43200);
  });
});

describe('toCsv / readCsv', () => {
  it('round-trips the timeseries: one file per partition, shortest round-trip floats', async () => {
    const df = small();
    const out = join(dir, 'rt');
    const files = await df.toCsv(join(out, '*.csv'));
    expect(files).toEqual(['0', '1', '2', '3', '4', '5'].map((s) => join(out, `${s}.csv`)));
    expect(readdirSync(out).sort()).toEqual(['0.csv', '1.csv', '2.csv', '3.csv', '4.csv', '5.csv']); // no temp files
    const text = readFileSync(files[0]!, 'utf8');
    expect(text.split('\n')[0]).toBe('timestamp,name,id,x,y');
    const first = text.split('\n')[1]!.split(',');
    const orig = await df.head(1);
    expect(first[0]).toBe('2000-01-01 00:00:00');
    expect(first[3]).toBe(String(orig.column('x')[0])); // JS's shortest round-trip form agrees
    const back = readCsv(join(out, '*.csv'), { parseDates: ['timestamp'] });
    expect(back.npartitions).toBe(6);
    expect(back.dtypes).toEqual({ timestamp: 'datetime', name: 'string', id: 'int64', x: 'float64', y: 'float64' });
    const a = await df.compute();
    const b = await back.compute();
    expect(b.length).toBe(a.length);
    for (const c of ['timestamp', 'name', 'id', 'x', 'y']) expect(b.column(c)).toEqual(a.column(c));
    const s1 = (await df.describe().compute()).toJSON();
    const s2 = (await back.describe().compute()).toJSON();
    expect(s2).toEqual(s1);
  });

  it('nameFunction, header and index options; zero-padded default names', async () => {
    const df = datasets.timeseries({ end: '2000-01-01 12:00', freq: '1h', partitionFreq: '1h', seed: 3 });
    const files = await df.toCsv(join(dir, 'pad', 'part-*.csv'), { header: false, index: false });
    expect(files[0]).toMatch(/part-00\.csv$/);
    expect(files[11]).toMatch(/part-11\.csv$/);
    expect(readFileSync(files[0]!, 'utf8').split(',').length).toBe(4);
    const named = await df.toCsv(join(dir, 'named', '*.csv'), { nameFunction: (i) => `h${i}` });
    expect(named[2]).toMatch(/h2\.csv$/);
    const back = readCsv(files, { header: false, names: ['name', 'id', 'x', 'y'] });
    expect((await back.length().compute())).toBe(12);
    await expect(df.toCsv(join(dir, 'x', '*.csv'), { nameFunction: () => 'same' })).rejects.toThrow(/same file name/);
    await expect(df.toCsv(join(dir, 'x', '*-*.csv'))).rejects.toThrow(RangeError);
    await expect(df.toCsv(join(dir, 'x', '*.csv'), { encoding: 'utf-16' })).rejects.toThrow(/encoding/);
    await expect(df.toCsv(join(dir, 'x', '*.csv'), { header: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
  });

  it('reads and writes latin1', async () => {
    const p = file(Buffer.from('name,v\ncaf\xe9,1\nZo\xeb,2\n"na\xefve, quoted",3\n', 'latin1'));
    const df = readCsv(p, { encoding: 'latin1' });
    const t = await df.compute();
    expect(t.column('name')).toEqual(['café', 'Zoë', 'naïve, quoted']);
    const [out] = await df.toCsv([join(dir, 'latin1-out.csv')], { encoding: 'ISO-8859-1', index: false });
    expect(readFileSync(out!)).toEqual(readFileSync(p));
    const utf8 = await df.toCsv([join(dir, 'utf8-out.csv')]);
    expect(readFileSync(utf8[0]!, 'utf8')).toContain('café');
    const bad = readCsv(file('s\n€\n'));
    await expect(bad.toCsv([join(dir, 'bad-latin1.csv')], { encoding: 'latin1' })).rejects.toThrow(/bad-latin1\.csv.*latin1/);
    expect(readdirSync(dir).filter((f) => f.startsWith('bad-latin1'))).toEqual([]); // nothing half-written
  });

  it('parses quotes, escaped quotes, CRLF and empty fields as missing', async () => {
    const p = file('a,b,c\r\n1,"x, ""y""",2.5\r\n,"multi\r\nline",\r\n3,,-1e3\r\n');
    const t = await readCsv(p).compute();
    expect(t.dtypes).toEqual({ a: 'float64', b: 'string', c: 'float64' });
    expect(t.column('a')).toEqual([1, null, 3]);
    expect(t.column('b')).toEqual(['x, "y"', 'multi\r\nline', null]);
    expect(t.column('c')).toEqual([2.5, null, -1000]);
  });

  it('splits files into blocks on line boundaries and unifies dtypes across blocks', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${i},${i % 7 === 0 ? i + 0.5 : i},${i === 450 ? 'text' : i}`);
    const p = file(`i,f,s\n${lines.join('\n')}\n`);
    const df = readCsv(p, { blocksize: 256 });
    expect(df.npartitions).toBeGreaterThan(10);
    expect(df.dtypes).toEqual({ i: 'int64', f: 'float64', s: 'string' }); // from a sample (here: the whole file)
    const t = await df.compute();
    expect(t.length).toBe(500);
    expect(t.dtypes).toEqual({ i: 'int64', f: 'float64', s: 'string' });
    expect(t.column('i')).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(t.column('s')[450]).toBe('text');
    expect(t.column('s')[3]).toBe('3');
    expect(t.column('f')[7]).toBe(7.5);
    const q = (await df.get('i').describe().compute()).toJSON().i!;
    expect(q['50%']).toBe(249.5);
  });

  it('unreadable files, type conflicts and ragged rows are errors naming the file and line', async () => {
    const good = file('a,b\n1,2\n3,4\n');
    const ragged = file('a,b\n1,2\n3,4\n5\n6,7\n');
    await expect(readCsv([good, ragged]).compute()).rejects.toThrow(`${ragged}:4: expected 2 fields, saw 1`);
    const conflict = file(`a,b\n${Array.from({ length: 300 }, (_, i) => `${i},${i}`).join('\n')}\nx,1\n`);
    // in a later block of a second file (lines are counted across the blocks of the file)
    await expect(readCsv([good, conflict], { dtype: { a: 'int64' }, blocksize: 100 }).compute()).rejects.toThrow(
      `${conflict}:302: column "a": cannot parse "x" as int64`,
    );
    const lazy = readCsv([good, conflict], { dtype: { a: 'int64' }, blocksize: 100 });
    const last = lazy.npartitions - 1;
    await expect(lazy.get('a').sum().compute()).rejects.toThrow(/:302:/);
    // only the failing partition loaded: earlier blocks are parsed to number the line
    await expect((lazy.state.source as unknown as { load: (c: undefined, p: number[], x: object) => Promise<unknown> })
      .load(undefined, [last], { options: {} })).rejects.toThrow(`${conflict}:302:`);
    // in the sample (first file): an error when the frame is made
    expect(() => readCsv(conflict, { dtype: { a: 'int64' } })).toThrow(`${conflict}:302: column "a"`);
    expect(() => readCsv([good, join(dir, 'missing.csv')])).toThrow(/missing\.csv/);
    expect(() => readCsv(join(dir, 'nothing-*.csv'))).toThrow(/matched no files/);
    const other = file('a,c\n1,2\n');
    expect(() => readCsv([good, other])).toThrow(new RegExp(`${other}:1: header`));
    const unterminated = file('a,b\n1,"2\n');
    expect(() => readCsv(unterminated)).toThrow(/:2: unterminated quoted field/);
  });

  it('rejects bad readCsv arguments', () => {
    const good = file('a\n1\n');
    expect(() => readCsv(42 as unknown as string)).toThrow(TypeError);
    expect(() => readCsv(good, { encoding: 'utf-16' })).toThrow(RangeError);
    expect(() => readCsv(good, { blocksize: -1 })).toThrow(/blocksize/);
    expect(() => readCsv(good, { blocksize: 'big' })).toThrow(/blocksize/);
    expect(() => readCsv(good, { dtype: { a: 'complex' as never } })).toThrow(/dtype\.a/);
    expect(() => readCsv(good, { dtype: { z: 'int64' } })).toThrow(/"z"/);
    expect(() => readCsv(good, { sep: ';;' })).toThrow(/sep/);
    expect(() => readCsv(good, { parseDates: ['q'] })).toThrow(/parseDates/);
    expect(() => readCsv(good, { header: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => readCsv(good, { wat: 1 } as never)).toThrow(/wat/);
  });

  it('header-only files, a byte-order mark, no final newline', async () => {
    const h = readCsv(file('a,b\n'));
    expect(await h.length().compute()).toBe(0);
    expect((await h.describe().compute()).get('a', 'count')).toBe(0);
    const b = await readCsv(file(Buffer.from('\ufeffa,b\n1,x\n2,y', 'utf8'))).compute();
    expect(b.columns).toEqual(['a', 'b']);
    expect(b.toRecords()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  });

  it('expands globs and reads blocks with other separators', async () => {
    file('a;b\n1;x\n', 'glob-1.tsv');
    file('a;b\n2;y\n', 'glob-2.tsv');
    const df = readCsv(join(dir, 'glob-?.tsv'), { sep: ';' });
    expect(df.npartitions).toBe(2);
    const t = await df.compute();
    expect(t.column('a')).toEqual([1, 2]);
    expect(t.column('b')).toEqual(['x', 'y']);
    expect((await df.head(1)).column('b')).toEqual(['x']);
  });
});
