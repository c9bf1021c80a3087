// Messages between client, scheduler and workers, and the pure functions that cut a lowered plan
// into tasks and combine reduction partials exactly as the local engine does
// (native/engine/executor.cc: pairwise within a chunk, a fixed binary tree over the chunk index).
import { ReduceCode, type NativeStage } from '../native.js';
import type { FetchSpec } from './remote.js';
import type { DataAddress } from './dataplane.js';

// ---- subjects
export const SUBJECTS = {
  submit: 'tessera.sched.submit',
  call: 'tessera.sched.call',
  graph: 'tessera.sched.graph',
  release: 'tessera.sched.release',
  recompute: 'tessera.sched.recompute',
  result: 'tessera.sched.result',
  started: 'tessera.sched.started',
  heartbeat: 'tessera.sched.heartbeat',
  info: 'tessera.sched.info',
  live: 'tessera.sched.live',
  workerRelease: 'tessera.worker.release',
  workerGet: (name: string): string => `tessera.worker.${name}.get`,
  workerDrop: (name: string): string => `tessera.worker.${name}.drop`,
  workerTask: (name: string): string => `tessera.worker.${name}.task`,
  client: (compute: string): string => `tessera.client.${compute}`,
  events: (type: string): string => `tessera.events.${type}`,
} as const;

// ---- exact messages: a JSON header plus raw binary attachments. Typed arrays travel as bytes
// (no base64: JSON + base64 ran at ~60 MB/s, too slow for chunk data), non-finite numbers and -0
// are spelled out. Layout: 0xB1, JSON length (u32 LE), JSON, attachments (each 8-byte aligned).
const TYPED = {
  f64: Float64Array, f32: Float32Array, i32: Int32Array, u32: Uint32Array, i16: Int16Array, u16: Uint16Array,
  i8: Int8Array, u8: Uint8Array, u8c: Uint8ClampedArray, i64: BigInt64Array, u64: BigUint64Array,
} as const;
type TypedTag = keyof typeof TYPED | 'buf';
// Tag keys unlikely to appear in user values (Delayed arguments and results travel too).
const T = '$tessera.typed';
const N = '$tessera.number';
type Tagged = { [T]: TypedTag; o: number; n: number } | { [N]: string };
const MAGIC = 0xb1;

function tagOf(v: ArrayBufferView): TypedTag {
  if (Buffer.isBuffer(v)) return 'buf';
  for (const [tag, Ctor] of Object.entries(TYPED)) if (v instanceof Ctor) return tag as TypedTag;
  return 'u8'; // DataView: its bytes
}

export function pack(x: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  let at = 0;
  const text = JSON.stringify(x, function (this: Record<string, unknown>, key, value: unknown) {
    if (typeof value === 'number') {
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [N]: Object.is(value, -0) ? '-0' : String(value) };
    }
    // the value before toJSON (a Buffer's toJSON would turn it into a list of numbers)
    const orig = this[key];
    if (ArrayBuffer.isView(orig)) {
      const bytes = new Uint8Array(orig.buffer, orig.byteOffset, orig.byteLength);
      const tag = { [T]: tagOf(orig), o: at, n: bytes.byteLength };
      blobs.push(bytes);
      at += (bytes.byteLength + 7) & ~7;
      return tag;
    }
    return value;
  });
  const head = new TextEncoder().encode(text);
  const base = (5 + head.length + 7) & ~7;
  const out = new Uint8Array(base + at);
  out[0] = MAGIC;
  new DataView(out.buffer).setUint32(1, head.length, true);
  out.set(head, 5);
  let o = base;
  for (const b of blobs) {
    out.set(b, o);
    o += (b.byteLength + 7) & ~7;
  }
  return out;
}

export function unpack<T>(data: Uint8Array): T {
  if (data[0] !== MAGIC || data.length < 5) throw new TypeError('not a tessera message');
  const len = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1, true);
  const base = (5 + len + 7) & ~7;
  return JSON.parse(new TextDecoder().decode(data.subarray(5, 5 + len)), (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Tagged;
      if (N in v) return v[N] === '-0' ? -0 : Number(v[N]);
      if (T in v) {
        // a copy: aligned for the element type, and independent of the message buffer (not
        // data.slice(): on a Node Buffer, as NATS hands out, slice() is a view of a shared pool)
        const copy = new Uint8Array(v.n);
        copy.set(data.subarray(base + v.o, base + v.o + v.n));
        if (v[T] === 'buf') return Buffer.from(copy.buffer, 0, v.n);
        const Ctor = TYPED[v[T] as keyof typeof TYPED] ?? Uint8Array;
        return new Ctor(copy.buffer, 0, v.n / Ctor.BYTES_PER_ELEMENT);
      }
    }
    return value;
  }) as T;
}

