// Take and Compress stages (engine/gather.h) against naive loops: np.take along each axis with
// negative and repeated indices, out-of-range indices at run time, boolean compaction with
// per-chunk counts then offsets, 1 vs 2 threads, and the validator's refusals.
#include <cstring>

#include "engine_fixtures.h"

namespace {

// take of x [R, C] (row-major) along `axis` with float64 indices idx, output chunks `chunks`
Plan takePlan(std::vector<double>& x, std::vector<double>& idx, std::vector<double>& out, int64_t R, int64_t C, int axis,
              std::vector<std::vector<int64_t>> chunks) {
  Plan p;
  p.buffers = {ref(x), ref(idx), ref(out)};
  Stage st;
  st.kind = StageKind::Take;
  const int64_t n = static_cast<int64_t>(idx.size());
  st.shape = axis == 0 ? std::vector<int64_t>{n, C} : std::vector<int64_t>{R, n};
  st.chunks = std::move(chunks);
  st.leaves = {memLeaf(0, {C, 1}), memLeaf(1, axis == 0 ? std::vector<int64_t>{1, 0} : std::vector<int64_t>{0, 1})};
  st.imms = {static_cast<double>(axis), static_cast<double>(axis == 0 ? R : C)};
  st.sink = storeSink(2, rowMajor(st.shape));
  p.stages.push_back(st);
  return p;
}

}  // namespace

TEST(take_matches_naive_loop_both_axes) {
  const int64_t R = 9, C = 7;
  std::vector<double> x(R * C);
  for (int64_t i = 0; i < R * C; ++i) x[i] = 0.5 * static_cast<double>(i) - 3;
  for (int axis = 0; axis < 2; ++axis) {
    std::vector<double> idx = {3, -1, 0, 3, 3, 2, -2, 1};
    const int64_t n = static_cast<int64_t>(idx.size()), len = axis == 0 ? R : C;
    for (int threads : {1, 2}) {
      std::vector<double> out(static_cast<size_t>(n * (axis == 0 ? C : R)), -99);
      auto chunks = axis == 0 ? std::vector<std::vector<int64_t>>{{3, 5}, {4, 3}} : std::vector<std::vector<int64_t>>{{2, 7}, {1, 6, 1}};
      CHECK(run(takePlan(x, idx, out, R, C, axis, chunks), threads).status == ExecResult::Status::Ok);
      for (int64_t i = 0; i < (axis == 0 ? n : R); ++i)
        for (int64_t j = 0; j < (axis == 0 ? C : n); ++j) {
          const int64_t a = axis == 0 ? i : j;
          int64_t p = static_cast<int64_t>(idx[static_cast<size_t>(a)]);
          if (p < 0) p += len;
          const double want = axis == 0 ? x[static_cast<size_t>(p * C + j)] : x[static_cast<size_t>(i * C + p)];
          CHECK_EQ(out[static_cast<size_t>(i * (axis == 0 ? C : n) + j)], want);
        }
    }
  }
}

TEST(take_out_of_range_fails_naming_axis_and_size) {
  const int64_t R = 4, C = 3;
  std::vector<double> x(R * C, 1), idx = {1, 4}, out(2 * C);
  const ExecResult r = run(takePlan(x, idx, out, R, C, 0, {{2}, {3}}));
  CHECK(r.status == ExecResult::Status::Failed);
  CHECK(r.error.find("index 4 is out of bounds for axis 0 with size 4") != std::string::npos);
  std::vector<double> frac = {0.5}, out1(C);
  const ExecResult r2 = run(takePlan(x, frac, out1, R, C, 0, {{1}, {3}}));
  CHECK(r2.status == ExecResult::Status::Failed);
  CHECK(r2.error.find("integers") != std::string::npos);
}

