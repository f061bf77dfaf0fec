#include "core/time.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(durations_accept_common_units) {
  BOOST_TEST(*parse_duration_us("250ms") == 250'000);
  BOOST_TEST(*parse_duration_us("30s") == 30 * kMicrosPerSecond);
  BOOST_TEST(*parse_duration_us("45") == 45 * kMicrosPerSecond);
  BOOST_TEST(*parse_duration_us("10m") == 600 * kMicrosPerSecond);
  BOOST_TEST(*parse_duration_us("2h") == 7200 * kMicrosPerSecond);
  BOOST_TEST(*parse_duration_us("7d") == 7 * 86400 * kMicrosPerSecond);
}

BOOST_AUTO_TEST_CASE(durations_reject_garbage_with_a_reason) {
  for (const char* bad : {"", "m", "10x", "-5s", "0s", "1.5h", "99999999999999999d"}) {
    auto r = parse_duration_us(bad);
    BOOST_TEST_INFO("input '" << bad << "'");
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.find("invalid duration") != std::string::npos);
  }
  BOOST_TEST(parse_duration_us("10x").error().message.find("unknown unit 'x'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(timestamps_format_in_utc_and_in_hanoi_time) {
  const int64_t t = 1'764'064'769'123'456;  // 2025-11-25T09:59:29.123456Z
  BOOST_TEST(format_rfc3339_utc(t) == "2025-11-25T09:59:29.123456Z");
  BOOST_TEST(format_local_short(t) == "25/11/2025 16:59");
  BOOST_TEST(format_rfc3339_utc(-1) == "1969-12-31T23:59:59.999999Z");
}
