// Type-level dtype and rank rules of the public API (issue 14 item 1, issue 19 item 3): what
// NDArray<D, R>'s methods return as types. Types only, apart from PROMOTION_TABLE, which a test
// checks cell by cell against dtype.ts's runtime promoteTypes. The runtime rules live in expr.ts
// and dtype.ts; these mirror NumPy's (the project's reference) and must be kept in step with them.
//
// Rank: R is the number of dimensions when the type system knows it (a literal: 0, 1, 2 …) and
// `number` when it does not (a shape held in a `number[]` variable, a reshape, an index). Only
// whether R is 0, a known positive literal or unknown changes compute()'s type: 0-d computes to a
// scalar (number, or bigint for int64/uint64), a known n-d rank to a DenseArray<D>, an unknown
// rank to the union of the two.
import type { DType, ElementOf, FloatDType } from './dtype.js';
import type { DenseArray } from './dense.js';
import type { NDArray } from './ndarray.js';

export type { DType, ElementOf, TypedArrayOf } from './dtype.js';

/** What `compute()` of an array of dtype D and rank R gives. */
export type ComputeResult<D extends DType, R extends number> = R extends 0
  ? ElementOf<D>
  : number extends R
    ? ElementOf<D> | DenseArray<D>
    : DenseArray<D>;

/** The dtype of a TypedArray's elements (Uint8Array is uint8; pass `dtype: 'bool'` for masks). */
export type DTypeOfData<T> = T extends Float64Array
  ? 'float64'
  : T extends Float32Array
    ? 'float32'
    : T extends BigInt64Array
      ? 'int64'
      : T extends BigUint64Array
        ? 'uint64'
        : T extends Int32Array
          ? 'int32'
          : T extends Uint32Array
            ? 'uint32'
            : T extends Int16Array
              ? 'int16'
              : T extends Uint16Array
                ? 'uint16'
                : T extends Int8Array
                  ? 'int8'
                  : T extends Uint8Array | Uint8ClampedArray
                    ? 'uint8'
                    : 'float64';

// ---- rank arithmetic (small literal ranks; anything else is `number`) -----------------------

type Tuple<N extends number, T extends unknown[] = []> = T['length'] extends N ? T : T['length'] extends 32 ? unknown[] : Tuple<N, [...T, unknown]>;

/** The rank of a shape: its length when it is a tuple type, else `number`. */
export type RankOf<S extends readonly number[]> = S['length'];

/** The rank of a broadcast of two ranks: the larger one. */
export type BroadcastRank<A extends number, B extends number> = number extends A
  ? number
  : number extends B
    ? number
    : Tuple<A> extends [...Tuple<B>, ...unknown[]]
      ? A
      : B;

/** R - K for literal ranks (`number` when either is unknown or K > R). */
export type SubRank<R extends number, K extends number> = number extends R
  ? number
  : number extends K
    ? number
    : Tuple<R> extends [...Tuple<K>, ...infer Rest]
      ? Rest['length']
      : number;

/** Options of a reduction as far as the result rank goes. */
interface RankOptions {
  axis?: number | readonly number[] | null | undefined;
  keepdims?: boolean | undefined;
}

/**
 * The rank after a reduction with these options: 0 without `axis` (or `axis: null`), R with
 * `keepdims: true`, R - 1 for one axis, `number` for a list of axes or options not known
 * literally (a variable of type ReduceOptions). (dtype and ddof are listed in the 0-d pattern so
 * that `{ dtype }` is not rejected by TypeScript's weak-type check.)
 */
export type ReducedRank<R extends number, O> = O extends {
  /** `keepdims: true`: the rank stays R. */
  keepdims: true;
}
  ? R
  : O extends {
    /** Omitted or null: all axes are reduced (rank 0). */
    axis?: null | undefined;
    /** Omitted or false. */
    keepdims?: false | undefined;
    /** Any dtype option (it does not change the rank). */
    dtype?: unknown;
    /** Any ddof option (it does not change the rank). */
    ddof?: unknown;
  }
    ? 0
    : O extends {
      /** One axis: the rank drops by one. */
      axis: number;
      /** Omitted or false. */
      keepdims?: false | undefined;
    }
      ? SubRank<R, 1>
      : number;
