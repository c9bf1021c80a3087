// The serialized plan format ("tessera.plan", version 1): the native plan the engine executes
// (src/graph/lower.ts → native/engine/plan.h), made JSON-safe, self-describing and versioned.
//
//   toPlan / exportPlan   NDArrays → plan object (JSON.stringify-able), inputs named by reference
//   decodePlan            untrusted JSON value → checked native plan (every error names its JSON path)
//   execute               decodePlan + allocate outputs + one native call → results
//
// The schema is docs/plan.schema.json. decodePlan is the first line of defence against malformed
// or hostile plans; native/engine/validate.cc (validatePlan) is the second.
import { materializeLimit } from '../config.js';
import { abortError, describe as describeValue } from '../errors.js';
import { DenseArray } from '../array/dense.js';
import { NDArray, type Computed } from '../array/ndarray.js';
import { topoOrder, type DType, type MemoryNode } from '../array/node.js';
import { Lowering, type Lowered, type RootRequest } from '../graph/lower.js';
import type { ComputeOptions } from '../graph/types.js';
import {
  LeafKind,
  NativeDType,
  OpCode,
  ReduceCode,
  native,
  type NativeBuffer,
  type NativeBufferArg,
  type NativeLeaf,
  type NativePlan,
  type NativeSink,
  type NativeStage,
} from '../native.js';
import { runLowered } from '../scheduler/local.js';

export const PLAN_FORMAT = 'tessera.plan';
export const PLAN_VERSION = 1;

/** A float that survives JSON: NaN, ±Infinity and -0 are spelled as strings. */
export type PlanNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
export type PlanDType = 'float64' | 'float32';

export type PlanBuffer =
  | { role: 'input'; name: string; dtype: PlanDType; length: number }
  | { role: 'output'; name: string; dtype: PlanDType; shape: number[] }
  | { role: 'scratch'; dtype: PlanDType; length: number };

export type PlanLeaf =
  | { kind: 'arange'; dtype: PlanDType; offset: number; strides: number[]; a: PlanNumber; b: PlanNumber }
  | { kind: 'random_uniform' | 'random_normal'; dtype: PlanDType; offset: number; strides: number[]; a: PlanNumber; b: PlanNumber; seed: number }
  | { kind: 'memory'; dtype: PlanDType; offset: number; strides: number[]; buffer: number };

export type PlanOp =
  | 'load' | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos'
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min';
/** ['load', dst, leaf] | [unary, dst, a] | [binary, dst, a, b]; operand r < 0 means imms[-1 - r]. */
export type PlanInstr = [PlanOp, number, number] | [PlanOp, number, number, number];
export type PlanReduce = 'none' | 'sum' | 'prod' | 'min' | 'max' | 'mean' | 'var' | 'std';

export interface PlanSink {
  reduce: PlanReduce;
  dtype: PlanDType;
  buffer: number;
  offset: number;
  strides: number[];
  reduceAxes: (0 | 1)[];
  ddof: number;
}

export interface PlanStage {
  name?: string;
  shape: number[];
  chunks: number[][];
  leaves: PlanLeaf[];
  program: PlanInstr[];
  imms: PlanNumber[];
  nregs: number;
  result: number;
  sink: PlanSink;
}

export interface Plan {
  format: 'tessera.plan';
  version: 1;
  buffers: PlanBuffer[];
  stages: PlanStage[];
  /** Buffer indices (role 'output') in the order execute() returns them. */
  outputs: number[];
  /** Free-form annotations for the producing tool; never interpreted. */
  meta?: Record<string, unknown>;
}

// ------------------------------------------------------------------------------------------------
// Codes shared with native/engine/plan.h

const OPS: Record<PlanOp, { code: OpCode; arity: 0 | 1 | 2 }> = {
  load: { code: OpCode.Load, arity: 0 },
  neg: { code: OpCode.Neg, arity: 1 },
  abs: { code: OpCode.Abs, arity: 1 },
  exp: { code: OpCode.Exp, arity: 1 },
  log: { code: OpCode.Log, arity: 1 },
  sqrt: { code: OpCode.Sqrt, arity: 1 },
  sin: { code: OpCode.Sin, arity: 1 },
  cos: { code: OpCode.Cos, arity: 1 },
  add: { code: OpCode.Add, arity: 2 },
  sub: { code: OpCode.Sub, arity: 2 },
  mul: { code: OpCode.Mul, arity: 2 },
  div: { code: OpCode.Div, arity: 2 },
  pow: { code: OpCode.Pow, arity: 2 },
  max: { code: OpCode.Max, arity: 2 },
  min: { code: OpCode.Min, arity: 2 },
};
const OP_BY_CODE = new Map<number, PlanOp>(Object.entries(OPS).map(([name, o]) => [o.code as number, name as PlanOp]));
const REDUCES: Record<PlanReduce, ReduceCode> = {
  none: ReduceCode.None, sum: ReduceCode.Sum, prod: ReduceCode.Prod, min: ReduceCode.Min,
  max: ReduceCode.Max, mean: ReduceCode.Mean, var: ReduceCode.Var, std: ReduceCode.Std,
};
const REDUCE_BY_CODE = new Map<number, PlanReduce>(Object.entries(REDUCES).map(([k, v]) => [v as number, k as PlanReduce]));
const LEAF_KINDS = { arange: LeafKind.Arange, random_uniform: LeafKind.RandomUniform, random_normal: LeafKind.RandomNormal, memory: LeafKind.Memory } as const;
const LEAF_BY_CODE = new Map<number, keyof typeof LEAF_KINDS>(Object.entries(LEAF_KINDS).map(([k, v]) => [v as number, k as keyof typeof LEAF_KINDS]));

