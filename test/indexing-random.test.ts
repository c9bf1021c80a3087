// random.standardNormal and random.exponential: definitions in docs/random.md, checked against the
// existing leaves they are defined by (bit-exact) and for chunk invariance.
import { describe, expect, it } from 'vitest';
import { DenseArray, random } from '../src/index.js';

const values = (v: number | DenseArray): number[] => (typeof v === 'number' ? [v] : Array.from(v.data as Float64Array));

describe('random additions', () => {
  it('standardNormal is normal(0, 1), for any chunking', async () => {
    const a = values(await random.standardNormal([50, 7], { seed: 11, chunks: [9, 3] }).compute());
    const b = values(await random.normal(0, 1, [50, 7], { seed: 11 }).compute());
    expect(a).toEqual(b);
  });
  it('exponential is -log(1 - U)·scale of random.random, chunk-invariant, mean ≈ scale', async () => {
    const e = values(await random.exponential(2, [20000], { seed: 5, chunks: 3000 }).compute());
    const e2 = values(await random.exponential(2, [20000], { seed: 5 }).compute());
    expect(e).toEqual(e2);
    const u = values(await random.random([20000], { seed: 5 }).neg().add(1).log().neg().mul(2).compute());
    expect(e).toEqual(u);
    expect(e.every((v) => v >= 0)).toBe(true);
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    expect(Math.abs(mean - 2)).toBeLessThan(0.1); // 20000 samples: sd of the mean is 2/sqrt(20000) ≈ 0.014
  });
  it('a slice of exponential generates the same values', async () => {
    const x = random.exponential(1, [30, 30], { seed: 3 });
    const all = values(await x.compute());
    expect(values(await x.get('7, ::-7').compute())).toEqual([29, 22, 15, 8, 1].map((j) => all[7 * 30 + j]!));
  });
  it('a float64 random array stored as it is (generated straight into the result) has the bits of the register path', async () => {
    // x.add(0) and x.T load the generator into a register (the add, or a strided sink, stores it);
    // x.compute() and a reversed slice generate into the result's memory directly
    const cases = [
      random.random([300, 1030], { seed: 21, chunks: [70, 400] }),
      random.uniform(-2, 5, [300, 1030], { seed: 22, chunks: [300, 1030] }),
      random.normal(0, 1, [257, 999], { seed: 23, chunks: [100, 333] }),
      random.normal(3, 0.5, [257, 999], { seed: 24 }),
    ];
    for (const x of cases) {
      const direct = values(await x.compute());
      const viaAdd = values(await x.add(0).compute());
      expect(direct.every((v, i) => Object.is(v, viaAdd[i]))).toBe(true);
      const [r, c] = x.shape as [number, number];
      const t = values(await x.T.compute());
      expect(direct.every((v, i) => Object.is(v, t[(i % c) * r + Math.floor(i / c)]))).toBe(true);
      const rev = values(await x.get('4, ::-1').compute());
      expect(rev).toEqual(direct.slice(4 * c, 5 * c).reverse());
    }
  });
  it('errors', () => {
    expect(() => random.exponential(-1, [3])).toThrow(RangeError);
  });
});
