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
  it('errors', () => {
    expect(() => random.exponential(-1, [3])).toThrow(RangeError);
  });
});
