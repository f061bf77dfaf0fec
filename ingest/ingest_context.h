// IngestContext: what all inputs of one running pipeline share beyond their own config —
// the asset table events are attributed with, and the monitor that collects what was
// seen (events per asset, clock skew, unknown senders).
//
// Thread safety: the table is immutable; the monitor is thread-safe.
#pragma once

#include <memory>

#include "ingest/asset_monitor.h"
#include "ingest/asset_table.h"

namespace wardsoc {

struct IngestContext {
  std::shared_ptr<const AssetTable> assets;  // null: no assets known, every sender unknown
  std::shared_ptr<AssetMonitor> monitor;     // null: observations are not kept
};

}  // namespace wardsoc
