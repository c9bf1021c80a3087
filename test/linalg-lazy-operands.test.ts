// matmul(exp(a), b) with a lazy operand over the panel limit (a chunk row over 128 MiB is cut into
// panels): the operand is computed panel by panel into one reused scratch buffer — never whole,
// even when it is a single chunk — and the result has the bits of the persisted operand's product.
import { describe, expect, it } from 'vitest';
import { matmul, random, type DenseArray } from '../src/index.js';
import { Lowering } from '../src/array/lower.js';

const PANEL = 1 << 27;
const bytesOf = (b: unknown): number => (b instanceof ArrayBuffer ? b.byteLength : ArrayBuffer.isView(b) ? b.byteLength : 0);

describe('lazy matmul operands', () => {
  it('a one-chunk lazy a (138 MB) is held one panel at a time; values equal the persisted product', async () => {
    const a = random.normal(0, 0.1, [4000, 4300], { seed: 5, chunks: [4000, 4300] });
    const b = random.random([4300, 8], { seed: 6 });
    const product = matmul(a.exp(), b);
    const lowered = new Lowering((n) => new ArrayBuffer(n)).lower([{ node: product.node, target: 'result' }]);
    const out = lowered.outputs[0]!.memory;
    const scratch = lowered.buffers.filter((x) => x !== out).map(bytesOf);
    const full = 4000 * 4300 * 8;
    expect(Math.max(...scratch)).toBeLessThanOrEqual(PANEL);
    expect(scratch.every((n) => n < full)).toBe(true);
    const lazy = (await product.compute()) as DenseArray;
    const ep = await a.exp().persist();
    const mem = (await matmul(ep, b).compute()) as DenseArray;
    expect(Buffer.from(lazy.data.buffer).equals(Buffer.from(mem.data.buffer))).toBe(true);
    // and against a naive loop on a few entries
    const A = ((await a.exp().compute()) as DenseArray).data;
    const B = ((await b.compute()) as DenseArray).data;
    for (const [i, j] of [[0, 0], [1234, 5], [3999, 7]] as const) {
      let s = 0;
      for (let p = 0; p < 4300; p++) s += A[i * 4300 + p]! * B[p * 8 + j]!;
      expect(lazy.data[i * 8 + j]).toBeCloseTo(s, 9);
    }
    ep.dispose();
  });

  it('a lazy b.T is panelled along its free axis too', async () => {
    const a = random.random([8, 4300], { seed: 7 });
    const b = random.random([4000, 4300], { seed: 8, chunks: [4000, 4300] }).sqrt();
    const product = matmul(a, b.T);
    const lowered = new Lowering((n) => new ArrayBuffer(n)).lower([{ node: product.node, target: 'result' }]);
    const out = lowered.outputs[0]!.memory;
    expect(Math.max(...lowered.buffers.filter((x) => x !== out).map(bytesOf))).toBeLessThanOrEqual(PANEL);
    const lazy = (await product.compute()) as DenseArray;
    const bp = await b.persist();
    const mem = (await matmul(a, bp.T).compute()) as DenseArray;
    expect(Buffer.from(lazy.data.buffer).equals(Buffer.from(mem.data.buffer))).toBe(true);
    bp.dispose();
  });
});
