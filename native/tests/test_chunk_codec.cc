// Zarr chunk codecs (native/storage/chunk_codec): zstd frames from the reference implementation
// decoded, round trips, boxes copied into strided destinations, files written atomically, and
// every failure reported per chunk (never a crash).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "storage/chunk_codec.h"

using namespace tessera::storage;

namespace {

// numcodecs 0.11 (Debian's python3-numcodecs, its own libzstd): Zstd(1).encode(np.arange(6.)) —
// the 48 bytes of float64 0, 1, …, 5 as an independent encoder wrote them
const uint8_t kArangeFrame[] = {0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x30, 0xf5, 0x00, 0x00, 0x90, 0x00, 0x00, 0xf0,
                                0x3f, 0x00, 0x40, 0x00, 0x08, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x14, 0x40, 0x04, 0x00, 0x2b, 0x29, 0x40, 0xc3, 0x00, 0x1b, 0x1c, 0xc0, 0x02};

std::string tmpDir() {
  char tmpl[] = "/tmp/tessera-codec-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? std::string(d) : std::string("/tmp");
}

DecodeItem whole(const std::vector<int64_t>& shape, int itemsize, void* dst, size_t dstBytes) {
  DecodeItem it;
  it.itemsize = itemsize;
  it.chunkShape = shape;
  it.lo.assign(shape.size(), 0);
  it.hi = shape;
  it.dst = static_cast<uint8_t*>(dst);
  it.dstBytes = dstBytes;
  it.dstStrides.assign(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) it.dstStrides[k - 1] = it.dstStrides[k] * shape[k];
  return it;
}

}  // namespace

TEST(codec_decodes_a_reference_zstd_frame) {
  double out[6] = {-1, -1, -1, -1, -1, -1};
  DecodeItem it = whole({2, 3}, 8, out, sizeof out);
  it.codec = Codec::Zstd;
  it.bytes = kArangeFrame;
  it.nbytes = sizeof kArangeFrame;
  CHECK(checkDecodeItem(it).empty());
  ChunkResult r = decodeChunk(it);
  CHECK(r.status == ChunkResult::Ok);
  for (int i = 0; i < 6; ++i) CHECK_EQ(out[i], static_cast<double>(i));
}

TEST(codec_zstd_round_trip_and_a_box_into_strided_memory) {
  // a 3x4 int32 chunk 0..11; its box rows 1..3, cols 1..3 lands in a 4x5 destination at (1, 2)
  std::vector<int32_t> chunk(12);
  for (int i = 0; i < 12; ++i) chunk[static_cast<size_t>(i)] = i;
  EncodeItem e;
  e.src = reinterpret_cast<const uint8_t*>(chunk.data());
  e.nbytes = chunk.size() * 4;
  e.codec = Codec::Zstd;
  ChunkResult enc = encodeChunk(e);
  CHECK(enc.status == ChunkResult::Ok);
  CHECK(enc.out.size() > 4 && enc.out[0] == 0x28 && enc.out[3] == 0xfd);  // a zstd frame
  std::vector<int32_t> dst(20, -1);
  DecodeItem d = whole({3, 4}, 4, dst.data(), dst.size() * 4);
  d.codec = Codec::Zstd;
  d.bytes = enc.out.data();
  d.nbytes = enc.out.size();
  d.lo = {1, 1};
  d.hi = {3, 3};
  d.dstStrides = {5, 1};
  d.dstOffset = 1 * 5 + 2;
  CHECK(checkDecodeItem(d).empty());
  CHECK(decodeChunk(d).status == ChunkResult::Ok);
  const int32_t want[20] = {-1, -1, -1, -1, -1, -1, -1, 5, 6, -1, -1, -1, 9, 10, -1, -1, -1, -1, -1, -1};
  for (int i = 0; i < 20; ++i) CHECK_EQ(dst[static_cast<size_t>(i)], want[i]);
  // a column-strided destination (transposed box), uncompressed
  std::vector<int32_t> col(4, -1);
  DecodeItem c = whole({3, 4}, 4, col.data(), col.size() * 4);
  c.codec = Codec::None;
  c.bytes = reinterpret_cast<const uint8_t*>(chunk.data());
  c.nbytes = chunk.size() * 4;
  c.lo = {0, 2};
  c.hi = {2, 4};
  c.dstStrides = {1, 2};
  CHECK(decodeChunk(c).status == ChunkResult::Ok);
  CHECK_EQ(col[0], 2);
  CHECK_EQ(col[1], 6);
  CHECK_EQ(col[2], 3);
  CHECK_EQ(col[3], 7);
}

