// Index items against a shape → an affine view (NumPy basic indexing) plus at most one advanced
// step (a take or a mask) on the view's axes, with NumPy's rules for where the result axis goes.
import type { IndexArrayLike, IndexItem } from './parse.js';
import type { AffineView, FixedAxis, ViewAxis } from './view.js';
import { Slice } from './slice.js';

/** A slice resolved against an axis length: Python's `slice.indices(n)` plus the element count. */
export interface ResolvedSlice {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
  readonly length: number;
}

/**
 * Resolves a slice against an axis of `length` exactly as CPython's PySlice_Unpack +
 * PySlice_AdjustIndices (what NumPy uses): defaults by the step's sign, negative bounds from the
 * end, clamping to [0, n] (or [-1, n-1] for a negative step).
 */
export function resolveSlice(s: Slice, length: number): ResolvedSlice {
  const step = s.step ?? 1;
  if (step === 0) throw new RangeError('slice step cannot be zero');
  const clamp = (b: number | null, dflt: number): number => {
    if (b === null) return dflt;
    if (b < 0) {
      const v = b + length;
      return v < 0 ? (step < 0 ? -1 : 0) : v;
    }
    return b >= length ? (step < 0 ? length - 1 : length) : b;
  };
  const start = clamp(s.start, step < 0 ? length - 1 : 0);
  const stop = clamp(s.stop, step < 0 ? -1 : length);
  let n = 0;
  if (step < 0) {
    if (stop < start) n = Math.floor((start - stop - 1) / -step) + 1;
  } else if (start < stop) n = Math.floor((stop - start - 1) / step) + 1;
  return { start, stop, step, length: n };
}

/** A take of `length` positions on view axis `axis`; `positions` are non-negative when known. */
export interface TakeStep {
  readonly kind: 'take';
  readonly axis: number;
  readonly resultAxis: number;
  readonly length: number;
  readonly positions: readonly number[] | null;
  readonly array: IndexArrayLike | null;
}

/** A boolean mask over view axes [axis, axis + ndim): one result axis of unknown length (NaN). */
export interface MaskStep {
  readonly kind: 'mask';
  readonly axis: number;
  readonly ndim: number;
  readonly resultAxis: number;
  readonly array: IndexArrayLike;
}

/** The result of normalizing an index: the basic view, then at most one advanced step, and the final shape. */
export interface NormalizedIndex {
  readonly view: AffineView;
  readonly advanced: TakeStep | MaskStep | null;
  /** The result's shape; a mask's axis is NaN (unknown until computed), as in Dask. */
  readonly shape: readonly number[];
}

const FULL = new Slice(null, null, null);

const consumes = (it: IndexItem): number =>
  it.kind === 'newaxis' || it.kind === 'ellipsis' ? 0 : it.kind === 'mask' ? it.shape.length : 1;

function checkInRange(index: number, axis: number, size: number, what = 'index'): number {
  if (index < -size || index >= size) {
    throw new RangeError(`${what} ${index} is out of bounds for axis ${axis} with size ${size}`);
  }
  return index < 0 ? index + size : index;
}

/**
 * The items with the Ellipsis replaced by (or, without one, followed by) the full slices that make
 * them index every axis; a zero-width Ellipsis vanishes. RangeError when they index too many axes.
 */
export function expandEllipsis(items: readonly IndexItem[], ndim: number): IndexItem[] {
  const used = items.reduce((n, it) => n + consumes(it), 0);
  if (used > ndim) {
    throw new RangeError(`too many indices for array: array is ${ndim}-dimensional, but ${used} were indexed`);
  }
  const fill: IndexItem[] = Array.from({ length: ndim - used }, () => ({ kind: 'slice', slice: FULL }));
  const at = items.findIndex((it) => it.kind === 'ellipsis');
  return at < 0 ? [...items, ...fill] : [...items.slice(0, at), ...fill, ...items.slice(at + 1)];
}


