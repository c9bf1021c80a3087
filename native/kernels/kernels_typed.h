// Part of kernels_impl.h (included only from there, once per ISA): the typed loops of the
// operation table (every (op, signature) row that is not a float64 kernel above), the casts and
// where by element size. Written once as scalar functors over the element type; the loops are
// plain loops the compiler vectorises per ISA. Integer arithmetic wraps as NumPy's does (done in
// unsigned arithmetic: no signed-overflow UB); integer division and modulo by zero give 0 as
// NumPy's. float32 arithmetic, comparisons, where, casts, sqrt and exp are float32 code (exp: a
// vectorised Cephes-style expf, <= 2 ulp; see expfV); the other float32 transcendentals call the
// float64 C library function and round (a float64-widened loop, within 1 ulp of NumPy's).
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

// The element type of dtype code c (ops.json "dtypes"; bool is one byte 0/1).
template <int c> struct CT;
template <> struct CT<0> { using type = double; };
template <> struct CT<1> { using type = float; };
template <> struct CT<2> { using type = uint8_t; };
template <> struct CT<3> { using type = int8_t; };
template <> struct CT<4> { using type = int16_t; };
template <> struct CT<5> { using type = int32_t; };
template <> struct CT<6> { using type = int64_t; };
template <> struct CT<7> { using type = uint8_t; };
template <> struct CT<8> { using type = uint16_t; };
template <> struct CT<9> { using type = uint32_t; };
template <> struct CT<10> { using type = uint64_t; };
template <int c> using CTt = typename CT<c>::type;

// Wrapping integer arithmetic: in an unsigned type at least as wide as unsigned int (so that
// uint16 * uint16 does not promote to a signed int that overflows).
template <class T>
using WrapT = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
template <class T> static inline T wadd(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapT<T>>(a) + static_cast<WrapT<T>>(b));
  else return a + b;
}
template <class T> static inline T wsub(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapT<T>>(a) - static_cast<WrapT<T>>(b));
  else return a - b;
}
template <class T> static inline T wmul(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapT<T>>(a) * static_cast<WrapT<T>>(b));
  else return a * b;
}
template <class T> static inline T wneg(T a) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapT<T>(0) - static_cast<WrapT<T>>(a));
  else return -a;
}
template <class T> static inline bool isnanT(T a) {
  if constexpr (std::is_floating_point_v<T>) return a != a;
  else return false;
}
template <class T> static inline T absT(T a) {
  if constexpr (std::is_same_v<T, float>) return __builtin_fabsf(a);
  else if constexpr (std::is_floating_point_v<T>) return __builtin_fabs(a);
  else if constexpr (std::is_signed_v<T>) return a < 0 ? wneg(a) : a;
  else return a;
}
template <class T> static inline T signT(T a) {  // numpy.sign: 1, -1, 0; NaN stays NaN
  if constexpr (std::is_floating_point_v<T>) return a > 0 ? T(1) : a < 0 ? T(-1) : a == 0 ? T(0) : a;
  else if constexpr (std::is_signed_v<T>) return a > 0 ? T(1) : a < 0 ? T(-1) : T(0);
  else return a > 0 ? T(1) : T(0);
}
// A shift count NumPy treats as too large: >= the width, or negative.
template <class T> static inline bool badShift(T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) return true;
  }
  return static_cast<uint64_t>(b) >= sizeof(T) * 8;
}

#define TESSERA_FN1(NAME, EXPR) \
  struct Fn_##NAME {            \
    template <class O, class T> static inline O f(T a) { return static_cast<O>(EXPR); } \
  };
#define TESSERA_FN2(NAME, EXPR) \
  struct Fn_##NAME {            \
    template <class O, class T> static inline O f(T a, T b) { return static_cast<O>(EXPR); } \
  };
// The float32 rows of the transcendentals: the float64 C library function, rounded once.
#define TESSERA_FN1_WIDE(NAME, DFN) TESSERA_FN1(NAME, DFN(static_cast<double>(a)))
#define TESSERA_FN2_WIDE(NAME, DFN) TESSERA_FN2(NAME, DFN(static_cast<double>(a), static_cast<double>(b)))

