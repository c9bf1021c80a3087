// The scheduler for Delayed graphs: runs each task once, as soon as its inputs are ready.
// Sync functions run inline on the main thread, async functions run concurrently on the event loop,
// module functions run on the worker-thread pool. The first failure rejects the compute and stops
// new tasks from starting.
import { threadId } from 'node:worker_threads';
import { checkComputeOptions, type ComputeObserver, type ComputeOptions } from '../graph/types.js';
import { observersFor } from '../diagnostics/progress.js';
import { profilersFor } from '../diagnostics/profiler.js';
import { collectDelayeds, collectTasks, noutMismatch, substitute, type DelayedNode, type TaskSpec } from './task.js';
import { importExport } from './modules.js';
import { workerPool, type CancelFlag } from './worker-pool.js';

export interface DelayedComputeOptions extends ComputeOptions {
  /** Extra observers (dashboards, custom progress). */
  observers?: readonly ComputeObserver[];
}

/** A task failed: `key` names it, `cause` is what it threw. */
export class TaskError extends Error {
  /** The key of the task that failed (as in the task graph and the profiler's records). */
  readonly key: string;
  constructor(key: string, cause: unknown) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`task ${key} failed: ${why}`, { cause });
    this.name = 'TaskError';
    this.key = key;
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Compute many values at once, sharing common tasks (each task runs once). Values may be Delayeds,
 * or arrays/plain objects containing them (rebuilt with the results); anything else is returned as is.
 */
export async function computeMany(values: readonly unknown[], options: DelayedComputeOptions = {}): Promise<unknown[]> {
  checkComputeOptions('compute', options, ['observers']);
  const signal = options.signal;
  const observer = observersFor(options);
  const profilers = profilersFor(options);

  const roots: DelayedNode[] = [];
  collectDelayeds(values as unknown[], roots);
  const tasks = collectTasks(roots);
  const rootKeys = new Set(roots.map((r) => r.key));

  // Dependency bookkeeping.
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const remainingUses = new Map<string, number>();
  const results = new Map<string, unknown>();
  const readyWorker: TaskSpec[] = [];
  const readyLocal: TaskSpec[] = [];
  let total = 0;
  for (const t of tasks.values()) {
    if (t.kind === 'literal') {
      results.set(t.key, t.value);
      continue;
    }
    total++;
  }
  for (const t of tasks.values()) {
    if (t.kind === 'literal') continue;
    let n = 0;
    for (const d of t.deps) {
      remainingUses.set(d.key, (remainingUses.get(d.key) ?? 0) + 1);
      if (results.has(d.key)) continue;
      n++;
      let list = dependents.get(d.key);
      if (!list) dependents.set(d.key, (list = []));
      list.push(t.key);
    }
    waiting.set(t.key, n);
    if (n === 0) (isWorkerTask(t) ? readyWorker : readyLocal).push(t);
  }
  // Ready stacks pop from the end: reverse so roots' first arguments start first.
  readyWorker.reverse();
  readyLocal.reverse();

  let done = 0;
  let running = 0;
  let settled = false;
  const cancel: CancelFlag = { cancelled: false };

  return new Promise<unknown[]>((resolve, reject) => {
    const onAbort = (): void => fail(undefined, signal!.reason ?? new Error('aborted'));
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
    };

    function fail(key: string | undefined, error: unknown): void {
      if (settled) return;
      settled = true;
      cancel.cancelled = true;
      cleanup();
      const err = key === undefined ? error : new TaskError(key, error);
      observer.finish(err);
      reject(err);
    }

    function succeed(): void {
      settled = true;
      cleanup();
      observer.finish();
      resolve(values.map((v) => substitute(v, (k) => results.get(k))));
    }

    function valueOf(key: string): unknown {
      return results.get(key);
    }

    function release(t: TaskSpec): void {
      for (const d of t.deps) {
        const left = (remainingUses.get(d.key) ?? 1) - 1;
        remainingUses.set(d.key, left);
        if (left === 0 && !rootKeys.has(d.key)) results.delete(d.key);
      }
    }

    function complete(t: TaskSpec, value: unknown, startNs: bigint, endNs: bigint, tid: number): void {
      if (settled) return;
      const broken = t.nout === undefined ? undefined : noutMismatch(value, t.nout);
      if (broken !== undefined) return fail(t.key, new RangeError(broken));
      results.set(t.key, value);
      release(t);
      for (const p of profilers) p.record({ key: t.key, name: t.name, startNs, endNs, tid });
      done++;
      observer.update(done, total);
      for (const k of dependents.get(t.key) ?? []) {
        const n = waiting.get(k)! - 1;
        waiting.set(k, n);
        if (n === 0) {
          const dt = tasks.get(k)!;
          (isWorkerTask(dt) ? readyWorker : readyLocal).push(dt);
        }
      }
    }

    function buildArgs(t: TaskSpec): unknown[] {
      const args = t.args ?? [];
      const has = t.argHasDelayed ?? [];
      return args.map((a, i) => (has[i] ? substitute(a, valueOf) : a));
    }

    function start(t: TaskSpec): void {
      const startNs = process.hrtime.bigint();
      let out: unknown;
      try {
        if (t.kind === 'getitem') {
          const parent = results.get(t.deps[0]!.key);
          if (parent === null || parent === undefined || typeof parent !== 'object')
            throw new TypeError(`cannot take item ${t.index} of ${parent === null ? 'null' : typeof parent} (nout was given but the function did not return an array)`);
          out = (parent as Record<number, unknown>)[t.index!];
        } else if (t.kind === 'build') {
          out = buildArgs(t)[0];
        } else {
          const c = t.callable!;
          if (c.kind === 'local') out = c.fn(...buildArgs(t));
          else if (c.worker) {
            running++;
            workerPool()
              .run(c.url, c.exportName, buildArgs(t), cancel)
              .then(
                (r) => {
                  running--;
                  complete(t, r.value, r.startNs, r.endNs, r.threadId);
                  pump();
                },
                (e) => {
                  running--;
                  fail(t.key, e);
                },
              );
            return;
          } else {
            const args = buildArgs(t);
            out = importExport(c.url, c.exportName).then((fn) => fn(...args));
          }
        }
      } catch (e) {
        fail(t.key, e);
        return;
      }
      if (isThenable(out)) {
        running++;
        Promise.resolve(out).then(
          (v) => {
            running--;
            complete(t, v, startNs, process.hrtime.bigint(), threadId);
            pump();
          },
          (e) => {
            running--;
            fail(t.key, e);
          },
        );
        return;
      }
      complete(t, out, startNs, process.hrtime.bigint(), threadId);
    }

    function pump(): void {
      while (!settled) {
        // Hand work to the worker pool first so it runs while the main thread computes.
        while (readyWorker.length && !settled) start(readyWorker.pop()!);
        const t = readyLocal.pop();
        if (!t) break;
        start(t);
      }
      if (!settled && done === total) succeed();
      else if (!settled && running === 0 && readyWorker.length === 0 && readyLocal.length === 0)
        fail(undefined, new Error(`internal error: delayed scheduler stalled with ${total - done} tasks left`));
    }

    if (signal?.aborted) {
      fail(undefined, signal.reason ?? new Error('aborted'));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    observer.start(total);
    pump();
  });
}

function isWorkerTask(t: TaskSpec): boolean {
  return t.kind === 'call' && t.callable!.kind === 'module' && t.callable!.worker;
}
