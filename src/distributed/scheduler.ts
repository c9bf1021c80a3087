// The tessera scheduler: owns the graphs clients submit. A compute is a lowered plan; its stages
// run in order, each cut into tasks (one per chunk, or the whole stage — protocol.splitMode) put
// on the JetStream work queue. The scheduler tracks task states (waiting → processing → memory /
// erred), which worker holds which stored chunk, worker liveness (heartbeat timestamps in the KV
// bucket), retries (a task whose workers keep dying fails after `maxTries`), recomputes chunks
// lost with a worker, combines reduction partials in the engine's fixed tree order, and tells the
// client where every output piece lives.
import { randomUUID } from 'node:crypto';
import { ReduceCode, type NativeStage } from '../native.js';
import {
  SUBJECTS,
  chunkBox,
  chunkCount,
  chunkStage,
  combinePartials,
  pack,
  splitMode,
  unpack,
  wholeStage,
  type ClientEvent,
  type OutputResult,
  type Piece,
  type ResultMsg,
  type StartedMsg,
  type SubmitRequest,
  type TaskMsg,
  type WorkerInfo,
} from './protocol.js';
import { SchedulerEventEmitter, type SchedulerEvents } from './events.js';
import { dec, type Subscription, type Transport } from './transport.js';

export interface SchedulerOptions {
  /** Workers silent for this long are dead (default 3 × heartbeatMs). */
  workerTimeoutMs?: number;
  heartbeatMs?: number;
  /** A task whose worker died this many times fails the compute (default 3). */
  maxTries?: number;
  log?: (line: string) => void;
}

type TaskState = 'waiting' | 'processing' | 'memory' | 'erred';

interface Task {
  id: string;
  stage: number;
  /** Chunks of the stage this task computes (row-major chunk indices); [-1]: the whole stage. */
  chunks: number[];
  state: TaskState;
  worker?: string;
  deaths: number;
  msg: TaskMsg;
  enqueuedAt?: number;
  partials?: Uint8Array[];
  stored?: { key: string; bytes: number }[];
  value?: unknown;
}

interface Job {
  id: string;
  kind: 'plan' | 'call';
  req?: SubmitRequest;
  /** Buffer contents known to the scheduler (inputs and combined reductions). */
  data: (Uint8Array | undefined)[];
  stage: number;
  tasks: Map<string, Task>;
  stageTasks: Task[];
  /** Tasks of the current stage not yet in memory. */
  pending: number;
  pieces: Map<number, Piece[]>;
  done: number;
  total: number;
  finished: boolean;
  group: string;
}

export class Scheduler {
  readonly id = randomUUID();
  readonly events = new SchedulerEventEmitter();
  private readonly jobs = new Map<string, Job>();
  private readonly workers = new Map<string, { info: WorkerInfo; seen: number }>();
  private readonly subs: Subscription[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly opts: Required<Omit<SchedulerOptions, 'log'>> & { log: (l: string) => void };

  constructor(private readonly transport: Transport, options: SchedulerOptions = {}) {
    const heartbeatMs = options.heartbeatMs ?? 1000;
    this.opts = {
      heartbeatMs,
      workerTimeoutMs: options.workerTimeoutMs ?? 3 * heartbeatMs,
      maxTries: options.maxTries ?? 3,
      log: options.log ?? (() => {}),
    };
  }

  async start(): Promise<void> {
    const t = this.transport;
    await t.purgeQueue();
    this.subs.push(t.subscribe(SUBJECTS.submit, (d, reply) => this.reply(reply, () => this.submit(unpack<SubmitRequest>(d)))));
    this.subs.push(t.subscribe(SUBJECTS.call, (d, reply) => this.reply(reply, () => this.submitCall(unpack(d)))));
    this.subs.push(t.subscribe(SUBJECTS.release, (d) => this.release(unpack<{ compute: string }>(d).compute)));
    this.subs.push(t.subscribe(SUBJECTS.recompute, (d, reply) => this.reply(reply, () => this.recompute(unpack(d)))));
    this.subs.push(t.subscribe(SUBJECTS.result, (d) => this.onResult(unpack<ResultMsg>(d))));
    this.subs.push(t.subscribe(SUBJECTS.started, (d) => this.onStarted(unpack<StartedMsg>(d))));
    this.subs.push(t.subscribe(SUBJECTS.live, (d, reply) => {
      const job = this.jobs.get(unpack<{ compute: string }>(d).compute);
      reply?.(pack({ live: !!job }));
    }));
    this.subs.push(t.subscribe(SUBJECTS.info, (_d, reply) => reply?.(pack({ id: this.id, workers: this.workerList() }))));
    const beat = (): void => t.publish(SUBJECTS.heartbeat, pack({ id: this.id, t: Date.now() }));
    beat();
    this.timers.push(setInterval(beat, this.opts.heartbeatMs));
    this.timers.push(setInterval(() => void this.checkWorkers().catch(() => {}), Math.max(100, this.opts.heartbeatMs / 2)));
    for (const x of this.timers) x.unref?.();
    t.onReconnect(({ queueLost }) => {
      // No heartbeat could arrive while disconnected: every worker gets a fresh timeout.
      const now = Date.now();
      for (const w of this.workers.values()) w.seen = now;
      this.opts.log(`reconnected to NATS${queueLost ? ' (the server restarted: task queue created again)' : ''}`);
      beat();
      if (queueLost) this.failUnfinished('the NATS server restarted during the compute and lost its queued tasks; run the compute again');
    });
    await this.checkWorkers();
  }

  /** Fail every compute still running (its tasks are gone); finished, persisted ones are kept. */
  private failUnfinished(message: string): void {
    for (const job of [...this.jobs.values()]) if (!job.finished) this.fail(job, message);
  }

  workerList(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => w.info);
  }

