// The Dask-style task graph of arrays, for inspection and visualize(): one layer per operation
// (optimize: false) or per fused kernel that actually runs (optimize: true). Task counts are
// arithmetic; nodes are only enumerated on demand.
import { chunkBounds } from './chunks.js';
import { topoOrder, type Node } from './node.js';
import type { GraphNode, LayerInfo, TaskGraph } from '../graph/types.js';

interface GLayer {
  name: string;
  op: string;
  /** Chunk grid of the layer's tasks. */
  grid: readonly (readonly number[])[];
  deps: string[];
  /** Data keys (layer, index) a task depends on. */
  taskDeps(index: number[]): [string, number[]][];
  /** Task label; defaults to op. */
  label?: string;
}

const daskKey = (layer: string, index: readonly number[]): string => `('${layer}', ${index.join(', ')})`.replace(', )', ')');

function overlapping(bounds: readonly number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (bounds[i]! < hi && bounds[i + 1]! > lo) out.push(i);
    if (bounds[i]! === lo && lo === hi) out.push(i);
  }
  return out.length ? out : [0];
}

function product(lists: number[][]): number[][] {
  return lists.reduce<number[][]>((acc, l) => acc.flatMap((p) => l.map((v) => [...p, v])), [[]]);
}

/** Chunks of `arg` that an output region of `out` reads, through broadcasting (and a permutation). */
function regionDeps(out: Node, index: number[], arg: Node, perm?: readonly number[]): number[][] {
  const bounds = out.chunks.map((c) => chunkBounds(c));
  const lo = index.map((i, k) => bounds[k]![i]!);
  const hi = index.map((i, k) => bounds[k]![i + 1]!);
  const shift = out.shape.length - arg.shape.length;
  const lists = arg.shape.map((s, j) => {
    const k = perm ? perm.indexOf(j) : j + shift;
    if (k < 0 || (s === 1 && out.shape[k] !== 1)) return [0];
    return overlapping(chunkBounds(arg.chunks[j]!), lo[k]!, hi[k]!);
  });
  return product(lists);
}

function nodeLayers(roots: readonly Node[]): GLayer[] {
  const layers: GLayer[] = [];
  for (const node of topoOrder(roots)) {
    switch (node.kind) {
      case 'const':
      case 'arange':
      case 'random':
      case 'memory':
      case 'delayed':
        layers.push({ name: node.name, op: node.kind === 'arange' ? 'arange' : node.op, grid: node.chunks, deps: [], taskDeps: () => [] });
        break;
      case 'unary':
      case 'rechunk': {
        const arg = node.arg;
        layers.push({
          name: node.name,
          op: node.kind === 'rechunk' ? 'rechunk' : node.op,
          grid: node.chunks,
          deps: [arg.name],
          taskDeps: (i) => regionDeps(node, i, arg).map((d) => [arg.name, d]),
        });
        break;
      }
      case 'transpose': {
        const arg = node.arg;
        layers.push({
          name: node.name,
          op: 'transpose',
          grid: node.chunks,
          deps: [arg.name],
          taskDeps: (i) => [[arg.name, node.axes.map((_, j) => i[node.axes.indexOf(j)]!)]],
        });
        break;
      }
      case 'binary': {
        const args = node.args.filter((a): a is Node => typeof a !== 'number');
        layers.push({
          name: node.name,
          op: node.op,
          grid: node.chunks,
          deps: [...new Set(args.map((a) => a.name))],
          taskDeps: (i) => args.flatMap((a) => regionDeps(node, i, a).map((d): [string, number[]] => [a.name, d])),
        });
        break;
      }
      case 'reduce': {
        const arg = node.arg;
        const partial = `${node.name}-partial`;
        layers.push({ name: partial, op: node.op, grid: arg.chunks, deps: [arg.name], taskDeps: (i) => [[arg.name, i]] });
        layers.push(aggregateLayer(node, partial));
        break;
      }
    }
  }
  return layers;
}

