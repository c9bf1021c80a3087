// NDArray: a lazy, blocked N-d array (Dask's dask.array.Array). Operations build expression
// nodes; compute() lowers them to one native plan that runs as fused chunk kernels.
import { checkInteger, describe } from '../errors.js';
import { materializeLimit } from '../settings.js';
import { Lowering, type RootRequest } from './lower.js';
import { arrayGraph } from './taskgraph.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import { checkComputeOptions } from '../graph/types.js';
import { native, type NativeBuffer } from '../native.js';
import { notifyReleased, runLowered } from '../scheduler/local.js';
import { resolveStorage } from '../storage/resolve.js';
import { persistSpilled, spillSettings } from '../storage/spill.js';
import { chunkedReduce } from '../storage/chunked-reduce.js';
import { iterChunks, type ChunkResult, type IterChunksOptions } from './stream.js';
import { toPlan, type ToPlanOptions } from './export-plan.js';
import type { Plan } from '../plan/codec/format.js';
import { visualize, type VisualizeOptions } from '../visualize/index.js';
import { toDelayed, type NestedDelayedChunks } from '../delayed/array.js';
import { chunkBounds } from './chunks.js';
import { DenseArray } from './dense.js';
import { cumulative, quantile, type CumulativeOptions, type QuantileOptions } from './reductions/scan.js';
import { getItem } from './indexing/get.js';
import * as shapeOps from './indexing/shape.js';
import { rechunkChunks, type RechunkSpec } from './indexing/rechunk.js';
import { setItem } from './indexing/set.js';
import { take as takeIndices, type TakeIndices, mask as maskArray, computeChunkSizes as chunkSizes, checkUnknownOperands, resolveUnknownChunks, requireKnownChunks } from './indexing/gather.js';
import type { IndexInput } from './indexing/parse.js';
import { repeat as repeatArray } from './indexing/triangles.js';
import * as products from './linalg/products.js';
import * as blocks from './blocks/map-blocks.js';
import * as overlap from './blocks/overlap.js';
// ufuncs.ts imports this module: only called at run time, so the cycle is harmless (ESM and CJS)
import * as ufuncs from './ufuncs.js';
import { normalizeAxis, unary, binary, reduce, roundArray, clipArray, astypeArray } from './expr.js';
import type { DType } from './dtype.js';
import type {
  ArithmeticDType, ComputeResult, FloatFunctionDType, FloatResult, MeanDType, OperandLike, OperandRank, RankOf, ReducedRank, ScanRank, SumDType, TrueDivideDType, WithDType,
} from './types.js';
import {
  contiguousStrides,
  itemsize,
  newId,
  opName,
  size,
  token,
  typedView,
  type TypedData,
  topoOrder,
  type DelayedNode,
  type DType as NodeDType,
  type MemoryNode,
  type Node,
} from './node.js';

/**
 * What compute() gives: a number for 0-d arrays (bigint for int64/uint64, boolean for bool), a
 * DenseArray otherwise. An NDArray<D, R> narrows it: see {@link ComputeResult}.
 */
export type Computed = number | bigint | boolean | DenseArray;
/** An operand of the elementwise operations: an array or a JS number. */
export type Operand = NDArray | number;

/**
 * Options of the reductions (`sum`, `prod`, `min`, `max`, `mean`, `any`, `all`, `countNonzero`,
 * `ptp` and the nan-variants), as NumPy's `axis=`, `keepdims=` and `dtype=` keywords.
 * @example
 * ```ts
 * x.sum({ axis: 0, keepdims: true }); // shape [1, n]
 * x.mean({ axis: [0, 1], dtype: 'float32' });
 * ```
 */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes with length 1. */
  keepdims?: boolean;
  /**
   * The result's dtype, as NumPy's `dtype=` (accumulation is float64 either way): only for
   * sum, prod, mean, var, std and their nan-variants; the others refuse it (TypeError).
   */
  dtype?: NodeDType;
}
/** Options of `var`, `std`, `nanvar` and `nanstd`: the reduction options plus NumPy's `ddof`. */
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is N - ddof (default 0, as NumPy). */
  ddof?: number;
}
export type FullReduceOptions = { axis?: null | undefined; keepdims?: false };
export type FullQuantileOptions = { axis?: null | undefined; keepdims?: false };
/**
 * Options of `argmin`, `argmax`, `nanargmin` and `nanargmax`, as NumPy's `axis=` and `keepdims=`
 * (one axis only, unlike the other reductions).
 */
export interface ArgReduceOptions {
  /** One axis (negative counts from the end); the flattened array when omitted, as NumPy. */
  axis?: number | null;
  /**
   * Keep the reduced axis with length 1 (NumPy's `keepdims=True`) so the result broadcasts against
   * the input. Default false.
   */
  keepdims?: boolean;
}

/**
 * A lazy, chunked N-d array (dask.array.Array). `D` is its dtype and `R` its number of
 * dimensions when known statically (`number` when not): see src/array/types.ts for the rules.
 */
