// The expression builders behind NDArray's methods and the module functions: unary, binary,
// where, astype, reductions (their dtype and option rules), kept apart so ndarray.ts holds the class.
import { checkFinite, checkOptions, describe } from '../errors.js';
import {
  broadcastShapes,
  newId,
  token,
  type BinaryOp,
  type DType,
  type Node,
  type ReduceOp,
  type UnaryOp,
} from './node.js';

import { NDArray, type VarOptions } from './ndarray.js';
import { checkDType, checkWeakScalar, isFloat, kind, resultType } from './dtype.js';
import { resolveLoop } from './loops.js';
import { REDUCTIONS } from '../plan/ops.generated.js';

export function normalizeAxis(name: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number') throw new TypeError(`${name} must be an integer axis, got ${describe(axis)}`);
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${name} ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function asNode(name: string, x: unknown): Node | number {
  if (x instanceof NDArray) return x.node;
  if (typeof x === 'number') return x;
  throw new TypeError(`${name} must be an NDArray or a number, got ${describe(x)}`);
}

export function unary<T extends NDArray = NDArray>(op: UnaryOp, x: NDArray): T {
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: x must be an NDArray, got ${describe(x)}`);
  const src = x.node;
  return new NDArray({
    kind: 'unary',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}`)}`,
    shape: src.shape,
    dtype: unaryDType(op, src.dtype),
    chunks: src.chunks,
    op,
    arg: src,
  }) as T;
}

export function binary<T extends NDArray = NDArray>(op: BinaryOp, a: unknown, b: unknown): T {
  let x = asNode(`${op}: first operand`, a);
  const y = asNode(`${op}: second operand`, b);
  // Two numbers (the module functions: add(1, 2)) give a 0-d float64 array, as NumPy's scalars.
  if (typeof x === 'number' && typeof y === 'number') x = scalarNode(x);
  const nodes = [x, y].filter((v): v is Node => typeof v !== 'number');
  const shape = nodes.length === 2 ? broadcastShapes(nodes[0]!.shape, nodes[1]!.shape) : [...nodes[0]!.shape];
  const dtype = binaryDType(op, [x, y].map((v) => (typeof v === 'number' ? v : v.dtype)));
  // Output grid: per axis, the chunks of the first operand that spans the axis. No unification:
  // kernels read any operand region from any chunk, so x.add(x.T) keeps x's chunks.
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && Object.is(n.shape[j], s)) return n.chunks[j]!;  // Object.is: NaN (unknown) lengths match
    }
    return [s];
  });
  const desc = [x, y].map((v) => (typeof v === 'number' ? `#${v}` : v.name)).join(',');
  return new NDArray({
    kind: 'binary',
    id: newId(),
    name: `${op}-${token(`${op}:${desc}`)}`,
    shape,
    dtype,
    chunks,
    op,
    args: [x, y],
  }) as T;
}

/**
 * NumPy's result dtype of a reduction without `dtype=`: sums and products of bool/integers in
 * int64 (uint64 for unsigned), exactly and wrapping; means and moments of bool/integers in float64;
 * min/max/ptp keep the dtype; floats keep theirs (float32 sums in float32).
 */
function defaultReduceDType(op: ReduceOp, d: DType): DType {
  if (isFloat(d)) return d;
  if (op === 'sum' || op === 'prod' || op === 'nansum' || op === 'nanprod') return kind(d) === 'u' ? 'uint64' : 'int64';
  if (op === 'mean' || op === 'var' || op === 'std' || op === 'nanmean' || op === 'nanvar' || op === 'nanstd') return 'float64';
  return d;
}

/** The reductions that take NumPy's `dtype=`. */
const DTYPE_REDUCTIONS = new Set<string>(REDUCTIONS.filter((r) => 'dtypeOption' in r && r.dtypeOption).map((r) => r.plan)); // ops.json rows

