// Syslog over TCP on loopback: lines/s through SyslogTcpInput (framing, UTF-8 check,
// asset lookup, syslog/vendor/key=value parsing, batching) against, in the same run,
// the raw read rate of the same bytes (a plain recv loop counting newlines) and the
// parse cost alone (BatchBuilder on lines in memory).
//
//   build/bench/ingest_tcp_bench [lines] [runs]
#include <arpa/inet.h>
#include <cctz/time_zone.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "bench/ingest_bench_util.h"
#include "core/batch_queue.h"
#include "ingest/batch_builder.h"
#include "ingest/input_factory.h"
#include "spdlog/spdlog.h"

using namespace wardsoc;
using namespace wardsoc::bench;

namespace {

int connect_loopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + off, std::min<size_t>(data.size() - off, 1 << 20), MSG_NOSIGNAL);
    if (n <= 0) {
      std::perror("send");
      std::exit(1);
    }
    off += static_cast<size_t>(n);
  }
}

// The baseline: accept one connection and read until `lines` newlines went by.
double raw_read(const std::string& data, size_t lines) {
  const int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(srv, 1);
  ::getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len);
  const uint16_t port = ntohs(a.sin_port);
  const auto t0 = Clock::now();
  std::thread sender([&] {
    const int fd = connect_loopback(port);
    send_all(fd, data);
    ::close(fd);
  });
  const int c = ::accept(srv, nullptr, nullptr);
  std::vector<char> buf(256 * 1024);
  size_t seen = 0;
  while (seen < lines) {
    const ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    const char* p = buf.data();
    const char* end = p + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
      ++seen;
      ++p;
    }
  }
  const double s = seconds_since(t0);
  sender.join();
  ::close(c);
  ::close(srv);
  return static_cast<double>(seen) / s;
}

double parse_only(const std::vector<std::string>& lines, const IngestContext& ctx) {
  InputCommon common;
  common.name = "bench";
  common.batch_events = 1024;
  cctz::time_zone zone;
  cctz::load_time_zone("Asia/Ho_Chi_Minh", &zone);
  InputCounters counters;
  BatchBuilder builder(common, zone, &counters, ctx);
  const int64_t now = 1'714'532'400'000'000;
  const auto t0 = Clock::now();
  size_t events = 0;
  for (const auto& l : lines) {
    builder.add(l, 0, "10.20.1.7", now);
    if (builder.full()) events += builder.take().size();
  }
  events += builder.take().size();
  return static_cast<double>(events) / seconds_since(t0);
}

double through_input(const std::string& data, size_t lines, const IngestContext& ctx) {
  BatchQueue queue(64);
  SyslogTcpConfig c;
  c.common.name = "bench-tcp";
  c.common.batch_events = 1024;
  c.port = 0;
  auto input = make_input(c, queue, ctx);
  if (!input.ok() || !(*input)->start().ok()) {
    std::fprintf(stderr, "cannot start the TCP input\n");
    std::exit(1);
  }
  const std::string ep = (*input)->local_endpoint();
  const auto port = static_cast<uint16_t>(std::stoi(ep.substr(ep.rfind(':') + 1)));
  const auto t0 = Clock::now();
  std::thread sender([&] {
    const int fd = connect_loopback(port);
    send_all(fd, data);
    ::close(fd);
  });
  size_t got = 0;
  EventBatch b;
  while (got < lines) {
    if (queue.pop(&b, std::chrono::milliseconds(100))) got += b.size();
  }
  const double s = seconds_since(t0);
  sender.join();
  (*input)->stop();
  return static_cast<double>(got) / s;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  const auto lines = sample_lines(n);
  std::string lf;
  std::string counted;
  size_t bytes = 0;
  for (const auto& l : lines) {
    lf += l;
    lf += '\n';
    counted += std::to_string(l.size()) + " " + l;
    bytes += l.size();
  }
  // The counted baseline reads the same bytes; it counts frames by newline-free data, so
  // give it LF lines of the same total size.
  const IngestContext ctx = ward_context();
  std::printf("ingest_tcp_bench: %zu lines, %.1f bytes/line, median of %d runs\n", n,
              static_cast<double>(bytes) / static_cast<double>(n), runs);
  std::vector<double> raw, parse, lf_in, counted_in;
  for (int r = 0; r < runs; ++r) {
    raw.push_back(raw_read(lf, n));
    parse.push_back(parse_only(lines, ctx));
    lf_in.push_back(through_input(lf, n, ctx));
    counted_in.push_back(through_input(counted, n, ctx));
  }
  const double base = median(raw);
  std::printf("  raw socket read (no parsing)      %12.0f lines/s  1.00\n", base);
  std::printf("  parse only (BatchBuilder, memory)  %12.0f lines/s  %.2f\n", median(parse),
              median(parse) / base);
  std::printf("  SyslogTcpInput, LF framing         %12.0f lines/s  %.2f\n", median(lf_in),
              median(lf_in) / base);
  std::printf("  SyslogTcpInput, octet counting     %12.0f lines/s  %.2f\n", median(counted_in),
              median(counted_in) / base);
  return 0;
}
