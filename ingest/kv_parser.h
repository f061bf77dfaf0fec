// key=value bodies, as firewalls, NVRs and cameras write them:
//   date=2024-05-01 time=10:00:00 devname="FGT-Phuong" type="traffic" action="deny" ...
// for_each_kv() splits the pairs; kv_fields() finds the header fields wardsoc knows
// among them (host, time). The message itself stays the whole body, so rules match
// "action=deny" as written.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "ingest/body_fields.h"
#include "ingest/syslog_parser.h"

namespace wardsoc {

// Calls fn(key, value) for each pair, left to right, at most max_pairs. A key is
// [A-Za-z0-9_.-]+ directly followed by '='; a value is double-quoted (a backslash
// escapes the next byte, the view keeps the escapes), single-quoted, or runs to the next
// space. Words that are not pairs are skipped. Views point into `s`.
template <class Fn>
size_t for_each_kv(std::string_view s, Fn&& fn, size_t max_pairs = 256) {
  const size_t n = s.size();
  size_t i = 0;
  size_t pairs = 0;
  auto is_key_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  while (i < n && pairs < max_pairs) {
    while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '\t' || s[i] == ';')) ++i;
    const size_t key_begin = i;
    while (i < n && is_key_char(s[i])) ++i;
    if (i == key_begin || i >= n || s[i] != '=') {
      // Not a pair: skip the word (a quoted run counts as part of it).
      while (i < n && s[i] != ' ') ++i;
      continue;
    }
    const std::string_view key = s.substr(key_begin, i - key_begin);
    ++i;  // '='
    std::string_view value;
    if (i < n && (s[i] == '"' || s[i] == '\'')) {
      const char quote = s[i];
      const size_t b = ++i;
      while (i < n && s[i] != quote) {
        if (s[i] == '\\' && quote == '"' && i + 1 < n) ++i;
        ++i;
      }
      value = s.substr(b, (i < n ? i : n) - b);
      if (i < n) ++i;  // closing quote
    } else {
      const size_t b = i;
      while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != ',') ++i;
      value = s.substr(b, i - b);
    }
    fn(key, value);
    ++pairs;
  }
  return pairs;
}

// Header fields among the pairs: host from devname/device_name/hostname/host/dvchost,
// time from date+time (with Fortinet's tz="+0700"), eventtime (epoch s/ms/us/ns),
// timestamp/ts/time when they hold a whole date. Returns the number of pairs; fewer than
// two means the body is not key=value and *out is left empty.
size_t kv_fields(std::string_view body, const SyslogParseOptions& opts, BodyFields* out);

}  // namespace wardsoc
