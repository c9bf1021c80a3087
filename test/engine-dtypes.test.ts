// The engine's dtype boundary (native/engine/dtype_io.h): memory leaves of every dtype a float64
// register holds exactly, and sinks storing each of them, against NumPy's astype
// (scripts/fixtures/numpy_casts.py); 64-bit integers and non-float reductions are refused until
// the VM has typed registers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LeafKind, NativeDType, OpCode, ReduceCode, native, type NativeStage } from '../src/native.js';
import { DTYPES } from '../src/plan/ops.generated.js';

interface Case { src: string; dst: string; x: string[]; y: string[] }
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/casts.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ctor = {
  bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
  uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
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
      c.x.forEach((v, i) => (input[i] = Number(v)));
      const out = new ctor[c.dst as Name](n);
      await native().execute({ stages: [castStage(c.src, c.dst, n, chunksOf(n))] }, [input, out]).promise;
      const want = c.y.map(Number);
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

  it('refuses 64-bit integers and integer reductions, naming the field', () => {
    const run = (s: NativeStage, bufs: ArrayBufferView[]) => () => native().execute({ stages: [s] }, bufs);
    const i64 = castStage('int64', 'float64', 2, [2]);
    expect(run(i64, [new BigInt64Array(2), new Float64Array(2)])).toThrow(/leaves\[0\]\.dtype: 6 \(64-bit integers\) needs typed registers/);
    const u64 = castStage('float64', 'uint64', 2, [2]);
    expect(run(u64, [new Float64Array(2), new BigUint64Array(2)])).toThrow(/sink\.dtype: 10 \(64-bit integers\) needs typed registers/);
    const red = castStage('float64', 'int32', 2, [2]);
    red.sink = { ...red.sink, reduce: ReduceCode.Sum, strides: [0], reduceAxes: [1] };
    expect(run(red, [new Float64Array(2), new Int32Array(1)])).toThrow(/sink\.dtype: 5 is not a dtype of reductions yet/);
    const gen = castStage('float64', 'float64', 2, [2]);
    gen.leaves[0] = { ...gen.leaves[0]!, kind: LeafKind.Arange, dtype: code('int32'), buffer: -1, a: 0, b: 1 };
    expect(run(gen, [new Float64Array(2), new Float64Array(2)])).toThrow(/leaves\[0\]\.dtype: 5 is not a dtype of generated leaves/);
  });
});
