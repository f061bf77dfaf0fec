#include "ingest/syslog/syslog_tcp_input.h"

namespace wardsoc {

SyslogTcpInput::SyslogTcpInput(const SyslogTcpConfig& config, BatchQueue& queue,
                               const cctz::time_zone& zone, const IngestContext& context)
    : SyslogStreamInput(config.common, stream_server_options(config), queue, zone, context) {}

Result<std::unique_ptr<SyslogTcpInput>> SyslogTcpInput::Open(const SyslogTcpConfig& cfg,
                                                             BatchQueue& queue,
                                                             const cctz::time_zone& zone,
                                                             const IngestContext& ctx) {
  if (Status s = check_stream_config(cfg); !s.ok()) return std::move(s).error();
  return std::make_unique<SyslogTcpInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
