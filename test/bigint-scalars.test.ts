// Exact integer scalars (issue 14, bigint14) against NumPy 2 (test/fixtures/numpy/bigint.json from
// scripts/fixtures/numpy_bigint.py, NumPy 2.4): int64/uint64 arrays with bigints near 2^53, 2^62,
// 2^63 - 1, 2^64 - 1 and negative ones, every op that takes a scalar (either side), where, clip,
// full, set and add(a, b) of two bigints; the RangeErrors where NumPy 2 raises OverflowError; and a
// bigint immediate through the plan codec (export → JSON → execute equals compute()).
// Integer results must match bit for bit. Run also with TESSERA_ISA=baseline.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { DenseArray, execute, exportPlan, fromArray, full, type NDArray } from '../src/index.js';
import { typedArrayClass, type DType } from '../src/array/dtype.js';

interface Arr { dtype: DType; values: string[] }
interface Outcome { result?: Arr; error?: string; message?: string }
type Case = Outcome &
  (
    | { kind: 'binary'; op: string; x: Arr; scalar: string; side: 'left' | 'right' }
    | { kind: 'where'; x: Arr; cond: Arr; scalar: string; side: 'x' | 'y' }
    | { kind: 'full'; dtype: DType; scalar: string }
    | { kind: 'set'; x: Arr; index: number; scalar: string }
    | { kind: 'clip'; x: Arr; lo: string | null; hi: string | null }
    | { kind: 'scalars'; op: string; a: string; b: string }
  );
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/bigint.json', import.meta.url), 'utf8')) as { cases: Case[] };

const big = (d: DType): boolean => d === 'int64' || d === 'uint64';
const num = (s: string): number => (s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : s === '-0' ? -0 : Number(s));

function input(a: Arr): NDArray {
  const C = typedArrayClass(a.dtype) as unknown as new (n: number) => { [i: number]: number | bigint };
  const data = new C(a.values.length);
  a.values.forEach((v, i) => (data[i] = big(a.dtype) ? BigInt(v) : num(v)));
  const n = a.values.length;
  // irregular chunks, so immediates meet every chunk's kernel
  return fromArray(data as unknown as Uint8Array, { chunks: (n > 3 ? [[3, n - 3]] : undefined) as never, ...(a.dtype === 'bool' ? { dtype: 'bool' as const } : {}) }) as NDArray;
}

const fn = T as unknown as Record<string, (...a: unknown[]) => NDArray>;

function build(c: Case): NDArray {
  switch (c.kind) {
    case 'binary': {
      const x = input(c.x);
      const s = BigInt(c.scalar);
      return c.side === 'right' ? (x as unknown as Record<string, (o: bigint) => NDArray>)[c.op]!(s) : fn[c.op]!(s, x);
    }
    case 'where': {
      const x = input(c.x);
      const s = BigInt(c.scalar);
      return c.side === 'x' ? T.where(input(c.cond), s, x) : T.where(input(c.cond), x, s);
    }
    case 'full':
      return full([3], BigInt(c.scalar), { dtype: c.dtype });
    case 'set':
      return input(c.x).set(c.index, BigInt(c.scalar));
    case 'clip':
      return input(c.x).clip(c.lo === null ? null : BigInt(c.lo), c.hi === null ? null : BigInt(c.hi));
    case 'scalars':
      return fn[c.op]!(BigInt(c.a), BigInt(c.b));
  }
}

const label = (c: Case): string =>
  c.kind === 'binary' ? `${c.x.dtype}.${c.op}(${c.scalar}) ${c.side}` : c.kind === 'scalars' ? `${c.op}(${c.a}n, ${c.b}n)` : `${c.kind} ${'x' in c ? c.x.dtype : c.kind === 'full' ? c.dtype : ''} ${'scalar' in c ? c.scalar : ''}`;

