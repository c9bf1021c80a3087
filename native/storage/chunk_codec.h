// Zarr chunk codecs on the engine's pool (no napi.h): one chunk per task. A decode reads a chunk
// file (or takes its bytes), decompresses it (zstd: the vendored library, native/third_party/zstd;
// or none) and copies the box of it a compute reads into the buffer the plan reads — straight into
// that buffer when the box is the whole chunk laid out contiguously. An encode compresses one
// chunk and writes it to a temp name, then renames it (no half-written chunk is ever visible).
// Failures are per item (ChunkResult), never a crash: the binding turns them into JS errors that
// name the chunk file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::storage {

enum class Codec { None, Zstd };

struct DecodeItem {
  std::string path;              // the chunk file; empty: `bytes` holds the encoded chunk
  const uint8_t* bytes = nullptr;
  size_t nbytes = 0;
  Codec codec = Codec::None;
  int itemsize = 1;
  std::vector<int64_t> chunkShape;  // elements per axis of the stored (full) chunk
  std::vector<int64_t> lo, hi;      // the box of the chunk to copy, chunk-local, [lo, hi)
  uint8_t* dst = nullptr;
  size_t dstBytes = 0;              // for the bounds check
  int64_t dstOffset = 0;            // elements: where box element lo lands
  std::vector<int64_t> dstStrides;  // elements, one per axis, non-negative
};

struct EncodeItem {
  const uint8_t* src = nullptr;
  size_t nbytes = 0;
  Codec codec = Codec::None;
  int level = 1;
  std::string path;     // final name; empty: the encoded bytes are returned in `out`
  std::string tmpPath;  // written first, then renamed to `path`
};

struct ChunkResult {
  enum Status { Ok, Missing, Error } status = Ok;
  std::string message;  // Error: what went wrong
  std::string code;     // Error from a system call: the errno name (ENOENT, EACCES, …), else empty
  std::string path;     // Error: the file concerned
  std::vector<uint8_t> out;  // encode without a path: the encoded bytes
};

// Checks an item's geometry (box inside the chunk, destination inside its buffer); "" when valid.
std::string checkDecodeItem(const DecodeItem& item);

// One chunk each; thread-safe (per-thread codec contexts and scratch buffers).
ChunkResult decodeChunk(const DecodeItem& item);
ChunkResult encodeChunk(const EncodeItem& item);

// The vendored zstd's version ("1.5.7").
const char* zstdVersion();

}  // namespace tessera::storage
