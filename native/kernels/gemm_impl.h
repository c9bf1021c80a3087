// The one GEMM implementation, re-included by gemm_{baseline,avx2,avx512}.cc with different
// target flags (TESSERA_GEMM_NS names the namespace). BLIS loop nest:
//   jc (NC columns of C) -> pc (KC of k; pack B panel) -> ic (MC rows; pack A block)
//     -> jr (NR) -> ir (MR) micro-kernel: an MR x NR tile of C in registers, FMA per k.
// A is packed into MR-row micro-panels (a[p * MR + i], alpha folded in), B into NR-column
// micro-panels (b[p * NR + j]); edges are zero-padded. C is updated once per KC block, so the
// k order of every element is fixed by KC alone (determinism across thread counts).
// AVX2/AVX-512 files are compiled with -ffp-contract=off: FMAs are the explicit intrinsics.
#include <cstddef>
#include <cstdint>
#include <new>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "kernels/gemm_kernels.h"

namespace tessera::gemm::TESSERA_GEMM_NS {
namespace {

// One vector wrapper for every ISA (GCC vector extensions at the native width, as
// kernels_vec.h); only the FMA needs the ISA's intrinsic, since the AVX files are compiled with
// -ffp-contract=off and a * b + c would stay two roundings.
#if defined(__AVX512F__)
// 3 x 8 vectors of accumulators (24 of 32 registers): enough independent FMA chains to cover
// the latency of two FMA ports, with registers left for the A loads and the B broadcast.
constexpr int kVBytes = 64, kMV = 3, kNR = 8;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kVBytes = 32, kMV = 2, kNR = 6;  // 12 of 16 registers, the classic Haswell shape
#elif defined(__SSE2__)
constexpr int kVBytes = 16, kMV = 2, kNR = 4;
#else
constexpr int kVBytes = 16, kMV = 1, kNR = 4;
#endif

template <typename U>
struct Vec {
  using T = U;
  typedef U R __attribute__((vector_size(kVBytes)));
  typedef U Unaligned __attribute__((vector_size(kVBytes), aligned(alignof(U)), may_alias));
  static constexpr int W = kVBytes / static_cast<int>(sizeof(U));
  static R zero() { return R{}; }
  static R load(const T* p) { return *reinterpret_cast<const Unaligned*>(p); }
  static void store(T* p, R v) { *reinterpret_cast<Unaligned*>(p) = v; }
  // The broadcast is the ISA's intrinsic: a lane loop gets SLP-vectorized across the NR
  // broadcasts of the micro-kernel into permutes with spilled indices.
  static R set1(T x);
  static R mul(R a, R b) { return a * b; }
  static R add(R a, R b) { return a + b; }
  static R fma(R a, R b, R c);
};
using VD = Vec<double>;
using VF = Vec<float>;

#if defined(__AVX512F__)
template <> inline VD::R VD::set1(T x) { return _mm512_set1_pd(x); }
template <> inline VF::R VF::set1(T x) { return _mm512_set1_ps(x); }
template <> inline VD::R VD::fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
template <> inline VF::R VF::fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
template <> inline VD::R VD::set1(T x) { return _mm256_set1_pd(x); }
template <> inline VF::R VF::set1(T x) { return _mm256_set1_ps(x); }
template <> inline VD::R VD::fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
template <> inline VF::R VF::fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
#elif defined(__SSE2__)
template <> inline VD::R VD::set1(T x) { return _mm_set1_pd(x); }
template <> inline VF::R VF::set1(T x) { return _mm_set1_ps(x); }
#else
template <typename U>
inline typename Vec<U>::R Vec<U>::set1(T x) {
  R v;
  for (int l = 0; l < W; ++l) v[l] = x;
  return v;
}
#endif
#if !defined(__AVX2__) || !defined(__FMA__)
template <typename U>
inline typename Vec<U>::R Vec<U>::fma(R a, R b, R c) { return a * b + c; }  // no FMA: 2 roundings
#endif

// How a KC block's product `acc` meets C: the first block stores (beta == 0) or scales; later
// blocks add. The scalar edge path below does the same operations in the same order.
enum Mode { kStore = 0, kScale = 1, kAdd = 2 };

template <class V>
struct Shape {
  using T = typename V::T;
  static constexpr int MR = kMV * V::W;
  static constexpr int NR = kNR;
  // KC: a B micro-panel (KC x NR) stays in L1; MC: the packed A block (MC x KC) in L2;
  // NC: the packed B panel (KC x NC) in L3.
  static constexpr int64_t KC = sizeof(T) == 8 ? 384 : 512;
  static constexpr int64_t MC = (sizeof(T) == 8 ? 192 : 288) / MR * MR;
  static constexpr int64_t NC = 4080 / NR * NR;
};

// acc = A micro-panel * B micro-panel over kc; then C (column-contiguous, leading dimension
// ldc) is updated per `mode`.
template <class V>
inline void microKernel(int64_t kc, const typename V::T* a, const typename V::T* b,
                        typename V::T* c, int64_t ldc, int mode, typename V::T beta) {
  using R = typename V::R;
  constexpr int W = V::W, MR = Shape<V>::MR, NR = Shape<V>::NR;
  // C is touched once per KC block: start fetching the tile while the k loop runs.
  for (int j = 0; j < NR; ++j) {
    __builtin_prefetch(c + j * ldc, 1);
    __builtin_prefetch(c + j * ldc + MR - 1, 1);
  }
  R acc[NR][kMV];
#pragma GCC unroll 32
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < kMV; ++v) acc[j][v] = V::zero();
  for (int64_t p = 0; p < kc; ++p) {
    R av[kMV];
#pragma GCC unroll 8
    for (int v = 0; v < kMV; ++v) av[v] = V::load(a + v * W);
#pragma GCC unroll 32
    for (int j = 0; j < NR; ++j) {
      R bj = V::set1(b[j]);
#pragma GCC unroll 8
      for (int v = 0; v < kMV; ++v) acc[j][v] = V::fma(av[v], bj, acc[j][v]);
    }
    a += MR;
    b += NR;
  }
  R vb = V::set1(beta);
#pragma GCC unroll 32
  for (int j = 0; j < NR; ++j) {
    typename V::T* cj = c + j * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < kMV; ++v) {
      R r = acc[j][v];
      if (mode == kScale) r = V::add(V::mul(vb, V::load(cj + v * W)), r);
      else if (mode == kAdd) r = V::add(V::load(cj + v * W), r);
      V::store(cj + v * W, r);
    }
  }
}

