// timeseries generator and exact column statistics (no napi.h). See dataframe.h.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dataframe/dataframe.h"
#include "kernels/kernels.h"

namespace tessera::df {

namespace {
constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline double uniform(uint64_t key, int64_t i) {
  uint64_t b = kernels::mix64(key + (static_cast<uint64_t>(i) + 1) * kGamma);
  return static_cast<double>(b >> 11) * 0x1.0p-53;
}
}  // namespace

uint64_t columnKey(uint64_t seed, const std::string& name) {
  return kernels::mix64(kernels::randomKey(seed) ^ fnv1a(name));
}

std::vector<double> poissonCdf(double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda) || lambda > 1e7) throw std::invalid_argument("lambda out of range");
  const int64_t kmax = static_cast<int64_t>(lambda + 40 * std::sqrt(lambda) + 40);
  std::vector<double> cdf(static_cast<size_t>(kmax) + 1);
  const double ll = std::log(lambda);
  double acc = 0;
  for (int64_t k = 0; k <= kmax; ++k) {
    acc += std::exp(static_cast<double>(k) * ll - lambda - std::lgamma(static_cast<double>(k) + 1));
    cdf[static_cast<size_t>(k)] = acc;
  }
  return cdf;
}

int64_t poissonInvert(const std::vector<double>& cdf, double u) {
  // smallest k with u < cdf[k]
  auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  if (it == cdf.end()) return static_cast<int64_t>(cdf.size()) - 1;
  return static_cast<int64_t>(it - cdf.begin());
}

namespace {
// Inversion with a guide table (Chen & Asau): guide[j] = smallest k with cdf[k] > j / M, so the
// linear search from guide[floor(u * M)] takes O(1) steps. Same result as poissonInvert.
struct Guided {
  std::vector<double> cdf;
  std::vector<int32_t> guide;
  explicit Guided(double lambda) : cdf(poissonCdf(lambda)), guide(cdf.size()) {
    const size_t m = guide.size();
    size_t k = 0;
    for (size_t j = 0; j < m; ++j) {
      const double t = static_cast<double>(j) / static_cast<double>(m);
      while (k + 1 < cdf.size() && cdf[k] <= t) ++k;
      guide[j] = static_cast<int32_t>(k);
    }
  }
  int64_t operator()(double u) const {
    size_t k = static_cast<size_t>(guide[static_cast<size_t>(u * static_cast<double>(guide.size()))]);
    const size_t last = cdf.size() - 1;
    while (k < last && cdf[k] <= u) ++k;
    return static_cast<int64_t>(k);
  }
};
}  // namespace

void generateColumn(uint64_t seed, const TsColumn& col, int64_t row0, int64_t n, double startMs, double freqMs,
                    Column& out) {
  const uint64_t key = columnKey(seed, col.name);
  out.type = col.type;
  const size_t un = static_cast<size_t>(n);
  switch (col.type) {
    case ColType::Float64:
      out.f64.resize(un);
      for (int64_t i = 0; i < n; ++i) out.f64[static_cast<size_t>(i)] = uniform(key, row0 + i) * 2.0 - 1.0;
      break;
    case ColType::Int64: {
      const Guided pois(col.lambda);
      out.i64.resize(un);
      for (int64_t i = 0; i < n; ++i) out.i64[static_cast<size_t>(i)] = pois(uniform(key, row0 + i));
      break;
    }
    case ColType::String: {
      if (col.ncat < 1) throw std::invalid_argument("ncat must be >= 1");
      out.codes.resize(un);
      for (int64_t i = 0; i < n; ++i)
        out.codes[static_cast<size_t>(i)] = static_cast<int32_t>(uniform(key, row0 + i) * col.ncat);
      break;
    }
    case ColType::Datetime:
      out.f64.resize(un);
      for (int64_t i = 0; i < n; ++i) out.f64[static_cast<size_t>(i)] = startMs + static_cast<double>(row0 + i) * freqMs;
      break;
    default:
      throw std::invalid_argument("unknown column type");
  }
}

