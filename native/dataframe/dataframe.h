// DataFrame core (no napi.h): column buffers, the CSV block parser and writer, the timeseries
// generator and exact column statistics. The N-API binding is native/addon_dataframe.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/file_map.h"

namespace tessera::df {

// Column types. Datetime values are milliseconds since the Unix epoch stored as float64 (NaN =
// missing), so JS reads them as Date values without conversion. Bool is one byte 0/1 per row and
// has no missing value (as pandas: True/False with a missing value is an object column — a string
// column here).
enum class ColType : int32_t { Auto = -1, Int64 = 0, Float64 = 1, String = 2, Datetime = 3, Bool = 4 };

const char* typeName(ColType t);

// One column of one partition. Strings are dictionary-encoded: codes index the dictionary
// (utf-8 bytes + offsets, size ndict + 1); code -1 is missing. Float NaN is missing.
struct Column {
  ColType type = ColType::Float64;
  std::vector<int64_t> i64;     // Int64
  std::vector<double> f64;      // Float64, Datetime
  std::vector<int32_t> codes;   // String
  std::vector<uint8_t> b8;      // Bool (0/1)
  std::string dictBytes;        // String: utf-8 dictionary
  std::vector<int32_t> dictOffsets;
  bool allMissing = false;      // every value missing (inference is neutral about it)
  bool skipped = false;         // not converted (CsvOptions::skip)
  size_t size() const;
};

// ---------------------------------------------------------------------------------------------
// CSV

struct CsvOptions {
  char sep = ',';
  char quote = '"';
  bool latin1 = false;        // input bytes are ISO-8859-1 (strings are transcoded to utf-8)
  bool skipFirstLine = false; // the block starts with the header line
  std::vector<std::string> names;  // column names (for messages); size = number of columns
  std::vector<ColType> types;      // forced types (Auto = infer); empty = all Auto
  std::vector<uint8_t> skip;       // 1 = tokenize only (column not wanted); empty = none
};

struct CsvResult {
  std::vector<Column> columns;
  int64_t rows = 0;
  int64_t lines = 0;      // line terminators consumed (to number the lines of the next block)
  bool ok = true;
  int64_t errorLine = 0;  // 1-based line within the block
  int64_t errorByte = -1; // byte offset within the block of invalid utf-8 (the binding makes it a file offset)
  std::string error;
};

// Parses one block of whole lines. Never throws on bad data: sets ok = false, error, errorLine
// (and errorByte for invalid utf-8: unless latin1, the bytes must be valid utf-8, as pandas').
CsvResult parseCsv(const char* data, size_t size, const CsvOptions& opt);

// Reads the lines owned by the byte range [start, end) of a file (a line is owned by the block
// holding its first byte). Throws std::runtime_error naming the file on I/O errors.
std::string readBlock(const std::string& path, int64_t start, int64_t end);
// The same into `buf` (reused; no page faults for every block): the lines are buf[result, size).
size_t readBlockInto(const std::string& path, int64_t start, int64_t end, std::string& buf);

// The lines of one block, without copying large blocks: a block of at least kMapMinBytes is a
// read-only mapping of the file (pread's copy out of the page cache was 13 % of a filter-sum
// from CSV), a smaller one a read into a reused buffer. A file that shrinks under the mapping
// reads zeros past its new end instead of raising SIGBUS (engine/file_map.h), and changed() says
// so: the caller discards what it parsed and reports it.
class BlockBytes {
 public:
  static constexpr int64_t kMapMinBytes = int64_t(1) << 20;
  BlockBytes() = default;
  BlockBytes(const BlockBytes&) = delete;
  BlockBytes& operator=(const BlockBytes&) = delete;
  ~BlockBytes() { release(); }
  // Loads the lines owned by [start, end) of path (as readBlockInto). Throws std::runtime_error
  // naming the file on I/O errors.
  void load(const std::string& path, int64_t start, int64_t end);
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // the file offset of data()[0]
  int64_t offset() const { return offset_; }
  bool mapped() const { return map_.mapped(); }
  // true if the file shrank while it was mapped (what was read past its new end is zeros)
  bool changed() const;
  // unmaps (a mapping) and bounds the kept buffer
  void release();

