// NDArray: a lazy, blocked N-d array (Dask's dask.array.Array). Operations build expression
// nodes; compute() lowers them to one native plan that runs as fused chunk kernels.
import { checkFinite, checkInteger, checkOptions, describe } from '../errors.js';
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
import { chunkBounds, type ChunksSpec } from './chunks.js';
import { DenseArray } from './dense.js';
import { cumulative, quantile, type CumulativeOptions, type QuantileOptions } from './reductions/scan.js';
import { getItem } from './indexing/get.js';
import * as shapeOps from './indexing/shape.js';
import { rechunkChunks, type RechunkSpec } from './indexing/rechunk.js';
import { setItem } from './indexing/set.js';
import { take as takeIndices } from './indexing/take.js';
import type { IndexInput } from './indexing/parse.js';
import * as products from './linalg/products.js';
import {
  broadcastShapes,
  contiguousStrides,
  itemsize,
  newId,
  opName,
  size,
  token,
  typedView,
  type TypedData,
  topoOrder,
  type BinaryOp,
  type DelayedNode,
  type DType,
  type MemoryNode,
  type Node,
  type ReduceOp,
  type UnaryOp,
} from './node.js';

/** What compute() gives: a number for 0-d arrays, a DenseArray otherwise. */
export type Computed = number | DenseArray;
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

  /** np.take(x, indices, axis) for a JS integer list or TypedArray (no axis: the flattened array, as NumPy). */
  take(indices: readonly number[] | ArrayLike<number>, options?: { axis?: number | null }): NDArray<Computed> {
    return takeIndices(this, indices, options);
  }

  /** np.reshape (one -1 allowed) as a view: splits of axes and length-1 axes; merging axes is not supported yet. */
  reshape(shape: readonly number[] | number): NDArray<Computed> {
    return new NDArray<Computed>(shapeOps.reshape(this.node, shape));
  }
  /** np.ravel: the 1-d reshape (free for generated/contiguous leaves and their elementwise expressions; see reshape). */
  ravel(): NDArray<Computed> {
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
    await resolveDelayedInputs([this.node]);
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
  await resolveDelayedInputs(arrays.map((a) => a.node));
  const lowering = new Lowering(allocNative);
  const lowered = lowering.lower(arrays.map((a): RootRequest => ({ node: a.node, target: 'result' })));
  await runLowered(lowered, options ?? {});
  return lowered.outputs.map((out) => {
    const data = typed(out.memory as ArrayBuffer, out.dtype);
    return out.shape.length === 0 ? data[0]! : new DenseArray(data, out.shape);
  });
}

