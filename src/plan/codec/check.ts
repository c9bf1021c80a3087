// Checks of untrusted JSON values for the plan decoder: each throws a TypeError (wrong kind of
// value) or RangeError (right kind, unacceptable value) naming the JSON path. The messages are
// pinned by the fuzz corpus (test/fuzz/corpus): change them only on purpose.
import { describe as describeValue } from '../../errors.js';
import { DTYPE_NAMES, type PlanDType } from './codes.js';
import { PLAN_LIMITS } from './format.js';

/** Short, bounded description of an untrusted value (never stringifies big or deep values). */
export function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

export const typeErr = (path: string, what: string, v: unknown): TypeError => new TypeError(`${path}: expected ${what}, got ${show(v)}`);
export const rangeErr = (path: string, msg: string): RangeError => new RangeError(`${path}: ${msg}`);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with only `allowed` keys and every `required` key present. */
export function obj(path: string, v: unknown, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (!isRecord(v)) throw typeErr(path, 'an object', v);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) throw rangeErr(path, `unknown field ${show(key)} (accepted: ${allowed.join(', ')})`);
  }
  for (const key of required) if (!(key in v) || v[key] === undefined) throw typeErr(`${path}.${key}`, 'a value (required field)', undefined);
  return v;
}

export function arr(path: string, v: unknown, max: number): unknown[] {
  if (!Array.isArray(v)) throw typeErr(path, 'an array', v);
  if (v.length > max) throw rangeErr(path, `has ${v.length} entries (at most ${max})`);
  return v;
}

export function int(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw typeErr(path, 'an integer', v);
  if (!Number.isInteger(v)) throw rangeErr(path, `${show(v)} is not an integer`);
  if (v < min || v > max) throw rangeErr(path, `${v} out of range (accepted: ${min}..${max})`);
  return v;
}

const quoted = DTYPE_NAMES.map((d) => JSON.stringify(d));
const dtypeChoice = `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;

export function dtype(path: string, v: unknown): PlanDType {
  if ((DTYPE_NAMES as readonly unknown[]).includes(v)) return v as PlanDType;
  if (typeof v !== 'string') throw typeErr(path, dtypeChoice, v);
  throw rangeErr(path, `unknown dtype ${show(v)} (accepted: ${quoted.join(', ')})`);
}

/** A key of `table` (op, reduction or leaf kind name). */
export function enumOf<K extends string>(path: string, v: unknown, table: Record<K, unknown>, what: string): K {
  if (typeof v !== 'string') throw typeErr(path, `${what} name`, v);
  if (!Object.prototype.hasOwnProperty.call(table, v)) throw rangeErr(path, `unknown ${what} ${show(v)} (accepted: ${Object.keys(table).join(', ')})`);
  return v as K;
}

export function intList(path: string, v: unknown, length: number | undefined, min: number, max: number, maxLength: number = PLAN_LIMITS.maxDims): number[] {
  const a = arr(path, v, maxLength);
  if (length !== undefined && a.length !== length) throw rangeErr(path, `has ${a.length} entries, expected ${length} (one per stage axis)`);
  return a.map((x, i) => int(`${path}[${i}]`, x, min, max));
}

/** A buffer, output or stage name (also checked by exportPlan for the names it is given). */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`${what} must be a string, got ${describeValue(name)}`);
  if (name.length === 0 || name.length > PLAN_LIMITS.maxNameLength) {
    throw new RangeError(`${what} must be a non-empty string of at most ${PLAN_LIMITS.maxNameLength} characters, got ${name.length} characters`);
  }
  return name;
}
