// npx tsx bench/storage.bench.ts [--full] — issue 17's storage rows, side by side in one run:
// tessera and, when /usr/bin/python3 has dask + zarr, Dask's to_zarr / from_zarr on the same
// array, chunks and codec. Default size 4000² (128 MB) so it runs in minutes on 2 shared cores;
// --full runs the 20000² (3.2 GB). Medians of the runs; every case runs in its own child
// process (peak RSS is its own). Wall time and process CPU time (every thread's, user + system:
// steadier than wall time on a shared machine) side by side. No assertions: read the ratios.
// --only KIND runs one row (write-zstd, write-none, read-sum, spill).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FULL = process.argv.includes('--full');
const N = FULL ? 20000 : 4000;
const CHUNK = FULL ? 2000 : 1000;
const RUNS = FULL ? 1 : 3;
const PY = '/usr/bin/python3';
const hasDask = existsSync(PY) && spawnSync(PY, ['-c', 'import dask.array, zarr, numcodecs'], { encoding: 'utf8' }).status === 0;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const peakRssMB = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function child(kind: string, dir: string): Promise<void> {
  const t = await import('../src/index.js');
  const x = t.random.random([N, N], { seed: 1, chunks: CHUNK });
  const times: number[] = [];
  const cpus: number[] = [];
  let value = NaN;
  for (let r = 0; r < RUNS; r++) {
    const store = join(dir, `${kind}-${r}.zarr`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (kind === 'write-zstd') await t.toZarr(x, store, { compressor: 'zstd', chunks: [CHUNK, CHUNK] });
    else if (kind === 'write-none') await t.toZarr(x, store, { compressor: null, chunks: [CHUNK, CHUNK] });
    else if (kind === 'read-sum') value = await (await t.fromZarr(join(dir, 'src-zstd.zarr'))).sum().compute() as number;
    else if (kind === 'spill') {
      // persist an array 3× the memory limit, then kept.add(kept.T).sum()
      const limit = (N * N * 8) / 3;
      t.configure({ memoryLimit: Math.floor(limit), spillDirectory: dir });
      const kept = await x.persist();
      value = await kept.add(kept.T).sum().compute() as number;
      kept.dispose();
    }
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    if (kind.startsWith('write')) rmSync(store, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ ms: median(times), cpu: median(cpus), rss: peakRssMB(), value: Number.isNaN(value) ? null : value }));
}

interface Row { ms: number; cpu: number; rss: number; value: number }

