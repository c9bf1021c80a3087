// Matrix products (issue 16) against NumPy 1.24 (test/fixtures/numpy/linalg.json, written by
// scripts/fixtures/numpy_linalg.py), for in-place, transposed and lazy operands and several chunkings;
// bit-identical results for any chunking of the free axes and for 1 vs 2 threads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DenseArray, dot, einsum, fromArray, inner, matmul, outer, random, tensordot, trace, vdot, exp, type NDArray, type Computed,
} from '../src/index.js';

interface Operand { shape: number[]; dtype: 'float64' | 'float32'; data: number[] }
interface Case { name: string; fn: string; spec: string | null; options: Record<string, unknown> | null; operands: Operand[]; shape: number[]; dtype: string; data: number[] }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/linalg.json', import.meta.url), 'utf8')) as { cases: Case[] };

type Variant = 'memory' | 'transposed' | 'lazy';

function build(o: Operand, variant: Variant, chunk: number): NDArray<Computed> {
  const Ctor = o.dtype === 'float32' ? Float32Array : Float64Array;
  const chunks = o.shape.map((s) => Math.max(1, Math.min(s, chunk)));
  if (variant === 'transposed' && o.shape.length >= 2) {
    // store the transpose, hand out .T: same values, swapped strides
    const nd = o.shape.length;
    const tShape = [...o.shape].reverse();
    const t = new Ctor(o.data.length);
    const st = o.shape.map((_, k) => o.shape.slice(k + 1).reduce((a, b) => a * b, 1));
    const tt = tShape.map((_, k) => tShape.slice(k + 1).reduce((a, b) => a * b, 1));
    for (let i = 0; i < o.data.length; i++) {
      let rest = i;
      let j = 0;
      for (let k = 0; k < nd; k++) {
        const c = Math.floor(rest / st[k]!);
        rest -= c * st[k]!;
        j += c * tt[nd - 1 - k]!;
      }
      t[j] = o.data[i]!;
    }
    return fromArray(t, { shape: tShape, chunks: [...chunks].reverse() }).T;
  }
  const x = fromArray(Ctor.from(o.data), { shape: o.shape, chunks });
  return variant === 'lazy' ? x.mul(1) : x;
}

function call(c: Case, ops: NDArray<Computed>[]): NDArray<Computed> {
  const [a, b] = ops as [NDArray<Computed>, NDArray<Computed>];
  switch (c.fn) {
    case 'matmul': return matmul(a, b);
    case 'tensordot': return tensordot(a, b, c.options as never);
    case 'dot': return dot(a, b);
    case 'inner': return inner(a, b);
    case 'outer': return outer(a, b);
    case 'vdot': return vdot(a, b);
    case 'trace': return trace(a, (c.options ?? undefined) as never);
    case 'einsum': return einsum(c.spec!, ...ops);
  }
  throw new Error(c.fn);
}

async function values(x: NDArray<Computed>): Promise<{ shape: number[]; data: ArrayLike<number> }> {
  const r = await x.compute();
  return typeof r === 'number' ? { shape: [], data: [r] } : { shape: r.shape, data: r.data };
}

describe('matrix products against NumPy', () => {
  for (const c of fixture.cases) {
    for (const variant of ['memory', 'transposed', 'lazy'] as const) {
      it(`${c.name} (${variant} operands)`, async () => {
        const ops = c.operands.map((o) => build(o, variant, 2));
        const out = call(c, ops);
        expect(out.shape).toEqual(c.shape);
        expect(out.dtype).toBe(c.dtype);
        const got = await values(out);
        expect(got.shape).toEqual(c.shape);
        const scale = Math.max(1, ...c.data.map(Math.abs));
        const tol = (c.dtype === 'float32' ? 1e-5 : 1e-13) * 16 * scale;
        c.data.forEach((v, i) => expect(Math.abs(got.data[i]! - v)).toBeLessThanOrEqual(tol));
      });
    }
  }
});

