// The dtype vocabulary of typed arrays (issue 14): names, sizes, kinds, the TypedArray of each
// dtype, and NumPy's promotion and casting rules with JS numbers as NumPy 2's weak scalars
// (NEP 50). Self-contained: the engine's typed registers are built on it.
//
// Reference: test/fixtures/numpy/dtype.json (NumPy 1.24 with weak promotion) and
// dtype-numpy2-diff.json (where NumPy 2 answers differently), from scripts/fixtures/numpy_dtype.py.
// Where the two differ, this file follows NumPy 2.

import { describe } from '../errors.js';

/** The dtypes an array can have, in NumPy's names. */
export const DTYPES = [
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64',
] as const;
/**
 * An array's element type, in NumPy's names: `'bool'`, `'int8'`, `'int16'`, `'int32'`, `'int64'`,
 * `'uint8'`, `'uint16'`, `'uint32'`, `'uint64'`, `'float32'` or `'float64'` (see {@link DTYPES}).
 * Another string where a dtype is expected is a TypeError listing these.
 */
export type DType = (typeof DTYPES)[number];

/** NumPy's `dtype.kind`: boolean, signed integer, unsigned integer, floating point. */
export type DTypeKind = 'b' | 'i' | 'u' | 'f';

export type SignedDType = 'int8' | 'int16' | 'int32' | 'int64';
export type UnsignedDType = 'uint8' | 'uint16' | 'uint32' | 'uint64';
export type IntegerDType = SignedDType | UnsignedDType;
/**
 * The floating-point dtypes (NumPy's `float32` and `float64`): what random numbers, matrix products
 * and the float ufuncs of integer input produce.
 */
export type FloatDType = 'float32' | 'float64';
/** Dtypes whose elements reach JS as `bigint` (their TypedArrays are BigInt64Array/BigUint64Array). */
export type BigIntDType = 'int64' | 'uint64';

interface DTypeInfo {
  readonly kind: DTypeKind;
  readonly itemsize: 1 | 2 | 4 | 8;
}

const INFO: { readonly [D in DType]: DTypeInfo } = {
  bool: { kind: 'b', itemsize: 1 },
  int8: { kind: 'i', itemsize: 1 },
  int16: { kind: 'i', itemsize: 2 },
  int32: { kind: 'i', itemsize: 4 },
  int64: { kind: 'i', itemsize: 8 },
  uint8: { kind: 'u', itemsize: 1 },
  uint16: { kind: 'u', itemsize: 2 },
  uint32: { kind: 'u', itemsize: 4 },
  uint64: { kind: 'u', itemsize: 8 },
  float32: { kind: 'f', itemsize: 4 },
  float64: { kind: 'f', itemsize: 8 },
};

const DTYPE_SET: ReadonlySet<string> = new Set(DTYPES);

/** Whether `value` is one of the dtype names. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && DTYPE_SET.has(value);
}

/** `value` as a dtype, or a TypeError naming `name` and listing the accepted dtypes. */
export function checkDType(name: string, value: unknown): DType {
  if (isDType(value)) return value;
  throw new TypeError(`${name} must be one of the dtypes ${DTYPES.join(', ')}; got ${describe(value)}`);
}

export function itemsize(dtype: DType): 1 | 2 | 4 | 8 {
  return INFO[dtype].itemsize;
}

export function kind(dtype: DType): DTypeKind {
  return INFO[dtype].kind;
}

export function isInteger(dtype: DType): dtype is IntegerDType {
  const k = INFO[dtype].kind;
  return k === 'i' || k === 'u';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return INFO[dtype].kind === 'f';
}

export function isBigIntDType(dtype: DType): dtype is BigIntDType {
  return dtype === 'int64' || dtype === 'uint64';
}

/** The smallest and largest value of an integer dtype (bool: 0 and 1), exactly. */
export function integerBounds(dtype: IntegerDType | 'bool'): { readonly min: bigint; readonly max: bigint } {
  if (dtype === 'bool') return { min: 0n, max: 1n };
  const bits = BigInt(INFO[dtype].itemsize * 8);
  return INFO[dtype].kind === 'u'
    ? { min: 0n, max: (1n << bits) - 1n }
    : { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n };
}

