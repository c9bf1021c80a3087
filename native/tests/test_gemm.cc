// Tests of the packed GEMM (native/kernels/gemm*): against a long double triple loop with the
// bound |C - ref| <= (k + 2) * eps * (|alpha| |A| |B| + |beta| |C0|) element-wise, over shapes
// that hit 0, 1, odd sizes and every edge of the micro-tile and cache blocks, transposed and
// strided operands, row- and column-major C, alpha/beta, float32 and float64; and bit-identical
// results for 1 and 2 threads. ctest runs it under TESSERA_ISA=baseline, avx2 and avx512.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "engine/pool.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"

namespace {

using tessera::Pool;
using tessera::gemm::Args;

// A strided m x n operand in a buffer with padding between rows/columns (ld > extent), so the
// test also catches writes outside the view.
template <typename T>
struct Mat {
  int64_t rows, cols, rs, cs;
  std::vector<T> data;
  Mat(int64_t r, int64_t c, bool colMajor, int64_t pad, std::mt19937_64& rng)
      : rows(r), cols(c) {
    rs = colMajor ? 1 : c + pad;
    cs = colMajor ? r + pad : 1;
    size_t size = static_cast<size_t>(colMajor ? (r + pad) * std::max<int64_t>(c, 1)
                                               : std::max<int64_t>(r, 1) * (c + pad));
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    data.resize(size);
    for (auto& x : data) x = static_cast<T>(u(rng));
  }
  T at(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * rs + j * cs)]; }
};

struct Layout {
  bool transA, transB, colMajorC;
  int64_t pad;
};

template <typename T>
void checkCase(int64_t m, int64_t n, int64_t k, T alpha, T beta, Layout L, std::mt19937_64& rng,
               const std::string& what) {
  // op(A) is m x k: stored as A (m x k) or as A^T (k x m) read transposed.
  Mat<T> A(L.transA ? k : m, L.transA ? m : k, false, L.pad, rng);
  Mat<T> B(L.transB ? n : k, L.transB ? k : n, true, L.pad, rng);
  Mat<T> C(m, n, L.colMajorC, L.pad, rng);
  if (beta == T(0))  // BLAS semantics: C is not read
    for (auto& x : C.data) x = std::numeric_limits<T>::quiet_NaN();
  const std::vector<T> before = C.data;
  Args<T> g;
  g.m = m, g.n = n, g.k = k, g.alpha = alpha, g.beta = beta;
  g.a = A.data.data(), g.rsa = L.transA ? A.cs : A.rs, g.csa = L.transA ? A.rs : A.cs;
  g.b = B.data.data(), g.rsb = L.transB ? B.cs : B.rs, g.csb = L.transB ? B.rs : B.cs;
  g.c = C.data.data(), g.rsc = C.rs, g.csc = C.cs;
  tessera::gemm::gemm(g);
  auto opA = [&](int64_t i, int64_t p) { return L.transA ? A.at(p, i) : A.at(i, p); };
  auto opB = [&](int64_t p, int64_t j) { return L.transB ? B.at(j, p) : B.at(p, j); };
  const double eps = std::numeric_limits<T>::epsilon();
  int bad = 0;
  std::vector<bool> inView(C.data.size(), false);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      size_t idx = static_cast<size_t>(i * C.rs + j * C.cs);
      inView[idx] = true;
      long double s = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        s += static_cast<long double>(opA(i, p)) * opB(p, j);
        mag += std::fabs(static_cast<long double>(opA(i, p)) * opB(p, j));
      }
      long double c0 = beta == T(0) ? 0 : before[idx];
      long double ref = static_cast<long double>(alpha) * s + static_cast<long double>(beta) * c0;
      long double bound = (k + 2) * eps * (std::fabs(static_cast<long double>(alpha)) * mag +
                                           std::fabs(static_cast<long double>(beta) * c0)) +
                          std::numeric_limits<T>::min();
      long double got = C.data[idx];
      if (!(std::fabs(got - ref) <= bound) && bad++ < 3)
        tessera_test::fail(__FILE__, __LINE__,
                           what + " C(" + std::to_string(i) + "," + std::to_string(j) +
                               ") = " + std::to_string(static_cast<double>(got)) + " vs " +
                               std::to_string(static_cast<double>(ref)));
    }
  // padding outside the view is untouched (bit-for-bit; NaN padding compares by bits)
  for (size_t idx = 0; idx < C.data.size(); ++idx)
    if (!inView[idx] && std::memcmp(&C.data[idx], &before[idx], sizeof(T)) != 0 && bad++ < 3)
      tessera_test::fail(__FILE__, __LINE__, what + " wrote outside C at " + std::to_string(idx));
}