// Edge micro-tile (or C not column-contiguous): the same kernel into a buffer, then the same
// update element by element.
template <class V>
inline void edgeKernel(int64_t kc, const typename V::T* a, const typename V::T* b,
                       typename V::T* c, int64_t rsc, int64_t csc, int64_t mr, int64_t nr, int mode,
                       typename V::T beta) {
  using T = typename V::T;
  constexpr int MR = Shape<V>::MR, NR = Shape<V>::NR;
  alignas(64) T buf[MR * NR];
  microKernel<V>(kc, a, b, buf, MR, kStore, beta);
  for (int64_t j = 0; j < nr; ++j)
    for (int64_t i = 0; i < mr; ++i) {
      T& x = c[i * rsc + j * csc];
      T r = buf[j * MR + i];
      if (mode == kScale) r = beta * x + r;
      else if (mode == kAdd) r = x + r;
      x = r;
    }
}

// Not std::min: an out-of-line instantiation compiled here with AVX flags could be the one the
// linker keeps for the baseline code too (inline functions are merged across objects).
inline int64_t lesser(int64_t a, int64_t b) { return a < b ? a : b; }

template <typename T>
struct AlignedBuffer {
  explicit AlignedBuffer(size_t n)
      : p(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t(64)))) {}
  ~AlignedBuffer() { ::operator delete[](p, std::align_val_t(64)); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  T* p;
};

