#include <boost/test/unit_test.hpp>
#include <future>
#include <thread>

#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "tests/store/store_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using std::chrono::milliseconds;

namespace {
std::vector<IncidentChange> changes_for(int first, int n) {
  std::vector<IncidentChange> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back(
        make_change(make_incident("r", std::string("g").append(std::to_string(i)), 1000 + i)));
  }
  return out;
}

std::vector<uint64_t> seqs(Store& store, const std::string& sink) {
  std::vector<uint64_t> out;
  auto r = store.outbox().read(sink, 1000);
  BOOST_REQUIRE(r.ok());
  for (const auto& e : *r) out.push_back(e.seq);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(outbox_seq_continues_after_reopen) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 3), {"soc"}).ok());
  }
  {
    auto store = open_store(path);
    BOOST_TEST(store->outbox().size("soc") == 3u);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(3, 2), {"soc"}).ok());
    BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{1, 2, 3, 4, 5}));
  }
}

BOOST_AUTO_TEST_CASE(outbox_seq_is_not_reused_after_the_queue_drained_and_reopened) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 4), {"soc"}).ok());
    BOOST_TEST_REQUIRE(store->outbox().ack("soc", 4).ok());
    BOOST_TEST(store->outbox().size("soc") == 0u);
  }
  auto store = open_store(path);
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(4, 1), {"soc"}).ok());
  BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{5}));
}

BOOST_AUTO_TEST_CASE(ack_deletes_only_up_to_the_given_seq) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 6), {"soc"}).ok());
    BOOST_TEST_REQUIRE(store->outbox().ack("soc", 4).ok());
    BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{5, 6}));
    BOOST_TEST(store->outbox().size("soc") == 2u);
    BOOST_TEST(store->outbox().ack("soc", 2).ok());  // already acked: a no-op
    BOOST_TEST(store->outbox().size("soc") == 2u);
  }
  auto store = open_store(path);
  BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{5, 6}));
  auto out = store->outbox().read("soc", 1);
  BOOST_TEST_REQUIRE(out->size() == 1u);
  BOOST_TEST(out->at(0).incident.group_key == "g4");
}

BOOST_AUTO_TEST_CASE(acking_a_seq_never_enqueued_is_refused) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 2), {"soc"}).ok());
  auto r = store->outbox().ack("soc", 3);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kInvalidArgument));
  BOOST_TEST(store->outbox().size("soc") == 2u);
  BOOST_TEST(!store->outbox().ack("never", 1).ok());
  BOOST_TEST(store->outbox().ack("never", 0).ok());
}

BOOST_AUTO_TEST_CASE(two_sinks_have_independent_queues) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 3), {"soc-file", "kafka"}).ok());
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(3, 2), {"kafka"}).ok());
    BOOST_TEST_REQUIRE(store->outbox().ack("kafka", 4).ok());
    BOOST_TEST(store->outbox().size("soc-file") == 3u);
    BOOST_TEST(store->outbox().size("kafka") == 1u);
  }
  auto store = open_store(path);
  BOOST_TEST((seqs(*store, "soc-file") == std::vector<uint64_t>{1, 2, 3}));
  BOOST_TEST((seqs(*store, "kafka") == std::vector<uint64_t>{5}));
  BOOST_TEST(store->outbox().read("kafka", 10)->at(0).incident.group_key == "g4");
  auto st = store->stats().scan();
  BOOST_TEST(st->outbox.at("soc-file") == 3u);
  BOOST_TEST(st->outbox.at("kafka") == 1u);
}

BOOST_AUTO_TEST_CASE(read_outbox_returns_at_most_max_oldest_first) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 10), {"soc"}).ok());
  auto r = store->outbox().read("soc", 4);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST_REQUIRE(r->size() == 4u);
  BOOST_TEST(r->front().seq == 1u);
  BOOST_TEST(r->back().seq == 4u);
  BOOST_TEST(store->outbox().read("unknown", 4)->empty());
}

