// Engine tests: validator, pool, executor (stores, reductions, determinism, tiling, cancel).
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "engine/executor.h"
#include "engine/plan.h"
#include "engine/pool.h"
#include "kernels/kernels.h"

using namespace tessera;

namespace {

std::vector<int64_t> rowMajor(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; --k) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

std::vector<std::vector<int64_t>> regular(const std::vector<int64_t>& shape,
                                          const std::vector<int64_t>& chunk) {
  std::vector<std::vector<int64_t>> c(shape.size());
  for (size_t k = 0; k < shape.size(); ++k) {
    for (int64_t x = 0; x < shape[k]; x += chunk[k]) c[k].push_back(std::min(chunk[k], shape[k] - x));
    if (shape[k] == 0) c[k].push_back(0);
  }
  return c;
}

Leaf memLeaf(int buffer, std::vector<int64_t> strides, int64_t offset = 0, DType dt = DType::F64) {
  Leaf l;
  l.kind = LeafKind::Memory;
  l.buffer = buffer;
  l.strides = std::move(strides);
  l.offset = offset;
  l.dtype = dt;
  return l;
}

Leaf genLeaf(LeafKind kind, std::vector<int64_t> strides, double a, double b, uint64_t seed = 0,
             DType dt = DType::F64) {
  Leaf l;
  l.kind = kind;
  l.strides = std::move(strides);
  l.a = a;
  l.b = b;
  l.seed = seed;
  l.dtype = dt;
  return l;
}

// A one-stage plan: result = leaf 0 (program: Load r0 <- leaf0), sink as given.
Stage loadStage(std::vector<int64_t> shape, std::vector<int64_t> chunk, Leaf leaf) {
  Stage st;
  st.shape = shape;
  st.chunks = regular(shape, chunk);
  st.leaves.push_back(std::move(leaf));
  st.program.push_back({Op::Load, 0, 0, 0});
  st.nregs = 1;
  st.result = 0;
  return st;
}

Sink storeSink(int buffer, std::vector<int64_t> strides, DType dt = DType::F64) {
  Sink s;
  s.reduce = ReduceOp::None;
  s.buffer = buffer;
  s.strides = std::move(strides);
  s.dtype = dt;
  s.reduceAxes.assign(s.strides.size(), 0);
  return s;
}

Sink reduceSink(ReduceOp op, int buffer, std::vector<uint8_t> axes, std::vector<int64_t> strides,
                double ddof = 0) {
  Sink s;
  s.reduce = op;
  s.buffer = buffer;
  s.strides = std::move(strides);
  s.reduceAxes = std::move(axes);
  s.ddof = ddof;
  return s;
}

BufferRef ref(std::vector<double>& v) { return BufferRef{v.data(), v.size() * sizeof(double), true}; }
BufferRef ref(std::vector<float>& v) { return BufferRef{v.data(), v.size() * sizeof(float), true}; }

bool throwsWith(const Plan& p, const char* needle) {
  try {
    validatePlan(p);
  } catch (const std::invalid_argument& e) {
    if (std::strstr(e.what(), needle)) return true;
    std::fprintf(stderr, "    message was: %s (wanted '%s')\n", e.what(), needle);
    return false;
  }
  std::fprintf(stderr, "    no exception (wanted '%s')\n", needle);
  return false;
}

ExecResult run(Plan p, int threads = 2) {
  Pool pool(threads);
  return runPlan(pool, std::move(p));
}

uint64_t bitsOf(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}

// The uniform value of element lin with the documented formula (docs/random.md).
double uniformRef(uint64_t seed, int64_t lin) {
  uint64_t key = kernels::randomKey(seed);
  uint64_t b = kernels::mix64(key + (static_cast<uint64_t>(lin) + 1) * kernels::kGamma);
  return static_cast<double>(b >> 11) * 0x1p-53;
}

Plan basicStorePlan(std::vector<double>& out) {
  Plan p;
  out.assign(50 * 50, -1);
  p.buffers.push_back(ref(out));
  Stage st = loadStage({50, 50}, {5, 10}, genLeaf(LeafKind::Arange, {50, 1}, 0, 1));
  st.sink = storeSink(0, {50, 1});
  p.stages.push_back(st);
  return p;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Validator

TEST(validate_accepts_basic) {
  std::vector<double> out;
  Plan p = basicStorePlan(out);
  validatePlan(p);
}

TEST(validate_rejects) {
  std::vector<double> out;
  {
    Plan p = basicStorePlan(out);
    p.stages[0].chunks[1] = {10, 10, 10, 10};
    CHECK(throwsWith(p, "stages[0].chunks[1]: chunk sizes sum to 40, shape is 50"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].chunks[0] = {50, 0};
    CHECK(throwsWith(p, "stages[0].chunks[0][1]"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].chunks[0] = {50, -10};
    CHECK(throwsWith(p, "stages[0].chunks[0][1]"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].shape[0] = -1;
    CHECK(throwsWith(p, "stages[0].shape[0]"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].shape.assign(33, 1);
    CHECK(throwsWith(p, "stages[0].shape: has 33 axes"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].nregs = 0;
    CHECK(throwsWith(p, "stages[0].nregs"));
    p.stages[0].nregs = 65;
    CHECK(throwsWith(p, "stages[0].nregs"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].program[0].a = 3;
    CHECK(throwsWith(p, "stages[0].program[0].a: leaf 3 out of range"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].program.push_back({Op::Add, 0, 0, 1});
    CHECK(throwsWith(p, "stages[0].program[1].b: register 1 out of range"));
    p.stages[0].nregs = 2;
    CHECK(throwsWith(p, "read before it is written"));
    p.stages[0].program[1].b = -1;
    CHECK(throwsWith(p, "stages[0].program[1].b: immediate 0 out of range"));
    p.stages[0].imms.push_back(2.0);
    validatePlan(p);
    p.stages[0].program[1].op = static_cast<Op>(12);
    CHECK(throwsWith(p, "stages[0].program[1].op: 12 unknown"));
    p.stages[0].program[1].op = Op::Add;
    p.stages[0].program[1].dst = 5;
    CHECK(throwsWith(p, "stages[0].program[1].dst"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].result = 1;
    CHECK(throwsWith(p, "stages[0].result"));
    p.stages[0].nregs = 2;
    CHECK(throwsWith(p, "never written"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].leaves[0].dtype = static_cast<DType>(7);
    CHECK(throwsWith(p, "stages[0].leaves[0].dtype"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].leaves[0].kind = static_cast<LeafKind>(9);
    CHECK(throwsWith(p, "stages[0].leaves[0].kind"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].leaves[0] = memLeaf(3, {50, 1});
    CHECK(throwsWith(p, "stages[0].leaves[0].buffer: index 3 out of range (1 buffers)"));
    p.stages[0].leaves[0] = memLeaf(0, {50, 1}, 1);
    CHECK(throwsWith(p, "stages[0].leaves[0]: addresses element 2500"));
    p.stages[0].leaves[0] = memLeaf(0, {-50, 1}, 0);
    CHECK(throwsWith(p, "before the start"));
    p.stages[0].leaves[0] = memLeaf(0, {50, 1}, 0, DType::F32);
    validatePlan(p);  // f32 view of the first half
    p.stages[0].leaves[0] = memLeaf(0, {50}, 0);
    CHECK(throwsWith(p, "stages[0].leaves[0].strides: has 1 entries"));
    p.stages[0].leaves[0] = memLeaf(0, {int64_t(1) << 61, 1}, 0);
    CHECK(throwsWith(p, "overflows"));
    p.stages[0].leaves[0] = memLeaf(0, {INT64_MAX, INT64_MIN}, INT64_MAX);
    CHECK(throwsWith(p, "stages[0].leaves[0]"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].sink.buffer = 1;
    CHECK(throwsWith(p, "stages[0].sink.buffer"));
    p.stages[0].sink.buffer = 0;
    p.buffers[0].writable = false;
    CHECK(throwsWith(p, "read-only"));
    p.buffers[0].writable = true;
    p.stages[0].sink.strides = {51, 1};
    CHECK(throwsWith(p, "stages[0].sink: addresses element"));
    p.stages[0].sink.strides = {50, 1};
    p.stages[0].sink.reduceAxes = {0, 2};
    CHECK(throwsWith(p, "stages[0].sink.reduceAxes[1]"));
    p.stages[0].sink.reduceAxes = {0, 1};
    CHECK(throwsWith(p, "reduce is None"));
    p.stages[0].sink.reduce = ReduceOp::Sum;
    CHECK(throwsWith(p, "stages[0].sink.strides[1]: 1 on a reduced axis"));
    p.stages[0].sink.strides = {1, 0};
    validatePlan(p);
    p.stages[0].sink.ddof = -1;
    CHECK(throwsWith(p, "stages[0].sink.ddof"));
    p.stages[0].sink.ddof = std::nan("");
    CHECK(throwsWith(p, "stages[0].sink.ddof"));
    p.stages[0].sink.ddof = 0;
    p.stages[0].sink.reduce = static_cast<ReduceOp>(9);
    CHECK(throwsWith(p, "stages[0].sink.reduce"));
    p.stages[0].sink.reduce = ReduceOp::Sum;
    p.stages[0].sink.dtype = static_cast<DType>(2);
    CHECK(throwsWith(p, "stages[0].sink.dtype"));
  }
  {
    Plan p = basicStorePlan(out);
    p.stages[0].leaves[0].kind = LeafKind::RandomUniform;
    p.stages[0].leaves[0].seed = uint64_t(1) << 53;
    CHECK(throwsWith(p, "stages[0].leaves[0].seed"));
  }
  {
    // too many tasks
    Plan p = basicStorePlan(out);
    Stage& st = p.stages[0];
    st.shape = {int64_t(1) << 20, int64_t(1) << 20};
    st.chunks = {std::vector<int64_t>(1 << 20, 1), std::vector<int64_t>(1 << 20, 1)};
    st.leaves[0].strides = {0, 0};
    st.sink = reduceSink(ReduceOp::Sum, 0, {1, 1}, {0, 0});
    CHECK(throwsWith(p, "2^31 tasks"));
  }
  {
    Plan p = basicStorePlan(out);
    p.buffers.push_back(BufferRef{nullptr, 16, true});
    CHECK(throwsWith(p, "buffers[1]"));
  }
  {
    // huge shapes: element count overflow
    Plan p = basicStorePlan(out);
    Stage& st = p.stages[0];
    st.shape = {int64_t(1) << 40, int64_t(1) << 40};
    st.chunks = {{int64_t(1) << 40}, {int64_t(1) << 40}};
    st.leaves[0].strides = {0, 0};
    st.sink = reduceSink(ReduceOp::Sum, 0, {1, 1}, {0, 0});
    CHECK(throwsWith(p, "2^62"));
  }
}

TEST(validate_random_plans_never_crash) {
  // a small in-process fuzz: random mutations must throw invalid_argument or validate
  std::vector<double> out(100);
  uint64_t state = 12345;
  auto rnd = [&]() { state = kernels::mix64(state + kernels::kGamma); return state; };
  const int64_t vals[] = {0, 1, -1, 2, 5, 10, 50, 100, INT64_MAX, INT64_MIN, int64_t(1) << 40, -(int64_t(1) << 40), 3};
  int accepted = 0;
  const char* itersEnv = std::getenv("TESSERA_FUZZ_ITERS");
  const int iters = itersEnv ? std::atoi(itersEnv) : 20000;
  for (int it = 0; it < iters; ++it) {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st;
    int nd = static_cast<int>(rnd() % 4);
    for (int k = 0; k < nd; ++k)
      st.shape.push_back(rnd() % 2 ? static_cast<int64_t>(rnd() % 6) : vals[rnd() % 13]);
    if (rnd() % 8) {
      st.chunks.resize(static_cast<size_t>(nd));
      for (int k = 0; k < nd; ++k) {
        int64_t s = st.shape[k];
        if (s > 0 && s <= 100) {
          if (s > 1 && rnd() % 2) st.chunks[k] = {1, s - 1};
          else st.chunks[k] = {s};
        } else if (s == 0 && rnd() % 2) {
          st.chunks[k] = {};
        } else {
          st.chunks[k] = {vals[rnd() % 13]};
        }
      }
    }
    Leaf l;
    l.kind = static_cast<LeafKind>(rnd() % 5);
    l.dtype = static_cast<DType>(rnd() % 5 == 0 ? 2 : rnd() % 2);
    l.buffer = rnd() % 5 == 0 ? static_cast<int32_t>(rnd() % 3) - 1 : 0;
    l.offset = vals[rnd() % 13];
    const int64_t small[] = {0, 1, -1, 2, 3, 10};
    for (int k = 0; k < nd + static_cast<int>(rnd() % 8 == 0); ++k)
      l.strides.push_back(rnd() % 2 ? small[rnd() % 6] : vals[rnd() % 13]);
    if (rnd() % 2) l.offset = small[rnd() % 6];
    st.leaves.push_back(l);
    if (rnd() % 4) st.program.push_back({Op::Load, 0, static_cast<int32_t>(rnd() % 8 == 0), 0});
    st.program.push_back({static_cast<Op>(rnd() % 24), static_cast<int32_t>(rnd() % 3),
                          static_cast<int32_t>(rnd() % 3) - 1, static_cast<int32_t>(rnd() % 3) - 1});
    if (rnd() % 3) st.imms.push_back(1.5);
    st.nregs = static_cast<int32_t>(rnd() % 4);
    st.result = 0;
    st.sink.reduce = static_cast<ReduceOp>(rnd() % 9);
    st.sink.buffer = static_cast<int32_t>(rnd() % 2);
    st.sink.offset = rnd() % 2 ? 0 : vals[rnd() % 13];
    for (int k = 0; k < nd; ++k) st.sink.strides.push_back(rnd() % 2 ? small[rnd() % 6] : vals[rnd() % 13] * static_cast<int64_t>(rnd() % 2));
    for (int k = 0; k < nd; ++k) st.sink.reduceAxes.push_back(static_cast<uint8_t>(rnd() % 7 == 0 ? 2 : rnd() % 2));
    p.stages.push_back(st);
    try {
      validatePlan(p);
      ++accepted;
      // anything accepted must run without faults (small enough here)
      bool small = true;
      for (int64_t s : st.shape) if (s > 100) small = false;
      if (small) {
        Pool pool(1);
        ExecResult r = runPlan(pool, p);
        CHECK(r.status == ExecResult::Status::Ok);
      }
    } catch (const std::invalid_argument& e) {
      if (std::getenv("TESSERA_FUZZ_VERBOSE")) std::printf("%s\n", e.what());
    }
  }
  std::printf("     fuzz: %d of %d random plans accepted (and run)\n", accepted, iters);
  CHECK(accepted > iters / 400);
}

// ------------------------------------------------------------------------------------------------
// Pool

struct CountJob : Job {
  std::atomic<int64_t> ran{0};
  std::atomic<int> completes{0};
  int stages = 3;
  int64_t tasks = 1000;
  std::vector<int> finishedStages;
  int numStages() const override { return stages; }
  void beginStage(int) override {}
  int64_t numTasks(int s) const override { return s == 1 ? 0 : tasks; }
  void finishStage(int s, WorkerContext&) override { finishedStages.push_back(s); }
  void runTask(int, int64_t, WorkerContext&) override { ran++; }
  void complete() override { completes++; }
};

TEST(pool_runs_queued_jobs) {
  Pool pool(2);
  std::vector<std::shared_ptr<CountJob>> jobs;
  for (int i = 0; i < 20; ++i) {
    jobs.push_back(std::make_shared<CountJob>());
    pool.submit(jobs.back());
  }
  for (int spin = 0; spin < 5000; ++spin) {
    bool all = true;
    for (auto& j : jobs) all = all && j->completes.load() == 1;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& j : jobs) {
    CHECK_EQ(j->completes.load(), 1);
    CHECK_EQ(j->ran.load(), 2000);
    CHECK(j->finishedStages == std::vector<int>({0, 1, 2}));
  }
  pool.setNumThreads(1);
  CHECK_EQ(pool.numThreads(), 1);
  pool.setNumThreads(3);
  CHECK_EQ(pool.numThreads(), 3);
  auto j = std::make_shared<CountJob>();
  pool.submit(j);
  pool.shutdown();
  CHECK_EQ(j->completes.load(), 1);
  auto late = std::make_shared<CountJob>();
  pool.submit(late);
  CHECK_EQ(late->completes.load(), 1);
  CHECK(late->cancelled());
}


// One-task jobs (a distributed worker's one-chunk plans) must run side by side: a thread with no
// task left in the running job starts the next queued one.
struct OneTaskJob : Job {
  std::atomic<int>* running;
  std::atomic<int>* maxSeen;
  std::atomic<int> completes{0};
  explicit OneTaskJob(std::atomic<int>* r, std::atomic<int>* m) : running(r), maxSeen(m) {}
  int numStages() const override { return 1; }
  void beginStage(int) override {}
  int64_t numTasks(int) const override { return 1; }
  void finishStage(int, WorkerContext&) override {}
  void runTask(int, int64_t, WorkerContext&) override {
    const int now = ++*running;
    int seen = maxSeen->load();
    while (now > seen && !maxSeen->compare_exchange_weak(seen, now)) {
    }
    // hold the thread until another job's task runs too (or give up after 2 s)
    for (int spin = 0; spin < 2000 && maxSeen->load() < 2; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --*running;
  }
  void complete() override { completes++; }
};

TEST(pool_runs_small_jobs_side_by_side) {
  Pool pool(2);
  std::atomic<int> running{0}, maxSeen{0};
  auto a = std::make_shared<OneTaskJob>(&running, &maxSeen);
  auto b = std::make_shared<OneTaskJob>(&running, &maxSeen);
  pool.submit(a);
  pool.submit(b);
  for (int spin = 0; spin < 5000 && (a->completes.load() == 0 || b->completes.load() == 0); ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_EQ(a->completes.load(), 1);
  CHECK_EQ(b->completes.load(), 1);
  CHECK_EQ(maxSeen.load(), 2);
}

// ------------------------------------------------------------------------------------------------
// Executor

TEST(store_arange_chunked) {
  std::vector<double> out;
  Plan p = basicStorePlan(out);
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Ok);
  CHECK_EQ(r.tasks, 50);
  bool ok = true;
  for (int i = 0; i < 2500; ++i) ok = ok && out[i] == i;
  CHECK(ok);
}

TEST(lead_example_sum_5000) {
  // shape [50,50], chunks 5x10: Load(ones) + transposed leaf -> Sum == 5000
  std::vector<double> x(2500, 1.0), out(1, 0);
  Plan p;
  p.buffers.push_back(ref(x));
  p.buffers.push_back(ref(out));
  Stage st;
  st.shape = {50, 50};
  st.chunks = regular(st.shape, {5, 10});
  st.leaves.push_back(genLeaf(LeafKind::Arange, {50, 1}, 1, 0));
  st.leaves.push_back(memLeaf(0, {1, 50}));
  st.program = {{Op::Load, 0, 0, 0}, {Op::Load, 1, 1, 0}, {Op::Add, 0, 0, 1}};
  st.nregs = 2;
  st.sink = reduceSink(ReduceOp::Sum, 1, {1, 1}, {0, 0});
  p.stages.push_back(st);
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Ok);
  CHECK_EQ(out[0], 5000.0);
}

TEST(elementwise_program_and_immediates) {
  // out = max(exp(sin(x)) * 2 - x / 3, 0.5) ** 1.5, compared with a naive loop
  const int64_t n0 = 37, n1 = 29;
  std::vector<double> x(n0 * n1), out(n0 * n1);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01 * static_cast<double>(i) - 3;
  Plan p;
  p.buffers.push_back(ref(x));
  p.buffers.push_back(ref(out));
  Stage st;
  st.shape = {n0, n1};
  st.chunks = regular(st.shape, {8, 7});
  st.leaves.push_back(memLeaf(0, {n1, 1}));
  st.imms = {2.0, 3.0, 0.5, 1.5};
  st.program = {{Op::Load, 0, 0, 0},   {Op::Sin, 1, 0, 0},  {Op::Exp, 1, 1, 0},
                {Op::Mul, 1, 1, -1},   {Op::Div, 2, 0, -2}, {Op::Sub, 1, 1, 2},
                {Op::Max, 1, 1, -3},   {Op::Pow, 1, 1, -4}, {Op::Sub, 2, -4, -3},  // 1.0
                {Op::Mul, 1, 1, 2}};
  st.nregs = 3;
  st.result = 1;
  st.sink = storeSink(1, {n1, 1});
  p.stages.push_back(st);
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Ok);
  double maxErr = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double v = std::pow(std::max(std::exp(std::sin(x[i])) * 2 - x[i] / 3, 0.5), 1.5);
    maxErr = std::max(maxErr, std::fabs(v - out[i]) / std::fabs(v));
  }
  if (!(maxErr < 1e-13)) std::fprintf(stderr, "    max rel err %g\n", maxErr);
  CHECK(maxErr < 1e-13);
}

TEST(sum_1e7_uniform_long_double) {
  const int64_t n = 10'000'000;
  std::vector<double> out(1);
  Plan p;
  p.buffers.push_back(ref(out));
  Stage st = loadStage({n}, {1'000'000}, genLeaf(LeafKind::RandomUniform, {1}, 0, 1, 42));
  st.sink = reduceSink(ReduceOp::Sum, 0, {1}, {0});
  p.stages.push_back(st);
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Ok);
  long double ref = 0;
  for (int64_t i = 0; i < n; ++i) ref += static_cast<long double>(uniformRef(42, i));
  const double rel = std::fabs(static_cast<double>((out[0] - ref) / ref));
  CHECK(rel <= 1e-12);
}

TEST(random_chunk_invariance_and_formula) {
  const std::vector<int64_t> shape = {33, 45};
  std::vector<double> a(33 * 45), b(33 * 45);
  for (int which = 0; which < 2; ++which) {
    Plan p;
    p.buffers.push_back(ref(which ? b : a));
    Stage st = loadStage(shape, which ? std::vector<int64_t>{33, 45} : std::vector<int64_t>{4, 7},
                         genLeaf(LeafKind::RandomUniform, rowMajor(shape), 0, 1, 7));
    st.sink = storeSink(0, rowMajor(shape));
    p.stages.push_back(st);
    CHECK(run(p, which + 1).status == ExecResult::Status::Ok);
  }
  bool same = true, formula = true;
  for (size_t i = 0; i < a.size(); ++i) {
    same = same && bitsOf(a[i]) == bitsOf(b[i]);
    formula = formula && a[i] == uniformRef(7, static_cast<int64_t>(i));
  }
  CHECK(same);
  CHECK(formula);
  // normal: also chunk-invariant
  for (int which = 0; which < 2; ++which) {
    Plan p;
    p.buffers.push_back(ref(which ? b : a));
    Stage st = loadStage(shape, which ? std::vector<int64_t>{11, 45} : std::vector<int64_t>{5, 6},
                         genLeaf(LeafKind::RandomNormal, rowMajor(shape), 1, 2, 9));
    st.sink = storeSink(0, rowMajor(shape));
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
  }
  same = true;
  for (size_t i = 0; i < a.size(); ++i) same = same && bitsOf(a[i]) == bitsOf(b[i]);
  CHECK(same);
}

Plan reducePlan(std::vector<double>& out, ReduceOp op, std::vector<uint8_t> axes,
                std::vector<int64_t> chunk, double ddof = 0) {
  const std::vector<int64_t> shape = {60, 70, 9};
  Plan p;
  int64_t kept = 1;
  std::vector<int64_t> ostr(3, 0);
  for (int k = 2; k >= 0; --k)
    if (!axes[k]) {
      ostr[k] = kept;
      kept *= shape[k];
    }
  out.assign(static_cast<size_t>(kept), -7);
  p.buffers.push_back(ref(out));
  Stage st = loadStage(shape, chunk, genLeaf(LeafKind::RandomNormal, rowMajor(shape), 0.5, 2, 3));
  st.sink = reduceSink(op, 0, axes, ostr, ddof);
  p.stages.push_back(st);
  return p;
}

TEST(reductions_against_naive) {
  const std::vector<int64_t> shape = {60, 70, 9};
  std::vector<double> x(60 * 70 * 9);
  {
    Plan p;
    p.buffers.push_back(ref(x));
    Stage st = loadStage(shape, {60, 70, 9}, genLeaf(LeafKind::RandomNormal, rowMajor(shape), 0.5, 2, 3));
    st.sink = storeSink(0, rowMajor(shape));
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
  }
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max,
                          ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
  const std::vector<std::vector<uint8_t>> axesList = {{1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 1}, {0, 1, 1}};
  for (ReduceOp op : ops) {
    for (const auto& axes : axesList) {
      for (double ddof : {0.0, 1.0}) {
        std::vector<double> out;
        Plan p = reducePlan(out, op, axes, {13, 32, 4}, ddof);
        ExecResult r = run(p);
        CHECK(r.status == ExecResult::Status::Ok);
        // naive
        int64_t kept = static_cast<int64_t>(out.size());
        std::vector<long double> s(kept, 0), s2(kept, 0), pr(kept, 1), mn(kept, INFINITY), mx(kept, -INFINITY);
        std::vector<int64_t> cnt(kept, 0);
        for (int64_t i = 0; i < 60; ++i)
          for (int64_t j = 0; j < 70; ++j)
            for (int64_t k = 0; k < 9; ++k) {
              int64_t c[3] = {i, j, k};
              int64_t K = 0;
              for (int a = 0; a < 3; ++a)
                if (!axes[a]) K = K * shape[a] + c[a];
              long double v = x[(i * 70 + j) * 9 + k];
              s[K] += v;
              s2[K] += v * v;
              pr[K] *= v;
              mn[K] = std::min(mn[K], v);
              mx[K] = std::max(mx[K], v);
              cnt[K]++;
            }
        double maxErr = 0;
        for (int64_t K = 0; K < kept; ++K) {
          long double n = cnt[K], mean = s[K] / n, want = 0;
          long double var = (s2[K] - n * mean * mean) / (n - ddof);
          switch (op) {
            case ReduceOp::Sum: want = s[K]; break;
            case ReduceOp::Prod: want = pr[K]; break;
            case ReduceOp::Min: want = mn[K]; break;
            case ReduceOp::Max: want = mx[K]; break;
            case ReduceOp::Mean: want = mean; break;
            case ReduceOp::Var: want = var; break;
            case ReduceOp::Std: want = std::sqrt(var); break;
            default: break;
          }
          double err = std::fabs(static_cast<double>((out[K] - want) / (std::fabs(want) + 1e-300)));
          if (op == ReduceOp::Prod && !(std::fabs(want) > 1e-290L && std::fabs(want) < 1e290L))
            err = (std::fabs(want) >= 1e290L) ? (std::isinf(out[K]) || std::fabs(out[K]) > 1e280 ? 0 : 1)
                                             : (std::fabs(out[K]) < 1e-280 ? 0 : 1);
          else if (op == ReduceOp::Sum || op == ReduceOp::Mean)
            err = std::fabs(static_cast<double>(out[K] - want)) / (1e-12 + static_cast<double>(std::sqrt(s2[K])));
          maxErr = std::max(maxErr, err);
        }
        if (!(maxErr < 1e-10))
          std::fprintf(stderr, "    op %d axes %d%d%d ddof %g: max rel err %g\n", static_cast<int>(op),
                       axes[0], axes[1], axes[2], ddof, maxErr);
        CHECK(maxErr < 1e-10);
      }
    }
  }
}

TEST(bit_identical_across_threads) {
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Var, ReduceOp::Prod, ReduceOp::Mean};
  for (ReduceOp op : ops) {
    for (const std::vector<uint8_t>& axes : {std::vector<uint8_t>{1, 1, 1}, std::vector<uint8_t>{0, 1, 0}, std::vector<uint8_t>{1, 0, 1}}) {
      std::vector<double> o1, o2, o3;
      Plan p1 = reducePlan(o1, op, axes, {7, 9, 4});
      Plan p2 = reducePlan(o2, op, axes, {7, 9, 4});
      Plan p3 = reducePlan(o3, op, axes, {7, 9, 4});
      CHECK(run(p1, 1).status == ExecResult::Status::Ok);
      CHECK(run(p2, 2).status == ExecResult::Status::Ok);
      CHECK(run(p3, 5).status == ExecResult::Status::Ok);
      bool same = true;
      for (size_t i = 0; i < o1.size(); ++i)
        same = same && bitsOf(o1[i]) == bitsOf(o2[i]) && bitsOf(o1[i]) == bitsOf(o3[i]);
      CHECK(same);
    }
  }
}

TEST(transposed_reads_tiled) {
  // x + x.T over [n,n] with chunks that exercise full tiles and both strips; store and sum
  for (int64_t n : {70, 100, 129}) {
    std::vector<double> x(n * n), out(n * n), s(1);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i % 1000) * 0.5;
    for (int mode = 0; mode < 2; ++mode) {
      Plan p;
      p.buffers.push_back(ref(x));
      p.buffers.push_back(mode ? ref(s) : ref(out));
      Stage st;
      st.shape = {n, n};
      st.chunks = regular(st.shape, {n > 100 ? 66 : n, 64});
      st.leaves.push_back(memLeaf(0, {n, 1}));
      st.leaves.push_back(memLeaf(0, {1, n}));
      st.program = {{Op::Load, 0, 0, 0}, {Op::Load, 1, 1, 0}, {Op::Add, 0, 0, 1}};
      st.nregs = 2;
      st.sink = mode ? reduceSink(ReduceOp::Sum, 1, {1, 1}, {0, 0}) : storeSink(1, {n, 1});
      p.stages.push_back(st);
      CHECK(run(p).status == ExecResult::Status::Ok);
    }
    bool ok = true;
    double total = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        ok = ok && out[i * n + j] == x[i * n + j] + x[j * n + i];
        total += x[i * n + j] * 2;
      }
    CHECK(ok);
    CHECK_NEAR(s[0], total, 1e-9 * total);
  }
  // transposed store target
  {
    const int64_t n = 77;
    std::vector<double> out(n * n);
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n, n}, {40, 40}, genLeaf(LeafKind::Arange, {n, 1}, 0, 1));
    st.sink = storeSink(0, {1, n});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    bool ok = true;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) ok = ok && out[j * n + i] == static_cast<double>(i * n + j);
    CHECK(ok);
  }
}

TEST(float32_rounding) {
  const int64_t n = 3000;
  std::vector<float> out(n);
  std::vector<double> outd(n);
  // arange 0.1 * i stored as f32; also uniform f32 leaf stored as f64 holds f32 values
  {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n}, {512}, genLeaf(LeafKind::Arange, {1}, 0, 0.1));
    st.sink = storeSink(0, {1}, DType::F32);
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    bool ok = true;
    for (int64_t i = 0; i < n; ++i) ok = ok && out[i] == static_cast<float>(0.1 * static_cast<double>(i));
    CHECK(ok);
  }
  for (LeafKind kind : {LeafKind::RandomUniform, LeafKind::RandomNormal, LeafKind::Arange}) {
    Plan p;
    p.buffers.push_back(ref(outd));
    Stage st = loadStage({n}, {1000}, genLeaf(kind, {1}, 0.3, 1.7, 5, DType::F32));
    st.sink = storeSink(0, {1});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    bool ok = true;
    for (int64_t i = 0; i < n; ++i) ok = ok && outd[i] == static_cast<double>(static_cast<float>(outd[i]));
    CHECK(ok);
  }
  // f32 memory leaf
  {
    std::vector<float> src(n);
    for (int64_t i = 0; i < n; ++i) src[i] = static_cast<float>(i) * 0.25f;
    Plan p;
    p.buffers.push_back(ref(src));
    p.buffers.push_back(ref(outd));
    Stage st = loadStage({n}, {1000}, memLeaf(0, {-1}, n - 1, DType::F32));
    st.sink = storeSink(1, {1});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(outd[0], static_cast<double>(src[n - 1]));
    CHECK_EQ(outd[n - 1], 0.0);
  }
}

TEST(min_max_nan_propagation) {
  const int64_t n = 5000;
  std::vector<double> x(n), out(1);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<double>((i * 7919) % 1000);
  x[3777] = std::nan("");
  for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max, ReduceOp::Sum}) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n}, {700}, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK(std::isnan(out[0]));
  }
  x[3777] = 5;
  for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max}) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n}, {700}, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], op == ReduceOp::Min ? 0.0 : 999.0);
  }
}

