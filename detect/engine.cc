#include "detect/engine.h"

#include <algorithm>

#include "core/thread_name.h"
#include "core/time.h"

namespace wardsoc {

namespace {
// Below this many events per worker, waking threads costs more than it saves.
constexpr size_t kMinEventsPerWorker = 64;
}  // namespace

Engine::Engine(std::shared_ptr<const RuleSet> rules, std::vector<std::string> input_names,
               EngineOptions options)
    : rules_(rules),
      correlator_(std::move(rules), std::move(input_names), std::move(options.correlator)),
      rule_matches_(rules_->rules().size()),
      rule_last_match_(rules_->rules().size()),
      base_(rules_->rules().size()),
      started_us_(now_us()) {}

Result<std::unique_ptr<Engine>> Engine::Create(const std::shared_ptr<const RuleSet>& rules,
                                               std::vector<std::string> input_names,
                                               EngineOptions options) {
  if (!rules) return Error(Errc::kInvalidArgument, "engine: no rule set");
  unsigned n = options.workers != 0 ? options.workers : std::thread::hardware_concurrency();
  n = std::max(1u, n);
  MatcherOptions mo;
  mo.input_names = input_names;
  std::unique_ptr<Engine> engine(new Engine(rules, std::move(input_names), std::move(options)));
  for (unsigned i = 0; i < n; ++i) {
    auto matcher = Matcher::Create(rules, mo);
    if (!matcher.ok()) return std::move(matcher).error().with_context("engine");
    auto w = std::make_unique<Worker>();
    w->matcher = std::move(matcher).value();
    engine->workers_.push_back(std::move(w));
  }
  // Threads start only once every matcher exists, so a failure above leaves nothing to join.
  for (size_t i = 1; i < engine->workers_.size(); ++i) {
    Engine* self = engine.get();
    engine->workers_[i]->thread = std::thread([self, i] {
      set_thread_name("detect-" + std::to_string(i));
      self->worker_loop(i);
    });
  }
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void Engine::worker_loop(size_t index) {
  Worker& w = *workers_[index];
  uint64_t seen = 0;
  for (;;) {
    const EventBatch* batch = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      batch = batch_;
    }
    w.matches.clear();
    w.matcher->scan(*batch, w.begin, w.end, &w.matches);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--running_ == 0) done_cv_.notify_one();
    }
  }
}

void Engine::process(const EventBatch& batch, std::vector<IncidentChange>* out) {
  const size_t n = batch.size();
  const size_t usable = std::clamp<size_t>(n / kMinEventsPerWorker, 1, workers_.size());
  const size_t per = (n + usable - 1) / std::max<size_t>(usable, 1);
  for (size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->begin = std::min(n, i * per);
    workers_[i]->end = i < usable ? std::min(n, (i + 1) * per) : workers_[i]->begin;
  }
  if (usable > 1) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch_ = &batch;
      running_ = workers_.size() - 1;
      ++generation_;
    }
    work_cv_.notify_all();
  }
  Worker& mine = *workers_[0];
  mine.matches.clear();
  mine.matcher->scan(batch, mine.begin, mine.end, &mine.matches);
  if (usable > 1) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return running_ == 0; });
    batch_ = nullptr;
  }

  // Workers cover consecutive ranges in order, so concatenating keeps event order.
  merged_.clear();
  uint64_t scanned = 0, errors = 0, re2_runs = 0, re2_checks = 0, joined = 0, fallbacks = 0;
  for (auto& w : workers_) {
    for (Match& m : w->matches) merged_.push_back(std::move(m));
    w->matches.clear();
    scanned += w->end - w->begin;
    errors += w->matcher->scan_errors();
    re2_runs += w->matcher->re2_runs();
    re2_checks += w->matcher->re2_dfa_checks();
    joined += w->matcher->joined_lines();
    fallbacks += w->matcher->joined_fallbacks();
  }
  for (const Match& m : merged_) {
    rule_matches_[m.rule].fetch_add(1, std::memory_order_relaxed);
    const int64_t t = batch.events()[m.event].receive_time_us;
    if (t > rule_last_match_[m.rule].load(std::memory_order_relaxed)) {
      rule_last_match_[m.rule].store(t, std::memory_order_relaxed);
    }
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  events_.fetch_add(scanned, std::memory_order_relaxed);
  matches_.fetch_add(merged_.size(), std::memory_order_relaxed);
  scan_errors_.store(errors, std::memory_order_relaxed);
  re2_runs_.store(re2_runs, std::memory_order_relaxed);
  re2_dfa_checks_.store(re2_checks, std::memory_order_relaxed);
  joined_lines_.store(joined, std::memory_order_relaxed);
  joined_fallbacks_.store(fallbacks, std::memory_order_relaxed);

  correlator_.process(batch, merged_, out);
}

void Engine::tick(int64_t now, std::vector<IncidentChange>* out) { correlator_.tick(now, out); }

void Engine::flush(std::vector<IncidentChange>* out) { correlator_.flush(out); }

