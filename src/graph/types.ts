// Shared shapes of the task graph, so arrays, delayed values (and later dataframes) can be drawn,
// counted and reported on by one set of tools (visualize, progress, profiler).

/** One node of a materialized task graph, as Dask draws it: tasks are ellipses, data are boxes. */
export interface GraphNode {
  /** The node's unique key, e.g. a chunk's Dask-style key (`('add-1f3a…', 0, 1)`, its task's with `#task`) or a delayed call's key. */
  key: string;
  /** Operation name for tasks ("add", "sum-partial", "numerator"); chunk index for data ("(0, 1)"). */
  label: string;
  /** `'task'`: an operation (drawn as an ellipse); `'data'`: a chunk or value it produces (a box). */
  kind: 'task' | 'data';
  /** Keys this node depends on. */
  deps: string[];
  /** Layer (Dask's HighLevelGraph layer name) the node belongs to. */
  layer: string;
}

/**
 * One layer of a {@link TaskGraph} (a Dask HighLevelGraph layer): a group of tasks doing one
 * operation over every chunk or partition.
 */
export interface LayerInfo {
  /** The layer's name, e.g. `'add-1f3a9c2b7d10'` (the name of the array it makes). */
  name: string;
  /** Operation name, e.g. "ones", "transpose", "add", "sum". */
  op: string;
  /** Number of tasks in the layer. */
  tasks: number;
  /** Names of the layers this one depends on. */
  deps: string[];
}

/** A task graph. Layers are always known; nodes are produced on demand (graphs may be huge). */
export interface TaskGraph {
  /** The layers, each after the layers it depends on. */
  layers: LayerInfo[];
  /** Total number of tasks (sum of layer task counts). */
  taskCount: number;
  /** Materialize the nodes (tasks and their output data nodes). */
  nodes(): Iterable<GraphNode>;
}

/** Anything that has a task graph: NDArray, Delayed, DataFrame. */
export interface HasGraph {
  /** `optimize: true` gives the graph that actually runs (fused, culled). */
  graph(options?: { optimize?: boolean }): TaskGraph;
}

export function isHasGraph(x: unknown): x is HasGraph {
  return typeof x === 'object' && x !== null && typeof (x as { graph?: unknown }).graph === 'function';
}

/** Observes a running compute: progress bars, onProgress callbacks, the dashboard. */
export interface ComputeObserver {
  start(total: number): void;
  update(done: number, total: number): void;
  /** Called once at the end, successful or not. */
  finish(error?: unknown): void;
}

/** Options every compute accepts (arrays, delayed, dataframes, distributed). */
export interface ComputeOptions {
  /** Draw a progress bar on stderr (a plain final line when stderr is not a TTY). */
  progress?: boolean;
  /** Called with (done, total) as tasks finish; reaches (total, total) on success. */
  onProgress?: (done: number, total: number) => void;
  /** Cancel the compute. */
  signal?: AbortSignal;
  /** Record every task (key, start, end, thread) into these profilers (see Profiler). */
  profiler?: TaskRecorder | readonly TaskRecorder[];
}

/** One finished task's timing, as a compute reports it to a profiler. */
export interface TaskTiming {
  key: string;
  name?: string;
  /** process.hrtime.bigint() clock (CLOCK_MONOTONIC ns, shared by all threads of the process). */
  startNs: bigint | number;
  endNs: bigint | number;
  tid: number;
  thread?: string;
}

/**
 * What a compute feeds task timings to: the Profiler of src/diagnostics (checked there at run
 * time). Declared here so the graph vocabulary does not import diagnostics, which imports it.
 */
export interface TaskRecorder {
  record(timing: TaskTiming): void;
}

const COMPUTE_OPTION_KEYS = ['progress', 'onProgress', 'signal', 'profiler'] as const;

/**
 * Check the options of a compute (arrays, delayed): an object with only known keys, each of the
 * right kind, so a typo or a wrong value is an argument error naming it rather than a silent no-op
 * or an internal message (`signal.addEventListener is not a function`). `extra`: more keys the
 * caller accepts (and checks itself).
 */
export function checkComputeOptions(where: string, options: unknown, extra: readonly string[] = []): ComputeOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`${where}: options must be an object like { progress, onProgress, signal, profiler }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  const accepted: readonly string[] = [...COMPUTE_OPTION_KEYS, ...extra];
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; accepted: ${accepted.join(', ')}`);
  }
  const o = options as Record<string, unknown>;
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v) : typeof v);
  if (o.progress !== undefined && typeof o.progress !== 'boolean') throw new TypeError(`${where}: options.progress must be a boolean, got ${kind(o.progress)}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new TypeError(`${where}: options.onProgress must be a function (done, total) => void, got ${kind(o.onProgress)}`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new TypeError(`${where}: options.signal must be an AbortSignal (e.g. new AbortController().signal), got ${kind(o.signal)}`);
  // options.profiler is checked where it is used (profilersFor, with the Profiler class).
  return o as ComputeOptions;
}
