// fromDelayed: an NDArray whose (single) chunk is produced by a user function.
import { Delayed } from '../delayed/delayed.js';
import { fromDelayed as delayedChunk, type FloatDType } from '../delayed/array.js';
import { checkOptions, checkShape, describe } from '../errors.js';
import { NDArray } from './ndarray.js';
import type { DenseArray } from './dense.js';
import { newId, token } from './node.js';

/**
 * Options of {@link fromDelayed} (Dask's `from_delayed(value, shape, dtype)`): `shape` is required
 * (TypeError without it).
 */
export interface FromDelayedOptions {
  /** The shape of the data the Delayed produces (its element count must match when it runs). */
  shape: readonly number[];
  /** `'float64'` (default) or `'float32'`. */
  dtype?: FloatDType;
}

/**
 * Wrap a Delayed that produces array data (a Float64Array/Float32Array, or nested arrays, of
 * `shape`) as a one-chunk NDArray. The function runs when a compute needs it, once per compute.
 */
export function fromDelayed(value: Delayed, options: FromDelayedOptions): NDArray {
  if (!(value instanceof Delayed)) throw new TypeError(`fromDelayed: value must be a Delayed, got ${describe(value)}`);
  const o = checkOptions('fromDelayed options', options) as Partial<FromDelayedOptions>;
  if (o.shape === undefined) throw new TypeError('fromDelayed: options.shape is required (e.g. { shape: [100, 100] })');
  const shape = checkShape('shape', o.shape);
  const dtype = o.dtype ?? 'float64';
  const source = delayedChunk(value, { shape, dtype });
  const id = newId();
  return new NDArray({
    kind: 'delayed',
    op: 'from_delayed',
    id,
    name: `from_delayed-${token(`${source.key}:${shape}:${dtype}`)}`,
    shape,
    dtype,
    chunks: shape.map((s) => [s]),
    source: { compute: () => source.compute() },
    state: {},
  });
}
