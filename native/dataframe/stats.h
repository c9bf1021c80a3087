// Column statistics as pool stages (no napi.h): count, sum, mean, std (ddof 1), min, max and
// exact quantiles (linear interpolation, as pandas/NumPy) of int64/float64 columns split in parts.
//
// Exact quantiles without sorting or gathering: stage 1 builds, per (column, part), a histogram
// of kBins equal-width bins over [min, max] (bin(v) = floor((v - min) * scale) is monotone in v,
// so bins preserve order); the bins holding the needed ranks are found from the merged counts;
// stage 2 collects only the values of those bins; the epilogue selects within them (nth_element).
// A negative quantile asks for the median as NumPy computes it ((a + b) / 2 of the middle two
// values, which can differ from the linear interpolation at 0.5 in the last bit).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataframe/dataframe.h"
#include "engine/job.h"

namespace tessera::df {

struct StatsColumn {
  ColType type = ColType::Float64;  // Int64, Float64 or Datetime
  std::vector<std::pair<const void*, size_t>> parts;  // data, element count
};

struct StatsResult {
  double count = 0, sum = 0, mean = NAN, std = NAN, min = NAN, max = NAN;
  std::vector<double> quantiles;
};

class StatsPlan {
 public:
  StatsPlan(std::vector<StatsColumn> columns, std::vector<double> quantiles);
  // Appends the stages to `job` (the plan must outlive the job: hold it in a shared_ptr).
  void addStages(FnJob& job, const std::shared_ptr<StatsPlan>& self);
  int64_t expectedTasks() const;
  const std::vector<StatsResult>& results() const { return results_; }

  static constexpr int kBins = 16384;

 private:
  struct Col;
  void stage0(size_t c, size_t p);
  void finish0();
  void stage1(size_t c, size_t p);
  void finish1();
  void stage2(size_t c, size_t p);
  void finish2();

  std::vector<StatsColumn> cols_;
  std::vector<double> qs_;
  std::vector<std::pair<size_t, size_t>> pairs_;
  struct State {
    std::vector<Partial> partial;
    std::vector<double> ssd;
    std::vector<std::vector<uint32_t>> hist;     // per part
    double lo = 0, scale = 0;                    // bin(v) = min(kBins - 1, floor((v - lo) * scale))
    int bins = 1;
    std::vector<int64_t> ranks;                  // needed ranks, ascending
    std::vector<int> rankBin;                    // bin of each rank
    std::vector<int64_t> rankOffset;             // rank within its bin
    std::vector<int> neededBins;                 // distinct, ascending
    std::vector<int32_t> binSlot;                // bin -> index in neededBins or -1
    std::vector<std::vector<std::vector<double>>> cand;  // per part, per needed bin
    std::vector<double> rankValue;
  };
  std::vector<State> st_;
  std::vector<StatsResult> results_;
  bool wantQ_;
};

// pandas' nancorr (libalgos) over K columns as pool stages: for each pair (a, b ≤ a), Welford's
// updates over the rows where both values are present (finiteOnly: finite, as DataFrame.corr's
// np.isfinite mask; else not NaN, as Series.corr) in row order, parts in order, so the result is
// the same whatever the partitioning and bit for bit the JS loop it replaces. The pairs are split
// among `tasks` tasks; a task runs up to four pairs in one sweep (independent dependency chains).
// Columns: Int64, Float64 or Bool (parts of 8, 8 and 1 bytes per row; every column's part p has
// the same rows).
class CorrPlan {
 public:
  CorrPlan(std::vector<StatsColumn> columns, bool cov, int64_t minPeriods, int64_t ddof, bool finiteOnly, size_t tasks);
  void addStages(FnJob& job, const std::shared_ptr<CorrPlan>& self);
  // the K×K matrix, row-major, after the job
  const std::vector<double>& result() const { return out_; }

 private:
  void run(size_t task);
  template <int W>
  void sweep(const size_t* pairs);

  std::vector<StatsColumn> cols_;
  bool cov_, finite_;
  int64_t minPeriods_, ddof_;
  std::vector<std::pair<size_t, size_t>> pairs_;
  std::vector<std::vector<size_t>> groups_;  // pair numbers per task
  std::vector<double> out_;
};

}  // namespace tessera::df
