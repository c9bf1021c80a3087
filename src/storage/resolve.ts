// Storage arrays at compute time: which box of each store a compute touches, reading only the
// store chunks that box overlaps (in parallel, as far as the store allows) into one native buffer
// per store array, and the expression rebuilt over memory leaves addressing those buffers.
//
// The box is found top-down from the roots (and their regions: a computeBlock or a streamed chunk
// reads only its part): elementwise ops pass their box on (broadcast axes read index 0), views map
// it through their affine map, transposes permute it, reductions widen it over the reduced axes.
// Anything else (concatenate, matmul, scans) asks its inputs for everything — conservative, never
// wrong: the engine's plan check rejects a leaf that would read outside its buffer.
import { native, type NativeBuffer } from '../native.js';
import { chunkBounds } from '../array/chunks.js';
import { children, contiguousStrides, isScalar, type Scalar, itemsize, newId, token, topoOrder, typedView, type DelayedNode, type MemoryNode, type Node, type TypedData } from '../array/node.js';
import { abortError } from '../errors.js';
import { sharedBoxBuffers } from './buffer-cache.js';

export interface Box {
  lo: number[];
  hi: number[];
}

export interface RootRegion {
  node: Node;
  region?: { readonly lo: readonly number[]; readonly hi: readonly number[] };
}

const fullBox = (shape: readonly number[]): Box => ({ lo: shape.map(() => 0), hi: [...shape] });
const isEmpty = (b: Box): boolean => b.lo.some((l, k) => l >= b.hi[k]!);

function union(a: Box | undefined, b: Box): Box {
  if (!a || isEmpty(a)) return { lo: [...b.lo], hi: [...b.hi] };
  if (isEmpty(b)) return a;
  return { lo: a.lo.map((l, k) => Math.min(l, b.lo[k]!)), hi: a.hi.map((h, k) => Math.max(h, b.hi[k]!)) };
}

/** The box of `arg` that `node` reads to produce `box` of itself. */
function argBox(node: Node, arg: Node, box: Box): Box {
  switch (node.kind) {
    case 'unary':
    case 'rechunk':
    case 'binary':
    case 'where': {
      // NumPy broadcasting: arg's axes align to the right; a length-1 axis reads index 0.
      const off = node.shape.length - arg.shape.length;
      return {
        lo: arg.shape.map((n, k) => (n === 1 && node.shape[k + off] !== 1 ? 0 : box.lo[k + off]!)),
        hi: arg.shape.map((n, k) => (n === 1 && node.shape[k + off] !== 1 ? 1 : box.hi[k + off]!)),
      };
    }
    case 'transpose': {
      const lo = new Array<number>(arg.shape.length).fill(0);
      const hi = new Array<number>(arg.shape.length).fill(0);
      node.axes.forEach((p, j) => {
        lo[p] = box.lo[j]!;
        hi[p] = box.hi[j]!;
      });
      return { lo, hi };
    }
    case 'view': {
      const v = node.view;
      const out = fullBox(v.sourceShape);
      for (const f of v.fixed) {
        out.lo[f.axis] = f.index;
        out.hi[f.axis] = f.index + 1;
      }
      // A source axis may be walked by several output axes (a reshape that splits it: source
      // index = Σ start + c·step over them); each used to overwrite the last one's range, so
      // x.reshape([2, 4]) of an 8-long store of chunks [4, 4] read only [0, 4) for both rows.
      const min = new Map<number, number>();
      const max = new Map<number, number>();
      v.axes.forEach((a, k) => {
        if (a.source === null) return;
        const first = a.start + box.lo[k]! * a.step;
        const last = a.start + (box.hi[k]! - 1) * a.step;
        min.set(a.source, (min.get(a.source) ?? 0) + Math.min(first, last));
        max.set(a.source, (max.get(a.source) ?? 0) + Math.max(first, last));
      });
      for (const [s, m] of min) {
        out.lo[s] = m;
        out.hi[s] = max.get(s)! + 1;
      }
      return out;
    }
    case 'reduce': {
      const out = fullBox(arg.shape);
      let j = 0;
      arg.shape.forEach((_, k) => {
        if (node.axes.includes(k)) {
          if (node.keepdims) j++;
          return;
        }
        out.lo[k] = box.lo[j]!;
        out.hi[k] = box.hi[j]!;
        j++;
      });
      return out;
    }
    default:
      return fullBox(arg.shape);
  }
}

