// Task profiler: records each task's key, start, end and thread, saves JSON and Chrome trace-event
// JSON (chrome://tracing, https://ui.perfetto.dev). Attach one with `compute({ profiler })`, or
// wrap code in `profile(async () => ...)` so every compute inside it records.
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFile } from 'node:fs/promises';
import type { TaskRecorder, TaskTiming } from '../graph/types.js';

/** One task as recorded. Times are ms (fractional, ns resolution) since the profiler was created. */
export interface TaskRecord {
  /** The task's key: Dask-style, e.g. `'sum-chunk-1f3a…-3'` or a delayed call's key. */
  key: string;
  /** Operation name (function name, stage op). */
  name: string;
  /** Start time in ms since the profiler was created (fractional). */
  start: number;
  /** End time in ms since the profiler was created (fractional). */
  end: number;
  /** Thread label: "main", "worker 3" (worker_threads threadId), "native 2" (engine thread). */
  thread: string;
  /** Numeric thread id used in traces (worker_threads threadId; 10000 + n for native threads). */
  tid: number;
}

export type RecordInput = TaskTiming;

/** Chrome trace-event format ("JSON Object Format"), https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU */
export interface ChromeTraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'M';
  /** µs */
  ts: number;
  /** µs (complete events) */
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/**
 * A Chrome trace-event document ("JSON Object Format") as {@link Profiler.toChromeTrace} makes it:
 * open the saved file in chrome://tracing or https://ui.perfetto.dev.
 */
export interface ChromeTrace {
  /** Thread-name metadata ('M') events, then one complete ('X') event per task (times in µs). */
  traceEvents: ChromeTraceEvent[];
  /** The unit viewers display (`'ms'`). */
  displayTimeUnit: 'ms' | 'ns';
  /** `{ origin }`: the wall-clock time (ISO 8601) of the profiler's time origin. */
  otherData?: Record<string, unknown>;
}

export interface ProfileJSON {
  version: 1;
  unit: 'ms';
  /** Wall-clock time (ISO 8601) of the profiler's time origin. */
  origin: string;
  tasks: TaskRecord[];
}

/**
 * Dask's Profiler: records every task of the computes it is passed to (`compute({ profiler })`)
 * with key, thread and times; `toChromeTrace()` / `saveChromeTrace(path)` for chrome://tracing or
 * Perfetto, `toJSON()` / `save(path)`.
 */
export class Profiler implements TaskRecorder {
  /** process.hrtime.bigint() at creation: the origin of `start`/`end`. */
  readonly originNs: bigint;
  /** `Date.now()` at creation: the wall-clock time of the origin of `start` / `end`. */
  readonly originWallMs: number;
  /** The recorded tasks, in the order they were recorded; {@link Profiler.clear} empties it. */
  readonly records: TaskRecord[] = [];

  constructor() {
    this.originNs = process.hrtime.bigint();
    this.originWallMs = Date.now();
  }

  /** Record one finished task (used by delayed computes, and by array computes via recordNativeTasks). */
  record(r: RecordInput): void {
    const start = Number(BigInt(r.startNs) - this.originNs) / 1e6;
    const end = Number(BigInt(r.endNs) - this.originNs) / 1e6;
    this.records.push({
      key: r.key,
      name: r.name ?? r.key,
      start,
      end,
      thread: r.thread ?? (r.tid === 0 ? 'main' : `worker ${r.tid}`),
      tid: r.tid,
    });
  }

  /** Forget the records (the time origin stays), e.g. between two measured computes. */
  clear(): void {
    this.records.length = 0;
  }

  /**
   * The records as `{ version: 1, unit: 'ms', origin, tasks }` (origin: ISO 8601 wall-clock time of
   * time 0), so `JSON.stringify(profiler)` writes them.
   */
  toJSON(): ProfileJSON {
    return { version: 1, unit: 'ms', origin: new Date(this.originWallMs).toISOString(), tasks: [...this.records] };
  }

  /** Write {@link Profiler.toJSON} to `path` as indented JSON (overwriting the file). */
  async save(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toJSON(), null, 2) + '\n');
  }

  /**
   * Chrome trace-event JSON: one complete ('X') event per task, times in µs; one track per thread.
   * Overlapping tasks of one thread (async functions on the event loop) go on extra tracks
   * ("main (async 2)"), since trace viewers require the slices of one track to nest.
   */
  toChromeTrace(): ChromeTrace {
    const pid = process.pid;
    const events: ChromeTraceEvent[] = [];
    const byThread = new Map<number, TaskRecord[]>();
    for (const r of this.records) {
      let list = byThread.get(r.tid);
      if (!list) byThread.set(r.tid, (list = []));
      list.push(r);
    }
    const meta: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: 'tessera' } }];
    let nextLaneTid = 1_000_000;
    for (const [tid, list] of [...byThread].sort((a, b) => a[0] - b[0])) {
      list.sort((a, b) => a.start - b.start);
      const laneEnds: number[] = [];
      const laneTids: number[] = [];
      for (const r of list) {
        let lane = laneEnds.findIndex((end) => end <= r.start);
        if (lane < 0) {
          lane = laneEnds.length;
          laneEnds.push(r.end);
          const laneTid = lane === 0 ? tid : nextLaneTid++;
          laneTids.push(laneTid);
          const label = lane === 0 ? r.thread : `${r.thread} (async ${lane + 1})`;
          meta.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: laneTid, args: { name: label } });
          meta.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: laneTid, args: { sort_index: tid * 100 + lane } });
        } else {
          laneEnds[lane] = r.end;
        }
        events.push({
          name: r.name,
          cat: 'task',
          ph: 'X',
          ts: Math.round(r.start * 1000 * 1000) / 1000,
          dur: Math.max(0, Math.round((r.end - r.start) * 1000 * 1000) / 1000),
          pid,
          tid: laneTids[lane]!,
          args: { key: r.key, thread: r.thread },
        });
      }
    }
    return { traceEvents: [...meta, ...events], displayTimeUnit: 'ms', otherData: { origin: new Date(this.originWallMs).toISOString() } };
  }

  /** Write {@link Profiler.toChromeTrace} to `path` (overwriting the file): open it in chrome://tracing or Perfetto. */
  async saveChromeTrace(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toChromeTrace()) + '\n');
  }
}

