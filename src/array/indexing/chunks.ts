// The output chunks of a basic slice of a chunked array, exactly as Dask computes them
// (dask/array/slicing.py: normalize_index → normalize_slice → slice_array → _slice_1d /
// new_blockdim). Dask's block walk decides which zero-length chunks appear, so it is ported
// literally rather than derived from the element view.
import type { IndexItem } from './parse.js';
import { expandEllipsis, normalizeIndex, resolveSlice } from './normalize.js';
import type { Slice } from './slice.js';

/** A slice as Dask's normalize_slice leaves it: bounds resolved, then defaults put back as null. */
interface DaskSlice {
  readonly start: number | null;
  readonly stop: number | null;
  readonly step: number | null;
}

const isColon = (s: DaskSlice): boolean => s.start === null && s.stop === null && s.step === null;

// Python's floor modulo.
const pyMod = (a: number, b: number): number => ((a % b) + b) % b;

function bisectLeft(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// dask.array.slicing.normalize_slice.
function daskNormalizeSlice(s: Slice, dim: number): DaskSlice {
  const r = resolveSlice(s, dim);
  let start: number | null = r.start;
  let stop: number | null = r.stop;
  let step: number | null = r.step;
  if (r.step > 0) {
    if (start === 0) start = null;
    if (stop >= dim) stop = null;
    if (step === 1) step = null;
    if (stop !== null && start !== null && stop < start) stop = start;
  } else {
    if (start >= dim - 1) start = null;
    if (stop < 0) stop = null;
  }
  return { start, stop, step };
}

/** Dask's `_slice_1d` reduced to what the chunks need: block number → (start, stop, step) in it, in block order. */
function slice1d(dim: number, lengths: readonly number[], index: DaskSlice): Map<number, DaskSlice> {
  const d = new Map<number, DaskSlice>();
  if (isColon(index)) {
    lengths.forEach((_, k) => d.set(k, index));
    return d;
  }
  const bounds: number[] = [];
  let acc = 0;
  for (const n of lengths) bounds.push((acc += n));
  const step = index.step ?? 1;
  let start: number;
  let stop: number;
  if (step > 0) {
    start = index.start ?? 0;
    stop = index.stop ?? dim;
  } else {
    start = index.start ?? dim - 1;
    if (start >= dim) start = dim - 1;
    stop = index.stop ?? -(dim + 1);
  }
  if (start < 0) start += dim;
  if (stop < 0) stop += dim;
  if (step > 0) {
    const istart = bisectRight(bounds, start);
    const istop = Math.min(bisectLeft(bounds, stop) + 1, lengths.length);
    if (istart > 0) {
      start -= bounds[istart - 1]!;
      stop -= bounds[istart - 1]!;
    }
    for (let i = istart; i < istop; i++) {
      const length = lengths[i]!;
      if (start < length && stop > 0) {
        d.set(i, { start, stop: Math.min(stop, length), step });
        start = pyMod(start - length, step);
      } else start -= length;
      stop -= length;
    }
  } else {
    let rstart = start;
    // Dask's istart is bisect_left(bounds, start) + 1: the block holding start, or one past it —
    // unless zero-size blocks repeat a bound there (chunks (8, 4, 12, 3, 0, 1), start 27: Dask
    // 2022.12 starts at the empty block, skips the last one and makes x[::-1] ((0,),), computing
    // an empty array). bisect_right is the block holding start in every case.
    const istart = Math.min(bisectRight(bounds, start), bounds.length - 1);
    const istop = Math.max(bisectRight(bounds, stop) - 1, -1);
    for (let i = istart; i > istop; i--) {
      const chunkStop = bounds[i]!;
      const chunkStart = i === 0 ? 0 : bounds[i - 1]!;
      if (chunkStart <= rstart && rstart < chunkStop && rstart > stop) {
        d.set(i, { start: rstart - chunkStop, stop: Math.max(chunkStart - chunkStop - 1, stop - chunkStop), step });
        rstart = chunkStart + pyMod(rstart - (chunkStart - 1), step) - 1;
      }
    }
  }
  if (d.size === 0) d.set(0, { start: 0, stop: 0, step: 1 });
  return d;
}

// dask.array.slicing.new_blockdim.
function newBlockdim(dim: number, lengths: readonly number[], index: DaskSlice): number[] {
  if (isColon(index)) return [...lengths];
  const pairs = [...slice1d(dim, lengths, index).entries()].sort((a, b) => a[0] - b[0]);
  const slices = pairs.map(([i, s]) => (isColon(s) ? { start: 0, stop: lengths[i]!, step: 1 } : s));
  if (index.step !== null && index.step < 0) slices.reverse();
  // `+ 0` turns ceil's -0 (an empty block slice with a negative ratio) into Dask's int 0.
  return slices.map((s) => Math.ceil((s.stop! - s.start!) / s.step!) + 0);
}

/**
 * The chunks Dask gives `x[index]` for a chunked array (`chunks` per axis, summing to the shape)
 * and a basic index (integers, slices, new axes, one Ellipsis): integers drop their axis, a new
 * axis is one chunk of 1, a slice keeps the blocks it touches (reversed for a negative step) and
 * an empty slice is one chunk of 0. Index errors are NumPy's (see normalizeIndex); an integer or
 * boolean array is a TypeError here (Dask's take chunking is not modelled).
 */
export function daskSliceChunks(chunks: readonly (readonly number[])[], items: readonly IndexItem[]): number[][] {
  const shape = chunks.map((c) => c.reduce((a, b) => a + b, 0));
  if (items.some((it) => it.kind === 'take' || it.kind === 'mask')) {
    throw new TypeError('daskSliceChunks handles basic indices only (integers, slices, new axes, an Ellipsis), not integer or boolean arrays');
  }
  normalizeIndex(items, shape);
  const expanded = expandEllipsis(items, shape.length);
  const out: number[][] = [];
  let src = 0;
  for (const it of expanded) {
    if (it.kind === 'newaxis') out.push([1]);
    else if (it.kind === 'slice') {
      out.push(newBlockdim(shape[src]!, chunks[src]!, daskNormalizeSlice(it.slice, shape[src]!)));
      src++;
    } else src++;
  }
  return out;
}
