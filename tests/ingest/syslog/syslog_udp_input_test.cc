#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

SyslogUdpConfig udp_config() {
  SyslogUdpConfig c;
  c.common.name = "syslog-udp";
  c.common.index = 1;
  c.common.asset_class = AssetClass::kWifi;
  c.common.zone = "Asia/Ho_Chi_Minh";
  c.common.batch_events = 64;
  c.common.flush_interval = 5ms;
  c.port = 0;
  c.receive_buffer_bytes = 1 << 20;
  return c;
}

std::unique_ptr<Input> started(const SyslogUdpConfig& c, BatchQueue& queue) {
  auto input = make_input(c, queue);
  if (!input.ok()) BOOST_FAIL(input.error().message);
  if (const Status s = (*input)->start(); !s.ok()) BOOST_FAIL(s.error().message);
  return std::move(*input);
}

}  // namespace

BOOST_AUTO_TEST_CASE(datagrams_arrive_parsed_with_their_sender) {
  BatchQueue queue(16);
  auto input = started(udp_config(), queue);
  BOOST_TEST(!input->can_acknowledge());
  // Its thread is named after it, so `top -H` tells which input is busy.
  BOOST_TEST(wait_until("one thread named in:syslog-udp", [] {
    const auto names = thread_names();
    return std::count(names.begin(), names.end(), "in:syslog-udp") == 1;
  }));
  const uint16_t port = port_of(input->local_endpoint());
  BOOST_TEST(input->local_endpoint() == "127.0.0.1:" + std::to_string(port));

  BOOST_TEST_REQUIRE(send_udp(port, "<34>Oct 11 22:14:15 ap-nvh-3 hostapd[77]: deauth\n"));
  BOOST_TEST_REQUIRE(send_udp(port, "<165>1 2003-10-11T22:14:15.003Z cam1 vms - ID47 - motion"));
  BOOST_TEST_REQUIRE(send_udp(port, "just text\r\n"));

  const auto batches = pop_events(queue, 3);
  BOOST_TEST_REQUIRE(count_events(batches) == 3u);
  std::vector<std::pair<const EventBatch*, const Event*>> events;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) events.emplace_back(&b, &e);
  }
  {
    const auto& [b, e] = events[0];
    BOOST_TEST(b->view(e->peer) == "127.0.0.1");
    BOOST_TEST(b->raw(*e) == "<34>Oct 11 22:14:15 ap-nvh-3 hostapd[77]: deauth");
    BOOST_TEST(e->header.pri == 34);
    BOOST_TEST(b->view(e->header.host) == "ap-nvh-3");
    BOOST_TEST(b->view(e->header.app) == "hostapd");
    BOOST_TEST(b->message(*e) == "deauth");
    BOOST_TEST(e->input == 1);
    BOOST_TEST(static_cast<int>(e->asset_class) == static_cast<int>(AssetClass::kWifi));
  }
  {
    const auto& [b, e] = events[1];
    BOOST_TEST(static_cast<int>(e->header.format) == static_cast<int>(SyslogFormat::kRfc5424));
    BOOST_TEST(b->view(e->header.host) == "cam1");
    BOOST_TEST(b->message(*e) == "motion");
  }
  {
    const auto& [b, e] = events[2];
    BOOST_TEST(b->raw(*e) == "just text");
    BOOST_TEST(static_cast<int>(e->header.format) == static_cast<int>(SyslogFormat::kNone));
  }
  const InputStats s = input->stats();
  BOOST_TEST(s.lines == 3u);
  BOOST_TEST(s.dropped == 0u);
}

