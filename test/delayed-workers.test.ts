import { afterAll, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { TaskError, computeDelayed, configureWorkerPool, delayed, shutdownWorkers } from '../src/delayed/index.js';
import { Profiler } from '../src/diagnostics/index.js';

const work = new URL('./fixtures/work.js', import.meta.url);

afterAll(async () => {
  await shutdownWorkers();
});

describe('delayed.module: functions on worker threads', () => {
  it('runs module functions on worker threads', async () => {
    const whichThread = delayed.module<(tag: string) => { tag: string; threadId: number }>(work, 'whichThread');
    expect(whichThread.worker).toBe(true);
    const [a, b] = await computeDelayed(whichThread('a'), whichThread('b'));
    expect(a.tag).toBe('a');
    expect(b.tag).toBe('b');
    expect(a.threadId).not.toBe(threadId);
    expect(b.threadId).not.toBe(threadId);
  });

  it('mixes worker, main-thread and async tasks in one graph', async () => {
    const add = delayed.module<(a: number, b: number) => number>(work, 'add');
    const slowDouble = delayed.module<(x: number, ms?: number) => Promise<number>>(work, 'slowDouble', { worker: false });
    const sumArray = delayed.module<(d: Float64Array) => number>(work, 'sumArray');
    const inc = delayed((x: number) => x + 1, { name: 'inc' });
    const profiler = new Profiler();
    const total = add(inc(slowDouble(add(1, 2))), sumArray(Float64Array.of(1, 2, 3.5)));
    expect(await total.compute({ profiler })).toBe(7 + 6.5);
    const threads = new Map(profiler.records.map((r) => [r.name, r.thread]));
    expect(threads.get('inc')).toBe('main');
    expect(threads.get('slowDouble')).toBe('main');
    expect(threads.get('sumArray')).toMatch(/^worker \d+$/);
  });

  it('carries worker errors as cause, with the key in the message', async () => {
    const fails = delayed.module<(m: string) => number>(work, 'fails');
    const d = fails('boom in worker');
    const err = (await d.compute().catch((e: unknown) => e)) as TaskError;
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toContain(d.key);
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toBe('boom in worker');
    expect((err.cause as Error).name).toBe('RangeError');

    const missing = delayed.module(work, 'nope')();
    await expect(missing.compute()).rejects.toThrow(/has no exported function "nope"/);
    const notFn = delayed.module(work, 'notAFunction')();
    await expect(notFn.compute()).rejects.toThrow(/has no exported function "notAFunction"/);
    const unclonable = delayed.module(work, 'add')(() => 1, 2);
    await expect(unclonable.compute()).rejects.toThrow(/cannot be sent to a worker thread/);
  });

  it('refuses closures on workers with a TypeError that says what to do', () => {
    const closure = (x: number) => x * 2;
    let err: unknown;
    try {
      delayed(closure, { worker: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/closures can't travel to worker threads/);
    expect((err as Error).message).toContain("delayed.module(new URL('./my-module.js', import.meta.url), 'closure')");
  });

  it('keeps at most `size` workers and restarts after shutdown', async () => {
    configureWorkerPool({ size: 2 });
    const heavy = delayed.module<(n: number, seed?: number) => number>(work, 'heavy');
    const vals = await computeDelayed(...[1, 2, 3, 4, 5].map((s) => heavy(1e5, s)));
    expect(vals).toHaveLength(5);
    await shutdownWorkers();
    expect(await heavy(10, 1).compute()).toBeGreaterThan(0);
    expect(() => configureWorkerPool({ size: 0 })).toThrow(RangeError);
  });
});

describe('worker pool lifetime', () => {
  it('lets the process exit without shutdownWorkers()', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const child = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim()).value).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(20_000); // the child's idle timeout is 60 s
  });
});
