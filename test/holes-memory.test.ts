// Memory lent to fromArray must stay valid while a compute reads it (issue 13, item 5). Each
// attack runs in a child process: before the fix they segfaulted or gave wrong sums silently.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { exp, fromArray } from '../src/index.js';
import { Lowering } from '../src/array/lower.js';
import { native, type NativeBuffer } from '../src/native.js';
import { snapshotInputs } from '../src/scheduler/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-holes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const child = join(dir, 'attack.mts');
writeFileSync(
  child,
  `import { execute, exp, exportPlan, fromArray } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
let mode = process.argv[2];
const n = 1 << 23;
const buf = mode.endsWith('resize') ? new ArrayBuffer(n * 8, { maxByteLength: n * 8 }) : new ArrayBuffer(n * 8);
const data = new Float64Array(buf);
for (let i = 0; i < n; i++) data[i] = (i % 7) / 7;
let expected = 0;
for (let i = 0; i < n; i++) expected += Math.exp(Math.cos(Math.sin(Math.exp(data[i]))));
const out = { mode, expected };
try {
  let settled = false;
  const y = exp(fromArray(data, { chunks: 1 << 14 })).sin().cos().exp().sum();
  // "execute:<attack>": the same work as a plan run by execute(), with data as its named input.
  const viaPlan = mode.startsWith('execute:');
  if (viaPlan) mode = mode.slice('execute:'.length);
  const exported = viaPlan ? exportPlan(y) : undefined;
  const p = exported ? execute(exported.plan, exported.inputs).then((r) => r[0]) : y.compute();
  p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, 2)); // the native threads are reading by now
  out.runningAtAttack = !settled;
  try {
    if (mode === 'resize') buf.resize(8);
    else if (mode === 'clone') structuredClone(buf, { transfer: [buf] });
    else if (mode === 'transfer') buf.transfer();
    else if (mode === 'transferToFixedLength') buf.transferToFixedLength(8);
    else { const { port1, port2 } = new MessageChannel(); port1.postMessage(buf, [buf]); receiveMessageOnPort(port2); port1.close(); }
  } catch (e) { out.attackError = e.name + ': ' + e.message; }
  // Let the collector free what was detached (the sweeper runs on its own thread), then reuse it.
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 5));
  globalThis.gc?.();
  new Float64Array(n).fill(-1e300); // reuse freed memory, if it was freed
  out.byteLength = buf.byteLength;
  out.result = await p;
} catch (e) { out.error = e.name + ': ' + e.message; }
console.log(JSON.stringify(out));
`,
);

// TESSERA_TEST_NODE runs the attacks with another node binary (Node >= 21 has buffer.transfer()).
const nodeBin = process.env.TESSERA_TEST_NODE || process.execPath;
const hasTransfer = spawnSync(nodeBin, ['-p', 'typeof ArrayBuffer.prototype.transfer'], { encoding: 'utf8' }).stdout.trim() === 'function';

