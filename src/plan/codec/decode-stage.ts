// Decode one stage of an untrusted plan: its iteration space and chunk grid, its sink (first:
// leaves must not read what the stage writes), its leaves, and its register program. The checks
// run in that order; each error names its JSON path.
import { LeafKind, NativeDType, ReduceCode, StageKind, type NativeLeaf, type NativeSink, type NativeStage } from '../types.js';
import { arr, checkName, dtype, enumOf, int, intList, isRecord, obj, rangeErr, show, typeErr } from './check.js';
import { LEAF_KINDS, OPS, REDUCES, dtypeCode } from './codes.js';
import { PLAN_LIMITS, bufferLength, type PlanBuffer } from './format.js';
import { SAFE, addressRange, injective } from './geometry.js';
import { decodeImmediates, decodeNumber } from './numbers.js';

/** What a stage's checks need from the plan around it; `written` and `elements` grow stage by stage. */
export interface StageContext {
  readonly buffers: readonly PlanBuffer[];
  /** Buffers written by earlier stages: the only non-input buffers a leaf may read. */
  readonly written: Set<number>;
  readonly maxElements: number;
  /** Sum of iteration-space sizes of the stages decoded so far. */
  elements: number;
}

export interface DecodedStage {
  stage: NativeStage;
  name: string;
  tasks: number;
}

const STAGE_KINDS = { kernel: StageKind.Kernel, take: StageKind.Take, compress: StageKind.Compress, matmul: StageKind.Matmul } as const;

export function decodeStage(raw: unknown, s: number, ctx: StageContext): DecodedStage {
  const sp = `plan.stages[${s}]`;
  const st = obj(sp, raw, ['name', 'kind', 'contract', 'shape', 'chunks', 'leaves', 'program', 'imms', 'nregs', 'result', 'sink'], ['shape', 'chunks', 'leaves', 'program', 'nregs', 'result', 'sink']);
  if (st.name !== undefined) checkName(`${sp}.name`, st.name);
  const name = typeof st.name === 'string' ? st.name : `stage-${s}`;
  const kind = st.kind === undefined ? 'kernel' : enumOf(`${sp}.kind`, st.kind, STAGE_KINDS, 'stage kind');
  if (st.contract !== undefined && kind !== 'matmul') throw rangeErr(`${sp}.contract`, `only a "matmul" stage has a contracted length (this stage is "${kind}")`);
  const contract = kind === 'matmul' ? int(`${sp}.contract`, st.contract, 0, SAFE) : 0;
  const shape = intList(`${sp}.shape`, st.shape, undefined, 0, SAFE);
  const count = shape.reduce((x, y) => x * y, 1);
  if (!(count <= SAFE)) throw rangeErr(`${sp}.shape`, `[${shape.join(', ')}] has more than 2^53 elements`);
  // a product's work is its output times the contracted length
  ctx.elements += kind === 'matmul' ? count * Math.max(contract, 1) : count;
  if (!(ctx.elements <= ctx.maxElements)) {
    throw rangeErr(`${sp}.shape`, `the plan iterates over more than ${ctx.maxElements} elements in total (execute's maxElements)`);
  }
  const { chunks, tasks } = decodeChunks(`${sp}.chunks`, st.chunks, shape);
  const nregs = int(`${sp}.nregs`, st.nregs, 1, PLAN_LIMITS.maxRegisters);
  const result = int(`${sp}.result`, st.result, 0, nregs - 1);
  if (kind !== 'kernel') {
    const stage = decodeNativeStage(sp, st, kind, { shape, chunks, contract, nregs, result }, ctx);
    ctx.written.add(stage.sink.buffer);
    return { stage, name, tasks };
  }
  const sink = decodeSink(`${sp}.sink`, st.sink, shape, ctx.buffers);
  const leaves = arr(`${sp}.leaves`, st.leaves, PLAN_LIMITS.maxLeaves).map((l, i) => decodeLeaf(`${sp}.leaves[${i}]`, l, shape, sink.buffer, ctx));
  const { program, imms, immKinds, immInts } = decodeProgram(sp, st, nregs, result, leaves.length);
  ctx.written.add(sink.buffer);
  const exact = immKinds ? { immKinds, immInts } : {};
  return { stage: { shape, chunks, leaves, program, imms, ...exact, nregs, result, sink }, name, tasks };
}

