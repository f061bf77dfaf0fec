// The fail2ban importer on small filters written here (none of fail2ban's own files): how
// it reads the INI with includes and interpolation, what it says about broken input, and
// how regexes are translated or refused.
#include <re2/re2.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "rules/import/fail2ban_datepattern.h"
#include "rules/import/fail2ban_importer.h"
#include "rules/import/field_alternatives.h"
#include "rules/import/python_regex.h"
#include "rules/import/python_regex_backreference.h"
#include "rules/import/python_regex_conditional.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc;
using wardsoc::testing::TempDir;

namespace {

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

bool full_match(const std::string& re, const std::string& text,
                std::map<std::string, std::string>* fields = nullptr) {
  RE2 r(re, RE2::Latin1);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error());
  std::vector<re2::StringPiece> groups(r.NumberOfCapturingGroups() + 1);
  if (!r.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(),
               static_cast<int>(groups.size())))
    return false;
  if (fields != nullptr)
    for (const auto& [name, idx] : r.NamedCapturingGroups())
      if (groups[idx].data() != nullptr) (*fields)[name] = std::string(groups[idx]);
  return true;
}

const std::string kCommon =
    "[DEFAULT]\n_daemon = \\S*\n__prefix_line = \\s*(?:\\S+ )?(?:%(_daemon)s(?:\\[\\d+\\])?: )?\n";

}  // namespace

BOOST_AUTO_TEST_CASE(interpolation_reaches_across_includes_and_lists_keep_their_lines) {
  TempDir dir("f2b");
  write(dir / "base.conf", kCommon);
  write(dir / "demo.conf",
        "[INCLUDES]\nbefore = base.conf\n[DEFAULT]\n_daemon = demod\n[Definition]\n"
        "failregex = ^%(__prefix_line)sbad login for <F-USER>\\S+</F-USER> from <HOST>$\n"
        "            ^%(__prefix_line)sprobe from <HOST>\n"
        "ignoreregex = from 10\\.\n");
  auto f = read_fail2ban_filter((dir / "demo.conf").string(), {});
  BOOST_REQUIRE_MESSAGE(f.ok(), (f.ok() ? std::string() : f.error().message));
  BOOST_REQUIRE_EQUAL(f->failregex.size(), 2u);
  BOOST_TEST(f->failregex[0].line == 6);
  BOOST_TEST(f->failregex[1].line == 7);
  BOOST_TEST(f->failregex[0].text.find("demod") != std::string::npos);
  BOOST_TEST(f->ignoreregex.size() == 1u);
}

BOOST_AUTO_TEST_CASE(imported_pattern_matches_message_and_file_line_with_fields) {
  TempDir dir("f2b");
  write(dir / "base.conf", kCommon);
  write(dir / "demo.conf",
        "[INCLUDES]\nbefore = base.conf\n[Definition]\n"
        "failregex = ^%(__prefix_line)sbad login for <F-USER>\\S+</F-USER> from <HOST>$\n");
  auto f = read_fail2ban_filter((dir / "demo.conf").string(), {});
  BOOST_REQUIRE(f.ok());
  bool nofail = false;
  auto re = translate_fail2ban_regex("", f->failregex[0].text, &nofail);
  BOOST_REQUIRE_MESSAGE(re.ok(), (re.ok() ? std::string() : re.error().message));
  std::map<std::string, std::string> fields;
  BOOST_TEST(full_match(*re, "bad login for bob from 192.0.2.7", &fields));  // syslog message
  BOOST_TEST(fields["user"] == "bob");
  BOOST_TEST(fields["src_ip"] == "192.0.2.7");
  BOOST_TEST(
      full_match(*re, "2024-01-02 10:11:12 bad login for bob from 2001:db8::1"));  // file line
  BOOST_TEST(!full_match(*re, "good login for bob from 192.0.2.7"));
}

