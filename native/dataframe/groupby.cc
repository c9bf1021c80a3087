// Hash group-by aggregation; see groupby.h.
#include "dataframe/groupby.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <iterator>
#include <numeric>
#include <stdexcept>
#include <string_view>

namespace tessera::df {

namespace {

enum Need : uint8_t { kCnt = 1, kSum = 2, kSq = 4, kMinMax = 8, kFirstLast = 16, kUniq = 32, kISum = 64, kVals = 128 };

// Double-double accumulation (Knuth's TwoSum; values beyond the finite range keep only hi).
struct DD {
  double hi = 0, lo = 0;
};
inline DD fastTwoSum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
inline void ddAdd(DD& acc, double x) {
  const double s = acc.hi + x;
  if (!std::isfinite(s)) {
    acc = {s, 0};
    return;
  }
  const double bb = s - acc.hi;
  const double err = (acc.hi - (s - bb)) + (x - bb);
  acc = fastTwoSum(s, err + acc.lo);
}
inline void ddAddDD(DD& acc, DD x) {
  ddAdd(acc, x.hi);
  if (std::isfinite(acc.hi)) ddAdd(acc, x.lo);
}
inline DD ddMul(DD a, DD b) {
  const double p = a.hi * b.hi;
  if (!std::isfinite(p)) return {p, 0};
  double e = std::fma(a.hi, b.hi, -p);
  e += a.hi * b.lo + a.lo * b.hi;
  return fastTwoSum(p, e);
}
inline DD ddDiv(DD a, double d) {
  const double q1 = a.hi / d;
  if (!std::isfinite(q1)) return {q1, 0};
  const double p = q1 * d;
  const double pe = std::fma(q1, d, -p);
  const double r = ((a.hi - p) - pe) + a.lo;
  return fastTwoSum(q1, r / d);
}
inline DD ddSub(DD a, DD b) {
  DD r = a;
  ddAddDD(r, {-b.hi, -b.lo});
  return r;
}

inline uint64_t bitsOf(double x) {
  if (x == 0) x = 0;  // -0 and 0 are one value (pandas)
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}

inline std::string_view dictAt(const GbColumn& c, size_t p, int32_t code) {
  const int32_t* off = c.dictOffsets[p];
  return {c.dictBytes[p] + off[code], static_cast<size_t>(off[code + 1] - off[code])};
}

// a missing string key (dropna false): a length no string has
constexpr uint32_t kMissingString = 0xffffffffu;

void appendPiece(std::string& key, ColType t, int64_t i, double d, std::string_view s, bool missing = false) {
  switch (t) {
    case ColType::String: {
      const uint32_t n = missing ? kMissingString : static_cast<uint32_t>(s.size());
      key.append(reinterpret_cast<const char*>(&n), 4);
      if (!missing) key.append(s.data(), s.size());
      break;
    }
    case ColType::Int64: key.append(reinterpret_cast<const char*>(&i), 8); break;
    case ColType::Bool: key.push_back(static_cast<char>(i)); break;
    default: key.append(reinterpret_cast<const char*>(&d), 8); break;
  }
}

struct KeyVal {
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  bool missing = false;  // a missing string (dropna false); a missing number is NaN in d
};

// the key tuple's values into out[0 .. keys.size())
void decode(std::string_view key, const std::vector<GbColumn>& keys, KeyVal* out) {
  size_t at = 0;
  for (size_t k = 0; k < keys.size(); ++k) {
    switch (keys[k].type) {
      case ColType::String: {
        uint32_t n;
        std::memcpy(&n, key.data() + at, 4);
        if (n == kMissingString) {
          out[k].missing = true;
          at += 4;
          break;
        }
        out[k].s = std::string_view(key.data() + at + 4, n);
        at += 4 + n;
        break;
      }
      case ColType::Int64: std::memcpy(&out[k].i, key.data() + at, 8); at += 8; break;
      case ColType::Bool: out[k].i = static_cast<unsigned char>(key[at]); at += 1; break;
      default: std::memcpy(&out[k].d, key.data() + at, 8); at += 8; break;
    }
  }
}

// The value of rank k of v (reorders v; ranks asked in ascending order keep the earlier work).
inline double kth(std::vector<double>& v, size_t k, size_t from) {
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// pandas' grouped median (median_linear: the mean of the two middle values) or quantile
// (group_quantile, linear: v[k] + (v[k+1] - v[k]) * frac with k = floor(q (n - 1))); NaN for a
// group without values.
double quantileOf(std::vector<double>& v, bool median, double q) {
  const size_t n = v.size();
  if (!n) return NAN;
  if (median) {
    const double b = kth(v, n / 2, 0);
    if (n % 2) return b;
    // the largest of the lower half is the rank n/2 - 1 value
    const double a = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2));
    return (b + a) / 2;
  }
  const double h = q * static_cast<double>(n - 1);
  const size_t k = static_cast<size_t>(h);
  const double frac = std::fmod(h, 1.0);
  const double lo = kth(v, k, 0);
  if (frac == 0.0 || k + 1 >= n) return lo;
  const double hi = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(k + 1), v.end());
  return lo + (hi - lo) * frac;
}

}  // namespace

struct GroupbyPlan::Acc {
  uint8_t need = 0;
  std::vector<double> cnt, dmin, dmax, dfirst, dlast;
  std::vector<DD> sum, sq;
  std::vector<int64_t> isum, imin, imax, ifirst, ilast;
  std::vector<uint8_t> has;
  std::vector<std::string> sfirst, slast;
  // nunique of numbers: per group its distinct values' bits, sorted (a vector, not a hash set: a
  // partition's values are sorted and deduplicated once, merges are linear unions)
  std::vector<std::vector<uint64_t>> uniq;
  std::vector<std::unordered_set<std::string>> suniq;
  std::vector<std::vector<double>> vals;  // median / quantile: the group's non-missing values

