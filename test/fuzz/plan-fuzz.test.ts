// Plan fuzzer: ≥ 100 000 malformed or hostile plans, generated from a fixed seed by mutating valid
// plans, each of which must either run correctly or be refused with a TypeError/RangeError — never
// crash, hang or return silently wrong numbers.
//
//   A. JSON-level mutations through execute() (the JS decoder is the first line of defence);
//   B. engine-level mutations of decoded plans sent straight to the addon (native validatePlan,
//      the second line of defence);
//   C. value-preserving mutations (re-chunking, key order, meta) that must give the same numbers;
//   D. the kept corpus (test/fuzz/corpus/*.json) replayed with its recorded outcome.
//
// FUZZ_SEED and FUZZ_SCALE (a multiplier on the case counts) override the defaults;
// FUZZ_SAVE=1 rewrites the corpus with one representative per distinct outcome.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DenseArray, NDArray, arange, compute, exportPlan, fromArray, fromNdarray, full, random, type Plan } from '../../src/index.js';
import { decodePlan, execute } from '../../src/embed/plan.js';
import { native, type NativeBufferArg, type NativePlan } from '../../src/native.js';
import { clone, int, mutateNative, mutatePlan, pick, rng, type Rand } from './mutate.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const N_JSON = Math.round(70_000 * SCALE);
const N_NATIVE = Math.round(28_000 * SCALE);
const N_EQUIV = Math.round(2_000 * SCALE);
const CORPUS = join(__dirname, 'corpus');
const LIMITS = { maxElements: 1_000_000, maxBytes: 1 << 24 };

interface Base {
  name: string;
  plan: Plan;
  inputs: Record<string, Float64Array | Float32Array>;
  expected: (number | DenseArray)[];
}

async function bases(): Promise<Base[]> {
  const make = async (name: string, arrays: NDArray[], names?: Record<string, NDArray>): Promise<Base> => {
    const { plan, inputs } = exportPlan(arrays, names ? { inputs: names } : {});
    const expected = (await compute(...arrays)) as (number | DenseArray)[];
    return { name, plan: JSON.parse(JSON.stringify(plan)) as Plan, inputs, expected };
  };
  const x = random.random([6, 5], { seed: 3, chunks: [4, 2] });
  const a = fromArray(new Float64Array(30).map((_, i) => i / 7), { shape: [5, 6], chunks: 3 });
  const v = fromNdarray({ data: new Float64Array(40).map((_, i) => Math.cos(i)), shape: [4, 5], stride: [-8, 1], offset: 32 });
  const f = arange(1, 13, { chunks: 5, dtype: 'float32' }).mul(0.25);
  const n = random.normal(0, 2, [3, 4, 2], { seed: 9, chunks: [2, 3, 1] });
  return [
    await make('fused-input', [x.exp().add(a.T).sub(x.mean()).mul(2)], { a }),
    await make('strided-input', [v.sin().maximum(v.T.T.mul(-1)).pow(2)]),
    await make('float32-reduce', [f.var({ ddof: 1 }), f.sqrt().log(), f.sum()]),
    await make('axis-reductions', [n.sum({ axis: 1, keepdims: true }), n.std({ axis: [0, 2] }), n.prod({ axis: 2 })]),
    await make('constants', [full([4], NaN).add(arange(4, { chunks: 3 })).minimum(Infinity), arange(8, { chunks: 3 }).mul(-0).abs().neg()]),
    await make('shared', [x.sum({ axis: 0 }), x.sub(x.sum({ axis: 0 })).cos(), x.min(), x.max()]),
  ];
}

const sameBits = (a: unknown, b: number | DenseArray): boolean => {
  if (typeof b === 'number') return typeof a === 'number' && Object.is(a, b);
  if (!(a instanceof DenseArray) || a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
};
const close = (a: unknown, b: number | DenseArray): boolean => {
  const near = (p: number, q: number): boolean => Object.is(p, q) || (Number.isNaN(p) && Number.isNaN(q)) || Math.abs(p - q) <= 1e-9 * Math.max(1, Math.abs(q));
  if (typeof b === 'number') return typeof a === 'number' && near(a, b);
  return a instanceof DenseArray && a.shape.join() === b.shape.join() && Array.from(a.data).every((p, i) => near(p, b.data[i]!));
};

/** Results of a plan that ran must have exactly the declared outputs. */
function checkShapes(plan: Plan, got: unknown[]): string | null {
  if (got.length !== plan.outputs.length) return `got ${got.length} outputs, plan has ${plan.outputs.length}`;
  for (let i = 0; i < got.length; i++) {
    const b = plan.buffers[plan.outputs[i]!] as { shape: number[]; dtype: string };
    const g = got[i];
    if (b.shape.length === 0) {
      if (typeof g !== 'number') return `output ${i}: expected a number`;
    } else if (!(g instanceof DenseArray) || g.shape.join() !== b.shape.join() || g.dtype !== b.dtype || g.data.length !== b.shape.reduce((p, q) => p * q, 1)) {
      return `output ${i}: wrong shape or dtype`;
    }
  }
  return null;
}

// Distinct outcomes for the corpus: error type and message, without the JSON path and numbers.
const category = (e: Error): string =>
  `${e.name}:${e.message.replace(/^[^ ]*: /, '').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').replace(/"[^"]*"/g, 'S').slice(0, 70)}`;
const source = (e: Error): 'js' | 'native' => (/^(plan[.:]|execute:|plan$)/.test(e.message) ? 'js' : 'native');

/** Random tiling of [0, n) into chunks. */
function tiling(r: Rand, n: number): number[] {
  if (n === 0) return [0];
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const c = int(r, 1, left);
    out.push(c);
    left -= c;
  }
  return out;
}

