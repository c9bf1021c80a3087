// Array creation: constants, ranges, caller memory and counter-based random numbers.
import { webcrypto } from 'node:crypto';
import { checkFinite, checkInteger, checkOptions, checkShape, describe } from '../errors.js';
import { normalizeChunks, type ChunksSpec } from './chunks.js';
import { DenseArray } from './dense.js';
import { NDArray } from './ndarray.js';
import * as randomInt from './indexing/random-int.js';
import type { ChoiceOptions, IntegersOptions, PermutationOptions } from './indexing/random-int.js';
import { contiguousStrides, dtypeOfData, itemsize, newId, token, type DType, type Node, type TypedData } from './node.js';
import type { ArangeDType, FromArrayDType, FromArrayRank, RankOf, WithDType } from './types.js';
import { checkDType as checkAnyDType, checkWeakScalar, dtypeOfTypedArray, isInteger, typedArrayClass } from './dtype.js';

/** The NDArray type of a creation function: the `dtype` option's dtype (else `Default`), the shape's rank. */
export type Created<S extends readonly number[], O, Default extends DType = 'float64'> = NDArray<WithDType<O, Default>, RankOf<S>>;

/**
 * Options of the creation functions ({@link ones}, {@link zeros}, {@link full}, {@link arange},
 * {@link linspace}, …), as Dask's `chunks=` and NumPy's `dtype=` keywords. Unknown keys are a TypeError.
 */
export interface CreationOptions {
  /**
   * The chunk grid (Dask's `chunks`, see {@link ChunksSpec}); default `'auto'`: about
   * `configure({ chunkSize })` bytes per chunk (128 MiB).
   */
  chunks?: ChunksSpec;
  /**
   * The element type (see {@link DType}); default float64 (arange: int64 when every argument is an
   * integer). Random numbers accept only `'float64'` and `'float32'` (TypeError otherwise).
   */
  dtype?: DType;
}
/**
 * Options of the float generators of {@link random} (`random.random`, `random.uniform`,
 * `random.normal`, …): chunks, a float dtype and the seed. The values depend only on the seed and
 * the element's position, never on the chunking or the thread count (counter-based, docs/random.md).
 */
export interface RandomOptions extends CreationOptions {
  /** Integer in [0, 2^53). The same seed gives the same values for any chunking. Default: fresh. */
  seed?: number;
}

/** A creator's dtype option: any of the 11 dtypes (`fallback` when omitted); random numbers are floats. */
function checkDType(dtype: unknown, fallback: DType = 'float64', floatsOnly = false): DType {
  if (dtype === undefined) return fallback;
  if (floatsOnly && dtype !== 'float64' && dtype !== 'float32') {
    throw new TypeError(`dtype must be 'float64' or 'float32' (random numbers are floats), got ${describe(dtype)}`);
  }
  return checkAnyDType('dtype', dtype);
}

