// Syslog over TLS with real senders: openssl s_client and syslog-ng (RFC 5425, octet
// counted), certificates made at test time, and the handshakes that must fail.
#include "ingest/syslog/syslog_tls_input.h"

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_certificates.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
namespace t = wardsoc::testing;

namespace {

SyslogTlsConfig tls_config(const TestCertificates& certs, ClientVerification verify) {
  SyslogTlsConfig c;
  c.common.name = "syslog-tls";
  c.common.index = 1;
  c.common.zone = "UTC";
  c.common.asset_class = AssetClass::kCamera;
  c.common.flush_interval = 5ms;
  c.port = 0;
  c.tls.cert_file = certs.server_cert;
  c.tls.key_file = certs.server_key;
  c.tls.ca_file = certs.ca;
  c.tls.verify_client = verify;
  c.tls.handshake_timeout = 1s;
  return c;
}

std::unique_ptr<Input> started(const SyslogTlsConfig& c, BatchQueue& queue) {
  auto input = make_input(c, queue);
  if (!input.ok()) BOOST_FAIL(input.error().message);
  if (const Status s = (*input)->start(); !s.ok()) BOOST_FAIL(s.error().message);
  return std::move(*input);
}

// openssl s_client sending `text` and leaving at the end of it; returns its exit code.
int s_client(uint16_t port, const TestCertificates& certs, const std::string& text,
             const std::string& cert, const std::string& key, std::string* errors = nullptr) {
  const std::string input = (certs.dir / ("send-" + std::to_string(port))).string();
  t::write_file(input, text);
  std::string cmd = "exec openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                    " -CAfile '" + certs.ca + "' -quiet -no_ign_eof";
  if (!cert.empty()) cmd += " -cert '" + cert + "' -key '" + key + "'";
  cmd += " < '" + input + "'";
  std::string out;
  return t::run_command({"sh", "-c", cmd}, &out, errors, 20s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_from_openssl_with_a_trusted_client_certificate_arrive) {
  TestCertificates certs;
  BatchQueue queue(64);
  auto input = started(tls_config(certs, ClientVerification::kRequired), queue);
  BOOST_TEST(!input->can_acknowledge());
  const uint16_t port = port_of(input->local_endpoint());

  std::string err;
  const int rc = s_client(port, certs,
                          "<13>Oct 11 22:14:15 cam-01 vms: motion zone 1\n"
                          "<13>Oct 11 22:14:16 cam-01 vms: motion zone 2\n",
                          certs.client_cert, certs.client_key, &err);
  BOOST_TEST_REQUIRE(rc == 0, err);
  const auto batches = pop_events(queue, 2);
  const auto lines = raw_lines(batches);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == "<13>Oct 11 22:14:15 cam-01 vms: motion zone 1");
  const auto& e = batches[0].events()[0];
  BOOST_TEST(batches[0].view(e.peer) == "127.0.0.1");
  BOOST_TEST(batches[0].view(e.header.app) == "vms");
  BOOST_TEST((e.asset_class == AssetClass::kCamera));
  BOOST_TEST(input->stats().tls_handshake_failures == 0u);
}

BOOST_AUTO_TEST_CASE(syslog_ng_sends_rfc5425_octet_counted_frames_that_all_arrive) {
  TestCertificates certs;
  BatchQueue queue(64);
  auto input = started(tls_config(certs, ClientVerification::kRequired), queue);
  const uint16_t port = port_of(input->local_endpoint());

  constexpr int kLines = 300;
  std::string text;
  for (int i = 0; i < kLines; ++i) {
    text += "camera event " + std::to_string(i) + " with a newline-free body\n";
  }
  const auto source = certs.dir / "source.log";
  t::write_file(source, text);
  const auto config = certs.dir / "syslog-ng.conf";
  t::write_file(config,
                "@version: 3.38\n"
                "source s_in { file(\"" +
                    source.string() +
                    "\" flags(no-parse) follow-freq(1)); };\n"
                    "destination d_tls { syslog(\"127.0.0.1\" port(" +
                    std::to_string(port) + ") transport(\"tls\") tls(ca-file(\"" + certs.ca +
                    "\") key-file(\"" + certs.client_key + "\") cert-file(\"" + certs.client_cert +
                    "\") peer-verify(required-trusted))); };\n"
                    "log { source(s_in); destination(d_tls); };\n");
  t::Subprocess sender({"syslog-ng", "-F", "--no-caps", "-f", config.string(), "-R",
                        (certs.dir / "persist").string(), "-p", (certs.dir / "pid").string(), "-c",
                        (certs.dir / "ctl").string()},
                       certs.dir / "syslog-ng.out", certs.dir / "syslog-ng.err");
  const auto batches = pop_events(queue, kLines, 30s);
  sender.signal(SIGTERM);
  sender.wait(10s);
  const auto lines = raw_lines(batches);
  BOOST_TEST_REQUIRE(lines.size() == static_cast<size_t>(kLines),
                     "syslog-ng stderr: " << t::read_file(certs.dir / "syslog-ng.err"));
  std::set<std::string> bodies;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) {
      // RFC 5424 from syslog-ng: "<13>1 TIMESTAMP HOST - - - - camera event N ..."
      BOOST_TEST_REQUIRE((e.header.format == SyslogFormat::kRfc5424));
      BOOST_TEST_REQUIRE(e.header.has_timestamp);
      bodies.insert(std::string(b.message(e)));
    }
  }
  BOOST_TEST(bodies.size() == static_cast<size_t>(kLines));  // each once, none cut
  BOOST_TEST(bodies.count("camera event 299 with a newline-free body") == 1u);
  BOOST_TEST(input->stats().framing_errors == 0u);
}