// ---- TypedArrays --------------------------------------------------------------------------

/** The TypedArray holding a dtype's elements. bool is a Uint8Array of 0/1. */
export interface TypedArrayMap {
  /** `bool`: one byte per element, 0 or 1. */
  bool: Uint8Array;
  /** `int8`: signed 8-bit integers. */
  int8: Int8Array;
  /** `int16`: signed 16-bit integers. */
  int16: Int16Array;
  /** `int32`: signed 32-bit integers. */
  int32: Int32Array;
  /** `int64`: signed 64-bit integers, read as `bigint`. */
  int64: BigInt64Array;
  /** `uint8`: unsigned 8-bit integers. */
  uint8: Uint8Array;
  /** `uint16`: unsigned 16-bit integers. */
  uint16: Uint16Array;
  /** `uint32`: unsigned 32-bit integers. */
  uint32: Uint32Array;
  /** `uint64`: unsigned 64-bit integers, read as `bigint`. */
  uint64: BigUint64Array;
  /** `float32`: IEEE 754 single precision. */
  float32: Float32Array;
  /** `float64`: IEEE 754 double precision (JS numbers). */
  float64: Float64Array;
}
/**
 * The TypedArray class holding dtype `D`'s elements, e.g. `TypedArrayOf<'int32'>` is `Int32Array`
 * (see {@link TypedArrayMap}); `DenseArray<D>.data` has this type.
 */
export type TypedArrayOf<D extends DType> = TypedArrayMap[D];
/** Any TypedArray an array's data can be. */
export type DTypeTypedArray = TypedArrayMap[DType];

interface TypedArrayConstructorMap {
  bool: Uint8ArrayConstructor;
  int8: Int8ArrayConstructor;
  int16: Int16ArrayConstructor;
  int32: Int32ArrayConstructor;
  int64: BigInt64ArrayConstructor;
  uint8: Uint8ArrayConstructor;
  uint16: Uint16ArrayConstructor;
  uint32: Uint32ArrayConstructor;
  uint64: BigUint64ArrayConstructor;
  float32: Float32ArrayConstructor;
  float64: Float64ArrayConstructor;
}
export type TypedArrayConstructorOf<D extends DType> = TypedArrayConstructorMap[D];

const CONSTRUCTORS: { readonly [D in DType]: TypedArrayConstructorMap[D] } = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The TypedArray class of a dtype (`typedArrayClass('int64') === BigInt64Array`). */
export function typedArrayClass<D extends DType>(dtype: D): TypedArrayConstructorOf<D> {
  return CONSTRUCTORS[dtype];
}

/** The element type a dtype's TypedArray reads and writes: bigint for 64-bit integers. */
export type ElementOf<D extends DType> = D extends BigIntDType ? bigint : number;

/**
 * The dtype of a TypedArray type. A Uint8Array is uint8 (bool data is a Uint8Array too, chosen
 * explicitly with `{ dtype: 'bool' }`). Told apart by `Symbol.toStringTag`, which TypeScript types
 * as a distinct literal per class.
 */
export type DTypeOfTypedArray<T extends DTypeTypedArray> = {
  Int8Array: 'int8';
  Int16Array: 'int16';
  Int32Array: 'int32';
  BigInt64Array: 'int64';
  Uint8Array: 'uint8';
  Uint16Array: 'uint16';
  Uint32Array: 'uint32';
  BigUint64Array: 'uint64';
  Float32Array: 'float32';
  Float64Array: 'float64';
}[T[typeof Symbol.toStringTag]];

const BY_TAG: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['Int8Array', 'int8'], ['Int16Array', 'int16'], ['Int32Array', 'int32'], ['BigInt64Array', 'int64'],
  ['Uint8Array', 'uint8'], ['Uint16Array', 'uint16'], ['Uint32Array', 'uint32'], ['BigUint64Array', 'uint64'],
  ['Float32Array', 'float32'], ['Float64Array', 'float64'],
]);

