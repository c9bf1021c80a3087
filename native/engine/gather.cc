// Take and Compress stages (plan.h at Stage describes the fields; engine/gather.h the contract).
//
// Take: out[c] = in[c with c[axis] replaced by idx[c]], where idx is read from leaves[1] (any
// dtype, integer values, negative counts from the end as np.take) and leaves[0]'s stride on the
// axis multiplies that index instead of c[axis]. One task per output chunk; the index run of the
// chunk is resolved once, then rows are copied with the innermost axis as the inner loop.
//
// Compress: a 1-d stage over the (raveled) input's chunks. Phase 0 counts each chunk's nonzero
// condition elements (leaves[0]) into the sink at chunk index j. Phase 1 copies each chunk's
// selected data elements (leaves[0] data, leaves[1] condition) to the sink starting at the
// chunk's offset imms[2 + j] (the prefix sum of the counts, computed by the caller): chunks
// write disjoint ranges, so the tasks run in parallel and the result is NumPy's row-major order.
#include "engine/gather.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/chunk_box.h"
#include "engine/compress_leaf.h"
#include "engine/dtype_io.h"
#include "engine/ops.h"

namespace tessera::detail {

// validate.cc's checks, shared so gather stages are held to the same bounds.
void checkAffineRange(const std::string& path, int64_t offset, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& shape, bool empty, const BufferRef* buf, DType dtype,
                      const std::string& bufPath);
const BufferRef& planBuffer(const Plan& plan, int32_t b, const std::string& path);

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::invalid_argument(path + ": " + what);
}

using Box = ChunkBox;

template <class T>
T* data(const std::vector<BufferRef>& buffers, int32_t b) {
  return static_cast<T*>(buffers[static_cast<size_t>(b)].data);
}

// Element i of a memory leaf as a double (the index and condition leaves; any dtype).
double readAsDouble(const std::vector<BufferRef>& buffers, const Leaf& lf, int64_t i) {
  double v = 0;
  withDType(lf.dtype, [&](auto tag) {
    constexpr DType d = decltype(tag)::value;
    v = static_cast<double>(data<const typename Elem<d>::type>(buffers, lf.buffer)[i]);
  });
  return v;
}

// The source position of index value v along an axis of length n (np.take: negative from the
// end); anything else is the range error every take path raises.
int64_t takePosition(double v, int axis, int64_t n) {
  if (!(v == std::floor(v)) || !(v >= static_cast<double>(-n) && v < static_cast<double>(n)))
    throw std::range_error("take: index " + (std::isfinite(v) && v == std::floor(v) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v)) +
                           " is out of bounds for axis " + std::to_string(axis) + " with size " + std::to_string(n) +
                           (v == std::floor(v) ? "" : " (indices must be integers)"));
  return v < 0 ? static_cast<int64_t>(v) + n : static_cast<int64_t>(v);
}

// A Take stage whose output is at least this large writes its rows with non-temporal stores: the
// output cannot stay in cache anyway, and streaming stores skip the read-for-ownership of every
// destination line (a regular store first reads the line it writes from memory) and do not care
// that a JS ArrayBuffer's data is only 16-byte aligned (calloc's), where misaligned 32-byte
// vector stores of memcpy split cache lines. Measured copying 8000 random 64 KB rows on one core
// of a 2-core EPYC VM: 65 -> 33 ms into reused pages, 93 -> 78 ms into fresh ones (faults included).
constexpr size_t kStreamMinBytes = size_t(16) << 20;
constexpr size_t kStreamMinRun = 256;  // shorter runs: memcpy

// Copies `bytes` from src to dst, streaming the 16-byte-aligned body of dst when `stream`. The
// bytes land exactly as memcpy's would; the task's caller fences once at its end.
inline void copyRun(void* dst, const void* src, size_t bytes, bool stream) {
#if defined(__SSE2__)
  if (stream && bytes >= kStreamMinRun) {
    char* d = static_cast<char*>(dst);
    const char* s = static_cast<const char*>(src);
    const size_t head = (16 - (reinterpret_cast<uintptr_t>(d) & 15)) & 15;
    std::memcpy(d, s, head);
    d += head;
    s += head;
    size_t n = bytes - head, i = 0;
    for (; i + 64 <= n; i += 64) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16));
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 32));
      const __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 48));
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i), a);
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 16), b);
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 32), c);
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + 48), e);
    }
    std::memcpy(d + i, s + i, n - i);
    return;
  }
