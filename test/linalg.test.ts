// linalg (issue 16): the measures LAPACK results are judged by — backward error, orthogonality
// ‖QᵀQ − I‖, reconstruction — on random and ill-conditioned matrices; NumPy's norms from the
// closed forms; singular solve and non-square cholesky errors.
import { describe, expect, it } from 'vitest';
import { DenseArray, fromArray, linalg, matmul, random, type NDArray, type Computed } from '../src/index.js';

const EPS = 2.220446049250313e-16;
const dense = async (x: NDArray<Computed>): Promise<DenseArray> => (await x.compute()) as DenseArray;
const maxAbs = (d: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]!)); return m; };
const diff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };
function matOf(n: number, f: (i: number, j: number) => number): NDArray<Computed> {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = f(i, j);
  return fromArray(d, { shape: [n, n], chunks: [Math.ceil(n / 3), n] });
}
const identity = (n: number): Float64Array => { const d = new Float64Array(n * n); for (let i = 0; i < n; i++) d[i * n + i] = 1; return d; };

describe('linalg factorizations', () => {
  const n = 40;
  const a = random.normal(0, 1, [n, n], { seed: 11, chunks: 13 });
  const spd = matmul(a, a.T).add(matOf(n, (i, j) => (i === j ? n : 0)));
  const hilbert = matOf(8, (i, j) => 1 / (i + j + 1)); // cond ~ 1.5e10

  it('solve: backward error ‖Ax − b‖ / (‖A‖‖x‖) ~ eps on random and ill-conditioned systems', async () => {
    for (const [A, m] of [[a, n], [hilbert, 8]] as const) {
      const b = random.random([m, 3], { seed: 5 });
      const x = linalg.solve(A, b);
      const r = await dense(matmul(A, x).sub(b));
      const nA = (await linalg.norm(A, { ord: Infinity }).compute()) as number;
      const nx = maxAbs((await dense(x)).data);
      expect(maxAbs(r.data) / (nA * nx)).toBeLessThan(m * 10 * EPS);
    }
  });

  it('cholesky reconstructs A (lower: L Lᵀ; upper: Uᵀ U); inv gives A A⁻¹ ≈ I; lu gives P L U = A', async () => {
    const A = await dense(spd);
    const l = linalg.cholesky(spd);
    expect(diff((await dense(matmul(l, l.T))).data, A.data)).toBeLessThan(100 * EPS * maxAbs(A.data));
    const L = (await dense(l)).data;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
    const u = linalg.cholesky(spd, { lower: false });
    expect(diff((await dense(matmul(u.T, u))).data, A.data)).toBeLessThan(100 * EPS * maxAbs(A.data));
    expect(diff((await dense(matmul(spd, linalg.inv(spd)))).data, identity(n))).toBeLessThan(1e3 * EPS);
    const [p, lo, up] = linalg.lu(a);
    expect(diff((await dense(matmul(p, matmul(lo, up)))).data, (await dense(a)).data)).toBeLessThan(100 * EPS * n);
  });

  it('solveTriangular solves with the chosen triangle only', async () => {
    const l = linalg.cholesky(spd);
    const b = random.random([n], { seed: 9 });
    const x = linalg.solveTriangular(l, b, { lower: true });
    expect(maxAbs((await dense(matmul(l, x).sub(b))).data)).toBeLessThan(1e3 * EPS);
    const y = linalg.solveTriangular(l.T, b);
    expect(maxAbs((await dense(matmul(l.T, y).sub(b))).data)).toBeLessThan(1e3 * EPS);
  });

  it('TSQR qr and svd of a tall-and-skinny array: ‖QᵀQ − I‖, reconstruction, singular values', async () => {
    const x = random.normal(0, 1, [3000, 12], { seed: 3, chunks: [500, 12] });
    const [q, r] = linalg.qr(x);
    expect(q.chunks).toEqual(x.chunks);
    expect(diff((await dense(matmul(q.T, q))).data, identity(12))).toBeLessThan(100 * EPS * 12);
    const X = await dense(x);
    expect(diff((await dense(matmul(q, r))).data, X.data)).toBeLessThan(100 * EPS * maxAbs(X.data));
    const R = (await dense(r)).data;
    for (let i = 0; i < 12; i++) for (let j = 0; j < i; j++) expect(R[i * 12 + j]).toBe(0);
    const [u, s, v] = linalg.svd(x);
    const S = (await dense(s)).data;
    for (let i = 1; i < 12; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
    const us = u.mul(s);
    expect(diff((await dense(matmul(us, v))).data, X.data)).toBeLessThan(1e3 * EPS * maxAbs(X.data));
    expect(diff((await dense(matmul(u.T, u))).data, identity(12))).toBeLessThan(1e3 * EPS);
    // the 2-norm is the largest singular value; Frobenius² is the sum of their squares
    expect(Math.abs(((await linalg.norm(x.rechunk([3000, 12]), { ord: 2 }).compute()) as number) - S[0]!)).toBeLessThan(1e-10 * S[0]!);
    const fro = (await linalg.norm(x).compute()) as number;
    expect(Math.abs(fro * fro - S.reduce((p, z) => p + z * z, 0))).toBeLessThan(1e-10 * fro * fro);
  });

  it('lstsq: the normal equations hold at the solution; rank and residuals as NumPy', async () => {
    const A = random.normal(0, 1, [50, 4], { seed: 21 });
    const b = random.normal(0, 1, [50], { seed: 22 });
    const [x, res, rank, s] = linalg.lstsq(A, b);
    const r = matmul(A, x).sub(b);
    expect(maxAbs((await dense(matmul(A.T, r))).data)).toBeLessThan(1e-12);
    expect(await rank.compute()).toBe(4);
    expect((await dense(s)).shape).toEqual([4]);
    const rr = (await dense(r)).data;
    expect(Math.abs((await dense(res)).data[0]! - rr.reduce((p, z) => p + z * z, 0))).toBeLessThan(1e-12);
  });

  it('qr and svd of a short-and-fat a (one row chunk, chunked columns) and of row blocks shorter than a is wide, as Dask (fuzz16)', async () => {
    const fat = fromArray([[1, 2, 3, 4], [2, -1, 0, 1]], { chunks: [[2], [3, 1]] });
    const F = (await dense(fat)).data;
    const [q, r] = linalg.qr(fat);
    // dask.array.linalg.qr (sfqr): q ((2,), (2,)), r ((2,), (3, 1)); NumPy's |diag r| = [√5, √5]
    expect([q.chunks, r.chunks]).toEqual([[[2], [2]], [[2], [3, 1]]]);
    expect(diff((await dense(matmul(q, r))).data, F)).toBeLessThan(100 * EPS * 4);
    const R = (await dense(r)).data;
    expect(Math.abs(Math.abs(R[0]!) - Math.sqrt(5))).toBeLessThan(1e-14);
    expect(Math.abs(Math.abs(R[5]!) - Math.sqrt(5))).toBeLessThan(1e-14);
    expect(R[4]).toBe(0);
    const [u, s, v] = linalg.svd(fat);
    expect([u.chunks, s.chunks, v.chunks]).toEqual([[[2], [2]], [[2]], [[2], [3, 1]]]);
    const S = (await dense(s)).data;
    [5.536163892143504, 2.3131989450383386].forEach((e, i) => expect(Math.abs(S[i]! - e)).toBeLessThan(1e-13));
    expect(diff((await dense(matmul(u.mul(s), v))).data, F)).toBeLessThan(1e3 * EPS * 4);
    // a 1-row block of a 2-wide array: Dask's tsqr gives q ((3, 1, 1), (2,)); NumPy's |diag r| and s
    const thin = fromArray([[1, 2], [3, 4], [5, 6], [7, 8.5], [0, 1]], { chunks: [[3, 1, 1], [2]] });
    const T = (await dense(thin)).data;
    const [q2, r2] = linalg.qr(thin);
    expect(q2.chunks).toEqual([[3, 1, 1], [2]]);
    expect(diff((await dense(matmul(q2, r2))).data, T)).toBeLessThan(1e3 * EPS * 9);
    expect(diff((await dense(matmul(q2.T, q2))).data, identity(2))).toBeLessThan(1e3 * EPS);
    const R2 = (await dense(r2)).data;
    expect(Math.abs(Math.abs(R2[0]!) - 9.16515138991168)).toBeLessThan(1e-13);
    expect(Math.abs(Math.abs(R2[3]!) - 1.3127125678206528)).toBeLessThan(1e-13);
    const S2 = (await dense(linalg.svd(thin)[1])).data;
    [14.579747761298329, 0.8252001071961347].forEach((e, i) => expect(Math.abs(S2[i]! - e)).toBeLessThan(1e-13));
    expect(() => linalg.svd(random.random([6, 4], { seed: 1, chunks: [3, 2] }))).toThrow(/one chunk along its columns/);
  });

  it('lstsq: the rank is an int32 0-d array, as NumPy (fuzz16)', async () => {
    const [, , rank] = linalg.lstsq(fromArray([[1, 1], [1, 1], [0, 0]]), fromArray([1, 2, 3]));
    expect(rank.dtype).toBe('int32');
    expect(await rank.compute()).toBe(1);
  });

  it('NaN and infinities spread as through LAPACK; SVDs of them raise as NumPy\'s LinAlgError (fuzz16)', async () => {
    // np.linalg.solve([[2, 1], [0, 0.5]], [nan, 1]) = [nan, nan]: 0 × NaN is NaN (no zero is skipped)
    const x = (await dense(linalg.solve(fromArray([[2, 1], [0, 0.5]]), fromArray([NaN, 1])))).data;
    expect(Array.from(x)).toEqual([NaN, NaN]);
    // np.linalg.inv([[2, 0], [0, inf]]) = [[0.5, 0], [0, 0]]
    expect(Array.from((await dense(linalg.inv(fromArray([[2, 0], [0, Infinity]])))).data)).toEqual([0.5, 0, 0, 0]);
    // np.linalg.svd / lstsq of a NaN: LinAlgError 'SVD did not converge'
    const bad = fromArray([[1, NaN], [0, 1], [1, 1]]);
    await expect(linalg.svd(bad)[1].compute()).rejects.toThrow(/SVD did not converge/);
    await expect(linalg.lstsq(bad, fromArray([1, 1, 1]))[0].compute()).rejects.toThrow(RangeError);
  });

  it('svdCompressed recovers a rank-5 matrix: singular values as the exact SVD, reconstruction', async () => {
    const u0 = random.normal(0, 1, [300, 5], { seed: 31, chunks: [100, 5] });
    const v0 = random.normal(0, 1, [5, 40], { seed: 32 });
    const lowRank = await matmul(u0, v0).rechunk([[100, 100, 100], [40]]).persist();
    const [u, s, v] = linalg.svdCompressed(lowRank, 5, { seed: 7, nPowerIter: 1 });
    const S = (await dense(s)).data;
    const exact = (await dense(linalg.svd(lowRank)[1])).data;
    for (let i = 0; i < 5; i++) expect(Math.abs(S[i]! - exact[i]!)).toBeLessThan(1e-10 * exact[0]!);
    const X = (await dense(lowRank)).data;
    expect(diff((await dense(matmul(u.mul(s), v))).data, X)).toBeLessThan(1e-10 * maxAbs(X));
    expect(() => linalg.svdCompressed(lowRank, 0)).toThrow(RangeError);
  });

  it('errors: singular solve, non-square cholesky, non-SPD cholesky, bad shapes', async () => {
    const sing = fromArray([[1, 2], [2, 4]]);
    await expect(linalg.solve(sing, fromArray([1, 1])).compute()).rejects.toThrow(/singular matrix/);
    await expect(linalg.inv(sing).compute()).rejects.toThrow(RangeError);
    expect(() => linalg.cholesky(random.random([3, 4], { seed: 1 }))).toThrow(RangeError);
    await expect(linalg.cholesky(fromArray([[1, 2], [2, 1]])).compute()).rejects.toThrow(/not positive definite/);
    expect(() => linalg.solve(sing, fromArray([1, 1, 1]))).toThrow(/2 rows/);
    expect(() => linalg.qr(random.random([100, 10], { seed: 1, chunks: [50, 5] }))).toThrow(/one chunk along its columns/);
    expect(() => linalg.norm(random.random([2, 2, 2], { seed: 1 }), { ord: 1 })).toThrow(RangeError);
  });
});

describe('norm', () => {
  const v = fromArray([3, -4, 0, 12]);
  const m = fromArray([[1, -2, 3], [-4, 5, -6]]);
  it('vector ords', async () => {
    expect(await linalg.norm(v).compute()).toBe(13);
    expect(await linalg.norm(v, { ord: 1 }).compute()).toBe(19);
    expect(await linalg.norm(v, { ord: Infinity }).compute()).toBe(12);
    expect(await linalg.norm(v, { ord: -Infinity }).compute()).toBe(0);
    expect(Math.abs(((await linalg.norm(v, { ord: 3 }).compute()) as number) - Math.cbrt(27 + 64 + 1728))).toBeLessThan(1e-12);
    expect(Array.from((await dense(linalg.norm(m, { axis: 1, ord: 1 }))).data)).toEqual([6, 15]);
  });
  it('vector ord 0 (non-zero count) and negative p, as NumPy; ord ±2 of an empty matrix is an error (fuzz16)', async () => {
    // np.linalg.norm([3, -4, 0, 12], 0) = 3.0, (…, -1) = 0.0; norm([3, -4, 12], -1) = 1.5, (…, -0.5) = 0.5358983848622455
    expect(await linalg.norm(v, { ord: 0 }).compute()).toBe(3);
    expect(await linalg.norm(v, { ord: -1 }).compute()).toBe(0);
    const w = fromArray([3, -4, 12]);
    expect(Math.abs(((await linalg.norm(w, { ord: -1 }).compute()) as number) - 1.5)).toBeLessThan(1e-15);
    expect(Math.abs(((await linalg.norm(w, { ord: -0.5 }).compute()) as number) - 0.5358983848622455)).toBeLessThan(1e-15);
    const n0 = linalg.norm(fromArray(new Float32Array([3, 0, 1])), { ord: 0 });
    expect(n0.dtype).toBe('float32');
    expect(await n0.compute()).toBe(2);
    expect(Array.from((await dense(linalg.norm(m, { axis: 0, ord: 0, keepdims: true }))).data)).toEqual([2, 2, 2]);
    const empty = fromArray(new Float64Array(0), { shape: [3, 0] });
    expect(() => linalg.norm(empty, { ord: 2 })).toThrow(/zero-size array to reduction operation max/);
    expect(() => linalg.norm(empty, { ord: -2 })).toThrow(/operation min/);
    expect(await linalg.norm(empty, { ord: 'nuc' }).compute()).toBe(0);
  });
  it('integers are normed in float64, as NumPy (no int32 wrap of x·x)', async () => {
    const big = fromArray(new Int32Array([70000, -70000, 1]));
    // np.linalg.norm(np.array([70000, -70000, 1], np.int32)) = 98994.94937116741
    expect(Math.abs(((await linalg.norm(big).compute()) as number) - 98994.94937116741)).toBeLessThan(1e-9);
    expect(await linalg.norm(big, { ord: 1 }).compute()).toBe(140001);
    expect(await linalg.norm(fromArray(new Int16Array([3, -4])), { ord: Infinity }).compute()).toBe(4);
  });
  it('matrix ords', async () => {
    expect(await linalg.norm(m, { ord: 1 }).compute()).toBe(9);
    expect(await linalg.norm(m, { ord: -1 }).compute()).toBe(5);
    expect(await linalg.norm(m, { ord: Infinity }).compute()).toBe(15);
    expect(await linalg.norm(m, { ord: -Infinity }).compute()).toBe(6);
    expect(Math.abs(((await linalg.norm(m, { ord: 'fro' }).compute()) as number) - Math.sqrt(91))).toBeLessThan(1e-14);
    // NumPy 1.24: norm(m, 2) = 9.508032000695724, norm(m, 'nuc') = 10.280901636369208, norm(m, -2) = 0.7728696356734843
    expect(Math.abs(((await linalg.norm(m, { ord: 2 }).compute()) as number) - 9.508032000695724)).toBeLessThan(1e-13);
    expect(Math.abs(((await linalg.norm(m, { ord: 'nuc' }).compute()) as number) - 10.280901636369208)).toBeLessThan(1e-13);
    expect(Math.abs(((await linalg.norm(m, { ord: -2 }).compute()) as number) - 0.7728696356734843)).toBeLessThan(1e-13);
  });
});
