// SyslogTlsInput: syslog over TLS (RFC 5425) with OpenSSL: the server presents its
// certificate; with verify_client it also checks the sender's certificate against a CA.
// Framing, backpressure and limits are those of syslog over TCP (SyslogStreamInput,
// StreamServer); a handshake that fails (a plain-text sender, an untrusted or missing
// client certificate, a sender that never finishes) is counted in tls_handshake_failures
// and logged with the sender and OpenSSL's reason, and blocks nobody.
//
// Thread safety: see Input. One I/O thread, started by start() and joined by stop().
#pragma once

#include <cctz/time_zone.h>

#include <memory>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/ingest_context.h"
#include "ingest/syslog/syslog_input_config.h"
#include "ingest/syslog/syslog_stream_input.h"
#include "ingest/syslog/tls_context.h"

namespace wardsoc {

class SyslogTlsInput final : public SyslogStreamInput {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<SyslogTlsInput>> Open(const SyslogTlsConfig& cfg, BatchQueue& queue,
                                                      const cctz::time_zone& zone,
                                                      const IngestContext& ctx);
  // `tls` is the context make_tls_server_context() built from config.tls.
  SyslogTlsInput(const SyslogTlsConfig& config, std::shared_ptr<TlsServerContext> tls,
                 BatchQueue& queue, const cctz::time_zone& zone, const IngestContext& context = {});
};

}  // namespace wardsoc
