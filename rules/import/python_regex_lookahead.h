// Rewrites Python negative look-aheads on literal text into RE2 with the same meaning, by
// building the automaton of "this text and no literal starting here" and turning it back into
// a regex (state elimination). Used by python_regex_to_re2. Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsoc {

struct LookaheadRewrite {
  std::string re2;  // RE2 text that takes the place of py[begin, end)
  size_t end = 0;   // first Python character after the rewritten part
};

// At py[at], one of:
//  - a run `(?:(?!L1|L2)X)*` (or `+`, `*?`, `+?`) with X one character (`.`, `\S`, `[^x]`):
//    the run where no literal starts, checked against the text that follows the run;
//  - `(?!L1|L2)` followed by what it guards: the following items with no capture, or one group
//    (each of its alternatives on its own): that text where it does not start with a literal.
// nullopt when py[at] is neither; an Error when it is, but the rewrite cannot be proved the
// same (a literal could go on into text the rewrite cannot see, a capture inside a guarded
// part, too large a result).
std::optional<Result<LookaheadRewrite>> rewrite_python_lookahead(std::string_view py, size_t at);

}  // namespace wardsoc