function compare(want: Arr, got: unknown, name: string): void {
  const values: (number | bigint)[] = got instanceof DenseArray ? Array.from(got.data as ArrayLike<number | bigint>) : [got as number | bigint];
  expect(values.length, name).toBe(want.values.length);
  values.forEach((g, i) => {
    const w = want.values[i]!;
    if (big(want.dtype)) {
      if (typeof g !== 'bigint' || g !== BigInt(w)) throw new Error(`${name} [${i}]: got ${g}, NumPy ${w}`);
    } else if (!Object.is(Number(g), num(w))) {
      throw new Error(`${name} [${i}]: got ${g}, NumPy ${w} (${want.dtype})`);
    }
  });
}

async function check(c: Case): Promise<void> {
  const name = label(c);
  if (c.error) {
    // NumPy 2's OverflowError: a RangeError naming the operation's argument, the value and the range
    let err: unknown;
    try {
      await build(c).compute();
    } catch (e) {
      err = e;
    }
    expect(err, name).toBeInstanceOf(RangeError);
    expect(String(err), name).toMatch(/out of bounds for \w+ \(accepted: integers in \[-?\d+, \d+\]\)|too large to convert to float/);
    return;
  }
  const x = build(c);
  expect(x.dtype, name).toBe(c.result!.dtype);
  compare(c.result!, await x.compute(), name);
}

const kinds = ['binary', 'where', 'full', 'set', 'clip', 'scalars'] as const;

describe('bigint scalars match NumPy 2 (NEP 50 Python ints)', () => {
  for (const kind of kinds) {
    it(`${kind}: ${fx.cases.filter((c) => c.kind === kind).length} cases`, async () => {
      for (const c of fx.cases) if (c.kind === kind) await check(c);
    });
  }

  it('out-of-range errors name the operation, the value and the dtype range', () => {
    const x = fromArray(new BigInt64Array([1n]));
    expect(() => x.add(2n ** 63n)).toThrow(
      new RangeError('add: operand 1 = 9223372036854775808 is out of bounds for int64 (accepted: integers in [-9223372036854775808, 9223372036854775807]); NumPy 2 raises OverflowError here: cast the array first (astype) or pass a float'),
    );
    expect(() => T.sub(-1n, fromArray(new BigUint64Array([1n])))).toThrow(/sub: operand 0 = -1 is out of bounds for uint64 \(accepted: integers in \[0, 18446744073709551615\]\)/);
    expect(() => full([2], 300n, { dtype: 'uint8' })).toThrow(/full: fillValue = 300 is out of bounds for uint8/);
    expect(() => fromArray(new Int8Array([1])).set(0, 128n)).toThrow(/set: value = 128 is out of bounds for int8/);
    expect(() => T.add(2n ** 63n, 1n)).toThrow(/add: first operand = 9223372036854775808 is out of bounds for int64/);
  });

  it('keeps the array type and dtype; isclose refuses bigints (a float comparison)', async () => {
    const x = fromArray(new BigInt64Array([1n, 2n, 3n]));
    const y: NDArray<'int64', 1> = x.add(2n ** 60n + 1n);
    expect(y.dtype).toBe('int64');
    const z: NDArray<'int64', 0> = T.add(1n, 2n);
    expect(await z.compute()).toBe(3n);
    const f: NDArray<'float64', 0> = T.add(1n, 2.5);
    expect(await f.compute()).toBe(3.5);
    const b: NDArray<'int64', 1> = fromArray(new Uint8Array([1, 0]), { dtype: 'bool' }).add(2n ** 62n);
    expect(Array.from((await b.compute()).data)).toEqual([2n ** 62n + 1n, 2n ** 62n]);
    expect(() => T.isclose(x as never, 1n as never)).toThrow(/isclose: b must be an NDArray or a number, got a bigint/);
    // a JS number integer above 2^53 is the integer it spells (a double already): exact into uint64
    const u = await fromArray(new BigUint64Array([1n])).add(2 ** 63).compute();
    expect(u.data[0]).toBe(2n ** 63n + 1n);
  });

  it('task graphs of bigint expressions name the array operands only', () => {
    const x = fromArray(new BigInt64Array([1n, 2n]));
    const g = x.add(5n).graph();
    expect(g.layers.map((l) => l.deps)).toEqual([[], [x.name]]);
  });

  it('an exact constant loaded into a register (not an operand) stays exact', async () => {
    // full(...).neg(): the constant is the program's first value, loaded from a leaf, not an immediate
    expect(Array.from((await full([2], 2n ** 63n - 1n).neg().compute()).data)).toEqual([-(2n ** 63n - 1n), -(2n ** 63n - 1n)]);
    expect(Array.from((await full([2], 2n ** 64n - 1n, { dtype: 'uint64' }).bitwiseXor(1n).compute()).data)).toEqual([2n ** 64n - 2n, 2n ** 64n - 2n]);
  });
});

