#include <boost/test/unit_test.hpp>
#include <thread>

#include "store/keys.h"
#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

BOOST_AUTO_TEST_CASE(commit_then_reopen_finds_incidents_evidence_checkpoints_and_outbox) {
  TempDir dir;
  const std::string path = dir.str("db");
  const Incident a = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000, Severity::kHigh);
  const Incident b = make_incident("camera.offline", "cam-07", 6'000'000, Severity::kLow);
  const std::vector<std::string> inputs = {"syslog-tcp", "files"};
  {
    auto store = open_store(path);
    std::vector<IncidentChange> changes = {
        make_change(a, IncidentChange::Kind::kCreated,
                    {make_evidence(0, "Failed password for root from 10.0.0.5"),
                     make_evidence(1, "Failed password for admin from 10.0.0.5")}),
        make_change(b)};
    std::vector<InputPosition> positions = {{1, "/var/log/cam.log", 4096}, {0, "", 17}};
    BOOST_TEST_REQUIRE(
        store->commit(changes, positions, inputs, std::vector<std::string>{"soc-file"}).ok());
  }
  auto store = open_store(path);
  auto got = store->get_incident(a.id);
  BOOST_TEST_REQUIRE(got.ok());
  BOOST_TEST_REQUIRE(got->has_value());
  BOOST_TEST((*got)->title == a.title);
  BOOST_TEST((*got)->site == "Nhà văn hóa tổ 3");
  BOOST_TEST((*got)->evidence_count == 2u);
  BOOST_TEST((*got)->updated_us > 0);

  auto ev = store->evidence(a.id);
  BOOST_TEST_REQUIRE(ev.ok());
  BOOST_TEST_REQUIRE(ev->size() == 2u);
  BOOST_TEST((*ev)[0].line == "Failed password for root from 10.0.0.5");
  BOOST_TEST((*ev)[1].seq == 1u);
  auto none = store->evidence(b.id);
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(none->empty());

  auto cp = store->checkpoint("files", "/var/log/cam.log");
  BOOST_TEST_REQUIRE(cp.ok());
  BOOST_TEST_REQUIRE(cp->has_value());
  BOOST_TEST(**cp == 4096u);
  auto cp0 = store->checkpoint("syslog-tcp", "");
  BOOST_TEST_REQUIRE(cp0.ok());
  BOOST_TEST(cp0->value_or(0) == 17u);
  auto missing = store->checkpoint("files", "/var/log/other.log");
  BOOST_TEST_REQUIRE(missing.ok());
  BOOST_TEST(!missing->has_value());
  auto all = store->checkpoints("files");
  BOOST_TEST_REQUIRE(all.ok());
  BOOST_TEST(all->size() == 1u);
  BOOST_TEST(all->at("/var/log/cam.log") == 4096u);

  BOOST_TEST(store->outbox().size("soc-file") == 2u);
  auto out = store->outbox().read("soc-file", 10);
  BOOST_TEST_REQUIRE(out.ok());
  BOOST_TEST_REQUIRE(out->size() == 2u);
  BOOST_TEST((*out)[0].incident.id == a.id);
  BOOST_TEST((*out)[1].incident.id == b.id);
  BOOST_TEST(((*out)[0].kind == IncidentChange::Kind::kCreated));
  BOOST_TEST((*out)[0].incident.evidence_count == 2u);

  auto st = store->stats().scan();
  BOOST_TEST_REQUIRE(st.ok());
  BOOST_TEST(st->incidents == 2u);
  BOOST_TEST(st->evidence == 2u);
  BOOST_TEST(st->outbox.at("soc-file") == 2u);
  BOOST_TEST(st->disk_bytes > 0u);
}

