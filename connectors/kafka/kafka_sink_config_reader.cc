// The Kafka sink's own keys of a `sinks:` entry.
#include <array>

#include "connectors/sink_config_reader_parts.h"

namespace wardsoc::sink_config {

namespace {
// Settings the sink's guarantees rest on, or that have a key of their own.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kReserved = {{
    {"acks", "the sink always waits for all in-sync replicas (acks=all)"},
    {"request.required.acks", "the sink always waits for all in-sync replicas (acks=all)"},
    {"enable.idempotence", "the sink's producer is always idempotent"},
    {"bootstrap.servers", "use the sink's `brokers` key"},
    {"metadata.broker.list", "use the sink's `brokers` key"},
    {"message.timeout.ms", "use the sink's `message_timeout` key"},
    {"compression.codec", "use the sink's `compression` key"},
    {"compression.type", "use the sink's `compression` key"},
}};
}  // namespace

void read_kafka(YamlReader& r, const YAML::Node& n, const std::string& path, KafkaSinkConfig* c) {
  expect_keys(r, n, path,
              {"brokers", "topic", "client_id", "compression", "message_timeout", "properties"});
  if (auto v = r.strings(n, path, "brokers")) {
    c->brokers.clear();
    for (const auto& b : *v) c->brokers += (c->brokers.empty() ? "" : ",") + b;
  } else if (!n["brokers"].IsDefined()) {
    r.fail(n, join_path(path, "brokers"), "missing (required)");
  }
  if (auto v = r.string(n, path, "topic", true)) c->topic = *v;
  if (auto v = r.string(n, path, "client_id")) c->client_id = *v;
  if (auto v = r.string(n, path, "compression")) {
    static const std::array<std::string_view, 5> kCodecs = {"none", "gzip", "snappy", "lz4",
                                                            "zstd"};
    if (std::find(kCodecs.begin(), kCodecs.end(), *v) == kCodecs.end()) {
      r.fail(n["compression"], join_path(path, "compression"),
             "unknown codec '" + *v + "' (expected none, gzip, snappy, lz4 or zstd)");
    }
    c->compression = *v;
  }
  if (auto v = millis(r, n, path, "message_timeout")) c->message_timeout = *v;
  if (auto v = string_map(r, n, path, "properties")) {
    const std::string p = join_path(path, "properties");
    for (const auto& [k, val] : *v) {
      bool reserved = false;
      for (const auto& [name, why] : kReserved) {
        if (k == name) {
          r.fail(n["properties"][k], join_path(p, k), "cannot be set here: " + std::string(why));
          reserved = true;
        }
      }
      if (!reserved) c->properties[k] = val;
    }
  }
}

}  // namespace wardsoc::sink_config
