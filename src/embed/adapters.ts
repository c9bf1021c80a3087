// Adapters between tessera and the strided-array objects other npm libraries use:
//   scijs `ndarray`:   { data, shape, stride, offset }          (ndarray(data, shape, stride, offset))
//   `@stdlib/ndarray`: { data, shape, strides, offset, order }   (new ndarray(dtype, data, shape, strides, offset, order))
// Both describe element i = data[offset + Σ index[k]·strides[k]], which is exactly the engine's memory
// leaf: a Float64Array/Float32Array view — transposed, sliced, stepped, negative strides included —
// is wrapped without copying (each compute reads it as fromArray's: docs/embedding.md). Other
// element types (plain arrays, Int32Array, …) are copied.
// Neither package is a dependency: pass their constructor to toNdarray/toStdlib to get real instances.
import { checkOptions, checkShape, describe } from '../errors.js';
import { type ChunksSpec } from '../array/chunks.js';
import { DenseArray } from '../array/dense.js';
import { NDArray } from '../array/ndarray.js';
import { contiguousStrides, type DType, type TypedData } from '../array/node.js';
import { memoryArray } from '../array/creation.js';

/**
 * Options of {@link fromStrided}, {@link fromNdarray} and {@link fromStdlib}. Unknown keys and a
 * dtype other than float64/float32 are a TypeError.
 */
export interface StridedOptions {
  /** The chunk grid of the NDArray (see {@link ChunksSpec}; default `'auto'`). */
  chunks?: ChunksSpec;
  /** For data that must be copied (not a Float64Array/Float32Array): the dtype to copy into (default float64). */
  dtype?: DType;
}

/** scijs ndarray's fields (https://github.com/scijs/ndarray). */
export interface ScijsNdarrayLike {
  /** The elements (a Float64Array/Float32Array is wrapped without a copy; anything else is copied). */
  data: ArrayLike<number>;
  /** The length of each axis. */
  shape: readonly number[];
  /** Element strides, one per axis (scijs' name; negative and zero strides allowed). */
  stride: readonly number[];
  /** The index in `data` of element [0, 0, …]. */
  offset: number;
}

/** @stdlib/ndarray's fields (https://stdlib.io/docs/api/latest/@stdlib/ndarray/ctor). */
export interface StdlibNdarrayLike {
  /** The elements (a Float64Array/Float32Array is wrapped without a copy; anything else is copied). */
  data: ArrayLike<number>;
  /** The length of each axis. */
  shape: readonly number[];
  /** Element strides, one per axis (stdlib's name; negative and zero strides allowed). */
  strides: readonly number[];
  /** The index in `data` of element [0, 0, …]. */
  offset: number;
  /** stdlib's memory-layout flag ('row-major' / 'column-major'); not read: the strides say the layout. */
  order?: string;
  /** stdlib's dtype name; not read: the data's TypedArray (or the `dtype` option for copies) decides. */
  dtype?: string;
}

/** What toNdarray/toStdlib return without a constructor: plain objects with the same fields. */
export interface PlainScijs<T extends TypedData = TypedData> {
  data: T;
  shape: number[];
  stride: number[];
  offset: number;
  dtype: DType;
}
export interface PlainStdlib<T extends TypedData = TypedData> {
  data: T;
  shape: number[];
  strides: number[];
  offset: number;
  order: 'row-major';
  dtype: DType;
}

function checkStridedOptions(fn: string, options: unknown): StridedOptions {
  const o = checkOptions(`${fn} options`, options) as StridedOptions;
  for (const key of Object.keys(o)) {
    if (!['chunks', 'dtype'].includes(key)) throw new TypeError(`${fn}: unknown option ${describe(key)}; accepted: chunks, dtype`);
  }
  if (o.dtype !== undefined && o.dtype !== 'float64' && o.dtype !== 'float32') {
    throw new TypeError(`${fn}: dtype must be 'float64' or 'float32', got ${describe(o.dtype)}`);
  }
  return o;
}

function intArray(name: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`${name} must be an array of integers, got ${describe(v)}`);
  const a = Array.from(v as ArrayLike<number>);
  if (a.length !== n) throw new RangeError(`${name} has ${a.length} entries, the shape has ${n}`);
  a.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new TypeError(`${name}[${i}] must be an integer, got ${describe(x)}`);
  });
  return a;
}

/**
 * Wrap a strided view over `data` as an NDArray: wrapped without a copy when `data` is a Float64Array
 * or Float32Array (any strides, including negative and zero ones; read as fromArray's), a copy otherwise.
 */
