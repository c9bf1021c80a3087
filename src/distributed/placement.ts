// Which worker gets a task. Most go to the shared JetStream queue (any free worker pulls them);
// a task that reads persisted pieces is routed to the live worker holding most of those bytes, so
// it reads them in place instead of fetching them (Dask's "run where the data is"). Routed tasks
// wait in a per-worker backlog and are sent one per thread plus one ready at a time (backpressure).
import type { Job, Task } from './jobs.js';
import type { TaskMsg } from './protocol.js';

interface RoutedQueue {
  inflight: number;
  backlog: { job: Job; task: Task }[];
}

export interface PlacementHost {
  /** Threads of a live worker; undefined when it is not (or no longer) live. */
  threadsOf(worker: string): number | undefined;
  /** Send a routed task to its worker (the task is now processing there). */
  sendRouted(job: Job, task: Task, worker: string): void;
  /** Put tasks of a lost worker's backlog on the shared queue. */
  requeue(job: Job, tasks: Task[]): void;
}

export class Placement {
  private readonly queues = new Map<string, RoutedQueue>();

  constructor(private readonly host: PlacementHost) {}

  /** The live worker holding most of the bytes a task fetches, if any. */
  holder(msg: TaskMsg): string | undefined {
    if (msg.kind !== 'plan') return undefined;
    const bytes = new Map<string, number>();
    for (const b of msg.buffers) {
      if (!('fetch' in b)) continue;
      for (const p of b.fetch.parts) bytes.set(p.worker, (bytes.get(p.worker) ?? 0) + p.ext.reduce((a, e) => a * e, 1));
    }
    let best: string | undefined;
    for (const [w, n] of bytes) if (this.host.threadsOf(w) !== undefined && (!best || n > bytes.get(best)!)) best = w;
    return best;
  }

  /** Queue a task for worker `name` (sent by pumpAll / pump). */
  route(job: Job, task: Task, name: string): void {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = { inflight: 0, backlog: [] }));
    task.enqueuedAt = Date.now();
    q.backlog.push({ job, task });
  }

  pumpAll(): void {
    for (const name of this.queues.keys()) this.pump(name);
  }

  /** Send worker `name` what its slots allow; a worker gone hands its backlog to the shared queue. */
  pump(name: string): void {
    const q = this.queues.get(name);
    if (!q) return;
    const threads = this.host.threadsOf(name);
    if (threads === undefined) {
      const left = q.backlog.splice(0);
      this.queues.delete(name);
      for (const { job, task } of left) if (!job.finished && task.state === 'waiting') this.host.requeue(job, [task]);
      return;
    }
    while (q.inflight < threads + 1 && q.backlog.length) {
      const { job, task } = q.backlog.shift()!;
      if (job.finished || task.state !== 'waiting') continue;
      q.inflight++;
      task.routed = name;
      this.host.sendRouted(job, task, name);
    }
  }

  /** A routed task ended (or its worker died): that worker can take the next. */
  release(task: Task): void {
    const name = task.routed;
    if (!name) return;
    task.routed = undefined;
    const q = this.queues.get(name);
    if (q) q.inflight = Math.max(0, q.inflight - 1);
    this.pump(name);
  }

  /** A finished or failed job's routed tasks no longer hold slots (workers drop them unrun). */
  releaseJob(job: Job): void {
    for (const t of job.tasks.values()) if (t.routed) this.release(t);
  }
}
