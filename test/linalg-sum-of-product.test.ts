// sum(matmul(a, b)) without the GEMM (lower-matmul.ts sumOfProduct): the operands' sums times
// each other, against the sum of the computed product and a naive loop.
import { describe, expect, it } from 'vitest';
import { einsum, fromArray, matmul, random, type DenseArray } from '../src/index.js';
import { Lowering } from '../src/array/lower.js';
import { StageKind } from '../src/plan/types.js';

const vals = async (x: { compute(): Promise<unknown> }): Promise<number[]> => {
  const v = await x.compute();
  return typeof v === 'number' ? [v] : Array.from((v as DenseArray).data);
};

describe('sum of a matrix product', () => {
  it('all axes, rows, columns, keepdims, transposed and lazy operands', async () => {
    const a = random.random([37, 23], { seed: 1, chunks: [10, 7] }).exp();
    const b = random.normal(0, 1, [23, 19], { seed: 2, chunks: [5, 19] });
    const A = await vals(a);
    const B = await vals(b);
    const P = (i: number, j: number): number => {
      let s = 0;
      for (let k = 0; k < 23; k++) s += A[i * 23 + k]! * B[k * 19 + j]!;
      return s;
    };
    let total = 0;
    const colSums = new Array<number>(19).fill(0);
    const rowSums = new Array<number>(37).fill(0);
    for (let i = 0; i < 37; i++) for (let j = 0; j < 19; j++) (total += P(i, j)), (colSums[j]! += P(i, j)), (rowSums[i]! += P(i, j));
    const close = (got: number[], want: number[]): void => {
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-11 * (1 + Math.abs(want[i]!))));
    };
    close(await vals(matmul(a, b).sum()), [total]);
    close(await vals(matmul(a, b).sum({ axis: 0 })), colSums);
    close(await vals(matmul(a, b).sum({ axis: 1 })), rowSums);
    close(await vals(matmul(a, b).sum({ axis: [0, 1], keepdims: true })), [total]);
    expect(matmul(a, b).sum({ axis: 0, keepdims: true }).shape).toEqual([1, 19]);
    close(await vals(matmul(a, b).sum({ axis: 0, keepdims: true })), colSums);
    // b.T.T and einsum reach the same rule
    close(await vals(matmul(a, b.T.T).sum()), [total]);
    close(await vals(einsum('ij,jk->ik', a, b).sum()), [total]);
    // float32
    const a32 = fromArray(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] } as never);
    const b32 = fromArray(Float32Array.from([1, 0, 2, 1, 0, 3]), { shape: [3, 2] } as never);
    const s32 = matmul(a32, b32).sum();
    expect(s32.dtype).toBe('float32');
    expect(await s32.compute()).toBe(1 * 1 + 2 * 2 + 3 * 0 + (1 * 0 + 2 * 1 + 3 * 3) + 4 * 1 + 5 * 2 + 6 * 0 + (4 * 0 + 5 * 1 + 6 * 3));
  });

  it('infinities and NaN give what summing the computed product gives (the rule falls back to the GEMM)', async () => {
    const a = fromArray([[Infinity, 1], [2, 3]]);
    const withZero = fromArray([[0, 1], [1, 1]]); // inf · 0 in the product: NaN
    const positive = fromArray([[1, 2], [1, 1]]); // inf · positive: inf
    const nan = fromArray([[NaN, 1], [1, 1]]);
    for (const b of [withZero, positive, nan]) {
      const product = (await matmul(a, b).compute()) as DenseArray;
      const sums = [0, 1].map((j) => product.data[j]! + product.data[2 + j]!);
      expect(await matmul(a, b).sum().compute()).toBe(sums[0]! + sums[1]!);
      expect(await vals(matmul(a, b).sum({ axis: 0 }))).toEqual(sums);
    }
    expect(Number.isNaN(await matmul(a, withZero).sum().compute())).toBe(true);
    expect(await matmul(a, positive).sum().compute()).toBe(Infinity);
  });

  it('no stage multiplies the full matrices (8000² lazy inputs: only vector products)', async () => {
    const a = random.random([8000, 8000], { seed: 1, chunks: 2000 });
    const b = random.random([8000, 8000], { seed: 2, chunks: 2000 });
    const lowered = new Lowering((n) => new ArrayBuffer(n), { sumOfProduct: true }).lower([{ node: matmul(a, b).sum().node, target: 'result' }]);
    for (const s of lowered.plan.stages) if (s.kind === StageKind.Matmul) expect(s.shape.reduce((x, y) => x * y, 1)).toBe(1);
    const got = (await matmul(a, b).sum().compute()) as number;
    // E[sum] = 8000³ / 4; the exact value: (Σ_i a_ik)(Σ_j b_kj) summed over k
    const [ca, rb] = [(await a.sum({ axis: 0 }).compute()) as DenseArray, (await b.sum({ axis: 1 }).compute()) as DenseArray];
    let want = 0;
    for (let k = 0; k < 8000; k++) want += ca.data[k]! * rb.data[k]!;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
    expect(Math.abs(got / 8000 ** 3 - 0.25)).toBeLessThan(1e-3);
  });
});
