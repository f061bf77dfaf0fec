// distinct, sequence and absence aggregation in the real matcher and correlator: when
// they open an incident, and when they must not.
#include <boost/test/unit_test.hpp>

#include "detect/correlator.h"
#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: spray
    title: Password spraying
    severity: high
    match: {regex: '^Failed password for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: user, count: 4, window: 10m, group_by: [src_ip]}
  - id: compromise
    title: Success after failures
    severity: critical
    sequence:
      window: 5m
      group_by: [src_ip]
      steps:
        - name: failures
          count: 3
          match: {regex: '^Failed password for (?:invalid user )?(?P<user>\S+) from (?P<src_ip>\S+)'}
        - name: success
          match: {regex: '^Accepted password for (?P<user>\S+) from (?P<src_ip>\S+)'}
  - id: cam.silent
    title: Camera silent
    severity: medium
    sources: [camera]
    absence: {after: 15m}
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = RuleSet::LoadFromString(kRules, "agg.yaml", &report);
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    return *set;
  }();
  return rs;
}

struct Run {
  Run() : correlator(rules(), {"syslog"}) { matcher = std::move(Matcher::Create(rules()).value()); }
  std::vector<IncidentChange> feed(const EventBatch& batch) {
    std::vector<Match> matches;
    matcher->scan(batch, 0, batch.size(), &matches);
    std::vector<IncidentChange> out;
    correlator.process(batch, matches, &out);
    return out;
  }
  std::vector<IncidentChange> line(std::string_view message, int64_t t,
                                   AssetClass cls = AssetClass::kServer,
                                   std::string_view host = "gw") {
    EventBatch b;
    add_event(b, {.message = message, .time_us = t, .host = host, .cls = cls});
    return feed(b);
  }
  std::unique_ptr<Matcher> matcher;
  Correlator correlator;
};

std::string failed(std::string_view user, std::string_view ip = "203.0.113.7") {
  return "Failed password for invalid user " + std::string(user) + " from " + std::string(ip) +
         " port 1 ssh2";
}
std::string accepted(std::string_view user, std::string_view ip = "203.0.113.7") {
  return "Accepted password for " + std::string(user) + " from " + std::string(ip) + " port 1 ssh2";
}

