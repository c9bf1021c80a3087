// The one way a TaskGraph is built: arrays, dataframes, delayed values and the dashboard add
// layers (with their task counts and the layers they read) and node sources; build() sums the
// tasks and hands back a graph whose nodes are only enumerated on demand (graphs may be huge).
import type { GraphNode, LayerInfo, TaskGraph } from './types.js';

/** A layer whose tasks form a chunk grid (arrays; dataframes are the 1-D case). */
export interface GridLayer {
  name: string;
  op: string;
  /** Number of chunks per dimension: the layer has one task per chunk. */
  numblocks: readonly number[];
  deps: string[];
  /** Data keys (layer, index) the task at `index` reads. */
  taskDeps(index: number[]): [string, number[]][];
  /** Task label; defaults to op. */
  label?: string;
}

/** Dask's key of chunk `index` of `layer`: `('x', 0, 1)`. */
export const chunkKey = (layer: string, index: readonly number[]): string => `('${layer}', ${index.join(', ')})`.replace(', )', ')');

/** Every index of a grid with these numbers of blocks, last dimension fastest (C order). */
export function* gridIndices(numblocks: readonly number[]): Generator<number[]> {
  const total = numblocks.reduce((n, b) => n * b, 1);
  for (let t = 0; t < total; t++) yield unravel(t, numblocks);
}

/** Index of task `t` (C order) in a grid with these numbers of blocks. */
export function unravel(t: number, numblocks: readonly number[]): number[] {
  const index = new Array<number>(numblocks.length);
  for (let k = numblocks.length - 1; k >= 0; k--) {
    index[k] = t % numblocks[k]!;
    t = Math.floor(t / numblocks[k]!);
  }
  return index;
}

export class TaskGraphBuilder {
  private readonly layers = new Map<string, LayerInfo>();
  private readonly sources: (() => Iterable<GraphNode>)[] = [];

  /** Add a layer (or return the one of that name): `deps` names the layers it reads. */
  layer(name: string, op: string = name, deps: string[] = []): LayerInfo {
    let layer = this.layers.get(name);
    if (!layer) this.layers.set(name, (layer = { name, op, tasks: 0, deps }));
    return layer;
  }

  /** Count `n` more tasks in a layer. */
  addTasks(name: string, n = 1): this {
    this.layer(name).tasks += n;
    return this;
  }

  /** Record that layer `name` reads layer `dep` (once). */
  addDependency(name: string, dep: string): this {
    const layer = this.layer(name);
    if (dep !== name && !layer.deps.includes(dep)) layer.deps.push(dep);
    return this;
  }

  /** Nodes to enumerate, lazily, after those added before. */
  addNodes(source: () => Iterable<GraphNode>): this {
    this.sources.push(source);
    return this;
  }

  /** A layer with one task per chunk of its grid: a task node and its output data node per chunk. */
  addGridLayer(l: GridLayer): this {
    const layer = this.layer(l.name, l.op, l.deps);
    layer.tasks += l.numblocks.reduce((n, b) => n * b, 1);
    return this.addNodes(function* () {
      for (const index of gridIndices(l.numblocks)) {
        const key = chunkKey(l.name, index);
        yield { key: `${key}#task`, label: l.label ?? l.op, kind: 'task', deps: l.taskDeps(index).map(([d, i]) => chunkKey(d, i)), layer: l.name };
        yield { key, label: `(${index.join(', ')})`, kind: 'data', deps: [`${key}#task`], layer: l.name };
      }
    });
  }

  build(): TaskGraph {
    const layers = [...this.layers.values()];
    const sources = [...this.sources];
    return {
      layers,
      taskCount: layers.reduce((n, l) => n + l.tasks, 0),
      *nodes(): Iterable<GraphNode> {
        for (const source of sources) yield* source();
      },
    };
  }
}
