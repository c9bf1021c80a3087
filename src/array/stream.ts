// Streaming results: `for await (const { index, offset, data } of x.iterChunks())` yields each
// output chunk as soon as it is computed, holding at most 1 + prefetch chunks at a time.
//
// Each chunk is one small plan (lower.ts regions: the chunk's box of the fused expression), so a
// result far larger than the materialization limit streams in bounded memory. Reductions inside
// the expression (x.sub(x.mean())) are computed once up front — not once per chunk — and read
// from memory by every chunk plan; a chunk's own plan is split across the thread pool.
import { checkInteger, checkOptions, describe } from '../errors.js';
import { materializeLimit } from '../settings.js';
import { chunkBounds } from './chunks.js';
import { DenseArray } from './dense.js';
import { NDArray, computeArrays, persistArrays, resolveDelayedInputs, formatBytes, type Computed } from './ndarray.js';
import { resolveStorage } from '../storage/resolve.js';
import { requireKnownChunks } from './indexing/gather.js';
import { children, isScalar, type Scalar, contiguousStrides, itemsize, newId, typedCtor, typedView, scalarData, size, token, topoOrder, type MatmulNode, type MemoryNode, type Node, type QuantileNode, type ReduceNode, type ScanNode, type TakeNode, type MaskNode } from './node.js';
import { Lowering } from './lower.js';
import { native, type NativeBuffer } from '../native.js';
import { runLowered } from '../scheduler/local.js';

/**
 * Options of {@link iterChunks} / {@link NDArray.iterChunks}: how far to compute ahead and a signal
 * to stop. `prefetch` must be an integer in 0..64 (else a RangeError); unknown keys are a TypeError.
 */
export interface IterChunksOptions {
  /** Chunks computed ahead of the consumer (default 1; 0 = compute one chunk at a time). */
  prefetch?: number;
  /** Stop streaming: the loop throws an AbortError. */
  signal?: AbortSignal;
}

/**
 * One chunk yielded by {@link iterChunks} / {@link NDArray.iterChunks}: where it sits and its values.
 * @example
 * ```ts
 * for await (const { index, offset, data } of x.iterChunks({ prefetch: 2 })) {
 *   console.log(index, offset, data.shape);
 * }
 * ```
 */
export interface ChunkResult {
  /** Chunk-grid index (as computeBlock's). */
  index: number[];
  /** Global coordinate of the chunk's first element. */
  offset: number[];
  /** The chunk's values, row-major; not copied and not reused. */
  data: DenseArray;
}

/** Replace every reduction (and matrix product: its chunks need the whole contraction) the expression reads by its (precomputed) value. */
export async function precomputeReductions(root: Node, signal: AbortSignal): Promise<{ node: Node; persisted: NDArray[] }> {
  // Topmost reductions: reachable from the root without passing through another reduction.
  // (scans and quantiles too: they are computed whole, not per streamed chunk)
  const top: (ReduceNode | MatmulNode | ScanNode | QuantileNode | TakeNode | MaskNode)[] = [];
  const seen = new Set<number>();
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.kind === 'reduce' || n.kind === 'matmul' || n.kind === 'scan' || n.kind === 'quantile' || n.kind === 'take' || n.kind === 'mask') top.push(n);
    else stack.push(...children(n));
  }
  // sizes unknown after a mask: computeChunkSizes() first (a chunk stream needs positions)
  requireKnownChunks('iterChunks', root, ...top);
  if (top.length === 0) return { node: root, persisted: [] };
  const limit = materializeLimit();
  const small = top.filter((r) => size(r.shape) * itemsize(r.dtype) <= limit);
  const large = top.filter((r) => size(r.shape) * itemsize(r.dtype) > limit);
  const values = new Map<number, Node>();
  const memoryNode = (r: ReduceNode | MatmulNode | ScanNode | QuantileNode | TakeNode | MaskNode, memory: MemoryNode['memory'], op: MemoryNode['op']): MemoryNode => ({
    kind: 'memory',
    id: newId(),
    name: `${r.name}-value-${token(`${r.name}:${newId()}`)}`,
    shape: r.shape,
    dtype: r.dtype,
    chunks: r.chunks,
    memory,
    strides: contiguousStrides(r.shape),
    offset: 0,
    op,
    state: { disposed: false },
  });
  if (small.length) {
    const results = await computeArrays(small.map((r) => new NDArray(r)), { signal });
    small.forEach((r, i) => {
      const v = results[i]!;
      const data = v instanceof DenseArray ? v.data : scalarData(r.dtype, v);
      values.set(r.id, memoryNode(r, data, 'array'));
    });
  }
  const persisted: NDArray[] = [];
  if (large.length) {
    const arrays = await persistArrays(large.map((r) => new NDArray(r)), { signal });
    arrays.forEach((a, i) => {
      persisted.push(a);
      values.set(large[i]!.id, a.node);
    });
  }
  // Rebuild the expression above the reductions (dependencies first; chains may be deep).
  const rebuilt = new Map<number, Node>();
  const get = (n: Node): Node => values.get(n.id) ?? rebuilt.get(n.id) ?? n;
  for (const n of topoOrder([root])) {
    if (values.has(n.id)) continue;
    if (n.kind === 'unary' || n.kind === 'transpose' || n.kind === 'view' || n.kind === 'rechunk' || n.kind === 'reshape') {
      const arg = get(n.arg);
      if (arg !== n.arg) rebuilt.set(n.id, { ...n, id: newId(), arg } as Node);
    } else if (n.kind === 'binary') {
      const args = n.args.map((a) => (isScalar(a) ? a : get(a))) as [Node | Scalar, Node | Scalar];
      if (args[0] !== n.args[0] || args[1] !== n.args[1]) rebuilt.set(n.id, { ...n, id: newId(), args });
    } else if (n.kind === 'where') {
      const args = n.args.map((a) => (isScalar(a) ? a : get(a))) as unknown as typeof n.args;
      if (args.some((a, i) => a !== n.args[i])) rebuilt.set(n.id, { ...n, id: newId(), args });
    } else if (n.kind === 'concat') {
      const args = n.args.map(get);
      if (args.some((a, i) => a !== n.args[i])) rebuilt.set(n.id, { ...n, id: newId(), args });
    }
  }
  return { node: get(root), persisted };
}

