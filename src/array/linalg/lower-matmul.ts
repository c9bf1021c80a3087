// Lowering a contraction (MatmulNode) to one native matmul stage (native/engine/matmul.h).
// Operands that are memory (fromArray, persist, fromDelayed), possibly transposed, are read in
// place with their strides: the GEMM's packing handles any layout. Anything else (a lazy
// expression, a broadcast scalar, a layout whose free or contracted axes do not merge into one
// stride, a float32 operand of a float64 product) is first computed by an ordinary fused kernel
// stage into a contiguous scratch buffer in the order the GEMM wants.
import { LeafKind, NativeDType, OpCode, ReduceCode, StageKind, type NativeLeaf } from '../../plan/types.js';
import { contiguousStrides, itemsize, size, type ContractionAxes, type DType, type MatmulNode, type MemoryRef, type Node, type ReduceNode } from '../node.js';
import { run, type Val } from '../emit.js';
import { permutedAccess, stageChunks, type Lowering } from '../lower.js';
import { native } from '../../native.js';
// (used at call time only: ndarray.ts → lower.ts → this module is a cycle)
import { NDArray } from '../ndarray.js';
import { matmul } from './products.js';

const nativeDType = (d: DType): NativeDType => (d === 'float64' ? NativeDType.F64 : NativeDType.F32);

export interface MaterializedMatmul {
  memory: ArrayBuffer | MemoryRef;
  buffer: number;
  dtype: DType;
  shape: readonly number[];
}

const done = new WeakMap<Lowering, Map<number, MaterializedMatmul>>();

/**
 * Tasks a matmul stage is cut into at least (output chunks split in halves): 4 per pool thread,
 * so every thread stays busy with large tiles. Any cut gives the same bits (the GEMM's per-element
 * order does not depend on the tile), so depending on the thread count here is safe.
 */
const minTasks = (): number => 4 * native().getNumThreads();
const MIN_TILE = 192;
/** Contraction blocks of a small product (splitContraction): at most MAX_KSPLIT, each >= KSPLIT_MIN long. */
const MAX_KSPLIT = 16;
const KSPLIT_MIN = 16384;
/** A lazy operand larger than this is computed one chunk panel at a time (panelProducts). */
const PANEL_MIN_BYTES = 1 << 25;
/** A chunk panel over this is cut further (panelRows); at most, b is recomputed once per panel of a. */
const PANEL_MAX_BYTES = 1 << 27;
const PANEL_MIN_ROWS = 256;

