// Shape operations that are affine views (issue 15 step 2): squeeze, expandDims, flip, broadcastTo,
// swapaxes/moveaxis (permutations) and reshapes that split axes. Each returns a node that lowering
// folds into the leaves' offsets and strides, so none of them adds a task or a copy.
import { describe } from '../../errors.js';
import { normalizeChunks } from '../chunks.js';
import { contiguousStrides, isScalar, type Scalar, itemsize, newId, size, token, type Node, type ViewNode } from '../node.js';
import { getItem } from './get.js';
import type { IndexInput } from './parse.js';
import { Slice } from './slice.js';
import { viewOffsetStrides, type AffineView, type ViewAxis } from './view.js';

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
 * np.reshape (one -1 allowed) with Dask's output chunks (dask.array.reshape: one chunk per axis for a
 * single-chunk input, else reshape_rechunk; like Dask it accepts only reshapes that split or merge
 * axes evenly). Free in both directions:
 * - splits and length-1 axes are an affine view of any expression;
 * - merges are pushed through elementwise ops to the leaves and become the same generated or
 *   contiguous leaf with the new shape (random and arange values are functions of the C-order
 *   linear index, which a reshape keeps). A merge over a transpose, a slice, a broadcast or a
 *   reduction is not affine: it copies, as NumPy's (a reshape node: one kernel writes the input
 *   row-major, the result reads that buffer with the new shape).
 */
export function reshape(src: Node, shapeArg: readonly number[] | number): Node {
  const raw = checkShapeArg('reshape: shape', typeof shapeArg === 'number' ? [shapeArg] : shapeArg);
  const total = size(src.shape);
  const unknown = raw.filter((s) => s === -1).length;
  if (unknown > 1) throw new RangeError(`reshape: can only specify one unknown dimension (-1), got [${raw.join(', ')}]`);
  if (unknown === 1 && raw.length === 1 && src.shape.length === 1) return src;
  const known = raw.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const shape = raw.map((s) => (s === -1 ? (known === 0 ? 0 : total / known) : s));
  if (size(shape) !== total || shape.some((s) => !Number.isInteger(s))) {
    throw new RangeError(`reshape: cannot reshape an array of size ${total} (shape [${src.shape.join(', ')}]) into shape [${raw.join(', ')}]`);
  }
  if (shape.length === src.shape.length && shape.every((s, k) => s === src.shape[k])) return src;
  const single = src.chunks.every((c) => c.length === 1);
  // Dask reshapes a one-chunk array with NumPy (any shape), otherwise only even splits and merges
  // (NotImplementedError). Here any reshape whose leaves are generated or contiguous is free, so
  // an uneven one is allowed there too, with 'auto' chunks (a deliberate difference from Dask).
  let plan: ReturnType<typeof reshapeRechunk> | null = null;
  let uneven: unknown = null;
  try {
    plan = reshapeRechunk(src.shape, shape, src.chunks);
  } catch (err) {
    uneven = err;
  }
  const chunks = single ? shape.map((n) => [n]) : plan ? plan.outchunks : normalizeChunks('auto', shape, itemsize(src.dtype));
  if (plan === null) {
    try {
      return mergeReshape(src, shape, chunks, new Map());
    } catch (err) {
      // one chunk: Dask reshapes it with NumPy, which copies what is not contiguous
      if (single && err instanceof NotAffine) return copyReshape(src, shape, chunks);
      throw single ? err : uneven;
    }
  }
  if (plan.merges) {
    try {
      return mergeReshape(src, shape, chunks, new Map());
    } catch (err) {
      if (err instanceof NotAffine) return copyReshape(src, shape, chunks);
      throw err;
    }
  }
  // Only splits and length-1 axes: a view. Output axis j walks source axis owner[j] with step
  // (the product of the later output axes in its group).
  const axes: ViewAxis[] = [];
  const fixed: { axis: number; index: number }[] = [];
  let j = 0;
  for (let k = 0; k < src.shape.length; k++) {
    const n = src.shape[k]!;
    if (n === 1 && !(j < shape.length && shape[j] === 1 && plan.owner[j] === k)) {
      fixed.push({ axis: k, index: 0 });
      continue;
    }
    while (j < shape.length && plan.owner[j] !== k) {
      axes.push({ source: null, start: 0, step: 0, length: shape[j]! });
      j++;
    }
    let step = n;
    while (j < shape.length && plan.owner[j] === k) {
      step = shape[j] === 0 ? 0 : step / shape[j]!;  // an empty axis reads nothing (0 / 0 was a NaN step)
      axes.push({ source: k, start: 0, step, length: shape[j]! });
      j++;
    }
  }
  while (j < shape.length) axes.push({ source: null, start: 0, step: 0, length: shape[j++]! });
  return viewNode(src, { sourceShape: [...src.shape], axes, fixed }, chunks, 'reshape');
}

