#include "core/batch_queue.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>

using namespace wardsoc;
using namespace std::chrono_literals;

namespace {
EventBatch batch_of(int n) {
  EventBatch b;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.raw = b.append("line " + std::to_string(i));
    b.events().push_back(e);
  }
  return b;
}
}  // namespace

BOOST_AUTO_TEST_CASE(try_push_refuses_when_full_and_keeps_the_batch) {
  BatchQueue q(1);
  EventBatch a = batch_of(3), b = batch_of(2);
  BOOST_TEST(q.try_push(a));
  BOOST_TEST(a.empty());
  BOOST_TEST(!q.try_push(b));
  BOOST_TEST(b.size() == 2u);  // not lost: the caller still has it
  BOOST_TEST(q.events_queued() == 3u);
}

BOOST_AUTO_TEST_CASE(push_blocks_until_a_consumer_makes_room) {
  BatchQueue q(1);
  EventBatch a = batch_of(1), b = batch_of(1);
  BOOST_REQUIRE(q.push(a));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(b);
    pushed = true;
  });
  // The thing tested: the push is still blocked 50 ms later.
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(!pushed.load());
  EventBatch out;
  BOOST_REQUIRE(q.pop(&out, 1s));
  producer.join();
  BOOST_TEST(pushed.load());
  BOOST_REQUIRE(q.pop(&out, 1s));
  BOOST_TEST(out.raw(out.events()[0]) == "line 0");
}

BOOST_AUTO_TEST_CASE(close_drains_then_stops) {
  BatchQueue q(4);
  EventBatch a = batch_of(2);
  BOOST_REQUIRE(q.push(a));
  q.close();
  EventBatch c = batch_of(1);
  BOOST_TEST(!q.push(c));
  EventBatch out;
  BOOST_TEST(q.pop(&out, 10ms));
  BOOST_TEST(out.size() == 2u);
  BOOST_TEST(!q.pop(&out, 10ms));
}
