// Configuration of the file input: log files named by paths or glob patterns, read once
// or followed like `tail -F`. Read by file_input_config_reader.cc, checked by
// FileInput::Open(); plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ingest/input_common.h"

namespace wardsoc {

struct FileInputConfig {
  InputCommon common;
  std::vector<std::string> paths;    // files, or glob patterns ("/var/log/cam/*.log")
  std::vector<std::string> exclude;  // glob patterns of paths to leave out ("*.gz")
  // Keep following the files (tail) and pick up new ones matching the patterns; false
  // reads every file to its end once (`wardsoc replay`). Config files default to true.
  bool follow = false;
  // Files that have no checkpoint when the input starts for the first time: read from
  // the "beginning" or only what is written from now ("end"). Files that appear later
  // are always read from their beginning.
  std::string read_from = "beginning";
  std::chrono::milliseconds poll_interval{250};
  // A file renamed or deleted while followed is read to its end and given up this long
  // after it last grew.
  std::chrono::milliseconds rotate_wait{5000};
  size_t fingerprint_bytes = 256;  // identify a file by these first bytes and its inode
  // Checkpoints from the store: stream (a file identity, see file_input.h) -> offset.
  std::map<std::string, uint64_t> start_offsets;
};

}  // namespace wardsoc
