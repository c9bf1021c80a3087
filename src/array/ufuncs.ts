// Module-level functions mirroring the NDArray methods, as numpy/dask.array functions.
import { NDArray, binary, clipArray, reduce, roundArray, unary, whereArrays, type ReduceOptions, type VarOptions } from './ndarray.js';
import { isFloat, type DType } from './dtype.js';
import { isScalar } from './node.js';
import type { ArithmeticOf, FloatFunctionOf, FloatResult, MeanDType, OperandLike, RankOfOperands, ReducedRank, SumDType, TrueDivideOf, WithDType } from './types.js';
import { checkFinite, checkOptions, describe } from '../errors.js';

type Arr = NDArray;
type Operand = Arr | number | bigint;
/** isclose/allclose operands: a float comparison, so arrays and numbers only (no bigint). */
type CloseOperand = Arr | number;

/** isclose/allclose refuse bigints: a tolerance test is a float comparison (pass Number(v), or compare integers with eq). */
function closeArg(fn: string, name: string, v: unknown): void {
  if (typeof v === 'bigint') throw new TypeError(`${fn}: ${name} must be an NDArray or a number, got a bigint (${fn} is a float comparison: pass Number(${v}n), or compare integers exactly with eq)`);
}

const arrayArg = (fn: string, x: unknown): Arr => {
  if (!(x instanceof NDArray)) throw new TypeError(`${fn}: x must be an NDArray, got ${describe(x)}`);
  return x;
};

/** numpy.add: x + y, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const add = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('add', a, b);
/** numpy.subtract: x - y, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const sub = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('sub', a, b);
/** numpy.multiply: x * y, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const mul = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('mul', a, b);
/** numpy.true_divide: x / y (integers divide in float64), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const div = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<TrueDivideOf<A, B>, RankOfOperands<A, B>> => binary('div', a, b);
/** numpy.power: x ** y, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const pow = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('pow', a, b);
/**
 * numpy.fmax / fmin: the larger (smaller) of x and y ignoring NaN — NaN only where both are NaN;
 * on a tie x is kept (C's fmax, which NumPy calls: fmax(-0, 0) is -0). Composed of where and a
 * comparison, so it fuses like any elementwise op.
 */
function nanIgnoring(op: 'fmax' | 'fmin', a: OperandLike, b: OperandLike): NDArray {
  if (isScalar(a) && isScalar(b)) {  // np.fmax(1, 2) is int64 2, as maximum of the kept one
    const nanA = typeof a === 'number' && Number.isNaN(a);
    const keep = nanA ? b : typeof b === 'number' && Number.isNaN(b) ? a : undefined;
    return keep === undefined ? binary(op === 'fmax' ? 'maximum' : 'minimum', a, b) : binary('maximum', keep, keep);
  }
  const keepA = binary(op === 'fmax' ? 'ge' : 'le', a, b);  // false where a is NaN: b
  if (isScalar(b)) {
    return typeof b === 'number' && Number.isNaN(b) ? whereArrays(binary('ne', a, a), b, a) : whereArrays(keepA, a, b);
  }
  return whereArrays(unary('isnan', b as NDArray), a, whereArrays(keepA, a, b));
}
/** numpy.fmax: the larger of x and y, NaN ignored (NaN only where both are), elementwise with broadcasting; either side may be a number or a bigint. */
export const fmax = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => nanIgnoring('fmax', a, b) as never;
/** numpy.fmin: the smaller of x and y, NaN ignored (NaN only where both are), elementwise with broadcasting; either side may be a number or a bigint. */
export const fmin = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => nanIgnoring('fmin', a, b) as never;

