// The register program of one fused stage: a DAG of values (leaves, immediates, ops) → VM
// instructions, with registers reused as soon as their last reader has run. Everything here is
// iterative (a trampoline over generators), so expression depth is bounded by memory, not by
// the JS call stack.
import { ENGINE_LIMITS } from '../plan/ops.generated.js';
import { LeafKind, NativeDType, OpCode, type NativeLeaf } from '../native.js';
import { DTYPES as NATIVE_DTYPES } from '../plan/ops.generated.js';
import type { DType } from './dtype.js';

const NATIVE_CODES = new Map<string, NativeDType>(NATIVE_DTYPES.map((d) => [d.name, d.code as NativeDType]));

/** A value of a stage's program; `dtype` is the dtype its register holds (typed registers). */
export type Val =
  | { kind: 'leaf'; leaf: number; dtype?: DType }
  | { kind: 'imm'; /** a bigint only for an int64/uint64 value a double cannot carry exactly (lower.ts immAs) */ value: number | bigint; dtype?: DType }
  | { kind: 'op'; code: OpCode; args: Val[]; /** the instruction's b when it is not an operand (cast: the dtype code) */ b?: number; dtype?: DType };

/** A step of an iterative computation: it yields sub-steps and receives their results. */
export type Step<T> = Generator<Step<unknown>, T, unknown>;

/** Run a step and everything it yields with an explicit stack instead of the call stack. */
export function run<T>(step: Step<T>): T {
  const stack: Step<unknown>[] = [step];
  let value: unknown;
  while (stack.length) {
    const r = stack[stack.length - 1]!.next(value);
    if (r.done) {
      stack.pop();
      value = r.value;
    } else {
      stack.push(r.value);
      value = undefined;
    }
  }
  return value as T;
}

/** The operands of `v` in emission order, and whether each may be an immediate. */
export function operands(v: Extract<Val, { kind: 'op' }>): [Val, boolean][] {
  if (v.args.length === 1) return [[v.args[0]!, false]];
  // where(c, x, y): y first, into the register the merge writes; then c (a register), then x
  if (v.args.length === 3) return [[v.args[2]!, false], [v.args[0]!, false], [v.args[1]!, true]];
  const [a, b] = v.args as [Val, Val];
  // Kernels take at most one immediate operand: two constants → load the first.
  return [[a, a.kind === 'imm' && b.kind !== 'imm'], [b, true]];
}

/** Each value reachable from `root` (not through `stop`) after all values it reads. */
export function postOrder(root: Val, stop: (v: Val) => boolean): Val[] {
  const out: Val[] = [];
  const seen = new Set<Val>();
  const stack: [Val, boolean][] = [[root, false]];
  while (stack.length) {
    const [v, expanded] = stack.pop()!;
    if (expanded) {
      out.push(v);
      continue;
    }
    if (seen.has(v)) continue;
    seen.add(v);
    stack.push([v, true]);
    if (v.kind === 'op' && !(v !== root && stop(v))) for (let i = v.args.length - 1; i >= 0; i--) stack.push([v.args[i]!, false]);
  }
  return out;
}

/** One stage's program as emitted: fits the engine when `overLimit()` is undefined. */
export interface Program {
  leaves: NativeLeaf[];
  program: number[];
  /** A bigint is an exact integer immediate (the stage's immKinds/immInts). */
  imms: (number | bigint)[];
  nregs: number;
  result: number;
}

export function overLimit(p: Program): string | undefined {
  if (p.nregs > ENGINE_LIMITS.maxRegisters) return `${p.nregs} registers > ${ENGINE_LIMITS.maxRegisters}`;
  if (p.program.length / 4 > ENGINE_LIMITS.maxInstructions) return `${p.program.length / 4} instructions > ${ENGINE_LIMITS.maxInstructions}`;
  if (p.leaves.length > ENGINE_LIMITS.maxLeaves) return `${p.leaves.length} leaves > ${ENGINE_LIMITS.maxLeaves}`;
  if (p.imms.length > ENGINE_LIMITS.maxImms) return `${p.imms.length} immediates > ${ENGINE_LIMITS.maxImms}`;
  return undefined;
}

