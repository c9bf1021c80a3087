// Creation helpers built from existing leaves and views (issue 15 step 5): empty and the *Like
// family, linspace (an arange leaf), meshgrid and indices (broadcast views of aranges).
import { checkFinite, checkInteger, describe } from '../../errors.js';
import { arange, full, type CreationOptions } from '../creation.js';
import { normalizeChunks } from '../chunks.js';
import { NDArray, type Computed } from '../ndarray.js';
import { itemsize, newId, token, type ArangeNode, type DType } from '../node.js';
import { concatenate, stack } from './join.js';

/** np.empty: tessera has no uninitialised memory in a lazy graph, so this is zeros (as Dask's meta-free empty is any value). */
export function empty(shape: readonly number[], options?: CreationOptions): NDArray {
  return full(shape, 0, options) as NDArray;
}

interface LikeOptions { dtype?: DType; chunks?: CreationOptions['chunks'] }
const likeOptions = (x: NDArray, o?: LikeOptions): CreationOptions => ({ dtype: o?.dtype ?? x.node.dtype, chunks: o?.chunks ?? x.chunks });

/**
 * np.full_like: same shape, dtype and (Dask) chunks as x unless given. `fillValue` is a number or
 * a bigint (exact; it must fit an integer dtype, else a RangeError, as {@link full}).
 */
export function fullLike(x: NDArray, fillValue: number | bigint, options?: LikeOptions): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`fullLike: x must be an NDArray, got ${describe(x)}`);
  return full(x.shape, fillValue, likeOptions(x, options)) as NDArray;
}
/**
 * np.zeros_like: zeros of x's shape, and of x's dtype and (Dask) chunks unless `dtype` / `chunks`
 * are given. A non-NDArray x is a TypeError.
 */
export const zerosLike = (x: NDArray, options?: LikeOptions): NDArray => fullLike(x, 0, options);
/**
 * np.ones_like: ones of x's shape, and of x's dtype and (Dask) chunks unless `dtype` / `chunks`
 * are given. A non-NDArray x is a TypeError.
 */
export const onesLike = (x: NDArray, options?: LikeOptions): NDArray => fullLike(x, 1, options);
/**
 * np.empty_like: as {@link empty}, zeros (a lazy graph has no uninitialised memory) of x's shape,
 * dtype and chunks unless given.
 */
export const emptyLike = (x: NDArray, options?: LikeOptions): NDArray => fullLike(x, 0, options);

/** Options of {@link linspace}: the creation options (`chunks`, `dtype`, default float64) plus NumPy's `endpoint`. */
export interface LinspaceOptions extends CreationOptions {
  /** Include `stop` as the last sample (default true). */
  endpoint?: boolean;
}

/**
 * np.linspace(start, stop, num = 50, { endpoint }): NumPy's samples start + i·step (an arange leaf,
 * generated per element), with the last one exactly `stop` when endpoint is true (NumPy sets it).
 */
export function linspace(start: number, stop: number, num = 50, options?: LinspaceOptions): NDArray {
  checkFinite('linspace: start', start);
  checkFinite('linspace: stop', stop);
  checkInteger('linspace: num', num, 0);
  const { endpoint = true, ...rest } = options ?? {};
  if (typeof endpoint !== 'boolean') throw new TypeError(`linspace: endpoint must be a boolean, got ${describe(endpoint)}`);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : NaN;
  const dtype: DType = rest.dtype ?? 'float64';
  // NumPy computes the samples in float64, floors them into an integer dtype
  // (np.linspace(-1, 0, 5, dtype=int) is [-1 -1 -1 -1 0]) and casts them to bool as they are.
  if (dtype !== 'float64' && dtype !== 'float32') {
    const f = linspace(start, stop, num, { ...rest, endpoint, dtype: 'float64' });
    return (dtype === 'bool' ? f : f.floor()).astype(dtype);
  }
  const base = (n: number): NDArray => {
    const chunks = normalizeChunks(rest.chunks, [n], itemsize(dtype));
    const node: ArangeNode = {
      kind: 'arange', id: newId(), shape: [n], dtype, chunks, start, step: div > 0 ? step : 0,
      name: `linspace-${token(`linspace:${start}:${stop}:${num}:${endpoint}:${dtype}:${JSON.stringify(chunks)}`)}`,
    };
    return new NDArray(node);
  };
  // start + (num-1)·step can miss stop by an ulp; NumPy overwrites it, so the last sample is joined on.
  if (endpoint && num > 1 && start + (num - 1) * step !== stop) {
    return concatenate([base(num - 1), full([1], stop, { dtype })]).rechunk(normalizeChunks(rest.chunks, [num], itemsize(dtype)));
  }
  return base(num);
}

/** np.meshgrid(*xs, indexing='xy'|'ij') of 1-d arrays: broadcast views, no copies. */
export function meshgrid(arrays: readonly NDArray[], options?: { indexing?: 'xy' | 'ij' }): NDArray[] {
  const indexing = options?.indexing ?? 'xy';
  if (indexing !== 'xy' && indexing !== 'ij') throw new TypeError(`meshgrid: indexing must be 'xy' or 'ij', got ${describe(indexing)}`);
  arrays.forEach((a, i) => {
    if (!(a instanceof NDArray) || a.ndim !== 1) throw new TypeError(`meshgrid: arrays[${i}] must be a 1-d NDArray, got ${describe(a)}`);
  });
  const n = arrays.length;
  const shape = arrays.map((a) => a.shape[0]!);
  if (indexing === 'xy' && n >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return arrays.map((a, i) => {
    const axis = indexing === 'xy' && n >= 2 && i < 2 ? 1 - i : i;
    const s = shape.map((_, k) => (k === axis ? a.shape[0]! : 1));
    return a.reshape(s).broadcastTo(shape);
  });
}

/** np.indices(dimensions): shape [ndim, ...dimensions], grid k varying along axis k (float64 until integer dtypes land). */
export function indices(dimensions: readonly number[], options?: CreationOptions): NDArray {
  if (!Array.isArray(dimensions)) throw new TypeError(`indices: dimensions must be an array of non-negative integers, got ${describe(dimensions)}`);
  dimensions.forEach((d, i) => checkInteger(`indices: dimensions[${i}]`, d, 0));
  if (dimensions.length === 0) return full([0], 0, options) as NDArray;
  const grids = meshgrid(dimensions.map((d) => arange(d, { dtype: options?.dtype })), { indexing: 'ij' });
  const out = stack(grids);
  return options?.chunks === undefined ? out : out.rechunk(options.chunks);
}
