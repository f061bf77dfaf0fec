#include "connectors/forwarder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/thread_name.h"
#include "core/time.h"
#include "store/outbox_queue.h"

namespace wardsoc {

namespace {
// How long an idle forwarder sleeps between looks at the outbox when nothing wakes
// it; commits and stop() wake it earlier.
constexpr std::chrono::milliseconds kIdleWait{1000};
// drain() re-checks the queue at least this often while the thread delivers.
constexpr std::chrono::milliseconds kDrainPoll{20};
// While delivering normally, the stored health record is refreshed at most this often.
constexpr std::chrono::seconds kHealthRefresh{30};
// With an update interval, each read looks this many batches ahead (at most
// kCollapseMaxEntries entries) for later updates of the same incidents.
constexpr size_t kCollapseBatches = 4;
constexpr size_t kCollapseMaxEntries = 4096;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Options that cannot work (an empty batch, no backoff, a warning after the bound) are
// raised to the least that does.
ForwarderOptions checked(ForwarderOptions o) {
  o.batch = std::max<size_t>(o.batch, 1);
  o.initial_backoff = std::max(o.initial_backoff, std::chrono::milliseconds{1});
  o.max_backoff = std::max(o.max_backoff, o.initial_backoff);
  o.outbox.max_entries = std::max<uint64_t>(o.outbox.max_entries, 1);
  o.outbox.warn_entries = std::min(o.outbox.warn_entries, o.outbox.max_entries);
  return o;
}

// Leaving a level takes falling 5% below where it began, so an outbox hovering around
// a threshold does not log every crossing.
OutboxLevel level_for(uint64_t queued, OutboxLevel current, const OutboxLimits& limits) {
  const uint64_t max = limits.max_entries;
  const uint64_t warn = limits.warn_entries;
  if (queued >= max) return OutboxLevel::kFull;
  if (current == OutboxLevel::kFull && queued >= max - max / 20) return OutboxLevel::kFull;
  if (queued >= warn) return OutboxLevel::kWarning;
  if (current != OutboxLevel::kOk && queued >= warn - warn / 20) return OutboxLevel::kWarning;
  return OutboxLevel::kOk;
}
}  // namespace

ForwarderOptions ForwarderOptions::From(const SinkCommon& common) {
  ForwarderOptions o;
  o.batch = common.batch;
  o.initial_backoff = common.initial_backoff;
  o.max_backoff = common.max_backoff;
  o.filter = common.filter;
  o.outbox = common.outbox;
  o.update_interval = common.update_interval;
  return o;
}

std::string_view outbox_level_name(OutboxLevel level) {
  switch (level) {
    case OutboxLevel::kOk:
      return "ok";
    case OutboxLevel::kWarning:
      return "warning";
    case OutboxLevel::kFull:
      return "full";
  }
  return "ok";
}

Forwarder::Forwarder(OutboxQueues& outboxes, std::unique_ptr<Sink> sink, ForwarderOptions options)
    : outbox_(outboxes.sink(sink->name())),
      sink_(std::move(sink)),
      options_(checked(std::move(options))),
      rng_(std::random_device{}()) {}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  if (thread_.joinable()) return;
  stopping_.store(false, std::memory_order_release);
  sink_->interrupt(false);
  check_outbox();
  {
    std::lock_guard lock(mu_);
    persist_health("starting");
  }
  thread_ = std::thread([this] {
    set_thread_name("fwd:" + sink_name());
    run();
  });
}

void Forwarder::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  sink_->interrupt(true);
  outbox_.wake_waiters();
  thread_.join();
  stopping_.store(false, std::memory_order_release);
  sink_->interrupt(false);
  std::lock_guard lock(mu_);
  persist_health("stopped");
}

ForwarderStats Forwarder::stats() const {
  ForwarderStats s;
  s.delivered = delivered_.load();
  s.filtered = filtered_.load();
  s.coalesced = coalesced_.load();
  s.retries = retries_.load();
  s.rejected = rejected_.load();
  s.store_errors = store_errors_.load();
  s.outages = outages_.load();
  s.queued = outbox_.size();
  s.max_entries = options_.outbox.max_entries;
  s.warn_entries = options_.outbox.warn_entries;
  s.holding_inputs = holding_.load();
  std::lock_guard lock(mu_);
  s.failing = failing_;
  s.failing_since_us = failing_ ? failing_since_us_ : 0;
  s.last_delivery_us = last_delivery_us_;
  s.last_error = last_error_;
  s.level = level_;
  return s;
}

