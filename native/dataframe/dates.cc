// parseDates beyond ISO: the common forms pandas (through dateutil) reads, each value on its own
// as pandas 1.5 does without a format:
//   2015/01/01 [01:00[:00[.fff]]]   year first, '/', '.' or '-' between the fields
//   01/02/2003 [01:00[:00]]         month first (pandas' default dayfirst=False; a first field
//                                   above 12 is the day, as dateutil swaps it)
//   Jan 1 2000, January 1, 2000, 1 Jan 2000, 1-Jan-2000, Jan-01-2000
// with an optional time (' ' or 'T', then H:MM[:SS[.fff]], optionally AM/PM). Anything else is
// not a date: the reader's error names the column, the file, the line and the value.
#include <cctype>
#include <cstdint>
#include <string_view>

#include "dataframe/dataframe.h"

namespace tessera::df {

namespace {

int64_t civilDays(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's days_from_civil
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int monthDays(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// A cursor over the value.
struct Cur {
  std::string_view s;
  size_t p = 0;
  bool end() const { return p >= s.size(); }
  char peek() const { return end() ? '\0' : s[p]; }
  // 1..maxDigits digits (exactly n when n > 0)
  bool number(int minDigits, int maxDigits, int& out) {
    size_t q = p;
    int v = 0;
    while (q < s.size() && q - p < static_cast<size_t>(maxDigits) && s[q] >= '0' && s[q] <= '9') v = v * 10 + (s[q++] - '0');
    if (q - p < static_cast<size_t>(minDigits)) return false;
    if (q < s.size() && s[q] >= '0' && s[q] <= '9') return false;  // more digits than allowed
    p = q;
    out = v;
    return true;
  }
  bool digitsAhead() const { return !end() && s[p] >= '0' && s[p] <= '9'; }
  size_t runOfDigits() const {
    size_t q = p;
    while (q < s.size() && s[q] >= '0' && s[q] <= '9') ++q;
    return q - p;
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++p;
    return true;
  }
  void spaces() {
    while (!end() && s[p] == ' ') ++p;
  }
};

// January … December, their three-letter forms and "Sept" (any case, an optional '.').
int monthName(Cur& c) {
  static const char* names[12] = {"january", "february", "march", "april", "may", "june",
                                  "july", "august", "september", "october", "november", "december"};
  size_t q = c.p;
  while (q < c.s.size() && std::isalpha(static_cast<unsigned char>(c.s[q]))) ++q;
  const size_t n = q - c.p;
  if (n < 3) return 0;
  char word[16];
  if (n >= sizeof word) return 0;
  for (size_t i = 0; i < n; ++i) word[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(c.s[c.p + i])));
  const std::string_view w(word, n);
  for (int m = 0; m < 12; ++m) {
    const std::string_view full(names[m]);
    if (w == full || (n == 3 && w == full.substr(0, 3)) || (m == 8 && w == "sept")) {
      c.p = q;
      c.eat('.');
      return m + 1;
    }
  }
  return 0;
}

bool isSep(char ch) { return ch == '/' || ch == '-' || ch == '.'; }

// The date part; leaves the cursor after it.
bool datePart(Cur& c, int& y, int& mo, int& d) {
  if (c.digitsAhead()) {
    const size_t run = c.runOfDigits();
    if (run == 4) {  // year first
      if (!c.number(4, 4, y)) return false;
      const char sep = c.peek();
      if (!isSep(sep)) return false;
      ++c.p;
      if (!c.number(1, 2, mo) || !c.eat(sep) || !c.number(1, 2, d)) return false;
      return true;
    }
    if (run > 2) return false;
    int a;
    if (!c.number(1, 2, a)) return false;
    const char sep = c.peek();
    if (isSep(sep) && c.p + 1 < c.s.size() && std::isdigit(static_cast<unsigned char>(c.s[c.p + 1]))) {
      ++c.p;  // month first: M/D/YYYY
      int b;
      if (!c.number(1, 2, b) || !c.eat(sep) || !c.number(4, 4, y)) return false;
      mo = a;
      d = b;
      if (mo > 12 && d <= 12) std::swap(mo, d);  // dateutil: a first field above 12 is the day
      return true;
    }
    // day first with a month name: 1 Jan 2000, 1-Jan-2000
    if (!(c.eat(' ') || c.eat('-'))) return false;
    c.spaces();
    if (!(mo = monthName(c))) return false;
    d = a;
    if (!(c.eat(' ') || c.eat('-') || c.eat(','))) return false;
    c.spaces();
    return c.number(4, 4, y);
  }
  // a month name first: Jan 1 2000, January 1, 2000, Jan-01-2000
  if (!(mo = monthName(c))) return false;
  if (!(c.eat(' ') || c.eat('-'))) return false;
  c.spaces();
  if (!c.number(1, 2, d)) return false;
  c.eat(',');
  if (!(c.eat(' ') || c.eat('-'))) {
    if (c.s[c.p - 1] != ',') return false;
  }
  c.spaces();
  return c.number(4, 4, y);
}

// [ |T]H:MM[:SS[.fff]][ ]?[AP]M
bool timePart(Cur& c, int& h, int& mi, int& sec, double& frac) {
  h = mi = sec = 0;
  frac = 0;
  if (c.end()) return true;
  if (!(c.eat(' ') || c.eat('T'))) return false;
  c.spaces();
  if (!c.number(1, 2, h) || !c.eat(':') || !c.number(2, 2, mi)) return false;
  if (c.eat(':')) {
    if (!c.number(2, 2, sec)) return false;
    if (c.eat('.')) {
      double scale = 100;
      const size_t from = c.p;
      while (c.digitsAhead()) {
        frac += (c.s[c.p] - '0') * scale;
        scale /= 10;
        ++c.p;
      }
      if (c.p == from) return false;
    }
  }
  c.spaces();
  if (!c.end()) {
    const char a = static_cast<char>(std::toupper(static_cast<unsigned char>(c.peek())));
    if ((a != 'A' && a != 'P') || c.p + 2 != c.s.size() || std::toupper(static_cast<unsigned char>(c.s[c.p + 1])) != 'M') return false;
    if (h < 1 || h > 12) return false;
    h = (h % 12) + (a == 'P' ? 12 : 0);
    c.p += 2;
  }
  return h <= 23 && mi <= 59 && sec <= 59;
}

}  // namespace

bool parseOtherDatetime(std::string_view s, double& ms) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  Cur c{s, 0};
  int y = 0, mo = 0, d = 0, h, mi, sec;
  double frac;
  if (!datePart(c, y, mo, d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays(y, mo)) return false;
  if (!timePart(c, h, mi, sec, frac) || !c.end()) return false;
  const int64_t days = civilDays(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  ms = static_cast<double>(days * 86400000LL + h * 3600000LL + mi * 60000LL + sec * 1000LL) + frac;
  return true;
}

bool parseDatetime(std::string_view s, double& ms) { return parseIsoDatetime(s, ms) || parseOtherDatetime(s, ms); }

}  // namespace tessera::df
