// dask.array.linalg's set with NumPy semantics: norm (lazy, from reductions), and the
// factorizations cholesky, lu, solve, solveTriangular, inv, lstsq, qr and svd (TSQR for tall and
// skinny arrays, as Dask). Factorizations compute their inputs, factor them with ./dense.ts on the
// main thread, and return lazy arrays over the factors (one factorization per set of results).
import { checkOptions, describe } from '../../errors.js';
import { NDArray, computeArrays, type Computed } from '../ndarray.js';
import { newId, token, type DType } from '../node.js';
import { DenseArray } from '../dense.js';
import {
  cholesky as denseCholesky, householderQR, jacobiSVD, luFactor, luSolve, mat, multiply, transposeOf, triangularSolve, eye, type Mat,
} from './dense.js';
import { matmul } from './products.js';
import { random } from '../creation.js';

function check2d(name: string, x: unknown, square: boolean): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`${name}: a must be an NDArray, got ${describe(x)}`);
  if (x.ndim !== 2) throw new RangeError(`${name}: a must be 2-d (got ${x.ndim}-d, shape [${x.shape.join(', ')}])`);
  if (square && x.shape[0] !== x.shape[1]) throw new RangeError(`${name}: a must be square (got shape [${x.shape.join(', ')}])`);
  return x;
}

const toMat = (v: Computed): Mat => {
  if (typeof v === 'number') return mat(1, 1, Float64Array.of(v));
  const d = v instanceof DenseArray ? v : (v as unknown as DenseArray);
  const rows = d.shape.length === 0 ? 1 : d.shape[0]!;
  const cols = d.shape.length < 2 ? 1 : d.shape.slice(1).reduce((a, b) => a * b, 1);
  return mat(rows, cols, d.data instanceof Float64Array ? d.data : Float64Array.from(d.data as ArrayLike<number>, (v) => Number(v)));
};

/** Lazy arrays over the results of one factorization of `inputs` (run once, when first needed). */
function factorOutputs(name: string, inputs: readonly NDArray[], shapes: readonly number[][], fn: (xs: Mat[]) => Float64Array[]): NDArray[] {
  const dtype: DType = inputs.every((x) => x.dtype === 'float32') ? 'float32' : 'float64';
  let pending: Promise<Float64Array[]> | undefined;
  const run = (): Promise<Float64Array[]> => (pending ??= computeArrays(inputs).then((vs) => fn(vs.map(toMat))));
  const key = token(`${name}:${inputs.map((x) => x.name).join(',')}:${newId()}`);
  return shapes.map((shape, i) =>
    new NDArray({
      kind: 'delayed', op: 'from_delayed', id: newId(), name: `${name}-${i}-${key}`, shape: [...shape], dtype,
      chunks: shape.map((s) => [s]),
      source: { compute: async () => { const r = (await run())[i]!; return dtype === 'float32' ? Float32Array.from(r) : r; } },
      state: {},
    }),
  );
}

/** Options of {@link linalg.cholesky}. */
export interface CholeskyOptions {
  /** Return the lower factor L (A = L Lᵀ, NumPy's default, true) or the upper U (A = Uᵀ U, Dask's default). */
  lower?: boolean;
}

/** Cholesky factor of a symmetric positive-definite matrix (NumPy: lower by default). */
export function cholesky(a: NDArray, options?: CholeskyOptions): NDArray {
  check2d('cholesky', a, true);
  const o = checkOptions('cholesky options', options);
  const lower = o.lower ?? true;
  if (typeof lower !== 'boolean') throw new TypeError(`cholesky: lower must be a boolean, got ${describe(lower)}`);
  return factorOutputs('cholesky', [a], [a.shape], ([m]) => {
    const l = denseCholesky(m!);
    return [lower ? l.data : transposeOf(l).data];
  })[0]!;
}

/** LU with partial pivoting as scipy/dask: [p, l, u] with a = p @ l @ u. */
export function lu(a: NDArray): [NDArray, NDArray, NDArray] {
  check2d('lu', a, true);
  const n = a.shape[0]!;
  const [p, l, u] = factorOutputs('lu', [a], [a.shape, a.shape, a.shape], ([m]) => {
    const { lu: f, perm } = luFactor(m!);
    const P = mat(n, n);
    const L = mat(n, n);
    const U = mat(n, n);
    for (let i = 0; i < n; i++) {
      P.data[perm[i]! * n + i] = 1;
      for (let j = 0; j < n; j++) {
        if (j < i) L.data[i * n + j] = f.data[i * n + j]!;
        else U.data[i * n + j] = f.data[i * n + j]!;
      }
      L.data[i * n + i] = 1;
    }
    return [P.data, L.data, U.data];
  });
  return [p!, l!, u!];
}

