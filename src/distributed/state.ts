// The scheduler's state and its reactions to messages (Dask's SchedulerState): jobs and their
// tasks, live workers, stage progression, results, failures and lost workers. Task states change
// only through jobs.ts transition(); where a task goes is placement.ts; recomputing lost pieces
// is repair.ts. The transport shell (subscriptions, heartbeats, worker liveness) is scheduler.ts.
import { plural } from '../cli-text.js';
import { ReduceCode, type NativeStage } from '../native.js';
import { chunkBox, chunkCount, dtypeBytes, isChunkCount } from '../plan/split.js';
import { combineChunkPartials } from '../plan/partials.js';
import {
  SUBJECTS,
  fillRefs,
  pack,
  type ClientEvent,
  type ErrorName,
  type GraphRequest,
  type GraphTask,
  type OutputResult,
  type Piece,
  type ResultMsg,
  type StartedMsg,
  type SubmitRequest,
  type TaskMsg,
  type WorkerInfo,
} from './protocol.js';
import { SchedulerEventEmitter, type SchedulerEvents } from './events.js';
import { addTask, doneOf, newJob, pendingOf, totalOf, transition, type GraphState, type Job, type RemoteInput, type Task } from './jobs.js';
import { Placement } from './placement.js';
import { inputsMissing, repair, repaired, repairLost, type RepairHost } from './repair.js';
import { remoteInput, stageTasks } from './stage-tasks.js';
import type { Transport } from './transport.js';

export interface SchedulerOptions {
  /** Workers silent for this long are dead (default 3 × heartbeatMs). */
  workerTimeoutMs?: number;
  heartbeatMs?: number;
  /** A task whose worker died this many times fails the compute (default 3). */
  maxTries?: number;
  /**
   * A compute waiting while no worker is alive fails after this long (default 60 000 ms), naming
   * a task it still waits for, instead of waiting for workers forever.
   */
  noWorkersTimeoutMs?: number;
  /** Where log lines go; the level lets the CLI filter by TESSERA_LOG (src/cli-text.ts). */
  log?: (line: string, level?: 'debug' | 'info' | 'warn' | 'error') => void;
}

export type ResolvedOptions = Required<Omit<SchedulerOptions, 'log'>> & { log: (line: string, level?: 'debug' | 'info' | 'warn' | 'error') => void };

/**
 * Public members beyond `events`, `opts` and `workerList()` are the RepairHost seam for
 * repair.ts (@internal): not for callers of the Scheduler.
 */
export class SchedulerState implements RepairHost {
  readonly events = new SchedulerEventEmitter();
  protected readonly jobs = new Map<string, Job>();
  protected readonly workers = new Map<string, { info: WorkerInfo; seen: number }>();
  private readonly outbox: [string, Uint8Array][] = [];
  /** Since when no worker has been alive (undefined while some are). */
  private noWorkersSince: number | undefined = Date.now();
  private outboxTimer: ReturnType<typeof setTimeout> | undefined;
  readonly opts: ResolvedOptions;
  protected readonly placement = new Placement({
    threadsOf: (w) => this.workers.get(w)?.info.nthreads,
    sendRouted: (_job, task, w) => {
      transition(_job, task, 'processing', { worker: w });
      this.refreshFetches(task.msg);
      this.transport.publish(SUBJECTS.workerTask(w), pack(task.msg));
    },
    requeue: (job, tasks) => this.enqueue(job, tasks),
  });

  constructor(readonly transport: Transport, options: SchedulerOptions = {}) {
    const heartbeatMs = options.heartbeatMs ?? 1000;
    this.opts = {
      heartbeatMs,
      workerTimeoutMs: options.workerTimeoutMs ?? 3 * heartbeatMs,
      maxTries: options.maxTries ?? 3,
      noWorkersTimeoutMs: options.noWorkersTimeoutMs ?? 60_000,
      log: options.log ?? (() => {}),
    };
  }

  /** @internal */
  job(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** @internal */
  isLive(worker: string): boolean {
    return this.workers.has(worker);
  }

  workerList(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => w.info);
  }

