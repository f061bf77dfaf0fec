// make_sink: builds the Sink a SinkConfig describes, by an explicit visit over the
// config alternatives (no registration: the list of connectors is this one table).
#pragma once

#include <memory>

#include "connectors/alert_renderer.h"
#include "connectors/sink.h"
#include "connectors/sink_config.h"
#include "core/result.h"

namespace wardsoc {

// `context` carries what every sink's renderer needs from the app (who wardsoc is, how
// to read an incident's first evidence line). Creating a sink checks its settings and
// prepares it (opens the file, loads certificates, creates the Kafka producer) but does
// not need the SOC to be reachable: a SOC that is down is the forwarder's business.
Result<std::unique_ptr<Sink>> make_sink(const SinkConfig& config, const SinkContext& context = {});

}  // namespace wardsoc
