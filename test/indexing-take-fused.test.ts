// A take result read in place (the take leaf, native/engine/gather.h at TakeLeaf): a kernel stage
// that walks x.take(i, { axis }) forward (.sum(), .mul(2), persist()) reads each row where it lies
// in the source instead of a gathered copy. References: the gathered array (the Take stage's
// output, itself checked against NumPy in indexing-gather.test.ts) reduced with the same chunks
// gives the same bits; arange data gives closed forms.
import { describe, expect, it } from 'vitest';
import { arange, fromArray, random, toPlan, type Computed, type NDArray } from '../src/index.js';
import { Lowering } from '../src/array/lower.js';
import { LeafKind, StageKind } from '../src/plan/ops.generated.js';
import { native } from '../src/native.js';
import { onThreads, values } from './helpers/threads.js';

const lower = (x: NDArray<Computed>) => new Lowering((n) => new ArrayBuffer(n)).lower([{ node: x.node, target: 'result' }]);

/** np.take of row-major data `d` of `shape` along `axis` (a closed form: the reference). */
function npTake(d: ArrayLike<number>, shape: number[], idx: number[], axis: number): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const r of idx) for (let i = 0; i < inner; i++) out.push(d[(o * n + (r < 0 ? r + n : r)) * inner + i]!);
  return out;
}

