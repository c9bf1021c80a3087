#include "storage/chunk_codec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "engine/file_map.h"
#include "third_party/zstd/zstd.h"

namespace tessera::storage {
namespace {

// A failed system call: carries errno's name and the path, so JS can say "…: permission denied (EACCES)".
struct SysError : std::runtime_error {
  SysError(const std::string& what, int e, std::string p) : std::runtime_error(what), err(e), file(std::move(p)) {}
  int err;
  std::string file;
};

const char* errnoName(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOSPC: return "ENOSPC";
    case EEXIST: return "EEXIST";
    case EIO: return "EIO";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EDQUOT: return "EDQUOT";
    default: return "";
  }
}

[[noreturn]] void sysFail(const char* call, const std::string& path) {
  int e = errno;
  throw SysError(std::string(call) + " " + path + ": " + std::strerror(e), e, path);
}

// A file descriptor closed on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// Per pool thread: codec contexts and scratch buffers, reused across chunks (capacity kept).
struct ThreadScratch {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx;
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx;
  std::vector<uint8_t> out;
  std::vector<uint8_t> in;  // a chunk file's bytes when it could not be mapped
};
ThreadScratch& scratch() {
  thread_local ThreadScratch s;
  return s;
}

// An open chunk file and its size; fd < 0 when it does not exist.
struct ChunkFile {
  Fd f;
  size_t size = 0;
  explicit ChunkFile(const std::string& path) {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) {
      if (errno == ENOENT) return;
      sysFail("open", path);
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) sysFail("fstat", path);
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      sysFail("read", path);
    }
    size = static_cast<size_t>(st.st_size);
  }
  bool exists() const { return f.fd >= 0; }
};

// Reads exactly n bytes of `file` into out (a file that shrank under us is a truncated chunk).
void readInto(ChunkFile& file, uint8_t* out, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(file.f.fd, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      sysFail("read", path);
    }
    if (r == 0) throw std::runtime_error("truncated chunk: the file shrank while it was read");
    got += static_cast<size_t>(r);
  }
}

// The file's bytes mapped read-only (the page cache itself: no copy before decoding), guarded
// against the file shrinking under the mapping (engine/file_map.h); read into `fallback` when no
// guarded mapping can be made (every guard slot taken).
struct Mapping {
  tessera::FileMap m;
  const uint8_t* p = nullptr;
  Mapping(ChunkFile& file, const std::string& path, std::vector<uint8_t>& fallback) {
    if (file.size == 0) return;
    if (m.map(file.f.fd, 0, file.size, true)) {
      p = reinterpret_cast<const uint8_t*>(m.data());
      return;
    }
    fallback.resize(file.size);
    readInto(file, fallback.data(), file.size, path);
    p = fallback.data();
  }
  const uint8_t* data() const { return p; }
  // after reading: a chunk that shrank while mapped read zeros past its new end
  void check() const {
    if (m.shrank()) throw std::runtime_error("truncated chunk: the file shrank while it was read");
  }
};

