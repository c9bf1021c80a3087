// The native row compaction of filter.h.
#include "dataframe/filter.h"

namespace tessera::df {

namespace {

template <typename T>
size_t compactRows(const T* src, const uint8_t* mask, size_t n, T* dst) {
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    dst[k] = src[i];
    k += mask[i] != 0;  // branch-free: the write is overwritten when the row is not kept
  }
  return k;
}

}  // namespace

FilterPlan::FilterPlan(std::vector<const uint8_t*> masks, std::vector<size_t> partRows, std::vector<KeepColumn> keep)
    : masks_(std::move(masks)), rows_(std::move(partRows)), keep_(std::move(keep)) {
  counts_.assign(rows_.size(), 0);
  out_.resize(keep_.size());
  for (auto& o : out_) o.resize(rows_.size());
}

int64_t FilterPlan::expectedTasks() const { return static_cast<int64_t>(rows_.size() * (1 + keep_.size())); }

void FilterPlan::addStages(FnJob& job, const std::shared_ptr<FilterPlan>& self) {
  const auto P = static_cast<int64_t>(rows_.size());
  const auto K = static_cast<int64_t>(keep_.size());
  job.stages.push_back({[P] { return P; }, [self](int64_t p) { self->count(static_cast<size_t>(p)); }, nullptr});
  job.stages.push_back({[P, K] { return P * K; }, [self](int64_t t) { self->compact(static_cast<size_t>(t)); }, nullptr});
}

void FilterPlan::count(size_t part) {
  const uint8_t* m = masks_[part];
  size_t kept = 0;
  for (size_t i = 0, n = rows_[part]; i < n; ++i) kept += m[i] != 0;
  counts_[part] = kept;
}

void FilterPlan::compact(size_t task) {
  const size_t P = rows_.size();
  const size_t c = task / P, part = task % P;
  CompactBuffer& o = out_[c][part];
  const size_t n = rows_[part], kept = counts_[part];
  if (kept == n) {
    o.all = true;
    return;
  }
  const KeepColumn& k = keep_[c];
  const size_t width = static_cast<size_t>(k.width);
  // one spare element: the branch-free compaction writes one past the last kept row
  o.bytes = kept * width;
  o.words.reset(new uint64_t[(kept + 1) * width / 8 + 1]);
  const uint8_t* mask = masks_[part];
  switch (k.width) {
    case 1: compactRows(static_cast<const uint8_t*>(k.parts[part]), mask, n, reinterpret_cast<uint8_t*>(o.words.get())); break;
    case 4: compactRows(static_cast<const uint32_t*>(k.parts[part]), mask, n, reinterpret_cast<uint32_t*>(o.words.get())); break;
    default: compactRows(static_cast<const uint64_t*>(k.parts[part]), mask, n, o.words.get()); break;
  }
}

}  // namespace tessera::df
