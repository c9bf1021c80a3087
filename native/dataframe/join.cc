// The merge's hash join and gather (see join.h).
#include "dataframe/join.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <utility>

namespace tessera::df {
namespace {

constexpr uint64_t kMissingKey = 0x7ff8000000000001ull;  // every NaN (no other double maps to it)
constexpr size_t kBlock = 32;                            // rows hashed and prefetched at once
constexpr size_t kBucketRows = 8192;                     // right rows per bucket (a 256 KB table)

inline uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

RawBuffer int32s(size_t n) {
  RawBuffer b;
  b.bytes = n * sizeof(int32_t);
  b.words.reset(new uint64_t[(b.bytes + 7) / 8 + 1]);
  return b;
}

int32_t* data32(RawBuffer& b) { return reinterpret_cast<int32_t*>(b.words.get()); }

}  // namespace

JoinPlan::JoinPlan(JoinKeys left, JoinKeys right, JoinHow how, size_t chunks) : how_(how), chunks_(std::max<size_t>(1, chunks)) {
  size_t leftRows = 0, rightRows = 0;
  for (size_t r : left.rows) leftRows += r;
  for (size_t r : right.rows) rightRows += r;
  // pandas 1.5: an outer merge with one side empty keeps the other's rows in order (a left or
  // right merge), not grouped by key
  if (how == JoinHow::Outer && leftRows == 0) how = JoinHow::Right;
  else if (how == JoinHow::Outer && rightRows == 0) how = JoinHow::Left;
  how_ = how;
  if (how == JoinHow::Right) {
    // a right merge is a left merge with the sides swapped (and its pairs swapped back)
    std::swap(left, right);
    how_ = JoinHow::Left;
    swapped_ = true;
  }
  a_keys_ = std::move(left);
  b_keys_ = std::move(right);
  lstart_.push_back(0);
  for (size_t r : a_keys_.rows) lstart_.push_back(nl_ += r);
  bstart_.push_back(0);
  for (size_t r : b_keys_.rows) bstart_.push_back(nr_ += r);
}

uint64_t JoinPlan::keyOf(const JoinKeys& k, size_t part, size_t row) const {
  switch (k.kind) {
    case KeyKind::F64: {
      const double v = static_cast<const double*>(k.parts[part])[row];
      if (v != v) return kMissingKey;
      if (v == 0) return 0;
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      return bits;
    }
    case KeyKind::I64: return static_cast<uint64_t>(static_cast<const int64_t*>(k.parts[part])[row]);
    default: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<const int32_t*>(k.parts[part])[row]));
  }
}

bool JoinPlan::buildSorted() {
  // side b's keys ascending without NaN: the runs of equal keys are the ids (in order of first
  // appearance too), its rows in order
  const bool f64 = b_keys_.kind == KeyKind::F64;
  bool first = true;
  double fprev = 0;
  int64_t iprev = 0;
  std::vector<int32_t> starts;
  size_t row = 0;
  for (size_t p = 0; p < b_keys_.parts.size(); ++p)
    for (size_t r = 0; r < b_keys_.rows[p]; ++r, ++row) {
      if (f64) {
        const double v = static_cast<const double*>(b_keys_.parts[p])[r];
        if (v != v || (!first && v < fprev)) return false;
        if (first || v != fprev) fkeys_.push_back(v), starts.push_back(static_cast<int32_t>(row));
        fprev = v;
      } else {
        const auto v = static_cast<int64_t>(keyOf(b_keys_, p, r));
        if (!first && v < iprev) return false;
        if (first || v != iprev) ikeys_.push_back(v), starts.push_back(static_cast<int32_t>(row));
        iprev = v;
      }
      first = false;
    }
  sorted_ = true;
  nid_ = starts.size();
  rstart_ = std::move(starts);
  rstart_.push_back(static_cast<int32_t>(nr_));
  rrows_.resize(nr_);
  for (size_t r = 0; r < nr_; ++r) rrows_[r] = static_cast<int32_t>(r);
  return true;
}

