// key=value pairs as firewalls, NVRs and cameras write them (`action="deny" srcip=10.0.0.1`):
// for_each_kv() splits them, kv_unescape() gives a double-quoted value's text. Used by ingest
// (header fields of a kv body) and by detect (`where` on the pairs of a `fields: kv` rule).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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

// A value as for_each_kv gives it, without the escapes of a double-quoted one: a backslash
// keeps the byte after it. Appends to *out.
inline void kv_unescape(std::string_view value, std::string* out) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    out->push_back(value[i]);
  }
}

}  // namespace wardsoc
