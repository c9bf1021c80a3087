// Graph walks are iterative: a chain of 100 000 delayed calls or array ops builds, counts and
// draws its graph without overflowing the stack.
import { describe, expect, it } from 'vitest';
import { delayed } from '../../src/delayed/index.js';
import { tokenize } from '../../src/delayed/tokenize.js';
import { collectDelayeds, substitute, type DelayedNode } from '../../src/delayed/task.js';
import { ones } from '../../src/index.js';
import { toDot } from '../../src/visualize/index.js';
import { TaskGraphBuilder, chunkKey, unravel } from '../../src/graph/builder.js';

const N = 100_000;

describe('deep graphs', () => {
  it('a chain of 100 000 delayed calls has a graph of 100 000 tasks and computes', async () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc' });
    let d = inc(0);
    for (let i = 1; i < N; i++) d = inc(d);
    const g = d.graph();
    expect(g.taskCount).toBe(N);
    expect(g.layers).toEqual([{ name: 'inc', op: 'inc', tasks: N, deps: [] }]);
    let nodes = 0;
    for (const _n of g.nodes()) nodes++;
    expect(nodes).toBe(2 * N);
    expect(await d.compute()).toBe(N);
  });

  it('pure keys of a 100 000-deep chain and of deeply nested values are computed', () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc', pure: true });
    let d = inc(0);
    for (let i = 1; i < N; i++) d = inc(d);
    expect(d.key).toMatch(/^inc-[0-9a-f]{32}$/);
    let nested: unknown = 1;
    for (let i = 0; i < N; i++) nested = [nested];
    expect(tokenize(nested)).toMatch(/^[0-9a-f]{32}$/);
    expect(tokenize(nested)).not.toBe(tokenize([nested]));
  });

  it('templates nested 100 000 deep are searched and rebuilt; a cyclic template keeps its cycle', () => {
    const leaf = delayed(41, { name: 'leaf' });
    let nested: unknown = [leaf, 'x', { y: leaf }];
    for (let i = 0; i < N; i++) nested = [nested];
    const found: DelayedNode[] = [];
    expect(collectDelayeds(nested, found)).toBe(true);
    expect(found.map((d) => d.key)).toEqual([leaf.key, leaf.key]);
    let out = substitute(nested, (k) => (k === leaf.key ? 42 : undefined));
    for (let i = 0; i < N; i++) out = (out as unknown[])[0];
    expect(out).toEqual([42, 'x', { y: 42 }]);
    const cyclic: Record<string, unknown> = { a: leaf };
    cyclic.self = cyclic;
    const copy = substitute(cyclic, () => 1) as Record<string, unknown>;
    expect(copy.a).toBe(1);
    expect(copy.self).toBe(copy);
    expect(copy).not.toBe(cyclic);
  });

  it('a value nested 100 000 deep around a Delayed and an array computes to the rebuilt value', async () => {
    const leaf = delayed((x: number) => x + 1, { name: 'leaf' })(41);
    let nested: unknown = [leaf, ones([2], { chunks: 1 }), 'x'];
    for (let i = 0; i < N; i++) nested = { n: nested };
    let out = await delayed(nested).compute();
    for (let i = 0; i < N; i++) out = (out as { n: unknown }).n;
    const [a, b, c] = out as [number, { toArray(): ArrayLike<number> }, string];
    expect(a).toBe(42);
    expect(Array.from(b.toArray())).toEqual([1, 1]);
    expect(c).toBe('x');
  });

  it('visualize of a 100 000-op array chain: one layer per op, collapsed', () => {
    let a = ones([4], { chunks: 2 });
    for (let i = 0; i < N; i++) a = a.neg();
    const g = a.graph();
    expect(g.layers.length).toBe(N + 1);
    expect(g.taskCount).toBe(2 * (N + 1));
    const fused = a.graph({ optimize: true });
    expect(fused.layers.map((l) => [l.op, l.tasks])).toEqual([['neg-ones', 2]]);
    const dot = toDot(a, { format: 'dot' });
    expect(dot.match(/ -> /g)?.length).toBe(N);
    expect(dot).toMatch(/label="200,?002 tasks in 100,?001 layers/);
  });

  it('visualize draws every node of a deep delayed graph below the collapse limit', () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc' });
    let d = inc(0);
    for (let i = 1; i < 5000; i++) d = inc(d);
    const dot = toDot(d, { collapseAbove: 10_000 });
    expect(dot.match(/shape=ellipse/g)?.length).toBe(5000);
    expect(dot.match(/shape=box/g)?.length).toBe(5000);
  });
});

describe('TaskGraphBuilder', () => {
  it('sums tasks, keeps layer order and deps once, and enumerates nodes lazily in order', () => {
    let calls = 0;
    const g = new TaskGraphBuilder()
      .addGridLayer({ name: 'x', op: 'ones', numblocks: [2, 3], deps: [], taskDeps: () => [] })
      .addTasks('y', 2)
      .addDependency('y', 'x')
      .addDependency('y', 'x')
      .addDependency('y', 'y')
      .addNodes(function* () {
        calls++;
        yield { key: 'y0', label: 'y', kind: 'task', deps: [chunkKey('x', [1, 2])], layer: 'y' };
      })
      .build();
    expect(g.layers).toEqual([
      { name: 'x', op: 'ones', tasks: 6, deps: [] },
      { name: 'y', op: 'y', tasks: 2, deps: ['x'] },
    ]);
    expect(g.taskCount).toBe(8);
    expect(calls).toBe(0);
    const nodes = [...g.nodes()];
    expect(nodes.map((n) => n.key)).toEqual([
      "('x', 0, 0)#task", "('x', 0, 0)", "('x', 0, 1)#task", "('x', 0, 1)", "('x', 0, 2)#task", "('x', 0, 2)",
      "('x', 1, 0)#task", "('x', 1, 0)", "('x', 1, 1)#task", "('x', 1, 1)", "('x', 1, 2)#task", "('x', 1, 2)", 'y0',
    ]);
    expect(nodes[12]!.deps).toEqual(["('x', 1, 2)"]);
  });

  it('unravels task numbers in C order', () => {
    expect([0, 1, 2, 3, 4, 5].map((t) => unravel(t, [2, 3]))).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    expect(chunkKey('s', [])).toBe("('s')");
  });
});
