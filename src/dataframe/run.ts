// Runs native DataFrame jobs with progress reporting and cancellation.
import { abortError } from '../errors.js';
import type { ComputeObserver, ComputeOptions } from '../graph/types.js';
import { observerFor } from '../scheduler/local.js';
import type { NativeHandle } from './native.js';
import type { LoadContext } from './source.js';

/** Awaits a native job; `signal` cancels it; progress goes to ctx.progress. */
export async function awaitNative<T>(
  start: (onProgress: ((done: number, total: number) => void) | undefined) => NativeHandle<T>,
  ctx: LoadContext,
): Promise<T> {
  const { signal } = ctx.options;
  if (signal?.aborted) throw abortError(signal.reason);
  const progress = ctx.progress;
  const handle = start(progress ? (done) => progress(done) : undefined);
  ctx.onCancel?.(handle.cancel);
  const onAbort = (): void => handle.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await handle.promise;
  } catch (err) {
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Progress over several consecutive native jobs: phase(k) gives the LoadContext of phase k. */
export class Tracker {
  private observer: ComputeObserver | undefined;
  private base = 0;
  private last = 0;
  constructor(
    readonly options: ComputeOptions,
    label: string,
    readonly total: number,
  ) {
    this.observer = observerFor(options);
    this.observer?.start(total);
  }
  /** A context for the next job, whose tasks count for `tasks` of the total. */
  phase(tasks: number): LoadContext {
    const base = this.base;
    this.base += tasks;
    return {
      options: this.options,
      progress: this.observer
        ? (done) => {
            const now = Math.min(base + done, this.total);
            if (now > this.last) {
              this.last = now;
              this.observer!.update(now, this.total);
            }
          }
        : undefined,
    };
  }
  finish(error?: unknown): void {
    if (!error) this.observer?.update(this.total, this.total);
    this.observer?.finish(error);
    this.observer = undefined;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.finish();
      return out;
    } catch (err) {
      this.finish(err ?? new Error('failed'));
      throw err;
    }
  }
}
