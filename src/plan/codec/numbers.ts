// Floats that survive JSON: NaN, ±Infinity and -0 are spelled as strings.
import { typeErr } from './check.js';
import type { PlanImmediate, PlanNumber } from './format.js';
import { ImmKind } from '../types.js';

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

/** The immediates of a native stage as plan immediates: exact integers as `{ int }`, the rest as numbers. */
export function encodeImmediates(imms: Float64Array, kinds?: Uint8Array, ints?: BigInt64Array): PlanImmediate[] {
  return Array.from(imms, (v, i) => {
    const k = kinds?.[i] ?? ImmKind.Float;
    if (k === ImmKind.Float) return encodeNumber(v);
    const bits = ints![i]!;
    return { int: String(k === ImmKind.UInt64 ? BigInt.asUintN(64, bits) : bits) };
  });
}

const INT_MIN = -(2n ** 63n);
const UINT_MAX = 2n ** 64n - 1n;

/**
 * Untrusted plan immediates → the native stage's doubles, plus kinds and bits when some are exact
 * integers (`{ int: "<decimal>" }` in [-2^63, 2^64 - 1]; TypeError/RangeError naming the path).
 */
export function decodeImmediates(path: string, values: readonly unknown[]): { imms: Float64Array; immKinds?: Uint8Array; immInts?: BigInt64Array } {
  const imms = new Float64Array(values.length);
  let kinds: Uint8Array | undefined;
  let ints: BigInt64Array | undefined;
  values.forEach((x, i) => {
    const p = `${path}[${i}]`;
    if (typeof x !== 'object' || x === null || Array.isArray(x)) {
      imms[i] = decodeNumber(p, x);
      return;
    }
    const keys = Object.keys(x);
    const text = (x as { int?: unknown }).int;
    if (keys.length !== 1 || keys[0] !== 'int' || typeof text !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(text)) {
      throw typeErr(p, 'a number (or "NaN", "Infinity", "-Infinity", "-0") or an exact integer { int: "<decimal digits>" }', x);
    }
    if (text.length > 21) throw new RangeError(`${p}.int: ${text.slice(0, 24)}… is outside [-2^63, 2^64 - 1] (an exact integer immediate is an int64 or uint64 value)`);
    const v = BigInt(text);
    if (v < INT_MIN || v > UINT_MAX) throw new RangeError(`${p}.int: ${text} is outside [-2^63, 2^64 - 1] (an exact integer immediate is an int64 or uint64 value)`);
    kinds ??= new Uint8Array(values.length);
    ints ??= new BigInt64Array(values.length);
    kinds[i] = v >= 2n ** 63n ? ImmKind.UInt64 : ImmKind.Int64;
    ints[i] = BigInt.asIntN(64, v);
    imms[i] = Number(v);
  });
  return kinds ? { imms, immKinds: kinds, immInts: ints! } : { imms };
}
