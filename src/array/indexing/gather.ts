// Native gather and compaction (issue 15): np.take along one axis (a Take stage, one task per
// output chunk) and boolean masks x[mask] (a Compress stage: per-chunk counts, their prefix sums,
// then every chunk copies its selected elements to its offset in parallel). Stage fields:
// native/engine/plan.h at Stage and native/engine/gather.h. A kernel stage that walks a mask
// result forward in 1-d reads it in place instead (a compress leaf: compressSource below).
//
// A mask's result has unknown chunk sizes (NaN), as in Dask. Elementwise operations and
// reductions accept such arrays; everything that needs positions (slicing, reshape,
// concatenation, products, rechunk, take) refuses with an error pointing at computeChunkSizes().
// A compute first counts the pending masks in a small plan of its own (the condition is kept in
// native memory for the main plan, so it is evaluated once), then lowers the expression with the
// sizes filled in (resolveUnknownChunks).
import { DTYPES as NATIVE_DTYPES } from '../../plan/ops.generated.js';
import { describe } from '../../errors.js';
import { DTYPES as DTYPE_NAMES, isInteger } from '../dtype.js';
import { native, type NativeBuffer } from '../../native.js';
import { LeafKind, NativeDType, ReduceCode, StageKind, type NativeStage } from '../../plan/types.js';
import { runLowered } from '../../scheduler/local.js';
import { chunkBounds } from '../chunks.js';
import type { Step } from '../emit.js';
import { Lowering, resultMemory, stageChunks, type Materialized } from '../lower.js';
import { NDArray, resolveDelayedInputs, type Computed } from '../ndarray.js';
import {
  broadcastShapes,
  children,
  contiguousStrides,
  isScalar,
  itemsize,
  newId,
  size,
  token,
  topoOrder,
  type DType,
  type MaskNode,
  type MemoryNode,
  type Node,
  type Scalar,
  type TakeNode,
} from '../node.js';
import { run } from '../emit.js';
import { takeKnown } from './take.js';

// ---- dtypes: the one place index and result dtypes are decided (typed registers will change them)

/**
 * The dtypes an NDArray of take indices may have: NumPy's integer dtypes, and (beyond NumPy, as
 * before typed registers) float arrays of integral values, checked element by element natively.
 */
export const INDEX_DTYPES: readonly DType[] = [...DTYPE_NAMES.filter(isInteger), 'float64', 'float32'];
/** What JS index lists become (an index leaf of the Take stage). Switch to int64 with typed registers. */
export const JS_INDEX_DTYPE: DType = 'float64';

// every dtype's code (typed registers: integer leaves and sinks are their own dtypes)
const NATIVE_CODES = new Map<string, NativeDType>(NATIVE_DTYPES.map((d) => [d.name, d.code as NativeDType]));
const nativeDType = (d: DType): NativeDType => NATIVE_CODES.get(d)!;

// ---- unknown chunk sizes

/** True when a node's shape has an unknown (NaN) length, as after a boolean mask. */
export const hasUnknownShape = (node: Node): boolean => node.shape.some((n) => Number.isNaN(n));

/** The error of an operation that needs known chunk sizes, pointing at computeChunkSizes(). */
export function unknownChunksError(op: string): Error {
  return new Error(
    `${op}: this array has unknown chunk sizes (NaN, e.g. after a boolean mask), and ${op} needs them; ` +
      'call `x = await x.computeChunkSizes()` first (as Dask\'s compute_chunk_sizes())',
  );
}

/** Throws unknownChunksError(op) when x has unknown chunk sizes. */
export function requireKnownChunks(op: string, ...nodes: readonly Node[]): void {
  if (nodes.some(hasUnknownShape)) throw unknownChunksError(op);
}

/** Node kinds that accept operands of unknown size (the result keeps the unknown axis or reduces it). */
const UNKNOWN_OK = new Set<Node['kind']>(['unary', 'binary', 'where', 'reduce', 'mask']);

/** NDArray's construction check: an operation over unknown chunk sizes that cannot handle them throws. */
export function checkUnknownOperands(node: Node): void {
  if (UNKNOWN_OK.has(node.kind)) return;
  if (children(node).some(hasUnknownShape)) throw unknownChunksError(nodeOp(node));
}

