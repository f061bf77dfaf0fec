#include "detect/correlator.h"

#include <algorithm>

#include "core/time.h"

namespace wardsoc {

namespace {

constexpr uint8_t kStateFormat = 1;
constexpr uint8_t kFlagOpen = 1;
constexpr uint8_t kFlagSnapshot = 2;
constexpr uint8_t kFlagWindow = 4;
// Keys of replaced rules deleted from the checkpoint per call (see adopt()).
constexpr size_t kRetiredDeletesPerCall = 4096;
// A sequence step keeps at most this many matches beyond its count: enough to find the
// latest matches of each step in order, bounded for memory.
constexpr size_t kSequenceSlack = 64;
// Distinct values listed in an incident's "<field>_values" field.
constexpr size_t kValuesListed = 10;

std::string_view builtin_value(std::string_view f, const EventBatch& batch, const Event& e) {
  if (f == "host") return batch.view(e.header.host);
  if (f == "app") return batch.view(e.header.app);
  if (f == "peer") return batch.view(e.peer);
  if (f == "procid") return batch.view(e.header.procid);
  if (f == "msgid") return batch.view(e.header.msgid);
  if (f == "asset_class") return asset_class_name(e.asset_class);
  return {};
}

}  // namespace

Correlator::Correlator(std::shared_ptr<const RuleSet> rules, std::vector<std::string> input_names,
                       CorrelatorOptions options)
    : rules_(std::move(rules)),
      input_names_(std::move(input_names)),
      options_(std::move(options)),
      states_(rules_->rules().size()),
      rule_counters_(rules_->rules().size()) {
  if (options_.max_keys_per_rule == 0) options_.max_keys_per_rule = 1;
}

Correlator::~Correlator() = default;

const std::string& Correlator::input_name(uint16_t input) {
  while (input_names_.size() <= input)
    input_names_.push_back("input-" + std::to_string(input_names_.size()));
  return input_names_[input];
}

uint16_t Correlator::input_index(std::string_view name) {
  for (size_t i = 0; i < input_names_.size(); ++i) {
    if (input_names_[i] == name) return static_cast<uint16_t>(i);
  }
  // An input that is no longer configured: keep its name for evidence.
  input_names_.emplace_back(name);
  return static_cast<uint16_t>(input_names_.size() - 1);
}

uint32_t Correlator::needed(const Rule& rule) const {
  if (rule.decided_at_close()) return rule.count_max;
  if (rule.kind != AggregationKind::kSequence) return rule.count;
  uint32_t n = 0;
  for (const MatchStep& s : rule.steps) n += s.count;
  return n;
}

void Correlator::begin_call() {
  ++epoch_;
  touched_.clear();
  if (unsorted_) sort_restored();
}

void Correlator::end_call(std::vector<IncidentChange>* out) {
  close_due_windows(false, false, out);
  for (KeyState* ks : touched_) {
    if (ks != nullptr) finalize(*ks, out);
  }
  touched_.clear();
  expire_idle();
}

void Correlator::process(const EventBatch& batch, std::span<const Match> matches,
                         std::vector<IncidentChange>* out) {
  begin_call();
  for (const Event& e : batch.events()) event_clock_us_ = std::max(event_clock_us_, e.time_us());
  for (uint32_t i = 0; i < matches.size(); ++i) {
    const Match& m = matches[i];
    if (m.rule >= states_.size() || m.event >= batch.size()) continue;
    handle(batch, m, i, out);
  }
  end_call(out);
}

std::string Correlator::group_key(const Rule& rule, const EventBatch& batch, const Event& e,
                                  const Match& m) const {
  if (rule.group_by.empty()) {
    const std::string_view host = batch.view(e.header.host);
    return std::string(host.empty() ? batch.view(e.peer) : host);
  }
  auto value = [&](const std::string& f) -> std::string_view {
    for (const auto& [name, v] : m.fields) {
      if (name == f) return v;  // a capture wins over a built-in field of the same name
    }
    if (f == "input")
      return e.input < input_names_.size() ? std::string_view(input_names_[e.input])
                                           : std::string_view();
    return builtin_value(f, batch, e);
  };
  if (rule.group_by.size() == 1) return std::string(value(rule.group_by[0]));
  // Several fields: joined by '|', with '|' and '\' escaped so that no two keys collide.
  std::string key;
  for (size_t i = 0; i < rule.group_by.size(); ++i) {
    if (i > 0) key += '|';
    for (char c : value(rule.group_by[i])) {
      if (c == '|' || c == '\\') key += '\\';
      key += c;
    }
  }
  return key;
}

void Correlator::drop_key(uint32_t rule, std::list<KeyState>::iterator it) {
  RuleState& rs = states_[rule];
  KeyState& ks = *it;
  if (ks.dirty_epoch == take_gen_) dirty_[ks.dirty_slot].ks = nullptr;
  note_deleted(rule, ks.key);
  rs.index.erase(ks.key);
  rs.lru.erase(it);
  tracked_.fetch_sub(1, std::memory_order_relaxed);
  rule_counters_[rule].tracked.fetch_sub(1, std::memory_order_relaxed);
}

Correlator::KeyState& Correlator::key_state(uint32_t rule, std::string key,
                                            std::vector<IncidentChange>* out) {
  RuleState& rs = states_[rule];
  auto found = rs.index.find(key);
  if (found != rs.index.end()) {
    rs.lru.splice(rs.lru.begin(), rs.lru, found->second);
    return *found->second;
  }
  if (rs.index.size() >= options_.max_keys_per_rule) {
    KeyState& victim = rs.lru.back();
    if (victim.epoch == epoch_) {
      finalize(victim, out);
      touched_[victim.touched_slot] = nullptr;
    }
    drop_key(rule, std::prev(rs.lru.end()));
    bump(evicted_);
    bump(rule_counters_[rule].evicted);
  }
  rs.lru.emplace_front();
  KeyState& ks = rs.lru.front();
  ks.key = std::move(key);
  rs.index.emplace(ks.key, rs.lru.begin());
  tracked_.fetch_add(1, std::memory_order_relaxed);
  rule_counters_[rule].tracked.fetch_add(1, std::memory_order_relaxed);
  return ks;
}

void Correlator::trace(uint32_t match_index, MatchOutcome::Kind kind, uint32_t held, uint32_t need,
                       const KeyState& ks) {
  if (trace_ == nullptr) return;
  trace(match_index, kind, held, need, ks.key, ks.open ? ks.incident.id : std::string());
}

void Correlator::trace(uint32_t match_index, MatchOutcome::Kind kind, uint32_t held, uint32_t need,
                       std::string key, std::string incident_id) {
  if (trace_ == nullptr) return;
  MatchOutcome o;
  o.match = match_index;
  o.kind = kind;
  o.held = held;
  o.needed = need;
  o.key = std::move(key);
  o.incident_id = std::move(incident_id);
  trace_->push_back(std::move(o));
}

void Correlator::handle(const EventBatch& batch, const Match& m, uint32_t match_index,
                        std::vector<IncidentChange>* out) {
  const Rule& rule = rules_->rules()[m.rule];
  const Event& e = batch.events()[m.event];
  const int64_t t = e.time_us();
  bump(matches_);
  latest_receive_us_ = std::max(latest_receive_us_, e.receive_time_us);
  clock_us_ = std::max(clock_us_, e.receive_time_us);
  if (!rule.incidents) {
    // Its match feeds the rules that reuse it (they match the same line themselves).
    if (trace_ != nullptr)
      trace(match_index, MatchOutcome::Kind::kNoIncident, 0, 0, group_key(rule, batch, e, m), "");
    return;
  }

  KeyState& ks = key_state(m.rule, group_key(rule, batch, e, m), out);
  ks.last_receive_us = std::max(ks.last_receive_us, e.receive_time_us);
  mark_dirty(m.rule, ks);

  if (rule.kind == AggregationKind::kAbsence) {
    handle_absence(rule, m.rule, ks, batch, e, m, match_index, out);
    return;
  }
  if (rule.decided_at_close()) {
    handle_window(rule, m.rule, ks, batch, e, m, match_index, out);
    return;
  }
  if (ks.open) {
    if (t - ks.incident.last_seen_us <= rule.suppress_us) {
      fold(ks, batch, e, t, out);
      bump(updated_);
      bump(rule_counters_[m.rule].updated);
      trace(match_index, MatchOutcome::Kind::kFolded, static_cast<uint32_t>(ks.incident.count),
            needed(rule), ks);
      return;
    }
    // The gap closed the incident: its last change (if any in this call) is final, and
    // counting starts over with this match.
    if (ks.epoch == epoch_) {
      finalize(ks, out);
      touched_[ks.touched_slot] = nullptr;
      ks.epoch = 0;
    }
    ks.open = false;
    ks.incident = Incident{};
    ks.pending.clear();
  }

  if (!ks.pending.empty() && t < ks.pending.back().event_time_us - rule.window_us) {
    bump(late_);
    trace(match_index, MatchOutcome::Kind::kLate, static_cast<uint32_t>(ks.pending.size()),
          needed(rule), ks);
    return;
  }
  Pending p;
  p.event_time_us = t;
  p.receive_time_us = e.receive_time_us;
  p.seq = seq_++;
  p.input = e.input;
  p.step = static_cast<uint8_t>(m.step);
  if (rule.kind == AggregationKind::kDistinct) {
    bool found = false;
    for (const auto& [name, v] : m.fields) {
      if (name == rule.distinct_field) {
        p.value = v;
        found = true;
        break;
      }
    }
    if (!found) p.value = std::string(builtin_value(rule.distinct_field, batch, e));
  }
  p.peer = std::string(batch.view(e.peer));
  p.line = std::string(batch.raw(e));
  if (add_pending(rule, ks, std::move(p))) {
    open_incident(m.rule, ks, batch, e, m, out);
    trace(match_index, MatchOutcome::Kind::kCreated, static_cast<uint32_t>(ks.incident.count),
          needed(rule), ks);
  } else {
    uint32_t held = static_cast<uint32_t>(ks.pending.size());
    trace(match_index, MatchOutcome::Kind::kHeld, held, needed(rule), ks);
  }
}

bool Correlator::add_pending(const Rule& rule, KeyState& ks, Pending p) {
  if (rule.kind == AggregationKind::kDistinct) {
    // One entry per value, its latest match: the window that holds the most distinct
    // values ends at the newest of them.
    auto same = std::find_if(ks.pending.begin(), ks.pending.end(),
                             [&](const Pending& q) { return q.value == p.value; });
    if (same != ks.pending.end()) {
      if (same->event_time_us > p.event_time_us) return false;
      ks.pending.erase(same);
    }
  }
  const int64_t t = p.event_time_us;
  const uint8_t step = p.step;
  // Sorted by event time; equal times keep arrival order.
  auto pos = std::upper_bound(ks.pending.begin(), ks.pending.end(), t,
                              [](int64_t v, const Pending& q) { return v < q.event_time_us; });
  ks.pending.insert(pos, std::move(p));
  const int64_t newest = ks.pending.back().event_time_us;
  while (newest - ks.pending.front().event_time_us > rule.window_us) ks.pending.pop_front();

  if (rule.kind != AggregationKind::kSequence) return ks.pending.size() >= rule.count;

  const size_t cap = rule.steps[step].count + kSequenceSlack;
  size_t of_step = 0;
  for (const Pending& q : ks.pending) of_step += q.step == step ? 1 : 0;
  for (auto it = ks.pending.begin(); of_step > cap && it != ks.pending.end();) {
    if (it->step == step) {
      it = ks.pending.erase(it);
      --of_step;
    } else {
      ++it;
    }
  }
  if (rule.any_order) return any_order_satisfied(rule, ks);
  // Checked on every step's line, not only the last step's: a line that arrives late can
  // still come before the last step in event time and complete the sequence.
  return sequence_satisfied(rule, ks);
}

// Pending lines span at most the window, so the sequence is complete as soon as every step
// has its count among them; the latest lines of each step are the evidence.
bool Correlator::any_order_satisfied(const Rule& rule, KeyState& ks) {
  std::vector<uint32_t> need(rule.steps.size());
  for (size_t s = 0; s < rule.steps.size(); ++s) need[s] = rule.steps[s].count;
  std::vector<bool> chosen(ks.pending.size(), false);
  size_t missing = rule.steps.size();
  for (size_t i = ks.pending.size(); i-- > 0 && missing > 0;) {
    uint32_t& n = need[ks.pending[i].step];
    if (n == 0) continue;
    chosen[i] = true;
    if (--n == 0) --missing;
  }
  if (missing > 0) return false;
  std::deque<Pending> kept;
  for (size_t i = 0; i < ks.pending.size(); ++i) {
    if (chosen[i]) kept.push_back(std::move(ks.pending[i]));
  }
  ks.pending = std::move(kept);
  return true;
}

// From the newest line backwards: the latest matches of the last step, then the latest
// matches of the step before that precede them, and so on. Choosing the latest at every
// step gives the latest possible start, so if these do not fit in the window, nothing does.
bool Correlator::sequence_satisfied(const Rule& rule, KeyState& ks) {
  int step = static_cast<int>(rule.steps.size()) - 1;
  uint32_t need = rule.steps[static_cast<size_t>(step)].count;
  std::vector<size_t> chosen;
  for (size_t i = ks.pending.size(); i-- > 0 && step >= 0;) {
    if (ks.pending[i].step != step) continue;
    chosen.push_back(i);
    if (--need == 0 && --step >= 0) need = rule.steps[static_cast<size_t>(step)].count;
  }
  if (step >= 0) return false;
  const int64_t start = ks.pending[chosen.back()].event_time_us;
  if (ks.pending.back().event_time_us - start > rule.window_us) return false;
  std::deque<Pending> kept;
  for (size_t k = chosen.size(); k-- > 0;) kept.push_back(std::move(ks.pending[chosen[k]]));
  ks.pending = std::move(kept);
  return true;
}

void Correlator::fill_rule_fields(const Rule& rule, Incident* inc) const {
  inc->rule_id = rule.id;
  inc->rule_version = rule.version;
  inc->title = rule.title;
  inc->title_vi = rule.title_vi;
  inc->severity = rule.severity;
  inc->level = rule.level;
  inc->tags = rule.tags;
}

// A distinct-count incident lists the values it counted (the first kValuesListed).
void Correlator::list_distinct_values(const Rule& rule, const KeyState& ks, Incident* inc) {
  if (rule.kind != AggregationKind::kDistinct) return;
  std::string values;
  for (size_t i = 0; i < ks.pending.size() && i < kValuesListed; ++i) {
    values += (i ? "," : "") + ks.pending[i].value;
  }
  if (ks.pending.size() > kValuesListed) values += ",...";
  inc->fields.insert_or_assign(rule.distinct_field + "_values", values);
}

// The lines held for a key become the new incident's evidence, up to the cap; their
// text is moved, not copied (the caller clears the pending list after).
void Correlator::take_pending_as_evidence(KeyState& ks, IncidentChange* change) {
  Incident& inc = ks.incident;
  for (Pending& p : ks.pending) {
    if (inc.evidence_count >= options_.evidence_cap) break;
    Evidence ev;
    ev.seq = static_cast<uint32_t>(inc.evidence_count++);
    ev.receive_time_us = p.receive_time_us;
    ev.event_time_us = p.event_time_us;
    ev.input = input_name(p.input);
    ev.peer = std::move(p.peer);
    ev.line = std::move(p.line);
    change->new_evidence.push_back(std::move(ev));
  }
}

void Correlator::open_incident(uint32_t rule_index, KeyState& ks, const EventBatch& batch,
                               const Event& e, const Match& m, std::vector<IncidentChange>* out) {
  const Rule& rule = rules_->rules()[rule_index];
  Incident& inc = ks.incident;
  inc = Incident{};
  const Pending& first = ks.pending.front();
  inc.window_start_us = first.event_time_us;
  inc.id = make_incident_id(rule.id, ks.key, inc.window_start_us);
  fill_rule_fields(rule, &inc);
  inc.group_key = ks.key;
  inc.first_seen_us = first.event_time_us;
  inc.last_seen_us = ks.pending.back().event_time_us;
  inc.count = ks.pending.size();
  inc.status = IncidentStatus::kNew;
  inc.asset_class = e.asset_class;
  if (e.asset != kNoAsset && e.asset < options_.assets.size()) {
    inc.asset = options_.assets[e.asset].name;
    inc.site = options_.assets[e.asset].site;
  }
  const std::string_view host = batch.view(e.header.host);
  inc.host = std::string(host.empty() ? batch.view(e.peer) : host);
  inc.input = input_name(first.input);
  for (const auto& [name, value] : m.fields) inc.fields.insert_or_assign(name, value);
  list_distinct_values(rule, ks, &inc);
  take_pending_as_evidence(ks, &change_for(ks, IncidentChange::Kind::kCreated, out));
  ks.pending.clear();
  ks.open = true;
  bump(created_);
  bump(rule_counters_[rule_index].created);
}

void Correlator::handle_absence(const Rule& rule, uint32_t rule_index, KeyState& ks,
                                const EventBatch& batch, const Event& e, const Match&,
                                uint32_t match_index, std::vector<IncidentChange>* out) {
  if (ks.open) {
    // The silent asset spoke again: say so on its incident, which is then closed.
    Incident& inc = ks.incident;
    inc.fields.insert_or_assign("back_at", format_rfc3339_utc(e.receive_time_us));
    inc.last_seen_us = std::max(inc.last_seen_us, e.receive_time_us);
    IncidentChange& change = change_for(ks, IncidentChange::Kind::kUpdated, out);
    if (inc.evidence_count < options_.evidence_cap) {
      Evidence ev;
      ev.seq = static_cast<uint32_t>(inc.evidence_count++);
      ev.receive_time_us = e.receive_time_us;
      ev.event_time_us = e.time_us();
      ev.input = input_name(e.input);
      ev.peer = std::string(batch.view(e.peer));
      ev.line = std::string(batch.raw(e));
      change.new_evidence.push_back(std::move(ev));
    }
    finalize(ks, out);
    touched_[ks.touched_slot] = nullptr;
    ks.epoch = 0;
    ks.open = false;
    bump(updated_);
    bump(rule_counters_[rule_index].updated);
  }
  // The snapshot of where the asset is, for the incident tick() may open later.
  Incident& tmpl = ks.incident;
  tmpl = Incident{};
  tmpl.asset_class = e.asset_class;
  if (e.asset != kNoAsset && e.asset < options_.assets.size()) {
    tmpl.asset = options_.assets[e.asset].name;
    tmpl.site = options_.assets[e.asset].site;
  }
  const std::string_view host = batch.view(e.header.host);
  tmpl.host = std::string(host.empty() ? batch.view(e.peer) : host);
  tmpl.input = input_name(e.input);
  Pending p;
  p.event_time_us = e.time_us();
  p.receive_time_us = e.receive_time_us;
  p.seq = seq_++;
  p.input = e.input;
  p.peer = std::string(batch.view(e.peer));
  p.line = std::string(batch.raw(e));
  ks.pending.clear();
  ks.pending.push_back(std::move(p));
  trace(match_index, MatchOutcome::Kind::kSignOfLife, 1, 1, ks);
  (void)rule;
}

void Correlator::handle_window(const Rule& rule, uint32_t rule_index, KeyState& ks,
                               const EventBatch& batch, const Event& e, const Match& m,
                               uint32_t match_index, std::vector<IncidentChange>* out) {
  const int64_t t = e.time_us();
  // This key's own line says its window is over: decide it, and this line opens the next.
  if (ks.window_open && t > ks.window_start_us + rule.window_us) close_window(rule_index, ks, out);
  if (ks.window_open && t < ks.window_start_us) {
    bump(late_);
    trace(match_index, MatchOutcome::Kind::kLate, static_cast<uint32_t>(ks.window_count),
          needed(rule), ks);
    return;
  }
  if (!ks.window_open) {
    ks.window_open = true;
    ks.window_start_us = t;
    ks.window_receive_us = e.receive_time_us;
    ks.window_last_us = t;
    ks.window_count = 0;
    ks.window_fields.clear();
    ks.pending.clear();
    RuleState& rs = states_[rule_index];
    rs.next_close_us = std::min(rs.next_close_us, t + rule.window_us);
    rs.next_close_receive_us =
        std::min(rs.next_close_receive_us, e.receive_time_us + rule.window_us);
    // Where the asset is, for the incident the window may make when it closes.
    Incident& tmpl = ks.incident;
    tmpl = Incident{};
    tmpl.asset_class = e.asset_class;
    if (e.asset != kNoAsset && e.asset < options_.assets.size()) {
      tmpl.asset = options_.assets[e.asset].name;
      tmpl.site = options_.assets[e.asset].site;
    }
    const std::string_view host = batch.view(e.header.host);
    tmpl.host = std::string(host.empty() ? batch.view(e.peer) : host);
    tmpl.input = input_name(e.input);
  }
  Pending p;
  p.event_time_us = t;
  p.receive_time_us = e.receive_time_us;
  p.seq = seq_++;
  p.input = e.input;
  p.peer = std::string(batch.view(e.peer));
  p.line = std::string(batch.raw(e));
  auto by_time = [](int64_t v, const Pending& q) { return v < q.event_time_us; };
  if (rule.kind == AggregationKind::kDistinct) {
    bool found = false;
    for (const auto& [name, v] : m.fields) {
      if (name == rule.distinct_field) {
        p.value = v;
        found = true;
        break;
      }
    }
    if (!found) p.value = std::string(builtin_value(rule.distinct_field, batch, e));
    auto same = std::find_if(ks.pending.begin(), ks.pending.end(),
                             [&](const Pending& q) { return q.value == p.value; });
    // One line per value; past count_max + 1 values the answer is "too many" already.
    if (same == ks.pending.end() && ks.pending.size() <= rule.count_max) {
      ks.pending.insert(std::upper_bound(ks.pending.begin(), ks.pending.end(), t, by_time),
                        std::move(p));
    }
    ks.window_count = ks.pending.size();
  } else {
    ++ks.window_count;
    const size_t cap = std::min<size_t>(options_.evidence_cap, rule.count_max);
    ks.pending.insert(std::upper_bound(ks.pending.begin(), ks.pending.end(), t, by_time),
                      std::move(p));
    if (ks.pending.size() > cap) ks.pending.pop_back();
  }
  if (t >= ks.window_last_us) {
    ks.window_last_us = t;
    ks.window_fields.assign(m.fields.begin(), m.fields.end());
  }
  trace(match_index, MatchOutcome::Kind::kInWindow, static_cast<uint32_t>(ks.window_count),
        needed(rule), ks);
}

void Correlator::close_window(uint32_t rule_index, KeyState& ks, std::vector<IncidentChange>* out) {
  const Rule& rule = rules_->rules()[rule_index];
  ks.window_open = false;
  mark_dirty(rule_index, ks);
  const uint64_t n = ks.window_count;
  if (n >= rule.count && n <= rule.count_max) {
    Incident& inc = ks.incident;  // holds where the asset is
    inc.window_start_us = ks.window_start_us;
    inc.id = make_incident_id(rule.id, ks.key, inc.window_start_us);
    fill_rule_fields(rule, &inc);
    inc.group_key = ks.key;
    inc.first_seen_us = ks.window_start_us;
    inc.last_seen_us = ks.window_last_us;
    inc.count = n;
    inc.status = IncidentStatus::kNew;
    for (const auto& [name, value] : ks.window_fields) inc.fields.insert_or_assign(name, value);
    list_distinct_values(rule, ks, &inc);
    take_pending_as_evidence(ks, &change_for(ks, IncidentChange::Kind::kCreated, out));
    // Each window is decided on its own: the incident is final now, nothing folds into it.
    finalize(ks, out);
    touched_[ks.touched_slot] = nullptr;
    ks.epoch = 0;
    bump(created_);
    bump(rule_counters_[rule_index].created);
  }
  ks.incident = Incident{};
  ks.pending.clear();
  ks.window_fields.clear();
  ks.window_count = 0;
}

void Correlator::close_due_windows(bool with_receive, bool all, std::vector<IncidentChange>* out) {
  for (uint32_t r = 0; r < states_.size(); ++r) {
    const Rule& rule = rules_->rules()[r];
    if (!rule.decided_at_close()) continue;
    RuleState& rs = states_[r];
    const bool by_event = event_clock_us_ > rs.next_close_us;
    const bool by_receive = with_receive && clock_us_ > rs.next_close_receive_us;
    if (!all && !by_event && !by_receive) continue;
    rs.next_close_us = INT64_MAX;
    rs.next_close_receive_us = INT64_MAX;
    for (KeyState& ks : rs.lru) {
      if (!ks.window_open) continue;
      const int64_t end = ks.window_start_us + rule.window_us;
      const int64_t end_receive = ks.window_receive_us + rule.window_us;
      if (all || event_clock_us_ > end || (with_receive && clock_us_ > end_receive)) {
        close_window(r, ks, out);
      } else {
        rs.next_close_us = std::min(rs.next_close_us, end);
        rs.next_close_receive_us = std::min(rs.next_close_receive_us, end_receive);
      }
    }
  }
}

void Correlator::flush(std::vector<IncidentChange>* out) {
  begin_call();
  close_due_windows(false, true, out);
  end_call(out);
}

void Correlator::tick(int64_t now_us, std::vector<IncidentChange>* out) {
  begin_call();
  clock_us_ = std::max(clock_us_, now_us);
  close_due_windows(true, false, out);
  for (uint32_t r = 0; r < states_.size(); ++r) {
    const Rule& rule = rules_->rules()[r];
    if (rule.kind != AggregationKind::kAbsence) continue;
    RuleState& rs = states_[r];
    // The least recently heard keys are at the back.
    for (auto it = rs.lru.end(); it != rs.lru.begin();) {
      KeyState& ks = *--it;
      if (clock_us_ - ks.last_receive_us <= rule.window_us) break;
      if (ks.open) continue;
      Incident& inc = ks.incident;
      const Incident where = inc;
      inc = Incident{};
      inc.window_start_us = ks.last_receive_us;
      inc.id = make_incident_id(rule.id, ks.key, inc.window_start_us);
      fill_rule_fields(rule, &inc);
      inc.group_key = ks.key;
      inc.first_seen_us = ks.last_receive_us;
      inc.last_seen_us = ks.last_receive_us;
      inc.count = 1;
      inc.asset_class = where.asset_class;
      inc.asset = where.asset;
      inc.site = where.site;
      inc.host = where.host;
      inc.input = where.input;
      inc.fields.insert_or_assign("silent_since", format_rfc3339_utc(ks.last_receive_us));
      IncidentChange& change = change_for(ks, IncidentChange::Kind::kCreated, out);
      if (!ks.pending.empty() && options_.evidence_cap > 0) {
        const Pending& last = ks.pending.front();
        Evidence ev;
        ev.seq = static_cast<uint32_t>(inc.evidence_count++);
        ev.receive_time_us = last.receive_time_us;
        ev.event_time_us = last.event_time_us;
        ev.input = input_name(last.input);
        ev.peer = last.peer;
        ev.line = last.line;
        change.new_evidence.push_back(std::move(ev));
      }
      ks.open = true;
      mark_dirty(r, ks);
      bump(created_);
      bump(rule_counters_[r].created);
    }
  }
  end_call(out);
}

void Correlator::fold(KeyState& ks, const EventBatch& batch, const Event& e, int64_t t,
                      std::vector<IncidentChange>* out) {
  Incident& inc = ks.incident;
  ++inc.count;
  inc.last_seen_us = std::max(inc.last_seen_us, t);
  inc.first_seen_us = std::min(inc.first_seen_us, t);
  IncidentChange& change = change_for(ks, IncidentChange::Kind::kUpdated, out);
  if (inc.evidence_count < options_.evidence_cap) {
    Evidence ev;
    ev.seq = static_cast<uint32_t>(inc.evidence_count++);
    ev.receive_time_us = e.receive_time_us;
    ev.event_time_us = t;
    ev.input = input_name(e.input);
    ev.peer = std::string(batch.view(e.peer));
    ev.line = std::string(batch.raw(e));
    change.new_evidence.push_back(std::move(ev));
  }
}

IncidentChange& Correlator::change_for(KeyState& ks, IncidentChange::Kind kind,
                                       std::vector<IncidentChange>* out) {
  if (ks.epoch == epoch_) return (*out)[ks.change_slot];
  ks.epoch = epoch_;
  ks.change_slot = out->size();
  ks.touched_slot = touched_.size();
  touched_.push_back(&ks);
  IncidentChange& c = out->emplace_back();
  c.kind = kind;
  return c;
}

void Correlator::finalize(KeyState& ks, std::vector<IncidentChange>* out) {
  (*out)[ks.change_slot].incident = ks.incident;
}

void Correlator::expire_idle() {
  if (latest_receive_us_ == INT64_MIN) return;
  for (uint32_t r = 0; r < states_.size(); ++r) {
    RuleState& rs = states_[r];
    const Rule& rule = rules_->rules()[r];
    if (rule.kind == AggregationKind::kAbsence) continue;  // silence is what they watch
    const int64_t idle = std::max(rule.window_us, rule.suppress_us);
    for (auto it = rs.lru.end(); it != rs.lru.begin();) {
      const auto key = std::prev(it);
      if (latest_receive_us_ - key->last_receive_us <= idle) break;
      if (key->window_open) {  // still to be decided: closing it decides, not idleness
        it = key;
        continue;
      }
      drop_key(r, key);
      bump(expired_);
    }
  }
}

void Correlator::mark_dirty(uint32_t rule, KeyState& ks) {
  if (!options_.track_state || ks.dirty_epoch == take_gen_) return;
  ks.dirty_epoch = take_gen_;
  ks.dirty_slot = dirty_.size();
  dirty_.push_back(Dirty{rule, &ks});
}

void Correlator::note_deleted(uint32_t rule, const std::string& key) {
  if (!options_.track_state) return;
  deleted_.push_back(correlation_key("", "", rules_->rules()[rule].id, key));
}

std::string Correlator::encode(const Rule& rule, const KeyState& ks) {
  StateWriter w;
  w.u8(kStateFormat);
  w.str(rule.version);
  w.u8(static_cast<uint8_t>(rule.kind));
  w.i64(ks.last_receive_us);
  const bool snapshot = ks.open || rule.kind == AggregationKind::kAbsence || ks.window_open;
  w.u8(static_cast<uint8_t>((ks.open ? kFlagOpen : 0) | (snapshot ? kFlagSnapshot : 0) |
                            (ks.window_open ? kFlagWindow : 0)));
  if (snapshot) {
    const Incident& inc = ks.incident;
    w.str(inc.id);
    w.i64(inc.window_start_us);
    w.i64(inc.first_seen_us);
    w.i64(inc.last_seen_us);
    w.u64(inc.count);
    w.u64(inc.evidence_count);
    w.u8(static_cast<uint8_t>(inc.asset_class));
    w.str(inc.asset);
    w.str(inc.site);
    w.str(inc.host);
    w.str(inc.input);
    w.u32(static_cast<uint32_t>(inc.fields.size()));
    for (const auto& [k, v] : inc.fields) {
      w.str(k);
      w.str(v);
    }
  }
  if (ks.window_open) {
    w.i64(ks.window_start_us);
    w.i64(ks.window_receive_us);
    w.i64(ks.window_last_us);
    w.u64(ks.window_count);
    w.u32(static_cast<uint32_t>(ks.window_fields.size()));
    for (const auto& [k, v] : ks.window_fields) {
      w.str(k);
      w.str(v);
    }
  }
  w.u32(static_cast<uint32_t>(ks.pending.size()));
  for (const Pending& p : ks.pending) {
    w.i64(p.event_time_us);
    w.i64(p.receive_time_us);
    w.u64(p.seq);
    w.u8(p.step);
    w.str(input_name(p.input));
    w.str(p.peer);
    w.str(p.value);
    w.str(p.line);
  }
  return w.take();
}

void Correlator::take_state_changes(std::vector<StateChange>* out) {
  // Deletes first: a key dropped and created again since the last take must end up written.
  for (StateChange& c : inherited_) out->push_back(std::move(c));
  inherited_.clear();
  for (std::string& k : deleted_) out->push_back(StateChange{std::move(k), std::nullopt});
  deleted_.clear();
  size_t budget = kRetiredDeletesPerCall;
  while (budget > 0 && !retired_.empty()) {
    Retired& r = retired_.front();
    const int now = rules_->index_of(r.rule_id);
    while (budget > 0 && !r.state.lru.empty()) {
      const KeyState& ks = r.state.lru.back();
      // The rule's new version may already hold this key: its write stands.
      const bool live = now >= 0 && states_[static_cast<size_t>(now)].index.count(ks.key) != 0;
      if (!live) {
        out->push_back(StateChange{correlation_key("", "", r.rule_id, ks.key), std::nullopt});
        --budget;
      }
      r.state.lru.pop_back();
    }
    if (r.state.lru.empty()) retired_.pop_front();
  }
  for (const Dirty& d : dirty_) {
    if (d.ks == nullptr) continue;
    const Rule& rule = rules_->rules()[d.rule];
    out->push_back(StateChange{correlation_key("", "", rule.id, d.ks->key), encode(rule, *d.ks)});
  }
  dirty_.clear();
  ++take_gen_;
}

bool Correlator::restore(std::string_view key, std::string_view value) {
  std::string_view input, partition, rule_id, group;
  if (!parse_correlation_key(key, &input, &partition, &rule_id, &group)) return false;
  const int ri = rules_->index_of(rule_id);
  if (ri < 0) return false;
  const Rule& rule = rules_->rules()[static_cast<size_t>(ri)];
  StateReader r(value);
  uint8_t format = 0, kind = 0, flags = 0;
  std::string version;
  KeyState ks;
  ks.key = std::string(group);
  if (!r.u8(&format) || format != kStateFormat || !r.str(&version) || version != rule.version ||
      !r.u8(&kind) || kind != static_cast<uint8_t>(rule.kind) || !r.i64(&ks.last_receive_us) ||
      !r.u8(&flags)) {
    return false;
  }
  ks.open = (flags & kFlagOpen) != 0;
  if ((flags & kFlagSnapshot) != 0) {
    Incident& inc = ks.incident;
    uint8_t cls = 0;
    uint32_t n = 0;
    if (!r.str(&inc.id) || !r.i64(&inc.window_start_us) || !r.i64(&inc.first_seen_us) ||
        !r.i64(&inc.last_seen_us) || !r.u64(&inc.count) || !r.u64(&inc.evidence_count) ||
        !r.u8(&cls) || cls >= kAssetClassCount || !r.str(&inc.asset) || !r.str(&inc.site) ||
        !r.str(&inc.host) || !r.str(&inc.input) || !r.u32(&n)) {
      return false;
    }
    inc.asset_class = static_cast<AssetClass>(cls);
    for (uint32_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!r.str(&k) || !r.str(&v)) return false;
      inc.fields.emplace(std::move(k), std::move(v));
    }
    if (ks.open) {
      fill_rule_fields(rule, &inc);
      inc.group_key = ks.key;
    }
  }
  if ((flags & kFlagWindow) != 0) {
    uint32_t nf = 0;
    if (!rule.decided_at_close() || !r.i64(&ks.window_start_us) || !r.i64(&ks.window_receive_us) ||
        !r.i64(&ks.window_last_us) || !r.u64(&ks.window_count) || !r.u32(&nf)) {
      return false;
    }
    for (uint32_t i = 0; i < nf; ++i) {
      std::string k, v;
      if (!r.str(&k) || !r.str(&v)) return false;
      ks.window_fields.emplace_back(std::move(k), std::move(v));
    }
    ks.window_open = true;
  }
  uint32_t n = 0;
  if (!r.u32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Pending p;
    std::string input_text;
    if (!r.i64(&p.event_time_us) || !r.i64(&p.receive_time_us) || !r.u64(&p.seq) ||
        !r.u8(&p.step) || !r.str(&input_text) || !r.str(&p.peer) || !r.str(&p.value) ||
        !r.str(&p.line)) {
      return false;
    }
    if (p.step >= rule.steps.size()) return false;
    p.input = input_index(input_text);
    seq_ = std::max(seq_, p.seq + 1);
    ks.pending.push_back(std::move(p));
  }
  if (!r.done()) return false;
  RuleState& rs = states_[static_cast<size_t>(ri)];
  if (rs.index.count(ks.key) != 0 || rs.index.size() >= options_.max_keys_per_rule) return false;
  latest_receive_us_ = std::max(latest_receive_us_, ks.last_receive_us);
  clock_us_ = std::max(clock_us_, ks.last_receive_us);
  if (ks.window_open) {
    rs.next_close_us = std::min(rs.next_close_us, ks.window_start_us + rule.window_us);
    rs.next_close_receive_us =
        std::min(rs.next_close_receive_us, ks.window_receive_us + rule.window_us);
  }
  rs.lru.push_front(std::move(ks));
  rs.index.emplace(rs.lru.front().key, rs.lru.begin());
  tracked_.fetch_add(1, std::memory_order_relaxed);
  rule_counters_[static_cast<size_t>(ri)].tracked.fetch_add(1, std::memory_order_relaxed);
  unsorted_ = true;
  return true;
}

