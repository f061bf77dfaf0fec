#include "rules/where_literals.h"

#include <re2/re2.h>

#include <algorithm>

namespace wardsoc {

namespace {

constexpr size_t kWeakLiteral = 3;  // shorter literals put forward most lines

using Set = std::vector<DerivedLiteral>;

// Where a condition's field is found, for a step without patterns (so without captures).
enum class Scope : uint8_t { kNone, kMessage, kJson, kKv };

Scope scope_of(const MatchStep& step, const std::string& field) {
  if (field == "message") return Scope::kMessage;
  if (is_where_builtin_field(field)) return Scope::kNone;  // host, app, ...: not in the text
  switch (step.fields) {
    case EventFields::kJson:
      return Scope::kJson;
    case EventFields::kKv:
      return Scope::kKv;
    case EventFields::kNone:
      break;
  }
  return Scope::kNone;
}

// Whether a JSON emitter may write the byte otherwise than as itself (beyond '\' and '"').
bool json_unstable(unsigned char b) {
  return b < 0x20 || b >= 0x7f || b == '/' || b == '<' || b == '>' || b == '&' || b == '\'';
}

std::string longest_run(std::string_view v, bool (*cut)(unsigned char),
                        std::string (*write)(unsigned char)) {
  std::string best, cur;
  for (unsigned char b : v) {
    if (cut(b)) {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
      continue;
    }
    cur += write(b);
  }
  if (cur.size() > best.size()) best = cur;
  return best;
}

// The literal a value leaves in the scanned text; empty if none.
std::string value_literal(Scope scope, std::string_view v) {
  switch (scope) {
    case Scope::kMessage:  // a line break would let a scan of joined lines find it across two
      return longest_run(
          v, [](unsigned char b) { return b == '\n'; },
          [](unsigned char b) { return std::string(1, static_cast<char>(b)); });
    case Scope::kJson:
      return json_literal_run(v);
    case Scope::kKv:
      return kv_literal_run(v);
    case Scope::kNone:
      break;
  }
  return {};
}

// The literal a field's presence leaves: its JSON key ("Image", or for a dotted path the
// last part and its closing quote, which {"a":{"b":..}} and {"a.b":..} both hold), or its
// kv key with the '='.
std::string key_literal(Scope scope, const std::string& field) {
  if (scope == Scope::kKv) return field.empty() ? "" : field + "=";
  if (scope != Scope::kJson || field.empty()) return {};
  const size_t dot = field.rfind('.');
  const std::string last = dot == std::string::npos ? field : field.substr(dot + 1);
  std::string run = json_literal_run(last);
  if (run.empty()) return {};
  // A key cut short (an unstable byte in it) is only a run inside the key.
  const bool whole = std::none_of(last.begin(), last.end(), [](char c) {
    return json_unstable(static_cast<unsigned char>(c));
  });
  if (!whole) return run;
  return dot == std::string::npos ? "\"" + run + "\"" : run + "\"";
}

size_t shortest(const Set& s) {
  size_t n = SIZE_MAX;
  for (const DerivedLiteral& l : s) n = std::min(n, l.text.size());
  return n;
}

// Better prefilter: strong (no literal under 3 bytes) before weak, then fewer literals, then
// the longer shortest literal.
bool better(const Set& a, const Set& b) {
  const bool weak_a = shortest(a) < kWeakLiteral, weak_b = shortest(b) < kWeakLiteral;
  if (weak_a != weak_b) return !weak_a;
  if (a.size() != b.size()) return a.size() < b.size();
  return shortest(a) > shortest(b);
}

void add_unique(Set* s, DerivedLiteral l) {
  if (std::find(s->begin(), s->end(), l) == s->end()) s->push_back(std::move(l));
}

// The literal runs of a glob (between its wildcards); the longest one is required.
std::string glob_literal(std::string_view glob) {
  std::string best, cur;
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '\\' && i + 1 < glob.size() &&
        (glob[i + 1] == '*' || glob[i + 1] == '?' || glob[i + 1] == '\\')) {
      cur += glob[++i];
    } else if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (cur.size() > best.size()) best = cur;
  return best;
}

std::optional<Set> require(const MatchStep& step, const Condition& c);

std::optional<Set> require_leaf(const MatchStep& step, const Condition& c) {
  using Op = Condition::Op;
  const Scope scope = scope_of(step, c.field);
  if (scope == Scope::kNone) return std::nullopt;
  std::vector<std::string> texts;
  switch (c.op) {
    case Op::kEquals:
      if (!c.values.empty()) texts.push_back(c.values.front());
      break;
    case Op::kIn:
    case Op::kContains:
    case Op::kStartsWith:
    case Op::kEndsWith:
      texts = c.values;
      break;
    case Op::kGlob:
      for (const std::string& g : c.values) texts.push_back(glob_literal(g));
      break;
    default:
      break;
  }
  Set values;
  bool all_values = !texts.empty();
  for (const std::string& t : texts) {
    std::string lit = t.empty() ? std::string() : value_literal(scope, t);
    if (lit.empty()) {
      all_values = false;
      break;
    }
    add_unique(&values, DerivedLiteral{std::move(lit), c.nocase, scope == Scope::kJson, c.pos});
  }
  // Every leaf but `exists: false` needs its field present: its key is the fallback (and is
  // preferred to a value literal too short to rule much out).
  Set key;
  if (!(c.op == Op::kExists && !c.exists)) {
    const std::string k = key_literal(scope, c.field);
    if (!k.empty()) key.push_back(DerivedLiteral{k, false, scope == Scope::kJson, c.pos});
  }
  if (all_values && (key.empty() || shortest(values) >= kWeakLiteral)) return values;
  if (!key.empty()) return key;
  if (all_values) return values;
  return std::nullopt;
}

std::optional<Set> require_all(const MatchStep& step, const std::vector<Condition>& cs) {
  std::optional<Set> best;
  for (const Condition& c : cs) {
    std::optional<Set> s = require(step, c);
    if (s && !s->empty() && (!best || better(*s, *best))) best = std::move(s);
  }
  return best;
}

std::optional<Set> require(const MatchStep& step, const Condition& c) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::kAll:
      return require_all(step, c.children);
    case Op::kAny: {
      Set u;
      for (const Condition& x : c.children) {
        std::optional<Set> s = require(step, x);
        if (!s || s->empty()) return std::nullopt;
        for (DerivedLiteral& l : *s) add_unique(&u, std::move(l));
      }
      if (u.empty()) return std::nullopt;
      return u;
    }
    case Op::kNot:
      return std::nullopt;
    default:
      return require_leaf(step, c);
  }
}

}  // namespace

