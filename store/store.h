// Store: wardsoc's durable state in one RocksDB data directory — incidents, their
// evidence lines, their lifecycle history, indexes and hourly counts for the dashboard,
// one outbox queue per sink, dead letters, the input checkpoints, detect's correlation
// state and the audit log. It is where the no-loss contract (docs/store.md) is kept:
// everything one batch of events caused is written in a single atomic WriteBatch.
//
// Durability: a commit() that returns OK is in the write-ahead log, so it survives the
// process being killed. With StoreOptions::sync (the default) it has also been fsynced
// and survives a power cut; without it (group commit) a background thread fsyncs the
// log every group_commit_interval, and commit_ticket()/durable_ticket() tell when a
// commit is safe from power loss — acknowledge input positions only then. Transitions,
// backups and retention are always fsynced. Acks and dead-lettering are not: losing
// one only makes the forwarder deliver those entries again (at least once).
//
// Thread safety: every method may be called from any thread at any time. commit()
// calls are serialised among themselves; ack_outbox()/dead_letter() are serialised
// among themselves but run alongside commit(); readers take a consistent RocksDB view
// and never block writers. A sink's queue should have one consumer (its Forwarder).
//
// Only one process may open a data directory for writing (RocksDB's LOCK file); CLI
// readers use OpenReadOnly() while `wardsoc run` holds it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/event.h"
#include "core/incident.h"
#include "core/result.h"
#include "store/keys.h"
#include "store/lifecycle.h"
#include "store/outbox.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace wardsoc {

class OrderedBatch;
class RecentIncidents;

struct StoreOptions {
  std::string path;  // data directory, created if missing
  // true: fsync the WAL on every commit (the no-loss default). false: group commit,
  // an fsync every group_commit_interval (see the header).
  bool sync = true;
  std::chrono::milliseconds group_commit_interval{10};
  size_t block_cache_bytes = size_t{64} << 20;  // shared by all column families
  // Retention: incidents last seen longer ago than this are removed with their
  // evidence and history, unless still open (new, acknowledged, in_progress).
  // 0 keeps everything. Checked every retention_interval and once at open.
  int64_t retention_us = 0;
  std::chrono::milliseconds retention_interval{std::chrono::hours(1)};
  // Commits are refused while the file system holding the store has less free space
  // than this (plus the batch): a full disk is reported before RocksDB's write path
  // meets it, nothing acknowledged is at risk, and writing resumes by itself once space
  // is freed. 0 turns the check off (RocksDB's own error then stops writes until restart).
  uint64_t min_free_bytes = uint64_t{64} << 20;
};

// Which incidents list_incidents() returns. Times filter on last_seen_us (the time of
// the latest matching event), half-open: since_us <= last_seen_us < until_us.
struct IncidentQuery {
  int64_t since_us = INT64_MIN;
  int64_t until_us = INT64_MAX;
  std::optional<Severity> min_severity;   // severity >= this
  std::optional<IncidentStatus> status;   // exactly this status
  std::string rule_id;                    // exactly this rule; empty = any
  std::string site;                       // exactly this site; empty = any
  std::string asset;                      // exactly this asset; empty = any
  std::optional<AssetClass> asset_class;  // source class
  // Words in the title (English or Vietnamese), case- and diacritics-insensitive:
  // "mat khau" finds "Dò mật khẩu SSH".
  std::string text;
  size_t limit = 50;   // 1..kMaxPageSize
  std::string cursor;  // IncidentPage::next_cursor of the previous page
};

// Counts of incidents for charts and reports, from the hourly counters (never a scan
// of the incidents). An incident counts once, in the bucket of its first_seen.
enum class CountBucket { kHour, kDay };
enum class CountBy { kSeverity, kRule, kSite };
struct CountQuery {
  int64_t since_us = 0;  // half-open range of first_seen, rounded out to whole buckets
  int64_t until_us = 0;
  CountBucket bucket = CountBucket::kDay;
  CountBy by = CountBy::kSeverity;
  std::string zone = "Asia/Ho_Chi_Minh";  // where days start (hours are the same everywhere
                                          // wardsoc runs: zones with whole-hour offsets)
};
struct CountRow {
  int64_t start_us = 0;                    // bucket start
  std::map<std::string, uint64_t> counts;  // severity name, rule id or site ("" unknown)
};
inline constexpr size_t kMaxCountBuckets = 10000;

