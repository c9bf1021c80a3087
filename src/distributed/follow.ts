// Following one compute from the client: its progress and its end ('done' or 'error' on the
// compute's subject), and the scheduler's health meanwhile. A watch always settles — done,
// failed, scheduler lost or restarted, connection dropped, aborted, or cancelled (a failed
// submission, the client closed) — and then holds no subscription or timer.
import { abortError } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { observerFor } from '../scheduler/local.js';
import { SUBJECTS, unpack, type ClientEvent } from './protocol.js';
import type { Transport } from './transport.js';

export type DoneEvent = Extract<ClientEvent, { type: 'done' }>;

export interface Watch {
  /** Settles with the compute's 'done' event or its error (never an unhandled rejection). */
  readonly done: Promise<DoneEvent>;
  /** The scheduler that accepted the compute: a heartbeat from another means it restarted. */
  accepted(scheduler: string): void;
  /** Stop watching: `done` rejects with `err`. */
  cancel(err: Error): void;
}

/** What a watch reads of its client. */
export interface WatchHost {
  readonly transport: Transport;
  readonly timeoutMs: number;
  /** When the last scheduler heartbeat arrived (epoch ms). */
  lastBeat(): number;
  /** Connections re-established so far. */
  reconnects(): number;
  release(compute: string): void;
}

export function watchCompute(host: WatchHost, compute: string, options: ComputeOptions, label: string): Watch {
  const { signal } = options;
  let accept: (id: string) => void = () => {};
  let cancel: (err: Error) => void = () => {};
  const done = new Promise<DoneEvent>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal.reason));
    const observer = observerFor(options);
    let started = false;
    let expected: string | undefined;
    const reconnects = host.reconnects();
    const beatSub = host.transport.subscribe(SUBJECTS.heartbeat, (d) => {
      const { id } = unpack<{ id: string }>(d);
      if (expected !== undefined && id !== expected) {
        end(new Error(`tessera: the scheduler restarted during the compute (was ${expected.slice(0, 8)}, now ${id.slice(0, 8)}); its in-flight work is lost — run the compute again`));
      }
    });
    const sub = host.transport.subscribe(SUBJECTS.client(compute), (d) => {
      const e = unpack<ClientEvent>(d);
      if (e.type === 'progress') {
        if (!started) observer?.start(e.total), (started = true);
        observer?.update(e.done, e.total);
      } else if (e.type === 'done') end(undefined, e);
      else end(new (e.name === 'RangeError' ? RangeError : e.name === 'TypeError' ? TypeError : Error)(`tessera: compute failed: ${e.message}`));
    });
    const watchdog = setInterval(() => {
      const silent = Date.now() - host.lastBeat();
      if (silent > host.timeoutMs) end(new Error(`tessera: lost the scheduler (no heartbeat for ${silent} ms); the compute is abandoned`));
      else if (host.reconnects() !== reconnects) end(new Error('tessera: the connection to the NATS server dropped during the compute (server restarted?); its in-flight work may be lost — run the compute again'));
    }, Math.min(500, host.timeoutMs / 4));
    const onAbort = (): void => {
      host.release(compute);
      end(abortError(signal!.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let over = false;
    const end = (err?: Error, e?: DoneEvent): void => {
      if (over) return;
      over = true;
      clearInterval(watchdog);
      sub.unsubscribe();
      beatSub.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      if (started) observer?.finish(err);
      if (err) reject(err);
      else resolve(e!);
    };
    accept = (id) => void (expected ??= id);
    cancel = (err) => end(err);
  });
  // Whoever submitted awaits `done` unless the submission itself failed: never unhandled.
  done.catch(() => {});
  return { done, accepted: (id) => accept(id), cancel: (err) => cancel(err) };
}