#else
  (void)stream;
#endif
  std::memcpy(dst, src, bytes);
}

// Orders a task's streaming stores before the task is reported done (other threads, and JS,
// read the output after that).
inline void streamFence(bool stream) {
#if defined(__SSE2__)
  if (stream) _mm_sfence();
#else
  (void)stream;
#endif
}

template <class T>
void takeTask(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b) {
  const size_t nd = st.shape.size();
  const int axis = static_cast<int>(st.imms[0]);
  const int64_t n = static_cast<int64_t>(st.imms[1]);
  const Leaf& in = st.leaves[0];
  const Leaf& ix = st.leaves[1];
  const T* src = data<const T>(buffers, in.buffer);
  T* dst = data<T>(buffers, st.sink.buffer);
  // the chunk's positions along the axis, as source offsets
  const int64_t la = b.lo[static_cast<size_t>(axis)], ea = b.ext[static_cast<size_t>(axis)];
  std::vector<int64_t> rowOff(static_cast<size_t>(ea));
  for (int64_t j = 0; j < ea; ++j) {
    int64_t a = ix.offset;
    for (size_t k = 0; k < nd; ++k) a += (static_cast<int>(k) == axis ? la + j : b.lo[k]) * ix.strides[k];
    const int64_t p = takePosition(readAsDouble(buffers, ix, a), axis, n);
    rowOff[static_cast<size_t>(j)] = p * in.strides[static_cast<size_t>(axis)];
  }
  if (nd == 0) return;
  const size_t last = nd - 1;
  const bool innerIsAxis = static_cast<int>(last) == axis;
  std::vector<int64_t> c(b.lo);
  for (size_t k = 0; k < nd; ++k)
    if (b.ext[k] == 0) return;
  const int64_t inner = b.ext[last];
  const int64_t sIn = in.strides[last], sOut = st.sink.strides[last];
  size_t total = sizeof(T);
  for (size_t k = 0; k < nd; ++k) total *= static_cast<size_t>(st.shape[k]);
  const bool stream = total >= kStreamMinBytes;
  for (;;) {
    int64_t s = in.offset, o = st.sink.offset;
    for (size_t k = 0; k < last; ++k) {
      s += static_cast<int>(k) == axis ? rowOff[static_cast<size_t>(c[k] - la)] : c[k] * in.strides[k];
      o += c[k] * st.sink.strides[k];
    }
    o += c[last] * sOut;
    if (innerIsAxis) {
      for (int64_t j = 0; j < inner; ++j) dst[o + j * sOut] = src[s + rowOff[static_cast<size_t>(j)]];
    } else {
      s += c[last] * sIn;
      if (sIn == 1 && sOut == 1) {
        copyRun(dst + o, src + s, static_cast<size_t>(inner) * sizeof(T), stream);
      } else {
        for (int64_t j = 0; j < inner; ++j) dst[o + j * sOut] = src[s + j * sIn];
      }
    }
    // next outer coordinate (all axes but the last), row-major
    size_t k = last;
    for (;;) {
      if (k == 0) {
        streamFence(stream);
        return;
      }
      --k;
      if (++c[k] < b.lo[k] + b.ext[k]) break;
      c[k] = b.lo[k];
    }
  }
}

template <class C>
int64_t countTrue(const C* cond, int64_t off, int64_t stride, int64_t n) {
  int64_t cnt = 0;
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) cnt += cond[off + i] != 0;
  } else {
    for (int64_t i = 0; i < n; ++i) cnt += cond[off + i * stride] != 0;
  }
  return cnt;
}

