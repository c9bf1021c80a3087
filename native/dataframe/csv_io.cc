// CSV file I/O (no napi.h): reading one line-aligned block of a file, and writing a CSV file
// (atomically, through a temporary path). The parser is csv.cc. See dataframe.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "dataframe/dataframe.h"

namespace tessera::df {

std::string readBlock(const std::string& path, int64_t start, int64_t end) {
  std::string buf;
  size_t begin = readBlockInto(path, start, end, buf);
  return buf.substr(begin);
}

namespace {

// Where the lines a block owns begin in p[0, len), the bytes [from, end) of the file (from is one
// byte before the block, to see the previous line end), or npos: a line is owned by the block
// holding its first byte, so the first line starts after the first newline, and none starts in a
// block whose only newline is its last byte. Shared by readBlockInto and BlockBytes::load.
size_t ownedStart(const char* p, size_t len, int64_t start, int64_t from, int64_t end) {
  if (start == 0) return len ? 0 : std::string::npos;
  const void* nl = std::memchr(p, '\n', len);
  if (!nl) return std::string::npos;  // the line starting before this block runs through it
  const size_t begin = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
  return static_cast<int64_t>(begin) + from >= end ? std::string::npos : begin;
}

}  // namespace

size_t readBlockInto(const std::string& path, int64_t start, int64_t end, std::string& buf) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  auto readAt = [&](char* dst, size_t n, int64_t off) -> size_t {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, dst + got, n - got, off + static_cast<off_t>(got));
      if (r < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(path + ": read error: " + std::strerror(errno));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  };
  const int64_t from = start > 0 ? start - 1 : 0;
  buf.resize(static_cast<size_t>(end - from));
  buf.resize(readAt(buf.data(), buf.size(), from));
  const size_t begin = ownedStart(buf.data(), buf.size(), start, from, end);
  if (begin == std::string::npos) return buf.size();
  // extend to the end of the line that holds byte end-1
  bool eof = buf.size() < static_cast<size_t>(end - from);
  if (!eof && (buf.empty() || buf.back() != '\n')) {
    int64_t off = end;
    const size_t chunk = 1 << 16;
    for (;;) {
      size_t old = buf.size();
      buf.resize(old + chunk);
      size_t got = readAt(buf.data() + old, chunk, off);
      buf.resize(old + got);
      const void* nl = got ? std::memchr(buf.data() + old, '\n', got) : nullptr;
      if (nl) {
        buf.resize(static_cast<size_t>(static_cast<const char*>(nl) - buf.data()) + 1);
        break;
      }
      if (got < chunk) break;
      off += static_cast<int64_t>(got);
    }
  }
  return begin;
}

void BlockBytes::release() {
  map_.reset();
  if (buf_.capacity() > (size_t(32) << 20)) std::string().swap(buf_);  // bound what a worker keeps
  data_ = nullptr;
  size_ = 0;
}

bool BlockBytes::changed() const { return map_.shrank(); }

void BlockBytes::load(const std::string& path, int64_t start, int64_t end) {
  release();
  const int64_t from = start > 0 ? start - 1 : 0;
  if (end - from >= kMapMinBytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    const int64_t size = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<int64_t>(st.st_size) : -1;
    // the rest of the file: the block's last line may run past `end` (pages not touched cost nothing)
    const bool mapped = size - from >= kMapMinBytes && map_.map(fd, from, static_cast<size_t>(size - from), false);
    ::close(fd);
    if (mapped) {
      const char* p = map_.data();
      const size_t n = map_.size();
      const size_t len = static_cast<size_t>(std::min<int64_t>(end - from, static_cast<int64_t>(n)));
      size_t begin = ownedStart(p, len, start, from, end);
      if (begin == std::string::npos) begin = len;
      size_t stop = len;
      if (begin < len && len < n && p[len - 1] != '\n') {
        // extend to the end of the line that holds byte end-1
        const void* nl = std::memchr(p + len, '\n', n - len);
        stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) + 1 : n;
      }
      if (begin >= len) stop = begin = len;  // owns nothing
      data_ = p + begin;
      size_ = stop - begin;
      offset_ = from + static_cast<int64_t>(begin);
      return;
    }
  }
  const size_t at = readBlockInto(path, start, end, buf_);
  data_ = buf_.data() + at;
  size_ = buf_.size() - at;
  offset_ = from + static_cast<int64_t>(at);
}

namespace {

void appendQuoted(std::string& out, std::string_view s, char sep, bool latin1, const std::string& path) {
  bool needs = false;
  for (char c : s)
    if (c == sep || c == '"' || c == '\n' || c == '\r') {
      needs = true;
      break;
    }
  if (needs) out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"') out.push_back('"');
    if (latin1 && u >= 0x80) {
      // utf-8 -> latin1
      if ((u & 0xE0) == 0xC0 && i + 1 < s.size() && u <= 0xC3) {
        unsigned char u2 = static_cast<unsigned char>(s[i + 1]);
        out.push_back(static_cast<char>(((u & 0x03) << 6) | (u2 & 0x3F)));
        ++i;
        continue;
      }
      throw std::runtime_error(path + ": cannot encode \"" + std::string(s) + "\" in latin1 (a character above U+00FF)");
    }
    out.push_back(c);
  }
  if (needs) out.push_back('"');
}

