#include "rules/rule_reader.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include "core/time.h"
#include "core/yaml_reader.h"

namespace wardsoc {

namespace {

constexpr int64_t kDefaultSuppressUs = 10 * 60 * kMicrosPerSecond;
constexpr int64_t kMaxCount = 10000;  // pending lines are kept per key until the count is reached

constexpr size_t kMaxSteps = 8;

const std::vector<std::string_view> kRuleKeys = {
    "id",          "title",    "title_vi", "description", "severity", "level",
    "sources",     "programs", "tags",     "enabled",     "match",    "where",
    "aggregation", "sequence", "absence",  "suppress",    "tests",    "fields"};
// Keys that later versions of the format will add; named so the error says "not yet".
const std::vector<std::string_view> kFutureKeys = {"macros", "overrides", "exceptions", "output"};

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string_view type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

class FileReader {
 public:
  FileReader(std::string_view file, LoadReport* report, std::vector<Rule>* rejected)
      : file_(file), report_(report), rejected_(rejected) {}

  std::vector<Rule> read(std::string_view yaml) {
    std::vector<YAML::Node> docs;
    if (auto syntax = check_yaml_syntax(yaml)) {
      report_->error(file_, static_cast<int>(syntax->line), static_cast<int>(syntax->column), "",
                     "YAML syntax error: " + syntax->message);
      return {};
    }
    try {
      docs = YAML::LoadAll(std::string(yaml));
    } catch (const YAML::ParserException& e) {
      report_->error(file_, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
      return {};
    } catch (const YAML::Exception& e) {
      report_->error(file_, e.mark.line + 1, e.mark.column + 1, "", "YAML error: " + e.msg);
      return {};
    }
    if (docs.size() > 1) {
      error(docs[1], "",
            "the file holds several YAML documents; put every rule under one 'rules:' list");
      return {};
    }
    if (docs.empty() || docs[0].IsNull()) {
      report_->warning(file_, 0, 0, "", "the file holds no rules");
      return {};
    }
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      error(root, "",
            "expected a mapping with a 'rules:' list at the top, got " +
                std::string(type_name(root)));
      return {};
    }
    std::vector<Rule> rules;
    bool saw_rules = false;
    std::set<std::string> seen;
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string key = key_text(it->first);
      if (!seen.insert(key).second) {
        error(it->first, "", "duplicate key '" + key + "'");
        continue;
      }
      if (key != "rules") {
        error(it->first, "", "unknown top-level key '" + key + "' (expected 'rules')");
        continue;
      }
      saw_rules = true;
      const YAML::Node list = it->second;  // a copy: it-> yields a temporary proxy
      if (list.IsNull()) {
        report_->warning(file_, line(it->first), column(it->first), "", "'rules' is empty");
        continue;
      }
      if (!list.IsSequence()) {
        error(list, "", "'rules' must be a list of rules, got " + std::string(type_name(list)));
        continue;
      }
      for (const YAML::Node& item : list) {
        Rule r;
        if (read_rule(item, &r)) {
          rules.push_back(std::move(r));
        } else if (rejected_ != nullptr && !r.steps.empty()) {
          rejected_->push_back(std::move(r));
        }
      }
    }
    if (!saw_rules && root.size() == 0)
      report_->warning(file_, 0, 0, "", "the file holds no rules");
    return rules;
  }

 private:
  static int line(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }
  static int column(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().column + 1; }
  static SourcePosition pos(const YAML::Node& n) { return SourcePosition{line(n), column(n)}; }
  static std::string key_text(const YAML::Node& k) {
    return k.IsScalar() ? k.Scalar() : std::string("?");
  }

