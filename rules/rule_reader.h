// Read stage of rule loading: one rule file's YAML into Rule definitions, every value
// checked for type and range and every problem reported with file:line:col and the rule
// id. Nothing is compiled here. yaml-cpp's exceptions stop at this boundary.
// A pure function of its input; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/rule.h"

namespace wardsoc {

// Rules that had errors are reported and left out of the result; with `rejected`, they
// are handed back there as far as they were read, so that their patterns can still be
// checked (one run of `rules check` then names every error, not only the first of a rule).
std::vector<Rule> read_rule_file(std::string_view yaml, std::string_view file, LoadReport* report,
                                 std::vector<Rule>* rejected = nullptr);

}  // namespace wardsoc
