// Spilling under configure({ memoryLimit }) and reductions over storage in bounded memory:
// results bit-identical to the in-memory computes; spill files checksummed and removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DenseArray, configure, fromZarr, getConfig, random, toZarr } from '../../src/index.js';
import { spillStats } from '../../src/storage/spill.js';

const bits = (v: unknown): string => (typeof v === 'number' ? String(Object.is(v, -0) ? '-0' : v) : Buffer.from((v as DenseArray).data.buffer).toString('hex'));
const spillFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.chunk'));

afterEach(() => configure({ memoryLimit: null }));

describe('spilling persist()', () => {
  it('beyond the limit spills LRU chunks; every compute over it has the in-memory bits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
    const x = random.random([300, 200], { seed: 11, chunks: [50, 40] }); // 480 kB, 30 chunks of 16 kB
    const mem = await x.persist();
    configure({ memoryLimit: '200kB', spillDirectory: dir });
    expect(getConfig().memoryLimit).toBe(200_000);
    const kept = await x.persist();
    const s = spillStats();
    expect(s.residentBytes).toBeLessThanOrEqual(0.8 * 200_000);
    expect(s.spilledBytes).toBe(480_000 - s.residentBytes);
    expect(spillFiles(dir).length).toBe(s.spilledBytes / 16_000);
    const exprs = [
      (a: typeof x) => a.sum(), (a: typeof x) => a.mean(), (a: typeof x) => a.std(), (a: typeof x) => a.var({ ddof: 1 }),
      (a: typeof x) => a.prod(), (a: typeof x) => a.max(), (a: typeof x) => a.sum({ axis: 0 }), (a: typeof x) => a.mean({ axis: 1 }),
      (a: typeof x) => a.get('10:290, 5:150').mul(3).sum(), (a: typeof x) => a.get('::7, ::-3'), (a: typeof x) => a.exp().min({ axis: 1 }),
      (a: typeof x) => a.get(':200, :200').add(a.get(':200, :200').T).std(),
    ];
    for (const f of exprs) expect(bits(await f(kept).compute())).toBe(bits(await f(mem).compute()));
    kept.dispose();
    expect(spillFiles(dir)).toEqual([]);
    expect(spillStats().residentBytes).toBe(0);
    mem.dispose();
  });

  it('a spill file that is altered or missing is a clear error, never wrong numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
    configure({ memoryLimit: 50_000, spillDirectory: dir });
    const kept = await random.random([100, 100], { seed: 3, chunks: [25, 25] }).persist();
    const files = spillFiles(dir).map((f) => join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    const bytes = readFileSync(files[0]!);
    bytes[100] ^= 1;
    writeFileSync(files[0]!, bytes);
    await expect(kept.sum().compute()).rejects.toThrow(/spill file .*\.chunk \(chunk \d+\) is corrupted \(checksum mismatch\)/);
    unlinkSync(files[1]!);
    await expect(kept.get('0:100, 0:100').compute()).rejects.toThrow(/spill file .*\.chunk \(chunk \d+\) is (missing|corrupted)/);
    writeFileSync(files[0]!, bytes.subarray(0, 10));
    await expect(kept.sum().compute()).rejects.toThrow(/is (corrupted \(shorter than the 5000 bytes written\)|missing)/);
    kept.dispose();
  });

  it('spill files are removed at process exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
    const script = join(mkdtempSync(join(tmpdir(), 'tessera-spill-script-')), 'spill.mts');
    writeFileSync(script, `
import { configure, random } from ${JSON.stringify(join(__dirname, '..', '..', 'src', 'index.js'))};
import { readdirSync } from 'node:fs';
configure({ memoryLimit: 10000, spillDirectory: ${JSON.stringify(dir)} });
const kept = await random.random([100, 100], { seed: 1, chunks: 25 }).persist();
console.log(readdirSync(${JSON.stringify(dir)}, { recursive: true }).filter((f) => String(f).endsWith('.chunk')).length);
`);
    const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(Number(r.stdout.trim())).toBeGreaterThan(10);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bad input', () => {
    expect(() => configure({ memoryLimit: 'lots' })).toThrow(/memoryLimit must be a number of bytes or a string like '2GiB'/);
    expect(() => configure({ memoryLimit: -1 })).toThrow(/memoryLimit must be an integer/);
    expect(() => configure({ spillDirectory: '' })).toThrow(/spillDirectory must be a directory path/);
    expect(() => configure({ memoryLimt: 5 } as never)).toThrow(/accepted: numThreads, materializeLimit, chunkSize, memoryLimit, spillDirectory/);
  });
});

describe('reductions over storage, chunk by chunk', () => {
  it('fromZarr(...).sum() etc. read O(threads) chunks at a time and give the in-memory bits', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tessera-chunked-'));
    const x = random.random([120, 90], { seed: 6, chunks: [30, 30] });
    await toZarr(x, join(d, 'x.zarr'), { chunks: [30, 30] });
    const y = await fromZarr(join(d, 'x.zarr'));
    const mem = await x.persist();
    configure({ memoryLimit: 10_000, spillDirectory: d }); // budget 2.5 kB: every reduction goes chunk by chunk
    const seen: number[] = [];
    expect(await y.sum().compute({ onProgress: (done) => seen.push(done) })).toBe(await mem.sum().compute());
    expect(seen.at(-1)).toBe(12); // one sub-plan per chunk
    for (const f of [(v: typeof x) => v.sum(), (v: typeof x) => v.std(), (v: typeof x) => v.mean({ axis: 0 }), (v: typeof x) => v.get(':90, :90').add(v.get(':90, :90').T).var()]) {
      expect(bits(await f(y).compute())).toBe(bits(await f(mem).compute()));
    }
    mem.dispose();
    expect(existsSync(d)).toBe(true);
  });
});
