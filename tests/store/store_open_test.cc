#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "store/keys.h"
#include "store/outbox_queue.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

BOOST_AUTO_TEST_CASE(open_creates_a_missing_data_directory) {
  TempDir dir;
  const std::string path = dir.str("var/db");
  StoreOptions o;
  o.path = path;
  auto store = Store::Open(o);
  BOOST_TEST_REQUIRE(store.ok());
  BOOST_TEST(std::filesystem::is_directory(path));
  BOOST_TEST(std::filesystem::exists(path + "/CURRENT"));
}

BOOST_AUTO_TEST_CASE(second_open_is_busy_with_a_clear_message_while_read_only_works) {
  TempDir dir;
  const std::string path = dir.str("db");
  auto writer = open_store(path);
  BOOST_TEST_REQUIRE(commit_changes(*writer, {make_change(make_incident("r", "g", 5))}).ok());

  StoreOptions o;
  o.path = path;
  auto second = Store::Open(o);
  BOOST_TEST_REQUIRE(!second.ok());
  BOOST_TEST((second.error().code == Errc::kBusy));
  BOOST_TEST(second.error().message == "data directory " + path +
                                           " is in use by another wardsoc process (pid " +
                                           std::to_string(::getpid()) + ") (lock held)");
  BOOST_TEST((Store::lock_holder(path) == std::optional<int64_t>(::getpid())));

  auto reader = Store::OpenReadOnly(path);
  BOOST_TEST_REQUIRE(reader.ok(), (reader.ok() ? "" : reader.error().message));
  BOOST_TEST((*reader)->read_only());
  auto got = (*reader)->get_incident(make_incident_id("r", "g", 1'000'000));
  BOOST_TEST_REQUIRE(got.ok());
  BOOST_TEST(got->has_value());

  // The reader cannot write, and does not disturb the writer.
  const auto refused = (*reader)->commit(
      std::vector<IncidentChange>{make_change(make_incident("r", "h", 6))}, {}, {}, {});
  BOOST_TEST(!refused.ok());
  BOOST_TEST((refused.error().code == Errc::kInvalidArgument));
  BOOST_TEST(commit_changes(*writer, {make_change(make_incident("r", "h", 6))}).ok());
}

BOOST_AUTO_TEST_CASE(a_second_process_gets_busy_while_the_first_holds_the_directory) {
  TempDir dir;
  const std::string path = dir.str("db");
  auto writer = open_store(path);
  auto child = spawn_store_helper({"busy", path});
  const std::string out = child->read_all();
  child->wait(std::chrono::seconds(30));
  BOOST_TEST(out == "busy:data directory " + path + " is in use by another wardsoc process (pid " +
                        std::to_string(::getpid()) + ") (lock held)\n");
}

BOOST_AUTO_TEST_CASE(a_free_directory_has_no_lock_holder) {
  TempDir dir;
  const std::string path = dir.str("db");
  BOOST_TEST(!Store::lock_holder(path).has_value());  // nothing there yet
  { auto store = open_store(path); }
  BOOST_TEST(!Store::lock_holder(path).has_value());  // closed again
}

BOOST_AUTO_TEST_CASE(read_only_sees_what_was_durable_at_open_time) {
  TempDir dir;
  const std::string path = dir.str("db");
  auto writer = open_store(path);
  BOOST_TEST_REQUIRE(commit_changes(*writer, {make_change(make_incident("r", "before", 5))}).ok());
  auto reader = Store::OpenReadOnly(path);
  BOOST_TEST_REQUIRE(reader.ok());
  BOOST_TEST_REQUIRE(commit_changes(*writer, {make_change(make_incident("r", "after", 6))}).ok());
  auto page = (*reader)->list_incidents({});
  BOOST_TEST_REQUIRE(page.ok());
  BOOST_TEST_REQUIRE(page->incidents.size() == 1u);
  BOOST_TEST(page->incidents[0].group_key == "before");
}

BOOST_AUTO_TEST_CASE(read_only_of_a_missing_directory_is_not_found) {
  TempDir dir;
  auto r = Store::OpenReadOnly(dir.str("nothing-here"));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kNotFound));
  BOOST_TEST(r.error().message.find("nothing-here") != std::string::npos);

  auto empty = Store::OpenReadOnly(dir.str());
  BOOST_TEST_REQUIRE(!empty.ok());
  BOOST_TEST((empty.error().code == Errc::kNotFound));
}

BOOST_AUTO_TEST_CASE(a_path_that_is_a_file_is_refused_clearly) {
  TempDir dir;
  const std::string path = dir.str("db");
  std::ofstream(path) << "not a directory";
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kInvalidArgument));
  BOOST_TEST(r.error().message == "data directory " + path + " is not a directory");
}

BOOST_AUTO_TEST_CASE(a_schema_version_from_the_future_is_incompatible) {
  TempDir dir;
  const std::string path = dir.str("db");
  { auto store = open_store(path); }
  with_raw_db(path, [](rocksdb::DB* db, auto& cf) {
    BOOST_TEST_REQUIRE(
        db->Put(rocksdb::WriteOptions(), cf.at("meta"), "schema_version", "99").ok());
  });
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kIncompatible));
  BOOST_TEST(r.error().message.find("newer wardsoc (schema 99") != std::string::npos);
  BOOST_TEST(r.error().message.find(path) != std::string::npos);

  auto ro = Store::OpenReadOnly(path);
  BOOST_TEST_REQUIRE(!ro.ok());
  BOOST_TEST((ro.error().code == Errc::kIncompatible));
}

