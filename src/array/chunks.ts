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

/**
 * Dask's normalize_chunks: `previous` (rechunk's current chunks) makes 'auto' axes keep their
 * aspect ratio and align to the previous chunks' common size (Dask's auto_chunks with previous_chunks).
 */
export function normalizeChunks(spec: ChunksSpec | undefined, shape: readonly number[], itemsize: number, previous?: readonly (readonly number[])[]): number[][] {
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
  if (previous && result.some((c) => c === null)) {
    // Dask's largest_block: a block-size entry counts as given (not clipped to the axis)
    const block = entries.map((e, k) => (typeof e === 'number' && e !== -1 ? e : result[k] ? Math.max(...result[k]!) : 0));
    autoChunksLike(result, shape, itemsize, previous, block);
  } else autoChunks(result, shape, itemsize);
  return result as number[][];
}

/**
 * Dask 2022.12's auto_chunks with previous_chunks (what rechunk passes): each 'auto' axis starts at
 * the median of its previous chunks and grows or shrinks by the same factor until a chunk holds
 * about chunkSize bytes, rounded to a multiple or a divisor-like size of the axis's most common
 * previous chunk (when that is over 1 and at least half the chunks); an axis that would outgrow
 * its length is taken whole and the rest re-solved.
 */
function autoChunksLike(chunks: (number[] | null)[], shape: readonly number[], itemsize: number, previous: readonly (readonly number[])[], block: readonly number[]): void {
  const autos = new Set(chunks.map((c, k) => (c === null ? k : -1)).filter((k) => k >= 0));
  let largest = 1;
  chunks.forEach((c, k) => { if (c) largest *= block[k]!; });
  const median = (v: readonly number[]): number => {
    const s = [...v].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const result = new Map<number, number>([...autos].map((a) => [a, median(previous[a]!)]));
  const ideal = shape.map((n, i) => {
    const freq = new Map<number, number>();
    for (const c of previous[i]!) freq.set(c, (freq.get(c) ?? 0) + 1);
    let mode = 0, count = -1;
    for (const [c, f] of freq) if (f > count) { mode = c; count = f; }
    return mode > 1 && count >= previous[i]!.length / 2 ? mode : n;
  });
  const roundTo = (c: number, s: number): number => (c <= s ? Math.max(1, Math.trunc(c)) : Math.floor(c / s) * s);
  const multiplierOf = (): number => {
    let p = 1;
    for (const r of result.values()) if (r) p *= r;
    return autoChunkBytes() / itemsize / largest / p;
  };
  let multiplier = multiplierOf();
  let lastMultiplier = 0;
  let lastAutos = '';
  for (let guard = 0; guard < 1000 && (multiplier !== lastMultiplier || [...autos].join() !== lastAutos); guard++) {
    lastMultiplier = multiplier;
    lastAutos = [...autos].join();
    for (const a of [...autos].sort((x, y) => x - y)) {
      if (ideal[a] === 0) { result.set(a, 0); continue; }
      const proposed = result.get(a)! * Math.pow(multiplier, 1 / autos.size);
      if (proposed > shape[a]!) {
        autos.delete(a);
        largest *= shape[a]!;
        chunks[a] = [shape[a]!];
        result.delete(a);
      } else result.set(a, roundTo(proposed, ideal[a]!));
    }
    multiplier = multiplierOf();
  }
  for (const [k, v] of result) chunks[k] = shape[k] === 0 ? [0] : blocksFromSize(shape[k]!, v);
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