// What Store::verify() found. Problems are listed (at most kMaxListedProblems) with the
// key they concern; the counts are complete.
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

inline constexpr size_t kMaxPageSize = 10000;

// One page, newest last_seen first (ties: incident id ascending). Paging walks the
// index as it is when each page is read: an incident updated between two pages moves
// to the front and is not repeated on later pages of the same walk.
struct IncidentPage {
  std::vector<Incident> incidents;
  std::string next_cursor;  // empty when there is nothing more
};

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
  bool background_error = false;  // writes stopped: disk below the reserve, or RocksDB failed
  uint64_t disk_free_bytes = 0;   // free on the file system holding the store
};

// A change to correlation state (detect's counters and windows), written in the same
// WriteBatch as the incidents it led to. Keys and values are opaque to the store; their
// layout is documented where detect builds them.
struct StateUpdate {
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

// One rule-set load as the running process recorded it: at start and at every reload,
// accepted or rejected, with the diagnostics. `wardsoc rules reload` waits for the record
// of the reload it asked for; `wardsoc rules stats` shows the history. Meta family, key
// "rule_set" \0 u64 BE seq (see keys.h).
struct RuleSetRecord {
  uint64_t seq = 0;  // assigned by record_rule_set(), increasing
  int64_t time_us = 0;
  std::string trigger;  // "start", "sighup"
  bool accepted = false;
  std::string version;  // the rule set's version (when accepted)
  uint64_t rules = 0;
  uint64_t rules_kept_state = 0;  // reload: rules whose correlation state carried over
  uint64_t errors = 0;
  uint64_t warnings = 0;
  std::string diagnostics;  // one diagnostic per line, as `rules check` prints them
  int64_t pid = 0;
};

// Everything one processed batch makes durable at once (the no-loss contract).
struct CommitBatch {
  std::span<const IncidentChange> changes;
  std::span<const InputPosition> positions;
  std::span<const std::string> input_names;  // index -> name, for positions
  std::span<const std::string> sinks;        // one outbox entry per sink per change
  std::span<const StateUpdate> state;
};

class Store {
 public:
  // Opens (creating if missing) the data directory for reading and writing. Errors:
  // kBusy when another process (or another Store in this one) holds it, kIncompatible
  // when a newer wardsoc wrote it, kIo when it cannot be created or written,
  // kInvalidArgument when the path is not a directory.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Opens without taking the write lock, for CLI readers while `wardsoc run` holds
  // the directory. Sees what was durable when it opened; every write returns
  // kInvalidArgument. kNotFound when there is no database at `path`.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& path);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Writes, in one WriteBatch: each change's incident snapshot (the last change of an
  // incident wins), its new evidence lines (keyed by Evidence::seq, so a replay
  // overwrites rather than duplicates), the time index (the incident's previous entry
  // is removed), one outbox entry per sink in `sinks` for every change, and a
  // checkpoint for every position. `input_names[p.input]` names the input of position
  // p: checkpoints are keyed by input name and stream, not by the input's index,
  // which changes when the config does.
  //
  // The store sets Incident::updated_us to the commit time and keeps
  // Incident::evidence_count at least 1 + the highest evidence seq it holds.
  // Durable when it returns OK (with sync). Wakes wait_outbox() if it queued entries.
  Status commit(std::span<const IncidentChange> changes, std::span<const InputPosition> positions,
                std::span<const std::string> input_names, std::span<const std::string> sinks);
  // The same, plus correlation state updates, in the same WriteBatch. `ticket` (if
  // given) receives the commit's ticket for durable_ticket().
  Status commit(const CommitBatch& batch, uint64_t* ticket = nullptr);

  // Group commit: every commit gets a ticket (increasing); durable_ticket() is the
  // highest one fsynced. With sync, every commit is durable when it returns.
  uint64_t durable_ticket() const;
  // Waits until `ticket` is durable (forces an fsync now); false on timeout.
  bool wait_durable(uint64_t ticket, std::chrono::milliseconds timeout);

