// The task messages of one plan stage on the cluster: the stage cut by src/plan/split.ts, each
// sub-plan given its buffers — inline inputs (large ones cut to the span a task reads), fresh
// output buffers, and boxes of persisted arrays the worker assembles from stored pieces.
import { dtypeBytes } from '../plan/split.js';
import { ReduceCode, type NativeLeaf, type NativeStage } from '../native.js';
import { chunkBatches, chunkBox, chunkOutBytes, chunkStage, concatParts, concatTable, isChunkCount, planSplitMode, resolveConcatLeaves, wholeStage } from '../plan/split.js';
import { StageKind } from '../plan/types.js';
import { contiguousStrides } from '../array/node.js';
import { LeafKind } from '../plan/ops.generated.js';
import { addTask, type Job, type RemoteInput, type Task } from './jobs.js';
import type { Piece, TaskBuffer, TaskMsg } from './protocol.js';
import { fetchSpec, leafRegion, leafSpan } from './remote.js';

/** A leaf reading an inline buffer cut per task message: its span, and the leaf to re-address. */
interface SpanUse {
  leaf: NativeLeaf;
  buffer: number;
  item: number;
  lo: number;
  hi: number;
  /** The leaf's offset relative to `lo`. */
  offset: number;
}

/** Inline inputs above this size are sent to each task cut to the span it reads. */
const SLICE_MIN_BYTES = 256 << 10;

export interface StageHost {
  job(id: string): Job | undefined;
  /** Stored pieces of a finished job's output buffer, with their workers now. */
  piecesOf(job: Job, buffer: number): Piece[];
  maxTries: number;
}

/** The tasks of stage `s` of `job`, added to the job (waiting); an error names what is missing. */
export function stageTasks(host: StageHost, job: Job, s: number): Task[] {
  const req = job.req!;
  const stage = req.stages[s]!;
  const name = req.stageNames[s] ?? `stage-${s}`;
  // A concat leaf (a concatenation read where its sources lie) reads its parts' leaves: a chunk's
  // sub-stage reads its part's leaf alone; a whole stage gets the parts re-addressed (wholeConcat).
  const table = (b: number): Float64Array => new Float64Array(job.data[b]!.slice().buffer);
  const plain = stage.leaves.flatMap((l) => (l.kind === LeafKind.Concat ? concatParts(table(l.b), stage.shape.length).map((p) => p.leaf) : [l]));
  // Sub-plan buffers: every memory leaf's buffer inline, then the sink buffer.
  const used = [...new Set(plain.filter((l) => l.kind === 3).map((l) => l.buffer))];
  const leafBuffers = new Map<number, number>();
  const buffers: ({ data: Uint8Array } | { alloc: number })[] = [];
  const chunked = planSplitMode(req.stages, req.outputs, s) === 'chunks';
  // Large inline inputs (fromArray data) are cut per task to the span each task reads.
  const sliced = new Set<number>();
  for (const b of used) {
    // an elementwise stage's output kept on the workers (a split stage's scratch): read like a persisted array
    if (!job.remote.has(b) && !job.data[b] && job.pieces.has(b)) job.remote.set(b, keptInput(job, b));
    if (job.remote.has(b)) continue; // assembled per task on the worker (attachInputs)
    const data = job.data[b];
    if (!data) throw new Error(`stage ${name} reads buffer ${b}, which no earlier stage produced`);
    if (chunked && data.byteLength > SLICE_MIN_BYTES) {
      sliced.add(b);
      continue;
    }
    leafBuffers.set(b, buffers.length);
    buffers.push({ data });
  }
  const tasks: Task[] = [];
  const mode = stage.sink.reduce === ReduceCode.None && !isChunkCount(stage) ? 'keep' : 'return';
  const base = { compute: job.id, name, maxTries: host.maxTries };
  if (chunked) {
    for (const chunks of chunkBatches(stage)) {
      const subs: NativeStage[] = [];
      const all: TaskBuffer[] = [...buffers];
      const outs: number[] = [];
      const spans: SpanUse[] = [];
      for (const c of chunks) {
        outs.push(all.length);
        all.push({ alloc: chunkOutBytes(stage, c) });
        const box = chunkBox(stage, c);
        const st = resolveConcatLeaves(stage, table, box.start);
        subs.push(chunkStage(st, c, outs[outs.length - 1]!, leafBuffers));
        if (job.remote.size || sliced.size) attachInputs(host, job, st, subs[subs.length - 1]!, box, all, sliced, spans);
      }
      if (spans.length) cutSpans(job, spans, all);
      const id = `${job.id}:${s}:${chunks[0]}`;
      const msg: TaskMsg = { kind: 'plan', id, ...base, stages: subs, buffers: all, outs, mode };
      tasks.push(addTask(job, id, s, chunks, msg));
    }
  } else {
    const bytes = req.buffers[stage.sink.buffer]!.kind === 'out' ? (req.buffers[stage.sink.buffer] as { bytes: number }).bytes : 0;
    const id = `${job.id}:${s}:all`;
    const msg: TaskMsg = {
      kind: 'plan', id, ...base, stages: [wholeStage(stage, buffers.length, leafBuffers)],
      buffers: [...buffers, { alloc: bytes }], outs: [buffers.length],
      // a gather's or compaction's result read by later stages stays on its worker too (its
      // tasks fetch boxes of it), rather than coming back through the scheduler
      mode: mode === 'keep' && (req.outputs.includes(stage.sink.buffer) || isGather(stage)) ? 'keep' : 'return',
    };
    if (job.remote.size) attachInputs(host, job, stage, msg.stages[0]!, { start: stage.shape.map(() => 0), ext: [...stage.shape] }, msg.buffers, sliced, []);
    wholeConcat(host, job, msg.stages[0]!, table, leafBuffers, msg.buffers);
    tasks.push(addTask(job, id, s, [-1], msg));
  }
  return tasks;
}