bool JoinPlan::buildDense() {
  // int32 ids (a merge's keys encoded first: below the number of distinct keys of both sides)
  if (b_keys_.kind != KeyKind::I32) return false;
  int32_t top = -1;
  for (size_t p = 0; p < b_keys_.parts.size(); ++p) {
    const auto* k = static_cast<const int32_t*>(b_keys_.parts[p]);
    for (size_t r = 0; r < b_keys_.rows[p]; ++r) {
      if (k[r] < 0) return false;
      top = std::max(top, k[r]);
    }
  }
  if (static_cast<size_t>(top) + 1 > 2 * (nl_ + nr_) + 1024) return false;
  dense_ = true;
  direct_.assign(static_cast<size_t>(top + 1), -1);
  std::vector<int32_t> rid(nr_);
  size_t at = 0;
  for (size_t p = 0; p < b_keys_.parts.size(); ++p) {
    const auto* k = static_cast<const int32_t*>(b_keys_.parts[p]);
    for (size_t r = 0; r < b_keys_.rows[p]; ++r) {
      int32_t& g = direct_[static_cast<size_t>(k[r])];
      if (g < 0) g = static_cast<int32_t>(nid_++);
      rid[at++] = g;
    }
  }
  groupRows(rid.data());
  return true;
}

void JoinPlan::groupRows(const int32_t* rid) {
  if (nid_ == nr_) {
    // every row its own key: ids are assigned in row order, so row r has id r
    rstart_.resize(nr_ + 1);
    rrows_.resize(nr_);
    for (size_t r = 0; r <= nr_; ++r) rstart_[r] = static_cast<int32_t>(r);
    for (size_t r = 0; r < nr_; ++r) rrows_[r] = static_cast<int32_t>(r);
    return;
  }
  // the rows of each id, in row order (a counting sort)
  rstart_.assign(nid_ + 1, 0);
  for (size_t r = 0; r < nr_; ++r) ++rstart_[static_cast<size_t>(rid[r]) + 1];
  for (size_t g = 0; g < nid_; ++g) rstart_[g + 1] += rstart_[g];
  rrows_.resize(nr_);
  std::vector<int32_t> next(rstart_.begin(), rstart_.end() - 1);
  for (size_t r = 0; r < nr_; ++r) rrows_[static_cast<size_t>(next[static_cast<size_t>(rid[r])]++)] = static_cast<int32_t>(r);
}

namespace {
// Calls f(row, part, row in part) for rows [begin, end) of a side whose parts start at `start`.
template <typename F>
void forRows(const std::vector<size_t>& start, size_t begin, size_t end, F f) {
  if (begin >= end) return;
  size_t p = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), begin) - start.begin()) - 1;
  for (size_t i = begin; i < end;) {
    while (i >= start[p + 1]) ++p;
    const size_t base = start[p];
    for (const size_t e = std::min(end, start[p + 1]); i < e; ++i) f(i, p, i - base);
  }
}
}  // namespace

void JoinPlan::partCount(size_t task) {
  // side 0: b (built), 1: a (probed); a chunk's rows per bucket
  const size_t side = task / chunks_, t = task % chunks_;
  const JoinKeys& k = side ? a_keys_ : b_keys_;
  const std::vector<size_t>& start = side ? lstart_ : bstart_;
  const size_t n = side ? nl_ : nr_;
  const size_t P = size_t(1) << partBits_;
  size_t* h = hist_.data() + task * P;
  const unsigned shift = 64 - partBits_;
  forRows(start, n * t / chunks_, n * (t + 1) / chunks_, [&](size_t, size_t p, size_t r) { ++h[mix(keyOf(k, p, r)) >> shift]; });
}

