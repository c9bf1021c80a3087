// Column statistics with exact quantiles; see stats.h.
#include "dataframe/stats.h"

#include <algorithm>
#include <cmath>

namespace tessera::df {

StatsPlan::StatsPlan(std::vector<StatsColumn> columns, std::vector<double> quantiles)
    : cols_(std::move(columns)), qs_(std::move(quantiles)), st_(cols_.size()), results_(cols_.size()) {
  wantQ_ = !qs_.empty();
  for (size_t c = 0; c < cols_.size(); ++c) {
    const size_t np = cols_[c].parts.size();
    for (size_t p = 0; p < np; ++p) pairs_.push_back({c, p});
    st_[c].partial.resize(np);
    st_[c].ssd.resize(np);
    if (wantQ_) {
      st_[c].hist.resize(np);
      st_[c].cand.resize(np);
    }
  }
}

int64_t StatsPlan::expectedTasks() const { return static_cast<int64_t>(pairs_.size() * (wantQ_ ? 3 : 2)); }

namespace {
inline double at(const StatsColumn& col, size_t p, size_t i) {
  return col.type == ColType::Int64 ? static_cast<double>(static_cast<const int64_t*>(col.parts[p].first)[i])
                                    : static_cast<const double*>(col.parts[p].first)[i];
}
}  // namespace

void StatsPlan::stage0(size_t c, size_t p) {
  const StatsColumn& col = cols_[c];
  const auto& part = col.parts[p];
  st_[c].partial[p] = col.type == ColType::Int64 ? partialI64(static_cast<const int64_t*>(part.first), part.second)
                                                 : partialF64(static_cast<const double*>(part.first), part.second);
}

void StatsPlan::finish0() {
  for (size_t c = 0; c < cols_.size(); ++c) {
    State& s = st_[c];
    StatsResult& r = results_[c];
    double mn = INFINITY, mx = -INFINITY, count = 0, sum = 0;
    for (const Partial& p : s.partial) {
      count += p.count;
      sum += p.sum;
      if (p.count) {
        mn = std::min(mn, p.min);
        mx = std::max(mx, p.max);
      }
    }
    r.count = count;
    r.sum = sum;
    if (count) {
      r.min = mn;
      r.max = mx;
      r.mean = sum / count;
    }
    r.quantiles.assign(qs_.size(), NAN);
    if (wantQ_ && count) {
      const double width = mx - mn;
      if (std::isfinite(width) && width > 0) {
        s.bins = kBins;
        s.lo = mn;
        s.scale = kBins / width;
        if (!std::isfinite(s.scale)) s.bins = 1;
      } else {
        s.bins = 1;  // one value, or infinite values: one bin (selection over everything)
      }
    }
  }
}

void StatsPlan::stage1(size_t c, size_t p) {
  const StatsColumn& col = cols_[c];
  State& s = st_[c];
  const StatsResult& r = results_[c];
  const auto& part = col.parts[p];
  if (!r.count) return;
  s.ssd[p] = col.type == ColType::Int64 ? sumSqDevI64(static_cast<const int64_t*>(part.first), part.second, r.mean)
                                        : sumSqDev(static_cast<const double*>(part.first), part.second, r.mean);
  if (!wantQ_ || s.bins == 1) return;
  std::vector<uint32_t>& h = s.hist[p];
  h.assign(static_cast<size_t>(s.bins), 0);
  const double lo = s.lo, scale = s.scale;
  const int last = s.bins - 1;
  if (col.type == ColType::Int64) {
    const int64_t* v = static_cast<const int64_t*>(part.first);
    for (size_t i = 0; i < part.second; ++i) {
      int b = static_cast<int>((static_cast<double>(v[i]) - lo) * scale);
      h[static_cast<size_t>(b > last ? last : b)]++;
    }
  } else {
    const double* v = static_cast<const double*>(part.first);
    for (size_t i = 0; i < part.second; ++i) {
      const double x = v[i];
      if (std::isnan(x)) continue;
      int b = static_cast<int>((x - lo) * scale);
      h[static_cast<size_t>(b > last ? last : b)]++;
    }
  }
}

void StatsPlan::finish1() {
  for (size_t c = 0; c < cols_.size(); ++c) {
    State& s = st_[c];
    StatsResult& r = results_[c];
    double ss = 0;
    for (double x : s.ssd) ss += x;
    // ±inf values make the mean inf or NaN: the deviations are not finite, so neither is std
    // (pandas: NaN), though sumSqDev skipped them as if missing. Finite values whose sum
    // overflows (1e308, 1e308) give an inf mean and an inf std, as pandas.
    const bool finiteValues = std::isfinite(r.min) && std::isfinite(r.max);
    r.std = r.count <= 1 ? NAN : std::isfinite(r.mean) ? std::sqrt(ss / (r.count - 1)) : finiteValues ? INFINITY : NAN;
    if (!wantQ_ || !r.count) continue;
    const int64_t n = static_cast<int64_t>(r.count);
    for (double q : qs_) {
      if (q < 0) q = 0.5;  // the median (see stats.h)
      const int64_t k = static_cast<int64_t>(std::floor(static_cast<double>(n - 1) * q));
      s.ranks.push_back(k);
      if (k + 1 < n) s.ranks.push_back(k + 1);
    }
    std::sort(s.ranks.begin(), s.ranks.end());
    s.ranks.erase(std::unique(s.ranks.begin(), s.ranks.end()), s.ranks.end());
    // merged counts -> the bin of each rank
    std::vector<int64_t> total(static_cast<size_t>(s.bins), 0);
    if (s.bins == 1) {
      total[0] = n;
    } else {
      for (const auto& h : s.hist)
        for (size_t b = 0; b < h.size(); ++b) total[b] += h[b];
    }
    s.hist.clear();
    s.binSlot.assign(static_cast<size_t>(s.bins), -1);
    int64_t cum = 0;
    size_t b = 0;
    for (int64_t k : s.ranks) {
      while (cum + total[b] <= k) cum += total[b++];
      s.rankBin.push_back(static_cast<int>(b));
      s.rankOffset.push_back(k - cum);
      if (s.binSlot[b] < 0) {
        s.binSlot[b] = static_cast<int32_t>(s.neededBins.size());
        s.neededBins.push_back(static_cast<int>(b));
      }
    }
  }
}

void StatsPlan::stage2(size_t c, size_t p) {
  const StatsColumn& col = cols_[c];
  State& s = st_[c];
  if (!results_[c].count) return;
  auto& cand = s.cand[p];
  cand.assign(s.neededBins.size(), {});
  const auto& part = col.parts[p];
  const double lo = s.lo, scale = s.scale;
  const int last = s.bins - 1;
  const int32_t* slot = s.binSlot.data();
  for (size_t i = 0; i < part.second; ++i) {
    const double x = at(col, p, i);
    if (std::isnan(x)) continue;
    int b = 0;
    if (s.bins > 1) {
      b = static_cast<int>((x - lo) * scale);
      b = b > last ? last : b;
    }
    const int32_t k = slot[b];
    if (k >= 0) cand[static_cast<size_t>(k)].push_back(x);
  }
}

void StatsPlan::finish2() {
  for (size_t c = 0; c < cols_.size(); ++c) {
    State& s = st_[c];
    StatsResult& r = results_[c];
    if (!r.count) continue;
    std::vector<std::vector<double>> bins(s.neededBins.size());
    for (auto& perPart : s.cand)
      for (size_t k = 0; k < perPart.size(); ++k) bins[k].insert(bins[k].end(), perPart[k].begin(), perPart[k].end());
    s.cand.clear();
    s.rankValue.resize(s.ranks.size());
    for (size_t j = 0; j < s.ranks.size(); ++j) {
      std::vector<double>& v = bins[static_cast<size_t>(s.binSlot[static_cast<size_t>(s.rankBin[j])])];
      const auto off = static_cast<std::ptrdiff_t>(s.rankOffset[j]);
      std::nth_element(v.begin(), v.begin() + off, v.end());
      s.rankValue[j] = v[static_cast<size_t>(off)];
    }
    const int64_t n = static_cast<int64_t>(r.count);
    auto valueAt = [&](int64_t k) -> double {
      auto it = std::lower_bound(s.ranks.begin(), s.ranks.end(), k);
      return s.rankValue[static_cast<size_t>(it - s.ranks.begin())];
    };
    for (size_t j = 0; j < qs_.size(); ++j) {
      const bool median = qs_[j] < 0;
      const double h = static_cast<double>(n - 1) * (median ? 0.5 : qs_[j]);
      const int64_t lo = static_cast<int64_t>(std::floor(h));
      const double a = valueAt(lo);
      if (median && n % 2) {
        r.quantiles[j] = a;
        continue;
      }
      if (lo + 1 >= n) {
        // NumPy clamps the next index and still interpolates: a + (a − a)·0, NaN for ±inf
        const double d = a - a;
        r.quantiles[j] = median ? a : a + d * 0.0;
        continue;
      }
      if (median) {
        r.quantiles[j] = (a + valueAt(lo + 1)) / 2;  // NumPy's median: the mean of the middle two
        continue;
      }
      const double b = valueAt(lo + 1), t = h - static_cast<double>(lo), diff = b - a;
      r.quantiles[j] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;  // NumPy's _lerp
    }
  }
}

void StatsPlan::addStages(FnJob& job, const std::shared_ptr<StatsPlan>& self) {
  const int64_t np = static_cast<int64_t>(pairs_.size());
  auto task = [self](void (StatsPlan::*fn)(size_t, size_t)) {
    return [self, fn](int64_t t) {
      auto [c, p] = self->pairs_[static_cast<size_t>(t)];
      ((*self).*fn)(c, p);
    };
  };
  job.stages.push_back({[np] { return np; }, task(&StatsPlan::stage0), [self] { self->finish0(); }});
  job.stages.push_back({[np] { return np; }, task(&StatsPlan::stage1), [self] { self->finish1(); }});
  if (wantQ_) job.stages.push_back({[np] { return np; }, task(&StatsPlan::stage2), [self] { self->finish2(); }});
}

std::vector<uint32_t> argsortRows(const std::vector<SortKey>& keys, size_t n, bool naFirst) {
  std::vector<uint32_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
  auto cmp = [&](uint32_t a, uint32_t b) {
    for (const SortKey& k : keys) {
      if (k.i64) {
        const int64_t x = k.i64[a], y = k.i64[b];
        if (x != y) return k.ascending ? x < y : x > y;
        continue;
      }
      const double x = k.f64[a], y = k.f64[b];
      const bool xn = std::isnan(x), yn = std::isnan(y);
      if (xn || yn) {
        if (xn && yn) continue;
        return naFirst ? xn : yn;  // missing values last (or first), whatever the direction
      }
      if (x != y) return k.ascending ? x < y : x > y;
    }
    return false;
  };
  std::stable_sort(idx.begin(), idx.end(), cmp);
  return idx;
}

CorrPlan::CorrPlan(std::vector<StatsColumn> columns, bool cov, int64_t minPeriods, int64_t ddof, bool finiteOnly, size_t tasks)
    : cols_(std::move(columns)), cov_(cov), finite_(finiteOnly), minPeriods_(minPeriods), ddof_(ddof) {
  const size_t K = cols_.size();
  out_.assign(K * K, NAN);
  for (size_t a = 0; a < K; ++a)
    for (size_t b = 0; b <= a; ++b) pairs_.push_back({a, b});
  const size_t T = std::max<size_t>(1, std::min(tasks, pairs_.size()));
  groups_.resize(T);
  for (size_t q = 0; q < pairs_.size(); ++q) groups_[q % T].push_back(q);
}

void CorrPlan::addStages(FnJob& job, const std::shared_ptr<CorrPlan>& self) {
  const auto T = static_cast<int64_t>(groups_.size());
  job.stages.push_back({[T] { return T; }, [self](int64_t t) { self->run(static_cast<size_t>(t)); }, nullptr});
}

void CorrPlan::run(size_t task) {
  const std::vector<size_t>& g = groups_[task];
  size_t q = 0;
  for (; q + 4 <= g.size(); q += 4) sweep<4>(&g[q]);
  switch (g.size() - q) {
    case 3: sweep<3>(&g[q]); break;
    case 2: sweep<2>(&g[q]); break;
    case 1: sweep<1>(&g[q]); break;
    default: break;
  }
}

namespace {
// Rows [i0, i0 + m) of part p of a column as float64: the values themselves, or converted into `buf`.
const double* corrBlock(const StatsColumn& col, size_t p, size_t i0, size_t m, double* buf) {
  const void* d = col.parts[p].first;
  switch (col.type) {
    case ColType::Int64:
      for (size_t i = 0; i < m; ++i) buf[i] = static_cast<double>(static_cast<const int64_t*>(d)[i0 + i]);
      return buf;
    case ColType::Bool:
      for (size_t i = 0; i < m; ++i) buf[i] = static_cast<const uint8_t*>(d)[i0 + i];
      return buf;
    default: return static_cast<const double*>(d) + i0;
  }
}
}  // namespace

template <int W>
void CorrPlan::sweep(const size_t* pairs) {
  constexpr size_t kBlock = 1024;
  double nobs[W] = {}, meanx[W] = {}, meany[W] = {}, ssqdmx[W] = {}, ssqdmy[W] = {}, covxy[W] = {};
  double buf[2 * W][kBlock];
  const size_t parts = cols_.empty() ? 0 : cols_[0].parts.size();
  const bool finite = finite_;
  for (size_t p = 0; p < parts; ++p) {
    const size_t rows = cols_[0].parts[p].second;
    for (size_t i0 = 0; i0 < rows; i0 += kBlock) {
      const size_t m = std::min(kBlock, rows - i0);
      const double* xs[W];
      const double* ys[W];
      for (int w = 0; w < W; ++w) {
        const auto [a, b] = pairs_[pairs[w]];
        xs[w] = corrBlock(cols_[a], p, i0, m, buf[2 * w]);
        ys[w] = a == b ? xs[w] : corrBlock(cols_[b], p, i0, m, buf[2 * w + 1]);
      }
      for (size_t i = 0; i < m; ++i) {
        for (int w = 0; w < W; ++w) {
          const double vx = xs[w][i], vy = ys[w][i];
          // DataFrame.corr leaves out ±inf as missing (np.isfinite); Series.corr only NaN
          if (finite ? !(vx - vx == 0) || !(vy - vy == 0) : std::isnan(vx) || std::isnan(vy)) continue;
          nobs[w] += 1;
          const double dx = vx - meanx[w], dy = vy - meany[w];
          meanx[w] += (1 / nobs[w]) * dx;
          meany[w] += (1 / nobs[w]) * dy;
          ssqdmx[w] += (vx - meanx[w]) * dx;
          ssqdmy[w] += (vy - meany[w]) * dy;
          covxy[w] += (vx - meanx[w]) * dy;
        }
      }
    }
  }
  const size_t K = cols_.size();
  for (int w = 0; w < W; ++w) {
    double r = NAN;
    if (nobs[w] >= static_cast<double>(minPeriods_)) {
      const double divisor = cov_ ? nobs[w] - static_cast<double>(ddof_) : std::sqrt(ssqdmx[w] * ssqdmy[w]);
      if (divisor != 0) r = covxy[w] / divisor;
      // np.cov with n - ddof <= 0 divides by 0 (pandas' cov then): ±inf, NaN where the sum is 0
      if (cov_ && divisor <= 0) r = covxy[w] * static_cast<double>(INFINITY);
    }
    const auto [a, b] = pairs_[pairs[w]];
    out_[a * K + b] = r;
    out_[b * K + a] = r;
  }
}

}  // namespace tessera::df
