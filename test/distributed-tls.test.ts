// TLS end to end: a throwaway CA and a server certificate for 127.0.0.1/localhost made with the
// openssl CLI at test time; `tessera scheduler --tls --tlscert --tlskey --tlscacert` starts
// nats-server with them, a `tessera worker --tls-ca` joins, a client with the CA computes, and
// clients without the CA or without TLS are refused with a clear error. Skipped only when
// nats-server or openssl is not installed (.ci/run installs both).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exp, random } from '../src/index.js';
import { Client } from '../src/distributed/client.js';
import { natsServerAvailable } from '../src/distributed/server.js';
import { tessera, until, withTimeout, type Proc, tokenFile } from './helpers/distributed.js';

const haveOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const haveNats = natsServerAvailable();
if (!haveNats || !haveOpenssl) console.warn('distributed-tls tests SKIPPED: needs nats-server and openssl (apt-get install nats-server openssl)');

const TOKEN = 'test-token-' + Math.random().toString(36).slice(2);

/** A CA and a server certificate signed by it (EC P-256, valid one day) in `dir`. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=tessera test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '1', '-extfile', f('ext.cnf'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

describe.skipIf(!haveNats || !haveOpenssl)('distributed over TLS', () => {
  const procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  let certs: { ca: string; cert: string; key: string };
  let url: string;
  let client: Client;

  beforeAll(async () => {
    certs = makeCerts(dir);
    const sched = await tessera(procs, ['scheduler', '--port', '0', '--no-dashboard', '--token-file', tokenFile(TOKEN), '--heartbeat-ms', '300',
      '--tls', '--tlscert', certs.cert, '--tlskey', certs.key, '--tlscacert', certs.ca], /tessera scheduler at:/);
    url = /tessera scheduler at: (\S+)/.exec(sched.out)![1]!;
    await tessera(procs, ['worker', url, '--name', 't1', '--token-file', tokenFile(TOKEN), '--heartbeat-ms', '300', '--tls-ca', certs.ca], /tessera worker/);
    client = await Client.connect(url, { auth: { token: TOKEN }, tls: { caFile: certs.ca } });
    await until(async () => (await client.workers()).length === 1, 10_000, 'the worker joining');
  }, 60_000);

  afterAll(async () => {
    if (process.env.DEBUG_DIST) for (const p of procs) console.log(p.child.pid, p.out, p.err);
    await client?.close().catch(() => {});
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a client with the CA computes bit-identical results (nats:// and tls:// addresses)', async () => {
    const x = exp(random.random([400, 300], { seed: 3, chunks: [100, 150] })).sum();
    const want = await x.compute();
    expect(Object.is(await withTimeout(client.compute(x), 20_000, 'compute'), want)).toBe(true);
    const viaTls = await Client.connect(url.replace(/^nats:/, 'tls:'), { auth: { token: TOKEN }, tls: { caFile: certs.ca } });
    try {
      expect(Object.is(await withTimeout(viaTls.compute(x), 20_000, 'compute over tls://'), want)).toBe(true);
    } finally {
      await viaTls.close();
    }
  });

  it('refuses clients that do not trust the CA, with a clear error', async () => {
    // TLS with the system CAs only: the test CA's certificate is not trusted.
    const untrusted = /TLS failed \(.*certificate.*\)\. The server's certificate must be trusted: pass the CA that signed it \(tessera worker --tls-ca FILE/;
    await expect(Client.connect(url, { auth: { token: TOKEN }, tls: true })).rejects.toThrow(untrusted);
    // No TLS options at all (the server requires TLS, so the client tries it with the system CAs).
    await expect(Client.connect(url, { auth: { token: TOKEN } })).rejects.toThrow(untrusted);
    // A CA file that does not exist.
    await expect(Client.connect(url, { auth: { token: TOKEN }, tls: { caFile: join(dir, 'missing.pem') } })).rejects.toThrow(/the TLS CA file \S+missing\.pem does not exist/);
    // A worker without the CA exits with the same explanation.
    const err = await tessera(procs, ['worker', url, '--name', 'nope', '--token-file', tokenFile(TOKEN)], /tessera worker/, 20_000).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/exited with 1[\s\S]*TLS failed[\s\S]*tessera worker --tls-ca FILE/);
  });
});
