// The Dask-style task graph of arrays, for inspection and visualize(): one layer per operation
// (optimize: false) or per fused kernel that actually runs (optimize: true). Task counts are
// arithmetic; nodes are only enumerated on demand.
import { chunkBounds } from './chunks.js';
import { children, contiguousStrides, isScalar, topoOrder, type Node } from './node.js';
import { TaskGraphBuilder, type GridLayer } from '../graph/builder.js';
import type { TaskGraph } from '../graph/types.js';

const numblocksOf = (n: Node): number[] => n.chunks.map((c) => c.length);

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

function nodeLayers(roots: readonly Node[]): GridLayer[] {
  const layers: GridLayer[] = [];
  for (const node of topoOrder(roots)) {
    switch (node.kind) {
      case 'const':
      case 'arange':
      case 'random':
      case 'memory':
      case 'delayed':
        layers.push({ name: node.name, op: node.kind === 'arange' ? 'arange' : node.op, numblocks: numblocksOf(node), deps: [], taskDeps: () => [] });
        break;
      case 'unary':
      case 'rechunk': {
        const arg = node.arg;
        layers.push({
          name: node.name,
          op: node.kind === 'rechunk' ? 'rechunk' : node.op,
          numblocks: numblocksOf(node),
          deps: [arg.name],
          taskDeps: (i) => regionDeps(node, i, arg).map((d) => [arg.name, d]),
        });
        break;
      }
      case 'reshape': {
        // a reshape copy reads its input in row-major order: output chunk i needs the input
        // chunks whose row-major element range overlaps its own
        const arg = node.arg;
        const span = (shape: readonly number[], bounds: number[][], i: readonly number[]): [number, number] => {
          const st = contiguousStrides(shape);
          let lo = 0, hi = 0;
          i.forEach((b, k) => {
            lo += bounds[k]![b]! * st[k]!;
            hi += (bounds[k]![b + 1]! - 1) * st[k]!;
          });
          return [lo, hi];
        };
        const outBounds = node.chunks.map((c) => chunkBounds(c));
        const argBounds = arg.chunks.map((c) => chunkBounds(c));
        const argBlocks = product(arg.chunks.map((c) => c.map((_, b) => b)));
        layers.push({
          name: node.name,
          op: 'reshape',
          numblocks: numblocksOf(node),
          deps: [arg.name],
          taskDeps: (i) => {
            const [lo, hi] = span(node.shape, outBounds, i);
            return argBlocks.filter((b) => {
              const [l, h] = span(arg.shape, argBounds, b);
              return l <= hi && h >= lo;
            }).map((b): [string, number[]] => [arg.name, b]);
          },
        });
        break;
      }
      case 'transpose': {
        const arg = node.arg;
        layers.push({
          name: node.name,
          op: 'transpose',
          numblocks: numblocksOf(node),
          deps: [arg.name],
          taskDeps: (i) => [[arg.name, node.axes.map((_, j) => i[node.axes.indexOf(j)]!)]],
        });
        break;
      }
      case 'view': {
        const arg = node.arg;
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [arg.name],
          taskDeps: (i) => viewDeps(node, i).map((d): [string, number[]] => [arg.name, d]),
        });
        break;
      }
      case 'concat': {
        // Output chunk i along the axis is one chunk of one source (the chunks are the sources' in
        // order); along other axes the source chunks it overlaps.
        const starts: number[] = [];
        let acc = 0;
        for (const a of node.args) {
          starts.push(acc);
          acc += a.shape[node.axis]!;
        }
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [...new Set(node.args.map((a) => a.name))],
          taskDeps: (i) => {
            const bounds = node.chunks.map((c) => chunkBounds(c));
            const lo = bounds[node.axis]![i[node.axis]!]!;
            let s = starts.length - 1;
            while (s > 0 && starts[s]! > lo) s--;
            const src = node.args[s]!;
            const lists = src.chunks.map((c, k) => {
              const b = k === node.axis ? lo - starts[s]! : bounds[k]![i[k]!]!;
              const e = k === node.axis ? bounds[k]![i[k]! + 1]! - starts[s]! : bounds[k]![i[k]! + 1]!;
              return overlapping(chunkBounds(c), b, e);
            });
            return product(lists).map((d): [string, number[]] => [src.name, d]);
          },
        });
        break;
      }
      case 'binary':
      case 'where': {
        const args = node.args.filter((a): a is Node => !isScalar(a));
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [...new Set(args.map((a) => a.name))],
          taskDeps: (i) => args.flatMap((a) => regionDeps(node, i, a).map((d): [string, number[]] => [a.name, d])),
        });
        break;
      }
      case 'scan':
      case 'quantile': {
        // a scan chunk reads the chunks before it along the axis; a selection, whole lanes
        const arg = node.arg;
        const axis = node.axis;
        const all = arg.chunks.map((c) => [...c.keys()]);
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [arg.name],
          taskDeps: (i) =>
            product(node.kind === 'scan' && axis !== null ? all.map((l, k) => (k === axis ? l.slice(0, i[k]! + 1) : [i[k]!])) : all).map((d): [string, number[]] => [arg.name, d]),
        });
        break;
      }
      case 'matmul': {
        // as Dask's blockwise contraction: output block i reads the operand blocks on its free
        // and batch indices, and every block along the contracted axes
        const ops = [[node.a, node.aAxes, 0], [node.b, node.bAxes, node.aAxes.free.length]] as const;
        const nb = node.aAxes.batch.length;
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [...new Set([node.a.name, node.b.name])],
          taskDeps: (i) =>
            ops.flatMap(([x, axes, shift]) => {
              const lists = x.chunks.map((c, ax) => {
                const f = axes.free.indexOf(ax);
                if (f >= 0) return [i[nb + shift + f]!];
                const b = axes.batch.findIndex((l) => l.includes(ax));
                if (b >= 0 && c.length === node.chunks[b]!.length) return [i[b]!];
                return [...c.keys()];
              });
              return product(lists).map((d): [string, number[]] => [x.name, d]);
            }),
        });
        break;
      }
      case 'take': {
        // output block i reads, along the axis, the source blocks holding its positions (all of
        // them for a lazy index array, plus that array's block); the other axes block by block
        const { arg, index, axis } = node;
        const known = index.kind === 'memory' && index.memory instanceof Float64Array ? index.memory : null;
        const srcBounds = chunkBounds(arg.chunks[axis]!);
        const outBounds = chunkBounds(node.chunks[axis]!);
        const lazy = known === null;
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: lazy ? [arg.name, index.name] : [arg.name],
          taskDeps: (i) => {
            let along = [...arg.chunks[axis]!.keys()];
            if (known) {
              const set = new Set<number>();
              for (let p = outBounds[i[axis]!]!; p < outBounds[i[axis]! + 1]!; p++) {
                const v = known[p]!;
                let c = 0;
                while (srcBounds[c + 1]! <= v) c++;
                set.add(c);
              }
              along = [...set].sort((a, b) => a - b);
            }
            const deps = product(arg.chunks.map((_, k) => (k === axis ? along : [i[k]!]))).map((d): [string, number[]] => [arg.name, d]);
            return lazy ? [...deps, [index.name, [i[axis]!]] as [string, number[]]] : deps;
          },
        });
        break;
      }
      case 'mask': {
        // block j of the result is block j of the raveled data where block j of the condition holds
        layers.push({
          name: node.name,
          op: node.op,
          numblocks: numblocksOf(node),
          deps: [...new Set([node.arg.name, node.cond.name])],
          taskDeps: (i) => [[node.arg.name, [i[0]!]], [node.cond.name, [i[0]!]]],
        });
        break;
      }
      case 'reduce': {
        const arg = node.arg;
        const partial = `${node.name}-partial`;
        layers.push({ name: partial, op: node.op, numblocks: numblocksOf(arg), deps: [arg.name], taskDeps: (i) => [[arg.name, i]] });
        layers.push(aggregateLayer(node, partial));
        break;
      }
    }
  }
  return layers;
}