// A block rows [i0, i0 + mc) x k [p0, p0 + kc) -> MR-row micro-panels, times alpha.
template <class V>
void packA(const Args<typename V::T>& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
           typename V::T* out) {
  using T = typename V::T;
  constexpr int MR = Shape<V>::MR;
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t rows = lesser(MR, mc - ir);
    const T* base = g.a + (i0 + ir) * g.rsa + p0 * g.csa;
    for (int64_t p = 0; p < kc; ++p) {
      const T* col = base + p * g.csa;
      T* o = out + p * MR;
      int64_t i = 0;
      for (; i < rows; ++i) o[i] = g.alpha * col[i * g.rsa];
      for (; i < MR; ++i) o[i] = 0;
    }
    out += MR * kc;
  }
}

// B panel k [p0, p0 + kc) x columns [j0, j0 + nc) -> NR-column micro-panels.
template <class V>
void packB(const Args<typename V::T>& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
           typename V::T* out) {
  using T = typename V::T;
  constexpr int NR = Shape<V>::NR;
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t cols = lesser(NR, nc - jr);
    const T* base = g.b + p0 * g.rsb + (j0 + jr) * g.csb;
    for (int64_t p = 0; p < kc; ++p) {
      const T* row = base + p * g.rsb;
      T* o = out + p * NR;
      int64_t j = 0;
      for (; j < cols; ++j) o[j] = row[j * g.csb];
      for (; j < NR; ++j) o[j] = 0;
    }
    out += NR * kc;
  }
}

template <class V>
void tile(const Args<typename V::T>& g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  using T = typename V::T;
  using S = Shape<V>;
  constexpr int MR = S::MR, NR = S::NR;
  const int64_t ncMax = lesser(S::NC, (j1 - j0 + NR - 1) / NR * NR);
  const int64_t mcMax = lesser(S::MC, (i1 - i0 + MR - 1) / MR * MR);
  const int64_t kcMax = lesser(S::KC, g.k);
  AlignedBuffer<T> bp(static_cast<size_t>(kcMax * ncMax));
  AlignedBuffer<T> ap(static_cast<size_t>(kcMax * mcMax));
  const bool contiguous = g.rsc == 1;
  for (int64_t jc = j0; jc < j1; jc += S::NC) {
    const int64_t nc = lesser(S::NC, j1 - jc);
    for (int64_t pc = 0; pc < g.k; pc += S::KC) {
      const int64_t kc = lesser(S::KC, g.k - pc);
      const int mode = pc > 0 ? kAdd : (g.beta == T(0) ? kStore : kScale);
      packB<V>(g, pc, kc, jc, nc, bp.p);
      for (int64_t ic = i0; ic < i1; ic += S::MC) {
        const int64_t mc = lesser(S::MC, i1 - ic);
        packA<V>(g, ic, mc, pc, kc, ap.p);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = lesser(NR, nc - jr);
          const T* bpanel = bp.p + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = lesser(MR, mc - ir);
            const T* apanel = ap.p + ir * kc;
            T* cij = g.c + (ic + ir) * g.rsc + (jc + jr) * g.csc;
            if (contiguous && mr == MR && nr == NR)
              microKernel<V>(kc, apanel, bpanel, cij, g.csc, mode, g.beta);
            else
              edgeKernel<V>(kc, apanel, bpanel, cij, g.rsc, g.csc, mr, nr, mode, g.beta);
          }
        }
      }
    }
  }
}

const Table kTable = {TESSERA_GEMM_ISA, &tile<VD>,        &tile<VF>,
                      Shape<VD>::MR,    Shape<VD>::NR,    Shape<VF>::MR,
                      Shape<VF>::NR};

}  // namespace
}  // namespace tessera::gemm::TESSERA_GEMM_NS