/**
 * The dtype of a TypedArray's elements (`Int16Array` → 'int16', `BigInt64Array` → 'int64',
 * `Uint8Array` → 'uint8'). Uint8ClampedArray and other views are a TypeError: NumPy has no
 * clamped dtype, and guessing would change what stores into the array mean.
 */
export function dtypeOfTypedArray<T extends DTypeTypedArray>(array: T): DTypeOfTypedArray<T>;
export function dtypeOfTypedArray(array: unknown): DType;
export function dtypeOfTypedArray(array: unknown): DType {
  // The realm-independent tag, so arrays from worker threads or vm contexts are recognised too.
  const tag = ArrayBuffer.isView(array) ? Object.prototype.toString.call(array).slice(8, -1) : undefined;
  const dtype = tag === undefined ? undefined : BY_TAG.get(tag);
  if (dtype === undefined) {
    throw new TypeError(
      `array must be one of ${[...BY_TAG.keys()].join(', ')}; got ${tag === undefined ? describe(array) : `a ${tag}`}`,
    );
  }
  return dtype;
}

// ---- Promotion (np.result_type, NEP 50) ---------------------------------------------------

/** A JS value taking part in promotion as a weak scalar (a Python scalar in NEP 50's terms). */
export type WeakScalar = number | bigint | boolean;
/** An operand of promotion: an array's dtype, something carrying one (an NDArray), or a weak scalar. */
export type Operand = DType | { readonly dtype: DType } | WeakScalar;

/** The kind category of NEP 50: bool < integral < inexact. Signed and unsigned are one category. */
type Category = 0 | 1 | 2;
const CATEGORY: { readonly [K in DTypeKind]: Category } = { b: 0, i: 1, u: 1, f: 2 };
/** The dtype a weak scalar takes when it is the highest category (NumPy's defaults on 64-bit). */
const DEFAULT_OF: readonly DType[] = ['bool', 'int64', 'float64'];

/**
 * The weak category of a JS scalar: booleans are Python bools; bigints and integer-valued numbers
 * are Python ints; other numbers (fractions, NaN, ±Infinity) are Python floats. JS cannot tell 3
 * from 3.0, so `int8 array + 3.0` stays int8 where NumPy's `+ 3.0` gives float64; with a float
 * array the two agree.
 */
export function weakCategory(value: WeakScalar): 'bool' | 'int' | 'float' {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint' || Number.isInteger(value)) return 'int';
  return 'float';
}

function categoryOf(value: WeakScalar): Category {
  const c = weakCategory(value);
  return c === 'bool' ? 0 : c === 'int' ? 1 : 2;
}

/** Value bits an integer dtype needs (sign excluded): what a float's significand must hold. */
function valueBits(dtype: IntegerDType): number {
  return INFO[dtype].itemsize * 8 - (INFO[dtype].kind === 'i' ? 1 : 0);
}

const SIGNIFICAND_BITS: { readonly [F in FloatDType]: number } = { float32: 24, float64: 53 };
const SIGNED_BY_SIZE: readonly SignedDType[] = ['int8', 'int16', 'int32', 'int64'];
const FLOATS: readonly FloatDType[] = ['float32', 'float64'];

/** The smallest float that holds every value of an integer dtype; 64-bit integers go to float64
 * although it cannot hold them all (NumPy's practical choice, NEP 50's figure). */
function floatFor(dtype: IntegerDType): FloatDType {
  if (INFO[dtype].itemsize === 8) return 'float64';
  return FLOATS.find((f) => SIGNIFICAND_BITS[f] >= valueBits(dtype)) ?? 'float64';
}

