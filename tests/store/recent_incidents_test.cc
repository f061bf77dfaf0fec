#include "store/recent_incidents.h"

#include <boost/test/unit_test.hpp>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {
Incident numbered(int n) { return make_incident("r", "g" + std::to_string(n), 5'000'000 + n); }
}  // namespace

BOOST_AUTO_TEST_CASE(take_hands_out_an_incident_once) {
  RecentIncidents recent(8);
  Incident in = numbered(1);
  in.count = 7;
  recent.put(in);
  auto got = recent.take(in.id);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->count == 7u);
  BOOST_TEST(!recent.take(in.id).has_value());
}

BOOST_AUTO_TEST_CASE(put_replaces_and_erase_forgets) {
  RecentIncidents recent(8);
  Incident in = numbered(1);
  recent.put(in);
  in.count = 9;
  recent.put(in);
  BOOST_TEST(recent.size() == 1u);
  BOOST_TEST(recent.take(in.id)->count == 9u);
  recent.put(in);
  recent.erase(in.id);
  BOOST_TEST(!recent.take(in.id).has_value());
}

BOOST_AUTO_TEST_CASE(stays_within_capacity_and_keeps_the_newest) {
  RecentIncidents recent(8);
  for (int n = 0; n < 100; ++n) recent.put(numbered(n));
  BOOST_TEST(recent.size() <= 8u);
  BOOST_TEST(recent.take(numbered(99).id).has_value());
  BOOST_TEST(recent.take(numbered(98).id).has_value());
  BOOST_TEST(!recent.take(numbered(0).id).has_value());
}

BOOST_AUTO_TEST_CASE(an_incident_used_again_survives_a_generation_change) {
  RecentIncidents recent(8);  // generations of 4
  recent.put(numbered(0));
  for (int n = 1; n < 8; ++n) {
    // Used on every round, as a busy incident is: taken and put back by each commit.
    recent.put(*recent.take(numbered(0).id));
    recent.put(numbered(n));
  }
  BOOST_TEST(recent.take(numbered(0).id).has_value());
}
