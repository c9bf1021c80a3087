// Unit tests of the plan codec's parts (src/plan/codec/), without the addon: each decoder piece
// on small hand-written inputs, with expected values worked out by hand.
import { describe, expect, it } from 'vitest';
import { LeafKind, NativeDType, OpCode, ReduceCode } from '../../src/plan/types.js';
import { OPS, REDUCES, LEAF_KINDS, dtypeCode, dtypeName, itemBytes } from '../../src/plan/codec/codes.js';
import { PLAN_LIMITS, bufferLength, planOutputNames, type Plan, type PlanBuffer } from '../../src/plan/codec/format.js';
import { decodeNumber, encodeNumber } from '../../src/plan/codec/numbers.js';
import { addressRange, injective } from '../../src/plan/codec/geometry.js';
import { decodeBuffers, decodeOutputs } from '../../src/plan/codec/decode.js';
import { decodeChunks, decodeLeaf, decodeProgram, decodeSink, type StageContext } from '../../src/plan/codec/decode-stage.js';
import { encodeStage } from '../../src/plan/codec/encode.js';

const buffers: PlanBuffer[] = [
  { role: 'input', name: 'x', dtype: 'float64', length: 12 },
  { role: 'output', name: 'y', dtype: 'float64', shape: [3, 4] },
  { role: 'scratch', dtype: 'float32', length: 4 },
  { role: 'output', name: 's', dtype: 'float64', shape: [] },
];
const ctx = (written: number[] = []): StageContext => ({ buffers, written: new Set(written), maxElements: 1e6, elements: 0 });

describe('plan codes', () => {
  it('names map to the engine codes', () => {
    expect(OPS.load).toEqual({ code: OpCode.Load, arity: 0 });
    expect(OPS.exp).toEqual({ code: 3, arity: 1 });
    expect(OPS.min).toEqual({ code: 22, arity: 2 });
    expect(Object.keys(OPS).slice(0, 15)).toEqual(['load', 'neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'cos', 'add', 'sub', 'mul', 'div', 'pow', 'max', 'min']);
    // issue 14's float64 ufuncs: unary codes from 32, binary from 64
    expect(OPS.square).toEqual({ code: 32, arity: 1 });
    expect(OPS.floorDivide).toEqual({ code: 69, arity: 2 });
    expect(REDUCES).toEqual({
      none: 0, sum: 1, prod: 2, min: 3, max: 4, mean: 5, var: 6, std: 7, nansum: 8, nanprod: 9, nanmean: 10, nanvar: 11,
      nanstd: 12, nanmin: 13, nanmax: 14, any: 15, all: 16, count_nonzero: 17, ptp: 18, argmin: 19, argmax: 20, nanargmin: 21, nanargmax: 22,
    });
    expect(LEAF_KINDS).toEqual({ arange: 0, random_uniform: 1, random_normal: 2, memory: 3 });
    expect([dtypeName(NativeDType.F64), dtypeName(NativeDType.F32), dtypeCode('float32'), itemBytes('float64'), itemBytes('float32')]).toEqual(['float64', 'float32', 1, 8, 4]);
  });

  it('PLAN_LIMITS keeps its public keys and values', () => {
    expect(PLAN_LIMITS).toEqual({
      maxDims: 32, maxRegisters: 64, maxInstructions: 65536, maxLeaves: 65536, maxImms: 1048576, maxStages: 65536,
      maxBuffers: 65536, maxTasksPerStage: 2 ** 31, maxNameLength: 256, defaultMaxElements: 2 ** 48,
    });
    expect(Object.keys(PLAN_LIMITS)[0]).toBe('maxDims');
    expect(Object.isFrozen(PLAN_LIMITS)).toBe(true);
  });
});

describe('numbers', () => {
  it('round-trips the values JSON cannot spell', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, 1.5, -2e-308];
    const encoded = values.map(encodeNumber);
    expect(encoded).toEqual(['NaN', 'Infinity', '-Infinity', '-0', 0, 1.5, -2e-308]);
    const back = JSON.parse(JSON.stringify(encoded)).map((v: unknown, i: number) => decodeNumber(`imms[${i}]`, v));
    back.forEach((v: number, i: number) => expect(Object.is(v, values[i])).toBe(true));
    expect(() => decodeNumber('p', 'nan')).toThrow(new TypeError('p: expected a number (or "NaN", "Infinity", "-Infinity", "-0"), got "nan"'));
  });
});

