// The expression builders behind NDArray's methods and the module functions: unary, binary,
// where, astype, reductions (their dtype and option rules), kept apart so ndarray.ts holds the class.
import { checkFinite, checkOptions, describe } from '../errors.js';
import {
  broadcastShapes,
  isScalar,
  newId,
  token,
  type BinaryOp,
  type DType,
  type Node,
  type ReduceOp,
  type Scalar,
  type UnaryOp,
} from './node.js';

import { NDArray, type VarOptions } from './ndarray.js';
import { checkDType, checkWeakScalar, integerBounds, isFloat, isInteger, kind, resultType, weakIntComparison } from './dtype.js';
import { resolveLoop } from './loops.js';
import { REDUCTIONS } from '../plan/ops.generated.js';

export function normalizeAxis(name: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number') throw new TypeError(`${name} must be an integer axis, got ${describe(axis)}`);
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${name} ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function asNode(name: string, x: unknown): Node | Scalar {
  if (x instanceof NDArray) return x.node;
  if (isScalar(x)) return x;
  throw new TypeError(`${name} must be an NDArray, a number or a bigint, got ${describe(x)}`);
}

/** A scalar in a node's name: bigints keep their `n`, so 1 and 1n stay apart. */
const scalarDesc = (v: Scalar): string => (typeof v === 'bigint' ? `#${v}n` : `#${v}`);

/**
 * A bigint meeting a float: NumPy converts a Python int to the float dtype, and raises
 * OverflowError when it is beyond float64's range (a RangeError here, naming the operation).
 */
function checkBigIntAsFloat(name: string, v: Scalar, dtype: DType): void {
  if (typeof v === 'bigint' && isFloat(dtype) && !Number.isFinite(Number(v))) {
    throw new RangeError(`${name} = ${v} is too large to convert to ${dtype} (accepted: bigints of magnitude below 2^1024); NumPy 2 raises OverflowError here`);
  }
}

/** Comparison ops, whose out-of-range integer scalars have a constant answer (NumPy 2). */
const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

export function unary<T extends NDArray = NDArray>(op: UnaryOp, x: NDArray): T {
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: x must be an NDArray, got ${describe(x)}`);
  if (op === 'sign' && x.dtype === 'bool') throw new TypeError("sign: dtype bool is not accepted (NumPy has no bool loop for sign); astype an integer dtype first");
  if (op === 'reciprocal' && !isFloat(x.dtype)) {
    // NumPy's integer loop is C's `out = 1.0 / x` into the dtype (bool into int8): 0 except for
    // ±1, and 1/0 = inf cast as float_to_int.h casts it
    return astypeArray<T>(binary('div', 1, x), x.dtype === 'bool' ? 'int8' : x.dtype);
  }
  const src = x.node;
  return new NDArray({
    kind: 'unary',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}`)}`,
    shape: src.shape,
    dtype: unaryDType(op, src.dtype),
    chunks: src.chunks,
    op,
    arg: src,
  }) as T;
}

export function binary<T extends NDArray = NDArray>(op: BinaryOp, a: unknown, b: unknown): T {
  let x = asNode(`${op}: first operand`, a);
  let y = asNode(`${op}: second operand`, b);
  // Two scalars (the module functions: add(1, 2)): two numbers give a 0-d float64 array, as
  // tessera's JS numbers; a bigint is a Python int, a 0-d int64 array (add(1n, 2n) is int64,
  // add(1n, 2.5) float64: the other scalar stays weak), as NumPy's np.add(1, 2).
  if (isScalar(x) && isScalar(y)) {
    if (typeof y === 'bigint' && typeof x !== 'bigint') y = scalarNode(y, `${op}: second operand`);
    else x = scalarNode(x, `${op}: first operand`);
  }
  const nodes = [x, y].filter((v): v is Node => !isScalar(v));
  const shape = nodes.length === 2 ? broadcastShapes(nodes[0]!.shape, nodes[1]!.shape) : [...nodes[0]!.shape];
  if (COMPARISONS.has(op) && nodes.length === 1) {
    const constant = outOfRangeComparison(op, x, y);
    if (constant !== undefined) return constant as T;
  }
  const dtype = binaryDType(op, [x, y].map((v) => (isScalar(v) ? v : v.dtype)));
  // Output grid: per axis, the chunks of the first operand that spans the axis. No unification:
  // kernels read any operand region from any chunk, so x.add(x.T) keeps x's chunks.
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && Object.is(n.shape[j], s)) return n.chunks[j]!;  // Object.is: NaN (unknown) lengths match
    }
    return [s];
  });
  const desc = [x, y].map((v) => (isScalar(v) ? scalarDesc(v) : v.name)).join(',');
  return new NDArray({
    kind: 'binary',
    id: newId(),
    name: `${op}-${token(`${op}:${desc}`)}`,
    shape,
    dtype,
    chunks,
    op,
    args: [x, y],
  }) as T;
}

/**
 * NumPy's result dtype of a reduction without `dtype=`: sums and products of bool/integers in
 * int64 (uint64 for unsigned), exactly and wrapping; means and moments of bool/integers in float64;
 * min/max/ptp keep the dtype; floats keep theirs (float32 sums in float32).
 */
function defaultReduceDType(op: ReduceOp, d: DType): DType {
  if (isFloat(d)) return d;
  if (op === 'sum' || op === 'prod' || op === 'nansum' || op === 'nanprod') return kind(d) === 'u' ? 'uint64' : 'int64';
  if (op === 'mean' || op === 'var' || op === 'std' || op === 'nanmean' || op === 'nanvar' || op === 'nanstd') return 'float64';
  return d;
}

/** The reductions that take NumPy's `dtype=`. */
const DTYPE_REDUCTIONS = new Set<string>(REDUCTIONS.filter((r) => 'dtypeOption' in r && r.dtypeOption).map((r) => r.plan)); // ops.json rows

export function reduce(op: ReduceOp, x: NDArray, options?: VarOptions): NDArray {
  const o = checkOptions(`${op} options`, options) as VarOptions;
  for (const key of Object.keys(o)) {
    const allowed = ['axis', 'keepdims'];
    if (op === 'var' || op === 'std' || op === 'nanvar' || op === 'nanstd') allowed.push('ddof');
    if (DTYPE_REDUCTIONS.has(op)) allowed.push('dtype');
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
  }
  const src = x.node;
  const n = src.shape.length;
  let axes: number[];
  if (o.axis === undefined || o.axis === null) axes = [...Array(n).keys()];
  else if (typeof o.axis === 'number') axes = [normalizeAxis('axis', o.axis, n)];
  else if (Array.isArray(o.axis)) axes = o.axis.map((a, i) => normalizeAxis(`axis[${i}]`, a, n));
  else throw new TypeError(`${op}: axis must be an integer, an array of integers or null, got ${describe(o.axis)}`);
  if (new Set(axes).size !== axes.length) throw new RangeError(`${op}: axis ${describe(o.axis)} repeats an axis`);
  const argLike = op === 'argmin' || op === 'argmax' || op === 'nanargmin' || op === 'nanargmax';
  if (argLike && Array.isArray(o.axis)) {
    throw new TypeError(`${op}: axis must be one integer or null (the flattened array), got ${describe(o.axis)}`);
  }
  if (argLike && axes.some((a) => src.shape[a] === 0)) {
    throw new RangeError(`${op}: attempt to get ${op} of an empty sequence`);
  }
  axes.sort((p, q) => p - q);
  if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') {
    throw new TypeError(`${op}: keepdims must be a boolean, got ${describe(o.keepdims)}`);
  }
  const keepdims = o.keepdims ?? false;
  if (o.dtype !== undefined) checkDType(`${op}: dtype`, o.dtype);
  if ((op === 'nanmean' || op === 'nanvar' || op === 'nanstd') && o.dtype !== undefined && isFloat(src.dtype) && !isFloat(o.dtype)) {
    throw new TypeError(`${op}: dtype ${describe(o.dtype)} is not accepted for a ${src.dtype} array (NumPy: if a is inexact, then dtype must be inexact); accepted: float32, float64`);
  }
  if (op === 'ptp' && src.dtype === 'bool') throw new TypeError('ptp: dtype bool is not accepted (NumPy: boolean subtract is not supported); astype an integer dtype first');
  if (o.dtype !== undefined && o.dtype !== 'bool' && CAST_FIRST.has(op)
    && (o.dtype !== src.dtype || (isInteger(o.dtype) && (op === 'mean' || op === 'nanmean')))) return castFirst(op, x, axes, keepdims, o.dtype);
  const resultDType: DType = o.dtype ?? defaultReduceDType(op, src.dtype);
  const ddof = o.ddof === undefined ? 0 : checkFinite('ddof', o.ddof);
  if (ddof < 0) throw new RangeError(`${op}: ddof must be >= 0, got ${ddof}`);
  if ((op === 'min' || op === 'max' || op === 'nanmin' || op === 'nanmax' || op === 'ptp') && axes.some((a) => src.shape[a] === 0)) {
    throw new RangeError(`${op}: zero-size array to reduction operation ${op} which has no identity`);
  }
  const reduced = new Set(axes);
  const shape = keepdims ? src.shape.map((s, k) => (reduced.has(k) ? 1 : s)) : src.shape.filter((_, k) => !reduced.has(k));
  const chunks = keepdims
    ? src.chunks.map((c, k) => (reduced.has(k) ? [1] : c))
    : src.chunks.filter((_, k) => !reduced.has(k));
  return new NDArray({
    kind: 'reduce',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}:${axes}:${keepdims}:${ddof}:${resultDType}`)}`,
    shape,
    // NumPy: truth values are bool, counts and indices int64 (for every input dtype)
    dtype: op === 'any' || op === 'all' ? 'bool' : op === 'count_nonzero' || argLike ? 'int64' : resultDType,
    chunks,
    op,
    axes,
    keepdims,
    ddof,
    arg: src,
  });
}

/** The reductions whose `dtype=` casts the elements before accumulating (NumPy's add.reduce(a, dtype=d)). */
const CAST_FIRST = new Set<ReduceOp>(['sum', 'prod', 'nansum', 'nanprod', 'mean', 'nanmean']);

/**
 * NumPy's sum/prod/mean with a `dtype=` other than the array's: every element is cast to it first
 * (np.sum([1.5, 2.5], dtype=int) is 3), the nan-variants replacing NaN by the identity before that,
 * and an integer mean is the integer sum divided and truncated into the dtype
 * (np.mean(a, dtype=uint8) is uint8(sum in uint8 / n)).
 */
function castFirst(op: ReduceOp, x: NDArray, axes: number[], keepdims: boolean, dtype: DType): NDArray {
  const nan = op === 'nansum' || op === 'nanprod' || op === 'nanmean';
  const clean = nan && isFloat(x.dtype) ? whereArrays(unary('isnan', x), op === 'nanprod' ? 1 : 0, x) : x;
  const cast = astypeArray(clean, dtype);
  const opts = { axis: axes, keepdims, dtype };
  if (op !== 'mean' && op !== 'nanmean') return reduce(op === 'nanprod' ? 'prod' : op === 'nansum' ? 'sum' : op, cast, opts);
  if (isFloat(dtype)) return reduce(op, nan ? astypeArray(x, dtype) : cast, opts);
  // an integer mean of integers (a float array's nanmean refuses an integer dtype, above)
  const total = reduce('sum', cast, opts);
  return astypeArray(binary('div', total, axes.reduce((p, a) => p * x.shape[a]!, 1)), dtype);
}

export function roundArray<T extends NDArray = NDArray>(x: NDArray, decimals: number): T {
  if (!Number.isInteger(decimals)) throw new TypeError(`round: decimals must be an integer, got ${describe(decimals)}`);
  if (x.dtype === 'bool' && decimals < 0) throw new TypeError('round: a bool array cannot be rounded to negative decimals (as NumPy: cast it to an integer dtype first)');
  if (x.dtype !== 'float64' && x.dtype !== 'float32' && x.dtype !== 'bool') {
    // NumPy: integers keep their dtype; decimals >= 0 leave them as they are, negative decimals
    // round half to even to a multiple of 10^-decimals (here through float64: exact below 2^53)
    if (decimals >= 0) return unary('positive', x);
    const f = 10 ** -decimals;
    return astypeArray(binary('mul', unary('rint', binary('div', x, f)), f), x.dtype);
  }
  if (decimals === 0) return unary('rint', x);
  const f = 10 ** Math.abs(decimals);
  return decimals > 0 ? binary('div', unary('rint', binary('mul', x, f)), f) : binary('mul', unary('rint', binary('div', x, f)), f);
}

export function clipArray<T extends NDArray = NDArray>(x: NDArray, lo: Scalar | NDArray | null, hi: Scalar | NDArray | null): T {
  if (!(x instanceof NDArray)) throw new TypeError(`clip: x must be an NDArray, got ${describe(x)}`);
  if (lo === null && hi === null) throw new TypeError('clip: one of lo and hi must be given (got null for both)');
  if (isInteger(x.dtype)) {
    // NumPy 2: an integer bound beyond the dtype's range on its open side does not clip (lo below
    // the minimum, hi above the maximum); one that would clip is an OverflowError (RangeError)
    const { min, max } = integerBounds(x.dtype);
    const big = (v: Scalar): bigint | undefined => (typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : undefined);
    if (isScalar(lo) && (big(lo) ?? 0n) < min) lo = null;
    if (isScalar(hi) && (big(hi) ?? 0n) > max) hi = null;
    if (lo === null && hi === null) return unary('positive', x) as T;
  }
  // np.clip is one three-operand ufunc: x, lo and hi meet in their common result_type
  // (clip(uint16, int16, float32) is float32; maximum then minimum would widen to float64)
  const common = resultType(x, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi]));
  let r: NDArray = common === x.dtype ? x : astypeArray(x, common);
  if (lo !== null) r = binary('maximum', r, lo);
  if (hi !== null) r = binary('minimum', r, hi);
  return r as T;
}

/**
 * A 0-d constant where an array is needed: float64 for a JS number, int64 for a bigint (NumPy's
 * np.asarray of a Python int; outside int64 a RangeError naming `name`).
 */
function scalarNode(value: Scalar, name: string): Node {
  const dtype: DType = typeof value === 'bigint' ? 'int64' : 'float64';
  if (typeof value === 'bigint') checkWeakScalar(value, 'int64', name);
  return { kind: 'const', op: 'full', id: newId(), name: `full-${token(`full::${scalarDesc(value)}:${dtype}:`)}`, shape: [], dtype, chunks: [], value };
}

/**
 * NumPy 2's comparison of an integer array with an integer scalar outside its dtype's range: no
 * error but a constant answer (`uint64 > -1n` is all true); bool arrays compare in int64 and
 * raise outside it. A bool array of x's shape and chunks, or undefined for an ordinary comparison.
 */
function outOfRangeComparison(op: BinaryOp, x: Node | Scalar, y: Node | Scalar): NDArray | undefined {
  const [arr, s, flipped] = isScalar(x) ? [y as Node, x, true] : [x, y as Scalar, false];
  if (!isScalar(s) || (typeof s === 'number' && !Number.isInteger(s))) return undefined;
  const where = weakIntComparison(arr.dtype, s);  // 'below': s is less than every element
  if (where === 'compare') return undefined;
  // the answer of `element op s` (or `s op element` when flipped) for every element
  const elementAbove = where === 'below';
  const greater: Record<string, boolean> = { gt: true, ge: true, lt: false, le: false };
  let value: boolean;
  if (op === 'eq') value = false;
  else if (op === 'ne') value = true;
  else value = greater[op] === (flipped ? !elementAbove : elementAbove);
  const v = value ? 1 : 0;
  return new NDArray({ kind: 'const', op: 'full', id: newId(), name: `full-${token(`full:${arr.shape}:${v}:bool:${arr.chunks}`)}`, shape: arr.shape, dtype: 'bool', chunks: arr.chunks, value: v });
}

/** The dtype of a unary op's result: its loop's (NumPy's resolution, loops.ts); no loop is a TypeError. */
export function unaryDType(op: UnaryOp, d: DType): DType {
  return resolveLoop(op, [d]).output;
}

/**
 * The dtype of a binary op's result: NumPy's promotion (np.result_type) with JS numbers weak (NEP
 * 50: `int16 + 1` is int16, `float32 * 0.1` float32, `int8 + 1.5` float64), then the op's loop
 * (true division of integers is float64; comparisons are bool). A weak integer out of range for
 * the integer dtype it meets is a RangeError, as NumPy 2's OverflowError.
 */
export function binaryDType(op: BinaryOp, operands: readonly (DType | Scalar)[]): DType {
  const loop = resolveLoop(op, operands);
  for (const [i, o] of operands.entries()) {
    if (!isScalar(o)) continue;
    checkWeakScalar(o, loop.input, `${op}: operand ${i}`);
    checkBigIntAsFloat(`${op}: operand ${i}`, o, loop.input);
  }
  // NumPy refuses an integer power with a negative integer exponent (ValueError) rather than
  // truncate 1/x**n; a weak scalar exponent is known here (an array exponent's values are not)
  const e = operands[1];
  if (op === 'pow' && isScalar(e) && e < 0 && isInteger(loop.output)) {
    throw new RangeError(`pow: integers to negative integer powers are not allowed (exponent ${e}, dtype ${loop.output}); accepted: an exponent >= 0, or a float array (e.g. x.astype('float64').pow(${e}))`);
  }
  return loop.output;
}

/**
 * numpy.where(cond, x, y): x where cond is true (nonzero, NaN included), else y; broadcasting over
 * all three, numbers or bigints allowed for any. The result dtype is x's and y's promotion (scalars weak);
 * the condition may have any dtype. Fused into the block kernel (a vector select).
 */
export function whereArrays(cond: unknown, x: unknown, y: unknown): NDArray {
  const c = asNode('where: cond', cond);
  const a = asNode('where: x', x);
  const b = asNode('where: y', y);
  const nodes = [c, a, b].filter((v): v is Node => !isScalar(v));
  if (nodes.length === 0) throw new TypeError('where: at least one of cond, x, y must be an NDArray (got three scalars)');
  const shape = nodes.reduce<number[]>((s, n) => broadcastShapes(s, n.shape), []);
  // x's and y's common dtype with numbers weak; two scalars: float64 for numbers (as JS numbers),
  // a bigint counts as int64 (NumPy: where(c, 1, 2) of Python ints is int64; with a number, that
  // number is weak against it)
  const values = [a, b].map((v) => (isScalar(v) ? v : v.dtype));
  const dtype: DType = values.every(isScalar)
    ? values.some((v) => typeof v === 'bigint') ? resultType(...values.map((v) => (typeof v === 'bigint' ? 'int64' : v))) : 'float64'
    : resultType(...values);
  for (const v of values) {
    if (!isScalar(v)) continue;
    checkWeakScalar(v, dtype, 'where: scalar');
    checkBigIntAsFloat('where: scalar', v, dtype);
  }
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && Object.is(n.shape[j], s)) return n.chunks[j]!;  // Object.is: NaN (unknown) lengths match
    }
    return [s];
  });
  const desc = [c, a, b].map((v) => (isScalar(v) ? scalarDesc(v) : v.name)).join(',');
  return new NDArray({ kind: 'where', op: 'where', id: newId(), name: `where-${token(`where:${desc}`)}`, shape, dtype, chunks, args: [c, a, b] });
}

export function astypeArray<T extends NDArray = NDArray>(x: NDArray, dtype: DType): T {
  checkDType('astype: dtype', dtype);
  const src = x.node;
  if (src.dtype === dtype) return x as T;
  return new NDArray({ kind: 'unary', id: newId(), name: `astype-${token(`astype:${dtype}:${src.name}`)}`, shape: src.shape, dtype, chunks: src.chunks, op: 'cast', arg: src }) as T;
}
