// Part of kernels_typed.h (included only from there, once per ISA, after the generic loops): the
// SIMD comparisons of float64/float32 into bool registers and where's merge by element size. The
// generic scalar-functor loops compile these poorly: a comparison's bool output is narrower than
// its input and may alias it (so GCC keeps the scalar loop), and where's `c ? x : o` became
// masked loads with a chain of sign extensions. Here: vector compares, their lane mask bits
// (movemask) spread to 0/1 bytes through a 256-entry table, eight bools per 8-byte store; where
// is a bit select with the condition widened to the element's lanes (both on AVX2/AVX-512; the
// SSE2 baseline keeps the generic loops, measured faster there). Results are those of the
// scalar loops exactly (IEEE comparisons: NaN compares false except !=).
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

// GCC 12 reports -Wmaybe-uninitialized inside its own avx512fintrin.h for the vpmovzx intrinsics
// (their _mm512_undefined_* pass-through operand); a known false positive, silenced for this part only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Eight mask bits -> eight bool bytes (bit k -> byte k, 0 or 1).
struct SpreadTable {
  uint64_t v[256];
};
static constexpr SpreadTable makeSpread() {
  SpreadTable t{};
  for (unsigned b = 0; b < 256; ++b) {
    uint64_t r = 0;
    for (unsigned k = 0; k < 8; ++k)
      if ((b >> k) & 1) r |= uint64_t(1) << (8 * k);
    t.v[b] = r;
  }
  return t;
}
static constexpr SpreadTable kSpread = makeSpread();

// The sign bits of a float64 / float32 lane mask (all-ones or zero lanes), lane l -> bit l.
static inline unsigned maskBits(vi m) {
#if defined(TESSERA_V512)
  return static_cast<unsigned>(_mm512_movepi64_mask((__m512i)m));
#elif defined(TESSERA_V256)
  return static_cast<unsigned>(_mm256_movemask_pd((__m256d)m));
#elif defined(TESSERA_V128)
  return static_cast<unsigned>(_mm_movemask_pd((__m128d)m));
#else
  unsigned b = 0;
  for (size_t l = 0; l < W; ++l) b |= (m[l] != 0 ? 1u : 0u) << l;
  return b;
#endif
}
static inline unsigned maskBits(vi32 m) {
#if defined(TESSERA_V512)
  return static_cast<unsigned>(_mm512_movepi32_mask((__m512i)m));
#elif defined(TESSERA_V256)
  return static_cast<unsigned>(_mm256_movemask_ps((__m256)m));
#elif defined(TESSERA_V128)
  return static_cast<unsigned>(_mm_movemask_ps((__m128)m));
#else
  unsigned b = 0;
  for (size_t l = 0; l < WF; ++l) b |= (m[l] != 0 ? 1u : 0u) << l;
  return b;
#endif
}
static inline void storeBools(uint8_t* o, unsigned bits, size_t groups) {
  for (size_t g = 0; g < groups; ++g) {
    const uint64_t b = kSpread.v[(bits >> (8 * g)) & 255];
    std::memcpy(o + 8 * g, &b, 8);
  }
}