/** Adds the stage computing `node` into `memory` (a fresh buffer when omitted); once per node and lowering. */
export function materializeMatmul(owner: Lowering, node: MatmulNode, memory?: MemoryRef): MaterializedMatmul {
  let cache = done.get(owner);
  if (!cache) done.set(owner, (cache = new Map()));
  const known = cache.get(node.id);
  if (known && !memory) return known;
  const out = memory ?? new ArrayBuffer(Math.max(size(node.shape), 1) * itemsize(node.dtype));
  const outBuffer = owner.buffer(out);
  const nb = node.aAxes.batch.length;
  const fa = node.aAxes.free.map((ax) => node.a.shape[ax]!);
  const fb = node.bAxes.free.map((ax) => node.b.shape[ax]!);
  const M = fa.reduce((x, y) => x * y, 1);
  const N = fb.reduce((x, y) => x * y, 1);
  const K = node.aAxes.k.reduce((x, ax) => x * node.a.shape[ax]!, 1);
  const batchShape = node.shape.slice(0, nb);
  const shape = [...batchShape, M, N];

  // output: contiguous over node.shape = [batch..., free a..., free b...]
  const os = contiguousStrides(node.shape);
  const mAxesOut = fa.map((_, i) => nb + i);
  const nAxesOut = fb.map((_, i) => nb + fa.length + i);
  const sinkStrides = [...os.slice(0, nb), merged(mAxesOut, os, node.shape)!, merged(nAxesOut, os, node.shape)!];

  // Whether the contraction is split (and so the order of its sums) follows from the shape alone:
  // the tasks an unchunked output would be refined into, not the chunks asked for (a Gram matrix
  // of chunks [[1, 1], [1, 1]] was 4 tasks, unsplit, and differed in the last bits from [[2], [2]]),
  // and panels split it too
  const nk = Math.min(MAX_KSPLIT, Math.floor(K / KSPLIT_MIN));
  const unchunked = [[M], [N]];
  if (nb === 0) refine(unchunked, [M, N], 4);
  const splitK = nb === 0 && unchunked[0]!.length * unchunked[1]!.length < 4 && nk >= 2 && M * N > 0;

  if (nb === 0 && fa.length === 1 && fb.length === 1 && K > 0 && M * N > 0) {
    const bytes = itemsize(node.dtype) * K;
    // whatever the chunking: a lazy operand of one chunk is cut into panels too (panelRows)
    const panelA = !readsInPlace(node.a, node.aAxes, node.dtype) && M * bytes > PANEL_MIN_BYTES && panelRows(node.chunks[0]!, bytes).length > 1;
    const panelB = !readsInPlace(node.b, node.bAxes, node.dtype) && N * bytes > PANEL_MIN_BYTES && panelRows(node.chunks[1]!, bytes).length > 1;
    // (a chunk panel is the unit: a chunk over PANEL_MAX_BYTES, e.g. a one-chunk operand, is cut further)
    // (not on a cluster: the panels reuse one scratch buffer stage after stage, and there a
    // buffer's pieces stay on the workers; the workers hold the operands instead)
    if ((panelA || panelB) && !owner.distributed) {
      panelProducts(owner, node, { panelA, panelB, M, N, K, outBuffer, sinkStrides, nk: splitK ? nk : 0 });
      const m: MaterializedMatmul = { memory: out, buffer: outBuffer, dtype: node.dtype, shape: node.shape };
      if (!memory) cache.set(node.id, m);
      return m;
    }
  }

  const A = operandLeaf(owner, node.a, node.aAxes, node.dtype, 'a');
  const B = operandLeaf(owner, node.b, node.bAxes, node.dtype, 'b');

  // zero-size chunks (Dask's `chunks: [[3, 0, 2]]`) hold no element: the stage drops them, as
  // every stage does (the engine accepts a 0 only on a zero-length axis)
  const chunks: number[][] = stageChunks(shape, [
    ...node.chunks.slice(0, nb),
    fa.length === 1 ? node.chunks[nb]! : [M],
    fb.length === 1 ? node.chunks[nb + fa.length]! : [N],
  ]);
  refine(chunks, shape);

  if (splitK) {
    splitContraction(owner, node, { A, B, M, N, K, nk, chunks, outBuffer, sinkStrides });
  } else owner.addStage(
    {
      kind: StageKind.Matmul,
      contract: K,
      shape,
      chunks,
      leaves: [A, B],
      program: new Int32Array(0),
      imms: new Float64Array(0),
      nregs: 1,
      result: 0,
      sink: { reduce: ReduceCode.None, dtype: nativeDType(node.dtype), buffer: outBuffer, offset: 0, strides: sinkStrides, reduceAxes: shape.map(() => 0), ddof: 0 },
    },
    node.op,
  );
  const m: MaterializedMatmul = { memory: out, buffer: outBuffer, dtype: node.dtype, shape: node.shape };
  if (!memory) cache.set(node.id, m);
  return m;
}

/**
 * A small output over a long contraction (the Gram matrix x.T @ x of a tall x) has too few
 * output chunks to keep the pool busy: the contracted axis is cut into nk blocks (nk from the
 * shape alone, never from the thread count), each block's product goes to its own scratch slot
 * (one matmul stage, the block index as a batch axis, plus one for a shorter last block), and a
 * sum stage adds the slots in the engine's fixed pairwise order. Deterministic, as the plan is.
 */
