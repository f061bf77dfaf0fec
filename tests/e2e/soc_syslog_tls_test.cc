// The syslog sink against a real syslog-ng with an RFC 5425 TLS source on loopback,
// certificates made at test time: CEF and JSON messages arrive intact, the server's
// certificate is verified, a receiver killed with a batch unread gets it again, plain
// TCP works too. The scenarios every sink shares (a restart mid-stream, a receiver that
// is down) are in soc_delivery_test.cc.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "connectors/forwarder.h"
#include "connectors/syslog/syslog_sink.h"
#include "store/outbox_queue.h"
#include "tests/e2e/soc_receivers.h"
#include "tests/e2e/soc_sink_fixtures.h"
#include "tests/store/store_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

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

}  // namespace

BOOST_AUTO_TEST_CASE(cef_alerts_arrive_in_syslog_ng_over_verified_tls_intact) {
  TempDir dir("soc-syslog");
  TestCertificates certs;
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  const auto c = syslog_sink_config(receiver.port(), certs);
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
    BOOST_TEST(cef_external_id(lines[i]) == committed[i].incident.id);
    BOOST_TEST(lines[i].find("|Camera tampering \\| mất hình|10|") != std::string::npos, lines[i]);
    BOOST_TEST(lines[i].find("cs1=" + committed[i].incident.site) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(json_alerts_fit_one_syslog_message_each) {
  TempDir dir("soc-syslog");
  TestCertificates certs;
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_sink_config(receiver.port(), certs);
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
  TestCertificates certs;
  TestCertificates other;  // a CA that did not sign syslog-ng's certificate
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_sink_config(receiver.port(), other);
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

BOOST_AUTO_TEST_CASE(a_receiver_that_dies_with_a_batch_unread_gets_the_batch_again) {
  // syslog-ng is frozen (SIGSTOP): its kernel still acknowledges what arrives, but
  // nothing is read. Killed in that state, its socket is reset and the unread batch is
  // gone; the sink sees the reset within its confirm delay and sends the batch again.
  TempDir dir("soc-syslog");
  TestCertificates certs;
  SyslogNgReceiver receiver(dir.path(), certs);
  auto store = open_store(dir.str("db"));
  auto c = syslog_sink_config(receiver.port(), certs);
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
        for (const auto& line : receiver.lines()) received.insert(cef_external_id(line));
        return received.size() >= 8;
      },
      10s));
  for (const auto& ch : second) BOOST_TEST(received.count(ch.incident.id) == 1u);
}

BOOST_AUTO_TEST_CASE(plain_tcp_transport_delivers_octet_counted_messages) {
  TempDir dir("soc-syslog");
  TestCertificates certs;
  SyslogNgReceiver receiver(dir.path(), certs, /*tls=*/false);
  auto store = open_store(dir.str("db"));
  auto c = syslog_sink_config(receiver.port(), certs);
  c.transport = SyslogTransport::kTcp;
  auto sink = SyslogSink::Open(c);
  BOOST_REQUIRE(sink.ok());
  Forwarder forwarder(store->outbox(), std::move(sink).value(), ForwarderOptions::From(c.common));
  const auto committed = changes(0, 4);
  BOOST_TEST_REQUIRE(commit_changes(*store, committed, {"city-syslog"}).ok());
  BOOST_TEST_REQUIRE(forwarder.drain(20s).ok());
  BOOST_TEST_REQUIRE(wait_until(
      "receiver.lines().size() >= 4", [&] { return receiver.lines().size() >= 4; }, 10s));
  BOOST_TEST(cef_external_id(receiver.lines()[3]) == committed[3].incident.id);
}
