// The local adapter: turns every compute of the local native scheduler into dashboard events.
// It registers a compute monitor (src/scheduler/local.ts) that asks the engine for per-task
// timing records while the dashboard is open — delivered live with the engine's progress ticks
// (plan.profileLive), so the task stream fills while a plan runs — reports progress from the same
// callbacks, marks a persist's chunks "in memory" until dispose() releases them, and samples
// native memory (`memoryStats().nativeBytes`: persisted chunks and in-flight intermediates) and
// process CPU as a heartbeat.
import { hostname, totalmem } from 'node:os';
import { TaskGraphBuilder, unravel } from '../graph/builder.js';
import type { GraphNode, TaskGraph } from '../graph/types.js';
import { native, LeafKind, ReduceCode, type NativeBuffer, type NativeBufferArg, type NativePlan } from '../native.js';
import { addComputeMonitor, type LocalComputeInfo, type LocalComputeTracker } from '../scheduler/local.js';
import type { DashboardEvent, DashboardEventSource, GroupCounts } from './events.js';

export const LOCAL_WORKER_ID = 'local';

export interface LocalSourceOptions {
  /** Memory limit shown for the local worker (default: the machine's total memory). */
  memoryLimit?: number;
  /** Heartbeat / memory sampling interval in ms (default 250). */
  intervalMs?: number;
}

let computeCounter = 0;

/** Stage-level graph of a native plan: one layer per fused stage, edges where a stage reads another's output. */
export function planGraph(info: Pick<LocalComputeInfo, 'stageNames' | 'stageTasks' | 'plan'>): TaskGraph {
  const plan: NativePlan = info.plan;
  const producer = new Map<number, number>();
  plan.stages.forEach((s, i) => {
    if (s.sink.buffer >= 0) producer.set(s.sink.buffer, i);
  });
  const names = info.stageNames.map((n, i) => (info.stageNames.indexOf(n) === i ? n : `${n}-${i}`));
  // Memory leaves no stage of this plan writes: persisted arrays (or inputs) — drawn as data layers.
  const external = new Map<number, string>();
  const stageDeps: number[][] = [];
  const stageInputs: string[][] = [];
  plan.stages.forEach((s, i) => {
    const deps = new Set<number>();
    const inputs = new Set<string>();
    for (const leaf of s.leaves) {
      if (leaf.kind !== LeafKind.Memory) continue;
      const p = producer.get(leaf.buffer);
      if (p !== undefined && p < i) deps.add(p);
      else if (p === undefined) {
        let name = external.get(leaf.buffer);
        if (name === undefined) external.set(leaf.buffer, (name = `persisted-${external.size + 1}`));
        inputs.add(name);
      }
    }
    stageDeps.push([...deps]);
    stageInputs.push([...inputs]);
  });
  const builder = new TaskGraphBuilder();
  for (const name of external.values()) builder.layer(name, 'persisted');
  plan.stages.forEach((_s, i) => {
    builder.layer(names[i]!, info.stageNames[i]!, [...stageInputs[i]!, ...stageDeps[i]!.map((d) => names[d]!)]);
    builder.addTasks(names[i]!, info.stageTasks[i] ?? 0);
  });
  return builder
    .addNodes(function* (): Iterable<GraphNode> {
      for (const name of external.values()) yield { key: name, label: 'persisted', kind: 'data', deps: [], layer: name };
      for (let i = 0; i < plan.stages.length; i++) {
        const s = plan.stages[i]!;
        const name = names[i]!;
        const numblocks = s.chunks.map((c) => c.length);
        const tasks = info.stageTasks[i] ?? 0;
        const where = (t: number): string => `(${unravel(t, numblocks).join(', ')})`;
        const reduces = s.sink.reduce !== ReduceCode.None;
        const depData = [...stageInputs[i]!, ...stageDeps[i]!.map((d) => `${names[d]!}-out`)];
        for (let t = 0; t < tasks; t++) {
          const key = `${name}-${where(t)}`;
          yield { key, label: info.stageNames[i]!, kind: 'task', deps: depData, layer: name };
          if (!reduces) yield { key: `${key}-out`, label: where(t), kind: 'data', deps: [key], layer: name };
        }
        if (reduces) yield { key: `${name}-out`, label: 'result', kind: 'data', deps: Array.from({ length: tasks }, (_x, t) => `${name}-${where(t)}`), layer: name };
      }
    })
    .build();
}

/**
 * Bytes of a local compute's results: the buffers its stages write that no later stage reads
 * (persisted chunks, or what compute() hands back). Undefined when a size is unknown.
 */