const isStorage = (n: Node): n is DelayedNode & { source: { boxes: NonNullable<DelayedNode['source']['boxes']> } } =>
  n.kind === 'delayed' && n.source.boxes !== undefined;

/** Per storage node: the bounding box a compute of `roots` reads. */
export function touchedBoxes(roots: readonly RootRegion[]): Map<number, Box> {
  const out = new Map<number, Box>();
  for (const [key, b] of touchedEdges(roots)) {
    const id = Number(key.split(':')[1]);
    out.set(id, union(out.get(id), b));
  }
  return out;
}

/**
 * Per consumer edge `${parent id}:${storage id}` (parent 'root' for a root): the box of the
 * storage array that consumer reads. Edges are read separately, so `x.add(x.T)` over one chunk
 * reads chunk (i, j) for x and (j, i) for x.T — not the bounding box of both.
 */
export function touchedEdges(roots: readonly RootRegion[]): Map<string, Box> {
  const nodes = topoOrder(roots.map((r) => r.node));
  const edges = new Map<string, Box>();
  if (!nodes.some(isStorage)) return edges;
  const boxes = new Map<number, Box>();
  for (const r of roots) {
    const b = r.region ? { lo: [...r.region.lo], hi: [...r.region.hi] } : fullBox(r.node.shape);
    boxes.set(r.node.id, union(boxes.get(r.node.id), b));
    if (isStorage(r.node) && !isEmpty(b)) edges.set(`root:${r.node.id}`, union(edges.get(`root:${r.node.id}`), b));
  }
  // Consumers before producers: reverse topological order.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const box = boxes.get(n.id);
    if (!box || isEmpty(box)) continue;
    for (const c of children(n)) {
      const b = argBox(n, c, box);
      boxes.set(c.id, union(boxes.get(c.id), b));
      if (isStorage(c) && !isEmpty(b)) edges.set(`${n.id}:${c.id}`, union(edges.get(`${n.id}:${c.id}`), b));
    }
  }
  return edges;
}