describe('geometry', () => {
  it('addressRange spans offset + sum of strides*(n-1), negative strides downward', () => {
    expect(addressRange('p', 5, [4, 1], [3, 4])).toEqual([5, 5 + 8 + 3]);
    expect(addressRange('p', 11, [-4, -1], [3, 4])).toEqual([0, 11]);
    expect(addressRange('p', 0, [1, 1], [0, 4])).toBeNull();
    expect(() => addressRange('p', 0, [2 ** 52], [4])).toThrow(RangeError);
  });
  it('injective: each |stride| must exceed the span of the smaller ones', () => {
    expect(injective([4, 1], [3, 4], [0, 1])).toBe(true);
    expect(injective([3, 1], [3, 4], [0, 1])).toBe(false); // (0,3) and (1,0) both land on 3
    expect(injective([0, 1], [3, 4], [1])).toBe(true); // axis 0 reduced
    expect(injective([0, 1], [3, 4], [0, 1])).toBe(false);
    expect(injective([0], [1], [0])).toBe(true); // length-1 axes never collide
  });
});

describe('decode parts', () => {
  it('decodeBuffers counts output and scratch bytes and refuses repeated names', () => {
    expect(decodeBuffers(buffers, 1e6)).toEqual({ buffers, allocBytes: 12 * 8 + 4 * 4 + 8 });
    expect(bufferLength(buffers[3]!)).toBe(1);
    expect(() => decodeBuffers(buffers, 100)).toThrow(new RangeError('plan.buffers: outputs and scratch need 120 bytes, over the limit of 100'));
    expect(() => decodeBuffers([buffers[0], buffers[0]], 1e6)).toThrow(new RangeError('plan.buffers[1].name: input name "x" is used twice'));
    expect(() => decodeBuffers([{ role: 'temp' }], 1e6)).toThrow(new RangeError('plan.buffers[0].role: unknown role "temp" (accepted: input, output, constant, scratch)'));
  });

  it('decodeOutputs accepts only output buffers', () => {
    expect(decodeOutputs([3, 1], buffers)).toEqual([3, 1]);
    expect(() => decodeOutputs([2], buffers)).toThrow(new RangeError('plan.outputs[0]: buffer 2 has role "scratch", not "output"'));
  });

  it('decodeChunks: sizes tile each axis; the grid is the task count', () => {
    expect(decodeChunks('c', [[2, 1], [1, 1, 2]], [3, 4])).toEqual({ chunks: [[2, 1], [1, 1, 2]], tasks: 6 });
    expect(decodeChunks('c', [[0]], [0])).toEqual({ chunks: [[0]], tasks: 1 });
    expect(() => decodeChunks('c', [[2, 2]], [3])).toThrow(new RangeError('c[0]: chunk sizes sum to 4, shape[0] is 3'));
    expect(() => decodeChunks('c', [[3]], [3, 4])).toThrow(new RangeError('c: has 1 axes, shape has 2 (one list of chunk sizes per axis)'));
  });

  it('decodeSink: elementwise store and reduction', () => {
    expect(decodeSink('k', { reduce: 'none', dtype: 'float64', buffer: 1, strides: [4, 1] }, [3, 4], buffers)).toEqual({
      reduce: ReduceCode.None, dtype: NativeDType.F64, buffer: 1, offset: 0, strides: [4, 1], reduceAxes: [0, 0], ddof: 0,
    });
    expect(decodeSink('k', { reduce: 'var', dtype: 'float64', buffer: 3, strides: [0, 0], reduceAxes: [1, 1], ddof: 1 }, [3, 4], buffers)).toEqual({
      reduce: ReduceCode.Var, dtype: NativeDType.F64, buffer: 3, offset: 0, strides: [0, 0], reduceAxes: [1, 1], ddof: 1,
    });
    expect(() => decodeSink('k', { reduce: 'none', dtype: 'float64', buffer: 0, strides: [4, 1] }, [3, 4], buffers)).toThrow(/is the input "x"/);
    expect(() => decodeSink('k', { reduce: 'none', dtype: 'float64', buffer: 1, offset: 1, strides: [4, 1] }, [3, 4], buffers)).toThrow(
      new RangeError('k: writes element 12 but buffer 1 holds 12 elements'),
    );
    expect(() => decodeSink('k', { reduce: 'none', dtype: 'float64', buffer: 1, strides: [1, 1] }, [3, 4], buffers)).toThrow(/more than once/);
  });

  it('decodeLeaf: generated leaves and memory reads', () => {
    expect(decodeLeaf('l', { kind: 'random_normal', dtype: 'float64', strides: [4, 1], a: 0, b: 'Infinity', seed: 7 }, [3, 4], 1, ctx())).toEqual({
      kind: LeafKind.RandomNormal, dtype: NativeDType.F64, offset: 0, strides: [4, 1], a: 0, b: Infinity, seed: 7, buffer: -1,
    });
    expect(decodeLeaf('l', { kind: 'memory', dtype: 'float64', offset: 11, strides: [-4, -1], buffer: 0 }, [3, 4], 1, ctx())).toEqual({
      kind: LeafKind.Memory, dtype: NativeDType.F64, offset: 11, strides: [-4, -1], a: 0, b: 0, seed: 0, buffer: 0,
    });
    expect(() => decodeLeaf('l', { kind: 'memory', dtype: 'float32', strides: [0, 1], buffer: 2 }, [3, 4], 1, ctx())).toThrow(
      new RangeError('l.buffer: buffer 2 (scratch) is read before any earlier stage writes it'),
    );
    expect(decodeLeaf('l', { kind: 'memory', dtype: 'float32', strides: [0, 1], buffer: 2 }, [3, 4], 1, ctx([2])).buffer).toBe(2);
    expect(() => decodeLeaf('l', { kind: 'memory', dtype: 'float64', strides: [4, 1], buffer: 1 }, [3, 4], 1, ctx([1]))).toThrow(/cannot read what it writes/);
  });

  it('decodeProgram: four int32 per instruction, registers written before read', () => {
    const { program, imms } = decodeProgram('s', { imms: [2, '-0'], program: [['load', 0, 0], ['mul', 1, 0, -1], ['exp', 0, 1]] }, 2, 0, 1);
    expect(Array.from(program)).toEqual([OpCode.Load, 0, 0, 0, OpCode.Mul, 1, 0, -1, OpCode.Exp, 0, 1, 0]);
    expect(Array.from(imms, (v) => Object.is(v, -0) ? '-0' : v)).toEqual([2, '-0']);
    expect(() => decodeProgram('s', { program: [['neg', 0, 1]] }, 2, 0, 1)).toThrow(new RangeError('s.program[0][2]: register 1 is read before it is written'));
    expect(() => decodeProgram('s', { program: [['load', 0, 0]] }, 2, 1, 1)).toThrow(new RangeError('s.result: register 1 is never written by the program'));
    expect(() => decodeProgram('s', { program: [['add', 0, 0]] }, 2, 0, 1)).toThrow(new RangeError('s.program[0]: "add" takes 4 entries ([op, dst, a, b]), got 3'));
  });

  it('encodeStage spells a native stage back in plan names', () => {
    const stage = encodeStage({
      shape: [4], chunks: [[4]], nregs: 1, result: 0, imms: new Float64Array([NaN]),
      leaves: [{ kind: LeafKind.Arange, dtype: NativeDType.F32, offset: 0, strides: [1], a: 0, b: -0, seed: 0, buffer: -1 }],
      program: new Int32Array([OpCode.Load, 0, 0, 0, OpCode.Max, 0, 0, -1]),
      sink: { reduce: ReduceCode.Sum, dtype: NativeDType.F64, buffer: 3, offset: 0, strides: [0], reduceAxes: [1], ddof: 0 },
    }, 'max-sum');
    expect(stage).toEqual({
      name: 'max-sum', shape: [4], chunks: [[4]], nregs: 1, result: 0, imms: ['NaN'],
      leaves: [{ kind: 'arange', dtype: 'float32', offset: 0, strides: [1], a: 0, b: '-0' }],
      program: [['load', 0, 0], ['max', 0, 0, -1]],
      sink: { reduce: 'sum', dtype: 'float64', buffer: 3, offset: 0, strides: [0], reduceAxes: [1], ddof: 0 },
    });
  });

  it('planOutputNames follows plan.outputs', () => {
    const plan = { format: 'tessera.plan', version: 1, buffers, stages: [], outputs: [3, 1] } as Plan;
    expect(planOutputNames(plan)).toEqual(['s', 'y']);
  });
});
