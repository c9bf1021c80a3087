// Plan mutators for the fuzzer: a seeded PRNG and structural / numeric / hostile mutations of
// plan values (JSON level) and of decoded native plans (engine level).

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function deep(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Hostile replacement values: wrong types, non-finite, boundary and absurd numbers. */
export function hostileValue(r: Rand): unknown {
  switch (int(r, 0, 29)) {
    case 0: return NaN;
    case 1: return Infinity;
    case 2: return -Infinity;
    case 3: return -1;
    case 4: return 2 ** 53;
    case 5: return 2 ** 31;
    case 6: return -(2 ** 31) - 1;
    case 7: return 1e308;
    case 8: return 0.5;
    case 9: return '1';
    case 10: return null;
    case 11: return true;
    case 12: return [];
    case 13: return {};
    case 14: return 'NaN';
    case 15: return deep(int(r, 2, 3000));
    case 16: return new Array(int(r, 33, 2000)).fill(1);
    case 17: return -0;
    case 18: return 2 ** 62;
    case 19: return Number.MAX_SAFE_INTEGER;
    case 20: return -Number.MAX_SAFE_INTEGER;
    case 21: return 'float16';
    case 22: return 'fma';
    case 23: return undefined;
    case 24: return [[1, 2], [3]];
    case 25: return 64;
    case 26: return 65;
    case 27: return 1e-300;
    case 28: return { role: 'input', name: 'z', dtype: 'float64', length: 1 };
    default: return 2 ** int(r, 20, 60);
  }
}

type Path = (string | number)[];

/** All paths to values inside `v` (objects and arrays), depth-first, bounded. */
export function paths(v: unknown, limit = 4000): Path[] {
  const out: Path[] = [];
  const walk = (x: unknown, p: Path): void => {
    if (out.length >= limit) return;
    out.push(p);
    if (p.length > 8) return; // hostile deep values are leaves here
    if (Array.isArray(x) && x.length > 64) return; // and so are hostile long arrays
    if (Array.isArray(x)) x.forEach((c, i) => walk(c, [...p, i]));
    else if (x && typeof x === 'object') for (const k of Object.keys(x)) walk((x as Record<string, unknown>)[k], [...p, k]);
  };
  walk(v, []);
  return out;
}

function parentOf(root: unknown, p: Path): [Record<string | number, unknown>, string | number] | null {
  if (p.length === 0) return null;
  let cur = root as Record<string | number, unknown>;
  for (let i = 0; i < p.length - 1; i++) cur = cur[p[i]!] as Record<string | number, unknown>;
  return [cur, p[p.length - 1]!];
}

export const clone = <T>(v: T): T => structuredClone(v);

/** One random JSON-level mutation of `plan` (in place); returns a short description. */
export function mutatePlan(r: Rand, plan: Record<string, unknown>): string {
  const all = paths(plan);
  const p = pick(r, all.slice(1));
  const loc = parentOf(plan, p)!;
  const [parent, key] = loc;
  const old = parent[key];
  switch (int(r, 0, 13)) {
    case 0:
    case 1:
    case 2: {
      const v = hostileValue(r);
      parent[key] = v;
      return `set ${p.join('.')} = hostile`;
    }
    case 3:
    case 4:
    case 5: {
      if (typeof old !== 'number') {
        parent[key] = hostileValue(r);
        return `set ${p.join('.')} = hostile`;
      }
      const d = pick(r, [1, -1, 2, -2, 7]);
      const v = pick(r, [old + d, old - d, old * 2, -old, old * 1e9, old + 2 ** 32, Math.floor(old / 2), 0, 1]);
      parent[key] = v;
      return `perturb ${p.join('.')} ${old} → ${v}`;
    }
    case 6:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return `delete ${p.join('.')}`;
    case 7:
      if (Array.isArray(parent)) parent.splice(key as number, 0, clone(old));
      else (parent as Record<string, unknown>)[`x${int(r, 0, 9)}`] = clone(old);
      return `duplicate ${p.join('.')}`;
    case 8:
      if (Array.isArray(old) && old.length > 1) {
        const i = int(r, 0, old.length - 1);
        const j = int(r, 0, old.length - 1);
        [old[i], old[j]] = [old[j], old[i]];
        return `swap ${p.join('.')}[${i},${j}]`;
      }
      parent[key] = hostileValue(r);
      return `set ${p.join('.')} = hostile`;
    case 9:
      plan.version = pick(r, [0, 2, 1.5, '1', null, -1, 2 ** 31]);
      return 'version';
    case 10: {
      const stages = plan.stages as Record<string, unknown>[];
      if (!Array.isArray(stages) || stages.length === 0) return 'noop';
      const st = pick(r, stages);
      if (st && typeof st === 'object' && Array.isArray(st.shape)) {
        const k = int(r, 0, Math.max(0, st.shape.length - 1));
        st.shape[k] = pick(r, [2 ** 40, 2 ** 53, 1e6, 2 ** 31, 0, 3]);
        return `shape ${k}`;
      }
      return 'noop';
    }
    case 11: {
      // Point a buffer reference somewhere else (input, output, scratch, out of range).
      const refs = all.filter((q) => q[q.length - 1] === 'buffer' || (q[0] === 'outputs' && q.length === 2));
      if (!refs.length) return 'noop';
      const q = pick(r, refs);
      const [pp, kk] = parentOf(plan, q)!;
      pp[kk] = int(r, -1, ((plan.buffers as unknown[]) ?? []).length + 1);
      return `rebuffer ${q.join('.')}`;
    }
    case 12: {
      // Unknown op / leaf kind / reduce / role names.
      const named = all.filter((q) => ['kind', 'reduce', 'role', 'dtype'].includes(String(q[q.length - 1])) || (q.includes('program') && q[q.length - 1] === 0));
      if (!named.length) return 'noop';
      const q = pick(r, named);
      const [pp, kk] = parentOf(plan, q)!;
      pp[kk] = pick(r, ['fma', 'LOAD', 'random_gamma', 'median', 'float16', 'scratch', 'input', 'output', 'memory', 'arange', 'sum', 'none', 'load', 'exp', 'add', '']);
      return `rename ${q.join('.')}`;
    }
    default: {
      // Register/leaf/immediate operands in programs.
      const ops = all.filter((q) => q.includes('program') && q.length === 6 && typeof q[5] === 'number' && q[5] > 0);
      if (!ops.length) return 'noop';
      const q = pick(r, ops);
      const [pp, kk] = parentOf(plan, q)!;
      pp[kk] = int(r, -4, 66);
      return `operand ${q.join('.')}`;
    }
  }
}

/** One random mutation of a decoded native plan (engine level); returns a description. */
export function mutateNative(r: Rand, plan: { stages: Record<string, unknown>[] }, nbuffers: number): string {
  const st = pick(r, plan.stages) as Record<string, unknown> & {
    shape: number[];
    chunks: number[][];
    leaves: Record<string, unknown>[];
    program: Int32Array;
    imms: Float64Array;
    sink: Record<string, unknown>;
  };
  const nd = st.shape.length;
  const big = (): number => pick(r, [-1, 2 ** 53, -(2 ** 53), 2 ** 62, 2 ** 31, 1e15, 3, 0, 7, -7, 2 ** 40]);
  switch (int(r, 0, 17)) {
    case 0: st.shape[int(r, 0, Math.max(0, nd - 1))] = big(); return 'shape';
    case 1: st.chunks[int(r, 0, Math.max(0, nd - 1))] = pick(r, [[], [0], [-1, 5], [2 ** 40], [1, 1, 1]]); return 'chunks';
    case 2: { const l = pick(r, st.leaves); if (l) l.offset = big(); return 'leaf.offset'; }
    case 3: { const l = pick(r, st.leaves); if (l) { const s = [...(l.strides as number[])]; s[int(r, 0, Math.max(0, s.length - 1))] = big(); l.strides = s; } return 'leaf.strides'; }
    case 4: { const l = pick(r, st.leaves); if (l) l.strides = (l.strides as number[]).slice(1); return 'leaf.strides.length'; }
    case 5: { const l = pick(r, st.leaves); if (l) l.buffer = int(r, -2, nbuffers + 2); return 'leaf.buffer'; }
    case 6: { const l = pick(r, st.leaves); if (l) l.kind = int(r, -1, 5); return 'leaf.kind'; }
    case 7: { const l = pick(r, st.leaves); if (l) l.seed = pick(r, [2 ** 53, -1, 2 ** 52]); return 'leaf.seed'; }
    case 8: { const p = Int32Array.from(st.program); if (p.length) p[int(r, 0, p.length - 1)] = pick(r, [-1, 8, 15, 23, 64, 65, -(2 ** 31), 2 ** 31 - 1, 0, 1, 2]); st.program = p; return 'program'; }
    case 9: st.program = st.program.subarray(0, int(r, 0, st.program.length)); return 'program.truncate';
    case 10: st.nregs = pick(r, [0, -1, 65, 1, 2 ** 31]); return 'nregs';
    case 11: st.result = pick(r, [-1, 64, 1, 2]); return 'result';
    case 12: st.sink.buffer = int(r, -2, nbuffers + 2); return 'sink.buffer';
    case 13: st.sink.offset = big(); return 'sink.offset';
    case 14: { const s = [...(st.sink.strides as number[])]; s[int(r, 0, Math.max(0, s.length - 1))] = big(); st.sink.strides = s; return 'sink.strides'; }
    case 15: st.sink.reduceAxes = pick(r, [st.shape.map(() => 1), [2], st.shape.map(() => 0), []]); return 'sink.reduceAxes';
    case 16: st.sink.reduce = int(r, -1, 9); st.sink.ddof = pick(r, [NaN, -1, 0, 1e308]); return 'sink.reduce';
    default: st.imms = new Float64Array(0); return 'imms';
  }
}