BOOST_AUTO_TEST_CASE(untrusted_or_missing_client_certificates_fail_and_others_go_on) {
  TestCertificates certs;
  BatchQueue queue(64);
  auto input = started(tls_config(certs, ClientVerification::kRequired), queue);
  const uint16_t port = port_of(input->local_endpoint());

  // A sender that stays connected through all of it.
  TcpClient idle(port);
  BOOST_TEST_REQUIRE(idle.connected());

  s_client(port, certs, "<13>rogue line\n", certs.rogue_cert, certs.rogue_key);
  s_client(port, certs, "<13>anonymous line\n", "", "");
  BOOST_TEST(wait_until("input->stats().tls_handshake_failures >= 2",
                        [&] { return input->stats().tls_handshake_failures >= 2; }));

  BOOST_TEST_REQUIRE(
      s_client(port, certs, "<13>trusted line\n", certs.client_cert, certs.client_key) == 0);
  const auto lines = raw_lines(pop_events(queue, 1));
  BOOST_TEST(lines == (std::vector<std::string>{"<13>trusted line"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(plain_text_and_silent_senders_are_closed_and_counted) {
  TestCertificates certs;
  BatchQueue queue(64);
  auto input = started(tls_config(certs, ClientVerification::kNone), queue);
  const uint16_t port = port_of(input->local_endpoint());

  TcpClient plain(port);
  BOOST_TEST_REQUIRE(plain.send_all("<13>Oct 11 22:14:15 host app: plain text to a TLS port\n"));
  TcpClient silent(port);  // connects and never says anything: the handshake times out
  BOOST_TEST(wait_until(
      "input->stats().tls_handshake_failures == 2",
      [&] { return input->stats().tls_handshake_failures == 2; }, 10s));
  BOOST_TEST(plain.closed_by_server());
  BOOST_TEST(silent.closed_by_server());
  BOOST_TEST(input->stats().handshake_timeouts == 1u);  // the silent one; plain text failed
  BOOST_TEST(wait_until("input->stats().connections_open == 0",
                        [&] { return input->stats().connections_open == 0; }));

  // No client certificate needed here; the input still serves.
  BOOST_TEST_REQUIRE(s_client(port, certs, "<13>after the bad ones\n", "", "") == 0);
  BOOST_TEST(raw_lines(pop_events(queue, 1)).size() == 1u);
  BOOST_TEST(input->stats().lines == 1u);
}

BOOST_AUTO_TEST_CASE(bad_certificate_settings_are_errors_naming_the_key_and_file) {
  TestCertificates certs;
  BatchQueue queue(4);
  SyslogTlsConfig c = tls_config(certs, ClientVerification::kNone);
  c.tls.cert_file = (certs.dir / "missing.pem").string();
  auto made = make_input(c, queue);
  BOOST_TEST_REQUIRE(!made.ok());
  BOOST_TEST(made.error().message.find("tls.cert_file") != std::string::npos, made.error().message);
  BOOST_TEST(made.error().message.find("missing.pem") != std::string::npos);

  c = tls_config(certs, ClientVerification::kNone);
  c.tls.key_file = certs.client_key;  // not the server certificate's key
  made = make_input(c, queue);
  BOOST_TEST_REQUIRE(!made.ok());
  BOOST_TEST(made.error().message.find("does not belong to the certificate") != std::string::npos,
             made.error().message);

  c = tls_config(certs, ClientVerification::kRequired);
  c.tls.ca_file.clear();
  made = make_input(c, queue);
  BOOST_TEST_REQUIRE(!made.ok());
  BOOST_TEST(made.error().message.find("tls.ca_file") != std::string::npos);
}
