#include "connectors/sink_config_reader.h"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "tests/store/store_test_util.h"

using namespace wardsoc;

namespace {
// Reads every entry of a `sinks:` list; returns the configs, or the errors as one string.
std::vector<SinkConfig> read_sinks(const std::string& yaml, std::string* errors = nullptr) {
  YamlReader r("t.yaml");
  const YAML::Node root = r.parse(yaml);
  std::vector<SinkConfig> out;
  const YAML::Node list = root["sinks"];
  for (size_t i = 0; i < list.size(); ++i) {
    if (auto c = read_sink_config(r, list[i], index_path("sinks", i))) out.push_back(*c);
  }
  if (errors) {
    for (const auto& e : r.errors()) *errors += e + "\n";
  } else {
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
  }
  return out;
}

void expect_error(const std::string& errors, const std::string& expected) {
  BOOST_TEST(errors.find(expected) != std::string::npos, "missing '" << expected << "' in:\n"
                                                                     << errors);
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_sink_type_reads_its_keys_and_the_common_ones) {
  const auto sinks = read_sinks(R"(
sinks:
  - name: audit
    type: file
    path: /var/log/wardsoc/alerts.cef
    format: cef
  - name: city-kafka
    type: kafka
    brokers: [k1.soc.hanoi:9093, k2.soc.hanoi:9093]
    topic: ward-alerts
    compression: zstd
    message_timeout: 45s
    properties: {security.protocol: SASL_SSL, sasl.mechanism: SCRAM-SHA-512}
    filter: {min_severity: medium, classes: [camera, wifi], tags: [attack.t1110]}
    batch: 500
    update_interval: 5m
    retry: {initial_backoff: 1s, max_backoff: 5m}
    outbox: {max_entries: 200000, when_full: block}
  - name: city-syslog
    type: syslog
    host: siem.soc.hanoi
    tls: {ca_file: /etc/wardsoc/soc-ca.pem, cert_file: /etc/wardsoc/me.pem,
          key_file: /etc/wardsoc/me.key}
    facility: auth
    hostname: phuong-hong-ha
    confirm_delay: 0
    update_interval: 0
  - name: city-hook
    type: webhook
    url: https://soc.hanoi.gov.vn/api/alerts
    body: ndjson
    batch: 50
    format: ocsf
    bearer_token: s3cret
    hmac_secret: k3y
    headers: {X-Ward: hong-ha}
    timeout: 20s
)");
  BOOST_TEST_REQUIRE(sinks.size() == 4u);

  const auto& file = std::get<FileSinkConfig>(sinks[0]);
  BOOST_TEST(file.common.name == "audit");
  BOOST_TEST((file.common.format == AlertFormat::kCef));
  BOOST_TEST(file.fsync);
  BOOST_TEST(file.common.update_interval.count() == 60000);  // the default: a minute

  const auto& kafka = std::get<KafkaSinkConfig>(sinks[1]);
  BOOST_TEST(kafka.brokers == "k1.soc.hanoi:9093,k2.soc.hanoi:9093");
  BOOST_TEST(kafka.topic == "ward-alerts");
  BOOST_TEST(kafka.compression == "zstd");
  BOOST_TEST(kafka.message_timeout.count() == 45000);
  BOOST_TEST(kafka.properties.at("security.protocol") == "SASL_SSL");
  BOOST_TEST((kafka.common.format == AlertFormat::kEcs));  // the Kafka default
  BOOST_TEST((*kafka.common.filter.min_severity == Severity::kMedium));
  BOOST_TEST(kafka.common.filter.classes.size() == 2u);
  BOOST_TEST(kafka.common.filter.tags == std::vector<std::string>{"attack.t1110"});
  BOOST_TEST(kafka.common.batch == 500u);
  BOOST_TEST(kafka.common.initial_backoff.count() == 1000);
  BOOST_TEST(kafka.common.max_backoff.count() == 300000);
  BOOST_TEST(kafka.common.update_interval.count() == 300000);
  BOOST_TEST(kafka.common.outbox.max_entries == 200000u);
  BOOST_TEST(kafka.common.outbox.warn_entries == 160000u);  // 80% unless given
  BOOST_TEST((kafka.common.outbox.when_full == OutboxFullPolicy::kBlock));

  const auto& syslog = std::get<SyslogSinkConfig>(sinks[2]);
  BOOST_TEST(syslog.host == "siem.soc.hanoi");
  BOOST_TEST(syslog.port == 6514);
  BOOST_TEST((syslog.transport == SyslogTransport::kTls));
  BOOST_TEST(syslog.tls.verify);
  BOOST_TEST(syslog.tls.ca_file == "/etc/wardsoc/soc-ca.pem");
  BOOST_TEST(syslog.facility == 4);
  BOOST_TEST((syslog.common.format == AlertFormat::kCef));
  BOOST_TEST(syslog.confirm_delay.count() == 0);
  BOOST_TEST(syslog.common.update_interval.count() == 0);  // every change

  const auto& hook = std::get<WebhookSinkConfig>(sinks[3]);
  BOOST_TEST((hook.body == WebhookBody::kNdjson));
  BOOST_TEST(hook.common.batch == 50u);
  BOOST_TEST(hook.bearer_token == "s3cret");
  BOOST_TEST(hook.hmac_secret == "k3y");
  BOOST_TEST(hook.headers.at("X-Ward") == "hong-ha");
  BOOST_TEST(hook.timeout.count() == 20000);
  BOOST_TEST(hook.tls.verify);
  BOOST_TEST(sink_destination(sinks[1]) ==
             "kafka://k1.soc.hanoi:9093,k2.soc.hanoi:9093/ward-alerts");
  BOOST_TEST(sink_type_name(sinks[2]) == "syslog");
}

BOOST_AUTO_TEST_CASE(secrets_are_read_from_files_without_the_trailing_newline) {
  wardsoc::testing::TempDir dir("sink-config");
  const std::string token = dir.str("token");
  std::ofstream(token) << "tok-123\n";
  const auto sinks = read_sinks(
      "sinks:\n  - {name: h, type: webhook, url: 'https://x/y',\n"
      "     bearer_token_file: " +
      token + "}\n");
  BOOST_TEST(std::get<WebhookSinkConfig>(sinks.at(0)).bearer_token == "tok-123");
}

BOOST_AUTO_TEST_CASE(mistakes_are_reported_with_line_column_and_key) {
  std::string e;
  read_sinks(R"(sinks:
  - name: k
    type: kafka
    topic: t
    properties: {acks: "1", enable.idempotence: "false"}
    compression: brotli
  - name: s
    type: syslog
    host: h
    transport: udp
    facility: local9
    colour: red
  - name: w
    type: webhook
    url: http://soc.example/hook
    body: xml
    filter: {min_severity: urgent, classes: [printer]}
    bearer_token: a
    bearer_token_file: /nonexistent
  - name: f
    type: file
    path: /tmp/x
    outbox: {max_entries: 100, warn_entries: 200, when_full: drop}
    format: leef
  - name: q
    type: carrier_pigeon
  - name: p
    type: file
    path: /tmp/y
    update_interval: soon
)",
             &e);
  expect_error(e, "t.yaml:2:5: sinks[0].brokers: missing (required)");
  expect_error(e, "t.yaml:5:24: sinks[0].properties.acks: cannot be set here");
  expect_error(e, "sinks[0].properties.enable.idempotence: cannot be set here");
  expect_error(e, "t.yaml:6:18: sinks[0].compression: unknown codec 'brotli'");
  expect_error(e, "t.yaml:10:16: sinks[1].transport: unknown transport 'udp'");
  expect_error(e, "t.yaml:11:15: sinks[1].facility: unknown facility 'local9'");
  expect_error(e, "t.yaml:12:5: sinks[1].colour: unknown key");
  expect_error(e, "t.yaml:15:10: sinks[2].url: plain http://");
  expect_error(e, "t.yaml:16:11: sinks[2].body: unknown body 'xml'");
  expect_error(e, "sinks[2].filter.min_severity: unknown severity 'urgent'");
  expect_error(e, "sinks[2].filter.classes: unknown class 'printer'");
  expect_error(e, "sinks[2].bearer_token_file: give either bearer_token or bearer_token_file");
  expect_error(e, "sinks[3].outbox.warn_entries: is above max_entries");
  expect_error(e, "sinks[3].outbox.when_full: unknown policy 'drop'");
  expect_error(e, "sinks[3].format: unknown format 'leef' (expected wardsoc, ecs, ocsf or cef)");
  expect_error(e,
               "t.yaml:26:11: sinks[4].type: unknown sink type 'carrier_pigeon' (expected "
               "file, kafka, syslog, webhook)");
  expect_error(e, "t.yaml:30:22: sinks[5].update_interval: invalid duration 'soon'");
}