describe('take read in place (take leaf)', () => {
  it('x.take(i).sum(), .mul(2) and persist() read the rows in place: one stage, the gathered array\'s bits, 1 and 2 threads', async () => {
    const x = await random.random([300, 70], { seed: 4, chunks: [64, 32] }).persist();
    const all = values(await x.compute());
    for (const axis of [0, 1]) {
      const n = axis === 0 ? 300 : 70;
      const idx = Array.from({ length: 200 }, (_, i) => ((i * 7919) % n) - (i % 3 === 0 ? n : 0));
      const t = x.take(idx, { axis });
      const want = npTake(all, [300, 70], idx, axis);
      const gathered = await t.compute();  // the Take stage
      expect(values(gathered)).toEqual(want);
      const ref = fromArray(Float64Array.from(want), { shape: t.shape, chunks: t.chunks.map((c) => [...c]) });
      const refSum = await ref.sum().compute();
      const refAxisSum = values(await ref.sum({ axis: 1 - axis }).compute());
      const plan = lower(t.sum());
      expect(plan.plan.stages.length).toBe(1);
      expect(plan.plan.stages[0]!.leaves.map((l) => l.kind)).toEqual([LeafKind.Take]);
      for (const threads of [1, 2]) {
        await onThreads(threads, async () => {
          expect(await t.sum().compute()).toBe(refSum);
          expect(values(await t.sum({ axis: 1 - axis }).compute())).toEqual(refAxisSum);
          expect(values(await t.mul(2).compute())).toEqual(want.map((v) => 2 * v));
          const p = await t.persist();
          expect(values(await p.compute())).toEqual(want);
          p.dispose();
        });
      }
    }
    x.dispose();
  });
  it('a middle axis of a 3-d array, negative and repeated indices; a transposed walk reads the gathered array', async () => {
    const shape = [6, 7, 5];
    const x = arange(210, { dtype: 'float64' }).reshape(shape).rechunk([4, 3, 2]);
    const d = Array.from({ length: 210 }, (_, i) => i);
    const idx = [6, -1, 0, 0, 3, -7];
    const want = npTake(d, shape, idx, 1);
    const t = x.take(idx, { axis: 1 });
    expect(values(await t.add(1).compute())).toEqual(want.map((v) => v + 1));
    expect(await t.sum().compute()).toBe(want.reduce((a, b) => a + b, 0));
    // t.T walks the take's last axis backwards in memory order: the gathered array is read
    const tt = values(await t.transpose().add(0).compute());
    const [a, b, c] = t.shape as [number, number, number];
    const wantT: number[] = [];
    for (let k = 0; k < c; k++) for (let j = 0; j < b; j++) for (let i = 0; i < a; i++) wantT.push(want[(i * b + j) * c + k]!);
    expect(tt).toEqual(wantT);
    expect(lower(t.transpose().sum({ axis: 0 })).plan.stages.some((s) => s.kind === StageKind.Take)).toBe(true);
  });
  it('a lazy index array (computed in the same plan) is checked as rows are read: out of range is a RangeError', async () => {
    const x = arange(20, { dtype: 'float64' }).reshape([4, 5]);
    const good = fromArray(Int32Array.of(3, -4, 1), { chunks: [2] });
    expect(values(await x.take(good.mul(1), { axis: 0 }).mul(10).compute())).toEqual(npTake(Array.from({ length: 20 }, (_, i) => i * 10), [4, 5], [3, 0, 1], 0));
    await expect(x.take(fromArray([0, 4]), { axis: 0 }).sum().compute()).rejects.toThrow(/index 4 is out of bounds for axis 0 with size 4/);
    await expect(x.take(fromArray([0.5]), { axis: 0 }).mul(2).compute()).rejects.toThrow(/indices must be integers/);
    await expect(x.take(fromArray(Int32Array.of(-6)), { axis: 1 }).sum().compute()).rejects.toThrow(/index -6 is out of bounds for axis 1 with size 5/);
  });
  it('caller memory read beside a slice of it (a snapshot cut at the front) gives the right rows', async () => {
    const d = Float64Array.from({ length: 100 }, (_, i) => i);
    const x = fromArray(d, { shape: [10, 10], chunks: [4, 10] });
    const idx = [9, 0, 3, 3, 1];
    const want = npTake(d, [10, 10], idx, 0).map((v, k) => v + d[50 + k]!);
    expect(values(await x.take(idx, { axis: 0 }).add(x.get('5:')).compute())).toEqual(want);
  });
  it('the engine refuses a take leaf whose table does not fit its buffers', () => {
    const x = fromArray(Float64Array.from({ length: 20 }, (_, i) => i), { shape: [4, 5] });
    const bad = (edit: (t: Float64Array) => void): (() => unknown) => () => {
      const { plan, buffers } = lower(x.take([3, 0, 0], { axis: 0 }).sum());
      const leaf = plan.stages[0]!.leaves[0]!;
      edit(new Float64Array(buffers[leaf.b] as ArrayBuffer));
      return native().execute(plan, buffers);
    };
    // table: [axis, outer, m, n, inner, index dtype]
    expect(bad((t) => (t[3] = 5))).toThrow(/holds 20 elements, the take's source has 25/);
    expect(bad((t) => (t[2] = 4))).toThrow(/the index buffer holds 3 indices, the take has 4/);
    expect(bad((t) => (t[5] = 99))).toThrow(/table entry 5 \(the index dtype\) unknown/);
    expect(bad((t) => (t[4] = 1.5))).toThrow(/table entry 4 must be an integer/);
  });
  it('bool and float32 sources keep their dtype through the leaf; toPlan exports a take stage instead of the leaf', async () => {
    const b = fromArray(new Uint8Array([1, 0, 0, 2]), { dtype: 'bool' });
    expect(values(await b.take([3, 1, 0, 3]).sum().compute())).toEqual([3]);
    expect(values(await b.take([3, 1, 0]).logicalNot().compute())).toEqual([0, 1, 0]);
    const f = fromArray(Float32Array.of(1.5, 2.5, 3.5));
    const ft = f.take([2, 2, 0]).mul(2);
    expect(ft.dtype).toBe('float32');
    expect(values(await ft.compute())).toEqual([7, 7, 3]);
    expect(toPlan(fromArray([1, 2, 3]).take([2, 0, 0]).sum()).stages.map((s) => s.kind ?? 'kernel')).toEqual(['take', 'kernel']);
  });
});
