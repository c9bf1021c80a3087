// Module-level functions mirroring the NDArray methods, as numpy/dask.array functions.
import { NDArray, binary, clipArray, reduce, roundArray, unary, whereArrays, type Computed, type FullReduceOptions, type ReduceOptions, type VarOptions } from './ndarray.js';
import { checkFinite, checkOptions, describe } from '../errors.js';

type Arr = NDArray<Computed>;
type Operand = Arr | number;

const arrayArg = (fn: string, x: unknown): Arr => {
  if (!(x instanceof NDArray)) throw new TypeError(`${fn}: x must be an NDArray, got ${describe(x)}`);
  return x;
};

export const add = (a: Operand, b: Operand): Arr => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Arr => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Arr => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Arr => binary('div', a, b);
export const pow = (a: Operand, b: Operand): Arr => binary('pow', a, b);
export const maximum = (a: Operand, b: Operand): Arr => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Arr => binary('minimum', a, b);

export const neg = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('neg', x);
export const abs = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('abs', x);
export const exp = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('exp', x);
export const log = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('log', x);
export const sqrt = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sqrt', x);
export const sin = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sin', x);
export const cos = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('cos', x);
export const square = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('square', x);
export const reciprocal = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('reciprocal', x);
export const sign = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sign', x);
export const floor = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('floor', x);
export const ceil = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('ceil', x);
export const trunc = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('trunc', x);
export const rint = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('rint', x);
export const cbrt = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('cbrt', x);
export const tan = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('tan', x);
export const sinh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sinh', x);
export const cosh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('cosh', x);
export const tanh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('tanh', x);
export const arcsin = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arcsin', x);
export const arccos = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arccos', x);
export const arctan = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arctan', x);
export const arcsinh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arcsinh', x);
export const arccosh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arccosh', x);
export const arctanh = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('arctanh', x);
export const exp2 = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('exp2', x);
export const expm1 = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('expm1', x);
export const log2 = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('log2', x);
export const log10 = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('log10', x);
export const log1p = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('log1p', x);
export const deg2rad = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('deg2rad', x);
export const rad2deg = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('rad2deg', x);
export const arctan2 = (a: Operand, b: Operand): Arr => binary('arctan2', a, b);
export const hypot = (a: Operand, b: Operand): Arr => binary('hypot', a, b);
export const copysign = (a: Operand, b: Operand): Arr => binary('copysign', a, b);
export const fmod = (a: Operand, b: Operand): Arr => binary('fmod', a, b);
export const mod = (a: Operand, b: Operand): Arr => binary('mod', a, b);
export const floorDivide = (a: Operand, b: Operand): Arr => binary('floorDivide', a, b);
export const logicalNot = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('logicalNot', x);
export const isnan = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('isnan', x);
export const isinf = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('isinf', x);
export const isfinite = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('isfinite', x);
export const signbit = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('signbit', x);
export const eq = (a: Operand, b: Operand): Arr => binary('eq', a, b);
export const ne = (a: Operand, b: Operand): Arr => binary('ne', a, b);
export const lt = (a: Operand, b: Operand): Arr => binary('lt', a, b);
export const le = (a: Operand, b: Operand): Arr => binary('le', a, b);
export const gt = (a: Operand, b: Operand): Arr => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Arr => binary('ge', a, b);
export const logicalAnd = (a: Operand, b: Operand): Arr => binary('logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand): Arr => binary('logicalOr', a, b);
export const logicalXor = (a: Operand, b: Operand): Arr => binary('logicalXor', a, b);
export const bitwiseAnd = (a: Operand, b: Operand): Arr => binary('bitwiseAnd', a, b);
export const bitwiseOr = (a: Operand, b: Operand): Arr => binary('bitwiseOr', a, b);
export const bitwiseXor = (a: Operand, b: Operand): Arr => binary('bitwiseXor', a, b);
export const leftShift = (a: Operand, b: Operand): Arr => binary('leftShift', a, b);
export const rightShift = (a: Operand, b: Operand): Arr => binary('rightShift', a, b);
export const invert = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('invert', x);
export const positive = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('positive', x);
/** numpy.where(cond, x, y); see NDArray docs. */
export const where = (cond: Operand, x: Operand, y: Operand): Arr => whereArrays(cond, x, y);
export const remainder = (a: Operand, b: Operand): Arr => binary('mod', a, b);
export const round = <T extends Computed>(x: NDArray<T>, decimals = 0): NDArray<T> => roundArray(arrayArg('round', x) as NDArray<T>, decimals);
export const clip = <T extends Computed>(x: NDArray<T>, lo: Operand | null, hi: Operand | null): NDArray<T> => clipArray(arrayArg('clip', x) as NDArray<T>, lo, hi);

export const transpose = <T extends Computed>(x: NDArray<T>, axes?: readonly number[]): NDArray<T> =>
  arrayArg('transpose', x).transpose(axes) as NDArray<T>;

export function sum(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function sum(x: Arr, options: ReduceOptions): Arr;
export function sum(x: Arr, options?: ReduceOptions): Arr { return reduce('sum', arrayArg('sum', x), options); }
export function prod(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function prod(x: Arr, options: ReduceOptions): Arr;
export function prod(x: Arr, options?: ReduceOptions): Arr { return reduce('prod', arrayArg('prod', x), options); }
export function min(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function min(x: Arr, options: ReduceOptions): Arr;
export function min(x: Arr, options?: ReduceOptions): Arr { return reduce('min', arrayArg('min', x), options); }
export function max(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function max(x: Arr, options: ReduceOptions): Arr;
export function max(x: Arr, options?: ReduceOptions): Arr { return reduce('max', arrayArg('max', x), options); }
export function mean(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function mean(x: Arr, options: ReduceOptions): Arr;
export function mean(x: Arr, options?: ReduceOptions): Arr { return reduce('mean', arrayArg('mean', x), options); }
export function variance(x: Arr, options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
export function variance(x: Arr, options: VarOptions): Arr;
export function variance(x: Arr, options?: VarOptions): Arr { return reduce('var', arrayArg('var', x), options); }
export function std(x: Arr, options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
export function std(x: Arr, options: VarOptions): Arr;
export function std(x: Arr, options?: VarOptions): Arr { return reduce('std', arrayArg('std', x), options); }

/** Options of isclose/allclose, as NumPy's (rtol 1e-5, atol 1e-8, equalNan false). */
export interface IsCloseOptions { rtol?: number; atol?: number; equalNan?: boolean }

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
export function isclose(a: Operand, b: Operand, options?: IsCloseOptions): Arr {
  const { rtol, atol, equalNan } = closeOptions('isclose', options);
  const finite = binary('logicalAnd', finiteOf(a), finiteOf(b));
  const tol = typeof b === 'number' ? atol + rtol * Math.abs(b) : binary('add', binary('mul', unary('abs', b), rtol), atol);
  const within = binary('le', unary('abs', binary('sub', a, b)), tol);
  const close = whereArrays(finite, within, binary('eq', a, b));
  if (!equalNan) return close;
  return binary('logicalOr', close, binary('logicalAnd', nanOf(a), nanOf(b)));
}
const finiteOf = (v: Operand): Operand => (typeof v === 'number' ? (Number.isFinite(v) ? 1 : 0) : unary('isfinite', v));
const nanOf = (v: Operand): Operand => (typeof v === 'number' ? (Number.isNaN(v) ? 1 : 0) : unary('isnan', v));

/** numpy.allclose as a lazy 0-d bool (computes to 1 or 0): every element isclose; true for empty arrays. */
export function allclose(a: Operand, b: Operand, options?: IsCloseOptions): Arr {
  const far = reduce('sum', asArray('allclose', unary('logicalNot', isclose(a, b, options))));
  return binary('eq', far, 0);
}

/** numpy.array_equal as a lazy 0-d bool (computes to 1 or 0): same shape and every element equal (NaN is not equal to NaN). */
export function arrayEqual(a: Arr, b: Arr): Arr {
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
export function nanToNum<T extends Computed>(x: NDArray<T>, options?: { nan?: number; posinf?: number; neginf?: number }): NDArray<T> {
  arrayArg('nanToNum', x);
  const o = checkOptions('nanToNum options', options) as { nan?: number; posinf?: number; neginf?: number };
  for (const key of Object.keys(o)) if (!['nan', 'posinf', 'neginf'].includes(key)) throw new TypeError(`nanToNum: unknown option ${describe(key)}; accepted: nan, posinf, neginf`);
  const big = x.dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const num = (k: 'nan' | 'posinf' | 'neginf', d: number): number => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v !== 'number') throw new TypeError(`nanToNum: ${k} must be a number, got ${describe(v)}`);
    return v;
  };
  const inner = whereArrays(binary('eq', x, -Infinity), num('neginf', -big), x);
  return whereArrays(unary('isnan', x), num('nan', 0), whereArrays(binary('eq', x, Infinity), num('posinf', big), inner)) as NDArray<T>;
}
