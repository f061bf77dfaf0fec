// The line-by-line tester behind `wardsoc rules test --log`: what it says for matches,
// threshold progress and near misses.
#include "detect/log_tester.h"

#include <boost/test/unit_test.hpp>

#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: ssh.bruteforce
    title: SSH brute-force login
    severity: high
    programs: [sshd]
    match: {regex: '^Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
    where: [{field: user, not_in: [nagios]}]
    aggregation: {count: 3, window: 2m, group_by: [src_ip]}
  - id: ssh.root
    title: root login
    severity: high
    programs: [sshd]
    match: {regex: '^Accepted password for root from (?P<src_ip>\S+)'}
)";

std::shared_ptr<const RuleSet> rules() {
  LoadReport report;
  auto set = RuleSet::LoadFromString(kRules, "t.yaml", &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  return *set;
}

EventBatch batch_of(const std::vector<std::pair<std::string, std::string>>& lines) {
  EventBatch b;
  int64_t t = kT0;
  for (const auto& [app, msg] : lines)
    add_event(b, {.message = msg, .time_us = t += kSecond, .app = app});
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_line_says_what_matched_and_how_far_the_threshold_got) {
  auto t = std::move(LogTester::Create(rules(), {}).value());
  EventBatch b = batch_of({{"sshd", "Failed password for root from 203.0.113.7 port 1 ssh2"},
                           {"sshd", "Failed password for admin from 203.0.113.7 port 2 ssh2"},
                           {"sshd", "session opened for user bob"},
                           {"sshd", "Failed password for test from 203.0.113.7 port 3 ssh2"}});
  std::vector<LineResult> out;
  std::vector<IncidentChange> changes;
  t->process(b, &out, &changes);
  BOOST_TEST_REQUIRE(out.size() == 4u);
  BOOST_TEST_REQUIRE(out[0].hits.size() == 1u);
  BOOST_TEST((out[0].hits[0].outcome.kind == MatchOutcome::Kind::kHeld));
  BOOST_TEST(out[0].hits[0].outcome.held == 1u);
  BOOST_TEST(out[0].hits[0].outcome.needed == 3u);
  BOOST_TEST(out[0].hits[0].outcome.key == "203.0.113.7");
  BOOST_TEST(out[1].hits[0].outcome.held == 2u);
  BOOST_TEST(out[2].hits.empty());
  BOOST_TEST((out[3].hits[0].outcome.kind == MatchOutcome::Kind::kCreated));
  BOOST_TEST(out[3].hits[0].outcome.incident_id.size() == 16u);
  BOOST_TEST(changes.size() == 1u);
  BOOST_TEST(t->lines() == 4u);
  BOOST_TEST(t->unmatched_lines() == 1u);
  BOOST_TEST(t->tallies()[0].matches == 3u);
  BOOST_TEST(t->tallies()[0].incidents == 1u);
}

BOOST_AUTO_TEST_CASE(explain_gives_the_first_thing_that_failed_for_near_misses) {
  LogTesterOptions o;
  o.explain = true;
  auto t = std::move(LogTester::Create(rules(), o).value());
  EventBatch b = batch_of({{"sshd", "Failed password for nagios from 192.0.2.3 port 1 ssh2"},
                           {"cron", "Accepted password for root from 192.0.2.4 port 1 ssh2"}});
  std::vector<LineResult> out;
  std::vector<IncidentChange> changes;
  t->process(b, &out, &changes);
  BOOST_TEST_REQUIRE(out[0].near_misses.size() == 1u);
  BOOST_TEST((out[0].near_misses[0].why.stage == Explanation::Stage::kWhere));
  BOOST_TEST(out[0].near_misses[0].why.message ==
             "where user not_in [nagios] is false for user='nagios'");
  BOOST_TEST_REQUIRE(out[1].near_misses.size() == 1u);
  BOOST_TEST((out[1].near_misses[0].why.stage == Explanation::Stage::kProgram));
}

BOOST_AUTO_TEST_CASE(one_rule_is_always_explained_when_asked_for) {
  LogTesterOptions o;
  o.explain = true;
  o.rule = 1;  // ssh.root
  auto t = std::move(LogTester::Create(rules(), o).value());
  EventBatch b = batch_of({{"sshd", "Failed password for root from 203.0.113.7 port 1 ssh2"},
                           {"sshd", "Accepted password for root from 192.0.2.4 port 1 ssh2"}});
  std::vector<LineResult> out;
  std::vector<IncidentChange> changes;
  t->process(b, &out, &changes);
  BOOST_TEST(out[0].hits.empty());  // only ssh.root is reported
  BOOST_TEST_REQUIRE(out[0].near_misses.size() == 1u);
  BOOST_TEST((out[0].near_misses[0].why.stage == Explanation::Stage::kPrefilter));
  BOOST_TEST(out[1].hits.size() == 1u);
  BOOST_TEST(!LogTester::Create(rules(), LogTesterOptions{.rule = 7}).ok());
}

BOOST_AUTO_TEST_CASE(fixed_windows_are_decided_and_counted_when_the_log_ends) {
  LoadReport report;
  auto set = RuleSet::LoadFromString(R"(rules:
  - id: ssh.fail
    title: SSH failure
    severity: low
    incidents: false
    match: {regex: '^Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
  - id: ssh.few
    title: Fewer than three failures
    severity: low
    aggregation: {rule: ssh.fail, count: {lt: 3}, window: 1m, group_by: [src_ip]}
)",
                                     "w.yaml", &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  auto t = std::move(LogTester::Create(*set, {}).value());
  EventBatch b;
  add_event(b, {.message = "Failed password for root from 203.0.113.7 port 1", .time_us = kT0});
  // Two minutes later: the first address's window has closed by event time.
  add_event(b, {.message = "Failed password for root from 203.0.113.8 port 1",
                .time_us = kT0 + 120 * kSecond});
  std::vector<LineResult> out;
  std::vector<IncidentChange> changes;
  t->process(b, &out, &changes);
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST_REQUIRE(out[0].hits.size() == 2u);
  BOOST_TEST((out[0].hits[0].outcome.kind == MatchOutcome::Kind::kNoIncident));
  BOOST_TEST((out[0].hits[1].outcome.kind == MatchOutcome::Kind::kInWindow));
  BOOST_TEST(changes.size() == 1u);
  BOOST_TEST(t->tallies()[1].incidents == 1u);
  t->finish(&changes);  // the second address's window
  BOOST_TEST(changes.size() == 2u);
  BOOST_TEST(t->tallies()[1].incidents == 2u);
  BOOST_TEST(t->tallies()[0].incidents == 0u);
  BOOST_TEST(t->tallies()[0].matches == 2u);
}
