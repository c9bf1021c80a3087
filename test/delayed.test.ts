import { describe, expect, it } from 'vitest';
import {
  Delayed,
  TaskError,
  computeDelayed,
  computeDelayedWith,
  delayed,
  fromDelayed,
  toDelayed,
  delayedChunkToArrayData,
  type ChunkData,
} from '../src/delayed/index.js';
import { Profiler, profile } from '../src/diagnostics/index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function issueExample() {
  // (Not `const numerator = delayed(function numerator …)`: esbuild, which vitest uses, renames a
  // function expression that shadows its variable to `numerator2`.)
  const num = delayed(function numerator(x: number, y: number) {
    let s = 0;
    for (let i = 1; i <= y; i++) s += x * i;
    return s;
  });
  const den = delayed(function factorial(y: number): number {
    return y <= 1 ? 1 : y * factorial(y - 1);
  });
  const divide = delayed((n: number, d: number) => n / d, { name: 'divide' });
  return divide(num(1500, 10), den(10));
}

describe('delayed', () => {
  it('computes the example of the issue', async () => {
    const result = issueExample();
    expect(result).toBeInstanceOf(Delayed);
    expect(result.key).toMatch(/^divide-[0-9a-f]{32}$/);
    const v = await result.compute();
    expect(v).toBeCloseTo(0.022734788359788, 14);
    expect(v).toBe((1500 * 55) / 3628800);
  });

  it('runs shared tasks once, within one compute and across values', async () => {
    let calls = 0;
    const inc = delayed((x: number) => (calls++, x + 1), { name: 'inc' });
    const add = delayed((a: number, b: number) => a + b, { name: 'add' });
    const x = inc(1);
    const y = add(x, x);
    const z = add(x, y);
    expect(await computeDelayed(y, z, x)).toEqual([4, 6, 2]);
    expect(calls).toBe(1);
  });

  it('gives pure calls deterministic keys, so equal calls share one task', async () => {
    let calls = 0;
    const f = delayed((a: number, b: { c: number[] }) => (calls++, a + b.c[0]!), { pure: true, name: 'f' });
    expect(f(1, { c: [2] }).key).toBe(f(1, { c: [2] }).key);
    expect(f(1, { c: [3] }).key).not.toBe(f(1, { c: [2] }).key);
    const g = delayed((a: number) => a, { name: 'f' });
    expect(g(1).key).not.toBe(g(1).key); // impure: random tokens
    const [p, q] = await computeDelayed(f(1, { c: [2] }), f(1, { c: [2] }));
    expect([p, q, calls]).toEqual([3, 3, 1]);
    // Two different closures with the same name and args never collide.
    const h = delayed((a: number) => a, { name: 'f', pure: true });
    expect(h(1).key).not.toBe(f(1, { c: [2] }).key);
    expect(delayed([1, 2]).key).toBe(delayed([1, 2]).key);
  });

  it('destructures nout results', async () => {
    const divmod = delayed((a: number, b: number): [number, number] => [Math.floor(a / b), a % b], { nout: 2, name: 'divmod' });
    const d = divmod(17, 5);
    const [q, r] = d;
    expect(d.length).toBe(2);
    expect(d[0]).toBe(q);
    expect(d.get(-1)).toBe(r);
    expect(q.key).toMatch(/^getitem-/);
    expect(await computeDelayed(q, r, d)).toEqual([3, 2, [3, 2]]);
    const add = delayed((a: number, b: number) => a + b);
    expect(await add(q, r).compute()).toBe(5);
    expect(() => d.get(2)).toThrow(RangeError);
    const plain = delayed((a: number) => [a, a])(1);
    expect(() => {
      const [u] = plain as unknown as Delayed[];
      return u;
    }).toThrow(/not iterable.*nout/);
  });

  it('traverses arrays and plain objects in arguments and rebuilds them', async () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc' });
    class Box {
      constructor(public v: number) {}
    }
    const box = new Box(7);
    const f = delayed((o: { a: number; b: [number, number]; c: { d: number }[] }, bx: Box, k: string) => ({ ...o, bx, k }), { name: 'f' });
    const arg = { a: inc(1), b: [inc(2), 10] as [Delayed<number>, number], c: [{ d: inc(3) }] };
    const out = await f(arg, box, 'k').compute();
    expect(out).toEqual({ a: 2, b: [3, 10], c: [{ d: 4 }], bx: box, k: 'k' });
    expect(out.bx).toBe(box); // class instances are passed as they are
    expect(arg.a).toBeInstanceOf(Delayed); // the template is not mutated
    // delayed(container) and compute over containers
    const both = delayed({ x: inc(0), y: [inc(1)] });
    expect(await both.compute()).toEqual({ x: 1, y: [2] });
    expect(await computeDelayed({ nested: [inc(5), 'plain'] }, 42)).toEqual([{ nested: [6, 'plain'] }, 42]);
    expect(await delayed(5).compute()).toBe(5);
  });

  it('computes other lazy collections passed as arguments, once', async () => {
    let computes = 0;
    class FakeArray {
      graph() {
        return { layers: [], taskCount: 0, nodes: () => [] };
      }
      async compute() {
        computes++;
        return Float64Array.of(1, 2, 3);
      }
    }
    const x = new FakeArray();
    const total = delayed((a: Float64Array, more: { b: Float64Array }) => a.reduce((s, v) => s + v, 0) + more.b[0]!, { name: 'total' });
    const d = total(x as unknown as Float64Array, { b: x as unknown as Float64Array });
    expect(d.task.deps.map((dep) => dep.key)).toEqual([expect.stringMatching(/^fakearray-[0-9a-f]{32}$/)]);
    expect(await d.compute()).toBe(7);
    expect(computes).toBe(1);
  });

  it('runs independent async tasks concurrently on the event loop', async () => {
    const spans: Record<string, [number, number]> = {};
    const wait = delayed(
      async (name: string, ms: number) => {
        const start = performance.now();
        await sleep(ms);
        spans[name] = [start, performance.now()];
        return name;
      },
      { name: 'wait' },
    );
    const both = delayed((a: string, b: string) => a + b, { name: 'concat' });
    expect(await both(wait('a', 60), wait('b', 60)).compute()).toBe('ab');
    const [a0, a1] = spans.a!;
    const [b0, b1] = spans.b!;
    expect(a0 < b1 && b0 < a1).toBe(true); // the two intervals overlap
  });

  it('rejects with the failing key and the original error as cause, and starts nothing else', async () => {
    let laterCalls = 0;
    const original = new RangeError('bad input');
    const failing = delayed(
      async () => {
        await sleep(10);
        throw original;
      },
      { name: 'failing' },
    )();
    const slow = delayed(async () => sleep(60).then(() => 1), { name: 'slow' })();
    const later = delayed((x: number) => (laterCalls++, x), { name: 'later' })(slow);
    const top = delayed((a: unknown, b: unknown) => [a, b], { name: 'top' })(failing, later);
    const err = await top.compute().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toBeInstanceOf(Error);
    expect((err as TaskError).message).toContain(failing.key);
    expect((err as TaskError).message).toContain('bad input');
    expect((err as TaskError).key).toBe(failing.key);
    expect((err as TaskError).cause).toBe(original);
    await sleep(100); // `slow` finishes, but `later` must never start
    expect(laterCalls).toBe(0);

    // Sync failures stop the loop at once.
    let after = 0;
    const boom = delayed((): number => {
      throw new Error('sync boom');
    }, { name: 'boom' })();
    const dep = delayed((x: number) => (after++, x), { name: 'dep' });
    await expect(computeDelayed(dep(boom), dep(dep(boom)))).rejects.toThrow(/task boom-[0-9a-f]+ failed: Error: sync boom/);
    expect(after).toBe(0);
  });

  it('reports progress to (total, total) and feeds profilers', async () => {
    const seen: [number, number][] = [];
    const profiler = new Profiler();
    const result = issueExample();
    await result.compute({ onProgress: (d, t) => seen.push([d, t]), profiler });
    expect(seen[0]).toEqual([0, 3]);
    expect(seen.at(-1)).toEqual([3, 3]);
    expect(profiler.records.map((r) => r.name).sort()).toEqual(['divide', 'factorial', 'numerator']);
    for (const r of profiler.records) {
      expect(r.end).toBeGreaterThanOrEqual(r.start);
      expect(r.thread).toBe('main');
      expect(r.key).toMatch(/^(divide|factorial|numerator)-[0-9a-f]{32}$/);
    }
    const { result: v, profiler: p2 } = await profile(() => computeDelayedWith([issueExample()], {}));
    expect(v[0]).toBeCloseTo(0.0227347883597, 12);
    expect(p2.records).toHaveLength(3);
  });

  it('can be aborted', async () => {
    const ac = new AbortController();
    const slow = delayed(async () => sleep(200), { name: 'slow' });
    const p = slow().compute({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('rejects bad inputs with errors naming the argument', () => {
    const f = (x: number) => x;
    expect(() => delayed(f, { nout: 0 })).toThrow(RangeError);
    expect(() => delayed(f, { nout: 0 })).toThrow(/nout must be a positive integer/);
    expect(() => delayed(f, { nout: 1.5 })).toThrow(/nout/);
    expect(() => delayed(f, { name: 3 as unknown as string })).toThrow(TypeError);
    expect(() => delayed(f, { name: '' })).toThrow(/options\.name/);
    expect(() => delayed(f, { pure: 'yes' as unknown as boolean })).toThrow(/options\.pure/);
    expect(() => delayed(f, null as unknown as undefined)).not.toThrow();
    expect(() => delayed(f, 5 as unknown as undefined)).toThrow(/options must be an object/);
    expect(() => delayed(5 as unknown as () => void, { nout: 2 })).toThrow(/not a function/);
    expect(() => delayed.module('relative/path.js', 'f')).toThrow(/url must be a URL/);
    expect(() => delayed.module(new URL('file:///x.js'), '')).toThrow(/exportName/);
    expect(() => delayed(f, { worker: true })).toThrow(TypeError);
    expect(() => delayed(f, { worker: true })).toThrow(/closures can't travel.*delayed\.module/);
  });
});

describe('arrays ↔ delayed', () => {
  // A stand-in for NDArray with the minimal interface toDelayed needs.
  const fake = {
    shape: [4, 3],
    chunks: [[2, 2], [2, 1]],
    dtype: 'float64' as const,
    async computeBlock(index: number[]): Promise<ChunkData> {
      const rows = fake.chunks[0]![index[0]!]!;
      const cols = fake.chunks[1]![index[1]!]!;
      return { shape: [rows, cols], data: new Float64Array(rows * cols).fill(10 * index[0]! + index[1]!) };
    },
  };

  it('toDelayed gives one Delayed per chunk, shaped like the chunk grid', async () => {
    const blocks = toDelayed(fake) as Delayed<ChunkData>[][];
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toHaveLength(2);
    expect(blocks[1]![0]!.key).toBe((toDelayed(fake) as Delayed<ChunkData>[][])[1]![0]!.key);
    const total = delayed((cs: ChunkData[][]) => cs.flat().reduce((s, c) => s + c.data.reduce((a, b) => a + b, 0), 0), { name: 'total' });
    expect(await total(blocks).compute()).toBe(0 * 4 + 1 * 2 + 10 * 4 + 11 * 2);
    expect([...blocks[1]![1]!.graph().nodes()].find((n) => n.kind === 'data')!.label).toBe('(1, 1)');
  });

  it('fromDelayed validates and converts the computed value', async () => {
    const make = delayed((n: number) => Array.from({ length: n }, (_, i) => [i, i + 0.5]), { name: 'make' });
    const d = fromDelayed(make(3), { shape: [3, 2], dtype: 'float32' });
    const data = await d.compute();
    expect(data).toBeInstanceOf(Float32Array);
    expect([...data]).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    await expect(fromDelayed(make(2), { shape: [3, 2] }).compute()).rejects.toThrow(/length 2 at dimension 0, expected 3/);
    expect(delayedChunkToArrayData(new Float64Array(4), [2, 2], 'float64')).toBeInstanceOf(Float64Array);
    expect([...delayedChunkToArrayData(Int32Array.of(1, 2), [2], 'float64')]).toEqual([1, 2]);
    expect(() => delayedChunkToArrayData(new Float64Array(3), [2, 2], 'float64')).toThrow(RangeError);
    expect(() => delayedChunkToArrayData('x', [1], 'float64')).toThrow(TypeError);
    expect(() => fromDelayed(make(1), { shape: [1], dtype: 'int8' as 'float64' })).toThrow(/dtype/);
    expect(() => fromDelayed(3 as unknown as Delayed, { shape: [1] })).toThrow(/value must be a Delayed/);
  });
});
