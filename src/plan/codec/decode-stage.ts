// Decode one stage of an untrusted plan: its iteration space and chunk grid, its sink (first:
// leaves must not read what the stage writes), its leaves, and its register program. The checks
// run in that order; each error names its JSON path.
import type { NativeLeaf, NativeSink, NativeStage } from '../types.js';
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

export function decodeStage(raw: unknown, s: number, ctx: StageContext): DecodedStage {
  const sp = `plan.stages[${s}]`;
  const st = obj(sp, raw, ['name', 'shape', 'chunks', 'leaves', 'program', 'imms', 'nregs', 'result', 'sink'], ['shape', 'chunks', 'leaves', 'program', 'nregs', 'result', 'sink']);
  if (st.name !== undefined) checkName(`${sp}.name`, st.name);
  const name = typeof st.name === 'string' ? st.name : `stage-${s}`;
  const shape = intList(`${sp}.shape`, st.shape, undefined, 0, SAFE);
  const count = shape.reduce((x, y) => x * y, 1);
  if (!(count <= SAFE)) throw rangeErr(`${sp}.shape`, `[${shape.join(', ')}] has more than 2^53 elements`);
  ctx.elements += count;
  if (!(ctx.elements <= ctx.maxElements)) {
    throw rangeErr(`${sp}.shape`, `the plan iterates over more than ${ctx.maxElements} elements in total (execute's maxElements)`);
  }
  const { chunks, tasks } = decodeChunks(`${sp}.chunks`, st.chunks, shape);
  const nregs = int(`${sp}.nregs`, st.nregs, 1, PLAN_LIMITS.maxRegisters);
  const result = int(`${sp}.result`, st.result, 0, nregs - 1);
  const sink = decodeSink(`${sp}.sink`, st.sink, shape, ctx.buffers);
  const leaves = arr(`${sp}.leaves`, st.leaves, PLAN_LIMITS.maxLeaves).map((l, i) => decodeLeaf(`${sp}.leaves[${i}]`, l, shape, sink.buffer, ctx));
  const { program, imms, immKinds, immInts } = decodeProgram(sp, st, nregs, result, leaves.length);
  ctx.written.add(sink.buffer);
  const exact = immKinds ? { immKinds, immInts } : {};
  return { stage: { shape, chunks, leaves, program, imms, ...exact, nregs, result, sink }, name, tasks };
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
    if (buf.role !== 'input' && !ctx.written.has(b)) {
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
