// Forwarder: moves one sink's outbox queue from the store to the sink, on a thread of
// its own. The loop is: wait for the outbox, read a batch (oldest first), drop from it
// what the sink's filter excludes, deliver the rest, and ack in the store exactly what
// the sink accepted (plus the excluded entries before it) — an entry leaves the outbox
// only after its sink acknowledged it or its filter excluded it (no-loss rule 4), so
// delivery is at least once and in commit order. A sink that is down is retried with
// exponential backoff and jitter; an entry the sink rejects for good is moved to the
// store's dead letters.
//
// The forwarder also watches its outbox against the configured bound: a warning in the
// log when it passes `warn_entries`, an error when it reaches `max_entries`, both once
// per crossing, and the policy at the bound (sink_common.h OutboxFullPolicy). Its state
// (delivering, failing since when and why, bound level) is written to the store when it
// changes, so `wardsoc sinks status` can show it from a read-only store.
//
// Thread safety: start(), stop() and drain() are for the owning thread; stats(),
// check_outbox() and holds_inputs() may be called from any thread. The forwarder sees
// only its sink's outbox queue (store/outbox_queue.h), whose Store must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "connectors/sink.h"
#include "connectors/sink_common.h"
#include "core/result.h"
#include "store/outbox_queue.h"

namespace wardsoc {

struct ForwarderOptions {
  size_t batch = 256;  // outbox entries per deliver()
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{60000};
  SinkFilter filter;
  OutboxLimits outbox;
  // With an update interval, queued updates of one incident collapse into the latest
  // within each read window (a few batches, OutboxQueues::read_latest); the store holds
  // back growth within the interval.
  std::chrono::milliseconds update_interval{0};

  static ForwarderOptions From(const SinkCommon& common);
};

// How full a sink's outbox is against its bound.
enum class OutboxLevel { kOk, kWarning, kFull };
std::string_view outbox_level_name(OutboxLevel level);  // "ok", "warning", "full"

struct ForwarderStats {
  uint64_t delivered = 0;        // entries the sink accepted (and the store acked)
  uint64_t filtered = 0;         // entries the sink's filter excluded (acked, not delivered)
  uint64_t coalesced = 0;        // updates a later queued update of their incident superseded
  uint64_t retries = 0;          // failed attempts that were retried after a backoff
  uint64_t rejected = 0;         // entries the sink refused, now in the dead letters
  uint64_t store_errors = 0;     // outbox reads or acks the store refused
  uint64_t queued = 0;           // entries waiting in the outbox now
  uint64_t outages = 0;          // times the sink went from delivering to failing
  bool failing = false;          // in an outage: the last attempt failed
  int64_t failing_since_us = 0;  // when the current outage began (0 if none)
  int64_t last_delivery_us = 0;  // when the sink last accepted something (0: never)
  std::string last_error;
  OutboxLevel level = OutboxLevel::kOk;
  uint64_t max_entries = 0;  // the configured bound
  uint64_t warn_entries = 0;
  bool holding_inputs = false;  // at the bound with when_full: block
};

class Forwarder {
 public:
  // Delivers the queue of `outboxes` named after the sink (Sink::name()).
  Forwarder(OutboxQueues& outboxes, std::unique_ptr<Sink> sink, ForwarderOptions options = {});
  ~Forwarder();  // stop()
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Starts the delivery thread; a no-op when it runs.
  void start();
  // Lets the delivery in flight finish (and be acked) — or interrupts it when the sink
  // is stuck on a dead link — then returns. Entries not delivered stay in the outbox
  // for the next start() or the next process.
  void stop();

  ForwarderStats stats() const;
  const std::string& sink_name() const { return sink_->name(); }
  const ForwarderOptions& options() const { return options_; }

  // Delivers everything queued for this sink and returns once its outbox is empty.
  // While the thread runs, waits for it; while stopped, delivers on the calling
  // thread (for tests and `wardsoc replay`). A failing sink is retried with backoff
  // until `timeout` (then kUnavailable with the sink's error); a store error returns
  // at once. Rejected entries are dead-lettered and do not stop the drain.
  Status drain(std::chrono::milliseconds timeout);

  // Compares the outbox with its bound, logs crossings and returns the level. Cheap
  // (the outbox size is O(1)); the pipeline calls it after every commit.
  OutboxLevel check_outbox();
  // True while the outbox is at its bound and the policy is to stop taking events.
  bool holds_inputs() const { return holding_.load(std::memory_order_acquire); }

 private:
  enum class Step { kIdle, kProgress, kFilteredOnly, kSinkFailed, kStoreFailed };

  Step step(Error* error);  // one read, deliver, ack round
  void run();
  void note_success();
  // Counts and logs a failed attempt; returns how long to wait before the next one.
  std::chrono::milliseconds note_failure(Step step, const Error& error);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Writes the sink's state to the store (advisory; failures are only counted).
  void persist_health(std::string_view state);

  SinkOutbox outbox_;  // this sink's queue
  const std::unique_ptr<Sink> sink_;
  const ForwarderOptions options_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards the fields below; cv_ wakes backoff sleeps and drain()
  std::condition_variable cv_;
  bool failing_ = false;
  int64_t failing_since_us_ = 0;
  int64_t last_delivery_us_ = 0;
  std::string last_error_;
  OutboxLevel level_ = OutboxLevel::kOk;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> filtered_{0};
  std::atomic<uint64_t> coalesced_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> store_errors_{0};
  std::atomic<uint64_t> outages_{0};
  std::atomic<bool> holding_{false};

  // Outage and health bookkeeping, under mu_ (check_outbox() may run on another thread).
  std::chrono::milliseconds backoff_{0};
  uint64_t outage_failures_ = 0;
  std::chrono::steady_clock::time_point outage_start_;
  std::chrono::steady_clock::time_point health_written_;
  std::string health_state_;          // the state last written to the store
  bool health_has_delivery_ = false;  // the record written last had a last delivery
  std::minstd_rand rng_;
};

}  // namespace wardsoc