void JoinPlan::partOffsets() {
  // each bucket's rows: chunk after chunk, so in row order
  const size_t P = size_t(1) << partBits_;
  for (size_t side = 0; side < 2; ++side) {
    std::vector<size_t>& bucket = side ? bucketA_ : bucketB_;
    bucket.assign(P + 1, 0);
    size_t pos = 0;
    for (size_t b = 0; b < P; ++b) {
      bucket[b] = pos;
      for (size_t t = 0; t < chunks_; ++t) {
        size_t& h = hist_[(side * chunks_ + t) * P + b];
        const size_t c = h;
        h = pos;
        pos += c;
      }
    }
    bucket[P] = pos;
  }
  // where each chunk of side a starts in each bucket: its rows' ids are read back from there
  astart_.assign(hist_.begin() + static_cast<std::ptrdiff_t>(chunks_ * P), hist_.end());
  ak_.reset(new uint64_t[nl_ + 1]);
  bk_.reset(new uint64_t[nr_ + 1]);
  br_.reset(new int32_t[nr_ + 1]);
}

void JoinPlan::partScatter(size_t task) {
  const size_t side = task / chunks_, t = task % chunks_;
  const JoinKeys& k = side ? a_keys_ : b_keys_;
  const std::vector<size_t>& start = side ? lstart_ : bstart_;
  const size_t n = side ? nl_ : nr_;
  const size_t P = size_t(1) << partBits_;
  size_t* h = hist_.data() + task * P;
  const unsigned shift = 64 - partBits_;
  if (side) {
    // side a: keys only (its rows' ids are read back in row order, by the same buckets)
    uint64_t* keys = ak_.get();
    forRows(start, n * t / chunks_, n * (t + 1) / chunks_, [&](size_t, size_t p, size_t r) {
      const uint64_t key = keyOf(k, p, r);
      keys[h[mix(key) >> shift]++] = key;
    });
    return;
  }
  uint64_t* keys = bk_.get();
  int32_t* rows = br_.get();
  forRows(start, n * t / chunks_, n * (t + 1) / chunks_, [&](size_t i, size_t p, size_t r) {
    const uint64_t key = keyOf(k, p, r);
    const size_t at = h[mix(key) >> shift]++;
    keys[at] = key;
    rows[at] = static_cast<int32_t>(i);
  });
}

void JoinPlan::partJoin(size_t bucket) {
  // the bucket's table from its right rows (local ids in row order), probed by its left rows;
  // each entry's key is replaced by its local id (-1: none), each id's first right row marked
  const size_t b0 = bucketB_[bucket], b1 = bucketB_[bucket + 1];
  size_t cap = 16;
  while (cap < 2 * (b1 - b0)) cap *= 2;
  const size_t mask = cap - 1;
  std::vector<Slot> table(cap, Slot{0, -1, 0});
  std::vector<int32_t>& firsts = firsts_[bucket];
  for (size_t e = b0; e < b1; ++e) {
    const uint64_t key = bk_[e];
    size_t s = mix(key) & mask;
    for (;; s = (s + 1) & mask) {
      Slot& slot = table[s];
      if (slot.id < 0) {
        slot.key = key;
        slot.id = static_cast<int32_t>(firsts.size());
        firsts.push_back(br_[e]);
        rid_[static_cast<size_t>(br_[e])] = 0;
        break;
      }
      if (slot.key == key) break;
    }
    bk_[e] = static_cast<uint64_t>(table[s].id);
  }
  for (size_t e = bucketA_[bucket], end = bucketA_[bucket + 1]; e < end; ++e) {
    const uint64_t key = ak_[e];
    int64_t id = -1;
    for (size_t s = mix(key) & mask;; s = (s + 1) & mask) {
      const Slot& slot = table[s];
      if (slot.id < 0) break;
      if (slot.key == key) {
        id = slot.id;
        break;
      }
    }
    ak_[e] = static_cast<uint64_t>(id);
  }
}

void JoinPlan::partRanks() {
  // global ids: the ranks of the first rows (order of first appearance, as one table's ids)
  for (size_t r = 0; r < nr_; ++r)
    if (rid_[r] >= 0) rid_[r] = static_cast<int32_t>(nid_++);
}

