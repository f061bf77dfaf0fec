// The city SOC's side of the sink tests, as real programs on loopback: syslog-ng with a
// TLS source writing to a file, and a Python HTTPS server (the certificates are
// tests/support/test_certificates.h, the Kafka side tests/support/mock_kafka.h).
// A missing program is a test failure, never a skip.
#pragma once

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/test_certificates.h"
#include "tests/support/wait.h"

namespace wardsoc::testing {

using namespace std::chrono_literals;

// syslog-ng with an RFC 5425 TLS source (or plain TCP, RFC 6587 octet counting) on a
// loopback port, writing each message (its MSG part) as one line to a file, with flow
// control so it never drops.
class SyslogNgReceiver {
 public:
  SyslogNgReceiver(const std::filesystem::path& dir, const TestCertificates& certs, bool tls = true)
      : dir_(dir), port_(free_port()), out_(dir / "received.log") {
    const auto conf = dir / "syslog-ng.conf";
    std::ostringstream c;
    c << "@version: 3.38\n"
      << "options { use-dns(no); stats-freq(0); keep-hostname(yes); };\n"
      << "source s_tls { syslog(ip(127.0.0.1) port(" << port_ << ") ";
    if (tls) {
      c << "transport(\"tls\")\n"
        << "  tls(key-file(\"" << certs.server_key << "\") cert-file(\"" << certs.server_cert
        << "\") peer-verify(optional-untrusted))); };\n";
    } else {
      c << "transport(\"tcp\")); };\n";
    }
    c << "destination d_file { file(\"" << out_.string() << "\" template(\"$MSG\\n\")); };\n"
      << "log { source(s_tls); destination(d_file); flags(flow-control); };\n";
    write_file(conf, c.str());
    conf_ = conf;
    start();
  }
  ~SyslogNgReceiver() { stop(); }

  uint16_t port() const { return port_; }
  const std::filesystem::path& output() const { return out_; }

  void start() {
    proc_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/sbin/syslog-ng", "-F", "-f", conf_.string(), "-R",
                                 (dir_ / "syslog-ng.persist").string(), "-p",
                                 (dir_ / "syslog-ng.pid").string(), "-c",
                                 (dir_ / "syslog-ng.ctl").string(), "--no-caps"},
        dir_ / "syslog-ng.stdout", dir_ / "syslog-ng.stderr");
    const bool listening = wait_until(
        "port_open()", [&] { return port_open(); }, 20s);
    BOOST_REQUIRE_MESSAGE(listening, "syslog-ng did not start:\n"
                                         << read_file(dir_ / "syslog-ng.stderr"));
  }
  // SIGTERM, as a service manager stops it; syslog-ng writes what it has and exits.
  void stop() {
    if (!proc_) return;
    proc_->signal(SIGTERM);
    proc_->wait(20s);
    proc_.reset();
  }

  // SIGSTOP: the process reads nothing more, its kernel still accepts bytes.
  void freeze() { proc_->signal(SIGSTOP); }
  // SIGKILL: whatever sits unread in its sockets is dropped and the peers are reset.
  void kill() {
    proc_->signal(SIGKILL);
    proc_->wait(20s);
    proc_.reset();
  }
  // Bytes received by the kernel on established connections to the receiver and not yet
  // read by it (ss's Recv-Q).
  uint64_t unread_bytes() const {
    std::string out;
    run_command({"ss", "-Htn", "state", "established", "sport = :" + std::to_string(port_)}, &out);
    uint64_t total = 0;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      uint64_t recv_q = 0;
      if (fields >> recv_q) total += recv_q;
    }
    return total;
  }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(read_file(out_));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

 private:
  bool port_open() const {
    std::string out;
    run_command({"ss", "-Hltn", "sport = :" + std::to_string(port_)}, &out);
    return out.find("LISTEN") != std::string::npos;
  }

  std::filesystem::path dir_;
  uint16_t port_;
  std::filesystem::path out_;
  std::filesystem::path conf_;
  std::unique_ptr<Subprocess> proc_;
};

// tests/e2e/https_receiver.py: the city SOC's webhook endpoint.
class HttpsReceiver {
 public:
  HttpsReceiver(const std::filesystem::path& dir, const TestCertificates& certs,
                std::vector<std::string> options = {})
      : dir_(dir), port_(free_port()), log_(dir / "webhook.jsonl") {
    argv_ = {"python3", WARDSOC_SOURCE_DIR "/tests/e2e/https_receiver.py",
             "--port",  std::to_string(port_),
             "--cert",  certs.server_cert,
             "--key",   certs.server_key,
             "--log",   log_.string()};
    argv_.insert(argv_.end(), options.begin(), options.end());
    start();
  }
  ~HttpsReceiver() { stop(); }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/alerts") const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }

  void start() {
    const auto out = dir_ / "https.stdout";
    const size_t before = read_file(out).size();
    proc_ = std::make_unique<Subprocess>(argv_, out, dir_ / "https.stderr");
    const bool up = wait_until(
        "read_file(out).find(\"listening\", before) != std::string::npos",
        [&] { return read_file(out).find("listening", before) != std::string::npos; }, 20s);
    BOOST_REQUIRE_MESSAGE(up, "the HTTPS receiver did not start:\n"
                                  << read_file(dir_ / "https.stderr"));
  }
  void stop() {
    if (!proc_) return;
    proc_->signal(SIGTERM);
    proc_->wait(10s);
    proc_.reset();
  }

  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_file(log_));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
  uint16_t port_;
  std::filesystem::path log_;
  std::vector<std::string> argv_;
  std::unique_ptr<Subprocess> proc_;
};

}  // namespace wardsoc::testing