BOOST_AUTO_TEST_CASE(full_queue_drops_and_counts_every_lost_datagram) {
  BatchQueue queue(1);  // nobody pops
  SyslogUdpConfig c = udp_config();
  c.common.batch_events = 1;  // one datagram per batch: the first fills the queue
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());
  constexpr int kSent = 20;
  for (int i = 0; i < kSent; ++i) {
    BOOST_TEST_REQUIRE(send_udp(port, "<13>Oct 11 22:14:15 h a: n=" + std::to_string(i)));
  }
  // A datagram is counted as a line when it is read and as dropped a moment later, when its
  // batch finds the queue full: wait until every one of them has been settled.
  BOOST_TEST_REQUIRE(wait_until("every datagram to be counted as batched or dropped", [&] {
    const InputStats now = input->stats();
    return now.lines == kSent && now.batches + now.dropped == kSent;
  }));
  const InputStats s = input->stats();
  BOOST_TEST(s.batches == 1u);
  BOOST_TEST(s.dropped == static_cast<uint64_t>(kSent - 1));
  BOOST_TEST(queue.size() == 1u);
  BOOST_TEST(raw_lines(pop_events(queue, 1)).at(0) == "<13>Oct 11 22:14:15 h a: n=0");
}

BOOST_AUTO_TEST_CASE(long_datagram_is_truncated_and_flagged) {
  BatchQueue queue(4);
  SyslogUdpConfig c = udp_config();
  c.common.max_line_bytes = 100;
  auto input = started(c, queue);
  BOOST_TEST_REQUIRE(send_udp(port_of(input->local_endpoint()), std::string(5000, 'z')));
  const auto batches = pop_events(queue, 1);
  BOOST_TEST_REQUIRE(count_events(batches) == 1u);
  const Event& e = batches[0].events()[0];
  BOOST_TEST(batches[0].raw(e) == std::string(100, 'z'));
  BOOST_TEST(e.flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(input->stats().truncated == 1u);
}

BOOST_AUTO_TEST_CASE(stop_pushes_what_was_received) {
  BatchQueue queue(4);
  SyslogUdpConfig c = udp_config();
  c.common.batch_events = 1000;
  c.common.flush_interval = std::chrono::hours(1);
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(send_udp(port, "line " + std::to_string(i)));
  BOOST_TEST_REQUIRE(
      wait_until("input->stats().lines == 5", [&] { return input->stats().lines == 5; }));
  BOOST_TEST(queue.size() == 0u);
  input->stop();
  input->stop();
  BOOST_TEST(count_events(pop_events(queue, 5, 1s)) == 5u);
}

BOOST_AUTO_TEST_CASE(receives_on_ipv6_loopback) {
  BatchQueue queue(4);
  SyslogUdpConfig c = udp_config();
  c.address = "::1";
  auto input = make_input(c, queue);
  BOOST_TEST_REQUIRE(input.ok());
  if (const Status s = (*input)->start(); !s.ok()) {
    BOOST_TEST_MESSAGE("no IPv6 loopback here: " << s.error().message);
    return;
  }
  const std::string ep = (*input)->local_endpoint();
  BOOST_TEST(ep.rfind("[::1]:", 0) == 0u, ep);
  const int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port_of(ep));
  a.sin6_addr = in6addr_loopback;
  const std::string line = "<13>Oct 11 22:14:15 h a: over v6";
  BOOST_TEST(sendto(fd, line.data(), line.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                    sizeof a) == static_cast<ssize_t>(line.size()));
  close(fd);
  const auto batches = pop_events(queue, 1);
  BOOST_TEST_REQUIRE(count_events(batches) == 1u);
  BOOST_TEST(batches[0].view(batches[0].events()[0].peer) == "::1");
}

BOOST_AUTO_TEST_CASE(port_in_use_is_an_error_naming_the_endpoint) {
  BatchQueue queue(4);
  auto first = started(udp_config(), queue);
  SyslogUdpConfig c = udp_config();
  c.port = port_of(first->local_endpoint());
  auto second = make_input(c, queue);
  BOOST_TEST_REQUIRE(second.ok());
  const Status s = (*second)->start();
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find("127.0.0.1:" + std::to_string(c.port)) != std::string::npos,
             s.error().message);
  BOOST_TEST(s.error().message.find("in use") != std::string::npos, s.error().message);
}
