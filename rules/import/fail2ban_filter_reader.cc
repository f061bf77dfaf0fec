#include "rules/import/fail2ban_filter_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string_view>

namespace wardsoc {

namespace {

namespace fs = std::filesystem;

struct ValueLine {
  std::string text;
  int line = 0;
};

// One option's value: its lines (a multi-line value has several) and the file it is from.
struct Value {
  std::vector<ValueLine> lines;
  std::string file;
};

using Section = std::map<std::string, Value>;

struct Ini {
  std::map<std::string, Section> sections;
  std::vector<std::string> files;
};

constexpr int kMaxDepth = 40;
constexpr std::string_view kSpace = " \t\r\n";

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

Error at(const std::string& file, int line, const std::string& what) {
  return Error(Errc::kInvalidArgument, file + ":" + std::to_string(line) + ": " + what);
}

// Python's configparser drops an inline comment that starts with ';' after whitespace
// (fail2ban asks for that prefix only).
std::string strip_inline_comment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ';' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
      return std::string(trim(s.substr(0, i)));
  }
  return std::string(s);
}

struct ParsedFile {
  std::vector<std::pair<std::string, Section>> sections;  // in file order
  std::vector<std::string> before, after;
  int before_line = 0, after_line = 0;
};

Result<ParsedFile> parse_ini(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(Errc::kNotFound, path + ": cannot open: " + std::strerror(errno));
  ParsedFile out;
  Section* cur = nullptr;
  Value* last = nullptr;
  std::string raw;
  int n = 0;
  while (std::getline(in, raw)) {
    ++n;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    if (t.empty()) continue;  // a blank line neither ends nor adds to a multi-line value
    if (t[0] == '#' || t[0] == ';') continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && last != nullptr) {
      last->lines.push_back({strip_inline_comment(t), n});
      continue;
    }
    if (t[0] == '[') {
      if (t.back() != ']')
        return at(path, n, "syntax error: a section header must end with ']': " + std::string(t));
      std::string name(trim(t.substr(1, t.size() - 2)));
      if (name.empty()) return at(path, n, "syntax error: empty section name");
      auto it = std::find_if(out.sections.begin(), out.sections.end(),
                             [&](const auto& s) { return s.first == name; });
      if (it == out.sections.end()) {
        out.sections.emplace_back(name, Section{});
        cur = &out.sections.back().second;
      } else {
        cur = &it->second;
      }
      last = nullptr;
      continue;
    }
    size_t eq = t.find_first_of("=:");
    if (eq == std::string_view::npos || eq == 0)
      return at(
          path, n,
          "syntax error: expected 'name = value', a [section] or a comment: " + std::string(t));
    if (cur == nullptr) return at(path, n, "syntax error: option before any [section]");
    std::string key(trim(t.substr(0, eq)));
    Value v;
    v.file = path;
    std::string first = strip_inline_comment(trim(t.substr(eq + 1)));
    if (!first.empty()) v.lines.push_back({first, n});
    (*cur)[key] = std::move(v);
    last = &(*cur)[key];
    if (last->lines.empty()) last->lines.push_back({"", n});  // keeps the line of `key =`
  }
  for (auto& [name, sec] : out.sections) {
    if (name != "INCLUDES") continue;
    for (const char* which : {"before", "after"}) {
      auto it = sec.find(which);
      if (it == sec.end()) continue;
      auto& list = std::string_view(which) == "before" ? out.before : out.after;
      (std::string_view(which) == "before" ? out.before_line : out.after_line) =
          it->second.lines.front().line;
      for (const auto& l : it->second.lines) {
        std::string_view s = l.text;
        while (!s.empty()) {
          size_t b = s.find_first_not_of(kSpace);
          if (b == std::string_view::npos) break;
          size_t e = s.find_first_of(kSpace, b);
          list.emplace_back(s.substr(b, e == std::string_view::npos ? e : e - b));
          s = e == std::string_view::npos ? std::string_view() : s.substr(e);
        }
      }
    }
  }
  return out;
}

