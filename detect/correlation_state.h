// The layout of detect's checkpointed state in the store's `state` column family (the
// store treats keys and values as opaque bytes). Two kinds of keys:
//
//   key                                               value
//   ------------------------------------------------  ----------------------------------
//   "k" input \0 partition \0 rule_id \0 group_key     one key's correlation state (below)
//   "r" rule_id                                        one rule's counters (RuleCounters)
//
// Correlation keys start with the scope their events came from — (input, partition) —
// so that when Kafka moves a partition to another instance, the state that goes with it
// is one prefix ("k" input \0 partition \0) to hand over or to restore from a changelog.
// Inputs that are not partitioned (syslog, files) share the instance-wide scope, where
// input and partition are empty ("k\0\0" rule_id \0 group_key). Rule ids never contain \0
// and the group key comes last, so any bytes in it are unambiguous.
//
// Correlation value, little-endian, strings as u32 length + bytes:
//   u8 format (1), str rule_version, u8 aggregation kind, i64 last_receive_us,
//   u8 flags (1: an incident is open, 2: an incident snapshot follows — open incidents,
//   and absence keys and open fixed windows, whose snapshot says where the asset is;
//   4: a fixed window is open, its counts follow the snapshot),
//   [snapshot: str id, i64 window_start, i64 first_seen, i64 last_seen, u64 count,
//   u64 evidence_count, u8 asset_class, str asset, str site, str host, str input,
//   u32 n, n x (str name, str value)],
//   [window: i64 start (event time), i64 start receive time, i64 newest event time,
//   u64 matches (distinct: values) counted, u32 n, n x (str name, str value) = the
//   captures of the newest line],
//   u32 n, n x pending line: i64 event_time, i64 receive_time, u64 seq, u8 step,
//   str input name, str peer, str value, str line (open fixed window: its first lines).
// A value whose rule_version is not the running rule's version is stale: the rule changed
// while the process was down, so its state is dropped rather than misread.
//
// Rule counters value: u8 format (1), str rule_version, u64 matches, u64 incidents created,
// u64 incidents updated, i64 last_match_us, i64 since_us (when counting started).
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsoc {

// One write to the checkpoint: a new value, or nullopt to delete the key.
struct StateChange {
  std::string key;
  std::optional<std::string> value;
};

inline constexpr char kCorrelationKeyTag = 'k';
inline constexpr char kRuleCountersKeyTag = 'r';

std::string correlation_key(std::string_view input, std::string_view partition,
                            std::string_view rule_id, std::string_view group_key);
bool parse_correlation_key(std::string_view key, std::string_view* input,
                           std::string_view* partition, std::string_view* rule_id,
                           std::string_view* group_key);

struct RuleCounters {
  std::string rule_id;
  std::string rule_version;
  uint64_t matches = 0;
  uint64_t incidents_created = 0;
  uint64_t incidents_updated = 0;
  int64_t last_match_us = 0;  // receive time of the latest match; 0 = never
  int64_t since_us = 0;       // when these counters started
};

std::string rule_counters_key(std::string_view rule_id);
std::string encode_rule_counters(const RuleCounters& c);
Result<RuleCounters> decode_rule_counters(std::string_view key, std::string_view value);

// Little-endian fixed-width writer and bounds-checked reader for the values above.
class StateWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

 private:
  void raw(const void* p, size_t n);
  std::string out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view d) : d_(d) {}
  bool u8(uint8_t* v);
  bool u32(uint32_t* v);
  bool u64(uint64_t* v);
  bool i64(int64_t* v);
  bool str(std::string* v);
  bool done() const { return pos_ == d_.size(); }

 private:
  bool raw(void* p, size_t n);
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace wardsoc
