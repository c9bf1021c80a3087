// An in-memory result (NumPy's ndarray role): what compute() gives for arrays of 1 or more dims.
import { checkInteger } from '../errors.js';
import { contiguousStrides, dtypeOfData, type DType, type TypedData } from './node.js';

export type { TypedData } from './node.js';

export class DenseArray {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Row-major (C-order) data. compute() hands this over without copying. */
  readonly data: TypedData;
  readonly strides: readonly number[];

  /** `dtype` tells uint8 data from bool (both are a Uint8Array; without it a Uint8Array is bool). */
  constructor(data: TypedData, shape: readonly number[], dtype?: DType) {
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOfData(data, dtype);
    this.strides = Object.freeze(contiguousStrides(shape));
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Element at a multi-index (negative indices count from the end). */
  get(...index: number[]): number | bigint {
    if (index.length !== this.ndim) {
      throw new RangeError(`get() needs ${this.ndim} indices, got ${index.length}`);
    }
    let flat = 0;
    index.forEach((i, k) => {
      const n = this.shape[k]!;
      checkInteger(`index[${k}]`, i, -n, n - 1);
      flat += (i < 0 ? i + n : i) * this.strides[k]!;
    });
    return this.data[flat]!;
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

  toString(): string {
    const preview = Array.from(this.data.subarray(0, 6) as ArrayLike<number | bigint>, (v) => String(v)).join(', ');
    return `tessera.DenseArray<shape=[${this.shape.join(', ')}], dtype=${this.dtype}, data=[${preview}${this.size > 6 ? ', …' : ''}]>`;
  }

  get [Symbol.toStringTag](): string {
    return 'DenseArray';
  }
}
