// fromSource: any object that hands back a box of elements becomes a lazy array (Dask's
// from_array on an h5py dataset). A compute reads only the source chunks it touches
// (src/storage/resolve.ts), concurrently up to `concurrency` reads.
import { NDArray } from '../array/ndarray.js';
import type { DenseArray } from '../array/dense.js';
import { normalizeChunks, type ChunksSpec } from '../array/chunks.js';
import { contiguousStrides, itemsize, newId, size, token, typedCtor, type BoxSource, type DType, type StorageOp, type TypedData } from '../array/node.js';
import { checkInteger, checkOptions, checkShape, describe } from '../errors.js';
import { native } from '../native.js';
import { copyBox, runLimited } from './resolve.js';
import { DTYPES, type DType as AnyDType } from '../array/dtype.js';

/** A box of a source: elements lo[k] <= i_k < hi[k]; `shape` is hi - lo. */
export interface SourceBox {
  /** The first element of the box along each axis (inclusive). */
  readonly lo: readonly number[];
  /** The end of the box along each axis (exclusive). */
  readonly hi: readonly number[];
  /** `hi - lo` per axis: the shape of the data to read or write. */
  readonly shape: readonly number[];
}

/** What fromSource reads from: the box's elements row-major, as a TypedArray of `dtype` (or a plain number array). */
export interface ArraySourceSpec {
  /** The shape of the whole source array. */
  shape: readonly number[];
  /**
   * Any dtype (default float64): bool reads a Uint8Array of 0/1 (or numbers/booleans), int64 and
   * uint64 a BigInt64Array/BigUint64Array or numbers that are integers; other arrays are converted
   * as TypedArray.from does.
   */
  dtype?: DType;
  /** The source's chunking (one read covers at most one chunk); Dask's chunk spec, default 'auto'. */
  chunks?: ChunksSpec;
  /**
   * Return the box's elements row-major (exactly `prod(box.shape)` of them, else a RangeError at
   * compute time), or a Promise of them; called once per box a compute needs, up to `concurrency` at once.
   */
  read(box: SourceBox): ArrayLike<number> | Promise<ArrayLike<number>>;
  /** Reads in flight at once (default 2 per thread; 1 for a source that is not reentrant). */
  concurrency?: number;
  /** Layer name prefix (default 'from_source'). */
  name?: string;
}

