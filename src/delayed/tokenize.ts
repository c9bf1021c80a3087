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

/** A step of the walk: a value to describe, text to emit, or leaving a container (cycle check). */
type Step = { v: unknown } | { text: string; leave?: object };

/** Describe one scalar into `out`; false when `x` is an object (described by the walk). */
function normalizeScalar(x: unknown, out: string[]): boolean {
  switch (typeof x) {
    case 'number':
      out.push(Object.is(x, -0) ? 'n:-0' : `n:${x}`);
      return true;
    case 'string':
      out.push(`s:${x.length}:${x}`);
      return true;
    case 'boolean':
      out.push(x ? 'b:1' : 'b:0');
      return true;
    case 'undefined':
      out.push('u');
      return true;
    case 'bigint':
      out.push(`i:${x}`);
      return true;
    case 'symbol':
      out.push(`y:${identityOfSymbol(x)}`);
      return true;
    case 'function': {
      const ref = (x as { moduleRef?: { url: string; exportName: string } }).moduleRef;
      out.push(ref ? `M:${ref.url}#${ref.exportName}` : `f:${identityOf(x)}`);
      return true;
    }
  }
  if (x === null) {
    out.push('null');
    return true;
  }
  return false;
}

/**
 * Describe `root` into `out`. An explicit stack instead of recursion, so deeply nested values
 * don't overflow it; `seen` holds the containers on the current path (a repeat there is a cycle).
 */
function normalize(root: unknown, out: string[], seen: Set<object>): void {
  const stack: Step[] = [{ v: root }];
  while (stack.length) {
    const step = stack.pop()!;
    if ('text' in step) {
      out.push(step.text);
      if (step.leave) seen.delete(step.leave);
      continue;
    }
    const x = step.v;
    if (normalizeScalar(x, out)) continue;
    const o = x as object;
    if (isDelayedLike(o)) {
      out.push(`D:${o.key}`);
      continue;
    }
    if (seen.has(o)) {
      out.push(`cycle:${identityOf(o)}`);
      continue;
    }
    // Children are pushed last-first so they are described in order.
    const open = (head: string, children: Step[], close: string): void => {
      seen.add(o);
      out.push(head);
      stack.push({ text: close, leave: o });
      for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]!);
    };
    if (Array.isArray(o)) {
      open(`[${o.length}`, Array.from(o, (v): Step => ({ v })), ']');
    } else if (ArrayBuffer.isView(o)) {
      const bytes = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      out.push(`t:${o.constructor.name}:${o.byteLength}:${createHash('md5').update(bytes).digest('hex')}`);
    } else if (o instanceof Date) {
      out.push(`d:${o.getTime()}`);
    } else if (o instanceof Map) {
      open(`map{${o.size}`, [...o].flatMap(([k, v]): Step[] => [{ v: k }, { v }]), '}');
    } else if (o instanceof Set) {
      open(`set{${o.size}`, [...o].map((v): Step => ({ v })), '}');
    } else if (isPlainObject(o)) {
      const keys = Object.keys(o).sort();
      open(`{${keys.length}`, keys.flatMap((k): Step[] => [{ text: `k:${k.length}:${k}` }, { v: o[k] }]), '}');
    } else {
      // Unknown class instance: only identity is safe (its state may change behind our back).
      out.push(`o:${identityOf(o)}`);
    }
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