  protected emit<K extends keyof SchedulerEvents>(type: K, ...args: SchedulerEvents[K]): void {
    (this.events.emit as (t: K, ...a: SchedulerEvents[K]) => boolean)(type, ...args);
    // On NATS, events go out together every 50 ms: one socket write for many (a write per task
    // event cost the compute threads measurable CPU on a 2-core machine).
    this.outbox.push([SUBJECTS.events(type), pack(args[0])]);
    this.outboxTimer ??= setTimeout(() => this.flushEvents(), 50);
  }

  protected flushEvents(): void {
    clearTimeout(this.outboxTimer);
    this.outboxTimer = undefined;
    for (const [subject, data] of this.outbox.splice(0)) this.transport.publish(subject, data);
  }

  /** Fail every compute still running (its tasks are gone); finished, persisted ones are kept. */
  protected failUnfinished(message: string): void {
    for (const job of [...this.jobs.values()]) if (!job.finished) this.fail(job, message);
  }

  // ---- submissions
  protected submit(req: SubmitRequest): { compute: string; total: number } {
    if (this.jobs.has(req.compute)) throw new Error(`compute ${req.compute} already submitted`);
    const remote = new Map<number, RemoteInput>();
    req.buffers.forEach((b, i) => {
      if (b.kind === 'remote') remote.set(i, remoteInput(this.jobs.get(b.compute), b.compute, b.output, b.bytes));
      if (b.kind === 'zarr') remote.set(i, { compute: '', buffer: i, shape: [...b.zarr.shape], itemsize: b.zarr.itemsize, zarr: b.zarr });
    });
    const job = newJob(req.compute, 'plan', req.stageNames.join(', '), {
      req,
      data: req.buffers.map((b) => (b.kind === 'data' ? b.data : undefined)),
      stage: -1,
      remote,
    });
    const total = totalOf(job);
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: req.stageNames, total, t: Date.now() });
    queueMicrotask(() => this.nextStage(job));
    return { compute: job.id, total };
  }

  protected submitCall(req: { compute: string; url: string; exportName: string; args: unknown[][] }): { compute: string; total: number } {
    const job = newJob(req.compute, 'call', req.exportName, { calls: req.args.length });
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: [req.exportName], total: totalOf(job), t: Date.now() });
    req.args.forEach((args, i) => {
      const id = `${job.id}:${i}`;
      const msg: TaskMsg = { kind: 'call', id, compute: job.id, name: req.exportName, maxTries: this.opts.maxTries, url: req.url, exportName: req.exportName, args };
      job.stageTasks.push(addTask(job, id, 0, [i], msg));
    });
    this.enqueue(job, job.stageTasks);
    return { compute: job.id, total: totalOf(job) };
  }

  /** A Delayed graph: call tasks are queued as their dependencies finish; values come back inline. */
  protected submitGraph(req: GraphRequest): { compute: string; total: number } {
    if (this.jobs.has(req.compute)) throw new Error(`compute ${req.compute} already submitted`);
    const specs = new Map(req.tasks.map((t) => [t.key, t]));
    for (const t of req.tasks) for (const d of t.deps) if (!specs.has(d)) throw new Error(`task ${t.key} depends on ${d}, which is not in the graph`);
    for (const k of req.outputs) if (!specs.has(k)) throw new Error(`output ${k} is not in the graph`);
    const g: GraphState = { specs, waiting: new Map(), dependents: new Map(), results: new Map(), literals: 0, outputs: req.outputs };
    const job = newJob(req.compute, 'graph', [...new Set(req.tasks.filter((t) => t.kind === 'call').map((t) => t.name))].join(', '), { graph: g });
    for (const t of req.tasks) if (t.kind === 'literal') g.results.set(t.key, t.value);
    g.literals = g.results.size;
    const ready: GraphTask[] = [];
    for (const t of req.tasks) {
      if (t.kind === 'literal') continue;
      const left = t.deps.filter((d) => !g.results.has(d));
      g.waiting.set(t.key, left.length);
      for (const d of left) g.dependents.set(d, [...(g.dependents.get(d) ?? []), t.key]);
      if (!left.length) ready.push(t);
    }
    const total = totalOf(job);
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: job.group.split(', '), total, t: Date.now() });
    queueMicrotask(() => (total === 0 ? this.finish(job) : this.graphRun(job, ready)));
    return { compute: job.id, total };
  }

  /** Start ready graph tasks: item lookups here, calls on the workers. */
  private graphRun(job: Job, ready: GraphTask[]): void {
    const g = job.graph!;
    const calls: Task[] = [];
    while (ready.length && !job.finished) {
      const t = ready.shift()!;
      if (t.kind === 'getitem') {
        const parent = g.results.get(t.deps[0]!);
        if (parent === null || typeof parent !== 'object') return this.fail(job, `cannot take item ${t.index} of ${parent === null ? 'null' : typeof parent} (${t.key})`);
        this.graphDone(job, t.key, (parent as Record<number, unknown>)[t.index!], ready);
        continue;
      }
      if (t.kind === 'build') {
        this.graphDone(job, t.key, fillRefs(t.args![0], (k) => g.results.get(k)), ready);
        continue;
      }
      const id = `${job.id}:${t.key}`;
      const args = (t.args ?? []).map((a) => fillRefs(a, (k) => g.results.get(k)));
      const msg: TaskMsg = { kind: 'call', id, compute: job.id, name: t.name, maxTries: this.opts.maxTries, url: t.url!, exportName: t.exportName!, args };
      const task = addTask(job, id, 0, [0], msg);
      job.stageTasks.push(task);
      calls.push(task);
    }
    if (calls.length) this.enqueue(job, calls);
    if (!job.finished && doneOf(job) === totalOf(job)) this.finish(job);
  }

  private graphDone(job: Job, key: string, value: unknown, ready: GraphTask[]): void {
    const g = job.graph!;
    g.results.set(key, value);
    for (const k of g.dependents.get(key) ?? []) {
      const n = g.waiting.get(k)! - 1;
      g.waiting.set(k, n);
      if (n === 0) ready.push(g.specs.get(k)!);
    }
  }

  private nextStage(job: Job): void {
    job.stage++;
    if (job.stage >= job.req!.stages.length) return this.finish(job);
    try {
      job.stageTasks = stageTasks({ job: (id) => this.jobs.get(id), piecesOf: (j, b) => this.piecesOf(j, b), maxTries: this.opts.maxTries }, job, job.stage);
    } catch (err) {
      // e.g. a persisted input released between submit and this stage
      return this.fail(job, `cannot start stage ${job.stage}: ${(err as Error).message}`);
    }
    this.enqueue(job, job.stageTasks);
  }

  /** Stored pieces of a finished job's output buffer, with their workers now. */
  private piecesOf(job: Job, buffer: number): Piece[] {
    return (job.pieces.get(buffer) ?? []).map((p) => this.located(p, job.tasks.get(p.task)?.worker ?? p.worker));
  }

  /** A piece with its holder now, and that holder's chunk port. */
  private located(p: Piece, worker: string): Piece {
    return { ...p, worker, data: this.workers.get(worker)?.info.data };
  }

  /** Fetch lists name the workers that held pieces when the task was built: bring them up to date. @internal */
  refreshFetches(msg: TaskMsg): void {
    if (msg.kind !== 'plan') return;
    for (const b of msg.buffers) {
      if (!('fetch' in b)) continue;
      for (const p of b.fetch.parts) {
        p.worker = this.jobs.get(p.compute)?.tasks.get(p.task)?.worker ?? p.worker;
        p.data = this.workers.get(p.worker)?.info.data;
      }
    }
  }

  /** Queue tasks in order (the priority: earlier chunks first), many publishes in flight. @internal */
  enqueue(job: Job, tasks: Task[]): void {
    const shared: Task[] = [];
    for (const t of tasks) {
      this.refreshFetches(t.msg);
      const holder = this.placement.holder(t.msg);
      if (holder) this.placement.route(job, t, holder);
      else shared.push(t);
    }
    this.placement.pumpAll();
    void (async () => {
      const window: Promise<void>[] = [];
      for (const t of shared) {
        if (job.finished) return;
        t.enqueuedAt = Date.now();
        window.push(this.transport.enqueue(pack(t.msg)));
        if (window.length >= 128) await Promise.all(window.splice(0));
      }
      await Promise.all(window);
    })().catch((err) => this.fail(job, `cannot queue tasks: ${(err as Error).message}`));
  }

  // ---- messages from workers
  protected onStarted(m: StartedMsg): void {
    const job = this.jobs.get(m.compute);
    const task = job?.tasks.get(m.id);
    if (!job || !task) return;
    if (job.finished) {
      // a repair (persisted piece recomputed): note where it runs, in case that worker dies too
      if (job.repairing.has(m.id)) transition(job, task, 'processing', { worker: m.worker });
      return;
    }
    if (task.state === 'memory') return; // a late duplicate
    if (task.deaths > 0) this.opts.log(`task ${task.id} started on ${m.worker} (delivery ${m.deliveries})`, 'debug');
    transition(job, task, 'processing', { worker: m.worker });
    this.emit('task-start', { compute: job.id, task: m.id, group: task.msg.name, worker: m.worker, attempt: m.deliveries, t: Date.now() });
  }

  protected onResult(r: ResultMsg): void {
    const job = this.jobs.get(r.compute);
    const task = job?.tasks.get(r.id);
    if (!job || !task) {
      // a late copy of an intermediate's task (dropIntermediates forgot it): free what it stored
      if (job && r.ok && r.stored?.length) this.transport.publish(SUBJECTS.workerDrop(r.worker), pack({ keys: r.stored.map((x) => x.key) }));
      return;
    }
    if (task.routed) this.placement.release(task); // (a routed task handed back ran elsewhere: still done)
    if (job.finished) {
      if (job.repairing.delete(r.id)) repaired(this, job, task, r);
      else this.dropDuplicate(task, r);
      return;
    }
    // Short chunk tasks do not say they started (worker.ts): their start comes with the result.
    if (task.state === 'waiting') this.emit('task-start', { compute: job.id, task: r.id, group: task.msg.name, worker: r.worker, attempt: task.deaths + 1, t: r.startedAt ?? Date.now() });
    this.emit('task-finish', { compute: job.id, task: r.id, group: task.msg.name, worker: r.worker, ok: r.ok, ms: r.ms ?? 0, t: Date.now(), ...resultBytes(r) });
    if (task.state === 'memory') return this.dropDuplicate(task, r); // finished twice: tasks are pure, keep the first
    if (!r.ok && r.missing?.length) return inputsMissing(this, job, task, r);
    if (!r.ok) {
      transition(job, task, 'erred');
      this.fail(job, `task ${task.msg.name} (${task.id}) failed on worker ${r.worker}: ${r.error}`, r.errorName);
      return;
    }
    if (task.deaths > 0) this.opts.log(`task ${task.id} done on ${r.worker} after ${plural(task.deaths, 'lost worker')}`, 'debug');
    transition(job, task, 'memory', { result: r });
    const ready: GraphTask[] = [];
    if (job.kind === 'graph') this.graphDone(job, task.id.slice(job.id.length + 1), r.value, ready);
    const done = doneOf(job);
    const total = totalOf(job);
    // at most every 100 ms (each message costs CPU the compute threads need), and always the last
    const now = Date.now();
    if (done >= total || now - (job.progressAt ?? 0) >= 100) {
      job.progressAt = now;
      this.sendClient(job, { type: 'progress', done, total });
    }
    this.emit('progress', { compute: job.id, group: task.msg.name, done, total });
    if (job.kind === 'graph') return this.graphRun(job, ready);
    if (pendingOf(job) === 0) {
      if (job.kind === 'call') this.finish(job);
      else this.stageDone(job);
    }
  }

  /** A late copy of a task stored its chunks on another worker than the tracked copy: drop them. */
  private dropDuplicate(task: Task, r: ResultMsg): void {
    if (r.ok && r.stored?.length && r.worker !== task.worker) {
      this.transport.publish(SUBJECTS.workerDrop(r.worker), pack({ keys: r.stored.map((x) => x.key) }));
    }
  }

  private stageDone(job: Job): void {
    const req = job.req!;
    const stage = req.stages[job.stage]!;
    const sinkBuffer = stage.sink.buffer;
    const tasks = job.stageTasks;
    const addPieces = (pieces: Piece[]): void => void job.pieces.set(sinkBuffer, [...(job.pieces.get(sinkBuffer) ?? []), ...pieces]);
    if (tasks.length === 1 && tasks[0]!.chunks[0] === -1) {
      const t = tasks[0]!;
      // one of several stages writing this buffer (a concatenation's sources, each its slab): the
      // whole buffer its task returned or stored holds only its own slab
      const slab = stage.sink.reduce === ReduceCode.None && req.stages.filter((s) => s.sink.buffer === sinkBuffer).length > 1;
      if (t.partials) job.data[sinkBuffer] = slab && job.data[sinkBuffer] ? copySlab(job.data[sinkBuffer]!, t.partials[0]!, stage) : t.partials[0]!;
      else addPieces([{ ...this.piece(stage, t, 0, { start: stage.shape.map(() => 0), ext: stage.shape }), whole: true, ...(slab ? { slab } : {}) }]);
    } else if (isChunkCount(stage)) {
      // a mask's counts: one float64 per chunk, at the sink's place for that chunk index
      const bytes = (req.buffers[sinkBuffer] as { bytes: number }).bytes;
      const buf = job.data[sinkBuffer] ?? new Uint8Array(bytes);
      const counts = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
      for (const t of tasks) t.chunks.forEach((c, i) => (counts[stage.sink.offset + c * stage.sink.strides[0]!] = new Float64Array(t.partials![i]!.slice().buffer)[0]!));
      job.data[sinkBuffer] = buf;
    } else if (stage.sink.reduce !== ReduceCode.None) {
      // every chunk returned its raw partials; combine them as the engine's finishStage does
      const parts: Uint8Array[] = new Array(chunkCount(stage));
      for (const t of tasks) t.chunks.forEach((c, i) => (parts[c] = t.partials![i]!));
      const bytes = (req.buffers[sinkBuffer] as { bytes: number }).bytes;
      const buf = job.data[sinkBuffer] ?? new Uint8Array(bytes);
      combineChunkPartials(stage, parts, buf);
      job.data[sinkBuffer] = buf;
    } else {
      addPieces(tasks.flatMap((t) => t.chunks.map((c, i) => this.piece(stage, t, i, chunkBox(stage, c)))));
    }
    this.nextStage(job);
  }

  private piece(stage: NativeStage, t: Task, i: number, box: { start: number[]; ext: number[] }): Piece {
    // A stage writing a later slab of its buffer along axis 0 (a concatenation's second part, a
    // product's last contraction block): its offset is whole steps of axis 0, so its pieces are
    // boxes of one array over the buffer (what a later stage reads them as: keptInput).
    const { offset, strides } = stage.sink;
    const s0 = strides[0] ?? 0;
    const fold = offset > 0 && s0 > 0 && offset % s0 === 0;
    return {
      worker: t.worker!, key: t.stored![i]!.key, bytes: t.stored![i]!.bytes, task: t.id,
      start: fold ? [box.start[0]! + offset / s0, ...box.start.slice(1)] : box.start, ext: box.ext,
      offset: fold ? 0 : offset, strides, dtype: stage.sink.dtype,
    };
  }

  /** @internal */
  outputs(job: Job): OutputResult[] {
    return job.req!.outputs.map((b) => {
      const pieces = job.pieces.get(b);
      if (pieces) return { kind: 'pieces', pieces: pieces.map((p) => this.located(p, job.tasks.get(p.task)?.worker ?? p.worker)) };
      return { kind: 'data', data: job.data[b] ?? new Uint8Array(0) };
    });
  }

  // ---- the end of a job
  private finish(job: Job): void {
    job.finished = true;
    this.placement.releaseJob(job);
    if (job.kind === 'call') {
      this.sendClient(job, { type: 'done', outputs: [], value: job.stageTasks.map((t) => t.value) });
      this.jobs.delete(job.id);
    } else if (job.kind === 'graph') {
      this.sendClient(job, { type: 'done', outputs: [], value: job.graph!.outputs.map((k) => job.graph!.results.get(k)) });
      this.jobs.delete(job.id);
    } else {
      this.sendClient(job, { type: 'done', outputs: this.outputs(job) });
      // Keep only what is needed to recompute stored pieces; drop inline data.
      job.data = [];
      this.dropIntermediates(job);
      if (job.pieces.size === 0) this.jobs.delete(job.id);
    }
    this.emit('compute-finish', { compute: job.id, ok: true, t: Date.now() });
  }

  /**
   * Free the pieces earlier stages kept only for later stages of the same job (split stages'
   * scratch) and forget their tasks, so a lost worker does not recompute them. A failed or
   * released job frees them with the rest of its stored pieces (SUBJECTS.workerRelease).
   */
  private dropIntermediates(job: Job): void {
    const keys = new Map<string, string[]>();
    for (const [b, pieces] of job.pieces) {
      if (job.req!.outputs.includes(b)) continue;
      for (const p of pieces) {
        const worker = job.tasks.get(p.task)?.worker ?? p.worker;
        keys.set(worker, [...(keys.get(worker) ?? []), p.key]);
        job.tasks.delete(p.task);
      }
      job.pieces.delete(b);
    }
    for (const [worker, k] of keys) this.transport.publish(SUBJECTS.workerDrop(worker), pack({ keys: k }));
  }

  /** @internal */
  fail(job: Job, message: string, name?: ErrorName): void {
    if (job.finished) return;
    job.finished = true;
    this.placement.releaseJob(job);
    this.opts.log(`compute ${job.id} failed: ${message}`, 'warn');
    this.sendClient(job, { type: 'error', message, ...(name ? { name } : {}) });
    this.emit('compute-finish', { compute: job.id, ok: false, error: message, t: Date.now() });
    this.release(job.id);
  }

  protected release(compute: string): void {
    const job = this.jobs.get(compute);
    // a client waiting for recomputed pieces of this job must not wait forever
    if (job?.onRepair.length) this.sendClient(job, { type: 'error', message: 'the persisted array was released while its lost pieces were being recomputed' });
    this.jobs.delete(compute);
    this.transport.publish(SUBJECTS.workerRelease, pack({ compute }));
    if (compute !== '*') this.emit('compute-release', { compute, t: Date.now() });
  }

  /** @internal */
  sendClient(job: Job, e: ClientEvent): void {
    this.transport.publish(SUBJECTS.client(job.id), pack(e));
  }

  // ---- lost workers
  /** Called on every liveness check: computes that waited too long without any worker fail. */
  protected checkNoWorkers(now: number): void {
    if (this.workers.size) {
      this.noWorkersSince = undefined;
      return;
    }
    this.noWorkersSince ??= now;
    for (const job of [...this.jobs.values()]) {
      if (job.finished || now - Math.max(this.noWorkersSince, job.createdAt) <= this.opts.noWorkersTimeoutMs) continue;
      const waiting = [...job.tasks.values()].find((t) => t.state !== 'memory');
      const what = waiting ? `task ${waiting.msg.name} (${waiting.id})` : `compute ${job.group}`;
      this.fail(
        job,
        `no live workers for ${((now - Math.max(this.noWorkersSince, job.createdAt)) / 1000).toFixed(1)} s while ${what} waits` +
          `${waiting?.deaths ? ` (it was running on ${plural(waiting.deaths, 'worker')} that died)` : ''}; start workers (tessera worker ADDRESS) or raise the scheduler's no-workers timeout (${this.opts.noWorkersTimeoutMs} ms)`,
      );
    }
  }

  /** A worker stopped heartbeating: its running tasks come back by redelivery; its stored chunks are recomputed. */
  protected workerLost(name: string): void {
    this.opts.log(`worker lost: ${name}`, 'warn');
    // Tasks queued again now are not in that worker's limbo (rescueLimbo): stamped with this time.
    const lostAt = Date.now();
    const lost: string[] = [];
    for (const job of this.jobs.values()) {
      if (job.finished) {
        // A persisted compute: recompute the pieces that worker kept, so later computes reading
        // them (and gather()) find them again.
        lost.push(...repairLost(this, job, name));
        continue;
      }
      for (const task of job.tasks.values()) {
        if (task.worker !== name) continue;
        if (task.state === 'processing') {
          task.deaths++;
          lost.push(task.id);
          if (task.deaths >= this.opts.maxTries) {
            this.fail(job, `task ${task.msg.name} (${task.id}) was running on ${plural(task.deaths, 'worker')} that died (last: ${name}); giving up after ${this.opts.maxTries} tries`);
            break;
          }
          // JetStream would redeliver it after ack_wait; queue a copy now so recovery takes one
          // heartbeat timeout, not ack_wait. Tasks are pure: whichever result comes first wins.
          transition(job, task, 'waiting');
          task.routed = undefined;
          task.enqueuedAt = lostAt;
          this.refreshFetches(task.msg);
          void this.transport.enqueue(pack(task.msg));
        } else if (task.state === 'memory' && task.stored) {
          lost.push(task.id);
          transition(job, task, 'waiting');
          task.enqueuedAt = lostAt;
          this.refreshFetches(task.msg);
          void this.transport.enqueue(pack(task.msg));
        }
      }
    }
    if (lost.length) this.opts.log(`worker ${name} held ${plural(lost.length, 'task')}: queued again`, 'warn');
    this.placement.pump(name); // its routed backlog goes to the shared queue
    setTimeout(() => void this.rescueLimbo(name, lostAt, 0).catch(() => {}), this.opts.heartbeatMs).unref?.();
    this.emit('worker-lost', { worker: name, tasks: lost, t: Date.now() });
  }

  /**
   * Tasks JetStream delivered to a worker that died before it could say so (in its socket buffer
   * or its open pull request) wait for ack_wait. Once the queue has nothing undelivered left,
   * every task queued before the loss and still not started is in that limbo: queue it again.
   */
  private async rescueLimbo(worker: string, lostAt: number, round: number): Promise<void> {
    if ((await this.transport.undelivered()) > 0) {
      if (round < 600) setTimeout(() => void this.rescueLimbo(worker, lostAt, round + 1).catch(() => {}), this.opts.heartbeatMs).unref?.();
      return;
    }
    for (const job of [...this.jobs.values()]) {
      if (job.finished) continue;
      const stuck = job.stageTasks.filter((t) => t.state === 'waiting' && !t.parked && (t.enqueuedAt ?? Infinity) < lostAt);
      if (!stuck.length) continue;
      // Such a task may have killed that worker before it could say it started (a call that
      // exits the process): count the death, so a task that keeps doing so gives up.
      for (const t of stuck) t.deaths++;
      const killer = stuck.find((t) => t.deaths >= this.opts.maxTries);
      if (killer) {
        this.fail(job, `task ${killer.msg.name} (${killer.id}) was delivered to ${plural(killer.deaths, 'worker')} that died before it reported starting (last: ${worker}); giving up after ${this.opts.maxTries} tries`);
        continue;
      }
      this.opts.log(`compute ${job.id}: ${plural(stuck.length, 'task')} delivered to a lost worker: queued again`, 'warn');
      this.enqueue(job, stuck);
    }
  }

  /** The NATS server restarted: queued repairs of persisted pieces are gone too; queue them again. */
  protected requeueRepairs(): void {
    for (const job of this.jobs.values()) {
      if (!job.repairing.size) continue;
      const again = [...job.repairing].map((id) => job.tasks.get(id)!).filter(Boolean);
      job.repairing.clear();
      repair(this, job, again);
    }
  }
}

/** Bytes a task's result carries or stored on its worker (the dashboard's per-compute bytes). */
function resultBytes(r: ResultMsg): { bytes?: number } {
  let bytes = 0;
  let known = false;
  for (const d of r.data ?? []) (bytes += d.byteLength), (known = true);
  for (const x of r.stored ?? []) (bytes += x.bytes), (known = true);
  return known ? { bytes } : {};
}

/** Copies into `into` the elements `stage` wrote into `from` (two whole buffers of its sink): a concatenation's slab. */
function copySlab(into: Uint8Array, from: Uint8Array, stage: NativeStage): Uint8Array {
  const item = dtypeBytes(stage.sink.dtype);
  const { offset, strides } = stage.sink;
  const shape = stage.shape;
  const nd = shape.length;
  if (shape.some((e) => e === 0)) return into;
  const idx = new Array<number>(nd).fill(0);
  for (;;) {
    let at = offset;
    for (let k = 0; k < nd; k++) at += idx[k]! * strides[k]!;
    into.set(from.subarray(at * item, (at + 1) * item), at * item);
    let k = nd - 1;
    for (; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return into;
  }
}
