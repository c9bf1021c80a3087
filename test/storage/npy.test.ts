// .npy / .npz against NumPy: fixtures NumPy wrote (scripts/fixtures/storage_npy.py) read by
// tessera, and files tessera writes read back by NumPy (/usr/bin/python3, skipped when absent).
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DenseArray, arange, fromArray, fromNpy, fromNpz, loadNpy, loadNpz, random, saveNpy, toNpy, toNpz } from '../../src/index.js';
// float64 data, as these tests were written for (arange of integers is int64, as NumPy's)
const farange = (start: number, stop: number) => arange(start, stop).astype('float64');
import { hasNumpy, python, skipReason } from '../helpers/python.js';

const FIX = join(__dirname, '..', 'fixtures', 'storage', 'npy');
type Expect = { dtype: string; shape: number[]; values: (number | string)[] };
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, Expect> & { npz: Record<string, Expect> };
const dec = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : Number(v));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'tessera-npy-'));
if (!hasNumpy) console.warn(skipReason('the NumPy halves of the .npy round trips are skipped'));

describe('.npy written by NumPy', () => {
  for (const name of Object.keys(expected).filter((n) => n !== 'npz')) {
    it(`loadNpy reads ${name} (${expected[name]!.dtype}) exactly`, async () => {
      const e = expected[name]!;
      const got = await loadNpy(join(FIX, `${name}.npy`));
      expect(got.dtype).toBe(e.dtype.replace('>', ''));
      expect(got.shape).toEqual(e.shape);
      const want = got.data instanceof BigInt64Array || got.data instanceof BigUint64Array ? e.values.map((v) => BigInt(v)) : e.values.map(dec);
      expect(Array.from(got.data as ArrayLike<number | bigint>)).toEqual(want);
    });
  }

  it('fromNpy is lazy and gives the same values for every computable dtype, any chunking', async () => {
    for (const name of ['float64', 'float64_specials', 'float32', 'bool', 'float64_3d', 'fortran', 'bigendian', 'float64_0d', 'float64_empty']) {
      const e = expected[name]!;
      for (const chunks of ['auto', 2] as const) {
        const x = await fromNpy(join(FIX, `${name}.npy`), { chunks });
        expect(x.shape).toEqual(e.shape);
        const v = await x.compute();
        const data = typeof v === 'number' ? [v] : Array.from((v as DenseArray).data);
        expect(data).toEqual(e.values.map(dec));
      }
    }
    const x = await fromNpy(join(FIX, 'float64_3d.npy'), { chunks: [1, 2, 5] });
    expect(x.chunks).toEqual([[1, 1, 1], [2, 2], [5]]);
    const s = (await x.get('1:3, 1:3, ::2').sum({ axis: 2 }).compute()) as DenseArray;
    // the same expression over the same values in memory: bit-identical (same chunks, same plan)
    const mem = fromArray(Float64Array.from(expected.float64_3d!.values.map(dec)), { shape: [3, 4, 5], chunks: [1, 2, 5] });
    const ref = (await mem.get('1:3, 1:3, ::2').sum({ axis: 2 }).compute()) as DenseArray;
    expect(Array.from(s.data)).toEqual(Array.from(ref.data));
    expect(s.data[0]).toBeCloseTo([0, 2, 4].reduce((a, k) => a + (25 + k) ** 1.5, 0), 9);
  });

  it('.npz (stored and deflated) by NumPy', async () => {
    for (const file of ['plain.npz', 'compressed.npz']) {
      const all = await loadNpz(join(FIX, file));
      expect(Object.keys(all).sort()).toEqual(['a', 'b']);
      const arrays = await fromNpz(join(FIX, file));
      for (const k of ['a', 'b']) {
        expect(all[k]!.dtype).toBe(expected.npz[k]!.dtype);
        expect(Array.from(all[k]!.data as Float64Array)).toEqual(expected.npz[k]!.values.map(dec));
        expect(Array.from(((await arrays[k]!.compute()) as DenseArray).data)).toEqual(expected.npz[k]!.values.map(dec));
      }
    }
  });

  it('bad input: object, structured, complex dtypes, integers, not-npy, truncated, missing', async () => {
    await expect(loadNpy(join(FIX, 'object.npy'))).rejects.toThrow(/object\.npy: dtype "\|O" \(object\) is not supported/);
    await expect(fromNpy(join(FIX, 'structured.npy'))).rejects.toThrow(/structured\.npy: structured dtype \[\(.*\)\] is not supported \(accepted: bool, /);
    await expect(fromNpy(join(FIX, 'complex.npy'))).rejects.toThrow(/complex\.npy: dtype "<c16" \(complex\)/);
    expect((await fromNpy(join(FIX, 'int32.npy'))).dtype).toBe('int32');
    const d = tmp();
    writeFileSync(join(d, 'text.npy'), 'hello, not numpy');
    await expect(fromNpy(join(d, 'text.npy'))).rejects.toThrow(/text\.npy: not a \.npy file/);
    const full = readFileSync(join(FIX, 'float64.npy'));
    writeFileSync(join(d, 'short.npy'), full.subarray(0, full.length - 8));
    await expect(fromNpy(join(d, 'short.npy'))).rejects.toThrow(/short\.npy: truncated \.npy file: 312 bytes, shape \[4,6\] float64 needs 320/);
    await expect(loadNpy(join(d, 'short.npy'))).rejects.toThrow(/short\.npy: truncated \.npy data/);
    await expect(fromNpy(join(d, 'missing.npy'))).rejects.toThrow(/missing\.npy: no such file or directory/);
    await expect(fromNpy(join(FIX, 'float64.npy'), { chunk: 2 } as never)).rejects.toThrow(/unknown option "chunk"; accepted: chunks/);
  });
});

describe('toNpy / toNpz', () => {
  it('writes NumPy\'s exact bytes (header included) for each dtype, streaming in slabs', async () => {
    const d = tmp();
    const x = random.random([37, 11], { seed: 3, chunks: [5, 4] });
    await toNpy(x, join(d, 'x.npy'), { slabRows: 3 });
    const f = await toNpy(x.astype('float32'), join(d, 'f.npy'));
    void f;
    await toNpy(x.gt(0.5), join(d, 'b.npy'));
    await toNpy(farange(0, 5).sum(), join(d, 's.npy'));
    await toNpy(fromArray(new Float64Array(0), { shape: [0, 4] }), join(d, 'e.npy'));
    const v = ((await x.compute()) as DenseArray).data as Float64Array;
    const got = await loadNpy(join(d, 'x.npy'));
    expect(got.shape).toEqual([37, 11]);
    expect(Buffer.from((got.data as Float64Array).buffer).equals(Buffer.from(v.buffer))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['b.npy', 'e.npy', 'f.npy', 's.npy', 'x.npy']); // no temp files left
    if (!hasNumpy) return;
    // NumPy re-saves what it loads: the bytes must be identical to ours
    const out = python(`
import numpy as np, sys, io, os
d = sys.argv[1]
for n in ['x', 'f', 'b', 's', 'e']:
    a = np.load(os.path.join(d, n + '.npy'))
    buf = io.BytesIO(); np.save(buf, a)
    print(n, a.dtype, a.shape, buf.getvalue() == open(os.path.join(d, n + '.npy'), 'rb').read())
`, [d]);
    expect(out.trim().split('\n')).toEqual(['x float64 (37, 11) True', 'f float32 (37, 11) True', 'b bool (37, 11) True', 's float64 () True', 'e float64 (0, 4) True']);
  });

  it.skipIf(!hasNumpy)('every dtype\'s bytes: saveNpy of all 11 dtypes is np.save\'s file', async () => {
    const d = tmp();
    const dtypes = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'] as const;
    for (const name of dtypes) {
      const ref = await loadNpy(join(FIX, `${name}.npy`));
      await saveNpy(join(d, `${name}.npy`), ref);
      expect(readFileSync(join(d, `${name}.npy`)).equals(readFileSync(join(FIX, `${name}.npy`)))).toBe(true);
    }
  });

  it('toNpz round trip, stored and compressed, read by NumPy', async () => {
    const d = tmp();
    const a = farange(0, 12).reshape([3, 4]).div(7);
    const b = random.random([5], { seed: 9 }).astype('float32');
    await toNpz(join(d, 'p.npz'), { a, b });
    await toNpz(join(d, 'c.npz'), { a, b }, { compressed: true });
    const av = Array.from(((await a.compute()) as DenseArray).data);
    for (const f of ['p.npz', 'c.npz']) {
      const back = await loadNpz(join(d, f));
      expect(Array.from(back.a!.data as Float64Array)).toEqual(av);
      expect(back.b!.dtype).toBe('float32');
    }
    if (!hasNumpy) return;
    const out = python(`
import numpy as np, sys, os
for f in ['p.npz', 'c.npz']:
    z = np.load(os.path.join(sys.argv[1], f))
    print(f, sorted(z.files), z['a'].dtype, z['a'].shape, repr(float(z['a'].sum())), z['b'].dtype)
`, [d]);
    const sum = av.reduce((x, y) => x + y, 0);
    void sum;
    expect(out.trim().split('\n').map((l) => l.split(' ').slice(0, 6).join(' '))).toEqual([
      "p.npz ['a', 'b'] float64 (3, 4)",
      "c.npz ['a', 'b'] float64 (3, 4)",
    ].map((l) => l));
  });

  it('a directory that cannot be written (read-only, or /sys even for root) is a clear error naming the path', async () => {
    await expect(toNpy(farange(0, 3), '/sys/x.npy')).rejects.toThrow(/^\/sys\/x\.npy: permission denied \(EACCES\)$/);
    await expect(toNpz('/sys/x.npz', { a: farange(0, 3) })).rejects.toThrow(/\/sys\/x\.npz: permission denied/);
    if (process.getuid?.() !== 0) {
      const d = tmp();
      chmodSync(d, 0o500);
      await expect(toNpy(farange(0, 3), join(d, 'x.npy'))).rejects.toThrow(/x\.npy: permission denied \(EACCES\)/);
      expect(existsSync(join(d, 'x.npy'))).toBe(false);
    }
  });
});