export class NDArray<D extends DType = DType, R extends number = number> implements HasGraph {
  /** @internal */
  readonly node: Node;
  // Phantoms: make NDArray<'int32', 2> and NDArray<'float64', 1> distinct types.
  declare private readonly __dtype?: D;
  declare private readonly __rank?: R;
  /** @internal — use the creation functions (ones, random.random, fromArray, …). */
  constructor(node: Node) {
    checkUnknownOperands(node);  // unknown (NaN) chunk sizes: only elementwise ops and reductions (./indexing/gather.ts)
    this.node = node;
  }
  /**
   * The length of each axis (a fresh copy; `NaN` for an axis with unknown chunk sizes, as Dask's
   * `shape` after boolean masking, until {@link NDArray.computeChunkSizes}).
   */
  get shape(): number[] {
    return [...this.node.shape];
  }
  /** The number of dimensions (NumPy's `ndim`): 0 for a scalar array. */
  get ndim(): number {
    return this.node.shape.length;
  }
  /** The number of elements: the product of {@link NDArray.shape} (1 for a 0-d array). */
  get size(): number {
    return size(this.node.shape);
  }
  /** The element type, e.g. `'float64'`, `'int32'`, `'bool'` (NumPy's `dtype` name). */
  get dtype(): D {
    return this.node.dtype as D;
  }
  /**
   * Bytes per element: 8 for float64/int64/uint64, 4 for float32/int32/uint32, 2 for int16/uint16,
   * 1 for int8/uint8/bool.
   */
  get itemsize(): number {
    return itemsize(this.node.dtype);
  }
  /** Bytes of the whole array once computed: `size * itemsize` (no chunk is computed to answer). */
  get nbytes(): number {
    return this.size * this.itemsize;
  }
  /** Explicit chunk sizes per axis, as Dask's `chunks`. */
  get chunks(): number[][] {
    return this.node.chunks.map((c) => [...c]);
  }
  /** The largest chunk along each axis. */
  get chunksize(): number[] {
    return this.node.chunks.map((c) => Math.max(...c));
  }
  /** The number of chunks along each axis (Dask's `numblocks`). */
  get numblocks(): number[] {
    return this.node.chunks.map((c) => c.length);
  }
  /** The total number of chunks: the product of {@link NDArray.numblocks} (Dask's `npartitions`). */
  get npartitions(): number {
    return this.numblocks.reduce((a, b) => a * b, 1);
  }
  /** Dask's layer name, e.g. "add-1f3a9c2b7d10". */
  get name(): string {
    return this.node.name;
  }
  /** The transpose with the axes reversed: `x.transpose()` (NumPy's `x.T`), a lazy view. */
  get T(): NDArray<D, R> {
    return this.transpose();
  }
  /**
   * A one-line description such as
   * `tessera.NDArray<add, shape=[1000, 1000], dtype=float64, chunksize=[250, 250]>` (Dask's repr);
   * nothing is computed. `util.inspect` and `console.log` print the same.
   */
  toString(): string {
    return `tessera.NDArray<${opName(this.node)}, shape=[${this.node.shape.join(', ')}], dtype=${this.dtype}, chunksize=[${this.chunksize.join(', ')}]>`;
  }
  /** `'NDArray'`, so `Object.prototype.toString.call(x)` reads `[object NDArray]`. */
  get [Symbol.toStringTag](): string {
    return 'NDArray';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  // Elementwise arithmetic (NumPy broadcasting, scalar operands).
  /**
   * numpy.add: x + y, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar).
   * The result dtype follows NumPy's promotion (`int32 + float32` is float64, `int32 + 1` stays int32).
   * @example
   * ```ts
   * const y = ones([3, 3]).add(2); // every element 3
   * ```
   */
  add<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('add', this, other); }
  /** numpy.subtract: x - y, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  sub<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('sub', this, other); }
  /** numpy.multiply: x * y, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  mul<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('mul', this, other); }
  /** numpy.true_divide: x / y (integers divide in float64), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  div<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<TrueDivideDType<D, O>, OperandRank<Rk, O>> { return binary('div', this, other); }
  /** numpy.power: x ** y, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  pow<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('pow', this, other); }
  /** numpy.maximum: the larger of x and y, NaN propagating, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  maximum<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('maximum', this, other); }
  /** numpy.minimum: the smaller of x and y, NaN propagating, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  minimum<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('minimum', this, other); }
  /** numpy.negative: -x, elementwise. */
  neg(): NDArray<D, R> { return unary('neg', this); }
  /** numpy.absolute: |x|, elementwise. */
  abs(): NDArray<D, R> { return unary('abs', this); }
  /** numpy.exp: e**x, elementwise. */
  exp(): NDArray<FloatResult<D>, R> { return unary('exp', this); }
  /** numpy.log: the natural logarithm, elementwise. */
  log(): NDArray<FloatResult<D>, R> { return unary('log', this); }
  /** numpy.sqrt: the non-negative square root (NaN below 0), elementwise. */
  sqrt(): NDArray<FloatResult<D>, R> { return unary('sqrt', this); }
  /** numpy.sin (radians), elementwise. */
  sin(): NDArray<FloatResult<D>, R> { return unary('sin', this); }
  /** numpy.cos (radians), elementwise. */
  cos(): NDArray<FloatResult<D>, R> { return unary('cos', this); }
  // float64 ufuncs of issue 14 (rows 32-69 of ops.json; see src/array/ufuncs.ts for the functions).
  /** numpy.square: x * x, elementwise, in the array's dtype. */
  square(): NDArray<D, R> { return unary('square', this); }
  /** numpy.reciprocal: 1 / x, elementwise; integers keep their dtype (C's 1.0 / x cast back: 0 except ±1), bool gives int8. */
  reciprocal(): NDArray<D extends 'bool' ? 'int8' : D, R> { return unary('reciprocal', this); }
  /** numpy.sign: -1, 0 or 1 (NaN for NaN), elementwise. */
  sign(): NDArray<D, R> { return unary('sign', this); }
  /** numpy.floor: the largest integer <= x, elementwise. */
  floor(): NDArray<D, R> { return unary('floor', this); }
  /** numpy.ceil: the smallest integer >= x, elementwise. */
  ceil(): NDArray<D, R> { return unary('ceil', this); }
  /** numpy.trunc: x rounded toward zero, elementwise. */
  trunc(): NDArray<D, R> { return unary('trunc', this); }
  /** numpy.rint: the nearest integer, halves to even, elementwise. */
  rint(): NDArray<FloatResult<D>, R> { return unary('rint', this); }
  /** numpy.cbrt: the real cube root, elementwise. */
  cbrt(): NDArray<FloatResult<D>, R> { return unary('cbrt', this); }
  /** numpy.tan (radians), elementwise. */
  tan(): NDArray<FloatResult<D>, R> { return unary('tan', this); }
  /** numpy.sinh, elementwise. */
  sinh(): NDArray<FloatResult<D>, R> { return unary('sinh', this); }
  /** numpy.cosh, elementwise. */
  cosh(): NDArray<FloatResult<D>, R> { return unary('cosh', this); }
  /** numpy.tanh, elementwise. */
  tanh(): NDArray<FloatResult<D>, R> { return unary('tanh', this); }
  /** numpy.arcsin (radians; NaN outside [-1, 1]), elementwise. */
  arcsin(): NDArray<FloatResult<D>, R> { return unary('arcsin', this); }
  /** numpy.arccos (radians; NaN outside [-1, 1]), elementwise. */
  arccos(): NDArray<FloatResult<D>, R> { return unary('arccos', this); }
  /** numpy.arctan (radians), elementwise. */
  arctan(): NDArray<FloatResult<D>, R> { return unary('arctan', this); }
  /** numpy.arcsinh, elementwise. */
  arcsinh(): NDArray<FloatResult<D>, R> { return unary('arcsinh', this); }
  /** numpy.arccosh (NaN below 1), elementwise. */
  arccosh(): NDArray<FloatResult<D>, R> { return unary('arccosh', this); }
  /** numpy.arctanh (±Infinity at ±1), elementwise. */
  arctanh(): NDArray<FloatResult<D>, R> { return unary('arctanh', this); }
  /** numpy.exp2: 2**x, elementwise. */
  exp2(): NDArray<FloatResult<D>, R> { return unary('exp2', this); }
  /** numpy.expm1: e**x - 1, accurate near 0, elementwise. */
  expm1(): NDArray<FloatResult<D>, R> { return unary('expm1', this); }
  /** numpy.log2, elementwise. */
  log2(): NDArray<FloatResult<D>, R> { return unary('log2', this); }
  /** numpy.log10, elementwise. */
  log10(): NDArray<FloatResult<D>, R> { return unary('log10', this); }
  /** numpy.log1p: log(1 + x), accurate near 0, elementwise. */
  log1p(): NDArray<FloatResult<D>, R> { return unary('log1p', this); }
  /** numpy.deg2rad: degrees to radians, elementwise. */
  deg2rad(): NDArray<FloatResult<D>, R> { return unary('deg2rad', this); }
  /** numpy.rad2deg: radians to degrees, elementwise. */
  rad2deg(): NDArray<FloatResult<D>, R> { return unary('rad2deg', this); }
  /** numpy.arctan2: the angle of (y = x, x = other) in radians, quadrant-aware, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  arctan2<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<FloatFunctionDType<D, O>, OperandRank<Rk, O>> { return binary('arctan2', this, other); }
  /** numpy.hypot: sqrt(x² + y²) without overflow, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  hypot<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<FloatFunctionDType<D, O>, OperandRank<Rk, O>> { return binary('hypot', this, other); }
  /** numpy.copysign: |x| with the sign of y, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  copysign<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<FloatFunctionDType<D, O>, OperandRank<Rk, O>> { return binary('copysign', this, other); }
  /** numpy.fmod: the C remainder (sign of x), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  fmod<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('fmod', this, other); }
  /** numpy.mod: the remainder with the sign of y (Python %), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  mod<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('mod', this, other); }
  /** numpy.floor_divide: floor(x / y), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  floorDivide<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('floorDivide', this, other); }
  /**
   * A copy as another dtype (NumPy's astype, casting='unsafe'): float64 → float32 rounds to nearest,
   * to bool is x != 0 (NaN is true), bool → float is 0/1. The same dtype returns this array.
   */
  astype<E extends NodeDType>(dtype: E): NDArray<E, R> { return astypeArray(this, dtype); }
  /** numpy.positive: a copy of the values. */
  positive(): NDArray<D, R> { return unary('positive', this); }
  // Comparisons, logical operations and predicates: bool results (Uint8Array of 0/1 from compute()).
  /** numpy.logical_not: true where x is zero (or false), as bool, elementwise. */
  logicalNot(): NDArray<'bool', R> { return unary('logicalNot', this); }
  /** numpy.isnan, as bool, elementwise. */
  isnan(): NDArray<'bool', R> { return unary('isnan', this); }
  /** numpy.isinf: ±Infinity, as bool, elementwise. */
  isinf(): NDArray<'bool', R> { return unary('isinf', this); }
  /** numpy.isfinite: neither NaN nor ±Infinity, as bool, elementwise. */
  isfinite(): NDArray<'bool', R> { return unary('isfinite', this); }
  /** numpy.signbit: the sign bit is set (-0 and -NaN included), as bool, elementwise. */
  signbit(): NDArray<'bool', R> { return unary('signbit', this); }
  /** numpy.equal: x == y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  eq<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('eq', this, other); }
  /** numpy.not_equal: x != y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  ne<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('ne', this, other); }
  /** numpy.less: x < y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  lt<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('lt', this, other); }
  /** numpy.less_equal: x <= y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  le<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('le', this, other); }
  /** numpy.greater: x > y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  gt<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('gt', this, other); }
  /** numpy.greater_equal: x >= y, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  ge<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('ge', this, other); }
  /** numpy.logical_and, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  logicalAnd<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('logicalAnd', this, other); }
  /** numpy.logical_or, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  logicalOr<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('logicalOr', this, other); }
  /** numpy.logical_xor, as bool, elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  logicalXor<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<'bool', OperandRank<Rk, O>> { return binary('logicalXor', this, other); }
  /** numpy.bitwise_and (bool and integer dtypes; floats are a TypeError), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  bitwiseAnd<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('bitwiseAnd', this, other); }
  /** numpy.bitwise_or (bool and integer dtypes), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  bitwiseOr<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('bitwiseOr', this, other); }
  /** numpy.bitwise_xor (bool and integer dtypes), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  bitwiseXor<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('bitwiseXor', this, other); }
  /** numpy.left_shift (integer dtypes; a shift by the width or more gives 0), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  leftShift<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('leftShift', this, other); }
  /** numpy.right_shift (integer dtypes; arithmetic for signed: -1 for negative values shifted by the width or more), elementwise with broadcasting; `other` may be a number or a bigint (NEP 50 weak scalar). */
  rightShift<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('rightShift', this, other); }
  /** numpy.invert (~): bitwise not of integers, logical not of bool. */
  invert(): NDArray<D, R> { return unary('invert', this); }
  /** numpy.remainder (an alias of mod): the remainder with the divisor's sign. */
  remainder<const O extends OperandLike, Rk extends number = number>(this: NDArray<DType, Rk>, other: O): NDArray<ArithmeticDType<D, O>, OperandRank<Rk, O>> { return binary('mod', this, other); }
  /** numpy.round / around: round half to even at `decimals` digits (negative: left of the point), as NumPy (x * 10^d, rint, / 10^d). */
  round(decimals = 0): NDArray<D, R> { return roundArray(this, decimals); }
  /**
   * numpy.clip: minimum(maximum(x, lo), hi), NaN propagating; `null` leaves that side open. Bounds
   * may be numbers or bigints; on an integer array an integer bound beyond the dtype's range on its
   * open side (lo below the minimum, hi above the maximum) does not clip, one that would is a
   * RangeError (NumPy 2's OverflowError).
   */
  clip(lo: number | bigint | NDArray | null, hi: number | bigint | NDArray | null): NDArray<D, R> { return clipArray(this, lo, hi); }
  /** numpy.nan_to_num as a method: NaN → `nan` (0), ±inf → `posinf`/`neginf` (the dtype's largest finite values); as the module function {@link nanToNum}. */
  nanToNum(options?: { nan?: number | bigint; posinf?: number | bigint; neginf?: number | bigint }): NDArray<D, R> { return ufuncs.nanToNum(this, options); }
  /** numpy.isclose(x, other) as a method: elementwise |x - other| <= atol + rtol * |other| (bool); as the module function {@link isclose}. */
  isclose<const O extends NDArray | number, Rk extends number = number>(this: NDArray<D, Rk>, other: O, options?: ufuncs.IsCloseOptions): NDArray<'bool', OperandRank<Rk, O>> { return ufuncs.isclose(this as NDArray, other, options) as never; }
  // Matrix products (src/array/linalg/products.ts; NumPy semantics, a native GEMM per output chunk).
  /**
   * numpy.matmul (`x @ other`): see {@link matmul}. float32 and float64 operands (integers are a
   * TypeError: cast to float64 first); 1-d operands are promoted to a row / column and that axis is
   * dropped; leading axes broadcast as batch axes. Mismatched core axes are a RangeError.
   */
  matmul<O extends NDArray>(other: O): NDArray<ArithmeticDType<D, O>> { return products.matmul(this, other) as never; }
  /**
   * numpy.dot: see {@link dot}. A number or 0-d operand multiplies elementwise; 1-d and 2-d operands
   * are a matrix product; higher ranks contract the last axis of x with the second-to-last of other.
   */
  dot<const O extends OperandLike>(other: O): NDArray<ArithmeticDType<D, O>> { return products.dot(this, other) as never; }
  /** numpy.trace: the sum along the diagonal of axes `axis1`/`axis2` (default 0 and 1): see {@link trace}. */
  trace(options?: products.TraceOptions): NDArray<SumDType<D>> { return products.trace(this, options) as never; }
  // User functions per block (src/array/blocks/; Dask's map_blocks / map_overlap).
  /** `mapBlocks(fn, this, options)`: fn per block (delayed.module functions on worker threads, closures on the main thread). */
  mapBlocks(fn: blocks.BlockFunction | ((...args: never[]) => unknown), options?: blocks.MapBlocksOptions): NDArray { return blocks.mapBlocks(fn, this, options ?? {}); }
  /** `mapOverlap(fn, this, options)`: fn per block with `depth` neighbouring elements on each side, halo trimmed. */
  mapOverlap(fn: blocks.BlockFunction | ((...args: never[]) => unknown), options: overlap.MapOverlapOptions): NDArray { return overlap.mapOverlap(fn, this, options); }
  /** Reverse (or permute) the axes, lazily: kernels read the input with permuted strides. */
  transpose(axes?: readonly number[]): NDArray<D, R> {
    const n = this.ndim;
    let perm: number[];
    if (axes === undefined) perm = [...Array(n).keys()].reverse();
    else {
      if (!Array.isArray(axes)) throw new TypeError(`transpose: axes must be an array of axis numbers, got ${describe(axes)}`);
      if (axes.length !== n) throw new RangeError(`transpose: axes ${describe(axes)} must list each of the ${n} axes once`);
      perm = axes.map((a, i) => normalizeAxis(`axes[${i}]`, a, n));
      if (new Set(perm).size !== n) throw new RangeError(`transpose: axes ${describe(axes)} repeats an axis`);
    }
    if (perm.every((p, i) => p === i)) return this;
    const src = this.node;
    return new NDArray<D, R>({
      kind: 'transpose',
      id: newId(),
      name: `transpose-${token(`transpose:${src.name}:${perm}`)}`,
      shape: perm.map((p) => src.shape[p]!),
      dtype: src.dtype,
      chunks: perm.map((p) => src.chunks[p]!),
      axes: perm,
      arg: src,
    });
  }
  /**
   * NumPy basic indexing, lazily: `x.get('0:10, ::2, ..., None')` or the same as items
   * (`x.get(slice(0, 10), slice(null, null, 2), '...', null)`); a number drops its axis. A view
   * (offset and strides of the leaves read): no task, no copy, and only the viewed elements are
   * read or generated. Output chunks are Dask's.
   */
  get(...index: IndexInput[]): NDArray<D> {
    return new NDArray<D>(getItem(this.node, index));
  }
  /**
   * Dask's `x[index] = value` without mutation: a new lazy array with `value` (a number, a bigint or an
   * array broadcasting to the indexed shape) at `index` (one item, or a list of items: integers,
   * slices of any step, new axes, one JS list or TypedArray of integers on an axis — repeated
   * positions take the last value, as NumPy — or a bool NDArray mask of the full shape). Slices of
   * step ±1 splice the value in by concatenation; other steps and lists select by a mask and
   * spread the value with native takes.
   */
  set(index: IndexInput | readonly IndexInput[], value: NDArray | number | bigint): NDArray<D, R> {
    return setItem(this, index, value) as NDArray<D, R>;
  }
  /**
   * np.take(x, indices, axis): indices a JS integer list, TypedArray or 1-d integer NDArray (negative
   * counts from the end; out of range is a RangeError naming the axis and size). No axis: the
   * flattened array, as NumPy (Dask's default is axis 0). A native gather; chunks as Dask's take.
   */
  take(indices: TakeIndices, options?: { axis?: number | null }): NDArray<D> {
    return takeIndices(this, indices, options) as NDArray<D>;
  }
  /**
   * x[cond] for a boolean NDArray of x's shape: the selected elements, 1-d in row-major order, with
   * unknown chunk sizes (NaN) as in Dask until `computeChunkSizes()`. Native prefix-sum compaction.
   */
  mask(cond: NDArray): NDArray {
    return maskArray(this, cond);
  }
  /** np.repeat: each element `repeats` times along axis (no axis: flattened); a native take, Dask's chunks. */
  repeat(repeats: number | readonly number[], options?: { axis?: number | null }): NDArray {
    return repeatArray(this, repeats, options);
  }
  /** Dask's compute_chunk_sizes(): computes unknown (NaN) chunk sizes and records them on this array; returns it. */
  computeChunkSizes(): Promise<this> {
    return chunkSizes(this);
  }
  /**
   * np.reshape (one -1 allowed), with Dask's output chunks and its rule that a multi-chunk array
   * is reshaped only by even splits and merges of axes. Free where it can be: splits and length-1
   * axes are a view, and merges of generated or contiguous values become the same leaves with the
   * new shape. Merging axes of a transpose, a slice, a broadcast or a reduction copies, as NumPy's
   * does (one fused kernel writes the input row-major; over `configure({ materializeLimit })` a RangeError).
   */
  reshape<const S extends readonly number[] | number>(shape: S): NDArray<D, S extends readonly number[] ? RankOf<S> : 1> {
    requireKnownChunks('reshape', this.node);
    return new NDArray(shapeOps.reshape(this.node, shape));
  }
  /** np.ravel: the 1-d reshape (free for generated/contiguous leaves and their elementwise expressions; see reshape). */
  ravel(): NDArray<D, 1> {
    if (this.ndim !== 1) requireKnownChunks('ravel', this.node);
    return new NDArray(shapeOps.reshape(this.node, [-1]));
  }
  /** np.squeeze: drop length-1 axes (a view). */
  squeeze(axis?: number | readonly number[]): NDArray<D> {
    return new NDArray(shapeOps.squeeze(this.node, axis));
  }
  /** np.expand_dims: insert length-1 axes at these result positions (a view). */
  expandDims(axis: number | readonly number[]): NDArray<D> {
    return new NDArray(shapeOps.expandDims(this.node, axis));
  }
  /** np.swapaxes (a permutation of the leaves' strides). */
  swapaxes(axis1: number, axis2: number): NDArray<D, R> {
    return this.transpose(shapeOps.swapaxesPerm(this.ndim, axis1, axis2));
  }
  /** np.moveaxis (a permutation of the leaves' strides). */
  moveaxis(source: number | readonly number[], destination: number | readonly number[]): NDArray<D, R> {
    return this.transpose(shapeOps.moveaxisPerm(this.ndim, source, destination));
  }
  /**
   * np.flip: reverse these axes (all when omitted); a view with negative strides. The axis may
   * also come as `{ axis }`, as the reductions take it (`x.flip({ axis: 1 })` = `x.flip(1)`).
   */
  flip(axis?: number | readonly number[] | null | { axis?: number | readonly number[] | null }): NDArray<D, R> {
    const ax = axis !== null && typeof axis === 'object' && !Array.isArray(axis) ? (axis as { axis?: number | readonly number[] | null }).axis : (axis as number | readonly number[] | null | undefined);
    return new NDArray<D, R>(shapeOps.flip(this.node, ax));
  }
  /** np.flipud: flip axis 0. */
  flipud(): NDArray<D, R> {
    if (this.ndim < 1) throw new RangeError('flipud: the array must have at least 1 dimension');
    return this.flip(0);
  }
  /** np.fliplr: flip axis 1. */
  fliplr(): NDArray<D, R> {
    if (this.ndim < 2) throw new RangeError('fliplr: the array must have at least 2 dimensions');
    return this.flip(1);
  }
  /** np.broadcast_to as a view (zero strides); chunks as Dask's. */
  broadcastTo<const S extends readonly number[]>(shape: S): NDArray<D, RankOf<S>> {
    return new NDArray(shapeOps.broadcastTo(this.node, shape));
  }
  /** Same values on another chunk grid (free: no data moves until compute). */
  rechunk(chunks: RechunkSpec): NDArray<D, R> {
    requireKnownChunks('rechunk', this.node);
    const src = this.node;
    const normalized = rechunkChunks(chunks, src.chunks, src.shape, itemsize(src.dtype));
    return new NDArray<D, R>({
      kind: 'rechunk',
      id: newId(),
      name: `rechunk-${token(`rechunk:${src.name}:${JSON.stringify(normalized)}`)}`,
      shape: src.shape,
      dtype: src.dtype,
      chunks: normalized,
      arg: src,
    });
  }
  /** numpy.sum along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  sum<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<Rk, O>> { return reduce('sum', this, options) as never; }
  /** numpy.prod along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  prod<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<Rk, O>> { return reduce('prod', this, options) as never; }
  /** numpy.min along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  min<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<D, ReducedRank<Rk, O>> { return reduce('min', this, options) as never; }
  /** numpy.max along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  max<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<D, ReducedRank<Rk, O>> { return reduce('max', this, options) as never; }
  /** numpy.mean along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  mean<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('mean', this, options) as never; }
  /** numpy.var (ddof: the divisor is N - ddof) along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  var<const O extends VarOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('var', this, options) as never; }
  /** numpy.std (ddof: the divisor is N - ddof) along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  std<const O extends VarOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('std', this, options) as never; }
  // argmin/argmax: the first extreme's index along one axis (or of the flattened array); the
  // first NaN wins, as NumPy. Indices are int64.
  /**
   * numpy.argmin: the index (int64) of the first minimum along `axis` (of the flattened array when
   * omitted); a NaN wins, as NumPy. `keepdims` keeps the reduced axis with length 1.
   */
  argmin<const O extends ArgReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'int64', ReducedRank<Rk, O>> { return reduce('argmin', this, options) as never; }
  /** numpy.argmax: the index of the first maximum along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  argmax<const O extends ArgReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'int64', ReducedRank<Rk, O>> { return reduce('argmax', this, options) as never; }
  // nanargmin/nanargmax: as argmin/argmax ignoring NaN; an all-NaN slice is a RangeError at
  // compute time (NumPy: ValueError "All-NaN slice encountered").
  /**
   * numpy.nanargmin: as {@link NDArray.argmin} ignoring NaN; an all-NaN slice is a RangeError at
   * compute time (NumPy's ValueError "All-NaN slice encountered").
   */
  nanargmin<const O extends ArgReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'int64', ReducedRank<Rk, O>> { return reduce('nanargmin', this, options) as never; }
  /**
   * numpy.nanargmax: as {@link NDArray.argmax} ignoring NaN; an all-NaN slice is a RangeError at
   * compute time (NumPy's ValueError "All-NaN slice encountered").
   */
  nanargmax<const O extends ArgReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'int64', ReducedRank<Rk, O>> { return reduce('nanargmax', this, options) as never; }
  // NumPy's nan-reductions (NaN elements skipped; all-NaN: nanmin/nanmax/nanmean/nanvar → NaN),
  // any/all/countNonzero (float64 0/1 and counts until bool/int64 dtypes land), ptp = max - min.
  /**
   * numpy.nansum: NaN counts as 0 along `axis` (all axes when omitted); `keepdims` keeps reduced
   * axes; `dtype` as {@link NDArray.sum}.
   */
  nansum<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<Rk, O>> { return reduce('nansum', this, options) as never; }
  /** numpy.nanprod: NaN counts as 1 along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanprod<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, SumDType<D>>, ReducedRank<Rk, O>> { return reduce('nanprod', this, options) as never; }
  /** numpy.nanmean: NaN skipped along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanmean<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('nanmean', this, options) as never; }
  /** numpy.nanvar: NaN skipped along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanvar<const O extends VarOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('nanvar', this, options) as never; }
  /** numpy.nanstd: NaN skipped along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanstd<const O extends VarOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, MeanDType<D>>, ReducedRank<Rk, O>> { return reduce('nanstd', this, options) as never; }
  /** numpy.nanmin: NaN skipped along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanmin<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<D, ReducedRank<Rk, O>> { return reduce('nanmin', this, options) as never; }
  /** numpy.nanmax: NaN skipped along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  nanmax<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<D, ReducedRank<Rk, O>> { return reduce('nanmax', this, options) as never; }
  /** numpy.any: some element is nonzero along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  any<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'bool', ReducedRank<Rk, O>> { return reduce('any', this, options) as never; }
  /** numpy.all: every element is nonzero along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  all<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'bool', ReducedRank<Rk, O>> { return reduce('all', this, options) as never; }
  /** numpy.count_nonzero along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  countNonzero<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<'int64', ReducedRank<Rk, O>> { return reduce('count_nonzero', this, options) as never; }
  /** numpy.ptp: max - min along `axis` (all axes when omitted); `keepdims` keeps reduced axes. */
  ptp<const O extends ReduceOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<D, ReducedRank<Rk, O>> { return reduce('ptp', this, options) as never; }
  // Cumulative scans along an axis across chunks (Dask's cumreduction: each chunk is scanned,
  // then chunk j adds the running total of the chunks before it, in chunk order — so the
  // rounding depends on the chunking along the axis, as Dask's, never on threads); axis omitted:
  // the flattened array. nancumsum/nancumprod count NaN as 0 / 1. ./reductions/scan.ts
  /**
   * numpy.cumsum along `axis` (the flattened array when omitted), Dask's cumreduction: each chunk
   * is scanned, then offset by the running total of the chunks before it, so rounding depends on
   * the chunking along the axis (never on threads). `dtype` sets the accumulator's and result's dtype.
   * @example
   * ```ts
   * const c = arange(5).cumsum(); // 0, 1, 3, 6, 10 once computed
   * ```
   */
  cumsum<const O extends CumulativeOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, D>, ScanRank<Rk, O>> { return cumulative('cumsum', this, options) as never; }
  /** numpy.cumprod along `axis` (the flattened array when omitted); chunked as {@link NDArray.cumsum}. */
  cumprod<const O extends CumulativeOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, D>, ScanRank<Rk, O>> { return cumulative('cumprod', this, options) as never; }
  /** numpy.nancumsum: {@link NDArray.cumsum} with NaN counted as 0. */
  nancumsum<const O extends CumulativeOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, D>, ScanRank<Rk, O>> { return cumulative('nancumsum', this, options) as never; }
  /** numpy.nancumprod: {@link NDArray.cumprod} with NaN counted as 1. */
  nancumprod<const O extends CumulativeOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<WithDType<O, D>, ScanRank<Rk, O>> { return cumulative('nancumprod', this, options) as never; }
  /**
   * NumPy's median (mean of the middle two for an even count; NaN if the lane holds a NaN)
   * along one axis — made one chunk, as Dask's — or over all elements, exactly: the array is
   * materialized and selected in memory (bounded by memory, not streamed).
   */
  median<const O extends QuantileOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, options?: O): NDArray<MeanDType<D>, ReducedRank<Rk, O>> { return quantile('median', this, undefined, options) as never; }
  /**
   * NumPy's quantile, default 'linear' method, q in [0, 1] (a number, or an array: the result
   * gets a leading axis of q's length). Axis and memory as median(). float32 data is
   * interpolated in float64 and rounded once (NumPy's float32 arithmetic can differ in the last bit).
   */
  quantile<const O extends QuantileOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<Rk, O>>;
  quantile(q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
  quantile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>> { return quantile('quantile', this, q, options) as never; }
  /** quantile(q / 100), q in [0, 100]. */
  percentile<const O extends QuantileOptions = {}, Rk extends number = number>(this: NDArray<DType, Rk>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<Rk, O>>;
  percentile(q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
  percentile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>> { return quantile('percentile', this, q, options) as never; }
  /** Run the graph: a number for 0-d results, otherwise a DenseArray whose data is not copied. */
  async compute<Rk extends number = R>(this: NDArray<DType, Rk>, options?: ComputeOptions): Promise<ComputeResult<D, Rk>> {
    const [result] = await computeArrays([this], options);
    return result as ComputeResult<D, Rk>;
  }
  /** Compute and keep the result in native memory (outside the JS heap); returns an NDArray over it. */
  async persist(options?: ComputeOptions): Promise<NDArray<D, R>> {
    const [result] = await persistArrays([this], options);
    return result as NDArray<D, R>;
  }
  /** Free the native memory of a persisted array now instead of at garbage collection. */
  dispose(): void {
    const node = this.node;
    if (node.kind === 'memory' && node.op === 'persisted' && !node.state.disposed) {
      node.state.disposed = true;
      native().freeBuffer(node.memory as NativeBuffer);
      notifyReleased(node.memory as NativeBuffer); // the dashboard moves its chunks from "in memory" to "done"
    }
    if (node.kind === 'delayed') node.source.boxes?.dispose?.(); // spilled chunks (src/storage/spill.ts)
  }
  /** `using kept = await x.persist()`: dispose() at the end of the scope (a no-op for lazy arrays). */
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** `await using kept = await x.persist()`: dispose() at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
  /** Compute one chunk, by its chunk-grid index. */
  async computeBlock(index: readonly number[], options?: ComputeOptions): Promise<DenseArray<D>> {
    const region = blockRegion(this, index);
    const inputs = await resolveStorage([{ node: this.node, region }], options?.signal);
    let lowered: ReturnType<Lowering['lower']>;
    try {
      await resolveDelayedInputs(inputs.roots, options?.signal);
      lowered = new Lowering(allocNative).lower([{ node: inputs.roots[0]!, target: 'result', region }]);
      await runLowered(lowered, options);
    } finally {
      inputs.release();
    }
    const out = lowered.outputs[0]!;
    return new DenseArray<D>(typed(out.memory as ArrayBuffer, out.dtype), out.shape);
  }
  /**
   * Stream the result chunk by chunk, in row-major chunk order, as each is computed:
   * `for await (const { index, offset, data } of x.iterChunks())`. Holds at most 1 + prefetch
   * chunks, so results far larger than the materialization limit stream in bounded memory.
   * Leaving the loop early cancels the chunks in flight (docs/embedding.md).
   */
  iterChunks(options?: IterChunksOptions): AsyncGenerator<ChunkResult, void, undefined> {
    return iterChunks(this, options);
  }
  /** The optimized work of compute() as a versioned, JSON-serializable plan (docs/embedding.md); run it with execute(). */
  toPlan(options?: ToPlanOptions): Plan {
    return toPlan(this, options);
  }
  /** Draw the task graph (Dask's conventions) to SVG/DOT; `optimize: true` draws the fused kernels. */
  visualize(options?: VisualizeOptions): Promise<string> {
    return options === undefined ? visualize(this) : visualize(this, options);
  }
  /** One Delayed per chunk, nested like the chunk grid; each computes its chunk's data. */
  toDelayed(): NestedDelayedChunks {
    if (this.dtype === 'bool') throw new TypeError('toDelayed: dtype bool is not supported yet (accepted: float32, float64)');
    return toDelayed(this as unknown as Parameters<typeof toDelayed>[0]);
  }
  /** The task graph (Dask's HighLevelGraph): layers with task counts; nodes on demand. */
  graph(options?: { optimize?: boolean }): TaskGraph {
    return arrayGraph([this.node], options?.optimize ?? false);
  }
}

const allocNative = (bytes: number): NativeBuffer => native().allocBuffer(bytes);

function typed(buffer: ArrayBuffer, dtype: NodeDType): TypedData {
  return typedView(dtype, buffer);
}

function blockRegion(x: NDArray, index: readonly number[]): { lo: number[]; hi: number[] } {
  if (!Array.isArray(index) || index.length !== x.ndim) {
    throw new RangeError(`block index must have ${x.ndim} entries (numblocks ${describe(x.numblocks)}), got ${describe(index)}`);
  }
  const lo: number[] = [];
  const hi: number[] = [];
  x.chunks.forEach((c, k) => {
    const i = checkInteger(`index[${k}]`, index[k], 0, c.length - 1);
    const b = chunkBounds(c);
    lo.push(b[i]!);
    hi.push(b[i + 1]!);
  });
  return { lo, hi };
}

function checkMaterializable(node: Node): void {
  const bytes = size(node.shape) * itemsize(node.dtype);
  const limit = materializeLimit();
  if (bytes > limit) {
    throw new RangeError(
      `compute() would materialize ${formatBytes(bytes)} (shape [${node.shape.join(', ')}], ${node.dtype}), over the limit of ${formatBytes(limit)}. ` +
        `Reduce it first (e.g. .sum() or .mean({ axis })), persist() it to keep it in native memory, stream it chunk by chunk, ` +
        `or raise the limit with configure({ materializeLimit }).`,
    );
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'kiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 2 : 0)} ${units[i]}`;
}

/** Compute several arrays in one plan: shared work (e.g. a common reduction) runs once. */
export async function computeArrays(arrays: readonly NDArray[], options?: ComputeOptions): Promise<Computed[]> {
  checkComputeOptions('compute', options);
  for (const a of arrays) if (a.node.kind !== 'reduce' && a.node.kind !== 'quantile') checkMaterializable(a.node);
  // a reduction over more storage than fits: chunk by chunk, same bits (src/storage/chunked-reduce.ts)
  if (arrays.length === 1 && arrays[0]!.node.kind === 'reduce') {
    const r = await chunkedReduce(arrays[0]!.node, options);
    if (r !== undefined) return [r];
  }
  // storage arrays (src/storage/): only the chunks this compute touches are read
  const inputs = await resolveStorage(arrays.map((a) => ({ node: a.node })), options?.signal);
  try {
    await resolveDelayedInputs(inputs.roots, options?.signal);
    const resolved = await resolveUnknownChunks(inputs.roots); // masks counted first
    try {
      resolved.roots.forEach((n, i) => n !== inputs.roots[i]! && n.kind !== 'reduce' && n.kind !== 'quantile' && checkMaterializable(n));
      const lowering = new Lowering(allocNative);
      const lowered = lowering.lower(resolved.roots.map((node): RootRequest => ({ node, target: 'result' })));
      await runLowered(lowered, options ?? {});
      return outputsOf(lowered.outputs);
    } finally {
      resolved.release();
    }
  } finally {
    inputs.release();
  }
}

function outputsOf(outputs: readonly { memory: unknown; dtype: NodeDType; shape: number[] }[]): Computed[] {
  return outputs.map((out) => {
    const data = typed(out.memory as ArrayBuffer, out.dtype);
    // 0-d: a number, a bigint (int64/uint64) or a boolean (bool), as NumPy's scalars
    if (out.shape.length === 0) return out.dtype === 'bool' ? data[0] !== 0 : data[0]!;
    return new DenseArray(data, out.shape, out.dtype);
  });
}

export async function persistArrays(arrays: readonly NDArray[], options?: ComputeOptions): Promise<NDArray[]> {
  checkComputeOptions('persist', options);
  // under configure({ memoryLimit }): chunk by chunk, least recently used chunks spilled to disk
  if (spillSettings.memoryLimit !== null) {
    const out: NDArray[] = [];
    for (const a of arrays) out.push(await persistSpilled(a, options));
    return out;
  }
  const inputs = await resolveStorage(arrays.map((a) => ({ node: a.node })), options?.signal);
  let lowered: ReturnType<Lowering['lower']>;
  let resolved: Awaited<ReturnType<typeof resolveUnknownChunks>>;
  try {
    await resolveDelayedInputs(inputs.roots, options?.signal);
    resolved = await resolveUnknownChunks(inputs.roots); // persisted arrays have known chunks
    lowered = new Lowering(allocNative).lower(resolved.roots.map((node): RootRequest => ({ node, target: 'persist' })));
    try {
      await runLowered(lowered, options ?? {});
    } finally {
      resolved.release();
    }
  } finally {
    inputs.release();
  }
  return arrays.map((_, i) => {
    const out = lowered.outputs[i]!;
    const src = resolved.roots[i]!;
    const node: MemoryNode = {
      kind: 'memory',
      id: newId(),
      name: `persisted-${token(`persist:${src.name}:${newId()}`)}`,
      shape: src.shape,
      dtype: src.dtype,
      chunks: src.chunks,
      memory: out.memory,
      strides: contiguousStrides(src.shape),
      offset: 0,
      op: 'persisted',
      state: { disposed: false },
    };
    return new NDArray(node);
  });
}

/**
 * Run the user functions behind fromDelayed arrays (once per compute, as Dask recomputes a
 * delayed value that was not persisted) so the plan can read their data.
 */
export async function resolveDelayedInputs(roots: readonly Node[], signal?: AbortSignal): Promise<void> {
  const pending = topoOrder(roots).filter((n): n is DelayedNode => n.kind === 'delayed' && !n.source.boxes);
  await Promise.all(
    pending.map(async (n) => {
      n.state.data = await n.source.compute({ signal });
    }),
  );
}

// Re-exported: other modules import the builders from here.
export { normalizeAxis, asNode, unary, binary, reduce, roundArray, clipArray, unaryDType, binaryDType, whereArrays, astypeArray } from './expr.js';
