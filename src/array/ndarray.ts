// NDArray: a lazy, blocked N-d array (Dask's dask.array.Array). Operations build expression
// nodes; compute() lowers them to one native plan that runs as fused chunk kernels.
import { checkInteger, describe } from '../errors.js';
import { materializeLimit } from '../settings.js';
import { Lowering, type RootRequest } from './lower.js';
import { arrayGraph } from './taskgraph.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import { checkComputeOptions } from '../graph/types.js';
import { native, type NativeBuffer } from '../native.js';
import { runLowered } from '../scheduler/local.js';
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
import { normalizeAxis, unary, binary, reduce, roundArray, clipArray, astypeArray } from './expr.js';
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
  type DType,
  type MemoryNode,
  type Node,
} from './node.js';

/** What compute() gives: a number for 0-d arrays, a DenseArray otherwise. */
/** A computed result: a DenseArray, or for 0-d arrays a number (bigint for int64/uint64, boolean for bool). */
export type Computed = number | bigint | boolean | DenseArray;
export type Operand = NDArray<Computed> | number;

export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes with length 1. */
  keepdims?: boolean;
  /**
   * The result's dtype, as NumPy's `dtype=` (accumulation is float64 either way): only for
   * sum, prod, mean, var, std and their nan-variants; the others refuse it (TypeError).
   */
  dtype?: DType;
}
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is N - ddof (default 0, as NumPy). */
  ddof?: number;
}
export type FullReduceOptions = { axis?: null | undefined; keepdims?: false };
export type FullQuantileOptions = { axis?: null | undefined; keepdims?: false };
export interface ArgReduceOptions {
  /** One axis (negative counts from the end); the flattened array when omitted, as NumPy. */
  axis?: number | null;
  keepdims?: boolean;
}

