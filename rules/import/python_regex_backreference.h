// Replaces Python's backreferences `(?P=name)` by a second capture of the same text shape,
// which a rule then compares with the first (`field_equals`): RE2 has no backreferences.
// Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wardsoc {

struct BackreferenceExpansion {
  // Patterns without backreferences, in the order to try them.
  std::vector<std::string> patterns;
  // (second capture, first capture): where the second is captured, it must equal the first.
  std::vector<std::pair<std::string, std::string>> equal_fields;
};

// `(?P=name)` becomes `(?P<name_ref>X)`, X the pattern of group `name` (which must hold no
// group of its own). Inside an optional `(?:...)?` group, the pattern without that group comes
// first (it matches wherever Python skips the group), then the one with it.
Result<BackreferenceExpansion> expand_python_backreferences(std::string_view py);

}  // namespace wardsoc
