// CSV block parser (no napi.h). See dataframe.h; file blocks and the writer are in csv_io.cc.

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cerrno>
#include <climits>
#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "dataframe/dataframe.h"

namespace tessera::df {

const char* typeName(ColType t) {
  switch (t) {
    case ColType::Int64: return "int64";
    case ColType::Float64: return "float64";
    case ColType::String: return "string";
    case ColType::Datetime: return "datetime";
    case ColType::Bool: return "bool";
    default: return "auto";
  }
}

size_t Column::size() const {
  switch (type) {
    case ColType::Int64: return i64.size();
    case ColType::String: return codes.size();
    case ColType::Bool: return b8.size();
    default: return f64.size();
  }
}

namespace {

struct Field {
  size_t start;
  uint32_t len;
  uint8_t quoted;   // 1 = was quoted, 2 = quoted with "" escapes
};

inline uint64_t hashBytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 29);
}

// pandas 1.5's default na_values (pandas._libs.parsers.STR_NA_VALUES); 'None' is not among them
// (pandas 2 added it): a None in a 1.5 file is text.
bool isNa(std::string_view s) {
  switch (s.size()) {
    case 0: return true;
    case 2: return s == "NA";
    case 3: return s == "N/A" || s == "NaN" || s == "nan" || s == "n/a" || s == "#NA";
    case 4: return s == "null" || s == "NULL" || s == "#N/A" || s == "-NaN" || s == "-nan" || s == "<NA>";
    case 6: return s == "1.#IND";
    case 7: return s == "-1.#IND" || s == "1.#QNAN";
    case 8: return s == "#N/A N/A" || s == "-1.#QNAN";
    default: return false;
  }
}

// pandas' number parsers skip blanks (spaces, tabs) around a number: ' 1.5 ' is 1.5 (text keeps them)
std::string_view trimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// [+-]digits: an integer literal (pandas tries it as int64, then uint64, and never as a float:
// one beyond int64 makes the column uint64 or object; tessera has no uint64, so text)
bool intLiteral(std::string_view s) {
  s = trimBlanks(s);
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool parseI64(std::string_view s, int64_t& out) {
  s = trimBlanks(s);
  const char* p = s.data();
  const char* e = p + s.size();
  if (p != e && *p == '+') ++p;
  if (p == e) return false;
  auto r = std::from_chars(p, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

// As pandas' C parser (xstrtod): blanks around a number are skipped, inf / infinity in any case
// with a sign but no blanks, 'nan' spellings other than the NA strings are text (from_chars reads
// NAN, nan(…)), an overflow is text (pandas: an object column) and an underflow 0 or subnormal.
bool parseF64(std::string_view s, double& out) {
  const std::string_view t = trimBlanks(s);
  const char* p = t.data();
  const char* e = p + t.size();
  if (p != e && (*p == '+' || *p == '-')) ++p;
  if (p == e) return false;
  if (*p == 'n' || *p == 'N') return false;
  if ((*p == 'i' || *p == 'I') && t.size() != s.size()) return false;
  p = t.data();
  if (*p == '+') ++p;
  auto r = std::from_chars(p, e, out);
  if (r.ec == std::errc::result_out_of_range && r.ptr == e) {
    out = std::strtod(std::string(p, e).c_str(), nullptr);
    return !std::isinf(out);
  }
  return r.ec == std::errc() && r.ptr == e;
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Decodes a field: removes "" escapes, transcodes latin1 to utf-8. Returns a view into `tmp` or
// into the source.
std::string_view decode(std::string_view raw, bool escaped, bool latin1, char quote, std::string& tmp) {
  bool high = false;
  if (latin1)
    for (char c : raw)
      if (static_cast<unsigned char>(c) >= 0x80) {
        high = true;
        break;
      }
  if (!escaped && !high) return raw;
  tmp.clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (escaped && c == quote && i + 1 < raw.size() && raw[i + 1] == quote) ++i;
    unsigned char u = static_cast<unsigned char>(c);
    if (high && u >= 0x80) {
      tmp.push_back(static_cast<char>(0xC0 | (u >> 6)));
      tmp.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    } else {
      tmp.push_back(c);
    }
  }
  return tmp;
}

}  // namespace

bool parseIsoDatetime(std::string_view s, double& ms) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  size_t p = 10;
  double frac = 0;
  if (p < s.size() && (s[p] == ' ' || s[p] == 'T')) {
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, mi)) return false;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, sec)) return false;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        ++p;
        double scale = 100;
        size_t q = p;
        while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
          frac += (s[q] - '0') * scale;
          scale /= 10;
          ++q;
        }
        if (q == p) return false;
        p = q;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
  }
  if (p < s.size() && s[p] == 'Z') ++p;
  if (p != s.size()) return false;
  int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  ms = static_cast<double>(days * 86400000LL + h * 3600000LL + mi * 60000LL + sec * 1000LL) + frac;
  return true;
}