  // Moves an incident to another status (see lifecycle.h for the rules) and writes, in
  // one fsynced WriteBatch: the incident, its history entry, its index entries, an
  // audit entry and one kUpdated outbox entry per sink in `sinks`, so the SOC learns of
  // it. Errors: kNotFound (no such incident), kInvalidArgument (a step the rules do
  // not allow, with why), kAlreadyExists (expected_from did not match).
  Result<Incident> transition(const TransitionRequest& request, std::span<const std::string> sinks);
  // Oldest first.
  Result<std::vector<HistoryEntry>> history(std::string_view incident_id) const;
  // Audit entries with seq > after_seq, oldest first, at most max.
  Result<std::vector<AuditEntry>> audit_log(uint64_t after_seq, size_t max) const;
  // Records something done to the store from outside it (a restore, by the CLI).
  Status append_audit(std::string_view actor, std::string_view action, std::string_view detail);

  // Incidents per bucket, every bucket of the range (zeros included).
  Result<std::vector<CountRow>> count_incidents(const CountQuery& query) const;

  // Rule-set versions log (store/rule_set_log.cc): appends a record (fsynced) and
  // returns its seq; reads the newest records first.
  Result<uint64_t> record_rule_set(const RuleSetRecord& record);
  Result<std::vector<RuleSetRecord>> rule_set_records(size_t max) const;