/** Limits of the decoder (the native engine's own limits, plus work and memory budgets). */
export const PLAN_LIMITS = Object.freeze({
  maxDims: 32,
  maxRegisters: 64,
  maxInstructions: 1 << 16,
  maxLeaves: 1 << 16,
  maxImms: 1 << 20,
  maxStages: 1 << 16,
  maxBuffers: 1 << 16,
  maxTasksPerStage: 2 ** 31,
  maxNameLength: 256,
  /** Default for ExecuteOptions.maxElements: the sum over stages of iteration-space sizes. */
  defaultMaxElements: 2 ** 48,
});

const SAFE = Number.MAX_SAFE_INTEGER;

// ------------------------------------------------------------------------------------------------
// Numbers

export function encodeNumber(v: number): PlanNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

const dtypeName = (d: NativeDType): PlanDType => (d === NativeDType.F64 ? 'float64' : 'float32');
const itemBytes = (d: PlanDType): number => (d === 'float64' ? 8 : 4);

// ------------------------------------------------------------------------------------------------
// Export: NDArrays → plan

export interface ToPlanOptions {
  /** Names for caller-memory inputs: { x: someFromArrayResult }. Unnamed inputs get their layer name. */
  inputs?: Record<string, NDArray<Computed>>;
  /** Names for the outputs, in order (default out0, out1, …). */
  outputs?: readonly string[];
  /** Copied into plan.meta. */
  meta?: Record<string, unknown>;
}

export interface ExportedPlan {
  plan: Plan;
  /** The caller memory the plan reads, by input name: pass it (or other data of the same size) to execute(). */
  inputs: Record<string, Float64Array | Float32Array>;
}

/** A stand-in for an output buffer: lowering allocates nothing while exporting. */
interface Placeholder {
  readonly placeholderBytes: number;
}

/**
 * Describe the optimized work of computing `arrays` as a plan (the same plan compute() runs),
 * together with the caller memory it reads. Nothing is computed and no output is allocated.
 */
