#include "store/keys.h"

#include <cstdio>

namespace wardsoc::keys {

namespace {
constexpr uint64_t kSignBit = uint64_t{1} << 63;

uint64_t invert_time(int64_t t) { return ~(static_cast<uint64_t>(t) ^ kSignBit); }
int64_t uninvert_time(uint64_t v) { return static_cast<int64_t>(~v ^ kSignBit); }

// Splits "name \0 rest" at the first NUL.
bool split_name(std::string_view key, std::string_view* name, std::string_view* rest) {
  const size_t nul = key.find('\0');
  if (nul == std::string_view::npos) return false;
  *name = key.substr(0, nul);
  *rest = key.substr(nul + 1);
  return true;
}

void append_printable(std::string* out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out->push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out->append(buf);
    }
  }
}
}  // namespace

void put_be32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void put_be64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint32_t get_be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string be64(uint64_t v) {
  std::string s;
  s.reserve(8);
  put_be64(&s, v);
  return s;
}

std::string name_prefix(std::string_view name) {
  std::string k;
  k.reserve(name.size() + 1);
  k.append(name);
  k.push_back('\0');
  return k;
}

std::string name_prefix_end(std::string_view name) {
  std::string k;
  k.reserve(name.size() + 1);
  k.append(name);
  k.push_back('\x01');
  return k;
}

std::string outbox_acked_key(std::string_view sink) {
  std::string k(kOutboxAckedPrefix);
  k.append(sink);
  return k;
}

std::string evidence_key(std::string_view incident_id, uint32_t seq) {
  std::string k = name_prefix(incident_id);
  put_be32(&k, seq);
  return k;
}

bool parse_evidence_key(std::string_view key, std::string_view* incident_id, uint32_t* seq) {
  std::string_view rest;
  if (!split_name(key, incident_id, &rest) || rest.size() != 4) return false;
  *seq = get_be32(rest.data());
  return true;
}

std::string time_index_prefix(int64_t last_seen_us) { return be64(invert_time(last_seen_us)); }

std::string time_index_key(int64_t last_seen_us, std::string_view incident_id) {
  std::string k;
  k.reserve(8 + incident_id.size());
  put_be64(&k, invert_time(last_seen_us));
  k.append(incident_id);
  return k;
}

bool parse_time_index_key(std::string_view key, int64_t* last_seen_us,
                          std::string_view* incident_id) {
  if (key.size() <= 8) return false;
  *last_seen_us = uninvert_time(get_be64(key.data()));
  *incident_id = key.substr(8);
  return true;
}

std::string outbox_key(std::string_view sink, uint64_t seq) {
  std::string k = name_prefix(sink);
  put_be64(&k, seq);
  return k;
}

bool parse_outbox_key(std::string_view key, std::string_view* sink, uint64_t* seq) {
  std::string_view rest;
  if (!split_name(key, sink, &rest) || rest.size() != 8) return false;
  *seq = get_be64(rest.data());
  return true;
}

std::string index_prefix(Dim dim, std::string_view value) {
  std::string k;
  k.reserve(2 + value.size());
  k.push_back(static_cast<char>(dim));
  k.append(value);
  k.push_back('\0');
  return k;
}

std::string index_prefix(Dim dim, uint8_t value) {
  std::string k;
  k.push_back(static_cast<char>(dim));
  k.push_back(static_cast<char>(value));
  return k;
}

std::string index_key(std::string_view prefix, std::string_view position) {
  std::string k;
  k.reserve(prefix.size() + position.size());
  k.append(prefix);
  k.append(position);
  return k;
}

bool is_string_dim(Dim dim) { return dim == Dim::kRule || dim == Dim::kSite || dim == Dim::kAsset; }

bool parse_index_key(std::string_view key, Dim* dim, std::string_view* value,
                     std::string_view* position) {
  if (key.size() < 2) return false;
  *dim = static_cast<Dim>(key[0]);
  switch (*dim) {
    case Dim::kSeverity:
    case Dim::kStatus:
    case Dim::kAssetClass:
      *value = key.substr(1, 1);
      *position = key.substr(2);
      break;
    case Dim::kRule:
    case Dim::kSite:
    case Dim::kAsset: {
      const size_t nul = key.find('\0', 1);
      if (nul == std::string_view::npos) return false;
      *value = key.substr(1, nul - 1);
      *position = key.substr(nul + 1);
      break;
    }
    default:
      return false;
  }
  return position->size() > 8;
}

std::string history_key(std::string_view incident_id, uint32_t seq) {
  return evidence_key(incident_id, seq);  // the same shape: id \0 u32 BE seq
}

bool parse_history_key(std::string_view key, std::string_view* incident_id, uint32_t* seq) {
  return parse_evidence_key(key, incident_id, seq);
}

std::string audit_key(uint64_t seq) { return be64(seq); }

