#include "core/incident.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(incident_id_is_deterministic_and_depends_on_every_part) {
  const std::string a = make_incident_id("ssh.bruteforce", "10.0.0.5", 1000);
  BOOST_TEST(a.size() == 16u);
  BOOST_TEST(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(a == make_incident_id("ssh.bruteforce", "10.0.0.5", 1000));
  BOOST_TEST(a != make_incident_id("ssh.bruteforce", "10.0.0.6", 1000));
  BOOST_TEST(a != make_incident_id("ssh.bruteforce", "10.0.0.5", 1001));
  BOOST_TEST(a != make_incident_id("ssh.invalid_user", "10.0.0.5", 1000));
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  BOOST_TEST(make_incident_id("ab", "c", 0) != make_incident_id("a", "bc", 0));
}

BOOST_AUTO_TEST_CASE(names_round_trip) {
  for (int i = 0; i <= static_cast<int>(Severity::kCritical); ++i) {
    Severity s;
    BOOST_TEST(parse_severity(severity_name(static_cast<Severity>(i)), &s));
    BOOST_TEST(static_cast<int>(s) == i);
  }
  for (int i = 0; i <= static_cast<int>(IncidentStatus::kFalsePositive); ++i) {
    IncidentStatus s;
    BOOST_TEST(parse_status(status_name(static_cast<IncidentStatus>(i)), &s));
    BOOST_TEST(static_cast<int>(s) == i);
  }
  Severity s;
  BOOST_TEST(!parse_severity("severe", &s));
  AssetClass c;
  BOOST_TEST(parse_asset_class("camera", &c));
  BOOST_TEST((c == AssetClass::kCamera));
  BOOST_TEST(!parse_asset_class("printer", &c));
}
