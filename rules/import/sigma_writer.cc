// Sigma rule -> wardsoc rule text (sigma_writer.h). The detection tree becomes a tree of
// `where` nodes (any/all/not over field tests), flattened where an and sits in an and, and
// written in block style with each test on one line.
#include "rules/import/sigma_writer.h"

#include <re2/re2.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/text.h"

namespace wardsoc {

namespace {

using Kind = SigmaGlob::Kind;

// One node of the `where` tree being written.
struct WNode {
  enum class Op { kLeaf, kAny, kAll, kNot };
  Op op = Op::kLeaf;
  std::vector<WNode> children;
  std::string field;
  std::string oper;                 // equals, in, contains, ...
  std::vector<std::string> values;  // quoted when written; one value is written bare
  bool list = false;                // write values as a list even when there is one
  std::string raw_value;            // written as is (numbers, true/false, field names)
  bool nocase = false;
};

struct Refusal {
  std::string reason;
  std::string detail;
  int line = 0;
};

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

bool has_letter(std::string_view s) {
  for (char c : s)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return false;
}

bool plain_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return !(s[0] >= '0' && s[0] <= '9') && s[0] != '-' && s[0] != '.';
}

std::string name_text(const std::string& s) { return plain_name(s) ? s : sigma_yaml_quote(s); }

std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string number_text(double v) {
  char buf[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Glob values of one test as where leaves on `field`: grouped by operator, any of them
// (every one of them with `all`).
std::optional<Refusal> glob_nodes(const SigmaTest& t, const std::string& field, bool keyword,
                                  WNode* out) {
  struct Item {
    std::string oper, value;
    bool nocase;
  };
  std::vector<Item> items;
  for (const SigmaGlob& g0 : t.globs) {
    SigmaGlob g = g0;
    if (keyword) {  // a keyword is found anywhere in the message
      if (g.pieces.empty() || g.pieces.front().kind != Kind::kAnyRun)
        g.pieces.insert(g.pieces.begin(), SigmaGlob::Piece{Kind::kAnyRun, {}});
      if (g.pieces.back().kind != Kind::kAnyRun)
        g.pieces.push_back(SigmaGlob::Piece{Kind::kAnyRun, {}});
    }
    Item it;
    if (g.pieces.empty()) {
      it.oper = "equals";
    } else if (g.is_literal()) {
      it.oper = "equals";
      it.value = g.literal();
    } else if (g.is_contains()) {
      it.oper = "contains";
      it.value = g.literal();
    } else if (g.is_startswith()) {
      it.oper = "startswith";
      it.value = g.literal();
    } else if (g.is_endswith()) {
      it.oper = "endswith";
      it.value = g.literal();
    } else {
      it.oper = "glob";
      it.value = g.to_sigma();
    }
    if (keyword && it.oper == "glob" && g.pieces.size() == 1)
      return Refusal{"keyword matches everything",
                     "the keyword '" + g0.to_sigma() + "' matches every line", t.line};
    if (!valid_utf8(it.value))
      return Refusal{"value not UTF-8",
                     "a value of '" + t.written + "' is not UTF-8 text (rule files are UTF-8)",
                     t.line};
    it.nocase = !t.cased && has_letter(it.value);
    items.push_back(std::move(it));
  }
  if (items.empty())
    return Refusal{"unsupported modifier combination", "'" + t.written + "' has no values", t.line};
  std::vector<WNode> leaves;
  if (t.all) {
    for (const Item& it : items) {
      WNode n;
      n.field = field;
      n.oper = it.oper;
      n.values = {it.value};
      n.nocase = it.nocase;
      leaves.push_back(std::move(n));
    }
  } else {
    // Group in order of first appearance: equals (-> in), contains, startswith, endswith, glob.
    for (const Item& it : items) {
      WNode* into = nullptr;
      for (WNode& l : leaves) {
        std::string oper = l.oper == "in" ? "equals" : l.oper;
        // An empty value stands alone: `in` takes no empty text.
        if (oper == it.oper && l.nocase == it.nocase && !it.value.empty() &&
            !(l.values.size() == 1 && l.values[0].empty()))
          into = &l;
      }
      if (!into) {
        WNode n;
        n.field = field;
        n.oper = it.oper;
        n.nocase = it.nocase;
        leaves.push_back(std::move(n));
        into = &leaves.back();
      }
      bool dup = false;
      for (const auto& v : into->values) dup = dup || v == it.value;
      if (!dup) into->values.push_back(it.value);
      if (into->oper == "equals" && into->values.size() > 1) into->oper = "in";
    }
  }
  if (leaves.size() == 1) {
    *out = std::move(leaves[0]);
  } else {
    out->op = t.all ? WNode::Op::kAll : WNode::Op::kAny;
    out->children = std::move(leaves);
  }
  return std::nullopt;
}

struct Writer {
  const SigmaLogSourceMap& ls;
  bool uses_fields = false;  // a test names a field (not a keyword)

  std::optional<Refusal> field_of(const SigmaTest& t, std::string* out) {
    if (t.field.empty()) {
      *out = "message";
      return std::nullopt;
    }
    std::string f = ls.field(t.field);
    if (f.empty())
      return Refusal{"unknown field",
                     "field '" + t.field + "' is not in the mapping for logsource " +
                         ls.describe() + " (add it under that log source's fields)",
                     t.line};
    uses_fields = true;
    *out = f;
    return std::nullopt;
  }

  std::optional<Refusal> test(const SigmaTest& t, WNode* out) {
    std::string field;
    if (auto r = field_of(t, &field)) return r;
    const bool keyword = t.field.empty();
    switch (t.kind) {
      case SigmaTest::Kind::kGlob:
        return glob_nodes(t, field, keyword, out);
      case SigmaTest::Kind::kRegex: {
        std::vector<WNode> leaves;
        for (const std::string& p : t.values) {
          std::string flags;
          if (!t.cased) flags += 'i';
          if (t.regex_multiline) flags += 'm';
          if (t.regex_dotall) flags += 's';
          std::string pattern = flags.empty() ? p : "(?" + flags + ")" + p;
          RE2 re(pattern, RE2::Quiet);
          if (!re.ok())
            return Refusal{"regex RE2 cannot run",
                           "'" + t.written + "': " + re.error() + " in '" + p + "'", t.line};
          if (!valid_utf8(pattern))
            return Refusal{"value not UTF-8", "'" + t.written + "' is not UTF-8", t.line};
          WNode n;
          n.field = field;
          n.oper = "regex";
          n.values = {pattern};
          leaves.push_back(std::move(n));
        }
        if (leaves.size() == 1) {
          *out = std::move(leaves[0]);
        } else {
          out->op = t.all ? WNode::Op::kAll : WNode::Op::kAny;
          out->children = std::move(leaves);
        }
        return std::nullopt;
      }
      case SigmaTest::Kind::kCidr:
        if (keyword)
          return Refusal{"unsupported modifier combination", "'cidr' on a keyword", t.line};
        out->field = field;
        out->oper = "cidr";
        out->values = t.values;
        out->list = true;
        return std::nullopt;
      case SigmaTest::Kind::kExists:
        if (keyword)
          return Refusal{"unsupported modifier combination", "'exists' on a keyword", t.line};
        out->field = field;
        out->oper = "exists";
        out->raw_value = t.exists ? "true" : "false";
        return std::nullopt;
      case SigmaTest::Kind::kNull: {
        if (keyword)
          return Refusal{"unsupported modifier combination", "null as a keyword", t.line};
        out->op = WNode::Op::kAny;
        WNode a, b;
        a.field = b.field = field;
        a.oper = "exists";
        a.raw_value = "false";
        b.oper = "equals";
        b.values = {""};
        out->children = {a, b};
        return std::nullopt;
      }
      case SigmaTest::Kind::kNumber: {
        if (keyword)
          return Refusal{"unsupported modifier combination", "a number comparison on a keyword",
                         t.line};
        out->field = field;
        out->oper = t.compare == SigmaTest::Compare::kLt    ? "lt"
                    : t.compare == SigmaTest::Compare::kLte ? "le"
                    : t.compare == SigmaTest::Compare::kGt  ? "gt"
                                                            : "ge";
        out->raw_value = number_text(t.number);
        return std::nullopt;
      }
      case SigmaTest::Kind::kFieldRef: {
        if (keyword)
          return Refusal{"unsupported modifier combination", "'fieldref' on a keyword", t.line};
        std::vector<WNode> leaves;
        for (const std::string& other : t.values) {
          std::string f2 = ls.field(other);
          if (f2.empty())
            return Refusal{"unknown field",
                           "field '" + other +
                               "' (named by fieldref) is not in the mapping for "
                               "logsource " +
                               ls.describe(),
                           t.line};
          WNode n;
          n.field = field;
          n.oper = "field_equals";
          n.raw_value = name_text(f2);
          leaves.push_back(std::move(n));
        }
        if (leaves.size() == 1) {
          *out = std::move(leaves[0]);
        } else {
          out->op = t.all ? WNode::Op::kAll : WNode::Op::kAny;
          out->children = std::move(leaves);
        }
        return std::nullopt;
      }
    }
    return Refusal{"unsupported modifier combination", "'" + t.written + "'", t.line};
  }

  std::optional<Refusal> expr(const SigmaExpr& e, WNode* out) {
    switch (e.op) {
      case SigmaExpr::Op::kTest:
        return test(e.test, out);
      case SigmaExpr::Op::kNot: {
        out->op = WNode::Op::kNot;
        out->children.resize(1);
        return expr(e.children.at(0), &out->children[0]);
      }
      case SigmaExpr::Op::kAnd:
      case SigmaExpr::Op::kOr: {
        out->op = e.op == SigmaExpr::Op::kAnd ? WNode::Op::kAll : WNode::Op::kAny;
        for (const SigmaExpr& c : e.children) {
          WNode n;
          if (auto r = expr(c, &n)) return r;
          if (n.op == out->op) {  // (a and b) and c -> a and b and c
            for (auto& g : n.children) out->children.push_back(std::move(g));
          } else {
            out->children.push_back(std::move(n));
          }
        }
        if (out->children.size() == 1) {
          WNode only = std::move(out->children[0]);
          *out = std::move(only);
        }
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
};

int depth(const WNode& n) {
  int d = 0;
  for (const WNode& c : n.children) d = std::max(d, depth(c));
  return n.op == WNode::Op::kLeaf ? 0 : d + 1;
}

// Whether the engine can derive a Hyperscan literal from the node (docs/rules.md): string
// tests give their texts, all gives its best child's, any needs every child to give some.
bool gives_literal(const WNode& n) {
  switch (n.op) {
    case WNode::Op::kLeaf:
      if (n.oper == "equals" || n.oper == "in" || n.oper == "contains" || n.oper == "startswith" ||
          n.oper == "endswith") {
        for (const auto& v : n.values)
          if (v.empty()) return false;
        return !n.values.empty();
      }
      if (n.oper == "glob") {
        for (const auto& v : n.values) {
          SigmaGlob g = SigmaGlob::parse(v);
          bool lit = false;
          for (const auto& p : g.pieces) lit = lit || (p.kind == Kind::kLiteral && !p.text.empty());
          if (!lit) return false;
        }
        return true;
      }
      return false;
    case WNode::Op::kAll:
      for (const WNode& c : n.children)
        if (gives_literal(c)) return true;
      return false;
    case WNode::Op::kAny:
      for (const WNode& c : n.children)
        if (!gives_literal(c)) return false;
      return !n.children.empty();
    case WNode::Op::kNot:
      return false;
  }
  return false;
}

std::string leaf_text(const WNode& n) {
  std::string out = "{field: " + name_text(n.field) + ", " + n.oper + ": ";
  if (!n.raw_value.empty()) {
    out += n.raw_value;
  } else if (n.values.size() == 1 && !n.list) {
    out += sigma_yaml_quote(n.values[0]);
  } else {
    out += '[';
    for (size_t i = 0; i < n.values.size(); ++i) {
      if (i) out += ", ";
      out += sigma_yaml_quote(n.values[i]);
    }
    out += ']';
  }
  if (n.nocase) out += ", nocase: true";
  return out + "}";
}

void emit(const WNode& n, size_t indent, const std::string& lead, std::string* out) {
  std::string pad(indent, ' ');
  size_t inner = indent + lead.size() + 2;
  switch (n.op) {
    case WNode::Op::kLeaf:
      *out += pad + lead + leaf_text(n) + "\n";
      return;
    case WNode::Op::kAny:
    case WNode::Op::kAll:
      *out += pad + lead + (n.op == WNode::Op::kAny ? "any:\n" : "all:\n");
      for (const WNode& c : n.children) emit(c, inner, "- ", out);
      return;
    case WNode::Op::kNot:
      if (n.children[0].op == WNode::Op::kLeaf) {
        *out += pad + lead + "not: " + leaf_text(n.children[0]) + "\n";
      } else {
        *out += pad + lead + "not:\n";
        emit(n.children[0], inner, "", out);
      }
      return;
  }
}

std::string severity_of(const std::string& level, std::vector<std::string>* warnings) {
  std::string l = ascii_lower(level);
  if (l == "informational") return "info";
  if (l == "low" || l == "medium" || l == "high" || l == "critical") return l;
  warnings->push_back(level.empty() ? "no level: severity medium"
                                    : "level '" + level + "' is not Sigma's: severity medium");
  return "medium";
}

std::string list_text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += sigma_yaml_quote(v[i]);
  }
  return out + "]";
}

// The comments and keys every imported rule starts with: where it came from, its
// metadata, id, title, description, severity, enabled, tags.
std::string rule_head(const SigmaRule& rule, const std::string& origin, const std::string& id,
                      std::vector<std::string>* warnings) {
  std::string severity = severity_of(rule.level, warnings);
  for (const SigmaNote& n : rule.notes) warnings->push_back(n.message);
  std::string o = "  # from " + origin + ":" + std::to_string(rule.line) + " id " +
                  (rule.id.empty() ? std::string("(none)") : rule.id) + "\n";
  std::string meta;
  if (!rule.status.empty()) meta += "status " + one_line(rule.status);
  if (!rule.author.empty())
    meta += std::string(meta.empty() ? "" : "; ") + "author " + one_line(rule.author);
  if (!meta.empty()) o += "  # " + meta + "\n";
  for (const auto& r : rule.references) o += "  # reference: " + one_line(r) + "\n";
  for (const auto& f : rule.falsepositives) o += "  # false positive: " + one_line(f) + "\n";
  o += "  - id: " + id + "\n";
  std::string title = one_line(rule.title.empty() ? rule.id : rule.title);
  o += "    title: " + sigma_yaml_quote(title.empty() ? id : title) + "\n";
  if (!rule.description.empty())
    o += "    description: " + sigma_yaml_quote(one_line(rule.description)) + "\n";
  o += "    severity: " + severity + "\n";
  std::string status = ascii_lower(rule.status);
  if (status == "deprecated" || status == "unsupported") {
    o += "    enabled: false\n";
    warnings->push_back("status " + rule.status + ": imported disabled");
  }
  if (!rule.tags.empty()) o += "    tags: " + list_text(rule.tags) + "\n";
  return o;
}

}  // namespace

std::string sigma_yaml_quote(std::string_view text) {
  if (!valid_utf8(text)) return {};
  bool control = false;
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) control = true;
  if (!control) {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string sigma_rule_id(const SigmaRule& rule, const std::string& origin, int index) {
  std::string stem = std::filesystem::path(origin).stem().string();
  std::string slug;
  for (char c : ascii_lower(stem)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    slug += ok ? c : '_';
  }
  std::string id;
  for (char c : ascii_lower(rule.id)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (ok) id += c;
  }
  if (id.empty()) id = "doc" + std::to_string(index + 1);
  return "sigma." + (slug.empty() ? std::string("rule") : slug) + "." + id;
}

SigmaWritten write_sigma_rule(const SigmaRule& rule, const SigmaMapping& mapping,
                              const std::string& origin, int index) {
  SigmaWritten w;
  w.line = rule.line;
  auto refuse = [&](const Refusal& r) {
    w.ok = false;
    w.reason = r.reason;
    w.detail = r.detail;
    if (r.line > 0) w.line = r.line;
    return w;
  };
  if (rule.correlation)
    return refuse({"correlation not supported yet",
                   "correlation rules (" +
                       std::string(rule.correlation->type == SigmaCorrelation::Type::kEventCount
                                       ? "event_count"
                                   : rule.correlation->type == SigmaCorrelation::Type::kValueCount
                                       ? "value_count"
                                   : rule.correlation->type == SigmaCorrelation::Type::kTemporal
                                       ? "temporal"
                                       : "temporal_ordered") +
                       ") are not imported by this version",
                   rule.line});
  if (!rule.detection) return refuse({"no detection", "the rule has no detection", rule.line});
  const SigmaLogSourceMap* ls = mapping.find(rule.logsource);
  if (!ls) {
    SigmaLogSourceMap shown;
    if (!rule.logsource.product.empty()) shown.logsource["product"] = rule.logsource.product;
    if (!rule.logsource.category.empty()) shown.logsource["category"] = rule.logsource.category;
    if (!rule.logsource.service.empty()) shown.logsource["service"] = rule.logsource.service;
    return refuse({"no mapping for log source",
                   "no entry of the mapping for logsource " + shown.describe(), rule.line});
  }
  w.logsource = ls;
  Writer writer{*ls};
  WNode tree;
  if (auto r = writer.expr(*rule.detection, &tree)) return refuse(*r);

  // The conditions the log source implies come first; a top-level `all` is the list.
  std::vector<WNode> where;
  for (const auto& [field, values] : ls->conditions) {
    WNode n;
    n.field = field;
    n.oper = values.size() == 1 ? "equals" : "in";
    n.values = values;
    where.push_back(std::move(n));
  }
  if (tree.op == WNode::Op::kAll) {
    for (auto& c : tree.children) where.push_back(std::move(c));
  } else {
    where.push_back(std::move(tree));
  }
  for (const WNode& n : where)
    if (depth(n) + 1 > 16)
      return refuse({"conditions nest too deep",
                     "the condition nests deeper than the 16 levels `where` allows", rule.line});

  const bool with_regex =
      ls->fields_from == SigmaLogSourceMap::FieldsFrom::kCaptures && writer.uses_fields;
  if (!with_regex) {
    bool lit = false;
    for (const WNode& n : where) lit = lit || gives_literal(n);
    if (!lit && ls->fields_from != SigmaLogSourceMap::FieldsFrom::kJson)
      return refuse({"needs a literal",
                     "no test gives a text the line must hold (only regexes, negations or "
                     "comparisons): the engine needs one to find candidate lines",
                     rule.line});
  }

  w.rule_id = sigma_rule_id(rule, origin, index);
  if (!valid_utf8(rule.title))
    return refuse({"value not UTF-8", "the title is not UTF-8", rule.line});
  w.text = rule_head(rule, origin, w.rule_id, &w.warnings);
  std::string& b = w.body;
  if (!ls->sources.empty()) b += "    sources: " + list_text(ls->sources) + "\n";
  if (!ls->programs.empty()) b += "    programs: " + list_text(ls->programs) + "\n";
  if (ls->fields_from == SigmaLogSourceMap::FieldsFrom::kJson) b += "    fields: json\n";
  // A rule without `match` needs a field source to load; keyword-only rules of text log
  // sources read only the built-in `message`, so key=value (parsed on a hit only) costs nothing.
  if (ls->fields_from == SigmaLogSourceMap::FieldsFrom::kKv ||
      (!with_regex && ls->fields_from != SigmaLogSourceMap::FieldsFrom::kJson))
    b += "    fields: kv\n";
  if (with_regex) b += "    match:\n      regex: " + sigma_yaml_quote(ls->regex) + "\n";
  b += "    where:\n";
  for (const WNode& n : where) emit(n, 6, "- ", &b);
  w.text += b;
  w.ok = true;
  return w;
}

namespace {

std::string duration_text(int64_t seconds) {
  if (seconds > 0 && seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds > 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds > 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

std::string indent_by(const std::string& text, size_t n) {
  std::string out, pad(n, ' ');
  size_t i = 0;
  while (i < text.size()) {
    size_t e = text.find('\n', i);
    if (e == std::string::npos) e = text.size();
    out += pad + text.substr(i, e - i) + "\n";
    i = e + 1;
  }
  return out;
}

}  // namespace

SigmaWritten write_sigma_correlation(
    const SigmaRule& rule, const std::function<const SigmaBase*(const std::string&)>& find,
    const std::string& origin, int index) {
  SigmaWritten w;
  w.line = rule.line;
  auto refuse = [&](const std::string& reason, const std::string& detail) {
    w.ok = false;
    w.reason = reason;
    w.detail = detail;
    return w;
  };
  const SigmaCorrelation& c = *rule.correlation;
  using Type = SigmaCorrelation::Type;
  std::vector<const SigmaBase*> bases;
  for (const std::string& ref : c.rules) {
    const SigmaBase* b = find(ref);
    if (!b)
      return refuse("correlation names a rule that is not there",
                    "the correlation names rule '" + ref +
                        "', which is not among the rules imported (an id or name of a rule "
                        "given in the same import)");
    bases.push_back(b);
  }
  if ((c.type == Type::kEventCount || c.type == Type::kValueCount) && bases.size() != 1)
    return refuse("correlation not supported yet",
                  "event_count and value_count over several rules are not imported by this "
                  "version (one rule each)");
  // group-by (and value_count's field) in each base rule's fields, through the aliases.
  auto field_in = [&](const std::string& name, size_t i, std::string* out) -> bool {
    std::string sigma_name = name;
    auto alias = c.aliases.find(name);
    if (alias != c.aliases.end()) {
      auto it = alias->second.find(c.rules[i]);
      if (it != alias->second.end()) sigma_name = it->second;
    }
    *out = bases[i]->logsource->field(sigma_name);
    if (out->empty()) {
      w.reason = "unknown field";
      w.detail = "field '" + sigma_name +
                 "' (group-by or field of the correlation) is not in "
                 "the mapping for logsource " +
                 bases[i]->logsource->describe();
      return false;
    }
    return true;
  };
  std::vector<std::string> group_by;
  for (const std::string& g : c.group_by) {
    std::string first;
    for (size_t i = 0; i < bases.size(); ++i) {
      std::string f;
      if (!field_in(g, i, &f)) return w;
      if (i == 0) {
        first = f;
      } else if (f != first) {
        return refuse("correlation not supported yet",
                      "group-by '" + g + "' is field " + first + " in one rule and " + f +
                          " in another: wardsoc groups every step by one field name");
      }
    }
    group_by.push_back(first);
  }
  std::string distinct;
  if (c.type == Type::kValueCount && !field_in(c.condition_field, 0, &distinct)) return w;

  w.rule_id = sigma_rule_id(rule, origin, index);
  w.text = rule_head(rule, origin, w.rule_id, &w.warnings);
  std::string gb;
  if (!group_by.empty()) {
    gb = "group_by: [";
    for (size_t i = 0; i < group_by.size(); ++i) gb += (i ? ", " : "") + name_text(group_by[i]);
    gb += "]";
  }
  // A lower bound alone is the sliding count; with an upper bound the condition is written
  // as Sigma has it and decided when the (fixed) window closes.
  std::string count = std::to_string(c.gt ? *c.gt + 1 : c.gte ? *c.gte : 1);
  if (c.lt || c.lte || c.eq) {
    std::string cond;
    auto add = [&](const char* k, const std::optional<int64_t>& v) {
      if (v) cond += std::string(cond.empty() ? "" : ", ") + k + ": " + std::to_string(*v);
    };
    add("gt", c.gt);
    add("gte", c.gte);
    add("lt", c.lt);
    add("lte", c.lte);
    add("eq", c.eq);
    count = "{" + cond + "}";
  }
  if (c.type == Type::kEventCount || c.type == Type::kValueCount) {
    w.text += "    # counts the lines of " + bases[0]->rule_id + "\n";
    w.text += bases[0]->body;
    w.text += "    aggregation:\n";
    if (!distinct.empty()) w.text += "      distinct: " + name_text(distinct) + "\n";
    w.text += "      count: " + count + "\n";
    w.text += "      window: " + duration_text(c.timespan_seconds) + "\n";
    if (!gb.empty()) w.text += "      " + gb + "\n";
  } else {
    w.text += "    sequence:\n";
    if (c.type == Type::kTemporal) w.text += "      order: any\n";
    w.text += "      window: " + duration_text(c.timespan_seconds) + "\n";
    if (!gb.empty()) w.text += "      " + gb + "\n";
    w.text += "      steps:\n";
    for (size_t i = 0; i < bases.size(); ++i) {
      std::string body = bases[i]->body;
      // "    programs: ..." -> "          programs: ..." under "        - name: ..."
      std::string step;
      size_t p = 0;
      while (p < body.size()) {
        size_t e = body.find('\n', p);
        std::string line = body.substr(p, e - p);
        step += line.substr(4) + "\n";
        p = e + 1;
      }
      w.text += "        - name: step" + std::to_string(i + 1) + "  # " + bases[i]->rule_id + "\n";
      w.text += indent_by(step.substr(0, step.size() - 1), 10);
    }
  }
  if (c.lt || c.lte || c.eq)
    w.warnings.emplace_back(
        "an upper bound: counted in fixed windows decided when they close, as Sigma backends "
        "do");
  else
    w.warnings.emplace_back(
        "wardsoc's windows slide (a window starts at each line), Sigma's correlation timespan "
        "may be fixed buckets in a backend: counts near the threshold can differ");
  w.ok = true;
  return w;
}

}  // namespace wardsoc
