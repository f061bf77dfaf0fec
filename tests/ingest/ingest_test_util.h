// Helpers shared by the ingest tests: draining a BatchQueue,
// and plain blocking loopback clients (the senders are deliberately not Asio, so the
// inputs are tested against ordinary sockets as real devices use them).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/batch_queue.h"
#include "core/event.h"
#include "tests/support/wait.h"

namespace wardsoc::testing {

using namespace std::chrono_literals;

// Pops batches until `events` events have arrived or `timeout` passes.
inline std::vector<EventBatch> pop_events(BatchQueue& queue, size_t events,
                                          std::chrono::milliseconds timeout = 10s) {
  std::vector<EventBatch> out;
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got < events && std::chrono::steady_clock::now() < deadline) {
    EventBatch b;
    if (queue.pop(&b, 10ms)) {
      got += b.size();
      out.push_back(std::move(b));
    }
  }
  return out;
}

inline size_t count_events(const std::vector<EventBatch>& batches) {
  size_t n = 0;
  for (const auto& b : batches) n += b.size();
  return n;
}

inline std::vector<std::string> raw_lines(const std::vector<EventBatch>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) out.emplace_back(b.raw(e));
  }
  return out;
}

inline uint16_t port_of(const std::string& endpoint) {
  return static_cast<uint16_t>(std::atoi(endpoint.substr(endpoint.rfind(':') + 1).c_str()));
}

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A blocking TCP client to 127.0.0.1, from `source` (another loopback address such as
// "127.0.0.2", to play a second sender) or the kernel's choice.
class TcpClient {
 public:
  explicit TcpClient(uint16_t port, const char* source = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && source != nullptr) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      if (inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
          bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
        return;
      }
    }
    const sockaddr_in a = loopback(port);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  }
  ~TcpClient() { close(); }
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // True once the server has closed the connection (read returns 0 or an error).
  bool closed_by_server() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n <= 0;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

inline bool send_udp(uint16_t port, std::string_view datagram) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port);
  const ssize_t n = sendto(fd, datagram.data(), datagram.size(), 0,
                           reinterpret_cast<const sockaddr*>(&a), sizeof a);
  ::close(fd);
  return n == static_cast<ssize_t>(datagram.size());
}

// The names of this process's threads, as `top -H` shows them.
inline std::vector<std::string> thread_names() {
  std::vector<std::string> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) out.push_back(name);
  }
  return out;
}

}  // namespace wardsoc::testing