TEST(take_validator_refusals) {
  const int64_t R = 4, C = 3;
  std::vector<double> x(R * C, 1), idx = {1, 2}, out(2 * C);
  Plan p = takePlan(x, idx, out, R, C, 0, {{2}, {3}});
  p.stages[0].imms = {0, 5};  // the source is 4 long: reading row 4 would overrun x
  CHECK(throwsWith(p, "stages[0].leaves[0]"));
  p = takePlan(x, idx, out, R, C, 0, {{2}, {3}});
  p.stages[0].imms = {2, 4};
  CHECK(throwsWith(p, "take axis"));
  p = takePlan(x, idx, out, R, C, 0, {{2}, {3}});
  p.stages[0].leaves[1].buffer = 2;
  CHECK(throwsWith(p, "sink's buffer"));
  p = takePlan(x, idx, out, R, C, 0, {{2}, {3}});
  p.stages[0].leaves.pop_back();
  CHECK(throwsWith(p, "exactly 2"));
}

TEST(compress_counts_then_offsets_row_major) {
  const int64_t N = 23;
  std::vector<double> x(N), cond(N), counts(4);
  for (int64_t i = 0; i < N; ++i) {
    x[static_cast<size_t>(i)] = static_cast<double>(i) * 1.25;
    cond[static_cast<size_t>(i)] = (i * 7919) % 5 < 2 ? 1 : 0;
  }
  const std::vector<std::vector<int64_t>> chunks = {{6, 6, 10, 1}};
  Plan count;
  count.buffers = {ref(cond), ref(counts)};
  Stage c;
  c.kind = StageKind::Compress;
  c.shape = {N};
  c.chunks = chunks;
  c.leaves = {memLeaf(0, {1})};
  c.imms = {0};
  c.sink = storeSink(1, {1});
  count.stages.push_back(c);
  CHECK(run(count).status == ExecResult::Status::Ok);
  std::vector<double> want;
  int64_t at = 0;
  std::vector<double> offsets;
  for (size_t j = 0, lo = 0; j < chunks[0].size(); lo += static_cast<size_t>(chunks[0][j]), ++j) {
    double n = 0;
    for (size_t i = lo; i < lo + static_cast<size_t>(chunks[0][j]); ++i)
      if (cond[i] != 0) {
        ++n;
        want.push_back(x[i]);
      }
    CHECK_EQ(counts[j], n);
    offsets.push_back(static_cast<double>(at));
    at += static_cast<int64_t>(n);
  }
  for (int threads : {1, 2}) {
    std::vector<double> out(static_cast<size_t>(at), -1);
    Plan copy;
    copy.buffers = {ref(x), ref(cond), ref(out)};
    Stage s = c;
    s.leaves = {memLeaf(0, {1}), memLeaf(1, {1})};
    s.imms = {1, static_cast<double>(at)};
    s.imms.insert(s.imms.end(), offsets.begin(), offsets.end());
    s.sink = storeSink(2, {1});
    copy.stages.push_back(s);
    CHECK(run(copy, threads).status == ExecResult::Status::Ok);
    CHECK(out == want);
    // offsets that disagree with the data: refused at run time, never an overrun
    Plan bad = copy;
    bad.stages[0].imms[2 + 1] += 1;
    const ExecResult r = run(bad, threads);
    CHECK(r.status == ExecResult::Status::Failed);
    CHECK(r.error.find("chunk sizes were computed") != std::string::npos);
    Plan wrong = copy;
    wrong.stages[0].imms[1] = static_cast<double>(at + 1);  // the sink holds `at` elements
    CHECK(throwsWith(wrong, "sink"));
  }
}