export function resultBytes(info: Pick<LocalComputeInfo, 'plan' | 'buffers'>): number | undefined {
  const { plan, buffers } = info;
  if (!buffers) return undefined;
  const read = new Set<number>();
  const written = new Set<number>();
  plan.stages.forEach((s) => {
    for (const leaf of s.leaves) if (leaf.kind === LeafKind.Memory) read.add(leaf.buffer);
    if (s.sink.buffer >= 0) written.add(s.sink.buffer);
  });
  let bytes = 0;
  for (const b of written) {
    if (read.has(b)) continue;
    const buf = buffers[b];
    if (buf === undefined) return undefined;
    bytes += byteLength(buf);
  }
  return bytes;
}

function byteLength(b: NativeBufferArg): number {
  if (b instanceof ArrayBuffer || ArrayBuffer.isView(b)) return b.byteLength;
  if (typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer) return b.byteLength;
  return native().bufferView(b as NativeBuffer).byteLength;
}

/** Per-group counts of a local compute that has finished `done` of its tasks (stages run in order). */
export function localProgress(
  stageNames: readonly string[],
  stageTasks: readonly number[],
  done: number,
  threads: number,
): Record<string, GroupCounts> {
  const out: Record<string, GroupCounts> = {};
  let rem = done;
  let free = Math.max(1, threads);
  stageNames.forEach((name, i) => {
    const tasks = stageTasks[i] ?? 0;
    const d = Math.min(rem, tasks);
    rem -= d;
    const left = tasks - d;
    const p = Math.min(free, left);
    free -= p;
    const g = (out[name] ??= { waiting: 0, processing: 0, memory: 0, done: 0, erred: 0 });
    g.done += d;
    g.processing += p;
    g.waiting += left - p;
  });
  return out;
}

/** Event source for the local native scheduler. */
export class LocalDashboardSource implements DashboardEventSource {
  private readonly listeners = new Set<(e: DashboardEvent) => void>();
  private unregister: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly memoryLimit: number;
  private readonly intervalMs: number;
  private processing = 0;
  private lastCpu = process.cpuUsage();
  private lastCpuAt = performance.now();
  private cpu: number | undefined;
  private readonly running = new Set<{ processing: number }>();
  /** Native buffers persists keep, to the compute and group that wrote them (for dispose()). */
  private readonly kept = new WeakMap<object, { compute: string; group: string }[]>();

  constructor(options: LocalSourceOptions = {}) {
    const { memoryLimit = totalmem(), intervalMs = 250 } = options;
    if (typeof memoryLimit !== 'number' || !(memoryLimit > 0))
      throw new RangeError(`startDashboard: options.memoryLimit must be a positive number of bytes, got ${String(memoryLimit)}`);
    if (typeof intervalMs !== 'number' || !(intervalMs >= 10))
      throw new RangeError(`startDashboard: options.intervalMs must be a number ≥ 10, got ${String(intervalMs)}`);
    this.memoryLimit = memoryLimit;
    this.intervalMs = intervalMs;
  }

