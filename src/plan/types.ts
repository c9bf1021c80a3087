// The native plan: what the TypeScript side hands the engine in one call per compute. The
// semantics of every field are in native/engine/plan.h; the codes come from the one operation
// table (native/engine/ops.json → ops.generated.ts).
import type { LeafKind, NativeDType, ReduceCode, StageKind } from './ops.generated.js';

export { LeafKind, NativeDType, OpCode, ReduceCode, StageKind } from './ops.generated.js';

/** Stage.immKinds values (native/engine/plan.h ImmKind). */
export const ImmKind = { Float: 0, Int64: 1, UInt64: 2 } as const;

export interface NativeLeaf {
  kind: LeafKind;
  dtype: NativeDType;
  offset: number;
  strides: number[];
  a: number;
  b: number;
  seed: number;
  buffer: number;
}

export interface NativeSink {
  reduce: ReduceCode;
  dtype: NativeDType;
  buffer: number;
  offset: number;
  strides: number[];
  reduceAxes: number[];
  ddof: number;
  /**
   * Internal (the distributed scheduler's per-chunk tasks): a float64 reduction writes each
   * output's raw, un-finalized partial — the value; the raw sum for Mean; for Prod/NanProd two planes (mantissa at out,
   * binary exponent at out + P); for Var/Std four planes
   * of P elements (P = the stage's kept output count): count at out, mean at out + P, M2 at
   * out + 2P, meanLo (the double-double mean's low part) at out + 3P. Not part of the public plan schema.
   */
  partials?: boolean;
}

export interface NativeStage {
  /** Kernel (default), Matmul (native/engine/plan.h: two memory leaves, strides + one for the contracted axis), or Scan/Select (no program; plan.h at Stage). */
  kind?: StageKind;
  /** Matmul stages: the contracted length. */
  contract?: number;
  shape: number[];
  chunks: number[][];
  leaves: NativeLeaf[];
  /** Four int32 per instruction: op, dst, a, b (operand < 0 means immediate imms[-1 - operand]). */
  program: Int32Array;
  imms: Float64Array;
  /**
   * Exact integer immediates (native/engine/plan.h): absent, or one {@link ImmKind} per immediate
   * (0 float: imms[i] is the value; 1 int64 / 2 uint64: the value is immInts[i], read as signed
   * or unsigned 64 bits, and imms[i] its nearest double). Both or neither.
   */
  immKinds?: Uint8Array;
  /** The bits of each exact integer immediate (0 for float ones); with immKinds. */
  immInts?: BigInt64Array;
  nregs: number;
  result: number;
  sink: NativeSink;
}

export interface NativePlan {
  stages: NativeStage[];
  profile?: boolean;
  /** With `profile`: progress callbacks also carry the records of the tasks finished since the last one. */
  profileLive?: boolean;
}
