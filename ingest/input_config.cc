#include "ingest/input_config.h"

namespace wardsoc {

namespace {
std::string_view type_name(const SyslogUdpConfig&) { return "syslog_udp"; }
std::string_view type_name(const SyslogTcpConfig&) { return "syslog_tcp"; }
std::string_view type_name(const SyslogTlsConfig&) { return "syslog_tls"; }
std::string_view type_name(const KafkaInputConfig&) { return "kafka"; }
std::string_view type_name(const FileInputConfig&) { return "file"; }
std::string_view type_name(const HttpInputConfig&) { return "http"; }
}  // namespace

std::string_view input_type_name(const InputConfig& cfg) {
  return std::visit([](const auto& c) { return type_name(c); }, cfg);
}

const InputCommon& input_common(const InputConfig& cfg) {
  return std::visit([](const auto& c) -> const InputCommon& { return c.common; }, cfg);
}

}  // namespace wardsoc