TEST(mean_var_std_ddof) {
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out(1);
  auto one = [&](ReduceOp op, double ddof, std::vector<int64_t> chunk) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({10}, chunk, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0}, ddof);
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    return out[0];
  };
  for (int64_t c : {1, 3, 10}) {
    CHECK_NEAR(one(ReduceOp::Mean, 0, {c}), 5.5, 1e-15);
    CHECK_NEAR(one(ReduceOp::Var, 0, {c}), 8.25, 1e-13);
    CHECK_NEAR(one(ReduceOp::Var, 1, {c}), 82.5 / 9, 1e-13);
    CHECK_NEAR(one(ReduceOp::Std, 1, {c}), std::sqrt(82.5 / 9), 1e-13);
    CHECK_EQ(one(ReduceOp::Prod, 0, {c}), 3628800.0);
  }
  CHECK(std::isinf(one(ReduceOp::Var, 10, {3})));  // numpy: division by max(n - ddof, 0)
}

TEST(empty_and_zero_d_stages) {
  // 0-d: one element, one task
  std::vector<double> out(1, 0);
  {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st;
    st.leaves.push_back(genLeaf(LeafKind::Arange, {}, 3, 1));
    st.leaves.back().offset = 4;
    st.program = {{Op::Load, 0, 0, 0}, {Op::Mul, 0, 0, -1}};
    st.imms = {2};
    st.nregs = 1;
    st.sink = storeSink(0, {});
    p.stages.push_back(st);
    ExecResult r = run(p);
    CHECK(r.status == ExecResult::Status::Ok);
    CHECK_EQ(r.tasks, 1);
    CHECK_EQ(out[0], 14.0);
    p.stages[0].sink.reduce = ReduceOp::Sum;
    out[0] = 0;
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], 14.0);
  }
  // empty reduction: sum over a zero-length axis writes 0, mean writes NaN
  {
    std::vector<double> o(3, -1);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean}) {
      Plan p;
      p.buffers.push_back(ref(o));
      Stage st = loadStage({3, 0}, {1, 0}, genLeaf(LeafKind::Arange, {0, 1}, 0, 1));
      st.sink = reduceSink(op, 0, {0, 1}, {1, 0});
      p.stages.push_back(st);
      CHECK(run(p).status == ExecResult::Status::Ok);
      if (op == ReduceOp::Sum) CHECK(o[0] == 0 && o[1] == 0 && o[2] == 0);
      else CHECK(std::isnan(o[0]) && std::isnan(o[2]));
    }
  }
  // multi-stage with an empty store stage in the middle
  {
    std::vector<double> o(4, 0);
    Plan p;
    p.buffers.push_back(ref(o));
    Stage a = loadStage({4}, {2}, genLeaf(LeafKind::Arange, {1}, 1, 1));
    a.sink = storeSink(0, {1});
    Stage e = loadStage({0}, {0}, genLeaf(LeafKind::Arange, {1}, 1, 1));
    e.sink = storeSink(0, {1});
    Stage b = loadStage({4}, {3}, memLeaf(0, {1}));
    b.program.push_back({Op::Mul, 0, 0, 0});
    b.sink = storeSink(0, {1});
    p.stages = {a, e, b};
    ExecResult r = run(p);
    CHECK(r.status == ExecResult::Status::Ok);
    CHECK(o == std::vector<double>({1, 4, 9, 16}));
  }
}