// A finite float as Python's repr (what pandas' to_csv writes): the shortest digits that round-trip,
// positional with a ".0" when integral for decimal exponents -4 … 15, else scientific with a signed
// exponent of at least two digits (1e+16, 1.5e-05, 5e-324).
void appendFloatRepr(std::string& out, double v, char* num, size_t cap) {
  auto sci = std::to_chars(num, num + cap, v, std::chars_format::scientific);
  const char* e = static_cast<const char*>(std::memchr(num, 'e', static_cast<size_t>(sci.ptr - num)));
  int exp10 = 0;  // the exponent's digits end at sci.ptr (the buffer is not NUL-terminated)
  if (e) std::from_chars(e + 1 + (e[1] == '+'), sci.ptr, exp10);
  if (exp10 < -4 || exp10 >= 16) {
    out.append(num, sci.ptr);
    return;
  }
  auto fix = std::to_chars(num, num + cap, v, std::chars_format::fixed);
  out.append(num, fix.ptr);
  if (!std::memchr(num, '.', static_cast<size_t>(fix.ptr - num))) out.append(".0");
}

}  // namespace

void writeCsv(const std::string& path, const std::string& tmpPath, const std::vector<WriteColumn>& cols, int64_t rows,
              const WriteOptions& opt) {
  int fd = ::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
  bool ok = false;
  struct Guard {
    int& fd;
    bool& ok;
    const std::string& tmp;
    ~Guard() {
      if (fd >= 0) ::close(fd);
      if (!ok) ::unlink(tmp.c_str());
    }
  } guard{fd, ok, tmpPath};
  std::string out;
  out.reserve(1 << 20);
  auto flush = [&]() {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t w = ::write(fd, out.data() + done, out.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(path + ": write error: " + std::strerror(errno));
      }
      done += static_cast<size_t>(w);
    }
    out.clear();
  };
  if (opt.header) {
    for (size_t c = 0; c < opt.names.size(); ++c) {
      if (c) out.push_back(opt.sep);
      appendQuoted(out, opt.names[c], opt.sep, opt.latin1, path);
    }
    out.push_back('\n');
  }
  // pre-encode dictionaries (quoted/escaped, latin1 if asked)
  std::vector<std::vector<std::string>> dicts(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    const WriteColumn& w = cols[c];
    if (w.type != ColType::String) continue;
    dicts[c].resize(static_cast<size_t>(w.ndict));
    for (int64_t k = 0; k < w.ndict; ++k) {
      std::string_view s(w.dictBytes + w.dictOffsets[k], static_cast<size_t>(w.dictOffsets[k + 1] - w.dictOffsets[k]));
      appendQuoted(dicts[c][static_cast<size_t>(k)], s, opt.sep, opt.latin1, path);
    }
  }
  char num[64];
  for (int64_t r = 0; r < rows; ++r) {
    const size_t rowStart = out.size();
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c) out.push_back(opt.sep);
      const WriteColumn& w = cols[c];
      switch (w.type) {
        case ColType::Int64: {
          auto res = std::to_chars(num, num + sizeof num, w.i64[r]);
          out.append(num, res.ptr);
          break;
        }
        case ColType::Float64: {
          double v = w.f64[r];
          if (std::isnan(v)) break;
          if (std::isinf(v)) {
            out.append(v > 0 ? "inf" : "-inf");
            break;
          }
          appendFloatRepr(out, v, num, sizeof num);
          break;
        }
        case ColType::Datetime:
          formatDatetime(w.f64[r], out);
          break;
        case ColType::Bool:
          out.append(w.b8[r] ? "True" : "False");  // as pandas writes bool
          break;
        case ColType::String: {
          int32_t code = w.codes[r];
          if (code >= 0 && code < w.ndict) out.append(dicts[c][static_cast<size_t>(code)]);
          break;
        }
        default:
          break;
      }
    }
    // one column and a missing value: "" as Python's csv writer (pandas), not an empty line,
    // which readers skip as blank
    if (cols.size() == 1 && out.size() == rowStart) out.append("\"\"");
    out.push_back('\n');
    if (out.size() >= (1u << 20) - 4096) flush();
  }
  flush();
  if (::close(fd) != 0) {
    fd = -1;
    throw std::runtime_error(path + ": close error: " + std::strerror(errno));
  }
  fd = -1;
  if (::rename(tmpPath.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": cannot rename from " + tmpPath + ": " + std::strerror(errno));
  ok = true;
}

}  // namespace tessera::df