TESSERA_FN1(neg, wneg(a))
TESSERA_FN1(abs, absT(a))
TESSERA_FN1(positive, a)
TESSERA_FN1(square, wmul(a, a))
// numpy.sign: 1, -1, 0; NaN stays NaN
TESSERA_FN1(sign, signT(a))
TESSERA_FN1(logicalNot, a == 0)
TESSERA_FN1(isnan, isnanT(a))
TESSERA_FN1(isinf, __builtin_isinf(a) != 0)
TESSERA_FN1(isfinite, __builtin_isfinite(a) != 0)
TESSERA_FN1(signbit, __builtin_signbit(a) != 0)
TESSERA_FN1(invert, static_cast<T>(~a))  // bool's row is UnaryLoop<Fn_invert, 2, 2>: logical not
TESSERA_FN1(sqrt, __builtin_sqrtf(a))
TESSERA_FN1_WIDE(exp, ::exp)
TESSERA_FN1_WIDE(log, ::log)
TESSERA_FN1_WIDE(sin, ::sin)
TESSERA_FN1_WIDE(cos, ::cos)
TESSERA_FN1_WIDE(tan, ::tan)
TESSERA_FN1_WIDE(sinh, ::sinh)
TESSERA_FN1_WIDE(cosh, ::cosh)
TESSERA_FN1_WIDE(tanh, ::tanh)
TESSERA_FN1_WIDE(arcsin, ::asin)
TESSERA_FN1_WIDE(arccos, ::acos)
TESSERA_FN1_WIDE(arctan, ::atan)
TESSERA_FN1_WIDE(arcsinh, ::asinh)
TESSERA_FN1_WIDE(arccosh, ::acosh)
TESSERA_FN1_WIDE(arctanh, ::atanh)
TESSERA_FN1_WIDE(exp2, ::exp2)
TESSERA_FN1_WIDE(expm1, ::expm1)
TESSERA_FN1_WIDE(log2, ::log2)
TESSERA_FN1_WIDE(log10, ::log10)
TESSERA_FN1_WIDE(log1p, ::log1p)
TESSERA_FN1_WIDE(cbrt, ::cbrt)
// NumPy 2: floor/ceil/trunc of integers and bools are the identity in their own dtype
template <class T> static inline T intOr(T a, float (*fn)(float)) {
  if constexpr (std::is_integral_v<T>) {
    (void)fn;
    return a;
  } else {
    return fn(a);
  }
}
TESSERA_FN1(floor, intOr(a, __builtin_floorf))
TESSERA_FN1(ceil, intOr(a, __builtin_ceilf))
TESSERA_FN1(trunc, intOr(a, __builtin_truncf))
TESSERA_FN1(rint, __builtin_rintf(a))
TESSERA_FN1(reciprocal, T(1) / a)
// NumPy's npy_deg2radf / npy_rad2degf: multiply by the float32 constant
TESSERA_FN1(deg2rad, a * static_cast<T>(3.141592653589793238462643383279502884 / 180.0))
TESSERA_FN1(rad2deg, a * static_cast<T>(180.0 / 3.141592653589793238462643383279502884))

TESSERA_FN2(add, wadd(a, b))
TESSERA_FN2(sub, wsub(a, b))
TESSERA_FN2(mul, wmul(a, b))
TESSERA_FN2(div, a / b)
// numpy.power: integers by repeated squaring in unsigned arithmetic (wrapping as NumPy's); a
// negative exponent, which NumPy refuses with a ValueError at run time, gives 1 for a base of 1,
// ±1 for -1 and 0 otherwise (what 1 / a**-b truncates to); floats through the C library
struct Fn_pow {
  template <class O, class T> static inline O f(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return static_cast<O>(a == 1 ? T(1) : a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
      }
      U r = 1, base = static_cast<U>(a), e = static_cast<U>(b);
      while (e) {
        if (e & 1u) r = static_cast<U>(static_cast<uint64_t>(r) * base);  // no int promotion (UB)
        base = static_cast<U>(static_cast<uint64_t>(base) * base);
        e = static_cast<U>(e >> 1);
      }
      return static_cast<O>(static_cast<T>(r));
    } else {
      return static_cast<O>(::pow(static_cast<double>(a), static_cast<double>(b)));
    }
  }
};
TESSERA_FN2_WIDE(arctan2, ::atan2)
TESSERA_FN2_WIDE(hypot, ::hypot)
TESSERA_FN2(copysign, __builtin_copysignf(a, b))
// numpy.maximum / minimum: a NaN in either operand propagates (as the float64 kernels)
TESSERA_FN2(max, ((a > b || isnanT(a)) ? a : b))
TESSERA_FN2(min, ((a < b || isnanT(a)) ? a : b))
TESSERA_FN2(eq, a == b)
TESSERA_FN2(ne, a != b)
TESSERA_FN2(lt, a < b)
TESSERA_FN2(le, a <= b)
TESSERA_FN2(gt, a > b)
TESSERA_FN2(ge, a >= b)
TESSERA_FN2(logicalAnd, (a != 0) & (b != 0))
TESSERA_FN2(logicalOr, (a != 0) | (b != 0))
TESSERA_FN2(logicalXor, (a != 0) ^ (b != 0))
TESSERA_FN2(bitwiseAnd, a & b)
TESSERA_FN2(bitwiseOr, a | b)
TESSERA_FN2(bitwiseXor, a ^ b)

