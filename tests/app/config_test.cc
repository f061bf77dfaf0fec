#include "app/config.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

namespace {
std::string errors_of(std::string_view yaml) {
  auto cfg = parse_config(yaml, "t.yaml");
  BOOST_REQUIRE(!cfg.ok());
  return cfg.error().message;
}
}  // namespace

BOOST_AUTO_TEST_CASE(embedded_default_parses_and_listens_on_loopback_5514) {
  auto cfg = parse_config(embedded_default_config(), "<embedded default>");
  BOOST_REQUIRE_MESSAGE(cfg.ok(), (cfg.ok() ? "" : cfg.error().message));
  BOOST_TEST(cfg->data_dir == "./var");
  BOOST_REQUIRE(cfg->inputs.size() == 2u);
  const auto& udp = std::get<SyslogUdpConfig>(cfg->inputs[0]);
  const auto& tcp = std::get<SyslogTcpConfig>(cfg->inputs[1]);
  BOOST_TEST(udp.address == "127.0.0.1");
  BOOST_TEST(udp.port == 5514);
  BOOST_TEST(tcp.port == 5514);
  BOOST_TEST(tcp.common.index == 1);
  BOOST_REQUIRE(cfg->sinks.size() == 1u);
  BOOST_TEST(std::get<FileSinkConfig>(cfg->sinks[0]).path == "./var/soc-alerts.jsonl");
}

BOOST_AUTO_TEST_CASE(values_are_read_with_their_types) {
  auto cfg = parse_config(R"(
data_dir: /srv/wardsoc
timezone: UTC
rules: /etc/wardsoc/rules
pipeline: {workers: 3, queue_batches: 8, store_sync: false, evidence_cap: 5}
inputs:
  - {name: cams, type: syslog_udp, port: 1514, class: camera, zone: Asia/Bangkok,
     receive_buffer_bytes: 1048576}
  - {name: auth, type: file, paths: [/var/log/auth.log, /var/log/secure],
     flush_interval: 250ms, max_line_bytes: 4096}
sinks:
  - {name: audit, type: file, path: /srv/alerts.jsonl, fsync: false}
store: {min_free_space: 512MiB}
)",
                          "t.yaml");
  BOOST_REQUIRE_MESSAGE(cfg.ok(), (cfg.ok() ? "" : cfg.error().message));
  BOOST_TEST(cfg->workers == 3u);
  BOOST_TEST(cfg->min_free_bytes == uint64_t{512} << 20);
  BOOST_TEST(!cfg->store_sync);
  BOOST_TEST(cfg->rule_paths == std::vector<std::string>{"/etc/wardsoc/rules"});
  const auto& cams = std::get<SyslogUdpConfig>(cfg->inputs[0]);
  BOOST_TEST((cams.common.asset_class == AssetClass::kCamera));
  BOOST_TEST(cams.common.zone == "Asia/Bangkok");
  const auto& auth = std::get<FileInputConfig>(cfg->inputs[1]);
  BOOST_TEST(auth.common.zone == "UTC");  // inherits the top-level timezone
  BOOST_TEST(auth.paths.size() == 2u);
  BOOST_TEST(auth.common.flush_interval.count() == 250);
  BOOST_TEST(!std::get<FileSinkConfig>(cfg->sinks[0]).fsync);
}

