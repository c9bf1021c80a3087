// `tessera scheduler` and `tessera worker` (registered in src/cli.ts's COMMANDS).
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { logLevel, makeLog, plural } from '../cli-text.js';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectNats, sleep, type Auth, type NatsTransport } from './nats.js';
import { addressPort, defaultTokenFile, discoverAuth, keptToken, readTokenFile, writeTokenFile } from './credentials.js';
import { SUBJECTS } from './protocol.js';
import { Scheduler } from './scheduler.js';
import { Worker } from './worker.js';
import { startNatsServer, isLoopback, type NatsServer } from './server.js';
import { parseBytes } from './protocol.js';

interface IO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class ArgError extends Error {}

/** @internal */
export const SCHEDULER_USAGE = `usage: tessera scheduler [options]

Starts nats-server with JetStream (a child process) and the tessera scheduler on it.

options:
  --host HOST            listen address (default 127.0.0.1)
  --port N               NATS port (default 8786; 0 = any free port)
  --dashboard-port N     dashboard HTTP port (default: NATS port + 1, another free one if taken)
  --no-dashboard         do not serve the dashboard
  --nats URL             join a running nats-server (started with -js) instead of starting one
  --token-file F         require the token in F (default: TESSERA_TOKEN, else a generated one)
  --user USER --password-file F   require a user and the password in F instead
  --credentials-file F   where the token is written, mode 0600, for local workers and clients
                         (default $XDG_RUNTIME_DIR/tessera/scheduler-PORT.token, else
                         ~/.tessera/scheduler-PORT.token)
  --no-auth              no credentials (loopback only): any local user can then submit tasks
  --tls --tlscert F --tlskey F [--tlscacert F]   TLS, passed through to nats-server
  --heartbeat-ms N       heartbeat interval (default 1000); workers silent 3 intervals are dead
  --ack-wait-ms N        a task whose worker stops answering is redelivered after N ms (default 5000)
  --max-tries N          a task whose workers died N times fails its compute (default 3)
  --no-workers-timeout-ms MS  a compute waiting with no live worker fails after MS (default 60000)
  -h, --help             this help

examples:
  tessera scheduler                          # loopback, port 8786, a generated token
  tessera scheduler --host 0.0.0.0 --token-file ~/.tessera/token --dashboard-port 8787
  tessera scheduler --nats nats://10.0.0.5:4222 --no-dashboard

environment:
  TESSERA_TOKEN          the cluster token when --token-file is not given
  TESSERA_NATS_SERVER    the nats-server executable (default: nats-server on PATH)
  TESSERA_LOG            debug | info | warn | error | silent (default info); lines go to stderr
  TESSERA_NUM_THREADS    native threads of this process (default: all cores)`;

/** @internal */
export const WORKER_USAGE = `usage: tessera worker ADDRESS [options]

Connects to a scheduler (ADDRESS like nats://127.0.0.1:8786) and runs its tasks.

options:
  --nthreads N           native threads (default: the number of cores, as dask-worker)
  --memory-limit SIZE    bytes of stored chunks, e.g. 4GiB (default 4GiB); spills chunks to disk past 70% (Dask's thresholds)
  --spill-directory DIR  where spilled chunks go (a NAME-PID subdirectory, removed on shutdown;
                         default: the OS temp directory), as dask-worker's --local-directory
  --name NAME            worker name (default HOST-PID)
  --modules DIR          import task modules only from under DIR (repeatable; default: the
                         working directory); never node:, data: or http(s): URLs
  --token-file F         read the token from F (default: TESSERA_TOKEN, else the token file a
                         local scheduler on ADDRESS's port wrote)
  --user USER --password-file F
  --death-timeout S      exit after S seconds without a scheduler (default 60)
  --tls-ca F             trust this CA for a TLS server
  --data-host HOST       address peers and clients reach this worker's chunk port at (default:
                         loopback when ADDRESS is loopback, else this machine's first IPv4);
                         off with TLS (chunks then travel through NATS)
  --heartbeat-ms N       heartbeat interval (default 1000)
  -h, --help             this help

examples:
  tessera worker nats://127.0.0.1:8786                  # token from the local scheduler's file
  tessera worker nats://10.0.0.5:8786 --nthreads 8 --memory-limit 16GiB --token-file ~/.tessera/token
  tessera worker tls://sched.example:8786 --tls-ca ca.pem --modules ./tasks

environment:
  TESSERA_TOKEN          the cluster token when --token-file is not given
  TESSERA_LOG            debug | info | warn | error | silent (default info); lines go to stderr`;