/** Two dtypes' common dtype, from kinds and sizes: the lattice of NumPy's `promote_types`. */
function promotePair(a: DType, b: DType): DType {
  if (a === b) return a;
  const ka = INFO[a].kind;
  const kb = INFO[b].kind;
  if (ka === 'b') return b;
  if (kb === 'b') return a;
  if (ka === 'f' && kb === 'f') return INFO[a].itemsize >= INFO[b].itemsize ? a : b;
  if (ka === 'f' || kb === 'f') {
    const [f, i] = (ka === 'f' ? [a, b] : [b, a]) as [FloatDType, IntegerDType];
    const need = floatFor(i);
    return SIGNIFICAND_BITS[f] >= SIGNIFICAND_BITS[need] ? f : need;
  }
  if (ka === kb) return INFO[a].itemsize >= INFO[b].itemsize ? a : b;
  // Signed with unsigned: the smallest signed type holding both ranges; none for uint64.
  const [s, u] = (ka === 'i' ? [a, b] : [b, a]) as [SignedDType, UnsignedDType];
  const wanted = Math.max(valueBits(s), valueBits(u));
  return SIGNED_BY_SIZE.find((d) => valueBits(d) >= wanted) ?? 'float64';
}

// The 11×11 table, computed once from the rules above.
const PROMOTION: ReadonlyMap<DType, ReadonlyMap<DType, DType>> = new Map(
  DTYPES.map((a) => [a, new Map(DTYPES.map((b) => [b, promotePair(a, b)]))]),
);

/** NumPy's `np.promote_types(a, b)` for two dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  const row = PROMOTION.get(checkDType('a', a));
  return row!.get(checkDType('b', b))!;
}

/**
 * Several dtypes' common dtype, as NumPy's `result_type`, which is not a fold of the pairwise
 * table: (int8, uint16, float32) is float32, where folding gives int32 and then float64. NumPy
 * lets the widest float promote with each operand on its own; matches every 3- and 4-tuple.
 */
function promoteSequence(dtypes: readonly DType[]): DType | undefined {
  let widestFloat: DType | undefined;
  for (const d of dtypes) {
    if (isFloat(d) && (widestFloat === undefined || itemsize(d) > itemsize(widestFloat))) widestFloat = d;
  }
  const lifted = widestFloat === undefined ? dtypes : dtypes.map((d) => promoteTypes(widestFloat!, d));
  return lifted.reduce<DType | undefined>((acc, d) => (acc === undefined ? d : promoteTypes(acc, d)), undefined);
}

function operandDType(operand: Operand, index: number): DType | WeakScalar {
  if (typeof operand === 'number' || typeof operand === 'bigint' || typeof operand === 'boolean') return operand;
  if (typeof operand === 'string') return checkDType(`operand ${index}`, operand);
  if (typeof operand === 'object' && operand !== null && 'dtype' in operand) {
    return checkDType(`operand ${index}.dtype`, operand.dtype);
  }
  throw new TypeError(
    `operand ${index} must be a dtype name, an object with a dtype, or a number/bigint/boolean; got ${describe(operand)}`,
  );
}

/**
 * NumPy 2's `np.result_type(...)`: the dtype operations on these operands compute in. Dtypes (and
 * arrays) promote along the lattice; JS scalars are weak (NEP 50): they never widen an array of
 * their category or a higher one (`int8` with 1000 → int8, `float32` with 0.1 → float32), and
 * only lift the result to their category's default dtype when they are of a higher category
 * (`int8` with 2.5 → float64, `bool` with 3 → int64). Values never matter: whether a weak integer
 * fits is the operation's business (see {@link checkWeakScalar}). Only scalars: their defaults.
 */
export function resultType(...operands: readonly Operand[]): DType {
  if (operands.length === 0) throw new TypeError('resultType needs at least one operand');
  const dtypes: DType[] = [];
  let weak: Category | undefined;
  for (const [i, operand] of operands.entries()) {
    const d = operandDType(operand, i);
    if (typeof d === 'string') dtypes.push(d);
    else weak = Math.max(weak ?? 0, categoryOf(d)) as Category;
  }
  const strong = promoteSequence(dtypes);
  if (weak === undefined) return strong!;
  if (strong === undefined) return DEFAULT_OF[weak]!;
  return weak > CATEGORY[INFO[strong].kind] ? promoteTypes(strong, DEFAULT_OF[weak]!) : strong;
}

