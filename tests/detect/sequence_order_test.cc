// Sequences in the real matcher and correlator: `order: any` (Sigma's temporal) fires with
// its steps in every order, an ordered sequence follows event time when its lines arrive
// out of order, and rules with `incidents: false` only feed the rules that reuse them
// (sequence steps and aggregation.rule).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>

#include "detect/correlator.h"
#include "detect/engine.h"
#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: recon
    title: Reconnaissance commands in any order
    severity: high
    sequence:
      order: any
      window: 5m
      group_by: [user]
      steps:
        - {name: whoami, match: {regex: '^cmd (?P<user>\S+) whoami (?P<n>\d+)'}}
        - {name: netstat, count: 2, match: {regex: '^cmd (?P<user>\S+) netstat (?P<n>\d+)'}}
        - {name: ipconfig, match: {regex: '^cmd (?P<user>\S+) ipconfig (?P<n>\d+)'}}
  - id: ssh.fail
    title: SSH failure
    severity: low
    incidents: false
    match: {regex: '^Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
  - id: compromise
    title: Success after failures
    severity: critical
    sequence:
      window: 5m
      group_by: [src_ip]
      steps:
        - {name: failures, count: 3, rule: ssh.fail}
        - name: success
          match: {regex: '^Accepted password for (?P<user>\S+) from (?P<src_ip>\S+)'}
  - id: ssh.fail.burst
    title: Many SSH failures
    severity: medium
    aggregation: {rule: ssh.fail, count: {gte: 4}, window: 5m, group_by: [src_ip]}
  - id: ssh.fail.users
    title: Few users tried
    severity: low
    aggregation: {rule: ssh.fail, distinct: user, count: {eq: 2}, window: 5m, group_by: [src_ip]}
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = RuleSet::LoadFromString(kRules, "sequence.yaml", &report);
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    BOOST_TEST(report.warning_count() == 0u, report.to_string());
    return *set;
  }();
  return rs;
}

struct Run {
  Run() : correlator(rules(), {"syslog"}) { matcher = std::move(Matcher::Create(rules()).value()); }
  std::vector<IncidentChange> line(const std::string& message, int64_t t) {
    EventBatch b;
    add_event(b, {.message = message, .time_us = t});
    std::vector<Match> matches;
    matcher->scan(b, 0, b.size(), &matches);
    std::vector<IncidentChange> out;
    correlator.process(b, matches, &out);
    return out;
  }
  std::unique_ptr<Matcher> matcher;
  Correlator correlator;
};

const IncidentChange* of_rule(const std::vector<IncidentChange>& cs, std::string_view rule) {
  for (const auto& c : cs) {
    if (c.incident.rule_id == rule) return &c;
  }
  return nullptr;
}

std::string failed(std::string_view user, std::string_view ip = "203.0.113.7") {
  return "Failed password for " + std::string(user) + " from " + std::string(ip) + " port 1";
}
std::string accepted(std::string_view user, std::string_view ip = "203.0.113.7") {
  return "Accepted password for " + std::string(user) + " from " + std::string(ip) + " port 1";
}

}  // namespace

BOOST_AUTO_TEST_CASE(any_order_sequence_fires_on_its_last_line_in_every_order) {
  // The steps' lines: one whoami, two netstat, one ipconfig — all twelve distinct orders.
  std::vector<std::string> steps = {"ipconfig", "netstat", "netstat", "whoami"};
  int orders = 0;
  do {
    BOOST_TEST_CONTEXT("order " << steps[0] << "," << steps[1] << "," << steps[2] << ","
                                << steps[3]) {
      Run r;
      for (size_t i = 0; i + 1 < steps.size(); ++i) {
        BOOST_TEST(!of_rule(r.line("cmd ann " + steps[i] + " " + std::to_string(i),
                                   kT0 + static_cast<int64_t>(i) * kSecond),
                            "recon"));
      }
      auto out = r.line("cmd ann " + steps[3] + " 3", kT0 + 3 * kSecond);
      const IncidentChange* c = of_rule(out, "recon");
      BOOST_TEST_REQUIRE(c != nullptr);
      BOOST_TEST((c->kind == IncidentChange::Kind::kCreated));
      BOOST_TEST(c->incident.count == 4u);
      BOOST_TEST(c->incident.window_start_us == kT0);
      BOOST_TEST(c->incident.fields.at("n") == "3");  // the fields of the last line
      BOOST_TEST_REQUIRE(c->new_evidence.size() == 4u);
      BOOST_TEST(c->new_evidence.front().event_time_us == kT0);
      // Until the gap closes it, a line of any step folds into it.
      out = r.line("cmd ann whoami 9", kT0 + 4 * kSecond);
      c = of_rule(out, "recon");
      BOOST_TEST_REQUIRE(c != nullptr);
      BOOST_TEST((c->kind == IncidentChange::Kind::kUpdated));
      BOOST_TEST(c->incident.count == 5u);
    }
    ++orders;
  } while (std::next_permutation(steps.begin(), steps.end()));
  BOOST_TEST(orders == 12);
}

BOOST_AUTO_TEST_CASE(any_order_sequence_needs_every_step_within_the_window) {
  Run r;
  // A step short (one netstat of two): nothing.
  r.line("cmd bo whoami 1", kT0);
  r.line("cmd bo netstat 2", kT0 + kSecond);
  BOOST_TEST(!of_rule(r.line("cmd bo ipconfig 3", kT0 + 2 * kSecond), "recon"));
  // Spread over more than five minutes: nothing.
  Run slow;
  slow.line("cmd cy netstat 1", kT0);
  slow.line("cmd cy netstat 2", kT0 + 2 * 60 * kSecond);
  slow.line("cmd cy ipconfig 3", kT0 + 4 * 60 * kSecond);
  BOOST_TEST(!of_rule(slow.line("cmd cy whoami 4", kT0 + 5 * 60 * kSecond + kSecond), "recon"));
  // Another user's lines never count.
  Run other;
  other.line("cmd dee whoami 1", kT0);
  other.line("cmd dee netstat 2", kT0 + kSecond);
  other.line("cmd dee netstat 3", kT0 + 2 * kSecond);
  BOOST_TEST(!of_rule(other.line("cmd eve ipconfig 4", kT0 + 3 * kSecond), "recon"));
}

