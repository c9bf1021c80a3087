// Module functions for the scans and order statistics, as NumPy's np.cumsum(x, axis=…) & co.
import type { NDArray } from '../ndarray.js';
import type { DType } from '../dtype.js';
import type { MeanDType, ReducedRank, ScanRank, WithDType } from '../types.js';
import { cumulative, quantile as select, type CumulativeOptions, type QuantileOptions } from './scan.js';

export type { CumulativeOptions, QuantileOptions } from './scan.js';

type Scan = <D extends DType, R extends number, const O extends CumulativeOptions = {}>(x: NDArray<D, R>, options?: O) => NDArray<WithDType<O, D>, ScanRank<R, O>>;
/**
 * numpy.cumsum(x, axis): the running sum along `axis` (the flattened array when omitted), as
 * Dask's cumreduction: each chunk is scanned, then offset by the total of the chunks before it,
 * so the rounding depends on the chunking along the axis (never on threads). `dtype` sets the
 * accumulator's and result's dtype. See {@link NDArray.cumsum}.
 * @example
 * ```ts
 * cumsum(x, { axis: 1 });
 * ```
 */
export const cumsum: Scan = (x, options) => cumulative('cumsum', x, options) as never;
/**
 * numpy.cumprod(x, axis): the running product along `axis` (the flattened array when omitted),
 * chunked as {@link cumsum}.
 */
export const cumprod: Scan = (x, options) => cumulative('cumprod', x, options) as never;
/** numpy.nancumsum: {@link cumsum} with NaN counted as 0. */
export const nancumsum: Scan = (x, options) => cumulative('nancumsum', x, options) as never;
/** numpy.nancumprod: {@link cumprod} with NaN counted as 1. */
export const nancumprod: Scan = (x, options) => cumulative('nancumprod', x, options) as never;
/**
 * numpy.median(x, axis): the middle value (the mean of the middle two for an even count; NaN if
 * the lane holds a NaN) along one axis, made one chunk as Dask's, or over all elements exactly
 * (the array is materialized and selected in memory, not streamed). Integers give float64.
 */
export const median = <D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>> =>
  select('median', x, undefined, options) as never;
/**
 * numpy.quantile(x, q, axis) with the default 'linear' method: q in [0, 1] (else a RangeError), a
 * number or a list (the result then gets a leading axis of q's length). Axis and memory as
 * {@link median}.
 * @example
 * ```ts
 * quantile(x, [0.25, 0.75], { axis: 0 }); // shape [2, ...x.shape.slice(1)]
 * ```
 */
export function quantile<D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>>;
export function quantile<D extends DType>(x: NDArray<D>, q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
export function quantile(x: NDArray, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray {
  return select('quantile', x, q, options);
}
/** numpy.percentile: {@link quantile} with q in [0, 100]. */
export function percentile<D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>>;
export function percentile<D extends DType>(x: NDArray<D>, q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
export function percentile(x: NDArray, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray {
  return select('percentile', x, q, options);
}
