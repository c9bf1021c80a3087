// Messages between client, scheduler and workers, and the pure functions that cut a lowered plan
// into tasks and combine reduction partials exactly as the local engine does
// (native/engine/executor.cc: pairwise within a chunk, a fixed binary tree over the chunk index).
import { ReduceCode, type NativeStage } from '../native.js';

// ---- subjects
export const SUBJECTS = {
  submit: 'tessera.sched.submit',
  call: 'tessera.sched.call',
  release: 'tessera.sched.release',
  recompute: 'tessera.sched.recompute',
  result: 'tessera.sched.result',
  started: 'tessera.sched.started',
  heartbeat: 'tessera.sched.heartbeat',
  info: 'tessera.sched.info',
  live: 'tessera.sched.live',
  workerRelease: 'tessera.worker.release',
  workerGet: (name: string): string => `tessera.worker.${name}.get`,
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
type TypedTag = keyof typeof TYPED;
type Tagged = { $t: TypedTag; o: number; n: number } | { $n: string };
const MAGIC = 0xb1;

function tagOf(v: ArrayBufferView): TypedTag {
  for (const [tag, Ctor] of Object.entries(TYPED)) if (v instanceof Ctor) return tag as TypedTag;
  return 'u8'; // DataView: its bytes
}

export function pack(x: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  let at = 0;
  const text = JSON.stringify(x, function (this: unknown, _key, value: unknown) {
    if (typeof value === 'number') {
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $n: Object.is(value, -0) ? '-0' : String(value) };
    }
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const tag = { $t: tagOf(value), o: at, n: bytes.byteLength };
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
      if ('$n' in v) return v.$n === '-0' ? -0 : Number(v.$n);
      if ('$t' in v) {
        // a copy: aligned for the element type, and independent of the message buffer (not
        // data.slice(): on a Node Buffer, as NATS hands out, slice() is a view of a shared pool)
        const copy = new Uint8Array(v.n);
        copy.set(data.subarray(base + v.o, base + v.o + v.n));
        const Ctor = TYPED[v.$t] ?? Uint8Array;
        return new Ctor(copy.buffer, 0, v.n / Ctor.BYTES_PER_ELEMENT);
      }
    }
    return value;
  }) as T;
}

// ---- messages
/** A buffer of a submitted plan: inline bytes (inputs), or written by a stage. */
export type WireBuffer = { kind: 'data'; data: Uint8Array } | { kind: 'out'; bytes: number };

export interface SubmitRequest {
  compute: string;
  stages: NativeStage[];
  stageNames: string[];
  buffers: WireBuffer[];
  /** Buffers the client wants back (roots). */
  outputs: number[];
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
      /** Sub-plan buffers: inline data, or a fresh zeroed buffer of `alloc` bytes. */
      buffers: ({ data: Uint8Array } | { alloc: number })[];
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

const SPLITTABLE_REDUCTIONS = new Set<number>([ReduceCode.Sum, ReduceCode.Prod, ReduceCode.Min, ReduceCode.Max, ReduceCode.Mean]);

/**
 * How a stage is run on the cluster:
 *  - 'chunks': one task per chunk (elementwise stores; full reductions whose per-chunk partial is
 *    one double, combined by the scheduler in the engine's tree order);
 *  - 'whole': one task runs the whole stage (axis reductions and var/std, whose partials the
 *    engine does not expose; still bit-identical, but one worker runs that stage).
 */
export function splitMode(stage: NativeStage): 'chunks' | 'whole' {
  const n = chunkCount(stage);
  if (n <= 1) return 'whole';
  if (stage.chunks.some((c) => c.some((e) => e === 0))) return 'whole';
  if (stage.sink.reduce === ReduceCode.None) return 'chunks';
  if (!SPLITTABLE_REDUCTIONS.has(stage.sink.reduce)) return 'whole';
  if (!stage.sink.reduceAxes.every((r) => r === 1)) return 'whole';
  return 'chunks';
}

/**
 * The sub-stage computing chunk `task` of `stage` alone: shape = the chunk box, every leaf offset
 * shifted to the box's start (what lowering does for regions). Its sink writes buffer `outBuffer`:
 * contiguously for stores; for full reductions the chunk's partial as one float64 (Mean → Sum so
 * the partial is the raw sum; float32 rounding happens only after the combine, as locally).
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
  const sink =
    reduce === ReduceCode.None
      ? { ...stage.sink, buffer: outBuffer, offset: 0, strides: contiguous, reduceAxes: ext.map(() => 0) }
      : {
          ...stage.sink,
          reduce: reduce === ReduceCode.Mean ? ReduceCode.Sum : reduce,
          dtype: 0,
          buffer: outBuffer,
          offset: 0,
          strides: ext.map(() => 0),
          reduceAxes: ext.map(() => 1),
        };
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

/** Combine per-chunk partials (row-major chunk order) exactly as PlanJob::finishStage does. */
export function combinePartials(reduce: number, partials: Float64Array, count: number): number {
  const combine =
    reduce === ReduceCode.Prod ? (x: number, y: number) => x * y : reduce === ReduceCode.Min ? nanMin : reduce === ReduceCode.Max ? nanMax : (x: number, y: number) => x + y;
  const run = (lo: number, hi: number): number => {
    if (hi - lo === 1) return partials[lo]!;
    const mid = lo + Math.floor((hi - lo) / 2);
    return combine(run(lo, mid), run(mid, hi));
  };
  const r = run(0, partials.length);
  return reduce === ReduceCode.Mean ? r / count : r;
}

export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)([bB]?)\s*$/.exec(text);
  if (!m) throw new RangeError(`--memory-limit: expected a size like 4GiB, 512MB or 1000000, got ${JSON.stringify(text)}`);
  const base = m[3] ? 1024 : m[2] ? 1000 : 1;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't']!;
  return Math.round(Number(m[1]) * base ** exp);
}