export function exportPlan(arrays: NDArray<Computed> | readonly NDArray<Computed>[], options: ToPlanOptions = {}): ExportedPlan {
  const list = arrays instanceof NDArray ? [arrays] : arrays;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`toPlan: expected an NDArray or a non-empty array of NDArrays, got ${describeValue(arrays)}`);
  list.forEach((a, i) => {
    if (!(a instanceof NDArray)) throw new TypeError(`toPlan: arrays[${i}] must be an NDArray, got ${describeValue(a)}`);
  });
  if (typeof options !== 'object' || options === null) throw new TypeError(`toPlan: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!['inputs', 'outputs', 'meta'].includes(key)) throw new TypeError(`toPlan: unknown option ${describeValue(key)}; accepted: inputs, outputs, meta`);
  }
  const outputNames = options.outputs ? [...options.outputs] : list.map((_, i) => `out${i}`);
  if (outputNames.length !== list.length) throw new RangeError(`toPlan: options.outputs has ${outputNames.length} names for ${list.length} arrays`);
  outputNames.forEach((n, i) => checkName(`toPlan: options.outputs[${i}]`, n));
  if (new Set(outputNames).size !== outputNames.length) throw new RangeError(`toPlan: options.outputs repeats a name`);

  // Caller memory by reference: which node (name, dtype) each memory object belongs to.
  const memoryNodes = new Map<object, MemoryNode>();
  for (const n of topoOrder(list.map((a) => a.node))) {
    if (n.kind === 'memory' && !memoryNodes.has(n.memory as object)) memoryNodes.set(n.memory as object, n);
  }
  const givenNames = new Map<object, string>();
  for (const [name, arr] of Object.entries(options.inputs ?? {})) {
    checkName(`toPlan: options.inputs key`, name);
    if (!(arr instanceof NDArray) || arr.node.kind !== 'memory') {
      throw new TypeError(`toPlan: options.inputs.${name} must be an NDArray over caller memory (fromArray, fromNdarray, persist), got ${describeValue(arr)}`);
    }
    givenNames.set(arr.node.memory as object, name);
  }

  const placeholders = new Set<object>();
  const lowering = new Lowering((bytes) => {
    const p: Placeholder = { placeholderBytes: bytes };
    placeholders.add(p);
    return p as unknown as NativeBuffer;
  });
  // Reductions as roots lower straight into their result (as compute() does); other roots write
  // into a placeholder, so exporting a 10 GB result allocates nothing.
  const lowered = lowering.lower(list.map((a): RootRequest => ({ node: a.node, target: a.node.kind === 'reduce' ? 'result' : 'persist' })));

  const outputOf = new Map<number, number>(); // buffer index → output number
  const outputBuffers = lowered.outputs.map((out, i) => {
    const b = lowered.buffers.indexOf(out.memory as NativeBufferArg);
    if (b < 0) throw new Error(`toPlan: internal error: output ${i} has no buffer`);
    if (!outputOf.has(b)) outputOf.set(b, i);
    return b;
  });
  const writtenDtype = new Map<number, NativeDType>();
  for (const st of lowered.plan.stages) writtenDtype.set(st.sink.buffer, st.sink.dtype);

  const inputs: Record<string, Float64Array | Float32Array> = {};
  const usedNames = new Set<string>(outputNames);
  const buffers: PlanBuffer[] = lowered.buffers.map((mem, i): PlanBuffer => {
    const out = outputOf.get(i);
    if (out !== undefined) {
      const o = lowered.outputs[out]!;
      return { role: 'output', name: outputNames[out]!, dtype: o.dtype, shape: [...o.shape] };
    }
    const node = memoryNodes.get(mem as object);
    if (node) {
      const data = memoryView(node);
      let name = givenNames.get(mem as object) ?? node.name;
      if (usedNames.has(name)) name = `${name}_${i}`;
      usedNames.add(name);
      inputs[name] = data;
      return { role: 'input', name, dtype: node.dtype, length: data.length };
    }
    if (placeholders.has(mem as object)) throw new Error(`toPlan: internal error: unused placeholder buffer ${i}`);
    const dtype = dtypeName(writtenDtype.get(i) ?? NativeDType.F64);
    return { role: 'scratch', dtype, length: (mem as ArrayBuffer).byteLength / itemBytes(dtype) };
  });

  const stages = lowered.plan.stages.map((st, s) => encodeStage(st, lowered.stageNames[s]));
  const plan: Plan = { format: PLAN_FORMAT, version: PLAN_VERSION, buffers, stages, outputs: outputBuffers };
  if (options.meta !== undefined) plan.meta = { ...options.meta };
  return { plan, inputs };
}

/** The plan alone (see exportPlan for the inputs it reads). */
export function toPlan(arrays: NDArray<Computed> | readonly NDArray<Computed>[], options?: ToPlanOptions): Plan {
  return exportPlan(arrays, options).plan;
}

function memoryView(node: MemoryNode): Float64Array | Float32Array {
  const Ctor = node.dtype === 'float64' ? Float64Array : Float32Array;
  const m = node.memory as unknown;
  if (m instanceof Float64Array || m instanceof Float32Array) {
    if ((m instanceof Float64Array) === (Ctor === Float64Array)) return m;
    return new Ctor(m.buffer as ArrayBuffer, m.byteOffset, Math.floor(m.byteLength / Ctor.BYTES_PER_ELEMENT));
  }
  if (ArrayBuffer.isView(m)) return new Ctor(m.buffer as ArrayBuffer, m.byteOffset, Math.floor(m.byteLength / Ctor.BYTES_PER_ELEMENT));
  if (m instanceof ArrayBuffer) return new Ctor(m, 0, Math.floor(m.byteLength / Ctor.BYTES_PER_ELEMENT));
  if (node.state.disposed) throw new Error(`${node.name}: this persisted array was disposed; persist() it again to use it`);
  const ab = native().bufferView(m as NativeBuffer);
  return new Ctor(ab, 0, Math.floor(ab.byteLength / Ctor.BYTES_PER_ELEMENT));
}

function encodeStage(st: NativeStage, name: string | undefined): PlanStage {
  const program: PlanInstr[] = [];
  for (let i = 0; i < st.program.length; i += 4) {
    const op = OP_BY_CODE.get(st.program[i]!)!;
    const arity = OPS[op].arity;
    const dst = st.program[i + 1]!;
    const a = st.program[i + 2]!;
    program.push(arity === 2 ? [op, dst, a, st.program[i + 3]!] : [op, dst, a]);
  }
  const leaves = st.leaves.map((l): PlanLeaf => {
    const base = { dtype: dtypeName(l.dtype), offset: l.offset, strides: [...l.strides] };
    const kind = LEAF_BY_CODE.get(l.kind)!;
    if (kind === 'memory') return { kind, ...base, buffer: l.buffer };
    if (kind === 'arange') return { kind, ...base, a: encodeNumber(l.a), b: encodeNumber(l.b) };
    return { kind, ...base, a: encodeNumber(l.a), b: encodeNumber(l.b), seed: l.seed };
  });
  const stage: PlanStage = {
    shape: [...st.shape],
    chunks: st.chunks.map((c) => [...c]),
    leaves,
    program,
    imms: Array.from(st.imms, encodeNumber),
    nregs: st.nregs,
    result: st.result,
    sink: {
      reduce: REDUCE_BY_CODE.get(st.sink.reduce)!,
      dtype: dtypeName(st.sink.dtype),
      buffer: st.sink.buffer,
      offset: st.sink.offset,
      strides: [...st.sink.strides],
      reduceAxes: st.sink.reduceAxes.map((f) => (f ? 1 : 0)),
      ddof: st.sink.ddof,
    },
  };
  return name ? { name, ...stage } : stage;
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`${what} must be a string, got ${describeValue(name)}`);
  if (name.length === 0 || name.length > PLAN_LIMITS.maxNameLength) {
    throw new RangeError(`${what} must be a non-empty string of at most ${PLAN_LIMITS.maxNameLength} characters, got ${name.length} characters`);
  }
  return name;
}

// ------------------------------------------------------------------------------------------------
// Decode: untrusted value → checked native plan

/** A checked plan, ready to run: the native plan plus what each buffer must be. */
export interface DecodedPlan {
  native: NativePlan;
  buffers: PlanBuffer[];
  outputs: number[];
  stageNames: string[];
  stageTasks: number[];
  /** Sum over stages of iteration-space sizes. */
  elements: number;
  /** Bytes execute() allocates for outputs and scratch. */
  allocBytes: number;
}

export interface DecodeOptions {
  /** Refuse plans whose stages iterate over more elements than this in total (default 2^48). */
  maxElements?: number;
  /** Refuse plans whose outputs and scratch need more bytes than this (default: configure({ materializeLimit })). */
  maxBytes?: number;
}

/** Short, bounded description of an untrusted value (never stringifies big or deep values). */
function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

const typeErr = (path: string, what: string, v: unknown): TypeError => new TypeError(`${path}: expected ${what}, got ${show(v)}`);
const rangeErr = (path: string, msg: string): RangeError => new RangeError(`${path}: ${msg}`);

function obj(path: string, v: unknown, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeErr(path, 'an object', v);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw rangeErr(path, `unknown field ${show(key)} (accepted: ${allowed.join(', ')})`);
  }
  for (const key of required) if (!(key in o) || o[key] === undefined) throw typeErr(`${path}.${key}`, 'a value (required field)', undefined);
  return o;
}

function arr(path: string, v: unknown, max: number): unknown[] {
  if (!Array.isArray(v)) throw typeErr(path, 'an array', v);
  if (v.length > max) throw rangeErr(path, `has ${v.length} entries (at most ${max})`);
  return v;
}

function int(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw typeErr(path, 'an integer', v);
  if (!Number.isInteger(v)) throw rangeErr(path, `${show(v)} is not an integer`);
  if (v < min || v > max) throw rangeErr(path, `${v} out of range (accepted: ${min}..${max})`);
  return v;
}

function float(path: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === '-0') return -0;
  throw typeErr(path, 'a number (or "NaN", "Infinity", "-Infinity", "-0")', v);
}

function dtype(path: string, v: unknown): PlanDType {
  if (v === 'float64' || v === 'float32') return v;
  if (typeof v !== 'string') throw typeErr(path, `"float64" or "float32"`, v);
  throw rangeErr(path, `unknown dtype ${show(v)} (accepted: "float64", "float32")`);
}

function enumOf<K extends string>(path: string, v: unknown, table: Record<K, unknown>, what: string): K {
  if (typeof v !== 'string') throw typeErr(path, `${what} name`, v);
  if (!Object.prototype.hasOwnProperty.call(table, v)) throw rangeErr(path, `unknown ${what} ${show(v)} (accepted: ${Object.keys(table).join(', ')})`);
  return v as K;
}

function intList(path: string, v: unknown, length: number | undefined, min: number, max: number, maxLength = PLAN_LIMITS.maxDims): number[] {
  const a = arr(path, v, maxLength);
  if (length !== undefined && a.length !== length) throw rangeErr(path, `has ${a.length} entries, expected ${length} (one per stage axis)`);
  return a.map((x, i) => int(`${path}[${i}]`, x, min, max));
}

/**
 * Affine address range of `offset + Σ c[k]·strides[k]` over `shape`: [lo, hi], or null for an empty
 * shape. Throws when |offset| + Σ |stride|·(n - 1) exceeds 2^53 (no real buffer is that large).
 */
function addressRange(path: string, offset: number, strides: readonly number[], shape: readonly number[]): [number, number] | null {
  if (shape.some((n) => n === 0)) return null;
  let lo = offset;
  let hi = offset;
  let magnitude = Math.abs(offset);
  for (let k = 0; k < shape.length; k++) {
    const span = strides[k]! * (shape[k]! - 1);
    magnitude += Math.abs(span);
    if (span < 0) lo += span;
    else hi += span;
  }
  if (!(magnitude <= SAFE)) throw rangeErr(path, `address range |offset| + sum |stride|*(shape-1) exceeds 2^53 elements`);
  return [lo, hi];
}

/**
 * True when the map c ↦ Σ c[k]·strides[k] is one-to-one over `shape` restricted to `axes`
 * (sufficient test: sorted by |stride|, each stride exceeds the span of the smaller ones).
 */
function injective(strides: readonly number[], shape: readonly number[], axes: readonly number[]): boolean {
  const dims = axes.filter((k) => shape[k]! > 1).map((k) => ({ s: Math.abs(strides[k]!), n: shape[k]! }));
  dims.sort((p, q) => p.s - q.s);
  let span = 0;
  for (const d of dims) {
    if (d.s <= span) return false;
    span += d.s * (d.n - 1);
  }
  return true;
}

/** Check an untrusted plan (e.g. straight from JSON.parse) and translate it for the engine. */
export function decodePlan(value: unknown, options: DecodeOptions = {}): DecodedPlan {
  const maxElements = options.maxElements ?? PLAN_LIMITS.defaultMaxElements;
  const maxBytes = options.maxBytes ?? materializeLimit();
  const p = obj('plan', value, ['format', 'version', 'buffers', 'stages', 'outputs', 'meta'], ['format', 'version', 'buffers', 'stages', 'outputs']);
  if (p.format !== PLAN_FORMAT) {
    if (typeof p.format !== 'string') throw typeErr('plan.format', `"${PLAN_FORMAT}"`, p.format);
    throw rangeErr('plan.format', `${show(p.format)} is not a tessera plan (expected "${PLAN_FORMAT}")`);
  }
  if (typeof p.version !== 'number') throw typeErr('plan.version', 'an integer', p.version);
  if (p.version !== PLAN_VERSION) throw rangeErr('plan.version', `unsupported version ${show(p.version)} (this tessera reads version ${PLAN_VERSION})`);
  if (p.meta !== undefined && (typeof p.meta !== 'object' || p.meta === null || Array.isArray(p.meta))) throw typeErr('plan.meta', 'an object', p.meta);

  // buffers
  const rawBuffers = arr('plan.buffers', p.buffers, PLAN_LIMITS.maxBuffers);
  const inputNames = new Set<string>();
  const outputNames = new Set<string>();
  let allocBytes = 0;
  const buffers = rawBuffers.map((raw, i): PlanBuffer => {
    const path = `plan.buffers[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw typeErr(path, 'an object', raw);
    const role = (raw as Record<string, unknown>).role;
    if (role === 'input') {
      const b = obj(path, raw, ['role', 'name', 'dtype', 'length'], ['name', 'dtype', 'length']);
      const name = checkName(`${path}.name`, b.name);
      if (inputNames.has(name)) throw rangeErr(`${path}.name`, `input name ${show(name)} is used twice`);
      inputNames.add(name);
      return { role, name, dtype: dtype(`${path}.dtype`, b.dtype), length: int(`${path}.length`, b.length, 0, SAFE) };
    }
    if (role === 'output') {
      const b = obj(path, raw, ['role', 'name', 'dtype', 'shape'], ['name', 'dtype', 'shape']);
      const name = checkName(`${path}.name`, b.name);
      if (outputNames.has(name)) throw rangeErr(`${path}.name`, `output name ${show(name)} is used twice`);
      outputNames.add(name);
      const dt = dtype(`${path}.dtype`, b.dtype);
      const shape = intList(`${path}.shape`, b.shape, undefined, 0, SAFE);
      const n = shape.reduce((x, y) => x * y, 1);
      const bytes = Math.max(n, 1) * itemBytes(dt);
      if (!(bytes <= maxBytes)) throw rangeErr(`${path}.shape`, `[${shape.join(', ')}] needs ${bytes} bytes, over the limit of ${maxBytes} (configure({ materializeLimit }) or execute's maxBytes)`);
      allocBytes += bytes;
      return { role, name, dtype: dt, shape };
    }
    if (role === 'scratch') {
      const b = obj(path, raw, ['role', 'dtype', 'length'], ['dtype', 'length']);
      const dt = dtype(`${path}.dtype`, b.dtype);
      const length = int(`${path}.length`, b.length, 0, SAFE);
      allocBytes += length * itemBytes(dt);
      return { role, dtype: dt, length };
    }
    if (typeof role !== 'string') throw typeErr(`${path}.role`, '"input", "output" or "scratch"', role);
    throw rangeErr(`${path}.role`, `unknown role ${show(role)} (accepted: input, output, scratch)`);
  });
  if (!(allocBytes <= maxBytes)) throw rangeErr('plan.buffers', `outputs and scratch need ${allocBytes} bytes, over the limit of ${maxBytes}`);
  const lengthOf = (b: PlanBuffer): number => (b.role === 'output' ? Math.max(b.shape.reduce((x, y) => x * y, 1), 1) : b.length);

  // outputs
  const outputs = arr('plan.outputs', p.outputs, PLAN_LIMITS.maxBuffers).map((x, i) => {
    const b = int(`plan.outputs[${i}]`, x, 0, buffers.length - 1);
    if (buffers[b]!.role !== 'output') throw rangeErr(`plan.outputs[${i}]`, `buffer ${b} has role ${show(buffers[b]!.role)}, not "output"`);
    return b;
  });

  // stages
  const rawStages = arr('plan.stages', p.stages, PLAN_LIMITS.maxStages);
  const written = new Set<number>();
  let elements = 0;
  const stageNames: string[] = [];
  const stageTasks: number[] = [];
  const stages = rawStages.map((raw, s): NativeStage => {
    const sp = `plan.stages[${s}]`;
    const st = obj(sp, raw, ['name', 'shape', 'chunks', 'leaves', 'program', 'imms', 'nregs', 'result', 'sink'], ['shape', 'chunks', 'leaves', 'program', 'nregs', 'result', 'sink']);
    if (st.name !== undefined) checkName(`${sp}.name`, st.name);
    stageNames.push(typeof st.name === 'string' ? st.name : `stage-${s}`);
    const shape = intList(`${sp}.shape`, st.shape, undefined, 0, SAFE);
    const nd = shape.length;
    const count = shape.reduce((x, y) => x * y, 1);
    if (!(count <= SAFE)) throw rangeErr(`${sp}.shape`, `[${shape.join(', ')}] has more than 2^53 elements`);
    elements += count;
    if (!(elements <= maxElements)) {
      throw rangeErr(`${sp}.shape`, `the plan iterates over more than ${maxElements} elements in total (execute's maxElements)`);
    }
    // chunks tile the shape
    const rawChunks = arr(`${sp}.chunks`, st.chunks, PLAN_LIMITS.maxDims);
    if (rawChunks.length !== nd) throw rangeErr(`${sp}.chunks`, `has ${rawChunks.length} axes, shape has ${nd} (one list of chunk sizes per axis)`);
    let tasks = 1;
    const chunks = rawChunks.map((c, k) => {
      const cp = `${sp}.chunks[${k}]`;
      const list = arr(cp, c, Math.max(shape[k]!, 1));
      let sum = 0;
      const sizes = list.map((x, j) => int(`${cp}[${j}]`, x, shape[k] === 0 ? 0 : 1, shape[k]!));
      for (const x of sizes) sum += x;
      if (sum !== shape[k]) throw rangeErr(cp, `chunk sizes sum to ${sum}, shape[${k}] is ${shape[k]}`);
      if (sizes.length === 0) throw rangeErr(cp, 'is empty (an axis needs at least one chunk)');
      tasks *= sizes.length;
      return sizes;
    });
    if (tasks > PLAN_LIMITS.maxTasksPerStage) throw rangeErr(`${sp}.chunks`, `the chunk grid has ${tasks} tasks (at most 2^31)`);
    stageTasks.push(tasks);
    const nregs = int(`${sp}.nregs`, st.nregs, 1, PLAN_LIMITS.maxRegisters);
    const result = int(`${sp}.result`, st.result, 0, nregs - 1);

    // sink first: leaves must not read what this stage writes
    const k0 = obj(`${sp}.sink`, st.sink, ['reduce', 'dtype', 'buffer', 'offset', 'strides', 'reduceAxes', 'ddof'], ['reduce', 'dtype', 'buffer', 'strides']);
    const kp = `${sp}.sink`;
    const reduce = enumOf(`${kp}.reduce`, k0.reduce, REDUCES, 'reduction');
    const sinkBuffer = int(`${kp}.buffer`, k0.buffer, 0, buffers.length - 1);
    const out = buffers[sinkBuffer]!;
    if (out.role === 'input') throw rangeErr(`${kp}.buffer`, `buffer ${sinkBuffer} is the input ${show(out.name)}; stages write only output or scratch buffers`);
    const sinkDtype = dtype(`${kp}.dtype`, k0.dtype);
    if (sinkDtype !== out.dtype) throw rangeErr(`${kp}.dtype`, `${sinkDtype} does not match buffer ${sinkBuffer} (${out.dtype})`);
    const sinkOffset = k0.offset === undefined ? 0 : int(`${kp}.offset`, k0.offset, -SAFE, SAFE);
    const sinkStrides = intList(`${kp}.strides`, k0.strides, nd, -SAFE, SAFE);
    const reduceAxes = k0.reduceAxes === undefined ? shape.map(() => 0) : intList(`${kp}.reduceAxes`, k0.reduceAxes, nd, 0, 1);
    if (reduce === 'none') {
      const bad = reduceAxes.indexOf(1);
      if (bad >= 0) throw rangeErr(`${kp}.reduceAxes[${bad}]`, 'is 1 but reduce is "none"');
    }
    reduceAxes.forEach((f, k) => {
      if (f && sinkStrides[k] !== 0) throw rangeErr(`${kp}.strides[${k}]`, `${sinkStrides[k]} on a reduced axis (accepted: 0)`);
    });
    let ddof = 0;
    if (k0.ddof !== undefined) {
      if (typeof k0.ddof !== 'number') throw typeErr(`${kp}.ddof`, 'a number', k0.ddof);
      if (!(Number.isFinite(k0.ddof) && k0.ddof >= 0)) throw rangeErr(`${kp}.ddof`, `${k0.ddof} (accepted: a finite number >= 0)`);
      ddof = k0.ddof;
    }
    const range = addressRange(kp, sinkOffset, sinkStrides, shape);
    if (range) {
      if (range[0] < 0) throw rangeErr(kp, `writes element ${range[0]}, before the start of buffer ${sinkBuffer}`);
      if (range[1] >= lengthOf(out)) throw rangeErr(kp, `writes element ${range[1]} but buffer ${sinkBuffer} holds ${lengthOf(out)} elements`);
      const kept = shape.map((_, k) => k).filter((k) => !reduceAxes[k]);
      if (!injective(sinkStrides, shape, kept)) throw rangeErr(`${kp}.strides`, 'would write some elements more than once (the store must be one-to-one)');
    }

    // leaves
    const leaves = arr(`${sp}.leaves`, st.leaves, PLAN_LIMITS.maxLeaves).map((rawLeaf, i): NativeLeaf => {
      const lp = `${sp}.leaves[${i}]`;
      if (typeof rawLeaf !== 'object' || rawLeaf === null || Array.isArray(rawLeaf)) throw typeErr(lp, 'an object', rawLeaf);
      const kind = enumOf(`${lp}.kind`, (rawLeaf as Record<string, unknown>).kind, LEAF_KINDS, 'leaf kind');
      const common = ['kind', 'dtype', 'offset', 'strides'];
      const l =
        kind === 'memory'
          ? obj(lp, rawLeaf, [...common, 'buffer'], ['dtype', 'strides', 'buffer'])
          : kind === 'arange'
            ? obj(lp, rawLeaf, [...common, 'a', 'b'], ['dtype', 'strides', 'a', 'b'])
            : obj(lp, rawLeaf, [...common, 'a', 'b', 'seed'], ['dtype', 'strides', 'a', 'b', 'seed']);
      const dt = dtype(`${lp}.dtype`, l.dtype);
      const offset = l.offset === undefined ? 0 : int(`${lp}.offset`, l.offset, -SAFE, SAFE);
      const strides = intList(`${lp}.strides`, l.strides, nd, -SAFE, SAFE);
      const lr = addressRange(lp, offset, strides, shape);
      const leaf: NativeLeaf = { kind: LEAF_KINDS[kind], dtype: dt === 'float64' ? NativeDType.F64 : NativeDType.F32, offset, strides, a: 0, b: 0, seed: 0, buffer: -1 };
      if (kind === 'memory') {
        const b = int(`${lp}.buffer`, l.buffer, 0, buffers.length - 1);
        const buf = buffers[b]!;
        if (dt !== buf.dtype) throw rangeErr(`${lp}.dtype`, `${dt} does not match buffer ${b} (${buf.dtype})`);
        if (b === sinkBuffer) throw rangeErr(`${lp}.buffer`, `buffer ${b} is written by this stage's sink; a stage cannot read what it writes`);
        if (buf.role !== 'input' && !written.has(b)) {
          throw rangeErr(`${lp}.buffer`, `buffer ${b} (${buf.role}) is read before any earlier stage writes it`);
        }
        if (lr) {
          if (lr[0] < 0) throw rangeErr(lp, `reads element ${lr[0]}, before the start of buffer ${b}`);
          if (lr[1] >= lengthOf(buf)) throw rangeErr(lp, `reads element ${lr[1]} but buffer ${b} holds ${lengthOf(buf)} elements`);
        }
        leaf.buffer = b;
      } else {
        leaf.a = float(`${lp}.a`, l.a);
        leaf.b = float(`${lp}.b`, l.b);
        if (kind !== 'arange') leaf.seed = int(`${lp}.seed`, l.seed, 0, SAFE - 1);
      }
      return leaf;
    });

    // immediates and program
    const imms = st.imms === undefined ? [] : arr(`${sp}.imms`, st.imms, PLAN_LIMITS.maxImms).map((x, i) => float(`${sp}.imms[${i}]`, x));
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
      const want = arity === 2 ? 4 : 3;
      if (a.length !== want) throw rangeErr(ip, `"${op}" takes ${want} entries ([op, dst, ${arity === 0 ? 'leaf' : arity === 1 ? 'a' : 'a, b'}]), got ${a.length}`);
      const dst = int(`${ip}[1]`, a[1], 0, nregs - 1);
      let x = 0;
      let y = 0;
      if (arity === 0) x = int(`${ip}[2]`, a[2], 0, leaves.length - 1);
      else {
        x = operand(`${ip}[2]`, a[2]);
        if (arity === 2) y = operand(`${ip}[3]`, a[3]);
      }
      program.set([code, dst, x, y], i * 4);
      regs |= 1n << BigInt(dst);
    });
    if (!(regs & (1n << BigInt(result)))) throw rangeErr(`${sp}.result`, `register ${result} is never written by the program`);

    const sink: NativeSink = {
      reduce: REDUCES[reduce],
      dtype: sinkDtype === 'float64' ? NativeDType.F64 : NativeDType.F32,
      buffer: sinkBuffer,
      offset: sinkOffset,
      strides: sinkStrides,
      reduceAxes,
      ddof,
    };
    written.add(sinkBuffer);
    return { shape, chunks, leaves, program, imms: Float64Array.from(imms), nregs, result, sink };
  });
  for (const b of outputs) if (!written.has(b)) throw rangeErr(`plan.buffers[${b}]`, `output ${show((buffers[b] as { name: string }).name)} is never written by a stage`);
  return { native: { stages }, buffers, outputs, stageNames, stageTasks, elements, allocBytes };
}

