import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delayed } from '../src/delayed/index.js';
import { toDot, visualize } from '../src/visualize/index.js';
import type { GraphNode, HasGraph, TaskGraph } from '../src/graph/types.js';
import { parseXml, svgEdges, svgNodes } from './fixtures/xml.js';

function issueExample() {
  const num = delayed(function numerator(x: number, y: number) {
    let s = 0;
    for (let i = 1; i <= y; i++) s += x * i;
    return s;
  });
  const den = delayed(function factorial(y: number): number {
    return y <= 1 ? 1 : y * factorial(y - 1);
  }, { name: 'denominator' });
  const divide = delayed((n: number, d: number) => n / d, { name: 'divide' });
  return divide(num(1500, 10), den(10));
}

/** A stand-in for an array graph: ones → transpose → add over a 2×2 chunk grid. */
function fakeArrayGraph(): HasGraph {
  const grid = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  const nodes: GraphNode[] = [];
  for (const [i, j] of grid) {
    nodes.push({ key: `ones-t-${i}-${j}`, label: 'ones', kind: 'task', deps: [], layer: 'ones' });
    nodes.push({ key: `ones-${i}-${j}`, label: `(${i}, ${j})`, kind: 'data', deps: [`ones-t-${i}-${j}`], layer: 'ones' });
  }
  for (const [i, j] of grid) {
    nodes.push({ key: `T-t-${i}-${j}`, label: 'transpose', kind: 'task', deps: [`ones-${j}-${i}`], layer: 'transpose' });
    nodes.push({ key: `T-${i}-${j}`, label: `(${i}, ${j})`, kind: 'data', deps: [`T-t-${i}-${j}`], layer: 'transpose' });
    nodes.push({ key: `add-t-${i}-${j}`, label: 'add', kind: 'task', deps: [`ones-${i}-${j}`, `T-${i}-${j}`], layer: 'add' });
    nodes.push({ key: `add-${i}-${j}`, label: `(${i}, ${j})`, kind: 'data', deps: [`add-t-${i}-${j}`], layer: 'add' });
  }
  return {
    graph: () => ({
      layers: [
        { name: 'ones', op: 'ones', tasks: 4, deps: [] },
        { name: 'transpose', op: 'transpose', tasks: 4, deps: ['ones'] },
        { name: 'add', op: 'add', tasks: 4, deps: ['ones', 'transpose'] },
      ],
      taskCount: 12,
      nodes: () => nodes,
    }),
  };
}

