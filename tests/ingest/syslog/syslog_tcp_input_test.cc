#include <atomic>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

SyslogTcpConfig tcp_config() {
  SyslogTcpConfig c;
  c.common.name = "syslog-tcp";
  c.common.index = 3;
  c.common.asset_class = AssetClass::kCamera;
  c.common.zone = "UTC";
  c.common.batch_events = 50;
  c.common.flush_interval = 5ms;
  c.port = 0;
  return c;
}

std::unique_ptr<Input> started(const SyslogTcpConfig& c, BatchQueue& queue) {
  auto input = make_input(c, queue);
  if (!input.ok()) BOOST_FAIL(input.error().message);
  if (const Status s = (*input)->start(); !s.ok()) BOOST_FAIL(s.error().message);
  return std::move(*input);
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_from_concurrent_connections_all_arrive_with_their_peer) {
  BatchQueue queue(64);
  auto input = started(tcp_config(), queue);
  BOOST_TEST(!input->can_acknowledge());
  BOOST_TEST(!input->drained());
  const uint16_t port = port_of(input->local_endpoint());
  BOOST_TEST(input->local_endpoint() == "127.0.0.1:" + std::to_string(port));

  constexpr int kClients = 8;
  constexpr int kLines = 500;
  std::atomic<int> send_failures{0};  // Boost.Test assertions are for the main thread only
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([c, port, &send_failures] {
      TcpClient client(port);
      std::string data;
      for (int i = 0; i < kLines; ++i) {
        data += "<13>Oct 11 22:14:15 cam" + std::to_string(c) + " app[" + std::to_string(i) +
                "]: client " + std::to_string(c) + " line " + std::to_string(i) + "\r\n";
      }
      // Odd-sized writes, so lines straddle reads.
      for (size_t at = 0; at < data.size(); at += 777) {
        if (!client.send_all(std::string_view(data).substr(at, 777))) ++send_failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  BOOST_TEST_REQUIRE(send_failures.load() == 0);

  const auto batches = pop_events(queue, kClients * kLines);
  BOOST_TEST_REQUIRE(count_events(batches) == static_cast<size_t>(kClients * kLines));
  std::map<std::string, int> next_line;  // per client: lines arrive in the order sent
  for (const auto& b : batches) {
    for (const auto& e : b.events()) {
      BOOST_TEST_REQUIRE(b.view(e.peer) == "127.0.0.1");
      BOOST_TEST(e.input == 3);
      BOOST_TEST(static_cast<int>(e.asset_class) == static_cast<int>(AssetClass::kCamera));
      BOOST_TEST(e.receive_time_us > 0);
      // The lines carry an old fixed date: a clock-skew flag is right, nothing else is.
      BOOST_TEST((e.flags & ~uint32_t{kEventClockSkew}) == 0u);
      const std::string host(b.view(e.header.host));
      const std::string procid(b.view(e.header.procid));
      BOOST_TEST_REQUIRE(procid == std::to_string(next_line[host]));
      ++next_line[host];
      BOOST_TEST(b.raw(e).back() != '\r');
    }
  }
  BOOST_TEST(next_line.size() == static_cast<size_t>(kClients));
  BOOST_TEST(wait_until("input->stats().connections_open == 0",
                        [&] { return input->stats().connections_open == 0; }));
  const InputStats s = input->stats();
  BOOST_TEST(s.lines == static_cast<uint64_t>(kClients * kLines));
  BOOST_TEST(s.connections_total == static_cast<uint64_t>(kClients));
  BOOST_TEST(s.dropped == 0u);
  input->stop();
  input->stop();  // idempotent
}

BOOST_AUTO_TEST_CASE(overlong_line_is_truncated_flagged_and_the_next_line_kept) {
  BatchQueue queue(16);
  SyslogTcpConfig c = tcp_config();
  c.common.max_line_bytes = 256;
  auto input = started(c, queue);
  {
    TcpClient client(port_of(input->local_endpoint()));
    BOOST_TEST_REQUIRE(client.send_all(std::string(1000, 'A') + "\nshort\n"));
  }
  const auto lines = raw_lines(pop_events(queue, 2));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == std::string(256, 'A'));
  BOOST_TEST(lines[1] == "short");
  BOOST_TEST(input->stats().truncated == 1u);
}

BOOST_AUTO_TEST_CASE(last_line_without_newline_arrives_when_the_peer_closes) {
  BatchQueue queue(16);
  auto input = started(tcp_config(), queue);
  {
    TcpClient client(port_of(input->local_endpoint()));
    BOOST_TEST_REQUIRE(client.send_all("first\nlast without newline"));
  }
  const auto lines = raw_lines(pop_events(queue, 2));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[1] == "last without newline");
}

BOOST_AUTO_TEST_CASE(full_queue_pauses_reading_and_no_line_is_lost) {
  BatchQueue queue(1);  // nobody pops until the input has stalled
  SyslogTcpConfig c = tcp_config();
  c.common.batch_events = 100;
  c.common.max_line_bytes = 4096;
  auto input = started(c, queue);

  // 20 MB: more than fits in the input's memory while paused; whatever the kernel
  // buffers, the rest waits in the sender.
  constexpr int kLines = 20000;
  const std::string padding(1000, 'x');
  std::atomic<bool> writer_ok{false};
  std::atomic<bool> writer_finished{false};
  std::thread writer([&] {
    TcpClient client(port_of(input->local_endpoint()));
    std::string chunk;
    for (int i = 0; i < kLines; ++i) {
      chunk += "<13>Oct 11 22:14:15 host app: seq=" + std::to_string(i) + " " + padding + "\n";
      if (chunk.size() > 64 * 1024) {
        if (!client.send_all(chunk)) return;
        chunk.clear();
      }
    }
    writer_ok = client.send_all(chunk);
    writer_finished = true;
  });

  // Paused: the queue is full and the input's line count stops moving, far below what
  // was sent (one batch in the queue plus at most one read held back).
  uint64_t last = UINT64_MAX;
  const bool stalled = wait_until(
      "the input to stop reading with the queue full",
      [&] {
        // The thing awaited is a count that stays still: two reads at least 50 ms apart.
        std::this_thread::sleep_for(50ms);
        const uint64_t now = input->stats().lines;
        const bool same = now == last && queue.size() == 1;
        last = now;
        return same;
      },
      20s);
  BOOST_TEST_REQUIRE(stalled);
  BOOST_TEST(input->stats().lines < 1000u);
  // The kernel buffers filled and the sender is held up, not the input's memory.
  BOOST_TEST(!writer_finished.load());
  BOOST_TEST(input->stats().dropped == 0u);

  // Now drain: every line arrives exactly once, in order.
  std::vector<EventBatch> batches = pop_events(queue, kLines, 60s);
  writer.join();
  BOOST_TEST(writer_ok.load());
  int expected = 0;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) {
      const std::string_view msg = b.message(e);
      const std::string want = "seq=" + std::to_string(expected) + " ";
      BOOST_TEST_REQUIRE(msg.substr(0, want.size()) == want);
      ++expected;
    }
  }
  BOOST_TEST(expected == kLines);
  BOOST_TEST(input->stats().lines == static_cast<uint64_t>(kLines));
  BOOST_TEST(input->stats().dropped == 0u);
}