export type { RankOptions };

// ---- dtype rules ------------------------------------------------------------------------------

// NumPy's `np.promote_types(A, B)`, the table dtype.ts computes at run time (written out, as
// types cannot call it; test/types.test.ts checks every cell against promoteTypes).
type PT = {
  bool: { bool: 'bool'; int8: 'int8'; int16: 'int16'; int32: 'int32'; int64: 'int64'; uint8: 'uint8'; uint16: 'uint16'; uint32: 'uint32'; uint64: 'uint64'; float32: 'float32'; float64: 'float64' };
  int8: { bool: 'int8'; int8: 'int8'; int16: 'int16'; int32: 'int32'; int64: 'int64'; uint8: 'int16'; uint16: 'int32'; uint32: 'int64'; uint64: 'float64'; float32: 'float32'; float64: 'float64' };
  int16: { bool: 'int16'; int8: 'int16'; int16: 'int16'; int32: 'int32'; int64: 'int64'; uint8: 'int16'; uint16: 'int32'; uint32: 'int64'; uint64: 'float64'; float32: 'float32'; float64: 'float64' };
  int32: { bool: 'int32'; int8: 'int32'; int16: 'int32'; int32: 'int32'; int64: 'int64'; uint8: 'int32'; uint16: 'int32'; uint32: 'int64'; uint64: 'float64'; float32: 'float64'; float64: 'float64' };
  int64: { bool: 'int64'; int8: 'int64'; int16: 'int64'; int32: 'int64'; int64: 'int64'; uint8: 'int64'; uint16: 'int64'; uint32: 'int64'; uint64: 'float64'; float32: 'float64'; float64: 'float64' };
  uint8: { bool: 'uint8'; int8: 'int16'; int16: 'int16'; int32: 'int32'; int64: 'int64'; uint8: 'uint8'; uint16: 'uint16'; uint32: 'uint32'; uint64: 'uint64'; float32: 'float32'; float64: 'float64' };
  uint16: { bool: 'uint16'; int8: 'int32'; int16: 'int32'; int32: 'int32'; int64: 'int64'; uint8: 'uint16'; uint16: 'uint16'; uint32: 'uint32'; uint64: 'uint64'; float32: 'float32'; float64: 'float64' };
  uint32: { bool: 'uint32'; int8: 'int64'; int16: 'int64'; int32: 'int64'; int64: 'int64'; uint8: 'uint32'; uint16: 'uint32'; uint32: 'uint32'; uint64: 'uint64'; float32: 'float64'; float64: 'float64' };
  uint64: { bool: 'uint64'; int8: 'float64'; int16: 'float64'; int32: 'float64'; int64: 'float64'; uint8: 'uint64'; uint16: 'uint64'; uint32: 'uint64'; uint64: 'uint64'; float32: 'float64'; float64: 'float64' };
  float32: { bool: 'float32'; int8: 'float32'; int16: 'float32'; int32: 'float64'; int64: 'float64'; uint8: 'float32'; uint16: 'float32'; uint32: 'float64'; uint64: 'float64'; float32: 'float32'; float64: 'float64' };
  float64: { bool: 'float64'; int8: 'float64'; int16: 'float64'; int32: 'float64'; int64: 'float64'; uint8: 'float64'; uint16: 'float64'; uint32: 'float64'; uint64: 'float64'; float32: 'float64'; float64: 'float64' };
};

/** NumPy's `np.promote_types(A, B)` as a type (distributes over unions). */
export type PromoteTypes<A extends DType, B extends DType> = PT[A][B];

/** Whether a number literal type is an integer (JS cannot tell 3 from 3.0: both are integers). */
export type NumberClass<N extends number> = number extends N
  ? 'unknown'
  : `${N}` extends `${string}.${string}` | `${string}e-${string}` | 'NaN' | 'Infinity' | '-Infinity'
    ? 'float'
    : 'int';
/** true for an integer literal, false for a fraction, boolean for `number`. */
export type IsIntegerLiteral<N extends number> = {
  /** An integer literal. */
  int: true;
  /** A fraction literal. */
  float: false;
  /** `number`: either. */
  unknown: boolean;
}[NumberClass<N>];

