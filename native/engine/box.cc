#include "engine/box.h"

#include <algorithm>
#include <cstdlib>

#include "engine/reduce.h"
#include "engine/stage_prep.h"
#include "engine/vm.h"

namespace tessera::detail {
namespace {

constexpr int kMaxStreamsStaged = 4;
// longest staged row: 2 groups of 8 rows, 8 MiB per staged stream (200000×160 float64 in 50000-row
// chunks: sum over axis 0 103 -> 49 ms on one thread; longer rows gather column by column)
constexpr int64_t kMaxStagedRow = 65536;
constexpr size_t kKeptStage = size_t(1) << 20;  // elements a thread keeps staged between boxes (8 MiB)

int64_t tileEdge() {
  static const int64_t t = [] {
    const char* e = std::getenv("TESSERA_TILE");
    long v = e ? std::strtol(e, nullptr, 10) : 0;
    return v >= 8 && v <= 4096 ? static_cast<int64_t>(v) : int64_t(64);
  }();
  return t;
}

// Walks the box row by row, cutting it into blocks of <= kBlock elements made of pieces.
void runBox(const Job& job, StagePrep& p, VMState& vm, const Box& box, Accum& acc, int64_t redChunk) {
  const int nd = box.nd;
  const int S = p.nstreams;
  const int64_t L = nd > 0 ? box.ext[nd - 1] : 1;
  vm.rowBase.resize(static_cast<size_t>(S));
  vm.inner.resize(static_cast<size_t>(S));
  vm.prefetch.resize(static_cast<size_t>(S));
  vm.pieceBase.resize(static_cast<size_t>(S) * kBlock);
  int64_t* rowBase = vm.rowBase.data();
  int64_t* inner = vm.inner.data();
  int64_t* pbase = vm.pieceBase.data();
  for (int s = 0; s < S; ++s) {
    rowBase[s] = box.base[static_cast<size_t>(s)];
    inner[s] = nd > 0 ? box.st(s, nd - 1) : 0;
    // strided gathers prefetch the rows of the next block (one block = kBlock / L rows)
    vm.prefetch[static_cast<size_t>(s)] = (nd >= 2 && L < kBlock) ? (kBlock / L) * box.st(s, nd - 2) : 0;
  }
  // Rows longer than a block: a block that would straddle two rows ends at the row's end instead
  // when the blocking cannot change the result (elementwise stages, arg reductions: exact in any
  // order; float sums keep their blocks, whose pairwise order they are rounded in). Its pieces
  // are then one contiguous run, read in place (vm.cc leafInPlace) rather than copied into the
  // register (issue 14: astype and argmax of 3904-wide chunks copied a quarter of their input).
  const bool rowBlocks = L > kBlock && (!p.reduce || p.argLike);
  // A float64 arg reduction of a memory leaf read in place and nothing else (x.argmax({ axis })
  // of a persisted array): no register holds a block, so a block is the whole row of the chunk,
  // one kernel call and one partial per row instead of one per kBlock elements.
  bool wholeRows = false;
  if (rowBlocks && p.regType == DType::F64 && p.typed.instrs.size() == 1) {
    const TypedInstr& in = p.typed.instrs[0];
    if (in.op == Op::Load && in.dst == p.st->result) {
      const LeafPrep& l = p.leaves[static_cast<size_t>(in.a)];
      const int s = p.leafStream[static_cast<size_t>(in.a)];
      wholeRows = l.kind == LeafKind::Memory && l.dtype == DType::F64 && !p.readsSink && inner[s] == 1;
    }
  }
  const int64_t cap = wholeRows ? L : kBlock;
  int64_t idx[kMaxBoxDims] = {0};
  int64_t pos = 0;
  bool done = false;
  // A reduction over the box's inner axis that a memory leaf holds with a large stride while the
  // next axis is contiguous (x.sum({ axis: 0 }) of a C-contiguous chunk): gathering one column at a
  // time reads a cache line per element. Such a stream is staged instead: kStageRows rows of the
  // box at a time are copied, one cache line per row of memory, into a contiguous buffer, and the
  // stream addresses it (stride 1, read in place). The blocks, their pieces and the values in
  // them are the same as without staging, so the result is bit-identical. Two alternating buffers:
  // a block (≤ kBlock elements; a group, one row or more, is ≥ kBlock elements as L ≥ kBlock)
  // still holds pieces of the previous group when the next is staged.
  constexpr int64_t kStageRows = 8;
  int staged[kMaxStreamsStaged];
  int nstaged = 0;
  int64_t stIdx[kMaxStreamsStaged] = {0};
  int64_t stStep[kMaxStreamsStaged] = {0};  // the staged streams' stride in memory along the row
  int64_t group = 0;  // staging buffer in use (0/1)
  if (p.reduce && !p.argLike && !p.readsSink && nd >= 2 && L >= kBlock && L <= kMaxStagedRow) {
    for (int s = 0; s < p.sinkStream && nstaged < kMaxStreamsStaged; ++s) {
      const int leaf = p.streamLeaf[static_cast<size_t>(s)];
      if (leaf < 0) continue;
      const LeafPrep& l = p.leaves[static_cast<size_t>(leaf)];
      if (l.kind != LeafKind::Memory || dtypeSize(l.dtype) != 8) continue;
      if (std::llabs(inner[s]) < 8 || box.st(s, nd - 2) != 1) continue;
      stStep[nstaged] = inner[s];
      staged[nstaged++] = s;
      inner[s] = 1;  // what the VM sees: the staged rows, contiguous
      vm.prefetch[static_cast<size_t>(s)] = 0;
    }
  }
  const int64_t slab = kStageRows * L;  // elements of one staged group, per stream
  auto stage = [&]() {  // copy the group starting at the current row (idx, rowBase) of each staged stream
    const int64_t g = std::min(kStageRows, box.ext[nd - 2] - idx[nd - 2]);
    group ^= 1;
    for (int q = 0; q < nstaged; ++q) {
      const int s = staged[q];
      const int leaf = p.streamLeaf[static_cast<size_t>(s)];
      const uint64_t* src = reinterpret_cast<const uint64_t*>(p.leaves[static_cast<size_t>(leaf)].data) + rowBase[s];
      uint64_t* dst = vm.stage.data() + (static_cast<int64_t>(q) * 2 + group) * slab;
      const int64_t st = stStep[q];
      // row by row of memory: one cache line (g ≤ 8 elements) to g staged rows
      constexpr int64_t kAhead = 48;  // rows prefetched ahead (the hardware's stride prefetch lags)
      int64_t r = 0;
      if (g == kStageRows) {
        for (; r < L; ++r) {
          const uint64_t* row = src + r * st;
          if (r + kAhead < L) __builtin_prefetch(row + kAhead * st);
          for (int64_t c = 0; c < kStageRows; ++c) dst[c * L + r] = row[c];
        }
      }
      for (; r < L; ++r) {
        const uint64_t* row = src + r * st;
        if (r + kAhead < L) __builtin_prefetch(row + kAhead * st);
        for (int64_t c = 0; c < g; ++c) dst[c * L + r] = row[c];
      }
      vm.leafData[static_cast<size_t>(leaf)] = reinterpret_cast<const char*>(vm.stage.data() + static_cast<int64_t>(q) * 2 * slab);
      stIdx[q] = group * slab;
    }
  };
  struct Unstage {  // the leaves' own memory again when the box ends (or stops early)
    std::vector<const char*>& d;
    std::vector<uint64_t>& buf;
    ~Unstage() {
      d.clear();
      if (buf.capacity() > kKeptStage) std::vector<uint64_t>().swap(buf);  // several tall streams: not kept
    }
  } unstage{vm.leafData, vm.stage};
  if (nstaged > 0) {
    vm.stage.resize(static_cast<size_t>(nstaged * 2 * slab));
    vm.leafData.assign(p.leaves.size(), nullptr);
    stage();
  }
  while (!done) {
    if (job.stopped()) return;
    int np = 0;
    int64_t n = 0;
    while (n < cap && !(rowBlocks && np > 0 && pos == 0)) {
      const int64_t m = std::min(L - pos, cap - n);
      vm.pieceOff[static_cast<size_t>(np)] = n;
      vm.pieceLen[static_cast<size_t>(np)] = m;
      int64_t* pb = pbase + static_cast<int64_t>(np) * S;
      for (int s = 0; s < S; ++s) pb[s] = rowBase[s] + pos * inner[s];
      for (int q = 0; q < nstaged; ++q) pb[staged[q]] = stIdx[q] + pos;  // (inner is 1 there)
      ++np;
      n += m;
      pos += m;
      if (pos == L) {
        pos = 0;
        int k = nd - 2;
        for (; k >= 0; --k) {
          ++idx[k];
          for (int s = 0; s < S; ++s) rowBase[s] += box.st(s, k);
          if (idx[k] < box.ext[k]) break;
          for (int s = 0; s < S; ++s) rowBase[s] -= box.ext[k] * box.st(s, k);
          idx[k] = 0;
        }
        if (k < 0) {
          done = true;
          break;
        }
        if (nstaged > 0) {  // the next row: within the staged group, or the first of a new one
          if (k == nd - 2 && idx[nd - 2] % kStageRows != 0) {
            for (int q = 0; q < nstaged; ++q) stIdx[q] += L;
          } else {
            stage();
          }
        }
      }
    }
    runBlock(p, vm, n, np, acc, redChunk);
  }
}

}  // namespace

void runChunk(const Job& job, StagePrep& p, VMState& vm, int64_t task) {
  const int nd = p.nd;
  const int S = p.nstreams;
  vm.cursors.assign(p.leaves.size(), CompressCursor{});

  // chunk coordinates (row-major, last axis fastest)
  int64_t start[kMaxDims], ext[kMaxDims];
  int64_t rem = task, redChunk = 0;
  bool emptyBox = false;
  for (int k = nd - 1; k >= 0; --k) {
    const int64_t nc = p.nchunks[static_cast<size_t>(k)];
    const int64_t ci = rem % nc;
    rem /= nc;
    const auto& cs = p.cstart[static_cast<size_t>(k)];
    start[k] = cs[static_cast<size_t>(ci)];
    ext[k] = cs[static_cast<size_t>(ci) + 1] - start[k];
    if (ext[k] == 0) emptyBox = true;
    if (p.reduce) redChunk += ci * p.redChunkStride[static_cast<size_t>(k)];
  }

  if (!emptyBox) {
    // stream address maps: the stage's, with each concat leaf's stream on the part this task's
    // chunk lies in (validated: every chunk along the leaf's axis lies in one part)
    const int64_t* sOffset = p.sOffset.data();
    const int64_t* sStride = p.sStride.data();
    if (p.hasParts) {
      vm.sOff.assign(p.sOffset.begin(), p.sOffset.end());
      vm.sStr.assign(p.sStride.begin(), p.sStride.end());
      vm.leafPart.assign(p.leaves.size(), 0);
      for (int s = 0; s < p.sinkStream; ++s) {
        const int leaf = p.streamLeaf[static_cast<size_t>(s)];
        const LeafPrep& l = p.leaves[static_cast<size_t>(leaf)];
        if (l.kind != LeafKind::Concat) continue;
        const int part = concatPartAt(l.partLo, start[l.partAxis]);
        vm.leafPart[static_cast<size_t>(leaf)] = part;
        vm.sOff[static_cast<size_t>(s)] = l.partOffset[static_cast<size_t>(part)];
        for (int k = 0; k < nd; ++k)
          vm.sStr[static_cast<size_t>(s * nd + k)] = l.partStrides[static_cast<size_t>(part * nd + k)];
      }
      sOffset = vm.sOff.data();
      sStride = vm.sStr.data();
    }
    Box& b = vm.box;
    b.resize(S);
    for (int s = 0; s < S; ++s) {
      int64_t base = sOffset[s];
      for (int k = 0; k < nd; ++k) base += start[k] * sStride[s * nd + k];
      b.base[static_cast<size_t>(s)] = base;
    }
    // axes in iteration order; drop extent 1; merge contiguous neighbours
    b.nd = 0;
    for (int qi = 0; qi < nd; ++qi) {
      const int k = p.perm[qi];
      const int64_t e = ext[k];
      if (e == 1) continue;
      if (b.nd > 0) {
        const int o = b.nd - 1;
        bool merge = true;
        for (int s = 0; s < S && merge; ++s) {
          int64_t prod;
          if (__builtin_mul_overflow(sStride[s * nd + k], e, &prod) ||
              prod != b.st(s, o))
            merge = false;
        }
        if (merge) {
          b.ext[o] *= e;
          for (int s = 0; s < S; ++s) b.st(s, o) = sStride[s * nd + k];
          continue;
        }
      }
      b.ext[b.nd] = e;
      for (int s = 0; s < S; ++s) b.st(s, b.nd) = sStride[s * nd + k];
      ++b.nd;
    }

    Accum acc;
    bool tile = false;
    // Tiles reorder elements freely: fine for stores, and for a reduction only when this task's
    // box reduces to one output element (every kept axis has extent 1 in the box). Decided per
    // box, not per stage, so a one-chunk sub-stage of this stage (the distributed scheduler's
    // per-chunk task) iterates exactly as this stage does for that chunk.
    bool allowTile = true;
    if (p.reduce) {
      const std::vector<uint8_t>& ra = p.st->sink.reduceAxes;
      for (int k = 0; k < nd && allowTile; ++k)
        if ((ra.empty() || !ra[static_cast<size_t>(k)]) && ext[k] > 1) allowTile = false;
    }
    if (allowTile && b.nd >= 2) {
      const int ia = b.nd - 2, ib = b.nd - 1;
      for (int s = 0; s < S && !tile; ++s) {
        if (!p.tileSensitive[static_cast<size_t>(s)]) continue;
        const int64_t si = std::llabs(b.st(s, ib)), so = std::llabs(b.st(s, ia));
        if (si > 1 && so < si) tile = true;
      }
    }
    if (!tile) {
      runBox(job, p, vm, b, acc, redChunk);
    } else {
      const int ia = b.nd - 2, ib = b.nd - 1;
      const int64_t ea = b.ext[ia], eb = b.ext[ib];
      const int64_t kTile = tileEdge();
      const int64_t qa = ea / kTile, qb = eb / kTile, ra = ea % kTile, rb = eb % kTile;
      Box& sb = vm.sub;
      sb.resize(S);
      auto outer = [&](int extra) {
        sb.nd = ia + extra;
        for (int k = 0; k < ia; ++k) {
          sb.ext[k] = b.ext[k];
          for (int s = 0; s < S; ++s) sb.st(s, k) = b.st(s, k);
        }
      };
      auto axis = [&](int at, int64_t e, int src, int64_t mul) {
        sb.ext[at] = e;
        for (int s = 0; s < S; ++s) sb.st(s, at) = b.st(s, src) * mul;
      };
      if (qa > 0 && qb > 0) {  // whole tiles: [outer..., qa, qb, kTile, kTile]
        outer(4);
        axis(ia, qa, ia, kTile);
        axis(ia + 1, qb, ib, kTile);
        axis(ia + 2, kTile, ia, 1);
        axis(ia + 3, kTile, ib, 1);
        for (int s = 0; s < S; ++s) sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)];
        runBox(job, p, vm, sb, acc, redChunk);
      }
      if (qa > 0 && rb > 0) {  // right strip
        outer(2);
        axis(ia, qa * kTile, ia, 1);
        axis(ia + 1, rb, ib, 1);
        for (int s = 0; s < S; ++s)
          sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)] + qb * kTile * b.st(s, ib);
        runBox(job, p, vm, sb, acc, redChunk);
      }
      if (ra > 0) {  // bottom strip
        outer(2);
        axis(ia, ra, ia, 1);
        axis(ia + 1, eb, ib, 1);
        for (int s = 0; s < S; ++s)
          sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)] + qa * kTile * b.st(s, ia);
        runBox(job, p, vm, sb, acc, redChunk);
      }
    }
    if (p.reduce && acc.active) accFlush(p, acc, redChunk);
  }
}

}  // namespace tessera::detail