// ---- messages
/**
 * A buffer of a submitted plan: inline bytes (inputs), written by a stage, or output `output` of
 * an earlier compute whose pieces the workers keep (`client.persist`).
 */
export type WireBuffer =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'out'; bytes: number }
  | { kind: 'remote'; compute: string; output: number; bytes: number };

export interface SubmitRequest {
  compute: string;
  stages: NativeStage[];
  stageNames: string[];
  buffers: WireBuffer[];
  /** Buffers the client wants back (roots). */
  outputs: number[];
}

/** A Delayed graph for the cluster: module-function calls, literals and item lookups. */
export interface GraphRequest {
  compute: string;
  tasks: GraphTask[];
  /** Keys whose values the client wants, in order. */
  outputs: string[];
}

export interface GraphTask {
  key: string;
  name: string;
  /** 'build': a container rebuilt with its Delayeds' values (args[0] is its template). */
  kind: 'call' | 'literal' | 'getitem' | 'build';
  url?: string;
  exportName?: string;
  /** Argument templates: a dependency's value stands where `{ [GRAPH_REF]: key }` is. */
  args?: unknown[];
  value?: unknown;
  index?: number;
  deps: string[];
}

export const GRAPH_REF = '$tessera.delayed';

/** Replace `{ [GRAPH_REF]: key }` in a template by the values of those keys. */
export function fillRefs(x: unknown, valueOf: (key: string) => unknown): unknown {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return x;
  if (Array.isArray(x)) return x.map((v) => fillRefs(v, valueOf));
  const rec = x as Record<string, unknown>;
  const keys = Object.keys(rec);
  if (keys.length === 1 && keys[0] === GRAPH_REF && typeof rec[GRAPH_REF] === 'string') return valueOf(rec[GRAPH_REF]);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = fillRefs(rec[k], valueOf);
  return out;
}

/** Where a stored (non-reduced) piece of an output lives. */
export interface Piece {
  worker: string;
  key: string;
  task: string;
  /** Chunk box in the stage's iteration space. */
  start: number[];
  ext: number[];
  /** The original sink's addressing: element of c (global) at offset + sum c[k] * strides[k]. */
  offset: number;
  strides: number[];
  dtype: number;
  /** The piece is the whole output buffer, already laid out (a stage run as one task). */
  whole?: boolean;
  /** Bytes stored. */
  bytes?: number;
  /** The holding worker's chunk port, when it serves one. */
  data?: DataAddress;
}

export type OutputResult = { kind: 'data'; data: Uint8Array } | { kind: 'pieces'; pieces: Piece[] };

export type ClientEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; outputs: OutputResult[]; value?: unknown }
  | { type: 'error'; message: string };

export type TaskMsg = (
  | {
      kind: 'plan';
      /** One sub-stage per chunk of the task (tiny chunks are batched into one task message). */
      stages: NativeStage[];
      /**
       * Sub-plan buffers: inline data, a fresh zeroed buffer of `alloc` bytes, or a box of a
       * persisted array assembled from stored pieces (./remote.ts).
       */
      buffers: TaskBuffer[];
      /** Per stage: the sub-plan buffer that receives its sink. */
      outs: number[];
      /** 'keep': store on the worker (chunk data); 'return': send the bytes back (partials). */
      mode: 'keep' | 'return';
    }
  | { kind: 'call'; url: string; exportName: string; args: unknown[] }
) & {
  id: string;
  compute: string;
  name: string;
  /** Deliveries beyond this are refused (the task keeps killing its workers). */
  maxTries: number;
};

export type TaskBuffer = { data: Uint8Array } | { alloc: number } | { fetch: FetchSpec };

export interface ResultMsg {
  id: string;
  compute: string;
  worker: string;
  ok: boolean;
  error?: string;
  /** Per stage of a 'return' task: the sink bytes. */
  data?: Uint8Array[];
  /** Per stage of a 'keep' task: the stored chunk. */
  stored?: { key: string; bytes: number }[];
  value?: unknown;
  ms?: number;
  /** When the worker took the task (epoch ms). */
  startedAt?: number;
  /** The task could not fetch these stored input pieces (their worker is gone). */
  missing?: { compute: string; task: string; worker: string }[];
}

