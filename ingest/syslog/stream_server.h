// StreamServer: the syslog TCP and TLS inputs' connections, on a TcpListener (which
// binds, accepts, backs off on accept errors and owns the I/O thread). That one thread
// runs every connection (Boost.Asio): many senders at once, none able to block another —
// an idle one costs a socket and a timer, a slow one only its own reads. Each connection
// is framed by a SyslogFramer (octet counting or LF, per frame).
//
// Backpressure: when the queue is full the server keeps the batch it could not hand on
// and stops reading every socket; the kernel buffers fill and TCP makes the senders
// wait. Nothing is dropped.
//
// Limits, each counted by reason and logged at most once per interval: connections past
// max_connections or max_connections_per_source make room by closing an idle one, or are
// closed at once (TcpListener); a connection silent for idle_timeout (5 min by default)
// is closed; a TLS handshake that fails or does not finish within the handshake timeout
// is closed.
//
// Thread safety: start() and stop() from the owning input's controlling thread;
// local_endpoint() from any thread.
#pragma once

#include <cctz/time_zone.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/ingest_context.h"
#include "ingest/input_counters.h"
#include "ingest/syslog/syslog_input_config.h"
#include "ingest/syslog/tls_context.h"

namespace wardsoc {

struct StreamServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  size_t max_connections = 1024;
  size_t max_connections_per_source = 64;  // 0 = only max_connections
  std::chrono::seconds idle_timeout{300};  // 0 = never
  std::chrono::milliseconds evict_idle_after{1000};
  std::shared_ptr<TlsServerContext> tls;  // null: plain TCP
};

class StreamServer {
 public:
  StreamServer(const InputCommon& common, const StreamServerOptions& options, BatchQueue& queue,
               const cctz::time_zone& zone, const IngestContext& context, InputCounters* counters);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // Binds and starts the I/O thread; the error names the address:port and why.
  Status start();
  // Closes the listener and every connection (what the kernel already received is read
  // first, and a last line without LF is kept), then pushes what is left. Idempotent.
  void stop();
  std::string local_endpoint() const;

 private:
  class Impl;  // keeps Boost.Asio out of this header
  const std::string name_;
  const char* const protocol_;  // "TCP" or "TLS", for log lines and errors
  InputCounters* const counters_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wardsoc
