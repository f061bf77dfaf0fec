// A power cut under the store: the store runs on PowerCutFileSystem, which drops what was
// not fsynced when the power goes off, and the tests check what docs/store.md promises
// for each durability mode. The writer commits batches like the pipeline does: batch b
// opens four incidents, adds one event to a long-running incident (count b + 1, evidence
// line b), queues five outbox entries, sets the input's checkpoint to b + 1 and the
// correlation state to b + 1, all in one commit. After the cut the checkpoint says how
// many batches survived, and everything else must agree with it.
#include <rocksdb/env.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "store/maintenance.h"
#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "tests/store/power_cut_file_system.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kNewPerBatch = 4;
constexpr uint64_t kOutboxPerBatch = kNewPerBatch + 1;
const std::vector<std::string> kInputs = {"in"};
const std::vector<std::string> kSinks = {"soc"};
const std::string kRunningGroup = "running";
const std::string kStateKey = "power/batches";

std::string new_group(uint64_t batch, int k) {
  return std::to_string(batch) + "/" + std::to_string(k);
}
std::string new_id(uint64_t batch, int k) {
  return make_incident_id("power", new_group(batch, k), 1'000'000);
}
std::string running_id() { return make_incident_id("power", kRunningGroup, 1'000'000); }

// Commits batch `b`; the ticket (group commit) goes to *ticket.
Status commit_batch(Store& store, uint64_t b, uint64_t* ticket = nullptr) {
  std::vector<IncidentChange> changes;
  for (int k = 0; k < kNewPerBatch; ++k) {
    changes.push_back(make_change(make_incident("power", new_group(b, k), 2'000'000),
                                  IncidentChange::Kind::kCreated,
                                  {make_evidence(0, "line of " + new_group(b, k))}));
  }
  Incident running = make_incident("power", kRunningGroup, 2'000'000 + static_cast<int64_t>(b));
  running.count = b + 1;
  changes.push_back(
      make_change(running, b == 0 ? IncidentChange::Kind::kCreated : IncidentChange::Kind::kUpdated,
                  {make_evidence(static_cast<uint32_t>(b), "event " + std::to_string(b))}));
  const std::vector<InputPosition> positions = {{0, "", b + 1}};
  const std::vector<StateUpdate> state = {{kStateKey, std::to_string(b + 1)}};
  CommitBatch batch;
  batch.changes = changes;
  batch.positions = positions;
  batch.input_names = kInputs;
  batch.sinks = kSinks;
  batch.state = state;
  return store.commit(batch, ticket);
}

std::unique_ptr<Store> open_on(const std::string& path, const std::shared_ptr<rocksdb::Env>& env,
                               bool sync, std::chrono::milliseconds group_interval = 10ms) {
  StoreOptions o;
  o.path = path;
  o.sync = sync;
  o.group_commit_interval = group_interval;
  o.env = env;
  auto r = Store::Open(o);
  if (!r.ok()) BOOST_FAIL("the store does not open: " << r.error().message);
  return std::move(r).value();
}

