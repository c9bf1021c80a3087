// Helpers for the distributed tests: an in-process cluster on the MemoryBus; child processes
// (`tessera scheduler` / `tessera worker` run by tsx from src); a bare nats-server that a test can
// kill and start again on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReduceCode, type NativeStage } from '../../src/native.js';
import { MemoryBus } from '../../src/distributed/transport.js';
import { Scheduler } from '../../src/distributed/scheduler.js';
import { Worker } from '../../src/distributed/worker.js';
import { Client } from '../../src/distributed/client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The module root in-process workers are given: the test fixtures (task modules live there). */
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

export interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
}

/** Run `tessera ARGS`; resolves once stdout matches `ready`. Every process lands in `procs`. */
export function tessera(procs: Proc[], args: string[], ready: RegExp, timeoutMs = 30_000, env?: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const p: Proc = { child, out: '', err: '' };
  procs.push(p);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera ${args[0]} not ready in ${timeoutMs} ms:\n${p.out}\n${p.err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      p.out += d.toString();
      if (ready.test(p.out)) clearTimeout(timer), resolve(p);
    });
    child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera ${args[0]} exited with ${code}:\n${p.out}\n${p.err}`));
    });
  });
}

/** A mode-0600 file holding `token`, for `--token-file` (tokens never go on a command line). */
export function tokenFile(token: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-token-')), 'token');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return file;
}

export const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 100 ms until it is true (or throw after `ms`). */
export async function until(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

/**
 * nats-server -js with a token on a loopback port and a JetStream store dir of its own; `restart()`
 * kills it (SIGKILL) and starts it again on the same port with the same store dir.
 */
export class RestartableNats {
  readonly dir = mkdtempSync(join(tmpdir(), 'tessera-nats-restart-'));
  port = -1;
  private child: ChildProcess | undefined;

  constructor(private readonly token: string) {
    writeFileSync(join(this.dir, 'nats.conf'), `max_payload: 67108864\nauthorization { token: ${JSON.stringify(token)} }\n`, { mode: 0o600 });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    for (const f of readdirSync(this.dir)) if (f.endsWith('.ports')) rmSync(join(this.dir, f));
    const args = ['-c', join(this.dir, 'nats.conf'), '-js', '-sd', join(this.dir, 'js'), '-a', '127.0.0.1', '-p', String(this.port), '--ports_file_dir', this.dir];
    const child = spawn(process.env.TESSERA_NATS_SERVER || 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    this.child = child;
    await until(() => {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}):\n${log}`);
      const f = readdirSync(this.dir).find((x) => x.endsWith('.ports'));
      if (!f) return false;
      const url = (JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as { nats?: string[] }).nats?.[0];
      if (!url) return false;
      this.port = Number(/:(\d+)$/.exec(url)![1]);
      return true;
    }, 15_000, `nats-server start:\n${log}`);
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A scheduler, workers and a client in this process on the in-process MemoryBus. */
export interface BusCluster {
  bus: MemoryBus;
  scheduler: Scheduler;
  /** Live workers: a test that closes one removes it with `lose`. */
  workers: Worker[];
  client: Client;
  lose(w: Worker): Promise<void>;
  close(): Promise<void>;
}

export async function busCluster(names: string[], heartbeatMs: number): Promise<BusCluster> {
  const bus = new MemoryBus({ ackWaitMs: 1000 });
  const scheduler = new Scheduler(bus.connect(), { heartbeatMs });
  await scheduler.start();
  const workers = names.map((name) => new Worker(bus.connect(), { name, nthreads: 1, heartbeatMs, modules: [FIXTURES] }));
  for (const w of workers) await w.start();
  const client = await Client.withTransport(bus.connect());
  const c: BusCluster = {
    bus,
    scheduler,
    workers,
    client,
    async lose(w) {
      await w.close();
      c.workers = c.workers.filter((x) => x !== w);
    },
    async close() {
      await c.client.close();
      for (const w of c.workers) await w.close();
      await c.scheduler.close();
    },
  };
  return c;
}

/** A bare stage (no leaves, an empty program) for tests of plan splitting and combining. */
export const bareStage = (shape: number[], chunks: number[][], reduce: number = ReduceCode.None, reduceAxes: number[] = []): NativeStage => ({
  shape,
  chunks,
  leaves: [],
  program: new Int32Array(0),
  imms: new Float64Array(0),
  nregs: 1,
  result: 0,
  sink: { reduce, dtype: 0, buffer: 0, offset: 0, strides: shape.map(() => 0), reduceAxes, ddof: 0 },
});
