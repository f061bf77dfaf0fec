// Correlator: turns matches into incidents. Per (rule, group key) it keeps what the rule's
// aggregation needs — counted matches within the window (count), one match per distinct
// value (distinct), each step's matches in order or in any order (sequence), or the last
// sign of life (absence) — opens an incident when the rule is satisfied, folds later
// matches into the open incident until a gap longer than `suppress` closes it, and keeps
// evidence lines. Count and distinct rules with an upper bound (`lt`, `eq`, a range) count
// in fixed windows instead and decide each one when it closes: when event time passes its
// end (process()), when its length has passed on the receive-time clock (tick()), or at the
// end of the input (flush()). Rules with `incidents: false` make no incident at all.
//
// Thread safety: single-threaded — one caller thread at a time for process(), tick(),
// restore(), adopt() and take_state_changes(); stats() and rule_stats() may be read from
// any thread.
// Time: windows follow Event::time_us() — the device's timestamp where ingest found one it
// trusts, the receive time otherwise; absence rules use receive times (and tick()). Fixed
// windows close on the newest event time of any line processed, or on tick()'s clock.
// Memory: per rule at most max_keys_per_rule keys (least recently used evicted, counted);
// keys idle for longer than max(window, suppress) are dropped (absence keys excepted:
// silence is what they watch; keys with a fixed window still to decide too). Every change to a
// key's state is reported by take_state_changes() so the caller can checkpoint it in the same store
// write as the incidents it caused (layout in detect/correlation_state.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/incident.h"
#include "detect/correlation_state.h"
#include "detect/matcher.h"
#include "rules/rule_set.h"

namespace wardsoc {

// Name and site of an asset, indexed by Event::asset; the app fills it from assets.yaml.
struct AssetLabel {
  std::string name;
  std::string site;
};

struct CorrelatorOptions {
  size_t evidence_cap = 20;           // evidence lines kept per incident; the rest only counted
  size_t max_keys_per_rule = 100000;  // group keys tracked per rule
  std::vector<AssetLabel> assets;     // optional; Incident::asset and ::site stay empty without it
  // Report state changes for checkpointing (take_state_changes). Off for replay and tools.
  bool track_state = false;
};

struct CorrelatorStats {
  uint64_t matches = 0;
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;  // matches folded into an open incident
  uint64_t late_matches = 0;       // older than the window before the newest match: not counted
  uint64_t keys_evicted = 0;       // dropped because a rule reached max_keys_per_rule
  uint64_t keys_expired = 0;       // dropped after max(window, suppress) without a match
  uint64_t keys_tracked = 0;
};

struct RuleCorrelationStats {
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;
  uint64_t keys_evicted = 0;
  uint64_t keys_tracked = 0;
};

// What happened to one match, for `wardsoc rules test --explain`.
struct MatchOutcome {
  enum class Kind : uint8_t {
    kHeld,        // counted, the rule is not satisfied yet (held of needed)
    kCreated,     // opened an incident
    kFolded,      // added to an open incident
    kLate,        // older than the window: not counted
    kSignOfLife,  // absence rules: the key spoke
    kInWindow,    // counted in a fixed window, decided when it closes (held so far, at most needed)
    kNoIncident,  // the rule has `incidents: false`: only rules that reuse its match count it
  };
  uint32_t match = 0;  // index in the matches given to process()
  Kind kind = Kind::kHeld;
  uint32_t held = 0;
  uint32_t needed = 0;
  std::string key;
  std::string incident_id;
};

class Correlator {
 public:
  Correlator(std::shared_ptr<const RuleSet> rules, std::vector<std::string> input_names,
             CorrelatorOptions options = {});
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // `matches` must be sorted by event (as Matcher and Engine produce them). Appends at most
  // one IncidentChange per incident to *out: kCreated if the incident was opened in this
  // call, else kUpdated; `incident` is its full current state, `new_evidence` the lines this
  // call added (seq continues from the incident's previous evidence_count).
  void process(const EventBatch& batch, std::span<const Match> matches,
               std::vector<IncidentChange>* out);

  // Advances the clock of absence rules to `now_us` (receive-time clock) and opens an
  // incident for every watched key silent for longer than its rule allows.
  // It also closes (and decides) every fixed window whose length has passed since the
  // receive time of its first match.
  void tick(int64_t now_us, std::vector<IncidentChange>* out);