void writeAll(int fd, const uint8_t* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      sysFail("write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t x : v) n *= x;
  return n;
}

// Is the box the whole chunk, stored in dst with the chunk's own C-order strides?
bool wholeAndContiguous(const DecodeItem& it) {
  const size_t nd = it.chunkShape.size();
  int64_t s = 1;
  for (size_t k = nd; k-- > 0;) {
    if (it.lo[k] != 0 || it.hi[k] != it.chunkShape[k]) return false;
    if (it.chunkShape[k] > 1 && it.dstStrides[k] != s) return false;
    s *= it.chunkShape[k];
  }
  return true;
}

// Copies box [lo, hi) of a decoded C-order chunk into dst (strided).
void copyBox(const DecodeItem& it, const uint8_t* chunk) {
  const size_t nd = it.chunkShape.size();
  const size_t isz = static_cast<size_t>(it.itemsize);
  uint8_t* dst = it.dst + static_cast<size_t>(it.dstOffset) * isz;
  if (nd == 0) {
    std::memcpy(dst, chunk, isz);
    return;
  }
  std::vector<int64_t> cstr(nd);
  int64_t s = 1;
  for (size_t k = nd; k-- > 0;) {
    cstr[k] = s;
    s *= it.chunkShape[k];
  }
  for (size_t k = 0; k < nd; ++k)
    if (it.hi[k] <= it.lo[k]) return;
  const int64_t row = it.hi[nd - 1] - it.lo[nd - 1];
  const bool rowContiguous = it.dstStrides[nd - 1] == 1;
  std::vector<int64_t> idx(nd, 0);  // position within the box, axes 0..nd-2
  for (;;) {
    int64_t src = it.lo[nd - 1] * cstr[nd - 1];
    int64_t d = 0;
    for (size_t k = 0; k + 1 < nd; ++k) {
      src += (it.lo[k] + idx[k]) * cstr[k];
      d += idx[k] * it.dstStrides[k];
    }
    if (rowContiguous) {
      std::memcpy(dst + static_cast<size_t>(d) * isz, chunk + static_cast<size_t>(src) * isz, static_cast<size_t>(row) * isz);
    } else {
      for (int64_t j = 0; j < row; ++j)
        std::memcpy(dst + static_cast<size_t>(d + j * it.dstStrides[nd - 1]) * isz, chunk + static_cast<size_t>(src + j) * isz, isz);
    }
    size_t k = nd - 1;
    for (; k-- > 0;) {
      if (++idx[k] < it.hi[k] - it.lo[k]) break;
      idx[k] = 0;
    }
    if (k == static_cast<size_t>(-1)) return;
  }
}

// Decompresses `src` (n bytes) into exactly `want` bytes at `out`, or throws saying why not.
void zstdDecode(const uint8_t* src, size_t n, uint8_t* out, size_t want) {
  auto& s = scratch();
  if (!s.dctx) {
    s.dctx.reset(ZSTD_createDCtx());
    if (!s.dctx) throw std::runtime_error("cannot create a zstd decompression context (out of memory)");
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(src, n);
  if (declared == ZSTD_CONTENTSIZE_ERROR) throw std::runtime_error("not a zstd frame (corrupted chunk)");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != want)
    throw std::runtime_error("zstd frame holds " + std::to_string(declared) + " bytes, " + std::to_string(want) + " expected");
  const size_t r = ZSTD_decompressDCtx(s.dctx.get(), out, want, src, n);
  if (ZSTD_isError(r)) throw std::runtime_error(std::string("corrupted or truncated zstd chunk: ") + ZSTD_getErrorName(r));
  if (r != want) throw std::runtime_error("truncated chunk: " + std::to_string(r) + " bytes decoded, " + std::to_string(want) + " expected");
}

ChunkResult fromException(const std::string& path) {
  ChunkResult res;
  res.status = ChunkResult::Error;
  res.path = path;
  try {
    throw;
  } catch (const SysError& e) {
    res.message = e.what();
    res.code = errnoName(e.err);
    res.path = e.file;
  } catch (const std::bad_alloc&) {
    res.message = "out of memory";
  } catch (const std::exception& e) {
    res.message = e.what();
  }
  return res;
}

}  // namespace

std::string checkDecodeItem(const DecodeItem& it) {
  const size_t nd = it.chunkShape.size();
  if (it.lo.size() != nd || it.hi.size() != nd || it.dstStrides.size() != nd) return "lo, hi and dstStrides need one entry per chunk axis";
  if (it.itemsize < 1 || it.itemsize > 16) return "itemsize out of range";
  if (it.dstOffset < 0) return "dstOffset must be non-negative";
  int64_t last = it.dstOffset;
  bool empty = false;
  for (size_t k = 0; k < nd; ++k) {
    if (it.chunkShape[k] < 0) return "chunkShape entries must be non-negative";
    if (it.lo[k] < 0 || it.hi[k] < it.lo[k] || it.hi[k] > it.chunkShape[k]) return "the box must lie inside the chunk";
    if (it.dstStrides[k] < 0) return "dstStrides must be non-negative";
    if (it.hi[k] == it.lo[k]) empty = true;
    else last += (it.hi[k] - it.lo[k] - 1) * it.dstStrides[k];
  }
  if (!empty && static_cast<size_t>(last + 1) * static_cast<size_t>(it.itemsize) > it.dstBytes) return "the box does not fit in the destination buffer";
  return "";
}

