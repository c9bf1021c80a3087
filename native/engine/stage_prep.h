// Stage preparation: everything the tasks of one stage share, derived once from the Stage before
// it runs — the chunk grid, the iteration order, the address *streams* (each loaded leaf, the
// sink, and for reductions the kept-output index K) with their offsets and strides, the leaves'
// decoded parameters, and the reduction's shape (kept outputs, chunks per output, slots).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compress_leaf.h"
#include "engine/concat_leaf.h"
#include "engine/gather.h"
#include "engine/partial.h"
#include "engine/plan.h"
#include "engine/typing.h"

namespace tessera::detail {

struct LeafPrep {
  LeafKind kind;
  DType dtype;
  double a, b;
  uint64_t key;
  const char* data;  // memory leaves
  CompressIndex compress;  // compress leaves (engine/compress_leaf.h)
  TakeLeaf take;           // take leaves (engine/gather.h)
  // concat leaves (engine/concat_leaf.h): the parts along partAxis (part p starts at partLo[p]),
  // each prepared as a plain leaf with its own address map (partOffset[p], partStrides[p * nd + k])
  int partAxis = -1;
  std::vector<int64_t> partLo, partOffset, partStrides;
  std::vector<LeafPrep> parts;
};

struct StagePrep {
  const Stage* st = nullptr;
  int nd = 0;
  std::vector<std::vector<int64_t>> cstart;  // per axis: chunk start offsets, size nchunks + 1
  std::vector<int64_t> nchunks;
  int64_t ntasks = 0;
  int perm[kMaxDims];
  // streams: [loaded leaves..., sink address, (reduce) kept index K]
  std::vector<int> streamLeaf;       // stream -> leaf index (-1: sink / K)
  std::vector<int> leafStream;       // leaf -> stream (-1: never loaded)
  std::vector<uint8_t> tileSensitive;
  // argStream (ArgMin/ArgMax): the row-major index over the reduced axes, NumPy's argmax result
  int nstreams = 0, sinkStream = 0, kStream = -1, argStream = -1;
  std::vector<int64_t> sOffset, sStride;  // natural axis order, sStride[s * nd + k]
  std::vector<LeafPrep> leaves;
  bool hasParts = false;  // a loaded leaf is a concat leaf: streams pick their part per task (box.cc)
  bool reduce = false, varLike = false, argLike = false;
  ReduceOp op = ReduceOp::None;
  int64_t keptCount = 0, nRed = 1;  // kept output elements; chunks along the reduced axes
  double count = 0;  // reduced elements per output element
  // Every output element lies in one chunk of the reduced axes (nRed <= 1): a task's partial is
  // final and is emitted at once, with no per-chunk slots and no combine after the stage.
  bool singleReduceChunk = true;
  std::vector<int64_t> redChunkStride;  // per axis
  std::vector<Partial> partials;        // slot (K, redChunk) at K * nRed + redChunk
  char* outData = nullptr;
  DType outType = DType::F64;
  // Kernel stages: the program with each instruction's loop and dtypes (typing.h); regType is the
  // result register's dtype. intRed: the reduction runs in 64-bit integers (intSigned: as int64,
  // else as uint64 bit patterns); otherwise non-float64 values are widened to float64 first.
  TypedProgram typed;
  DType regType = DType::F64;
  bool intRed = false, intSigned = false;
  // A memory leaf reads the sink's buffer: every Load copies (the VM never reads a register in
  // place from memory the stage writes).
  bool readsSink = false;
};

// Fills p for st (validated); buffers are the plan's.
void prepareStage(const Stage& st, const std::vector<BufferRef>& buffers, StagePrep& p);

}  // namespace tessera::detail
