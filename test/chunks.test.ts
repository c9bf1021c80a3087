import { describe, expect, it } from 'vitest';
import { normalizeChunks } from '../src/array/chunks.js';

describe('normalizeChunks (Dask semantics)', () => {
  it('expands a single block size to every axis, last block smaller', () => {
    expect(normalizeChunks(5, [12, 5], 8)).toEqual([[5, 5, 2], [5]]);
  });
  it('takes per-axis sizes, -1 and null for whole axes', () => {
    expect(normalizeChunks([1000, 10], [1000, 30], 8)).toEqual([[1000], [10, 10, 10]]);
    expect(normalizeChunks([-1, 4], [7, 8], 8)).toEqual([[7], [4, 4]]);
    expect(normalizeChunks([null, 4], [7, 8], 8)).toEqual([[7], [4, 4]]);
  });
  it('accepts explicit sizes, and plain numbers as explicit sizes of a 1-d shape', () => {
    expect(normalizeChunks([[2, 3], [5]], [5, 5], 8)).toEqual([[2, 3], [5]]);
    expect(normalizeChunks([5, 5], [10], 8)).toEqual([[5, 5]]);
  });
  it("'auto' aims at 128 MiB chunks like Dask: 4096 x 4096 for 40000^2 float64", () => {
    const c = normalizeChunks('auto', [40000, 40000], 8);
    expect(c[0]!.length).toBe(10);
    expect(c[0]![0]).toBe(4096);
    expect(c[0]![9]).toBe(40000 - 9 * 4096);
    expect(normalizeChunks(undefined, [100, 50], 8)).toEqual([[100], [50]]);
    // A short axis is taken whole and the rest re-solved: 128 MiB / 8 B / 10 = 1677721.
    expect(normalizeChunks(['auto', 'auto'], [10, 1e7], 8)).toEqual([[10], [1677721, 1677721, 1677721, 1677721, 1677721, 1611395]]);
  });
  it('zero-length axes get one empty chunk', () => {
    expect(normalizeChunks(5, [0, 3], 8)).toEqual([[0], [3]]);
  });
  it('rejects specs that do not tile the shape, naming the axis', () => {
    expect(() => normalizeChunks([[2, 2], [5]], [5, 5], 8)).toThrow(RangeError);
    expect(() => normalizeChunks([[2, 2], [5]], [5, 5], 8)).toThrow(/chunks\[0\] sizes sum to 4 but shape\[0\] is 5/);
    expect(() => normalizeChunks([5], [5, 5], 8)).toThrow(/1 entries but the array has 2 dimensions/);
    expect(() => normalizeChunks(0, [5], 8)).toThrow(RangeError);
    expect(() => normalizeChunks(2.5, [5], 8)).toThrow(/positive integer/);
    expect(() => normalizeChunks([[2, -1, 4]], [5], 8)).toThrow(RangeError);
    expect(() => normalizeChunks('big' as never, [5], 8)).toThrow(TypeError);
    expect(() => normalizeChunks([{}] as never, [5], 8)).toThrow(TypeError);
  });
});
