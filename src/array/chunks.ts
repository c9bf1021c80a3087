// Dask's chunk specifications, normalized to explicit per-axis chunk sizes (`chunks`).
//   5              every axis in blocks of 5 (the last block may be smaller)
//   [1000, 10]     per-axis block sizes; -1 (or null) = the whole axis; 'auto' per axis
//   [[2, 3], [5]]  explicit sizes per axis (must sum to the axis length)
//   'auto'         about `configure({ chunkSize })` bytes per chunk (128 MiB), as Dask does
import { autoChunkBytes } from '../settings.js';
import { describe } from '../errors.js';

export type ChunkSpecEntry = number | null | 'auto' | readonly number[];
/**
 * A chunk specification, as Dask's `chunks=`: normalized to explicit sizes per axis.
 * - `5`: every axis in blocks of 5 (the last block may be smaller);
 * - `[1000, 10]`: a block size per axis, where `-1` or `null` is the whole axis and `'auto'` sizes
 *   that axis automatically;
 * - `[[2, 3], [5]]`: explicit sizes per axis (they must sum to the axis length);
 * - `'auto'` (the default): about `configure({ chunkSize })` bytes per chunk (128 MiB), as Dask.
 *
 * A wrong number of entries is a RangeError; a non-positive block size or sizes that do not sum to
 * the axis are RangeErrors; other values a TypeError.
 * @example
 * ```ts
 * ones([10000, 10000], { chunks: [1000, -1] }); // 10 row blocks, each the full width
 * ```
 */
export type ChunksSpec = number | 'auto' | readonly ChunkSpecEntry[];

export function blocksFromSize(size: number, block: number): number[] {
  if (size === 0) return [0];
  const out: number[] = new Array(Math.floor(size / block)).fill(block);
  if (size % block) out.push(size % block);
  return out;
}

export function normalizeChunks(spec: ChunksSpec | undefined, shape: readonly number[], itemsize: number): number[][] {
  const ndim = shape.length;
  if (spec === undefined) spec = 'auto';
  let entries: ChunkSpecEntry[];
  if (typeof spec === 'number' || spec === 'auto') {
    entries = new Array(ndim).fill(spec);
  } else if (Array.isArray(spec)) {
    entries = [...(spec as ChunkSpecEntry[])];
    // A 1-d shape with several plain numbers means explicit sizes, as in Dask: chunks [5, 5] for shape [10].
    if (ndim === 1 && entries.length > 1 && entries.every((e) => typeof e === 'number')) entries = [entries as number[]];
    if (entries.length !== ndim) {
      throw new RangeError(`chunks ${describe(spec)} has ${entries.length} entries but the array has ${ndim} dimensions`);
    }
  } else {
    throw new TypeError(
      `chunks must be a number, 'auto', or an array with one entry per axis (number, -1, 'auto' or explicit sizes), got ${describe(spec)}`,
    );
  }
  const result: (number[] | null)[] = entries.map((e, k) => {
    if (e === 'auto') return null;
    if (e === null || e === -1) return [shape[k]!];
    if (typeof e === 'number') {
      if (!Number.isInteger(e) || e <= 0) {
        throw new RangeError(`chunks[${k}] must be a positive integer block size, -1, 'auto' or explicit sizes, got ${describe(e)}`);
      }
      return blocksFromSize(shape[k]!, e);
    }
    if (Array.isArray(e)) {
      let sum = 0;
      e.forEach((c, i) => {
        // zero-size chunks are accepted, as Dask does (stages drop them: lower.ts stageChunks)
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
          throw new RangeError(`chunks[${k}][${i}] must be a non-negative integer, got ${describe(c)}`);
        }
        sum += c;
      });
      if (sum !== shape[k]) {
        throw new RangeError(`chunks[${k}] sizes sum to ${sum} but shape[${k}] is ${shape[k]}: chunks must tile the shape`);
      }
      return e.length === 0 ? [0] : [...e];
    }
    throw new TypeError(`chunks[${k}] must be a number, -1, 'auto' or an array of sizes, got ${describe(e)}`);
  });
  autoChunks(result, shape, itemsize);
  return result as number[][];
}

// Dask's auto_chunks without previous chunks: equal block sizes on the 'auto' axes so a chunk
// holds about chunkSize bytes; axes shorter than that size are taken whole and the rest re-solved.
function autoChunks(chunks: (number[] | null)[], shape: readonly number[], itemsize: number): void {
  const autos = () => chunks.map((c, k) => (c === null ? k : -1)).filter((k) => k >= 0);
  for (;;) {
    const a = autos();
    if (a.length === 0) return;
    let largest = 1;
    chunks.forEach((c) => {
      if (c) largest *= Math.max(...c, 1);
    });
    const size = Math.pow(autoChunkBytes() / itemsize / largest, 1 / a.length);
    const small = a.filter((k) => shape[k]! < size);
    if (small.length) {
      for (const k of small) chunks[k] = [shape[k]!];
      continue;
    }
    for (const k of a) chunks[k] = blocksFromSize(shape[k]!, Math.max(1, Math.floor(size)));
    return;
  }
}

/** Start offset of every chunk along one axis (length = chunks + 1; last = axis length). */
export function chunkBounds(sizes: readonly number[]): number[] {
  const out = [0];
  for (const s of sizes) out.push(out[out.length - 1]! + s);
  return out;
}
