// npx tsx bench/zstd-decode.bench.ts [--full] — where a zstd fromZarr(…).sum() spends its time, and
// the floor the codec itself sets: decoding every chunk file of the store alone (no sum, no plan),
// with tessera's vendored zstd on the native pool and with numcodecs' Zstd (Debian's libzstd,
// what Dask's from_zarr runs) in a thread pool, at 1 and 2 threads, side by side (and compressing
// the decoded chunks again at level 1, toZarr's and to_zarr's floor); then the sum of
// the decoded array in memory and the whole fromZarr(…).sum() and Dask's from_zarr(…).sum().
// Medians of 5 runs (the page cache is warm: the store is read once first). Wall and CPU ms (every
// thread of the process, user + system: steadier than wall on a shared machine) and MB/s of
// decoded bytes; read the load average printed with them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, timed } from './side-by-side.js';

const FULL = process.argv.includes('--full');
const N = FULL ? 20000 : 4000;
const CHUNK = FULL ? 2000 : 1000;
const RUNS = 5;
const PY = '/usr/bin/python3';
interface Timing { ms: number; cpu: number }

async function timeRuns(fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm-up: page cache, thread scratch
  const runs: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await timed(fn));
  return { ms: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

function python(store: string, threads: number, what: 'decode' | 'encode' | 'dask-sum'): Timing | undefined {
  if (!existsSync(PY)) return undefined;
  const code = `
import sys, os, time, numcodecs, concurrent.futures as cf
store, threads, what, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
files = [os.path.join(store, f) for f in sorted(os.listdir(store)) if not f.startswith('.')]
z = numcodecs.Zstd(1)
def dec(f):
    with open(f, 'rb') as fh: z.decode(fh.read())
raw = [z.decode(open(f, 'rb').read()) for f in files] if what == 'encode' else []
def once():
    if what == 'decode':
        with cf.ThreadPoolExecutor(threads) as ex: list(ex.map(dec, files))
    elif what == 'encode':
        with cf.ThreadPoolExecutor(threads) as ex: list(ex.map(z.encode, raw))
    else:
        import dask, dask.array as da
        with dask.config.set(scheduler='threads', num_workers=threads): float(da.from_zarr(store).sum().compute())
once(); ts = []; cs = []
for r in range(runs):
    c0 = time.process_time(); t0 = time.perf_counter(); once()
    ts.append((time.perf_counter() - t0) * 1000); cs.append((time.process_time() - c0) * 1000)
ts.sort(); cs.sort(); print(ts[len(ts) // 2], cs[len(cs) // 2])
`;
  const r = spawnSync(PY, ['-c', code, store, String(threads), what, String(RUNS)], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [ms, cpu] = r.stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms: ms!, cpu: cpu! };
}

async function main(): Promise<void> {
  const t = await import('../src/index.js');
  const { decodeChunks, encodeChunks } = await import('../src/storage/native-codec.js');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-zstd-'));
  const store = join(dir, 'x.zarr');
  try {
    await t.toZarr(t.random.random([N, N], { seed: 1, chunks: CHUNK }), store, { compressor: 'zstd', chunks: [CHUNK, CHUNK] });
    spawnSync('sync'); // freshly written pages under writeback read slowly: measure the decoder, not the flush
    const files = readdirSync(store).filter((f) => !f.startsWith('.')).map((f) => join(store, f));
    const bytes = N * N * 8;
    const mbps = (ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);
    console.log(`zstd decode bench: ${N}² float64 (${(bytes / 1e6).toFixed(0)} MB) in ${files.length} chunks of ${CHUNK}², zstd level 1, medians of ${RUNS}`);
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores`);
    const chunkElems = CHUNK * CHUNK;
    console.log(`${'case'.padEnd(50)} ${'wall ms'.padStart(8)} ${'MB/s'.padStart(6)} ${'cpu ms'.padStart(8)} ${'MB/s/core'.padStart(10)}`);
    const row = (name: string, t: Timing | undefined): void =>
      console.log(`${name.padEnd(50)} ${t ? t.ms.toFixed(1).padStart(8) : '-'.padStart(8)} ${t ? mbps(t.ms).padStart(6) : ''} ${t ? t.cpu.toFixed(1).padStart(8) : ''} ${t ? mbps(t.cpu).padStart(10) : ''}`);
    for (const threads of [1, 2]) {
      t.configure({ numThreads: threads });
      // one reused destination per in-flight chunk: the codec alone, no page faults of fresh memory
      const pool = Array.from({ length: 2 * threads }, () => new Float64Array(new SharedArrayBuffer(chunkElems * 8)));
      const item = (f: string, i: number) => ({ path: f, codec: 'zstd' as const, itemsize: 8, chunkShape: [CHUNK, CHUNK], dst: pool[i % pool.length]! });
      row(`tessera native zstd decode, ${threads} thread(s)`, await timeRuns(() => decodeChunks(files.map(item))));
      row(`numcodecs Zstd decode (Dask's codec), ${threads} thread(s)`, python(store, threads, 'decode'));
    }
    // toZarr's floor: level-1 compression of the same chunks alone (bytes back, no file written)
    const raw = await Promise.all(files.map(async (f) => {
      const dst = new Float64Array(chunkElems);
      await decodeChunks([{ path: f, codec: 'zstd', itemsize: 8, chunkShape: [CHUNK, CHUNK], dst }]);
      return dst;
    }));
    for (const threads of [1, 2]) {
      t.configure({ numThreads: threads });
      row(`tessera native zstd encode, ${threads} thread(s)`, await timeRuns(() => encodeChunks(raw.map((src) => ({ src, codec: 'zstd' as const, level: 1 })))));
      row(`numcodecs Zstd(1) encode (Dask's codec), ${threads} thread(s)`, python(store, threads, 'encode'));
    }
    t.configure({ numThreads: 2 });
    const y = await t.fromZarr(store);
    const mem = await y.persist();
    row('sum of the array in memory (2 threads)', await timeRuns(() => mem.sum().compute()));
    row('tessera fromZarr(…).sum() (2 threads)', await timeRuns(async () => (await t.fromZarr(store)).sum().compute()));
    row('Dask from_zarr(…).sum() (2 threads)', python(store, 2, 'dask-sum'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
