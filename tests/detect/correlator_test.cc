#include "detect/correlator.h"

#include <boost/test/unit_test.hpp>

#include "detect/matcher.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: ssh.bruteforce
    title: SSH brute-force login
    severity: high
    level: 11
    tags: [attack.t1110]
    match:
      regex: '^Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'
    aggregation:
      count: 5
      window: 2m
      group_by: [src_ip]
  - id: ssh.root
    title: root login
    severity: high
    match:
      regex: '^Accepted password for root'
  - id: pair
    title: by user and address
    severity: low
    match:
      regex: '^login (?P<user>\S+) (?P<src_ip>\S+)'
    aggregation:
      count: 2
      window: 1m
      group_by: [user, src_ip]
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = RuleSet::LoadFromString(kRules, "correlator.yaml", &report);
    BOOST_TEST_REQUIRE(set.ok(), report.to_string());
    return *set;
  }();
  return rs;
}

// Matches a batch with the real matcher and correlates it.
struct Pipeline {
  explicit Pipeline(CorrelatorOptions o = {})
      : correlator(rules(), {"syslog-udp", "files"}, std::move(o)) {
    matcher = std::move(Matcher::Create(rules()).value());
  }
  std::vector<IncidentChange> run(const EventBatch& batch) {
    std::vector<Match> matches;
    matcher->scan(batch, 0, batch.size(), &matches);
    std::vector<IncidentChange> out;
    correlator.process(batch, matches, &out);
    return out;
  }
  std::unique_ptr<Matcher> matcher;
  Correlator correlator;
};

std::string failed(std::string_view ip, std::string_view user = "root") {
  return "Failed password for " + std::string(user) + " from " + std::string(ip) + " port 22 ssh2";
}

}  // namespace

BOOST_AUTO_TEST_CASE(threshold_fires_on_fifth_failure_within_window) {
  Pipeline p;
  EventBatch first;
  std::vector<std::string> lines;
  for (int i = 0; i < 5; ++i) lines.push_back(failed("203.0.113.7", i == 4 ? "admin" : "root"));
  for (int i = 0; i < 4; ++i)
    add_event(first, {.message = lines[i], .time_us = kT0 + i * 10 * kSecond});
  BOOST_TEST(p.run(first).empty());

  EventBatch fifth;
  add_event(fifth,
            {.message = lines[4], .time_us = kT0 + 40 * kSecond, .peer = "10.0.0.1", .input = 1});
  auto changes = p.run(fifth);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  const IncidentChange& c = changes[0];
  BOOST_TEST((c.kind == IncidentChange::Kind::kCreated));
  const Incident& inc = c.incident;
  BOOST_TEST(inc.rule_id == "ssh.bruteforce");
  BOOST_TEST(inc.id == make_incident_id("ssh.bruteforce", "203.0.113.7", kT0));
  BOOST_TEST(inc.group_key == "203.0.113.7");
  BOOST_TEST(inc.window_start_us == kT0);
  BOOST_TEST(inc.first_seen_us == kT0);
  BOOST_TEST(inc.last_seen_us == kT0 + 40 * kSecond);
  BOOST_TEST(inc.count == 5u);
  BOOST_TEST(inc.evidence_count == 5u);
  BOOST_TEST(inc.title == "SSH brute-force login");
  BOOST_TEST((inc.severity == Severity::kHigh));
  BOOST_TEST(inc.level == 11);
  BOOST_TEST(inc.tags == std::vector<std::string>{"attack.t1110"});
  BOOST_TEST((inc.status == IncidentStatus::kNew));
  BOOST_TEST((inc.asset_class == AssetClass::kServer));
  BOOST_TEST(inc.host == "gw");
  BOOST_TEST(inc.input == "syslog-udp");  // where the first counted event came from
  BOOST_TEST(inc.rule_version == rules()->rules()[0].version);
  BOOST_TEST(inc.fields.at("user") == "admin");  // the firing match's captures
  BOOST_TEST(inc.fields.at("src_ip") == "203.0.113.7");
  BOOST_TEST_REQUIRE(c.new_evidence.size() == 5u);
  for (uint32_t i = 0; i < 5; ++i) {
    BOOST_TEST(c.new_evidence[i].seq == i);
    BOOST_TEST(c.new_evidence[i].event_time_us == kT0 + i * 10 * kSecond);
    BOOST_TEST(c.new_evidence[i].line == "gw sshd[100]: " + lines[i]);
  }
  BOOST_TEST(c.new_evidence[4].input == "files");
  BOOST_TEST(c.new_evidence[4].peer == "10.0.0.1");
}

