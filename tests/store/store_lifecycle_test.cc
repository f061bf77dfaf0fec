#include <boost/test/unit_test.hpp>

#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "store/text_fold.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

TransitionRequest step(const Incident& in, IncidentStatus to, std::string note = "",
                       std::string actor = "cong-an-phuong/an") {
  TransitionRequest t;
  t.id = in.id;
  t.to = to;
  t.actor = std::move(actor);
  t.note = std::move(note);
  return t;
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_store(dir.str("db"));
  Incident in = make_incident("ssh.bruteforce", "203.0.113.7", 5'000'000);
  const std::vector<std::string> sinks = {"soc-file"};

  Fixture() {
    BOOST_REQUIRE(commit_changes(*store, {make_change(in)}, sinks).ok());
    BOOST_REQUIRE(store->outbox().ack("soc-file", 1).ok());
  }
  Incident stored() {
    auto got = store->get_incident(in.id);
    BOOST_REQUIRE(got.ok() && got->has_value());
    return **got;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(acknowledging_writes_status_history_audit_and_an_update_for_the_soc,
                        Fixture) {
  auto r = store->transition(step(in, IncidentStatus::kAcknowledged, "đang xem"), sinks);
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST((r->status == IncidentStatus::kAcknowledged));
  BOOST_TEST((stored().status == IncidentStatus::kAcknowledged));

  auto h = store->history(in.id);
  BOOST_TEST_REQUIRE(h.ok());
  BOOST_TEST_REQUIRE(h->size() == 2u);
  BOOST_TEST(h->at(0).seq == 0u);
  BOOST_TEST(h->at(0).actor == "wardsoc");
  BOOST_TEST(!h->at(0).from.has_value());
  BOOST_TEST(h->at(1).seq == 1u);
  BOOST_TEST(h->at(1).actor == "cong-an-phuong/an");
  BOOST_TEST((h->at(1).from == IncidentStatus::kNew));
  BOOST_TEST((h->at(1).to == IncidentStatus::kAcknowledged));
  BOOST_TEST(h->at(1).note == "đang xem");

  auto out = store->outbox().read("soc-file", 10);
  BOOST_TEST_REQUIRE(out.ok());
  BOOST_TEST_REQUIRE(out->size() == 1u);
  BOOST_TEST((out->at(0).kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST((out->at(0).incident.status == IncidentStatus::kAcknowledged));

  auto audit = store->audit_log(0, 10);
  BOOST_TEST_REQUIRE(audit.ok());
  BOOST_TEST_REQUIRE(audit->size() == 1u);
  BOOST_TEST(audit->at(0).action == "transition");
  BOOST_TEST(audit->at(0).incident == in.id);
  BOOST_TEST(audit->at(0).detail == "new -> acknowledged: đang xem");

  IncidentQuery q;
  q.status = IncidentStatus::kAcknowledged;
  BOOST_TEST(store->list_incidents(q)->incidents.size() == 1u);
  q.status = IncidentStatus::kNew;
  BOOST_TEST(store->list_incidents(q)->incidents.empty());
}

BOOST_FIXTURE_TEST_CASE(status_survives_detect_updates_which_still_change_the_counts, Fixture) {
  BOOST_TEST_REQUIRE(store->transition(step(in, IncidentStatus::kInProgress), sinks).ok());
  Incident later = in;
  later.count = 9;
  later.last_seen_us = 9'000'000;
  later.status = IncidentStatus::kNew;  // what detect always sends
  BOOST_TEST_REQUIRE(
      commit_changes(
          *store, {make_change(later, IncidentChange::Kind::kUpdated, {make_evidence(1, "more")})},
          sinks)
          .ok());
  const Incident now = stored();
  BOOST_TEST((now.status == IncidentStatus::kInProgress));
  BOOST_TEST(now.count == 9u);
  BOOST_TEST(now.last_seen_us == 9'000'000);
  BOOST_TEST(store->history(in.id)->size() == 2u);
  auto out = store->outbox().read("soc-file", 10);
  BOOST_TEST_REQUIRE(out->size() == 2u);
  BOOST_TEST((out->at(1).incident.status == IncidentStatus::kInProgress));
}

BOOST_FIXTURE_TEST_CASE(new_activity_reopens_a_resolved_incident_once, Fixture) {
  BOOST_TEST_REQUIRE(
      store->transition(step(in, IncidentStatus::kResolved, "blocked on the router"), sinks).ok());
  // A replay of what the store already has is not new activity.
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated)}).ok());
  BOOST_TEST((stored().status == IncidentStatus::kResolved));

  Incident later = in;
  later.count = 4;
  later.last_seen_us = 8'000'000;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(later, IncidentChange::Kind::kUpdated)}).ok());
  later.count = 5;
  later.last_seen_us = 8'500'000;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(later, IncidentChange::Kind::kUpdated)}).ok());
  BOOST_TEST((stored().status == IncidentStatus::kNew));
  auto h = store->history(in.id);
  BOOST_TEST_REQUIRE(h->size() == 3u);
  BOOST_TEST(h->at(2).actor == "wardsoc");
  BOOST_TEST((h->at(2).from == IncidentStatus::kResolved));
  BOOST_TEST((h->at(2).to == IncidentStatus::kNew));
  BOOST_TEST(h->at(2).note == "reopened: 3 more event(s) after it was resolved");
  BOOST_TEST(store->stats().gauges().reopened == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_false_positive_stays_one_when_more_events_come, Fixture) {
  BOOST_TEST_REQUIRE(
      store
          ->transition(step(in, IncidentStatus::kFalsePositive, "the IT staff testing the camera"),
                       sinks)
          .ok());
  Incident later = in;
  later.count = 12;
  later.last_seen_us = 9'000'000;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(later, IncidentChange::Kind::kUpdated)}).ok());
  BOOST_TEST((stored().status == IncidentStatus::kFalsePositive));
  BOOST_TEST(stored().count == 12u);
}

