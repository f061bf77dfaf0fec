#include "ingest/kv_parser.h"

#include <cctz/civil_time.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace wardsoc;

namespace {
int64_t utc_us(int y, int mo, int d, int h, int mi, int s) {
  const auto tp = cctz::convert(cctz::civil_second(y, mo, d, h, mi, s), cctz::utc_time_zone());
  return tp.time_since_epoch().count() * 1'000'000;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pairs_with_quoted_and_bare_values) {
  std::vector<std::pair<std::string, std::string>> got;
  for_each_kv(
      R"(date=2024-05-01 devname="FGT \"Phuong\"" action=deny, msg='a b' junk srcip=203.0.113.9)",
      [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
  BOOST_TEST_REQUIRE(got.size() == 5u);
  BOOST_TEST(got[0].first == "date");
  BOOST_TEST(got[1].second == R"(FGT \"Phuong\")");
  BOOST_TEST(got[2].second == "deny");
  BOOST_TEST(got[3].second == "a b");
  BOOST_TEST(got[4].second == "203.0.113.9");
}

BOOST_AUTO_TEST_CASE(fortinet_date_time_and_zone_make_the_timestamp) {
  BodyFields f;
  const SyslogParseOptions opts{nullptr, 0};
  BOOST_TEST(
      kv_fields(R"(date=2024-05-01 time=10:00:00 devname="FGT-Phuong" tz="+0700" type="traffic")",
                opts, &f) == 5u);
  BOOST_TEST(f.host == "FGT-Phuong");
  BOOST_TEST(f.has_timestamp);
  BOOST_TEST(f.timestamp_us == utc_us(2024, 5, 1, 3, 0, 0));
  BOOST_TEST(kv_fields("eventtime=1714532400123456789 logid=1", opts, &f) == 2u);
  BOOST_TEST(f.timestamp_us == utc_us(2024, 5, 1, 3, 0, 0) + 123456);
}

BOOST_AUTO_TEST_CASE(text_with_one_equals_sign_is_not_key_value) {
  BodyFields f;
  BOOST_TEST(kv_fields("Accepted password for root, x=1 more words", SyslogParseOptions{}, &f) ==
             1u);
  BOOST_TEST(f.host.empty());
  BOOST_TEST(!f.has_timestamp);
}

BOOST_AUTO_TEST_CASE(unterminated_quotes_and_odd_bytes_stay_in_bounds) {
  const std::string line = "a=\"unterminated b=\\ c= =d \"\xff\x00=x";
  for (size_t len = 0; len <= line.size(); ++len) {
    const std::string cut = line.substr(0, len);
    for_each_kv(cut, [&](std::string_view k, std::string_view v) {
      // Offsets, not pointers: Boost.Test compares char pointers as strings.
      const auto key_at = k.data() - cut.data();
      const auto value_end = v.data() + v.size() - cut.data();
      BOOST_TEST_REQUIRE(key_at >= 0);
      BOOST_TEST_REQUIRE(value_end <= static_cast<std::ptrdiff_t>(cut.size()));
    });
  }
}
