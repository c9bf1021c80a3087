// The tessera scheduler: owns the graphs clients submit. A compute is a lowered plan; its stages
// run in order, each cut into tasks (one per chunk, or the whole stage — protocol.splitMode) put
// on the JetStream work queue. The scheduler tracks task states (waiting → processing → memory /
// erred), which worker holds which stored chunk, worker liveness (heartbeat timestamps in the KV
// bucket), retries (a task whose workers keep dying fails after `maxTries`), recomputes chunks
// lost with a worker, combines reduction partials in the engine's fixed tree order, and tells the
// client where every output piece lives.
import { randomUUID } from 'node:crypto';
import { ReduceCode, type NativeLeaf, type NativeStage } from '../native.js';
import {
  SUBJECTS,
  chunkBox,
  chunkCount,
  chunkOutBytes,
  chunkStage,
  fillRefs,
  combineChunkPartials,
  pack,
  splitMode,
  unpack,
  wholeStage,
  type ClientEvent,
  type OutputResult,
  type Piece,
  type ResultMsg,
  type GraphRequest,
  type GraphTask,
  type StartedMsg,
  type SubmitRequest,
  type TaskBuffer,
  type TaskMsg,
  type WorkerInfo,
} from './protocol.js';
import { SchedulerEventEmitter, type SchedulerEvents } from './events.js';
import { fetchSpec, leafRegion, leafSpan } from './remote.js';

/** Inline inputs above this size are sent to each task cut to the span it reads. */
const SLICE_MIN_BYTES = 256 << 10;
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
  /** Times the task could not fetch a stored input piece (its worker died): bounded like deaths. */
  fetchFails?: number;
  /** Waiting for lost input pieces to be recomputed (inputsMissing): not in the queue. */
  parked?: boolean;
  /** Sent straight to this worker (it holds the task's inputs), not through the shared queue. */
  routed?: string;
}

/** A leaf reading an inline buffer cut per task message: its span, and the leaf to re-address. */
interface SpanUse {
  leaf: NativeLeaf;
  buffer: number;
  item: number;
  lo: number;
  hi: number;
  /** The leaf's offset relative to `lo`. */
  offset: number;
}

/** A buffer of a plan that is the output of an earlier, persisted compute. */
interface RemoteInput {
  compute: string;
  /** The source job's buffer index holding that output. */
  buffer: number;
  shape: number[];
  itemsize: number;
}

/** Bookkeeping of a Delayed graph: values live here, at the scheduler (they are small). */
interface GraphState {
  specs: Map<string, GraphTask>;
  waiting: Map<string, number>;
  dependents: Map<string, string[]>;
  results: Map<string, unknown>;
  outputs: string[];
}

interface Job {
  id: string;
  kind: 'plan' | 'call' | 'graph';
  graph?: GraphState;
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
  /** Plan buffers read from persisted outputs of earlier computes, by buffer index. */
  remote: Map<number, RemoteInput>;
  /** Tasks re-running after the job finished (a worker holding a kept piece died). */
  repairing: Set<string>;
  /** Called whenever a repair ends. */
  onRepair: (() => void)[];
  /** When the client was last told the progress. */
  progressAt?: number;
}

/** A job with empty bookkeeping; `extra` sets what differs by kind. */
function newJob(id: string, kind: Job['kind'], total: number, group: string, extra: Partial<Job> = {}): Job {
  return {
    id, kind, data: [], stage: 0, tasks: new Map(), stageTasks: [], pending: 0, pieces: new Map(), done: 0, total,
    finished: false, group, remote: new Map(), repairing: new Set(), onRepair: [], ...extra,
  };
}

