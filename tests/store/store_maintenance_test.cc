#include <boost/test/unit_test.hpp>
#include <fstream>

#include "store/keys.h"
#include "store/maintenance.h"
#include "store/outbox_queue.h"
#include "store/store_stats.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr int64_t kDay = int64_t{86400} * 1'000'000;

TransitionRequest close(const Incident& in) {
  TransitionRequest t;
  t.id = in.id;
  t.to = IncidentStatus::kResolved;
  t.actor = "police";
  t.note = "done";
  return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(retention_removes_old_closed_incidents_and_keeps_open_ones_and_checkpoints) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const int64_t now = 100 * kDay;
  const Incident old_closed = make_incident("r", "old-closed", now - 40 * kDay);
  const Incident old_open = make_incident("r", "old-open", now - 41 * kDay);
  const Incident recent = make_incident("r", "recent", now - 1 * kDay);
  const std::vector<InputPosition> pos = {{0, "/var/log/auth.log", 4242}};
  const std::vector<std::string> inputs = {"files"};
  const std::vector<IncidentChange> changes = {
      make_change(old_closed, IncidentChange::Kind::kCreated, {make_evidence(0, "a")}),
      make_change(old_open, IncidentChange::Kind::kCreated, {make_evidence(0, "b")}),
      make_change(recent)};
  BOOST_TEST_REQUIRE(store->commit(changes, pos, inputs, {}).ok());
  BOOST_TEST_REQUIRE(store->transition(close(old_closed), {}).ok());
  BOOST_TEST_REQUIRE(store->transition(close(recent), {}).ok());

  auto r = store->maintenance().apply_retention(now, 30 * kDay);
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST(r->removed == 1u);
  BOOST_TEST(r->kept_open == 1u);
  BOOST_TEST(!store->get_incident(old_closed.id)->has_value());
  BOOST_TEST(store->evidence(old_closed.id)->empty());
  BOOST_TEST(store->history(old_closed.id)->empty());
  BOOST_TEST(store->get_incident(old_open.id)->has_value());
  BOOST_TEST(store->evidence(old_open.id)->size() == 1u);
  BOOST_TEST(store->get_incident(recent.id)->has_value());
  BOOST_TEST(**store->checkpoint("files", "/var/log/auth.log") == 4242u);
  BOOST_TEST(store->list_incidents({})->incidents.size() == 2u);
  // Counts for reports are kept.
  CountQuery cq;
  cq.since_us = old_closed.first_seen_us;
  cq.until_us = old_closed.first_seen_us + kDay;
  auto counts = store->count_incidents(cq);
  BOOST_TEST_REQUIRE(counts.ok());
  uint64_t total = 0;
  for (const auto& row : *counts) {
    for (const auto& [k, n] : row.counts) total += n;
  }
  BOOST_TEST(total == 3u);
  auto audit = store->audit_log(0, 100);
  BOOST_TEST(audit->back().action == "retention");
  auto v = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST(v->problems == 0u, (v->listed.empty() ? "" : v->listed.front()));
}

BOOST_AUTO_TEST_CASE(an_incident_removed_by_retention_starts_over_when_seen_again) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const int64_t now = 100 * kDay;
  Incident in = make_incident("r", "again", now - 40 * kDay);
  BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
  BOOST_TEST_REQUIRE(store->transition(close(in), {}).ok());
  auto r = store->maintenance().apply_retention(now, 30 * kDay);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->removed == 1u);

  // The same id again (a replay of old input): a new incident, not a reopen of the
  // removed one that this process wrote a moment ago.
  in.count = 2;
  BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
  auto got = store->get_incident(in.id);
  BOOST_TEST_REQUIRE(got.ok());
  BOOST_TEST_REQUIRE(got->has_value());
  BOOST_TEST(((*got)->status == IncidentStatus::kNew));
  auto h = store->history(in.id);
  BOOST_TEST_REQUIRE(h.ok());
  BOOST_TEST_REQUIRE(h->size() == 1u);
  BOOST_TEST(!(*h)[0].from.has_value());  // the opening entry, not "resolved -> new"
  CountQuery cq;
  cq.since_us = in.first_seen_us;
  cq.until_us = in.first_seen_us + kDay;
  cq.by = CountBy::kRule;
  auto counts = store->count_incidents(cq);
  BOOST_TEST_REQUIRE(counts.ok());
  uint64_t total = 0;
  for (const auto& row : *counts) total += row.counts.count("r") ? row.counts.at("r") : 0;
  BOOST_TEST(total == 2u);
  auto v = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST(v->problems == 0u, (v->listed.empty() ? "" : v->listed.front()));
}

