// split/arraySplit, roll, pad (constant, edge) and tile (issue 15 step 2), composed from views
// (slices, broadcasts) and concatenations, so each is free or one stage per piece it joins.
import { describe } from '../../errors.js';
import { full } from '../creation.js';
import { integerBounds, isFloat } from '../dtype.js';
import { whereArrays } from '../expr.js';
import { eye } from './triangles.js';
import { NDArray, type Computed } from '../ndarray.js';
import type { DType } from '../node.js';
import { concatenate } from './join.js';
import { Slice } from './slice.js';

function axisArg(what: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new TypeError(`${what}: axis must be an integer, got ${describe(axis)}`);
  if (axis < -ndim || axis >= ndim) throw new RangeError(`${what}: axis ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  return axis < 0 ? axis + ndim : axis;
}

/** x.get with one slice on `axis` and full slices elsewhere. */
function sliceAxis(x: NDArray, axis: number, start: number, stop: number): NDArray {
  return x.get(...x.shape.map((_, k) => (k === axis ? new Slice(start, stop, null) : new Slice(null, null, null))));
}

function isArray(x: unknown): x is NDArray {
  return x instanceof NDArray;
}

/** np.array_split: N nearly equal pieces (the first n % N one longer), or pieces between sorted indices. */
export function arraySplit(x: NDArray, indicesOrSections: number | readonly number[], options?: { axis?: number }, what = 'arraySplit'): NDArray[] {
  if (!isArray(x)) throw new TypeError(`${what}: x must be an NDArray, got ${describe(x)}`);
  if (x.ndim === 0) throw new RangeError(`${what}: a 0-d array cannot be split`);
  const axis = axisArg(what, options?.axis ?? 0, x.ndim);
  const n = x.shape[axis]!;
  let bounds: number[];
  if (typeof indicesOrSections === 'number') {
    const N = indicesOrSections;
    if (!Number.isInteger(N) || N <= 0) throw new RangeError(`${what}: number of sections must be a positive integer, got ${describe(N)}`);
    if (what === 'split' && n % N !== 0) throw new RangeError(`split: array split does not result in an equal division (axis ${axis} of size ${n} into ${N} sections)`);
    const each = Math.floor(n / N);
    const extras = n % N;
    bounds = [0];
    for (let i = 0; i < N; i++) bounds.push(bounds[i]! + each + (i < extras ? 1 : 0));
  } else if (Array.isArray(indicesOrSections)) {
    indicesOrSections.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${what}: indices[${i}] must be an integer, got ${describe(v)}`);
    });
    // NumPy slices between consecutive indices with Python's slice semantics (negative from the end).
    bounds = [0, ...indicesOrSections, n];
  } else throw new TypeError(`${what}: indicesOrSections must be an integer or an array of integers, got ${describe(indicesOrSections)}`);
  const out: NDArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push(sliceAxis(x, axis, bounds[i]!, bounds[i + 1]!));
  return out;
}

/** np.split: as arraySplit, but a number of sections must divide the axis (RangeError otherwise). */
export function split(x: NDArray, indicesOrSections: number | readonly number[], options?: { axis?: number }): NDArray[] {
  return arraySplit(x, indicesOrSections, options, 'split');
}

/**
 * np.diff: the n-th discrete difference along `axis` (default the last): `x[1:] - x[:-1]`,
 * n times, lazily (two views and a subtraction per order). Bools differ by `!=`, as NumPy.
 *
 * @example
 * ```ts
 * await diff(fromArray([1, 4, 9, 16])).compute();          // [3, 5, 7]
 * await diff(fromArray([1, 4, 9, 16]), { n: 2 }).compute(); // [2, 2]
 * ```
 */
