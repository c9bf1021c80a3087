// Hash group-by aggregation as pool stages (no napi.h): per partition, rows are mapped to local
// groups (string keys through their dictionary, ints/bools/floats by value; a missing key drops
// the row, as pandas' dropna=True) and accumulated; then the partition tables merge per hash
// bucket: every group of every partition goes to one of C buckets by a hash of its key, and each
// bucket is one task folding the partitions' groups in partition order into a table small enough
// to stay in cache (C grows with the number of partial groups: ~8K keys a bucket). A key's
// partials always combine in partition order, so results depend neither on the thread count nor
// on C; the groups come out sorted by key, as pandas' sort=True.
//
// Sums are double-double (TwoSum; x² exactly through fma), so sum, mean, var and std are the
// correctly rounded values of the exact sums for practical data, whatever the partitioning;
// int64 columns sum, min and max in int64 (TYPED-REGISTERS: the values come as int64 already).
// Median and quantiles are exact: each group keeps its non-missing values (as doubles), the
// merge tree concatenates them, and the epilogue selects the ranks with nth_element.
//
// split_out (Dask's): with splitOut = S > 1 each partition's table is split into S buckets by a
// hash of the serialized key tuple (the same bytes on every partition, so a key lands in the same
// bucket whatever the partitioning or thread count): the C merge buckets are S × m (output bucket,
// then m sub-buckets by other bits of the hash), and each output bucket's epilogue is its own
// task; bucket b's groups come out sorted by key, with the same values as without splitOut.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dataframe/dataframe.h"
#include "engine/job.h"

namespace tessera::df {

enum class Agg : int32_t { Count = 0, Size = 1, Sum = 2, Mean = 3, Min = 4, Max = 5, Std = 6, Var = 7, First = 8, Last = 9, Nunique = 10,
                           FirstRow = 11 /* the row number of the group's first row (order of appearance) */,
                           Median = 12 /* exact: (a + b) / 2 of the middle values, as pandas' median_linear */,
                           Quantile = 13 /* exact: v[k] + (v[k+1] - v[k]) * frac, as pandas' group_quantile (linear) */ };

// A column split in partitions: data per partition; strings also their dictionaries.
struct GbColumn {
  ColType type = ColType::Float64;  // Int64, Float64, Datetime, Bool, String (keys and count/nunique/first/last)
  std::vector<const void*> data;
  std::vector<const char*> dictBytes;
  std::vector<const int32_t*> dictOffsets;
  std::vector<int64_t> ndict;
};

struct GbAgg {
  int32_t value = 0;  // index into values (unused for Size)
  Agg agg = Agg::Count;
  double ddof = 1;
  double q = 0.5;  // Quantile only
};

// The order of the groups out of the epilogue: by key (pandas' sort=True), or by size then
// first row (value_counts: most frequent first, ties in order of first appearance), by first row, or
// none (the merge's order, which depends on the bucket count: for counting groups only).
enum class GbOrder : int32_t { Key = 0, SizeDescending = 1, SizeAscending = 2, FirstRow = 3, Any = 4 /* unsorted (counting groups) */ };

// One output column: numbers (f64 / i64 / b8) or strings (bytes + offsets).
struct GbOut {
  ColType type = ColType::Float64;
  std::vector<double> f64;
  std::vector<int64_t> i64;
  std::vector<uint8_t> b8;
  std::string bytes;
  std::vector<int32_t> offsets;
};

class GroupbyPlan {
 public:
  GroupbyPlan(std::vector<GbColumn> keys, std::vector<GbColumn> values, std::vector<int64_t> rows, std::vector<GbAgg> aggs,
              int32_t splitOut = 1);
  ~GroupbyPlan();
  void addStages(FnJob& job, const std::shared_ptr<GroupbyPlan>& self);
  void setOrder(GbOrder o) { order_ = o; }
  // pandas' dropna=False: a missing key (NaN, a missing string) is a group of its own, sorted last
  void setDropna(bool d) { dropna_ = d; }
  int64_t expectedTasks() const;
  // After the job: the key columns, then one column per aggregation (of bucket b).
  std::vector<GbOut>& outputs(size_t b = 0) { return out_[b]; }
  int64_t groups(size_t b = 0) const { return ngroups_[b]; }
  int32_t buckets() const { return split_; }
  // The bucket of a serialized key tuple among n (splitmix64 of FNV-1a: fixed, platform-independent).
  static int32_t bucketOf(std::string_view key, int32_t n);
  // That hash (bucketOf is keyHash % n).
  static uint64_t keyHash(std::string_view key);

 private:
  struct Acc;
  struct Table;
  std::unique_ptr<Table> emptyTable() const;
  void build(size_t p);
  // after the build: the number of merge buckets from the partial groups
  void planBuckets();
  // partition p's groups ordered by merge bucket
  void splitTable(size_t p);
  // merge bucket c: the partitions' groups of c folded in partition order
  void mergeBucket(size_t c);
  // adds group gb of b to a (fresh: known absent from a, and a's index is not kept)
  void mergeOne(Table& a, Table& b, size_t gb, bool fresh);
  size_t bucketIndex(uint64_t h) const;
  uint32_t codeOf(uint64_t h) const;  // the build's group order: (output bucket, top bits of h)
  void finish(size_t b);

  std::vector<GbColumn> keys_, values_;
  std::vector<int64_t> rows_;
  std::vector<GbAgg> aggs_;
  std::vector<uint8_t> need_;  // per value column: bit flags of the accumulators needed
  std::vector<std::unique_ptr<Table>> tables_;  // per partition, after the build
  std::vector<std::unique_ptr<Table>> merged_;  // per merge bucket
  int32_t split_ = 1;
  GbOrder order_ = GbOrder::Key;
  bool dropna_ = true;
  size_t sub_ = 1;  // merge buckets per output bucket (a power of two)
  size_t subMax_ = 1;  // the most sub_ can be (S × subMax_ ≤ 4096 unless S is larger)
  std::vector<std::vector<GbOut>> out_;  // per bucket
  std::vector<int64_t> ngroups_;
};

}  // namespace tessera::df
