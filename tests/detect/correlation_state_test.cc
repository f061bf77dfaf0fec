// Checkpointed correlation state: what the correlator reports for the store, how a new
// process (restore) or a reloaded rule set (adopt) continues from it, and what is dropped.
#include "detect/correlation_state.h"

#include <boost/test/unit_test.hpp>
#include <map>

#include "detect/engine.h"
#include "test_events.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: ssh.bruteforce
    title: SSH brute-force login
    severity: high
    match: {regex: '^Failed password for (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: 5, window: 2m, group_by: [src_ip]}
  - id: ssh.root
    title: root login
    severity: high
    match: {regex: '^Accepted password for root from (?P<src_ip>\S+)'}
    aggregation: {count: 1, window: 10m, group_by: [src_ip]}
)";

std::shared_ptr<const RuleSet> load(std::string_view yaml) {
  LoadReport report;
  auto set = RuleSet::LoadFromString(yaml, "state.yaml", &report);
  BOOST_TEST_REQUIRE(set.ok(), report.to_string());
  return *set;
}

std::unique_ptr<Engine> engine(std::shared_ptr<const RuleSet> rs, size_t max_keys = 100000) {
  EngineOptions o;
  o.workers = 1;
  o.correlator.track_state = true;
  o.correlator.max_keys_per_rule = max_keys;
  return std::move(Engine::Create(std::move(rs), {"syslog"}, o).value());
}

// The checkpoint as the store would hold it: every write applied in order.
struct FakeStateFamily {  // a map stands in for the store's state family in these unit tests
  std::map<std::string, std::string> kv;
  void apply(const std::vector<StateChange>& changes) {
    for (const auto& c : changes) {
      if (c.value) {
        kv[c.key] = *c.value;
      } else {
        kv.erase(c.key);
      }
    }
  }
  size_t correlation_keys() const {
    size_t n = 0;
    for (const auto& [k, v] : kv) n += k[0] == kCorrelationKeyTag ? 1 : 0;
    return n;
  }
};

std::vector<IncidentChange> feed(Engine& e, FakeStateFamily& store, std::string_view message,
                                 int64_t t) {
  EventBatch b;
  add_event(b, {.message = message, .time_us = t});
  std::vector<IncidentChange> out;
  e.process(b, &out);
  std::vector<StateChange> changes;
  e.take_state_changes(&changes, true);
  store.apply(changes);
  return out;
}

std::string failed(std::string_view ip) {
  return "Failed password for root from " + std::string(ip) + " port 22 ssh2";
}

void restore(Engine& e, const FakeStateFamily& store, size_t* stale = nullptr) {
  for (const auto& [k, v] : store.kv) {
    const bool ok = e.restore_state(k, v);
    if (!ok && stale != nullptr) ++*stale;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(correlation_keys_follow_the_documented_layout) {
  const std::string k = correlation_key("", "", "ssh.bruteforce", "203.0.113.7");
  BOOST_TEST(k == std::string("k\0\0ssh.bruteforce\0"
                              "203.0.113.7",
                              29));
  std::string_view input, partition, rule, group;
  const std::string partitioned = correlation_key("kafka-fw", "3", "r", std::string("a\0b", 3));
  BOOST_TEST_REQUIRE(parse_correlation_key(partitioned, &input, &partition, &rule, &group));
  BOOST_TEST(input == "kafka-fw");
  BOOST_TEST(partition == "3");
  BOOST_TEST(rule == "r");
  BOOST_TEST(group == std::string_view("a\0b", 3));
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_counting_from_the_checkpoint) {
  auto rs = load(kRules);
  FakeStateFamily store;
  {
    auto first = engine(rs);
    for (int i = 0; i < 4; ++i)
      BOOST_TEST(feed(*first, store, failed("203.0.113.7"), kT0 + i * kSecond).empty());
  }
  BOOST_TEST(store.correlation_keys() == 1u);
  auto second = engine(rs);
  restore(*second, store);
  auto out = feed(*second, store, failed("203.0.113.7"), kT0 + 10 * kSecond);
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].incident.count == 5u);
  BOOST_TEST(out[0].incident.window_start_us == kT0);
  BOOST_TEST(out[0].new_evidence.size() == 5u);  // the four lines before the restart too
  BOOST_TEST(out[0].new_evidence[0].input == "syslog");
}

