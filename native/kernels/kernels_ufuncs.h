// Part of kernels_impl.h (included only from there, once per ISA): the float64 ufuncs of issue 14
// beyond the original fourteen. Vector code where the operation is a few IEEE operations or bit
// manipulations (square, reciprocal, sign, deg2rad, rad2deg, copysign); the rounding functions
// (floor, ceil, trunc, rint) are compiler builtins, which the AVX objects compile to vroundpd;
// the transcendentals and fmod/hypot/atan2 call the C library per element (the same glibc
// functions NumPy's scalar loops call), so they are bit-identical across ISAs.
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

static void k_square(const double* x, double* out, size_t n) { mapUnary(x, out, n, 0.0, [](vd v) { return v * v; }); }
static void k_reciprocal(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 1.0, [](vd v) { return 1.0 / v; });
}
// numpy.sign: 1, -1, 0 (+0 for either zero), NaN for NaN.
static void k_sign(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) {
    return sel(v > 0.0, splat(1.0), sel(v < 0.0, splat(-1.0), sel(v == 0.0, splat(0.0), v)));
  });
}
// NumPy multiplies by the constant (npy_deg2rad / npy_rad2deg).
static void k_deg2rad(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return v * (3.141592653589793238462643383279502884 / 180.0); });
}
static void k_rad2deg(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return v * (180.0 / 3.141592653589793238462643383279502884); });
}

#define TESSERA_SCALAR_UNARY(NAME, FN) \
  static void k_##NAME(const double* x, double* out, size_t n) { \
    for (size_t i = 0; i < n; ++i) out[i] = FN(x[i]);             \
  }
TESSERA_SCALAR_UNARY(floor, __builtin_floor)
TESSERA_SCALAR_UNARY(ceil, __builtin_ceil)
TESSERA_SCALAR_UNARY(trunc, __builtin_trunc)
TESSERA_SCALAR_UNARY(rint, __builtin_rint)
TESSERA_SCALAR_UNARY(cbrt, ::cbrt)
TESSERA_SCALAR_UNARY(tan, ::tan)
TESSERA_SCALAR_UNARY(sinh, ::sinh)
TESSERA_SCALAR_UNARY(cosh, ::cosh)
TESSERA_SCALAR_UNARY(tanh, ::tanh)
TESSERA_SCALAR_UNARY(arcsin, ::asin)
TESSERA_SCALAR_UNARY(arccos, ::acos)
TESSERA_SCALAR_UNARY(arctan, ::atan)
TESSERA_SCALAR_UNARY(arcsinh, ::asinh)
TESSERA_SCALAR_UNARY(arccosh, ::acosh)
TESSERA_SCALAR_UNARY(arctanh, ::atanh)
TESSERA_SCALAR_UNARY(exp2, ::exp2)
TESSERA_SCALAR_UNARY(expm1, ::expm1)
TESSERA_SCALAR_UNARY(log2, ::log2)
TESSERA_SCALAR_UNARY(log10, ::log10)
TESSERA_SCALAR_UNARY(log1p, ::log1p)
#undef TESSERA_SCALAR_UNARY

// NumPy's npy_divmod (npymath), the Python convention: the remainder has the divisor's sign and
// the quotient is floored; b == 0 gives fmod's NaN and a / b.
static inline double divmodScalar(double a, double b, double* modulus) {
  double mod = __builtin_fmod(a, b);
  if (!b) {
    *modulus = mod;
    return a / b;
  }
  double div = (a - mod) / b;
  if (mod) {
    if (__builtin_isless(b, 0.0) != __builtin_isless(mod, 0.0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = __builtin_copysign(0.0, b);
  }
  double floordiv;
  if (div) {
    floordiv = __builtin_floor(div);
    if (__builtin_isgreater(div - floordiv, 0.5)) floordiv += 1.0;
  } else {
    floordiv = __builtin_copysign(0.0, a / b);
  }
  *modulus = mod;
  return floordiv;
}
static inline double remainderScalar(double a, double b) {
  if (!b) return __builtin_fmod(a, b);
  double mod;
  divmodScalar(a, b, &mod);
  return mod;
}
static inline double floorDivideScalar(double a, double b) {
  if (!b) return a / b;
  double mod;
  return divmodScalar(a, b, &mod);
}

#define TESSERA_SCALAR_BINARY(NAME, FN)                                                   \
  static void k_##NAME##_vv(const double* x, const double* y, double* out, size_t n) {   \
    for (size_t i = 0; i < n; ++i) out[i] = FN(x[i], y[i]);                               \
  }                                                                                       \
  static void k_##NAME##_vs(const double* x, double s, double* out, size_t n) {          \
    for (size_t i = 0; i < n; ++i) out[i] = FN(x[i], s);                                  \
  }                                                                                       \
  static void k_##NAME##_sv(double s, const double* y, double* out, size_t n) {          \
    for (size_t i = 0; i < n; ++i) out[i] = FN(s, y[i]);                                  \
  }
