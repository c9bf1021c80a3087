// The serialized plan format ("tessera.plan", version 1) at the embedding surface. The format, its
// codes and its codec live in src/plan/codec/; this module keeps the calls an embedder makes:
//
//   toPlan / exportPlan   NDArrays → plan object (JSON.stringify-able), inputs named by reference
//   decodePlan            untrusted JSON value → checked native plan (every error names its JSON path)
//   execute               decodePlan + allocate outputs + one native call → results
import { abortError, describe as describeValue } from '../errors.js';
import { DenseArray } from '../array/dense.js';
import type { Computed } from '../array/ndarray.js';
import { typedView, type DType, type TypedData } from '../array/node.js';
import { typedArrayClass } from '../array/dtype.js';
import type { Lowered } from '../array/lower.js';
import type { ComputeOptions } from '../graph/types.js';
import type { NativeBufferArg } from '../native.js';
import { itemBytes } from '../plan/codec/codes.js';
import { decodePlan, type DecodeOptions } from '../plan/codec/decode.js';
import { decodeNumber } from '../plan/codec/numbers.js';
import { bufferLength, type PlanBuffer } from '../plan/codec/format.js';
import { runLowered } from '../scheduler/local.js';

export { exportPlan, toPlan, type ExportedPlan, type ToPlanOptions } from '../array/export-plan.js';
export {
  PLAN_FORMAT,
  PLAN_LIMITS,
  PLAN_VERSION,
  planOutputNames,
  type Plan,
  type PlanBuffer,
  type PlanDType,
  type PlanInstr,
  type PlanLeaf,
  type PlanNumber,
  type PlanImmediate,
  type PlanOp,
  type PlanReduce,
  type PlanSink,
  type PlanStage,
  type PlanStageKind,
} from '../plan/codec/format.js';
export { encodeNumber } from '../plan/codec/numbers.js';
export { decodePlan, validatePlan, type DecodeOptions, type DecodedPlan } from '../plan/codec/decode.js';

/**
 * The caller memory a plan reads, by input buffer name (see {@link ExportedPlan.inputs}): the
 * TypedArray class of the buffer's dtype (another class is a TypeError) with exactly the declared
 * length (else a RangeError), or a DenseArray over one. A name the plan does not declare is a RangeError.
 */
export type PlanInputs = Record<string, Float64Array | Float32Array | DenseArray>;

export interface ExecuteOptions extends ComputeOptions, DecodeOptions {}

/**
 * Run a plan (an object, or JSON text) with its inputs by name. Returns the outputs in
 * plan.outputs order: a number for 0-d outputs, a DenseArray otherwise (its data is not copied).
 * Inputs are read as fromArray's are (in place if SharedArrayBuffer-backed, else from a copy taken
 * when the compute starts) and never written.
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
  const memory: NativeBufferArg[] = decoded.buffers.map((b, i) => {
    if (b.role === 'input') {
      let data: unknown = Object.prototype.hasOwnProperty.call(inputs, b.name) ? inputs[b.name] : undefined;
      if (data instanceof DenseArray) data = data.data;
      const Ctor = typedArrayClass(b.dtype) as unknown as { new (n: number): TypedData; name: string }; // every dtype (typed registers)
      if (!(data instanceof Ctor)) throw new TypeError(`execute: inputs.${b.name} must be a ${Ctor.name} of ${b.length} elements, got ${describeValue(data)}`);
      if (data.length !== b.length) throw new RangeError(`execute: inputs.${b.name} has ${data.length} elements, the plan declares ${b.length}`);
      return data;
    }
    const memory = new ArrayBuffer(bufferLength(b) * itemBytes(b.dtype));
    if (b.role === 'constant') (typedView(b.dtype, memory) as unknown as { set(v: ArrayLike<number>): void }).set(b.values.map((v, j) => decodeNumber(`plan.buffers[${i}].values[${j}]`, v)));
    return memory;
  });
  const lowered: Lowered = {
    plan: decoded.native,
    buffers: memory,
    outputs: [],
    stageNames: decoded.stageNames,
    remote: new Map(),
  };
  await runLowered(lowered, options);
  return decoded.outputs.map((b) => {
    const buf = decoded.buffers[b] as Extract<PlanBuffer, { role: 'output' }>;
    const data = typedView(buf.dtype, memory[b] as ArrayBuffer);
    if (buf.shape.length === 0) return buf.dtype === 'bool' ? data[0] !== 0 : data[0]!;
    return new DenseArray(data, buf.shape, buf.dtype);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TypeError(`plan: not valid JSON (${(err as Error).message})`);
  }
}

export type { DType };