export function reduce(op: ReduceOp, x: NDArray, options?: VarOptions): NDArray {
  const o = checkOptions(`${op} options`, options) as VarOptions;
  for (const key of Object.keys(o)) {
    const allowed = ['axis', 'keepdims'];
    if (op === 'var' || op === 'std' || op === 'nanvar' || op === 'nanstd') allowed.push('ddof');
    if (DTYPE_REDUCTIONS.has(op)) allowed.push('dtype');
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
  }
  const src = x.node;
  const n = src.shape.length;
  let axes: number[];
  if (o.axis === undefined || o.axis === null) axes = [...Array(n).keys()];
  else if (typeof o.axis === 'number') axes = [normalizeAxis('axis', o.axis, n)];
  else if (Array.isArray(o.axis)) axes = o.axis.map((a, i) => normalizeAxis(`axis[${i}]`, a, n));
  else throw new TypeError(`${op}: axis must be an integer, an array of integers or null, got ${describe(o.axis)}`);
  if (new Set(axes).size !== axes.length) throw new RangeError(`${op}: axis ${describe(o.axis)} repeats an axis`);
  const argLike = op === 'argmin' || op === 'argmax' || op === 'nanargmin' || op === 'nanargmax';
  if (argLike && Array.isArray(o.axis)) {
    throw new TypeError(`${op}: axis must be one integer or null (the flattened array), got ${describe(o.axis)}`);
  }
  if (argLike && axes.some((a) => src.shape[a] === 0)) {
    throw new RangeError(`${op}: attempt to get ${op} of an empty sequence`);
  }
  axes.sort((p, q) => p - q);
  if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') {
    throw new TypeError(`${op}: keepdims must be a boolean, got ${describe(o.keepdims)}`);
  }
  const keepdims = o.keepdims ?? false;
  if (o.dtype !== undefined) checkDType(`${op}: dtype`, o.dtype);
  const resultDType: DType = o.dtype ?? defaultReduceDType(op, src.dtype);
  const ddof = o.ddof === undefined ? 0 : checkFinite('ddof', o.ddof);
  if (ddof < 0) throw new RangeError(`${op}: ddof must be >= 0, got ${ddof}`);
  if ((op === 'min' || op === 'max' || op === 'nanmin' || op === 'nanmax' || op === 'ptp') && axes.some((a) => src.shape[a] === 0)) {
    throw new RangeError(`${op}: zero-size array to reduction operation ${op} which has no identity`);
  }
  const reduced = new Set(axes);
  const shape = keepdims ? src.shape.map((s, k) => (reduced.has(k) ? 1 : s)) : src.shape.filter((_, k) => !reduced.has(k));
  const chunks = keepdims
    ? src.chunks.map((c, k) => (reduced.has(k) ? [1] : c))
    : src.chunks.filter((_, k) => !reduced.has(k));
  return new NDArray({
    kind: 'reduce',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}:${axes}:${keepdims}:${ddof}:${resultDType}`)}`,
    shape,
    // NumPy: truth values are bool, counts and indices int64 (for every input dtype)
    dtype: op === 'any' || op === 'all' ? 'bool' : op === 'count_nonzero' || argLike ? 'int64' : resultDType,
    chunks,
    op,
    axes,
    keepdims,
    ddof,
    arg: src,
  });
}

export function roundArray<T extends NDArray = NDArray>(x: NDArray, decimals: number): T {
  if (!Number.isInteger(decimals)) throw new TypeError(`round: decimals must be an integer, got ${describe(decimals)}`);
  if (x.dtype === 'bool' && decimals < 0) throw new TypeError('round: a bool array cannot be rounded to negative decimals (as NumPy: cast it to an integer dtype first)');
  if (x.dtype !== 'float64' && x.dtype !== 'float32' && x.dtype !== 'bool') {
    // NumPy: integers keep their dtype; decimals >= 0 leave them as they are, negative decimals
    // round half to even to a multiple of 10^-decimals (here through float64: exact below 2^53)
    if (decimals >= 0) return unary('positive', x);
    const f = 10 ** -decimals;
    return astypeArray(binary('mul', unary('rint', binary('div', x, f)), f), x.dtype);
  }
  if (decimals === 0) return unary('rint', x);
  const f = 10 ** Math.abs(decimals);
  return decimals > 0 ? binary('div', unary('rint', binary('mul', x, f)), f) : binary('mul', unary('rint', binary('div', x, f)), f);
}