TEST(cancellation) {
  Pool pool(2);
  std::vector<double> out(1);
  Plan p;
  p.buffers.push_back(ref(out));
  Stage st = loadStage({int64_t(1) << 40}, {int64_t(1) << 34}, genLeaf(LeafKind::RandomUniform, {1}, 0, 1, 1));
  st.sink = reduceSink(ReduceOp::Sum, 0, {1}, {0});
  p.stages.push_back(st);
  std::atomic<int> status{-1};
  ExecCallbacks cb;
  cb.onDone = [&](ExecResult&& r) { status = static_cast<int>(r.status); };
  auto ex = submitPlan(pool, p, cb);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto t0 = std::chrono::steady_clock::now();
  ex->cancel();
  ex->wait();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(status.load() == static_cast<int>(ExecResult::Status::Cancelled));
  CHECK(ms < 200);
  // the pool still works afterwards
  std::vector<double> o2;
  Plan q = basicStorePlan(o2);
  CHECK(runPlan(pool, q).status == ExecResult::Status::Ok);
  // shutdown with a running plan completes it as cancelled
  auto ex2 = submitPlan(pool, p, cb);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  pool.shutdown();
  CHECK(ex2->finished());
  CHECK(status.load() == static_cast<int>(ExecResult::Status::Cancelled));
}

