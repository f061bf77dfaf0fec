// Translates a regular expression in Python's `re` syntax (what fail2ban filters are
// written in) into RE2 syntax with the same meaning, or says which part cannot be and
// why: RE2 has no look-around, backreferences, conditionals, atomic groups or possessive
// repetitions. Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsoc {

// The RE2 form of a Python pattern. Rewrites that keep the meaning: (?<name> becomes
// (?P<name>, \Z becomes \z, {,n} becomes {0,n}, (?#...) comments are dropped, '[' inside
// brackets is escaped. An error names the construct, its offset and what to write instead.
Result<std::string> python_regex_to_re2(std::string_view python);

// The ')' that closes the group opened at `open` in a Python regex (escapes and character
// classes skipped), npos if it is not closed.
size_t python_regex_group_end(std::string_view py, size_t open);

// The literal strings of a look-ahead body such as " Connection lost| Invalid mechanism";
// false when the body holds anything but literal characters and top-level '|'.
bool literal_alternatives(std::string_view body, std::vector<std::string>* out);

}  // namespace wardsoc
