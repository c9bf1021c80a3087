// Reductions against NumPy's answers: test/fixtures/numpy/reductions.json, written by
// scripts/fixtures/numpy_reductions.py with Debian's NumPy 1.24 and Dask 2022.12. Issue 14's
// defects: empty-axis reductions, prod with a 0 past overflow, var/std on offset data, zero-size
// chunks. Every case also runs on 1 and 2 threads and must give the same bits.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, NDArray, arange, configure, fromArray, getConfig, ones, zeros } from '../src/index.js';

type Enc = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
interface Case {
  name: string;
  op: 'sum' | 'prod' | 'min' | 'max' | 'mean' | 'var' | 'std' | 'nansum' | 'nanprod' | 'nanmean' | 'nanvar' | 'nanstd'
    | 'nanmin' | 'nanmax' | 'any' | 'all' | 'count_nonzero' | 'ptp' | 'argmin' | 'argmax';
  shape: number[];
  chunks: number | number[][];
  options: { axis?: number | number[]; keepdims?: boolean; ddof?: number };
  daskChunks: number[][];
  expected: { shape: number[]; data: Enc[] };
  /** var/std: the exact moment (rationals), which NumPy's two-pass misses on offset data */
  exact?: Enc[];
  source?: 'zeros' | 'ones' | 'arange';
  /** reduce input.T (NumPy's x.T) */
  transpose?: boolean;
  data?: Enc[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/reductions.json', import.meta.url), 'utf8')) as { cases: Case[] };

const dec = (v: Enc): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : v);

function input(c: Case): NDArray<DenseArray> {
  const chunks = c.chunks;
  if (c.source === 'zeros') return zeros(c.shape, { chunks }) as NDArray<DenseArray>;
  if (c.source === 'ones') return ones(c.shape, { chunks }) as NDArray<DenseArray>;
  // the fixtures' np.arange(1e7) is float64 (a Python float); JS cannot tell 1e7 from an integer
  if (c.source === 'arange') return arange(c.shape.reduce((a, b) => a * b, 1), { chunks, dtype: 'float64' });
  return fromArray(Float64Array.from(c.data!.map(dec)), { shape: c.shape, chunks });
}

async function run(c: Case): Promise<{ shape: number[]; data: Float64Array }> {
  const x = c.transpose ? input(c).T : input(c);
  const method = c.op === 'count_nonzero' ? 'countNonzero' : c.op;
  const r = await (x[method] as (o: Case['options']) => NDArray<DenseArray | number>).call(x, c.options).compute();
  // bool (any/all) and int64 (count_nonzero, argmin/argmax) results as numbers
  if (!(r instanceof DenseArray)) return { shape: [], data: Float64Array.of(Number(r)) };
  return { shape: [...r.shape], data: Float64Array.from(r.data as ArrayLike<number>, Number) };
}

// NumPy's pairwise sums differ from ours in the last bits on irregular chunks: relative 4e-16
// per element of the sum tree depth; var/std against the exact moment to 2e-15 (NumPy's two-pass
// is itself 4e-14 off on 1e9 + U[0,1): its mean's rounding error squared).
function tolerance(op: Case['op']): number {
  if (['min', 'max', 'nanmin', 'nanmax', 'any', 'all', 'count_nonzero', 'ptp', 'argmin', 'argmax'].includes(op)) return 0;
  return op === 'prod' || op === 'nanprod' ? 1e-13 : 2e-15;
}

const threads = getConfig().numThreads;
afterAll(() => configure({ numThreads: threads }));

describe('reductions vs NumPy fixtures', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      expect(input(c).chunks).toEqual(c.daskChunks);
      configure({ numThreads: 1 });
      const one = await run(c);
      configure({ numThreads: 2 });
      const two = await run(c);
      expect(Buffer.from(two.data.buffer).equals(Buffer.from(one.data.buffer))).toBe(true);
      expect(one.shape).toEqual(c.expected.shape);
      expect(one.data.length).toBe(c.expected.data.length);
      const tol = tolerance(c.op);
      (c.exact ?? c.expected.data).map(dec).forEach((e, i) => {
        const g = one.data[i]!;
        if (Number.isNaN(e) || !Number.isFinite(e) || e === 0) expect(Object.is(g, e) || (e === 0 && g === 0 && tol > 0), `[${i}] ${g} vs ${e}`).toBe(true);
        // sums of mixed signs cancel: their error is relative to the addends (here |x| < 1)
        else expect(Math.abs(g - e) <= tol * Math.max(Math.abs(e), c.op.includes('sum') || c.op.includes('mean') ? 1 : 0), `[${i}] ${g} vs ${e}`).toBe(true);
      });
    });
  }
});