void Engine::take_state_changes(std::vector<StateChange>* out, bool counters) {
  correlator_.take_state_changes(out);
  if (!counters) return;
  // Compared as numbers first: a rule whose counters did not move costs a few atomic
  // loads, so this can run for every commit of a large rule set.
  const auto& rules = rules_->rules();
  written_.resize(rules.size());
  std::lock_guard lock(base_mu_);
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Base& b = base_[i];
    const RuleCorrelationStats cs = correlator_.rule_stats(i);
    const uint64_t matches = b.matches + rule_matches_[i].load(std::memory_order_relaxed);
    const uint64_t created = b.created + cs.incidents_created;
    const uint64_t updated = b.updated + cs.incidents_updated;
    const int64_t last_match = rule_last_match_[i].load(std::memory_order_relaxed);
    RuleCounters& last = written_[i];
    if (!last.rule_id.empty() && last.matches == matches && last.incidents_created == created &&
        last.incidents_updated == updated && last.last_match_us == last_match) {
      continue;
    }
    last.rule_id = rules[i].id;
    last.rule_version = rules[i].version;
    last.matches = matches;
    last.incidents_created = created;
    last.incidents_updated = updated;
    last.last_match_us = last_match;
    last.since_us = b.since_us != 0 ? b.since_us : started_us_;
    out->push_back(StateChange{rule_counters_key(last.rule_id), encode_rule_counters(last)});
  }
}

bool Engine::restore_state(std::string_view key, std::string_view value) {
  if (!key.empty() && key[0] == kRuleCountersKeyTag) {
    auto c = decode_rule_counters(key, value);
    if (!c.ok()) return false;
    const int i = rules_->index_of(c->rule_id);
    if (i < 0) return false;
    // Counters follow the rule id across versions: hit counts of a rule being tuned.
    std::lock_guard lock(base_mu_);
    Base& b = base_[static_cast<size_t>(i)];
    b.matches = c->matches;
    b.created = c->incidents_created;
    b.updated = c->incidents_updated;
    b.since_us = c->since_us;
    if (c->last_match_us >
        rule_last_match_[static_cast<size_t>(i)].load(std::memory_order_relaxed)) {
      rule_last_match_[static_cast<size_t>(i)].store(c->last_match_us, std::memory_order_relaxed);
    }
    return true;
  }
  return correlator_.restore(key, value);
}

void Engine::adopt(Engine& old) {
  correlator_.adopt(old.correlator_);
  const auto& old_rules = old.rules_->rules();
  std::scoped_lock lock(base_mu_, old.base_mu_);
  for (uint32_t oi = 0; oi < old_rules.size(); ++oi) {
    const int ni = rules_->index_of(old_rules[oi].id);
    if (ni < 0) continue;
    const size_t n = static_cast<size_t>(ni);
    base_[n] = old.base_[oi];
    if (base_[n].since_us == 0) base_[n].since_us = old.started_us_;
    rule_matches_[n].store(old.rule_matches_[oi].load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
    rule_last_match_[n].store(old.rule_last_match_[oi].load(std::memory_order_relaxed),
                              std::memory_order_relaxed);
  }
  batches_.store(old.batches_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  events_.store(old.events_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  matches_.store(old.matches_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

std::vector<RuleStats> Engine::rule_stats() const {
  std::vector<RuleStats> out;
  const auto& rules = rules_->rules();
  out.reserve(rules.size());
  std::lock_guard lock(base_mu_);
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Base& b = base_[i];
    RuleStats s;
    s.rule_id = rules[i].id;
    s.rule_version = rules[i].version;
    s.matches = b.matches + rule_matches_[i].load(std::memory_order_relaxed);
    const RuleCorrelationStats c = correlator_.rule_stats(i);
    s.incidents_created = b.created + c.incidents_created;
    s.incidents_updated = b.updated + c.incidents_updated;
    s.keys_evicted = c.keys_evicted;
    s.keys_tracked = c.keys_tracked;
    s.last_match_us = rule_last_match_[i].load(std::memory_order_relaxed);
    s.since_us = b.since_us != 0 ? b.since_us : started_us_;
    out.push_back(std::move(s));
  }
  return out;
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.workers = static_cast<unsigned>(workers_.size());
  s.batches = batches_.load(std::memory_order_relaxed);
  s.events_scanned = events_.load(std::memory_order_relaxed);
  s.matches = matches_.load(std::memory_order_relaxed);
  s.scan_errors = scan_errors_.load(std::memory_order_relaxed);
  s.re2_runs = re2_runs_.load(std::memory_order_relaxed);
  s.re2_dfa_checks = re2_dfa_checks_.load(std::memory_order_relaxed);
  s.joined_lines = joined_lines_.load(std::memory_order_relaxed);
  s.joined_fallbacks = joined_fallbacks_.load(std::memory_order_relaxed);
  const CorrelatorStats c = correlator_.stats();
  s.incidents_created = c.incidents_created;
  s.incidents_updated = c.incidents_updated;
  s.late_matches = c.late_matches;
  s.keys_evicted = c.keys_evicted;
  s.keys_expired = c.keys_expired;
  s.keys_tracked = c.keys_tracked;
  return s;
}

}  // namespace wardsoc
