// The Concat leaf (engine/concat_leaf.h has the contract).
#include "engine/concat_leaf.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/dtype_io.h"
#include "engine/ops.h"

namespace tessera::detail {

// validate.cc's shared checks.
const BufferRef& planBuffer(const Plan& plan, int32_t b, const std::string& path);
void validatePlainLeaf(const Plan& plan, const Leaf& lf, const std::string& lp, const std::vector<int64_t>& shape, bool empty);

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw std::invalid_argument(path + ": " + what); }

constexpr size_t kPartHead = 9;  // lo, hi, kind, dtype, offset, a, b, seed, buffer

bool isInt(double v) { return v == std::floor(v) && std::fabs(v) < 4.0e18; }

}  // namespace

std::vector<ConcatPart> concatParts(const Leaf& lf, const std::vector<BufferRef>& buffers, size_t nd) {
  const double* t = static_cast<const double*>(buffers[static_cast<size_t>(lf.b)].data);
  const size_t n = static_cast<size_t>(t[0]);
  std::vector<ConcatPart> parts(n);
  for (size_t p = 0; p < n; ++p) {
    const double* r = t + 1 + p * (kPartHead + nd);
    ConcatPart& cp = parts[p];
    cp.lo = static_cast<int64_t>(r[0]);
    cp.hi = static_cast<int64_t>(r[1]);
    cp.leaf.kind = static_cast<LeafKind>(static_cast<int>(r[2]));
    cp.leaf.dtype = static_cast<DType>(static_cast<int>(r[3]));
    cp.leaf.offset = static_cast<int64_t>(r[4]);
    cp.leaf.a = r[5];
    cp.leaf.b = r[6];
    cp.leaf.seed = static_cast<uint64_t>(r[7]);
    cp.leaf.buffer = static_cast<int32_t>(r[8]);
    cp.leaf.strides.resize(nd);
    for (size_t k = 0; k < nd; ++k) cp.leaf.strides[k] = static_cast<int64_t>(r[kPartHead + k]);
  }
  return parts;
}

int concatPartAt(const std::vector<int64_t>& partLo, int64_t c) {
  const auto it = std::upper_bound(partLo.begin(), partLo.end(), c);
  return static_cast<int>(std::max<std::ptrdiff_t>(it - partLo.begin() - 1, 0));
}

void validateConcatLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty) {
  const size_t nd = st.shape.size();
  if (!(lf.a >= 0 && lf.a < static_cast<double>(nd)) || lf.a != std::floor(lf.a))
    fail(lp + ".a", "a concat leaf's a is the stage axis its parts split (0.." + std::to_string(nd) + ")");
  const size_t axis = static_cast<size_t>(lf.a);
  if (lf.strides.size() != nd)
    fail(lp + ".strides", "has " + std::to_string(lf.strides.size()) + " entries, the stage has " + std::to_string(nd) + " axes (one stride per axis)");
  if (lf.offset != 0) fail(lp + ".offset", "a concat leaf's own offset is 0 (its parts carry theirs)");
  for (size_t k = 0; k < lf.strides.size(); ++k)
    if (lf.strides[k] != 0) fail(lp + ".strides", "a concat leaf's own strides are 0 (its parts carry theirs)");
  const int32_t ti = leafBufferIndex(lf.b);
  if (ti < 0) fail(lp + ".b", "a concat leaf's b is the index of its float64 table buffer (an integer >= 0)");
  const BufferRef& tab = planBuffer(plan, ti, lp + ".b");
  const std::string tp = lp + ".b (buffers[" + std::to_string(ti) + "])";
  const double* t = static_cast<const double*>(tab.data);
  const size_t words = tab.bytes / sizeof(double);
  if (words < 1 || !(t[0] >= 1 && t[0] <= 65536) || t[0] != std::floor(t[0]))
    fail(tp, "the table starts with the part count (an integer 1..65536)");
  const size_t n = static_cast<size_t>(t[0]);
  if (words < 1 + n * (kPartHead + nd))
    fail(tp, "holds " + std::to_string(words) + " float64s; " + std::to_string(n) + " parts of a " + std::to_string(nd) +
                 "-d stage need " + std::to_string(1 + n * (kPartHead + nd)));
  for (size_t i = 1; i < 1 + n * (kPartHead + nd); ++i)
    if (!isInt(t[i])) fail(tp, "entry " + std::to_string(i) + " must be an integer");
  const std::vector<ConcatPart> parts = concatParts(lf, plan.buffers, nd);
  // the parts tile the axis in order, and every chunk along it lies in one part
  const int64_t len = st.shape[axis];
  std::vector<int64_t> bounds{0};
  for (int64_t c : st.chunks[axis]) bounds.push_back(bounds.back() + c);
  int64_t at = 0;
  for (size_t p = 0; p < n; ++p) {
    const ConcatPart& cp = parts[p];
    const std::string pp = tp + " part " + std::to_string(p);
    if (cp.lo != at || cp.hi <= cp.lo || cp.hi > len)
      fail(pp, "parts must tile the axis in order: [" + std::to_string(cp.lo) + ", " + std::to_string(cp.hi) + ") after " + std::to_string(at) +
                   " (axis length " + std::to_string(len) + ")");
    if (!std::binary_search(bounds.begin(), bounds.end(), cp.hi))
      fail(pp, "ends at " + std::to_string(cp.hi) + ", inside a chunk of axis " + std::to_string(axis) + " (every chunk must lie in one part)");
    at = cp.hi;
    const LeafKind k = cp.leaf.kind;
    if (k != LeafKind::Arange && k != LeafKind::RandomUniform && k != LeafKind::RandomNormal && k != LeafKind::Memory)
      fail(pp, "a part is an arange, random or memory leaf (kind " + std::to_string(static_cast<int>(k)) + ")");
    if (cp.leaf.dtype != lf.dtype) fail(pp, "a part has the concat leaf's dtype");
    std::vector<int64_t> shape(st.shape);
    shape[axis] = cp.hi - cp.lo;
    Leaf region = cp.leaf;
    region.offset += cp.lo * cp.leaf.strides[axis];
    validatePlainLeaf(plan, region, pp, shape, empty);
  }
  if (at != len && !empty) fail(tp, "the parts end at " + std::to_string(at) + ", the axis has length " + std::to_string(len));
}

}  // namespace tessera::detail