/** numpy.maximum: the larger of x and y, NaN propagating, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const maximum = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('maximum', a, b);
/** numpy.minimum: the smaller of x and y, NaN propagating, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const minimum = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('minimum', a, b);

/** numpy.negative: -x, elementwise. */
export const neg = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('neg', x);
/** numpy.absolute: |x|, elementwise. */
export const abs = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('abs', x);
/** numpy.exp: e**x, elementwise. */
export const exp = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('exp', x);
/** numpy.log: the natural logarithm, elementwise. */
export const log = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('log', x);
/** numpy.sqrt: the non-negative square root (NaN below 0), elementwise. */
export const sqrt = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('sqrt', x);
/** numpy.sin (radians), elementwise. */
export const sin = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('sin', x);
/** numpy.cos (radians), elementwise. */
export const cos = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('cos', x);
/** numpy.square: x * x, elementwise. */
export const square = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('square', x);
/** numpy.reciprocal: 1 / x, elementwise; integers keep their dtype (C's 1.0 / x cast back: 0 except ±1), bool gives int8. */
export const reciprocal = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D extends 'bool' ? 'int8' : D, R> => unary('reciprocal', x);
/** numpy.sign: -1, 0 or 1 (NaN for NaN), elementwise. */
export const sign = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('sign', x);
/** numpy.floor: the largest integer <= x, elementwise. */
export const floor = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('floor', x);
/** numpy.ceil: the smallest integer >= x, elementwise. */
export const ceil = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('ceil', x);
/** numpy.trunc: x rounded toward zero, elementwise. */
export const trunc = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('trunc', x);
/** numpy.rint: the nearest integer, halves to even, elementwise. */
export const rint = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('rint', x);
/** numpy.cbrt: the real cube root, elementwise. */
export const cbrt = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('cbrt', x);
/** numpy.tan (radians), elementwise. */
export const tan = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('tan', x);
/** numpy.sinh, elementwise. */
export const sinh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('sinh', x);
/** numpy.cosh, elementwise. */
export const cosh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('cosh', x);
/** numpy.tanh, elementwise. */
export const tanh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('tanh', x);
/** numpy.arcsin (radians; NaN outside [-1, 1]), elementwise. */
export const arcsin = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arcsin', x);
/** numpy.arccos (radians; NaN outside [-1, 1]), elementwise. */
export const arccos = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arccos', x);
/** numpy.arctan (radians), elementwise. */
export const arctan = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arctan', x);
/** numpy.arcsinh, elementwise. */
export const arcsinh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arcsinh', x);
/** numpy.arccosh (NaN below 1), elementwise. */
export const arccosh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arccosh', x);
/** numpy.arctanh (±Infinity at ±1), elementwise. */
export const arctanh = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('arctanh', x);
/** numpy.exp2: 2**x, elementwise. */
export const exp2 = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('exp2', x);
/** numpy.expm1: e**x - 1, accurate near 0, elementwise. */
export const expm1 = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('expm1', x);
/** numpy.log2, elementwise. */
export const log2 = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('log2', x);
/** numpy.log10, elementwise. */
export const log10 = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('log10', x);
/** numpy.log1p: log(1 + x), accurate near 0, elementwise. */
export const log1p = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('log1p', x);
/** numpy.deg2rad: degrees to radians, elementwise. */
export const deg2rad = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('deg2rad', x);
/** numpy.rad2deg: radians to degrees, elementwise. */
export const rad2deg = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<FloatResult<D>, R> => unary('rad2deg', x);
/** numpy.arctan2: the angle of (y = x, x = other) in radians, quadrant-aware, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const arctan2 = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<FloatFunctionOf<A, B>, RankOfOperands<A, B>> => binary('arctan2', a, b);
/** numpy.hypot: sqrt(x² + y²) without overflow, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const hypot = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<FloatFunctionOf<A, B>, RankOfOperands<A, B>> => binary('hypot', a, b);
/** numpy.copysign: |x| with the sign of y, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const copysign = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<FloatFunctionOf<A, B>, RankOfOperands<A, B>> => binary('copysign', a, b);
/** numpy.fmod: the C remainder (sign of x), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const fmod = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('fmod', a, b);
/** numpy.mod: the remainder with the sign of y (Python %), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const mod = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('mod', a, b);
/** numpy.floor_divide: floor(x / y), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const floorDivide = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('floorDivide', a, b);
/** numpy.logical_not: x == 0, as bool, elementwise. */
export const logicalNot = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<'bool', R> => unary('logicalNot', x);
/** numpy.isnan, as bool, elementwise. */
export const isnan = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<'bool', R> => unary('isnan', x);
/** numpy.isinf: ±Infinity, as bool, elementwise. */
export const isinf = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<'bool', R> => unary('isinf', x);
/** numpy.isfinite: neither NaN nor ±Infinity, as bool, elementwise. */
export const isfinite = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<'bool', R> => unary('isfinite', x);
/** numpy.signbit: the sign bit is set (-0 and -NaN included), as bool, elementwise. */
export const signbit = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<'bool', R> => unary('signbit', x);
/** numpy.equal: x == y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const eq = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('eq', a, b);
/** numpy.not_equal: x != y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const ne = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('ne', a, b);
/** numpy.less: x < y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const lt = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('lt', a, b);
/** numpy.less_equal: x <= y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const le = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('le', a, b);
/** numpy.greater: x > y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const gt = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('gt', a, b);
/** numpy.greater_equal: x >= y, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const ge = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('ge', a, b);
/** numpy.logical_and, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const logicalAnd = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('logicalAnd', a, b);
/** numpy.logical_or, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const logicalOr = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('logicalOr', a, b);
/** numpy.logical_xor, as bool, elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const logicalXor = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<'bool', RankOfOperands<A, B>> => binary('logicalXor', a, b);
/** numpy.positive: a copy of the values, elementwise. */
export const positive = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('positive', x);
/** numpy.bitwise_and (integers and bool), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const bitwiseAnd = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('bitwiseAnd', a, b);
/** numpy.bitwise_or (integers and bool), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const bitwiseOr = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('bitwiseOr', a, b);
/** numpy.bitwise_xor (integers and bool), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const bitwiseXor = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('bitwiseXor', a, b);
/** numpy.left_shift (integers), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const leftShift = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('leftShift', a, b);
/** numpy.right_shift (integers; arithmetic for signed), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const rightShift = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('rightShift', a, b);
/** numpy.invert: bitwise NOT (integers; logical NOT for bool), elementwise. */
export const invert = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => unary('invert', x);
/** numpy.where(cond, x, y); see NDArray docs. */
export const where = <const X extends OperandLike, const Y extends OperandLike>(cond: Operand, x: X, y: Y): NDArray<ArithmeticOf<X, Y>> => whereArrays(cond, x, y) as never;
/** numpy.remainder (an alias of mod), elementwise with broadcasting; either side may be a number or a bigint (NEP 50 weak scalar). */
export const remainder = <const A extends OperandLike, const B extends OperandLike>(a: A, b: B): NDArray<ArithmeticOf<A, B>, RankOfOperands<A, B>> => binary('mod', a, b);
/**
 * numpy.round / around, lazily: round half to even at `decimals` digits (negative: left of the
 * point), computed as NumPy does (x * 10^d, rint, / 10^d). A non-NDArray x is a TypeError.
 * @example
 * ```ts
 * round(fromArray([0.5, 1.5, 2.5])); // 0, 2, 2 once computed (halves to even)
 * ```
 */
