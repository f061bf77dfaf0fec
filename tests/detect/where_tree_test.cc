// `where` as a tree (any/all/not) with the text operators (contains, startswith, endswith,
// glob, nocase), exists and field_equals, through the real loader and matcher; and what the
// loader says about such conditions written wrong.
#include <boost/test/unit_test.hpp>

#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: proc.encoded
    title: Encoded command from a shell
    severity: high
    match: {regex: '^exec image=(?P<image>\S+) cmd=(?P<cmd>.*?)(?: parent=(?P<parent>\S+))?$'}
    where:
      - any:
          - {field: image, endswith: ['\powershell.exe', '\pwsh.exe'], nocase: true}
          - {field: image, glob: 'C:\Tools\sh?ll*.exe', nocase: true}
      - all:
          - {field: cmd, contains: ' -enc', nocase: true}
          - {field: cmd, contains: ['AAAA', 'BBBB']}
      - not: {field: parent, startswith: 'C:\Windows\'}
  - id: user.same
    title: A user acting on themself
    severity: low
    match: {regex: '^act (?P<actor>\S+) on (?P<target>\S+)(?: via (?P<via>\S+))?'}
    where:
      - {field: actor, field_equals: target}
      - {field: via, exists: false}
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = RuleSet::LoadFromSources({RuleSource{"tree.yaml", std::string(kRules)}}, &report);
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    return *set;
  }();
  return rs;
}

std::vector<std::string> matched(std::string_view message) {
  auto m = Matcher::Create(rules(), {});
  BOOST_TEST_REQUIRE(m.ok());
  EventBatch b;
  add_event(b, {.message = message, .time_us = kT0, .host = "pc1", .app = "sysmon"});
  std::vector<Match> ms;
  m.value()->scan(b, 0, 1, &ms);
  std::vector<std::string> ids;
  for (const Match& x : ms) ids.push_back(rules()->rules()[x.rule].id);
  return ids;
}

const std::vector<std::string> kEncoded = {"proc.encoded"};
const std::vector<std::string> kSame = {"user.same"};
const std::vector<std::string> kNone = {};

std::string load_error(const std::string& where) {
  LoadReport report;
  auto set =
      RuleSet::LoadFromSources({RuleSource{"bad.yaml",
                                           "rules:\n  - id: a\n    title: a\n    severity: low\n"
                                           "    match: {regex: '(?P<x>\\S+)'}\n    where:\n" +
                                               where}},
                               &report);
  BOOST_TEST(!set.ok());
  return report.to_string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(any_all_and_not_combine_text_operators) {
  BOOST_TEST(matched(R"(exec image=C:\Windows\PowerShell.EXE cmd=x -EncodedCommand AAAA)") ==
             kEncoded);
  BOOST_TEST(matched(R"(exec image=c:\tools\shell64.exe cmd=x -enc BBBB)") ==
             kEncoded);  // glob, nocase
  // endswith is on the end of the value, not anywhere in it
  BOOST_TEST(matched(R"(exec image=C:\powershell.exe.bak cmd=x -enc AAAA)") == kNone);
  // glob's ? is one character
  BOOST_TEST(matched(R"(exec image=C:\Tools\shll.exe cmd=x -enc AAAA)") == kNone);
  // all: both contains must hold; the second is case-sensitive
  BOOST_TEST(matched(R"(exec image=C:\pwsh.exe cmd=x -enc aaaa)") == kNone);
  BOOST_TEST(matched(R"(exec image=C:\pwsh.exe cmd=x AAAA)") == kNone);
  // not: the parent must not start with the Windows folder; no parent at all is fine
  BOOST_TEST(matched(R"(exec image=C:\pwsh.exe cmd=x -enc AAAA parent=C:\Windows\a.exe)") == kNone);
  BOOST_TEST(matched(R"(exec image=C:\pwsh.exe cmd=x -enc AAAA parent=C:\Users\a.exe)") ==
             kEncoded);
}

BOOST_AUTO_TEST_CASE(field_equals_compares_two_fields_and_exists_tests_presence) {
  BOOST_TEST(matched("act alice on alice") == kSame);
  BOOST_TEST(matched("act alice on bob") == kNone);
  BOOST_TEST(matched("act alice on alice via sudo") == kNone);
}

BOOST_AUTO_TEST_CASE(conditions_written_wrong_are_load_errors_with_their_place) {
  BOOST_TEST(load_error("      - {any: []}\n").find("bad.yaml:7:") != std::string::npos);
  BOOST_TEST(load_error("      - {any: []}\n").find("where.any: expected a non-empty list") !=
             std::string::npos);
  BOOST_TEST(load_error("      - {any: [{field: x, contains: a}], field: x}\n")
                 .find("stand alone in their mapping") != std::string::npos);
  BOOST_TEST(
      load_error("      - {field: x, gt: 3, nocase: true}\n").find("where.nocase: only for") !=
      std::string::npos);
  BOOST_TEST(load_error("      - not: {field: y, contains: a}\n")
                 .find("'y' is neither a built-in field") != std::string::npos);
  BOOST_TEST(load_error("      - {field: x, field_equals: zz}\n").find("'zz' is neither") !=
             std::string::npos);
  BOOST_TEST(load_error("      - {field: x, exists: maybe}\n")
                 .find("where.exists: expected true or false") != std::string::npos);
  std::string deep = "      - ";
  for (int i = 0; i < 20; ++i) deep += "{not: ";
  deep += "{field: x, contains: a}";
  for (int i = 0; i < 20; ++i) deep += "}";
  BOOST_TEST(load_error(deep + "\n").find("nest deeper than 16") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_version_changes_with_nocase_and_the_tree) {
  auto version_of = [](const std::string& where) {
    LoadReport report;
    auto set =
        RuleSet::LoadFromSources({RuleSource{"v.yaml",
                                             "rules:\n  - id: a\n    title: a\n    severity: low\n"
                                             "    match: {regex: '(?P<x>\\S+)'}\n    where:\n" +
                                                 where}},
                                 &report);
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    return (*set)->rules()[0].version;
  };
  const std::string plain = version_of("      - {field: x, contains: a}\n");
  BOOST_TEST(plain != version_of("      - {field: x, contains: a, nocase: true}\n"));
  BOOST_TEST(plain != version_of("      - {not: {field: x, contains: a}}\n"));
  BOOST_TEST(plain == version_of("      - {field: x,   contains: [a]}\n"));
}
