// The plan format's names for the engine's codes, derived from the one operation table
// (ops.generated.ts): the format spells an op, reduction, leaf kind or dtype by its `plan` name.
import { DTYPES, LEAF_KINDS as LEAF_ROWS, OPS as OP_ROWS, REDUCTIONS, type NativeDType, type OpCode, type ReduceCode, type LeafKind } from '../ops.generated.js';

/**
 * The name of an instruction's operation in a plan (`'load'`, `'add'`, `'exp'`, …): the `plan`
 * names of the operation table native/engine/ops.json; the decoder lists the accepted names in an
 * unknown-op error.
 */
export type PlanOp = (typeof OP_ROWS)[number]['plan'];
/**
 * The reduction of a stage's sink: `'none'` (elementwise store) or one of `'sum'`, `'prod'`,
 * `'min'`, `'max'`, `'mean'`, `'var'`, `'std'`, their `nan` variants, `'any'`, `'all'`,
 * `'count_nonzero'`, `'ptp'`, `'argmin'`, `'argmax'`, `'nanargmin'`, `'nanargmax'`.
 */
export type PlanReduce = (typeof REDUCTIONS)[number]['plan'];
// The compress, take and concat leaves (a mask, take or concatenation read in place) are the
// engine's own: plan format v1 has no way to spell their condition, index and table buffers, so
// the format's leaf kinds leave them out.
type EngineLeaf = 'compress' | 'take' | 'concat';
const ENGINE_LEAVES: ReadonlySet<string> = new Set<EngineLeaf>(['compress', 'take', 'concat']);
export type PlanLeafKind = Exclude<(typeof LEAF_ROWS)[number]['plan'], EngineLeaf>;
export type PlanDType = (typeof DTYPES)[number]['name'];

const byName = <R extends { plan: string }, V>(rows: readonly R[], value: (r: R) => V): Record<R['plan'], V> =>
  Object.fromEntries(rows.map((r) => [r.plan, value(r)])) as Record<R['plan'], V>;
const byCode = <R extends { plan: string; code: number }>(rows: readonly R[]): Map<number, R['plan']> =>
  new Map(rows.map((r) => [r.code, r.plan as R['plan']]));

/** Plan op name → code and arity, in table order (the decoder lists the accepted names in it). */
export const OPS: Record<PlanOp, { code: OpCode; arity: 0 | 1 | 2 }> = byName(OP_ROWS, (r) => ({ code: r.code, arity: r.arity }));
export const OP_BY_CODE = byCode(OP_ROWS);
export const REDUCES: Record<PlanReduce, ReduceCode> = byName(REDUCTIONS, (r) => r.code);
export const REDUCE_BY_CODE = byCode(REDUCTIONS);
export const LEAF_KINDS: Record<PlanLeafKind, LeafKind> = byName(LEAF_ROWS.filter((r) => !ENGINE_LEAVES.has(r.plan)), (r) => r.code) as Record<PlanLeafKind, LeafKind>;
export const LEAF_BY_CODE = byCode(LEAF_ROWS);

export const DTYPE_NAMES: readonly PlanDType[] = DTYPES.map((d) => d.name);
const DTYPE_BY_CODE = new Map<number, (typeof DTYPES)[number]>(DTYPES.map((d) => [d.code, d]));
const DTYPE_BY_NAME = new Map<string, (typeof DTYPES)[number]>(DTYPES.map((d) => [d.name, d]));

export const dtypeName = (d: NativeDType): PlanDType => DTYPE_BY_CODE.get(d)!.name;
export const dtypeCode = (d: PlanDType): NativeDType => DTYPE_BY_NAME.get(d)!.code;
export const itemBytes = (d: PlanDType): number => DTYPE_BY_NAME.get(d)!.size;