  void error(const YAML::Node& at, const std::string& rule_id, std::string message) {
    report_->error(file_, line(at), column(at), rule_id, std::move(message));
    ++errors_;
  }
  void warning(const YAML::Node& at, const std::string& rule_id, std::string message) {
    report_->warning(file_, line(at), column(at), rule_id, std::move(message));
  }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view key,
                                    const std::string& rid) {
    if (!n.IsScalar()) {
      error(n, rid, std::string(key) + ": expected a string, got " + std::string(type_name(n)));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::string> nonempty(const YAML::Node& n, std::string_view key,
                                      const std::string& rid) {
    auto s = scalar(n, key, rid);
    if (s && s->empty()) {
      error(n, rid, std::string(key) + ": must not be empty");
      return std::nullopt;
    }
    return s;
  }

  // A string or a list of strings; each entry with its node for positions.
  bool string_list(const YAML::Node& n, std::string_view key, const std::string& rid,
                   std::vector<std::pair<std::string, YAML::Node>>* out) {
    if (n.IsScalar()) {
      if (n.Scalar().empty()) {
        error(n, rid, std::string(key) + ": must not be empty");
        return false;
      }
      out->emplace_back(n.Scalar(), n);
      return true;
    }
    if (!n.IsSequence()) {
      error(n, rid,
            std::string(key) + ": expected a string or a list of strings, got " +
                std::string(type_name(n)));
      return false;
    }
    if (n.size() == 0) {
      error(n, rid, std::string(key) + ": the list is empty (leave the key out instead)");
      return false;
    }
    bool ok = true;
    for (const YAML::Node& item : n) {
      auto s = nonempty(item, key, rid);
      if (!s) {
        ok = false;
        continue;
      }
      out->emplace_back(*s, item);
    }
    return ok;
  }

  // Program names: a name or a list; '' stands for lines without a program (plain files).
  void program_list(const YAML::Node& n, std::string_view key, const std::string& rid,
                    std::vector<std::string>* out) {
    if (n.IsScalar()) {
      out->push_back(n.Scalar());
      return;
    }
    if (!n.IsSequence() || n.size() == 0) {
      error(n, rid, std::string(key) + ": expected a program name or a non-empty list of them");
      return;
    }
    for (const YAML::Node& item : n) {
      if (auto s = scalar(item, key, rid)) out->push_back(*s);
    }
  }

  std::optional<int64_t> duration(const YAML::Node& n, std::string_view key,
                                  const std::string& rid) {
    auto s = scalar(n, key, rid);
    if (!s) return std::nullopt;
    Result<int64_t> d = parse_duration_us(*s);
    if (!d.ok()) {
      error(n, rid, std::string(key) + ": " + d.error().message);
      return std::nullopt;
    }
    return *d;
  }

  std::optional<int64_t> integer(const YAML::Node& n, std::string_view key, const std::string& rid,
                                 int64_t lo, int64_t hi) {
    auto s = scalar(n, key, rid);
    if (!s) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || p != s->data() + s->size()) {
      error(n, rid, std::string(key) + ": expected a whole number, got '" + *s + "'");
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      error(n, rid,
            std::string(key) + ": " + std::to_string(v) + " is out of range " + std::to_string(lo) +
                ".." + std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  // Walks a mapping, reporting duplicate keys and keys not in `allowed`; calls fn(key, value)
  // for the others.
  template <class Fn>
  void each_key(const YAML::Node& map, std::string_view what,
                const std::vector<std::string_view>& allowed, const std::string& rid, Fn fn) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = key_text(it->first);
      if (!seen.insert(key).second) {
        error(it->first, rid, std::string(what) + ": duplicate key '" + key + "'");
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        if (std::find(kFutureKeys.begin(), kFutureKeys.end(), key) != kFutureKeys.end()) {
          error(it->first, rid,
                std::string(what) + ": '" + key + "' is not supported by this version of wardsoc");
        } else {
          error(it->first, rid,
                std::string(what) + ": unknown key '" + key +
                    "' (expected one of: " + join(allowed) + ")");
        }
        continue;
      }
      fn(key, it->first, it->second);
    }
  }

  bool read_patterns(const YAML::Node& n, std::string_view key, const std::string& rid,
                     std::vector<RulePattern>* out) {
    std::vector<std::pair<std::string, YAML::Node>> texts;
    if (!string_list(n, key, rid, &texts)) return false;
    for (auto& [text, node] : texts) {
      RulePattern p;
      p.text = text;
      p.pos = pos(node);
      out->push_back(std::move(p));
    }
    return true;
  }

  // `contains` terms become quoted patterns, so they go through the same engines (and
  // Hyperscan takes them exactly, as literals).
  bool read_contains(const YAML::Node& n, const std::string& rid, bool ignore_case,
                     std::vector<RulePattern>* out) {
    std::vector<std::pair<std::string, YAML::Node>> terms;
    if (!string_list(n, "match.contains", rid, &terms)) return false;
    for (auto& [term, node] : terms) {
      RulePattern p;
      p.text = (ignore_case ? "(?i)" : "") + RE2::QuoteMeta(term);
      p.pos = pos(node);
      p.from_contains = true;
      p.literal = term;
      out->push_back(std::move(p));
    }
    return true;
  }

  void read_match(const YAML::Node& n, const std::string& rid, MatchStep* step) {
    if (!n.IsMap()) {
      error(
          n, rid,
          "match: expected a mapping with 'regex' and/or 'contains' (and optionally 'not'), got " +
              std::string(type_name(n)));
      return;
    }
    bool have_regex = false, have_contains = false;
    bool ignore_case = false;
    if (const YAML::Node ic = n["ignore_case"]; ic && ic.IsScalar()) {
      if (!YAML::convert<bool>::decode(ic, ignore_case))
        error(ic, rid, "match.ignore_case: expected true or false");
    } else if (ic) {
      error(ic, rid, "match.ignore_case: expected true or false");
    }
    each_key(n, "match", {"regex", "contains", "ignore_case", "not"}, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "regex") {
                 have_regex = true;
                 read_patterns(v, "match.regex", rid, &step->patterns);
               } else if (key == "contains") {
                 have_contains = true;
                 read_contains(v, rid, ignore_case, &step->patterns);
               } else if (key == "not") {
                 read_patterns(v, "match.not", rid, &step->exclusions);
               }
             });
    if (!have_regex && !have_contains) error(n, rid, "match: 'regex' or 'contains' is required");
  }

