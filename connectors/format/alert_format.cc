#include "connectors/format/alert_format.h"

#include "connectors/alert_json.h"
#include "connectors/format/cef.h"
#include "connectors/format/ecs.h"
#include "connectors/format/ocsf.h"

namespace wardsoc {

std::string_view alert_format_name(AlertFormat f) {
  switch (f) {
    case AlertFormat::kWardsoc:
      return "wardsoc";
    case AlertFormat::kEcs:
      return "ecs";
    case AlertFormat::kOcsf:
      return "ocsf";
    case AlertFormat::kCef:
      return "cef";
  }
  return "wardsoc";
}

bool parse_alert_format(std::string_view name, AlertFormat* out) {
  for (AlertFormat f :
       {AlertFormat::kWardsoc, AlertFormat::kEcs, AlertFormat::kOcsf, AlertFormat::kCef}) {
    if (name == alert_format_name(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

std::string render_alert(AlertFormat format, const AlertInput& alert,
                         const FormatOptions& options) {
  switch (format) {
    case AlertFormat::kWardsoc:
      return render_alert_json(alert.entry);
    case AlertFormat::kEcs:
      return render_ecs(alert, options);
    case AlertFormat::kOcsf:
      return render_ocsf(alert, options);
    case AlertFormat::kCef:
      return render_cef(alert, options);
  }
  return render_alert_json(alert.entry);
}

std::string_view alert_content_type(AlertFormat format) {
  return format == AlertFormat::kCef ? "text/plain" : "application/json";
}

bool alert_format_uses_original(AlertFormat format) { return format != AlertFormat::kWardsoc; }

}  // namespace wardsoc