/**
 * dask.array.reshape.reshape_rechunk, ported from the last axis backwards, for the output chunks;
 * also which source axis each output axis splits (-1: a length-1 output axis of its own) and
 * whether any group merges source axes.
 */
function reshapeRechunk(inshape: readonly number[], outshape: readonly number[], inchunks: readonly (readonly number[])[]): { outchunks: number[][]; owner: number[]; merges: boolean } {
  const outchunks: number[][] = outshape.map(() => []);
  const owner: number[] = outshape.map(() => -1);
  let merges = false;
  let ii = inshape.length - 1;
  let oi = outshape.length - 1;
  const prod = (a: readonly number[], lo: number, hi: number): number => a.slice(Math.max(lo, 0), hi).reduce((x, y) => x * y, 1);
  const uneven = (): never => {
    throw new TypeError(
      `reshape: [${inshape.join(', ')}] → [${outshape.join(', ')}] does not merge or split existing axes evenly ` +
        "(Dask's rule: e.g. [6, 5, 4] → [3, 2, 5, 4] or [30, 4] is supported, [4, 5, 6] is not); reshape in several steps",
    );
  };
  while (ii >= 0 || oi >= 0) {
    const din = ii >= 0 ? inshape[ii]! : 1;
    const dout = oi >= 0 ? outshape[oi]! : 1;
    if (ii >= 0 && oi >= 0 && din === dout) {
      outchunks[oi] = [...inchunks[ii]!];
      owner[oi] = ii;
      ii--;
      oi--;
    } else if (din === 1 && ii >= 0) ii--;
    else if (dout === 1 && oi >= 0) {
      outchunks[oi] = [1];
      oi--;
    } else if (din < dout) {
      merges = true;
      let ileft = ii - 1;
      while (ileft >= 0 && prod(inshape, ileft, ii + 1) < dout) ileft--;
      if (ileft < 0 || prod(inshape, ileft, ii + 1) !== dout) uneven();
      if (inchunks.slice(0, ii).every((c, i) => c.length === inshape[i])) {
        // Dask's special case: all lower axes chunked by 1, blocks just move.
        const reps = inchunks.slice(ileft, ii).reduce((x, c) => x * c.length, 1);
        outchunks[oi] = Array.from({ length: reps }, () => [...inchunks[ii]!]).flat();
      } else {
        const reduction = inchunks.slice(ileft + 1, ii + 1).reduce((x, c) => x * c.length, 1);
        const p = prod(inshape, ileft + 1, ii + 1);
        outchunks[oi] = expandTuple(inchunks[ileft]!, reduction).map((c) => p * c);
      }
      oi--;
      ii = ileft - 1;
    } else {
      let oleft = oi - 1;
      while (oleft >= 0 && prod(outshape, oleft, oi + 1) < din) oleft--;
      if (oleft < 0 || prod(outshape, oleft, oi + 1) !== din) uneven();
      const cs = prod(outshape, oleft + 1, oi + 1);
      for (let i = oleft + 1; i <= oi; i++) {
        outchunks[i] = [outshape[i]!];
        owner[i] = ii;
      }
      owner[oleft] = ii;
      outchunks[oleft] = contractTuple(inchunks[ii]!, cs).map((c) => c / cs);
      oi = oleft - 1;
      ii--;
    }
  }
  return { outchunks, owner, merges };
}

