// Figures about a Store (store_stats.h): counts by scanning for `wardsoc db stats`,
// gauges from RocksDB's properties and the store's counters for /metrics.
#include "store/store_stats.h"

#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <sys/statvfs.h>

#include <filesystem>

#include "store/outbox_queue.h"
#include "store/store_internal.h"

namespace wardsoc {

using keys::Dim;
using keys::Family;
using namespace store_detail;
namespace fs = std::filesystem;

namespace {

uint64_t int_property(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& name) {
  uint64_t v = 0;
  if (cf != nullptr && db->GetIntProperty(cf, name, &v)) return v;
  return 0;
}

}  // namespace

Result<StoreStats> StoreStatistics::scan() const {
  StoreStats st;
  rocksdb::ManagedSnapshot snapshot(db_.db.get());
  auto count = [&](Family f, uint64_t* n) -> Status {
    auto it = full_scan(db_.db.get(), db_.family(f), snapshot.snapshot());
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++*n;
    if (!it->status().ok()) return rocks_error(it->status(), "stats of " + db_.path);
    return ok_status();
  };
  if (auto s = count(Family::kIncidents, &st.incidents); !s) return std::move(s).error();
  if (auto s = count(Family::kEvidence, &st.evidence); !s) return std::move(s).error();
  if (auto s = count(Family::kHistory, &st.history); !s) return std::move(s).error();
  if (auto s = count(Family::kAudit, &st.audit); !s) return std::move(s).error();
  {
    // Incidents per status, from the status index.
    auto it = full_scan(db_.db.get(), db_.family(Family::kIdx), snapshot.snapshot());
    const std::string status_prefix(1, static_cast<char>(Dim::kStatus));
    for (it->Seek(slice(status_prefix)); it->Valid() && starts_with(view(it->key()), status_prefix);
         it->Next()) {
      const auto s = static_cast<uint8_t>(it->key()[1]);
      if (s <= static_cast<uint8_t>(IncidentStatus::kFalsePositive)) {
        ++st.by_status[std::string(status_name(static_cast<IncidentStatus>(s)))];
      }
    }
    if (!it->status().ok()) return rocks_error(it->status(), "stats of " + db_.path);
  }
  {
    auto it = full_scan(db_.db.get(), db_.family(Family::kDeadLetter), snapshot.snapshot());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view sink;
      uint64_t seq = 0;
      if (keys::parse_outbox_key(view(it->key()), &sink, &seq)) ++st.dead_letter[std::string(sink)];
    }
    if (!it->status().ok()) return rocks_error(it->status(), "stats of " + db_.path);
  }
  {
    auto it = full_scan(db_.db.get(), db_.family(Family::kIdxTime), snapshot.snapshot());
    it->SeekToFirst();
    int64_t t = 0;
    std::string_view id;
    if (it->Valid() && keys::parse_time_index_key(view(it->key()), &t, &id)) {
      st.newest_last_seen_us = t;
    }
    it->SeekToLast();
    if (it->Valid() && keys::parse_time_index_key(view(it->key()), &t, &id)) {
      st.oldest_last_seen_us = t;
    }
  }
  st.outbox = outbox_.sizes();
  for (size_t i = 0; i < keys::kFamilyCount; ++i) {
    st.family_bytes[std::string(keys::kFamilyNames[i])] =
        int_property(db_.db.get(), db_.families[i], "rocksdb.total-sst-files-size") +
        int_property(db_.db.get(), db_.families[i], "rocksdb.cur-size-all-mem-tables");
  }
  std::string version;
  if (db_.db
          ->Get(rocksdb::ReadOptions(), db_.family(Family::kMeta), slice(keys::kSchemaVersionKey),
                &version)
          .ok()) {
    st.schema_version = static_cast<uint32_t>(std::strtoul(version.c_str(), nullptr, 10));
  }
  std::error_code ec;
  for (fs::recursive_directory_iterator it(db_.path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) st.disk_bytes += size;
    }
  }
  return st;
}

StoreGauges StoreStatistics::gauges() const {
  StoreGauges g;
  g.incidents_estimate =
      int_property(db_.db.get(), db_.family(Family::kIncidents), "rocksdb.estimate-num-keys");
  g.outbox = outbox_.sizes();
  for (size_t i = 0; i < keys::kFamilyCount; ++i) {
    g.family_bytes[std::string(keys::kFamilyNames[i])] =
        int_property(db_.db.get(), db_.families[i], "rocksdb.total-sst-files-size") +
        int_property(db_.db.get(), db_.families[i], "rocksdb.cur-size-all-mem-tables");
    g.live_data_bytes +=
        int_property(db_.db.get(), db_.families[i], "rocksdb.estimate-live-data-size");
  }
  g.commits = db_.counters.commits.load(std::memory_order_relaxed);
  g.commit_failures = db_.counters.commit_failures.load(std::memory_order_relaxed);
  g.incidents_written = db_.counters.incidents_written.load(std::memory_order_relaxed);
  g.transitions = db_.counters.transitions.load(std::memory_order_relaxed);
  g.reopened = db_.counters.reopened.load(std::memory_order_relaxed);
  g.quarantined = db_.counters.quarantined.load(std::memory_order_relaxed);
  g.retention_removed = db_.counters.retention_removed.load(std::memory_order_relaxed);
  g.wal_syncs = db_.counters.wal_syncs.load(std::memory_order_relaxed);
  g.index_writes = db_.counters.index_writes.load(std::memory_order_relaxed);
  g.incident_reads = db_.counters.incident_reads.load(std::memory_order_relaxed);
  g.held_updates = db_.counters.held_updates.load(std::memory_order_relaxed);
  uint64_t stopped = 0;
  db_.db->GetIntProperty("rocksdb.is-write-stopped", &stopped);
  uint64_t bg_errors = 0;
  db_.db->GetIntProperty("rocksdb.background-errors", &bg_errors);
  g.background_error = stopped > 0 || (bg_errors > 0 && g.commit_failures > 0) ||
                       db_.write_failed.load() || db_.disk_full.load();
  struct statvfs fs {};
  if (::statvfs(db_.path.c_str(), &fs) == 0) {
    g.disk_free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  return g;
}

}  // namespace wardsoc
