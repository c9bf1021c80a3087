// tri/tril/triu, eye, diag, repeat and fromFunction (issue 15 steps 3 and 5). None copies data:
// the triangle and diagonal masks are comparisons of two broadcast aranges (generated leaves), so
// tril(x) = where(i + k >= j, x, 0) fuses into whatever reads it; repeat is a take of known
// positions (Dask's chunks: each chunk times the repeat count).
import { checkInteger, checkOptions, checkShape, describe } from '../../errors.js';
import { arange } from '../creation.js';
import { normalizeChunks, type ChunksSpec } from '../chunks.js';
import { NDArray, type Computed } from '../ndarray.js';
import { whereArrays } from '../expr.js';
import { itemsize, type DType } from '../node.js';
import { takeKnown } from './take.js';
import { takePositions } from './gather.js';
import { diagonal, pad } from './ops.js';

function intArg(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${what} must be an integer, got ${describe(v)}`);
  return v;
}

function keys(fn: string, o: object, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) throw new TypeError(`${fn}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
}

function dtypeArg(fn: string, d: unknown): DType {
  if (d === undefined) return 'float64';
  if (d !== 'float64' && d !== 'float32' && d !== 'bool') throw new TypeError(`${fn}: dtype must be 'float64', 'float32' or 'bool', got ${describe(d)}`);
  return d;
}

/** Row and column index grids [n, 1] and [1, m] with the given chunks (aranges: generated, free). */
function grids(rowChunks: readonly number[], colChunks: readonly number[]): { i: NDArray; j: NDArray } {
  const n = rowChunks.reduce((a, b) => a + b, 0);
  const m = colChunks.reduce((a, b) => a + b, 0);
  return { i: arange(n, { chunks: [rowChunks] }).expandDims(1), j: arange(m, { chunks: [colChunks] }).expandDims(0) };
}

/** The lazy bool [n, m] grid of `j - i <= k` (lower) or `j - i >= k` (upper). */
function triMask(rowChunks: readonly number[], colChunks: readonly number[], k: number, lower: boolean): NDArray {
  const { i, j } = grids(rowChunks, colChunks);
  return lower ? i.add(k).ge(j) : i.add(k).le(j);
}

/**
 * Options of {@link tri} and {@link eye} (NumPy's `k=` and `dtype=`, Dask's `chunks=`). Unknown
 * keys are a TypeError.
 */
export interface TriOptions {
  /** Diagonal offset: 0 the main one, > 0 above, < 0 below. */
  k?: number;
  /** The result's dtype: `'float64'` (default, NumPy's), `'float32'` or `'bool'` (else a TypeError). */
  dtype?: DType;
  /** The chunk grid (see {@link ChunksSpec}; default `'auto'`). */
  chunks?: ChunksSpec;
}

/** np.tri(N, M, k): ones at and below the k-th diagonal, zeros elsewhere (float64 by default). */
export function tri(N: number, M?: number | null, options?: TriOptions): NDArray {
  const o = checkOptions('tri options', options) as TriOptions;
  keys('tri', o, ['k', 'dtype', 'chunks']);
  const n = checkInteger('tri: N', N, 0);
  const m = M === undefined || M === null ? n : checkInteger('tri: M', M, 0);
  const k = o.k === undefined ? 0 : intArg('tri: k', o.k);
  const dtype = dtypeArg('tri', o.dtype);
  const chunks = normalizeChunks(o.chunks, [n, m], itemsize(dtype));
  const mask = triMask(chunks[0]!, chunks[1]!, k, true);
  return dtype === 'bool' ? mask : mask.astype(dtype);
}

/** np.eye(N, M, k): ones on the k-th diagonal (float64 by default). */
export function eye(N: number, M?: number | null, options?: TriOptions): NDArray {
  const o = checkOptions('eye options', options) as TriOptions;
  keys('eye', o, ['k', 'dtype', 'chunks']);
  const n = checkInteger('eye: N', N, 0);
  const m = M === undefined || M === null ? n : checkInteger('eye: M', M, 0);
  const k = o.k === undefined ? 0 : intArg('eye: k', o.k);
  const dtype = dtypeArg('eye', o.dtype);
  const chunks = normalizeChunks(o.chunks, [n, m], itemsize(dtype));
  const { i, j } = grids(chunks[0]!, chunks[1]!);
  const mask = i.add(k).eq(j);
  return dtype === 'bool' ? mask : mask.astype(dtype);
}

function triangle(fn: 'tril' | 'triu', x: unknown, k: unknown): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`${fn}: x must be an NDArray, got ${describe(x)}`);
  if (x.ndim < 2) throw new RangeError(`${fn}: the array must have at least 2 dimensions, got ${x.ndim}`);
  const kk = k === undefined ? 0 : intArg(`${fn}: k`, k);
  const c = x.chunks;
  const mask = triMask(c[x.ndim - 2]!, c[x.ndim - 1]!, kk, fn === 'tril');
  // where(mask, x, 0) in x's dtype (bool: false), fused: no copy of x, no materialized mask
  if (x.dtype === 'bool') return mask.logicalAnd(x);
  return whereArrays(mask, x, 0).astype(x.dtype);
}

/** np.tril(x, k): x with the elements above the k-th diagonal zeroed (last two axes). */
export function tril(x: NDArray, k?: number): NDArray {
  return triangle('tril', x, k);
}

/** np.triu(x, k): x with the elements below the k-th diagonal zeroed (last two axes). */
export function triu(x: NDArray, k?: number): NDArray {
  return triangle('triu', x, k);
}

