#include "ingest/json_event.h"

#include <cctz/civil_time.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace wardsoc;

namespace {

int64_t utc_us(int y, int mo, int d, int h, int mi, int s) {
  const auto tp = cctz::convert(cctz::civil_second(y, mo, d, h, mi, s), cctz::utc_time_zone());
  return tp.time_since_epoch().count() * 1'000'000;
}

const SyslogParseOptions kUtc{nullptr, 0};

}  // namespace

BOOST_AUTO_TEST_CASE(well_known_fields_are_found_under_their_common_names) {
  JsonEventParser p;
  BodyFields f;
  BOOST_TEST_REQUIRE((p.parse(R"({"@timestamp":"2024-05-01T10:00:00+07:00","host":{"name":"cam-01"},
    "program":"vms","pid":42,"message":"Motion \"zone 1\"","extra":[1,2,3]})",
                              kUtc, &f) == JsonEventParser::Outcome::kOk));
  BOOST_TEST(f.host == "cam-01");
  BOOST_TEST(f.app == "vms");
  BOOST_TEST(f.procid == "42");
  BOOST_TEST(f.message == "Motion \"zone 1\"");  // unescaped
  BOOST_TEST(f.has_timestamp);
  BOOST_TEST(f.timestamp_has_zone);
  BOOST_TEST(f.timestamp_us == utc_us(2024, 5, 1, 3, 0, 0));
}

BOOST_AUTO_TEST_CASE(epoch_numbers_in_seconds_millis_micros_or_nanos) {
  JsonEventParser p;
  BodyFields f;
  const int64_t expected = utc_us(2024, 5, 1, 3, 0, 0);
  for (const std::string& ts :
       {std::string("1714532400"), std::string("1714532400000"), std::string("1714532400000000"),
        std::string("1714532400000000000"), std::string("1714532400.0")}) {
    BOOST_TEST_REQUIRE(
        (p.parse("{\"ts\":" + ts + ",\"msg\":\"x\"}", kUtc, &f) == JsonEventParser::Outcome::kOk));
    BOOST_TEST(f.timestamp_us == expected, ts);
  }
}

BOOST_AUTO_TEST_CASE(the_first_name_in_priority_order_wins) {
  JsonEventParser p;
  BodyFields f;
  BOOST_TEST_REQUIRE((p.parse(R"({"msg":"second","message":"first","hostname":"b","host":"a"})",
                              kUtc, &f) == JsonEventParser::Outcome::kOk));
  BOOST_TEST(f.message == "first");
  BOOST_TEST(f.host == "a");
}

BOOST_AUTO_TEST_CASE(malformed_too_deep_and_non_objects_are_told_apart) {
  JsonEventParser p(64);
  BodyFields f;
  BOOST_TEST((p.parse(R"({"a":)", kUtc, &f) == JsonEventParser::Outcome::kMalformed));
  BOOST_TEST(!p.error().empty());
  BOOST_TEST((p.parse("[1,2]", kUtc, &f) == JsonEventParser::Outcome::kNotObject));
  BOOST_TEST((p.parse(std::string(1000, '[') + std::string(1000, ']'), kUtc, &f) ==
              JsonEventParser::Outcome::kTooDeep));
  BOOST_TEST((p.parse(std::string(1000, '{'), kUtc, &f) != JsonEventParser::Outcome::kOk));
  BOOST_TEST((p.parse("\xff\xfe{}", kUtc, &f) == JsonEventParser::Outcome::kMalformed));
  BOOST_TEST(
      (p.parse(R"({"ok":true})", kUtc, &f) == JsonEventParser::Outcome::kOk));  // usable after
}

BOOST_AUTO_TEST_CASE(an_array_body_gives_one_event_per_object) {
  JsonEventParser p;
  std::vector<std::string> raws;
  std::vector<std::string> messages;
  size_t skipped = 0;
  const auto o = p.parse_events(R"([{"msg":"a"}, 7, {"msg" : "b", "n": [1, 2]}])", kUtc,
                                [&](std::string_view raw, const BodyFields& f) {
                                  raws.emplace_back(raw);
                                  messages.emplace_back(f.message);
                                },
                                &skipped);
  BOOST_TEST_REQUIRE((o == JsonEventParser::Outcome::kOk));
  BOOST_TEST(skipped == 1u);
  BOOST_TEST(messages == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(raws[1] == R"({"msg":"b","n":[1,2]})");

  raws.clear();
  BOOST_TEST_REQUIRE((p.parse_events(
                          "  {\"msg\": \"one\"}\n", kUtc,
                          [&](std::string_view raw, const BodyFields&) { raws.emplace_back(raw); },
                          &skipped) == JsonEventParser::Outcome::kOk));
  BOOST_TEST(raws == (std::vector<std::string>{"{\"msg\": \"one\"}"}),
             boost::test_tools::per_element());
}
