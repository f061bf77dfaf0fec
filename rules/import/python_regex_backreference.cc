#include "rules/import/python_regex_backreference.h"

#include <cctype>
#include <map>

#include "rules/import/python_regex.h"

namespace wardsoc {

namespace {

constexpr size_t kMaxPatterns = 8;

// The first `what` outside escapes and classes, from `from`.
size_t find_syntax(std::string_view py, std::string_view what, size_t from = 0) {
  bool cls = false;
  for (size_t i = 0; i < py.size(); ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < py.size() && py[i + 1] == '^') ++i;
      if (i + 1 < py.size() && py[i + 1] == ']') ++i;
    } else if (i >= from && py.substr(i, what.size()) == what) {
      return i;
    }
  }
  return std::string_view::npos;
}

// The '(' of the innermost group around py[at], npos at the top level.
size_t enclosing_open(std::string_view py, size_t at) {
  std::vector<size_t> stack;
  bool cls = false;
  for (size_t i = 0; i < at; ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < py.size() && py[i + 1] == '^') ++i;
      if (i + 1 < py.size() && py[i + 1] == ']') ++i;
    } else if (c == '(') {
      stack.push_back(i);
    } else if (c == ')' && !stack.empty()) {
      stack.pop_back();
    }
  }
  return stack.empty() ? std::string_view::npos : stack.back();
}

Result<bool> expand(const std::string& py, std::map<std::string, int>* uses,
                    BackreferenceExpansion* out) {
  const size_t ref = find_syntax(py, "(?P=");
  if (ref == std::string::npos) {
    if (out->patterns.size() >= kMaxPatterns)
      return Error(Errc::kInvalidArgument, "backreferences in too many optional groups");
    out->patterns.push_back(py);
    return true;
  }
  const size_t ref_end = py.find(')', ref);
  const std::string name = py.substr(ref + 4, ref_end - ref - 4);
  const std::string opener = "(?P<" + name + ">";
  const size_t def = find_syntax(py, opener);
  if (def == std::string::npos || def > ref)
    return Error(Errc::kInvalidArgument,
                 "the backreference (?P=" + name + ") names no group before it");
  const size_t def_close = python_regex_group_end(py, def);
  const std::string inner = py.substr(def + opener.size(), def_close - def - opener.size());
  if (find_syntax(inner, "(") != std::string::npos)
    return Error(Errc::kInvalidArgument,
                 "the backreference (?P=" + name + ") is to a group that holds groups of its own");
  // An optional character ("? of selinux's acct="..."): the two cases, each written out, so
  // that no later repetition can take the character the second capture would need.
  const bool escaped =
      inner.size() == 3 && inner[0] == '\\' && !std::isalnum(static_cast<unsigned char>(inner[1]));
  if ((inner.size() == 2 && std::string("()[]{}|.^$*+?\\").find(inner[0]) == std::string::npos &&
       inner[1] == '?') ||
      (escaped && inner[2] == '?')) {
    const std::string c = inner.substr(0, inner.size() - 1);
    for (const std::string& text : {c, std::string()}) {
      std::string v = py;
      v.replace(ref, ref_end + 1 - ref, "(?:" + text + ")");
      v.replace(def, def_close + 1 - def, "(?:" + text + ")");
      auto r = expand(v, uses, out);
      if (!r.ok()) return r;
    }
    return true;
  }
  std::string field;
  int& n = (*uses)[name];
  field = name + "_ref" + (n++ == 0 ? "" : std::to_string(n));
  bool known = false;
  for (const auto& e : out->equal_fields) known = known || e.first == field;
  if (!known) out->equal_fields.emplace_back(field, name);
  std::string captured = py;
  captured.replace(ref, ref_end + 1 - ref, "(?P<" + field + ">" + inner + ")");
  const size_t g = enclosing_open(py, ref);
  const size_t g_close = g == std::string::npos ? g : python_regex_group_end(py, g);
  if (g != std::string::npos && py.compare(g, 3, "(?:") == 0 && g_close + 1 < py.size() &&
      py[g_close + 1] == '?' && (g_close + 2 >= py.size() || py[g_close + 2] != '?')) {
    // Optional: first without the group, then with it (its '?' gone).
    std::string without = py;
    without.erase(g, g_close + 2 - g);
    auto a = expand(without, uses, out);
    if (!a.ok()) return a;
    const size_t q = g_close + 1 + (captured.size() - py.size());
    captured.erase(q, 1);
  }
  return expand(captured, uses, out);
}

}  // namespace

Result<BackreferenceExpansion> expand_python_backreferences(std::string_view py) {
  BackreferenceExpansion out;
  std::map<std::string, int> uses;
  auto r = expand(std::string(py), &uses, &out);
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace wardsoc