BOOST_AUTO_TEST_CASE(prefregex_content_takes_the_failregex) {
  bool nofail = false;
  auto re =
      translate_fail2ban_regex("^\\[\\]\\s*<F-CONTENT>.+</F-CONTENT>$", "^denied <HOST>", &nofail);
  BOOST_REQUIRE_MESSAGE(re.ok(), (re.ok() ? std::string() : re.error().message));
  BOOST_TEST(full_match(*re, "[] denied 192.0.2.1 and more"));
  BOOST_TEST(full_match(*re, "[Sun Jun 09 07:57:47 2013] denied 192.0.2.1"));  // date left in
  BOOST_TEST(
      !full_match(*re, "[] not denied 192.0.2.1"));  // the failregex is anchored in the content
}

BOOST_AUTO_TEST_CASE(nofail_regex_is_flagged) {
  bool nofail = false;
  auto re = translate_fail2ban_regex("", "^<F-NOFAIL>Connection from</F-NOFAIL> <HOST>", &nofail);
  BOOST_REQUIRE(re.ok());
  BOOST_TEST(nofail);
}

BOOST_AUTO_TEST_CASE(syntax_error_names_file_and_line) {
  TempDir dir("f2b");
  write(dir / "bad.conf", "[Definition]\nfailregex = ^x <HOST>\nthis is not an option\n");
  auto f = read_fail2ban_filter((dir / "bad.conf").string(), {});
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().message.find("bad.conf:3: syntax error") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_include_is_an_error_but_a_missing_local_is_not) {
  TempDir dir("f2b");
  write(dir / "a.conf", "[INCLUDES]\nafter = a-extra.local\n[Definition]\nfailregex = ^x <HOST>\n");
  BOOST_TEST(read_fail2ban_filter((dir / "a.conf").string(), {}).ok());
  write(dir / "b.conf", "[INCLUDES]\nbefore = nowhere.conf\n[Definition]\nfailregex = ^x <HOST>\n");
  auto f = read_fail2ban_filter((dir / "b.conf").string(), {});
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().message.find("b.conf:2: include 'nowhere.conf' not found") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(circular_include_is_an_error) {
  TempDir dir("f2b");
  write(dir / "a.conf", "[INCLUDES]\nbefore = b.conf\n[Definition]\nfailregex = ^x <HOST>\n");
  write(dir / "b.conf", "[INCLUDES]\nbefore = a.conf\n");
  auto f = read_fail2ban_filter((dir / "a.conf").string(), {});
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().message.find("circular include") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(undefined_option_names_where_it_is_used) {
  TempDir dir("f2b");
  write(dir / "u.conf", "[Definition]\nfailregex = ^%(nope)s <HOST>\n");
  auto f = read_fail2ban_filter((dir / "u.conf").string(), {});
  BOOST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().message.find("u.conf:2: option 'nope' is not defined") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mode_option_selects_the_regexes_of_that_mode) {
  TempDir dir("f2b");
  write(dir / "m.conf",
        "[Definition]\nmode = normal\nfr-normal = ^a <HOST>\nfr-extra = ^a <HOST>\n  ^b <HOST>\n"
        "failregex = <fr-<mode>>\n");
  auto normal = read_fail2ban_filter((dir / "m.conf").string(), {});
  auto extra = read_fail2ban_filter((dir / "m.conf").string(), {{"mode", "extra"}});
  BOOST_REQUIRE(normal.ok() && extra.ok());
  BOOST_TEST(normal->failregex.size() == 1u);
  BOOST_TEST(extra->failregex.size() == 2u);
  BOOST_TEST(extra->failregex[1].line == 5);
}

BOOST_AUTO_TEST_CASE(python_constructs_without_re2_equivalent_are_refused_with_reason) {
  for (const char* re :
       {"(?<=x)y", "a(?!b)*", "a(?!\\d)", "(a)\\1", "(?P<n>a)(?P=n)", "(?(1)a|b)", "a*+"}) {
    auto r = python_regex_to_re2(re);
    BOOST_TEST_INFO(re);
    BOOST_TEST(!r.ok());
  }
  BOOST_TEST(python_regex_to_re2("a{,3}\\Z").value() == "a{0,3}\\z");
  BOOST_TEST(python_regex_to_re2("(?<user>x)").value() == "(?P<user>x)");
}

BOOST_AUTO_TEST_CASE(import_is_byte_identical_on_rerun_and_reports_refusals) {
  TempDir dir("f2b");
  write(dir / "r.conf", "[Definition]\nfailregex = ^ok <HOST>\n            ^bad (?!x)<HOST>\n");
  Fail2banImportOptions o;
  auto a = import_fail2ban_filter((dir / "r.conf").string(), o);
  auto b = import_fail2ban_filter((dir / "r.conf").string(), o);
  BOOST_REQUIRE(a.ok() && b.ok());
  BOOST_TEST(a->yaml == b->yaml);
  BOOST_TEST(a->imported == 1);
  BOOST_TEST(a->refused == 1);
  BOOST_REQUIRE(!a->notes.empty());
  BOOST_TEST(a->notes[0].line == 3);
  BOOST_TEST(a->yaml.find("count: 5") != std::string::npos);
  BOOST_TEST(a->yaml.find("window: 10m") != std::string::npos);
  BOOST_TEST(a->yaml.find("group_by: [src_ip]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(datepattern_lets_an_anchored_regex_start_after_that_timestamp) {
  // A shape none of the default templates knows: "Mar-05-24 10:11:12 message".
  auto dp = translate_fail2ban_datepattern("{^LN-BEG}%b-%d-%Exy %H:%M:%S", "NODATE");
  BOOST_TEST(dp.not_allowed_for.empty());
  bool nofail = false;
  // fail2ban cuts the timestamp and leaves the space after it: filters write ^\s* or "^ ".
  auto re = translate_fail2ban_regex("", "^\\s*blocked <HOST>$", &nofail, dp.leading);
  BOOST_REQUIRE_MESSAGE(re.ok(), (re.ok() ? std::string() : re.error().message));
  std::map<std::string, std::string> fields;
  BOOST_TEST(full_match(*re, "Mar-05-24 10:11:12 blocked 192.0.2.9", &fields));
  BOOST_TEST(fields["src_ip"] == "192.0.2.9");
  BOOST_TEST(full_match(*re, "blocked 192.0.2.9"));  // the message of a syslog line
  BOOST_TEST(!full_match(*re, "Mar-05-24 10:11:12 x blocked 192.0.2.9"));
  // Without the datepattern, the default shapes do not cover it.
  BOOST_TEST(!full_match(translate_fail2ban_regex("", "^\\s*blocked <HOST>$", &nofail).value(),
                         "Mar-05-24 10:11:12 blocked 192.0.2.9"));
}

BOOST_AUTO_TEST_CASE(datepattern_group_and_default_date_and_separator_backreference) {
  // Without a group all of it is cut, "L " too; with one, only the group. {^LN-BEG}
  // alone stands for the default templates.
  auto dp = translate_fail2ban_datepattern("^L %d/%m/%Y - %H:%M:%S\n^(t=)**\n{^LN-BEG}", "\\d{9}");
  BOOST_TEST(dp.not_allowed_for.empty());
  RE2 leading("^(?:" + dp.leading + ")", RE2::Latin1);
  BOOST_REQUIRE_MESSAGE(leading.ok(), leading.error());
  BOOST_TEST(RE2::PartialMatch("L 01/02/2024 - 03:04:05: x", leading));
  BOOST_TEST(RE2::PartialMatch("123456789 x", leading));
  BOOST_TEST(!RE2::PartialMatch("L 01/02/2024 x", leading));
  // (?P=name) over a separator class becomes the class: RE2 has no backreferences.
  auto sep = translate_fail2ban_datepattern("^%Y(?P<_sep>[-/.])%m(?P=_sep)%d", "x");
  BOOST_TEST(sep.not_allowed_for.empty());
  BOOST_TEST(RE2::FullMatch("2024/01/02", RE2(sep.leading, RE2::Latin1)));
  // A timestamp cut out after other text is not allowed for, and says why.
  auto mid = translate_fail2ban_datepattern("^[^\\[]*\\[({DATE})", "x");
  BOOST_TEST(mid.leading.empty());
  BOOST_REQUIRE_EQUAL(mid.not_allowed_for.size(), 1u);
  BOOST_TEST(mid.not_allowed_for[0].find("after the text") != std::string::npos);
  auto bad = translate_fail2ban_datepattern("^%Q", "x");
  BOOST_REQUIRE_EQUAL(bad.not_allowed_for.size(), 1u);
  BOOST_TEST(bad.not_allowed_for[0].find("%Q") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(regex_that_spans_lines_is_refused_with_reason) {
  bool nofail = false;
  auto re = translate_fail2ban_regex("", "^first line\\nsecond from <HOST>$", &nofail);
  BOOST_REQUIRE(!re.ok());
  BOOST_TEST(re.error().message.find("several lines") != std::string::npos);
  BOOST_TEST(translate_fail2ban_regex("", "^from <HOST>[^\\n]*$", &nofail).ok());
}

BOOST_AUTO_TEST_CASE(alternatives_holding_an_address_each_become_a_pattern_that_fills_src_ip) {
  const std::string nested =
      "^a (?:x (?P<src_ip>\\d+)|y (?P<src_ip_2>\\d+)(?: (?P<user>\\w+))?) z$";
  auto parts = split_field_alternatives(nested);
  BOOST_REQUIRE_EQUAL(parts.size(), 2u);
  for (const std::string line : {"a x 1 z", "a y 2 z", "a y 3 bob z", "a x 1 bob z", "a z"}) {
    std::map<std::string, std::string> whole, split;
    const bool want = full_match(nested, line, &whole);
    bool got = false;
    for (const auto& p : parts)
      if (!got && full_match(p, line, &split)) got = true;
    BOOST_TEST(got == want, line);
    if (want) {
      BOOST_TEST(split["src_ip"] == (whole.count("src_ip") ? whole["src_ip"] : whole["src_ip_2"]),
                 line);
      BOOST_TEST(split.count("src_ip_2") == 0u, line);
    }
  }
  // At the top level each alternative keeps its own anchors.
  auto top = split_field_alternatives("^from (?P<src_ip>\\S+)$|^host (?P<src_ip_2>\\S+) said");
  BOOST_REQUIRE_EQUAL(top.size(), 2u);
  BOOST_TEST(full_match(top[1], "host 192.0.2.1 said hi"));
  BOOST_TEST(!full_match(top[0], "x from 192.0.2.1"));
  // Two addresses in sequence are two fields: nothing to split.
  const std::string seq = "from (?P<src_ip>\\S+) to (?P<src_ip_2>\\S+)";
  BOOST_TEST(split_field_alternatives(seq) == std::vector<std::string>{seq});
  // Character classes and escapes hold no alternation.
  const std::string cls = "[|(] (?P<src_ip>\\S+)\\|(?P<src_ip_2>\\S+)";
  BOOST_TEST(split_field_alternatives(cls) == std::vector<std::string>{cls});
}

namespace {

// What Python's re says: for each pattern, whether re.search finds it in each line.
std::vector<std::vector<bool>> python_search(const std::vector<std::string>& patterns,
                                             const std::vector<std::string>& lines) {
  TempDir dir("pyre");
  nlohmann::json in = {{"patterns", patterns}, {"lines", lines}};
  write(dir / "in.json", in.dump());
  const std::string cmd =
      "python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1])); "
      "print(json.dumps([[bool(re.search(p, l)) for l in d[\"lines\"]] for p in "
      "d[\"patterns\"]]))' " +
      (dir / "in.json").string();
  FILE* f = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(f != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  BOOST_REQUIRE_EQUAL(pclose(f), 0);
  return nlohmann::json::parse(out).get<std::vector<std::vector<bool>>>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(negative_lookahead_on_literals_at_the_end_matches_as_python_does) {
  const std::vector<std::string> patterns = {
      "^auth failed:(?! Connection lost| Invalid mechanism)",
      "^(?:x|auth failed:(?! lost| lo))",
      "failed(?!:)$",
      "^(?:.*?(?:auth (?:failed|error)(?! by \\[server\\]))).*$",
  };
  const std::vector<std::string> lines = {
      "auth failed: Connection lost to server",
      "auth failed: Invalid mechanism",
      "auth failed:",
      "auth failed: bad password",
      "auth failed: Connection",
      "auth failed: Invalid mech",
      "auth failed: lo",
      "auth failed: l",
      "x",
      "auth failed",
      "auth failed:x",
      "pre auth error by [server]",
      "pre auth error by [serv",
      "auth failed by [server] auth error",
  };
  const auto want = python_search(patterns, lines);
  for (size_t p = 0; p < patterns.size(); ++p) {
    auto re2 = python_regex_to_re2(patterns[p]);
    BOOST_REQUIRE_MESSAGE(re2.ok(), patterns[p] + ": " + (re2.ok() ? "" : re2.error().message));
    for (size_t l = 0; l < lines.size(); ++l)
      BOOST_TEST(full_match(*re2, lines[l]) == want[p][l],
                 patterns[p] << " on '" << lines[l] << "'");
  }
}

BOOST_AUTO_TEST_CASE(brackets_inside_a_class_are_not_taken_for_an_emptied_timestamp) {
  // fail2ban's rfc5424 prefix holds [^\]"] classes; only a \[\] outside a class is where a
  // timestamp was cut.
  bool nofail = false;
  auto re =
      translate_fail2ban_regex("", R"(^x (?:[^\[\]"]+|\[[^\]]*\])+ \[\] from <HOST>$)", &nofail);
  BOOST_REQUIRE_MESSAGE(re.ok(), (re.ok() ? std::string() : re.error().message));
  std::map<std::string, std::string> f;
  BOOST_TEST(full_match(*re, "x a[b] [] from 192.0.2.1", &f));
  BOOST_TEST(f["src_ip"] == "192.0.2.1");
  BOOST_TEST(full_match(*re, "x a [Jan 10 12:00:00] from 192.0.2.1"));
  BOOST_TEST(!full_match(*re, "x a [nodate] from 192.0.2.1"));
}

namespace {

// What Python's re says: for each pattern and line, the named groups of re.search (null when
// it finds nothing; a group that took no part is left out).
nlohmann::json python_groups(const std::vector<std::string>& patterns,
                             const std::vector<std::string>& lines) {
  TempDir dir("pyre");
  nlohmann::json in = {{"patterns", patterns}, {"lines", lines}};
  write(dir / "in.json", in.dump());
  const std::string cmd =
      "python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1])); "
      "f=lambda m: None if m is None else {k: v for k, v in m.groupdict().items() if v is not "
      "None}; print(json.dumps([[f(re.search(p, l)) for l in d[\"lines\"]] for p in "
      "d[\"patterns\"]]))' " +
      (dir / "in.json").string();
  FILE* f = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(f != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  BOOST_REQUIRE_EQUAL(pclose(f), 0);
  return nlohmann::json::parse(out);
}

// Lines made of `tokens` (random but the same every run), after `prefix`.
std::vector<std::string> random_lines(const std::string& prefix,
                                      const std::vector<std::string>& tokens, size_t count) {
  std::mt19937 rng(20261207);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    std::string l = prefix;
    for (size_t n = rng() % 8; n > 0; --n) l += tokens[rng() % tokens.size()];
    out.push_back(l);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(negative_lookahead_inside_a_pattern_matches_and_captures_as_python_does) {
  // Each was refused before: a look-ahead in the middle of the pattern or inside a run.
  struct Case {
    std::string pattern, prefix;
    std::vector<std::string> tokens;
  };
  const std::vector<Case> cases = {
      {"^x (?:(?!ab|b c).)*$", "x ", {"a", "b", " ", "c", "ab", "b c", "\t"}},
      {"^u (?P<user>(?:(?! from ).)*?) from (?P<host>\\d+)$",
       "u ",
       {" from ", "from", " fro", "m ", " ", "1", "x"}},
      {"^u (?P<user>\\S+|(?:(?! from ).)*) on$", "u ", {" from ", " ", "on", "x", " fr", "om"}},
      {"lost after(?! DATA) [A-Z]+ x", "lost after ", {"DATA", "DAT", "D", "A", " x", " ", "X"}},
      {"^(?:,(?!Re=)\\w+=\"[^\"]*\")*,Re=\"(?P<ip>\\d)\"",
       "",
       {",Re=\"1\"", ",R=\"2\"", ",Rex=\"3\"", ",ab=\"\"", "\"", ","}},
      {"^N \\[(?!rec\\])(?:.*)\\] Ban", "N [", {"rec", "]", " Ban", "re", "x", "c] Ban"}},
      {"^user (?!`)(?P<user>(?:\\S*|.*?)) (?:failed|denied)",
       "user ",
       {"`", "a", " ", "failed", "denied", "` x"}},
      {"^L, (?:(?!ip=)(?:user=(?P<user>[^,]*)|\\w+=[^,]*), )*ip=\\[(?P<host>\\d)\\]",
       "L, ",
       {"user=a, ", "ip=[1]", "i=x, ", "ipx=, ", "ip=, ", "u=, ", "ip"}},
      {"(?!- )(?P<user>\\S+) end", "", {"- ", "-", " ", "a", " end", "x"}},
      {"a(?!b)c", "", {"a", "b", "c", "ac", "abc"}},
      {"(?P<g>a(?!b))c", "", {"a", "b", "c"}},
  };
  for (const auto& c : cases) {
    auto re2 = python_regex_to_re2(c.pattern);
    BOOST_REQUIRE_MESSAGE(re2.ok(), c.pattern + ": " + (re2.ok() ? "" : re2.error().message));
    const auto lines = random_lines(c.prefix, c.tokens, 400);
    const auto want = python_groups({c.pattern}, lines)[0];
    for (size_t l = 0; l < lines.size(); ++l) {
      std::map<std::string, std::string> fields;
      bool got = full_match(*re2, lines[l], &fields);
      BOOST_TEST(got == !want[l].is_null(), c.pattern << " on '" << lines[l] << "'");
      if (got && !want[l].is_null())
        BOOST_TEST(nlohmann::json(fields) == want[l], c.pattern << " on '" << lines[l] << "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(conditionals_become_patterns_whose_first_match_agrees_with_python) {
  // sshd's form, refused before: a group that is optional or an alternative decides later.
  const std::string pattern =
      "^Failed \\S+ for (?P<inv>invalid user )?(?P<user>(?P<u>\\S+)|(?(inv)(?:(?! from ).)*?|"
      "[^:]+)) from (?P<host>\\d+)(?(u): |(?:(?:(?! from ).)*)$)";
  auto variants = expand_python_conditionals(pattern);
  BOOST_REQUIRE_MESSAGE(variants.ok(), (variants.ok() ? std::string() : variants.error().message));
  BOOST_TEST(variants->size() == 4u);
  std::vector<std::string> re2;
  for (const auto& v : *variants) {
    auto r = python_regex_to_re2(v);
    BOOST_REQUIRE_MESSAGE(r.ok(), v + ": " + (r.ok() ? "" : r.error().message));
    re2.push_back(*r);
  }
  const auto lines =
      random_lines("Failed password for ",
                   {"invalid user ", "a", " ", " from ", " from 1", ": x", ":", "b c"}, 600);
  const auto want = python_groups({pattern}, lines)[0];
  size_t matched = 0;
  for (size_t l = 0; l < lines.size(); ++l) {
    std::map<std::string, std::string> fields;
    bool got = false;
    for (const auto& r : re2)
      if ((got = full_match(r, lines[l], &fields))) break;
    BOOST_TEST(got == !want[l].is_null(), "'" << lines[l] << "'");
    if (got && !want[l].is_null()) {
      ++matched;
      BOOST_TEST(fields["user"] == want[l].value("user", ""), "'" << lines[l] << "'");
      BOOST_TEST(fields["host"] == want[l].value("host", ""), "'" << lines[l] << "'");
      BOOST_TEST(fields.count("u") == 0u);  // the group asked about is no field of the rule
    }
  }
  BOOST_TEST(matched > 20u);
  BOOST_TEST(!expand_python_conditionals("(a)?(?(1)b|c)").ok());  // numbered: name it
}

BOOST_AUTO_TEST_CASE(backreference_becomes_a_second_capture_that_must_equal_the_first) {
  // roundcube's and stunnel's forms, refused before.
  struct Case {
    std::string pattern, prefix;
    std::vector<std::string> tokens;
    bool second_capture = true;  // false: an optional character, written out in two patterns
  };
  const std::vector<Case> cases = {
      {"^L for (?P<user>.*) from (?P<host>\\d+)(?:\\. (?:(?! from ).)*(?: user=(?P=user))? in "
       "x)?$",
       "L for ",
       {"a", " from 1", ". ", " user=a", " user=a from 1", " in x", "b"}},
      {"^(?P<code>[\\dA-F]+): e:(?P=code):$", "", {"A", "1", ": e:", ":", "B"}},
      {"^acct=(?P<q>\"?)\\S+(?P=q) exe$", "acct=", {"\"", "?", "a", " exe", " "}, false},
  };
  for (const auto& c : cases) {
    auto exp = expand_python_backreferences(c.pattern);
    BOOST_REQUIRE_MESSAGE(exp.ok(), (exp.ok() ? std::string() : exp.error().message));
    BOOST_TEST(exp->equal_fields.empty() == !c.second_capture);
    std::vector<std::string> re2;
    for (const auto& p : exp->patterns) re2.push_back(python_regex_to_re2(p).value());
    const auto lines = random_lines(c.prefix, c.tokens, 500);
    const auto want = python_groups({c.pattern}, lines)[0];
    for (size_t l = 0; l < lines.size(); ++l) {
      std::map<std::string, std::string> fields;
      bool got = false;
      for (const auto& r : re2) {
        fields.clear();
        if ((got = full_match(r, lines[l], &fields))) break;
      }
      for (const auto& [second, first] : exp->equal_fields)  // the rule's `where`
        if (got && fields.count(second) != 0 && fields[second] != fields[first]) got = false;
      BOOST_TEST(got == !want[l].is_null(), c.pattern << " on '" << lines[l] << "'");
      if (got && !want[l].is_null())
        for (const auto& [k, v] : want[l].items())
          if (c.second_capture)
            BOOST_TEST(fields[k] == v.get<std::string>(), c.pattern << " on '" << lines[l] << "'");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_no_failure_branch_of_a_word_leaves_the_other_words_failures) {
  // sshd's form, refused before as a whole for its <F-NOFAIL> branch.
  bool nofail = false;
  auto re = translate_fail2ban_regex(
      "", "^Failed (?:<F-NOFAIL>publickey</F-NOFAIL>|\\S+) for <F-USER>\\S+</F-USER> from <HOST>$",
      &nofail);
  BOOST_REQUIRE_MESSAGE(re.ok(), (re.ok() ? std::string() : re.error().message));
  BOOST_TEST(!nofail);
  std::map<std::string, std::string> f;
  BOOST_TEST(full_match(*re, "Failed password for root from 192.0.2.1", &f));
  BOOST_TEST(f["user"] == "root");
  BOOST_TEST(!full_match(*re, "Failed publickey for root from 192.0.2.1"));
  BOOST_TEST(full_match(*re, "Failed publickeys for root from 192.0.2.1"));
  BOOST_TEST(full_match(*re, "Failed public for root from 192.0.2.1"));
}

BOOST_AUTO_TEST_CASE(
    day_month_name_year_timestamp_with_dashes_is_allowed_before_an_anchored_regex) {
  // fail2ban's default template Day[-/]MON[-/]Year: roundcube's and named's file lines.
  bool nofail = false;
  auto re = translate_fail2ban_regex("", "^\\s*denied <HOST>$", &nofail);
  BOOST_REQUIRE(re.ok());
  BOOST_TEST(full_match(*re, "22-Jan-2013 22:28:21 +0200 denied 192.0.2.1"));
  BOOST_TEST(full_match(*re, "11-Aug-2013 03:36:11.372 denied 192.0.2.1"));
  BOOST_TEST(full_match(*re, "01/Jan/2013:12:00:00 +0000 denied 192.0.2.1"));
  BOOST_TEST(!full_match(*re, "22-Jan-2013 denied 192.0.2.1"));
}

BOOST_AUTO_TEST_CASE(a_tag_in_a_default_value_takes_the_definition_value_of_the_filter) {
  // apache-common.conf's [DEFAULT] prefix holds <apache-pref-ignore>, which apache-auth.conf
  // sets in its [Definition]: fail2ban uses the filter's value.
  TempDir dir("f2b");
  write(dir / "base.conf", "[DEFAULT]\npre = <ign>ok\nign =\n");
  write(dir / "f.conf",
        "[INCLUDES]\nbefore = base.conf\n[Definition]\nign = no\nfailregex = ^%(pre)s <HOST>\n");
  auto f = read_fail2ban_filter((dir / "f.conf").string(), {});
  BOOST_REQUIRE_MESSAGE(f.ok(), (f.ok() ? std::string() : f.error().message));
  BOOST_REQUIRE(f->failregex.size() == 1u);
  BOOST_TEST(f->failregex[0].text == "^nook <HOST>");
}

BOOST_AUTO_TEST_CASE(default_timestamp_shapes_are_written_once_and_not_before_emptied_brackets) {
  // {^LN-BEG} and ^{DATE} both stand for the default shapes: one copy in the datepattern.
  auto dp = translate_fail2ban_datepattern("{^LN-BEG}\n^{DATE}\n{^LN-BEG}", "\\d{9}");
  BOOST_TEST(dp.alternatives.size() == 1u);
  BOOST_TEST(dp.leading == "(?:\\d{9})");
  TempDir dir("f2b");
  write(dir / "d.conf",
        "[Definition]\ndatepattern = {^LN-BEG}\nfailregex = ^\\[\\] denied <HOST>$\n"
        "            ^refused <HOST>$\n");
  auto imp = import_fail2ban_filter((dir / "d.conf").string(), Fail2banImportOptions{});
  BOOST_REQUIRE(imp.ok());
  BOOST_TEST(imp->imported == 2);
  // The default shapes appear once per place a timestamp may be: inside the brackets of
  // the first regex (fail2ban cut it there, so not also at the start), at the start of the
  // second.
  const std::string shape = "[A-Z]{3,4} +";
  size_t count = 0;
  for (size_t at = imp->yaml.find(shape); at != std::string::npos;
       at = imp->yaml.find(shape, at + 1))
    ++count;
  BOOST_TEST(count == 2u);
  BOOST_TEST(imp->yaml.find("'^\\[(?:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(epoch_template_is_cut_at_the_start_in_brackets_and_after_audit) {
  // fail2ban's EPOCH template, not a regex: the epoch at the start, in a leading '[', and
  // (without {^LN-BEG}) right after "audit(", as auditd writes it.
  auto any = translate_fail2ban_datepattern("EPOCH", "NODATE");
  BOOST_TEST(any.not_allowed_for.empty());
  BOOST_TEST(!any.after_audit.empty());
  BOOST_TEST(RE2::FullMatch("1373330717.000", RE2(any.leading, RE2::Latin1)));
  BOOST_TEST(translate_fail2ban_datepattern("{^LN-BEG}Epoch", "NODATE").after_audit.empty());
  BOOST_TEST(RE2::FullMatch("@4000000052a8b7c50ad5e8a4",
                            RE2(translate_fail2ban_datepattern("TAI64N", "x").leading)));
  TempDir dir("f2b");
  write(dir / "a.conf",
        "[Definition]\ndatepattern = EPOCH\n"
        "failregex = ^type=USER_ERR msg=audit\\(:\\d+\\): addr=<HOST> res=failed$\n");
  auto imp = import_fail2ban_filter((dir / "a.conf").string(), Fail2banImportOptions{});
  BOOST_REQUIRE(imp.ok());
  BOOST_REQUIRE_EQUAL(imp->imported, 1);
  const size_t at = imp->yaml.find("- '^");
  BOOST_REQUIRE(at != std::string::npos);
  const std::string re = imp->yaml.substr(at + 3, imp->yaml.find("'\n", at) - at - 3);
  std::map<std::string, std::string> fields;
  BOOST_TEST(full_match(
      re, "type=USER_ERR msg=audit(1373330717.000:4070): addr=192.0.2.4 res=failed", &fields));
  BOOST_TEST(fields["src_ip"] == "192.0.2.4");
  BOOST_TEST(full_match(re, "type=USER_ERR msg=audit(:4070): addr=192.0.2.4 res=failed"));
  BOOST_TEST(!full_match(re, "type=USER_ERR msg=audit(x:4070): addr=192.0.2.4 res=failed"));
}
