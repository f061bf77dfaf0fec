#include <hs/hs.h>
#include <re2/re2.h>

#include <boost/test/unit_test.hpp>

#include "rules/pattern_syntax.h"
#include "rules/rule_set.h"

using namespace wardsoc;

namespace {

std::shared_ptr<const RuleSet> load_patterns(const std::vector<std::string>& patterns,
                                             LoadReport* report) {
  std::string yaml = "rules:\n";
  for (size_t i = 0; i < patterns.size(); ++i) {
    yaml += "  - id: r" + std::to_string(i) +
            "\n    title: R\n    severity: low\n    match:\n      regex: '" + patterns[i] + "'\n";
  }
  auto set = RuleSet::LoadFromString(yaml, "kinds.yaml", report);
  BOOST_TEST_REQUIRE(set.ok(), report->to_string());
  return *set;
}

int on_hit(unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ++*static_cast<int*>(ctx);
  return 0;
}

// Scans with the set's own database: how many patterns hit `text`.
int hyperscan_hits(const RuleSet& rs, std::string_view text) {
  hs_scratch_t* scratch = nullptr;
  BOOST_TEST_REQUIRE(hs_clone_scratch(rs.scratch_prototype(), &scratch) == HS_SUCCESS);
  int hits = 0;
  hs_scan(rs.database(AssetClass::kOther), text.data(), static_cast<unsigned>(text.size()), 0,
          scratch, on_hit, &hits);
  hs_free_scratch(scratch);
  return hits;
}

}  // namespace

BOOST_AUTO_TEST_CASE(plain_pattern_is_hyperscan_exact) {
  LoadReport report;
  auto rs = load_patterns({R"(^Failed password for \S+ from)"}, &report);
  const RulePattern& p = rs->rules()[0].steps[0].patterns[0];
  BOOST_TEST(match_kind_name(p.kind) == "hyperscan-exact");
  BOOST_TEST(p.hyperscan_id == 0u);
  BOOST_TEST(!p.needs_confirm);
  BOOST_TEST(rs->database(AssetClass::kOther) != nullptr);
  BOOST_TEST(report.warning_count() == 0u);
}

