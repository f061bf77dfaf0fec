// BatchQueue: the bounded queue between inputs and the detection workers.
// Work moves in batches (hundreds to thousands of events), so a mutex per push/pop is
// noise next to the work a batch carries; what matters is the bound and what happens
// at it: inputs that can wait (TCP, files, Kafka) block in push() or retry after
// try_push() fails; UDP, which cannot wait, drops and counts the drop.
//
// Thread safety: any number of producers and consumers. close() wakes everyone; after
// it, push() fails and pop() drains what is left, then returns false.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "core/event.h"

namespace wardsoc {

class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Blocks while the queue is full. Returns false (and leaves `batch` as it was) if the
  // queue is closed.
  bool push(EventBatch& batch);
  // Never blocks. Returns false if full or closed; `batch` is left untouched then.
  bool try_push(EventBatch& batch);
  // Waits up to `timeout` for a batch. Returns false on timeout or when closed and empty.
  bool pop(EventBatch* out, std::chrono::milliseconds timeout);

  void close();
  bool closed() const;
  size_t size() const;
  size_t capacity() const { return capacity_; }
  size_t events_queued() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<EventBatch> q_;
  size_t events_ = 0;
  bool closed_ = false;
};

}  // namespace wardsoc
