// Part of kernels_impl.h (included only from there, once per ISA): exp, log, sin, cos.
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

// ---------------------------------------------------------------------------------------------
// exp
//
// Generic (baseline, AVX2): tableless. k = rint(x/ln2), r = x - k ln2 (Cody-Waite, |r| <= 0.347),
// e^r = 1 + (r + r^2 q(r)) with a degree-9 minimax q (degree 11 in total; error 0.06 ulp).
// Fast path (|x| <= 708): 2^k is added to the exponent field. Full range (any lane with
// |x| > 708 or NaN; out of the hot loop): x is clamped to [-746, 710] (NaN passes unchanged) and
// the result scaled by two exact powers of two 2^floor(k/2) * 2^(k - floor(k/2)): the first
// product is exact and the second rounds once, so overflow gives inf and underflow is gradual and
// correctly rounded.
static inline vd vmaxNanRight(vd c, vd x) {  // c > x ? c : x  (x86 maxpd: NaN x is returned)
#if defined(TESSERA_V512)
  return _mm512_maskz_max_pd(0xFF, c, x);
#elif defined(TESSERA_V256)
  return _mm256_max_pd(c, x);
#elif defined(TESSERA_V128)
  return _mm_max_pd(c, x);
#else
  return sel(c > x, c, x);
#endif
}
static inline vd vminNanRight(vd c, vd x) {  // c < x ? c : x
#if defined(TESSERA_V512)
  return _mm512_maskz_min_pd(0xFF, c, x);
#elif defined(TESSERA_V256)
  return _mm256_min_pd(c, x);
#elif defined(TESSERA_V128)
  return _mm_min_pd(c, x);
#else
  return sel(c < x, c, x);
#endif
}
static inline vd expPoly(vd r);
// e^r for r = x - k ln2; returns e^r in [0.7, 1.42] and sets kb = k + 2048 (as an integer).
static inline vd expCore(vd x, vu* kb) {
  const vd shifter = splat(0x1.8p52);
  vd z = fmadd(x, splat(0x1.71547652b82fep+0), shifter);  // rint(x / ln2) in the low mantissa bits
  vd k = z - shifter;
  vd r = fmadd(k, splat(-0x1.62e42fee00000p-1), x);  // exact (k has <= 11 bits, ln2hi 32)
  r = fmadd(k, splat(-0x1.a39ef35793c76p-33), r);
  *kb = asU(z) - asU(shifter) + 2048;  // wrapping integer arithmetic
  return expPoly(r);
}
// e^r for |r| <= 0.35: 1 + (r + r^2 q(r)), q by Estrin's scheme (short dependency chains;
// explicit FMA where the ISA has it)
static inline vd expPoly(vd r) {
  vd r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  vd p01 = fmadd(r, splat(0x1.5555555555556p-3), splat(0x1.0000000000001p-1));
  vd p23 = fmadd(r, splat(0x1.11111111109b3p-7), splat(0x1.5555555553d63p-5));
  vd p45 = fmadd(r, splat(0x1.a01a01a7c41d5p-13), splat(0x1.6c16c1788bd90p-10));
  vd p67 = fmadd(r, splat(0x1.71de0dae63bb3p-19), splat(0x1.a019b90d2ae7ap-16));
  vd p89 = fmadd(r, splat(0x1.af38a9b0ec855p-26), splat(0x1.289185613a3d6p-22));
  vd p03 = fmadd(r2, p23, p01);
  vd p47 = fmadd(r2, p67, p45);
  vd q = fmadd(r8, p89, fmadd(r4, p47, p03));
  return 1.0 + fmadd(r2, q, r);
}
static inline vi expBad(vd x) { return ~(vabs(x) <= 708.0); }
static inline vd expFast(vd x) {
  vu kb;
  vd p = expCore(x, &kb);
  return asD(asU(p) + ((kb - 2048) << 52));
}
static inline vd expFull(vd x) {
  x = vminNanRight(splat(710.0), vmaxNanRight(splat(-746.0), x));
  vu kb;
  vd p = expCore(x, &kb);   // k + 2048 in [971, 3073]
  vu k1 = kb >> 1;          // floor(k / 2) + 1024 (no 64-bit arithmetic shift on AVX2)
  vd s1 = asD((k1 - 1) << 52);       // 2^floor(k/2)
  vd s2 = asD((kb - k1 - 1) << 52);  // 2^(k - floor(k/2))
  return (p * s1) * s2;
}
#if !defined(TESSERA_V512)
__attribute__((noinline)) void expSlow(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) { return expFull(v); });
}
#endif