function splitContraction(
  owner: Lowering,
  node: MatmulNode,
  g: { A: NativeLeaf; B: NativeLeaf; M: number; N: number; K: number; nk: number; chunks: number[][]; outBuffer: number; sinkStrides: number[]; sinkOffset?: number },
): void {
  const { A, B, M, N, K, nk } = g;
  const kb = Math.ceil(K / nk);
  const full = Math.floor(K / kb);
  const rem = K - full * kb;
  const slots = full + (rem > 0 ? 1 : 0);
  const dt = nativeDType(node.dtype);
  const scratch = owner.scratchBuffer(slots * M * N * itemsize(node.dtype));
  const [sam, , sak] = A.strides.slice(-3) as [number, number, number];
  const [, sbn, sbk] = B.strides.slice(-3) as [number, number, number];
  const stage = (count: number, contract: number, kOffset: number, slot: number): void => {
    owner.addStage(
      {
        kind: StageKind.Matmul,
        contract,
        shape: [count, M, N],
        chunks: [new Array<number>(count).fill(1), g.chunks[0]!, g.chunks[1]!],
        leaves: [
          { ...A, offset: A.offset + kOffset * sak, strides: [kb * sak, sam, 0, sak] },
          { ...B, offset: B.offset + kOffset * sbk, strides: [kb * sbk, 0, sbn, sbk] },
        ],
        program: new Int32Array(0),
        imms: new Float64Array(0),
        nregs: 1,
        result: 0,
        sink: { reduce: ReduceCode.None, dtype: dt, buffer: scratch, offset: slot * M * N, strides: [M * N, N, 1], reduceAxes: [0, 0, 0], ddof: 0 },
      },
      node.op,
    );
  };
  stage(full, kb, 0, 0);
  if (rem > 0) stage(1, rem, full * kb, full);
  owner.addStage(
    {
      shape: [slots, M, N],
      chunks: [[slots], [M], [N]],
      leaves: [{ kind: LeafKind.Memory, dtype: dt, offset: 0, strides: [M * N, N, 1], a: 0, b: 0, seed: 0, buffer: scratch }],
      program: Int32Array.from([OpCode.Load, 0, 0, 0]),
      imms: new Float64Array(0),
      nregs: 1,
      result: 0,
      sink: { reduce: ReduceCode.Sum, dtype: dt, buffer: g.outBuffer, offset: g.sinkOffset ?? 0, strides: [0, ...g.sinkStrides], reduceAxes: [1, 0, 0], ddof: 0 },
    },
    `sum-${node.op}`,
  );
}

/** True when the operand is memory of the product's dtype whose free and contracted axes each merge into one stride. */
function readsInPlace(node: Node, axes: ContractionAxes, dtype: DType): boolean {
  const mem = inPlace(node);
  return !!mem && mem.dtype === dtype && merged(axes.free, mem.strides, node.shape) !== null && merged(axes.k, mem.strides, node.shape) !== null;
}

/**
 * A 2-d product with a large lazy operand, computed panel by panel so that only one chunk-row
 * panel of a (and one chunk-column panel of b) exists at a time: for each row panel i of a,
 * a kernel stage computes it into one reused scratch buffer, then for each column panel j (b's,
 * recomputed per i when b is lazy) a matmul stage writes output block (i, j). Stages run in
 * order, so reusing the buffers is safe; the bits are those of the one-stage product (the GEMM's
 * per-element order does not depend on the tile).
 */
