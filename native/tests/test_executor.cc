// The executor on stores and elementwise programs: chunking, random leaves, threads, tiling, float32, empty stages, cancellation, progress.
#include "engine_fixtures.h"
#include <mutex>

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

TEST(progress_records_live) {
  // onProgressRecords: every task's record arrives exactly once across the progress calls, the
  // last call before onDone, and ExecResult::profile still holds them all in (stage, task) order.
  std::vector<double> out;
  Plan p = basicStorePlan(out);
  p.profile = true;
  Pool pool(2);
  std::mutex m;
  std::vector<int> seen(50, 0);
  int calls = 0;
  bool doneSeen = false, recordsAfterDone = false;
  int64_t lastDone = 0;
  ExecResult res;
  ExecCallbacks cb;
  cb.progressIntervalNs = 0;  // every task
  cb.onDone = [&](ExecResult&& r) {
    std::lock_guard<std::mutex> lock(m);
    doneSeen = true;
    res = std::move(r);
  };
  cb.onProgressRecords = [&](int64_t d, int64_t, std::vector<TaskRecord>&& fresh) {
    std::lock_guard<std::mutex> lock(m);
    if (doneSeen) recordsAfterDone = true;
    ++calls;
    lastDone = std::max(lastDone, d);
    for (const TaskRecord& r : fresh)
      if (r.task >= 0 && r.task < 50) seen[static_cast<size_t>(r.task)]++;
  };
  bool plainCalled = false;
  cb.onProgress = [&](int64_t, int64_t) { plainCalled = true; };
  submitPlan(pool, p, cb)->wait();
  CHECK(res.status == ExecResult::Status::Ok);
  CHECK(!plainCalled);  // onProgressRecords replaces onProgress
  CHECK(!recordsAfterDone);
  CHECK(calls >= 2);
  CHECK_EQ(lastDone, int64_t(50));
  bool once = true;
  for (int n : seen) once = once && n == 1;
  CHECK(once);
  CHECK_EQ(res.profile.size(), size_t(50));
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
