// The correlation keys the Sigma importer maps to — count conditions (gt, gte, lt, lte, eq,
// ranges), sequence.order, incidents: false and aggregation.rule: how they load, and the
// errors, with file:line, when they are written wrong.
#include <boost/test/unit_test.hpp>

#include "rules/rule_set.h"

using namespace wardsoc;

namespace {

struct Loaded {
  Result<std::shared_ptr<const RuleSet>> set;
  LoadReport report;
};

Loaded load(std::string_view yaml) {
  LoadReport report;
  auto set = RuleSet::LoadFromSources({RuleSource{"c.yaml", std::string(yaml)}}, &report, {}, {});
  return Loaded{std::move(set), std::move(report)};
}

const Diagnostic* find(const LoadReport& r, std::string_view needle) {
  for (const auto& d : r.diagnostics) {
    if (d.message.find(needle) != std::string::npos) return &d;
  }
  return nullptr;
}

// A rule whose aggregation line (line 6) is `aggregation`.
std::string counted(std::string_view aggregation) {
  return std::string(R"(rules:
  - id: r
    title: R
    severity: low
    match: {regex: 'login (?P<user>\S+) from (?P<ip>\S+)'}
    aggregation: )") +
         std::string(aggregation) + "\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(count_conditions_load_as_bounds) {
  struct Case {
    std::string_view count;
    uint32_t min, max;
  } cases[] = {
      {"5", 5, 0},        {"{gt: 5}", 6, 0}, {"{gte: 5}", 5, 0},           {"{lt: 5}", 1, 4},
      {"{lte: 5}", 1, 5}, {"{eq: 5}", 5, 5}, {"{gte: 5, lte: 10}", 5, 10}, {"{gt: 1, lt: 3}", 2, 2},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("count: " << c.count) {
      auto l = load(counted("{count: " + std::string(c.count) + ", window: 1h, group_by: [user]}"));
      BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
      const Rule& r = (*l.set)->rules()[0];
      BOOST_TEST(r.count == c.min);
      BOOST_TEST(r.count_max == c.max);
      BOOST_TEST(r.decided_at_close() == (c.max != 0));
    }
  }
  // Distinct values take the same conditions, fewer than two values included.
  auto l = load(counted("{distinct: ip, count: {lt: 3}, window: 1h, group_by: [user]}"));
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  BOOST_TEST((*l.set)->rules()[0].count_max == 2u);
  // An upper bound is part of what the rule detects: it changes the version.
  auto a = load(counted("{count: {gte: 5}, window: 1h}"));
  auto b = load(counted("{count: {gte: 5, lte: 9}, window: 1h}"));
  auto same = load(counted("{count: 5, window: 1h}"));
  BOOST_TEST((*a.set)->rules()[0].version == (*same.set)->rules()[0].version);
  BOOST_TEST((*a.set)->rules()[0].version != (*b.set)->rules()[0].version);
}

BOOST_AUTO_TEST_CASE(impossible_count_conditions_are_errors_at_their_line) {
  struct Case {
    std::string_view count;
    std::string_view message;
  } cases[] = {
      {"{gte: 10, lte: 5}", "the range is empty (at least 10, at most 5)"},
      {"{gt: 4, lt: 5}", "the range is empty (at least 5, at most 4)"},
      {"{lt: 1}", "aggregation.count.lt: 1 is out of range 2.."},
      {"{lte: 0}", "aggregation.count.lte: 0 is out of range 1.."},
      {"{gt: 2, gte: 3}", "give one lower bound (gt or gte), not two"},
      {"{lt: 2, lte: 3}", "give one upper bound (lt or lte), not two"},
      {"{eq: 3, gte: 1}", "give one lower bound"},
      {"{ge: 3}", "'ge'"},
      {"{}", "expected a number or one of gt, gte, lt, lte, eq"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("count: " << c.count) {
      auto l = load(counted("{count: " + std::string(c.count) + ", window: 1h}"));
      BOOST_TEST(!l.set.ok());
      const Diagnostic* d = find(l.report, c.message);
      BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
      BOOST_TEST(d->file == "c.yaml");
      BOOST_TEST(d->line == 6);
      BOOST_TEST(d->rule_id == "r");
    }
  }
  // Distinct with only a lower bound still needs two values.
  auto l = load(counted("{distinct: ip, count: {gte: 1}, window: 1h, group_by: [user]}"));
  BOOST_TEST(find(l.report, "a distinct count needs at least 2 values") != nullptr);
}

BOOST_AUTO_TEST_CASE(sequence_order_takes_steps_or_any) {
  auto yaml = [](std::string_view order) {
    return std::string(R"(rules:
  - id: s
    title: S
    severity: low
    sequence:
      order: )") +
           std::string(order) + R"(
      window: 5m
      steps:
        - {name: a, match: {regex: 'a'}}
        - {name: b, match: {regex: 'b'}}
)";
  };
  auto any = load(yaml("any"));
  BOOST_TEST_REQUIRE(any.set.ok(), any.report.to_string());
  BOOST_TEST((*any.set)->rules()[0].any_order);
  auto steps = load(yaml("steps"));
  BOOST_TEST_REQUIRE(steps.set.ok(), steps.report.to_string());
  BOOST_TEST(!(*steps.set)->rules()[0].any_order);
  BOOST_TEST((*any.set)->rules()[0].version != (*steps.set)->rules()[0].version);
  auto bad = load(yaml("random"));
  BOOST_TEST(!bad.set.ok());
  const Diagnostic* d = find(bad.report, "sequence.order: 'random' is not 'steps'");
  BOOST_TEST_REQUIRE(d != nullptr, bad.report.to_string());
  BOOST_TEST(d->line == 6);
}

BOOST_AUTO_TEST_CASE(aggregation_rule_reuses_another_rules_match) {
  auto l = load(R"(rules:
  - id: base
    title: Base
    severity: low
    incidents: false
    programs: [sshd]
    match: {regex: 'Failed password for (?P<user>\S+) from (?P<ip>\S+)'}
  - id: burst
    title: Burst
    severity: high
    aggregation: {rule: base, distinct: user, count: {eq: 2}, window: 5m, group_by: [ip]}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  BOOST_TEST(l.report.warning_count() == 0u, l.report.to_string());
  const Rule& base = (*l.set)->rules()[0];
  const Rule& burst = (*l.set)->rules()[1];
  BOOST_TEST(!base.incidents);
  BOOST_TEST(burst.incidents);
  BOOST_TEST_REQUIRE(burst.match().patterns.size() == 1u);
  BOOST_TEST(burst.match().patterns[0].text == base.match().patterns[0].text);
  BOOST_TEST(burst.match().programs == std::vector<std::string>{"sshd"});
}

BOOST_AUTO_TEST_CASE(reuse_errors_name_the_rule_and_line) {
  auto l = load(R"(rules:
  - id: base
    title: Base
    severity: low
    match: {regex: 'Failed password for (?P<user>\S+)'}
  - id: unknown
    title: U
    severity: low
    aggregation: {rule: nope, count: 3, window: 5m}
  - id: both
    title: B
    severity: low
    match: {regex: 'x'}
    aggregation: {rule: base, count: 3, window: 5m}
  - id: chain
    title: C
    severity: low
    aggregation: {rule: chained, count: 3, window: 5m}
  - id: chained
    title: C2
    severity: low
    aggregation: {rule: base, count: 3, window: 5m}
  - id: flag
    title: F
    severity: low
    incidents: maybe
    match: {regex: 'y'}
)");
  BOOST_TEST(!l.set.ok());
  const Diagnostic* d = find(l.report, "aggregation.rule: names rule 'nope', which does not exist");
  BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
  BOOST_TEST(d->line == 9);
  BOOST_TEST(d->rule_id == "unknown");
  d = find(l.report, "takes no 'match' or 'where' of its own");
  BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
  BOOST_TEST(d->line == 13);
  d = find(l.report, "names rule 'chained', which is a rule that reuses rule 'base'");
  BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
  BOOST_TEST(d->line == 18);
  d = find(l.report, "incidents: expected true or false");
  BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
  BOOST_TEST(d->line == 26);
}

BOOST_AUTO_TEST_CASE(a_rule_without_incidents_that_nothing_reuses_is_a_warning) {
  auto l = load(R"(rules:
  - id: lonely
    title: L
    severity: low
    incidents: false
    match: {regex: 'x'}
)");
  BOOST_TEST_REQUIRE(l.set.ok(), l.report.to_string());
  const Diagnostic* d = find(l.report, "no rule reuses this rule's match");
  BOOST_TEST_REQUIRE(d != nullptr, l.report.to_string());
  BOOST_TEST((d->level == Diagnostic::Level::kWarning));
  BOOST_TEST(d->line == 2);
}