// o[i] = cmp(a(i), b(i)) over n elements of float type T, a and b given as vector and scalar
// loaders. Groups of G >= 8 elements: G input bytes are read before the G bool bytes of the group
// are stored, and bool i lies at byte i <= 4 i, so an output aliasing an input is safe.
template <class T, class VA, class VB, class SA, class SB, class Cmp>
static inline void cmpLoop(uint8_t* o, size_t n, VA va, VB vb, SA sa, SB sb, Cmp cmp) {
  constexpr size_t L = TESSERA_VBYTES / sizeof(T);
  constexpr size_t G = L > 8 ? L : 8;
  size_t i = 0;
  for (; i + G <= n; i += G) {
    unsigned bits = 0;
    for (size_t v = 0; v < G / L; ++v) bits |= maskBits(cmp(va(i + v * L), vb(i + v * L))) << (v * L);
    storeBools(o + i, bits, G / 8);
  }
  for (; i < n; ++i) o[i] = cmp(sa(i), sb(i)) ? 1 : 0;
}
template <class Cmp>
struct CmpLoopF {
  template <class T, class V, class LD>
  static void vv(const void* x, const void* y, void* out, size_t n, LD ld) {
    const T* a = static_cast<const T*>(x);
    const T* b = static_cast<const T*>(y);
    cmpLoop<T>(static_cast<uint8_t*>(out), n, [&](size_t i) { return ld(a + i); }, [&](size_t i) { return ld(b + i); },
               [&](size_t i) { return a[i]; }, [&](size_t i) { return b[i]; }, Cmp{});
  }
  template <class T, class V, class LD>
  static void vs(const void* x, const void* s, void* out, size_t n, LD ld) {
    const T* a = static_cast<const T*>(x);
    const T b = *static_cast<const T*>(s);
    V bv;
    for (size_t l = 0; l < TESSERA_VBYTES / sizeof(T); ++l) bv[l] = b;
    cmpLoop<T>(static_cast<uint8_t*>(out), n, [&](size_t i) { return ld(a + i); }, [&](size_t) { return bv; },
               [&](size_t i) { return a[i]; }, [&](size_t) { return b; }, Cmp{});
  }
  template <class T, class V, class LD>
  static void sv(const void* s, const void* y, void* out, size_t n, LD ld) {
    const T a = *static_cast<const T*>(s);
    const T* b = static_cast<const T*>(y);
    V av;
    for (size_t l = 0; l < TESSERA_VBYTES / sizeof(T); ++l) av[l] = a;
    cmpLoop<T>(static_cast<uint8_t*>(out), n, [&](size_t) { return av; }, [&](size_t i) { return ld(b + i); },
               [&](size_t) { return a; }, [&](size_t i) { return b[i]; }, Cmp{});
  }
};
// (AVX2/AVX-512 only: on SSE2 the baseline's generic loops measured faster in the where pipeline.)
#if defined(TESSERA_V256) || defined(TESSERA_V512)
#define TESSERA_CMP(NAME, OP)                                                                          \
  struct Cmp_##NAME {                                                                                  \
    template <class V> auto operator()(V a, V b) const { return a OP b; }                              \
  };                                                                                                   \
  template <> struct BinaryLoop<Fn_##NAME, 2, 0> {                                                     \
    static void vv(const void* x, const void* y, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::vv<double, vd>(x, y, out, n, [](const double* p) { return load(p); });                                        \
    }                                                                                                  \
    static void vs(const void* x, const void* s, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::vs<double, vd>(x, s, out, n, [](const double* p) { return load(p); });                                        \
    }                                                                                                  \
    static void sv(const void* s, const void* y, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::sv<double, vd>(s, y, out, n, [](const double* p) { return load(p); });                                        \
    }                                                                                                  \
  };                                                                                                   \
  template <> struct BinaryLoop<Fn_##NAME, 2, 1> {                                                     \
    static void vv(const void* x, const void* y, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::vv<float, vf>(x, y, out, n, [](const float* p) { return loadf(p); });                                        \
    }                                                                                                  \
    static void vs(const void* x, const void* s, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::vs<float, vf>(x, s, out, n, [](const float* p) { return loadf(p); });                                        \
    }                                                                                                  \
    static void sv(const void* s, const void* y, void* out, size_t n) {                                \
      CmpLoopF<Cmp_##NAME>::sv<float, vf>(s, y, out, n, [](const float* p) { return loadf(p); });                                        \
    }                                                                                                  \
  };
TESSERA_CMP(eq, ==)
TESSERA_CMP(ne, !=)
TESSERA_CMP(lt, <)
TESSERA_CMP(le, <=)
TESSERA_CMP(gt, >)
TESSERA_CMP(ge, >=)
#undef TESSERA_CMP
#endif

