#include "ingest/syslog/syslog_tls_input.h"

namespace wardsoc {

namespace {
StreamServerOptions server_options(const SyslogTlsConfig& c,
                                   std::shared_ptr<TlsServerContext> tls) {
  StreamServerOptions o = stream_server_options(c);
  o.tls = std::move(tls);
  return o;
}
}  // namespace

SyslogTlsInput::SyslogTlsInput(const SyslogTlsConfig& config, std::shared_ptr<TlsServerContext> tls,
                               BatchQueue& queue, const cctz::time_zone& zone,
                               const IngestContext& context)
    : SyslogStreamInput(config.common, server_options(config, std::move(tls)), queue, zone,
                        context) {}

Result<std::unique_ptr<SyslogTlsInput>> SyslogTlsInput::Open(const SyslogTlsConfig& cfg,
                                                             BatchQueue& queue,
                                                             const cctz::time_zone& zone,
                                                             const IngestContext& ctx) {
  if (Status s = check_stream_config(cfg); !s.ok()) return std::move(s).error();
  if (cfg.tls.handshake_timeout.count() <= 0) {
    return Error(Errc::kInvalidArgument, "tls.handshake_timeout: must be positive");
  }
  auto tls = make_tls_server_context(cfg.tls);
  if (!tls.ok()) return std::move(tls).error();
  return std::make_unique<SyslogTlsInput>(cfg, std::move(*tls), queue, zone, ctx);
}

}  // namespace wardsoc