namespace {

// A kernel stage summing (or storing) a compress leaf over x (1-d, `inChunks`) with bool cond:
// buffers [x, cond, table, out].
Plan compressLeafPlan(std::vector<double>& x, std::vector<uint8_t>& cond, std::vector<double>& table, std::vector<double>& out,
                      const std::vector<int64_t>& inChunks, std::vector<int64_t> stageChunks, bool reduce, int64_t step = 1) {
  const size_t n = inChunks.size();
  table.assign(2 * n + 3, 0);
  table[0] = static_cast<double>(n);
  int64_t at = 0, sel = 0;
  for (size_t j = 0; j < n; ++j) {
    table[1 + j] = static_cast<double>(at);
    table[2 + n + j] = static_cast<double>(sel);
    for (int64_t i = at; i < at + inChunks[j]; ++i) sel += cond[static_cast<size_t>(i)] != 0;
    at += inChunks[j];
  }
  table[1 + n] = static_cast<double>(at);
  table[2 + 2 * n] = static_cast<double>(sel);
  Plan p;
  p.buffers = {ref(x), BufferRef{cond.data(), cond.size(), true}, ref(table), ref(out)};
  Leaf lf;
  lf.kind = LeafKind::Compress;
  lf.buffer = 0;
  lf.a = 1;
  lf.b = 2;
  lf.strides = {step};
  lf.offset = step < 0 ? sel - 1 : 0;
  Stage st = loadStage({sel}, {sel}, lf);
  st.chunks = {std::move(stageChunks)};
  st.sink = reduce ? reduceSink(ReduceOp::Sum, 3, {1}, {0}) : storeSink(3, {1});
  p.stages.push_back(st);
  return p;
}

}  // namespace

TEST(compress_leaf_reads_the_selected_elements_in_place) {
  const int64_t N = 5000;
  std::vector<double> x(N);
  std::vector<uint8_t> cond(N);
  std::vector<double> sel;
  for (int64_t i = 0; i < N; ++i) {
    x[static_cast<size_t>(i)] = static_cast<double>((i * 7919) % 1013) / 8.0;
    cond[static_cast<size_t>(i)] = (i * 31) % 7 < 3 ? static_cast<uint8_t>(1 + i % 3) : 0;  // any nonzero byte is true
    if (cond[static_cast<size_t>(i)]) sel.push_back(x[static_cast<size_t>(i)]);
  }
  const int64_t total = static_cast<int64_t>(sel.size());
  const std::vector<int64_t> inChunks = {1200, 0 + 1, 2500, 1299};
  std::vector<double> table;
  for (int threads : {1, 2}) {
    // stored forward with chunks unlike the input's (tasks start inside mask chunks), and reversed
    for (int64_t step : {int64_t(1), int64_t(-1)}) {
      std::vector<double> out(static_cast<size_t>(total), -1);
      CHECK(run(compressLeafPlan(x, cond, table, out, inChunks, {700, total - 700}, false, step), threads).status == ExecResult::Status::Ok);
      for (int64_t q = 0; q < total; ++q)
        CHECK_EQ(out[static_cast<size_t>(q)], sel[static_cast<size_t>(step > 0 ? q : total - 1 - q)]);
    }
    // summed: exact here (multiples of 1/8, far below 2^53)
    std::vector<double> s(1, -1);
    CHECK(run(compressLeafPlan(x, cond, table, s, inChunks, {total}, true), threads).status == ExecResult::Status::Ok);
    double want = 0;
    for (double v : sel) want += v;
    CHECK_EQ(s[0], want);
  }
}

TEST(compress_leaf_stale_counts_fail_and_validator_refusals) {
  const int64_t N = 64;
  std::vector<double> x(N, 1), table, out(1);
  std::vector<uint8_t> cond(N, 0);
  for (int64_t i = 0; i < N; i += 2) cond[static_cast<size_t>(i)] = 1;
  Plan p = compressLeafPlan(x, cond, table, out, {32, 32}, {32}, true);
  cond[1] = 1;  // chunk 0 now selects one more than the table says
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Failed);
  CHECK(r.error.find("chunk 0 selects more") != std::string::npos);
  cond[1] = 0;
  cond[0] = 0;  // and now one fewer
  r = run(p);
  CHECK(r.status == ExecResult::Status::Failed);
  CHECK(r.error.find("selects fewer") != std::string::npos);
  cond[0] = 1;
  CHECK(run(p).status == ExecResult::Status::Ok);
  Plan q = p;
  q.stages[0].leaves[0].strides = {2};  // reads past the 32 selected elements
  CHECK(throwsWith(q, "selected elements"));
  q = p;
  q.stages[0].leaves[0].a = 7;
  CHECK(throwsWith(q, "stages[0].leaves[0].a"));
  q = p;
  table[2 + 2 + 1] = 40;  // chunk 0 cannot select 40 of its 32 elements
  CHECK(throwsWith(q, "outOff"));
  table[2 + 2 + 1] = 16;
  table[0] = 3;  // the table is too short for 3 chunks
  CHECK(throwsWith(q, "needs 9"));
}