function creationOptions(fn: string, options: unknown, extra: string[] = []): Record<string, unknown> {
  const o = checkOptions(`${fn} options`, options);
  const allowed = ['chunks', 'dtype', ...extra];
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new TypeError(`${fn}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
  }
  return o;
}

function make<S extends readonly number[]>(
  fn: string,
  shapeArg: S,
  options: unknown,
  build: (base: { id: number; shape: number[]; dtype: DType; chunks: number[][] }) => Node,
  extra: string[] = [],
  fallback: DType = 'float64',
): NDArray<DType, RankOf<S>> {
  const shape = checkShape('shape', shapeArg);
  const o = creationOptions(fn, options, extra);
  const dtype = checkDType(o.dtype, fallback, extra.includes('seed'));
  const chunks = normalizeChunks(o.chunks as ChunksSpec | undefined, shape, itemsize(dtype));
  return new NDArray(build({ id: newId(), shape, dtype, chunks })) as NDArray<DType, RankOf<S>>;
}

/**
 * numpy.full / dask.array.full: an array of `shape` with every element `fillValue`, generated per
 * chunk (no memory until computed). `fillValue` is a number (default dtype float64) or a bigint
 * (an exact integer, NumPy's Python int: default dtype int64; with an integer dtype it must fit
 * it, else a RangeError naming the dtype's range, as NumPy 2's OverflowError; with a float dtype it
 * is rounded to it). Another fillValue is a TypeError; a bad shape a TypeError/RangeError naming `shape`.
 * @example
 * ```ts
 * const x = full([1000, 1000], 7, { chunks: 250, dtype: 'int32' });
 * const big = full([4], 2n ** 63n - 1n);   // int64, every element exactly 9223372036854775807n
 * ```
 */
export function full<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, fillValue: bigint, options?: O): Created<S, O, 'int64'>;
export function full<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, fillValue: number, options?: O): Created<S, O>;
export function full<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, fillValue: number | bigint, options?: O): Created<S, O, DType>;
export function full<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, fillValue: number | bigint, options?: O): Created<S, O, DType> {
  if (typeof fillValue !== 'number' && typeof fillValue !== 'bigint') throw new TypeError(`full: fillValue must be a number or a bigint, got ${describe(fillValue)}`);
  const value = fillValue;
  const desc = typeof value === 'bigint' ? `${value}n` : `${value}`;
  return <Created<S, O, DType>>make('full', shape, options, (b) => {
    checkFillValue('full: fillValue', value, b.dtype);
    return { ...b, kind: 'const', op: 'full', value, name: `full-${token(`full:${b.shape}:${desc}:${b.dtype}:${b.chunks}`)}` };
  }, [], typeof value === 'bigint' ? 'int64' : 'float64');
}

/**
 * A fill value stored into `dtype` (full, fullLike, set): a bigint must fit an integer dtype
 * (RangeError naming `name`, the value and the range: NumPy 2's OverflowError) and be within
 * float64's range for a float dtype; bool takes value != 0. Numbers are converted as before.
 */
export function checkFillValue(name: string, value: number | bigint, dtype: DType): void {
  if (typeof value !== 'bigint') return;
  if (isInteger(dtype)) checkWeakScalar(value, dtype, name);
  else if (dtype !== 'bool' && !Number.isFinite(Number(value))) {
    throw new RangeError(`${name} = ${value} is too large to convert to ${dtype} (accepted: bigints of magnitude below 2^1024); NumPy 2 raises OverflowError here`);
  }
}

/**
 * numpy.ones / dask.array.ones: an array of `shape` filled with 1 (float64 unless `dtype`), a
 * generated leaf: nothing is allocated until a compute needs it.
 * @example
 * ```ts
 * const total = await ones([4000, 4000], { chunks: 1000 }).sum().compute(); // 16000000
 * ```
 */
export function ones<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, options?: O): Created<S, O> {
  return <Created<S, O>>make('ones', shape, options, (b) => ({ ...b, kind: 'const', op: 'ones', value: 1, name: `ones-${token(`ones:${b.shape}:${b.dtype}:${b.chunks}`)}` }));
}

/**
 * numpy.zeros / dask.array.zeros: an array of `shape` filled with 0 (float64 unless `dtype`), a
 * generated leaf like {@link ones}.
 */
export function zeros<const S extends readonly number[], const O extends CreationOptions = {}>(shape: S, options?: O): Created<S, O> {
  return <Created<S, O>>make('zeros', shape, options, (b) => ({ ...b, kind: 'const', op: 'zeros', value: 0, name: `zeros-${token(`zeros:${b.shape}:${b.dtype}:${b.chunks}`)}` }));
}

/**
 * Evenly spaced values, as numpy.arange: arange(stop), arange(start, stop), arange(start, stop, step),
 * each optionally followed by { chunks, dtype }.
 */
export function arange<const A extends number, const O extends CreationOptions = {}>(stop: A, options?: O): NDArray<ArangeDType<[A], O>, 1>;
export function arange<const A extends number, const B extends number, const O extends CreationOptions = {}>(start: A, stop: B, options?: O): NDArray<ArangeDType<[A, B], O>, 1>;
export function arange<const A extends number, const B extends number, const C extends number, const O extends CreationOptions = {}>(
  start: A,
  stop: B,
  step: C,
  options?: O,
): NDArray<ArangeDType<[A, B, C], O>, 1>;
export function arange(...args: (number | CreationOptions | undefined)[]): NDArray<DType, 1> {
  const nums: number[] = [];
  let options: CreationOptions | undefined;
  args.forEach((a, i) => {
    if (typeof a === 'number') {
      if (options) throw new TypeError('arange: the options object must come last');
      nums.push(checkFinite(['start', 'stop', 'step'][nums.length] ?? `argument ${i}`, a));
    } else if (a !== undefined) options = a;
  });
  if (nums.length < 1 || nums.length > 3) {
    throw new TypeError(`arange expects (stop), (start, stop) or (start, stop, step) numbers, got ${nums.length} numbers`);
  }
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (step === 0) throw new RangeError('arange: step must not be 0');
  const length = Math.max(0, Math.ceil((stop - start) / step));
  checkInteger('arange length', length, 0);
  // NumPy: int64 when every argument is an integer, else float64 (a dtype option wins)
  const integral = [start, stop, step].every((v) => Number.isInteger(v));
  if (integral && [start, start + step * length].some((v) => !Number.isSafeInteger(v))) {
    throw new RangeError(`arange: values beyond ±2^53 are not exact as JS numbers (start ${start}, step ${step}, length ${length})`);
  }
  return make('arange', [length], options, (b) => ({
    ...b,
    kind: 'arange',
    // NumPy fills from its first two values in the dtype: start + i * ((start + step) - start)
    // (not start + i * step), and for an integer dtype trunc(start), then steps of
    // trunc(start + step) - trunc(start) (np.arange(-3, 3, 1.7, dtype=int8) is [-3 -1 1 3]).
    ...(integral ? { start, step }
      : isInteger(b.dtype) ? { start: Math.trunc(start), step: Math.trunc(start + step) - Math.trunc(start) }
      : { start, step: start + step - start }),
    name: `arange-${token(`arange:${start}:${step}:${length}:${b.dtype}:${b.chunks}`)}`,
  }), [], integral ? 'int64' : 'float64') as NDArray<DType, 1>;
}

/**
 * Options of {@link fromArray}: the shape the data is read as, the chunk grid and the dtype.
 * Unknown keys are a TypeError; a shape whose size differs from the data's length is a RangeError.
 */
export interface FromArrayOptions {
  /** Shape of the data (default: the TypedArray's length, or inferred from nested arrays). */
  shape?: readonly number[];
  /** The chunk grid (Dask's `chunks`, see {@link ChunksSpec}); default `'auto'` (about 128 MiB per chunk). */
  chunks?: ChunksSpec;
  /** For nested arrays and integer TypedArrays, which are copied: the dtype to copy into; 'bool' with a Uint8Array of 0/1 (not copied). */
  dtype?: DType;
}

/**
 * Wrap data as an NDArray. A Float64Array/Float32Array (or a DenseArray) is not copied now: the
 * array reads the caller's memory when each compute starts, so writes to it before a compute are
 * seen. Backed by a SharedArrayBuffer it is read in place (zero-copy); any other buffer is copied
 * once per compute into native memory (the part the compute reads), so detaching, transferring or
 * resizing it during a compute is harmless: that compute sees the values it started with.
 * Nested arrays (holes refused) and other TypedArrays are copied into a new Float64Array (or float32).
 */
export function fromArray<const T extends ArrayLike<unknown> | DenseArray, const O extends FromArrayOptions = {}>(data: T, options?: O): NDArray<FromArrayDType<T, O>, FromArrayRank<T, O>>;
export function fromArray(data: ArrayLike<unknown> | DenseArray, options?: FromArrayOptions): NDArray {
  const o = checkOptions('fromArray options', options) as FromArrayOptions;
  for (const key of Object.keys(o)) {
    if (!['shape', 'chunks', 'dtype'].includes(key)) throw new TypeError(`fromArray: unknown option ${describe(key)}; accepted: shape, chunks, dtype`);
  }
  let typedData: TypedData;
  let inferred: number[];
  let dtype: DType;
  if (o.dtype === 'bool' && !(data instanceof DenseArray)) {
    // bool data is bytes of 0/1 (any nonzero byte reads as true), taken without copying
    if (!(data instanceof Uint8Array)) throw new TypeError(`fromArray: dtype 'bool' takes a Uint8Array of 0/1, got ${describe(data)}`);
    typedData = data;
    inferred = [data.length];
    dtype = 'bool';
  } else if (data instanceof DenseArray) {
    typedData = data.data as TypedData;
    inferred = [...data.shape];
    dtype = data.dtype;
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    // each TypedArray is its dtype, not copied (Uint8Array: uint8, BigInt64Array: int64); with a
    // different dtype option the values are converted into a new array, as numpy.asarray(x, dtype)
    const own = dtypeOfTypedArray(data);
    dtype = o.dtype === undefined ? own : checkDType(o.dtype);
    inferred = [(data as unknown as ArrayLike<unknown>).length];
    typedData = dtype === own ? (data as unknown as TypedData) : convertData(data as unknown as ArrayLike<number | bigint>, dtype);
  } else if (Array.isArray(data)) {
    inferred = nestedShape(data);
    dtype = checkDType(o.dtype);
    const flat = new Array<number>(inferred.reduce((a, b) => a * b, 1));
    let i = 0;
    // Index loops, not forEach: forEach skips holes, which would shift every later element.
    const fill = (v: unknown, depth: number, at: string): void => {
      if (depth === inferred.length) {
        if (typeof v !== 'number') throw new TypeError(`fromArray: elements must be numbers, got ${describe(v)} at data${at}`);
        flat[i++] = v;
        return;
      }
      const level = v as unknown[];
      for (let k = 0; k < level.length; k++) {
        if (!(k in level)) throw new TypeError(`fromArray: data${at}[${k}] is a hole (sparse array); every element must be a number`);
        fill(level[k], depth + 1, `${at}[${k}]`);
      }
    };
    fill(data, 0, '');
    typedData = convertData(flat, dtype);
  } else {
    throw new TypeError(`fromArray: data must be a TypedArray, a DenseArray or nested arrays of numbers, got ${describe(data)}`);
  }
  const shape = o.shape === undefined ? inferred : checkShape('shape', o.shape);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== typedData.length) {
    throw new RangeError(`fromArray: shape [${shape.join(', ')}] holds ${n} elements but the data has ${typedData.length}`);
  }
  return memoryArray(typedData, shape, contiguousStrides(shape), 0, o.chunks, dtype);
}

/** An NDArray over caller memory (element strides and offset into `memory`), read as src/scheduler/snapshot.ts says. */
export function memoryArray(
  memory: TypedData,
  shape: number[],
  strides: number[],
  offset: number,
  chunks: ChunksSpec | undefined,
  dtypeOf?: DType,
): NDArray {
  const dtype: DType = dtypeOfData(memory, dtypeOf);
  const id = newId();
  return new NDArray({
    kind: 'memory',
    id,
    name: `array-${token(`array:${id}:${shape}:${strides}:${offset}:${Date.now()}`)}`,
    shape,
    dtype,
    chunks: normalizeChunks(chunks, shape, itemsize(dtype)),
    memory,
    strides,
    offset,
    op: 'array',
    state: { disposed: false },
  });
}

/** Values copied into a new TypedArray of `dtype` with NumPy's astype rules (bool: != 0; integers truncate and wrap). */
function convertData(src: ArrayLike<number | bigint>, dtype: DType): TypedData {
  const out = new (typedArrayClass(dtype))(src.length) as unknown as { [i: number]: number | bigint; length: number };
  const big = dtype === 'int64' || dtype === 'uint64';
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (dtype === 'bool') out[i] = Number(v) !== 0 ? 1 : 0;
    else if (big) out[i] = typeof v === 'bigint' ? v : Number.isFinite(v) ? BigInt(Math.trunc(v)) : -(2n ** 63n);
    else out[i] = typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v; // TypedArray stores truncate and wrap
  }
  return out as unknown as TypedData;
}

function nestedShape(data: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (v: unknown, depth: number): void => {
    if (depth === shape.length) return;
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new RangeError(`fromArray: nested arrays are ragged (expected length ${shape[depth]} at depth ${depth}); data must be rectangular`);
    }
    v.forEach((c) => check(c, depth + 1));
  };
  check(data, 0);
  return shape;
}

function checkSeed(seed: unknown): number {
  if (seed === undefined) {
    // A fresh 53-bit seed, fixed into the array so its values don't change between computes.
    const w = webcrypto.getRandomValues(new Uint32Array(2));
    return (w[0]! & 0x1fffff) * 2 ** 32 + w[1]!;
  }
  if (typeof seed !== 'number') throw new TypeError(`seed must be an integer in [0, 2^53), got ${describe(seed)}`);
  if (!Number.isFinite(seed) || !Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`seed must be a finite integer in [0, 2^53), got ${describe(seed)}`);
  }
  return seed;
}

function randomArray<S extends readonly number[]>(
  fn: string,
  op: 'random_sample' | 'uniform' | 'normal',
  dist: 'uniform' | 'normal',
  a: number,
  b: number,
  shape: S,
  options: RandomOptions | undefined,
): NDArray<DType, RankOf<S>> {
  const seed = checkSeed((options as { seed?: unknown } | undefined)?.seed);
  return make(
    fn,
    shape,
    options,
    (base) => ({ ...base, kind: 'random', dist, op, seed, a, b, name: `${op}-${token(`${op}:${seed}:${a}:${b}:${base.shape}:${base.dtype}:${base.chunks}`)}` }),
    ['seed'],
  );
}

/**
 * Counter-based random arrays (docs/random.md): element i is a pure function of (seed, flat index i),
 * so the same seed gives bit-identical arrays for any chunking, thread count or worker count.
 */
export const random = {
  /** Uniform on [0, 1), as numpy.random.random / dask.array.random.random. */
  random<const S extends readonly number[], const O extends RandomOptions = {}>(shape: S, options?: O): Created<S, O> {
    return <Created<S, O>>randomArray('random.random', 'random_sample', 'uniform', 0, 1, shape, options);
  },
  /** Uniform on [low, high). */
  uniform<const S extends readonly number[], const O extends RandomOptions = {}>(low: number, high: number, shape: S, options?: O): Created<S, O> {
    checkFinite('low', low);
    checkFinite('high', high);
    return <Created<S, O>>randomArray('random.uniform', 'uniform', 'uniform', low, high, shape, options);
  },
  /** Normal with mean loc and standard deviation scale (Box–Muller). */
  normal<const S extends readonly number[], const O extends RandomOptions = {}>(loc: number, scale: number, shape: S, options?: O): Created<S, O> {
    checkFinite('loc', loc);
    if (checkFinite('scale', scale) < 0) throw new RangeError(`scale must be >= 0, got ${scale}`);
    return <Created<S, O>>randomArray('random.normal', 'normal', 'normal', loc, scale, shape, options);
  },
  /** Standard normal (mean 0, standard deviation 1): normal(0, 1). */
  standardNormal<const S extends readonly number[], const O extends RandomOptions = {}>(shape: S, options?: O): Created<S, O> {
    return <Created<S, O>>randomArray('random.standardNormal', 'normal', 'normal', 0, 1, shape, options);
  },
  /**
   * Exponential with mean `scale`, by inversion: -log(1 - U)·scale of the same uniform stream as
   * random.random (so chunk-invariant; not NumPy's ziggurat stream).
   */
  exponential<const S extends readonly number[], const O extends RandomOptions = {}>(scale: number, shape: S, options?: O): Created<S, O> {
    if (checkFinite('scale', scale) < 0) throw new RangeError(`scale must be >= 0, got ${scale}`);
    const u = randomArray('random.exponential', 'random_sample', 'uniform', 0, 1, shape, options);
    return u.neg().add(1).log().neg().mul(scale) as unknown as Created<S, O>;
  },
  /** Integers in [low, high) (high omitted: [0, low)), NumPy's Generator.integers (./indexing/random-int.ts). */
  integers(low: number, high: number | null | undefined, shape: readonly number[], options?: IntegersOptions): NDArray {
    return randomInt.integers(low, high, shape, options);
  },
  /** NumPy's legacy name of integers: randint(low, high?, shape). */
  randint(low: number, high: number | null | undefined, shape: readonly number[], options?: IntegersOptions): NDArray {
    return randomInt.integers(low, high, shape, options);
  },
  /** Samples of a range or a 1-d array, with replacement (uniform or weighted by p) or without. */
  choice(a: number | NDArray | readonly number[], size: number | readonly number[], options?: ChoiceOptions): NDArray {
    return randomInt.choice(a, size, options);
  },
  /** A random ordering of 0..n-1, or x permuted along axis 0. */
  permutation(x: number | NDArray, options?: PermutationOptions): NDArray {
    return randomInt.permutation(x, options);
  },
  /** x permuted along axis 0 as a new array (NumPy's shuffle is in place; arrays here are immutable). */
  shuffle(x: NDArray, options?: { seed?: number }): NDArray {
    return randomInt.shuffle(x, options);
  },
};
