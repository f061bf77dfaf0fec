// The rule-set versions log of a Store: one record per rule-set load of the running
// process (at start and at every reload, accepted or rejected, with the diagnostics).
// `wardsoc rules reload` waits for the record of the reload it asked for; `wardsoc rules
// stats` shows the history. Meta family, key "rule_set" \0 u64 BE seq (see keys.h).
//
// Thread safety: any thread may append or read; appends take turns on the log's own
// lock (the seq is read-modify-write). Belongs to its Store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsoc {

class StoreDb;

// One rule-set load as the running process recorded it.
struct RuleSetRecord {
  uint64_t seq = 0;  // assigned by RuleSetLog::record(), increasing
  int64_t time_us = 0;
  std::string trigger;  // "start", "sighup"
  bool accepted = false;
  std::string version;  // the rule set's version (when accepted)
  uint64_t rules = 0;
  uint64_t rules_kept_state = 0;  // reload: rules whose correlation state carried over
  uint64_t errors = 0;
  uint64_t warnings = 0;
  std::string diagnostics;  // one diagnostic per line, as `rules check` prints them
  int64_t pid = 0;
};

// The record as a JSON object: the one place its fields are written out. The log stores
// it (adding the format version "v"); `wardsoc rules stats --json` and `rules reload
// --json` print it (adding "time", RFC 3339).
nlohmann::json to_json(const RuleSetRecord& record);

class RuleSetLog {
 public:
  explicit RuleSetLog(StoreDb& db) : db_(db) {}
  RuleSetLog(const RuleSetLog&) = delete;
  RuleSetLog& operator=(const RuleSetLog&) = delete;

  // Appends a record (fsynced: `rules reload` waits for it) and returns its seq.
  Result<uint64_t> record(const RuleSetRecord& record);
  // The newest records first, at most `max`.
  Result<std::vector<RuleSetRecord>> newest(size_t max) const;

 private:
  StoreDb& db_;
  std::mutex append_mu_;  // one append at a time
};

}  // namespace wardsoc
