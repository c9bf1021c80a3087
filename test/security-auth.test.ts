// The scheduler requires credentials by default, on loopback too: it generates a token into a
// 0600 file that local workers and clients find without flags; tokens never appear on stdout or
// on a command line (`ps`), and a task naming node:child_process is refused on a real cluster.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/distributed/client.js';
import { schedulerCommand, workerCommand } from '../src/distributed/cli.js';
import { defaultTokenFile, writeTokenFile } from '../src/distributed/credentials.js';
import { natsServerAvailable, startNatsServer, type NatsServer } from '../src/distributed/server.js';
import { connectNats } from '../src/distributed/nats.js';
import { Scheduler } from '../src/distributed/scheduler.js';
import { tessera, until, withTimeout, type Proc } from './helpers/distributed.js';

const haveNats = natsServerAvailable();
const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;
// this file's schedulers, workers and clients look for token files here, not in ~/.tessera
const runtime = mkdtempSync(join(tmpdir(), 'tessera-xdg-'));
process.env.XDG_RUNTIME_DIR = runtime;
delete process.env.TESSERA_TOKEN;

/** Run a CLI command in this process, capturing its output. */
async function run(cmd: typeof schedulerCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('command-line secrets', () => {
  it('refuses --token and --password values, pointing to --token-file', async () => {
    for (const cmd of [schedulerCommand, workerCommand]) {
      const r = await run(cmd, ['nats://127.0.0.1:1', '--token', 'sekrit'].slice(cmd === schedulerCommand ? 1 : 0));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--token is not accepted \(command lines are visible in ps\).*--token-file FILE/);
    }
    expect((await run(schedulerCommand, ['--user', 'u', '--password=p'])).err).toMatch(/--password is not accepted.*--password-file/);
  });

  it('refuses a token file other users may read, and --no-auth beyond loopback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tok-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'abc\n');
    chmodSync(file, 0o644);
    const r = await run(workerCommand, ['nats://127.0.0.1:1', '--token-file', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/token file .*token may be read by other users \(mode 644\); chmod 600 it/);
    const n = await run(schedulerCommand, ['--host', '0.0.0.0', '--no-auth']);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/--no-auth is refused on 0\.0\.0\.0/);
    rmSync(dir, { recursive: true });
  });
});

describe.skipIf(!haveNats)('a scheduler with default credentials', () => {
  const procs: Proc[] = [];
  let scheduler: Proc;
  let worker: Proc;
  let url: string;
  let port: number;
  let token: string;
  const marker = join(runtime, 'pwned');

  beforeAll(async () => {
    scheduler = await tessera(procs, ['scheduler', '--port', '0', '--no-dashboard', '--heartbeat-ms', '300'], /tessera scheduler at:/);
    url = /tessera scheduler at: (\S+)/.exec(scheduler.out)![1]!;
    port = Number(/:(\d+)$/.exec(url)![1]);
    token = readFileSync(defaultTokenFile(port), 'utf8').trim();
    // no credential flags: the worker reads the scheduler's token file
    worker = await tessera(procs, ['worker', url, '--name', 'sec1', '--heartbeat-ms', '300'], /tessera worker/);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    rmSync(runtime, { recursive: true, force: true });
  });

  it('writes a generated token to a 0600 file, and prints it nowhere', () => {
    const file = defaultTokenFile(port);
    expect(file).toBe(join(runtime, 'tessera', `scheduler-${port}.token`));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(runtime, 'tessera')).mode & 0o777).toBe(0o700);
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    for (const p of [scheduler, worker]) {
      expect(p.out + p.err).not.toContain(token);
      // what `ps` shows
      expect(readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8')).not.toContain(token);
    }
    expect(scheduler.err).toContain(`the token is in ${file} (mode 0600)`);
  });

  it('refuses a client without the token on loopback; Client.connect() finds the file by itself', async () => {
    process.env.XDG_RUNTIME_DIR = join(runtime, 'elsewhere'); // no token file there
    try {
      await expect(Client.connect(url)).rejects.toThrow(/refused the credentials.*--token-file FILE, TESSERA_TOKEN/);
    } finally {
      process.env.XDG_RUNTIME_DIR = runtime;
    }
    const client = await Client.connect(url);
    try {
      await until(async () => (await client.workers()).length === 1, 10_000, 'worker registered');
      expect(await withTimeout(client.submit({ url: fixtures, exportName: 'square' }, 11), 10_000, 'submit')).toBe(121);
      // the attack of issue 13 on a real cluster: refused, nothing runs
      const attack = client.submit({ url: 'node:child_process', exportName: 'execSync' }, `touch ${marker}`);
      await expect(withTimeout(attack, 10_000, 'attack')).rejects.toThrow(/refused to load module node:child_process.*only file: modules under/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('a scheduler restarted on the same port keeps the token: its workers reconnect', async () => {
    const exited = new Promise((r) => scheduler.child.once('exit', r));
    scheduler.child.kill('SIGTERM');
    await exited;
    expect(readFileSync(defaultTokenFile(port), 'utf8').trim()).toBe(token);
    const again = await tessera(procs, ['scheduler', '--port', String(port), '--no-dashboard', '--heartbeat-ms', '300'], /tessera scheduler at:/);
    expect(again.out + again.err).not.toContain(token);
    expect(readFileSync(defaultTokenFile(port), 'utf8').trim()).toBe(token);
    const client = await Client.connect(url);
    try {
      await until(async () => (await client.workers()).some((w) => w.name === 'sec1'), 20_000, 'worker back');
      expect(await withTimeout(client.submit({ url: fixtures, exportName: 'square' }, 4), 10_000, 'submit')).toBe(16);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe.skipIf(!haveNats)('a worker racing its local scheduler', () => {
  const procs: Proc[] = [];
  let server: NatsServer | undefined;
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await server?.stop();
  });

  it('refused before the token file exists, retries and joins once it is written', async () => {
    // what a scheduler starting does: its port opens, then its token file is written
    const token = 'a'.repeat(48);
    server = await startNatsServer({ port: -1, auth: { token } });
    const port = Number(/:(\d+)$/.exec(server.url)![1]);
    const dir = join(runtime, 'race');
    process.env.XDG_RUNTIME_DIR = dir;
    try {
      const worker = tessera(procs, ['worker', server.url, '--name', 'racer', '--heartbeat-ms', '300', '--death-timeout', '20'], /tessera worker racer/, 30_000, { XDG_RUNTIME_DIR: dir });
      worker.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
      const transport = await connectNats(server.url, { auth: { token }, setup: true, name: 'test-scheduler' });
      const scheduler = new Scheduler(transport, { heartbeatMs: 300 });
      await scheduler.start();
      writeTokenFile(defaultTokenFile(port), token);
      await withTimeout(worker, 20_000, 'worker joined');
      const client = await Client.connect(server.url);
      try {
        await until(async () => (await client.workers()).some((w) => w.name === 'racer'), 10_000, 'worker registered');
        expect(await withTimeout(client.submit({ url: fixtures, exportName: 'square' }, 3), 10_000, 'submit')).toBe(9);
      } finally {
        await client.close();
        await scheduler.close();
      }
    } finally {
      process.env.XDG_RUNTIME_DIR = runtime;
    }
  }, 60_000);
});
