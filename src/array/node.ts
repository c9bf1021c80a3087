// The expression graph under NDArray: immutable nodes, each with a shape, dtype and chunk grid.
// Nodes are lazy descriptions; src/array/lower.ts turns a set of them into one native plan.
import type { NativeBuffer } from '../native.js';
import { OPS, REDUCTIONS, type OpCode, type ReduceCode } from '../plan/ops.generated.js';
import type { AffineView } from './indexing/view.js';
import { dtypeOfTypedArray, itemsize as dtypeItemsize, typedArrayClass, type DType as DTypeName, type DTypeTypedArray, type TypedArrayConstructorOf } from './dtype.js';

/**
 * The dtypes of arrays: NumPy's bool, int8…uint64, float32, float64 (src/array/dtype.ts). The VM's
 * registers are typed (DESIGN.md "Typed registers"): each computes in its own dtype.
 */
export type DType = DTypeName;
export const itemsize = (d: DType): number => dtypeItemsize(d);
/** The data of a result: the dtype's TypedArray (bool: Uint8Array of 0/1; 64-bit: BigInt64Array/BigUint64Array). */
export type TypedData = DTypeTypedArray;
/** The TypedArray constructor holding `d`'s elements. */
export const typedCtor = (d: DType): TypedArrayConstructorOf<DType> => typedArrayClass(d);
/** A view of `buffer` as `d`'s elements. */
export const typedView = (d: DType, buffer: ArrayBuffer): TypedData => new (typedArrayClass(d))(buffer);
/** The dtype of a result TypedArray (a Uint8Array is bool unless told otherwise: uint8 data passes its dtype). */
export const dtypeOfData = (data: TypedData, dtype?: DType): DType => dtype ?? (data instanceof Uint8Array ? 'bool' : dtypeOfTypedArray(data));

/** A one-element array of `d` holding a computed 0-d value. */
export const scalarData = (d: DType, v: number | bigint | boolean): TypedData => {
  const a = new (typedArrayClass(d))(1);
  (a as unknown as (number | bigint)[])[0] = d === 'int64' || d === 'uint64' ? BigInt(v) : Number(v);
  return a;
};

// Op names come from the one operation table (native/engine/ops.json): a new engine op is a row
// there plus, in TS, one NDArray method and one ufunc line.
type OpRow = (typeof OPS)[number];
export type ReduceOp = Exclude<(typeof REDUCTIONS)[number]['plan'], 'none'>;
/** An op's name on arrays: its plan name, or NumPy's where that names a reduction (max → maximum). */
type ArrayOpName<R extends OpRow> = R extends OpRow ? (R['plan'] extends ReduceOp ? NonNullable<R['numpy']> : R['plan']) : never;
export type UnaryOp = ArrayOpName<Extract<OpRow, { arity: 1 }>>;
export type BinaryOp = ArrayOpName<Extract<OpRow, { arity: 2 }>>;

const reduceNames = new Set<string>(REDUCTIONS.map((r) => r.plan));
const opCodes = new Map<string, OpCode>(OPS.map((r) => [reduceNames.has(r.plan) && r.numpy ? r.numpy : r.plan, r.code]));
const reduceCodes = new Map<string, ReduceCode>(REDUCTIONS.map((r) => [r.plan, r.code]));

/** The engine code of an elementwise op (the table row whose array name is `op`). */
export const opCode = (op: UnaryOp | BinaryOp): OpCode => opCodes.get(op)!;
/** The engine code of a reduction. */
export const reduceCode = (op: ReduceOp): ReduceCode => reduceCodes.get(op)!;

/**
 * Chunks a cluster's workers keep (`client.persist`): lowered like memory, but only a
 * distributed compute can read them; its workers fetch the pieces each task needs.
 */
export interface RemoteMemory {
  readonly remote: { readonly compute: string; readonly output: number; readonly bytes: number; readonly owner: object };
  /** A Zarr array the workers read themselves (compute/output unused): src/distributed/client.ts. */
  readonly zarr?: ZarrLocation & { readonly shape: readonly number[]; readonly itemsize: number };
}