template <typename T>
void shapeSweep(const char* dtype) {
  std::mt19937_64 rng(12345);
  // 0, 1, odd, around micro-tile sides (4..48 per ISA), around KC (384 f64 / 512 f32) and MC.
  const int64_t ms[] = {0, 1, 3, 7, 8, 17, 24, 25, 49, 97, 200, 293};
  const int64_t ns[] = {0, 1, 5, 6, 8, 13, 16, 31, 61, 130};
  const int64_t ks[] = {0, 1, 2, 9, 64, 257, 385, 530};
  const Layout layouts[] = {{false, false, false, 0}, {true, false, true, 3}, {false, true, false, 2},
                            {true, true, true, 0},    {false, false, true, 1}, {true, true, false, 5}};
  const T alphas[] = {T(1), T(-0.75), T(2.5)};
  const T betas[] = {T(0), T(1), T(-1.5)};
  int c = 0;
  for (int64_t m : ms)
    for (int64_t n : ns)
      for (int64_t k : ks) {
        // every layout and alpha/beta is visited, without the full product of combinations
        const Layout& L = layouts[c % 6];
        T alpha = alphas[(c / 2) % 3], beta = betas[(c / 3) % 3];
        ++c;
        if (m * n * k > 4'000'000) continue;
        std::string what = std::string(dtype) + " m=" + std::to_string(m) + " n=" +
                           std::to_string(n) + " k=" + std::to_string(k) + " layout=" +
                           std::to_string((c - 1) % 6);
        checkCase<T>(m, n, k, alpha, beta, L, rng, what);
      }
}

TEST(gemm_isa_follows_kernel_table) {
  CHECK(std::strcmp(tessera::gemm::isa(), tessera::kernels::active().isa) == 0);
}

TEST(gemm_f64_shapes) { shapeSweep<double>("f64"); }
TEST(gemm_f32_shapes) { shapeSweep<float>("f32"); }

TEST(gemm_f64_larger_blocks) {
  // several MC / KC / NC blocks in each direction, both orientations of C
  std::mt19937_64 rng(7);
#if defined(__SANITIZE_ADDRESS__)
  // under -O0 + ASan the naive reference dominates (122 s per ISA run at the full sizes): m and n
  // just past two MC blocks (192 f64, 288 f32), k unchanged (several KC blocks)
  checkCase<double>(320, 220, 1100, 1.0, 0.5, {false, false, false, 1}, rng, "f64 large row");
  checkCase<double>(220, 320, 700, -1.0, 0.0, {true, true, true, 0}, rng, "f64 large col");
  checkCase<float>(300, 200, 900, 1.0f, 1.0f, {false, true, false, 0}, rng, "f32 large");
#else
  checkCase<double>(611, 437, 1100, 1.0, 0.5, {false, false, false, 1}, rng, "f64 large row");
  checkCase<double>(437, 611, 700, -1.0, 0.0, {true, true, true, 0}, rng, "f64 large col");
  checkCase<float>(530, 390, 900, 1.0f, 1.0f, {false, true, false, 0}, rng, "f32 large");
#endif
}

TEST(gemm_k_zero_scales_c) {
  std::vector<double> c = {1, 2, 3, 4, 5, 6};
  Args<double> g = tessera::gemm::rowMajor<double>(2, 3, 0, 1.0, nullptr, 0, false, nullptr, 3,
                                                   false, 2.0, c.data(), 3);
  tessera::gemm::gemm(g);
  CHECK(c == (std::vector<double>{2, 4, 6, 8, 10, 12}));
  g.beta = 0;
  c[0] = std::numeric_limits<double>::quiet_NaN();
  tessera::gemm::gemm(g);
  CHECK(c == std::vector<double>(6, 0.0));
}

TEST(gemm_rejects_bad_arguments) {
  Args<double> g;
  g.m = -1;
  CHECK_THROWS(tessera::gemm::gemm(g));
  g.m = 2, g.n = 2, g.k = 2;
  CHECK_THROWS(tessera::gemm::gemm(g));  // null pointers
}

template <typename T>
void threadsBitIdentical(int64_t m, int64_t n, int64_t k, bool rowC) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
  for (auto& x : a) x = static_cast<T>(u(rng));
  for (auto& x : b) x = static_cast<T>(u(rng));
  std::vector<T> c0(static_cast<size_t>(m * n));
  for (auto& x : c0) x = static_cast<T>(u(rng));
  auto runWith = [&](Pool* pool) {
    std::vector<T> c = c0;
    Args<T> g = tessera::gemm::rowMajor<T>(m, n, k, T(1.25), a.data(), k, false, b.data(), n, false,
                                           T(0.5), c.data(), n);
    if (!rowC) g.rsc = 1, g.csc = m;
    tessera::gemm::gemm(g, pool);
    return c;
  };
  Pool one(1), two(2);
  std::vector<T> serial = runWith(nullptr), c1 = runWith(&one), c2 = runWith(&two);
  CHECK(std::memcmp(serial.data(), c1.data(), serial.size() * sizeof(T)) == 0);
  CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(T)) == 0);
}

TEST(gemm_threads_bit_identical) {
  threadsBitIdentical<double>(301, 517, 700, true);   // split along n
  threadsBitIdentical<double>(733, 45, 300, false);   // split along m
  threadsBitIdentical<float>(257, 389, 801, true);
  threadsBitIdentical<float>(389, 77, 1000, false);
}

}  // namespace
