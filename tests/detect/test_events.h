// Builds EventBatches for detect's tests the way ingest would fill them for syslog lines
// (raw line, header host/app/message spans, times, asset class), without depending on ingest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/time.h"

namespace wardsoc::testing {

struct EventSpec {
  std::string_view message;
  int64_t time_us = 0;  // device time; also the receive time unless receive_us is set
  std::string_view host = "gw";
  std::string_view app = "sshd";
  std::string_view peer = "";
  AssetClass cls = AssetClass::kServer;
  uint16_t input = 0;
  int64_t receive_us = -1;
};

// Appends "host app[100]: message" as a syslog event.
inline uint32_t add_event(EventBatch& batch, const EventSpec& s) {
  std::string raw;
  raw += s.host;
  raw += ' ';
  raw += s.app;
  raw += "[100]: ";
  const uint32_t prefix = static_cast<uint32_t>(raw.size());
  raw += s.message;
  Event e;
  e.raw = batch.append(raw);
  e.header.format = SyslogFormat::kRfc3164;
  e.header.host = Span{e.raw.off, static_cast<uint32_t>(s.host.size())};
  e.header.app = Span{e.raw.off + static_cast<uint32_t>(s.host.size()) + 1,
                      static_cast<uint32_t>(s.app.size())};
  e.header.message = Span{e.raw.off + prefix, static_cast<uint32_t>(s.message.size())};
  e.header.has_timestamp = true;
  e.header.timestamp_us = s.time_us;
  e.receive_time_us = s.receive_us >= 0 ? s.receive_us : s.time_us;
  e.peer = batch.append(s.peer);
  e.asset_class = s.cls;
  e.input = s.input;
  batch.events().push_back(e);
  return static_cast<uint32_t>(batch.size() - 1);
}

inline constexpr int64_t kT0 = 1'764'064'800LL * kMicrosPerSecond;  // 2025-11-25T10:00:00Z
inline constexpr int64_t kSecond = kMicrosPerSecond;

}  // namespace wardsoc::testing
