#include "connectors/alert_json.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "store/incident_codec.h"

using namespace wardsoc;

namespace {
OutboxEntry golden_entry() {
  OutboxEntry e;
  e.seq = 7;
  e.kind = IncidentChange::Kind::kUpdated;
  e.enqueued_us = 1764064801000000;
  Incident& in = e.incident;
  in.id = "3f2a9c0b1d4e5f60";
  in.rule_id = "ssh.bruteforce";
  in.rule_version = "a1b2c3d4";
  in.title = "Đăng nhập SSH thất bại: user \"root\" \\ C:\\path\nline two";
  in.title_vi = "Dò mật khẩu SSH";
  in.severity = Severity::kHigh;
  in.level = 10;
  in.tags = {"ssh", "xác thực"};
  in.status = IncidentStatus::kAcknowledged;
  in.group_key = "10.0.0.5";
  in.count = 5;
  in.window_start_us = 1764064500000000;
  in.first_seen_us = 1764064769123456;
  in.last_seen_us = 1764064800000000;
  in.asset = "cam-07";
  in.site = "Nhà văn hóa tổ 3";
  in.asset_class = AssetClass::kCamera;
  in.host = "cam07.local";
  in.input = "syslog-tls";
  in.fields = {{"user", "root"}, {"msg", "tab\there"}};
  in.evidence_count = 5;
  in.updated_us = 1764064801000000;
  return e;
}
}  // namespace

BOOST_AUTO_TEST_CASE(alert_document_matches_the_golden_line) {
  const std::string expected =
      R"json({"schema":"wardsoc.alert/1","action":"updated","id":"3f2a9c0b1d4e5f60",)json"
      R"json("rule":{"id":"ssh.bruteforce","version":"a1b2c3d4"},)json"
      R"json("title":"Đăng nhập SSH thất bại: user \"root\" \\ C:\\path\nline two",)json"
      R"json("title_vi":"Dò mật khẩu SSH",)json"
      R"json("severity":"high","level":10,"tags":["ssh","xác thực"],"status":"acknowledged",)json"
      R"json("group_key":"10.0.0.5","count":5,"first_seen":"2025-11-25T09:59:29.123456Z",)json"
      R"json("last_seen":"2025-11-25T10:00:00.000000Z","window_start":"2025-11-25T09:55:00.000000Z",)json"
      R"json("source":{"asset":"cam-07","site":"Nhà văn hóa tổ 3","class":"camera","host":"cam07.local",)json"
      R"json("input":"syslog-tls"},"fields":{"msg":"tab\there","user":"root"},"evidence_count":5})json";
  BOOST_TEST(render_alert_json(golden_entry()) == expected);
}

BOOST_AUTO_TEST_CASE(alert_document_round_trips_as_valid_utf8_json_on_one_line) {
  const OutboxEntry e = golden_entry();
  const std::string line = render_alert_json(e);
  BOOST_TEST(line.find('\n') == std::string::npos);
  BOOST_TEST(is_valid_utf8(line));
  const auto j = nlohmann::json::parse(line);
  BOOST_TEST(j["title"].get<std::string>() == e.incident.title);
  BOOST_TEST(j["source"]["site"].get<std::string>() == "Nhà văn hóa tổ 3");
  BOOST_TEST(j["tags"][1].get<std::string>() == "xác thực");
  BOOST_TEST(j["fields"]["msg"].get<std::string>() == "tab\there");
  BOOST_TEST(j["count"].get<uint64_t>() == 5u);
  BOOST_TEST(j["action"].get<std::string>() == "updated");
}

BOOST_AUTO_TEST_CASE(created_action_and_empty_collections_render) {
  OutboxEntry e;
  e.kind = IncidentChange::Kind::kCreated;
  e.incident.id = "0000000000000001";
  const auto j = nlohmann::json::parse(render_alert_json(e));
  BOOST_TEST(j["action"].get<std::string>() == "created");
  BOOST_TEST(j["tags"].is_array());
  BOOST_TEST(j["tags"].empty());
  BOOST_TEST(j["fields"].is_object());
  BOOST_TEST(j["source"]["class"].get<std::string>() == "other");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters_not_broken_json) {
  OutboxEntry e = golden_entry();
  e.incident.fields["user"] = "ro\xffot";
  const std::string line = render_alert_json(e);
  BOOST_TEST(is_valid_utf8(line));
  const auto j = nlohmann::json::parse(line);
  BOOST_TEST(j["fields"]["user"].get<std::string>() == "ro\xef\xbf\xbdot");
}