type Opts = Record<string, string | true | string[]>;

function parse(args: string[], flags: Record<string, 'value' | 'bool' | 'list'>): { opts: Opts; positional: string[] } {
  const opts: Opts = {};
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
    if (name === 'token' || name === 'password') {
      // a secret on the command line is visible to every local user in `ps`
      throw new ArgError(`--${name} is not accepted (command lines are visible in ps): put it in a mode-0600 file and pass --${name}-file FILE, or set TESSERA_TOKEN`);
    }
    if (!kind) throw new ArgError(`unknown option --${name}`);
    if (kind === 'bool') opts[name] = true;
    else {
      const v = inline ?? args[++i];
      if (v === undefined) throw new ArgError(`--${name} needs a value`);
      if (kind === 'list') opts[name] = [...((opts[name] as string[] | undefined) ?? []), v];
      else opts[name] = v;
    }
  }
  return { opts, positional };
}

function int(opts: Opts, name: string, min: number): number | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new ArgError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

const str = (opts: Opts, name: string): string | undefined => (typeof opts[name] === 'string' ? (opts[name] as string) : undefined);

/** `fn()`, its errors (a token file missing, empty or readable by others) as argument errors. */
function asArgError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof ArgError ? err : new ArgError((err as Error).message.replace(/^tessera: /, ''));
  }
}

