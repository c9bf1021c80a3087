// Shape operations that are affine views (issue 15 step 2): squeeze, expandDims, flip, broadcastTo,
// swapaxes/moveaxis (permutations) and reshapes that split axes. Each returns a node that lowering
// folds into the leaves' offsets and strides, so none of them adds a task or a copy.
import { describe } from '../../errors.js';
import { newId, size, token, type Node, type ViewNode } from '../node.js';
import { getItem } from './get.js';
import type { IndexInput } from './parse.js';
import { Slice } from './slice.js';
import type { AffineView, ViewAxis } from './view.js';

function axisOf(what: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new TypeError(`${what} must be an integer axis, got ${describe(axis)}`);
  if (axis < -ndim || axis >= ndim) throw new RangeError(`${what} ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  return axis < 0 ? axis + ndim : axis;
}

function axesOf(what: string, axis: unknown, ndim: number): number[] {
  const list = Array.isArray(axis) ? (axis as unknown[]) : [axis];
  const out = list.map((a, i) => axisOf(Array.isArray(axis) ? `${what}[${i}]` : what, a, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`${what} ${describe(axis)} repeats an axis`);
  return out;
}

/** A view node with explicit chunks (the view must not be the identity). */
export function viewNode(src: Node, view: AffineView, chunks: number[][], op: string): Node {
  const node: ViewNode = {
    kind: 'view',
    op: 'getitem',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}:${JSON.stringify(view)}:${JSON.stringify(chunks)}`)}`,
    shape: view.axes.map((a) => a.length),
    dtype: src.dtype,
    chunks,
    view,
    arg: src,
  };
  return node;
}

/** np.squeeze: drop the given length-1 axes (all of them when omitted). */
export function squeeze(src: Node, axis?: number | readonly number[]): Node {
  const n = src.shape.length;
  const axes = axis === undefined ? src.shape.flatMap((s, k) => (s === 1 ? [k] : [])) : axesOf('squeeze: axis', axis, n);
  for (const a of axes) {
    if (src.shape[a] !== 1) throw new RangeError(`squeeze: cannot select an axis to squeeze out which has size not equal to one (axis ${a} has size ${src.shape[a]})`);
  }
  const drop = new Set(axes);
  return getItem(src, src.shape.map((_, k): IndexInput => (drop.has(k) ? 0 : new Slice(null, null, null))));
}

/** np.expand_dims: new length-1 axes at the given positions of the result. */
export function expandDims(src: Node, axis: number | readonly number[]): Node {
  const count = Array.isArray(axis) ? axis.length : 1;
  const out = src.shape.length + count;
  const at = new Set(axesOf('expandDims: axis', axis, out));
  const items: IndexInput[] = [];
  for (let k = 0; k < out; k++) items.push(at.has(k) ? null : new Slice(null, null, null));
  return getItem(src, items);
}

/** np.flip: reverse the given axes (all when omitted); Dask's chunks reversed with them. */
export function flip(src: Node, axis?: number | readonly number[] | null): Node {
  const n = src.shape.length;
  const axes = new Set(axis === undefined || axis === null ? src.shape.map((_, k) => k) : axesOf('flip: axis', axis, n));
  return getItem(src, src.shape.map((_, k) => new Slice(null, null, axes.has(k) ? -1 : null)));
}

/** The permutation of np.swapaxes. */
export function swapaxesPerm(ndim: number, a: number, b: number): number[] {
  const i = axisOf('swapaxes: axis1', a, ndim);
  const j = axisOf('swapaxes: axis2', b, ndim);
  const perm = [...Array(ndim).keys()];
  perm[i] = j;
  perm[j] = i;
  return perm;
}

/** The permutation of np.moveaxis. */
export function moveaxisPerm(ndim: number, source: number | readonly number[], destination: number | readonly number[]): number[] {
  const src = axesOf('moveaxis: source', source, ndim);
  const dst = axesOf('moveaxis: destination', destination, ndim);
  if (src.length !== dst.length) throw new RangeError(`moveaxis: source and destination must have the same number of axes (${src.length} vs ${dst.length})`);
  const order = [...Array(ndim).keys()].filter((k) => !src.includes(k));
  const pairs = dst.map((d, i) => [d, src[i]!] as const).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of pairs) order.splice(d, 0, s);
  return order;
}

function checkShapeArg(what: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${what} must be an array of non-negative integers, got ${describe(shape)}`);
  return shape.map((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < -1) throw new RangeError(`${what}[${i}] must be a non-negative integer${what.startsWith('reshape') ? ' or -1' : ''}, got ${describe(s)}`);
    return s;
  });
}

/**
 * np.broadcast_to as a view: stretched length-1 axes have step 0, new leading axes walk nothing.
 * Chunks as Dask's: new and stretched axes one chunk each, other axes keep theirs.
 */
