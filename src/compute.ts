// Module-level compute()/persist(): several collections in one go, sharing common work.
import { NDArray, computeArrays, persistArrays, type Computed } from './array/ndarray.js';
import { describe } from './errors.js';
import type { ComputeOptions } from './graph/types.js';

type ComputedOf<T> = T extends NDArray<infer R> ? R : never;

function splitOptions(args: unknown[]): [unknown[], ComputeOptions | undefined] {
  const last = args[args.length - 1];
  if (args.length > 1 && typeof last === 'object' && last !== null && !(last instanceof NDArray) && !Array.isArray(last)) {
    return [args.slice(0, -1), last as ComputeOptions];
  }
  return [args, undefined];
}

/** compute(a, b, …, options?) → [resultA, resultB, …]: one plan, shared work runs once. */
export async function compute<const A extends readonly NDArray<Computed>[]>(
  ...args: [...A] | [...A, ComputeOptions]
): Promise<{ [K in keyof A]: ComputedOf<A[K]> }> {
  const [collections, options] = splitOptions(args);
  collections.forEach((c, i) => {
    if (!(c instanceof NDArray)) throw new TypeError(`compute: argument ${i} must be a tessera collection, got ${describe(c)}`);
  });
  return (await computeArrays(collections as NDArray<Computed>[], options)) as { [K in keyof A]: ComputedOf<A[K]> };
}

/** persist(a, b, …, options?) → NDArrays held in native memory. */
export async function persist<const A extends readonly NDArray<Computed>[]>(
  ...args: [...A] | [...A, ComputeOptions]
): Promise<[...A]> {
  const [collections, options] = splitOptions(args);
  collections.forEach((c, i) => {
    if (!(c instanceof NDArray)) throw new TypeError(`persist: argument ${i} must be an NDArray, got ${describe(c)}`);
  });
  return (await persistArrays(collections as NDArray<Computed>[], options)) as [...A];
}
