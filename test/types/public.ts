// Type tests of the public API: checked by `tsc -p test/types` (test/types.test.ts runs it, under
// strict + exactOptionalPropertyTypes) and, against the packed tarball's .d.ts, by the packaging
// gate (scripts/pack-check.mjs copies this file into a fresh project). Nothing here runs: every
// line is a compile-time assertion. `Is<A, B>` is exact type equality; an @ts-expect-error line
// fails the check when the error it expects goes away.
import {
  arange,
  copysign,
  add,
  type Client,
  type DataFrame,
  type Table,
  DenseArray,
  exp,
  fromArray,
  full,
  NDArray,
  ones,
  random,
  where,
  zeros,
  compute,
  type ComputeResult,
  type DType,
  type PromoteTypes,
  type RemoteArray,
  type Dashboard,
  type WorkerPoolHandle,
  type TypedArrayOf,
} from 'tessera';

type Is<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function check<T extends true>(): void {}
const typeOf = <T,>(_value: T): T => _value;
declare function value<T>(): T;

export async function types(): Promise<void> {
  // ---- creation: dtype from the option (float64 default), rank from the shape literal
  const a = ones([4, 4]);
  check<Is<typeof a, NDArray<'float64', 2>>>();
  const f32 = zeros([4], { dtype: 'float32' });
  check<Is<typeof f32, NDArray<'float32', 1>>>();
  const r = random.random([40, 40], { seed: 1 });
  check<Is<typeof r, NDArray<'float64', 2>>>();
  const shape: number[] = [2, 3];
  const unknownRank = full(shape, 1);
  check<Is<typeof unknownRank, NDArray<'float64', number>>>();
  check<Is<typeof a.dtype, 'float64'>>();

  // ---- compute(): number for 0-d, DenseArray<D> for n-d, the union when the rank is unknown
  const ac = await a.compute();
  check<Is<typeof ac, DenseArray<'float64'>>>();
  const s = await a.sum().compute();
  check<Is<typeof s, number>>();
  const dense = await a.mul(2).compute(); // a number operand keeps the array's dtype and rank
  check<Is<typeof dense, DenseArray<'float64'>>>();
  check<Is<typeof dense.data, Float64Array>>();
  const either = await unknownRank.compute();
  check<Is<typeof either, number | DenseArray<'float64'>>>();
  check<Is<ComputeResult<'int64', 0>, bigint>>();
  check<Is<ComputeResult<'uint64', 0>, bigint>>();
  check<Is<ComputeResult<'int32', 2>, DenseArray<'int32'>>>();
  check<Is<DenseArray<'int32'>['data'], Int32Array>>();
  check<Is<DenseArray<'int64'>['data'], BigInt64Array>>();
  check<Is<DenseArray<'bool'>['data'], Uint8Array>>();
  check<Is<TypedArrayOf<'uint16'>, Uint16Array>>();

  // ---- dtype typing (issue 14): NumPy's promotion, weak JS numbers, comparisons give bool
  const i32 = value<NDArray<'int32', 2>>();
  const i8 = value<NDArray<'int8', 1>>();
  const u8 = value<NDArray<'uint8', 1>>();
  const ic = await i32.compute();
  check<Is<typeof ic, DenseArray<'int32'>>>();
  const ics = await i32.sum().compute();
  check<Is<typeof ics, bigint>>(); // 0-d int64
  const i32sum = i32.sum();
  check<Is<typeof i32sum, NDArray<'int64', 0>>>();
  check<Is<typeof i8 extends NDArray<infer D, 1> ? D : never, 'int8'>>();
  typeOf<NDArray<'int16', 1>>(i8.add(u8));
  check<Is<ReturnType<typeof i8.add<typeof u8, 1>>, NDArray<'int16', 1>>>();
  check<Is<ReturnType<typeof i32.mul<3, 2>>, NDArray<'int32', 2>>>(); // integer literal: stays int32
  check<Is<ReturnType<typeof i32.mul<2.5, 2>>, NDArray<'float64', 2>>>(); // fraction: float64 (NEP 50)
  check<Is<ReturnType<typeof i32.div<2, 2>>, NDArray<'float64', 2>>>(); // true division of integers
  check<Is<ReturnType<typeof f32.mul<0.1, 1>>, NDArray<'float32', 1>>>(); // weak float keeps float32
  const bc = f32.add(a); // broadcast: rank 2, promoted dtype
  check<Is<typeof bc, NDArray<'float64', 2>>>();
  const k = value<number>();
  const unknownScalar = i32.mul(k); // a number that is not a literal: int32 or float64
  check<Is<typeof unknownScalar, NDArray<'int32' | 'float64', 2>>>();
  const m = a.gt(0.5);
  check<Is<typeof m, NDArray<'bool', 2>>>();
  const count = m.sum();
  check<Is<typeof count, NDArray<'int64', 0>>>();
  check<Is<ReturnType<typeof a.exp>, NDArray<'float64', 2>>>();
  check<Is<ReturnType<typeof i8.sqrt>, NDArray<'float32', 1>>>();
  check<Is<ReturnType<typeof i32.sqrt>, NDArray<'float64', 2>>>();
  check<Is<ReturnType<typeof a.astype<'float32'>>, NDArray<'float32', 2>>>();
  const am = a.argmax();
  check<Is<typeof am, NDArray<'int64', 0>>>();
  const mean = a.mean();
  check<Is<typeof mean, NDArray<'float64', 0>>>();
  const imean = i32.mean({ axis: 1 });
  check<Is<typeof imean, NDArray<'float64', 1>>>();
  check<Is<PromoteTypes<'int8', 'uint8'>, 'int16'>>();
  check<Is<PromoteTypes<'uint64', 'int64'>, 'float64'>>();
  check<Is<PromoteTypes<'float32', 'int32'>, 'float64'>>();

  // ---- reductions: no axis → 0-d; one axis → rank - 1; keepdims → same rank
  const col = a.sum({ axis: 0 });
  check<Is<typeof col, NDArray<'float64', 1>>>();
  const kept = a.max({ axis: 1, keepdims: true });
  check<Is<typeof kept, NDArray<'float64', 2>>>();
  const f32sum = a.sum({ dtype: 'float32' });
  check<Is<typeof f32sum, NDArray<'float32', 0>>>();
  const cs = a.cumsum({ axis: 0 });
  check<Is<typeof cs, NDArray<'float64', 2>>>();
  const flat = a.cumsum(); // flattened
  check<Is<typeof flat, NDArray<'float64', 1>>>();

  // ---- fromArray: each TypedArray maps to its dtype; nested arrays are float64 of their depth
  check<Is<ReturnType<typeof fromArray<Float32Array, {}>>, NDArray<'float32', 1>>>();
  check<Is<ReturnType<typeof fromArray<Int16Array, {}>>, NDArray<'int16', 1>>>();
  check<Is<ReturnType<typeof fromArray<BigInt64Array, {}>>, NDArray<'int64', 1>>>();
  const nested = fromArray([[1, 2], [3, 4]]);
  check<Is<typeof nested, NDArray<'float64', 2>>>();
  const reshaped = fromArray(new Float64Array(6), { shape: [2, 3] });
  check<Is<typeof reshaped, NDArray<'float64', 2>>>();
  const ar = arange(10);
  check<Is<typeof ar, NDArray<'int64', 1>>>(); // NumPy: integer arguments give int64
  const arf = arange(0, 1, 0.25);
  check<Is<typeof arf, NDArray<'float64', 1>>>();

  // ---- module functions type like the methods
  check<Is<ReturnType<typeof exp<'float32', 1>>, NDArray<'float32', 1>>>();
  const sum2 = add(a, 1);
  check<Is<typeof sum2, NDArray<'float64', 2>>>();
  const w = where(m, a, 0);
  check<Is<typeof w, NDArray<'float64', number>>>();

  // ---- bigint scalars (exact Python ints): the array's type is kept, floats stay floats, bool → int64
  const i64 = fromArray(new BigInt64Array(4));
  const big1 = i64.mul(2n ** 62n);
  check<Is<typeof big1, NDArray<'int64', 1>>>();
  const big2 = a.sub(1n);
  check<Is<typeof big2, NDArray<'float64', 2>>>();
  const big3 = m.add(3n);
  check<Is<typeof big3, NDArray<'int64', 2>>>();
  const big4 = i64.lt(-1n);
  check<Is<typeof big4, NDArray<'bool', 1>>>();
  const big5 = add(1n, 2n);
  check<Is<typeof big5, NDArray<'int64', 0>>>();
  const big6 = add(1n, 2.5);
  check<Is<typeof big6, NDArray<'float64', 0>>>();
  const big7 = full([2, 2], 2n ** 63n - 1n);
  check<Is<typeof big7, NDArray<'int64', 2>>>();
  const big8 = full([2], 1n, { dtype: 'uint64' });
  check<Is<typeof big8, NDArray<'uint64', 1>>>();
  const big9 = i64.div(3n);
  check<Is<typeof big9, NDArray<'float64', 1>>>();

  // ---- compute(...) of several collections keeps each one's type
  const [x1, x2] = await compute(a.sum(), a);
  check<Is<typeof x1, number>>();
  check<Is<typeof x2, DenseArray<'float64'>>>();

  // ---- any NDArray is an NDArray (covariant in dtype and rank)
  const anyArray: NDArray = i32;
  const anyDType: DType = anyArray.dtype;
  void anyDType;
  typeOf<NDArray<DType, number>>(a);

  // ---- bad input is a compile error
  // @ts-expect-error shape must be a number array
  ones('50x50');
  // @ts-expect-error a full reduction computes to a number, not a string
  const bad: string = await a.sum().compute();
  void bad;
  // @ts-expect-error not a dtype
  zeros([2], { dtype: 'float16' });
  // @ts-expect-error an int32 array's data is not a Float64Array
  typeOf<Float64Array>((await i32.compute()).data);

  // ---- disposables (issue 19 item 5)
  typeOf<AsyncDisposable & Disposable>(a);
  typeOf<AsyncDisposable>(value<Client>());
  typeOf<AsyncDisposable>(value<Dashboard>());
  typeOf<AsyncDisposable>(value<WorkerPoolHandle>());
  // ---- frames on the cluster: the value compute() gives locally
  const cl = value<Client>();
  const frame = value<DataFrame>();
  const ft = await cl.compute(frame);
  check<Is<typeof ft, Table>>();
  const fs = await cl.compute(frame.get('x').sum());
  check<Is<typeof fs, number | bigint>>();
  const fm = await cl.compute(frame.get('x').mean());
  check<Is<typeof fm, number>>();
  const fg = await cl.compute(frame.groupby('name').agg({ x: 'mean' }));
  check<Is<typeof fg, Table>>();
  const remote = value<RemoteArray<'float64', 2>>();
  const rc = await remote.compute();
  check<Is<typeof rc, DenseArray<'float64'>>>();
  const rg = await remote.sum().compute();
  check<Is<typeof rg, number>>();
}

// arctan2 / hypot / copysign: NumPy's first float loop both arrays cast to (float32 for small
// integers of either sign), the promoted dtype's float loop with a weak scalar
{
  const i8 = fromArray(new Int8Array(2));
  const u16 = fromArray(new Uint16Array(2));
  const i32 = fromArray(new Int32Array(2));
  const a: NDArray<'float32', 1> = i8.arctan2(u16);
  const b: NDArray<'float64', 1> = i8.hypot(i32);
  const c: NDArray<'float32', 1> = copysign(i8, u16);
  const d: NDArray<'float32', 1> = i8.arctan2(2);
  const e: NDArray<'float64', 1> = i8.arctan2(2.5);
  void [a, b, c, d, e];
}