function checkIterOptions(options: unknown): { prefetch: number; signal?: AbortSignal } {
  const o = checkOptions('iterChunks options', options);
  for (const key of Object.keys(o)) {
    if (!['prefetch', 'signal'].includes(key)) throw new TypeError(`iterChunks: unknown option ${describe(key)}; accepted: prefetch, signal`);
  }
  const prefetch = o.prefetch === undefined ? 1 : checkInteger('iterChunks: prefetch', o.prefetch, 0, 64);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`iterChunks: signal must be an AbortSignal, got ${describe(o.signal)}`);
  return { prefetch, signal: o.signal as AbortSignal | undefined };
}

/** Row-major iteration over a chunk grid. */
function* gridIndices(numblocks: readonly number[]): Generator<number[]> {
  if (numblocks.some((n) => n === 0)) return;
  const idx = numblocks.map(() => 0);
  for (;;) {
    yield [...idx];
    let k = numblocks.length - 1;
    for (; k >= 0; k--) {
      if (++idx[k]! < numblocks[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** Compute one box of `node` as its own plan, split into up to `threads` tasks. */
/** Box [lo, hi) of `node` computed (into `into` when given: exactly the box's bytes, every one overwritten). */
export async function computeRegion(node: Node, lo: number[], hi: number[], signal: AbortSignal, into?: ArrayBuffer): Promise<DenseArray> {
  // storage arrays: read only the store chunks this box touches
  const inputs = await resolveStorage([{ node, region: { lo, hi } }], signal);
  try {
    return await computeResolved(inputs.roots[0]!, lo, hi, signal, into);
  } finally {
    inputs.release();
  }
}

async function computeResolved(node: Node, lo: number[], hi: number[], signal: AbortSignal, into?: ArrayBuffer): Promise<DenseArray> {
  await resolveDelayedInputs([node], signal);
  const lowering = new Lowering((bytes) => native().allocBuffer(bytes) as NativeBuffer);
  const lowered = lowering.lower([{ node, target: 'result', region: { lo, hi }, ...(into ? { into } : {}) }]);
  // The output stage is elementwise (no reduction sink): its chunking does not change any value,
  // so split the box along its first long axis to keep every thread busy.
  const stage = lowered.plan.stages[lowered.plan.stages.length - 1]!;
  const threads = native().getNumThreads();
  const axis = stage.shape.findIndex((n) => n >= 2);
  if (stage.sink.reduce === 0 && axis >= 0 && threads > 1 && size(stage.shape) >= 1 << 16) {
    const n = stage.shape[axis]!;
    const parts = Math.min(threads, n);
    stage.chunks[axis] = Array.from({ length: parts }, (_, i) => Math.floor(((i + 1) * n) / parts) - Math.floor((i * n) / parts));
  }
  await runLowered(lowered, { signal });
  const out = lowered.outputs[0]!;
  const data = typedView(out.dtype, out.memory as ArrayBuffer);
  return new DenseArray(data, out.shape, out.dtype);
}

/**
 * Stream the chunks of `x` in row-major chunk order. Breaking out of the loop (or an abort of
 * options.signal) cancels the chunks still being computed.
 */
export function iterChunks(x: NDArray, options?: IterChunksOptions): AsyncGenerator<ChunkResult, void, undefined> {
  // Arguments are checked now, not at the first next(): a wrong call throws where it is made.
  if (!(x instanceof NDArray)) throw new TypeError(`iterChunks: x must be an NDArray, got ${describe(x)}`);
  const { prefetch, signal } = checkIterOptions(options);
  const largest = x.chunksize.reduce((a, b) => a * b, 1) * x.itemsize;
  if (largest > materializeLimit()) {
    throw new RangeError(`iterChunks: a chunk of ${formatBytes(largest)} is over the materialization limit of ${formatBytes(materializeLimit())}; rechunk() to smaller chunks first`);
  }
  return stream(x, prefetch, signal);
}

async function* stream(x: NDArray, prefetch: number, signal: AbortSignal | undefined): AsyncGenerator<ChunkResult, void, undefined> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const pending: { index: number[]; offset: number[]; promise: Promise<DenseArray> }[] = [];
  let persisted: NDArray[] = [];
  try {
    const prepared = await precomputeReductions(x.node, controller.signal);
    persisted = prepared.persisted;
    const bounds = x.chunks.map(chunkBounds);
    const indices = gridIndices(x.numblocks);
    const launch = (): boolean => {
      const next = indices.next();
      if (next.done) return false;
      const index = next.value;
      const lo = index.map((i, k) => bounds[k]![i]!);
      const hi = index.map((i, k) => bounds[k]![i + 1]!);
      const promise = computeRegion(prepared.node, lo, hi, controller.signal);
      promise.catch(() => {}); // observed when awaited; never an unhandled rejection
      pending.push({ index, offset: lo, promise });
      return true;
    };
    for (let i = 0; i <= prefetch; i++) if (!launch()) break;
    while (pending.length) {
      const head = pending.shift()!;
      const data = await head.promise;
      launch();
      yield { index: head.index, offset: head.offset, data };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (pending.length) {
      controller.abort();
      await Promise.allSettled(pending.map((p) => p.promise));
    }
    for (const p of persisted) p.dispose();
  }
}