std::string json_literal_run(std::string_view value) {
  return longest_run(value, json_unstable, [](unsigned char b) {
    if (b == '\\') return std::string("\\\\");
    if (b == '"') return std::string("\\\"");
    return std::string(1, static_cast<char>(b));
  });
}

std::string kv_literal_run(std::string_view value) {
  return longest_run(
      value, [](unsigned char b) { return b == '"' || b == '\\' || b == '\n'; },
      [](unsigned char b) { return std::string(1, static_cast<char>(b)); });
}

std::optional<std::vector<DerivedLiteral>> derive_where_literals(const MatchStep& step) {
  return require_all(step, step.where);
}

void derive_step_literals(Rule& r, LoadReport* report) {
  for (MatchStep& s : r.steps) {
    if (!s.patterns.empty() || s.where.empty()) continue;
    const SourcePosition at = s.where.front().pos;
    const std::string label =
        r.kind == AggregationKind::kSequence ? "sequence.steps '" + s.name + "'.where" : "where";
    const std::optional<Set> lits = derive_where_literals(s);
    if (!lits) {
      report->error(r.file, at.line, at.column, r.id,
                    label +
                        ": needs a literal: give `match`, or a positive condition on a text "
                        "(equals, in, contains, startswith, endswith or glob on a field of "
                        "the event or on message, not only under `not`)");
      continue;
    }
    for (const DerivedLiteral& l : *lits) {
      if (l.text.size() < kWeakLiteral) {
        report->warning(r.file, l.pos.line, l.pos.column, r.id,
                        label + ": the literal '" + l.text +
                            "' derived for Hyperscan is shorter than 3 bytes, so most lines "
                            "will be evaluated; add a longer condition or a `match`");
      }
      RulePattern p;
      p.text = (l.nocase ? "(?i)" : "") + RE2::QuoteMeta(l.text);
      p.pos = l.pos;
      p.from_contains = true;
      p.literal = l.text;
      p.derived = true;
      p.on_json = l.json;
      s.patterns.push_back(std::move(p));
    }
  }
}

}  // namespace wardsoc
