// Configuration of the Kafka sink: alerts produced to a topic of the city SOC's Kafka,
// keyed by incident id, with an idempotent producer and acks=all.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "connectors/sink_common.h"

namespace wardsoc {

struct KafkaSinkConfig {
  SinkCommon common = sink_defaults("soc-kafka", AlertFormat::kEcs, 1000);
  std::string brokers;  // bootstrap.servers: "host:port,host:port"
  std::string topic;
  std::string client_id = "wardsoc";
  std::string compression = "lz4";  // none, gzip, snappy, lz4, zstd
  // How long librdkafka keeps trying one batch (message.timeout.ms) before the
  // forwarder takes over with its backoff.
  std::chrono::milliseconds message_timeout{30000};
  // Further librdkafka settings (security.protocol, sasl.*, ssl.*), passed as they are.
  // The ones wardsoc's guarantees rest on (acks, enable.idempotence) cannot be set.
  std::map<std::string, std::string> properties;
};

}  // namespace wardsoc