export class Scheduler {
  readonly id = randomUUID();
  readonly events = new SchedulerEventEmitter();
  private readonly jobs = new Map<string, Job>();
  private readonly workers = new Map<string, { info: WorkerInfo; seen: number }>();
  private readonly subs: Subscription[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly outbox: [string, Uint8Array][] = [];
  /** Per worker: routed tasks in flight and waiting to be sent. */
  private readonly directs = new Map<string, { inflight: number; backlog: { job: Job; task: Task }[] }>();
  private outboxTimer: ReturnType<typeof setTimeout> | undefined;
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
    this.subs.push(t.subscribe(SUBJECTS.graph, (d, reply) => this.reply(reply, () => this.submitGraph(unpack<GraphRequest>(d)))));
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
      if (queueLost) {
        this.failUnfinished('the NATS server restarted during the compute and lost its queued tasks; run the compute again');
        // repairs of persisted pieces were queued too: queue them again
        for (const job of this.jobs.values()) {
          if (!job.repairing.size) continue;
          const again = [...job.repairing].map((id) => job.tasks.get(id)!).filter(Boolean);
          job.repairing.clear();
          this.repair(job, again);
        }
      }
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
    // On NATS, events go out together every 50 ms: one socket write for many (a write per task
    // event cost the compute threads measurable CPU on a 2-core machine).
    this.outbox.push([SUBJECTS.events(type), pack(args[0])]);
    this.outboxTimer ??= setTimeout(() => this.flushEvents(), 50);
  }