describe('visualize', () => {
  it('draws one node per task and per data, with Dask shapes and labels, as well-formed SVG', async () => {
    const result = issueExample();
    const svg = await visualize(result);
    expect(() => parseXml(svg)).not.toThrow();
    const nodes = svgNodes(svg);
    const tasks = nodes.filter((n) => n.shape === 'ellipse');
    const data = nodes.filter((n) => n.shape === 'box');
    expect(tasks.map((n) => n.label).sort()).toEqual(['denominator', 'divide', 'numerator']);
    expect(data).toHaveLength(3);
    expect(data.map((n) => n.label).sort()).toEqual(
      [result.key, result.task.deps[0]!.key, result.task.deps[1]!.key].map((k) => k.replace(/^(.*-)([0-9a-f]{7})[0-9a-f]{25}$/, '$1$2')).sort(),
    );
    // data → task → data: numerator, denominator outputs feed divide; each task feeds its output box
    expect(svgEdges(svg)).toHaveLength(5);
    expect(svg).toMatch(/font-family="Helvetica,Arial,sans-serif"/);
    const dot = toDot(result);
    expect(dot).toContain('rankdir=BT');
  });

  it('draws array-like graphs with chunk-index boxes, and merges several collections', async () => {
    const svg = await visualize(fakeArrayGraph(), issueExample(), { rankdir: 'LR' });
    const nodes = svgNodes(svg);
    expect(nodes).toHaveLength(24 + 6);
    expect(nodes.filter((n) => n.label === '(0, 1)' && n.shape === 'box')).toHaveLength(3);
    expect(nodes.filter((n) => n.label === 'transpose' && n.shape === 'ellipse')).toHaveLength(4);
    expect(toDot(fakeArrayGraph(), { rankdir: 'LR' })).toContain('rankdir=LR');
  });

  it('writes files, taking the format from the extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-viz-'));
    const svg = await issueExample().visualize({ filename: join(dir, 'g.svg') });
    expect(await readFile(join(dir, 'g.svg'), 'utf8')).toBe(svg);
    expect(svg.startsWith('<?xml')).toBe(true);
    const dot = await visualize(issueExample(), { filename: join(dir, 'g.dot') });
    expect(dot.startsWith('digraph')).toBe(true);
    expect(await readFile(join(dir, 'g.dot'), 'utf8')).toBe(dot);
    expect(await visualize(issueExample(), { format: 'dot' })).toMatch(/^digraph/);
  });

  it('collapses a 5000-task graph to one node per layer with counts', async () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc' });
    const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'sum' });
    const big = total(Array.from({ length: 4999 }, (_, i) => inc(i)));
    expect(big.graph().taskCount).toBe(5000);
    const t0 = performance.now();
    const svg = await visualize(big);
    expect(performance.now() - t0).toBeLessThan(10_000);
    const nodes = svgNodes(svg);
    expect(nodes.map((n) => n.label).sort()).toEqual(['inc\n4,999 tasks', 'sum\n1 task']);
    expect(svgEdges(svg)).toHaveLength(1);
    expect(svg).toContain('5,000 tasks in 2 layers (collapsed above 2,000 tasks)');
    // Below the threshold it is drawn in full (checked on the DOT: rendering 10,000 nodes takes seconds).
    const fullDot = toDot(big, { collapseAbove: 20_000 });
    expect(fullDot.match(/shape=ellipse/g)).toHaveLength(5000);
    expect(fullDot.match(/shape=box/g)).toHaveLength(5000);
  });

  it('never materializes the nodes of a huge graph', async () => {
    const huge: HasGraph = {
      graph: (): TaskGraph => ({
        layers: [
          { name: 'random-1', op: 'random', tasks: 1_000_000, deps: [] },
          { name: 'exp-2', op: 'exp', tasks: 1_000_000, deps: ['random-1'] },
          { name: 'sum-3', op: 'sum', tasks: 1001, deps: ['exp-2'] },
        ],
        taskCount: 2_001_001,
        nodes: () => {
          throw new Error('nodes() must not be called for a collapsed graph');
        },
      }),
    };
    const svg = await visualize(huge);
    expect(svgNodes(svg).map((n) => n.label)).toEqual(['random\n1,000,000 tasks', 'exp\n1,000,000 tasks', 'sum\n1,001 tasks']);
  });

  it('rejects bad options and arguments, naming them', async () => {
    const d = issueExample();
    await expect(visualize(d, { format: 'pdf' as 'svg' })).rejects.toThrow(RangeError);
    await expect(visualize(d, { format: 'pdf' as 'svg' })).rejects.toThrow(/options\.format must be one of 'svg', 'dot', 'png'/);
    await expect(visualize(d, { rankdir: 'XX' as 'BT' })).rejects.toThrow(/options\.rankdir must be one of 'BT', 'TB', 'LR', 'RL'/);
    await expect(visualize(d, { format: 'png' })).rejects.toThrow(/use format 'svg'/i);
    await expect(visualize(d, { filename: 'graph.png' })).rejects.toThrow(/png/);
    await expect(visualize(d, { filename: 'graph.txt' })).rejects.toThrow(/extension/);
    await expect(visualize(d, { collapseAbove: -1 })).rejects.toThrow(/collapseAbove/);
    await expect(visualize(42 as unknown as HasGraph)).rejects.toThrow(TypeError);
    await expect(visualize()).rejects.toThrow(/at least one collection/);
    expect(() => toDot(d, { rankdir: 'up' as 'BT' })).toThrow(RangeError);
  });
});
