// Deterministic tokens for `pure: true` keys, in the spirit of dask.base.tokenize: equal inputs give
// equal tokens within a process; objects that cannot be described by value (class instances,
// closures) are identified by object identity, so distinct closures never collide.
import { createHash, randomUUID } from 'node:crypto';

const DELAYED = Symbol.for('tessera.delayed');

/** Brand shared by every Delayed so modules can recognize one without importing the class. */
export const DELAYED_BRAND: unique symbol = DELAYED as never;

export function isDelayedLike(x: unknown): x is { readonly key: string } {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DELAYED] === true;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A process-unique number for an object or function (stable for its lifetime). */
export function identityOf(o: object): number {
  let id = identities.get(o);
  if (id === undefined) {
    id = ++nextIdentity;
    identities.set(o, id);
  }
  return id;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function normalize(x: unknown, out: string[], seen: Set<object>): void {
  switch (typeof x) {
    case 'number':
      out.push(Object.is(x, -0) ? 'n:-0' : `n:${x}`);
      return;
    case 'string':
      out.push(`s:${x.length}:${x}`);
      return;
    case 'boolean':
      out.push(x ? 'b:1' : 'b:0');
      return;
    case 'undefined':
      out.push('u');
      return;
    case 'bigint':
      out.push(`i:${x}`);
      return;
    case 'symbol':
      out.push(`y:${identityOfSymbol(x)}`);
      return;
    case 'function': {
      const ref = (x as { moduleRef?: { url: string; exportName: string } }).moduleRef;
      out.push(ref ? `M:${ref.url}#${ref.exportName}` : `f:${identityOf(x)}`);
      return;
    }
  }
  if (x === null) {
    out.push('null');
    return;
  }
  const o = x as object;
  if (isDelayedLike(o)) {
    out.push(`D:${o.key}`);
    return;
  }
  if (seen.has(o)) {
    out.push(`cycle:${identityOf(o)}`);
    return;
  }
  seen.add(o);
  try {
    if (Array.isArray(o)) {
      out.push(`[${o.length}`);
      for (const v of o) normalize(v, out, seen);
      out.push(']');
    } else if (ArrayBuffer.isView(o)) {
      const bytes = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      out.push(`t:${o.constructor.name}:${o.byteLength}:${createHash('md5').update(bytes).digest('hex')}`);
    } else if (o instanceof Date) {
      out.push(`d:${o.getTime()}`);
    } else if (o instanceof Map) {
      out.push(`map{${o.size}`);
      for (const [k, v] of o) {
        normalize(k, out, seen);
        normalize(v, out, seen);
      }
      out.push('}');
    } else if (o instanceof Set) {
      out.push(`set{${o.size}`);
      for (const v of o) normalize(v, out, seen);
      out.push('}');
    } else if (isPlainObject(o)) {
      const keys = Object.keys(o).sort();
      out.push(`{${keys.length}`);
      for (const k of keys) {
        out.push(`k:${k.length}:${k}`);
        normalize(o[k], out, seen);
      }
      out.push('}');
    } else {
      // Unknown class instance: only identity is safe (its state may change behind our back).
      out.push(`o:${identityOf(o)}`);
    }
  } finally {
    seen.delete(o);
  }
}

const symbolIds = new Map<symbol, number>();
function identityOfSymbol(s: symbol): number {
  let id = symbolIds.get(s);
  if (id === undefined) {
    id = symbolIds.size + 1;
    symbolIds.set(s, id);
  }
  return id;
}

/** A 32-hex-digit token: deterministic for equal inputs. */
export function tokenize(...values: unknown[]): string {
  const out: string[] = [];
  normalize(values, out, new Set());
  return createHash('md5').update(out.join('\u0001')).digest('hex');
}

/** A random 32-hex-digit token (impure calls, like Dask's uuid4 keys). */
export function randomToken(): string {
  return randomUUID().replace(/-/g, '');
}