function checkRhs(name: string, a: NDArray, b: unknown): NDArray {
  if (!(b instanceof NDArray)) throw new TypeError(`${name}: b must be an NDArray, got ${describe(b)}`);
  if (b.ndim < 1 || b.ndim > 2 || b.shape[0] !== a.shape[0]) {
    throw new RangeError(`${name}: b must be 1-d or 2-d with ${a.shape[0]} rows (got shape [${b.shape.join(', ')}])`);
  }
  return b;
}

/** x with a @ x = b (a square); RangeError for a singular a. */
export function solve(a: NDArray, b: NDArray): NDArray {
  check2d('solve', a, true);
  checkRhs('solve', a, b);
  return factorOutputs('solve', [a, b], [b.shape], ([m, r]) => [luSolve(m!, r!, 'solve').data])[0]!;
}

/** Options of {@link linalg.solveTriangular} (scipy's / Dask's `lower=`). */
export interface SolveTriangularOptions {
  /** Use the lower triangle of a (default false: the upper, as scipy/dask). */
  lower?: boolean;
}

/** x with a @ x = b for triangular a (only its lower or upper triangle is read). */
export function solveTriangular(a: NDArray, b: NDArray, options?: SolveTriangularOptions): NDArray {
  check2d('solveTriangular', a, true);
  checkRhs('solveTriangular', a, b);
  const o = checkOptions('solveTriangular options', options);
  const lower = o.lower ?? false;
  if (typeof lower !== 'boolean') throw new TypeError(`solveTriangular: lower must be a boolean, got ${describe(lower)}`);
  return factorOutputs('solve_triangular', [a, b], [b.shape], ([m, r]) => [triangularSolve(m!, r!, lower).data])[0]!;
}

/** The inverse of a square matrix; RangeError when singular. */
export function inv(a: NDArray): NDArray {
  check2d('inv', a, true);
  return factorOutputs('inv', [a], [a.shape], ([m]) => [luSolve(m!, eye(m!.rows), 'inv').data])[0]!;
}

function svdAny(m: Mat): { u: Mat; s: Float64Array; vt: Mat } {
  if (m.rows >= m.cols) return jacobiSVD(m);
  const t = jacobiSVD(transposeOf(m)); // Aᵀ = U S Vᵀ → A = V S Uᵀ
  return { u: transposeOf(t.vt), s: t.s, vt: transposeOf(t.u) };
}

/** NumPy's SVD does not converge on NaN or infinite values (LinAlgError): a RangeError here, not NaN factors. */
function finiteForSvd(name: string, m: Mat): void {
  if (!m.data.every(Number.isFinite)) throw new RangeError(`${name}: SVD did not converge: a has NaN or infinite values (NumPy raises LinAlgError)`);
}

/** NumPy's lstsq (rcond: machine precision x max(m, n)): [x, residuals, rank (int32, 0-d), s]. */
export function lstsq(a: NDArray, b: NDArray): [NDArray, NDArray, NDArray, NDArray] {
  check2d('lstsq', a, false);
  checkRhs('lstsq', a, b);
  const [m, n] = a.shape as [number, number];
  const k = b.ndim === 1 ? 1 : b.shape[1]!;
  const xShape = b.ndim === 1 ? [n] : [n, k];
  const full = Math.min(m, n);
  // residuals exist only for a full-rank, overdetermined system (NumPy); the shape must be known
  // before the factorization, so they are computed for m > n and NaN-free only at full rank
  const rShape = m > n ? [k] : [0];
  const outs = factorOutputs('lstsq', [a, b], [xShape, rShape, [], [full]], ([A, B]) => {
    finiteForSvd('lstsq', A!);
    const { u, s, vt } = svdAny(A!);
    const cutoff = 2.220446049250313e-16 * Math.max(m, n) * (s[0] ?? 0);
    const rank = s.filter((v) => v > cutoff).length;
    // x = V diag(1/s) Uᵀ b over the kept singular values
    const utb = multiply(transposeOf(u), B!);
    for (let i = 0; i < utb.rows; i++) for (let j = 0; j < k; j++) utb.data[i * k + j] = s[i]! > cutoff ? utb.data[i * k + j]! / s[i]! : 0;
    const x = multiply(transposeOf(vt), utb);
    const res = new Float64Array(rShape[0]!);
    if (m > n) {
      const ax = multiply(A!, x);
      for (let j = 0; j < k; j++) {
        let r = 0;
        for (let i = 0; i < m; i++) r += (ax.data[i * k + j]! - B!.data[i * k + j]!) ** 2;
        res[j] = rank === n ? r : NaN;
      }
    }
    return [x.data, res, Float64Array.of(rank), s];
  });
  // the rank is an integer, int32 as NumPy's (LAPACK's) rank
  return [outs[0]!, outs[1]!, outs[2]!.astype('int32'), outs[3]!];
}

