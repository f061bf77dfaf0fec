// Check stage of rule loading: what can only be judged with all rules (and lists) at hand
// or with the patterns read — duplicate ids across files, sequence steps that reuse
// another rule, fields (group_by, distinct, where) that no pattern captures, references
// to named lists, test cases that expect fields no pattern captures. Runs before anything
// is compiled, on the loading thread only (it fills in the rules it is given).
#pragma once

#include <vector>

#include "rules/diagnostic.h"
#include "rules/named_list.h"
#include "rules/rule.h"

namespace wardsoc {

// Fills RulePattern::named_groups, copies the match of rules that sequence steps name,
// resolves Condition::list_index and Rule::list_hashes; reports into `report`.
void check_rules(std::vector<Rule>* rules, const std::vector<NamedList>& lists, LoadReport* report);

}  // namespace wardsoc
