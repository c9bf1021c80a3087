// Part of kernels_impl.h (included only from there, once per ISA): the counter-based random fills
// and the block reductions.
// Included inside kernels_impl.h's per-ISA namespace; no guard, no includes of its own.

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
// uniform32 (docs/random.md): element i is one 32-bit half of bits(key, i >> 1) — the low half
// for even i, the high half for odd i — truncated to its top 24 bits, times 2^-24. One 64-bit
// hash gives two float32 values, so a vector of W hashes is 2W consecutive elements: its uint32
// lanes in memory order are exactly elements 2k, 2k+1, ... (little-endian halves).
typedef uint32_t vu32 __attribute__((vector_size(TESSERA_VBYTES)));
typedef int32_t vs32 __attribute__((vector_size(TESSERA_VBYTES)));
typedef float vf32 __attribute__((vector_size(TESSERA_VBYTES)));
typedef float vf32u __attribute__((vector_size(TESSERA_VBYTES), aligned(4), may_alias));
static inline float u24Scalar(uint64_t key, uint64_t i) {
  const uint64_t b = mix(key + ((i >> 1) + 1) * kGamma);
  const uint32_t w = (i & 1) ? static_cast<uint32_t>(b >> 32) : static_cast<uint32_t>(b);
  return static_cast<float>(w >> 8) * 0x1p-24f;  // exact: a 24-bit integer
}
static inline vf32 u24PairV(vu b) {  // 2W float32 values from W hashes
  return __builtin_convertvector((vs32)((vu32)b >> 8), vf32) * 0x1p-24f;
}
// out[j] = uniform32(start + j * step) through `put(j, float)` (scalar) and `putV(j, vf32)` (2W
// consecutive elements; contiguous runs only).
template <class Put, class PutV>
static inline void fillUniform32(uint64_t key, int64_t start, int64_t step, size_t n, Put put, PutV putV) {
  size_t j = 0;
  if (step != 1) {  // strided, broadcast or reversed views: element by element
    for (; j < n; ++j) put(j, u24Scalar(key, static_cast<uint64_t>(start) + static_cast<uint64_t>(step) * j));
    return;
  }
  uint64_t i = static_cast<uint64_t>(start);
  if ((i & 1) && n > 0) {  // an odd start: the high half of its pair first
    put(j++, u24Scalar(key, i++));
  }
  constexpr size_t P = 2 * W;
  Counter ctr(key, static_cast<int64_t>(i >> 1), 1);
  for (; j + P <= n; j += P) putV(j, u24PairV(ctr.next()));
  if (j < n) {
    float t[P];
    *reinterpret_cast<vf32u*>(t) = u24PairV(ctr.next());
    for (size_t l = 0; j + l < n; ++l) put(j + l, t[l]);
  }
}
static void k_uniform32(uint64_t key, int64_t start, int64_t step, double* out, size_t n) {
  fillUniform32(
      key, start, step, n, [&](size_t j, float v) { out[j] = static_cast<double>(v); },
      [&](size_t j, vf32 v) {
        for (size_t l = 0; l < 2 * W; ++l) out[j + l] = static_cast<double>(v[l]);
      });
}
static void k_uniform32f(uint64_t key, int64_t start, int64_t step, float* out, size_t n) {
  fillUniform32(
      key, start, step, n, [&](size_t j, float v) { out[j] = v; },
      [&](size_t j, vf32 v) { *reinterpret_cast<vf32u*>(out + j) = v; });
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

// ArgMax/ArgMin of x[0, n), n >= 1: the index of the first extreme; a NaN is the extreme (NumPy:
// the first NaN wins; -0 == +0, so the first of either). One pass, no data-dependent branch per
// group of kArgAcc * kArgSteps vectors: kArgAcc independent lane-wise accumulators of the group's
// extreme (one max/min instruction per vector: `a > m ? a : m` is maxpd's own rule, NaN never
// enters; independent chains, so the loop runs at memory speed like a plain max), and a NaN probe
// (an unordered compare per pair of vectors, OR-ed), then per lane the running extreme and the
// first group where it was reached (strictly beyond: a tie keeps the earlier group). A group with
// a NaN ends the scan at its first NaN (no earlier group had one). At the end the extreme's first
// group is the least group among the lanes holding it, and the index its first element equal to
// it (a rescan of one group, in L1). Exact: the same index on every ISA. (Issue 14: the earlier
// groups of 8 vectors reduced as a tree with a sum probe spent ~1.2x a plain max's time.)
static constexpr size_t kArgAcc = 4;    // accumulators
static constexpr size_t kArgSteps = 4;  // vectors per accumulator and group
static constexpr size_t kArgLanes = kArgAcc * kArgSteps * W;
// All-ones lanes where a or b is NaN: one unordered compare (GCC does not fuse the generic form)
static inline vi unordered(vd a, vd b) {
#if defined(TESSERA_V512)
  return (vi)_mm512_movm_epi64(_mm512_cmp_pd_mask((__m512d)a, (__m512d)b, _CMP_UNORD_Q));
#elif defined(TESSERA_V256)
  return (vi)_mm256_cmp_pd((__m256d)a, (__m256d)b, _CMP_UNORD_Q);
#elif defined(TESSERA_V128)
  return (vi)_mm_cmpunord_pd((__m128d)a, (__m128d)b);
#else
  return (a != a) | (b != b);
#endif
}
template <bool Max>
static inline vd extV(vd a, vd m) {  // a's lane if strictly beyond m's (a NaN never replaces m)
  return Max ? (a > m ? a : m) : (a < m ? a : m);
}
template <bool Max>
static size_t r_argExt(const double* x, size_t n) {
  const double pad = Max ? -__builtin_inf() : __builtin_inf();
  vd bl = splat(pad);  // per lane: the extreme so far
  vi gl{};             // per lane: the first group that reached it
  vi gcur{};
  size_t i = 0;
  for (; i + kArgLanes <= n; i += kArgLanes, gcur += 1) {
    const double* p = x + i;
    vd m[kArgAcc];
    for (size_t a = 0; a < kArgAcc; ++a) m[a] = load(p + a * W);
    vi u[kArgAcc / 2];
    for (size_t a = 0; a < kArgAcc / 2; ++a) u[a] = unordered(m[2 * a], m[2 * a + 1]);
    for (size_t k = 1; k < kArgSteps; ++k) {
      vd v[kArgAcc];
      for (size_t a = 0; a < kArgAcc; ++a) v[a] = load(p + (k * kArgAcc + a) * W);
      for (size_t a = 0; a < kArgAcc; ++a) m[a] = extV<Max>(v[a], m[a]);
      for (size_t a = 0; a < kArgAcc / 2; ++a) u[a] |= unordered(v[2 * a], v[2 * a + 1]);
    }
    for (size_t h = kArgAcc / 2; h >= 1; h /= 2)
      for (size_t a = 0; a < h; ++a) m[a] = extV<Max>(m[a + h], m[a]);
    for (size_t a = 1; a < kArgAcc / 2; ++a) u[0] |= u[a];
    if (__builtin_expect(any(u[0]), 0))
      for (size_t j = 0; j < kArgLanes; ++j)
        if (isNanScalar(p[j])) return i + j;
    const vi up = Max ? m[0] > bl : m[0] < bl;
    bl = up ? m[0] : bl;
    gl = up ? gcur : gl;
  }
  double bv = pad;
  for (size_t l = 0; l < W; ++l) bv = (Max ? bl[l] > bv : bl[l] < bv) ? bl[l] : bv;
  size_t bi = 0;  // all-padding data (every element that infinity): the first
  if (bv != pad) {
    int64_t g = INT64_MAX;
    for (size_t l = 0; l < W; ++l)
      if (bl[l] == bv && gl[l] < g) g = gl[l];
    size_t j = static_cast<size_t>(g) * kArgLanes;
    while (!(x[j] == bv)) ++j;  // the group holds bv
    bi = j;
  }
  for (; i < n; ++i) {
    if (isNanScalar(x[i])) return i;
    if (Max ? x[i] > bv : x[i] < bv) {
      bv = x[i];
      bi = i;
    }
  }
  return bi;
}

// W integers of type T at p (unaligned), widened to 64-bit lanes (sign- or zero-extended): one
// vpmovsx/vpmovzx on AVX2 and AVX-512 (GCC's __builtin_convertvector splits these in halves;
// the maskz forms, as elsewhere here, keep GCC 12 from warning about _mm512_undefined)
template <class T>
static inline vu widenLoad(const T* p) {
  constexpr bool sg = std::is_signed_v<T>;
  if constexpr (sizeof(T) == 8) {
    vu v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
#if defined(TESSERA_V512)
  if constexpr (sizeof(T) == 4) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return (vu)(sg ? _mm512_maskz_cvtepi32_epi64(0xFF, v) : _mm512_maskz_cvtepu32_epi64(0xFF, v));
  } else if constexpr (sizeof(T) == 2) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return (vu)(sg ? _mm512_maskz_cvtepi16_epi64(0xFF, v) : _mm512_maskz_cvtepu16_epi64(0xFF, v));
  } else if constexpr (sizeof(T) == 1) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return (vu)(sg ? _mm512_maskz_cvtepi8_epi64(0xFF, v) : _mm512_maskz_cvtepu8_epi64(0xFF, v));
  }
