// take with indices known in JS (a list or TypedArray), until the native gather stage exists:
// the positions are cut into arithmetic runs, each run is a slice view, and the runs are joined
// with one concatenation (one stage per run). Lazy integer-NDArray indices and large irregular
// index lists need the gather stage and are refused with a TypeError saying so.
import { describe } from '../../errors.js';
import { NDArray, type Computed } from '../ndarray.js';
import { concatenate } from './join.js';
import { Slice } from './slice.js';

/** Most runs one take may join; beyond this the per-run stages cost more than a gather would. */
const MAX_RUNS = 256;

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
  if (runs.length > MAX_RUNS) {
    throw new TypeError(
      `take: ${positions.length} indices form ${runs.length} separate runs; irregular index lists longer than ${MAX_RUNS} runs need the native gather stage, which is not built yet`,
    );
  }
  const full = new Slice(null, null, null);
  const piece = (r: { start: number; step: number; length: number }): NDArray => {
    const stop = r.start + r.step * r.length;
    const s = new Slice(r.start, r.step < 0 && stop < 0 ? null : stop, r.step);
    return x.get(...x.shape.map((_, k) => (k === axis ? s : full)));
  };
  if (positions.length === 0) return x.get(...x.shape.map((_, k) => (k === axis ? new Slice(0, 0, null) : full)));
  const pieces = runs.map(piece);
  return pieces.length === 1 ? pieces[0]! : concatenate(pieces, { axis });
}

/** np.take(x, indices, axis) for JS index lists; without an axis over the flattened array, as NumPy. */
export function take(x: NDArray, indices: readonly number[] | ArrayLike<number>, options?: { axis?: number | null }): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`take: x must be an NDArray, got ${describe(x)}`);
  if (indices instanceof NDArray) throw new TypeError('take: integer NDArray indices need the native gather stage, which is not built yet; pass a JS array or TypedArray');
  if (typeof indices !== 'object' || indices === null || typeof (indices as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`take: indices must be an array or TypedArray of integers, got ${describe(indices)}`);
  }
  const list = Array.from(indices as ArrayLike<number | bigint>, (v, i) => {
    const num = Number(v);
    if (!Number.isInteger(num)) throw new TypeError(`take: indices[${i}] must be an integer, got ${describe(v)}`);
    return num;
  });
  const src = options?.axis === undefined || options.axis === null ? x.ravel() : x;
  const nd = src.ndim;
  const axisRaw = options?.axis ?? 0;
  if (typeof axisRaw !== 'number' || !Number.isInteger(axisRaw)) throw new TypeError(`take: axis must be an integer, got ${describe(axisRaw)}`);
  if (axisRaw < -nd || axisRaw >= nd) throw new RangeError(`take: axis ${axisRaw} is out of bounds for an array of ${nd} dimensions (accepted: ${-nd}..${nd - 1})`);
  const axis = axisRaw < 0 ? axisRaw + nd : axisRaw;
  const n = src.shape[axis]!;
  const positions = list.map((v) => {
    if (v < -n || v >= n) throw new RangeError(`take: index ${v} is out of bounds for axis ${axis} with size ${n}`);
    return v < 0 ? v + n : v;
  });
  return takeKnown(src, positions, axis);
}
