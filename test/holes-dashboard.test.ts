// The dashboard answers only Host headers naming it (DNS rebinding; issue 13, item 4).
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboard, DashboardEventHub, type Dashboard } from '../src/dashboard/index.js';

const open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function start(options: Parameters<typeof startDashboard>[0] = {}): Promise<Dashboard> {
  const d = await startDashboard({ port: 0, source: new DashboardEventHub(), ...options });
  open.push(d);
  return d;
}

/** A raw HTTP/1.1 request (the client sends exactly these headers); resolves with the status line's code. */
function raw(port: number, lines: string[], address = '127.0.0.1'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, address);
    let text = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${lines.join('\r\n')}\r\n\r\n`));
    s.on('data', (d: string) => {
      text += d;
      // Enough once the headers (and a short body) are in; SSE streams never end.
      if (/\r\n\r\n/.test(text)) setTimeout(() => s.destroy(), 50);
    });
    s.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    s.on('error', reject);
  });
}

const get = (port: number, path: string, host: string | undefined, extra: string[] = []) =>
  raw(port, [`GET ${path} HTTP/1.1`, ...(host === undefined ? [] : [`Host: ${host}`]), 'Connection: close', ...extra]);

describe('dashboard Host header check', () => {
  it('answers 403 on every route, SSE and upgrades included, for a foreign Host', async () => {
    const d = await start();
    for (const path of ['/api/state', '/status', '/', '/events', '/metrics', '/health', '/api/graph.svg', '/nope']) {
      const r = await get(d.port, path, 'attacker.example');
      expect(r.status, path).toBe(403);
      expect(r.text).not.toMatch(/"workers"|tessera_/);
    }
    expect((await get(d.port, '/api/state', `attacker.example:${d.port}`)).status).toBe(403);
    expect((await get(d.port, '/api/state', '127.0.0.1.attacker.example')).status).toBe(403);
    expect((await get(d.port, '/api/state', 'localhost.attacker.example')).status).toBe(403);
    const up = await get(d.port, '/events', 'attacker.example', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']);
    expect(up.status).toBe(403);
  });

  it('answers loopback names and addresses, with or without the port', async () => {
    const d = await start();
    for (const host of [`127.0.0.1:${d.port}`, '127.0.0.1', `localhost:${d.port}`, 'LOCALHOST', 'localhost.', `app.localhost:${d.port}`, '127.0.0.2', `[::1]:${d.port}`]) {
      const r = await get(d.port, '/api/state', host);
      expect(r.status, host).toBe(200);
      expect(r.text).toMatch(/"workers"/);
    }
    expect((await raw(d.port, ['GET /api/state HTTP/1.0'])).text).toMatch(/^HTTP\/1\.1 200/); // no Host: not a browser
  });

  it('on all interfaces answers this machine\'s name and addresses, and options.allowedHosts', async () => {
    const d = await start({ host: '0.0.0.0', auth: { token: 't' }, allowedHosts: ['dash.example.org'] });
    const auth = `Authorization: Bearer t`;
    expect((await get(d.port, '/api/state', hostname(), [auth])).status).toBe(200);
    expect((await get(d.port, '/api/state', 'dash.example.org:443', [auth])).status).toBe(200);
    expect((await get(d.port, '/api/state', 'attacker.example', [auth])).status).toBe(403);
    const any = await start({ allowedHosts: ['*'] });
    expect((await get(any.port, '/api/state', 'attacker.example')).status).toBe(200);
    await expect(startDashboard({ port: 0, allowedHosts: 'x' as never })).rejects.toThrow(/options\.allowedHosts must be an array/);
  });
});
