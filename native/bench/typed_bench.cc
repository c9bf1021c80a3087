// Microbenchmark of issue 14's typed pipelines, stage by stage, per instruction set, on one thread.
// Not part of the CMake build. Build it against the developer build's library (repo root):
//   cmake -S . -B build-cmake && cmake --build build-cmake -j2
//   g++ -O2 -std=c++17 -Inative native/bench/typed_bench.cc build-cmake/libtessera_core.a
//       -lpthread -o /tmp/typed_bench && /tmp/typed_bench [blocks]
// Prints ns/element (median of 9 runs, thread CPU time) of the whole block pipelines the VM runs
// for bench/typed.bench.ts — (a) uniform64 -> exp -> sum, (w) uniform64 -> neg, gt 0.5, sqrt,
// where -> sum, (f) float32 uniform -> expf -> widen -> sum — and of each of their kernels alone
// over one L1-resident 1024-element block, so that a ratio between the pipelines can be read as
// the sum of its parts.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <vector>

#include "engine/typing.h"
#include "bench/bench_timing.h"
#include "kernels/kernels.h"

using namespace tessera::kernels;
using tessera::DType;
using tessera::detail::kLoopRows;
using tessera::Op;

static int loopOf(Op op, DType a) {
  for (int k = 0; k < tessera::kNumLoops; ++k)
    if (kLoopRows[k].op == op && kLoopRows[k].a == a) return k;
  std::fprintf(stderr, "no loop\n");
  std::exit(1);
}

int main(int argc, char** argv) {
  const size_t B = 1024;
  const size_t blocks = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 8192;  // 8M elements
  const double N = static_cast<double>(B * blocks);
  alignas(64) static double r0[B], r1[B], r2[B], wide[B];
  alignas(64) static uint8_t c[B];
  float* f0 = reinterpret_cast<float*>(r0);
  const uint64_t key = randomKey(42);
  const double half = 0.5;
  volatile double sink = 0;
  const int gtF64 = loopOf(Op::Gt, DType::F64), expF32 = loopOf(Op::Exp, DType::F32);
  const int negF64 = loopOf(Op::Neg, DType::F64), sqrtF64 = loopOf(Op::Sqrt, DType::F64);
  std::vector<const Table*> tabs{&baselineTable()};
  if (cpuSupports("avx2")) tabs.push_back(&avx2Table());
  if (cpuSupports("avx512")) tabs.push_back(&avx512Table());
  std::printf("ns/element, one thread, %zu blocks of %zu (median of 9)\n", blocks, B);
  std::printf("%-9s %7s %7s %7s %7s | %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "isa", "(a)", "(w)", "(f)", "w/a",
              "u64", "exp", "sum", "neg", "gt", "sqrt", "where", "u32f", "expf", "f32>f64");
  for (const Table* t : tabs) {
    const Loop& gt = t->loops[gtF64];
    const Loop& ex = t->loops[expF32];
    const Loop& ng = t->loops[negF64];
    const Loop& sq = t->loops[sqrtF64];
    auto a = [&] {
      double acc = 0;
      for (size_t b = 0; b < blocks; ++b) {
        t->uniform64(key, static_cast<int64_t>(b * B), 1, r0, B);
        t->exp(r0, r0, B);
        acc += t->sum(r0, B);
      }
      sink = acc;
    };
    auto w = [&] {  // the VM's program: load r0; neg r1 = -r0; gt c = r0 > .5; sqrt r0; where r1 = c ? r0 : r1
      double acc = 0;
      for (size_t b = 0; b < blocks; ++b) {
        t->uniform64(key, static_cast<int64_t>(b * B), 1, r0, B);
        ng.u(r0, r1, B);
        gt.vs(r0, &half, c, B);
        sq.u(r0, r0, B);
        t->whereBySize[3](c, r0, r1, B);
        acc += t->sum(r1, B);
      }
      sink = acc;
    };
    auto f = [&] {
      double acc = 0;
      for (size_t b = 0; b < blocks; ++b) {
        t->uniform32f(key, static_cast<int64_t>(b * B), 1, f0, B);
        ex.u(f0, f0, B);
        t->cast[1][0](f0, wide, B);
        acc += t->sum(wide, B);
      }
      sink = acc;
    };
    // single kernels over one block, repeated (L1-resident, as in the VM)
    auto rep = [&](const std::function<void()>& k) {
      return medianNs([&] {
        for (size_t b = 0; b < blocks; ++b) k();
      }, N);
    };
    const double ta = medianNs(a, N), tw = medianNs(w, N), tf = medianNs(f, N);
    t->uniform64(key, 0, 1, r2, B);
    float* fin = reinterpret_cast<float*>(wide);
    t->uniform32f(key, 0, 1, fin, B);
    const double tu = rep([&] { t->uniform64(key, 0, 1, r1, B); });
    const double te = rep([&] { t->exp(r2, r1, B); });
    const double ts = rep([&] { sink = t->sum(r2, B); });
    const double tn = rep([&] { ng.u(r2, r1, B); });
    const double tg = rep([&] { gt.vs(r2, &half, c, B); });
    const double tq = rep([&] { sq.u(r2, r1, B); });
    const double tw1 = rep([&] { t->whereBySize[3](c, r2, r1, B); });
    const double tu32 = rep([&] { t->uniform32f(key, 0, 1, reinterpret_cast<float*>(r1), B); });
    const double tef = rep([&] { ex.u(fin, r1, B); });
    const double tc = rep([&] { t->cast[1][0](fin, r1, B); });
    std::printf("%-9s %7.3f %7.3f %7.3f %7.2f | %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f\n", t->isa, ta,
                tw, tf, tw / ta, tu, te, ts, tn, tg, tq, tw1, tu32, tef, tc);
  }
  return 0;
}
