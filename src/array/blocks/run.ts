// Running a user function per block (mapBlocks, blockwise, mapOverlap, reduction): the inputs'
// blocks are computed by native stages into blocked SharedArrayBuffers (layout.ts), the function
// runs on the worker-thread pool (module functions) or on the main thread (inline closures),
// viewing its blocks in place and writing each result into its slot of a blocked shared output,
// and native stages copy the kept part of every output block into the row-major result.
import { callableOf } from '../../delayed/delayed.js';
import { importExport } from '../../delayed/modules.js';
import { workerPool, type CancelFlag } from '../../delayed/worker-pool.js';
import { describe as show } from '../../errors.js';
import { native } from '../../native.js';
import { runLowered } from '../../scheduler/local.js';
import { DenseArray } from '../dense.js';
import { Lowering } from '../lower.js';
import { typedArrayClass } from '../dtype.js';
import { contiguousStrides, itemsize, newId, type DType, type Node } from '../node.js';
import type { BlockData } from './map-blocks.js';
import { gatherBlocks, outLayout, scatterBlocks, type AxisBlocks, type BlockedLayout, type OutAxisBlock } from './layout.js';

/** A block argument: [input, element offset, length, shape], or a list of them (blockwise without concatenate). */
export type BlockRef = [number, number, number, number[]];
export type ArgRef = BlockRef | ArgRef[];

export interface BlockCall {
  /** Per function argument: a block of one of the inputs (or a nested list of blocks). */
  args: ArgRef[];
  /** Output slot: [element offset, length]. */
  out: [number, number];
  /** Arguments after the blocks (blockInfo, or reduction's options). */
  tail: unknown[];
  /** The block's index (names it in errors) and the output block's expected shape. */
  where: number[];
  outShape: number[];
}

const expected = (fnName: string, res: unknown, c: BlockCall, jobName: string): RangeError =>
  new RangeError(`${jobName}: ${fnName} returned ${show(res)} for block [${c.where.join(', ')}]; expected ${c.out[1]} values (block shape [${c.outShape.join(', ')}])`);

/**
 * A batch of calls for the worker pool, flattened into one Float64Array (a structured clone of
 * thousands of small objects cost ~10 µs a block): per call the output slot, the block index, the
 * output shape, per argument [input, offset, length, ndim, ...shape], and the blockInfo's
 * per-block numbers (the constant parts once per batch). Undefined when a call has nested
 * arguments (blockwise without concatenate) or per-call tails that are not blockInfo.
 */
function packCalls(calls: readonly BlockCall[]): unknown {
  const first = calls[0];
  if (!first || calls.some((c) => c.args.some((a) => Array.isArray(a[0])))) return undefined;
  const t0 = first.tail;
  const info = t0.length === 1 && t0[0] !== null && typeof t0[0] === 'object' && 'chunkLocation' in (t0[0] as object) ? (t0[0] as { numChunks: number[]; shape: number[]; dtype: string; inputs: { numChunks: number[]; shape: number[] }[] }) : undefined;
  if (!info && !calls.every((c) => c.tail.length === t0.length && c.tail.every((x, i) => x === t0[i]))) return undefined;
  type Info = { chunkLocation: number[]; arrayLocation: [number, number][]; chunkShape: number[]; inputs: { chunkLocation: number[]; arrayLocation: [number, number][] }[] };
  // sized first, then filled with index loops (spreads and a growing array made this the hot spot)
  let total = 0;
  for (const c of calls) {
    total += 4 + c.where.length + c.outShape.length;
    for (const a of c.args as BlockRef[]) total += 4 + a[3].length;
    if (info) {
      const i = c.tail[0] as Info;
      total += i.chunkLocation.length * 4;
      for (const inp of i.inputs) total += inp.chunkLocation.length * 3;
    }
  }
  const f = new Float64Array(total);
  let at = 0;
  const put = (xs: readonly number[]): void => {
    for (let k = 0; k < xs.length; k++) f[at++] = xs[k]!;
  };
  const putPairs = (xs: readonly (readonly [number, number])[]): void => {
    for (let k = 0; k < xs.length; k++) (f[at++] = xs[k]![0]), (f[at++] = xs[k]![1]);
  };
  for (const c of calls) {
    f[at++] = c.out[0];
    f[at++] = c.out[1];
    f[at++] = c.where.length;
    put(c.where);
    f[at++] = c.outShape.length;
    put(c.outShape);
    for (const a of c.args as BlockRef[]) {
      f[at++] = a[0];
      f[at++] = a[1];
      f[at++] = a[2];
      f[at++] = a[3].length;
      put(a[3]);
    }
    if (info) {
      const i = c.tail[0] as Info;
      put(i.chunkLocation);
      putPairs(i.arrayLocation);
      put(i.chunkShape);
      for (const inp of i.inputs) {
        put(inp.chunkLocation);
        putPairs(inp.arrayLocation);
      }
    }
  }
  return {
    f,
    n: calls.length,
    nargs: first.args.length,
    info: info && { numChunks: info.numChunks, shape: info.shape, dtype: info.dtype, inputs: info.inputs.map((x) => ({ numChunks: x.numChunks, shape: x.shape })) },
    tail: info ? undefined : t0,
  };
}

