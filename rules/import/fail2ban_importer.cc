#include "rules/import/fail2ban_importer.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/text.h"
#include "rules/import/fail2ban_datepattern.h"
#include "rules/import/field_alternatives.h"
#include "rules/import/python_regex.h"
#include "rules/import/python_regex_backreference.h"
#include "rules/import/python_regex_conditional.h"

namespace wardsoc {

namespace {

namespace fs = std::filesystem;

// fail2ban's address shapes, in RE2 syntax. Its IPv6 form ends with (?<=:): after a
// repetition that always ends with ':', where the look-behind always holds: a plain ':'.
constexpr const char* kIp4 = R"((?:\d{1,3}\.){3}\d{1,3})";
constexpr const char* kIp6 = R"((?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|:))";
constexpr const char* kDns = R"([\w\-.^_]*\w)";

// Timestamps fail2ban's date detector would cut out of a line before its regexes see it,
// for lines whose message still holds them (files that are not syslog): an anchored
// pattern may start after one of them.
constexpr const char* kDefaultDate =
    R"((?:(?:[A-Z]{3,4} +)?(?:[A-Z][a-z]{2},? +)?[A-Z][a-z]{2} +\d{1,2}(?:,? +\d{4})? +\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?: +\d{4})?)"
    R"(|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?)"
    R"(|\d{1,2}[-/][A-Z][a-z]{2}[-/]\d{4}[ :]?\d{2}:\d{2}:\d{2}(?:\.\d+)?(?: [+-]\d{4})?)"
    R"(|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}[ T]+\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)"
    R"(|\d{6} {1,2}\d{1,2}:\d{2}:\d{2}|@?\d{10}(?:\.\d+)?))";

struct TagContext {
  std::map<std::string, int> names;  // group name -> uses, for unique names
  std::vector<std::string> open;     // F- tags open, innermost last
  bool nofail = false;
};

std::string unique_name(TagContext* ctx, const std::string& base) {
  int n = ++ctx->names[base];
  return n == 1 ? base : base + "_" + std::to_string(n);
}

std::string field_for(std::string tag) {
  for (auto& c : tag) c = c == '-' ? '_' : ascii_lower(c);
  if (tag == "id") return "fid";
  if (tag == "host" || tag == "ip4" || tag == "ip6" || tag == "dns" || tag == "addr")
    return "src_ip";
  return tag;
}

std::string address(TagContext* ctx, bool dns, bool ip_only4, bool ip_only6) {
  std::string name = unique_name(ctx, "src_ip");
  if (ip_only4) return "(?P<" + name + ">" + kIp4 + ")";
  if (ip_only6) return "(?P<" + name + ">" + kIp6 + ")";
  std::string alts = std::string(kIp4) + "|" + kIp6 + (dns ? std::string("|") + kDns : "");
  return R"(\[?(?:::f{4,6}:)?(?P<)" + name + ">" + alts + R"()\]?)";
}

bool is_quantifier_char(const std::string& re, size_t i) {
  return i < re.size() && std::strchr("*+?{", re[i]) != nullptr;
}

// fail2ban's tags -> named groups (Python syntax still).
Result<std::string> substitute_tags(std::string_view re, TagContext* ctx) {
  std::string out;
  for (size_t i = 0; i < re.size(); ++i) {
    if (re[i] == '\\' && i + 1 < re.size()) {
      out += re[i];
      out += re[++i];
      continue;
    }
    if (re[i] != '<') {
      out += re[i];
      continue;
    }
    size_t j = i + 1;
    bool closing = j < re.size() && re[j] == '/';
    if (closing) ++j;
    size_t name_start = j;
    while (j < re.size() &&
           (std::isalnum(static_cast<unsigned char>(re[j])) || re[j] == '_' || re[j] == '-'))
      ++j;
    bool self_closed = j < re.size() && re[j] == '/';
    if (self_closed) ++j;
    if (j >= re.size() || re[j] != '>' || j == name_start) {
      out += re[i];
      continue;
    }
    std::string tag(re.substr(name_start, (self_closed ? j - 1 : j) - name_start));
    size_t end = j;
    if (!closing) {
      if (tag == "HOST") {
        out += address(ctx, true, false, false);
        i = end;
        continue;
      }
      if (tag == "ADDR") {
        out += address(ctx, false, false, false);
        i = end;
        continue;
      }
      if (tag == "IP4") {
        out += address(ctx, false, true, false);
        i = end;
        continue;
      }
      if (tag == "IP6") {
        out += address(ctx, false, false, true);
        i = end;
        continue;
      }
      if (tag == "DNS") {
        out += "(?P<" + unique_name(ctx, "src_ip") + ">" + kDns + ")";
        i = end;
        continue;
      }
      if (tag == "CIDR") {
        out += "(?P<" + unique_name(ctx, "cidr") + R"(>\d+))";
        i = end;
        continue;
      }
      if (tag == "SUBNET") {
        out += R"(\[?(?:::f{4,6}:)?(?P<)" + unique_name(ctx, "src_ip") + ">" + kIp4 + "|" + kIp6 +
               R"()(?:/(?P<)" + unique_name(ctx, "cidr") + R"(>\d+))?\]?)";
        i = end;
        continue;
      }
      if (tag == "SKIPLINES")
        return Error(
            Errc::kInvalidArgument,
            "<SKIPLINES> joins several lines into one failure; wardsoc rules match one line "
            "(write a `sequence` rule for the lines instead)");
    }
    if (!tag.starts_with("F-")) {
      out.append(re.substr(i, end - i + 1));  // not a tag: literal text such as <sip:...>
      i = end;
      continue;
    }
    std::string fname = tag.substr(2);
    if (self_closed) {
      if (fname == "ID")
        out += "(?P<" + unique_name(ctx, "fid") + R"(>\S+))";
      else if (fname == "PORT")
        out += "(?P<" + unique_name(ctx, "port") + R"(>\w+))";
      else if (fname == "IP4")
        out += address(ctx, false, true, false);
      else if (fname == "IP6")
        out += address(ctx, false, false, true);
      else if (fname == "ADDR")
        out += address(ctx, false, false, false);
      else if (fname == "DNS")
        out += "(?P<" + unique_name(ctx, "src_ip") + ">" + kDns + ")";
      else
        out.append(re.substr(i, end - i + 1));
      i = end;
      continue;
    }
    if (closing) {
      auto it = std::find(ctx->open.rbegin(), ctx->open.rend(), fname);
      if (it == ctx->open.rend()) {
        out.append(re.substr(i, end - i + 1));  // fail2ban leaves a tag never opened as text
      } else {
        ctx->open.erase(std::next(it).base());
        out += ')';
      }
      i = end;
      continue;
    }
    ctx->open.push_back(fname);
    if (fname == "NOFAIL") {
      ctx->nofail = true;
      out += "(?:";
    } else if (fname == "MLFID" || fname == "MLFFORGET" || fname == "MLFGAINED" ||
               fname == "CONTENT") {
      out += "(?:";  // multi-line bookkeeping: no field of a single-line match
    } else {
      out += "(?P<" + unique_name(ctx, field_for(fname)) + ">";
    }
    i = end;
  }
  return out;
}

// `(?:<F-NOFAIL>LIT</F-NOFAIL>|\S+)c`, with LIT a word of the run's characters and c a
// character outside them: the run is LIT exactly when the no-failure branch matches (both
// branches then go on with the same text), so the line is a failure exactly when the run is
// not LIT: `(?:(?!LITc)\S+)c`. sshd's `Failed (?:<F-NOFAIL>publickey</F-NOFAIL>|\S+) for`.
std::string nofail_branch_as_lookahead(std::string re) {
  const std::string open = "(?:<F-NOFAIL>", close = "</F-NOFAIL>|";
  for (size_t at = re.find(open); at != std::string::npos; at = re.find(open, at + 1)) {
    size_t lit_end = re.find(close, at);
    size_t group_end = python_regex_group_end(re, at);
    if (lit_end == std::string::npos || group_end == std::string::npos || lit_end > group_end)
      continue;
    const std::string lit = re.substr(at + open.size(), lit_end - at - open.size());
    const std::string run = re.substr(lit_end + close.size(), group_end - lit_end - close.size());
    if (lit.empty() || (run != "\\S+" && run != "\\w+") || group_end + 1 >= re.size()) continue;
    auto in_run = [&](char c) {
      unsigned char u = static_cast<unsigned char>(c);
      return run == "\\S+" ? !std::isspace(u) : (std::isalnum(u) || c == '_');
    };
    bool plain = true;
    for (char c : lit) plain = plain && in_run(c) && std::strchr(".^$*+?{}[]()|\\<>", c) == nullptr;
    size_t c_at = group_end + 1;
    if (re[c_at] == '\\' && c_at + 1 < re.size() &&
        !std::isalnum(static_cast<unsigned char>(re[c_at + 1])))
      ++c_at;
    else if (std::strchr(".^$*+?{}[]()|\\<", re[c_at]) != nullptr)
      continue;
    const char next = re[c_at];
    if (!plain || in_run(next) || is_quantifier_char(re, c_at + 1)) continue;
    const std::string replacement =
        "(?:(?!" + lit +
        (std::isalnum(static_cast<unsigned char>(next)) || next == ' ' ? std::string(1, next)
                                                                       : std::string("\\") + next) +
        ")" + run + ")";
    re.replace(at, group_end + 1 - at, replacement);
  }
  return re;
}

// Splits at '|' outside groups and brackets.
std::vector<std::string> top_level_alternatives(const std::string& re) {
  std::vector<std::string> alts(1);
  int depth = 0;
  bool cls = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      alts.back() += c;
      alts.back() += re[++i];
      continue;
    }
    if (cls) {
      if (c == ']') cls = false;
    } else if (c == '[') {
      cls = true;
      if (i + 1 < re.size() && re[i + 1] == ']') {
        alts.back() += c;
        c = re[++i];
      } else if (i + 2 < re.size() && re[i + 1] == '^' && re[i + 2] == ']') {
        alts.back() += "[^";
        i += 2;
        c = ']';
      }
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      alts.emplace_back();
      continue;
    }
    alts.back() += c;
  }
  return alts;
}

