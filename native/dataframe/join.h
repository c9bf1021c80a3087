// Joining rows as pool stages (no napi.h): the (left row, right row) pairs of a merge on one
// 64-bit key, in pandas 1.5's order (sort=False), and a parallel gather of columns by row index.
//
// JoinPlan: a hash join. The right key is built into an open-addressing table (one serial task,
// ids in order of first appearance, the rows of each id listed by a stable counting sort); the
// left rows probe it in parallel chunks (hashes of a block computed first and their slots
// prefetched, so a chunk has many cache misses in flight), each chunk counting the pairs it will
// write; the chunks then write their pairs at their offsets. When the right keys are sorted
// (ascending, no NaN: a time index, a sorted frame) there is no table: the ids are the runs of
// equal keys, and a left chunk finds its rows' ids by walking the distinct keys (a binary search
// where the left keys step back or far ahead), which streams through memory where a hash probes
// at random. Int32 ids (small non-negative numbers by construction) index an array instead. Keys are 64-bit patterns: float64
// values with every NaN one key (missing matches missing, as pandas) and -0 as 0; int64 values;
// int32 ids (a merge on several columns or on strings encodes its keys as ids first).
//
// Order (pandas): left: the left rows in order, each with its right matches in right order (one
// row with no right row when none); right: the same with the sides swapped; inner: the groups of
// equal keys in order of their first left row, each its left rows × its right rows; outer: as
// inner with the unmatched left groups in place, then the right-only groups in order of their
// first right row (with one side empty: the other's rows in order, as a left or right merge). When each key's left rows come together (the common case: unique or sorted
// left keys) that order is the left rows' order, written in parallel; otherwise a serial pass
// groups the left rows.
//
// Partitioned (opt-in: both sides at least partitionFrom rows, keys hashed: no dense ids, right
// keys not searched): the
// in-process form of a shuffle join. Both sides' keys are radix-partitioned by their hash into P
// buckets (P a power of two, a bucket's table about 256 KB, in L2), each side in parallel chunks
// (a histogram per chunk and bucket, then a scatter that keeps each bucket's rows in row order);
// then each bucket builds its table from its right rows and probes it with its left rows, the
// buckets in parallel. A bucket's ids are local (in order of first appearance in the bucket);
// the global ids are the ranks of each id's first right row, so they are the single table's ids
// (order of first appearance) and everything after (counting, order, writing) is unchanged: the
// same pairs, whatever the thread count. The left rows' ids are read back in row order by the
// left chunks (each chunk's entries of a bucket are consecutive: streams, not scattered writes).
//
// TakePlan: columns gathered by one index array (-1 = no row: NaN, 0, -1 or a conversion).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataframe/sort.h"
#include "engine/job.h"

namespace tessera::df {

enum class JoinHow { Inner, Left, Right, Outer };
enum class KeyKind { F64, I64, I32 };

// One side's key in parts (a frame's partitions, not concatenated): rows[p] elements at parts[p].
struct JoinKeys {
  std::vector<const void*> parts;
  std::vector<size_t> rows;
  KeyKind kind = KeyKind::F64;
};

class JoinPlan {
 public:
  // chunks: how many pieces the left rows are cut in (the pool's thread count is a good choice).
  JoinPlan(JoinKeys left, JoinKeys right, JoinHow how, size_t chunks);
  // Appends the stages to `job` (the plan must outlive the job: hold it in a shared_ptr).
  void addStages(FnJob& job, const std::shared_ptr<JoinPlan>& self);
  int64_t expectedTasks() const { return static_cast<int64_t>(2 * chunks_ + 2); }
  // Sorted right keys are searched (not hashed) from this many rows (below, a table fits in
  // cache and probes faster than a search); tests lower it. Call before addStages.
  void searchSortedFrom(size_t rows) { searchFrom_ = rows; }
  // The partitioned join is used when both sides have at least `rows` rows (0: the default,
  // kPartitionFrom: never, since it measured no faster than the single table on 2 cores — see
  // docs/dataframe.md); `buckets` (a power of two, 0: from the right side's rows) is for tests.
  // Call before addStages.
  void partitionFrom(size_t rows, size_t buckets = 0) {
    partFrom_ = rows ? rows : kPartitionFrom;
    partBuckets_ = buckets;
  }
  static constexpr size_t kPartitionFrom = ~size_t(0);
  // After the job: the join went through the partitioned route (tests).
  bool partitioned() const { return part_; }

  // After the job: the number of pairs, and the left and right row of each (row numbers over
  // the side's parts in order; -1 = no row). A side's rows have bytes == 0 when they are every
  // row of that side once, in order (a left merge where no key has two right rows: `identity`).
  size_t size() const { return size_; }
  RawBuffer& leftRows() { return swapped_ ? b_ : a_; }
  RawBuffer& rightRows() { return swapped_ ? a_ : b_; }
  bool leftIdentity() const { return !swapped_ && identity_; }
  bool rightIdentity() const { return swapped_ && identity_; }
  // Some pair has no left row / no right row.
  bool leftMissing() const { return swapped_ ? bMissing_ : aMissing_; }
  bool rightMissing() const { return swapped_ ? aMissing_ : bMissing_; }