void merge(Ini* into, std::vector<std::pair<std::string, Section>>&& sections) {
  for (auto& [name, sec] : sections) {
    if (name == "INCLUDES") continue;
    Section& dst = into->sections[name];
    for (auto& [key, v] : sec) {
      auto it = dst.find(key);
      // fail2ban keeps the value a later file overrides as known/<key>.
      if (it != dst.end()) dst["known/" + key] = it->second;
      dst[key] = std::move(v);
    }
  }
}

Status read_with_includes(const std::string& path, std::vector<std::string>* stack, Ini* ini);

Status read_include(const std::string& from, int line, const std::string& name,
                    std::vector<std::string>* stack, Ini* ini) {
  fs::path p = fs::path(from).parent_path() / name;
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    // Local overrides are optional by design: fail2ban reads them only where they exist.
    if (p.extension() == ".local") return Status();
    return at(from, line, "include '" + name + "' not found (looked for " + p.string() + ")");
  }
  return read_with_includes(p.lexically_normal().string(), stack, ini);
}

Status read_with_includes(const std::string& path, std::vector<std::string>* stack, Ini* ini) {
  std::error_code ec;
  std::string canon = fs::weakly_canonical(path, ec).string();
  if (canon.empty()) canon = path;
  for (const auto& s : *stack) {
    if (s == canon) {
      std::string chain;
      for (const auto& c : *stack) chain += c + " -> ";
      return Error(Errc::kInvalidArgument, "circular include: " + chain + canon);
    }
  }
  auto parsed = parse_ini(path);
  if (!parsed.ok()) return parsed.error();
  stack->push_back(canon);
  for (const auto& b : parsed->before) {
    Status s = read_include(path, parsed->before_line, b, stack, ini);
    if (!s.ok())
      return s.error().code == Errc::kInvalidArgument && s.error().message.starts_with("circular")
                 ? at(path, parsed->before_line, s.error().message)
                 : s;
  }
  ini->files.push_back(path);
  merge(ini, std::move(parsed->sections));
  for (const auto& a : parsed->after) {
    Status s = read_include(path, parsed->after_line, a, stack, ini);
    if (!s.ok())
      return s.error().code == Errc::kInvalidArgument && s.error().message.starts_with("circular")
                 ? at(path, parsed->after_line, s.error().message)
                 : s;
  }
  fs::path local = fs::path(path).replace_extension(".local");
  if (fs::path(path).extension() == ".conf" && fs::exists(local, ec)) {
    Status s = read_with_includes(local.string(), stack, ini);
    if (!s.ok()) return s;
  }
  stack->pop_back();
  return Status();
}

// Looks options up and substitutes them, as fail2ban's reader does: %(name)s (configparser:
// the section, then [DEFAULT]; `sec/name` names another section, `known/name` the value a
// later file replaced) and <name> (fail2ban's own: the jail's options, [Init],
// [Definition], [DEFAULT]); a <name> that is no option (<HOST>, <F-USER>) stays.
class Interpolator {
 public:
  Interpolator(const Ini& ini, const std::map<std::string, std::string>& overrides) : ini_(ini) {
    for (const auto& [k, v] : overrides) overrides_[k] = Value{{{v, 0}}, "command line"};
  }

  const Value* find(const std::string& section, const std::string& name,
                    std::string* found_in) const {
    size_t slash = name.find('/');
    if (slash != std::string::npos) {
      std::string sec = name.substr(0, slash), key = name.substr(slash + 1);
      if (sec == "known") {
        // A value no later file replaced: known/x is x as the includes define it.
        if (const Value* v = lookup(section, name, found_in)) return v;
        if (const Value* v = lookup("DEFAULT", name, found_in)) return v;
        return section == "DEFAULT" ? nullptr : lookup("DEFAULT", key, found_in);
      }
      if (sec == "default") return lookup("DEFAULT", key, found_in);
      if (const Value* v = lookup(sec, key, found_in)) return v;
      return lookup("DEFAULT", key, found_in);
    }
    if (auto it = overrides_.find(name); it != overrides_.end()) {
      *found_in = "Init";
      return &it->second;
    }
    for (const std::string& sec :
         {section, std::string("Init"), std::string("Definition"), std::string("DEFAULT")}) {
      if (const Value* v = lookup(sec, name, found_in)) return v;
    }
    return nullptr;
  }

