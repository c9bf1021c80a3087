// Shared shapes of the task graph, so arrays, delayed values (and later dataframes) can be drawn,
// counted and reported on by one set of tools (visualize, progress, profiler).

/** One node of a materialized task graph, as Dask draws it: tasks are ellipses, data are boxes. */
export interface GraphNode {
  key: string;
  /** Operation name for tasks ("add", "sum-partial", "numerator"); chunk index for data ("(0, 1)"). */
  label: string;
  kind: 'task' | 'data';
  /** Keys this node depends on. */
  deps: string[];
  /** Layer (Dask's HighLevelGraph layer name) the node belongs to. */
  layer: string;
}

export interface LayerInfo {
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
  profiler?: import('../diagnostics/profiler.js').Profiler | readonly import('../diagnostics/profiler.js').Profiler[];
}
