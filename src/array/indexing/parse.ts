// x.get(...)'s arguments → a list of typed index items. JS has no `x[0:10, ::2]`, so items come
// as objects (numbers, slice(...), null, '...', integer lists/TypedArrays/arrays, boolean masks)
// or as strings in NumPy's subscript syntax, which are parsed into the same items.
import { describe } from '../../errors.js';
import { type DType, isInteger } from '../dtype.js';
import { Slice } from './slice.js';

/** A lazy array used as an index (an NDArray): only its shape and dtype are needed here. */
export interface IndexArrayLike {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** The integer TypedArrays accepted as take indices (a Uint8Array is integers, as in NumPy). */
export type IntegerTypedArray =
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** What one argument of x.get(...) may be. */
export type IndexInput =
  | number
  | bigint
  | Slice
  | null
  | string
  | readonly number[]
  | readonly bigint[]
  | readonly boolean[]
  | IntegerTypedArray
  | IndexArrayLike;

/** One parsed index item; `take` and `mask` are represented here and lowered later. */
export type IndexItem =
  | { readonly kind: 'integer'; readonly index: number }
  | { readonly kind: 'slice'; readonly slice: Slice }
  | { readonly kind: 'newaxis' }
  | { readonly kind: 'ellipsis' }
  /** An integer list on one axis: `values` when known here, else the lazy `array` (1-d). */
  | { readonly kind: 'take'; readonly length: number; readonly values: readonly number[] | null; readonly array: IndexArrayLike | null }
  /** A boolean mask over `shape.length` axes: `values` for a JS boolean list, else the lazy `array`. */
  | { readonly kind: 'mask'; readonly shape: readonly number[]; readonly values: readonly boolean[] | null; readonly array: IndexArrayLike | null };

const ACCEPTED =
  'only integers, slices (start:stop:step or slice(...)), an ellipsis (...), None/newaxis/null (new axis) ' +
  'and integer or boolean arrays are valid indices';

const INTEGER_ARRAYS = [Int8Array, Int16Array, Int32Array, BigInt64Array, Uint8Array, Uint16Array, Uint32Array, BigUint64Array];

function toSafeInteger(what: string, value: number | bigint): number {
  const n = Number(value);
  if (typeof value === 'bigint' ? BigInt(n) !== value || !Number.isSafeInteger(n) : !Number.isSafeInteger(n)) {
    const err = typeof value === 'number' && !Number.isInteger(value) ? TypeError : RangeError;
    throw new err(`${what} is ${describe(typeof value === 'bigint' ? `${value}n` : value)}: ${ACCEPTED} (integers within ±2^53)`);
  }
  return n;
}

function isIndexArrayLike(value: object): value is IndexArrayLike {
  const v = value as { shape?: unknown; dtype?: unknown };
  return Array.isArray(v.shape) && typeof v.dtype === 'string';
}

function parseArrayLike(what: string, a: IndexArrayLike): IndexItem {
  if (a.dtype === 'bool') return { kind: 'mask', shape: [...a.shape], values: null, array: a };
  if (!isInteger(a.dtype)) throw new TypeError(`${what} is an array of dtype ${a.dtype}: ${ACCEPTED}`);
  if (a.shape.length !== 1) {
    throw new TypeError(`${what} is a ${a.shape.length}-d integer array: only a 1-d integer array (a take on one axis) is supported`);
  }
  return { kind: 'take', length: a.shape[0]!, values: null, array: a };
}

function parseList(what: string, list: readonly unknown[]): IndexItem {
  if (list.length > 0 && list.every((v) => typeof v === 'boolean')) {
    return { kind: 'mask', shape: [list.length], values: list as readonly boolean[], array: null };
  }
  const values = list.map((v, i) => {
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      throw new TypeError(`${what}[${i}] is ${describe(v)}: an index list holds only integers (a take) or only booleans (a mask)`);
    }
    return toSafeInteger(`${what}[${i}]`, v);
  });
  return { kind: 'take', length: values.length, values, array: null };
}

