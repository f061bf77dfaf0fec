#include "connectors/forwarder.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "connectors/file/file_sink.h"
#include "store/outbox_queue.h"
#include "tests/connectors/connectors_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// Test sinks. They stand in for a remote SOC only to drive the forwarder through
// the outcomes a real sink can return; the real FileSink is tested end to end below.

// Accepts everything and remembers what it got, in order.
class RecordingSinkForTest : public Sink {
 public:
  explicit RecordingSinkForTest(std::string name, milliseconds delay = milliseconds(0))
      : name_(std::move(name)), delay_(delay) {}
  const std::string& name() const override { return name_; }
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);  // a slow SOC, on purpose
    std::lock_guard lock(mu_);
    for (const auto& e : entries) got_.push_back(e);
    ++calls_;
    return {DeliveryStatus::kDelivered, entries.size(), {}};
  }
  std::vector<OutboxEntry> got() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return got_.size();
  }

 private:
  const std::string name_;
  const milliseconds delay_;
  mutable std::mutex mu_;
  std::vector<OutboxEntry> got_;
  size_t calls_ = 0;
};

// Answers kRetry `failures` times (recording when, and what the outbox held), then
// accepts like RecordingSinkForTest.
class FailingSinkForTest : public RecordingSinkForTest {
 public:
  FailingSinkForTest(std::string name, Store& store, int failures)
      : RecordingSinkForTest(std::move(name)), store_(store), failures_left_(failures) {}
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override {
    attempts_.push_back(Clock::now());
    queued_at_attempt_.push_back(store_.outbox().size(name()));
    if (failures_left_.load() > 0) {
      failures_left_.fetch_sub(1);
      return {DeliveryStatus::kRetry, 0, "connection refused (test)"};
    }
    return RecordingSinkForTest::deliver(entries);
  }
  // From another thread: the link is back, the next attempt delivers.
  void recover() { failures_left_.store(0); }
  std::vector<Clock::time_point> attempts_;
  std::vector<uint64_t> queued_at_attempt_;

 private:
  Store& store_;
  std::atomic<int> failures_left_;
};

// Accepts entries up to the first whose group key is "poison" and rejects that one.
class RejectingSinkForTest : public RecordingSinkForTest {
 public:
  using RecordingSinkForTest::RecordingSinkForTest;
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override {
    size_t ok = 0;
    while (ok < entries.size() && entries[ok].incident.group_key != "poison") ++ok;
    RecordingSinkForTest::deliver(entries.first(ok));
    if (ok == entries.size()) return {DeliveryStatus::kDelivered, ok, {}};
    return {DeliveryStatus::kRejected, ok, "HTTP 422: field \"group_key\" refused"};
  }
};

std::vector<IncidentChange> changes_for(int first, int n) {
  std::vector<IncidentChange> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back(
        make_change(make_incident("scan", std::string("g").append(std::to_string(i)), 1000 + i)));
  }
  return out;
}