/**
 * TSQR of the row blocks of a (one chunk along the columns), as dask.array.linalg.tsqr: a QR per
 * row block (a block shorter than a is wide gives a trapezoidal R), a QR of the stacked R's, and
 * each block's Q times its rows of the second Q. k = min(m, n): q m x k, r k x n (or u, s, v).
 */
function tsqr(name: string, a: NDArray, withSvd: boolean): NDArray[] {
  const [m, n] = a.shape as [number, number];
  if (a.chunks[1]!.length !== 1) {
    throw new RangeError(`${name}: a must have one chunk along its columns (chunks ${JSON.stringify(a.chunks)}); rechunk({ 1: ${n} }) it first, as Dask requires`);
  }
  const rowsPer = a.chunks[0]!;
  const k = Math.min(m, n);
  const shapes = withSvd ? [[m, k], [k], [k, n]] : [[m, k], [k, n]];
  const outs = factorOutputs(name, [a], shapes, ([A]) => {
    // per block QR, stack the R's (min(rows, n) each), QR again, Q_i = Q_block_i @ Q2_i
    const qs: Mat[] = [];
    const rsList: Mat[] = [];
    let at = 0;
    for (const rows of rowsPer) {
      const { q, r } = householderQR(mat(rows, n, A!.data.slice(at * n, (at + rows) * n)));
      qs.push(q);
      rsList.push(r);
      at += rows;
    }
    const stacked = rsList.reduce((t, r) => t + r.rows, 0);
    const rs = mat(stacked, n);
    at = 0;
    for (const r of rsList) {
      rs.data.set(r.data, at * n);
      at += r.rows;
    }
    const { q: q2, r } = householderQR(rs); // q2 stacked x k, r k x n
    const Q = new Float64Array(m * k);
    let row = 0;
    at = 0;
    qs.forEach((q) => {
      const part = multiply(q, mat(q.cols, k, q2.data.slice(at * k, (at + q.cols) * k)));
      Q.set(part.data, row * k);
      row += q.rows;
      at += q.cols;
    });
    if (!withSvd) return [Q, r.data];
    finiteForSvd(name, A!);
    const { u, s, vt } = svdAny(r);
    return [multiply(mat(m, k, Q), u).data, s, vt.data];
  });
  return outs.map((x, i) => (i === 0 ? x.rechunk([rowsPer, [k]]) : x));
}

/**
 * Reduced QR, as dask.array.linalg.qr: [q, r], q m x k with orthonormal columns and r k x n upper
 * triangular, k = min(m, n). A tall-and-skinny a (one chunk along the columns, row blocks of any
 * height) goes through TSQR, q chunked as a's rows; a short-and-fat a (one chunk along the rows) is
 * factored whole (Dask's sfqr), r chunked as a's columns. Chunked along both axes: a RangeError.
 */
export function qr(a: NDArray): [NDArray, NDArray] {
  check2d('qr', a, false);
  const [m, n] = a.shape as [number, number];
  if (a.chunks[1]!.length !== 1 && a.chunks[0]!.length === 1) {
    const k = Math.min(m, n);
    const [q, r] = factorOutputs('qr', [a], [[m, k], [k, n]], ([A]) => {
      const f = householderQR(A!);
      return [f.q.data, f.r.data];
    });
    return [q!, r!.rechunk([[k], a.chunks[1]!])];
  }
  const [q, r] = tsqr('qr', a, false);
  return [q!, r!];
}

/**
 * SVD, as dask.array.linalg.svd: [u, s, v] with a = u @ diag(s) @ v, k = min(m, n). A
 * tall-and-skinny a (one chunk along the columns) goes through TSQR and a short-and-fat one (one
 * chunk along the rows) through the TSQR of its transpose; chunked along both axes: a RangeError.
 * u follows a's row chunks and v its column chunks.
 */
export function svd(a: NDArray): [NDArray, NDArray, NDArray] {
  check2d('svd', a, false);
  if (a.chunks[1]!.length !== 1 && a.chunks[0]!.length === 1) {
    // aᵀ = U S Vᵀ → a = V S Uᵀ
    const [u, s, v] = tsqr('svd', a.T, true);
    return [v!.T, s!, u!.T];
  }
  const [u, s, v] = tsqr('svd', a, true);
  return [u!, s!, v!];
}

