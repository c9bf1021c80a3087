// toNpyStack / fromNpyStack against Dask's to_npy_stack / from_npy_stack (python3-dask; skipped
// with the reason when missing).
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DenseArray, fromNpyStack, random, toNpyStack } from '../../src/index.js';
import { pickleInfo, unpickle } from '../../src/storage/npy-stack.js';
import { hasDask, hasNumpy, python, skipReason } from '../helpers/python.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tessera-stack-'));
const bytesOf = (v: unknown): Buffer => Buffer.from((v as DenseArray).data.buffer);
if (!hasDask) console.warn(skipReason('the Dask npy-stack round trips are skipped'));

describe('npy stacks', () => {
  it('round trip along each axis; one file per chunk along it', async () => {
    const x = random.random([7, 6, 5], { seed: 2, chunks: [3, 4, 5] });
    for (const axis of [0, 1]) {
      const d = tmp();
      await toNpyStack(d, x, { axis });
      expect(readdirSync(d).sort()).toEqual(axis === 0 ? ['0.npy', '1.npy', '2.npy', 'info'] : ['0.npy', '1.npy', 'info']);
      const y = await fromNpyStack(d);
      expect(y.shape).toEqual([7, 6, 5]);
      expect(bytesOf(await y.compute()).equals(bytesOf(await x.compute()))).toBe(true);
    }
  });

  it('the info pickle reads back; unknown opcodes are a clear error', () => {
    const p = pickleInfo([[2, 2], [3]], 'float32', 0);
    const v = unpickle('info', p) as Map<unknown, unknown>;
    expect(v.get('chunks')).toEqual([[2, 2], [3]]);
    expect(v.get('axis')).toBe(0);
    expect((v.get('dtype') as { args: unknown[] }).args).toEqual(['f4', false, true]);
    expect(() => unpickle('bad', Uint8Array.from([0x80, 2, 0x47, 0, 0]))).toThrow(/bad: unsupported pickle opcode 0x47/);
  });

  it.skipIf(!hasNumpy)('our info is byte for byte pickle.dumps(meta, 2)', () => {
    const ours = Buffer.from(pickleInfo([[2, 2], [3]], 'float64', 0)).toString('hex');
    const theirs = python(`import pickle, numpy as np; print(pickle.dumps({'chunks': ((2, 2), (3,)), 'dtype': np.dtype('f8'), 'axis': 0}, 2).hex())`).trim();
    expect(ours).toBe(theirs);
  });

  it.skipIf(!hasDask)('Dask reads our stacks and we read Dask\'s', async () => {
    const d = tmp();
    const x = random.random([9, 4], { seed: 8, chunks: [4, 4] });
    await toNpyStack(join(d, 'ours'), x);
    await toNpyStack(join(d, 'ours-b'), x.gt(0.5), { axis: 1 });
    const out = python(`
import sys, os, numpy as np, dask.array as da
d = sys.argv[1]
y = da.from_npy_stack(os.path.join(d, 'ours'))
print(y.chunks, y.dtype, repr(float(y.sum().compute())))
b = da.from_npy_stack(os.path.join(d, 'ours-b'))
print(b.chunks, b.dtype, int(b.sum().compute()))
z = (da.arange(30, chunks=7).reshape(5, 6) / 3).astype('f4')
da.to_npy_stack(os.path.join(d, 'theirs'), z.rechunk((2, 6)), axis=0)
np.save(os.path.join(d, 'ref.npy'), z.compute())
`, [d]);
    const xv = ((await x.compute()) as DenseArray).data as Float64Array;
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^\(\(4, 4, 1\), \(4,\)\) float64 /);
    expect(lines[1]).toMatch(/^\(\(9,\), \(4,\)\) bool \d+$/);
    expect(Number(lines[1]!.split(' ').at(-1))).toBe(await x.gt(0.5).astype('float64').sum().compute());
    void xv;
    const theirs = await fromNpyStack(join(d, 'theirs'));
    expect(theirs.dtype).toBe('float32');
    expect(theirs.chunks).toEqual([[2, 2, 1], [6]]);
    const ref = readFileSync(join(d, 'ref.npy'));
    expect(bytesOf(await theirs.compute()).equals(ref.subarray(ref.length - 120))).toBe(true);
  });
});