BOOST_AUTO_TEST_CASE(dead_letter_moves_the_oldest_entry_with_its_reason) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 3), {"soc"}).ok());
    auto entries = store->outbox().read("soc", 10);
    BOOST_TEST_REQUIRE(entries->size() == 3u);
    auto not_oldest = store->outbox().dead_letter("soc", entries->at(1), "nope");
    BOOST_TEST_REQUIRE(!not_oldest.ok());
    BOOST_TEST((not_oldest.error().code == Errc::kInvalidArgument));
    BOOST_TEST_REQUIRE(
        store->outbox().dead_letter("soc", entries->at(0), "HTTP 400: field \"x\" invalid").ok());
    BOOST_TEST(store->outbox().size("soc") == 2u);
    BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{2, 3}));
  }
  auto store = open_store(path);
  BOOST_TEST((seqs(*store, "soc") == std::vector<uint64_t>{2, 3}));
  auto dl = store->outbox().dead_letters("soc", 10);
  BOOST_TEST_REQUIRE(dl.ok());
  BOOST_TEST_REQUIRE(dl->size() == 1u);
  BOOST_TEST(dl->at(0).entry.seq == 1u);
  BOOST_TEST(dl->at(0).entry.incident.group_key == "g0");
  BOOST_TEST(dl->at(0).reason == "HTTP 400: field \"x\" invalid");
  BOOST_TEST(dl->at(0).dead_lettered_us > 0);
  BOOST_TEST(store->stats().scan()->dead_letter.at("soc") == 1u);
}

BOOST_AUTO_TEST_CASE(wait_outbox_wakes_on_commit_and_times_out_otherwise) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const uint64_t g0 = store->outbox().generation();
  BOOST_TEST(!store->outbox().wait(g0, milliseconds(20)));

  // wait() compares generations, so it returns true whether the commit comes before or
  // after it blocks: the test waits for the waiter to start, not for it to block.
  std::atomic<bool> waiting{false};
  auto waiter = std::async(std::launch::async, [&] {
    waiting = true;
    return store->outbox().wait(g0, milliseconds(10000));
  });
  BOOST_TEST_REQUIRE(wait_until("the outbox waiter to start", [&] { return waiting.load(); }));
  const auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 1), {"soc"}).ok());
  BOOST_TEST(waiter.get());
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < milliseconds(5000)));
  BOOST_TEST(store->outbox().generation() > g0);

  // A commit without sinks queues nothing and wakes nobody.
  const uint64_t g1 = store->outbox().generation();
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(1, 1)).ok());
  BOOST_TEST(store->outbox().generation() == g1);

  std::atomic<bool> woken_waiting{false};
  auto woken = std::async(std::launch::async, [&] {
    woken_waiting = true;
    return store->outbox().wait(g1, milliseconds(10000));
  });
  BOOST_TEST_REQUIRE(
      wait_until("the second outbox waiter to start", [&] { return woken_waiting.load(); }));
  store->outbox().wake_waiters();
  BOOST_TEST(woken.get());
}

BOOST_AUTO_TEST_CASE(a_read_only_store_reads_the_outbox_but_cannot_ack) {
  TempDir dir;
  const std::string path = dir.str("db");
  auto writer = open_store(path);
  BOOST_TEST_REQUIRE(commit_changes(*writer, changes_for(0, 3), {"soc"}).ok());
  BOOST_TEST_REQUIRE(writer->outbox().ack("soc", 1).ok());
  auto reader = Store::OpenReadOnly(path);
  BOOST_TEST_REQUIRE(reader.ok());
  BOOST_TEST((*reader)->outbox().size("soc") == 2u);
  BOOST_TEST((seqs(**reader, "soc") == std::vector<uint64_t>{2, 3}));
  BOOST_TEST(!(*reader)->outbox().ack("soc", 2).ok());
}