/**
 * Emit the program computing `root` over a stage of `ndim` axes. `leafOf` gives the leaf of a
 * value read from memory (its own leaf, or a scratch buffer a previous stage wrote); `stop`
 * marks values read that way although they are ops. `leaves` is the stage's leaf list as far as
 * it is known (constants loaded as leaves are appended); with `remap`, leaves enter it in the
 * order they are first loaded instead (a split stage keeps only the leaves it reads).
 */
export function emitProgram(
  root: Val,
  ndim: number,
  source: readonly NativeLeaf[],
  options: { remap: boolean; stop: (v: Val) => boolean; leafOf: (v: Val) => NativeLeaf | number; uses?: ReadonlyMap<Val, number> },
): Program {
  const leaves: NativeLeaf[] = options.remap ? [] : [...source];
  const remapped = new Map<number, number>();
  const program: number[] = [];
  const imms: (number | bigint)[] = [];
  const free: number[] = [];
  const reg = new Map<Val, number>();
  const isMemory = (v: Val): boolean => v.kind === 'leaf' || (v !== root && options.stop(v));
  // A register is free after the last of a value's uses (references by the ops that read it).
  const uses = new Map<Val, number>(options.uses ?? [[root, 1]]);
  if (!options.uses) {
    for (const v of postOrder(root, options.stop)) {
      if (v.kind === 'op' && !isMemory(v)) for (const a of v.args) uses.set(a, (uses.get(a) ?? 0) + 1);
    }
  }
  let nregs = 0;
  const alloc = (): number => (free.length ? free.pop()! : nregs++);
  const release = (v: Val): void => {
    const left = uses.get(v)! - 1;
    uses.set(v, left);
    const r = reg.get(v);
    if (left === 0 && r !== undefined) free.push(r);
  };
  const leafIndex = (leaf: NativeLeaf | number): number => {
    if (typeof leaf !== 'number') return leaves.push(leaf) - 1;
    if (!options.remap) return leaf;
    let i = remapped.get(leaf);
    if (i === undefined) remapped.set(leaf, (i = leaves.push(source[leaf]!) - 1));
    return i;
  };
  // a constant of the immediate's dtype (an arange leaf with step 0)
  const constLeaf = (value: number, dtype?: DType): NativeLeaf => ({
    kind: LeafKind.Arange, dtype: dtype ? NATIVE_CODES.get(dtype)! : NativeDType.F64, offset: 0, strides: new Array<number>(ndim).fill(0), a: value, b: 0, seed: 0, buffer: -1,
  });
  const load = (v: Val, leaf: NativeLeaf | number): number => {
    const r = alloc();
    program.push(OpCode.Load, r, leafIndex(leaf), 0);
    reg.set(v, r);
    return r;
  };
  // A constant in a register. Leaves hold doubles, so an exact 64-bit integer (a bigint) is a zero
  // of its dtype plus the exact immediate: bit-exact, at one more instruction.
  const loadImm = (v: Extract<Val, { kind: 'imm' }>): number => {
    if (typeof v.value !== 'bigint') return load(v, constLeaf(v.value, v.dtype));
    const r = load(v, constLeaf(0, v.dtype));
    imms.push(v.value);
    program.push(OpCode.Add, r, r, -imms.length);
    return r;
  };
  // Operand for an instruction: registers for computed values, immediates for constants.
  function* operand(v: Val, mayBeImmediate: boolean): Step<number> {
    if (v.kind === 'imm') {
      if (!mayBeImmediate) return loadImm(v);
      imms.push(v.value);
      return -imms.length;
    }
    return (yield emit(v)) as number;
  }
  function* emit(v: Val): Step<number> {
    const known = reg.get(v);
    if (known !== undefined) return known;
    if (isMemory(v)) return load(v, options.leafOf(v));
    if (v.kind === 'imm') return loadImm(v);
    if (v.kind === 'leaf') throw new Error('unreachable');
    if (v.code === OpCode.Where) return (yield emitWhere(v)) as number;
    const ops: number[] = [];
    for (const [a, imm] of operands(v)) ops.push((yield operand(a, imm)) as number);
    v.args.forEach(release);
    const dst = alloc();
    program.push(v.code, dst, ops[0]!, ops[1] ?? v.b ?? 0);
    reg.set(v, dst);
    return dst;
  }
  // Where's merge form (dst = c ? x : dst) overwrites the register holding y: y must be a value
  // no one else reads (a fresh op result or constant load), else it is copied first (Positive).
  function* emitWhere(v: Extract<Val, { kind: 'op' }>): Step<number> {
    const [c, x, y] = v.args as [Val, Val, Val];
    let r = (yield emit(y)) as number;
    const own = (y.kind === 'imm' || (y.kind === 'op' && !isMemory(y))) && uses.get(y) === 1;
    if (own) {
      reg.delete(y);
      uses.set(y, 0);
    } else {
      const copy = alloc();
      program.push(OpCode.Positive, copy, r, 0);
      release(y);
      r = copy;
    }
    const rc = (yield operand(c, false)) as number;
    const rx = (yield operand(x, true)) as number;
    release(c);
    release(x);
    program.push(OpCode.Where, r, rc, rx);
    reg.set(v, r);
    return r;
  }
  const result = run(emit(root));
  return { leaves, program, imms, nregs, result };
}