/** How the function is reached. */
export type BlockCallable =
  | { kind: 'local'; fn: (...args: unknown[]) => unknown; name: string }
  | { kind: 'module'; url: string; exportName: string; worker: boolean };

/** `fn` as given to mapBlocks & co.: a `delayed.module(url, name)` function, or an inline closure. */
export function blockCallable(where: string, fn: unknown): BlockCallable {
  const c = callableOf(fn);
  if (c?.kind === 'module') return { kind: 'module', url: c.url, exportName: c.exportName, worker: c.worker };
  if (c?.kind === 'local') return { kind: 'local', fn: c.fn as (...a: unknown[]) => unknown, name: c.fn.name || 'fn' };
  if (typeof fn === 'function') return { kind: 'local', fn: fn as (...a: unknown[]) => unknown, name: fn.name || 'fn' };
  throw new TypeError(`${where}: fn must be a delayed.module(url, exportName) function (runs on worker threads) or a function (runs on the main thread), got ${show(fn)}`);
}

export interface BlocksInput {
  node: Node;
  /** Per axis of node, per block: its segments (layout.ts). */
  axes: readonly AxisBlocks[];
}

export interface BlocksJob {
  name: string;
  fn: BlockCallable;
  inputs: readonly BlocksInput[];
  /** Output dtype and the output blocks' extents/trim/destination per axis. */
  dtype: 'float64' | 'float32';
  out: readonly (readonly OutAxisBlock[])[];
  shape: readonly number[];
  /** The calls, given where the input and output blocks are. */
  calls: (inputs: readonly BlockedLayout[], out: BlockedLayout) => BlockCall[];
}

/** Block bytes per client.map request of a cluster run. */
const CLUSTER_REQUEST_BYTES = 4 << 20;

const newLowering = (): Lowering => new Lowering((bytes) => native().allocBuffer(bytes));

// a block of any input dtype as that dtype's TypedArray (a DenseArray's: Int32Array for int32,
// BigInt64Array for int64, Uint8Array for bool), offset and length in elements
const typedOf = (dtype: DType, buffer: SharedArrayBuffer | ArrayBuffer, offset = 0, length?: number): BlockData => {
  const C = typedArrayClass(dtype) as unknown as new (b: ArrayBufferLike, byteOffset: number, length?: number) => BlockData;
  return new C(buffer, offset * itemsize(dtype), length);
};

/**
 * What a cluster gives a block job (src/distributed/client.ts): the inputs computed on the
 * workers, and module-function calls run there (workers import only from their `--modules` roots).
 */
export interface ClusterBlocks {
  computeNode(node: Node): Promise<Float64Array | Float32Array | Uint8Array>;
  map(url: string, exportName: string, argsList: unknown[][]): Promise<unknown[]>;
}

// The block job behind each lazy result node, for a cluster client to run it there.
const jobs = new WeakMap<Node, BlocksJob>();

/** @internal Remember that `node`'s data is `job`'s result. */
export function registerBlocksJob(node: Node, job: BlocksJob): void {
  jobs.set(node, job);
}

/** @internal The block job making `node`'s data, if it is a mapBlocks/blockwise/mapOverlap/reduction result. */
export function blocksJobOf(node: Node): BlocksJob | undefined {
  return jobs.get(node);
}

