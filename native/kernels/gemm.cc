// GEMM driver: argument checks, canonical orientation (C column-contiguous), the k == 0 case,
// the split of C into one tile per thread, and the run on the pool. The arithmetic is in
// gemm_impl.h, compiled per instruction set.
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/job.h"
#include "engine/pool.h"
#include "kernels/gemm_kernels.h"
#include "kernels/kernels.h"

namespace tessera::gemm {
namespace {

// Follows the block kernels' choice (TESSERA_ISA, kernels::select()).
const Table& table() {
  const char* name = kernels::active().isa;
  if (!std::strcmp(name, "avx512")) return avx512Table();
  if (!std::strcmp(name, "avx2")) return avx2Table();
  return baselineTable();
}

template <typename T>
void check(const Args<T>& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0)
    throw std::invalid_argument("gemm: m, n and k must be >= 0, got " + std::to_string(g.m) + ", " +
                                std::to_string(g.n) + ", " + std::to_string(g.k));
  if (g.m > 0 && g.n > 0) {
    if (!g.c) throw std::invalid_argument("gemm: c is null for a non-empty result");
    if (g.k > 0 && (!g.a || !g.b)) throw std::invalid_argument("gemm: a or b is null with k > 0");
  }
}

// C^T = op(B)^T op(A)^T: turns a row-contiguous C into a column-contiguous one, so the
// micro-kernel's vectors run along contiguous memory of C.
template <typename T>
Args<T> transposed(const Args<T>& g) {
  Args<T> t = g;
  t.m = g.n, t.n = g.m;
  t.a = g.b, t.rsa = g.csb, t.csa = g.rsb;
  t.b = g.a, t.rsb = g.csa, t.csb = g.rsa;
  t.rsc = g.csc, t.csc = g.rsc;
  return t;
}

template <typename T>
void scaleOnly(const Args<T>& g) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      T& x = g.c[i * g.rsc + j * g.csc];
      x = g.beta == T(0) ? T(0) : g.beta * x;
    }
}

struct Split {
  int64_t tiles = 1;
  bool alongN = true;
  int64_t step = 0;  // tile extent, a multiple of the micro-tile side
};

// One tile per thread along the longer side, cut at micro-tile multiples (so the edge tiles and
// hence every element's arithmetic are those of the one-thread run).
Split split(int64_t m, int64_t n, int mr, int nr, int threads) {
  Split s;
  s.alongN = n / nr >= m / mr;
  const int64_t side = s.alongN ? n : m, unit = s.alongN ? nr : mr;
  const int64_t units = (side + unit - 1) / unit;
  s.tiles = std::max<int64_t>(1, std::min<int64_t>(threads, units));
  s.step = (units + s.tiles - 1) / s.tiles * unit;
  s.tiles = (side + s.step - 1) / s.step;
  return s;
}

// Runs ntasks tasks on the pool and waits; rethrows a task's failure.
void runOnPool(Pool& pool, int64_t ntasks, std::function<void(int64_t)> task) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  FnJob::Status status = FnJob::Status::Ok;
  std::string error;
  auto job = std::make_shared<FnJob>();
  job->stages.push_back({[ntasks] { return ntasks; }, std::move(task), {}});
  job->onComplete = [&](FnJob::Status st, const std::string& msg) {
    std::lock_guard<std::mutex> lock(mu);
    status = st, error = msg, done = true;
    cv.notify_all();
  };
  pool.submit(job);
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  if (status == FnJob::Status::Failed) throw std::runtime_error("gemm: " + error);
  if (status == FnJob::Status::Cancelled) throw std::runtime_error("gemm: cancelled");
}

template <typename T>
void run(Args<T> g, Pool* pool, TileFn<T> tile, int mr, int nr) {
  check(g);
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) return scaleOnly(g);
  if (g.rsc != 1 && g.csc == 1) g = transposed(g);
  // Below a few MFLOP (tens of microseconds) a pool round trip costs more than it saves.
  constexpr double kMinParallelFlops = 4e6;
  const bool small = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) *
                         static_cast<double>(g.k) < kMinParallelFlops;
  const int threads = pool && !small ? pool->numThreads() : 1;
  const Split s = split(g.m, g.n, mr, nr, threads);
  auto task = [&g, &s, tile](int64_t t) {
    const int64_t lo = t * s.step;
    if (s.alongN) tile(g, 0, g.m, lo, std::min(g.n, lo + s.step));
    else tile(g, lo, std::min(g.m, lo + s.step), 0, g.n);
  };
  if (!pool || s.tiles == 1) {
    for (int64_t t = 0; t < s.tiles; ++t) task(t);
    return;
  }
  runOnPool(*pool, s.tiles, task);
}

}  // namespace

void gemm(const Args<double>& args, Pool* pool) {
  const Table& t = table();
  run(args, pool, t.dtile, t.dmr, t.dnr);
}

void gemm(const Args<float>& args, Pool* pool) {
  const Table& t = table();
  run(args, pool, t.stile, t.smr, t.snr);
}

const char* isa() { return table().isa; }

}  // namespace tessera::gemm