BOOST_AUTO_TEST_CASE(every_mistake_is_reported_with_line_and_key) {
  const std::string e = errors_of(R"(data_dir: ./var
colour: blue
pipeline:
  workers: many
inputs:
  - name: Syslog TCP
    type: syslog_tcp
    port: 70000
  - name: x
    type: carrier_pigeon
  - name: cams
    type: syslog_udp
    class: printer
    zone: Mars/Olympus
sinks:
  - name: cams
    type: file
store:
  min_free_space: 64 megabytes
)");
  for (const char* expected : {
           "t.yaml:2:1: colour: unknown key",
           "t.yaml:4:12: pipeline.workers: expected an integer 0..256, got 'many'",
           "t.yaml:6:11: inputs[0].name: 'Syslog TCP' is not a valid name",
           "t.yaml:8:11: inputs[0].port: expected an integer 0..65535, got '70000'",
           "t.yaml:10:11: inputs[1].type: unknown input type 'carrier_pigeon'",
           "t.yaml:13:12: inputs[2].class: unknown asset class 'printer'",
           "t.yaml:14:11: inputs[2].zone: unknown time zone 'Mars/Olympus'",
           "sinks[0].path: missing (required)",
           "t.yaml:16:11: sinks[0].name: 'cams' is used twice",
           "t.yaml:19:19: store.min_free_space: '64 megabytes' is not a size",
       }) {
    BOOST_TEST(e.find(expected) != std::string::npos, "missing: " << expected << "\nin:\n" << e);
  }
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_name_the_position) {
  const std::string e = errors_of("inputs:\n  - name: a\n   type: [\n");
  BOOST_TEST(e.find("t.yaml:") == 0u, e);
  BOOST_TEST(e.find("YAML syntax error") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_it) {
  auto cfg = load_config_file("/nonexistent/wardsoc.yaml");
  BOOST_REQUIRE(!cfg.ok());
  BOOST_TEST(cfg.error().message.find("/nonexistent/wardsoc.yaml") != std::string::npos);
  BOOST_TEST(cfg.error().message.find("No such file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_api_has_its_own_connection_limits_and_deadlines) {
  auto cfg = parse_config(R"(
api:
  listen: 127.0.0.1:8514
  max_connections: 12
  max_connections_per_source: 3
  idle_timeout: 20s
  header_timeout: 4s
  body_timeout: 1m
  evict_idle_after: 2s
)",
                          "t.yaml");
  BOOST_REQUIRE_MESSAGE(cfg.ok(), (cfg.ok() ? "" : cfg.error().message));
  const HttpServerLimits& l = cfg->api_limits;
  BOOST_TEST(l.max_connections == 12u);
  BOOST_TEST(l.max_connections_per_source == 3u);
  BOOST_TEST(l.idle_timeout.count() == 20);
  BOOST_TEST(l.header_timeout.count() == 4);
  BOOST_TEST(l.body_timeout.count() == 60);
  BOOST_TEST(l.evict_idle_after.count() == 2000);

  auto defaults = parse_config("api: {listen: 127.0.0.1:8514}\n", "t.yaml");
  BOOST_REQUIRE(defaults.ok());
  BOOST_TEST(defaults->api_limits.header_timeout.count() == 10);
  BOOST_TEST(defaults->api_limits.max_connections_per_source == 16u);

  const std::string e = errors_of("api: {listen: 127.0.0.1:8514, header_timeout: 500ms}\n");
  BOOST_TEST(e.find("api.header_timeout: must be at least 1s") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_short_api_token_is_refused_on_loopback_too) {
  for (const char* listen : {"127.0.0.1:8514", "0.0.0.0:8514"}) {
    const std::string e =
        errors_of(std::string("api:\n  listen: ") + listen + "\n  token: \"x\"\n");
    BOOST_TEST(
        e.find("t.yaml:3:10: api.token: too short (1 characters; at least 16") != std::string::npos,
        e);
    BOOST_TEST(e.find("openssl rand -hex 16") != std::string::npos, e);
  }
  auto ok = parse_config("api:\n  listen: 0.0.0.0:8514\n  token: 0123456789abcdef\n", "t.yaml");
  BOOST_TEST(ok.ok(), (ok.ok() ? "" : ok.error().message));
  auto none = parse_config("api:\n  listen: 127.0.0.1:8514\n  token: \"\"\n", "t.yaml");
  BOOST_TEST(none.ok(), (none.ok() ? "" : none.error().message));
}

BOOST_AUTO_TEST_CASE(rules_default_to_the_rules_folder_and_an_explicit_empty_list_is_kept) {
  auto dflt = parse_config("data_dir: ./var\n", "t.yaml");
  BOOST_REQUIRE(dflt.ok());
  BOOST_TEST(dflt->rule_paths == std::vector<std::string>{"rules"});
  auto none = parse_config("rules: []\n", "t.yaml");
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->rule_paths.empty());
}