BOOST_AUTO_TEST_CASE(an_open_incident_survives_a_restart_and_keeps_folding) {
  auto rs = load(kRules);
  FakeStateFamily store;
  std::string id;
  {
    auto first = engine(rs);
    auto out = feed(*first, store, "Accepted password for root from 192.0.2.9 port 1 ssh2", kT0);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    id = out[0].incident.id;
  }
  auto second = engine(rs);
  restore(*second, store);
  auto out = feed(*second, store, "Accepted password for root from 192.0.2.9 port 2 ssh2",
                  kT0 + 60 * kSecond);
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST((out[0].kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST(out[0].incident.id == id);
  BOOST_TEST(out[0].incident.count == 2u);
  BOOST_TEST(out[0].incident.title == "root login");  // rule fields come back from the rule
  BOOST_TEST(out[0].new_evidence.at(0).seq == 1u);
}

BOOST_AUTO_TEST_CASE(state_of_a_changed_rule_is_stale_after_a_restart) {
  FakeStateFamily store;
  {
    auto first = engine(load(kRules));
    for (int i = 0; i < 4; ++i) feed(*first, store, failed("203.0.113.7"), kT0 + i * kSecond);
  }
  std::string changed(kRules);
  changed.replace(changed.find("count: 5"), 8, "count: 6");
  auto second = engine(load(changed));
  size_t stale = 0;
  restore(*second, store, &stale);
  BOOST_TEST(stale == 1u);  // the correlation key; the counters follow the rule id
  BOOST_TEST(feed(*second, store, failed("203.0.113.7"), kT0 + 10 * kSecond).empty());
}

BOOST_AUTO_TEST_CASE(reload_carries_over_unchanged_rules_and_drops_changed_ones) {
  FakeStateFamily store;
  auto old = engine(load(kRules));
  for (int i = 0; i < 4; ++i) feed(*old, store, failed("203.0.113.7"), kT0 + i * kSecond);
  feed(*old, store, "Accepted password for root from 192.0.2.9 port 1 ssh2", kT0);
  // ssh.root changes (a new title), ssh.bruteforce does not.
  std::string changed(kRules);
  changed.replace(changed.find("title: root login"), 17, "title: root login!");
  auto next = engine(load(changed));
  next->adopt(*old);
  BOOST_TEST(next->rules_adopted() == 1u);
  auto out = feed(*next, store, failed("203.0.113.7"), kT0 + 10 * kSecond);
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].incident.count == 5u);  // four before the reload, one after
  // The changed rule's key is deleted from the checkpoint; its counters are kept.
  const std::string root_key = correlation_key("", "", "ssh.root", "192.0.2.9");
  BOOST_TEST(store.kv.count(root_key) == 0u);
  const auto stats = next->rule_stats();
  BOOST_TEST(stats[0].matches == 5u);
  BOOST_TEST(stats[1].matches == 1u);
  BOOST_TEST(stats[1].incidents_created == 1u);
}

BOOST_AUTO_TEST_CASE(evicted_and_expired_keys_are_deleted_from_the_checkpoint) {
  FakeStateFamily store;
  auto e = engine(load(kRules), 2);
  feed(*e, store, failed("192.0.2.1"), kT0);
  feed(*e, store, failed("192.0.2.2"), kT0 + kSecond);
  BOOST_TEST(store.correlation_keys() == 2u);
  feed(*e, store, failed("192.0.2.3"), kT0 + 2 * kSecond);  // evicts 192.0.2.1
  BOOST_TEST(store.correlation_keys() == 2u);
  BOOST_TEST(store.kv.count(correlation_key("", "", "ssh.bruteforce", "192.0.2.1")) == 0u);
  feed(*e, store, failed("192.0.2.4"), kT0 + 10 * 60 * kSecond);  // the others expire
  BOOST_TEST(store.correlation_keys() == 1u);
}

BOOST_AUTO_TEST_CASE(rule_counters_round_trip_and_continue_after_a_restart) {
  auto rs = load(kRules);
  FakeStateFamily store;
  {
    auto first = engine(rs);
    for (int i = 0; i < 3; ++i) feed(*first, store, failed("203.0.113.7"), kT0 + i * kSecond);
  }
  auto c = decode_rule_counters(rule_counters_key("ssh.bruteforce"),
                                store.kv.at(rule_counters_key("ssh.bruteforce")));
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST(c->matches == 3u);
  BOOST_TEST(c->rule_version == rs->rules()[0].version);
  BOOST_TEST(c->since_us > 0);
  auto second = engine(rs);
  restore(*second, store);
  feed(*second, store, failed("203.0.113.7"), kT0 + 5 * kSecond);
  BOOST_TEST(second->rule_stats()[0].matches == 4u);
  BOOST_TEST(second->rule_stats()[0].since_us == c->since_us);
  BOOST_TEST(!decode_rule_counters(rule_counters_key("x"), "garbage").ok());
}
