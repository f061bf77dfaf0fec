// SyslogTcpInput: syslog over TCP (RFC 6587: octet counting or LF framing, recognised per
// frame), many senders at once. TCP senders can wait, so nothing is dropped: while the
// queue is full the input stops reading its sockets, the kernel buffers fill and the
// senders block until there is room again. See StreamServer for the limits and
// SyslogStreamInput for what it shares with the TLS input.
//
// Thread safety: see Input. All socket work runs on one I/O thread owned by the input,
// started by start() and joined by stop().
#pragma once

#include <cctz/time_zone.h>

#include <memory>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/ingest_context.h"
#include "ingest/syslog/syslog_input_config.h"
#include "ingest/syslog/syslog_stream_input.h"

namespace wardsoc {

class SyslogTcpInput final : public SyslogStreamInput {
 public:
  // Checks the settings (the error names the key: "max_connections: must be at least
  // 1") and builds the input; nothing is opened or bound until start(). What
  // make_input() calls for this type.
  static Result<std::unique_ptr<SyslogTcpInput>> Open(const SyslogTcpConfig& cfg, BatchQueue& queue,
                                                      const cctz::time_zone& zone,
                                                      const IngestContext& ctx);
  // Does not touch the network; start() binds. `queue` must outlive the input.
  SyslogTcpInput(const SyslogTcpConfig& config, BatchQueue& queue, const cctz::time_zone& zone,
                 const IngestContext& context = {});
};

}  // namespace wardsoc
