// Module functions for the scans and order statistics, as NumPy's np.cumsum(x, axis=…) & co.
import type { Computed, NDArray } from '../ndarray.js';
import type { DenseArray } from '../dense.js';
import { cumulative, quantile as select, type CumulativeOptions, type QuantileOptions } from './scan.js';

export type { CumulativeOptions, QuantileOptions } from './scan.js';

export const cumsum = (x: NDArray<Computed>, options?: CumulativeOptions): NDArray<DenseArray> => cumulative('cumsum', x, options) as NDArray<DenseArray>;
export const cumprod = (x: NDArray<Computed>, options?: CumulativeOptions): NDArray<DenseArray> => cumulative('cumprod', x, options) as NDArray<DenseArray>;
export const nancumsum = (x: NDArray<Computed>, options?: CumulativeOptions): NDArray<DenseArray> => cumulative('nancumsum', x, options) as NDArray<DenseArray>;
export const nancumprod = (x: NDArray<Computed>, options?: CumulativeOptions): NDArray<DenseArray> => cumulative('nancumprod', x, options) as NDArray<DenseArray>;
export const median = (x: NDArray<Computed>, options?: QuantileOptions): NDArray<Computed> => select('median', x, undefined, options);
export const quantile = (x: NDArray<Computed>, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed> => select('quantile', x, q, options);
export const percentile = (x: NDArray<Computed>, q: number | readonly number[] | Float64Array, options?: QuantileOptions): NDArray<Computed> => select('percentile', x, q, options);
