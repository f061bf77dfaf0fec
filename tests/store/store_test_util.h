// Helpers for tests that use a real Store: a temporary data directory that is removed
// afterwards, incidents and changes built in one line, raw RocksDB access for tests
// that must tamper with what is on disk, and store_test_helper as a separate process.
#pragma once

#include <rocksdb/db.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/incident.h"
#include "store/count_merge.h"
#include "store/store.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace wardsoc::testing {

inline Incident make_incident(const std::string& rule, const std::string& group,
                              int64_t last_seen_us, Severity severity = Severity::kMedium,
                              int64_t window_start_us = 1'000'000) {
  Incident in;
  in.rule_id = rule;
  in.group_key = group;
  in.window_start_us = window_start_us;
  in.id = make_incident_id(rule, group, window_start_us);
  in.rule_version = "r1";
  in.title = "Test incident for " + rule;
  in.severity = severity;
  in.level = 5;
  in.tags = {"test"};
  in.first_seen_us = window_start_us;
  in.last_seen_us = last_seen_us;
  in.count = 1;
  in.asset = "cam-01";
  in.site = "Nhà văn hóa tổ 3";
  in.asset_class = AssetClass::kCamera;
  in.host = "10.0.3.17";
  in.input = "syslog-tcp";
  in.fields = {{"src_ip", group}};
  return in;
}

inline Evidence make_evidence(uint32_t seq, const std::string& line) {
  Evidence ev;
  ev.seq = seq;
  ev.receive_time_us = 1'000'000 + seq;
  ev.event_time_us = 1'000'000 + seq;
  ev.input = "syslog-tcp";
  ev.peer = "10.0.3.17";
  ev.line = line;
  return ev;
}

inline IncidentChange make_change(const Incident& in,
                                  IncidentChange::Kind kind = IncidentChange::Kind::kCreated,
                                  std::vector<Evidence> evidence = {}) {
  IncidentChange c;
  c.kind = kind;
  c.incident = in;
  c.new_evidence = std::move(evidence);
  return c;
}

inline std::unique_ptr<Store> open_store(const std::string& path, bool sync = true) {
  StoreOptions o;
  o.path = path;
  o.sync = sync;
  auto r = Store::Open(o);
  if (!r) throw std::runtime_error("opening the test store: " + r.error().message);
  return std::move(r).value();
}

// Commits changes to the given sinks with no positions.
inline Status commit_changes(Store& store, const std::vector<IncidentChange>& changes,
                             const std::vector<std::string>& sinks = {}) {
  return store.commit(changes, {}, {}, sinks);
}

// Opens the data directory with plain RocksDB (the Store must be closed) and calls
// fn with the handle of every column family by name.
inline void with_raw_db(
    const std::string& path,
    const std::function<void(rocksdb::DB*, std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>&
        fn) {
  std::vector<std::string> names;
  rocksdb::DBOptions dbo;
  auto s = rocksdb::DB::ListColumnFamilies(dbo, path, &names);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) {
    rocksdb::ColumnFamilyOptions o;
    if (n == "counts") o.merge_operator = make_count_merge_operator();
    descs.emplace_back(n, o);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::Open(dbo, path, descs, &handles, &db);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
  fn(db, by_name);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  s = db->Close();
  delete db;
}

inline size_t count_keys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

// Starts tests/store/store_test_helper with `args`, its stdout on a pipe (read_line):
// a separate process for cross-process locking and kill -9 crash tests.
inline std::unique_ptr<Subprocess> spawn_store_helper(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {WARDSOC_BINARY_DIR "/tests/store/store_test_helper"};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessIo io;
  io.stdout_pipe = true;
  return std::make_unique<Subprocess>(std::move(argv), io);
}

}  // namespace wardsoc::testing