/** Memory an array reads: caller memory (zero-copy), a native buffer from persist(), or a cluster's. */
export type MemoryRef = ArrayBuffer | ArrayBufferView | NativeBuffer | RemoteMemory;

export function isRemoteMemory(m: unknown): m is RemoteMemory {
  return typeof m === 'object' && m !== null && 'remote' in m;
}

interface Base {
  readonly id: number;
  /** Layer name, as Dask's: `${op}-${token}`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly (readonly number[])[];
}

/** A scalar operand of an elementwise node: a JS number, or a bigint (an exact integer; issue 14). */
export type Scalar = number | bigint;
/** Whether an operand of a binary/where node is a scalar rather than a node. */
export const isScalar = (v: unknown): v is Scalar => typeof v === 'number' || typeof v === 'bigint';
export interface ConstNode extends Base { readonly kind: 'const'; readonly value: Scalar; readonly op: 'ones' | 'zeros' | 'full' }
export interface ArangeNode extends Base { readonly kind: 'arange'; readonly start: number; readonly step: number }
export interface RandomNode extends Base {
  readonly kind: 'random';
  readonly dist: 'uniform' | 'normal';
  readonly seed: number;
  /** uniform: [low, high); normal: [loc, scale]. */
  readonly a: number;
  readonly b: number;
  readonly op: 'random_sample' | 'uniform' | 'normal';
}
export interface MemoryNode extends Base {
  readonly kind: 'memory';
  readonly memory: MemoryRef;
  /** Element strides and offset into `memory` viewed as dtype. */
  readonly strides: readonly number[];
  readonly offset: number;
  readonly op: 'array' | 'persisted';
  /** Set by dispose(); lowering refuses disposed memory. */
  readonly state: { disposed: boolean };
}
export interface UnaryNode extends Base { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: Node }
export interface BinaryNode extends Base {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly args: readonly [Node | Scalar, Node | Scalar];
}
/** numpy.where(cond, x, y): x where cond is nonzero (NaN too), else y. */
export interface WhereNode extends Base {
  readonly kind: 'where';
  readonly op: 'where';
  readonly args: readonly [Node | Scalar, Node | Scalar, Node | Scalar];
}
export interface TransposeNode extends Base { readonly kind: 'transpose'; readonly axes: readonly number[]; readonly arg: Node }
/**
 * Basic indexing (x.get with integers, slices, new axes): an affine view of arg. Free: lowering
 * folds it into the offset and strides of every leaf arg reads, so only viewed elements are read
 * or generated.
 */
export interface ViewNode extends Base { readonly kind: 'view'; readonly op: 'getitem'; readonly view: AffineView; readonly arg: Node }
/**
 * np.concatenate along `axis`: the sources' values side by side. Lowered as one stage per source
 * writing its slab of one buffer (src/array/lower.ts materializeConcat).
 */
export interface ConcatNode extends Base { readonly kind: 'concat'; readonly op: 'concatenate'; readonly axis: number; readonly args: readonly Node[] }
/** Values produced by a user function (fromDelayed): computed before the plan runs, then read as memory. */
export interface DelayedNode extends Base {
  readonly kind: 'delayed';
  readonly op: 'from_delayed' | StorageOp;
  /**
   * compute(): all the values (`signal`: the compute's; a block job stops its calls when it
   * aborts). A storage array (src/storage/, op `from_*`) also has `boxes`: a
   * compute reads only the chunks it touches through it (src/storage/resolve.ts) instead.
   */
  readonly source: { compute(options?: { signal?: AbortSignal }): Promise<TypedData>; readonly boxes?: BoxSource };
  readonly state: { data?: TypedData };
}
/** Arrays read lazily from a store (src/storage/). */
export type StorageOp = 'from_source' | 'from_npy' | 'from_zarr' | 'from_npy_stack';
/** A store's box reader (src/storage/source.ts): the elements of [lo, hi) row-major. */
export interface BoxSource {
  /** The store's own chunking (what one read should cover at most). */
  readonly chunks: readonly (readonly number[])[];
  read(lo: readonly number[], hi: readonly number[], signal?: AbortSignal): Promise<TypedData>;
  /**
   * Optional: read box [lo, hi) (inside one store chunk) straight into `dst` at element
   * `dstOffset` with `dstStrides` — a box of several chunks is then filled in place, with no
   * copy on the JS thread (Zarr's native decoders, src/storage/zarr.ts).
   */
  readInto?(lo: readonly number[], hi: readonly number[], dst: TypedData, dstStrides: readonly number[], dstOffset: number, signal?: AbortSignal): Promise<void>;
  /** Concurrent reads the store allows (default: 2 per thread). */
  readonly concurrency?: number;
  /** Free what the store holds (persisted chunks under a memory limit: src/storage/spill.ts). */
  dispose?(): void;
  /** fromZarr: the store (an absolute directory or a URL) and the array's path in it; cluster workers open it themselves. */
  readonly zarr?: ZarrLocation;
}

/** Where a Zarr array lives: what a cluster worker opens to read its boxes. */
export interface ZarrLocation {
  readonly where: string;
  readonly path?: string;
}
/** Same values, another chunk grid: free, since kernels address inputs by global index. */
export interface RechunkNode extends Base {
  readonly kind: 'rechunk';
  readonly arg: Node;
  /** What repr and visualize call it when it only splits a block function's whole result ('map_blocks'). */
  readonly label?: string;
}
/**
 * A reshape that merges axes of a value that is not an affine view in C order (a transpose, a
 * slice, a broadcast, a reduction…): `arg` is written row-major into one buffer by a kernel of its
 * own (a stage iterating arg's shape, so the copy is fused into arg's expression, as NumPy's copy
 * is), and read back with this node's shape, whose row-major layout is the same bytes.
 */
export interface ReshapeNode extends Base { readonly kind: 'reshape'; readonly op: 'reshape'; readonly arg: Node }
export interface ReduceNode extends Base {
  readonly kind: 'reduce';
  readonly op: ReduceOp;
  /** Sorted, non-negative axes of arg that are reduced. */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
  readonly ddof: number;
  readonly arg: Node;
}

/** Cumulative sums/products (src/array/reductions/scan.ts): Dask's cumreduction, chunk by chunk. */
export type ScanOp = 'cumsum' | 'cumprod' | 'nancumsum' | 'nancumprod';
export interface ScanNode extends Base {
  readonly kind: 'scan';
  readonly op: ScanOp;
  /** The scanned axis of arg; null: the flattened array (row-major), as NumPy's axis=None. */
  readonly axis: number | null;
  readonly arg: Node;
}
/** median / quantile along one axis or over all elements (src/array/reductions/scan.ts). */
export interface QuantileNode extends Base {
  readonly kind: 'quantile';
  readonly op: 'median' | 'quantile';
  /** null: over all elements. */
  readonly axis: number | null;
  /** Fractions in [0, 1] (percentile divides by 100 first); empty for median. */
  readonly q: readonly number[];
  /** The shape q contributes to the front of the result: [] for a scalar q, [n] for n of them. */
  readonly qShape: readonly number[];
  readonly keepdims: boolean;
  readonly arg: Node;
}
/**
 * A contraction (src/array/linalg/): out[batch..., m..., n...] = sum over k... of
 * a[...] * b[...]. Each output batch axis reads a list of operand axes (empty: broadcast; two
 * axes: a diagonal), the m axes are a's free axes, the n axes b's, the k axes are contracted
 * pairwise (a.k[i] with b.k[i]). Lowers to a native matmul stage (engine/matmul.h).
 */
export interface MatmulNode extends Base {
  readonly kind: 'matmul';
  readonly op: 'matmul' | 'tensordot' | 'einsum' | 'outer' | 'diagonal';
  readonly a: Node;
  readonly b: Node;
  readonly aAxes: ContractionAxes;
  readonly bAxes: ContractionAxes;
}
export interface ContractionAxes {
  /** Per output batch axis: the operand axes it reads (strides summed). */
  readonly batch: readonly (readonly number[])[];
  /** Free axes of this operand in the output (a: the m axes; b: the n axes). */
  readonly free: readonly number[];
  /** Contracted axes, paired by position with the other operand's. */
  readonly k: readonly number[];
}

/** np.take along `axis` with a 1-d index array (src/array/indexing/gather.ts): a native Take stage. */
export interface TakeNode extends Base { readonly kind: 'take'; readonly op: 'take'; readonly axis: number; readonly arg: Node; readonly index: Node }
/**
 * x[mask] (src/array/indexing/gather.ts): the elements of the 1-d (raveled) arg where cond is
 * nonzero, in order; shape and chunks are NaN until counted (Dask), then `state.counts` holds
 * one size per chunk of arg (computeChunkSizes records them here and in shape/chunks).
 */
export interface MaskNode extends Base { readonly kind: 'mask'; readonly op: 'getitem'; readonly arg: Node; readonly cond: Node; readonly state: { counts?: number[] } }

export type Node =
  | TakeNode
  | ReshapeNode
  | MaskNode
  | MatmulNode
  | ConstNode
  | ArangeNode
  | RandomNode
  | MemoryNode
  | DelayedNode
  | UnaryNode
  | BinaryNode
  | WhereNode
  | TransposeNode
  | ViewNode
  | ConcatNode
  | RechunkNode
  | ReduceNode
  | ScanNode
  | QuantileNode;

let nextId = 1;
export const newId = (): number => nextId++;

// FNV-1a over a description string: deterministic tokens like Dask's tokenize(), so the same
// expression gets the same layer names.
export function token(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, 12);
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k]!;
  }
  return strides;
}

