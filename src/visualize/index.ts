// Draw task graphs like Dask's visualize(): tasks are ellipses labelled by operation, data are boxes
// labelled by chunk index or key, edges run data → task → data, bottom to top. DOT is rendered to
// SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz): no system Graphviz needed.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isHasGraph, type HasGraph, type LayerInfo } from '../graph/types.js';

/**
 * The output of {@link visualize}: `'svg'` (rendered by Graphviz compiled to WebAssembly, no system
 * Graphviz needed) or `'dot'` (the Graphviz source). `'png'` is accepted as a name but is a RangeError
 * naming the alternatives (the WebAssembly build renders no PNG).
 */
export type VisualizeFormat = 'svg' | 'dot' | 'png';
/**
 * Graphviz's `rankdir`: the direction edges run. `'BT'` (bottom to top, Dask's default), `'TB'`,
 * `'LR'` or `'RL'`; another value is a RangeError.
 */
export type RankDir = 'BT' | 'TB' | 'LR' | 'RL';

/**
 * Options of {@link visualize} and the `visualize()` methods (Dask's `visualize(filename=,
 * format=, rankdir=, optimize_graph=)`). Bad values are a TypeError/RangeError naming the option.
 * @example
 * ```ts
 * await x.sum({ axis: 0 }).visualize({ filename: 'sum.svg', rankdir: 'LR', optimize: true });
 * ```
 */
export interface VisualizeOptions {
  /** Write the drawing here; the format follows the extension (.svg, .dot/.gv) unless `format` is given. */
  filename?: string;
  /** Output format (default: from `filename`, else 'svg'). PNG is not available (see below). */
  format?: VisualizeFormat;
  /** Direction of the graph: 'BT' (default, Dask's bottom-to-top), 'TB', 'LR', 'RL'. */
  rankdir?: RankDir;
  /** Draw the graph that actually runs (fused, culled). */
  optimize?: boolean;
  /** Above this many tasks, draw one node per layer with its task count (default 2000). */
  collapseAbove?: number;
}

const FORMATS: readonly VisualizeFormat[] = ['svg', 'dot', 'png'];
const RANKDIRS: readonly RankDir[] = ['BT', 'TB', 'LR', 'RL'];
const EXTENSIONS: Record<string, VisualizeFormat> = { '.svg': 'svg', '.dot': 'dot', '.gv': 'dot', '.png': 'png' };

export const DEFAULT_COLLAPSE_ABOVE = 2000;

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

interface ResolvedOptions {
  format: VisualizeFormat;
  rankdir: RankDir;
  optimize: boolean;
  collapseAbove: number;
  filename: string | undefined;
}

