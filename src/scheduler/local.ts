// The local scheduler: hands a lowered plan to the native thread pool in one call and turns the
// outcome into a settled Promise, with cancellation and progress reporting.
import { abortError } from '../errors.js';
import type { ComputeObserver, ComputeOptions } from '../graph/types.js';
import { types } from 'node:util';
import { native, type ExecuteResult, type NativeBufferArg, type NativePlan } from '../native.js';
import { chunkCount } from '../plan/split.js';
import { observersFor } from '../diagnostics/progress.js';
import { profilersFor, recordNativeTasks } from '../diagnostics/profiler.js';
import { snapshotInputs } from './snapshot.js';

// Progress bar on stderr (`progress: true`) and the onProgress callback, as every compute has.
export function observerFor(options: ComputeOptions): ComputeObserver | undefined {
  return options.progress || options.onProgress ? observersFor(options) : undefined;
}

/** What the local scheduler runs: a lowered compute (src/array/lower.ts makes them). */
export interface Lowered {
  plan: NativePlan;
  buffers: NativeBufferArg[];
  /** A readable name per stage, e.g. "sum-exp-random_sample". */
  stageNames: readonly string[];
  /** Checks of the results NumPy would raise on (all-NaN nanargmin), run after the plan. */
  verify?: () => void;
}

export interface RunOptions extends ComputeOptions {
  profile?: boolean;
}

/** What a compute monitor (the dashboard) learns about each local compute. */
export interface LocalComputeInfo {
  /** Stage names joined, e.g. "sum-exp-random_sample". */
  label: string;
  stageNames: readonly string[];
  /** Tasks per stage (chunks of its grid), derived from the plan. */
  stageTasks: readonly number[];
  total: number;
  plan: Lowered['plan'];
  /**
   * Per stage: the native buffer its results stay in after the compute (a persist's output),
   * or undefined when they are handed to the caller or consumed by a later stage. Passed to
   * `LocalComputeMonitor.released` when that buffer is freed.
   */
  kept: readonly (object | undefined)[];
  /** The plan's buffers (sizes of its results). */
  buffers?: readonly NativeBufferArg[];
}

export interface LocalComputeTracker {
  /** `records` (monitors with `live`): the tasks finished since the last update, 5 numbers each as in `end`'s profile. */
  update?(done: number, total: number, records?: Float64Array): void;
  /** `profile`: 5 numbers per task (stage, task, thread, startNs, endNs) when profiling was on. */
  end(outcome: { error?: unknown; tasks: number; profile?: Float64Array }): void;
}

/** Sees every local compute with its plan; `profile: true` turns on per-task timing records. */
export interface LocalComputeMonitor {
  readonly profile: boolean;
  /** With `profile`: task records arrive with the progress updates while the plan runs. */
  readonly live?: boolean;
  begin(info: LocalComputeInfo): LocalComputeTracker | undefined;
  /** A kept buffer (`LocalComputeInfo.kept`) was freed: `dispose()` of a persisted array. */
  released?(memory: object): void;
}

const monitors = new Set<LocalComputeMonitor>();
const MONITOR_PROFILE_MAX_TASKS = 1_000_000;

/** Register a monitor of every local compute (used by the dashboard); returns the unregister function. */
export function addComputeMonitor(monitor: LocalComputeMonitor): () => void {
  monitors.add(monitor);
  return () => void monitors.delete(monitor);
}

/** Tell the monitors a persisted array's native buffer was freed (NDArray.dispose). */
export function notifyReleased(memory: object): void {
  for (const m of monitors) if (m.released) safely(() => m.released!(memory));
}

// A persist's outputs are NativeBuffers (the addon's externals); results handed to the caller and
// intermediates are ArrayBuffers, so a stage's sink says whether its chunks stay in memory.
const isNativeBuffer = (b: NativeBufferArg | undefined): b is NativeBufferArg & object =>
  b !== undefined && !types.isArrayBuffer(b) && !types.isSharedArrayBuffer(b) && !ArrayBuffer.isView(b);