export function broadcastTo(src: Node, shapeArg: readonly number[]): Node {
  const shape = checkShapeArg('broadcastTo: shape', shapeArg);
  if (shape.some((s) => s < 0)) throw new RangeError(`broadcastTo: shape ${describe(shapeArg)} must not contain -1`);
  const lead = shape.length - src.shape.length;
  const bad = lead < 0 || src.shape.some((s, k) => s !== 1 && s !== shape[k + lead]);
  if (bad) throw new RangeError(`broadcastTo: cannot broadcast an array of shape [${src.shape.join(', ')}] to shape [${shape.join(', ')}]`);
  const axes: ViewAxis[] = shape.map((n, k) => {
    if (k < lead) return { source: null, start: 0, step: 0, length: n };
    const j = k - lead;
    return { source: j, start: 0, step: src.shape[j] === 1 && n !== 1 ? 0 : 1, length: n };
  });
  const chunks = shape.map((n, k) => (k < lead || (src.shape[k - lead] === 1 && n !== 1) ? [n] : [...src.chunks[k - lead]!]));
  if (lead === 0 && axes.every((a) => a.step === 1)) return src;
  return viewNode(src, { sourceShape: [...src.shape], axes, fixed: [] }, chunks, 'broadcast_to');
}

/**
 * np.reshape as a view, when every axis of the source either keeps its length, is split into
 * consecutive result axes, or has length 1 (result axes of length 1 are new axes). Merging source
 * axes (ravel of a 2-d array, [a, b] → [a·b]) is not an affine view of generated or transposed
 * leaves and is refused with a TypeError until a copying reshape exists.
 * Chunks for a split are Dask's reshape_rechunk: the inner result axes are one chunk each, the
 * outer axis is the source chunks contracted to multiples of the inner size, divided by it (Dask
 * rechunks its input to those; here that rechunk is free, kernels read inputs by global index).
 */
export function reshape(src: Node, shapeArg: readonly number[] | number): Node {
  const raw = checkShapeArg('reshape: shape', typeof shapeArg === 'number' ? [shapeArg] : shapeArg);
  const total = size(src.shape);
  const unknown = raw.filter((s) => s === -1).length;
  if (unknown > 1) throw new RangeError(`reshape: can only specify one unknown dimension (-1), got ${describe(shapeArg)}`);
  const known = raw.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const shape = raw.map((s) => (s === -1 ? (known === 0 ? 0 : total / known) : s));
  if (size(shape) !== total || shape.some((s) => !Number.isInteger(s))) {
    throw new RangeError(`reshape: cannot reshape an array of size ${total} (shape [${src.shape.join(', ')}]) into shape ${describe(shapeArg)}`);
  }
  if (shape.length === src.shape.length && shape.every((s, k) => s === src.shape[k])) return src;
  const refuse = (): never => {
    throw new TypeError(
      `reshape: [${src.shape.join(', ')}] → [${shape.join(', ')}] merges axes, which is not supported yet; ` +
        'supported: splitting axes and adding or removing length-1 axes',
    );
  };
  if (total === 0) refuse();
  const axes: ViewAxis[] = [];
  const chunks: number[][] = [];
  const fixed: { axis: number; index: number }[] = [];
  let j = 0;
  for (let k = 0; k < src.shape.length; k++) {
    const n = src.shape[k]!;
    if (n === 1) {
      fixed.push({ axis: k, index: 0 });
      continue;
    }
    while (j < shape.length && shape[j] === 1) {
      axes.push({ source: null, start: 0, step: 0, length: 1 });
      chunks.push([1]);
      j++;
    }
    const group: number[] = [];
    let p = 1;
    while (p < n && j < shape.length) {
      if (shape[j] === 1 && group.length > 0) {
        refuse(); // a length-1 axis inside a split: fine in NumPy, kept out of the chunk rule here
      }
      p *= shape[j]!;
      group.push(j++);
    }
    if (p !== n) refuse();
    let step = n;
    group.forEach((g, t) => {
      step /= shape[g]!;
      axes.push({ source: k, start: 0, step, length: shape[g]! });
      if (t > 0) chunks.push([shape[g]!]);
    });
    const inner = n / shape[group[0]!]!;
    const outer = contractTuple(src.chunks[k]!, inner).map((c) => c / inner);
    chunks.splice(chunks.length - (group.length - 1), 0, outer);
  }
  while (j < shape.length && shape[j] === 1) {
    axes.push({ source: null, start: 0, step: 0, length: 1 });
    chunks.push([1]);
    j++;
  }
  if (j !== shape.length) refuse();
  return viewNode(src, { sourceShape: [...src.shape], axes, fixed }, chunks, 'reshape');
}

// dask.array.reshape.contract_tuple: chunks whose sizes are multiples of `factor`, carrying each
// remainder into the next chunk (the sizes sum to a multiple of factor).
function contractTuple(chunks: readonly number[], factor: number): number[] {
  const out: number[] = [];
  let residual = 0;
  for (const c0 of chunks) {
    const c = c0 + residual;
    const good = factor * Math.floor(c / factor);
    residual = c % factor;
    if (good) out.push(good);
  }
  return out;
}
