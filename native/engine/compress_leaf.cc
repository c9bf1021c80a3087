// The Compress leaf (engine/compress_leaf.h has the contract).
#include "engine/compress_leaf.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine/dtype_io.h"

namespace tessera::detail {

// validate.cc's checks, shared so this leaf is held to the same bounds.
void checkAffineRange(const std::string& path, int64_t offset, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& shape, bool empty, const BufferRef* buf, DType dtype,
                      const std::string& bufPath);
const BufferRef& planBuffer(const Plan& plan, int32_t b, const std::string& path);

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw std::invalid_argument(path + ": " + what); }

[[noreturn]] void mismatch(int64_t j, bool more) {
  throw std::runtime_error("mask: chunk " + std::to_string(j) + " selects " + (more ? "more" : "fewer") +
                           " elements than its chunk size (the data changed after its chunk sizes were computed)");
}

// Compacts the selected elements of src[pos..end) into o[k..need): stops when o is full or the
// input ends; pos moves past every element scanned (all selected ones among them were written).
template <class T>
int64_t compact(const T* src, const uint8_t* cond, int64_t& pos, int64_t end, T* o, int64_t k, int64_t need) {
  while (k < need && pos < end) {
    const int64_t r = std::min(need - k, end - pos);
    if (r >= 16) {
      // Branch-free (a random mask mispredicts half of the branches): every element is written at
      // the cursor, which advances by its condition. r input elements select at most r, so the
      // writes stay inside o[k .. need).
      const T* s = src + pos;
      const uint8_t* c = cond + pos;
      for (int64_t i = 0; i < r; ++i) {
        o[k] = s[i];
        k += c[i] != 0;
      }
      pos += r;
    } else {
      for (; pos < end && k < need; ++pos)
        if (cond[pos]) o[k++] = src[pos];
    }
  }
  return k;
}

// The cursor at compacted position q: its chunk from the table, then the chunk's condition
// scanned from its start.
void seek(const CompressIndex& ix, CompressCursor& cur, int64_t q) {
  const int64_t n = static_cast<int64_t>(ix.outOff.size()) - 1;
  // the last chunk starting at or before q (a chunk selecting nothing is skipped: outOff repeats)
  int64_t j = static_cast<int64_t>(std::upper_bound(ix.outOff.begin(), ix.outOff.end(), q) - ix.outOff.begin()) - 1;
  j = std::clamp<int64_t>(j, 0, n - 1);
  int64_t src = ix.inStart[static_cast<size_t>(j)];
  const int64_t end = ix.inStart[static_cast<size_t>(j) + 1];
  for (int64_t skip = q - ix.outOff[static_cast<size_t>(j)]; skip > 0; ++src) {
    if (src >= end) mismatch(j, false);
    skip -= ix.cond[src] != 0;
  }
  cur.q = q;
  cur.src = src;
  cur.j = j;
}

// m consecutive compacted elements from the cursor into o. Each chunk is checked against the
// table as soon as the walk has taken its last element (the rest of its input must select
// nothing) or runs out of its input early, so a stale table fails in the task that reads it.
template <class T>
void fillRun(const CompressIndex& ix, CompressCursor& cur, int64_t m, T* o) {
  const T* src = reinterpret_cast<const T*>(ix.data);
  const int64_t n = static_cast<int64_t>(ix.outOff.size()) - 1;
  int64_t k = 0;
  while (k < m) {
    const size_t j = static_cast<size_t>(cur.j);
    const int64_t chunkEnd = ix.inStart[j + 1];
    if (cur.q < ix.outOff[j + 1]) {
      if (cur.src >= chunkEnd) mismatch(cur.j, false);
      const int64_t got = compact(src, ix.cond, cur.src, chunkEnd, o, k, k + std::min(ix.outOff[j + 1] - cur.q, m - k)) - k;
      k += got;
      cur.q += got;
      if (cur.q < ix.outOff[j + 1]) continue;  // o is full, or the chunk's input ended early (next turn)
    }
    // chunk j has given all its elements
    for (int64_t i = cur.src; i < chunkEnd; ++i)
      if (ix.cond[i]) mismatch(cur.j, true);
    cur.src = chunkEnd;
    if (cur.j + 1 >= n) {
      if (k < m) mismatch(cur.j, false);  // more positions than selected elements (validated: never)
      return;
    }
    ++cur.j;
  }
}

}  // namespace

