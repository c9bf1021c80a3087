// Adapter from the distributed scheduler's events (src/distributed/events.ts, `scheduler.events`)
// to dashboard events. Typed structurally so the dashboard does not depend on the distributed
// module at run time: anything with on/off and these payloads works (e.g. events re-read from the
// NATS subjects `tessera.events.<type>`).
//
// What it derives:
// - task-stream rows: the scheduler does not know which thread of a worker ran a task, so tasks
//   are packed into `nthreads` lanes per worker (first lane free at the task's start);
//   a task spans [t - ms, t] (ms measured on the worker, t when the scheduler got the result);
// - per-group progress: processing from task-start/task-finish, done/erred from task-finish
//   (redeliveries counted once), waiting = the compute's remaining tasks, shown on the group
//   most recently started;
// - per-worker processing: the tasks of running computes a worker started and has not finished
//   (at most its thread count: a worker holds one more task, ready to run), updated on every
//   task event and back to 0 when the compute ends. Not the heartbeat's `running`, which the
//   scheduler forwards only now and then: after a compute it could stay stale (e.g. "4 / 1").
// - failed tasks are drawn in the error colour; optional `transfer` events in the transfer colour.
// - a finished compute's last group stays "in memory" (its chunks are held on the workers) until
//   `compute-release` (the client fetched the results, or released a persisted array): "done".
// - worker CPU is the workers' own process.cpuUsage between heartbeats.
import type { DashboardEvent, DashboardEventSource, GroupCounts } from './events.js';

export interface SchedulerWorkerInfo {
  name: string;
  nthreads: number;
  memoryLimit: number;
  /** Bytes of stored chunks. */
  memory: number;
  /** Bytes of stored chunks spilled to disk. */
  spilled?: number;
  /** Process CPU use between heartbeats, percent of one core. */
  cpu?: number;
  running: number;
  stored?: number;
  t: number;
  pid?: number;
  host?: string;
}

export interface SchedulerEventPayloads {
  'task-start': { compute: string; task: string; group: string; worker: string; attempt?: number; t: number };
  'task-finish': { compute: string; task: string; group: string; worker: string; ok: boolean; ms: number; t: number; bytes?: number };
  workers: SchedulerWorkerInfo[];
  progress: { compute: string; group: string; done: number; total: number };
  'compute-start': { compute: string; groups: string[]; total: number; t: number };
  'compute-finish': { compute: string; ok: boolean; error?: string; t: number };
  'worker-lost': { worker: string; tasks: string[]; t: number };
  /** The compute's stored chunks were freed: its tasks "in memory" become "done". */
  'compute-release': { compute: string; t: number };
  /** Optional: a chunk moved between workers (or to a client). */
  transfer: { worker: string; group?: string; bytes?: number; ms: number; t: number };
}

export interface EventEmitterLike {
  on(event: string, listener: (arg: never) => void): unknown;
  off(event: string, listener: (arg: never) => void): unknown;
}

interface Job {
  groups: string[];
  total: number;
  counts: Map<string, GroupCounts>;
  /** Started, not finished: task → worker and group. */
  running: Map<string, { worker: string; group: string }>;
  finished: Set<string>;
  current: string;
  /** Bytes the finished tasks stored or returned. */
  bytes: number;
}