// ---------------------------------------------------------------------------------------------

Partial partialF64(const double* v, size_t n) {
  Partial p;
  double s[4] = {0, 0, 0, 0};
  double c[4] = {0, 0, 0, 0};
  double mn = INFINITY, mx = -INFINITY;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      double x = v[i + k];
      bool ok = !std::isnan(x);
      s[k] += ok ? x : 0.0;
      c[k] += ok ? 1.0 : 0.0;
      mn = ok && x < mn ? x : mn;
      mx = ok && x > mx ? x : mx;
    }
  }
  for (; i < n; ++i) {
    double x = v[i];
    if (std::isnan(x)) continue;
    s[0] += x;
    c[0] += 1;
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  p.sum = (s[0] + s[1]) + (s[2] + s[3]);
  p.count = (c[0] + c[1]) + (c[2] + c[3]);
  p.min = p.count ? mn : NAN;
  p.max = p.count ? mx : NAN;
  return p;
}

Partial partialI64(const int64_t* v, size_t n) {
  Partial p;
  double s = 0;
  int64_t mn = INT64_MAX, mx = INT64_MIN;
  for (size_t i = 0; i < n; ++i) {
    s += static_cast<double>(v[i]);
    mn = std::min(mn, v[i]);
    mx = std::max(mx, v[i]);
  }
  p.sum = s;
  p.count = static_cast<double>(n);
  p.min = n ? static_cast<double>(mn) : NAN;
  p.max = n ? static_cast<double>(mx) : NAN;
  return p;
}

double sumSqDev(const double* v, size_t n, double mean) {
  double s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      double d = v[i + k] - mean;
      s[k] += std::isnan(d) ? 0.0 : d * d;
    }
  for (; i < n; ++i) {
    double d = v[i] - mean;
    s[0] += std::isnan(d) ? 0.0 : d * d;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

double sumSqDevI64(const int64_t* v, size_t n, double mean) {
  double s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      double d = static_cast<double>(v[i + k]) - mean;
      s[k] += d * d;
    }
  for (; i < n; ++i) {
    double d = static_cast<double>(v[i]) - mean;
    s[0] += d * d;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

std::vector<double> exactQuantiles(double* v, size_t n, const std::vector<double>& qs) {
  std::vector<double> out(qs.size(), NAN);
  if (n == 0) return out;
  // positions needed, ascending
  struct Need {
    size_t k;
    double value;
  };
  std::vector<size_t> ks;
  for (double q : qs) {
    double h = (static_cast<double>(n) - 1) * q;
    size_t lo = static_cast<size_t>(std::floor(h));
    ks.push_back(lo);
    if (lo + 1 < n) ks.push_back(lo + 1);
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  std::vector<Need> got;
  size_t from = 0;
  for (size_t k : ks) {
    if (k > from) std::nth_element(v + from, v + k, v + n);
    else if (k == from && k > 0) {
      // v[from..n) are all >= v[from-1]: the smallest of them is the k-th
      std::iter_swap(v + k, std::min_element(v + k, v + n));
    } else {
      std::nth_element(v, v + k, v + n);
    }
    got.push_back({k, v[k]});
    from = k + 1;
  }
  auto valueAt = [&](size_t k) -> double {
    for (const Need& g : got)
      if (g.k == k) return g.value;
    return NAN;
  };
  for (size_t j = 0; j < qs.size(); ++j) {
    double h = (static_cast<double>(n) - 1) * qs[j];
    size_t lo = static_cast<size_t>(std::floor(h));
    double a = valueAt(lo);
    if (lo + 1 >= n) {
      out[j] = a + (a - a) * 0.0;  // NumPy clamps the next index and interpolates: NaN for ±inf
      continue;
    }
    double b = valueAt(lo + 1);
    double t = h - static_cast<double>(lo);
    // NumPy's _lerp: a + (b - a) * t, computed from the upper end when t >= 0.5
    double diff = b - a;
    out[j] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }
  return out;
}

}  // namespace tessera::df
