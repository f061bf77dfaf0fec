// SyslogSink: sends alerts to the city SOC's syslog receiver (a SIEM collector,
// syslog-ng, rsyslog) as RFC 5424 messages with RFC 5425 octet counting, over TLS (or
// plain TCP), with CEF (default) or JSON as the message.
//
// What "delivered" means here: syslog over TCP has no acknowledgement from the
// receiving program, only from its TCP stack. A batch counts as delivered once
//   1. the connection was found open right before the batch was written (a receiver
//      that closed it since, e.g. restarted, gets a new connection and the batch),
//   2. every byte of the batch was acknowledged by the receiver's TCP stack, and
//   3. the connection then stayed open for `confirm_delay`;
// otherwise the whole batch is sent again on a new connection (the receiver may see
// some alerts twice; the incident id tells them apart). What this cannot catch is a
// receiver that takes bytes into its socket buffer and then dies without reading
// them after the confirm delay; Kafka (acks=all) and the webhook (HTTP 2xx) confirm
// at the application level. docs/forwarding.md says the same for operators.
//
// Thread safety: none beyond Sink's.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "connectors/alert_renderer.h"
#include "connectors/sink.h"
#include "connectors/syslog/stream_client.h"
#include "connectors/syslog/syslog_message.h"
#include "connectors/syslog/syslog_sink_config.h"
#include "core/result.h"

namespace wardsoc {

class SyslogSink final : public Sink {
 public:
  // Checks the settings and loads certificates; does not connect.
  static Result<std::unique_ptr<SyslogSink>> Open(const SyslogSinkConfig& config,
                                                  const SinkContext& context = {});
  ~SyslogSink() override = default;

  const std::string& name() const override { return config_.common.name; }
  DeliveryResult deliver(std::span<const OutboxEntry> entries) override;
  void interrupt(bool on) override { client_->interrupt(on); }

 private:
  SyslogSink(SyslogSinkConfig config, const SinkContext& context);

  const SyslogSinkConfig config_;
  const AlertRenderer renderer_;
  SyslogHeaderFields header_;
  std::unique_ptr<StreamClient> client_;
  std::string buffer_;  // the batch's frames, reused
};

}  // namespace wardsoc
