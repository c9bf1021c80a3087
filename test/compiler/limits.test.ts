// Expressions larger than one kernel: the compiler is iterative (no call-stack limit) and splits a
// stage over the engine's register, instruction or leaf limits into stages through scratch memory.
import { describe, expect, it } from 'vitest';
import { exportPlan, execute, fromArray, random, type DenseArray, type NDArray, type Computed } from '../../src/index.js';
import { Lowering, type Lowered } from '../../src/array/lower.js';
import { ENGINE_LIMITS, LeafKind, NativeDType, ReduceCode } from '../../src/plan/ops.generated.js';

const lower = (x: NDArray<Computed>): Lowered => new Lowering((n) => new ArrayBuffer(n)).lower([{ node: x.node, target: 'result' }]);

function expectWithinLimits(l: Lowered): void {
  for (const st of l.plan.stages) {
    expect(st.nregs).toBeLessThanOrEqual(ENGINE_LIMITS.maxRegisters);
    expect(st.program.length / 4).toBeLessThanOrEqual(ENGINE_LIMITS.maxInstructions);
    expect(st.leaves.length).toBeLessThanOrEqual(ENGINE_LIMITS.maxLeaves);
  }
}

describe('no recursion or register limits', () => {
  it('a chain of 100 000 elementwise ops compiles (split by instruction count) and adds exactly', async () => {
    const data = new Float64Array([0.1, 2.5, -3, 1e6]);
    const x = fromArray(data, { chunks: 2 });
    let y: NDArray<DenseArray> = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1);

    const l = lower(y);
    expectWithinLimits(l);
    expect(l.plan.stages).toHaveLength(2);
    // The first stage writes the partial chain into float64 scratch with the stage's own chunking.
    const [first, second] = l.plan.stages as [Lowered['plan']['stages'][0], Lowered['plan']['stages'][0]];
    expect(first.sink).toMatchObject({ reduce: ReduceCode.None, dtype: NativeDType.F64, strides: [1] });
    expect(first.chunks).toEqual([[2, 2]]);
    expect(second.leaves).toEqual([{ kind: LeafKind.Memory, dtype: NativeDType.F64, offset: 0, strides: [1], a: 0, b: 0, seed: 0, buffer: first.sink.buffer }]);
    expect(first.program.length / 4 + second.program.length / 4).toBe(100_000 + 2);

    const naive = Array.from(data, (v) => {
      for (let i = 0; i < 100_000; i++) v += 1;
      return v;
    });
    expect(Array.from((await y.compute()).data)).toEqual(naive);
  });

  it('a sum over 5 000 distinct inputs compiles and equals the same sum in a loop', async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => new Float64Array([i * 0.1, Math.sqrt(i), -i / 3]));
    let y: NDArray<DenseArray> = fromArray(parts[0]!);
    for (let i = 1; i < parts.length; i++) y = y.add(fromArray(parts[i]!));
    const l = lower(y);
    expectWithinLimits(l);
    expect(l.plan.stages).toHaveLength(1);
    expect(l.plan.stages[0]!.leaves).toHaveLength(5000);

    const naive = [0, 1, 2].map((j) => {
      let s = parts[0]![j]!;
      for (let i = 1; i < parts.length; i++) s += parts[i]![j]!;
      return s;
    });
    expect(Array.from((await y.compute()).data)).toEqual(naive);
  });

  it('5 000 inputs added right to left (5 000 live registers) are split and give the same sum', async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => new Float64Array([i * 0.7, 1 / (i + 1)]));
    let y: NDArray<DenseArray> = fromArray(parts[parts.length - 1]!);
    for (let i = parts.length - 2; i >= 0; i--) y = fromArray(parts[i]!).add(y);
    const l = lower(y);
    expectWithinLimits(l);
    expect(l.plan.stages.length).toBeGreaterThan(1);

    const naive = [0, 1].map((j) => {
      let s = parts[parts.length - 1]![j]!;
      for (let i = parts.length - 2; i >= 0; i--) s = parts[i]![j]! + s;
      return s;
    });
    expect(Array.from((await y.compute()).data)).toEqual(naive);
  });
});

describe('a split plan computes the bits of the unsplit one', () => {
  // step(acc, r) with the accumulator first fits one kernel; with it second (mul commutes
  // exactly in IEEE arithmetic) every level holds one more register, so 100 levels must split.
  const inputs = Array.from({ length: 100 }, (_, i) => random.random([300, 40], { chunks: [64, 40], seed: i + 1 }));
  const build = (accFirst: boolean): NDArray<Computed> => {
    let acc: NDArray<Computed> = inputs[0]!;
    for (const r of inputs.slice(1)) acc = (accFirst ? acc.mul(r) : r.mul(acc)).sin().add(r).sqrt();
    return acc;
  };

  it('elementwise: bit-identical, and only the wide form is split', async () => {
    const fused = lower(build(true));
    const split = lower(build(false));
    expect(fused.plan.stages).toHaveLength(1);
    expect(fused.plan.stages[0]!.nregs).toBeLessThanOrEqual(4);
    expect(split.plan.stages.length).toBeGreaterThan(1);
    expectWithinLimits(split);
    const a = (await build(true).compute()) as DenseArray;
    const b = (await build(false).compute()) as DenseArray;
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
  });

  it('a reduction over a split expression keeps its chunking and its bits', async () => {
    const split = lower(build(false).sum({ axis: 0 }));
    const last = split.plan.stages[split.plan.stages.length - 1]!;
    expect(last.sink.reduce).toBe(ReduceCode.Sum);
    expect(split.plan.stages.every((st) => JSON.stringify(st.chunks) === JSON.stringify([[64, 64, 64, 64, 44], [40]]))).toBe(true);
    const a = (await build(true).sum({ axis: 0 }).compute()) as DenseArray;
    const b = (await build(false).sum({ axis: 0 }).compute()) as DenseArray;
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const total = await build(false).sum().compute();
    expect(total).toBe(await build(true).sum().compute());
  });

  it('a split plan exported with toPlan runs through execute() with the same bits', async () => {
    const { plan, inputs: data } = exportPlan(build(false));
    expect(plan.stages.length).toBeGreaterThan(1);
    const [out] = (await execute(plan, data)) as [DenseArray];
    const a = (await build(true).compute()) as DenseArray;
    expect(Buffer.from(out.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
  });
});
