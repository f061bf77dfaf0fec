// Event and EventBatch: the unit of work that flows from ingest through detect to the
// store. Events never own memory; every byte they refer to (the raw line kept intact,
// the sender's address) lives in the batch's arena, so building a batch of a thousand
// lines costs a handful of allocations, not a thousand.
//
// Thread safety: a batch is filled by one input thread, then handed over (moved) through
// a queue; after that it is read-only and may be read by several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wardsoc {

// What kind of device an event comes from; rules select the classes they apply to.
enum class AssetClass : uint8_t { kLan, kWifi, kCamera, kIot, kServer, kOther };
inline constexpr int kAssetClassCount = 6;

std::string_view asset_class_name(AssetClass c);  // "lan", "wifi", ...
bool parse_asset_class(std::string_view name, AssetClass* out);

// A byte range inside EventBatch::arena. Absolute offsets, so spans stay valid when
// the arena grows.
struct Span {
  uint32_t off = 0;
  uint32_t len = 0;
  bool empty() const { return len == 0; }
};

enum class SyslogFormat : uint8_t {
  kNone,     // not syslog: the whole line is the message (a plain file line, JSON, ...)
  kRfc3164,  // BSD syslog: "<PRI>Mmm dd hh:mm:ss host app[pid]: msg", PRI optional in files
  kRfc5424,  // "<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG"
};

// Header fields parsed out of the raw line. Absent fields are empty spans; pri < 0
// means the line had no PRI. The message span is always set: for a line that is not
// syslog at all it covers the whole line.
struct SyslogHeader {
  SyslogFormat format = SyslogFormat::kNone;
  int16_t pri = -1;  // facility * 8 + severity, 0..191
  bool has_timestamp = false;
  bool timestamp_has_zone = false;  // RFC 5424 timestamps carry one; RFC 3164's do not
  int64_t timestamp_us = 0;         // device time, microseconds since the Unix epoch (UTC)
  Span host;
  Span app;
  Span procid;
  Span msgid;
  Span structured_data;  // RFC 5424 SD elements, verbatim ("-" becomes empty)
  Span message;

  int facility() const { return pri < 0 ? -1 : pri / 8; }
  int severity() const { return pri < 0 ? -1 : pri % 8; }
};

// Flags on an event, set by ingest; each is also counted in metrics.
enum EventFlag : uint32_t {
  kEventTruncated = 1u << 0,        // longer than the input's line cap; the rest was cut
  kEventInvalidUtf8 = 1u << 1,      // bytes kept as received
  kEventHeaderMalformed = 1u << 2,  // looked like syslog (or JSON) but did not parse
  // The device's timestamp is further from the receive time than the input allows (a
  // clock without NTP, a wrong zone): time_us() uses the receive time instead, so the
  // event still lands in the right correlation window. The device time stays in header.
  kEventClockSkew = 1u << 3,
  kEventNulBytes = 1u << 4,  // the line holds NUL bytes (kept as received)
};

inline constexpr uint32_t kNoAsset = UINT32_MAX;

struct Event {
  Span raw;   // the line exactly as received, without the framing (newline / octet count)
  Span peer;  // sender address as text ("10.0.3.17"); empty for files
  int64_t receive_time_us = 0;
  uint16_t input = 0;  // index of the input in the running config
  AssetClass asset_class = AssetClass::kOther;
  uint32_t asset = kNoAsset;  // index into the asset table, kNoAsset when unknown
  uint32_t flags = 0;
  uint64_t position = 0;  // input position after this event (file offset, Kafka offset)
  SyslogHeader header;

  // Event time for correlation windows: the device's timestamp when the header had
  // one and the device clock is trusted (no kEventClockSkew), the receive time otherwise.
  int64_t time_us() const {
    return header.has_timestamp && (flags & kEventClockSkew) == 0 ? header.timestamp_us
                                                                  : receive_time_us;
  }
};

// Where an input may resume once the batch that ends at `position` is durable.
struct InputPosition {
  uint16_t input = 0;
  std::string stream;  // which file / which topic-partition, empty if the input has one stream
  uint64_t position = 0;
};

class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(EventBatch&&) = default;
  EventBatch& operator=(EventBatch&&) = default;
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  // Copies bytes into the arena and returns where they are.
  Span append(std::string_view bytes);
  std::string_view view(Span s) const { return std::string_view(arena_.data() + s.off, s.len); }

  std::string_view raw(const Event& e) const { return view(e.raw); }
  std::string_view message(const Event& e) const { return view(e.header.message); }

  std::vector<Event>& events() { return events_; }
  const std::vector<Event>& events() const { return events_; }
  size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  size_t arena_bytes() const { return arena_.size(); }

  // Positions to acknowledge once this batch is durable (one per stream it touched).
  std::vector<InputPosition>& positions() { return positions_; }
  const std::vector<InputPosition>& positions() const { return positions_; }

  void reserve(size_t events, size_t bytes) {
    events_.reserve(events);
    arena_.reserve(bytes);
  }
  void clear() {
    events_.clear();
    arena_.clear();
    positions_.clear();
  }

 private:
  std::string arena_;
  std::vector<Event> events_;
  std::vector<InputPosition> positions_;
};

}  // namespace wardsoc
