// mapOverlap (Dask's map_overlap): each block is passed with `depth` elements of its neighbours
// on every side, and the result's halo is trimmed. The halo is not made by copying the array into
// a padded one: the native stages that write a block (layout.ts) read its neighbours' elements
// straight from the source expression, and the array's edges are one more affine piece per
// boundary mode (reflect: step -1, periodic: the far end, nearest: step 0, a number: a constant).
// Trimming is the scatter back to row-major reading only each result block's interior.
import { describe as show } from '../../errors.js';
import type { DenseArray } from '../dense.js';
import { NDArray, type Computed } from '../ndarray.js';
import type { AxisBlocks, BlockedLayout, OutAxisBlock, Segment } from './layout.js';
import { blockCallable, type BlockCall } from './run.js';
import { blocksArray, gridIndices, location, outSlot, refOf, starts, type BlockFunction, type BlockInfo } from './map-blocks.js';

/**
 * What {@link mapOverlap} puts beyond the array's edges (Dask's `boundary=` names): `'reflect'`
 * (mirrored, edge included: NumPy's `'symmetric'`), `'periodic'` (wraps around), `'nearest'` (the
 * edge value repeated), `'none'` (no halo at the edges, the default) or a number (a constant fill,
 * not NaN).
 */
export type Boundary = 'reflect' | 'periodic' | 'nearest' | 'none' | number;

/**
 * Options of {@link mapOverlap} (Dask's `map_overlap` keywords `depth`, `boundary`, `trim`, `dtype`).
 * A per-axis list of the wrong length or an axis out of range is a RangeError.
 */
export interface MapOverlapOptions {
  /**
   * Halo width: one number for every axis, one per axis, or `{ axis: depth }` (others 0). Per
   * axis, a `[before, after]` pair is an asymmetric halo (Dask's `(left, right)` tuples): `before`
   * elements of the previous block (or of the boundary), `after` of the next.
   */
  depth: number | readonly (number | readonly [number, number])[] | Readonly<Record<number, number | readonly [number, number]>>;
  /**
   * What lies beyond the array's edges (Dask's names): 'reflect' (mirrored, edge included —
   * NumPy's 'symmetric'), 'periodic' (wraps), 'nearest' (the edge repeated), 'none' (no halo at
   * the edges: edge blocks are smaller; the default, as in Dask), or a constant. One for every axis,
   * one per axis, or `{ axis: mode }`.
   */
  boundary?: Boundary | readonly Boundary[] | Readonly<Record<number, Boundary>>;
  /** Remove the halo from each result block (default true); the function must then return a block of its input's shape. */
  trim?: boolean;
  /** The result's dtype (default: the input's; only float64 and float32, else a TypeError). */
  dtype?: 'float64' | 'float32';
}

const BOUNDARIES = "'reflect', 'periodic', 'nearest', 'none' or a number";

function perAxis<T>(where: string, v: T | readonly T[] | Readonly<Record<number, T>> | undefined, ndim: number, fallback: T, ok: (x: unknown) => x is T, accepted: string, okOne: (x: unknown) => boolean = ok): T[] {
  if (v === undefined) return new Array<T>(ndim).fill(fallback);
  if (okOne(v)) return new Array<T>(ndim).fill(v as T);
  if (Array.isArray(v)) {
    if (v.length !== ndim || !v.every(ok)) throw new RangeError(`mapOverlap: ${where} must give ${ndim} values (${accepted}), got ${show(v)}`);
    return [...(v as T[])];
  }
  if (typeof v === 'object' && v !== null) {
    const out = new Array<T>(ndim).fill(fallback);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const a = Number(k);
      if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new RangeError(`mapOverlap: ${where} has axis ${k}, out of range for ${ndim}-d arrays`);
      if (!ok(x)) throw new RangeError(`mapOverlap: ${where}[${k}] must be ${accepted}, got ${show(x)}`);
      out[a < 0 ? a + ndim : a] = x;
    }
    return out;
  }
  throw new TypeError(`mapOverlap: ${where} must be ${accepted}, a list per axis or an { axis: value } object, got ${show(v)}`);
}

