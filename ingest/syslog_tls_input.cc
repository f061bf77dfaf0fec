#include "ingest/syslog_tls_input.h"

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

}  // namespace wardsoc