ForwarderOptions fast(size_t batch = 256) {
  ForwarderOptions o;
  o.batch = batch;
  o.initial_backoff = milliseconds(10);
  o.max_backoff = milliseconds(40);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    forwarder_delivers_everything_in_order_exactly_as_committed_and_empties_the_outbox) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  const std::string file = dir.str("alerts.jsonl");
  FileSinkConfig config;
  config.path = file;
  auto sink = FileSink::Open(config);
  BOOST_TEST_REQUIRE(sink.ok());

  // Committed before the forwarder starts, and while it runs, across several batches.
  std::vector<IncidentChange> committed = changes_for(0, 300);
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"soc-file"}).ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), fast(100));
  forwarder.start();
  for (int round = 0; round < 3; ++round) {
    auto more = changes_for(300 + round * 50, 50);
    BOOST_TEST_REQUIRE(commit_changes(*store, more, {"soc-file"}).ok());
    committed.insert(committed.end(), more.begin(), more.end());
  }
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(20000)).ok());
  forwarder.stop();

  const auto lines = read_lines(file);
  BOOST_TEST_REQUIRE(lines.size() == committed.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    BOOST_TEST_REQUIRE(j["id"].get<std::string>() == committed[i].incident.id);
    BOOST_TEST(j["action"].get<std::string>() == "created");
  }
  BOOST_TEST(store->outbox().size("soc-file") == 0u);
  BOOST_TEST(store->outbox().read("soc-file", 10)->empty());
  const auto st = forwarder.stats();
  BOOST_TEST(st.delivered == committed.size());
  BOOST_TEST(st.retries == 0u);
  BOOST_TEST(st.queued == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_sink_is_retried_with_backoff_and_nothing_is_acked_until_delivered) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 5), {"soc"}).ok());
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 4);
  FailingSinkForTest* sink = owned.get();
  ForwarderOptions o = fast();
  o.initial_backoff = milliseconds(20);
  o.max_backoff = milliseconds(80);
  Forwarder forwarder(store->outbox(), std::move(owned), o);

  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST_REQUIRE(sink->attempts_.size() == 5u);
  // Every failed attempt found the whole queue still there.
  for (uint64_t q : sink->queued_at_attempt_) BOOST_TEST(q == 5u);
  // Backoff: each wait at least half the (doubling, capped) backoff.
  const int64_t min_wait_ms[] = {10, 20, 40, 40};
  for (size_t i = 1; i < sink->attempts_.size(); ++i) {
    const auto waited =
        std::chrono::duration_cast<milliseconds>(sink->attempts_[i] - sink->attempts_[i - 1])
            .count();
    BOOST_TEST(waited >= min_wait_ms[i - 1], "wait " << i << " was " << waited << "ms");
  }
  BOOST_TEST(sink->count() == 5u);
  BOOST_TEST(store->outbox().size("soc") == 0u);
  const auto st = forwarder.stats();
  BOOST_TEST(st.retries == 4u);
  BOOST_TEST(st.delivered == 5u);
  BOOST_TEST(!st.failing);
  BOOST_TEST(st.last_error == "connection refused (test)");
}

BOOST_AUTO_TEST_CASE(a_partial_delivery_acks_only_the_accepted_prefix) {
  class HalfSinkForTest : public RecordingSinkForTest {
   public:
    using RecordingSinkForTest::RecordingSinkForTest;
    DeliveryResult deliver(std::span<const OutboxEntry> entries) override {
      const size_t n = (entries.size() + 1) / 2;
      RecordingSinkForTest::deliver(entries.first(n));
      if (n == entries.size()) return {DeliveryStatus::kDelivered, n, {}};
      return {DeliveryStatus::kRetry, n, "throttled (test)"};
    }
  };
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 8), {"soc"}).ok());
  auto owned = std::make_unique<HalfSinkForTest>("soc");
  HalfSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  const auto got = sink->got();
  BOOST_TEST_REQUIRE(got.size() == 8u);  // each entry exactly once: only accepted ones were acked
  for (size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i].seq == i + 1);
}

BOOST_AUTO_TEST_CASE(a_rejected_entry_moves_to_dead_letter_and_the_queue_continues) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  auto changes = changes_for(0, 5);
  changes[2].incident.group_key = "poison";
  BOOST_TEST_REQUIRE(commit_changes(*store, changes, {"soc"}).ok());
  auto owned = std::make_unique<RejectingSinkForTest>("soc");
  RejectingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  forwarder.start();
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  forwarder.stop();

  const auto got = sink->got();
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST(got[0].seq == 1u);
  BOOST_TEST(got[1].seq == 2u);
  BOOST_TEST(got[2].seq == 4u);
  BOOST_TEST(got[3].seq == 5u);
  auto dl = store->outbox().dead_letters("soc", 10);
  BOOST_TEST_REQUIRE(dl.ok());
  BOOST_TEST_REQUIRE(dl->size() == 1u);
  BOOST_TEST(dl->at(0).entry.seq == 3u);
  BOOST_TEST(dl->at(0).entry.incident.group_key == "poison");
  BOOST_TEST(dl->at(0).reason == "HTTP 422: field \"group_key\" refused");
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST(forwarder.stats().rejected == 1u);
  BOOST_TEST(forwarder.stats().delivered == 4u);
}