// Integer division as NumPy: floored quotient, / 0 and % 0 give 0, MIN // -1 wraps to MIN.
template <class T> static inline T ifloorDiv(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wneg(a);
    T q = static_cast<T>(a / b);
    if (static_cast<T>(a % b) != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return static_cast<T>(a / b);
  }
}
template <class T> static inline T imod(T a, T b) {  // numpy.remainder: the divisor's sign
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}
template <class T> static inline T ifmod(T a, T b) {  // numpy.fmod: the dividend's sign
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
  }
  return static_cast<T>(a % b);
}
struct Fn_floorDivide {
  template <class O, class T> static inline O f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return ifloorDiv(a, b);
    else return static_cast<O>(floorDivideScalar(a, b));  // float32: in float64, rounded
  }
};
struct Fn_mod {
  template <class O, class T> static inline O f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return imod(a, b);
    else return static_cast<O>(remainderScalar(a, b));
  }
};
struct Fn_fmod {
  template <class O, class T> static inline O f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return ifmod(a, b);
    else return static_cast<O>(__builtin_fmod(static_cast<double>(a), static_cast<double>(b)));  // exact
  }
};
// numpy.left_shift / right_shift (npy_lshift, npy_rshift): a shift by the width or more (or a
// negative one) gives 0, or for right shifts of negative values -1.
struct Fn_leftShift {
  template <class O, class T> static inline O f(T a, T b) {
    using U = std::make_unsigned_t<T>;
    if (badShift(b)) return 0;
    return static_cast<T>(static_cast<WrapT<T>>(static_cast<U>(a)) << b);
  }
};
struct Fn_rightShift {
  template <class O, class T> static inline O f(T a, T b) {
    if (badShift(b)) {
      if constexpr (std::is_signed_v<T>) return a < 0 ? T(-1) : T(0);
      else return 0;
    }
    return static_cast<T>(a >> b);
  }
};
#undef TESSERA_FN1
#undef TESSERA_FN2
#undef TESSERA_FN1_WIDE
#undef TESSERA_FN2_WIDE

