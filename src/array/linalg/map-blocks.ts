// mapBlocks with an inline JS closure (issue 16 item 3, first part): fn runs on the main thread
// once per output block, with the matching input blocks and Dask's block_info. WARNING (also in
// the TSDoc): an inline closure blocks the event loop while it runs; module functions on worker
// threads (delayed.module) are not wired in yet and are refused with a TypeError.
import { describe as show } from '../../errors.js';
import { DenseArray } from '../dense.js';
import { NDArray, computeArrays, type Computed } from '../ndarray.js';
import { newId, token, type DType } from '../node.js';
import { chunkBounds } from '../chunks.js';

export interface BlockInfo {
  /** The block's index in the output chunk grid (Dask's block_info[None]['chunk-location']). */
  chunkLocation: number[];
  /** Per output axis, [start, stop) of the block (Dask's 'array-location'). */
  arrayLocation: [number, number][];
  /** The output's chunk-grid shape ('num-chunks') and shape. */
  numChunks: number[];
  shape: number[];
}

export interface MapBlocksOptions {
  dtype?: DType;
  /** The output's chunks per axis (explicit lists); default: the first array's (after dropAxis/newAxis). */
  chunks?: readonly (readonly number[])[];
  /** Input axes the function removes (each must be one block). */
  dropAxis?: number | readonly number[];
  /** Output axes the function adds (length-1 blocks unless `chunks` says otherwise). */
  newAxis?: number | readonly number[];
}

export type BlockFunction = (...args: [...DenseArray[], BlockInfo]) => DenseArray | Float64Array | Float32Array | number;

const isOptions = (x: unknown): x is MapBlocksOptions => typeof x === 'object' && x !== null && !(x instanceof NDArray);

/**
 * Apply `fn` to every block: `mapBlocks((x, info) => …, a, b, { dtype, chunks, dropAxis, newAxis })`.
 * The blocks of all arrays must line up (same chunks). `fn` must be an inline closure for now and
 * runs on the main thread — it blocks the event loop for its duration (Dask's threads would not).
 */
