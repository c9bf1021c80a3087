// Scans (cumsum & co., Dask's cumreduction) and median/quantile/percentile against NumPy 1.24 and
// Dask 2022.12: test/fixtures/numpy/scan.json, written by scripts/fixtures/numpy_scan.py. Every
// case runs on 1 and 2 threads and must give the same bits; a scan whose chunks are Dask's must
// give Dask's bits, and NumPy's to rounding otherwise; median/quantile must give NumPy's bits.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, NDArray, configure, cumsum, fromArray, getConfig, median, percentile, quantile, random } from '../src/index.js';

type Enc = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
interface Case {
  name: string;
  op: 'cumsum' | 'cumprod' | 'nancumsum' | 'nancumprod' | 'median' | 'quantile' | 'percentile';
  shape: number[];
  dtype: 'float64' | 'float32';
  chunks: number[][];
  options: { axis?: number; keepdims?: boolean; dtype?: 'float64' | 'float32' };
  data: Enc[];
  q?: number | number[];
  expected: { shape: number[]; dtype: string; data: Enc[] };
  dask?: { chunks: number[][]; data: Enc[] };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/scan.json', import.meta.url), 'utf8')) as { cases: Case[] };
const dec = (v: Enc): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : v);

function build(c: Case): NDArray {
  const data = c.dtype === 'float32' ? Float32Array.from(c.data.map(dec)) : Float64Array.from(c.data.map(dec));
  const x = fromArray(data, { shape: c.shape, chunks: c.chunks });
  switch (c.op) {
    case 'median':
      return x.median(c.options);
    case 'quantile':
      return x.quantile(c.q!, c.options);
    case 'percentile':
      return x.percentile(c.q!, c.options);
    default:
      return x[c.op](c.options);
  }
}

async function run(c: Case): Promise<{ shape: number[]; dtype: string; data: Float64Array; chunks: number[][] }> {
  const y = build(c);
  const r = await y.compute();
  // int64 (nanargmin/nanargmax) results as numbers
  if (!(r instanceof DenseArray)) return { shape: [], dtype: y.dtype, data: Float64Array.of(Number(r)), chunks: y.chunks };
  return { shape: [...r.shape], dtype: y.dtype, data: Float64Array.from(r.data as ArrayLike<number>, Number), chunks: y.chunks };
}

const same = (g: number, e: number): boolean => Object.is(g, e);
const threads = getConfig().numThreads;
afterAll(() => configure({ numThreads: threads }));

describe('scans and quantiles vs NumPy/Dask fixtures', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      configure({ numThreads: 1 });
      const one = await run(c);
      configure({ numThreads: 2 });
      const two = await run(c);
      expect(Buffer.from(two.data.buffer).equals(Buffer.from(one.data.buffer))).toBe(true);
      expect(one.shape).toEqual(c.expected.shape);
      // indices are float64 until int64 lands (as argmin/argmax)
      expect(one.dtype).toBe(c.expected.dtype); // nanargmin/nanargmax: int64 indices, as NumPy
      const expected = c.expected.data.map(dec);
      expect(one.data.length).toBe(expected.length);
      const scan = c.dask !== undefined;
      // (Dask 2022.12 does not pass dtype= to the chunk scans: with dtype, NumPy is the reference)
      if (scan && c.options.dtype === undefined && JSON.stringify(one.chunks) === JSON.stringify(c.dask!.chunks)) {
        // Dask's cumreduction, step for step: the same bits
        c.dask!.data.map(dec).forEach((e, i) => expect(same(one.data[i]!, e), `dask [${i}] ${one.data[i]} vs ${e}`).toBe(true));
      }
      const oneChunk = scan && c.options.axis !== undefined && c.chunks[(c.options.axis + c.shape.length) % c.shape.length]!.length === 1;
      const tol = !scan || oneChunk ? 0 : c.expected.dtype === 'float32' ? 1e-5 : 1e-13;
      expected.forEach((e, i) => {
        const g = one.data[i]!;
        // which of several equal zeros (-0, +0) a selection returns is its partition's choice
        if (!scan && e === 0) expect(g === 0, `numpy [${i}] ${g} vs 0`).toBe(true);
        else if (tol === 0 || !Number.isFinite(e)) expect(same(g, e), `numpy [${i}] ${g} vs ${e}`).toBe(true);
        else expect(Math.abs(g - e) <= tol * Math.max(1, Math.abs(e)), `numpy [${i}] ${g} vs ${e}`).toBe(true);
      });
    });
  }
});