void JoinPlan::partMap(size_t bucket) {
  const std::vector<int32_t>& firsts = firsts_[bucket];
  std::vector<int32_t> gid(firsts.size());
  for (size_t g = 0; g < firsts.size(); ++g) gid[g] = rid_[static_cast<size_t>(firsts[g])];
  for (size_t e = bucketB_[bucket], end = bucketB_[bucket + 1]; e < end; ++e) rid_[static_cast<size_t>(br_[e])] = gid[static_cast<size_t>(bk_[e])];
  // side a's entries: their global ids in place (read back in row order by probe)
  for (size_t e = bucketA_[bucket], end = bucketA_[bucket + 1]; e < end; ++e) {
    const auto id = static_cast<int64_t>(ak_[e]);
    ak_[e] = static_cast<uint64_t>(static_cast<int64_t>(id < 0 ? -1 : gid[static_cast<size_t>(id)]));
  }
}

void JoinPlan::partGroup() {
  bk_.reset();
  br_.reset();
  std::vector<std::vector<int32_t>>().swap(firsts_);
  std::vector<size_t>().swap(hist_);
  groupRows(rid_.get());
  rid_.reset();
}

void JoinPlan::build() {
  lid_.reset(new int32_t[nl_ + 1]);
  pairs_.assign(chunks_, 0);
  inner_.assign(chunks_, 0);
  miss_.assign(chunks_, 0);
  if (buildDense()) return;
  // a sorted side b is searched when its table would not fit in cache
  if (nr_ >= searchFrom_ && buildSorted()) return;
  fkeys_.clear();
  ikeys_.clear();
  if (nl_ >= partFrom_ && nr_ >= partFrom_) {
    // both sides large: partitioned by hash (the next stages), a table per bucket
    part_ = true;
    size_t P = partBuckets_;
    if (!P) {
      P = 8;
      while (P < 4096 && P * kBucketRows < nr_) P *= 2;
    }
    while ((size_t(1) << partBits_) < P) ++partBits_;
    partBits_ = std::max(partBits_, 1u);
    P = size_t(1) << partBits_;
    hist_.assign(2 * chunks_ * P, 0);
    firsts_.resize(P);
    rid_.reset(new int32_t[nr_ + 1]);
    std::fill(rid_.get(), rid_.get() + nr_, -1);
    return;
  }
  size_t cap = 16;
  while (cap < 2 * nr_) cap *= 2;
  mask_ = cap - 1;
  slots_.reset(new Slot[cap]);
  std::memset(static_cast<void*>(slots_.get()), 0xff, cap * sizeof(Slot));
  std::vector<int32_t> rid(nr_);
  size_t at = 0;
  uint64_t keys[kBlock];
  size_t hs[kBlock];
  for (size_t p = 0; p < b_keys_.parts.size(); ++p) {
    const size_t rows = b_keys_.rows[p];
    for (size_t r0 = 0; r0 < rows; r0 += kBlock) {
      const size_t m = std::min(kBlock, rows - r0);
      for (size_t j = 0; j < m; ++j) {
        keys[j] = keyOf(b_keys_, p, r0 + j);
        hs[j] = mix(keys[j]) & mask_;
        __builtin_prefetch(&slots_[hs[j]]);
      }
      for (size_t j = 0; j < m; ++j) {
        size_t s = hs[j];
        for (;; s = (s + 1) & mask_) {
          Slot& slot = slots_[s];
          if (slot.id < 0) {
            slot.key = keys[j];
            slot.id = static_cast<int32_t>(nid_++);
            break;
          }
          if (slot.key == keys[j]) break;
        }
        rid[at++] = slots_[s].id;
      }
    }
  }
  groupRows(rid.data());
}