BOOST_AUTO_TEST_CASE(any_order_sequence_keeps_its_lines_across_a_restart) {
  EngineOptions o;
  o.workers = 1;
  o.correlator.track_state = true;
  std::map<std::string, std::string> checkpoint;  // the state as the store would hold it
  auto feed = [&](Engine& e, const std::string& msg, int64_t t) {
    EventBatch b;
    add_event(b, {.message = msg, .time_us = t});
    std::vector<IncidentChange> out;
    e.process(b, &out);
    std::vector<StateChange> changes;
    e.take_state_changes(&changes, false);
    for (auto& c : changes) {
      if (c.value) {
        checkpoint[c.key] = *c.value;
      } else {
        checkpoint.erase(c.key);
      }
    }
    return out;
  };
  {
    auto first = std::move(Engine::Create(rules(), {"syslog"}, o).value());
    feed(*first, "cmd fay netstat 1", kT0);
    feed(*first, "cmd fay ipconfig 2", kT0 + kSecond);
    feed(*first, "cmd fay netstat 3", kT0 + 2 * kSecond);
  }
  auto second = std::move(Engine::Create(rules(), {"syslog"}, o).value());
  for (const auto& [k, v] : checkpoint) BOOST_TEST(second->restore_state(k, v));
  auto out = feed(*second, "cmd fay whoami 4", kT0 + 3 * kSecond);
  const IncidentChange* c = of_rule(out, "recon");
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->incident.count == 4u);
  BOOST_TEST(c->new_evidence.size() == 4u);
}

BOOST_AUTO_TEST_CASE(ordered_sequence_follows_event_time_when_lines_arrive_out_of_order) {
  // The success arrives first but happened last: when the third failure arrives, the
  // lines are in step order by event time, and the sequence is complete.
  Run late;
  BOOST_TEST(!of_rule(late.line(accepted("bob"), kT0 + 10 * kSecond), "compromise"));
  BOOST_TEST(!of_rule(late.line(failed("bob"), kT0 + 1 * kSecond), "compromise"));
  BOOST_TEST(!of_rule(late.line(failed("bob"), kT0 + 2 * kSecond), "compromise"));
  auto out = late.line(failed("bob"), kT0 + 3 * kSecond);
  const IncidentChange* c = of_rule(out, "compromise");
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->incident.window_start_us == kT0 + kSecond);
  BOOST_TEST(c->incident.last_seen_us == kT0 + 10 * kSecond);
  BOOST_TEST_REQUIRE(c->new_evidence.size() == 4u);
  BOOST_TEST(c->new_evidence.back().line.find("Accepted") != std::string::npos);
  // The success happened before the failures (in event time too): no incident.
  Run wrong;
  wrong.line(accepted("bob"), kT0);
  for (int i = 1; i <= 3; ++i) {
    BOOST_TEST(!of_rule(wrong.line(failed("bob"), kT0 + i * kSecond), "compromise"));
  }
}

BOOST_AUTO_TEST_CASE(a_rule_without_incidents_feeds_the_rules_that_reuse_it) {
  EngineOptions o;
  o.workers = 1;
  auto engine = std::move(Engine::Create(rules(), {"syslog"}, o).value());
  std::vector<IncidentChange> out;
  for (int i = 0; i < 4; ++i) {
    EventBatch b;
    add_event(b, {.message = failed(i < 2 ? "root" : "admin"), .time_us = kT0 + i * kSecond});
    engine->process(b, &out);
  }
  EventBatch ok;
  add_event(ok, {.message = accepted("root"), .time_us = kT0 + 5 * kSecond});
  engine->process(ok, &out);
  engine->flush(&out);
  std::map<std::string, int> created;
  for (const auto& c : out) created[c.incident.rule_id] += c.kind == IncidentChange::Kind::kCreated;
  BOOST_TEST(created["ssh.fail"] == 0);  // its own matches make nothing
  BOOST_TEST(created["compromise"] == 1);
  BOOST_TEST(created["ssh.fail.burst"] == 1);  // four failures, counted over ssh.fail's match
  BOOST_TEST(created["ssh.fail.users"] == 1);  // root and admin
  for (const RuleStats& s : engine->rule_stats()) {
    if (s.rule_id != "ssh.fail") continue;
    BOOST_TEST(s.matches == 4u);  // it still matches, and says so in its counters
    BOOST_TEST(s.incidents_created == 0u);
  }
  // The rule test trace says why nothing happened.
  auto matcher = std::move(Matcher::Create(rules()).value());
  Correlator correlator(rules(), {"syslog"});
  std::vector<MatchOutcome> trace;
  correlator.set_trace(&trace);
  EventBatch b;
  add_event(b, {.message = failed("root"), .time_us = kT0});
  std::vector<Match> matches;
  matcher->scan(b, 0, b.size(), &matches);
  std::vector<IncidentChange> none;
  correlator.process(b, matches, &none);
  const uint32_t base = static_cast<uint32_t>(rules()->index_of("ssh.fail"));
  bool traced = false;
  for (const MatchOutcome& t : trace) {
    if (matches[t.match].rule == base) {
      traced = true;
      BOOST_TEST((t.kind == MatchOutcome::Kind::kNoIncident));
    }
  }
  BOOST_TEST(traced);
}
