// Integer and sampling generators (issue 15 step 5): random.integers/randint, choice, permutation
// and shuffle. All are counter-based like random.random (docs/random.md): element i is a pure
// function of (seed, i), so the values do not depend on chunks or threads.
//
//   integers  floor(low + (high - low) * U(seed, i)), clamped to high - 1 (the uniform stream of
//             random.uniform; fused, nothing materialized)
//   permutation(n)  a keyed bijection of [0, n): a 6-round Feistel network on the next even
//             power of two, cycle-walked into [0, n) — element i is perm(seed, i), computed in JS
//             when a compute first needs it (O(n), then kept)
//   choice    with replacement: integers (or, with p, the inverse CDF of U as a sum of
//             comparisons), then a take of the array; without: the first `size` of a permutation
//   shuffle / permutation(x)  x.take(permutation(len), axis 0), x's chunks kept
import { webcrypto } from 'node:crypto';
import { checkFinite, checkInteger, checkOptions, checkShape, describe } from '../../errors.js';
import { random, fromArray } from '../creation.js';
import { normalizeChunks, type ChunksSpec } from '../chunks.js';
import { NDArray, type Computed } from '../ndarray.js';
import { newId, size, token, type DType } from '../node.js';
import { DTYPES, integerBounds, isDType, isInteger } from '../dtype.js';
import { takeLazy } from './gather.js';
import { Slice } from './slice.js';

/** The dtype integer generators produce by default: NumPy's int64. */
export const INTEGER_DTYPE: DType = 'int64';

/**
 * Options of `random.integers` (NumPy's `Generator.integers`): seed, integer dtype, chunks and
 * `endpoint`. Unknown keys are a TypeError.
 */
export interface IntegersOptions {
  /** Integer in [0, 2^53); the same seed gives the same values for any chunking. Default: fresh. */
  seed?: number;
  /** The result dtype: an integer dtype, default int64 (NumPy's). */
  dtype?: DType;
  /** The chunk grid (see {@link ChunksSpec}); the values do not depend on it. */
  chunks?: ChunksSpec;
  /** Include high (NumPy's endpoint). */
  endpoint?: boolean;
}

function freshSeed(): number {
  const w = webcrypto.getRandomValues(new Uint32Array(2));
  return (w[0]! & 0x1fffff) * 2 ** 32 + w[1]!;
}

function seedOf(fn: string, seed: unknown): number {
  if (seed === undefined) return freshSeed();
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${fn}: seed must be an integer in [0, 2^53), got ${describe(seed)}`);
  return seed;
}

function keys(fn: string, o: object, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) throw new TypeError(`${fn}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
}

function sizeArg(fn: string, s: unknown): number[] {
  if (typeof s === 'number') return checkShape(`${fn}: size`, [s]);
  return checkShape(`${fn}: size`, s);
}

function integersImpl(fn: string, lowIn: number, highIn: number | null | undefined, shape: readonly number[], options: IntegersOptions | undefined): NDArray {
  const o = checkOptions(`${fn} options`, options) as IntegersOptions;
  keys(fn, o, ['seed', 'dtype', 'chunks', 'endpoint']);
  const dtype = o.dtype ?? INTEGER_DTYPE;
  if (!isDType(dtype) || !isInteger(dtype)) {
    throw new TypeError(`${fn}: dtype must be an integer dtype (accepted: ${DTYPES.filter(isInteger).join(', ')}), got ${describe(o.dtype)}`);
  }
  let low = checkFinite(`${fn}: low`, lowIn);
  let high = highIn === undefined || highIn === null ? null : checkFinite(`${fn}: high`, highIn);
  if (high === null) [low, high] = [0, low];
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new TypeError(`${fn}: low and high must be integers, got ${low} and ${high}`);
  if (o.endpoint === true) high += 1;
  if (!(high > low)) throw new RangeError(`${fn}: low >= high (low ${low}, high ${high}${o.endpoint ? ' with endpoint' : ''}); accepted: low < high`);
  if (high - low > 2 ** 53) throw new RangeError(`${fn}: the range high - low = ${high - low} exceeds 2^53 (the exact float64 integers)`);
  const bounds = integerBounds(dtype);
  if (BigInt(low) < bounds.min || BigInt(high - 1) > bounds.max) {
    throw new RangeError(`${fn}: [${low}, ${high}) is out of bounds for ${dtype} (accepted: ${bounds.min}..${bounds.max})`);
  }
  const seed = seedOf(fn, o.seed);
  const u = random.uniform(low, high, shape, { seed, chunks: o.chunks });
  // a + (b - a)·U can round up to b for U near 1: clamp to the last value
  return u.floor().minimum(high - 1).astype(dtype);
}