const isDepth = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
type Depth = number | readonly [number, number];
const isDepthPair = (x: unknown): x is Depth => isDepth(x) || (Array.isArray(x) && x.length === 2 && isDepth(x[0]) && isDepth(x[1]));
const isBoundary = (x: unknown): x is Boundary => x === 'reflect' || x === 'periodic' || x === 'nearest' || x === 'none' || (typeof x === 'number' && !Number.isNaN(x));

/**
 * Dask's `ensure_minimum_chunksize(size, chunks)`: chunks along one axis, each at least `size`,
 * a too-small chunk added to the one before it (or after, at the start), the result Dask's own.
 */
export function ensureMinimumChunksize(size: number, chunks: readonly number[]): number[] {
  if (size <= Math.min(...chunks)) return [...chunks];
  const out: number[] = [];
  let acc = 0;
  for (const c of chunks) {
    if (c < size) {
      if (acc > size + (size - c)) {
        out.push(acc - (size - c));
        acc = size;
      } else acc += c;
    }
    if (acc >= size) {
      out.push(acc);
      acc = 0;
    }
    if (c >= size) acc += c;
  }
  if (acc >= size) out.push(acc);
  else if (out.length) out[out.length - 1]! += acc;
  else throw new RangeError(`mapOverlap: depth ${size} is larger than the array's length (${chunks.reduce((p, q) => p + q, 0)})`);
  return out;
}

/** The segments of every halo'd block along one axis: dl elements before each block, dr after. */
function haloAxis(chunks: readonly number[], dl: number, dr: number, mode: Boundary): AxisBlocks {
  const b = starts(chunks);
  const n = b[b.length - 1]!;
  const edge = (left: boolean): Segment | undefined => {
    const d = left ? dl : dr;
    if (d === 0 || mode === 'none') return undefined;
    if (typeof mode === 'number') return { len: d, fill: mode };
    if (mode === 'reflect') return left ? { len: d, start: d - 1, step: -1 } : { len: d, start: n - 1, step: -1 };
    if (mode === 'periodic') return left ? { len: d, start: n - d, step: 1 } : { len: d, start: 0, step: 1 };
    return left ? { len: d, start: 0, step: 0 } : { len: d, start: n - 1, step: 0 };
  };
  return chunks.map((c, i) => {
    const first = i === 0;
    const last = i === chunks.length - 1;
    // the block and its interior halos are one contiguous range of the source
    const lo = first ? b[i]! : b[i]! - dl;
    const hi = last ? b[i + 1]! : b[i + 1]! + dr;
    const segs: Segment[] = [];
    const l = first ? edge(true) : undefined;
    const r = last ? edge(false) : undefined;
    if (l) segs.push(l);
    segs.push({ len: hi - lo, start: lo, step: 1 });
    if (r) segs.push(r);
    void c;
    return segs;
  });
}

/**
 * Dask's `map_overlap`: `mapOverlap(fn, x, { depth, boundary, trim, dtype })` calls `fn(block,
 * blockInfo)` with each block extended by `depth` elements of its neighbours (or of the boundary)
 * on both sides of every axis, and trims that halo from the results (`trim: true`, the default).
 * Chunks smaller than the depth are first merged with their neighbours as Dask's overlap does
 * (`ensure_minimum_chunksize`); a depth beyond the array's length is a RangeError. Functions as in `mapBlocks`
 * (module functions on worker threads with shared-memory blocks; inline closures on the main thread).
 */
