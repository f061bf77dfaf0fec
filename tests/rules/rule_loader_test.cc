#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/time.h"
#include "rules/rule_set.h"

using namespace wardsoc;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  Result<std::shared_ptr<const RuleSet>> set;
  LoadReport report;
};

Loaded load(std::string_view yaml, std::string_view file = "test.yaml") {
  LoadReport report;
  auto set = RuleSet::LoadFromString(yaml, file, &report);
  return Loaded{std::move(set), std::move(report)};
}

// The first error diagnostic, or a default one (line 0) when there is none.
Diagnostic first_error(const LoadReport& r) {
  for (const auto& d : r.diagnostics) {
    if (d.level == Diagnostic::Level::kError) return d;
  }
  return Diagnostic{};
}

bool has_message(const LoadReport& r, std::string_view needle) {
  for (const auto& d : r.diagnostics) {
    if (d.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("wardsoc-rules-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& rel, std::string_view text) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }

 private:
  fs::path path_;
};

constexpr std::string_view kGood = R"(rules:
  - id: ssh.bruteforce
    title: SSH brute-force login
    title_vi: Dò mật khẩu SSH
    severity: high
    programs: [sshd]
    tags: [attack.t1110]
    match:
      regex: '^Failed password for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+) port \d+'
    aggregation:
      count: 5
      window: 2m
      group_by: [src_ip]
    tests:
      match:
        - line: 'Nov 25 10:01:02 gw sshd[4121]: Failed password for invalid user admin from 203.0.113.7 port 52113 ssh2'
          fields: {user: admin, src_ip: 203.0.113.7}
      no_match:
        - 'Nov 25 10:01:02 gw sshd[4121]: Accepted password for alice from 192.0.2.2 port 52113 ssh2'
)";

}  // namespace

BOOST_AUTO_TEST_CASE(valid_file_loads_with_defaults_filled_in) {
  auto l = load(kGood);
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  BOOST_TEST(!l.report.has_errors());
  const RuleSet& rs = **l.set;
  BOOST_TEST_REQUIRE(rs.rules().size() == 1u);
  const Rule* r = rs.find("ssh.bruteforce");
  BOOST_TEST_REQUIRE(r != nullptr);
  BOOST_TEST(r->title_vi == "Dò mật khẩu SSH");
  BOOST_TEST(r->level == 10);  // from severity high
  BOOST_TEST(r->count == 5u);
  BOOST_TEST(r->window_us == 120 * kMicrosPerSecond);
  BOOST_TEST(r->suppress_us == r->window_us);  // aggregated: suppress defaults to the window
  BOOST_TEST(r->sources == kAllSources);
  BOOST_TEST(r->file == "test.yaml");
  BOOST_TEST(r->pos.line == 2);
  BOOST_TEST(r->match_tests.size() == 1u);
  BOOST_TEST(r->match_tests[0].pos.line == 16);
  BOOST_TEST(r->no_match_tests.size() == 1u);
  BOOST_TEST(r->version.size() == 16u);
  BOOST_TEST(rs.version().size() == 16u);
  BOOST_TEST(rs.find("nope") == nullptr);
}

BOOST_AUTO_TEST_CASE(single_event_rule_suppresses_for_ten_minutes_by_default) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: info
    match: {regex: 'x'}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const Rule& r = (*l.set)->rules()[0];
  BOOST_TEST(!r.aggregated);
  BOOST_TEST(r.count == 1u);
  BOOST_TEST(r.level == 3);
  BOOST_TEST(r.suppress_us == 600 * kMicrosPerSecond);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_reports_file_line_and_column) {
  auto l = load("rules:\n  - id: a\n    title: [unclosed\n    severity: high\n", "bad.yaml");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.file == "bad.yaml");
  BOOST_TEST(d.line >= 3);
  BOOST_TEST(d.column > 0);
  BOOST_TEST(d.message.find("YAML syntax error") != std::string::npos);
  BOOST_TEST(l.set.error().message.find("bad.yaml:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_key_names_the_key_its_line_and_the_rule) {
  auto l = load(R"(rules:
  - id: ssh.x
    title: X
    severity: high
    serverity: low
    match: {regex: 'x'}
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.line == 5);
  BOOST_TEST(d.column == 5);
  BOOST_TEST(d.rule_id == "ssh.x");
  BOOST_TEST(d.message.find("unknown key 'serverity'") != std::string::npos);
  BOOST_TEST(d.to_string() == "test.yaml:5:5: error: ssh.x: " + d.message);
}

BOOST_AUTO_TEST_CASE(keys_of_later_format_versions_say_not_supported) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: high
    match: {regex: 'x'}
    macros: []
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(first_error(l.report).message.find("'macros' is not supported") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_top_level_key_is_an_error) {
  auto l = load("lists: {}\nrules: []\n");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(first_error(l.report).line == 1);
  BOOST_TEST(first_error(l.report).message.find("unknown top-level key 'lists'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_severity_names_the_value_and_line) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: severe
    match: {regex: 'x'}
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.line == 4);
  BOOST_TEST(d.rule_id == "a");
  BOOST_TEST(d.message.find("severity: 'severe'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_duration_names_the_key_and_line) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: 'x'}
    aggregation:
      count: 3
      window: 2 minutes
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.line == 8);
  BOOST_TEST(d.rule_id == "a");
  BOOST_TEST(d.message.find("aggregation.window") != std::string::npos);
  BOOST_TEST(d.message.find("invalid duration") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(level_out_of_range_and_bad_count_are_errors) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    level: 16
    match: {regex: 'x'}
    aggregation: {count: zero, window: 1m}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(l.report.error_count() == 2u);
  BOOST_TEST(l.report.diagnostics[0].line == 5);
  BOOST_TEST(l.report.diagnostics[0].message.find("out of range 0..15") != std::string::npos);
  BOOST_TEST(l.report.diagnostics[1].line == 7);
  BOOST_TEST(l.report.diagnostics[1].message.find("aggregation.count") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_id_empty_regex_and_missing_keys_are_errors) {
  auto l = load(R"(rules:
  - id: SSH Brute
    title: A
    severity: low
    match: {regex: ''}
  - id: b
    match: {regex: 'x'}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(has_message(l.report, "'SSH Brute' is not a valid rule id"));
  BOOST_TEST(has_message(l.report, "match.regex: must not be empty"));
  BOOST_TEST(has_message(l.report, "'title' is required"));
  BOOST_TEST(has_message(l.report, "'severity' is required"));
  for (const auto& d : l.report.diagnostics) {
    if (d.message.find("is required") != std::string::npos) {
      BOOST_TEST(d.rule_id == "b");
      BOOST_TEST(d.line == 6);
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_types_are_errors) {
  auto l = load(R"(rules:
  - id: a
    title: {x: 1}
    severity: low
    sources: [lan, printer]
    enabled: maybe
    match: {regex: 'x'}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(has_message(l.report, "title: expected a string, got a mapping"));
  BOOST_TEST(has_message(l.report, "sources: 'printer' is not an asset class"));
  BOOST_TEST(has_message(l.report, "enabled: expected true or false"));
}

BOOST_AUTO_TEST_CASE(duplicate_id_across_two_files_points_to_the_first) {
  TempDir dir;
  dir.write("a.yaml",
            "rules:\n  - id: dup\n    title: A\n    severity: low\n    match: {regex: 'a'}\n");
  dir.write("sub/b.yml",
            "rules:\n  - id: other\n    title: O\n    severity: low\n    match: {regex: 'o'}\n"
            "  - id: dup\n    title: B\n    severity: low\n    match: {regex: 'b'}\n");
  LoadReport report;
  auto set = RuleSet::Load(dir.path(), &report);
  BOOST_TEST(!set.ok());
  const Diagnostic d = first_error(report);
  BOOST_TEST(d.file == (dir.path() / "sub/b.yml").string());
  BOOST_TEST(d.line == 6);
  BOOST_TEST(d.rule_id == "dup");
  BOOST_TEST(d.message.find("first defined at " + (dir.path() / "a.yaml").string() + ":2:5") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(directory_load_is_recursive_sorted_and_ignores_other_files) {
  TempDir dir;
  dir.write("b.yaml",
            "rules:\n  - id: b\n    title: B\n    severity: low\n    match: {regex: 'b'}\n");
  dir.write("a/z.yml",
            "rules:\n  - id: a\n    title: A\n    severity: low\n    match: {regex: 'a'}\n");
  dir.write("rule_set.cc", "this is not yaml: [");
  dir.write("CMakeLists.txt", "nor is this");
  LoadReport report;
  auto set = RuleSet::Load(dir.path(), &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  BOOST_TEST_REQUIRE((*set)->rules().size() == 2u);
  BOOST_TEST((*set)->rules()[0].id == "a");  // a/z.yml sorts before b.yaml
  BOOST_TEST((*set)->rules()[1].id == "b");
  BOOST_TEST((*set)->files().size() == 2u);
}

BOOST_AUTO_TEST_CASE(missing_path_is_not_found) {
  LoadReport report;
  auto set = RuleSet::Load("/nonexistent/wardsoc/rules", &report);
  BOOST_TEST(!set.ok());
  BOOST_TEST((set.error().code == Errc::kNotFound));
  BOOST_TEST(report.has_errors());
}

BOOST_AUTO_TEST_CASE(a_missing_relative_path_says_where_it_was_looked_for) {
  LoadReport report;
  auto set = RuleSet::Load("no-such-rules-dir", &report);
  BOOST_TEST(!set.ok());
  BOOST_REQUIRE(!report.diagnostics.empty());
  const std::string where = (fs::current_path() / "no-such-rules-dir").string();
  BOOST_TEST(report.diagnostics.front().message ==
             "no such file or directory (looked for " + where + ")");
}

BOOST_AUTO_TEST_CASE(bad_re2_regex_names_the_rule_and_re2s_message) {
  auto l = load(R"(rules:
  - id: broken
    title: A
    severity: low
    match:
      regex:
        - 'ok'
        - 'Failed (password'
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.line == 8);
  BOOST_TEST(d.rule_id == "broken");
  BOOST_TEST(d.message.find("invalid regular expression: missing )") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_bad_pattern_is_reported_in_one_run) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: '(a', not: '[b'}
  - id: b
    title: B
    severity: low
    match: {regex: 'x++'}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(l.report.error_count() == 3u);
}

BOOST_AUTO_TEST_CASE(a_rule_with_a_bad_key_still_has_its_patterns_checked) {
  // The severity is wrong and so is the regex: one run of `rules check` names both.
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: hgh
    match: {regex: '(a', not: '[b'}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(l.report.error_count() == 3u);
  BOOST_TEST(has_message(l.report, "severity: 'hgh'"));
  BOOST_TEST(has_message(l.report, "match.regex: invalid regular expression: missing )"));
  BOOST_TEST(has_message(l.report, "match.not: invalid regular expression"));
}

BOOST_AUTO_TEST_CASE(group_by_of_a_missing_capture_is_an_error) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: 'from (?P<src_ip>\S+)'}
    aggregation:
      count: 2
      window: 1m
      group_by: [host, srcip]
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic d = first_error(l.report);
  BOOST_TEST(d.line == 9);
  BOOST_TEST(d.rule_id == "a");
  BOOST_TEST(d.message.find("'srcip'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(group_by_must_be_captured_by_every_pattern) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match:
      regex: ['from (?P<src_ip>\S+)', 'rhost=\S+']
    aggregation: {count: 2, window: 1m, group_by: [src_ip]}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(first_error(l.report).message.find("captured by every pattern") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_case_expecting_an_uncaptured_field_is_an_error) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: 'user (?P<user>\S+)'}
    tests:
      match:
        - line: 'user bob'
          fields: {usr: bob}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(first_error(l.report).line == 8);
  BOOST_TEST(first_error(l.report).message.find("'usr'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(warnings_do_not_block_loading) {
  auto l = load(R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: '(?P<host>\S+) \pL+'}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  BOOST_TEST(!l.report.has_errors());
  BOOST_TEST(l.report.warning_count() >= 2u);  // capture hides 'host'; RE2-only is slow
  BOOST_TEST(l.report.diagnostics[0].line == 5);
  BOOST_TEST(l.report.diagnostics[0].to_string().find("test.yaml:5:") == 0u);
  BOOST_TEST(l.report.diagnostics[0].to_string().find(": warning: a: ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_file_loads_with_a_warning) {
  auto l = load("# nothing yet\n");
  BOOST_TEST_REQUIRE(l.set.ok());
  BOOST_TEST((*l.set)->rules().empty());
  BOOST_TEST((*l.set)->database(AssetClass::kOther) == nullptr);
  BOOST_TEST(l.report.warning_count() == 1u);
}

BOOST_AUTO_TEST_CASE(report_renders_as_json) {
  auto l = load("rules:\n  - id: a\n    title: A\n    severity: nope\n    match: {regex: 'x'}\n");
  const std::string json = l.report.to_json();
  BOOST_TEST(json.find("\"errors\":1") != std::string::npos);
  BOOST_TEST(json.find("\"rule_id\":\"a\"") != std::string::npos);
  BOOST_TEST(json.find("\"line\":4") != std::string::npos);
  BOOST_TEST(json.find("\"level\":\"error\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rule_version_follows_the_definition_not_the_layout) {
  auto a = load(kGood);
  std::string commented = "# a comment\n" + std::string(kGood);
  auto b = load(commented);
  std::string retitled(kGood);
  retitled.replace(retitled.find("count: 5"), 8, "count: 6");
  auto c = load(retitled);
  BOOST_TEST_REQUIRE((a.set.ok() && b.set.ok() && c.set.ok()));
  BOOST_TEST((*a.set)->rules()[0].version == (*b.set)->rules()[0].version);
  BOOST_TEST((*a.set)->version() == (*b.set)->version());
  BOOST_TEST((*a.set)->rules()[0].version != (*c.set)->rules()[0].version);
  BOOST_TEST((*a.set)->version() != (*c.set)->version());
}