TEST(progress_and_profile) {
  std::vector<double> out;
  Plan p = basicStorePlan(out);
  p.profile = true;
  Pool pool(2);
  std::atomic<int64_t> last{0};
  ExecResult res;
  ExecCallbacks cb;
  cb.onDone = [&](ExecResult&& r) { res = std::move(r); };
  cb.onProgress = [&](int64_t d, int64_t t) { last = d * 1000 + t; };
  submitPlan(pool, p, cb)->wait();
  CHECK(res.status == ExecResult::Status::Ok);
  CHECK_EQ(last.load(), 50 * 1000 + 50);
  CHECK_EQ(res.profile.size(), size_t(50));
  bool ok = true;
  for (size_t i = 0; i < res.profile.size(); ++i)
    ok = ok && res.profile[i].task == static_cast<int64_t>(i) && res.profile[i].endNs >= res.profile[i].startNs &&
         res.profile[i].thread >= 0 && res.profile[i].thread < 2;
  CHECK(ok);
}

TEST(many_small_tasks_timing) {
  // x.add(x.T).sum() on [1000,1000] with chunks [10,10]: 10 000 tasks
  const int64_t n = 1000;
  std::vector<double> x(n * n, 1.0), out(1);
  Plan p;
  p.buffers.push_back(ref(x));
  p.buffers.push_back(ref(out));
  Stage st;
  st.shape = {n, n};
  st.chunks = regular(st.shape, {10, 10});
  st.leaves.push_back(memLeaf(0, {n, 1}));
  st.leaves.push_back(memLeaf(0, {1, n}));
  st.program = {{Op::Load, 0, 0, 0}, {Op::Load, 1, 1, 0}, {Op::Add, 0, 0, 1}};
  st.nregs = 2;
  st.sink = reduceSink(ReduceOp::Sum, 1, {1, 1}, {0, 0});
  p.stages.push_back(st);
  Pool pool(2);
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    ExecResult r = runPlan(pool, p);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ms);
    CHECK(r.status == ExecResult::Status::Ok);
    CHECK_EQ(r.tasks, 10000);
    CHECK_EQ(out[0], 2e6);
  }
  std::printf("     10000-task plan: best %.2f ms\n", best);
}

