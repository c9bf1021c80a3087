// Scan and Select stages (engine/scan.h): closed forms and naive loops, Dask's chunk-by-chunk
// rounding, 1 vs 2 threads, and the validator's refusals.
#include <algorithm>

#include "engine_fixtures.h"

namespace {

Leaf scanLeaf(int32_t buffer, std::vector<int64_t> strides, DType dt = DType::F64) {
  Leaf l;
  l.kind = LeafKind::Memory;
  l.dtype = dt;
  l.buffer = buffer;
  l.strides = std::move(strides);
  return l;
}

// cumulative op along `axis` of a [rows, cols] row-major array with the given chunks, two phases
Plan scanPlan(std::vector<double>& x, std::vector<double>& out, std::vector<double>& totals,
              int64_t rows, int64_t cols, std::vector<std::vector<int64_t>> chunks, int axis, int op) {
  Plan p;
  p.buffers = {ref(x), ref(out), ref(totals)};
  std::vector<int64_t> tshape = {rows, cols};
  tshape[static_cast<size_t>(axis)] = static_cast<int64_t>(chunks[static_cast<size_t>(axis)].size());
  for (int phase = 0; phase < 2; ++phase) {
    Stage st;
    st.kind = StageKind::Scan;
    st.shape = {rows, cols};
    st.chunks = chunks;
    st.leaves = {scanLeaf(0, {cols, 1}), scanLeaf(2, rowMajor(tshape))};
    st.imms = {static_cast<double>(op), static_cast<double>(phase)};
    st.sink.buffer = 1;
    st.sink.strides = {cols, 1};
    st.sink.reduceAxes = {static_cast<uint8_t>(axis == 0), static_cast<uint8_t>(axis == 1)};
    p.stages.push_back(st);
  }
  return p;
}

bool valid(const Plan& p) {
  try {
    validatePlan(p);
    return true;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "    unexpected: %s\n", e.what());
    return false;
  }
}

}  // namespace

TEST(scan_cumsum_matches_dask_chunk_order) {
  const int64_t R = 50, C = 7;
  std::vector<double> x(R * C), out(R * C), out1(R * C), totals(4 * C);
  for (int64_t i = 0; i < R * C; ++i) x[i] = std::sin(0.37 * static_cast<double>(i)) * 10;
  CHECK(run(scanPlan(x, out, totals, R, C, {{13, 20, 1, 16}, {3, 4}}, 0, 0), 2).status == ExecResult::Status::Ok);
  CHECK(run(scanPlan(x, out1, totals, R, C, {{13, 20, 1, 16}, {3, 4}}, 0, 0), 1).status == ExecResult::Status::Ok);
  const int64_t bounds[] = {0, 13, 33, 34, 50};
  for (int64_t j = 0; j < C; ++j) {
    double prefix = 0;  // Dask: extra_i = extra_{i-1} + last of chunk i-1's own scan
    for (int c = 0; c < 4; ++c) {
      double acc = 0;
      for (int64_t i = bounds[c]; i < bounds[c + 1]; ++i) {
        acc = i == bounds[c] ? x[i * C + j] : acc + x[i * C + j];
        const double want = c == 0 ? acc : prefix + acc;
        CHECK(bitsOf(out[i * C + j]) == bitsOf(want));
        CHECK(bitsOf(out1[i * C + j]) == bitsOf(want));
      }
      prefix = c == 0 ? acc : prefix + acc;
    }
  }
}

