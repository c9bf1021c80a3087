// Starting `nats-server -js` as the scheduler's child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  host?: string;
  /** -1 or 0: any free port. */
  port?: number;
  auth?: { token?: string; user?: string; pass?: string };
  tls?: { cert: string; key: string; ca?: string };
  /** The nats-server executable (default: `nats-server` on PATH, or TESSERA_NATS_SERVER). */
  executable?: string;
  /** Kill the server if this process dies (default true). */
  tiedToParent?: boolean;
}

export interface NatsServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export const NATS_MISSING =
  'nats-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install nats-server`; ' +
  'other systems: https://docs.nats.io/running-a-nats-service/introduction/installation), set TESSERA_NATS_SERVER ' +
  'to its path, or join a running server started with JetStream (`nats-server -js`) with --nats nats://HOST:PORT.';

export function natsServerAvailable(executable = process.env.TESSERA_NATS_SERVER || 'nats-server'): boolean {
  const r = spawnSync(executable, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const exe = options.executable ?? process.env.TESSERA_NATS_SERVER ?? 'nats-server';
  if (!natsServerAvailable(exe)) throw new Error(NATS_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-nats-'));
  const host = options.host ?? '127.0.0.1';
  const port = options.port === undefined ? 8786 : options.port <= 0 ? -1 : options.port;
  const conf = join(dir, 'nats.conf');
  // max_payload: stored chunks travel in pieces of <= 8 MiB; plan inputs may be larger.
  const lines = ['max_payload: 67108864'];
  const { auth } = options;
  if (auth?.token) lines.push(`authorization { token: ${JSON.stringify(auth.token)} }`);
  else if (auth?.user) lines.push(`authorization { user: ${JSON.stringify(auth.user)}, password: ${JSON.stringify(auth.pass ?? '')} }`);
  writeFileSync(conf, lines.join('\n') + '\n', { mode: 0o600 });
  const args = ['-c', conf, '-js', '-sd', join(dir, 'js'), '-a', host, '-p', String(port), '--ports_file_dir', dir];
  if (options.tls) {
    args.push('--tls', '--tlscert', options.tls.cert, '--tlskey', options.tls.key);
    if (options.tls.ca) args.push('--tlscacert', options.tls.ca);
  }
  let child: ChildProcess;
  if (options.tiedToParent ?? true) {
    // A watcher shell stops the server when this process dies, even by SIGKILL.
    const script = `"$0" "$@" & n=$!; trap 'kill $n 2>/dev/null; wait $n; exit 0' TERM INT; ` +
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 $n 2>/dev/null; do sleep 1; done; kill $n 2>/dev/null; wait $n`;
    child = spawn('sh', ['-c', script, exe, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const t0 = Date.now();
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (code ${child.exitCode}):\n${log}`);
    if (Date.now() - t0 > 15_000) {
      child.kill('SIGTERM');
      throw new Error(`nats-server did not start within 15 s:\n${log}`);
    }
    const f = readdirSync(dir).find((x) => x.endsWith('.ports'));
    if (f) {
      try {
        const ports = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nats?: string[] };
        url = ports.nats?.[0];
      } catch {
        /* being written */
      }
    }
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  const m = /:(\d+)$/.exec(url)!;
  const actualPort = Number(m[1]);
  // Listening on every interface: show an address other machines can use.
  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const shownHost = host === '0.0.0.0' || host === '::' ? (external ?? url.replace(/^\w+:\/\//, '').replace(/:\d+$/, '')) : host;
  return {
    url: `nats://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`,
    host: shownHost,
    port: actualPort,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
