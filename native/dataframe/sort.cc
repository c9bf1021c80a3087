// The parallel stable radix sort and gather of sort.h.
#include "dataframe/sort.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tessera::df {

namespace {

constexpr uint64_t kSign = uint64_t(1) << 63;

// The order-preserving bits of row `row` of part `part` of key `k` (sort.h).
inline uint64_t keyBits(const SortColumn& k, size_t part, size_t row, bool naFirst) {
  if (k.i64) {
    const uint64_t b = static_cast<uint64_t>(static_cast<const int64_t*>(k.parts[part])[row]) ^ kSign;
    return k.ascending ? b : ~b;
  }
  double x = static_cast<const double*>(k.parts[part])[row];
  if (std::isnan(x)) return naFirst ? 0 : ~uint64_t(0);
  if (x == 0) x = 0.0;  // -0 ties with 0
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  b = (b & kSign) ? ~b : (b | kSign);
  return k.ascending ? b : ~b;
}

// how many rows ahead the gathers prefetch (the reads are random: more of them in flight)
constexpr size_t kAhead = 16;

template <typename T>
void gatherRows(const GatherColumn& c, void* dst, const uint32_t* order, size_t b, size_t e, int bits, uint32_t mask) {
  const T* const* s = reinterpret_cast<const T* const*>(c.parts.data());
  T* d = static_cast<T*>(dst);
  size_t i = b;
  for (; i + kAhead < e; ++i) {
    const uint32_t o = order[i + kAhead];
    __builtin_prefetch(s[uint64_t(o) >> bits] + (o & mask));
    d[i] = s[uint64_t(order[i]) >> bits][order[i] & mask];
  }
  for (; i < e; ++i) d[i] = s[uint64_t(order[i]) >> bits][order[i] & mask];
}

void gatherCodes(const GatherColumn& c, void* dst, const uint32_t* order, size_t b, size_t e, int bits, uint32_t mask) {
  const int32_t* const* s = reinterpret_cast<const int32_t* const*>(c.parts.data());
  int32_t* d = static_cast<int32_t*>(dst);
  for (size_t i = b; i < e; ++i) {
    const auto p = static_cast<size_t>(uint64_t(order[i]) >> bits);  // bits may be 32 (one part)
    const int32_t code = s[p][order[i] & mask];
    d[i] = code < 0 ? -1 : code + c.shift[p];
  }
}

}  // namespace

int SortPlan::localBits(size_t parts) {
  int bits = 0;
  while (bits < 32 && (size_t(1) << bits) < parts) ++bits;
  return 32 - bits;
}

SortPlan::SortPlan(std::vector<SortColumn> keys, std::vector<size_t> partRows, bool naFirst, std::vector<GatherColumn> gather, size_t chunks)
    : keys_(std::move(keys)), partRows_(std::move(partRows)), naFirst_(naFirst), cols_(std::move(gather)) {
  localBits_ = localBits(partRows_.size());
  localMask_ = localBits_ >= 32 ? ~uint32_t(0) : (uint32_t(1) << localBits_) - 1;
  for (size_t r : partRows_) {
    partStart_.push_back(n_);
    n_ += r;
  }
  partStart_.push_back(n_);
  const size_t n = n_;
  // chunks of at least 64 Ki rows: below that a second thread costs more than it saves
  chunks_ = std::max<size_t>(1, std::min<size_t>(chunks, n / 65536));
  for (int b = 0; b < 2; ++b) {
    k_[b].reset(new uint64_t[std::max<size_t>(n, 1)]);
    idx_[b].reset(new uint32_t[std::max<size_t>(n, 1)]);
  }
  hist_.assign(chunks_ * kPasses * kDigits, 0);
  total_.assign(static_cast<size_t>(kPasses) * kDigits, 0);
  skip_.assign(kPasses, 1);
  out_.resize(cols_.size());
  for (size_t c = 0; c < cols_.size(); ++c) {
    const size_t bytes = n * static_cast<size_t>(cols_[c].width);
    out_[c].words.reset(new uint64_t[std::max<size_t>(1, (bytes + 7) / 8)]);
    out_[c].bytes = bytes;
  }
}