BOOST_AUTO_TEST_CASE(connections_over_the_limit_are_refused_and_counted) {
  BatchQueue queue(16);
  SyslogTcpConfig c = tcp_config();
  c.max_connections = 2;
  c.evict_idle_after = std::chrono::hours(1);  // none is ever idle enough to make room
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());

  auto first = std::make_unique<TcpClient>(port);
  TcpClient second(port);
  BOOST_TEST_REQUIRE(first->send_all("one\n"));
  BOOST_TEST_REQUIRE(second.send_all("two\n"));
  BOOST_TEST_REQUIRE(
      wait_until("input->stats().lines == 2", [&] { return input->stats().lines == 2; }));

  TcpClient third(port);  // the kernel accepts it; the input closes it at once
  BOOST_TEST(third.closed_by_server());
  BOOST_TEST(input->stats().connections_refused == 1u);
  BOOST_TEST(input->stats().refused_global == 1u);
  BOOST_TEST(input->stats().evicted == 0u);
  BOOST_TEST(input->stats().connections_open == 2u);

  // A slot freed is a slot available again.
  first.reset();
  BOOST_TEST_REQUIRE(wait_until("input->stats().connections_open == 1",
                                [&] { return input->stats().connections_open == 1; }));
  TcpClient fourth(port);
  BOOST_TEST_REQUIRE(fourth.send_all("four\n"));
  BOOST_TEST(wait_until("input->stats().lines == 3", [&] { return input->stats().lines == 3; }));
  BOOST_TEST(input->stats().connections_total == 3u);
}