/** NumPy broadcasting of two shapes; throws RangeError naming both when they don't match. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    // unknown (NaN) lengths after a mask are taken to match, as Dask does (checked once known)
    if (!Object.is(da, db) && da !== 1 && db !== 1) {
      throw new RangeError(
        `operands could not be broadcast together with shapes [${a.join(', ')}] and [${b.join(', ')}] (axis ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The op name shown in toString() and used for layer names. */
export function opName(node: Node): string {
  switch (node.kind) {
    case 'const':
    case 'random':
    case 'memory':
    case 'delayed':
    case 'unary':
    case 'binary':
    case 'where':
    case 'reduce':
    case 'scan':
    case 'quantile':
    case 'view':
    case 'concat':
    case 'matmul':
    case 'take':
    case 'mask':
      return node.op;
    case 'arange':
      return 'arange';
    case 'transpose':
      return 'transpose';
    case 'rechunk':
      return node.label ?? 'rechunk';
    case 'reshape':
      return 'reshape';
  }
}

/** Nodes reachable from roots, dependencies first. */
export function topoOrder(roots: readonly Node[]): Node[] {
  const seen = new Set<number>();
  const out: Node[] = [];
  const visit = (root: Node): void => {
    // Iterative post-order: expression chains can be deep.
    const stack: [Node, boolean][] = [[root, false]];
    while (stack.length) {
      const [node, expanded] = stack.pop()!;
      if (seen.has(node.id)) continue;
      if (expanded) {
        seen.add(node.id);
        out.push(node);
        continue;
      }
      stack.push([node, true]);
      for (const child of children(node)) if (!seen.has(child.id)) stack.push([child, false]);
    }
  };
  roots.forEach(visit);
  return out;
}

export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'unary':
    case 'transpose':
    case 'view':
    case 'rechunk':
    case 'reshape':
    case 'reduce':
    case 'scan':
    case 'quantile':
      return [node.arg];
    case 'binary':
    case 'where':
      return node.args.filter((a): a is Node => !isScalar(a));
    case 'concat':
      return [...node.args];
    case 'matmul':
      return [node.a, node.b];
    case 'take':
      return [node.arg, node.index];
    case 'mask':
      return [node.arg, node.cond];
    default:
      return [];
  }
}