  // The input has ended (replay, a test run): decides every fixed window still open, as if
  // its time had passed. Live processing never calls it: open windows are checkpointed.
  void flush(std::vector<IncidentChange>* out);

  // Records the outcome of every match of the following process() calls (null stops).
  void set_trace(std::vector<MatchOutcome>* trace) { trace_ = trace; }

  // With track_state: the state writes since the last call (new value, or nullopt to delete
  // a key that was dropped), at most one per key.
  void take_state_changes(std::vector<StateChange>* out);
  // Puts back one checkpointed key (a value written by take_state_changes). Returns false
  // if the key belongs to a rule that no longer exists or whose version changed: the caller
  // deletes it.
  bool restore(std::string_view key, std::string_view value);

  // Takes over the state of every rule of `old` whose id and version are the same here
  // (reload: four failed logins before it and one after still make five). Keys of rules
  // that changed or went away are deleted from the checkpoint over the next calls.
  void adopt(Correlator& old);
  // Rules whose state adopt() carried over.
  size_t rules_adopted() const { return rules_adopted_; }

  // Held/needed for one key, for tools: how far the rule is from firing.
  std::pair<uint32_t, uint32_t> progress(uint32_t rule, std::string_view key) const;

  CorrelatorStats stats() const;
  RuleCorrelationStats rule_stats(uint32_t rule) const;

 private:
  struct Pending {
    int64_t event_time_us = 0;
    int64_t receive_time_us = 0;
    uint64_t seq = 0;  // arrival order, to order matches with equal times
    uint16_t input = 0;
    uint8_t step = 0;
    std::string value;  // kDistinct: the distinct field's value
    std::string peer;
    std::string line;
  };
  struct KeyState {
    std::string key;
    std::deque<Pending> pending;  // sorted by (event time, seq); absence: the last line heard
    bool open = false;            // `incident` is open
    // Open incident; absence keys and open fixed windows: where the asset is (the snapshot
    // the incident opened later is made from).
    Incident incident;
    // Rules decided when their window closes (Rule::decided_at_close): the open window.
    // pending then holds its first lines (up to the evidence cap; distinct: one per value).
    bool window_open = false;
    int64_t window_start_us = 0;    // event time of its first match
    int64_t window_receive_us = 0;  // receive time of its first match (tick() closes on it)
    int64_t window_last_us = 0;     // newest event time counted
    uint64_t window_count = 0;      // matches counted (distinct: values, up to count_max + 1)
    std::vector<std::pair<std::string, std::string>> window_fields;  // of the newest match
    int64_t last_receive_us = 0;
    uint64_t epoch = 0;        // the process() call in which change_slot/touched_slot are valid
    size_t change_slot = 0;    // index of this incident's change in *out
    size_t touched_slot = 0;   // index in touched_
    uint64_t dirty_epoch = 0;  // the call in which dirty_slot is valid
    size_t dirty_slot = 0;     // index in dirty_
  };
  struct RuleState {
    std::list<KeyState> lru;  // front = most recently used
    std::unordered_map<std::string_view, std::list<KeyState>::iterator> index;
    // Fixed windows: no open window ends (event time) before next_close_us, nor reaches
    // its length on the receive-time clock before next_close_receive_us.
    int64_t next_close_us = INT64_MAX;
    int64_t next_close_receive_us = INT64_MAX;
  };
  struct RuleTally {
    std::atomic<uint64_t> created{0};
    std::atomic<uint64_t> updated{0};
    std::atomic<uint64_t> evicted{0};
    std::atomic<uint64_t> tracked{0};
  };
  struct Dirty {
    uint32_t rule = 0;
    KeyState* ks = nullptr;  // null once the key was dropped in the same call
  };

