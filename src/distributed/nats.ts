// The NATS implementation of the Transport seam: core NATS for events and request-reply,
// a JetStream work-queue stream for tasks (redelivered after ack_wait when a worker dies),
// a JetStream KV bucket for worker heartbeats (timestamps; the scheduler times them out —
// per-key TTLs need nats-server >= 2.11, Debian ships 2.9).
import { connect, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy, RetentionPolicy, StorageType, type Consumer, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { QueuedTask, Subscription, Transport, Handler, ReconnectInfo } from './transport.js';

export const TASK_STREAM = 'TESSERA_TASKS';
export const TASK_SUBJECT = 'tessera.tasks';
export const TASK_CONSUMER = 'workers';
export const KV_BUCKET = 'tessera_workers';

export interface Auth {
  token?: string;
  user?: string;
  pass?: string;
}

export interface NatsTransportOptions {
  auth?: Auth;
  /** TLS: a CA file to trust (the server's certificate), or true to use system CAs. */
  tls?: { caFile?: string } | boolean;
  /** Redelivery delay of a task whose worker stopped acknowledging it (ms). */
  ackWaitMs?: number;
  /** Scheduler: create the stream, consumer and bucket. Others wait until they exist. */
  setup?: boolean;
  name?: string;
  /** Give up connecting after this long (ms). */
  connectTimeoutMs?: number;
}

export async function connectNats(address: string, options: NatsTransportOptions = {}): Promise<NatsTransport> {
  const { auth = {} } = options;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: address,
      token: auth.token,
      user: auth.user,
      pass: auth.pass,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: options.connectTimeoutMs ?? 5000,
      tls: options.tls === true ? {} : options.tls ? { caFile: options.tls.caFile } : undefined,
      maxPingOut: 3,
      pingInterval: 2000,
    });
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (/auth/i.test(msg)) {
      throw new Error(
        `tessera: the server at ${address} refused the credentials (${msg}). ` +
          `Pass the scheduler's token: --token TOKEN / TESSERA_TOKEN, or Client.connect(address, { auth: { token } }).`,
        { cause: err },
      );
    }
    const caFile = typeof options.tls === 'object' ? options.tls.caFile : undefined;
    if (caFile && /doesn't exist|ENOENT|no such file/i.test(msg)) {
      throw new Error(`tessera: cannot connect to ${address}: the TLS CA file ${caFile} does not exist (--tls-ca / { tls: { caFile } })`, { cause: err });
    }
    if (/certificate|self.signed|verify|tls|ssl/i.test(msg)) {
      throw new Error(
        `tessera: cannot connect to ${address}: TLS failed (${msg}). The server's certificate must be trusted: ` +
          `pass the CA that signed it (tessera worker --tls-ca FILE, tessera scheduler --tlscacert FILE, Client.connect(address, { tls: { caFile } })).`,
        { cause: err },
      );
    }
    throw new Error(`tessera: cannot connect to ${address}: ${msg}. Is \`tessera scheduler\` running there?`, { cause: err });
  }
  const t = new NatsTransport(nc, options);
  await t.init();
  return t;
}

export class NatsTransport implements Transport {
  private js!: JetStreamClient;
  private kv!: KV;
  private consumer: Consumer | undefined;
  private readonly reconnectHandlers: ((info: ReconnectInfo) => void)[] = [];
  private closed = false;
  private queueLost = false;

  constructor(readonly nc: NatsConnection, private readonly options: NatsTransportOptions) {}

