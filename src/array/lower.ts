// Lowering: expression nodes → one native plan (native/engine/plan.h).
//
// Every elementwise op, transpose and rechunk is fused into the stage that consumes it; every
// reduction is fused with the expression that produces its input. A stage ends only where a value
// must exist in memory: a reduction's result that later work reads, or the compute's output.
// Leaves are addressed by affine maps from the stage's iteration coordinates (transpose =
// permuted strides, broadcast = zero stride), so chunk grids of different inputs never have to
// be unified: x.add(x.T) with [1000, 10] chunks keeps x's 100 chunks (Dask: 10 000).
// The walks are iterative (steps on an explicit stack, ./emit.ts), and a kernel over the engine's
// limits is split into stages through scratch memory, so expression size is bounded by memory only.
import {
  ImmKind,
  LeafKind,
  NativeDType,
  ReduceCode,
  native,
  type NativeBufferArg,
  type NativeLeaf,
  type NativePlan,
  type NativeStage,
} from '../native.js';
import {
  children,
  contiguousStrides,
  isRemoteMemory,
  isScalar,
  itemsize,
  opCode,
  reduceCode,
  size,
  type DType,
  type MemoryRef,
  type Node,
  type QuantileNode,
  type RemoteMemory,
  type ReduceNode,
  type Scalar,
  type ScanNode,
  type ConcatNode,
  type ReshapeNode,
  type MaskNode,
  type TakeNode,
} from './node.js';
import type { AffineView } from './indexing/view.js';
import { materializeLimit } from '../settings.js';
import { DTYPES as NATIVE_DTYPES } from '../plan/ops.generated.js';
import { isFloat, kind } from './dtype.js';
import { chunkBounds } from './chunks.js';
import { concatFuses } from './taskgraph.js';
const isSigned = (d: DType): boolean => kind(d) === 'i';

/** Reductions the engine runs in 64-bit integers for integer data (native/engine/typing.h intReduction). */
const INT_EXACT = new Set<string>(['sum', 'prod', 'min', 'max', 'nansum', 'nanprod', 'nanmin', 'nanmax', 'ptp']);
import { resolveLoop } from './loops.js';
import { emitProgram, overLimit, run, splitProgram, type Program, type Step, type Val } from './emit.js';
import { lowerQuantile, lowerScan } from './reductions/scan.js';
import { compressSource, lowerMask, lowerTake, takeSource, type CompressSource, type TakeSource } from './indexing/gather.js';
import { materializeMatmul } from './linalg/lower-matmul.js';

const NATIVE_CODES = new Map<string, NativeDType>(NATIVE_DTYPES.map((d) => [d.name, d.code as NativeDType]));
export const nativeDType = (d: DType): NativeDType => NATIVE_CODES.get(d)!;

/**
 * `v` as dtype `d`: an explicit Cast instruction (typed registers), or the immediate itself (the
 * engine converts an immediate to its instruction's dtype; a float32 one is rounded here first).
 */
const CAST = opCode('cast');
const ALL_NAN_INDEX = -(2n ** 63n);
function castVal(v: Val, d: DType): Val {
  if (v.dtype === d) return v;
  if (v.kind === 'imm') return { kind: 'imm', value: immAs(v.value, d), dtype: d };
  return { kind: 'op', code: opCode('cast'), args: [v], b: nativeDType(d), dtype: d };
}

/**
 * A scalar as an immediate of dtype d. Floats: the value rounded to d (a bigint through float64,
 * as NumPy converts a Python int). bool: x != 0. Integers: exact (weak scalars are checked when
 * built); a bigint stays one only where a double cannot carry it to the engine bit-exactly — an
 * int64/uint64 value beyond ±2^53, or a uint64 value of 2^63 or more — and becomes an exact
 * integer immediate of the plan (native/engine/plan.h immKinds). A JS number integer beyond 2^53
 * is the integer it spells (it is a double already).
 */
function immAs(x: number | bigint, d: DType): number | bigint {
  if (d === 'float32') return Math.fround(Number(x));
  if (d === 'float64') return Number(x);
  if (d === 'bool') return typeof x === 'bigint' ? (x !== 0n ? 1 : 0) : x !== 0 ? 1 : 0;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return x;  // a cast of a constant NaN/Infinity: the engine's astype rule
    x = Math.trunc(x);
    if (!(d === 'uint64' && x >= 2 ** 63 && x < 2 ** 64)) return x;
    x = BigInt(x);
  }
  if (d === 'int64' || d === 'uint64') {
    const safe = x >= -MAX_SAFE && x <= MAX_SAFE;
    return safe ? Number(x) : d === 'uint64' ? BigInt.asUintN(64, x) : BigInt.asIntN(64, x);
  }
  // narrower integers: a weak scalar is in range (checked); a cast of a wider constant wraps, as astype
  return Number(isSigned(d) ? BigInt.asIntN(itemsize(d) * 8, x) : BigInt.asUintN(itemsize(d) * 8, x));
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A zeroed ArrayBuffer the engine is about to write in full (a compute's result, a materialized
 * concatenation or gather, scratch), with transparent huge pages asked for when it is large:
 * Node's allocator maps large buffers fresh and untouched, and their first writes otherwise fault
 * in and zero 4 KiB pages one at a time, which cost `astype` and `take` more than their work
 * (issues 14, 15). As NumPy's large arrays. A plain ArrayBuffer, so it stays detachable and
 * transferable (a native-backed one would not be).
 */