/** random.integers(low, high?, shape): integers in [low, high) (high omitted: [0, low)), uniformly. */
export function integers(low: number, high: number | null | undefined, shape: readonly number[], options?: IntegersOptions): NDArray {
  return integersImpl('random.integers', low, high, shape, options);
}

// ---- permutations: a keyed Feistel bijection

function mix32(x: number): number {
  // lowbias32 (Chris Wellons): a well-mixed 32-bit hash
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Element i of the seed's permutation of [0, n), for every i: a Float64Array (exact integers). */
export function permutationIndices(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  if (n <= 1) return out;
  let bits = Math.ceil(Math.log2(n));
  if (bits % 2) bits++;
  const h = bits / 2;
  const half = 2 ** h;
  const mask = half - 1;
  const lo = seed % 2 ** 32;
  const hi = Math.floor(seed / 2 ** 32);
  const rounds = 6;
  const keysArr = Array.from({ length: rounds }, (_, r) => mix32((mix32(lo ^ Math.imul(r + 1, 0x9e3779b9)) ^ hi) + r));
  const enc = (x: number): number => {
    let L = Math.floor(x / half);
    let R = x % half;
    for (let r = 0; r < rounds; r++) {
      const f = mix32((R ^ keysArr[r]!) >>> 0) & mask;
      const t = (L ^ f) & mask;
      L = R;
      R = t;
    }
    return L * half + R;
  };
  for (let i = 0; i < n; i++) {
    let x = enc(i);
    while (x >= n) x = enc(x);  // cycle walking: a bijection of [0, n)
    out[i] = x;
  }
  return out;
}

/** A lazy permutation index array of [0, n) (computed in JS when first needed, then kept). */
function permutationArray(n: number, seed: number, chunks: readonly number[]): NDArray {
  const state: { data?: Float64Array } = {};
  let cached: Float64Array | undefined;
  return new NDArray({
    kind: 'delayed',
    op: 'from_delayed',
    id: newId(),
    name: `permutation-${token(`permutation:${n}:${seed}`)}`,
    shape: [n],
    dtype: 'float64',
    chunks: [[...chunks]],
    source: { compute: async () => (cached ??= permutationIndices(n, seed)) },
    state,
  });
}

/** Options of `random.permutation` (NumPy's `Generator.permutation`) and `random.shuffle`. */
export interface PermutationOptions {
  /**
   * Integer in [0, 2^53); the same seed gives the same ordering for any chunking. Default: fresh.
   * A seed that is not a safe non-negative integer is a RangeError.
   */
  seed?: number;
  /**
   * The chunk grid of `permutation(n)` (see {@link ChunksSpec}); with an array argument it is a
   * TypeError (a permuted array keeps its chunks).
   */
  chunks?: ChunksSpec;
}

/**
 * random.permutation(n): a random ordering of 0..n-1; random.permutation(x): x permuted along
 * axis 0 (a new array, x's chunks), as NumPy's Generator.permutation.
 */
export function permutation(x: number | NDArray, options?: PermutationOptions): NDArray {
  const o = checkOptions('random.permutation options', options) as PermutationOptions;
  keys('random.permutation', o, ['seed', 'chunks']);
  const seed = seedOf('random.permutation', o.seed);
  if (typeof x === 'number') {
    const n = checkInteger('random.permutation: n', x, 0);
    const chunks = normalizeChunks(o.chunks, [n], 8)[0]!;
    return permutationArray(n, seed, chunks).astype(INTEGER_DTYPE);
  }
  if (!(x instanceof NDArray)) throw new TypeError(`random.permutation: x must be an integer or an NDArray, got ${describe(x)}`);
  if (x.ndim === 0) throw new RangeError('random.permutation: x must be at least 1-d (NumPy: an integer n, or an array to permute along axis 0)');
  if (o.chunks !== undefined) throw new TypeError('random.permutation: chunks applies to permutation(n) only (a permuted array keeps its chunks)');
  const n = x.shape[0]!;
  return new NDArray(takeLazy(x.node, permutationArray(n, seed, x.chunks[0]!).node, 0));
}

/** random.shuffle(x): NumPy shuffles in place; arrays here are immutable, so this returns x permuted along axis 0. */
export function shuffle(x: NDArray, options?: { seed?: number }): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`random.shuffle: x must be an NDArray, got ${describe(x)}`);
  return permutation(x, options);
}