export function mapBlocks(fn: BlockFunction, ...rest: (NDArray<Computed> | MapBlocksOptions)[]): NDArray<DenseArray> {
  if (typeof fn !== 'function') {
    throw new TypeError(`mapBlocks: fn must be a function (inline closure; delayed.module functions on worker threads are not supported yet), got ${show(fn)}`);
  }
  const options: MapBlocksOptions = rest.length && isOptions(rest[rest.length - 1]) ? (rest.pop() as MapBlocksOptions) : {};
  const arrays = rest as NDArray<Computed>[];
  if (!arrays.length) throw new TypeError('mapBlocks: at least one array is required');
  arrays.forEach((a, i) => {
    if (!(a instanceof NDArray)) throw new TypeError(`mapBlocks: arrays[${i}] must be an NDArray, got ${show(a)}`);
    if (JSON.stringify(a.chunks) !== JSON.stringify(arrays[0]!.chunks)) {
      throw new RangeError(`mapBlocks: arrays[${i}] has chunks ${JSON.stringify(a.chunks)}, arrays[0] ${JSON.stringify(arrays[0]!.chunks)}; rechunk them to the same grid`);
    }
  });
  const base = arrays[0]!;
  const list = (v: number | readonly number[] | undefined): number[] => (v === undefined ? [] : typeof v === 'number' ? [v] : [...v]);
  const drop = list(options.dropAxis).map((a) => (a < 0 ? a + base.ndim : a));
  for (const a of drop) {
    if (!Number.isInteger(a) || a < 0 || a >= base.ndim) throw new RangeError(`mapBlocks: dropAxis ${a} out of range for ${base.ndim}-d arrays`);
    if (base.chunks[a]!.length !== 1) throw new RangeError(`mapBlocks: dropAxis ${a} spans ${base.chunks[a]!.length} blocks (accepted: one block; rechunk first)`);
  }
  let grid = base.chunks.filter((_, k) => !drop.includes(k)).map((c) => [...c]);
  const added = list(options.newAxis).sort((x, y) => x - y);
  for (const a of added) grid.splice(a, 0, [1]);
  if (options.chunks !== undefined) {
    const c = options.chunks.map((x) => [...x]);
    if (c.length !== grid.length || c.some((x, k) => x.length !== grid[k]!.length)) {
      throw new RangeError(`mapBlocks: chunks ${JSON.stringify(options.chunks)} must have the output's block grid [${grid.map((g) => g.length).join(', ')}]`);
    }
    grid = c;
  }
  const dtype: DType = options.dtype ?? base.dtype;
  const shape = grid.map((c) => c.reduce((x, y) => x + y, 0));
  const numChunks = grid.map((c) => c.length);
  const compute = async (): Promise<Float64Array | Float32Array> => {
    const inputs = (await computeArrays(arrays)).map((v) => (typeof v === 'number' ? new DenseArray(Float64Array.of(v), []) : v));
    const out = dtype === 'float64' ? new Float64Array(shape.reduce((x, y) => x * y, 1)) : new Float32Array(shape.reduce((x, y) => x * y, 1));
    const outBounds = grid.map(chunkBounds);
    const inBounds = base.chunks.map(chunkBounds);
    const total = numChunks.reduce((x, y) => x * y, 1);
    for (let t = 0; t < total; t++) {
      const idx: number[] = [];
      let r = t;
      for (let k = numChunks.length - 1; k >= 0; k--) (idx[k] = r % numChunks[k]!), (r = Math.floor(r / numChunks[k]!));
      // input block index: drop the new axes, put 0 on the dropped ones
      const kept = idx.filter((_, k) => !added.includes(k));
      const inIdx: number[] = [];
      let q = 0;
      for (let k = 0; k < base.ndim; k++) inIdx.push(drop.includes(k) ? 0 : kept[q++]!);
      const blocks = inputs.map((d) => sliceBlock(d as DenseArray, inIdx.map((i, k) => [inBounds[k]![i]!, inBounds[k]![i + 1]!])));
      const loc = idx.map((i, k): [number, number] => [outBounds[k]![i]!, outBounds[k]![i + 1]!]);
      const info: BlockInfo = { chunkLocation: idx, arrayLocation: loc, numChunks, shape };
      const res = fn(...blocks, info);
      const data = typeof res === 'number' ? [res] : res instanceof DenseArray ? (res.data as ArrayLike<number>) : res;
      const want = loc.reduce((p, [a, b]) => p * (b - a), 1);
      if (!data || typeof (data as ArrayLike<number>).length !== 'number' || data.length !== want) {
        throw new RangeError(`mapBlocks: fn returned ${show(res)} for block [${idx.join(', ')}]; expected ${want} values (block shape [${loc.map(([a, b]) => b - a).join(', ')}])`);
      }
      placeBlock(out, shape, loc, data);
    }
    return out;
  };
  return new NDArray<DenseArray>({
    kind: 'delayed', op: 'from_delayed', id: newId(), name: `map_blocks-${token(`map_blocks:${arrays.map((a) => a.name).join(',')}:${newId()}`)}`,
    shape, dtype, chunks: shape.map((s) => [s]), source: { compute }, state: {},
  }).rechunk(grid);
}

function sliceBlock(d: DenseArray, box: [number, number][]): DenseArray {
  const shape = box.map(([a, b]) => b - a);
  const n = shape.reduce((x, y) => x * y, 1);
  const out = d.data instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  const strides = d.shape.map((_, k) => d.shape.slice(k + 1).reduce((x, y) => x * y, 1));
  for (let i = 0; i < n; i++) {
    let r = i;
    let src = 0;
    for (let k = shape.length - 1; k >= 0; k--) {
      const c = r % shape[k]!;
      r = Math.floor(r / shape[k]!);
      src += (box[k]![0] + c) * strides[k]!;
    }
    out[i] = Number(d.data[src]!);
  }
  return new DenseArray(out, shape);
}

function placeBlock(out: Float64Array | Float32Array, shape: number[], box: [number, number][], data: ArrayLike<number>): void {
  const bs = box.map(([a, b]) => b - a);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((x, y) => x * y, 1));
  for (let i = 0; i < data.length; i++) {
    let r = i;
    let dst = 0;
    for (let k = bs.length - 1; k >= 0; k--) {
      const c = r % bs[k]!;
      r = Math.floor(r / bs[k]!);
      dst += (box[k]![0] + c) * strides[k]!;
    }
    out[dst] = data[i]!;
  }
}
