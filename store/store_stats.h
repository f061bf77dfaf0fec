// Figures about a Store: full counts for `wardsoc db stats` (a scan of the families)
// and cheap gauges for /metrics (no scans). Read-only: any thread may call it at any
// time, also on a store opened read-only. Belongs to its Store.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/result.h"

namespace wardsoc {

class OutboxQueues;
class StoreDb;

struct StoreStats {
  uint64_t incidents = 0;
  uint64_t evidence = 0;
  uint64_t history = 0;
  uint64_t audit = 0;
  std::map<std::string, uint64_t> by_status;     // incidents per status name
  std::map<std::string, uint64_t> outbox;        // queued entries per sink
  std::map<std::string, uint64_t> dead_letter;   // dead letters per sink
  std::map<std::string, uint64_t> family_bytes;  // SST files + memtables per family
  uint64_t disk_bytes = 0;                       // all files in the data directory
  int64_t oldest_last_seen_us = 0;               // 0 when there are no incidents
  int64_t newest_last_seen_us = 0;
  uint32_t schema_version = 0;
};

// Cheap figures for /metrics, read at every scrape: no scans (estimates from RocksDB's
// properties where a count would need one).
struct StoreGauges {
  uint64_t incidents_estimate = 0;
  std::map<std::string, uint64_t> outbox;  // exact, per sink
  std::map<std::string, uint64_t> family_bytes;
  uint64_t live_data_bytes = 0;
  uint64_t commits = 0;
  uint64_t commit_failures = 0;
  uint64_t incidents_written = 0;  // snapshots committed
  uint64_t transitions = 0;
  uint64_t reopened = 0;
  uint64_t quarantined = 0;  // outbox entries that did not decode, moved to dead letters
  uint64_t retention_removed = 0;
  uint64_t wal_syncs = 0;  // group commit fsyncs
  // Index entries (idx_time and idx) put or deleted by commits and transitions: an
  // update moves an entry only when its key or its summary changed.
  uint64_t index_writes = 0;
  // Stored incidents commit() read back (those it did not write recently itself).
  uint64_t incident_reads = 0;
  // Alert updates held back by sinks' update_interval, waiting to be queued.
  uint64_t held_updates = 0;
  bool background_error = false;  // writes stopped: disk below the reserve, or RocksDB failed
  uint64_t disk_free_bytes = 0;   // free on the file system holding the store
};

class StoreStatistics {
 public:
  StoreStatistics(const StoreDb& db, const OutboxQueues& outbox) : db_(db), outbox_(outbox) {}
  StoreStatistics(const StoreStatistics&) = delete;
  StoreStatistics& operator=(const StoreStatistics&) = delete;

  // Counts by scanning the families: meant for `wardsoc db stats`, not per-second
  // metrics.
  Result<StoreStats> scan() const;
  StoreGauges gauges() const;

 private:
  const StoreDb& db_;
  const OutboxQueues& outbox_;
};

}  // namespace wardsoc