  // room for g groups (a merge bucket knows its partial groups: no reallocation while it merges)
  void reserve(size_t g, bool isInt, bool isString) {
    if (need & kCnt) cnt.reserve(g);
    if (need & kSum) sum.reserve(g);
    if (need & kSq) sq.reserve(g);
    if (need & kISum) isum.reserve(g);
    if (need & kMinMax) {
      if (isInt) {
        imin.reserve(g);
        imax.reserve(g);
      } else {
        dmin.reserve(g);
        dmax.reserve(g);
      }
    }
    if (need & kFirstLast) {
      has.reserve(g);
      if (isString) {
        sfirst.reserve(g);
        slast.reserve(g);
      } else if (isInt) {
        ifirst.reserve(g);
        ilast.reserve(g);
      } else {
        dfirst.reserve(g);
        dlast.reserve(g);
      }
    }
    if (need & kUniq) {
      if (isString) suniq.reserve(g);
      else uniq.reserve(g);
    }
    if (need & kVals) vals.reserve(g);
  }
  void grow(size_t g, bool isInt, bool isString) {
    if (need & kCnt) cnt.resize(g, 0);
    if (need & kSum) sum.resize(g);
    if (need & kSq) sq.resize(g);
    if (need & kISum) isum.resize(g, 0);
    if (need & kMinMax) {
      if (isInt) {
        imin.resize(g, INT64_MAX);
        imax.resize(g, INT64_MIN);
      } else {
        dmin.resize(g, INFINITY);
        dmax.resize(g, -INFINITY);
      }
    }
    if (need & kFirstLast) {
      has.resize(g, 0);
      if (isString) {
        sfirst.resize(g);
        slast.resize(g);
      } else if (isInt) {
        ifirst.resize(g, 0);
        ilast.resize(g, 0);
      } else {
        dfirst.resize(g, NAN);
        dlast.resize(g, NAN);
      }
    }
    if (need & kUniq) {
      if (isString) suniq.resize(g);
      else uniq.resize(g);
    }
    if (need & kVals) vals.resize(g);
  }
};

namespace {
// A table's serialized keys, back to back in one buffer (a std::string per group allocated for
// every key past the small-string size: most of a two-key groupby's malloc/free)
class KeyArena {
 public:
  size_t size() const { return end_.size(); }
  std::string_view operator[](size_t g) const {
    const size_t from = g ? end_[g - 1] : 0;
    return {bytes_.data() + from, end_[g] - from};
  }
  void push_back(std::string_view key) {
    bytes_.append(key.data(), key.size());
    end_.push_back(bytes_.size());
  }
  void reserve(size_t groups, size_t bytes) {
    end_.reserve(groups);
    bytes_.reserve(bytes);
  }
  size_t bytes() const { return bytes_.size(); }
  void swap(KeyArena& o) noexcept {
    bytes_.swap(o.bytes_);
    end_.swap(o.end_);
  }

 private:
  std::string bytes_;
  std::vector<size_t> end_;
};

// The merge index of a table: open addressing over its own key strings (a slot holds the key's
// hash and its group), so a merge allocates nothing per group and copies no key into a map node.
// Keys come with their keyHash, computed once per partial group; the slot is chosen by other
// bits of it (remixed), since a merge bucket's keys share the bits that chose the bucket.
class KeyIndex {
 public:
  void reserve(size_t n) {
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;
    if (cap > slots_.size()) rehash(cap);
  }
  // the group of key (hash h), or -1
  int32_t find(std::string_view key, uint64_t h, const KeyArena& keys) const {
    if (slots_.empty()) return -1;
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = h | 1;  // 0: empty slot
    for (size_t i = pos(tag) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.tag) return -1;
      if (s.tag == tag && keys[static_cast<size_t>(s.group)] == key) return s.group;
    }
  }
  // key (hash h) is known absent
  void insert(uint64_t h, int32_t group) {
    if ((used_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(64, slots_.size() * 2));
    place(h | 1, group);
    ++used_;
  }

 private:
  struct Slot {
    uint64_t tag = 0;
    int32_t group = 0;
  };
  static size_t pos(uint64_t h) {
    h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
    return static_cast<size_t>(h ^ (h >> 32));
  }
  void place(uint64_t tag, int32_t group) {
    const size_t mask = slots_.size() - 1;
    size_t i = pos(tag) & mask;
    while (slots_[i].tag) i = (i + 1) & mask;
    slots_[i] = {tag, group};
  }
  void rehash(size_t cap) {
    std::vector<Slot> old(cap);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.tag) place(s.tag, s.group);
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};
// uint64 → int32 (open addressing, linear probing): a partition's distinct key values and key-id
// tuples, where std::unordered_map allocated a node per distinct value
class U64Map {
 public:
  // the value of k, or make(k)'s for a new k
  template <class Make>
  int32_t get(uint64_t k, Make&& make) {
    if ((used_ + 1) * 2 > keys_.size()) rehash(std::max<size_t>(64, keys_.size() * 2));
    const size_t mask = keys_.size() - 1;
    for (size_t i = pos(k) & mask;; i = (i + 1) & mask) {
      if (vals_[i] < 0) {
        const int32_t v = make();
        keys_[i] = k;
        vals_[i] = v;
        ++used_;
        return v;
      }
      if (keys_[i] == k) return vals_[i];
    }
  }