/** Copy a row-major box `src` of `shape` into `dst` at element `dstOffset` with `dstStrides`. */
export function copyBox(src: TypedData, shape: readonly number[], dst: TypedData, dstStrides: readonly number[], dstOffset: number): void {
  const nd = shape.length;
  if (shape.some((n) => n === 0)) return;
  if (nd === 0) {
    dst[dstOffset] = src[0]!;
    return;
  }
  const row = shape[nd - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(Math.max(nd - 1, 0)).fill(0);
  const contiguous = dstStrides[nd - 1] === 1;
  for (let r = 0; r < rows; r++) {
    let o = dstOffset;
    for (let k = 0; k < nd - 1; k++) o += idx[k]! * dstStrides[k]!;
    if (contiguous) (dst as Float64Array).set((src as Float64Array).subarray(r * row, (r + 1) * row), o);
    else for (let j = 0; j < row; j++) dst[o + j * dstStrides[nd - 1]!] = src[r * row + j]!;
    for (let k = nd - 2; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** Chunk-grid indices of `chunks` whose chunks overlap `box`, and their bounds. */
function overlappingChunks(chunks: readonly (readonly number[])[], box: Box): { lo: number[]; hi: number[] }[] {
  const ranges = chunks.map((c, k) => {
    const b = chunkBounds(c);
    const list: [number, number][] = [];
    for (let i = 0; i < c.length; i++) if (b[i + 1]! > box.lo[k]! && b[i]! < box.hi[k]! && b[i + 1]! > b[i]!) list.push([b[i]!, b[i + 1]!]);
    return list;
  });
  const out: { lo: number[]; hi: number[] }[] = [];
  if (ranges.some((r) => r.length === 0)) return out;
  const idx = ranges.map(() => 0);
  for (;;) {
    out.push({ lo: idx.map((i, k) => ranges[k]![i]![0]), hi: idx.map((i, k) => ranges[k]![i]![1]) });
    let k = ranges.length - 1;
    for (; k >= 0; k--) {
      if (++idx[k]! < ranges[k]!.length) break;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

/** Run `fn` over `items` with at most `limit` in flight; the first failure stops new starts. */
export async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failed: unknown;
  let hasFailed = false;
  const worker = async (): Promise<void> => {
    while (!hasFailed && next < items.length) {
      if (signal?.aborted) throw abortError(signal.reason);
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        if (!hasFailed) {
          hasFailed = true;
          failed = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (hasFailed) throw failed;
}

/**
 * Box buffers recycled between computes whose inputs die with them — chunked-reduce.ts's one-chunk
 * sub-plans, whose results are partials, never the input memory — so a large reduction reads
 * into the same few buffers (as Dask's chunks reuse malloc's memory) instead of faulting in fresh
 * pages for every chunk. Only for stores with `readInto` (every byte of a box is overwritten).
 */
export class BoxBufferPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  take(bytes: number): SharedArrayBuffer {
    // then what an earlier call left (src/storage/buffer-cache.ts): no fresh pages to fault in
    return this.free.get(bytes)?.pop() ?? sharedBoxBuffers.take(bytes) ?? new SharedArrayBuffer(bytes);
  }
  give(b: SharedArrayBuffer): void {
    const list = this.free.get(b.byteLength);
    if (list) list.push(b);
    else this.free.set(b.byteLength, [b]);
  }
  clear(): void {
    this.free.clear();
  }
  /** After a call that settled: every buffer given back goes to the process-wide cache. */
  retire(): void {
    for (const list of this.free.values()) for (const b of list) sharedBoxBuffers.give(b);
    this.free.clear();
  }
}

export interface Resolved {
  /** The roots, with every storage array replaced by memory over what was read. */
  roots: Node[];
  /** Free the buffers read (after the plan has settled). */
  release(): void;
}

/**
 * Read what a compute of `roots` touches of each storage array and return the roots rebuilt
 * over memory. The chunk reads of one store run concurrently (store.concurrency, default 2 per
 * thread); every store array of the compute is read before the plan starts.
 */
export async function resolveStorage(roots: readonly RootRegion[], signal?: AbortSignal, pool?: BoxBufferPool): Promise<Resolved> {
  const all = topoOrder(roots.map((r) => r.node)).filter(isStorage);
  if (all.length === 0) return { roots: roots.map((r) => r.node), release: () => {} };
  const byId = new Map<number, DelayedNode>(all.map((n) => [n.id, n]));
  const edges = touchedEdges(roots);
  // One read per distinct (storage array, chunk-aligned box): consumers reading the same box share it.
  const reads = new Map<string, { node: DelayedNode; lo: number[]; hi: number[]; parts: { lo: number[]; hi: number[] }[]; mem?: MemoryNode }>();
  const edgeRead = new Map<string, string>();
  for (const [edge, box] of edges) {
    const n = byId.get(Number(edge.split(':')[1]))!;
    const parts = overlappingChunks(n.source.boxes!.chunks, box);
    if (parts.length === 0) continue;
    const lo = n.shape.map((_, k) => Math.min(...parts.map((p) => p.lo[k]!)));
    const hi = n.shape.map((_, k) => Math.max(...parts.map((p) => p.hi[k]!)));
    const key = `${n.id}:${lo}:${hi}`;
    if (!reads.has(key)) reads.set(key, { node: n, lo, hi, parts });
    edgeRead.set(edge, key);
  }
  const taken: SharedArrayBuffer[] = [];
  await Promise.all(
    [...reads.values()].map(async (r) => {
      const { node: n, lo, hi, parts } = r;
      const src = n.source.boxes!;
      const strides0 = contiguousStrides(hi.map((h, k) => h - lo[k]!));
      const memoryOver = (memory: MemoryNode['memory'], strides: number[]): MemoryNode => ({
        kind: 'memory',
        id: newId(),
        name: `${n.name}-read-${token(`${n.name}:${lo}:${hi}:${newId()}`)}`,
        shape: n.shape,
        dtype: n.dtype,
        chunks: n.chunks,
        memory,
        // element (c0, c1, …) of the array lives at Σ (c_k − lo_k)·strides_k of the box
        strides,
        offset: -lo.reduce((o, l, k) => o + l * strides[k]!, 0),
        op: 'array',
        state: { disposed: false },
      });
      if (parts.length === 1 && pool && src.readInto) {
        // one store chunk, decoded into a recycled buffer
        const count = hi.reduce((a, h, k) => a * (h - lo[k]!), 1);
        const sab = pool.take(Math.max(8, count * itemsize(n.dtype)));
        taken.push(sab);
        const view = typedView(n.dtype, sab as unknown as ArrayBuffer);
        await src.readInto(lo, hi, view, strides0, 0, signal);
        r.mem = memoryOver(view, strides0);
        return;
      }
      if (parts.length === 1) {
        // one store chunk is the whole box: the plan reads what the store returned (no box buffer)
        const data = await src.read(lo, hi, signal);
        const want = strides0.length ? strides0[0]! * (hi[0]! - lo[0]!) : 1;
        if (data.length !== want) throw new RangeError(`${n.name}: the store returned ${data.length} elements for box [${lo}]..[${hi}] (${want} expected)`);
        r.mem = memoryOver(data, strides0);
        return;
      }
      const shape = hi.map((h, k) => h - lo[k]!);
      const count = shape.reduce((a, b) => a * b, 1);
      // A SharedArrayBuffer: the plan reads it in place (scheduler/snapshot.ts), and V8 counts
      // its bytes, so a run of computes frees them under GC pressure (a NativeBuffer's
      // bufferView would keep it alive, uncounted, until its view is collected).
      const bytes = Math.max(8, count * itemsize(n.dtype));
      const sab = pool && src.readInto ? pool.take(bytes) : new SharedArrayBuffer(bytes);
      if (pool && src.readInto) taken.push(sab);
      const view = typedView(n.dtype, sab as unknown as ArrayBuffer);
      const strides = contiguousStrides(shape);
      const limit = src.concurrency ?? 2 * native().getNumThreads();
      await runLimited(parts, limit, async (p) => {
        const at = p.lo.reduce((o, l, k) => o + (l - lo[k]!) * strides[k]!, 0);
        if (src.readInto) return src.readInto(p.lo, p.hi, view, strides, at, signal);
        const data = await src.read(p.lo, p.hi, signal);
        const pshape = p.hi.map((h, k) => h - p.lo[k]!);
        const want = pshape.reduce((a, b) => a * b, 1);
        if (data.length !== want) throw new RangeError(`${n.name}: the store returned ${data.length} elements for box [${p.lo}]..[${p.hi}] (${want} expected)`);
        copyBox(data, pshape, view, strides, p.lo.reduce((o, l, k) => o + (l - lo[k]!) * strides[k]!, 0));
      }, signal);
      r.mem = {
        kind: 'memory',
        id: newId(),
        name: `${n.name}-read-${token(`${n.name}:${lo}:${hi}:${newId()}`)}`,
        shape: n.shape,
        dtype: n.dtype,
        chunks: n.chunks,
        memory: view,
        // element (c0, c1, …) of the array lives at Σ (c_k − lo_k)·strides_k of the box
        strides,
        offset: -lo.reduce((o, l, k) => o + l * strides[k]!, 0),
        op: 'array',
        state: { disposed: false },
      };
    }),
  );
  // Storage a consumer reads nothing of (an empty box): memory no stage addresses.
  const empty = new Map<number, MemoryNode>();
  const emptyOf = (n: DelayedNode): MemoryNode => {
    let m = empty.get(n.id);
    if (!m) {
      m = { kind: 'memory', id: newId(), name: `${n.name}-empty`, shape: n.shape, dtype: n.dtype, chunks: n.chunks, memory: new Float64Array(new SharedArrayBuffer(8)), strides: n.shape.map(() => 0), offset: 0, op: 'array', state: { disposed: false } };
      empty.set(n.id, m);
    }
    return m;
  };
  const sub = (parent: Node | null, child: Node): Node | undefined => {
    if (!isStorage(child)) return undefined;
    const key = edgeRead.get(`${parent ? parent.id : 'root'}:${child.id}`);
    return key ? reads.get(key)!.mem! : emptyOf(child);
  };
  return { roots: rebuildWith(roots.map((r) => r.node), sub), release: () => taken.splice(0).forEach((b) => pool!.give(b)) };
}

/** The graph above `roots` with nodes replaced (by id); unchanged subgraphs are shared. */
export function rebuild(roots: readonly Node[], replaced: ReadonlyMap<number, Node>): Node[] {
  return rebuildWith(roots, (_, child) => replaced.get(child.id));
}

/**
 * The graph above `roots` with each child edge (parent, child) substituted where `sub` says
 * (parent null: a root); parents of substituted nodes are rebuilt, the rest is shared.
 */
export function rebuildWith(roots: readonly Node[], sub: (parent: Node | null, child: Node) => Node | undefined): Node[] {
  const out = new Map<number, Node>();
  const direct = (n: Node): Node => out.get(n.id) ?? n;
  for (const n of topoOrder(roots)) {
    if (sub(null, n) !== undefined && children(n).length === 0 && isStorage(n)) continue;
    const get = (c: Node): Node => sub(n, c) ?? direct(c);
    const getArg = <T extends Node | Scalar>(a: T): T => (isScalar(a) ? a : (get(a as Node) as T));
    let m: Node | undefined;
    switch (n.kind) {
      case 'unary':
      case 'transpose':
      case 'view':
      case 'rechunk':
      case 'reshape':
      case 'reduce':
      case 'scan':
      case 'quantile': {
        const arg = get(n.arg);
        if (arg !== n.arg) m = { ...n, id: newId(), arg } as Node;
        break;
      }
      case 'binary':
      case 'where': {
        const args = n.args.map(getArg);
        if (args.some((a, i) => a !== n.args[i])) m = { ...n, id: newId(), args } as unknown as Node;
        break;
      }
      case 'concat': {
        const args = n.args.map(get);
        if (args.some((a, i) => a !== n.args[i])) m = { ...n, id: newId(), args };
        break;
      }
      case 'matmul': {
        const a = get(n.a);
        const b = get(n.b);
        if (a !== n.a || b !== n.b) m = { ...n, id: newId(), a, b };
        break;
      }
      case 'take': {
        const arg = get(n.arg);
        const index = get(n.index);
        if (arg !== n.arg || index !== n.index) m = { ...n, id: newId(), arg, index };
        break;
      }
      case 'mask': {
        const arg = get(n.arg);
        const cond = get(n.cond);
        if (arg !== n.arg || cond !== n.cond) m = { ...n, id: newId(), arg, cond };
        break;
      }
      default:
        break;
    }
    if (m) out.set(n.id, m);
  }
  return roots.map((r) => sub(null, r) ?? direct(r));
}
