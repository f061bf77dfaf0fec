// Configuration of the file sink: alert documents appended as lines to a local file,
// for a SIEM agent (or syslog-ng, Filebeat) to ship to the city SOC, and for audits.
#pragma once

#include <string>

#include "connectors/sink_common.h"

namespace wardsoc {

struct FileSinkConfig {
  SinkCommon common = sink_defaults("soc-file", AlertFormat::kWardsoc, 256);
  std::string path;   // the file; its directory must exist
  bool fsync = true;  // fdatasync after every batch: delivered means on disk
};

}  // namespace wardsoc
