#include "rules/import/fail2ban_datepattern.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "rules/import/python_regex.h"

namespace wardsoc {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// fail2ban's strptime directives, widened where its own forms need look-arounds. A
// datepattern only says what is cut out, so a slightly wider form changes no failregex.
const std::map<std::string, std::string>& directives() {
  static const std::map<std::string, std::string> m = {
      {"a", "[A-Za-z]{2,9}\\.?"},
      {"A", "[A-Za-z]{2,9}\\.?"},
      {"b", "[A-Za-z]{3,9}\\.?"},
      {"B", "[A-Za-z]{3,9}\\.?"},
      {"d", " ?\\d{1,2}"},
      {"Exd", "\\d{2}"},
      {"e", " ?\\d{1,2}"},
      {"m", "\\d{1,2}"},
      {"Exm", "\\d{2}"},
      {"Y", "\\d{4}"},
      {"ExY", "\\d{4}"},
      {"y", "\\d{2}"},
      {"Exy", "\\d{2}"},
      {"H", "\\d{1,2}"},
      {"ExH", "\\d{2}"},
      {"I", "\\d{1,2}"},
      {"k", " ?\\d{1,2}"},
      {"Exk", " ?\\d{1,2}"},
      {"l", " ?\\d{1,2}"},
      {"Exl", " ?\\d{1,2}"},
      {"M", "\\d{1,2}"},
      {"ExM", "\\d{2}"},
      {"S", "\\d{1,2}"},
      {"ExS", "\\d{2}"},
      {"f", "\\d+"},
      {"p", "[AaPp][Mm]"},
      {"j", "\\d{1,3}"},
      {"s", "\\d{1,11}"},
      {"w", "[0-6]"},
      {"U", "\\d{1,2}"},
      {"W", "\\d{1,2}"},
      {"Z", "(?:Z|[A-Z]{3,5})"},
      {"ExZ", "[A-Z]{3,5}"},
      {"z", "(?:Z|UTC|GMT|[+-]\\d{2}(?::?\\d{2})?)"},
      {"Exz", "(?:(?:[A-Z]{3,5})?[+-]\\d{2}(?::?\\d{2})?|[A-Z]{3,5})"},
  };
  return m;
}

// %X -> its regex, {DATE} -> the default templates. Error text: the directive unknown.
Result<std::string> expand(const std::string& p, const std::string& default_date) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      out += p.substr(i, 2);
      ++i;
      continue;
    }
    if (p.compare(i, 6, "{DATE}") == 0) {
      out += "(?:" + default_date + ")";
      i += 5;
      continue;
    }
    if (p[i] != '%') {
      out += p[i];
      continue;
    }
    if (i + 1 < p.size() && p[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    std::string d = p.compare(i + 1, 2, "Ex") == 0 ? p.substr(i + 1, 3) : p.substr(i + 1, 1);
    auto it = directives().find(d);
    if (it == directives().end())
      return Error(Errc::kInvalidArgument, "the directive %" + d + " is not known");
    out += "(?:" + it->second + ")";
    i += d.size();
  }
  return out;
}

// A backreference (?P=name) to a group whose body holds no group (a separator such as
// (?P<_sep>[-/.])) becomes that body again: any separator, each time. The group itself
// becomes a plain one.
std::string unname_backreferences(std::string p) {
  std::map<std::string, std::string> bodies;
  for (size_t at = p.find("(?P<"); at != std::string::npos; at = p.find("(?P<", at + 1)) {
    size_t gt = p.find('>', at);
    if (gt == std::string::npos) break;
    size_t close = p.find(')', gt);
    if (close == std::string::npos || p.find('(', gt) < close) continue;
    bodies[p.substr(at + 4, gt - at - 4)] = p.substr(gt + 1, close - gt - 1);
  }
  for (const auto& [name, body] : bodies) {
    std::string ref = "(?P=" + name + ")";
    for (size_t at = p.find(ref); at != std::string::npos; at = p.find(ref, at))
      p.replace(at, ref.size(), "(?:" + body + ")");
    std::string def = "(?P<" + name + ">";
    for (size_t at = p.find(def); at != std::string::npos; at = p.find(def, at))
      p.replace(at, def.size(), "(?:");
  }
  return p;
}

// Where the first unnamed capturing group opens, npos if none.
size_t first_capture(const std::string& p) {
  bool cls = false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (cls) {
      if (p[i] == ']') cls = false;
      continue;
    }
    if (p[i] == '[') {
      cls = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
    } else if (p[i] == '(' && (i + 1 >= p.size() || p[i + 1] != '?')) {
      return i;
    }
  }
  return std::string::npos;
}

}  // namespace

