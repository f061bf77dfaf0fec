#include "rules/import/field_alternatives.h"

#include <cctype>
#include <map>

namespace wardsoc {

namespace {

struct Group {
  size_t open = 0;           // '('
  size_t content = 0;        // first character of the content
  size_t close = 0;          // ')'
  int parent = -1;           // enclosing group, -1 = the whole pattern
  std::vector<size_t> bars;  // '|' directly inside
};

struct Named {
  std::string name;
  size_t at = 0;   // '(' of (?P<name>
  int group = -1;  // its own group
};

struct Parsed {
  std::vector<Group> groups;
  std::vector<size_t> top_bars;
  std::vector<Named> named;
  bool ok = true;
};

Parsed parse(const std::string& re) {
  Parsed p;
  std::vector<int> stack;
  bool cls = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (cls) {
      if (c == ']') cls = false;
      continue;
    }
    if (c == '[') {
      cls = true;
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
      continue;
    }
    if (c == '(') {
      Group g;
      g.open = i;
      g.parent = stack.empty() ? -1 : stack.back();
      size_t j = i + 1;
      if (j < re.size() && re[j] == '?') {
        ++j;
        if (re.compare(j, 2, "P<") == 0) {
          size_t gt = re.find('>', j);
          if (gt == std::string::npos) return p.ok = false, p;
          p.named.push_back({re.substr(j + 2, gt - j - 2), i, static_cast<int>(p.groups.size())});
          j = gt + 1;
        } else {
          while (j < re.size() && (std::isalpha(static_cast<unsigned char>(re[j])) || re[j] == '-'))
            ++j;
          if (j < re.size() && re[j] == ')') {  // (?i): flags, no group
            i = j;
            continue;
          }
          if (j < re.size() && re[j] == ':') ++j;
        }
      } else {
        j = i + 1;
      }
      g.content = j;
      stack.push_back(static_cast<int>(p.groups.size()));
      p.groups.push_back(g);
      i = j - 1;
      continue;
    }
    if (c == ')') {
      if (stack.empty()) return p.ok = false, p;
      p.groups[static_cast<size_t>(stack.back())].close = i;
      stack.pop_back();
      continue;
    }
    if (c == '|') {
      if (stack.empty())
        p.top_bars.push_back(i);
      else
        p.groups[static_cast<size_t>(stack.back())].bars.push_back(i);
    }
  }
  if (!stack.empty()) p.ok = false;
  return p;
}

// The base of a numbered name: "src_ip_2" -> "src_ip"; a name without a number is its own.
std::string base_of(const std::string& name) {
  size_t u = name.rfind('_');
  if (u == std::string::npos || u + 1 == name.size()) return name;
  for (size_t i = u + 1; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return name;
  return name.substr(0, u);
}

std::vector<int> chain(const Parsed& p, int g) {
  std::vector<int> out;
  for (; g >= 0; g = p.groups[static_cast<size_t>(g)].parent) out.insert(out.begin(), g);
  return out;
}

size_t branch_of(const std::vector<size_t>& bars, size_t at) {
  size_t n = 0;
  for (size_t b : bars)
    if (b < at) ++n;
  return n;
}

// Replaces the content of group `g` (or the whole pattern, g < 0) by each of its
// alternatives. Empty when no alternation separates two groups of one field.
std::vector<std::string> split_once(const std::string& re, const Parsed& p) {
  std::map<std::string, std::vector<const Named*>> fields;
  for (const auto& n : p.named) fields[base_of(n.name)].push_back(&n);
  for (const auto& [base, uses] : fields) {
    for (size_t a = 0; a < uses.size(); ++a) {
      for (size_t b = a + 1; b < uses.size(); ++b) {
        // The deepest group holding both (the group of one may hold the other).
        auto own_a = chain(p, uses[a]->group), own_b = chain(p, uses[b]->group);
        int lca = -1;
        for (size_t k = 0; k < own_a.size() && k < own_b.size() && own_a[k] == own_b[k]; ++k)
          lca = own_a[k];
        const std::vector<size_t>& bars =
            lca < 0 ? p.top_bars : p.groups[static_cast<size_t>(lca)].bars;
        if (bars.empty() || branch_of(bars, uses[a]->at) == branch_of(bars, uses[b]->at)) continue;
        const size_t from = lca < 0 ? 0 : p.groups[static_cast<size_t>(lca)].content;
        const size_t to = lca < 0 ? re.size() : p.groups[static_cast<size_t>(lca)].close;
        std::vector<std::string> out;
        size_t start = from;
        for (size_t k = 0; k <= bars.size(); ++k) {
          size_t end = k < bars.size() ? bars[k] : to;
          std::string alt = re.substr(start, end - start);
          // At the top level, keep each alternative in a group so that anchors stay its own.
          out.push_back(re.substr(0, from) + (lca < 0 ? "(?:" + alt + ")" : alt) + re.substr(to));
          start = end + 1;
        }
        return out;
      }
    }
  }
  return {};
}

// Names each field that a pattern now uses once by its base name.
std::string rename_single_uses(std::string re) {
  Parsed p = parse(re);
  if (!p.ok) return re;
  std::map<std::string, int> uses;
  for (const auto& n : p.named) ++uses[base_of(n.name)];
  for (size_t i = p.named.size(); i-- > 0;) {  // from the end: earlier offsets stay valid
    const auto& n = p.named[i];
    const std::string base = base_of(n.name);
    if (uses[base] != 1 || base == n.name) continue;
    re.replace(n.at + 4, n.name.size(), base);
  }
  return re;
}

}  // namespace

std::vector<std::string> split_field_alternatives(const std::string& re, size_t max_patterns) {
  std::vector<std::string> work = {re}, done;
  while (!work.empty()) {
    std::string p = work.back();
    work.pop_back();
    Parsed parsed = parse(p);
    auto parts = parsed.ok ? split_once(p, parsed) : std::vector<std::string>{};
    if (parts.empty()) {
      done.push_back(p);
    } else {
      for (size_t i = parts.size(); i-- > 0;) work.push_back(std::move(parts[i]));
    }
    if (done.size() + work.size() > max_patterns) return {re};
  }
  for (auto& p : done) p = rename_single_uses(p);
  return done;
}

}  // namespace wardsoc
