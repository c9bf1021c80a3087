// The local scheduler: hands a lowered plan to the native thread pool in one call and turns the
// outcome into a settled Promise, with cancellation and progress reporting.
import { abortError } from '../errors.js';
import type { ComputeObserver, ComputeOptions } from '../graph/types.js';
import type { Lowered } from '../graph/lower.js';
import { native, type ExecuteResult } from '../native.js';

export type ObserverFactory = (options: ComputeOptions, label: string) => ComputeObserver | undefined;

let observerFactory: ObserverFactory = (options) => {
  const { onProgress } = options;
  if (!onProgress) return undefined;
  return { start: (total) => onProgress(0, total), update: onProgress, finish: () => {} };
};

/** Lets diagnostics (progress bars, dashboards) observe every local compute. */
export function setObserverFactory(factory: ObserverFactory): void {
  observerFactory = factory;
}

export function observerFor(options: ComputeOptions, label: string): ComputeObserver | undefined {
  return observerFactory(options, label);
}

export interface RunOptions extends ComputeOptions {
  profile?: boolean;
}

export async function runLowered(lowered: Lowered, options: RunOptions = {}): Promise<ExecuteResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal.reason);
  const total = lowered.stageTasks.reduce((a, b) => a + b, 0);
  const observer = observerFor(options, lowered.stageNames.join(', '));
  observer?.start(total);
  if (options.profile) lowered.plan.profile = true;
  const handle = native().execute(
    lowered.plan,
    lowered.buffers,
    observer ? (done, all) => observer.update(done, all) : undefined,
  );
  const onAbort = (): void => handle.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await handle.promise;
    observer?.update(total, total);
    observer?.finish();
    return result;
  } catch (err) {
    observer?.finish(err);
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