CompressIndex prepareCompressLeaf(const Leaf& lf, const std::vector<BufferRef>& buffers) {
  CompressIndex ix;
  ix.data = static_cast<const char*>(buffers[static_cast<size_t>(lf.buffer)].data);
  ix.cond = static_cast<const uint8_t*>(buffers[static_cast<size_t>(leafBufferIndex(lf.a))].data);
  const double* t = static_cast<const double*>(buffers[static_cast<size_t>(leafBufferIndex(lf.b))].data);
  const size_t n = static_cast<size_t>(t[0]);
  ix.inStart.resize(n + 1);
  ix.outOff.resize(n + 1);
  for (size_t j = 0; j <= n; ++j) {
    ix.inStart[j] = static_cast<int64_t>(t[1 + j]);
    ix.outOff[j] = static_cast<int64_t>(t[2 + n + j]);
  }
  return ix;
}

void fillCompress(const CompressIndex& ix, CompressCursor& cur, size_t esize, int64_t q0, int64_t step, int64_t m,
                  void* out) {
  withElementSize(esize, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    if (step == 1) {
      if (cur.q != q0) seek(ix, cur, q0);
      fillRun(ix, cur, m, o);
      return;
    }
    // any other walk (broadcast, reversed, strided): element by element, each from its position
    for (int64_t i = 0; i < m; ++i) {
      const int64_t q = q0 + i * step;
      if (cur.q != q) seek(ix, cur, q);
      fillRun(ix, cur, 1, o + i);
    }
  });
}

LeafBuffers leafBuffers(const Plan& plan, const Leaf& lf, const std::string& lp, const char* kind, const char* aWhat) {
  const BufferRef& data = planBuffer(plan, lf.buffer, lp + ".buffer");
  const int32_t ai = leafBufferIndex(lf.a), ti = leafBufferIndex(lf.b);
  if (ai < 0) fail(lp + ".a", std::string("a ") + kind + " leaf's a is the index of its " + aWhat + " buffer (an integer >= 0)");
  if (ti < 0) fail(lp + ".b", std::string("a ") + kind + " leaf's b is the index of its float64 table buffer (an integer >= 0)");
  return {&data, &planBuffer(plan, ai, lp + ".a"), &planBuffer(plan, ti, lp + ".b"), lp + ".b (buffers[" + std::to_string(ti) + "])"};
}

void validateCompressLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty) {
  const LeafBuffers lb = leafBuffers(plan, lf, lp, "compress", "condition");
  const BufferRef& data = *lb.data;
  const BufferRef& cond = *lb.a;
  const BufferRef& tab = *lb.table;
  const std::string& tp = lb.tablePath;
  const double* t = static_cast<const double*>(tab.data);
  const size_t words = tab.bytes / sizeof(double);
  if (words < 1 || !(t[0] >= 1 && t[0] <= 2147483647.0) || t[0] != std::floor(t[0]))
    fail(tp, "the table starts with the chunk count n (an integer >= 1)");
  const size_t n = static_cast<size_t>(t[0]);
  if (words < 2 * n + 3) fail(tp, "holds " + std::to_string(words) + " float64s; [n, inStart[0..n], outOff[0..n]] needs " + std::to_string(2 * n + 3));
  const double* in = t + 1;
  const double* out = t + 2 + n;
  if (in[0] != 0 || out[0] != 0) fail(tp, "inStart[0] and outOff[0] must be 0");
  for (size_t j = 0; j < n; ++j) {
    const double a = in[j + 1] - in[j], c = out[j + 1] - out[j];
    if (!(a >= 0) || in[j + 1] != std::floor(in[j + 1]) || in[j + 1] > 4.0e18)
      fail(tp, "inStart must be non-decreasing integers (chunk " + std::to_string(j) + ")");
    if (!(c >= 0 && c <= a) || out[j + 1] != std::floor(out[j + 1]))
      fail(tp, "outOff must be non-decreasing integers, chunk j selecting at most its length (chunk " + std::to_string(j) + ")");
  }
  const int64_t len = static_cast<int64_t>(in[n]), total = static_cast<int64_t>(out[n]);
  const size_t es = dtypeSize(lf.dtype);
  if (data.bytes / es < static_cast<size_t>(len))
    fail(lp + ".buffer", "holds " + std::to_string(data.bytes / es) + " elements, the table's input has " + std::to_string(len));
  if (cond.bytes < static_cast<size_t>(len))
    fail(lp + ".a", "the condition buffer holds " + std::to_string(cond.bytes) + " bool bytes, the table's input has " + std::to_string(len));
  // the leaf addresses compacted positions 0..total-1 as a memory leaf addresses its buffer
  BufferRef virt;
  virt.bytes = static_cast<size_t>(total) * es;
  checkAffineRange(lp, lf.offset, lf.strides, st.shape, empty, &virt, lf.dtype, "the " + std::to_string(total) + " selected elements");
}

}  // namespace tessera::detail