  void begin_call();
  void end_call(std::vector<IncidentChange>* out);
  void handle(const EventBatch& batch, const Match& m, uint32_t match_index,
              std::vector<IncidentChange>* out);
  void handle_absence(const Rule& rule, uint32_t rule_index, KeyState& ks, const EventBatch& batch,
                      const Event& e, const Match& m, uint32_t match_index,
                      std::vector<IncidentChange>* out);
  // Adds the match to the key's pending lines as the rule's kind requires; returns true
  // when the rule is now satisfied (pending then holds exactly the lines that satisfy it).
  bool add_pending(const Rule& rule, KeyState& ks, Pending p);
  bool sequence_satisfied(const Rule& rule, KeyState& ks);
  bool any_order_satisfied(const Rule& rule, KeyState& ks);
  void handle_window(const Rule& rule, uint32_t rule_index, KeyState& ks, const EventBatch& batch,
                     const Event& e, const Match& m, uint32_t match_index,
                     std::vector<IncidentChange>* out);
  // Decides the key's fixed window: an incident if its count is within the rule's bounds.
  void close_window(uint32_t rule_index, KeyState& ks, std::vector<IncidentChange>* out);
  // Closes the fixed windows that ended by event time (event_clock_us_), by receive time
  // (with_receive: clock_us_), or all of them (all).
  void close_due_windows(bool with_receive, bool all, std::vector<IncidentChange>* out);
  std::string group_key(const Rule& rule, const EventBatch& batch, const Event& e,
                        const Match& m) const;
  KeyState& key_state(uint32_t rule, std::string key, std::vector<IncidentChange>* out);
  void drop_key(uint32_t rule, std::list<KeyState>::iterator it);
  void open_incident(uint32_t rule_index, KeyState& ks, const EventBatch& batch, const Event& e,
                     const Match& m, std::vector<IncidentChange>* out);
  void fill_rule_fields(const Rule& rule, Incident* inc) const;
  static void list_distinct_values(const Rule& rule, const KeyState& ks, Incident* inc);
  void take_pending_as_evidence(KeyState& ks, IncidentChange* change);
  void fold(KeyState& ks, const EventBatch& batch, const Event& e, int64_t t,
            std::vector<IncidentChange>* out);
  IncidentChange& change_for(KeyState& ks, IncidentChange::Kind kind,
                             std::vector<IncidentChange>* out);
  void finalize(KeyState& ks, std::vector<IncidentChange>* out);
  void mark_dirty(uint32_t rule, KeyState& ks);
  std::string encode(const Rule& rule, const KeyState& ks);
  void sort_restored();
  void note_deleted(uint32_t rule, const std::string& key);
  // Drops keys that saw no match (by receive time) for longer than max(window, suppress):
  // their pending matches are out of the window and their incident is closed either way.
  void expire_idle();
  const std::string& input_name(uint16_t input);
  uint16_t input_index(std::string_view name);
  void trace(uint32_t match_index, MatchOutcome::Kind kind, uint32_t held, uint32_t needed,
             const KeyState& ks);
  void trace(uint32_t match_index, MatchOutcome::Kind kind, uint32_t held, uint32_t needed,
             std::string key, std::string incident_id);
  uint32_t needed(const Rule& rule) const;
  static void bump(std::atomic<uint64_t>& c, uint64_t by = 1) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::shared_ptr<const RuleSet> rules_;
  std::vector<std::string> input_names_;
  CorrelatorOptions options_;
  std::vector<RuleState> states_;
  std::vector<RuleTally> rule_counters_;
  uint64_t epoch_ = 0;
  uint64_t seq_ = 0;
  std::vector<KeyState*> touched_;  // keys with a change in the current call
  int64_t latest_receive_us_ = INT64_MIN;
  int64_t clock_us_ = INT64_MIN;        // absence rules' clock: receive times and tick()
  int64_t event_clock_us_ = INT64_MIN;  // the newest event time of any line processed
  std::vector<MatchOutcome>* trace_ = nullptr;

  // Checkpointing (track_state).
  std::vector<Dirty> dirty_;
  uint64_t take_gen_ = 1;               // KeyState::dirty_epoch is valid when equal to it
  std::vector<std::string> deleted_;    // keys (encoded) dropped since the last take
  std::vector<StateChange> inherited_;  // the replaced correlator's last changes (adopt)
  bool unsorted_ = false;               // restore() added keys: order each LRU by last receive
  // States of rules that a reload replaced: their keys are deleted from the checkpoint a
  // few thousand per call, so a reload never stalls a batch.
  struct Retired {
    std::string rule_id;
    RuleState state;
  };
  std::deque<Retired> retired_;
  size_t rules_adopted_ = 0;

  std::atomic<uint64_t> matches_{0};
  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> updated_{0};
  std::atomic<uint64_t> late_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> expired_{0};
  std::atomic<uint64_t> tracked_{0};
};

}  // namespace wardsoc
