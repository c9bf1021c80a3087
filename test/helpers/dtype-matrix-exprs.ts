// The expressions of scripts/fixtures/numpy_dtype_matrix.py (NumPy spelling) in tessera's.
import * as t from '../../src/index.js';
import type { NDArray } from '../../src/index.js';

export type A = NDArray;
export const EXPR: Record<string, (a: A) => A> = {
  'a.sum()': (a) => a.sum(), 'a.mean()': (a) => a.mean(), 'a.var()': (a) => a.var(), 'a.std()': (a) => a.std(),
  'a.prod()': (a) => a.prod(), 'a.min()': (a) => a.min(), 'a.max()': (a) => a.max(),
  'a.argmax()': (a) => a.argmax(), 'a.argmin()': (a) => a.argmin(),
  'a.cumsum(axis=0)': (a) => a.cumsum({ axis: 0 }), 'a.cumprod(axis=1)': (a) => a.cumprod({ axis: 1 }),
  'np.median(a, axis=0)': (a) => a.median({ axis: 0 }), 'np.quantile(a, 0.3, axis=1)': (a) => a.quantile(0.3, { axis: 1 }),
  'np.percentile(a, 75)': (a) => a.percentile(75), 'a.any()': (a) => a.any(), 'a.all(axis=0)': (a) => a.all({ axis: 0 }),
  'np.count_nonzero(a, axis=1)': (a) => a.countNonzero({ axis: 1 }), 'np.ptp(a, axis=0)': (a) => a.ptp({ axis: 0 }),
  'np.clip(a, 2, 9)': (a) => a.clip(2, 9), 'np.floor(a)': (a) => a.floor(), 'np.abs(a)': (a) => a.abs(),
  'np.sign(a)': (a) => a.sign(), 'np.square(a)': (a) => a.square(), 'np.sqrt(a)': (a) => a.sqrt(), 'np.exp(a)': (a) => a.exp(),
  'np.negative(a)': (a) => a.neg(), 'a // 3': (a) => a.floorDivide(3), 'a % 3': (a) => a.mod(3), 'a / 3': (a) => a.div(3),
  'a ** 2': (a) => a.pow(2), 'np.maximum(a, 5)': (a) => a.maximum(5), 'np.where(a > 4, a, 0)': (a) => t.where(a.gt(4), a, 0),
  'np.sum(a, axis=1, keepdims=True)': (a) => a.sum({ axis: 1, keepdims: true }), 'np.mean(a, axis=0)': (a) => a.mean({ axis: 0 }),
  'np.nansum(a)': (a) => a.nansum(), 'np.nanmax(a, axis=1)': (a) => a.nanmax({ axis: 1 }), 'np.nanmean(a)': (a) => a.nanmean(),
  'np.flip(a, axis=1)': (a) => a.flip({ axis: 1 }), 'np.roll(a, 2, axis=1)': (a) => t.roll(a, 2, { axis: 1 }), 'np.tril(a)': (a) => t.tril(a),
  'np.diff(a, axis=0)': (a) => t.diff(a, { axis: 0 }), 'np.round(a, -1)': (a) => a.round(-1), 'np.isclose(a, 5)': (a) => t.isclose(a, 5),
  'a.astype(np.float32) / 3': (a) => a.astype('float32').div(3), '(a > 3) & (a < 8)': (a) => a.gt(3).bitwiseAnd(a.lt(8)),
  'np.invert(a)': (a) => a.invert(), 'np.left_shift(a, 2)': (a) => a.leftShift(2), 'a.T @ a': (a) => t.matmul(a.T, a),
  'np.take(a, [2, 0, 2], axis=1)': (a) => a.take([2, 0, 2], { axis: 1 }), 'a[a > 5]': (a) => a.mask(a.gt(5)),
  'a[::-1, 1::2]': (a) => a.get('::-1, 1::2'), 'np.cumsum(a)': (a) => a.cumsum(), 'np.argmax(a, axis=0)': (a) => a.argmax({ axis: 0 }),
  'np.nancumsum(a, axis=1)': (a) => a.nancumsum({ axis: 1 }), 'np.var(a, axis=1)': (a) => a.var({ axis: 1 }),
};