describe('reduction defects (issue 14 item 4), closed forms', () => {
  it('prod past DBL_MAX then back into range is the exact product (NumPy overflows to inf)', async () => {
    const p = await fromArray([1e200, 1e200, 1e-200, 1e-200], { chunks: 1 }).prod().compute();
    expect(Math.abs(p - 1)).toBeLessThan(1e-15);
  });
  it("var of Dask's test_moment data is NumPy's two-pass result", async () => {
    const d = new Float64Array(30).map((_, i) => [1, 2, 3][i % 3]! + 1e8);
    const v = await fromArray(d, { shape: [3, 10], chunks: [[1, 2], [5, 5]] }).var().compute();
    expect(Math.abs(v - 2 / 3)).toBeLessThan(2e-16);
  });
  it('bad input: argmax over several axes, argmax/nanmin/ptp of an empty axis, ddof where NumPy has none', () => {
    const x = ones([3, 4]);
    expect(() => x.argmax({ axis: [0, 1] } as never)).toThrow(TypeError);
    expect(() => x.argmax({ axis: [0, 1] } as never)).toThrow(/argmax: axis must be one integer or null/);
    expect(() => zeros([0, 3]).argmin({ axis: 0 })).toThrow(RangeError);
    expect(() => zeros([0, 3]).nanmin({ axis: 0 })).toThrow(/zero-size array to reduction operation nanmin/);
    expect(() => zeros([0, 3]).ptp()).toThrow(RangeError);
    expect(() => x.nansum({ ddof: 1 } as never)).toThrow(/nansum: unknown option "ddof"|nansum: unknown option/);
    expect(() => x.argmax({ axis: 2 })).toThrow(RangeError);
  });
  it('reductions over axis 0 of column-strided chunks (the staged walk, box.cc): a naive loop, and the bits of the same values read with stride 1', async () => {
    const R = 1500, C = 20;
    const x = Float64Array.from({ length: R * C }, (_, i) => Math.sin(i * 0.37) * 10 + (i % 7));
    x[R * C / 3 + 5] = NaN;
    const xt = new Float64Array(R * C);  // x transposed in memory: fromArray(xt).T reads axis 0 with stride 1
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) xt[c * R + r] = x[r * C + c]!;
    for (const chunks of [[[R], [7, 7, 6]], [[1100, 400], [C]]] as const) {
      const a = fromArray(x, { shape: [R, C], chunks: chunks as never });
      const b = fromArray(xt, { shape: [C, R], chunks: [chunks[1], chunks[0]] as never }).T;
      for (const op of ['sum', 'mean', 'std', 'min', 'max', 'nansum'] as const) {
        const got = (await a[op]({ axis: 0 }).compute()).data as Float64Array;
        const same = (await b[op]({ axis: 0 }).compute()).data as Float64Array;
        expect(Array.from(got, (v) => Object.is(v, -0) ? 0 : v)).toEqual(Array.from(same, (v) => Object.is(v, -0) ? 0 : v));
        for (let c = 0; c < C; c++) {
          const col = Array.from({ length: R }, (_, r) => x[r * C + c]!);
          const fin = col.filter((v) => !Number.isNaN(v));
          const mean = col.reduce((s, v) => s + v, 0) / R;
          const want = op === 'sum' ? col.reduce((s, v) => s + v, 0) : op === 'mean' ? mean
            : op === 'std' ? Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / R)
            : op === 'min' ? (fin.length < R ? NaN : Math.min(...col)) : op === 'max' ? (fin.length < R ? NaN : Math.max(...col))
            : fin.reduce((s, v) => s + v, 0);
          if (Number.isNaN(want)) expect(got[c]).toBeNaN();
          else expect(Math.abs(got[c]! - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        }
      }
    }
  });
  it('argmax of a large random array: the first maximum, 1 vs 2 threads, any chunking', async () => {
    const data = Float64Array.from({ length: 100000 }, (_, i) => Math.floor(Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1000));
    let best = 0;
    for (let i = 1; i < data.length; i++) if (data[i]! > data[best]!) best = i;
    for (const chunks of [[100000], [333], [[1, 99998, 1]], [[50000, 0, 50000]]] as const) {
      expect(await fromArray(data, { chunks: chunks as never }).argmax().compute()).toBe(BigInt(best)); // int64 index, as NumPy
    }
  });
  it("dtype: float32 data summed into a float64 result, and a float64 mean rounded to float32 (NumPy's dtype=)", async () => {
    const d = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(0.1 * (i % 7)));
    let exact = 0;
    for (const v of d) exact += v;
    const x = fromArray(d, { chunks: 100 });
    const s = x.sum({ dtype: 'float64' });
    expect(s.dtype).toBe('float64');
    expect(Math.abs((await s.compute()) as number - exact)).toBeLessThan(1e-12);
    expect(x.sum().dtype).toBe('float32');
    expect((await x.sum().compute()) as number).toBe(Math.fround((await s.compute()) as number));
    const m = fromArray(new Float64Array([1, 2, 4]), {}).mean({ dtype: 'float32' });
    expect(m.dtype).toBe('float32');
    expect(await m.compute()).toBe(Math.fround(7 / 3));
    expect(() => x.max({ dtype: 'float64' })).toThrow(/max: unknown option "dtype"|max: unknown option/);
    expect(() => x.sum({ dtype: 'int7' as never })).toThrow(TypeError);
  });
  it('zero-size chunks report as given, and stream/compute their elements', async () => {
    const x = arange(10, { chunks: [[0, 4, 0, 6]] });
    expect(x.chunks).toEqual([[0, 4, 0, 6]]);
    expect(x.numblocks).toEqual([4]);
    expect(x.dtype).toBe('int64'); // arange of integers, as NumPy
    expect(Array.from((await x.add(1).compute()).data)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  });
});