BOOST_AUTO_TEST_CASE(failures_spread_wider_than_the_window_do_not_fire) {
  Pipeline p;
  EventBatch batch;
  for (int i = 0; i < 10; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * 31 * kSecond});
  BOOST_TEST(p.run(batch).empty());  // never five within 2m: 31s apart, four fit in 2m
}

BOOST_AUTO_TEST_CASE(window_edge_is_inclusive) {
  Pipeline p;
  EventBatch batch;
  for (int i = 0; i < 5; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * 30 * kSecond});
  BOOST_TEST(p.run(batch).size() == 1u);  // first and fifth exactly 2m apart
}

BOOST_AUTO_TEST_CASE(separate_keys_give_separate_incidents) {
  Pipeline p;
  EventBatch batch;
  for (int i = 0; i < 5; ++i) {
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * kSecond});
    add_event(batch, {.message = failed("198.51.100.9"), .time_us = kT0 + i * kSecond});
  }
  add_event(batch, {.message = failed("192.0.2.1"), .time_us = kT0});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 2u);
  BOOST_TEST(changes[0].incident.group_key == "203.0.113.7");
  BOOST_TEST(changes[1].incident.group_key == "198.51.100.9");
  BOOST_TEST(changes[0].incident.id != changes[1].incident.id);
}

BOOST_AUTO_TEST_CASE(multi_field_keys_are_joined_and_escaped) {
  Pipeline p;
  EventBatch batch;
  add_event(batch, {.message = "login a|b 192.0.2.1", .time_us = kT0});
  add_event(batch, {.message = "login a|b 192.0.2.1", .time_us = kT0 + kSecond});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.group_key == "a\\|b|192.0.2.1");
}

