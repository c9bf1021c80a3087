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
  LeafKind,
  NativeDType,
  ReduceCode,
  type NativeBufferArg,
  type NativeLeaf,
  type NativePlan,
  type NativeStage,
} from '../native.js';
import {
  contiguousStrides,
  isRemoteMemory,
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
  type ScanNode,
} from './node.js';
import { emitProgram, overLimit, run, splitProgram, type Program, type Step, type Val } from './emit.js';
import { lowerQuantile, lowerScan } from './reductions/scan.js';

const nativeDType = (d: DType): NativeDType => (d === 'float64' ? NativeDType.F64 : NativeDType.F32);

/** What a root of a compute should become. */
export interface RootRequest {
  node: Node;
  /** 'result': a fresh ArrayBuffer; 'persist': a native buffer made by `allocate`. */
  target: 'result' | 'persist';
  /** Only this box of the root (lo inclusive, hi exclusive per axis). */
  region?: { lo: readonly number[]; hi: readonly number[] };
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

  private readonly remote = new Map<number, RemoteMemory>();
  /** nanargmin/nanargmax results: NaN marks an all-NaN slice, an error in NumPy. */
  private readonly allNanChecks: { memory: ArrayBuffer; op: string }[] = [];
  private readonly remoteIndex = new Map<RemoteMemory, number>();