export function diff(x: NDArray, options?: { n?: number; axis?: number }): NDArray {
  if (!isArray(x)) throw new TypeError(`diff: x must be an NDArray, got ${describe(x)}`);
  const n = options?.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`diff: n must be a non-negative integer, got ${describe(n)}`);
  if (x.ndim === 0) throw new RangeError('diff: x must have at least 1 dimension (got a 0-d array)');
  const axis = axisArg('diff', options?.axis ?? -1, x.ndim);
  let r = x;
  for (let k = 0; k < n; k++) {
    const len = r.shape[axis]!;
    const hi = sliceAxis(r, axis, Math.min(1, len), len);
    const lo = sliceAxis(r, axis, 0, Math.max(0, len - 1));
    r = r.dtype === 'bool' ? hi.ne(lo) : hi.sub(lo);
  }
  return r;
}

/** np.roll(x, shift, axis): elements shifted cyclically; without an axis over the flattened array. */
export function roll(x: NDArray, shift: number | readonly number[], options?: { axis?: number | readonly number[] }): NDArray {
  if (!isArray(x)) throw new TypeError(`roll: x must be an NDArray, got ${describe(x)}`);
  const shifts = Array.isArray(shift) ? [...shift] : [shift as number];
  shifts.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s)) throw new TypeError(`roll: shift${Array.isArray(shift) ? `[${i}]` : ''} must be an integer, got ${describe(s)}`);
  });
  if (options?.axis === undefined) {
    if (shifts.length !== 1) throw new RangeError('roll: several shifts need the same number of axes');
    return roll(x.ravel(), shifts[0]!, { axis: 0 }).reshape(x.shape);
  }
  const axes = Array.isArray(options.axis) ? [...options.axis] : [options.axis as number];
  if (shifts.length !== axes.length && shifts.length !== 1) throw new RangeError(`roll: shift and axis must have the same length (${shifts.length} vs ${axes.length})`);
  let y: NDArray = x;
  axes.forEach((a, i) => {
    const axis = axisArg('roll', a, x.ndim);
    const n = x.shape[axis]!;
    if (n === 0) return;
    const s = (((shifts.length === 1 ? shifts[0]! : shifts[i]!) % n) + n) % n;
    if (s === 0) return;
    y = concatenate([sliceAxis(y, axis, n - s, n), sliceAxis(y, axis, 0, n - s)], { axis });
  });
  return y;
}

type PadWidth = number | readonly [number, number] | readonly (readonly [number, number])[];

function padPairs(width: PadWidth, ndim: number): [number, number][] {
  const check = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`pad: ${what} must be a non-negative integer, got ${describe(v)}`);
    return v;
  };
  if (typeof width === 'number') return Array.from({ length: ndim }, () => [check(width, 'padWidth'), width]);
  if (!Array.isArray(width)) throw new TypeError(`pad: padWidth must be a number, [before, after] or one pair per axis, got ${describe(width)}`);
  if (width.length === 2 && width.every((v) => typeof v === 'number')) {
    const [b, a] = width as unknown as readonly [number, number];
    return Array.from({ length: ndim }, () => [check(b, 'padWidth[0]'), check(a, 'padWidth[1]')]);
  }
  if (width.length !== ndim) throw new RangeError(`pad: padWidth has ${width.length} pairs but the array has ${ndim} dimensions`);
  return (width as readonly (readonly [number, number])[]).map((p, k) => {
    if (!Array.isArray(p) || p.length !== 2) throw new TypeError(`pad: padWidth[${k}] must be [before, after], got ${describe(p)}`);
    return [check(p[0], `padWidth[${k}][0]`), check(p[1], `padWidth[${k}][1]`)];
  });
}

/** np.pad with mode 'constant' (constantValues, default 0) or 'edge'. Axes are padded in order, as NumPy. */
export function pad(x: NDArray, padWidth: PadWidth, options?: { mode?: 'constant' | 'edge'; constantValues?: number | bigint }): NDArray {
  if (!isArray(x)) throw new TypeError(`pad: x must be an NDArray, got ${describe(x)}`);
  const mode = options?.mode ?? 'constant';
  if (mode !== 'constant' && mode !== 'edge') throw new TypeError(`pad: mode must be 'constant' or 'edge', got ${describe(mode)}`);
  const value = options?.constantValues ?? 0;
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new TypeError(`pad: constantValues must be a number or bigint, got ${describe(value)}`);
  const pairs = padPairs(padWidth, x.ndim);
  let y: NDArray = x;
  pairs.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = y.shape[axis]!;
    if (mode === 'edge' && n === 0) throw new RangeError(`pad: can't extend an empty axis ${axis} using mode 'edge'`);
    const side = (width: number, at: number): NDArray => {
      const shape = y.shape.map((s, k) => (k === axis ? width : s));
      return mode === 'constant' ? full(shape, value, { dtype: y.node.dtype }) : sliceAxis(y, axis, at, at + 1).broadcastTo(shape);
    };
    const parts: NDArray[] = [];
    if (before) parts.push(side(before, 0));
    parts.push(y);
    if (after) parts.push(side(after, n - 1));
    y = concatenate(parts, { axis });
  });
  return y;
}

