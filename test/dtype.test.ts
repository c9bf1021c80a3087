// The dtype vocabulary against NumPy's own answers: test/fixtures/numpy/dtype.json (Debian's NumPy
// 1.24 with NEP 50 weak promotion) and dtype-numpy2-diff.json (NumPy 2's differing answers), both
// from scripts/fixtures/numpy_dtype.py. src/array/dtype.ts follows NumPy 2 where they differ.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DTYPES, type DType, type Casting, type WeakScalar, arithmeticType, canCast, checkDType, checkWeakScalar,
  dtypeOfTypedArray, integerBounds, isInteger, itemsize, kind, promoteTypes, resultType, trueDivideType,
  typedArrayClass, weakCategory, weakIntComparison, type TypedArrayOf, type DTypeOfTypedArray,
} from '../src/array/dtype.js';

type Outcome =
  | { dtype: string; values?: string[] }
  | { error: string; message: string }
  | { pyType: string; value: string };
interface WeakRow { dtype: DType; kind: 'bool' | 'int' | 'float'; scalar: string; resultType: Outcome; add: Outcome; less: Outcome }
interface Fixture {
  numpy: string; promotionState: string; machine: string; dtypes: string[];
  resultType: [DType, DType, DType][];
  resultTypeNary: { digits: string; triples: string; quads: string };
  canCast: Record<Casting, [DType, DType, boolean][]>;
  weakScalars: WeakRow[];
  trueDivide: { pairs: [DType, DType, DType][]; weak: [DType, 'bool' | 'int' | 'float', DType][] };
}
interface Difference { section: string; index: number; 'numpy1.24weak': Partial<WeakRow>; numpy2: Partial<WeakRow> }

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/numpy/${name}`, import.meta.url), 'utf8')) as T;
const np124 = load<Fixture>('dtype.json');
const np2diff = load<{ numpy: string; differences: Difference[] }>('dtype-numpy2-diff.json');

// NumPy 2's row = the 1.24-weak row with NumPy 2's changed fields laid over it.
const np2Weak: WeakRow[] = np124.weakScalars.map((row) => ({ ...row }));
for (const d of np2diff.differences) {
  if (d.section === 'weakScalars') Object.assign(np2Weak[d.index]!, d.numpy2);
}

const isError = (o: Outcome): o is { error: string; message: string } => 'error' in o;
const dtypeOf = (o: Outcome): string => ('dtype' in o ? o.dtype : `no dtype: ${JSON.stringify(o)}`);

/** The JS scalars standing for a fixture's Python scalar: a bigint and, when exact, a number. */
function jsScalars(row: WeakRow): WeakScalar[] {
  if (row.kind === 'bool') return [row.scalar === 'true'];
  if (row.kind === 'float') return [Number(row.scalar)];
  const big = BigInt(row.scalar);
  return BigInt(Number(row.scalar)) === big ? [big, Number(row.scalar)] : [big];
}

describe('the fixtures', () => {
  it('come from NumPy with weak promotion, on x86-64, over the 11 dtypes', () => {
    expect(np124.numpy).toMatch(/^1\.24\./);
    expect(np124.promotionState).toBe('weak');
    expect(np124.machine).toBe('x86_64');
    expect(np124.dtypes).toEqual([...DTYPES]);
    expect(np2diff.numpy).toMatch(/^2\./);
  });
});

describe('dtype vocabulary', () => {
  it('itemsize, kind and TypedArray class of each dtype', () => {
    const expected: [DType, number, string, Function][] = [
      ['bool', 1, 'b', Uint8Array], ['int8', 1, 'i', Int8Array], ['int16', 2, 'i', Int16Array],
      ['int32', 4, 'i', Int32Array], ['int64', 8, 'i', BigInt64Array], ['uint8', 1, 'u', Uint8Array],
      ['uint16', 2, 'u', Uint16Array], ['uint32', 4, 'u', Uint32Array], ['uint64', 8, 'u', BigUint64Array],
      ['float32', 4, 'f', Float32Array], ['float64', 8, 'f', Float64Array],
    ];
    for (const [d, size, k, cls] of expected) {
      expect([itemsize(d), kind(d), typedArrayClass(d)]).toEqual([size, k, cls]);
      expect(typedArrayClass(d).BYTES_PER_ELEMENT).toBe(size);
    }
  });

  it('dtypeOfTypedArray maps each TypedArray to its dtype, typed precisely', () => {
    const i16: 'int16' = dtypeOfTypedArray(new Int16Array(2));
    const i64: 'int64' = dtypeOfTypedArray(new BigInt64Array(2));
    const u8: 'uint8' = dtypeOfTypedArray(new Uint8Array(2));
    const data: TypedArrayOf<'uint64'> = new BigUint64Array(1);
    const u64: DTypeOfTypedArray<typeof data> = dtypeOfTypedArray(data);
    expect([i16, i64, u8, u64]).toEqual(['int16', 'int64', 'uint8', 'uint64']);
    for (const d of DTYPES) {
      if (d !== 'bool') expect(dtypeOfTypedArray(new (typedArrayClass(d))(1))).toBe(d);
    }
  });

  it('dtypeOfTypedArray refuses what is not one of the ten TypedArrays', () => {
    expect(() => dtypeOfTypedArray(new Uint8ClampedArray(1))).toThrow(TypeError);
    expect(() => dtypeOfTypedArray(new Uint8ClampedArray(1))).toThrow(/Uint8ClampedArray/);
    expect(() => dtypeOfTypedArray(new DataView(new ArrayBuffer(8)))).toThrow(/Int8Array, .*Float64Array/);
    expect(() => dtypeOfTypedArray([1, 2])).toThrow(TypeError);
  });

  it('integer bounds are exact', () => {
    expect(integerBounds('int8')).toEqual({ min: -128n, max: 127n });
    expect(integerBounds('uint64')).toEqual({ min: 0n, max: 2n ** 64n - 1n });
    expect(integerBounds('int64')).toEqual({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  });

  it('an unknown dtype is a TypeError naming the argument and listing the accepted names', () => {
    const accepted = 'bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64';
    expect(() => checkDType('dtype', 'float16')).toThrow(new TypeError(`dtype must be one of the dtypes ${accepted}; got "float16"`));
    expect(() => checkDType('dtype', 'i4')).toThrow(TypeError);
    expect(() => checkDType('dtype', undefined)).toThrow(/dtype must be one of the dtypes .*; got undefined/);
    expect(() => resultType('int8', 'complex128' as DType)).toThrow(/operand 1 must be one of the dtypes/);
    expect(() => resultType({ dtype: 'int128' as DType })).toThrow(/operand 0\.dtype must be one of the dtypes/);
    expect(() => resultType(null as unknown as DType)).toThrow(TypeError);
    expect(() => resultType()).toThrow(TypeError);
    expect(() => promoteTypes('float64', 'double' as DType)).toThrow(/b must be one of the dtypes/);
    expect(() => canCast('int8', 'int9' as DType)).toThrow(/to must be one of the dtypes/);
    expect(() => canCast('int8', 'int16', 'sometimes' as Casting)).toThrow(/casting must be one of no, equiv, safe, same_kind, unsafe/);
  });
});

describe('promotion between dtypes (np.result_type), all 121 pairs', () => {
  it.each(np124.resultType)('%s with %s → %s', (a, b, r) => {
    expect(promoteTypes(a, b)).toBe(r);
    expect(resultType(a, b)).toBe(r);
    expect(resultType({ dtype: a }, b)).toBe(r);
  });

  it('NumPy 2 agrees on every pair and tuple', () => {
    expect(np2diff.differences.filter((d) => d.section.startsWith('resultType'))).toEqual([]);
  });
});

describe('promotion of 3 and 4 dtypes, every tuple (not a fold of the pairs)', () => {
  const { digits, triples, quads } = np124.resultTypeNary;
  function* tuples(n: number, prefix: DType[] = []): Generator<DType[]> {
    if (prefix.length === n) yield prefix;
    else for (const d of DTYPES) yield* tuples(n, [...prefix, d]);
  }
  it.each([[3, triples], [4, quads]] as const)('all %i-tuples', (n, codes) => {
    const got = [...tuples(n)].map((t) => digits[DTYPES.indexOf(resultType(...t))]).join('');
    expect(got.length).toBe(11 ** n);
    expect(got === codes).toBe(true);
  });
  it('the tuples where folding the pairwise table would be wrong', () => {
    expect(resultType('int8', 'uint16', 'float32')).toBe('float32');
    expect(promoteTypes(promoteTypes('int8', 'uint16'), 'float32')).toBe('float64');
    expect(resultType('int8', 'uint16', 'float32', 1)).toBe('float32');
  });
});

describe('casting (np.can_cast), all pairs and modes', () => {
  const rows = Object.entries(np124.canCast).flatMap(([casting, list]) => list.map(([a, b, ok]) => [a, b, casting, ok] as const));
  it.each(rows)('%s → %s, %s: %s', (a, b, casting, ok) => {
    expect(canCast(a, b, casting as Casting)).toBe(ok);
  });
  it('NumPy 2 agrees', () => {
    expect(np2diff.differences.filter((d) => d.section === 'canCast')).toEqual([]);
  });
});

describe('weak scalars (NEP 50)', () => {
  const intLikeFloat = (row: WeakRow): boolean => row.kind === 'float' && Number.isInteger(Number(row.scalar));

  it.each(np2Weak.map((r, i) => [r.dtype, r.kind, r.scalar, i] as const))('%s array with %s %s', (_d, _k, _s, i) => {
    const row = np2Weak[i]!;
    for (const s of jsScalars(row)) {
      if (intLikeFloat(row)) {
        // JS has no 3.0: an integer-valued number is a weak int. With a float array NumPy agrees;
        // with bool/int arrays NumPy's Python float gives float64, tessera the int rule.
        expect(weakCategory(s)).toBe('int');
        expect(resultType(row.dtype, s)).toBe(row.dtype.startsWith('float') ? dtypeOf(row.resultType) : resultType(row.dtype, 1));
        continue;
      }
      expect(weakCategory(s)).toBe(row.kind);
      expect(resultType(row.dtype, s)).toBe(dtypeOf(row.resultType));
      expect(resultType(s, row.dtype)).toBe(dtypeOf(row.resultType));
      // Arithmetic: NumPy 2 raises OverflowError when a Python int does not fit.
      if (isError(row.add)) {
        expect(row.add.error).toBe('OverflowError');
        expect(() => arithmeticType(row.dtype, s)).toThrow(RangeError);
        expect(() => arithmeticType(s, row.dtype)).toThrow(new RegExp(`${String(s)} is out of bounds for ${resultType(row.dtype, s)}`));
      } else {
        expect(arithmeticType(row.dtype, s)).toBe(dtypeOf(row.add));
        expect(arithmeticType(s, row.dtype)).toBe(dtypeOf(row.add));
      }
      // Comparison of the array [1] with the scalar: NumPy 2 answers exactly, even out of range.
      if (row.kind === 'int' && typeof s !== 'boolean') {
        if (isError(row.less)) {
          expect(() => weakIntComparison(row.dtype, s)).toThrow(RangeError);
        } else {
          const how = weakIntComparison(row.dtype, s);
          const truth = 1n < BigInt(row.scalar);
          expect(row.less).toEqual({ dtype: 'bool', values: [String(truth)] });
          if (how !== 'compare') expect(how === 'above').toBe(truth);
          else checkWeakScalar(s, isInteger(row.dtype) ? row.dtype : resultType(row.dtype, s));
        }
      }
    }
  });

  it('NumPy 1.24-weak differs from NumPy 2 only in the two documented ways', () => {
    const kinds = new Set<string>();
    for (const d of np2diff.differences) {
      const row = np124.weakScalars[d.index]!;
      expect(d.section).toBe('weakScalars');
      expect(row.kind).toBe('int');
      const old = d['numpy1.24weak'];
      if (old.add) {
        // bool array + Python int: 1.24-weak gave an object array; NumPy 2 int64 (or OverflowError).
        expect([row.dtype, dtypeOf(old.add)]).toEqual(['bool', 'object']);
        kinds.add('bool + int');
      }
      if (old.less) {
        // Comparison with an out-of-range int: 1.24-weak raised; NumPy 2 answers (bool arrays: the reverse).
        expect(row.dtype === 'bool' ? isError(d.numpy2.less!) : isError(old.less)).toBe(true);
        kinds.add('compare out of range');
      }
      expect(Object.keys(old).every((k) => k === 'add' || k === 'less')).toBe(true);
    }
    expect([...kinds].sort()).toEqual(['bool + int', 'compare out of range']);
  });

  it('examples from NEP 50 and the issue', () => {
    expect(resultType('uint8', 1)).toBe('uint8');
    expect(resultType('int16', 1)).toBe('int16'); // fromArray(Int16Array).add(1) stays int16
    expect(resultType('float32', 0.1)).toBe('float32');
    expect(resultType('float32', 3)).toBe('float32');
    expect(resultType('uint16', 3.5)).toBe('float64');
    expect(resultType('int8', 2.5)).toBe('float64');
    expect(resultType('bool', 1)).toBe('int64');
    expect(resultType('uint8', true)).toBe('uint8');
    expect(resultType('uint8', 300)).toBe('uint8'); // values never change the type…
    expect(() => arithmeticType('uint8', 300)).toThrow(new RangeError(
      'operand 1 = 300 is out of bounds for uint8 (accepted: integers in [0, 255]); NumPy 2 raises OverflowError here: cast the array first (astype) or pass a float',
    )); // …but the operation refuses a value that does not fit
    expect(() => arithmeticType('uint8', -1)).toThrow(/-1 is out of bounds for uint8/);
    expect(() => arithmeticType('int64', 2n ** 63n)).toThrow(/9223372036854775808 is out of bounds for int64/);
    expect(arithmeticType('uint64', 2n ** 64n - 1n)).toBe('uint64');
    expect(arithmeticType('float32', 1e300)).toBe('float32'); // overflows to inf, as NumPy
    expect(resultType('int8', 'uint8', 1)).toBe('int16');
    expect(resultType('int64', 'uint64')).toBe('float64');
  });

  it('only scalars: the default dtype of the highest category', () => {
    expect(resultType(true, false)).toBe('bool');
    expect(resultType(1, true)).toBe('int64');
    expect(resultType(1n)).toBe('int64');
    expect(resultType(1, 0.5)).toBe('float64');
    expect(resultType(NaN)).toBe('float64');
  });
});

describe('true division', () => {
  it.each(np124.trueDivide.pairs)('%s / %s → %s', (a, b, r) => {
    expect(trueDivideType(a, b)).toBe(r);
  });
  const scalar = { bool: true, int: 2, float: 2.5 } as const;
  it.each(np124.trueDivide.weak)('%s / weak %s → %s', (a, k, r) => {
    expect(trueDivideType(a, scalar[k])).toBe(r);
    expect(trueDivideType(scalar[k], a)).toBe(r);
  });
  it('NumPy 2 agrees', () => {
    expect(np2diff.differences.filter((d) => d.section === 'trueDivide')).toEqual([]);
  });
});