/** Options of `random.choice` (NumPy's `Generator.choice`): `replace`, `p`, seed and chunks. */
export interface ChoiceOptions {
  /** Sample with replacement (default true, as NumPy). */
  replace?: boolean;
  /** Probabilities of the entries (non-negative, summing to 1); with replacement only. */
  p?: readonly number[] | Float64Array;
  /** Integer in [0, 2^53); the same seed gives the same samples for any chunking. Default: fresh. */
  seed?: number;
  /** The chunk grid of the result (see {@link ChunksSpec}); the values do not depend on it. */
  chunks?: ChunksSpec;
}

/**
 * random.choice(a, size): samples of a (an integer n: the range 0..n-1; or a 1-d NDArray or JS
 * number list), with replacement by default (uniform, or weighted by p), or without (the first
 * `size` entries of a permutation).
 */
export function choice(a: number | NDArray | readonly number[], sizeIn: number | readonly number[], options?: ChoiceOptions): NDArray {
  const o = checkOptions('random.choice options', options) as ChoiceOptions;
  keys('random.choice', o, ['replace', 'p', 'seed', 'chunks']);
  const shape = sizeArg('random.choice', sizeIn);
  let pool: NDArray | null = null;
  let n: number;
  if (typeof a === 'number') n = checkInteger('random.choice: a', a, 1);
  else if (a instanceof NDArray) {
    if (a.ndim !== 1) throw new RangeError(`random.choice: a must be 1-dimensional, got ${a.ndim} dimensions`);
    pool = a;
    n = a.shape[0]!;
  } else if (Array.isArray(a)) {
    pool = fromArray(Float64Array.from(a as readonly number[]));
    n = a.length;
  } else throw new TypeError(`random.choice: a must be a positive integer, a 1-d NDArray or an array of numbers, got ${describe(a)}`);
  if (n === 0) throw new RangeError('random.choice: a cannot be empty unless no samples are taken');
  const replace = o.replace ?? true;
  if (typeof replace !== 'boolean') throw new TypeError(`random.choice: replace must be a boolean, got ${describe(replace)}`);
  const seed = seedOf('random.choice', o.seed);
  const count = size(shape);
  let idx: NDArray;
  if (!replace) {
    if (o.p !== undefined) throw new TypeError('random.choice: p with replace: false is not supported (accepted: p with replacement, or uniform without)');
    if (count > n) throw new RangeError(`random.choice: cannot take a larger sample (${count}) than the population (${n}) when replace is false`);
    const perm = permutationArray(n, seed, [n]);
    idx = perm.get(new Slice(0, count, null)).reshape(shape).rechunk(normalizeChunks(o.chunks, shape, 8));
  } else if (o.p !== undefined) {
    const p = Array.from(o.p as ArrayLike<number>);
    if (p.length !== n) throw new RangeError(`random.choice: p has ${p.length} entries; a has ${n}`);
    p.forEach((v, i) => {
      if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`random.choice: p[${i}] must be a non-negative number, got ${describe(v)}`);
    });
    const total = p.reduce((s, v) => s + v, 0);
    if (Math.abs(total - 1) > Math.sqrt(Number.EPSILON)) throw new RangeError(`random.choice: probabilities do not sum to 1 (sum ${total})`);
    // inverse CDF: idx = #{k < n-1 : U >= cdf[k]}, a fused sum of comparisons (n - 1 of them)
    const u = random.random(shape, { seed, chunks: o.chunks });
    const last = p.reduce((m, v, i) => (v > 0 ? i : m), 0);  // entries after the last nonzero one are never drawn
    let acc = 0;
    let sum: NDArray | null = null;
    for (let k = 0; k < last; k++) {
      acc += p[k]! / total;
      const step = u.ge(acc).astype('float64');
      sum = sum === null ? step : sum.add(step);
    }
    idx = (sum ?? u.mul(0)).astype(INTEGER_DTYPE);
  } else {
    idx = integersImpl('random.choice', 0, n, shape, { seed, chunks: o.chunks });
  }
  if (pool === null) return idx.astype(INTEGER_DTYPE);
  const flat = idx.ndim === 1 ? idx : idx.ravel();
  const taken = new NDArray(takeLazy(pool.node, flat.node, 0));
  return shape.length === 1 ? taken : taken.reshape(shape);
}