 private:
  std::string buf_;
  FileMap map_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  int64_t offset_ = 0;
};

// Parses "YYYY-MM-DD[( |T)HH:MM[:SS[.fff…]]][Z]" to ms since the epoch; false if malformed.
bool parseIsoDatetime(std::string_view s, double& ms);
// The common non-ISO forms pandas reads (dates.cc): 2015/01/01 01:00:00, 01/02/2003 (month
// first), Jan 1 2000, 1 Jan 2000 …; false if none fits.
bool parseOtherDatetime(std::string_view s, double& ms);
// ISO first, then the other forms (parseDates' columns).
bool parseDatetime(std::string_view s, double& ms);
// pandas' default true/false values: True TRUE true / False FALSE false.
bool parseBool(std::string_view s, uint8_t& out);
// Offset of the first byte that is not part of valid utf-8 (overlongs, surrogates and code points
// above U+10FFFF are invalid, as Python's decoder), or -1.
int64_t invalidUtf8(const char* p, size_t n);
// Formats ms since the epoch as pandas does ("2000-01-01 00:00:00", ".fff" only if needed).
void formatDatetime(double ms, std::string& out);

struct WriteColumn {
  ColType type = ColType::Float64;
  const double* f64 = nullptr;
  const int64_t* i64 = nullptr;
  const int32_t* codes = nullptr;
  const uint8_t* b8 = nullptr;
  const char* dictBytes = nullptr;
  const int32_t* dictOffsets = nullptr;
  int64_t ndict = 0;
};

struct WriteOptions {
  char sep = ',';
  bool header = true;
  bool latin1 = false;
  std::vector<std::string> names;  // utf-8
};

// Writes rows of `cols` to tmpPath, then renames it to path (removing tmpPath on failure).
// Throws std::runtime_error naming the file.
void writeCsv(const std::string& path, const std::string& tmpPath, const std::vector<WriteColumn>& cols,
              int64_t rows, const WriteOptions& opt);

// ---------------------------------------------------------------------------------------------
// timeseries

struct TsColumn {
  std::string name;
  ColType type = ColType::Float64;  // Int64: Poisson(lambda); Float64: uniform [-1, 1);
                                    // String: uniform choice of ncat codes; Datetime: the index
  double lambda = 1000;
  int32_t ncat = 26;
};

// The key of a column: mix64(randomKey(seed) ^ fnv1a64(name)).
uint64_t columnKey(uint64_t seed, const std::string& name);
// Fills `out` with rows [row0, row0 + n) of the column; row r is a pure function of (seed, name, r).
void generateColumn(uint64_t seed, const TsColumn& col, int64_t row0, int64_t n, double startMs, double freqMs,
                    Column& out);

// Poisson(lambda) CDF table for inversion sampling: cdf[k] = P(X <= k), k = 0..size-1.
std::vector<double> poissonCdf(double lambda);
int64_t poissonInvert(const std::vector<double>& cdf, double u);

// ---------------------------------------------------------------------------------------------
// statistics

struct Partial {
  double count = 0, sum = 0, min = 0, max = 0;
};

// Partial statistics of a float64 (NaN skipped) or int64 array.
Partial partialF64(const double* v, size_t n);
Partial partialI64(const int64_t* v, size_t n);
// Σ (v - mean)^2 over the non-NaN values.
double sumSqDev(const double* v, size_t n, double mean);
double sumSqDevI64(const int64_t* v, size_t n, double mean);
// Exact quantiles with linear interpolation (pandas/NumPy 'linear'): reorders `v` (no NaN).
std::vector<double> exactQuantiles(double* v, size_t n, const std::vector<double>& qs);

// ---------------------------------------------------------------------------------------------
// sorting

// One sort key: float64 (NaN = missing) or int64 values, one per row.
struct SortKey {
  const double* f64 = nullptr;
  const int64_t* i64 = nullptr;
  bool ascending = true;
};
// The stable order of n rows by `keys` (lexicographic), missing values last or first.
std::vector<uint32_t> argsortRows(const std::vector<SortKey>& keys, size_t n, bool naFirst);

}  // namespace tessera::df
