#include <boost/test/unit_test.hpp>
#include <set>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

// 25 incidents last seen at 1000, 2000, ... 25000 us, with severities, statuses and
// rules cycling so every filter has something to keep and something to drop.
struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_store(dir.str("db"));
  std::vector<Incident> all;  // oldest first

  Fixture() {
    std::vector<IncidentChange> changes;
    for (int i = 1; i <= 25; ++i) {
      Incident in = make_incident(i % 2 ? "ssh.bruteforce" : "wifi.rogue_ap",
                                  std::string("g").append(std::to_string(i)), i * 1000,
                                  static_cast<Severity>(i % 5));
      in.status = static_cast<IncidentStatus>(i % 3);
      all.push_back(in);
      changes.push_back(make_change(in));
    }
    BOOST_REQUIRE(commit_changes(*store, changes).ok());
    // Detect's status is not the store's: people move incidents on.
    for (const auto& in : all) {
      if (in.status == IncidentStatus::kNew) continue;
      TransitionRequest t;
      t.id = in.id;
      t.to = in.status;
      t.actor = "police";
      BOOST_REQUIRE(store->transition(t, {}).ok());
    }
  }

  // Every page of a query, following the cursor; checks that pages are full until the last.
  std::vector<Incident> walk(IncidentQuery q, size_t* pages = nullptr) {
    std::vector<Incident> out;
    size_t n = 0;
    while (true) {
      auto page = store->list_incidents(q);
      BOOST_REQUIRE(page.ok());
      ++n;
      out.insert(out.end(), page->incidents.begin(), page->incidents.end());
      if (page->next_cursor.empty()) break;
      BOOST_REQUIRE(page->incidents.size() == q.limit);
      q.cursor = page->next_cursor;
    }
    if (pages) *pages = n;
    return out;
  }

  template <class Pred>
  std::vector<std::string> expected(Pred keep) const {
    std::vector<std::string> ids;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (keep(*it)) ids.push_back(it->id);
    }
    return ids;
  }
};

std::vector<std::string> ids(const std::vector<Incident>& v) {
  std::vector<std::string> out;
  for (const auto& in : v) out.push_back(in.id);
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(list_is_newest_first_and_pages_follow_the_cursor, Fixture) {
  IncidentQuery q;
  q.limit = 10;
  size_t pages = 0;
  const auto got = walk(q, &pages);
  BOOST_TEST(pages == 3u);
  BOOST_TEST(ids(got) == expected([](const Incident&) { return true; }));
  BOOST_TEST(got.front().last_seen_us == 25000);
  BOOST_TEST(got.back().last_seen_us == 1000);
}

BOOST_FIXTURE_TEST_CASE(an_exactly_full_last_page_has_no_cursor, Fixture) {
  IncidentQuery q;
  q.limit = 25;
  auto page = store->list_incidents(q);
  BOOST_TEST_REQUIRE(page.ok());
  BOOST_TEST(page->incidents.size() == 25u);
  BOOST_TEST(page->next_cursor.empty());
}

BOOST_FIXTURE_TEST_CASE(filters_on_severity_status_rule_and_time, Fixture) {
  IncidentQuery q;
  q.limit = 3;
  q.min_severity = Severity::kHigh;
  BOOST_TEST(ids(walk(q)) ==
             expected([](const Incident& in) { return in.severity >= Severity::kHigh; }));

  q = {};
  q.limit = 4;
  q.status = IncidentStatus::kAcknowledged;
  BOOST_TEST(ids(walk(q)) == expected([](const Incident& in) {
               return in.status == IncidentStatus::kAcknowledged;
             }));

  q = {};
  q.limit = 5;
  q.rule_id = "wifi.rogue_ap";
  BOOST_TEST(ids(walk(q)) ==
             expected([](const Incident& in) { return in.rule_id == "wifi.rogue_ap"; }));

  q = {};
  q.limit = 2;
  q.since_us = 5000;
  q.until_us = 12000;  // half-open: 5000 is in, 12000 is out
  BOOST_TEST(ids(walk(q)) == expected([](const Incident& in) {
               return in.last_seen_us >= 5000 && in.last_seen_us < 12000;
             }));

  q = {};
  q.limit = 2;
  q.rule_id = "ssh.bruteforce";
  q.min_severity = Severity::kMedium;
  q.since_us = 3000;
  BOOST_TEST(ids(walk(q)) == expected([](const Incident& in) {
               return in.rule_id == "ssh.bruteforce" && in.severity >= Severity::kMedium &&
                      in.last_seen_us >= 3000;
             }));

  q = {};
  q.rule_id = "no.such.rule";
  auto page = store->list_incidents(q);
  BOOST_TEST_REQUIRE(page.ok());
  BOOST_TEST(page->incidents.empty());
  BOOST_TEST(page->next_cursor.empty());
}

BOOST_FIXTURE_TEST_CASE(an_update_moves_the_incident_to_the_front_and_status_filters_see_it,
                        Fixture) {
  Incident oldest = all.front();
  TransitionRequest t;
  t.id = oldest.id;
  t.to = IncidentStatus::kResolved;
  t.actor = "police";
  t.note = "blocked on the firewall";
  BOOST_TEST_REQUIRE(store->transition(t, {}).ok());
  IncidentQuery resolved;
  resolved.status = IncidentStatus::kResolved;
  BOOST_TEST(ids(walk(resolved)) == std::vector<std::string>{oldest.id});

  // More events after it was resolved: it comes back to the front as new (reopened).
  oldest.last_seen_us = 99'000;
  oldest.count = 7;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(oldest, IncidentChange::Kind::kUpdated)}).ok());
  IncidentQuery q;
  q.limit = 1;
  auto page = store->list_incidents(q);
  BOOST_TEST_REQUIRE(page.ok());
  BOOST_TEST(page->incidents.at(0).id == oldest.id);
  BOOST_TEST((page->incidents.at(0).status == IncidentStatus::kNew));
  BOOST_TEST(walk(resolved).empty());
  IncidentQuery fresh;
  fresh.status = IncidentStatus::kNew;
  BOOST_TEST(ids(walk(fresh)).front() == oldest.id);
  BOOST_TEST(walk(IncidentQuery{}).size() == 25u);
}

BOOST_AUTO_TEST_CASE(incidents_seen_in_the_same_microsecond_page_without_loss) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  std::vector<IncidentChange> changes;
  for (int i = 0; i < 7; ++i)
    changes.push_back(
        make_change(make_incident("r", std::string("g").append(std::to_string(i)), 5000)));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes).ok());
  IncidentQuery q;
  q.limit = 2;
  std::set<std::string> seen;
  while (true) {
    auto page = store->list_incidents(q);
    BOOST_TEST_REQUIRE(page.ok());
    for (const auto& in : page->incidents) BOOST_TEST(seen.insert(in.id).second);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  BOOST_TEST(seen.size() == 7u);
}

BOOST_AUTO_TEST_CASE(bad_cursor_and_limit_are_invalid_arguments) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  IncidentQuery q;
  q.cursor = "not-hex";
  auto r = store->list_incidents(q);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kInvalidArgument));
  q.cursor = "00";  // hex, but too short to be an index key
  BOOST_TEST(!store->list_incidents(q).ok());
  q = {};
  q.limit = 0;
  r = store->list_incidents(q);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kInvalidArgument));
}
