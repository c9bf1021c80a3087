// mapBlocks and blockwise (Dask's map_blocks / blockwise): a user function per block.
// Module functions (delayed.module(url, name)) run on the worker-thread pool and see their blocks
// as typed-array views of SharedArrayBuffers (run.ts); inline closures run on the main thread and
// block the event loop while they run (documented).
import { describe as show } from '../../errors.js';
import { chunkBounds } from '../chunks.js';
import type { DenseArray } from '../dense.js';
import { NDArray, type Computed } from '../ndarray.js';
import { newId, token, type DType, type Node } from '../node.js';
import type { AxisBlocks, BlockedLayout, OutAxisBlock, Segment } from './layout.js';
import { blockCallable, registerBlocksJob, runBlocksJob, type ArgRef, type BlockCall, type BlockCallable, type BlocksInput, type BlocksJob } from './run.js';

/** Where a block sits (Dask's block_info entries). */
export interface BlockLocation {
  /** The block's index in the chunk grid ('chunk-location'). */
  chunkLocation: number[];
  /** Per axis, [start, stop) of the block in the array ('array-location'). */
  arrayLocation: [number, number][];
  /** Blocks per axis ('num-chunks'). */
  numChunks: number[];
  /** The whole array's shape. */
  shape: number[];
}

/** Dask's `block_info`: the output block (block_info[None]) plus, in `inputs`, each input's block (block_info[i]). */
export interface BlockInfo extends BlockLocation {
  /** The output block's shape ('chunk-shape'). */
  chunkShape: number[];
  /** The output block's dtype (the `dtype` option, else the first array's): `'float64'` or `'float32'`. */
  dtype: DType;
  /** One entry per array argument (block_info[0], [1], …). */
  inputs: BlockLocation[];
}

/**
 * The elements of a block: its input's dtype's TypedArray, as a DenseArray's data (Float64Array,
 * Float32Array, Int32Array, …; BigInt64Array / BigUint64Array for int64 / uint64, Uint8Array of
 * 0/1 for bool).
 */
export type BlockData = Float64Array | Float32Array | Uint8Array | Int8Array | Int16Array | Int32Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** What a block function sees of a block: a typed-array view (of shared memory) and its shape. */
export interface Block {
  /** The block's elements, row-major, in its input's dtype: a view of shared memory for module functions (not a copy). */
  readonly data: BlockData;
  /** The block's shape. */
  readonly shape: readonly number[];
}

/** What a block function may return: the block's values (row-major), as an array, a `{ data }`, or one number for a one-element block. */
export type BlockResult = DenseArray | Block | Float64Array | Float32Array | Uint8Array | readonly number[] | number;

/**
 * A user function per block for {@link mapBlocks}, {@link blockwise} and {@link mapOverlap}: called
 * with one block per array argument (a `DenseArray` for inline closures, a {@link Block} view for
 * `delayed.module` functions on worker threads), then the {@link BlockInfo}; returns the output
 * block's values row-major (see {@link BlockResult}), or a Promise of them.
 * @example
 * ```ts
 * const doubled = mapBlocks((b: DenseArray) => (b.data as Float64Array).map((v) => 2 * v), x);
 * ```
 */
export type BlockFunction = (...args: [...(DenseArray | Block)[], BlockInfo]) => BlockResult | Promise<BlockResult>;

/**
 * Options of {@link mapBlocks} (Dask's `map_blocks` keywords `dtype`, `chunks`, `drop_axis`,
 * `new_axis`). A dtype other than float64/float32 is a TypeError.
 */
export interface MapBlocksOptions {
  /** The result's dtype (default: the first array's). */
  dtype?: 'float64' | 'float32';
  /**
   * The result's chunks per axis: a list of block sizes, or one number (every block has that size
   * along the axis). Default: the arrays' (after dropAxis/newAxis).
   */
  chunks?: readonly (number | readonly number[])[];
  /** Input axes the function removes; such an axis is passed whole (one block). */
  dropAxis?: number | readonly number[];
  /** Output axes the function adds (length-1 blocks unless `chunks` says otherwise). */
  newAxis?: number | readonly number[];
}

type AnyArray = NDArray;

export const starts = (chunks: readonly number[]): number[] => chunkBounds([...chunks]);

/** Per block of a chunk list: one plain segment. */
export const plainAxis = (chunks: readonly number[]): AxisBlocks => {
  const b = starts(chunks);
  return chunks.map((c, i): Segment[] => [{ len: c, start: b[i]!, step: 1 }]);
};