namespace {

// A kernel stage storing (or summing) a take leaf over x [R, C] along `axis` with float64 indices
// idx, walked with strides `walk` over the output [n, C] / [R, n]: buffers [x, idx, table, out].
Plan takeLeafPlan(std::vector<double>& x, std::vector<double>& idx, std::vector<double>& table, std::vector<double>& out, int64_t R,
                  int64_t C, int axis, std::vector<int64_t> chunk, bool reduce) {
  const int64_t n = static_cast<int64_t>(idx.size());
  table = {static_cast<double>(axis), axis == 0 ? 1.0 : static_cast<double>(R), static_cast<double>(n),
           static_cast<double>(axis == 0 ? R : C), axis == 0 ? static_cast<double>(C) : 1.0, static_cast<double>(DType::F64)};
  Plan p;
  p.buffers = {ref(x), ref(idx), ref(table), ref(out)};
  Leaf lf;
  lf.kind = LeafKind::Take;
  lf.buffer = 0;
  lf.a = 1;
  lf.b = 2;
  const std::vector<int64_t> shape = axis == 0 ? std::vector<int64_t>{n, C} : std::vector<int64_t>{R, n};
  lf.strides = rowMajor(shape);
  Stage st = loadStage(shape, std::move(chunk), lf);
  st.sink = reduce ? reduceSink(ReduceOp::Sum, 3, {1, 1}, {0, 0}) : storeSink(3, rowMajor(shape));
  p.stages.push_back(st);
  return p;
}

}  // namespace

TEST(take_leaf_reads_rows_in_place_both_axes) {
  const int64_t R = 9, C = 700;  // rows longer than a block: runs split across blocks
  std::vector<double> x(R * C);
  for (int64_t i = 0; i < R * C; ++i) x[static_cast<size_t>(i)] = static_cast<double>((i * 7919) % 1013) / 8.0;
  std::vector<double> table;
  for (int axis = 0; axis < 2; ++axis) {
    std::vector<double> idx = {3, -1, 0, 3, 3, 2, -2, 1};
    const int64_t n = static_cast<int64_t>(idx.size()), len = axis == 0 ? R : C;
    const int64_t rows = axis == 0 ? n : R, cols = axis == 0 ? C : n;
    double want = 0;
    for (int threads : {1, 2}) {
      std::vector<double> out(static_cast<size_t>(rows * cols), -99);
      CHECK(run(takeLeafPlan(x, idx, table, out, R, C, axis, {3, 300}, false), threads).status == ExecResult::Status::Ok);
      want = 0;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          int64_t p = static_cast<int64_t>(idx[static_cast<size_t>(axis == 0 ? i : j)]);
          if (p < 0) p += len;
          const double v = axis == 0 ? x[static_cast<size_t>(p * C + j)] : x[static_cast<size_t>(i * C + p)];
          CHECK_EQ(out[static_cast<size_t>(i * cols + j)], v);
          want += v;
        }
      // summed: exact (multiples of 1/8, far below 2^53)
      std::vector<double> s(1, -1);
      CHECK(run(takeLeafPlan(x, idx, table, s, R, C, axis, {rows, cols}, true), threads).status == ExecResult::Status::Ok);
      CHECK_EQ(s[0], want);
    }
  }
}

