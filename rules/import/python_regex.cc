#include "rules/import/python_regex.h"

#include <cctype>
#include <cstring>
#include <map>
#include <vector>

#include "rules/import/python_regex_lookahead.h"

namespace wardsoc {

namespace {

Error refuse(std::string_view py, size_t at, std::string_view construct, const std::string& why) {
  size_t from = at > 10 ? at - 10 : 0;
  return Error(Errc::kInvalidArgument, std::string(construct) + " at offset " + std::to_string(at) +
                                           " (near '" + std::string(py.substr(from, 30)) +
                                           "'): " + why);
}

bool is_quantifier_end(char c) { return c == '*' || c == '+' || c == '?' || c == '}'; }

std::string hex(unsigned char c) {
  static const char* d = "0123456789abcdef";
  return std::string("\\x") + d[c >> 4] + d[c & 15];
}

// RE2 for "the text here does not start with any of `lits`", consuming a few characters:
// the end of the text, or a character where the text leaves every literal.
std::string not_starting_with(const std::vector<std::string>& lits, size_t depth) {
  std::map<unsigned char, std::vector<std::string>> next;
  for (const auto& l : lits) next[static_cast<unsigned char>(l[depth])].push_back(l);
  std::string cls, alts;
  for (const auto& [c, group] : next) {
    cls += hex(c);
    bool ends = false;
    std::vector<std::string> longer;
    for (const auto& l : group) {
      if (l.size() == depth + 1)
        ends = true;
      else
        longer.push_back(l);
    }
    if (!ends) alts += "|" + hex(c) + not_starting_with(longer, depth + 1);
  }
  return "(?:\\z|[^" + cls + "]" + alts + ")";
}

// Whether what follows a look-ahead ends the pattern without consuming anything it needs:
// only ')' of plain groups, '.*' and '$' (so characters consumed in its place change nothing),
// and every group around it is a plain (?:...) one.
bool lookahead_ends_pattern(std::string_view py, size_t open, size_t close) {
  std::string_view rest = py.substr(close + 1);
  for (size_t i = 0; i < rest.size();) {
    if (rest[i] == ')' || rest[i] == '$') {
      ++i;
    } else if (rest.substr(i, 2) == ".*") {
      i += 2;
      if (i < rest.size() && rest[i] == '?') ++i;
    } else if (rest.substr(i, 2) == "\\Z") {
      i += 2;
    } else {
      return false;
    }
  }
  std::vector<bool> plain;  // the groups open at `open`
  bool cls = false;
  for (size_t i = 0; i < open; ++i) {
    char c = py[i];
    if (c == '\\') {
      ++i;
    } else if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < open && py[i + 1] == '^') ++i;
      if (i + 1 < open && py[i + 1] == ']') ++i;
    } else if (c == '(') {
      plain.push_back(py.substr(i, 3) == "(?:");
    } else if (c == ')' && !plain.empty()) {
      plain.pop_back();
    }
  }
  for (bool b : plain)
    if (!b) return false;
  return true;
}

}  // namespace

bool literal_alternatives(std::string_view body, std::vector<std::string>* out) {
  out->assign(1, "");
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\') {
      if (i + 1 >= body.size()) return false;
      char n = body[i + 1];
      if (std::isalnum(static_cast<unsigned char>(n))) return false;  // \d, \s, \1 ...
      out->back() += n;
      ++i;
    } else if (c == '|') {
      out->emplace_back();
    } else if (std::strchr(".^$*+?{}[]()", c) != nullptr) {
      return false;
    } else {
      out->back() += c;
    }
  }
  for (const auto& l : *out)
    if (l.empty()) return false;
  return true;
}

