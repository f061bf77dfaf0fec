// Hostile load: a real sender at a steady rate over syslog TCP, first alone (the
// baseline, same run), then while a second process (forked before any thread starts)
// holds idle connections to the same input from many addresses, keeps slow requests open
// against an HTTP input and floods a UDP input. Reports the real sender's delivered share
// and its latency (send to the queue's consumer) in both phases, RSS over time, and what
// the inputs counted (evictions, refusals, timeouts, kernel drops).
//
//   build/bench/hostile_load_bench [rate lines/s] [seconds per phase]
#include <arpa/inet.h>
#include <cctz/time_zone.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "spdlog/spdlog.h"

using namespace wardsoc;
using namespace wardsoc::bench;
using namespace std::chrono_literals;

namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

sockaddr_in loopback_to(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A non-blocking connection from 127.0.0.<source> (-1 when it cannot be made).
int connect_from(uint16_t port, int source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(0x7f000000u | static_cast<uint32_t>(source));
  const sockaddr_in to = loopback_to(port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0 ||
      (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
       errno != EINPROGRESS)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True while the server has not closed `fd`.
bool still_open(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) > 0;
}

struct AttackPorts {
  uint16_t tcp = 0;
  uint16_t http = 0;
  uint16_t udp = 0;
};

// The second process: waits for the ports, then until killed keeps `idle` connections
// open to the TCP input (sending nothing, from 64 addresses), `slow` connections to the
// HTTP input (one byte of a request every 5 s each) and floods the UDP input.
[[noreturn]] void attacker(int ports_fd) {
  AttackPorts ports;
  if (::read(ports_fd, &ports, sizeof ports) != sizeof ports) _exit(1);
  constexpr size_t kIdle = 1024;
  constexpr size_t kSlow = 512;
  std::vector<int> idle;
  std::vector<std::pair<int, int64_t>> slow;  // fd, next byte due (ns)
  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const sockaddr_in udp_to = loopback_to(ports.udp);
  const std::string datagram = "<13>1 - flood app - - - " + std::string(200, 'u');
  int source = 0;
  for (;;) {
    for (size_t i = 0; i < idle.size();) {
      if (still_open(idle[i])) {
        ++i;
      } else {
        ::close(idle[i]);
        idle[i] = idle.back();
        idle.pop_back();
      }
    }
    while (idle.size() < kIdle) {
      const int fd = connect_from(ports.tcp, 10 + (source++ % 64));
      if (fd < 0) break;
      idle.push_back(fd);
    }
    const int64_t now = now_ns();
    for (size_t i = 0; i < slow.size();) {
      auto& [fd, due] = slow[i];
      if (!still_open(fd)) {
        ::close(fd);
        slow[i] = slow.back();
        slow.pop_back();
        continue;
      }
      if (now >= due) {
        [[maybe_unused]] const ssize_t n = ::send(fd, "G", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        due = now + 5'000'000'000;
      }
      ++i;
    }
    while (slow.size() < kSlow) {
      const int fd = connect_from(ports.http, 100 + (source++ % 64));
      if (fd < 0) break;
      slow.emplace_back(fd, now);
    }
    for (int i = 0; i < 200; ++i) {  // about 20,000 datagrams/s with the pause below
      [[maybe_unused]] const ssize_t n =
          ::sendto(udp, datagram.data(), datagram.size(), MSG_DONTWAIT,
                   reinterpret_cast<const sockaddr*>(&udp_to), sizeof udp_to);
    }
    ::usleep(10'000);
  }
}

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  uint64_t resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) /
         (1024.0 * 1024.0);
}

struct PhaseResult {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t reconnects = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

// The consumer: pops every batch, and for the real sender's lines ("REAL <phase> <ns>")
// records the latency in its phase.
class Consumer {
 public:
  explicit Consumer(BatchQueue& queue) : queue_(queue), thread_([this] { run(); }) {}
  ~Consumer() {
    done_ = true;
    thread_.join();
  }
  uint64_t delivered(int phase) {
    std::lock_guard lock(mu_);
    return latencies_ms_[phase].size();
  }
  std::vector<double> latencies(int phase) {
    std::lock_guard lock(mu_);
    return latencies_ms_[phase];
  }

 private:
  void run() {
    while (!done_) {
      EventBatch b;
      if (!queue_.pop(&b, std::chrono::milliseconds(10))) continue;
      const int64_t now = now_ns();
      std::lock_guard lock(mu_);
      for (const auto& e : b.events()) {
        const std::string_view raw = b.raw(e);
        const size_t at = raw.find("REAL ");
        if (at == std::string_view::npos) continue;
        const int phase = raw[at + 5] - '0';
        const int64_t sent = std::atoll(std::string(raw.substr(at + 7)).c_str());
        if (phase == 0 || phase == 1) {
          latencies_ms_[phase].push_back(static_cast<double>(now - sent) / 1e6);
        }
      }
    }
  }

  BatchQueue& queue_;
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::vector<double> latencies_ms_[2];
  std::thread thread_;
};

// The real sender: `rate` lines/s over one TCP connection from 127.0.0.1 for `seconds`,
// reconnecting if the connection is closed.
PhaseResult real_sender(uint16_t port, int phase, int rate, int seconds) {
  PhaseResult r;
  int fd = -1;
  auto connect_blocking = [&] {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in to = loopback_to(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd);
      fd = -1;
    }
  };
  connect_blocking();
  const auto start = SteadyClock::now();
  const uint64_t total = static_cast<uint64_t>(rate) * static_cast<uint64_t>(seconds);
  for (uint64_t i = 0; i < total; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::nanoseconds(static_cast<int64_t>(i) * 1'000'000'000 / rate));
    const std::string line = "<38>1 - gw sshd 4121 - - Failed password for root from " +
                             std::string("203.0.113.7 REAL ") + std::to_string(phase) + " " +
                             std::to_string(now_ns()) + "\n";
    ++r.sent;
    bool ok = fd >= 0 && ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(line.size());
    if (!ok) {
      if (fd >= 0) ::close(fd);
      ++r.reconnects;
      connect_blocking();
      ok = fd >= 0 &&
           ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
    }
  }
  if (fd >= 0) ::close(fd);
  return r;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int rate = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  int ports_pipe[2];
  if (::pipe(ports_pipe) != 0) return 1;
  const pid_t child = ::fork();  // before any thread: the child uses plain system calls
  if (child == 0) {
    ::close(ports_pipe[1]);
    attacker(ports_pipe[0]);
  }
  ::close(ports_pipe[0]);
  spdlog::set_level(spdlog::level::err);

  BatchQueue queue(64);
  const IngestContext context;
  SyslogTcpConfig tcp;
  tcp.common.name = "tcp";
  tcp.port = 0;
  tcp.max_connections = 256;
  HttpInputConfig http;
  http.common.name = "http";
  http.common.format = BodyFormat::kJson;
  http.port = 0;
  http.tokens = {"bench-token-0123456789"};
  SyslogUdpConfig udp;
  udp.common.name = "udp";
  udp.port = 0;
  udp.receive_buffer_bytes = 1 << 20;
  std::vector<std::unique_ptr<Input>> inputs;
  for (const InputConfig& c : {InputConfig(tcp), InputConfig(http), InputConfig(udp)}) {
    auto in = make_input(c, queue, context);
    if (!in.ok() || !(*in)->start().ok()) {
      std::fprintf(stderr, "cannot start an input\n");
      ::kill(child, SIGKILL);
      return 1;
    }
    inputs.push_back(std::move(*in));
  }
  auto port_of = [](const std::string& ep) {
    return static_cast<uint16_t>(std::atoi(ep.substr(ep.rfind(':') + 1).c_str()));
  };
  Consumer consumer(queue);
  std::atomic<bool> sampling{true};
  std::vector<std::pair<double, double>> rss;  // seconds, MiB
  const auto t0 = SteadyClock::now();
  std::thread sampler([&] {
    while (sampling) {
      rss.emplace_back(seconds_since(t0), rss_mib());
      for (int i = 0; i < 10 && sampling; ++i) std::this_thread::sleep_for(100ms);
    }
  });

  std::printf("real sender: %d lines/s over syslog TCP, %d s per phase\n", rate, seconds);
  PhaseResult phase[2];
  phase[0] = real_sender(port_of(inputs[0]->local_endpoint()), 0, rate, seconds);

  const AttackPorts ports{port_of(inputs[0]->local_endpoint()),
                          port_of(inputs[1]->local_endpoint()),
                          port_of(inputs[2]->local_endpoint())};
  if (::write(ports_pipe[1], &ports, sizeof ports) != sizeof ports) return 1;
  std::this_thread::sleep_for(2s);  // let the attack reach the limits first
  phase[1] = real_sender(ports.tcp, 1, rate, seconds);
  std::this_thread::sleep_for(500ms);  // the last batches reach the consumer
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  sampling = false;
  sampler.join();

  const char* names[2] = {"alone (baseline)", "under attack"};
  for (int p = 0; p < 2; ++p) {
    const auto lat = consumer.latencies(p);
    std::printf(
        "%-17s sent %llu, delivered %llu (%.2f%%), reconnects %llu, latency p50 %.2f ms, p99 "
        "%.2f ms\n",
        names[p], static_cast<unsigned long long>(phase[p].sent),
        static_cast<unsigned long long>(lat.size()),
        phase[p].sent ? 100.0 * static_cast<double>(lat.size()) / static_cast<double>(phase[p].sent)
                      : 0.0,
        static_cast<unsigned long long>(phase[p].reconnects), percentile(lat, 0.5),
        percentile(lat, 0.99));
  }
  const double base_p50 = percentile(consumer.latencies(0), 0.5);
  const double base_p99 = percentile(consumer.latencies(0), 0.99);
  if (base_p50 > 0 && base_p99 > 0) {
    std::printf("latency under attack / alone: p50 %.2fx, p99 %.2fx\n",
                percentile(consumer.latencies(1), 0.5) / base_p50,
                percentile(consumer.latencies(1), 0.99) / base_p99);
  }
  const InputStats t = inputs[0]->stats();
  const InputStats h = inputs[1]->stats();
  const InputStats u = inputs[2]->stats();
  std::printf(
      "tcp input: %llu connections, %llu refused (%llu global, %llu per source), %llu evicted\n",
      static_cast<unsigned long long>(t.connections_total),
      static_cast<unsigned long long>(t.connections_refused),
      static_cast<unsigned long long>(t.refused_global),
      static_cast<unsigned long long>(t.refused_per_source),
      static_cast<unsigned long long>(t.evicted));
  std::printf("http input: %llu connections, %llu refused, %llu evicted, %llu header timeouts\n",
              static_cast<unsigned long long>(h.connections_total),
              static_cast<unsigned long long>(h.connections_refused),
              static_cast<unsigned long long>(h.evicted),
              static_cast<unsigned long long>(h.header_timeouts));
  std::printf("udp input: %llu datagrams read, %llu dropped by the kernel, %llu queue full\n",
              static_cast<unsigned long long>(u.lines),
              static_cast<unsigned long long>(u.kernel_dropped),
              static_cast<unsigned long long>(u.dropped));
  std::printf("RSS (MiB) over time:");
  for (const auto& [s, mib] : rss) std::printf(" %.0fs:%.1f", s, mib);
  std::printf("\n");
  for (auto& in : inputs) in->stop();
  return 0;
}
