#include "ingest/syslog_tcp_input.h"

namespace wardsoc {

namespace {
StreamServerOptions server_options(const SyslogTcpConfig& c) {
  StreamServerOptions o;
  o.address = c.address;
  o.port = c.port;
  o.max_connections = c.max_connections;
  o.idle_timeout = c.idle_timeout;
  return o;
}
}  // namespace

SyslogTcpInput::SyslogTcpInput(const SyslogTcpConfig& config, BatchQueue& queue,
                               const cctz::time_zone& zone, const IngestContext& context)
    : name_(config.common.name),
      server_(config.common, server_options(config), queue, zone, context, &counters_) {}

SyslogTcpInput::~SyslogTcpInput() { stop(); }

}  // namespace wardsoc