// ------------------------------------------------------------------------------------------------
// Differential fuzz: random *valid* plans (shapes, chunkings, strides incl. transposed / negative /
// broadcast, programs with immediates, stores and partial reductions) against a scalar reference.

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() { return s = kernels::mix64(s + kernels::kGamma); }
  int64_t in(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1p-53; }
};

double refOp(Op op, double a, double b) {
  switch (op) {
    case Op::Neg: return -a;
    case Op::Abs: return std::fabs(a);
    case Op::Exp: return std::exp(a);
    case Op::Log: return std::log(a);
    case Op::Sqrt: return std::sqrt(a);
    case Op::Sin: return std::sin(a);
    case Op::Cos: return std::cos(a);
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    case Op::Pow: return std::pow(a, b);
    case Op::Max: return (std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b);
    case Op::Min: return (std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b);
    default: return NAN;
  }
}

bool closeEnough(double got, long double want, long double scale, double rel) {
  if (std::isnan(got) || std::isnan(static_cast<double>(want))) return std::isnan(got) && std::isnan(static_cast<double>(want));
  if (std::isinf(static_cast<double>(want)) || std::isinf(got)) return got == static_cast<double>(want);
  return std::fabs(static_cast<long double>(got) - want) <= rel * (std::fabs(want) + scale) + 1e-300L;
}

}  // namespace