int64_t SortPlan::expectedTasks() const {
  const auto T = static_cast<int64_t>(chunks_);
  return static_cast<int64_t>(keys_.size()) * (T + 2 * kPasses * T) + static_cast<int64_t>(cols_.size()) * T + (ranks_.bytes ? 1 : 0);
}

void SortPlan::load(size_t key, size_t t) {
  const SortColumn& k = keys_[key];
  const size_t b = chunkBegin(t), e = chunkBegin(t + 1);
  uint64_t* out = k_[cur_].get();
  uint32_t* rows = idx_[cur_].get();
  uint32_t* hist = &h(t, 0, 0);
  std::fill(hist, hist + kPasses * kDigits, 0u);
  auto count = [&](size_t i, uint64_t v) {
    out[i] = v;
    for (int p = 0; p < kPasses; ++p) ++hist[p * kDigits + ((v >> (p * kBits)) & (kDigits - 1))];
  };
  if (!first_) {
    for (size_t i = b; i < e; ++i) count(i, keyBits(k, static_cast<size_t>(uint64_t(rows[i]) >> localBits_), rows[i] & localMask_, naFirst_));
    return;
  }
  // the rows in order, part by part from the part holding row b
  size_t part = static_cast<size_t>(std::upper_bound(partStart_.begin(), partStart_.end(), b) - partStart_.begin()) - 1;
  for (size_t i = b; i < e; ++part) {
    const size_t end = std::min(e, partStart_[part + 1]);
    const size_t base = partStart_[part];
    for (; i < end; ++i) {
      rows[i] = static_cast<uint32_t>((part << localBits_) | (i - base));
      count(i, keyBits(k, part, i - base, naFirst_));
    }
  }
}

void SortPlan::finishLoad() {
  std::fill(total_.begin(), total_.end(), 0);
  for (size_t t = 0; t < chunks_; ++t)
    for (size_t j = 0; j < total_.size(); ++j) total_[j] += hist_[t * kPasses * kDigits + j];
  // a pass is needed unless one digit holds every row
  for (int p = 0; p < kPasses; ++p) {
    const uint64_t* tot = &total_[static_cast<size_t>(p) * kDigits];
    skip_[static_cast<size_t>(p)] = std::any_of(tot, tot + kDigits, [&](uint64_t c) { return c == n_; }) ? 1 : 0;
  }
  fresh_ = true;
}

void SortPlan::count(size_t pass, size_t t) {
  const size_t b = chunkBegin(t), e = chunkBegin(t + 1);
  const uint64_t* ks = k_[cur_].get();
  uint32_t* hist = &h(t, pass, 0);
  std::fill(hist, hist + kDigits, 0u);
  const int shift = static_cast<int>(pass) * kBits;
  for (size_t i = b; i < e; ++i) ++hist[(ks[i] >> shift) & (kDigits - 1)];
}

void SortPlan::finishCount(size_t pass) {
  if (skip_[pass]) return;
  // the slot of (digit, chunk) starts after every smaller digit and, within the digit, after the
  // earlier chunks: rows keep their order among equal digits (stable)
  uint32_t at = 0;
  for (size_t d = 0; d < static_cast<size_t>(kDigits); ++d)
    for (size_t t = 0; t < chunks_; ++t) {
      uint32_t& c = h(t, pass, d);
      const uint32_t here = c;
      c = at;
      at += here;
    }
}

