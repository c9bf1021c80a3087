// Messages between client, scheduler and workers, and their codec. Cutting a plan into tasks and
// combining reduction partials are plan concepts: src/plan/split.ts and src/plan/partials.ts.
import type { NativeStage } from '../native.js';

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

export const WIRE_TYPES = 'plain data (numbers, strings, booleans, null, arrays, plain objects, typed arrays)';

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

/**
 * Where `x` holds something the codec cannot carry faithfully (functions, symbols, BigInt, Map,
 * Date, class instances…: JSON would turn them into 0, NaN or {}): its path in `x` (`[1].when`,
 * '' for `x` itself) and what it is (`a Date`); undefined when it is plain data — null, booleans, numbers, strings, arrays, plain objects,
 * typed arrays and Buffers. User values (task arguments, Delayed literals) are checked with it.
 */
export function wireProblem(x: unknown): { path: string; is: string } | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): { path: string; is: string } | undefined => {
    switch (typeof v) {
      case 'number': case 'string': case 'boolean': case 'undefined': return undefined;
      case 'object': break;
      default: return { path, is: `a ${typeof v === 'bigint' ? 'BigInt' : typeof v}` };
    }
    if (v === null || ArrayBuffer.isView(v)) return undefined;
    if (seen.has(v)) return { path, is: 'a cycle (it contains itself)' };
    seen.add(v);
    const proto = Object.getPrototypeOf(v) as object | null;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = walk(v[i], `${path}[${i}]`);
        if (p) return p;
      }
    } else if (proto !== Object.prototype && proto !== null) {
      return { path, is: `a ${(v as object).constructor?.name ?? 'object with a prototype'}` };
    } else {
      for (const [k, e] of Object.entries(v)) {
        const p = walk(e, `${path}.${k}`);
        if (p) return p;
      }
    }
    seen.delete(v);
    return undefined;
  };
  return walk(x, '');
}

// ---- messages
/** A worker's chunk port (dataplane.ts). */
export interface DataAddress {
  host: string;
  port: number;
}

/** One copy of a fetch: the part of a stored piece that lands in the assembled region. */
export interface FetchPart {
  compute: string;
  task: string;
  key: string;
  worker: string;
  /** The holder's chunk port, when it serves one. */
  data?: DataAddress;
  /** Shape of the stored piece (its box's extent; stored contiguously, row-major). */
  shape: number[];
  /** Where the copied box starts, in the piece's coordinates and in the region's. */
  src: number[];
  dst: number[];
  ext: number[];
}

/** How a worker builds one input buffer of a task from stored pieces. */
export interface FetchSpec {
  /** Shape of the assembled region (row-major, contiguous). */
  shape: number[];
  itemsize: number;
  parts: FetchPart[];
}

/**
 * A buffer of a submitted plan: inline bytes (inputs), written by a stage, or output `output` of
 * an earlier compute whose pieces the workers keep (`client.persist`).
 */
export type WireBuffer =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'out'; bytes: number }
  | { kind: 'remote'; compute: string; output: number; bytes: number }
  | { kind: 'zarr'; zarr: ZarrInput };

/** A Zarr array (C order, row-major) the workers open and read boxes of themselves. */
export interface ZarrInput {
  /** An absolute directory every worker sees at that path, or an http(s) URL. */
  where: string;
  path?: string;
  shape: number[];
  itemsize: number;
}

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
  /**
   * With `whole`: the stage wrote only its box (start/ext at offset/strides) of that buffer —
   * one of several stages writing it, as a concatenation's sources — so only that box is copied
   * from it (the rest of the stored buffer is zeros, not the other stages' values).
   */
  slab?: boolean;
  /** Bytes stored. */
  bytes?: number;
  /** The holding worker's chunk port, when it serves one. */
  data?: DataAddress;
}

export type OutputResult = { kind: 'data'; data: Uint8Array } | { kind: 'pieces'; pieces: Piece[] };

export type ClientEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; outputs: OutputResult[]; value?: unknown }
  | { type: 'error'; message: string; name?: ErrorName };

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

export type TaskBuffer = { data: Uint8Array } | { alloc: number } | { fetch: FetchSpec } | { zarr: ZarrInput & { region: { start: number[]; ext: number[] } } };

/** The class of a failure that is the caller's (bad input found while running), kept from worker to client. */
export type ErrorName = 'RangeError' | 'TypeError';

/** The ErrorName of a thrown value, if it is one of those. */
export const errorName = (err: unknown): ErrorName | undefined => (err instanceof RangeError ? 'RangeError' : err instanceof TypeError ? 'TypeError' : undefined);

export interface ResultMsg {
  id: string;
  compute: string;
  worker: string;
  ok: boolean;
  error?: string;
  /** With `error`: the class of the failure when it is the caller's (an index out of range: RangeError). */
  errorName?: ErrorName;
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
  /** Bytes of stored chunks spilled to disk (worker-spill.ts). */
  spilled?: number;
  /** Process CPU use between the last two heartbeats, percent of one core (process.cpuUsage deltas). */
  cpu?: number;
  running: number;
  stored: number;
  t: number;
  pid: number;
  host: string;
  /** The worker's chunk port (dataplane.ts), when it serves one. */
  data?: DataAddress;
}

export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)([bB]?)\s*$/.exec(text);
  if (!m) throw new RangeError(`--memory-limit: expected a size like 4GiB, 512MB or 1000000, got ${JSON.stringify(text)}`);
  const base = m[3] ? 1024 : m[2] ? 1000 : 1;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't']!;
  return Math.round(Number(m[1]) * base ** exp);
}