/** np.tile(x, reps): reps copies per axis (reps shorter than ndim is padded with 1s, longer adds leading axes). */
export function tile(x: NDArray, reps: number | readonly number[]): NDArray {
  if (!isArray(x)) throw new TypeError(`tile: x must be an NDArray, got ${describe(x)}`);
  const r = typeof reps === 'number' ? [reps] : [...reps];
  r.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`tile: reps[${i}] must be a non-negative integer, got ${describe(v)}`);
  });
  let y: NDArray = x;
  if (r.length > y.ndim) y = y.reshape([...new Array<number>(r.length - y.ndim).fill(1), ...y.shape]);
  const all = [...new Array<number>(y.ndim - r.length).fill(1), ...r];
  all.forEach((k, axis) => {
    if (k === 1) return;
    y = k === 0 ? sliceAxis(y, axis, 0, 0) : concatenate(new Array<NDArray>(k).fill(y), { axis });
  });
  return y;
}

/**
 * The diagonal where it is no strided view (axes not adjacent, or a transposed/strided operand):
 * the axes moved last, the rows r0..r0+length taken, and each row's element at column c0 + i
 * selected by an eye mask and a min with the dtype's top elsewhere, so values are exact. Costs length * n2 elements per diagonal instead of length.
 */
function diagonalBySelection(x: NDArray, a1: number, a2: number, r0: number, c0: number, length: number): NDArray {
  const y = x.moveaxis([a1, a2], [-2, -1]);
  const n2 = y.shape[y.ndim - 1]!;
  const full = new Slice(null, null, null);
  const rows = y.get(...y.shape.map((_, k) => (k === y.ndim - 2 ? new Slice(r0, r0 + length, null) : full)));
  const pick = eye(length, n2, { k: c0, dtype: 'bool' });
  if (x.dtype === 'bool') return whereArrays(pick, rows, false).any({ axis: -1 });
  if (n2 === 0) return rows.sum({ axis: -1 }).astype(x.dtype);  // empty either way
  // min with the dtype's top elsewhere: min(v, top) is v for every v (-0 and NaN included)
  return whereArrays(pick, rows, isFloat(x.dtype) ? Infinity : integerBounds(x.dtype).max).min({ axis: -1 });
}

/**
 * np.diagonal(x, offset, axis1, axis2), lazily: the two axes are merged by a reshape and the
 * diagonal is the stepped slice start::(n2 + 1) of the merged axis, moved last as NumPy puts it.
 * Free where the merge is (generated or contiguous leaves and their elementwise expressions; see
 * reshape); otherwise (and for axes that are not adjacent) each diagonal element is selected
 * exactly from its rows.
 */
