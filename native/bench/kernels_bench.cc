// Microbenchmark of the block kernels, per instruction set, on one thread.
// Not part of the CMake build. Build it against the developer build's library (repo root):
//   cmake -S . -B build-cmake && cmake --build build-cmake -j2
//   g++ -O2 -std=c++17 -Inative native/bench/kernels_bench.cc build-cmake/libtessera_core.a
//       -lpthread -o /tmp/kernels_bench && taskset -c 1 /tmp/kernels_bench [blocks]
// Prints ns/element (median of 9 runs, thread CPU time) for the headline block pipeline
// uniform64 -> exp (in place) -> sum over 1024-element blocks, and for single kernels
// (exp on [0, 1), log on [1e-3, 100], sin/cos on [-100, 100], pow on x in [0.1, 10], y in [-2, 2]).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/bench_timing.h"
#include "kernels/kernels.h"

using namespace tessera::kernels;


int main(int argc, char** argv) {
  const size_t B = 1024;
  const size_t blocks = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 8192;  // 8M elements
  const double N = static_cast<double>(B * blocks);
  std::vector<double> buf(B), in(B);
  const uint64_t key = randomKey(42);
  volatile double sink = 0;
  std::vector<const Table*> tabs{&baselineTable()};
  if (cpuSupports("avx2")) tabs.push_back(&avx2Table());
  if (cpuSupports("avx512")) tabs.push_back(&avx512Table());
  std::printf("ns/element, one thread, %zu blocks of %zu (median of 9)\n", blocks, B);
  std::printf("%-9s %12s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "isa", "u64+exp+sum", "uniform64",
              "exp", "sum", "log", "sin", "cos", "normal64", "pow", "mul");
  for (const Table* t : tabs) {
    auto pipeline = [&] {
      double acc = 0;
      for (size_t b = 0; b < blocks; ++b) {
        t->uniform64(key, static_cast<int64_t>(b * B), 1, buf.data(), B);
        t->exp(buf.data(), buf.data(), B);
        acc += t->sum(buf.data(), B);
      }
      sink = acc;
    };
    t->uniform64(key, 0, 1, in.data(), B);
    auto unary = [&](Unary f, double scale, double offset) {
      for (size_t i = 0; i < B; ++i) buf[i] = in[i] * scale + offset;
      std::vector<double> src = buf;
      return medianNs([&] {
        for (size_t b = 0; b < blocks; ++b) f(src.data(), buf.data(), B);
        sink = buf[7];
      }, N);
    };
    double p = medianNs(pipeline, N);
    double u = medianNs([&] {
      for (size_t b = 0; b < blocks; ++b) t->uniform64(key, static_cast<int64_t>(b * B), 1, buf.data(), B);
      sink = buf[3];
    }, N);
    double nrm = medianNs([&] {
      for (size_t b = 0; b < blocks / 4; ++b) t->normal64(key, static_cast<int64_t>(b * B), 1, buf.data(), B);
      sink = buf[3];
    }, N / 4);
    double e = unary(t->exp, 1.0, 0.0);
    double s = medianNs([&] {
      double acc = 0;
      for (size_t b = 0; b < blocks; ++b) acc += t->sum(in.data(), B);
      sink = acc;
    }, N);
    double l = unary(t->log, 100.0, 1e-3);
    double sn = unary(t->sin, 200.0, -100.0);
    double cs = unary(t->cos, 200.0, -100.0);
    std::vector<double> ys(B);
    for (size_t i = 0; i < B; ++i) ys[i] = in[(i * 7) % B] * 4 - 2;
    std::vector<double> xs(B);
    for (size_t i = 0; i < B; ++i) xs[i] = in[i] * 10 + 0.1;
    double pw = medianNs([&] {
      for (size_t b = 0; b < blocks / 8; ++b) t->pow.vv(xs.data(), ys.data(), buf.data(), B);
      sink = buf[3];
    }, N / 8);
    double ml = medianNs([&] {
      for (size_t b = 0; b < blocks; ++b) t->mul.vv(xs.data(), ys.data(), buf.data(), B);
      sink = buf[3];
    }, N);
    std::printf("%-9s %12.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", t->isa, p, u, e, s, l,
                sn, cs, nrm, pw, ml);
  }
  return 0;
}
