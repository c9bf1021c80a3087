// Memory lent to fromArray must stay valid while a compute reads it (issue 13, item 5). Each
// attack runs in a child process: before the fix they segfaulted or gave wrong sums silently.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromArray } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-holes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const child = join(dir, 'attack.mts');
writeFileSync(
  child,
  `import { exp, fromArray } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
import { MessageChannel } from 'node:worker_threads';
const mode = process.argv[2];
const n = 1 << 23;
const buf = mode === 'resize' ? new ArrayBuffer(n * 8, { maxByteLength: n * 8 }) : new ArrayBuffer(n * 8);
const data = new Float64Array(buf);
for (let i = 0; i < n; i++) data[i] = (i % 7) / 7;
let expected = 0;
for (let i = 0; i < n; i++) expected += Math.exp(data[i]);
const out = { mode, expected };
try {
  const p = exp(fromArray(data, { chunks: 1 << 14 })).sum().compute();
  await new Promise((r) => setTimeout(r, 2)); // the native threads are reading by now
  try {
    if (mode === 'resize') buf.resize(8);
    else if (mode === 'clone') structuredClone(buf, { transfer: [buf] });
    else { const { port1 } = new MessageChannel(); port1.postMessage(buf, [buf]); port1.close(); }
  } catch (e) { out.detachError = e.name; }
  globalThis.gc?.();
  new Float64Array(n).fill(-1e300); // reuse freed memory, if it was freed
  out.byteLength = buf.byteLength;
  out.result = await p;
} catch (e) { out.error = e.name + ': ' + e.message; }
console.log(JSON.stringify(out));
`,
);

function attack(mode: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, mode], { encoding: 'utf8', timeout: 60_000 });
  expect(r.error).toBeUndefined();
  expect({ signal: r.signal, status: r.status, stderr: r.stderr.slice(-2000) }).toEqual({ signal: null, status: 0, stderr: '' });
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

describe('memory lent to fromArray during a compute', () => {
  it.each(['clone', 'postMessage'])('%s with a transfer list cannot detach the buffer: the sum is right', (mode) => {
    const out = attack(mode);
    expect(out.error).toBeUndefined();
    // Node 22 refuses the transfer (DataCloneError); Node 20 clones by copy: either way still attached.
    expect(out.detachError === undefined || out.detachError === 'DataCloneError').toBe(true);
    expect(out.byteLength).toBe((1 << 23) * 8);
    expect(out.result as number).toBeCloseTo(out.expected as number, 3);
  });

  it('a resizable ArrayBuffer is refused with a TypeError saying what to pass instead', () => {
    const out = attack('resize');
    expect(out.error).toMatch(/^TypeError: data \(a Float64Array\) is a view of a resizable ArrayBuffer.*new Float64Array\(data\)/);
    expect(out.result).toBeUndefined();
  });

  it('fixed-length copies and growable SharedArrayBuffers are used in place', async () => {
    const rab = new ArrayBuffer(32, { maxByteLength: 64 });
    expect(() => fromArray(new Float64Array(rab))).toThrow(TypeError);
    const copy = new Float64Array(new Float64Array(rab));
    copy.set([1, 2, 3, 4]);
    expect(await fromArray(copy).sum().compute()).toBe(10);
    const sab = new SharedArrayBuffer(32, { maxByteLength: 64 });
    const shared = new Float64Array(sab, 0, 4);
    shared.set([1, 2, 3, 4]);
    const a = fromArray(shared);
    shared[0] = 5; // in place: a write before the compute is seen
    expect(await a.sum().compute()).toBe(14);
  });
});