void compressCount(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b) {
  const Leaf& cl = st.leaves[0];
  int64_t cnt = 0;
  withDType(cl.dtype, [&](auto tag) {
    constexpr DType d = decltype(tag)::value;
    using C = typename Elem<d>::type;
    cnt = countTrue(data<const C>(buffers, cl.buffer), cl.offset + b.lo[0] * cl.strides[0], cl.strides[0], b.ext[0]);
  });
  data<double>(buffers, st.sink.buffer)[st.sink.offset + b.lin * st.sink.strides[0]] = static_cast<double>(cnt);
}

template <class T, class C>
int64_t compressCopy(const T* src, int64_t sOff, int64_t sStride, const C* cond, int64_t cOff, int64_t cStride,
                     int64_t n, T* dst, int64_t at, int64_t room) {
  // Branch-free: every element is written to a block buffer and the cursor advances by the
  // condition (a 50% random mask would mispredict half the branches), then the block's selected
  // run is copied out — bounded by the chunk's room, so a chunk never writes past its range.
  constexpr int64_t kBlock = 1024;
  T buf[kBlock];
  int64_t w = 0;
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t m = n - i0 < kBlock ? n - i0 : kBlock;
    int64_t k = 0;
    if (sStride == 1 && cStride == 1) {
      const T* s = src + sOff + i0;
      const C* c = cond + cOff + i0;
      for (int64_t i = 0; i < m; ++i) {
        buf[k] = s[i];
        k += c[i] != 0;
      }
    } else {
      for (int64_t i = 0; i < m; ++i) {
        buf[k] = src[sOff + (i0 + i) * sStride];
        k += cond[cOff + (i0 + i) * cStride] != 0;
      }
    }
    if (w + k > room) return room + 1;  // more than the counts said: refuse rather than overrun
    std::memcpy(dst + at + w, buf, static_cast<size_t>(k) * sizeof(T));
    w += k;
  }
  return w;
}

void compressTask(const Stage& st, const std::vector<BufferRef>& buffers, const Box& b) {
  const Leaf& dl = st.leaves[0];
  const Leaf& cl = st.leaves[1];
  const size_t j = static_cast<size_t>(b.lin);
  const int64_t at = static_cast<int64_t>(st.imms[2 + j]);
  const int64_t end = j + 1 < st.imms.size() - 2 ? static_cast<int64_t>(st.imms[3 + j]) : static_cast<int64_t>(st.imms[1]);
  const int64_t room = end - at;
  int64_t wrote = 0;
  withDType(dl.dtype, [&](auto dtag) {
    constexpr DType dd = decltype(dtag)::value;
    using T = typename Elem<dd>::type;
    withDType(cl.dtype, [&](auto ctag) {
      constexpr DType cd = decltype(ctag)::value;
      using C = typename Elem<cd>::type;
      wrote = compressCopy(data<const T>(buffers, dl.buffer), dl.offset + b.lo[0] * dl.strides[0], dl.strides[0],
                           data<const C>(buffers, cl.buffer), cl.offset + b.lo[0] * cl.strides[0], cl.strides[0], b.ext[0],
                           data<T>(buffers, st.sink.buffer), st.sink.offset + at, room);
    });
  });
  if (wrote != room)
    throw std::runtime_error("mask: chunk " + std::to_string(j) + " selects " + (wrote > room ? "more" : "fewer") +
                             " elements than its chunk size " + std::to_string(room) +
                             " (the data changed after its chunk sizes were computed)");
}

// ---- the Take leaf

// Index r of a take leaf as a source row (checked).
template <class I>
int64_t takeRow(const TakeLeaf& t, int64_t r) {
  return takePosition(static_cast<double>(reinterpret_cast<const I*>(t.index)[r]), t.axis, t.n);
}

