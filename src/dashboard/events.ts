// The events a dashboard consumes. The local scheduler's adapter (./local.ts) produces them from
// native plans; the distributed scheduler produces the same events from its workers' reports, so
// both are drawn by one page. Times are wall-clock milliseconds (Date.now() scale, fractional).
import type { TaskGraph } from '../graph/types.js';

/** A worker (locally: this process and its native thread pool). Sent on change and as a heartbeat. */
export interface WorkerEvent {
  type: 'worker';
  /** Stable id (row key of the task stream). */
  id: string;
  /** Display name (default: id). */
  name?: string;
  /** Where it runs, e.g. "host:pid" or a NATS client id. */
  address?: string;
  /** Worker threads that run tasks (one task-stream row each). */
  threads: number;
  /** Bytes of chunk data it holds (native memory), and its limit. */
  bytes: number;
  memoryLimit: number;
  /** Bytes of chunk data spilled to disk (workers past their memory thresholds). */
  spilled?: number;
  /** CPU use in percent of one core (may exceed 100 with several threads). */
  cpu?: number;
  /** Tasks running on it now. */
  processing?: number;
  /** Wall-clock ms of its last heartbeat (default: when the event arrived). */
  heartbeat?: number;
}

export interface WorkerRemovedEvent {
  type: 'worker-removed';
  id: string;
}

/** A task group (Dask's key prefix; locally a fused stage), with its number of tasks. */
export interface GroupSpec {
  name: string;
  tasks: number;
}

export interface ComputeStartEvent {
  type: 'compute-start';
  /** Unique per compute. */
  id: string;
  label: string;
  groups: GroupSpec[];
  /** The graph being run, drawn on /graph (collapsed when large). */
  graph?: TaskGraph;
  /** Bytes of the results it produces (when known up front, as locally). */
  bytes?: number;
  time?: number;
}

/** Absolute counts of one group's tasks by state (Dask's progress colours). */
export interface GroupCounts {
  waiting: number;
  processing: number;
  /** Finished and holding their result in memory (persisted chunks). */
  memory: number;
  /** Finished and released (consumed by a reduction, handed to the client). */
  done: number;
  erred: number;
}

export interface ProgressEvent {
  type: 'progress';
  compute: string;
  /** Current counts per group name; groups left out keep their last counts. */
  groups: Record<string, GroupCounts>;
  /** Bytes of results produced so far (replaces the compute's figure when given). */
  bytes?: number;
}

/**
 * A compute's results were released: a persisted array disposed, a cluster compute's chunks
 * freed after the client fetched them. Its finished tasks held in memory become done.
 */
export interface ReleaseEvent {
  type: 'release';
  compute: string;
  /** Only these groups (default: every group of the compute). */
  groups?: readonly string[];
  time?: number;
}

export type TaskKind = 'compute' | 'transfer' | 'error';

/** One finished task, transfer or failure: a rectangle of the task stream. */
export interface TaskRecordEvent {
  worker: string;
  /** Thread index within the worker (0-based). */
  thread: number;
  /** Task group / operation name: the colour of the rectangle. */
  group: string;
  key?: string;
  start: number;
  end: number;
  /** Default 'compute'. Transfers and errors get their own colours. */
  kind?: TaskKind;
  /** Bytes moved (transfers) or produced. */
  bytes?: number;
}

export interface TasksEvent {
  type: 'tasks';
  tasks: TaskRecordEvent[];
}

/**
 * Many finished tasks of one worker at once, without an object per task (the local engine's
 * records): 5 numbers per task — group index (into `groups`), task, thread, start, end — with
 * start/end in ns after `base` (wall-clock ms).
 */
export interface TaskBatchEvent {
  type: 'task-batch';
  worker: string;
  groups: readonly string[];
  base: number;
  records: Float64Array | readonly number[];
}

export interface ComputeEndEvent {
  type: 'compute-end';
  id: string;
  /** Message of the error that ended the compute, if it failed. */
  error?: string;
  time?: number;
}

/**
 * What a {@link DashboardEventSource} emits (discriminated by `type`): `'worker'` (a worker's
 * state), `'worker-removed'`, `'compute-start'` (its task groups), `'progress'` (counts per group),
 * `'tasks'` / `'task-batch'` (finished tasks for the task stream) and `'compute-end'`.
 */
export type DashboardEvent =
  | WorkerEvent
  | WorkerRemovedEvent
  | ComputeStartEvent
  | ProgressEvent
  | ReleaseEvent
  | TasksEvent
  | TaskBatchEvent
  | ComputeEndEvent;

/**
 * Where a dashboard gets its events. The local adapter and the distributed scheduler implement
 * it; `subscribe` returns the unsubscribe function. `close` (optional) is called when the
 * dashboard closes.
 */
export interface DashboardEventSource {
  /** Call `listener` with every event from now on; returns the function that unsubscribes it. */
  subscribe(listener: (event: DashboardEvent) => void): () => void;
  /** Release the source: the dashboard calls it when it closes, for the local source it made itself (a source passed in `DashboardOptions.source` is closed by its owner). */
  close?(): void;
}

/** A ready-made source: call `emit(event)` from a scheduler, pass the hub as `source`. */
export class DashboardEventHub implements DashboardEventSource {
  private readonly listeners = new Set<(event: DashboardEvent) => void>();

  /** Add a listener; returns the function that removes it. */
  subscribe(listener: (event: DashboardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Deliver `event` to every listener, in subscription order; a listener that throws is skipped
   * (a dashboard must not break its source).
   */
  emit(event: DashboardEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a dashboard must not break its source */
      }
    }
  }

  /** The number of listeners now subscribed. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
