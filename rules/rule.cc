#include "rules/rule.h"

#include <algorithm>
#include <cstdio>

namespace wardsoc {

std::string_view match_kind_name(MatchKind k) {
  switch (k) {
    case MatchKind::kHyperscanExact:
      return "hyperscan-exact";
    case MatchKind::kHyperscanPrefilter:
      return "hyperscan-prefilter";
    case MatchKind::kRe2Only:
      return "re2-only";
  }
  return "unknown";
}

std::string_view aggregation_kind_name(AggregationKind k) {
  switch (k) {
    case AggregationKind::kCount:
      return "count";
    case AggregationKind::kDistinct:
      return "distinct";
    case AggregationKind::kSequence:
      return "sequence";
    case AggregationKind::kAbsence:
      return "absence";
  }
  return "unknown";
}

std::string_view condition_op_name(Condition::Op op) {
  switch (op) {
    case Condition::Op::kEquals:
      return "equals";
    case Condition::Op::kNotEquals:
      return "not_equals";
    case Condition::Op::kIn:
      return "in";
    case Condition::Op::kNotIn:
      return "not_in";
    case Condition::Op::kCidr:
      return "cidr";
    case Condition::Op::kNotCidr:
      return "not_cidr";
    case Condition::Op::kLt:
      return "lt";
    case Condition::Op::kLe:
      return "le";
    case Condition::Op::kGt:
      return "gt";
    case Condition::Op::kGe:
      return "ge";
    case Condition::Op::kRegex:
      return "regex";
    case Condition::Op::kNotRegex:
      return "not_regex";
    case Condition::Op::kInList:
      return "in_list";
    case Condition::Op::kNotInList:
      return "not_in_list";
    case Condition::Op::kContains:
      return "contains";
    case Condition::Op::kStartsWith:
      return "startswith";
    case Condition::Op::kEndsWith:
      return "endswith";
    case Condition::Op::kGlob:
      return "glob";
    case Condition::Op::kExists:
      return "exists";
    case Condition::Op::kFieldEquals:
      return "field_equals";
    case Condition::Op::kAll:
      return "all";
    case Condition::Op::kAny:
      return "any";
    case Condition::Op::kNot:
      return "not";
  }
  return "unknown";
}

std::string_view event_fields_name(EventFields f) {
  switch (f) {
    case EventFields::kNone:
      return "none";
    case EventFields::kJson:
      return "json";
    case EventFields::kKv:
      return "kv";
  }
  return "none";
}

std::string RulePattern::display() const {
  if (derived) return "contains '" + literal + "' (derived from where)";
  if (from_contains) return "contains '" + literal + "'";
  return "'" + text + "'";
}

std::string Condition::describe() const {
  if (is_node()) {
    std::string s = std::string(condition_op_name(op)) + "(";
    for (size_t i = 0; i < children.size(); ++i) s += (i ? ", " : "") + children[i].describe();
    return s + ")";
  }
  std::string s = field + " " + std::string(condition_op_name(op)) + " ";
  switch (op) {
    case Op::kAll:
    case Op::kAny:
    case Op::kNot:
      break;
    case Op::kContains:
    case Op::kStartsWith:
    case Op::kEndsWith:
    case Op::kGlob: {
      s += "[";
      for (size_t i = 0; i < values.size(); ++i) s += (i ? ", '" : "'") + values[i] + "'";
      s += ']';
      break;
    }
    case Op::kExists:
      s += exists ? "true" : "false";
      break;
    case Op::kFieldEquals:
      s += other_field;
      break;
    case Op::kEquals:
    case Op::kNotEquals:
      s += values.empty() ? std::string() : values.front();
      break;
    case Op::kIn:
    case Op::kNotIn: {
      s += '[';
      for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i];
      s += ']';
      break;
    }
    case Op::kCidr:
    case Op::kNotCidr: {
      s += '[';
      for (size_t i = 0; i < networks.size(); ++i) s += (i ? ", " : "") + networks[i].text;
      s += ']';
      break;
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", number);
      s += buf;
      break;
    }
    case Op::kRegex:
    case Op::kNotRegex:
      s += "'" + regex_text + "'";
      break;
    case Op::kInList:
    case Op::kNotInList:
      s += list;
      break;
  }
  if (nocase) s += " nocase";
  return s;
}

bool Rule::accepts_program(std::string_view app) const {
  if (programs.empty()) return true;
  return std::find(programs.begin(), programs.end(), app) != programs.end();
}

bool Rule::step_accepts_program(const MatchStep& step, std::string_view app) const {
  if (step.programs.empty()) return accepts_program(app);
  return std::find(step.programs.begin(), step.programs.end(), app) != step.programs.end();
}

namespace {
void put(std::string* out, std::string_view key, std::string_view value) {
  out->append(key);
  out->push_back('=');
  // Length-prefixed so that no value can imitate a key.
  out->append(std::to_string(value.size()));
  out->push_back(':');
  out->append(value);
  out->push_back('\n');
}
}  // namespace

std::string Rule::canonical_text() const {
  std::string s;
  put(&s, "id", id);
  put(&s, "title", title);
  put(&s, "title_vi", title_vi);
  put(&s, "description", description);
  put(&s, "severity", severity_name(severity));
  put(&s, "level", std::to_string(level));
  put(&s, "sources", std::to_string(sources));
  for (const auto& i : inputs) put(&s, "input", i);
  for (const auto& p : programs) put(&s, "program", p);
  for (const auto& t : tags) put(&s, "tag", t);
  put(&s, "enabled", enabled ? "true" : "false");
  put(&s, "kind", aggregation_kind_name(kind));
  for (const MatchStep& st : steps) {
    put(&s, "step", st.name);
    put(&s, "step_count", std::to_string(st.count));
    for (const auto& p : st.programs) put(&s, "step_program", p);
    for (const auto& p : st.patterns) {
      // Derived literals follow from `where` (below): they change nothing a rule detects.
      if (!p.derived) put(&s, p.from_contains ? "contains" : "regex", p.text);
    }
    for (const auto& p : st.exclusions) put(&s, "not", p.text);
    for (const auto& c : st.where) put(&s, "where", c.describe());
    // Only when given, so the versions of rules written before it stay as they were.
    if (st.fields != EventFields::kNone)
      put(&s, "fields", std::string(event_fields_name(st.fields)));
  }
  for (const auto& [name, hash] : list_hashes) put(&s, "list:" + name, hash);
  put(&s, "aggregated", aggregated ? "true" : "false");
  put(&s, "count", std::to_string(count));
  put(&s, "window_us", std::to_string(window_us));
  put(&s, "distinct", distinct_field);
  for (const auto& g : group_by) put(&s, "group_by", g);
  put(&s, "suppress_us", std::to_string(suppress_us));
  return s;
}

int default_level(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 3;
    case Severity::kLow:
      return 5;
    case Severity::kMedium:
      return 7;
    case Severity::kHigh:
      return 10;
    case Severity::kCritical:
      return 13;
  }
  return 7;
}

bool is_builtin_field(std::string_view name) {
  return name == "host" || name == "app" || name == "peer" || name == "procid" || name == "msgid" ||
         name == "input" || name == "asset_class";
}

bool is_where_builtin_field(std::string_view name) {
  return is_builtin_field(name) || name == "message";
}

}  // namespace wardsoc
