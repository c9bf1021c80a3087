// The serialized plan format ("tessera.plan", version 1): the native plan the engine executes
// (src/plan/types.ts → native/engine/plan.h), made JSON-safe, self-describing and versioned.
// The schema is docs/plan.schema.json.
import { ENGINE_LIMITS } from '../ops.generated.js';
import type { PlanDType, PlanLeafKind, PlanOp, PlanReduce } from './codes.js';

export type { PlanDType, PlanOp, PlanReduce } from './codes.js';

export const PLAN_FORMAT = 'tessera.plan';
export const PLAN_VERSION = 1;

/** A float that survives JSON: NaN, ±Infinity and -0 are spelled as strings. */
export type PlanNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export type PlanBuffer =
  | { role: 'input'; name: string; dtype: PlanDType; length: number }
  | { role: 'output'; name: string; dtype: PlanDType; shape: number[] }
  | { role: 'scratch'; dtype: PlanDType; length: number };

type GeneratedLeafKind = Exclude<PlanLeafKind, 'arange' | 'memory'>;
export type PlanLeaf =
  | { kind: 'arange'; dtype: PlanDType; offset: number; strides: number[]; a: PlanNumber; b: PlanNumber }
  | { kind: GeneratedLeafKind; dtype: PlanDType; offset: number; strides: number[]; a: PlanNumber; b: PlanNumber; seed: number }
  | { kind: 'memory'; dtype: PlanDType; offset: number; strides: number[]; buffer: number };

/** ['load', dst, leaf] | [unary, dst, a] | [binary, dst, a, b]; operand r < 0 means imms[-1 - r]. */
/** [op, dst, a] | [op, dst, a, b] | a cast: ['cast', dst, a, target dtype]. */
export type PlanInstr = [PlanOp, number, number] | [PlanOp, number, number, number] | ['cast', number, number, PlanDType];

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

const E = ENGINE_LIMITS;

/**
 * Limits of the decoder: the native engine's own limits (picked by name, so the public keys stay
 * fixed as the engine grows engine-only limits), plus work and memory budgets of the TS side.
 * The large ones are typed `number`, as they were before they came from the table.
 */
export const PLAN_LIMITS = Object.freeze({
  maxDims: E.maxDims,
  maxRegisters: E.maxRegisters,
  maxInstructions: E.maxInstructions as number,
  maxLeaves: E.maxLeaves as number,
  maxImms: E.maxImms as number,
  maxStages: E.maxStages as number,
  maxBuffers: E.maxBuffers as number,
  maxTasksPerStage: E.maxTasksPerStage as number,
  maxNameLength: 256,
  /** Default for ExecuteOptions.maxElements: the sum over stages of iteration-space sizes. */
  defaultMaxElements: 2 ** 48,
});

/** Elements of a buffer (an output of shape [] still holds one). */
export const bufferLength = (b: PlanBuffer): number => (b.role === 'output' ? Math.max(b.shape.reduce((x, y) => x * y, 1), 1) : b.length);

/** The output names of a plan, in execute() order. */
export function planOutputNames(plan: Plan): string[] {
  return plan.outputs.map((b) => (plan.buffers[b] as { name: string }).name);
}
