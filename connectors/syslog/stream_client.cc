#include "connectors/syslog/stream_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace wardsoc {

namespace {

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// OpenSSL writes to the socket with write(), which raises SIGPIPE when the receiver has
// gone; a library must not kill its process for that (nor change the process's signal
// disposition). While one of these lives, SIGPIPE is blocked on this thread, and one
// raised meanwhile is consumed before unblocking (the approach libcurl takes).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    already_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeBlock() {
    if (!already_pending_) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_;
  bool already_pending_ = false;
};

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

}  // namespace

Result<std::unique_ptr<StreamClient>> StreamClient::Create(const StreamClientOptions& options) {
  std::unique_ptr<StreamClient> c(new StreamClient(options));
  c->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (c->wake_fd_ < 0) {
    return Error(Errc::kIo, std::string("eventfd: ") + std::strerror(errno));
  }
  if (options.tls) {
    if (auto s = c->init_tls(); !s) return std::move(s).error();
  }
  return c;
}

StreamClient::StreamClient(StreamClientOptions options)
    : options_(std::move(options)), peer_(options_.host + ":" + std::to_string(options_.port)) {}

StreamClient::~StreamClient() {
  close();
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status StreamClient::init_tls() {
  const TlsClientConfig& t = options_.tls_config;
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return Error(Errc::kInternal, "TLS: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (t.verify) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    const int ok = t.ca_file.empty()
                       ? SSL_CTX_set_default_verify_paths(ctx_)
                       : SSL_CTX_load_verify_locations(ctx_, t.ca_file.c_str(), nullptr);
    if (ok != 1) {
      return Error(Errc::kInvalidArgument,
                   "TLS: cannot load CA certificates" +
                       (t.ca_file.empty() ? std::string() : " from '" + t.ca_file + "'") + ": " +
                       openssl_errors());
    }
  } else {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  if (!t.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, t.cert_file.c_str()) != 1) {
      return Error(Errc::kInvalidArgument, "TLS: cannot load client certificate '" + t.cert_file +
                                               "': " + openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, t.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1) {
      return Error(Errc::kInvalidArgument, "TLS: cannot load private key '" + t.key_file +
                                               "' for '" + t.cert_file + "': " + openssl_errors());
    }
  }
  return ok_status();
}

void StreamClient::close() {
  if (ssl_ != nullptr) {
    // A close_notify is polite but we do not wait for the answer.
    SigpipeBlock no_sigpipe;
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void StreamClient::interrupt(bool on) {
  if (on) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  } else {
    uint64_t v;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &v, sizeof v);
  }
}

Error StreamClient::io_error(std::string_view what, int err) {
  close();
  return Error(Errc::kUnavailable, std::string(what) + " " + peer_ + ": " + std::strerror(err));
}

Error StreamClient::tls_error(std::string_view what) {
  std::string detail = openssl_errors();
  if (ssl_ != nullptr) {
    const long v = SSL_get_verify_result(ssl_);
    if (v != X509_V_OK) detail = std::string("certificate: ") + X509_verify_cert_error_string(v);
  }
  close();
  return Error(Errc::kUnavailable, std::string(what) + " " + peer_ + ": " +
                                       (detail.empty() ? "connection closed" : detail));
}

Status StreamClient::wait_for(short events, Clock::time_point deadline, std::string_view what) {
  for (;;) {
    pollfd fds[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
    const int ms = remaining_ms(deadline);
    const int n = ::poll(fds, 2, ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(what, errno);
    }
    if (fds[1].revents != 0) {
      close();  // a write cut short leaves half a frame: the connection cannot go on
      return Error(Errc::kUnavailable, std::string(what) + " " + peer_ + ": interrupted");
    }
    if (fds[0].revents != 0) return ok_status();
    if (n == 0 && Clock::now() >= deadline) {
      close();
      return Error(Errc::kUnavailable, std::string(what) + " " + peer_ + ": timed out");
    }
  }
}

Status StreamClient::connect() {
  close();
  const auto deadline = Clock::now() + options_.connect_timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(options_.port);
  if (int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Error(Errc::kUnavailable, "resolving " + options_.host + ": " + gai_strerror(rc));
  }
  Error last(Errc::kUnavailable, "connecting to " + peer_ + ": no address");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ < 0) {
      last = io_error("socket for", errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = io_error("connecting to", errno);
        continue;
      }
      if (auto s = wait_for(POLLOUT, deadline, "connecting to"); !s) {
        last = std::move(s).error();
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = io_error("connecting to", err);
        continue;
      }
    }
    break;
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) return last;
  if (options_.tls) return tls_handshake(deadline);
  return ok_status();
}