template <typename K, typename Read>
void JoinPlan::probeSorted(const std::vector<K>& keys, Read read, size_t begin, size_t end, size_t& pairs, size_t& inner, bool& miss) {
  // j: the first distinct key not below the previous row's key; sorted left keys walk it forward
  const size_t n = keys.size();
  constexpr size_t kNear = 8;
  size_t j = 0;
  bool started = false;
  for (size_t i = begin; i < end; ++i) {
    const K x = read(i);
    if (x != x) {  // NaN (side b has none)
      lid_[i] = -1;
      miss = true;
      ++pairs;
      continue;
    }
    if (!started || (j > 0 && !(keys[j - 1] < x)) || (j + kNear < n && keys[j + kNear] < x)) {
      j = static_cast<size_t>(std::lower_bound(keys.begin(), keys.end(), x) - keys.begin());
      started = true;
    } else {
      while (j < n && keys[j] < x) ++j;
    }
    if (j < n && keys[j] == x) {
      lid_[i] = static_cast<int32_t>(j);
      const auto c = static_cast<size_t>(rstart_[j + 1] - rstart_[j]);
      pairs += c;
      inner += c;
    } else {
      lid_[i] = -1;
      miss = true;
      ++pairs;
    }
  }
}

void JoinPlan::probe(size_t chunk) {
  const size_t begin = chunkBegin(chunk), end = chunkBegin(chunk + 1);
  if (begin >= end) return;
  size_t p = static_cast<size_t>(std::upper_bound(lstart_.begin(), lstart_.end(), begin) - lstart_.begin()) - 1;
  size_t pairs = 0, inner = 0;
  bool miss = false;
  // a left row's right rows (one pair, unmatched, when it has none) and the chunk's totals
  auto tally = [&](int32_t id) {
    if (id < 0) {
      miss = true;
      ++pairs;
    } else {
      const auto c = static_cast<size_t>(rstart_[static_cast<size_t>(id) + 1] - rstart_[static_cast<size_t>(id)]);
      pairs += c;
      inner += c;
    }
  };
  auto finish = [&] {
    pairs_[chunk] = pairs;
    inner_[chunk] = inner;
    miss_[chunk] = miss;
  };
  if (part_) {
    // the ids found bucket by bucket, read back in row order: each bucket's entries of this
    // chunk are consecutive (the scatter's order), so the reads stream; then the chunk's pairs
    const size_t P = size_t(1) << partBits_;
    size_t* cur = astart_.data() + chunk * P;
    const unsigned shift = 64 - partBits_;
    const uint64_t* ids = ak_.get();
    int32_t* lid = lid_.get();
    forRows(lstart_, begin, end, [&](size_t i, size_t q, size_t r) { lid[i] = static_cast<int32_t>(static_cast<int64_t>(ids[cur[mix(keyOf(a_keys_, q, r)) >> shift]++])); });
    for (size_t i = begin; i < end; ++i) {
      const int32_t id = lid_[i];
      tally(id);
    }
    return finish();
  }
  if (dense_) {
    const int32_t* direct = direct_.data();
    const auto top = static_cast<int32_t>(direct_.size());
    for (size_t i = begin; i < end;) {
      while (i >= lstart_[p + 1]) ++p;
      const auto* k = static_cast<const int32_t*>(a_keys_.parts[p]);
      const size_t base = lstart_[p];
      for (const size_t e = std::min(end, lstart_[p + 1]); i < e; ++i) {
        const int32_t x = k[i - base];
        const int32_t id = x >= 0 && x < top ? direct[x] : -1;
        lid_[i] = id;
        tally(id);
      }
    }
    return finish();
  }
  if (sorted_) {
    // row i of side a, walking its parts (the rows come in order)
    auto at = [this, p](size_t i) mutable {
      while (i >= lstart_[p + 1]) ++p;
      return std::make_pair(p, i - lstart_[p]);
    };
    if (a_keys_.kind == KeyKind::F64)
      probeSorted(fkeys_, [&](size_t i) { const auto q = at(i); return static_cast<const double*>(a_keys_.parts[q.first])[q.second]; }, begin, end, pairs, inner, miss);
    else
      probeSorted(ikeys_, [&](size_t i) { const auto q = at(i); return static_cast<int64_t>(keyOf(a_keys_, q.first, q.second)); }, begin, end, pairs, inner, miss);
    return finish();
  }
  uint64_t keys[kBlock];
  size_t hs[kBlock];
  for (size_t i = begin; i < end;) {
    while (i >= lstart_[p + 1]) ++p;
    const size_t m = std::min({kBlock, end - i, lstart_[p + 1] - i});
    const size_t r0 = i - lstart_[p];
    for (size_t j = 0; j < m; ++j) {
      keys[j] = keyOf(a_keys_, p, r0 + j);
      hs[j] = mix(keys[j]) & mask_;
      __builtin_prefetch(&slots_[hs[j]]);
    }
    for (size_t j = 0; j < m; ++j) {
      int32_t id = -1;
      for (size_t s = hs[j];; s = (s + 1) & mask_) {
        const Slot& slot = slots_[s];
        if (slot.id < 0) break;
        if (slot.key == keys[j]) {
          id = slot.id;
          break;
        }
      }
      lid_[i + j] = id;
      tally(id);
    }
    i += m;
  }
  finish();
}