/**
 * np.diag(v, k): a 1-d v becomes the k-th diagonal of a square 2-d array (zeros elsewhere,
 * generated: the diagonal is where(j - i == k, v, 0) over broadcast aranges); a 2-d v gives its
 * k-th diagonal (a view).
 */
export function diag(v: NDArray, k?: number): NDArray {
  if (!(v instanceof NDArray)) throw new TypeError(`diag: v must be an NDArray, got ${describe(v)}`);
  const kk = k === undefined ? 0 : intArg('diag: k', k);
  if (v.ndim === 2) return diagonal(v, { offset: kk });
  if (v.ndim !== 1) throw new RangeError(`diag: v must be 1-d or 2-d, got ${v.ndim} dimensions`);
  const a = Math.abs(kk);
  const n = v.shape[0]! + a;
  // v padded to n along the axis that indexes it: rows for k >= 0 (row i holds v[i]), columns for k < 0
  const vp = a === 0 ? v : pad(v, [[0, a]]).rechunk({ 0: [...v.chunks[0]!, a] });
  const chunks = vp.chunks[0]!;
  const { i, j } = grids(chunks, chunks);
  const along = kk >= 0 ? vp.expandDims(1) : vp.expandDims(0);
  const out = whereArrays(i.add(kk).eq(j), along, 0);
  return v.dtype === 'bool' ? out.astype('bool') : out.astype(v.node.dtype);
}

/**
 * np.repeat(x, repeats, axis): each element repeated `repeats` times (a number, or one count per
 * element along the axis); no axis: over the flattened array, as NumPy. A native take of known
 * positions, whose chunks are Dask's (every chunk times a scalar repeat count).
 */
export function repeat(x: NDArray, repeats: number | readonly number[], options?: { axis?: number | null }): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`repeat: x must be an NDArray, got ${describe(x)}`);
  const o = checkOptions('repeat options', options) as { axis?: number | null };
  keys('repeat', o, ['axis']);
  const src = o.axis === undefined || o.axis === null ? x.ravel() : x;
  const nd = src.ndim;
  const axisRaw = o.axis ?? 0;
  if (typeof axisRaw !== 'number' || !Number.isInteger(axisRaw)) throw new TypeError(`repeat: axis must be an integer, got ${describe(axisRaw)}`);
  if (axisRaw < -nd || axisRaw >= nd) throw new RangeError(`repeat: axis ${axisRaw} is out of bounds for an array of ${nd} dimensions (accepted: ${-nd}..${nd - 1})`);
  const axis = axisRaw < 0 ? axisRaw + nd : axisRaw;
  const n = src.shape[axis]!;
  let counts: number[];
  if (typeof repeats === 'number') {
    counts = new Array<number>(n).fill(checkInteger('repeat: repeats', repeats, 0));
  } else if (Array.isArray(repeats)) {
    if (repeats.length !== n && repeats.length !== 1) {
      throw new RangeError(`repeat: repeats has ${repeats.length} entries; accepted: 1 or the axis length ${n} (axis ${axis})`);
    }
    const list = repeats.map((r, i) => checkInteger(`repeat: repeats[${i}]`, r, 0));
    counts = list.length === 1 ? new Array<number>(n).fill(list[0]!) : list;
  } else {
    throw new TypeError(`repeat: repeats must be a non-negative integer or an array of them, got ${describe(repeats)}`);
  }
  const positions: number[] = [];
  counts.forEach((c, i) => {
    for (let r = 0; r < c; r++) positions.push(i);
  });
  if (typeof repeats === 'number' && repeats > 1 && n > 0) return new NDArray(takePositions(src.node, positions, axis, daskRepeatChunks(src.chunks[axis]!, repeats)));
  return takeKnown(src, positions, axis);
}

/** Python's round (half to even), as np.linspace(...).round(0) in Dask's repeat. */
const roundHalfEven = (v: number): number => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/**
 * dask.array.repeat's chunks for a scalar count r > 1: each chunk [a, b) is cut at
 * linspace(a, b, r).round() and every non-empty piece is repeated r times.
 */
function daskRepeatChunks(chunks: readonly number[], r: number): number[] {
  const out: number[] = [];
  let a = 0;
  for (const c of chunks) {
    const b = a + c;
    const ls = Array.from({ length: r }, (_, i) => roundHalfEven(a + ((b - a) * i) / (r - 1)));
    for (let i = 0; i + 1 < ls.length; i++) if (ls[i + 1]! !== ls[i]!) out.push((ls[i + 1]! - ls[i]!) * r);
    a = b;
  }
  return out.length ? out : [0];
}

/**
 * np.fromfunction(fn, shape): fn receives one lazy index grid per axis (float64, broadcast views
 * of aranges: nothing is materialized) and returns the array, e.g.
 * `fromFunction((i, j) => i.add(j), [3, 4])`.
 */
export function fromFunction(fn: (...indices: NDArray[]) => NDArray, shape: readonly number[], options?: { chunks?: ChunksSpec }): NDArray {
  if (typeof fn !== 'function') throw new TypeError(`fromFunction: fn must be a function, got ${describe(fn)}`);
  const s = checkShape('fromFunction: shape', shape);
  const o = checkOptions('fromFunction options', options) as { chunks?: ChunksSpec };
  keys('fromFunction', o, ['chunks']);
  const chunks = normalizeChunks(o.chunks, s, 8);
  const grid = s.map((n, k) =>
    arange(n, { chunks: [chunks[k]!] })
      .reshape(s.map((m, j) => (j === k ? m : 1)))
      .broadcastTo(s)
      .rechunk(chunks),
  );
  const out = fn(...grid);
  if (!(out instanceof NDArray)) throw new TypeError(`fromFunction: fn must return an NDArray, got ${describe(out)}`);
  return out;
}