  // where: a list of conditions, all of which must hold. Each is {field: NAME, <operator>:
  // VALUE} or a node over conditions: {any: [...]}, {all: [...]}, {not: {...}}.
  void read_where(const YAML::Node& n, const std::string& rid, MatchStep* step) {
    if (!n.IsSequence()) {
      error(n, rid,
            "where: expected a list of conditions like {field: user, in: [root, admin]}, got " +
                std::string(type_name(n)));
      return;
    }
    for (const YAML::Node& item : n) {
      if (auto c = read_condition(item, rid, "where", 1)) step->where.push_back(std::move(*c));
    }
  }

  static constexpr int kMaxConditionDepth = 16;

  // fields: json | kv | none -- where `where` finds the fields it does not capture.
  std::optional<EventFields> read_event_fields(const YAML::Node& v, const std::string& rid,
                                               const std::string& what) {
    auto s = scalar(v, what, rid);
    if (!s) return std::nullopt;
    if (*s == "json") return EventFields::kJson;
    if (*s == "kv") return EventFields::kKv;
    if (*s == "none") return EventFields::kNone;
    error(v, rid,
          what + ": '" + *s +
              "' is none of json (the event is a JSON object), kv (key=value pairs), none");
    return std::nullopt;
  }

  std::optional<Condition> read_condition(const YAML::Node& item, const std::string& rid,
                                          const std::string& what, int depth) {
    static const std::vector<std::string_view> kOps = {
        "equals",   "not_equals", "in",       "not_in", "cidr",      "not_cidr",    "lt",
        "le",       "gt",         "ge",       "regex",  "not_regex", "in_list",     "not_in_list",
        "contains", "startswith", "endswith", "glob",   "exists",    "field_equals"};
    if (!item.IsMap()) {
      error(item, rid,
            what + ": each condition is a mapping like {field: user, equals: root}, got " +
                std::string(type_name(item)));
      return std::nullopt;
    }
    if (depth > kMaxConditionDepth) {
      error(
          item, rid,
          what + ": conditions nest deeper than " + std::to_string(kMaxConditionDepth) + " levels");
      return std::nullopt;
    }
    if (item["any"] || item["all"] || item["not"])
      return read_condition_node(item, rid, what, depth);
    std::vector<std::string_view> allowed = kOps;
    allowed.insert(allowed.begin(), {"field", "nocase"});
    Condition c;
    c.pos = pos(item);
    bool have_field = false;
    int ops = 0;
    const int errors_before = errors_;
    each_key(item, what, allowed, rid,
             [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
               if (key == "field") {
                 if (auto s = nonempty(v, what + ".field", rid)) {
                   c.field = *s;
                   have_field = true;
                 }
                 return;
               }
               if (key == "nocase") {
                 if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false")) {
                   error(v, rid, what + ".nocase: expected true or false");
                 } else {
                   c.nocase = v.Scalar() == "true";
                 }
                 return;
               }
               if (++ops > 1) {
                 error(k, rid,
                       what + ": one operator per condition (write a second condition for '" + key +
                           "')");
                 return;
               }
               read_operator(key, v, rid, what + "." + key, &c);
             });
    if (!have_field) error(item, rid, what + ": 'field' is required");
    if (ops == 0) error(item, rid, what + ": an operator is required (one of: " + join(kOps) + ")");
    if (c.nocase && c.op != Condition::Op::kEquals && c.op != Condition::Op::kNotEquals &&
        c.op != Condition::Op::kIn && c.op != Condition::Op::kNotIn &&
        c.op != Condition::Op::kContains && c.op != Condition::Op::kStartsWith &&
        c.op != Condition::Op::kEndsWith && c.op != Condition::Op::kGlob) {
      error(item, rid,
            what +
                ".nocase: only for equals, not_equals, in, not_in, contains, startswith, "
                "endswith and glob (a regex says (?i) itself)");
    }
    if (errors_ != errors_before) return std::nullopt;
    return c;
  }

  std::optional<Condition> read_condition_node(const YAML::Node& item, const std::string& rid,
                                               const std::string& what, int depth) {
    if (item.size() != 1) {
      error(item, rid,
            what + ": 'any', 'all' and 'not' stand alone in their mapping (got " +
                std::to_string(item.size()) + " keys)");
      return std::nullopt;
    }
    Condition c;
    c.pos = pos(item);
    const std::string key = key_text(item.begin()->first);
    const YAML::Node v = item.begin()->second;
    const std::string inner = what + "." + key;
    const int errors_before = errors_;
    if (key == "not") {
      c.op = Condition::Op::kNot;
      if (auto child = read_condition(v, rid, inner, depth + 1))
        c.children.push_back(std::move(*child));
    } else {
      c.op = key == "any" ? Condition::Op::kAny : Condition::Op::kAll;
      if (!v.IsSequence() || v.size() == 0) {
        error(
            v, rid,
            inner + ": expected a non-empty list of conditions, got " + std::string(type_name(v)));
        return std::nullopt;
      }
      for (const YAML::Node& child : v) {
        if (auto cc = read_condition(child, rid, inner, depth + 1))
          c.children.push_back(std::move(*cc));
      }
    }
    if (errors_ != errors_before) return std::nullopt;
    return c;
  }

  void read_operator(const std::string& key, const YAML::Node& v, const std::string& rid,
                     const std::string& what, Condition* c) {
    if (key == "equals" || key == "not_equals") {
      c->op = key == "equals" ? Condition::Op::kEquals : Condition::Op::kNotEquals;
      if (auto s = scalar(v, what, rid)) c->values.push_back(*s);
    } else if (key == "in" || key == "not_in" || key == "contains" || key == "startswith" ||
               key == "endswith" || key == "glob") {
      c->op = key == "in"           ? Condition::Op::kIn
              : key == "not_in"     ? Condition::Op::kNotIn
              : key == "contains"   ? Condition::Op::kContains
              : key == "startswith" ? Condition::Op::kStartsWith
              : key == "endswith"   ? Condition::Op::kEndsWith
                                    : Condition::Op::kGlob;
      std::vector<std::pair<std::string, YAML::Node>> vals;
      if (string_list(v, what, rid, &vals)) {
        for (auto& x : vals) c->values.push_back(x.first);
      }
    } else if (key == "cidr" || key == "not_cidr") {
      c->op = key == "cidr" ? Condition::Op::kCidr : Condition::Op::kNotCidr;
      std::vector<std::pair<std::string, YAML::Node>> nets;
      if (string_list(v, what, rid, &nets)) {
        for (auto& [text, node] : nets) {
          std::string why;
          if (auto net = parse_network(text, &why)) {
            c->networks.push_back(std::move(*net));
          } else {
            error(node, rid, what + ": '" + text + "' is not a network: " + why);
          }
        }
      }
    } else if (key == "lt" || key == "le" || key == "gt" || key == "ge") {
      c->op = key == "lt"   ? Condition::Op::kLt
              : key == "le" ? Condition::Op::kLe
              : key == "gt" ? Condition::Op::kGt
                            : Condition::Op::kGe;
      if (auto s = scalar(v, what, rid)) {
        double d = 0;
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), d);
        if (ec != std::errc() || p != s->data() + s->size()) {
          error(v, rid, what + ": expected a number, got '" + *s + "'");
        }
        c->number = d;
      }
    } else if (key == "regex" || key == "not_regex") {
      c->op = key == "regex" ? Condition::Op::kRegex : Condition::Op::kNotRegex;
      if (auto s = nonempty(v, what, rid)) c->regex_text = *s;
    } else if (key == "in_list" || key == "not_in_list") {
      c->op = key == "in_list" ? Condition::Op::kInList : Condition::Op::kNotInList;
      if (auto s = nonempty(v, what, rid)) c->list = *s;
    } else if (key == "exists") {
      c->op = Condition::Op::kExists;
      if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false")) {
        error(v, rid, what + ": expected true or false");
      } else {
        c->exists = v.Scalar() == "true";
      }
    } else if (key == "field_equals") {
      c->op = Condition::Op::kFieldEquals;
      if (auto s = nonempty(v, what, rid)) c->other_field = *s;
    }
  }

  void read_group_by(const YAML::Node& v, std::string_view what, const std::string& rid, Rule* r) {
    std::vector<std::pair<std::string, YAML::Node>> fields;
    string_list(v, std::string(what) + ".group_by", rid, &fields);
    for (auto& f : fields) {
      r->group_by.push_back(f.first);
      r->group_by_pos.push_back(pos(f.second));
    }
  }

  void read_aggregation(const YAML::Node& n, const std::string& rid, Rule* r) {
    if (!n.IsMap()) {
      error(n, rid,
            "aggregation: expected a mapping with 'count' and 'window', got " +
                std::string(type_name(n)));
      return;
    }
    r->aggregated = true;
    bool have_count = false, have_window = false;
    each_key(n, "aggregation", {"count", "window", "group_by", "distinct"}, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "count") {
                 have_count = true;
                 if (auto c = integer(v, "aggregation.count", rid, 1, kMaxCount))
                   r->count = static_cast<uint32_t>(*c);
               } else if (key == "window") {
                 have_window = true;
                 if (auto d = duration(v, "aggregation.window", rid)) r->window_us = *d;
               } else if (key == "distinct") {
                 if (auto s = nonempty(v, "aggregation.distinct", rid)) {
                   r->distinct_field = *s;
                   r->kind = AggregationKind::kDistinct;
                   r->distinct_pos = pos(v);
                 }
               } else {
                 read_group_by(v, "aggregation", rid, r);
               }
             });
    if (!have_count) error(n, rid, "aggregation: 'count' is required");
    if (!have_window) error(n, rid, "aggregation: 'window' is required");
  }

  void read_step(const YAML::Node& n, const std::string& rid, MatchStep* step) {
    step->pos = pos(n);
    if (!n.IsMap()) {
      error(n, rid,
            "sequence.steps: each step is a mapping with 'match' or 'rule', got " +
                std::string(type_name(n)));
      return;
    }
    bool have_match = false, have_where = false, have_fields = false;
    each_key(n, "sequence.steps", {"name", "count", "match", "where", "rule", "programs", "fields"},
             rid, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "name") {
                 if (auto s = nonempty(v, "sequence.steps.name", rid)) step->name = *s;
               } else if (key == "count") {
                 if (auto c = integer(v, "sequence.steps.count", rid, 1, kMaxCount)) {
                   step->count = static_cast<uint32_t>(*c);
                 }
               } else if (key == "match") {
                 have_match = true;
                 read_match(v, rid, step);
               } else if (key == "where") {
                 have_where = true;
                 read_where(v, rid, step);
               } else if (key == "fields") {
                 if (auto f = read_event_fields(v, rid, "sequence.steps.fields")) {
                   step->fields = *f;
                   have_fields = true;
                 }
               } else if (key == "rule") {
                 have_match = true;
                 if (auto s = nonempty(v, "sequence.steps.rule", rid)) step->from_rule = *s;
               } else if (key == "programs") {
                 program_list(v, "sequence.steps.programs", rid, &step->programs);
               }
             });
    if (!have_match && !(have_where && (have_fields || rule_fields_ != EventFields::kNone)))
      error(n, rid,
            "sequence.steps: a step needs 'match' (its own lines) or 'rule' (another rule's)");
    if (!have_fields) step->fields = rule_fields_;
    if (!step->from_rule.empty() && (!step->patterns.empty() || !step->where.empty())) {
      error(n, rid, "sequence.steps: a step takes either 'rule' or 'match'/'where', not both");
    }
  }

  void read_sequence(const YAML::Node& n, const std::string& rid, Rule* r) {
    if (!n.IsMap()) {
      error(n, rid,
            "sequence: expected a mapping with 'window', 'steps' and optionally 'group_by', got " +
                std::string(type_name(n)));
      return;
    }
    r->aggregated = true;
    r->kind = AggregationKind::kSequence;
    bool have_window = false, have_steps = false;
    each_key(n, "sequence", {"window", "group_by", "steps"}, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "window") {
                 have_window = true;
                 if (auto d = duration(v, "sequence.window", rid)) r->window_us = *d;
               } else if (key == "group_by") {
                 read_group_by(v, "sequence", rid, r);
               } else {
                 have_steps = true;
                 if (!v.IsSequence() || v.size() < 2) {
                   error(v, rid, "sequence.steps: expected a list of at least two steps");
                   return;
                 }
                 if (v.size() > kMaxSteps) {
                   error(v, rid, "sequence.steps: at most " + std::to_string(kMaxSteps) + " steps");
                   return;
                 }
                 std::set<std::string> names;
                 for (const YAML::Node& item : v) {
                   MatchStep step;
                   read_step(item, rid, &step);
                   if (step.name.empty()) step.name = "step" + std::to_string(r->steps.size() + 1);
                   if (!names.insert(step.name).second) {
                     error(item, rid,
                           "sequence.steps: step name '" + step.name + "' is used twice");
                   }
                   r->steps.push_back(std::move(step));
                 }
               }
             });
    if (!have_window) error(n, rid, "sequence: 'window' is required");
    if (!have_steps) error(n, rid, "sequence: 'steps' is required");
  }

  void read_absence(const YAML::Node& n, const std::string& rid, Rule* r) {
    if (!n.IsMap()) {
      error(n, rid,
            "absence: expected a mapping with 'after' and optionally 'group_by', got " +
                std::string(type_name(n)));
      return;
    }
    r->aggregated = true;
    r->kind = AggregationKind::kAbsence;
    bool have_after = false;
    each_key(n, "absence", {"after", "group_by"}, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "after") {
                 have_after = true;
                 if (auto d = duration(v, "absence.after", rid)) r->window_us = *d;
               } else {
                 read_group_by(v, "absence", rid, r);
               }
             });
    if (!have_after)
      error(n, rid, "absence: 'after' is required (how long an asset may stay silent)");
  }

  bool read_test_case(const YAML::Node& n, bool expect_match, const std::string& rid,
                      RuleTestCase* tc) {
    tc->pos = pos(n);
    const std::string_view what = expect_match ? "tests.match" : "tests.no_match";
    if (n.IsScalar()) {
      tc->line = n.Scalar();
      return true;
    }
    if (!n.IsMap()) {
      error(n, rid,
            std::string(what) + ": expected a log line or a mapping with 'line', got " +
                std::string(type_name(n)));
      return false;
    }
    bool have_line = false;
    std::vector<std::string_view> allowed = {"line"};
    if (expect_match) {
      allowed.emplace_back("fields");
      allowed.emplace_back("step");
    }
    each_key(n, what, allowed, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               if (key == "line") {
                 if (auto s = scalar(v, std::string(what) + ".line", rid)) {
                   tc->line = *s;
                   have_line = true;
                 }
                 return;
               }
               if (key == "step") {
                 if (auto s = nonempty(v, std::string(what) + ".step", rid)) tc->step = *s;
                 return;
               }
               if (!v.IsMap()) {
                 error(v, rid,
                       std::string(what) + ".fields: expected a mapping of field: value, got " +
                           std::string(type_name(v)));
                 return;
               }
               for (auto it = v.begin(); it != v.end(); ++it) {
                 auto value =
                     scalar(it->second, std::string(what) + ".fields." + key_text(it->first), rid);
                 if (value) tc->fields.emplace_back(key_text(it->first), *value);
               }
             });
    if (!have_line) error(n, rid, std::string(what) + ": 'line' is required");
    return have_line;
  }

  void read_tests(const YAML::Node& n, const std::string& rid, Rule* r) {
    if (!n.IsMap()) {
      error(n, rid,
            "tests: expected a mapping with 'match' and/or 'no_match', got " +
                std::string(type_name(n)));
      return;
    }
    each_key(n, "tests", {"match", "no_match"}, rid,
             [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
               const bool expect_match = key == "match";
               if (!v.IsSequence()) {
                 error(v, rid,
                       "tests." + key + ": expected a list, got " + std::string(type_name(v)));
                 return;
               }
               for (const YAML::Node& item : v) {
                 RuleTestCase tc;
                 if (read_test_case(item, expect_match, rid, &tc)) {
                   (expect_match ? r->match_tests : r->no_match_tests).push_back(std::move(tc));
                 }
               }
             });
  }

  bool read_rule(const YAML::Node& n, Rule* r) {
    const int errors_before = errors_;
    rule_fields_ = EventFields::kNone;
    r->file = file_;
    r->pos = pos(n);
    if (!n.IsMap()) {
      error(n, "",
            "a rule must be a mapping (id, title, severity, match, ...), got " +
                std::string(type_name(n)));
      return false;
    }
    // The id first, so every later message can name the rule.
    std::string rid;
    if (const YAML::Node idn = n["id"]; idn && idn.IsScalar()) rid = idn.Scalar();

    bool have_id = false, have_title = false, have_severity = false;
    bool have_level = false, have_suppress = false;
    // A default YAML::Node is a defined null, so presence is kept beside each node.
    YAML::Node match_node, where_node, aggregation_node, sequence_node, absence_node;
    bool has_match = false, has_where = false, has_aggregation = false, has_sequence = false,
         has_absence = false;
    each_key(
        n, "rule", kRuleKeys, rid,
        [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
          if (key == "id") {
            have_id = true;
            if (auto s = scalar(v, "id", rid)) {
              if (!valid_id(*s)) {
                error(
                    v, rid,
                    "id: '" + *s +
                        "' is not a valid rule id (use lowercase letters, digits, '_', '.', '-')");
              } else {
                r->id = *s;
              }
            }
          } else if (key == "title") {
            have_title = true;
            if (auto s = nonempty(v, "title", rid)) r->title = *s;
          } else if (key == "title_vi") {
            if (auto s = nonempty(v, "title_vi", rid)) r->title_vi = *s;
          } else if (key == "description") {
            if (auto s = scalar(v, "description", rid)) r->description = *s;
          } else if (key == "severity") {
            have_severity = true;
            if (auto s = scalar(v, "severity", rid)) {
              if (!parse_severity(*s, &r->severity)) {
                error(v, rid,
                      "severity: '" + *s + "' is not one of info, low, medium, high, critical");
              }
            }
          } else if (key == "level") {
            if (auto l = integer(v, "level", rid, 0, 15)) {
              r->level = static_cast<int>(*l);
              have_level = true;
            }
          } else if (key == "sources") {
            // Asset class names select classes; "input:NAME" selects an input. A bare name that
            // is no class is an error, so a typo never turns into a rule that matches nothing.
            std::vector<std::pair<std::string, YAML::Node>> names;
            if (string_list(v, "sources", rid, &names)) {
              uint32_t classes = 0;
              for (auto& [name, node] : names) {
                AssetClass c;
                if (parse_asset_class(name, &c)) {
                  classes |= 1u << static_cast<unsigned>(c);
                } else if (name.rfind("input:", 0) == 0 && name.size() > 6) {
                  r->inputs.push_back(name.substr(6));
                } else {
                  error(node, rid,
                        "sources: '" + name +
                            "' is not an asset class (lan, wifi, camera, iot, server, other); "
                            "write 'input:" +
                            name + "' for the input of that name");
                }
              }
              r->sources = classes == 0 ? kAllSources : classes;
            }
          } else if (key == "programs") {
            program_list(v, "programs", rid, &r->programs);
          } else if (key == "tags") {
            std::vector<std::pair<std::string, YAML::Node>> names;
            string_list(v, "tags", rid, &names);
            for (auto& nm : names) r->tags.push_back(nm.first);
          } else if (key == "enabled") {
            bool b = true;
            if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
              error(v, rid, "enabled: expected true or false");
            }
            r->enabled = b;
          } else if (key == "match") {
            match_node = v;
            has_match = true;
          } else if (key == "where") {
            where_node = v;
            has_where = true;
          } else if (key == "aggregation") {
            aggregation_node = v;
            has_aggregation = true;
          } else if (key == "sequence") {
            sequence_node = v;
            has_sequence = true;
          } else if (key == "absence") {
            absence_node = v;
            has_absence = true;
          } else if (key == "suppress") {
            if (auto d = duration(v, "suppress", rid)) {
              r->suppress_us = *d;
              have_suppress = true;
            }
          } else if (key == "tests") {
            read_tests(v, rid, r);
          } else if (key == "fields") {
            if (auto f = read_event_fields(v, rid, "fields")) rule_fields_ = *f;
          }
        });

    const int kinds = (has_aggregation ? 1 : 0) + (has_sequence ? 1 : 0) + (has_absence ? 1 : 0);
    if (kinds > 1) {
      error(n, rid, "a rule takes one of 'aggregation', 'sequence' and 'absence'");
    } else if (has_sequence) {
      read_sequence(sequence_node, rid, r);
      if (has_match)
        error(match_node, rid,
              "match: a sequence rule gives its lines per step (sequence.steps[].match)");
      if (has_where)
        error(where_node, rid,
              "where: a sequence rule gives its conditions per step (sequence.steps[].where)");
    } else {
      MatchStep step;
      step.pos = has_match ? pos(match_node) : r->pos;
      if (has_aggregation) read_aggregation(aggregation_node, rid, r);
      if (has_absence) read_absence(absence_node, rid, r);
      step.fields = rule_fields_;
      if (has_match) {
        read_match(match_node, rid, &step);
      } else if (r->kind != AggregationKind::kAbsence &&
                 !(has_where && rule_fields_ != EventFields::kNone)) {
        error(n, rid, "'match' is required");
      }
      if (has_where) read_where(where_node, rid, &step);
      r->steps.push_back(std::move(step));
    }
    if (!have_id) error(n, rid, "'id' is required");
    if (!have_title) error(n, rid, "'title' is required");
    if (!have_severity) error(n, rid, "'severity' is required");
    if (!have_level) r->level = default_level(r->severity);
    if (!have_suppress) r->suppress_us = r->aggregated ? r->window_us : kDefaultSuppressUs;
    if (r->kind == AggregationKind::kDistinct && r->count < 2) {
      error(has_aggregation ? aggregation_node : n, rid,
            "aggregation.count: a distinct count needs at least 2 values");
    }
    return errors_ == errors_before;
  }

  std::string file_;
  LoadReport* report_;
  std::vector<Rule>* rejected_;
  int errors_ = 0;
  EventFields rule_fields_ = EventFields::kNone;  // the rule's `fields:`, for its steps
};

}  // namespace

std::vector<Rule> read_rule_file(std::string_view yaml, std::string_view file, LoadReport* report,
                                 std::vector<Rule>* rejected) {
  FileReader reader(file, report, rejected);
  // Loading itself is guarded inside; this catches anything yaml-cpp throws while the
  // nodes are walked, so no exception leaves the rules library.
  try {
    return reader.read(yaml);
  } catch (const YAML::Exception& e) {
    report->error(std::string(file), e.mark.line + 1, e.mark.column + 1, "",
                  "YAML error: " + e.msg);
  } catch (const std::exception& e) {
    report->error(std::string(file), 0, 0, "", std::string("cannot read the rules: ") + e.what());
  }
  return {};
}

}  // namespace wardsoc
