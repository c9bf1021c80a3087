// `tessera scheduler` and `tessera worker` (registered in src/cli.ts's COMMANDS).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { connectNats, type Auth } from './nats.js';
import { Scheduler } from './scheduler.js';
import { Worker } from './worker.js';
import { startNatsServer, isLoopback, type NatsServer } from './server.js';
import { parseBytes } from './protocol.js';

interface IO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class ArgError extends Error {}

export const SCHEDULER_USAGE = `usage: tessera scheduler [options]

Starts nats-server with JetStream (a child process) and the tessera scheduler on it.

options:
  --host HOST            listen address (default 127.0.0.1; anything but loopback requires credentials)
  --port N               NATS port (default 8786; 0 = any free port)
  --dashboard-port N     dashboard HTTP port (default: NATS port + 1; with --port 0 any free port)
  --no-dashboard         do not serve the dashboard
  --nats URL             join a running nats-server (started with -js) instead of starting one
  --token TOKEN          require this token (default on non-loopback hosts: a generated one)
  --user USER --password PASS   require a user and password instead
  --require-auth         require credentials even on loopback (generates a token if none given)
  --credentials-file F   where a generated token is written, mode 0600 (default ~/.tessera/token)
  --tls --tlscert F --tlskey F [--tlscacert F]   TLS, passed through to nats-server
  --heartbeat-ms N       heartbeat interval (default 1000); workers silent 3 intervals are dead
  --ack-wait-ms N        a task whose worker stops answering is redelivered after N ms (default 5000)
  --max-tries N          a task whose workers died N times fails its compute (default 3)
  --no-workers-timeout-ms MS  a compute waiting with no live worker fails after MS (default 60000)
  -h, --help             this help`;

export const WORKER_USAGE = `usage: tessera worker ADDRESS [options]

Connects to a scheduler (ADDRESS like nats://127.0.0.1:8786) and runs its tasks.

options:
  --nthreads N           native threads (default 1)
  --memory-limit SIZE    bytes of stored chunks, e.g. 4GiB (default 4GiB); refuses tasks beyond it
  --name NAME            worker name (default HOST-PID)
  --token TOKEN          credentials (also TESSERA_TOKEN, or --credentials-file F)
  --user USER --password PASS
  --credentials-file F   read the token from F (default ~/.tessera/token when it exists)
  --tls-ca F             trust this CA for a TLS server
  --data-host HOST       address peers and clients reach this worker's chunk port at (default:
                         loopback when ADDRESS is loopback, else this machine's first IPv4);
                         off with TLS (chunks then travel through NATS)
  --heartbeat-ms N       heartbeat interval (default 1000)
  -h, --help             this help`;

function parse(args: string[], flags: Record<string, 'value' | 'bool'>): { opts: Record<string, string | true>; positional: string[] } {
  const opts: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      opts.help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = flags[name];
    if (!kind) throw new ArgError(`unknown option --${name}`);
    if (kind === 'bool') opts[name] = true;
    else {
      const v = inline ?? args[++i];
      if (v === undefined) throw new ArgError(`--${name} needs a value`);
      opts[name] = v;
    }
  }
  return { opts, positional };
}

function int(opts: Record<string, string | true>, name: string, min: number): number | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new ArgError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

