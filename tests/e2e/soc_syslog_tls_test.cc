// The syslog sink against a real syslog-ng with an RFC 5425 TLS source on loopback,
// certificates made at test time: CEF and JSON messages arrive intact, the server's
// certificate is verified, and restarting syslog-ng in the middle of a stream loses no
// incident.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "connectors/forwarder.h"
#include "connectors/syslog/syslog_sink.h"
#include "store/outbox_queue.h"
#include "tests/e2e/soc_receivers.h"
#include "tests/store/store_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

SyslogSinkConfig syslog_config(uint16_t port, const TestCertificates& certs) {
  SyslogSinkConfig c;
  c.common.name = "city-syslog";
  c.host = "127.0.0.1";
  c.port = port;
  c.transport = SyslogTransport::kTls;
  c.tls.ca_file = certs.ca.string();
  c.hostname = "phuong-hong-ha";
  c.connect_timeout = 2s;
  c.write_timeout = 5s;
  c.common.batch = 20;
  c.common.initial_backoff = 50ms;
  c.common.max_backoff = 400ms;
  return c;
}

std::vector<IncidentChange> changes(int first, int n) {
  std::vector<IncidentChange> out;
  for (int i = first; i < first + n; ++i) {
    Incident in =
        make_incident("cam.tamper", "cam-" + std::to_string(i), 3'000'000 + i, Severity::kCritical);
    in.title = "Camera tampering | mất hình";
    in.site = "Nhà văn hóa tổ " + std::to_string(i % 7);
    out.push_back(make_change(in));
  }
  return out;
}

std::string external_id(const std::string& cef) {
  const size_t p = cef.find("externalId=");
  if (p == std::string::npos) return "";
  return cef.substr(p + 11, 16);
}

}  // namespace

BOOST_AUTO_TEST_CASE(cef_alerts_arrive_in_syslog_ng_over_verified_tls_intact) {
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  const auto c = syslog_config(receiver.port(), certs);
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE_MESSAGE(sink.ok(), (sink.ok() ? "" : sink.error().message));
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  const auto committed = changes(0, 5);
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.lines().size() >= 5", [&] { return receiver.lines().size() >= 5; }, 10s));
  const auto lines = receiver.lines();
  BOOST_TEST_REQUIRE(lines.size() == 5u);  // one message per alert, none split or joined
  for (size_t i = 0; i < lines.size(); ++i) {
    BOOST_TEST(lines[i].rfind("CEF:0|wardsoc|wardsoc|", 0) == 0u, lines[i]);
    BOOST_TEST(external_id(lines[i]) == committed[i].incident.id);
    BOOST_TEST(lines[i].find("|Camera tampering \\| mất hình|10|") != std::string::npos, lines[i]);
    BOOST_TEST(lines[i].find("cs1=" + committed[i].incident.site) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(json_alerts_fit_one_syslog_message_each) {
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_config(receiver.port(), certs);
  c.common.format = AlertFormat::kOcsf;
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 3), {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.lines().size() >= 3", [&] { return receiver.lines().size() >= 3; }, 10s));
  for (const auto& line : receiver.lines()) {
    const auto j = nlohmann::json::parse(line);
    BOOST_TEST(j["class_uid"] == 2004);
    BOOST_TEST(j["message"] == "Camera tampering | mất hình");
  }
}

BOOST_AUTO_TEST_CASE(a_server_certificate_the_sink_does_not_trust_is_refused_and_retried) {
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  TempDir other_dir("soc-syslog-other");
  TestCertificates other(other_dir.path());  // a CA that did not sign syslog-ng's certificate
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_config(receiver.port(), other);
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 2), {"city-syslog"}).ok());
  const auto r = forwarder.drain(1500ms);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("certificate") != std::string::npos, r.error().message);
  BOOST_TEST(store->outbox().size("city-syslog") == 2u);
  BOOST_TEST(receiver.lines().empty());
}