export function resultMemory(bytes: number): ArrayBuffer {
  const b = new ArrayBuffer(bytes);
  if (bytes >= HUGE_PAGE_MIN) native().adviseHugePages(b);
  return b;
}
const HUGE_PAGE_MIN = 4 << 20;

/** What a root of a compute should become. */
export interface RootRequest {
  node: Node;
  /** 'result': a fresh ArrayBuffer; 'persist': a native buffer made by `allocate`. */
  target: 'result' | 'persist';
  /** Only this box of the root (lo inclusive, hi exclusive per axis). */
  region?: { lo: readonly number[]; hi: readonly number[] };
  /**
   * With `region` and target 'result': write the box into this buffer (exactly its bytes, every
   * byte overwritten) instead of a fresh one — a streamed write recycles its chunk buffers.
   */
  into?: ArrayBuffer;
}

export interface LoweredOutput {
  memory: MemoryRef;
  shape: number[];
  dtype: DType;
}

export interface Lowered {
  plan: NativePlan;
  buffers: NativeBufferArg[];
  outputs: LoweredOutput[];
  /** A readable name per stage, e.g. "sum-exp-random_sample". */
  stageNames: string[];
  /** Buffers that are a cluster's persisted arrays (placeholders in `buffers`); see `remote` below. */
  remote: Map<number, RemoteMemory>;
  /** After the run: NumPy's errors that depend on the data (nanargmin/nanargmax of an all-NaN slice). */
  verify?: () => void;
}

export interface Materialized {
  buffer: number;
  dtype: DType;
  shape: readonly number[];
}

export class Lowering {
  private readonly buffers: NativeBufferArg[] = [];
  private readonly bufferIndex = new Map<object, number>();
  private readonly stages: NativeStage[] = [];
  private readonly stageNames: string[] = [];
  private readonly reduced = new Map<number, Materialized & { memory: ArrayBuffer }>();
  private readonly concats = new Map<number, Materialized>();
  private readonly reshaped = new Map<number, Materialized>();

  private readonly remote = new Map<number, RemoteMemory>();
  /** nanargmin/nanargmax results: NaN marks an all-NaN slice, an error in NumPy. */
  private readonly allNanChecks: { memory: ArrayBuffer; op: string }[] = [];
  /** Results of the sum-of-product rule: a non-finite one means the operands were not all finite. */
  private readonly remoteIndex = new Map<RemoteMemory, number>();

  /**
   * `remote`: arrays kept by a cluster may be read (only a distributed client lowers with it);
   * `portable`: only what the public plan format can express (toPlan).
   */
  constructor(
    private readonly allocate: (bytes: number) => NativeBufferArg,
    private readonly options: { remote?: boolean; portable?: boolean } = {},
  ) {}

  lower(roots: readonly RootRequest[]): Lowered {
    const outputs = roots.map((r) => this.lowerRoot(r));
    return {
      plan: { stages: this.stages },
      buffers: this.buffers,
      outputs,
      stageNames: this.stageNames,
      remote: this.remote,
      verify: () => {
        for (const { memory, op } of this.allNanChecks) {
          // an all-NaN slice's index is NaN, stored as int64's minimum (NumPy raises instead)
          if (new BigInt64Array(memory).some((v) => v === ALL_NAN_INDEX)) throw new RangeError(`${op}: All-NaN slice encountered`);
        }
      },
    };
  }

  private lowerRoot(req: RootRequest): LoweredOutput {
    const { node } = req;
    if ((node.kind === 'reduce' || node.kind === 'scan' || node.kind === 'quantile' || node.kind === 'take' || node.kind === 'mask') && !req.region && req.target === 'result') {
      const m = run(node.kind === 'reduce' ? this.materializeReduce(node) : this.materializeSpecial(node));
      return { memory: m.memory, shape: [...node.shape], dtype: node.dtype };
    }
    if (node.kind === 'concat' && !req.region && !this.concats.has(node.id)) {
      // The sources write their slabs straight into the output: no copy beyond the consumer's.
      // (A concatenation already materialized — an earlier root or an input of a stage — is
      // copied by the stage below instead: its cached buffer is not this output.)
      const memory = req.target === 'persist' ? this.allocate(size(node.shape) * itemsize(node.dtype)) : resultMemory(size(node.shape) * itemsize(node.dtype));
      run(this.materializeConcat(node, memory));
      return { memory, shape: [...node.shape], dtype: node.dtype };
    }
    if (node.kind === 'reshape' && !req.region) {
      // the input written row-major into the output is the reshaped array, byte for byte
      return { ...this.lowerRoot({ ...req, node: node.arg }), shape: [...node.shape] };
    }
    const lo = req.region?.lo ?? node.shape.map(() => 0);
    const hi = req.region?.hi ?? node.shape;
    const shape = node.shape.map((_, k) => hi[k]! - lo[k]!);
    const bytes = size(shape) * itemsize(node.dtype);
    if (req.into && (!req.region || req.target !== 'result' || req.into.byteLength !== bytes)) throw new RangeError(`lower: 'into' needs a region and target 'result', and ${bytes} bytes (got ${req.into.byteLength})`);
    const memory = req.into ?? (req.target === 'persist' ? this.allocate(bytes) : resultMemory(bytes));
    if (node.kind === 'matmul' && !req.region) {
      // the product is written straight into the output
      materializeMatmul(this, node, memory);
      return { memory, shape, dtype: node.dtype };
    }
    const chunks = req.region ? shape.map((s) => [s]) : node.chunks.map((c) => [...c]);
    const builder = new StageBuilder(this, shape, chunks, lo);
    const value = run(builder.expr(node, identityAccess(node.shape.length)));
    builder.finish(value, {
      reduce: ReduceCode.None,
      dtype: nativeDType(node.dtype),
      buffer: this.buffer(memory),
      offset: 0,
      strides: contiguousStrides(shape),
      reduceAxes: shape.map(() => 0),
      ddof: 0,
    }, stageName(node));
    return { memory, shape, dtype: node.dtype };
  }