describe('scans: chunk independence, module functions, errors', () => {
  it('a scan over random data: 1 vs 2 threads identical, close to a naive loop for any chunking', async () => {
    const x = random.random([300, 50], { seed: 3, chunks: [[17, 100, 183], [50]] });
    const dense = (await x.compute()) as DenseArray;
    const naive = new Float64Array(300 * 50);
    for (let j = 0; j < 50; j++) {
      let acc = 0;
      for (let i = 0; i < 300; i++) naive[i * 50 + j] = acc = i === 0 ? dense.data[j]! : acc + dense.data[i * 50 + j]!;
    }
    configure({ numThreads: 1 });
    const a = (await cumsum(x.mul(1), { axis: 0 }).compute()) as DenseArray;
    configure({ numThreads: 2 });
    const b = (await x.mul(1).cumsum({ axis: 0 }).compute()) as DenseArray;
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    a.data.forEach((v, i) => expect(Math.abs(v - naive[i]!)).toBeLessThan(1e-12 * Math.max(1, naive[i]!)));
    // one chunk along the axis: the sequential scan's bits exactly
    const c = (await x.rechunk([[300], [10, 40]]).cumsum({ axis: 0 }).compute()) as DenseArray;
    expect(Buffer.from(c.data.buffer).equals(Buffer.from(naive.buffer))).toBe(true);
  });

  it('scan results feed further work (fused consumer reads the scan as memory)', async () => {
    const x = fromArray(Float64Array.of(1, 2, 3, 4, 5, 6), { chunks: [[2, 4]] });
    expect(await x.cumsum().max().compute()).toBe(21);
    const y = (await x.cumsum().sub(x).compute()) as DenseArray;
    expect(Array.from(y.data)).toEqual([0, 1, 3, 6, 10, 15]);
    const p = await x.cumprod().persist();
    expect(Array.from(((await p.compute()) as DenseArray).data)).toEqual([1, 2, 6, 24, 120, 720]);
  });

  it('a transposed input, a 0-d array, and float32 data with a float64 accumulator', async () => {
    const x = fromArray(Float64Array.of(1, 2, 3, 4, 5, 6), { shape: [2, 3], chunks: [[1, 1], [2, 1]] });
    const t = (await x.T.cumsum({ axis: 1 }).compute()) as DenseArray;
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([1, 5, 2, 7, 3, 9]);
    const m = (await x.T.median({ axis: 1, keepdims: true }).compute()) as DenseArray;
    expect(m.shape).toEqual([3, 1]);
    expect(Array.from(m.data)).toEqual([2.5, 3.5, 4.5]);
    const s = (await fromArray(Float64Array.of(7), { shape: [] }).cumsum().compute()) as DenseArray;
    expect(s.shape).toEqual([1]);
    expect(s.data[0]).toBe(7);
    const f = fromArray(new Float32Array(1000).fill(0.1), { chunks: [[300, 700]] });
    const f32 = (await f.cumsum().compute()) as DenseArray;
    const f64 = (await f.cumsum({ dtype: 'float64' }).compute()) as DenseArray;
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(f64.data).toBeInstanceOf(Float64Array);
    let acc = 0;
    const tenth = Math.fround(0.1);
    for (let i = 0; i < 300; i++) acc = i === 0 ? tenth : acc + tenth;
    expect(f64.data[299]).toBe(acc);
  });

  it('bool data scans as int64 counts and selects as float64 (NumPy)', async () => {
    const m = fromArray(Float64Array.of(0.2, 0.7, 0.9, 0.1), { chunks: [[1, 3]] }).gt(0.5);
    const c = (await m.cumsum().compute()) as DenseArray;
    expect(c.dtype).toBe('int64');
    expect(Array.from(c.data)).toEqual([0n, 1n, 2n, 2n]);
    expect(await m.median().compute()).toBe(0.5);
  });

  it('iterChunks over an expression reading a scan streams the scan values', async () => {
    const x = fromArray(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8), { chunks: [[3, 5]] });
    const got: number[] = [];
    for await (const { data } of x.cumsum().add(x.median()).iterChunks()) got.push(...data.data);
    expect(got).toEqual([1, 3, 6, 10, 15, 21, 28, 36].map((v) => v + 4.5));
  });

  it('median/quantile of an expression and of persisted data; module functions', async () => {
    const x = random.random([64, 33], { seed: 9, chunks: [16, 11] });
    const dense = (await x.compute()) as DenseArray;
    const col = Array.from({ length: 64 }, (_, i) => dense.data[i * 33 + 5]!).sort((p, q) => p - q);
    const m = (await median(x, { axis: 0 }).compute()) as DenseArray;
    expect(m.data[5]).toBe((col[31]! + col[32]!) / 2);
    const q = (await quantile(x.mul(2), [0, 1], { axis: 0 }).compute()) as DenseArray;
    expect(q.shape).toEqual([2, 33]);
    expect(q.data[5]).toBe(2 * col[0]!);
    expect(q.data[33 + 5]).toBe(2 * col[63]!);
    const persisted = await x.persist();
    expect(await percentile(persisted, 50).compute()).toBe(await x.median().compute());
  });

  it('graph(): a scan chunk depends on the chunks before it along the axis; toPlan refuses clearly', () => {
    const x = fromArray(new Float64Array(12), { shape: [4, 3], chunks: [[1, 3], [2, 1]] });
    const y = x.cumsum({ axis: 0 });
    const g = y.graph();
    const layer = g.layers.find((l) => l.name === y.name)!;
    expect(layer).toMatchObject({ op: 'cumsum', tasks: 4, deps: [x.name] });
    const deps = [...g.nodes()].filter((n) => n.layer === y.name && n.kind === 'task').map((n) => n.deps.length).sort();
    expect(deps).toEqual([1, 1, 2, 2]);
    expect(x.median({ axis: 0 }).graph({ optimize: true }).layers.length).toBeGreaterThan(0);
    expect(() => y.toPlan()).toThrow(/plan format version 1/);
  });

  it('refuses bad input with TypeError/RangeError naming the argument', () => {
    const x = fromArray(Float64Array.of(1, 2, 3));
    expect(() => x.cumsum({ axis: 1 })).toThrow(RangeError);
    expect(() => x.cumsum({ axis: 'a' as unknown as number })).toThrow(/axis/);
    expect(() => x.cumsum({ keepdims: true } as never)).toThrow(TypeError);
    expect(() => x.cumsum({ dtype: 'bool' as never })).toThrow(/dtype/);
    expect(() => x.quantile(1.5)).toThrow(RangeError);
    expect(() => x.percentile(-1)).toThrow(/range \[0, 100\]/);
    expect(() => x.quantile('0.5' as never)).toThrow(TypeError);
    expect(() => x.quantile([0.5, NaN])).toThrow(/q\[1\]/);
    expect(() => fromArray(new Float64Array(0)).quantile(0.5)).toThrow(/empty/);
    expect(() => x.median({ axis: [0] as never })).toThrow(TypeError);
  });
});