const activeStore = new AsyncLocalStorage<Profiler[]>();

/**
 * Run `fn` with a profiler attached to every compute started inside it (including nested async
 * calls). Resolves with fn's result and the profiler.
 *
 * ```ts
 * const { result, profiler } = await profile(() => total.compute());
 * await profiler.saveChromeTrace('trace.json');
 * ```
 */
export async function profile<T>(fn: () => T | Promise<T>, profiler: Profiler = new Profiler()): Promise<{
  /** fn's value, awaited. */
  result: T;
  /** The profiler that recorded the computes (the one passed, or a new one). */
  profiler: Profiler;
}> {
  const outer = activeStore.getStore() ?? [];
  const result = await activeStore.run([...outer, profiler], fn);
  return { result, profiler };
}

/** The profilers a compute must feed: `options.profiler` plus those of enclosing `profile()` calls. */
export function profilersFor(options: { profiler?: TaskRecorder | readonly TaskRecorder[] | undefined } = {}): Profiler[] {
  const own: unknown[] = options.profiler === undefined ? [] : Array.isArray(options.profiler) ? [...options.profiler] : [options.profiler];
  for (const p of own)
    if (!(p instanceof Profiler)) throw new TypeError(`options.profiler must be a Profiler (new Profiler()), got ${String(p)}`);
  const active = activeStore.getStore() ?? [];
  return [...new Set([...(own as Profiler[]), ...active])];
}

/** A task record as the native engine reports it. */
export interface NativeTaskRecord {
  stage: number;
  task: number;
  thread: number;
  /** ns on the steady clock: relative to `originNs` (e.g. plan start), or absolute if no origin is given. */
  startNs: bigint | number;
  endNs: bigint | number;
}

export interface RecordNativeOptions {
  /** Name a task: its key and op. Default `stage-<stage>-<task>` / `stage-<stage>`. */
  describe?: (stage: number, task: number) => { key: string; name: string };
  /**
   * process.hrtime.bigint() at the instant the native times count from (the plan start: take it
   * just before submitting the plan). Default 0: the records are absolute CLOCK_MONOTONIC ns, the
   * clock of process.hrtime.bigint() and std::chrono::steady_clock on Linux.
   */
  originNs?: bigint;
}

/**
 * Feed native engine task records to profilers: an iterable of records, or the engine's flat
 * Float64Array of 5 numbers per task (stage, task, thread, startNs, endNs). Native threads get
 * tids 10000 + thread and are labelled "native <thread>".
 */
export function recordNativeTasks(
  profilers: Profiler | readonly Profiler[],
  records: Iterable<NativeTaskRecord> | Float64Array,
  options: RecordNativeOptions = {},
): void {
  const list = Array.isArray(profilers) ? profilers : [profilers as Profiler];
  if (list.length === 0) return;
  const describe = options.describe ?? ((s: number, t: number) => ({ key: `stage-${s}-${t}`, name: `stage-${s}` }));
  const origin = options.originNs ?? 0n;
  const add = (stage: number, task: number, thread: number, startNs: bigint | number, endNs: bigint | number): void => {
    const { key, name } = describe(stage, task);
    const toNs = (t: bigint | number): bigint => (typeof t === 'bigint' ? t : BigInt(Math.round(t)));
    const s = origin + toNs(startNs);
    const e = origin + toNs(endNs);
    for (const p of list) p.record({ key, name, startNs: s, endNs: e, tid: 10000 + thread, thread: `native ${thread}` });
  };
  if (records instanceof Float64Array) {
    if (records.length % 5 !== 0) throw new RangeError(`recordNativeTasks: records must hold 5 numbers per task, got length ${records.length}`);
    for (let i = 0; i < records.length; i += 5) add(records[i]!, records[i + 1]!, records[i + 2]!, records[i + 3]!, records[i + 4]!);
  } else {
    for (const r of records) add(r.stage, r.task, r.thread, r.startNs, r.endNs);
  }
}