  /** The stage computing a reduction into its own memory (once per node); a step, as it lowers the reduced expression. */
  *materializeReduce(node: ReduceNode): Step<Materialized & { memory: ArrayBuffer }> {
    const done = this.reduced.get(node.id);
    if (done) return done;
    const { arg } = node;
    const memory = resultMemory(size(node.shape) * itemsize(node.dtype));
    const builder = new StageBuilder(this, [...arg.shape], arg.chunks.map((c) => [...c]), arg.shape.map(() => 0));
    let value = (yield builder.expr(arg, identityAccess(arg.shape.length))) as Val;
    // integer data with a float result dtype (sum(dtype: 'float64')): cast first, as NumPy's
    // dtype= does; mean/var/std of integers need no cast (the engine widens them exactly)
    if (!isFloat(arg.dtype) && isFloat(node.dtype) && INT_EXACT.has(node.op)) value = builder.cast(value, node.dtype);
    const reduced = new Set(node.axes);
    const keptShape = arg.shape.filter((_, k) => !reduced.has(k));
    const keptStrides = contiguousStrides(keptShape);
    let kept = 0;
    const strides = arg.shape.map((_, k) => (reduced.has(k) ? 0 : keptStrides[kept++]!));
    builder.finish(value, {
      reduce: reduceCode(node.op),
      dtype: nativeDType(node.dtype),
      buffer: this.buffer(memory),
      offset: 0,
      strides,
      reduceAxes: arg.shape.map((_, k) => (reduced.has(k) ? 1 : 0)),
      ddof: node.ddof,
    }, stageName(node));
    const m = { memory, buffer: this.buffer(memory), dtype: node.dtype, shape: node.shape };
    if (node.op === 'nanargmin' || node.op === 'nanargmax') this.allNanChecks.push({ memory, op: node.op });
    this.reduced.set(node.id, m);
    return m;
  }

  /** A scan, quantile, take or mask node's own memory (once per node), computed by its native stages. */
  *materializeSpecial(node: ScanNode | QuantileNode | TakeNode | MaskNode): Step<Materialized & { memory: ArrayBuffer }> {
    const done = this.reduced.get(node.id);
    if (done) return done;
    const step = node.kind === 'scan' ? lowerScan(this, node) : node.kind === 'quantile' ? lowerQuantile(this, node) : node.kind === 'take' ? lowerTake(this, node) : lowerMask(this, node);
    const m = (yield step) as Materialized & { memory: ArrayBuffer };
    this.reduced.set(node.id, m);
    return m;
  }

  /**
   * `node`'s values in contiguous row-major memory of its dtype: a memory node that already is
   * (a persisted array) is read in place, anything else is computed by a kernel stage into scratch.
   */
  *materializeInput(node: Node): Step<Materialized> {
    if (node.kind === 'memory' && !node.state.disposed && node.offset === 0 && node.strides.every((s, k) => s === contiguousStrides(node.shape)[k] || node.shape[k]! <= 1)) {
      return { buffer: this.buffer(node.memory), dtype: node.dtype, shape: node.shape };
    }
    const buffer = this.scratch(size(node.shape) * itemsize(node.dtype));
    const builder = new StageBuilder(this, [...node.shape], node.chunks.map((c) => [...c]), node.shape.map(() => 0));
    const value = (yield builder.expr(node, identityAccess(node.shape.length))) as Val;
    builder.finish(value, {
      reduce: ReduceCode.None,
      dtype: nativeDType(node.dtype),
      buffer,
      offset: 0,
      strides: contiguousStrides(node.shape),
      reduceAxes: node.shape.map(() => 0),
      ddof: 0,
    }, stageName(node));
    return { buffer, dtype: node.dtype, shape: node.shape };
  }

