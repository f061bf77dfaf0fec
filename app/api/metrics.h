// /metrics: Prometheus exposition of wardsoc's own counters. Collectors read the stats
// structs the layers already keep (PipelineStats, EngineStats and per-rule stats,
// InputStats, ForwarderStats, StoreGauges) when Prometheus scrapes, so nothing on the
// hot path knows about metrics; prometheus-cpp's TextSerializer writes the format.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/forwarder.h"
#include "detect/engine.h"
#include "ingest/input.h"
#include "store/store.h"
#include "store/store_stats.h"

namespace wardsoc {

struct PipelineStats;

// Where the collectors read from; any may be left empty.
struct MetricsSources {
  std::function<PipelineStats()> pipeline;
  std::function<EngineStats()> engine;
  std::function<std::vector<RuleStats>()> rules;
  std::function<std::vector<std::pair<std::string, InputStats>>()> inputs;
  std::function<std::vector<std::pair<std::string, ForwarderStats>>()> forwarders;
  // The API server's own connections and answers (HttpServer::stats()).
  std::function<InputStats()> api;
  const Store* store = nullptr;
};

class WardsocCollector final : public prometheus::Collectable {
 public:
  explicit WardsocCollector(MetricsSources sources) : sources_(std::move(sources)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  MetricsSources sources_;
};

// The text format of everything `collectable` reports.
std::string render_metrics(const prometheus::Collectable& collectable);

}  // namespace wardsoc