TEST(codec_files_written_atomically_and_read_back) {
  const std::string dir = tmpDir();
  std::vector<double> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 7) * 0.5;
  for (Codec codec : {Codec::Zstd, Codec::None}) {
    EncodeItem e;
    e.src = reinterpret_cast<const uint8_t*>(v.data());
    e.nbytes = v.size() * 8;
    e.codec = codec;
    e.path = dir + "/0.0";
    e.tmpPath = dir + "/0.0.partial";
    CHECK(encodeChunk(e).status == ChunkResult::Ok);
    struct stat st {};
    CHECK(stat(e.tmpPath.c_str(), &st) != 0);  // renamed away
    std::vector<double> back(1000, -1);
    DecodeItem d = whole({10, 100}, 8, back.data(), back.size() * 8);
    d.codec = codec;
    d.path = e.path;
    CHECK(decodeChunk(d).status == ChunkResult::Ok);
    CHECK(std::memcmp(back.data(), v.data(), v.size() * 8) == 0);
  }
  std::remove((dir + "/0.0").c_str());
  rmdir(dir.c_str());
}

TEST(codec_failures_are_reported_per_chunk) {
  double out[6];
  DecodeItem it = whole({2, 3}, 8, out, sizeof out);
  it.codec = Codec::Zstd;
  it.bytes = kArangeFrame;
  it.nbytes = sizeof kArangeFrame - 5;  // truncated
  ChunkResult r = decodeChunk(it);
  CHECK(r.status == ChunkResult::Error);
  CHECK(!r.message.empty());
  it.nbytes = 3;  // not even a frame header
  CHECK(decodeChunk(it).status == ChunkResult::Error);
  const uint8_t garbage[] = {'g', 'a', 'r', 'b', 'a', 'g', 'e', '!'};
  it.bytes = garbage;
  it.nbytes = sizeof garbage;
  CHECK(decodeChunk(it).status == ChunkResult::Error);
  // the frame holds 48 bytes, a 2x2 chunk wants 32
  DecodeItem small = whole({2, 2}, 8, out, sizeof out);
  small.codec = Codec::Zstd;
  small.bytes = kArangeFrame;
  small.nbytes = sizeof kArangeFrame;
  r = decodeChunk(small);
  CHECK(r.status == ChunkResult::Error && r.message.find("48 bytes, 32 expected") != std::string::npos);
  // uncompressed of the wrong size
  small.codec = Codec::None;
  CHECK(decodeChunk(small).status == ChunkResult::Error);
  // a missing file is not an error (the caller fills it with the fill value)
  DecodeItem miss = whole({2, 3}, 8, out, sizeof out);
  miss.path = "/nonexistent-tessera-dir/0.0";
  CHECK(decodeChunk(miss).status == ChunkResult::Missing);
  // a directory where the chunk should be
  miss.path = "/tmp";
  r = decodeChunk(miss);
  CHECK(r.status == ChunkResult::Error && r.code == "EISDIR");
  // writing into a directory that does not exist: ENOENT naming the temp file
  EncodeItem e;
  e.src = kArangeFrame;
  e.nbytes = 8;
  e.path = "/nonexistent-tessera-dir/0.0";
  e.tmpPath = "/nonexistent-tessera-dir/0.0.partial";
  r = encodeChunk(e);
  CHECK(r.status == ChunkResult::Error && r.code == "ENOENT" && r.path == e.tmpPath);
  // geometry outside the chunk or the destination
  DecodeItem bad = whole({2, 3}, 8, out, sizeof out);
  bad.hi = {2, 4};
  CHECK(!checkDecodeItem(bad).empty());
  bad = whole({2, 3}, 8, out, sizeof out - 8);
  CHECK(!checkDecodeItem(bad).empty());
  bad = whole({2, 3}, 8, out, sizeof out);
  bad.dstOffset = 1;
  CHECK(!checkDecodeItem(bad).empty());
}
