// The dashboard's state store: workers, computes, task-group progress, a ring buffer of recent
// task rectangles, task-duration histograms and a memory time series. Fed by DashboardEvents,
// read by the HTTP API, the SSE stream and /metrics.
import type { TaskGraph } from '../graph/types.js';
import type { DashboardEvent, GroupCounts, TaskBatchEvent, TaskKind, TaskRecordEvent, WorkerEvent } from './events.js';

export interface WorkerState {
  id: string;
  name: string;
  address: string;
  threads: number;
  bytes: number;
  memoryLimit: number;
  /** Bytes spilled to disk (0 when none). */
  spilled?: number;
  /** Percent of one core; null when the worker does not report it. */
  cpu: number | null;
  processing: number;
  heartbeat: number;
  /** Tasks finished on this worker since the dashboard started. */
  tasksDone: number;
  status: 'running' | 'removed';
}

export interface ComputeState {
  id: string;
  label: string;
  status: 'running' | 'done' | 'error';
  start: number;
  end?: number;
  error?: string;
  /** Bytes of the results it produced (when the source knows them). */
  bytes?: number;
  /** Its results were released (persisted array disposed, cluster chunks freed). */
  released?: boolean;
  groups: Record<string, GroupCounts & { total: number }>;
}

/**
 * One row of the per-compute progress view: a compute's task counts by state summed over its
 * groups. `state` is what the page shows: `running`, `memory` (finished, results held: a persist),
 * `done` (finished, results handed over or released), `error`.
 */
export interface ComputeSummary extends Omit<ComputeState, 'groups'>, GroupCounts {
  /** Tasks in all its groups. */
  tasks: number;
  state: 'running' | 'memory' | 'done' | 'error';
  /** ms from start to end, or to now while running. */
  elapsed: number;
}

/** Compact task record sent to browsers: [rowIndex, groupIndex, start, end, kind(0 compute,1 transfer,2 error)]. */
export type WireTask = [number, number, number, number, number];

export interface GroupSummary extends GroupCounts {
  name: string;
  total: number;
  /** Last activity (ms). */
  last: number;
}

export interface Snapshot {
  now: number;
  workers: WorkerState[];
  /** The 10 most recent computes, oldest first. */
  computes: ComputeSummary[];
  groups: GroupSummary[];
  totals: GroupCounts & { total: number };
  bytes: number;
  memoryLimit: number;
  tasksPerSecond: number;
}

const KIND_CODE: Record<TaskKind, number> = { compute: 0, transfer: 1, error: 2 };
const KIND_NAME: TaskKind[] = ['compute', 'transfer', 'error'];