export const round = <D extends DType, R extends number>(x: NDArray<D, R>, decimals = 0): NDArray<D, R> => roundArray(arrayArg('round', x), decimals);
/**
 * numpy.clip, lazily: `minimum(maximum(x, lo), hi)` elementwise, NaN propagating; `lo` / `hi` may
 * be numbers or arrays broadcasting against x, and `null` leaves that side open.
 */
export const clip = <D extends DType, R extends number>(x: NDArray<D, R>, lo: Operand | null, hi: Operand | null): NDArray<D, R> => clipArray(arrayArg('clip', x), lo, hi);

/**
 * numpy.transpose, lazily: the axes reversed, or permuted by `axes` (each axis once; else a
 * RangeError). A view: kernels read the input with permuted strides, nothing is copied.
 */
export const transpose = <D extends DType, R extends number>(x: NDArray<D, R>, axes?: readonly number[]): NDArray<D, R> =>
  arrayArg('transpose', x).transpose(axes) as NDArray<D, R>;

/** numpy.sum along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function sum<D extends DType, R extends number, const O extends ReduceOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<R, O>> { return reduce('sum', arrayArg('sum', x), options) as never; }
/** numpy.prod along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function prod<D extends DType, R extends number, const O extends ReduceOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<R, O>> { return reduce('prod', arrayArg('prod', x), options) as never; }
/** numpy.min along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function min<D extends DType, R extends number, const O extends ReduceOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<D, ReducedRank<R, O>> { return reduce('min', arrayArg('min', x), options) as never; }
/** numpy.max along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function max<D extends DType, R extends number, const O extends ReduceOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<D, ReducedRank<R, O>> { return reduce('max', arrayArg('max', x), options) as never; }
/** numpy.mean along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function mean<D extends DType, R extends number, const O extends ReduceOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<R, O>> { return reduce('mean', arrayArg('mean', x), options) as never; }
/** numpy.var (ddof: the divisor is N - ddof) along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function variance<D extends DType, R extends number, const O extends VarOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<R, O>> { return reduce('var', arrayArg('var', x), options) as never; }
/** numpy.std (ddof: the divisor is N - ddof) along `axis` (all axes when omitted), lazily; `keepdims` keeps reduced axes. */
export function std<D extends DType, R extends number, const O extends VarOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<R, O>> { return reduce('std', arrayArg('std', x), options) as never; }

/** Options of isclose/allclose, as NumPy's (rtol 1e-5, atol 1e-8, equalNan false). */
export interface IsCloseOptions {
  /** Relative tolerance (default 1e-5, NumPy's); must be finite. */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, NumPy's); must be finite. */
  atol?: number;
  /** Count NaN as equal to NaN (default false, NumPy's `equal_nan`). */
  equalNan?: boolean;
}