/** Output blocks kept whole, placed one after another. */
export const keptAxis = (chunks: readonly number[]): OutAxisBlock[] => {
  const b = starts(chunks);
  return chunks.map((c, i) => ({ len: c, lo: 0, kept: c, dst: b[i]! }));
};

/** The common refinement of chunk lists over one extent (Dask's unify_chunks). */
export function refineChunks(lists: readonly (readonly number[])[]): number[] {
  const cuts = new Set<number>();
  for (const l of lists) for (const b of starts(l)) cuts.add(b);
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]! - sorted[i - 1]!);
  return out.length ? out : [0];
}

const flatIndex = (idx: readonly number[], grid: readonly number[]): number => idx.reduce((f, i, k) => f * grid[k]! + i, 0);

export const refOf = (input: number, layout: BlockedLayout, idx: readonly number[]): ArgRef => {
  const shape = idx.map((i, k) => layout.lens[k]![i]!);
  return [input, layout.offsets[flatIndex(idx, layout.grid)]!, shape.reduce((a, b) => a * b, 1), shape];
};

// per chunk list, its bounds (block calls ask once per block: recomputing them would be quadratic)
const boundsCache = new WeakMap<readonly number[], number[]>();
const boundsOf = (c: readonly number[]): number[] => {
  let b = boundsCache.get(c);
  if (!b) boundsCache.set(c, (b = starts(c)));
  return b;
};

// numChunks and shape of a chunk grid, shared by all its blocks' locations
const gridCache = new WeakMap<readonly (readonly number[])[], { numChunks: number[]; shape: number[] }>();
const gridOf = (chunks: readonly (readonly number[])[]): { numChunks: number[]; shape: number[] } => {
  let g = gridCache.get(chunks);
  if (!g) gridCache.set(chunks, (g = { numChunks: Object.freeze(chunks.map((c) => c.length)) as number[], shape: Object.freeze(chunks.map((c) => boundsOf(c)[c.length]!)) as number[] }));
  return g;
};

export function location(idx: readonly number[], chunks: readonly (readonly number[])[]): BlockLocation {
  const loc = idx.map((i, k): [number, number] => {
    const b = boundsOf(chunks[k]!);
    return [b[i]!, b[i + 1]!];
  });
  return { chunkLocation: [...idx], arrayLocation: loc, ...gridOf(chunks) };
}

/** Every index of a grid, row-major. */
export function* gridIndices(grid: readonly number[]): Generator<number[]> {
  const total = grid.reduce((a, b) => a * b, 1);
  const idx = grid.map(() => 0);
  for (let t = 0; t < total; t++) {
    yield [...idx];
    for (let k = grid.length - 1; k >= 0 && ++idx[k]! === grid[k]!; k--) idx[k] = 0;
  }
}

export const outSlot = (out: BlockedLayout, idx: readonly number[]): [number, number] => {
  const shape = idx.map((i, k) => out.lens[k]![i]!);
  return [out.offsets[flatIndex(idx, out.grid)]!, shape.reduce((a, b) => a * b, 1)];
};

const floatDType = (where: string, d: unknown, fallback: DType): 'float64' | 'float32' => {
  const v = d ?? fallback;
  if (v !== 'float64' && v !== 'float32') {
    throw new TypeError(d === undefined
      ? `${where}: the result dtype defaults to the first array's, ${show(v)}; block functions give 'float64' or 'float32' results: pass options.dtype`
      : `${where}: options.dtype must be 'float64' or 'float32' (the result dtypes block functions support), got ${show(v)}`);
  }
  return v;
};

/** A lazy array whose one chunk is a block job's result, rechunked to `chunks`. */
export function blocksArray(name: string, key: string, job: BlocksJob, chunks: number[][]): NDArray {
  const shape = [...job.shape];
  const node: Node = {
    kind: 'delayed', op: 'from_delayed', id: newId(), name: `${name}-${token(`${name}:${key}:${newId()}`)}`,
    shape, dtype: job.dtype, chunks: shape.map((s) => [s]), source: { compute: (o?: { signal?: AbortSignal }) => runBlocksJob(job, undefined, o?.signal) }, state: {},
  } as Node;
  registerBlocksJob(node, job);
  // the repr names the block function's array as Dask's does (map_blocks), not the split of its result
  const out = new NDArray(node).rechunk(chunks);
  return out.node.kind === 'rechunk' ? new NDArray({ ...out.node, label: name }) : out;
}

