// Floats that survive JSON: NaN, ±Infinity and -0 are spelled as strings.
import { typeErr } from './check.js';
import type { PlanNumber } from './format.js';

export function encodeNumber(v: number): PlanNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

/** The inverse of encodeNumber for an untrusted value. */
export function decodeNumber(path: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === '-0') return -0;
  throw typeErr(path, 'a number (or "NaN", "Infinity", "-Infinity", "-0")', v);
}
