#include "detect/correlation_state.h"

#include <cstring>

namespace wardsoc {

void StateWriter::raw(const void* p, size_t n) {
  // Little-endian on every platform wardsoc builds for (x86-64, arm64).
  out_.append(static_cast<const char*>(p), n);
}

bool StateReader::raw(void* p, size_t n) {
  if (d_.size() - pos_ < n) return false;
  std::memcpy(p, d_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool StateReader::u8(uint8_t* v) { return raw(v, 1); }
bool StateReader::u32(uint32_t* v) { return raw(v, 4); }
bool StateReader::u64(uint64_t* v) { return raw(v, 8); }
bool StateReader::i64(int64_t* v) { return raw(v, 8); }

bool StateReader::str(std::string* v) {
  uint32_t n = 0;
  if (!u32(&n) || d_.size() - pos_ < n) return false;
  v->assign(d_.data() + pos_, n);
  pos_ += n;
  return true;
}

std::string correlation_key(std::string_view input, std::string_view partition,
                            std::string_view rule_id, std::string_view group_key) {
  std::string k;
  k.reserve(4 + input.size() + partition.size() + rule_id.size() + group_key.size());
  k += kCorrelationKeyTag;
  k += input;
  k += '\0';
  k += partition;
  k += '\0';
  k += rule_id;
  k += '\0';
  k += group_key;
  return k;
}

bool parse_correlation_key(std::string_view key, std::string_view* input,
                           std::string_view* partition, std::string_view* rule_id,
                           std::string_view* group_key) {
  if (key.empty() || key[0] != kCorrelationKeyTag) return false;
  key.remove_prefix(1);
  std::string_view* parts[3] = {input, partition, rule_id};
  for (std::string_view* part : parts) {
    const size_t z = key.find('\0');
    if (z == std::string_view::npos) return false;
    *part = key.substr(0, z);
    key.remove_prefix(z + 1);
  }
  *group_key = key;
  return true;
}

std::string rule_counters_key(std::string_view rule_id) {
  std::string k(1, kRuleCountersKeyTag);
  k += rule_id;
  return k;
}

std::string encode_rule_counters(const RuleCounters& c) {
  StateWriter w;
  w.u8(1);
  w.str(c.rule_version);
  w.u64(c.matches);
  w.u64(c.incidents_created);
  w.u64(c.incidents_updated);
  w.i64(c.last_match_us);
  w.i64(c.since_us);
  return w.take();
}

Result<RuleCounters> decode_rule_counters(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != kRuleCountersKeyTag) {
    return Error(Errc::kCorruption, "state key is not a rule counters key");
  }
  RuleCounters c;
  c.rule_id = std::string(key.substr(1));
  StateReader r(value);
  uint8_t format = 0;
  if (!r.u8(&format) || format != 1 || !r.str(&c.rule_version) || !r.u64(&c.matches) ||
      !r.u64(&c.incidents_created) || !r.u64(&c.incidents_updated) || !r.i64(&c.last_match_us) ||
      !r.i64(&c.since_us) || !r.done()) {
    return Error(Errc::kCorruption, "counters of rule '" + c.rule_id + "' do not decode");
  }
  return c;
}

}  // namespace wardsoc
