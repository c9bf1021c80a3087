// The array compiler's plans for given expressions, checked structurally: stages, instructions,
// leaf addressing, registers and sinks (native/engine/plan.h is the meaning of each field).
import { describe, expect, it } from 'vitest';
import { fromArray, ones, random, type NDArray, type Computed } from '../../src/index.js';
import { Lowering, type Lowered } from '../../src/array/lower.js';
import { opCode, reduceCode } from '../../src/array/node.js';
import { LeafKind, NativeDType, OPS, OpCode, ReduceCode } from '../../src/plan/ops.generated.js';

const lower = (...xs: NDArray<Computed>[]): Lowered =>
  new Lowering((n) => new ArrayBuffer(n)).lower(xs.map((x) => ({ node: x.node, target: 'result' as const })));

/** The program as [op, dst, a, b] rows. */
const rows = (program: Int32Array): number[][] => Array.from({ length: program.length / 4 }, (_, i) => [...program.subarray(4 * i, 4 * i + 4)]);

const matrix = (rowsN: number, cols: number, chunks: number[]) =>
  fromArray(Float64Array.from({ length: rowsN * cols }, (_, i) => i), { shape: [rowsN, cols], chunks });

describe('one fused stage', () => {
  it('x * 2 + x: one load, immediates, registers reused', () => {
    const x = matrix(4, 6, [2, 3]);
    const { plan, stageNames } = lower(x.mul(2).add(x));
    expect(plan.stages).toHaveLength(1);
    const st = plan.stages[0]!;
    expect(st.shape).toEqual([4, 6]);
    expect(st.chunks).toEqual([[2, 2], [3, 3]]);
    expect(st.leaves).toHaveLength(1);
    expect(st.leaves[0]).toMatchObject({ kind: LeafKind.Memory, dtype: NativeDType.F64, offset: 0, strides: [6, 1] });
    expect(rows(st.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Mul, 1, 0, -1],
      [OpCode.Add, 0, 1, 0],
    ]);
    expect([...st.imms]).toEqual([2]);
    expect(st.nregs).toBe(2);
    expect(st.result).toBe(0);
    expect(st.sink).toMatchObject({ reduce: ReduceCode.None, dtype: NativeDType.F64, offset: 0, strides: [6, 1], reduceAxes: [0, 0] });
    expect(stageNames).toEqual(['add-mul-array']);
  });

  it('fuses a transpose: the transposed operand is the same memory read with permuted strides', () => {
    const x = matrix(3, 3, [3, 1]);
    const st = lower(x.add(x.T)).plan.stages[0]!;
    expect(st.chunks).toEqual([[3], [1, 1, 1]]);
    expect(st.leaves.map((l) => [l.buffer, l.strides])).toEqual([[0, [3, 1]], [0, [1, 3]]]);
    expect(rows(st.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Load, 1, 1, 0],
      // A value read through a transpose counts one use more, so r1 stays taken (as lowering always did).
      [OpCode.Add, 0, 0, 1],
    ]);
    expect(st.nregs).toBe(2);
  });

  it('fuses a broadcast: the broadcast axis has stride 0', () => {
    const x = matrix(4, 3, [2, 3]);
    const row = fromArray(new Float64Array([10, 20, 30]));
    const col = fromArray(new Float64Array([1, 2, 3, 4]), { shape: [4, 1] });
    const { plan } = lower(x.sub(row).mul(col));
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]!.leaves.map((l) => l.strides)).toEqual([[3, 1], [0, 1], [1, 0]]);
    expect(plan.stages[0]!.chunks).toEqual([[2, 2], [3]]);
  });

  it('a constant array becomes an immediate operand, or a leaf when both operands are constants', () => {
    const x = matrix(2, 2, [2, 2]);
    const st = lower(ones([2, 2]).add(x)).plan.stages[0]!;
    expect(rows(st.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Add, 0, -1, 0],
    ]);
    expect([...st.imms]).toEqual([1]);
    const both = lower(ones([2, 2]).add(3)).plan.stages[0]!;
    expect(both.leaves).toEqual([{ kind: LeafKind.Arange, dtype: NativeDType.F64, offset: 0, strides: [0, 0], a: 1, b: 0, seed: 0, buffer: -1 }]);
    expect(rows(both.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Add, 0, 0, -1],
    ]);
  });

  it('a reduction is fused with the expression that produces its input', () => {
    const x = random.random([8, 6], { chunks: [4, 3], seed: 3 });
    const { plan, stageNames } = lower(x.exp().sum({ axis: 1 }));
    expect(plan.stages).toHaveLength(1);
    const st = plan.stages[0]!;
    expect(st.leaves[0]).toMatchObject({ kind: LeafKind.RandomUniform, seed: 3, a: 0, b: 1, strides: [6, 1] });
    expect(rows(st.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Exp, 0, 0, 0],
    ]);
    expect(st.sink).toMatchObject({ reduce: ReduceCode.Sum, strides: [1, 0], reduceAxes: [0, 1] });
    expect(stageNames).toEqual(['sum-exp-random_sample']);
  });

  it('a reduction that later work reads ends a stage: x - mean(x) is two stages', () => {
    const x = matrix(4, 6, [2, 3]);
    const { plan, stageNames } = lower(x.sub(x.mean()));
    expect(plan.stages).toHaveLength(2);
    const [mean, centred] = plan.stages as [typeof plan.stages[0], typeof plan.stages[0]];
    expect(mean.sink.reduce).toBe(ReduceCode.Mean);
    expect(centred.leaves[1]).toMatchObject({ kind: LeafKind.Memory, buffer: mean.sink.buffer, strides: [0, 0] });
    expect(rows(centred.program)).toEqual([
      [OpCode.Load, 0, 0, 0],
      [OpCode.Load, 1, 1, 0],
      [OpCode.Sub, 1, 0, 1],
    ]);
    expect(centred.result).toBe(1);
    expect(stageNames).toEqual(['mean-array', 'sub-array']);
  });

  it('the same reduction read twice runs once', () => {
    const x = matrix(4, 6, [2, 3]);
    const m = x.max();
    expect(lower(x.sub(m).div(m)).plan.stages).toHaveLength(2);
  });
});