function shuffleKeys(r: Rand, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(r, x));
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = int(r, 0, i);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return Object.fromEntries(keys.map((k) => [k, shuffleKeys(r, (v as Record<string, unknown>)[k])]));
  }
  return v;
}

describe('plan fuzzer', () => {
  it(`refuses or correctly runs ${N_JSON + N_NATIVE + N_EQUIV} generated plans (seed ${SEED})`, async () => {
    const t0 = performance.now();
    const r = rng(SEED);
    const all = await bases();
    const failures: string[] = [];
    const stats = { json: 0, jsRejected: 0, nativeRejected: 0, ran: 0, noop: 0, native: 0, nativeParse: 0, nativeValidate: 0, nativeRan: 0, nativeCancelled: 0, equiv: 0 };
    const saved = new Map<string, { plan: unknown; base: Base; note: string }>();

    // A. JSON-level mutations through execute().
    for (let i = 0; i < N_JSON; i++) {
      const base = pick(r, all);
      const plan = clone(base.plan) as unknown as Record<string, unknown>;
      const notes: string[] = [];
      const k = int(r, 1, 3);
      for (let j = 0; j < k; j++) notes.push(mutatePlan(r, plan));
      stats.json++;
      try {
        const got = await execute(plan, base.inputs, LIMITS);
        stats.ran++;
        const bad = checkShapes(plan as unknown as Plan, got);
        if (bad) failures.push(`A${i} ${base.name} [${notes.join('; ')}]: ran but ${bad}`);
        if (JSON.stringify(plan) === JSON.stringify(base.plan)) {
          stats.noop++;
          if (!got.every((g, q) => sameBits(g, base.expected[q]!))) failures.push(`A${i} ${base.name}: unchanged plan gave different numbers`);
        }
        if (!saved.has('ran') && JSON.stringify(plan) !== JSON.stringify(base.plan)) saved.set('ran', { plan, base, note: notes.join('; ') });
      } catch (err) {
        const e = err as Error;
        if (!(e instanceof TypeError || e instanceof RangeError)) {
          failures.push(`A${i} ${base.name} [${notes.join('; ')}]: ${e?.name}: ${e?.message}`);
          continue;
        }
        if (source(e) === 'js') stats.jsRejected++;
        else stats.nativeRejected++;
        const cat = category(e);
        if (!saved.has(cat) && saved.size < 80) saved.set(cat, { plan, base, note: notes.join('; ') });
      }
    }

    const tA = performance.now();
    // B. Engine-level mutations straight to the addon.
    const decodedBases = all.map((b) => {
      const d = decodePlan(b.plan);
      const buffers: NativeBufferArg[] = d.buffers.map((buf) => {
        if (buf.role === 'input') return b.inputs[buf.name]!.slice();
        const n = buf.role === 'output' ? Math.max(1, buf.shape.reduce((p, q) => p * q, 1)) : buf.length;
        return new ArrayBuffer(n * (buf.dtype === 'float64' ? 8 : 4));
      });
      return { plan: d.native, buffers };
    });
    for (let i = 0; i < N_NATIVE; i++) {
      const base = pick(r, decodedBases);
      const plan = clone(base.plan) as unknown as { stages: Record<string, unknown>[] };
      const notes: string[] = [];
      const k = int(r, 1, 3);
      for (let j = 0; j < k; j++) notes.push(mutateNative(r, plan, base.buffers.length));
      stats.native++;
      let handle;
      try {
        handle = native().execute(plan as unknown as NativePlan, base.buffers);
      } catch (err) {
        const e = err as Error;
        if (!(e instanceof TypeError || e instanceof RangeError)) failures.push(`B${i} [${notes.join('; ')}]: ${e?.name}: ${e?.message}`);
        else if (/^stages\[\d+\]\.[a-zA-Z.[\]0-9]*: /.test(e.message) && !/expected|not a safe integer|int32 range|unknown \(accepted|multiple of 4/.test(e.message)) stats.nativeValidate++;
        else stats.nativeParse++;
        continue;
      }
      // Valid after mutation: bounded work runs to the end, anything bigger is cancelled at once.
      const elements = (plan.stages as { shape: number[] }[]).reduce((s, st) => s + st.shape.reduce((p, q) => p * q, 1), 0);
      if (elements > 1_000_000) {
        handle.cancel();
        stats.nativeCancelled++;
      }
      try {
        await handle.promise;
        stats.nativeRan++;
      } catch (err) {
        const e = err as Error;
        if (e?.name !== 'AbortError') failures.push(`B${i} [${notes.join('; ')}]: rejected with ${e?.name}: ${e?.message}`);
      }
    }

    const tB = performance.now();
    // C. Value-preserving mutations: same numbers (bit-identical when only elementwise stages were re-chunked).
    for (let i = 0; i < N_EQUIV; i++) {
      const base = pick(r, all);
      const plan = clone(base.plan);
      let exact = true;
      for (const st of plan.stages) {
        if (r() < 0.6) {
          st.chunks = st.shape.map((n) => tiling(r, n));
          if (st.sink.reduce !== 'none') exact = false;
        }
        if (r() < 0.3) st.name = `renamed-${i}`;
      }
      if (r() < 0.3) plan.meta = { tool: 'fuzz', i, nested: [[1, [2, [3]]]] };
      const shuffled = shuffleKeys(r, JSON.parse(JSON.stringify(plan)));
      stats.equiv++;
      try {
        const got = await execute(shuffled, base.inputs, LIMITS);
        const ok = got.every((g, q) => (exact ? sameBits(g, base.expected[q]!) : close(g, base.expected[q]!)));
        if (!ok) failures.push(`C${i} ${base.name}: value-preserving mutation changed the numbers (exact=${exact})`);
      } catch (err) {
        failures.push(`C${i} ${base.name}: value-preserving mutation was refused: ${(err as Error).message}`);
      }
    }

    const tC = performance.now();
    const seconds = (tC - t0) / 1000;
    const phases = `A ${((tA - t0) / 1000).toFixed(1)} s, B ${((tB - tA) / 1000).toFixed(1)} s, C ${((tC - tB) / 1000).toFixed(1)} s`;
    const total = stats.json + stats.native + stats.equiv;
    console.log(`plan fuzzer: ${total} plans in ${seconds.toFixed(1)} s (${phases}; seed ${SEED}) ${JSON.stringify(stats)}; ${saved.size} distinct outcomes`);

    if (process.env.FUZZ_SAVE) {
      rmSync(CORPUS, { recursive: true, force: true });
      mkdirSync(CORPUS, { recursive: true });
      let n = 0;
      for (const [cat, { plan, base, note }] of saved) {
        // Record what the JSON form (what a file can hold) does, which may differ from the JS value.
        let text: string;
        try {
          text = JSON.stringify(plan);
        } catch {
          continue;
        }
        if (text === undefined || text.length > 200_000) continue;
        const parsed = JSON.parse(text);
        let expectOutcome: Record<string, unknown>;
        try {
          await execute(parsed, base.inputs, LIMITS);
          expectOutcome = { ok: true };
        } catch (err) {
          expectOutcome = { error: (err as Error).name, message: (err as Error).message.slice(0, 200) };
        }
        const inputs = Object.fromEntries(Object.entries(base.inputs).map(([k, v]) => [k, { dtype: v instanceof Float32Array ? 'float32' : 'float64', data: Array.from(v) }]));
        const file = join(CORPUS, `${String(n++).padStart(3, '0')}-${cat.split(':')[0]}.json`);
        writeFileSync(file, JSON.stringify({ description: `${cat} — from base "${base.name}" by: ${note}`, expect: expectOutcome, inputs, plan: parsed }) + '\n');
      }
    }

    expect(failures.slice(0, 20)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(100_000 * SCALE);
    expect(stats.jsRejected).toBeGreaterThan(0);
    expect(stats.nativeValidate).toBeGreaterThan(N_NATIVE / 10); // a good share reaches native validatePlan
    expect(stats.ran + stats.nativeRan).toBeGreaterThan(0);
  }, 600_000);

  it('replays the kept corpus with its recorded outcomes', async () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const c = JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as {
        expect: { ok?: boolean; error?: string; message?: string };
        inputs: Record<string, { dtype: string; data: number[] }>;
        plan: unknown;
      };
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, v.dtype === 'float32' ? Float32Array.from(v.data) : Float64Array.from(v.data)]));
      const run = execute(c.plan, inputs, LIMITS);
      if (c.expect.ok) await expect(run, f).resolves.toBeDefined();
      else {
        const err = await run.then(() => null, (e: Error) => e);
        expect(err?.name, f).toBe(c.expect.error);
        // The lists of accepted values grow with the operation table; the refusal itself must not change.
        const norm = (m: string | undefined): string | undefined =>
          m?.slice(0, 200).replace(/\(accepted: [^)]*\)?/, '(accepted: …)').replace(/expected ("[^"]*"(, | or )?)+/, 'expected … ');
        expect(norm(err?.message), f).toBe(norm(c.expect.message));
      }
    }
  });
});
