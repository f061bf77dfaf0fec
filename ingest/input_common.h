// What every input's configuration has besides its own keys (InputCommon: name, index,
// asset class, zone, line and batch limits, body format), shared by all input folders
// and by the BatchBuilder that applies it. Plain values; copy them freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"

namespace wardsoc {

// How the text of a message is read once any syslog header is off it.
enum class BodyFormat : uint8_t {
  kAuto,    // a JSON object if it starts with '{', key=value pairs if it is made of them
  kSyslog,  // only the syslog header; the body is plain text
  kJson,    // every message is a JSON object (others are flagged malformed)
  kKv,      // key=value pairs
};
std::string_view body_format_name(BodyFormat f);
bool parse_body_format(std::string_view name, BodyFormat* out);

// Settings every input has.
struct InputCommon {
  std::string name;                              // unique, e.g. "syslog-udp"
  uint16_t index = 0;                            // Event::input
  AssetClass asset_class = AssetClass::kOther;   // class for events from this input
  std::string zone = "Asia/Ho_Chi_Minh";         // for device timestamps without a zone
  size_t max_line_bytes = 64 * 1024;             // longer lines are truncated, kEventTruncated
  size_t batch_events = 1024;                    // flush a batch at this many events...
  std::chrono::milliseconds flush_interval{20};  // ...or this long after its first event
  BodyFormat format = BodyFormat::kAuto;
  // A device time further than this from the receive time marks the event
  // kEventClockSkew (counted per asset); correlation then uses the receive time.
  std::chrono::seconds max_clock_skew{300};
};

}  // namespace wardsoc