/** A DashboardEventSource fed by a distributed scheduler's `events` emitter. */
export function schedulerEventSource(events: EventEmitterLike): DashboardEventSource {
  return {
    subscribe(listener: (e: DashboardEvent) => void): () => void {
      const jobs = new Map<string, Job>();
      const threads = new Map<string, number>();
      const lanes = new Map<string, number[]>();
      const known = new Set<string>();
      const emit = (e: DashboardEvent): void => listener(e);
      /** Last heartbeat info per worker, and the processing count last sent for it. */
      const infos = new Map<string, SchedulerWorkerInfo>();
      const sent = new Map<string, number>();
      const processing = (worker: string): number => {
        let n = 0;
        for (const job of jobs.values()) for (const r of job.running.values()) if (r.worker === worker) n++;
        return Math.min(n, Math.max(1, threads.get(worker) ?? 1));
      };
      const workerEvent = (w: SchedulerWorkerInfo): void => {
        const n = processing(w.name);
        sent.set(w.name, n);
        emit({
          type: 'worker',
          id: w.name,
          name: w.name,
          address: w.host ? `${w.host}${w.pid ? `:${w.pid}` : ''}` : '',
          threads: w.nthreads,
          bytes: w.memory,
          memoryLimit: w.memoryLimit,
          ...(w.spilled ? { spilled: w.spilled } : {}),
          ...(typeof w.cpu === 'number' ? { cpu: w.cpu } : {}),
          processing: n,
          heartbeat: w.t,
        });
      };
      /** After task events: send the workers whose processing count changed. */
      const syncProcessing = (): void => {
        for (const [name, w] of infos) if (known.has(name) && processing(name) !== sent.get(name)) workerEvent(w);
      };

      const lane = (worker: string, start: number, end: number): number => {
        const n = Math.max(1, threads.get(worker) ?? 1);
        let ends = lanes.get(worker);
        if (!ends) lanes.set(worker, (ends = []));
        while (ends.length < n) ends.push(-Infinity);
        let best = 0;
        for (let i = 0; i < n; i++) {
          if (ends[i]! <= start + 0.05) {
            best = i;
            break;
          }
          if (ends[i]! < ends[best]!) best = i;
        }
        ends[best] = Math.max(ends[best]!, end);
        return best;
      };
      const counts = (job: Job, group: string): GroupCounts => {
        let c = job.counts.get(group);
        if (!c) job.counts.set(group, (c = { waiting: 0, processing: 0, memory: 0, done: 0, erred: 0 }));
        return c;
      };
      const progress = (id: string, job: Job, final = false): void => {
        let used = 0;
        for (const c of job.counts.values()) used += c.processing + c.memory + c.done + c.erred;
        for (const c of job.counts.values()) c.waiting = 0;
        if (!final) counts(job, job.current).waiting = Math.max(0, job.total - used);
        emit({ type: 'progress', compute: id, groups: Object.fromEntries([...job.counts].map(([k, v]) => [k, { ...v }])), bytes: job.bytes });
      };

      const on: { [K in keyof SchedulerEventPayloads]: (p: SchedulerEventPayloads[K]) => void } = {
        workers: (list) => {
          const seen = new Set<string>();
          for (const w of list) {
            seen.add(w.name);
            known.add(w.name);
            threads.set(w.name, w.nthreads);
            infos.set(w.name, w);
            workerEvent(w);
          }
          for (const id of known)
            if (!seen.has(id)) {
              known.delete(id);
              infos.delete(id);
              emit({ type: 'worker-removed', id });
            }
        },
        'compute-start': (p) => {
          const job: Job = { groups: p.groups, total: p.total, counts: new Map(), running: new Map(), finished: new Set(), current: p.groups[0] ?? 'compute', bytes: 0 };
          jobs.set(p.compute, job);
          for (const g of p.groups) counts(job, g);
          emit({ type: 'compute-start', id: p.compute, label: p.groups.join(', '), groups: p.groups.map((name, i) => ({ name, tasks: i === 0 ? p.total : 0 })), time: p.t });
          progress(p.compute, job);
        },
        'task-start': (p) => {
          const job = jobs.get(p.compute);
          if (!job || job.finished.has(p.task)) return;
          // Started again (redelivered, or handed back and taken by another worker): counted once.
          const prev = job.running.get(p.task);
          if (prev !== undefined) counts(job, prev.group).processing--;
          job.running.set(p.task, { worker: p.worker, group: p.group });
          counts(job, p.group).processing++;
          job.current = p.group;
          progress(p.compute, job);
          syncProcessing();
        },
        'task-finish': (p) => {
          const end = p.t;
          const start = end - Math.max(0, p.ms);
          emit({
            type: 'tasks',
            tasks: [{ worker: p.worker, thread: lane(p.worker, start, end), group: p.group, key: p.task, start, end, kind: p.ok ? 'compute' : 'error' }],
          });
          const job = jobs.get(p.compute);
          if (!job) return;
          const prev = job.running.get(p.task);
          if (prev !== undefined) {
            job.running.delete(p.task);
            counts(job, prev.group).processing--;
            syncProcessing();
          }
          if (job.finished.has(p.task)) return;
          job.finished.add(p.task);
          if (p.bytes) job.bytes += p.bytes;
          if (p.ok) counts(job, p.group).memory++;
          else counts(job, p.group).erred++;
          progress(p.compute, job);
        },
        progress: (p) => {
          const job = jobs.get(p.compute);
          if (job && p.total > job.total) job.total = p.total;
        },
        'compute-finish': (p) => {
          const job = jobs.get(p.compute);
          if (job) {
            for (const c of job.counts.values()) {
              c.processing = 0;
              // Results of earlier stages were consumed by later ones; the last stage's are held.
            }
            const last = job.groups[job.groups.length - 1];
            for (const [name, c] of job.counts)
              if (name !== last) {
                c.done += c.memory;
                c.memory = 0;
              }
            progress(p.compute, job, true);
            // Tasks started and never finished (dropped unrun after the compute ended, handed
            // back, or still running when it failed) no longer count as processing anywhere.
            jobs.delete(p.compute);
            syncProcessing();
          }
          emit({ type: 'compute-end', id: p.compute, ...(p.ok ? {} : { error: p.error ?? 'failed' }), time: p.t });
        },
        'compute-release': (p) => emit({ type: 'release', compute: p.compute, time: p.t }),
        'worker-lost': (p) => {
          for (const [id, job] of jobs) {
            let changed = false;
            for (const [task, r] of job.running)
              if (r.worker === p.worker) {
                job.running.delete(task);
                counts(job, r.group).processing--;
                changed = true;
              }
            if (changed) progress(id, job);
          }
          emit({ type: 'tasks', tasks: [{ worker: p.worker, thread: 0, group: 'worker-lost', start: p.t - 1, end: p.t, kind: 'error' }] });
          known.delete(p.worker);
          emit({ type: 'worker-removed', id: p.worker });
        },
        transfer: (p) => {
          const end = p.t;
          const start = end - Math.max(0, p.ms);
          emit({ type: 'tasks', tasks: [{ worker: p.worker, thread: lane(p.worker, start, end), group: p.group ?? 'transfer', start, end, kind: 'transfer', ...(p.bytes === undefined ? {} : { bytes: p.bytes }) }] });
        },
      };
      const entries = Object.entries(on) as [string, (arg: never) => void][];
      const guarded = entries.map(([name, fn]): [string, (arg: never) => void] => [
        name,
        (arg: never) => {
          try {
            fn(arg);
          } catch {
            /* never break the scheduler */
          }
        },
      ]);
      for (const [name, fn] of guarded) events.on(name, fn);
      return () => {
        for (const [name, fn] of guarded) events.off(name, fn);
      };
    },
  };
}