BOOST_AUTO_TEST_CASE(stop_and_start_resume_from_the_outbox_in_order) {
  TempDir dir("forwarder");
  const std::string path = dir.str("db");
  std::vector<OutboxEntry> seen;
  size_t delivered_before_stop = 0;
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 40), {"soc"}).ok());
    auto owned = std::make_unique<RecordingSinkForTest>("soc", milliseconds(5));
    RecordingSinkForTest* sink = owned.get();
    Forwarder forwarder(store->outbox(), std::move(owned), fast(3));
    forwarder.start();
    BOOST_TEST_REQUIRE(wait_until("sink->count() >= 6", [&] { return sink->count() >= 6; }));
    forwarder.stop();
    delivered_before_stop = sink->count();
    // stop() let the delivery in flight finish and be acked; nothing else moved.
    BOOST_TEST(delivered_before_stop < 40u);
    BOOST_TEST(store->outbox().size("soc") == 40u - delivered_before_stop);
    // The thing tested: nothing is delivered within 30 ms of stop().
    std::this_thread::sleep_for(milliseconds(30));
    BOOST_TEST(sink->count() == delivered_before_stop);

    // Started again in the same process.
    BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(40, 5), {"soc"}).ok());
    forwarder.start();
    BOOST_TEST_REQUIRE(wait_until("sink->count() >= delivered_before_stop + 6",
                                  [&] { return sink->count() >= delivered_before_stop + 6; }));
    forwarder.stop();
    seen = sink->got();
  }
  // And after the process restarts, with a new forwarder on the reopened store.
  auto store = open_store(path);
  BOOST_TEST(store->outbox().size("soc") == 45u - seen.size());
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  RecordingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast(7));
  forwarder.start();
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  forwarder.stop();
  const auto rest = sink->got();
  seen.insert(seen.end(), rest.begin(), rest.end());

  // At least once and in order: seqs never go back, and every seq 1..45 arrived.
  BOOST_TEST_REQUIRE(seen.size() >= 45u);
  std::set<uint64_t> distinct;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (i > 0) BOOST_TEST(seen[i].seq >= seen[i - 1].seq);
    distinct.insert(seen[i].seq);
  }
  BOOST_TEST(distinct.size() == 45u);
  BOOST_TEST(*distinct.begin() == 1u);
  BOOST_TEST(*distinct.rbegin() == 45u);
}

BOOST_AUTO_TEST_CASE(stop_returns_promptly_during_a_long_backoff) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 1), {"soc"}).ok());
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 1000);
  FailingSinkForTest* sink = owned.get();
  ForwarderOptions o;
  o.initial_backoff = milliseconds(60000);
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  forwarder.start();
  BOOST_TEST_REQUIRE(
      wait_until("forwarder.stats().failing", [&] { return forwarder.stats().failing; }));
  const auto t0 = Clock::now();
  forwarder.stop();
  BOOST_TEST((Clock::now() - t0 < milliseconds(2000)));
  BOOST_TEST(sink->attempts_.size() == 1u);
  BOOST_TEST(store->outbox().size("soc") == 1u);
}

BOOST_AUTO_TEST_CASE(an_idle_forwarder_wakes_on_commit_and_stops_promptly) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  RecordingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  forwarder.start();
  // Not synchronisation: 20 ms with nothing to do make the forwarder idle, the state
  // under test (a commit wakes it just as well if it is not idle yet).
  std::this_thread::sleep_for(milliseconds(20));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 1), {"soc"}).ok());
  BOOST_TEST(wait_until(
      "sink->count() == 1", [&] { return sink->count() == 1; }, milliseconds(900)));
  const auto t0 = Clock::now();
  forwarder.stop();
  BOOST_TEST((Clock::now() - t0 < milliseconds(500)));
}

