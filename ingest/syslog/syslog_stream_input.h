// SyslogStreamInput: what syslog over TCP and syslog over TLS share — an Input on a
// StreamServer that cannot acknowledge (a restart loses what senders had in flight), the
// server's settings taken from the config, and the checks of the keys both have. The two
// inputs add only their own checks (and, for TLS, the OpenSSL context).
//
// Thread safety: see Input. All socket work runs on one I/O thread owned by the server,
// started by start() and joined by stop().
#pragma once

#include <cctz/time_zone.h>

#include <string>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "ingest/input_counters.h"
#include "ingest/syslog/stream_server.h"

namespace wardsoc {

class SyslogStreamInput : public Input {
 public:
  ~SyslogStreamInput() override;

  const std::string& name() const override { return name_; }
  bool can_acknowledge() const override { return false; }
  Status start() override { return server_.start(); }
  // Closes the listener and every connection (what the kernel already received is read
  // first, and a last line without LF is kept), then pushes what is left.
  void stop() override { server_.stop(); }
  bool drained() const override { return false; }
  InputStats stats() const override { return counters_.snapshot(); }
  std::string local_endpoint() const override { return server_.local_endpoint(); }

 protected:
  // Does not touch the network; start() binds. `queue` must outlive the input.
  SyslogStreamInput(const InputCommon& common, const StreamServerOptions& options,
                    BatchQueue& queue, const cctz::time_zone& zone, const IngestContext& context);

 private:
  const std::string name_;
  InputCounters counters_;
  StreamServer server_;
};

// The server's settings from a SyslogTcpConfig or a SyslogTlsConfig (without TLS).
template <typename Config>
StreamServerOptions stream_server_options(const Config& c) {
  StreamServerOptions o;
  o.address = c.address;
  o.port = c.port;
  o.max_connections = c.max_connections;
  o.max_connections_per_source = c.max_connections_per_source;
  o.idle_timeout = c.idle_timeout;
  o.evict_idle_after = c.evict_idle_after;
  return o;
}

// The checks of the keys both configs have; the error names the key ("max_connections:
// must be at least 1").
template <typename Config>
Status check_stream_config(const Config& c) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (c.address.empty()) return invalid("address: missing");
  if (c.max_connections == 0) return invalid("max_connections: must be at least 1");
  if (c.idle_timeout.count() < 0) return invalid("idle_timeout: must not be negative");
  return ok_status();
}

}  // namespace wardsoc