BOOST_AUTO_TEST_CASE(checkpoints_are_keyed_by_input_name_not_index) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  std::vector<InputPosition> pos = {{0, "p0", 10}};
  BOOST_TEST_REQUIRE(store->commit({}, pos, std::vector<std::string>{"kafka-a"}, {}).ok());
  // After a config edit the same input sits at another index.
  std::vector<InputPosition> pos2 = {{1, "p0", 20}};
  BOOST_TEST_REQUIRE(
      store->commit({}, pos2, std::vector<std::string>{"files", "kafka-a"}, {}).ok());
  BOOST_TEST(store->checkpoint("kafka-a", "p0")->value_or(0) == 20u);
  BOOST_TEST(!store->checkpoint("files", "p0")->has_value());

  std::vector<InputPosition> bad = {{3, "p0", 1}};
  auto r = store->commit({}, bad, std::vector<std::string>{"files"}, {});
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(incident_updated_twice_keeps_one_index_entry) {
  TempDir dir;
  const std::string path = dir.str("db");
  Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
    in.last_seen_us = 6'000'000;
    in.count = 2;
    BOOST_TEST_REQUIRE(
        commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated)}).ok());
    in.last_seen_us = 7'000'000;
    in.count = 3;
    BOOST_TEST_REQUIRE(
        commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated)}).ok());
    auto page = store->list_incidents({});
    BOOST_TEST_REQUIRE(page.ok());
    BOOST_TEST_REQUIRE(page->incidents.size() == 1u);
    BOOST_TEST(page->incidents[0].count == 3u);
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST(count_keys(db, cf.at("idx_time")) == 1u);
    std::string v;
    BOOST_TEST(db->Get(rocksdb::ReadOptions(), cf.at("idx_time"),
                       keys::time_index_key(7'000'000, in.id), &v)
                   .ok());
  });
}

BOOST_AUTO_TEST_CASE(several_changes_of_one_incident_in_one_commit_apply_in_order) {
  TempDir dir;
  const std::string path = dir.str("db");
  Incident v1 = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  Incident v2 = v1;
  v2.last_seen_us = 8'000'000;
  v2.count = 9;
  {
    auto store = open_store(path);
    std::vector<IncidentChange> changes = {
        make_change(v1, IncidentChange::Kind::kCreated, {make_evidence(0, "first")}),
        make_change(v2, IncidentChange::Kind::kUpdated, {make_evidence(1, "second")})};
    BOOST_TEST_REQUIRE(store->commit(changes, {}, {}, std::vector<std::string>{"soc"}).ok());
    auto got = store->get_incident(v1.id);
    BOOST_TEST_REQUIRE(got.ok());
    BOOST_TEST((*got)->count == 9u);
    BOOST_TEST((*got)->last_seen_us == 8'000'000);
    BOOST_TEST((*got)->evidence_count == 2u);
    auto out = store->outbox().read("soc", 10);
    BOOST_TEST_REQUIRE(out->size() == 2u);
    BOOST_TEST(((*out)[0].kind == IncidentChange::Kind::kCreated));
    BOOST_TEST((*out)[0].incident.count == 1u);
    BOOST_TEST(((*out)[1].kind == IncidentChange::Kind::kUpdated));
    BOOST_TEST((*out)[1].incident.count == 9u);
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST(count_keys(db, cf.at("idx_time")) == 1u);
    BOOST_TEST(count_keys(db, cf.at("evidence")) == 2u);
  });
}

BOOST_AUTO_TEST_CASE(replaying_a_batch_overwrites_instead_of_duplicating) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  const std::vector<IncidentChange> changes = {make_change(
      in, IncidentChange::Kind::kCreated, {make_evidence(0, "a"), make_evidence(1, "b")})};
  BOOST_TEST_REQUIRE(commit_changes(*store, changes).ok());
  BOOST_TEST_REQUIRE(commit_changes(*store, changes).ok());
  auto st = store->stats().scan();
  BOOST_TEST(st->incidents == 1u);
  BOOST_TEST(st->evidence == 2u);
  BOOST_TEST(store->get_incident(in.id)->value().evidence_count == 2u);
}