OutboxLevel Forwarder::check_outbox() {
  const uint64_t queued = outbox_.size();
  const OutboxLimits& limits = options_.outbox;
  std::lock_guard lock(mu_);
  const OutboxLevel before = level_;
  const OutboxLevel now = level_for(queued, before, limits);
  if (now == before) return now;
  level_ = now;
  const bool block = limits.when_full == OutboxFullPolicy::kBlock;
  holding_.store(now == OutboxLevel::kFull && block, std::memory_order_release);
  const std::string& name = sink_->name();
  const std::string why = failing_ ? "the sink has been failing since " +
                                         format_rfc3339_utc(failing_since_us_) + ": " + last_error_
                                   : std::string("the sink is not keeping up");
  if (now == OutboxLevel::kFull) {
    if (block) {
      spdlog::error(
          "forwarder {}: outbox reached its bound of {} alerts ({} queued; {}); policy "
          "'block': wardsoc holds new events until the sink catches up — TCP, TLS, Kafka "
          "and file inputs wait, UDP datagrams are dropped and counted",
          name, limits.max_entries, queued, why);
    } else {
      spdlog::error(
          "forwarder {}: outbox reached its bound of {} alerts ({} queued; {}); policy "
          "'alert': incidents are still stored and queued past the bound, nothing is "
          "dropped — restore the SOC link or free disk space",
          name, limits.max_entries, queued, why);
    }
  } else if (now == OutboxLevel::kWarning && before == OutboxLevel::kOk) {
    spdlog::warn("forwarder {}: outbox holds {} alerts, past the warning mark of {} (bound {}); {}",
                 name, queued, limits.warn_entries, limits.max_entries, why);
  } else if (now == OutboxLevel::kWarning) {
    spdlog::info("forwarder {}: outbox below its bound again ({} queued)", name, queued);
  } else {
    spdlog::info("forwarder {}: outbox back to normal ({} queued)", name, queued);
  }
  persist_health(failing_ ? "failing" : "delivering");
  return now;
}

void Forwarder::persist_health(std::string_view state) {
  // Advisory: a lost update only makes `wardsoc sinks status` older. Called with mu_ held.
  nlohmann::json j = {{"v", 1},
                      {"state", state},
                      {"updated_us", now_us()},
                      {"failing_since_us", failing_ ? failing_since_us_ : 0},
                      {"failed_attempts", outage_failures_},
                      {"retries", retries_.load()},
                      {"last_error", last_error_},
                      {"last_delivery_us", last_delivery_us_},
                      {"delivered", delivered_.load()},
                      {"filtered", filtered_.load()},
                      {"coalesced", coalesced_.load()},
                      {"rejected", rejected_.load()},
                      {"outages", outages_.load()},
                      {"level", outbox_level_name(level_)},
                      {"max_entries", options_.outbox.max_entries},
                      {"warn_entries", options_.outbox.warn_entries},
                      {"when_full", outbox_full_policy_name(options_.outbox.when_full)}};
  if (!outbox_.put_health(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).ok()) {
    store_errors_.fetch_add(1);
  }
  health_written_ = std::chrono::steady_clock::now();
  health_state_ = state;
  health_has_delivery_ = last_delivery_us_ != 0;
}