function panelProducts(
  owner: Lowering,
  node: MatmulNode,
  g: { panelA: boolean; panelB: boolean; M: number; N: number; K: number; outBuffer: number; sinkStrides: number[]; nk: number },
): void {
  const isz = itemsize(node.dtype);
  const mCh = g.panelA ? panelRows(node.chunks[0]!, g.K * isz) : [g.M];
  const nCh = g.panelB ? panelRows(node.chunks[1]!, g.K * isz) : [g.N];
  const A = g.panelA ? null : operandLeaf(owner, node.a, node.aAxes, node.dtype, 'a');
  const B = g.panelB ? null : operandLeaf(owner, node.b, node.bAxes, node.dtype, 'b');
  const SA = g.panelA ? owner.scratchBuffer(Math.max(...mCh) * g.K * isz) : -1;
  const SB = g.panelB ? owner.scratchBuffer(Math.max(...nCh) * g.K * isz) : -1;
  let mlo = 0;
  for (const mi of mCh) {
    const Ai = A ? { ...A, offset: A.offset + mlo * A.strides[0]! } : operandLeaf(owner, node.a, node.aAxes, node.dtype, 'a', { lo: mlo, len: mi, buffer: SA });
    let nlo = 0;
    for (const nj of nCh) {
      const Bj = B ? { ...B, offset: B.offset + nlo * B.strides[1]! } : operandLeaf(owner, node.b, node.bAxes, node.dtype, 'b', { lo: nlo, len: nj, buffer: SB });
      const shape = [mi, nj];
      const chunks = [[mi], [nj]];
      refine(chunks, shape);
      if (g.nk >= 2) {
        // the contraction split as the one-stage product splits it (the same blocks and sums)
        const sinkOffset = mlo * g.sinkStrides[0]! + nlo * g.sinkStrides[1]!;
        splitContraction(owner, node, { A: Ai, B: Bj, M: mi, N: nj, K: g.K, nk: g.nk, chunks, outBuffer: g.outBuffer, sinkStrides: g.sinkStrides, sinkOffset });
        nlo += nj;
        continue;
      }
      owner.addStage(
        {
          kind: StageKind.Matmul,
          contract: g.K,
          shape,
          chunks,
          leaves: [Ai, Bj],
          program: new Int32Array(0),
          imms: new Float64Array(0),
          nregs: 1,
          result: 0,
          sink: {
            reduce: ReduceCode.None, dtype: nativeDType(node.dtype), buffer: g.outBuffer,
            offset: mlo * g.sinkStrides[0]! + nlo * g.sinkStrides[1]!, strides: g.sinkStrides, reduceAxes: [0, 0], ddof: 0,
          },
        },
        node.op,
      );
      nlo += nj;
    }
    mlo += mi;
  }
}

/**
 * The panels a lazy operand is computed in: its chunks along the free axis, each cut further so
 * that a panel holds at most PANEL_MAX_BYTES (`rowBytes` per row), but never below PANEL_MIN_ROWS
 * rows: b is recomputed and repacked per panel of a, which thin panels would make dominate.
 */
function panelRows(chunks: readonly number[], rowBytes: number): number[] {
  const most = Math.max(PANEL_MIN_ROWS, Math.floor(PANEL_MAX_BYTES / rowBytes));
  return chunks.flatMap((c) => {
    if (c === 0) return []; // a zero-size chunk is no panel
    if (c <= most) return [c];
    const parts = Math.ceil(c / most);
    const base = Math.floor(c / parts);
    return Array.from({ length: parts }, (_, i) => base + (i < c % parts ? 1 : 0));
  });
}

/** One stride for `axes` taken together (row-major), or null when they do not merge; 0 for no axis of length > 1. */
function merged(axes: readonly number[], strides: readonly number[], shape: readonly number[]): number | null {
  const live = axes.filter((ax) => shape[ax]! > 1);
  if (live.length === 0) return 0;
  for (let i = 0; i + 1 < live.length; i++) {
    if (strides[live[i]!] !== strides[live[i + 1]!]! * shape[live[i + 1]!]!) return null;
  }
  return strides[live[live.length - 1]!]!;
}