BOOST_AUTO_TEST_CASE(one_address_cannot_take_more_than_max_connections_per_source) {
  BatchQueue queue(16);
  SyslogTcpConfig c = tcp_config();
  c.max_connections_per_source = 2;
  c.evict_idle_after = std::chrono::hours(1);
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());

  TcpClient a1(port, "127.0.0.2");
  TcpClient a2(port, "127.0.0.2");
  BOOST_TEST_REQUIRE(a1.connected());
  BOOST_TEST_REQUIRE(a1.send_all("<13>a1\n"));
  BOOST_TEST_REQUIRE(a2.send_all("<13>a2\n"));
  BOOST_TEST_REQUIRE(wait_until("two lines", [&] { return input->stats().lines == 2; }));
  TcpClient a3(port, "127.0.0.2");
  BOOST_TEST(a3.closed_by_server());
  BOOST_TEST(input->stats().refused_per_source == 1u);
  BOOST_TEST(input->stats().refused_global == 0u);

  // Another address is not held back by the first one's limit.
  TcpClient b(port, "127.0.0.3");
  BOOST_TEST_REQUIRE(b.send_all("<13>from b\n"));
  BOOST_TEST(wait_until("b's line", [&] { return input->stats().lines == 3; }));
  const auto lines = raw_lines(pop_events(queue, 3));
  BOOST_TEST(lines.back() == "<13>from b");
  BOOST_TEST(input->stats().connections_open == 3u);
}