BOOST_AUTO_TEST_CASE(read_latest_collapses_updates_of_an_incident_into_its_latest_in_order) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  // a created, b created, a+1, b+1, a+2, c created, a+3, b+2: updates interleaved.
  Incident a = make_incident("r", "a", 1000), b = make_incident("r", "b", 1000);
  const Incident c = make_incident("r", "c", 1000);
  auto grow = [](Incident* in) {
    in->count += 1;
    return make_change(*in, IncidentChange::Kind::kUpdated);
  };
  std::vector<IncidentChange> changes = {make_change(a), make_change(b)};
  changes.push_back(grow(&a));
  changes.push_back(grow(&b));
  changes.push_back(grow(&a));
  changes.push_back(make_change(c));
  changes.push_back(grow(&a));
  changes.push_back(grow(&b));
  for (const auto& ch : changes) BOOST_TEST_REQUIRE(commit_changes(*store, {ch}, {"soc"}).ok());
  BOOST_TEST(store->outbox().size("soc") == 8u);

  auto w = store->outbox().read_latest("soc", 100, 100);
  BOOST_TEST_REQUIRE(w.ok());
  std::vector<std::pair<std::string, uint64_t>> got;
  std::vector<uint64_t> kept_seqs;
  for (const auto& e : w->entries) {
    got.emplace_back(e.incident.group_key, e.incident.count);
    kept_seqs.push_back(e.seq);
  }
  // Creations stay; of the updates only the latest of each incident, where it was queued.
  const std::vector<std::pair<std::string, uint64_t>> want = {
      {"a", 1}, {"b", 1}, {"c", 1}, {"a", 4}, {"b", 3}};
  BOOST_TEST((got == want));
  BOOST_TEST((kept_seqs == std::vector<uint64_t>{1, 2, 6, 7, 8}));
  BOOST_TEST((w->superseded == std::vector<uint64_t>{3, 4, 5}));

  // At most `max` kept; the superseded ones before the cut come along, later ones wait.
  auto first = store->outbox().read_latest("soc", 3, 100);
  BOOST_TEST_REQUIRE(first.ok());
  BOOST_TEST_REQUIRE(first->entries.size() == 3u);
  BOOST_TEST(first->entries.back().seq == 6u);
  BOOST_TEST((first->superseded == std::vector<uint64_t>{3, 4, 5}));
  // Acking the kept prefix removes the superseded entries with it; the rest is intact.
  BOOST_TEST_REQUIRE(store->outbox().ack("soc", 6).ok());
  auto rest = store->outbox().read_latest("soc", 100, 100);
  BOOST_TEST_REQUIRE(rest.ok());
  BOOST_TEST_REQUIRE(rest->entries.size() == 2u);
  BOOST_TEST(rest->entries[0].incident.count == 4u);
  BOOST_TEST(rest->entries[1].incident.count == 3u);
  BOOST_TEST(rest->superseded.empty());
}

BOOST_AUTO_TEST_CASE(read_latest_only_looks_as_far_as_its_window) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  Incident a = make_incident("r", "a", 1000);
  BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(a)}, {"soc"}).ok());
  for (int i = 0; i < 5; ++i) {
    a.count += 1;
    BOOST_TEST_REQUIRE(
        commit_changes(*store, {make_change(a, IncidentChange::Kind::kUpdated)}, {"soc"}).ok());
  }
  // A window of 3 (created, +1, +2): +1 is superseded by +2 within it, +2 is not.
  auto w = store->outbox().read_latest("soc", 2, 3);
  BOOST_TEST_REQUIRE(w.ok());
  BOOST_TEST_REQUIRE(w->entries.size() == 2u);
  BOOST_TEST(w->entries[1].incident.count == 3u);
  BOOST_TEST((w->superseded == std::vector<uint64_t>{2}));
  // The window is at least `max` entries.
  auto whole = store->outbox().read_latest("soc", 10, 0);
  BOOST_TEST_REQUIRE(whole.ok());
  BOOST_TEST(whole->entries.size() == 2u);
  BOOST_TEST(whole->entries[1].incident.count == 6u);
}
