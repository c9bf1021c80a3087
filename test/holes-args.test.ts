// Arguments that used to be mangled or answered with an internal JS message (issue 13, item 6).
import { describe, expect, it } from 'vitest';
import { compute, delayed, fromArray, ones, zeros, random, TaskError } from '../src/index.js';

describe('fromArray with holes', () => {
  it('refuses a hole naming its index instead of shifting the later elements', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fromArray([1, , 3])).toThrow(/^fromArray: data\[1\] is a hole/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fromArray([[1, 2], [, 4]])).toThrow(/^fromArray: data\[1\]\[0\] is a hole/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fromArray([[1, 2], , [3, 4]])).toThrow(TypeError);
    const trailing = [1, 2, 3];
    trailing.length = 4;
    expect(() => fromArray(trailing)).toThrow(/data\[3\] is a hole/);
  });

  it('still reads dense nested arrays in row-major order', async () => {
    const r = await fromArray([[1, 2], [3, 4]]).compute();
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4]);
    expect(() => fromArray([[1, 2], [3, 'x']])).toThrow(/got "x" at data\[1\]\[1\]/);
  });
});

describe('shapes with holes', () => {
  it('gives an argument error naming the missing dimension', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => ones([, 2])).toThrow(/^shape\[0\] is missing/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => zeros([2, , 3])).toThrow(/^shape\[1\] is missing/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => random.random([, 2])).toThrow(TypeError);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fromArray(new Float64Array(4), { shape: [2, , 2] })).toThrow(/^shape\[1\] is missing/);
  });
});

describe('delayed nout', () => {
  it('fails the compute naming nout when the result is shorter, longer or not an array', async () => {
    const [a, b] = delayed(() => [1], { nout: 2 })();
    const err = await compute(a, b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).cause).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/options\.nout = 2 but returned 1 items/);
    await expect(delayed(() => [1, 2, 3], { nout: 2 })().compute()).rejects.toThrow(/nout = 2 but returned 3 items/);
    await expect(delayed(() => 5, { nout: 1 })().compute()).rejects.toThrow(/nout = 1 but returned number/);
  });

  it('passes results of the declared length through', async () => {
    const [q, r] = delayed((x: number) => [Math.floor(x / 3), x % 3] as const, { nout: 2 })(7);
    expect(await compute(q, r)).toEqual([2, 1]);
    const [x, y] = delayed(() => new Float64Array([4, 5]), { nout: 2 })();
    expect(await compute(x, y)).toEqual([4, 5]);
  });
});

describe('unknown and wrong options', () => {
  it('delayed() refuses unknown options, listing the accepted ones', () => {
    expect(() => delayed(() => 1, { nuot: 2 } as never)).toThrow(/^delayed\(fn, options\): unknown option "nuot"; accepted: name, pure, nout, worker/);
    expect(() => delayed(5, { nme: 'x' } as never)).toThrow(/unknown option "nme"/);
  });

  it('compute() refuses unknown options for arrays, delayed values and both', async () => {
    await expect(ones([3]).sum().compute({ progres: true } as never)).rejects.toThrow(/^compute: unknown option "progres"; accepted: progress, onProgress, signal, profiler/);
    await expect(delayed(() => 1)().compute({ sigal: 1 } as never)).rejects.toThrow(/unknown option "sigal"; accepted: progress, onProgress, signal, profiler, observers/);
    await expect(compute(ones([3]).sum(), delayed(() => 1)(), { foo: 1 } as never)).rejects.toThrow(TypeError);
    await expect(ones([3]).persist({ bar: 1 } as never)).rejects.toThrow(/^persist: unknown option "bar"/);
  });

  it('a signal that is not an AbortSignal is an argument error naming signal', async () => {
    for (const run of [() => ones([3]).sum().compute({ signal: 'x' } as never), () => delayed(() => 1)().compute({ signal: 'x' } as never), () => compute(ones([2]), { signal: {} } as never)]) {
      const err = await run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/options\.signal must be an AbortSignal/);
    }
    const ac = new AbortController();
    expect(await ones([3]).sum().compute({ signal: ac.signal })).toBe(3);
  });
});
