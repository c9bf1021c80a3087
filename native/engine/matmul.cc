#include "engine/matmul.h"

#include <cstring>

#include "kernels/gemm.h"

namespace tessera::detail {

void prepareMatmulStage(const Stage& st, const std::vector<BufferRef>& buffers, StagePrep& p) {
  p.st = &st;
  const int nd = static_cast<int>(st.shape.size());
  p.nd = nd;
  p.cstart.assign(static_cast<size_t>(nd), {});
  p.nchunks.assign(static_cast<size_t>(nd), 0);
  p.ntasks = 1;
  bool empty = false;
  for (int k = 0; k < nd; ++k) {
    const auto& c = st.chunks[static_cast<size_t>(k)];
    auto& cs = p.cstart[static_cast<size_t>(k)];
    cs.assign(c.size() + 1, 0);
    for (size_t j = 0; j < c.size(); ++j) cs[j + 1] = cs[j] + c[j];
    p.nchunks[static_cast<size_t>(k)] = static_cast<int64_t>(c.size());
    p.ntasks *= static_cast<int64_t>(c.size());
    empty = empty || st.shape[static_cast<size_t>(k)] == 0;
  }
  if (empty) p.ntasks = 0;
  p.reduce = false;
  p.leaves.clear();
  for (const Leaf& lf : st.leaves) {
    LeafPrep l{};
    l.kind = lf.kind;
    l.dtype = lf.dtype;
    l.data = static_cast<const char*>(buffers[static_cast<size_t>(lf.buffer)].data);
    p.leaves.push_back(l);
  }
  p.outData = static_cast<char*>(buffers[static_cast<size_t>(st.sink.buffer)].data);
  p.outType = st.sink.dtype;
}

namespace {

template <typename T>
void runTyped(const StagePrep& p, int64_t task) {
  const Stage& st = *p.st;
  const int nd = p.nd;
  const Leaf& la = st.leaves[0];
  const Leaf& lb = st.leaves[1];
  const Sink& sk = st.sink;
  // chunk box of this task (row-major over the grid)
  int64_t lo[kMaxDims], ext[kMaxDims];
  int64_t rest = task;
  for (int k = nd - 1; k >= 0; --k) {
    const int64_t n = p.nchunks[static_cast<size_t>(k)];
    const int64_t j = rest % n;
    rest /= n;
    lo[k] = p.cstart[static_cast<size_t>(k)][static_cast<size_t>(j)];
    ext[k] = p.cstart[static_cast<size_t>(k)][static_cast<size_t>(j) + 1] - lo[k];
  }
  const int nb = nd - 2;
  int64_t nbatch = 1;
  for (int k = 0; k < nb; ++k) nbatch *= ext[k];
  const T* A = reinterpret_cast<const T*>(p.leaves[0].data);
  const T* B = reinterpret_cast<const T*>(p.leaves[1].data);
  T* C = reinterpret_cast<T*>(p.outData);
  int64_t idx[kMaxDims] = {0};
  for (int64_t b = 0; b < nbatch; ++b) {
    int64_t offA = la.offset, offB = lb.offset, offC = sk.offset;
    for (int k = 0; k < nd; ++k) {
      const int64_t c = lo[k] + (k < nb ? idx[k] : 0);
      offA += c * la.strides[static_cast<size_t>(k)];
      offB += c * lb.strides[static_cast<size_t>(k)];
      offC += c * sk.strides[static_cast<size_t>(k)];
    }
    const int64_t m = ext[nb], n = ext[nb + 1];
    const int64_t rsc = sk.strides[static_cast<size_t>(nb)], csc = sk.strides[static_cast<size_t>(nb + 1)];
    if (st.contract == 0) {
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) C[offC + i * rsc + j * csc] = T(0);
    } else {
      gemm::Args<T> g;
      g.m = m, g.n = n, g.k = st.contract;
      g.alpha = T(1), g.beta = T(0);
      g.a = A + offA, g.rsa = la.strides[static_cast<size_t>(nb)], g.csa = la.strides[static_cast<size_t>(nd)];
      g.b = B + offB, g.rsb = lb.strides[static_cast<size_t>(nd)], g.csb = lb.strides[static_cast<size_t>(nb + 1)];
      g.c = C + offC, g.rsc = rsc, g.csc = csc;
      gemm::gemm(g, nullptr);  // on this pool thread: the pool already runs one task per thread
    }
    for (int k = nb - 1; k >= 0; --k) {
      if (++idx[k] < ext[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace

void runMatmulChunk(const StagePrep& p, int64_t task) {
  if (p.outType == DType::F32) runTyped<float>(p, task);
  else runTyped<double>(p, task);
}

}  // namespace tessera::detail
