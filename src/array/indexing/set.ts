// x.set(index, value) (issue 15 step 4): Dask's `x[index] = value` without mutation. For a basic
// index whose slices have step ±1 (a box), the result is x's pieces around the box and the value
// in it, joined with concatenations (one stage per piece when computed); other steps and integer
// lists go through setByGather, a full mask (where(mask, value, x)).
import { describe } from '../../errors.js';
import { checkFillValue, fromArray, full } from '../creation.js';
import { NDArray, type Computed } from '../ndarray.js';
import { concatenate } from './join.js';
import { binary, whereArrays } from '../expr.js';
import { broadcastShapes } from '../node.js';
import { normalizeIndex, type TakeStep } from './normalize.js';
import type { AffineView } from './view.js';
import { parseIndex, type IndexInput } from './parse.js';
import { Slice } from './slice.js';

/**
 * x.set for strided slices and integer lists: each source axis's selected positions P_k (in the
 * value's order), a bool mask of the selected elements (the outer AND of one 1-d mask per axis),
 * and the value spread over x's shape by one native take per axis with the position map
 * p -> j where P_k[j] = p (repeated positions: the last wins, as NumPy's assignment); then
 * where(mask, spread value, x).
 */
function setByGather(x: NDArray, view: AffineView, take: TakeStep | null, viewShape: readonly number[], value: NDArray | number | bigint): NDArray {
  const positions: number[][] = x.shape.map((n) => Array.from({ length: n }, (_, p) => p));
  for (const f of view.fixed) positions[f.axis] = [f.index];
  view.axes.forEach((a, i) => {
    if (a.source === null) return;
    positions[a.source] = take !== null && i === take.axis ? [...take.positions!] : Array.from({ length: a.length }, (_, j) => a.start + j * a.step);
  });
  const everything = (k: number): boolean => positions[k]!.length === x.shape[k] && positions[k]!.every((p, j) => p === j);
  let mask: NDArray | null = null;
  for (let k = 0; k < x.ndim; k++) {
    if (everything(k)) continue;
    const m = new Uint8Array(x.shape[k]!);
    for (const p of positions[k]!) m[p] = 1;
    const mk = fromArray(m, { dtype: 'bool' }).reshape(x.shape.map((n, j) => (j === k ? n : 1)));
    mask = mask === null ? mk : binary('logicalAnd', mask, mk);
  }
  let spread: NDArray | number | bigint = value;
  if (value instanceof NDArray) {
    // the value on the view's shape, new axes dropped and integer-indexed axes restored: one axis
    // per source axis, of length |P_k|; then spread along each axis that is not whole
    let v = value.broadcastTo(viewShape).get(...view.axes.map((a) => (a.source === null ? 0 : new Slice(null, null, null))));
    const fixedAxes = view.fixed.map((f) => f.axis);
    if (fixedAxes.length) v = v.expandDims(fixedAxes);
    for (let k = 0; k < x.ndim; k++) {
      if (everything(k)) continue;
      const map = new Int32Array(x.shape[k]!);
      positions[k]!.forEach((p, j) => (map[p] = j));
      v = v.take(map, { axis: k });
    }
    spread = v;
  }
  return mask === null ? (spread instanceof NDArray ? spread : full(x.shape, spread, { dtype: x.node.dtype })).astype(x.node.dtype) : whereArrays(mask, spread, x).astype(x.node.dtype);
}