bool parseBool(std::string_view s, uint8_t& out) {
  if (s == "True" || s == "TRUE" || s == "true") {
    out = 1;
    return true;
  }
  if (s == "False" || s == "FALSE" || s == "false") {
    out = 0;
    return true;
  }
  return false;
}

int64_t invalidUtf8(const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  size_t i = 0;
  while (i < n) {
    // ASCII runs 32 bytes at a time (the common case: four words or'ed, one test), then 8
    while (i + 32 <= n) {
      uint64_t w[4];
      std::memcpy(w, p + i, 32);
      if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) break;
      i += 32;
    }
    if (i >= n) break;
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (!(w & 0x8080808080808080ULL)) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlongs
      else if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      else if (c == 0xF4) hi = 0x8F;  // ≤ U+10FFFF
    } else {
      return static_cast<int64_t>(i);
    }
    if (i + 1 >= n || p[i + 1] < lo || p[i + 1] > hi) return static_cast<int64_t>(i);
    for (size_t k = 2; k < len; ++k)
      if (i + k >= n || (p[i + k] & 0xC0) != 0x80) return static_cast<int64_t>(i);
    i += len;
  }
  return -1;
}

void formatDatetime(double ms, std::string& out) {
  if (std::isnan(ms)) return;
  if (!(std::fabs(ms) < 1e17)) {  // beyond ±3 million years: not a calendar date we format
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, ms);
    out.append(buf, r.ptr);
    return;
  }
  int64_t t = static_cast<int64_t>(std::floor(ms));
  int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
  int64_t rem = t - days * 86400000;
  int64_t y;
  unsigned m, d;
  civilFromDays(days, y, m, d);
  char buf[48];
  int h = static_cast<int>(rem / 3600000), mi = static_cast<int>(rem / 60000 % 60),
      s = static_cast<int>(rem / 1000 % 60), milli = static_cast<int>(rem % 1000);
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d", static_cast<long long>(y), m, d, h, mi, s);
  out.append(buf, static_cast<size_t>(n));
  if (milli) {
    n = std::snprintf(buf, sizeof buf, ".%03d", milli);
    out.append(buf, static_cast<size_t>(n));
  }
}

namespace {

// Fast tokenizer for blocks without quote characters and carriage returns (the common case):
// separators and newlines are found 16 bytes at a time (SSE2, part of baseline x86-64). Only the
// fields of stored columns (slot[k] >= 0) are kept, row-major in slot order: a column nobody
// reads costs a count, not a Field. Returns false with `err`/`errLine` set on a ragged row.
bool tokenizePlain(const char* data, size_t size, size_t pos, int64_t line, size_t ncols, char sep,
                   const std::vector<int32_t>& slot, std::vector<Field>& fields, std::vector<int64_t>& rowLine,
                   int64_t& linesOut, std::string& err, int64_t& errLine) {
  size_t fieldStart = pos, rowFirst = fields.size(), k = 0;
  auto store = [&](size_t end) {
    if (k < ncols && slot[k] >= 0) fields.push_back(Field{fieldStart, static_cast<uint32_t>(end - fieldStart), 0});
  };
  auto endRow = [&](size_t end) -> bool {
    if (k == 0 && end == fieldStart) {
      fields.resize(rowFirst);  // a blank line
    } else {
      store(end);
      if (k + 1 != ncols) {
        err = "expected " + std::to_string(ncols) + " fields, saw " + std::to_string(k + 1);
        errLine = line;
        return false;
      }
      rowLine.push_back(line);
    }
    k = 0;
    rowFirst = fields.size();
    return true;
  };
  auto structural = [&](size_t i) -> bool {
    if (data[i] == sep) {
      store(i);
      ++k;
    } else {
      if (!endRow(i)) return false;
      ++line;
    }
    fieldStart = i + 1;
    return true;
  };
  size_t base = pos;
#if defined(__SSE2__)
  const __m128i vs = _mm_set1_epi8(sep), vn = _mm_set1_epi8('\n');
  for (; base + 16 <= size; base += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + base));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vs), _mm_cmpeq_epi8(v, vn))));
    while (mask) {
      const unsigned b = static_cast<unsigned>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (!structural(base + b)) return false;
    }
  }