// Idle connections holding every slot (the lock-out of a sender that connects and sends
// nothing): a new sender makes room by closing the one silent longest.
BOOST_AUTO_TEST_CASE(idle_connections_make_room_for_a_real_sender) {
  BatchQueue queue(64);
  SyslogTcpConfig c = tcp_config();
  c.max_connections = 4;
  c.max_connections_per_source = 0;
  c.evict_idle_after = 300ms;
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());
  std::vector<std::unique_ptr<TcpClient>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<TcpClient>(port, "127.0.0.9"));
  BOOST_TEST_REQUIRE(
      wait_until("4 connections open", [&] { return input->stats().connections_open == 4; }));

  // Until the idle ones have been silent for evict_idle_after a newcomer is refused; the
  // first one after that is served.
  std::unique_ptr<TcpClient> sender;
  BOOST_TEST_REQUIRE(wait_until("the real sender's line", [&] {
    sender = std::make_unique<TcpClient>(port);
    if (!sender->send_all("<38>sshd[1]: Failed password for root from 203.0.113.7\n")) {
      return false;
    }
    return static_cast<bool>(wait_until(
        "line", [&] { return input->stats().lines >= 1; }, 200ms));
  }));
  const InputStats s = input->stats();
  BOOST_TEST(s.evicted == 1u);
  BOOST_TEST(s.connections_open == 4u);
  BOOST_TEST(idle.front()->closed_by_server());  // the oldest made room
  BOOST_TEST(raw_lines(pop_events(queue, 1)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(stop_pushes_the_partial_batch_and_the_unterminated_line) {
  BatchQueue queue(16);
  SyslogTcpConfig c = tcp_config();
  c.common.batch_events = 1000;
  c.common.flush_interval = std::chrono::hours(1);
  auto input = started(c, queue);
  TcpClient client(port_of(input->local_endpoint()));
  BOOST_TEST_REQUIRE(client.send_all("a\nb\nc\nunterminated"));
  BOOST_TEST_REQUIRE(
      wait_until("input->stats().lines == 3", [&] { return input->stats().lines == 3; }));
  BOOST_TEST(queue.size() == 0u);  // neither full nor due

  input->stop();
  BOOST_TEST(queue.size() == 1u);
  const auto lines = raw_lines(pop_events(queue, 4, 1s));
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[3] == "unterminated");
  BOOST_TEST(input->stats().connections_open == 0u);
  BOOST_TEST(client.closed_by_server());
}

BOOST_AUTO_TEST_CASE(idle_connection_is_closed_after_idle_timeout) {
  BatchQueue queue(16);
  SyslogTcpConfig c = tcp_config();
  c.idle_timeout = std::chrono::seconds(1);
  auto input = started(c, queue);
  TcpClient client(port_of(input->local_endpoint()));
  BOOST_TEST_REQUIRE(client.send_all("hello\n"));
  BOOST_TEST(client.closed_by_server());  // blocks until the input gives up on it
  BOOST_TEST(wait_until("input->stats().connections_open == 0",
                        [&] { return input->stats().connections_open == 0; }));
  BOOST_TEST(input->stats().closed_idle == 1u);
  BOOST_TEST(raw_lines(pop_events(queue, 1)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(port_in_use_is_an_error_naming_the_endpoint) {
  BatchQueue queue(4);
  auto first = started(tcp_config(), queue);
  SyslogTcpConfig c = tcp_config();
  c.port = port_of(first->local_endpoint());
  auto second = make_input(c, queue);
  BOOST_TEST_REQUIRE(second.ok());
  const Status s = (*second)->start();
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find("127.0.0.1:" + std::to_string(c.port)) != std::string::npos,
             s.error().message);
  BOOST_TEST(s.error().message.find("in use") != std::string::npos, s.error().message);
}

BOOST_AUTO_TEST_CASE(listens_on_ipv6_loopback) {
  BatchQueue queue(4);
  SyslogTcpConfig c = tcp_config();
  c.address = "::1";
  auto input = make_input(c, queue);
  BOOST_TEST_REQUIRE(input.ok());
  if (const Status s = (*input)->start(); !s.ok()) {
    BOOST_TEST_MESSAGE("no IPv6 loopback here: " << s.error().message);
    return;
  }
  const std::string ep = (*input)->local_endpoint();
  BOOST_TEST(ep.rfind("[::1]:", 0) == 0u, ep);
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port_of(ep));
  a.sin6_addr = in6addr_loopback;
  BOOST_TEST_REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  const std::string line = "v6 line\n";
  BOOST_TEST(send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size()));
  close(fd);
  const auto batches = pop_events(queue, 1);
  BOOST_TEST_REQUIRE(count_events(batches) == 1u);
  BOOST_TEST(batches[0].view(batches[0].events()[0].peer) == "::1");
}

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(octet_counted_and_lf_senders_are_recognised_per_connection) {
  BatchQueue queue(64);
  auto input = started(tcp_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());
  TcpClient counted(port);
  TcpClient lines(port);
  const std::string m1 = "<34>1 2024-05-01T10:00:00+07:00 cam-01 vms - - - motion\nsecond line";
  const std::string m2 = "<34>1 2024-05-01T10:00:01+07:00 cam-01 vms - - - tamper";
  BOOST_TEST_REQUIRE(counted.send_all(std::to_string(m1.size()) + " " + m1 +
                                      std::to_string(m2.size()) + " " + m2));
  BOOST_TEST_REQUIRE(lines.send_all("<13>May  1 10:00:00 sw1 kernel: port up\n"));
  const auto got = raw_lines(pop_events(queue, 3));
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(std::count(got.begin(), got.end(), m1) == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), m2) == 1);
  BOOST_TEST(input->stats().framing_errors == 0u);
}

BOOST_AUTO_TEST_CASE(lying_octet_counts_are_counted_and_hurt_no_other_sender) {
  BatchQueue queue(64);
  auto input = started(tcp_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());
  {
    TcpClient liar(port);
    // Too short, then far too long for what follows before the sender leaves.
    BOOST_TEST_REQUIRE(liar.send_all("8 <13>abcdefghij\n90000 <13>short"));
  }
  TcpClient honest(port);
  BOOST_TEST_REQUIRE(honest.send_all("11 <13>honest!"));
  BOOST_TEST(wait_until("input->stats().framing_errors == 2",
                        [&] { return input->stats().framing_errors == 2; }));
  const auto got = raw_lines(pop_events(queue, 4));
  BOOST_TEST(std::count(got.begin(), got.end(), "<13>honest!") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "<13>abcd") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "efghij") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "<13>short") == 1);
}

