// The embedding surface: adapters (zero-copy), iterChunks (streaming), plans (toPlan / execute), the CLI.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  DenseArray,
  NDArray,
  arange,
  compute,
  configure,
  execute,
  exportPlan,
  fromArray,
  fromNdarray,
  fromStdlib,
  fromStrided,
  full,
  getConfig,
  ones,
  random,
  toNdarray,
  toStdlib,
  validatePlan,
  type Plan,
} from '../src/index.js';
import { main } from '../src/cli.js';
import { native } from '../src/native.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ndarray = require('ndarray') as typeof import('ndarray');
const ops = require('ndarray-ops') as Record<string, (...a: unknown[]) => unknown>;
const StdlibNdarray = require('@stdlib/ndarray/ctor') as new (
  dtype: string,
  data: ArrayLike<number>,
  shape: number[],
  strides: number[],
  offset: number,
  order: string,
) => { data: Float64Array; shape: number[]; strides: number[]; offset: number; order: string; get(...i: number[]): number };

const dense = async (x: NDArray): Promise<DenseArray> => {
  const r = await x.compute();
  if (!(r instanceof DenseArray)) throw new Error('expected a DenseArray');
  return r;
};
const bits = (a: number | DenseArray): string =>
  typeof a === 'number' ? `n:${Object.is(a, -0) ? '-0' : String(a)}` : `${a.dtype}:${a.shape}:${Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64')}`;

