// The rule language beyond one regex: where conditions, named lists, contains terms,
// distinct / sequence / absence aggregation and input sources — how they load, and the
// errors (with positions) when they are written wrong.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "rules/rule_set.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  Result<std::shared_ptr<const RuleSet>> set;
  LoadReport report;
};

Loaded load(std::string_view yaml, const std::vector<RuleSource>& lists = {}) {
  LoadReport report;
  auto set =
      RuleSet::LoadFromSources({RuleSource{"t.yaml", std::string(yaml)}}, &report, {}, lists);
  return Loaded{std::move(set), std::move(report)};
}

const Diagnostic* find(const LoadReport& r, std::string_view needle) {
  for (const auto& d : r.diagnostics) {
    if (d.message.find(needle) != std::string::npos) return &d;
  }
  return nullptr;
}

constexpr std::string_view kHead = R"(rules:
  - id: r
    title: R
    severity: low
)";

}  // namespace

BOOST_AUTO_TEST_CASE(where_conditions_load_with_their_operators) {
  auto l = load(std::string(kHead) +
                R"(    match: {regex: 'user=(?P<user>\S+) ip=(?P<ip>\S+) n=(?P<n>\d+)'}
    where:
      - {field: user, in: [root, admin]}
      - {field: ip, not_cidr: [10.0.0.0/8, '2001:db8::/32']}
      - {field: n, ge: 3}
      - {field: user, not_regex: '^svc_'}
      - {field: host, equals: gw}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const auto& where = (*l.set)->rules()[0].match().where;
  BOOST_TEST_REQUIRE(where.size() == 5u);
  BOOST_TEST(where[0].describe() == "user in [root, admin]");
  BOOST_TEST(where[1].describe() == "ip not_cidr [10.0.0.0/8, 2001:db8::/32]");
  BOOST_TEST(where[2].describe() == "n ge 3");
  BOOST_TEST(where[3].describe() == "user not_regex '^svc_'");
  BOOST_TEST(where[4].pos.line == 11);
}

BOOST_AUTO_TEST_CASE(where_mistakes_name_the_condition_and_its_line) {
  // Read-stage mistakes (shape, values) in one rule...
  auto l = load(std::string(kHead) + R"(    match: {regex: 'user=(?P<user>\S+)'}
    where:
      - {field: user, equals: root, in: [a]}
      - {field: user, cidr: [10.0.0.0/33]}
      - {field: user, gt: many}
      - {field: user, like: x}
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic* two = find(l.report, "one operator per condition");
  BOOST_TEST_REQUIRE(two != nullptr);
  BOOST_TEST(two->line == 7);
  BOOST_TEST(two->rule_id == "r");
  BOOST_TEST(find(l.report, "'10.0.0.0/33' is not a network") != nullptr);
  BOOST_TEST(find(l.report, "where.gt: expected a number, got 'many'") != nullptr);
  BOOST_TEST(find(l.report, "unknown key 'like'") != nullptr);
  // ...and check- and compile-stage ones in a rule that reads fine.
  auto c = load(std::string(kHead) + R"(    match: {regex: 'user=(?P<user>\S+)'}
    where:
      - {field: usr, equals: root}
      - {field: user, regex: 'a(b'}
)");
  BOOST_TEST(!c.set.ok());
  const Diagnostic* d = find(c.report, "where: 'usr' is neither a built-in field");
  BOOST_TEST_REQUIRE(d != nullptr);
  BOOST_TEST(d->line == 7);
  BOOST_TEST(d->message.find("write (?P<usr>...)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(named_lists_are_found_next_to_the_rules_and_resolved) {
  wardsoc::testing::TempDir dir;
  fs::create_directories(dir.path() / "lists");
  std::ofstream(dir.path() / "lists" / "admins.txt")
      << "# trusted admin addresses\n192.0.2.10\n198.51.100.0/24  # office\n\nbackup-user\n";
  std::ofstream(dir.path() / "lists" / "unused.txt") << "x\n";
  std::ofstream(dir.path() / "a.yaml") << std::string(kHead) +
                                              "    match: {regex: 'from (?P<ip>\\S+)'}\n"
                                              "    where: [{field: ip, not_in_list: admins}]\n";
  LoadReport report;
  auto set = RuleSet::Load(dir.path(), &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  BOOST_TEST_REQUIRE((*set)->lists().size() == 2u);
  const NamedList& admins = (*set)->lists()[0];
  BOOST_TEST(admins.name == "admins");
  BOOST_TEST(admins.entries == 3u);
  BOOST_TEST(admins.contains("192.0.2.10"));
  BOOST_TEST(admins.contains("198.51.100.77"));
  BOOST_TEST(admins.contains("backup-user"));
  BOOST_TEST(!admins.contains("192.0.2.11"));
  BOOST_TEST((*set)->rules()[0].match().where[0].list_index == 0u);
  const Diagnostic* unused = find(report, "list 'unused' is not used by any rule");
  BOOST_TEST_REQUIRE(unused != nullptr);
  BOOST_TEST((unused->level == Diagnostic::Level::kWarning));
}

BOOST_AUTO_TEST_CASE(unknown_list_and_bad_list_entry_are_errors_with_positions) {
  auto l = load(
      std::string(kHead) +
          "    match: {regex: 'from (?P<ip>\\S+)'}\n    where: [{field: ip, in_list: admin}]\n",
      {RuleSource{"lists/admins.txt", "192.0.2.10\n10.1.2.300\n"}});
  BOOST_TEST(!l.set.ok());
  const Diagnostic* unknown = find(l.report, "no list named 'admin'");
  BOOST_TEST_REQUIRE(unknown != nullptr);
  BOOST_TEST(unknown->line == 6);
  BOOST_TEST(unknown->message.find("known: admins") != std::string::npos);
  const Diagnostic* bad = find(l.report, "invalid address or network '10.1.2.300'");
  BOOST_TEST_REQUIRE(bad != nullptr);
  BOOST_TEST(bad->file == "lists/admins.txt");
  BOOST_TEST(bad->line == 2);
}

BOOST_AUTO_TEST_CASE(editing_a_list_changes_the_version_of_the_rules_that_use_it) {
  const std::string yaml =
      std::string(kHead) +
      "    match: {regex: 'from (?P<ip>\\S+)'}\n    where: [{field: ip, in_list: admins}]\n";
  auto a = load(yaml, {RuleSource{"lists/admins.txt", "192.0.2.10\n"}});
  auto b = load(yaml, {RuleSource{"lists/admins.txt", "# reordered, same entries\n192.0.2.10\n"}});
  auto c = load(yaml, {RuleSource{"lists/admins.txt", "192.0.2.10\n192.0.2.11\n"}});
  BOOST_TEST_REQUIRE((a.set.ok() && b.set.ok() && c.set.ok()));
  BOOST_TEST((*a.set)->rules()[0].version == (*b.set)->rules()[0].version);
  BOOST_TEST((*a.set)->rules()[0].version != (*c.set)->rules()[0].version);
}

BOOST_AUTO_TEST_CASE(contains_terms_are_literal_and_matched_exactly_by_hyperscan) {
  auto l = load(std::string(kHead) + R"(    match:
      contains: ['../../', 'a+b (c)']
      ignore_case: true
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const auto& ps = (*l.set)->rules()[0].match().patterns;
  BOOST_TEST_REQUIRE(ps.size() == 2u);
  BOOST_TEST(ps[0].from_contains);
  BOOST_TEST(ps[0].literal == "../../");
  BOOST_TEST(ps[1].display() == "contains 'a+b (c)'");
  BOOST_TEST((ps[0].kind == MatchKind::kHyperscanExact));
  BOOST_TEST(!ps[0].needs_confirm);
}

BOOST_AUTO_TEST_CASE(distinct_needs_a_captured_field_outside_group_by) {
  auto ok = load(std::string(kHead) +
                 R"(    match: {regex: 'Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: user, count: 5, window: 10m, group_by: [src_ip]}
)");
  BOOST_TEST_REQUIRE(ok.set.ok(), ok.report.to_string());
  const Rule& r = (*ok.set)->rules()[0];
  BOOST_TEST((r.kind == AggregationKind::kDistinct));
  BOOST_TEST(r.distinct_field == "user");
  BOOST_TEST(r.count == 5u);

  auto bad = load(std::string(kHead) +
                  R"(    match: {regex: 'Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: usr, count: 5, window: 10m, group_by: [src_ip]}
  - id: r2
    title: R
    severity: low
    match: {regex: 'Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: src_ip, count: 5, window: 10m, group_by: [src_ip]}
)");
  BOOST_TEST(!bad.set.ok());
  const Diagnostic* d = find(bad.report, "aggregation.distinct: 'usr' is neither");
  BOOST_TEST_REQUIRE(d != nullptr);
  BOOST_TEST(d->line == 6);
  BOOST_TEST(find(bad.report, "'src_ip' is also in group_by") != nullptr);
}

BOOST_AUTO_TEST_CASE(sequence_steps_load_and_reuse_another_rules_match) {
  auto l = load(R"(rules:
  - id: ssh.fail
    title: F
    severity: low
    programs: [sshd]
    match: {regex: '^Failed \S+ for (?P<user>\S+) from (?P<src_ip>\S+)'}
  - id: ssh.compromise
    title: Success after failures
    severity: critical
    sequence:
      window: 10m
      group_by: [src_ip]
      steps:
        - {name: failures, count: 5, rule: ssh.fail}
        - name: success
          match: {regex: '^Accepted \S+ for (?P<user>\S+) from (?P<src_ip>\S+)'}
    tests:
      match:
        - {line: 'Nov 25 10:00:00 gw sshd[1]: Accepted password for bob from 192.0.2.1 port 2 ssh2', step: success}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const Rule& r = (*l.set)->rules()[1];
  BOOST_TEST((r.kind == AggregationKind::kSequence));
  BOOST_TEST_REQUIRE(r.steps.size() == 2u);
  BOOST_TEST(r.steps[0].name == "failures");
  BOOST_TEST(r.steps[0].count == 5u);
  BOOST_TEST(r.steps[0].patterns.size() == 1u);  // copied from ssh.fail
  BOOST_TEST(r.steps[0].programs == std::vector<std::string>{"sshd"});
  BOOST_TEST(r.window_us == 600 * 1'000'000LL);
  BOOST_TEST((*l.set)->units().size() == 3u);  // one for ssh.fail, two steps
  BOOST_TEST((*l.set)->first_unit(1) == 1u);
}

BOOST_AUTO_TEST_CASE(sequence_mistakes_are_reported) {
  auto l = load(R"(rules:
  - id: s
    title: S
    severity: low
    match: {regex: 'x'}
    sequence:
      window: 1m
      steps: [{match: {regex: 'x'}}, {match: {regex: 'y'}}]
  - id: t
    title: T
    severity: low
    sequence:
      window: 1m
      steps: [{match: {regex: 'y'}}]
  - id: u
    title: U
    severity: low
    sequence:
      window: 1m
      steps:
        - {rule: nope}
        - {name: b, match: {regex: 'y'}}
)");
  BOOST_TEST(!l.set.ok());
  BOOST_TEST(find(l.report, "a sequence rule gives its lines per step") != nullptr);
  BOOST_TEST(find(l.report, "expected a list of at least two steps") != nullptr);
  const Diagnostic* ref = find(l.report, "names rule 'nope', which does not exist");
  BOOST_TEST_REQUIRE(ref != nullptr);
  BOOST_TEST(ref->line == 21);
  BOOST_TEST(ref->rule_id == "u");
}

BOOST_AUTO_TEST_CASE(absence_rule_may_go_without_match) {
  auto l = load(R"(rules:
  - id: cam.silent
    title: Camera silent
    severity: medium
    sources: [camera]
    absence: {after: 15m, group_by: [host]}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const Rule& r = (*l.set)->rules()[0];
  BOOST_TEST((r.kind == AggregationKind::kAbsence));
  BOOST_TEST(r.window_us == 900 * 1'000'000LL);
  BOOST_TEST(r.match().patterns.empty());
  BOOST_TEST((*l.set)->always_units() == std::vector<uint32_t>{0});
  auto no_after = load(std::string(kHead) + "    absence: {group_by: [host]}\n");
  BOOST_TEST(find(no_after.report, "absence: 'after' is required") != nullptr);
  auto no_match = load(std::string(kHead) + "    aggregation: {count: 2, window: 1m}\n");
  BOOST_TEST(find(no_match.report, "'match' is required") != nullptr);
}

BOOST_AUTO_TEST_CASE(sources_take_classes_and_input_names) {
  auto l = load(std::string(kHead) +
                "    sources: [camera, 'input:cam-syslog']\n    match: {regex: 'x'}\n");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const Rule& r = (*l.set)->rules()[0];
  BOOST_TEST(r.applies_to(AssetClass::kCamera));
  BOOST_TEST(!r.applies_to(AssetClass::kLan));
  BOOST_TEST(r.inputs == std::vector<std::string>{"cam-syslog"});
  auto typo = load(std::string(kHead) + "    sources: [camrea]\n    match: {regex: 'x'}\n");
  const Diagnostic* d = find(typo.report, "'camrea' is not an asset class");
  BOOST_TEST_REQUIRE(d != nullptr);
  BOOST_TEST(d->message.find("write 'input:camrea'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slow_shapes_are_warned_about_but_do_not_block) {
  auto l = load(std::string(kHead) + R"(    match:
      regex: ['(\w+\s?)+$', 'x.{300}y', '\d+']
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  BOOST_TEST(find(l.report, "slow pattern: a repetition inside a repeated group") != nullptr);
  BOOST_TEST(find(l.report, "slow pattern: a counted repetition of 300") != nullptr);
  BOOST_TEST(find(l.report, "no literal text of 3+ bytes to anchor on") != nullptr);
  BOOST_TEST(l.report.error_count() == 0u);
}