function aggregateLayer(node: Extract<Node, { kind: 'reduce' }>, partial: string): GLayer {
  const arg = node.arg;
  const reduced = new Set(node.axes);
  return {
    name: node.name,
    op: `${node.op}-aggregate`,
    grid: node.chunks,
    deps: [partial],
    taskDeps: (i) => {
      // Output chunk index → the partials with the same kept indices, every reduced index.
      let kept = 0;
      const lists = arg.chunks.map((c, k) => {
        if (reduced.has(k)) {
          if (node.keepdims) kept++;
          return [...c.keys()];
        }
        return [i[kept++]!];
      });
      return product(lists).map((d): [string, number[]] => [partial, d]);
    },
  };
}

/** One layer per fused kernel: what the optimizer hands to the native engine. */
function fusedLayers(roots: readonly Node[]): GLayer[] {
  const layers: GLayer[] = [];
  const done = new Map<number, string>();
  const fusedName = (root: Node): { name: string; inputs: Extract<Node, { kind: 'reduce' }>[] } => {
    const ops: string[] = [];
    const inputs: Extract<Node, { kind: 'reduce' }>[] = [];
    const walk = (n: Node, top: boolean): void => {
      if (!top && n.kind === 'reduce') {
        inputs.push(n);
        return;
      }
      const op = n.kind === 'arange' ? 'arange' : n.kind === 'transpose' ? 'transpose' : n.kind === 'rechunk' ? 'rechunk' : n.op;
      if (!ops.includes(op)) ops.push(op);
      if (n.kind === 'unary' || n.kind === 'transpose' || n.kind === 'rechunk' || n.kind === 'reduce') walk(n.arg, false);
      if (n.kind === 'binary') for (const a of n.args) if (typeof a !== 'number') walk(a, false);
    };
    walk(root, true);
    return { name: ops.join('-'), inputs };
  };
  const visit = (root: Node): string => {
    const known = done.get(root.id);
    if (known) return known;
    const { name, inputs } = fusedName(root);
    const inputLayers = inputs.map(visit);
    const layerName = `${name}-${root.name.split('-').pop()}`;
    const inputDeps = (): [string, number[]][] => inputLayers.map((l, k) => [l, inputs[k]!.shape.map(() => 0)]);
    if (root.kind === 'reduce') {
      const partial = `${layerName}-partial`;
      layers.push({ name: partial, op: name, grid: root.arg.chunks, deps: inputLayers, taskDeps: inputDeps, label: name });
      layers.push({ ...aggregateLayer(root, partial), name: layerName });
    } else {
      layers.push({ name: layerName, op: name, grid: root.chunks, deps: inputLayers, taskDeps: inputDeps });
    }
    done.set(root.id, layerName);
    return layerName;
  };
  roots.forEach(visit);
  return layers;
}

export function arrayGraph(roots: readonly Node[], optimize: boolean): TaskGraph {
  const layers = optimize ? fusedLayers(roots) : nodeLayers(roots);
  const infos: LayerInfo[] = layers.map((l) => ({
    name: l.name,
    op: l.op,
    tasks: l.grid.reduce((n, c) => n * c.length, 1),
    deps: l.deps,
  }));
  return {
    layers: infos,
    taskCount: infos.reduce((n, l) => n + l.tasks, 0),
    *nodes(): Iterable<GraphNode> {
      for (const layer of layers) {
        for (const index of product(layer.grid.map((c) => [...c.keys()]))) {
          const key = daskKey(layer.name, index);
          yield {
            key: `${key}#task`,
            label: layer.label ?? layer.op,
            kind: 'task',
            deps: layer.taskDeps(index).map(([l, i]) => daskKey(l, i)),
            layer: layer.name,
          };
          yield { key, label: `(${index.join(', ')})`, kind: 'data', deps: [`${key}#task`], layer: layer.name };
        }
      }
    },
  };
}