describe('op codes come from the operation table', () => {
  it('every unary row of the table is an NDArray method of the same name', () => {
    const x = matrix(2, 2, [2, 2]);
    const unary = OPS.filter((r) => r.arity === 1);
    expect(unary.length).toBeGreaterThan(0);
    // cast is spelled astype(dtype), as NumPy's (its b is the dtype code)
    const xi = x.astype('int32'); // the integer-only rows (invert) take an integer array
    for (const r of unary.filter((r) => r.plan !== 'cast')) {
      const method = (x as unknown as Record<string, () => NDArray<Computed>>)[r.plan];
      expect(typeof method, r.plan).toBe('function');
      const on = r.signatures.some((s) => s.startsWith('d')) ? x : xi;
      const prog = lower(method.call(on)).plan.stages[0]!.program;
      const st = { program: on === x ? prog : [...prog.slice(4)] };
      expect(st.program[4], r.plan).toBe(r.code);
    }
    const cast = lower(x.astype('float32')).plan.stages[0]!;
    expect([cast.program[4], cast.program[7]]).toEqual([OPS.find((r) => r.plan === 'cast')!.code, 1]);
  });

  it('maximum/minimum map to the max/min rows through their NumPy names; reductions to REDUCTIONS', () => {
    expect(opCode('maximum')).toBe(OpCode.Max);
    expect(opCode('minimum')).toBe(OpCode.Min);
    expect(opCode('sub')).toBe(OpCode.Sub);
    expect(reduceCode('std')).toBe(ReduceCode.Std);
    expect(reduceCode('max')).toBe(ReduceCode.Max);
  });
});