  private emit<K extends keyof SchedulerEvents>(type: K, ...args: SchedulerEvents[K]): void {
    (this.events.emit as (t: K, ...a: SchedulerEvents[K]) => boolean)(type, ...args);
    this.transport.publish(SUBJECTS.events(type), pack(args[0]));
  }

  private reply(reply: ((d: Uint8Array) => void) | undefined, fn: () => unknown): void {
    try {
      const v = fn();
      reply?.(pack({ ok: true, value: v }));
    } catch (err) {
      reply?.(pack({ ok: false, error: (err as Error).message }));
    }
  }

  private async checkWorkers(): Promise<void> {
    const keys = await this.transport.kvKeys();
    const now = Date.now();
    let changed = false;
    for (const key of keys) {
      const raw = await this.transport.kvGet(key);
      if (!raw) continue;
      const info = dec<WorkerInfo>(raw);
      const known = this.workers.get(key);
      if (!known) {
        // A stale entry of a dead worker is older than the timeout: ignore it.
        if (now - info.t > this.opts.workerTimeoutMs) continue;
        this.workers.set(key, { info, seen: now });
        this.opts.log(`worker joined: ${key} (${info.nthreads} threads, ${info.host})`);
        changed = true;
      } else if (info.t !== known.info.t) {
        known.info = info;
        known.seen = now;
      }
    }
    for (const [name, w] of this.workers) {
      if (now - w.seen > this.opts.workerTimeoutMs) {
        this.workers.delete(name);
        changed = true;
        this.workerLost(name);
      }
    }
    if (changed || Math.random() < 0.25) this.emit('workers', this.workerList());
  }

  /** A worker stopped heartbeating: its running tasks come back by redelivery; its stored chunks are recomputed. */
  private workerLost(name: string): void {
    this.opts.log(`worker lost: ${name}`);
    const lost: string[] = [];
    for (const job of this.jobs.values()) {
      if (job.finished) continue;
      for (const task of job.tasks.values()) {
        if (task.worker !== name) continue;
        if (task.state === 'processing') {
          task.deaths++;
          lost.push(task.id);
          if (task.deaths >= this.opts.maxTries) {
            this.fail(job, `task ${task.msg.name} (${task.id}) was running on ${task.deaths} workers that died (last: ${name}); giving up after ${this.opts.maxTries} tries`);
            break;
          }
          // JetStream would redeliver it after ack_wait; queue a copy now so recovery takes one
          // heartbeat timeout, not ack_wait. Tasks are pure: whichever result comes first wins.
          task.state = 'waiting';
          task.worker = undefined;
          task.enqueuedAt = Date.now();
          void this.transport.enqueue(pack(task.msg));
        } else if (task.state === 'memory' && task.stored) {
          lost.push(task.id);
          task.state = 'waiting';
          task.stored = undefined;
          task.worker = undefined;
          job.done -= task.chunks.length;
          job.pending++;
          void this.transport.enqueue(pack(task.msg));
        }
      }
    }
    if (lost.length) this.opts.log(`worker ${name} held ${lost.length} tasks: queued again`);
    const lostAt = Date.now();
    setTimeout(() => void this.rescueLimbo(lostAt, 0).catch(() => {}), this.opts.heartbeatMs).unref?.();
    this.emit('worker-lost', { worker: name, tasks: lost, t: Date.now() });
  }

