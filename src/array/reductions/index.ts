// Module functions for the scans and order statistics, as NumPy's np.cumsum(x, axis=…) & co.
import type { NDArray } from '../ndarray.js';
import type { DType } from '../dtype.js';
import type { MeanDType, ReducedRank, ScanRank, WithDType } from '../types.js';
import { cumulative, quantile as select, type CumulativeOptions, type QuantileOptions } from './scan.js';

export type { CumulativeOptions, QuantileOptions } from './scan.js';

type Scan = <D extends DType, R extends number, const O extends CumulativeOptions = {}>(x: NDArray<D, R>, options?: O) => NDArray<WithDType<O, D>, ScanRank<R, O>>;
export const cumsum: Scan = (x, options) => cumulative('cumsum', x, options) as never;
export const cumprod: Scan = (x, options) => cumulative('cumprod', x, options) as never;
export const nancumsum: Scan = (x, options) => cumulative('nancumsum', x, options) as never;
export const nancumprod: Scan = (x, options) => cumulative('nancumprod', x, options) as never;
export const median = <D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>> =>
  select('median', x, undefined, options) as never;
export function quantile<D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>>;
export function quantile<D extends DType>(x: NDArray<D>, q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
export function quantile(x: NDArray, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray {
  return select('quantile', x, q, options);
}
export function percentile<D extends DType, R extends number, const O extends QuantileOptions = {}>(x: NDArray<D, R>, q: number, options?: O): NDArray<MeanDType<D>, ReducedRank<R, O>>;
export function percentile<D extends DType>(x: NDArray<D>, q: readonly number[] | Float64Array, options?: QuantileOptions): NDArray<MeanDType<D>>;
export function percentile(x: NDArray, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray {
  return select('percentile', x, q, options);
}
