// Small dense factorizations on row-major Float64Array matrices, in plain TS (no system LAPACK):
// Cholesky, LU with partial pivoting, triangular solves, Householder QR, one-sided Jacobi SVD.
// They run on data a compute has materialized (the factor of a TSQR block, a square system);
// O(n^3) in JS, meant for the small matrices dask.array.linalg factors in one piece. No product
// skips a zero factor: 0 x inf and 0 x NaN are NaN, so NaN and inf spread as through BLAS/LAPACK.

export interface Mat { rows: number; cols: number; data: Float64Array }

export const mat = (rows: number, cols: number, data?: Float64Array): Mat => ({ rows, cols, data: data ?? new Float64Array(rows * cols) });

export function eye(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function multiply(a: Mat, b: Mat): Mat {
  const c = mat(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const x = a.data[i * a.cols + p]!;
      for (let j = 0; j < n; j++) c.data[i * n + j]! += x * b.data[p * n + j]!;
    }
  }
  return c;
}

export function transposeOf(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

/** Lower L with A = L Lᵀ; RangeError when A is not (numerically) positive definite. */
export function cholesky(a: Mat): Mat {
  const n = a.rows;
  const l = mat(n, n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l.data[j * n + k]! ** 2;
    if (!(d > 0)) throw new RangeError('cholesky: the matrix is not positive definite');
    const ljj = Math.sqrt(d);
    l.data[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l.data[i * n + k]! * l.data[j * n + k]!;
      l.data[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** PA = LU with partial pivoting, in place on a copy; perm[i] = the row of A in row i of PA. */
export function luFactor(a: Mat): { lu: Mat; perm: Int32Array; singular: boolean } {
  const n = a.rows;
  const lu = mat(n, n, Float64Array.from(a.data));
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const d = lu.data;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(d[i * n + k]!) > Math.abs(d[p * n + k]!)) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [d[k * n + j], d[p * n + j]] = [d[p * n + j]!, d[k * n + j]!];
      [perm[k], perm[p]] = [perm[p]!, perm[k]!];
    }
    const piv = d[k * n + k]!;
    if (piv === 0) {
      singular = true;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (d[i * n + k]! /= piv);
      for (let j = k + 1; j < n; j++) d[i * n + j]! -= f * d[k * n + j]!;
    }
  }
  return { lu, perm, singular };
}

/** Solve T X = B for triangular T (lower or upper), B with any number of columns. */
export function triangularSolve(t: Mat, b: Mat, lower: boolean, unitDiagonal = false): Mat {
  const n = t.rows;
  const m = b.cols;
  const x = mat(n, m, Float64Array.from(b.data));
  const d = x.data;
  for (let s = 0; s < n; s++) {
    const i = lower ? s : n - 1 - s;
    const piv = unitDiagonal ? 1 : t.data[i * n + i]!;
    if (piv === 0) throw new RangeError('solveTriangular: singular matrix (a zero on the diagonal)');
    for (let s2 = 0; s2 < s; s2++) {
      const k = lower ? s2 : n - 1 - s2;
      const f = t.data[i * n + k]!;
      for (let j = 0; j < m; j++) d[i * m + j]! -= f * d[k * m + j]!;
    }
    if (!unitDiagonal) for (let j = 0; j < m; j++) d[i * m + j]! /= piv;
  }
  return x;
}

export function luSolve(a: Mat, b: Mat, name: string): Mat {
  const { lu, perm, singular } = luFactor(a);
  if (singular) throw new RangeError(`${name}: singular matrix`);
  const pb = mat(b.rows, b.cols);
  for (let i = 0; i < b.rows; i++) pb.data.set(b.data.subarray(perm[i]! * b.cols, (perm[i]! + 1) * b.cols), i * b.cols);
  return triangularSolve(lu, triangularSolve(lu, pb, true, true), false);
}

/**
 * Reduced Householder QR of an m x n matrix, k = min(m, n): Q m x k (orthonormal columns), R k x n
 * upper triangular (trapezoidal when m < n).
 */
export function householderQR(a: Mat): { q: Mat; r: Mat } {
  const { rows: m, cols: n } = a;
  const kk = Math.min(m, n);
  const w = Float64Array.from(a.data);
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  for (let k = 0; k < kk; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, w[i * n + k]!);
    const v = new Float64Array(m - k);
    const x0 = w[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = w[i * n + k]!;
    v[0] = x0 - alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    const beta = vv === 0 ? 0 : 2 / vv;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k]! * w[i * n + j]!;
      s *= beta;
      for (let i = k; i < m; i++) w[i * n + j]! -= s * v[i - k]!;
    }
    vs.push(v);
    betas.push(beta);
  }
  const r = mat(kk, n);
  for (let i = 0; i < kk; i++) for (let j = i; j < n; j++) r.data[i * n + j] = w[i * n + j]!;
  // Q = H0 H1 ... H(k-1) applied to the first k columns of I
  const q = mat(m, kk);
  for (let i = 0; i < kk; i++) q.data[i * kk + i] = 1;
  for (let k = kk - 1; k >= 0; k--) {
    const v = vs[k]!;
    const beta = betas[k]!;
    for (let j = 0; j < kk; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k]! * q.data[i * kk + j]!;
      s *= beta;
      for (let i = k; i < m; i++) q.data[i * kk + j]! -= s * v[i - k]!;
    }
  }
  return { q, r };
}

/** One-sided Jacobi SVD of m x n (m >= n): A = U diag(s) Vᵀ, s descending. */
export function jacobiSVD(a: Mat): { u: Mat; s: Float64Array; vt: Mat } {
  const { rows: m, cols: n } = a;
  const u = Float64Array.from(a.data);
  const v = eye(n).data;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = u[i * n + p]!, uq = u[i * n + q]!;
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const up = u[i * n + p]!, uq = u[i * n + q]!;
          u[i * n + p] = c * up - s * uq;
          u[i * n + q] = s * up + c * uq;
        }
        for (let i = 0; i < n; i++) {
          const vp = v[i * n + p]!, vq = v[i * n + q]!;
          v[i * n + p] = c * vp - s * vq;
          v[i * n + q] = s * vp + c * vq;
        }
      }
    }
    if (off <= 1e-15) break;
  }
  const sv = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s = Math.hypot(s, u[i * n + j]!);
    sv[j] = s;
  }
  const order = [...sv.keys()].sort((x, y) => sv[y]! - sv[x]!);
  const U = mat(m, n);
  const VT = mat(n, n);
  const S = new Float64Array(n);
  order.forEach((j, k) => {
    S[k] = sv[j]!;
    for (let i = 0; i < m; i++) U.data[i * n + k] = sv[j]! > 0 ? u[i * n + j]! / sv[j]! : 0;
    for (let i = 0; i < n; i++) VT.data[k * n + i] = v[i * n + j]!;
  });
  return { u: U, s: S, vt: VT };
}