// How many batches the store holds (its checkpoint), after checking that everything else
// agrees with it: no batch is half there, and verify finds nothing wrong. `attempted` is
// how many batches were ever committed (returned or not).
uint64_t batches_in(Store& store, uint64_t attempted) {
  auto cp = store.checkpoint("in", "");
  BOOST_TEST_REQUIRE(cp.ok());
  const uint64_t c = cp->value_or(0);
  BOOST_TEST_REQUIRE(c <= attempted);

  for (uint64_t b = 0; b < attempted; ++b) {
    for (int k = 0; k < kNewPerBatch; ++k) {
      auto got = store.get_incident(new_id(b, k));
      BOOST_TEST_REQUIRE(got.ok());
      BOOST_TEST_REQUIRE(got->has_value() == (b < c),
                         "batch " << b << " incident " << k << " with checkpoint " << c);
    }
  }
  auto running = store.get_incident(running_id());
  BOOST_TEST_REQUIRE(running.ok());
  BOOST_TEST_REQUIRE(running->has_value() == (c > 0));
  if (c > 0) {
    BOOST_TEST((*running)->count == c);
    auto ev = store.evidence(running_id(), 100'000);
    BOOST_TEST_REQUIRE(ev.ok());
    BOOST_TEST_REQUIRE(ev->size() == c);
    BOOST_TEST(ev->back().seq == c - 1);
  }

  BOOST_TEST(store.outbox().size("soc") == c * kOutboxPerBatch);
  auto queued = store.outbox().read("soc", 100'000);
  BOOST_TEST_REQUIRE(queued.ok());
  BOOST_TEST_REQUIRE(queued->size() == c * kOutboxPerBatch);
  if (c > 0) {
    BOOST_TEST(queued->back().incident.id == running_id());
    BOOST_TEST(queued->back().incident.count == c);
  }

  std::string state;
  auto s = store.scan_state(kStateKey, [&](std::string_view, std::string_view v) {
    state = std::string(v);
    return false;
  });
  BOOST_TEST_REQUIRE(s.ok());
  BOOST_TEST(state == (c > 0 ? std::to_string(c) : std::string()));

  auto st = store.stats().scan();
  BOOST_TEST_REQUIRE(st.ok());
  BOOST_TEST(st->incidents == c * kNewPerBatch + (c > 0 ? 1 : 0));

  auto v = store.maintenance().verify(false);
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST(v->checksums_ok, v->checksum_error);
  BOOST_TEST(v->problems == 0u);
  for (const auto& p : v->listed) BOOST_TEST_MESSAGE("verify: " << p);
  return c;
}

struct Setup {
  TempDir dir{"power-cut"};
  std::string path = dir.str("db");
  std::shared_ptr<PowerCutFileSystem> fs = std::make_shared<PowerCutFileSystem>();
  std::shared_ptr<rocksdb::Env> env{rocksdb::NewCompositeEnv(fs)};
};

}  // namespace

// The power goes off at the start of a WAL fsync: the commit in flight fails and its log
// record (written, not synced) is cut off; every commit that returned OK is there. Three
// cuts in a row, so that recovery after a cut (which writes table files, a new MANIFEST
// and CURRENT) is itself cut under.
BOOST_AUTO_TEST_CASE(sync_durability_keeps_every_acknowledged_commit_through_power_cuts) {
  Setup t;
  uint64_t acked = 0;
  uint64_t attempted = 0;
  const uint64_t cut_at[] = {17, 1, 29};
  for (const uint64_t n : cut_at) {
    {
      auto store = open_on(t.path, t.env, /*sync=*/true);
      BOOST_TEST_REQUIRE(batches_in(*store, attempted) == acked);
      t.fs->cut_at_wal_sync(n);
      for (uint64_t b = acked, end = acked + 1000; b < end; ++b) {
        attempted = b + 1;
        if (!commit_batch(*store, b).ok()) break;
        acked = b + 1;
      }
      BOOST_TEST_REQUIRE(!t.fs->powered(), "no commit fsynced the log " << n << " times");
    }  // closed with the power off: nothing more reaches the disk
    const auto [bytes, files] = t.fs->lose_unsynced();
    BOOST_TEST_MESSAGE("cut at WAL sync " << n << ": " << acked << " batches acknowledged, "
                                          << bytes << " bytes and " << files << " files lost");
    BOOST_TEST(bytes > 0u);  // the failed commit's record was written, and is gone
  }
  auto store = open_on(t.path, t.env, /*sync=*/true);
  BOOST_TEST(batches_in(*store, attempted) == acked);
}

// The cut comes from another thread at a moment nobody chose: a commit in flight may or
// may not survive, but every one that returned does.
BOOST_AUTO_TEST_CASE(sync_durability_keeps_every_acknowledged_commit_when_cut_at_any_moment) {
  Setup t;
  std::mt19937 rng(std::random_device{}());
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> attempted{0};
  {
    auto store = open_on(t.path, t.env, /*sync=*/true);
    std::thread writer([&] {
      for (uint64_t b = 0;; ++b) {
        attempted = b + 1;
        if (!commit_batch(*store, b).ok()) return;
        acked = b + 1;
      }
    });
    while (acked < 20) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    t.fs->cut();
    writer.join();
  }
  t.fs->lose_unsynced();
  auto store = open_on(t.path, t.env, /*sync=*/true);
  const uint64_t c = batches_in(*store, attempted);
  BOOST_TEST_MESSAGE(acked << " batches acknowledged, " << c << " in the store");
  BOOST_TEST(c >= acked.load());
  BOOST_TEST(c <= acked + 1);  // at most the one in flight beyond them
}

// Group commit: commit() returns before the fsync; a background thread fsyncs every
// group_commit_interval and moves durable_ticket(). A cut loses at most the commits of
// the last interval (plus the time one fsync takes), never one whose ticket was durable,
// and never part of a batch.
BOOST_AUTO_TEST_CASE(group_durability_loses_at_most_the_last_interval_and_nothing_half_written) {
  Setup t;
  constexpr auto kInterval = 20ms;
  // What the machine may add to an interval: scheduling of the background thread and
  // the fsync itself, on a loaded test machine.
  constexpr auto kSlack = 500ms;
  std::mt19937 rng(std::random_device{}());
  uint64_t acked = 0;
  uint64_t attempted = 0;
  for (int round = 0; round < 2; ++round) {
    struct Returned {
      uint64_t ticket;
      Clock::time_point at;
    };
    std::vector<Returned> returned(acked);  // by batch; earlier rounds are all durable
    uint64_t durable_at_cut = 0;
    Clock::time_point cut_time;
    {
      auto store = open_on(t.path, t.env, /*sync=*/false, kInterval);
      BOOST_TEST_REQUIRE(batches_in(*store, attempted) == acked);
      const uint64_t first = acked;
      std::atomic<bool> failed{false};
      std::thread writer([&] {
        for (uint64_t b = first;; ++b) {
          uint64_t ticket = 0;
          const Status s = commit_batch(*store, b, &ticket);
          attempted = b + 1;
          if (!s.ok()) break;
          returned.push_back({ticket, Clock::now()});
          acked = b + 1;
          std::this_thread::sleep_for(200us);
        }
        failed = true;
      });
      // The background fsync moves durable_ticket() by itself (nobody waits for it).
      const auto deadline = Clock::now() + 5s;
      while (store->durable_ticket() < 10 && Clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
      }
      BOOST_TEST_REQUIRE(store->durable_ticket() >= 10u);
      std::this_thread::sleep_for(1s + std::chrono::milliseconds(rng() % 500));
      durable_at_cut = store->durable_ticket();
      cut_time = Clock::now();
      t.fs->cut();
      writer.join();
      BOOST_TEST_REQUIRE(failed.load());
    }
    t.fs->lose_unsynced();
    auto store = open_on(t.path, t.env, /*sync=*/false, kInterval);
    const uint64_t c = batches_in(*store, attempted);
    BOOST_TEST_MESSAGE("round " << round << ": " << acked << " batches returned, " << c
                                << " in the store, durable ticket at the cut " << durable_at_cut);
    BOOST_TEST_REQUIRE(c <= acked);
    // Every lost batch (from c on) was not durable yet and returned within the last
    // interval; the oldest one is the first to break that.
    if (c < returned.size()) {
      const Returned& oldest_lost = returned[c];
      const auto age =
          std::chrono::duration_cast<std::chrono::milliseconds>(cut_time - oldest_lost.at);
      BOOST_TEST(oldest_lost.ticket > durable_at_cut,
                 "batch " << c << " had durable ticket " << oldest_lost.ticket << " and was lost");
      BOOST_TEST((age < kInterval + kSlack),
                 "batch " << c << " returned " << age.count() << " ms before the cut and was lost");
    }
    // The lost batches are gone for good: the next round writes them again.
    acked = c;
  }
}

// The negative control: the file system really drops what was not fsynced. Group commits
// with an interval that never comes are all lost to a cut; after wait_durable() they are
// kept, and those after it lost again. Without the cut's truncation this test fails.
BOOST_AUTO_TEST_CASE(a_power_cut_loses_commits_whose_log_was_not_fsynced) {
  Setup t;
  {
    auto store = open_on(t.path, t.env, /*sync=*/false, std::chrono::hours(1));
    for (uint64_t b = 0; b < 20; ++b) BOOST_TEST_REQUIRE(commit_batch(*store, b).ok());
    t.fs->cut();
  }  // the closing fsync fails: the power is off
  const auto [bytes, files] = t.fs->lose_unsynced();
  BOOST_TEST(bytes > 0u);
  {
    auto store = open_on(t.path, t.env, /*sync=*/false, std::chrono::hours(1));
    BOOST_TEST(batches_in(*store, 20) == 0u);
    uint64_t ticket = 0;
    for (uint64_t b = 0; b < 20; ++b) BOOST_TEST_REQUIRE(commit_batch(*store, b, &ticket).ok());
    BOOST_TEST_REQUIRE(store->wait_durable(ticket, 10s));
    for (uint64_t b = 20; b < 25; ++b) BOOST_TEST_REQUIRE(commit_batch(*store, b).ok());
    t.fs->cut();
  }
  t.fs->lose_unsynced();
  auto store = open_on(t.path, t.env, /*sync=*/false, std::chrono::hours(1));
  BOOST_TEST(batches_in(*store, 25) == 20u);
}

// A backup that returned is whole after a power cut: it is written through the store's
// file system and fsynced, so the cut takes nothing of it, and restoring it gives every
// batch committed before it. With the power off a backup fails instead of writing past
// the store's file system.
BOOST_AUTO_TEST_CASE(a_backup_that_returned_survives_a_power_cut_and_restores) {
  Setup t;
  const std::string backups = t.dir.str("backups");
  StoreOptions through_cut;
  through_cut.env = t.env;
  constexpr uint64_t kBatches = 12;
  {
    auto store = open_on(t.path, t.env, /*sync=*/true);
    for (uint64_t b = 0; b < kBatches; ++b) BOOST_TEST_REQUIRE(commit_batch(*store, b).ok());
    auto made = store->maintenance().backup(backups, "test");
    BOOST_TEST_REQUIRE(made.ok(), (made.ok() ? "" : made.error().message));
    BOOST_TEST(made->files > 0u);
    BOOST_TEST(t.fs->files_written_under(backups) >= made->files,
               "the backup was not written through the store's file system");
    t.fs->cut();
    auto during_cut = store->maintenance().backup(backups, "test");
    BOOST_TEST(!during_cut.ok(), "a backup with the power off returned OK");
  }
  const auto [bytes, files] = t.fs->lose_unsynced();
  BOOST_TEST_MESSAGE("cut after the backup: " << bytes << " bytes and " << files << " files lost");

  const std::string restored = t.dir.str("restored");
  auto r = Maintenance::restore(backups, restored, 0, through_cut);
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST(r->id == 1u);
  auto store = open_on(restored, t.env, /*sync=*/true);
  BOOST_TEST(batches_in(*store, kBatches) == kBatches);
}
