// The Transport seam: everything scheduler, workers and clients need from the message bus.
// `NatsTransport` (./nats.ts) is the real one (core NATS request-reply + a JetStream work-queue
// stream for tasks + a KV bucket for heartbeats); `MemoryTransport` (here) runs all three roles
// in one process for fast unit tests, with the same redelivery semantics.

export interface Subscription {
  unsubscribe(): void;
}

/** A task taken from the work queue. Not acked within ackWait → delivered again (to anyone). */
export interface QueuedTask {
  readonly data: Uint8Array;
  /** 1 on first delivery. */
  readonly deliveries: number;
  ack(): void;
  /** Give it back now (e.g. over the memory limit). */
  nak(): void;
  /** Never deliver it again. */
  term(): void;
  /** Still running: push the redelivery deadline back. */
  working(): void;
}

export interface ReconnectInfo {
  /** The task queue was gone (the server restarted) and was created anew: its queued tasks are lost. */
  queueLost: boolean;
}

export type Handler = (data: Uint8Array, reply: ((data: Uint8Array) => void) | undefined, subject: string) => void;

export interface Transport {
  publish(subject: string, data: Uint8Array): void;
  /** `*` matches one token, a final `>` one or more. */
  subscribe(subject: string, handler: Handler): Subscription;
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Work queue: every task is delivered to one puller at a time until acked or termed. */
  enqueue(data: Uint8Array): Promise<void>;
  /** Pull tasks with at most `concurrency` unacked in this puller. */
  pull(concurrency: number, handler: (task: QueuedTask) => Promise<void>): Subscription;
  /** Remove every queued task (a new scheduler starts clean). */
  purgeQueue(): Promise<void>;
  /** Tasks in the queue not yet delivered to any worker. */
  undelivered(): Promise<number>;
  kvPut(key: string, value: Uint8Array): Promise<void>;
  kvGet(key: string): Promise<Uint8Array | undefined>;
  kvKeys(): Promise<string[]>;
  /** Called after a dropped connection is re-established (for the scheduler: and its queue set up again). */
  onReconnect(fn: (info: ReconnectInfo) => void): void;
  close(): Promise<void>;
}

export const enc = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));
export const dec = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

export interface MemoryBusOptions {
  /** Redeliver a task not acked within this many ms (default 3000). */
  ackWaitMs?: number;
}

/** One in-process bus; `connect()` gives each role its own Transport on it. */
export class MemoryBus {
  readonly subs = new Set<{ pattern: string; handler: Handler }>();
  readonly kv = new Map<string, Uint8Array>();
  private readonly queue: { data: Uint8Array; deliveries: number }[] = [];
  private readonly pullers = new Set<{ free: number; handler: (t: QueuedTask) => Promise<void> }>();
  readonly ackWaitMs: number;

  constructor(options: MemoryBusOptions = {}) {
    this.ackWaitMs = options.ackWaitMs ?? 3000;
  }

  connect(): Transport {
    return new MemoryTransport(this);
  }

  deliver(subject: string, data: Uint8Array, reply?: (d: Uint8Array) => void): number {
    let n = 0;
    for (const s of [...this.subs]) {
      if (!subjectMatches(s.pattern, subject)) continue;
      n++;
      const copy = data.slice();
      queueMicrotask(() => s.handler(copy, reply, subject));
    }
    return n;
  }

  push(data: Uint8Array, deliveries = 0): void {
    this.queue.push({ data, deliveries });
    this.pump();
  }

  purge(): void {
    this.queue.length = 0;
  }

  depth(): number {
    return this.queue.length;
  }

  addPuller(p: { free: number; handler: (t: QueuedTask) => Promise<void> }): void {
    this.pullers.add(p);
    this.pump();
  }

  removePuller(p: { free: number; handler: (t: QueuedTask) => Promise<void> }): void {
    this.pullers.delete(p);
  }

  pump(): void {
    for (const p of this.pullers) {
      while (p.free > 0 && this.queue.length > 0) {
        const item = this.queue.shift()!;
        p.free--;
        item.deliveries++;
        let settled = false;
        let timer: ReturnType<typeof setTimeout>;
        const release = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          p.free++;
          queueMicrotask(() => this.pump());
        };
        const arm = (): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            if (settled) return;
            settled = true;
            p.free++;
            this.push(item.data, item.deliveries);
          }, this.ackWaitMs);
          timer.unref?.();
        };
        arm();
        const task: QueuedTask = {
          data: item.data,
          deliveries: item.deliveries,
          ack: release,
          term: release,
          nak: () => {
            if (settled) return;
            release();
            this.push(item.data, item.deliveries);
          },
          working: () => {
            if (!settled) arm();
          },
        };
        if (this.pullers.has(p)) void p.handler(task).catch(() => {});
      }
    }
  }
}

class MemoryTransport implements Transport {
  private readonly mine = new Set<{ pattern: string; handler: Handler }>();
  private readonly pulls = new Set<{ free: number; handler: (t: QueuedTask) => Promise<void> }>();
  private closed = false;

  constructor(private readonly bus: MemoryBus) {}

  publish(subject: string, data: Uint8Array): void {
    if (!this.closed) this.bus.deliver(subject, data);
  }

  subscribe(pattern: string, handler: Handler): Subscription {
    const s = { pattern, handler };
    this.bus.subs.add(s);
    this.mine.add(s);
    return {
      unsubscribe: () => {
        this.bus.subs.delete(s);
        this.mine.delete(s);
      },
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`request ${subject}: timed out after ${timeoutMs} ms`)), timeoutMs);
      const n = this.bus.deliver(subject, data, (d) => {
        clearTimeout(timer);
        resolve(d);
      });
      if (n === 0) {
        clearTimeout(timer);
        reject(new Error(`request ${subject}: no responders`));
      }
    });
  }

  async enqueue(data: Uint8Array): Promise<void> {
    this.bus.push(data);
  }

  pull(concurrency: number, handler: (t: QueuedTask) => Promise<void>): Subscription {
    const p = { free: concurrency, handler };
    this.pulls.add(p);
    this.bus.addPuller(p);
    return { unsubscribe: () => (this.bus.removePuller(p), this.pulls.delete(p)) };
  }

  async purgeQueue(): Promise<void> {
    this.bus.purge();
  }

  async undelivered(): Promise<number> {
    return this.bus.depth();
  }

  async kvPut(key: string, value: Uint8Array): Promise<void> {
    this.bus.kv.set(key, value);
  }

  async kvGet(key: string): Promise<Uint8Array | undefined> {
    return this.bus.kv.get(key);
  }

  async kvKeys(): Promise<string[]> {
    return [...this.bus.kv.keys()];
  }

  onReconnect(): void {}

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.mine) this.bus.subs.delete(s);
    for (const p of this.pulls) this.bus.removePuller(p);
  }
}
