#include "core/text.h"

#include <xxhash.h>

namespace wardsoc {

void ascii_lower_in_place(std::string& s) {
  for (char& c : s) c = ascii_lower(c);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  ascii_lower_in_place(out);
  return out;
}

std::string hex64(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<size_t>(i)] = kDigits[value & 0xf];
  return out;
}

std::string xxh3_hex(std::string_view bytes) {
  return hex64(XXH3_64bits(bytes.data(), bytes.size()));
}

}  // namespace wardsoc