/**
 * The `ord` of {@link linalg.norm}, as NumPy's: for vectors `Infinity`, `-Infinity`, `0` (the
 * count of non-zero elements) or any finite p (negative too: sum(|x|^p)^(1/p)); for matrices `'fro'`, `'nuc'`, `1`, `-1`, `2`, `-2`, `Infinity`, `-Infinity`.
 * Others are a RangeError.
 */
export type NormOrd = number | 'fro' | 'nuc';
/**
 * Options of {@link linalg.norm} (NumPy's `ord=`, `axis=`, `keepdims=`). Unknown keys are a TypeError.
 * @example
 * ```ts
 * linalg.norm(x, { ord: 'fro' }); // the Frobenius norm of a matrix
 * linalg.norm(x, { axis: 1 });    // the 2-norm of each row
 * ```
 */
export interface NormOptions {
  /**
   * The norm (see {@link linalg.NormOrd}); default the 2-norm of vectors, Frobenius of matrices.
   * Without `axis`, a 1-d x takes a vector norm and a 2-d x a matrix norm (other ranks: RangeError).
   */
  ord?: NormOrd;
  /** One axis (vector norm) or two (matrix norm); all axes flattened (2-norm) when omitted with no ord. */
  axis?: number | readonly [number, number];
  /** Keep the normed axes with length 1 (default false). */
  keepdims?: boolean;
}

/** NumPy's norm: vector ords (±Infinity, 0, any finite p) and matrix ords ('fro', ±1, ±Infinity, 2, -2, 'nuc'). */
export function norm(x: NDArray, options?: NormOptions): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`norm: x must be an NDArray, got ${describe(x)}`);
  const o = checkOptions('norm options', options) as NormOptions;
  for (const k of Object.keys(o)) if (!['ord', 'axis', 'keepdims'].includes(k)) throw new TypeError(`norm: unknown option ${k} (accepted: ord, axis, keepdims)`);
  const keepdims = o.keepdims ?? false;
  const ord = o.ord;
  let axis = o.axis;
  // NumPy computes the norm of integers and bools in float64 (x·x of int32 would wrap)
  if (x.dtype !== 'float64' && x.dtype !== 'float32') x = x.astype('float64');
  if (axis === undefined) {
    if (ord === undefined) {
      const all = x.shape.map((_, i) => i);
      return x.mul(x).sum({ axis: all, keepdims }).sqrt();
    }
    if (x.ndim === 1) axis = 0;
    else if (x.ndim === 2) axis = [0, 1];
    else throw new RangeError(`norm: ord ${String(ord)} needs a 1-d or 2-d x, or an axis (x is ${x.ndim}-d)`);
  }
  const ax = (a: unknown, i: string): number => {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -x.ndim || a >= x.ndim) throw new RangeError(`norm: axis${i} ${describe(a)} out of range for ${x.ndim}-d x`);
    return a < 0 ? a + x.ndim : a;
  };
  if (typeof axis === 'number') {
    const a = ax(axis, '');
    const abs = x.abs();
    if (ord === undefined || ord === 2) return x.mul(x).sum({ axis: a, keepdims }).sqrt();
    if (ord === Infinity) return abs.max({ axis: a, keepdims });
    if (ord === -Infinity) return abs.min({ axis: a, keepdims });
    if (ord === 1) return abs.sum({ axis: a, keepdims });
    // NumPy's: the count of non-zero elements, in x's float dtype
    if (ord === 0) return x.ne(0).astype(x.dtype).sum({ axis: a, keepdims });
    // any other p, negative too (a zero element makes |x|^p infinite and the norm 0, as NumPy)
    if (typeof ord === 'number' && Number.isFinite(ord)) return abs.pow(ord).sum({ axis: a, keepdims }).pow(1 / ord);
    throw new RangeError(`norm: vector ord ${String(ord)} is not supported (accepted: Infinity, -Infinity, 0 or any finite p)`);
  }
  if (!Array.isArray(axis) || axis.length !== 2) throw new TypeError(`norm: axis must be a number or a pair of axes, got ${describe(axis)}`);
  const r = ax(axis[0], '[0]');
  const c = ax(axis[1], '[1]');
  if (r === c) throw new RangeError('norm: the two axes must differ');
  const abs = x.abs();
  if (ord === undefined || ord === 'fro') return x.mul(x).sum({ axis: [r, c], keepdims }).sqrt();
  if (ord === 1 || ord === -1) {
    const s = abs.sum({ axis: r, keepdims: true });
    return ord === 1 ? s.max({ axis: [r, c], keepdims }) : s.min({ axis: [r, c], keepdims });
  }
  if (ord === Infinity || ord === -Infinity) {
    const s = abs.sum({ axis: c, keepdims: true });
    return ord === Infinity ? s.max({ axis: [r, c], keepdims }) : s.min({ axis: [r, c], keepdims });
  }
  if (ord === 2 || ord === -2 || ord === 'nuc') {
    if (x.ndim !== 2) throw new RangeError(`norm: ord ${String(ord)} is supported for 2-d x only`);
    // the largest / smallest singular value of an empty matrix does not exist (NumPy's max of none); 'nuc' is 0
    if (ord !== 'nuc' && x.size === 0) throw new RangeError(`norm: ord ${ord} of an empty matrix (shape [${x.shape.join(', ')}]) has no value: zero-size array to reduction operation ${ord === 2 ? 'max' : 'min'}`);
    const t = r === 0 ? x : x.T;
    const shape = keepdims ? [1, 1] : [];
    return factorOutputs('norm', [t], [shape], ([m]) => {
      const { s } = svdAny(m!);
      const v = ord === 2 ? s[0] ?? 0 : ord === -2 ? s[s.length - 1] ?? 0 : s.reduce((p, q) => p + q, 0);
      return [Float64Array.of(v)];
    })[0]!;
  }
  throw new RangeError(`norm: matrix ord ${String(ord)} is not supported (accepted: 'fro', 'nuc', 1, -1, 2, -2, Infinity, -Infinity)`);
}