export class NDArray<T extends Computed = Computed> implements HasGraph {
  /** @internal */
  readonly node: Node;
  declare private readonly __result?: T;
  /** @internal — use the creation functions (ones, random.random, fromArray, …). */
  constructor(node: Node) {
    checkUnknownOperands(node);  // unknown (NaN) chunk sizes: only elementwise ops and reductions (./indexing/gather.ts)
    this.node = node;
  }
  get shape(): number[] {
    return [...this.node.shape];
  }
  get ndim(): number {
    return this.node.shape.length;
  }
  get size(): number {
    return size(this.node.shape);
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get itemsize(): number {
    return itemsize(this.node.dtype);
  }
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
  get numblocks(): number[] {
    return this.node.chunks.map((c) => c.length);
  }
  get npartitions(): number {
    return this.numblocks.reduce((a, b) => a * b, 1);
  }
  /** Dask's layer name, e.g. "add-1f3a9c2b7d10". */
  get name(): string {
    return this.node.name;
  }
  get T(): NDArray<T> {
    return this.transpose();
  }
  toString(): string {
    return `tessera.NDArray<${opName(this.node)}, shape=[${this.node.shape.join(', ')}], dtype=${this.dtype}, chunksize=[${this.chunksize.join(', ')}]>`;
  }
  get [Symbol.toStringTag](): string {
    return 'NDArray';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  // Elementwise arithmetic (NumPy broadcasting, scalar operands).
  add<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('add', this, other); }
  sub<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('sub', this, other); }
  mul<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('mul', this, other); }
  div<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('div', this, other); }
  pow<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('pow', this, other); }
  maximum<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('maximum', this, other); }
  minimum<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('minimum', this, other); }
  neg(): NDArray<T> { return unary('neg', this); }
  abs(): NDArray<T> { return unary('abs', this); }
  exp(): NDArray<T> { return unary('exp', this); }
  log(): NDArray<T> { return unary('log', this); }
  sqrt(): NDArray<T> { return unary('sqrt', this); }
  sin(): NDArray<T> { return unary('sin', this); }
  cos(): NDArray<T> { return unary('cos', this); }
  // float64 ufuncs of issue 14 (rows 32-69 of ops.json; see src/array/ufuncs.ts for the functions).
  square(): NDArray<T> { return unary('square', this); }
  reciprocal(): NDArray<T> { return unary('reciprocal', this); }
  sign(): NDArray<T> { return unary('sign', this); }
  floor(): NDArray<T> { return unary('floor', this); }
  ceil(): NDArray<T> { return unary('ceil', this); }
  trunc(): NDArray<T> { return unary('trunc', this); }
  rint(): NDArray<T> { return unary('rint', this); }
  cbrt(): NDArray<T> { return unary('cbrt', this); }
  tan(): NDArray<T> { return unary('tan', this); }
  sinh(): NDArray<T> { return unary('sinh', this); }
  cosh(): NDArray<T> { return unary('cosh', this); }
  tanh(): NDArray<T> { return unary('tanh', this); }
  arcsin(): NDArray<T> { return unary('arcsin', this); }
  arccos(): NDArray<T> { return unary('arccos', this); }
  arctan(): NDArray<T> { return unary('arctan', this); }
  arcsinh(): NDArray<T> { return unary('arcsinh', this); }
  arccosh(): NDArray<T> { return unary('arccosh', this); }
  arctanh(): NDArray<T> { return unary('arctanh', this); }
  exp2(): NDArray<T> { return unary('exp2', this); }
  expm1(): NDArray<T> { return unary('expm1', this); }
  log2(): NDArray<T> { return unary('log2', this); }
  log10(): NDArray<T> { return unary('log10', this); }
  log1p(): NDArray<T> { return unary('log1p', this); }
  deg2rad(): NDArray<T> { return unary('deg2rad', this); }
  rad2deg(): NDArray<T> { return unary('rad2deg', this); }
  arctan2<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('arctan2', this, other); }
  hypot<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('hypot', this, other); }
  copysign<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('copysign', this, other); }
  fmod<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('fmod', this, other); }
  mod<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('mod', this, other); }
  floorDivide<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('floorDivide', this, other); }
  /**
   * A copy as another dtype (NumPy's astype, casting='unsafe'): float64 → float32 rounds to nearest,
   * to bool is x != 0 (NaN is true), bool → float is 0/1. The same dtype returns this array.
   */
  astype(dtype: DType): NDArray<T> { return astypeArray(this, dtype); }
  /** numpy.positive: a copy of the values. */
  positive(): NDArray<T> { return unary('positive', this); }
  // Comparisons, logical operations and predicates: bool results (Uint8Array of 0/1 from compute()).
  logicalNot(): NDArray<T> { return unary('logicalNot', this); }
  isnan(): NDArray<T> { return unary('isnan', this); }
  isinf(): NDArray<T> { return unary('isinf', this); }
  isfinite(): NDArray<T> { return unary('isfinite', this); }
  signbit(): NDArray<T> { return unary('signbit', this); }
  eq<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('eq', this, other); }
  ne<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('ne', this, other); }
  lt<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('lt', this, other); }
  le<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('le', this, other); }
  gt<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('gt', this, other); }
  ge<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('ge', this, other); }
  logicalAnd<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('logicalAnd', this, other); }
  logicalOr<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('logicalOr', this, other); }
  logicalXor<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('logicalXor', this, other); }
  /** numpy.bitwise_and / or / xor (bool and integer dtypes; floats are a TypeError). */
  bitwiseAnd<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('bitwiseAnd', this, other); }
  bitwiseOr<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('bitwiseOr', this, other); }
  bitwiseXor<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('bitwiseXor', this, other); }
  /** numpy.left_shift / right_shift (integer dtypes; a shift by the width or more gives 0, or -1 for negative values shifted right). */
  leftShift<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('leftShift', this, other); }
  rightShift<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('rightShift', this, other); }
  /** numpy.invert (~): bitwise not of integers, logical not of bool. */
  invert(): NDArray<T> { return unary('invert', this); }
  /** numpy.remainder (an alias of mod): the remainder with the divisor's sign. */
  remainder<U extends Computed>(other: NDArray<U> | number): NDArray<T | U> { return binary('mod', this, other); }
  /** numpy.round / around: round half to even at `decimals` digits (negative: left of the point), as NumPy (x * 10^d, rint, / 10^d). */
  round(decimals = 0): NDArray<T> { return roundArray(this, decimals); }
  /** numpy.clip: minimum(maximum(x, lo), hi), NaN propagating; `null` leaves that side open. */
  clip(lo: number | NDArray<Computed> | null, hi: number | NDArray<Computed> | null): NDArray<T> { return clipArray(this, lo, hi); }
  // Matrix products (src/array/linalg/products.ts; NumPy semantics, a native GEMM per output chunk).
  matmul(other: NDArray<Computed>): NDArray<Computed> { return products.matmul(this, other); }
  dot(other: NDArray<Computed> | number): NDArray<Computed> { return products.dot(this, other); }
  trace(options?: products.TraceOptions): NDArray<Computed> { return products.trace(this, options); }
  // User functions per block (src/array/blocks/; Dask's map_blocks / map_overlap).
  /** `mapBlocks(fn, this, options)`: fn per block (delayed.module functions on worker threads, closures on the main thread). */
  mapBlocks(fn: blocks.BlockFunction | ((...args: never[]) => unknown), options?: blocks.MapBlocksOptions): NDArray<DenseArray> { return blocks.mapBlocks(fn, this, options ?? {}); }
  /** `mapOverlap(fn, this, options)`: fn per block with `depth` neighbouring elements on each side, halo trimmed. */
  mapOverlap(fn: blocks.BlockFunction | ((...args: never[]) => unknown), options: overlap.MapOverlapOptions): NDArray<DenseArray> { return overlap.mapOverlap(fn, this, options); }
  /** Reverse (or permute) the axes, lazily: kernels read the input with permuted strides. */
  transpose(axes?: readonly number[]): NDArray<T> {
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
    return new NDArray<T>({
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
  get(...index: IndexInput[]): NDArray<Computed> {
    return new NDArray<Computed>(getItem(this.node, index));
  }
  /**
   * Dask's `x[index] = value` without mutation: a new lazy array with `value` (a number or an
   * array broadcasting to the indexed shape) at `index` (one item, or a list of items; integers
   * and slices with step ±1 for now).
   */
  set(index: IndexInput | readonly IndexInput[], value: NDArray<Computed> | number): NDArray<Computed> {
    return setItem(this, index, value);
  }
  /**
   * np.take(x, indices, axis): indices a JS integer list, TypedArray or 1-d integer NDArray (negative
   * counts from the end; out of range is a RangeError naming the axis and size). No axis: the
   * flattened array, as NumPy (Dask's default is axis 0). A native gather; chunks as Dask's take.
   */
  take(indices: TakeIndices, options?: { axis?: number | null }): NDArray<Computed> {
    return takeIndices(this, indices, options);
  }
  /**
   * x[cond] for a boolean NDArray of x's shape: the selected elements, 1-d in row-major order, with
   * unknown chunk sizes (NaN) as in Dask until `computeChunkSizes()`. Native prefix-sum compaction.
   */
  mask(cond: NDArray<Computed>): NDArray<Computed> {
    return maskArray(this, cond);
  }
  /** np.repeat: each element `repeats` times along axis (no axis: flattened); a native take, Dask's chunks. */
  repeat(repeats: number | readonly number[], options?: { axis?: number | null }): NDArray<Computed> {
    return repeatArray(this, repeats, options);
  }
  /** Dask's compute_chunk_sizes(): computes unknown (NaN) chunk sizes and records them on this array; returns it. */
  computeChunkSizes(): Promise<this> {
    return chunkSizes(this);
  }
  /** np.reshape (one -1 allowed) as a view: splits of axes and length-1 axes; merging axes is not supported yet. */
  reshape(shape: readonly number[] | number): NDArray<Computed> {
    requireKnownChunks('reshape', this.node);
    return new NDArray<Computed>(shapeOps.reshape(this.node, shape));
  }
  /** np.ravel: the 1-d reshape (free for generated/contiguous leaves and their elementwise expressions; see reshape). */
  ravel(): NDArray<Computed> {
    if (this.ndim !== 1) requireKnownChunks('ravel', this.node);
    return new NDArray<Computed>(shapeOps.reshape(this.node, [-1]));
  }
  /** np.squeeze: drop length-1 axes (a view). */
  squeeze(axis?: number | readonly number[]): NDArray<Computed> {
    return new NDArray<Computed>(shapeOps.squeeze(this.node, axis));
  }
  /** np.expand_dims: insert length-1 axes at these result positions (a view). */
  expandDims(axis: number | readonly number[]): NDArray<Computed> {
    return new NDArray<Computed>(shapeOps.expandDims(this.node, axis));
  }
  /** np.swapaxes (a permutation of the leaves' strides). */
  swapaxes(axis1: number, axis2: number): NDArray<T> {
    return this.transpose(shapeOps.swapaxesPerm(this.ndim, axis1, axis2));
  }
  /** np.moveaxis (a permutation of the leaves' strides). */
  moveaxis(source: number | readonly number[], destination: number | readonly number[]): NDArray<T> {
    return this.transpose(shapeOps.moveaxisPerm(this.ndim, source, destination));
  }
  /** np.flip: reverse these axes (all when omitted); a view with negative strides. */
  flip(axis?: number | readonly number[] | null): NDArray<T> {
    return new NDArray<T>(shapeOps.flip(this.node, axis));
  }
  /** np.flipud: flip axis 0. */
  flipud(): NDArray<T> {
    if (this.ndim < 1) throw new RangeError('flipud: the array must have at least 1 dimension');
    return this.flip(0);
  }
  /** np.fliplr: flip axis 1. */
  fliplr(): NDArray<T> {
    if (this.ndim < 2) throw new RangeError('fliplr: the array must have at least 2 dimensions');
    return this.flip(1);
  }
  /** np.broadcast_to as a view (zero strides); chunks as Dask's. */
  broadcastTo(shape: readonly number[]): NDArray<Computed> {
    return new NDArray<Computed>(shapeOps.broadcastTo(this.node, shape));
  }
  /** Same values on another chunk grid (free: no data moves until compute). */
  rechunk(chunks: RechunkSpec): NDArray<T> {
    requireKnownChunks('rechunk', this.node);
    const src = this.node;
    const normalized = rechunkChunks(chunks, src.chunks, src.shape, itemsize(src.dtype));
    return new NDArray<T>({
      kind: 'rechunk',
      id: newId(),
      name: `rechunk-${token(`rechunk:${src.name}:${JSON.stringify(normalized)}`)}`,
      shape: src.shape,
      dtype: src.dtype,
      chunks: normalized,
      arg: src,
    });
  }
  sum(options?: FullReduceOptions): NDArray<number>;
  sum(options: ReduceOptions): NDArray<Computed>;
  sum(options?: ReduceOptions): NDArray<Computed> { return reduce('sum', this, options); }
  prod(options?: FullReduceOptions): NDArray<number>;
  prod(options: ReduceOptions): NDArray<Computed>;
  prod(options?: ReduceOptions): NDArray<Computed> { return reduce('prod', this, options); }
  min(options?: FullReduceOptions): NDArray<number>;
  min(options: ReduceOptions): NDArray<Computed>;
  min(options?: ReduceOptions): NDArray<Computed> { return reduce('min', this, options); }
  max(options?: FullReduceOptions): NDArray<number>;
  max(options: ReduceOptions): NDArray<Computed>;
  max(options?: ReduceOptions): NDArray<Computed> { return reduce('max', this, options); }
  mean(options?: FullReduceOptions): NDArray<number>;
  mean(options: ReduceOptions): NDArray<Computed>;
  mean(options?: ReduceOptions): NDArray<Computed> { return reduce('mean', this, options); }
  var(options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
  var(options: VarOptions): NDArray<Computed>;
  var(options?: VarOptions): NDArray<Computed> { return reduce('var', this, options); }
  std(options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
  std(options: VarOptions): NDArray<Computed>;
  std(options?: VarOptions): NDArray<Computed> { return reduce('std', this, options); }
  // argmin/argmax: the first extreme's index along one axis (or of the flattened array); the
  // first NaN wins, as NumPy. Indices are float64 until int64 lands.
  argmin(options?: FullReduceOptions): NDArray<number>;
  argmin(options: ArgReduceOptions): NDArray<Computed>;
  argmin(options?: ArgReduceOptions): NDArray<Computed> { return reduce('argmin', this, options); }
  argmax(options?: FullReduceOptions): NDArray<number>;
  argmax(options: ArgReduceOptions): NDArray<Computed>;
  argmax(options?: ArgReduceOptions): NDArray<Computed> { return reduce('argmax', this, options); }
  // nanargmin/nanargmax: as argmin/argmax ignoring NaN; an all-NaN slice is a RangeError at
  // compute time (NumPy: ValueError "All-NaN slice encountered").
  nanargmin(options?: FullReduceOptions): NDArray<number>;
  nanargmin(options: ArgReduceOptions): NDArray<Computed>;
  nanargmin(options?: ArgReduceOptions): NDArray<Computed> { return reduce('nanargmin', this, options); }
  nanargmax(options?: FullReduceOptions): NDArray<number>;
  nanargmax(options: ArgReduceOptions): NDArray<Computed>;
  nanargmax(options?: ArgReduceOptions): NDArray<Computed> { return reduce('nanargmax', this, options); }
  // NumPy's nan-reductions (NaN elements skipped; all-NaN: nanmin/nanmax/nanmean/nanvar → NaN),
  // any/all/countNonzero (float64 0/1 and counts until bool/int64 dtypes land), ptp = max - min.
  nansum(options?: FullReduceOptions): NDArray<number>;
  nansum(options: ReduceOptions): NDArray<Computed>;
  nansum(options?: ReduceOptions): NDArray<Computed> { return reduce('nansum', this, options); }
  nanprod(options?: FullReduceOptions): NDArray<number>;
  nanprod(options: ReduceOptions): NDArray<Computed>;
  nanprod(options?: ReduceOptions): NDArray<Computed> { return reduce('nanprod', this, options); }
  nanmean(options?: FullReduceOptions): NDArray<number>;
  nanmean(options: ReduceOptions): NDArray<Computed>;
  nanmean(options?: ReduceOptions): NDArray<Computed> { return reduce('nanmean', this, options); }
  nanvar(options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
  nanvar(options: VarOptions): NDArray<Computed>;
  nanvar(options?: VarOptions): NDArray<Computed> { return reduce('nanvar', this, options); }
  nanstd(options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
  nanstd(options: VarOptions): NDArray<Computed>;
  nanstd(options?: VarOptions): NDArray<Computed> { return reduce('nanstd', this, options); }
  nanmin(options?: FullReduceOptions): NDArray<number>;
  nanmin(options: ReduceOptions): NDArray<Computed>;
  nanmin(options?: ReduceOptions): NDArray<Computed> { return reduce('nanmin', this, options); }
  nanmax(options?: FullReduceOptions): NDArray<number>;
  nanmax(options: ReduceOptions): NDArray<Computed>;
  nanmax(options?: ReduceOptions): NDArray<Computed> { return reduce('nanmax', this, options); }
  any(options?: FullReduceOptions): NDArray<number>;
  any(options: ReduceOptions): NDArray<Computed>;
  any(options?: ReduceOptions): NDArray<Computed> { return reduce('any', this, options); }
  all(options?: FullReduceOptions): NDArray<number>;
  all(options: ReduceOptions): NDArray<Computed>;
  all(options?: ReduceOptions): NDArray<Computed> { return reduce('all', this, options); }
  countNonzero(options?: FullReduceOptions): NDArray<number>;
  countNonzero(options: ReduceOptions): NDArray<Computed>;
  countNonzero(options?: ReduceOptions): NDArray<Computed> { return reduce('count_nonzero', this, options); }
  ptp(options?: FullReduceOptions): NDArray<number>;
  ptp(options: ReduceOptions): NDArray<Computed>;
  ptp(options?: ReduceOptions): NDArray<Computed> { return reduce('ptp', this, options); }
  // Cumulative scans along an axis across chunks (Dask's cumreduction: each chunk is scanned,
  // then chunk j adds the running total of the chunks before it, in chunk order — so the
  // rounding depends on the chunking along the axis, as Dask's, never on threads); axis omitted:
  // the flattened array. nancumsum/nancumprod count NaN as 0 / 1. ./reductions/scan.ts
  cumsum(options?: CumulativeOptions): NDArray<DenseArray> { return cumulative('cumsum', this, options) as NDArray<DenseArray>; }
  cumprod(options?: CumulativeOptions): NDArray<DenseArray> { return cumulative('cumprod', this, options) as NDArray<DenseArray>; }
  nancumsum(options?: CumulativeOptions): NDArray<DenseArray> { return cumulative('nancumsum', this, options) as NDArray<DenseArray>; }
  nancumprod(options?: CumulativeOptions): NDArray<DenseArray> { return cumulative('nancumprod', this, options) as NDArray<DenseArray>; }
  /**
   * NumPy's median (mean of the middle two for an even count; NaN if the lane holds a NaN)
   * along one axis — made one chunk, as Dask's — or over all elements, exactly: the array is
   * materialized and selected in memory (bounded by memory, not streamed).
   */
  median(options?: FullQuantileOptions): NDArray<number>;
  median(options: QuantileOptions): NDArray<Computed>;
  median(options?: QuantileOptions): NDArray<Computed> { return quantile('median', this, undefined, options); }
  /**
   * NumPy's quantile, default 'linear' method, q in [0, 1] (a number, or an array: the result
   * gets a leading axis of q's length). Axis and memory as median(). float32 data is
   * interpolated in float64 and rounded once (NumPy's float32 arithmetic can differ in the last bit).
   */
  quantile(q: number, options?: FullQuantileOptions): NDArray<number>;
  quantile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed>;
  quantile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed> { return quantile('quantile', this, q, options); }
  /** quantile(q / 100), q in [0, 100]. */
  percentile(q: number, options?: FullQuantileOptions): NDArray<number>;
  percentile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed>;
  percentile(q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed> { return quantile('percentile', this, q, options); }
  /** Run the graph: a number for 0-d results, otherwise a DenseArray whose data is not copied. */
  async compute(options?: ComputeOptions): Promise<T> {
    const [result] = await computeArrays([this], options);
    return result as T;
  }
  /** Compute and keep the result in native memory (outside the JS heap); returns an NDArray over it. */
  async persist(options?: ComputeOptions): Promise<NDArray<T>> {
    const [result] = await persistArrays([this], options);
    return result as NDArray<T>;
  }
  /** Free the native memory of a persisted array now instead of at garbage collection. */
  dispose(): void {
    const node = this.node;
    if (node.kind === 'memory' && node.op === 'persisted' && !node.state.disposed) {
      node.state.disposed = true;
      native().freeBuffer(node.memory as NativeBuffer);
    }
  }
  /** Compute one chunk, by its chunk-grid index. */
  async computeBlock(index: readonly number[], options?: ComputeOptions): Promise<DenseArray> {
    const region = blockRegion(this, index);
    await resolveDelayedInputs([this.node], options?.signal);
    const lowering = new Lowering(allocNative);
    const lowered = lowering.lower([{ node: this.node, target: 'result', region }]);
    await runLowered(lowered, options);
    const out = lowered.outputs[0]!;
    return new DenseArray(typed(out.memory as ArrayBuffer, out.dtype), out.shape);
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

function typed(buffer: ArrayBuffer, dtype: DType): TypedData {
  return typedView(dtype, buffer);
}

function blockRegion(x: NDArray<Computed>, index: readonly number[]): { lo: number[]; hi: number[] } {
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
export async function computeArrays(arrays: readonly NDArray<Computed>[], options?: ComputeOptions): Promise<Computed[]> {
  checkComputeOptions('compute', options);
  for (const a of arrays) if (a.node.kind !== 'reduce' && a.node.kind !== 'quantile') checkMaterializable(a.node);
  await resolveDelayedInputs(arrays.map((a) => a.node), options?.signal);
  const resolved = await resolveUnknownChunks(arrays.map((a) => a.node));  // masks counted first
  try {
    resolved.roots.forEach((n, i) => n !== arrays[i]!.node && n.kind !== 'reduce' && n.kind !== 'quantile' && checkMaterializable(n));
    const lowering = new Lowering(allocNative);
    const lowered = lowering.lower(resolved.roots.map((node): RootRequest => ({ node, target: 'result' })));
    await runLowered(lowered, options ?? {});
    return outputsOf(lowered.outputs);
  } finally {
    resolved.release();
  }
}

function outputsOf(outputs: readonly { memory: unknown; dtype: DType; shape: number[] }[]): Computed[] {
  return outputs.map((out) => {
    const data = typed(out.memory as ArrayBuffer, out.dtype);
    // 0-d: a number, a bigint (int64/uint64) or a boolean (bool), as NumPy's scalars
    if (out.shape.length === 0) return out.dtype === 'bool' ? data[0] !== 0 : data[0]!;
    return new DenseArray(data, out.shape, out.dtype);
  });
}

export async function persistArrays(arrays: readonly NDArray<Computed>[], options?: ComputeOptions): Promise<NDArray<Computed>[]> {
  checkComputeOptions('persist', options);
  await resolveDelayedInputs(arrays.map((a) => a.node), options?.signal);
  const resolved = await resolveUnknownChunks(arrays.map((a) => a.node));  // persisted arrays have known chunks
  const lowering = new Lowering(allocNative);
  const lowered = lowering.lower(resolved.roots.map((node): RootRequest => ({ node, target: 'persist' })));
  try {
    await runLowered(lowered, options ?? {});
  } finally {
    resolved.release();
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
  const pending = topoOrder(roots).filter((n): n is DelayedNode => n.kind === 'delayed');
  await Promise.all(
    pending.map(async (n) => {
      n.state.data = await n.source.compute({ signal });
    }),
  );
}

// Re-exported: other modules import the builders from here.
export { normalizeAxis, asNode, unary, binary, reduce, roundArray, clipArray, unaryDType, binaryDType, whereArrays, astypeArray } from './expr.js';
