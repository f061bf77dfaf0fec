#include "core/thread_name.h"

#include <pthread.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>

using namespace wardsoc;

namespace {
std::string name_in(const std::function<void()>& f) {
  std::string out;
  std::thread t([&] {
    f();
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    out = buf;
  });
  t.join();
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_thread_takes_the_name_it_is_given) {
  BOOST_TEST(name_in([] { set_thread_name("in:lan-syslog"); }) == "in:lan-syslog");
}

BOOST_AUTO_TEST_CASE(a_long_name_is_cut_to_what_linux_keeps) {
  BOOST_TEST(name_in([] { set_thread_name("fwd:city-soc-kafka-primary"); }) == "fwd:city-soc-ka");
}