BOOST_FIXTURE_TEST_CASE(steps_out_of_order_or_without_a_note_are_refused_with_the_reason, Fixture) {
  auto same = store->transition(step(in, IncidentStatus::kNew), sinks);
  BOOST_TEST_REQUIRE(!same.ok());
  BOOST_TEST((same.error().code == Errc::kInvalidArgument));
  BOOST_TEST(same.error().message == "incident " + in.id + " is already new");

  auto no_note = store->transition(step(in, IncidentStatus::kResolved), sinks);
  BOOST_TEST_REQUIRE(!no_note.ok());
  BOOST_TEST(no_note.error().message.find("needs a note") != std::string::npos);

  auto no_actor = store->transition(step(in, IncidentStatus::kAcknowledged, "", ""), sinks);
  BOOST_TEST_REQUIRE(!no_actor.ok());
  BOOST_TEST(no_actor.error().message.find("actor") != std::string::npos);

  BOOST_TEST_REQUIRE(store->transition(step(in, IncidentStatus::kInProgress), sinks).ok());
  auto back = store->transition(step(in, IncidentStatus::kAcknowledged), sinks);
  BOOST_TEST_REQUIRE(!back.ok());
  BOOST_TEST(back.error().message.find("in_progress -> acknowledged is not allowed") !=
             std::string::npos);

  // A reopen by a person goes to in_progress with a note; resolved can become false_positive.
  BOOST_TEST_REQUIRE(store->transition(step(in, IncidentStatus::kResolved, "fixed"), sinks).ok());
  BOOST_TEST_REQUIRE(
      store->transition(step(in, IncidentStatus::kFalsePositive, "it was a test"), sinks).ok());
  BOOST_TEST_REQUIRE(
      store->transition(step(in, IncidentStatus::kInProgress, "happened again"), sinks).ok());

  auto missing =
      store->transition(step(make_incident("x", "y", 1), IncidentStatus::kAcknowledged), sinks);
  BOOST_TEST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error().code == Errc::kNotFound));
  // Refused steps leave nothing behind.
  BOOST_TEST(store->history(in.id)->size() == 5u);
  BOOST_TEST(store->audit_log(0, 100)->size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(an_expected_status_that_changed_meanwhile_is_a_conflict, Fixture) {
  TransitionRequest first = step(in, IncidentStatus::kAcknowledged);
  first.expected_from = IncidentStatus::kNew;
  BOOST_TEST_REQUIRE(store->transition(first, sinks).ok());
  TransitionRequest second = step(in, IncidentStatus::kInProgress, "", "cong-an-phuong/binh");
  second.expected_from = IncidentStatus::kNew;
  auto r = store->transition(second, sinks);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kConflict));
  BOOST_TEST(r.error().message.find("is acknowledged now, not new") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(lifecycle_and_audit_survive_a_reopen_of_the_store, Fixture) {
  BOOST_TEST_REQUIRE(store->transition(step(in, IncidentStatus::kAcknowledged), sinks).ok());
  store.reset();
  store = open_store(dir.str("db"));
  BOOST_TEST((stored().status == IncidentStatus::kAcknowledged));
  BOOST_TEST_REQUIRE(store->transition(step(in, IncidentStatus::kInProgress), sinks).ok());
  auto audit = store->audit_log(0, 10);
  BOOST_TEST_REQUIRE(audit->size() == 2u);
  BOOST_TEST(audit->at(0).seq == 1u);
  BOOST_TEST(audit->at(1).seq == 2u);
  BOOST_TEST(store->audit_log(1, 10)->size() == 1u);
  BOOST_TEST(store->outbox().read("soc-file", 10)->size() == 2u);
}

BOOST_AUTO_TEST_CASE(folding_drops_vietnamese_marks_and_case) {
  BOOST_TEST(fold_text("Dò mật khẩu SSH") == "do mat khau ssh");
  BOOST_TEST(fold_text("ĐĂNG NHẬP thất bại") == "dang nhap that bai");
  BOOST_TEST(fold_text("Che chắn camera, mất hình") == "che chan camera, mat hinh");
  BOOST_TEST(fold_text("Quét cổng ở nhà văn hóa") == "quet cong o nha van hoa");
  // Decomposed input (combining marks) folds the same way.
  BOOST_TEST(fold_text("me\xcc\x82\xcc\x81t") == "met");
  BOOST_TEST(fold_text(std::string("a\xff") + "B") == std::string("a\xff") + "b");
}