interface Cost {
  regs: number;
  instr: number;
  leaves: number;
  imms: number;
}

/** What a split stage becomes: one program per spilled value (dependencies first), then the root's. */
export interface SplitProgram {
  spilled: Val[];
  pieces: Program[];
  main: Program;
}

/**
 * Split an expression too large for one kernel: values chosen by a bottom-up cost estimate are
 * computed by stages of their own into scratch (`scratchLeaf(k)` reads the k-th spilled value)
 * and read back as memory. Registers are estimated (sharing can keep values live longer), so a
 * split that still does not fit is retried with a smaller register budget.
 */
export function splitProgram(root: Val, ndim: number, leaves: readonly NativeLeaf[], scratchLeaf: (k: number, v: Val) => NativeLeaf): SplitProgram {
  const all = postOrder(root, () => false);
  for (let regs = ENGINE_LIMITS.maxRegisters; regs >= 2; regs >>= 1) {
    const spilledSet = chooseSpills(all, { regs, instr: ENGINE_LIMITS.maxInstructions, leaves: ENGINE_LIMITS.maxLeaves, imms: ENGINE_LIMITS.maxImms });
    const spilled = all.filter((v) => spilledSet.has(v));
    const index = new Map(spilled.map((v, k) => [v, k]));
    const options = {
      remap: true,
      stop: (v: Val) => spilledSet.has(v),
      leafOf: (v: Val) => (v.kind === 'leaf' ? v.leaf : scratchLeaf(index.get(v)!, v)),
    };
    const pieces = spilled.map((v) => emitProgram(v, ndim, leaves, options));
    const main = emitProgram(root, ndim, leaves, options);
    if (!pieces.some(overLimit) && !overLimit(main)) return { spilled, pieces, main };
  }
  throw new RangeError('expression cannot be split into kernels that fit the engine; persist() part of it first');
}

/** Values to compute in stages of their own so that every stage stays within `budget`. */
function chooseSpills(order: readonly Val[], budget: Cost): Set<Val> {
  const spilled = new Set<Val>();
  const cost = new Map<Val, Cost>();
  const memory: Cost = { regs: 1, instr: 1, leaves: 1, imms: 0 };
  const of = (v: Val, immediate: boolean): Cost => {
    if (v.kind === 'imm') return immediate ? { regs: 0, instr: 0, leaves: 0, imms: 1 } : typeof v.value === 'bigint' ? { regs: 1, instr: 2, leaves: 1, imms: 1 } : memory;
    return v.kind === 'leaf' || spilled.has(v) ? memory : cost.get(v)!;
  };
  // Mirrors emitProgram: operands in order, each computed one held while the next is.
  const combine = (v: Extract<Val, { kind: 'op' }>): Cost => {
    const c: Cost = { regs: 1, instr: 1, leaves: 0, imms: 0 };
    let held = 0;
    for (const [a, immediate] of operands(v)) {
      const ca = of(a, immediate);
      c.regs = Math.max(c.regs, held + ca.regs);
      if (ca.regs > 0) held++;
      c.instr += ca.instr;
      c.leaves += ca.leaves;
      c.imms += ca.imms;
    }
    return c;
  };
  const fits = (c: Cost): boolean => c.regs <= budget.regs && c.instr <= budget.instr && c.leaves <= budget.leaves && c.imms <= budget.imms;
  for (const v of order) {
    if (v.kind !== 'op') continue;
    let c = combine(v);
    if (!fits(c)) {
      for (const a of v.args) if (a.kind === 'op') spilled.add(a);
      c = combine(v);
    }
    cost.set(v, c);
  }
  return spilled;
}