/** Run a job; resolves with the row-major result. With `cluster`, inputs and calls run on its workers. */
export async function runBlocksJob(job: BlocksJob, cluster?: ClusterBlocks, signal?: AbortSignal): Promise<Float64Array | Float32Array> {
  const stopped = (): void => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`${job.name}: aborted`);
  };
  stopped();
  if (cluster && !(job.fn.kind === 'module')) {
    throw new TypeError(`${job.name} on a cluster: the function must be a delayed.module(url, exportName) function the workers can import (inline closures run locally only)`);
  }
  let inputNodes = job.inputs.map((i) => i.node);
  let release = (): void => {};
  if (cluster) {
    // computed on the workers, then cut into blocks here (native stages over the fetched data)
    inputNodes = await Promise.all(inputNodes.map(async (n): Promise<Node> => {
      const data = await cluster.computeNode(n);
      return { kind: 'memory', id: newId(), name: n.name, op: 'array', shape: n.shape, dtype: n.dtype, chunks: n.chunks, memory: data, strides: contiguousStrides(n.shape), offset: 0, state: { disposed: false } };
    }));
  } else {
    // Resolved lazily: a circular import (ndarray.ts ↔ this module) must not be touched at load.
    const { resolveDelayedInputs } = await import('../ndarray.js');
    await resolveDelayedInputs(inputNodes, signal);
    // masks under an input are counted first, as compute() does (an input of known shape, e.g.
    // a reduction of a mask, still lowers the mask: without its counts that was the RangeError
    // 'compute: this array has unknown chunk sizes', where a cluster computed it)
    const { resolveUnknownChunks } = await import('../indexing/gather.js');
    const resolved = await resolveUnknownChunks(inputNodes);
    inputNodes = resolved.roots;
    release = resolved.release;
  }
  const lowering = newLowering();
  const shared: { buffer: SharedArrayBuffer; dtype: DType }[] = [];
  const layouts = job.inputs.map((inp, i) => {
    const node = inputNodes[i]!;
    const dtype = node.dtype;
    const probe = gatherBlocks(lowering, node, inp.axes, undefined, dtype, job.name);
    const buffer = new SharedArrayBuffer(probe.elements * itemsize(dtype));
    shared.push({ buffer, dtype });
    return probe.elements > 0 ? gatherBlocks(lowering, node, inp.axes, new Uint8Array(buffer), dtype, job.name) : probe;
  });
  const lowered = lowering.lower([]);
  try {
    if (lowered.plan.stages.length) await runLowered(lowered, { signal });
  } finally {
    release();
  }
  const outL = outLayout(job.out);
  const outBuffer = new SharedArrayBuffer(outL.elements * itemsize(job.dtype));
  const calls = job.calls(layouts, outL);
  if (cluster && job.fn.kind === 'module') await onCluster(cluster, job, job.fn, shared, outBuffer, calls);
  else await (job.fn.kind === 'module' && job.fn.worker ? onWorkers(job.name, job.fn, shared, outBuffer, job.dtype, calls, signal) : onMainThread(job, shared, outBuffer, calls, stopped));
  stopped();
  const n = job.shape.reduce((a, b) => a * b, 1);
  // shared too: the plans that read the result read it in place (a lent ArrayBuffer is snapshotted)
  const result = new SharedArrayBuffer(n * itemsize(job.dtype));
  if (n > 0) {
    const back = newLowering();
    scatterBlocks(back, new Uint8Array(outBuffer), job.out, new Uint8Array(result), job.shape, job.dtype, job.name);
    const plan = back.lower([]);
    if (plan.plan.stages.length) await runLowered(plan, { signal });
  }
  return job.dtype === 'float64' ? new Float64Array(result) : new Float32Array(result);
}

async function onWorkers(
  name: string,
  fn: Extract<BlockCallable, { kind: 'module' }>,
  inputs: { buffer: SharedArrayBuffer; dtype: DType }[],
  out: SharedArrayBuffer,
  dtype: DType,
  calls: BlockCall[],
  signal?: AbortSignal,
): Promise<void> {
  const pool = workerPool();
  // A few batches per worker thread: one message per batch keeps the per-block cost at a function call.
  const batches = Math.max(1, Math.min(calls.length, pool.size * 4));
  const per = Math.ceil(calls.length / batches);
  const cancel: CancelFlag = { cancelled: false };
  // batches not started yet are dropped when the compute aborts
  const onAbort = (): void => void (cancel.cancelled = true);
  signal?.addEventListener('abort', onAbort, { once: true });
  const runs: Promise<unknown>[] = [];
  for (let i = 0; i < calls.length; i += per) {
    const batch = calls.slice(i, i + per);
    const packed = packCalls(batch);
    runs.push(pool.runBlocks(fn.url, fn.exportName, { name, inputs, out: { buffer: out, dtype }, ...(packed ? { packed } : { calls: batch }) }, cancel));
  }
  try {
    await Promise.all(runs);
  } catch (e) {
    cancel.cancelled = true;
    await Promise.allSettled(runs);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The result of one call as values, or why it is not one of `length`. */
function resultData(res: unknown, length: number): ArrayLike<number> | undefined {
  const data =
    typeof res === 'number'
      ? [res]
      : res instanceof DenseArray || (res !== null && typeof res === 'object' && ArrayBuffer.isView((res as { data?: unknown }).data))
        ? (res as { data: ArrayLike<number> }).data
        : res;
  if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<number>).length !== 'number' || (data as ArrayLike<number>).length !== length) return undefined;
  return data as ArrayLike<number>;
}