#if defined(TESSERA_V512)
// AVX-512: 2^(k/16) from a 16-entry table (vpermt2pd), e^r - 1 for |r| <= ln2/32 by a degree-6
// minimax polynomial (0.13 ulp), result = scalef(T + T p, floor(k/16)). vscalefpd gives
// overflow to inf and correctly rounded gradual underflow for free; x is clamped to
// [-746, 710] first (NaN passes through the clamps), so no scalar fallback is needed.
static const double kExpTable[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
struct Exp512 {
  __m512d t0, t1;
  Exp512() : t0(_mm512_loadu_pd(kExpTable)), t1(_mm512_loadu_pd(kExpTable + 8)) {}
  inline __m512d operator()(__m512d x) const {
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    x = _mm512_maskz_max_pd(0xFF, _mm512_set1_pd(-746.0), x);  // NaN in the second operand is returned
    x = _mm512_maskz_min_pd(0xFF, _mm512_set1_pd(710.0), x);
    __m512d z = _mm512_fmadd_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4), shifter);
    __m512d k = _mm512_sub_pd(z, shifter);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.62e42fefa39efp-5), x);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.abc9e3b39803fp-60), r);
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(0x1.6c17bb5ebddb4p-10), r, _mm512_set1_pd(0x1.11120b03cd855p-7));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.555555551946fp-5));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.55555554dd388p-3));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.0000000000000p-1));
    __m512d p = _mm512_fmadd_pd(r2, q, r);  // e^r - 1
    __m512d t = _mm512_permutex2var_pd(t0, _mm512_castpd_si512(z), t1);  // index = k mod 16
    __m512d y = _mm512_fmadd_pd(t, p, t);
    return _mm512_maskz_scalef_pd(0xFF, y, _mm512_mul_pd(k, _mm512_set1_pd(0.0625)));
  }
};
#endif

static void k_exp(const double* x, double* out, size_t n) {
#if defined(TESSERA_V512)
  const Exp512 e;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512d a = _mm512_loadu_pd(x + i), b = _mm512_loadu_pd(x + i + 8);
    _mm512_storeu_pd(out + i, e(a));
    _mm512_storeu_pd(out + i + 8, e(b));
  }
  for (; i < n; i += 8) {
    __mmask8 m = static_cast<__mmask8>(n - i >= 8 ? 0xFF : (1u << (n - i)) - 1);
    _mm512_mask_storeu_pd(out + i, m, e(_mm512_maskz_loadu_pd(m, x + i)));
  }
#else
  size_t i = 0;
  for (; i + W <= n; i += W) {
    vd v = load(x + i);
    if (any(expBad(v))) break;
    store(out + i, expFast(v));
  }
  if (i < n) expSlow(x + i, out + i, n - i);
#endif
}

// ---------------------------------------------------------------------------------------------
// log (fdlibm e_log.c, vectorized): x = 2^k (1+f), 1+f in [sqrt(2)/2, sqrt(2)),
// s = f/(2+f), log(1+f) = f - hfsq + s (hfsq + R(s^2)); < 1 ulp. Subnormals are prescaled by
// 2^54; x <= 0, inf and NaN go to scalar ::log.
static inline vd logCore(vd x) {
  vi sub = x < 0x1p-1022;
  vd xs = sel(sub, x * 0x1p54, x);
  vu ix = asU(xs);
  vu hx = (ix >> 32) + (0x3ff00000 - 0x3fe6a09e);
  vu k = (hx >> 20) - 0x3ff + ((vu)sub & (0 - 54ULL));  // wrapping; prescaled lanes: -54
  hx = (hx & 0x000fffff) + 0x3fe6a09e;
  vd m = asD((hx << 32) | (ix & 0xffffffffULL));
  vd dk = asD(k + asU(splat(0x1.8p52))) - 0x1.8p52;  // k is small: exact int -> double
  vd f = m - 1.0;
  vd hfsq = 0.5 * f * f;
  vd s = f / (2.0 + f);
  vd z = s * s;
  vd w = z * z;
  vd t1 = w * (0x1.999999997fa04p-2 + w * (0x1.c71c51d8e78afp-3 + w * 0x1.39a09d078c69fp-3));
  vd t2 = z * (0x1.5555555555593p-1 + w * (0x1.2492494229359p-2 + w * (0x1.7466496cb03dep-3 + w * 0x1.2f112df3e5244p-3)));
  vd R = t2 + t1;
  return dk * 0x1.62e42fee00000p-1 - ((hfsq - (s * (hfsq + R) + dk * 0x1.a39ef35793c76p-33)) - f);
}
// Special inputs without a branch: log(+-0) = -inf, log(x < 0) = NaN, log(inf) = inf,
// log(NaN) = NaN (the core's value in those lanes is discarded).
static inline vd logV(vd x) {
  vd r = logCore(x);
  r = sel(x == __builtin_inf(), x, r);
  r = sel(x < 0.0, (x - x) / splat(0.0), r);  // the default NaN, as libm returns
  r = sel(x == 0.0, splat(-__builtin_inf()), r);
  return sel(x != x, x + x, r);
}
static void k_log(const double* x, double* out, size_t n) { mapUnary(x, out, n, 1.0, [](vd v) { return logV(v); }); }