size_t python_regex_group_end(std::string_view py, size_t open) {
  int depth = 0;
  bool cls = false;
  for (size_t i = open; i < py.size(); ++i) {
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
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

Result<std::string> python_regex_to_re2(std::string_view py) {
  std::string out;
  out.reserve(py.size() + 8);
  bool in_class = false;
  size_t class_start = 0;
  for (size_t i = 0; i < py.size(); ++i) {
    char c = py[i];
    if (c == '\\') {
      if (i + 1 >= py.size()) return refuse(py, i, "a trailing backslash", "nothing to escape");
      char n = py[i + 1];
      if (!in_class && n >= '1' && n <= '9')
        return refuse(py, i, std::string("the backreference \\") + n,
                      "RE2 has no backreferences; name the group and write (?P=name), which "
                      "becomes a second capture and a `field_equals` condition");
      if (!in_class && n == 'Z') {
        out += "\\z";
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']' && i > class_start) {
        in_class = false;
        out += c;
      } else if (c == '[') {
        out += "\\[";  // a literal in Python; RE2 would read [: as a POSIX class
      } else {
        out += c;
      }
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      class_start = i + 1;
      if (class_start < py.size() && py[class_start] == '^') {
        out += '^';
        ++i;
        class_start = i + 1;
      }
      // A ']' right after '[' or '[^' is a literal in both dialects.
      if (class_start < py.size() && py[class_start] == ']') {
        out += "\\]";
        ++i;
        class_start = i + 1;
      }
      continue;
    }
    if (c == '(' && i + 1 < py.size() && py[i + 1] == '?') {
      std::string_view rest = py.substr(i + 2);
      if (rest.starts_with("!")) {
        // A negative look-ahead on literals where the pattern ends: the text there must
        // leave every literal, which a few consumed characters can say.
        size_t close = python_regex_group_end(py, i);
        std::vector<std::string> lits;
        if (close != std::string_view::npos &&
            literal_alternatives(py.substr(i + 3, close - i - 3), &lits) &&
            lookahead_ends_pattern(py, i, close)) {
          out += not_starting_with(lits, 0);
          i = close;
          continue;
        }
      }
      // A negative look-ahead on literals with what it guards, or a run where no literal
      // starts: the automaton of the text it allows, as RE2.
      if (auto rw = rewrite_python_lookahead(py, i)) {
        if (!rw->ok())
          return refuse(py, i,
                        rest.starts_with(":") ? "a run with a negative look-ahead (?:(?!...).)*"
                                              : "a negative look-ahead (?!...)",
                        "it does not rewrite without look-around: " + rw->error().message);
        out += rw->value().re2;
        i = rw->value().end - 1;
        continue;
      }
      if (rest.starts_with("=") || rest.starts_with("!"))
        return refuse(py, i,
                      rest[0] == '=' ? "a look-ahead (?=...)" : "a negative look-ahead (?!...)",
                      "RE2 has no look-around; write the text the line must (not) contain as a "
                      "separate `not` pattern or a `where` condition on a captured field");
      if (rest.starts_with("<=") || rest.starts_with("<!"))
        return refuse(py, i,
                      rest[1] == '=' ? "a look-behind (?<=...)" : "a negative look-behind (?<!...)",
                      "RE2 has no look-around; match the preceding text instead");
      if (rest.starts_with("P="))
        return refuse(py, i, "the backreference (?P=name)",
                      "RE2 has no backreferences: expand_python_backreferences turns it into a "
                      "second capture and a `field_equals` condition");
      if (rest.starts_with("("))
        return refuse(py, i, "a conditional (?(group)yes|no)",
                      "RE2 has no conditionals; write the two cases as two patterns");
      if (rest.starts_with(">"))
        return refuse(py, i, "an atomic group (?>...)", "RE2 has no atomic groups; write (?:...)");
      if (rest.starts_with("#")) {
        size_t close = py.find(')', i);
        if (close == std::string_view::npos) return refuse(py, i, "a comment (?#", "not closed");
        i = close;
        continue;
      }
      if (rest.starts_with("<")) {
        out += "(?P<";
        i += 2;
        continue;
      }
      // Inline flags: RE2 knows i, m, s and U; Python's x (verbose), a, L, u are refused.
      size_t j = 0;
      while (j < rest.size() && std::isalpha(static_cast<unsigned char>(rest[j]))) {
        char f = rest[j];
        if (f == 'x')
          return refuse(py, i, "the verbose flag (?x)",
                        "write the pattern without spaces and comments");
        if (f != 'i' && f != 'm' && f != 's' && f != 'a' && f != 'u' && f != 'P')
          return refuse(py, i, std::string("the flag (?") + f + ")", "RE2 does not know it");
        ++j;
      }
      if (j > 0 && rest[0] != 'P') {
        // Python's a (ASCII) and u (Unicode) change nothing on bytes: dropped.
        std::string flags;
        for (size_t k = 0; k < j; ++k)
          if (rest[k] != 'a' && rest[k] != 'u') flags += rest[k];
        out += "(?" + flags;
        i += 1 + j;
        if (flags.empty()) {
          // (?a) or (?a:...) alone: keep a valid group opening.
          if (i + 1 < py.size() && py[i + 1] == ':') {
            out += ':';
            ++i;
          } else if (i + 1 < py.size() && py[i + 1] == ')') {
            out.resize(out.size() - 2);
            ++i;
          }
        }
        continue;
      }
      out += c;
      continue;
    }
    if (c == '+' && i > 0 && is_quantifier_end(py[i - 1]) && !(i > 1 && py[i - 2] == '\\') &&
        !out.empty() && out.back() != '(') {
      return refuse(py, i - 1, "a possessive repetition",
                    "RE2 has none; write the repetition without '+'");
    }
    if (c == '{' && i + 1 < py.size() && py[i + 1] == ',') {
      size_t j = i + 2;
      while (j < py.size() && std::isdigit(static_cast<unsigned char>(py[j]))) ++j;
      if (j > i + 2 && j < py.size() && py[j] == '}') {
        out += "{0,";
        out.append(py.substr(i + 2, j - i - 2));
        out += '}';
        i = j;
        continue;
      }
    }
    out += c;
  }
  if (in_class) return refuse(py, class_start - 1, "a '[' class", "not closed with ']'");
  return out;
}

}  // namespace wardsoc
