#include "connectors/format/ecs.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "store/incident_codec.h"
#include "tests/connectors/golden_alerts.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using Json = nlohmann::ordered_json;

BOOST_AUTO_TEST_CASE(ecs_documents_match_the_golden_file) {
  const auto alerts = golden_alerts();
  const auto originals = golden_originals();
  Json all = Json::array();
  for (size_t i = 0; i < alerts.size(); ++i) {
    const std::string line = render_ecs(AlertInput{alerts[i], originals[i]}, golden_options());
    BOOST_TEST(line.find('\n') == std::string::npos);
    BOOST_TEST(is_valid_utf8(line));
    all.push_back(Json::parse(line));
  }
  check_golden("alerts.ecs.json", all.dump(2, ' ', false) + "\n");
}

BOOST_AUTO_TEST_CASE(ecs_maps_the_alert_to_the_fields_a_siem_expects) {
  const auto alerts = golden_alerts();
  const Incident& in = alerts[0].incident;
  const auto j = Json::parse(render_ecs(AlertInput{alerts[0], golden_originals()[0]}, {}));
  BOOST_TEST(j["event"]["kind"] == "alert");
  BOOST_TEST(j["event"]["id"] == in.id);
  BOOST_TEST(j["event"]["action"] == "updated");
  BOOST_TEST(j["event"]["severity"] == 73);
  BOOST_TEST(j["event"]["original"] == golden_originals()[0]);
  BOOST_TEST(j["rule"]["id"] == in.rule_id);
  BOOST_TEST(j["rule"]["name"] == in.title);
  BOOST_TEST(j["source"]["ip"] == "203.0.113.7");
  BOOST_TEST(j["source"]["port"] == 52110);
  BOOST_TEST(j["user"]["name"] == "ro=ot|\\x");
  BOOST_TEST(j["host"]["name"] == "cam07.local");
  BOOST_TEST(j["observer"]["name"] == in.asset);
  BOOST_TEST(j["observer"]["type"] == "camera");
  BOOST_TEST(j["observer"]["geo"]["name"] == in.site);
  BOOST_TEST(j["threat"]["technique"]["id"][0] == "T1110.001");
  BOOST_TEST(j["threat"]["tactic"]["id"][0] == "TA0006");
  BOOST_TEST(j["wardsoc"]["incident"]["title_vi"] == in.title_vi);
  BOOST_TEST(j["wardsoc"]["fields"]["method"] == "password\nkeyboard");
}

BOOST_AUTO_TEST_CASE(ecs_keeps_a_host_name_source_out_of_source_ip) {
  const auto alerts = golden_alerts();
  const auto j = Json::parse(render_ecs(AlertInput{alerts[2], ""}, {}));
  BOOST_TEST(!j["source"].contains("ip"));
  BOOST_TEST(j["source"]["domain"] == "ketoan-pc.phuong.local");
  BOOST_TEST(!j["event"].contains("original"));
  BOOST_TEST(!j.contains("threat"));
  // Bytes that are not UTF-8 are replaced, so the document stays valid JSON.
  BOOST_TEST(j["message"] == "sudo failures on \xEF\xBF\xBDserver");
}
