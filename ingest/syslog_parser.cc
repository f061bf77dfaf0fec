#include "ingest/syslog_parser.h"

#include <cctz/civil_time.h>

#include <algorithm>
#include <cstring>

#include "core/time.h"

namespace wardsoc {

namespace {

constexpr int64_t kSecondsPerDay = 86400;
// RFC 3164 timestamps have no year; a device clock a little ahead of ours must not
// push its lines into next year, so "the future" starts a week from now.
constexpr int64_t kFutureToleranceSeconds = 7 * kSecondsPerDay;

// The byte at i, or -1 past the end: lets every check read one position ahead without
// a separate bounds test, so truncated lines cannot be over-read.
inline int ch(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<unsigned char>(s[i]) : -1;
}

inline bool is_digit(int c) { return c >= '0' && c <= '9'; }

// Exactly `count` digits at s[i..].
inline bool read_digits(std::string_view s, size_t i, size_t count, int* out) {
  if (i + count > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < count; ++k) {
    const int c = ch(s, i + k);
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil); cheaper than a zone lookup for timestamps that carry an offset.
constexpr int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr int64_t year_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(year_from_days(days_from_civil(2024, 12, 31)) == 2024);
static_assert(year_from_days(days_from_civil(2025, 1, 1)) == 2025);

struct CivilTime {
  int year = 0;  // 0 when the timestamp had none (RFC 3164)
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int micros = 0;
};

inline int64_t civil_seconds_utc(int64_t year, const CivilTime& t) {
  return days_from_civil(year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 + t.minute * 60 +
         t.second;
}

// Wall-clock time without a zone, read in `zone` (UTC when null).
int64_t local_to_utc_seconds(int64_t year, const CivilTime& t, const cctz::time_zone* zone) {
  if (zone == nullptr) return civil_seconds_utc(year, t);
  const cctz::civil_second cs(year, t.month, t.day, t.hour, t.minute, t.second);
  return cctz::convert(cs, *zone).time_since_epoch().count();
}

// The latest year that does not put the timestamp more than a week after receive time.
int64_t infer_year_seconds(const CivilTime& t, const SyslogParseOptions& opts) {
  const int64_t receive_us = opts.receive_time_us != 0 ? opts.receive_time_us : now_us();
  const int64_t limit = receive_us / kMicrosPerSecond + kFutureToleranceSeconds;
  // The receive year in UTC is at most one off the year in the zone; the checks below
  // fix that as well as the New Year cases.
  const int64_t year = year_from_days(receive_us / kMicrosPerSecond / kSecondsPerDay);
  int64_t s = local_to_utc_seconds(year, t, opts.zone);
  if (s > limit) return local_to_utc_seconds(year - 1, t, opts.zone);
  if (s + 365 * kSecondsPerDay <= limit) {
    const int64_t next = local_to_utc_seconds(year + 1, t, opts.zone);
    if (next <= limit) s = next;
  }
  return s;
}

inline int parse_month(std::string_view s, size_t i) {
  if (i + 3 > s.size()) return 0;
  // Lower-casing by OR 0x20 maps no non-letter onto a letter, so only month names match.
  const uint32_t key = (static_cast<uint32_t>(ch(s, i) | 0x20) << 16) |
                       (static_cast<uint32_t>(ch(s, i + 1) | 0x20) << 8) |
                       static_cast<uint32_t>(ch(s, i + 2) | 0x20);
  constexpr auto k = [](const char* m) {
    return (static_cast<uint32_t>(m[0]) << 16) | (static_cast<uint32_t>(m[1]) << 8) |
           static_cast<uint32_t>(m[2]);
  };
  switch (key) {
    case k("jan"):
      return 1;
    case k("feb"):
      return 2;
    case k("mar"):
      return 3;
    case k("apr"):
      return 4;
    case k("may"):
      return 5;
    case k("jun"):
      return 6;
    case k("jul"):
      return 7;
    case k("aug"):
      return 8;
    case k("sep"):
      return 9;
    case k("oct"):
      return 10;
    case k("nov"):
      return 11;
    case k("dec"):
      return 12;
    default:
      return 0;
  }
}

// ".123" / ",123456": fractional seconds, any number of digits, kept to microseconds.
inline size_t parse_fraction(std::string_view s, size_t i, int* micros) {
  if ((ch(s, i) != '.' && ch(s, i) != ',') || !is_digit(ch(s, i + 1))) return i;
  ++i;
  int v = 0;
  int n = 0;
  for (; is_digit(ch(s, i)); ++i) {
    if (n < 6) {
      v = v * 10 + (ch(s, i) - '0');
      ++n;
    }
  }
  for (; n < 6; ++n) v *= 10;
  *micros = v;
  return i;
}

// "hh:mm:ss" with optional fraction.
inline bool parse_clock(std::string_view s, size_t* i, CivilTime* t) {
  const size_t p = *i;
  if (!read_digits(s, p, 2, &t->hour) || ch(s, p + 2) != ':' ||
      !read_digits(s, p + 3, 2, &t->minute) || ch(s, p + 5) != ':' ||
      !read_digits(s, p + 6, 2, &t->second)) {
    return false;
  }
  if (t->hour > 23 || t->minute > 59 || t->second > 60) return false;
  *i = parse_fraction(s, p + 8, &t->micros);
  return true;
}

// "Mmm dd hh:mm:ss", "Mmm  d ...", "Mmm d ...", optionally "Mmm dd yyyy hh:mm:ss".
// The timestamp must end the line or be followed by a space.
bool parse_bsd_time(std::string_view s, size_t i, CivilTime* t, size_t* end) {
  t->month = parse_month(s, i);
  if (t->month == 0) return false;
  i += 3;
  if (ch(s, i) != ' ') return false;
  ++i;
  if (ch(s, i) == ' ') ++i;
  if (!is_digit(ch(s, i))) return false;
  t->day = ch(s, i) - '0';
  ++i;
  if (is_digit(ch(s, i))) {
    t->day = t->day * 10 + (ch(s, i) - '0');
    ++i;
  }
  if (t->day < 1 || t->day > 31 || ch(s, i) != ' ') return false;
  ++i;
  if (ch(s, i + 4) == ' ' && read_digits(s, i, 4, &t->year)) i += 5;
  if (!parse_clock(s, &i, t)) return false;
  if (i < s.size() && s[i] != ' ' && s[i] != ':') return false;
  *end = i;
  return true;
}

// RFC 3339: "yyyy-mm-ddThh:mm:ss[.frac][Z|+hh:mm|-hh:mm|+hhmm]". The zone is optional
// here (has_zone tells); RFC 5424 callers decide what a missing zone means.
// `space_separator` also accepts "yyyy-mm-dd hh:mm:ss", which cameras, NVRs and other
// embedded devices send after their PRI.
bool parse_iso_time(std::string_view s, size_t i, CivilTime* t, bool* has_zone, int* offset_s,
                    size_t* end, bool space_separator = false) {
  const int sep = ch(s, i + 10);
  if (!read_digits(s, i, 4, &t->year) || ch(s, i + 4) != '-' ||
      !read_digits(s, i + 5, 2, &t->month) || ch(s, i + 7) != '-' ||
      !read_digits(s, i + 8, 2, &t->day) ||
      (sep != 'T' && sep != 't' && !(space_separator && sep == ' '))) {
    return false;
  }
  if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31) return false;
  i += 11;
  if (!parse_clock(s, &i, t)) return false;
  *has_zone = false;
  *offset_s = 0;
  const int z = ch(s, i);
  if (z == 'Z' || z == 'z') {
    *has_zone = true;
    ++i;
  } else if (z == '+' || z == '-') {
    int hh = 0;
    int mm = 0;
    if (!read_digits(s, i + 1, 2, &hh)) return false;
    size_t p = i + 3;
    if (ch(s, p) == ':') ++p;
    if (!read_digits(s, p, 2, &mm) || hh > 23 || mm > 59) return false;
    *offset_s = (z == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    *has_zone = true;
    i = p + 2;
  }
  if (i < s.size() && s[i] != ' ') return false;
  *end = i;
  return true;
}

// Parses an RFC 3339 timestamp at s[i..] into out; a zone-less one is read in opts.zone.
bool read_iso_timestamp(std::string_view s, size_t i, const SyslogParseOptions& opts,
                        SyslogHeader* out, size_t* end, bool space_separator = false) {
  CivilTime t;
  bool has_zone = false;
  int offset_s = 0;
  if (!parse_iso_time(s, i, &t, &has_zone, &offset_s, end, space_separator)) return false;
  const int64_t secs = has_zone ? civil_seconds_utc(t.year, t) - offset_s
                                : local_to_utc_seconds(t.year, t, opts.zone);
  out->has_timestamp = true;
  out->timestamp_has_zone = has_zone;
  out->timestamp_us = secs * kMicrosPerSecond + t.micros;
  return true;
}

inline bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }

// Cisco IOS ends its timestamp with ':' ("*Mar  1 00:02:27.811: %SYS-5-...") and may name
// the zone first ("Mar  1 00:02:27.811 UTC: ..."). Returns where the rest starts and
// whether the zone is UTC; a zone given by abbreviation alone cannot be trusted to mean
// one offset, so any other name leaves the time in the input's zone.
size_t skip_bsd_time_suffix(std::string_view s, size_t i, bool* utc) {
  *utc = false;
  if (ch(s, i) == ':') return i + 1;
  if (ch(s, i) != ' ' || !is_upper(ch(s, i + 1))) return i;
  size_t k = i + 1;
  while (k < s.size() && k - i <= 5 && is_upper(ch(s, k))) ++k;
  if (ch(s, k) != ':' || k - i > 5) return i;
  const std::string_view zone = s.substr(i + 1, k - i - 1);
  *utc = zone == "UTC" || zone == "GMT" || zone == "UT";
  return k + 1;
}

bool read_bsd_timestamp(std::string_view s, size_t i, const SyslogParseOptions& opts,
                        SyslogHeader* out, size_t* end) {
  CivilTime t;
  if (!parse_bsd_time(s, i, &t, end)) return false;
  bool utc = false;
  *end = skip_bsd_time_suffix(s, *end, &utc);
  int64_t secs = 0;
  if (utc) {
    SyslogParseOptions in_utc = opts;
    in_utc.zone = nullptr;
    secs = t.year != 0 ? civil_seconds_utc(t.year, t) : infer_year_seconds(t, in_utc);
  } else {
    secs = t.year != 0 ? local_to_utc_seconds(t.year, t, opts.zone) : infer_year_seconds(t, opts);
  }
  out->has_timestamp = true;
  out->timestamp_has_zone = utc;
  out->timestamp_us = secs * kMicrosPerSecond + t.micros;
  return true;
}

inline size_t find_space(std::string_view s, size_t i) {
  if (i >= s.size()) return s.size();
  const void* p = std::memchr(s.data() + i, ' ', s.size() - i);
  return p == nullptr ? s.size() : static_cast<size_t>(static_cast<const char*>(p) - s.data());
}

inline size_t skip_spaces(std::string_view s, size_t i) {
  while (ch(s, i) == ' ') ++i;
  return i;
}

struct Tag {
  size_t app_begin = 0;
  size_t app_end = 0;
  size_t pid_begin = 0;
  size_t pid_end = 0;
  size_t message = 0;  // where the message starts (a space after the tag is skipped)
};

// An RFC 3164 TAG in the token s[b, e): "app:", "app[pid]:", "app[pid]", "app[pid]:msg",
// "[app]:" or "[app]". App names in the wild hold '/', '(', '.', '-' ("postfix/smtpd",
// "sshd(pam_unix)"), so anything but '[' and ':' is accepted in them.
bool parse_tag(std::string_view s, size_t b, size_t e, Tag* t) {
  if (b >= e) return false;
  size_t after = 0;
  if (s[b] == '[') {
    size_t close = b + 1;
    while (close < e && s[close] != ']') ++close;
    if (close >= e || close == b + 1) return false;
    t->app_begin = b + 1;
    t->app_end = close;
    t->pid_begin = t->pid_end = 0;
    after = close + 1;
    if (after < e && s[after] == ':') ++after;
    if (after != e) return false;
  } else {
    size_t k = b;
    while (k < e && s[k] != '[' && s[k] != ':') ++k;
    if (k == b || k == e) return false;
    t->app_begin = b;
    t->app_end = k;
    t->pid_begin = t->pid_end = 0;
    if (s[k] == ':') {
      // "10:20:30" and "fe80::1" are not tags: the colon must end the token.
      if (k + 1 != e) return false;
      after = e;
    } else {
      size_t close = k + 1;
      while (close < e && s[close] != ']') ++close;
      if (close >= e) return false;
      t->pid_begin = k + 1;
      t->pid_end = close;
      after = close + 1;
      if (after < e) {
        if (s[after] != ':') return false;
        ++after;
      }
    }
  }
  t->message = (after == e && e < s.size()) ? e + 1 : after;
  return true;
}

class Spans {
 public:
  explicit Spans(uint32_t base) : base_(base) {}
  Span operator()(size_t from, size_t to) const {
    return Span{base_ + static_cast<uint32_t>(from), static_cast<uint32_t>(to - from)};
  }

 private:
  uint32_t base_;
};

void set_tag(const Tag& t, std::string_view s, const Spans& span, SyslogHeader* out) {
  out->app = span(t.app_begin, t.app_end);
  if (t.pid_end > t.pid_begin) out->procid = span(t.pid_begin, t.pid_end);
  out->message = span(t.message, s.size());
}

inline bool is_topic_char(int c) {
  return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
}

// MikroTik RouterOS names its log topics where a program would be: "system,info,account".
bool is_topic_list(std::string_view s, size_t b, size_t e) {
  bool comma = false;
  bool at_start = true;
  for (size_t k = b; k < e; ++k) {
    const int c = ch(s, k);
    if (c == ',') {
      if (at_start) return false;
      comma = true;
      at_start = true;
    } else if (is_topic_char(c)) {
      at_start = false;
    } else {
      return false;
    }
  }
  return comma && !at_start;
}

inline bool is_mnemonic_char(int c) { return is_upper(c) || is_digit(c) || c == '_' || c == '-'; }

// Cisco's "%FACILITY-SEVERITY-MNEMONIC:" (IOS, ASA, NX-OS: "%SYS-5-CONFIG_I:",
// "%ASA-6-302013:"). *facility_end is where the facility ends.
bool cisco_mnemonic(std::string_view s, size_t i, size_t* facility_end) {
  if (ch(s, i) != '%') return false;
  size_t k = i + 1;
  size_t fac_end = 0;
  for (; k < s.size(); ++k) {
    const int c = ch(s, k);
    if (c == '-' && is_digit(ch(s, k + 1)) && ch(s, k + 2) == '-') {
      fac_end = k;
      break;
    }
    if (!is_mnemonic_char(c)) return false;
  }
  if (fac_end <= i + 1) return false;
  size_t m = fac_end + 3;
  const size_t mnemonic = m;
  while (is_mnemonic_char(ch(s, m))) ++m;
  if (m == mnemonic || ch(s, m) != ':') return false;
  *facility_end = fac_end;
  return true;
}

// Cisco's message sequence number, "40: ". Returns where what follows starts, or i.
size_t skip_cisco_sequence(std::string_view s, size_t i) {
  size_t k = i;
  while (is_digit(ch(s, k)) && k - i < 10) ++k;
  if (k == i || ch(s, k) != ':' || ch(s, k + 1) != ' ') return i;
  return k + 2;
}

// Cisco's own timestamp inside the message, with its '*' (clock not set) or '.' (clock
// not in sync) mark: "*Mar  1 00:02:27.811: ". Returns where what follows starts, or i.
size_t skip_cisco_time(std::string_view s, size_t i) {
  size_t j = i;
  if (ch(s, j) == '*' || ch(s, j) == '.') ++j;
  CivilTime t;
  size_t end = 0;
  if (!parse_bsd_time(s, j, &t, &end)) return i;
  bool utc = false;
  return skip_spaces(s, skip_bsd_time_suffix(s, end, &utc));
}

// Message bodies that announce themselves instead of a TAG: Cisco's mnemonic (with a
// sequence number and an inner timestamp before it when a relay added its own header)
// and MikroTik's topic list. Sets app and message; false when the body is none of them.
bool parse_vendor_body(std::string_view s, size_t i, const Spans& span, SyslogHeader* out) {
  const size_t n = s.size();
  size_t j = skip_cisco_sequence(s, i);
  if (j != i || ch(s, j) == '*' || ch(s, j) == '.') j = skip_cisco_time(s, j);
  size_t facility_end = 0;
  if (cisco_mnemonic(s, j, &facility_end)) {
    out->app = span(j + 1, facility_end);
    out->message = span(j, n);  // the mnemonic stays: rules match "%ASA-6-302013"
    return true;
  }
  const size_t e = find_space(s, i);
  if (is_topic_list(s, i, e)) {
    out->app = span(i, e);
    out->message = span(std::min(skip_spaces(s, e), n), n);
    return true;
  }
  return false;
}

// Ubiquiti UniFi access points put "model,mac,version:" before the real TAG
// ("U7PG2,18e829a1b2c3,v4.3.20.11298: hostapd: ath0: ..."). When the TAG just read holds
// a comma and another TAG follows, the second one is the program.
bool take_second_tag(std::string_view s, const Tag& first, Tag* second) {
  if (first.pid_end > first.pid_begin) return false;
  if (std::memchr(s.data() + first.app_begin, ',', first.app_end - first.app_begin) == nullptr) {
    return false;
  }
  const size_t b = first.message;
  return b < s.size() && parse_tag(s, b, find_space(s, b), second);
}

// After an RFC 3164 timestamp: "host tag: msg", "tag: msg", "host msg", and the vendor
// forms above.
void parse_bsd_rest(std::string_view s, size_t i, const Spans& span, SyslogHeader* out) {
  const size_t n = s.size();
  i = skip_spaces(s, i);
  if (i >= n) {
    out->message = span(n, n);
    return;
  }
  if (parse_vendor_body(s, i, span, out)) return;  // no host: "*Mar 1 ...: %SYS-5-..."
  size_t e = find_space(s, i);
  Tag tag;
  Tag second;
  if (parse_tag(s, i, e, &tag)) {  // no host, as in "Mar  3 00:17:22 [sshd]: ..."
    if (take_second_tag(s, tag, &second)) {
      out->host = span(tag.app_begin, tag.app_end);
      set_tag(second, s, span, out);
      return;
    }
    set_tag(tag, s, span, out);
    return;
  }
  // Neither host nor tag ("[12.345] ...", or key=value pairs right after the time, as
  // cameras and NVRs send them): keep the message whole.
  if (s[i] == '[' || std::memchr(s.data() + i, '=', e - i) != nullptr ||
      std::memchr(s.data() + i, '"', e - i) != nullptr) {
    out->message = span(i, n);
    return;
  }
  out->host = span(i, e);
  i = skip_spaces(s, e);
  // Cisco ASA with a device id: "asa-fw : %ASA-6-302013: ..."
  if (ch(s, i) == ':' && (ch(s, i + 1) == ' ' || i + 1 == n)) i = skip_spaces(s, i + 1);
  if (i >= n) {
    out->message = span(n, n);
    return;
  }
  if (parse_vendor_body(s, i, span, out)) return;
  e = find_space(s, i);
  if (parse_tag(s, i, e, &tag)) {
    set_tag(take_second_tag(s, tag, &second) ? second : tag, s, span, out);
    return;
  }
  out->message = span(i, n);
}

// One RFC 5424 header field, which must be followed by a space.
inline bool read_field(std::string_view s, size_t* i, const Spans& span, Span* field) {
  const size_t b = *i;
  const size_t e = find_space(s, b);
  if (e == b || e >= s.size()) return false;
  if (!(e == b + 1 && s[b] == '-')) *field = span(b, e);
  *i = e + 1;
  return true;
}

// After "<PRI>1 ". On failure the fields read so far stay and the message is the
// rest of the line from the field that did not parse.
uint32_t parse_5424(std::string_view s, size_t i, const SyslogParseOptions& opts, const Spans& span,
                    SyslogHeader* out) {
  const size_t n = s.size();
  out->format = SyslogFormat::kRfc5424;
  auto malformed = [&](size_t from) {
    out->message = span(from, n);
    return static_cast<uint32_t>(kEventHeaderMalformed);
  };

  if (ch(s, i) == '-' && ch(s, i + 1) == ' ') {
    i += 2;
  } else {
    size_t end = 0;
    if (!read_iso_timestamp(s, i, opts, out, &end) || end >= n) {
      out->has_timestamp = false;
      return malformed(i);
    }
    i = end + 1;
  }
  for (Span* field : {&out->host, &out->app, &out->procid, &out->msgid}) {
    const size_t at = i;
    if (!read_field(s, &i, span, field)) return malformed(at);
  }

  // STRUCTURED-DATA: "-" or one or more "[id name="value" ...]"; inside a value '\'
  // escapes the next byte, so '"', ']' and '\' may appear there.
  if (ch(s, i) == '-') {
    ++i;
  } else if (ch(s, i) == '[') {
    const size_t sd_begin = i;
    while (ch(s, i) == '[') {
      ++i;
      bool quoted = false;
      for (;;) {
        const int c = ch(s, i);
        if (c < 0) return malformed(sd_begin);
        if (quoted) {
          if (c == '\\') {
            if (i + 1 >= n) return malformed(sd_begin);
            i += 2;
            continue;
          }
          if (c == '"') quoted = false;
        } else if (c == '"') {
          quoted = true;
        } else if (c == ']') {
          break;
        }
        ++i;
      }
      ++i;  // past ']'
    }
    out->structured_data = span(sd_begin, i);
  } else {
    return malformed(i);
  }

  if (i >= n) {
    out->message = span(n, n);
    return 0;
  }
  if (s[i] != ' ') return malformed(i);
  ++i;
  if (ch(s, i) == 0xEF && ch(s, i + 1) == 0xBB && ch(s, i + 2) == 0xBF) i += 3;
  out->message = span(i, n);
  return 0;
}

}  // namespace

uint32_t parse_syslog(std::string_view s, uint32_t base, const SyslogParseOptions& opts,
                      SyslogHeader* out) {
  *out = SyslogHeader{};
  const Spans span(base);
  const size_t n = s.size();
  out->message = span(0, n);
  size_t i = 0;

  if (ch(s, 0) == '<') {
    int pri = 0;
    size_t j = 1;
    while (j < 4 && is_digit(ch(s, j))) {
      pri = pri * 10 + (ch(s, j) - '0');
      ++j;
    }
    if (j == 1 || ch(s, j) != '>' || pri > 191) {
      // Keep what follows a closing '>' of a would-be PRI ("<abc>", "<999>"); without
      // one we cannot tell where a header would end, so the whole line stays.
      for (size_t k = 1; k < n && k <= 4; ++k) {
        if (s[k] == '>') {
          out->message = span(k + 1, n);
          break;
        }
      }
      return kEventHeaderMalformed;
    }
    out->pri = static_cast<int16_t>(pri);
    out->format = SyslogFormat::kRfc3164;
    i = j + 1;
    if (ch(s, i) == '1' && ch(s, i + 1) == ' ') return parse_5424(s, i + 2, opts, span, out);
  }

  const bool has_pri = out->pri >= 0;
  size_t end = 0;
  if (read_bsd_timestamp(s, i, opts, out, &end) ||
      read_iso_timestamp(s, i, opts, out, &end, /*space_separator=*/has_pri)) {
    out->format = SyslogFormat::kRfc3164;
    parse_bsd_rest(s, end, span, out);
    return 0;
  }
  if (!has_pri) {
    out->message = span(i, n);
    return 0;
  }
  // Cisco IOS without a syslog header of its own: "<189>40: *Mar  1 00:02:27.811: ...",
  // with the origin host "<189>40: router1: *Mar  1 ...", or only "<189>*Mar  1 ...".
  size_t j = skip_cisco_sequence(s, i);
  if (j != i) {
    const size_t e = find_space(s, j);
    if (e > j + 1 && s[e - 1] == ':' && e + 1 < n &&
        (s[e + 1] == '*' || s[e + 1] == '.' || is_upper(ch(s, e + 1)))) {
      out->host = span(j, e - 1);
      j = e + 1;
    }
  }
  const size_t time_at = (ch(s, j) == '*' || ch(s, j) == '.') ? j + 1 : j;
  if (time_at != i && read_bsd_timestamp(s, time_at, opts, out, &end)) {
    out->format = SyslogFormat::kRfc3164;
    parse_bsd_rest(s, end, span, out);
    return 0;
  }
  out->host = Span{};
  // A PRI without a timestamp: RFC 3164 reads all the rest as the message, unless it is
  // a vendor body ("<166>%ASA-6-302013: ...", "<30>firewall,info input: ...").
  if (parse_vendor_body(s, i, span, out)) return 0;
  out->message = span(i, n);
  return 0;
}

bool parse_timestamp_text(std::string_view text, const SyslogParseOptions& opts, int64_t* us,
                          bool* has_zone) {
  SyslogHeader h;
  size_t end = 0;
  if (!read_iso_timestamp(text, 0, opts, &h, &end, /*space_separator=*/true) &&
      !read_bsd_timestamp(text, 0, opts, &h, &end)) {
    return false;
  }
  if (end != text.size()) return false;
  *us = h.timestamp_us;
  *has_zone = h.timestamp_has_zone;
  return true;
}

}  // namespace wardsoc
