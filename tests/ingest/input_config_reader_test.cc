// The `inputs:` reader: the common keys read once, each type's own keys by the reader in
// its folder, chosen by the table in input_config_reader.cc.
#include "ingest/input_config_reader.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace wardsoc;
using namespace std::chrono_literals;

namespace {
std::vector<InputConfig> read_inputs(const std::string& yaml, std::string* errors) {
  YamlReader r("t.yaml");
  const YAML::Node root = r.parse(yaml);
  std::vector<InputConfig> out;
  const YAML::Node list = root["inputs"];
  for (size_t i = 0; i < list.size(); ++i) {
    if (auto c = read_input_config(r, list[i], index_path("inputs", i), static_cast<uint16_t>(i),
                                   "Asia/Ho_Chi_Minh")) {
      out.push_back(*c);
    }
  }
  for (const auto& e : r.errors()) *errors += e + "\n";
  return out;
}

void expect_error(const std::string& errors, const std::string& expected) {
  BOOST_TEST(errors.find(expected) != std::string::npos, "missing '" << expected << "' in:\n"
                                                                     << errors);
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_input_type_reads_its_keys_and_the_common_ones) {
  std::string errors;
  const auto inputs = read_inputs(R"(
inputs:
  - {name: udp, type: syslog_udp, port: 5514, receive_buffer_bytes: 65536, class: lan}
  - {name: tcp, type: syslog_tcp, port: 5515, max_connections: 7, idle_timeout: 90s}
  - name: tls
    type: syslog_tls
    zone: UTC
    tls: {cert_file: /c.pem, key_file: /k.pem, handshake_timeout: 3s}
  - {name: bus, type: kafka, brokers: "b1:9092", topics: [cam, {name: wifi, class: wifi}]}
  - {name: logs, type: file, paths: [/var/log/a.log], poll_interval: 100ms}
  - {name: hooks, type: http, port: 0, tokens: [0123456789abcdef0123], max_depth: 8}
)",
                                  &errors);
  BOOST_TEST_REQUIRE(errors.empty(), errors);
  BOOST_REQUIRE_EQUAL(inputs.size(), 6u);
  const std::vector<std::string> types = {"syslog_udp", "syslog_tcp", "syslog_tls",
                                          "kafka",      "file",       "http"};
  for (size_t i = 0; i < inputs.size(); ++i) {
    BOOST_TEST(input_type_name(inputs[i]) == types[i]);
    BOOST_TEST(input_common(inputs[i]).index == i);
  }
  BOOST_TEST((std::get<SyslogUdpConfig>(inputs[0]).common.asset_class == AssetClass::kLan));
  BOOST_TEST(std::get<SyslogTcpConfig>(inputs[1]).max_connections == 7u);
  BOOST_TEST(std::get<SyslogTcpConfig>(inputs[1]).idle_timeout.count() == 90);
  const auto& tls = std::get<SyslogTlsConfig>(inputs[2]);
  BOOST_TEST(tls.common.zone == "UTC");
  BOOST_TEST(tls.tls.handshake_timeout.count() == 3);
  BOOST_TEST(input_common(inputs[1]).zone == "Asia/Ho_Chi_Minh");
  const auto& kafka = std::get<KafkaInputConfig>(inputs[3]);
  BOOST_REQUIRE_EQUAL(kafka.topics.size(), 2u);
  BOOST_TEST((kafka.topics[1].asset_class == AssetClass::kWifi));
  const auto& file = std::get<FileInputConfig>(inputs[4]);
  BOOST_TEST(file.follow);  // a config file's file input tails
  BOOST_TEST(file.poll_interval.count() == 100);
  const auto& http = std::get<HttpInputConfig>(inputs[5]);
  BOOST_TEST((http.common.format == BodyFormat::kJson));  // the HTTP input's default
  BOOST_TEST(http.max_depth == 8u);
}

BOOST_AUTO_TEST_CASE(connection_limits_and_timeouts_have_safe_defaults_and_are_read) {
  std::string errors;
  const auto inputs = read_inputs(R"(
inputs:
  - {name: tcp, type: syslog_tcp}
  - {name: tcp2, type: syslog_tcp, idle_timeout: 0, max_connections_per_source: 3,
     evict_idle_after: 250ms}
  - {name: hooks, type: http, tokens: [0123456789abcdef0123]}
  - {name: hooks2, type: http, tokens: [0123456789abcdef0123], header_timeout: 4s,
     body_timeout: 1m, idle_timeout: 20s, max_connections_per_source: 0}
)",
                                  &errors);
  BOOST_TEST_REQUIRE(errors.empty(), errors);
  const auto& tcp = std::get<SyslogTcpConfig>(inputs[0]);
  BOOST_TEST(tcp.idle_timeout.count() == 300);  // on by default: 5 minutes
  BOOST_TEST(tcp.max_connections_per_source == 64u);
  BOOST_TEST(tcp.evict_idle_after.count() == 1000);
  const auto& tcp2 = std::get<SyslogTcpConfig>(inputs[1]);
  BOOST_TEST(tcp2.idle_timeout.count() == 0);  // never, said explicitly
  BOOST_TEST(tcp2.max_connections_per_source == 3u);
  BOOST_TEST(tcp2.evict_idle_after.count() == 250);
  const auto& http = std::get<HttpInputConfig>(inputs[2]);
  BOOST_TEST(http.header_timeout.count() == 10);
  BOOST_TEST(http.body_timeout.count() == 30);
  BOOST_TEST(http.idle_timeout.count() == 60);
  BOOST_TEST(http.max_connections_per_source == 32u);
  const auto& http2 = std::get<HttpInputConfig>(inputs[3]);
  BOOST_TEST(http2.header_timeout.count() == 4);
  BOOST_TEST(http2.body_timeout.count() == 60);
  BOOST_TEST(http2.idle_timeout.count() == 20);
  BOOST_TEST(http2.max_connections_per_source == 0u);

  read_inputs(R"(
inputs:
  - {name: hooks, type: http, tokens: [0123456789abcdef0123], header_timeout: 100ms}
  - {name: hooks2, type: http, tokens: [0123456789abcdef0123], body_timeout: 500ms}
)",
              &errors);
  expect_error(errors, "inputs[0].header_timeout: must be at least 1s");
  expect_error(errors, "inputs[1].body_timeout: must be at least 1s");
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_types_name_what_is_known) {
  std::string errors;
  read_inputs(R"(
inputs:
  - {name: tcp, type: syslog_tcp, tokens: [x]}
  - {name: what, type: snmp}
)",
              &errors);
  expect_error(errors,
               "inputs[0].tokens: unknown key (known keys: name, type, class, zone, "
               "max_line_bytes, batch_events, flush_interval, format, max_clock_skew, "
               "address, port, max_connections, max_connections_per_source, evict_idle_after, "
               "idle_timeout)");
  expect_error(errors,
               "inputs[1].type: unknown input type 'snmp' (expected syslog_udp, "
               "syslog_tcp, syslog_tls, kafka, file or http)");
}
