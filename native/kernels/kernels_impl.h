// The one generic implementation of the block kernels (kernels.h). Included by
// kernels_{baseline,avx2,avx512}.cc, each of which defines TESSERA_ISA_NS (a per-ISA namespace
// name) and TESSERA_ISA_NAME before including this file, and is compiled with its own -m flags
// (native/sources.json "isaFlags"; the AVX files also get -ffp-contract=off so that no a*b+c is
// silently fused: every FMA below is explicit).
//
// ODR safety: EVERYTHING here lives in the per-ISA namespace (and is `static`), so no symbol is
// shared between objects compiled with different -m flags. (An inline function shared by name
// could be merged by the linker into its AVX copy and then run on a baseline CPU.) For the same
// reason this file calls no inline library helpers (std::isnan, std::numeric_limits, ...): only
// compiler builtins, intrinsics (never emitted out of line) and extern libm functions.
//
// Structure: the code is written once with GCC vector extensions over the native vector width
// (SSE2: 2 doubles, AVX2: 4, AVX-512: 8); a few hot pieces have AVX-512 intrinsics (the table
// exp with vpermt2pd + vscalefpd, int64 -> double conversion). log/sin/cos use only IEEE
// +,-,*,/ in a fixed order (fdlibm's algorithms), so they are bit-identical across ISAs; exp is
// bit-identical between baseline and AVX2 (same tableless algorithm) and within ~1 ulp on AVX-512.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/kernels.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__AVX512BW__)
#include <immintrin.h>
#define TESSERA_V512 1
#define TESSERA_VBYTES 64
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TESSERA_V256 1
#define TESSERA_VBYTES 32
#elif defined(__SSE2__)
#include <emmintrin.h>
#define TESSERA_V128 1
#define TESSERA_VBYTES 16
#else
#define TESSERA_VBYTES 16
#endif

#ifndef TESSERA_ISA_NS
#error "define TESSERA_ISA_NS before including kernels_impl.h"
#endif