void SortPlan::scatter(size_t pass, size_t t) {
  const size_t b = chunkBegin(t), e = chunkBegin(t + 1);
  const uint64_t* ks = k_[cur_].get();
  const uint32_t* is = idx_[cur_].get();
  uint64_t* kd = k_[cur_ ^ 1].get();
  uint32_t* id = idx_[cur_ ^ 1].get();
  uint32_t pos[kDigits];
  std::memcpy(pos, &h(t, pass, 0), sizeof pos);
  const int shift = static_cast<int>(pass) * kBits;
  for (size_t i = b; i < e; ++i) {
    const uint64_t v = ks[i];
    const uint32_t j = pos[(v >> shift) & (kDigits - 1)]++;
    kd[j] = v;
    id[j] = is[i];
  }
}

void SortPlan::gather(size_t task) {
  const size_t c = task / chunks_, t = task % chunks_;
  const size_t b = chunkBegin(t), e = chunkBegin(t + 1);
  const uint32_t* order = idx_[cur_].get();
  void* dst = out_[c].words.get();
  const GatherColumn& col = cols_[c];
  if (!col.shift.empty()) return gatherCodes(col, dst, order, b, e, localBits_, localMask_);
  switch (col.width) {
    case 1: gatherRows<uint8_t>(col, dst, order, b, e, localBits_, localMask_); break;
    case 4: gatherRows<uint32_t>(col, dst, order, b, e, localBits_, localMask_); break;
    default: gatherRows<uint64_t>(col, dst, order, b, e, localBits_, localMask_); break;
  }
}

void SortPlan::rank() {
  // the sorted transformed keys: equal bits, equal key (the transform already ties NaNs and ±0)
  ranks_.words.reset(new uint64_t[(ranks_.bytes + 7) / 8]);
  auto* out = reinterpret_cast<uint32_t*>(ranks_.words.get());
  const uint64_t* ks = k_[cur_].get();
  const uint32_t* order = idx_[cur_].get();
  uint32_t g = 0;
  for (size_t i = 0; i < n_; ++i) {
    if (i > 0 && ks[i] != ks[i - 1]) ++g;
    const uint32_t o = order[i];
    out[partStart_[static_cast<size_t>(uint64_t(o) >> localBits_)] + (o & localMask_)] = g;
  }
  out[n_] = n_ ? g + 1 : 0;
}

void SortPlan::addStages(FnJob& job, const std::shared_ptr<SortPlan>& self) {
  const auto T = static_cast<int64_t>(chunks_);
  for (size_t kk = keys_.size(); kk-- > 0;) {
    job.stages.push_back({[T] { return T; }, [self, kk](int64_t t) { self->load(kk, static_cast<size_t>(t)); }, [self] {
                            self->first_ = false;
                            self->finishLoad();
                          }});
    for (size_t p = 0; p < static_cast<size_t>(kPasses); ++p) {
      // the first pass after load() reuses its counts; later ones count the new arrangement
      job.stages.push_back({[self, p, T] { return self->skip_[p] || self->fresh_ ? int64_t(0) : T; },
                            [self, p](int64_t t) { self->count(p, static_cast<size_t>(t)); },
                            [self, p] { self->finishCount(p); }});
      job.stages.push_back({[self, p, T] { return self->skip_[p] ? int64_t(0) : T; },
                            [self, p](int64_t t) { self->scatter(p, static_cast<size_t>(t)); },
                            [self, p] {
                              if (self->skip_[p]) return;
                              self->cur_ ^= 1;
                              self->fresh_ = false;
                            }});
    }
  }
  // the ranks (one task: a serial pass over the sorted keys), then the gather of every column
  // (the keys are no longer needed)
  if (ranks_.bytes) job.stages.push_back({[] { return int64_t(1); }, [self](int64_t) { self->rank(); }, [] {}});
  job.stages.push_back({[] { return int64_t(0); }, [](int64_t) {}, [self] { for (auto& b : self->k_) b.reset(); }});
  const auto C = static_cast<int64_t>(cols_.size());
  job.stages.push_back({[C, T] { return C * T; }, [self](int64_t t) { self->gather(static_cast<size_t>(t)); }, [self] {
                          for (auto& b : self->idx_) b.reset();
                        }});
}

}  // namespace tessera::df