BOOST_AUTO_TEST_CASE(updates_within_one_batch_are_coalesced) {
  Pipeline p;
  EventBatch batch;
  for (int i = 0; i < 8; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * kSecond});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);  // created and updated in one call: one change
  BOOST_TEST((changes[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(changes[0].incident.count == 8u);
  BOOST_TEST(changes[0].new_evidence.size() == 8u);

  EventBatch more;
  for (int i = 0; i < 3; ++i)
    add_event(more, {.message = failed("203.0.113.7"), .time_us = kT0 + (10 + i) * kSecond});
  auto next = p.run(more);
  BOOST_TEST_REQUIRE(next.size() == 1u);
  BOOST_TEST((next[0].kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST(next[0].incident.id == changes[0].incident.id);
  BOOST_TEST(next[0].incident.count == 11u);
  BOOST_TEST(next[0].incident.last_seen_us == kT0 + 12 * kSecond);
  BOOST_TEST_REQUIRE(next[0].new_evidence.size() == 3u);
  BOOST_TEST(next[0].new_evidence[0].seq == 8u);  // continues from the previous count
  BOOST_TEST(next[0].new_evidence[2].seq == 10u);
}

BOOST_AUTO_TEST_CASE(suppression_gap_opens_a_new_incident_with_a_new_id) {
  Pipeline p;
  EventBatch batch;
  add_event(batch, {.message = "Accepted password for root from 192.0.2.1", .time_us = kT0});
  add_event(batch, {.message = "Accepted password for root from 192.0.2.1",
                    .time_us = kT0 + 9 * 60 * kSecond});
  // 9m after the last one: still within the 10m default suppression of a single-event rule.
  add_event(batch, {.message = "Accepted password for root from 192.0.2.1",
                    .time_us = kT0 + 18 * 60 * kSecond});
  // More than 10m after last_seen: the incident is closed, a new one opens.
  add_event(batch, {.message = "Accepted password for root from 192.0.2.1",
                    .time_us = kT0 + 28 * 60 * kSecond + 1});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 2u);
  BOOST_TEST((changes[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(changes[0].incident.count == 3u);
  BOOST_TEST(changes[0].incident.last_seen_us == kT0 + 18 * 60 * kSecond);
  BOOST_TEST((changes[1].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(changes[1].incident.count == 1u);
  BOOST_TEST(changes[1].incident.window_start_us == kT0 + 28 * 60 * kSecond + 1);
  BOOST_TEST(changes[0].incident.id != changes[1].incident.id);
  BOOST_TEST(changes[1].incident.group_key == "gw");  // no group_by: the host
}

BOOST_AUTO_TEST_CASE(after_the_gap_counting_starts_over) {
  Pipeline p;
  EventBatch batch;
  for (int i = 0; i < 5; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * kSecond});
  // 2m (the suppression = the window) after last_seen: closed; four more do not reach five.
  for (int i = 0; i < 4; ++i) {
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + (4 + 121 + i) * kSecond});
  }
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.count == 5u);
  EventBatch fifth;
  add_event(fifth, {.message = failed("203.0.113.7"), .time_us = kT0 + 130 * kSecond});
  auto next = p.run(fifth);
  BOOST_TEST_REQUIRE(next.size() == 1u);
  BOOST_TEST((next[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(next[0].incident.window_start_us == kT0 + 125 * kSecond);
}

BOOST_AUTO_TEST_CASE(incident_ids_are_deterministic_across_runs) {
  auto run = [] {
    Pipeline p;
    EventBatch batch;
    for (int i = 0; i < 20; ++i) {
      add_event(batch, {.message = failed(i % 2 ? "203.0.113.7" : "198.51.100.1"),
                        .time_us = kT0 + i * 7 * kSecond});
    }
    std::vector<std::string> ids;
    for (const auto& c : p.run(batch)) ids.push_back(c.incident.id);
    return ids;
  };
  const auto a = run();
  BOOST_TEST(a.size() == 2u);
  BOOST_TEST(a == run());
}

BOOST_AUTO_TEST_CASE(evidence_is_capped_but_every_match_is_counted) {
  CorrelatorOptions o;
  o.evidence_cap = 3;
  Pipeline p(o);
  EventBatch batch;
  for (int i = 0; i < 7; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * kSecond});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.count == 7u);
  BOOST_TEST(changes[0].incident.evidence_count == 3u);
  BOOST_TEST(changes[0].new_evidence.size() == 3u);
  EventBatch more;
  add_event(more, {.message = failed("203.0.113.7"), .time_us = kT0 + 8 * kSecond});
  auto next = p.run(more);
  BOOST_TEST_REQUIRE(next.size() == 1u);
  BOOST_TEST(next[0].incident.count == 8u);
  BOOST_TEST(next[0].new_evidence.empty());
}

BOOST_AUTO_TEST_CASE(late_events_older_than_the_window_are_not_counted) {
  Pipeline p;
  EventBatch batch;
  add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + 600 * kSecond});
  for (int i = 0; i < 4; ++i)
    add_event(batch, {.message = failed("203.0.113.7"), .time_us = kT0 + i * kSecond});
  BOOST_TEST(p.run(batch).empty());
  BOOST_TEST(p.correlator.stats().late_matches == 4u);
  // Out of order but inside the window: counted, and the window starts at the oldest.
  EventBatch b2;
  for (int i = 0; i < 4; ++i)
    add_event(b2, {.message = failed("203.0.113.7"), .time_us = kT0 + (599 - i) * kSecond});
  auto changes = p.run(b2);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.window_start_us == kT0 + 596 * kSecond);
  BOOST_TEST(changes[0].incident.last_seen_us == kT0 + 600 * kSecond);
  BOOST_TEST(changes[0].new_evidence.front().event_time_us == kT0 + 596 * kSecond);
}

BOOST_AUTO_TEST_CASE(least_recently_used_key_is_evicted_and_counted) {
  CorrelatorOptions o;
  o.max_keys_per_rule = 2;
  Pipeline p(o);
  EventBatch batch;
  for (int i = 0; i < 4; ++i)
    add_event(batch, {.message = failed("192.0.2.1"), .time_us = kT0 + i * kSecond});
  add_event(batch, {.message = failed("192.0.2.2"), .time_us = kT0 + 5 * kSecond});
  add_event(batch,
            {.message = failed("192.0.2.3"), .time_us = kT0 + 6 * kSecond});  // evicts 192.0.2.1
  add_event(batch,
            {.message = failed("192.0.2.1"), .time_us = kT0 + 7 * kSecond});  // starts over at 1
  BOOST_TEST(p.run(batch).empty());
  const CorrelatorStats s = p.correlator.stats();
  BOOST_TEST(s.keys_evicted == 2u);
  BOOST_TEST(s.keys_tracked == 2u);
  BOOST_TEST(p.correlator.rule_stats(0).keys_evicted == 2u);
}

BOOST_AUTO_TEST_CASE(evicting_a_key_with_a_change_in_this_batch_keeps_the_change) {
  CorrelatorOptions o;
  o.max_keys_per_rule = 1;
  Pipeline p(o);
  EventBatch batch;
  add_event(batch, {.message = "Accepted password for root from x", .time_us = kT0, .host = "a"});
  add_event(
      batch,
      {.message = "Accepted password for root from x", .time_us = kT0 + kSecond, .host = "a"});
  add_event(
      batch,
      {.message = "Accepted password for root from x", .time_us = kT0 + 2 * kSecond, .host = "b"});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 2u);
  BOOST_TEST(changes[0].incident.host == "a");
  BOOST_TEST(changes[0].incident.count == 2u);  // snapshot taken before the key was evicted
  BOOST_TEST(changes[1].incident.host == "b");
}

BOOST_AUTO_TEST_CASE(default_group_key_is_the_peer_when_there_is_no_host) {
  Pipeline p;
  EventBatch batch;
  add_event(
      batch,
      {.message = "Accepted password for root", .time_us = kT0, .host = "", .peer = "10.0.3.17"});
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.group_key == "10.0.3.17");
  BOOST_TEST(changes[0].incident.host == "10.0.3.17");
}