/**
 * A take, compress or matmul stage (native/engine/plan.h at Stage): no program, memory leaves
 * addressed over the spaces they read, float immediates, a storing sink. The engine's
 * validatePlan checks the rest (e.g. that every index is in range, while it runs).
 */
function decodeNativeStage(
  sp: string,
  st: Record<string, unknown>,
  kind: 'take' | 'compress' | 'matmul',
  g: { shape: number[]; chunks: number[][]; contract: number; nregs: number; result: number },
  ctx: StageContext,
): NativeStage {
  const { shape, chunks, contract } = g;
  const nd = shape.length;
  if (arr(`${sp}.program`, st.program, PLAN_LIMITS.maxInstructions).length !== 0) throw rangeErr(`${sp}.program`, `a "${kind}" stage has no program (accepted: [])`);
  if (g.nregs !== 1 || g.result !== 0) throw rangeErr(`${sp}.nregs`, `a "${kind}" stage has nregs 1 and result 0`);
  const decoded = decodeImmediates(`${sp}.imms`, st.imms === undefined ? [] : arr(`${sp}.imms`, st.imms, PLAN_LIMITS.maxImms));
  if (decoded.immKinds) throw rangeErr(`${sp}.imms`, `a "${kind}" stage has plain number immediates (no { int })`);
  const imms = decoded.imms;
  const integral = (i: number, lo: number, hi: number, what: string): number => {
    const v = imms[i]!;
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw rangeErr(`${sp}.imms[${i}]`, `${v}: ${what} (accepted: an integer in ${lo}..${hi})`);
    return v;
  };
  const rawLeaves = arr(`${sp}.leaves`, st.leaves, PLAN_LIMITS.maxLeaves);
  const wantLeaves = (n: number, what: string): void => {
    if (rawLeaves.length !== n) throw rangeErr(`${sp}.leaves`, `a "${kind}" stage has ${n} memory leaves (${what}), got ${rawLeaves.length}`);
  };
  // the space the sink writes: the stage's, except a compress stage's counts or compacted values
  let sinkShape = shape;
  let leafShapes: number[][] = [];
  if (kind === 'matmul') {
    if (nd < 2) throw rangeErr(`${sp}.shape`, `a "matmul" stage has at least 2 axes ([batch..., M, N]), got ${nd}`);
    wantLeaves(2, 'A and B');
    if (imms.length !== 0) throw rangeErr(`${sp}.imms`, 'a "matmul" stage has no immediates');
    leafShapes = [[...shape, contract], [...shape, contract]];
  } else if (kind === 'take') {
    wantLeaves(2, 'the source and the indices');
    if (imms.length !== 2) throw rangeErr(`${sp}.imms`, 'a "take" stage has imms [axis, source length]');
    const axis = integral(0, 0, nd - 1, 'the take axis');
    const n = integral(1, 0, SAFE, 'the source length along the axis');
    leafShapes = [shape.map((e, k) => (k === axis ? n : e)), shape];
  } else {
    if (nd !== 1) throw rangeErr(`${sp}.shape`, `a "compress" stage is 1-d (the raveled input), got ${nd} axes`);
    const phase = imms.length ? integral(0, 0, 1, 'the phase, 0 (count) or 1 (copy)') : -1;
    if (phase < 0) throw rangeErr(`${sp}.imms`, 'a "compress" stage has imms [0] (count) or [1, total, offset of each chunk] (copy)');
    if (phase === 0) {
      wantLeaves(1, 'the condition');
      if (imms.length !== 1) throw rangeErr(`${sp}.imms`, 'a "compress" count (phase 0) has imms [0]');
      leafShapes = [shape];
      sinkShape = [chunks[0]!.length];
    } else {
      wantLeaves(2, 'the data and the condition');
      if (imms.length !== chunks[0]!.length + 2) throw rangeErr(`${sp}.imms`, `a "compress" copy (phase 1) has imms [1, total, offset of each chunk]: ${chunks[0]!.length + 2} entries, got ${imms.length}`);
      const total = integral(1, 0, shape[0]!, 'the number of selected elements');
      let prev = 0;
      for (let j = 2; j < imms.length; j++) prev = integral(j, prev, total, 'chunk offsets are non-decreasing');
      leafShapes = [shape, shape];
      sinkShape = [total];
    }
  }
  const sink = decodeSink(`${sp}.sink`, st.sink, sinkShape, ctx.buffers);
  if (sink.reduce !== ReduceCode.None) throw rangeErr(`${sp}.sink.reduce`, `a "${kind}" stage stores its result (accepted: "none")`);
  if (kind === 'matmul' && sink.dtype !== NativeDType.F64 && sink.dtype !== NativeDType.F32) throw rangeErr(`${sp}.sink.dtype`, 'a "matmul" stage computes float64 or float32');
  if (kind === 'compress' && imms[0] === 0 && sink.dtype !== NativeDType.F64) throw rangeErr(`${sp}.sink.dtype`, 'a "compress" count writes float64 counts');
  if (kind === 'compress' && imms[0] === 1 && sink.strides[0] !== 1) throw rangeErr(`${sp}.sink.strides`, 'a "compress" copy writes contiguously (accepted: [1])');
  const leaves = rawLeaves.map((l, i) => {
    const lp = `${sp}.leaves[${i}]`;
    const leaf = decodeLeaf(lp, l, leafShapes[i]!, sink.buffer, ctx);
    if (leaf.kind !== LeafKind.Memory) throw rangeErr(`${lp}.kind`, `a "${kind}" stage reads memory leaves only`);
    // matmul operands are of the product's dtype; take and compress copy their data leaf unchanged
    const same = kind === 'matmul' || (i === 0 && !(kind === 'compress' && imms[0] === 0));
    if (same && leaf.dtype !== sink.dtype) throw rangeErr(`${lp}.dtype`, `must be the sink's dtype in a "${kind}" stage`);
    return leaf;
  });
  return {
    kind: STAGE_KINDS[kind], ...(kind === 'matmul' ? { contract } : {}),
    shape, chunks, leaves, program: new Int32Array(0), imms, nregs: 1, result: 0, sink,
  };
}