ChunkResult decodeChunk(const DecodeItem& it) {
  const std::string label = it.path.empty() ? std::string("chunk bytes") : it.path;
  try {
    auto& s = scratch();
    const size_t want = static_cast<size_t>(product(it.chunkShape)) * static_cast<size_t>(it.itemsize);
    const bool direct = wholeAndContiguous(it);
    uint8_t* target = direct ? it.dst + static_cast<size_t>(it.dstOffset) * static_cast<size_t>(it.itemsize) : nullptr;
    std::unique_ptr<ChunkFile> file;
    std::unique_ptr<Mapping> map;
    const uint8_t* src = it.bytes;
    size_t n = it.nbytes;
    if (!it.path.empty()) {
      file = std::make_unique<ChunkFile>(it.path);
      if (!file->exists()) {
        ChunkResult miss;
        miss.status = ChunkResult::Missing;
        return miss;
      }
      n = file->size;
      if (it.codec == Codec::None && direct && n == want) {
        readInto(*file, target, want, it.path);  // one copy: page cache → the plan's buffer
        return ChunkResult{};
      }
      map = std::make_unique<Mapping>(*file, it.path, s.in);
      src = map->data();
    }
    const uint8_t* decoded;
    if (it.codec == Codec::None) {
      if (n != want) throw std::runtime_error("truncated chunk: " + std::to_string(n) + " bytes, " + std::to_string(want) + " expected");
      decoded = src;
    } else {
      if (n == 0) throw std::runtime_error("not a zstd frame (an empty chunk file)");
      if (!target) {
        s.out.resize(want);
        target = s.out.data();
      }
      zstdDecode(src, n, target, want);
      decoded = target;
    }
    if (direct) {
      if (decoded != target) std::memcpy(target, decoded, want);
    } else {
      copyBox(it, decoded);
    }
    if (map) map->check();
    if (s.out.capacity() > (size_t(64) << 20)) std::vector<uint8_t>().swap(s.out);  // bound what a thread keeps
    if (s.in.capacity() > (size_t(64) << 20)) std::vector<uint8_t>().swap(s.in);
    return ChunkResult{};
  } catch (...) {
    return fromException(label);
  }
}

ChunkResult encodeChunk(const EncodeItem& it) {
  try {
    auto& s = scratch();
    ChunkResult res;
    const uint8_t* bytes = it.src;
    size_t n = it.nbytes;
    if (it.codec == Codec::Zstd) {
      if (!s.cctx) {
        s.cctx.reset(ZSTD_createCCtx());
        if (!s.cctx) throw std::runtime_error("cannot create a zstd compression context (out of memory)");
      }
      s.out.resize(ZSTD_compressBound(it.nbytes));
      // ZSTD_compressCCtx resets the parameters: level as given, content size in the frame header
      // (Python's numcodecs needs it), no checksum — numcodecs' Zstd(level) defaults.
      const size_t r = ZSTD_compressCCtx(s.cctx.get(), s.out.data(), s.out.size(), it.src, it.nbytes, it.level);
      if (ZSTD_isError(r)) throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(r));
      bytes = s.out.data();
      n = r;
    }
    struct Bound {  // bound what a thread keeps between chunks
      std::vector<uint8_t>& v;
      ~Bound() {
        if (v.capacity() > (size_t(64) << 20)) std::vector<uint8_t>().swap(v);
      }
    } bound{s.out};
    if (it.path.empty()) {
      res.out.assign(bytes, bytes + n);
      return res;
    }
    {
      Fd f;
      f.fd = ::open(it.tmpPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (f.fd < 0) sysFail("open", it.tmpPath);
      try {
#ifdef __linux__
        // The chunk's blocks allocated in one call before it is written: ext4's delayed
        // allocation otherwise reserves space page by page inside write(2) (a third of the
        // system time of an 8 MB chunk's write). KEEP_SIZE: the file's size is what is written.
        // Best effort: a filesystem without fallocate (or a full disk) is left to write(2).
        if (n >= (size_t(1) << 16)) (void)::fallocate(f.fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(n));
#endif
        writeAll(f.fd, bytes, n, it.tmpPath);
        const int fd = f.fd;
        f.fd = -1;
        if (::close(fd) != 0) sysFail("close", it.tmpPath);
        if (::rename(it.tmpPath.c_str(), it.path.c_str()) != 0) sysFail("rename", it.path);
      } catch (...) {
        ::unlink(it.tmpPath.c_str());
        throw;
      }
    }
    return res;
  } catch (...) {
    return fromException(it.path.empty() ? std::string("chunk") : it.path);
  }
}

const char* zstdVersion() { return ZSTD_versionString(); }

}  // namespace tessera::storage