const defaultCredentials = (): string => join(homedir(), '.tessera', 'token');

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves when SIGINT/SIGTERM arrives. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function schedulerCommand(args: string[], io: IO): Promise<number> {
  let parsed;
  try {
    parsed = parse(args, {
      host: 'value', port: 'value', 'dashboard-port': 'value', nats: 'value', token: 'value', user: 'value', password: 'value',
      'require-auth': 'bool', 'credentials-file': 'value', tls: 'bool', tlscert: 'value', tlskey: 'value', tlscacert: 'value',
      'heartbeat-ms': 'value', 'ack-wait-ms': 'value', 'max-tries': 'value', 'no-dashboard': 'bool',
      'no-workers-timeout-ms': 'value',
    });
  } catch (err) {
    io.stderr(`tessera scheduler: ${(err as Error).message}\n\n${SCHEDULER_USAGE}\n`);
    return 2;
  }
  const { opts, positional } = parsed;
  if (opts.help) {
    io.stdout(SCHEDULER_USAGE + '\n');
    return 0;
  }
  try {
    if (positional.length) throw new ArgError(`unexpected argument ${JSON.stringify(positional[0])}`);
    const host = (opts.host as string | undefined) ?? '127.0.0.1';
    const port = int(opts, 'port', 0) ?? 8786;
    const heartbeatMs = int(opts, 'heartbeat-ms', 10) ?? 1000;
    const ackWaitMs = int(opts, 'ack-wait-ms', 100) ?? 5000;
    const maxTries = int(opts, 'max-tries', 1) ?? 3;
    const noWorkersTimeoutMs = int(opts, 'no-workers-timeout-ms', 0) ?? 60_000;
    if (opts.tls && (!opts.tlscert || !opts.tlskey)) throw new ArgError('--tls needs --tlscert and --tlskey');
    let auth: Auth | undefined;
    if (typeof opts.token === 'string') auth = { token: opts.token };
    else if (typeof opts.user === 'string') {
      if (typeof opts.password !== 'string') throw new ArgError('--user needs --password');
      auth = { user: opts.user, pass: opts.password };
    }
    const needAuth = !!opts['require-auth'] || (!opts.nats && !isLoopback(host));
    let generated: string | undefined;
    if (needAuth && !auth) {
      generated = randomBytes(24).toString('hex');
      auth = { token: generated };
      const file = (opts['credentials-file'] as string | undefined) ?? defaultCredentials();
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, generated + '\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      io.stdout(`tessera scheduler: generated a token, written to ${file} (mode 0600); workers and clients must present it:\n  token: ${generated}\n`);
    }
    let server: NatsServer | undefined;
    let url = opts.nats as string | undefined;
    if (!url) {
      server = await startNatsServer({
        host, port, auth,
        tls: opts.tls ? { cert: opts.tlscert as string, key: opts.tlskey as string, ca: opts.tlscacert as string | undefined } : undefined,
      });
      url = server.url;
    }
    const transport = await connectNats(url.replace(/^nats:/, opts.tls ? 'tls:' : 'nats:'), {
      auth, setup: true, ackWaitMs, name: 'tessera-scheduler', tls: opts.tls ? (opts.tlscacert ? { caFile: opts.tlscacert as string } : true) : undefined,
    }).catch(async (err) => {
      await server?.stop();
      throw err;
    });
    const scheduler = new Scheduler(transport, { heartbeatMs, maxTries, noWorkersTimeoutMs, log: (l) => io.stderr(`${new Date().toISOString()} ${l}\n`) });
    await scheduler.start();
    const shownHost = server?.host ?? new URL(url).hostname;
    let dashPort = int(opts, 'dashboard-port', 0) ?? (port === 0 && server ? 0 : (server?.port ?? Number(new URL(url).port || 4222)) + 1);
    // The dashboard (src/dashboard) fed by this scheduler's events; same credentials as NATS.
    let dashboard: { port: number; close(): Promise<void> } | undefined;
    if (!opts['no-dashboard']) {
      try {
        const { startDashboard, schedulerEventSource } = await import('../dashboard/index.js');
        dashboard = await startDashboard({
          port: dashPort,
          host,
          source: schedulerEventSource(scheduler.events),
          auth: auth?.token ? { token: auth.token } : auth?.user ? { username: auth.user, password: auth.pass ?? '' } : undefined,
        });
        dashPort = dashboard.port;
      } catch (err) {
        io.stderr(`tessera scheduler: dashboard not started: ${(err as Error).message}\n`);
      }
    }
    io.stdout(`tessera scheduler at: ${url}   dashboard: ${dashboard ? `http://${shownHost}:${dashPort}/status` : '(not running)'}\n`);
    const signal = await untilSignal();
    io.stderr(`tessera scheduler: ${signal}, shutting down\n`);
    await dashboard?.close().catch(() => {});
    await scheduler.close().catch(() => {});
    await server?.stop();
    return 0;
  } catch (err) {
    if (err instanceof ArgError) {
      io.stderr(`tessera scheduler: ${err.message}\n\n${SCHEDULER_USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

/** Where a worker's chunk port listens and what it advertises. */
function dataHosts(address: string, given: string | undefined): { bind: string; advertise: string } {
  if (given) return { bind: given, advertise: given };
  const host = new URL(address.replace(/^(nats|tls):/, 'http:')).hostname;
  if (/^(127\.|localhost$|\[?::1\]?$)/.test(host)) return { bind: '127.0.0.1', advertise: '127.0.0.1' };
  const ipv4 = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  return { bind: '0.0.0.0', advertise: ipv4?.address ?? hostname() };
}

export async function workerCommand(args: string[], io: IO): Promise<number> {
  let parsed;
  try {
    parsed = parse(args, {
      nthreads: 'value', 'memory-limit': 'value', name: 'value', token: 'value', user: 'value', password: 'value',
      'credentials-file': 'value', 'tls-ca': 'value', 'heartbeat-ms': 'value', 'data-host': 'value',
    });
  } catch (err) {
    io.stderr(`tessera worker: ${(err as Error).message}\n\n${WORKER_USAGE}\n`);
    return 2;
  }
  const { opts, positional } = parsed;
  if (opts.help) {
    io.stdout(WORKER_USAGE + '\n');
    return 0;
  }
  try {
    if (positional.length !== 1) throw new ArgError(positional.length ? `one ADDRESS expected, got ${positional.length}` : 'missing the scheduler ADDRESS (e.g. nats://127.0.0.1:8786)');
    const address = positional[0]!;
    if (!/^(nats|tls):\/\//.test(address)) throw new ArgError(`ADDRESS must look like nats://HOST:PORT, got ${JSON.stringify(address)}`);
    const nthreads = int(opts, 'nthreads', 1) ?? 1;
    let memoryLimit: number | undefined;
    if (typeof opts['memory-limit'] === 'string') {
      try {
        memoryLimit = parseBytes(opts['memory-limit']);
      } catch (err) {
        throw new ArgError((err as Error).message);
      }
    }
    let auth: Auth | undefined;
    if (typeof opts.token === 'string') auth = { token: opts.token };
    else if (typeof opts.user === 'string') auth = { user: opts.user, pass: (opts.password as string | undefined) ?? '' };
    else if (process.env.TESSERA_TOKEN) auth = { token: process.env.TESSERA_TOKEN };
    else {
      const token = readToken((opts['credentials-file'] as string | undefined) ?? defaultCredentials());
      if (token) auth = { token };
    }
    const heartbeatMs = int(opts, 'heartbeat-ms', 10) ?? 1000;
    const transport = await connectNats(address, { auth, name: `tessera-worker`, tls: opts['tls-ca'] ? { caFile: opts['tls-ca'] as string } : undefined });
    // The chunk port (dataplane.ts): plain TCP, so only without TLS; guarded by the token.
    const tls = address.startsWith('tls:') || !!opts['tls-ca'];
    const secret = auth?.token ?? auth?.pass;
    let data = tls ? undefined : dataHosts(address, opts['data-host'] as string | undefined);
    if (data && !secret && !/^(127\.|localhost$)/.test(data.bind)) {
      // like the scheduler: nothing listens beyond loopback without credentials
      io.stderr(`tessera worker: no cluster token, so no chunk port on ${data.bind}; chunks travel through NATS\n`);
      data = undefined;
    }
    const worker = new Worker(transport, {
      name: opts.name as string | undefined, nthreads, memoryLimit, heartbeatMs, log: (l) => io.stderr(l + '\n'),
      data: data ? { ...data, secret } : undefined,
    });
    await worker.start();
    io.stdout(`tessera worker ${worker.name}: ${nthreads} thread${nthreads > 1 ? 's' : ''}, memory limit ${worker.memoryLimit} bytes, connected to ${address}\n`);
    const signal = await untilSignal();
    io.stderr(`tessera worker ${worker.name}: ${signal}, shutting down\n`);
    await worker.close().catch(() => {});
    return 0;
  } catch (err) {
    if (err instanceof ArgError) {
      io.stderr(`tessera worker: ${err.message}\n\n${WORKER_USAGE}\n`);
      return 2;
    }
    throw err;
  }
}