BOOST_AUTO_TEST_CASE(a_newer_database_is_refused_before_it_is_changed) {
  TempDir dir;
  const std::string path = dir.str("db");
  { auto store = open_store(path); }
  // A newer wardsoc dropped a family and added one of its own.
  with_raw_db(path, [](rocksdb::DB* db, auto& cf) {
    BOOST_TEST_REQUIRE(db->Put(rocksdb::WriteOptions(), cf.at("meta"), "schema_version",
                               std::to_string(keys::kSchemaVersion + 1))
                           .ok());
    BOOST_TEST_REQUIRE(db->DropColumnFamily(cf.at("dead_letter")).ok());
    rocksdb::ColumnFamilyHandle* h = nullptr;
    BOOST_TEST_REQUIRE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "future", &h).ok());
    db->DestroyColumnFamilyHandle(h);
  });
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kIncompatible));
  std::vector<std::string> names;
  BOOST_TEST_REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  BOOST_TEST((std::find(names.begin(), names.end(), "dead_letter") == names.end()));
}

BOOST_AUTO_TEST_CASE(unknown_families_of_the_same_schema_are_kept_open) {
  TempDir dir;
  const std::string path = dir.str("db");
  { auto store = open_store(path); }
  with_raw_db(path, [](rocksdb::DB* db, auto&) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    BOOST_TEST_REQUIRE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "extra", &h).ok());
    db->DestroyColumnFamilyHandle(h);
  });
  auto store = open_store(path);
  BOOST_TEST(commit_changes(*store, {make_change(make_incident("r", "g", 5))}).ok());
}

BOOST_AUTO_TEST_CASE(a_corrupted_incident_value_is_corruption_naming_the_key) {
  TempDir dir;
  const std::string path = dir.str("db");
  const Incident in = make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000);
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST_REQUIRE(
        db->Put(rocksdb::WriteOptions(), cf.at("incidents"), in.id, "{\"v\":1,garbage").ok());
  });
  auto store = open_store(path);
  auto got = store->get_incident(in.id);
  BOOST_TEST_REQUIRE(!got.ok());
  BOOST_TEST((got.error().code == Errc::kCorruption));
  BOOST_TEST(got.error().message.find("incidents/" + in.id) != std::string::npos);

  auto page = store->list_incidents({});
  BOOST_TEST_REQUIRE(!page.ok());
  BOOST_TEST((page.error().code == Errc::kCorruption));
  BOOST_TEST(page.error().message.find("incidents/" + in.id) != std::string::npos);

  // Detect's next snapshot of the incident replaces the unreadable one.
  Incident again = in;
  again.last_seen_us = 6'000'000;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(again, IncidentChange::Kind::kUpdated)}).ok());
  auto healed = store->list_incidents({});
  BOOST_TEST_REQUIRE(healed.ok());
  BOOST_TEST_REQUIRE(healed->incidents.size() == 1u);
  BOOST_TEST(healed->incidents[0].last_seen_us == 6'000'000);
}

BOOST_AUTO_TEST_CASE(a_corrupted_outbox_entry_moves_to_the_dead_letters_and_the_queue_goes_on) {
  TempDir dir;
  const std::string path = dir.str("db");
  {
    auto store = open_store(path);
    BOOST_TEST_REQUIRE(commit_changes(*store,
                                      {make_change(make_incident("r", "g1", 5)),
                                       make_change(make_incident("r", "g2", 6)),
                                       make_change(make_incident("r", "g3", 7))},
                                      {"soc"})
                           .ok());
  }
  with_raw_db(path, [&](rocksdb::DB* db, auto& cf) {
    BOOST_TEST_REQUIRE(
        db->Put(rocksdb::WriteOptions(), cf.at("outbox"), keys::outbox_key("soc", 1), "[]").ok());
    BOOST_TEST_REQUIRE(
        db->Put(rocksdb::WriteOptions(), cf.at("outbox"), keys::outbox_key("soc", 3), "{").ok());
  });
  auto store = open_store(path);
  // The damaged oldest entry is moved aside at once; the one behind a good entry waits
  // until the entries before it are delivered, so the order is kept.
  auto r = store->outbox().read("soc", 10);
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST_REQUIRE(r->size() == 1u);
  BOOST_TEST(r->at(0).seq == 2u);
  BOOST_TEST_REQUIRE(store->outbox().ack("soc", 2).ok());
  r = store->outbox().read("soc", 10);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->empty());
  BOOST_TEST(store->outbox().size("soc") == 0u);

  auto dl = store->outbox().dead_letters("soc", 10);
  BOOST_TEST_REQUIRE(dl.ok(), (dl.ok() ? "" : dl.error().message));
  BOOST_TEST_REQUIRE(dl->size() == 2u);
  BOOST_TEST(dl->at(0).raw == "[]");
  BOOST_TEST(dl->at(0).entry.seq == 1u);
  BOOST_TEST(dl->at(0).reason.find("does not decode") != std::string::npos);
  BOOST_TEST(dl->at(1).raw == "{");
  auto audit = store->audit_log(0, 10);
  BOOST_TEST_REQUIRE(audit.ok());
  BOOST_TEST(std::count_if(audit->begin(), audit->end(),
                           [](const AuditEntry& a) { return a.action == "quarantine"; }) == 2);
}
