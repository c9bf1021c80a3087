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