describe('matmul determinism and errors', () => {
  it('is bit-identical for any chunking of the free axes and of the contracted axis', async () => {
    const a = random.random([300, 200], { seed: 1, chunks: 300 });
    const b = random.normal(0, 1, [200, 250], { seed: 2, chunks: 250 });
    const ref = (await matmul(a, b).compute()) as DenseArray;
    for (const [ca, cb] of [[[100, 50], [50, 70]], [[37, 200], [200, 13]], [[300, 7], [9, 250]]] as const) {
      const r = (await matmul(a.rechunk(ca as unknown as number[]), b.rechunk(cb as unknown as number[])).compute()) as DenseArray;
      expect(Buffer.from(r.data.buffer).equals(Buffer.from(ref.data.buffer))).toBe(true);
    }
    // lazy operands (exp(a), b.T of a persisted array) give the same bits as their materialized values
    const ea = await exp(a).persist();
    const bt = await b.T.persist();
    const lazy = (await matmul(exp(a), b).compute()) as DenseArray;
    const mem = (await matmul(ea, bt.T).compute()) as DenseArray;
    expect(Buffer.from(lazy.data.buffer).equals(Buffer.from(mem.data.buffer))).toBe(true);
  });

  it('zero-size chunks (as Dask accepts them) give the bits of whole chunks: the stage drops them', async () => {
    // found by scripts/fuzz/determinism: the matmul stage kept the 0 of `chunks: [[1, 9, 3, 0, 2], 3]`
    // and the engine refused it ('chunk size 0 (accepted: positive sizes; 0 only on a zero-length axis)')
    const av = Float64Array.from({ length: 15 * 13 }, (_, i) => ((i * 37) % 11) - 5);
    const bv = Float64Array.from({ length: 13 * 8 }, (_, i) => ((i * 17) % 7) / 4);
    const whole = (await matmul(fromArray(av, { shape: [15, 13] }), fromArray(bv, { shape: [13, 8] })).compute()) as DenseArray;
    const a = fromArray(av, { shape: [15, 13], chunks: [[1, 9, 3, 0, 2], [3, 3, 3, 3, 1]] });
    const b = fromArray(bv, { shape: [13, 8], chunks: [[11, 2], [1, 0, 2, 5, 0]] });
    for (const r of [matmul(a, b), dot(a, b), einsum('ij,jk->ik', a, b), matmul(a.mul(1), b)]) {
      const got = (await r.compute()) as DenseArray;
      expect(got.shape).toEqual([15, 8]);
      expect(Buffer.from(got.data.buffer).equals(Buffer.from(whole.data.buffer))).toBe(true);
    }
    const gram = (await matmul(a.T, a).compute()) as DenseArray;
    expect(Buffer.from(gram.data.buffer).equals(Buffer.from(((await matmul(fromArray(av, { shape: [15, 13] }).T, fromArray(av, { shape: [15, 13] })).compute()) as DenseArray).data.buffer))).toBe(true);
  });

  it('a small product over a long contraction (split in blocks, summed in a fixed order) matches a naive loop', async () => {
    const x = random.normal(0, 1, [70001, 5], { seed: 3, chunks: [10000, 5] });
    const X = ((await x.compute()) as DenseArray).data;
    const G = ((await x.T.matmul(x).compute()) as DenseArray).data;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        let mag = 0;
        for (let k = 0; k < 70001; k++) (s += X[k * 5 + i]! * X[k * 5 + j]!), (mag += Math.abs(X[k * 5 + i]! * X[k * 5 + j]!));
        expect(Math.abs(G[i * 5 + j]! - s)).toBeLessThanOrEqual(1e-13 * mag);
      }
    }
  });

  it('feeds later work: matmul(a, b).sum() and a product of products', async () => {
    const a = fromArray([[1, 2], [3, 4]]);
    const b = fromArray([[5, 6], [7, 8]]);
    expect(await matmul(a, b).sum().compute()).toBe(19 + 22 + 43 + 50);
    const r = (await matmul(matmul(a, b), a).compute()) as DenseArray;
    expect(Array.from(r.data)).toEqual([19 + 66, 38 + 88, 43 + 150, 86 + 200]);
  });

  it('large lazy operands computed panel by panel give the bits of persisted operands', async () => {
    const a = random.random([2200, 2000], { seed: 41, chunks: [550, 2000] }).mul(2);
    const b = random.normal(0, 1, [2000, 2200], { seed: 42, chunks: [2000, 1100] }).exp();
    const lazy = (await matmul(a, b).compute()) as DenseArray;
    const [ap, bp] = [await a.persist(), await b.persist()];
    const mem = (await matmul(ap, bp).compute()) as DenseArray;
    expect(Buffer.from(lazy.data.buffer).equals(Buffer.from(mem.data.buffer))).toBe(true);
    ap.dispose();
    bp.dispose();
  });

  it('a long contraction is split by its shape, not its chunks: Gram matrices and panels give the same bits', async () => {
    // found by scripts/fuzz/determinism: x.T @ x of a [41107, 2] array chunked [[...], [1, 1]] was
    // 4 output tasks and not split (one GEMM over K), chunked [[...], [2]] 1 task and split in blocks
    const x = random.normal(0, 1e3, [41107, 2], { seed: 7, chunks: [[2699, 27374, 4215, 6819], 2] });
    const ref = (await matmul(x.T, x).compute()) as DenseArray;
    for (const c of [[-1, [1, 1]], [20000, 1], [-1, -1]] as const) {
      const y = x.rechunk(c as never);
      const r = (await matmul(y.T, y).compute()) as DenseArray;
      expect(Buffer.from(r.data.buffer).equals(Buffer.from(ref.data.buffer)), JSON.stringify(c)).toBe(true);
    }
    // a lazy operand over 32 MiB in row panels (300 × 40000 float64, 96 MB): each panel split as the one-stage product
    const a = random.random([300, 40000], { seed: 8, chunks: [150, 40000] }).mul(2);
    const b = random.random([40000, 3], { seed: 9, chunks: [40000, 3] });
    const panels = (await matmul(a, b).compute()) as DenseArray;
    const ap = await a.persist();
    const mem = (await matmul(ap, b).compute()) as DenseArray;
    ap.dispose();
    expect(Buffer.from(panels.data.buffer).equals(Buffer.from(mem.data.buffer))).toBe(true);
  });

  it('iterChunks and computeBlock of a product give the chunks of compute()', async () => {
    const a = random.random([9, 4], { seed: 1, chunks: [4, 2] });
    const b = random.random([4, 7], { seed: 2, chunks: [2, 3] });
    const full = (await matmul(a, b).compute()) as DenseArray;
    const seen: number[] = [];
    for await (const c of matmul(a, b).iterChunks()) {
      const [r0, c0] = c.offset;
      c.data.shape.length === 2 && seen.push(c.data.data[0]! - full.data[r0! * 7 + c0!]!);
    }
    expect(seen.length).toBe(9);
    expect(seen.every((d) => d === 0)).toBe(true);
    const blk = await matmul(a, b).computeBlock([2, 2]);
    expect(blk.data[0]).toBe(full.data[8 * 7 + 6]);
  });

  it('multiplies integer and bool operands with NumPy\'s result dtype (through float64, exact below 2^53)', async () => {
    // a naive triple loop is the reference; dtypes are np.result_type's (NumPy 2 printed them)
    const naive = (x: number[], y: number[], m: number, k: number, n: number): number[] =>
      Array.from({ length: m * n }, (_, ij) => {
        let t = 0;
        for (let p = 0; p < k; p++) t += x[Math.floor(ij / n) * k + p]! * y[p * n + (ij % n)]!;
        return t;
      });
    const av = Array.from({ length: 12 }, (_, i) => i - 5);
    const bv = Array.from({ length: 8 }, (_, i) => 3 * i - 7);
    const a = fromArray(new Int32Array(av)).reshape([3, 4]).rechunk([2, 3]);
    const b = fromArray(new Int32Array(bv)).reshape([4, 2]);
    const r = (await matmul(a, b).compute()) as DenseArray;
    expect(r.dtype).toBe('int32');
    expect(r.data).toBeInstanceOf(Int32Array);
    expect(Array.from(r.data as Int32Array)).toEqual(naive(av, bv, 3, 4, 2));
    const mixed = (await matmul(a.astype('int16'), b.astype('float32')).compute()) as DenseArray;
    expect(mixed.dtype).toBe('float32');
    expect((await matmul(a, b.astype('float32')).compute() as DenseArray).dtype).toBe('float64');
    const u = (await matmul(a.astype('uint8'), b.astype('int8')).compute() as DenseArray);
    expect(u.dtype).toBe('int16');
    const bo = fromArray(new Uint8Array([1, 0, 1, 0, 1, 0]), { dtype: 'bool' }).reshape([2, 3]);
    const rb = (await matmul(bo, bo.T).compute()) as DenseArray;
    expect(rb.dtype).toBe('bool');
    expect(Array.from(rb.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    const i64 = fromArray(new BigInt64Array([1n, 2n, 3n, 4n])).reshape([2, 2]);
    const r64 = (await matmul(i64, i64).compute()) as DenseArray;
    expect(Array.from(r64.data as BigInt64Array)).toEqual([7n, 10n, 15n, 22n]);
    expect(await vdot(i64, i64).compute()).toBe(30n);
    // trace sums (int32 → int64, as np.trace); a diagonal keeps the operand's dtype
    expect(await trace(a.get('0:3, 0:3')).compute()).toBe(BigInt(-5 + 0 + 5));
    expect((await einsum('ii->i', a.get('0:3, 0:3').astype('uint8')).compute() as DenseArray).dtype).toBe('uint8');
  });

  it('outer flattens n-d operands, as NumPy', async () => {
    const a = fromArray([[1, 2], [3, 4]]);
    const v = fromArray([[[1]], [[-2]], [[3]]]);
    const r = (await outer(a, v).compute()) as DenseArray;
    expect(r.shape).toEqual([4, 3]);
    expect(Array.from(r.data as Float64Array)).toEqual([1, -2, 3, 2, -4, 6, 3, -6, 9, 4, -8, 12]);
  });

  it('refuses bad operands with clear errors', () => {
    const a = fromArray([[1, 2], [3, 4]]);
    const v = fromArray([1, 2, 3]);
    expect(() => matmul(a, v)).toThrow(RangeError);
    expect(() => matmul(a, v)).toThrow(/core dimensions do not match \(2 vs 3\)/);
    expect(() => matmul(a, 3 as never)).toThrow(TypeError);
    expect(() => matmul(a.sum(), a)).toThrow(RangeError);
    expect(() => tensordot(a, a, { axes: [[0], [0, 1]] })).toThrow(/different lengths/);
    expect(() => einsum('ij,jk->ik', a)).toThrow(RangeError);
    expect(() => einsum('...i,...i', fromArray([[1, 2]]), fromArray([[1, 2], [3, 4]]))).toThrow(/'...' must have equal lengths/);
    expect(() => einsum('i.j', v)).toThrow(RangeError);
    expect(() => einsum('ij,jk->iz', a, a)).toThrow(/'z'/);
    expect(() => trace(a, { offset: 1.5 })).toThrow(TypeError);
    expect(() => vdot(a, v)).toThrow(/same size/);
    expect(matmul(a, a).toPlan().stages.map((s) => s.kind)).toContain('matmul');
  });
});