  // The value's text with every reference substituted, lines joined by '\n'.
  Result<std::string> expand_value(const std::string& section, const Value& v, int depth) const {
    std::string joined;
    for (const auto& l : v.lines) {
      if (l.text.empty()) continue;
      auto t = expand_text(section, l.text, v.file, l.line, depth);
      if (!t.ok()) return t.error();
      if (!joined.empty()) joined += '\n';
      joined += *t;
    }
    return joined;
  }

  Result<std::string> expand_text(const std::string& section, std::string text,
                                  const std::string& file, int line, int depth) const {
    if (depth > kMaxDepth)
      return at(file, line, "options refer to each other without end (a circular reference?)");
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '%') {
        out += text[i];
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '(') {
        size_t close = text.find(")s", i + 2);
        if (close == std::string::npos) return at(file, line, "unterminated %(...)s in: " + text);
        std::string name = text.substr(i + 2, close - i - 2);
        std::string in;
        const Value* v = find(section, name, &in);
        if (v == nullptr)
          return at(file, line, "option '" + name + "' is not defined (in %(" + name + ")s)");
        auto sub = expand_value(in, *v, depth + 1);
        if (!sub.ok()) return sub.error();
        out += *sub;
        i = close + 1;
        continue;
      }
      out += '%';
    }
    return expand_tags(section, std::move(out), file, line, depth);
  }

  // Substitutes the innermost <name> references until none that names an option is left.
  Result<std::string> expand_tags(const std::string& section, std::string s,
                                  const std::string& file, int line, int depth) const {
    for (int round = 0; round < 64; ++round) {
      bool changed = false;
      std::string out;
      size_t i = 0;
      while (i < s.size()) {
        if (s[i] == '<') {
          size_t j = i + 1;
          while (j < s.size() && s[j] != '<' && s[j] != '>' && s[j] != ' ' && s[j] != '\n') ++j;
          if (j < s.size() && s[j] == '>' && j > i + 1) {
            std::string name = s.substr(i + 1, j - i - 1);
            std::string in;
            // fail2ban fills tags from the filter's options as a whole: a [Definition] value
            // replaces the [DEFAULT] one even where a [DEFAULT] value holds the tag.
            if (const Value* v = find(section == "DEFAULT" ? "Definition" : section, name, &in)) {
              auto sub = expand_value(in, *v, depth + 1);
              if (!sub.ok()) return sub.error();
              out += *sub;
              i = j + 1;
              changed = true;
              continue;
            }
          }
        }
        out += s[i++];
      }
      s = std::move(out);
      if (!changed) return s;
      if (++depth > kMaxDepth)
        return at(file, line, "options refer to each other without end (a circular reference?)");
    }
    return s;
  }

  // The regexes of a list option, one per line, each with the line it was written at: a
  // line that is only a reference to another (multi-line) option takes that option's lines.
  Status expand_list(const std::string& section, const Value& v, int depth,
                     std::vector<Fail2banRegex>* out) const {
    if (depth > kMaxDepth)
      return at(v.file, v.lines.empty() ? 0 : v.lines.front().line,
                "options refer to each other without end (a circular reference?)");
    for (const auto& l : v.lines) {
      std::string t(trim(l.text));
      if (t.empty()) continue;
      if (auto ref = whole_reference(section, t, v.file, l.line, depth)) {
        std::string in;
        if (const Value* inner = find(section, *ref, &in)) {
          Status s = expand_list(in, *inner, depth + 1, out);
          if (!s.ok()) return s;
          continue;
        }
      }
      auto e = expand_text(section, t, v.file, l.line, depth);
      if (!e.ok()) return e.error();
      std::string_view rest = *e;
      while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view piece = trim(rest.substr(0, nl));
        if (!piece.empty()) out->push_back({std::string(piece), v.file, l.line});
        if (nl == std::string_view::npos) break;
        rest = rest.substr(nl + 1);
      }
    }
    return Status();
  }

 private:
  const Value* lookup(const std::string& section, const std::string& key,
                      std::string* found_in) const {
    auto s = ini_.sections.find(section);
    if (s == ini_.sections.end()) return nullptr;
    auto k = s->second.find(key);
    if (k == s->second.end()) return nullptr;
    *found_in = section;
    return &k->second;
  }

  // "%(name)s" or "<name>" (whose name may itself hold <tags>, like <mdre-<mode>>) standing
  // alone on a line: the name, else nothing.
  std::optional<std::string> whole_reference(const std::string& section, const std::string& t,
                                             const std::string& file, int line, int depth) const {
    if (t.size() > 4 && t.starts_with("%(") && t.ends_with(")s") &&
        t.find("%(", 2) == std::string::npos && t.find(')') == t.size() - 2)
      return t.substr(2, t.size() - 4);
    if (t.size() > 2 && t.front() == '<' && t.back() == '>') {
      auto inner = expand_tags(section, t.substr(1, t.size() - 2), file, line, depth + 1);
      if (inner.ok() && inner->find_first_of("<> \n") == std::string::npos) return *inner;
    }
    return std::nullopt;
  }

  const Ini& ini_;
  std::map<std::string, Value> overrides_;
};

