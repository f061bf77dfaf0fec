#include "ingest/input_factory.h"

#include <cctz/time_zone.h>

#include "ingest/file_input.h"
#include "ingest/http_input.h"
#include "ingest/kafka_input.h"
#include "ingest/syslog_tcp_input.h"
#include "ingest/syslog_tls_input.h"
#include "ingest/syslog_udp_input.h"

namespace wardsoc {

namespace {

// Far above any real log line; keeps a batch's 32-bit arena offsets safe.
constexpr size_t kMaxLineBytesLimit = 64u << 20;

Error invalid(std::string message) { return Error(Errc::kInvalidArgument, std::move(message)); }

Result<cctz::time_zone> check_common(const InputCommon& c) {
  if (c.name.empty()) return invalid("name: missing");
  if (c.max_line_bytes == 0 || c.max_line_bytes > kMaxLineBytesLimit) {
    return invalid("max_line_bytes: must be between 1 and " + std::to_string(kMaxLineBytesLimit));
  }
  if (c.batch_events == 0) return invalid("batch_events: must be at least 1");
  if (c.flush_interval.count() <= 0) return invalid("flush_interval: must be positive");
  if (c.max_clock_skew.count() <= 0) return invalid("max_clock_skew: must be positive");
  cctz::time_zone zone;
  if (!cctz::load_time_zone(c.zone, &zone)) {
    return invalid("zone: unknown time zone '" + c.zone +
                   "' (expected a tz database name such "
                   "as Asia/Ho_Chi_Minh or UTC)");
  }
  return zone;
}

using Made = Result<std::unique_ptr<Input>>;

Made make(const SyslogUdpConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.receive_buffer_bytes == 0) return invalid("receive_buffer_bytes: must be positive");
  return std::unique_ptr<Input>(std::make_unique<SyslogUdpInput>(cfg, queue, zone, ctx));
}

Made make(const SyslogTcpConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  if (cfg.idle_timeout.count() < 0) return invalid("idle_timeout: must not be negative");
  return std::unique_ptr<Input>(std::make_unique<SyslogTcpInput>(cfg, queue, zone, ctx));
}

Made make(const SyslogTlsConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  if (cfg.idle_timeout.count() < 0) return invalid("idle_timeout: must not be negative");
  if (cfg.tls.handshake_timeout.count() <= 0) {
    return invalid("tls.handshake_timeout: must be positive");
  }
  auto tls = make_tls_server_context(cfg.tls);
  if (!tls.ok()) return std::move(tls).error();
  return std::unique_ptr<Input>(
      std::make_unique<SyslogTlsInput>(cfg, std::move(*tls), queue, zone, ctx));
}

Made make(const KafkaInputConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.brokers.empty()) return invalid("brokers: missing");
  if (cfg.group.empty()) return invalid("group: missing");
  if (cfg.topics.empty()) return invalid("topics: missing (at least one topic)");
  if (cfg.start_from != "earliest" && cfg.start_from != "latest") {
    return invalid("start_from: expected earliest or latest");
  }
  if (cfg.commit_interval.count() <= 0) return invalid("commit_interval: must be positive");
  return std::unique_ptr<Input>(std::make_unique<KafkaInput>(cfg, queue, zone, ctx));
}

Made make(const FileInputConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.paths.empty()) return invalid("paths: missing (at least one file)");
  for (size_t i = 0; i < cfg.paths.size(); ++i) {
    if (cfg.paths[i].empty()) return invalid("paths[" + std::to_string(i) + "]: empty");
    for (size_t j = 0; j < i; ++j) {
      if (cfg.paths[j] == cfg.paths[i]) {
        return invalid("paths[" + std::to_string(i) + "]: '" + cfg.paths[i] + "' is listed twice");
      }
    }
  }
  if (cfg.read_from != "beginning" && cfg.read_from != "end") {
    return invalid("read_from: expected beginning or end");
  }
  if (cfg.fingerprint_bytes == 0) return invalid("fingerprint_bytes: must be positive");
  if (cfg.poll_interval.count() <= 0) return invalid("poll_interval: must be positive");
  return std::unique_ptr<Input>(std::make_unique<FileInput>(cfg, queue, zone, ctx));
}

Made make(const HttpInputConfig& cfg, BatchQueue& queue, const cctz::time_zone& zone,
          const IngestContext& ctx) {
  if (cfg.address.empty()) return invalid("address: missing");
  if (cfg.tokens.empty()) return invalid("tokens: missing (at least one token)");
  if (cfg.path.empty() || cfg.path.front() != '/') return invalid("path: must start with '/'");
  if (cfg.max_body_bytes == 0) return invalid("max_body_bytes: must be positive");
  if (cfg.max_connections == 0) return invalid("max_connections: must be at least 1");
  return std::unique_ptr<Input>(std::make_unique<HttpInput>(cfg, queue, zone, ctx));
}

}  // namespace

Result<std::unique_ptr<Input>> make_input(const InputConfig& cfg, BatchQueue& queue,
                                          const IngestContext& context) {
  auto zone = check_common(input_common(cfg));
  if (!zone.ok()) return std::move(zone).error();
  return std::visit([&](const auto& c) { return make(c, queue, *zone, context); }, cfg);
}

}  // namespace wardsoc
