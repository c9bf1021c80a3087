// Benchmark of the packed GEMM (native/kernels/gemm.h): GFLOP/s of C = A B for n x n float64 and
// float32 row-major operands on 1 and 2 pool threads, median of `reps` wall-clock runs (the
// machine is shared and noisy), and, when /usr/bin/python3 has numpy, NumPy's `a @ b` (Debian's
// OpenBLAS) with the same sizes and thread counts, side by side with the ratio.
// Not part of the CMake build. Build it against the developer build's library (repo root):
//   cmake -S . -B build-cmake && cmake --build build-cmake -j2
//   g++ -O2 -std=c++17 -Inative native/bench/gemm_bench.cc build-cmake/libtessera_core.a
//       -lpthread -o /tmp/gemm_bench && /tmp/gemm_bench [n=4000] [reps=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/pool.h"
#include "kernels/gemm.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename T>
double ours(int64_t n, int threads, int reps) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<T> a(static_cast<size_t>(n * n)), b(a.size()), c(a.size());
  for (auto& x : a) x = static_cast<T>(u(rng));
  for (auto& x : b) x = static_cast<T>(u(rng));
  tessera::Pool pool(threads);
  auto g = tessera::gemm::rowMajor<T>(n, n, n, T(1), a.data(), n, false, b.data(), n, false, T(0),
                                      c.data(), n);
  std::vector<double> secs;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    tessera::gemm::gemm(g, &pool);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * n * n * n / median(secs) / 1e9;
}

// NumPy's GFLOP/s, or a negative number when python3/numpy is missing. OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE are unset so OpenBLAS picks its own Zen kernels.
double numpy(int64_t n, int threads, int reps, const char* dtype) {
  std::string cmd =
      "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=" + std::to_string(threads) +
      " /usr/bin/python3 -c \"import time,numpy as np\n"
      "n=" + std::to_string(n) + "; r=np.random.default_rng(1)\n"
      "a=r.random((n,n)).astype('" + dtype + "'); b=r.random((n,n)).astype('" + dtype + "')\n"
      "t=[]\n"
      "for _ in range(" + std::to_string(reps) + "):\n"
      "  t0=time.perf_counter(); a@b; t.append(time.perf_counter()-t0)\n"
      "print(2*n**3/sorted(t)[len(t)//2]/1e9)\" 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  double g = -1;
  if (std::fscanf(p, "%lf", &g) != 1) g = -1;
  pclose(p);
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("gemm %s, %lld x %lld, median of %d\n", tessera::gemm::isa(),
              static_cast<long long>(n), static_cast<long long>(n), reps);
  std::printf("%-8s %-8s %12s %12s %8s\n", "dtype", "threads", "tessera", "numpy", "ratio");
  for (const char* dtype : {"float64", "float32"})
    for (int threads : {1, 2}) {
      double t = dtype[5] == '6' ? ours<double>(n, threads, reps) : ours<float>(n, threads, reps);
      double np = numpy(n, threads, reps, dtype);
      if (np > 0)
        std::printf("%-8s %-8d %12.1f %12.1f %8.2f\n", dtype, threads, t, np, t / np);
      else
        std::printf("%-8s %-8d %12.1f %12s %8s\n", dtype, threads, t, "-", "-");
      std::fflush(stdout);
    }
  return 0;
}