export function fromStrided(
  data: ArrayLike<number>,
  shapeArg: readonly number[],
  stridesArg: readonly number[],
  offset: number,
  options?: StridedOptions,
  fn = 'fromStrided',
): NDArray {
  const o = checkStridedOptions(fn, options);
  const shape = checkShape(`${fn}: shape`, shapeArg);
  const strides = shape.length === 0 ? [] : intArray(`${fn}: strides`, stridesArg, shape.length);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new TypeError(`${fn}: offset must be a non-negative integer, got ${describe(offset)}`);
  }
  if (data === null || typeof data !== 'object' || typeof (data as { length?: unknown }).length !== 'number') {
    throw new TypeError(`${fn}: data must be a TypedArray or an array of numbers, got ${describe(data)}`);
  }
  const empty = shape.some((n) => n === 0);
  let lo = offset;
  let hi = offset;
  shape.forEach((n, k) => {
    const span = strides[k]! * (n - 1);
    if (span < 0) lo += span;
    else hi += span;
  });
  if (!empty && (lo < 0 || hi >= data.length)) {
    throw new RangeError(
      `${fn}: the view (shape [${shape.join(', ')}], strides [${strides.join(', ')}], offset ${offset}) addresses elements ${lo}..${hi}, outside the data (length ${data.length})`,
    );
  }
  const zeroCopy = (data instanceof Float64Array || data instanceof Float32Array) && (o.dtype === undefined || o.dtype === (data instanceof Float64Array ? 'float64' : 'float32'));
  let memory: Float64Array | Float32Array;
  let memStrides = strides;
  let memOffset = offset;
  if (zeroCopy) memory = data as Float64Array | Float32Array;
  else {
    // Copy, in row-major order, through the strides.
    const Ctor = (o.dtype ?? 'float64') === 'float64' ? Float64Array : Float32Array;
    const n = shape.reduce((a, b) => a * b, 1);
    memory = new Ctor(n);
    const idx = shape.map(() => 0);
    let src = offset;
    for (let i = 0; i < n; i++) {
      const v = data[src];
      if (typeof v !== 'number') throw new TypeError(`${fn}: element ${src} of data must be a number, got ${describe(v)}`);
      memory[i] = v;
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++idx[k]! < shape[k]!) {
          src += strides[k]!;
          break;
        }
        src -= strides[k]! * (shape[k]! - 1);
        idx[k] = 0;
      }
    }
    memStrides = contiguousStrides(shape);
    memOffset = 0;
  }
  return memoryArray(memory, shape, memStrides, memOffset, o.chunks);
}

/** A scijs `ndarray` (or any { data, shape, stride, offset }) as an NDArray; float data is wrapped, not copied. */
export function fromNdarray(x: ScijsNdarrayLike, options?: StridedOptions): NDArray {
  if (typeof x !== 'object' || x === null || !('stride' in x)) {
    throw new TypeError(`fromNdarray: expected a scijs ndarray { data, shape, stride, offset }, got ${describe(x)}`);
  }
  return fromStrided(x.data, x.shape, x.stride, x.offset, options, 'fromNdarray');
}

/** An @stdlib/ndarray (or any { data, shape, strides, offset }) as an NDArray; float data is wrapped, not copied. */
export function fromStdlib(x: StdlibNdarrayLike, options?: StridedOptions): NDArray {
  if (typeof x !== 'object' || x === null || !('strides' in x)) {
    throw new TypeError(`fromStdlib: expected an @stdlib/ndarray { data, shape, strides, offset }, got ${describe(x)}`);
  }
  return fromStrided(x.data, x.shape, x.strides, x.offset, options, 'fromStdlib');
}

function checkDense(fn: string, a: unknown): DenseArray {
  if (!(a instanceof DenseArray)) throw new TypeError(`${fn}: expected a DenseArray (a computed result), got ${describe(a)}`);
  return a;
}

type ScijsFactory<R> = (data: TypedData, shape: number[], stride: number[], offset: number) => R;
type StdlibCtor<R> = new (dtype: string, data: TypedData, shape: number[], strides: number[], offset: number, order: string) => R;

/**
 * A computed DenseArray as a scijs ndarray over the same memory (no copy). Pass the `ndarray`
 * package's default export to get a real scijs ndarray; without it, a plain object with its fields.
 */
export function toNdarray(a: DenseArray): PlainScijs;
export function toNdarray<R>(a: DenseArray, ndarray: ScijsFactory<R>): R;
export function toNdarray<R>(a: DenseArray, ndarray?: ScijsFactory<R>): R | PlainScijs {
  const d = checkDense('toNdarray', a);
  const shape = [...d.shape];
  const stride = [...d.strides];
  if (ndarray === undefined) return { data: d.data, shape, stride, offset: 0, dtype: d.dtype };
  if (typeof ndarray !== 'function') throw new TypeError(`toNdarray: ndarray must be the scijs ndarray function, got ${describe(ndarray)}`);
  return ndarray(d.data, shape, stride, 0);
}

/**
 * A computed DenseArray as an @stdlib/ndarray over the same memory (no copy). Pass the
 * `@stdlib/ndarray/ctor` constructor to get a real stdlib ndarray; without it, a plain object.
 */
export function toStdlib(a: DenseArray): PlainStdlib;
export function toStdlib<R>(a: DenseArray, ctor: StdlibCtor<R>): R;
export function toStdlib<R>(a: DenseArray, ctor?: StdlibCtor<R>): R | PlainStdlib {
  const d = checkDense('toStdlib', a);
  const shape = [...d.shape];
  // stdlib spells a 0-d array's strides as [0].
  const strides = shape.length === 0 ? [0] : [...d.strides];
  if (ctor === undefined) return { data: d.data, shape, strides, offset: 0, order: 'row-major', dtype: d.dtype };
  if (typeof ctor !== 'function') throw new TypeError(`toStdlib: ctor must be the @stdlib/ndarray/ctor constructor, got ${describe(ctor)}`);
  return new ctor(d.dtype, d.data, shape, strides, 0, 'row-major');
}