/** Throws (TypeError/RangeError naming the JSON path) when `plan` is not a valid plan. */
export function validatePlan(plan: unknown, options?: DecodeOptions): void {
  decodePlan(plan, options);
}

// ------------------------------------------------------------------------------------------------
// Execute

export type PlanInputs = Record<string, Float64Array | Float32Array | DenseArray>;

export interface ExecuteOptions extends ComputeOptions, DecodeOptions {}

/**
 * Run a plan (an object, or JSON text) with its inputs by name. Returns the outputs in
 * plan.outputs order: a number for 0-d outputs, a DenseArray otherwise (its data is not copied).
 * Inputs are read in place (zero-copy) and never written.
 */
export async function execute(plan: unknown, inputs: PlanInputs = {}, options: ExecuteOptions = {}): Promise<Computed[]> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`execute: options must be an object, got ${describeValue(options)}`);
  if (options.signal?.aborted) throw abortError(options.signal.reason);
  const value = typeof plan === 'string' ? parseJson(plan) : plan;
  const decoded = decodePlan(value, { maxElements: options.maxElements, maxBytes: options.maxBytes });
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw new TypeError(`execute: inputs must be an object { name: Float64Array | Float32Array }, got ${describeValue(inputs)}`);
  const declared = new Set(decoded.buffers.filter((b) => b.role === 'input').map((b) => (b as { name: string }).name));
  for (const name of Object.keys(inputs)) {
    if (!declared.has(name)) throw new RangeError(`execute: inputs.${name} is not an input of this plan (inputs: ${[...declared].join(', ') || 'none'})`);
  }
  const memory: NativeBufferArg[] = decoded.buffers.map((b) => {
    if (b.role === 'input') {
      let data: unknown = Object.prototype.hasOwnProperty.call(inputs, b.name) ? inputs[b.name] : undefined;
      if (data instanceof DenseArray) data = data.data;
      const Ctor = b.dtype === 'float64' ? Float64Array : Float32Array;
      if (!(data instanceof Ctor)) throw new TypeError(`execute: inputs.${b.name} must be a ${Ctor.name} of ${b.length} elements, got ${describeValue(data)}`);
      if (data.length !== b.length) throw new RangeError(`execute: inputs.${b.name} has ${data.length} elements, the plan declares ${b.length}`);
      return data;
    }
    const n = b.role === 'output' ? Math.max(b.shape.reduce((x, y) => x * y, 1), 1) : b.length;
    return new ArrayBuffer(n * itemBytes(b.dtype));
  });
  const lowered: Lowered = {
    plan: decoded.native,
    buffers: memory,
    outputs: [],
    stageTasks: decoded.stageTasks,
    stageNames: decoded.stageNames,
    remote: new Map(),
  };
  await runLowered(lowered, options);
  return decoded.outputs.map((b) => {
    const buf = decoded.buffers[b] as Extract<PlanBuffer, { role: 'output' }>;
    const data = buf.dtype === 'float64' ? new Float64Array(memory[b] as ArrayBuffer) : new Float32Array(memory[b] as ArrayBuffer);
    return buf.shape.length === 0 ? data[0]! : new DenseArray(data, buf.shape);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TypeError(`plan: not valid JSON (${(err as Error).message})`);
  }
}

/** The output names of a plan, in execute() order. */
export function planOutputNames(plan: Plan): string[] {
  return plan.outputs.map((b) => (plan.buffers[b] as { name: string }).name);
}

export type { DType };
