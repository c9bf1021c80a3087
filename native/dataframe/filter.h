// Row filters as pool stages (no napi.h): a boolean mask made of comparisons of columns and
// numbers, isna/notna and and/or/xor/not, evaluated per partition, then the kept columns
// compacted to the rows where it holds, each (partition, column) its own task. This is
// DataFrame.filter's mask and compaction in one native job, for the masks it can express (the
// others go through the array engine). Values compare as float64 (int64 converted, bool 0/1),
// as the engine and NumPy compare them: NaN (NaT) is false for every comparison but ne.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/job.h"

namespace tessera::df {

// One part of a column the mask reads: float64, int64, bool (uint8) or dictionary codes (int32, -1 missing).
struct MaskPart {
  enum Type { F64, I64, U8, Codes } type = F64;
  const void* data = nullptr;
};

// One instruction of the postfix mask program.
struct MaskInstr {
  enum Kind { Compare, Truth, IsNa, NotNa, And, Or, Xor, Not } kind = Compare;
  enum Cmp { Eq, Ne, Lt, Le, Gt, Ge } cmp = Eq;
  // Compare: operands a, b (a column number, or a number when the column is -1); Truth, IsNa, NotNa: a's column
  int aCol = -1, bCol = -1;
  double aValue = 0, bValue = 0;
};

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
  // columns[c][p]: part p of the mask's column c; partRows[p]: the rows of part p.
  FilterPlan(std::vector<std::vector<MaskPart>> columns, std::vector<MaskInstr> program, std::vector<size_t> partRows, std::vector<KeepColumn> keep);
  void addStages(FnJob& job, const std::shared_ptr<FilterPlan>& self);
  int64_t expectedTasks() const;
  // after the job: the kept rows per part, and out()[c][p] the compacted part p of keep column c
  const std::vector<size_t>& counts() const { return counts_; }
  std::vector<std::vector<CompactBuffer>>& out() { return out_; }
  // The program is well formed (operands in range, one value left on the stack, depth ≤ kMaxDepth).
  static bool valid(const std::vector<MaskInstr>& program, size_t columns);
  static constexpr size_t kMaxDepth = 16;

 private:
  void mask(size_t part);
  void compact(size_t task);

  std::vector<std::vector<MaskPart>> cols_;
  std::vector<MaskInstr> prog_;
  std::vector<size_t> rows_;
  std::vector<KeepColumn> keep_;
  std::vector<std::vector<uint8_t>> masks_;
  std::vector<size_t> counts_;
  std::vector<std::vector<CompactBuffer>> out_;
};

}  // namespace tessera::df