describe('plan codec: bigint immediates', () => {
  it('export → JSON → decode → execute equals compute(), with the exact value in the JSON', async () => {
    const x = fromArray(new BigInt64Array([1n, -2n, 3n, 4n]), { chunks: 3 });
    const u = fromArray(new BigUint64Array([0n, 1n, 2n ** 63n, 5n]), { chunks: 3 });
    const a = x.add(2n ** 63n - 4n).sub(-(2n ** 62n) - 1n);
    const b = u.bitwiseXor(2n ** 64n - 1n).maximum(2n ** 63n + 1n);
    const { plan, inputs } = exportPlan([a, b]);
    const text = JSON.stringify(plan);
    expect(text).toContain('{"int":"9223372036854775804"}');
    expect(text).toContain('{"int":"18446744073709551615"}');
    const [ra, rb] = (await execute(JSON.parse(text), inputs)) as DenseArray[];
    expect(Array.from(ra!.data)).toEqual(Array.from((await a.compute()).data));
    expect(Array.from(rb!.data)).toEqual(Array.from((await b.compute()).data));
    expect(Array.from(rb!.data)).toEqual([2n ** 64n - 1n, 2n ** 64n - 2n, 2n ** 63n + 1n, 2n ** 64n - 6n]);
  });

  it('plans without exact integers are unchanged; bad exact integers are refused naming the path', () => {
    const { plan } = exportPlan(fromArray(new BigInt64Array([1n])).add(3n));
    expect(plan.stages[0]!.imms).toEqual([3]);
    const bad = (imm: unknown): unknown => ({ ...plan, stages: [{ ...plan.stages[0]!, imms: [imm] }] });
    expect(() => T.validatePlan(bad({ int: String(2n ** 64n) }))).toThrow(/plan\.stages\[0\]\.imms\[0\]\.int: 18446744073709551616 is outside \[-2\^63, 2\^64 - 1\]/);
    expect(() => T.validatePlan(bad({ int: '1.5' }))).toThrow(TypeError);
    expect(() => T.validatePlan(bad({ int: '7', kind: 'x' }))).toThrow(TypeError);
  });

  it('the engine refuses an exact immediate its instruction dtype cannot hold', async () => {
    const { plan, inputs } = exportPlan(fromArray(new Int32Array([1])).add(3));
    const p = { ...plan, stages: [{ ...plan.stages[0]!, imms: [{ int: String(2n ** 40n) }] }] };
    await expect(execute(p, inputs)).rejects.toThrow(/immediate imms\[0\] = 1099511627776 does not fit int32/);
  });
});

describe('distributed wire: bigint immediates reach the workers exactly', () => {
  it('client.compute equals compute() on an in-process cluster', async () => {
    const { busCluster } = await import('./helpers/distributed.js');
    const cluster = await busCluster(['a'], 200);
    try {
      const a = T.arange(10, { chunks: 4 }).add(2n ** 63n - 20n).sum();
      const b = T.arange(10, { dtype: 'uint64', chunks: 4 }).bitwiseXor(2n ** 64n - 1n);
      const [ra, rb] = [await cluster.client.compute(a), await cluster.client.compute(b)];
      expect(ra).toBe(await a.compute());
      expect(Array.from((rb as DenseArray).data)).toEqual(Array.from((await b.compute()).data));
      expect((rb as DenseArray).data[0]).toBe(2n ** 64n - 1n);
    } finally {
      await cluster.close();
    }
  });
});