export async function persistArrays(arrays: readonly NDArray<Computed>[], options?: ComputeOptions): Promise<NDArray<Computed>[]> {
  checkComputeOptions('persist', options);
  await resolveDelayedInputs(arrays.map((a) => a.node));
  const lowering = new Lowering(allocNative);
  const lowered = lowering.lower(arrays.map((a): RootRequest => ({ node: a.node, target: 'persist' })));
  await runLowered(lowered, options ?? {});
  return arrays.map((a, i) => {
    const out = lowered.outputs[i]!;
    const src = a.node;
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
export async function resolveDelayedInputs(roots: readonly Node[]): Promise<void> {
  const pending = topoOrder(roots).filter((n): n is DelayedNode => n.kind === 'delayed');
  await Promise.all(
    pending.map(async (n) => {
      n.state.data = await n.source.compute();
    }),
  );
}

export function normalizeAxis(name: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number') throw new TypeError(`${name} must be an integer axis, got ${describe(axis)}`);
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${name} ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function asNode(name: string, x: unknown): Node | number {
  if (x instanceof NDArray) return x.node;
  if (typeof x === 'number') return x;
  throw new TypeError(`${name} must be an NDArray or a number, got ${describe(x)}`);
}

export function unary<T extends Computed>(op: UnaryOp, x: NDArray<T>): NDArray<T> {
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: x must be an NDArray, got ${describe(x)}`);
  const src = x.node;
  return new NDArray<T>({
    kind: 'unary',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}`)}`,
    shape: src.shape,
    dtype: unaryDType(op, src.dtype),
    chunks: src.chunks,
    op,
    arg: src,
  });
}

export function binary<R extends Computed>(op: BinaryOp, a: unknown, b: unknown): NDArray<R> {
  let x = asNode(`${op}: first operand`, a);
  const y = asNode(`${op}: second operand`, b);
  // Two numbers (the module functions: add(1, 2)) give a 0-d float64 array, as NumPy's scalars.
  if (typeof x === 'number' && typeof y === 'number') x = scalarNode(x);
  const nodes = [x, y].filter((v): v is Node => typeof v !== 'number');
  const shape = nodes.length === 2 ? broadcastShapes(nodes[0]!.shape, nodes[1]!.shape) : [...nodes[0]!.shape];
  const dtype = binaryDType(op, nodes.map((n) => n.dtype));
  // Output grid: per axis, the chunks of the first operand that spans the axis. No unification:
  // kernels read any operand region from any chunk, so x.add(x.T) keeps x's chunks.
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && n.shape[j] === s) return n.chunks[j]!;
    }
    return [s];
  });
  const desc = [x, y].map((v) => (typeof v === 'number' ? `#${v}` : v.name)).join(',');
  return new NDArray<R>({
    kind: 'binary',
    id: newId(),
    name: `${op}-${token(`${op}:${desc}`)}`,
    shape,
    dtype,
    chunks,
    op,
    args: [x, y],
  });
}

/** The reductions that take NumPy's `dtype=`. */
const DTYPE_REDUCTIONS = new Set<string>(['sum', 'prod', 'mean', 'var', 'std', 'nansum', 'nanprod', 'nanmean', 'nanvar', 'nanstd']);

export function reduce(op: ReduceOp, x: NDArray<Computed>, options?: VarOptions): NDArray<Computed> {
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
  if (o.dtype !== undefined && o.dtype !== 'float64' && o.dtype !== 'float32') {
    throw new TypeError(`${op}: dtype must be 'float64' or 'float32', got ${describe(o.dtype)}`);
  }
  const resultDType: DType = o.dtype ?? src.dtype;
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
    // counts and truth values in float64 (exact counts to 2^53) until int64 exists; bool reduces
    // as float64 0/1 too (NumPy: int64 sums, bool min/max) until typed registers land
    dtype: op === 'any' || op === 'all' || op === 'count_nonzero' || argLike || resultDType === 'bool' ? 'float64' : resultDType,
    chunks,
    op,
    axes,
    keepdims,
    ddof,
    arg: src,
  });
}

export function roundArray<T extends Computed>(x: NDArray<T>, decimals: number): NDArray<T> {
  if (!Number.isInteger(decimals)) throw new TypeError(`round: decimals must be an integer, got ${describe(decimals)}`);
  if (decimals === 0) return unary('rint', x);
  const f = 10 ** Math.abs(decimals);
  return decimals > 0 ? binary<T>('div', unary('rint', binary<T>('mul', x, f)), f) : binary<T>('mul', unary('rint', binary<T>('div', x, f)), f);
}

export function clipArray<T extends Computed>(x: NDArray<T>, lo: number | NDArray<Computed> | null, hi: number | NDArray<Computed> | null): NDArray<T> {
  if (!(x instanceof NDArray)) throw new TypeError(`clip: x must be an NDArray, got ${describe(x)}`);
  if (lo === null && hi === null) throw new TypeError('clip: one of lo and hi must be given (got null for both)');
  let r: NDArray<T> = x;
  if (lo !== null) r = binary<T>('maximum', r, lo);
  if (hi !== null) r = binary<T>('minimum', r, hi);
  return r;
}

