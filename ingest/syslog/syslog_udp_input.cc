#include "ingest/syslog/syslog_udp_input.h"

#include <linux/sock_diag.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "core/thread_name.h"
#include "core/time.h"
#include "ingest/syslog/socket_address.h"

namespace wardsoc {

namespace {
constexpr unsigned kDatagramsPerCall = 64;
// Large enough for any UDP datagram, so only a line cap ever truncates.
constexpr size_t kSlotBytes = 64 * 1024;
// At shutdown, what the kernel already accepted is read before the socket closes.
constexpr int kShutdownRounds = 1024;

// How often the socket's drop counter is read (SO_MEMINFO) besides what SO_RXQ_OVFL
// reports with each datagram: drops after the last datagram read show up this way.
constexpr auto kDropPollInterval = std::chrono::milliseconds(100);
constexpr size_t kControlBytes = CMSG_SPACE(sizeof(uint32_t));

std::string errno_text(int err) { return std::strerror(err); }
}  // namespace

struct SyslogUdpInput::Slots {
  std::vector<char> buffers = std::vector<char>(kDatagramsPerCall * kSlotBytes);
  std::array<mmsghdr, kDatagramsPerCall> msgs{};
  std::array<iovec, kDatagramsPerCall> iovs{};
  std::array<sockaddr_storage, kDatagramsPerCall> addrs{};
  // SO_RXQ_OVFL: the socket's drop count so far, sent along with a datagram.
  struct alignas(cmsghdr) Control {
    char bytes[kControlBytes];
  };
  std::array<Control, kDatagramsPerCall> controls{};
  // The sender of the previous datagram and its text; most come in runs per sender.
  sockaddr_storage last_addr{};
  char last_text[kPeerTextMax] = {};
  std::string_view last_peer;

  Slots() {
    for (unsigned i = 0; i < kDatagramsPerCall; ++i) {
      iovs[i].iov_base = buffers.data() + i * kSlotBytes;
      iovs[i].iov_len = kSlotBytes;
    }
  }

