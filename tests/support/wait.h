// The one way tests wait for something that another thread or process does: poll a
// predicate until it holds or a deadline passes; on timeout the result says what was
// awaited and for how long, so a failing BOOST_REQUIRE names it.
#pragma once

#include <boost/test/tools/assertion_result.hpp>
#include <chrono>
#include <functional>
#include <string_view>
#include <thread>

namespace wardsoc::testing {

// Polls `condition` (after 1 ms, then backing off to every 20 ms, so that a predicate
// that runs a command does not spin) until it holds or `timeout` passes, and checks it
// once more at the deadline. The result converts to bool; in BOOST_REQUIRE or BOOST_TEST
// a timeout prints "waited 10000 ms for <what>".
inline boost::test_tools::assertion_result wait_until(
    std::string_view what, const std::function<bool()>& condition,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (condition()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  if (condition()) return true;
  boost::test_tools::assertion_result timed_out(false);
  timed_out.message() << "waited " << timeout.count() << " ms for " << what;
  return timed_out;
}

}  // namespace wardsoc::testing