/**
 * The concat leaves of a whole stage `sub` re-addressed for its sub-plan: each part's memory
 * buffer renumbered (inline) or fetched whole from the pieces that hold it (persisted), and the
 * rewritten table added to `buffers`.
 */
function wholeConcat(host: StageHost, job: Job, sub: NativeStage, table: (b: number) => Float64Array, leafBuffers: Map<number, number>, buffers: TaskBuffer[]): void {
  const nd = sub.shape.length;
  sub.leaves = sub.leaves.map((leaf) => {
    if (leaf.kind !== LeafKind.Concat) return leaf;
    const parts = concatParts(table(leaf.b), nd).map((p) => {
      if (p.leaf.kind !== 3) return p;
      const input = job.remote.get(p.leaf.buffer);
      if (!input) return { ...p, leaf: { ...p.leaf, buffer: leafBuffers.get(p.leaf.buffer)! } };
      buffers.push(inputRegion(host, input, { start: input.shape.map(() => 0), ext: [...input.shape] }));
      return { ...p, leaf: { ...p.leaf, buffer: buffers.length - 1 } };
    });
    buffers.push({ data: new Uint8Array(concatTable(parts, nd).buffer) });
    return { ...leaf, b: buffers.length - 1 };
  });
}

/** How a worker gets `region` of an input: read from its Zarr store, or assembled from the pieces that hold it. */
function inputRegion(host: StageHost, input: RemoteInput, region: { start: number[]; ext: number[] }): TaskBuffer {
  if (input.zarr) return { zarr: { ...input.zarr, region } };
  const src = host.job(input.compute);
  if (!src) throw new Error(`the persisted array ${input.compute.slice(0, 8)}… was released while a compute reads it`);
  return { fetch: fetchSpec(input.compute, host.piecesOf(src, input.buffer), input.shape, region, input.itemsize) };
}

/** The shape of the array a stage writes: its iteration space, but a compaction's selected elements. */
const writtenShape = (stage: NativeStage): number[] => (stage.kind === StageKind.Compress ? [stage.imms[1]!] : [...stage.shape]);

/**
 * The shape of the `bytes`-byte buffer `stage` writes into: its written shape, or, when several
 * stages write slabs of it along axis 0 (a concatenation; their pieces fold their offsets:
 * state.ts piece()), the whole array of those slabs.
 */
function bufferShape(stage: NativeStage, bytes: number, itemsize: number): number[] {
  const shape = writtenShape(stage);
  const rest = shape.slice(1).reduce((a, e) => a * e, 1);
  if (shape.length && rest > 0 && bytes % (rest * itemsize) === 0) {
    const slabs = [bytes / (rest * itemsize), ...shape.slice(1)];
    const want = contiguousStrides(slabs);
    if (slabs[0]! > shape[0]! && stage.sink.strides.every((st, k) => st === want[k] || slabs[k]! <= 1)) return slabs;
  }
  return shape;
}

/** A Take stage or a mask's compaction: one whole task writing its whole sink buffer from offset 0. */
const isGather = (stage: NativeStage): boolean => stage.kind === StageKind.Take || (stage.kind === StageKind.Compress && !isChunkCount(stage));

/** Buffer `b`, kept on the workers by an earlier stage of `job` itself, as an input of a later stage. */
function keptInput(job: Job, b: number): RemoteInput {
  const stage = job.req!.stages.find((st) => st.sink.buffer === b)!;
  const itemsize = dtypeBytes(stage.sink.dtype);
  const wire = job.req!.buffers[b];
  const shape = wire?.kind === 'out' ? bufferShape(stage, wire.bytes, itemsize) : writtenShape(stage);
  return { compute: job.id, buffer: b, shape, itemsize };
}