BOOST_AUTO_TEST_CASE(drain_gives_up_at_the_timeout_while_the_sink_is_down) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 2), {"soc"}).ok());
  Forwarder forwarder(store->outbox(), std::make_unique<FailingSinkForTest>("soc", *store, 1000),
                      fast());
  auto r = forwarder.drain(milliseconds(150));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kUnavailable));
  BOOST_TEST(r.error().message.find("connection refused (test)") != std::string::npos);
  BOOST_TEST(store->outbox().size("soc") == 2u);
}

namespace {
std::vector<IncidentChange> mixed_changes() {
  // seq: 1 low camera | 2 high camera | 3 high lan | 4 critical camera tagged | 5 info camera
  std::vector<IncidentChange> out;
  auto add = [&](const std::string& g, Severity s, AssetClass c, std::vector<std::string> tags) {
    Incident in = make_incident("scan", g, 1000, s);
    in.asset_class = c;
    in.tags = std::move(tags);
    out.push_back(make_change(in));
  };
  add("a", Severity::kLow, AssetClass::kCamera, {"test"});
  add("b", Severity::kHigh, AssetClass::kCamera, {"test"});
  add("c", Severity::kHigh, AssetClass::kLan, {"test"});
  add("d", Severity::kCritical, AssetClass::kCamera, {"attack.t1110"});
  add("e", Severity::kInfo, AssetClass::kCamera, {"test"});
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_filter_acks_excluded_entries_without_delivering_them_and_counts_them) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, mixed_changes(), {"soc"}).ok());
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  RecordingSinkForTest* sink = owned.get();
  ForwarderOptions o = fast();
  o.filter.min_severity = Severity::kHigh;
  o.filter.classes = {AssetClass::kCamera};
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  const auto got = sink->got();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].incident.group_key == "b");
  BOOST_TEST(got[1].incident.group_key == "d");
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST(forwarder.stats().delivered == 2u);
  BOOST_TEST(forwarder.stats().filtered == 3u);
}

BOOST_AUTO_TEST_CASE(
    a_tag_filter_matches_any_listed_tag_and_a_batch_with_nothing_for_the_sink_is_acked) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, mixed_changes(), {"soc"}).ok());
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  RecordingSinkForTest* sink = owned.get();
  ForwarderOptions o = fast(2);  // batches [a b] [c d] [e]: the first and last have nothing
  o.filter.tags = {"attack.t1110", "attack.t1078"};
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST_REQUIRE(sink->count() == 1u);
  BOOST_TEST(sink->got()[0].incident.group_key == "d");
  BOOST_TEST(forwarder.stats().filtered == 4u);
  BOOST_TEST(store->outbox().size("soc") == 0u);
}

BOOST_AUTO_TEST_CASE(
    a_partial_delivery_behind_filtered_entries_acks_only_up_to_the_first_undelivered) {
  // Accepts one entry per call and asks to retry the rest.
  class OneAtATimeSinkForTest : public RecordingSinkForTest {
   public:
    using RecordingSinkForTest::RecordingSinkForTest;
    DeliveryResult deliver(std::span<const OutboxEntry> entries) override {
      RecordingSinkForTest::deliver(entries.first(1));
      if (entries.size() == 1) return {DeliveryStatus::kDelivered, 1, {}};
      return {DeliveryStatus::kRetry, 1, "slow down (test)"};
    }
  };
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, mixed_changes(), {"soc"}).ok());
  auto owned = std::make_unique<OneAtATimeSinkForTest>("soc");
  OneAtATimeSinkForTest* sink = owned.get();
  ForwarderOptions o = fast();
  o.filter.min_severity = Severity::kHigh;  // b c d
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  const auto got = sink->got();
  BOOST_TEST_REQUIRE(got.size() == 3u);  // each exactly once, in order
  BOOST_TEST(got[0].incident.group_key == "b");
  BOOST_TEST(got[1].incident.group_key == "c");
  BOOST_TEST(got[2].incident.group_key == "d");
  BOOST_TEST(forwarder.stats().filtered == 2u);
  BOOST_TEST(forwarder.stats().delivered == 3u);
}

