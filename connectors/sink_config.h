// SinkConfig: the configuration of any one sink, as the config reader produces it
// (connectors/sink_config_reader.h). One alternative per connector; adding a connector
// adds its config here, its keys to the reader and one line to make_sink()
// (sink_factory.h).
#pragma once

#include <string>
#include <variant>

#include "connectors/file/file_sink_config.h"
#include "connectors/kafka/kafka_sink_config.h"
#include "connectors/syslog/syslog_sink_config.h"
#include "connectors/webhook/webhook_sink_config.h"

namespace wardsoc {

using SinkConfig =
    std::variant<FileSinkConfig, KafkaSinkConfig, SyslogSinkConfig, WebhookSinkConfig>;

const SinkCommon& sink_common(const SinkConfig& config);
// The configured name: the sink's outbox queue in the store.
const std::string& sink_name(const SinkConfig& config);
// "file", "kafka", "syslog", "webhook"
std::string_view sink_type_name(const SinkConfig& config);
// Where it delivers, for people: "/var/log/alerts.jsonl", "kafka://b1:9092/alerts",
// "tls://soc.example:6514", "https://soc.example/hook".
std::string sink_destination(const SinkConfig& config);

}  // namespace wardsoc
