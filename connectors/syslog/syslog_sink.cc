#include "connectors/syslog/syslog_sink.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "connectors/format/captured_fields.h"

namespace wardsoc {

namespace {
std::string this_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "-";
  std::string h(buf);
  for (char& c : h) {
    if (c <= 32 || c >= 127) c = '-';
  }
  return h;
}
}  // namespace

Result<std::unique_ptr<SyslogSink>> SyslogSink::Open(const SyslogSinkConfig& config,
                                                     const SinkContext& context) {
  const std::string& name = config.common.name;
  if (config.host.empty()) return Error(Errc::kInvalidArgument, "sink " + name + ": host is empty");
  if (config.port == 0) return Error(Errc::kInvalidArgument, "sink " + name + ": port is 0");
  std::unique_ptr<SyslogSink> sink(new SyslogSink(config, context));
  StreamClientOptions o;
  o.host = config.host;
  o.port = config.port;
  o.tls = config.transport == SyslogTransport::kTls;
  o.tls_config = config.tls;
  o.connect_timeout = config.connect_timeout;
  o.io_timeout = config.write_timeout;
  auto client = StreamClient::Create(o);
  if (!client) return std::move(client).error().with_context("sink " + name);
  sink->client_ = std::move(client).value();
  return sink;
}

SyslogSink::SyslogSink(SyslogSinkConfig config, const SinkContext& context)
    : config_(std::move(config)), renderer_(config_.common.format, context) {
  header_.facility = config_.facility;
  header_.hostname = config_.hostname.empty() ? this_host() : config_.hostname;
  header_.app_name = config_.app_name;
  header_.msgid = renderer_.format() == AlertFormat::kCef ? "CEF" : "alert";
}

DeliveryResult SyslogSink::deliver(std::span<const OutboxEntry> entries) {
  if (entries.empty()) return {DeliveryStatus::kDelivered, 0, {}};
  // A receiver that closed the connection since the last batch (restart, idle timeout)
  // never sees this batch written into the dead connection.
  if (client_->connected() && client_->peer_closed()) {
    spdlog::debug("sink {}: {} closed the connection; reconnecting", name(), client_->peer());
    client_->close();
  }
  if (!client_->connected()) {
    if (auto s = client_->connect(); !s) return {DeliveryStatus::kRetry, 0, s.error().message};
    spdlog::debug("sink {}: connected to {}", name(), client_->peer());
  }
  buffer_.clear();
  for (const auto& e : entries) {
    append_syslog_frame(&buffer_, header_, syslog_severity(e.incident.severity), e.enqueued_us,
                        renderer_.render(e));
  }
  if (auto s = client_->write_all(buffer_); !s) {
    return {DeliveryStatus::kRetry, 0, s.error().message};
  }
  if (auto s = client_->wait_acked(); !s) return {DeliveryStatus::kRetry, 0, s.error().message};
  if (config_.confirm_delay.count() > 0) {
    if (auto s = client_->watch(config_.confirm_delay); !s) {
      return {DeliveryStatus::kRetry, 0, s.error().message + " (the batch is sent again)"};
    }
  }
  return {DeliveryStatus::kDelivered, entries.size(), {}};
}

}  // namespace wardsoc
