#include "connectors/format/ocsf.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "store/incident_codec.h"
#include "tests/connectors/golden_alerts.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using Json = nlohmann::ordered_json;

BOOST_AUTO_TEST_CASE(ocsf_findings_match_the_golden_file) {
  const auto alerts = golden_alerts();
  const auto originals = golden_originals();
  Json all = Json::array();
  for (size_t i = 0; i < alerts.size(); ++i) {
    const std::string line = render_ocsf(AlertInput{alerts[i], originals[i]}, golden_options());
    BOOST_TEST(line.find('\n') == std::string::npos);
    BOOST_TEST(is_valid_utf8(line));
    all.push_back(Json::parse(line));
  }
  check_golden("alerts.ocsf.json", all.dump(2, ' ', false) + "\n");
}

BOOST_AUTO_TEST_CASE(ocsf_activity_follows_the_incident_lifecycle) {
  OutboxEntry e;
  e.incident.id = "0000000000000001";
  struct Case {
    IncidentChange::Kind kind;
    IncidentStatus status;
    int activity;
    const char* name;
    int status_id;
  };
  const Case cases[] = {
      {IncidentChange::Kind::kCreated, IncidentStatus::kNew, 1, "Create", 1},
      {IncidentChange::Kind::kUpdated, IncidentStatus::kNew, 2, "Update", 1},
      {IncidentChange::Kind::kUpdated, IncidentStatus::kAcknowledged, 2, "Update", 2},
      {IncidentChange::Kind::kUpdated, IncidentStatus::kInProgress, 2, "Update", 2},
      {IncidentChange::Kind::kUpdated, IncidentStatus::kResolved, 3, "Close", 4},
      {IncidentChange::Kind::kUpdated, IncidentStatus::kFalsePositive, 3, "Close", 3},
  };
  for (const auto& c : cases) {
    e.kind = c.kind;
    e.incident.status = c.status;
    const auto j = Json::parse(render_ocsf(AlertInput{e, ""}, {}));
    BOOST_TEST(j["class_uid"] == 2004);
    BOOST_TEST(j["category_uid"] == 2);
    BOOST_TEST(j["activity_id"] == c.activity);
    BOOST_TEST(j["activity_name"] == c.name);
    BOOST_TEST(j["type_uid"] == 200400 + c.activity);
    BOOST_TEST(j["status_id"] == c.status_id);
    BOOST_TEST(j["finding_info"]["uid"] == e.incident.id);  // the same in every activity
  }
}

BOOST_AUTO_TEST_CASE(ocsf_carries_source_user_device_and_attack) {
  const auto alerts = golden_alerts();
  const Incident& in = alerts[0].incident;
  const auto j = Json::parse(render_ocsf(AlertInput{alerts[0], golden_originals()[0]}, {}));
  BOOST_TEST(j["severity_id"] == 4);
  BOOST_TEST(j["severity"] == "High");
  BOOST_TEST(j["finding_info"]["analytic"]["uid"] == in.rule_id);
  BOOST_TEST(j["finding_info"]["desc"] == in.title_vi);
  BOOST_TEST(j["finding_info"]["attacks"][0]["technique"]["uid"] == "T1110.001");
  BOOST_TEST(j["finding_info"]["attacks"][0]["tactic"]["uid"] == "TA0006");
  BOOST_TEST(j["evidences"][0]["src_endpoint"]["ip"] == "203.0.113.7");
  BOOST_TEST(j["evidences"][0]["actor"]["user"]["name"] == "ro=ot|\\x");
  BOOST_TEST(j["device"]["hostname"] == "cam07.local");
  BOOST_TEST(j["device"]["location"]["desc"] == in.site);
  BOOST_TEST(j["raw_data"] == golden_originals()[0]);
  BOOST_TEST(j["time"] == 1764064801000);
  BOOST_TEST(j["count"] == 5);
}