// A \n outside a [] class: the regex matches lines fail2ban joined (maxlines).
bool spans_lines(const std::string& re) {
  bool cls = false;
  for (size_t i = 0; i < re.size(); ++i) {
    if (re[i] == '\\' && i + 1 < re.size()) {
      if (!cls && re[i + 1] == 'n') return true;
      ++i;
    } else if (cls) {
      if (re[i] == ']') cls = false;
    } else if (re[i] == '[') {
      cls = true;
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
    }
  }
  return false;
}

bool ends_with_anchor(const std::string& s) {
  if (s.empty() || s.back() != '$') return false;
  size_t bs = 0;
  for (size_t i = s.size() - 1; i > 0 && s[i - 1] == '\\'; --i) ++bs;
  return bs % 2 == 0;
}

// The failregex as fail2ban applies it to the prefregex's F-CONTENT: searched there, so
// its ^ and $ are the content's start and end.
std::string within_content(const std::string& fr) {
  std::string out;
  for (std::string alt : top_level_alternatives(fr)) {
    if (!out.empty()) out += '|';
    bool start = alt.starts_with("^");
    if (start) alt.erase(0, 1);
    bool stop = ends_with_anchor(alt);
    if (stop) alt.pop_back();
    out += (start ? "" : ".*?") + std::string("(?:") + alt + ")" + (stop ? "" : ".*");
  }
  return "(?:" + out + ")";
}

