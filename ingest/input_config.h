// InputConfig: the configuration of any one input, as the config reader produces it
// (input_config_reader.h). One alternative per input type, each defined in its folder
// (syslog/, kafka/, file/, http/) beside its reader and the input itself; adding an
// input adds its config here, its reader to the reader's table and one line to
// make_input() (input_factory.h).
//
// Thread safety: plain values; copy them freely.
#pragma once

#include <string_view>
#include <variant>

#include "ingest/file/file_input_config.h"
#include "ingest/http/http_input_config.h"
#include "ingest/input_common.h"
#include "ingest/kafka/kafka_input_config.h"
#include "ingest/syslog/syslog_input_config.h"

namespace wardsoc {

using InputConfig = std::variant<SyslogUdpConfig, SyslogTcpConfig, SyslogTlsConfig,
                                 KafkaInputConfig, FileInputConfig, HttpInputConfig>;

std::string_view input_type_name(const InputConfig& cfg);  // "syslog_udp", "kafka", "file", ...
const InputCommon& input_common(const InputConfig& cfg);

}  // namespace wardsoc
