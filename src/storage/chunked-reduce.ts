// Reductions over storage arrays in bounded memory: instead of reading everything a reduction
// touches before the plan starts, each chunk of the reduction stage runs as its own one-chunk
// sub-plan (src/plan/split.ts chunkStage, as the distributed scheduler runs them) over only the
// store chunks that chunk touches, `threads` at a time; the raw per-chunk partials are combined in
// the engine's fixed tree (src/plan/partials.ts). So the bits are those of the in-memory compute
// for any chunking and thread count, and memory holds O(threads) chunk boxes: a reduction of a
// spilled persist() three times the memory limit stays under the limit.
import { Lowering } from '../array/lower.js';
import { DenseArray } from '../array/dense.js';
import { newId, size, itemsize, topoOrder, typedView, type Node, type ReduceNode } from '../array/node.js';
import type { ComputeOptions } from '../graph/types.js';
import { native, type NativeBuffer } from '../native.js';
import { combineChunkPartials } from '../plan/partials.js';
import { chunkBox, chunkCount, chunkOutBytes, chunkStage, hasChunkPartials } from '../plan/split.js';
import { runLowered } from '../scheduler/local.js';
import { observersFor } from '../diagnostics/progress.js';
import { BoxBufferPool, rebuild, resolveStorage, runLimited, touchedBoxes } from './resolve.js';
import { spillSettings } from './spill.js';

const allocNative = (bytes: number): NativeBuffer => native().allocBuffer(bytes);

/** Bytes of storage a compute of `root` would read up front. */
function touchedBytes(root: Node): number {
  const boxes = touchedBoxes([{ node: root }]);
  const nodes = new Map(topoOrder([root]).map((n) => [n.id, n]));
  let total = 0;
  for (const [id, b] of boxes) total += size(b.hi.map((h, k) => h - b.lo[k]!)) * itemsize(nodes.get(id)!.dtype);
  return total;
}

/**
 * Under the budget, a reduction reading at least `minBytes` from stores that decode into recycled
 * buffers runs chunk by chunk too, when its chunks average at least `minChunkBytes` (a sub-plan
 * per chunk costs about a millisecond of JS). Internal; tests lower them.
 */
export const streamSettings = { minBytes: 32 * 2 ** 20, minChunkBytes: 2 ** 20 };

/** The budget above which a reduction over storage runs chunk by chunk. */
export function chunkedBudget(): number {
  return spillSettings.memoryLimit !== null ? Math.floor(spillSettings.memoryLimit / 4) : 1024 ** 3;
}

/**
 * Compute reduction `root` chunk by chunk when it reads more storage than the budget; undefined
 * when it does not apply (no storage, under budget, several stages, a reduction without chunk
 * partials) — the caller then computes it the ordinary way.
 */
export async function chunkedReduce(root: ReduceNode, options: ComputeOptions = {}): Promise<number | bigint | boolean | DenseArray | undefined> {
  const touched = touchedBytes(root);
  // Under the budget, a large read from stores that decode natively into recycled buffers
  // (fromZarr's zstd and uncompressed chunks) streams too: a fresh box of the whole read costs a
  // page fault per 4 KiB (a third of a 128 MB zstd read-sum's CPU), a recycled chunk box none.
  const streams = touched > chunkedBudget() || (touched >= streamSettings.minBytes && topoOrder([root]).every((n) => n.kind !== 'delayed' || !n.source.boxes || n.source.boxes.readInto !== undefined));
  if (!streams) return undefined;
  // take/mask stages (unknown chunk sizes, gathers): the ordinary path
  if (topoOrder([root]).some((n) => (n.kind as string) === 'take' || (n.kind as string) === 'mask')) return undefined;
  // The plan's shape, with every storage array as placeholder memory (never run).
  const storage = topoOrder([root]).filter((n) => n.kind === 'delayed' && n.source.boxes);
  const dummy = allocNative(8);
  let full;
  try {
    const replaced = new Map<number, Node>(storage.map((n) => [n.id, { kind: 'memory', id: newId(), name: n.name, shape: n.shape, dtype: n.dtype, chunks: n.chunks, memory: dummy, strides: n.shape.map(() => 0), offset: 0, op: 'array', state: { disposed: false } }]));
    const [r] = rebuild([root], replaced);
    if (topoOrder([r!]).some((n) => n.kind === 'delayed')) return undefined; // fromDelayed inputs: the ordinary path
    full = new Lowering(allocNative).lower([{ node: r!, target: 'result' }]);
  } finally {
    native().freeBuffer(dummy);
  }
  if (full.plan.stages.length !== 1) return undefined;
  const stage = full.plan.stages[0]!;
  const tasks = chunkCount(stage);
  if (tasks <= 1 || !hasChunkPartials(stage.sink.reduce) || stage.chunks.some((c) => c.some((e) => e === 0))) return undefined;
  // small chunks under the budget: one read of everything beats a sub-plan per chunk
  if (touched <= chunkedBudget() && touched / tasks < streamSettings.minChunkBytes) return undefined;
  const parts: Uint8Array[] = new Array(tasks);
  const observer = options.progress || options.onProgress ? observersFor(options) : undefined;
  observer?.start(tasks);
  let done = 0;
  // the sub-plans' input boxes, recycled: their results are partials, never the input memory
  const buffers = new BoxBufferPool();
  try {
    // two sub-plans per thread (one computing while the next one's chunks are read and decoded);
    // one per thread under a memory limit, where transient chunk boxes count
    const inflight = (spillSettings.memoryLimit === null ? 2 : 1) * native().getNumThreads();
    await runLimited(Array.from({ length: tasks }, (_, t) => t), inflight, async (t) => {
      const { start, ext } = chunkBox(stage, t);
      const region = { lo: start, hi: start.map((s, k) => s + ext[k]!) };
      const inputs = await resolveStorage([{ node: root.arg, region }], options.signal, buffers);
      try {
        const node: ReduceNode = { ...root, id: newId(), arg: inputs.roots[0]! };
        const lowered = new Lowering(allocNative).lower([{ node, target: 'result' }]);
        const own = lowered.plan.stages[0]!;
        const out = new ArrayBuffer(chunkOutBytes(own, t));
        const buffers = [...lowered.buffers, out];
        const ids = new Map(lowered.buffers.map((_, i) => [i, i]));
        const sub = chunkStage(own, t, buffers.length - 1, ids);
        await runLowered({ plan: { stages: [sub] }, buffers, stageNames: [lowered.stageNames[0] ?? 'reduce'] }, { signal: options.signal });
        parts[t] = new Uint8Array(out);
      } finally {
        inputs.release();
      }
      observer?.update(++done, tasks);
    }, options.signal);
    observer?.finish();
    buffers.retire(); // every sub-plan has settled: the next reduction reads into these
  } catch (e) {
    observer?.finish(e);
    throw e;
  } finally {
    buffers.clear();
  }
  const result = new ArrayBuffer(size(root.shape) * itemsize(root.dtype));
  combineChunkPartials(stage, parts, new Uint8Array(result));
  const data = typedView(root.dtype, result);
  if (root.shape.length === 0) return root.dtype === 'bool' ? data[0] !== 0 : data[0]!;
  return new DenseArray(data, root.shape, root.dtype);
}
