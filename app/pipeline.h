// Pipeline: the running service behind `wardsoc run`. It wires the layers along the
// data flow — inputs -> BatchQueue -> detection Engine -> one store commit per batch ->
// input acknowledgements -> one Forwarder per sink — and owns their threads.
//
// Threads: each input runs its own; one processing thread pops batches, detects and
// commits; one forwarder thread per sink. start() and stop() are called from the
// controlling thread (main); reload_rules() may be called from it at any time and takes
// effect between two batches.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "connectors/forwarder.h"
#include "core/batch_queue.h"
#include "core/result.h"
#include "detect/engine.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "rules/rule_set.h"
#include "store/store.h"

namespace wardsoc {

struct PipelineStats {
  uint64_t batches = 0;
  uint64_t commits = 0;  // store commits of detected batches (several batches when busy)
  uint64_t events = 0;
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;
  uint64_t commit_failures = 0;
  uint64_t rule_reloads = 0;           // reloads whose rule set took over
  uint64_t rule_reloads_rejected = 0;  // reloads refused (errors, no rules); the old set stayed
};

class Pipeline {
 public:
  // Loads the rules, opens the store and creates inputs and sinks; nothing runs yet.
  // Every failure names what failed (rule file:line, data dir, address:port).
  static Result<std::unique_ptr<Pipeline>> Create(const Config& config);
  ~Pipeline();

  Status start();
  // Stops inputs (they flush what they hold), processes and commits everything already
  // queued, gives forwarders a moment to drain, then closes the store.
  void stop();

  // Builds a new RuleSet and engine off the hot path and swaps them in between two
  // batches. A rule set that fails to load is rejected and the running one stays.
  Status reload_rules();

  PipelineStats stats() const;
  // For the HTTP API and /metrics (any thread).
  Store& store() { return *store_; }
  const std::vector<std::string>& sink_names() const { return sink_names_; }
  EngineStats engine_stats() const;
  std::vector<RuleStats> rule_stats() const;
  std::vector<std::pair<std::string, InputStats>> input_stats() const;
  // The ward's devices (assets.yaml) and what ingest saw of them: events and clock skew
  // per asset, senders that are in no asset (for IT staff to classify).
  const std::shared_ptr<const AssetTable>& assets() const { return ingest_.assets; }
  const AssetMonitor& assets_seen() const { return *ingest_.monitor; }
  // Each sink's forwarder: delivered, queued, failing since, outbox level (for metrics).
  std::vector<std::pair<std::string, ForwarderStats>> sink_stats() const;
  // Human-readable lines on where to look: listening addresses, data dir, sinks.
  std::vector<std::string> describe() const;
  const std::vector<std::unique_ptr<Input>>& inputs() const { return inputs_; }
  std::string rules_version() const;

 private:
  explicit Pipeline(const Config& config);
  void process_loop();
  // Processing thread: takes a reloaded engine over between two batches (with the
  // correlation state of unchanged rules) and tells reload_rules() it did.
  void swap_pending_engine();
  // Processing thread: absence rules' clock (once a second); what it changes (incidents,
  // state, the counters of their rules) is committed on its own.
  void run_clock();
  // Processing thread: queues the alert updates that sinks' update_interval held back and
  // whose time came by `due_by_us` (Store::release_held_updates).
  void release_held_updates(int64_t due_by_us);
  // Moves the engine's checkpoint writes into state_ for the next commit.
  void collect_state(bool counters);
  // Restores correlation state and rule counters from the store (before inputs start).
  Status restore_state();
  // Records a rule-set load in the store's versions log (`rules reload` waits for it).
  void record_rule_set(const char* trigger, const RuleSet* accepted, const LoadReport& report,
                       size_t kept_state);
  SinkContext sink_context() const;
  void hold_while_outbox_full();
  // Returns the commit's durability ticket (see Store::commit).
  uint64_t commit_with_retry(std::span<const InputPosition> positions, size_t events,
                             const std::vector<IncidentChange>& changes);
  // Acknowledges input positions whose batch is durable (group commit defers them).
  void acknowledge_durable(bool wait_all);

  Config config_;
  std::vector<std::string> input_names_;
  std::vector<std::string> sink_names_;
  std::vector<int64_t> sink_update_interval_us_;  // per sink, as sink_names_
  std::unique_ptr<Store> store_;
  BatchQueue queue_;
  std::vector<std::unique_ptr<Input>> inputs_;
  IngestContext ingest_;  // the asset table and monitor all inputs share
  std::vector<std::unique_ptr<Forwarder>> forwarders_;

  mutable std::mutex engine_mu_;  // guards pending_engine_ and rules_
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<Engine> engine_;          // used only by the processing thread
  std::unique_ptr<Engine> pending_engine_;  // set by reload_rules(), taken between batches
  std::shared_ptr<const RuleSet> pending_rules_;
  std::condition_variable swapped_cv_;  // with engine_mu_: pending_engine_ was taken over
  uint64_t swaps_ = 0;                  // guarded by engine_mu_
  size_t last_kept_state_ = 0;          // guarded by engine_mu_: rules adopted by the last swap
  // The engine a swap replaced, released by reload_rules() (or at stop): freeing a large
  // rule set's programs would otherwise pause the processing thread.
  std::unique_ptr<Engine> retired_engine_;  // guarded by engine_mu_
  std::string cache_dir_;                   // compiled Hyperscan databases (<data_dir>/cache)
  LoadReport start_report_;                 // the rule set's diagnostics at start, for the log

  // Processing thread only: checkpoint writes waiting for the next commit, and clocks.
  std::vector<StateUpdate> state_;
  std::vector<StateChange> state_changes_;
  std::vector<IncidentChange> clock_changes_;
  int64_t next_tick_us_ = 0;

  struct PendingAck {
    uint64_t ticket = 0;
    std::vector<InputPosition> positions;
  };
  std::deque<PendingAck> pending_acks_;  // processing thread only

  std::thread processor_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  std::atomic<uint64_t> batches_{0}, commits_{0}, events_{0}, created_{0}, updated_{0},
      commit_failures_{0}, reloads_{0}, reloads_rejected_{0};
};

// A service with no rules detects nothing: refused (an error added to *report, which may
// be null) unless `paths` is empty, i.e. the config says `rules: []` on purpose.
Status check_not_empty(const RuleSet& rules, const std::vector<std::string>& paths,
                       LoadReport* report);

// Loads every rule path of the config into one RuleSet (errors list every diagnostic;
// warnings are logged). *report (may be null) receives every diagnostic.
Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::string>& paths,
                                                  const LoadOptions& options = {},
                                                  LoadReport* report = nullptr);

}  // namespace wardsoc
