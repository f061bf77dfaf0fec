#include "app/pipeline.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>

#include "app/version.h"
#include "connectors/sink_factory.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "ingest/input_factory.h"
#include "store/rule_set_log.h"

namespace wardsoc {

using namespace std::chrono_literals;

namespace {
// Absence rules tick once a second.
constexpr int64_t kTickEveryUs = kMicrosPerSecond;
// The batch a clock commit carries: no events, no positions.

// Names and sites by Event::asset, for incidents.
std::vector<AssetLabel> asset_labels(const AssetTable& table) {
  std::vector<AssetLabel> labels;
  labels.reserve(table.size());
  for (const Asset& a : table.assets()) labels.push_back(AssetLabel{a.name, a.site});
  return labels;
}
}  // namespace

Status check_not_empty(const RuleSet& rules, const std::vector<std::string>& paths,
                       LoadReport* report) {
  if (!rules.rules().empty() || paths.empty()) return ok_status();
  std::string where;
  for (const auto& p : paths) where += (where.empty() ? "" : ", ") + p;
  const std::string why =
      "no rules in " + where +
      " (no *.yaml or *.yml rule files, or files that hold no rules): the service would "
      "detect nothing. Put rule files there (wardsoc ships its packs in rules/packs), "
      "correct `rules:` in the configuration, or write `rules: []` to run without "
      "detection on purpose";
  if (report != nullptr) report->error(paths.front(), 0, 0, "", why);
  return Error(Errc::kInvalidArgument, "rule set rejected:\n" + why);
}

Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::string>& paths,
                                                  const LoadOptions& options,
                                                  LoadReport* out_report) {
  std::vector<std::filesystem::path> fs_paths(paths.begin(), paths.end());
  LoadReport local;
  LoadReport& report = out_report != nullptr ? *out_report : local;
  auto rules = RuleSet::Load(fs_paths, &report, options);
  for (const auto& d : report.diagnostics) {
    if (d.level == Diagnostic::Level::kWarning) spdlog::warn("rules: {}", d.to_string());
  }
  if (!rules.ok()) {
    std::string all;
    for (const auto& d : report.diagnostics) {
      if (d.level != Diagnostic::Level::kError) continue;
      if (!all.empty()) all += "\n";
      all += d.to_string();
    }
    if (all.empty()) all = rules.error().message;
    return Error(rules.error().code, "rule set rejected:\n" + all);
  }
  return rules;
}

Pipeline::Pipeline(const Config& config)
    : config_(config),
      input_names_(config.input_names()),
      sink_names_(config.sink_names()),
      queue_(config.queue_batches) {
  for (const auto& s : config.sinks) {
    sink_update_interval_us_.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(sink_common(s).update_interval)
            .count());
  }
}

Pipeline::~Pipeline() { stop(); }