  private flushEvents(): void {
    this.outboxTimer = undefined;
    for (const [subject, data] of this.outbox.splice(0)) this.transport.publish(subject, data);
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
      if (job.finished) {
        // A persisted compute: recompute the pieces that worker kept, so later computes reading
        // them (and gather()) find them again.
        const gone = [...job.tasks.values()].filter((t) => t.worker === name && ((t.state === 'memory' && t.stored?.length) || job.repairing.has(t.id)));
        const redo: Task[] = [];
        for (const t of gone) {
          // a repair that keeps killing its workers is given up, like any task
          if (job.repairing.has(t.id) && ++t.deaths >= this.opts.maxTries) {
            job.repairing.delete(t.id);
            t.state = 'erred';
            this.opts.log(`compute ${job.id}: recomputing ${t.id} killed ${t.deaths} workers; giving up`);
            this.repairEnded(job);
          } else redo.push(t);
        }
        if (redo.length) {
          lost.push(...redo.map((t) => t.id));
          this.repair(job, redo);
        }
        continue;
      }
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
          task.routed = undefined;
          task.enqueuedAt = Date.now();
          this.refreshFetches(task.msg);
          void this.transport.enqueue(pack(task.msg));
        } else if (task.state === 'memory' && task.stored) {
          lost.push(task.id);
          task.state = 'waiting';
          task.stored = undefined;
          task.worker = undefined;
          job.done -= task.chunks.length;
          job.pending++;
          this.refreshFetches(task.msg);
          void this.transport.enqueue(pack(task.msg));
        }
      }
    }
    if (lost.length) this.opts.log(`worker ${name} held ${lost.length} tasks: queued again`);
    this.pumpDirect(name); // its routed backlog goes to the shared queue
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
      const stuck = job.stageTasks.filter((t) => t.state === 'waiting' && !t.parked && (t.enqueuedAt ?? Infinity) < lostAt);
      if (!stuck.length) continue;
      this.opts.log(`compute ${job.id}: ${stuck.length} tasks delivered to a lost worker: queued again`);
      this.enqueue(job, stuck);
    }
  }

  private submit(req: SubmitRequest): { compute: string; total: number } {
    if (this.jobs.has(req.compute)) throw new Error(`compute ${req.compute} already submitted`);
    const remote = new Map<number, RemoteInput>();
    req.buffers.forEach((b, i) => {
      if (b.kind === 'remote') remote.set(i, this.remoteInput(b.compute, b.output, b.bytes));
    });
    const total = req.stages.reduce((n, st) => n + (splitMode(st) === 'chunks' ? chunkCount(st) : 1), 0);
    const job = newJob(req.compute, 'plan', total, req.stageNames.join(', '), {
      req,
      data: req.buffers.map((b) => (b.kind === 'data' ? b.data : undefined)),
      stage: -1,
      remote,
    });
    this.jobs.set(job.id, job);
    this.emit('compute-start', { compute: job.id, groups: req.stageNames, total, t: Date.now() });
    queueMicrotask(() => this.nextStage(job));
    return { compute: job.id, total };
  }

  private submitCall(req: { compute: string; url: string; exportName: string; args: unknown[][] }): { compute: string; total: number } {
    const job = newJob(req.compute, 'call', req.args.length, req.exportName, { pending: req.args.length });
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

  /** A Delayed graph: call tasks are queued as their dependencies finish; values come back inline. */
  private submitGraph(req: GraphRequest): { compute: string; total: number } {
    if (this.jobs.has(req.compute)) throw new Error(`compute ${req.compute} already submitted`);
    const specs = new Map(req.tasks.map((t) => [t.key, t]));
    for (const t of req.tasks) for (const d of t.deps) if (!specs.has(d)) throw new Error(`task ${t.key} depends on ${d}, which is not in the graph`);
    for (const k of req.outputs) if (!specs.has(k)) throw new Error(`output ${k} is not in the graph`);
    const g: GraphState = { specs, waiting: new Map(), dependents: new Map(), results: new Map(), outputs: req.outputs };
    const total = req.tasks.filter((t) => t.kind !== 'literal').length;
    const job = newJob(req.compute, 'graph', total, [...new Set(req.tasks.filter((t) => t.kind === 'call').map((t) => t.name))].join(', '), { graph: g });
    for (const t of req.tasks) if (t.kind === 'literal') g.results.set(t.key, t.value);
    const ready: GraphTask[] = [];
    for (const t of req.tasks) {
      if (t.kind === 'literal') continue;
      const left = t.deps.filter((d) => !g.results.has(d));
      g.waiting.set(t.key, left.length);
      for (const d of left) g.dependents.set(d, [...(g.dependents.get(d) ?? []), t.key]);
      if (!left.length) ready.push(t);
    }
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
        job.done++;
        this.graphDone(job, t.key, (parent as Record<number, unknown>)[t.index!], ready);
        continue;
      }
      if (t.kind === 'build') {
        job.done++;
        this.graphDone(job, t.key, fillRefs(t.args![0], (k) => g.results.get(k)), ready);
        continue;
      }
      const id = `${job.id}:${t.key}`;
      const args = (t.args ?? []).map((a) => fillRefs(a, (k) => g.results.get(k)));
      const msg: TaskMsg = { kind: 'call', id, compute: job.id, name: t.name, maxTries: this.opts.maxTries, url: t.url!, exportName: t.exportName!, args };
      const task: Task = { id, stage: 0, chunks: [0], state: 'waiting', deaths: 0, msg };
      job.tasks.set(id, task);
      job.stageTasks.push(task);
      job.pending++;
      calls.push(task);
    }
    if (calls.length) this.enqueue(job, calls);
    if (!job.finished && job.done === job.total) this.finish(job);
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
    try {
      this.openStage(job);
    } catch (err) {
      // e.g. a persisted input released between submit and this stage
      this.fail(job, `cannot start stage ${job.stage}: ${(err as Error).message}`);
    }
  }

  private openStage(job: Job): void {
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
    const chunked = splitMode(stage) === 'chunks';
    // Large inline inputs (fromArray data) are cut per task to the span each task reads.
    const sliced = new Set<number>();
    for (const b of used) {
      if (job.remote.has(b)) continue; // assembled per task on the worker (attachInputs)
      const data = job.data[b];
      if (!data) return this.fail(job, `stage ${name} reads buffer ${b}, which no earlier stage produced`);
      if (chunked && data.byteLength > SLICE_MIN_BYTES) {
        sliced.add(b);
        continue;
      }
      leafBuffers.set(b, buffers.length);
      buffers.push({ data });
    }
    const out = buffers.length;
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
        const spans: SpanUse[] = [];
        let elements = 0;
        do {
          const { ext } = chunkBox(stage, c);
          const count = ext.reduce((a, e) => a * e, 1);
          outs.push(all.length);
          all.push({ alloc: chunkOutBytes(stage, c) });
          subs.push(chunkStage(stage, c, outs[outs.length - 1]!, leafBuffers));
          if (job.remote.size || sliced.size) this.attachInputs(job, stage, subs[subs.length - 1]!, chunkBox(stage, c), all, sliced, spans);
          chunks.push(c);
          elements += count;
          c++;
        } while (c < n && elements < 65536 && chunks.length < 256);
        if (spans.length) this.cutSpans(job, spans, all);
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
      if (job.remote.size) this.attachInputs(job, stage, msg.stages[0]!, { start: stage.shape.map(() => 0), ext: [...stage.shape] }, msg.buffers, sliced, []);
      tasks.push({ id, stage: s, chunks: [-1], state: 'waiting', deaths: 0, msg });
    }
    job.stageTasks = tasks;
    job.pending = tasks.length;
    for (const t of tasks) job.tasks.set(t.id, t);
    this.enqueue(job, tasks);
  }

  /** The persisted output `output` of compute `compute`, as an input of a new plan. */
  private remoteInput(compute: string, output: number, bytes: number): RemoteInput {
    const src = this.jobs.get(compute);
    const buffer = src?.req?.outputs[output];
    const stage = buffer === undefined ? undefined : src!.req!.stages.find((st) => st.sink.buffer === buffer);
    if (!src || !src.finished || buffer === undefined || !stage || !src.pieces.has(buffer)) {
      throw new Error(`the persisted array ${compute.slice(0, 8)}…[${output}] is not on this cluster (released, or the scheduler restarted); persist it again`);
    }
    const itemsize = stage.sink.dtype === 0 ? 8 : 4;
    const shape = [...stage.shape];
    if (shape.reduce((a, e) => a * e, 1) * itemsize !== bytes) throw new Error(`the persisted array ${compute.slice(0, 8)}… does not have ${bytes} bytes`);
    return { compute, buffer, shape, itemsize };
  }

  /**
   * Give every leaf of `sub` (a task's sub-stage over iteration box `box` of `stage`) that reads
   * a persisted array a buffer the worker assembles from the stored pieces it overlaps, and every
   * leaf reading a `sliced` inline buffer just the span of it that the box reads.
   */
  private attachInputs(
    job: Job,
    stage: NativeStage,
    sub: NativeStage,
    box: { start: number[]; ext: number[] },
    buffers: TaskBuffer[],
    sliced: Set<number>,
    spans: SpanUse[],
  ): void {
    const seen = new Map<string, number>();
    sub.leaves = sub.leaves.map((leaf, i) => {
      const orig = stage.leaves[i]!;
      if (orig.kind === 3 && sliced.has(orig.buffer)) {
        // cut later, once per task message: the union of its chunks' spans (cutSpans)
        const { lo, hi, offset } = leafSpan(orig, box);
        const use = { leaf: { ...leaf }, buffer: orig.buffer, item: orig.dtype === 0 ? 8 : 4, lo, hi, offset };
        spans.push(use);
        return use.leaf;
      }
      const input = orig.kind === 3 ? job.remote.get(orig.buffer) : undefined;
      if (!input) return leaf;
      if (box.ext.some((e) => e === 0)) {
        buffers.push({ data: new Uint8Array(0) }); // an empty box reads nothing
        return { ...leaf, buffer: buffers.length - 1, offset: 0 };
      }
      const src = this.jobs.get(input.compute);
      if (!src) throw new Error(`the persisted array ${input.compute.slice(0, 8)}… was released while a compute reads it`);
      const { region, offset, strides } = leafRegion(orig, box, input.shape);
      const key = `${orig.buffer}:${region.start.join(',')}:${region.ext.join(',')}`;
      let at = seen.get(key);
      if (at === undefined) {
        at = buffers.length;
        buffers.push({ fetch: fetchSpec(input.compute, this.piecesOf(src, input.buffer), input.shape, region, input.itemsize) });
        seen.set(key, at);
      }
      return { ...leaf, buffer: at, offset, strides };
    });
  }

  /**
   * One slice per inline buffer for a whole task message (tiny chunks are batched: each chunk's
   * own span would repeat the same bytes), or the whole buffer once the union covers most of it.
   */
  private cutSpans(job: Job, spans: SpanUse[], buffers: TaskBuffer[]): void {
    const byBuffer = new Map<number, SpanUse[]>();
    for (const u of spans) byBuffer.set(u.buffer, [...(byBuffer.get(u.buffer) ?? []), u]);
    for (const [b, uses] of byBuffer) {
      const data = job.data[b]!;
      const item = uses[0]!.item;
      let lo = Math.min(...uses.map((u) => u.lo));
      let hi = Math.max(...uses.map((u) => u.hi));
      if ((hi - lo + 1) * item * 2 > data.byteLength) (lo = 0), (hi = data.byteLength / item - 1);
      const at = buffers.length;
      buffers.push({ data: data.subarray(lo * item, (hi + 1) * item) });
      for (const u of uses) {
        u.leaf.buffer = at;
        u.leaf.offset = u.lo + u.offset - lo;
      }
    }
  }

  /** Stored pieces of a finished job's output buffer, with their workers now. */
  private piecesOf(job: Job, buffer: number): Piece[] {
    return (job.pieces.get(buffer) ?? []).map((p) => this.located(p, job.tasks.get(p.task)?.worker ?? p.worker));
  }

  /** A piece with its holder now, and that holder's chunk port. */
  private located(p: Piece, worker: string): Piece {
    return { ...p, worker, data: this.workers.get(worker)?.info.data };
  }

  /** Fetch lists name the workers that held pieces when the task was built: bring them up to date. */
  private refreshFetches(msg: TaskMsg): void {
    if (msg.kind !== 'plan') return;
    for (const b of msg.buffers) {
      if (!('fetch' in b)) continue;
      for (const p of b.fetch.parts) {
        p.worker = this.jobs.get(p.compute)?.tasks.get(p.task)?.worker ?? p.worker;
        p.data = this.workers.get(p.worker)?.info.data;
      }
    }
  }

  /** Queue tasks in order (the priority: earlier chunks first), many publishes in flight. */
  private enqueue(job: Job, tasks: Task[]): void {
    // Tasks that read persisted pieces go to the worker holding most of those bytes, so it reads
    // them in place instead of fetching them (Dask's "run where the data is").
    const shared: Task[] = [];
    for (const t of tasks) {
      this.refreshFetches(t.msg);
      const holder = this.holder(t.msg);
      if (holder) {
        t.enqueuedAt = Date.now();
        this.direct(holder).backlog.push({ job, task: t });
      } else shared.push(t);
    }
    for (const name of this.directs.keys()) this.pumpDirect(name);
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

  /** The live worker holding most of the bytes a task fetches, if any. */
  private holder(msg: TaskMsg): string | undefined {
    if (msg.kind !== 'plan') return undefined;
    const bytes = new Map<string, number>();
    for (const b of msg.buffers) {
      if (!('fetch' in b)) continue;
      for (const p of b.fetch.parts) bytes.set(p.worker, (bytes.get(p.worker) ?? 0) + p.ext.reduce((a, e) => a * e, 1));
    }
    let best: string | undefined;
    for (const [w, n] of bytes) if (this.workers.has(w) && (!best || n > bytes.get(best)!)) best = w;
    return best;
  }

  private direct(name: string): { inflight: number; backlog: { job: Job; task: Task }[] } {
    let d = this.directs.get(name);
    if (!d) this.directs.set(name, (d = { inflight: 0, backlog: [] }));
    return d;
  }

  /** Send a worker its routed tasks, one per thread plus one ready at a time (backpressure). */
  private pumpDirect(name: string): void {
    const d = this.directs.get(name);
    const info = this.workers.get(name)?.info;
    if (!d) return;
    if (!info) {
      // gone: its routed tasks go to the shared queue
      const left = d.backlog.splice(0);
      this.directs.delete(name);
      for (const { job, task } of left) if (!job.finished && task.state === 'waiting') this.enqueue(job, [task]);
      return;
    }
    while (d.inflight < info.nthreads + 1 && d.backlog.length) {
      const { job, task } = d.backlog.shift()!;
      if (job.finished || task.state !== 'waiting') continue;
      d.inflight++;
      task.state = 'processing';
      task.worker = name;
      task.routed = name;
      this.refreshFetches(task.msg);
      this.transport.publish(SUBJECTS.workerTask(name), pack(task.msg));
    }
  }

  /** A finished or failed job's routed tasks no longer hold slots (workers drop them unrun). */
  private releaseRouted(job: Job): void {
    for (const t of job.tasks.values()) if (t.routed) this.directDone(t);
  }

  /** A routed task ended (or its worker died): that worker can take the next. */
  private directDone(task: Task): void {
    const name = task.routed;
    if (!name) return;
    task.routed = undefined;
    const d = this.directs.get(name);
    if (d) d.inflight = Math.max(0, d.inflight - 1);
    this.pumpDirect(name);
  }

  private onStarted(m: StartedMsg): void {
    const job = this.jobs.get(m.compute);
    const task = job?.tasks.get(m.id);
    if (!job || !task) return;
    if (job.finished) {
      // a repair (persisted piece recomputed): note where it runs, in case that worker dies too
      if (job.repairing.has(m.id)) (task.state = 'processing'), (task.worker = m.worker);
      return;
    }
    if (task.state === 'memory') return; // a late duplicate
    if (task.deaths > 0 && process.env.TESSERA_DEBUG) this.opts.log(`task ${task.id} started on ${m.worker} (delivery ${m.deliveries})`);
    task.state = 'processing';
    task.worker = m.worker;
    this.emit('task-start', { compute: job.id, task: m.id, group: task.msg.name, worker: m.worker, attempt: m.deliveries, t: Date.now() });
  }

  private onResult(r: ResultMsg): void {
    const job = this.jobs.get(r.compute);
    const task = job?.tasks.get(r.id);
    if (!job || !task) return;
    if (task.routed) this.directDone(task); // (a routed task handed back ran elsewhere: still done)
    if (job.finished) {
      if (job.repairing.delete(r.id)) this.repaired(job, task, r);
      else this.dropDuplicate(task, r);
      return;
    }
    // Short chunk tasks do not say they started (worker.ts): their start comes with the result.
    if (task.state === 'waiting') this.emit('task-start', { compute: job.id, task: r.id, group: task.msg.name, worker: r.worker, attempt: task.deaths + 1, t: r.startedAt ?? Date.now() });
    this.emit('task-finish', { compute: job.id, task: r.id, group: task.msg.name, worker: r.worker, ok: r.ok, ms: r.ms ?? 0, t: Date.now() });
    if (task.state === 'memory') return this.dropDuplicate(task, r); // finished twice: tasks are pure, keep the first
    if (!r.ok && r.missing?.length) {
      this.inputsMissing(job, task, r);
      return;
    }
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
    // at most every 100 ms (each message costs CPU the compute threads need), and always the last
    const now = Date.now();
    if (job.done >= job.total || now - (job.progressAt ?? 0) >= 100) {
      job.progressAt = now;
      this.sendClient(job, { type: 'progress', done: job.done, total: job.total });
    }
    this.emit('progress', { compute: job.id, group: task.msg.name, done: job.done, total: job.total });
    if (job.kind === 'graph') {
      const ready: GraphTask[] = [];
      this.graphDone(job, task.id.slice(job.id.length + 1), r.value, ready);
      this.graphRun(job, ready);
      return;
    }
    if (job.pending === 0) {
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
      if (t.partials) job.data[sinkBuffer] = t.partials[0]!;
      else addPieces([{ ...this.piece(stage, t, 0, { start: stage.shape.map(() => 0), ext: stage.shape }), whole: true }]);
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
    return {
      worker: t.worker!, key: t.stored![i]!.key, bytes: t.stored![i]!.bytes, task: t.id, start: box.start, ext: box.ext,
      offset: stage.sink.offset, strides: stage.sink.strides, dtype: stage.sink.dtype,
    };
  }

  private outputs(job: Job): OutputResult[] {
    return job.req!.outputs.map((b) => {
      const pieces = job.pieces.get(b);
      if (pieces) return { kind: 'pieces', pieces: pieces.map((p) => this.located(p, job.tasks.get(p.task)?.worker ?? p.worker)) };
      return { kind: 'data', data: job.data[b] ?? new Uint8Array(0) };
    });
  }

  private finish(job: Job): void {
    job.finished = true;
    this.releaseRouted(job);
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
      if (job.pieces.size === 0) this.jobs.delete(job.id);
    }
    this.emit('compute-finish', { compute: job.id, ok: true, t: Date.now() });
  }

  private fail(job: Job, message: string): void {
    if (job.finished) return;
    job.finished = true;
    this.releaseRouted(job);
    this.opts.log(`compute ${job.id} failed: ${message}`);
    this.sendClient(job, { type: 'error', message });
    this.emit('compute-finish', { compute: job.id, ok: false, error: message, t: Date.now() });
    this.release(job.id);
  }

  /**
   * The client could not fetch some pieces (their worker died after the compute): recompute the
   * ones not already back, and send the client the new locations once all are in memory.
   */
  private recompute(req: { compute: string; tasks: string[]; workers?: string[] }): { queued: number } {
    const job = this.jobs.get(req.compute);
    if (!job) throw new Error(`compute ${req.compute} is unknown to this scheduler (restarted?)`);
    const tried = new Map(req.tasks.map((id, i) => [id, req.workers?.[i]]));
    const want = [...new Set(req.tasks)].map((id) => job.tasks.get(id)).filter((t): t is Task => !!t);
    // Recompute unless a copy is already on its way or lives on a worker the client did not try
    // (a worker may be gone before it has missed enough heartbeats to be declared dead).
    const redo = want.filter(
      (t) => !job.repairing.has(t.id) && !(t.state === 'memory' && t.worker && this.workers.has(t.worker) && t.worker !== tried.get(t.id)),
    );
    this.repair(job, redo);
    const check = (): void => {
      if (!this.jobs.has(job.id)) return;
      if (want.some((t) => t.state === 'erred')) return this.sendClient(job, { type: 'error', message: 'recomputing lost pieces failed' });
      if (want.every((t) => t.state === 'memory')) return this.sendClient(job, { type: 'done', outputs: this.outputs(job) });
      job.onRepair.push(check);
    };
    queueMicrotask(check);
    return { queued: redo.length };
  }

  /** Run tasks of a finished (persisted) job again: their stored pieces were lost. */
  private repair(job: Job, tasks: Task[]): void {
    const fresh = tasks.filter((t) => !job.repairing.has(t.id) || t.worker !== undefined);
    for (const t of fresh) {
      t.state = 'waiting';
      t.stored = undefined;
      t.worker = undefined;
      job.repairing.add(t.id);
    }
    if (fresh.length) this.opts.log(`compute ${job.id}: recomputing ${fresh.length} lost piece(s)`);
    void (async () => {
      for (const t of fresh) {
        t.enqueuedAt = Date.now();
        this.refreshFetches(t.msg);
        await this.transport.enqueue(pack(t.msg));
      }
    })().catch((err) => {
      // not queued (connection down?): try again shortly, unless the job is gone
      this.opts.log(`compute ${job.id}: cannot queue repairs (${(err as Error).message}); retrying`);
      for (const t of fresh) job.repairing.delete(t.id);
      setTimeout(() => this.jobs.get(job.id) === job && this.repair(job, fresh.filter((t) => t.state === 'waiting')), this.opts.heartbeatMs).unref?.();
    });
  }

  private repaired(job: Job, task: Task, r: ResultMsg): void {
    if (r.ok) {
      task.state = 'memory';
      task.worker = r.worker;
      task.stored = r.stored;
    } else if (r.missing?.length && (task.fetchFails = (task.fetchFails ?? 0) + 1) <= this.opts.maxTries) {
      // It reads another persisted array whose pieces are being recomputed too: try again soon.
      setTimeout(() => this.repair(job, [task]), this.opts.heartbeatMs).unref?.();
      return;
    } else {
      task.state = 'erred';
      this.opts.log(`compute ${job.id}: recomputing ${task.id} failed: ${r.error}`);
    }
    this.repairEnded(job);
  }

  private repairEnded(job: Job): void {
    const waiting = job.onRepair.splice(0);
    for (const fn of waiting) fn();
  }

  /**
   * A task could not fetch stored input pieces: their worker died. Such pieces are recomputed
   * (workerLost → repair); run the task again once they are back, a bounded number of times.
   */
  private inputsMissing(job: Job, task: Task, r: ResultMsg): void {
    task.fetchFails = (task.fetchFails ?? 0) + 1;
    if (task.fetchFails > this.opts.maxTries) {
      task.state = 'erred';
      this.fail(job, `task ${task.msg.name} (${task.id}) could not fetch its inputs after ${task.fetchFails} tries: ${r.error}`);
      return;
    }
    const sources: { t: Task; src: Job; tried?: string }[] = [];
    for (const m of r.missing!) {
      const src = this.jobs.get(m.compute);
      const t = src?.tasks.get(m.task);
      if (!src || !t) return this.fail(job, `task ${task.msg.name} (${task.id}) reads a persisted array that was released (${m.compute.slice(0, 8)}…); persist it again`);
      sources.push({ t, src, tried: m.worker });
    }
    task.state = 'waiting';
    task.worker = undefined;
    task.parked = true;
    // A piece on the worker the task tried may be fine after all (a transient error): after the
    // time a dead worker takes to be declared dead, try again anyway.
    const deadline = Date.now() + this.opts.workerTimeoutMs + 2 * this.opts.heartbeatMs;
    const retry = (): void => {
      if (job.finished || task.state !== 'waiting' || !task.parked) return;
      if (sources.some(({ t }) => t.state === 'erred')) return this.fail(job, `task ${task.msg.name} (${task.id}): recomputing its lost input pieces failed`);
      const back = sources.every(({ t, src, tried }) => t.state === 'memory' && !src.repairing.has(t.id) && t.worker !== tried);
      const repairing = sources.some(({ t, src }) => src.repairing.has(t.id));
      if (back || (!repairing && Date.now() > deadline)) {
        task.parked = false;
        this.enqueue(job, [task]);
      } else setTimeout(retry, Math.max(50, this.opts.heartbeatMs / 4)).unref?.();
    };
    retry();
  }

  private release(compute: string): void {
    const job = this.jobs.get(compute);
    // a client waiting for recomputed pieces of this job must not wait forever
    if (job?.onRepair.length) this.sendClient(job, { type: 'error', message: 'the persisted array was released while its lost pieces were being recomputed' });
    this.jobs.delete(compute);
    this.transport.publish(SUBJECTS.workerRelease, pack({ compute }));
  }

  private sendClient(job: Job, e: ClientEvent): void {
    this.transport.publish(SUBJECTS.client(job.id), pack(e));
  }

  async close(): Promise<void> {
    for (const x of this.timers) clearInterval(x);
    clearTimeout(this.outboxTimer);
    this.flushEvents();
    for (const s of this.subs) s.unsubscribe();
    await this.transport.close();
  }
}
