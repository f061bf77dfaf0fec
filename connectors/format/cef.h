// CEF (ArcSight Common Event Format, revision 25): one alert as one line,
//   CEF:0|Vendor|wardsoc|Version|<rule id>|<title>|<severity 0..10>|key=value key=value ...
// with the spec's escaping: in header fields '\' and '|' are escaped with a backslash
// (and a line break, which the header may not hold, becomes a space); in extension
// values '\' and '=' are escaped, and line breaks are written as \n and \r. Bytes
// that are not valid UTF-8 become U+FFFD. docs/forwarding.md lists the extension keys.
#pragma once

#include <string>
#include <string_view>

#include "connectors/format/alert_format.h"

namespace wardsoc {

std::string render_cef(const AlertInput& alert, const FormatOptions& options);

// Appends `value` escaped for a CEF header field / an extension value.
void append_cef_header_field(std::string* out, std::string_view value);
void append_cef_extension_value(std::string* out, std::string_view value);

}  // namespace wardsoc