// ---------------------------------------------------------------------------------------------
// float32 vectors: twice the lanes of the float64 vectors
typedef float vf __attribute__((vector_size(TESSERA_VBYTES)));
typedef int32_t vi32 __attribute__((vector_size(TESSERA_VBYTES)));
typedef float vfu __attribute__((vector_size(TESSERA_VBYTES), aligned(4), may_alias));
static constexpr size_t WF = TESSERA_VBYTES / 4;
static inline vf loadf(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void storef(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
static inline vf splatf(float c) {
  vf v;
  for (size_t l = 0; l < WF; ++l) v[l] = c;
  return v;
}
static inline bool anyf(vi32 m) {
#if defined(TESSERA_V512)
  return _mm512_test_epi32_mask((__m512i)m, (__m512i)m) != 0;
#elif defined(TESSERA_V256)
  return !_mm256_testz_si256((__m256i)m, (__m256i)m);
#elif defined(TESSERA_V128)
  return _mm_movemask_ps((__m128)m) != 0;
#else
  for (size_t l = 0; l < WF; ++l)
    if (m[l]) return true;
  return false;
#endif
}
template <class F>
static inline void mapUnaryF(const float* x, float* out, size_t n, float pad, F f) {
  size_t i = 0;
  for (; i + WF <= n; i += WF) storef(out + i, f(loadf(x + i)));
  if (i < n) {
    float t[WF];
    for (size_t l = 0; l < WF; ++l) t[l] = i + l < n ? x[i + l] : pad;
    storef(t, f(loadf(t)));
    for (size_t l = 0; i + l < n; ++l) out[i + l] = t[l];
  }
}
static inline vf vsqrtf(vf x) {
#if defined(TESSERA_V512)
  return _mm512_maskz_sqrt_ps(0xFFFF, x);
#elif defined(TESSERA_V256)
  return _mm256_sqrt_ps(x);
#elif defined(TESSERA_V128)
  return _mm_sqrt_ps(x);
#else
  vf r;
  for (size_t l = 0; l < WF; ++l) r[l] = __builtin_sqrtf(x[l]);
  return r;
#endif
}
// expf: n = rint(x / ln2) (shifter trick), r = x - n ln2 in two parts (Cody-Waite), e^r by
// Cephes' degree-6 polynomial, times 2^n through the exponent field. Lanes with |x| > 87 (where
// 2^n or the result leaves the normal range) or NaN are recomputed by the C library's expf.
// Measured against NumPy/glibc expf: <= 1 ulp on [-87, 87] (test/typed.test.ts).
static inline vf expfCore(vf x) {
  const vf shifter = splatf(0x1.8p23f);
  vf z = x * 1.44269504088896341f + shifter;
  vf k = z - shifter;
  vf r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  vf p = splatf(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  vf y = p * (r * r) + r + 1.0f;
  vi32 ki = (vi32)z - (vi32)shifter;
  return y * (vf)((ki + 127) << 23);
}
static void expF32(const float* x, float* out, size_t n) {
  mapUnaryF(x, out, n, 0.0f, [](vf v) {
    vf r = expfCore(v);
    vi32 bad = ~(((vf)((vi32)v & 0x7FFFFFFF)) <= 87.0f);
    if (anyf(bad)) {
      for (size_t l = 0; l < WF; ++l)
        if (bad[l]) r[l] = ::expf(v[l]);
    }
    return r;
  });
}
static void sqrtF32(const float* x, float* out, size_t n) { mapUnaryF(x, out, n, 1.0f, [](vf v) { return vsqrtf(v); }); }

// ---------------------------------------------------------------------------------------------
// The loops. Out may alias an input only when both have one element size (the VM copies
// otherwise); the distinct-pointer case is a restrict loop the compiler vectorises.
template <class Fn, int O, int A>
struct UnaryLoop {
  static void run(const void* x, void* out, size_t n) {
    using TO = CTt<O>;
    using TA = CTt<A>;
    const TA* a = static_cast<const TA*>(x);
    TO* o = static_cast<TO*>(out);
    if (static_cast<const void*>(o) == x) {
      for (size_t i = 0; i < n; ++i) o[i] = Fn::template f<TO, TA>(a[i]);
    } else {
      const TA* __restrict ar = a;
      TO* __restrict orr = o;
      for (size_t i = 0; i < n; ++i) orr[i] = Fn::template f<TO, TA>(ar[i]);
    }
  }
};
template <> struct UnaryLoop<Fn_exp, 1, 1> {
  static void run(const void* x, void* out, size_t n) { expF32(static_cast<const float*>(x), static_cast<float*>(out), n); }
};
template <> struct UnaryLoop<Fn_invert, 2, 2> {  // numpy.invert of bool is logical not
  static void run(const void* x, void* out, size_t n) {
    const uint8_t* a = static_cast<const uint8_t*>(x);
    uint8_t* o = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < n; ++i) o[i] = a[i] == 0;
  }
};
template <> struct UnaryLoop<Fn_sqrt, 1, 1> {
  static void run(const void* x, void* out, size_t n) { sqrtF32(static_cast<const float*>(x), static_cast<float*>(out), n); }
};
template <class Fn, int O, int A>
struct BinaryLoop {
  using TO = CTt<O>;
  using TA = CTt<A>;
  static void vv(const void* x, const void* y, void* out, size_t n) {
    const TA* a = static_cast<const TA*>(x);
    const TA* b = static_cast<const TA*>(y);
    TO* o = static_cast<TO*>(out);
    if (static_cast<const void*>(o) == x || static_cast<const void*>(o) == y) {
      for (size_t i = 0; i < n; ++i) o[i] = Fn::template f<TO, TA>(a[i], b[i]);
    } else {
      const TA* __restrict ar = a;
      const TA* __restrict br = b;
      TO* __restrict orr = o;
      for (size_t i = 0; i < n; ++i) orr[i] = Fn::template f<TO, TA>(ar[i], br[i]);
    }
  }
  static void vs(const void* x, const void* s, void* out, size_t n) {
    const TA* a = static_cast<const TA*>(x);
    const TA b = *static_cast<const TA*>(s);
    TO* o = static_cast<TO*>(out);
    if (static_cast<const void*>(o) == x) {
      for (size_t i = 0; i < n; ++i) o[i] = Fn::template f<TO, TA>(a[i], b);
    } else {
      const TA* __restrict ar = a;
      TO* __restrict orr = o;
      for (size_t i = 0; i < n; ++i) orr[i] = Fn::template f<TO, TA>(ar[i], b);
    }
  }
  static void sv(const void* s, const void* y, void* out, size_t n) {
    const TA a = *static_cast<const TA*>(s);
    const TA* b = static_cast<const TA*>(y);
    TO* o = static_cast<TO*>(out);
    if (static_cast<const void*>(o) == y) {
      for (size_t i = 0; i < n; ++i) o[i] = Fn::template f<TO, TA>(a, b[i]);
    } else {
      const TA* __restrict br = b;
      TO* __restrict orr = o;
      for (size_t i = 0; i < n; ++i) orr[i] = Fn::template f<TO, TA>(a, br[i]);
    }
  }
};

// numpy.add / multiply of bools are logical or / and
template <> struct BinaryLoop<Fn_add, 2, 2> : BinaryLoop<Fn_logicalOr, 2, 2> {};
template <> struct BinaryLoop<Fn_mul, 2, 2> : BinaryLoop<Fn_logicalAnd, 2, 2> {};

// The float64 kernels as typed loops (same code, type-erased pointers).
template <Unary F> static void f64u(const void* x, void* out, size_t n) {
  F(static_cast<const double*>(x), static_cast<double*>(out), n);
}
template <Binary F> static void f64vv(const void* x, const void* y, void* out, size_t n) {
  F(static_cast<const double*>(x), static_cast<const double*>(y), static_cast<double*>(out), n);
}
template <BinaryScalarRight F> static void f64vs(const void* x, const void* s, void* out, size_t n) {
  F(static_cast<const double*>(x), *static_cast<const double*>(s), static_cast<double*>(out), n);
}
template <BinaryScalarLeft F> static void f64sv(const void* s, const void* y, void* out, size_t n) {
  F(*static_cast<const double*>(s), static_cast<const double*>(y), static_cast<double*>(out), n);
}

// ---------------------------------------------------------------------------------------------
// Casts, as NumPy's astype: floats round to nearest; to bool is x != 0 (NaN is true); integers
// truncate toward zero and wrap modulo 2^bits; NaN, inf and out-of-range floats as NumPy's x86-64
// builds give them (kernels/float_to_int.h). Same rules as engine/dtype_io.h storeAs.
template <int To, class F> static inline CTt<To> castValue(F x) {
  using T = CTt<To>;
  if constexpr (To == 2) {
    return x != 0 ? 1 : 0;
  } else if constexpr (To == 0 || To == 1 || !std::is_floating_point_v<F>) {
    return static_cast<T>(x);
  } else {
    return floatToInt<T>(static_cast<double>(x));
  }
}
template <int From, int To> static void castLoop(const void* x, void* out, size_t n) {
  using TF = CTt<From>;
  using TT = CTt<To>;
  const TF* a = static_cast<const TF*>(x);
  TT* o = static_cast<TT*>(out);
  if constexpr (sizeof(TF) == sizeof(TT)) {
    if (static_cast<const void*>(o) == x) {
      for (size_t i = 0; i < n; ++i) o[i] = castValue<To>(a[i]);
      return;
    }
  }
  const TF* __restrict ar = a;
  TT* __restrict orr = o;
  for (size_t i = 0; i < n; ++i) orr[i] = castValue<To>(ar[i]);
}

// float64 -> int32 (astype('int32')). On x86 the truncating conversion (cvttpd2dq) gives
// 0x80000000 for NaN, ±inf and anything out of int32's range, which is floatToInt's INT32_MIN, so
// every vector converts with that one instruction, as NumPy's own loop does (no range check per
// vector; the loop is bound by memory and the result's page faults either way). Elsewhere (the
// generic vectors), vectors whose lanes all lie in (-2^31, 2^31) convert with
// __builtin_convertvector and other vectors take the scalar rule.
typedef int32_t vi32h __attribute__((vector_size(TESSERA_VBYTES / 2)));
typedef int32_t vi32hu __attribute__((vector_size(TESSERA_VBYTES / 2), aligned(4), may_alias));
template <> void castLoop<0, 5>(const void* x, void* out, size_t n) {
  const double* a = static_cast<const double*>(x);
  int32_t* o = static_cast<int32_t*>(out);
  size_t i = 0;
#if defined(TESSERA_V512)
  for (; i + 8 <= n; i += 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + i), _mm512_maskz_cvttpd_epi32(0xFF, _mm512_loadu_pd(a + i)));
#elif defined(TESSERA_V256)
  for (; i + 4 <= n; i += 4) _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), _mm256_cvttpd_epi32(_mm256_loadu_pd(a + i)));