  /**
   * Tasks JetStream delivered to a worker that died before it could say so (in its socket buffer
   * or its open pull request) wait for ack_wait. Once the queue has nothing undelivered left,
   * every task queued before the loss and still not started is in that limbo: queue it again.
   */
  private async rescueLimbo(lostAt: number, round: number): Promise<void> {
    if ((await this.transport.undelivered()) > 0) {
      if (round < 600) setTimeout(() => void this.rescueLimbo(lostAt, round + 1).catch(() => {}), this.opts.heartbeatMs).unref?.();
      return;
    }
    for (const job of this.jobs.values()) {
      if (job.finished) continue;
      const stuck = job.stageTasks.filter((t) => t.state === 'waiting' && (t.enqueuedAt ?? Infinity) < lostAt);
      if (!stuck.length) continue;
      this.opts.log(`compute ${job.id}: ${stuck.length} tasks delivered to a lost worker: queued again`);
      this.enqueue(job, stuck);
    }
  }

  private submit(req: SubmitRequest): { compute: string; total: number } {
    if (this.jobs.has(req.compute)) throw new Error(`compute ${req.compute} already submitted`);
    const total = req.stages.reduce((n, st) => n + (splitMode(st) === 'chunks' ? chunkCount(st) : 1), 0);
    const job: Job = {
      id: req.compute,
      kind: 'plan',
      req,
      data: req.buffers.map((b) => (b.kind === 'data' ? b.data : undefined)),
      stage: -1,
      tasks: new Map(),
      stageTasks: [],
      pending: 0,
      pieces: new Map(),
      done: 0,
      total,
      finished: false,
      group: req.stageNames.join(', '),
    };
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: req.stageNames, total, t: Date.now() });
    queueMicrotask(() => this.nextStage(job));
    return { compute: job.id, total };
  }

  private submitCall(req: { compute: string; url: string; exportName: string; args: unknown[][] }): { compute: string; total: number } {
    const job: Job = {
      id: req.compute,
      kind: 'call',
      data: [],
      stage: 0,
      tasks: new Map(),
      stageTasks: [],
      pending: req.args.length,
      pieces: new Map(),
      done: 0,
      total: req.args.length,
      finished: false,
      group: req.exportName,
    };
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: [req.exportName], total: job.total, t: Date.now() });
    req.args.forEach((args, i) => {
      const id = `${job.id}:${i}`;
      const msg: TaskMsg = { kind: 'call', id, compute: job.id, name: req.exportName, maxTries: this.opts.maxTries, url: req.url, exportName: req.exportName, args };
      const task: Task = { id, stage: 0, chunks: [i], state: 'waiting', deaths: 0, msg };
      job.tasks.set(id, task);
      job.stageTasks.push(task);
    });
    this.enqueue(job, job.stageTasks);
    return { compute: job.id, total: job.total };
  }

  private nextStage(job: Job): void {
    const req = job.req!;
    job.stage++;
    if (job.stage >= req.stages.length) {
      this.finish(job);
      return;
    }
    const s = job.stage;
    const stage = req.stages[s]!;
    const name = req.stageNames[s] ?? `stage-${s}`;
    // Sub-plan buffers: every memory leaf's buffer inline, then the sink buffer.
    const used = [...new Set(stage.leaves.filter((l) => l.kind === 3).map((l) => l.buffer))];
    const leafBuffers = new Map<number, number>();
    const buffers: ({ data: Uint8Array } | { alloc: number })[] = [];
    for (const b of used) {
      const data = job.data[b];
      if (!data) return this.fail(job, `stage ${name} reads buffer ${b}, which no earlier stage produced`);
      leafBuffers.set(b, buffers.length);
      buffers.push({ data });
    }
    const out = buffers.length;
    const itemsize = stage.sink.dtype === 0 ? 8 : 4;
    const tasks: Task[] = [];
    const mode = stage.sink.reduce === ReduceCode.None ? 'keep' : 'return';
    if (splitMode(stage) === 'chunks') {
      // Tiny chunks are batched: one task message runs up to 256 chunks (>= 64 Ki elements)
      // as consecutive stages of one native plan, so per-message costs are paid once.
      const n = chunkCount(stage);
      let c = 0;
      while (c < n) {
        const subs: NativeStage[] = [];
        const all = [...buffers];
        const outs: number[] = [];
        const chunks: number[] = [];
        let elements = 0;
        do {
          const { ext } = chunkBox(stage, c);
          const count = ext.reduce((a, e) => a * e, 1);
          outs.push(all.length);
          all.push({ alloc: mode === 'keep' ? count * itemsize : 8 });
          subs.push(chunkStage(stage, c, outs[outs.length - 1]!, leafBuffers));
          chunks.push(c);
          elements += count;
          c++;
        } while (c < n && elements < 65536 && chunks.length < 256);
        const id = `${job.id}:${s}:${chunks[0]}`;
        const msg: TaskMsg = { kind: 'plan', id, compute: job.id, name, maxTries: this.opts.maxTries, stages: subs, buffers: all, outs, mode };
        tasks.push({ id, stage: s, chunks, state: 'waiting', deaths: 0, msg });
      }
    } else {
      const bytes = req.buffers[stage.sink.buffer]!.kind === 'out' ? (req.buffers[stage.sink.buffer] as { bytes: number }).bytes : 0;
      const id = `${job.id}:${s}:all`;
      const msg: TaskMsg = {
        kind: 'plan', id, compute: job.id, name, maxTries: this.opts.maxTries, stages: [wholeStage(stage, buffers.length, leafBuffers)],
        buffers: [...buffers, { alloc: bytes }], outs: [buffers.length],
        mode: mode === 'keep' && req.outputs.includes(stage.sink.buffer) ? 'keep' : 'return',
      };
      tasks.push({ id, stage: s, chunks: [-1], state: 'waiting', deaths: 0, msg });
    }
    job.stageTasks = tasks;
    job.pending = tasks.length;
    for (const t of tasks) job.tasks.set(t.id, t);
    this.enqueue(job, tasks);
  }

  /** Queue tasks in order (the priority: earlier chunks first), many publishes in flight. */
  private enqueue(job: Job, tasks: Task[]): void {
    void (async () => {
      const window: Promise<void>[] = [];
      for (const t of tasks) {
        if (job.finished) return;
        t.enqueuedAt = Date.now();
        window.push(this.transport.enqueue(pack(t.msg)));
        if (window.length >= 128) await Promise.all(window.splice(0));
      }
      await Promise.all(window);
    })().catch((err) => this.fail(job, `cannot queue tasks: ${(err as Error).message}`));
  }

  private onStarted(m: StartedMsg): void {
    const job = this.jobs.get(m.compute);
    const task = job?.tasks.get(m.id);
    if (!job || !task || job.finished) return;
    if (task.state === 'memory') return; // a late duplicate
    if (task.deaths > 0 && process.env.TESSERA_DEBUG) this.opts.log(`task ${task.id} started on ${m.worker} (delivery ${m.deliveries})`);
    task.state = 'processing';
    task.worker = m.worker;
    this.emit('task-start', { compute: job.id, task: m.id, group: task.msg.name, worker: m.worker, attempt: m.deliveries, t: Date.now() });
  }

  private onResult(r: ResultMsg): void {
    const job = this.jobs.get(r.compute);
    const task = job?.tasks.get(r.id);
    if (!job || !task || job.finished) return;
    this.emit('task-finish', { compute: job.id, task: r.id, group: task.msg.name, worker: r.worker, ok: r.ok, ms: r.ms ?? 0, t: Date.now() });
    if (task.state === 'memory') return; // redelivered and finished twice: tasks are pure, keep the first
    if (!r.ok) {
      task.state = 'erred';
      this.fail(job, `task ${task.msg.name} (${task.id}) failed on worker ${r.worker}: ${r.error}`);
      return;
    }
    if (task.deaths > 0 && process.env.TESSERA_DEBUG) this.opts.log(`task ${task.id} done on ${r.worker} after ${task.deaths} lost worker(s)`);
    task.state = 'memory';
    task.worker = r.worker;
    task.partials = r.data;
    task.stored = r.stored;
    task.value = r.value;
    job.done += task.chunks[0] === -1 ? 1 : task.chunks.length;
    job.pending--;
    this.sendClient(job, { type: 'progress', done: job.done, total: job.total });
    this.emit('progress', { compute: job.id, group: task.msg.name, done: job.done, total: job.total });
    if (job.pending === 0) {
      if (job.kind === 'call') this.finish(job);
      else this.stageDone(job);
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
      if (t.partials) job.data[sinkBuffer] = t.partials[0]!;
      else addPieces([{ ...this.piece(stage, t, 0, { start: stage.shape.map(() => 0), ext: stage.shape }), whole: true }]);
    } else if (stage.sink.reduce !== ReduceCode.None) {
      const partials = new Float64Array(chunkCount(stage));
      for (const t of tasks) t.chunks.forEach((c, i) => (partials[c] = new Float64Array(t.partials![i]!.buffer, t.partials![i]!.byteOffset, 1)[0]!));
      const count = stage.shape.reduce((a, b) => a * b, 1);
      const v = combinePartials(stage.sink.reduce, partials, count);
      const bytes = (req.buffers[sinkBuffer] as { bytes: number }).bytes;
      const buf = job.data[sinkBuffer] ?? new Uint8Array(bytes);
      if (stage.sink.dtype === 0) new Float64Array(buf.buffer, buf.byteOffset, bytes / 8)[stage.sink.offset] = v;
      else new Float32Array(buf.buffer, buf.byteOffset, bytes / 4)[stage.sink.offset] = v;
      job.data[sinkBuffer] = buf;
    } else {
      addPieces(tasks.flatMap((t) => t.chunks.map((c, i) => this.piece(stage, t, i, chunkBox(stage, c)))));
    }
    this.nextStage(job);
  }

  private piece(stage: NativeStage, t: Task, i: number, box: { start: number[]; ext: number[] }): Piece {
    return {
      worker: t.worker!, key: t.stored![i]!.key, task: t.id, start: box.start, ext: box.ext,
      offset: stage.sink.offset, strides: stage.sink.strides, dtype: stage.sink.dtype,
    };
  }

  private outputs(job: Job): OutputResult[] {
    return job.req!.outputs.map((b) => {
      const pieces = job.pieces.get(b);
      if (pieces) return { kind: 'pieces', pieces: pieces.map((p) => ({ ...p, worker: job.tasks.get(p.task)!.worker! })) };
      return { kind: 'data', data: job.data[b] ?? new Uint8Array(0) };
    });
  }

  private finish(job: Job): void {
    job.finished = true;
    if (job.kind === 'call') {
      this.sendClient(job, { type: 'done', outputs: [], value: job.stageTasks.map((t) => t.value) });
      this.jobs.delete(job.id);
    } else {
      this.sendClient(job, { type: 'done', outputs: this.outputs(job) });
      // Keep only what is needed to recompute stored pieces; drop inline data.
      job.data = [];
      if (job.pieces.size === 0) this.jobs.delete(job.id);
    }
    this.emit('compute-finish', { compute: job.id, ok: true, t: Date.now() });
  }

  private fail(job: Job, message: string): void {
    if (job.finished) return;
    job.finished = true;
    this.opts.log(`compute ${job.id} failed: ${message}`);
    this.sendClient(job, { type: 'error', message });
    this.emit('compute-finish', { compute: job.id, ok: false, error: message, t: Date.now() });
    this.release(job.id);
  }

  /** The client could not fetch some pieces (their worker died after the compute): recompute them. */
  private recompute(req: { compute: string; tasks: string[] }): { queued: number } {
    const job = this.jobs.get(req.compute);
    if (!job) throw new Error(`compute ${req.compute} is unknown to this scheduler (restarted?)`);
    job.finished = false;
    job.stageTasks = [];
    for (const id of new Set(req.tasks)) {
      const t = job.tasks.get(id);
      if (!t) continue;
      t.state = 'waiting';
      t.stored = undefined;
      job.done -= t.chunks[0] === -1 ? 1 : t.chunks.length;
      job.stageTasks.push(t);
    }
    job.pending = job.stageTasks.length;
    this.enqueue(job, job.stageTasks);
    // When they are back in memory, finish() sends the new locations.
    job.stage = job.req!.stages.length - 1;
    const orig = this.stageDone.bind(this);
    this.stageDone = (j: Job): void => {
      if (j !== job) return orig(j);
      this.stageDone = orig;
      this.finish(j);
    };
    return { queued: job.stageTasks.length };
  }

  private release(compute: string): void {
    this.jobs.delete(compute);
    this.transport.publish(SUBJECTS.workerRelease, pack({ compute }));
  }

  private sendClient(job: Job, e: ClientEvent): void {
    this.transport.publish(SUBJECTS.client(job.id), pack(e));
  }

  async close(): Promise<void> {
    for (const x of this.timers) clearInterval(x);
    for (const s of this.subs) s.unsubscribe();
    await this.transport.close();
  }
}
