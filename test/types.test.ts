// The public types (issue 19 item 3, issue 14 item 1): test/types/public.ts type-checks under
// strict (its assertions are compile-time), the type-level promotion table in src/array/types.ts
// is dtype.ts's runtime promoteTypes cell by cell, and the dtypes the types promise are the ones
// the arrays have at run time (the cases the engine does not compute yet are marked `fails`:
// they start passing, and so fail here, when typed registers land — then flip them).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DTYPES, promoteTypes } from '../src/array/dtype.js';
import { arange, fromArray, ones, random, zeros, type NDArray } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('public types', () => {
  it('test/types/public.ts type-checks (tsc -p test/types)', () => {
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(root, 'test', 'types')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(out).toBe('');
  });

  it('PromoteTypes (src/array/types.ts) is promoteTypes for all 121 dtype pairs', () => {
    const text = readFileSync(join(root, 'src', 'array', 'types.ts'), 'utf8');
    const table = new Map<string, string>();
    for (const row of text.matchAll(/^ {2}(\w+): \{ (.*) \};$/gm)) {
      for (const cell of row[2]!.matchAll(/(\w+): '(\w+)'/g)) table.set(`${row[1]}|${cell[1]}`, cell[2]!);
    }
    expect(table.size).toBe(DTYPES.length ** 2);
    const wrong: string[] = [];
    for (const a of DTYPES) for (const b of DTYPES) if (table.get(`${a}|${b}`) !== promoteTypes(a, b)) wrong.push(`${a}+${b}: type ${table.get(`${a}|${b}`)}, runtime ${promoteTypes(a, b)}`);
    expect(wrong).toEqual([]);
  });
});

// [expression, the dtype its type says] — the same cases as test/types/public.ts.
const a = ones([4, 4]);
const f32 = zeros([4], { dtype: 'float32' });
const cases: [string, () => NDArray, string][] = [
  ['ones([4,4])', () => a, 'float64'],
  ['zeros([4], float32)', () => f32, 'float32'],
  ['random.random', () => random.random([4], { seed: 1 }), 'float64'],
  ['a.mul(2)', () => a.mul(2), 'float64'],
  ['f32.mul(0.1)', () => f32.mul(0.1), 'float32'],
  ['f32.add(a)', () => f32.add(a), 'float64'],
  ['a.gt(0.5)', () => a.gt(0.5), 'bool'],
  ['a.exp()', () => a.exp(), 'float64'],
  ['a.sum()', () => a.sum(), 'float64'],
  ['a.sum({ dtype: float32 })', () => a.sum({ dtype: 'float32' }), 'float32'],
  ['a.mean()', () => a.mean(), 'float64'],
  ['a.cumsum({ axis: 0 })', () => a.cumsum({ axis: 0 }), 'float64'],
  ['fromArray(Float32Array)', () => fromArray(new Float32Array(3)), 'float32'],
  ['fromArray(nested)', () => fromArray([[1, 2], [3, 4]]), 'float64'],
  ['arange(0, 1, 0.25)', () => arange(0, 1, 0.25), 'float64'],
];
// NumPy's integer dtypes, computed since the registers are typed.
const integers: [string, () => NDArray, string][] = [
  ['a.gt(0.5).sum()', () => a.gt(0.5).sum(), 'int64'],
  ['a.argmax()', () => a.argmax(), 'int64'],
  ['arange(10)', () => arange(10), 'int64'],
  ['fromArray(Int16Array)', () => fromArray(new Int16Array(3)), 'int16'],
];

describe('the types promise the runtime dtype', () => {
  for (const [name, make, dtype] of cases) it(`${name} is ${dtype}`, () => expect(make().dtype).toBe(dtype));
  for (const [name, make, dtype] of integers) it(`${name} is ${dtype}`, () => expect(make().dtype).toBe(dtype));
});
