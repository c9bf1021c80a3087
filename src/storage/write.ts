// Streaming an array into a store: the array is computed box by box (each box its own plan over
// the whole thread pool, storage inputs read per box), `parallel` boxes in flight, each handed to
// `sink` as soon as it is ready — so a write holds O(parallel) boxes, never the whole array.
// Reductions inside the expression are computed once up front (as iterChunks does).
import { NDArray, type Computed } from '../array/ndarray.js';
import { computeRegion, precomputeReductions } from '../array/stream.js';
import type { DenseArray } from '../array/dense.js';
import { checkComputeOptions, type ComputeOptions } from '../graph/types.js';
import { observersFor } from '../diagnostics/progress.js';
import { abortError } from '../errors.js';
import { resultMemory } from '../array/lower.js';
import { runLimited } from './resolve.js';
import { writeBuffers } from './buffer-cache.js';

export interface Region {
  lo: number[];
  hi: number[];
}

/**
 * `recycle`: the sink is done with `data` when its promise settles (it copies or writes it, keeps
 * no reference), so each box is computed into a buffer a settled box gave back: a write of many
 * chunks allocates `parallel` buffers, not one per chunk (fresh 8 MB ArrayBuffers cost page
 * faults and, counted as external memory, a garbage collection every few chunks); and when the
 * write has settled they wait in src/storage/buffer-cache.ts for the next write.
 */
export async function streamRegions(
  where: string,
  x: NDArray,
  regions: readonly Region[],
  parallel: number,
  sink: (region: Region, data: DenseArray, index: number) => Promise<void>,
  options: ComputeOptions = {},
  recycle = false,
): Promise<void> {
  checkComputeOptions(where, options);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw abortError(options.signal.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const observer = options.progress || options.onProgress ? observersFor(options) : undefined;
  observer?.start(regions.length);
  let done = 0;
  let persisted: NDArray[] = [];
  try {
    const prepared = await precomputeReductions(x.node, controller.signal);
    persisted = prepared.persisted;
    const free = new Map<number, ArrayBuffer[]>();
    await runLimited(regions, parallel, async (r, i) => {
      const bytes = r.hi.reduce((a, h, k) => a * (h - r.lo[k]!), 1) * x.itemsize;
      const into = recycle && bytes > 0 ? free.get(bytes)?.pop() ?? writeBuffers.take(bytes) ?? resultMemory(bytes) : undefined;
      const data = await computeRegion(prepared.node, r.lo, r.hi, controller.signal, into);
      await sink(r, data, i);
      // (a sink that transferred the buffer to a worker, blosc's and lz4's encoders, detached it: not reused)
      if (into && into.byteLength === bytes) free.set(bytes, [...(free.get(bytes) ?? []), into]);
      observer?.update(++done, regions.length);
    }, controller.signal);
    // every box has settled: the next write computes into these (src/storage/buffer-cache.ts)
    for (const list of free.values()) for (const b of list) writeBuffers.give(b);
    observer?.finish();
  } catch (e) {
    controller.abort(e);
    observer?.finish(e);
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const p of persisted) p.dispose();
  }
}