Result<std::unique_ptr<Pipeline>> Pipeline::Create(const Config& config) {
  std::unique_ptr<Pipeline> p(new Pipeline(config));

  // Compiled databases are cached in the data directory: a restart with the same rules
  // skips the Hyperscan compile.
  p->cache_dir_ = (std::filesystem::path(config.data_dir) / "cache").string();
  LoadOptions lo;
  lo.cache_dir = p->cache_dir_;
  auto rules = load_rules(config.rule_paths, lo, &p->start_report_);
  if (!rules.ok()) return std::move(rules).error();
  if (Status some = check_not_empty(**rules, config.rule_paths, &p->start_report_); !some.ok()) {
    return std::move(some).error();
  }
  p->rules_ = *rules;

  // Which device is which: incidents name the asset and its site.
  if (config.assets.empty()) {
    p->ingest_.assets = AssetTable::Empty();
  } else {
    auto assets = AssetTable::Load(config.assets);
    if (!assets.ok()) return std::move(assets).error();
    p->ingest_.assets = *assets;
  }
  p->ingest_.monitor = std::make_shared<AssetMonitor>(p->ingest_.assets->size());

  EngineOptions eo;
  eo.workers = config.workers;
  eo.correlator.evidence_cap = config.evidence_cap;
  eo.correlator.track_state = true;
  eo.correlator.assets = asset_labels(*p->ingest_.assets);
  auto engine = Engine::Create(p->rules_, p->input_names_, eo);
  if (!engine.ok()) return std::move(engine).error();
  p->engine_ = std::move(*engine);

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Error(Errc::kIo,
                 "cannot create data directory '" + config.data_dir + "': " + ec.message());
  }
  StoreOptions so;
  so.path = (std::filesystem::path(config.data_dir) / "db").string();
  so.sync = config.store_sync;
  so.group_commit_interval = std::chrono::milliseconds(config.group_commit_interval_us / 1000);
  so.min_free_bytes = config.min_free_bytes;
  so.retention_us = config.retention_us;
  so.retention_interval = std::chrono::milliseconds(config.retention_interval_us / 1000);
  auto store = Store::Open(so);
  if (!store.ok()) return std::move(store).error();
  p->store_ = std::move(*store);
  if (Status s = p->restore_state(); !s.ok()) return std::move(s).error();
  p->record_rule_set("start", p->rules_.get(), p->start_report_, 0);

  for (const auto& in_cfg : config.inputs) {
    InputConfig c = in_cfg;
    // Files and Kafka partitions resume where the store says the last durable batch
    // ended (every stream of the input: file identities, topic/partition).
    auto* file = std::get_if<FileInputConfig>(&c);
    auto* kafka = std::get_if<KafkaInputConfig>(&c);
    if (file != nullptr || kafka != nullptr) {
      auto streams = p->store_->checkpoints(input_common(c).name);
      if (!streams.ok()) return std::move(streams).error();
      (file != nullptr ? file->start_offsets : kafka->start_offsets) = std::move(*streams);
    }
    auto input = make_input(c, p->queue_, p->ingest_);
    if (!input.ok()) {
      return std::move(input).error().with_context("input '" + input_common(c).name + "'");
    }
    p->inputs_.push_back(std::move(*input));
  }

  SinkContext sink_context = p->sink_context();
  for (const auto& s_cfg : config.sinks) {
    auto sink = make_sink(s_cfg, sink_context);
    if (!sink.ok()) return std::move(sink).error().with_context("sink '" + sink_name(s_cfg) + "'");
    p->forwarders_.push_back(std::make_unique<Forwarder>(
        p->store_->outbox(), std::move(*sink), ForwarderOptions::From(sink_common(s_cfg))));
  }
  return p;
}

Status Pipeline::start() {
  if (started_) return ok_status();
  for (auto& f : forwarders_) f->start();
  processor_ = std::thread([this] {
    set_thread_name("pipeline");
    process_loop();
  });
  started_ = true;
  for (auto& in : inputs_) {
    if (Status s = in->start(); !s.ok()) {
      Error e = std::move(s).error().with_context("input '" + in->name() + "'");
      stop();
      return e;
    }
  }
  spdlog::info("wardsoc running: {} rules (version {}), {} inputs, {} sinks",
               rules_->rules().size(), rules_->version(), inputs_.size(), forwarders_.size());
  return ok_status();
}

void Pipeline::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& in : inputs_) in->stop();  // each pushes its partial batch before returning
  queue_.close();
  stopping_ = true;
  if (processor_.joinable()) processor_.join();
  // The counters as they stand at stop, so `rules stats` and the next start continue them.
  collect_state(/*counters=*/true);
  if (!state_.empty()) (void)commit_with_retry({}, 0, {});
  state_.clear();
  // Growth held back by a sink's update_interval goes now, so the SOC has every
  // incident's latest state before the drain (what is not delivered waits in the outbox).
  release_held_updates(std::numeric_limits<int64_t>::max());
  for (auto& f : forwarders_) {
    // Whatever is not delivered stays in the outbox for the next start.
    (void)f->drain(2s);
    f->stop();
  }
  const PipelineStats s = stats();
  spdlog::info("wardsoc stopped: {} events in {} batches, {} incidents created, {} updated",
               s.events, s.batches, s.incidents_created, s.incidents_updated);
}

