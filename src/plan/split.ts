// Cutting a stage of a lowered plan into tasks: one sub-stage per chunk (or the whole stage), with
// the same bits as the local engine's run of that chunk. Pure plan geometry, used by the
// distributed scheduler (src/distributed/stage-tasks.ts); no I/O.
import { ReduceCode, StageKind, type NativeLeaf, type NativeStage } from './types.js';
import { DTYPES, LeafKind, NativeDType } from './ops.generated.js';

export function chunkCount(stage: NativeStage): number {
  return stage.chunks.reduce((n, c) => n * c.length, 1);
}

export function chunkBox(stage: NativeStage, task: number): { start: number[]; ext: number[] } {
  const nd = stage.shape.length;
  const start = new Array<number>(nd);
  const ext = new Array<number>(nd);
  let rem = task;
  for (let k = nd - 1; k >= 0; k--) {
    const c = stage.chunks[k]!;
    const ci = rem % c.length;
    rem = Math.floor(rem / c.length);
    let s = 0;
    for (let i = 0; i < ci; i++) s += c[i]!;
    start[k] = s;
    ext[k] = c[ci]!;
  }
  return { start, ext };
}

/** A reduced axis of the stage's sink (an empty reduceAxes reduces none). */
export const isReduced = (stage: NativeStage, k: number): boolean => stage.sink.reduceAxes[k] === 1;

/** Doubles per output element of a partial: (count, mean, M2, meanLo) for var/std, else one. */
export function partialPlanes(reduce: number): number {
  if (reduce === ReduceCode.Prod || reduce === ReduceCode.NanProd) return 2; // mantissa, exponent
  return reduce === ReduceCode.Var || reduce === ReduceCode.Std ? 4 : 1;
}

/**
 * Reductions whose per-chunk partial fits the plan's partial planes (sink.partials). The others
 * (nanmean/nanvar/nanstd/nanmin/nanmax/ptp carry a count or a second value; argmin/argmax an
 * index relative to the box) run whole.
 */
/** Bytes of one element of a dtype code (ops.json). */
export const dtypeBytes = (code: number): number => DTYPES.find((d) => d.code === code)!.size;
const isFloatCode = (code: number): boolean => code === NativeDType.F64 || code === NativeDType.F32;

export function hasChunkPartials(reduce: number): boolean {
  return !(
    [ReduceCode.NanMean, ReduceCode.NanVar, ReduceCode.NanStd, ReduceCode.NanMin, ReduceCode.NanMax, ReduceCode.Ptp, ReduceCode.ArgMin, ReduceCode.ArgMax, ReduceCode.NanArgMin, ReduceCode.NanArgMax] as number[]
  ).includes(reduce);
}

/** Most bytes of reduction partials the scheduler holds for one stage before it runs it whole. */
export const MAX_SCHEDULER_PARTIAL_BYTES = 256 * 2 ** 20;

/**
 * How a stage is run on the cluster:
 *  - 'chunks': one task per chunk. Stores keep their chunk on the worker; every reduction (full,
 *    over some axes, var/std) returns its chunk's raw float64 partials (`sink.partials`), which the
 *    scheduler combines in the engine's tree order (`combineChunkPartials`);
 *  - 'whole': one task runs the whole stage: a stage of one chunk, empty chunks or an empty
 *    reduction, or a reduction whose partials (kept outputs × chunks along the reduced axes ×
 *    planes × 8 bytes) would exceed MAX_SCHEDULER_PARTIAL_BYTES. Still bit-identical.
 */
/**
 * splitMode of stage `s` of a plan whose output buffers are `outputs`. A concatenation that later
 * stages read is one buffer written by one stage per source, each its slab: those stages run
 * whole, so every slab comes back whole to the scheduler, which merges them (state.ts copySlab)
 * — chunk pieces kept on the workers next to inline slabs would leave the later reader half of
 * them, and an axis other than 0 is no box of pieces.
 */
export function planSplitMode(stages: readonly NativeStage[], outputs: readonly number[], s: number): 'chunks' | 'whole' {
  const stage = stages[s]!;
  const b = stage.sink.buffer;
  if (stage.sink.reduce === ReduceCode.None && !outputs.includes(b) && stages.some((st, k) => k !== s && st.sink.buffer === b)) return 'whole';
  return splitMode(stage);
}

