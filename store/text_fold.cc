#include "store/text_fold.h"

#include <cstdint>

namespace wardsoc {

namespace {

// The base letter of a code point with diacritics, or 0 if it has none we fold.
char base_letter(uint32_t cp) {
  if (cp >= 0xC0 && cp <= 0xFF) {
    // Latin-1 Supplement, upper and lower case share the layout 0x20 apart.
    static constexpr char kLatin1[] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts";
    const uint32_t i = (cp >= 0xE0 ? cp - 0xE0 : cp - 0xC0);
    if (cp == 0xD7 || cp == 0xF7) return 0;  // multiplication and division signs
    if (cp == 0xDE || cp == 0xFE || cp == 0xDF || cp == 0xFF) return cp == 0xFF ? 'y' : 0;
    return kLatin1[i];
  }
  switch (cp) {
    case 0x102:
    case 0x103:
      return 'a';  // Ă ă
    case 0x110:
    case 0x111:
      return 'd';  // Đ đ
    case 0x128:
    case 0x129:
      return 'i';  // Ĩ ĩ
    case 0x168:
    case 0x169:
      return 'u';  // Ũ ũ
    case 0x1A0:
    case 0x1A1:
      return 'o';  // Ơ ơ
    case 0x1AF:
    case 0x1B0:
      return 'u';  // Ư ư
    default:
      break;
  }
  // Latin Extended Additional: the Vietnamese vowels with tone marks.
  if (cp >= 0x1EA0 && cp <= 0x1EB7) return 'a';
  if (cp >= 0x1EB8 && cp <= 0x1EC7) return 'e';
  if (cp >= 0x1EC8 && cp <= 0x1ECB) return 'i';
  if (cp >= 0x1ECC && cp <= 0x1EE3) return 'o';
  if (cp >= 0x1EE4 && cp <= 0x1EF1) return 'u';
  if (cp >= 0x1EF2 && cp <= 0x1EF9) return 'y';
  return 0;
}

}  // namespace

std::string fold_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    }
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (!valid) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (cp >= 0x300 && cp <= 0x36F) {
      // combining mark: dropped
    } else if (const char b = base_letter(cp)) {
      out.push_back(b);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

bool folded_contains(std::string_view haystack, std::string_view folded_needle) {
  return fold_text(haystack).find(folded_needle) != std::string::npos;
}

}  // namespace wardsoc