/** A 0-d float64 constant (a JS number used where an array is needed). */
function scalarNode(value: number): Node {
  return { kind: 'const', op: 'full', id: newId(), name: `full-${token(`full::${value}:float64:`)}`, shape: [], dtype: 'float64', chunks: [], value };
}

// Operations whose result is bool whatever the (float or bool) inputs.
const BOOL_RESULT = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot', 'isnan', 'isinf', 'isfinite', 'signbit']);

/** The dtype of a unary op's result; float math on bool is refused at build time (issue 14 item 5). */
export function unaryDType(op: UnaryOp, d: DType): DType {
  if (BOOL_RESULT.has(op)) return 'bool';
  if (d === 'bool') {
    throw new TypeError(`${op}: dtype bool is not accepted (accepted: float32, float64; NumPy's results for bool are integer or float16 dtypes, not built yet)`);
  }
  return d;
}

/**
 * The dtype of a binary op's result: NumPy's promotion over float32/float64/bool with JS numbers
 * weak (NEP 50: a number never widens float32). Arithmetic needs a float operand: bool with bool
 * or with a JS number is an integer result in NumPy, which needs typed registers.
 */
export function binaryDType(op: BinaryOp, ds: readonly DType[]): DType {
  if (BOOL_RESULT.has(op)) return 'bool';
  if (ds.includes('float64')) return 'float64';
  if (ds.includes('float32')) return 'float32';
  throw new TypeError(
    `${op}: dtype bool with bool or a number is not accepted (NumPy's result is an integer dtype, not built yet; accepted: at least one float32 or float64 array operand)`,
  );
}

/**
 * numpy.where(cond, x, y): x where cond is true (nonzero, NaN included), else y; broadcasting over
 * all three, numbers allowed for any. The result dtype is x's and y's promotion (numbers weak);
 * the condition may have any dtype. Fused into the block kernel (a vector select).
 */
export function whereArrays(cond: unknown, x: unknown, y: unknown): NDArray<Computed> {
  const c = asNode('where: cond', cond);
  const a = asNode('where: x', x);
  const b = asNode('where: y', y);
  const nodes = [c, a, b].filter((v): v is Node => typeof v !== 'number');
  if (nodes.length === 0) throw new TypeError('where: at least one of cond, x, y must be an NDArray (got three numbers)');
  const shape = nodes.reduce<number[]>((s, n) => broadcastShapes(s, n.shape), []);
  const values = [a, b].filter((v): v is Node => typeof v !== 'number').map((n) => n.dtype);
  const dtype: DType = values.includes('float64') || values.length === 0 ? 'float64' : values.includes('float32') ? 'float32' : 'bool';
  if (dtype === 'bool' && (typeof a === 'number' || typeof b === 'number')) {
    throw new TypeError('where: dtype bool with a number is not accepted (NumPy gives an integer dtype, not built yet; accepted: float32 or float64 x or y)');
  }
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && n.shape[j] === s) return n.chunks[j]!;
    }
    return [s];
  });
  const desc = [c, a, b].map((v) => (typeof v === 'number' ? `#${v}` : v.name)).join(',');
  return new NDArray({ kind: 'where', op: 'where', id: newId(), name: `where-${token(`where:${desc}`)}`, shape, dtype, chunks, args: [c, a, b] });
}

const CAST_TARGETS: readonly DType[] = ['float64', 'float32', 'bool'];

export function astypeArray<T extends Computed>(x: NDArray<T>, dtype: DType): NDArray<T> {
  if (!CAST_TARGETS.includes(dtype)) throw new TypeError(`astype: dtype must be one of ${CAST_TARGETS.join(', ')} (the integer dtypes need typed registers, not built yet), got ${describe(dtype)}`);
  const src = x.node;
  if (src.dtype === dtype) return x;
  return new NDArray<T>({ kind: 'unary', id: newId(), name: `astype-${token(`astype:${dtype}:${src.name}`)}`, shape: src.shape, dtype, chunks: src.chunks, op: 'cast', arg: src });
}
