// Module-level functions mirroring the NDArray methods, as numpy/dask.array functions.
import { NDArray, binary, reduce, unary, type Computed, type FullReduceOptions, type ReduceOptions, type VarOptions } from './ndarray.js';
import { describe } from '../errors.js';

type Arr = NDArray<Computed>;
type Operand = Arr | number;

const arrayArg = (fn: string, x: unknown): Arr => {
  if (!(x instanceof NDArray)) throw new TypeError(`${fn}: x must be an NDArray, got ${describe(x)}`);
  return x;
};

export const add = (a: Operand, b: Operand): Arr => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Arr => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Arr => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Arr => binary('div', a, b);
export const pow = (a: Operand, b: Operand): Arr => binary('pow', a, b);
export const maximum = (a: Operand, b: Operand): Arr => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Arr => binary('minimum', a, b);

export const neg = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('neg', x);
export const abs = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('abs', x);
export const exp = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('exp', x);
export const log = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('log', x);
export const sqrt = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sqrt', x);
export const sin = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('sin', x);
export const cos = <T extends Computed>(x: NDArray<T>): NDArray<T> => unary('cos', x);

export const transpose = <T extends Computed>(x: NDArray<T>, axes?: readonly number[]): NDArray<T> =>
  arrayArg('transpose', x).transpose(axes) as NDArray<T>;

export function sum(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function sum(x: Arr, options: ReduceOptions): Arr;
export function sum(x: Arr, options?: ReduceOptions): Arr { return reduce('sum', arrayArg('sum', x), options); }
export function prod(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function prod(x: Arr, options: ReduceOptions): Arr;
export function prod(x: Arr, options?: ReduceOptions): Arr { return reduce('prod', arrayArg('prod', x), options); }
export function min(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function min(x: Arr, options: ReduceOptions): Arr;
export function min(x: Arr, options?: ReduceOptions): Arr { return reduce('min', arrayArg('min', x), options); }
export function max(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function max(x: Arr, options: ReduceOptions): Arr;
export function max(x: Arr, options?: ReduceOptions): Arr { return reduce('max', arrayArg('max', x), options); }
export function mean(x: Arr, options?: FullReduceOptions): NDArray<number>;
export function mean(x: Arr, options: ReduceOptions): Arr;
export function mean(x: Arr, options?: ReduceOptions): Arr { return reduce('mean', arrayArg('mean', x), options); }
export function variance(x: Arr, options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
export function variance(x: Arr, options: VarOptions): Arr;
export function variance(x: Arr, options?: VarOptions): Arr { return reduce('var', arrayArg('var', x), options); }
export function std(x: Arr, options?: FullReduceOptions & { ddof?: number }): NDArray<number>;
export function std(x: Arr, options: VarOptions): Arr;
export function std(x: Arr, options?: VarOptions): Arr { return reduce('std', arrayArg('std', x), options); }