BOOST_AUTO_TEST_CASE(verify_finds_damaged_indexes_and_orphans_and_repair_fixes_them) {
  TempDir dir;
  const std::string path = dir.str("db");
  const Incident a = make_incident("ssh.bruteforce", "10.0.0.1", 5'000'000);
  const Incident b = make_incident("ssh.bruteforce", "10.0.0.2", 6'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(
        commit_changes(*store,
                       {make_change(a, IncidentChange::Kind::kCreated, {make_evidence(0, "x")}),
                        make_change(b)},
                       {"soc"})
            .ok());
    auto clean = store->maintenance().verify(false);
    BOOST_TEST_REQUIRE(clean.ok());
    BOOST_TEST(clean->problems == 0u, (clean->listed.empty() ? "" : clean->listed.front()));
    BOOST_TEST(clean->incidents == 2u);
    BOOST_TEST(clean->checksums_ok);
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    // a's time index entry lost, an entry for an incident that does not exist, evidence
    // of nobody, and a damaged oldest outbox entry.
    BOOST_TEST_REQUIRE(db->Delete(rocksdb::WriteOptions(), cf.at("idx_time"),
                                  keys::time_index_key(5'000'000, a.id))
                           .ok());
    BOOST_TEST_REQUIRE(db->Put(rocksdb::WriteOptions(), cf.at("idx_time"),
                               keys::time_index_key(1, "ffffffffffffffff"),
                               std::string("\x02\x00\x05r\0\0", 7))
                           .ok());
    BOOST_TEST_REQUIRE(db->Put(rocksdb::WriteOptions(), cf.at("evidence"),
                               keys::evidence_key("0000000000000000", 0), "{}")
                           .ok());
    BOOST_TEST_REQUIRE(
        db->Put(rocksdb::WriteOptions(), cf.at("outbox"), keys::outbox_key("soc", 1), "not json")
            .ok());
  });
  auto store = open_store(path);
  auto found = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(found.ok());
  BOOST_TEST(found->problems == 4u);
  BOOST_TEST(found->repaired == 0u);
  std::string all;
  for (const auto& l : found->listed) all += l + "\n";
  BOOST_TEST(all.find("idx_time/5000000/" + a.id + ": index entry of incident " + a.id +
                      " is missing") != std::string::npos,
             all);
  BOOST_TEST(all.find("points at no incident ffffffffffffffff") != std::string::npos, all);
  BOOST_TEST(all.find("evidence/0000000000000000/0: belongs to no incident") != std::string::npos,
             all);
  BOOST_TEST(all.find("outbox/soc/1") != std::string::npos, all);

  auto fixed = store->maintenance().verify(true);
  BOOST_TEST_REQUIRE(fixed.ok());
  BOOST_TEST(fixed->repaired == 4u);
  auto again = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(again.ok());
  BOOST_TEST(again->problems == 0u, (again->listed.empty() ? "" : again->listed.front()));
  BOOST_TEST(store->list_incidents({})->incidents.size() == 2u);
  BOOST_TEST(store->outbox().read("soc", 10)->size() == 1u);
  BOOST_TEST(store->outbox().dead_letters("soc", 10)->at(0).raw == "not json");
}