const nodeOp = (node: Node): string => ('op' in node ? String(node.op) : node.kind);

// ---- take

/** Dask's slicing_plan chunks: consecutive positions that fall in one input chunk form one output chunk. */
export function daskTakeChunks(chunks: readonly number[], positions: readonly number[]): number[] {
  const bounds = chunkBounds(chunks);  // [0, c0, c0+c1, …]
  const chunkOf = (p: number): number => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out: number[] = [];
  let prev = -1;
  for (const p of positions) {
    const c = chunkOf(p);
    if (c === prev) out[out.length - 1]!++;
    else out.push(1);
    prev = c;
  }
  return out.length ? out : [0];
}

function takeNode(src: Node, index: Node, axis: number, axisChunks: number[]): TakeNode {
  requireKnownChunks('take', src, index);
  const shape = src.shape.map((n, k) => (k === axis ? index.shape[0]! : n));
  return {
    kind: 'take',
    op: 'take',
    id: newId(),
    name: `take-${token(`take:${src.name}:${index.name}:${axis}`)}`,
    shape,
    dtype: src.dtype,
    chunks: src.chunks.map((c, k) => (k === axis ? axisChunks : [...c])),
    axis,
    arg: src,
    index,
  };
}

/** A memory node over JS positions (already non-negative and in range). */
function indexMemory(positions: readonly number[]): MemoryNode {
  const data = Float64Array.from(positions);
  const id = newId();
  return {
    kind: 'memory',
    id,
    name: `array-${token(`take-index:${id}:${positions.length}`)}`,
    shape: [positions.length],
    dtype: JS_INDEX_DTYPE,
    chunks: [[positions.length]],
    memory: data,
    strides: [1],
    offset: 0,
    op: 'array',
    state: { disposed: false },
  };
}

/** take of known positions (non-negative, in range) along `axis` of src: Dask's chunks, a native Take stage. */
export function takePositions(src: Node, positions: readonly number[], axis: number, axisChunks?: number[]): Node {
  return takeNode(src, indexMemory(positions), axis, axisChunks ?? daskTakeChunks(src.chunks[axis]!, positions));
}

/** take of a lazy 1-d index array along `axis`: the output axis has the index array's chunks (Dask). */
export function takeLazy(src: Node, index: Node, axis: number, what = 'take: indices'): Node {
  if (index.shape.length !== 1) throw new TypeError(`${what} must be a 1-d array of integers, got a ${index.shape.length}-d array`);
  if (!INDEX_DTYPES.includes(index.dtype)) {
    throw new TypeError(`${what} must hold integers (accepted dtypes: ${INDEX_DTYPES.join(', ')} with integral values), got dtype ${index.dtype}`);
  }
  return takeNode(src, index, axis, [...index.chunks[0]!]);
}

/**
 * The indices accepted by {@link take} and {@link NDArray.take}: a JS list of integers (or
 * bigints), a TypedArray of integers, or a 1-d integer NDArray (checked natively at compute time).
 * Negative indices count from the end; an index out of range is a RangeError naming the axis and its size.
 */
export type TakeIndices = readonly number[] | readonly bigint[] | ArrayLike<number> | BigInt64Array | BigUint64Array | NDArray;

