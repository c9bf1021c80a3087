// Arrays ↔ delayed: one Delayed per chunk (toDelayed), and a Delayed producing chunk data that an
// NDArray can wrap (fromDelayed). Written against a minimal view of NDArray so the two stay decoupled.
import { Delayed, delayed } from './delayed.js';
import { identityOf, tokenize } from './tokenize.js';

export type FloatDType = 'float64' | 'float32';
export type FloatData = Float64Array | Float32Array;

/** A computed chunk: its shape and row-major data. */
export interface ChunkData {
  /** The chunk's shape. */
  readonly shape: readonly number[];
  /** The chunk's elements, row-major (a Float64Array or Float32Array of the array's dtype). */
  data: FloatData;
}

/** What toDelayed needs from an NDArray. */
export interface ChunkedArrayLike {
  readonly shape: readonly number[];
  /** Chunk sizes per dimension, e.g. [[5, 5], [5, 5]]. */
  readonly chunks: readonly (readonly number[])[];
  readonly dtype: FloatDType;
  computeBlock(index: number[]): Promise<ChunkData>;
}

/** A nested array of depth ndim (0-d: the element itself). */
export type NestedDelayedChunks = Delayed<ChunkData> | NestedDelayedChunks[];

function checkArrayLike(x: unknown): asserts x is ChunkedArrayLike {
  const a = x as ChunkedArrayLike;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.shape) || !Array.isArray(a.chunks) || typeof a.computeBlock !== 'function')
    throw new TypeError('toDelayed(x): x must be a chunked array (with shape, chunks, dtype and computeBlock(index))');
  if (a.chunks.length !== a.shape.length)
    throw new RangeError(`toDelayed(x): x.chunks has ${a.chunks.length} dimensions but x.shape has ${a.shape.length}`);
}

/**
 * One Delayed per chunk, like Dask's `x.to_delayed()`: a nested array shaped like the chunk grid,
 * each element computing `{ shape, data }` of its chunk. Keys are deterministic per array and chunk.
 */
export function toDelayed(x: ChunkedArrayLike, options: { name?: string } = {}): NestedDelayedChunks {
  checkArrayLike(x);
  const name = options.name ?? 'chunk';
  const arrayHash = tokenize(`array:${identityOf(x)}`);
  const grid = x.chunks.map((c) => c.length);
  const make = (prefix: number[]): NestedDelayedChunks => {
    if (prefix.length === grid.length) {
      const index = [...prefix];
      const key = `${name}-${tokenize(arrayHash, index)}`;
      return new Delayed<ChunkData>({
        key,
        name,
        kind: 'call',
        callable: { kind: 'local', fn: () => x.computeBlock(index) },
        args: [],
        argHasDelayed: [],
        deps: [],
        label: `(${index.join(', ')})`,
      });
    }
    return Array.from({ length: grid[prefix.length]! }, (_, i) => make([...prefix, i]));
  };
  return make([]);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0))
    throw new TypeError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  return shape as number[];
}

function checkDType(dtype: unknown, where: string): FloatDType {
  if (dtype !== 'float64' && dtype !== 'float32') throw new RangeError(`${where}: dtype must be 'float64' or 'float32', got ${JSON.stringify(dtype)}`);
  return dtype;
}

/**
 * Validate and convert a computed value to chunk data of `shape`/`dtype`: a TypedArray or plain
 * array of the right length, a nested array of exactly that shape, a number (0-d), or a ChunkData.
 * Throws TypeError/RangeError saying what was wrong.
 */
export function delayedChunkToArrayData(value: unknown, shape: readonly number[], dtype: FloatDType): FloatData {
  const where = 'fromDelayed';
  const size = product(shape);
  const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value) && 'data' in value) {
    const c = value as ChunkData;
    if (Array.isArray(c.shape) && (c.shape.length !== shape.length || c.shape.some((n, i) => n !== shape[i])))
      throw new RangeError(`${where}: the computed chunk has shape [${c.shape.join(', ')}], expected [${shape.join(', ')}]`);
    return delayedChunkToArrayData(c.data, shape, dtype);
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (size !== 1) throw new RangeError(`${where}: the computed value is a single number, expected ${size} elements of shape [${shape.join(', ')}]`);
    return Ctor.of(Number(value));
  }
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) throw new TypeError(`${where}: the computed value is a DataView; return a Float64Array/Float32Array`);
    const ta = value as unknown as ArrayLike<number | bigint> & { length: number };
    if (ta.length !== size)
      throw new RangeError(`${where}: the computed ${value.constructor.name} has ${ta.length} elements, expected ${size} for shape [${shape.join(', ')}]`);
    if (value instanceof Ctor) return value;
    const out = new Ctor(size);
    for (let i = 0; i < size; i++) out[i] = Number(ta[i]);
    return out;
  }
  if (Array.isArray(value)) {
    const out = new Ctor(size);
    if (shape.length <= 1 && value.every((v) => typeof v === 'number')) {
      if (value.length !== size) throw new RangeError(`${where}: the computed array has ${value.length} elements, expected ${size}`);
      out.set(value as number[]);
      return out;
    }
    let pos = 0;
    const walk = (v: unknown, dim: number, path: string): void => {
      if (dim === shape.length) {
        if (typeof v !== 'number') throw new TypeError(`${where}: element ${path} is ${typeof v}, expected a number`);
        out[pos++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[dim])
        throw new RangeError(`${where}: ${path || 'the computed value'} has length ${Array.isArray(v) ? v.length : 'n/a'} at dimension ${dim}, expected ${shape[dim]} (shape [${shape.join(', ')}])`);
      v.forEach((w, i) => walk(w, dim + 1, `${path}[${i}]`));
    };
    walk(value, 0, '');
    return out;
  }
  throw new TypeError(`${where}: the computed value must be a TypedArray, a (nested) array of numbers or a number, got ${value === null ? 'null' : typeof value}`);
}

/**
 * A Delayed producing validated chunk data (`Float64Array`/`Float32Array` of `shape`) from a Delayed
 * value — what `fromDelayed(value, { shape, dtype })` on arrays wraps as a one-chunk NDArray.
 */
export function fromDelayed(value: Delayed, options: { shape: readonly number[]; dtype?: FloatDType }): Delayed<FloatData> {
  if (!(value instanceof Delayed)) throw new TypeError(`fromDelayed(value, options): value must be a Delayed, got ${value === null ? 'null' : typeof value}`);
  if (typeof options !== 'object' || options === null) throw new TypeError('fromDelayed(value, options): options { shape, dtype } are required');
  const shape = checkShape(options.shape, 'fromDelayed');
  const dtype = checkDType(options.dtype ?? 'float64', 'fromDelayed');
  const toData = delayed((v: unknown) => delayedChunkToArrayData(v, shape, dtype), { name: 'from-delayed', pure: false });
  return toData(value) as Delayed<FloatData>;
}
