// What the Store's units share behind their public headers: the owner of the RocksDB
// handle (StoreDb) and small helpers. Not part of the store's public surface: only
// files in store/ include it.
#pragma once

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/keys.h"
#include "store/store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace wardsoc::store_detail {

inline rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline std::string_view view(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool valid_name(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

// A RocksDB status as our error, with what we were doing; a full disk says so.
Error rocks_error(const rocksdb::Status& s, std::string_view what);

// An iterator for reading a whole family (verify, `db stats`), as of `snapshot`
// (nullptr: now). It does not fill the block cache: a full scan would evict what the
// readers of the dashboard need.
std::unique_ptr<rocksdb::Iterator> full_scan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                             const rocksdb::Snapshot* snapshot = nullptr);

// The keys of one family in [begin, end), in order, with the bound kept alive for as long
// as the iterator: the loop every per-name read (evidence, history, checkpoints, a sink's
// queue) is made of.
//   KeyRange r(db, cf, keys::name_prefix(id), keys::name_prefix_end(id));
//   for (; r.valid(); r.next()) use(r.key(), r.value());
//   if (!r.status().ok()) ...
class KeyRange {
 public:
  // Seeks to `start`: the range's begin, or a key inside it (past the acked part of a
  // queue).
  KeyRange(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view start,
           std::string end);
  ~KeyRange();
  KeyRange(const KeyRange&) = delete;
  KeyRange& operator=(const KeyRange&) = delete;

  bool valid() const;
  void next();
  std::string_view key() const;
  std::string_view value() const;
  rocksdb::Slice raw_key() const;
  rocksdb::Status status() const;

 private:
  std::string end_;
  rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string hex_encode(std::string_view bytes);
bool hex_decode(std::string_view text, std::string* out);

// Counts as u64 little endian, the value layout of the counts family.
std::string le64(uint64_t v);
bool parse_le64(std::string_view v, uint64_t* out);

}  // namespace wardsoc::store_detail

namespace wardsoc {

class RecentIncidents;

// Counters behind StoreStatistics::gauges(); relaxed atomics, read at scrape time.
struct StoreCounters {
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_failures{0};
  std::atomic<uint64_t> incidents_written{0};
  std::atomic<uint64_t> transitions{0};
  std::atomic<uint64_t> reopened{0};
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> retention_removed{0};
  std::atomic<uint64_t> wal_syncs{0};
  std::atomic<uint64_t> index_writes{0};
  std::atomic<uint64_t> incident_reads{0};
  std::atomic<uint64_t> held_updates{0};  // alert updates held back by update_interval, now
};

// StoreDb: the one owner of the RocksDB handle of a data directory, shared by the
// Store's units (the core in store.cc, the outbox queues, maintenance, statistics and
// the rule-set log), each of which keeps a reference to it. The Store creates it first
// and destroys it last.
//
// Thread safety: path, read_only, options, db, handles and families are set while the
// Store opens and never change afterwards, so any thread may read them; RocksDB's DB is
// thread-safe. commit_mu is the writer lock of incidents: every read-modify-write of an
// incident, its indexes or its lifecycle (commit, transition, retention, repair) holds
// it, and `recent` is guarded by it. The audit seq has its own lock (audit entries are
// also written outside commit_mu, by the outbox's quarantine and by the CLI). Counters
// and the two flags are atomics.
class StoreDb {
 public:
  StoreDb(std::string path, bool read_only, const StoreOptions& options);
  ~StoreDb();  // frees the column family handles, then closes the database
  StoreDb(const StoreDb&) = delete;
  StoreDb& operator=(const StoreDb&) = delete;

  rocksdb::ColumnFamilyHandle* family(keys::Family f) const {
    return families[static_cast<size_t>(f)];
  }
  // kInvalidArgument when the store was opened read-only.
  Status check_writable() const;
  // Writes `batch` with fsync; the error names `what` and the data directory.
  Status write_synced(rocksdb::WriteBatch* batch, std::string_view what);

  // The audit log's seqs: strictly increasing, never reused (loaded at open).
  uint64_t next_audit_seq();
  void set_next_audit_seq(uint64_t next);
  // Appends one audit entry, fsynced.
  Status append_audit(std::string_view actor, std::string_view action, std::string_view detail);

  const std::string path;
  const bool read_only;
  const StoreOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every family opened; freed before db
  std::array<rocksdb::ColumnFamilyHandle*, keys::kFamilyCount> families{};

  std::mutex commit_mu;                     // see above
  std::unique_ptr<RecentIncidents> recent;  // guarded by commit_mu
  StoreCounters counters;
  // Set when RocksDB's write path failed: no write or WAL sync follows in this process.
  std::atomic<bool> write_failed{false};
  std::atomic<bool> disk_full{false};  // the last commit found less than min_free_bytes

 private:
  std::mutex audit_mu_;  // guards audit_next_
  uint64_t audit_next_ = 1;
};

}  // namespace wardsoc