/** Parses one argument of x.get(...); `what` names it in error messages. */
export function parseIndexItem(what: string, value: IndexInput | undefined): IndexItem[] {
  if (value === null) return [{ kind: 'newaxis' }];
  // undefined is more likely a missing variable than a request for a new axis.
  if (value === undefined) throw new TypeError(`${what} is undefined: use null for a new axis; ${ACCEPTED}`);
  if (typeof value === 'number' || typeof value === 'bigint') return [{ kind: 'integer', index: toSafeInteger(what, value) }];
  if (typeof value === 'string') return parseSubscript(value);
  if (value instanceof Slice) return [{ kind: 'slice', slice: value }];
  if (Array.isArray(value)) return [parseList(what, value)];
  if (INTEGER_ARRAYS.some((C) => value instanceof C)) {
    const list = Array.from(value as ArrayLike<number | bigint>);
    return [{ kind: 'take', length: list.length, values: list.map((v, i) => toSafeInteger(`${what}[${i}]`, v)), array: null }];
  }
  if (typeof value === 'object' && isIndexArrayLike(value)) return [parseArrayLike(what, value)];
  throw new TypeError(`${what} is ${describe(value)}: ${ACCEPTED}`);
}

const INT = String.raw`[+-]?\s*\d+`;
const INT_RE = new RegExp(`^${INT}$`);
const SLICE_RE = new RegExp(String.raw`^(${INT})?\s*:\s*(${INT})?\s*(?::\s*(${INT})?)?$`);

const readInt = (s: string | undefined): number | null =>
  s === undefined ? null : toSafeInteger(`subscript integer ${JSON.stringify(s)}`, Number(s.replace(/\s+/g, '')));

// Split at commas outside brackets, so '[3, 1], 0' is two items.
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function parseSubscriptItem(text: string, item: string, position: number): IndexItem {
  const what = `subscript ${JSON.stringify(text)} item ${position} (${JSON.stringify(item)})`;
  if (item === '...' || item === 'Ellipsis') return { kind: 'ellipsis' };
  if (item === 'None' || item === 'newaxis' || item === 'np.newaxis') return { kind: 'newaxis' };
  if (INT_RE.test(item)) return { kind: 'integer', index: readInt(item)! };
  const m = SLICE_RE.exec(item);
  if (m) {
    const step = readInt(m[3]);
    if (step === 0) throw new RangeError(`${what}: slice step cannot be zero (use a non-zero integer, or leave it empty for 1)`);
    return { kind: 'slice', slice: new Slice(readInt(m[1]), readInt(m[2]), step) };
  }
  if (item.startsWith('[') && item.endsWith(']')) {
    const inner = item.slice(1, -1).trim();
    const elems = inner === '' ? [] : inner.split(',').map((e) => e.trim());
    if (elems.every((e) => e === 'True' || e === 'False') && elems.length > 0) {
      return { kind: 'mask', shape: [elems.length], values: elems.map((e) => e === 'True'), array: null };
    }
    if (elems.every((e) => INT_RE.test(e))) {
      const values = elems.map((e) => readInt(e)!);
      return { kind: 'take', length: values.length, values, array: null };
    }
  }
  throw new TypeError(`${what} is not a valid index: ${ACCEPTED}`);
}

/**
 * Parses NumPy's subscript syntax (`'0:10, ::2, 3, ..., None'`, `'-1'`, `'::-1'`, `'[3, 1, 4]'`)
 * into index items. `''` and `'()'` are the empty tuple (`x[()]`); a trailing comma is allowed.
 * Errors: TypeError for anything that is not an index (a float, garbage), RangeError for step 0.
 */
export function parseSubscript(text: string): IndexItem[] {
  const body = text.trim();
  if (body === '' || body === '()') return [];
  const parts = splitTopLevel(body).map((p) => p.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p, i) => {
    if (p === '') throw new TypeError(`subscript ${JSON.stringify(text)} has an empty item at position ${i}: ${ACCEPTED}`);
    return parseSubscriptItem(text, p, i);
  });
}

/**
 * Parses all arguments of x.get(...) into one item list. Strings are subscripts and may sit among
 * other items (`x.get('...', slice(2), 0)`). More than one Ellipsis is a TypeError, as NumPy's
 * "an index can only have a single ellipsis".
 */
export function parseIndex(args: readonly (IndexInput | undefined)[]): IndexItem[] {
  const items = args.flatMap((a, i) => parseIndexItem(`index item ${i}`, a));
  if (items.filter((it) => it.kind === 'ellipsis').length > 1) {
    throw new TypeError(`an index can only have a single ellipsis ('...'), got ${items.filter((it) => it.kind === 'ellipsis').length}`);
  }
  return items;
}
