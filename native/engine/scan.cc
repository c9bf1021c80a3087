// Scan and Select stages (see plan.h at Stage for the fields they use).
//
// Scan follows Dask's cumreduction so that its numbers are Dask's: phase 0 scans every chunk on
// its own, sequentially in the output dtype (as np.cumsum does per chunk), and writes the chunk's
// last slice as its total; phase 1 gives chunk j the prefix ((ident op T0) op T1) ... op T(j-1),
// combined in chunk order, and applies prefix op element. Both phases touch only their own chunk
// (plus the totals of earlier chunks), so the result is independent of the thread count.
//
// Select copies each lane along the axis (one chunk) into scratch and uses std::nth_element:
// NumPy's 'linear' quantile (virtual index (n - 1) q, NumPy's _lerp) or np.median's mean of the
// middle two; a lane with a NaN gives NaN, as NumPy's.
#include "engine/scan.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/chunk_box.h"

namespace tessera::detail {
namespace {

using Box = ChunkBox;

int scanAxis(const Stage& st) {
  for (size_t k = 0; k < st.sink.reduceAxes.size(); ++k)
    if (st.sink.reduceAxes[k]) return static_cast<int>(k);
  return -1;
}

// Calls f(c) for every lane of the box along `axis`: c runs over the box's coordinates of the
// other axes (row-major) with c[axis] = box.lo[axis].
template <class F>
void forEachLane(const Box& b, int axis, F&& f) {
  const size_t nd = b.lo.size();
  std::vector<int64_t> c(b.lo);
  for (size_t k = 0; k < nd; ++k)
    if (b.ext[k] == 0 && static_cast<int>(k) != axis) return;  // an empty lane still has a median
  for (;;) {
    f(c);
    size_t k = nd;
    for (;;) {
      if (k == 0) return;
      --k;
      if (static_cast<int>(k) == axis) continue;
      if (++c[k] < b.lo[k] + b.ext[k]) break;
      c[k] = b.lo[k];
    }
  }
}

int64_t addr(int64_t offset, const std::vector<int64_t>& strides, const std::vector<int64_t>& c) {
  int64_t a = offset;
  for (size_t k = 0; k < c.size(); ++k) a += c[k] * strides[k];
  return a;
}

template <class T>
T* at(const std::vector<BufferRef>& buffers, int32_t buffer) {
  return static_cast<T*>(buffers[static_cast<size_t>(buffer)].data);
}

// The loop order of a scan: lanes run along `axis`; when the axis is not the last one, the last
// axis is walked innermost (row-major memory order: step i of a lane reads element i - 1 of its
// own output back), otherwise lane by lane (contiguous already).
struct ScanLoop {
  int axis, inner;  // inner: -1 when axis is the last axis
  int64_t n, m;     // extents along axis / inner
};

ScanLoop scanLoop(const Box& b, int axis) {
  const int nd = static_cast<int>(b.ext.size());
  const int inner = axis == nd - 1 ? -1 : nd - 1;
  return {axis, inner, b.ext[static_cast<size_t>(axis)], inner < 0 ? 1 : b.ext[static_cast<size_t>(inner)]};
}

// Calls f(c) for every coordinate of the box over the axes other than `axis` and `inner`.
template <class F>
void forEachOuter(const Box& b, int axis, int inner, F&& f) {
  Box o = b;
  if (inner >= 0) o.ext[static_cast<size_t>(inner)] = 1;
  forEachLane(o, axis, f);
}

int64_t strideOr0(const std::vector<int64_t>& s, int k) { return k < 0 ? 0 : s[static_cast<size_t>(k)]; }

// The totals' address of chunk index `j` along the axis for the lane at c (c[axis] ignored).
int64_t totalsAddr(const Leaf& tot, const std::vector<int64_t>& c, int axis, int64_t j) {
  int64_t it = tot.offset;
  for (size_t k = 0; k < c.size(); ++k) it += (static_cast<int>(k) == axis ? j : c[k]) * tot.strides[k];
  return it;
}

template <class Acc, bool Prod>
inline Acc step(Acc a, Acc v) {
  return Prod ? a * v : a + v;
}

// Op and NaN handling are template parameters: the inner loops are branch-free.
template <class In, class Acc, bool Prod, bool Nan>
void scanPhase0T(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b, int axis) {
  const Leaf& in = st.leaves[0];
  const Leaf& tot = st.leaves[1];
  const In* x = at<const In>(buffers, in.buffer);
  Acc* out = at<Acc>(buffers, st.sink.buffer);
  Acc* totals = at<Acc>(buffers, tot.buffer);
  const ScanLoop L = scanLoop(b, axis);
  const int64_t sx = in.strides[static_cast<size_t>(axis)], so = st.sink.strides[static_cast<size_t>(axis)];
  const int64_t tx = strideOr0(in.strides, L.inner), to = strideOr0(st.sink.strides, L.inner);
  const int64_t tt = strideOr0(tot.strides, L.inner);
  auto load = [&](int64_t i) {
    Acc v = static_cast<Acc>(x[i]);
    if (Nan && std::isnan(v)) v = Prod ? Acc(1) : Acc(0);
    return v;
  };
  forEachOuter(b, axis, L.inner, [&](const std::vector<int64_t>& c) {
    const int64_t ix = addr(in.offset, in.strides, c), io = addr(st.sink.offset, st.sink.strides, c);
    // the first element is taken as it is (np.cumsum: out[0] = x[0], so -0 stays -0)
    if (L.inner < 0) {  // one lane along the last axis: a running accumulator
      Acc acc = load(ix);
      out[io] = acc;
      for (int64_t i = 1; i < L.n; ++i) out[io + i * so] = acc = step<Acc, Prod>(acc, load(ix + i * sx));
    } else {  // rows: step i reads step i - 1 back from the output
      for (int64_t t = 0; t < L.m; ++t) out[io + t * to] = load(ix + t * tx);
      for (int64_t i = 1; i < L.n; ++i) {
        const int64_t o = io + i * so, xi = ix + i * sx;
        for (int64_t t = 0; t < L.m; ++t) out[o + t * to] = step<Acc, Prod>(out[o - so + t * to], load(xi + t * tx));
      }
    }
    // the chunk total, at chunk index chunkIdx[axis] along the totals' axis
    const int64_t it = totalsAddr(tot, c, axis, b.chunkIdx[static_cast<size_t>(axis)]);
    for (int64_t t = 0; t < L.m; ++t) totals[it + t * tt] = out[io + (L.n - 1) * so + t * to];
  });
}

template <class In, class Acc>
void scanPhase0(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b, int axis,
                int op) {
  switch (op) {
    case 0: scanPhase0T<In, Acc, false, false>(st, buffers, b, axis); break;
    case 1: scanPhase0T<In, Acc, true, false>(st, buffers, b, axis); break;
    case 2: scanPhase0T<In, Acc, false, true>(st, buffers, b, axis); break;
    default: scanPhase0T<In, Acc, true, true>(st, buffers, b, axis); break;
  }
}

template <class Acc>
void scanPhase1(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b, int axis,
                int op) {
  const int64_t j = b.chunkIdx[static_cast<size_t>(axis)];
  if (j == 0) return;  // Dask: the first chunk is its own scan
  const Leaf& tot = st.leaves[1];
  Acc* out = at<Acc>(buffers, st.sink.buffer);
  const Acc* totals = at<const Acc>(buffers, tot.buffer);
  const bool prod = op == 1 || op == 3;
  const ScanLoop L = scanLoop(b, axis);
  const int64_t so = st.sink.strides[static_cast<size_t>(axis)], to = strideOr0(st.sink.strides, L.inner);
  const int64_t ta = tot.strides[static_cast<size_t>(axis)], tt = strideOr0(tot.strides, L.inner);
  std::vector<Acc> m(static_cast<size_t>(L.m));
  forEachOuter(b, axis, L.inner, [&](const std::vector<int64_t>& c) {
    const int64_t it = totalsAddr(tot, c, axis, 0);
    for (int64_t t = 0; t < L.m; ++t) {
      // Dask's running "extra": ((ident op T0) op T1) ... op T(j-1), in chunk order
      Acc e = prod ? Acc(1) : Acc(0);
      for (int64_t i = 0; i < j; ++i) e = prod ? e * totals[it + i * ta + t * tt] : e + totals[it + i * ta + t * tt];
      m[static_cast<size_t>(t)] = e;
    }
    const int64_t io = addr(st.sink.offset, st.sink.strides, c);
    for (int64_t i = 0; i < L.n; ++i)
      for (int64_t t = 0; t < L.m; ++t) {
        const int64_t o = io + i * so + t * to;
        out[o] = prod ? m[static_cast<size_t>(t)] * out[o] : m[static_cast<size_t>(t)] + out[o];
      }
  });
}

// NumPy 1.24 _lerp: a + (b - a) t, or b - (b - a)(1 - t) when t >= 0.5.
double lerp(double a, double b, double t) {
  const double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

template <class In, class Out>
void selectTask(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b, int axis,
                std::vector<double>& lane) {
  const Leaf& in = st.leaves[0];
  const In* x = at<const In>(buffers, in.buffer);
  Out* out = at<Out>(buffers, st.sink.buffer);
  const int method = static_cast<int>(st.imms[0]);
  const int64_t qStride = static_cast<int64_t>(st.imms[1]);
  const size_t nq = method == 1 ? 1 : st.imms.size() - 2;
  const int64_t sx = in.strides[static_cast<size_t>(axis)];
  const int64_t n = b.ext[static_cast<size_t>(axis)];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  forEachLane(b, axis, [&](const std::vector<int64_t>& c) {
    int64_t ix = addr(in.offset, in.strides, c);
    const int64_t io = addr(st.sink.offset, st.sink.strides, c);
    lane.resize(static_cast<size_t>(n));
    bool hasNan = false;
    for (int64_t i = 0; i < n; ++i, ix += sx) {
      const double v = static_cast<double>(x[ix]);
      hasNan |= std::isnan(v);
      lane[static_cast<size_t>(i)] = v;
    }
    if (hasNan || n == 0) {
      for (size_t q = 0; q < nq; ++q) out[io + static_cast<int64_t>(q) * qStride] = static_cast<Out>(nan);
      return;
    }
    auto kth = [&](int64_t k) {  // k-th smallest; lane[k+1..] >= it afterwards
      std::nth_element(lane.begin(), lane.begin() + k, lane.end());
      return lane[static_cast<size_t>(k)];
    };
    auto next = [&](int64_t k) {  // the (k+1)-th smallest, after kth(k)
      return *std::min_element(lane.begin() + k + 1, lane.end());
    };
    if (method == 1) {
      const int64_t h = n / 2;
      double r;
      if (n % 2 == 1) {
        r = kth(h);
      } else {
        const double lo = kth(h - 1);
        r = (lo + next(h - 1)) / 2;  // np.mean of the middle two
      }
      out[io] = static_cast<Out>(r);
      return;
    }
    for (size_t q = 0; q < nq; ++q) {
      const double v = static_cast<double>(n - 1) * st.imms[q + 2];
      double r;
      if (v >= static_cast<double>(n - 1)) {
        // NumPy sets both indexes to -1 (the last) and gamma = v - (-1)
        const double last = kth(n - 1);
        r = lerp(last, last, v + 1);
      } else {
        const int64_t p = static_cast<int64_t>(std::floor(v));
        const double a = kth(p);
        r = lerp(a, next(p), v - static_cast<double>(p));
      }
      out[io + static_cast<int64_t>(q) * qStride] = static_cast<Out>(r);
    }
  });
}

}  // namespace

int64_t specialTaskCount(const Stage& st) {
  int64_t t = 1;
  const int axis = st.kind == StageKind::Select ? scanAxis(st) : -1;
  for (size_t k = 0; k < st.shape.size(); ++k) {
    // a scan of nothing writes nothing; a median of an empty lane is NaN, as NumPy's
    if (st.shape[k] == 0 && static_cast<int>(k) != axis) return 0;
    t *= static_cast<int64_t>(st.chunks[k].size());
  }
  return t;
}

void runSpecialTask(const Stage& st, const std::vector<BufferRef>& buffers, int64_t task) {
  std::vector<double> lane;  // per task: a quantile over all elements must not stay allocated
  const Box b = chunkBoxOf(st, task);
  const int axis = scanAxis(st);
  const bool in64 = st.leaves[0].dtype == DType::F64, out64 = st.sink.dtype == DType::F64;
  if (st.kind == StageKind::Scan) {
    const int op = static_cast<int>(st.imms[0]);
    if (st.sink.dtype == DType::I64 || st.sink.dtype == DType::U64) {
      // integers: uint64 arithmetic, i.e. NumPy's int64/uint64 accumulators wrapping (validated:
      // input, output and totals of the sink's dtype; the nan- forms are the plain ones)
      if (st.imms[1] == 0) scanPhase0<uint64_t, uint64_t>(st, buffers, b, axis, op & 1);
      else scanPhase1<uint64_t>(st, buffers, b, axis, op & 1);
      return;
    }
    if (st.imms[1] == 0) {
      if (in64 && out64) scanPhase0<double, double>(st, buffers, b, axis, op);
      else if (in64) scanPhase0<double, float>(st, buffers, b, axis, op);
      else if (out64) scanPhase0<float, double>(st, buffers, b, axis, op);
      else scanPhase0<float, float>(st, buffers, b, axis, op);
    } else {
      if (out64) scanPhase1<double>(st, buffers, b, axis, op);
      else scanPhase1<float>(st, buffers, b, axis, op);
    }
  } else {
    if (in64 && out64) selectTask<double, double>(st, buffers, b, axis, lane);
    else if (in64) selectTask<double, float>(st, buffers, b, axis, lane);
    else if (out64) selectTask<float, double>(st, buffers, b, axis, lane);
    else selectTask<float, float>(st, buffers, b, axis, lane);
  }
}

}  // namespace tessera::detail