void JoinPlan::plan() {
  ak_.reset();
  std::vector<size_t>().swap(astart_);
  const bool anyMiss = std::any_of(miss_.begin(), miss_.end(), [](uint8_t m) { return m != 0; });
  off_.assign(chunks_ + 1, 0);
  if (how_ == JoinHow::Left) {
    bMissing_ = anyMiss;
    if (nid_ == nr_) {
      // no key has two right rows: every left row once, in order, with its right row or none
      mode_ = Mode::Identity;
      identity_ = true;
      size_ = nl_;
      b_ = int32s(nl_);
      return;
    }
    mode_ = Mode::Left;
    for (size_t t = 0; t < chunks_; ++t) off_[t + 1] = off_[t] + pairs_[t];
  } else {
    if (how_ == JoinHow::Outer && anyMiss) return general();
    // the groups come in left row order when each key's left rows are together
    std::vector<uint8_t> seen(nid_, 0);
    int32_t prev = -1;
    for (size_t i = 0; i < nl_; ++i) {
      const int32_t g = lid_[i];
      if (g < 0 || g == prev) continue;
      if (seen[static_cast<size_t>(g)]) return general();
      seen[static_cast<size_t>(g)] = 1;
      prev = g;
    }
    mode_ = Mode::Inner;
    for (size_t t = 0; t < chunks_; ++t) off_[t + 1] = off_[t] + inner_[t];
    size_ = off_[chunks_];
    if (how_ == JoinHow::Outer) {
      // then the right-only keys, in order of their first right row (ids are in that order)
      size_t tail = 0;
      for (size_t g = 0; g < nid_; ++g)
        if (!seen[g]) tail += static_cast<size_t>(rstart_[g + 1] - rstart_[g]);
      a_ = int32s(size_ + tail);
      b_ = int32s(size_ + tail);
      int32_t* li = data32(a_);
      int32_t* ri = data32(b_);
      size_t at = size_;
      for (size_t g = 0; g < nid_; ++g)
        if (!seen[g])
          for (int32_t j = rstart_[g]; j < rstart_[g + 1]; ++j) li[at] = -1, ri[at++] = rrows_[static_cast<size_t>(j)];
      aMissing_ = tail > 0;
      size_ += tail;
      return;
    }
  }
  size_ = off_[chunks_];
  a_ = int32s(size_);
  b_ = int32s(size_);
}

void JoinPlan::fill(size_t chunk) {
  const size_t begin = chunkBegin(chunk), end = chunkBegin(chunk + 1);
  const int32_t* rs = rstart_.data();
  const int32_t* rr = rrows_.data();
  if (mode_ == Mode::Identity) {
    int32_t* ri = data32(b_);
    for (size_t i = begin; i < end; ++i) {
      const int32_t g = lid_[i];
      ri[i] = g < 0 ? -1 : rr[rs[g]];
    }
    return;
  }
  int32_t* li = data32(a_);
  int32_t* ri = data32(b_);
  size_t at = off_[chunk];
  const bool keepMissing = mode_ == Mode::Left;
  for (size_t i = begin; i < end; ++i) {
    const int32_t g = lid_[i];
    if (g < 0) {
      if (keepMissing) li[at] = static_cast<int32_t>(i), ri[at++] = -1;
      continue;
    }
    for (int32_t j = rs[g]; j < rs[g + 1]; ++j) li[at] = static_cast<int32_t>(i), ri[at++] = rr[j];
  }
}