/** Prometheus histogram buckets for task durations, in seconds. */
export const DURATION_BUCKETS = [1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface StateOptions {
  /** Recent task rectangles kept for late joiners (default 20 000). */
  historyTasks?: number;
  /** Computes kept (default 50). */
  historyComputes?: number;
}

const emptyCounts = (): GroupCounts => ({ waiting: 0, processing: 0, memory: 0, done: 0, erred: 0 });

/** A compute's row of the progress view (see ComputeSummary). */
export function summarizeCompute(c: ComputeState, now = Date.now()): ComputeSummary {
  const { groups, ...rest } = c;
  const n = { ...emptyCounts(), tasks: 0 };
  for (const g of Object.values(groups)) {
    n.waiting += g.waiting;
    n.processing += g.processing;
    n.memory += g.memory;
    n.done += g.done;
    n.erred += g.erred;
    n.tasks += g.total;
  }
  const state = c.status === 'running' ? 'running' : c.status === 'error' ? 'error' : n.memory > 0 ? 'memory' : 'done';
  return { ...rest, ...n, state, elapsed: Math.max(0, (c.end ?? now) - c.start) };
}

export class DashboardState {
  readonly started = Date.now();
  readonly workers = new Map<string, WorkerState>();
  readonly computes = new Map<string, ComputeState>();
  graph: TaskGraph | undefined;
  graphLabel = '';
  graphVersion = 0;
  /** Row keys "worker#thread" in order of first appearance; wire tasks refer to them by index. */
  readonly rows: string[] = [];
  private readonly rowIndex = new Map<string, number>();
  readonly groupNames: string[] = [];
  private readonly groupIndex = new Map<string, number>();
  private readonly ring: WireTask[];
  private ringStart = 0;
  private ringLength = 0;
  /** Tasks not yet sent to live clients. */
  pending: WireTask[] = [];
  readonly histograms = new Map<string, Histogram>();
  readonly completed = new Map<string, Record<TaskKind, number>>();
  readonly computesFinished = { ok: 0, error: 0 };
  /** [time ms, total bytes] samples. */
  readonly memorySeries: [number, number][] = [];
  private readonly maxComputes: number;
  /** Finished compute tasks per 100 ms slot (for tasks/s over the last 5 s). */
  private readonly recentDone = new Map<number, number>();

  constructor(options: StateOptions = {}) {
    this.ring = new Array<WireTask>(options.historyTasks ?? 20_000);
    this.maxComputes = options.historyComputes ?? 50;
  }

  apply(event: DashboardEvent): void {
    switch (event.type) {
      case 'worker':
        return this.onWorker(event);
      case 'worker-removed': {
        const w = this.workers.get(event.id);
        if (w) w.status = 'removed';
        return;
      }
      case 'compute-start': {
        const groups: ComputeState['groups'] = {};
        for (const g of event.groups) {
          const prev = groups[g.name];
          const total = (prev?.total ?? 0) + g.tasks;
          groups[g.name] = { ...emptyCounts(), waiting: total, total };
          this.group(g.name);
        }
        this.computes.set(event.id, {
          id: event.id,
          label: event.label,
          status: 'running',
          start: event.time ?? Date.now(),
          ...(event.bytes === undefined ? {} : { bytes: event.bytes }),
          groups,
        });
        while (this.computes.size > this.maxComputes) this.computes.delete(this.computes.keys().next().value!);
        if (event.graph) {
          this.graph = event.graph;
          this.graphLabel = event.label;
          this.graphVersion++;
        }
        return;
      }
      case 'progress': {
        const c = this.computes.get(event.compute);
        if (!c) return;
        for (const [name, counts] of Object.entries(event.groups)) {
          const total = counts.waiting + counts.processing + counts.memory + counts.done + counts.erred;
          c.groups[name] = { ...counts, total };
          this.group(name);
        }
        if (event.bytes !== undefined) c.bytes = event.bytes;
        return;
      }
      case 'release': {
        // Results released: what was held "in memory" is now "done" (Dask's released keys).
        const c = this.computes.get(event.compute);
        if (!c) return;
        for (const [name, g] of Object.entries(c.groups))
          if (!event.groups || event.groups.includes(name)) {
            g.done += g.memory;
            g.memory = 0;
          }
        if (Object.values(c.groups).every((g) => g.memory === 0)) c.released = true;
        return;
      }
      case 'tasks':
        for (const t of event.tasks) this.onTask(t);
        return;
      case 'task-batch':
        return this.onBatch(event);
      case 'compute-end': {
        const c = this.computes.get(event.id);
        if (!c) return;
        c.status = event.error === undefined ? 'done' : 'error';
        c.end = event.time ?? Date.now();
        if (event.error !== undefined) c.error = event.error;
        this.computesFinished[event.error === undefined ? 'ok' : 'error']++;
        return;
      }
    }
  }

  private onWorker(e: WorkerEvent): void {
    const prev = this.workers.get(e.id);
    this.workers.set(e.id, {
      id: e.id,
      name: e.name ?? e.id,
      address: e.address ?? prev?.address ?? '',
      threads: e.threads,
      bytes: e.bytes,
      memoryLimit: e.memoryLimit,
      ...(e.spilled ? { spilled: e.spilled } : {}),
      cpu: e.cpu ?? prev?.cpu ?? null,
      processing: e.processing ?? 0,
      heartbeat: e.heartbeat ?? Date.now(),
      tasksDone: prev?.tasksDone ?? 0,
      status: 'running',
    });
    for (let t = 0; t < e.threads; t++) this.row(e.id, t);
  }

  private row(worker: string, thread: number): number {
    return intern(this.rows, this.rowIndex, `${worker}#${thread}`);
  }

  private group(name: string): number {
    return intern(this.groupNames, this.groupIndex, name);
  }

  private onTask(t: TaskRecordEvent): void {
    const kind = t.kind ?? 'compute';
    this.addTask(this.row(t.worker, t.thread), this.group(t.group), t.start, t.end, KIND_CODE[kind], this.workers.get(t.worker), this.histogram(t.group), this.counter(t.group));
  }

  /** Native engine records of one compute, without an object per task. */
  private onBatch(e: TaskBatchEvent): void {
    const p = e.records;
    const worker = this.workers.get(e.worker);
    const rows: number[] = [];
    const groups = e.groups.map((g) => ({ index: this.group(g), h: this.histogram(g), c: this.counter(g) }));
    for (let k = 0; k + 4 < p.length; k += 5) {
      const g = groups[p[k]!];
      if (!g) continue;
      const thread = p[k + 2]!;
      const row = (rows[thread] ??= this.row(e.worker, thread));
      this.addTask(row, g.index, e.base + p[k + 3]! / 1e6, e.base + p[k + 4]! / 1e6, 0, worker, g.h, g.c);
    }
  }

  private histogram(group: string): Histogram {
    let h = this.histograms.get(group);
    if (!h) this.histograms.set(group, (h = { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    return h;
  }

  private counter(group: string): Record<TaskKind, number> {
    let c = this.completed.get(group);
    if (!c) this.completed.set(group, (c = { compute: 0, transfer: 0, error: 0 }));
    return c;
  }

  private addTask(
    row: number,
    group: number,
    start: number,
    end: number,
    kind: number,
    worker: WorkerState | undefined,
    h: Histogram,
    c: Record<TaskKind, number>,
  ): void {
    const wire: WireTask = [row, group, start, end, kind];
    // Ring buffer of recent tasks.
    const cap = this.ring.length;
    if (this.ringLength < cap) this.ring[(this.ringStart + this.ringLength++) % cap] = wire;
    else {
      this.ring[this.ringStart] = wire;
      this.ringStart = (this.ringStart + 1) % cap;
    }
    this.pending.push(wire);
    const seconds = Math.max(0, end - start) / 1000;
    // Per-bucket counts; /metrics makes them cumulative.
    let b = 0;
    while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]!) b++;
    if (b < DURATION_BUCKETS.length) h.counts[b]!++;
    h.sum += seconds;
    h.count++;
    c[KIND_NAME[kind]!]++;
    if (kind === 0) {
      if (worker) worker.tasksDone++;
      const slot = Math.floor(end / 100);
      this.recentDone.set(slot, (this.recentDone.get(slot) ?? 0) + 1);
    }
  }

  /** Recent task rectangles, oldest first (for pages opened mid-compute). */
  history(limit = this.ring.length): WireTask[] {
    const n = Math.min(limit, this.ringLength);
    const out: WireTask[] = [];
    const cap = this.ring.length;
    for (let i = this.ringLength - n; i < this.ringLength; i++) out.push(this.ring[(this.ringStart + i) % cap]!);
    return out;
  }

  get historyLength(): number {
    return this.ringLength;
  }

  /** Tasks finished since the last call: at most the history size (browsers keep no more). */
  takePending(): WireTask[] {
    const p = this.pending;
    this.pending = [];
    return p.length > this.ring.length ? p.slice(p.length - this.ring.length) : p;
  }

  sampleMemory(now = Date.now()): void {
    let bytes = 0;
    for (const w of this.workers.values()) if (w.status === 'running') bytes += w.bytes;
    this.memorySeries.push([now, bytes]);
    if (this.memorySeries.length > 1200) this.memorySeries.splice(0, this.memorySeries.length - 1200);
  }

  /** Task groups summed over the kept computes, most recently active first. */
  groupSummaries(): GroupSummary[] {
    const map = new Map<string, GroupSummary>();
    for (const c of this.computes.values())
      for (const [name, g] of Object.entries(c.groups)) {
        let s = map.get(name);
        if (!s) map.set(name, (s = { name, ...emptyCounts(), total: 0, last: 0 }));
        s.waiting += g.waiting;
        s.processing += g.processing;
        s.memory += g.memory;
        s.done += g.done;
        s.erred += g.erred;
        s.total += g.total;
        s.last = Math.max(s.last, c.end ?? Date.now());
      }
    return [...map.values()].sort((a, b) => b.last - a.last);
  }

  snapshot(): Snapshot {
    const now = Date.now();
    const groups = this.groupSummaries();
    const totals = { ...emptyCounts(), total: 0 };
    for (const g of groups) {
      totals.waiting += g.waiting;
      totals.processing += g.processing;
      totals.memory += g.memory;
      totals.done += g.done;
      totals.erred += g.erred;
      totals.total += g.total;
    }
    let bytes = 0;
    let memoryLimit = 0;
    const workers = [...this.workers.values()];
    for (const w of workers)
      if (w.status === 'running') {
        bytes += w.bytes;
        memoryLimit += w.memoryLimit;
      }
    let recent = 0;
    const oldest = Math.floor((now - 5000) / 100);
    for (const [slot, n] of this.recentDone) {
      if (slot < oldest) this.recentDone.delete(slot);
      else recent += n;
    }
    const computes = [...this.computes.values()].slice(-10).map((c) => summarizeCompute(c, now));
    return { now, workers, computes, groups, totals, bytes, memoryLimit, tasksPerSecond: recent / 5 };
  }

  /** Prometheus text exposition format (version 0.0.4). */
  metrics(extra: { clients?: number } = {}): string {
    const s = this.snapshot();
    const out: string[] = [];
    const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
    const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');
    const metric = (name: string, type: string, help: string, rows: [Record<string, string>, number][]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) {
        const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
        out.push(`${name}${l ? `{${l}}` : ''} ${num(v)}`);
      }
    };
    const states = ['waiting', 'processing', 'memory', 'done', 'erred'] as const;
    metric('tessera_tasks', 'gauge', 'Tasks of the recent computes by state.', states.map((st) => [{ state: st }, s.totals[st]]));
    metric(
      'tessera_task_group_tasks',
      'gauge',
      'Tasks by task group and state.',
      s.groups.flatMap((g) => states.map((st): [Record<string, string>, number] => [{ group: g.name, state: st }, g[st]])),
    );
    metric(
      'tessera_tasks_completed_total',
      'counter',
      'Task records received (compute tasks, transfers, errors) by group.',
      [...this.completed].flatMap(([g, c]) => KIND_NAME.map((k): [Record<string, string>, number] => [{ group: g, kind: k }, c[k]])),
    );
    metric('tessera_computes_total', 'counter', 'Finished computes by outcome.', [
      [{ status: 'ok' }, this.computesFinished.ok],
      [{ status: 'error' }, this.computesFinished.error],
    ]);
    const live = s.workers.filter((w) => w.status === 'running');
    metric('tessera_workers', 'gauge', 'Connected workers.', [[{}, live.length]]);
    metric('tessera_worker_threads', 'gauge', 'Task threads per worker.', live.map((w) => [{ worker: w.name }, w.threads]));
    metric('tessera_worker_bytes_stored', 'gauge', 'Bytes of chunk data held per worker.', live.map((w) => [{ worker: w.name }, w.bytes]));
    metric('tessera_worker_memory_limit_bytes', 'gauge', 'Memory limit per worker.', live.map((w) => [{ worker: w.name }, w.memoryLimit]));
    metric('tessera_worker_processing', 'gauge', 'Tasks running per worker.', live.map((w) => [{ worker: w.name }, w.processing]));
    metric('tessera_worker_cpu_percent', 'gauge', 'CPU use per worker (percent of one core).', live.filter((w) => w.cpu !== null).map((w) => [{ worker: w.name }, w.cpu!]));
    metric(
      'tessera_worker_last_heartbeat_seconds',
      'gauge',
      'Unix time of the last heartbeat per worker.',
      live.map((w) => [{ worker: w.name }, w.heartbeat / 1000]),
    );
    out.push('# HELP tessera_task_duration_seconds Task durations by task group.', '# TYPE tessera_task_duration_seconds histogram');
    for (const [g, h] of this.histograms) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, b) => {
        cumulative += h.counts[b]!;
        out.push(`tessera_task_duration_seconds_bucket{group="${esc(g)}",le="${le}"} ${cumulative}`);
      });
      out.push(`tessera_task_duration_seconds_bucket{group="${esc(g)}",le="+Inf"} ${h.count}`);
      out.push(`tessera_task_duration_seconds_sum{group="${esc(g)}"} ${h.sum}`);
      out.push(`tessera_task_duration_seconds_count{group="${esc(g)}"} ${h.count}`);
    }
    if (extra.clients !== undefined) metric('tessera_dashboard_clients', 'gauge', 'Browsers connected to the live stream.', [[{}, extra.clients]]);
    return out.join('\n') + '\n';
  }
}

/** The index of `key` in `list`, appended (and indexed) on first sight. */
function intern(list: string[], index: Map<string, number>, key: string): number {
  let i = index.get(key);
  if (i === undefined) {
    i = list.length;
    list.push(key);
    index.set(key, i);
  }
  return i;
}