export function splitMode(stage: NativeStage): 'chunks' | 'whole' {
  // a mask's compaction writes each chunk at an offset of the whole result (imms per chunk index);
  // a take's chunk reads source rows anywhere (the indices say which): both run whole. A mask's
  // counts are one number per chunk: chunk tasks return them (isChunkCount).
  if ((stage.kind === StageKind.Compress && !isChunkCount(stage)) || stage.kind === StageKind.Take) return 'whole';
  const n = chunkCount(stage);
  if (n <= 1) return 'whole';
  if (isChunkCount(stage)) return 'chunks';
  if (stage.chunks.some((c) => c.some((e) => e === 0))) return 'whole';
  if (stage.sink.reduce === ReduceCode.None) return 'chunks';
  if (!hasChunkPartials(stage.sink.reduce)) return 'whole';
  // integer reductions (bool/integer values: exact 64-bit partials) are not written as partials yet
  if (!isFloatCode(stage.sink.dtype) || stage.leaves.some((l) => !isFloatCode(l.dtype))) return 'whole';
  let kept = 1;
  let nRed = 1;
  let count = 1;
  for (let k = 0; k < stage.shape.length; k++) {
    if (isReduced(stage, k)) {
      nRed *= stage.chunks[k]!.length;
      count *= stage.shape[k]!;
    } else kept *= stage.shape[k]!;
  }
  if (count === 0 || kept === 0) return 'whole';
  if (kept * nRed * partialPlanes(stage.sink.reduce) * 8 > MAX_SCHEDULER_PARTIAL_BYTES) return 'whole';
  return 'chunks';
}

/** A mask's count stage (Compress phase 0): one float64 count per chunk, returned by its task. */
export const isChunkCount = (stage: NativeStage): boolean => stage.kind === StageKind.Compress && stage.imms[0] === 0;

/** Bytes of the buffer a chunk's sub-stage writes: the chunk (stores), its partials (reductions) or its count. */
export function chunkOutBytes(stage: NativeStage, task: number): number {
  if (isChunkCount(stage)) return 8;
  const { ext } = chunkBox(stage, task);
  if (stage.sink.reduce === ReduceCode.None) return ext.reduce((a, e) => a * e, 1) * dtypeBytes(stage.sink.dtype);
  const kept = ext.reduce((a, e, k) => (isReduced(stage, k) ? a : a * e), 1);
  return kept * partialPlanes(stage.sink.reduce) * 8;
}

/**
 * The sub-stage computing chunk `task` of `stage` alone: shape = the chunk box, every leaf offset
 * shifted to the box's start (what lowering does for regions). Its sink writes buffer `outBuffer`:
 * contiguously for stores; for reductions the chunk's raw float64 partials (`partials: true`: the
 * value; Mean's raw sum; var/std's count, mean, M2, meanLo planes), row-major over the box's kept axes,
 * same reduce, reduceAxes and ddof. The engine iterates a one-chunk sub-stage exactly as the full
 * stage iterates that chunk (the tile rule is per task box), so the partials have its bits; the
 * scheduler finalizes (and rounds to float32) only after the combine, as locally.
 */
export function chunkStage(stage: NativeStage, task: number, outBuffer: number, leafBuffers: Map<number, number>): NativeStage {
  const { start, ext } = chunkBox(stage, task);
  // (a matmul operand's last stride is the contracted axis': every chunk reads all of it)
  const shift = (offset: number, strides: readonly number[]): number => offset + strides.reduce((s, st, k) => s + st * (start[k] ?? 0), 0);
  const leaves = stage.leaves.map((l) => ({
    ...l,
    offset: shift(l.offset, l.strides),
    buffer: l.buffer >= 0 ? leafBuffers.get(l.buffer)! : -1,
  }));
  const nd = ext.length;
  const contiguous: number[] = new Array(nd);
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    contiguous[k] = acc;
    acc *= ext[k]!;
  }
  const reduce = stage.sink.reduce;
  let sink: NativeStage['sink'];
  if (reduce === ReduceCode.None) {
    sink = { ...stage.sink, buffer: outBuffer, offset: 0, strides: contiguous, reduceAxes: ext.map(() => 0) };
  } else {
    const strides: number[] = new Array(nd);
    let kept = 1;
    for (let k = nd - 1; k >= 0; k--) {
      if (isReduced(stage, k)) strides[k] = 0;
      else {
        strides[k] = kept;
        kept *= ext[k]!;
      }
    }
    sink = { ...stage.sink, dtype: 0, buffer: outBuffer, offset: 0, strides, partials: true };
  }
  return { ...stage, shape: ext, chunks: ext.map((e) => [e]), leaves, sink };
}

