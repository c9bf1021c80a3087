// What the scheduler reports while it runs, for dashboards and logs. Every event is emitted on
// `scheduler.events` (a typed EventEmitter) and published on NATS as `tessera.events.<type>`
// (JSON made by protocol.pack), so a dashboard can live in the scheduler process or anywhere.
import { EventEmitter } from 'node:events';
import type { WorkerInfo } from './protocol.js';

export interface SchedulerEvents {
  /** A worker started a task (thread: the worker's task slot is not known; -1). */
  'task-start': [{ compute: string; task: string; group: string; worker: string; attempt: number; t: number }];
  /** A task finished on a worker (ok or not); ms = time on the worker. */
  'task-finish': [{ compute: string; task: string; group: string; worker: string; ok: boolean; ms: number; t: number; bytes?: number }];
  /** Current workers, after every change and every few heartbeats. */
  workers: [WorkerInfo[]];
  /** Progress of one task group (a stage, named like "sum-exp-random_sample", or a function). */
  progress: [{ compute: string; group: string; done: number; total: number }];
  'compute-start': [{ compute: string; groups: string[]; total: number; t: number }];
  'compute-finish': [{ compute: string; ok: boolean; error?: string; t: number }];
  'worker-lost': [{ worker: string; tasks: string[]; t: number }];
  /** A compute's stored chunks were freed (results fetched, persisted array released, or failed). */
  'compute-release': [{ compute: string; t: number }];
}

export class SchedulerEventEmitter extends EventEmitter<SchedulerEvents> {}
