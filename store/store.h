// Store: wardsoc's durable state in one RocksDB data directory — incidents, their
// evidence lines, their lifecycle history, indexes and hourly counts for the dashboard,
// one outbox queue per sink, dead letters, the input checkpoints, detect's correlation
// state and the audit log. It is where the no-loss contract (docs/store.md) is kept:
// everything one batch of events caused is written in a single atomic WriteBatch.
//
// The Store is split by job; this header is its core (open, the atomic commit of a
// batch, the lifecycle, reads of incidents). The other jobs are units with their own
// headers, reached through the Store, so that a caller includes only what it uses:
//   incident_query.h  what list_incidents() and count_incidents() are asked (plain values)
//   outbox_queue.h  the outbox queue per sink: read, ack, dead-letter, wait, sink health
//   maintenance.h   verify and repair, retention, backup and restore
//   store_stats.h   counts for `db stats`, gauges for /metrics
//   rule_set_log.h  the rule-set versions log
// All of them share one owner of the RocksDB handle (StoreDb, store_internal.h), which
// the Store creates first and destroys last. What the next features keep in the store
// (users, sessions, a fuller audit log, report queries) gets a unit of the same shape:
// a header here with its own class, a family or key prefix in keys.h (see there), and an
// accessor below; docs/store.md says where each one goes.
//
// Durability: a commit() that returns OK is in the write-ahead log, so it survives the
// process being killed. With StoreOptions::sync (the default) it has also been fsynced
// and survives a power cut; without it (group commit) a background thread fsyncs the
// log every group_commit_interval, and the commit's ticket and durable_ticket() tell
// when a commit is safe from power loss — acknowledge input positions only then.
// Transitions, backups and retention are always fsynced. Acks and dead-lettering are
// not: losing one only makes the forwarder deliver those entries again (at least once).
//
// Thread safety: every method of the Store and of its units may be called from any
// thread at any time. commit(), transition(), retention and repair are serialised on
// one writer lock (incidents, indexes and seqs are read-modify-write); outbox acks and
// dead-lettering are serialised among themselves but run alongside commits; readers
// take a consistent RocksDB view and never block writers.
//
// Only one process may open a data directory for writing (RocksDB's LOCK file); CLI
// readers use OpenReadOnly() while `wardsoc run` holds it.
#pragma once

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
#include "store/incident_query.h"
#include "store/lifecycle.h"
#include "store/store_options.h"

namespace wardsoc {

class Maintenance;
class OrderedBatch;
class OutboxQueues;
class RuleSetLog;
class StoreDb;
class StoreStatistics;
class UpdatePacing;

// A change to correlation state (detect's counters and windows), written in the same
// WriteBatch as the incidents it led to. Keys and values are opaque to the store; their
// layout is documented where detect builds them.
struct StateUpdate {
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

// Everything one processed batch makes durable at once (the no-loss contract).
struct CommitBatch {
  std::span<const IncidentChange> changes;
  std::span<const InputPosition> positions;
  std::span<const std::string> input_names;  // index -> name, for positions
  std::span<const std::string> sinks;        // one outbox entry per sink per change
  std::span<const StateUpdate> state;
  // Per sink (as `sinks`), its update_interval in microseconds: an incident's growth is
  // queued for the sink at most once per interval, the rest is held back and released by
  // release_held_updates() (update_pacing.h). Empty, or 0 for a sink: every change.
  std::span<const int64_t> update_interval_us;
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

  // The process holding the write lock of the data directory at `path`, if any
  // (0 if held but the holder is unknown); nullopt if free or there is no directory.
  static std::optional<int64_t> lock_holder(const std::string& path);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- The atomic commit of a batch (store.cc) ---

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
  // Durable when it returns OK (with sync). Wakes the outbox waiters if it queued entries.
  Status commit(std::span<const IncidentChange> changes, std::span<const InputPosition> positions,
                std::span<const std::string> input_names, std::span<const std::string> sinks);
  // The same, plus correlation state updates, in the same WriteBatch. `ticket` (if
  // given) receives the commit's ticket for durable_ticket().
  Status commit(const CommitBatch& batch, uint64_t* ticket = nullptr);

  // Queues, for each of `sinks`, the updates its update_interval held back whose time came
  // by `due_by_us`: one kUpdated entry per held incident with the incident as it is now
  // (its latest count and evidence), written with the removal of the marks in one
  // WriteBatch. Returns how many entries it queued. The pipeline calls it once a second,
  // and at stop with the largest time so that the SOC has every incident's latest state.
  Result<size_t> release_held_updates(std::span<const std::string> sinks, int64_t due_by_us);
  // How many updates are held back now, over every sink.
  size_t held_updates() const;

  // Group commit: every commit gets a ticket (increasing); durable_ticket() is the
  // highest one fsynced. With sync, every commit is durable when it returns.
  uint64_t durable_ticket() const;
  // Waits until `ticket` is durable (forces an fsync now); false on timeout.
  bool wait_durable(uint64_t ticket, std::chrono::milliseconds timeout);

  // --- The lifecycle of incidents and the audit log (store_lifecycle.cc) ---

