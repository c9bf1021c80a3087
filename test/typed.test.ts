// Typed arrays against NumPy (test/fixtures/numpy/typed.json from scripts/fixtures/numpy_typed.py,
// Debian's NumPy 1.24): every elementwise op over representative dtypes (integer wrap, division
// and modulo by zero, shifts past the width, NaN/±Inf/-0), promotion of mixed dtypes, weak JS
// scalars (NEP 50), casts between all 11 dtypes and the reductions per dtype, over irregular chunks.
// Integers and IEEE-exact float operations must match bit for bit; float32 transcendentals (and
// float32 mod/floorDivide, computed through float64) within 2 float32 ulp; float reductions within
// 2 ulp of the result dtype (the summation order differs from NumPy's); float64 exp/log/sin/cos
// (the vector kernels, ~1 ulp) within 2 ulp.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { DenseArray, fromArray, type NDArray } from '../src/index.js';
import { typedArrayClass, type DType } from '../src/array/dtype.js';

interface Arr { dtype: DType; values: string[] }
interface Case { kind: 'binary' | 'unary' | 'scalar' | 'cast' | 'reduce'; op: string; inputs: Arr[]; out: Arr; scalar?: number; to?: DType; chunks?: unknown; axis?: number; shape?: number[] }
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/typed.json', import.meta.url), 'utf8')) as { cases: Case[] };

const big = (d: DType): boolean => d === 'int64' || d === 'uint64';
const num = (s: string): number => (s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : s === '-0' ? -0 : Number(s));

function input(a: Arr, chunks?: unknown, shape?: number[]): NDArray {
  const C = typedArrayClass(a.dtype) as unknown as new (n: number) => { [i: number]: number | bigint };
  const data = new C(a.values.length);
  a.values.forEach((v, i) => (data[i] = big(a.dtype) ? BigInt(v) : num(v)));
  const opts = { chunks: (chunks ?? (a.values.length === 12 ? [[3, 1, 8]] : undefined)) as never, shape, ...(a.dtype === 'bool' ? { dtype: 'bool' as const } : {}) };
  return fromArray(data as unknown as Uint8Array, opts) as NDArray;
}

// float32 ulp of v (as a float32), and float64 ulp
const ulp32 = (v: number): number => {
  const a = Math.abs(Math.fround(v));
  if (a === 0) return 2 ** -149;
  const e = Math.floor(Math.log2(a));
  return 2 ** Math.max(e - 23, -149);
};
const ulp64 = (v: number): number => {
  const a = Math.abs(v);
  if (a === 0) return 2 ** -1074;
  return 2 ** Math.max(Math.floor(Math.log2(a)) - 52, -1074);
};

const TOLERANT_F32 = new Set(['exp', 'log', 'sin', 'cos', 'tanh', 'mod', 'floorDivide']);
const TRANSCENDENTAL = new Set(['exp', 'log', 'sin', 'cos', 'tanh']);

function compare(c: Case, got: unknown, label: string): void {
  const want = c.out;
  const values: (number | bigint)[] = got instanceof DenseArray ? Array.from(got.data as ArrayLike<number | bigint>) : [typeof got === 'boolean' ? (got ? 1 : 0) : (got as number | bigint)];
  expect(values.length, label).toBe(want.values.length);
  const floatOut = want.dtype === 'float32' || want.dtype === 'float64';
  const tol = (v: number): number => {
    if (c.kind === 'reduce' && floatOut) return 2 * (want.dtype === 'float32' ? ulp32(v) : ulp64(v));
    if (want.dtype === 'float32' && TOLERANT_F32.has(c.op)) return 2 * ulp32(v);
    if (want.dtype === 'float64' && TRANSCENDENTAL.has(c.op)) return 2 * ulp64(v); // the float64 kernels: ~1 ulp
    return 0;
  };
  values.forEach((g, i) => {
    const w = want.values[i]!;
    if (big(want.dtype) && typeof g === 'bigint') {
      if (g !== BigInt(w)) throw new Error(`${label} [${i}]: got ${g}, NumPy ${w}`);
      return;
    }
    const gv = Number(g);
    const wv = num(w);
    if (Number.isNaN(wv) && Number.isNaN(gv)) return;
    if (Object.is(gv, wv)) return;
    const t = tol(wv);
    if (t > 0 && Math.abs(gv - wv) <= t) return;
    throw new Error(`${label} [${i}] (inputs ${c.inputs.map((a) => a.values[i]).join(', ')}): got ${gv}, NumPy ${w} (${want.dtype})`);
  });
}