export { matmul };

/**
 * Options of {@link linalg.svdCompressed} (Dask's `svd_compressed` keywords `seed`,
 * `n_power_iter`, `oversample`). Unknown keys are a TypeError.
 */
export interface SvdCompressedOptions {
  /** Seed of the random projection (default 0). */
  seed?: number;
  /** Power iterations (default 0, as Dask). */
  nPowerIter?: number;
  /** Extra projection columns beyond k (default 10). */
  oversample?: number;
}

/**
 * Randomized truncated SVD (Halko et al., as dask.array.linalg.svd_compressed): [u, s, v] with
 * u m x k, s k, v k x n. The projections a @ Ω and qᵀ a are native matrix products and the range
 * basis is a TSQR of the (tall, k + oversample wide) projection, so any chunking of a works.
 */
export function svdCompressed(a: NDArray, k: number, options?: SvdCompressedOptions): [NDArray, NDArray, NDArray] {
  check2d('svdCompressed', a, false);
  const [m, n] = a.shape as [number, number];
  if (!Number.isInteger(k) || k < 1 || k > Math.min(m, n)) throw new RangeError(`svdCompressed: k ${describe(k)} must be an integer in 1..${Math.min(m, n)}`);
  const o = checkOptions('svdCompressed options', options) as SvdCompressedOptions;
  for (const key of Object.keys(o)) if (!['seed', 'nPowerIter', 'oversample'].includes(key)) throw new TypeError(`svdCompressed: unknown option ${key} (accepted: seed, nPowerIter, oversample)`);
  const seed = o.seed ?? 0;
  const iters = o.nPowerIter ?? 0;
  const l = Math.min(k + (o.oversample ?? 10), Math.min(m, n));
  if (!Number.isInteger(iters) || iters < 0) throw new RangeError(`svdCompressed: nPowerIter ${describe(iters)} must be a non-negative integer`);
  const omega = random.normal(0, 1, [n, l], { seed, chunks: [a.chunks[1]!, [l]] });
  const rows = a.chunks[0]!.some((r) => r < l) ? [m] : a.chunks[0]!;
  let [q] = qr(matmul(a, omega).rechunk([rows, [l]]));
  for (let i = 0; i < iters; i++) {
    [q] = qr(matmul(a.T, q!).rechunk([[n], [l]]));
    [q] = qr(matmul(a, q!).rechunk([rows, [l]]));
  }
  const bm = matmul(q!.T, a); // l x n
  const [ub, s, v] = factorOutputs('svd_compressed', [bm], [[l, k], [k], [k, n]], ([b]) => {
    const { u, s: sv, vt } = svdAny(b!);
    const U = new Float64Array(l * k);
    for (let i = 0; i < l; i++) for (let j = 0; j < k; j++) U[i * k + j] = u.data[i * u.cols + j]!;
    return [U, sv.slice(0, k), vt.data.slice(0, k * n)];
  });
  return [matmul(q!, ub!), s!, v!];
}