namespace tessera::kernels::TESSERA_ISA_NS {
namespace {  // internal linkage for everything, including member functions of helper structs

// ---------------------------------------------------------------------------------------------
// Scalar helpers
static inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static inline uint64_t angleKey(uint64_t key) { return mix(key ^ 0xD1B54A32D192ED03ULL); }
static constexpr double kTwoPi = 0x1.921fb54442d18p+2;
static inline bool isNanScalar(double x) { return __builtin_isnan(x); }

// ---------------------------------------------------------------------------------------------
// Vector types (GCC vector extensions, native width)
typedef double vd __attribute__((vector_size(TESSERA_VBYTES)));
typedef int64_t vi __attribute__((vector_size(TESSERA_VBYTES)));
typedef uint64_t vu __attribute__((vector_size(TESSERA_VBYTES)));
typedef double vdu __attribute__((vector_size(TESSERA_VBYTES), aligned(8), may_alias));
static constexpr size_t W = TESSERA_VBYTES / 8;

static inline vd load(const double* p) { return *reinterpret_cast<const vdu*>(p); }
static inline void store(double* p, vd v) { *reinterpret_cast<vdu*>(p) = v; }
static inline vd splat(double c) {  // (not vd{} + c: +0.0 + -0.0 would lose the sign of zero)
  vd v;
  for (size_t l = 0; l < W; ++l) v[l] = c;
  return v;
}
static inline vu splatu(uint64_t c) { return vu{} + c; }
static inline vd asD(vu v) { return (vd)v; }
static inline vu asU(vd v) { return (vu)v; }
static inline vd sel(vi m, vd a, vd b) { return m ? a : b; }
static inline vd vabs(vd x) { return asD(asU(x) & 0x7FFFFFFFFFFFFFFFULL); }

static inline vd fmadd(vd a, vd b, vd c) {
#if defined(TESSERA_V512)
  return _mm512_fmadd_pd(a, b, c);
#elif defined(TESSERA_V256)
  return _mm256_fmadd_pd(a, b, c);
#else
  return a * b + c;
#endif
}
static inline vd vsqrt(vd x) {
#if defined(TESSERA_V512)
  return _mm512_maskz_sqrt_pd(0xFF, x);
#elif defined(TESSERA_V256)
  return _mm256_sqrt_pd(x);
#elif defined(TESSERA_V128)
  return _mm_sqrt_pd(x);
#else
  vd r;
  for (size_t l = 0; l < W; ++l) r[l] = __builtin_sqrt(x[l]);
  return r;
#endif
}
static inline bool any(vi m) {
#if defined(TESSERA_V512)
  return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0;
#elif defined(TESSERA_V256)
  return !_mm256_testz_si256((__m256i)m, (__m256i)m);
#elif defined(TESSERA_V128)
  return _mm_movemask_pd((__m128d)m) != 0;
#else
  for (size_t l = 0; l < W; ++l)
    if (m[l]) return true;
  return false;
#endif
}

// Apply f to every full vector, then to the tail (padded with `pad`, a harmless input).
template <class F>
static inline void mapUnary(const double* x, double* out, size_t n, double pad, F f) {
  size_t i = 0;
#if defined(TESSERA_V512)
  for (; i + 2 * W <= n; i += 2 * W) {  // two independent vectors per iteration (32 registers)
    vd a = f(load(x + i)), b = f(load(x + i + W));
    store(out + i, a);
    store(out + i + W, b);
  }
#endif
  for (; i + W <= n; i += W) store(out + i, f(load(x + i)));
  if (i < n) {
    double t[W];
    for (size_t l = 0; l < W; ++l) t[l] = i + l < n ? x[i + l] : pad;
    store(t, f(load(t)));
    for (size_t l = 0; i + l < n; ++l) out[i + l] = t[l];
  }
}
// Lanes flagged in `bad` are recomputed with the scalar libm function (rare inputs).
template <class S>
static inline vd fixLanes(vd r, vd x, vi bad, S scalar) {
  if (any(bad)) {
    for (size_t l = 0; l < W; ++l)
      if (bad[l]) r[l] = scalar(x[l]);
  }
  return r;
}

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

// ---------------------------------------------------------------------------------------------
// Random fills. Lane l of the counter vector holds key + (start + (j + l) step + 1) * GAMMA; it
// advances by W * step * GAMMA per vector (all wrapping uint64 arithmetic).
static inline vu mixV(vu z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
// (b >> 11) * 2^-53, exactly.
static inline vd u53V(vu b) {
#if defined(TESSERA_V512)
  return _mm512_maskz_cvtepu64_pd(0xFF, (__m512i)(b >> 11)) * 0x1p-53;
#else
  vd hi = asD((b >> 12) | 0x3FF0000000000000ULL) - 1.0;                // (b >> 12) * 2^-52
  vd lo = asD((0 - ((b >> 11) & 1)) & 0x3CA0000000000000ULL);          // bit 11 of b * 2^-53
  return hi + lo;                                                      // exact (53 bits)
#endif
}
// (b >> 40) * 2^-24, exactly.
static inline vd u24V(vu b) {
  return asD(((b >> 12) & 0x000FFFFFF0000000ULL) | 0x3FF0000000000000ULL) - 1.0;
}
struct Counter {
  vu c, inc;
  Counter(uint64_t key, int64_t start, int64_t step) {
    const uint64_t s = static_cast<uint64_t>(step), g = kGamma;
    for (size_t l = 0; l < W; ++l) c[l] = key + (static_cast<uint64_t>(start) + l * s + 1) * g;
    inc = splatu(W * s * g);
  }
  inline vu next() {
    vu b = mixV(c);
    c += inc;
    return b;
  }
};
template <class F>
static inline void fillRandom(uint64_t key, int64_t start, int64_t step, double* out, size_t n, F f) {
  Counter ctr(key, start, step);
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(ctr.next()));
  if (i < n) {
    double t[W];
    store(t, f(ctr.next()));
    for (size_t l = 0; i + l < n; ++l) out[i + l] = t[l];
  }
}
static void k_uniform64(uint64_t key, int64_t start, int64_t step, double* out, size_t n) {
  fillRandom(key, start, step, out, n, u53V);
}
static void k_uniform32(uint64_t key, int64_t start, int64_t step, double* out, size_t n) {
  fillRandom(key, start, step, out, n, u24V);
}
// Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2), u1 = 1 - uniform64(key) in (0, 1],
// u2 = uniform64(normalAngleKey(key)).
static void k_normal64(uint64_t key, int64_t start, int64_t step, double* out, size_t n) {
  Counter c1(key, start, step), c2(angleKey(key), start, step);
  auto one = [&]() {
    vd u1 = 1.0 - u53V(c1.next());
    vd u2 = u53V(c2.next());
    return vsqrt(-2.0 * logCore(u1)) * sinCosCore(kTwoPi * u2, 1);  // u1 in (0,1]: no special cases
  };
  size_t i = 0;
  for (; i + W <= n; i += W) store(out + i, one());
  if (i < n) {
    double t[W];
    store(t, one());
    for (size_t l = 0; i + l < n; ++l) out[i + l] = t[l];
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions: a fixed 16-lane structure (lane l accumulates elements l, l+16, ...; missing tail
// lanes hold the identity, which every op leaves unchanged exactly), lanes combined by a fixed
// pairwise tree, and for n > kLeaf a pairwise split at a multiple of 16. No FMA. Every ISA does
// exactly these operations in this order, so the results are bit-identical across ISAs.
static constexpr size_t kLanes = 16;
static constexpr size_t kLeaf = 256;
static constexpr size_t kVecs = kLanes / W;
static inline size_t splitPoint(size_t n) { return ((n / 2 + kLanes - 1) / kLanes) * kLanes; }

// The partial last row of 16 (out of line: otherwise GCC hoists the padding of `t` into every
// call, e.g. as a `rep stos`).
template <class Op>
__attribute__((noinline)) void reduceTail(vd* acc, const double* x, size_t rem, double identity, Op op) {
  double t[kLanes];
  for (size_t l = 0; l < kLanes; ++l) t[l] = l < rem ? x[l] : identity;
  for (size_t v = 0; v < kVecs; ++v) acc[v] = op(acc[v], load(t + v * W));
}
template <class Op>
static double reduceLeaf(const double* x, size_t n, double identity, Op op) {
  vd acc[kVecs];
  for (size_t v = 0; v < kVecs; ++v) acc[v] = splat(identity);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t v = 0; v < kVecs; ++v) acc[v] = op(acc[v], load(x + i + v * W));
  if (i < n) reduceTail(acc, x + i, n - i, identity, op);
  // pairwise tree: first across vectors, then within one vector by halving shuffles (kept in
  // registers: storing a vector and reloading lanes would stall on store forwarding)
  for (size_t w = kVecs / 2; w >= 1; w /= 2)
    for (size_t v = 0; v < w; ++v) acc[v] = op(acc[v], acc[v + w]);
  vd a = acc[0];
#if TESSERA_VBYTES == 64
  a = op(a, __builtin_shufflevector(a, a, 4, 5, 6, 7, 4, 5, 6, 7));
  a = op(a, __builtin_shufflevector(a, a, 2, 3, 2, 3, 2, 3, 2, 3));
  a = op(a, __builtin_shufflevector(a, a, 1, 1, 1, 1, 1, 1, 1, 1));
#elif TESSERA_VBYTES == 32
  a = op(a, __builtin_shufflevector(a, a, 2, 3, 2, 3));
  a = op(a, __builtin_shufflevector(a, a, 1, 1, 1, 1));
#else
  a = op(a, __builtin_shufflevector(a, a, 1, 1));
#endif
  return a[0];
}
template <class Op>
static double reduceTree(const double* x, size_t n, double identity, Op op) {
  if (n <= kLeaf) return reduceLeaf(x, n, identity, op);
  size_t h = splitPoint(n);
  double a = reduceTree(x, h, identity, op);
  double b = reduceTree(x + h, n - h, identity, op);
  return op(splat(a), splat(b))[0];
}
// Identity +0.0 as NumPy: sum([]) = 0.0 and sum([-0.0]) = 0.0. (Accumulators starting at +0.0
// can never become -0.0, so padding lanes with +0.0 leaves them unchanged exactly.)
static double r_sum(const double* x, size_t n) {
  return reduceTree(x, n, 0.0, [](vd a, vd b) { return a + b; });
}
static double r_prod(const double* x, size_t n) {
  return reduceTree(x, n, 1.0, [](vd a, vd b) { return a * b; });
}
static double r_max(const double* x, size_t n) {
  return reduceTree(x, n, -__builtin_inf(), [](vd a, vd b) { return maxV(a, b); });
}
static double r_min(const double* x, size_t n) {
  return reduceTree(x, n, __builtin_inf(), [](vd a, vd b) { return minV(a, b); });
}

// ---------------------------------------------------------------------------------------------
static const Table kTable = {
    TESSERA_ISA_NAME,
    k_neg, k_abs, k_exp, k_log, k_sqrt, k_sin, k_cos,
    {k_add_vv, k_add_vs, k_add_sv},
    {k_sub_vv, k_sub_vs, k_sub_sv},
    {k_mul_vv, k_mul_vs, k_mul_sv},
    {k_div_vv, k_div_vs, k_div_sv},
    {k_pow_vv, k_pow_vs, k_pow_sv},
    {k_max_vv, k_max_vs, k_max_sv},
    {k_min_vv, k_min_vs, k_min_sv},
    k_uniform64, k_uniform32, k_normal64,
    r_sum, r_prod, r_min, r_max,  // sum, prod, reduceMin, reduceMax
};

}  // namespace
}  // namespace tessera::kernels::TESSERA_ISA_NS
