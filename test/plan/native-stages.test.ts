// The plan format's native stages (issue 15/16 on the cluster): take, compress (boolean masks) and
// matmul stages survive toPlan → JSON → decode → encode unchanged, and execute() of the JSON gives
// compute()'s bits; a take's small index list travels in the plan as a constant buffer.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DenseArray, compute, einsum, execute, exportPlan, fromArray, matmul, random, toPlan, validatePlan, type NDArray, type Plan } from '../../src/index.js';
import { decodePlan } from '../../src/plan/codec/decode.js';
import { encodeStage } from '../../src/plan/codec/encode.js';

const bits = (a: unknown): string =>
  a instanceof DenseArray ? `${a.dtype}:${a.shape}:${Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64')}` : `${typeof a}:${String(a)}`;

const Ajv2020 = (createRequire(import.meta.url)('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown } } }).default;
const schema = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(new URL('../../docs/plan.schema.json', import.meta.url), 'utf8')));

/** toPlan → JSON → decode → encode is the identity on the stages; execute(JSON) gives compute()'s bits; docs/plan.schema.json accepts the plan. */
async function roundTrip(arrays: NDArray[]): Promise<Plan> {
  const { plan, inputs } = exportPlan(arrays);
  const text = JSON.stringify(plan);
  expect(schema(JSON.parse(text)), JSON.stringify(schema.errors)).toBe(true);
  const decoded = decodePlan(JSON.parse(text));
  expect(decoded.native.stages.map((st, s) => encodeStage(st, decoded.stageNames[s]))).toEqual(JSON.parse(text).stages);
  const got = await execute(text, inputs);
  expect(got.map(bits)).toEqual(((await compute(...arrays)) as unknown[]).map(bits));
  return plan;
}

const kinds = (plan: Plan): string[] => plan.stages.map((s) => s.kind ?? 'kernel');

describe('toPlan of take, mask and products', () => {
  const x = random.random([60, 40], { seed: 5, chunks: [25, 16] });
  const idx = Array.from({ length: 30 }, (_, i) => (i * 37) % 60);

  it('take: a JS index list is a constant of the plan (no input), a lazy index a stage of its own', async () => {
    const plan = await roundTrip([x.take(idx, { axis: 0 }), x.take(idx.map((i) => i % 40), { axis: 1 }).sum({ axis: 1 })]);
    expect(kinds(plan)).toContain('take');
    expect(plan.buffers.filter((b) => b.role === 'constant')).toHaveLength(2);
    expect(plan.buffers.some((b) => b.role === 'input')).toBe(false);
    expect(plan.buffers.find((b) => b.role === 'constant')).toMatchObject({ dtype: 'float64', values: idx });
    const lazy = fromArray(Int32Array.from(idx), { chunks: [7] });
    await roundTrip([x.take(lazy.add(0), { axis: 0 }).mul(2), x.T.take(lazy, { axis: 1 }).sum()]);
  });

  it('mask: a mask whose sizes are known exports its compaction (count stages are plan stages too)', async () => {
    const m = await x.mask(x.gt(0.6)).computeChunkSizes();
    const plan = await roundTrip([m, m.sum(), m.mul(3).max()]);
    expect(kinds(plan)).toContain('compress');
    expect(() => toPlan(x.mask(x.gt(0.6)))).toThrow(/unknown chunk sizes.*computeChunkSizes/);
  });

  it('matmul: products of memory, lazy operands, float32, batches and a split contraction', async () => {
    const a = random.random([30, 50], { seed: 1, chunks: [16, 25] });
    const b = random.random([50, 20], { seed: 2, chunks: [25, 10] });
    const plan = await roundTrip([matmul(a, b), matmul(a.exp(), b.T.T).sum()]);
    expect(kinds(plan)).toContain('matmul');
    expect(plan.stages.find((s) => s.kind === 'matmul')!.contract).toBe(50);
    const f = random.random([20, 30], { seed: 3, dtype: 'float32' });
    await roundTrip([matmul(f, f.T), einsum('bij,bjk->bik', random.random([3, 4, 5], { seed: 4 }), random.random([3, 5, 2], { seed: 6 }))]);
    const tall = random.random([40000, 3], { seed: 7, chunks: [9000, 3] });
    await roundTrip([tall.T.matmul(tall)]);
  });

  it('bad native stages are refused with the JSON path', async () => {
    const plan = toPlan(x.take(idx, { axis: 0 }));
    const take = plan.stages.findIndex((s) => s.kind === 'take');
    const edit = (f: (p: Plan) => void): Plan => {
      const p = JSON.parse(JSON.stringify(plan)) as Plan;
      f(p);
      return p;
    };
    expect(() => validatePlan(edit((p) => (p.stages[take]!.imms = [5, 60])))).toThrow(new RegExp(`stages\\[${take}\\]\\.imms\\[0\\]: 5: the take axis`));
    expect(() => validatePlan(edit((p) => (p.stages[take]!.kind = 'gather' as never)))).toThrow(/unknown stage kind "gather"/);
    expect(() => validatePlan(edit((p) => (p.stages[take]!.contract = 3)))).toThrow(/only a "matmul" stage has a contracted length/);
    expect(() => validatePlan(edit((p) => (p.stages[take]!.program = [['load', 0, 0]])))).toThrow(/a "take" stage has no program/);
    const c = plan.buffers.findIndex((b) => b.role === 'constant');
    expect(() => validatePlan(edit((p) => (p.buffers[c] = { role: 'constant', dtype: 'int8', values: [1, 300] })))).toThrow(/values\[1\]: 300 is not a int8 value/);
    expect(() => validatePlan(edit((p) => (p.stages[take]!.sink.buffer = c)))).toThrow(/is a constant; stages write only output or scratch buffers/);
    // an index out of range is found while running: a RangeError naming it
    const bad = edit((p) => ((p.buffers[c] as { values: number[] }).values[3] = 60));
    await expect(execute(bad)).rejects.toThrow(RangeError);
    await expect(execute(bad)).rejects.toThrow(/index 60 is out of bounds for axis 0 with size 60/);
  });
});