/** np.take(x, indices, axis): JS lists and TypedArrays are checked here; an NDArray's values natively. */
export function take(x: NDArray, indices: TakeIndices, options?: { axis?: number | null }): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`take: x must be an NDArray, got ${describe(x)}`);
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError(`take: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options ?? {})) if (key !== 'axis') throw new TypeError(`take: unknown option ${describe(key)}; accepted: axis`);
  requireKnownChunks('take', x.node);
  const src = options?.axis === undefined || options.axis === null ? x.ravel() : x;
  const nd = src.ndim;
  const axisRaw = options?.axis ?? 0;
  if (typeof axisRaw !== 'number' || !Number.isInteger(axisRaw)) throw new TypeError(`take: axis must be an integer, got ${describe(axisRaw)}`);
  if (axisRaw < -nd || axisRaw >= nd) throw new RangeError(`take: axis ${axisRaw} is out of bounds for an array of ${nd} dimensions (accepted: ${-nd}..${nd - 1})`);
  const axis = axisRaw < 0 ? axisRaw + nd : axisRaw;
  if (indices instanceof NDArray) return new NDArray(takeLazy(src.node, indices.node, axis));
  if (typeof indices !== 'object' || indices === null || typeof (indices as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`take: indices must be an array, TypedArray or NDArray of integers, got ${describe(indices)}`);
  }
  const n = src.shape[axis]!;
  const positions = Array.from(indices as ArrayLike<number | bigint>, (v, i) => {
    const num = Number(v);
    if (typeof v !== 'bigint' && typeof v !== 'number') throw new TypeError(`take: indices[${i}] must be an integer, got ${describe(v)}`);
    if (!Number.isInteger(num)) throw new TypeError(`take: indices[${i}] must be an integer, got ${describe(v)}`);
    if (num < -n || num >= n) throw new RangeError(`take: index ${typeof v === 'bigint' ? v.toString() : num} is out of bounds for axis ${axis} with size ${n}`);
    return num < 0 ? num + n : num;
  });
  return takeKnown(src, positions, axis);
}

// ---- mask

/** x.mask(cond) / x.get(boolArray): the elements of x where cond is true, 1-d, row-major (NumPy's order). */
export function mask(x: NDArray, cond: unknown): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`mask: x must be an NDArray, got ${describe(x)}`);
  if (!(cond instanceof NDArray)) throw new TypeError(`mask: cond must be a boolean NDArray of x's shape, got ${describe(cond)}`);
  if (cond.dtype !== 'bool') throw new TypeError(`mask: cond must be a boolean NDArray (dtype bool, e.g. x.gt(0)), got dtype ${cond.dtype}`);
  requireKnownChunks('mask', x.node, cond.node);
  if (cond.ndim !== x.ndim || cond.shape.some((n, k) => n !== x.shape[k])) {
    throw new RangeError(`mask: boolean index did not match the indexed array: cond has shape [${cond.shape.join(', ')}], x has shape [${x.shape.join(', ')}]`);
  }
  // Dask ravels both (x[mask] with a full-shape mask): one output chunk per chunk of the raveled array.
  const data = x.ndim === 1 ? x.node : x.ravel().node;
  const c = cond.ndim === 1 ? cond.node : cond.reshape([-1]).rechunk({ 0: data.chunks[0]! }).node;
  const nchunks = data.chunks[0]!.length;
  const node: MaskNode = {
    kind: 'mask',
    op: 'getitem',
    id: newId(),
    name: `getitem-${token(`mask:${data.name}:${c.name}`)}`,
    shape: [NaN],
    dtype: x.node.dtype,
    chunks: [Array.from({ length: nchunks }, () => NaN)],
    arg: data,
    cond: c,
    state: {},
  };
  return new NDArray(node);
}