function beginMonitors(lowered: Lowered, stageTasks: readonly number[], total: number): LocalComputeTracker[] {
  const trackers: LocalComputeTracker[] = [];
  if (monitors.size === 0) return trackers;
  const info: LocalComputeInfo = {
    label: lowered.stageNames.join(', '),
    stageNames: lowered.stageNames,
    stageTasks,
    total,
    plan: lowered.plan,
    buffers: lowered.buffers,
    kept: lowered.plan.stages.map((s) => {
      const b = s.sink.buffer >= 0 ? lowered.buffers[s.sink.buffer] : undefined;
      return isNativeBuffer(b) ? b : undefined;
    }),
  };
  for (const m of monitors) {
    try {
      const t = m.begin(info);
      if (t) trackers.push(t);
    } catch {
      /* a monitor must not fail the compute */
    }
  }
  return trackers;
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    /* a monitor must not fail the compute */
  }
}

export async function runLowered(lowered: Lowered, options: RunOptions = {}): Promise<ExecuteResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal.reason);
  const stageTasks = lowered.plan.stages.map(chunkCount);
  const total = stageTasks.reduce((a, b) => a + b, 0);
  const observer = observerFor(options);
  observer?.start(total);
  const trackers = beginMonitors(lowered, stageTasks, total);
  // Per-task records cost 40 bytes a task: monitors get them for plans of up to a million tasks.
  const monitorProfile = trackers.length > 0 && total <= MONITOR_PROFILE_MAX_TASKS && [...monitors].some((m) => m.profile);
  const monitorLive = monitorProfile && [...monitors].some((m) => m.profile && m.live);
  const hadProfile = lowered.plan.profile;
  const hadLive = lowered.plan.profileLive;
  const profilers = profilersFor(options);
  const wantProfile = options.profile === true || profilers.length > 0;
  if (wantProfile || monitorProfile) lowered.plan.profile = true;
  if (monitorLive) lowered.plan.profileLive = true;
  const onUpdate =
    trackers.length === 0
      ? observer
        ? (done: number, all: number): void => observer.update(done, all)
        : undefined
      : (done: number, all: number, records?: Float64Array): void => {
          observer?.update(done, all);
          for (const t of trackers) if (t.update) safely(() => t.update!(done, all, records));
        };
  let handle;
  let snapshot;
  // Native task times count from the plan start: take the origin just before submitting.
  const originNs = process.hrtime.bigint();
  try {
    // Lent JS memory is read from a copy taken now, so detaching or shrinking it can't free memory under the threads.
    snapshot = snapshotInputs(lowered.plan, lowered.buffers);
    handle = native().execute(snapshot.plan, snapshot.buffers, onUpdate);
  } catch (err) {
    snapshot?.release();
    throw err;
  } finally {
    // The flags were only for this run (plans may be executed again); execute() has read them.
    lowered.plan.profile = hadProfile;
    if (hadLive === undefined) delete lowered.plan.profileLive;
    else lowered.plan.profileLive = hadLive;
  }
  const onAbort = (): void => handle.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await handle.promise;
    lowered.verify?.();
    observer?.update(total, total);
    observer?.finish();
    for (const t of trackers) safely(() => t.end({ tasks: result.tasks, profile: result.profile }));
    if (profilers.length && result.profile) {
      recordNativeTasks(profilers, result.profile, {
        originNs,
        describe: (stage, task) => ({ key: `('${lowered.stageNames[stage]}', ${task})`, name: lowered.stageNames[stage] ?? `stage-${stage}` }),
      });
    }
    if (!options.profile) delete result.profile;
    return result;
  } catch (err) {
    observer?.finish(err);
    for (const t of trackers) safely(() => t.end({ error: err, tasks: 0 }));
    if (signal?.aborted) throw abortError(signal.reason);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    snapshot.release();
  }
}