BOOST_AUTO_TEST_CASE(a_schema_1_directory_is_upgraded_with_indexes_counts_and_history) {
  TempDir dir;
  const std::string path = dir.str("db");
  const Incident in = make_incident("ssh.bruteforce", "10.0.0.1", 5'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
  }
  // What schema 1 left: incidents and idx_time only, with the short index value.
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    for (const char* f : {"idx", "history", "counts", "titles", "audit"}) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at(f)));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        BOOST_TEST_REQUIRE(db->Delete(rocksdb::WriteOptions(), cf.at(f), it->key()).ok());
      }
    }
    BOOST_TEST_REQUIRE(db->Put(rocksdb::WriteOptions(), cf.at("idx_time"),
                               keys::time_index_key(5'000'000, in.id),
                               std::string("\x02\x00", 2) + in.rule_id)
                           .ok());
    BOOST_TEST_REQUIRE(db->Put(rocksdb::WriteOptions(), cf.at("meta"), "schema_version", "1").ok());
  });
  auto ro = Store::OpenReadOnly(path);
  BOOST_TEST_REQUIRE(!ro.ok());
  BOOST_TEST(ro.error().message.find("has schema 1") != std::string::npos);

  auto store = open_store(path);
  auto v = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST(v->problems == 0u, (v->listed.empty() ? "" : v->listed.front()));
  IncidentQuery q;
  q.site = in.site;
  BOOST_TEST(store->list_incidents(q)->incidents.size() == 1u);
  q = {};
  q.text = "test incident";
  BOOST_TEST(store->list_incidents(q)->incidents.size() == 1u);
  BOOST_TEST(store->history(in.id)->size() == 1u);
  BOOST_TEST(store->stats().scan()->schema_version == keys::kSchemaVersion);
  BOOST_TEST(store->audit_log(0, 10)->at(0).action == "upgrade");
}

BOOST_AUTO_TEST_CASE(a_backup_restores_into_a_new_directory_and_keeps_the_old_one_aside) {
  TempDir dir;
  const std::string path = dir.str("db");
  const std::string backups = dir.str("backups");
  const Incident first = make_incident("r", "first", 5);
  const Incident second = make_incident("r", "second", 6);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(first)}, {"soc"}).ok());
    auto b1 = store->maintenance().backup(backups, "admin");
    BOOST_TEST_REQUIRE(b1.ok(), (b1.ok() ? "" : b1.error().message));
    BOOST_TEST(b1->id == 1u);
    BOOST_TEST(b1->files > 0u);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(second)}, {"soc"}).ok());
    auto b2 = store->maintenance().backup(backups, "admin");
    BOOST_TEST_REQUIRE(b2.ok());
    BOOST_TEST(b2->id == 2u);
    auto inside = store->maintenance().backup(path + "/bk", "admin");
    BOOST_TEST_REQUIRE(!inside.ok());
    BOOST_TEST(inside.error().message.find("inside the data directory") != std::string::npos);

    // Not while the directory is in use.
    auto busy = Maintenance::restore(backups, path, 1);
    BOOST_TEST_REQUIRE(!busy.ok());
    BOOST_TEST((busy.error().code == Errc::kBusy));
  }
  auto list = Maintenance::list_backups(backups);
  BOOST_TEST_REQUIRE(list.ok());
  BOOST_TEST(list->size() == 2u);

  auto restored = Maintenance::restore(backups, path, 1);
  BOOST_TEST_REQUIRE(restored.ok(), (restored.ok() ? "" : restored.error().message));
  BOOST_TEST(restored->id == 1u);
  {
    auto store = open_store(path);
    BOOST_TEST(store->get_incident(first.id)->has_value());
    BOOST_TEST(!store->get_incident(second.id)->has_value());
    BOOST_TEST(store->outbox().size("soc") == 1u);
    BOOST_TEST(store->maintenance().verify(false)->problems == 0u);
  }
  size_t aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("db.before-restore-", 0) == 0) ++aside;
  }
  BOOST_TEST(aside == 1u);

  auto latest = Maintenance::restore(backups, path);
  BOOST_TEST_REQUIRE(latest.ok());
  BOOST_TEST(latest->id == 2u);
  BOOST_TEST(open_store(path)->get_incident(second.id)->has_value());

  auto none = Maintenance::restore(dir.str("nothing"), path);
  BOOST_TEST_REQUIRE(!none.ok());
  BOOST_TEST((none.error().code == Errc::kNotFound));
}

BOOST_AUTO_TEST_CASE(a_damaged_backup_is_refused_and_the_data_directory_left_alone) {
  TempDir dir;
  const std::string path = dir.str("db");
  const std::string backups = dir.str("backups");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(make_incident("r", "g", 5))}).ok());
    BOOST_TEST_REQUIRE(store->maintenance().backup(backups, "admin").ok());
  }
  // Flip a byte in every backed-up table file.
  size_t damaged = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(backups)) {
    if (e.path().extension() != ".sst") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    bytes[bytes.size() / 2] ^= 0x55;
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << bytes;
    ++damaged;
  }
  BOOST_TEST_REQUIRE(damaged > 0u);
  auto r = Maintenance::restore(backups, path);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kCorruption));
  BOOST_TEST(r.error().message.find("is damaged") != std::string::npos);
  BOOST_TEST(open_store(path)->list_incidents({})->incidents.size() == 1u);
}