  /** A copying reshape's input, row-major in one buffer (once per node): read with the reshape's shape. A step. */
  *materializeReshape(node: ReshapeNode): Step<Materialized> {
    const done = this.reshaped.get(node.id);
    if (done) return done;
    const bytes = size(node.shape) * itemsize(node.dtype);
    if (bytes > materializeLimit()) {
      throw new RangeError(
        `${node.name}: a reshape that merges axes of a transposed, sliced or computed array copies it into one buffer, and this one needs ${bytes} bytes, over configure({ materializeLimit }) (${materializeLimit()}); ` +
          'persist() the array first (a persisted array is reshaped in place), or reshape before transposing or slicing',
      );
    }
    const m = (yield this.materializeInput(node.arg)) as Materialized;
    const out = { buffer: m.buffer, dtype: node.dtype, shape: node.shape };
    this.reshaped.set(node.id, out);
    return out;
  }

  /**
   * A concatenation in memory (once per node): one stage per non-empty source, each iterating the
   * source's own shape and chunks and storing into its slab of the buffer (sink offset). A step.
   */
  *materializeConcat(node: ConcatNode, into?: MemoryRef): Step<Materialized> {
    const done = this.concats.get(node.id);
    if (done) return done;
    const bytes = size(node.shape) * itemsize(node.dtype);
    if (!into && bytes > materializeLimit()) {
      // Read by a later stage, a concatenation is one buffer (no per-chunk source selection yet).
      throw new RangeError(
        `${node.name}: a concatenation that later work reads is materialized, and this one needs ${bytes} bytes, over configure({ materializeLimit }) (${materializeLimit()}); ` +
          'compute or persist the concatenation itself (its sources write the output directly), or reduce the sources separately',
      );
    }
    const memory = into ?? resultMemory(Math.max(size(node.shape), 1) * itemsize(node.dtype));
    const strides = contiguousStrides(node.shape);
    let at = 0;
    for (const arg of node.args) {
      const n = arg.shape[node.axis]!;
      if (size(arg.shape) > 0) {
        const builder = new StageBuilder(this, [...arg.shape], arg.chunks.map((c) => [...c]), arg.shape.map(() => 0));
        const value = (yield builder.expr(arg, identityAccess(arg.shape.length))) as Val;
        builder.finish(value, {
          reduce: ReduceCode.None,
          dtype: nativeDType(node.dtype),
          buffer: this.buffer(memory),
          offset: at * strides[node.axis]!,
          strides,
          reduceAxes: arg.shape.map(() => 0),
          ddof: 0,
        }, stageName(node));
      }
      at += n;
    }
    const m = { buffer: this.buffer(memory), dtype: node.dtype, shape: node.shape };
    this.concats.set(node.id, m);
    return m;
  }

  buffer(memory: MemoryRef): number {
    if (isRemoteMemory(memory)) return this.remoteBuffer(memory);
    const known = this.bufferIndex.get(memory);
    if (known !== undefined) return known;
    this.buffers.push(memory as NativeBufferArg);
    this.bufferIndex.set(memory, this.buffers.length - 1);
    return this.buffers.length - 1;
  }

  private remoteBuffer(memory: RemoteMemory): number {
    if (!this.options.remote) {
      throw new Error(
        'this array reads chunks a cluster keeps (client.persist): compute it with client.compute(x), or fetch the persisted array with gather()',
      );
    }
    const known = this.remoteIndex.get(memory);
    if (known !== undefined) return known;
    this.buffers.push(new ArrayBuffer(0));
    this.remote.set(this.buffers.length - 1, memory);
    this.remoteIndex.set(memory, this.buffers.length - 1);
    return this.buffers.length - 1;
  }

  /** True when lowering for a cluster (arrays kept by its workers may be read). */
  get distributed(): boolean {
    return this.options.remote === true;
  }

  /**
   * True when kernel stages may read a take or mask result where its source lies (a take or
   * compress leaf, the engine's own): local computes only. A cluster's chunk tasks and toPlan's
   * plan format read the gathered (Take stage) or compacted (Compress stage) array instead.
   */
  get gathersInPlace(): boolean {
    return this.options.remote !== true && this.options.portable !== true;
  }

  /**
   * True when stages may read a concatenation where its sources lie (a concat leaf, the engine's
   * own; a cluster's chunk tasks read each chunk's part): not for toPlan, whose plan format has
   * no such leaf.
   */
  get readsInPlace(): boolean {
    return this.options.portable !== true;
  }

  /** A kernel stage builder over `shape`/`chunks` (iteration coordinate c reads global lo + c). */
  builder(shape: number[], chunks: number[][], lo: readonly number[]): StageBuilder {
    return new StageBuilder(this, shape, chunks, lo);
  }

  /** A fresh scratch buffer of `bytes`, by index (operands a matmul stage reads). */
  scratchBuffer(bytes: number): number {
    return this.buffer(resultMemory(bytes));
  }

  /** A buffer for the partial expression a split stage hands to the next (see StageBuilder.finish). */
  scratch(bytes: number): number {
    return this.buffer(resultMemory(bytes));
  }

  addStage(stage: NativeStage, name: string): void {
    this.stages.push(stage);
    this.stageNames.push(name);
  }
}

