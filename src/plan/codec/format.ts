// The serialized plan format ("tessera.plan", version 1): the native plan the engine executes
// (src/plan/types.ts → native/engine/plan.h), made JSON-safe, self-describing and versioned.
// The schema is docs/plan.schema.json.
import { ENGINE_LIMITS } from '../ops.generated.js';
import type { PlanDType, PlanLeafKind, PlanOp, PlanReduce } from './codes.js';

export type { PlanDType, PlanOp, PlanReduce } from './codes.js';

/**
 * The `format` field of every plan: `'tessera.plan'`. Another string is refused with a RangeError
 * ("not a tessera plan"), a non-string with a TypeError.
 */
export const PLAN_FORMAT = 'tessera.plan';
/**
 * The plan format version this build reads and writes (`plan.version`); plans of another version
 * are refused with a RangeError naming `plan.version`.
 */
export const PLAN_VERSION = 1;

/** A float that survives JSON: NaN, ±Infinity and -0 are spelled as strings. */
export type PlanNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
/**
 * An immediate of a stage: a {@link PlanNumber}, or an exact integer in [-2^63, 2^64 - 1] written
 * in decimal, `{ int: '9223372036854775807' }`: an int64/uint64 value (a bigint scalar) that a
 * JSON number cannot carry bit-exactly. It converts to its instruction's dtype exactly (an integer
 * dtype must hold it: RangeError otherwise; floats round it once). An addition to version 1: plans
 * without it decode as before, so the version did not change.
 */
export type PlanImmediate =
  | PlanNumber
  | {
      /** The integer in decimal digits, optionally with a leading `-`: `'-9223372036854775808'` … `'18446744073709551615'`. */
      int: string;
    };

/**
 * One memory region of a plan. `'input'`: caller memory passed to {@link execute} by name (read,
 * never written); `'output'`: allocated by execute() and returned; `'scratch'`: allocated by
 * execute() for intermediate results (e.g. a reduction a later stage reads). Stages refer to
 * buffers by their index in {@link Plan.buffers}.
 */
export type PlanBuffer =
  | {
      /** `'input'`: caller memory, read only. */
      role: 'input';
      /** Unique among inputs: the key of this buffer in execute()'s `inputs` object. */
      name: string;
      /** The element type; the array passed to execute() must be of this dtype. */
      dtype: PlanDType;
      /** Exact number of elements the input must have (execute() refuses another length: RangeError). */
      length: number;
    }
  | {
      /** `'output'`: allocated by execute() and returned, in {@link Plan.outputs} order. */
      role: 'output';
      /** Unique among outputs (see {@link planOutputNames}). */
      name: string;
      /** The element type of the result. */
      dtype: PlanDType;
      /** Row-major shape; `[]` is a scalar (execute() returns a number). Counts against the materialization limit. */
      shape: number[];
    }
  | {
      /**
       * `'constant'`: allocated by execute() and filled with `values` before the first stage (small
       * data of the plan itself, e.g. the index list of `x.take([5, 1, 5])`); read only.
       */
      role: 'constant';
      /** The element type: a float, or an integer type of at most 32 bits (the values must fit it). */
      dtype: PlanDType;
      /** The elements ({@link PlanNumber}s; at most 65 536: larger data is an input). */
      values: PlanNumber[];
    }
  | {
      /** `'scratch'`: allocated by execute(), not returned. */
      role: 'scratch';
      /** The element type. */
      dtype: PlanDType;
      /** Number of elements. */
      length: number;
    };

type GeneratedLeafKind = Exclude<PlanLeafKind, 'arange' | 'memory'>;
/**
 * A value source of a stage, addressed by an affine map of the stage's iteration coordinate `c`:
 * `lin = offset + sum(c[k] * strides[k])`. An `'arange'` leaf is `a + b * lin`; a random leaf is
 * counter-based (docs/random.md): `random_uniform` gives `a + (b - a) * U(seed, lin)` with U in
 * [0, 1), `random_normal` gives `a + b * N(seed, lin)`; a `'memory'` leaf reads element `lin` of
 * `buffers[buffer]`.
 */
