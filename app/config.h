// The running configuration: one YAML file parsed once into plain structs and passed
// down explicitly. Every problem (unknown key, wrong type, bad value, missing file) is
// an error naming the file, the key path and the line, e.g.
//   "wardsoc.yaml:14:11: inputs[1].port: expected an integer 1..65535, got 'http'".
// Immutable after loading; share it by const reference.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/api/http_server.h"
#include "connectors/sink_factory.h"
#include "core/result.h"
#include "ingest/input_config.h"

namespace wardsoc {

// api.token and the HTTP input's tokens: shorter ones are refused at load.
inline constexpr size_t kMinApiTokenLength = 16;

struct Config {
  std::string source;  // file it came from, or "<embedded default>"
  std::string data_dir = "./var";
  std::string log_level = "info";
  std::string timezone = "Asia/Ho_Chi_Minh";
  std::vector<std::string> rule_paths = {"rules"};
  unsigned workers = 0;        // detection threads; 0 = one per core
  size_t queue_batches = 64;   // bound of the queue between inputs and detection
  size_t commit_batches = 64;  // waiting batches written in one store commit, at most
  bool store_sync = true;      // fsync every committed batch (store.durability: sync)
  int64_t group_commit_interval_us = 10'000;     // store.durability: group — fsync this often
  uint64_t min_free_bytes = uint64_t{64} << 20;  // store.min_free_space
  int64_t retention_us = 0;                      // retention.incidents; 0 keeps everything
  int64_t retention_interval_us = int64_t{3600} * 1'000'000;  // retention.check_every
  std::string api_listen;       // api.listen, "" = no API (the embedded default sets one)
  std::string api_token;        // api.token: bearer token, "" = none
  HttpServerLimits api_limits;  // api.max_connections, ..., api.body_timeout
  size_t evidence_cap = 20;     // raw lines kept per incident
  std::string assets;  // assets.yaml: which device is which (ingest/asset_table.h); "" = none
  std::vector<InputConfig> inputs;
  std::vector<SinkConfig> sinks;

  std::vector<std::string> input_names() const;
  std::vector<std::string> sink_names() const;
};

// The configuration compiled into the binary (a copy of deploy/config/wardsoc.yaml).
std::string_view embedded_default_config();

Result<Config> load_config_file(const std::string& path);
// `name` is what errors call the text ("<embedded default>", a path).
Result<Config> parse_config(std::string_view yaml, std::string_view name);

}  // namespace wardsoc
