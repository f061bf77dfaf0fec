// Count and distinct conditions with an upper bound (lt, lte, eq, ranges) in the real
// matcher, correlator and engine: fixed windows decided when they close — by event time,
// by the receive-time clock (tick), at the end of a replay (flush) and across a restart
// with the state in a real store — and lower-bound-only conditions that keep sliding.
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "detect/correlator.h"
#include "detect/engine.h"
#include "detect/matcher.h"
#include "store/store.h"
#include "test_events.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr int64_t kHour = 3600 * kSecond;

constexpr std::string_view kRules = R"(rules:
  - id: c.gt
    title: more than three logins
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {gt: 3}, window: 1h, group_by: [user]}
  - id: c.gte
    title: three logins or more
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {gte: 3}, window: 1h, group_by: [user]}
  - id: c.lt
    title: fewer than three logins
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {lt: 3}, window: 1h, group_by: [user]}
  - id: c.lte
    title: three logins or fewer
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {lte: 3}, window: 1h, group_by: [user]}
  - id: c.eq
    title: exactly three logins
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {eq: 3}, window: 1h, group_by: [user]}
  - id: c.range
    title: two to four logins
    severity: low
    match: {regex: '^login (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {count: {gte: 2, lte: 4}, window: 1h, group_by: [user]}
  - id: d.gt
    title: more than two addresses
    severity: low
    match: {regex: '^vpn (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: src_ip, count: {gt: 2}, window: 1h, group_by: [user]}
  - id: d.lt
    title: fewer than three addresses
    severity: low
    match: {regex: '^vpn (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: src_ip, count: {lt: 3}, window: 1h, group_by: [user]}
  - id: d.eq
    title: exactly two addresses
    severity: low
    match: {regex: '^vpn (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: src_ip, count: {eq: 2}, window: 1h, group_by: [user]}
  - id: d.range
    title: two or three addresses
    severity: low
    match: {regex: '^vpn (?P<user>\S+) from (?P<src_ip>\S+)'}
    aggregation: {distinct: src_ip, count: {gt: 1, lt: 4}, window: 1h, group_by: [user]}
)";

std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> rs = [] {
    LoadReport report;
    auto set = RuleSet::LoadFromString(kRules, "window.yaml", &report);
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
  std::vector<IncidentChange> line(const std::string& message, int64_t t, int64_t receive = -1) {
    EventBatch b;
    add_event(b, {.message = message, .time_us = t, .receive_us = receive});
    return feed(b);
  }
  std::unique_ptr<Matcher> matcher;
  Correlator correlator;
};

std::string login(const std::string& user, int ip = 1) {
  return "login " + user + " from 198.51.100." + std::to_string(ip);
}
std::string vpn(const std::string& user, int ip) {
  return "vpn " + user + " from 198.51.100." + std::to_string(ip);
}

// (rule, group key) of every incident created.
std::set<std::pair<std::string, std::string>> created(const std::vector<IncidentChange>& cs) {
  std::set<std::pair<std::string, std::string>> s;
  for (const auto& c : cs) {
    if (c.kind == IncidentChange::Kind::kCreated)
      s.emplace(c.incident.rule_id, c.incident.group_key);
  }
  return s;
}

const IncidentChange* find(const std::vector<IncidentChange>& cs, std::string_view rule,
                           std::string_view key) {
  for (const auto& c : cs) {
    if (c.incident.rule_id == rule && c.incident.group_key == key) return &c;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(count_conditions_just_meet_and_just_miss_their_bounds) {
  Run r;
  std::vector<IncidentChange> before_close, at_close;
  // User uN logs in N times within the hour, a minute apart.
  for (int n = 1; n <= 6; ++n) {
    for (int i = 0; i < n; ++i) {
      auto out = r.line(login("u" + std::to_string(n)), kT0 + i * 60 * kSecond);
      before_close.insert(before_close.end(), out.begin(), out.end());
    }
  }
  // The event time of a line that matches no rule passes the end of every window.
  at_close = r.line("cron ran", kT0 + kHour + kSecond);
  const auto early = created(before_close);
  const auto late = created(at_close);
  for (int n = 1; n <= 6; ++n) {
    const std::string key = "u" + std::to_string(n);
    BOOST_TEST_CONTEXT("user " << key) {
      // At-least conditions slide and fire on the line that reaches them.
      BOOST_TEST(early.count({"c.gt", key}) == (n > 3 ? 1u : 0u));
      BOOST_TEST(early.count({"c.gte", key}) == (n >= 3 ? 1u : 0u));
      // Upper bounds are decided only when the window closes.
      for (const char* rule : {"c.lt", "c.lte", "c.eq", "c.range"})
        BOOST_TEST(early.count({rule, key}) == 0u);
      BOOST_TEST(late.count({"c.lt", key}) == (n < 3 ? 1u : 0u));
      BOOST_TEST(late.count({"c.lte", key}) == (n <= 3 ? 1u : 0u));
      BOOST_TEST(late.count({"c.eq", key}) == (n == 3 ? 1u : 0u));
      BOOST_TEST(late.count({"c.range", key}) == (n >= 2 && n <= 4 ? 1u : 0u));
    }
  }
  const IncidentChange* c = find(at_close, "c.eq", "u3");
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->incident.count == 3u);
  BOOST_TEST(c->incident.window_start_us == kT0);
  BOOST_TEST(c->incident.first_seen_us == kT0);
  BOOST_TEST(c->incident.last_seen_us == kT0 + 2 * 60 * kSecond);
  BOOST_TEST(c->incident.id == make_incident_id("c.eq", "u3", kT0));
  BOOST_TEST(c->incident.fields.at("user") == "u3");
  BOOST_TEST(c->incident.host == "gw");
  BOOST_TEST(c->new_evidence.size() == 3u);
}

BOOST_AUTO_TEST_CASE(distinct_conditions_count_values_not_lines) {
  Run r;
  std::vector<IncidentChange> before_close;
  // User vN comes from N addresses, each twice.
  for (int n = 1; n <= 4; ++n) {
    int64_t t = kT0;
    for (int rep = 0; rep < 2; ++rep) {
      for (int ip = 1; ip <= n; ++ip) {
        auto out = r.line(vpn("v" + std::to_string(n), ip), t += kSecond);
        before_close.insert(before_close.end(), out.begin(), out.end());
      }
    }
  }
  const auto early = created(before_close);
  const auto late = created(r.line("cron ran", kT0 + 2 * kHour));
  for (int n = 1; n <= 4; ++n) {
    const std::string key = "v" + std::to_string(n);
    BOOST_TEST_CONTEXT("user " << key) {
      BOOST_TEST(early.count({"d.gt", key}) == (n > 2 ? 1u : 0u));
      BOOST_TEST(late.count({"d.lt", key}) == (n < 3 ? 1u : 0u));
      BOOST_TEST(late.count({"d.eq", key}) == (n == 2 ? 1u : 0u));
      BOOST_TEST(late.count({"d.range", key}) == (n > 1 && n < 4 ? 1u : 0u));
      BOOST_TEST(early.count({"d.lt", key}) + early.count({"d.eq", key}) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_fixed_window_starts_at_the_first_match_and_does_not_slide) {
  Run r;
  r.line(login("ann"), kT0);
  r.line(login("ann"), kT0 + 50 * 60 * kSecond);
  r.line(login("ann"), kT0 + 55 * 60 * kSecond);
  // 70 minutes: past the first window's end. Its own line closes it (three in
  // [10:00, 11:00]), and opens the next window.
  auto out = r.line(login("ann"), kT0 + 70 * 60 * kSecond);
  const IncidentChange* eq = find(out, "c.eq", "ann");
  BOOST_TEST_REQUIRE(eq != nullptr);
  BOOST_TEST(eq->incident.window_start_us == kT0);
  BOOST_TEST(!find(out, "c.lt", "ann"));
  // The second window holds 70m alone (a sliding window would hold 50m, 55m and 70m).
  out = r.line("cron ran", kT0 + 3 * kHour);
  const IncidentChange* lt = find(out, "c.lt", "ann");
  BOOST_TEST_REQUIRE(lt != nullptr);
  BOOST_TEST(lt->incident.count == 1u);
  BOOST_TEST(lt->incident.window_start_us == kT0 + 70 * 60 * kSecond);
  BOOST_TEST(!find(out, "c.eq", "ann"));
}

BOOST_AUTO_TEST_CASE(a_line_older_than_its_window_start_is_late_and_not_counted) {
  Run r;
  r.line(login("bo"), kT0 + 10 * 60 * kSecond);
  r.line(login("bo"), kT0 + 20 * 60 * kSecond);
  r.line(login("bo"), kT0);  // before the window opened by the first line
  BOOST_TEST(r.correlator.stats().late_matches == 4u);  // one per fixed-window login rule
  auto out = r.line("cron ran", kT0 + 2 * kHour);
  BOOST_TEST(find(out, "c.lt", "bo") != nullptr);  // two counted, not three
  BOOST_TEST(!find(out, "c.eq", "bo"));
}

BOOST_AUTO_TEST_CASE(tick_closes_windows_on_the_receive_time_clock) {
  Run r;
  // Live: the device clock is 10 minutes behind; windows end by receive time too.
  const int64_t skew = 10 * 60 * kSecond;
  r.line(login("cy"), kT0 - skew, kT0);
  r.line(login("cy"), kT0 - skew + kSecond, kT0 + kSecond);
  std::vector<IncidentChange> out;
  r.correlator.tick(kT0 + kHour, &out);  // not yet: the window is open for one hour
  BOOST_TEST(created(out).empty());
  r.correlator.tick(kT0 + kHour + kSecond, &out);
  const auto c = created(out);
  BOOST_TEST(c.count({"c.lt", "cy"}) == 1u);
  BOOST_TEST(c.count({"c.range", "cy"}) == 1u);
  BOOST_TEST(c.size() == 3u);  // c.lt, c.lte, c.range
  out.clear();
  r.correlator.tick(kT0 + 5 * kHour, &out);  // decided once
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(replay_decides_windows_by_event_time_and_the_rest_at_its_end) {
  EngineOptions o;
  o.workers = 1;
  auto engine = std::move(Engine::Create(rules(), {"replay"}, o).value());
  // Old lines read fast: receive times are all "now", event times a day ago.
  const int64_t now = kT0 + 24 * kHour;
  std::vector<IncidentChange> out;
  EventBatch first;
  add_event(first, {.message = login("dee"), .time_us = kT0, .receive_us = now});
  add_event(first,
            {.message = login("eve"), .time_us = kT0 + 30 * 60 * kSecond, .receive_us = now});
  engine->process(first, &out);
  BOOST_TEST(created(out).empty());
  EventBatch second;  // dee's window ends in event time, eve's not yet
  add_event(second, {.message = "cron ran", .time_us = kT0 + kHour + kSecond, .receive_us = now});
  engine->process(second, &out);
  BOOST_TEST(created(out).count({"c.lt", "dee"}) == 1u);
  BOOST_TEST(created(out).count({"c.lt", "eve"}) == 0u);
  out.clear();
  engine->flush(&out);  // end of the files
  BOOST_TEST(created(out).count({"c.lt", "eve"}) == 1u);
  BOOST_TEST(created(out).count({"c.lt", "dee"}) == 0u);
}

BOOST_AUTO_TEST_CASE(an_open_window_survives_a_restart_with_the_store_reopened) {
  TempDir dir("window-close");
  StoreOptions so;
  so.path = (dir / "db").string();
  EngineOptions eo;
  eo.workers = 1;
  eo.correlator.track_state = true;
  auto commit = [](Engine& e, Store& store, const std::vector<IncidentChange>& changes) {
    std::vector<StateChange> state;
    e.take_state_changes(&state, false);
    std::vector<StateUpdate> updates;
    for (auto& c : state) updates.push_back(StateUpdate{std::move(c.key), std::move(c.value)});
    CommitBatch b;
    b.changes = changes;
    b.state = updates;
    BOOST_TEST_REQUIRE(store.commit(b).ok());
  };
  auto restore = [](Engine& e, Store& store) {
    size_t restored = 0;
    BOOST_TEST_REQUIRE(store
                           .scan_state("",
                                       [&](std::string_view k, std::string_view v) {
                                         restored += e.restore_state(k, v) ? 1 : 0;
                                         return true;
                                       })
                           .ok());
    return restored;
  };
  {
    auto store = std::move(Store::Open(so).value());
    auto engine = std::move(Engine::Create(rules(), {"syslog"}, eo).value());
    std::vector<IncidentChange> out;
    for (int i = 0; i < 2; ++i) {
      EventBatch b;
      add_event(b, {.message = login("fay", i + 1), .time_us = kT0 + i * 60 * kSecond});
      add_event(b, {.message = login("gus"), .time_us = kT0 + i * 60 * kSecond});
      engine->process(b, &out);
    }
    BOOST_TEST(created(out).empty());
    commit(*engine, *store, out);
  }  // the process stops: engine and store are gone
  auto store = std::move(Store::Open(so).value());
  auto engine = std::move(Engine::Create(rules(), {"syslog"}, eo).value());
  BOOST_TEST(restore(*engine, *store) > 0u);
  // gus logs in once more after the restart: three in his window.
  std::vector<IncidentChange> out;
  EventBatch b;
  add_event(b, {.message = login("gus"), .time_us = kT0 + 5 * 60 * kSecond});
  engine->process(b, &out);
  // Only the sliding count reaches its three now (the restored two count for it too).
  BOOST_TEST((created(out) == std::set<std::pair<std::string, std::string>>{{"c.gte", "gus"}}));
  out.clear();
  engine->tick(kT0 + kHour + kSecond, &out);
  const auto c = created(out);
  BOOST_TEST(c.count({"c.lt", "fay"}) == 1u);  // two, from before the restart
  BOOST_TEST(c.count({"c.lt", "gus"}) == 0u);  // three
  BOOST_TEST(c.count({"c.eq", "gus"}) == 1u);
  const IncidentChange* fay = find(out, "c.lt", "fay");
  BOOST_TEST_REQUIRE(fay != nullptr);
  BOOST_TEST(fay->incident.count == 2u);
  BOOST_TEST(fay->incident.window_start_us == kT0);
  BOOST_TEST(fay->incident.fields.at("src_ip") == "198.51.100.2");  // of the newest line
  BOOST_TEST(fay->new_evidence.size() == 2u);
  BOOST_TEST(fay->incident.host == "gw");
  commit(*engine, *store, out);
  // Decided windows leave nothing to restore: a second restart makes no incident again.
  auto again = std::move(Engine::Create(rules(), {"syslog"}, eo).value());
  restore(*again, *store);
  out.clear();
  again->tick(kT0 + 3 * kHour, &out);
  BOOST_TEST(created(out).empty());
}