BOOST_AUTO_TEST_CASE(a_rejected_entry_behind_filtered_ones_is_dead_lettered_not_lost) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  auto changes = mixed_changes();
  changes[3].incident.group_key = "poison";  // d: critical camera
  BOOST_TEST_REQUIRE(commit_changes(*store, changes, {"soc"}).ok());
  auto owned = std::make_unique<RejectingSinkForTest>("soc");
  RejectingSinkForTest* sink = owned.get();
  ForwarderOptions o = fast();
  o.filter.min_severity = Severity::kHigh;
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST(sink->count() == 2u);  // b c
  auto dl = store->outbox().dead_letters("soc", 10);
  BOOST_TEST_REQUIRE(dl.ok());
  BOOST_TEST_REQUIRE(dl->size() == 1u);
  BOOST_TEST(dl->at(0).entry.seq == 4u);
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST(forwarder.stats().filtered == 2u);  // a e
}

BOOST_AUTO_TEST_CASE(outbox_bound_warns_before_and_alerts_at_the_bound_and_drops_nothing) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  ForwarderOptions o = fast();
  o.outbox.max_entries = 10;
  o.outbox.warn_entries = 8;
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 1000000);
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kOk));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 8), {"soc"}).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kWarning));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(8, 2), {"soc"}).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kFull));
  // The default policy keeps accepting: the outbox grows past its bound, nothing goes.
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(10, 15), {"soc"}).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kFull));
  BOOST_TEST(!forwarder.holds_inputs());
  BOOST_TEST(store->outbox().size("soc") == 25u);
  const auto st = forwarder.stats();
  BOOST_TEST((st.level == OutboxLevel::kFull));
  BOOST_TEST(st.max_entries == 10u);
  auto health = store->outbox().health();
  BOOST_TEST_REQUIRE(health.ok());
  BOOST_TEST(nlohmann::json::parse(health->at("soc"))["level"] == "full");
}

BOOST_AUTO_TEST_CASE(block_policy_holds_inputs_at_the_bound_and_releases_them_once_drained) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  ForwarderOptions o = fast(4);
  o.outbox.max_entries = 20;
  o.outbox.warn_entries = 10;
  o.outbox.when_full = OutboxFullPolicy::kBlock;
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 3);
  FailingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 20), {"soc"}).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kFull));
  BOOST_TEST(forwarder.holds_inputs());
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST(!forwarder.holds_inputs());
  BOOST_TEST((forwarder.stats().level == OutboxLevel::kOk));
  BOOST_TEST(sink->count() == 20u);
}

BOOST_AUTO_TEST_CASE(an_outbox_hovering_at_the_warning_mark_does_not_flap) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  ForwarderOptions o = fast(1);
  o.outbox.max_entries = 200;
  o.outbox.warn_entries = 100;
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 100), {"soc"}).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kWarning));
  // One delivered (99 left): still a warning until 5% below the mark.
  BOOST_TEST_REQUIRE(store->outbox().ack("soc", 1).ok());
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kWarning));
  BOOST_TEST_REQUIRE(store->outbox().ack("soc", 6).ok());  // 94 left
  BOOST_TEST((forwarder.check_outbox() == OutboxLevel::kOk));
}

BOOST_AUTO_TEST_CASE(the_store_keeps_the_sinks_state_for_readers_outage_and_recovery) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 3), {"soc"}).ok());
  // The sink fails until the test has seen the outage in the health record, then recovers:
  // a sink that recovered by itself after a count of failures could do so before a slow
  // (sanitized) run reads the record.
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 1'000'000);
  FailingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  forwarder.start();
  nlohmann::json failing;
  BOOST_TEST_REQUIRE(wait_until("the outbox health of sink soc to say failing", [&] {
    auto h = store->outbox().health();
    if (!h.ok() || !h->count("soc")) return false;
    auto j = nlohmann::json::parse(h->at("soc"));
    if (j["state"] != "failing") return false;
    failing = std::move(j);
    return true;
  }));
  BOOST_TEST(failing["last_error"] == "connection refused (test)");
  BOOST_TEST(failing["failing_since_us"].get<int64_t>() > 0);
  sink->recover();
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "nlohmann::json::parse(store->outbox().health()->at(\"soc\"))[\"state\"] == \"delivering\"",
      [&] {
        return nlohmann::json::parse(store->outbox().health()->at("soc"))["state"] == "delivering";
      }));
  forwarder.stop();
  const auto h = nlohmann::json::parse(store->outbox().health()->at("soc"));
  BOOST_TEST(h["state"] == "stopped");
  BOOST_TEST(h["delivered"] == 3);
  BOOST_TEST(h["outages"] == 1);
  BOOST_TEST(h["last_delivery_us"].get<int64_t>() > 0);
}

