// The native row filter of filter.h.
#include "dataframe/filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tessera::df {

namespace {

constexpr size_t kBlock = 2048;

// Rows [i0, i0 + m) of a part as float64: the values themselves, or converted into `buf`.
const double* block(const MaskPart& p, size_t i0, size_t m, double* buf) {
  switch (p.type) {
    case MaskPart::F64: return static_cast<const double*>(p.data) + i0;
    case MaskPart::I64:
      for (size_t i = 0; i < m; ++i) buf[i] = static_cast<double>(static_cast<const int64_t*>(p.data)[i0 + i]);
      return buf;
    case MaskPart::U8:
      for (size_t i = 0; i < m; ++i) buf[i] = static_cast<const uint8_t*>(p.data)[i0 + i];
      return buf;
    default:
      for (size_t i = 0; i < m; ++i) buf[i] = static_cast<double>(static_cast<const int32_t*>(p.data)[i0 + i]);
      return buf;
  }
}

template <typename F>
void compareWith(const double* a, const double* b, double av, double bv, size_t m, uint8_t* out, F f) {
  if (a && b)
    for (size_t i = 0; i < m; ++i) out[i] = f(a[i], b[i]);
  else if (a)
    for (size_t i = 0; i < m; ++i) out[i] = f(a[i], bv);
  else
    for (size_t i = 0; i < m; ++i) out[i] = f(av, b[i]);
}

template <typename T>
size_t compactRows(const T* src, const uint8_t* mask, size_t n, T* dst) {
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    dst[k] = src[i];
    k += mask[i];  // branch-free: the write is overwritten when the row is not kept
  }
  return k;
}

}  // namespace

FilterPlan::FilterPlan(std::vector<std::vector<MaskPart>> columns, std::vector<MaskInstr> program, std::vector<size_t> partRows, std::vector<KeepColumn> keep)
    : cols_(std::move(columns)), prog_(std::move(program)), rows_(std::move(partRows)), keep_(std::move(keep)) {
  masks_.resize(rows_.size());
  counts_.assign(rows_.size(), 0);
  out_.resize(keep_.size());
  for (auto& o : out_) o.resize(rows_.size());
}

bool FilterPlan::valid(const std::vector<MaskInstr>& program, size_t columns) {
  size_t depth = 0;
  auto col = [&](int c) { return c >= 0 && static_cast<size_t>(c) < columns; };
  for (const MaskInstr& in : program) {
    switch (in.kind) {
      case MaskInstr::Compare:
        if ((in.aCol >= 0 && !col(in.aCol)) || (in.bCol >= 0 && !col(in.bCol)) || (in.aCol < 0 && in.bCol < 0)) return false;
        ++depth;
        break;
      case MaskInstr::Truth:
      case MaskInstr::IsNa:
      case MaskInstr::NotNa:
        if (!col(in.aCol)) return false;
        ++depth;
        break;
      case MaskInstr::Not:
        if (depth < 1) return false;
        break;
      default:
        if (depth < 2) return false;
        --depth;
    }
    if (depth > kMaxDepth) return false;
  }
  return depth == 1;
}

int64_t FilterPlan::expectedTasks() const { return static_cast<int64_t>(rows_.size() * (1 + keep_.size())); }

void FilterPlan::addStages(FnJob& job, const std::shared_ptr<FilterPlan>& self) {
  const auto P = static_cast<int64_t>(rows_.size());
  const auto K = static_cast<int64_t>(keep_.size());
  job.stages.push_back({[P] { return P; }, [self](int64_t p) { self->mask(static_cast<size_t>(p)); }, nullptr});
  job.stages.push_back({[P, K] { return P * K; }, [self](int64_t t) { self->compact(static_cast<size_t>(t)); }, [self] {
                          for (auto& m : self->masks_) std::vector<uint8_t>().swap(m);
                        }});
}

void FilterPlan::mask(size_t part) {
  const size_t n = rows_[part];
  std::vector<uint8_t>& out = masks_[part];
  out.resize(n);
  uint8_t stack[kMaxDepth][kBlock];
  double abuf[kBlock], bbuf[kBlock];
  size_t kept = 0;
  for (size_t i0 = 0; i0 < n; i0 += kBlock) {
    const size_t m = std::min(kBlock, n - i0);
    size_t sp = 0;
    for (const MaskInstr& in : prog_) {
      switch (in.kind) {
        case MaskInstr::Compare: {
          const double* a = in.aCol >= 0 ? block(cols_[static_cast<size_t>(in.aCol)][part], i0, m, abuf) : nullptr;
          const double* b = in.bCol >= 0 ? block(cols_[static_cast<size_t>(in.bCol)][part], i0, m, bbuf) : nullptr;
          uint8_t* o = stack[sp++];
          switch (in.cmp) {
            case MaskInstr::Eq: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x == y; }); break;
            case MaskInstr::Ne: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x != y; }); break;
            case MaskInstr::Lt: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x < y; }); break;
            case MaskInstr::Le: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x <= y; }); break;
            case MaskInstr::Gt: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x > y; }); break;
            default: compareWith(a, b, in.aValue, in.bValue, m, o, [](double x, double y) { return x >= y; }); break;
          }
          break;
        }
        case MaskInstr::Truth:
        case MaskInstr::IsNa:
        case MaskInstr::NotNa: {
          const MaskPart& p = cols_[static_cast<size_t>(in.aCol)][part];
          uint8_t* o = stack[sp++];
          const bool na = in.kind == MaskInstr::IsNa;
          if (in.kind == MaskInstr::Truth) {
            const double* a = block(p, i0, m, abuf);
            for (size_t i = 0; i < m; ++i) o[i] = a[i] != 0;
          } else if (p.type == MaskPart::F64) {
            const double* a = static_cast<const double*>(p.data) + i0;
            for (size_t i = 0; i < m; ++i) o[i] = std::isnan(a[i]) == na;
          } else if (p.type == MaskPart::Codes) {
            const int32_t* a = static_cast<const int32_t*>(p.data) + i0;
            for (size_t i = 0; i < m; ++i) o[i] = (a[i] < 0) == na;
          } else {
            std::memset(o, na ? 0 : 1, m);  // int64 and bool are never missing
          }
          break;
        }
        case MaskInstr::Not: {
          uint8_t* o = stack[sp - 1];
          for (size_t i = 0; i < m; ++i) o[i] ^= 1;
          break;
        }
        default: {
          uint8_t* a = stack[sp - 2];
          const uint8_t* b = stack[sp - 1];
          if (in.kind == MaskInstr::And) for (size_t i = 0; i < m; ++i) a[i] &= b[i];
          else if (in.kind == MaskInstr::Or) for (size_t i = 0; i < m; ++i) a[i] |= b[i];
          else for (size_t i = 0; i < m; ++i) a[i] ^= b[i];
          --sp;
        }
      }
    }
    std::memcpy(out.data() + i0, stack[0], m);
    for (size_t i = 0; i < m; ++i) kept += stack[0][i];
  }
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
  const uint8_t* mask = masks_[part].data();
  switch (k.width) {
    case 1: compactRows(static_cast<const uint8_t*>(k.parts[part]), mask, n, reinterpret_cast<uint8_t*>(o.words.get())); break;
    case 4: compactRows(static_cast<const uint32_t*>(k.parts[part]), mask, n, reinterpret_cast<uint32_t*>(o.words.get())); break;
    default: compactRows(static_cast<const uint64_t*>(k.parts[part]), mask, n, o.words.get()); break;
  }
}

}  // namespace tessera::df