Forwarder::Step Forwarder::step(Error* error) {
  const std::string& name = sink_->name();
  // Updates that a later queued entry of their incident supersedes are left out of the
  // window and acked with the entries after them (counted as coalesced).
  OutboxWindow window;
  if (options_.update_interval.count() > 0) {
    const size_t look_ahead =
        std::max(options_.batch, std::min(options_.batch * kCollapseBatches, kCollapseMaxEntries));
    auto read = outbox_.read_latest(options_.batch, look_ahead);
    if (!read) {
      *error = std::move(read).error().with_context("reading the outbox");
      return Step::kStoreFailed;
    }
    window = std::move(read).value();
  } else {
    auto read = outbox_.read(options_.batch);
    if (!read) {
      *error = std::move(read).error().with_context("reading the outbox");
      return Step::kStoreFailed;
    }
    window.entries = std::move(read).value();
  }
  std::vector<OutboxEntry>& entries = window.entries;
  if (entries.empty()) return Step::kIdle;
  const uint64_t window_first = window.superseded.empty()
                                    ? entries.front().seq
                                    : std::min(entries.front().seq, window.superseded.front());
  // How many left-out updates an ack up to `seq` removes.
  auto coalesced_up_to = [&](uint64_t seq) {
    return static_cast<uint64_t>(
        std::upper_bound(window.superseded.begin(), window.superseded.end(), seq) -
        window.superseded.begin());
  };

  // What the filter keeps, in order; `position[i]` is where selected[i] was in entries.
  std::vector<OutboxEntry> selected;
  std::vector<size_t> position;
  if (options_.filter.empty()) {
    position.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) position[i] = i;
  } else {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (options_.filter.matches(entries[i].incident)) position.push_back(i);
    }
  }
  const uint64_t last_seq = entries.back().seq;
  if (position.empty()) {
    // Nothing for this sink: the whole batch is acked without a delivery.
    if (auto ack = outbox_.ack(last_seq); !ack) {
      *error = std::move(ack).error().with_context("acking filtered entries");
      return Step::kStoreFailed;
    }
    filtered_.fetch_add(entries.size());
    coalesced_.fetch_add(window.superseded.size());
    cv_.notify_all();
    return Step::kFilteredOnly;
  }
  std::vector<uint64_t> seqs(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) seqs[i] = entries[i].seq;
  if (position.size() == entries.size()) {
    selected = std::move(entries);
  } else {
    selected.reserve(position.size());
    for (size_t i : position) selected.push_back(std::move(entries[i]));
  }

  DeliveryResult result;
  try {
    result = sink_->deliver(selected);
  } catch (const std::exception& e) {  // a sink must not take the forwarder down
    result = {DeliveryStatus::kRetry, 0, std::string("sink threw: ") + e.what()};
  }
  const size_t accepted = result.status == DeliveryStatus::kDelivered
                              ? selected.size()
                              : std::min(result.delivered, selected.size());
  // Everything before the first entry the sink did not accept goes: the accepted ones
  // and the excluded and superseded ones among them. Seqs of a queue are contiguous, so
  // that is everything up to the seq before it.
  const size_t first_kept = accepted == selected.size() ? seqs.size() : position[accepted];
  const uint64_t ack_to = first_kept == seqs.size() ? seqs.back() : seqs[first_kept] - 1;
  if (ack_to >= window_first) {
    if (auto ack = outbox_.ack(ack_to); !ack) {
      // Not acked: the sink will see these entries again, which it must tolerate.
      *error = std::move(ack).error().with_context("acking delivered entries");
      return Step::kStoreFailed;
    }
    delivered_.fetch_add(accepted);
    filtered_.fetch_add(first_kept - accepted);
    coalesced_.fetch_add(coalesced_up_to(ack_to));
    if (accepted > 0) {
      std::lock_guard lock(mu_);
      last_delivery_us_ = now_us();
    }
    cv_.notify_all();
  }
  check_outbox();

  switch (result.status) {
    case DeliveryStatus::kDelivered:
      return Step::kProgress;
    case DeliveryStatus::kRetry:
      *error =
          Error(Errc::kUnavailable, result.error.empty() ? "sink asked to retry" : result.error);
      return Step::kSinkFailed;
    case DeliveryStatus::kRejected: {
      if (accepted >= selected.size()) return Step::kProgress;
      const OutboxEntry& bad = selected[accepted];
      const std::string reason = result.error.empty() ? "rejected by the sink" : result.error;
      spdlog::error(
          "forwarder {}: the sink rejected incident {} (rule {}, outbox seq {}): {}; moved to "
          "the dead letters (see `wardsoc sinks dead-letters {}`)",
          name, bad.incident.id, bad.incident.rule_id, bad.seq, reason, name);
      if (auto dl = outbox_.dead_letter(bad, reason); !dl) {
        *error = std::move(dl).error().with_context("moving a rejected entry to the dead letters");
        return Step::kStoreFailed;
      }
      rejected_.fetch_add(1);
      cv_.notify_all();
      return Step::kProgress;
    }
  }
  return Step::kProgress;
}

