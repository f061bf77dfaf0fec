#include "connectors/syslog/syslog_message.h"

#include "core/time.h"

namespace wardsoc {

void append_syslog_frame(std::string* out, const SyslogHeaderFields& header, int severity,
                         int64_t time_us, std::string_view message) {
  std::string msg;
  msg.reserve(64 + header.hostname.size() + header.app_name.size() + message.size());
  msg.push_back('<');
  msg.append(std::to_string(header.facility * 8 + severity));
  msg.append(">1 ");
  msg.append(format_rfc3339_utc(time_us));
  msg.push_back(' ');
  msg.append(header.hostname.empty() ? "-" : header.hostname);
  msg.push_back(' ');
  msg.append(header.app_name.empty() ? "-" : header.app_name);
  msg.append(" - ");
  msg.append(header.msgid.empty() ? "-" : header.msgid);
  msg.append(" - ");
  msg.append(message);
  out->append(std::to_string(msg.size()));
  out->push_back(' ');
  out->append(msg);
}

}  // namespace wardsoc