BOOST_AUTO_TEST_CASE(stop_interrupts_a_sink_stuck_on_a_dead_link) {
  // Blocks in deliver() until interrupted, like a sink waiting out a TCP timeout.
  class StuckSinkForTest : public Sink {
   public:
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(std::span<const OutboxEntry>) override {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.wait(lock, [&] { return interrupted_; });
      return {DeliveryStatus::kRetry, 0, "interrupted (test)"};
    }
    void interrupt(bool on) override {
      std::lock_guard lock(mu_);
      interrupted_ = on;
      cv_.notify_all();
    }
    bool entered() {
      std::lock_guard lock(mu_);
      return entered_;
    }

   private:
    const std::string name_ = "soc";
    std::mutex mu_;
    std::condition_variable cv_;
    bool interrupted_ = false;
    bool entered_ = false;
  };
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 2), {"soc"}).ok());
  auto owned = std::make_unique<StuckSinkForTest>();
  StuckSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  forwarder.start();
  BOOST_TEST_REQUIRE(wait_until("sink->entered()", [&] { return sink->entered(); }));
  forwarder.stop();  // returns only because the sink was interrupted
  BOOST_TEST(store->outbox().size("soc") == 2u);
  // An interrupted delivery at stop is not an outage.
  BOOST_TEST(forwarder.stats().outages == 0u);
}

