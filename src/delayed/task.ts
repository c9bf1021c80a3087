// The task vocabulary of Delayed graphs and the walks over it, shared by building (delayed.ts) and
// running (compute.ts, the distributed client) without either importing the other.
import { isPlainObject } from './tokenize.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => unknown;

/** How a task's function is reached: a JS value in this thread, or a module export a worker can import. */
export type Callable =
  | { readonly kind: 'local'; readonly fn: AnyFunction }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string; readonly worker: boolean };

/** The task behind a Delayed (an internal module: not re-exported from the package). Templates keep Delayeds in place; they are replaced at run time. */
export interface TaskSpec {
  readonly key: string;
  /** Operation name: what the task ellipse is labelled with, and the layer it is counted in. */
  readonly name: string;
  /** 'build': a container rebuilt with its Delayeds' values (args[0] is its template; Dask's finalize). */
  readonly kind: 'call' | 'literal' | 'getitem' | 'build';
  readonly callable?: Callable;
  readonly args?: readonly unknown[];
  /** Per argument: does the template contain Delayeds (needs rebuilding)? */
  readonly argHasDelayed?: readonly boolean[];
  readonly value?: unknown;
  readonly index?: number;
  /** For calls: the number of outputs promised by `nout`, checked against the result. */
  readonly nout?: number;
  readonly deps: readonly DelayedNode[];
  /** Label of the data (output) node. */
  readonly label: string;
}

/** What the walks need of a Delayed: its key and its task. */
export interface DelayedNode {
  readonly key: string;
  readonly task: TaskSpec;
}

// The Delayeds this module copy made (the class registers each one): recognizing them here keeps
// this file free of the class, as `instanceof Delayed` would not.
const made = new WeakSet<object>();

/** @internal Called by the Delayed constructor. */
export function registerDelayed(d: DelayedNode): void {
  made.add(d);
}

function isNode(x: object): x is DelayedNode {
  return made.has(x);
}

/** Walk a (possibly nested) argument, collecting the Delayeds in it (in order). Returns true if any was found. */
export function collectDelayeds(x: unknown, out: DelayedNode[], seen = new Set<object>()): boolean {
  let found = false;
  // Pre-order with an explicit stack (children pushed last-first): nesting can be deep.
  const stack: unknown[] = [x];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (isNode(v)) {
      out.push(v);
      found = true;
      continue;
    }
    if (seen.has(v)) continue;
    if (Array.isArray(v)) {
      seen.add(v);
      for (let k = v.length - 1; k >= 0; k--) stack.push(v[k]);
    } else if (isPlainObject(v)) {
      seen.add(v);
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) stack.push(v[keys[k]!]);
    }
  }
  return found;
}

/** Rebuild a template with the computed values of the Delayeds inside it. */
export function substitute(x: unknown, valueOf: (key: string) => unknown): unknown {
  let result: unknown;
  // An explicit stack (children pushed last-first, so they are visited in order): templates can
  // nest deeply. A container met again inside itself maps to its own copy (a cycle is kept).
  type Step = { v: unknown; put: (w: unknown) => void } | { leave: object };
  const onPath = new Map<object, unknown>();
  const stack: Step[] = [{ v: x, put: (w) => (result = w) }];
  while (stack.length) {
    const step = stack.pop()!;
    if ('leave' in step) {
      onPath.delete(step.leave);
      continue;
    }
    const { v, put } = step;
    if (typeof v !== 'object' || v === null) put(v);
    else if (isNode(v)) put(valueOf(v.key));
    else if (onPath.has(v)) put(onPath.get(v));
    else if (Array.isArray(v)) {
      const out = new Array<unknown>(v.length);
      put(out);
      onPath.set(v, out);
      stack.push({ leave: v });
      for (let i = v.length - 1; i >= 0; i--) if (i in v) stack.push({ v: v[i], put: (w) => (out[i] = w) });
    } else if (isPlainObject(v)) {
      const out: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
      put(out);
      onPath.set(v, out);
      stack.push({ leave: v });
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) stack.push({ v: v[keys[k]!], put: (w) => (out[keys[k]!] = w) });
    } else put(v);
  }
  return result;
}

/**
 * Why a call's result breaks its `nout` promise, or undefined when it keeps it: destructured
 * outputs past the end would otherwise be `undefined` silently (`delayed(() => [1], { nout: 2 })`).
 */
export function noutMismatch(value: unknown, nout: number): string | undefined {
  const length = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as { length?: unknown }).length : undefined;
  if (length === nout) return undefined;
  const got = length !== undefined ? `${String(length)} items` : value === null ? 'null' : typeof value;
  return `the function was declared with options.nout = ${nout} but returned ${got}; nout must equal the length of the returned array`;
}

/** Collect the tasks reachable from some Delayeds, dependencies first. */
export function collectTasks(roots: readonly DelayedNode[]): Map<string, TaskSpec> {
  const tasks = new Map<string, TaskSpec>();
  const stack: { d: DelayedNode; expanded: boolean }[] = roots.map((d) => ({ d, expanded: false }));
  const visiting = new Set<string>();
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (tasks.has(top.d.key)) {
      stack.pop();
      continue;
    }
    if (!top.expanded) {
      top.expanded = true;
      visiting.add(top.d.key);
      for (const dep of top.d.task.deps) if (!tasks.has(dep.key) && !visiting.has(dep.key)) stack.push({ d: dep, expanded: false });
    } else {
      stack.pop();
      visiting.delete(top.d.key);
      tasks.set(top.d.key, top.d.task);
    }
  }
  return tasks;
}
