// One-thread GEMM (native/kernels/gemm.h) of n x n row-major operands, `reps` times, for
// gemm_cputime.sh: it times this process's CPU time (perf stat task-clock), which a shared,
// loaded machine disturbs far less than wall-clock time. Usage: gemm_one d|s n reps
// Not part of the CMake build (see gemm_cputime.sh).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/gemm.h"

template <typename T>
void go(int64_t n, int reps) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<T> a(static_cast<size_t>(n * n)), b(a.size()), c(a.size());
  for (auto& x : a) x = static_cast<T>(u(rng));
  for (auto& x : b) x = static_cast<T>(u(rng));
  auto g = tessera::gemm::rowMajor<T>(n, n, n, T(1), a.data(), n, false, b.data(), n, false, T(0), c.data(), n);
  for (int r = 0; r < reps; ++r) tessera::gemm::gemm(g, nullptr);
  std::printf("%g\n", static_cast<double>(c[7]));
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const int64_t n = std::atoll(argv[2]);
  const int reps = std::atoi(argv[3]);
  if (!std::strcmp(argv[1], "d")) go<double>(n, reps);
  else go<float>(n, reps);
  return 0;
}