/** The persisted output `output` of compute `src`, as an input of a new plan. */
export function remoteInput(src: Job | undefined, compute: string, output: number, bytes: number): RemoteInput {
  const buffer = src?.req?.outputs[output];
  const stage = buffer === undefined ? undefined : src!.req!.stages.find((st) => st.sink.buffer === buffer);
  if (!src || !src.finished || buffer === undefined || !stage || !src.pieces.has(buffer)) {
    throw new Error(`the persisted array ${compute.slice(0, 8)}…[${output}] is not on this cluster (released, or the scheduler restarted); persist it again`);
  }
  const itemsize = dtypeBytes(stage.sink.dtype);
  // a persisted concatenation along axis 0 is the whole array of its slabs, as keptInput reads it
  const shape = bufferShape(stage, bytes, itemsize);
  if (shape.reduce((a, e) => a * e, 1) * itemsize !== bytes) {
    throw new Error(
      `the persisted array ${compute.slice(0, 8)}… does not have ${bytes} bytes` +
        (src.req!.stages.filter((st) => st.sink.buffer === buffer).length > 1 ? ' (a concatenation along an axis other than 0 is not read back from the workers yet: gather() it, or persist its parts)' : ''),
    );
  }
  return { compute, buffer, shape, itemsize };
}

/**
 * Give every leaf of `sub` (a task's sub-stage over iteration box `box` of `stage`) that reads
 * a persisted array a buffer the worker assembles from the stored pieces it overlaps, and every
 * leaf reading a `sliced` inline buffer just the span of it that the box reads.
 */
function attachInputs(
  host: StageHost,
  job: Job,
  stage: NativeStage,
  sub: NativeStage,
  box: { start: number[]; ext: number[] },
  buffers: TaskBuffer[],
  sliced: Set<number>,
  spans: SpanUse[],
): void {
  const seen = new Map<string, number>();
  // A matmul operand also walks the whole contracted axis (its last stride); a take's source is
  // read at rows its indices name, anywhere along the axis: the whole array.
  const reach = stage.kind === StageKind.Matmul ? { start: [...box.start, 0], ext: [...box.ext, stage.contract ?? 0] } : box;
  sub.leaves = sub.leaves.map((leaf, i) => {
    const orig = stage.leaves[i]!;
    if (orig.kind === 3 && sliced.has(orig.buffer)) {
      // cut later, once per task message: the union of its chunks' spans (cutSpans)
      const { lo, hi, offset } = leafSpan(orig, reach);
      const use = { leaf: { ...leaf }, buffer: orig.buffer, item: dtypeBytes(orig.dtype), lo, hi, offset };
      spans.push(use);
      return use.leaf;
    }
    const input = orig.kind === 3 ? job.remote.get(orig.buffer) : undefined;
    if (!input) return leaf;
    if (box.ext.some((e) => e === 0)) {
      buffers.push({ data: new Uint8Array(0) }); // an empty box reads nothing
      return { ...leaf, buffer: buffers.length - 1, offset: 0 };
    }
    const { region, offset, strides } =
      stage.kind === StageKind.Take && i === 0 ? wholeRegion(orig, box, input.shape) : leafRegion(orig, reach, input.shape);
    const key = `${orig.buffer}:${region.start.join(',')}:${region.ext.join(',')}`;
    let at = seen.get(key);
    if (at === undefined) {
      at = buffers.length;
      buffers.push(inputRegion(host, input, region));
      seen.set(key, at);
    }
    return { ...leaf, buffer: at, offset, strides };
  });
}

/** The whole array as the box a leaf reads, the leaf's offset moved to the iteration box's start. */
function wholeRegion(leaf: NativeLeaf, box: { start: number[] }, shape: readonly number[]): { region: { start: number[]; ext: number[] }; offset: number; strides: number[] } {
  return { region: { start: shape.map(() => 0), ext: [...shape] }, offset: leaf.offset + leaf.strides.reduce((o, st, k) => o + st * (box.start[k] ?? 0), 0), strides: [...leaf.strides] };
}

/**
 * One slice per inline buffer for a whole task message (tiny chunks are batched: each chunk's
 * own span would repeat the same bytes), or the whole buffer once the union covers most of it.
 */
function cutSpans(job: Job, spans: SpanUse[], buffers: TaskBuffer[]): void {
  const byBuffer = new Map<number, SpanUse[]>();
  for (const u of spans) byBuffer.set(u.buffer, [...(byBuffer.get(u.buffer) ?? []), u]);
  for (const [b, uses] of byBuffer) {
    const data = job.data[b]!;
    const item = uses[0]!.item;
    let lo = Math.min(...uses.map((u) => u.lo));
    let hi = Math.max(...uses.map((u) => u.hi));
    if ((hi - lo + 1) * item * 2 > data.byteLength) (lo = 0), (hi = data.byteLength / item - 1);
    const at = buffers.length;
    buffers.push({ data: data.subarray(lo * item, (hi + 1) * item) });
    for (const u of uses) {
      u.leaf.buffer = at;
      u.leaf.offset = u.lo + u.offset - lo;
    }
  }
}
