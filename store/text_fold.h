// Folding text for free-text search: lower case, and Vietnamese letters without their
// tone and vowel marks ("Dò mật khẩu" and "do mat khau" both fold to "do mat khau"),
// so the police find an incident whether or not they type the diacritics.
// Pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace wardsoc {

// ASCII is lower-cased; Latin letters with diacritics used by Vietnamese (and the
// Latin-1 ones) become their base letter, đ becomes d; combining marks (U+0300..U+036F)
// are dropped; every other code point and invalid byte is kept as it is.
std::string fold_text(std::string_view text);

// True if fold_text(needle) occurs in fold_text(haystack).
bool folded_contains(std::string_view haystack, std::string_view folded_needle);

}  // namespace wardsoc