function stageName(root: Node): string {
  // Dask names fused layers by the ops they contain, outermost first: "sum-exp-random_sample".
  // Pre-order, arguments left to right; a node seen before adds no op not already named.
  const ops: string[] = [];
  const seen = new Set<string>();
  const visited = new Set<Node>();
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    const top = n === root;
    if (visited.has(n) || (!top && (n.kind === 'reduce' || (n.kind === 'concat' && !concatFuses(n)) || n.kind === 'scan' || n.kind === 'quantile' || n.kind === 'take' || n.kind === 'mask'))) continue;
    visited.add(n);
    const op = n.kind === 'transpose' ? 'transpose' : n.kind === 'arange' ? 'arange' : n.kind === 'rechunk' ? 'rechunk' : n.op;
    // A view is addressing, not work: it names no fused layer (Dask's getitem fuses away too).
    if (!seen.has(op) && n.kind !== 'view') {
      seen.add(op);
      ops.push(op);
    }
    // (a reduction or concatenation below the top was skipped above: it is its own kernel)
    const ch = children(n);
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]!);
  }
  return ops.join('-');
}

export class StageBuilder {
  private readonly leaves: NativeLeaf[] = [];
  private readonly leafKeys = new Map<string, number>();
  private readonly memo = new Map<string, Val>();
  /**
   * Uses of each value as lowering counted them: one per lookup, so a value reached through a
   * transpose or rechunk counts again and its register is never reused (kept: plans stay as they were).
   */
  private readonly uses = new Map<Val, number>();

  constructor(
    private readonly owner: Lowering,
    private readonly shape: number[],
    private readonly chunks: number[][],
    /** Iteration coordinate c maps to global coordinate lo + c. */
    private readonly lo: readonly number[],
  ) {}

  /** Value of `node` read through `map` from the stage's iteration coordinates. */
  *expr(node: Node, map: Access): Step<Val> {
    const key = `${node.id}:${map.axes.join(',')}:${map.steps.join(',')}:${map.base.join(',')}`;
    const v = this.memo.get(key) ?? ((yield this.build(node, map)) as Val);
    this.uses.set(v, (this.uses.get(v) ?? 0) + 1);
    this.memo.set(key, v);
    return v;
  }

