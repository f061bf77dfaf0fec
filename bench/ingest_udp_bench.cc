// Syslog over UDP on loopback: datagrams/s through SyslogUdpInput (recvmmsg, parsing,
// batching) against, in the same run, a bare recvmmsg loop that only counts datagrams.
// Senders blast with sendmmsg; UDP cannot wait, so what the receiver did not take in
// time is lost — both rates and both losses are printed. Senders and receiver share the
// machine: on two cores one sender is the limit, more senders overload the receiver.
//
//   build/bench/ingest_udp_bench [datagrams] [runs] [sender threads]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "bench/ingest_bench_util.h"
#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "spdlog/spdlog.h"

using namespace wardsoc;
using namespace wardsoc::bench;

namespace {

constexpr unsigned kBurst = 64;

// Sends every line once as a datagram; returns when all were handed to the kernel.
void blast_slice(uint16_t port, const std::vector<std::string>& lines, size_t from, size_t to);

size_t g_senders = 1;

// Sends every line once, split between the sender threads (each its own socket).
void blast(uint16_t port, const std::vector<std::string>& lines) {
  const size_t senders = g_senders;
  std::vector<std::thread> threads;
  for (size_t k = 0; k < senders; ++k) {
    threads.emplace_back([&, k] {
      blast_slice(port, lines, lines.size() * k / senders, lines.size() * (k + 1) / senders);
    });
  }
  for (auto& t : threads) t.join();
}

void blast_slice(uint16_t port, const std::vector<std::string>& lines, size_t from, size_t to) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::vector<mmsghdr> msgs(kBurst);
  std::vector<iovec> iovs(kBurst);
  for (size_t at = from; at < to;) {
    const unsigned n = static_cast<unsigned>(std::min<size_t>(kBurst, to - at));
    for (unsigned i = 0; i < n; ++i) {
      iovs[i].iov_base = const_cast<char*>(lines[at + i].data());
      iovs[i].iov_len = lines[at + i].size();
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(fd, msgs.data(), n, 0);
    if (sent > 0) at += static_cast<size_t>(sent);
  }
  ::close(fd);
}

struct Rate {
  double rate = 0;  // datagrams received per second
  double loss = 0;  // fraction not received
  double cpu = 0;   // CPU seconds per received datagram on the receiving thread
};

double this_thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Rate raw_recvmmsg(const std::vector<std::string>& lines) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int buf = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  timeval tv{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<char> data(kBurst * 2048);
  std::vector<mmsghdr> msgs(kBurst);
  std::vector<iovec> iovs(kBurst);
  const auto t0 = Clock::now();
  const double cpu0 = this_thread_cpu_seconds();
  std::thread sender([&] { blast(ntohs(a.sin_port), lines); });
  size_t got = 0;
  auto last = Clock::now();
  for (;;) {
    for (unsigned i = 0; i < kBurst; ++i) {
      iovs[i] = iovec{data.data() + i * 2048, 2048};
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, msgs.data(), kBurst, MSG_WAITFORONE, nullptr);
    if (n <= 0) break;  // 200 ms without a datagram: the sender is done
    got += static_cast<size_t>(n);
    last = Clock::now();
    if (got == lines.size()) break;
  }
  const double cpu = this_thread_cpu_seconds() - cpu0;
  sender.join();
  ::close(fd);
  const double s = std::chrono::duration<double>(last - t0).count();
  return Rate{static_cast<double>(got) / s,
              1.0 - static_cast<double>(got) / static_cast<double>(lines.size()),
              got > 0 ? cpu / static_cast<double>(got) : 0};
}

Rate through_input(const std::vector<std::string>& lines, const IngestContext& ctx) {
  BatchQueue queue(256);
  SyslogUdpConfig c;
  c.common.name = "bench-udp";
  c.common.batch_events = 1024;
  c.port = 0;
  auto input = make_input(c, queue, ctx);
  if (!input.ok() || !(*input)->start().ok()) {
    std::fprintf(stderr, "cannot start the UDP input\n");
    std::exit(1);
  }
  const std::string ep = (*input)->local_endpoint();
  const auto port = static_cast<uint16_t>(std::stoi(ep.substr(ep.rfind(':') + 1)));
  const auto t0 = Clock::now();
  const double cpu0 = thread_cpu_seconds("in:" + c.common.name);
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    blast(port, lines);
    sent = true;
  });
  size_t got = 0;
  auto last = Clock::now();
  EventBatch b;
  for (;;) {
    if (queue.pop(&b, std::chrono::milliseconds(200))) {
      got += b.size();
      last = Clock::now();
      if (got == lines.size()) break;
    } else if (sent.load()) {
      break;
    }
  }
  const double cpu = thread_cpu_seconds("in:" + c.common.name) - cpu0;
  sender.join();
  (*input)->stop();
  while (queue.pop(&b, std::chrono::milliseconds(0))) got += b.size();
  const double s = std::chrono::duration<double>(last - t0).count();
  return Rate{static_cast<double>(got) / s,
              1.0 - static_cast<double>(got) / static_cast<double>(lines.size()),
              got > 0 ? cpu / static_cast<double>(got) : 0};
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  g_senders = argc > 3 ? std::max(1UL, std::stoul(argv[3])) : 1;
  const auto lines = sample_lines(n);
  const IngestContext ctx = ward_context();
  std::printf("ingest_udp_bench: %zu datagrams from %zu sender thread(s), median of %d runs\n", n,
              g_senders, runs);
  std::vector<double> raw_rate, raw_loss, raw_cpu, in_rate, in_loss, in_cpu;
  for (int r = 0; r < runs; ++r) {
    const Rate raw = raw_recvmmsg(lines);
    raw_rate.push_back(raw.rate);
    raw_loss.push_back(raw.loss);
    raw_cpu.push_back(raw.cpu);
    const Rate in = through_input(lines, ctx);
    in_rate.push_back(in.rate);
    in_loss.push_back(in.loss);
    in_cpu.push_back(in.cpu);
  }
  const double base = median(raw_rate);
  std::printf("  raw recvmmsg (no parsing)   %12.0f datagrams/s  1.00  loss %.1f%%\n", base,
              100 * median(raw_loss));
  std::printf("  SyslogUdpInput              %12.0f datagrams/s  %.2f  loss %.1f%%\n",
              median(in_rate), median(in_rate) / base, 100 * median(in_loss));
  // The sender shares the machine: what one receiving core could take on its own.
  std::printf(
      "  receiving thread, CPU per datagram: raw %.3f us, SyslogUdpInput %.3f us "
      "(one core takes %.0f datagrams/s)\n",
      median(raw_cpu) * 1e6, median(in_cpu) * 1e6, median(in_cpu) > 0 ? 1 / median(in_cpu) : 0);
  return 0;
}
