#include "rules/rule_checker.h"

#include <algorithm>
#include <map>
#include <set>

#include "rules/pattern_syntax.h"
#include "rules/where_literals.h"

namespace wardsoc {

namespace {

std::string where(const Rule& r) {
  return r.file + ":" + std::to_string(r.pos.line) + ":" + std::to_string(r.pos.column);
}

bool captures(const RulePattern& p, const std::string& field) {
  return std::find(p.named_groups.begin(), p.named_groups.end(), field) != p.named_groups.end();
}

bool captured_by_all(const MatchStep& s, const std::string& field) {
  if (s.patterns.empty()) return false;
  return std::all_of(s.patterns.begin(), s.patterns.end(),
                     [&](const RulePattern& p) { return captures(p, field); });
}

bool captured_by_any(const MatchStep& s, const std::string& field) {
  return std::any_of(s.patterns.begin(), s.patterns.end(),
                     [&](const RulePattern& p) { return captures(p, field); });
}

bool captured_by_any(const Rule& r, const std::string& field) {
  return std::any_of(r.steps.begin(), r.steps.end(),
                     [&](const MatchStep& s) { return captured_by_any(s, field); });
}

std::string step_label(const Rule& r, const MatchStep& s) {
  return r.kind == AggregationKind::kSequence ? "step '" + s.name + "'"
                                              : std::string("match.regex");
}

// "'f' is neither a built-in field (...) nor captured by every pattern of match.regex"
std::string not_captured(const Rule& r, const MatchStep& s, const std::string& field) {
  std::string msg =
      "'" + field +
      "' is neither a built-in field (host, app, peer, procid, msgid, input, asset_class) nor ";
  if (s.patterns.empty()) return msg + "captured (the rule has no match patterns)";
  msg += captured_by_any(s, field)
             ? "captured by every pattern of " + step_label(r, s)
             : "captured by " + step_label(r, s) + " (write (?P<" + field + ">...))";
  return msg;
}

void analyze_step(Rule& r, MatchStep& s, LoadReport* report) {
  for (RulePattern& p : s.patterns) {
    p.named_groups = analyze_pattern(p.text).named_groups;
    std::set<std::string> seen;
    for (const std::string& g : p.named_groups) {
      if (is_builtin_field(g) && seen.insert(g).second) {
        report->warning(
            r.file, p.pos.line, p.pos.column, r.id,
            "match.regex: the capture '" + g + "' hides the built-in field of that name");
      }
    }
  }
  for (RulePattern& p : s.exclusions) {
    p.named_groups = analyze_pattern(p.text).named_groups;
    if (!p.named_groups.empty()) {
      report->warning(r.file, p.pos.line, p.pos.column, r.id,
                      "match.not: captures in an exclusion pattern are ignored");
    }
  }
}

// Steps written as `rule: other.id` take the other rule's match, where and programs.
void resolve_references(std::vector<Rule>& rules, const std::map<std::string, size_t>& by_id,
                        LoadReport* report) {
  for (Rule& r : rules) {
    for (MatchStep& s : r.steps) {
      if (s.from_rule.empty()) continue;
      auto it = by_id.find(s.from_rule);
      if (it == by_id.end()) {
        report->error(r.file, s.pos.line, s.pos.column, r.id,
                      "sequence.steps: step '" + s.name + "' names rule '" + s.from_rule +
                          "', which does not exist");
        continue;
      }
      const Rule& other = rules[it->second];
      // A rule on event fields (where and `fields:`, no match) can be a step too.
      if (&other == &r || other.kind == AggregationKind::kSequence || other.steps.empty() ||
          (other.steps.front().patterns.empty() && other.steps.front().where.empty())) {
        report->error(
            r.file, s.pos.line, s.pos.column, r.id,
            "sequence.steps: step '" + s.name + "' names rule '" + s.from_rule +
                "', which is not a rule with its own match (sequences and absence rules without "
                "match cannot be steps)");
        continue;
      }
      const MatchStep& src = other.steps.front();
      s.patterns = src.patterns;
      s.exclusions = src.exclusions;
      s.where = src.where;
      s.fields = src.fields;
      if (s.programs.empty()) s.programs = src.programs.empty() ? other.programs : src.programs;
    }
  }
}

void check_fields(Rule& r, LoadReport* report) {
  std::set<std::string> grouped;
  for (size_t i = 0; i < r.group_by.size(); ++i) {
    const std::string& f = r.group_by[i];
    const SourcePosition at = i < r.group_by_pos.size() ? r.group_by_pos[i] : r.pos;
    const std::string key = r.kind == AggregationKind::kSequence  ? "sequence.group_by"
                            : r.kind == AggregationKind::kAbsence ? "absence.group_by"
                                                                  : "aggregation.group_by";
    if (!grouped.insert(f).second) {
      report->warning(r.file, at.line, at.column, r.id, key + ": '" + f + "' is listed twice");
      continue;
    }
    if (is_builtin_field(f)) continue;
    for (const MatchStep& s : r.steps) {
      if (captured_by_all(s, f)) continue;
      report->error(r.file, at.line, at.column, r.id, key + ": " + not_captured(r, s, f));
      break;
    }
  }
  if (r.kind == AggregationKind::kDistinct) {
    const MatchStep& s = r.steps.front();
    if (!is_builtin_field(r.distinct_field) && !captured_by_all(s, r.distinct_field)) {
      report->error(r.file, r.distinct_pos.line, r.distinct_pos.column, r.id,
                    "aggregation.distinct: " + not_captured(r, s, r.distinct_field));
    }
    if (std::find(r.group_by.begin(), r.group_by.end(), r.distinct_field) != r.group_by.end()) {
      report->error(r.file, r.distinct_pos.line, r.distinct_pos.column, r.id,
                    "aggregation.distinct: '" + r.distinct_field +
                        "' is also in group_by, so every group would hold one value");
    }
  }
  for (const MatchStep& s : r.steps) {
    // With event fields, any name may be one of the event's; it is looked up per line.
    if (s.fields != EventFields::kNone) continue;
    // Without them, a name is a capture or a built-in field (message among them).
    for_each_condition(s.where, [&](const Condition& c) {
      if (c.is_node()) return;
      for (const std::string* f : {&c.field, &c.other_field}) {
        if (f->empty() || is_where_builtin_field(*f) || captured_by_all(s, *f)) continue;
        report->error(r.file, c.pos.line, c.pos.column, r.id,
                      "where: " + not_captured(r, s, *f) +
                          "; `message` is the message, and `fields: json` or `fields: kv` makes "
                          "other names fields of the event");
      }
    });
  }
  for (const RuleTestCase& tc : r.match_tests) {
    for (const auto& [name, value] : tc.fields) {
      if (!captured_by_any(r, name) && !is_builtin_field(name)) {
        report->error(
            r.file, tc.pos.line, tc.pos.column, r.id,
            "tests.match: expects field '" + name + "', which no pattern of match.regex captures");
      }
    }
    if (!tc.step.empty()) {
      const bool known = std::any_of(r.steps.begin(), r.steps.end(),
                                     [&](const MatchStep& s) { return s.name == tc.step; });
      if (r.kind != AggregationKind::kSequence || !known) {
        report->error(
            r.file, tc.pos.line, tc.pos.column, r.id,
            "tests.match: step '" + tc.step + "' is not a step of this rule" +
                (r.kind == AggregationKind::kSequence ? "" : " (only sequence rules have steps)"));
      }
    }
  }
  if (r.kind == AggregationKind::kAbsence && r.steps.front().patterns.empty()) {
    for (const RuleTestCase& tc : r.no_match_tests) {
      report->warning(r.file, tc.pos.line, tc.pos.column, r.id,
                      "tests.no_match: this absence rule has no match patterns, so every line "
                      "counts as a sign of life");
      break;
    }
  }
}

void resolve_lists(Rule& r, const std::vector<NamedList>& lists, std::vector<bool>* used,
                   LoadReport* report) {
  std::map<std::string, std::string> hashes;
  for (MatchStep& s : r.steps) {
    for_each_condition(s.where, [&](Condition& c) {
      if (c.op != Condition::Op::kInList && c.op != Condition::Op::kNotInList) return;
      auto it = std::find_if(lists.begin(), lists.end(),
                             [&](const NamedList& l) { return l.name == c.list; });
      if (it == lists.end()) {
        std::string known;
        for (const NamedList& l : lists) known += (known.empty() ? "" : ", ") + l.name;
        report->error(r.file, c.pos.line, c.pos.column, r.id,
                      "where." + std::string(condition_op_name(c.op)) + ": no list named '" +
                          c.list + "' (lists are lists/<name>.txt next to the rules; known: " +
                          (known.empty() ? "none" : known) + ")");
        return;
      }
      c.list_index = static_cast<uint32_t>(it - lists.begin());
      (*used)[c.list_index] = true;
      hashes[it->name] = it->hash;
    });
  }
  r.list_hashes.assign(hashes.begin(), hashes.end());
}

}  // namespace

void check_rules(std::vector<Rule>* rules, const std::vector<NamedList>& lists,
                 LoadReport* report) {
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < rules->size(); ++i) {
    Rule& r = (*rules)[i];
    for (MatchStep& s : r.steps) analyze_step(r, s, report);
    auto [it, inserted] = by_id.emplace(r.id, i);
    if (!inserted) {
      report->error(r.file, r.pos.line, r.pos.column, r.id,
                    "duplicate rule id (first defined at " + where((*rules)[it->second]) + ")");
    }
  }
  resolve_references(*rules, by_id, report);
  std::vector<bool> used(lists.size(), false);
  for (Rule& r : *rules) {
    check_fields(r, report);
    resolve_lists(r, lists, &used, report);
    derive_step_literals(r, report);
  }
  std::map<std::string, const NamedList*> list_names;
  for (size_t i = 0; i < lists.size(); ++i) {
    auto [it, inserted] = list_names.emplace(lists[i].name, &lists[i]);
    if (!inserted) {
      report->error(
          lists[i].file, 0, 0, "",
          "list '" + lists[i].name + "' is defined twice (first in " + it->second->file + ")");
    }
    if (!used[i])
      report->warning(lists[i].file, 0, 0, "",
                      "list '" + lists[i].name + "' is not used by any rule");
  }
}

}  // namespace wardsoc
