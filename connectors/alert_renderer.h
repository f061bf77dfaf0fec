// AlertRenderer: what a sink uses to turn outbox entries into the bytes it sends, in
// its configured format. Formats that carry the incident's first log line (ECS
// event.original, OCSF raw_data, CEF rawEvent) get it through the context's evidence
// lookup, which reads the store; the wardsoc format does not need it.
//
// Thread safety: none; each sink owns its renderer and calls it from its forwarder's
// thread. The lookup function must be safe to call from that thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/format/alert_format.h"
#include "store/outbox.h"

namespace wardsoc {

// Returns the first evidence line of an incident, or nullopt when there is none (or it
// cannot be read: the alert is then sent without it).
using EvidenceLookup = std::function<std::optional<std::string>(std::string_view incident_id)>;

// What the app hands every sink it creates.
struct SinkContext {
  FormatOptions format;
  EvidenceLookup first_evidence;  // may be empty (tests, `wardsoc replay`)
};

// The evidence line an alert carries is cut to this many bytes (at a UTF-8 boundary):
// log lines can be 64 KiB, and SIEMs and syslog receivers cut long messages anyway.
inline constexpr size_t kMaxOriginalBytes = 4096;

class AlertRenderer {
 public:
  AlertRenderer(AlertFormat format, SinkContext context)
      : format_(format), context_(std::move(context)) {}

  std::string render(const OutboxEntry& entry) const;
  AlertFormat format() const { return format_; }
  const FormatOptions& options() const { return context_.format; }

 private:
  AlertFormat format_;
  SinkContext context_;
};

}  // namespace wardsoc