  private *build(node: Node, map: Access): Step<Val> {
    switch (node.kind) {
      case 'const':
        // a float32 constant is the float32 value (NumPy: full(..., dtype=float32) rounds once)
        return castVal({ kind: 'imm', value: node.value, dtype: typeof node.value === 'bigint' ? undefined : 'float64' }, node.dtype);
      case 'arange':
        return this.leaf(node, map, { kind: LeafKind.Arange, dtype: node.dtype, a: node.start, b: node.step, seed: 0 }, contiguousStrides(node.shape), 0);
      case 'random':
        return this.leaf(
          node,
          map,
          {
            kind: node.dist === 'uniform' ? LeafKind.RandomUniform : LeafKind.RandomNormal,
            dtype: node.dtype,
            a: node.a,
            b: node.b,
            seed: node.seed,
          },
          contiguousStrides(node.shape),
          0,
        );
      case 'memory': {
        if (node.state.disposed) {
          throw new Error(`${node.name}: this persisted array was disposed; persist() it again to use it`);
        }
        const buffer = this.owner.buffer(node.memory);
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: node.dtype, a: 0, b: 0, seed: 0, buffer }, node.strides, node.offset);
      }
      case 'delayed': {
        if (node.source.boxes) {
          // local computes replace storage arrays by memory first (src/storage/resolve.ts)
          throw new Error(`${node.name}: a storage array (fromZarr, fromNpy, fromSource, a spilled persist()) is read by local computes only; toPlan() cannot read it, nor can cluster computes except fromZarr's (client.compute has the workers read those) — persist it without a memoryLimit, or compute it, first`);
        }
        if (!node.state.data) throw new Error(`${node.name}: fromDelayed data must be computed before lowering (use compute())`);
        const buffer = this.owner.buffer(node.state.data);
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: node.dtype, a: 0, b: 0, seed: 0, buffer }, contiguousStrides(node.shape), 0);
      }
      case 'scan':
      case 'quantile':
      case 'take':
      case 'mask': {
        // A 1-d forward walk of a mask result (x.mask(c).sum(), .mul(2), …) reads the selected
        // elements where they lie (a compress leaf): no compacted buffer, the same values in the
        // same positions and chunks, so the same bits. Other walks (reversed, strided, 2-d views,
        // a cluster's per-chunk tasks, toPlan: the plan format has no compress leaf) read the compacted array.
        if (node.kind === 'mask' && this.owner.gathersInPlace && this.shape.length === 1 && map.axes[0] === 0 && map.steps[0] === 1) {
          const src = (yield compressSource(this.owner, node)) as CompressSource | null;
          if (src) return this.leaf(node, map, { kind: LeafKind.Compress, dtype: node.dtype, a: src.cond, b: src.table, seed: 0, buffer: src.data }, [1], 0);
        }
        // A take whose rows the stage walks forward (x.take(i).sum(), .mul(2), a persist of it)
        // reads them where they lie (a take leaf): a memcpy per row run, no gathered buffer.
        // Other walks (transposed, strided, a cluster's tasks, toPlan) read the gathered array.
        const last = this.shape.length - 1;
        if (node.kind === 'take' && this.owner.gathersInPlace && last >= 0 && map.axes[last] === node.shape.length - 1 && map.steps[last] === 1) {
          const src = (yield takeSource(this.owner, node)) as TakeSource;
          return this.leaf(node, map, { kind: LeafKind.Take, dtype: node.dtype, a: src.index, b: src.table, seed: 0, buffer: src.data }, contiguousStrides(node.shape), 0);
        }
        const m = (yield this.owner.materializeSpecial(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'reduce': {
        const m = (yield this.owner.materializeReduce(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'matmul': {
        const m = materializeMatmul(this.owner, node);
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'rechunk':
        return (yield this.expr(node.arg, map)) as Val;
      case 'reshape': {
        const m = (yield this.owner.materializeReshape(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'concat': {
        const direct = (yield this.concatInPlace(node, map)) as Val | null;
        if (direct) return direct;
        const m = (yield this.owner.materializeConcat(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'transpose': {
        // Node axis j is arg axis perm[j].
        const perm = node.axes;
        const base = new Array<number>(perm.length).fill(0);
        perm.forEach((p, j) => (base[p] = map.base[j]!));
        return (yield this.expr(node.arg, { axes: map.axes.map((m) => (m < 0 ? -1 : perm[m]!)), steps: map.steps, base })) as Val;
      }
      case 'view':
        return (yield this.expr(node.arg, viewAccess(node.view, map))) as Val;
      case 'unary':
        if (node.op === 'cast') return castVal((yield this.expr(node.arg, map)) as Val, node.dtype);
        {
          // the op's loop (NumPy's resolution, loops.ts): the operand cast to its input dtype
          const loop = resolveLoop(node.op, [node.arg.dtype]);
          const arg = (yield this.expr(node.arg, map)) as Val;
          const v = castVal(arg, loop.input);
          if (v !== arg) this.uses.set(v, 1);
          return { kind: 'op', code: opCode(node.op), args: [v], dtype: loop.output };
        }
      case 'binary': {
        // A JS number is a weak scalar (NEP 50): it takes the loop's dtype (int16 + 1 stays int16,
        // float32 * 0.1 multiplies by float32 0.1); arrays are cast to the loop's input dtype.
        const loop = resolveLoop(node.op, node.args.map((o) => (isScalar(o) ? o : o.dtype)));
        const args: Val[] = [];
        for (const a of node.args) {
          const before: Val = isScalar(a) ? scalarImm(a) : (yield this.expr(a, broadcastMap(node.shape, a.shape, map))) as Val;
          const v = castVal(before, loop.input);
          // a fresh immediate or implicit cast has this one reader; an existing value (also a
          // user's astype, which is a cast op too) keeps the count expr() gave it
          if (isScalar(a) || v !== before) this.uses.set(v, 1);
          args.push(v);
        }
        return { kind: 'op', code: opCode(node.op), args, dtype: loop.output };
      }
      case 'where': {
        // operands: condition (as bool), true branch, false branch (as the result dtype); emit.ts
        // gives Where its merge form
        const args: Val[] = [];
        for (const a of node.args) {
          const d: DType = args.length === 0 ? 'bool' : node.dtype;
          const before: Val = isScalar(a) ? scalarImm(a) : (yield this.expr(a, broadcastMap(node.shape, a.shape, map))) as Val;
          const v = castVal(before, d);
          if (isScalar(a) || v !== before) this.uses.set(v, 1);
          args.push(v);
        }
        return { kind: 'op', code: opCode('where'), args, dtype: node.dtype };
      }
    }
  }

  /**
   * A concatenation read where its sources lie, as Dask's concatenate re-indexes its inputs'
   * chunks: a stage that sees only one source reads that source (a view); otherwise, when the
   * stage walks the concatenated axis forward with one axis whose chunks each lie in one source,
   * and every source is itself a plain leaf of the result's dtype (a persisted, random or arange
   * array, or a view of one), one concat leaf reads each chunk from its source
   * (native/engine/concat_leaf.h). Null: the caller materializes the concatenation.
   */
  private *concatInPlace(node: ConcatNode, map: Access): Step<Val | null> {
    const ax = node.axis;
    const starts: number[] = [];
    let acc = 0;
    for (const a of node.args) {
      starts.push(acc);
      acc += a.shape[ax]!;
    }
    const source = (s: number): Access => ({ ...map, base: map.base.map((b, j) => (j === ax ? b - starts[s]! : b)) });
    const walkers = map.axes.flatMap((a, i) => (a === ax ? [i] : []));
    if (walkers.length > 1) return null;
    if (walkers.length === 0) {
      // the stage reads one position of the axis: one source, as a view
      const c = map.base[ax]!;
      const s = node.args.findIndex((a, k) => c >= starts[k]! && c < starts[k]! + a.shape[ax]!);
      return s < 0 ? null : ((yield this.expr(node.args[s]!, source(s))) as Val);
    }
    const i = walkers[0]!;
    const step = map.steps[i]!;
    const n = this.shape[i]!;
    if (step <= 0 || n === 0) return null;
    // the stage's local positions c along axis i that read source s: starts[s] <= base + step*(lo + c) < end
    const base = map.base[ax]! + step * this.lo[i]!;
    const at = (g: number): number => Math.min(Math.max(Math.ceil((g - base) / step), 0), n);
    const parts = node.args.flatMap((a, s) => {
      const lo = at(starts[s]!);
      const hi = at(starts[s]! + a.shape[ax]!);
      return hi > lo ? [{ s, lo, hi }] : [];
    });
    if (parts.length === 0) return null;
    if (parts.length === 1) return (yield this.expr(node.args[parts[0]!.s]!, source(parts[0]!.s))) as Val;
    if (!this.owner.readsInPlace) return null;
    const bounds = new Set(chunkBounds(stageChunks(this.shape, this.chunks)[i]!));
    if (parts.some((p) => !bounds.has(p.hi))) return null;
    const nd = this.shape.length;
    const table = new Float64Array(1 + parts.length * (9 + nd));
    table[0] = parts.length;
    let w = 1;
    for (const p of parts) {
      // the source as a leaf of its own (a scratch builder: nothing is added to this stage)
      const sub = new StageBuilder(this.owner, this.shape, this.chunks, this.lo);
      const v = (yield sub.expr(node.args[p.s]!, source(p.s))) as Val;
      if (v.kind !== 'leaf' || v.dtype !== node.dtype) return null;
      const lf = sub.leaves[v.leaf]!;
      if (lf.kind !== LeafKind.Memory && lf.kind !== LeafKind.Arange && lf.kind !== LeafKind.RandomUniform && lf.kind !== LeafKind.RandomNormal) return null;
      table.set([p.lo, p.hi, lf.kind, lf.dtype, lf.offset, lf.a, lf.b, lf.seed, lf.buffer, ...lf.strides], w);
      w += 9 + nd;
    }
    const key = `concat:${node.id}:${map.axes.join(',')}:${map.steps.join(',')}:${map.base.join(',')}`;
    let index = this.leafKeys.get(key);
    if (index === undefined) {
      index = this.leaves.length;
      this.leaves.push({ kind: LeafKind.Concat, dtype: nativeDType(node.dtype), offset: 0, strides: new Array<number>(nd).fill(0), a: i, b: this.owner.buffer(table.buffer), seed: 0, buffer: -1 });
      this.leafKeys.set(key, index);
    }
    return { kind: 'leaf', leaf: index, dtype: node.dtype };
  }

  private leaf(
    node: Node,
    map: Access,
    spec: { kind: LeafKind; dtype: DType; a: number; b: number; seed: number; buffer?: number },
    nodeStrides: readonly number[],
    nodeOffset: number,
  ): Val {
    const strides = map.axes.map((m, i) => (m < 0 ? 0 : map.steps[i]! * nodeStrides[m]!));
    let offset = nodeOffset;
    map.base.forEach((b, j) => (offset += b * nodeStrides[j]!));
    strides.forEach((s, i) => (offset += s * this.lo[i]!));
    const key = `${node.id}:${strides.join(',')}:${offset}`;
    let index = this.leafKeys.get(key);
    if (index === undefined) {
      index = this.leaves.length;
      this.leaves.push({
        kind: spec.kind,
        dtype: nativeDType(spec.dtype),
        offset,
        strides,
        a: spec.a,
        b: spec.b,
        seed: spec.seed,
        buffer: spec.buffer ?? -1,
      });
      this.leafKeys.set(key, index);
    }
    return { kind: 'leaf', leaf: index, dtype: spec.dtype };
  }

  /**
   * Emit the register program for `root` and add the stage with `sink`. An expression too large
   * for one kernel is split: parts of it are computed first by stages of the same shape and
   * chunks into float64 scratch (registers are float64, so the bits are those of one kernel).
   */
  /** `v` cast to `d` as a stage root (its one reader is the sink). */
  cast(v: Val, d: DType): Val {
    const c = castVal(v, d);
    if (c !== v) this.uses.set(c, 1);
    return c;
  }

  finish(root: Val, sink: NativeStage['sink'], name: string): void {
    const leafOf = (v: Val): number => (v as Extract<Val, { kind: 'leaf' }>).leaf;
    const whole = emitProgram(root, this.shape.length, this.leaves, { remap: false, stop: () => false, leafOf, uses: this.uses });
    const why = overLimit(whole);
    if (!why) {
      this.addStage(whole, sink, name);
      return;
    }
    const strides = contiguousStrides(this.shape);
    const scratch: number[] = [];
    // scratch of each spilled value's own dtype (typed registers: the bits of one kernel)
    const dtypeOf = (v: Val): DType => v.dtype ?? 'float64';
    const split = splitProgram(root, this.shape.length, this.leaves, (k, v) => ({
      kind: LeafKind.Memory, dtype: nativeDType(dtypeOf(v)), offset: 0, strides, a: 0, b: 0, seed: 0, buffer: SCRATCH - k,
    }));
    for (const v of split.spilled) scratch.push(this.owner.scratch(size(this.shape) * itemsize(dtypeOf(v))));
    const patch = (p: Program): Program => {
      for (const l of p.leaves) if (l.buffer <= SCRATCH) l.buffer = scratch[SCRATCH - l.buffer]!;
      return p;
    };
    split.pieces.forEach((p, k) => {
      this.addStage(patch(p), { reduce: ReduceCode.None, dtype: nativeDType(dtypeOf(split.spilled[k]!)), buffer: scratch[k]!, offset: 0, strides, reduceAxes: this.shape.map(() => 0), ddof: 0 }, name);
    });
    this.addStage(patch(split.main), sink, name);
  }

  private addStage(p: Program, sink: NativeStage['sink'], name: string): void {
    this.owner.addStage(
      {
        shape: this.shape,
        chunks: stageChunks(this.shape, this.chunks),
        leaves: p.leaves,
        program: Int32Array.from(p.program),
        ...immediates(p.imms),
        nregs: Math.max(p.nregs, 1),
        result: p.result,
        sink,
      },
      name,
    );
  }
}

/**
 * A program's immediates for the engine: the doubles, plus, when some are exact integers
 * (bigints), their kinds and bits (native/engine/plan.h; a stage without them is as before).
 */
export function immediates(values: readonly (number | bigint)[]): Pick<NativeStage, 'imms' | 'immKinds' | 'immInts'> {
  const imms = Float64Array.from(values, Number);
  if (!values.some((v) => typeof v === 'bigint')) return { imms };
  const immKinds = Uint8Array.from(values, (v) => (typeof v !== 'bigint' ? ImmKind.Float : v < 0n || v < 2n ** 63n ? ImmKind.Int64 : ImmKind.UInt64));
  const immInts = BigInt64Array.from(values, (v) => (typeof v === 'bigint' ? BigInt.asIntN(64, v) : 0n));
  return { imms, immKinds, immInts };
}

/** A scalar operand as an immediate: a number is a float64 value, a bigint an integer of no dtype yet (castVal gives it one). */
const scalarImm = (a: Scalar): Val => ({ kind: 'imm', value: a, dtype: typeof a === 'bigint' ? undefined : 'float64' });

/** Placeholder buffer of scratch k in a split stage's leaves (SCRATCH - k) until buffers are assigned. */
const SCRATCH = -2;

/**
 * How a stage's iteration coordinates c address a node: iteration axis i walks node axis axes[i]
 * (-1: none, a broadcast or new axis) with step steps[i]; every node axis starts at base[j]. So
 * node coordinate j = base[j] + Σ_{i: axes[i] = j} steps[i]·c[i], and a leaf with strides s reads
 * lin = Σ_j base[j]·s[j] + Σ_i steps[i]·s[axes[i]]·c[i]. Transposes permute it, broadcasts drop
 * axes, views (slices, integers, new axes) shift and scale it, so all of them are free.
 */
export interface Access {
  readonly axes: readonly number[];
  readonly steps: readonly number[];
  readonly base: readonly number[];
}

/** Iteration axis i walks node axis order[i] (a transposed walk of a whole node). */
export const permutedAccess = (order: readonly number[]): Access => ({
  axes: [...order],
  steps: new Array<number>(order.length).fill(1),
  base: new Array<number>(order.length).fill(0),
});

const identityAccess = (n: number): Access => ({
  axes: Array.from({ length: n }, (_, k) => k),
  steps: new Array<number>(n).fill(1),
  base: new Array<number>(n).fill(0),
});

/** Map from iteration axes through NumPy broadcasting of `argShape` into `outShape`. */
function broadcastMap(outShape: readonly number[], argShape: readonly number[], map: Access): Access {
  const shift = outShape.length - argShape.length;
  const broadcast = (j: number): boolean => argShape[j] === 1 && outShape[j + shift] !== 1;
  return {
    axes: map.axes.map((m) => {
      if (m < 0) return -1;
      const j = m - shift;
      return j < 0 || broadcast(j) ? -1 : j;
    }),
    steps: map.steps,
    base: argShape.map((_, j) => (broadcast(j) ? 0 : map.base[j + shift]!)),
  };
}

/**
 * Map through an affine view: node axis k walks source axis view.axes[k].source from start by step
 * (step 0: a broadcast; several axes on one source: a split, as reshape makes).
 */
function viewAccess(view: AffineView, map: Access): Access {
  // Sums, not assignments: a reshape that splits a source axis walks it from two view axes.
  const base = new Array<number>(view.sourceShape.length).fill(0);
  for (const f of view.fixed) base[f.axis] += f.index;
  view.axes.forEach((a, k) => {
    if (a.source !== null) base[a.source] += a.start + a.step * map.base[k]!;
  });
  const axes: number[] = [];
  const steps: number[] = [];
  map.axes.forEach((m, i) => {
    const a = m < 0 ? null : view.axes[m]!;
    axes.push(a === null || a.source === null ? -1 : a.source);
    steps.push(a === null || a.source === null ? 0 : map.steps[i]! * a.step);
  });
  return { axes, steps, base };
}

/**
 * The chunk sizes a native stage runs: zero-size chunks (Dask accepts `chunks: [[0, 10]]`) are
 * dropped on non-empty axes, as they hold no element; the engine then never sees an empty task
 * whose reduction partial would stay unwritten. Only the array's `chunks` report them.
 */
export function stageChunks(shape: readonly number[], chunks: readonly (readonly number[])[]): number[][] {
  return chunks.map((c, k) => (shape[k] === 0 ? [...c] : c.filter((e) => e > 0)));
}