/** The whole stage with its buffers renumbered for a sub-plan. */
export function wholeStage(stage: NativeStage, outBuffer: number, leafBuffers: Map<number, number>): NativeStage {
  return {
    ...stage,
    leaves: stage.leaves.map((l) => ({ ...l, buffer: l.buffer >= 0 ? leafBuffers.get(l.buffer)! : -1 })),
    sink: { ...stage.sink, buffer: outBuffer },
  };
}

/** Tiny chunks are batched: one task runs up to this many chunks... */
export const MAX_CHUNKS_PER_TASK = 256;
/** ...until the batch holds this many elements, so per-message costs are paid once. */
export const MIN_ELEMENTS_PER_TASK = 65536;

/** The stage's chunks (row-major indices) grouped into tasks, in order. */
export function chunkBatches(stage: NativeStage): number[][] {
  const n = chunkCount(stage);
  const batches: number[][] = [];
  let c = 0;
  while (c < n) {
    const chunks: number[] = [];
    let elements = 0;
    do {
      elements += chunkBox(stage, c).ext.reduce((a, e) => a * e, 1);
      chunks.push(c);
      c++;
    } while (c < n && elements < MIN_ELEMENTS_PER_TASK && chunks.length < MAX_CHUNKS_PER_TASK);
    batches.push(chunks);
  }
  return batches;
}

// ---- concat leaves (native/engine/concat_leaf.h): per part of one stage axis, a plain leaf

/** A concat leaf's parts: the range [lo, hi) of its axis each reads, and the plain leaf it reads there. */
export interface ConcatPart {
  lo: number;
  hi: number;
  leaf: NativeLeaf;
}

const PART_HEAD = 9; // lo, hi, kind, dtype, offset, a, b, seed, buffer

/** The parts of a concat leaf of a stage with nd axes, from its float64 table. */
export function concatParts(table: Float64Array, nd: number): ConcatPart[] {
  const parts: ConcatPart[] = [];
  for (let p = 0, at = 1; p < table[0]!; p++, at += PART_HEAD + nd) {
    const r = table.subarray(at, at + PART_HEAD + nd);
    const leaf: NativeLeaf = { kind: r[2]! as NativeLeaf['kind'], dtype: r[3]! as NativeLeaf['dtype'], offset: r[4]!, a: r[5]!, b: r[6]!, seed: r[7]!, buffer: r[8]!, strides: Array.from(r.subarray(PART_HEAD)) };
    parts.push({ lo: r[0]!, hi: r[1]!, leaf });
  }
  return parts;
}

/** The float64 table of a concat leaf over these parts (the inverse of concatParts). */
export function concatTable(parts: readonly ConcatPart[], nd: number): Float64Array {
  const table = new Float64Array(1 + parts.length * (PART_HEAD + nd));
  table[0] = parts.length;
  parts.forEach((p, i) => {
    const l = p.leaf;
    table.set([p.lo, p.hi, l.kind, l.dtype, l.offset, l.a, l.b, l.seed, l.buffer, ...l.strides], 1 + i * (PART_HEAD + nd));
  });
  return table;
}

/**
 * The stage with every concat leaf replaced by the part holding iteration coordinate `start`
 * along its axis: what a one-chunk sub-stage reads (every chunk lies in one part), a pure
 * re-indexing of the concatenation's sources. `table(b)` is the float64 table in buffer b.
 */
export function resolveConcatLeaves(stage: NativeStage, table: (b: number) => Float64Array, start: readonly number[]): NativeStage {
  if (!stage.leaves.some((l) => l.kind === LeafKind.Concat)) return stage;
  const nd = stage.shape.length;
  const leaves = stage.leaves.map((l) => {
    if (l.kind !== LeafKind.Concat) return l;
    const c = start[l.a]!;
    return concatParts(table(l.b), nd).find((p) => c >= p.lo && c < p.hi)!.leaf;
  });
  return { ...stage, leaves };
}
