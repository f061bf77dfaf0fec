// The outbox queues of a Store: one FIFO queue per sink of the incident changes it must
// deliver, the dead letters a sink refused, a wait for new entries, and each sink's
// health record. Connectors see this unit only: a sink's Forwarder holds a SinkOutbox,
// the view of its one queue, never the Store.
//
// Durability: entries are queued by Store::commit() and Store::transition(), in the same
// WriteBatch as the incident change (the no-loss contract). Acks and dead-lettering are
// not fsynced (dead-lettering is with `durability: sync`): losing one to a power cut only
// means the entry is delivered again (at least once, never zero times).
//
// Thread safety: every method may be called from any thread. ack() and dead_letter()
// are serialised among themselves and run alongside commits; readers never block
// writers. A sink's queue should have one consumer (its Forwarder). The OutboxQueues
// belong to their Store, which must outlive every SinkOutbox taken from it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/result.h"
#include "store/outbox.h"

namespace wardsoc {

class SinkOutbox;
class StoreDb;

class OutboxQueues {
 public:
  explicit OutboxQueues(StoreDb& db);
  OutboxQueues(const OutboxQueues&) = delete;
  OutboxQueues& operator=(const OutboxQueues&) = delete;

  // The view of one sink's queue, for its forwarder.
  SinkOutbox sink(std::string_view name);

  // A sink's entries are always the contiguous seq range after its last acked seq; seqs
  // are never reused, also across restarts. An entry whose value does not decode is not
  // returned: it is moved to the dead letters with its bytes and the reason (counted,
  // logged, audited) and reading goes on, so one damaged entry never stops a queue.
  Result<std::vector<OutboxEntry>> read(std::string_view sink, size_t max) const;
  // Removes the sink's entries with seq <= up_to_seq (one range delete). Acking what
  // is already acked is a no-op; acking a seq that was never enqueued is
  // kInvalidArgument, because it would hide entries committed later.
  // Like read(), over a window of up to `look_ahead` queued entries (at least `max`), with
  // every kUpdated entry left out that a later entry of the same incident in the window
  // follows; at most `max` entries are kept. Creations are never left out, and what is
  // kept stays in queue order, so per incident the SOC still sees its changes in order,
  // only fewer of them. Used by sinks with an update_interval.
  Result<OutboxWindow> read_latest(std::string_view sink, size_t max, size_t look_ahead) const;
  Status ack(std::string_view sink, uint64_t up_to_seq);
  uint64_t size(std::string_view sink) const;     // O(1)
  std::map<std::string, uint64_t> sizes() const;  // every sink the store knows

  // Moves the oldest queued entry of `sink` (entry.seq must be it) to the dead_letter
  // family with the reason, in one batch, so the queue moves on without losing it.
  Status dead_letter(std::string_view sink, const OutboxEntry& entry, std::string_view reason);
  Result<std::vector<DeadLetter>> dead_letters(std::string_view sink, size_t max) const;
  // How many dead letters a sink has (a key-only scan of its range).
  Result<uint64_t> dead_letter_count(std::string_view sink) const;

  // Sink health (store/sink_health.cc): one small record per sink that its forwarder
  // writes when its state changes (outage, recovery, outbox bound), so that a read-only
  // reader (`wardsoc sinks status`) can tell whether the SOC link is up. The value is
  // opaque here. Not fsynced: it is advisory.
  Status put_health(std::string_view sink, std::string_view value);
  Result<std::map<std::string, std::string>> health() const;  // by sink name

  // Incremented by every commit that queued entries (and by wake_waiters()). A
  // forwarder reads the generation, then the outbox, and if that was empty waits for a
  // newer generation: a commit in between is never missed.
  uint64_t generation() const;
  // True as soon as the generation differs from `seen_generation`; false on timeout.
  bool wait(uint64_t seen_generation, std::chrono::milliseconds timeout) const;
  // Bumps the generation so every wait() returns now (a forwarder stopping).
  void wake_waiters();

 private:
  // The Store's writers queue entries, maintenance checks and repairs the queues.
  friend class Store;
  friend class Maintenance;

  struct SinkQueue {
    uint64_t acked = 0;     // every seq <= acked is gone
    uint64_t next = 1;      // the next commit's first seq
    uint64_t reserved = 1;  // next, plus the seqs of the commit being written
  };

  // Reads every sink's acked mark and queued range (at open).
  Status load();
  // Reserves `count` seqs for each of `sinks` (a commit about to be written) and
  // returns the first of each: ack() accepts them as soon as a reader can see them,
  // but they count as queued only once publish() says the write succeeded.
  std::vector<uint64_t> reserve(std::span<const std::string> sinks, size_t count);
  // After the write: `written` true makes next_seq[i] the next seq of sinks[i] and wakes
  // the waiters; false gives the reserved seqs back.
  void publish(std::span<const std::string> sinks, std::span<const uint64_t> next_seq,
               bool written);
  std::map<std::string, SinkQueue, std::less<>> snapshot() const;
  // Moves the oldest entry of `sink` (at `seq`, whose value does not decode) to the dead
  // letters with its bytes. Const because readers call it.
  Status quarantine(std::string_view sink, uint64_t seq, std::string_view raw,
                    std::string_view reason) const;

  StoreDb& db_;
  mutable std::mutex ack_mu_;  // one ack or dead-letter at a time: the acked mark only grows
  mutable std::mutex mu_;      // guards queues_ and generation_
  mutable std::condition_variable cv_;
  mutable std::map<std::string, SinkQueue, std::less<>> queues_;  // mutable: quarantine
  uint64_t generation_ = 0;
};

// One sink's queue: what its Forwarder reads, acks and dead-letters. A cheap value;
// the OutboxQueues it came from must outlive it.
class SinkOutbox {
 public:
  SinkOutbox(OutboxQueues& queues, std::string sink) : queues_(&queues), sink_(std::move(sink)) {}

  const std::string& sink() const { return sink_; }
  Result<std::vector<OutboxEntry>> read(size_t max) const { return queues_->read(sink_, max); }
  Result<OutboxWindow> read_latest(size_t max, size_t look_ahead) const {
    return queues_->read_latest(sink_, max, look_ahead);
  }
  Status ack(uint64_t up_to_seq) { return queues_->ack(sink_, up_to_seq); }
  uint64_t size() const { return queues_->size(sink_); }
  Status dead_letter(const OutboxEntry& entry, std::string_view reason) {
    return queues_->dead_letter(sink_, entry, reason);
  }
  Status put_health(std::string_view value) { return queues_->put_health(sink_, value); }
  uint64_t generation() const { return queues_->generation(); }
  bool wait(uint64_t seen_generation, std::chrono::milliseconds timeout) const {
    return queues_->wait(seen_generation, timeout);
  }
  void wake_waiters() { queues_->wake_waiters(); }

 private:
  OutboxQueues* queues_;
  std::string sink_;
};

inline SinkOutbox OutboxQueues::sink(std::string_view name) {
  return SinkOutbox(*this, std::string(name));
}

}  // namespace wardsoc
