// NDArrays → a serialized plan ("tessera.plan", src/plan/codec/): the same optimized plan
// compute() runs, with the caller memory it reads named by reference. Nothing is computed and no
// output is allocated. Lives with the arrays (NDArray.toPlan) and above the codec, so the arrays
// and the embedding surface do not import each other.
import { describe as describeValue } from '../errors.js';
import { Lowering, type RootRequest } from './lower.js';
import { native, type NativeBuffer, type NativeBufferArg } from '../native.js';
import { NativeDType } from '../plan/types.js';
import { checkName } from '../plan/codec/check.js';
import { dtypeName, itemBytes } from '../plan/codec/codes.js';
import { encodeStage } from '../plan/codec/encode.js';
import { MAX_CONSTANT_ELEMENTS, PLAN_FORMAT, PLAN_VERSION, type Plan, type PlanBuffer } from '../plan/codec/format.js';
import { encodeNumber } from '../plan/codec/numbers.js';
import { NDArray, type Computed } from './ndarray.js';
import { topoOrder, typedCtor, type DType, type MemoryNode, type TypedData } from './node.js';

/** Dtypes a constant buffer holds (JSON numbers carry them exactly; 64-bit integers stay inputs). */
const CONSTANT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float64', 'float32', 'bool', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32']);

/**
 * Options of {@link NDArray.toPlan} / {@link exportPlan}: names for the inputs and outputs and free
 * annotations. Unknown keys are a TypeError; `outputs` of the wrong length or with a repeated name
 * a RangeError.
 */
export interface ToPlanOptions {
  /** Names for caller-memory inputs: { x: someFromArrayResult }. Unnamed inputs get their layer name. */
  inputs?: Record<string, NDArray>;
  /** Names for the outputs, in order (default out0, out1, …). */
  outputs?: readonly string[];
  /** Copied into plan.meta. */
  meta?: Record<string, unknown>;
}

/** What {@link exportPlan} returns: the plan and the caller memory it reads, by name. */
export interface ExportedPlan {
  /** The plan (JSON.stringify-able; run it with {@link execute}). */
  plan: Plan;
  /** The caller memory the plan reads, by input name: pass it (or other data of the same size) to execute(). */
  inputs: Record<string, TypedData>;
}

/** A stand-in for an output buffer: lowering allocates nothing while exporting. */
interface Placeholder {
  readonly placeholderBytes: number;
}

/**
 * Describe the optimized work of computing `arrays` as a plan (the same plan compute() runs),
 * together with the caller memory it reads. Nothing is computed and no output is allocated.
 */
export function exportPlan(arrays: NDArray | readonly NDArray[], options: ToPlanOptions = {}): ExportedPlan {
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
  // small index lists of take (x.take([5, 1, 5])) travel in the plan itself, as constants
  const takeIndices = new Set<object>();
  for (const n of topoOrder(list.map((a) => a.node))) {
    if (n.kind === 'memory' && !memoryNodes.has(n.memory as object)) memoryNodes.set(n.memory as object, n);
    if (n.kind === 'take' && n.index.kind === 'memory') takeIndices.add(n.index.memory as object);
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
  }, { portable: true });
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

  const inputs: Record<string, TypedData> = {};
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
      if (takeIndices.has(mem as object) && !givenNames.has(mem as object) && data.length <= MAX_CONSTANT_ELEMENTS && CONSTANT_DTYPES.has(node.dtype)) {
        return { role: 'constant', dtype: node.dtype, values: Array.from(data as ArrayLike<number>, encodeNumber) };
      }
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
export function toPlan(arrays: NDArray | readonly NDArray[], options?: ToPlanOptions): Plan {
  return exportPlan(arrays, options).plan;
}

function memoryView(node: MemoryNode): TypedData {
  const Ctor = typedCtor(node.dtype);
  const m = node.memory as unknown;
  if (m instanceof Ctor) return m;
  if (ArrayBuffer.isView(m)) return new Ctor(m.buffer as ArrayBuffer, m.byteOffset, Math.floor(m.byteLength / Ctor.BYTES_PER_ELEMENT));
  if (m instanceof ArrayBuffer) return new Ctor(m, 0, Math.floor(m.byteLength / Ctor.BYTES_PER_ELEMENT));
  if (node.state.disposed) throw new Error(`${node.name}: this persisted array was disposed; persist() it again to use it`);
  const ab = native().bufferView(m as NativeBuffer);
  return new Ctor(ab, 0, Math.floor(ab.byteLength / Ctor.BYTES_PER_ELEMENT));
}