/** Element values of a scijs-style view, row-major. */
function viewValues(get: (...i: number[]) => number, shape: readonly number[]): number[] {
  const out: number[] = [];
  const idx = shape.map(() => 0);
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    out.push(get(...idx));
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

describe('adapters: scijs ndarray', () => {
  const base = () => new Float64Array(60).map((_, i) => i * 1.5 - 7);

  it('round-trips contiguous, transposed, stepped (negative), sliced and picked views without copying', async () => {
    const data = base();
    const a = ndarray(data, [3, 4, 5]);
    const views = {
      contiguous: a,
      transposed: a.transpose(2, 0, 1),
      negative: a.step(-1, 2, -1),
      sliced: a.hi(3, 3, 4).lo(1, 1, 2),
      picked: a.pick(null, 2, null),
      reversedTransposed: a.transpose(1, 2, 0).step(-1, -1, 1),
    };
    for (const [name, v] of Object.entries(views)) {
      const x = fromNdarray(v, { chunks: 2 });
      expect(x.shape, name).toEqual(v.shape);
      expect((x.node as { memory: unknown }).memory, `${name}: zero-copy`).toBe(data);
      const r = await dense(x);
      expect(Array.from(r.data), name).toEqual(viewValues((...i) => v.get(...i), v.shape));
      // Back: a real scijs ndarray over the result's memory, no copy.
      const back = toNdarray(r, ndarray);
      expect(back.data).toBe(r.data);
      expect(viewValues((...i) => back.get(...i), back.shape)).toEqual(viewValues((...i) => v.get(...i), v.shape));
    }
  });

  it('sees writes through the original buffer (no copy was made)', async () => {
    const data = base();
    const v = ndarray(data, [6, 10]).step(-2, 3);
    const x = fromNdarray(v).mul(2);
    const before = await dense(x);
    data[v.index(0, 0)] = 1000;
    const after = await dense(x);
    expect(after.data[0]).toBe(2000);
    expect(before.data[0]).not.toBe(2000);
    expect(Array.from(after.data.subarray(1))).toEqual(Array.from(before.data.subarray(1)));
  });

  it('copies non-float data and plain arrays (later writes are not seen)', async () => {
    const ints = new Int32Array([1, 2, 3, 4, 5, 6]);
    const v = ndarray(ints, [2, 3]).transpose(1, 0);
    const x = fromNdarray(v, { dtype: 'float32' });
    expect(x.dtype).toBe('float32');
    ints[0] = 99;
    expect((await dense(x)).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const plain = ndarray([1, 2, 3, 4], [2, 2]).step(-1, 1);
    expect((await dense(fromNdarray(plain))).toArray()).toEqual([[3, 4], [1, 2]]);
  });

  it('works under ndarray-ops on results (zero-copy toNdarray)', async () => {
    const r = await dense(arange(12, { dtype: 'float64' }).mul(2));
    const v = toNdarray(r, ndarray).step(-1);
    const out = ndarray(new Float64Array(12), [12]);
    ops.assign!(out, v);
    expect(Array.from(out.data as Float64Array)).toEqual(Array.from(r.data).reverse());
    ops.addseq!(toNdarray(r, ndarray), 1); // writes through to the DenseArray
    expect(r.data[0]).toBe(1);
  });

  it('rejects views outside their data with a RangeError', () => {
    const data = new Float64Array(10);
    expect(() => fromNdarray({ data, shape: [3, 4], stride: [4, 1], offset: 0 })).toThrow(RangeError);
    expect(() => fromNdarray({ data, shape: [3], stride: [-1], offset: 1 })).toThrow(/outside the data/);
    expect(() => fromNdarray({ data, shape: [2], stride: [1, 1], offset: 0 })).toThrow(/strides has 2 entries/);
    expect(() => fromNdarray({ data, shape: [2], stride: [1], offset: -1 })).toThrow(TypeError);
    expect(() => fromNdarray(null as never)).toThrow(TypeError);
  });
});

describe('adapters: @stdlib/ndarray', () => {
  it('round-trips row-major, column-major and negative-stride arrays without copying', async () => {
    const data = new Float64Array(24).map((_, i) => Math.sqrt(i) - 2);
    const cases = [
      new StdlibNdarray('float64', data, [4, 6], [6, 1], 0, 'row-major'),
      new StdlibNdarray('float64', data, [4, 6], [1, 4], 0, 'column-major'),
      new StdlibNdarray('float64', data, [3, 2], [-6, -2], 21, 'row-major'),
      new StdlibNdarray('float64', data, [2, 3, 2], [12, 4, 1], 0, 'row-major'),
    ];
    for (const s of cases) {
      const x = fromStdlib(s, { chunks: 2 });
      expect((x.node as { memory: unknown }).memory).toBe(data);
      const r = await dense(x);
      expect(Array.from(r.data)).toEqual(viewValues((...i) => s.get(...i), s.shape));
      const back = toStdlib(r, StdlibNdarray);
      expect(back.data).toBe(r.data);
      expect(viewValues((...i) => back.get(...i), back.shape)).toEqual(Array.from(r.data));
    }
    // Writes through the original buffer are seen.
    const x = fromStdlib(cases[2]!);
    data[21] = 123;
    expect((await dense(x)).data[0]).toBe(123);
  });

  it('handles 0-d arrays and float32', async () => {
    const s = new StdlibNdarray('float32', new Float32Array([2.5]), [], [0], 0, 'row-major');
    const x = fromStdlib(s);
    expect(x.dtype).toBe('float32');
    expect(await x.mul(2).compute()).toBe(5);
    const plain = toStdlib(await dense(ones([2, 2], { dtype: 'float32' })));
    expect(plain).toMatchObject({ shape: [2, 2], strides: [2, 1], offset: 0, order: 'row-major', dtype: 'float32' });
    expect(toStdlib(new DenseArray(Float64Array.of(1), [])).strides).toEqual([0]);
  });

  it('fromStrided wraps a zero-stride (broadcast) view', async () => {
    const row = Float64Array.of(1, 2, 3);
    const r = await dense(fromStrided(row, [4, 3], [0, 1], 0));
    expect(r.toArray()).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  });
});

describe('zero-copy fromArray and results', () => {
  it('reads caller memory at compute time and hands results over without copying', async () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const x = fromArray(data, { shape: [2, 2] });
    const y = x.add(1);
    expect((await dense(y)).toArray()).toEqual([[2, 3], [4, 5]]);
    data[3] = 10;
    const r = await dense(y);
    expect(r.data[3]).toBe(11);
    expect(r.data.byteOffset).toBe(0);
    expect(r.data.buffer.byteLength).toBe(32); // exactly the result: no staging copy
  });
});

describe('iterChunks', () => {
  it('streams a result larger than the materialization limit, chunk by chunk, bit-identical to computeBlock', async () => {
    const saved = getConfig().materializeLimit;
    configure({ materializeLimit: 1 << 20 });
    try {
      const x = random.random([1200, 500], { seed: 7, chunks: [100, 250] }); // 4.8 MB > 1 MiB
      const y = x.sub(x.mean()).mul(x.T.T).exp();
      await expect(y.compute()).rejects.toThrow(RangeError);
      let n = 0;
      let total = 0;
      const seen = new Set<string>();
      for await (const { index, offset, data } of y.iterChunks()) {
        expect(offset).toEqual([index[0]! * 100, index[1]! * 250]);
        expect(data.shape).toEqual([100, 250]);
        if (n % 7 === 0) expect(bits(data)).toBe(bits(await y.computeBlock(index)));
        seen.add(index.join(','));
        for (const v of data.data) total += v;
        n++;
      }
      expect(n).toBe(24);
      expect(seen.size).toBe(24);
      const exact = (await y.sum().compute()) as number;
      expect(Math.abs(total - exact) / exact).toBeLessThan(1e-10);
    } finally {
      configure({ materializeLimit: saved });
    }
  });

  it('yields 1-d, 0-d and float32 chunks; prefetch 0 and 3 give the same chunks', async () => {
    const a = arange(10, { chunks: 4, dtype: 'float32' }).mul(3);
    const got: number[][] = [];
    for await (const c of a.iterChunks({ prefetch: 0 })) got.push(Array.from(c.data.data));
    expect(got).toEqual([[0, 3, 6, 9], [12, 15, 18, 21], [24, 27]]);
    const got3: number[][] = [];
    for await (const c of a.iterChunks({ prefetch: 3 })) got3.push(Array.from(c.data.data));
    expect(got3).toEqual(got);
    const s: unknown[] = [];
    for await (const c of ones([5]).sum().iterChunks()) s.push(c);
    expect(s).toHaveLength(1);
    expect((s[0] as { data: DenseArray }).data.toArray()).toEqual([5]);
  });

  it('cancels the chunks in flight when the loop breaks, and on abort', async () => {
    const x = random.random([4000, 1000], { seed: 1, chunks: [250, 1000] }).exp();
    let n = 0;
    for await (const c of x.iterChunks({ prefetch: 2 })) {
      expect(c.data.size).toBe(250_000);
      if (++n === 2) break;
    }
    expect(native().memoryStats().inFlightPlans).toBe(0);
    const controller = new AbortController();
    const run = async (): Promise<number> => {
      let k = 0;
      for await (const _ of x.iterChunks({ signal: controller.signal })) if (++k === 1) controller.abort();
      return k;
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => x.iterChunks({ prefetch: -1 })).toThrow(RangeError);
    expect(() => x.iterChunks({ bogus: 1 } as never)).toThrow(/unknown option/);
  });
});

describe('plans: toPlan → JSON → execute', () => {
  const roundTrip = async (arrays: NDArray[], names?: Record<string, NDArray>) => {
    const { plan, inputs } = exportPlan(arrays, names ? { inputs: names } : {});
    const text = JSON.stringify(plan);
    validatePlan(JSON.parse(text));
    const got = await execute(JSON.parse(text), inputs);
    const want = await compute(...arrays);
    expect(got.map(bits)).toEqual((want as (number | DenseArray)[]).map(bits));
    return { plan, inputs, text };
  };

  it('is bit-identical to compute() for fused expressions, reductions and float32', async () => {
    const x = random.random([37, 23], { seed: 11, chunks: [10, 7] });
    const n = random.normal(1, 2, [23], { seed: 5, chunks: 9, dtype: 'float32' });
    await roundTrip([x.exp().add(x.T.T.mul(3)).sub(x.mean({ axis: 0 })).sqrt()]);
    await roundTrip([x.sum(), x.var({ axis: 1, ddof: 1 }), x.std({ axis: 0, keepdims: true }), x.prod({ axis: 1 }), x.min(), x.max()]);
    await roundTrip([n.mul(2).add(x.sum({ axis: 0 })), n.abs().cos().sin(), n.pow(2).maximum(1).minimum(3).log().neg()]);
    await roundTrip([arange(3, 40, 0.5, { chunks: 7 }).div(3).rechunk(11)]);
  });

  it('keeps NaN, ±Infinity and -0 constants exact through JSON', async () => {
    const x = arange(6, { chunks: 4, dtype: 'float64' }); // floats: -0 as a JS number is an integer
    const { text } = await roundTrip([x.mul(-0), x.add(NaN), x.pow(Infinity), x.sub(-Infinity), full([3], NaN).add(x.sum()), full([], -0).add(-0)]);
    expect(text).toContain('"NaN"');
    expect(text).toContain('"-0"');
    expect(text).toContain('"Infinity"');
  });

  it('names caller memory inputs by reference and runs with other data of the same size', async () => {
    const data = new Float64Array(12).map((_, i) => i);
    const a = fromArray(data, { shape: [3, 4], chunks: 2 });
    const v = fromNdarray(ndarray(new Float64Array(40).map((_, i) => -i), [5, 8]).step(-1, 2).hi(3, 4));
    const p = await a.add(1).persist();
    const { plan, inputs } = await roundTrip([a.mul(v).add(p.T.T), a.sum()], { a, p });
    const names = plan.buffers.filter((b) => b.role === 'input').map((b) => (b as { name: string }).name);
    expect(names).toContain('a');
    expect(names).toContain('p');
    expect(inputs.a).toBe(data);
    const other = { ...inputs, a: new Float64Array(12).fill(1) };
    const [, s] = await execute(plan, other);
    expect(s).toBe(12);
    // The plan is a pure description: it holds no memory.
    expect(JSON.stringify(plan)).not.toContain('Float64Array');
    p.dispose();
  });

  it('allocates nothing when exporting a huge result', () => {
    const huge = random.random([40000, 40000], { seed: 1 }).mul(2);
    const plan = huge.toPlan();
    expect(plan.buffers[plan.outputs[0]!]).toEqual({ role: 'output', name: 'out0', dtype: 'float64', shape: [40000, 40000] });
  });

  it('accepts JSON text and reports errors with the JSON path', async () => {
    const plan = ones([4], { chunks: 2 }).add(1).toPlan();
    expect(await execute(JSON.stringify(plan))).toHaveLength(1);
    const bad = (mutate: (p: Plan & Record<string, unknown>) => void): Promise<unknown> => {
      const q = JSON.parse(JSON.stringify(plan));
      mutate(q);
      return execute(q);
    };
    await expect(bad((p) => (p.version = 2 as never))).rejects.toThrow(/plan.version: unsupported version 2/);
    await expect(bad((p) => (p.format = 'other' as never))).rejects.toThrow(RangeError);
    await expect(bad((p) => ((p.stages[0]!.program[0] as unknown[])[0] = 'fma'))).rejects.toThrow(/plan.stages\[0\].program\[0\]\[0\]: unknown op "fma"/);
    await expect(bad((p) => (p.stages[0]!.sink.buffer = 9))).rejects.toThrow(/plan.stages\[0\].sink.buffer: 9 out of range/);
    await expect(bad((p) => (p.stages[0]!.shape = [2 ** 53, 4] as never))).rejects.toThrow(RangeError);
    await expect(bad((p) => (p.stages[0]!.shape[0] = -1))).rejects.toThrow(/shape\[0\]: -1 out of range/);
    await expect(bad((p) => (p.stages[0]!.nregs = 'x' as never))).rejects.toThrow(TypeError);
    await expect(bad((p) => (p.stages[0]!.chunks = [[3]]))).rejects.toThrow(/chunk sizes sum to 3, shape\[0\] is 4/);
    await expect(bad((p) => (p.outputs = [0, 0, 5]))).rejects.toThrow(/plan.outputs\[2\]/);
    await expect(execute(plan, { x: new Float64Array(1) })).rejects.toThrow(/inputs.x is not an input/);
    await expect(execute('{"format":')).rejects.toThrow(TypeError);
  });

  it('refuses cycles: a stage reading a buffer no earlier stage wrote, or its own output', async () => {
    const x = random.random([10], { seed: 1, chunks: 5 });
    const plan = x.sub(x.mean()).toPlan();
    expect(plan.stages).toHaveLength(2);
    const swapped = { ...plan, stages: [plan.stages[1]!, plan.stages[0]!] };
    await expect(execute(swapped)).rejects.toThrow(/is read before any earlier stage writes it/);
    const self = JSON.parse(JSON.stringify(plan)) as Plan;
    self.stages[0]!.leaves.push({ kind: 'memory', dtype: 'float64', offset: 0, strides: [0], buffer: self.stages[0]!.sink.buffer });
    await expect(execute(self)).rejects.toThrow(/cannot read what it writes/);
  });

  it('refuses absurd sizes, missing or mis-sized inputs, and stores that overlap', async () => {
    const data = new Float64Array(8);
    const a = fromArray(data, { chunks: 4 });
    const { plan, inputs } = exportPlan(a.mul(2), { inputs: { a } });
    await expect(execute(plan, {})).rejects.toThrow(/inputs.a must be a Float64Array of 8 elements/);
    await expect(execute(plan, { a: new Float64Array(7) })).rejects.toThrow(/inputs.a has 7 elements, the plan declares 8/);
    await expect(execute(plan, { a: new Float32Array(8) })).rejects.toThrow(TypeError);
    await expect(execute(plan, inputs, { maxElements: 7 })).rejects.toThrow(/more than 7 elements/);
    const big = JSON.parse(JSON.stringify(plan)) as Plan;
    (big.buffers[big.outputs[0]!] as { shape: number[] }).shape = [2 ** 40];
    await expect(execute(big, inputs)).rejects.toThrow(/over the limit/);
    const overlap = JSON.parse(JSON.stringify(plan)) as Plan;
    overlap.stages[0]!.sink.strides = [0];
    await expect(execute(overlap, inputs)).rejects.toThrow(/one-to-one/);
    const reads = JSON.parse(JSON.stringify(plan)) as Plan;
    (reads.stages[0]!.leaves[0] as { offset: number }).offset = 1;
    await expect(execute(reads, inputs)).rejects.toThrow(/reads element 8 but buffer 0 holds 8 elements/);
  });
});

describe('tessera run (CLI)', () => {
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  it('runs examples/plan.json', async () => {
    const r = await run('run', 'examples/plan.json', '--full');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['mean_exp', 'max_col_std', 'sin_half_arange']);
    expect(out.sin_half_arange.data).toHaveLength(12);
    const x = random.random([2000, 2000], { seed: 42, chunks: [500, 2000] });
    expect(out.mean_exp).toBe(await x.exp().mean().compute());
  });

  it('reads inputs from files and reports bad plans and usage', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    const a = fromArray(new Float64Array(6), { shape: [2, 3] });
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(a.add(a.sum()).toPlan({ inputs: { a } })));
    writeFileSync(join(dir, 'a.json'), JSON.stringify([[1, 2, 3], [4, 5, 6]]));
    writeFileSync(join(dir, 'a.f64'), new Uint8Array(Float64Array.of(1, 1, 1, 1, 1, 1).buffer));
    const r = await run('run', join(dir, 'plan.json'), '--input', `a=${join(dir, 'a.json')}`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).out0.data).toEqual([22, 23, 24, 25, 26, 27]);
    const b = await run('run', join(dir, 'plan.json'), '--input', `a=${join(dir, 'a.f64')}`, '--out-dir', dir);
    expect(JSON.parse(b.stdout).out0.data).toEqual([7, 7, 7, 7, 7, 7]);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 'tessera.plan', version: 7, buffers: [], stages: [], outputs: [] }));
    const bad = await run('run', join(dir, 'bad.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/RangeError: plan.version: unsupported version 7/);
    expect((await run('run')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('run', 'x.json', '--nope')).stderr).toMatch(/unknown option --nope/);
  });
});

