// Sorting rows as pool stages (no napi.h): a parallel, stable LSD radix sort of the row numbers
// by one or more 64-bit keys, then a parallel gather of other columns in that order.
//
// Each key becomes an order-preserving uint64 (float64: the sign-flip of its bits, -0 read as +0
// so that it ties with 0 as pandas compares; int64: the sign bit flipped; descending: the bits
// inverted, so ties keep their order whatever the direction); a missing value (NaN) becomes
// all-ones (last) or zero (first), which no number maps to, so missing values tie with each
// other and go last or first in either direction, as pandas' na_position. Keys are sorted from
// the last to the first (LSD over the keys too): each is 6 passes of 11 bits, a pass skipped when
// every row has the same digit (small ints, ranks of strings). A pass is parallel over chunks of
// rows: each chunk counts its digits, the counts are summed by (digit, chunk) in order, and each
// chunk scatters its rows to its own slots, so the sort stays stable without a merge.
//
// The rows come in parts (a frame's partitions, not concatenated first): a row is carried as
// (part << localBits) | row-in-part, which grows with the row's position, and the gather reads
// each column's part directly; string codes get their part's shift into a merged dictionary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataframe/dataframe.h"
#include "engine/job.h"

namespace tessera::df {

// A sort key in parts: float64 (NaN = missing) or int64 values.
struct SortColumn {
  std::vector<const void*> parts;
  bool i64 = false;
  bool ascending = true;
};

// A column to gather in the sorted order, in parts: elements of `width` bytes (1, 4 or 8); with
// `shift` (one per part), int32 codes shifted by their part's entry (-1 stays -1).
struct GatherColumn {
  std::vector<const void*> parts;
  int width = 8;
  std::vector<int32_t> shift;
};

// An uninitialized byte buffer (8-byte aligned), handed over to JS without a copy.
struct RawBuffer {
  std::unique_ptr<uint64_t[]> words;
  size_t bytes = 0;
};

class SortPlan {
 public:
  // partRows: the rows of each part (their sum below 2^32, each below 2^localBits());
  // chunks: how many pieces each pass is cut in (the pool's thread count is a good choice).
  SortPlan(std::vector<SortColumn> keys, std::vector<size_t> partRows, bool naFirst, std::vector<GatherColumn> gather, size_t chunks);
  // The bits left for the row within its part when there are `parts` parts.
  static int localBits(size_t parts);
  // Appends the stages to `job` (the plan must outlive the job: hold it in a shared_ptr).
  void addStages(FnJob& job, const std::shared_ptr<SortPlan>& self);
  int64_t expectedTasks() const;
  // The gathered columns, after the job.
  std::vector<RawBuffer>& gathered() { return out_; }
  // Also compute each row's dense rank among the distinct keys (one key only): rows with equal
  // keys (NaN with NaN, -0 with 0, as the sort ties them) share it. Call before addStages.
  void wantRanks() { ranks_.bytes = (n_ + 1) * sizeof(uint32_t); }
  // After the job: n + 1 uint32s, the rank of each row in part order (the rows of part 0, then
  // part 1, …), then the number of distinct keys.
  RawBuffer& ranks() { return ranks_; }

  static constexpr int kBits = 11;
  static constexpr int kDigits = 1 << kBits;
  static constexpr int kPasses = 6;  // 6 × 11 ≥ 64

 private:
  void load(size_t key, size_t chunk);
  void finishLoad();
  void count(size_t pass, size_t chunk);
  void finishCount(size_t pass);
  void scatter(size_t pass, size_t chunk);
  void gather(size_t task);
  void rank();
  size_t chunkBegin(size_t t) const { return n_ * t / chunks_; }

  std::vector<SortColumn> keys_;
  std::vector<size_t> partRows_, partStart_;
  size_t n_ = 0;
  int localBits_;
  uint32_t localMask_;
  bool naFirst_;
  std::vector<GatherColumn> cols_;
  size_t chunks_;
  // double buffers of the transformed keys and row numbers; cur_ is the one holding the rows
  std::unique_ptr<uint64_t[]> k_[2];
  std::unique_ptr<uint32_t[]> idx_[2];
  int cur_ = 0;
  bool first_ = true;     // no key loaded yet: load() writes the packed row numbers in order
  bool fresh_ = true;     // the arrangement is the one load() counted (its per-chunk counts hold)
  // per chunk, per pass, per digit: counts (load fills all passes; count() refreshes one)
  std::vector<uint32_t> hist_;
  std::vector<uint64_t> total_;  // per pass, per digit: the sums over the chunks
  std::vector<uint8_t> skip_;    // per pass of the current key
  std::vector<RawBuffer> out_;
  RawBuffer ranks_;
  uint32_t& h(size_t chunk, size_t pass, size_t digit) { return hist_[(chunk * kPasses + pass) * kDigits + digit]; }
};

}  // namespace tessera::df
