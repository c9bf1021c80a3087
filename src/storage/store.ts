// store(sources, targets): Dask's da.store — compute each source chunk by chunk and hand every
// chunk to its target's write(box, data). Targets are any object with write(); the chunks of all
// sources go out in one run, `parallel` chunks in flight (each computed over the whole pool).
import { NDArray, type Computed } from '../array/ndarray.js';
import { chunkBounds } from '../array/chunks.js';
import type { TypedData } from '../array/node.js';
import { checkInteger, checkOptions, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import type { SourceBox } from './source.js';
import { streamRegions, type Region } from './write.js';

/** What store() writes to: write(box, data) with the box's elements row-major. */
export interface ArrayTarget {
  /**
   * Write one computed box: `data` holds its elements row-major (the TypedArray of the array's
   * dtype), for the elements at `box` of the target (the `regions` offset already added). Called as chunks
   * finish, up to `parallel` at once; a rejected Promise fails the store.
   */
  write(box: SourceBox, data: TypedData): void | Promise<void>;
}

export interface StoreOptions extends ComputeOptions {
  /** Where each source goes in its target: a start offset per axis (default: zeros). */
  regions?: readonly (readonly number[] | undefined)[];
  /** Chunks computed and written at once (default 2). */
  parallel?: number;
}

/** The row-major chunk boxes of an array. */
export function chunkRegions(chunks: readonly (readonly number[])[]): Region[] {
  const bounds = chunks.map(chunkBounds);
  const out: Region[] = [];
  if (chunks.some((c) => c.length === 0 || c.every((n) => n === 0))) return chunks.length === 0 ? [{ lo: [], hi: [] }] : out;
  const idx = chunks.map(() => 0);
  for (;;) {
    const lo = idx.map((i, k) => bounds[k]![i]!);
    const hi = idx.map((i, k) => bounds[k]![i + 1]!);
    if (hi.every((h, k) => h > lo[k]!)) out.push({ lo, hi });
    let k = chunks.length - 1;
    for (; k >= 0; k--) {
      if (++idx[k]! < chunks[k]!.length) break;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

/**
 * Compute `sources` chunk by chunk into `targets` (one target per source): target.write(box,
 * data) gets each chunk's box (in the target's coordinates: the region offset added) and values.
 * Holds O(parallel) chunks; an error from a write stops the run and is rethrown.
 */
export async function store(
  sources: NDArray | readonly NDArray[],
  targets: ArrayTarget | readonly ArrayTarget[],
  options?: StoreOptions,
): Promise<void> {
  const srcs = sources instanceof NDArray ? [sources] : sources;
  const tgts = Array.isArray(targets) ? (targets as readonly ArrayTarget[]) : [targets as ArrayTarget];
  if (!Array.isArray(srcs)) throw new TypeError(`store: sources must be an NDArray or an array of them, got ${describe(sources)}`);
  if (srcs.length !== tgts.length) throw new RangeError(`store: ${srcs.length} sources but ${tgts.length} targets (one target per source)`);
  srcs.forEach((s, i) => {
    if (!(s instanceof NDArray)) throw new TypeError(`store: sources[${i}] must be an NDArray, got ${describe(s)}`);
    const t = tgts[i] as { write?: unknown } | null;
    if (typeof t !== 'object' || t === null || typeof t.write !== 'function') throw new TypeError(`store: targets[${i}] must be an object with write(box, data), got ${describe(t)}`);
  });
  const { regions, parallel, ...compute } = checkOptions('store options', options) as StoreOptions;
  if (regions !== undefined && (!Array.isArray(regions) || regions.length !== srcs.length)) throw new TypeError(`store: options.regions must have one entry (offsets or undefined) per source, got ${describe(regions)}`);
  const offsets = srcs.map((s, i) => {
    const r = regions?.[i];
    if (r === undefined) return s.shape.map(() => 0);
    if (!Array.isArray(r) || r.length !== s.ndim) throw new TypeError(`store: options.regions[${i}] must have one offset per axis (${s.ndim}), got ${describe(r)}`);
    return r.map((v, k) => checkInteger(`store: options.regions[${i}][${k}]`, v, 0));
  });
  const inflight = parallel === undefined ? 2 : checkInteger('store: options.parallel', parallel, 1, 64);
  for (let i = 0; i < srcs.length; i++) {
    const s = srcs[i]!;
    const off = offsets[i]!;
    await streamRegions('store', s, chunkRegions(s.chunks), inflight, async (r, data) => {
      const lo = r.lo.map((l, k) => l + off[k]!);
      const hi = r.hi.map((h, k) => h + off[k]!);
      await tgts[i]!.write({ lo, hi, shape: hi.map((h, k) => h - lo[k]!) }, data.data);
    }, compute);
  }
}
