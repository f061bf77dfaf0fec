// Configuration of the Kafka input: a consumer in a consumer group, reading one or more
// topics of raw log messages. Read by kafka_input_config_reader.cc, checked by
// KafkaInput::Open(); plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/input_common.h"

namespace wardsoc {

struct KafkaTopic {
  std::string name;
  std::optional<AssetClass> asset_class;  // absent: the input's class
};

struct KafkaInputConfig {
  InputCommon common;
  std::string brokers;  // bootstrap servers, "host:port,host:port"
  std::string group = "wardsoc";
  std::vector<KafkaTopic> topics;
  std::string start_from = "earliest";  // where a group without committed offsets starts
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds session_timeout{10000};
  // On a rebalance or stop, how long to wait for batches already read from revoked
  // partitions to be stored, so their offsets can be committed before another
  // instance takes over (less reprocessing, never loss).
  std::chrono::milliseconds drain_timeout{5000};
  std::map<std::string, std::string> options;  // more librdkafka properties (security, SASL)
  // "topic/partition" -> next offset, from the store: where this instance's own durable
  // batches ended (used when ahead of the group's committed offset).
  std::map<std::string, uint64_t> start_offsets;
};

}  // namespace wardsoc
