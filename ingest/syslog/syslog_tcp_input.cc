#include "ingest/syslog/syslog_tcp_input.h"

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

Result<std::unique_ptr<SyslogTcpInput>> SyslogTcpInput::Open(const SyslogTcpConfig& cfg,
                                                             BatchQueue& queue,
                                                             const cctz::time_zone& zone,
                                                             const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  if (cfg.idle_timeout.count() < 0) return invalid("idle_timeout: must not be negative");
  return std::make_unique<SyslogTcpInput>(cfg, queue, zone, ctx);
}

}  // namespace wardsoc
