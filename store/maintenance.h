// Keeping a Store's data directory healthy: verify (and repair), retention, backup and
// restore. What `wardsoc db verify|backup|restore` and the retention timer use.
//
// Thread safety: any thread may call it while commits go on. Retention and repair hold
// off commits while they write (they take the store's writer lock in short chunks);
// verify without repair and backup only read. Belongs to its Store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store_options.h"

namespace wardsoc {

class OutboxQueues;
class StoreDb;

// What verify() found. Problems are listed (at most kMaxListedProblems) with the key
// they concern; the counts are complete.
struct VerifyReport {
  uint64_t incidents = 0;
  uint64_t index_entries = 0;
  uint64_t evidence = 0;
  uint64_t history = 0;
  uint64_t outbox = 0;
  uint64_t dead_letters = 0;
  uint64_t audit = 0;
  uint64_t problems = 0;  // found
  uint64_t repaired = 0;  // of those, fixed (verify with repair)
  std::vector<std::string> listed;
  bool checksums_ok = true;
  std::string checksum_error;
};
inline constexpr size_t kMaxListedProblems = 100;

struct RetentionReport {
  int64_t cutoff_us = 0;   // incidents last seen before this were considered
  uint64_t removed = 0;    // incidents removed with their evidence and history
  uint64_t kept_open = 0;  // older but still open, so kept
};

struct BackupInfo {
  uint32_t id = 0;
  int64_t time_us = 0;
  uint64_t size_bytes = 0;
  uint32_t files = 0;
};

// Refuses a backup directory that is `dir` or lies inside it (`what` names `dir` in the
// message: "data directory"). Symlinks and ".." are resolved first, in the part of the
// path that exists, so a link into `dir` or "dir/x/.." is found too. A backup there
// would be lost with the directory it is meant to outlive.
Status check_backup_outside(const std::string& backup_dir, const std::string& dir,
                            std::string_view what);

class Maintenance {
 public:
  Maintenance(StoreDb& db, OutboxQueues& outbox) : db_(db), outbox_(outbox) {}
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // Removes incidents last seen before `now_us - retention_us` that are not open, with
  // their evidence, history and index entries, in fsynced batches; records what it did
  // in the audit log. Checkpoints, correlation state, counts and the outbox stay.
  Result<RetentionReport> apply_retention(int64_t now_us, int64_t retention_us);

  // Checks block checksums of every file, then the store's own invariants: every index
  // entry points at an incident that has it, every incident has its index entries,
  // evidence and history belong to an incident, every value decodes, outbox entries lie
  // in their queue's range. With `repair`, fixes what can be fixed without guessing:
  // index entries are rebuilt from the incidents, orphans removed, undecodable outbox
  // entries moved to the dead letters (bytes kept) — a damaged outbox never has to be
  // deleted by hand. Repair holds off commits while it runs.
  Result<VerifyReport> verify(bool repair);

  // A new backup of the data directory in `backup_dir` (RocksDB BackupEngine:
  // checksummed, incremental — files shared with earlier backups are not copied
  // again). Works while commits go on. `keep` > 0 purges all but the newest `keep`.
  Result<BackupInfo> backup(const std::string& backup_dir, std::string_view actor,
                            uint32_t keep = 0);
  // Backups go through the store's file system (StoreOptions::env), so a file system
  // given for tests or tools sees them; list_backups and restore take it in `options`
  // (only `env` is used). Moving directories aside and into place uses the local one.
  static Result<std::vector<BackupInfo>> list_backups(const std::string& backup_dir,
                                                      const StoreOptions& options = {});
  // Restores backup `id` (0: the newest) of `backup_dir` into `path`, which no process
  // may hold. The backup is verified and restored beside `path` first; a directory
  // already at `path` is kept as `path`.before-restore-<time>. Returns what was restored.
  static Result<BackupInfo> restore(const std::string& backup_dir, const std::string& path,
                                    uint32_t id = 0, const StoreOptions& options = {});

 private:
  StoreDb& db_;
  OutboxQueues& outbox_;
};

}  // namespace wardsoc
