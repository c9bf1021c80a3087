// reduction (Dask's da.reduction): `chunk` per block, then `combine` over groups of `splitEvery`
// partials per reduced axis in a fixed tree, then `aggregate` over the last group. Each level is a
// block job (run.ts) whose input is the level below, so partials stay in shared memory and the
// tree's shape depends only on the chunking (deterministic for any thread count).
import { describe as show } from '../../errors.js';
import type { DenseArray } from '../dense.js';
import { NDArray, type Computed } from '../ndarray.js';
import type { BlockedLayout, OutAxisBlock } from './layout.js';
import { blockCallable, type BlockCall, type BlockCallable } from './run.js';
import { blocksArray, gridIndices, keptAxis, outSlot, plainAxis, refOf, type Block, type BlockResult } from './map-blocks.js';

/** What chunk/combine/aggregate get after the block: the reduced axes and whether to keep them. */
export interface ReductionCallOptions {
  /** The reduced axes (non-negative, ascending). */
  axis: number[];
  /** `true` for `chunk` and `combine` (reduced axes kept with size 1); for `aggregate`, the `keepdims` option. */
  keepdims: boolean;
}

/**
 * A `chunk`, `combine` or `aggregate` function of {@link reduction}: gets a block (or the
 * concatenated partials) and the {@link ReductionCallOptions}; returns the reduced block's values
 * row-major (see {@link BlockResult}), or a Promise of them.
 */
export type ReductionFunction = (block: DenseArray | Block, options: ReductionCallOptions) => BlockResult | Promise<BlockResult>;

/**
 * Options of {@link reduction} (Dask's `da.reduction` arguments). `chunk` and `aggregate` are
 * required (TypeError otherwise); `splitEvery` must be an integer of at least 2 (RangeError).
 * @example
 * ```ts
 * const total = reduction(x, {
 *   chunk: (b: DenseArray) => [(b.data as Float64Array).reduce((s, v) => s + v, 0)],
 *   aggregate: (b: DenseArray) => [(b.data as Float64Array).reduce((s, v) => s + v, 0)],
 * });
 * ```
 */
export interface ReductionOptions {
  /** Per block: returns the block reduced along `axis` with keepdims (size 1 on every reduced axis). */
  chunk: ReductionFunction | ((...args: never[]) => unknown);
  /** Over partials concatenated along the reduced axes: the same shape rule (default: `aggregate`). */
  combine?: ReductionFunction | ((...args: never[]) => unknown);
  /** Over the last partials: the result block (reduced axes kept as 1 when keepdims, else removed). */
  aggregate: ReductionFunction | ((...args: never[]) => unknown);
  /** Reduced axes (default: all). */
  axis?: number | readonly number[];
  /** Keep the reduced axes with length 1 in the result (default false). */
  keepdims?: boolean;
  /** The result's dtype (default: x's; only float64 and float32, else a TypeError). */
  dtype?: 'float64' | 'float32';
  /** Partials combined at once per reduced axis (default 4, Dask's for several axes; ≥ 2). */
  splitEvery?: number;
}

