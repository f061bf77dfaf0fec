// A sink's update_interval as the store applies it: creations and changes of status or
// severity are queued at once, growth at most once per interval, the rest held back (in
// the store, so it survives a restart) and released with the incident as it then is.
#include "store/update_pacing.h"

#include <boost/test/unit_test.hpp>
#include <limits>

#include "core/time.h"
#include "store/outbox_queue.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr int64_t kHour = 3600LL * 1000 * 1000;
constexpr int64_t kFarFuture = std::numeric_limits<int64_t>::max();

struct Paced {
  TempDir dir;
  std::string path = dir.str("db");
  std::unique_ptr<Store> store = open_store(path);
  std::vector<std::string> sinks = {"soc"};
  std::vector<int64_t> intervals = {kHour};
  Incident incident = make_incident("ssh.brute", "198.51.100.7", 2'000'000);

  Status commit(const Incident& in, IncidentChange::Kind kind) {
    const std::vector<IncidentChange> changes = {make_change(in, kind)};
    CommitBatch b;
    b.changes = changes;
    b.sinks = sinks;
    b.update_interval_us = intervals;
    return store->commit(b);
  }
  // The incident grows by one event in a commit of its own.
  Status grow() {
    incident.count += 1;
    incident.last_seen_us += 1000;
    return commit(incident, IncidentChange::Kind::kUpdated);
  }
  std::vector<OutboxEntry> queued(const std::string& sink = "soc") {
    auto r = store->outbox().read(sink, 10000);
    BOOST_REQUIRE(r.ok());
    return std::move(r).value();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(growth_within_the_interval_is_held_and_released_with_the_latest_count) {
  Paced p;
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 50; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  // The creation at once; fifty growing commits make one held update, not fifty entries.
  auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 1u);
  BOOST_TEST((q[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST(p.store->held_updates() == 1u);

  // Not yet due: nothing moves.
  auto none = p.store->release_held_updates(p.sinks, now_us());
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(*none == 0u);

  auto released = p.store->release_held_updates(p.sinks, now_us() + 2 * kHour);
  BOOST_TEST_REQUIRE(released.ok());
  BOOST_TEST(*released == 1u);
  q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 2u);
  BOOST_TEST((q[1].kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST(q[1].incident.count == 51u);  // the latest count, as stored
  auto stored = p.store->get_incident(p.incident.id);
  BOOST_TEST_REQUIRE((stored.ok() && stored->has_value()));
  BOOST_TEST(q[1].incident.count == (*stored)->count);
  BOOST_TEST(p.store->held_updates() == 0u);
}

BOOST_AUTO_TEST_CASE(an_interval_of_zero_queues_one_entry_per_commit_as_before) {
  Paced p;
  p.intervals = {0};
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 20; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  const auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 21u);
  for (size_t i = 0; i < q.size(); ++i) BOOST_TEST(q[i].incident.count == i + 1);
  BOOST_TEST(p.store->held_updates() == 0u);
}

BOOST_AUTO_TEST_CASE(a_commit_without_intervals_is_not_paced) {
  Paced p;
  p.intervals = {};
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  BOOST_TEST(p.queued().size() == 6u);
}

BOOST_AUTO_TEST_CASE(a_change_of_severity_goes_at_once_and_supersedes_the_held_update) {
  Paced p;
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  BOOST_TEST(p.store->held_updates() == 1u);
  p.incident.severity = Severity::kCritical;
  p.incident.count += 1;
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kUpdated).ok());
  auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 2u);
  BOOST_TEST((q[1].incident.severity == Severity::kCritical));
  BOOST_TEST(q[1].incident.count == 5u);
  BOOST_TEST(p.store->held_updates() == 0u);  // the entry carries everything it held
  auto released = p.store->release_held_updates(p.sinks, kFarFuture);
  BOOST_TEST_REQUIRE(released.ok());
  BOOST_TEST(*released == 0u);
}

BOOST_AUTO_TEST_CASE(a_status_change_by_a_person_goes_at_once_and_supersedes_the_held_update) {
  Paced p;
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  BOOST_TEST(p.store->held_updates() == 1u);
  TransitionRequest t;
  t.id = p.incident.id;
  t.to = IncidentStatus::kAcknowledged;
  t.actor = "officer";
  BOOST_TEST_REQUIRE(p.store->transition(t, p.sinks).ok());
  auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 2u);
  BOOST_TEST((q[1].incident.status == IncidentStatus::kAcknowledged));
  BOOST_TEST(q[1].incident.count == 4u);
  BOOST_TEST(p.store->held_updates() == 0u);
  // The held mark is gone from disk too: a restart releases nothing older.
  p.store.reset();
  p.store = open_store(p.path);
  BOOST_TEST(p.store->held_updates() == 0u);
}