TEST(differential_fuzz_valid_plans) {
  Rng rng{2024};
  std::vector<double> src(4096);
  std::vector<float> src32(4096);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = 0.5 + 1.5 * rng.unit();
    src32[i] = static_cast<float>(0.5 + 1.5 * rng.unit());
  }
  int failures = 0, runs = 0;
  Pool pool1(1), pool2(2);
  for (int it = 0; it < 1500 && failures < 5; ++it) {
    const int nd = static_cast<int>(rng.in(0, 4));
    std::vector<int64_t> shape(nd);
    for (auto& s : shape) s = rng.in(0, 20) == 0 ? 0 : rng.in(1, nd <= 2 ? 70 : 9);
    int64_t total = 1;
    for (auto s : shape) total *= s;
    Stage st;
    st.shape = shape;
    st.chunks.resize(nd);
    for (int k = 0; k < nd; ++k) {
      int64_t left = shape[k];
      if (left == 0) st.chunks[k] = {0};
      while (left > 0) {
        int64_t c = std::min(left, rng.in(1, std::max<int64_t>(1, shape[k] / (rng.in(0, 1) ? 1 : 3) + 1)));
        st.chunks[k].push_back(c);
        left -= c;
      }
    }
    // leaves
    const int nleaves = static_cast<int>(rng.in(1, 3));
    for (int l = 0; l < nleaves; ++l) {
      Leaf lf;
      int kind = static_cast<int>(rng.in(0, 3));
      lf.kind = kind == 0 ? LeafKind::Arange : kind == 1 ? LeafKind::RandomUniform : LeafKind::Memory;
      lf.strides.resize(nd);
      // row-major over a random axis permutation, sometimes negative / zero / doubled
      std::vector<int> perm(nd);
      for (int k = 0; k < nd; ++k) perm[k] = k;
      for (int k = nd - 1; k > 0; --k) std::swap(perm[k], perm[rng.in(0, k)]);
      int64_t stride = rng.in(1, 2);
      for (int q = nd - 1; q >= 0; --q) {
        int k = perm[q];
        int64_t v = stride;
        int r = static_cast<int>(rng.in(0, 9));
        if (r == 0) v = 0;
        else if (r == 1) v = -v;
        lf.strides[k] = v;
        stride *= std::max<int64_t>(shape[k], 1);
      }
      int64_t lo = 0, hi = 0;
      for (int k = 0; k < nd; ++k) {
        if (shape[k] == 0) continue;
        int64_t span = lf.strides[k] * (shape[k] - 1);
        (span < 0 ? lo : hi) += span;
      }
      if (lf.kind == LeafKind::Memory) {
        lf.dtype = rng.in(0, 3) == 0 ? DType::F32 : DType::F64;
        lf.buffer = lf.dtype == DType::F32 ? 1 : 0;
        if (hi - lo >= 4096) {  // does not fit: use a generator instead
          lf.kind = LeafKind::Arange;
          lf.buffer = -1;
        } else {
          lf.offset = -lo + rng.in(0, 4095 - (hi - lo));
        }
      }
      if (lf.kind == LeafKind::Arange) {
        lf.a = 0.5 + rng.unit();
        lf.b = 0.001;
        lf.offset = rng.in(0, 100) - lo;
        lf.dtype = rng.in(0, 3) == 0 ? DType::F32 : DType::F64;
      } else if (lf.kind == LeafKind::RandomUniform) {
        lf.a = 0.5;
        lf.b = 1.5;
        lf.seed = static_cast<uint64_t>(rng.in(0, 1000));
        lf.dtype = DType::F64;
        lf.offset = rng.in(-5, 5);
      }
      st.leaves.push_back(lf);
    }
    // program
    st.nregs = static_cast<int32_t>(rng.in(1, 4));
    st.imms = {0.5 + rng.unit(), 1.5, 0.75};
    st.program.push_back({Op::Load, 0, 0, 0});
    uint32_t written = 1;
    const int ninstr = static_cast<int>(rng.in(0, 5));
    const Op ops[] = {Op::Load, Op::Neg, Op::Abs, Op::Exp, Op::Log, Op::Sqrt, Op::Sin, Op::Cos,
                      Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow, Op::Max, Op::Min};
    auto pickOperand = [&]() -> int32_t {
      if (rng.in(0, 3) == 0) return static_cast<int32_t>(-1 - rng.in(0, 2));
      std::vector<int32_t> regs;
      for (int r = 0; r < st.nregs; ++r) if (written & (1u << r)) regs.push_back(r);
      return regs[static_cast<size_t>(rng.in(0, static_cast<int64_t>(regs.size()) - 1))];
    };
    for (int i = 0; i < ninstr; ++i) {
      Instr in;
      in.op = ops[rng.in(0, 14)];
      in.dst = static_cast<int32_t>(rng.in(0, st.nregs - 1));
      if (in.op == Op::Load) in.a = static_cast<int32_t>(rng.in(0, nleaves - 1));
      else {
        in.a = pickOperand();
        in.b = pickOperand();
      }
      if (in.op == Op::Exp && in.a >= 0) in.op = Op::Sqrt;  // keep magnitudes tame
      st.program.push_back(in);
      written |= 1u << in.dst;
    }
    std::vector<int32_t> cand;
    for (int r = 0; r < st.nregs; ++r) if (written & (1u << r)) cand.push_back(r);
    st.result = cand[static_cast<size_t>(rng.in(0, static_cast<int64_t>(cand.size()) - 1))];
    // sink
    const bool reduce = rng.in(0, 1) == 1;
    const DType odt = rng.in(0, 4) == 0 ? DType::F32 : DType::F64;
    st.sink.dtype = odt;
    st.sink.buffer = 2;
    st.sink.strides.assign(nd, 0);
    st.sink.reduceAxes.assign(nd, 0);
    int64_t outCount = 1;
    if (reduce) {
      const ReduceOp rops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max, ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
      st.sink.reduce = rops[rng.in(0, 6)];
      st.sink.ddof = static_cast<double>(rng.in(0, 1));
      for (int k = 0; k < nd; ++k) st.sink.reduceAxes[k] = static_cast<uint8_t>(rng.in(0, 2) != 0);
      if (st.sink.reduce == ReduceOp::Prod && total > 64) st.sink.reduce = ReduceOp::Sum;
    }
    for (int k = nd - 1; k >= 0; --k) {
      if (st.sink.reduceAxes[k]) continue;
      st.sink.strides[k] = outCount;
      outCount *= shape[k];
    }
    std::vector<double> out64(static_cast<size_t>(std::max<int64_t>(outCount, 1)), -123);
    std::vector<float> out32(out64.size(), -123);
    std::vector<double> keep64;
    std::vector<float> keep32;
    Plan p;
    p.buffers = {ref(src), ref(src32), odt == DType::F32 ? ref(out32) : ref(out64)};
    p.stages.push_back(st);
    try {
      validatePlan(p);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "    generated plan rejected: %s\n", e.what());
      ++failures;
      continue;
    }
    ++runs;
    CHECK(runPlan(it % 2 ? pool2 : pool1, p).status == ExecResult::Status::Ok);
    keep64 = out64;
    keep32 = out32;
    CHECK(runPlan(it % 2 ? pool1 : pool2, p).status == ExecResult::Status::Ok);
    if (!(std::memcmp(keep64.data(), out64.data(), out64.size() * 8) == 0 &&
          std::memcmp(keep32.data(), out32.data(), out32.size() * 4) == 0)) {
      std::fprintf(stderr, "    iteration %d: results differ between 1 and 2 threads\n", it);
      ++failures;
    }
    // scalar reference
    std::vector<std::vector<double>> per(static_cast<size_t>(std::max<int64_t>(outCount, 1)));
    std::vector<double> storeRef(per.size(), -123);
    std::vector<int64_t> c(nd, 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t rem = e;
      for (int k = nd - 1; k >= 0; --k) { c[k] = rem % shape[k]; rem /= shape[k]; }
      double regs[4] = {0, 0, 0, 0};
      for (const Instr& in : st.program) {
        if (in.op == Op::Load) {
          const Leaf& lf = st.leaves[in.a];
          int64_t lin = lf.offset;
          for (int k = 0; k < nd; ++k) lin += c[k] * lf.strides[k];
          double v = 0;
          if (lf.kind == LeafKind::Arange) v = lf.a + lf.b * static_cast<double>(lin);
          else if (lf.kind == LeafKind::RandomUniform) { double t = (lf.b - lf.a) * uniformRef(lf.seed, lin); v = lf.a + t; }
          else v = lf.dtype == DType::F32 ? static_cast<double>(src32[lin]) : src[lin];
          if (lf.dtype == DType::F32) v = static_cast<double>(static_cast<float>(v));
          regs[in.dst] = v;
        } else {
          double a = in.a >= 0 ? regs[in.a] : st.imms[-1 - in.a];
          double b = in.b >= 0 ? regs[in.b] : st.imms[-1 - in.b];
          regs[in.dst] = refOp(in.op, a, b);
        }
      }
      int64_t K = 0;
      for (int k = 0; k < nd; ++k) K += c[k] * st.sink.strides[k];
      if (reduce) per[K].push_back(regs[st.result]);
      else storeRef[K] = regs[st.result];
    }
    bool ok = true;
    for (int64_t K = 0; K < outCount; ++K) {
      const double got = odt == DType::F32 ? static_cast<double>(out32[K]) : out64[K];
      const double rel = odt == DType::F32 ? 1e-6 : 1e-9;
      if (!reduce) {
        double want = odt == DType::F32 ? static_cast<double>(static_cast<float>(storeRef[K])) : storeRef[K];
        ok = ok && closeEnough(got, want, 0, rel);
        continue;
      }
      const auto& v = per[K];
      long double s = 0, pr = 1, mx = -INFINITY, mn = INFINITY, scale = 0;
      bool nan = false;
      for (double x : v) { s += x; pr *= x; mx = std::max<long double>(mx, x); mn = std::min<long double>(mn, x); scale += std::fabs(x); nan = nan || std::isnan(x); }
      const long double n = static_cast<long double>(v.size());
      long double mean = s / n, m2 = 0;
      for (double x : v) m2 += (x - mean) * (x - mean);
      long double want = 0;
      switch (st.sink.reduce) {
        case ReduceOp::Sum: want = s; break;
        case ReduceOp::Prod: want = pr; break;
        case ReduceOp::Min: want = nan ? NAN : (v.empty() ? NAN : mn); break;
        case ReduceOp::Max: want = nan ? NAN : (v.empty() ? NAN : mx); break;
        case ReduceOp::Mean: want = mean; scale /= std::max<long double>(n, 1); break;
        case ReduceOp::Var: want = m2 / std::max<long double>(n - st.sink.ddof, 0); scale = 0; break;
        case ReduceOp::Std: want = std::sqrt(m2 / std::max<long double>(n - st.sink.ddof, 0)); scale = 0; break;
        default: break;
      }
      if (st.sink.reduce == ReduceOp::Var || st.sink.reduce == ReduceOp::Std) {
        long double sq = 0;
        for (double x : v) sq += static_cast<long double>(x) * x;
        scale = (st.sink.reduce == ReduceOp::Var ? sq : std::sqrt(sq)) / std::max<long double>(n - st.sink.ddof, 1);
      }
      if (odt == DType::F32) want = static_cast<float>(want);
      bool good = closeEnough(got, want, scale, rel);
      if (!good && ok)
        std::fprintf(stderr, "    iteration %d: op %d output %lld: got %.17g want %.17Lg\n", it,
                     static_cast<int>(st.sink.reduce), static_cast<long long>(K), got, want);
      ok = ok && good;
    }
    if (!ok) {
      std::fprintf(stderr, "    iteration %d: mismatch (nd %d, reduce %d)\n", it, nd, static_cast<int>(st.sink.reduce));
      ++failures;
    }
  }
  std::printf("     differential fuzz: %d plans run\n", runs);
  CHECK_EQ(failures, 0);
}