/** One list of chunk sizes per axis, each summing to the axis length; the grid is the task count. */
export function decodeChunks(cp0: string, value: unknown, shape: readonly number[]): { chunks: number[][]; tasks: number } {
  const rawChunks = arr(cp0, value, PLAN_LIMITS.maxDims);
  if (rawChunks.length !== shape.length) throw rangeErr(cp0, `has ${rawChunks.length} axes, shape has ${shape.length} (one list of chunk sizes per axis)`);
  let tasks = 1;
  const chunks = rawChunks.map((c, k) => {
    const cp = `${cp0}[${k}]`;
    const n = shape[k]!;
    const sizes = arr(cp, c, Math.max(n, 1)).map((x, j) => int(`${cp}[${j}]`, x, n === 0 ? 0 : 1, n));
    let sum = 0;
    for (const x of sizes) sum += x;
    if (sum !== n) throw rangeErr(cp, `chunk sizes sum to ${sum}, shape[${k}] is ${n}`);
    if (sizes.length === 0) throw rangeErr(cp, 'is empty (an axis needs at least one chunk)');
    tasks *= sizes.length;
    return sizes;
  });
  if (tasks > PLAN_LIMITS.maxTasksPerStage) throw rangeErr(cp0, `the chunk grid has ${tasks} tasks (at most 2^31)`);
  return { chunks, tasks };
}

