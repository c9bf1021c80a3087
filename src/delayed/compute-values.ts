// Dask's `compute(a, b, ...)` for Delayed values, typed: what each argument computes to.
import type { Delayed } from './delayed.js';
import { computeMany, type DelayedComputeOptions } from './compute.js';

/**
 * Dask's `compute(a, b, ...)` for Delayed values: resolves with one result per argument; tasks shared
 * between arguments run once. Use `computeDelayedWith(values, options)` to pass options.
 */
export function computeDelayed<const T extends readonly unknown[]>(...values: T): Promise<{ -readonly [K in keyof T]: ComputedValue<T[K]> }> {
  return computeMany(values) as Promise<{ -readonly [K in keyof T]: ComputedValue<T[K]> }>;
}

/** `computeDelayed` with options (progress, onProgress, profiler, signal). */
export function computeDelayedWith<const T extends readonly unknown[]>(
  values: T,
  options: DelayedComputeOptions = {},
): Promise<{ -readonly [K in keyof T]: ComputedValue<T[K]> }> {
  if (!Array.isArray(values)) throw new TypeError('computeDelayedWith(values, options): values must be an array');
  return computeMany(values, options) as Promise<{ -readonly [K in keyof T]: ComputedValue<T[K]> }>;
}

/** The type a lazy value computes to. */
export type ComputedValue<T> = T extends Delayed<infer U>
  ? U
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: ComputedValue<T[K]> }
    : T extends Record<string, unknown>
      ? { [K in keyof T]: ComputedValue<T[K]> }
      : T;