BOOST_AUTO_TEST_CASE(a_thousand_changes_commit_atomically_and_survive_reopen) {
  TempDir dir;
  const std::string path = dir.str("db");
  std::vector<IncidentChange> changes;
  for (int i = 0; i < 1000; ++i) {
    changes.push_back(make_change(
        make_incident("scan", std::string("10.0.").append(std::to_string(i)), 1'000'000 + i),
        IncidentChange::Kind::kCreated,
        {make_evidence(0, std::string("line ").append(std::to_string(i)))}));
  }
  std::vector<InputPosition> pos = {{0, "", 123456}};
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(store
                           ->commit(changes, pos, std::vector<std::string>{"in"},
                                    std::vector<std::string>{"soc", "kafka"})
                           .ok());
  }
  auto store = open_store(path);
  auto st = store->stats().scan();
  BOOST_TEST_REQUIRE(st.ok());
  BOOST_TEST(st->incidents == 1000u);
  BOOST_TEST(st->evidence == 1000u);
  BOOST_TEST(st->outbox.at("soc") == 1000u);
  BOOST_TEST(st->outbox.at("kafka") == 1000u);
  BOOST_TEST(store->checkpoint("in", "")->value_or(0) == 123456u);
  for (const auto& c : changes) {
    auto got = store->get_incident(c.incident.id);
    BOOST_TEST_REQUIRE(got.ok());
    BOOST_TEST(got->has_value());
  }
}

BOOST_AUTO_TEST_CASE(bad_names_are_refused_before_anything_is_written) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const std::vector<IncidentChange> changes = {make_change(make_incident("r", "g", 5))};
  auto dup = store->commit(changes, {}, {}, std::vector<std::string>{"soc", "soc"});
  BOOST_TEST_REQUIRE(!dup.ok());
  BOOST_TEST((dup.error().code == Errc::kInvalidArgument));
  auto nul = store->commit(changes, {}, {}, std::vector<std::string>{std::string("a\0b", 3)});
  BOOST_TEST(!nul.ok());
  Incident no_id = make_incident("r", "g", 5);
  no_id.id.clear();
  BOOST_TEST(!commit_changes(*store, {make_change(no_id)}).ok());
  BOOST_TEST(store->stats().scan()->incidents == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_commits_readers_and_acks_stay_consistent) {
  TempDir dir;
  auto store = open_store(dir.str("db"), /*sync=*/false);
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 200;
  // Boost.Test assertions are not thread-safe: threads count failures, the test checks.
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        Incident in = make_incident(std::string("r").append(std::to_string(w)),
                                    std::to_string(i % 50), 1'000 + i);
        if (!commit_changes(*store, {make_change(in)}, {"soc"}).ok()) ++failures;
      }
    });
  }
  uint64_t acked_total = 0;
  uint64_t last_seq = 0;
  std::thread consumer([&] {
    while (!done.load() || store->outbox().size("soc") > 0) {
      const uint64_t generation = store->outbox().generation();
      auto batch = store->outbox().read("soc", 64);
      if (!batch.ok()) {
        ++failures;
        return;
      }
      if (batch->empty()) {
        store->outbox().wait(generation, std::chrono::milliseconds(5));
        continue;
      }
      for (const auto& e : *batch) {
        if (e.seq != last_seq + 1) ++failures;  // no gaps, no repeats, in order
        last_seq = e.seq;
      }
      if (!store->outbox().ack("soc", batch->back().seq).ok()) ++failures;
      acked_total += batch->size();
    }
  });
  std::thread reader([&] {
    while (!done.load()) {
      if (!store->list_incidents({}).ok()) ++failures;
    }
  });
  for (auto& t : writers) t.join();
  done.store(true);
  consumer.join();
  reader.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(acked_total == static_cast<uint64_t>(kWriters * kPerWriter));
  BOOST_TEST(store->outbox().size("soc") == 0u);
  BOOST_TEST(store->stats().scan()->incidents == static_cast<uint64_t>(kWriters * 50));
  IncidentQuery q;
  q.limit = 1000;
  BOOST_TEST(store->list_incidents(q)->incidents.size() == static_cast<size_t>(kWriters * 50));
}

