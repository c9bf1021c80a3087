// Module-level compute()/persist(): several collections in one go, sharing common work.
import { NDArray, computeArrays, persistArrays, type Computed } from './array/ndarray.js';
import { Delayed } from './delayed/delayed.js';
import { computeMany } from './delayed/compute.js';
import type { ComputedValue } from './delayed/compute-values.js';
import type { ComputeResult } from './array/types.js';
import { describe } from './errors.js';
import { checkComputeOptions, type ComputeOptions } from './graph/types.js';

type Collection = NDArray | Delayed;
type ComputedOf<T> = T extends NDArray<infer D, infer R> ? ComputeResult<D, R> : ComputedValue<T>;

function splitOptions(args: unknown[]): [unknown[], ComputeOptions | undefined] {
  const last = args[args.length - 1];
  if (args.length > 1 && typeof last === 'object' && last !== null && !(last instanceof NDArray) && !(last instanceof Delayed) && !Array.isArray(last)) {
    return [args.slice(0, -1), last as ComputeOptions];
  }
  return [args, undefined];
}

/**
 * compute(a, b, …, options?) → [resultA, resultB, …] for arrays and delayed values: arrays run as
 * one native plan (shared work once), delayed values as one task graph (shared tasks once).
 */
export async function compute<const A extends readonly Collection[]>(
  ...args: [...A] | [...A, ComputeOptions]
): Promise<{ -readonly [K in keyof A]: ComputedOf<A[K]> }> {
  const [collections, options] = splitOptions(args);
  checkComputeOptions('compute', options);
  const arrays: NDArray[] = [];
  const delayeds: Delayed[] = [];
  collections.forEach((c, i) => {
    if (c instanceof NDArray) arrays.push(c);
    else if (c instanceof Delayed) delayeds.push(c);
    else throw new TypeError(`compute: argument ${i} must be a tessera collection (NDArray or Delayed), got ${describe(c)}`);
  });
  const [arrayResults, delayedResults] = await Promise.all([
    arrays.length ? computeArrays(arrays, options) : Promise.resolve([]),
    delayeds.length ? computeMany(delayeds, options) : Promise.resolve([]),
  ]);
  let a = 0;
  let d = 0;
  return collections.map((c) => (c instanceof NDArray ? arrayResults[a++] : delayedResults[d++])) as { -readonly [K in keyof A]: ComputedOf<A[K]> };
}

/** persist(a, b, …, options?) → NDArrays held in native memory. */
export async function persist<const A extends readonly NDArray[]>(
  ...args: [...A] | [...A, ComputeOptions]
): Promise<[...A]> {
  const [collections, options] = splitOptions(args);
  collections.forEach((c, i) => {
    if (!(c instanceof NDArray)) throw new TypeError(`persist: argument ${i} must be an NDArray, got ${describe(c)}`);
  });
  return (await persistArrays(collections as NDArray[], options)) as [...A];
}
