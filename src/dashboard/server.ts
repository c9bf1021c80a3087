// The dashboard's HTTP server: pages (/status, /workers, /graph), live updates over Server-Sent
// Events (batched: one message per flush interval however many tasks finished), JSON under /api/,
// Prometheus text on /metrics and /health. No dependencies beyond node:http; every asset is served
// from this process (no CDN).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { timingSafeEqual } from 'node:crypto';
import type { HasGraph } from '../graph/types.js';
import { renderDot, toDot } from '../visualize/index.js';
import type { DashboardEventSource } from './events.js';
import { LocalDashboardSource } from './local.js';
import { DashboardState, summarizeCompute } from './state.js';
import { pageHtml, DASHBOARD_CSS, FAVICON, type PageName } from './page.js';
import { clientScript } from './client.js';

/**
 * HTTP credentials: `{ username?, password }` (Basic; username defaults to "tessera"), or
 * `{ token }` (the scheduler's token: `Authorization: Bearer TOKEN`, or Basic with any username
 * and the token as password, which is what a browser prompt sends).
 */
export type DashboardAuth =
  | {
      /** The Basic username (default "tessera"; no ":"). */
      username?: string;
      /** The Basic password (non-empty). */
      password: string;
      /** Not with a password. */
      token?: undefined;
    }
  | {
      /** A bearer token (e.g. the scheduler's `TESSERA_TOKEN`): `Authorization: Bearer TOKEN`, or Basic with any username and the token as password. */
      token: string;
      /** Not with a token. */
      username?: undefined;
      /** Not with a token. */
      password?: undefined;
    };

/**
 * Options of {@link startDashboard} (the role of distributed's `--dashboard-address`). Bad values
 * are a TypeError/RangeError naming the option; a non-loopback host without `auth` is a RangeError.
 */
export interface DashboardOptions {
  /** TCP port (default 8787; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1, loopback). Anything else requires `auth`. */
  host?: string;
  /** HTTP Basic credentials. Required unless the host is loopback. */
  auth?: DashboardAuth;
  /** Where events come from (default: the local native scheduler of this process). */
  source?: DashboardEventSource;
  /** Memory limit shown for the local worker (default: total machine memory). */
  memoryLimit?: number;
  /** Live-update batching interval in ms (default 200). */
  flushMs?: number;
  /** Recent task rectangles kept for pages opened mid-compute (default 20 000). */
  historyTasks?: number;
  /** /graph draws one node per stage above this many tasks (default 40). */
  graphCollapseAbove?: number;
  /**
   * More `Host` header names to answer (e.g. the name a reverse proxy forwards), besides loopback
   * names, the bound address, off loopback this machine's hostname and, when bound to all
   * interfaces, its addresses. `['*']` answers any Host (only behind a proxy that checks it). Other Hosts get 403:
   * that stops DNS rebinding, where a web page's own name resolves to 127.0.0.1.
   */
  allowedHosts?: readonly string[];
}

/**
 * A running dashboard server ({@link startDashboard}; Dask's Bokeh dashboard): pages under
 * {@link Dashboard.url} (/status, /graph, …) with live updates. Close it to free the port.
 * @example
 * ```ts
 * await using dash = await startDashboard({ port: 0 });
 * console.log(dash.url); // e.g. http://127.0.0.1:40123/status
 * ```
 */
export interface Dashboard {
  /** e.g. http://127.0.0.1:8787/status */
  readonly url: string;
  /** The TCP port it listens on (the one picked when `port: 0` was asked). */
  readonly port: number;
  /** The interface it listens on (default 127.0.0.1). */
  readonly host: string;
  /** The state the pages render (workers, computes, task stream), updated from the event source. */
  readonly state: DashboardState;
  /**
   * Stop listening and end open live-update connections (and close the default local event
   * source; a `source` passed in the options stays its owner's). Resolves when the server is
   * closed; calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** `await using dash = await startDashboard()`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

export const DEFAULT_DASHBOARD_PORT = 8787;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/** The host name of a Host header ("name:port", "[v6]:port"), lower case, without a trailing dot. */
function hostHeaderName(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']') >>> 0) : h.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * Which Host headers the server answers (DNS rebinding defence, as Jupyter and Bokeh do): loopback
 * names and addresses (RFC 6761: *.localhost), the bound address, off loopback this machine's
 * hostname, with a wildcard bind its interface addresses, and `allowedHosts`. A request without Host (HTTP/1.0) is not
 * from a browser and is answered.
 */
function hostChecker(bound: string, allowedHosts: readonly string[]): (header: string | undefined) => boolean {
  if (allowedHosts.includes('*')) return () => true;
  const allowed = new Set(['localhost', '::1', bound.toLowerCase(), ...allowedHosts.map(hostHeaderName)]);
  if (!isLoopback(bound)) allowed.add(hostname().toLowerCase());
  if (bound === '0.0.0.0' || bound === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) allowed.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  return (header) => {
    if (header === undefined) return true;
    const name = hostHeaderName(header);
    return allowed.has(name) || name.endsWith('.localhost') || (isIP(name) === 4 && name.startsWith('127.')) || name === '::ffff:127.0.0.1';
  };
}