BOOST_AUTO_TEST_CASE(binary_garbage_nul_bytes_and_bad_headers_are_kept_flagged_and_counted) {
  BatchQueue queue(64);
  auto input = started(tcp_config(), queue);
  TcpClient client(port_of(input->local_endpoint()));
  std::string garbage;
  for (int i = 0; i < 256; ++i) {
    if (i != '\n') garbage += static_cast<char>(i);
  }
  BOOST_TEST_REQUIRE(client.send_all(garbage + "\n"));
  BOOST_TEST_REQUIRE(client.send_all(std::string("<13>with\0nul", 12) + "\n"));
  BOOST_TEST_REQUIRE(client.send_all("<999>Oct 11 22:14:15 host app: bad pri\n"));
  BOOST_TEST_REQUIRE(client.send_all("<13>1 2024-99-99T99:99:99Z host app - - - bad time\n"));
  const auto batches = pop_events(queue, 4);
  BOOST_TEST_REQUIRE(count_events(batches) == 4u);
  const auto lines = raw_lines(batches);
  BOOST_TEST(lines[0] == garbage);  // every byte kept
  BOOST_TEST(lines[1] == std::string("<13>with\0nul", 12));
  const InputStats s = input->stats();
  BOOST_TEST(s.invalid_utf8 == 1u);
  BOOST_TEST(s.nul_bytes == 2u);  // the garbage line holds one too
  BOOST_TEST(s.malformed == 2u);
}

BOOST_AUTO_TEST_CASE(silent_and_slow_senders_block_nobody) {
  BatchQueue queue(64);
  auto input = started(tcp_config(), queue);
  const uint16_t port = port_of(input->local_endpoint());
  TcpClient silent(port);  // connects and never writes
  TcpClient slow(port);
  BOOST_TEST_REQUIRE(slow.send_all("<13>half of a li"));  // and then nothing for a while
  TcpClient busy(port);
  std::string data;
  for (int i = 0; i < 1000; ++i) data += "<13>busy line " + std::to_string(i) + "\n";
  BOOST_TEST_REQUIRE(busy.send_all(data));
  BOOST_TEST(count_events(pop_events(queue, 1000)) == 1000u);
  BOOST_TEST_REQUIRE(slow.send_all("ne\n"));
  BOOST_TEST(raw_lines(pop_events(queue, 1)) == (std::vector<std::string>{"<13>half of a line"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(thousands_of_connections_are_capped_with_a_count) {
  BatchQueue queue(64);
  SyslogTcpConfig c = tcp_config();
  c.max_connections = 500;
  c.max_connections_per_source = 0;
  c.evict_idle_after = std::chrono::hours(1);
  auto input = started(c, queue);
  const uint16_t port = port_of(input->local_endpoint());
  std::vector<std::unique_ptr<TcpClient>> clients;
  for (int i = 0; i < 2000; ++i) {
    clients.push_back(std::make_unique<TcpClient>(port));
    BOOST_TEST_REQUIRE(clients.back()->connected());
  }
  // None sends a byte: each newcomer closes the oldest of them that never spoke.
  BOOST_TEST(wait_until("500 connections open and 1500 evicted", [&] {
    const InputStats s = input->stats();
    return s.connections_open == 500 && s.evicted == 1500 && s.connections_refused == 0;
  }));
  // The ones let in (the newest 500) still work.
  BOOST_TEST_REQUIRE(clients.back()->send_all("<13>still served\n"));
  BOOST_TEST(raw_lines(pop_events(queue, 1)).size() == 1u);
  clients.clear();
  BOOST_TEST(wait_until("input->stats().connections_open == 0",
                        [&] { return input->stats().connections_open == 0; }));
}

BOOST_AUTO_TEST_SUITE_END()