Result<Ini> read_ini(const std::string& path) {
  Ini ini;
  std::vector<std::string> stack;
  Status s = read_with_includes(path, &stack, &ini);
  if (!s.ok()) return s.error();
  return ini;
}

}  // namespace

bool is_fail2ban_include_only(const std::string& path) {
  auto parsed = parse_ini(path);
  if (!parsed.ok()) return false;
  for (const auto& [name, sec] : parsed->sections) {
    if (name == "Definition" && sec.count("failregex") != 0) return false;
  }
  return true;
}

Result<Fail2banFilter> read_fail2ban_filter(const std::string& path,
                                            const std::map<std::string, std::string>& overrides) {
  auto ini = read_ini(path);
  if (!ini.ok()) return ini.error();
  Fail2banFilter f;
  f.path = path;
  f.name = fs::path(path).stem().string();
  f.files = ini->files;
  Interpolator ip(*ini, overrides);
  std::string in;
  const Value* fr = ip.find("Definition", "failregex", &in);
  if (fr == nullptr || ini->sections.count("Definition") == 0)
    return Error(Errc::kInvalidArgument,
                 path + ": no failregex in [Definition]: not a filter (an include-only file?)");
  Status s = ip.expand_list(in, *fr, 0, &f.failregex);
  if (!s.ok()) return s.error();
  if (const Value* ig = ip.find("Definition", "ignoreregex", &in)) {
    s = ip.expand_list(in, *ig, 0, &f.ignoreregex);
    if (!s.ok()) return s.error();
  }
  auto single = [&](const std::string& key, Fail2banRegex* out) -> Status {
    const Value* v = ip.find("Definition", key, &in);
    if (v == nullptr) return Status();
    auto t = ip.expand_value(in, *v, 0);
    if (!t.ok()) return t.error();
    out->text = std::string(trim(*t));
    out->file = v->file;
    out->line = v->lines.empty() ? 0 : v->lines.front().line;
    return Status();
  };
  Fail2banRegex tmp;
  if (!(s = single("prefregex", &f.prefregex)).ok()) return s.error();
  if (!(s = single("datepattern", &tmp)).ok()) return s.error();
  f.datepattern = tmp.text;
  tmp = {};
  if (!(s = single("journalmatch", &tmp)).ok()) return s.error();
  f.journalmatch = tmp.text;
  tmp = {};
  if (!(s = single("maxlines", &tmp)).ok()) return s.error();
  if (!tmp.text.empty()) {
    try {
      f.maxlines = std::stoi(tmp.text);
    } catch (const std::exception&) {
      return at(tmp.file, tmp.line, "maxlines: '" + tmp.text + "' is not a number");
    }
  }
  // The options a jail may set, as they stand after the jail's overrides.
  if (auto it = ini->sections.find("Init"); it != ini->sections.end()) {
    for (const auto& [k, v] : it->second) {
      if (k.starts_with("known/")) continue;
      auto t = ip.expand_value("Init", v, 0);
      if (t.ok()) f.options[k] = *t;
    }
  }
  for (const char* k : {"mode", "logtype"}) {
    if (f.options.count(k) != 0) continue;
    tmp = {};
    if (single(k, &tmp).ok() && !tmp.text.empty()) f.options[k] = tmp.text;
  }
  for (const auto& [k, v] : overrides) f.options[k] = v;
  return f;
}

}  // namespace wardsoc
