// The scheduler's bookkeeping of a compute (a "job") and its tasks, and the one function that
// changes a task's state (waiting → processing → memory / erred, and back to waiting when a worker
// is lost). Counts the scheduler reports (done, pending) are derived from task states here, never
// kept by hand elsewhere.
import { chunkCount, planSplitMode } from '../plan/split.js';
import type { GraphTask, Piece, ResultMsg, SubmitRequest, TaskMsg, ZarrInput } from './protocol.js';

export type TaskState = 'waiting' | 'processing' | 'memory' | 'erred';

export interface Task {
  id: string;
  stage: number;
  /** Chunks of the stage this task computes (row-major chunk indices); [-1]: the whole stage. */
  chunks: number[];
  /** Changed only by transition(). */
  readonly state: TaskState;
  worker?: string;
  deaths: number;
  msg: TaskMsg;
  enqueuedAt?: number;
  partials?: Uint8Array[];
  stored?: { key: string; bytes: number }[];
  value?: unknown;
  /** Times the task could not fetch a stored input piece (its worker died): bounded like deaths. */
  fetchFails?: number;
  /** Waiting for lost input pieces to be recomputed (inputsMissing): not in the queue. */
  parked?: boolean;
  /** Sent straight to this worker (it holds the task's inputs), not through the shared queue. */
  routed?: string;
}

/** A buffer of a plan that is the output of an earlier, persisted compute. */
export interface RemoteInput {
  compute: string;
  /** The source job's buffer index holding that output. */
  buffer: number;
  shape: number[];
  itemsize: number;
  /** A Zarr array instead: the workers read each task's region from the store (no source job). */
  zarr?: ZarrInput;
}

/** Bookkeeping of a Delayed graph: values live here, at the scheduler (they are small). */
export interface GraphState {
  specs: Map<string, GraphTask>;
  waiting: Map<string, number>;
  dependents: Map<string, string[]>;
  results: Map<string, unknown>;
  /** Keys of literal tasks (their values are known from the start; not counted as work). */
  literals: number;
  outputs: string[];
}

export interface Job {
  id: string;
  kind: 'plan' | 'call' | 'graph';
  graph?: GraphState;
  req?: SubmitRequest;
  /** Call jobs: the number of calls. */
  calls?: number;
  /** Buffer contents known to the scheduler (inputs and combined reductions). */
  data: (Uint8Array | undefined)[];
  stage: number;
  tasks: Map<string, Task>;
  /** The tasks of the current stage (of a call or graph job: all its worker tasks). */
  stageTasks: Task[];
  /** Maintained by transition(): tasks in memory, and the chunks (units of progress) they hold. */
  inMemory: { tasks: number; chunks: number };
  pieces: Map<number, Piece[]>;
  finished: boolean;
  group: string;
  /**
   * Plan buffers read from stored pieces, by buffer index: persisted outputs of earlier computes,
   * and outputs of this job's own earlier stages kept on the workers (split stages' scratch).
   */
  remote: Map<number, RemoteInput>;
  /** Tasks re-running after the job finished (a worker holding a kept piece died). */
  repairing: Set<string>;
  /** Called whenever a repair ends. */
  onRepair: (() => void)[];
  /** When the client was last told the progress. */
  progressAt?: number;
  /** When it was submitted (epoch ms). */
  createdAt: number;
}

/** A job with empty bookkeeping; `extra` sets what differs by kind. */
export function newJob(id: string, kind: Job['kind'], group: string, extra: Partial<Job> = {}): Job {
  return {
    id, kind, data: [], stage: 0, tasks: new Map(), stageTasks: [], inMemory: { tasks: 0, chunks: 0 }, pieces: new Map(),
    finished: false, group, remote: new Map(), repairing: new Set(), onRepair: [], createdAt: Date.now(), ...extra,
  };
}

/** A new task of `job`, waiting. */
export function addTask(job: Job, id: string, stage: number, chunks: number[], msg: TaskMsg): Task {
  const task: Task = { id, stage, chunks, state: 'waiting', deaths: 0, msg };
  job.tasks.set(id, task);
  return task;
}

/** Units of progress a task stands for: its chunks (a whole-stage task: one). */
const weight = (t: Task): number => (t.chunks[0] === -1 ? 1 : t.chunks.length);

/**
 * The one place a task changes state. Entering 'waiting' forgets where it ran and what it
 * stored; 'processing' notes its worker; 'memory' takes the result `r` (its worker, partials,
 * stored pieces, value); 'erred' keeps the rest as it was.
 */
export function transition(job: Job, task: Task, to: TaskState, at: { worker?: string; result?: ResultMsg } = {}): void {
  const t = task as { -readonly [K in keyof Task]: Task[K] };
  if (t.state === 'memory') {
    job.inMemory.tasks--;
    job.inMemory.chunks -= weight(t);
  }
  t.state = to;
  switch (to) {
    case 'waiting':
      t.worker = undefined;
      t.stored = undefined;
      break;
    case 'processing':
      t.worker = at.worker;
      break;
    case 'memory': {
      const r = at.result!;
      t.worker = r.worker;
      t.partials = r.data;
      t.stored = r.stored;
      t.value = r.value;
      job.inMemory.tasks++;
      job.inMemory.chunks += weight(t);
      break;
    }
    case 'erred':
      break;
  }
}

/** Units of work of the whole job: chunks of every plan stage, calls, or non-literal graph keys. */
export function totalOf(job: Job): number {
  if (job.kind === 'plan') return job.req!.stages.reduce((n, st, s) => n + (planSplitMode(job.req!.stages, job.req!.outputs, s) === 'chunks' ? chunkCount(st) : 1), 0);
  if (job.kind === 'call') return job.calls!;
  return job.graph!.specs.size - job.graph!.literals;
}

/** Units of work done: chunks in memory, or graph keys with a value. */
export function doneOf(job: Job): number {
  if (job.kind === 'graph') return job.graph!.results.size - job.graph!.literals;
  return job.inMemory.chunks;
}

/** Tasks of the job not in memory (a lost earlier stage's piece counts: its output is needed). */
export function pendingOf(job: Job): number {
  return job.tasks.size - job.inMemory.tasks;
}