export type PlanLeaf =
  | {
      /** `'arange'`: the generated value `a + b * lin`. */
      kind: 'arange';
      /** The dtype the leaf produces. */
      dtype: PlanDType;
      /** The linear index at coordinate 0 (`lin = offset + sum(c[k] * strides[k])`). */
      offset: number;
      /** One per stage axis; 0 broadcasts, negative strides are allowed. */
      strides: number[];
      /** The start value. */
      a: PlanNumber;
      /** The step per unit of `lin`. */
      b: PlanNumber;
    }
  | {
      /** `'random_uniform'` or `'random_normal'`: counter-based random values (docs/random.md). */
      kind: GeneratedLeafKind;
      /** The dtype the leaf produces. */
      dtype: PlanDType;
      /** The linear index (the random counter) at coordinate 0. */
      offset: number;
      /** One per stage axis; 0 broadcasts. */
      strides: number[];
      /** Uniform: the low end; normal: the mean. */
      a: PlanNumber;
      /** Uniform: the high end (exclusive); normal: the standard deviation. */
      b: PlanNumber;
      /** The generator's seed, an integer in [0, 2^53 - 2]. */
      seed: number;
    }
  | {
      /** `'memory'`: element `lin` of a buffer. */
      kind: 'memory';
      /** Must equal the buffer's dtype. */
      dtype: PlanDType;
      /** The element index at coordinate 0. */
      offset: number;
      /** Element strides, one per stage axis (0 broadcasts; negative allowed inside the buffer). */
      strides: number[];
      /** Index into {@link Plan.buffers}: an input, or a buffer written by an earlier stage (not this stage's sink). */
      buffer: number;
    };

/** ['load', dst, leaf] | [unary, dst, a] | [binary, dst, a, b]; operand r < 0 means imms[-1 - r]. */
/** [op, dst, a] | [op, dst, a, b] | a cast: ['cast', dst, a, target dtype]. */
export type PlanInstr = [PlanOp, number, number] | [PlanOp, number, number, number] | ['cast', number, number, PlanDType];

/**
 * Where a stage's result goes: an affine map of the iteration coordinate into an output or
 * scratch buffer, optionally reducing axes (`offset + sum(c[k] * strides[k])`).
 */
export interface PlanSink {
  /**
   * `'none'` stores elementwise; otherwise the reduction over the axes flagged in `reduceAxes`
   * (min/max propagate NaN; mean/var/std divide by the count of the reduced elements, var/std by N - ddof).
   */
  reduce: PlanReduce;
  /** The element type written; must equal the target buffer's dtype. */
  dtype: PlanDType;
  /** Index into {@link Plan.buffers}: an output or scratch buffer. */
  buffer: number;
  /** The target element of coordinate 0 in the buffer. */
  offset: number;
  /** Target element strides, one per stage axis (0 on reduced axes); the map must be one-to-one over the kept axes. */
  strides: number[];
  /** One flag per stage axis: 1 = reduced; all 0 when `reduce` is `'none'`. */
  reduceAxes: (0 | 1)[];
  /** Delta degrees of freedom of var/std (the divisor is N - ddof); 0 otherwise. */
  ddof: number;
}

/**
 * What a stage runs: `'kernel'` (the default) the register program; the engine's native stages
 * (native/engine/plan.h at Stage) have an empty program, `nregs` 1, `result` 0, `'memory'` leaves
 * and a storing sink (`reduce: 'none'`):
 *  - `'take'`: np.take along axis `imms[0]` of a source of length `imms[1]` on that axis:
 *    `leaves[0]` is the source (its stride on the axis steps one source row), `leaves[1]` the
 *    indices (any dtype, integral values in [-n, n): an index out of range fails the run with a RangeError);
 *  - `'compress'`: a boolean mask of a 1-d array. `imms: [0]` counts each chunk's nonzero
 *    `leaves[0]` into float64 element `offset + j * strides[0]` of the sink; `imms: [1, total,
 *    offset of each chunk]` copies the elements of `leaves[0]` where `leaves[1]` is nonzero to the
 *    sink (`strides: [1]`), chunk j from sink position `offset + offset_j`;
 *  - `'matmul'`: `out[c] = sum_p A[c, p] * B[c, p]` over `p < contract`, shape `[batch..., M, N]`;
 *    `leaves` A and B have one stride more than the stage has axes (the contracted axis), A's
 *    N stride and B's M stride are 0; float32 or float64, the sink's dtype.
 */