Status StreamClient::tls_handshake(Clock::time_point deadline) {
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr) return tls_error("TLS with");
  SSL_set_fd(ssl_, fd_);
  const TlsClientConfig& t = options_.tls_config;
  const std::string& name = t.server_name.empty() ? options_.host : t.server_name;
  if (!is_ip_literal(name)) SSL_set_tlsext_host_name(ssl_, name.c_str());
  if (t.verify) {
    // The certificate must name the host we meant: a DNS name, or an IP address SAN.
    if (is_ip_literal(name)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str());
    } else {
      SSL_set1_host(ssl_, name.c_str());
    }
  }
  SigpipeBlock no_sigpipe;
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return ok_status();
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (auto s = wait_for(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                            "TLS handshake with");
          !s) {
        return s;
      }
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) return io_error("TLS handshake with", errno);
    return tls_error("TLS handshake with");
  }
}

Status StreamClient::write_all(std::string_view data) {
  if (fd_ < 0) return Error(Errc::kUnavailable, "writing to " + peer_ + ": not connected");
  const auto deadline = Clock::now() + options_.io_timeout;
  SigpipeBlock no_sigpipe;
  size_t done = 0;
  while (done < data.size()) {
    const size_t chunk = std::min<size_t>(data.size() - done, 1 << 20);
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int rc = SSL_write(ssl_, data.data() + done, static_cast<int>(chunk));
      if (rc > 0) {
        done += static_cast<size_t>(rc);
        continue;
      }
      const int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (auto s =
                wait_for(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "writing to");
            !s) {
          return s;
        }
        continue;
      }
      if (err == SSL_ERROR_SYSCALL && errno != 0) return io_error("writing to", errno);
      return tls_error("writing to");
    }
    const ssize_t n = ::send(fd_, data.data() + done, chunk, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto s = wait_for(POLLOUT, deadline, "writing to"); !s) return s;
      continue;
    }
    return io_error("writing to", n < 0 ? errno : EPIPE);
  }
  return ok_status();
}

Status StreamClient::wait_acked() {
  if (fd_ < 0) return Error(Errc::kUnavailable, "writing to " + peer_ + ": not connected");
  const auto deadline = Clock::now() + options_.io_timeout;
  // No event says "the send queue is empty": look, then sleep a little longer each
  // time (0.1 ms up to 10 ms). On a LAN the first look usually finds it empty.
  auto pause = std::chrono::microseconds(100);
  for (;;) {
    int unacked = 0;
    if (::ioctl(fd_, SIOCOUTQ, &unacked) != 0) return io_error("waiting for acks from", errno);
    if (unacked == 0) return ok_status();
    if (peer_closed()) {
      close();
      return Error(Errc::kUnavailable, "the receiver " + peer_ + " closed the connection with " +
                                           std::to_string(unacked) + " bytes unacknowledged");
    }
    if (Clock::now() >= deadline) {
      close();
      return Error(Errc::kUnavailable, "waiting for acks from " + peer_ + ": timed out with " +
                                           std::to_string(unacked) + " bytes unacknowledged");
    }
    pollfd wake{wake_fd_, POLLIN, 0};
    const int ms = static_cast<int>(std::max<int64_t>(1, pause.count() / 1000));
    if (pause < std::chrono::milliseconds(1)) {
      std::this_thread::sleep_for(pause);
    } else if (::poll(&wake, 1, ms) > 0) {
      return Error(Errc::kUnavailable, "waiting for acks from " + peer_ + ": interrupted");
    }
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
}

bool StreamClient::peer_closed() {
  if (fd_ < 0) return true;
  SigpipeBlock no_sigpipe;  // SSL_read may write (a TLS 1.3 key update answer)
  for (;;) {
    char buf[4096];
    if (ssl_ != nullptr) {
      // Let OpenSSL read whatever arrived (session tickets, alerts, stray data).
      ERR_clear_error();
      const int rc = SSL_read(ssl_, buf, sizeof buf);
      if (rc > 0) continue;  // a syslog receiver has nothing to say; drop it
      const int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
      return true;  // close_notify, EOF, reset or a TLS error
    }
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n == 0) return true;
    if (errno == EINTR) continue;
    return !(errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

Status StreamClient::watch(std::chrono::milliseconds d) {
  if (fd_ < 0) return Error(Errc::kUnavailable, "watching " + peer_ + ": not connected");
  const auto deadline = Clock::now() + d;
  while (Clock::now() < deadline) {
    pollfd fds[2] = {{fd_, POLLIN | POLLRDHUP, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, remaining_ms(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("watching", errno);
    }
    if (fds[1].revents != 0) {
      return Error(Errc::kUnavailable, "watching " + peer_ + ": interrupted");
    }
    if (fds[0].revents != 0) {
      if (peer_closed()) {
        close();
        return Error(Errc::kUnavailable, "the receiver " + peer_ + " closed the connection");
      }
      // Only data (a TLS session ticket): keep watching. POLLRDHUP stays set once seen,
      // but then peer_closed() reports it.
    }
  }
  return ok_status();
}

}  // namespace wardsoc
