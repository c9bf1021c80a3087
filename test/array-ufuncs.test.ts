// The float64 ufuncs of issue 14 against NumPy 1.24's answers (scripts/fixtures/numpy_ufuncs.py),
// fused into the block kernel, over irregular chunks and with the scalar on either side.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { DenseArray, NDArray, fromArray, full } from '../src/index.js';

interface Fixture {
  x: string[]; a: string[]; b: string[];
  unary: Record<string, string[]>;
  binary: Record<string, string[]>;
  round: Record<string, string[]>;
  clip: string[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/ufuncs.json', import.meta.url), 'utf8')) as Fixture;

const fromBits = (hex: readonly string[]): Float64Array => {
  const u = new BigUint64Array(hex.map((h) => BigInt(`0x${h}`)));
  return new Float64Array(u.buffer);
};
const bitsOf = (x: Float64Array): bigint[] => [...new BigInt64Array(x.buffer, x.byteOffset, x.length)];

/** Distance in ulps of two doubles (0 for equal, also for NaN vs NaN). */
function ulps(p: number, q: number): number {
  if (Number.isNaN(p) || Number.isNaN(q)) return Number.isNaN(p) && Number.isNaN(q) ? 0 : Infinity;
  if (p === q) return Object.is(p, q) || p !== 0 ? 0 : Infinity; // +0 vs -0 is a difference
  const b = new BigInt64Array(new Float64Array([p, q]).buffer);
  const o = (v: bigint): bigint => (v < 0n ? -(v & 0x7fffffffffffffffn) : v);
  const d = o(b[0]!) - o(b[1]!);
  return Number(d < 0n ? -d : d);
}

async function values(a: NDArray<T.Computed>): Promise<Float64Array> {
  const r = await a.compute();
  expect(r).toBeInstanceOf(DenseArray);
  return (r as DenseArray).data as Float64Array;
}

function expectClose(got: Float64Array, want: Float64Array, maxUlp: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const u = ulps(got[i]!, want[i]!);
    if (u > maxUlp) throw new Error(`${what}[${i}]: got ${Object.is(got[i], -0) ? '-0' : got[i]} want ${Object.is(want[i], -0) ? '-0' : want[i]} (${u} ulp)`);
  }
}

// IEEE-exact operations must match bit for bit (NaN as NaN); the libm ones are glibc's, as NumPy's
// scalar loops (NumPy may use its own SIMD versions on AVX-512 hosts: a few ulp).
const exact = new Set(['square', 'reciprocal', 'sign', 'floor', 'ceil', 'trunc', 'rint', 'deg2rad', 'rad2deg', 'copysign', 'fmod', 'mod', 'floorDivide']);
const x = fromBits(fx.x);
const a = fromBits(fx.a);
const b = fromBits(fx.b);
const chunks = (n: number): number[] => [7, 1, 30, n - 38];

describe('float64 ufuncs against NumPy', () => {
  for (const [name, want] of Object.entries(fx.unary)) {
    it(`${name}: method and function`, async () => {
      const arr = fromArray(x, { chunks: [chunks(x.length)] });
      const method = (arr as unknown as Record<string, () => NDArray<T.Computed>>)[name]!.call(arr);
      const fn = (T as unknown as Record<string, (v: NDArray<T.Computed>) => NDArray<T.Computed>>)[name]!(arr);
      const tol = exact.has(name) ? 0 : 4;
      expectClose(await values(method), fromBits(want), tol, name);
      expectClose(await values(fn), fromBits(want), tol, name);
    });
  }
  for (const [name, want] of Object.entries(fx.binary)) {
    it(`${name}: array-array, array-scalar and scalar-array`, async () => {
      const w = fromBits(want);
      const tol = exact.has(name) ? 0 : 2;
      const fn = (T as unknown as Record<string, (p: unknown, q: unknown) => NDArray<T.Computed>>)[name]!;
      const A = fromArray(a, { chunks: [chunks(a.length)] });
      const B = fromArray(b, { chunks: [[100, a.length - 100]] });
      expectClose(await values(fn(A, B)), w, tol, `${name}(A, B)`);
      expectClose(await values((A as unknown as Record<string, (o: unknown) => NDArray<T.Computed>>)[name]!.call(A, B)), w, tol, `A.${name}(B)`);
      // scalars either side: pick a row of the table whose other operand is a constant
      for (const j of [0, 3, 7, 9, 12]) {
        const s = b[j]!; // column j of the special square: b is s at rows j, j+13, ...
        const rows = [...Array(13).keys()].map((i) => i * 13 + j);
        const lhs = new Float64Array(rows.map((r) => a[r]!));
        const got = await values(fn(fromArray(lhs), s));
        expectClose(got, new Float64Array(rows.map((r) => w[r]!)), tol, `${name}(A, ${s})`);
        const t = a[j * 13]!; // row block j: a is t for rows j*13 .. j*13+12
        const rhs = new Float64Array([...Array(13).keys()].map((i) => b[j * 13 + i]!));
        const got2 = await values(fn(t, fromArray(rhs)));
        expectClose(got2, new Float64Array([...Array(13).keys()].map((i) => w[j * 13 + i]!)), tol, `${name}(${t}, B)`);
      }
    });
  }
  it('remainder is mod', async () => {
    expectClose(await values(T.remainder(fromArray(a), fromArray(b))), fromBits(fx.binary.mod!), 0, 'remainder');
    expectClose(await values(fromArray(a).remainder(fromArray(b))), fromBits(fx.binary.mod!), 0, 'remainder');
  });
  it('round(decimals) as np.round', async () => {
    for (const [d, want] of Object.entries(fx.round)) {
      expectClose(await values(fromArray(x).round(Number(d))), fromBits(want), 0, `round(${d})`);
      expectClose(await values(T.round(fromArray(x), Number(d))), fromBits(want), 0, `round(${d})`);
    }
    expect(() => fromArray(x).round(0.5)).toThrow(TypeError);
  });
  it('clip(lo, hi) as np.clip, NaN propagating', async () => {
    expectClose(await values(fromArray(x).clip(-1.5, 2)), fromBits(fx.clip), 0, 'clip');
    expectClose(await values(T.clip(fromArray(x), -1.5, 2)), fromBits(fx.clip), 0, 'clip');
    const lo = await values(fromArray(new Float64Array([-3, 0, 3])).clip(null, 1));
    expect([...lo]).toEqual([-3, 0, 1]);
    expect(() => fromArray(x).clip(null, null)).toThrow(TypeError);
  });
  it("clip's three operands meet in their result_type, as np.clip's one ufunc (not maximum's, then minimum's)", async () => {
    // np.clip(uint16 [1, 300, 5], int16 0-d 2, float32 [250.5, 250.5, 4.5]) -> float32 [2, 250.5, 4.5]
    const c = fromArray(new Uint16Array([1, 300, 5])).clip(fromArray(new Int16Array([2]), { shape: [] }), fromArray(new Float32Array([250.5, 250.5, 4.5])));
    expect(c.dtype).toBe('float32');
    expect(Array.from((await c.compute()).data as Float32Array)).toEqual([2, 250.5, 4.5]);
    // int8 with a weak float bound is float64 (NEP 50), as before
    expect(fromArray(new Int8Array([1, 9])).clip(2.5, null).dtype).toBe('float64');
  });
  it('fuses several new ops in one expression and reduces them', async () => {
    // sum over k of floor(k / 3) for k < 300 = 3 * (0 + ... + 99) = 14850
    const s = await T.arange(300, { chunks: [[17, 100, 183]] }).floorDivide(3).sum().compute();
    expect(s).toBe(14850n); // arange of integers is int64; its sum is an exact int64 (bigint)
    const h = await values(T.hypot(full([4], 3), full([4], 4)).square());
    expect([...h]).toEqual([25, 25, 25, 25]);
  });
});

describe('issue 14 defects (typed constants)', () => {
  it('full([2], -0) keeps the sign; neg gives +0', async () => {
    expect(bitsOf(await values(full([2], -0)))).toEqual([-0x8000000000000000n, -0x8000000000000000n]);
    const n = await values(full([2], -0).neg());
    expect(Object.is(n[0], 0) && Object.is(n[1], 0)).toBe(true);
  });
  it('float32 constants and scalars are float32 values', async () => {
    const d = await full([4], 0.1, { dtype: 'float32' }).sub(fromArray(new Float32Array(4).fill(0.1))).compute();
    expect([...(d as DenseArray).data]).toEqual([0, 0, 0, 0]);
    const inf = await full([3], 1e39, { dtype: 'float32' }).mul(1e-10).compute();
    expect([...(inf as DenseArray).data]).toEqual([Infinity, Infinity, Infinity]);
    // a weak scalar takes the float32 array's type: 0.1 is rounded to float32 before the add
    const y = await fromArray(new Float32Array([0])).add(0.1).compute();
    expect((y as DenseArray).data[0]).toBe(Math.fround(0.1));
  });
});

describe('module functions take plain numbers', () => {
  it('add(1, 2) and friends give 0-d float64 results, as NumPy', async () => {
    expect(await T.add(1, 2).compute()).toBe(3);
    expect(await T.floorDivide(-7, 2).compute()).toBe(-4);
    expect(await T.mod(-7, 2).compute()).toBe(1);
    expect(await T.arctan2(1, 1).compute()).toBe(Math.atan2(1, 1));
    expect(T.add(1, 2).dtype).toBe('float64');
    expect(T.add(1, 2).shape).toEqual([]);
  });
});

describe('bool results: comparisons, logical operations, predicates (NumPy)', () => {
  const bx = fx as unknown as { compare: Record<string, number[]>; predicate: Record<string, number[]>; logicalNot: number[]; f32gt: number[]; f32ge: number[] };
  async function bools(arr: NDArray<T.Computed>): Promise<number[]> {
    expect(arr.dtype).toBe('bool');
    const r = await arr.compute();
    expect((r as DenseArray).data).toBeInstanceOf(Uint8Array);
    expect((r as DenseArray).dtype).toBe('bool');
    return [...(r as DenseArray).data];
  }
  for (const [name, want] of Object.entries(bx.compare)) {
    it(`${name}: arrays either side, scalars either side`, async () => {
      const fn = (T as unknown as Record<string, (p: unknown, q: unknown) => NDArray<T.Computed>>)[name]!;
      const A = fromArray(a, { chunks: [chunks(a.length)] });
      const B = fromArray(b, { chunks: [[100, b.length - 100]] });
      expect(await bools(fn(A, B))).toEqual(want);
      const rows = [...Array(13).keys()].map((i) => i * 13 + 4); // b is 3 (bspecial[4]) at these rows
      expect(await bools(fn(fromArray(new Float64Array(rows.map((r) => a[r]!))), 3))).toEqual(rows.map((r) => want[r]));
      const cols = [...Array(13).keys()].map((i) => 4 * 13 + i); // a is 3 at these
      expect(await bools(fn(3, fromArray(new Float64Array(cols.map((r) => b[r]!)))))).toEqual(cols.map((r) => want[r]));
    });
  }
  for (const [name, want] of Object.entries(bx.predicate)) {
    it(name, async () => {
      expect(await bools((fromArray(x, { chunks: [chunks(x.length)] }) as unknown as Record<string, () => NDArray<T.Computed>>)[name]!.call(fromArray(x)))).toEqual(want);
      expect(await bools((T as unknown as Record<string, (v: NDArray<T.Computed>) => NDArray<T.Computed>>)[name]!(fromArray(x)))).toEqual(want);
    });
  }
  it('logicalNot, and bool inputs (Uint8Array, any nonzero byte is true)', async () => {
    expect(await bools(fromArray(x).logicalNot())).toEqual(bx.logicalNot);
    const m = fromArray(new Uint8Array([0, 1, 2, 0]), { dtype: 'bool' });
    expect(m.dtype).toBe('bool');
    expect(await bools(m)).toEqual([0, 1, 1, 0]);
    expect(await bools(m.logicalNot())).toEqual([1, 0, 0, 1]);
    expect(await bools(m.logicalAnd(fromArray(new Uint8Array([1, 1, 1, 1]), { dtype: 'bool' })))).toEqual([0, 1, 1, 0]);
  });
  it('float32 compared with a JS number rounds the number to float32 (NEP 50)', async () => {
    const x32 = fromArray(new Float32Array(x));
    expect(await bools(x32.gt(0.1))).toEqual(bx.f32gt);
    expect(await bools(x32.ge(0.7))).toEqual(bx.f32ge);
  });
  it('a mask in float arithmetic is 0/1; its sum counts exactly in int64 (a bigint, as NumPy)', async () => {
    const r = T.random.random([1000], { seed: 3, chunks: [[1, 499, 500]] });
    const v = (await r.compute()) as DenseArray;
    const count = [...v.data].filter((q) => q > 0.5).length;
    const m = r.gt(0.5);
    expect(await m.sum().compute()).toBe(BigInt(count));
    const kept = (await r.mul(m).compute()) as DenseArray;
    expect([...kept.data]).toEqual([...v.data].map((q) => (q > 0.5 ? q : 0)));
    expect(m.sum().dtype).toBe('int64');
  });
  it('bool operands: NumPy loop resolution (exp in float32: no float16; bool + bool has no add loop; bool + 1 is int64)', async () => {
    const m = fromArray(new Uint8Array([1, 0]), { dtype: 'bool' });
    expect(m.exp().dtype).toBe('float32');
    expect(m.add(m).dtype).toBe('bool'); // logical or, as NumPy
    expect(() => m.sub(m)).toThrow(/sub: dtype bool is not accepted/);
    expect(m.add(1).dtype).toBe('int64');
    expect([...((await m.add(1).compute()) as DenseArray).data]).toEqual([2n, 1n]);
    expect(() => fromArray(new Float64Array(2), { dtype: 'bool' })).toThrow(/takes a Uint8Array/);
  });
});

describe('where(cond, x, y)', () => {
  const wx = fx as unknown as { where: string[]; whereTruthy: string[] };
  it('as np.where, fused with its branches, over irregular chunks', async () => {
    const X = fromArray(x, { chunks: [chunks(x.length)] });
    expectClose(await values(T.where(X.gt(0.5), X.sqrt(), X.neg())), fromBits(wx.where), 0, 'where');
    // the condition's truthiness is NumPy's: nonzero and NaN are true; numbers for both branches
    expectClose(await values(T.where(X, 1, -0)), fromBits(wx.whereTruthy), 0, 'where(x, 1, -0)');
  });
  it('a shared false branch is copied, not overwritten', async () => {
    const X = fromArray(new Float64Array([1, 2, 3, 4]));
    const y = X.mul(10);
    const w = T.where(X.gt(2), X, y);
    const r = (await T.compute(w, y.add(w))) as DenseArray[];
    expect([...r[0]!.data]).toEqual([10, 20, 3, 4]);
    expect([...r[1]!.data]).toEqual([20, 40, 33, 44]);
    expect([...((await T.where(X.gt(2), y, y).compute()) as DenseArray).data]).toEqual([10, 20, 30, 40]);
  });
  it('broadcasts cond, x and y; a constant condition', async () => {
    const col = fromArray(new Float64Array([1, 0, 1]), { shape: [3, 1] });
    const row = fromArray(new Float64Array([5, 6]));
    const r = (await T.where(col, row, -1).compute()) as DenseArray;
    expect(r.shape).toEqual([3, 2]);
    expect([...r.data]).toEqual([5, 6, -1, -1, 5, 6]);
    expect([...((await T.where(1, row, 0).compute()) as DenseArray).data]).toEqual([5, 6]);
    expect([...((await T.where(0, row, 7).compute()) as DenseArray).data]).toEqual([7, 7]);
  });
  it('sums as its closed form: where(x > 0.5, x, 0).sum() is the sum of the values above 0.5', async () => {
    const r = T.random.random([5000], { seed: 9, chunks: [[1000, 1, 3999]] });
    const v = (await r.compute()) as DenseArray;
    const got = (await T.where(r.gt(0.5), r, 0).compute()) as DenseArray;
    expect([...got.data]).toEqual([...v.data].map((q) => (q > 0.5 ? q : 0)));
  });
  it('refuses three numbers and bad operands', () => {
    expect(() => T.where(1, 2, 3)).toThrow(TypeError);
    expect(() => T.where('a' as never, fromArray(x), 1)).toThrow(/where: cond must be an NDArray, a number or a bigint/);
  });
});

describe('isclose, allclose, arrayEqual, nanToNum (NumPy)', () => {
  const cx = fx as unknown as {
    near: string[]; isclose: Record<string, number[]>; allclose: Record<string, boolean>;
    nanToNum: string[]; nanToNumOpts: string[]; nanToNum32: string[];
  };
  const bools = async (arr: NDArray<T.Computed>): Promise<number[]> => [...((await arr.compute()) as DenseArray).data];
  const near = fromBits(cx.near);
  it('isclose: pairs with inf/NaN/-0, near pairs, options, a scalar', async () => {
    expect(await bools(T.isclose(fromArray(a), fromArray(b)))).toEqual(cx.isclose.pairs);
    expect(await bools(T.isclose(fromArray(a), fromArray(b), { equalNan: true }))).toEqual(cx.isclose.pairsNan);
    expect(await bools(T.isclose(fromArray(x, { chunks: [chunks(x.length)] }), fromArray(near)))).toEqual(cx.isclose.near);
    expect(await bools(T.isclose(fromArray(x), fromArray(near), { rtol: 1e-6, atol: 0 }))).toEqual(cx.isclose.nearTight);
    expect(await bools(T.isclose(fromArray(x), 0.5, { atol: 0.1 }))).toEqual(cx.isclose.scalar);
    expect(() => T.isclose(fromArray(x), 1, { rtol: 'a' as never })).toThrow(TypeError);
    expect(() => T.isclose(fromArray(x), 1, { tol: 1 } as never)).toThrow(/unknown option/);
  });
  it('allclose and arrayEqual are lazy 0-d bools', async () => {
    const fin = [...x.keys()].filter((i) => Number.isFinite(x[i]!));
    const xf = fromArray(new Float64Array(fin.map((i) => x[i]!)));
    const nf = fromArray(new Float64Array(fin.map((i) => near[i]!)));
    expect(await T.allclose(xf, nf).compute()).toBe(cx.allclose.near);
    expect(await T.allclose(xf, nf, { rtol: 1e-6, atol: 0 }).compute()).toBe(cx.allclose.nearTight);
    expect(T.allclose(xf, nf).dtype).toBe('bool');
    expect(await T.allclose(fromArray(new Float64Array(0)), fromArray(new Float64Array(0))).compute()).toBe(true);
    expect(await T.arrayEqual(xf, xf).compute()).toBe(true);
    expect(await T.arrayEqual(fromArray(x), fromArray(x)).compute()).toBe(false); // NaN != NaN
    expect(await T.arrayEqual(xf, nf).compute()).toBe(false);
    expect(await T.arrayEqual(xf, fromArray(new Float64Array(3))).compute()).toBe(false); // shapes differ
  });
  it('nanToNum: defaults (float64 and float32 extremes) and options', async () => {
    expectClose(await values(T.nanToNum(fromArray(x))), fromBits(cx.nanToNum), 0, 'nanToNum');
    expectClose(await values(T.nanToNum(fromArray(x), { nan: -1, posinf: 9, neginf: -9 })), fromBits(cx.nanToNumOpts), 0, 'nanToNum(opts)');
    const r32 = (await T.nanToNum(fromArray(new Float32Array(x))).compute()) as DenseArray;
    expectClose(new Float64Array(r32.data), fromBits(cx.nanToNum32), 0, 'nanToNum float32');
  });
  it('nanToNum: integer and bool arrays come back unchanged (NumPy); bigint replacements are numbers', async () => {
    // np.nan_to_num(np.arange(3)) -> array([0, 1, 2]) (int64); the float defaults do not apply
    const i = T.nanToNum(T.arange(3));
    expect(i.dtype).toBe('int64');
    expect([...((await i.compute()) as DenseArray).data]).toEqual([0n, 1n, 2n]);
    expect([...((await T.nanToNum(fromArray(new Uint8Array([1, 0, 1])).astype('bool')).compute()) as DenseArray).data]).toEqual([1, 0, 1]);
    // np.nan_to_num([nan, inf, -inf], nan=2, posinf=3, neginf=-3) -> [2., 3., -3.]
    expect([...await values(T.nanToNum(fromArray(new Float64Array([NaN, Infinity, -Infinity])), { nan: 2n, posinf: 3n, neginf: -3n }))]).toEqual([2, 3, -3]);
    expect(() => T.nanToNum(fromArray(x), { nan: 'a' as never })).toThrow(/nan must be a number or bigint/);
  });
});

describe('astype (the cast instruction)', () => {
  it('float64 -> float32 rounds inside the expression; -> bool is x != 0 (NaN true); bool -> float is 0/1', async () => {
    const X = fromArray(x, { chunks: [chunks(x.length)] });
    const f = X.astype('float32');
    expect(f.dtype).toBe('float32');
    // rounded before the subtraction: x - float32(x) is float64 math on the rounded value
    const d = await values(X.sub(f.astype('float64')));
    expect([...d].map((v, i) => Object.is(v, x[i]! - Math.fround(x[i]!)) || (Number.isNaN(v) && Number.isNaN(x[i]! - Math.fround(x[i]!))))).toEqual([...d].map(() => true));
    const m = await X.astype('bool').compute();
    expect([...(m as DenseArray).data]).toEqual([...x].map((v) => (v !== 0 ? 1 : 0)));
    const back = await X.gt(0.5).astype('float64').compute();
    expect([...(back as DenseArray).data]).toEqual([...x].map((v) => (v > 0.5 ? 1 : 0)));
    expect(X.astype('float64')).toBe(X);
    // to an integer dtype: truncation toward zero; beyond int32, INT32_MIN (NumPy on x86-64:
    // np.array([1.7, -1.7, 300.5, -0.2, 2**31 + 5]).astype('int32') is [1 -1 300 0 -2147483648])
    const ints = await fromArray(new Float64Array([1.7, -1.7, 300.5, -0.2, 2 ** 31 + 5])).astype('int32').compute();
    expect([...(ints as DenseArray).data]).toEqual([1, -1, 300, 0, -2147483648]);
    expect(() => X.astype('int31' as never)).toThrow(/astype: dtype must be one of the dtypes bool, int8/);
  });
  it('the plan spells a cast ["cast", dst, a, "float32"] and round-trips through the codec', async () => {
    const X = fromArray(new Float64Array([0.1, 1e39]));
    const y = X.astype('float32').astype('float64').mul(1);
    const plan = T.toPlan(y);
    const prog = (plan.stages[0] as unknown as { program: unknown[][] }).program;
    expect(prog.filter((i) => i[0] === 'cast').map((i) => i[3])).toEqual(['float32', 'float64']);
    const { inputs } = T.exportPlan(y);
    const [out] = (await T.execute(JSON.parse(JSON.stringify(plan)), inputs)) as DenseArray[];
    expect([...out!.data]).toEqual([Math.fround(0.1), Infinity]);
  });
});

describe('bool arrays through persist and iterChunks', () => {
  it('persist keeps bool bytes; chunks stream as Uint8Array', async () => {
    const x = fromArray(new Float64Array([0.1, 0.9, 0.5, 0.7, NaN]), { chunks: [[2, 3]] });
    const m = await x.gt(0.5).persist();
    expect(m.dtype).toBe('bool');
    expect([...((await m.compute()) as DenseArray).data]).toEqual([0, 1, 0, 1, 0]);
    expect(await T.where(m, x, 0).sum().compute()).toBe(0.9 + 0.7);
    const parts: number[][] = [];
    for await (const c of x.isnan().iterChunks()) parts.push([...(c.data as DenseArray).data]);
    expect(parts).toEqual([[0, 0], [0, 0, 1]]);
  });
});

describe('integer powers and the method forms of nanToNum / isclose', () => {
  it('an integer array to a negative integer scalar power is a RangeError, as NumPy\'s ValueError', async () => {
    const a = fromArray(new Int32Array([-5, 8, 2]));
    expect(() => a.pow(-1)).toThrow(RangeError);
    expect(() => a.pow(-2n)).toThrow(/integers to negative integer powers are not allowed/);
    expect(() => T.pow(a, -1)).toThrow(RangeError);
    // a float exponent makes the result float64 (NumPy: np.array([-5, 8, 2], 'int32') ** -1.5 is float64)
    const f = await a.pow(-1.5).compute();
    expect(f.dtype).toBe('float64');
    // pow is libm's per ISA: within an ulp of JS's ** (NumPy: [nan, 0.04419417382415922, 0.3535533905932738])
    expect(f.data[0]).toBeNaN();
    expect(f.data[1]).toBeCloseTo(8 ** -1.5, 15);
    expect(f.data[2]).toBeCloseTo(2 ** -1.5, 15);
    expect(Array.from((await a.pow(2).compute()).data)).toEqual([25, 64, 4]);
  });
  it('x.nanToNum() and x.isclose(y) are the module functions', async () => {
    const x = fromArray([1, NaN, Infinity, -Infinity]);
    expect(Array.from((await x.nanToNum().compute()).data)).toEqual([1, 0, Number.MAX_VALUE, -Number.MAX_VALUE]);
    expect(Array.from((await x.nanToNum({ nan: -1, posinf: 9 }).compute()).data)).toEqual([1, -1, 9, -Number.MAX_VALUE]);
    // np.isclose([1, 2, nan], [1, 2.1, nan]) = [True, False, False]
    expect(Array.from((await fromArray([1, 2, NaN]).isclose(fromArray([1, 2.1, NaN])).compute()).data)).toEqual([1, 0, 0]);
    expect(Array.from((await fromArray([1, 2, NaN]).isclose(fromArray([1, 2.1, NaN]), { equalNan: true }).compute()).data)).toEqual([1, 0, 1]);
  });
});

describe('the float functions of two integer arrays run NumPy\'s first float loop both cast to', () => {
  it('arctan2(int8, uint16) and hypot(int16, uint16) are float32, copysign(int32, int8) float64 (int8 + uint16 is int32)', async () => {
    const a = fromArray(new Int8Array([3, -4]));
    const b = fromArray(new Uint16Array([4, 3]));
    expect(a.add(b).dtype).toBe('int32');
    const r = await a.arctan2(b).compute();
    // NumPy: np.arctan2(int8 [3, -4], uint16 [4, 3]) = float32 [0.6435011, -0.9272952]
    expect(r.dtype).toBe('float32');
    expect(Array.from(r.data)).toEqual([Math.fround(Math.atan2(3, 4)), Math.fround(Math.atan2(-4, 3))]);
    const h = await T.hypot(fromArray(new Int16Array([3, 5])), fromArray(new Uint16Array([4, 12]))).compute();
    expect(h.dtype).toBe('float32');
    expect(Array.from(h.data)).toEqual([5, 13]);
    expect(T.copysign(fromArray(new Int32Array([3])), fromArray(new Int8Array([-1]))).dtype).toBe('float64');
  });
});