/** One level: fn over groups of `group[k]` blocks along each reduced axis (whole blocks elsewhere). */
function level(
  name: string,
  fn: BlockCallable,
  x: NDArray,
  reduced: readonly number[],
  group: number,
  keepdims: boolean,
  dtype: 'float64' | 'float32',
): NDArray {
  const inChunks = x.chunks.map((c, k) => {
    if (!reduced.includes(k)) return [...c];
    // groups of `group` chunks, concatenated
    const out: number[] = [];
    for (let i = 0; i < c.length; i += group) out.push(c.slice(i, i + group).reduce((a, b) => a + b, 0));
    return out;
  });
  const grid = inChunks.map((c) => c.length);
  const outChunks = inChunks.map((c, k) => (reduced.includes(k) ? new Array<number>(c.length).fill(1) : c));
  const resultChunks = keepdims ? outChunks : outChunks.filter((_, k) => !reduced.includes(k));
  const out: OutAxisBlock[][] = resultChunks.map(keptAxis);
  const shape = resultChunks.map((c) => c.reduce((a, b) => a + b, 0));
  const opts: ReductionCallOptions = { axis: [...reduced], keepdims };
  const calls = (layouts: readonly BlockedLayout[], outL: BlockedLayout): BlockCall[] => {
    const list: BlockCall[] = [];
    for (const idx of gridIndices(grid)) {
      const outIdx = keepdims ? idx : idx.filter((_, k) => !reduced.includes(k));
      const outShape = outIdx.map((i, k) => resultChunks[k]![i]!);
      list.push({ args: [refOf(0, layouts[0]!, idx)], out: outSlot(outL, outIdx), tail: [opts], where: idx, outShape });
    }
    return list;
  };
  return blocksArray(name, x.name, { name: 'reduction', fn, inputs: [{ node: x.node, axes: inChunks.map(plainAxis) }], dtype, out, shape, calls }, resultChunks);
}

/**
 * Dask's `reduction`: `reduction(x, { chunk, combine, aggregate, axis, keepdims, dtype, splitEvery })`.
 * `chunk(block, { axis, keepdims: true })` reduces each block to size 1 along the reduced axes;
 * `combine` (default `aggregate`) is applied with the same options to up to `splitEvery`
 * partials per reduced axis, concatenated, until one group is left; `aggregate(partials, { axis,
 * keepdims })` gives the result block. Functions as in `mapBlocks`: `delayed.module` functions on
 * worker threads (shared-memory blocks), inline closures on the main thread.
 */
export function reduction(x: NDArray, options: ReductionOptions): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`reduction: x must be an NDArray, got ${show(x)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`reduction: options must be an object with chunk and aggregate, got ${show(options)}`);
  if (options.chunk === undefined) throw new TypeError('reduction: options.chunk is required (the per-block function)');
  if (options.aggregate === undefined) throw new TypeError('reduction: options.aggregate is required (the final function)');
  const chunk = blockCallable('reduction: options.chunk', options.chunk);
  const aggregate = blockCallable('reduction: options.aggregate', options.aggregate);
  const combine = options.combine === undefined ? aggregate : blockCallable('reduction: options.combine', options.combine);
  const ndim = x.ndim;
  const axes = options.axis === undefined ? Array.from({ length: ndim }, (_, k) => k) : typeof options.axis === 'number' ? [options.axis] : [...options.axis];
  const reduced = [...new Set(axes.map((a) => {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new RangeError(`reduction: axis ${show(a)} is out of range for a ${ndim}-d array`);
    return a < 0 ? a + ndim : a;
  }))].sort((a, b) => a - b);
  const keepdims = options.keepdims ?? false;
  if (typeof keepdims !== 'boolean') throw new TypeError(`reduction: options.keepdims must be a boolean, got ${show(keepdims)}`);
  const splitEvery = options.splitEvery ?? 4;
  if (!Number.isInteger(splitEvery) || splitEvery < 2) throw new RangeError(`reduction: options.splitEvery must be an integer ≥ 2, got ${show(splitEvery)}`);
  const dtype = options.dtype ?? x.dtype;
  if (dtype !== 'float64' && dtype !== 'float32') throw new TypeError(`reduction: options.dtype must be 'float64' or 'float32', got ${show(dtype)}`);
  let p: NDArray = level('reduction-chunk', chunk, x, reduced, 1, true, dtype);
  const blocksLeft = (a: NDArray): number => Math.max(1, ...reduced.map((k) => a.chunks[k]!.length));
  while (blocksLeft(p) > splitEvery) p = level('reduction-combine', combine, p, reduced, splitEvery, true, dtype);
  return level('reduction-aggregate', aggregate, p, reduced, Math.max(1, ...reduced.map((k) => p.chunks[k]!.length)), keepdims, dtype);
}
