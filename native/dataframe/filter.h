// Row compaction as pool stages (no napi.h): per partition a bool mask (one byte 0/1 a row, made
// by the array engine: the one op table), the kept rows counted, then the kept columns compacted
// to the rows where the mask is 1, each (partition, column) its own task. DataFrame.filter,
// dropna, dropDuplicates and repartition's index cuts compact through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/job.h"

namespace tessera::df {

// A column to compact: its parts (elements of `width` bytes: 1, 4 or 8).
struct KeepColumn {
  std::vector<const void*> parts;
  int width = 8;
};

struct CompactBuffer {
  std::unique_ptr<uint64_t[]> words;
  size_t bytes = 0;
  bool all = false;  // every row kept: no buffer (the part as it is)
};

class FilterPlan {
 public:
  // masks[p]: part p's mask (partRows[p] bytes, 0 or 1); keep: the columns to compact.
  FilterPlan(std::vector<const uint8_t*> masks, std::vector<size_t> partRows, std::vector<KeepColumn> keep);
  void addStages(FnJob& job, const std::shared_ptr<FilterPlan>& self);
  int64_t expectedTasks() const;
  // after the job: the kept rows per part, and out()[c][p] the compacted part p of keep column c
  const std::vector<size_t>& counts() const { return counts_; }
  std::vector<std::vector<CompactBuffer>>& out() { return out_; }

 private:
  void count(size_t part);
  void compact(size_t task);

  std::vector<const uint8_t*> masks_;
  std::vector<size_t> rows_;
  std::vector<KeepColumn> keep_;
  std::vector<size_t> counts_;
  std::vector<std::vector<CompactBuffer>> out_;
};

}  // namespace tessera::df