  /** `remote`: arrays kept by a cluster may be read (only a distributed client lowers with it). */
  constructor(
    private readonly allocate: (bytes: number) => NativeBufferArg,
    private readonly options: { remote?: boolean } = {},
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
          if (new Float64Array(memory).some(Number.isNaN)) throw new RangeError(`${op}: All-NaN slice encountered`);
        }
      },
    };
  }

  private lowerRoot(req: RootRequest): LoweredOutput {
    const { node } = req;
    if ((node.kind === 'reduce' || node.kind === 'scan' || node.kind === 'quantile') && !req.region && req.target === 'result') {
      const m = run(node.kind === 'reduce' ? this.materializeReduce(node) : this.materializeSpecial(node));
      return { memory: m.memory, shape: [...node.shape], dtype: node.dtype };
    }
    const lo = req.region?.lo ?? node.shape.map(() => 0);
    const hi = req.region?.hi ?? node.shape;
    const shape = node.shape.map((_, k) => hi[k]! - lo[k]!);
    const memory = req.target === 'persist' ? this.allocate(size(shape) * itemsize(node.dtype)) : new ArrayBuffer(size(shape) * itemsize(node.dtype));
    const chunks = req.region ? shape.map((s) => [s]) : node.chunks.map((c) => [...c]);
    const builder = new StageBuilder(this, shape, chunks, lo);
    const value = run(builder.expr(node, node.shape.map((_, k) => k)));
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
    const memory = new ArrayBuffer(size(node.shape) * itemsize(node.dtype));
    const builder = new StageBuilder(this, [...arg.shape], arg.chunks.map((c) => [...c]), arg.shape.map(() => 0));
    const value = (yield builder.expr(arg, arg.shape.map((_, k) => k))) as Val;
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

  /** A scan or quantile node's own memory (once per node), computed by its native stages. */
  *materializeSpecial(node: ScanNode | QuantileNode): Step<Materialized & { memory: ArrayBuffer }> {
    const done = this.reduced.get(node.id);
    if (done) return done;
    const m = node.kind === 'scan' ? ((yield lowerScan(this, node)) as Materialized & { memory: ArrayBuffer }) : ((yield lowerQuantile(this, node)) as Materialized & { memory: ArrayBuffer });
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
    const value = (yield builder.expr(node, node.shape.map((_, k) => k))) as Val;
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

  /** A buffer for the partial expression a split stage hands to the next (see StageBuilder.finish). */
  scratch(bytes: number): number {
    return this.buffer(new ArrayBuffer(bytes));
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
    if (visited.has(n) || (!top && (n.kind === 'reduce' || n.kind === 'scan' || n.kind === 'quantile'))) continue;
    visited.add(n);
    const op = n.kind === 'transpose' ? 'transpose' : n.kind === 'arange' ? 'arange' : n.kind === 'rechunk' ? 'rechunk' : n.op;
    if (!seen.has(op)) {
      seen.add(op);
      ops.push(op);
    }
    if (n.kind === 'unary' || n.kind === 'transpose' || n.kind === 'rechunk' || ((n.kind === 'reduce' || n.kind === 'scan' || n.kind === 'quantile') && top)) stack.push(n.arg);
    if (n.kind === 'binary') for (let i = n.args.length - 1; i >= 0; i--) if (typeof n.args[i] !== 'number') stack.push(n.args[i] as Node);
  }
  return ops.join('-');
}

class StageBuilder {
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

  /** Value of `node` where iteration axis i reads node axis map[i] (-1: broadcast, index 0). */
  *expr(node: Node, map: readonly number[]): Step<Val> {
    const key = `${node.id}:${map.join(',')}`;
    const v = this.memo.get(key) ?? ((yield this.build(node, map)) as Val);
    this.uses.set(v, (this.uses.get(v) ?? 0) + 1);
    this.memo.set(key, v);
    return v;
  }

  private *build(node: Node, map: readonly number[]): Step<Val> {
    switch (node.kind) {
      case 'const':
        return { kind: 'imm', value: node.value };
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
        if (!node.state.data) throw new Error(`${node.name}: fromDelayed data must be computed before lowering (use compute())`);
        const buffer = this.owner.buffer(node.state.data);
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: node.dtype, a: 0, b: 0, seed: 0, buffer }, contiguousStrides(node.shape), 0);
      }
      case 'scan':
      case 'quantile': {
        const m = (yield this.owner.materializeSpecial(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'reduce': {
        const m = (yield this.owner.materializeReduce(node)) as Materialized;
        return this.leaf(node, map, { kind: LeafKind.Memory, dtype: m.dtype, a: 0, b: 0, seed: 0, buffer: m.buffer }, contiguousStrides(m.shape), 0);
      }
      case 'rechunk':
        return (yield this.expr(node.arg, map)) as Val;
      case 'transpose': {
        const axes = node.axes;
        return (yield this.expr(node.arg, map.map((m) => (m < 0 ? -1 : axes[m]!)))) as Val;
      }
      case 'unary':
        return { kind: 'op', code: opCode(node.op), args: [(yield this.expr(node.arg, map)) as Val] };
      case 'binary': {
        const args: Val[] = [];
        for (const a of node.args) {
          const v: Val = typeof a === 'number' ? { kind: 'imm', value: a } : ((yield this.expr(a, broadcastMap(node.shape, a.shape, map))) as Val);
          if (typeof a === 'number') this.uses.set(v, 1);
          args.push(v);
        }
        return { kind: 'op', code: opCode(node.op), args };
      }
    }
  }

  private leaf(
    node: Node,
    map: readonly number[],
    spec: { kind: LeafKind; dtype: DType; a: number; b: number; seed: number; buffer?: number },
    nodeStrides: readonly number[],
    nodeOffset: number,
  ): Val {
    const strides = map.map((m) => (m < 0 ? 0 : nodeStrides[m]!));
    let offset = nodeOffset;
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
    return { kind: 'leaf', leaf: index };
  }

  /**
   * Emit the register program for `root` and add the stage with `sink`. An expression too large
   * for one kernel is split: parts of it are computed first by stages of the same shape and
   * chunks into float64 scratch (registers are float64, so the bits are those of one kernel).
   */
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
    const split = splitProgram(root, this.shape.length, this.leaves, (k) => ({
      kind: LeafKind.Memory, dtype: NativeDType.F64, offset: 0, strides, a: 0, b: 0, seed: 0, buffer: SCRATCH - k,
    }));
    for (const _ of split.spilled) scratch.push(this.owner.scratch(size(this.shape) * 8));
    const patch = (p: Program): Program => {
      for (const l of p.leaves) if (l.buffer <= SCRATCH) l.buffer = scratch[SCRATCH - l.buffer]!;
      return p;
    };
    split.pieces.forEach((p, k) => {
      this.addStage(patch(p), { reduce: ReduceCode.None, dtype: NativeDType.F64, buffer: scratch[k]!, offset: 0, strides, reduceAxes: this.shape.map(() => 0), ddof: 0 }, name);
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
        imms: Float64Array.from(p.imms),
        nregs: Math.max(p.nregs, 1),
        result: p.result,
        sink,
      },
      name,
    );
  }
}

/** Placeholder buffer of scratch k in a split stage's leaves (SCRATCH - k) until buffers are assigned. */
const SCRATCH = -2;

/** Map from iteration axes through NumPy broadcasting of `argShape` into `outShape`. */
function broadcastMap(outShape: readonly number[], argShape: readonly number[], map: readonly number[]): number[] {
  const shift = outShape.length - argShape.length;
  return map.map((m) => {
    if (m < 0) return -1;
    const j = m - shift;
    if (j < 0) return -1;
    return argShape[j] === 1 && outShape[m] !== 1 ? -1 : j;
  });
}

/**
 * The chunk sizes a native stage runs: zero-size chunks (Dask accepts `chunks: [[0, 10]]`) are
 * dropped on non-empty axes, as they hold no element; the engine then never sees an empty task
 * whose reduction partial would stay unwritten. Only the array's `chunks` report them.
 */
export function stageChunks(shape: readonly number[], chunks: readonly (readonly number[])[]): number[][] {
  return chunks.map((c, k) => (shape[k] === 0 ? [...c] : c.filter((e) => e > 0)));
}