TEST(validate_empty_stage_edge_cases) {
  std::vector<double> out(3, -1);
  // a reduction over an empty axis still writes its outputs: their range is checked
  {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st = loadStage({5, 0}, {5, 0}, genLeaf(LeafKind::Arange, {0, 1}, 0, 1));
    st.sink = reduceSink(ReduceOp::Sum, 0, {0, 1}, {1, 0});
    p.stages.push_back(st);
    CHECK(throwsWith(p, "stages[0].sink: addresses element 4"));
  }
  // zero stride on a kept axis
  {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st = loadStage({3, 4}, {3, 4}, genLeaf(LeafKind::Arange, {4, 1}, 0, 1));
    st.sink = reduceSink(ReduceOp::Sum, 0, {0, 1}, {0, 0});
    p.stages.push_back(st);
    CHECK(throwsWith(p, "stages[0].sink.strides[0]: 0 on a kept axis"));
    p.stages[0].sink = storeSink(0, {0, 0});
    CHECK(throwsWith(p, "stages[0].sink.strides[0]: 0 on a kept axis"));
  }
  // an empty stage with an absurd chunk grid runs no task and does not overflow
  {
    Plan p;
    p.buffers.push_back(ref(out));
    Stage st;
    st.shape = {0, int64_t(1) << 40, int64_t(1) << 40};
    st.chunks = {{}, {int64_t(1) << 40}, {int64_t(1) << 40}};
    st.leaves.push_back(genLeaf(LeafKind::Arange, {0, 0, 0}, 0, 1));
    st.program = {{Op::Load, 0, 0, 0}};
    st.nregs = 1;
    st.sink = storeSink(0, {1, 1, 1});
    p.stages.push_back(st);
    validatePlan(p);
    ExecResult r = run(p);
    CHECK(r.status == ExecResult::Status::Ok);
    CHECK_EQ(r.tasks, 0);
  }
  // profiled plans are bounded
  {
    Plan p;
    p.profile = true;
    p.buffers.push_back(ref(out));
    Stage st = loadStage({int64_t(1) << 14, int64_t(1) << 13}, {1, 1}, genLeaf(LeafKind::Arange, {0, 0}, 0, 1));
    st.sink = reduceSink(ReduceOp::Sum, 0, {1, 1}, {0, 0});
    p.stages.push_back(st);
    CHECK(throwsWith(p, "profile: a profiled plan may have at most 2^26 tasks"));
  }
}