namespace {
// A backlog as a SOC outage leaves it: `incidents` incidents created, then `rounds`
// updates of each, interleaved, each update a commit of its own.
std::vector<IncidentChange> backlog(int incidents, int rounds) {
  std::vector<IncidentChange> out = changes_for(0, incidents);
  std::vector<Incident> open;
  for (const auto& c : out) open.push_back(c.incident);
  for (int r = 0; r < rounds; ++r) {
    for (auto& in : open) {
      in.count += 1;
      out.push_back(make_change(in, IncidentChange::Kind::kUpdated));
    }
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(with_an_update_interval_a_backlog_reaches_the_file_as_the_latest_updates) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  const auto changes = backlog(5, 40);
  for (const auto& c : changes) BOOST_TEST_REQUIRE(commit_changes(*store, {c}, {"soc-file"}).ok());
  BOOST_TEST(store->outbox().size("soc-file") == 205u);
  const std::string file = dir.str("alerts.jsonl");
  FileSinkConfig config;
  config.path = file;
  auto sink = FileSink::Open(config);
  BOOST_TEST_REQUIRE(sink.ok());
  ForwarderOptions o = fast(64);
  o.update_interval = milliseconds(60000);
  Forwarder forwarder(store->outbox(), std::move(*sink), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST(store->outbox().size("soc-file") == 0u);

  std::map<std::string, std::vector<uint64_t>> counts;  // per incident, in file order
  std::vector<std::string> actions;
  for (const std::string& line : read_lines(file)) {
    const auto j = nlohmann::json::parse(line);
    counts[j["id"].get<std::string>()].push_back(j["count"].get<uint64_t>());
    actions.push_back(j["action"].get<std::string>());
  }
  BOOST_TEST_REQUIRE(counts.size() == 5u);
  for (const auto& [id, seen] : counts) {
    BOOST_TEST_REQUIRE(seen.size() >= 2u);
    BOOST_TEST(seen.front() == 1u);  // the creation
    BOOST_TEST(seen.back() == 41u);  // the latest count
    BOOST_TEST(seen.size() <= 5u, "collapsed within each window of 4 batches");
    for (size_t i = 1; i < seen.size(); ++i) BOOST_TEST(seen[i] > seen[i - 1]);
  }
  const auto stats = forwarder.stats();
  BOOST_TEST(stats.delivered + stats.coalesced == 205u);
  BOOST_TEST(stats.coalesced > 150u);
}

BOOST_AUTO_TEST_CASE(without_an_update_interval_every_queued_update_is_delivered) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  const auto changes = backlog(3, 10);
  for (const auto& c : changes) BOOST_TEST_REQUIRE(commit_changes(*store, {c}, {"soc"}).ok());
  auto owned = std::make_unique<RecordingSinkForTest>("soc");
  RecordingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast(8));
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  BOOST_TEST(sink->count() == 33u);
  BOOST_TEST(forwarder.stats().coalesced == 0u);
}

BOOST_AUTO_TEST_CASE(a_rejected_entry_behind_superseded_updates_is_dead_lettered_not_lost) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  // a, a+1, a+2, poison, a+3: a+1 and a+2 are superseded by a+3, behind the poison.
  Incident a = make_incident("scan", "a", 1000);
  std::vector<IncidentChange> changes = {make_change(a)};
  for (int i = 0; i < 2; ++i) {
    a.count += 1;
    changes.push_back(make_change(a, IncidentChange::Kind::kUpdated));
  }
  changes.push_back(make_change(make_incident("scan", "poison", 1000)));
  a.count += 1;
  changes.push_back(make_change(a, IncidentChange::Kind::kUpdated));
  for (const auto& c : changes) BOOST_TEST_REQUIRE(commit_changes(*store, {c}, {"soc"}).ok());
  auto owned = std::make_unique<RejectingSinkForTest>("soc");
  RejectingSinkForTest* sink = owned.get();
  ForwarderOptions o = fast();
  o.update_interval = milliseconds(60000);
  Forwarder forwarder(store->outbox(), std::move(owned), o);
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  const auto got = sink->got();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].seq == 1u);
  BOOST_TEST(got[1].seq == 5u);
  BOOST_TEST(got[1].incident.count == 4u);
  auto dl = store->outbox().dead_letters("soc", 10);
  BOOST_TEST_REQUIRE(dl.ok());
  BOOST_TEST_REQUIRE(dl->size() == 1u);
  BOOST_TEST(dl->at(0).entry.seq == 4u);
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST(forwarder.stats().coalesced == 2u);
}

// `wardsoc sinks status` reads this record while /metrics reads the counters: every
// failed attempt is written, so both give the same count, and its time is the last one's.
BOOST_AUTO_TEST_CASE(the_stored_health_counts_every_failed_attempt_as_the_metrics_do) {
  TempDir dir("forwarder");
  auto store = open_store(dir.str("db"));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes_for(0, 3), {"soc"}).ok());
  auto owned = std::make_unique<FailingSinkForTest>("soc", *store, 1'000'000);
  FailingSinkForTest* sink = owned.get();
  Forwarder forwarder(store->outbox(), std::move(owned), fast());
  forwarder.start();
  auto stored = [&] {
    auto h = store->outbox().health();
    if (!h.ok() || !h->count("soc")) return nlohmann::json();
    return nlohmann::json::parse(h->at("soc"), nullptr, false);
  };
  BOOST_TEST_REQUIRE(wait_until(
      "the stored health to count 5 failed attempts",
      [&] { return stored().value("failed_attempts", uint64_t{0}) >= 5; }, milliseconds(10000)));
  const nlohmann::json h = stored();
  BOOST_TEST(h["state"] == "failing");
  BOOST_TEST(h["retries"] == h["failed_attempts"]);  // one outage: the same figure
  BOOST_TEST(h["last_error"] == "connection refused (test)");
  sink->recover();
  BOOST_TEST_REQUIRE(forwarder.drain(milliseconds(10000)).ok());
  forwarder.stop();
  BOOST_TEST(forwarder.stats().retries == stored().value("retries", uint64_t{0}));
}