function checkOptions(options: DashboardOptions): Required<Pick<DashboardOptions, 'port' | 'host' | 'flushMs' | 'graphCollapseAbove' | 'allowedHosts'>> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`startDashboard: options must be an object, got ${String(options)}`);
  const { port = DEFAULT_DASHBOARD_PORT, host = '127.0.0.1', flushMs = 200, graphCollapseAbove = 40, auth, allowedHosts = [] } = options;
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string' || h.length === 0))
    throw new TypeError(`startDashboard: options.allowedHosts must be an array of host names (e.g. ['dash.example.org'], or ['*'] for any), got ${String(allowedHosts)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`startDashboard: options.port must be an integer in 0..65535 (0 = any free port), got ${String(port)}`);
  if (typeof host !== 'string' || host.length === 0) throw new TypeError(`startDashboard: options.host must be a non-empty string, got ${String(host)}`);
  if (typeof flushMs !== 'number' || !(flushMs >= 10 && flushMs <= 10_000))
    throw new RangeError(`startDashboard: options.flushMs must be a number of ms in 10..10000, got ${String(flushMs)}`);
  if (!Number.isInteger(graphCollapseAbove) || graphCollapseAbove < 0)
    throw new RangeError(`startDashboard: options.graphCollapseAbove must be a non-negative integer, got ${String(graphCollapseAbove)}`);
  if (auth !== undefined) {
    const okToken = typeof auth === 'object' && auth !== null && typeof auth.token === 'string' && auth.token.length > 0 && auth.password === undefined;
    const okPassword = typeof auth === 'object' && auth !== null && typeof auth.password === 'string' && auth.password.length > 0 && auth.token === undefined;
    if (!okToken && !okPassword)
      throw new TypeError('startDashboard: options.auth must be { username?: string, password: string } or { token: string }, with a non-empty password or token');
    if (auth.username !== undefined && (typeof auth.username !== 'string' || auth.username.includes(':')))
      throw new TypeError('startDashboard: options.auth.username must be a string without ":"');
  } else if (!isLoopback(host)) {
    throw new RangeError(
      `startDashboard: listening on ${host} (not loopback) requires credentials: pass options.auth = { username, password } ` +
        `(the scheduler passes its own), or listen on 127.0.0.1 and use an SSH tunnel`,
    );
  }
  return { port, host, flushMs, graphCollapseAbove, allowedHosts };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Serve the live dashboard. Without `source` it shows this process's local computes (the native
 * thread pool), turning on per-task timing records for every compute while it is open.
 *
 * ```ts
 * const dash = await startDashboard({ port: 8787 });
 * console.log(dash.url);           // http://127.0.0.1:8787/status
 * await exp(random.random([20000, 20000])).sum().compute();
 * await dash.close();
 * ```
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const { port, host, flushMs, graphCollapseAbove, allowedHosts } = checkOptions(options);
  const state = new DashboardState({ historyTasks: options.historyTasks });
  const source = options.source ?? new LocalDashboardSource({ memoryLimit: options.memoryLimit });
  const ownsSource = options.source === undefined;
  let dirty = true;
  const unsubscribe = source.subscribe((e) => {
    state.apply(e);
    dirty = true;
  });

  const clients = new Set<ServerResponse>();
  let rowsSent = state.rows.length;
  let groupsSent = state.groupNames.length;
  let lastSend = 0;
  let lastSample = 0;

  const flush = (): void => {
    const now = Date.now();
    if (now - lastSample >= 500) {
      state.sampleMemory(now);
      lastSample = now;
    }
    const tasks = state.takePending();
    if (clients.size === 0) {
      rowsSent = state.rows.length;
      groupsSent = state.groupNames.length;
      return;
    }
    if (!dirty && tasks.length === 0 && now - lastSend < 2000) return;
    dirty = false;
    lastSend = now;
    const msg = {
      rowsFrom: rowsSent,
      rows: state.rows.slice(rowsSent),
      groupsFrom: groupsSent,
      groups: state.groupNames.slice(groupsSent),
      tasks,
      snapshot: state.snapshot(),
      memory: state.memorySeries.length ? state.memorySeries[state.memorySeries.length - 1] : undefined,
      graphVersion: state.graphVersion,
    };
    rowsSent = state.rows.length;
    groupsSent = state.groupNames.length;
    const data = `event: update\ndata: ${JSON.stringify(msg)}\n\n`;
    for (const c of clients) c.write(data);
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();

  let graphCache: { version: number; svg: Promise<string> } | undefined;
  const graphSvg = (): Promise<string> => {
    if (!state.graph) return Promise.resolve('');
    if (graphCache?.version !== state.graphVersion) {
      const g = state.graph;
      const collection: HasGraph = { graph: () => g };
      graphCache = { version: state.graphVersion, svg: renderDot(toDot(collection, { collapseAbove: graphCollapseAbove })) };
    }
    return graphCache.svg;
  };

  const auth = options.auth;
  const authorized = (header: string): boolean => {
    if (!auth) return true;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    const given = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    if (auth.token !== undefined) {
      const bearer = /^Bearer\s+(.+)$/i.exec(header);
      if (bearer) return safeEqual(bearer[1]!.trim(), auth.token);
      return basic !== null && safeEqual(given.slice(given.indexOf(':') + 1), auth.token);
    }
    return safeEqual(given, `${auth.username ?? 'tessera'}:${auth.password}`);
  };
  let ready = false;
  let hostAllowed: (header: string | undefined) => boolean = () => false; // set once bound

  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown): void => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!hostAllowed(req.headers.host)) {
      return send(res, 403, 'text/plain', `Host ${JSON.stringify(req.headers.host)} is not allowed: open the dashboard by its address, or pass it in options.allowedHosts\n`);
    }
    if (auth && path !== '/health') {
      if (!authorized(req.headers.authorization ?? '')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="tessera dashboard", charset="UTF-8"', 'content-type': 'text/plain' });
        res.end('credentials required\n');
        return;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/':
        res.writeHead(302, { location: '/status' });
        res.end();
        return;
      case '/status':
      case '/workers':
      case '/graph':
        return send(res, 200, 'text/html; charset=utf-8', pageHtml(path.slice(1) as PageName));
      case '/favicon.ico':
      case '/favicon.svg':
        return send(res, 200, 'image/svg+xml', FAVICON);
      case '/static/dashboard.css':
        return send(res, 200, 'text/css; charset=utf-8', DASHBOARD_CSS);
      case '/static/dashboard.js':
        return send(res, 200, 'text/javascript; charset=utf-8', clientScript());
      case '/health':
        return ready ? send(res, 200, 'text/plain', 'ok\n') : send(res, 503, 'text/plain', 'starting\n');
      case '/metrics':
        return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', state.metrics({ clients: clients.size }));
      case '/api/state':
        return json(res, state.snapshot());
      case '/api/workers':
        return json(res, state.snapshot().workers);
      case '/api/computes':
        // the progress view's rows (counts by state, bytes, elapsed) with their groups
        return json(res, [...state.computes.values()].map((c) => ({ ...summarizeCompute(c), groups: c.groups })));
      case '/api/tasks': {
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        const tasks = state.history(Number.isInteger(limit) && limit >= 0 ? limit : 1000).map(([r, g, s, e, k]) => {
          const [worker, thread] = splitRow(state.rows[r]!);
          return { worker, thread, group: state.groupNames[g], start: s, end: e, kind: ['compute', 'transfer', 'error'][k] };
        });
        return json(res, tasks);
      }
      case '/api/graph': {
        const g = state.graph;
        return json(res, g ? { label: state.graphLabel, version: state.graphVersion, taskCount: g.taskCount, layers: g.layers } : null);
      }
      case '/api/graph.svg': {
        const svg = await graphSvg();
        return svg ? send(res, 200, 'image/svg+xml', svg) : send(res, 404, 'text/plain', 'no graph yet: run a compute\n');
      }
      case '/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        const init = {
          rows: state.rows,
          groups: state.groupNames,
          // Tasks still pending go out with the next update: leave them out here so none is drawn twice.
          tasks: state.history().slice(0, Math.max(0, state.historyLength - state.pending.length)),
          snapshot: state.snapshot(),
          memorySeries: state.memorySeries,
          graphVersion: state.graphVersion,
          flushMs,
        };
        res.write(`retry: 2000\nevent: init\ndata: ${JSON.stringify(init)}\n\n`);
        // Rows/groups appended after this init are re-sent by the next update (from rowsSent on).
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      default:
        return send(res, 404, 'text/plain', `not found: ${path}\n`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${err instanceof Error ? err.message : String(err)}\n`);
      else res.end();
    });
  });
  const listen = (p: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port).catch(async (err: NodeJS.ErrnoException) => {
      // Like Dask's: the default port taken (another dashboard?) → any free port, with a warning.
      // A port asked for explicitly is an error.
      if (err.code !== 'EADDRINUSE' || options.port !== undefined) throw err;
      await listen(0);
      console.warn(`tessera dashboard: port ${port} is already in use; serving the dashboard on port ${(server.address() as AddressInfo).port} instead`);
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    unsubscribe();
    if (ownsSource) source.close?.();
    clearInterval(timer);
    throw err.code === 'EADDRINUSE'
      ? new Error(`startDashboard: port ${port} on ${host} is in use; pass another options.port (0 picks a free one)`, { cause: err })
      : err;
  }
  const addr = server.address() as AddressInfo;
  hostAllowed = hostChecker(addr.address, allowedHosts);
  ready = true;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;
  const dashboard: Dashboard = {
    url: `http://${shownHost}:${addr.port}/status`,
    port: addr.port,
    host: addr.address,
    state,
    [Symbol.asyncDispose](): Promise<void> {
      return dashboard.close();
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        unsubscribe();
        if (ownsSource) source.close?.();
        for (const c of clients) c.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return dashboard;
}

function splitRow(row: string): [string, number] {
  const i = row.lastIndexOf('#');
  return [row.slice(0, i), Number(row.slice(i + 1))];
}