export function clipArray<T extends NDArray = NDArray>(x: NDArray, lo: number | NDArray | null, hi: number | NDArray | null): T {
  if (!(x instanceof NDArray)) throw new TypeError(`clip: x must be an NDArray, got ${describe(x)}`);
  if (lo === null && hi === null) throw new TypeError('clip: one of lo and hi must be given (got null for both)');
  let r: NDArray = x;
  if (lo !== null) r = binary('maximum', r, lo);
  if (hi !== null) r = binary('minimum', r, hi);
  return r as T;
}

/** A 0-d float64 constant (a JS number used where an array is needed). */
function scalarNode(value: number): Node {
  return { kind: 'const', op: 'full', id: newId(), name: `full-${token(`full::${value}:float64:`)}`, shape: [], dtype: 'float64', chunks: [], value };
}

/** The dtype of a unary op's result: its loop's (NumPy's resolution, loops.ts); no loop is a TypeError. */
export function unaryDType(op: UnaryOp, d: DType): DType {
  return resolveLoop(op, [d]).output;
}

/**
 * The dtype of a binary op's result: NumPy's promotion (np.result_type) with JS numbers weak (NEP
 * 50: `int16 + 1` is int16, `float32 * 0.1` float32, `int8 + 1.5` float64), then the op's loop
 * (true division of integers is float64; comparisons are bool). A weak integer out of range for
 * the integer dtype it meets is a RangeError, as NumPy 2's OverflowError.
 */
export function binaryDType(op: BinaryOp, operands: readonly (DType | number)[]): DType {
  const loop = resolveLoop(op, operands);
  for (const [i, o] of operands.entries()) if (typeof o === 'number') checkWeakScalar(o, loop.input, `${op}: operand ${i}`);
  return loop.output;
}

/**
 * numpy.where(cond, x, y): x where cond is true (nonzero, NaN included), else y; broadcasting over
 * all three, numbers allowed for any. The result dtype is x's and y's promotion (numbers weak);
 * the condition may have any dtype. Fused into the block kernel (a vector select).
 */
export function whereArrays(cond: unknown, x: unknown, y: unknown): NDArray {
  const c = asNode('where: cond', cond);
  const a = asNode('where: x', x);
  const b = asNode('where: y', y);
  const nodes = [c, a, b].filter((v): v is Node => typeof v !== 'number');
  if (nodes.length === 0) throw new TypeError('where: at least one of cond, x, y must be an NDArray (got three numbers)');
  const shape = nodes.reduce<number[]>((s, n) => broadcastShapes(s, n.shape), []);
  // x's and y's common dtype with numbers weak; two numbers: float64 (as JS numbers)
  const values = [a, b].map((v) => (typeof v === 'number' ? v : v.dtype));
  const dtype: DType = values.every((v) => typeof v === 'number') ? 'float64' : resultType(...values);
  for (const v of values) if (typeof v === 'number') checkWeakScalar(v, dtype, 'where: scalar');
  const chunks = shape.map((s, k) => {
    for (const n of nodes) {
      const j = k - (shape.length - n.shape.length);
      if (j >= 0 && Object.is(n.shape[j], s)) return n.chunks[j]!;  // Object.is: NaN (unknown) lengths match
    }
    return [s];
  });
  const desc = [c, a, b].map((v) => (typeof v === 'number' ? `#${v}` : v.name)).join(',');
  return new NDArray({ kind: 'where', op: 'where', id: newId(), name: `where-${token(`where:${desc}`)}`, shape, dtype, chunks, args: [c, a, b] });
}

export function astypeArray<T extends NDArray = NDArray>(x: NDArray, dtype: DType): T {
  checkDType('astype: dtype', dtype);
  const src = x.node;
  if (src.dtype === dtype) return x as T;
  return new NDArray({ kind: 'unary', id: newId(), name: `astype-${token(`astype:${dtype}:${src.name}`)}`, shape: src.shape, dtype, chunks: src.chunks, op: 'cast', arg: src }) as T;
}
