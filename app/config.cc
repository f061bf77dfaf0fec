#include "app/config.h"

#include <cctz/time_zone.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "app/api/http_server.h"
#include "app/default_config.h"
#include "connectors/sink_config_reader.h"
#include "core/time.h"
#include "core/yaml_reader.h"
#include "ingest/input_config_reader.h"

namespace wardsoc {

std::string_view embedded_default_config() { return kEmbeddedDefaultConfig; }

std::vector<std::string> Config::input_names() const {
  std::vector<std::string> names;
  for (const auto& in : inputs) names.push_back(input_common(in).name);
  return names;
}

std::vector<std::string> Config::sink_names() const {
  std::vector<std::string> names;
  for (const auto& s : sinks) names.push_back(sink_name(s));
  return names;
}

namespace {

bool valid_zone(const std::string& zone) {
  cctz::time_zone tz;
  return cctz::load_time_zone(zone, &tz);
}

// api:'s connection limits and deadlines (see HttpServerLimits).
void read_api_limits(YamlReader& r, const YAML::Node& api, HttpServerLimits* l) {
  if (auto v = r.integer(api, "api", "max_connections", 1, 1 << 20)) l->max_connections = *v;
  if (auto v = r.integer(api, "api", "max_connections_per_source", 0, 1 << 20)) {
    l->max_connections_per_source = *v;
  }
  if (auto us = r.duration_us(api, "api", "evict_idle_after")) {
    l->evict_idle_after = std::chrono::milliseconds(std::max<int64_t>(1, *us / 1000));
  }
  for (auto [key, out] : {std::pair{"idle_timeout", &l->idle_timeout},
                          std::pair{"header_timeout", &l->header_timeout},
                          std::pair{"body_timeout", &l->body_timeout}}) {
    if (auto us = r.duration_us(api, "api", key)) {
      if (*us < 1'000'000) {
        r.fail(api[key], std::string("api.") + key, "must be at least 1s");
      } else {
        *out = std::chrono::seconds(*us / 1'000'000);
      }
    }
  }
}

// store:, retention: and api: — the store's durability and retention, and the HTTP API.
void read_store_sections(YamlReader& r, const YAML::Node& root, Config* cfg) {
  if (const YAML::Node st = root["store"]; st.IsDefined() && !st.IsNull()) {
    if (r.expect_map(st, "store", {"durability", "group_commit_interval", "min_free_space"})) {
      if (auto v = r.size_bytes(st, "store", "min_free_space")) cfg->min_free_bytes = *v;
      if (auto v = r.string(st, "store", "durability")) {
        if (*v == "sync") {
          cfg->store_sync = true;
        } else if (*v == "group") {
          cfg->store_sync = false;
        } else {
          r.fail(st["durability"], "store.durability",
                 "unknown durability '" + *v + "' (expected sync or group)");
        }
        const YAML::Node p = root["pipeline"];
        if (p.IsDefined() && p.IsMap() && p["store_sync"].IsDefined()) {
          r.fail(p["store_sync"], "pipeline.store_sync",
                 "set either pipeline.store_sync or store.durability, not both");
        }
      }
      if (auto v = r.duration_us(st, "store", "group_commit_interval")) {
        if (*v > 10 * kMicrosPerSecond) {
          r.fail(st["group_commit_interval"], "store.group_commit_interval",
                 "at most 10s (it is how much a power cut may lose)");
        }
        cfg->group_commit_interval_us = *v;
      }
    }
  }
  if (const YAML::Node re = root["retention"]; re.IsDefined() && !re.IsNull()) {
    if (r.expect_map(re, "retention", {"incidents", "check_every"})) {
      if (const YAML::Node inc = re["incidents"]; inc.IsDefined()) {
        if (inc.IsScalar() && (inc.Scalar() == "forever" || inc.Scalar() == "0")) {
          cfg->retention_us = 0;
        } else if (auto v = r.duration_us(re, "retention", "incidents")) {
          if (*v < 86400 * kMicrosPerSecond) {
            r.fail(inc, "retention.incidents", "at least 1d (or 'forever')");
          }
          cfg->retention_us = *v;
        }
      }
      if (auto v = r.duration_us(re, "retention", "check_every")) cfg->retention_interval_us = *v;
    }
  }
  if (const YAML::Node api = root["api"]; api.IsDefined() && !api.IsNull()) {
    if (r.expect_map(api, "api",
                     {"listen", "token", "max_connections", "max_connections_per_source",
                      "idle_timeout", "header_timeout", "body_timeout", "evict_idle_after"})) {
      if (auto v = r.string(api, "api", "listen")) {
        if (!v->empty()) {
          auto addr = parse_listen_address(*v);
          if (!addr) {
            r.fail(api["listen"], "api.listen", addr.error().message);
          } else if (const YAML::Node t = api["token"];
                     !(t.IsDefined() && t.IsScalar() && !t.Scalar().empty())) {
            boost::system::error_code ec;
            const auto ip = boost::asio::ip::make_address(addr->first, ec);
            if (!ec && !ip.is_loopback()) {
              r.fail(api["listen"], "api.listen",
                     *v + " is reachable from the network: set api.token too");
            }
          }
        }
        cfg->api_listen = *v;
      }
      if (auto v = r.string(api, "api", "token")) {
        // Loopback is no excuse: every local account and every process on the box can
        // reach it, and a short token is guessed in minutes.
        if (!v->empty() && v->size() < kMinApiTokenLength) {
          r.fail(api["token"], "api.token",
                 "too short (" + std::to_string(v->size()) + " characters; at least " +
                     std::to_string(kMinApiTokenLength) +
                     " are required: `openssl rand -hex 16` makes one)");
        }
        cfg->api_token = *v;
      }
      read_api_limits(r, api, &cfg->api_limits);
    }
  }
}

}  // namespace

Result<Config> parse_config(std::string_view yaml, std::string_view name) {
  YamlReader r{std::string(name)};
  const YAML::Node root = r.parse(yaml);
  if (!r.ok()) return r.error();
  Config cfg;
  cfg.source = std::string(name);
  if (!root.IsDefined() || root.IsNull()) {
    return Error(Errc::kInvalidArgument, std::string(name) + ": the configuration is empty");
  }
  if (!r.expect_map(root, "",
                    {"data_dir", "log_level", "timezone", "rules", "pipeline", "inputs", "sinks",
                     "store", "retention", "api", "assets"})) {
    return r.error();
  }
  if (auto v = r.string(root, "", "data_dir")) cfg.data_dir = *v;
  if (auto v = r.string(root, "", "assets")) cfg.assets = *v;
  if (auto v = r.string(root, "", "log_level")) {
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (!kLevels.count(*v)) {
      r.fail(root["log_level"], "log_level",
             "unknown level '" + *v + "' (expected trace, debug, info, warn or error)");
    }
    cfg.log_level = *v;
  }
  if (auto v = r.string(root, "", "timezone")) {
    if (!valid_zone(*v)) r.fail(root["timezone"], "timezone", "unknown time zone '" + *v + "'");
    cfg.timezone = *v;
  }
  if (auto v = r.strings(root, "", "rules")) cfg.rule_paths = *v;

  if (const YAML::Node p = root["pipeline"]; p.IsDefined() && !p.IsNull()) {
    if (r.expect_map(
            p, "pipeline",
            {"workers", "queue_batches", "commit_batches", "store_sync", "evidence_cap"})) {
      if (auto v = r.integer(p, "pipeline", "workers", 0, 256)) cfg.workers = *v;
      if (auto v = r.integer(p, "pipeline", "queue_batches", 1, 1 << 16)) cfg.queue_batches = *v;
      if (auto v = r.integer(p, "pipeline", "commit_batches", 1, 1 << 16)) cfg.commit_batches = *v;
      if (auto v = r.boolean(p, "pipeline", "store_sync")) cfg.store_sync = *v;
      if (auto v = r.integer(p, "pipeline", "evidence_cap", 1, 100000)) cfg.evidence_cap = *v;
    }
  }

  read_store_sections(r, root, &cfg);

  std::set<std::string> names;
  auto unique_name = [&](const YAML::Node& n, const std::string& path, const std::string& nm) {
    if (!nm.empty() && !names.insert(nm).second) {
      r.fail(n["name"], join_path(path, "name"),
             "'" + nm + "' is used twice (input and sink names must be unique)");
    }
  };
  if (const YAML::Node ins = root["inputs"]; ins.IsDefined() && !ins.IsNull()) {
    if (r.expect_list(ins, "inputs")) {
      for (size_t i = 0; i < ins.size(); ++i) {
        const std::string path = index_path("inputs", i);
        if (auto in = read_input_config(r, ins[i], path, static_cast<uint16_t>(i), cfg.timezone)) {
          unique_name(ins[i], path, input_common(*in).name);
          cfg.inputs.push_back(std::move(*in));
        }
      }
    }
  }
  if (const YAML::Node sk = root["sinks"]; sk.IsDefined() && !sk.IsNull()) {
    if (r.expect_list(sk, "sinks")) {
      for (size_t i = 0; i < sk.size(); ++i) {
        const std::string path = index_path("sinks", i);
        if (auto s = read_sink_config(r, sk[i], path)) {
          unique_name(sk[i], path, sink_name(*s));
          cfg.sinks.push_back(std::move(*s));
        }
      }
    }
  }
  if (!r.ok()) return r.error();
  return cfg;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(Errc::kNotFound,
                 "cannot read configuration file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace wardsoc