/** `dtype` (any NumPy dtype name) as an array dtype, or a TypeError naming what is accepted. */
export function computableDType(where: string, dtype: AnyDType | string): DType {
  if ((DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new TypeError(`${where}: dtype ${describe(dtype)} is not supported (accepted: ${DTYPES.join(', ')}; object, string and structured dtypes are not)`);
}

/** The storage-array node (a 'delayed' node with a box reader; compute() reads everything). */
export function storageArray(op: StorageOp, key: string, shape: readonly number[], dtype: DType, chunks: number[][], boxes: BoxSource): NDArray {
  const readAll = async (): Promise<TypedData> => {
    const out = new (typedCtor(dtype))(size(shape));
    const full = { lo: shape.map(() => 0), hi: [...shape] };
    const data = await boxes.read(full.lo, full.hi);
    (out as Float64Array).set(data as Float64Array); // the same dtype's elements (a type-level view)
    return out;
  };
  return new NDArray({
    kind: 'delayed',
    op,
    id: newId(),
    name: `${op}-${token(`${op}:${key}:${shape}:${dtype}:${chunks.map((c) => c.join(','))}`)}`,
    shape: [...shape],
    dtype,
    chunks,
    source: { compute: readAll, boxes },
    state: {},
  });
}

let sourceCount = 0;

/**
 * A lazy array over any object that can hand back a box of elements: `read({ lo, hi, shape })`
 * returns the box row-major (sync or a Promise). A compute calls read once per source chunk it
 * touches, up to `concurrency` at a time; nothing is read before a compute.
 */
export function fromSource(spec: ArraySourceSpec): NDArray {
  const o = checkOptions('fromSource(spec)', spec);
  for (const key of Object.keys(o)) {
    if (!['shape', 'dtype', 'chunks', 'read', 'concurrency', 'name'].includes(key)) throw new TypeError(`fromSource: unknown key ${describe(key)}; accepted: shape, dtype, chunks, read, concurrency, name`);
  }
  if (o.shape === undefined) throw new TypeError('fromSource: spec.shape is required (e.g. { shape: [100, 100], read })');
  const shape = checkShape('fromSource: spec.shape', o.shape);
  if (typeof o.read !== 'function') throw new TypeError(`fromSource: spec.read must be a function ({ lo, hi, shape }) => elements, got ${describe(o.read)}`);
  const dtype = computableDType('fromSource: spec.dtype', (o.dtype ?? 'float64') as string);
  const chunks = normalizeChunks(o.chunks as ChunksSpec | undefined, shape, itemsize(dtype));
  const concurrency = o.concurrency === undefined ? undefined : checkInteger('fromSource: spec.concurrency', o.concurrency, 1, 1024);
  if (o.name !== undefined && typeof o.name !== 'string') throw new TypeError(`fromSource: spec.name must be a string, got ${describe(o.name)}`);
  const read = o.read as ArraySourceSpec['read'];
  const Ctor = typedCtor(dtype);
  const boxes: BoxSource = {
    chunks,
    concurrency,
    // Reads of more than one chunk (compute() of the whole array outside a plan) go chunk by chunk.
    async read(lo, hi, signal) {
      const shapeBox = hi.map((h, k) => h - lo[k]!);
      const one = async (l: readonly number[], h: readonly number[]): Promise<TypedData> => {
        const bshape = h.map((x, k) => x - l[k]!);
        const got = await read({ lo: [...l], hi: [...h], shape: bshape });
        const want = size(bshape);
        if (got === null || typeof got !== 'object' || typeof (got as ArrayLike<number>).length !== 'number') {
          throw new TypeError(`fromSource: read([${l}]..[${h}]) must return the box's ${want} elements (a TypedArray or number array), got ${describe(got)}`);
        }
        if (got.length !== want) throw new RangeError(`fromSource: read([${l}]..[${h}]) returned ${got.length} elements; the box [${bshape}] has ${want}`);
        if (got instanceof Ctor) return got as TypedData;
        if (Ctor === BigInt64Array || Ctor === BigUint64Array) {
          // numbers (a number[] or a Float64Array) for an int64/uint64 source: BigInt64Array.from
          // threw 'Cannot convert 1 to a BigInt'; integers convert exactly, anything else names itself
          const out = new Ctor(want);
          for (let i = 0; i < want; i++) {
            const v = (got as ArrayLike<unknown>)[i];
            if (typeof v === 'bigint') out[i] = v as never;
            else if (typeof v === 'number' && Number.isInteger(v)) out[i] = BigInt(v) as never;
            else throw new TypeError(`fromSource: read([${l}]..[${h}]) returned ${describe(v)} at element ${i}; an ${dtype} source takes integers (bigints, or numbers that are integers)`);
          }
          return out as TypedData;
        }
        return (Ctor as Float64ArrayConstructor).from(got as ArrayLike<number>);
      };
      const inChunk = chunks.every((c, k) => {
        let b = 0;
        for (const n of c) {
          if (lo[k]! >= b && hi[k]! <= b + n) return true;
          b += n;
        }
        return c.length === 0 || hi[k] === lo[k];
      });
      if (inChunk) return one(lo, hi);
      const out = new Ctor(size(shapeBox));
      const strides = contiguousStrides(shapeBox);
      const parts: { lo: number[]; hi: number[] }[] = [];
      const bounds = chunks.map((c) => c.reduce<number[]>((acc, n) => [...acc, acc[acc.length - 1]! + n], [0]));
      const walk = (k: number, l: number[], h: number[]): void => {
        if (k === shape.length) return void parts.push({ lo: [...l], hi: [...h] });
        const b = bounds[k]!;
        for (let i = 0; i + 1 < b.length; i++) {
          const s = Math.max(b[i]!, lo[k]!);
          const e = Math.min(b[i + 1]!, hi[k]!);
          if (s < e) walk(k + 1, [...l, s], [...h, e]);
        }
      };
      walk(0, [], []);
      await runLimited(parts, concurrency ?? 2 * native().getNumThreads(), async (p) => {
        const d = await one(p.lo, p.hi);
        copyBox(d, p.hi.map((x, k) => x - p.lo[k]!), out, strides, p.lo.reduce((a, x, k) => a + (x - lo[k]!) * strides[k]!, 0));
      }, signal);
      return out;
    },
  };
  return storageArray('from_source', `${(o.name as string | undefined) ?? 'source'}:${sourceCount++}`, shape, dtype, chunks, boxes);
}