  void reset() {
    for (unsigned i = 0; i < kDatagramsPerCall; ++i) {
      msghdr& h = msgs[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &addrs[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &iovs[i];
      h.msg_iovlen = 1;
      h.msg_control = controls[i].bytes;
      h.msg_controllen = kControlBytes;
      msgs[i].msg_len = 0;
    }
  }

  std::string_view peer(const sockaddr_storage& addr) {
    if (last_peer.empty() || !same_address(addr, last_addr)) {
      last_addr = addr;
      last_peer = peer_address_text(reinterpret_cast<const sockaddr*>(&addr), last_text);
    }
    return last_peer;
  }
};

SyslogUdpInput::SyslogUdpInput(const SyslogUdpConfig& config, BatchQueue& queue,
                               const cctz::time_zone& zone, const IngestContext& context)
    : config_(config),
      queue_(queue),
      builder_(config_.common, zone, &counters_, context, /*live=*/true) {
  counters_.counts_kernel_drops = true;
}

SyslogUdpInput::~SyslogUdpInput() { stop(); }

std::string SyslogUdpInput::local_endpoint() const {
  std::lock_guard lock(mu_);
  return local_endpoint_;
}

Status SyslogUdpInput::start() {
  std::lock_guard lock(mu_);
  if (started_) return Error(Errc::kInvalidArgument, "input already started");
  const std::string where = config_.address + ":" + std::to_string(config_.port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(config_.port);
  if (int rc = getaddrinfo(config_.address.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Error(Errc::kInvalidArgument,
                 "cannot listen on UDP " + where + ": address: " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, &freeaddrinfo);

  const int fd = socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return Error(Errc::kIo, "cannot listen on UDP " + where + ": socket: " + errno_text(errno));
  }
  auto fail = [&](std::string_view what) {
    const int err = errno;
    close(fd);
    return Error(Errc::kIo, "cannot listen on UDP " + where + ": " + std::string(what) + ": " +
                                errno_text(err));
  };
  if (found->ai_family == AF_INET6) {
    // "::" should hear IPv4 senders too, whatever the host's default.
    const int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  // SO_RCVBUFFORCE passes net.core.rmem_max when privileged; otherwise the plain option
  // gets what the limit allows, and the log says so.
  const int wanted = static_cast<int>(std::min<size_t>(config_.receive_buffer_bytes, INT_MAX / 2));
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &wanted, sizeof wanted) != 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, sizeof wanted) != 0) {
    return fail("setsockopt(SO_RCVBUF)");
  }
  // The kernel's count of datagrams it dropped for this socket comes with each datagram
  // (and is read with SO_MEMINFO in between): every loss is counted.
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) != 0) {
    spdlog::warn(
        "input '{}': setsockopt(SO_RXQ_OVFL): {}; datagrams the kernel drops are "
        "counted only from the socket's statistics",
        name(), errno_text(errno));
  }
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) return fail("bind");
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
    return fail("getsockname");
  }
  const int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) return fail("eventfd");

  int granted = 0;
  socklen_t granted_len = sizeof granted;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &granted_len);
  local_endpoint_ = endpoint_text(reinterpret_cast<const sockaddr*>(&local));
  // Linux reports twice the size asked for (its own bookkeeping is included).
  if (static_cast<size_t>(granted) / 2 < static_cast<size_t>(wanted)) {
    spdlog::warn(
        "input '{}': UDP receive buffer is {} bytes, less than the {} asked for; raise "
        "net.core.rmem_max so bursts are not dropped by the kernel",
        name(), granted / 2, wanted);
  }
  spdlog::info("input '{}': listening for syslog on UDP {} (receive buffer {} bytes)", name(),
               local_endpoint_, granted / 2);

  fd_ = fd;
  wake_fd_ = wake;
  slots_ = std::make_unique<Slots>();
  started_ = true;
  thread_ = std::thread([this] {
    set_thread_name("in:" + name());
    run();
  });
  return ok_status();
}

void SyslogUdpInput::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(wake_fd_, &one, sizeof one);
  // Not under mu_: the thread's last push may wait for room in the queue.
  thread_.join();
  close(fd_);
  close(wake_fd_);
  fd_ = wake_fd_ = -1;
  const InputStats s = counters_.snapshot();
  spdlog::info(
      "input '{}': stopped ({} lines, {} dropped: {} with the queue full, {} by the kernel with "
      "the receive buffer full)",
      name(), s.lines, s.dropped + s.kernel_dropped, s.dropped, s.kernel_dropped);
}

void SyslogUdpInput::run() {
  std::array<pollfd, 2> fds{};
  fds[0].fd = fd_;
  fds[0].events = POLLIN;
  fds[1].fd = wake_fd_;
  fds[1].events = POLLIN;
  for (;;) {
    int timeout_ms = 1000;
    if (!builder_.empty()) {
      const auto left = builder_.deadline() - BatchBuilder::Clock::now();
      timeout_ms = static_cast<int>(
          std::clamp<int64_t>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, 1000));
    }
    const int ready = poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) {
      InputCounters::add(counters_.errors);
      uint64_t suppressed = 0;
      if (error_log_.allow(&suppressed)) {
        spdlog::warn("input '{}': poll: {} ({} similar suppressed)", name(), errno_text(errno),
                     suppressed);
      }
    }
    if (ready > 0 && fds[1].revents != 0) break;
    if (ready > 0 && fds[0].revents != 0) receive(16);
    const auto now = BatchBuilder::Clock::now();
    if (now - last_drop_poll_ >= kDropPollInterval) {
      last_drop_poll_ = now;
      read_socket_drops();
    }
    if (builder_.due(now)) flush_or_drop();
  }
  receive(kShutdownRounds);
  read_socket_drops();
  flush_blocking();
}

