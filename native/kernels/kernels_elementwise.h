// Part of kernels_impl.h (included only from there, once per ISA): the simple element-wise kernels
// (neg, abs, sqrt, add, sub, mul, div, pow, max, min in their vv/vs/sv forms).
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

// ---------------------------------------------------------------------------------------------
// Simple element-wise kernels
static void k_neg(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return asD(asU(v) ^ 0x8000000000000000ULL); });
}
static void k_abs(const double* x, double* out, size_t n) { mapUnary(x, out, n, 0.0, [](vd v) { return vabs(v); }); }
static void k_sqrt(const double* x, double* out, size_t n) { mapUnary(x, out, n, 1.0, [](vd v) { return vsqrt(v); }); }

template <class F>
static inline void mapBinary(const double* x, const double* y, double* out, size_t n, F f) {
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load(x + i), load(y + i)));
  for (; i < n; ++i) {
    vd a = splat(x[i]), b = splat(y[i]);
    out[i] = f(a, b)[0];
  }
}
template <class F>
static inline void mapBinaryVS(const double* x, double s, double* out, size_t n, F f) {
  const vd b = splat(s);
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load(x + i), b));
  for (; i < n; ++i) out[i] = f(splat(x[i]), b)[0];
}
template <class F>
static inline void mapBinarySV(double s, const double* y, double* out, size_t n, F f) {
  const vd a = splat(s);
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(a, load(y + i)));
  for (; i < n; ++i) out[i] = f(a, splat(y[i]))[0];
}
// numpy.maximum / minimum (as NumPy 2 computes them): (a > b || isnan(a)) ? a : b, so a NaN in
// either operand propagates and of two equal values (+0/-0) the second is returned.
static inline vd maxV(vd a, vd b) { return sel((a > b) | (a != a), a, b); }
static inline vd minV(vd a, vd b) { return sel((a < b) | (a != a), a, b); }

#define TESSERA_BINARY(NAME, EXPR)                                                                 \
  static void NAME##_vv(const double* x, const double* y, double* out, size_t n) {                \
    mapBinary(x, y, out, n, [](vd a, vd b) { return (EXPR); });                                    \
  }                                                                                                \
  static void NAME##_vs(const double* x, double s, double* out, size_t n) {                       \
    mapBinaryVS(x, s, out, n, [](vd a, vd b) { return (EXPR); });                                  \
  }                                                                                                \
  static void NAME##_sv(double s, const double* y, double* out, size_t n) {                       \
    mapBinarySV(s, y, out, n, [](vd a, vd b) { return (EXPR); });                                  \
  }
TESSERA_BINARY(k_add, a + b)
TESSERA_BINARY(k_sub, a - b)
TESSERA_BINARY(k_mul, a * b)
TESSERA_BINARY(k_div, a / b)
TESSERA_BINARY(k_max, maxV(a, b))
TESSERA_BINARY(k_min, minV(a, b))
#undef TESSERA_BINARY