#elif defined(TESSERA_V128)
  for (; i + 2 <= n; i += 2) _mm_storel_epi64(reinterpret_cast<__m128i*>(o + i), _mm_cvttpd_epi32(_mm_loadu_pd(a + i)));
#endif
  for (; i + W <= n; i += W) {
    const vd v = load(a + i);
    if (!any(~(vabs(v) < 2147483648.0))) {
      *reinterpret_cast<vi32hu*>(o + i) = __builtin_convertvector(v, vi32h);
    } else {
      for (size_t l = 0; l < W; ++l) o[i + l] = castValue<5>(a[i + l]);
    }
  }
  for (; i < n; ++i) o[i] = castValue<5>(a[i]);
}

// SIMD float comparisons into bool registers (specializations of BinaryLoop) and where's merge
#include "kernels/kernels_select.h"

static constexpr void fillTypedLoops(Table& t) {
#define TESSERA_X(index, kernel) t.loops[index].u = f64u<k_##kernel>;
  TESSERA_LOOPS_F64_UNARY(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(index, kernel) \
  t.loops[index] = Loop{nullptr, f64vv<k_##kernel##_vv>, f64vs<k_##kernel##_vs>, f64sv<k_##kernel##_sv>};
  TESSERA_LOOPS_F64_BINARY(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(index, kernel, out, a) t.loops[index].u = UnaryLoop<Fn_##kernel, out, a>::run;
  TESSERA_LOOPS_TYPED_UNARY(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(index, kernel, out, a)                                                       \
  t.loops[index] = Loop{nullptr, BinaryLoop<Fn_##kernel, out, a>::vv, BinaryLoop<Fn_##kernel, out, a>::vs, \
                        BinaryLoop<Fn_##kernel, out, a>::sv};
  TESSERA_LOOPS_TYPED_BINARY(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(from, to) t.cast[from][to] = castLoop<from, to>;
  TESSERA_CAST_PAIRS(TESSERA_X)
#undef TESSERA_X
  t.uniform32f = k_uniform32f;
  t.whereBySize[0] = whereLoop<uint8_t>;
  t.whereBySize[1] = whereLoop<uint16_t>;
  t.whereBySize[2] = whereLoop<uint32_t>;
  t.whereBySize[3] = whereLoop<uint64_t>;
  t.whereScalarBySize[0] = whereScalarLoop<uint8_t>;
  t.whereScalarBySize[1] = whereScalarLoop<uint16_t>;
  t.whereScalarBySize[2] = whereScalarLoop<uint32_t>;
  t.whereScalarBySize[3] = whereScalarLoop<uint64_t>;
}