const isOptions = (x: unknown): boolean => typeof x === 'object' && x !== null && !(x instanceof NDArray);

function checkArrays(where: string, arrays: readonly unknown[]): AnyArray[] {
  if (!arrays.length) throw new TypeError(`${where}: at least one array is required`);
  arrays.forEach((a, i) => {
    if (!(a instanceof NDArray)) throw new TypeError(`${where}: arrays[${i}] must be an NDArray, got ${show(a)}`);
  });
  return arrays as AnyArray[];
}

const axisList = (v: number | readonly number[] | undefined): number[] => (v === undefined ? [] : typeof v === 'number' ? [v] : [...v]);

/**
 * Apply `fn` to every block: `mapBlocks(fn, a, b, { dtype, chunks, dropAxis, newAxis })` calls
 * `fn(blockOfA, blockOfB, blockInfo)` once per output block, as Dask's `map_blocks`.
 *
 * `fn` is either a `delayed.module(url, exportName)` function — run on the worker-thread pool; each
 * block reaches it as `{ data, shape }` with `data` a typed-array view of shared memory (no copy)
 * — or an inline closure, run on the main thread with `DenseArray` blocks. **An inline closure
 * blocks the event loop while it runs** (Dask's threads would not): use module functions for real
 * work. The arrays broadcast as NumPy's (right-aligned; a length-1 or missing axis of an array is
 * passed as its one block to every block along it, as Dask's, and the function broadcasts it);
 * along each axis the chunks of the arrays spanning it are unified to the common refinement
 * (Dask's unify_chunks). The function returns the output block's values row-major (typed array,
 * number[], `{ data }`, or a number for one element), or a Promise of them.
 */
export function mapBlocks(fn: BlockFunction | ((...args: never[]) => unknown), ...rest: (AnyArray | MapBlocksOptions)[]): NDArray {
  const callable = blockCallable('mapBlocks', fn);
  const options: MapBlocksOptions = rest.length && isOptions(rest[rest.length - 1]) ? (rest.pop() as MapBlocksOptions) : {};
  const arrays = checkArrays('mapBlocks', rest);
  const base = arrays[0]!;
  // NumPy's broadcasting, as Dask's map_blocks: shapes right-aligned, a length-1 (or missing) axis
  // of an array is passed as its one block to every block along that axis
  const ndim = Math.max(...arrays.map((a) => a.ndim));
  const outShape = Array.from({ length: ndim }, (_, k) => {
    let n = 1;
    arrays.forEach((a, i) => {
      const s = a.shape[k - (ndim - a.ndim)];
      if (s === undefined || s === 1) return;
      if (n !== 1 && s !== n) {
        throw new RangeError(`mapBlocks: arrays[${i}] has shape [${a.shape.join(', ')}], which does not broadcast with [${arrays.slice(0, i).map((b) => `[${b.shape.join(', ')}]`).join(', ')}] (axis ${k}: ${s} and ${n})`);
      }
      n = s;
    });
    return n;
  });
  // whether array i takes part along output axis k (else its one length-1 block, or no axis at all)
  const along = (a: AnyArray, k: number): boolean => a.shape[k - (ndim - a.ndim)] === outShape[k];
  const drop = axisList(options.dropAxis).map((a) => (a < 0 ? a + ndim : a));
  for (const a of drop) if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new RangeError(`mapBlocks: dropAxis ${a} out of range for ${ndim}-d arrays`);
  // input chunks: unified over the arrays that span each axis, and whole along dropped axes
  const inChunks = outShape.map((s, k) => (drop.includes(k) ? [s] : refineChunks(arrays.filter((a) => along(a, k)).map((a) => a.chunks[k - (ndim - a.ndim)]!))));
  const chunksOf = (a: AnyArray): number[][] => a.shape.map((s, q) => {
    const k = q + ndim - a.ndim;
    return along(a, k) ? inChunks[k]! : [s];
  });
  const arrayChunks = arrays.map(chunksOf);
  const indexOf = (a: AnyArray, idx: readonly number[]): number[] => a.shape.map((_, q) => (along(a, q + ndim - a.ndim) ? idx[q + ndim - a.ndim]! : 0));
  let grid = inChunks.filter((_, k) => !drop.includes(k)).map((c) => [...c]);
  const outNdim = grid.length + axisList(options.newAxis).length;
  const added = axisList(options.newAxis).map((a) => (a < 0 ? a + outNdim : a)).sort((x, y) => x - y);
  for (const a of added) {
    if (!Number.isInteger(a) || a < 0 || a >= outNdim) throw new RangeError(`mapBlocks: newAxis ${a} out of range for a ${outNdim}-d result`);
    grid.splice(a, 0, [1]);
  }
  if (options.chunks !== undefined) {
    if (!Array.isArray(options.chunks) || options.chunks.length !== grid.length) {
      throw new RangeError(`mapBlocks: options.chunks must give the result's ${grid.length} axes (block grid [${grid.map((g) => g.length).join(', ')}]), got ${show(options.chunks)}`);
    }
    grid = options.chunks.map((c, k) => {
      const list = typeof c === 'number' ? new Array<number>(grid[k]!.length).fill(c) : [...c];
      if (list.length !== grid[k]!.length || list.some((x) => !Number.isInteger(x) || x < 0)) {
        throw new RangeError(`mapBlocks: options.chunks[${k}] must be ${grid[k]!.length} non-negative integers (one per block), got ${show(c)}`);
      }
      return list;
    });
  }
  const dtype = floatDType('mapBlocks', options.dtype, base.node.dtype);
  const shape = grid.map((c) => c.reduce((x, y) => x + y, 0));
  const numChunks = grid.map((c) => c.length);
  const inputs: BlocksInput[] = arrays.map((a, i) => ({ node: a.node, axes: arrayChunks[i]!.map(plainAxis) }));
  const calls = (layouts: readonly BlockedLayout[], out: BlockedLayout): BlockCall[] => {
    const list: BlockCall[] = [];
    for (const idx of gridIndices(numChunks)) {
      const kept = idx.filter((_, k) => !added.includes(k));
      const inIdx: number[] = [];
      let q = 0;
      for (let k = 0; k < ndim; k++) inIdx.push(drop.includes(k) ? 0 : kept[q++]!);
      const inLoc = location(inIdx, inChunks);
      const outLoc = added.length || drop.length || options.chunks !== undefined ? location(idx, grid) : inLoc;
      const info: BlockInfo = {
        chunkLocation: outLoc.chunkLocation, arrayLocation: outLoc.arrayLocation, numChunks, shape, chunkShape: idx.map((i, k) => grid[k]![i]!), dtype,
        inputs: arrays.map((a, i) => (a.ndim === ndim && arrayChunks[i]!.every((c, k) => c === inChunks[k]) ? inLoc : location(indexOf(a, inIdx), arrayChunks[i]!))),
      };
      list.push({
        args: layouts.map((l, i) => refOf(i, l, indexOf(arrays[i]!, inIdx))),
        out: outSlot(out, idx),
        tail: [info],
        where: idx,
        outShape: info.chunkShape,
      });
    }
    return list;
  };
  return blocksArray('map_blocks', arrays.map((a) => a.name).join(','), { name: 'mapBlocks', fn: callable, inputs, dtype, out: grid.map(keptAxis), shape, calls }, grid);
}