BOOST_AUTO_TEST_CASE(state_updates_commit_with_the_batch_and_scan_by_prefix) {
  TempDir dir;
  const std::string path = dir.str("db");
  const std::vector<std::string> inputs = {"syslog-tcp"};
  {
    auto store = open_store(path);
    const Incident a = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000, Severity::kHigh);
    std::vector<IncidentChange> changes = {make_change(a)};
    std::vector<StateUpdate> state = {{"corr/ssh.bruteforce/10.0.0.5", std::string("4 hits")},
                                      {"corr/ssh.bruteforce/10.0.0.6", std::string("1 hit")},
                                      {"other/x", std::string("y")}};
    BOOST_TEST_REQUIRE(store->commit(CommitBatch{changes, {}, inputs, {}, state, {}}).ok());
    std::vector<StateUpdate> removal = {{"corr/ssh.bruteforce/10.0.0.6", std::nullopt}};
    BOOST_TEST_REQUIRE(store->commit(CommitBatch{{}, {}, inputs, {}, removal, {}}).ok());
  }
  auto store = open_store(path);
  std::vector<std::pair<std::string, std::string>> seen;
  BOOST_TEST_REQUIRE(store
                         ->scan_state("corr/",
                                      [&](std::string_view k, std::string_view v) {
                                        seen.emplace_back(k, v);
                                        return true;
                                      })
                         .ok());
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].first == "corr/ssh.bruteforce/10.0.0.5");
  BOOST_TEST(seen[0].second == "4 hits");
}

// An incident with a site and an asset has seven index entries: idx_time and the s, t,
// c, r, S and a dimensions of idx.
constexpr uint64_t kEntriesPerIncident = 7;

BOOST_AUTO_TEST_CASE(count_bump_at_the_same_last_seen_writes_no_index_entry) {
  TempDir dir;
  const std::string path = dir.str("db");
  Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
    BOOST_TEST(store->stats().gauges().index_writes == kEntriesPerIncident);
    in.count = 2;  // a second event in the same microsecond: last_seen stays
    in.evidence_count = 2;
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated,
                                                           {make_evidence(1, "again")})})
                           .ok());
    BOOST_TEST(store->stats().gauges().index_writes == kEntriesPerIncident);

    IncidentQuery by_site;
    by_site.site = in.site;
    auto page = store->list_incidents(by_site);
    BOOST_TEST_REQUIRE(page.ok());
    BOOST_TEST_REQUIRE(page->incidents.size() == 1u);
    BOOST_TEST(page->incidents[0].count == 2u);
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST(count_keys(db, cf.at("idx_time")) == 1u);
    BOOST_TEST(count_keys(db, cf.at("idx")) == kEntriesPerIncident - 1);
  });
}

