// What every benchmark here uses: a clock and medians (the numbers in RESULTS.md are
// medians of several runs on a shared, noisy machine).
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace wardsoc::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The middle value (the upper one of the two middles for an even count); 0 for none.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace wardsoc::bench
