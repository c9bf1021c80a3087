// The Compress leaf (LeafKind::Compress): a kernel stage reads a boolean-mask result x[mask]
// where it lies, with no compacted buffer. Element q of the leaf is the q-th selected element of
// a 1-d data buffer (selected: its byte in a bool condition buffer is nonzero), so
// `x.mask(c).sum()` reads the values and the condition once and the sum sees exactly the
// elements, positions and chunks the compacted array would have had (bit-identical results).
//
// Leaf fields: buffer = the data (element i at buffers[buffer][i], the leaf's dtype);
// a = the index of the condition buffer (bool, element i); b = the index of a float64 table
// [n, inStart[0..n], outOff[0..n]]: the input's n chunks (starts, inStart[n] = input length) and
// the prefix sums of their selected counts (outOff[n] = total). offset/strides address the
// compacted positions 0..total-1 as a memory leaf's address its elements.
//
// Fills are sequential per task: a cursor remembers where the last piece ended, so consecutive
// pieces continue the scan; any other position seeks from its chunk's start (correct for every
// address map, fast for a forward walk). A chunk whose selected count differs from the table
// (the data changed after its sizes were computed) is a std::runtime_error, never a wrong value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

struct CompressIndex {
  const char* data = nullptr;     // the leaf's buffer
  const uint8_t* cond = nullptr;  // bool bytes
  std::vector<int64_t> inStart;   // n + 1
  std::vector<int64_t> outOff;    // n + 1
};

// Where a task's scan of one Compress leaf stands: compacted position q is found at or after
// input position src, in input chunk j. q < 0: no scan yet in this task.
struct CompressCursor {
  int64_t q = -1, src = 0, j = 0;
};

// The index of a validated Compress leaf (the table is read now, before any stage runs).
CompressIndex prepareCompressLeaf(const Leaf& lf, const std::vector<BufferRef>& buffers);

// Fills out[0..m) with compacted elements q0, q0 + step, ... of the leaf (element size esize).
void fillCompress(const CompressIndex& ix, CompressCursor& cur, size_t esize, int64_t q0, int64_t step, int64_t m,
                  void* out);

// The buffers of a compress or take leaf, checked: buffer (the data), a (the condition or index
// buffer: aWhat names it in errors) and b (the float64 table; tablePath names it in errors).
struct LeafBuffers {
  const BufferRef* data;
  const BufferRef* a;
  const BufferRef* table;
  std::string tablePath;
};
LeafBuffers leafBuffers(const Plan& plan, const Leaf& lf, const std::string& lp, const char* kind, const char* aWhat);

// validate.cc's check of a Compress leaf of a kernel stage (lp: the leaf's path).
void validateCompressLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty);

}  // namespace tessera::detail