TEST(pool_resize_while_running) {
  // shrink and grow repeatedly while plans run: every plan completes with the same bits
  Pool pool(2);
  std::vector<double> ref1;
  Plan base = reducePlan(ref1, ReduceOp::Var, {1, 0, 1}, {7, 9, 4});
  CHECK(runPlan(pool, base).status == ExecResult::Status::Ok);
  const std::vector<double> want = ref1;
  std::atomic<bool> stop{false};
  std::thread resizer([&] {
    int n = 1;
    while (!stop.load()) {
      pool.setNumThreads(n);
      n = n % 3 + 1;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  bool same = true;
  for (int i = 0; i < 30; ++i) {
    std::vector<double> o;
    Plan p = reducePlan(o, ReduceOp::Var, {1, 0, 1}, {7, 9, 4});
    CHECK(runPlan(pool, p).status == ExecResult::Status::Ok);
    same = same && std::memcmp(o.data(), want.data(), o.size() * 8) == 0;
  }
  stop = true;
  resizer.join();
  CHECK(same);
}

// ------------------------------------------------------------------------------------------------
// sink.partials: the distributed scheduler runs each chunk of a reduction as a one-chunk
// sub-stage writing raw partials, and combines them as finishStage does. That must give the bits
// of the full stage, including var/std and tile-sensitive (transposed) memory inputs.

namespace {

struct P3 {
  double a, b, c;
};

P3 combineRef(ReduceOp op, const P3& x, const P3& y) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: return {x.a + y.a, 0, 0};
    case ReduceOp::Prod: return {x.a * y.a, 0, 0};
    case ReduceOp::Min:
      return {std::isnan(x.a) || std::isnan(y.a) ? NAN : (x.a < y.a ? x.a : y.a), 0, 0};
    case ReduceOp::Max:
      return {std::isnan(x.a) || std::isnan(y.a) ? NAN : (x.a > y.a ? x.a : y.a), 0, 0};
    case ReduceOp::Var:
    case ReduceOp::Std: {
      if (x.a == 0) return y;
      if (y.a == 0) return x;
      const double n = x.a + y.a;
      const double delta = y.b - x.b;
      return {n, x.b + delta * (y.a / n), x.c + y.c + delta * delta * (x.a * y.a / n)};
    }
    default: return x;
  }
}

P3 treeRef(ReduceOp op, const std::vector<P3>& s, size_t lo, size_t hi) {
  if (hi - lo == 1) return s[lo];
  const size_t mid = lo + (hi - lo) / 2;
  return combineRef(op, treeRef(op, s, lo, mid), treeRef(op, s, mid, hi));
}

double finalizeRef(ReduceOp op, const P3& r, double count, double ddof) {
  switch (op) {
    case ReduceOp::Mean: return r.a / count;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double v = r.c / std::max(count - ddof, 0.0);
      return op == ReduceOp::Std ? std::sqrt(v) : v;
    }
    default: return r.a;
  }
}

// Runs `full` (one stage, memory leaf 0 = x, sink contiguous over the kept axes) as a whole and
// as per-chunk partial sub-stages; true when every output has the same bits.
bool splitMatchesFull(std::vector<double>& x, const Stage& full, DType outType) {
  const ReduceOp op = full.sink.reduce;
  const bool varLike = op == ReduceOp::Var || op == ReduceOp::Std;
  const size_t nd = full.shape.size();
  const std::vector<uint8_t>& axes = full.sink.reduceAxes;
  int64_t kept = 1;
  double count = 1;
  for (size_t k = 0; k < nd; ++k) {
    if (axes[k]) count *= static_cast<double>(full.shape[k]);
    else kept *= full.shape[k];
  }
  std::vector<double> want(static_cast<size_t>(kept));
  std::vector<float> want32(static_cast<size_t>(kept));
  {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(outType == DType::F64 ? ref(want) : ref(want32));
    Stage st = full;
    st.sink.buffer = 1;
    st.sink.dtype = outType;
    p.stages.push_back(st);
    if (run(p).status != ExecResult::Status::Ok) return false;
  }
  // per-chunk sub-stages
  std::vector<int64_t> nchunks(nd);
  int64_t ntasks = 1;
  for (size_t k = 0; k < nd; ++k) ntasks *= (nchunks[k] = static_cast<int64_t>(full.chunks[k].size()));
  std::vector<std::vector<double>> parts(static_cast<size_t>(ntasks));
  std::vector<std::vector<int64_t>> starts(static_cast<size_t>(ntasks)), exts(static_cast<size_t>(ntasks));
  for (int64_t t = 0; t < ntasks; ++t) {
    std::vector<int64_t> start(nd), ext(nd);
    int64_t rem = t;
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k) {
      const int64_t ci = rem % nchunks[k];
      rem /= nchunks[k];
      int64_t s = 0;
      for (int64_t i = 0; i < ci; ++i) s += full.chunks[k][static_cast<size_t>(i)];
      start[k] = s;
      ext[k] = full.chunks[k][static_cast<size_t>(ci)];
    }
    Stage sub = full;
    sub.shape = ext;
    sub.chunks.assign(nd, {});
    for (size_t k = 0; k < nd; ++k) sub.chunks[k] = {ext[k]};
    for (Leaf& l : sub.leaves)
      for (size_t k = 0; k < nd; ++k) l.offset += start[k] * l.strides[k];
    int64_t keptBox = 1;
    std::vector<int64_t> strides(nd, 0);
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k)
      if (!axes[k]) {
        strides[k] = keptBox;
        keptBox *= ext[k];
      }
    sub.sink.strides = strides;
    sub.sink.offset = 0;
    sub.sink.buffer = 1;
    sub.sink.dtype = DType::F64;
    sub.sink.partials = true;
    parts[t].assign(static_cast<size_t>(keptBox * (varLike ? 3 : 1)), -7);
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(parts[t]));
    p.stages.push_back(sub);
    if (run(p, 1).status != ExecResult::Status::Ok) return false;
    starts[t] = start;
    exts[t] = ext;
  }
  // combine: per kept output element, the partials of its chunks in reduced-chunk row-major order
  bool same = true;
  std::vector<int64_t> cK(nd, 0);
  for (int64_t K = 0; K < kept; ++K) {
    int64_t rem = K;
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k)
      if (!axes[k]) {
        cK[k] = rem % full.shape[k];
        rem /= full.shape[k];
      }
    std::vector<P3> slots;
    for (int64_t t = 0; t < ntasks; ++t) {  // row-major tasks: reduced chunks in row-major order
      bool mine = true;
      int64_t local = 0, keptBox = 1;
      for (int k = static_cast<int>(nd) - 1; k >= 0; --k) {
        if (axes[k]) continue;
        const int64_t s = starts[t][k], e = exts[t][k];
        if (cK[k] < s || cK[k] >= s + e) mine = false;
        local += (cK[k] - s) * keptBox;
        keptBox *= e;
      }
      if (!mine) continue;
      const std::vector<double>& pt = parts[t];
      slots.push_back({pt[local], varLike ? pt[local + keptBox] : 0, varLike ? pt[local + 2 * keptBox] : 0});
    }
    const double v = finalizeRef(op, treeRef(op, slots, 0, slots.size()), count, full.sink.ddof);
    const bool eq = outType == DType::F64 ? bitsOf(v) == bitsOf(want[K])
                                          : bitsOf(static_cast<float>(v)) == bitsOf(want32[K]);
    if (!eq && same)
      std::fprintf(stderr, "    op %d K %lld: combined %.17g, full stage %.17g\n", static_cast<int>(op),
                   static_cast<long long>(K), v, outType == DType::F64 ? want[K] : want32[K]);
    same = same && eq;
  }
  return same;
}

}  // namespace

TEST(partial_sink_chunks_combine_to_full_stage) {
  // x: [6, 130, 100] of varied values; also read transposed on the last two axes
  const std::vector<int64_t> shape = {6, 130, 100};
  std::vector<double> x(6 * 130 * 100);
  uint64_t st = 12345;
  for (double& v : x) {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<double>(st >> 11) * 0x1p-53 * 10 - 3;
  }
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max,
                          ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
  struct Case {
    std::vector<int64_t> shape, chunk, leafStrides;
    std::vector<uint8_t> axes;
  };
  const std::vector<Case> cases = {
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 0, 0}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {0, 1, 0}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 0, 1}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 1, 1}},
      // transposed on the last two axes: [6, 100, 130] view of x; kept axis chunked by 1 makes
      // each task box reduce to one output element (tiles allowed) while the stage keeps 6
      {{6, 100, 130}, {1, 100, 130}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {1, 70, 90}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {4, 70, 130}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {2, 100, 65}, {13000, 1, 100}, {0, 1, 0}},
  };
  for (const Case& c : cases) {
    for (ReduceOp op : ops) {
      for (double ddof : {0.0, 1.0}) {
        if (ddof != 0 && op != ReduceOp::Var && op != ReduceOp::Std) continue;
        Stage full = loadStage(c.shape, c.chunk, memLeaf(0, c.leafStrides));
        std::vector<int64_t> strides(3, 0);
        int64_t acc = 1;
        for (int k = 2; k >= 0; --k)
          if (!c.axes[k]) {
            strides[k] = acc;
            acc *= c.shape[k];
          }
        full.sink = reduceSink(op, 1, c.axes, strides, ddof);
        const bool ok64 = splitMatchesFull(x, full, DType::F64);
        const bool ok32 = splitMatchesFull(x, full, DType::F32);
        if (!(ok64 && ok32))
          std::fprintf(stderr, "    op %d axes %d%d%d chunk %lld,%lld,%lld\n", static_cast<int>(op), c.axes[0],
                       c.axes[1], c.axes[2], static_cast<long long>(c.chunk[0]),
                       static_cast<long long>(c.chunk[1]), static_cast<long long>(c.chunk[2]));
        CHECK(ok64);
        CHECK(ok32);
      }
    }
  }
  (void)shape;
}

TEST(partial_sink_validation) {
  std::vector<double> x(100, 1), out(30, 0);
  auto plan = [&](ReduceOp op, DType dt, size_t outElems) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(BufferRef{out.data(), outElems * sizeof(double), true});
    Stage st = loadStage({10, 10}, {5, 5}, memLeaf(0, {10, 1}));
    st.sink = reduceSink(op, 1, {1, 0}, {0, 1});
    st.sink.dtype = dt;
    st.sink.partials = true;
    p.stages.push_back(st);
    return p;
  };
  CHECK(throwsWith(plan(ReduceOp::Sum, DType::F32, 30), "partials"));
  CHECK(throwsWith(plan(ReduceOp::Var, DType::F64, 29), "partial plane 2"));
  validatePlan(plan(ReduceOp::Var, DType::F64, 30));
  validatePlan(plan(ReduceOp::Sum, DType::F64, 10));
  {
    Plan p = plan(ReduceOp::Sum, DType::F64, 30);
    p.stages[0].sink = storeSink(1, {10, 1});
    p.stages[0].sink.partials = true;
    p.buffers[1].bytes = 30 * sizeof(double);
    std::vector<double> big(100);
    p.buffers[1] = ref(big);
    CHECK(throwsWith(p, "reduce is None"));
  }
  // raw partials: Mean writes the sum, Var the (count, mean, M2) planes
  {
    Plan p = plan(ReduceOp::Mean, DType::F64, 30);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], 10.0);
    Plan q = plan(ReduceOp::Var, DType::F64, 30);
    CHECK(run(q).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], 10.0);
    CHECK_EQ(out[10], 1.0);
    CHECK_EQ(out[20], 0.0);
  }
}