  // Calls fn(key, value) for every state key starting with `prefix`, in key order, until
  // fn returns false.
  Status scan_state(std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const;

  Result<std::optional<Incident>> get_incident(std::string_view id) const;
  Result<IncidentPage> list_incidents(const IncidentQuery& query) const;
  // Oldest first (by Evidence::seq), at most `limit`.
  Result<std::vector<Evidence>> evidence(std::string_view incident_id, size_t limit = 1000) const;

  Result<std::optional<uint64_t>> checkpoint(std::string_view input_name,
                                             std::string_view stream) const;
  // Every stream of one input with its position (e.g. all tailed files).
  Result<std::map<std::string, uint64_t>> checkpoints(std::string_view input_name) const;

  // Outbox: one FIFO queue per sink. Its entries are always the contiguous seq range
  // after the last acked seq; seqs are never reused, also across restarts.
  // An entry whose value does not decode is not returned: it is moved to the dead
  // letters with its bytes and the reason (counted, logged, audited) and reading goes
  // on, so one damaged entry never stops a sink's queue.
  Result<std::vector<OutboxEntry>> read_outbox(std::string_view sink, size_t max) const;
  // Removes the sink's entries with seq <= up_to_seq (one range delete). Acking what
  // is already acked is a no-op; acking a seq that was never enqueued is
  // kInvalidArgument, because it would hide entries committed later.
  Status ack_outbox(std::string_view sink, uint64_t up_to_seq);
  uint64_t outbox_size(std::string_view sink) const;

  // Moves the oldest queued entry of `sink` (entry.seq must be it) to the dead_letter
  // family with the reason, in one batch, so the queue moves on without losing it.
  Status dead_letter(std::string_view sink, const OutboxEntry& entry, std::string_view reason);
  Result<std::vector<DeadLetter>> dead_letters(std::string_view sink, size_t max) const;

  // Sink health (store/sink_health.cc): one small record per sink that its forwarder
  // writes when its state changes (outage, recovery, outbox bound), so that a read-only
  // reader (`wardsoc sinks status`) can tell whether the SOC link is up. The value is
  // opaque here. Not fsynced: it is advisory. Meta family, key "sink_health" \0 sink.
  Status put_sink_health(std::string_view sink, std::string_view value);
  Result<std::map<std::string, std::string>> sink_health() const;  // by sink name
  // How many dead letters a sink has (a key-only scan of its range).
  Result<uint64_t> dead_letter_count(std::string_view sink) const;

  // Counts by scanning the families: meant for `wardsoc db stats`, not per-second
  // metrics (outbox_size() is O(1), gauges() has no scans).
  Result<StoreStats> stats() const;
  StoreGauges gauges() const;

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
  static Result<std::vector<BackupInfo>> list_backups(const std::string& backup_dir);
  // Restores backup `id` (0: the newest) of `backup_dir` into `path`, which no process
  // may hold. The backup is verified and restored beside `path` first; a directory
  // already at `path` is kept as `path`.before-restore-<time>. Returns what was restored.
  static Result<BackupInfo> restore(const std::string& backup_dir, const std::string& path,
                                    uint32_t id = 0);

  // The process holding the write lock of the data directory at `path`, if any
  // (0 if held but the holder is unknown); nullopt if free or there is no directory.
  static std::optional<int64_t> lock_holder(const std::string& path);

  // Incremented by every commit() that queued outbox entries (and by
  // wake_outbox_waiters()). A forwarder reads the generation, then the outbox, and if
  // that was empty waits for a newer generation: a commit in between is never missed.
  uint64_t outbox_generation() const;
  // True as soon as the generation differs from `seen_generation`; false on timeout.
  bool wait_outbox(uint64_t seen_generation, std::chrono::milliseconds timeout) const;
  // Bumps the generation so every wait_outbox() returns now (a forwarder stopping).
  void wake_outbox_waiters();

  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

 private:
  struct SinkQueue {
    uint64_t acked = 0;     // every seq <= acked is gone
    uint64_t next = 1;      // the next commit's first seq
    uint64_t reserved = 1;  // next, plus the seqs of the commit being written
  };

  Store(std::string path, bool read_only, const StoreOptions& options);
  static Result<std::unique_ptr<Store>> open_impl(const StoreOptions& options, bool read_only);
  rocksdb::ColumnFamilyHandle* family(keys::Family f) const {
    return families_[static_cast<size_t>(f)];
  }
  Status check_schema(uint32_t* found);
  Status migrate(uint32_t from_version);
  // Adds to `batch` what takes an incident's idx_time and idx entries from `before`
  // (nullptr: it had none) to `after`; returns how many entries it puts or deletes.
  size_t move_index_entries(const Incident* before, const Incident& after, OrderedBatch* batch);
  Status load_queues();
  Status load_titles_and_audit();
  Status check_writable() const;
  Status write_synced(rocksdb::WriteBatch* batch, std::string_view what);
  Status check_free_space();  // under commit_mu_: options_.min_free_bytes
  void background_loop();
  // Moves the oldest entry of `sink` (at `seq`, whose value does not decode) to the dead
  // letters with its bytes. Called by read_outbox; const because readers may call it.
  Status quarantine_outbox(std::string_view sink, uint64_t seq, std::string_view raw,
                           std::string_view reason) const;
  uint64_t next_audit_seq();

  const std::string path_;
  const bool read_only_;
  const StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // every family opened; freed before db_
  std::array<rocksdb::ColumnFamilyHandle*, keys::kFamilyCount> families_{};

  std::mutex commit_mu_;  // one commit (or transition, retention, repair) at a time:
                          // incidents, indexes and seqs are read-modify-write
  std::unique_ptr<RecentIncidents> recent_;  // guarded by commit_mu_
  mutable std::mutex ack_mu_;  // one ack or dead-letter at a time: the acked mark only grows

  mutable std::mutex outbox_mu_;  // guards queues_ and generation_
  mutable std::condition_variable outbox_cv_;
  mutable std::map<std::string, SinkQueue, std::less<>>
      queues_;  // mutable: read_outbox quarantines
  uint64_t generation_ = 0;

  mutable std::mutex meta_mu_;                 // guards titles_ and audit_next_
  std::set<std::string, std::less<>> titles_;  // title keys known to be stored
  mutable uint64_t audit_next_ = 1;

  // Group commit and retention run on one background thread.
  mutable std::mutex durable_mu_;
  std::condition_variable durable_cv_;
  uint64_t written_ticket_ = 0;  // guarded by durable_mu_
  uint64_t durable_ticket_ = 0;  // guarded by durable_mu_
  bool sync_requested_ = false;
  bool stop_background_ = false;
  // Guarded by commit_mu_: why RocksDB's write path failed; no write or WAL sync follows
  // in this process (see commit()). write_failed_ mirrors it for the background sync.
  std::optional<std::string> write_failure_;
  std::atomic<bool> write_failed_{false};
  std::atomic<bool> disk_full_{false};  // the last commit found less than min_free_bytes
  std::thread background_;

  struct Counters;
  std::unique_ptr<Counters> counters_;
};

}  // namespace wardsoc