BOOST_AUTO_TEST_CASE(capturing_pattern_is_prefiltered_by_its_longest_literal) {
  // RE2 runs on every hit of a pattern with captures anyway, so Hyperscan only looks for
  // the longest literal every match must hold: small databases, fast to build and scan.
  LoadReport report;
  auto rs = load_patterns(
      {R"(^Failed (?P<method>\S+) for (?:invalid user )?(?P<user>\S+) from (?P<ip>\S+) port \d+)"},
      &report);
  const RulePattern& p = rs->rules()[0].steps[0].patterns[0];
  BOOST_TEST(match_kind_name(p.kind) == "hyperscan-prefilter");
  BOOST_TEST(p.needs_confirm);
  BOOST_TEST(p.captures.size() == 3u);
  BOOST_TEST(p.kind_reason.find("literal 'Failed '") != std::string::npos, p.kind_reason);
  BOOST_TEST(hyperscan_hits(*rs, "Failed to start unit") == 1);  // a candidate; RE2 decides
  BOOST_TEST(hyperscan_hits(*rs, "Accepted password for root") == 0);
  BOOST_TEST(report.warning_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_literal_other_patterns_share_gives_way_to_a_rarer_one) {
  // All three need "Received disconnect from "; only the last needs ": Auth fail". Looking
  // for the shared run would hand the last pattern to RE2 on every disconnect line.
  LoadReport report;
  auto rs =
      load_patterns({R"(^Received disconnect from (?P<ip>\S+) port \d+:11: .*\[preauth\]$)",
                     R"(^Received disconnect from (?P<ip>\S+) port \d+:2: .*$)",
                     R"(^Received disconnect from (?P<ip>\S+?)(?: port \d+)?: ?3: .*: Auth fail$)"},
                    &report);
  const RulePattern& auth = rs->rules()[2].steps[0].patterns[0];
  BOOST_TEST(auth.kind_reason.find("literal ': Auth fail'") != std::string::npos, auth.kind_reason);
  // Each of the others has a run of its own too; of two, the longer.
  BOOST_TEST(rs->rules()[0].steps[0].patterns[0].kind_reason.find("literal '[preauth]'") !=
             std::string::npos);
  BOOST_TEST(rs->rules()[1].steps[0].patterns[0].kind_reason.find("literal ':2: '") !=
             std::string::npos);
  BOOST_TEST(
      hyperscan_hits(*rs, "Received disconnect from 192.0.2.1 port 22:11: Bye Bye [preauth]") == 1);
  BOOST_TEST(hyperscan_hits(*rs, "Received disconnect from 192.0.2.1: 3: x: Auth fail") == 1);
  BOOST_TEST(hyperscan_hits(*rs, "Received disconnect from 192.0.2.1: 14: No more methods") == 0);
}

BOOST_AUTO_TEST_CASE(capture_free_prefix_stops_at_the_first_capture_or_its_group) {
  BOOST_TEST(capture_free_prefix(R"(^(?:\[ID \d+ [\w.]+\] )?Failed (?P<m>\S+) for)") ==
             R"(^(?:\[ID \d+ [\w.]+\] )?Failed )");
  BOOST_TEST(capture_free_prefix(R"(^pam_(?P<module>\w+)\()") == "^pam_");
  BOOST_TEST(capture_free_prefix(R"(^a[(]b(c))") == "^a[(]b");  // a bracket is no group
  BOOST_TEST(capture_free_prefix(R"(^a\(b(c))") == R"(^a\(b)");
  BOOST_TEST(capture_free_prefix(R"(^x (?:y (?P<a>\S+))? z)") == "^x ");  // the group holding it
  BOOST_TEST(capture_free_prefix(R"(^(?:y (?P<a>\S+))?)").empty());       // nothing before it
  BOOST_TEST(capture_free_prefix(R"(Failed (?P<m>\S+))").empty());        // not anchored
  BOOST_TEST(capture_free_prefix(R"(^a (?P<m>\S+)|^b)").empty());         // top-level '|'
  BOOST_TEST(capture_free_prefix(R"(^(?i)failed (?P<m>\S+))").empty());   // inline flags
  BOOST_TEST(capture_free_prefix(R"(^no capture at all)").empty());
}

BOOST_AUTO_TEST_CASE(required_literal_skips_optional_and_grouped_parts) {
  bool caseless = false;
  BOOST_TEST(required_literal(R"(^(?:\[ID \d+\] )?Failed (?P<m>\S+) for)", &caseless) == "Failed ");
  BOOST_TEST(!caseless);
  BOOST_TEST(required_literal("abcde?f", &caseless) == "abcd");
  BOOST_TEST(required_literal("(?i)user=(?P<u>\\w+)", &caseless) == "user=");
  BOOST_TEST(caseless);
  BOOST_TEST(required_literal("foo|barbaz", &caseless).empty());  // in no match for sure
  BOOST_TEST(required_literal(R"(a\.b\[c)", &caseless) == "a.b[c");
  BOOST_TEST(required_literal("x[abc]yz{2}", &caseless) == "x");
}

BOOST_AUTO_TEST_CASE(exact_pattern_without_captures_skips_re2) {
  LoadReport report;
  auto rs = load_patterns({"^ROOT LOGIN REFUSED"}, &report);
  BOOST_TEST(!rs->rules()[0].steps[0].patterns[0].needs_confirm);
}

BOOST_AUTO_TEST_CASE(embedded_anchor_in_a_repeat_falls_back_to_a_relaxed_prefilter) {
  // Hyperscan rejects a start anchor inside a repeat even in prefilter mode; without the
  // anchor the pattern matches a superset, and RE2 decides.
  LoadReport report;
  auto rs = load_patterns({R"((?:(?:^|;) *\w+=\w+)+ user=(?P<user>\w+))"}, &report);
  const RulePattern& p = rs->rules()[0].steps[0].patterns[0];
  BOOST_TEST(match_kind_name(p.kind) == "hyperscan-prefilter");
  BOOST_TEST(p.needs_confirm);
  BOOST_TEST(p.hyperscan_text.find('^') == std::string::npos);
  // Its shape is also worth a note: a repeated group that starts with a repetition.
  BOOST_TEST(report.warning_count() == 1u);
  BOOST_TEST(p.cost_notes.size() == 1u);
  BOOST_TEST(report.to_string().find("slow pattern: a repetition inside a repeated group") !=
             std::string::npos);
  BOOST_TEST(hyperscan_hits(*rs, "a=1;b=2 user=bob") == 1);
  BOOST_TEST(RE2::PartialMatch("a=1;b=2 user=bob", *p.re2));
  BOOST_TEST(hyperscan_hits(*rs, "a=1,b=2 user=bob") == 1);  // the prefilter's superset
  BOOST_TEST(!RE2::PartialMatch("a=1,b=2 user=bob", *p.re2));
}

BOOST_AUTO_TEST_CASE(anchor_alternation_outside_a_repeat_stays_exact) {
  LoadReport report;
  auto rs = load_patterns({R"((?:^|\s)user=\w+(?:\s|$))"}, &report);
  BOOST_TEST(match_kind_name(rs->rules()[0].steps[0].patterns[0].kind) == "hyperscan-exact");
  BOOST_TEST(hyperscan_hits(*rs, "user=bob") == 1);
  BOOST_TEST(hyperscan_hits(*rs, "xuser=bob") == 0);
}

BOOST_AUTO_TEST_CASE(ungreedy_flag_is_prefiltered) {
  LoadReport report;
  auto rs = load_patterns({"(?U)from (?P<ip>.+) port"}, &report);
  BOOST_TEST(match_kind_name(rs->rules()[0].steps[0].patterns[0].kind) == "hyperscan-prefilter");
}

BOOST_AUTO_TEST_CASE(unicode_class_is_re2_only_with_a_warning) {
  LoadReport report;
  auto rs = load_patterns({R"(\pL+@\pL+)", "plain"}, &report);
  const RulePattern& p = rs->rules()[0].steps[0].patterns[0];
  BOOST_TEST(match_kind_name(p.kind) == "re2-only");
  BOOST_TEST(p.hyperscan_id == kNoHyperscanId);
  BOOST_TEST(rs->always_units() == std::vector<uint32_t>{0});
  const RulePattern& plain = rs->rules()[1].steps[0].patterns[0];
  BOOST_TEST_REQUIRE(plain.hyperscan_id != kNoHyperscanId);  // only "plain" is in the database
  const auto users = rs->expression_users(plain.hyperscan_id);
  BOOST_TEST_REQUIRE(users.size() == 1u);
  BOOST_TEST(rs->units()[users[0]].rule == 1u);
  // Slow twice over: RE2 on every line, and no literal to rule a line out.
  BOOST_TEST(report.warning_count() == 2u, report.to_string());
  BOOST_TEST(report.diagnostics[0].rule_id == "r0");
  BOOST_TEST(report.to_string().find("matched by RE2 alone on every line") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_hyperscan_database_when_every_pattern_is_re2_only) {
  LoadReport report;
  auto rs = load_patterns({R"(\pL)"}, &report);
  BOOST_TEST(rs->database(AssetClass::kOther) == nullptr);
  BOOST_TEST(rs->scratch_prototype() == nullptr);
}

BOOST_AUTO_TEST_CASE(caseless_flag_works_in_hyperscan) {
  LoadReport report;
  auto rs = load_patterns({"(?i)^failed password"}, &report);
  BOOST_TEST(match_kind_name(rs->rules()[0].steps[0].patterns[0].kind) == "hyperscan-exact");
  BOOST_TEST(hyperscan_hits(*rs, "FAILED Password for x") == 1);
  BOOST_TEST(hyperscan_hits(*rs, "x FAILED Password") == 0);
}

BOOST_AUTO_TEST_CASE(dollar_does_not_match_before_a_final_newline) {
  // PCRE's $ would; RE2's does not, and the translation keeps RE2's meaning.
  LoadReport report;
  auto rs = load_patterns({"ssh2$"}, &report);
  BOOST_TEST(hyperscan_hits(*rs, "port 22 ssh2") == 1);
  BOOST_TEST(hyperscan_hits(*rs, "port 22 ssh2\n") == 0);
}

BOOST_AUTO_TEST_CASE(patterns_match_bytes_so_invalid_utf8_is_still_matched) {
  LoadReport report;
  auto rs = load_patterns({R"(^Invalid user (?P<user>\S+) from)"}, &report);
  const std::string line =
      "Invalid user \xff\xfe"
      "admin from 192.0.2.1";
  BOOST_TEST(hyperscan_hits(*rs, line) == 1);
  std::string user;
  BOOST_TEST(RE2::PartialMatch(line, *rs->rules()[0].steps[0].patterns[0].re2, &user));
  BOOST_TEST(user ==
             "\xff\xfe"
             "admin");
}