describe('docs/plan.schema.json', () => {
  it('is a valid draft 2020-12 schema that accepts exported plans and rejects malformed ones', async () => {
    const { readFileSync } = await import('node:fs');
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown } } }).default;
    const schema = JSON.parse(readFileSync(new URL('../docs/plan.schema.json', import.meta.url), 'utf8'));
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    const x = random.random([5, 4], { seed: 2, chunks: 2 });
    const a = fromArray(new Float32Array(20), { shape: [4, 5] });
    const plans = [
      JSON.parse(readFileSync(new URL('../examples/plan.json', import.meta.url), 'utf8')),
      x.sub(x.mean()).exp().toPlan(),
      a.T.mul(NaN).add(a.sum({ axis: 1 })).toPlan({ inputs: { a } }),
      exportPlan([x.var({ axis: 1, ddof: 1 }), full([], -0).add(1)]).plan,
      // typed registers: integer leaves, casts, bitwise ops, an int64 sum
      x.mul(100).astype('int32').bitwiseAnd(7).leftShift(1).sum().toPlan(),
    ];
    for (const p of plans) expect(validate(JSON.parse(JSON.stringify(p))), JSON.stringify(validate.errors)).toBe(true);
    const broken = JSON.parse(JSON.stringify(plans[1]));
    broken.stages[0].program[0][0] = 'fma';
    expect(validate(broken)).toBe(false);
    expect(validate({ ...plans[1], version: 2 })).toBe(false);
  });
});