function attack(mode: string): Record<string, unknown> {
  const r = spawnSync(nodeBin, ['--expose-gc', '--import', 'tsx', child, mode], { encoding: 'utf8', timeout: 60_000 });
  expect(r.error).toBeUndefined();
  expect({ signal: r.signal, status: r.status, stderr: r.stderr.slice(-2000) }).toEqual({ signal: null, status: 0, stderr: '' });
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

describe('memory lent to fromArray, detached or shrunk during a compute', () => {
  const modes = ['clone', 'postMessage', 'resize', ...(hasTransfer ? ['transfer', 'transferToFixedLength'] : []), 'execute:clone', 'execute:resize'];
  it.each(modes)('%s: the buffer really changes, nothing crashes, the sum is of the values at compute start', (mode) => {
    const out = attack(mode);
    expect(out.error).toBeUndefined();
    expect(out.attackError).toBeUndefined(); // lent buffers stay transferable and resizable
    expect(out.runningAtAttack).toBe(true);
    expect(out.byteLength).toBe(mode.endsWith('resize') ? 8 : 0);
    expect(Math.abs((out.result as number) - (out.expected as number)) / (out.expected as number)).toBeLessThan(1e-9);
  });
});

describe('lent memory at compute start', () => {
  it('resizable ArrayBuffers are accepted: each compute reads the values and length it starts with', async () => {
    const rab = new ArrayBuffer(32, { maxByteLength: 64 });
    const view = new Float64Array(rab, 0, 4);
    view.set([1, 2, 3, 4]);
    const a = fromArray(view);
    expect(await a.sum().compute()).toBe(10);
    rab.resize(64); // growing keeps the view's elements
    view[0] = 5;
    expect(await a.sum().compute()).toBe(14);
    rab.resize(16); // now the view is out of bounds: an error naming the buffer, not a crash
    await expect(a.sum().compute()).rejects.toThrow(RangeError);
  });

  it('growable SharedArrayBuffers are read in place; writes before a compute are seen', async () => {
    const sab = new SharedArrayBuffer(32, { maxByteLength: 64 });
    const shared = new Float64Array(sab, 0, 4);
    shared.set([1, 2, 3, 4]);
    const a = fromArray(shared);
    shared[0] = 5;
    expect(await a.sum().compute()).toBe(14);
    sab.grow(64);
    expect(await a.add(1).compute()).toEqual(expect.objectContaining({ data: new Float64Array([6, 3, 4, 5]) }));
  });

  it('a buffer lent to fromArray can still be transferred afterwards (no untransferable mark); computes then fail cleanly', async () => {
    const data = new Float64Array([1, 2, 3]);
    const a = fromArray(data);
    expect(await a.sum().compute()).toBe(6);
    const moved = structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(data.buffer.byteLength).toBe(0);
    expect(new Float64Array(moved)).toEqual(new Float64Array([1, 2, 3]));
    await expect(a.sum().compute()).rejects.toThrow(/addresses element 2 but buffers\[0\] holds 0 elements/);
  });
});

describe('snapshotInputs', () => {
  const lower = (data: Float64Array, region?: { lo: number[]; hi: number[] }) =>
    new Lowering((bytes) => native().allocBuffer(bytes)).lower([{ node: fromArray(data, { shape: [10, 10], chunks: [5, 10] }).node, target: 'result', region }]);

  it('copies only the bytes the plan reads, into native memory, and leaves the outputs alone', async () => {
    const data = Float64Array.from({ length: 100 }, (_, i) => i);
    const lowered = lower(data, { lo: [5, 0], hi: [10, 10] }); // the second row chunk: elements 50..99
    const before = native().memoryStats().nativeBytes;
    const s = snapshotInputs(lowered.plan, lowered.buffers);
    expect(native().memoryStats().nativeBytes - before).toBe(50 * 8);
    const input = lowered.plan.stages[0]!.leaves.find((l) => l.buffer >= 0)!;
    const output = lowered.plan.stages[0]!.sink.buffer;
    expect(s.buffers[output]).toBe(lowered.buffers[output]);
    expect(ArrayBuffer.isView(s.buffers[input.buffer])).toBe(false);
    expect(new Float64Array(native().bufferView(s.buffers[input.buffer] as NativeBuffer))[0]).toBe(50);
    expect(input.offset).toBe(50); // the lowered plan is untouched; the snapshot's plan is shifted
    data.fill(-1); // after the snapshot: not seen
    await native().execute(s.plan, s.buffers).promise;
    s.release();
    expect([...new Float64Array(lowered.buffers[output] as ArrayBuffer)]).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
  });

  it('reads SharedArrayBuffer views in place', () => {
    const data = new Float64Array(new SharedArrayBuffer(800));
    const lowered = lower(data);
    const s = snapshotInputs(lowered.plan, lowered.buffers);
    expect(s.plan).toBe(lowered.plan);
    expect(s.buffers).toEqual(lowered.buffers);
    expect(s.buffers.includes(data)).toBe(true);
    s.release();
  });
});

describe('snapshot lifetime', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Native bytes drop once freeBuffer ran and the collector dropped the copy's ArrayBuffer view.
  async function nativeBytesAfterGc(): Promise<number> {
    for (let i = 0; i < 20 && native().memoryStats().nativeBytes > 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    return native().memoryStats().nativeBytes;
  }

  it('is freed when the compute settles: resolved, rejected or aborted', async () => {
    expect(await nativeBytesAfterGc()).toBe(0);
    const data = new Float64Array(1 << 23).fill(1);
    const x = fromArray(data, { chunks: 1 << 12 });
    expect(await x.sum().compute()).toBe(1 << 23);
    expect(await nativeBytesAfterGc()).toBe(0);
    // The engine rejects the plan (a lent view now out of bounds) after the other input was copied.
    const rab = new ArrayBuffer(32, { maxByteLength: 32 });
    const shrunk = fromArray(new Float64Array(rab, 0, 4));
    rab.resize(16);
    await expect(fromArray(new Float64Array(4)).add(shrunk).compute()).rejects.toThrow(/addresses element 3 but buffers\[\d\] holds 0 elements/);
    expect(await nativeBytesAfterGc()).toBe(0);
    const ac = new AbortController();
    const aborted = exp(x).sin().cos().exp().sin().cos().sum().compute({ signal: ac.signal });
    let copied = 0;
    setImmediate(() => {
      copied = native().memoryStats().nativeBytes; // the compute has started and copied its input
      ac.abort();
    });
    await expect(aborted).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(copied).toBe(data.byteLength);
    expect(await nativeBytesAfterGc()).toBe(0);
  });
});