namespace {
constexpr int64_t kMicrosPerHour = int64_t{3600} * 1'000'000;
int64_t floor_hour(int64_t us) {
  int64_t h = us / kMicrosPerHour;
  if (us % kMicrosPerHour < 0) --h;
  return h * kMicrosPerHour;
}
}  // namespace

std::string counts_prefix(Dim dim, int64_t hour_us) {
  std::string k;
  k.reserve(9);
  k.push_back(static_cast<char>(dim));
  put_be64(&k, static_cast<uint64_t>(floor_hour(hour_us)) ^ kSignBit);
  return k;
}

std::string counts_key(Dim dim, int64_t hour_us, std::string_view value) {
  std::string k = counts_prefix(dim, hour_us);
  k.append(value);
  return k;
}

bool parse_counts_key(std::string_view key, Dim* dim, int64_t* hour_us, std::string_view* value) {
  if (key.size() < 9) return false;
  *dim = static_cast<Dim>(key[0]);
  *hour_us = static_cast<int64_t>(get_be64(key.data() + 1) ^ kSignBit);
  *value = key.substr(9);
  return true;
}

std::string title_key(std::string_view rule_id, std::string_view title, std::string_view title_vi) {
  std::string k;
  k.reserve(rule_id.size() + title.size() + title_vi.size() + 2);
  k.append(rule_id);
  k.push_back('\0');
  k.append(title);
  k.push_back('\0');
  k.append(title_vi);
  return k;
}

bool parse_title_key(std::string_view key, std::string_view* rule_id, std::string_view* title,
                     std::string_view* title_vi) {
  std::string_view rest;
  if (!split_name(key, rule_id, &rest)) return false;
  return split_name(rest, title, title_vi);
}

std::string held_update_key(std::string_view sink, std::string_view incident_id) {
  std::string k = name_prefix(sink);
  k.append(incident_id);
  return k;
}

bool parse_held_update_key(std::string_view key, std::string_view* sink,
                           std::string_view* incident_id) {
  return split_name(key, sink, incident_id) && !incident_id->empty();
}

std::string checkpoint_key(std::string_view input_name, std::string_view stream) {
  std::string k = name_prefix(input_name);
  k.append(stream);
  return k;
}

bool parse_checkpoint_key(std::string_view key, std::string_view* input_name,
                          std::string_view* stream) {
  return split_name(key, input_name, stream);
}

std::string describe_key(Family family, std::string_view key) {
  std::string out(family_name(family));
  out.push_back('/');
  std::string_view name;
  std::string_view id;
  uint64_t seq64 = 0;
  uint32_t seq32 = 0;
  int64_t t = 0;
  switch (family) {
    case Family::kEvidence:
      if (parse_evidence_key(key, &id, &seq32)) {
        append_printable(&out, id);
        out.push_back('/');
        out += std::to_string(seq32);
        return out;
      }
      break;
    case Family::kIdxTime:
      if (parse_time_index_key(key, &t, &id)) {
        out += std::to_string(t);
        out.push_back('/');
        append_printable(&out, id);
        return out;
      }
      break;
    case Family::kOutbox:
    case Family::kDeadLetter:
      if (parse_outbox_key(key, &name, &seq64)) {
        append_printable(&out, name);
        out.push_back('/');
        out += std::to_string(seq64);
        return out;
      }
      break;
    case Family::kHeldUpdates:
    case Family::kCheckpoints:
      if (parse_checkpoint_key(key, &name, &id)) {
        append_printable(&out, name);
        out.push_back('/');
        append_printable(&out, id);
        return out;
      }
      break;
    case Family::kHistory:
      if (parse_history_key(key, &id, &seq32)) {
        append_printable(&out, id);
        out.push_back('/');
        out += std::to_string(seq32);
        return out;
      }
      break;
    case Family::kAudit:
      if (key.size() == 8) return out + std::to_string(get_be64(key.data()));
      break;
    case Family::kIdx: {
      Dim dim;
      std::string_view value;
      std::string_view position;
      if (parse_index_key(key, &dim, &value, &position) &&
          parse_time_index_key(position, &t, &id)) {
        out.push_back(static_cast<char>(dim));
        out.push_back(':');
        if (dim == Dim::kRule || dim == Dim::kSite || dim == Dim::kAsset) {
          append_printable(&out, value);
        } else {
          out += std::to_string(static_cast<unsigned char>(value[0]));
        }
        out.push_back('/');
        out += std::to_string(t);
        out.push_back('/');
        append_printable(&out, id);
        return out;
      }
      break;
    }
    case Family::kMeta:
    case Family::kIncidents:
    case Family::kState:
    case Family::kCounts:
    case Family::kTitles:
      break;
  }
  append_printable(&out, key);
  return out;
}

}  // namespace wardsoc::keys