BOOST_AUTO_TEST_CASE(incident_changed_twice_in_one_batch_moves_its_entries_once) {
  TempDir dir;
  const std::string path = dir.str("db");
  Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  const std::vector<std::string> sinks = {"soc-file"};
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}, sinks).ok());
    const uint64_t before = store->stats().gauges().index_writes;

    std::vector<IncidentChange> batch;
    in.last_seen_us = 6'000'000;
    in.count = 2;
    batch.push_back(make_change(in, IncidentChange::Kind::kUpdated));
    in.last_seen_us = 7'000'000;
    in.count = 3;
    batch.push_back(make_change(in, IncidentChange::Kind::kUpdated));
    BOOST_TEST_REQUIRE(commit_changes(*store, batch, sinks).ok());
    // Each entry is deleted at 5 s and put at 7 s; nothing is written for 6 s.
    BOOST_TEST(store->stats().gauges().index_writes - before == 2 * kEntriesPerIncident);

    // Every change still reaches the sink with the snapshot it made.
    auto out = store->outbox().read("soc-file", 10);
    BOOST_TEST_REQUIRE(out.ok());
    BOOST_TEST_REQUIRE(out->size() == 3u);
    BOOST_TEST((*out)[1].incident.count == 2u);
    BOOST_TEST((*out)[1].incident.last_seen_us == 6'000'000);
    BOOST_TEST((*out)[2].incident.count == 3u);
    BOOST_TEST((*out)[2].incident.last_seen_us == 7'000'000);
    auto got = store->get_incident(in.id);
    BOOST_TEST_REQUIRE(got.ok());
    BOOST_TEST((*got)->count == 3u);
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST(count_keys(db, cf.at("idx_time")) == 1u);
    std::string v;
    BOOST_TEST(db->Get(rocksdb::ReadOptions(), cf.at("idx_time"),
                       keys::time_index_key(7'000'000, in.id), &v)
                   .ok());
    BOOST_TEST(count_keys(db, cf.at("idx")) == kEntriesPerIncident - 1);
  });
}

BOOST_AUTO_TEST_CASE(new_incident_updated_in_the_same_batch_is_indexed_once) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  std::vector<IncidentChange> batch = {make_change(in)};
  in.last_seen_us = 6'000'000;
  in.count = 2;
  batch.push_back(make_change(in, IncidentChange::Kind::kUpdated));
  BOOST_TEST_REQUIRE(commit_changes(*store, batch).ok());
  BOOST_TEST(store->stats().gauges().index_writes == kEntriesPerIncident);
  IncidentQuery q;
  q.until_us = 6'000'000;  // nothing left at the first position
  auto page = store->list_incidents(q);
  BOOST_TEST_REQUIRE(page.ok());
  BOOST_TEST(page->incidents.empty());
  auto all = store->list_incidents({});
  BOOST_TEST_REQUIRE(all.ok());
  BOOST_TEST_REQUIRE(all->incidents.size() == 1u);
  BOOST_TEST(all->incidents[0].count == 2u);
}

BOOST_AUTO_TEST_CASE(a_busy_incident_is_not_read_back_but_its_stored_state_still_counts) {
  TempDir dir;
  const std::string path = dir.str("db");
  Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
    const uint64_t first_reads =
        store->stats().gauges().incident_reads;  // the lookup that found none
    TransitionRequest ack;
    ack.id = in.id;
    ack.to = IncidentStatus::kAcknowledged;
    ack.actor = "police";
    BOOST_TEST_REQUIRE(store->transition(ack, {}).ok());
    for (uint64_t n = 2; n <= 4; ++n) {
      in.count = n;
      in.last_seen_us += 1'000'000;
      BOOST_TEST_REQUIRE(
          commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated,
                                              {make_evidence(static_cast<uint32_t>(n), "x")})})
              .ok());
    }
    BOOST_TEST(store->stats().gauges().incident_reads == first_reads);
    auto got = store->get_incident(in.id);
    BOOST_TEST_REQUIRE(got.ok());
    BOOST_TEST(((*got)->status == IncidentStatus::kAcknowledged));
    BOOST_TEST((*got)->count == 4u);
    BOOST_TEST((*got)->evidence_count == 5u);
  }
  // A new process knows nothing yet and reads the incident once.
  auto store = open_store(path);
  in.count = 5;
  in.last_seen_us += 1'000'000;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(in, IncidentChange::Kind::kUpdated)}).ok());
  BOOST_TEST(store->stats().gauges().incident_reads == 1u);
  auto got = store->get_incident(in.id);
  BOOST_TEST_REQUIRE(got.ok());
  BOOST_TEST(((*got)->status == IncidentStatus::kAcknowledged));
  BOOST_TEST((*got)->evidence_count == 5u);
}
