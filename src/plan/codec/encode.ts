// Native stage → plan stage (the JSON-safe spelling of what the engine runs).
import { StageKind, type NativeStage } from '../types.js';
import { LEAF_BY_CODE, OPS, OP_BY_CODE, REDUCE_BY_CODE, dtypeName } from './codes.js';
import type { PlanInstr, PlanLeaf, PlanStage, PlanStageKind } from './format.js';
import { encodeImmediates, encodeNumber } from './numbers.js';

/** The plan-format name of the native stages the format carries (the others are refused). */
const NATIVE_STAGE_NAMES = new Map<number, PlanStageKind>([
  [StageKind.Take, 'take'],
  [StageKind.Compress, 'compress'],
  [StageKind.Matmul, 'matmul'],
]);

export function encodeStage(st: NativeStage, name: string | undefined): PlanStage {
  const kind = st.kind === undefined || st.kind === StageKind.Kernel ? undefined : NATIVE_STAGE_NAMES.get(st.kind);
  if (st.kind !== undefined && st.kind !== StageKind.Kernel && kind === undefined) {
    // a scan stage also writes its chunk totals through a leaf, which the decoder's rules do not model
    throw new TypeError(`toPlan: ${name ?? 'a stage'} is a cumulative scan or median/quantile stage, which plan format version 1 cannot express yet; persist() the result first and export what reads it`);
  }
  const program: PlanInstr[] = [];
  for (let i = 0; i < st.program.length; i += 4) {
    const op = OP_BY_CODE.get(st.program[i]!)!;
    const arity = OPS[op].arity;
    const dst = st.program[i + 1]!;
    const a = st.program[i + 2]!;
    // a cast's b is its target dtype, spelled by name: ["cast", dst, a, "float32"]
    if (op === 'cast') program.push([op, dst, a, dtypeName(st.program[i + 3]! as NativeStage['sink']['dtype'])]);
    else program.push(arity === 2 ? [op, dst, a, st.program[i + 3]!] : [op, dst, a]);
  }
  const leaves = st.leaves.map((l): PlanLeaf => {
    const base = { dtype: dtypeName(l.dtype), offset: l.offset, strides: [...l.strides] };
    const kind = LEAF_BY_CODE.get(l.kind)!;
    if (kind === 'compress') {
      throw new TypeError(`toPlan: ${name ?? 'a stage'} reads a boolean-mask result in place (a compress leaf), which plan format version 1 cannot express yet; persist() the mask result first and export what reads it`);
    }
    if (kind === 'concat') {
      throw new TypeError(`toPlan: ${name ?? 'a stage'} reads a concatenation in place (a concat leaf), which plan format version 1 cannot express; lower it for toPlan (portable), which copies the concatenation`);
    }
    if (kind === 'take') {
      throw new TypeError(`toPlan: ${name ?? 'a stage'} reads a native gather (take) stage's result in place, which plan format version 1 cannot express yet; persist() the result first and export what reads it`);
    }
    if (kind === 'memory') return { kind, ...base, buffer: l.buffer };
    if (kind === 'arange') return { kind, ...base, a: encodeNumber(l.a), b: encodeNumber(l.b) };
    return { kind, ...base, a: encodeNumber(l.a), b: encodeNumber(l.b), seed: l.seed };
  });
  const stage: PlanStage = {
    ...(kind ? { kind } : {}),
    ...(kind === 'matmul' ? { contract: st.contract ?? 0 } : {}),
    shape: [...st.shape],
    chunks: st.chunks.map((c) => [...c]),
    leaves,
    program,
    imms: encodeImmediates(st.imms, st.immKinds, st.immInts),
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
