#include "rules/import/python_regex_conditional.h"

#include <algorithm>
#include <cctype>

#include "rules/import/python_regex.h"

namespace wardsoc {

namespace {

constexpr size_t kMaxGroups = 3;  // 2^3 patterns at most

// Calls f(i) for every character outside escapes and classes; f returns false to stop.
template <typename F>
void scan(std::string_view py, F f) {
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
    } else if (!f(i)) {
      return;
    }
  }
}

size_t find_syntax(std::string_view py, std::string_view what) {
  size_t at = std::string_view::npos;
  scan(py, [&](size_t i) {
    if (py.substr(i, what.size()) != what) return true;
    at = i;
    return false;
  });
  return at;
}

// The '(' of the group directly around py[at], npos at the top level.
size_t enclosing_open(std::string_view py, size_t at) {
  std::vector<size_t> stack;
  scan(py, [&](size_t i) {
    if (i >= at) return false;
    if (py[i] == '(') stack.push_back(i);
    if (py[i] == ')' && !stack.empty()) stack.pop_back();
    return true;
  });
  return stack.empty() ? std::string_view::npos : stack.back();
}

// Where the content of the group opened at py[open] starts.
size_t content_start(std::string_view py, size_t open) {
  if (py.substr(open, 2) != "(?") return open + 1;
  if (py.substr(open, 3) == "(?P" || py.substr(open, 3) == "(?<") return py.find('>', open) + 1;
  if (py.substr(open, 3) == "(?(") return py.find(')', open) + 1;
  size_t j = open + 2;
  while (j < py.size() && py[j] != ':' && py[j] != ')') ++j;
  return j + 1;
}

// [begin, end) of each top-level alternative of py[from, to).
std::vector<std::pair<size_t, size_t>> alternatives(std::string_view py, size_t from, size_t to) {
  std::vector<std::pair<size_t, size_t>> out;
  int depth = 0;
  size_t s = from;
  scan(py.substr(0, to), [&](size_t i) {
    if (i < from) return true;
    if (py[i] == '(') ++depth;
    if (py[i] == ')') --depth;
    if (py[i] == '|' && depth == 0) {
      out.emplace_back(s, i);
      s = i + 1;
    }
    return true;
  });
  out.emplace_back(s, to);
  return out;
}

// `text` with group `name` taking part (present) or not; false when it cannot be chosen.
Result<bool> choose(std::string* text, const std::string& name, bool present) {
  std::string_view py = *text;
  // Each conditional on the group first.
  for (size_t at; (at = find_syntax(*text, "(?(" + name + ")")) != std::string::npos;) {
    py = *text;
    size_t close = python_regex_group_end(py, at);
    if (close == std::string_view::npos)
      return Error(Errc::kInvalidArgument, "a conditional (?(" + name + ")...) is not closed");
    size_t body = at + 4 + name.size();
    auto alts = alternatives(py, body, close);
    if (alts.size() > 2)
      return Error(Errc::kInvalidArgument, "a conditional with more than two branches");
    std::string branch;
    if (present)
      branch = std::string(py.substr(alts[0].first, alts[0].second - alts[0].first));
    else if (alts.size() == 2)
      branch = std::string(py.substr(alts[1].first, alts[1].second - alts[1].first));
    text->replace(at, close + 1 - at, "(?:" + branch + ")");
  }
  py = *text;
  const std::string opener = "(?P<" + name + ">";
  size_t open = find_syntax(py, opener);
  if (open == std::string_view::npos)
    return Error(Errc::kInvalidArgument, "a conditional asks about the group '" + name +
                                             "', which is not a named group of the regex");
  size_t close = python_regex_group_end(py, open);
  if (close == std::string_view::npos)
    return Error(Errc::kInvalidArgument, "the group '" + name + "' is not closed");
  // The group is needed by nothing else: a plain group keeps its fields out of the rule.
  const bool referenced = find_syntax(py, "(?P=" + name + ")") != std::string_view::npos;
  const std::string inner(py.substr(open + opener.size(), close - open - opener.size()));
  const std::string group = (referenced ? opener : std::string("(?:")) + inner + ")";
  if (close + 1 < py.size() && py[close + 1] == '?') {
    size_t q = close + 2;
    if (q < py.size() && py[q] == '?') ++q;  // lazy
    text->replace(open, q - open, present ? group : "");
    return true;
  }
  const size_t outer = enclosing_open(py, open);
  const size_t from = outer == std::string_view::npos ? 0 : content_start(py, outer);
  const size_t to = outer == std::string_view::npos ? py.size() : python_regex_group_end(py, outer);
  auto alts = alternatives(py, from, to);
  auto it = std::find_if(alts.begin(), alts.end(),
                         [&](const auto& a) { return a.first == open && a.second == close + 1; });
  if (it == alts.end() || alts.size() < 2) {
    if (present) {
      text->replace(open, close + 1 - open, group);
      return true;
    }
    return false;  // the group always takes part: no pattern without it
  }
  std::string content;
  if (present) {
    content = group;
  } else {
    for (const auto& a : alts) {
      if (a == *it) continue;
      if (&a != &alts.front() && !(alts.front() == *it && &a == &alts[1])) content += '|';
      content.append(py.substr(a.first, a.second - a.first));
    }
  }
  text->replace(from, to - from, content);
  return true;
}

}  // namespace

Result<std::vector<std::string>> expand_python_conditionals(std::string_view py) {
  // The groups asked about, in the order they are defined.
  std::vector<std::pair<size_t, std::string>> names;
  std::string error;
  scan(py, [&](size_t i) {
    if (py.substr(i, 3) != "(?(") return true;
    size_t e = py.find(')', i + 3);
    std::string name(py.substr(i + 3, e == std::string_view::npos ? 0 : e - i - 3));
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
      error = "a conditional on a numbered group (?(1)...): name the group";
      return false;
    }
    size_t def = find_syntax(py, "(?P<" + name + ">");
    for (const auto& n : names)
      if (n.second == name) return true;
    names.emplace_back(def, name);
    return true;
  });
  if (!error.empty()) return Error(Errc::kInvalidArgument, error);
  if (names.empty()) return std::vector<std::string>{std::string(py)};
  if (names.size() > kMaxGroups)
    return Error(Errc::kInvalidArgument,
                 "conditionals on more than " + std::to_string(kMaxGroups) + " groups");
  std::sort(names.begin(), names.end());
  std::vector<std::string> out;
  const size_t n = names.size();
  for (size_t mask = 0; mask < (size_t{1} << n); ++mask) {
    // The first group varies slowest, taking part before not: Python's order of trying.
    std::string text(py);
    bool possible = true;
    for (size_t k = 0; k < n && possible; ++k) {
      bool present = ((mask >> (n - 1 - k)) & 1) == 0;
      auto r = choose(&text, names[k].second, present);
      if (!r.ok()) return r.error();
      possible = *r;
    }
    if (possible) out.push_back(text);
  }
  return out;
}

}  // namespace wardsoc