function resolveOptions(options: VisualizeOptions, where: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${String(options)}`);
  const { filename, format, rankdir = 'BT', optimize = false, collapseAbove = DEFAULT_COLLAPSE_ABOVE } = options;
  if (filename !== undefined && (typeof filename !== 'string' || filename.length === 0))
    throw new TypeError(`${where}: options.filename must be a non-empty string, got ${String(filename)}`);
  if (format !== undefined && !FORMATS.includes(format))
    throw new RangeError(`${where}: options.format must be one of 'svg', 'dot', 'png', got ${JSON.stringify(format)}`);
  if (!RANKDIRS.includes(rankdir))
    throw new RangeError(`${where}: options.rankdir must be one of 'BT', 'TB', 'LR', 'RL', got ${JSON.stringify(rankdir)}`);
  if (typeof optimize !== 'boolean') throw new TypeError(`${where}: options.optimize must be a boolean, got ${String(optimize)}`);
  if (typeof collapseAbove !== 'number' || !Number.isInteger(collapseAbove) || collapseAbove < 0)
    throw new RangeError(`${where}: options.collapseAbove must be a non-negative integer, got ${String(collapseAbove)}`);
  let fmt = format;
  if (fmt === undefined && filename !== undefined) {
    const ext = extname(filename).toLowerCase();
    fmt = EXTENSIONS[ext];
    if (fmt === undefined)
      throw new RangeError(`${where}: cannot tell the format from the extension of ${JSON.stringify(filename)}; use .svg or .dot, or pass options.format`);
  }
  return { format: fmt ?? 'svg', rankdir, optimize, collapseAbove, filename };
}

function splitArgs(args: readonly unknown[], where: string): { collections: HasGraph[]; options: VisualizeOptions } {
  let options: VisualizeOptions = {};
  let list = args;
  const last = args[args.length - 1];
  if (args.length > 0 && !isHasGraph(last) && typeof last === 'object' && last !== null && !Array.isArray(last)) {
    options = last as VisualizeOptions;
    list = args.slice(0, -1);
  }
  const collections: HasGraph[] = [];
  const visit = (x: unknown, path: string): void => {
    if (isHasGraph(x)) collections.push(x);
    else if (Array.isArray(x)) x.forEach((v, i) => visit(v, `${path}[${i}]`));
    else
      throw new TypeError(`${where}: ${path} is not a collection with a task graph (an NDArray, a Delayed, …), got ${x === null ? 'null' : typeof x}`);
  };
  list.forEach((x, i) => visit(x, `argument ${i + 1}`));
  if (collections.length === 0) throw new TypeError(`${where}: pass at least one collection (an NDArray, a Delayed, …)`);
  return { collections, options };
}

const GRAPH_STYLE = [
  'fontname="Helvetica,Arial,sans-serif"',
  'fontsize=14',
  'nodesep=0.25',
  'ranksep=0.4',
  'pad=0.2',
  'bgcolor="white"',
];
const NODE_STYLE = 'node [fontname="Helvetica,Arial,sans-serif", fontsize=12, penwidth=1.2, color="#333333", fontcolor="#111111", margin="0.12,0.04", height=0.35]';
const EDGE_STYLE = 'edge [color="#555555", arrowsize=0.6, penwidth=1.0]';

function toDotResolved(collections: readonly HasGraph[], o: ResolvedOptions): string {
  const graphs = collections.map((c) => c.graph({ optimize: o.optimize }));
  const totalTasks = graphs.reduce((n, g) => n + g.taskCount, 0);
  const lines: string[] = ['digraph tessera {', `  graph [rankdir=${o.rankdir}, ${GRAPH_STYLE.join(', ')}];`, `  ${NODE_STYLE};`, `  ${EDGE_STYLE};`];
  if (totalTasks > o.collapseAbove) {
    // Too many tasks to draw one by one: one node per layer, labelled with its op and task count.
    const layers = new Map<string, LayerInfo>();
    for (const g of graphs) for (const l of g.layers) if (!layers.has(l.name)) layers.set(l.name, l);
    const ids = new Map<string, string>();
    let i = 0;
    for (const l of layers.values()) {
      const id = `layer${i++}`;
      ids.set(l.name, id);
      const count = l.tasks === 1 ? '1 task' : `${l.tasks.toLocaleString('en-US')} tasks`;
      const label = l.tasks === 0 ? `${l.op}\n(data)` : `${l.op}\n${count}`;
      const shape = l.tasks === 0 ? 'box' : 'box, style="rounded,filled", fillcolor="#eef3fb"';
      lines.push(`  ${id} [label=${quote(label)}, shape=${shape}, tooltip=${quote(l.name)}];`);
    }
    for (const l of layers.values())
      for (const d of l.deps) {
        const from = ids.get(d);
        if (from) lines.push(`  ${from} -> ${ids.get(l.name)!};`);
      }
    lines.push(
      `  label=${quote(`${totalTasks.toLocaleString('en-US')} tasks in ${layers.size} layers (collapsed above ${o.collapseAbove.toLocaleString('en-US')} tasks)`)};`,
      '  labelloc=t;',
    );
  } else {
    const seen = new Set<string>();
    const edges: string[] = [];
    const nodes: { key: string; deps: string[] }[] = [];
    for (const g of graphs)
      for (const n of g.nodes()) {
        if (seen.has(n.key)) continue;
        seen.add(n.key);
        const shape = n.kind === 'task' ? 'ellipse' : 'box';
        lines.push(`  ${quote(n.key)} [label=${quote(n.label)}, shape=${shape}, tooltip=${quote(n.key)}];`);
        nodes.push({ key: n.key, deps: n.deps });
      }
    for (const n of nodes) for (const d of n.deps) if (seen.has(d)) edges.push(`  ${quote(d)} -> ${quote(n.key)};`);
    lines.push(...edges);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The DOT source for some collections (what visualize renders). */
export function toDot(...args: [...collections: (HasGraph | HasGraph[])[], options: VisualizeOptions] | (HasGraph | HasGraph[])[]): string {
  const { collections, options } = splitArgs(args, 'toDot');
  return toDotResolved(collections, resolveOptions(options, 'toDot'));
}

type GraphvizInstance = { layout(dot: string, format: 'svg', engine: 'dot'): string };
let graphvizPromise: Promise<GraphvizInstance> | undefined;

async function graphviz(): Promise<GraphvizInstance> {
  graphvizPromise ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load() as Promise<GraphvizInstance>);
  return graphvizPromise;
}

/** Render DOT source to SVG with WebAssembly Graphviz. */
export async function renderDot(dot: string): Promise<string> {
  const gv = await graphviz();
  return gv.layout(dot, 'svg', 'dot');
}

/**
 * Draw the task graph of one or more collections (anything with `graph()`: NDArray, Delayed, …).
 * Resolves with the SVG (or DOT) text and writes `options.filename` if given.
 *
 * ```ts
 * await visualize(a, b, { filename: 'graph.svg', rankdir: 'LR' });
 * ```
 */
export async function visualize(
  ...args: [...collections: (HasGraph | HasGraph[])[], options: VisualizeOptions] | (HasGraph | HasGraph[])[]
): Promise<string> {
  const { collections, options } = splitArgs(args, 'visualize');
  const o = resolveOptions(options, 'visualize');
  if (o.format === 'png')
    throw new RangeError(
      "visualize: format 'png' is not available — the WebAssembly Graphviz build renders SVG and DOT only. Use format 'svg' " +
        '(a .svg filename) and open it in a browser, or convert it with a tool such as rsvg-convert.',
    );
  const dot = toDotResolved(collections, o);
  const out = o.format === 'dot' ? dot : await renderDot(dot);
  if (o.filename !== undefined) await writeFile(o.filename, out);
  return out;
}
