// Alert formats: how an outbox entry (an incident as it now stands, created or updated)
// is written for the city SOC's SIEM. Every sink renders with one of these:
//   wardsoc — wardsoc's own JSON ("wardsoc.alert/1", connectors/alert_json.h)
//   ecs     — Elastic Common Schema JSON (event.kind: alert)
//   ocsf    — OCSF Detection Finding JSON (class 2004)
//   cef     — ArcSight Common Event Format, one line
// docs/forwarding.md documents every field of every format.
//
// Pure functions, safe from any thread. Output never contains a raw newline (JSON
// escapes it, CEF writes "\n"), so every alert fits one line, one syslog message or
// one Kafka record.
#pragma once

#include <string>
#include <string_view>

#include "store/outbox.h"

namespace wardsoc {

enum class AlertFormat { kWardsoc, kEcs, kOcsf, kCef };

std::string_view alert_format_name(AlertFormat f);  // "wardsoc", "ecs", "ocsf", "cef"
bool parse_alert_format(std::string_view name, AlertFormat* out);

// Who is speaking: the same for every alert of a running wardsoc.
struct FormatOptions {
  std::string vendor = "wardsoc";  // CEF Device Vendor, OCSF product.vendor_name
  std::string product_version;     // wardsoc's version (CEF Device Version, agent.version)
  std::string instance;            // this wardsoc's host name (ECS agent.name)
};

// One alert to render: the outbox entry and, when the sink's format carries it, the
// first log line that is the incident's evidence (ECS event.original, OCSF raw_data,
// CEF rawEvent); empty when there is none.
struct AlertInput {
  const OutboxEntry& entry;
  std::string_view original;
};

std::string render_alert(AlertFormat format, const AlertInput& alert, const FormatOptions& options);

// The media type of a rendered alert: "application/json" or "text/plain".
std::string_view alert_content_type(AlertFormat format);

// Whether the format carries the evidence line (so the forwarder fetches it).
bool alert_format_uses_original(AlertFormat format);

}  // namespace wardsoc