export function mapOverlap(fn: BlockFunction | ((...args: never[]) => unknown), x: NDArray, options: MapOverlapOptions): NDArray {
  const callable = blockCallable('mapOverlap', fn);
  if (!(x instanceof NDArray)) throw new TypeError(`mapOverlap: x must be an NDArray, got ${show(x)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`mapOverlap: options must be an object with depth (e.g. { depth: 1, boundary: 'reflect' }), got ${show(options)}`);
  if (options.depth === undefined) throw new TypeError("mapOverlap: options.depth is required (e.g. { depth: 1, boundary: 'reflect' })");
  const ndim = x.ndim;
  const depths = perAxis<Depth>('depth', options.depth, ndim, 0, isDepthPair, 'a non-negative integer or a [before, after] pair of them', isDepth);
  const before = depths.map((d) => (typeof d === 'number' ? d : d[0]));
  const after = depths.map((d) => (typeof d === 'number' ? d : d[1]));
  const boundary = perAxis('boundary', options.boundary, ndim, 'none' as Boundary, isBoundary, BOUNDARIES);
  const trim = options.trim ?? true;
  if (typeof trim !== 'boolean') throw new TypeError(`mapOverlap: options.trim must be a boolean, got ${show(trim)}`);
  const dtype = options.dtype ?? x.dtype;
  if (dtype !== 'float64' && dtype !== 'float32') throw new TypeError(`mapOverlap: options.dtype must be 'float64' or 'float32', got ${show(dtype)}`);
  let chunks = x.chunks.map((c) => c.filter((e, _i, all) => e > 0 || all.length === 1));
  // chunks smaller than the depth are merged with their neighbours first, as Dask's overlap does
  const fitted = chunks.map((c, k) => {
    const d = Math.max(before[k]!, after[k]!);
    if (d <= Math.min(...c)) return c;
    const n = c.reduce((p, q) => p + q, 0);
    if (d > n) throw new RangeError(`mapOverlap: depth ${d} along axis ${k} is larger than the array's length along it (${n})`);
    return ensureMinimumChunksize(d, c);
  });
  if (fitted.some((c, k) => c !== chunks[k])) {
    x = x.rechunk(fitted);
    chunks = fitted;
  }
  const axes = chunks.map((c, k) => haloAxis(c, before[k]!, after[k]!, boundary[k]!));
  const lens = axes.map((a) => a.map((segs) => segs.reduce((n, s) => n + s.len, 0)));
  // result blocks: the halo'd extents; trim keeps each block's own part (no halo at a 'none' edge)
  let dstAt = 0;
  const out: OutAxisBlock[][] = axes.map((a, k) => {
    const b = starts(chunks[k]!);
    dstAt = 0;
    return a.map((_, i) => {
      const len = lens[k]![i]!;
      const c = chunks[k]![i]!;
      const lo = trim ? (i > 0 || boundary[k] !== 'none' ? before[k]! : 0) : 0;
      const block = trim ? { len, lo, kept: c, dst: b[i]! } : { len, lo: 0, kept: len, dst: dstAt };
      dstAt += block.kept;
      return block;
    });
  });
  const outChunks = out.map((a) => a.map((b) => b.kept));
  const shape = outChunks.map((c) => c.reduce((p, q) => p + q, 0));
  const numChunks = chunks.map((c) => c.length);
  const calls = (layouts: readonly BlockedLayout[], outL: BlockedLayout): BlockCall[] => {
    const list: BlockCall[] = [];
    for (const idx of gridIndices(numChunks)) {
      const info: BlockInfo = { ...location(idx, outChunks), chunkShape: idx.map((i, k) => outChunks[k]![i]!), dtype, inputs: [location(idx, chunks)] };
      const haloShape = idx.map((i, k) => lens[k]![i]!);
      list.push({ args: [refOf(0, layouts[0]!, idx)], out: outSlot(outL, idx), tail: [info], where: idx, outShape: haloShape });
    }
    return list;
  };
  return blocksArray('map_overlap', x.name, { name: 'mapOverlap', fn: callable, inputs: [{ node: x.node, axes }], dtype, out, shape, calls }, outChunks);
}