std::string yaml_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string sanitize_id(std::string s) {
  for (auto& c : s) {
    c = ascii_lower(c);
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  }
  return s;
}

std::string duration(int64_t s) {
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

struct TestLine {
  std::string line;
  bool match = false;
  std::vector<std::pair<std::string, std::string>> fields;
};

// The annotated lines of a fail2ban test log that apply to these filter options: lines after
// `# filterOptions:` sets that include them (none given = the filter's defaults).
std::vector<TestLine> annotated_lines(const std::string& log,
                                      const std::map<std::string, std::string>& opts) {
  std::vector<TestLine> out;
  std::ifstream in(log);
  if (!in) return out;
  bool applies = opts.empty();
  bool pending = false;
  nlohmann::json ann;
  std::string raw;
  while (std::getline(in, raw)) {
    if (raw.starts_with("# filterOptions:")) {
      applies = false;
      try {
        auto j = nlohmann::json::parse(raw.substr(16));
        if (j.is_object()) j = nlohmann::json::array({j});
        for (const auto& o : j) {
          std::map<std::string, std::string> m;
          for (auto it = o.begin(); it != o.end(); ++it)
            if (!it.key().starts_with("test.") && it.value().is_string()) m[it.key()] = it.value();
          if (m == opts) applies = true;
        }
      } catch (const std::exception&) {
      }
      continue;
    }
    if (raw.starts_with("# failJSON:")) {
      try {
        ann = nlohmann::json::parse(raw.substr(11));
        pending = ann.is_object() && !ann.contains("constraint");
      } catch (const std::exception&) {
        pending = false;
      }
      continue;
    }
    if (raw.starts_with("#")) continue;
    if (pending && applies && !raw.empty()) {
      TestLine t;
      t.line = raw;
      t.match = ann.value("match", false);
      if (t.match && ann.contains("host") && ann["host"].is_string())
        t.fields.emplace_back("src_ip", ann["host"].get<std::string>());
      if (t.match && ann.contains("user") && ann["user"].is_string())
        t.fields.emplace_back("user", ann["user"].get<std::string>());
      out.push_back(std::move(t));
    }
    pending = false;
  }
  return out;
}

// The 1-based line the next text written to `y` starts on.
int line_of(const std::ostringstream& y) {
  const std::string s = y.str();
  return 1 + static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

Result<std::string> variant_to_re2(const std::string& py, const std::string& date);

}  // namespace

std::string_view import_note_level_name(ImportNote::Level l) {
  switch (l) {
    case ImportNote::Level::kRefused:
      return "refused";
    case ImportNote::Level::kWarning:
      return "warning";
    case ImportNote::Level::kNote:
      return "note";
  }
  return "note";
}

std::string fail2ban_default_date() { return kDefaultDate; }

Result<std::string> translate_fail2ban_regex(const std::string& prefregex, const std::string& regex,
                                             bool* nofail, const std::string& date) {
  EqualFields equal;
  auto all = translate_fail2ban_regex_variants(prefregex, regex, nofail, date, &equal);
  if (!all.ok()) return all.error();
  if (!equal.empty())
    return Error(Errc::kInvalidArgument,
                 "the regex has backreferences: it needs a `where` beside its patterns");
  if (all->size() != 1)
    return Error(Errc::kInvalidArgument, "the regex has conditionals: it becomes " +
                                             std::to_string(all->size()) + " patterns");
  return all->front();
}

Result<std::vector<std::string>> translate_fail2ban_regex_variants(const std::string& prefregex,
                                                                   const std::string& regex,
                                                                   bool* nofail,
                                                                   const std::string& date,
                                                                   EqualFields* equal_fields) {
  TagContext ctx;
  auto fr = substitute_tags(nofail_branch_as_lookahead(regex), &ctx);
  if (!fr.ok()) return fr.error();
  std::string py = *fr;
  if (!prefregex.empty()) {
    size_t open = prefregex.find("<F-CONTENT>");
    size_t close = prefregex.find("</F-CONTENT>");
    if (open == std::string::npos || close == std::string::npos || close < open)
      return Error(
          Errc::kInvalidArgument,
          "prefregex has no <F-CONTENT>...</F-CONTENT> for the failregex to be applied to");
    auto pre = substitute_tags(prefregex.substr(0, open), &ctx);
    if (!pre.ok()) return pre.error();
    auto post = substitute_tags(prefregex.substr(close + 12), &ctx);
    if (!post.ok()) return post.error();
    py = *pre + within_content(py) + *post;
  }
  *nofail = ctx.nofail;
  if (spans_lines(py))
    return Error(Errc::kInvalidArgument,
                 "the regex spans several lines (\\n): fail2ban joins up to maxlines lines "
                 "before matching; wardsoc rules match one line (write a `sequence` rule for "
                 "the lines instead)");
  auto variants = expand_python_conditionals(py);
  if (!variants.ok()) return variants.error();
  std::vector<std::string> out;
  for (const auto& v : *variants) {
    auto refs = expand_python_backreferences(v);
    if (!refs.ok()) return refs.error();
    for (const auto& p : refs->patterns) {
      auto re2 = variant_to_re2(p, date);
      if (!re2.ok()) return re2.error();
      out.push_back(*re2);
    }
    if (equal_fields != nullptr)
      for (const auto& e : refs->equal_fields)
        if (std::find(equal_fields->begin(), equal_fields->end(), e) == equal_fields->end())
          equal_fields->push_back(e);
  }
  return out;
}

namespace {

// `after` (RE2 text, outside classes) followed by the optional timestamp `date`: where a
// date template cuts the timestamp out right after that text.
std::string allow_date_after(const std::string& re, const std::string& after,
                             const std::string& date) {
  std::string out;
  bool cls = false;
  for (size_t i = 0; i < re.size(); ++i) {
    if (!cls && re.compare(i, after.size(), after) == 0) {
      out += after + "(?:" + date + ")?";
      i += after.size() - 1;
      continue;
    }
    if (re[i] == '\\' && i + 1 < re.size()) {
      out.append(re, i, 2);
      ++i;
      continue;
    }
    if (cls) {
      if (re[i] == ']') cls = false;
    } else if (re[i] == '[') {
      cls = true;
      if (i + 1 < re.size() && re[i + 1] == '^') out += re[i++];
      if (i + 1 < re.size() && re[i + 1] == ']') out += re[i++];
    }
    out += re[i];
  }
  return out;
}

// One pattern without conditionals: Python syntax translated, the timestamp allowed for.
Result<std::string> variant_to_re2(const std::string& py, const std::string& date) {
  auto re2 = python_regex_to_re2(py);
  if (!re2.ok()) return re2.error();
  std::string out = *re2;
  // fail2ban cuts the timestamp out and leaves what was around it: "[date] x" becomes
  // "[] x", which its patterns write as \[\]. Where the timestamp stays in the text (a
  // file line), it may stand there, or at the start of an anchored pattern.
  if (!date.empty()) {
    const std::string optional_date = "(?:" + date + ")?";
    // Only a \[\] outside a class: [^\[\]"] is a class of brackets, not an emptied timestamp.
    std::string dated;
    bool cls = false;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\\' && i + 1 < out.size()) {
        if (!cls && out.compare(i, 4, "\\[\\]") == 0) {
          dated += "\\[" + optional_date + "\\]";
          i += 3;
          continue;
        }
        dated.append(out, i, 2);
        ++i;
        continue;
      }
      if (cls) {
        if (out[i] == ']') cls = false;
      } else if (out[i] == '[') {
        cls = true;
        if (i + 1 < out.size() && out[i + 1] == '^') dated += out[i++];
        if (i + 1 < out.size() && out[i + 1] == ']') dated += out[i++];
      }
      dated += out[i];
    }
    out = dated;
    // Each top-level alternative anchored at the start may start after the timestamp,
    // unless it starts with the emptied brackets: fail2ban cuts one timestamp, and there
    // it was inside them.
    const std::string bracketed = "^\\[" + optional_date + "\\]";
    std::string anchored;
    for (const auto& alt : top_level_alternatives(out)) {
      if (!anchored.empty()) anchored += '|';
      const bool lead = alt.starts_with("^") && !alt.starts_with(bracketed);
      anchored += lead ? "^" + optional_date + alt.substr(1) : alt;
    }
    out = anchored;
  }
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  RE2 check(out, o);
  if (!check.ok())
    return Error(Errc::kInvalidArgument, "RE2 does not take the translation: " + check.error());
  return out;
}

}  // namespace

