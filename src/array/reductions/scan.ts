// Cumulative scans (cumsum, cumprod, nancumsum, nancumprod) and order statistics (median,
// quantile, percentile): the nodes, their option checks, and their lowering to the engine's Scan
// and Select stages (native/engine/scan.h; plan.h at Stage describes the fields).
//
// Scans follow Dask's cumreduction: every chunk is scanned along the axis on its own, then chunk
// j adds the running total of chunks 0..j-1 (combined in chunk order). The numbers therefore
// depend on the chunking along the axis — as Dask's do — but never on the thread count; with
// one chunk along the axis they are NumPy's (a sequential scan).
//
// median/quantile need a whole lane: the axis is made one chunk (Dask rechunks the same way) and
// each lane is copied and partially sorted (std::nth_element). Over all elements (axis omitted)
// the array is materialized once and selected exactly, in one task: memory bound, not streaming.
import { DTYPES as NATIVE_DTYPES, SCAN_OPS } from '../../plan/ops.generated.js';
import { checkDType, isFloat, isInteger, kind } from '../dtype.js';
import { unary, whereArrays } from '../expr.js';
import { checkOptions, describe } from '../../errors.js';
import { LeafKind, NativeDType, ReduceCode, StageKind } from '../../plan/types.js';
import type { NativeStage } from '../../plan/types.js';
import { NDArray, normalizeAxis, type Computed } from '../ndarray.js';
import { contiguousStrides, itemsize, newId, size, token, type DType, type QuantileNode, type ScanNode, type ScanOp } from '../node.js';
import { stageChunks, type Lowering, type Materialized } from '../lower.js';
import type { Step } from '../emit.js';

/**
 * Options of the cumulative scans ({@link cumsum}, {@link cumprod}, {@link nancumsum},
 * {@link nancumprod} and their NDArray methods), as NumPy's `axis=` and `dtype=`. Unknown keys are
 * a TypeError.
 */
export interface CumulativeOptions {
  /** The axis to scan (negative counts from the end); omitted or null: the flattened array, as NumPy. */
  axis?: number | null;
  /** The accumulator's and result's dtype, as NumPy's `dtype=` (default: the array's). */
  dtype?: DType;
}

/**
 * Options of {@link median}, {@link quantile} and {@link percentile} (NumPy's `axis=` and
 * `keepdims=`; one axis only). Unknown keys are a TypeError.
 */
export interface QuantileOptions {
  /** One axis (negative counts from the end); omitted or null: over all elements. */
  axis?: number | null;
  /** Keep the reduced axis (all axes when axis is omitted) with length 1. */
  keepdims?: boolean;
}

// the Scan stage's operation codes (ops.json scanOps)
const SCAN_CODES = Object.fromEntries(SCAN_OPS.map((o) => [o.plan, o.code])) as Record<ScanOp, number>;

const NATIVE_CODES = new Map<string, NativeDType>(NATIVE_DTYPES.map((d) => [d.name, d.code as NativeDType]));
const nativeDType = (d: DType): NativeDType => NATIVE_CODES.get(d)!;

function checkArray(name: string, x: unknown): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`${name}: x must be an NDArray, got ${describe(x)}`);
  return x;
}

function checkAxis(op: string, axis: unknown, ndim: number): number | null {
  if (axis === undefined || axis === null) return null;
  if (typeof axis !== 'number') throw new TypeError(`${op}: axis must be one integer or null, got ${describe(axis)}`);
  return normalizeAxis(`${op}: axis`, axis, ndim);
}