 private:
  struct Slot {
    uint64_t key;
    int32_t id;  // -1: empty
    int32_t unused;
  };
  uint64_t keyOf(const JoinKeys& k, size_t part, size_t row) const;
  void build();
  bool buildSorted();
  bool buildDense();
  void groupRows(const int32_t* rid);
  template <typename K, typename Read>
  void probeSorted(const std::vector<K>& keys, Read read, size_t begin, size_t end, size_t& pairs, size_t& inner, bool& miss);
  void probe(size_t chunk);
  void partCount(size_t task);
  void partOffsets();
  void partScatter(size_t task);
  void partJoin(size_t bucket);
  void partRanks();
  void partMap(size_t bucket);
  void partGroup();
  void plan();
  void fill(size_t chunk);
  void general();
  size_t chunkBegin(size_t t) const { return nl_ * t / chunks_; }

  // after swapping for a right merge: side a is the one whose rows lead (left), b the other
  JoinKeys a_keys_, b_keys_;
  JoinHow how_;
  bool swapped_ = false;
  size_t chunks_;
  size_t nl_ = 0, nr_ = 0;
  std::vector<size_t> lstart_;  // the first row of each part of side a
  size_t mask_ = 0;
  std::unique_ptr<Slot[]> slots_;
  size_t searchFrom_ = size_t(1) << 16;
  bool sorted_ = false;                // side b's keys are sorted: ids by search, no table
  bool dense_ = false;                 // int32 keys 0 … direct_.size() - 1: ids by indexing
  std::vector<int32_t> direct_;        // key → id (-1: side b lacks it)
  std::vector<double> fkeys_;         // its distinct keys (F64), ascending
  std::vector<int64_t> ikeys_;        // its distinct keys (I64, I32), ascending
  size_t nid_ = 0;                    // distinct keys of side b
  std::vector<int32_t> rstart_;       // rows of id g: rrows_[rstart_[g] … rstart_[g + 1])
  std::vector<int32_t> rrows_;
  // partitioned route
  size_t partFrom_ = kPartitionFrom, partBuckets_ = 0;
  bool part_ = false;
  unsigned partBits_ = 0;               // P = 2^partBits_ buckets, by the hash's top bits
  std::vector<size_t> bstart_;          // the first row of each part of side b
  std::vector<size_t> hist_;            // [side * chunks + chunk][bucket]: rows, then offsets
  std::vector<size_t> bucketA_, bucketB_;  // P + 1 offsets of each bucket in the scattered rows
  std::vector<size_t> astart_;          // [chunk][bucket]: where side a's chunk starts in a bucket
  std::unique_ptr<uint64_t[]> ak_, bk_;  // scattered keys (then the entry's local / global id)
  std::unique_ptr<int32_t[]> br_;        // side b's scattered row numbers
  std::vector<std::vector<int32_t>> firsts_;  // per bucket: the first right row of each local id
  std::unique_ptr<int32_t[]> rid_;       // per right row: its id (first: the ranks of first rows)
  std::unique_ptr<int32_t[]> lid_;    // id of each row of side a (-1: no match)
  std::vector<size_t> pairs_, inner_; // per chunk: pairs of a left / inner merge
  std::vector<uint8_t> miss_;         // per chunk: a row without a match
  std::vector<size_t> off_;           // per chunk: where its pairs start
  enum class Mode { Identity, Left, Inner, Done } mode_ = Mode::Done;
  RawBuffer a_, b_;
  size_t size_ = 0;
  bool identity_ = false, aMissing_ = false, bMissing_ = false;
};

// How TakePlan fills a column's element for an index: copy (-1: `fill` bits, for 8-byte
// float64/int64 and 4-byte codes and 1-byte bools), int64 → float64 (-1: NaN), bool → int32
// code (0/1; -1: -1).
enum class TakeOp { Copy, I64ToF64, BoolToCode };

struct TakeColumn {
  const void* data = nullptr;
  size_t rows = 0;
  int width = 8;  // 1, 4 or 8 (the source's element size)
  TakeOp op = TakeOp::Copy;
  uint64_t fill = 0;
};

class TakePlan {
 public:
  // idx: n row numbers into every column (-1 = no row; others below the column's rows).
  TakePlan(std::vector<TakeColumn> cols, const int32_t* idx, size_t n, size_t chunks);
  void addStages(FnJob& job, const std::shared_ptr<TakePlan>& self);
  int64_t expectedTasks() const { return static_cast<int64_t>(cols_.size() * chunks_); }
  // After the job: one buffer per column (8-byte elements for I64ToF64, 4 for BoolToCode).
  std::vector<RawBuffer>& taken() { return out_; }
  static int outWidth(const TakeColumn& c) { return c.op == TakeOp::I64ToF64 ? 8 : c.op == TakeOp::BoolToCode ? 4 : c.width; }

 private:
  void take(size_t task);
  std::vector<TakeColumn> cols_;
  const int32_t* idx_;
  size_t n_, chunks_;
  std::vector<RawBuffer> out_;
};

}  // namespace tessera::df