TEST(take_leaf_out_of_range_and_validator_refusals) {
  const int64_t R = 4, C = 3;
  std::vector<double> x(R * C, 1), idx = {1, 4}, table, out(2 * C);
  ExecResult r = run(takeLeafPlan(x, idx, table, out, R, C, 0, {2, 3}, false));
  CHECK(r.status == ExecResult::Status::Failed);
  CHECK(r.error.find("index 4 is out of bounds for axis 0 with size 4") != std::string::npos);
  idx = {1, 2};
  Plan p = takeLeafPlan(x, idx, table, out, R, C, 0, {2, 3}, false);
  CHECK(run(p).status == ExecResult::Status::Ok);
  table[3] = 5;  // a source of 5 rows does not fit x
  CHECK(throwsWith(p, "the take's source has 15"));
  table[3] = 4;
  table[5] = 77;
  CHECK(throwsWith(p, "index dtype"));
  table[5] = 0;
  Plan q = p;
  q.stages[0].leaves[0].strides = {3, 2};  // past the 6 take elements
  CHECK(throwsWith(q, "take elements"));
}

namespace {

// A kernel stage storing a concat leaf over two sources along axis 0 of a [Ra + Rb, C] stage:
// part 0 reads a (memory, buffer 0), part 1 an arange (a + b * lin over b's own layout); buffers
// [a, table, out].
Plan concatLeafPlan(std::vector<double>& a, std::vector<double>& table, std::vector<double>& out, int64_t Ra, int64_t Rb, int64_t C,
                    std::vector<int64_t> chunk) {
  const double part0[] = {0, static_cast<double>(Ra), static_cast<double>(LeafKind::Memory), 0, 0, 0, 0, 0, 0, static_cast<double>(C), 1};
  // the arange part in stage coordinates: lin = (r - Ra) * C + c, so offset -Ra * C
  const double part1[] = {static_cast<double>(Ra), static_cast<double>(Ra + Rb), static_cast<double>(LeafKind::Arange), 0,
                          -static_cast<double>(Ra * C), 100, 1, 0, -1, static_cast<double>(C), 1};
  table = {2};
  table.insert(table.end(), std::begin(part0), std::end(part0));
  table.insert(table.end(), std::begin(part1), std::end(part1));
  Plan p;
  p.buffers = {ref(a), ref(table), ref(out)};
  Leaf lf;
  lf.kind = LeafKind::Concat;
  lf.a = 0;
  lf.b = 1;
  lf.strides = {0, 0};
  Stage st = loadStage({Ra + Rb, C}, std::move(chunk), lf);
  st.sink = storeSink(2, {C, 1});
  p.stages.push_back(st);
  return p;
}

}  // namespace

TEST(concat_leaf_reads_each_chunk_from_its_part) {
  const int64_t Ra = 6, Rb = 4, C = 5;
  std::vector<double> a(Ra * C), table;
  for (int64_t i = 0; i < Ra * C; ++i) a[static_cast<size_t>(i)] = -static_cast<double>(i);
  for (int threads : {1, 2}) {
    std::vector<double> out((Ra + Rb) * C, -99);
    CHECK(run(concatLeafPlan(a, table, out, Ra, Rb, C, {2, 5}), threads).status == ExecResult::Status::Ok);
    for (int64_t r = 0; r < Ra + Rb; ++r)
      for (int64_t c = 0; c < C; ++c)
        CHECK_EQ(out[static_cast<size_t>(r * C + c)], r < Ra ? a[static_cast<size_t>(r * C + c)] : 100 + static_cast<double>((r - Ra) * C + c));
  }
  std::vector<double> out((Ra + Rb) * C);
  // a chunk across the parts' boundary
  CHECK(throwsWith(concatLeafPlan(a, table, out, Ra, Rb, C, {4, 5}), "inside a chunk of axis 0"));
  // part 0 reading past a
  Plan p = concatLeafPlan(a, table, out, Ra, Rb, C, {2, 5});
  table[1 + 4] = 1;
  CHECK(throwsWith(p, "part 0: addresses element 30"));
}