// dask.array.reshape.expand_tuple: split each chunk into about `factor` parts.
function expandTuple(chunks: readonly number[], factor: number): number[] {
  if (factor === 1) return [...chunks];
  const out: number[] = [];
  for (const c of chunks) {
    let x = c;
    const part = Math.max(x / factor, 1);
    while (x >= 2 * part) {
      out.push(Math.trunc(part));
      x -= Math.trunc(part);
    }
    if (x) out.push(x);
  }
  return out;
}

/** A merge the leaves cannot absorb: reshape() copies instead (copyReshape). */
class NotAffine extends TypeError {}

/**
 * A merging reshape of a value that is not row-major at its leaves (a transpose, a slice, a
 * broadcast, a reduction…), as NumPy's reshape copies it: a reshape node, whose input is
 * computed row-major into one buffer by its own kernel and read back with the new shape.
 */
function copyReshape(src: Node, shape: number[], chunks: number[][]): Node {
  return { kind: 'reshape', op: 'reshape', id: newId(), name: `reshape-${token(`reshape-copy:${src.name}:${shape}:${JSON.stringify(chunks)}`)}`, shape, dtype: src.dtype, chunks, arg: src };
}

/** A merging reshape pushed to the leaves (see reshape); memoized so shared subexpressions stay shared. */
function mergeReshape(node: Node, shape: number[], chunks: number[][], memo: Map<number, Node>): Node {
  const done = memo.get(node.id);
  if (done) return done;
  const refuse = (why: string): never => {
    throw new NotAffine(`reshape: merging axes of ${why} is not an affine view`);
  };
  const base = { id: newId(), shape, chunks, name: `reshape-${token(`reshape:${node.name}:${shape}:${JSON.stringify(chunks)}`)}` };
  let out: Node;
  switch (node.kind) {
    case 'const':
    case 'arange':
    case 'random':
      out = { ...node, ...base };
      break;
    case 'memory': {
      const contiguous = node.shape.every((n, k) => n === 1 || node.strides[k] === contiguousStrides(node.shape)[k]);
      if (!contiguous) refuse('a strided memory view');
      out = { ...node, ...base, strides: contiguousStrides(shape) };
      break;
    }
    case 'unary':
      out = { ...node, ...base, arg: mergeReshape(node.arg, shape, chunks, memo) };
      break;
    case 'binary': {
      const args = node.args.map((a) => {
        if (isScalar(a)) return a;
        if (a.shape.length !== node.shape.length || a.shape.some((n, k) => n !== node.shape[k])) refuse('a broadcast operand');
        return mergeReshape(a, shape, chunks, memo);
      }) as [Node | Scalar, Node | Scalar];
      out = { ...node, ...base, args };
      break;
    }
    case 'where': {
      const args = node.args.map((a) => {
        if (isScalar(a)) return a;
        if (a.shape.length !== node.shape.length || a.shape.some((n, k) => n !== node.shape[k])) refuse('a broadcast operand');
        return mergeReshape(a, shape, chunks, memo);
      }) as unknown as typeof node.args;
      out = { ...node, ...base, args };
      break;
    }
    case 'rechunk':
      out = mergeReshape(node.arg, shape, chunks, memo);
      break;
    case 'view': {
      // A view that keeps C order over its whole source (a reshape that split axes) is undone:
      // reshaping it is reshaping the source.
      const { offset, strides } = viewOffsetStrides(node.view, contiguousStrides(node.view.sourceShape));
      const c = contiguousStrides(node.shape);
      const keepsOrder = offset === 0 && size(node.view.sourceShape) === size(node.shape) && node.shape.every((n, k) => n === 1 || strides[k] === c[k]);
      if (!keepsOrder) refuse('a slice or broadcast');
      out = mergeReshape(node.arg, shape, chunks, memo);
      break;
    }
    default:
      return refuse(`a ${node.kind === 'delayed' ? 'fromDelayed array' : node.kind}`);
  }
  memo.set(node.id, out);
  return out;
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