export interface StartedMsg {
  id: string;
  compute: string;
  worker: string;
  deliveries: number;
}

export interface WorkerInfo {
  name: string;
  nthreads: number;
  memoryLimit: number;
  memory: number;
  running: number;
  stored: number;
  t: number;
  pid: number;
  host: string;
  /** The worker's chunk port (dataplane.ts), when it serves one. */
  data?: DataAddress;
}

// ---- plan splitting
export function chunkCount(stage: NativeStage): number {
  return stage.chunks.reduce((n, c) => n * c.length, 1);
}

export function chunkBox(stage: NativeStage, task: number): { start: number[]; ext: number[] } {
  const nd = stage.shape.length;
  const start = new Array<number>(nd);
  const ext = new Array<number>(nd);
  let rem = task;
  for (let k = nd - 1; k >= 0; k--) {
    const c = stage.chunks[k]!;
    const ci = rem % c.length;
    rem = Math.floor(rem / c.length);
    let s = 0;
    for (let i = 0; i < ci; i++) s += c[i]!;
    start[k] = s;
    ext[k] = c[ci]!;
  }
  return { start, ext };
}

/** A reduced axis of the stage's sink (an empty reduceAxes reduces none). */
const isReduced = (stage: NativeStage, k: number): boolean => stage.sink.reduceAxes[k] === 1;

/** Doubles per output element of a partial: (count, mean, M2) for var/std, else one. */
export function partialPlanes(reduce: number): number {
  return reduce === ReduceCode.Var || reduce === ReduceCode.Std ? 3 : 1;
}

/** Most bytes of reduction partials the scheduler holds for one stage before it runs it whole. */
export const MAX_SCHEDULER_PARTIAL_BYTES = 256 * 2 ** 20;

/**
 * How a stage is run on the cluster:
 *  - 'chunks': one task per chunk. Stores keep their chunk on the worker; every reduction (full,
 *    over some axes, var/std) returns its chunk's raw float64 partials (`sink.partials`), which the
 *    scheduler combines in the engine's tree order (`combineChunkPartials`);
 *  - 'whole': one task runs the whole stage: a stage of one chunk, empty chunks or an empty
 *    reduction, or a reduction whose partials (kept outputs × chunks along the reduced axes ×
 *    planes × 8 bytes) would exceed MAX_SCHEDULER_PARTIAL_BYTES. Still bit-identical.
 */
export function splitMode(stage: NativeStage): 'chunks' | 'whole' {
  const n = chunkCount(stage);
  if (n <= 1) return 'whole';
  if (stage.chunks.some((c) => c.some((e) => e === 0))) return 'whole';
  if (stage.sink.reduce === ReduceCode.None) return 'chunks';
  let kept = 1;
  let nRed = 1;
  let count = 1;
  for (let k = 0; k < stage.shape.length; k++) {
    if (isReduced(stage, k)) {
      nRed *= stage.chunks[k]!.length;
      count *= stage.shape[k]!;
    } else kept *= stage.shape[k]!;
  }
  if (count === 0 || kept === 0) return 'whole';
  if (kept * nRed * partialPlanes(stage.sink.reduce) * 8 > MAX_SCHEDULER_PARTIAL_BYTES) return 'whole';
  return 'chunks';
}

/** Bytes of the buffer a chunk's sub-stage writes: the chunk (stores) or its partials (reductions). */
export function chunkOutBytes(stage: NativeStage, task: number): number {
  const { ext } = chunkBox(stage, task);
  if (stage.sink.reduce === ReduceCode.None) return ext.reduce((a, e) => a * e, 1) * (stage.sink.dtype === 0 ? 8 : 4);
  const kept = ext.reduce((a, e, k) => (isReduced(stage, k) ? a : a * e), 1);
  return kept * partialPlanes(stage.sink.reduce) * 8;
}

