// Part of kernels_impl.h (included only from there, once per ISA): scalar helpers, the native-width
// vector type and its primitives, and the lane-mapping helpers the kernels are written with.
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

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