async function onCluster(
  cluster: ClusterBlocks,
  job: BlocksJob,
  fn: Extract<BlockCallable, { kind: 'module' }>,
  inputs: { buffer: SharedArrayBuffer; dtype: DType }[],
  outBuffer: SharedArrayBuffer,
  calls: BlockCall[],
): Promise<void> {
  // Blocks travel as typed arrays (copies: another machine cannot share this memory).
  const copy = (r: ArgRef): unknown =>
    Array.isArray(r[0]) ? (r as ArgRef[]).map(copy) : { data: typedOf(inputs[(r as BlockRef)[0]]!.dtype, inputs[(r as BlockRef)[0]]!.buffer, r[1] as number, r[2] as number).slice(), shape: r[3] };
  // in requests of at most ~4 MiB of blocks (a NATS message has a size limit), a few at a time
  const bytesOf = (r: ArgRef): number => (Array.isArray(r[0]) ? (r as ArgRef[]).reduce((n, x) => n + bytesOf(x), 0) : (r[2] as number) * itemsize(inputs[r[0] as number]!.dtype));
  const groups: BlockCall[][] = [];
  let group: BlockCall[] = [];
  let bytes = 0;
  for (const c of calls) {
    const b = c.args.reduce((n, a) => n + bytesOf(a), 0);
    if (group.length && bytes + b > CLUSTER_REQUEST_BYTES) groups.push(group), (group = []), (bytes = 0);
    group.push(c);
    bytes += b;
  }
  if (group.length) groups.push(group);
  const out = typedOf(job.dtype, outBuffer) as Float64Array | Float32Array;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const g = groups[next++]!;
      const results = await cluster.map(fn.url, fn.exportName, g.map((c) => [...c.args.map(copy), ...c.tail]));
      results.forEach((res, i) => {
        const c = g[i]!;
        const data = resultData(res, c.out[1]);
        if (!data) throw expected(fn.exportName, res, c, job.name);
        out.set(data, c.out[0]);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, groups.length) }, worker));
}

async function onMainThread(job: BlocksJob, inputs: { buffer: SharedArrayBuffer; dtype: DType }[], outBuffer: SharedArrayBuffer, calls: BlockCall[], stopped: () => void): Promise<void> {
  const fn = job.fn.kind === 'local' ? job.fn.fn : await importExport(job.fn.url, job.fn.exportName);
  const fnName = job.fn.kind === 'local' ? job.fn.name : job.fn.exportName;
  const out = typedOf(job.dtype, outBuffer) as Float64Array | Float32Array;
  const view = (r: ArgRef): unknown => (Array.isArray(r[0]) ? (r as ArgRef[]).map(view) : blockView(r as BlockRef));
  const blockView = ([i, offset, length, shape]: BlockRef): DenseArray => new DenseArray(typedOf(inputs[i]!.dtype, inputs[i]!.buffer, offset, length), shape);
  for (const c of calls) {
    stopped();
    let res = fn(...c.args.map(view), ...c.tail);
    if (res !== null && typeof res === 'object' && typeof (res as { then?: unknown }).then === 'function') res = await res;
    const data = resultData(res, c.out[1]);
    if (!data) throw expected(fnName, res, c, job.name);
    out.set(data, c.out[0]);
  }
}

/**
 * @internal Run the block jobs behind `roots` (mapBlocks & co. results) on a cluster, leaving
 * their data in the nodes for the client's plan to send (src/distributed/client.ts calls this).
 */
export async function resolveBlocksOnCluster(roots: readonly Node[], cluster: ClusterBlocks): Promise<void> {
  const { topoOrder } = await import('../node.js');
  const pending = topoOrder(roots).filter((n): n is Extract<Node, { kind: 'delayed' }> => n.kind === 'delayed' && jobs.has(n));
  await Promise.all(pending.map(async (n) => {
    n.state.data = await runBlocksJob(jobs.get(n)!, cluster);
  }));
}