// The rules below are lookup tables indexed by the array's dtype (and rank), not conditional
// types on it: TypeScript can then see that NDArray<'float64', 2> is an NDArray<DType, number>
// (a conditional type that tests D or R inside a generic method's return type defeats that).

/** `array(D) op number`, by the number's class (NEP 50 weak scalars, dtype.ts resultType). */
type WeakT = {
  [A in DType]: {
    int: A extends FloatDType ? A : A extends 'bool' ? 'int64' : A;
    float: A extends FloatDType ? A : 'float64';
    unknown: A extends FloatDType ? A : A extends 'bool' ? 'int64' | 'float64' : A | 'float64';
  };
};

/**
 * The dtype of `array(D) op number` with the number weak (NEP 50, dtype.ts resultType): a float
 * array keeps its dtype; an integer array keeps it for an integer, becomes float64 for a fraction;
 * a bool array becomes int64 / float64. A `number` that is not a literal gives both possibilities.
 */
export type WeakPromote<D extends DType, N extends number> = WeakT[D][NumberClass<N>];

/**
 * The float dtype a float function (exp, sqrt, …) of D computes in: floats keep theirs; integers
 * and bool get the smallest float that holds their values (NumPy gives float16 for bool/int8/uint8,
 * which tessera does not have: float32).
 */
export type FloatResult<D extends DType> = FloatT[D];
/** Dtypes that cast safely to float32 (NumPy's float16 loop's inputs and float32 itself): FloatT's and FloatPairT's one list. */
type SmallFloatInput = 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'float32';
type FloatT = { [A in DType]: A extends FloatDType ? A : A extends SmallFloatInput ? 'float32' : 'float64' };

/** True division: the promoted dtype if it is a float, else float64 (NumPy: int8 / int8 is float64). */
type DivT = { [A in DType]: { [B in DType]: PT[A][B] extends FloatDType ? PT[A][B] : 'float64' } };
type DivWeakT = { [A in DType]: A extends FloatDType ? A : 'float64' };

/**
 * A second operand of a binary operation: an array, a JS number or a bigint (both weak scalars,
 * NEP 50; a bigint is a Python int: exact, and the array's dtype is kept).
 */
export type OperandLike = NDArray<DType, number> | number | bigint;

/** The dtype of `D op other` for an arithmetic operation (add, mul, maximum, mod, …). */
export type ArithmeticDType<D extends DType, O> = O extends number
  ? WeakT[D][NumberClass<O>]
  : O extends bigint
    ? WeakT[D]['int']
  : O extends NDArray<infer U, number>
    ? PT[D][U]
    : never;

/** The dtype of true division (integers divide in float64). */
export type TrueDivideDType<D extends DType, O> = O extends number | bigint
  ? DivWeakT[D]
  : O extends NDArray<infer U, number>
    ? DivT[D][U]
    : never;

type FloatPairT = { [A in DType]: { [B in DType]: A extends SmallFloatInput ? (B extends SmallFloatInput ? 'float32' : 'float64') : 'float64' } };
/**
 * The dtype of the float-valued binary functions (arctan2, hypot, copysign): NumPy's first float
 * loop both arrays cast to safely (arctan2(int8, uint16) is float32, though int8 + uint16 is int32);
 * with a weak scalar, the float loop of the promoted dtype.
 */
export type FloatFunctionDType<D extends DType, O> = O extends number
  ? FloatT[WeakT[D][NumberClass<O>]]
  : O extends bigint
    ? FloatT[WeakT[D]['int']]
    : O extends NDArray<infer U, number>
      ? FloatPairT[D][U]
      : never;

type SmallRank = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
type BroadcastRow<A extends number> = number extends A
  ? { [k: number]: number }
  : { [B in SmallRank]: BroadcastRank<A, B> } & { [k: number]: number };

/** The rank of `x op other`. */
export type OperandRank<R extends number, O> = O extends number | bigint
  ? R
  : O extends NDArray<DType, infer Q>
    ? BroadcastRow<R>[Q]
    : number;

/** dtypes a sum/prod accumulates into (NumPy: bool and small signed ints to int64, unsigned to uint64). */
export type SumDType<D extends DType> = D extends FloatDType | 'int64' | 'uint64'
  ? D
  : D extends 'uint8' | 'uint16' | 'uint32'
    ? 'uint64'
    : 'int64';