// ---------------------------------------------------------------------------------------------
// sin / cos (fdlibm k_sin.c / k_cos.c kernels with fdlibm's medium-size argument reduction:
// x = n pi/2 + (y0 + y1), pi/2 in three 33-bit pieces, exact for |n| < 2^20). |x| > 8e5, inf and
// NaN go to scalar ::sin / ::cos (Payne-Hanek in libm).
static constexpr double kSinCosFastMax = 8e5;
static inline vd kernelSin(vd x, vd y) {
  vd z = x * x;
  vd v = z * x;
  vd r = 0x1.111111110f8a6p-7 + z * (-0x1.a01a019c161d5p-13 + z * (0x1.71de357b1fe7dp-19 + z * (-0x1.ae5e68a2b9cebp-26 + z * 0x1.5d93a5acfd57cp-33)));
  return x - ((z * (0.5 * y - v * r) - y) - v * -0x1.5555555555549p-3);
}
static inline vd kernelCos(vd x, vd y) {
  vd z = x * x;
  vd r = z * (0x1.555555555554cp-5 + z * (-0x1.6c16c16c15177p-10 + z * (0x1.a01a019cb159p-16 + z * (-0x1.27e4f809c52adp-22 + z * (0x1.1ee9ebdb4b1c4p-29 + z * -0x1.8fae9be8838d4p-37)))));
  vd ax = vabs(x);
  // qx = 0 for |x| < 0.3, 0.28125 for |x| > 0.78125, else |x|/4 truncated to its high word
  vd qx = asD((asU(ax) - 0x0020000000000000ULL) & 0xFFFFFFFF00000000ULL);
  qx = sel(ax < 0x1.3333333333333p-2, splat(0.0), qx);
  qx = sel(ax > 0.78125, splat(0.28125), qx);
  vd hz = 0.5 * z - qx;
  vd a = 1.0 - qx;
  return a - (hz - (z * r - x * y));
}
// cosShift = 0 for sin, 1 for cos (cos x = sin(x + pi/2)).
static inline vd sinCosCore(vd x, uint64_t cosShift) {
  const vd shifter = splat(0x1.8p52);
  vd zz = x * 0x1.45f306dc9c883p-1 + shifter;
  vd fn = zz - shifter;
  vu q = asU(zz) + cosShift;  // quadrant in the low bits
  // fdlibm __ieee754_rem_pio2, medium case. Iteration 2 is always done (harmless when not
  // needed); iteration 3 only for lanes with more than 49 bits of cancellation.
  vd r = x - fn * 0x1.921fb54400000p+0;  // pio2_1
  vd t = r;
  vd w = fn * 0x1.0b4611a600000p-34;  // pio2_2
  r = t - w;
  w = fn * 0x1.3198a2e037073p-69 - ((t - r) - w);  // pio2_2t
  vd y0 = r - w;
  vi ex = (vi)((asU(x) >> 52) & 0x7ff);
  vi need3 = (ex - (vi)((asU(y0) >> 52) & 0x7ff)) > 49;
  if (any(need3)) {
    t = r;
    vd w3 = fn * 0x1.3198a2e000000p-69;  // pio2_3
    vd r3 = t - w3;
    w3 = fn * 0x1.b839a252049c1p-104 - ((t - r3) - w3);  // pio2_3t
    r = sel(need3, r3, r);
    w = sel(need3, w3, w);
    y0 = r - w;
  }
  vd y1 = (r - y0) - w;
  vd s = kernelSin(y0, y1);
  vd c = kernelCos(y0, y1);
  vd res = sel((vi)((q & 1) != 0), c, s);
  return asD(asU(res) ^ ((q & 2) << 62));
}
static inline vi sinCosBad(vd x) { return ~(vabs(x) <= kSinCosFastMax); }
// The slow path (any lane needing libm) lives in its own function, so the fast loop contains no
// call and keeps its constants in registers.
template <uint64_t kCos>
__attribute__((noinline)) void sinCosSlow(const double* x, double* out, size_t n) {
  mapUnary(x, out, n, 0.0, [](vd v) {
    return fixLanes(sinCosCore(v, kCos), v, sinCosBad(v), [](double a) { return kCos ? ::cos(a) : ::sin(a); });
  });
}
template <uint64_t kCos>
static void sinCos(const double* x, double* out, size_t n) {
  size_t i = 0;
  for (; i + W <= n; i += W) {
    vd v = load(x + i);
    if (any(sinCosBad(v))) break;
    store(out + i, sinCosCore(v, kCos));
  }
  if (i < n) sinCosSlow<kCos>(x + i, out + i, n - i);
}
static void k_sin(const double* x, double* out, size_t n) { sinCos<0>(x, out, n); }
static void k_cos(const double* x, double* out, size_t n) { sinCos<1>(x, out, n); }