function checkKeys(op: string, o: object, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option ${describe(key)}; accepted: ${allowed.join(', ')}`);
  }
}

/** cumsum & co. along `axis` (the flattened array when omitted). */
export function cumulative(op: ScanOp, xIn: unknown, options?: CumulativeOptions): NDArray {
  const x = checkArray(op, xIn);
  const o = checkOptions(`${op} options`, options) as CumulativeOptions;
  checkKeys(op, o, ['axis', 'dtype']);
  if (o.dtype !== undefined) checkDType(`${op}: dtype`, o.dtype);
  if (o.dtype === 'bool') throw new TypeError(`${op}: dtype 'bool' is not accepted; accepted: the integer and float dtypes`);
  if (o.dtype !== undefined && isInteger(o.dtype) && op.startsWith('nan') && isFloat(x.dtype)) {
    // np.nancumsum(a, dtype=int): NaN becomes the identity before the cast
    return cumulative(op, whereArrays(unary('isnan', x), op === 'nancumprod' ? 1 : 0, x).astype(o.dtype), { axis: o.axis, dtype: o.dtype });
  }
  if (o.dtype !== undefined && isInteger(o.dtype) && o.dtype !== 'int64' && o.dtype !== 'uint64') {
    // a narrow integer accumulator wraps modulo 2^bits: the same as scanning the elements cast
    // to it in 64 bits and wrapping the sums (np.cumsum(a, dtype=int8))
    return cumulative(op, x.astype(o.dtype), { axis: o.axis }).astype(o.dtype);
  }
  // bool and integer data scan in int64 (uint64 for unsigned), exactly and wrapping, as NumPy's
  // accumulators; with a float dtype= they are cast to it first
  const acc: DType = o.dtype ?? (isFloat(x.dtype) ? x.dtype : kind(x.dtype) === 'u' ? 'uint64' : 'int64');
  const src = x.dtype !== acc && (!isFloat(x.dtype) || !isFloat(acc)) ? x.astype(acc).node : x.node;
  const axis = checkAxis(op, o.axis, src.shape.length);
  const dtype: DType = acc;
  const shape = axis === null ? [size(src.shape)] : [...src.shape];
  const chunks = axis === null ? flatChunks(src.shape, src.chunks) : src.chunks.map((c) => [...c]);
  const node: ScanNode = {
    kind: 'scan',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}:${axis}:${dtype}`)}`,
    shape,
    dtype,
    chunks,
    op,
    axis,
    arg: src,
  };
  return new NDArray(node);
}

/**
 * Chunks of the flattened array: the first axis's chunks times the rest (Dask's reshape keeps
 * the trailing axes whole the same way).
 */
function flatChunks(shape: readonly number[], chunks: readonly (readonly number[])[]): number[][] {
  if (shape.length === 0) return [[1]];
  if (shape.length === 1) return [[...chunks[0]!]];
  const rest = size(shape.slice(1));
  const n = size(shape);
  const c = chunks[0]!.map((s) => s * rest).filter((s) => s > 0 || n === 0);
  return [c.length ? c : [0]];
}

/** median (q empty) or quantile; `scale` 100 for percentile. */
export function quantile(op: 'median' | 'quantile' | 'percentile', xIn: unknown, qIn: unknown, options?: QuantileOptions): NDArray {
  const x = checkArray(op, xIn);
  const o = checkOptions(`${op} options`, options) as QuantileOptions;
  checkKeys(op, o, ['axis', 'keepdims']);
  // NumPy interpolates with a subtraction, which bool lacks (the median's mean of two works)
  if (op !== 'median' && x.dtype === 'bool') throw new TypeError(`${op}: dtype bool is not accepted (NumPy: boolean subtract is not supported); astype an integer or float dtype first`);
  const src = !isFloat(x.dtype) ? x.astype('float64').node : x.node;  // NumPy: float64 results
  const axis = checkAxis(op, o.axis, src.shape.length);
  if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') {
    throw new TypeError(`${op}: keepdims must be a boolean, got ${describe(o.keepdims)}`);
  }
  const keepdims = o.keepdims ?? false;
  let q: number[] = [];
  let qShape: number[] = [];
  if (op !== 'median') {
    const scale = op === 'percentile' ? 100 : 1;
    const range = op === 'percentile' ? '[0, 100]' : '[0, 1]';
    let list: number[];
    if (typeof qIn === 'number') list = [qIn];
    else if (Array.isArray(qIn) || qIn instanceof Float64Array || qIn instanceof Float32Array) {
      list = Array.from(qIn as ArrayLike<unknown>, (v, i) => {
        if (typeof v !== 'number') throw new TypeError(`${op}: q[${i}] must be a number, got ${describe(v)}`);
        return v;
      });
      qShape = [list.length];
    } else {
      throw new TypeError(`${op}: q must be a number or an array of numbers (1-D), got ${describe(qIn)}`);
    }
    list.forEach((v, i) => {
      if (!(v >= 0 && v <= scale)) throw new RangeError(`${op}: q${qShape.length ? `[${i}]` : ''} must be in the range ${range}, got ${v}`);
    });
    q = list.map((v) => v / scale);
    const n = axis === null ? size(src.shape) : src.shape[axis]!;
    if (n === 0) throw new RangeError(`${op}: cannot take a quantile of an empty ${axis === null ? 'array' : `axis ${axis}`}`);
  }
  const kept =
    axis === null
      ? keepdims ? src.shape.map(() => 1) : []
      : keepdims ? src.shape.map((s, k) => (k === axis ? 1 : s)) : src.shape.filter((_, k) => k !== axis);
  const keptChunks =
    axis === null
      ? kept.map(() => [1])
      : keepdims ? src.chunks.map((c, k) => (k === axis ? [1] : [...c])) : src.chunks.filter((_, k) => k !== axis).map((c) => [...c]);
  const shape = [...qShape, ...kept];
  const chunks = [...qShape.map((n) => [n]), ...keptChunks];
  const node: QuantileNode = {
    kind: 'quantile',
    id: newId(),
    name: `${op}-${token(`${op}:${src.name}:${axis}:${keepdims}:${q.join(',')}:${qShape.length}`)}`,
    shape,
    dtype: src.dtype,
    chunks,
    op: op === 'median' ? 'median' : 'quantile',
    axis,
    q,
    qShape,
    keepdims,
    arg: src,
  };
  return new NDArray(node);
}

// ---- lowering

type Out = Materialized & { memory: ArrayBuffer };

function stage(kind: StageKind, shape: number[], chunks: number[][], leaves: NativeStage['leaves'], imms: number[], sink: NativeStage['sink']): NativeStage {
  return { kind, shape, chunks, leaves, program: new Int32Array(0), imms: Float64Array.from(imms), nregs: 1, result: 0, sink };
}

function memoryLeaf(buffer: number, dtype: DType, strides: number[]): NativeStage['leaves'][number] {
  return { kind: LeafKind.Memory, dtype: nativeDType(dtype), offset: 0, strides, a: 0, b: 0, seed: 0, buffer };
}

/** A scan node: its input materialized, then the two Scan phases (local scans + totals; prefixes). */
export function* lowerScan(l: Lowering, node: ScanNode): Step<Out> {
  const input = (yield l.materializeInput(node.arg)) as Materialized;
  const axis = node.axis ?? 0;
  const shape = [...node.shape];
  const chunks = stageChunks(shape, node.chunks);
  const memory = new ArrayBuffer(size(shape) * itemsize(node.dtype));
  const out = l.buffer(memory);
  const strides = contiguousStrides(shape);
  const tshape = shape.map((s, k) => (k === axis ? chunks[k]!.length : s));
  const totals = l.scratch(size(tshape) * itemsize(node.dtype));
  const leaves = [memoryLeaf(input.buffer, input.dtype, strides), memoryLeaf(totals, node.dtype, contiguousStrides(tshape))];
  const sink = axisSink(node.dtype, out, strides, shape.length, axis);
  const code = SCAN_CODES[node.op];
  l.addStage(stage(StageKind.Scan, shape, chunks, leaves, [code, 0], sink), `${node.op}-chunk`);
  if (chunks[axis]!.length > 1) l.addStage(stage(StageKind.Scan, shape, chunks, leaves, [code, 1], sink), `${node.op}-prefix`);
  return { memory, buffer: out, dtype: node.dtype, shape: node.shape };
}

/** A stored (not reduced) sink whose one flagged axis is the scanned/selected one. */
function axisSink(dtype: DType, buffer: number, strides: readonly number[], ndim: number, axis: number): NativeStage['sink'] {
  return { reduce: ReduceCode.None, dtype: nativeDType(dtype), buffer, offset: 0, strides: [...strides], reduceAxes: Array.from({ length: ndim }, (_, k) => (k === axis ? 1 : 0)), ddof: 0 };
}

/** A median/quantile node: its input materialized, then one Select stage with the axis whole. */
export function* lowerQuantile(l: Lowering, node: QuantileNode): Step<Out> {
  const input = (yield l.materializeInput(node.arg)) as Materialized;
  const src = node.arg;
  const whole = node.axis === null;
  const shape = whole ? [size(src.shape)] : [...src.shape];
  const axis = node.axis ?? 0;
  const chunks = whole ? [[shape[0]!]] : stageChunks(shape, src.chunks.map((c, k) => (k === axis ? [shape[k]!] : [...c])));
  const memory = new ArrayBuffer(size(node.shape) * itemsize(node.dtype));
  const out = l.buffer(memory);
  const keptShape = shape.filter((_, k) => k !== axis);
  const keptStrides = contiguousStrides(keptShape);
  let j = 0;
  const strides = shape.map((_, k) => (k === axis ? 0 : keptStrides[j++]!));
  const imms = node.op === 'median' ? [1, 0] : [0, size(keptShape), ...node.q];
  const sink = axisSink(node.dtype, out, strides, shape.length, axis);
  l.addStage(stage(StageKind.Select, shape, chunks, [memoryLeaf(input.buffer, input.dtype, contiguousStrides(shape))], imms, sink), node.op);
  return { memory, buffer: out, dtype: node.dtype, shape: node.shape };
}
