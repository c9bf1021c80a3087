// take with indices known in JS (a list or TypedArray): positions that form one arithmetic run
// are a slice view (free: no task, no copy); anything else is the native gather (./gather.ts).
// The public take (JS lists, TypedArrays and NDArrays) is ./gather.ts's.
import { NDArray, type Computed } from '../ndarray.js';
import { daskTakeChunks, takePositions } from './gather.js';
import { concatenate } from './join.js';
import { Slice } from './slice.js';

function runsOf(positions: readonly number[]): { start: number; step: number; length: number }[] {
  const runs: { start: number; step: number; length: number }[] = [];
  let i = 0;
  while (i < positions.length) {
    const start = positions[i]!;
    if (i + 1 >= positions.length || positions[i + 1] === start) {
      runs.push({ start, step: 1, length: 1 });
      i++;
      continue;
    }
    const step = positions[i + 1]! - start;
    let j = i + 1;
    while (j + 1 < positions.length && positions[j + 1]! - positions[j]! === step) j++;
    runs.push({ start, step, length: j - i + 1 });
    i = j + 1;
  }
  return runs;
}

/** Positions (already non-negative and in range) along `axis` of x, in order, repeats allowed. */
export function takeKnown(x: NDArray, positions: readonly number[], axis: number): NDArray {
  const runs = runsOf(positions);
  // A lazy source (generated or an expression) would be computed whole before a native take reads
  // it; when the positions form a few runs over a small part of the axis, slice views of those
  // runs generate only the rows they read (one stage per run), rechunked to Dask's take chunks.
  const lazy = x.node.kind !== 'memory';
  const few = runs.length <= 64 && positions.length * 4 <= x.shape[axis]!;
  if (runs.length > 1 && !(lazy && few)) return new NDArray(takePositions(x.node, positions, axis));
  const full = new Slice(null, null, null);
  const piece = (r: { start: number; step: number; length: number }): NDArray => {
    const stop = r.start + r.step * r.length;
    const s = new Slice(r.start, r.step < 0 && stop < 0 ? null : stop, r.step);
    return x.get(...x.shape.map((_, k) => (k === axis ? s : full)));
  };
  if (positions.length === 0) return x.get(...x.shape.map((_, k) => (k === axis ? new Slice(0, 0, null) : full)));
  // Dask's take chunks, not its slicing's: x[[0, 2]] over chunks [3, 2, 1] is [2] (the view
  // 0:4:2 has Dask's slice chunks [2, 0])
  const chunks = daskTakeChunks(x.chunks[axis]!, positions);
  if (runs.length === 1) {
    const view = piece(runs[0]!);
    return view.chunks[axis]!.length === chunks.length && view.chunks[axis]!.every((c, i) => c === chunks[i]) ? view : view.rechunk({ [axis]: chunks });
  }
  return concatenate(runs.map(piece), { axis }).rechunk({ [axis]: chunks });
}

