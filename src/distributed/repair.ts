// Repair of lost work: pieces a persisted compute kept on a worker that died are recomputed
// (repair), a client that could not fetch pieces asks for them again (recompute), and a task
// whose stored inputs are gone waits for them (inputsMissing). Bounded like deaths: a task that
// keeps failing gives up after maxTries.
import { plural } from '../cli-text.js';
import { transition, type Job, type Task } from './jobs.js';
import { pack, type ClientEvent, type OutputResult, type ResultMsg, type TaskMsg } from './protocol.js';
import type { Transport } from './transport.js';

export interface RepairHost {
  readonly transport: Transport;
  readonly opts: { maxTries: number; heartbeatMs: number; workerTimeoutMs: number; log: (line: string, level?: 'debug' | 'info' | 'warn' | 'error') => void };
  job(id: string): Job | undefined;
  isLive(worker: string): boolean;
  refreshFetches(msg: TaskMsg): void;
  enqueue(job: Job, tasks: Task[]): void;
  fail(job: Job, message: string): void;
  sendClient(job: Job, e: ClientEvent): void;
  outputs(job: Job): OutputResult[];
}

/** Run tasks of a finished (persisted) job again: their stored pieces were lost. */
export function repair(host: RepairHost, job: Job, tasks: Task[]): void {
  const fresh = tasks.filter((t) => !job.repairing.has(t.id) || t.worker !== undefined);
  for (const t of fresh) {
    transition(job, t, 'waiting');
    job.repairing.add(t.id);
  }
  if (fresh.length) host.opts.log(`compute ${job.id}: recomputing ${fresh.length} lost piece(s)`);
  void (async () => {
    for (const t of fresh) {
      t.enqueuedAt = Date.now();
      host.refreshFetches(t.msg);
      await host.transport.enqueue(pack(t.msg));
    }
  })().catch((err) => {
    // not queued (connection down?): try again shortly, unless the job is gone
    host.opts.log(`compute ${job.id}: cannot queue repairs (${(err as Error).message}); retrying`, 'warn');
    for (const t of fresh) job.repairing.delete(t.id);
    setTimeout(() => host.job(job.id) === job && repair(host, job, fresh.filter((t) => t.state === 'waiting')), host.opts.heartbeatMs).unref?.();
  });
}

/** A worker died: the repairs and kept pieces of finished job `job` it held run again. */
export function repairLost(host: RepairHost, job: Job, worker: string): string[] {
  const gone = [...job.tasks.values()].filter((t) => t.worker === worker && ((t.state === 'memory' && t.stored?.length) || job.repairing.has(t.id)));
  const redo: Task[] = [];
  for (const t of gone) {
    // a repair that keeps killing its workers is given up, like any task
    if (job.repairing.has(t.id) && ++t.deaths >= host.opts.maxTries) {
      job.repairing.delete(t.id);
      transition(job, t, 'erred');
      host.opts.log(`compute ${job.id}: recomputing ${t.id} killed ${plural(t.deaths, 'worker')}; giving up`, 'warn');
      repairEnded(job);
    } else redo.push(t);
  }
  if (redo.length) repair(host, job, redo);
  return redo.map((t) => t.id);
}

/** A repair's result came back. */
export function repaired(host: RepairHost, job: Job, task: Task, r: ResultMsg): void {
  if (r.ok) {
    transition(job, task, 'memory', { result: r });
  } else if (r.missing?.length && (task.fetchFails = (task.fetchFails ?? 0) + 1) <= host.opts.maxTries) {
    // It reads another persisted array whose pieces are being recomputed too: try again soon.
    setTimeout(() => repair(host, job, [task]), host.opts.heartbeatMs).unref?.();
    return;
  } else {
    transition(job, task, 'erred');
    host.opts.log(`compute ${job.id}: recomputing ${task.id} failed: ${r.error}`, 'warn');
  }
  repairEnded(job);
}

export function repairEnded(job: Job): void {
  const waiting = job.onRepair.splice(0);
  for (const fn of waiting) fn();
}

/**
 * The client could not fetch some pieces (their worker died after the compute): recompute the
 * ones not already back, and send the client the new locations once all are in memory.
 */
export function recompute(host: RepairHost, req: { compute: string; tasks: string[]; workers?: string[] }): { queued: number } {
  const job = host.job(req.compute);
  if (!job) throw new Error(`compute ${req.compute} is unknown to this scheduler (restarted?)`);
  const tried = new Map(req.tasks.map((id, i) => [id, req.workers?.[i]]));
  const want = [...new Set(req.tasks)].map((id) => job.tasks.get(id)).filter((t): t is Task => !!t);
  // Recompute unless a copy is already on its way or lives on a worker the client did not try
  // (a worker may be gone before it has missed enough heartbeats to be declared dead).
  const redo = want.filter(
    (t) => !job.repairing.has(t.id) && !(t.state === 'memory' && t.worker && host.isLive(t.worker) && t.worker !== tried.get(t.id)),
  );
  repair(host, job, redo);
  const check = (): void => {
    if (!host.job(job.id)) return;
    if (want.some((t) => t.state === 'erred')) return host.sendClient(job, { type: 'error', message: 'recomputing lost pieces failed' });
    if (want.every((t) => t.state === 'memory')) return host.sendClient(job, { type: 'done', outputs: host.outputs(job) });
    job.onRepair.push(check);
  };
  queueMicrotask(check);
  return { queued: redo.length };
}

/**
 * A task could not fetch stored input pieces: their worker died. Such pieces are recomputed
 * (workerLost → repair); run the task again once they are back, a bounded number of times.
 */
export function inputsMissing(host: RepairHost, job: Job, task: Task, r: ResultMsg): void {
  task.fetchFails = (task.fetchFails ?? 0) + 1;
  if (task.fetchFails > host.opts.maxTries) {
    transition(job, task, 'erred');
    host.fail(job, `task ${task.msg.name} (${task.id}) could not fetch its inputs after ${task.fetchFails} tries: ${r.error}`);
    return;
  }
  const sources: { t: Task; src: Job; tried?: string }[] = [];
  for (const m of r.missing!) {
    const src = host.job(m.compute);
    const t = src?.tasks.get(m.task);
    if (!src || !t) return host.fail(job, `task ${task.msg.name} (${task.id}) reads a persisted array that was released (${m.compute.slice(0, 8)}…); persist it again`);
    sources.push({ t, src, tried: m.worker });
  }
  transition(job, task, 'waiting');
  task.parked = true;
  // A piece on the worker the task tried may be fine after all (a transient error): after the
  // time a dead worker takes to be declared dead, try again anyway.
  const deadline = Date.now() + host.opts.workerTimeoutMs + 2 * host.opts.heartbeatMs;
  const retry = (): void => {
    if (job.finished || task.state !== 'waiting' || !task.parked) return;
    if (sources.some(({ t }) => t.state === 'erred')) return host.fail(job, `task ${task.msg.name} (${task.id}): recomputing its lost input pieces failed`);
    const back = sources.every(({ t, src, tried }) => t.state === 'memory' && !src.repairing.has(t.id) && t.worker !== tried);
    const repairing = sources.some(({ t, src }) => src.repairing.has(t.id));
    if (back || (!repairing && Date.now() > deadline)) {
      task.parked = false;
      host.enqueue(job, [task]);
    } else setTimeout(retry, Math.max(50, host.opts.heartbeatMs / 4)).unref?.();
  };
  retry();
}
