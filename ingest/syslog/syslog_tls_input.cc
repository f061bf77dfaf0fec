#include "ingest/syslog/syslog_tls_input.h"

namespace wardsoc {

namespace {
StreamServerOptions server_options(const SyslogTlsConfig& c,
                                   std::shared_ptr<TlsServerContext> tls) {
  StreamServerOptions o;
  o.address = c.address;
  o.port = c.port;
  o.max_connections = c.max_connections;
  o.idle_timeout = c.idle_timeout;
  o.tls = std::move(tls);
  return o;
}
}  // namespace

SyslogTlsInput::SyslogTlsInput(const SyslogTlsConfig& config, std::shared_ptr<TlsServerContext> tls,
                               BatchQueue& queue, const cctz::time_zone& zone,
                               const IngestContext& context)
    : name_(config.common.name),
      server_(config.common, server_options(config, std::move(tls)), queue, zone, context,
              &counters_) {}

SyslogTlsInput::~SyslogTlsInput() { stop(); }

Result<std::unique_ptr<SyslogTlsInput>> SyslogTlsInput::Open(const SyslogTlsConfig& cfg,
                                                             BatchQueue& queue,
                                                             const cctz::time_zone& zone,
                                                             const IngestContext& ctx) {
  auto invalid = [](std::string message) {
    return Error(Errc::kInvalidArgument, std::move(message));
  };
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  if (cfg.idle_timeout.count() < 0) return invalid("idle_timeout: must not be negative");
  if (cfg.tls.handshake_timeout.count() <= 0) {
    return invalid("tls.handshake_timeout: must be positive");
  }
  auto tls = make_tls_server_context(cfg.tls);
  if (!tls.ok()) return std::move(tls).error();
  return std::make_unique<SyslogTlsInput>(cfg, std::move(*tls), queue, zone, ctx);
}

}  // namespace wardsoc