function closeOptions(fn: string, options: IsCloseOptions | undefined): Required<IsCloseOptions> {
  const o = checkOptions(`${fn} options`, options) as IsCloseOptions;
  for (const key of Object.keys(o)) if (!['rtol', 'atol', 'equalNan'].includes(key)) throw new TypeError(`${fn}: unknown option ${describe(key)}; accepted: rtol, atol, equalNan`);
  const rtol = o.rtol === undefined ? 1e-5 : checkFinite('rtol', o.rtol);
  const atol = o.atol === undefined ? 1e-8 : checkFinite('atol', o.atol);
  if (o.equalNan !== undefined && typeof o.equalNan !== 'boolean') throw new TypeError(`${fn}: equalNan must be a boolean, got ${describe(o.equalNan)}`);
  return { rtol, atol, equalNan: o.equalNan ?? false };
}

/**
 * numpy.isclose: |a - b| <= atol + rtol * |b| where both are finite, a == b elsewhere (infinities
 * of one sign are close), NaN close to NaN only with equalNan. Elementwise, bool result.
 */
export function isclose<const A extends NDArray | number, const B extends NDArray | number>(a: A, b: B, options?: IsCloseOptions): NDArray<'bool', RankOfOperands<A, B>> {
  closeArg('isclose', 'a', a);
  closeArg('isclose', 'b', b);
  const { rtol, atol, equalNan } = closeOptions('isclose', options);
  const finite = binary('logicalAnd', finiteOf(a), finiteOf(b));
  const tol = typeof b === 'number' ? atol + rtol * Math.abs(b) : binary('add', binary('mul', unary('abs', b), rtol), atol);
  const within = binary('le', unary('abs', binary('sub', a, b)), tol);
  const close = whereArrays(finite, within, binary('eq', a, b));
  if (!equalNan) return close as never;
  return binary('logicalOr', close, binary('logicalAnd', nanOf(a), nanOf(b)));
}
const finiteOf = (v: CloseOperand): CloseOperand => (typeof v === 'number' ? (Number.isFinite(v) ? 1 : 0) : unary('isfinite', v));
const nanOf = (v: CloseOperand): CloseOperand => (typeof v === 'number' ? (Number.isNaN(v) ? 1 : 0) : unary('isnan', v));

/** numpy.allclose as a lazy 0-d bool (computes to 1 or 0): every element isclose; true for empty arrays. */
export function allclose(a: NDArray | number, b: NDArray | number, options?: IsCloseOptions): NDArray<'bool', 0> {
  const far = reduce('sum', asArray('allclose', unary('logicalNot', isclose(a, b, options))));
  return binary('eq', far, 0);
}

/** numpy.array_equal as a lazy 0-d bool (computes to 1 or 0): same shape and every element equal (NaN is not equal to NaN). */
export function arrayEqual(a: Arr, b: Arr): NDArray<'bool', 0> {
  arrayArg('arrayEqual', a);
  arrayArg('arrayEqual', b);
  if (a.shape.length !== b.shape.length || a.shape.some((s, k) => s !== b.shape[k])) return binary('eq', binary('add', 0, 0), 1);
  return binary('eq', reduce('sum', binary('ne', a, b)), 0);
}
const asArray = (fn: string, x: Arr): Arr => arrayArg(fn, x);

/**
 * numpy.nan_to_num: NaN → nan (0), +inf → posinf, -inf → neginf (default: the dtype's largest
 * finite value and its negative), every other value unchanged.
 */
export function nanToNum<D extends DType, R extends number>(x: NDArray<D, R>, options?: { nan?: number | bigint; posinf?: number | bigint; neginf?: number | bigint }): NDArray<D, R> {
  arrayArg('nanToNum', x);
  const o = checkOptions('nanToNum options', options) as { nan?: unknown; posinf?: unknown; neginf?: unknown };
  for (const key of Object.keys(o)) if (!['nan', 'posinf', 'neginf'].includes(key)) throw new TypeError(`nanToNum: unknown option ${describe(key)}; accepted: nan, posinf, neginf`);
  const big = x.dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  // NumPy converts the replacements to the array's float type, so a bigint is as good as a number.
  const num = (k: 'nan' | 'posinf' | 'neginf', d: number): number => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'number') throw new TypeError(`nanToNum: ${k} must be a number or bigint, got ${describe(v)}`);
    return v;
  };
  const values = [num('nan', 0), num('posinf', big), num('neginf', -big)];
  // bool and integer arrays hold no NaN or infinity: NumPy returns them unchanged
  if (!isFloat(x.dtype)) return x;
  const inner = whereArrays(binary('eq', x, -Infinity), values[2], x);
  return whereArrays(unary('isnan', x), values[0], whereArrays(binary('eq', x, Infinity), values[1], inner)) as NDArray<D, R>;
}
