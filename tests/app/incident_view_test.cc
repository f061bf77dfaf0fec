// The HTTP API and the SOC alert document show an incident through one view: every key of
// that view appears in both, with the same value.
#include "core/incident_view.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "app/api/incident_json.h"
#include "connectors/alert_json.h"

namespace wardsoc {
namespace {

Incident sample_incident() {
  Incident in;
  in.id = make_incident_id("ssh.auth_failure_burst", "203.0.113.7", 1'764'000'000'000'000);
  in.rule_id = "ssh.auth_failure_burst";
  in.rule_version = "0123456789abcdef";
  in.title = "SSH brute-force login";
  in.title_vi = "Dò mật khẩu SSH";
  in.severity = Severity::kHigh;
  in.level = 10;
  in.tags = {"attack.t1110"};
  in.group_key = "203.0.113.7";
  in.window_start_us = 1'764'000'000'000'000;
  in.first_seen_us = 1'764'000'001'000'000;
  in.last_seen_us = 1'764'000'060'000'000;
  in.count = 7;
  in.status = IncidentStatus::kAcknowledged;
  in.asset = "gw";
  in.site = "Nhà văn hóa tổ 3";
  in.asset_class = AssetClass::kWifi;
  in.host = "gw";
  in.input = "syslog-tcp";
  in.fields = {{"src_ip", "203.0.113.7"}, {"user", "<img src=x onerror=alert(1)>"}};
  in.evidence_count = 5;
  in.updated_us = 1'764'000'061'000'000;
  return in;
}

BOOST_AUTO_TEST_CASE(api_and_alert_show_every_view_key_with_the_same_value) {
  const Incident in = sample_incident();
  const nlohmann::json api = incident_to_json(in);
  const nlohmann::json alert = nlohmann::json::parse(render_alert_json(OutboxEntry{
      .seq = 1, .kind = IncidentChange::Kind::kUpdated, .incident = in, .enqueued_us = 0}));

  nlohmann::ordered_json view = nlohmann::ordered_json::object();
  put_incident_view(in, view);
  BOOST_REQUIRE_EQUAL(view.size(), kIncidentViewKeys.size());
  size_t i = 0;
  for (const auto& [key, value] : view.items()) {
    BOOST_TEST_CONTEXT("key " << key) {
      BOOST_TEST(key == kIncidentViewKeys[i++]);
      BOOST_REQUIRE(api.contains(key));
      BOOST_REQUIRE(alert.contains(key));
      BOOST_TEST(api[key] == alert[key]);
      BOOST_TEST(api[key].dump() == nlohmann::json::parse(value.dump()).dump());
    }
  }
  BOOST_TEST(api["source"]["site"] == "Nhà văn hóa tổ 3");
  BOOST_TEST(api["fields"]["user"] == "<img src=x onerror=alert(1)>");
}

BOOST_AUTO_TEST_CASE(each_document_adds_only_its_own_keys_to_the_view) {
  const Incident in = sample_incident();
  const nlohmann::json api = incident_to_json(in);
  const nlohmann::json alert =
      nlohmann::json::parse(render_alert_json(OutboxEntry{.seq = 1, .incident = in}));
  auto extra = [](const nlohmann::json& doc) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : doc.items()) {
      if (std::find(kIncidentViewKeys.begin(), kIncidentViewKeys.end(), key) ==
          kIncidentViewKeys.end()) {
        keys.push_back(key);
      }
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  const std::vector<std::string> api_extra{"evidence_omitted", "first_seen_us", "last_seen_us",
                                           "updated"};
  const std::vector<std::string> alert_extra{"action", "schema"};
  BOOST_TEST(extra(api) == api_extra, boost::test_tools::per_element());
  BOOST_TEST(extra(alert) == alert_extra, boost::test_tools::per_element());
  BOOST_TEST(api["evidence_omitted"] == 2);
  BOOST_TEST(alert["action"] == "created");
}

}  // namespace
}  // namespace wardsoc