const IncidentChange* of_rule(const std::vector<IncidentChange>& cs, std::string_view rule) {
  for (const auto& c : cs) {
    if (c.incident.rule_id == rule) return &c;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(distinct_fires_on_the_fourth_user_not_the_fourth_try) {
  Run r;
  int64_t t = kT0;
  for (int i = 0; i < 6; ++i) BOOST_TEST(!of_rule(r.line(failed("admin"), t += kSecond), "spray"));
  BOOST_TEST(!of_rule(r.line(failed("oracle"), t += kSecond), "spray"));
  BOOST_TEST(!of_rule(r.line(failed("test"), t += kSecond), "spray"));
  auto out = r.line(failed("pi"), t += kSecond);
  const IncidentChange* c = of_rule(out, "spray");
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST((c->kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(c->incident.count == 4u);
  BOOST_TEST(c->incident.fields.at("user_values") == "admin,oracle,test,pi");
  BOOST_TEST(c->new_evidence.size() == 4u);                      // one line per value, its latest
  BOOST_TEST(c->incident.window_start_us == kT0 + 6 * kSecond);  // the latest "admin"
}

BOOST_AUTO_TEST_CASE(distinct_values_spread_wider_than_the_window_do_not_fire) {
  Run r;
  const char* users[] = {"a1", "a2", "a3", "a4", "a5"};
  int64_t t = kT0;
  for (const char* u : users)
    BOOST_TEST(!of_rule(r.line(failed(u), t += 4 * 60 * kSecond), "spray"));
}

BOOST_AUTO_TEST_CASE(sequence_fires_when_success_follows_enough_failures) {
  Run r;
  int64_t t = kT0;
  BOOST_TEST(
      !of_rule(r.line(accepted("bob"), t += kSecond), "compromise"));  // success first: nothing
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(!of_rule(r.line(failed("bob"), t += kSecond), "compromise"));
  auto out = r.line(accepted("bob"), t += kSecond);
  const IncidentChange* c = of_rule(out, "compromise");
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->incident.count == 4u);
  BOOST_TEST_REQUIRE(c->new_evidence.size() == 4u);
  BOOST_TEST(c->new_evidence.back().line.find("Accepted password") != std::string::npos);
  BOOST_TEST(c->incident.window_start_us == kT0 + 2 * kSecond);  // the first counted failure
  BOOST_TEST(c->incident.group_key == "203.0.113.7");
}

BOOST_AUTO_TEST_CASE(sequence_needs_its_steps_in_order_within_the_window) {
  Run r;
  int64_t t = kT0;
  // Two failures, a success, one more failure: the success did not follow three failures.
  r.line(failed("bob"), t += kSecond);
  r.line(failed("bob"), t += kSecond);
  BOOST_TEST(!of_rule(r.line(accepted("bob"), t += kSecond), "compromise"));
  r.line(failed("bob"), t += kSecond);
  // Three failures three minutes apart, then a success: six minutes from first to last.
  Run slow;
  t = kT0;
  for (int i = 0; i < 3; ++i) slow.line(failed("bob", "198.51.100.1"), t += 3 * 60 * kSecond);
  BOOST_TEST(!of_rule(slow.line(accepted("bob", "198.51.100.1"), t += kSecond), "compromise"));
  // Another address's failures never count.
  Run other;
  t = kT0;
  for (int i = 0; i < 3; ++i) other.line(failed("bob", "198.51.100.2"), t += kSecond);
  BOOST_TEST(!of_rule(other.line(accepted("bob", "198.51.100.3"), t += kSecond), "compromise"));
}

BOOST_AUTO_TEST_CASE(absence_opens_an_incident_for_a_silent_asset_and_notes_its_return) {
  Run r;
  r.line("heartbeat ok", kT0, AssetClass::kCamera, "cam-07");
  r.line("heartbeat ok", kT0, AssetClass::kCamera, "cam-08");
  std::vector<IncidentChange> out;
  r.correlator.tick(kT0 + 10 * 60 * kSecond, &out);
  BOOST_TEST(out.empty());
  r.line("heartbeat ok", kT0 + 10 * 60 * kSecond, AssetClass::kCamera,
         "cam-08");  // cam-08 keeps talking
  r.correlator.tick(kT0 + 16 * 60 * kSecond, &out);
  BOOST_TEST_REQUIRE(out.size() == 1u);
  const Incident inc = out[0].incident;
  BOOST_TEST((out[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(inc.rule_id == "cam.silent");
  BOOST_TEST(inc.group_key == "cam-07");
  BOOST_TEST(inc.window_start_us == kT0);
  BOOST_TEST(inc.fields.at("silent_since") == "2025-11-25T10:00:00.000000Z");
  BOOST_TEST_REQUIRE(out[0].new_evidence.size() == 1u);  // the last line heard
  BOOST_TEST((inc.asset_class == AssetClass::kCamera));
  // cam-07 still silent: no second incident for it (cam-08 has gone silent meanwhile).
  out.clear();
  r.correlator.tick(kT0 + 40 * 60 * kSecond, &out);
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].incident.group_key == "cam-08");
  // Back: the incident says when.
  out = r.line("heartbeat ok", kT0 + 41 * 60 * kSecond, AssetClass::kCamera, "cam-07");
  const IncidentChange* back = of_rule(out, "cam.silent");
  BOOST_TEST_REQUIRE(back != nullptr);
  BOOST_TEST((back->kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST(back->incident.id == inc.id);
  BOOST_TEST(back->incident.fields.at("back_at") == "2025-11-25T10:41:00.000000Z");
}

BOOST_AUTO_TEST_CASE(absence_ignores_assets_of_other_classes) {
  Run r;
  r.line("heartbeat ok", kT0, AssetClass::kLan, "pc-1");
  std::vector<IncidentChange> out;
  r.correlator.tick(kT0 + 60 * 60 * kSecond, &out);
  BOOST_TEST(out.empty());
}
