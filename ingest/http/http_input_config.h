// Configuration of the HTTP input: events POSTed to a path with a bearer token. Read by
// http_input_config_reader.cc, checked by HttpInput::Open(); plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/input_common.h"

namespace wardsoc {

struct HttpInputConfig {
  InputCommon common;
  std::string address = "127.0.0.1";
  uint16_t port = 8088;  // 0 = any free port
  std::string path = "/ingest";
  std::vector<std::string> tokens;  // accepted bearer tokens; at least one
  size_t max_body_bytes = 10u << 20;
  size_t max_connections = 256;
  size_t max_connections_per_source = 32;   // 0 = only max_connections
  std::chrono::seconds idle_timeout{60};    // for a request's first byte (keep-alive)
  std::chrono::seconds header_timeout{10};  // first byte to the end of the headers
  std::chrono::seconds body_timeout{30};    // end of the headers to the end of the body
  // Without a byte this long (and no request being answered) a connection is idle: it may
  // make room for a new one.
  std::chrono::milliseconds evict_idle_after{1000};
  // Answer 200 only once the store wrote the request's events (the sender may retry on
  // anything else); false answers as soon as they are queued.
  bool acknowledgements = true;
  std::chrono::seconds ack_timeout{30};  // then 503: the sender retries
  size_t max_depth = 64;                 // JSON nesting
};

}  // namespace wardsoc