// count output elements from q0 by step into o: a forward walk copies whole row runs (one index
// read and one memcpy per run); any other walk reads element by element.
template <class T, class I>
void takeFill(const TakeLeaf& t, int64_t q0, int64_t step, int64_t count, T* o) {
  const T* src = reinterpret_cast<const T*>(t.data);
  const int64_t inner = t.inner, m = t.m, rowLen = t.n * inner;
  if (step == 1) {
    int64_t q = q0;
    while (count > 0) {
      const int64_t row = q / inner, i = q - row * inner;
      const int64_t outer = row / m, r = row - outer * m;
      const int64_t len = std::min(inner - i, count);
      const T* s = src + outer * rowLen + takeRow<I>(t, r) * inner + i;
      if (len == 1) *o = *s;
      else std::memcpy(o, s, static_cast<size_t>(len) * sizeof(T));
      o += len;
      q += len;
      count -= len;
    }
    return;
  }
  if (step == 0) {  // a broadcast: one element
    const int64_t row = q0 / inner, i = q0 - row * inner;
    const T v = src[(row / m) * rowLen + takeRow<I>(t, row % m) * inner + i];
    for (int64_t j = 0; j < count; ++j) o[j] = v;
    return;
  }
  for (int64_t j = 0; j < count; ++j) {
    const int64_t q = q0 + j * step;
    const int64_t row = q / inner, i = q - row * inner;
    o[j] = src[(row / m) * rowLen + takeRow<I>(t, row % m) * inner + i];
  }
}

}  // namespace

TakeLeaf prepareTakeLeaf(const Leaf& lf, const std::vector<BufferRef>& buffers) {
  const double* tab = static_cast<const double*>(buffers[static_cast<size_t>(lf.b)].data);
  TakeLeaf t;
  t.data = static_cast<const char*>(buffers[static_cast<size_t>(lf.buffer)].data);
  t.index = static_cast<const char*>(buffers[static_cast<size_t>(lf.a)].data);
  t.axis = static_cast<int>(tab[0]);
  t.outer = static_cast<int64_t>(tab[1]);
  t.m = static_cast<int64_t>(tab[2]);
  t.n = static_cast<int64_t>(tab[3]);
  t.inner = static_cast<int64_t>(tab[4]);
  t.indexType = static_cast<DType>(static_cast<int>(tab[5]));
  return t;
}

void fillTake(const TakeLeaf& t, size_t esize, int64_t q0, int64_t step, int64_t count, void* out) {
  withElementSize(esize, [&](auto tag) {
    using T = decltype(tag);
    withDType(t.indexType, [&](auto itag) {
      constexpr DType d = decltype(itag)::value;
      takeFill<T, typename Elem<d>::type>(t, q0, step, count, static_cast<T*>(out));
    });
  });
}

void validateTakeLeaf(const Plan& plan, const Stage& st, const Leaf& lf, const std::string& lp, bool empty) {
  const LeafBuffers lb = leafBuffers(plan, lf, lp, "take", "index");
  const BufferRef& data = *lb.data;
  const BufferRef& index = *lb.a;
  const BufferRef& tab = *lb.table;
  const std::string& tp = lb.tablePath;
  if (tab.bytes / sizeof(double) < 6) fail(tp, "a take leaf's table is 6 float64s [axis, outer, m, n, inner, index dtype]");
  const double* t = static_cast<const double*>(tab.data);
  for (int k = 0; k < 5; ++k)
    if (!(t[k] >= 0 && t[k] <= 4.0e18) || t[k] != std::floor(t[k]))
      fail(tp, "table entry " + std::to_string(k) + " must be an integer >= 0");
  if (!findEnum(kDTypeInfo, static_cast<int64_t>(t[5])) || t[5] != std::floor(t[5]))
    fail(tp, "table entry 5 (the index dtype) unknown (accepted: " + acceptedCodes(kDTypeInfo) + ")");
  const double outer = t[1], m = t[2], n = t[3], inner = t[4];
  const double total = outer * m * inner;
  if (!(total < 4.0e18) || !(outer * n * inner < 4.0e18)) fail(tp, "the take's sizes overflow");
  if (total > 0 && n == 0) fail(tp, "no index is valid for a source of length 0");
  const size_t es = dtypeSize(lf.dtype);
  if (static_cast<double>(data.bytes / es) < outer * n * inner)
    fail(lp + ".buffer", "holds " + std::to_string(data.bytes / es) + " elements, the take's source has " +
                             std::to_string(static_cast<int64_t>(outer * n * inner)));
  const size_t is = dtypeSize(static_cast<DType>(static_cast<int>(t[5])));
  if (static_cast<double>(index.bytes / is) < m)
    fail(lp + ".a", "the index buffer holds " + std::to_string(index.bytes / is) + " indices, the take has " + std::to_string(static_cast<int64_t>(m)));
  // the leaf addresses output positions 0..total-1 as a memory leaf addresses its buffer
  BufferRef virt;
  virt.bytes = static_cast<size_t>(total) * es;
  checkAffineRange(lp, lf.offset, lf.strides, st.shape, empty, &virt, lf.dtype, "the " + std::to_string(static_cast<int64_t>(total)) + " take elements");
}

