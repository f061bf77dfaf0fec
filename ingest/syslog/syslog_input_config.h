// Configuration of the syslog inputs: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425).
// Read by syslog_input_config_reader.cc, checked by each input's Open(); plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/input_common.h"
#include "ingest/syslog/tls_context.h"

namespace wardsoc {

struct SyslogUdpConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 5514;  // 0 = any free port (see Input::local_endpoint)
  size_t receive_buffer_bytes = 8 << 20;
};

struct SyslogTcpConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 5514;  // 0 = any free port (see Input::local_endpoint)
  size_t max_connections = 1024;
  size_t max_connections_per_source = 64;  // 0 = only max_connections
  std::chrono::seconds idle_timeout{300};  // without a byte, then closed; 0 = never
  // Without a byte this long a connection is idle: it may make room for a new one.
  std::chrono::milliseconds evict_idle_after{1000};
};

struct SyslogTlsConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 6514;  // RFC 5425's port; 0 = any free port
  size_t max_connections = 1024;
  size_t max_connections_per_source = 64;  // 0 = only max_connections
  std::chrono::seconds idle_timeout{300};  // without a byte, then closed; 0 = never
  // Without a byte this long a connection is idle: it may make room for a new one.
  std::chrono::milliseconds evict_idle_after{1000};
  TlsServerSettings tls;
};

}  // namespace wardsoc
