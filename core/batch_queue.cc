#include "core/batch_queue.h"

namespace wardsoc {

bool BatchQueue::push(EventBatch& batch) {
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [&] { return closed_ || q_.size() < capacity_; });
  if (closed_) return false;
  events_ += batch.size();
  q_.push_back(std::move(batch));
  batch.clear();
  lock.unlock();
  not_empty_.notify_one();
  return true;
}

bool BatchQueue::try_push(EventBatch& batch) {
  std::unique_lock lock(mu_);
  if (closed_ || q_.size() >= capacity_) return false;
  events_ += batch.size();
  q_.push_back(std::move(batch));
  batch.clear();
  lock.unlock();
  not_empty_.notify_one();
  return true;
}

bool BatchQueue::pop(EventBatch* out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !q_.empty(); })) return false;
  if (q_.empty()) return false;  // closed and drained
  *out = std::move(q_.front());
  q_.pop_front();
  events_ -= out->size();
  lock.unlock();
  not_full_.notify_one();
  return true;
}

void BatchQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool BatchQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

size_t BatchQueue::size() const {
  std::lock_guard lock(mu_);
  return q_.size();
}

size_t BatchQueue::events_queued() const {
  std::lock_guard lock(mu_);
  return events_;
}

}  // namespace wardsoc
