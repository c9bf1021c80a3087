// The NATS implementation of the Transport seam: core NATS for events and request-reply,
// a JetStream work-queue stream for tasks (redelivered after ack_wait when a worker dies),
// a JetStream KV bucket for worker heartbeats (timestamps; the scheduler times them out —
// per-key TTLs need nats-server >= 2.11, Debian ships 2.9).
import { connect, createInbox, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { addressPort, defaultTokenFile, type Auth } from './credentials.js';
import type { QueuedTask, Subscription, Transport, Handler, ReconnectInfo } from './transport.js';

export const TASK_STREAM = 'TESSERA_TASKS';
export const TASK_SUBJECT = 'tessera.tasks';
export const TASK_CONSUMER = 'workers';
export const KV_BUCKET = 'tessera_workers';

export type { Auth } from './credentials.js';

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
  /** Workers and clients: how long to wait for the scheduler to create its bucket (default 30 s). */
  schedulerWaitMs?: number;
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
          `Pass the scheduler's token: tessera worker --token-file FILE, TESSERA_TOKEN, or Client.connect(address, { auth: { token } }); ` +
          `a local scheduler writes it to ${defaultTokenFile(addressPort(address))}.`,
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
  await t.init().catch(async (err: unknown) => {
    await nc.close().catch(() => {}); // else it keeps reconnecting in the background
    throw err;
  });
  return t;
}

export class NatsTransport implements Transport {
  private js!: JetStreamClient;
  private kv!: KV;
  private readonly reconnectHandlers: ((info: ReconnectInfo) => void)[] = [];
  private closed = false;
  private queueLost = false;

  constructor(readonly nc: NatsConnection, private readonly options: NatsTransportOptions) {}

  async init(): Promise<void> {
    this.js = jetstream(this.nc);
    if (this.options.setup) await this.setup(true);
    else this.kv = await retry(() => new Kvm(this.nc).open(KV_BUCKET), 'the scheduler to create its heartbeat bucket', this.options.schedulerWaitMs);
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
    // Pull requests of one message each on one long-lived inbox (not nats.js's fetch(), which
    // subscribes and unsubscribes an inbox per batch). Every request ends in exactly one message
    // or one status (408 expired, 409 …), so "requested" stays exact; the next request goes out
    // when a task ends, in the same write as its result and ack. Bounded: at most `concurrency`
    // tasks held or asked for at once.
    let stopped = false;
    let inflight = 0;
    // When each outstanding request was sent (oldest first). A request to a consumer that does
    // not exist yet (a restarted server, before the scheduler re-creates it) gets no answer at
    // all: the watchdog forgets requests that should have expired and asks again.
    const sent: number[] = [];
    const inbox = createInbox();
    const next = `$JS.API.CONSUMER.MSG.NEXT.${TASK_STREAM}.${TASK_CONSUMER}`;
    const ask = (): void => {
      if (stopped || this.closed || this.nc.isClosed()) return;
      const want = concurrency - inflight - sent.length;
      if (want <= 0) return;
      const body = new TextEncoder().encode(JSON.stringify({ batch: 1, expires: PULL_EXPIRES_MS * 1e6 }));
      for (let i = 0; i < want; i++) this.nc.publish(next, body, { reply: inbox });
      const now = Date.now();
      for (let i = 0; i < want; i++) sent.push(now);
    };
    const answered = (): void => void sent.shift();
    const watchdog = setInterval(() => {
      const stale = Date.now() - PULL_EXPIRES_MS - 1000;
      let dropped = 0;
      while (sent.length && sent[0]! < stale) sent.shift(), dropped++;
      if (dropped) ask();
    }, 500);
    watchdog.unref?.();
    const sub = this.nc.subscribe(inbox, {
      callback: (err, m: Msg) => {
        if (err) return;
        const code = m.headers?.code ?? 0;
        if (code !== 0 || !m.reply) {
          // a status: 100 heartbeat (no request used up); 408/404 expired; anything else (409
          // limits, 503 no consumer yet after a server restart): one request over, ask later
          if (code === 100) return;
          answered();
          if (code === 404 || code === 408) ask();
          else setTimeout(ask, 250).unref?.();
          return;
        }
        answered();
        if (stopped) {
          m.respond(NAK);
          return;
        }
        inflight++;
        void handler({
          data: m.data,
          deliveries: deliveryCount(m.reply),
          ack: () => m.respond(ACK),
          nak: () => m.respond(NAK),
          term: () => m.respond(TERM),
          working: () => m.respond(WPI),
        })
          .catch(() => {})
          .finally(() => {
            inflight--;
            ask();
          });
      },
    });
    // A reconnect (maybe to a restarted server) drops waiting pull requests: ask afresh.
    this.reconnectHandlers.push(() => {
      sent.length = 0;
      ask();
    });
    ask();
    return {
      unsubscribe: () => {
        stopped = true;
        clearInterval(watchdog);
        sub.unsubscribe();
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

/** A pull request waits this long at the server for a task before it expires (then it is renewed). */
const PULL_EXPIRES_MS = 2_000;
const ACK = new TextEncoder().encode('+ACK');
const NAK = new TextEncoder().encode('-NAK');
const TERM = new TextEncoder().encode('+TERM');
const WPI = new TextEncoder().encode('+WPI');

/** Delivery count from a JetStream ack subject: $JS.ACK.<stream>.<consumer>.<delivered>.… (v1) or with domain and account hash (v2). */
function deliveryCount(reply: string): number {
  const t = reply.split('.');
  const n = Number(t.length === 9 ? t[4] : t[6]);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

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