  subscribe(listener: (event: DashboardEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.unregister) this.start();
    this.heartbeat();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    this.unregister?.();
    this.unregister = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private emit(e: DashboardEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* ignore */
      }
    }
  }

  private start(): void {
    this.unregister = addComputeMonitor({
      profile: true,
      live: true,
      begin: (info) => this.begin(info),
      released: (memory) => this.released(memory),
    });
    this.timer = setInterval(() => this.heartbeat(), this.intervalMs);
    this.timer.unref();
  }

  /** A persisted array was disposed: the groups that wrote its buffer leave "in memory". */
  private released(memory: object): void {
    const owners = this.kept.get(memory);
    if (!owners) return;
    this.kept.delete(memory);
    for (const o of owners) this.emit({ type: 'release', compute: o.compute, groups: [o.group], time: Date.now() });
  }

  private heartbeat(): void {
    const addon = native();
    const now = performance.now();
    // Heartbeats also go out at compute starts and ends: a window under 50 ms is too short for a
    // CPU figure, so those keep the last one (and the window keeps growing).
    const elapsedUs = (now - this.lastCpuAt) * 1000;
    if (elapsedUs >= 50_000 || this.cpu === undefined) {
      const d = process.cpuUsage(this.lastCpu);
      this.cpu = elapsedUs > 0 ? Math.round(((d.user + d.system) / elapsedUs) * 1000) / 10 : 0;
      this.lastCpu = process.cpuUsage();
      this.lastCpuAt = now;
    }
    let processing = 0;
    for (const r of this.running) processing += r.processing;
    this.processing = processing;
    this.emit({
      type: 'worker',
      id: LOCAL_WORKER_ID,
      name: 'local',
      address: `${hostname()}:${process.pid}`,
      threads: addon.getNumThreads(),
      bytes: addon.memoryStats().nativeBytes,
      memoryLimit: this.memoryLimit,
      cpu: this.cpu,
      processing: this.processing,
      heartbeat: Date.now(),
    });
  }

  private begin(info: LocalComputeInfo): LocalComputeTracker {
    const id = `local-${++computeCounter}`;
    const startWall = Date.now();
    const threads = native().getNumThreads();
    const names = info.stageNames;
    const groups = new Map<string, number>();
    names.forEach((n, i) => groups.set(n, (groups.get(n) ?? 0) + (info.stageTasks[i] ?? 0)));
    const run = { processing: Math.min(threads, info.total) };
    this.running.add(run);
    const bytes = resultBytes(info);
    this.emit({
      type: 'compute-start',
      id,
      label: info.label,
      groups: [...groups].map(([name, tasks]) => ({ name, tasks })),
      graph: planGraph(info),
      ...(bytes === undefined ? {} : { bytes }),
      time: startWall,
    });
    this.emit({ type: 'progress', compute: id, groups: localProgress(names, info.stageTasks, 0, threads) });
    this.heartbeat();
    let lastDone = -1;
    let liveRecords = 0;
    return {
      update: (done, _total, records) => {
        // The engine's records of the tasks finished since the last update (profileLive): the
        // task stream fills while the plan runs. Times are ns from the plan start.
        if (records && records.length) {
          liveRecords += records.length / 5;
          this.emit({ type: 'task-batch', worker: LOCAL_WORKER_ID, groups: names, base: startWall, records });
        }
        if (done === lastDone) return;
        lastDone = done;
        run.processing = Math.min(threads, info.total - done);
        this.emit({ type: 'progress', compute: id, groups: localProgress(names, info.stageTasks, done, threads) });
      },
      end: (outcome) => {
        this.running.delete(run);
        // Turning records into events happens after the compute has returned to its caller.
        const endWall = Date.now();
        setImmediate(() => this.finish(id, info, outcome, startWall, endWall, threads, lastDone, liveRecords > 0));
      },
    };
  }

  private finish(
    id: string,
    info: LocalComputeInfo,
    outcome: { error?: unknown; profile?: Float64Array },
    startWall: number,
    endWall: number,
    threads: number,
    lastDone: number,
    sawLive: boolean,
  ): void {
    const names = info.stageNames;
    // Engine times are ns since the plan started; anchor them at the wall clock of begin().
    // With live records every task already arrived through update() (the engine's last update
    // carries the rest); otherwise (an engine without profileLive) they come with the result.
    const base = startWall;
    if (!sawLive && outcome.profile && outcome.profile.length)
      this.emit({ type: 'task-batch', worker: LOCAL_WORKER_ID, groups: names, base, records: outcome.profile });
    if (outcome.error === undefined) {
      const final: Record<string, GroupCounts> = {};
      info.plan.stages.forEach((_s, i) => {
        const g = (final[names[i]!] ??= { waiting: 0, processing: 0, memory: 0, done: 0, erred: 0 });
        const n = info.stageTasks[i] ?? 0;
        // Only a persist's chunks stay "in memory" (a native buffer kept after the compute);
        // reduced chunks, intermediates and results handed to the caller are released: "done".
        const kept = info.kept[i];
        if (kept) {
          g.memory += n;
          const owners = this.kept.get(kept) ?? [];
          owners.push({ compute: id, group: names[i]! });
          this.kept.set(kept, owners);
        } else g.done += n;
      });
      this.emit({ type: 'progress', compute: id, groups: final });
    } else {
      const counts = localProgress(names, info.stageTasks, Math.max(0, lastDone), threads);
      for (const g of Object.values(counts)) {
        g.erred = g.processing;
        g.processing = 0;
        g.waiting = 0;
      }
      this.emit({ type: 'progress', compute: id, groups: counts });
      const stamp = endWall;
      this.emit({
        type: 'tasks',
        tasks: [{ worker: LOCAL_WORKER_ID, thread: 0, group: names[0] ?? 'compute', start: stamp - 1, end: stamp, kind: 'error' }],
      });
    }
    const err = outcome.error;
    this.emit({
      type: 'compute-end',
      id,
      ...(err === undefined ? {} : { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
      time: endWall,
    });
    this.heartbeat();
  }
}