/**
 * The sub-stage computing chunk `task` of `stage` alone: shape = the chunk box, every leaf offset
 * shifted to the box's start (what lowering does for regions). Its sink writes buffer `outBuffer`:
 * contiguously for stores; for reductions the chunk's raw float64 partials (`partials: true`: the
 * value; Mean's raw sum; var/std's count, mean, M2 planes), row-major over the box's kept axes,
 * same reduce, reduceAxes and ddof. The engine iterates a one-chunk sub-stage exactly as the full
 * stage iterates that chunk (the tile rule is per task box), so the partials have its bits; the
 * scheduler finalizes (and rounds to float32) only after the combine, as locally.
 */
export function chunkStage(stage: NativeStage, task: number, outBuffer: number, leafBuffers: Map<number, number>): NativeStage {
  const { start, ext } = chunkBox(stage, task);
  const shift = (offset: number, strides: readonly number[]): number => offset + strides.reduce((s, st, k) => s + st * start[k]!, 0);
  const leaves = stage.leaves.map((l) => ({
    ...l,
    offset: shift(l.offset, l.strides),
    buffer: l.buffer >= 0 ? leafBuffers.get(l.buffer)! : -1,
  }));
  const nd = ext.length;
  const contiguous: number[] = new Array(nd);
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    contiguous[k] = acc;
    acc *= ext[k]!;
  }
  const reduce = stage.sink.reduce;
  let sink: NativeStage['sink'];
  if (reduce === ReduceCode.None) {
    sink = { ...stage.sink, buffer: outBuffer, offset: 0, strides: contiguous, reduceAxes: ext.map(() => 0) };
  } else {
    const strides: number[] = new Array(nd);
    let kept = 1;
    for (let k = nd - 1; k >= 0; k--) {
      if (isReduced(stage, k)) strides[k] = 0;
      else {
        strides[k] = kept;
        kept *= ext[k]!;
      }
    }
    sink = { ...stage.sink, dtype: 0, buffer: outBuffer, offset: 0, strides, partials: true };
  }
  return { ...stage, shape: ext, chunks: ext.map((e) => [e]), leaves, sink };
}

/** The whole stage with its buffers renumbered for a sub-plan. */
export function wholeStage(stage: NativeStage, outBuffer: number, leafBuffers: Map<number, number>): NativeStage {
  return {
    ...stage,
    leaves: stage.leaves.map((l) => ({ ...l, buffer: l.buffer >= 0 ? leafBuffers.get(l.buffer)! : -1 })),
    sink: { ...stage.sink, buffer: outBuffer },
  };
}

const nanMin = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b);
const nanMax = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b);

/** One output's partial: Sum/Prod/Min/Max/Mean use a; Var/Std are (count, mean, M2). */
interface Partial {
  a: number;
  b: number;
  c: number;
}

/**
 * Combine the per-chunk partial buffers of a reduction stage run as 'chunks' (`parts[t]`: the
 * float64 partials chunkStage's sink wrote for chunk t, row-major chunk order) into the stage's
 * output, exactly as PlanJob::finishStage does: per kept output element, its chunks' partials in
 * row-major order over the reduced axes' chunk grid, combined in the fixed binary tree (split at
 * lo + floor((hi - lo) / 2)) with the engine's combine (Chan's for var/std), then finalized
 * (mean: / count; var: M2 / max(count - ddof, 0); std: sqrt) and written through the original
 * sink's offset and strides into `out` (the sink buffer's bytes), rounded to float32 for F32.
 */