function runChild(kind: string, dir: string): Row {
  const r = spawnSync(process.execPath, [join(fileURLToPath(import.meta.url), '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), fileURLToPath(import.meta.url), '--child', kind, dir, ...(FULL ? ['--full'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${kind}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function dask(kind: string, dir: string): Row | undefined {
  if (!hasDask) return undefined;
  const code = `
import sys, time, json, resource, dask, dask.array as da, numcodecs, zarr, shutil
N, C, R, kind, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
x = da.random.random((N, N), chunks=C)
ts = []; cs = []; value = None
for r in range(R):
    c0 = time.process_time()
    t0 = time.perf_counter()
    if kind == 'write-zstd':
        x.to_zarr(zarr.open(d + '/dask-%d.zarr' % r, 'w', shape=x.shape, chunks=(C, C), dtype='f8', compressor=numcodecs.Zstd(1)))
    elif kind == 'write-none':
        x.to_zarr(zarr.open(d + '/dask-%d.zarr' % r, 'w', shape=x.shape, chunks=(C, C), dtype='f8', compressor=None))
    elif kind == 'read-sum':
        value = float(da.from_zarr(d + '/src-zstd.zarr').sum().compute())
    ts.append((time.perf_counter() - t0) * 1000)
    cs.append((time.process_time() - c0) * 1000)
    if kind.startswith('write'): shutil.rmtree(d + '/dask-%d.zarr' % r)
ts.sort(); cs.sort()
print(json.dumps({'ms': ts[len(ts) // 2], 'cpu': cs[len(cs) // 2], 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'value': value}))
`;
  const r = spawnSync(PY, ['-c', code, String(N), String(CHUNK), String(RUNS), kind, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`dask ${kind}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/**
 * Sequential write speed of the benchmark's disk: 256 MiB (1 GiB with --full) in 8 MiB writes +
 * fsync; without `sync`, the array's own size in 8 MiB files and no fsync — what toZarr and Dask's
 * to_zarr do (neither fsyncs), so the page cache's speed: the floor of the uncompressed rows.
 */
function diskWriteMBps(dir: string, sync = true): number {
  const total = sync ? (FULL ? 1024 : 256) * 2 ** 20 : N * N * 8;
  const buf = Buffer.alloc(8 * 2 ** 20, 7);
  if (!sync) {
    const t0 = performance.now();
    for (let w = 0, i = 0; w < total; w += buf.length, i++) {
      const fd = openSync(join(dir, `page-${i}.bin`), 'w');
      writeSync(fd, buf, 0, Math.min(buf.length, total - w));
      closeSync(fd);
    }
    const ms = performance.now() - t0;
    for (let w = 0, i = 0; w < total; w += buf.length, i++) rmSync(join(dir, `page-${i}.bin`));
    return total / 2 ** 20 / (ms / 1000);
  }
  const f = join(dir, 'disk.bin');
  const t0 = performance.now();
  const fd = openSync(f, 'w');
  for (let w = 0; w < total; w += buf.length) writeSync(fd, buf);
  fsyncSync(fd);
  closeSync(fd);
  const ms = performance.now() - t0;
  rmSync(f);
  return total / 2 ** 20 / (ms / 1000);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-storage-'));
  const bytes = N * N * 8;
  console.log(`storage bench: random.random([${N}, ${N}]) float64 (${(bytes / 1e6).toFixed(0)} MB), chunks ${CHUNK}², ${RUNS} run(s) each, medians${FULL ? '' : ' (--full: the issue’s 20000²)'}`);
  if (!hasDask) console.log('  (Dask + zarr not found at /usr/bin/python3: tessera only)');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  // the read case needs a store: written once by tessera
  const t = await import('../src/index.js');
  if (!only || only === 'read-sum') await t.toZarr(t.random.random([N, N], { seed: 1, chunks: CHUNK }), join(dir, 'src-zstd.zarr'), { compressor: 'zstd', chunks: [CHUNK, CHUNK] });
  const disk = diskWriteMBps(dir);
  const page = Math.max(...Array.from({ length: RUNS }, () => diskWriteMBps(dir, false))); // the best of RUNS: a floor
  const rows: [string, string][] = [
    ['toZarr zstd', 'write-zstd'],
    ['toZarr uncompressed', 'write-none'],
    ['fromZarr(zstd).sum()', 'read-sum'],
  ];
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores`);
  console.log(`${'case'.padEnd(26)} ${'tessera ms'.padStart(11)} ${'dask ms'.padStart(9)} ${'dask/tessera'.padStart(13)} ${'cpu ms'.padStart(8)} ${'dask cpu'.padStart(9)} ${'cpu ratio'.padStart(10)}  notes`);
  for (const [title, kind] of rows.filter(([, k]) => !only || k === only)) {
    const a = runChild(kind, dir);
    const b = dask(kind, dir);
    let note = `peak RSS ${a.rss.toFixed(0)} MB` + (b ? ` (dask ${b.rss.toFixed(0)} MB)` : '');
    if (kind === 'write-none') note += `; ${(bytes / 1e6 / (a.ms / 1000)).toFixed(0)} MB/s = ${((bytes / 2 ** 20 / (a.ms / 1000) / disk) * 100).toFixed(0)}% of the disk's ${disk.toFixed(0)} MiB/s sequential write + fsync, ${((bytes / 2 ** 20 / (a.ms / 1000) / page) * 100).toFixed(0)}% of its ${page.toFixed(0)} MiB/s page-cache write (8 MiB files, no fsync, as both write)`;
    if (kind === 'read-sum' && b) note += `; sums ${a.value} vs ${b.value}`;
    console.log(`${title.padEnd(26)} ${a.ms.toFixed(0).padStart(11)} ${(b ? b.ms.toFixed(0) : '-').padStart(9)} ${(b ? (b.ms / a.ms).toFixed(2) + '×' : '-').padStart(13)} ${a.cpu.toFixed(0).padStart(8)} ${(b ? b.cpu.toFixed(0) : '-').padStart(9)} ${(b ? (b.cpu / a.cpu).toFixed(2) + '×' : '-').padStart(10)}  ${note}`);
  }
  if (!only || only === 'spill') {
    const s = runChild('spill', dir);
    const limitMB = bytes / 3 / 1e6;
    console.log(`spill: persist 3× memoryLimit (${limitMB.toFixed(0)} MB), kept.add(kept.T).sum() = ${s.value} in ${s.ms.toFixed(0)} ms (cpu ${s.cpu.toFixed(0)} ms); peak RSS ${s.rss.toFixed(0)} MB (limit + 300 MB = ${(limitMB + 300).toFixed(0)} MB)`);
  }
  rmSync(dir, { recursive: true, force: true });
}

void main();