TEST(scan_cumprod_and_nan_variants_axis1) {
  const int64_t R = 3, C = 9;
  std::vector<double> x = {1, 2, 3, NAN, 2, 1, 0.5, 4, 1,  2, 2, 2, 2, 2, 2, 2, 2, 2,  -1, 1, -1, 1, NAN, 1, 1, 1, 3};
  std::vector<double> out(R * C), totals(R * 3);
  CHECK(run(scanPlan(x, out, totals, R, C, {{3}, {4, 4, 1}}, 1, 3)).status == ExecResult::Status::Ok);  // nancumprod
  const double want0[] = {1, 2, 6, 6, 12, 12, 6, 24, 24};
  for (int j = 0; j < 9; ++j) CHECK_EQ(out[j], want0[j]);
  for (int j = 0; j < 9; ++j) CHECK_EQ(out[9 + j], std::ldexp(1.0, j + 1));
  CHECK_EQ(out[26], 3);
  CHECK(run(scanPlan(x, out, totals, R, C, {{3}, {4, 4, 1}}, 1, 0)).status == ExecResult::Status::Ok);  // cumsum: NaN propagates
  CHECK_EQ(out[2], 6);
  CHECK(std::isnan(out[3]) && std::isnan(out[8]));
  CHECK(run(scanPlan(x, out, totals, R, C, {{3}, {4, 4, 1}}, 1, 2)).status == ExecResult::Status::Ok);  // nancumsum
  CHECK_EQ(out[8], 14.5);
  CHECK_EQ(out[26], 6);
}

TEST(select_median_and_linear_quantile) {
  const int64_t R = 4, C = 5;
  std::vector<double> x = {5, 1, 4, 2, 3,  1, 2, 3, 4, NAN,  7, 7, 7, 7, 7,  10, -10, 0, 20, -20};
  std::vector<double> out(3 * R);
  Plan p;
  p.buffers = {ref(x), ref(out)};
  Stage st;
  st.kind = StageKind::Select;
  st.shape = {R, C};
  st.chunks = {{1, 3}, {5}};
  st.leaves = {scanLeaf(0, {C, 1})};
  st.imms = {0, static_cast<double>(R), 0.0, 0.25, 1.0};  // quantiles 0, 0.25, 1
  st.sink.buffer = 1;
  st.sink.strides = {1, 0};
  st.sink.reduceAxes = {0, 1};
  p.stages.push_back(st);
  CHECK(run(p).status == ExecResult::Status::Ok);
  CHECK_EQ(out[0], 1);
  CHECK_EQ(out[R + 0], 2);
  CHECK_EQ(out[2 * R + 0], 5);
  CHECK(std::isnan(out[1]) && std::isnan(out[R + 1]) && std::isnan(out[2 * R + 1]));
  CHECK_EQ(out[R + 2], 7);
  CHECK_EQ(out[R + 3], -10);
  p.stages[0].imms = {1, 0};  // median
  CHECK(run(p).status == ExecResult::Status::Ok);
  CHECK_EQ(out[0], 3);
  CHECK(std::isnan(out[1]));
  CHECK_EQ(out[3], 0);
}

TEST(scan_select_validation) {
  std::vector<double> x(12), out(12), totals(12);
  Plan p = scanPlan(x, out, totals, 3, 4, {{1, 2}, {4}}, 0, 0);
  CHECK(valid(p));
  Plan bad = p;
  bad.stages[0].imms = {7, 0};
  CHECK(throwsWith(bad, "a scan stage has imms"));
  bad = p;
  bad.stages[0].sink.reduceAxes = {1, 1};
  CHECK(throwsWith(bad, "more than one 1"));
  bad = p;
  bad.stages[0].leaves[1].strides = {100, 1};
  CHECK(throwsWith(bad, "leaves[1]"));
  bad = p;
  bad.stages[0].leaves.pop_back();
  CHECK(throwsWith(bad, "exactly 2 memory leaves"));
  Plan sel = p;
  sel.stages.resize(1);
  sel.stages[0].kind = StageKind::Select;
  sel.stages[0].leaves.pop_back();
  sel.stages[0].sink.strides = {0, 1};
  sel.stages[0].imms = {1, 0};
  CHECK(throwsWith(sel, "the selected axis must be one chunk"));
  sel.stages[0].chunks = {{3}, {4}};
  CHECK(valid(sel));
  sel.stages[0].imms = {0, 4, 1.5};
  CHECK(throwsWith(sel, "q must be in [0, 1]"));
  sel.stages[0].imms = {0, 400, 0.5, 0.7};
  CHECK(throwsWith(sel, "holds"));
  bad = p;
  bad.stages[0].kind = static_cast<StageKind>(77);
  CHECK(throwsWith(bad, ".kind"));
}