export type PlanStageKind = 'kernel' | 'take' | 'compress' | 'matmul';

/**
 * One fused stage: an N-d iteration space split into a chunk grid (one task per chunk) that runs a
 * small register program over its leaves and sends the result register to its sink (or one of the
 * engine's native stages, see {@link PlanStageKind}).
 */
export interface PlanStage {
  /** Informational Dask-style layer name (e.g. `'sum-aggregate-1f3a…'`); never interpreted. */
  name?: string;
  /**
   * `'kernel'` when absent. An addition to version 1: plans without it decode as before, so the
   * version did not change.
   */
  kind?: PlanStageKind;
  /** `'matmul'` stages only: the length of the contracted axis. */
  contract?: number;
  /** The iteration space; the sum over stages of its element counts is bounded by `maxElements` (default 2^48). */
  shape: number[];
  /**
   * Per axis, chunk sizes summing to `shape[k]` (`[0]` on an empty axis). One task per chunk (at most
   * 2^31); chunking never changes elementwise results, but reductions combine chunks in a fixed
   * tree so their last bits depend on it.
   */
  chunks: number[][];
  /** The value sources the program loads (see {@link PlanLeaf}). */
  leaves: PlanLeaf[];
  /** The register program, run once per element of the iteration space (see {@link PlanInstr}). */
  program: PlanInstr[];
  /** Immediate constants; an operand `r < 0` of an instruction reads `imms[-1 - r]` (see {@link PlanImmediate}). */
  imms: PlanImmediate[];
  /** The number of registers the program uses (1 to 64). */
  nregs: number;
  /** The register sent to the sink; must be < nregs and written by the program. */
  result: number;
  /** Where the result register goes: stored elementwise or reduced (see {@link PlanSink}). */
  sink: PlanSink;
}

/**
 * A serialized plan ("tessera.plan", version 1; schema docs/plan.schema.json): the optimized work
 * of one compute, JSON-safe and self-describing. Produced by {@link NDArray.toPlan} /
 * {@link exportPlan}, checked by {@link validatePlan}, run by {@link execute} and `tessera run`.
 * Stages run in order; a stage reads only input buffers or buffers earlier stages wrote.
 * @example
 * ```ts
 * const plan = ones([1000, 1000], { chunks: 250 }).sum().toPlan();
 * const json = JSON.stringify(plan);
 * const [total] = await execute(JSON.parse(json)); // 1000000
 * ```
 */
export interface Plan {
  /** Always `'tessera.plan'` ({@link PLAN_FORMAT}). */
  format: 'tessera.plan';
  /** The format version, {@link PLAN_VERSION}. */
  version: 1;
  /** Every memory region the plan touches; stages refer to them by index. */
  buffers: PlanBuffer[];
  /** The stages, run in order. */
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
  /** Axes of one stage at most. */
  maxDims: E.maxDims,
  /** Registers of one stage's program at most. */
  maxRegisters: E.maxRegisters,
  /** Instructions of one stage's program at most. */
  maxInstructions: E.maxInstructions as number,
  /** Leaves of one stage at most. */
  maxLeaves: E.maxLeaves as number,
  /** Immediates of one stage at most. */
  maxImms: E.maxImms as number,
  /** Stages of one plan at most. */
  maxStages: E.maxStages as number,
  /** Buffers of one plan at most. */
  maxBuffers: E.maxBuffers as number,
  /** Tasks (chunks) of one stage at most. */
  maxTasksPerStage: E.maxTasksPerStage as number,
  /** Characters of a buffer or stage name at most. */
  maxNameLength: 256,
  /** Default for ExecuteOptions.maxElements: the sum over stages of iteration-space sizes. */
  defaultMaxElements: 2 ** 48,
});

/** Elements of a `'constant'` buffer at most (larger data is an input). @internal */
export const MAX_CONSTANT_ELEMENTS = 65536;

/** Elements of a buffer (an output of shape [] still holds one). */
export const bufferLength = (b: PlanBuffer): number => (b.role === 'output' ? Math.max(b.shape.reduce((x, y) => x * y, 1), 1) : b.role === 'constant' ? b.values.length : b.length);

/** The output names of a plan, in execute() order. */
export function planOutputNames(plan: Plan): string[] {
  return plan.outputs.map((b) => (plan.buffers[b] as { name: string }).name);
}