/**
 * Options of {@link blockwise} (Dask's `blockwise` keywords `dtype`, `concatenate`, `new_axes`),
 * passed as the last argument.
 */
export interface BlockwiseOptions {
  /** The result's dtype (default: the first array's; only float64 and float32, else a TypeError). */
  dtype?: 'float64' | 'float32';
  /**
   * Indices that appear in inputs but not in the output are contracted: with `concatenate: true`
   * the blocks along them are passed as one block (Dask's concatenate=True); otherwise as nested
   * lists of blocks, in the order of the input's index.
   */
  concatenate?: boolean;
  /** Output indices no input has, with their lengths (one block each): `{ k: 3 }`. */
  newAxes?: Record<string, number>;
}

/**
 * Dask's `blockwise`: `blockwise(fn, 'ij', a, 'ij', b, 'jk', { dtype, concatenate, newAxes })`.
 * Each index letter names an axis; equal letters must have equal lengths (their chunks are
 * unified). `fn` gets one block (or list of blocks) per array, then the output's `blockInfo`, and
 * returns the output block (the product of its letters' block sizes). Functions as in `mapBlocks`.
 */
export function blockwise(fn: BlockFunction | ((...args: never[]) => unknown), outIndex: string, ...rest: (AnyArray | string | BlockwiseOptions)[]): NDArray {
  const callable: BlockCallable = blockCallable('blockwise', fn);
  if (typeof outIndex !== 'string') throw new TypeError(`blockwise: outIndex must be a string of index letters (e.g. 'ij'), got ${show(outIndex)}`);
  const options: BlockwiseOptions = rest.length % 2 === 1 && isOptions(rest[rest.length - 1]) ? (rest.pop() as BlockwiseOptions) : {};
  if (rest.length === 0 || rest.length % 2 !== 0) throw new TypeError('blockwise: expected pairs of (array, index string) after outIndex');
  const pairs: { a: AnyArray; ix: string }[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const a = rest[i];
    const ix = rest[i + 1];
    if (!(a instanceof NDArray)) throw new TypeError(`blockwise: argument ${i + 2} must be an NDArray, got ${show(a)}`);
    if (typeof ix !== 'string' || ix.length !== a.ndim) throw new TypeError(`blockwise: the index of argument ${i + 2} must be a string of ${a.ndim} letters, got ${show(ix)}`);
    if (new Set(ix).size !== ix.length) throw new RangeError(`blockwise: index ${JSON.stringify(ix)} repeats a letter (diagonals are not supported)`);
    pairs.push({ a, ix });
  }
  if (new Set(outIndex).size !== outIndex.length) throw new RangeError(`blockwise: outIndex ${JSON.stringify(outIndex)} repeats a letter`);
  const newAxes = options.newAxes ?? {};
  const letterChunks = new Map<string, number[]>();
  const lengths = new Map<string, number>();
  for (const { a, ix } of pairs) {
    [...ix].forEach((l, k) => {
      const n = lengths.get(l);
      if (n !== undefined && n !== a.shape[k]) throw new RangeError(`blockwise: index ${l} has length ${n} and ${a.shape[k]} in different arrays`);
      lengths.set(l, a.shape[k]!);
    });
  }
  for (const l of new Set(pairs.flatMap((p) => [...p.ix]))) {
    letterChunks.set(l, refineChunks(pairs.flatMap(({ a, ix }) => (ix.includes(l) ? [a.chunks[ix.indexOf(l)]!] : []))));
  }
  for (const l of outIndex) {
    if (letterChunks.has(l)) continue;
    const n = newAxes[l];
    if (n === undefined || !Number.isInteger(n) || n < 0) throw new RangeError(`blockwise: output index ${l} is in no input; give its length in options.newAxes (e.g. { ${l}: 3 })`);
    letterChunks.set(l, [n]);
  }
  const concatenate = options.concatenate === true;
  const outChunks = [...outIndex].map((l) => letterChunks.get(l)!);
  const numChunks = outChunks.map((c) => c.length);
  const shape = outChunks.map((c) => c.reduce((x, y) => x + y, 0));
  const dtype = floatDType('blockwise', options.dtype, pairs[0]!.a.node.dtype);
  // contracted letters: whole (concatenate) or their blocks
  const contracted = (l: string): boolean => !outIndex.includes(l);
  const inputAxes = pairs.map(({ ix }) => [...ix].map((l) => (contracted(l) && concatenate ? [lengths.get(l)!] : letterChunks.get(l)!)));
  const inputs: BlocksInput[] = pairs.map(({ a }, i) => ({ node: a.node, axes: inputAxes[i]!.map(plainAxis) }));
  const calls = (layouts: readonly BlockedLayout[], out: BlockedLayout): BlockCall[] => {
    const list: BlockCall[] = [];
    for (const idx of gridIndices(numChunks)) {
      const at = new Map([...outIndex].map((l, k) => [l, idx[k]!]));
      const args = pairs.map(({ ix }, i): ArgRef => {
        const free = [...ix].filter((l) => contracted(l) && !concatenate);
        const build = (fixed: Map<string, number>, depth: number): ArgRef => {
          if (depth === free.length) return refOf(i, layouts[i]!, [...ix].map((l) => fixed.get(l) ?? at.get(l) ?? 0));
          const l = free[depth]!;
          return letterChunks.get(l)!.map((_, b) => build(new Map([...fixed, [l, b]]), depth + 1)) as ArgRef[];
        };
        return build(new Map(), 0);
      });
      const info: BlockInfo = {
        ...location(idx, outChunks),
        chunkShape: idx.map((i, k) => outChunks[k]![i]!),
        dtype,
        inputs: pairs.map(({ ix }, i) => location([...ix].map((l) => at.get(l) ?? 0), inputAxes[i]!)),
      };
      list.push({ args, out: outSlot(out, idx), tail: [info], where: idx, outShape: info.chunkShape });
    }
    return list;
  };
  return blocksArray('blockwise', pairs.map((p) => p.a.name).join(','), { name: 'blockwise', fn: callable, inputs, dtype, out: outChunks.map(keptAxis), shape, calls }, outChunks);
}