/** Where the result register goes: stored elementwise (one-to-one, inside the buffer) or reduced. */
export function decodeSink(kp: string, value: unknown, shape: readonly number[], buffers: readonly PlanBuffer[]): NativeSink {
  const nd = shape.length;
  const k0 = obj(kp, value, ['reduce', 'dtype', 'buffer', 'offset', 'strides', 'reduceAxes', 'ddof'], ['reduce', 'dtype', 'buffer', 'strides']);
  const reduce = enumOf(`${kp}.reduce`, k0.reduce, REDUCES, 'reduction');
  const buffer = int(`${kp}.buffer`, k0.buffer, 0, buffers.length - 1);
  const out = buffers[buffer]!;
  if (out.role === 'input') throw rangeErr(`${kp}.buffer`, `buffer ${buffer} is the input ${show(out.name)}; stages write only output or scratch buffers`);
  if (out.role === 'constant') throw rangeErr(`${kp}.buffer`, `buffer ${buffer} is a constant; stages write only output or scratch buffers`);
  const dt = dtype(`${kp}.dtype`, k0.dtype);
  if (dt !== out.dtype) throw rangeErr(`${kp}.dtype`, `${dt} does not match buffer ${buffer} (${out.dtype})`);
  const offset = k0.offset === undefined ? 0 : int(`${kp}.offset`, k0.offset, -SAFE, SAFE);
  const strides = intList(`${kp}.strides`, k0.strides, nd, -SAFE, SAFE);
  const reduceAxes = k0.reduceAxes === undefined ? shape.map(() => 0) : intList(`${kp}.reduceAxes`, k0.reduceAxes, nd, 0, 1);
  if (reduce === 'none') {
    const bad = reduceAxes.indexOf(1);
    if (bad >= 0) throw rangeErr(`${kp}.reduceAxes[${bad}]`, 'is 1 but reduce is "none"');
  }
  reduceAxes.forEach((f, k) => {
    if (f && strides[k] !== 0) throw rangeErr(`${kp}.strides[${k}]`, `${strides[k]} on a reduced axis (accepted: 0)`);
  });
  let ddof = 0;
  if (k0.ddof !== undefined) {
    if (typeof k0.ddof !== 'number') throw typeErr(`${kp}.ddof`, 'a number', k0.ddof);
    if (!(Number.isFinite(k0.ddof) && k0.ddof >= 0)) throw rangeErr(`${kp}.ddof`, `${k0.ddof} (accepted: a finite number >= 0)`);
    ddof = k0.ddof;
  }
  const range = addressRange(kp, offset, strides, shape);
  if (range) {
    if (range[0] < 0) throw rangeErr(kp, `writes element ${range[0]}, before the start of buffer ${buffer}`);
    if (range[1] >= bufferLength(out)) throw rangeErr(kp, `writes element ${range[1]} but buffer ${buffer} holds ${bufferLength(out)} elements`);
    const kept = shape.map((_, k) => k).filter((k) => !reduceAxes[k]);
    if (!injective(strides, shape, kept)) throw rangeErr(`${kp}.strides`, 'would write some elements more than once (the store must be one-to-one)');
  }
  return { reduce: REDUCES[reduce], dtype: dtypeCode(dt), buffer, offset, strides, reduceAxes, ddof };
}

const LEAF_FIELDS = ['kind', 'dtype', 'offset', 'strides'];

