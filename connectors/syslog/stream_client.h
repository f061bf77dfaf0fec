// StreamClient: one outgoing TCP connection, optionally TLS (OpenSSL), with every wait
// bounded by a deadline and cut short by interrupt(). The syslog sink writes batches
// through it and uses its two checks that plain TCP otherwise hides:
//   - peer_closed(): has the receiver closed or reset the connection since the last
//     write? Checked before writing, so a batch is not written into a dead connection
//     (a receiver restart between batches loses nothing);
//   - wait_acked(): has the receiver's TCP stack acknowledged every byte written
//     (the socket's send queue, SIOCOUTQ, is empty)?
// and watch(), which waits a while for the receiver to close or reset.
//
// The socket is non-blocking; reads, writes and the TLS handshake wait with poll(),
// which also watches an eventfd that interrupt(true) makes readable.
//
// Thread safety: one thread uses a client; interrupt() may be called from any thread.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/sink_common.h"
#include "core/result.h"

namespace wardsoc {

struct StreamClientOptions {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  TlsClientConfig tls_config;
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect and TLS handshake
  std::chrono::milliseconds io_timeout{30000};       // one write, or the wait for acks
};

class StreamClient {
 public:
  // Loads CA and client certificates (errors name the file); does not connect.
  static Result<std::unique_ptr<StreamClient>> Create(const StreamClientOptions& options);
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  // Resolves the host, connects (trying each address) and, with TLS, completes the
  // handshake and verifies the server's certificate and name. kUnavailable on failure.
  Status connect();
  bool connected() const { return fd_ >= 0; }
  void close();

  // Writes everything or fails (the connection is then closed).
  Status write_all(std::string_view data);
  // Waits until the peer's TCP stack has acknowledged every byte written.
  Status wait_acked();
  // True if the receiver closed or reset the connection (anything it sent is read
  // and dropped; TLS session tickets are processed). Never blocks.
  bool peer_closed();
  // Waits `d`; fails early if the receiver closes or resets the connection meanwhile.
  Status watch(std::chrono::milliseconds d);

  void interrupt(bool on);
  const std::string& peer() const { return peer_; }  // "host:port" for messages

 private:
  using Clock = std::chrono::steady_clock;
  explicit StreamClient(StreamClientOptions options);
  Status init_tls();
  // Waits for `events` on the socket until `deadline`; kUnavailable on timeout or
  // interrupt (the message says which), and the connection is then closed.
  Status wait_for(short events, Clock::time_point deadline, std::string_view what);
  Status tls_handshake(Clock::time_point deadline);
  Error io_error(std::string_view what, int err);
  Error tls_error(std::string_view what);

  const StreamClientOptions options_;
  const std::string peer_;
  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd, readable while interrupted
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

}  // namespace wardsoc