 private:
  static size_t pos(uint64_t h) {
    h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
    return static_cast<size_t>(h ^ (h >> 33));
  }
  void rehash(size_t cap) {
    std::vector<uint64_t> ok(cap);
    std::vector<int32_t> ov(cap, -1);
    ok.swap(keys_);
    ov.swap(vals_);
    const size_t mask = cap - 1;
    for (size_t j = 0; j < ok.size(); ++j) {
      if (ov[j] < 0) continue;
      size_t i = pos(ok[j]) & mask;
      while (vals_[i] >= 0) i = (i + 1) & mask;
      keys_[i] = ok[j];
      vals_[i] = ov[j];
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<int32_t> vals_;
  size_t used_ = 0;
};
}  // namespace

struct GroupbyPlan::Table {
  KeyArena keys;  // serialized key tuple per group
  std::vector<uint64_t> hash;     // keyHash of each key
  KeyIndex index;
  // after splitTable: merge bucket c is groups [bucketStart[c], bucketStart[c + 1])
  std::vector<int32_t> bucketStart;
  std::vector<int64_t> size;
  std::vector<int64_t> firstRow;  // over all partitions
  std::vector<Acc> acc;  // per value column
};

namespace {
// partial groups per merge bucket: a bucket's table (keys, index, accumulators) stays in L2/L3
constexpr size_t kBucketGroups = 8192;
constexpr size_t kMaxBuckets = 4096;
inline bool isIntType(ColType t) { return t == ColType::Int64 || t == ColType::Bool; }
}  // namespace

GroupbyPlan::GroupbyPlan(std::vector<GbColumn> keys, std::vector<GbColumn> values, std::vector<int64_t> rows,
                         std::vector<GbAgg> aggs, int32_t splitOut)
    : keys_(std::move(keys)), values_(std::move(values)), rows_(std::move(rows)), aggs_(std::move(aggs)), split_(splitOut) {
  if (split_ < 1) throw std::invalid_argument("groupby: splitOut must be a positive integer");
  need_.assign(values_.size(), 0);
  for (const GbAgg& a : aggs_) {
    if (a.agg == Agg::Size || a.agg == Agg::FirstRow) continue;
    if (a.value < 0 || static_cast<size_t>(a.value) >= values_.size()) throw std::invalid_argument("groupby: aggregation of an unknown value column");
    uint8_t& n = need_[static_cast<size_t>(a.value)];
    const ColType t = values_[static_cast<size_t>(a.value)].type;
    switch (a.agg) {
      case Agg::Count: n |= kCnt; break;
      case Agg::Sum: n |= static_cast<uint8_t>(isIntType(t) ? (kISum | kCnt) : (kSum | kCnt)); break;
      case Agg::Mean: n |= kSum | kCnt; break;
      case Agg::Std:
      case Agg::Var: n |= kSum | kSq | kCnt; break;
      case Agg::Min:
      case Agg::Max: n |= kMinMax | kCnt; break;
      case Agg::First:
      case Agg::Last: n |= kFirstLast; break;
      case Agg::Nunique: n |= kUniq; break;
      case Agg::Median:
      case Agg::Quantile:
        if (t == ColType::String) throw std::invalid_argument("groupby: median/quantile of a string column");
        n |= kVals;
        break;
      default: break;
    }
  }
  const size_t P = rows_.size();
  tables_.resize(P);
  merged_.resize(static_cast<size_t>(split_));
  while (static_cast<size_t>(split_) * subMax_ * 2 <= kMaxBuckets) subMax_ *= 2;
  out_.resize(static_cast<size_t>(split_));
  ngroups_.assign(static_cast<size_t>(split_), 0);
}

int32_t GroupbyPlan::bucketOf(std::string_view key, int32_t n) {
  if (n <= 1) return 0;
  return static_cast<int32_t>(keyHash(key) % static_cast<uint64_t>(n));
}

uint64_t GroupbyPlan::keyHash(std::string_view key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

std::unique_ptr<GroupbyPlan::Table> GroupbyPlan::emptyTable() const {
  auto t = std::make_unique<Table>();
  t->acc.resize(values_.size());
  for (size_t v = 0; v < values_.size(); ++v) t->acc[v].need = need_[v];
  return t;
}

GroupbyPlan::~GroupbyPlan() = default;

int64_t GroupbyPlan::expectedTasks() const {
  // build and split per partition, then merge buckets (S before the build says more) and epilogues
  return 2 * static_cast<int64_t>(rows_.size()) + 2 * static_cast<int64_t>(split_);
}

void GroupbyPlan::build(size_t p) {
  auto t = std::make_unique<Table>();
  const size_t n = static_cast<size_t>(rows_[p]);
  const size_t K = keys_.size();
  // per key column: a dense id per row (-1: missing key, the row is dropped) and its piece
  std::vector<std::vector<int32_t>> kid(K, std::vector<int32_t>(n));
  std::vector<std::vector<std::string>> pieces(K);
  for (size_t k = 0; k < K; ++k) {
    const GbColumn& c = keys_[k];
    std::vector<int32_t>& ids = kid[k];
    auto add = [&](int64_t i, double d, std::string_view s) {
      std::string piece;
      appendPiece(piece, c.type, i, d, s);
      pieces[k].push_back(std::move(piece));
      return static_cast<int32_t>(pieces[k].size() - 1);
    };
    switch (c.type) {
      case ColType::String: {
        const int32_t* codes = static_cast<const int32_t*>(c.data[p]);
        // a dictionary may hold a string twice (high-cardinality columns stop hashing)
        std::vector<int32_t> codeId(static_cast<size_t>(c.ndict[p]), -1);
        std::unordered_map<std::string_view, int32_t> byText;
        int32_t missingId = -1;
        for (size_t r = 0; r < n; ++r) {
          const int32_t code = codes[r];
          if (code < 0) {
            // dropna false: missing is one more key
            if (!dropna_ && missingId < 0) {
              std::string piece;
              appendPiece(piece, c.type, 0, 0, {}, true);
              pieces[k].push_back(std::move(piece));
              missingId = static_cast<int32_t>(pieces[k].size() - 1);
            }
            ids[r] = dropna_ ? -1 : missingId;
            continue;
          }
          int32_t& id = codeId[static_cast<size_t>(code)];
          if (id < 0) {
            const std::string_view s = dictAt(c, p, code);
            auto it = byText.find(s);
            id = it != byText.end() ? it->second : (byText[s] = add(0, 0, s));
          }
          ids[r] = id;
        }
        break;
      }
      case ColType::Int64: {
        const int64_t* v = static_cast<const int64_t*>(c.data[p]);
        U64Map m;
        for (size_t r = 0; r < n; ++r) ids[r] = m.get(static_cast<uint64_t>(v[r]), [&] { return add(v[r], 0, {}); });
        break;
      }
      case ColType::Bool: {
        const uint8_t* v = static_cast<const uint8_t*>(c.data[p]);
        int32_t seen[2] = {-1, -1};
        for (size_t r = 0; r < n; ++r) {
          const int b = v[r] ? 1 : 0;
          if (seen[b] < 0) seen[b] = add(b, 0, {});
          ids[r] = seen[b];
        }
        break;
      }
      default: {
        const double* v = static_cast<const double*>(c.data[p]);
        U64Map m;
        for (size_t r = 0; r < n; ++r) {
          if (std::isnan(v[r])) {
            // dropna false: NaN is one more key (one NaN's bits)
            ids[r] = dropna_ ? -1 : m.get(~uint64_t(0), [&] { return add(0, NAN, {}); });
            continue;
          }
          ids[r] = m.get(bitsOf(v[r]), [&] { return add(0, v[r] == 0 ? 0.0 : v[r], {}); });
        }
        break;
      }
    }
  }
  // rows → groups (the tuple of key ids)
  std::vector<int32_t> gid(n, -1);
  int64_t row0 = 0;
  for (size_t q = 0; q < p; ++q) row0 += rows_[q];
  std::string key;  // reused: no allocation per group
  auto newGroup = [&](size_t r) {
    t->firstRow.push_back(row0 + static_cast<int64_t>(r));
    key.clear();
    for (size_t k = 0; k < K; ++k) key += pieces[k][static_cast<size_t>(kid[k][r])];
    t->keys.push_back(key);
    return static_cast<int32_t>(t->keys.size() - 1);
  };
  if (K == 1) {
    std::vector<int32_t> g(pieces[0].size(), -1);
    for (size_t r = 0; r < n; ++r) {
      const int32_t id = kid[0][r];
      if (id < 0) continue;
      if (g[static_cast<size_t>(id)] < 0) g[static_cast<size_t>(id)] = newGroup(r);
      gid[r] = g[static_cast<size_t>(id)];
    }
  } else if (K == 2) {
    U64Map m;
    for (size_t r = 0; r < n; ++r) {
      const int32_t a = kid[0][r], b = kid[1][r];
      if (a < 0 || b < 0) continue;
      gid[r] = m.get(static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32 | static_cast<uint32_t>(b), [&] { return newGroup(r); });
    }
  } else {
    std::unordered_map<std::string, int32_t> m;
    std::string tuple(4 * K, '\0');
    for (size_t r = 0; r < n; ++r) {
      bool missing = false;
      for (size_t k = 0; k < K; ++k) {
        const int32_t id = kid[k][r];
        if (id < 0) missing = true;
        std::memcpy(&tuple[4 * k], &id, 4);
      }
      if (missing) continue;
      auto it = m.find(tuple);
      gid[r] = it != m.end() ? it->second : (m[tuple] = newGroup(r));
    }
  }
  const size_t G = t->keys.size();
  // the groups renumbered in merge-bucket order (whatever the bucket count planBuckets picks, a
  // bucket is then one run of groups: the merge reads each partition table sequentially)
  t->hash.resize(G);
  for (size_t g = 0; g < G; ++g) t->hash[g] = keyHash(t->keys[g]);
  if (G > 1) {
    std::vector<uint32_t> code(G);
    for (size_t g = 0; g < G; ++g) code[g] = codeOf(t->hash[g]);
    const size_t bins = static_cast<size_t>(split_) * subMax_;
    std::vector<int32_t> order(G);  // order[new] = old
    if (bins <= 4 * G + 4096) {
      std::vector<int32_t> at(bins + 1, 0);
      for (size_t g = 0; g < G; ++g) at[code[g] + 1]++;
      for (size_t b = 0; b < bins; ++b) at[b + 1] += at[b];
      for (size_t g = 0; g < G; ++g) order[static_cast<size_t>(at[code[g]]++)] = static_cast<int32_t>(g);
    } else {
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return code[static_cast<size_t>(a)] < code[static_cast<size_t>(b)]; });
    }
    std::vector<int32_t> renum(G);
    KeyArena keys;
    keys.reserve(G, t->keys.bytes());
    std::vector<uint64_t> hash(G);
    std::vector<int64_t> firstRow(G);
    for (size_t j = 0; j < G; ++j) {
      const size_t g = static_cast<size_t>(order[j]);
      renum[g] = static_cast<int32_t>(j);
      keys.push_back(t->keys[g]);
      hash[j] = t->hash[g];
      firstRow[j] = t->firstRow[g];
    }
    t->keys.swap(keys);
    t->hash.swap(hash);
    t->firstRow.swap(firstRow);
    for (size_t r = 0; r < n; ++r)
      if (gid[r] >= 0) gid[r] = renum[static_cast<size_t>(gid[r])];
  }
  t->size.assign(G, 0);
  for (size_t r = 0; r < n; ++r)
    if (gid[r] >= 0) t->size[static_cast<size_t>(gid[r])]++;
  t->acc.resize(values_.size());
  for (size_t v = 0; v < values_.size(); ++v) {
    Acc& a = t->acc[v];
    a.need = need_[v];
    if (!a.need) continue;
    const GbColumn& c = values_[v];
    const bool isInt = isIntType(c.type), isStr = c.type == ColType::String;
    a.grow(G, isInt, isStr);
    const uint8_t need = a.need;
    if (isStr) {
      const int32_t* codes = static_cast<const int32_t*>(c.data[p]);
      for (size_t r = 0; r < n; ++r) {
        const int32_t g = gid[r];
        if (g < 0 || codes[r] < 0) continue;
        const size_t gi = static_cast<size_t>(g);
        const std::string_view s = dictAt(c, p, codes[r]);
        if (need & kCnt) a.cnt[gi] += 1;
        if (need & kFirstLast) {
          if (!a.has[gi]) a.sfirst[gi].assign(s);
          a.has[gi] = 1;
          a.slast[gi].assign(s);
        }
        if (need & kUniq) a.suniq[gi].emplace(s);
      }
      continue;
    }
    auto accumulate = [&](auto* vals) {
      for (size_t r = 0; r < n; ++r) {
        const int32_t g = gid[r];
        if (g < 0) continue;
        const size_t gi = static_cast<size_t>(g);
        const auto raw = vals[r];
        const double x = static_cast<double>(raw);
        if (!isInt && std::isnan(x)) continue;
        if (need & kCnt) a.cnt[gi] += 1;
        if (need & kSum) ddAdd(a.sum[gi], x);
        if (need & kSq) {
          const double sq = x * x;
          DD e{sq, std::isfinite(sq) ? std::fma(x, x, -sq) : 0.0};
          ddAddDD(a.sq[gi], e);
        }
        if (need & kISum) a.isum[gi] = static_cast<int64_t>(static_cast<uint64_t>(a.isum[gi]) + static_cast<uint64_t>(static_cast<int64_t>(raw)));
        if (need & kMinMax) {
          if (isInt) {
            const int64_t iv = static_cast<int64_t>(raw);
            a.imin[gi] = std::min(a.imin[gi], iv);
            a.imax[gi] = std::max(a.imax[gi], iv);
          } else {
            a.dmin[gi] = std::min(a.dmin[gi], x);
            a.dmax[gi] = std::max(a.dmax[gi], x);
          }
        }
        if (need & kFirstLast) {
          if (isInt) {
            if (!a.has[gi]) a.ifirst[gi] = static_cast<int64_t>(raw);
            a.ilast[gi] = static_cast<int64_t>(raw);
          } else {
            if (!a.has[gi]) a.dfirst[gi] = x;
            a.dlast[gi] = x;
          }
          a.has[gi] = 1;
        }
        if (need & kUniq) a.uniq[gi].push_back(isInt ? static_cast<uint64_t>(static_cast<int64_t>(raw)) : bitsOf(x));
        if (need & kVals) a.vals[gi].push_back(x);
      }
    };
    switch (c.type) {
      case ColType::Int64: accumulate(static_cast<const int64_t*>(c.data[p])); break;
      case ColType::Bool: accumulate(static_cast<const uint8_t*>(c.data[p])); break;
      default: accumulate(static_cast<const double*>(c.data[p])); break;
    }
  }
  for (Acc& a : t->acc)
    for (auto& u : a.uniq) {
      std::sort(u.begin(), u.end());
      u.erase(std::unique(u.begin(), u.end()), u.end());
    }
  tables_[p] = std::move(t);
}

void GroupbyPlan::planBuckets() {
  size_t partial = 0;
  for (const auto& t : tables_) partial += t->keys.size();
  const size_t S = static_cast<size_t>(split_);
  sub_ = 1;
  while (S * sub_ * kBucketGroups < partial && sub_ < subMax_) sub_ *= 2;
  merged_.clear();
  merged_.resize(S * sub_);
}

namespace {
inline int log2of(size_t pow2) {
  int l = 0;
  while ((size_t(1) << l) < pow2) ++l;
  return l;
}
}  // namespace

uint32_t GroupbyPlan::codeOf(uint64_t h) const {
  const size_t out = split_ > 1 ? static_cast<size_t>(h % static_cast<uint64_t>(split_)) : 0;
  return static_cast<uint32_t>(out * subMax_ + (subMax_ > 1 ? static_cast<size_t>(h >> (64 - log2of(subMax_))) : 0));
}

size_t GroupbyPlan::bucketIndex(uint64_t h) const {
  // output bucket (h % S, bucketOf's), then a sub-bucket from the top bits (so codeOf's order
  // is merge-bucket order for every sub_ up to subMax_)
  const size_t out = split_ > 1 ? static_cast<size_t>(h % static_cast<uint64_t>(split_)) : 0;
  return out * sub_ + (sub_ > 1 ? static_cast<size_t>(h >> (64 - log2of(sub_))) : 0);
}

void GroupbyPlan::splitTable(size_t p) {
  Table& t = *tables_[p];
  const size_t C = merged_.size();
  if (C <= 1) return;
  // the build ordered the groups by bucket: count them
  const size_t G = t.keys.size();
  t.bucketStart.assign(C + 1, 0);
  for (size_t g = 0; g < G; ++g) t.bucketStart[bucketIndex(t.hash[g]) + 1]++;
  for (size_t c = 0; c < C; ++c) t.bucketStart[c + 1] += t.bucketStart[c];
}

void GroupbyPlan::mergeBucket(size_t c) {
  auto a = emptyTable();
  const bool one = merged_.size() <= 1;
  auto range = [&](const Table& t) -> std::pair<size_t, size_t> {
    if (one) return {0, t.keys.size()};
    return {static_cast<size_t>(t.bucketStart[c]), static_cast<size_t>(t.bucketStart[c + 1])};
  };
  size_t n = 0;
  for (const auto& t : tables_) {
    const auto [from, to] = range(*t);
    n += to - from;
  }
  a->index.reserve(n);
  size_t bytes = 0;
  for (const auto& t : tables_) {
    const auto [from, to] = range(*t);
    if (to > from) bytes += (to - from) * (t->keys.bytes() / t->keys.size());
  }
  a->keys.reserve(n, bytes + 64);
  a->hash.reserve(n);
  a->size.reserve(n);
  a->firstRow.reserve(n);
  for (size_t v = 0; v < values_.size(); ++v) a->acc[v].reserve(n, isIntType(values_[v].type), values_[v].type == ColType::String);
  // every partition's groups of bucket c, in partition order (the first's are all new)
  for (const auto& t : tables_) {
    const auto [from, to] = range(*t);
    for (size_t j = from; j < to; ++j) mergeOne(*a, *t, j, false);
  }
  merged_[c] = std::move(a);
}

void GroupbyPlan::mergeOne(Table& a, Table& b, size_t gb, bool fresh) {
  {
    const uint64_t h = b.hash[gb];
    const int32_t found = fresh ? -1 : a.index.find(b.keys[gb], h, a.keys);
    size_t ga;
    if (found < 0) {
      ga = a.keys.size();
      if (!fresh) a.index.insert(h, static_cast<int32_t>(ga));
      a.keys.push_back(b.keys[gb]);
      a.hash.push_back(h);
      a.size.push_back(0);
      a.firstRow.push_back(b.firstRow[gb]);
      for (size_t v = 0; v < values_.size(); ++v)
        if (a.acc[v].need) a.acc[v].grow(ga + 1, isIntType(values_[v].type), values_[v].type == ColType::String);
    } else {
      ga = static_cast<size_t>(found);
    }
    a.size[ga] += b.size[gb];
    for (size_t v = 0; v < values_.size(); ++v) {
      Acc& x = a.acc[v];
      Acc& y = b.acc[v];
      const uint8_t need = x.need;
      if (!need) continue;
      const bool isInt = isIntType(values_[v].type), isStr = values_[v].type == ColType::String;
      if (need & kCnt) x.cnt[ga] += y.cnt[gb];
      if (need & kSum) ddAddDD(x.sum[ga], y.sum[gb]);
      if (need & kSq) ddAddDD(x.sq[ga], y.sq[gb]);
      if (need & kISum) x.isum[ga] = static_cast<int64_t>(static_cast<uint64_t>(x.isum[ga]) + static_cast<uint64_t>(y.isum[gb]));
      if (need & kMinMax) {
        if (isInt) {
          x.imin[ga] = std::min(x.imin[ga], y.imin[gb]);
          x.imax[ga] = std::max(x.imax[ga], y.imax[gb]);
        } else {
          x.dmin[ga] = std::min(x.dmin[ga], y.dmin[gb]);
          x.dmax[ga] = std::max(x.dmax[ga], y.dmax[gb]);
        }
      }
      if ((need & kFirstLast) && y.has[gb]) {
        // a holds the earlier partitions: its first stays, b's last wins
        if (isStr) {
          if (!x.has[ga]) x.sfirst[ga] = std::move(y.sfirst[gb]);
          x.slast[ga] = std::move(y.slast[gb]);
        } else if (isInt) {
          if (!x.has[ga]) x.ifirst[ga] = y.ifirst[gb];
          x.ilast[ga] = y.ilast[gb];
        } else {
          if (!x.has[ga]) x.dfirst[ga] = y.dfirst[gb];
          x.dlast[ga] = y.dlast[gb];
        }
        x.has[ga] = 1;
      }
      if (need & kUniq) {
        if (isStr) x.suniq[ga].insert(y.suniq[gb].begin(), y.suniq[gb].end());
        else if (x.uniq[ga].empty()) x.uniq[ga].swap(y.uniq[gb]);
        else if (!y.uniq[gb].empty()) {
          std::vector<uint64_t> u;
          u.reserve(x.uniq[ga].size() + y.uniq[gb].size());
          std::set_union(x.uniq[ga].begin(), x.uniq[ga].end(), y.uniq[gb].begin(), y.uniq[gb].end(), std::back_inserter(u));
          x.uniq[ga].swap(u);
        }
      }
      if (need & kVals) {
        std::vector<double>& dst = x.vals[ga];
        std::vector<double>& src = y.vals[gb];
        if (dst.empty()) dst.swap(src);
        else dst.insert(dst.end(), src.begin(), src.end());
        std::vector<double>().swap(src);
      }
    }
  }
}

void GroupbyPlan::finish(size_t bucket) {
  std::vector<GbOut>& outs = out_[bucket];
  outs.clear();
  // the output bucket's merge buckets hold disjoint keys: one table
  // (none without partitions)
  std::unique_ptr<Table> own = bucket * sub_ < merged_.size() && merged_[bucket * sub_] ? std::move(merged_[bucket * sub_]) : emptyTable();
  for (size_t j = 1; j < sub_; ++j) {
    std::unique_ptr<Table> b = std::move(merged_[bucket * sub_ + j]);
    if (!b) continue;
    for (size_t g = 0; g < b->keys.size(); ++g) mergeOne(*own, *b, g, true);
  }
  Table& t = *own;
  const size_t G = t.keys.size();
  ngroups_[bucket] = static_cast<int64_t>(G);
  // sorted by key, as pandas' sort=True (strings by utf-8 bytes = code points)
  const size_t K = keys_.size();
  std::vector<KeyVal> decoded(G * K);
  for (size_t g = 0; g < G; ++g) decode(t.keys[g], keys_, &decoded[g * K]);
  const auto dec = [&](size_t g) { return &decoded[g * K]; };
  std::vector<size_t> order(G);
  std::iota(order.begin(), order.end(), size_t(0));
  // GbOrder::Any: the merge's order (iota above)
  if (order_ == GbOrder::SizeDescending || order_ == GbOrder::SizeAscending || order_ == GbOrder::FirstRow) {
    // by size then first row, or by first row (first rows are distinct)
    std::vector<std::pair<int64_t, int64_t>> by(G);
    const int64_t sign = order_ == GbOrder::SizeDescending ? -1 : order_ == GbOrder::SizeAscending ? 1 : 0;
    for (size_t g = 0; g < G; ++g) by[g] = {sign * t.size[g], t.firstRow[g]};
    std::vector<uint32_t> idx(G);
    std::iota(idx.begin(), idx.end(), 0u);
    std::sort(idx.begin(), idx.end(), [&](uint32_t x, uint32_t y) { return by[x] < by[y]; });
    for (size_t j = 0; j < G; ++j) order[j] = idx[j];
  } else if (order_ == GbOrder::Key) {
  // sorted by ranks: per key column an order-preserving uint64 per group (numbers by value;
  // strings by their rank among the distinct strings of the column), then tuples of integers
  // (a comparator over decoded tuples, memcmp per comparison, was most of a two-key groupby)
  std::vector<uint64_t> rank(G * K);
  for (size_t k = 0; k < K; ++k) {
    switch (keys_[k].type) {
      case ColType::String: {
        std::unordered_map<std::string_view, uint32_t> ids;
        std::vector<std::string_view> distinct;
        std::vector<uint32_t> id(G);
        for (size_t g = 0; g < G; ++g) {
          if (dec(g)[k].missing) {
            id[g] = UINT32_MAX;  // after every string (pandas: the NaN group last)
            continue;
          }
          const std::string_view v = dec(g)[k].s;
          auto [it, added] = ids.try_emplace(v, static_cast<uint32_t>(distinct.size()));
          if (added) distinct.push_back(v);
          id[g] = it->second;
        }
        std::vector<uint32_t> byValue(distinct.size());
        std::iota(byValue.begin(), byValue.end(), 0u);
        std::sort(byValue.begin(), byValue.end(), [&](uint32_t x, uint32_t y) { return distinct[x] < distinct[y]; });
        std::vector<uint32_t> rankOf(distinct.size());
        for (size_t j = 0; j < byValue.size(); ++j) rankOf[byValue[j]] = static_cast<uint32_t>(j);
        for (size_t g = 0; g < G; ++g) rank[g * K + k] = id[g] == UINT32_MAX ? UINT64_MAX : rankOf[id[g]];
        break;
      }
      case ColType::Int64:
      case ColType::Bool:
        for (size_t g = 0; g < G; ++g) rank[g * K + k] = static_cast<uint64_t>(dec(g)[k].i) ^ (uint64_t(1) << 63);
        break;
      default:
        for (size_t g = 0; g < G; ++g) {
          uint64_t u;
          std::memcpy(&u, &dec(g)[k].d, 8);  // -0 is 0 in keys; NaN (dropna false) last
          rank[g * K + k] = std::isnan(dec(g)[k].d) ? UINT64_MAX : (u >> 63) ? ~u : u | (uint64_t(1) << 63);
        }
        break;
    }
  }
  if (K == 1) {
    std::vector<std::pair<uint64_t, uint32_t>> by(G);
    for (size_t g = 0; g < G; ++g) by[g] = {rank[g], static_cast<uint32_t>(g)};
    std::sort(by.begin(), by.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t j = 0; j < G; ++j) order[j] = by[j].second;
  } else if (K == 2) {
    struct R2 {
      uint64_t a, b;
      uint32_t g;
    };
    std::vector<R2> by(G);
    for (size_t g = 0; g < G; ++g) by[g] = {rank[2 * g], rank[2 * g + 1], static_cast<uint32_t>(g)};
    std::sort(by.begin(), by.end(), [](const R2& x, const R2& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    for (size_t j = 0; j < G; ++j) order[j] = by[j].g;
  } else {
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return std::lexicographical_compare(&rank[x * K], &rank[x * K + K], &rank[y * K], &rank[y * K + K]);
    });
  }
  }
  for (size_t k = 0; k < keys_.size(); ++k) {
    GbOut o;
    o.type = keys_[k].type;
    if (o.type == ColType::String) o.offsets.push_back(0);
    for (size_t g : order) {
      const KeyVal& x = dec(g)[k];
      switch (o.type) {
        case ColType::String:
          o.bytes.append(x.s.data(), x.s.size());
          o.offsets.push_back(static_cast<int32_t>(o.bytes.size()));
          if (!dropna_) o.b8.push_back(x.missing ? 0 : 1);  // present
          break;
        case ColType::Int64: o.i64.push_back(x.i); break;
        case ColType::Bool: o.b8.push_back(static_cast<uint8_t>(x.i)); break;
        default: o.f64.push_back(x.d); break;
      }
    }
    outs.push_back(std::move(o));
  }
  for (const GbAgg& ag : aggs_) {
    GbOut o;
    if (ag.agg == Agg::Size || ag.agg == Agg::FirstRow) {
      o.type = ColType::Int64;
      for (size_t g : order) o.i64.push_back(ag.agg == Agg::Size ? t.size[g] : t.firstRow[g]);
      outs.push_back(std::move(o));
      continue;
    }
    const size_t v = static_cast<size_t>(ag.value);
    Acc& a = t.acc[v];
    const ColType vt = values_[v].type;
    const bool isInt = isIntType(vt);
    switch (ag.agg) {
      case Agg::Count:
        o.type = ColType::Int64;
        for (size_t g : order) o.i64.push_back(static_cast<int64_t>(a.cnt[g]));
        break;
      case Agg::Nunique:
        o.type = ColType::Int64;
        for (size_t g : order) o.i64.push_back(static_cast<int64_t>(vt == ColType::String ? a.suniq[g].size() : a.uniq[g].size()));
        break;
      case Agg::Sum:
        if (isInt) {
          o.type = ColType::Int64;
          for (size_t g : order) o.i64.push_back(a.isum[g]);
        } else {
          o.type = ColType::Float64;
          for (size_t g : order) o.f64.push_back(a.sum[g].hi + a.sum[g].lo);
        }
        break;
      case Agg::Mean:
        o.type = ColType::Float64;
        for (size_t g : order) {
          if (!a.cnt[g]) {
            o.f64.push_back(NAN);
            continue;
          }
          const DD m = ddDiv(a.sum[g], a.cnt[g]);
          o.f64.push_back(m.hi + m.lo);
        }
        break;
      case Agg::Std:
      case Agg::Var:
        o.type = ColType::Float64;
        for (size_t g : order) {
          const double n = a.cnt[g];
          if (!(n - ag.ddof > 0) || !std::isfinite(a.sum[g].hi) || !std::isfinite(a.sq[g].hi)) {
            o.f64.push_back(NAN);
            continue;
          }
          // (Σx² − (Σx)²/n) / (n − ddof), in double-double
          const DD ss = ddSub(a.sq[g], ddDiv(ddMul(a.sum[g], a.sum[g]), n));
          const DD var = ddDiv(ss, n - ag.ddof);
          double r = var.hi + var.lo;
          if (r < 0) r = 0;
          o.f64.push_back(ag.agg == Agg::Std ? std::sqrt(r) : r);
        }
        break;
      case Agg::Min:
      case Agg::Max: {
        const bool mn = ag.agg == Agg::Min;
        if (vt == ColType::Bool) {
          o.type = ColType::Bool;
          for (size_t g : order) o.b8.push_back(static_cast<uint8_t>(mn ? a.imin[g] : a.imax[g]));
        } else if (isInt) {
          o.type = ColType::Int64;
          for (size_t g : order) o.i64.push_back(mn ? a.imin[g] : a.imax[g]);
        } else {
          o.type = vt == ColType::Datetime ? ColType::Datetime : ColType::Float64;
          for (size_t g : order) o.f64.push_back(a.cnt[g] ? (mn ? a.dmin[g] : a.dmax[g]) : NAN);
        }
        break;
      }
      case Agg::First:
      case Agg::Last: {
        const bool first = ag.agg == Agg::First;
        o.type = vt;
        if (vt == ColType::String) {
          o.offsets.push_back(0);
          for (size_t g : order) {
            const std::string& s = first ? a.sfirst[g] : a.slast[g];
            o.bytes.append(s);
            o.offsets.push_back(static_cast<int32_t>(o.bytes.size()));
            o.b8.push_back(a.has[g]);  // present
          }
        } else if (vt == ColType::Bool) {
          for (size_t g : order) o.b8.push_back(static_cast<uint8_t>(first ? a.ifirst[g] : a.ilast[g]));
        } else if (isInt) {
          for (size_t g : order) o.i64.push_back(first ? a.ifirst[g] : a.ilast[g]);
        } else {
          for (size_t g : order) o.f64.push_back(first ? a.dfirst[g] : a.dlast[g]);
        }
        break;
      }
      case Agg::Median:
      case Agg::Quantile:
        o.type = ColType::Float64;
        for (size_t g : order) o.f64.push_back(quantileOf(a.vals[g], ag.agg == Agg::Median, ag.q));
        break;
      default: break;
    }
    outs.push_back(std::move(o));
  }
}

void GroupbyPlan::addStages(FnJob& job, const std::shared_ptr<GroupbyPlan>& self) {
  const int64_t P = static_cast<int64_t>(rows_.size());
  const int64_t S = split_;
  job.stages.push_back({[P] { return P; }, [self](int64_t p) { self->build(static_cast<size_t>(p)); }, [self] { self->planBuckets(); }});
  job.stages.push_back({[P] { return P; }, [self](int64_t p) { self->splitTable(static_cast<size_t>(p)); }, nullptr});
  job.stages.push_back({[self] { return static_cast<int64_t>(self->merged_.size()); },
                        [self](int64_t c) { self->mergeBucket(static_cast<size_t>(c)); },
                        [self] { self->tables_.clear(); }});
  job.stages.push_back({[S] { return S; }, [self](int64_t b) { self->finish(static_cast<size_t>(b)); }, nullptr});
}

}  // namespace tessera::df