  // Moves an incident to another status (see lifecycle.h for the rules) and writes, in
  // one fsynced WriteBatch: the incident, its history entry, its index entries, an
  // audit entry and one kUpdated outbox entry per sink in `sinks`, so the SOC learns of
  // it at once (an update held back for a sink is superseded by it and dropped). Errors:
  // kNotFound (no such incident), kInvalidArgument (a step the rules do not allow, with
  // why), kConflict (expected_from did not match).
  Result<Incident> transition(const TransitionRequest& request, std::span<const std::string> sinks);
  // Oldest first.
  Result<std::vector<HistoryEntry>> history(std::string_view incident_id) const;
  // Audit entries with seq > after_seq, oldest first, at most max.
  Result<std::vector<AuditEntry>> audit_log(uint64_t after_seq, size_t max) const;
  // Records something done to the store from outside it (a restore, by the CLI).
  Status append_audit(std::string_view actor, std::string_view action, std::string_view detail);

  // --- Reads of incidents (store.cc, store_query.cc) ---

  Result<std::optional<Incident>> get_incident(std::string_view id) const;
  Result<IncidentPage> list_incidents(const IncidentQuery& query) const;
  // Oldest first (by Evidence::seq), at most `limit`.
  Result<std::vector<Evidence>> evidence(std::string_view incident_id, size_t limit = 1000) const;
  // Incidents per bucket, every bucket of the range (zeros included).
  Result<std::vector<CountRow>> count_incidents(const CountQuery& query) const;

  // --- What the pipeline reads back at start (store.cc) ---

  Result<std::optional<uint64_t>> checkpoint(std::string_view input_name,
                                             std::string_view stream) const;
  // Every stream of one input with its position (e.g. all tailed files).
  Result<std::map<std::string, uint64_t>> checkpoints(std::string_view input_name) const;
  // Calls fn(key, value) for every state key starting with `prefix`, in key order, until
  // fn returns false.
  Status scan_state(std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const;

  // --- The other units of the store, each with its own header ---

  OutboxQueues& outbox() { return *outbox_; }  // outbox_queue.h
  const OutboxQueues& outbox() const { return *outbox_; }
  Maintenance& maintenance() { return *maintenance_; }      // maintenance.h
  const StoreStatistics& stats() const { return *stats_; }  // store_stats.h
  RuleSetLog& rule_sets() { return *rule_sets_; }           // rule_set_log.h
  const RuleSetLog& rule_sets() const { return *rule_sets_; }

  const std::string& path() const;
  bool read_only() const;

 private:
  Store(std::string path, bool read_only, const StoreOptions& options);
  static Result<std::unique_ptr<Store>> open_impl(const StoreOptions& options, bool read_only);
  Status check_schema(uint32_t* found);
  Status migrate(uint32_t from_version);
  // Adds to `batch` what takes an incident's idx_time and idx entries from `before`
  // (nullptr: it had none) to `after`; returns how many entries it puts or deletes.
  size_t move_index_entries(const Incident* before, const Incident& after, OrderedBatch* batch);
  Status load_titles_and_audit();
  Status load_held_updates();
  // Whether a change of an incident (from `before`, nullptr if new) only grew it.
  static bool only_grew(const Incident* before, const Incident& after, IncidentChange::Kind kind);

  // The steps of commit() (store_commit.cc).
  struct TouchedIncident;
  struct CommitPlan;
  static Status validate(const CommitBatch& batch);
  Status check_can_write();  // under the writer lock: no earlier failure, enough space
  Result<CommitPlan> load_touched(std::span<const IncidentChange> changes);
  void plan_changes(const CommitBatch& batch, int64_t now_us, CommitPlan* plan);
  void add_opening(const Incident& incident, int64_t now_us, CommitPlan* plan);
  Status write_and_publish(const CommitBatch& batch, CommitPlan* plan, uint64_t* ticket);

  // Lifecycle writes shared by commit() and transition() (store_lifecycle.cc).
  std::optional<uint32_t> last_history_seq(std::string_view incident_id) const;
  // The history and audit entries of a reopen (the policy is lifecycle.h's).
  void add_reopen(std::string_view incident_id, uint64_t more_events, int64_t now_us,
                  OrderedBatch* batch);
  Status check_free_space();  // under the writer lock: options.min_free_bytes
  void background_loop();

  // Declared first, destroyed last: every unit below holds a reference to it.
  const std::unique_ptr<StoreDb> core_;
  const std::unique_ptr<OutboxQueues> outbox_;
  const std::unique_ptr<Maintenance> maintenance_;
  const std::unique_ptr<StoreStatistics> stats_;
  const std::unique_ptr<RuleSetLog> rule_sets_;

  // Guarded by the writer lock (StoreDb::commit_mu): the sinks' update pacing.
  std::unique_ptr<UpdatePacing> pacing_;

  mutable std::mutex meta_mu_;                 // guards titles_
  std::set<std::string, std::less<>> titles_;  // title keys known to be stored

  // Group commit and retention run on one background thread.
  mutable std::mutex durable_mu_;
  std::condition_variable durable_cv_;
  uint64_t written_ticket_ = 0;  // guarded by durable_mu_
  uint64_t durable_ticket_ = 0;  // guarded by durable_mu_
  bool sync_requested_ = false;
  bool stop_background_ = false;
  // Guarded by the writer lock: why RocksDB's write path failed; no write or WAL sync
  // follows in this process (see commit()). StoreDb::write_failed mirrors it for the
  // background sync.
  std::optional<std::string> write_failure_;
  std::thread background_;
};

}  // namespace wardsoc