const fn = T as unknown as Record<string, (...a: unknown[]) => NDArray>;
const method = (name: string): string => (name === 'count_nonzero' ? 'countNonzero' : name);

function build(c: Case): NDArray {
  const xs = c.inputs.map((a) => input(a, c.chunks, c.shape));
  switch (c.kind) {
    case 'binary': return fn[c.op]!(xs[0], xs[1]);
    case 'unary': return fn[c.op]!(xs[0]);
    case 'scalar': return fn[c.op]!(xs[0], c.scalar);
    case 'cast': return xs[0]!.astype(c.to!);
    case 'reduce': return (xs[0] as unknown as Record<string, (o?: unknown) => NDArray>)[method(c.op)]!(c.axis === undefined ? undefined : { axis: c.axis });
  }
}

describe('typed arrays against NumPy', () => {
  const groups = new Map<string, Case[]>();
  for (const c of fx.cases) {
    const key = `${c.kind} ${c.inputs.map((a) => a.dtype).join(',')}${c.to ? ` -> ${c.to}` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, cs] of groups) {
    it(key, async () => {
      for (const c of cs) {
        const label = `${c.op}(${c.inputs.map((a) => a.dtype).join(', ')}${c.scalar !== undefined ? `, ${c.scalar}` : ''}${c.axis !== undefined ? `, axis ${c.axis}` : ''})`;
        const x = build(c);
        expect(x.dtype, `${label} dtype`).toBe(c.out.dtype);
        compare(c, await x.compute(), label);
      }
    });
  }
});

describe('typed arrays: build-time errors and the issue examples', () => {
  it('bitwise ops and invert refuse floats naming the op, dtype and accepted dtypes (issue 14 item 5)', () => {
    const f = T.ones([3]);
    expect(() => f.bitwiseAnd(1)).toThrow(TypeError);
    expect(() => f.bitwiseAnd(1)).toThrow(/bitwiseAnd: dtype float64 is not accepted \(accepted: bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64\)/);
    expect(() => f.invert()).toThrow(/invert: dtype float64 is not accepted/);
    expect(() => T.ones([2], { dtype: 'float32' }).leftShift(1)).toThrow(/leftShift: dtype float32 is not accepted \(accepted: int8/);
  });
  it('weak integers out of range are a RangeError (NumPy 2 OverflowError)', () => {
    const u = fromArray(new Uint8Array([1, 2]));
    expect(() => u.add(300)).toThrow(RangeError);
    expect(() => u.add(-1)).toThrow(/out of bounds for uint8/);
    expect(u.add(255).dtype).toBe('uint8');
  });
  it("astype('int32') of NaN, ±inf and values beyond int32 is INT32_MIN, in vectors and tails, as NumPy on x86-64", async () => {
    // NumPy 1.24: np.array([...]).astype(np.int32) (x86's cvttpd2dq "integer indefinite" 0x80000000)
    const v = [NaN, Infinity, -Infinity, 2147483648, -2147483648, 2147483647.9, -2147483648.5, -2147483649, 1e10, -3e9, -0.5, 1.9, -1.9, 123456.7];
    const want = [-2147483648, -2147483648, -2147483648, -2147483648, -2147483648, 2147483647, -2147483648, -2147483648, -2147483648, -2147483648, 0, 1, -1, 123456];
    const xs = [...v, ...v, ...v];  // 42 values: whole vectors on every ISA, and a tail
    const got = (await fromArray(new Float64Array(xs), { chunks: 19 }).astype('int32').compute()) as DenseArray;
    expect(Array.from(got.data as Int32Array)).toEqual([...want, ...want, ...want]);
  });

  it('the issue example, scaled down', async () => {
    const i = T.arange(10);
    expect(i.dtype).toBe('int64');
    expect(await i.sum().compute()).toBe(45n);
    const x = T.random.random([300, 200], { seed: 1, chunks: [[100, 150, 50], [70, 130]] });
    const data = (await x.compute()) as DenseArray;
    const m = x.gt(0.5);
    expect(m.dtype).toBe('bool');
    const count = Array.from(data.data as Float64Array).filter((v) => v > 0.5).length;
    expect(await m.sum().compute()).toBe(BigInt(count));
    const colMax = (await x.mul(100).astype('int32').max({ axis: 0 }).compute()) as DenseArray;
    expect(colMax.data).toBeInstanceOf(Int32Array);
    const want = new Int32Array(200).fill(-(2 ** 31));
    const d = data.data as Float64Array;
    for (let r = 0; r < 300; r++) for (let c = 0; c < 200; c++) want[c] = Math.max(want[c]!, Math.trunc(d[r * 200 + c]! * 100));
    expect([...colMax.data]).toEqual([...want]);
    const s = (await fromArray(new Int16Array([1, 2, 3])).add(1).compute()) as DenseArray;
    expect(s.dtype).toBe('int16');
    expect([...s.data]).toEqual([2, 3, 4]);
    const b = (await fromArray(new BigInt64Array([2n ** 62n, 2n ** 62n])).sum().compute()) as bigint;
    expect(b).toBe(-(2n ** 63n)); // wraps as NumPy's int64
  });
  it('results are bit-identical for any chunking and 1 or 2 threads (integer sums are exact)', async () => {
    const v = new Int32Array(5000).map((_, i) => ((i * 2654435761) | 0) >> 3);
    const ref = v.reduce((a, b) => a + BigInt(b), 0n);
    for (const chunks of [[5000], [1, 999, 4000], [2500, 2500]]) {
      for (const threads of [1, 2]) {
        T.configure({ numThreads: threads });
        const x = fromArray(v, { chunks: [chunks] });
        expect(await x.sum().compute()).toBe(ref);
        expect(await x.max().compute()).toBe(Math.max(...v));
        expect(await x.argmin().compute()).toBe(BigInt(v.indexOf(Math.min(...v))));
      }
    }
    T.configure({ numThreads: 2 });
  });
  it('float32 is computed in float32 (NEP 50 constants, no float64 intermediates)', async () => {
    const a = await T.full([4], 0.1, { dtype: 'float32' }).sub(fromArray(new Float32Array(4).fill(0.1))).compute();
    expect([...(a as DenseArray).data]).toEqual([0, 0, 0, 0]);
    const b = await T.full([3], 1e39, { dtype: 'float32' }).mul(1e-10).compute();
    expect([...(b as DenseArray).data]).toEqual([Infinity, Infinity, Infinity]);
    // (1 + 2^-24) rounds to 1 in float32 before the subtraction
    const c = await T.ones([2], { dtype: 'float32' }).add(2 ** -24).sub(1).compute();
    expect([...(c as DenseArray).data]).toEqual([0, 0]);
  });
  it('cumsum/cumprod of integers and bool run in int64 (uint64 for unsigned), exactly and wrapping, across chunks', async () => {
    const v = new Int32Array([2 ** 31 - 1, 5, -3, 2 ** 31 - 1, 7, 1]);
    const x = fromArray(v, { chunks: [[2, 1, 3]] });
    const c = x.cumsum();
    expect(c.dtype).toBe('int64');
    let acc = 0n;
    expect([...((await c.compute()) as DenseArray).data]).toEqual([...v].map((e) => (acc += BigInt(e))));
    const u = fromArray(new Uint8Array([200, 100, 3]), { chunks: [[1, 2]] }).cumprod();
    expect(u.dtype).toBe('uint64');
    expect([...((await u.compute()) as DenseArray).data]).toEqual([200n, 20000n, 60000n]);
    const big = fromArray(new BigInt64Array([2n ** 62n, 2n ** 62n, 1n]), { chunks: [[1, 1, 1]] }).cumsum();
    expect([...((await big.compute()) as DenseArray).data]).toEqual([2n ** 62n, -(2n ** 63n), -(2n ** 63n) + 1n]);
    const m = fromArray(new Uint8Array([1, 0, 1, 1]), { dtype: 'bool', chunks: [[3, 1]] }).cumsum();
    expect(m.dtype).toBe('int64');
    expect([...((await m.compute()) as DenseArray).data]).toEqual([1n, 1n, 2n, 3n]);
    const f = fromArray(new Int16Array([1, 2, 3])).cumsum({ dtype: 'float64' });
    expect(f.dtype).toBe('float64');
    expect([...((await f.compute()) as DenseArray).data]).toEqual([1, 3, 6]);
    const a2 = fromArray(new Int8Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3], chunks: [[1, 1], [2, 1]] }).cumsum({ axis: 0 });
    expect([...((await a2.compute()) as DenseArray).data]).toEqual([1n, 2n, 3n, 5n, 7n, 9n]);
  });
});