int64_t gatherTaskCount(const Stage& st) {
  int64_t t = 1;
  for (size_t k = 0; k < st.shape.size(); ++k) {
    if (st.shape[k] == 0) return 0;
    t *= static_cast<int64_t>(st.chunks[k].size());
  }
  return t;
}

void runGatherTask(const Stage& st, const std::vector<BufferRef>& buffers, int64_t task) {
  const Box b = chunkBoxOf(st, task);
  if (st.kind == StageKind::Take) {
    withDType(st.sink.dtype, [&](auto tag) {
      constexpr DType d = decltype(tag)::value;
      takeTask<typename Elem<d>::type>(st, buffers, b);
    });
  } else if (st.imms[0] == 0) {
    compressCount(st, buffers, b);
  } else {
    compressTask(st, buffers, b);
  }
}

void validateGatherStage(const Plan& plan, const Stage& st, const std::string& sp, bool empty) {
  const size_t nd = st.shape.size();
  const Sink& sk = st.sink;
  const std::string kp = sp + ".sink";
  const bool take = st.kind == StageKind::Take;
  const char* what = take ? "a take stage" : "a compress stage";
  if (!st.program.empty()) fail(sp + ".program", std::string(what) + " has no program (accepted: empty)");
  if (sk.reduce != ReduceOp::None || sk.partials)
    fail(kp + ".reduce", std::string(what) + " stores its result (accepted: reduce None, no partials)");
  auto dtypeOk = [](DType d) { return findEnum(kDTypeInfo, static_cast<int64_t>(d)) != nullptr; };
  if (!dtypeOk(sk.dtype)) fail(kp + ".dtype", std::to_string(static_cast<int>(sk.dtype)) + " unknown (accepted: " + acceptedCodes(kDTypeInfo) + ")");
  for (size_t i = 0; i < st.leaves.size(); ++i) {
    if (st.leaves[i].kind != LeafKind::Memory)
      fail(sp + ".leaves[" + std::to_string(i) + "].kind", std::string("must be memory in ") + what);
    if (!dtypeOk(st.leaves[i].dtype))
      fail(sp + ".leaves[" + std::to_string(i) + "].dtype", std::to_string(static_cast<int>(st.leaves[i].dtype)) + " unknown (accepted: " + acceptedCodes(kDTypeInfo) + ")");
  }
  const BufferRef& out = planBuffer(plan, sk.buffer, kp + ".buffer");
  const std::string obp = "buffers[" + std::to_string(sk.buffer) + "]";
  if (!out.writable) fail(kp + ".buffer", obp + " is read-only");
  auto leafBuf = [&](size_t i) -> const BufferRef* {
    const Leaf& lf = st.leaves[i];
    const std::string lp = sp + ".leaves[" + std::to_string(i) + "]";
    const BufferRef* buf = &planBuffer(plan, lf.buffer, lp + ".buffer");
    if (lf.buffer == sk.buffer) fail(lp + ".buffer", "must not be the sink's buffer");
    return buf;
  };
  if (take) {
    if (st.leaves.size() != 2) fail(sp + ".leaves", "a take stage has exactly 2 memory leaves (data, indices)");
    if (st.imms.size() != 2) fail(sp + ".imms", "a take stage has imms [axis, source length]");
    const double ax = st.imms[0], len = st.imms[1];
    if (!(ax >= 0 && ax < static_cast<double>(nd)) || ax != std::floor(ax))
      fail(sp + ".imms[0]", "the take axis must be an axis of the stage (0.." + std::to_string(nd) + ")");
    if (!(len >= 0 && len < 4.6e18) || len != std::floor(len)) fail(sp + ".imms[1]", "the source length must be an integer >= 0");
    const size_t a = static_cast<size_t>(ax);
    if (!empty && st.shape[a] > 0 && len == 0) fail(sp + ".imms[1]", "no index is valid for a source of length 0");
    const Leaf& in = st.leaves[0];
    if (in.dtype != sk.dtype) fail(sp + ".leaves[0].dtype", "must be the sink's dtype (take copies elements)");
    std::vector<int64_t> inShape(st.shape);
    inShape[a] = static_cast<int64_t>(len);
    checkAffineRange(sp + ".leaves[0]", in.offset, in.strides, inShape, empty || len == 0, leafBuf(0), in.dtype,
                     "buffers[" + std::to_string(in.buffer) + "]");
    const Leaf& ix = st.leaves[1];
    checkAffineRange(sp + ".leaves[1]", ix.offset, ix.strides, st.shape, empty, leafBuf(1), ix.dtype,
                     "buffers[" + std::to_string(ix.buffer) + "]");
    checkAffineRange(kp, sk.offset, sk.strides, st.shape, empty, &out, sk.dtype, obp);
    return;
  }
  if (nd != 1) fail(sp + ".shape", "a compress stage is 1-d (the raveled input)");
  if (st.imms.empty() || !(st.imms[0] == 0 || st.imms[0] == 1)) fail(sp + ".imms", "a compress stage has imms [phase 0|1, ...]");
  const int64_t nchunks = static_cast<int64_t>(st.chunks[0].size());
  if (st.imms[0] == 0) {
    if (st.leaves.size() != 1) fail(sp + ".leaves", "a compress count (phase 0) has exactly 1 memory leaf (the condition)");
    if (st.imms.size() != 1) fail(sp + ".imms", "a compress count (phase 0) has imms [0]");
    if (sk.dtype != DType::F64) fail(kp + ".dtype", "the chunk counts are float64 (0)");
    checkAffineRange(sp + ".leaves[0]", st.leaves[0].offset, st.leaves[0].strides, st.shape, empty, leafBuf(0),
                     st.leaves[0].dtype, "buffers[" + std::to_string(st.leaves[0].buffer) + "]");
    // one count per chunk index
    checkAffineRange(kp, sk.offset, sk.strides, {nchunks}, empty, &out, sk.dtype, obp);
    return;
  }
  if (st.leaves.size() != 2) fail(sp + ".leaves", "a compress copy (phase 1) has exactly 2 memory leaves (data, condition)");
  if (st.imms.size() != static_cast<size_t>(nchunks) + 2)
    fail(sp + ".imms", "a compress copy (phase 1) has imms [1, total, offset of each chunk]");
  if (st.leaves[0].dtype != sk.dtype) fail(sp + ".leaves[0].dtype", "must be the sink's dtype (compress copies elements)");
  for (size_t i = 0; i < 2; ++i)
    checkAffineRange(sp + ".leaves[" + std::to_string(i) + "]", st.leaves[i].offset, st.leaves[i].strides, st.shape, empty,
                     leafBuf(i), st.leaves[i].dtype, "buffers[" + std::to_string(st.leaves[i].buffer) + "]");
  const double total = st.imms[1];
  if (!(total >= 0 && total <= static_cast<double>(st.shape[0])) || total != std::floor(total))
    fail(sp + ".imms[1]", "the total must be an integer in [0, input length]");
  double prev = 0;
  for (int64_t j = 0; j < nchunks; ++j) {
    const double o = st.imms[static_cast<size_t>(2 + j)];
    if (!(o >= prev && o <= total) || o != std::floor(o))
      fail(sp + ".imms[" + std::to_string(2 + j) + "]", "chunk offsets must be non-decreasing integers in [0, total]");
    prev = o;
  }
  if (sk.strides.size() != 1 || sk.strides[0] != 1) fail(kp + ".strides", "a compress copy writes contiguously (accepted: [1])");
  checkAffineRange(kp, sk.offset, {1}, {static_cast<int64_t>(total)}, total == 0, &out, sk.dtype, obp);
}

}  // namespace tessera::detail