BOOST_AUTO_TEST_CASE(restarting_syslog_ng_in_the_middle_of_a_stream_loses_no_incident) {
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  const auto c = syslog_config(receiver.port(), certs);
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  forwarder.start();

  std::set<std::string> committed;
  int next = 0;
  auto commit = [&](int n) {
    auto batch = changes(next, n);
    next += n;
    for (const auto& ch : batch) committed.insert(ch.incident.id);
    BOOST_TEST_REQUIRE(commit_changes(*store, batch, {"city-syslog"}).ok());
  };

  // A steady stream; syslog-ng is stopped and started again twice while it flows, once
  // with a pause (alerts pile up in the outbox) and once at once.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      commit(7);
      std::this_thread::sleep_for(10ms);  // pacing: a stream over time, not a burst
    }
    if (round == 0) {
      receiver.stop();
      for (int i = 0; i < 10; ++i) commit(5);
      BOOST_TEST_REQUIRE(wait_until(
          "forwarder.stats().failing", [&] { return forwarder.stats().failing; }, 20s));
      receiver.start();
    } else if (round == 1) {
      receiver.stop();
      receiver.start();
    }
  }
  BOOST_TEST_REQUIRE(forwarder.drain(60s).ok());
  forwarder.stop();
  BOOST_TEST(forwarder.stats().outages >= 1u);

  // syslog-ng wrote every incident to its file (some perhaps twice: at least once).
  std::set<std::string> received;
  BOOST_TEST_REQUIRE(wait_until(
      "every incident id at the syslog receiver",
      [&] {
        received.clear();
        for (const auto& line : receiver.lines()) received.insert(external_id(line));
        return received.size() >= committed.size();
      },
      20s));
  for (const auto& id : committed) BOOST_TEST(received.count(id) == 1u, "missing incident " << id);
  BOOST_TEST(received.size() == committed.size());
}

BOOST_AUTO_TEST_CASE(a_receiver_that_dies_with_a_batch_unread_gets_the_batch_again) {
  // syslog-ng is frozen (SIGSTOP): its kernel still acknowledges what arrives, but
  // nothing is read. Killed in that state, its socket is reset and the unread batch is
  // gone; the sink sees the reset within its confirm delay and sends the batch again.
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_config(receiver.port(), certs);
  c.confirm_delay = 3s;  // room for the test to act inside the window
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  const auto first = changes(0, 3);
  BOOST_TEST_REQUIRE(commit_changes(*store, first, {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.lines().size() >= 3", [&] { return receiver.lines().size() >= 3; }, 10s));

  forwarder.start();
  receiver.freeze();
  const auto second = changes(3, 5);
  BOOST_TEST_REQUIRE(commit_changes(*store, second, {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.unread_bytes() > 0", [&] { return receiver.unread_bytes() > 0; }, 10s));
  receiver.kill();  // the batch sits unread in the dead receiver's socket
  receiver.start();
  BOOST_TEST_REQUIRE(forwarder.drain(30s).ok());
  forwarder.stop();
  std::set<std::string> received;
  BOOST_TEST_REQUIRE(wait_until(
      "every incident id at the syslog receiver after the restart",
      [&] {
        received.clear();
        for (const auto& line : receiver.lines()) received.insert(external_id(line));
        return received.size() >= 8;
      },
      10s));
  for (const auto& ch : second) BOOST_TEST(received.count(ch.incident.id) == 1u);
}

BOOST_AUTO_TEST_CASE(plain_tcp_transport_delivers_octet_counted_messages) {
  TempDir dir("soc-syslog");
  TestCertificates certs(dir.path());
  SyslogNgReceiver receiver(dir.path(), certs, /*tls=*/false);
  auto store = open_store(dir.str("db"));
  auto c = syslog_config(receiver.port(), certs);
  c.transport = SyslogTransport::kTcp;
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  const auto committed = changes(0, 4);
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.lines().size() >= 4", [&] { return receiver.lines().size() >= 4; }, 10s));
  BOOST_TEST(external_id(receiver.lines()[3]) == committed[3].incident.id);
}

BOOST_AUTO_TEST_CASE(a_receiver_that_refuses_connections_keeps_alerts_in_the_outbox) {
  TempDir dir("soc-syslog");
  auto store = open_store(dir.str("db"));
  SyslogSinkConfig c;
  c.common.name = "city-syslog";
  c.host = "127.0.0.1";
  c.port = free_port();  // nothing listens
  c.transport = SyslogTransport::kTcp;
  c.common.initial_backoff = 20ms;
  c.common.max_backoff = 40ms;
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  BOOST_TEST_REQUIRE(commit_changes(*store, changes(0, 1), {"city-syslog"}).ok());
  const auto r = forwarder.drain(300ms);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("Connection refused") != std::string::npos, r.error().message);
  BOOST_TEST(store->outbox().size("city-syslog") == 1u);
}