#endif
  for (; base < size; ++base)
    if (data[base] == sep || data[base] == '\n')
      if (!structural(base)) return false;
  if (fieldStart < size || k > 0) {  // last line without a newline
    if (!endRow(size)) return false;
  }
  linesOut = line - 1;
  return true;
}

}  // namespace

CsvResult parseCsv(const char* data, size_t size, const CsvOptions& opt) {
  CsvResult res;
  const size_t ncols = opt.names.size();
  const char sep = opt.sep, quote = opt.quote;
  // scratch reused by the thread across blocks (no page faults for every block)
  thread_local std::vector<Field> fields;
  thread_local std::vector<int64_t> rowLine;
  fields.clear();
  rowLine.clear();
  struct Trim {  // do not keep huge scratch forever
    ~Trim() {
      if (fields.capacity() > (size_t(32) << 20) / sizeof(Field)) std::vector<Field>().swap(fields);
      if (rowLine.capacity() > (size_t(16) << 20) / sizeof(int64_t)) std::vector<int64_t>().swap(rowLine);
    }
  } trim;
  int64_t line = 1;
  size_t pos = 0;
  auto fail = [&](int64_t ln, std::string msg) {
    res.ok = false;
    res.errorLine = ln;
    res.error = std::move(msg);
    return res;
  };
  if (!opt.latin1) {
    const int64_t bad = invalidUtf8(data, size);
    if (bad >= 0) {
      // the line as the parser numbers it: \n, \r\n or a lone \r end a line
      int64_t ln = 1;
      for (int64_t k = 0; k < bad; ++k)
        ln += data[k] == '\n' || (data[k] == '\r' && (k + 1 >= static_cast<int64_t>(size) || data[k + 1] != '\n'));
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(data[bad]));
      res.errorByte = bad;
      return fail(ln, std::string("invalid utf-8 (byte ") + hex + ")");
    }
  }
  const bool plain = !std::memchr(data, quote, size) && !std::memchr(data, '\r', size) && sep != '\n';
  // where each column's fields are: the plain tokenizer keeps only the converted columns'
  std::vector<int32_t> fieldSlot(ncols);
  size_t nstore = 0;
  for (size_t c = 0; c < ncols; ++c) fieldSlot[c] = !plain || opt.skip.empty() || !opt.skip[c] ? static_cast<int32_t>(nstore++) : -1;
  if (plain) {
    if (opt.skipFirstLine) {
      const void* nl = std::memchr(data, '\n', size);
      pos = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : size;
      ++line;
    }
    std::string err;
    int64_t errLine = 0, lines = 0;
    if (!tokenizePlain(data, size, pos, line, ncols, sep, fieldSlot, fields, rowLine, lines, err, errLine)) return fail(errLine, err);
    pos = size;
    line = lines + 1;
  }
  if (!plain && opt.skipFirstLine) {
    bool inq = false;
    while (pos < size) {
      char c = data[pos++];
      if (c == quote) inq = !inq;
      else if (!inq && c == '\n') break;
      else if (!inq && c == '\r') {
        if (pos < size && data[pos] == '\n') ++pos;
        break;
      }
    }
    ++line;
  }
  while (pos < size) {
    const int64_t startLine = line;
    const size_t first = fields.size();
    bool rowDone = false;
    while (!rowDone) {
      Field f{pos, 0, 0};
      if (pos < size && data[pos] == quote) {
        size_t q = pos + 1;
        bool esc = false;
        for (;;) {
          const void* hit = q < size ? std::memchr(data + q, quote, size - q) : nullptr;
          if (!hit) return fail(startLine, "unterminated quoted field");
          size_t at = static_cast<size_t>(static_cast<const char*>(hit) - data);
          if (at + 1 < size && data[at + 1] == quote) {
            esc = true;
            q = at + 2;
            continue;
          }
          for (size_t k = pos + 1; k < at; ++k) line += data[k] == '\n';
          f.start = pos + 1;
          f.len = static_cast<uint32_t>(at - pos - 1);
          f.quoted = esc ? 2 : 1;
          pos = at + 1;
          break;
        }
        if (pos < size && data[pos] != sep && data[pos] != '\n' && data[pos] != '\r')
          return fail(line, "unexpected character '" + std::string(1, data[pos]) + "' after a closing quote");
      } else {
        size_t p = pos;
        while (p < size) {
          char c = data[p];
          if (c == sep || c == '\n' || c == '\r') break;
          ++p;
        }
        f.len = static_cast<uint32_t>(p - pos);
        pos = p;
      }
      fields.push_back(f);
      if (pos >= size) {
        rowDone = true;
      } else if (data[pos] == sep) {
        ++pos;
      } else {
        if (data[pos] == '\r' && pos + 1 < size && data[pos + 1] == '\n') ++pos;
        ++pos;
        ++line;
        rowDone = true;
      }
    }
    const size_t nf = fields.size() - first;
    if (nf == 1 && fields[first].len == 0 && !fields[first].quoted) {  // blank line
      fields.resize(first);
      continue;
    }
    if (nf != ncols)
      return fail(startLine, "expected " + std::to_string(ncols) + " fields, saw " + std::to_string(nf));
    rowLine.push_back(startLine);
  }
  res.lines = line - 1;
  const size_t rows = rowLine.size();
  res.rows = static_cast<int64_t>(rows);
  res.columns.resize(ncols);
  std::string tmp;
  for (size_t c = 0; c < ncols; ++c) {
    Column& col = res.columns[c];
    if (!opt.skip.empty() && opt.skip[c]) {
      col.skipped = true;
      continue;
    }
    const ColType forced = opt.types.empty() ? ColType::Auto : opt.types[c];
    auto view = [&](size_t r) {
      const Field& f = fields[r * nstore + static_cast<size_t>(fieldSlot[c])];
      return std::string_view(data + f.start, f.len);
    };
    auto conflict = [&](size_t r, ColType t) {
      std::string_view v = view(r);
      std::string shown(v.substr(0, 60));
      return fail(rowLine[r], "column \"" + opt.names[c] + "\": cannot parse \"" + shown + "\" as " + typeName(t));
    };
    ColType t = forced;
    if (t == ColType::Auto) {  // guess from the first present value; fall back below if needed
      t = ColType::Float64;
      for (size_t r = 0; r < rows; ++r) {
        std::string_view v = view(r);
        if (isNa(v)) continue;
        int64_t i;
        double d;
        uint8_t b;
        t = parseI64(v, i) || intLiteral(v) ? ColType::Int64
            : parseF64(v, d)                ? ColType::Float64
            : parseBool(v, b) ? ColType::Bool
                             : ColType::String;
        break;
      }
    }
    size_t missing = 0;
    if (t == ColType::Int64) {
      col.type = ColType::Int64;
      col.i64.resize(rows);
      size_t r = 0;
      for (; r < rows; ++r) {
        std::string_view v = view(r);
        int64_t x;
        if (parseI64(v, x)) {
          col.i64[r] = x;
        } else if (isNa(v)) {
          ++missing;
          col.i64[r] = 0;
        } else {
          break;
        }
      }
      if (r < rows) {
        if (forced == ColType::Int64) return conflict(r, ColType::Int64);
        // an integer beyond int64 before any other kind of value: pandas' uint64 or object, text
        // here; after a float (the int attempt failed there first), a float as pandas
        t = intLiteral(view(r)) ? ColType::String : ColType::Float64;
      } else if (missing) {
        if (forced == ColType::Int64) {
          for (size_t k = 0; k < rows; ++k)
            if (isNa(view(k))) return fail(rowLine[k], "column \"" + opt.names[c] + "\": missing value in an int64 column");
        }
        t = ColType::Float64;  // pandas: ints with missing values are float64
      }
      if (t != ColType::Int64) std::vector<int64_t>().swap(col.i64);
    }
    if (t == ColType::Bool) {
      col.type = ColType::Bool;
      col.b8.resize(rows);
      size_t r = 0;
      for (; r < rows; ++r) {
        std::string_view v = view(r);
        if (!parseBool(v, col.b8[r])) break;
      }
      if (r < rows) {
        if (forced == ColType::Bool)
          return isNa(view(r)) ? fail(rowLine[r], "column \"" + opt.names[c] + "\": missing value in a bool column")
                               : conflict(r, ColType::Bool);
        t = ColType::String;  // pandas: True/False with a missing or other value is an object column
        std::vector<uint8_t>().swap(col.b8);
      }
    }
    if (t == ColType::Float64 || t == ColType::Datetime) {
      const bool dt = t == ColType::Datetime;
      col.type = t;
      col.f64.resize(rows);
      missing = 0;
      size_t r = 0;
      for (; r < rows; ++r) {
        std::string_view v = view(r);
        double x;
        if (dt ? parseDatetime(v, x) : parseF64(v, x)) {
          col.f64[r] = x;
        } else if (isNa(v)) {
          ++missing;
          col.f64[r] = std::nan("");
        } else {
          break;
        }
      }
      if (r < rows) {
        if (forced != ColType::Auto) return conflict(r, t);
        t = ColType::String;
        std::vector<double>().swap(col.f64);
      }
    }
    if (t == ColType::String) {
      col.type = ColType::String;
      col.codes.resize(rows);
      col.dictOffsets.push_back(0);
      // Dictionary: open addressing over codes; keys live in dictBytes (offsets stay valid).
      // High-cardinality columns (timestamps as text, ids) stop hashing: every further value gets
      // its own entry (duplicates allowed; consumers compare strings, not codes).
      std::vector<int32_t> slots(1024, -1);
      std::vector<uint64_t> hashes;
      size_t mask = slots.size() - 1;
      const size_t plainAfter = std::max<size_t>(1024, rows / 8);
      bool plainMode = false;
      size_t seen = 0;
      missing = 0;
      for (size_t r = 0; r < rows; ++r) {
        const Field& f = fields[r * nstore + static_cast<size_t>(fieldSlot[c])];
        std::string_view raw(data + f.start, f.len);
        std::string_view sv = decode(raw, f.quoted == 2, opt.latin1, quote, tmp);
        if (isNa(sv)) {  // quoted or not, as pandas' na_filter: "NA" and "" are missing too
          col.codes[r] = -1;
          ++missing;
          continue;
        }
        if (plainMode) {
          col.codes[r] = static_cast<int32_t>(col.dictOffsets.size() - 1);
          col.dictBytes.append(sv.data(), sv.size());
          col.dictOffsets.push_back(static_cast<int32_t>(col.dictBytes.size()));
          continue;
        }
        ++seen;
        const uint64_t h = hashBytes(sv.data(), sv.size());
        size_t slot = static_cast<size_t>(h) & mask;
        int32_t code = -1;
        while (slots[slot] >= 0) {
          const int32_t k = slots[slot];
          if (hashes[static_cast<size_t>(k)] == h) {
            const size_t o = static_cast<size_t>(col.dictOffsets[static_cast<size_t>(k)]);
            const size_t n = static_cast<size_t>(col.dictOffsets[static_cast<size_t>(k) + 1]) - o;
            if (n == sv.size() && std::memcmp(col.dictBytes.data() + o, sv.data(), n) == 0) {
              code = k;
              break;
            }
          }
          slot = (slot + 1) & mask;
        }
        if (code >= 0) {
          col.codes[r] = code;
          continue;
        }
        code = static_cast<int32_t>(hashes.size());
        hashes.push_back(h);
        slots[slot] = code;
        col.dictBytes.append(sv.data(), sv.size());
        col.dictOffsets.push_back(static_cast<int32_t>(col.dictBytes.size()));
        col.codes[r] = code;
        if (hashes.size() > plainAfter || (seen == 2048 && hashes.size() > 1024)) {
          plainMode = true;
          size_t rest = 0;
          for (size_t k = r + 1; k < rows; ++k) rest += fields[k * nstore + static_cast<size_t>(fieldSlot[c])].len;
          col.dictBytes.reserve(col.dictBytes.size() + rest);
          col.dictOffsets.reserve(col.dictOffsets.size() + (rows - r));
          std::vector<int32_t>().swap(slots);
          std::vector<uint64_t>().swap(hashes);
        } else if (hashes.size() * 2 > slots.size()) {
          slots.assign(slots.size() * 2, -1);
          mask = slots.size() - 1;
          for (size_t k = 0; k < hashes.size(); ++k) {
            size_t sl = static_cast<size_t>(hashes[k]) & mask;
            while (slots[sl] >= 0) sl = (sl + 1) & mask;
            slots[sl] = static_cast<int32_t>(k);
          }
        }
      }
    }
    if (col.dictBytes.size() > static_cast<size_t>(INT32_MAX))
      return fail(1, "column \"" + opt.names[c] + "\": more than 2 GiB of text in one block (use a smaller blocksize)");
    col.allMissing = rows > 0 && missing == rows;
  }
  return res;
}

}  // namespace tessera::df
