// The task graph of DataFrames: one task per partition in each layer (source, projection,
// per-partition reduction chunks) and one aggregate task for a reduction.
import { TaskGraphBuilder } from '../graph/builder.js';
import type { ComputeOptions, HasGraph, TaskGraph } from '../graph/types.js';
import type { VisualizeOptions } from '../visualize/index.js';
import { type DataFrameState, type PartitionSource, layerId } from './source.js';

/** A layer with one task per partition. */
export interface DLayer {
  name: string;
  op: string;
  tasks: number;
  deps: string[];
  taskDeps(i: number): [string, number][];
}

export function toTaskGraph(layers: DLayer[]): TaskGraph {
  const builder = new TaskGraphBuilder();
  for (const l of layers)
    builder.addGridLayer({ name: l.name, op: l.op, numblocks: [l.tasks], deps: l.deps, taskDeps: ([i]) => l.taskDeps(i!).map(([d, j]) => [d, [j]]) });
  return builder.build();
}

/** The layers of a frame: its source, and the projection when columns were selected. */
/** The layers of a source and of the sources it reads (each once), inputs first. */
function sourceLayers(s: PartitionSource, seen: Set<string>): DLayer[] {
  if (seen.has(s.name)) return [];
  seen.add(s.name);
  const inputs = s.inputs ?? [];
  const before = inputs.flatMap((i) => sourceLayers(i, seen));
  const layer: DLayer = {
    name: s.name, op: s.op, tasks: s.npartitions, deps: inputs.map((i) => i.name),
    taskDeps: (t) => inputs.flatMap((i): [string, number][] =>
      s.allToAll ? Array.from({ length: i.npartitions }, (_, j) => [i.name, j] as [string, number]) : t < i.npartitions ? [[i.name, t]] : []),
  };
  return [...before, layer];
}

export function frameLayers(state: DataFrameState, optimize: boolean): DLayer[] {
  const s = state.source;
  const layers = sourceLayers(s, new Set());
  const src = layers[layers.length - 1]!;
  if (optimize || !state.projection) return layers;
  const p = state.projection;
  return [...layers, { name: p, op: 'getitem', tasks: s.npartitions, deps: [src.name], taskDeps: (i) => [[src.name, i]] }];
}

/** Layers of a reduction: per-partition chunks and one aggregate. */
export function reductionLayers(state: DataFrameState, op: string, optimize: boolean): DLayer[] {
const base = frameLayers(state, optimize);
  const last = base[base.length - 1]!;
  const t = layerId();
  const P = state.source.npartitions;
  if (optimize) {
    const chunk: DLayer = { name: `${last.op}-${op}-chunk-${t}`, op: `${op}-chunk`, tasks: P, deps: [], taskDeps: () => [] };
    const agg: DLayer = {
      name: `${op}-agg-${t}`, op: `${op}-agg`, tasks: 1, deps: [chunk.name],
      taskDeps: () => Array.from({ length: P }, (_, i) => [chunk.name, i] as [string, number]),
    };
    return [chunk, agg];
  }
  const chunk: DLayer = { name: `${op}-chunk-${t}`, op: `${op}-chunk`, tasks: P, deps: [last.name], taskDeps: (i) => [[last.name, i]] };
  const agg: DLayer = {
    name: `${op}-agg-${t}`, op: `${op}-agg`, tasks: 1, deps: [chunk.name],
    taskDeps: () => Array.from({ length: P }, (_, i) => [chunk.name, i] as [string, number]),
  };
  return [...base, chunk, agg];
}

/** A lazy result: `compute()` runs it; `graph()` / `visualize()` show its task graph. */
export class Lazy<T> implements HasGraph {
  constructor(
    private readonly layersFor: (optimize: boolean) => DLayer[],
    private readonly run: (options: ComputeOptions) => Promise<T>,
  ) {}
  /**
   * Run the computation and resolve to its value (Dask's `.compute()`); `options` take a progress
   * bar, an `onProgress` callback and an AbortSignal (see {@link ComputeOptions}).
   */
  compute(options: ComputeOptions = {}): Promise<T> {
    return this.run(options);
  }
  graph(options?: { optimize?: boolean }): TaskGraph {
    return toTaskGraph(this.layersFor(options?.optimize ?? false));
  }
  /** Draw the task graph of this result (Dask's conventions) as SVG or DOT text; see {@link visualize}. */
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    const { visualize } = await import('../visualize/index.js');
    return visualize(this, options);
  }
}