// where's merge form by element size: out[i] = c[i] ? x[i] : out[i], as a bit select with the
// condition bytes widened to the element's lanes (a bool byte other than 0 is true). x and out are
// whole registers, so both are read unconditionally.
template <class T>
struct WhereV {
  static constexpr size_t L = TESSERA_VBYTES / sizeof(T);
  typedef T v __attribute__((vector_size(TESSERA_VBYTES)));
  typedef T vu_ __attribute__((vector_size(TESSERA_VBYTES), aligned(sizeof(T)), may_alias));
  typedef uint8_t vc __attribute__((vector_size(L)));
  static inline v ld(const T* p) { return *reinterpret_cast<const vu_*>(p); }
  static inline void st(T* p, v x) { *reinterpret_cast<vu_*>(p) = x; }
  // The L condition bytes zero-extended to the lanes (one vpmovzx; SSE2: unpacks with zero), then
  // compared with 0. (GCC's __builtin_convertvector of the bytes went through general registers.)
  static inline v widen(const uint8_t* c) {
#if defined(TESSERA_V512)
    if constexpr (sizeof(T) == 8) return (v)_mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c)));
    if constexpr (sizeof(T) == 4) return (v)_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c)));
    if constexpr (sizeof(T) == 2) return (v)_mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c)));
#elif defined(TESSERA_V256)
    if constexpr (sizeof(T) == 8) {
      uint32_t u;
      std::memcpy(&u, c, 4);
      return (v)_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(static_cast<int>(u)));
    }
    if constexpr (sizeof(T) == 4) return (v)_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c)));
    if constexpr (sizeof(T) == 2) return (v)_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c)));
#elif defined(TESSERA_V128)
    if constexpr (sizeof(T) > 1) {
      const __m128i z = _mm_setzero_si128();
      __m128i x;
      if constexpr (sizeof(T) == 2) {
        x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c));
      } else {
        uint32_t u = 0;
        std::memcpy(&u, c, L);
        x = _mm_cvtsi32_si128(static_cast<int>(u));
      }
      x = _mm_unpacklo_epi8(x, z);
      if constexpr (sizeof(T) >= 4) x = _mm_unpacklo_epi16(x, z);
      if constexpr (sizeof(T) == 8) x = _mm_unpacklo_epi32(x, z);
      return (v)x;
    }
#endif
    if constexpr (sizeof(T) == 1) {
      v x;
      std::memcpy(&x, c, L);
      return x;
    } else {
      vc cv;
      std::memcpy(&cv, c, L);
      return __builtin_convertvector(cv, v);
    }
  }
  static inline v mask(const uint8_t* c) { return (v)(widen(c) != 0); }
};
// (SSE2, the baseline, has no vpmovzx: there GCC's own vectorisation of the plain loop measured
// faster than the unpacks, native/bench/typed_bench.cc, so the baseline keeps the plain loops.)
template <class T> static void whereLoop(const uint8_t* c, const void* x, void* out, size_t n) {
  using V = WhereV<T>;
  const T* a = static_cast<const T*>(x);
  T* o = static_cast<T*>(out);
  size_t i = 0;
#if defined(TESSERA_V128)
  if (true) {
    for (; i < n; ++i) o[i] = c[i] ? a[i] : o[i];
    return;
  }
#endif
  for (; i + V::L <= n; i += V::L) {
    const typename V::v m = V::mask(c + i);
    V::st(o + i, (V::ld(a + i) & m) | (V::ld(o + i) & ~m));
  }
  for (; i < n; ++i) o[i] = c[i] ? a[i] : o[i];
}
template <class T> static void whereScalarLoop(const uint8_t* c, const void* s, void* out, size_t n) {
  using V = WhereV<T>;
  const T sv = *static_cast<const T*>(s);
  typename V::v a;
  for (size_t l = 0; l < V::L; ++l) a[l] = sv;
  T* o = static_cast<T*>(out);
  size_t i = 0;
#if defined(TESSERA_V128)
  if (true) {
    for (; i < n; ++i) o[i] = c[i] ? sv : o[i];
    return;
  }
#endif
  for (; i + V::L <= n; i += V::L) {
    const typename V::v m = V::mask(c + i);
    V::st(o + i, (a & m) | (V::ld(o + i) & ~m));
  }
  for (; i < n; ++i) o[i] = c[i] ? sv : o[i];
}

#pragma GCC diagnostic pop
