// The tessera scheduler: owns the graphs clients submit. A compute is a lowered plan; its stages
// run in order, each cut into tasks (one per chunk, or the whole stage — src/plan/split.ts) put
// on the JetStream work queue. This file is the transport shell (Dask's Scheduler around its
// SchedulerState): subscriptions, replies, heartbeats and worker liveness from the KV bucket.
// What happens to jobs and tasks is state.ts; task states, jobs.ts; placement, placement.ts;
// recomputing lost work, repair.ts.
import { plural } from '../cli-text.js';
import { randomUUID } from 'node:crypto';
import { SUBJECTS, pack, unpack, type GraphRequest, type ResultMsg, type StartedMsg, type SubmitRequest, type WorkerInfo } from './protocol.js';
import { recompute } from './repair.js';
import { SchedulerState, type SchedulerOptions } from './state.js';
import { dec, type Subscription, type Transport } from './transport.js';

export type { SchedulerOptions };

export class Scheduler extends SchedulerState {
  readonly id = randomUUID();
  private readonly subs: Subscription[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(transport: Transport, options: SchedulerOptions = {}) {
    super(transport, options);
  }

  async start(): Promise<void> {
    const t = this.transport;
    await t.purgeQueue();
    this.subs.push(t.subscribe(SUBJECTS.submit, (d, reply) => this.reply(reply, () => this.submit(unpack<SubmitRequest>(d)))));
    this.subs.push(t.subscribe(SUBJECTS.call, (d, reply) => this.reply(reply, () => this.submitCall(unpack(d)))));
    this.subs.push(t.subscribe(SUBJECTS.graph, (d, reply) => this.reply(reply, () => this.submitGraph(unpack<GraphRequest>(d)))));
    this.subs.push(t.subscribe(SUBJECTS.release, (d) => this.release(unpack<{ compute: string }>(d).compute)));
    this.subs.push(t.subscribe(SUBJECTS.recompute, (d, reply) => this.reply(reply, () => recompute(this, unpack(d)))));
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
        this.requeueRepairs();
      }
    });
    await this.checkWorkers();
  }

  private reply(reply: ((d: Uint8Array) => void) | undefined, fn: () => unknown): void {
    try {
      const v = fn();
      // who answered: a client follows this scheduler's heartbeats for the compute
      reply?.(pack({ ok: true, value: v, scheduler: this.id }));
    } catch (err) {
      reply?.(pack({ ok: false, error: (err as Error).message, scheduler: this.id }));
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
        this.opts.log(`worker joined: ${key} (${plural(info.nthreads, 'thread')}, ${info.host})`);
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
    this.checkNoWorkers(now);
    if (changed || Math.random() < 0.25) this.emit('workers', this.workerList());
  }

  async close(): Promise<void> {
    for (const x of this.timers) clearInterval(x);
    this.flushEvents();
    for (const s of this.subs) s.unsubscribe();
    await this.transport.close();
  }
}
