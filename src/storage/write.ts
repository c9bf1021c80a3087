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
import { runLimited } from './resolve.js';

export interface Region {
  lo: number[];
  hi: number[];
}

export async function streamRegions(
  where: string,
  x: NDArray,
  regions: readonly Region[],
  parallel: number,
  sink: (region: Region, data: DenseArray, index: number) => Promise<void>,
  options: ComputeOptions = {},
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
    await runLimited(regions, parallel, async (r, i) => {
      const data = await computeRegion(prepared.node, r.lo, r.hi, controller.signal);
      await sink(r, data, i);
      observer?.update(++done, regions.length);
    }, controller.signal);
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