TESSERA_SCALAR_BINARY(arctan2, ::atan2)
TESSERA_SCALAR_BINARY(hypot, ::hypot)
TESSERA_SCALAR_BINARY(fmod, __builtin_fmod)
TESSERA_SCALAR_BINARY(mod, remainderScalar)
TESSERA_SCALAR_BINARY(floorDivide, floorDivideScalar)
#undef TESSERA_SCALAR_BINARY

static inline vd copysignV(vd a, vd b) {
  return asD((asU(a) & 0x7fffffffffffffffULL) | (asU(b) & 0x8000000000000000ULL));
}
static void k_copysign_vv(const double* x, const double* y, double* out, size_t n) {
  mapBinary(x, y, out, n, [](vd a, vd b) { return copysignV(a, b); });
}
static void k_copysign_vs(const double* x, double s, double* out, size_t n) {
  mapBinaryVS(x, s, out, n, [](vd a, vd b) { return copysignV(a, b); });
}
static void k_copysign_sv(double s, const double* y, double* out, size_t n) {
  mapBinarySV(s, y, out, n, [](vd a, vd b) { return copysignV(a, b); });
}

// Comparisons, logical operations and predicates give bool values. Registers are float64 blocks
// until typed registers land, so a bool is 1.0 or 0.0 in them (a bool sink stores it as 1 / 0).
// NaN compares unequal to everything (ne is true); NaN is truthy for the logical operations.
static inline vd boolV(vi m) { return sel(m, splat(1.0), splat(0.0)); }
#define TESSERA_BOOL_BINARY(NAME, EXPR)                                                        \
  static void k_##NAME##_vv(const double* x, const double* y, double* out, size_t n) {        \
    mapBinary(x, y, out, n, [](vd a, vd b) { return boolV(EXPR); });                          \
  }                                                                                            \
  static void k_##NAME##_vs(const double* x, double s, double* out, size_t n) {               \
    mapBinaryVS(x, s, out, n, [](vd a, vd b) { return boolV(EXPR); });                        \
  }                                                                                            \
  static void k_##NAME##_sv(double s, const double* y, double* out, size_t n) {               \
    mapBinarySV(s, y, out, n, [](vd a, vd b) { return boolV(EXPR); });                        \
  }
TESSERA_BOOL_BINARY(eq, a == b)
TESSERA_BOOL_BINARY(ne, a != b)
TESSERA_BOOL_BINARY(lt, a < b)
TESSERA_BOOL_BINARY(le, a <= b)
TESSERA_BOOL_BINARY(gt, a > b)
TESSERA_BOOL_BINARY(ge, a >= b)
TESSERA_BOOL_BINARY(logicalAnd, (a != 0.0) & (b != 0.0))
TESSERA_BOOL_BINARY(logicalOr, (a != 0.0) | (b != 0.0))
TESSERA_BOOL_BINARY(logicalXor, (a != 0.0) ^ (b != 0.0))
#undef TESSERA_BOOL_BINARY
static void k_logicalNot(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return boolV(v == 0.0); });
}
static void k_isnan(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return boolV(v != v); });
}
static void k_isinf(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return boolV(vabs(v) == __builtin_inf()); });
}
static void k_isfinite(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return boolV(vabs(v) < __builtin_inf()); });
}
static void k_signbit(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return boolV((vi)(asU(v) >> 63) != 0); });
}

// numpy.positive (a copy); the compiler also uses it to give where() a register of its own.
static void k_positive(const double* x, double* out, size_t n) { mapUnary(x, out, n, 0.0, [](vd v) { return v; }); }
// where in merge form: out = c ? y : out, where `out` already holds the false branch (the compiler
// puts it there). A condition is true when nonzero (NaN too, as NumPy's bool(nan)).
static void k_where_vv(const double* c, const double* y, double* out, size_t n) {
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, sel(load(c + i) != 0.0, load(y + i), load(out + i)));
  for (; i < n; ++i) out[i] = c[i] != 0.0 ? y[i] : out[i];
}
static void k_where_vs(const double* c, double s, double* out, size_t n) {
  const vd b = splat(s);
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, sel(load(c + i) != 0.0, b, load(out + i)));
  for (; i < n; ++i) out[i] = c[i] != 0.0 ? s : out[i];
}
static void k_where_sv(double s, const double* y, double* out, size_t n) {
  if (s != 0.0 || s != s)
    for (size_t i = 0; i < n; ++i) out[i] = y[i];
}