BOOST_AUTO_TEST_CASE(asset_labels_and_unknown_inputs_are_named) {
  CorrelatorOptions o;
  o.assets = {AssetLabel{"cam-01", "Nhà văn hóa tổ 3"}};
  Pipeline p(o);
  EventBatch batch;
  add_event(batch, {.message = "Accepted password for root", .time_us = kT0, .input = 7});
  batch.events().back().asset = 0;
  auto changes = p.run(batch);
  BOOST_TEST_REQUIRE(changes.size() == 1u);
  BOOST_TEST(changes[0].incident.asset == "cam-01");
  BOOST_TEST(changes[0].incident.site == "Nhà văn hóa tổ 3");
  BOOST_TEST(changes[0].incident.input == "input-7");
}

BOOST_AUTO_TEST_CASE(idle_keys_expire_by_receive_time) {
  Pipeline p;
  EventBatch batch;
  add_event(batch, {.message = failed("192.0.2.1"), .time_us = kT0});
  p.run(batch);
  BOOST_TEST(p.correlator.stats().keys_tracked == 1u);
  EventBatch later;
  add_event(later, {.message = "nothing", .time_us = kT0});
  add_event(later, {.message = failed("192.0.2.2"), .time_us = kT0 + 3600 * kSecond});
  p.run(later);
  BOOST_TEST(p.correlator.stats().keys_expired == 1u);
  BOOST_TEST(p.correlator.stats().keys_tracked == 1u);
}