#elif defined(TESSERA_V256)
  if constexpr (sizeof(T) == 4) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return (vu)(sg ? _mm256_cvtepi32_epi64(v) : _mm256_cvtepu32_epi64(v));
  } else if constexpr (sizeof(T) == 2) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return (vu)(sg ? _mm256_cvtepi16_epi64(v) : _mm256_cvtepu16_epi64(v));
  } else if constexpr (sizeof(T) == 1) {
    int32_t b;
    __builtin_memcpy(&b, p, 4);
    const __m128i v = _mm_cvtsi32_si128(b);
    return (vu)(sg ? _mm256_cvtepi8_epi64(v) : _mm256_cvtepu8_epi64(v));
  }
#endif
  if constexpr (sizeof(T) < 8) {  // SSE2 and portable builds: the compiler's widening
    typedef T vn __attribute__((vector_size(W * sizeof(T))));
    vn v;
    __builtin_memcpy(&v, p, sizeof v);
    return (vu)__builtin_convertvector(v, std::conditional_t<sg, vi, vu>);
  }
}

// Sum of the integers x[0, n) into 64 bits, wrapping (NumPy's int64/uint64 accumulators): exact,
// so any order gives the same bits. Widened by lanes (vpmovsxdq/vpmovzxdq and friends on AVX2 and
// AVX-512) into four independent accumulators.
template <class T>
static uint64_t r_sumInt(const void* xv, size_t n) {
  const T* x = static_cast<const T*>(xv);
  vu acc[4] = {};
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W)
    for (size_t k = 0; k < 4; ++k) acc[k] += widenLoad(x + i + k * W);
  const vu a = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  uint64_t s = 0;
  for (size_t l = 0; l < W; ++l) s += a[l];
  using S = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  for (; i < n; ++i) s += static_cast<uint64_t>(static_cast<S>(x[i]));
  return s;
}
