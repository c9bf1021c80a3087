// How each DataFrame-side object was made: the public call that returned it (its receiver and
// arguments). client.compute sends this recipe to a worker, which repeats the same public calls
// there (src/dataframe/recipe.ts): frames are closures over sources, so no partition or code
// travels, only the calls. Kept apart from recipe.ts so the readers can record roots without an
// import cycle.

/** A recorded call: a root function (readCsv, timeseries, concat) or a method or getter of a recorded object. */
export type Made =
  | { kind: 'root'; fn: string; args: readonly unknown[] }
  | { kind: 'method'; on: object; name: string; args: readonly unknown[] }
  | { kind: 'get'; on: object; name: string }
  /** The same rows as `of` (a persisted frame: the worker recomputes it). */
  | { kind: 'alias'; of: object };

const made = new WeakMap<object, Made>();

/** The recorded call that made `x`, if any. */
export function madeBy(x: object): Made | undefined {
  return made.get(x);
}

/** Records how `x` was made, unless it already has a record (a method returning its receiver or an input keeps it). */
export function record<T>(x: T, how: Made): T {
  if (typeof x === 'object' && x !== null && !made.has(x)) made.set(x, how);
  return x;
}

/** A root: `fn(...args)` made `x`. */
export function recordRoot<T extends object>(x: T, fn: string, args: readonly unknown[]): T {
  return record(x, { kind: 'root', fn, args });
}