void JoinPlan::general() {
  // serial: ids for the left-only keys too (outer), the left rows grouped by id, and the groups
  // in order of their first left row
  mode_ = Mode::Done;
  const bool outer = how_ == JoinHow::Outer;
  size_t G = nid_;
  if (outer) {
    std::unordered_map<uint64_t, int32_t> extra;
    for (size_t p = 0; p < a_keys_.parts.size(); ++p)
      for (size_t r = 0; r < a_keys_.rows[p]; ++r) {
        int32_t& g = lid_[lstart_[p] + r];
        if (g >= 0) continue;
        auto ins = extra.emplace(keyOf(a_keys_, p, r), static_cast<int32_t>(G));
        if (ins.second) ++G;
        g = ins.first->second;
      }
  }
  std::vector<int32_t> ls(G + 1, 0);
  for (size_t i = 0; i < nl_; ++i)
    if (lid_[i] >= 0) ++ls[static_cast<size_t>(lid_[i]) + 1];
  for (size_t g = 0; g < G; ++g) ls[g + 1] += ls[g];
  std::vector<int32_t> lrows(static_cast<size_t>(ls[G]));
  {
    std::vector<int32_t> next(ls.begin(), ls.end() - 1);
    for (size_t i = 0; i < nl_; ++i)
      if (lid_[i] >= 0) lrows[static_cast<size_t>(next[static_cast<size_t>(lid_[i])]++)] = static_cast<int32_t>(i);
  }
  auto rcount = [&](size_t g) { return g < nid_ ? static_cast<size_t>(rstart_[g + 1] - rstart_[g]) : size_t(0); };
  size_t total = 0;
  for (size_t g = 0; g < G; ++g) {
    const auto a = static_cast<size_t>(ls[g + 1] - ls[g]);
    const size_t b = rcount(g);
    total += outer ? (a && b ? a * b : a + b) : a * b;
  }
  size_ = total;
  a_ = int32s(total);
  b_ = int32s(total);
  int32_t* li = data32(a_);
  int32_t* ri = data32(b_);
  size_t at = 0;
  std::vector<uint8_t> done(G, 0);
  for (size_t i = 0; i < nl_; ++i) {
    const int32_t gi = lid_[i];
    if (gi < 0) continue;
    const auto g = static_cast<size_t>(gi);
    if (done[g]) continue;
    done[g] = 1;
    if (rcount(g)) {
      for (int32_t x = ls[g]; x < ls[g + 1]; ++x)
        for (int32_t y = rstart_[g]; y < rstart_[g + 1]; ++y) li[at] = lrows[static_cast<size_t>(x)], ri[at++] = rrows_[static_cast<size_t>(y)];
    } else if (outer) {
      for (int32_t x = ls[g]; x < ls[g + 1]; ++x) li[at] = lrows[static_cast<size_t>(x)], ri[at++] = -1;
      bMissing_ = true;
    }
  }
  if (outer)
    for (size_t g = 0; g < nid_; ++g)
      if (!done[g]) {
        for (int32_t y = rstart_[g]; y < rstart_[g + 1]; ++y) li[at] = -1, ri[at++] = rrows_[static_cast<size_t>(y)];
        aMissing_ = true;
      }
}

