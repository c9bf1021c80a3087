// Zarr's native chunk codecs (src/storage/native-codec.ts, native/storage/chunk_codec.cc, the
// vendored zstd): stores Python's zarr + numcodecs wrote (test/fixtures/storage/zarr, made by
// scripts/fixtures/storage_zarr.py) read exactly; tessera's zstd frames are standard ones; boxes of
// several chunks filled in place; and the failures: truncated and corrupted chunks, a missing
// chunk, bad arguments to the addon, an aborted read.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { DenseArray, arange, configure, fromZarr, random, toZarr } from '../../src/index.js';
import { decodeChunks, encodeChunks, nativeCodecs } from '../../src/storage/native-codec.js';
import { streamSettings } from '../../src/storage/chunked-reduce.js';
import { BoxBufferPool } from '../../src/storage/resolve.js';
import { bufferCacheSettings, sharedBoxBuffers, writeBuffers } from '../../src/storage/buffer-cache.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'storage', 'zarr');
interface Expect { dtype: string; shape: number[]; values: (number | string)[] }
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, Expect>;
const dec = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : Number(v));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'tessera-zcodec-'));
const bytesOf = (v: unknown): Buffer => {
  const d = (v as DenseArray).data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

describe('native chunk codecs', () => {
  it('the addon has them (zstd vendored, version named)', () => {
    const a = nativeCodecs();
    expect(a).not.toBeNull();
    expect(a!.zstdVersion).toMatch(/^1\.5\.\d+$/);
  });

  for (const name of Object.keys(expected)) {
    it(`reads ${name}.zarr as Python's zarr wrote it, exactly (whole, and a box across chunks)`, async () => {
      const e = expected[name]!;
      const y = await fromZarr(join(FIX, `${name}.zarr`));
      expect(y.dtype).toBe(e.dtype);
      expect(y.shape).toEqual(e.shape);
      const got = ((await y.compute()) as DenseArray).data;
      const want = e.values.map(dec);
      expect(Array.from(got as ArrayLike<number>).map((v, i) => (Object.is(v, want[i]) || v === want[i] ? 'ok' : `${i}: ${v} != ${want[i]}`)).filter((s) => s !== 'ok')).toEqual([]);
      if (e.shape.length === 2) {
        // a box straddling chunks (decoded into place, part by part) equals the same box of the whole
        const [r, c] = e.shape as [number, number];
        const sub = ((await y.get(`1:${r - 1}, 2:${c}`).compute()) as DenseArray).data;
        const ref: number[] = [];
        for (let i = 1; i < r - 1; i++) for (let j = 2; j < c; j++) ref.push(want[i * c + j]!);
        expect(Array.from(sub as ArrayLike<number>)).toEqual(ref);
      }
    });
  }

  it('toZarr zstd writes standard frames (magic, content size in the header) that another decoder reads', async () => {
    const d = tmp();
    const x = random.random([50, 40], { seed: 9, chunks: [20, 20] });
    await toZarr(x, join(d, 'x.zarr'), { compressor: 'zstd', chunks: [20, 20] });
    const chunk = readFileSync(join(d, 'x.zarr', '1.1'));
    expect([...chunk.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(chunk[4]! & 0xc0).not.toBe(0); // Frame_Content_Size_flag set: numcodecs' decoder needs it
    // decoded by the codec path that does not use the addon's zstd (numcodecs' WebAssembly build)
    const { default: Zstd } = await import('numcodecs/zstd');
    const raw = await Zstd.fromConfig({ id: 'zstd', level: 1 } as never).decode(chunk);
    const ref = ((await x.get('20:40, 20:40').compute()) as DenseArray).data;
    expect(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).equals(Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength))).toBe(true);
    // gzip chunks are plain gzip streams (node:zlib)
    await toZarr(x, join(d, 'g.zarr'), { compressor: 'gzip', chunks: [20, 20] });
    const g = gunzipSync(readFileSync(join(d, 'g.zarr', '1.1')));
    expect(g.equals(Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength))).toBe(true);
    rmSync(d, { recursive: true, force: true });
  });

  it('zstd and uncompressed round trips of every computable dtype, v2 and v3, with edge chunks', async () => {
    const d = tmp();
    const cases = [
      random.random([13, 11], { seed: 3 }),
      random.random([13, 11], { seed: 3 }).astype('float32'),
      arange(0, 143).reshape([13, 11]).mul(7919),
      arange(0, 143).reshape([13, 11]).astype('int16'),
      random.random([13, 11], { seed: 4 }).gt(0.5),
    ];
    for (const [i, x] of cases.entries()) {
      for (const compressor of ['zstd', null] as const) {
        for (const zarrVersion of [2, 3] as const) {
          const p = join(d, `${i}-${compressor}-${zarrVersion}.zarr`);
          await toZarr(x, p, { compressor, zarrVersion, chunks: [5, 4] });
          const y = await fromZarr(p);
          expect(y.dtype).toBe(x.dtype);
          expect(bytesOf(await y.compute()).equals(bytesOf(await x.compute()))).toBe(true);
          expect(bytesOf(await y.get('2:12, 3:10').compute()).equals(bytesOf(await x.get('2:12, 3:10').compute()))).toBe(true);
        }
      }
    }
    // x.add(x.T) over a store: each block reads chunk (i, j) and (j, i)
    const sq = random.random([12, 12], { seed: 8, chunks: 5 });
    await toZarr(sq, join(d, 'sq.zarr'), { chunks: [5, 5] });
    const ys = await fromZarr(join(d, 'sq.zarr'));
    expect(bytesOf(await ys.add(ys.T).compute()).equals(bytesOf(await sq.add(sq.T).compute()))).toBe(true);
    rmSync(d, { recursive: true, force: true });
  });

  it('a reduction over more than its budget runs chunk by chunk into recycled buffers, with the in-memory bits', async () => {
    const d = tmp();
    const x = random.random([300, 260], { seed: 12, chunks: [64, 50] });
    await toZarr(x, join(d, 'x.zarr'), { chunks: [64, 50] });
    const y = await fromZarr(join(d, 'x.zarr'));
    const want = [await x.sum().compute(), await x.std().compute(), ((await x.max({ axis: 0 }).compute()) as DenseArray).data];
    configure({ memoryLimit: 200_000 }); // budget 50 kB < the 624 kB the reductions read
    try {
      const got = [await y.sum().compute(), await y.std().compute(), ((await y.max({ axis: 0 }).compute()) as DenseArray).data];
      expect(got[0]).toBe(want[0]);
      expect(got[1]).toBe(want[1]);
      expect(Array.from(got[2] as Float64Array)).toEqual(Array.from(want[2] as Float64Array));
      // twice more: the recycled buffers hold the previous chunks' bytes, which must not leak in
      expect(await y.get('7:290, 3:251').sum().compute()).toBe(await x.get('7:290, 3:251').sum().compute());
      expect(await y.add(1).sum().compute()).toBe(await x.add(1).sum().compute());
    } finally {
      configure({ memoryLimit: null });
    }
    rmSync(d, { recursive: true, force: true });
  });

  it('under the budget, a large reduction over native-decoded chunks streams chunk by chunk too (same bits); small ones read one box', async () => {
    const d = tmp();
    const x = random.random([300, 260], { seed: 13, chunks: [64, 50] });
    await toZarr(x, join(d, 'z.zarr'), { chunks: [64, 50] });
    await toZarr(x, join(d, 'n.zarr'), { chunks: [64, 50], compressor: null });
    const want = [await x.sum().compute(), await x.mean({ axis: 1 }).compute()];
    const take = vi.spyOn(BoxBufferPool.prototype, 'take');
    const saved = { ...streamSettings };
    try {
      for (const name of ['z.zarr', 'n.zarr']) {
        const y = await fromZarr(join(d, name));
        take.mockClear();
        expect(await y.sum().compute()).toBe(want[0]); // 624 kB: under the default 32 MiB, one box
        expect(take).not.toHaveBeenCalled();
        Object.assign(streamSettings, { minBytes: 100_000, minChunkBytes: 10_000 });
        expect(await y.sum().compute()).toBe(want[0]);
        expect(take).toHaveBeenCalled(); // the 30 chunk boxes came from the recycled pool
        expect(Array.from(((await y.mean({ axis: 1 }).compute()) as DenseArray).data)).toEqual(Array.from((want[1] as DenseArray).data));
        Object.assign(streamSettings, saved);
      }
    } finally {
      Object.assign(streamSettings, saved);
      take.mockRestore();
    }
    rmSync(d, { recursive: true, force: true });
  });

  it('a missing chunk reads as the fill value; truncated, corrupted and wrong-size chunks are errors naming the chunk', async () => {
    const d = tmp();
    for (const compressor of ['zstd', null] as const) {
      const p = join(d, `${compressor}.zarr`);
      await toZarr(arange(0, 64).reshape([8, 8]).astype('float64'), p, { chunks: [4, 4], compressor });
      rmSync(join(p, '1.1'));
      const y = await fromZarr(p);
      const got = ((await y.compute()) as DenseArray).data;
      expect(got[4 * 8 + 4]).toBe(0); // the fill value toZarr writes
      expect(got[3 * 8 + 3]).toBe(27);
      truncateSync(join(p, '0.1'), 20);
      await expect(y.compute()).rejects.toThrow(compressor ? /chunk \(0, 1\): cannot read or decode: corrupted or truncated zstd chunk/ : /chunk \(0, 1\): cannot read or decode: truncated chunk: 20 bytes, 128 expected/);
      writeFileSync(join(p, '1.0'), Buffer.alloc(compressor ? 40 : 200, 7));
      await expect(y.get('4:8, 0:4').sum().compute()).rejects.toThrow(compressor ? /chunk \(1, 0\): cannot read or decode: not a zstd frame/ : /chunk \(1, 0\): cannot read or decode: truncated chunk: 200 bytes, 128 expected/);
      // the chunks a compute does not touch are never read
      expect(await y.get('0:4, 0:4').sum().compute()).toBe(216);
    }
    // a frame that decodes to another size than the chunk's
    const p = join(d, 'zstd.zarr');
    const [r] = await encodeChunks([{ src: new Float64Array(10), codec: 'zstd' }]);
    writeFileSync(join(p, '0.0'), r!.bytes!);
    await expect((await fromZarr(p)).get('0:2, 0:2').compute()).rejects.toThrow(/chunk \(0, 0\): cannot read or decode: zstd frame holds 80 bytes, 128 expected/);
    // a directory where a chunk file should be
    rmSync(join(p, '0.0'));
    await import('node:fs/promises').then((fs) => fs.mkdir(join(p, '0.0')));
    await expect((await fromZarr(p)).get('0:2, 0:2').compute()).rejects.toThrow(/0\.0: is a directory \(EISDIR\)/);
    rmSync(d, { recursive: true, force: true });
  });

  it('bad arguments to the addon are TypeErrors/RangeErrors naming the item; an aborted decode rejects with AbortError', async () => {
    const dst = new Float64Array(6);
    expect(() => nativeCodecs()!.codecDecode([{ codec: 'zstd', itemsize: 8, chunkShape: [2, 3], hi: [2, 4], dst, bytes: new Uint8Array(4) }])).toThrow(RangeError);
    expect(() => nativeCodecs()!.codecDecode([{ codec: 'zstd', itemsize: 8, chunkShape: [2, 3], hi: [2, 4], dst, bytes: new Uint8Array(4) }])).toThrow(/items\[0\]: the box must lie inside the chunk/);
    expect(() => nativeCodecs()!.codecDecode([{ codec: 'zstd', itemsize: 8, chunkShape: [2, 4], dst, bytes: new Uint8Array(4) }])).toThrow(/items\[0\]: the box does not fit in the destination buffer/);
    expect(() => nativeCodecs()!.codecDecode([{ codec: 'brotli' as never, itemsize: 8, chunkShape: [2, 3], dst, bytes: new Uint8Array(4) }])).toThrow(/items\[0\]\.codec: unknown codec 'brotli' \(accepted: 'zstd', 'none'\)/);
    expect(() => nativeCodecs()!.codecDecode([{ codec: 'zstd', itemsize: 8, chunkShape: [2, 3], dst: [1, 2] as never, bytes: new Uint8Array(4) }])).toThrow(TypeError);
    expect(() => nativeCodecs()!.codecEncode([{ src: dst, codec: 'zstd', path: '/tmp/x' }])).toThrow(/items\[0\]: path and tmpPath must both be strings/);
    // round trip through bytes, and an abort before the job runs
    const [enc] = await encodeChunks([{ src: new Float64Array([1, 2, 3, 4, 5, 6]), codec: 'zstd', level: 3 }]);
    const [ok] = await decodeChunks([{ bytes: enc!.bytes!, codec: 'zstd', itemsize: 8, chunkShape: [2, 3], dst }]);
    expect(ok!.status).toBe('ok');
    expect([...dst]).toEqual([1, 2, 3, 4, 5, 6]);
    const ac = new AbortController();
    ac.abort();
    await expect(decodeChunks([{ bytes: enc!.bytes!, codec: 'zstd', itemsize: 8, chunkShape: [2, 3], dst }], ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('chunk buffers are kept between calls (bounded, none under a memory limit, dropped when idle) and never leak old bytes', async () => {
    const d = tmp();
    const saved = { ...bufferCacheSettings };
    const savedStream = { ...streamSettings };
    writeBuffers.clear();
    sharedBoxBuffers.clear();
    try {
      const a = random.random([300, 260], { seed: 14, chunks: [64, 50] });
      const b = random.random([300, 260], { seed: 15, chunks: [64, 50] });
      for (const compressor of [null, 'zstd'] as const) {
        // a first write leaves its chunk buffers in the cache; a second write computes into them
        await toZarr(a, join(d, `a-${compressor}.zarr`), { chunks: [64, 50], compressor });
        expect(writeBuffers.bytes()).toBeGreaterThan(0);
        await toZarr(b, join(d, `b-${compressor}.zarr`), { chunks: [64, 50], compressor });
        await toZarr(b, join(d, `b2-${compressor}.zarr`), { chunks: [64, 50], compressor });
        for (const f of readdirSync(join(d, `b-${compressor}.zarr`))) {
          expect(readFileSync(join(d, `b2-${compressor}.zarr`, f)).equals(readFileSync(join(d, `b-${compressor}.zarr`, f)))).toBe(true);
        }
        expect(bytesOf(await (await fromZarr(join(d, `b-${compressor}.zarr`))).compute()).equals(bytesOf(await b.compute()))).toBe(true);
      }
      // chunked reductions: the boxes of one call serve the next; the bits stay the in-memory ones
      Object.assign(streamSettings, { minBytes: 100_000, minChunkBytes: 10_000 });
      const ya = await fromZarr(join(d, 'a-zstd.zarr'));
      const yb = await fromZarr(join(d, 'b-null.zarr'));
      expect(await ya.sum().compute()).toBe(await a.sum().compute());
      expect(sharedBoxBuffers.bytes()).toBeGreaterThan(0);
      expect(await yb.sum().compute()).toBe(await b.sum().compute());
      expect(await ya.get('7:290, 3:251').sum().compute()).toBe(await a.get('7:290, 3:251').sum().compute());
      // bounded: nothing over maxBytes, nothing at all under configure({ memoryLimit })
      writeBuffers.clear();
      bufferCacheSettings.maxBytes = 64 * 50 * 8;
      await toZarr(a, join(d, 'c.zarr'), { chunks: [64, 50], compressor: null });
      expect(writeBuffers.bytes()).toBe(64 * 50 * 8);
      Object.assign(bufferCacheSettings, saved);
      await toZarr(a, join(d, 'c2.zarr'), { chunks: [64, 50], compressor: null });
      expect(writeBuffers.bytes()).toBeGreaterThan(0);
      configure({ memoryLimit: 100_000_000 }); // setting a limit drops what the cache holds
      expect(writeBuffers.bytes()).toBe(0);
      expect(sharedBoxBuffers.bytes()).toBe(0);
      try {
        await toZarr(a, join(d, 'm.zarr'), { chunks: [64, 50], compressor: null });
        expect(writeBuffers.bytes()).toBe(0);
      } finally {
        configure({ memoryLimit: null });
      }
      // idle: dropped after idleMs without use
      bufferCacheSettings.idleMs = 20;
      await toZarr(a, join(d, 'i.zarr'), { chunks: [64, 50], compressor: null });
      expect(writeBuffers.bytes()).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 120));
      expect(writeBuffers.bytes()).toBe(0);
    } finally {
      Object.assign(bufferCacheSettings, saved);
      Object.assign(streamSettings, savedStream);
      writeBuffers.clear();
      sharedBoxBuffers.clear();
    }
    rmSync(d, { recursive: true, force: true });
  });

  it('chunks of 64 KiB and more (blocks allocated before the write) hold exactly their bytes', async () => {
    const d = tmp();
    const x = random.random([300, 256], { seed: 16, chunks: [128, 128] });
    for (const compressor of [null, 'zstd'] as const) {
      const where = join(d, `${compressor}.zarr`);
      await toZarr(x, where, { chunks: [128, 128], compressor });
      const files = readdirSync(where).filter((f) => !f.startsWith('.'));
      expect(files.sort()).toEqual(['0.0', '0.1', '1.0', '1.1', '2.0', '2.1']);
      for (const f of files) {
        const size = statSync(join(where, f)).size;
        if (compressor === null) expect(size).toBe(128 * 128 * 8); // edge chunks padded, nothing past the data
        else if (!f.startsWith('2.')) expect(size).toBeGreaterThan(1 << 16); // (the padded edge row compresses below it)
      }
      expect(bytesOf(await (await fromZarr(where)).compute()).equals(bytesOf(await x.compute()))).toBe(true);
    }
    rmSync(d, { recursive: true, force: true });
  });

  it('a failed chunk write leaves no temp file behind', async () => {
    const d = tmp();
    const [r] = await encodeChunks([{ src: new Float64Array(4), codec: 'zstd', path: join(d, 'no', 'such', 'dir', '0.0'), tmpPath: join(d, 'no', 'such', 'dir', '0.0.partial') }]);
    expect(r!.status).toBe('error');
    expect(r!.code).toBe('ENOENT');
    expect(readdirSync(d)).toEqual([]);
    rmSync(d, { recursive: true, force: true });
  });
});
