// What the typed kernels must compute, as NumPy does: integer wrapping, integer division and
// modulo by zero, shifts by the bit width or more, IEEE float division, and casts. Each fixture row
// (test/fixtures/numpy/dtype.json, from scripts/fixtures/numpy_dtype.py) is checked against a
// closed form written here with BigInt and Math — the reference the C++ kernels can be held to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DType, type IntegerDType, isInteger, itemsize, kind } from '../src/array/dtype.js';

/** What NumPy returned: an array's dtype and values (or, never expected here, an exception). */
interface Result { dtype: string; values: string[]; error?: string }
interface Row { dtype: IntegerDType; op: string; a: string[]; b?: string; result: Result }
interface FloatRow { dtype: 'float32' | 'float64'; op: string; a: string[]; b: string; result: Result }
interface CastRow { from: DType; to: DType; a: string[]; result: Result }
interface Fixture {
  intArithmetic: Row[];
  floatDivision: FloatRow[];
  shifts: Row[];
  floatToIntCasts: CastRow[];
  intCasts: CastRow[];
}
interface Differences { differences: { section: string }[] }

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/numpy/${name}`, import.meta.url), 'utf8')) as T;
const fx = load<Fixture>('dtype.json');
const np2 = load<Differences>('dtype-numpy2-diff.json');

const bitsOf = (d: DType): bigint => BigInt(itemsize(d) * 8);
/** Two's-complement wrap of an exact integer into an integer dtype (what C's fixed-width types do). */
const wrap = (d: IntegerDType, x: bigint): bigint =>
  kind(d) === 'u' ? BigInt.asUintN(Number(bitsOf(d)), x) : BigInt.asIntN(Number(bitsOf(d)), x);
/** Floor division of exact integers (BigInt's `/` truncates). */
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
};
const modPow = (base: bigint, exp: bigint, bits: bigint): bigint => {
  const m = 1n << bits;
  let r = 1n;
  let x = ((base % m) + m) % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * x) % m;
    x = (x * x) % m;
  }
  return r;
};
/** Number as the fixture writes it: '-0' keeps its sign. */
const show = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));
const same = (got: number, want: string): boolean => Object.is(got, Number(want));

function intOp(d: IntegerDType, op: string, a: bigint, b: bigint): bigint | number {
  switch (op) {
    case 'add': return wrap(d, a + b);
    case 'subtract': return wrap(d, a - b);
    case 'multiply': return wrap(d, a * b);
    // Division and modulo by zero give 0 (NumPy sets a warning flag, returns 0); MIN // -1 wraps to MIN.
    case 'floor_divide': return b === 0n ? 0n : wrap(d, floorDiv(a, b));
    case 'remainder': return b === 0n ? 0n : wrap(d, a - floorDiv(a, b) * b);
    case 'fmod': return b === 0n ? 0n : a % b;
    case 'true_divide': return Number(a) / Number(b);
    case 'power': return wrap(d, modPow(a, b, bitsOf(d)));
    case 'negative': return wrap(d, -a);
    case 'absolute': return wrap(d, a < 0n ? -a : a);
    // A count outside [0, bits) shifts everything out: 0, or the sign for an arithmetic right shift.
    case 'left_shift': return b < 0n || b >= bitsOf(d) ? 0n : wrap(d, a << b);
    case 'right_shift': return b < 0n || b >= bitsOf(d) ? (a < 0n ? -1n : 0n) : a >> b;
    default: throw new Error(`no reference for ${op}`);
  }
}

function checkIntRow(row: Row): void {
  expect(row.result.error).toBeUndefined();
  // Integer in, integer out (same dtype), except true division: float64.
  expect(row.result.dtype).toBe(row.op === 'true_divide' ? 'float64' : row.dtype);
  const b = row.b === undefined ? 0n : BigInt(row.b);
  const got = row.a.map((s) => intOp(row.dtype, row.op, BigInt(s), b));
  const want = row.result.values;
  if (row.op === 'true_divide') {
    got.forEach((g, i) => expect(same(g as number, want[i]!)).toBe(true));
  } else {
    expect(got.map(String)).toEqual(want);
  }
}

describe('integer arithmetic wraps, and divides by zero, as NumPy', () => {
  it.each(fx.intArithmetic.map((r, i) => [r.dtype, r.op, r.b ?? '', i] as const))('%s %s %s', (_d, _op, _b, i) => {
    const row = fx.intArithmetic[i]!;
    expect(isInteger(row.dtype)).toBe(true);
    expect(row.result.values).toHaveLength(row.a.length);
    checkIntRow(row);
  });

  it('the headline values', () => {
    expect(intOp('int32', 'floor_divide', 7n, 0n)).toBe(0n);
    expect(intOp('int32', 'remainder', 7n, 0n)).toBe(0n);
    expect(intOp('int8', 'floor_divide', -128n, -1n)).toBe(-128n);
    expect(intOp('uint8', 'add', 255n, 1n)).toBe(0n);
  });
});

describe('shifts by the bit width or more, as NumPy', () => {
  it.each(fx.shifts.map((r, i) => [r.dtype, r.op, r.b, i] as const))('%s %s by %s', (_d, _op, _b, i) => {
    checkIntRow(fx.shifts[i]!);
  });
});

/** NumPy's npy_divmod (floor division and Python's modulo for floats), in the dtype's precision. */
function floatOp(d: 'float32' | 'float64', op: string, a: number, b: number): number {
  const r = d === 'float32' ? Math.fround : (x: number) => x;
  const fmod = a % b; // JS % is C's fmod, exact
  if (op === 'fmod') return fmod;
  if (op === 'true_divide') return r(a / b);
  if (b === 0) return op === 'floor_divide' ? r(a / b) : fmod;
  let mod = fmod;
  let div = r(r(a - mod) / b);
  if (mod !== 0 && !Number.isNaN(mod) ? (b < 0) !== (mod < 0) : false) {
    mod = r(mod + b);
    div = r(div - 1);
  } else if (mod === 0) {
    mod = b < 0 ? -0 : 0;
  }
  if (op === 'remainder') return mod;
  if (div !== 0) { // NaN counts as non-zero, as in C
    let floordiv = Math.floor(div);
    if (r(div - floordiv) > 0.5) floordiv += 1;
    return floordiv;
  }
  return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
}

describe('float division and modulo, IEEE values as NumPy', () => {
  it.each(fx.floatDivision.map((r, i) => [r.dtype, r.op, r.b, i] as const))('%s %s by %s', (_d, _op, _b, i) => {
    const row = fx.floatDivision[i]!;
    expect(row.result.dtype).toBe(row.dtype);
    const got = row.a.map((s) => show(floatOp(row.dtype, row.op, Number(s), Number(row.b))));
    expect(got).toEqual(row.result.values.map((v) => show(Number(v))));
  });
});

/**
 * x86-64 float → integer casts. C leaves NaN and out-of-range values undefined; NumPy's loops give
 * what the instructions give. Observed here (NumPy 1.24 on x86-64, this CPU): int32/int64 give
 * INT_MIN ("integer indefinite" of cvttsd2si); int8/int16/uint8/uint16 go through int32 and keep
 * its low bits; uint32/uint64 wrap values in [-2^(n-1), 2^n), give 0 above and 2^(n-1) for NaN
 * and below. Platform-specific (another ISA or a vector path may differ): the kernels must pick
 * and document a behaviour; these rows say what NumPy users see on x86-64.
 */
function castFloat(to: DType, v: number): string {
  if (to === 'bool') return String(v !== 0);
  const t = Math.trunc(v);
  const n = Number(bitsOf(to));
  const inRange = (lo: number, hi: number): boolean => Number.isFinite(t) && t >= lo && t < hi;
  if (kind(to) === 'u' && n >= 32) {
    if (inRange(-(2 ** (n - 1)), 2 ** n)) return String(BigInt.asUintN(n, BigInt(t)));
    return t >= 2 ** n ? '0' : String(2n ** BigInt(n - 1));
  }
  const via = n <= 32 ? 32 : 64; // narrow types convert through int32
  const x = inRange(-(2 ** (via - 1)), 2 ** (via - 1)) ? BigInt(t) : -(2n ** BigInt(via - 1));
  return String(wrap(to as IntegerDType, x));
}

describe('casts to integers', () => {
  it.each(fx.floatToIntCasts.map((r, i) => [r.from, r.to, i] as const))('%s → %s (x86-64)', (_f, _t, i) => {
    const row = fx.floatToIntCasts[i]!;
    expect(row.result.dtype).toBe(row.to);
    expect(row.a.map((s) => castFloat(row.to, Number(s)))).toEqual(row.result.values);
  });

  it.each(fx.intCasts.map((r, i) => [r.from, r.to, i] as const))('%s → %s wraps', (_f, _t, i) => {
    const row = fx.intCasts[i]!;
    const want = row.a.map((s) => {
      const x = BigInt(s);
      if (row.to === 'bool') return String(x !== 0n);
      if (isInteger(row.to)) return String(wrap(row.to, x));
      // Through double: exact for these values (none is a float32 double-rounding case).
      return show(row.to === 'float32' ? Math.fround(Number(x)) : Number(x));
    });
    expect(row.result.dtype).toBe(row.to);
    expect(row.to.startsWith('float') ? row.result.values.map((v) => show(Number(v))) : row.result.values).toEqual(want);
  });
});

describe('NumPy 2', () => {
  it('gives the same values in every section of this file', () => {
    const sections = new Set(np2.differences.map((d) => d.section));
    for (const s of ['intArithmetic', 'floatDivision', 'shifts', 'floatToIntCasts', 'intCasts']) {
      expect(sections.has(s)).toBe(false);
    }
  });
});