// pow. Baseline: the C library's (every C99/NumPy special case; < 1 ulp).
// FMA ISAs: x^y = exp(y log x) with log x in double-double (~2^-66 relative), the product y log x
// in double-double, and the exp of a double-double argument (max error ~1.1 ulp), for lanes with
// 0 < x < inf and finite, non-integer y. Every other lane goes to the C library: x <= 0, inf,
// NaN, infinite y, and integer y, so that x ** n is bit-identical to NumPy's (C pow, correctly
// rounded in practice: 3.0 ** 3 == 27.0 exactly).
#if defined(TESSERA_V512) || defined(TESSERA_V256)
struct DD {
  vd hi, lo;
};
static inline DD twoProd(vd a, vd b) {
  vd p = a * b;
  return {p, fmadd(a, b, -p)};
}
static inline DD twoSum(vd a, vd b) {
  vd s = a + b;
  vd bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
static inline DD logDD(vd x) {
  vi sub = x < 0x1p-1022;
  vd xs = sel(sub, x * 0x1p54, x);
  vu ix = asU(xs);
  vu hx = (ix >> 32) + (0x3ff00000 - 0x3fe6a09e);
  vu k = (hx >> 20) - 0x3ff + ((vu)sub & (0 - 54ULL));
  hx = (hx & 0x000fffff) + 0x3fe6a09e;
  vd m = asD((hx << 32) | (ix & 0xffffffffULL));  // x = 2^k m, m in [sqrt(1/2), sqrt(2))
  vd dk = asD(k + asU(splat(0x1.8p52))) - 0x1.8p52;
  vd f = m - 1.0;                            // exact
  vd dh = 2.0 + f, dl = f - (dh - 2.0);      // 2 + f exactly, as dh + dl
  vd sh = f / dh;                            // s = f / (2 + f) = sh + sl
  vd sl = fmadd(-sh, dl, fmadd(-sh, dh, f)) / dh;
  // log m = 2 atanh(s) = 2s + (2/3) s^3 + s^5 (2/5 + 2/7 s^2 + ...), |s| <= 0.1716
  DD s2 = twoProd(sh, sh);
  s2.lo = fmadd(2.0 * sh, sl, s2.lo);
  DD s3 = twoProd(s2.hi, sh);
  s3.lo = fmadd(s2.lo, sh, fmadd(s2.hi, sl, s3.lo));
  DD t1 = twoProd(s3.hi, splat(0x1.5555555555555p-1));  // 2/3 = ch + cl
  t1.lo = fmadd(s3.hi, splat(0x1.5555555555555p-55), fmadd(s3.lo, splat(0x1.5555555555555p-1), t1.lo));
  vd z = s2.hi;
  vd R = splat(2.0 / 27);
  R = fmadd(R, z, splat(2.0 / 25));
  R = fmadd(R, z, splat(2.0 / 23));
  R = fmadd(R, z, splat(2.0 / 21));
  R = fmadd(R, z, splat(2.0 / 19));
  R = fmadd(R, z, splat(2.0 / 17));
  R = fmadd(R, z, splat(2.0 / 15));
  R = fmadd(R, z, splat(2.0 / 13));
  R = fmadd(R, z, splat(2.0 / 11));
  R = fmadd(R, z, splat(2.0 / 9));
  R = fmadd(R, z, splat(2.0 / 7));
  R = fmadd(R, z, splat(2.0 / 5));
  vd rest = (s3.hi * z) * R;
  // k ln2 + 2s + t1 + rest; ln2 = 0x1.62e42fefa3000p-1 (41 bits: dk * hi exact) + lo
  DD a = twoSum(dk * 0x1.62e42fefa3000p-1, 2.0 * sh);
  DD b = twoSum(a.hi, t1.hi);
  vd lo = a.lo + b.lo + (2.0 * sl + t1.lo + rest + dk * 0x1.3de6af278ece6p-42);
  vd h = b.hi + lo;
  return {h, lo - (h - b.hi)};
}
static inline vd powCore(vd x, vd y) {
  DD l = logDD(x);
  DD zz = twoProd(y, l.hi);
  zz.lo = fmadd(y, l.lo, zz.lo);
  vd zh = zz.hi + zz.lo;
  vd zl = zz.lo - (zh - zz.hi);
  zl = sel(vabs(zh) <= 746.0, zl, splat(0.0));  // out of range (or inf): the low part is moot
  // exp(zh + zl), full range (as expFull, with zl added to the reduced argument)
  vd xc = vminNanRight(splat(710.0), vmaxNanRight(splat(-746.0), zh));
  const vd shifter = splat(0x1.8p52);
  vd zs = fmadd(xc, splat(0x1.71547652b82fep+0), shifter);
  vd k = zs - shifter;
  vd r = fmadd(k, splat(-0x1.62e42fee00000p-1), xc);
  r = fmadd(k, splat(-0x1.a39ef35793c76p-33), r) + zl;
  vd p = expPoly(r);
  vu kb = asU(zs) - asU(shifter) + 2048;
  vu k1 = kb >> 1;
  return (p * asD((k1 - 1) << 52)) * asD((kb - k1 - 1) << 52);
}
static inline vi powBad(vd x, vd y) {
  vd ay = vabs(y);
  vi integer = ((ay + 0x1p52) - 0x1p52) == ay;  // also true for |y| >= 2^52 (all integers) and inf
  return ~((x > 0.0) & (x < __builtin_inf()) & (ay < __builtin_inf())) | integer;
}
static inline vd powV(vd x, vd y) {
  vd r = powCore(x, y);
  vi bad = powBad(x, y);
  if (any(bad)) {
    for (size_t l = 0; l < W; ++l)
      if (bad[l]) r[l] = ::pow(x[l], y[l]);
  }
  return r;
}
static void k_pow_vv(const double* x, const double* y, double* out, size_t n) {
  mapBinary(x, y, out, n, [](vd a, vd b) { return powV(a, b); });
}
#define TESSERA_POW_VS(x, s, out, n) mapBinaryVS(x, s, out, n, [](vd a, vd b) { return powV(a, b); })
#define TESSERA_POW_SV(s, y, out, n) mapBinarySV(s, y, out, n, [](vd a, vd b) { return powV(a, b); })
#else
static void k_pow_vv(const double* x, const double* y, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = ::pow(x[i], y[i]);
}
#define TESSERA_POW_VS(x, s, out, n) \
  for (size_t i = 0; i < n; ++i) out[i] = ::pow(x[i], s)
#define TESSERA_POW_SV(s, y, out, n) \
  for (size_t i = 0; i < n; ++i) out[i] = ::pow(s, y[i])
#endif
// Common constant exponents have exact (correctly rounded) vector forms with the same special
// cases as C99 pow.
static void k_pow_vs(const double* x, double s, double* out, size_t n) {
  if (s == 0.0) {  // pow(x, +-0) = 1 for every x, NaN included
    mapBinaryVS(x, s, out, n, [](vd, vd) { return splat(1.0); });
  } else if (s == 1.0) {  // pow(x, 1) = x
    mapBinaryVS(x, s, out, n, [](vd a, vd) { return a; });
  } else if (s == 2.0) {  // x*x: one correctly rounded operation
    mapBinaryVS(x, s, out, n, [](vd a, vd) { return a * a; });
  } else if (s == -1.0) {  // 1/x, including pow(+-0, -1) = +-inf
    mapBinaryVS(x, s, out, n, [](vd a, vd) { return 1.0 / a; });
  } else if (s == 0.5) {
    // sqrt, exactly as NumPy computes x ** 0.5 (and np.power(x, 0.5) with a scalar exponent):
    // note this gives sqrt's -0 -> -0 and -inf -> NaN where C pow gives +0 and +inf.
    mapBinaryVS(x, s, out, n, [](vd a, vd) { return vsqrt(a); });
  } else if (s == __builtin_rint(s) || isNanScalar(s)) {  // integer exponent: C pow
    for (size_t i = 0; i < n; ++i) out[i] = ::pow(x[i], s);
  } else {
    TESSERA_POW_VS(x, s, out, n);
  }
}
static void k_pow_sv(double s, const double* y, double* out, size_t n) { TESSERA_POW_SV(s, y, out, n); }
#undef TESSERA_POW_VS
#undef TESSERA_POW_SV
