// Native stage → plan stage (the JSON-safe spelling of what the engine runs).
import { StageKind, type NativeStage } from '../types.js';
import { LEAF_BY_CODE, OPS, OP_BY_CODE, REDUCE_BY_CODE, dtypeName } from './codes.js';
import type { PlanInstr, PlanLeaf, PlanStage } from './format.js';
import { encodeNumber } from './numbers.js';

export function encodeStage(st: NativeStage, name: string | undefined): PlanStage {
  if (st.kind !== undefined && st.kind !== StageKind.Kernel) {
    // plan format version 1 has only kernel stages; a scan/select stage also writes a leaf buffer
    throw new Error(`toPlan: ${name ?? 'a stage'} is a cumulative scan or median/quantile stage, which plan format version 1 cannot express yet; persist() the result first and export what reads it`);
  }
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