/**
 * The RangeError NumPy 2 raises as OverflowError when a weak integer does not fit the dtype it is
 * converted to (`uint8 array + 300`, `uint8 array + -1`, `bool array + 2**64`, since bool with an
 * int computes in int64). NumPy 1.24's weak mode raised the same, except for bool arrays (it gave
 * object arrays). Floats take any number (out of range is ±Infinity, as NumPy). `name` names the
 * argument in the message.
 */
export function checkWeakScalar(value: WeakScalar, dtype: DType, name = 'scalar'): void {
  if (typeof value === 'boolean' || weakCategory(value) !== 'int') return;
  const d = checkDType('dtype', dtype);
  if (!isInteger(d) && d !== 'bool') return;
  const { min, max } = integerBounds(d);
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big < min || big > max) {
    throw new RangeError(
      `${name} = ${String(value)} is out of bounds for ${d} (accepted: integers in [${min}, ${max}]); ` +
        'NumPy 2 raises OverflowError here: cast the array first (astype) or pass a float',
    );
  }
}

/**
 * The dtype of an arithmetic operation (`add`, `multiply`, …) on these operands, as NumPy 2: the
 * result type, after checking every weak integer fits it (RangeError otherwise).
 */
export function arithmeticType(...operands: readonly Operand[]): DType {
  const r = resultType(...operands);
  operands.forEach((operand, i) => {
    if (typeof operand === 'number' || typeof operand === 'bigint') checkWeakScalar(operand, r, `operand ${i}`);
  });
  return r;
}

/**
 * How a comparison of an array of `dtype` with a weak integer must run, as NumPy 2: 'compare' in
 * the promoted dtype, or, for an integer array and an integer out of its range, a constant answer
 * ('below': the scalar is less than every element; 'above': greater). NumPy 1.24's weak mode
 * raised OverflowError for those instead. A bool array compares in int64 and raises (RangeError)
 * for integers outside int64, as NumPy 2.
 */
export function weakIntComparison(dtype: DType, value: bigint | number): 'compare' | 'below' | 'above' {
  const d = checkDType('dtype', dtype);
  if (weakCategory(value) !== 'int') return 'compare';
  if (d === 'bool') {
    checkWeakScalar(value, 'int64', 'scalar');
    return 'compare';
  }
  if (!isInteger(d)) return 'compare';
  const { min, max } = integerBounds(d);
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big < min ? 'below' : big > max ? 'above' : 'compare';
}

/**
 * The dtype of true division (`divide`, `/`), as NumPy: the result type if it is a float, else
 * float64 (integers and bools divide in float64: `int8 / int8` is float64, `int16 / float32` is
 * float32).
 */
export function trueDivideType(...operands: readonly Operand[]): DType {
  const r = resultType(...operands);
  return isFloat(r) ? r : 'float64';
}

// ---- Casting (np.can_cast) ----------------------------------------------------------------

export const CASTINGS = ['no', 'equiv', 'safe', 'same_kind', 'unsafe'] as const;
export type Casting = (typeof CASTINGS)[number];

/**
 * NumPy's `np.can_cast(from, to, casting)` for dtypes. 'no'/'equiv': the same dtype (byte order is
 * always native here); 'safe': every value survives, i.e. promotion already lands on `to`;
 * 'same_kind': NumPy's kind order b < u < i < f is not descended, so any size within a kind
 * (float64 → float32, int64 → int8) and unsigned → signed, but not int8 → uint8 or float → int;
 * 'unsafe': anything.
 */
const KIND_ORDER: { readonly [K in DTypeKind]: number } = { b: 0, u: 1, i: 2, f: 3 };

export function canCast(from: DType, to: DType, casting: Casting = 'safe'): boolean {
  const f = checkDType('from', from);
  const t = checkDType('to', to);
  if (!(CASTINGS as readonly string[]).includes(casting)) {
    throw new TypeError(`casting must be one of ${CASTINGS.join(', ')}; got ${describe(casting)}`);
  }
  switch (casting) {
    case 'no':
    case 'equiv':
      return f === t;
    case 'safe':
      return promoteTypes(f, t) === t;
    case 'same_kind':
      return KIND_ORDER[INFO[f].kind] <= KIND_ORDER[INFO[t].kind];
    case 'unsafe':
      return true;
  }
}