void Pipeline::process_loop() {
  // A commit stops taking waiting batches once it holds this many incident changes.
  constexpr size_t kCommitChanges = 1000;
  EventBatch batch;
  std::vector<IncidentChange> changes;
  std::vector<InputPosition> positions;
  for (;;) {
    hold_while_outbox_full();
    swap_pending_engine();
    run_clock();
    if (!queue_.pop(&batch, 100ms)) {
      acknowledge_durable(/*wait_all=*/false);
      if (queue_.closed() && queue_.size() == 0) {
        acknowledge_durable(/*wait_all=*/true);
        break;
      }
      continue;
    }
    // Batches already waiting are detected one after the other and written in one
    // commit: under load a commit carries hundreds of incident changes, which the store
    // writes far faster per change than a few at a time; when the queue is empty, each
    // batch is committed at once, so nothing waits for company.
    changes.clear();
    positions.clear();
    size_t events = 0;
    size_t taken = 0;
    for (;;) {
      engine_->process(batch, &changes);
      collect_state(/*counters=*/false);
      positions.insert(positions.end(), batch.positions().begin(), batch.positions().end());
      events += batch.size();
      ++taken;
      if (taken >= config_.commit_batches || changes.size() >= kCommitChanges) break;
      if (!queue_.pop(&batch, 0ms)) break;
    }
    // The rule counters go in the same write as the incidents and positions they count:
    // after a kill, the restart replays from those positions and counts from those values.
    collect_state(/*counters=*/true);
    const uint64_t ticket = commit_with_retry(positions, events, changes);
    state_.clear();
    commits_.fetch_add(1, std::memory_order_relaxed);
    if (!changes.empty()) {
      for (auto& f : forwarders_) f->check_outbox();
    }
    // Positions are acknowledged once their batch is durable: at once with
    // store.durability sync, after the next group fsync with group.
    if (!positions.empty()) pending_acks_.push_back({ticket, positions});
    acknowledge_durable(/*wait_all=*/false);
    batches_.fetch_add(taken, std::memory_order_relaxed);
    events_.fetch_add(events, std::memory_order_relaxed);
    for (const auto& c : changes) {
      if (c.kind == IncidentChange::Kind::kCreated) {
        created_.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("incident {} created: {} [{}] key={} count={}", c.incident.id,
                     c.incident.rule_id, severity_name(c.incident.severity), c.incident.group_key,
                     c.incident.count);
      } else {
        updated_.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
}

void Pipeline::acknowledge_durable(bool wait_all) {
  if (pending_acks_.empty()) return;
  if (wait_all) (void)store_->wait_durable(pending_acks_.back().ticket, 10s);
  const uint64_t durable = store_->durable_ticket();
  while (!pending_acks_.empty() && pending_acks_.front().ticket <= durable) {
    for (const auto& pos : pending_acks_.front().positions) {
      if (pos.input < inputs_.size()) inputs_[pos.input]->acknowledge(pos);
    }
    pending_acks_.pop_front();
  }
}

uint64_t Pipeline::commit_with_retry(std::span<const InputPosition> positions, size_t events,
                                     const std::vector<IncidentChange>& changes) {
  // A batch is never dropped because the store refused it: the store is the only place
  // incidents live. Retrying here stalls the queue, and inputs that can wait do.
  auto backoff = 100ms;
  for (int attempt = 1;; ++attempt) {
    CommitBatch cb;
    cb.changes = changes;
    cb.positions = positions;
    cb.input_names = input_names_;
    cb.sinks = sink_names_;
    cb.update_interval_us = sink_update_interval_us_;
    cb.state = state_;
    uint64_t ticket = 0;
    Status s = store_->commit(cb, &ticket);
    if (s.ok()) {
      if (attempt > 1) spdlog::info("store commit succeeded after {} attempts", attempt);
      return ticket;
    }
    commit_failures_.fetch_add(1, std::memory_order_relaxed);
    if (stopping_ && attempt >= 5) {
      spdlog::error(
          "store commit failed {} times while stopping; {} events and {} incident "
          "changes of the last batch were not stored: {}",
          attempt, events, changes.size(), s.error().message);
      return 0;
    }
    if (attempt == 1 || attempt % 20 == 0) {
      spdlog::error("store commit failed (attempt {}), retrying: {}", attempt, s.error().message);
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
  }
}

Status Pipeline::reload_rules() {
  // Compiled here, on the caller's thread: the processing thread goes on with the old
  // engine until it takes the new one over between two batches.
  LoadReport report;
  LoadOptions lo;
  lo.cache_dir = cache_dir_;
  auto rules = load_rules(config_.rule_paths, lo, &report);
  if (rules.ok()) {
    if (Status some = check_not_empty(**rules, config_.rule_paths, &report); !some.ok()) {
      rules = std::move(some).error();
    }
  }
  if (!rules.ok()) {
    spdlog::error("rule reload rejected, the running rule set stays:\n{}", rules.error().message);
    reloads_rejected_.fetch_add(1, std::memory_order_relaxed);
    record_rule_set("sighup", nullptr, report, 0);
    return std::move(rules).error();
  }
  EngineOptions eo;
  eo.workers = config_.workers;
  eo.correlator.evidence_cap = config_.evidence_cap;
  eo.correlator.track_state = true;
  eo.correlator.assets = asset_labels(*ingest_.assets);
  auto engine = Engine::Create(*rules, input_names_, eo);
  if (!engine.ok()) {
    report.error("", 0, 0, "", engine.error().message);
    reloads_rejected_.fetch_add(1, std::memory_order_relaxed);
    record_rule_set("sighup", nullptr, report, 0);
    return std::move(engine).error();
  }
  size_t kept = 0;
  std::unique_ptr<Engine> old;
  {
    std::unique_lock lock(engine_mu_);
    pending_engine_ = std::move(*engine);
    pending_rules_ = *rules;
    const uint64_t want = swaps_ + 1;
    spdlog::info("rule set version {} compiled ({} rules); it takes over between two batches",
                 (*rules)->version(), (*rules)->rules().size());
    // The processing thread swaps within one batch or its idle poll; when it is gone
    // (stopping), the record says what was compiled.
    swapped_cv_.wait_for(lock, 30s, [&] { return swaps_ >= want || !started_ || stopping_; });
    kept = last_kept_state_;
    old = std::move(retired_engine_);
  }
  old.reset();  // the replaced engine's threads and programs go here, off the processing thread
  reloads_.fetch_add(1, std::memory_order_relaxed);
  record_rule_set("sighup", rules->get(), report, kept);
  return ok_status();
}

SinkContext Pipeline::sink_context() const {
  SinkContext c;
  c.format.product_version = kVersion;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) c.format.instance = host;
  // The first evidence line of an incident, for formats that carry it. Read on the
  // forwarder's thread; the store outlives the forwarders.
  Store* store = store_.get();
  c.first_evidence = [store](std::string_view id) -> std::optional<std::string> {
    auto ev = store->evidence(id, 1);
    if (!ev.ok() || ev->empty()) return std::nullopt;
    return std::move(ev->front().line);
  };
  return c;
}

void Pipeline::hold_while_outbox_full() {
  // A sink at its outbox bound with `when_full: block` holds new events here: the queue
  // fills and inputs that can wait do (docs/forwarding.md). Stopping overrides it so
  // that what is queued is still stored.
  bool logged = false;
  for (;;) {
    bool held = false;
    for (auto& f : forwarders_) held = held || f->holds_inputs();
    if (!held || stopping_ || queue_.closed()) return;
    if (!logged) {
      spdlog::warn("processing held: a sink's outbox is at its bound (when_full: block)");
      logged = true;
    }
    std::this_thread::sleep_for(100ms);
    for (auto& f : forwarders_) f->check_outbox();
  }
}

std::vector<std::pair<std::string, ForwarderStats>> Pipeline::sink_stats() const {
  std::vector<std::pair<std::string, ForwarderStats>> out;
  for (const auto& f : forwarders_) out.emplace_back(f->sink_name(), f->stats());
  return out;
}

EngineStats Pipeline::engine_stats() const {
  std::lock_guard lock(engine_mu_);
  return engine_->stats();
}

std::vector<RuleStats> Pipeline::rule_stats() const {
  std::lock_guard lock(engine_mu_);
  return engine_->rule_stats();
}

std::vector<std::pair<std::string, InputStats>> Pipeline::input_stats() const {
  std::vector<std::pair<std::string, InputStats>> out;
  for (const auto& in : inputs_) out.emplace_back(in->name(), in->stats());
  return out;
}

PipelineStats Pipeline::stats() const {
  PipelineStats s;
  s.batches = batches_.load();
  s.commits = commits_.load();
  s.events = events_.load();
  s.incidents_created = created_.load();
  s.incidents_updated = updated_.load();
  s.commit_failures = commit_failures_.load();
  s.rule_reloads = reloads_.load();
  s.rule_reloads_rejected = reloads_rejected_.load();
  return s;
}

std::string Pipeline::rules_version() const {
  std::lock_guard lock(engine_mu_);
  return rules_->version();
}

std::vector<std::string> Pipeline::describe() const {
  std::vector<std::string> lines;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const auto& cfg = config_.inputs[i];
    std::string where = inputs_[i]->local_endpoint();
    if (const auto* f = std::get_if<FileInputConfig>(&cfg)) {
      where.clear();
      for (const auto& p : f->paths) where += (where.empty() ? "" : ", ") + p;
    }
    lines.push_back(
        fmt::format("input  {:<12} {:<10} {}", inputs_[i]->name(), input_type_name(cfg), where));
  }
  lines.push_back("store  " + (std::filesystem::path(config_.data_dir) / "db").string());
  for (const auto& s : config_.sinks) {
    lines.push_back(fmt::format("sink   {:<12} {:<10} {} ({})", sink_name(s), sink_type_name(s),
                                sink_destination(s), alert_format_name(sink_common(s).format)));
  }
  return lines;
}

void Pipeline::swap_pending_engine() {
  {
    std::lock_guard lock(engine_mu_);
    if (!pending_engine_) return;
    // Between two batches: every event before was processed by the old engine and every
    // event after is processed by the new one, once. Adoption moves whole per-rule maps,
    // so the pause does not grow with the number of keys.
    const auto t0 = std::chrono::steady_clock::now();
    pending_engine_->adopt(*engine_);
    retired_engine_ = std::move(engine_);
    engine_ = std::move(pending_engine_);
    rules_ = std::move(pending_rules_);
    last_kept_state_ = engine_->rules_adopted();
    ++swaps_;
    const auto pause =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info(
        "rules reloaded: now {} rules, version {}; {} rules kept their correlation state "
        "(swap took {:.0f} us)",
        rules_->rules().size(), rules_->version(), last_kept_state_, pause);
  }
  swapped_cv_.notify_all();
}

void Pipeline::run_clock() {
  const int64_t now = now_us();
  if (now < next_tick_us_) return;
  release_held_updates(now);
  clock_changes_.clear();
  engine_->tick(now, &clock_changes_);
  next_tick_us_ = now + kTickEveryUs;
  collect_state(/*counters=*/true);
  if (clock_changes_.empty() && state_.empty()) return;
  (void)commit_with_retry({}, 0, clock_changes_);
  state_.clear();
  for (const auto& c : clock_changes_) {
    if (c.kind == IncidentChange::Kind::kCreated) {
      created_.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("incident {} created: {} [{}] key={} (silent since {})", c.incident.id,
                   c.incident.rule_id, severity_name(c.incident.severity), c.incident.group_key,
                   format_rfc3339_utc(c.incident.window_start_us));
    }
  }
}

void Pipeline::release_held_updates(int64_t due_by_us) {
  if (sink_names_.empty()) return;
  auto released = store_->release_held_updates(sink_names_, due_by_us);
  if (!released.ok()) {
    // Held updates stay marked in the store and are released by a later call.
    spdlog::error("releasing held-back alert updates: {}", released.error().message);
    return;
  }
  if (*released > 0) {
    for (auto& f : forwarders_) f->check_outbox();
  }
}

void Pipeline::collect_state(bool counters) {
  state_changes_.clear();
  engine_->take_state_changes(&state_changes_, counters);
  for (StateChange& c : state_changes_)
    state_.push_back(StateUpdate{std::move(c.key), std::move(c.value)});
}

Status Pipeline::restore_state() {
  size_t restored = 0, counters = 0;
  std::vector<std::string> stale;
  Status s = store_->scan_state("", [&](std::string_view key, std::string_view value) {
    if (engine_->restore_state(key, value)) {
      ++(key.front() == kRuleCountersKeyTag ? counters : restored);
    } else {
      stale.emplace_back(key);
    }
    return true;
  });
  if (!s.ok()) return std::move(s).error().with_context("restoring correlation state");
  // State of rules that changed or went away while wardsoc was down: deleted with the
  // first commit rather than misread.
  for (std::string& k : stale) state_.push_back(StateUpdate{std::move(k), std::nullopt});
  if (restored > 0 || counters > 0 || !stale.empty()) {
    spdlog::info(
        "correlation state restored: {} keys, counters of {} rules ({} stale keys of changed or "
        "removed rules dropped)",
        restored, counters, stale.size());
  }
  for (const Rule& r : rules_->rules()) {
    for (const std::string& in : r.inputs) {
      if (std::find(input_names_.begin(), input_names_.end(), in) == input_names_.end()) {
        spdlog::warn(
            "rules: {}: sources names input '{}', which this configuration does not have; "
            "the rule matches nothing from it",
            r.id, in);
      }
    }
  }
  return ok_status();
}

void Pipeline::record_rule_set(const char* trigger, const RuleSet* accepted,
                               const LoadReport& report, size_t kept_state) {
  RuleSetRecord r;
  r.time_us = now_us();
  r.trigger = trigger;
  r.accepted = accepted != nullptr;
  if (accepted != nullptr) {
    r.version = accepted->version();
    r.rules = accepted->rules().size();
  }
  r.rules_kept_state = kept_state;
  r.errors = report.error_count();
  r.warnings = report.warning_count();
  r.diagnostics = report.to_string();
  r.pid = static_cast<int64_t>(::getpid());
  auto seq = store_->rule_sets().record(r);
  if (!seq.ok()) spdlog::warn("cannot record the rule set in the store: {}", seq.error().message);
}

}  // namespace wardsoc