Result<Fail2banImport> import_fail2ban_filter(const std::string& path,
                                              const Fail2banImportOptions& options) {
  auto filter = read_fail2ban_filter(path, options.filter_options);
  if (!filter.ok()) return filter.error();
  const Fail2banFilter& f = *filter;
  Fail2banImport imp;
  imp.filter_path = path;
  imp.filter_name = f.name;
  std::string suffix;
  for (const auto& [k, v] : options.filter_options) suffix += "." + sanitize_id(v.empty() ? k : v);
  imp.rule_id = "f2b." + sanitize_id(f.name) + suffix;
  imp.file_name = f.name + suffix + ".yaml";
  auto note = [&](ImportNote::Level l, const std::string& file, int line, const std::string& m) {
    imp.notes.push_back({l, file, line, m});
  };

  struct Out {
    std::string pattern;
    std::string from;
  };
  std::vector<Out> patterns, exclusions;
  std::set<std::string> captured;
  std::vector<std::set<std::string>> per_pattern;
  EqualFields equal_fields;  // backreferences: a second capture that must equal the first
  std::string date = kDefaultDate;
  std::string after_audit;  // Fail2banDatePattern::after_audit
  if (!f.datepattern.empty()) {
    auto dp = translate_fail2ban_datepattern(f.datepattern, kDefaultDate);
    // fail2ban's default shapes stay allowed too: wardsoc's header parser may have taken
    // the datepattern's text around the timestamp (a leading <W>) as part of the header.
    // A line that is {DATE} alone ({^LN-BEG}) is the default shapes: written once.
    date.clear();
    const std::string default_alone = "(?:" + std::string(kDefaultDate) + ")";
    bool any = false;
    for (const auto& alt : dp.alternatives) {
      any = true;
      if (alt == default_alone || alt == kDefaultDate) continue;
      date += alt + "|";
    }
    date = any ? date + kDefaultDate : std::string();
    for (const auto& why : dp.not_allowed_for) note(ImportNote::Level::kWarning, path, 0, why);
    after_audit = dp.after_audit;
  }
  for (const auto& r : f.failregex) {
    ++imp.regexes;
    bool nofail = false;
    auto t =
        translate_fail2ban_regex_variants(f.prefregex.text, r.text, &nofail, date, &equal_fields);
    std::string where = r.file + ":" + std::to_string(r.line);
    if (!t.ok()) {
      ++imp.refused;
      note(ImportNote::Level::kRefused, r.file, r.line,
           "failregex: " + t.error().message + ": " + r.text);
      continue;
    }
    if (nofail) {
      ++imp.refused;
      note(ImportNote::Level::kRefused, r.file, r.line,
           "failregex marks lines that are no failure (<F-NOFAIL>): fail2ban uses them to collect "
           "fields of a failure told over several lines, which a one-line rule cannot do: " +
               r.text);
      continue;
    }
    ++imp.imported;
    // Alternatives that each hold an address become patterns of their own, so that every
    // one of them fills src_ip (RE2 cannot give two groups one name).
    // A regex with conditionals is several patterns, each again split.
    std::vector<std::string> pieces;
    for (const auto& v : *t)
      for (auto& piece : split_field_alternatives(v))
        pieces.push_back(after_audit.empty() ? std::move(piece)
                                             : allow_date_after(piece, "audit\\(", after_audit));
    for (size_t k = 0; k < pieces.size(); ++k) {
      std::set<std::string> names;
      RE2 re(pieces[k], RE2::Latin1);
      for (const auto& [name, idx] : re.NamedCapturingGroups()) names.insert(name);
      captured.insert(names.begin(), names.end());
      per_pattern.push_back(names);
      patterns.push_back(
          {pieces[k], "failregex " + where +
                          (f.prefregex.text.empty() ? ""
                                                    : " (prefregex " + f.prefregex.file + ":" +
                                                          std::to_string(f.prefregex.line) + ")") +
                          (pieces.size() > 1 ? ", alternative " + std::to_string(k + 1) + " of " +
                                                   std::to_string(pieces.size())
                                             : "")});
    }
  }
  // A `where` may name only fields every pattern captures: a pattern without the second
  // capture of a backreference captures the group's own text again (or both empty when it
  // has neither), so the condition holds there.
  for (size_t k = 0; k < patterns.size(); ++k) {
    for (const auto& [second, first] : equal_fields) {
      std::set<std::string>& names = per_pattern[k];
      if (names.count(second) != 0) continue;
      std::string& re = patterns[k].pattern;
      const std::string opener = "(?P<" + first + ">";
      size_t open = names.count(first) != 0 ? re.find(opener) : std::string::npos;
      size_t close = open == std::string::npos ? open : python_regex_group_end(re, open);
      if (close != std::string::npos) {
        re.insert(close, ")");
        re.insert(open + opener.size(), "(?P<" + second + ">");
      } else {
        re = "(?P<" + first + ">)(?P<" + second + ">)" + re;
        names.insert(first);
      }
      names.insert(second);
      captured.insert(first);
      captured.insert(second);
    }
  }
  for (const auto& r : f.ignoreregex) {
    ++imp.regexes;
    bool nofail = false;
    auto t = translate_fail2ban_regex("", r.text, &nofail, date);
    if (!t.ok()) {
      ++imp.refused;
      note(ImportNote::Level::kRefused, r.file, r.line,
           "ignoreregex: " + t.error().message + ": " + r.text);
      continue;
    }
    ++imp.imported;
    exclusions.push_back({after_audit.empty() ? *t : allow_date_after(*t, "audit\\(", after_audit),
                          "ignoreregex " + r.file + ":" + std::to_string(r.line)});
  }
  std::string fp = f.prefregex.file.empty() ? path : f.prefregex.file;
  if (!f.journalmatch.empty())
    note(ImportNote::Level::kNote, path, 0,
         "journalmatch '" + f.journalmatch +
             "' is not applicable: wardsoc reads syslog, files, HTTP and Kafka, not the systemd "
             "journal; "
             "forward the journal to syslog");
  if (f.maxlines > 1)
    note(ImportNote::Level::kWarning, path, 0,
         "maxlines " + std::to_string(f.maxlines) +
             ": fail2ban joins up to that many lines before matching; imported rules match each "
             "line "
             "alone, so failures told over several lines are not found");

  // The rule language asks every pattern to capture a group_by field.
  auto all_capture = [&](const std::string& g) {
    for (const auto& names : per_pattern)
      if (names.count(g) == 0) return false;
    return !per_pattern.empty();
  };
  std::vector<std::string> group_by;
  for (const auto& g : options.group_by)
    if (all_capture(g)) group_by.push_back(g);
  if (group_by.empty() && all_capture("fid")) group_by.emplace_back("fid");
  if (group_by.empty() && !patterns.empty())
    note(ImportNote::Level::kWarning, path, 0,
         "not every pattern captures the address: failures are counted per host of the line");

  std::ostringstream y;
  y << "# Imported from the fail2ban filter " << f.name << " (" << path << ") by\n"
    << "# `wardsoc rules import fail2ban`. Re-running the import rewrites this file: keep local\n"
    << "# changes in a rule file of your own (see docs/importing.md).\n";
  y << "# Files read:";
  for (const auto& file : f.files) y << " " << file;
  y << "\n";
  if (!f.options.empty()) {
    y << "# Filter options:";
    for (const auto& [k, v] : f.options) y << " " << k << "=" << one_line(v);
    y << "\n";
  }
  if (!f.datepattern.empty())
    y << "# datepattern " << one_line(f.datepattern)
      << ": wardsoc takes the time from the line's header; patterns allow a leading timestamp.\n";
  for (const auto& n : imp.notes) {
    if (n.level == ImportNote::Level::kRefused) continue;
    y << "# " << import_note_level_name(n.level) << ": " << one_line(n.message) << "\n";
  }
  for (const auto& n : imp.notes) {
    if (n.level != ImportNote::Level::kRefused) continue;
    y << "# NOT IMPORTED " << n.file << ":" << n.line << ": " << one_line(n.message) << "\n";
  }
  if (patterns.empty()) {
    y << "rules: []\n";
    imp.yaml = y.str();
    return imp;
  }
  y << "rules:\n";
  y << "  - id: " << imp.rule_id << "\n";
  y << "    title: "
    << yaml_quote("fail2ban " + f.name + ": " + std::to_string(options.maxretry) +
                  " failures within " + duration(options.findtime_seconds))
    << "\n";
  y << "    description: " << yaml_quote("Imported from the fail2ban filter " + f.name + ".")
    << "\n";
  y << "    severity: medium\n";
  y << "    tags: [fail2ban, fail2ban." << sanitize_id(f.name) << "]\n";
  y << "    match:\n      regex:\n";
  for (const auto& p : patterns)
    y << "        # " << p.from << "\n        - " << yaml_quote(p.pattern) << "\n";
  if (!exclusions.empty()) {
    y << "      not:\n";
    for (const auto& p : exclusions)
      y << "        # " << p.from << "\n        - " << yaml_quote(p.pattern) << "\n";
  }
  if (!equal_fields.empty()) {
    // A backreference (?P=name): the text captured again must be the group's.
    y << "    where:\n";
    for (const auto& [second, first] : equal_fields)
      y << "      - any:\n          - {field: " << second << ", exists: false}\n"
        << "          - {field: " << second << ", field_equals: " << first << "}\n";
  }
  y << "    aggregation:\n      count: " << options.maxretry
    << "\n      window: " << duration(options.findtime_seconds) << "\n";
  if (!group_by.empty()) {
    y << "      group_by: [";
    for (size_t i = 0; i < group_by.size(); ++i) y << (i ? ", " : "") << group_by[i];
    y << "]\n";
  }
  if (!options.test_logs_dir.empty()) {
    auto lines = annotated_lines((fs::path(options.test_logs_dir) / f.name).string(),
                                 options.filter_options);
    std::vector<const TestLine*> m, nm;
    for (const auto& t : lines) {
      if (options.skip_tests.count(t.line) != 0) {
        ++imp.tests_left_out;
        continue;
      }
      auto& list = t.match ? m : nm;
      if (static_cast<int>(list.size()) < options.max_tests) list.push_back(&t);
    }
    if (imp.tests_left_out > 0)
      y << "    # " << imp.tests_left_out
        << " annotated lines of fail2ban's test log are left out: this import does not agree with\n"
        << "    # fail2ban on them (docs/fail2ban-conformance.md says why).\n";
    if (!m.empty() || !nm.empty()) {
      y << "    # From fail2ban's test log for this filter.\n    tests:\n";
      if (!m.empty()) {
        y << "      match:\n";
        for (const auto* t : m) {
          imp.tests_at[line_of(y)] = t->line;
          y << "        - line: " << yaml_quote(t->line) << "\n";
          std::vector<std::pair<std::string, std::string>> fields;
          for (const auto& fv : t->fields)
            if (captured.count(fv.first) != 0) fields.push_back(fv);
          if (!fields.empty()) {
            y << "          fields: {";
            for (size_t i = 0; i < fields.size(); ++i)
              y << (i ? ", " : "") << fields[i].first << ": " << yaml_quote(fields[i].second);
            y << "}\n";
          }
        }
      }
      if (!nm.empty()) {
        y << "      no_match:\n";
        for (const auto* t : nm) {
          imp.tests_at[line_of(y)] = t->line;
          y << "        - " << yaml_quote(t->line) << "\n";
        }
      }
    }
  }
  imp.yaml = y.str();
  return imp;
}

}  // namespace wardsoc