BOOST_AUTO_TEST_CASE(a_reopen_is_a_status_change_and_goes_at_once) {
  Paced p;
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  TransitionRequest t;
  t.id = p.incident.id;
  t.to = IncidentStatus::kResolved;
  t.actor = "officer";
  t.note = "address blocked at the router";
  BOOST_TEST_REQUIRE(p.store->transition(t, p.sinks).ok());
  // New activity on a resolved incident reopens it (lifecycle.h): not growth.
  BOOST_TEST_REQUIRE(p.grow().ok());
  const auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 3u);
  BOOST_TEST((q[2].incident.status == IncidentStatus::kNew));
  BOOST_TEST(p.store->held_updates() == 0u);
}

BOOST_AUTO_TEST_CASE(held_updates_survive_a_restart_and_are_released_in_order) {
  Paced p;
  Incident other = make_incident("ssh.brute", "198.51.100.8", 2'000'000);
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  BOOST_TEST_REQUIRE(p.commit(other, IncidentChange::Kind::kCreated).ok());
  BOOST_TEST_REQUIRE(p.grow().ok());
  other.count = 7;
  BOOST_TEST_REQUIRE(p.commit(other, IncidentChange::Kind::kUpdated).ok());
  BOOST_TEST(p.store->held_updates() == 2u);
  p.store.reset();
  p.store = open_store(p.path);
  BOOST_TEST(p.store->held_updates() == 2u);
  // A sink that is not asked about keeps its marks.
  auto none = p.store->release_held_updates(std::vector<std::string>{"other-sink"}, kFarFuture);
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(*none == 0u);
  auto released = p.store->release_held_updates(p.sinks, kFarFuture);
  BOOST_TEST_REQUIRE(released.ok());
  BOOST_TEST(*released == 2u);
  const auto q = p.queued();
  BOOST_TEST_REQUIRE(q.size() == 4u);
  // Each incident's update comes after its creation.
  BOOST_TEST(q[2].incident.id != q[3].incident.id);
  for (size_t i = 2; i < 4; ++i) {
    BOOST_TEST(q[i].incident.count == (q[i].incident.id == other.id ? 7u : 2u));
  }
}

BOOST_AUTO_TEST_CASE(each_sink_has_its_own_interval) {
  Paced p;
  p.sinks = {"soc", "audit-file"};
  p.intervals = {kHour, 0};
  BOOST_TEST_REQUIRE(p.commit(p.incident, IncidentChange::Kind::kCreated).ok());
  for (int i = 0; i < 10; ++i) BOOST_TEST_REQUIRE(p.grow().ok());
  BOOST_TEST(p.queued("soc").size() == 1u);
  BOOST_TEST(p.queued("audit-file").size() == 11u);
}

BOOST_AUTO_TEST_CASE(intervals_that_do_not_fit_the_sinks_are_refused) {
  Paced p;
  p.intervals = {kHour, kHour};
  auto s = p.commit(p.incident, IncidentChange::Kind::kCreated);
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find("2 update intervals for 1 sinks") != std::string::npos);
  p.intervals = {-1};
  s = p.commit(p.incident, IncidentChange::Kind::kCreated);
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find("negative") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(pacing_decides_growth_by_the_time_of_the_last_queued_entry) {
  UpdatePacing pacing;
  const int64_t iv = 60'000'000;
  auto d = pacing.decide("soc", "a", /*growth=*/false, iv, 0);  // the creation
  BOOST_TEST((d.queue && !d.put_mark));
  d = pacing.decide("soc", "a", true, iv, 10'000'000);
  BOOST_TEST((!d.queue && d.put_mark && d.due_us == iv));
  d = pacing.decide("soc", "a", true, iv, 20'000'000);  // already held: nothing new
  BOOST_TEST((!d.queue && !d.put_mark));
  BOOST_TEST(pacing.due({"soc"}, iv - 1).empty());
  const auto due = pacing.due({"soc"}, iv);
  BOOST_TEST_REQUIRE(due.size() == 1u);
  pacing.released(due[0], iv);
  d = pacing.decide("soc", "a", true, iv, iv + 1);  // within the interval after the release
  BOOST_TEST((!d.queue && d.put_mark && d.due_us == 2 * iv));
  d = pacing.decide("soc", "a", true, iv, 2 * iv + 5);  // due: queued, the mark superseded
  BOOST_TEST((d.queue && d.erase_mark));
  BOOST_TEST(pacing.held() == 0u);
}