BOOST_AUTO_TEST_CASE(group_commit_makes_commits_durable_within_the_interval) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str("db");
  o.sync = false;
  o.group_commit_interval = std::chrono::milliseconds(5);
  auto store = std::move(Store::Open(o)).value();
  uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    uint64_t ticket = 0;
    CommitBatch b;
    const std::vector<IncidentChange> changes = {
        make_change(make_incident("r", "g" + std::to_string(i), i + 1))};
    b.changes = changes;
    BOOST_TEST_REQUIRE(store->commit(b, &ticket).ok());
    BOOST_TEST(ticket > last);
    last = ticket;
  }
  BOOST_TEST(store->wait_durable(last, std::chrono::seconds(30)));
  BOOST_TEST(store->durable_ticket() >= last);
  BOOST_TEST(store->stats().gauges().wal_syncs >= 1u);
}

BOOST_AUTO_TEST_CASE(stats_count_every_family_and_report_disk_use) {
  TempDir dir;
  auto store = open_store(dir.str("db"));
  const Incident in = make_incident("r", "g", 5);
  BOOST_TEST_REQUIRE(commit_changes(*store,
                                    {make_change(in, IncidentChange::Kind::kCreated,
                                                 {make_evidence(0, "a"), make_evidence(1, "b")})},
                                    {"soc"})
                         .ok());
  BOOST_TEST_REQUIRE(store->transition(close(in), std::vector<std::string>{"soc"}).ok());
  auto st = store->stats().scan();
  BOOST_TEST_REQUIRE(st.ok());
  BOOST_TEST(st->incidents == 1u);
  BOOST_TEST(st->evidence == 2u);
  BOOST_TEST(st->history == 2u);
  BOOST_TEST(st->audit == 1u);
  BOOST_TEST(st->by_status.at("resolved") == 1u);
  BOOST_TEST(st->outbox.at("soc") == 2u);
  BOOST_TEST(st->disk_bytes > 0u);
  BOOST_TEST(st->newest_last_seen_us == 5);
  BOOST_TEST(st->schema_version == keys::kSchemaVersion);
  const StoreGauges g = store->stats().gauges();
  BOOST_TEST(g.outbox.at("soc") == 2u);
  BOOST_TEST(g.transitions == 1u);
  BOOST_TEST(g.commits == 1u);
}

// However the path is written: plainly, with "..", through a symlink, with a trailing
// slash, or the directory itself; a sibling that only starts with the same name is fine.
BOOST_AUTO_TEST_CASE(a_backup_directory_inside_the_data_directory_is_found_however_written) {
  TempDir dir("maintenance");
  const auto data = dir.path() / "var";
  std::filesystem::create_directories(data / "db");
  std::filesystem::create_symlink(data, dir.path() / "link");
  for (const auto& inside :
       {data / "inside", data / "db" / ".." / "inside", dir.path() / "link" / "inside",
        dir.path() / "nothing" / ".." / "var" / "x", data, data / "", data / "db"}) {
    const Status s = check_backup_outside(inside.string(), data.string(), "data directory");
    BOOST_TEST(!s.ok(), inside);
    if (!s.ok()) {
      BOOST_TEST((s.error().code == Errc::kInvalidArgument));
      BOOST_TEST(s.error().message.find("a backup must live elsewhere") != std::string::npos);
    }
  }
  for (const auto& outside : {dir.path() / "var-backup", dir.path() / "backups", dir.path()}) {
    const Status s = check_backup_outside(outside.string(), data.string(), "data directory");
    BOOST_TEST(s.ok(), outside << ": " << (s.ok() ? "" : s.error().message));
  }
  // Trailing slashes on the data directory change nothing.
  BOOST_TEST(
      !check_backup_outside((data / "in").string(), data.string() + "/", "data directory").ok());
}
