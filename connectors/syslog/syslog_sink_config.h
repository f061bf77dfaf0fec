// Configuration of the syslog sink: alerts as RFC 5424 messages with RFC 5425 octet
// counting, over TCP or TLS, carrying CEF (the default) or JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "connectors/sink_common.h"

namespace wardsoc {

enum class SyslogTransport { kTcp, kTls };

struct SyslogSinkConfig {
  // Large batches: each one waits `confirm_delay` once, so the batch size bounds the rate
  // (1000 alerts per 100 ms).
  SinkCommon common = sink_defaults("soc-syslog", AlertFormat::kCef, 1000);
  std::string host;
  uint16_t port = 6514;  // RFC 5425's port for syslog over TLS
  SyslogTransport transport = SyslogTransport::kTls;
  TlsClientConfig tls;
  int facility = 20;     // local4
  std::string hostname;  // HOSTNAME of the header; empty = this machine's name
  std::string app_name = "wardsoc";
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds write_timeout{30000};
  // Plain TCP (and TLS) has no acknowledgement from the receiving program, only from
  // its kernel. A batch counts as delivered once the receiver's TCP stack has acked
  // every byte and the connection stayed open this long after: a receiver that closes
  // or resets the connection in that time gets the batch again (docs/forwarding.md).
  std::chrono::milliseconds confirm_delay{100};
};

}  // namespace wardsoc