Fail2banDatePattern translate_fail2ban_datepattern(const std::string& datepattern,
                                                   const std::string& default_date) {
  Fail2banDatePattern out;
  size_t from = 0;
  while (from <= datepattern.size()) {
    size_t nl = datepattern.find('\n', from);
    std::string p =
        trim(std::string_view(datepattern).substr(from, nl == std::string::npos ? nl : nl - from));
    from = nl == std::string::npos ? datepattern.size() + 1 : nl + 1;
    if (p.empty() || p.starts_with("#")) continue;
    const std::string original = p;
    auto refuse = [&](const std::string& why) {
      out.not_allowed_for.push_back("datepattern '" + original + "': " + why);
    };
    // fail2ban's named templates (datedetector.py): the epoch in seconds, in milliseconds
    // (LEPOCH) and TAI64N, each at the start of the line or inside a leading '['; EPOCH
    // without {^LN-BEG} also after "audit(".
    {
      std::string key = p;
      for (auto& ch : key) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const bool line_begin = key.starts_with("{^LN-BEG}") || key.starts_with("^");
      const std::string name = key.substr(key.starts_with("{^LN-BEG}") ? 9 : line_begin ? 1 : 0);
      std::string named;
      if (name == "EPOCH") named = R"(\d{10,11}\b(?:\.\d{3,6})?)";
      if (name == "LEPOCH") named = R"(\d{10,11}(?:\d{3}(?:\.\d{1,6}|\d{3})?)?)";
      if (name == "TAI64N") named = "@[0-9a-f]{24}";
      if (!named.empty()) {
        if (name == "EPOCH" && !line_begin) out.after_audit = named;
        if (std::find(out.alternatives.begin(), out.alternatives.end(), named) ==
            out.alternatives.end()) {
          out.alternatives.push_back(named);
          if (!out.leading.empty()) out.leading += '|';
          out.leading += named;
        }
        continue;
      }
    }
    if (p.starts_with("{UNB}")) p.erase(0, 5);
    if (p.starts_with("{^LN-BEG}")) {
      // fail2ban: ^(?:\W{0,2})? before the date; those characters stay in the line and
      // the failregex matches them ("[" of "[date]" as \[\]).
      p.erase(0, 9);
    }
    if (p.empty()) p = "{DATE}";  // {^LN-BEG} alone: the default templates at the start
    if (p.starts_with("**")) p.erase(0, 2);
    if (p.ends_with("**")) p.resize(p.size() - 2);
    // Without ^ or {^LN-BEG} fail2ban looks for the timestamp anywhere in the line; the
    // import allows for it at the start and inside [] (where the failregex writes \[\]).
    if (p.starts_with("^")) p.erase(0, 1);
    std::string date = p;
    size_t open = first_capture(p);
    if (open != std::string::npos) {
      size_t close = python_regex_group_end(p, open);
      if (close == std::string::npos) {
        refuse("a group is not closed");
        continue;
      }
      date = p.substr(open + 1, close - open - 1);
      if (date.empty()) continue;  // fail2ban cuts nothing for this alternative
      if (open != 0) {
        const std::string before = p.substr(0, open);
        const std::string why = "fail2ban cuts the timestamp out after the text '" + before +
                                "', which its failregex still sees; imported patterns allow a "
                                "timestamp only at the start of the line or inside []";
        auto prefix = python_regex_to_re2(before);
        if (!prefix.ok() || !RE2::FullMatch("", RE2(*prefix, RE2::Latin1))) {
          refuse(why);
          continue;
        }
        // The text before may be empty: the import allows for the timestamp at the start,
        // where fail2ban cuts it from lines without that text.
        refuse(why + " (lines without that text are allowed for)");
      }
    }
    if (date.empty()) continue;  // fail2ban cuts nothing for this alternative
    auto expanded = expand(unname_backreferences(date), default_date);
    if (!expanded.ok()) {
      refuse(expanded.error().message);
      continue;
    }
    auto re2 = python_regex_to_re2(*expanded);
    if (!re2.ok()) {
      refuse(re2.error().message);
      continue;
    }
    // Two lines of a datepattern may come to the same regex ({^LN-BEG} and ^{DATE}): a
    // second copy would only make every imported pattern longer.
    if (std::find(out.alternatives.begin(), out.alternatives.end(), *re2) != out.alternatives.end())
      continue;
    out.alternatives.push_back(*re2);
    if (!out.leading.empty()) out.leading += '|';
    out.leading += *re2;
  }
  return out;
}

}  // namespace wardsoc
