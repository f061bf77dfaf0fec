// `wardsoc run` under a hostile network: idle connections holding every slot of the
// syslog TCP input while a real brute force arrives on a new one; a slowloris against the
// API while /healthz must answer; a UDP flood into a small receive buffer whose kernel
// drops must show in /metrics, so that events read plus drops equal what was sent.
#include <signal.h>
#include <time.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/api/api_client.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/wait.h"
#include "tests/support/wardsoc_instance.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "hostile-load-test-token";

std::string api_section(const WardsocInstance& w, const std::string& extra = "") {
  return "api:\n  listen: " + w.api_listen() + "\n  token: " + kToken + "\n" + extra;
}

std::string common(const WardsocInstance& w) {
  std::ostringstream c;
  c << "rules: [" << WARDSOC_SOURCE_DIR << "/rules]\n"
    << "sinks:\n  - name: soc-file\n    type: file\n    path: " << w.soc.string() << "\n";
  return c.str();
}

// The value of the sample of `name` whose labels include every one of `labels`
// ("input=\"udp\""); -1 when there is none or the API does not answer.
double metric(const WardsocInstance& w, const std::string& name,
              const std::vector<std::string>& labels = {}) {
  auto r = api_request(w.api_listen(), "GET", "/metrics", "", kToken, 10s);
  if (!r.ok() || r->status != 200) return -1;
  std::istringstream in(r->body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

std::string now_rfc3339() {
  const time_t t = time(nullptr);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// Six failed logins for root from one address: what the linux-auth pack opens an
// incident for.
std::string brute_force_lines() {
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += "<38>1 " + now_rfc3339() + " gw sshd 4121 - - Failed password for root from " +
           "203.0.113.7 port " + std::to_string(52100 + i) + " ssh2\n";
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(idle_connections_holding_every_slot_do_not_hide_a_brute_force) {
  WardsocInstance w("idle-lockout", [](const WardsocInstance& i) {
    return common(i) + api_section(i) +
           "inputs:\n  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
           "    port: " +
           std::to_string(i.syslog_port) +
           "\n    class: server\n    max_connections: 8\n    max_connections_per_source: 0\n";
  });
  auto proc = w.start();
  // The attacker: every slot taken by connections that send nothing.
  std::vector<std::unique_ptr<TcpClient>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<TcpClient>(w.syslog_port, "127.0.0.66"));
    BOOST_TEST_REQUIRE(idle.back()->connected());
  }
  BOOST_TEST_REQUIRE(wait_until("8 connections open", [&] {
    return metric(w, "wardsoc_input_connections", {"input=\"syslog-tcp\""}) == 8;
  }));

  // The real sender connects afresh until it is let in (at once, once the attacker's
  // connections have been silent for a second) and its brute force is an incident.
  BOOST_TEST(wait_until(
      "the brute force to be an incident",
      [&] {
        TcpClient sender(w.syslog_port);
        if (!sender.send_all(brute_force_lines())) return false;
        sender.close();
        return static_cast<bool>(wait_until(
            "incident",
            [&] {
              const auto found = w.try_incidents();
              return found && !found->empty();
            },
            1s));
      },
      15s));
  BOOST_TEST(metric(w, "wardsoc_input_connections_closed_total",
                    {"input=\"syslog-tcp\"", "reason=\"evicted\""}) >= 1);
  BOOST_TEST(metric(w, "wardsoc_input_connections", {"input=\"syslog-tcp\""}) <= 8);
  WardsocInstance::stop(*proc);
  BOOST_TEST(w.log_contains("idle closed to make room"));  // the shutdown line counts it
}

BOOST_AUTO_TEST_CASE(healthz_answers_while_a_slowloris_holds_every_api_connection) {
  WardsocInstance w("api-slowloris", [](const WardsocInstance& i) {
    return common(i) +
           api_section(i,
                       "  max_connections: 6\n  max_connections_per_source: 0\n"
                       "  header_timeout: 3s\n") +
           "inputs:\n  - name: syslog-tcp\n    type: syslog_tcp\n    address: 127.0.0.1\n"
           "    port: " +
           std::to_string(i.syslog_port) + "\n";
  });
  auto proc = w.start();
  const uint16_t api_port = w.api_port;
  std::atomic<bool> done{false};
  std::atomic<int> opened{0};
  // Six connections from another address, each sending one byte of a request every
  // 1.5 s, reopened as soon as the server closes one.
  std::thread attacker([&] {
    std::vector<std::unique_ptr<TcpClient>> slow;
    while (!done) {
      std::erase_if(slow, [](const auto& s) { return !s->send_all("G"); });
      while (slow.size() < 6) {
        slow.push_back(std::make_unique<TcpClient>(api_port, "127.0.0.77"));
        ++opened;
      }
      for (int i = 0; i < 15 && !done; ++i) std::this_thread::sleep_for(100ms);  // the pace
    }
  });
  BOOST_TEST_REQUIRE(wait_until("the slowloris holding all 6 connections", [&] {
    return opened >= 6 && metric(w, "wardsoc_api_connections") == 6;
  }));
  // Every probe is answered, each within its own deadline, while the attack goes on.
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = api_request(w.api_listen(), "GET", "/healthz", "", "", 5s);
    if (r.ok() && r->status == 200) ++answered;
  }
  BOOST_TEST(answered == 10);
  BOOST_TEST(wait_until("a slowloris connection cut at header_timeout", [&] {
    return metric(w, "wardsoc_api_connections_closed_total", {"reason=\"header_timeout\""}) >= 1;
  }));
  done = true;
  attacker.join();
  BOOST_TEST(metric(w, "wardsoc_api_responses_total", {"code=\"200\""}) >= 10);
  WardsocInstance::stop(*proc);
}

BOOST_AUTO_TEST_CASE(udp_datagrams_the_kernel_drops_are_counted_and_none_goes_missing) {
  WardsocInstance w("udp-drops", [](const WardsocInstance& i) {
    return common(i) + api_section(i) +
           "inputs:\n  - name: udp\n    type: syslog_udp\n    address: 127.0.0.1\n"
           "    port: " +
           std::to_string(i.syslog_port) + "\n    receive_buffer_bytes: 65536\n";
  });
  auto proc = w.start();
  // The consumer stopped (the whole process): the kernel keeps what fits in the small
  // receive buffer and drops the rest.
  proc->signal(SIGSTOP);
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  const sockaddr_in to = loopback(w.syslog_port);
  constexpr int kSent = 4000;
  int sent = 0;
  for (int i = 0; i < kSent; ++i) {
    const std::string d =
        "<13>1 - host app - - - flood datagram " + std::to_string(i) + std::string(150, 'x');
    if (sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
        static_cast<ssize_t>(d.size())) {
      ++sent;
    }
  }
  close(fd);
  proc->signal(SIGCONT);
  BOOST_TEST_REQUIRE(sent == kSent);
  double events = 0;
  double kernel = 0;
  BOOST_TEST(wait_until("events + kernel drops == sent", [&] {
    events = metric(w, "wardsoc_input_events_total", {"input=\"udp\""});
    kernel = metric(w, "wardsoc_input_dropped_total", {"input=\"udp\"", "reason=\"kernel\""});
    return events >= 0 && kernel >= 0 && events + kernel == kSent;
  }));
  BOOST_TEST_MESSAGE("events " << events << ", kernel drops " << kernel);
  BOOST_TEST(kernel > 0);
  BOOST_TEST(events > 0);
  BOOST_TEST(metric(w, "wardsoc_input_dropped_total", {"input=\"udp\"", "reason=\"queue_full\""}) ==
             0);
  WardsocInstance::stop(*proc);
  BOOST_TEST(w.log_contains("by the kernel with the receive buffer full"));
}
