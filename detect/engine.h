// Engine: the detect stage as the app drives it. process() splits a batch over a persistent
// pool of worker threads (each owns a Matcher and its Hyperscan scratch), gathers their
// matches in event order and runs the Correlator, so the result does not depend on the
// number of workers. It also keeps per-rule counters (matches, incidents, last match),
// reports state changes for checkpointing and takes over the state of a previous Engine
// on reload.
//
// Thread safety: one caller thread at a time may call process(), tick(), restore_state(),
// adopt() and take_state_changes(); rule_stats() and stats() may be read from any thread
// (metrics, HTTP API).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "core/incident.h"
#include "core/result.h"
#include "detect/correlation_state.h"
#include "detect/correlator.h"
#include "detect/matcher.h"
#include "rules/rule_set.h"

namespace wardsoc {

struct EngineOptions {
  unsigned workers = 0;  // 0 = std::thread::hardware_concurrency()
  CorrelatorOptions correlator;
};

struct RuleStats {
  std::string rule_id;
  std::string rule_version;
  uint64_t matches = 0;
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;
  uint64_t keys_evicted = 0;
  uint64_t keys_tracked = 0;
  int64_t last_match_us = 0;  // receive time of the latest match, 0 = none
  int64_t since_us = 0;       // when counting started (kept across restarts by the checkpoint)
};

struct EngineStats {
  unsigned workers = 0;
  uint64_t batches = 0;
  uint64_t events_scanned = 0;
  uint64_t matches = 0;
  uint64_t scan_errors = 0;
  uint64_t re2_runs = 0;          // RE2 runs that took fields or confirmed a candidate
  uint64_t re2_dfa_checks = 0;    // RE2 DFA runs that ruled a candidate out before that
  uint64_t joined_lines = 0;      // lines Hyperscan scanned joined with others of their batch
  uint64_t joined_fallbacks = 0;  // joined scans cut short by repeated hits (then line by line)
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;
  uint64_t late_matches = 0;
  uint64_t keys_evicted = 0;
  uint64_t keys_expired = 0;
  uint64_t keys_tracked = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(const std::shared_ptr<const RuleSet>& rules,
                                                std::vector<std::string> input_names,
                                                EngineOptions options = {});
  ~Engine();  // stops and joins the workers
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Appends the batch's incident changes to *out (see Correlator::process).
  void process(const EventBatch& batch, std::vector<IncidentChange>* out);
  // Lets absence rules see time pass without events (see Correlator::tick).
  void tick(int64_t now_us, std::vector<IncidentChange>* out);
  // The input has ended (replay): decides the fixed windows still open (Correlator::flush).
  void flush(std::vector<IncidentChange>* out);

  // With EngineOptions::correlator.track_state: the checkpoint writes since the last call;
  // with `counters`, also the counters of every rule whose counters moved since they were
  // last handed out. The pipeline asks for them with every commit, so that they are
  // written in the same atomic write as the incidents and input positions they count.
  void take_state_changes(std::vector<StateChange>* out, bool counters);
  // One checkpointed key (correlation state or rule counters). False if it is stale (its
  // rule is gone or changed): the caller deletes it.
  bool restore_state(std::string_view key, std::string_view value);
  // Takes over the correlation state of unchanged rules and the counters of every rule
  // that is still there (see Correlator::adopt). `old` is left empty.
  void adopt(Engine& old);
  size_t rules_adopted() const { return correlator_.rules_adopted(); }

  std::vector<RuleStats> rule_stats() const;
  EngineStats stats() const;
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }

 private:
  struct Worker {
    std::unique_ptr<Matcher> matcher;
    std::vector<Match> matches;
    size_t begin = 0;
    size_t end = 0;
    std::thread thread;
  };
  struct Base {  // counters restored from the checkpoint, added to this process's own
    uint64_t matches = 0, created = 0, updated = 0;
    int64_t since_us = 0;
  };

  Engine(std::shared_ptr<const RuleSet> rules, std::vector<std::string> input_names,
         EngineOptions options);
  void worker_loop(size_t index);

  std::shared_ptr<const RuleSet> rules_;
  Correlator correlator_;
  std::vector<std::unique_ptr<Worker>> workers_;  // workers_[0] runs on the caller's thread
  std::vector<Match> merged_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  const EventBatch* batch_ = nullptr;
  uint64_t generation_ = 0;
  size_t running_ = 0;
  bool stop_ = false;

  std::vector<std::atomic<uint64_t>> rule_matches_;
  std::vector<std::atomic<int64_t>> rule_last_match_;
  std::vector<Base> base_;  // touched only by the caller thread until published by restore
  // The counters last handed out by take_state_changes(): only rules whose counters moved
  // are written again (a large rule set would otherwise rewrite every rule each time).
  std::vector<RuleCounters> written_;
  mutable std::mutex base_mu_;
  const int64_t started_us_;
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> matches_{0};
  std::atomic<uint64_t> scan_errors_{0};
  std::atomic<uint64_t> re2_runs_{0};
  std::atomic<uint64_t> re2_dfa_checks_{0};
  std::atomic<uint64_t> joined_lines_{0};
  std::atomic<uint64_t> joined_fallbacks_{0};
};

}  // namespace wardsoc