bool SyslogUdpInput::receive(int rounds) {
  Slots& s = *slots_;
  for (int round = 0; round < rounds; ++round) {
    s.reset();
    const int n = recvmmsg(fd_, s.msgs.data(), kDatagramsPerCall, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      if (errno == EINTR) continue;
      InputCounters::add(counters_.errors);
      uint64_t suppressed = 0;
      if (error_log_.allow(&suppressed)) {
        spdlog::warn("input '{}': recvmmsg: {} ({} similar suppressed)", name(), errno_text(errno),
                     suppressed);
      }
      return false;
    }
    const int64_t now = now_us();
    for (int i = 0; i < n; ++i) {
      const mmsghdr& m = s.msgs[static_cast<size_t>(i)];
      for (const cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c != nullptr;
           c = CMSG_NXTHDR(const_cast<msghdr*>(&m.msg_hdr), const_cast<cmsghdr*>(c))) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t total = 0;
          std::memcpy(&total, CMSG_DATA(c), sizeof total);
          note_kernel_drops(total);
        }
      }
      const char* data = static_cast<const char*>(s.iovs[static_cast<size_t>(i)].iov_base);
      size_t len = m.msg_len;
      // Senders differ on framing a datagram: some end it with LF, CR LF or NUL.
      while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\0')) --len;
      const uint32_t flags =
          (m.msg_hdr.msg_flags & MSG_TRUNC) ? static_cast<uint32_t>(kEventTruncated) : 0u;
      builder_.add(std::string_view(data, len), flags, s.peer(s.addrs[static_cast<size_t>(i)]),
                   now);
      if (builder_.full()) flush_or_drop();
    }
    if (n < static_cast<int>(kDatagramsPerCall)) return false;
  }
  return true;
}

void SyslogUdpInput::read_socket_drops() {
  std::array<uint32_t, SK_MEMINFO_VARS> info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, info.data(), &len) != 0 ||
      len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
    return;
  }
  note_kernel_drops(info[SK_MEMINFO_DROPS]);
}

// `total` is the socket's drop count since it was opened (32 bits, wrapping); a datagram
// may carry an older count than one read since, so only a step forward counts.
void SyslogUdpInput::note_kernel_drops(uint32_t total) {
  const uint32_t step = total - kernel_drops_seen_;
  if (step == 0 || step > (uint32_t{1} << 31)) return;
  kernel_drops_seen_ = total;
  InputCounters::add(counters_.kernel_dropped, step);
  uint64_t suppressed = 0;
  if (kernel_drop_log_.allow(&suppressed)) {
    spdlog::warn(
        "input '{}': the kernel dropped {} UDP datagrams, the receive buffer being full ({} in "
        "total; raise receive_buffer_bytes and net.core.rmem_max; {} similar warnings "
        "suppressed)",
        name(), step, counters_.kernel_dropped.load(std::memory_order_relaxed), suppressed);
  }
}

void SyslogUdpInput::flush_or_drop() {
  EventBatch batch = builder_.take();
  if (batch.empty()) return;
  if (queue_.try_push(batch)) {
    InputCounters::add(counters_.batches);
    return;
  }
  InputCounters::add(counters_.dropped, batch.size());
  uint64_t suppressed = 0;
  if (drop_log_.allow(&suppressed)) {
    spdlog::warn(
        "input '{}': event queue {}, dropped {} UDP messages ({} dropped in total, {} similar "
        "warnings suppressed)",
        name(), queue_.closed() ? "closed" : "full", batch.size(),
        counters_.dropped.load(std::memory_order_relaxed), suppressed);
  }
}

void SyslogUdpInput::flush_blocking() {
  EventBatch batch = builder_.take();
  push_at_stop(batch, queue_, counters_, name(), "messages");
}

Result<std::unique_ptr<SyslogUdpInput>> SyslogUdpInput::Open(const SyslogUdpConfig& cfg,
                                                             BatchQueue& queue,
                                                             const cctz::time_zone& zone,
                                                             const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.receive_buffer_bytes == 0) return invalid("receive_buffer_bytes: must be positive");
  return std::make_unique<SyslogUdpInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