/** A generated leaf (arange, random) or a strided read of an input or earlier stage's buffer. */
export function decodeLeaf(lp: string, raw: unknown, shape: readonly number[], sinkBuffer: number, ctx: StageContext): NativeLeaf {
  if (!isRecord(raw)) throw typeErr(lp, 'an object', raw);
  const kind = enumOf(`${lp}.kind`, raw.kind, LEAF_KINDS, 'leaf kind');
  const l =
    kind === 'memory'
      ? obj(lp, raw, [...LEAF_FIELDS, 'buffer'], ['dtype', 'strides', 'buffer'])
      : kind === 'arange'
        ? obj(lp, raw, [...LEAF_FIELDS, 'a', 'b'], ['dtype', 'strides', 'a', 'b'])
        : obj(lp, raw, [...LEAF_FIELDS, 'a', 'b', 'seed'], ['dtype', 'strides', 'a', 'b', 'seed']);
  const dt = dtype(`${lp}.dtype`, l.dtype);
  const offset = l.offset === undefined ? 0 : int(`${lp}.offset`, l.offset, -SAFE, SAFE);
  const strides = intList(`${lp}.strides`, l.strides, shape.length, -SAFE, SAFE);
  const lr = addressRange(lp, offset, strides, shape);
  const leaf: NativeLeaf = { kind: LEAF_KINDS[kind], dtype: dtypeCode(dt), offset, strides, a: 0, b: 0, seed: 0, buffer: -1 };
  if (kind === 'memory') {
    const b = int(`${lp}.buffer`, l.buffer, 0, ctx.buffers.length - 1);
    const buf = ctx.buffers[b]!;
    if (dt !== buf.dtype) throw rangeErr(`${lp}.dtype`, `${dt} does not match buffer ${b} (${buf.dtype})`);
    if (b === sinkBuffer) throw rangeErr(`${lp}.buffer`, `buffer ${b} is written by this stage's sink; a stage cannot read what it writes`);
    if (buf.role !== 'input' && buf.role !== 'constant' && !ctx.written.has(b)) {
      throw rangeErr(`${lp}.buffer`, `buffer ${b} (${buf.role}) is read before any earlier stage writes it`);
    }
    if (lr) {
      if (lr[0] < 0) throw rangeErr(lp, `reads element ${lr[0]}, before the start of buffer ${b}`);
      if (lr[1] >= bufferLength(buf)) throw rangeErr(lp, `reads element ${lr[1]} but buffer ${b} holds ${bufferLength(buf)} elements`);
    }
    leaf.buffer = b;
  } else {
    leaf.a = decodeNumber(`${lp}.a`, l.a);
    leaf.b = decodeNumber(`${lp}.b`, l.b);
    if (kind !== 'arange') leaf.seed = int(`${lp}.seed`, l.seed, 0, SAFE - 1);
  }
  return leaf;
}

/**
 * The immediates and the register program: four int32 per instruction (op, dst, a, b). Registers
 * are written before they are read, and the result register is written.
 */
export function decodeProgram(sp: string, st: Record<string, unknown>, nregs: number, result: number, nleaves: number): { program: Int32Array; imms: Float64Array; immKinds?: Uint8Array; immInts?: BigInt64Array } {
  const decoded = decodeImmediates(`${sp}.imms`, st.imms === undefined ? [] : arr(`${sp}.imms`, st.imms, PLAN_LIMITS.maxImms));
  const imms = decoded.imms;
  const rawProgram = arr(`${sp}.program`, st.program, PLAN_LIMITS.maxInstructions);
  const program = new Int32Array(rawProgram.length * 4);
  let regs = 0n; // bit r: register r holds a value
  const operand = (path: string, v: unknown): number => {
    const r = int(path, v, -imms.length, nregs - 1);
    if (r >= 0 && !(regs & (1n << BigInt(r)))) throw rangeErr(path, `register ${r} is read before it is written`);
    return r;
  };
  rawProgram.forEach((ins, i) => {
    const ip = `${sp}.program[${i}]`;
    const a = arr(ip, ins, 4);
    const op = enumOf(`${ip}[0]`, a[0], OPS, 'op');
    const { code, arity } = OPS[op];
    const want = arity === 2 || op === 'cast' ? 4 : 3;
    if (a.length !== want) throw rangeErr(ip, `"${op}" takes ${want} entries ([op, dst, ${arity === 0 ? 'leaf' : arity === 1 ? 'a' : 'a, b'}]), got ${a.length}`);
    const dst = int(`${ip}[1]`, a[1], 0, nregs - 1);
    let x = 0;
    let y = 0;
    if (arity === 0) x = int(`${ip}[2]`, a[2], 0, nleaves - 1);
    else {
      x = operand(`${ip}[2]`, a[2]);
      if (arity === 2) y = operand(`${ip}[3]`, a[3]);
      if (op === 'cast') y = dtypeCode(dtype(`${ip}[3]`, a[3])); // the target dtype, by name
    }
    program.set([code, dst, x, y], i * 4);
    regs |= 1n << BigInt(dst);
  });
  if (!(regs & (1n << BigInt(result)))) throw rangeErr(`${sp}.result`, `register ${result} is never written by the program`);
  return { program, ...decoded };
}