export function diagonal(x: NDArray, options?: { offset?: number; axis1?: number; axis2?: number }): NDArray {
  if (!isArray(x)) throw new TypeError(`diagonal: x must be an NDArray, got ${describe(x)}`);
  if (x.ndim < 2) throw new RangeError(`diagonal: the array must have at least 2 dimensions, got ${x.ndim}`);
  const offset = options?.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new TypeError(`diagonal: offset must be an integer, got ${describe(offset)}`);
  let a1 = axisArg('diagonal', options?.axis1 ?? 0, x.ndim);
  let a2 = axisArg('diagonal', options?.axis2 ?? 1, x.ndim);
  if (a1 === a2) throw new RangeError(`diagonal: axis1 and axis2 cannot be the same (both ${a1})`);
  let off = offset;
  if (a1 > a2) {
    [a1, a2] = [a2, a1];
    off = -off;
  }
  const n1 = x.shape[a1]!;
  const n2 = x.shape[a2]!;
  const r0 = Math.max(0, -off);
  const c0 = Math.max(0, off);
  const length = Math.max(0, Math.min(n1 - r0, n2 - c0));
  let merged: NDArray;
  try {
    if (a2 !== a1 + 1) throw new TypeError('not adjacent');
    merged = x.reshape([...x.shape.slice(0, a1), n1 * n2, ...x.shape.slice(a2 + 1)]);
  } catch {
    return diagonalBySelection(x, a1, a2, r0, c0, length);
  }
  const start = r0 * n2 + c0;
  const full = new Slice(null, null, null);
  const d = merged.get(...merged.shape.map((_, k) => (k === a1 ? (length === 0 ? new Slice(0, 0, null) : new Slice(start, start + (length - 1) * (n2 + 1) + 1, n2 + 1)) : full)));
  return a1 === d.ndim - 1 ? d : d.moveaxis(a1, -1);
}

// Module-function forms of the shape methods, as NumPy/Dask spell them (np.swapaxes(x, 0, 1)).
const arrayArg = (fn: string, x: unknown): NDArray => {
  if (!isArray(x)) throw new TypeError(`${fn}: x must be an NDArray, got ${describe(x)}`);
  return x;
};
/** numpy.reshape(x, shape): {@link NDArray.reshape}. */
export const reshape = <D extends DType, const S extends readonly number[] | number>(x: NDArray<D>, shape: S): NDArray<D, S extends readonly number[] ? S['length'] : 1> =>
  arrayArg('reshape', x).reshape(shape) as never;
/** numpy.ravel(x): {@link NDArray.ravel}. */
export const ravel = <D extends DType>(x: NDArray<D>): NDArray<D, 1> => arrayArg('ravel', x).ravel() as never;
/** numpy.squeeze(x, axis?): {@link NDArray.squeeze}. */
export const squeeze = <D extends DType>(x: NDArray<D>, axis?: number | readonly number[]): NDArray<D> => arrayArg('squeeze', x).squeeze(axis) as never;
/** numpy.expand_dims(x, axis): {@link NDArray.expandDims}. */
export const expandDims = <D extends DType>(x: NDArray<D>, axis: number | readonly number[]): NDArray<D> => arrayArg('expandDims', x).expandDims(axis) as never;
/** numpy.swapaxes(x, axis1, axis2): {@link NDArray.swapaxes}. */
export const swapaxes = <D extends DType, R extends number>(x: NDArray<D, R>, axis1: number, axis2: number): NDArray<D, R> => arrayArg('swapaxes', x).swapaxes(axis1, axis2) as never;
/** numpy.moveaxis(x, source, destination): {@link NDArray.moveaxis}. */
export const moveaxis = <D extends DType, R extends number>(x: NDArray<D, R>, source: number | readonly number[], destination: number | readonly number[]): NDArray<D, R> =>
  arrayArg('moveaxis', x).moveaxis(source, destination) as never;
/** numpy.flip(x, axis?): {@link NDArray.flip}. */
export const flip = <D extends DType, R extends number>(x: NDArray<D, R>, axis?: number | readonly number[] | null): NDArray<D, R> => arrayArg('flip', x).flip(axis) as never;
/** numpy.flipud(x): {@link NDArray.flipud}. */
export const flipud = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => arrayArg('flipud', x).flipud() as never;
/** numpy.fliplr(x): {@link NDArray.fliplr}. */
export const fliplr = <D extends DType, R extends number>(x: NDArray<D, R>): NDArray<D, R> => arrayArg('fliplr', x).fliplr() as never;
/** numpy.broadcast_to(x, shape): {@link NDArray.broadcastTo}. */
export const broadcastTo = <D extends DType, const S extends readonly number[]>(x: NDArray<D>, shape: S): NDArray<D, S['length']> => arrayArg('broadcastTo', x).broadcastTo(shape) as never;
