// Every sink to the city SOC as a fixture of the delivery scenarios (soc_delivery_test.cc):
// its config pointed at a real receiver on loopback, how to read the incident ids that
// arrived, and how to break and restore the link. A new sink gets every scenario by
// adding its fixture to sink_fixtures() below.
#pragma once

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/forwarder.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/sink.h"
#include "connectors/syslog/syslog_sink.h"
#include "connectors/webhook/webhook_sink.h"
#include "tests/e2e/soc_receivers.h"
#include "tests/support/mock_kafka.h"

namespace wardsoc::testing {

// The sink configs the per-sink tests start from, pointed at their receivers.
inline KafkaSinkConfig kafka_sink_config(const std::string& bootstrap, const std::string& topic) {
  using namespace std::chrono_literals;
  KafkaSinkConfig c;
  c.common.name = "city-kafka";
  c.brokers = bootstrap;
  c.topic = topic;
  c.message_timeout = 3s;  // an outage turns into a retry quickly
  c.common.batch = 50;
  c.common.initial_backoff = 100ms;
  c.common.max_backoff = 800ms;
  c.properties["reconnect.backoff.max.ms"] = "500";  // librdkafka's 10 s would slow the test
  return c;
}

inline SyslogSinkConfig syslog_sink_config(uint16_t port, const TestCertificates& certs) {
  using namespace std::chrono_literals;
  SyslogSinkConfig c;
  c.common.name = "city-syslog";
  c.host = "127.0.0.1";
  c.port = port;
  c.transport = SyslogTransport::kTls;
  c.tls.ca_file = certs.ca;
  c.hostname = "phuong-hong-ha";
  c.connect_timeout = 2s;
  c.write_timeout = 5s;
  c.common.batch = 20;
  c.common.initial_backoff = 50ms;
  c.common.max_backoff = 400ms;
  return c;
}

inline WebhookSinkConfig webhook_sink_config(const std::string& url,
                                             const TestCertificates& certs) {
  using namespace std::chrono_literals;
  WebhookSinkConfig c;
  c.common.name = "city-hook";
  c.url = url;
  c.tls.ca_file = certs.ca;
  c.bearer_token = "tok-ward-7";
  c.hmac_secret = "chia-khoa-bi-mat";
  c.connect_timeout = 2s;
  c.timeout = 5s;
  c.common.initial_backoff = 50ms;
  c.common.max_backoff = 300ms;
  return c;
}

// The incident id in a CEF message (externalId=...).
inline std::string cef_external_id(const std::string& cef) {
  const size_t p = cef.find("externalId=");
  if (p == std::string::npos) return "";
  return cef.substr(p + 11, 16);
}

// The ids of the alerts a webhook receiver answered 200 to (one JSON document a line).
inline std::set<std::string> webhook_delivered_ids(const HttpsReceiver& server) {
  std::set<std::string> ids;
  for (const auto& r : server.requests()) {
    if (r["status"] != 200) continue;
    std::istringstream body(r["body"].get<std::string>());
    for (std::string line; std::getline(body, line);) {
      if (!line.empty()) ids.insert(nlohmann::json::parse(line)["id"].get<std::string>());
    }
  }
  return ids;
}

// One sink and its receiver, for the scenarios every sink must pass.
class SinkFixture {
 public:
  virtual ~SinkFixture() = default;
  // The sink's name: its outbox queue.
  virtual std::string name() const = 0;
  // The sink from its config, pointed at the receiver.
  virtual std::unique_ptr<Sink> open_sink() const = 0;
  virtual ForwarderOptions forwarder_options() const = 0;
  // The incident ids of the alerts that have arrived at the receiver so far.
  virtual std::set<std::string> received_ids() const = 0;
  // The receiver goes away (its connections are closed and new ones refused), and
  // comes back.
  virtual void break_link() = 0;
  virtual void restore_link() = 0;
  // How long a drain against a broken link takes to give up (the sink's own timeouts).
  virtual std::chrono::milliseconds failing_drain() const = 0;
  // What the error of such a drain says.
  virtual void check_failure(const Error& e) const = 0;
};

template <class S>
std::unique_ptr<Sink> opened(Result<std::unique_ptr<S>> r) {
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

// librdkafka's mock cluster, read back with kcat; the link breaks with its broker.
class KafkaSinkFixture : public SinkFixture {
 public:
  explicit KafkaSinkFixture(const std::filesystem::path&) {}
  std::string name() const override { return "city-kafka"; }
  std::unique_ptr<Sink> open_sink() const override { return opened(KafkaSink::Open(config())); }
  ForwarderOptions forwarder_options() const override {
    return ForwarderOptions::From(config().common);
  }
  std::set<std::string> received_ids() const override {
    std::set<std::string> ids;
    for (const auto& r : cluster_.read_topic("ward-alerts")) ids.insert(r.key);
    return ids;
  }
  void break_link() override { cluster_.command("down 1"); }
  void restore_link() override { cluster_.command("up 1"); }
  std::chrono::milliseconds failing_drain() const override {
    return std::chrono::milliseconds(2500);
  }
  void check_failure(const Error& e) const override {
    BOOST_TEST((e.code == Errc::kUnavailable), e.message);
  }

 private:
  KafkaSinkConfig config() const {
    KafkaSinkConfig c = kafka_sink_config(cluster_.bootstrap(), "ward-alerts");
    c.message_timeout = std::chrono::seconds(1);
    return c;
  }
  MockKafka cluster_{1, {{"ward-alerts", 3}}};
};

// syslog-ng with an RFC 5425 TLS source; the link breaks when syslog-ng stops.
class SyslogTlsSinkFixture : public SinkFixture {
 public:
  explicit SyslogTlsSinkFixture(const std::filesystem::path& dir) : receiver_(dir, certs_) {}
  std::string name() const override { return "city-syslog"; }
  std::unique_ptr<Sink> open_sink() const override {
    return opened(SyslogSink::Open(syslog_sink_config(receiver_.port(), certs_)));
  }
  ForwarderOptions forwarder_options() const override {
    return ForwarderOptions::From(syslog_sink_config(receiver_.port(), certs_).common);
  }
  std::set<std::string> received_ids() const override {
    std::set<std::string> ids;
    for (const auto& line : receiver_.lines()) ids.insert(cef_external_id(line));
    return ids;
  }
  void break_link() override { receiver_.stop(); }
  void restore_link() override { receiver_.start(); }
  std::chrono::milliseconds failing_drain() const override {
    return std::chrono::milliseconds(300);
  }
  void check_failure(const Error& e) const override {
    BOOST_TEST(e.message.find("Connection refused") != std::string::npos, e.message);
  }

 private:
  TestCertificates certs_;
  SyslogNgReceiver receiver_;
};

// A Python HTTPS server; the link breaks when it stops.
class WebhookSinkFixture : public SinkFixture {
 public:
  explicit WebhookSinkFixture(const std::filesystem::path& dir) : server_(dir, certs_) {}
  std::string name() const override { return "city-hook"; }
  std::unique_ptr<Sink> open_sink() const override {
    return opened(WebhookSink::Open(webhook_sink_config(server_.url(), certs_)));
  }
  ForwarderOptions forwarder_options() const override {
    return ForwarderOptions::From(webhook_sink_config(server_.url(), certs_).common);
  }
  std::set<std::string> received_ids() const override { return webhook_delivered_ids(server_); }
  void break_link() override { server_.stop(); }
  void restore_link() override { server_.start(); }
  std::chrono::milliseconds failing_drain() const override {
    return std::chrono::milliseconds(300);
  }
  void check_failure(const Error& e) const override { BOOST_TEST(!e.message.empty()); }

 private:
  TestCertificates certs_;
  HttpsReceiver server_;
};

// The sinks the delivery scenarios run against, by name.
using SinkFixtureMaker = std::function<std::unique_ptr<SinkFixture>(const std::filesystem::path&)>;
inline const std::vector<std::pair<std::string, SinkFixtureMaker>>& sink_fixtures() {
  static const std::vector<std::pair<std::string, SinkFixtureMaker>> all = {
      {"kafka", [](const auto& dir) { return std::make_unique<KafkaSinkFixture>(dir); }},
      {"syslog_tls", [](const auto& dir) { return std::make_unique<SyslogTlsSinkFixture>(dir); }},
      {"webhook", [](const auto& dir) { return std::make_unique<WebhookSinkFixture>(dir); }},
  };
  return all;
}

inline std::vector<std::string> sink_fixture_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : sink_fixtures()) names.push_back(name);
  return names;
}

inline std::unique_ptr<SinkFixture> make_sink_fixture(const std::string& name,
                                                      const std::filesystem::path& dir) {
  for (const auto& [n, make] : sink_fixtures()) {
    if (n == name) return make(dir);
  }
  BOOST_FAIL("no sink fixture named " << name);
  return nullptr;
}

}  // namespace wardsoc::testing
