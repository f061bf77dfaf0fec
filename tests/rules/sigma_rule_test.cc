// Reading Sigma files into SigmaRule: values and their modifiers, the condition grammar,
// correlation rules, and what is said about files that are not rules. The rules here are
// written for the test; the base64/utf16 vectors were worked out with Python's base64 module.
#include "rules/import/sigma_rule.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;
using Kind = SigmaGlob::Kind;

namespace {

SigmaFile read(const std::string& text, const SigmaReadOptions& options = {}) {
  Result<SigmaFile> f = read_sigma_text("t.yml", text, options);
  BOOST_REQUIRE_MESSAGE(f.ok(), (f.ok() ? std::string() : f.error().message));
  return std::move(f).value();
}

SigmaRule only_rule(const SigmaFile& f) {
  BOOST_REQUIRE_MESSAGE(f.refused.empty(),
                        (f.refused.empty() ? std::string() : f.refused[0].message));
  BOOST_REQUIRE_EQUAL(f.rules.size(), 1u);
  BOOST_REQUIRE(f.rules[0].detection.has_value());
  return f.rules[0];
}

std::string refusal(const std::string& text) {
  SigmaFile f = read(text);
  BOOST_REQUIRE_EQUAL(f.refused.size(), 1u);
  BOOST_CHECK(f.rules.empty());
  return f.refused[0].message;
}

std::string rule_with(const std::string& detection) {
  return "title: t\nid: 11111111-2222-3333-4444-555555555555\nlogsource: {product: windows}\n"
         "detection:\n" +
         detection;
}

// A compact text form of an expression, to compare whole trees at once.
std::string show(const SigmaExpr& e) {
  switch (e.op) {
    case SigmaExpr::Op::kTest:
      return e.selection;
    case SigmaExpr::Op::kNot:
      return "not " + show(e.children[0]);
    case SigmaExpr::Op::kAnd:
    case SigmaExpr::Op::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += e.op == SigmaExpr::Op::kAnd ? " and " : " or ";
        out += show(e.children[i]);
      }
      return out + ")";
    }
  }
  return "?";
}

std::vector<std::string> glob_texts(const SigmaTest& t) {
  std::vector<std::string> out;
  for (const SigmaGlob& g : t.globs) out.push_back(g.to_sigma());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigma_values)

BOOST_AUTO_TEST_CASE(backslash_escapes_only_wildcards_and_itself) {
  SigmaGlob g = SigmaGlob::parse(R"(C:\Windows\\*\cmd\?.exe)");
  BOOST_REQUIRE_EQUAL(g.pieces.size(), 3u);
  BOOST_CHECK_EQUAL(g.pieces[0].text, R"(C:\Windows\)");
  BOOST_CHECK(g.pieces[1].kind == Kind::kAnyRun);
  BOOST_CHECK_EQUAL(g.pieces[2].text, R"(\cmd?.exe)");
  BOOST_CHECK_EQUAL(g.to_sigma(), R"(C:\Windows\\*\cmd\?.exe)");
  BOOST_CHECK(SigmaGlob::parse(R"(C:\Windows\*)").is_literal());  // `\*` is a star
  BOOST_CHECK(SigmaGlob::parse(R"(a\\b)").is_literal());
  BOOST_CHECK_EQUAL(SigmaGlob::parse(R"(a\\b)").literal(), R"(a\b)");
  BOOST_CHECK(SigmaGlob::parse("*x*").is_contains());
  BOOST_CHECK(SigmaGlob::parse("x?").pieces.back().kind == Kind::kAnyOne);
}

BOOST_AUTO_TEST_CASE(contains_startswith_endswith_become_wildcards_around_the_value) {
  const SigmaRule r = only_rule(read(rule_with(
      "  sel:\n    CommandLine|contains: ' -enc '\n    Image|endswith: '\\powershell.exe'\n"
      "    ParentImage|startswith: 'C:\\Temp\\'\n  condition: sel\n")));
  const SigmaExpr& e = *r.detection;
  BOOST_REQUIRE(e.op == SigmaExpr::Op::kAnd);
  BOOST_REQUIRE_EQUAL(e.children.size(), 3u);
  BOOST_CHECK(e.children[0].test.globs[0].is_contains());
  BOOST_CHECK_EQUAL(e.children[0].test.globs[0].literal(), " -enc ");
  BOOST_CHECK_EQUAL(e.children[0].test.field, "CommandLine");
  BOOST_CHECK(e.children[1].test.globs[0].is_endswith());
  BOOST_CHECK_EQUAL(e.children[1].test.globs[0].literal(), "\\powershell.exe");
  BOOST_CHECK(e.children[2].test.globs[0].is_startswith());
  BOOST_CHECK(!e.children[0].test.cased);
  BOOST_CHECK_EQUAL(e.children[0].test.line, 6);
}

