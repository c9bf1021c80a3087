import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delayed } from '../src/delayed/index.js';
import {
  Profiler,
  ProgressBar,
  formatElapsed,
  observersFor,
  profile,
  profilersFor,
  progressLine,
  recordNativeTasks,
  type ChromeTrace,
} from '../src/diagnostics/index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function capture(isTTY: boolean): { stream: Writable & { isTTY: boolean }; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      writes.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean };
  stream.isTTY = isTTY;
  return { stream, writes };
}

describe('progress bar', () => {
  it('formats lines like Dask', () => {
    expect(progressLine(3, 3, 1.234)).toBe(`[${'#'.repeat(40)}] | 100% Completed | 1.2 ms`);
    expect(progressLine(1, 4, 2500)).toBe(`[${'#'.repeat(10)}${' '.repeat(30)}] | 25% Completed | 2.5 s`);
    expect(progressLine(0, 0, 0.05)).toBe(`[${'#'.repeat(40)}] | 100% Completed | 50.0 us`);
    expect(formatElapsed(61_500)).toBe('1m 01.5s');
  });

  it('writes a single final line when stderr is not a TTY', () => {
    const { stream, writes } = capture(false);
    const bar = new ProgressBar({ stream });
    bar.start(5);
    for (let i = 1; i <= 5; i++) bar.update(i, 5);
    bar.finish();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\[#{40}\] \| 100% Completed \| \d+\.\d (us|ms|s)\n$/);
  });

  it('redraws in place on a TTY, throttled', async () => {
    const { stream, writes } = capture(true);
    const bar = new ProgressBar({ stream, intervalMs: 50 });
    bar.start(1000);
    for (let i = 1; i <= 1000; i++) bar.update(i, 1000); // all within far less than 50 ms
    await sleep(120);
    bar.finish();
    expect(writes.length).toBeGreaterThanOrEqual(3); // first draw, timer redraws, final
    expect(writes.length).toBeLessThan(10);
    for (const w of writes) expect(w.startsWith('\r')).toBe(true);
    expect(writes.at(-1)).toMatch(/^\r\[#{40}\] \| 100% Completed \| .*\n$/);
    expect(writes.slice(0, -1).every((w) => !w.includes('\n'))).toBe(true);
  });

  it('observersFor combines the progress bar and onProgress, and a delayed compute reaches (total, total)', async () => {
    const calls: [number, number][] = [];
    const inc = delayed(async (x: number) => x + 1, { name: 'inc' });
    let x = inc(0);
    for (let i = 0; i < 9; i++) x = inc(x);
    expect(await x.compute({ onProgress: (d, t) => calls.push([d, t]) })).toBe(10);
    expect(calls.at(-1)).toEqual([10, 10]);
    expect(calls.map((c) => c[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const o = observersFor({ onProgress: (d, t) => calls.push([d, t]) });
    o.start(2);
    o.update(2, 2);
    o.finish();
    expect(calls.at(-1)).toEqual([2, 2]);
    expect(() => observersFor({ progress: 'yes' as unknown as boolean })).toThrow(/options\.progress must be a boolean/);
    expect(() => observersFor({ onProgress: 5 as unknown as () => void })).toThrow(/options\.onProgress must be a function/);
  });
});

describe('profiler', () => {
  it('records delayed tasks and produces Chrome trace-event JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-prof-'));
    const wait = delayed(async (ms: number) => (await sleep(ms), ms), { name: 'wait' });
    const add = delayed((a: number, b: number) => a + b, { name: 'add' });
    const { result, profiler } = await profile(() => add(wait(30), wait(20)).compute());
    expect(result).toBe(50);
    expect(profiler.records).toHaveLength(3);
    const json = profiler.toJSON();
    expect(json.unit).toBe('ms');
    expect(json.tasks.map((t) => t.name).sort()).toEqual(['add', 'wait', 'wait']);
    for (const t of json.tasks) {
      expect(typeof t.start).toBe('number');
      expect(t.end - t.start).toBeGreaterThanOrEqual(0);
      expect(t.thread).toBe('main');
    }
    await profiler.save(join(dir, 'profile.json'));
    expect(JSON.parse(await readFile(join(dir, 'profile.json'), 'utf8')).tasks).toHaveLength(3);

    const trace = profiler.toChromeTrace();
    await profiler.saveChromeTrace(join(dir, 'trace.json'));
    const parsed = JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8')) as ChromeTrace;
    expect(parsed).toEqual(JSON.parse(JSON.stringify(trace)));
    const complete = parsed.traceEvents.filter((e) => e.ph === 'X');
    expect(complete).toHaveLength(3);
    for (const e of complete) {
      expect(e).toMatchObject({ cat: 'task', pid: process.pid });
      expect(Number.isFinite(e.ts) && Number.isFinite(e.dur!)).toBe(true);
      expect(Number.isInteger(e.tid)).toBe(true);
      expect(e.args!.key).toMatch(/^(wait|add)-[0-9a-f]{32}$/);
    }
    const waits = complete.filter((e) => e.name === 'wait');
    expect(waits[0]!.dur).toBeGreaterThan(15_000); // µs
    // The two overlapping async waits sit on different tracks, so viewers can nest slices.
    expect(waits[0]!.tid).not.toBe(waits[1]!.tid);
    const names = parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    expect(names).toContain('main');
    expect(names).toContain('main (async 2)');
  });

  it('takes native engine records, and is attached by options or profile()', async () => {
    const p = new Profiler();
    const t = process.hrtime.bigint();
    recordNativeTasks(p, [
      { stage: 0, task: 0, thread: 0, startNs: t, endNs: t + 1_000_000n },
      { stage: 0, task: 1, thread: 1, startNs: Number(t) + 1e5, endNs: Number(t) + 9e5 },
    ], { describe: (s, k) => ({ key: `('add-abc', ${k})`, name: `add` }) });
    expect(p.records.map((r) => [r.thread, r.tid, r.name])).toEqual([
      ['native 0', 10000, 'add'],
      ['native 1', 10001, 'add'],
    ]);
    expect(p.records[0]!.end - p.records[0]!.start).toBeCloseTo(1, 3);
    expect(p.toChromeTrace().traceEvents.filter((e) => e.ph === 'X').map((e) => e.dur)).toEqual([1000, expect.closeTo(800, 1)]);
    // The engine's flat Float64Array, with times relative to the plan start.
    const p3 = new Profiler();
    const origin = process.hrtime.bigint();
    recordNativeTasks(p3, Float64Array.of(1, 0, 0, 0, 2e6, 1, 1, 1, 5e5, 1.5e6), { originNs: origin });
    expect(p3.records.map((r) => [r.key, r.name, r.thread])).toEqual([
      ['stage-1-0', 'stage-1', 'native 0'],
      ['stage-1-1', 'stage-1', 'native 1'],
    ]);
    expect(p3.records[0]!.end - p3.records[0]!.start).toBeCloseTo(2, 6);
    expect(p3.records[1]!.start - p3.records[0]!.start).toBeCloseTo(0.5, 6);
    expect(() => recordNativeTasks(p3, new Float64Array(4))).toThrow(/5 numbers per task/);

    const q = new Profiler();
    const { profiler } = await profile(async () => {
      expect(profilersFor({ profiler: q })).toEqual([q, expect.any(Profiler)]);
    });
    expect(profilersFor()).toEqual([]);
    expect(profiler).toBeInstanceOf(Profiler);
    expect(() => profilersFor({ profiler: {} as Profiler })).toThrow(/options\.profiler must be a Profiler/);
  });
});
