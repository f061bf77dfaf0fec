// Syslog framing of an alert for the syslog sink: an RFC 5424 message
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID - MSG
// prefixed with its length as RFC 5425 (and RFC 6587) octet counting requires:
//   "MSG-LEN SP SYSLOG-MSG". The message has no BOM: CEF receivers take the payload
// as it is, and wardsoc's payloads are UTF-8 JSON or CEF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wardsoc {

struct SyslogHeaderFields {
  int facility = 20;  // local4
  std::string hostname = "-";
  std::string app_name = "wardsoc";
  std::string msgid = "-";
};

// Appends one octet-counted frame. `severity` is RFC 5424's 0..7; `time_us` becomes
// the TIMESTAMP in UTC with microseconds.
void append_syslog_frame(std::string* out, const SyslogHeaderFields& header, int severity,
                         int64_t time_us, std::string_view message);

}  // namespace wardsoc
