// Arrays with the graph tools: visualize, delayed in and out, progress bar and profiler.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DenseArray, Profiler, compute, delayed, fromDelayed, ones, random, visualize } from '../src/index.js';
import { svgNodes } from './fixtures/xml.js';

describe('arrays and the graph tools', () => {
  it('x.add(x.T).visualize() draws one ellipse per task and one box per chunk, labelled like Dask', async () => {
    const x = ones([10, 10], { chunks: [5, 5] });
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-viz-')), 'transpose.svg');
    const svg = await x.add(x.T).visualize({ filename: file });
    expect(readFileSync(file, 'utf8')).toBe(svg);
    const nodes = svgNodes(svg);
    const tasks = nodes.filter((n) => n.shape === 'ellipse');
    const data = nodes.filter((n) => n.shape !== 'ellipse');
    // ones (4 chunks), transpose (4), add (4): 12 tasks and 12 data boxes.
    expect(tasks).toHaveLength(12);
    expect(data).toHaveLength(12);
    expect(tasks.filter((t) => t.label === 'transpose')).toHaveLength(4);
    expect(tasks.filter((t) => t.label === 'add')).toHaveLength(4);
    expect(new Set(data.map((d) => d.label))).toEqual(new Set(['(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)']));
    // The optimized graph is what runs: one fused kernel per chunk.
    const fused = svgNodes(await visualize(x.add(x.T), { optimize: true })).filter((n) => n.shape === 'ellipse');
    expect(fused).toHaveLength(4);
    expect(fused[0]!.label).toBe('add-ones-transpose');
  });

  it('graph() counts tasks without enumerating them, and large graphs collapse', async () => {
    const x = ones([1000, 1000], { chunks: [10, 10] });
    const g = x.add(x.T).sum().graph();
    expect(g.taskCount).toBe(10000 * 3 + 10000 + 1);
    const svg = await visualize(x.add(x.T));
    expect(svg).toContain('10,000 tasks');
  });

  it('toDelayed gives one Delayed per chunk; fromDelayed turns a user function into an array', async () => {
    const x = random.random([6, 4], { seed: 3, chunks: [3, 2] });
    const blocks = x.toDelayed() as unknown as { compute(): Promise<{ data: Float64Array }> }[][];
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toHaveLength(2);
    const whole = (await x.compute()) as DenseArray;
    const b10 = await blocks[1]![0]!.compute();
    expect(Array.from(b10.data)).toEqual([whole.get(3, 0), whole.get(3, 1), whole.get(4, 0), whole.get(4, 1), whole.get(5, 0), whole.get(5, 1)]);

    let calls = 0;
    const make = delayed((n: number) => {
      calls++;
      return Float64Array.from({ length: n * n }, (_, i) => i);
    }, { name: 'make' });
    const y = fromDelayed(make(3), { shape: [3, 3] });
    expect(String(y)).toBe('tessera.NDArray<from_delayed, shape=[3, 3], dtype=float64, chunksize=[3, 3]>');
    expect(await y.add(y.T).sum().compute()).toBe(72);
    expect(calls).toBe(1);
    expect(() => fromDelayed(make(3), {} as never)).toThrow(/shape is required/);
    expect(() => fromDelayed(3 as never, { shape: [1] })).toThrow(TypeError);
    await expect(fromDelayed(make(2), { shape: [3, 3] }).sum().compute()).rejects.toThrow(/has 4 elements, expected 9 for shape \[3, 3\]/);
  });

  it('compute() takes arrays and delayed values together', async () => {
    const inc = delayed((v: number) => v + 1, { name: 'inc' });
    const [s, v] = await compute(ones([4, 4]).sum(), inc(41));
    expect(s).toBe(16);
    expect(v).toBe(42);
  });

  it('progress: a plain final line on a non-TTY stderr', async () => {
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => (writes.push(String(chunk)), true);
    try {
      const x = ones([50, 50], { chunks: [5, 5] });
      expect(await x.add(x.T).sum().compute({ progress: true })).toBe(5000);
    } finally {
      (process.stderr as { write: unknown }).write = original;
    }
    expect(writes.join('')).toMatch(/\[#{40}\] \| 100% Completed \| [\d.]+ (us|ms|s)\n/);
  });

  it('a Profiler records every native task with key, thread and times', async () => {
    const profiler = new Profiler();
    const x = ones([50, 50], { chunks: [5, 5] });
    await x.add(x.T).sum().compute({ profiler });
    const json = profiler.toJSON() as { tasks: { key: string; name: string; start: number; end: number; thread: string }[] };
    expect(json.tasks).toHaveLength(100);
    expect(json.tasks[0]!.name).toBe('sum-add-ones-transpose');
    expect(json.tasks.every((t) => t.end >= t.start && t.thread.startsWith('native '))).toBe(true);
    const trace = profiler.toChromeTrace() as { traceEvents: { ph: string }[] };
    expect(trace.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(100);
  });
});