/** Credentials from --token-file / --user + --password-file. */
function fileAuth(opts: Opts): Auth | undefined {
  return asArgError(() => {
    const tokenFile = str(opts, 'token-file');
    if (tokenFile) return { token: readTokenFile(tokenFile) };
    const user = str(opts, 'user');
    if (!user) return undefined;
    const pw = str(opts, 'password-file');
    if (!pw) throw new ArgError('--user needs --password-file');
    return { user, pass: readTokenFile(pw) };
  });
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

/** Parses a command's flags; a usage error (exit 2) or --help (exit 0) is answered here. */
function parseCommand(
  name: string,
  args: string[],
  flags: Record<string, 'value' | 'bool' | 'list'>,
  usage: string,
  io: IO,
): { opts: Opts; positional: string[] } | number {
  let parsed;
  try {
    parsed = parse(args, flags);
  } catch (err) {
    io.stderr(`tessera ${name}: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (parsed.opts.help) {
    io.stdout(usage + '\n');
    return 0;
  }
  return parsed;
}

export async function schedulerCommand(args: string[], io: IO): Promise<number> {
  const parsed = parseCommand('scheduler', args, {
      host: 'value', port: 'value', 'dashboard-port': 'value', nats: 'value', 'token-file': 'value', user: 'value', 'password-file': 'value',
      'require-auth': 'bool', 'no-auth': 'bool', 'credentials-file': 'value', tls: 'bool', tlscert: 'value', tlskey: 'value', tlscacert: 'value',
      'heartbeat-ms': 'value', 'ack-wait-ms': 'value', 'max-tries': 'value', 'no-dashboard': 'bool',
      'no-workers-timeout-ms': 'value',
    }, SCHEDULER_USAGE, io);
  if (typeof parsed === 'number') return parsed;
  const { opts, positional } = parsed;
  try {
    if (positional.length) throw new ArgError(`unexpected argument ${JSON.stringify(positional[0])}`);
    const host = (opts.host as string | undefined) ?? '127.0.0.1';
    const port = int(opts, 'port', 0) ?? 8786;
    const heartbeatMs = int(opts, 'heartbeat-ms', 10) ?? 1000;
    const ackWaitMs = int(opts, 'ack-wait-ms', 100) ?? 5000;
    const maxTries = int(opts, 'max-tries', 1) ?? 3;
    const noWorkersTimeoutMs = int(opts, 'no-workers-timeout-ms', 0) ?? 60_000;
    if (opts.tls && (!opts.tlscert || !opts.tlskey)) throw new ArgError('--tls needs --tlscert and --tlskey');
    // Credentials by default on every interface, loopback included: on a shared machine any local
    // user could otherwise submit tasks. `--no-auth` opts out, on loopback only.
    let auth = fileAuth(opts);
    if (opts['no-auth']) {
      if (auth) throw new ArgError('--no-auth contradicts --token-file / --user');
      if (!opts.nats && !isLoopback(host)) throw new ArgError(`--no-auth is refused on ${host} (not loopback): anyone who reaches the port could run tasks`);
    } else if (!auth && process.env.TESSERA_TOKEN) auth = { token: process.env.TESSERA_TOKEN };
    // joining a running nats-server: its own configuration decides; a token given is used
    const generated = !auth && !opts['no-auth'] && !opts.nats;
    // A scheduler restarted on the same port keeps the token of its file: workers and clients
    // holding it reconnect by themselves. Delete the file to rotate the token.
    const kept = str(opts, 'credentials-file') ?? (port > 0 ? defaultTokenFile(port) : undefined);
    if (generated) auth = { token: (kept && asArgError(() => keptToken(kept))) || randomBytes(24).toString('hex') };
    let server: NatsServer | undefined;
    let url = opts.nats as string | undefined;
    if (!url) {
      server = await startNatsServer({
        host, port, auth,
        tls: opts.tls ? { cert: opts.tlscert as string, key: opts.tlskey as string, ca: opts.tlscacert as string | undefined } : undefined,
      }).catch((err: Error) => {
        // another scheduler (or anything) on the port: one line, not nats-server's log
        if (/address already in use/i.test(err.message)) throw new PortTaken(host, port);
        throw err;
      });
      url = server.url;
    }
    // A generated token goes to a 0600 file (never stdout) where local workers and clients look
    // for it; a token given (--token-file, TESSERA_TOKEN) only with --credentials-file.
    let tokenFile: string | undefined;
    if (auth?.token && (generated || str(opts, 'credentials-file'))) {
      tokenFile = str(opts, 'credentials-file') ?? defaultTokenFile(addressPort(url));
      writeTokenFile(tokenFile, auth.token);
    }
    const transport = await connectNats(url.replace(/^nats:/, opts.tls ? 'tls:' : 'nats:'), {
      auth, setup: true, ackWaitMs, name: 'tessera-scheduler', tls: opts.tls ? (opts.tlscacert ? { caFile: opts.tlscacert as string } : true) : undefined,
    }).catch(async (err) => {
      await server?.stop();
      throw err;
    });
    const scheduler = new Scheduler(transport, { heartbeatMs, maxTries, noWorkersTimeoutMs, log: makeLog(io.stderr, { level: logLevel(), timestamps: true }) });
    await scheduler.start();
    const shownHost = server?.host ?? new URL(url).hostname;
    const askedDashPort = int(opts, 'dashboard-port', 0);
    let dashPort = askedDashPort ?? (port === 0 && server ? 0 : (server?.port ?? Number(new URL(url).port || 4222)) + 1);
    // The dashboard (src/dashboard) fed by this scheduler's events; same credentials as NATS.
    let dashboard: { port: number; close(): Promise<void> } | undefined;
    if (!opts['no-dashboard']) {
      try {
        const { startDashboard, schedulerEventSource } = await import('../dashboard/index.js');
        const start = (p: number): ReturnType<typeof startDashboard> =>
          startDashboard({
            port: p,
            host,
            source: schedulerEventSource(scheduler.events),
            auth: auth?.token ? { token: auth.token } : auth?.user ? { username: auth.user, password: auth.pass ?? '' } : undefined,
          });
        // like Dask's: the default port taken (another scheduler's dashboard?) → any free port
        dashboard = await start(dashPort).catch((err: Error) => {
          if (askedDashPort !== undefined || !/in use/.test(err.message)) throw err;
          io.stderr(`tessera scheduler: dashboard port ${dashPort} is already in use; serving the dashboard on another port (--dashboard-port N to choose)\n`);
          return start(0);
        });
        dashPort = dashboard.port;
      } catch (err) {
        io.stderr(`tessera scheduler: dashboard not started: ${(err as Error).message}\n`);
      }
    }
    if (tokenFile) io.stderr(`tessera scheduler: credentials required; the token is in ${tokenFile} (mode 0600), where local workers and clients find it\n`);
    else if (auth) io.stderr(`tessera scheduler: credentials required (${auth.user ? `user ${auth.user}` : 'the token given'})\n`);
    else io.stderr(`tessera scheduler: WARNING: no credentials required${opts.nats ? ' by this scheduler (the nats-server decides)' : ''}: any local user can run tasks on the workers\n`);
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
    if (err instanceof PortTaken) {
      io.stderr(`tessera scheduler: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

class PortTaken extends Error {
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use (another tessera scheduler?); choose another with --port N (--port 0 picks a free one)`);
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
  const parsed = parseCommand('worker', args, {
      nthreads: 'value', 'memory-limit': 'value', 'spill-directory': 'value', name: 'value', 'token-file': 'value', user: 'value', 'password-file': 'value',
      'tls-ca': 'value', 'heartbeat-ms': 'value', 'data-host': 'value', modules: 'list', 'death-timeout': 'value',
    }, WORKER_USAGE, io);
  if (typeof parsed === 'number') return parsed;
  const { opts, positional } = parsed;
  try {
    if (positional.length !== 1) throw new ArgError(positional.length ? `one ADDRESS expected, got ${positional.length}` : 'missing the scheduler ADDRESS (e.g. nats://127.0.0.1:8786)');
    const address = positional[0]!;
    if (!/^(nats|tls):\/\//.test(address)) throw new ArgError(`ADDRESS must look like nats://HOST:PORT, got ${JSON.stringify(address)}`);
    const nthreads = int(opts, 'nthreads', 1) ?? availableParallelism(); // dask-worker's default: all cores
    let memoryLimit: number | undefined;
    if (typeof opts['memory-limit'] === 'string') {
      try {
        memoryLimit = parseBytes(opts['memory-limit']);
      } catch (err) {
        throw new ArgError((err as Error).message);
      }
    }
    const spillDir = str(opts, 'spill-directory');
    if (spillDir !== undefined && (spillDir === '' || (existsSync(spillDir) && !statSync(spillDir).isDirectory()))) {
      throw new ArgError(`--spill-directory must name a directory (created if missing), got ${JSON.stringify(spillDir)}`);
    }
    const given = fileAuth(opts);
    const heartbeatMs = int(opts, 'heartbeat-ms', 10) ?? 1000;
    const deathTimeout = str(opts, 'death-timeout') ?? '60';
    const deathMs = Number(deathTimeout) * 1000;
    if (!(deathMs > 0) || !Number.isFinite(deathMs)) throw new ArgError(`--death-timeout must be a number of seconds > 0, got ${JSON.stringify(deathTimeout)}`);
    const modules = (opts.modules as string[] | undefined) ?? [process.cwd()];
    const { transport, auth } = await connectWorker(address, given, opts, deathMs, io);
    // The chunk port (dataplane.ts): plain TCP, so only without TLS; guarded by the token.
    const tls = address.startsWith('tls:') || !!opts['tls-ca'];
    const secret = auth?.token ?? auth?.pass;
    let data = tls ? undefined : dataHosts(address, opts['data-host'] as string | undefined);
    if (data && !secret && !/^(127\.|localhost$)/.test(data.bind)) {
      // like the scheduler: nothing listens beyond loopback without credentials
      io.stderr(`tessera worker: no cluster token, so no chunk port on ${data.bind}; chunks travel through NATS\n`);
      data = undefined;
    }
    let worker: Worker;
    try {
      worker = new Worker(transport, {
        name: opts.name as string | undefined, nthreads, memoryLimit, heartbeatMs, log: makeLog(io.stderr, { level: logLevel() }),
        spillDirectory: spillDir === undefined ? undefined : resolve(spillDir),
        data: data ? { ...data, secret } : undefined, modules,
      });
    } catch (err) {
      await transport.close();
      throw new ArgError((err as Error).message.replace(/^modules:/, '--modules:'));
    }
    await worker.start();
    io.stdout(`tessera worker ${worker.name}: ${plural(nthreads, 'thread')}, memory limit ${worker.memoryLimit} bytes, connected to ${address}\n`);
    io.stderr(`tessera worker ${worker.name}: task modules only from under ${modules.map((d) => resolve(d)).join(', ')}\n`);
    const watch = watchScheduler(transport, address, heartbeatMs, deathMs, (l) => io.stderr(`tessera worker ${worker.name}: ${l}\n`));
    const end = await Promise.race([untilSignal(), watch.dead.then(() => 'dead' as const)]);
    watch.stop();
    if (end !== 'dead') io.stderr(`tessera worker ${worker.name}: ${end}, shutting down\n`);
    await worker.close().catch(() => {});
    return end === 'dead' ? 1 : 0;
  } catch (err) {
    if (err instanceof ArgError) {
      io.stderr(`tessera worker: ${err.message}\n\n${WORKER_USAGE}\n`);
      return 2;
    }
    if (err instanceof NoScheduler) {
      io.stderr(`tessera worker: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

class NoScheduler extends Error {}

/**
 * Connect, retrying with backoff while nobody answers (a worker may start before its scheduler,
 * like dask-worker), for at most the death timeout. Credentials not given are looked for again
 * on every try: a scheduler starting later writes its token file then.
 */
async function connectWorker(address: string, given: Auth | undefined, opts: Opts, deathMs: number, io: IO): Promise<{ transport: NatsTransport; auth: Auth | undefined }> {
  const t0 = Date.now();
  let authRefusedAt: number | undefined;
  for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
    const left = deathMs - (Date.now() - t0);
    const auth = given ?? asArgError(() => discoverAuth(address));
    try {
      const transport = await connectNats(address, {
        auth, name: 'tessera-worker', tls: str(opts, 'tls-ca') ? { caFile: str(opts, 'tls-ca')! } : undefined,
        connectTimeoutMs: Math.max(500, Math.min(5000, left)), schedulerWaitMs: Math.max(500, left),
      });
      return { transport, auth };
    } catch (err) {
      const msg = (err as Error).message;
      // A local scheduler opens its port a moment before it writes its token file: a worker that
      // found no credentials may be refused in between, so it retries that for a short grace.
      // Otherwise wrong credentials or TLS: trying again does not help.
      if (!given && !auth && /refused the credentials/.test(msg) && isLoopback(hostOf(address))) {
        authRefusedAt ??= Date.now();
        if (Date.now() - authRefusedAt < 3000) {
          await sleep(250);
          continue;
        }
      }
      if (!/Is `tessera scheduler` running|gave up waiting for the scheduler/.test(msg)) throw err;
      const remaining = deathMs - (Date.now() - t0);
      if (remaining <= 0) throw new NoScheduler(`no scheduler at ${address} within the death timeout (${deathMs / 1000} s, --death-timeout); exiting`);
      const pause = Math.min(wait, remaining);
      io.stderr(`tessera worker: no scheduler at ${address} yet (${msg.replace(/^tessera: /, '')}); retrying in ${(pause / 1000).toFixed(1)} s\n`);
      await sleep(pause);
    }
  }
}

/** The host of a nats:// or tls:// address. */
function hostOf(address: string): string {
  return new URL(address.replace(/^[a-z]+:/, 'http:')).hostname.replace(/^\[|\]$/g, '');
}

/**
 * Follow the scheduler's heartbeats: log its loss and its return; `dead` resolves once it has
 * been silent for `deathMs` (dask-worker's --death-timeout).
 */
function watchScheduler(transport: NatsTransport, address: string, heartbeatMs: number, deathMs: number, log: (line: string) => void): { dead: Promise<void>; stop(): void } {
  let last = Date.now();
  let lost = false;
  const sub = transport.subscribe(SUBJECTS.heartbeat, () => {
    if (lost) log(`the scheduler at ${address} is back`);
    lost = false;
    last = Date.now();
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const dead = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      const silent = Date.now() - last;
      if (!lost && silent > Math.max(3 * heartbeatMs, 2000)) {
        lost = true;
        log(`lost the scheduler at ${address} (silent for ${(silent / 1000).toFixed(1)} s); reconnecting, exiting after ${deathMs / 1000} s without it (--death-timeout)`);
      }
      if (silent > deathMs) {
        log(`no scheduler for ${deathMs / 1000} s (--death-timeout); exiting`);
        resolve();
      }
    }, Math.min(500, heartbeatMs));
  });
  return {
    dead,
    stop: () => {
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