void Correlator::sort_restored() {
  for (RuleState& rs : states_) {
    // list::sort relinks nodes, so the index's iterators stay valid.
    rs.lru.sort(
        [](const KeyState& a, const KeyState& b) { return a.last_receive_us > b.last_receive_us; });
  }
  unsorted_ = false;
}

void Correlator::adopt(Correlator& old) {
  old.take_state_changes(&inherited_);
  // Slots in adopted keys refer to the old correlator's calls: start past them.
  epoch_ = std::max(epoch_, old.epoch_) + 1;
  take_gen_ = std::max(take_gen_, old.take_gen_) + 1;
  seq_ = std::max(seq_, old.seq_);
  latest_receive_us_ = std::max(latest_receive_us_, old.latest_receive_us_);
  clock_us_ = std::max(clock_us_, old.clock_us_);
  event_clock_us_ = std::max(event_clock_us_, old.event_clock_us_);
  if (old.unsorted_) old.sort_restored();
  rules_adopted_ = 0;
  uint64_t tracked = 0;
  const auto& old_rules = old.rules_->rules();
  for (uint32_t oi = 0; oi < old_rules.size(); ++oi) {
    const Rule& o = old_rules[oi];
    const int ni = rules_->index_of(o.id);
    const bool same = ni >= 0 && rules_->rules()[static_cast<size_t>(ni)].version == o.version;
    RuleTally& from = old.rule_counters_[oi];
    if (ni >= 0) {
      RuleTally& to = rule_counters_[static_cast<size_t>(ni)];
      to.created.store(from.created.load(std::memory_order_relaxed), std::memory_order_relaxed);
      to.updated.store(from.updated.load(std::memory_order_relaxed), std::memory_order_relaxed);
      to.evicted.store(from.evicted.load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
    if (same) {
      states_[static_cast<size_t>(ni)] = std::move(old.states_[oi]);
      const uint64_t n = states_[static_cast<size_t>(ni)].index.size();
      rule_counters_[static_cast<size_t>(ni)].tracked.store(n, std::memory_order_relaxed);
      tracked += n;
      ++rules_adopted_;
    } else if (options_.track_state && !old.states_[oi].lru.empty()) {
      retired_.push_back(Retired{o.id, std::move(old.states_[oi])});
    }
  }
  for (Retired& r : old.retired_) retired_.push_back(std::move(r));
  old.retired_.clear();
  for (RuleState& st : old.states_) {
    st.index.clear();
    st.lru.clear();
  }
  tracked_.store(tracked, std::memory_order_relaxed);
  matches_.store(old.matches_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  created_.store(old.created_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  updated_.store(old.updated_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  late_.store(old.late_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  evicted_.store(old.evicted_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  expired_.store(old.expired_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

std::pair<uint32_t, uint32_t> Correlator::progress(uint32_t rule, std::string_view key) const {
  if (rule >= states_.size()) return {0, 0};
  const Rule& r = rules_->rules()[rule];
  const RuleState& rs = states_[rule];
  auto it = rs.index.find(key);
  if (it == rs.index.end()) return {0, needed(r)};
  if (r.decided_at_close()) return {static_cast<uint32_t>(it->second->window_count), needed(r)};
  return {static_cast<uint32_t>(it->second->pending.size()), needed(r)};
}

CorrelatorStats Correlator::stats() const {
  CorrelatorStats s;
  s.matches = matches_.load(std::memory_order_relaxed);
  s.incidents_created = created_.load(std::memory_order_relaxed);
  s.incidents_updated = updated_.load(std::memory_order_relaxed);
  s.late_matches = late_.load(std::memory_order_relaxed);
  s.keys_evicted = evicted_.load(std::memory_order_relaxed);
  s.keys_expired = expired_.load(std::memory_order_relaxed);
  s.keys_tracked = tracked_.load(std::memory_order_relaxed);
  return s;
}

RuleCorrelationStats Correlator::rule_stats(uint32_t rule) const {
  RuleCorrelationStats s;
  if (rule >= rule_counters_.size()) return s;
  s.incidents_created = rule_counters_[rule].created.load(std::memory_order_relaxed);
  s.incidents_updated = rule_counters_[rule].updated.load(std::memory_order_relaxed);
  s.keys_evicted = rule_counters_[rule].evicted.load(std::memory_order_relaxed);
  s.keys_tracked = rule_counters_[rule].tracked.load(std::memory_order_relaxed);
  return s;
}

}  // namespace wardsoc