void JoinPlan::addStages(FnJob& job, const std::shared_ptr<JoinPlan>& self) {
  const auto T = static_cast<int64_t>(chunks_);
  job.stages.push_back({[] { return int64_t(1); }, [self](int64_t) { self->build(); }, {}});
  // the partitioned route (none of these tasks otherwise)
  auto P = [self] { return self->part_ ? static_cast<int64_t>(size_t(1) << self->partBits_) : int64_t(0); };
  job.stages.push_back({[self, T] { return self->part_ ? 2 * T : int64_t(0); }, [self](int64_t t) { self->partCount(static_cast<size_t>(t)); }, [self] {
                          if (self->part_) self->partOffsets();
                        }});
  job.stages.push_back({[self, T] { return self->part_ ? 2 * T : int64_t(0); }, [self](int64_t t) { self->partScatter(static_cast<size_t>(t)); }, {}});
  job.stages.push_back({P, [self](int64_t b) { self->partJoin(static_cast<size_t>(b)); }, [self] {
                          if (self->part_) self->partRanks();
                        }});
  job.stages.push_back({P, [self](int64_t b) { self->partMap(static_cast<size_t>(b)); }, [self] {
                          if (self->part_) self->partGroup();
                        }});
  job.stages.push_back({[T] { return T; }, [self](int64_t t) { self->probe(static_cast<size_t>(t)); }, {}});
  job.stages.push_back({[] { return int64_t(1); }, [self](int64_t) { self->plan(); }, {}});
  job.stages.push_back({[self, T] { return self->mode_ == Mode::Done ? int64_t(0) : T; }, [self](int64_t t) { self->fill(static_cast<size_t>(t)); }, [self] {
                          self->slots_.reset();
                          self->lid_.reset();
                          std::vector<int32_t>().swap(self->rrows_);
                          std::vector<int32_t>().swap(self->rstart_);
                        }});
}

TakePlan::TakePlan(std::vector<TakeColumn> cols, const int32_t* idx, size_t n, size_t chunks)
    : cols_(std::move(cols)), idx_(idx), n_(n), chunks_(std::max<size_t>(1, chunks)) {
  for (const TakeColumn& c : cols_) {
    RawBuffer b;
    b.bytes = n_ * static_cast<size_t>(outWidth(c));
    b.words.reset(new uint64_t[(b.bytes + 7) / 8 + 1]);
    out_.push_back(std::move(b));
  }
}

namespace {
template <typename T>
void copyTake(const void* src, void* dst, const int32_t* idx, size_t b, size_t e, uint64_t fillBits) {
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  const T fill = static_cast<T>(fillBits);
  for (size_t i = b; i < e; ++i) d[i] = idx[i] < 0 ? fill : s[idx[i]];
}
}  // namespace

void TakePlan::take(size_t task) {
  const TakeColumn& c = cols_[task / chunks_];
  const size_t t = task % chunks_;
  const size_t b = n_ * t / chunks_, e = n_ * (t + 1) / chunks_;
  void* dst = out_[task / chunks_].words.get();
  switch (c.op) {
    case TakeOp::I64ToF64: {
      const auto* s = static_cast<const int64_t*>(c.data);
      auto* d = static_cast<double*>(dst);
      for (size_t i = b; i < e; ++i) d[i] = idx_[i] < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(s[idx_[i]]);
      return;
    }
    case TakeOp::BoolToCode: {
      const auto* s = static_cast<const uint8_t*>(c.data);
      auto* d = static_cast<int32_t*>(dst);
      for (size_t i = b; i < e; ++i) d[i] = idx_[i] < 0 ? -1 : s[idx_[i]] ? 1 : 0;
      return;
    }
    default:
      if (c.width == 8) copyTake<uint64_t>(c.data, dst, idx_, b, e, c.fill);
      else if (c.width == 4) copyTake<uint32_t>(c.data, dst, idx_, b, e, c.fill);
      else copyTake<uint8_t>(c.data, dst, idx_, b, e, c.fill);
  }
}

void TakePlan::addStages(FnJob& job, const std::shared_ptr<TakePlan>& self) {
  const auto N = static_cast<int64_t>(cols_.size() * chunks_);
  job.stages.push_back({[N] { return N; }, [self](int64_t t) { self->take(static_cast<size_t>(t)); }, {}});
}

}  // namespace tessera::df