export function combineChunkPartials(stage: NativeStage, parts: readonly Uint8Array[], out: Uint8Array): void {
  const sink = stage.sink;
  const op = sink.reduce;
  const nd = stage.shape.length;
  const varLike = op === ReduceCode.Var || op === ReduceCode.Std;
  const nchunks = stage.chunks.map((c) => c.length);
  const cstart = stage.chunks.map((c) => {
    const s = [0];
    for (const e of c) s.push(s[s.length - 1]! + e);
    return s;
  });
  const kept: number[] = [];
  const red: number[] = [];
  let count = 1;
  for (let k = 0; k < nd; k++) {
    if (isReduced(stage, k)) {
      red.push(k);
      count *= stage.shape[k]!;
    } else kept.push(k);
  }
  const nRed = red.reduce((a, k) => a * nchunks[k]!, 1);
  const f64 = (u: Uint8Array): Float64Array => {
    const v = u.byteOffset % 8 === 0 ? u : u.slice();
    return new Float64Array(v.buffer, v.byteOffset, Math.floor(v.byteLength / 8));
  };
  const data = parts.map(f64);
  const o64 = sink.dtype === 0 ? new Float64Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 8)) : undefined;
  const o32 = sink.dtype === 0 ? undefined : new Float32Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 4));
  const combine = (x: Partial, y: Partial): Partial => {
    switch (op) {
      case ReduceCode.Prod: return { a: x.a * y.a, b: 0, c: 0 };
      case ReduceCode.Min: return { a: nanMin(x.a, y.a), b: 0, c: 0 };
      case ReduceCode.Max: return { a: nanMax(x.a, y.a), b: 0, c: 0 };
      case ReduceCode.Var:
      case ReduceCode.Std: {
        if (x.a === 0) return y;
        if (y.a === 0) return x;
        const n = x.a + y.a;
        const delta = y.b - x.b;
        return { a: n, b: x.b + delta * (y.a / n), c: x.c + y.c + delta * delta * ((x.a * y.a) / n) };
      }
      default: return { a: x.a + y.a, b: 0, c: 0 };
    }
  };
  const slots: Partial[] = new Array(nRed);
  const tree = (lo: number, hi: number): Partial => {
    if (hi - lo === 1) return slots[lo]!;
    const mid = lo + Math.floor((hi - lo) / 2);
    return combine(tree(lo, mid), tree(mid, hi));
  };
  const finalize = (r: Partial): number => {
    if (op === ReduceCode.Mean) return r.a / count;
    if (varLike) {
      const v = r.c / Math.max(count - sink.ddof, 0);
      return op === ReduceCode.Std ? Math.sqrt(v) : v;
    }
    return r.a;
  };
  // chunk strides over the full grid (row-major) and over the reduced axes' grid
  const taskStride: number[] = new Array(nd);
  let ts = 1;
  for (let k = nd - 1; k >= 0; k--) {
    taskStride[k] = ts;
    ts *= nchunks[k]!;
  }
  const redTask: number[] = new Array(nRed); // reduced-chunk index -> task offset
  for (let r = 0; r < nRed; r++) {
    let rem = r;
    let t = 0;
    for (let q = red.length - 1; q >= 0; q--) {
      const k = red[q]!;
      t += (rem % nchunks[k]!) * taskStride[k]!;
      rem = Math.floor(rem / nchunks[k]!);
    }
    redTask[r] = t;
  }
  // every cell of the kept axes' chunk grid, then every output element inside it
  const nKeptCells = kept.reduce((a, k) => a * nchunks[k]!, 1);
  const ci: number[] = new Array(kept.length).fill(0);
  for (let cell = 0; cell < nKeptCells; cell++) {
    let rem = cell;
    for (let q = kept.length - 1; q >= 0; q--) {
      ci[q] = rem % nchunks[kept[q]!]!;
      rem = Math.floor(rem / nchunks[kept[q]!]!);
    }
    let base = 0;
    let addr0 = sink.offset;
    const ext: number[] = new Array(kept.length);
    let P = 1;
    for (let q = 0; q < kept.length; q++) {
      const k = kept[q]!;
      base += ci[q]! * taskStride[k]!;
      addr0 += cstart[k]![ci[q]!]! * sink.strides[k]!;
      ext[q] = stage.chunks[k]![ci[q]!]!;
      P *= ext[q]!;
    }
    const local: number[] = new Array(kept.length).fill(0);
    let addr = addr0;
    for (let j = 0; j < P; j++) {
      for (let r = 0; r < nRed; r++) {
        const d = data[base + redTask[r]!]!;
        slots[r] = varLike ? { a: d[j]!, b: d[j + P]!, c: d[j + 2 * P]! } : { a: d[j]!, b: 0, c: 0 };
      }
      const v = finalize(tree(0, nRed));
      if (o64) o64[addr] = v;
      else o32![addr] = v; // a Float32Array store rounds to nearest, as static_cast<float>
      for (let q = kept.length - 1; q >= 0; q--) {
        const k = kept[q]!;
        local[q]!++;
        addr += sink.strides[k]!;
        if (local[q]! < ext[q]!) break;
        addr -= local[q]! * sink.strides[k]!;
        local[q] = 0;
      }
    }
  }
}

export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)([bB]?)\s*$/.exec(text);
  if (!m) throw new RangeError(`--memory-limit: expected a size like 4GiB, 512MB or 1000000, got ${JSON.stringify(text)}`);
  const base = m[3] ? 1024 : m[2] ? 1000 : 1;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't']!;
  return Math.round(Number(m[1]) * base ** exp);
}
