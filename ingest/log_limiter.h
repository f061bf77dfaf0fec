// LogLimiter: lets one log line through per interval for one kind of repeated problem
// (a full queue, a refused connection) and says how many were held back, so a flood
// costs a line every few seconds instead of the disk. The counters in InputStats stay
// exact; only the log is thinned.
//
// Thread safety: any thread may call allow().
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace wardsoc {

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::steady_clock::duration interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // True when the caller should log now; *suppressed then holds how many calls were
  // refused since the last one that was allowed.
  bool allow(uint64_t* suppressed) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (logged_once_ && now - last_ < interval_) {
      ++suppressed_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  const std::chrono::steady_clock::duration interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_;
  uint64_t suppressed_ = 0;
  bool logged_once_ = false;
};

}  // namespace wardsoc