/** The dtype of a mean/var/std: floats keep theirs, integers and bool are float64. */
export type MeanDType<D extends DType> = D extends FloatDType ? D : 'float64';

/** `{ dtype }` in reduction options overrides the rule's dtype. */
export type WithDType<O, Default extends DType> = O extends {
  /** The dtype option, when given literally. */
  dtype: infer E extends DType;
} ? E : Default;

/** The rank of a cumulative scan: R along an axis, 1 for the flattened array (no axis). */
export type ScanRank<R extends number, O> = O extends {
  /** One axis: the rank is kept. */
  axis: number;
}
  ? R
  : O extends {
    /** Omitted or null: the flattened array (rank 1). */
    axis?: null | undefined;
  }
    ? 1
    : number;

// ---- module functions (add(a, b) with either side a number) -----------------------------------

/**
 * The dtype of a module-level arithmetic function of two operands. Two numbers: float64, as
 * tessera's scalars; a bigint with no array is a 0-d int64 array (NumPy's Python int), the other
 * scalar weak against it (`add(1n, 2n)` int64, `add(1n, 2.5)` float64).
 */
export type ArithmeticOf<A, B> = A extends NDArray<infer DA, number>
  ? ArithmeticDType<DA, B>
  : B extends NDArray<infer DB, number>
    ? ArithmeticDType<DB, A>
    : A extends bigint
      ? ArithmeticDType<'int64', B>
      : B extends bigint
        ? ArithmeticDType<'int64', A>
        : 'float64';
/** The dtype of a module-level true division / float function of two operands. */
export type TrueDivideOf<A, B> = A extends NDArray<infer DA, number>
  ? TrueDivideDType<DA, B>
  : B extends NDArray<infer DB, number>
    ? TrueDivideDType<DB, A>
    : 'float64';
/** The dtype of a module-level float function (arctan2, hypot, copysign) of two operands. */
export type FloatFunctionOf<A, B> = A extends NDArray<infer DA, number>
  ? FloatFunctionDType<DA, B>
  : B extends NDArray<infer DB, number>
    ? FloatFunctionDType<DB, A>
    : 'float64';
/** The rank of a module-level binary function's result. */
export type RankOfOperands<A, B> = A extends NDArray<DType, infer RA>
  ? OperandRank<RA, B>
  : B extends NDArray<DType, infer RB>
    ? OperandRank<RB, A>
    : 0;

// ---- creation ---------------------------------------------------------------------------------

/** arange's dtype, as NumPy: int64 when every argument is an integer, float64 when one is a fraction; `dtype` wins. */
export type ArangeDType<Args extends readonly number[], O> = O extends {
  /** The dtype option, when given: it wins. */
  dtype: infer E extends DType;
}
  ? E
  : true extends { [K in keyof Args]: IsIntegerLiteral<Args[K]> extends false ? true : false }[number]
    ? 'float64'
    : false extends { [K in keyof Args]: IsIntegerLiteral<Args[K]> extends true ? true : false }[number]
      ? 'int64' | 'float64'
      : 'int64';

type NestDepth<T, Acc extends unknown[] = []> = Acc['length'] extends 32
  ? number
  : T extends readonly (infer E)[]
    ? NestDepth<E, [...Acc, unknown]>
    : Acc['length'];

/** fromArray's dtype: `dtype` if given, a DenseArray's, a TypedArray's own (issue 14), float64 for nested numbers. */
export type FromArrayDType<T, O> = O extends {
  /** The dtype option, when given: it wins. */
  dtype: infer E extends DType;
}
  ? E
  : T extends DenseArray<infer E>
    ? E
    : T extends ArrayBufferView
      ? DTypeOfData<T>
      : 'float64';

/** fromArray's rank: `shape`'s length if given, 1 for a TypedArray, the nesting depth of nested arrays. */
export type FromArrayRank<T, O> = O extends {
  /** The shape option, when given: its length is the rank. */
  shape: infer S extends readonly number[];
}
  ? RankOf<S>
  : T extends DenseArray
    ? number
    : T extends ArrayBufferView
      ? 1
      : NestDepth<T>;
