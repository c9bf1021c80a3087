#include "engine/stage_prep.h"

#include "kernels/kernels.h"

namespace tessera::detail {

namespace {

// A leaf's decoded parameters (a concat leaf's parts are added by the caller).
void prepareLeaf(const Leaf& lf, const std::vector<BufferRef>& buffers, LeafPrep& l) {
  l.kind = lf.kind;
  l.dtype = lf.dtype;
  l.a = lf.a;
  l.b = lf.b;
  l.key = kernels::randomKey(lf.seed);
  l.data = lf.kind == LeafKind::Memory ? static_cast<const char*>(buffers[static_cast<size_t>(lf.buffer)].data) : nullptr;
  if (lf.kind == LeafKind::Compress) l.compress = prepareCompressLeaf(lf, buffers);
  if (lf.kind == LeafKind::Take) l.take = prepareTakeLeaf(lf, buffers);
}

}  // namespace

void prepareStage(const Stage& st, const std::vector<BufferRef>& buffers, StagePrep& p) {
  p.st = &st;
  const int nd = static_cast<int>(st.shape.size());
  p.nd = nd;
  p.cstart.resize(static_cast<size_t>(nd));
  p.nchunks.resize(static_cast<size_t>(nd));
  p.ntasks = 1;
  for (int k = 0; k < nd; ++k) {
    const auto& c = st.chunks[static_cast<size_t>(k)];
    auto& cs = p.cstart[static_cast<size_t>(k)];
    cs.resize(c.size() + 1);
    cs[0] = 0;
    for (size_t j = 0; j < c.size(); ++j) cs[j + 1] = cs[j] + c[j];
    p.nchunks[static_cast<size_t>(k)] = static_cast<int64_t>(c.size());
  }
  // An empty stage runs no task (its chunk grid may be absurdly large: only non-empty grids are
  // bounded by the validator). A reduction over an empty axis writes identities in finishStage.
  bool emptyStage = false;
  for (int k = 0; k < nd; ++k) emptyStage = emptyStage || st.shape[static_cast<size_t>(k)] == 0;
  if (emptyStage) p.ntasks = 0;
  else
    for (int k = 0; k < nd; ++k) p.ntasks *= p.nchunks[static_cast<size_t>(k)];
  const Sink& sk = st.sink;
  p.reduce = sk.reduce != ReduceOp::None;
  p.op = sk.reduce;
  p.varLike = sk.reduce == ReduceOp::Var || sk.reduce == ReduceOp::Std;
  p.argLike = sk.reduce == ReduceOp::ArgMin || sk.reduce == ReduceOp::ArgMax ||
              sk.reduce == ReduceOp::NanArgMin || sk.reduce == ReduceOp::NanArgMax;
  auto reduced = [&](int k) { return !sk.reduceAxes.empty() && sk.reduceAxes[static_cast<size_t>(k)]; };

  // iteration order: partial reductions put the reduced axes innermost
  int q = 0;
  for (int k = 0; k < nd; ++k)
    if (!p.reduce || !reduced(k)) p.perm[q++] = k;
  if (p.reduce)
    for (int k = 0; k < nd; ++k)
      if (reduced(k)) p.perm[q++] = k;

  // streams
  p.leafStream.assign(st.leaves.size(), -1);
  p.streamLeaf.clear();
  for (const Instr& in : st.program) {
    if (in.op == Op::Load && p.leafStream[static_cast<size_t>(in.a)] < 0) {
      p.leafStream[static_cast<size_t>(in.a)] = static_cast<int>(p.streamLeaf.size());
      p.streamLeaf.push_back(in.a);
    }
  }
  p.sinkStream = static_cast<int>(p.streamLeaf.size());
  p.streamLeaf.push_back(-1);
  if (p.reduce) {
    p.kStream = static_cast<int>(p.streamLeaf.size());
    p.streamLeaf.push_back(-1);
  }
  if (p.argLike) {
    p.argStream = static_cast<int>(p.streamLeaf.size());
    p.streamLeaf.push_back(-1);
  }
  p.nstreams = static_cast<int>(p.streamLeaf.size());
  p.sOffset.assign(static_cast<size_t>(p.nstreams), 0);
  p.sStride.assign(static_cast<size_t>(p.nstreams) * static_cast<size_t>(nd), 0);
  p.tileSensitive.assign(static_cast<size_t>(p.nstreams), 0);
  for (int s = 0; s < p.sinkStream; ++s) {
    const Leaf& lf = st.leaves[static_cast<size_t>(p.streamLeaf[static_cast<size_t>(s)])];
    p.sOffset[static_cast<size_t>(s)] = lf.offset;
    for (int k = 0; k < nd; ++k) p.sStride[static_cast<size_t>(s * nd + k)] = lf.strides[static_cast<size_t>(k)];
    p.tileSensitive[static_cast<size_t>(s)] = lf.kind == LeafKind::Memory;
  }
  p.sOffset[static_cast<size_t>(p.sinkStream)] = sk.offset;
  for (int k = 0; k < nd; ++k)
    p.sStride[static_cast<size_t>(p.sinkStream * nd + k)] = sk.strides[static_cast<size_t>(k)];
  p.tileSensitive[static_cast<size_t>(p.sinkStream)] = !p.reduce;
  if (p.argLike) {
    int64_t acc = 1;
    for (int k = nd - 1; k >= 0; --k)
      if (reduced(k)) {
        p.sStride[static_cast<size_t>(p.argStream * nd + k)] = acc;
        acc *= st.shape[static_cast<size_t>(k)];
      }
  }

  p.leaves.resize(st.leaves.size());
  for (size_t i = 0; i < st.leaves.size(); ++i) {
    const Leaf& lf = st.leaves[i];
    LeafPrep& l = p.leaves[i];
    prepareLeaf(lf, buffers, l);
    if (lf.kind != LeafKind::Concat) continue;
    // a concat leaf: its parts, each a plain leaf with its own address map
    l.partAxis = static_cast<int>(lf.a);
    const std::vector<ConcatPart> parts = concatParts(lf, buffers, static_cast<size_t>(nd));
    l.parts.resize(parts.size());
    bool memory = false;
    for (size_t j = 0; j < parts.size(); ++j) {
      prepareLeaf(parts[j].leaf, buffers, l.parts[j]);
      l.partLo.push_back(parts[j].lo);
      l.partOffset.push_back(parts[j].leaf.offset);
      l.partStrides.insert(l.partStrides.end(), parts[j].leaf.strides.begin(), parts[j].leaf.strides.end());
      memory = memory || parts[j].leaf.kind == LeafKind::Memory;
    }
    const int s = p.leafStream[i];
    if (s >= 0) {
      p.hasParts = true;
      p.tileSensitive[static_cast<size_t>(s)] = memory;
    }
  }
  p.outData = static_cast<char*>(buffers[static_cast<size_t>(sk.buffer)].data);
  p.readsSink = false;
  for (size_t i = 0; i < st.leaves.size(); ++i)
    if (st.leaves[i].kind == LeafKind::Memory && (st.leaves[i].buffer == sk.buffer || p.leaves[i].data == p.outData))
      p.readsSink = true;
  p.outType = sk.dtype;
  p.typed = typeProgram(st, "stage");
  p.regType = p.typed.result;
  p.intRed = p.reduce && intReduction(p.op, p.regType);
  p.intSigned = signedInt(p.regType);

  if (p.reduce) {
    // K: row-major index over the kept axes; redChunk: row-major index over the chunk grid of
    // the reduced axes.
    p.keptCount = 1;
    p.nRed = 1;
    p.count = 1;
    p.redChunkStride.assign(static_cast<size_t>(nd), 0);
    for (int k = nd - 1; k >= 0; --k) {
      const int64_t n = st.shape[static_cast<size_t>(k)];
      if (reduced(k)) {
        p.redChunkStride[static_cast<size_t>(k)] = p.nRed;
        if (!emptyStage) p.nRed *= p.nchunks[static_cast<size_t>(k)];  // <= ntasks <= 2^31
        p.count *= static_cast<double>(n);
        p.sStride[static_cast<size_t>(p.kStream * nd + k)] = 0;
      } else {
        p.sStride[static_cast<size_t>(p.kStream * nd + k)] = p.keptCount;
        // <= 2^34 (validated) unless a kept axis is empty; saturate then (reset to 0 below)
        if (__builtin_mul_overflow(p.keptCount, n, &p.keptCount)) p.keptCount = int64_t(1) << 62;
      }
    }
    for (int k = 0; k < nd; ++k)
      if (!reduced(k) && st.shape[static_cast<size_t>(k)] == 0) p.keptCount = 0;
    p.singleReduceChunk = p.nRed <= 1;
  }
}

}  // namespace tessera::detail
