// An in-memory result (NumPy's ndarray role): what compute() gives for arrays of 1 or more dims.
import { checkInteger } from '../errors.js';
import { contiguousStrides, dtypeOfData, type DType as EngineDType, type TypedData } from './node.js';
import type { DType, ElementOf, TypedArrayOf } from './dtype.js';

export type { TypedData } from './node.js';

/**
 * An in-memory, row-major array: what compute() gives for arrays of 1 or more dimensions. `D` is
 * its dtype; `data` is the TypedArray of that dtype (bool: a Uint8Array of 0/1, int64: BigInt64Array).
 * Without a type argument D is the dtypes the engine computes today (node.ts DType).
 */
export class DenseArray<D extends DType = EngineDType> {
  /** The length of each axis (frozen). */
  readonly shape: readonly number[];
  /** The element type (see {@link DType}); tells uint8 data from bool, both a Uint8Array. */
  readonly dtype: D;
  /** Row-major (C-order) data. compute() hands this over without copying. */
  readonly data: TypedArrayOf<D>;
  /** Row-major element strides (not bytes): `strides[k]` is the product of the later axes' lengths (frozen). */
  readonly strides: readonly number[];

  /** `dtype` tells uint8 data from bool (both are a Uint8Array; without it a Uint8Array is bool). */
  constructor(data: TypedData, shape: readonly number[], dtype?: DType) {
    this.data = data as TypedArrayOf<D>;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOfData(data, dtype) as D;
    this.strides = Object.freeze(contiguousStrides(shape));
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements (`data.length`). */
  get size(): number {
    return this.data.length;
  }

  /** Element at a multi-index (negative indices count from the end). */
  get(...index: number[]): ElementOf<D> {
    if (index.length !== this.ndim) {
      throw new RangeError(`get() needs ${this.ndim} indices, got ${index.length}`);
    }
    let flat = 0;
    index.forEach((i, k) => {
      const n = this.shape[k]!;
      checkInteger(`index[${k}]`, i, -n, n - 1);
      flat += (i < 0 ? i + n : i) * this.strides[k]!;
    });
    return this.data[flat]! as ElementOf<D>;
  }

  /** Nested plain arrays (a copy). */
  toArray(): unknown[] {
    const build = (k: number, base: number): unknown[] => {
      const n = this.shape[k]!;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const at = base + i * this.strides[k]!;
        out[i] = k === this.ndim - 1 ? this.data[at] : build(k + 1, at);
      }
      return out;
    };
    return this.ndim === 0 ? [this.data[0]] : build(0, 0);
  }

  /**
   * A one-line description with the first six elements, e.g.
   * `tessera.DenseArray<shape=[2, 3], dtype=float64, data=[1, 2, 3, 4, 5, 6]>`.
   */
  toString(): string {
    const data = this.data as ArrayLike<number | bigint>;
    const preview = Array.from({ length: Math.min(6, data.length) }, (_, i) => String(data[i])).join(', ');
    return `tessera.DenseArray<shape=[${this.shape.join(', ')}], dtype=${this.dtype}, data=[${preview}${this.size > 6 ? ', …' : ''}]>`;
  }

  /** `'DenseArray'`, so `Object.prototype.toString.call(d)` reads `[object DenseArray]`. */
  get [Symbol.toStringTag](): string {
    return 'DenseArray';
  }
}