// A known 1-d boolean list is its nonzero positions (NumPy and Dask do the same).
function maskToTake(it: Extract<IndexItem, { kind: 'mask' }>): IndexItem {
  if (it.values === null) return it;
  return { kind: 'take', length: it.values.filter(Boolean).length, values: it.values.flatMap((b, i) => (b ? [i] : [])), array: null };
}

/**
 * Normalizes parsed index items against `shape` (NumPy's semantics): expands the Ellipsis, checks
 * the count (RangeError "too many indices"), wraps negative integers and checks bounds (RangeError
 * naming the axis and size), resolves slices, and places at most one integer/boolean array
 * (TypeError for more): its result axis goes where the array was if the array and any integer
 * indices are adjacent, else first — NumPy's advanced-indexing rule.
 */
export function normalizeIndex(items: readonly IndexItem[], shape: readonly number[]): NormalizedIndex {
  const expanded = expandEllipsis(items, shape.length);
  const arrays = expanded.filter((it) => it.kind === 'take' || it.kind === 'mask').length;
  if (arrays > 1) {
    throw new TypeError(`an index may hold at most one integer or boolean array (a take or a mask on one place), got ${arrays}`);
  }
  const axes: ViewAxis[] = [];
  const fixed: FixedAxis[] = [];
  let advanced: TakeStep | MaskStep | null = null;
  let src = 0;
  const advancedPositions: number[] = [];
  let firstAdvancedAxis = 0;
  expanded.forEach((raw, pos) => {
    const it = raw.kind === 'mask' ? checkMask(raw, shape, src) : raw;
    if (it.kind === 'take' || it.kind === 'mask' || (it.kind === 'integer' && arrays > 0)) {
      if (advancedPositions.length === 0) firstAdvancedAxis = axes.length;
      advancedPositions.push(pos);
    }
    switch (it.kind) {
      case 'integer':
        fixed.push({ axis: src, index: checkInRange(it.index, src, shape[src]!) });
        src++;
        break;
      case 'slice': {
        const r = resolveSlice(it.slice, shape[src]!);
        axes.push({ source: src, start: r.length === 0 ? 0 : r.start, step: r.step, length: r.length });
        src++;
        break;
      }
      case 'newaxis':
        axes.push({ source: null, start: 0, step: 0, length: 1 });
        break;
      case 'take': {
        const n = shape[src]!;
        const positions = it.values === null ? null : it.values.map((v) => checkInRange(v, src, n));
        advanced = { kind: 'take', axis: axes.length, resultAxis: 0, length: it.length, positions, array: it.array };
        axes.push({ source: src, start: 0, step: 1, length: n });
        src++;
        break;
      }
      case 'mask': {
        advanced = { kind: 'mask', axis: axes.length, ndim: it.shape.length, resultAxis: 0, array: it.array! };
        for (let k = 0; k < it.shape.length; k++, src++) axes.push({ source: src, start: 0, step: 1, length: shape[src]! });
        break;
      }
      case 'ellipsis':
        break;
    }
  });
  const view: AffineView = { sourceShape: [...shape], axes, fixed };
  const out = axes.map((a) => a.length);
  const adv = advanced as TakeStep | MaskStep | null;
  if (adv === null) return { view, advanced: null, shape: out };
  const adjacent = advancedPositions.every((p, i) => i === 0 || p === advancedPositions[i - 1]! + 1);
  const resultAxis = adjacent ? firstAdvancedAxis : 0;
  out.splice(adv.axis, adv.kind === 'take' ? 1 : adv.ndim);
  out.splice(resultAxis, 0, adv.kind === 'take' ? adv.length : NaN);
  return { view, advanced: { ...adv, resultAxis }, shape: out };
}

function checkMask(it: Extract<IndexItem, { kind: 'mask' }>, shape: readonly number[], src: number): IndexItem {
  it.shape.forEach((m, k) => {
    const n = shape[src + k];
    if (m !== n) {
      throw new RangeError(
        `boolean index did not match indexed array along axis ${src + k}; the axis has size ${n} but the boolean index has ${m}`,
      );
    }
  });
  return maskToTake(it);
}