  async init(): Promise<void> {
    this.js = jetstream(this.nc);
    if (this.options.setup) await this.setup(true);
    else this.kv = await retry(() => new Kvm(this.nc).open(KV_BUCKET), 'the scheduler to create its heartbeat bucket');
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type !== 'reconnect' || this.closed) continue;
        // The server may have restarted: its memory-storage stream, consumer and bucket are then
        // gone (even with a store dir). The scheduler creates them again before anyone is told.
        if (this.options.setup) await retry(() => this.setup(false), 'JetStream after a reconnect').catch(() => {});
        const queueLost = this.queueLost;
        this.queueLost = false;
        for (const fn of this.reconnectHandlers) fn({ queueLost });
      }
    })().catch(() => {});
  }

  /**
   * Scheduler: create the task stream, its consumer and the heartbeat bucket. `fresh`: a new
   * scheduler starts from a clean queue; after a reconnect only what is missing is created.
   * A stream created again after a reconnect sets `queueLost` (its queued tasks are gone).
   */
  private async setup(fresh: boolean): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const kvm = new Kvm(this.nc);
    const ackWaitNs = (this.options.ackWaitMs ?? 5000) * 1e6;
    let created = true;
    if (fresh) {
      // A new scheduler starts from a clean queue (tasks of a previous one are unanswerable).
      await jsm.streams.delete(TASK_STREAM).catch(() => false);
    } else {
      created = await jsm.streams.info(TASK_STREAM).then(
        () => false,
        (err: Error) => {
          if (/not found/i.test(err.message)) return true;
          throw err; // JetStream not ready yet: try again
        },
      );
    }
    // Memory storage: tasks are pure and re-creatable; no disk write per task.
    if (created && !fresh) this.queueLost = true;
    if (created) await jsm.streams.add({ name: TASK_STREAM, subjects: [TASK_SUBJECT], retention: RetentionPolicy.Workqueue, storage: StorageType.Memory });
    const consumer = { durable_name: TASK_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: ackWaitNs, max_ack_pending: 100_000 };
    try {
      await jsm.consumers.add(TASK_STREAM, consumer);
    } catch {
      await jsm.consumers.update(TASK_STREAM, TASK_CONSUMER, { ack_wait: ackWaitNs, max_ack_pending: 100_000 });
    }
    this.kv = await kvm.create(KV_BUCKET, { history: 1, storage: StorageType.Memory }).catch(() => kvm.open(KV_BUCKET));
  }

  publish(subject: string, data: Uint8Array): void {
    if (this.closed || this.nc.isClosed()) return;
    this.nc.publish(subject, data);
  }

  subscribe(subject: string, handler: Handler): Subscription {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg: Msg) => {
        if (err) return;
        handler(msg.data, msg.reply ? (d) => msg.respond(d) : undefined, msg.subject);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const m = await this.nc.request(subject, data, { timeout: timeoutMs });
    return m.data;
  }

  async enqueue(data: Uint8Array): Promise<void> {
    await this.js.publish(TASK_SUBJECT, data);
  }

  pull(concurrency: number, handler: (t: QueuedTask) => Promise<void>): Subscription {
    // Batched pulls: ask for as many messages as there are free slots, hand each to the handler
    // without waiting for it, and pull again as slots free up.
    let stopped = false;
    let inflight = 0;
    let wake: (() => void) | undefined;
    const loop = async (): Promise<void> => {
      while (!stopped && !this.closed) {
        const free = concurrency - inflight;
        if (free <= 0) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        try {
          this.consumer ??= await this.js.consumers.get(TASK_STREAM, TASK_CONSUMER);
          const batch = await this.consumer.fetch({ max_messages: free, expires: 1000 });
          for await (const m of batch) {
            if (stopped) {
              m.nak();
              continue;
            }
            inflight++;
            void handler({
              data: m.data,
              deliveries: m.info.deliveryCount,
              ack: () => m.ack(),
              nak: () => m.nak(),
              term: () => m.term(),
              working: () => m.working(),
            })
              .catch(() => {})
              .finally(() => {
                inflight--;
                const w = wake;
                wake = undefined;
                w?.();
              });
          }
        } catch {
          this.consumer = undefined;
          if (!stopped && !this.closed) await sleep(250);
        }
      }
    };
    void loop();
    return {
      unsubscribe: () => {
        stopped = true;
        wake?.();
      },
    };
  }

  async purgeQueue(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.streams.purge(TASK_STREAM);
  }

  async undelivered(): Promise<number> {
    const jsm = await jetstreamManager(this.nc);
    return (await jsm.consumers.info(TASK_STREAM, TASK_CONSUMER)).num_pending;
  }

  async kvPut(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async kvGet(key: string): Promise<Uint8Array | undefined> {
    const e = await this.kv.get(key);
    return e && e.operation === 'PUT' ? e.value : undefined;
  }

  async kvKeys(): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await this.kv.keys()) out.push(k);
    return out;
  }

  onReconnect(fn: (info: ReconnectInfo) => void): void {
    this.reconnectHandlers.push(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => {});
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function retry<T>(fn: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`tessera: gave up waiting for ${what}: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}
