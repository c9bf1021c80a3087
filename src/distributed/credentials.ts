// Where a scheduler's token lives and how workers and clients find it. Tokens never travel on a
// command line (visible in `ps`) or on stdout: they come from a file (mode 0600) or TESSERA_TOKEN.
// The scheduler writes its token to one file per port, so local workers and clients find it
// without flags and two schedulers on one machine do not overwrite each other's.
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** $XDG_RUNTIME_DIR/tessera when set (a per-user 0700 tmpfs), else ~/.tessera. */
/** Credentials for the cluster's NATS server: a token, or a user and password. */
export interface Auth {
  token?: string;
  user?: string;
  pass?: string;
}

export function credentialsDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, 'tessera') : join(homedir(), '.tessera');
}

/** The file a scheduler on `port` writes its token to by default. */
export function defaultTokenFile(port: number | string): string {
  return join(credentialsDir(), `scheduler-${port}.token`);
}

/** The port of a nats:// or tls:// address (4222 when none is given). */
export function addressPort(address: string): string {
  try {
    return new URL(address.replace(/^(nats|tls):/, 'http:')).port || '4222';
  } catch {
    return '4222';
  }
}

/** Read a token file; refuses one other users may read (like ssh does with keys). */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    const st = lstatSync(file);
    if ((st.mode & 0o077) !== 0) throw new Error(`tessera: the token file ${file} may be read by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`tessera: the token file ${file} does not exist`, { cause: err });
    throw err;
  }
  const token = text.trim();
  if (!token) throw new Error(`tessera: the token file ${file} is empty`);
  return token;
}

/**
 * Credentials without flags: TESSERA_TOKEN, else the default token file of the scheduler on the
 * address's port when it exists, else none.
 */
export function discoverAuth(address: string): Auth | undefined {
  if (process.env.TESSERA_TOKEN) return { token: process.env.TESSERA_TOKEN };
  const token = keptToken(defaultTokenFile(addressPort(address)));
  return token ? { token } : undefined;
}

/** Write `token` to `file` (mode 0600; its directory made 0700 when created). */
export function writeTokenFile(file: string, token: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // written beside and renamed: the file is never seen half-written or with wider permissions
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The token in `file` when it exists (a previous scheduler's); errors (e.g. its mode) are thrown. */
export function keptToken(file: string): string | undefined {
  try {
    lstatSync(file);
  } catch {
    return undefined;
  }
  return readTokenFile(file);
}