/** Memory the operand reads in place: its buffer, offset and per-axis strides (through transposes and rechunks). */
function inPlace(node: Node): { memory: MemoryRef; offset: number; strides: number[]; dtype: DType } | null {
  let perm = node.shape.map((_, i) => i);
  let n = node;
  for (;;) {
    if (n.kind === 'transpose') {
      const axes = n.axes;
      perm = perm.map((p) => axes[p]!);
      n = n.arg;
    } else if (n.kind === 'rechunk') n = n.arg;
    else break;
  }
  if (n.kind === 'memory') {
    if (n.state.disposed) return null; // the kernel path raises the disposed error
    const base = n;
    return { memory: base.memory, offset: base.offset, strides: perm.map((p) => base.strides[p]!), dtype: base.dtype };
  }
  if (n.kind === 'delayed' && n.state.data) {
    const cs = contiguousStrides(n.shape);
    return { memory: n.state.data, offset: 0, strides: perm.map((p) => cs[p]!), dtype: n.dtype };
  }
  return null;
}

/** A panel of an operand: rows lo..lo+len of its (single) free axis, computed into `buffer`. */
interface Panel { lo: number; len: number; buffer: number }

function operandLeaf(owner: Lowering, node: Node, axes: ContractionAxes, dtype: DType, which: 'a' | 'b', panel?: Panel): NativeLeaf {
  const leafFor = (buffer: number, offset: number, strides: readonly number[]): NativeLeaf | null => {
    const free = merged(axes.free, strides, node.shape);
    const k = merged(axes.k, strides, node.shape);
    if (free === null || k === null) return null;
    const batch = axes.batch.map((list) => list.reduce((s, ax) => s + strides[ax]!, 0));
    const mn = which === 'a' ? [free, 0] : [0, free];
    return { kind: LeafKind.Memory, dtype: nativeDType(dtype), offset, strides: [...batch, ...mn, k], a: 0, b: 0, seed: 0, buffer };
  };
  const mem = panel ? null : inPlace(node);
  if (mem && mem.dtype === dtype) {
    const leaf = leafFor(owner.buffer(mem.memory), mem.offset, mem.strides);
    if (leaf) return leaf;
  }
  // Compute the operand into scratch, axes ordered [batch..., free..., k..., the rest (length 1)].
  const order: number[] = [];
  for (const ax of [...axes.batch.flat(), ...axes.free, ...axes.k, ...node.shape.map((_, i) => i)]) if (!order.includes(ax)) order.push(ax);
  const freeAt = panel ? order.indexOf(axes.free[0]!) : -1;
  const shape = order.map((ax, i) => (i === freeAt ? panel!.len : node.shape[ax]!));
  const cs = contiguousStrides(shape);
  const buffer = panel ? panel.buffer : owner.scratchBuffer(Math.max(size(shape), 1) * itemsize(dtype));
  const builder = owner.builder(
    shape,
    order.map((ax, i) => (i === freeAt ? [panel!.len] : [...node.chunks[ax]!])),
    shape.map((_, i) => (i === freeAt ? panel!.lo : 0)),
  );
  const value = run(builder.expr(node, permutedAccess(order))) as Val;
  builder.finish(value, { reduce: ReduceCode.None, dtype: nativeDType(dtype), buffer, offset: 0, strides: cs, reduceAxes: shape.map(() => 0), ddof: 0 }, `${which}-operand`);
  const strides = new Array<number>(node.shape.length).fill(0);
  order.forEach((ax, i) => (strides[ax] = cs[i]!));
  return leafFor(buffer, 0, strides)!;
}

/** Halve the largest M or N chunks until the stage has `target` tasks (default 4 per thread) or tiles get small. */
function refine(chunks: number[][], shape: readonly number[], target = minTasks()): void {
  if (shape.some((s) => s === 0)) return;
  const nd = shape.length;
  const tasks = (): number => chunks.reduce((t, c) => t * c.length, 1);
  while (tasks() < target) {
    const big = [nd - 2, nd - 1].map((ax) => Math.max(...chunks[ax]!));
    const ax = big[0]! >= big[1]! ? nd - 2 : nd - 1;
    if (Math.max(...chunks[ax]!) < 2 * MIN_TILE) break;
    chunks[ax] = chunks[ax]!.flatMap((c) => (c >= 2 * MIN_TILE ? [Math.ceil(c / 2), Math.floor(c / 2)] : [c]));
  }
}
