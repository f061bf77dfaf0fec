// Prefilter literals for a match step that has `where` conditions but no `match` (a rule on
// event fields, `fields: json|kv`): text that every line the conditions accept must
// contain, so that Hyperscan puts forward only lines worth evaluating instead of every line.
// docs/rules.md, "Conditions on event fields", says how they are chosen and when a rule is
// refused for having none. Part of the check stage; pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/rule.h"

namespace wardsoc {

struct DerivedLiteral {
  std::string text;     // as it appears in the scanned text (JSON-escaped for a JSON field)
  bool nocase = false;  // ASCII letters in any case
  bool json = false;    // scanned over the event's JSON text, not its message
  SourcePosition pos;   // the condition it comes from
  bool operator==(const DerivedLiteral& o) const {
    return text == o.text && nocase == o.nocase && json == o.json;
  }
};

// The literals one of which every line that satisfies the step's `where` contains; nullopt
// when no such set can be named (a rule that must then give `match`).
std::optional<std::vector<DerivedLiteral>> derive_where_literals(const MatchStep& step);

// The longest run of `value` as a JSON emitter writes it inside a string that every emitter
// writes the same way: '\' and '"' escaped, and cut at bytes emitters escape differently
// (control bytes, non-ASCII, '/', '<', '>', '&', '\''). Empty if none.
std::string json_literal_run(std::string_view value);

// The longest run of a value free of '"' and '\' (a double-quoted key=value value keeps its
// escapes in the message). Empty if none.
std::string kv_literal_run(std::string_view value);

// Adds the derived literals of every step that has `where` and no `match` as patterns
// (RulePattern::derived), or reports the step as needing a literal; warns about literals
// shorter than 3 bytes.
void derive_step_literals(Rule& r, LoadReport* report);

}  // namespace wardsoc
