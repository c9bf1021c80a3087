// An affine view of a source array: what basic indexing (integers, slices, new axes) produces.
// Output coordinate c maps to source coordinates source[a] = fixed[a] or start + c[k]·step, so a
// view over a source with strides s is the leaf map lin = offset + Σ c[k]·stride[k].
import { contiguousStrides } from '../node.js';

/** One output axis: which source axis it walks (null = a new axis), from where, how far, how fast. */
export interface ViewAxis {
  /** Source axis walked, or null for a new axis (start 0, step 0, length 1 — or 0 once sliced empty). */
  readonly source: number | null;
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

/** A source axis dropped by an integer index, fixed at `index`. */
export interface FixedAxis {
  readonly axis: number;
  readonly index: number;
}

/** The affine view of basic indexing; every source axis is either walked by one output axis or fixed. */
export interface AffineView {
  readonly sourceShape: readonly number[];
  readonly axes: readonly ViewAxis[];
  readonly fixed: readonly FixedAxis[];
}

/** The view's output shape. */
export function viewShape(view: AffineView): number[] {
  return view.axes.map((a) => a.length);
}

/** The identity view of a source shape. */
export function identityView(shape: readonly number[]): AffineView {
  return { sourceShape: [...shape], axes: shape.map((n, k) => ({ source: k, start: 0, step: 1, length: n })), fixed: [] };
}

/**
 * The view as an offset and strides over a source laid out with `sourceStrides` (elements) from
 * `sourceOffset`: lin = offset + Σ c[k]·strides[k]. New axes get stride 0.
 */
export function viewOffsetStrides(
  view: AffineView,
  sourceStrides: readonly number[],
  sourceOffset = 0,
): { offset: number; strides: number[] } {
  if (sourceStrides.length !== view.sourceShape.length) {
    throw new RangeError(`sourceStrides has ${sourceStrides.length} entries but the view's source has ${view.sourceShape.length} axes`);
  }
  let offset = sourceOffset;
  for (const f of view.fixed) offset += f.index * sourceStrides[f.axis]!;
  const strides = view.axes.map((a) => {
    if (a.source === null) return 0;
    offset += a.start * sourceStrides[a.source]!;
    return a.step * sourceStrides[a.source]!;
  });
  return { offset, strides };
}

/**
 * The one view equal to applying `outer` to the result of `inner` (a view of a view): outer's
 * source shape must be inner's output shape.
 */
export function composeViews(inner: AffineView, outer: AffineView): AffineView {
  const innerShape = viewShape(inner);
  if (innerShape.length !== outer.sourceShape.length || innerShape.some((n, k) => n !== outer.sourceShape[k])) {
    throw new RangeError(`cannot compose: the outer view indexes shape [${outer.sourceShape}] but the inner view has shape [${innerShape}]`);
  }
  const fixed: FixedAxis[] = [...inner.fixed];
  for (const f of outer.fixed) {
    const a = inner.axes[f.axis]!;
    // An integer index into a new axis just removes it; into a walked axis it fixes the source axis.
    if (a.source !== null) fixed.push({ axis: a.source, index: a.start + f.index * a.step });
  }
  fixed.sort((p, q) => p.axis - q.axis);
  const axes = outer.axes.map((o): ViewAxis => {
    if (o.source === null) return o;
    const a = inner.axes[o.source]!;
    if (a.source === null) return { source: null, start: 0, step: 0, length: o.length };
    return { source: a.source, start: a.start + o.start * a.step, step: a.step * o.step, length: o.length };
  });
  return { sourceShape: inner.sourceShape, axes, fixed };
}

/** The flat C-order source index of every element of the view, in the view's C order (for tests and small reads). */
export function viewSourceIndices(view: AffineView): number[] {
  const { offset, strides } = viewOffsetStrides(view, contiguousStrides(view.sourceShape));
  const shape = viewShape(view);
  const out: number[] = [];
  if (shape.some((n) => n === 0)) return out;
  const walk = (k: number, lin: number): void => {
    if (k === shape.length) {
      out.push(lin);
      return;
    }
    for (let i = 0; i < shape[k]!; i++) walk(k + 1, lin + i * strides[k]!);
  };
  walk(0, offset);
  return out;
}