BOOST_AUTO_TEST_CASE(base64offset_gives_the_three_alignments) {
  const SigmaRule r = only_rule(
      read(rule_with("  sel:\n    Payload|base64offset|contains: http\n  condition: sel\n")));
  std::vector<std::string> want = {"*aHR0c*", "*h0dH*", "*odHRw*"};
  std::vector<std::string> got = glob_texts(r.detection->test);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(), want.end());
  BOOST_CHECK(r.detection->test.cased);
}

BOOST_AUTO_TEST_CASE(wide_then_base64offset_encodes_utf16le_first) {
  const SigmaRule r = only_rule(read(
      rule_with("  sel:\n    CommandLine|wide|base64offset|contains: whoami\n  condition: sel\n")));
  std::vector<std::string> want = {"*dwBoAG8AYQBtAGkA*", "*cAaABvAGEAbQBpA*", "*3AGgAbwBhAG0AaQ*"};
  std::vector<std::string> got = glob_texts(r.detection->test);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(utf16_without_base64_is_refused_with_the_reason) {
  std::string why =
      refusal(rule_with("  sel:\n    CommandLine|wide|contains: whoami\n  condition: sel\n"));
  BOOST_CHECK_MESSAGE(why.find("utf16 without base64") != std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(windash_expands_option_dashes_but_not_inner_ones) {
  const SigmaRule r = only_rule(read(
      rule_with("  sel:\n    CommandLine|windash|contains: ' -exec by-pass'\n  condition: sel\n")));
  std::vector<std::string> got = glob_texts(r.detection->test);
  BOOST_REQUIRE_EQUAL(got.size(), 5u);
  BOOST_CHECK_EQUAL(got[0], "* -exec by-pass*");
  BOOST_CHECK_EQUAL(got[1], "* /exec by-pass*");
  BOOST_CHECK_EQUAL(got[2],
                    "* \xE2\x80\x93"
                    "exec by-pass*");
}

BOOST_AUTO_TEST_CASE(expand_takes_values_from_the_placeholder_table_or_refuses) {
  SigmaReadOptions options;
  options.placeholders["Admins"] = {"root", "admin"};
  const SigmaRule r = only_rule(
      read(rule_with("  sel:\n    User|expand: '%Admins%'\n  condition: sel\n"), options));
  std::vector<std::string> got = glob_texts(r.detection->test);
  BOOST_CHECK_EQUAL(got.size(), 2u);
  BOOST_CHECK_EQUAL(got[1], "admin");
  std::string why = refusal(rule_with("  sel:\n    User|expand: '%Nobody%'\n  condition: sel\n"));
  BOOST_CHECK_MESSAGE(why.find("%Nobody% is not in the placeholder table") != std::string::npos,
                      why);
}

BOOST_AUTO_TEST_CASE(re_cidr_exists_null_numbers_and_fieldref_become_their_kinds) {
  const SigmaRule r = only_rule(read(rule_with(
      "  a:\n    Url|re|i: '^/admin'\n  b:\n    SrcIp|cidr: [10.0.0.0/8, '2001:db8::/32']\n"
      "  c:\n    User|exists: false\n  d:\n    Referer: null\n  e:\n    Bytes|gte: 1000\n"
      "  f:\n    TargetUser|fieldref: SubjectUser\n  condition: all of them\n")));
  const SigmaExpr& e = *r.detection;
  BOOST_REQUIRE_EQUAL(e.children.size(), 6u);
  BOOST_CHECK(e.children[0].test.kind == SigmaTest::Kind::kRegex);
  BOOST_CHECK(!e.children[0].test.cased);
  BOOST_CHECK(e.children[1].test.kind == SigmaTest::Kind::kCidr);
  BOOST_CHECK_EQUAL(e.children[1].test.values.size(), 2u);
  BOOST_CHECK(e.children[2].test.kind == SigmaTest::Kind::kExists);
  BOOST_CHECK(!e.children[2].test.exists);
  BOOST_CHECK(e.children[3].test.kind == SigmaTest::Kind::kNull);
  BOOST_CHECK(e.children[4].test.kind == SigmaTest::Kind::kNumber);
  BOOST_CHECK(e.children[4].test.compare == SigmaTest::Compare::kGte);
  BOOST_CHECK_EQUAL(e.children[4].test.number, 1000);
  BOOST_CHECK(e.children[5].test.kind == SigmaTest::Kind::kFieldRef);
  BOOST_CHECK_EQUAL(e.children[5].test.values[0], "SubjectUser");
}

BOOST_AUTO_TEST_CASE(keywords_are_searched_anywhere_and_all_means_every_value) {
  const SigmaRule& r =
      only_rule(read(rule_with("  keywords:\n    - 'segfault at'\n    - 'stack smashing*'\n  "
                               "sel:\n    CommandLine|contains|all: [a, b]\n"
                               "  condition: keywords and sel\n")));
  const SigmaExpr& kw = r.detection->children[0];
  BOOST_CHECK(kw.test.field.empty());
  std::vector<std::string> got = glob_texts(kw.test);
  BOOST_CHECK_EQUAL(got[0], "*segfault at*");
  BOOST_CHECK_EQUAL(got[1], "*stack smashing*");
  BOOST_CHECK(r.detection->children[1].test.all);
}

BOOST_AUTO_TEST_CASE(unknown_modifier_is_refused_naming_the_key) {
  std::string why = refusal(rule_with("  sel:\n    CommandLine|contians: x\n  condition: sel\n"));
  BOOST_CHECK_MESSAGE(
      why.find("CommandLine|contians: unknown modifier 'contians'") != std::string::npos, why);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigma_condition)

BOOST_AUTO_TEST_CASE(and_binds_tighter_than_or_and_not_tighter_than_and) {
  const SigmaRule r = only_rule(
      read(rule_with("  a: {x: 1}\n  b: {x: 2}\n  c: {x: 3}\n  condition: a or not b and c\n")));
  BOOST_CHECK_EQUAL(show(*r.detection), "(a or (not b and c))");
}

BOOST_AUTO_TEST_CASE(parentheses_and_of_forms) {
  const SigmaRule r = only_rule(
      read(rule_with("  sel_a: {x: 1}\n  sel_b: {x: 2}\n  filter: {y: 3}\n  _helper: {z: 4}\n"
                     "  condition: (1 of sel_* or all of them) and not filter\n")));
  BOOST_CHECK_EQUAL(show(*r.detection),
                    "((sel_a or sel_b or (filter and sel_a and sel_b)) and not filter)");
}

BOOST_AUTO_TEST_CASE(a_list_of_conditions_is_any_of_them) {
  const SigmaRule& r =
      only_rule(read(rule_with("  a: {x: 1}\n  b: {x: 2}\n  condition: [a, b]\n")));
  BOOST_CHECK_EQUAL(show(*r.detection), "(a or b)");
}

BOOST_AUTO_TEST_CASE(list_of_maps_is_any_of_the_maps) {
  const SigmaRule& r =
      only_rule(read(rule_with("  sel:\n    - {x: 1, y: 2}\n    - {x: 3}\n  condition: sel\n")));
  BOOST_CHECK(r.detection->op == SigmaExpr::Op::kOr);
  BOOST_CHECK(r.detection->children[0].op == SigmaExpr::Op::kAnd);
}

BOOST_AUTO_TEST_CASE(bad_conditions_say_what_is_wrong) {
  BOOST_CHECK_MESSAGE(refusal(rule_with("  a: {x: 1}\n  condition: a and b\n"))
                              .find("names 'b', which is no selection") != std::string::npos,
                      "unknown selection");
  BOOST_CHECK(refusal(rule_with("  a: {x: 1}\n  condition: (a\n")).find("'(' is not closed") !=
              std::string::npos);
  BOOST_CHECK(
      refusal(rule_with("  a: {x: 1}\n  condition: 1 of z*\n")).find("matches no selection") !=
      std::string::npos);
  BOOST_CHECK(
      refusal(rule_with("  a: {x: 1}\n  condition: a | count() > 5\n")).find("correlation rule") !=
      std::string::npos);
  BOOST_CHECK(refusal(rule_with("  a: {x: 1}\n")).find("no condition") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigma_documents)

BOOST_AUTO_TEST_CASE(metadata_carries_over) {
  const SigmaRule r = only_rule(read(
      "title: Sudo to root\nid: 0e8a7d3c-1111-2222-3333-444444444444\nstatus: test\nlevel: high\n"
      "author: Ward IT\ntags: [attack.privilege-escalation, attack.t1548.003]\nreferences: "
      "[https://example.org]\n"
      "falsepositives: [Admins]\nlogsource: {product: linux, service: sudo}\n"
      "detection:\n  sel: {USER: root}\n  condition: sel\n"));
  BOOST_CHECK_EQUAL(r.id, "0e8a7d3c-1111-2222-3333-444444444444");
  BOOST_CHECK_EQUAL(r.level, "high");
  BOOST_CHECK_EQUAL(r.tags.size(), 2u);
  BOOST_CHECK_EQUAL(r.logsource.service, "sudo");
  BOOST_CHECK_EQUAL(r.falsepositives[0], "Admins");
  BOOST_CHECK_EQUAL(r.line, 1);
}

BOOST_AUTO_TEST_CASE(one_broken_document_does_not_stop_the_others) {
  SigmaFile f =
      read(rule_with("  a: {x: 1}\n  condition: a\n") + "---\ntitle: broken\nlogsource: {}\n---\n" +
           rule_with("  b: {x: 2}\n  condition: b\n"));
  BOOST_CHECK_EQUAL(f.rules.size(), 2u);
  BOOST_REQUIRE_EQUAL(f.refused.size(), 1u);
  BOOST_CHECK_MESSAGE(f.refused[0].message.find("broken: no detection") != std::string::npos,
                      f.refused[0].message);
  BOOST_CHECK_EQUAL(f.refused[0].line, 8);
}

BOOST_AUTO_TEST_CASE(text_that_is_not_yaml_is_an_error_with_its_place) {
  Result<SigmaFile> f = read_sigma_text("bad.yml", "title: [unclosed\ndetection: x\n", {});
  BOOST_REQUIRE(!f.ok());
  BOOST_CHECK_MESSAGE(f.error().message.rfind("bad.yml:", 0) == 0, f.error().message);
  BOOST_CHECK_MESSAGE(f.error().message.find("not YAML") != std::string::npos, f.error().message);
  BOOST_CHECK(!read_sigma_file("/nonexistent/x.yml", {}).ok());
}

BOOST_AUTO_TEST_CASE(correlations_are_read_with_their_conditions) {
  SigmaFile f = read(
      "title: many failures\nname: many_failures\ncorrelation:\n  type: event_count\n  rules: "
      "[ssh_failed]\n"
      "  group-by: [SourceIp]\n  timespan: 5m\n  condition: {gte: 10}\n---\n"
      "title: spraying\ncorrelation:\n  type: value_count\n  rules: ssh_failed\n  group-by: "
      "[SourceIp]\n"
      "  timespan: 1h\n  condition: {field: User, gt: 5, lte: 50}\n---\n"
      "title: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [a, b]\n  group-by: [Host]\n "
      " timespan: 10m\n"
      "  aliases:\n    host: {a: Computer, b: hostname}\n---\n"
      "title: no window\ncorrelation:\n  type: event_count\n  rules: [a]\n  condition: {gte: 2}\n");
  BOOST_REQUIRE_EQUAL(f.rules.size(), 3u);
  const SigmaCorrelation& a = *f.rules[0].correlation;
  BOOST_CHECK(a.type == SigmaCorrelation::Type::kEventCount);
  BOOST_CHECK_EQUAL(a.timespan_seconds, 300);
  BOOST_CHECK_EQUAL(*a.gte, 10);
  BOOST_CHECK_EQUAL(f.rules[0].name, "many_failures");
  const SigmaCorrelation& b = *f.rules[1].correlation;
  BOOST_CHECK_EQUAL(b.condition_field, "User");
  BOOST_CHECK_EQUAL(*b.gt, 5);
  BOOST_CHECK_EQUAL(*b.lte, 50);
  BOOST_CHECK_EQUAL(b.rules[0], "ssh_failed");
  const SigmaCorrelation& c = *f.rules[2].correlation;
  BOOST_CHECK(c.type == SigmaCorrelation::Type::kTemporalOrdered);
  BOOST_CHECK_EQUAL(c.aliases.at("host").at("b"), "hostname");
  BOOST_REQUIRE_EQUAL(f.refused.size(), 1u);
  BOOST_CHECK_MESSAGE(f.refused[0].message.find("no timespan") != std::string::npos,
                      f.refused[0].message);
}

BOOST_AUTO_TEST_SUITE_END()