const root = fileURLToPath(new URL('..', import.meta.url));
const script = `
import { matmul, random, getConfig } from './src/index.ts';
import { createHash } from 'node:crypto';
const h = (d) => createHash('sha256').update(Buffer.from(d.buffer)).digest('hex');
const a = random.random([700, 500], { seed: 3, chunks: [350, 500] });
const b = random.random([500, 600], { seed: 4, chunks: [500, 300] });
const r = await matmul(a, b.mul(2)).compute();
const r32 = await matmul(random.random([300, 400], { seed: 5, dtype: 'float32' }), random.random([400, 200], { seed: 6, dtype: 'float32' })).compute();
const x = random.normal(0, 1, [100003, 7], { seed: 7, chunks: [30000, 7] });
const g = await x.T.matmul(x).compute();
console.log(JSON.stringify({ threads: getConfig().numThreads, r: h(r.data), r32: h(r32.data), g: h(g.data) }));
`;
function runThreads(threads: string): { threads: number; r: string; r32: string; g: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root, env: { ...process.env, TESSERA_NUM_THREADS: threads }, encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('matmul and TESSERA_NUM_THREADS', () => {
  it('1 or 2 threads give bit-identical products (float64 and float32)', () => {
    const one = runThreads('1');
    const two = runThreads('2');
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.r).toBe(one.r);
    expect(two.r32).toBe(one.r32);
    expect(two.g).toBe(one.g);
  });
});

describe('matmul lowered for a cluster', () => {
  it('computes a large lazy operand whole into scratch (no panels reusing one buffer: a buffer stays on the workers)', async () => {
    const { Lowering } = await import('../src/array/lower.js');
    const { StageKind } = await import('../src/plan/types.js');
    const a = random.random([4200, 1000], { seed: 1, chunks: [2100, 1000] });
    const b = random.random([1000, 8], { seed: 2 });
    const stages = (remote: boolean): number[] => new Lowering((bytes) => new ArrayBuffer(bytes), { remote }).lower([{ node: matmul(a.exp(), b).node, target: 'result' }]).plan.stages.map((s) => s.kind ?? StageKind.Kernel);
    expect(stages(false).filter((k) => k === StageKind.Matmul).length).toBeGreaterThan(1); // a panel per chunk row
    expect(stages(true).filter((k) => k === StageKind.Matmul)).toHaveLength(1);
  });
});