export function setItem(x: NDArray, index: IndexInput | readonly IndexInput[], value: NDArray | number | bigint): NDArray {
  const args = Array.isArray(index) && !index.every((v) => typeof v === 'number') ? (index as readonly IndexInput[]) : [index as IndexInput];
  const items = parseIndex(args);
  const { view, advanced, shape: indexedShape } = normalizeIndex(items, x.shape);
  if (advanced !== null && advanced.kind === 'mask' && advanced.ndim === x.ndim && advanced.array instanceof NDArray) {
    // x.set(x.lt(0), 0): Dask's x[mask] = v is where(mask, v, x) (v a number or broadcastable to x)
    if (typeof value !== 'number' && typeof value !== 'bigint' && !(value instanceof NDArray)) throw new TypeError(`set: value must be a number, a bigint or an NDArray, got ${describe(value)}`);
    if (typeof value === 'bigint') checkFillValue('set: value', value, x.node.dtype);
    if (value instanceof NDArray) broadcastShapes(value.shape, x.shape);
    return whereArrays(advanced.array, value, x).astype(x.node.dtype);
  }
  if (advanced !== null && (advanced.kind === 'mask' || advanced.positions === null)) {
    throw new TypeError(`set: ${advanced.kind === 'mask' ? 'a boolean mask over some of the axes' : 'an integer NDArray'} index is not supported yet; use a mask of the full shape, a JS list or TypedArray of integers, integers and slices`);
  }
  if (typeof value !== 'number' && typeof value !== 'bigint' && !(value instanceof NDArray)) throw new TypeError(`set: value must be a number, a bigint or an NDArray, got ${describe(value)}`);
  if (typeof value === 'bigint') checkFillValue('set: value', value, x.node.dtype);
  const viewShape = view.axes.map((a, i) => (advanced !== null && i === advanced.axis ? advanced.length : a.length));
  if (viewShape.some((n) => n === 0)) return x;
  if (advanced !== null && advanced.resultAxis !== advanced.axis && value instanceof NDArray) {
    // x[0, :, [1, 2]] = v: the list and the integer are not adjacent, so NumPy's indexed shape has
    // the list's axis first; v broadcasts to that shape, then moves to the list's place in the view
    value = value.broadcastTo(indexedShape).moveaxis(advanced.resultAxis, advanced.axis);
  }
  if (advanced !== null || view.axes.some((a) => a.source !== null && a.length > 1 && Math.abs(a.step) !== 1)) {
    return setByGather(x, view, advanced, viewShape, value);
  }
  // The box [lo, hi) per source axis, and which source axes the value must be flipped along.
  const lo = x.shape.map(() => 0);
  const hi = [...x.shape];
  const flipAxes: number[] = [];
  for (const f of view.fixed) {
    lo[f.axis] = f.index;
    hi[f.axis] = f.index + 1;
  }
  for (const a of view.axes) {
    if (a.source === null) continue;
    if (a.length > 1 && Math.abs(a.step) !== 1) throw new TypeError(`set: a slice with step ${a.step} is not supported yet (accepted: steps 1 and -1)`);
    if (a.step < 0 && a.length > 1) {
      flipAxes.push(a.source);
      lo[a.source] = a.start - a.length + 1;
      hi[a.source] = a.start + 1;
    } else {
      lo[a.source] = a.start;
      hi[a.source] = a.start + a.length;
    }
  }
  const boxShape = x.shape.map((_, k) => hi[k]! - lo[k]!);
  let block: NDArray;
  if (typeof value === 'number' || typeof value === 'bigint') block = full(boxShape, value, { dtype: x.node.dtype });
  else {
    // value broadcasts to the view's shape (NumPy); then into the box's axes: new axes dropped,
    // integer-indexed axes restored, reversed slices flipped back.
    let v = value.broadcastTo(viewShape);
    v = v.get(...view.axes.map((a) => (a.source === null ? 0 : new Slice(null, null, null))));
    const fixedAxes = view.fixed.map((f) => f.axis);
    if (fixedAxes.length) v = v.expandDims(fixedAxes);
    if (flipAxes.length) v = v.flip(flipAxes);
    // cast into x's dtype as NumPy's assignment does (a uint32 value into int8 wraps, float64 into
    // uint8 truncates): the result keeps x's dtype
    block = v.astype(x.node.dtype);
  }
  const build = (k: number, part: NDArray): NDArray => {
    if (k === x.ndim) return block;
    const n = x.shape[k]!;
    const cut = (s: number, e: number): NDArray => part.get(...part.shape.map((_, j) => (j === k ? new Slice(s, e, null) : new Slice(null, null, null))));
    const pieces: NDArray[] = [];
    if (lo[k]! > 0) pieces.push(cut(0, lo[k]!));
    pieces.push(build(k + 1, cut(lo[k]!, hi[k]!)));
    if (hi[k]! < n) pieces.push(cut(hi[k]!, n));
    return pieces.length === 1 ? pieces[0]! : concatenate(pieces, { axis: k });
  };
  return build(0, x);
}