function aggregateLayer(node: Extract<Node, { kind: 'reduce' }>, partial: string): GridLayer {
  const arg = node.arg;
  const reduced = new Set(node.axes);
  return {
    name: node.name,
    op: `${node.op}-aggregate`,
    numblocks: numblocksOf(node),
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

type ReduceNode = Extract<Node, { kind: 'reduce' }>;

const opName = (n: Node): string => (n.kind === 'arange' ? 'arange' : n.kind === 'transpose' ? 'transpose' : n.kind === 'rechunk' ? 'rechunk' : n.op);

/** Chunks of a view's source that an output chunk reads: the source range its axes cover (summed per source axis). */
function viewDeps(node: Extract<Node, { kind: 'view' }>, index: number[]): number[][] {
  const { view, arg } = node;
  const bounds = node.chunks.map((c) => chunkBounds(c));
  const lo = arg.shape.map(() => 0);
  const hi = arg.shape.map(() => 0);
  let empty = false;
  for (const f of view.fixed) {
    lo[f.axis] += f.index;
    hi[f.axis] += f.index;
  }
  view.axes.forEach((a, k) => {
    const b = bounds[k]![index[k]!]!;
    const e = bounds[k]![index[k]! + 1]!;
    if (e <= b) empty = true;
    if (a.source === null || e <= b) return;
    const first = a.start + a.step * b;
    const last = a.start + a.step * (e - 1);
    lo[a.source] += Math.min(first, last);
    hi[a.source] += Math.max(first, last);
  });
  const lists = arg.chunks.map((c, j) => (empty ? [0] : overlapping(chunkBounds(c), lo[j]!, hi[j]! + 1)));
  return product(lists);
}

/**
 * A concatenation the consuming kernel reads where its sources lie (lower.ts concatInPlace: a
 * concat leaf re-indexes the sources' chunks, as Dask's concatenate): every source is a plain
 * leaf of the result's dtype — a persisted, random or arange array, or a view of one.
 */
export function concatFuses(node: Extract<Node, { kind: 'concat' }>): boolean {
  const plain = (n: Node): boolean => {
    while (n.kind === 'rechunk' || n.kind === 'view' || n.kind === 'transpose') n = n.arg;
    return (n.kind === 'memory' && !n.state.disposed) || n.kind === 'random' || n.kind === 'arange';
  };
  return node.args.every((a) => a.dtype === node.dtype && plain(a));
}

/** The ops a fused kernel rooted at `root` runs (first seen first) and the reductions it reads. */
function fusedName(root: Node): { name: string; inputs: Node[] } {
  const ops: string[] = [];
  const inputs: Node[] = [];
  // Pre-order with an explicit stack (children pushed last-first): expression chains can be deep.
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    // A reduction, a scan/quantile, a take/mask, or a concatenation of expressions read by later
    // work is its own kernel (stages) the consumer reads; a concatenation of plain leaves is read
    // where its sources lie (concatFuses).
    if (n !== root && (n.kind === 'reduce' || (n.kind === 'concat' && !concatFuses(n)) || n.kind === 'scan' || n.kind === 'quantile' || n.kind === 'take' || n.kind === 'mask')) {
      inputs.push(n);
      continue;
    }
    const op = opName(n);
    if (!ops.includes(op)) ops.push(op);
    const ch = children(n);
    for (let k = ch.length - 1; k >= 0; k--) stack.push(ch[k]!);
  }
  return { name: ops.join('-'), inputs };
}

/** One layer per fused kernel: what the optimizer hands to the native engine. */
function fusedLayers(roots: readonly Node[]): GridLayer[] {
  const layers: GridLayer[] = [];
  const done = new Map<number, string>();
  const named = new Map<number, { name: string; inputs: Node[] }>();
  // Post-order over the reductions a kernel reads (inputs before the kernel), iteratively.
  const stack: Node[] = [...roots].reverse();
  while (stack.length) {
    const root = stack[stack.length - 1]!;
    if (done.has(root.id)) {
      stack.pop();
      continue;
    }
    let fused = named.get(root.id);
    if (!fused) named.set(root.id, (fused = fusedName(root)));
    const { name, inputs } = fused;
    const pending = inputs.filter((i) => !done.has(i.id));
    if (pending.length) {
      for (let k = pending.length - 1; k >= 0; k--) stack.push(pending[k]!);
      continue;
    }
    stack.pop();
    const inputLayers = inputs.map((i) => done.get(i.id)!);
    const layerName = `${name}-${root.name.split('-').pop()}`;
    const inputDeps = (): [string, number[]][] => inputLayers.map((l, k) => [l, inputs[k]!.shape.map(() => 0)]);
    if (root.kind === 'reduce') {
      const partial = `${layerName}-partial`;
      layers.push({ name: partial, op: name, numblocks: numblocksOf(root.arg), deps: inputLayers, taskDeps: inputDeps, label: name });
      layers.push({ ...aggregateLayer(root, partial), name: layerName });
    } else {
      layers.push({ name: layerName, op: name, numblocks: numblocksOf(root), deps: inputLayers, taskDeps: inputDeps });
    }
    done.set(root.id, layerName);
  }
  return layers;
}

export function arrayGraph(roots: readonly Node[], optimize: boolean): TaskGraph {
  const builder = new TaskGraphBuilder();
  for (const layer of optimize ? fusedLayers(roots) : nodeLayers(roots)) builder.addGridLayer(layer);
  return builder.build();
}
