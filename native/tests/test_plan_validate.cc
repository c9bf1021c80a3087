// validatePlan: every rejected field is named; random plans never crash the validator.
#include "engine_fixtures.h"

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
    p.stages[0].leaves[0].dtype = static_cast<DType>(42);
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
    p.stages[0].sink.reduce = static_cast<ReduceOp>(200);  // codes 0-31 are reductions
    CHECK(throwsWith(p, "stages[0].sink.reduce"));
    p.stages[0].sink.reduce = ReduceOp::Sum;
    p.stages[0].sink.dtype = static_cast<DType>(42);
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
