// The engine's dtype boundary: memory leaves of every dtype loaded as themselves (typed registers)
// and sinks storing each of them with NumPy's astype conversion (scripts/fixtures/numpy_casts.py),
// 64-bit integers exactly, integer sums in int64.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LeafKind, NativeDType, OpCode, ReduceCode, native, type NativeStage } from '../src/native.js';
import { DTYPES } from '../src/plan/ops.generated.js';

interface Case { src: string; dst: string; x: string[]; y: string[] }
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/casts.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ctor = {
  bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
  uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
  int64: BigInt64Array, uint64: BigUint64Array,
} as const;
type Name = keyof typeof ctor;
const code = (name: string): NativeDType => DTYPES.find((d) => d.name === name)!.code;

function castStage(src: string, dst: string, n: number, chunks: number[], extra?: { op: number; imm: number }): NativeStage {
  const program = extra ? [OpCode.Load, 0, 0, 0, extra.op, 0, 0, -1] : [OpCode.Load, 0, 0, 0];
  return {
    shape: [n], chunks: [chunks],
    leaves: [{ kind: LeafKind.Memory, dtype: code(src), offset: 0, strides: [1], a: 0, b: 0, seed: 0, buffer: 0 }],
    program: new Int32Array(program), imms: new Float64Array(extra ? [extra.imm] : []), nregs: 1, result: 0,
    sink: { reduce: ReduceCode.None, dtype: code(dst), buffer: 1, offset: 0, strides: [1], reduceAxes: [0], ddof: 0 },
  };
}
const chunksOf = (n: number): number[] => (n > 4 ? [1, 3, n - 4] : [n]);

describe('engine casts at the leaf and the sink (NumPy astype)', () => {
  for (const c of fx.cases) {
    it(`${c.src} -> ${c.dst}`, async () => {
      const n = c.x.length;
      const input = new ctor[c.src as Name](n);
      const wide = c.dst === 'int64' || c.dst === 'uint64';  // only from floats: exact decimal strings
      c.x.forEach((v, i) => (input[i] = Number(v) as never));
      const out = new ctor[c.dst as Name](n);
      await native().execute({ stages: [castStage(c.src, c.dst, n, chunksOf(n))] }, [input, out]).promise;
      const want: (number | bigint)[] = c.y.map((v) => (wide ? BigInt(v) : Number(v)));
      for (let i = 0; i < n; i++) {
        if (!Object.is(out[i], want[i])) throw new Error(`${c.src}->${c.dst} [${i}] ${c.x[i]}: got ${out[i]} want ${c.y[i]}`);
      }
    });
  }

  it('integer arithmetic in exact range wraps at the sink as NumPy (int16 + 30000)', async () => {
    const input = new Int16Array([32767, -32768, 5000, 0]);
    const out = new Int16Array(4);
    await native().execute({ stages: [castStage('int16', 'int16', 4, [4], { op: OpCode.Add, imm: 30000 })] }, [input, out]).promise;
    expect([...out]).toEqual([...new Int16Array([32767 + 30000, -32768 + 30000, 35000, 30000])]);
  });

  it('typed registers: 64-bit integers exactly, integer sums in int64, a loop for every instruction', async () => {
    const run = (st: NativeStage, bufs: ArrayBufferView[]) => native().execute({ stages: [st] }, bufs).promise;
    // int64 beyond 2^53 round-trips exactly and adds exactly (wrapping at 2^63, as NumPy)
    const big = new BigInt64Array([2n ** 62n + 1n, -(2n ** 63n), 9007199254740993n]);
    const o64 = new BigInt64Array(3);
    await run(castStage('int64', 'int64', 3, [1, 2], { op: OpCode.Add, imm: 1 }), [big, o64]);
    expect([...o64]).toEqual([2n ** 62n + 2n, -(2n ** 63n) + 1n, 9007199254740994n]);
    await run(castStage('int64', 'int64', 3, [3]), [big, o64]);
    expect([...o64]).toEqual([...big]);
    // uint64 sink of a float64 register: NumPy's astype
    const u = new BigUint64Array(2);
    await run(castStage('float64', 'uint64', 2, [2]), [new Float64Array([2 ** 63, 3.9]), u]);
    expect([...u]).toEqual([2n ** 63n, 3n]);
    // a sum of int32 in an int64 sink: exact (no float64 rounding), any chunking
    const red = castStage('int32', 'int64', 4, [1, 3]);
    red.sink = { ...red.sink, reduce: ReduceCode.Sum, strides: [0], reduceAxes: [1] };
    const s = new BigInt64Array(1);
    await run(red, [new Int32Array([2 ** 31 - 1, 2 ** 31 - 1, -5, 2 ** 31 - 1]), s]);
    expect(s[0]).toBe(3n * (2n ** 31n - 1n) - 5n);
    // an instruction whose operands' dtypes have no loop is refused, naming the op and the loops
    const mixed: NativeStage = {
      ...castStage('float32', 'float64', 2, [2]),
      leaves: [
        { kind: LeafKind.Memory, dtype: code('float32'), offset: 0, strides: [1], a: 0, b: 0, seed: 0, buffer: 0 },
        { kind: LeafKind.Memory, dtype: code('float64'), offset: 0, strides: [1], a: 0, b: 0, seed: 0, buffer: 1 },
      ],
      program: new Int32Array([OpCode.Load, 0, 0, 0, OpCode.Load, 1, 1, 0, OpCode.Add, 0, 0, 1]),
      nregs: 2,
    };
    expect(() => native().execute({ stages: [mixed] }, [new Float32Array(2), new Float64Array(2)])).toThrow(/program\[2\]: add has no loop for \(float32, float64\) \(accepted: .*\(float32, float32\) -> float32, \(float64, float64\) -> float64/);
    const gen = castStage('float64', 'float64', 2, [2]);
    gen.leaves[0] = { ...gen.leaves[0]!, kind: LeafKind.RandomUniform, dtype: code('int32'), buffer: -1, a: 0, b: 1 };
    expect(() => native().execute({ stages: [gen] }, [new Float64Array(2), new Float64Array(2)])).toThrow(/leaves\[0\]\.dtype: 5 is not a dtype of random leaves/);
  });
});
