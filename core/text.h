// Small text helpers that every stage needs and that must not depend on the C locale:
// ASCII lower-casing (bytes outside A-Z are left as they are, so UTF-8 passes through)
// and the 16-hex-digit form of a 64-bit hash used for ids, versions and cache keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wardsoc {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void ascii_lower_in_place(std::string& s);
std::string ascii_lower(std::string_view s);

// "%016llx": 16 lowercase hex digits.
std::string hex64(uint64_t value);

// hex64(XXH3_64bits(bytes)).
std::string xxh3_hex(std::string_view bytes);

}  // namespace wardsoc