void Forwarder::note_success() {
  std::lock_guard lock(mu_);
  if (!failing_) {
    // The first delivery is written at once (`sinks status` shows it), later ones with
    // the periodic refresh.
    if (health_state_ != "delivering" || (last_delivery_us_ != 0 && !health_has_delivery_) ||
        std::chrono::steady_clock::now() - health_written_ >= kHealthRefresh) {
      persist_health("delivering");
    }
    return;
  }
  spdlog::info("forwarder {}: delivering again after {} failed attempts over {:.1f}s",
               sink_->name(), outage_failures_, seconds_since(outage_start_));
  failing_ = false;
  backoff_ = std::chrono::milliseconds{0};
  outage_failures_ = 0;
  persist_health("delivering");
}

std::chrono::milliseconds Forwarder::note_failure(Step step, const Error& error) {
  std::lock_guard lock(mu_);
  if (step == Step::kSinkFailed) {
    retries_.fetch_add(1);
  } else {
    store_errors_.fetch_add(1);
  }
  last_error_ = error.message;
  ++outage_failures_;
  // Logged once per outage, not once per attempt; recovery is logged by note_success().
  if (!failing_) {
    failing_ = true;
    failing_since_us_ = now_us();
    outage_start_ = std::chrono::steady_clock::now();
    outages_.fetch_add(1);
    const uint64_t queued = outbox_.size();
    if (step == Step::kSinkFailed) {
      spdlog::warn(
          "forwarder {}: sink unavailable, {} alerts kept in the outbox and retried with "
          "backoff: {}",
          sink_->name(), queued, error.message);
    } else {
      spdlog::error("forwarder {}: store error, retrying with backoff: {}", sink_->name(),
                    error.message);
    }
  }
  // Every attempt, so that `sinks status` counts what /metrics counts and says when the
  // last one was; attempts are spaced by the backoff, so this is a few writes at most.
  persist_health("failing");
  backoff_ = backoff_.count() == 0 ? options_.initial_backoff
                                   : std::min(options_.max_backoff, backoff_ * 2);
  // "Equal jitter": at least half the backoff, so retries still slow down, plus a
  // random half, so forwarders that failed together do not retry together.
  const auto half = backoff_.count() / 2;
  std::uniform_int_distribution<long long> jitter(0, std::max<long long>(half, 0));
  return std::chrono::milliseconds(backoff_.count() - half + jitter(rng_));
}

void Forwarder::run() {
  while (!stopping()) {
    // The generation is read before the outbox so that a commit landing between the
    // read and the wait still wakes us.
    const uint64_t generation = outbox_.generation();
    Error error;
    const Step s = step(&error);
    switch (s) {
      case Step::kIdle:
        note_success();
        // stop() sets the flag before it bumps the generation: if we read the bumped
        // generation above, we see the flag here and do not sleep through the stop.
        if (!stopping()) outbox_.wait(generation, kIdleWait);
        break;
      case Step::kProgress:
        note_success();
        break;
      case Step::kFilteredOnly:
        break;
      case Step::kSinkFailed:
      case Step::kStoreFailed: {
        if (stopping()) break;  // an interrupted delivery is not an outage
        const auto delay = note_failure(s, error);
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, delay, [&] { return stopping(); });
        break;
      }
    }
  }
}

Status Forwarder::drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string& name = sink_->name();

  if (thread_.joinable()) {
    std::unique_lock lock(mu_);
    while (outbox_.size() > 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return Error(Errc::kUnavailable, "sink " + name + ": " + std::to_string(outbox_.size()) +
                                             " entries still queued after " +
                                             std::to_string(timeout.count()) + "ms" +
                                             (last_error_.empty() ? "" : ": " + last_error_));
      }
      cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(kDrainPoll, deadline - now));
    }
    return ok_status();
  }

  while (true) {
    Error error;
    const Step s = step(&error);
    if (s == Step::kIdle) {
      note_success();
      return ok_status();
    }
    if (s == Step::kProgress) {
      note_success();
      continue;
    }
    if (s == Step::kFilteredOnly) continue;
    if (s == Step::kStoreFailed) {
      note_failure(s, error);
      return std::move(error).with_context("sink " + name);
    }
    const auto delay = note_failure(s, error);
    if (std::chrono::steady_clock::now() + delay >= deadline) {
      return Error(Errc::kUnavailable, "sink " + name + ": " + std::to_string(outbox_.size()) +
                                           " entries still queued: " + error.message);
    }
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace wardsoc