// ---- resolving unknown sizes before lowering

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The count stages (Compress phase 0, one float64 count per chunk) of masks over their conditions
 * (`cond(m, i)`: the buffer and dtype holding mask i's condition, row-major): each mask's counts
 * buffer, in the plan unless the mask is empty. Read them back with {@link chunkCounts}.
 */
export function addMaskCounts(lowering: Lowering, masks: readonly MaskNode[], cond: (m: MaskNode, i: number) => { buffer: number; dtype: DType }): ArrayBuffer[] {
  return masks.map((m, i) => {
    const chunks = stageChunks([size(m.arg.shape)], [m.arg.chunks[0]!]);
    const counts = new ArrayBuffer(Math.max(chunks[0]!.length, 1) * 8);
    if (size(m.arg.shape) === 0) return counts;
    const { buffer, dtype } = cond(m, i);
    lowering.addStage(
      {
        kind: StageKind.Compress,
        shape: [size(m.arg.shape)],
        chunks,
        leaves: [{ kind: LeafKind.Memory, dtype: nativeDType(dtype), offset: 0, strides: [1], a: 0, b: 0, seed: 0, buffer }],
        program: new Int32Array(0),
        imms: Float64Array.of(0),
        nregs: 1,
        result: 0,
        sink: { reduce: ReduceCode.None, dtype: NativeDType.F64, buffer: lowering.buffer(counts), offset: 0, strides: [1], reduceAxes: [0], ddof: 0 },
      },
      'mask-count',
    );
    return counts;
  });
}

/** A mask's count per chunk of its array from the counts its count stage wrote (zero-size chunks count 0; stages drop them). */
export function chunkCounts(m: MaskNode, counts: ArrayBuffer | Float64Array): number[] {
  const perStage = counts instanceof Float64Array ? counts : new Float64Array(counts);
  let s = 0;
  return m.arg.chunks[0]!.map((c) => (c === 0 ? 0 : perStage[s++]!));
}

/** Counts of each pending mask (one small plan), with the condition kept in native memory for the main plan. */
async function countMasks(masks: readonly MaskNode[], keep: boolean): Promise<{ counts: number[][]; conds: (NativeBuffer | null)[] }> {
  const lowering = new Lowering((bytes) => native().allocBuffer(bytes));
  // the conditions first, kept (persisted) so the main plan reads them instead of computing them again
  const roots = masks.map((m) => m.cond);
  const keepIdx = roots.map((c) => keep && !(c.kind === 'memory' && c.offset === 0));
  const lowered = lowering.lower(roots.flatMap((node, i) => (keepIdx[i] ? [{ node, target: 'persist' as const }] : [])));
  const outs: MemoryNode['memory'][] = [];
  let o = 0;
  const countBufs = addMaskCounts(lowering, masks, (m, i) => {
    if (keepIdx[i]) {
      const out = lowered.outputs[o++]!;
      outs.push(out.memory);
      return { buffer: lowering.buffer(out.memory), dtype: m.cond.dtype };
    }
    const mat = run(lowering.materializeInput(m.cond)) as Materialized;
    return { buffer: mat.buffer, dtype: mat.dtype };
  });
  // lower() returned the plan over the stage list; the count stages were appended to it above
  const plan = lowering.lower([]);
  const all = { ...lowered, plan: plan.plan, buffers: plan.buffers, stageNames: plan.stageNames };
  await runLowered(all, {});
  o = 0;
  return {
    counts: masks.map((m, i) => chunkCounts(m, countBufs[i]!)),
    conds: masks.map((_, i) => (keepIdx[i] ? (outs[o++] as NativeBuffer) : null)),
  };
}

/** Counts per chunk of each mask, computed elsewhere (a cluster: src/distributed/client.ts). */
export type MaskCounter = (masks: readonly MaskNode[]) => Promise<number[][]>;

/** A node with its children replaced (`map` by old id), shape and chunks recomputed where unknown. */
function rebuild(node: Node, map: Map<number, Node>): Node {
  const r = (n: Node): Node => map.get(n.id) ?? n;
  const changed = children(node).some((c) => map.has(c.id));
  if (!changed && !hasUnknownShape(node)) return node;
  const out = { ...node, id: newId() } as Mutable<Node>;
  switch (out.kind) {
    case 'unary': case 'transpose': case 'view': case 'rechunk': case 'reshape': case 'reduce': case 'scan': case 'quantile':
      (out as { arg: Node }).arg = r(out.arg);
      break;
    case 'binary': case 'where':
      (out as { args: readonly (Node | Scalar)[] }).args = out.args.map((a) => (isScalar(a) ? a : r(a)));
      break;
    case 'concat':
      (out as { args: readonly Node[] }).args = out.args.map(r);
      break;
    case 'matmul':
      out.a = r(out.a);
      out.b = r(out.b);
      break;
    case 'take':
      out.arg = r(out.arg);
      out.index = r(out.index);
      break;
    case 'mask':
      out.arg = r(out.arg);
      out.cond = r(out.cond);
      break;
    default:
      break;
  }
  if (!hasUnknownShape(node)) return out as Node;
  // only elementwise nodes and reductions carry unknown sizes (checkUnknownOperands)
  const o = out as Mutable<Node>;
  if (o.kind === 'unary' || o.kind === 'binary' || o.kind === 'where') {
    const arrays = (o.kind === 'unary' ? [o.arg] : o.args.filter((a): a is Node => !isScalar(a)));
    const shape = arrays.reduce<number[]>((s, a) => broadcastShapes(s, a.shape), []);
    o.shape = shape;
    o.chunks = shape.map((n, k) => {
      for (const a of arrays) {
        const j = k - (shape.length - a.shape.length);
        if (j >= 0 && a.shape[j] === n && (n !== 1 || a.chunks[j]!.length === 1)) return [...a.chunks[j]!];
      }
      return [n];
    });
  } else if (o.kind === 'reduce') {
    const red = new Set(o.axes);
    o.shape = o.arg.shape.flatMap((n, k) => (red.has(k) ? (o.keepdims ? [1] : []) : [n]));
    o.chunks = o.arg.chunks.flatMap((c, k) => (red.has(k) ? (o.keepdims ? [[1]] : []) : [[...c]]));
  } else {
    throw unknownChunksError(nodeOp(o as Node));
  }
  return o as Node;
}

/** The known-size version of a mask node whose counts are in state (and its condition, if kept). */
function knownMask(m: MaskNode, counts: readonly number[], cond: Node): MaskNode {
  return { ...m, id: newId(), shape: [counts.reduce((a, b) => a + b, 0)], chunks: [[...counts]], cond, state: { counts: [...counts] } };
}

function memoryOf(buffer: NativeBuffer, like: Node): MemoryNode {
  return {
    kind: 'memory',
    id: newId(),
    name: `mask-cond-${token(`${like.name}:${newId()}`)}`,
    shape: [...like.shape],
    dtype: like.dtype,
    chunks: like.chunks.map((c) => [...c]),
    memory: buffer,
    strides: contiguousStrides(like.shape),
    offset: 0,
    op: 'persisted',
    state: { disposed: false },
  };
}

/**
 * The roots with every unknown size filled in: pending masks are counted first (one local plan);
 * a mask whose sizes are known (computeChunkSizes) is not counted again. With `keep` (local
 * computes) the counted conditions stay in native memory for the caller's plan and `release`
 * frees them once it has run; without, the plan computes them again. `count` counts elsewhere
 * (a cluster's client counts on the workers).
 */
export async function resolveUnknownChunks(roots: readonly Node[], keep = true, count?: MaskCounter): Promise<{ roots: Node[]; release: () => void }> {
  const order = topoOrder(roots);
  const masks = order.filter((n): n is MaskNode => n.kind === 'mask');
  if (masks.length === 0) return { roots: [...roots], release: () => {} };
  const pending = masks.filter((m) => !m.state.counts);
  const counted = async (): Promise<{ counts: number[][]; conds: (NativeBuffer | null)[] }> =>
    count ? { counts: await count(pending), conds: pending.map(() => null) } : countMasks(pending, keep);
  const { counts, conds } = pending.length ? await counted() : { counts: [], conds: [] };
  const map = new Map<number, Node>();
  for (const n of order) {
    if (n.kind === 'mask') {
      const i = pending.indexOf(n);
      const arg = map.get(n.arg.id) ?? n.arg;
      const kept = i >= 0 ? conds[i] : null;
      const cond = kept ? memoryOf(kept, n.cond) : (map.get(n.cond.id) ?? n.cond);
      const m = knownMask({ ...n, arg }, i >= 0 ? counts[i]! : n.state.counts!, cond);
      map.set(n.id, m);
      continue;
    }
    const r = rebuild(n, map);
    if (r !== n) map.set(n.id, r);
  }
  return {
    roots: roots.map((n) => map.get(n.id) ?? n),
    release: () => {
      for (const c of conds) if (c) native().freeBuffer(c);
    },
  };
}

/**
 * Dask's compute_chunk_sizes(): counts the masks under x (one small plan) and records the sizes on
 * x in place, so `x.chunks` and `x.shape` are known afterwards; returns x.
 */
export async function computeChunkSizes<A extends NDArray>(x: A): Promise<A> {
  if (!hasUnknownShape(x.node)) return x;
  await resolveDelayedInputs([x.node]);
  const order = topoOrder([x.node]);
  const pending = order.filter((n): n is MaskNode => n.kind === 'mask' && !n.state.counts);
  if (pending.length) {
    const { counts } = await countMasks(pending, false);
    pending.forEach((m, i) => {
      // the mask node learns its sizes: arrays built on it from now on have known chunks
      m.state.counts = counts[i]!;
      const mm = m as Mutable<MaskNode>;
      mm.shape = [counts[i]!.reduce((a, b) => a + b, 0)];
      mm.chunks = [[...counts[i]!]];
    });
  }
  // and so does x itself (an expression over masks built before their sizes were known)
  const { roots } = await resolveUnknownChunks([x.node]);
  const node = x.node as Mutable<Node>;
  node.shape = [...roots[0]!.shape];
  node.chunks = roots[0]!.chunks.map((c) => [...c]);
  return x;
}

// ---- lowering

type Out = Materialized & { memory: ArrayBuffer };

function memLeaf(buffer: number, dtype: DType, strides: number[]): NativeStage['leaves'][number] {
  return { kind: LeafKind.Memory, dtype: nativeDType(dtype), offset: 0, strides, a: 0, b: 0, seed: 0, buffer };
}

/** Most elements of the axes after the take axis that one task copies whole (a row of the take). */
const TAKE_ROW_MAX = 1 << 22;
/** Bytes a Take task writes at least: a few 2 MiB pages, each faulted in by the one task that fills it. */
const TAKE_TASK_BYTES = 2 << 20;

/**
 * Output chunks regrouped for the Take stage's tasks (results do not depend on them): the axes
 * after the take axis whole (each task writes whole contiguous rows, not row pieces; up to
 * TAKE_ROW_MAX elements), and along the take axis enough rows for TAKE_TASK_BYTES a task.
 */
function takeTaskChunks(node: TakeNode): number[][] {
  const chunks = stageChunks([...node.shape], node.chunks.map((c) => [...c]));
  const row = size(node.shape.slice(node.axis + 1));
  if (row > 0 && row <= TAKE_ROW_MAX) for (let k = node.axis + 1; k < chunks.length; k++) chunks[k] = [node.shape[k]!];
  const rest = chunks.reduce((p, c, k) => (k === node.axis ? p : p * Math.max(...c, 1)), 1);
  const want = Math.max(1, Math.ceil(TAKE_TASK_BYTES / (Math.max(rest, 1) * itemsize(node.dtype))));
  const merged: number[] = [];
  for (const c of chunks[node.axis]!) {
    if (merged.length && merged[merged.length - 1]! < want) merged[merged.length - 1]! += c;
    else merged.push(c);
  }
  chunks[node.axis] = merged;
  return chunks;
}


/** A take node: its data and indices materialized (persisted/JS memory read in place), then one Take stage. */
export function* lowerTake(l: Lowering, node: TakeNode): Step<Out> {
  const memory = resultMemory(size(node.shape) * itemsize(node.dtype));
  const out = l.buffer(memory);
  const res = { memory, buffer: out, dtype: node.dtype, shape: node.shape };
  if (size(node.shape) === 0) return res;
  const input = (yield l.materializeInput(node.arg)) as Materialized;
  const index = (yield l.materializeInput(node.index)) as Materialized;
  const inStrides = contiguousStrides(node.arg.shape);
  l.addStage(
    {
      kind: StageKind.Take,
      shape: [...node.shape],
      chunks: takeTaskChunks(node),
      leaves: [
        memLeaf(input.buffer, input.dtype, inStrides),
        memLeaf(index.buffer, index.dtype, node.shape.map((_, k) => (k === node.axis ? 1 : 0))),
      ],
      program: new Int32Array(0),
      imms: Float64Array.of(node.axis, node.arg.shape[node.axis]!),
      nregs: 1,
      result: 0,
      sink: { reduce: ReduceCode.None, dtype: nativeDType(node.dtype), buffer: out, offset: 0, strides: contiguousStrides(node.shape), reduceAxes: node.shape.map(() => 0), ddof: 0 },
    },
    'take',
  );
  return res;
}

/** A mask node with known counts (resolveUnknownChunks): data and condition materialized, one Compress stage. */
export function* lowerMask(l: Lowering, node: MaskNode): Step<Out> {
  const counts = node.state.counts;
  if (!counts || hasUnknownShape(node)) throw unknownChunksError('compute');
  const total = counts.reduce((a, b) => a + b, 0);
  const memory = resultMemory(total * itemsize(node.dtype));
  const out = l.buffer(memory);
  const res = { memory, buffer: out, dtype: node.dtype, shape: [total] };
  if (total === 0) return res;
  const data = (yield l.materializeInput(node.arg)) as Materialized;
  const cond = (yield l.materializeInput(node.cond)) as Materialized;
  const n = size(node.arg.shape);
  const offsets: number[] = [];
  let at = 0;
  node.arg.chunks[0]!.forEach((c, j) => {
    if (c > 0) offsets.push(at);
    at += counts[j]!;
  });
  l.addStage(
    {
      kind: StageKind.Compress,
      shape: [n],
      chunks: stageChunks([n], [node.arg.chunks[0]!]),
      leaves: [memLeaf(data.buffer, data.dtype, [1]), memLeaf(cond.buffer, cond.dtype, [1])],
      program: new Int32Array(0),
      imms: Float64Array.from([1, total, ...offsets]),
      nregs: 1,
      result: 0,
      sink: { reduce: ReduceCode.None, dtype: nativeDType(node.dtype), buffer: out, offset: 0, strides: [1], reduceAxes: [0], ddof: 0 },
    },
    'mask',
  );
  return res;
}

// ---- a take read in place (the take leaf)

/** What a take leaf reads: the source, the index array and the [axis, outer, m, n, inner, index dtype] table (buffer indices). */
export interface TakeSource {
  data: number;
  index: number;
  table: number;
}

const takeSources = new WeakMap<Lowering, Map<number, TakeSource>>();

/**
 * The buffers of a take leaf over a take node (native/engine/gather.h at TakeLeaf): a kernel stage
 * then reads each output row where it lies in the source, so `x.take(i).sum()` or `.mul(2)` moves
 * every row once and writes no gathered array. The source and a lazy index array are materialized
 * (a persisted or JS array is read in place). Once per node and lowering.
 */
export function* takeSource(l: Lowering, node: TakeNode): Step<TakeSource> {
  let memo = takeSources.get(l);
  if (!memo) takeSources.set(l, (memo = new Map()));
  const done = memo.get(node.id);
  if (done) return done;
  const input = (yield l.materializeInput(node.arg)) as Materialized;
  const index = (yield l.materializeInput(node.index)) as Materialized;
  const { axis } = node;
  const outer = size(node.arg.shape.slice(0, axis));
  const inner = size(node.arg.shape.slice(axis + 1));
  const table = Float64Array.of(axis, outer, node.shape[axis]!, node.arg.shape[axis]!, inner, nativeDType(index.dtype));
  const src = { data: input.buffer, index: index.buffer, table: l.buffer(table.buffer) };
  memo.set(node.id, src);
  return src;
}

// ---- a mask read in place (the compress leaf)

/** What a compress leaf reads: the data, the bool condition and the [n, inStart…, outOff…] table (buffer indices). */
export interface CompressSource {
  data: number;
  cond: number;
  table: number;
}

const compressSources = new WeakMap<Lowering, Map<number, CompressSource | null>>();

/**
 * The buffers of a compress leaf over a mask node with known counts (native/engine/compress_leaf.h):
 * a kernel stage then reads the q-th selected element where it lies, so `x.mask(c).sum()` reads
 * the values and the condition once and writes no compacted array. Null when the condition is
 * not bool (the leaf reads bool bytes); the caller materializes the mask then. Once per node and lowering.
 */
export function* compressSource(l: Lowering, node: MaskNode): Step<CompressSource | null> {
  let memo = compressSources.get(l);
  if (!memo) compressSources.set(l, (memo = new Map()));
  const done = memo.get(node.id);
  if (done !== undefined) return done;
  const counts = node.state.counts;
  if (!counts || hasUnknownShape(node)) throw unknownChunksError('compute');
  if (node.cond.dtype !== 'bool' || node.arg.dtype !== node.dtype) {
    memo.set(node.id, null);
    return null;
  }
  const data = (yield l.materializeInput(node.arg)) as Materialized;
  const cond = (yield l.materializeInput(node.cond)) as Materialized;
  const chunks = node.arg.chunks[0]!;
  const n = chunks.length;
  const table = new Float64Array(2 * n + 3);
  table[0] = n;
  let at = 0;
  let sel = 0;
  chunks.forEach((c, j) => {
    table[1 + j] = at;
    table[2 + n + j] = sel;
    at += c;
    sel += counts[j]!;
  });
  table[1 + n] = at;
  table[2 + 2 * n] = sel;
  const src = { data: data.buffer, cond: cond.buffer, table: l.buffer(table.buffer) };
  memo.set(node.id, src);
  return src;
}
