#include "store/incident_codec.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace wardsoc {

namespace {

using Json = nlohmann::ordered_json;

// Thrown only inside this file and turned into an Error by decode_value().
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct TooNewError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Json string_json(std::string_view s) {
  if (is_valid_utf8(s)) return Json(s);
  Json o = Json::object();
  o["b64"] = base64_encode(s);
  return o;
}

std::string string_from(const Json& j, std::string_view what) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.size() == 1 && j.contains("b64") && j["b64"].is_string()) {
    std::string out;
    if (base64_decode(j["b64"].get_ref<const std::string&>(), &out)) return out;
    throw DecodeError(std::string(what) + ": invalid base64");
  }
  throw DecodeError(std::string(what) + ": expected a string");
}

const Json& field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw DecodeError(std::string("missing field \"") + key + "\"");
  return *it;
}

std::string get_string(const Json& j, const char* key) { return string_from(field(j, key), key); }

template <class T>
T get_number(const Json& j, const char* key) {
  const Json& v = field(j, key);
  if (!v.is_number_integer())
    throw DecodeError(std::string("field \"") + key + "\": expected an integer");
  return v.get<T>();
}

void check_version(const Json& j, int supported, std::string_view what) {
  const int v = get_number<int>(j, "v");
  if (v > supported) {
    throw TooNewError(std::string(what) + " format version " + std::to_string(v) +
                      " is newer than this build reads (" + std::to_string(supported) + ")");
  }
  if (v < 1)
    throw DecodeError(std::string(what) + " format version " + std::to_string(v) + " is invalid");
}

std::string dump(const Json& j) {
  // Strings were checked (or base64-encoded) on the way in; `replace` only guards the
  // few places that cannot be (object keys such as field names) against throwing.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Writes JSON text byte for byte as dump() above writes the same document, without
// building the document first: the incident and its evidence are encoded on every commit,
// and nlohmann's tree of small allocations cost more than the RocksDB write of the result.
// tests/store/incident_codec_test.cc holds the two side by side.
class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve) { out_.reserve(reserve); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // An object key. Keys come from rules (field names) and are not checked for UTF-8 on
  // the way in: one that is not valid goes through the library, which replaces what it
  // cannot encode, exactly as dump() does.
  JsonWriter& key(std::string_view k) {
    separate();
    if (is_valid_utf8(k)) {
      quoted(k);
    } else {
      out_ += dump(Json(std::string(k)));
    }
    out_.push_back(':');
    need_comma_ = false;
    return *this;
  }

  // A string as string_json() stores it: JSON text when valid UTF-8, else {"b64": ...}.
  void text(std::string_view s) {
    if (is_valid_utf8(s)) {
      separate();
      quoted(s);
      need_comma_ = true;
    } else {
      begin_object();
      key("b64");
      text(base64_encode(s));
      end_object();
    }
  }

  template <class T>
  void number(T v) {
    separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    need_comma_ = true;
  }

  std::string take() { return std::move(out_); }

 private:
  void separate() {
    if (need_comma_) out_.push_back(',');
  }
  void open(char c) {
    separate();
    out_.push_back(c);
    need_comma_ = false;
  }
  void close(char c) {
    out_.push_back(c);
    need_comma_ = true;
  }
  // `s` is valid UTF-8: bytes from 0x80 up belong to multi-byte characters and are
  // written as they are (dump() with ensure_ascii off); only '"', '\' and control
  // characters are escaped, with the library's short forms and lower-case \u00xx.
  void quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_.push_back('"');
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      out_.push_back('\\');
      switch (c) {
        case '"':
          out_.push_back('"');
          break;
        case '\\':
          out_.push_back('\\');
          break;
        case '\b':
          out_.push_back('b');
          break;
        case '\t':
          out_.push_back('t');
          break;
        case '\n':
          out_.push_back('n');
          break;
        case '\f':
          out_.push_back('f');
          break;
        case '\r':
          out_.push_back('r');
          break;
        default:
          out_ += "u00";
          out_.push_back(kHex[c >> 4]);
          out_.push_back(kHex[c & 15]);
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  std::string out_;
  bool need_comma_ = false;
};

Incident incident_from(const Json& j) {
  if (!j.is_object()) throw DecodeError("incident: expected a JSON object");
  check_version(j, kIncidentFormatVersion, "incident");
  Incident in;
  in.id = get_string(j, "id");
  in.rule_id = get_string(j, "rule_id");
  in.rule_version = get_string(j, "rule_version");
  in.title = get_string(j, "title");
  if (j.contains("title_vi")) in.title_vi = get_string(j, "title_vi");
  const std::string severity = get_string(j, "severity");
  if (!parse_severity(severity, &in.severity))
    throw DecodeError("unknown severity \"" + severity + "\"");
  in.level = get_number<int>(j, "level");
  const Json& tags = field(j, "tags");
  if (!tags.is_array()) throw DecodeError("field \"tags\": expected an array");
  for (const auto& t : tags) in.tags.push_back(string_from(t, "tags"));
  in.group_key = get_string(j, "group_key");
  in.window_start_us = get_number<int64_t>(j, "window_start_us");
  in.first_seen_us = get_number<int64_t>(j, "first_seen_us");
  in.last_seen_us = get_number<int64_t>(j, "last_seen_us");
  in.count = get_number<uint64_t>(j, "count");
  const std::string status = get_string(j, "status");
  if (!parse_status(status, &in.status)) throw DecodeError("unknown status \"" + status + "\"");
  in.asset = get_string(j, "asset");
  in.site = get_string(j, "site");
  const std::string cls = get_string(j, "asset_class");
  if (!parse_asset_class(cls, &in.asset_class))
    throw DecodeError("unknown asset class \"" + cls + "\"");
  in.host = get_string(j, "host");
  in.input = get_string(j, "input");
  const Json& fields = field(j, "fields");
  if (!fields.is_object()) throw DecodeError("field \"fields\": expected an object");
  for (const auto& [k, v] : fields.items()) in.fields.emplace(k, string_from(v, "fields"));
  in.evidence_count = get_number<uint64_t>(j, "evidence_count");
  in.updated_us = get_number<int64_t>(j, "updated_us");
  return in;
}

OutboxEntry outbox_from(const Json& j) {
  if (!j.is_object()) throw DecodeError("outbox entry: expected a JSON object");
  check_version(j, kOutboxFormatVersion, "outbox entry");
  OutboxEntry e;
  const std::string kind = get_string(j, "kind");
  if (!parse_change_kind(kind, &e.kind)) throw DecodeError("unknown change kind \"" + kind + "\"");
  e.enqueued_us = get_number<int64_t>(j, "enqueued_us");
  e.incident = incident_from(field(j, "incident"));
  return e;
}

// The one place where decoding exceptions (ours and nlohmann's) become errors.
template <class T, class Fn>
Result<T> decode_value(std::string_view value, Fn&& fn) {
  try {
    Json j = Json::parse(value.begin(), value.end());
    return fn(j);
  } catch (const TooNewError& e) {
    return Error(Errc::kIncompatible, e.what());
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::kCorruption, std::string("value does not decode: ") + e.what());
  } catch (const DecodeError& e) {
    return Error(Errc::kCorruption, std::string("value does not decode: ") + e.what());
  }
}

}  // namespace

std::string encode_incident(const Incident& in) {
  JsonWriter w(512 + in.title.size() + in.title_vi.size());
  w.begin_object();
  w.key("v").number(kIncidentFormatVersion);
  w.key("id").text(in.id);
  w.key("rule_id").text(in.rule_id);
  w.key("rule_version").text(in.rule_version);
  w.key("title").text(in.title);
  w.key("title_vi").text(in.title_vi);
  w.key("severity").text(severity_name(in.severity));
  w.key("level").number(in.level);
  w.key("tags").begin_array();
  for (const auto& t : in.tags) w.text(t);
  w.end_array();
  w.key("group_key").text(in.group_key);
  w.key("window_start_us").number(in.window_start_us);
  w.key("first_seen_us").number(in.first_seen_us);
  w.key("last_seen_us").number(in.last_seen_us);
  w.key("count").number(in.count);
  w.key("status").text(status_name(in.status));
  w.key("asset").text(in.asset);
  w.key("site").text(in.site);
  w.key("asset_class").text(asset_class_name(in.asset_class));
  w.key("host").text(in.host);
  w.key("input").text(in.input);
  w.key("fields").begin_object();
  for (const auto& [k, v] : in.fields) w.key(k).text(v);
  w.end_object();
  w.key("evidence_count").number(in.evidence_count);
  w.key("updated_us").number(in.updated_us);
  w.end_object();
  return w.take();
}

Result<Incident> decode_incident(std::string_view value) {
  return decode_value<Incident>(value, [](const Json& j) { return incident_from(j); });
}

std::string encode_evidence(const Evidence& ev) {
  JsonWriter w(128 + ev.line.size());
  w.begin_object();
  w.key("v").number(kEvidenceFormatVersion);
  w.key("seq").number(ev.seq);
  w.key("receive_time_us").number(ev.receive_time_us);
  w.key("event_time_us").number(ev.event_time_us);
  w.key("input").text(ev.input);
  w.key("peer").text(ev.peer);
  w.key("line").text(ev.line);
  w.end_object();
  return w.take();
}

Result<Evidence> decode_evidence(std::string_view value) {
  return decode_value<Evidence>(value, [](const Json& j) {
    if (!j.is_object()) throw DecodeError("evidence: expected a JSON object");
    check_version(j, kEvidenceFormatVersion, "evidence");
    Evidence ev;
    ev.seq = get_number<uint32_t>(j, "seq");
    ev.receive_time_us = get_number<int64_t>(j, "receive_time_us");
    ev.event_time_us = get_number<int64_t>(j, "event_time_us");
    ev.input = get_string(j, "input");
    ev.peer = get_string(j, "peer");
    ev.line = get_string(j, "line");
    return ev;
  });
}

std::string encode_outbox_value(IncidentChange::Kind kind, std::string_view encoded_incident,
                                int64_t enqueued_us) {
  std::string out;
  out.reserve(encoded_incident.size() + 64);
  out += "{\"v\":";
  out += std::to_string(kOutboxFormatVersion);
  out += ",\"kind\":\"";
  out += change_kind_name(kind);
  out += "\",\"enqueued_us\":";
  out += std::to_string(enqueued_us);
  out += ",\"incident\":";
  out += encoded_incident;
  out += '}';
  return out;
}

Result<OutboxEntry> decode_outbox_value(std::string_view value) {
  return decode_value<OutboxEntry>(value, [](const Json& j) { return outbox_from(j); });
}

std::string encode_dead_letter(std::string_view outbox_value, std::string_view reason,
                               int64_t dead_lettered_us) {
  std::string out;
  out.reserve(outbox_value.size() + reason.size() + 64);
  out += "{\"v\":";
  out += std::to_string(kDeadLetterFormatVersion);
  out += ",\"reason\":";
  out += dump(string_json(reason));
  out += ",\"dead_lettered_us\":";
  out += std::to_string(dead_lettered_us);
  out += ",\"entry\":";
  out += outbox_value;
  out += '}';
  return out;
}

std::string encode_raw_dead_letter(std::string_view raw_value, std::string_view reason,
                                   int64_t dead_lettered_us) {
  Json j = Json::object();
  j["v"] = kDeadLetterFormatVersion;
  j["reason"] = string_json(reason);
  j["dead_lettered_us"] = dead_lettered_us;
  Json raw = Json::object();
  raw["b64"] = base64_encode(raw_value);
  j["raw"] = std::move(raw);
  return dump(j);
}

Result<DeadLetter> decode_dead_letter(std::string_view value) {
  return decode_value<DeadLetter>(value, [](const Json& j) {
    if (!j.is_object()) throw DecodeError("dead letter: expected a JSON object");
    check_version(j, kDeadLetterFormatVersion, "dead letter");
    DeadLetter d;
    d.reason = get_string(j, "reason");
    d.dead_lettered_us = get_number<int64_t>(j, "dead_lettered_us");
    if (j.contains("raw")) {
      d.raw = string_from(j["raw"], "raw");
    } else {
      d.entry = outbox_from(field(j, "entry"));
    }
    return d;
  });
}

std::string encode_history(const HistoryEntry& e) {
  Json j = Json::object();
  j["v"] = kHistoryFormatVersion;
  j["seq"] = e.seq;
  j["time_us"] = e.time_us;
  j["actor"] = string_json(e.actor);
  if (e.from) j["from"] = status_name(*e.from);
  j["to"] = status_name(e.to);
  j["note"] = string_json(e.note);
  return dump(j);
}

Result<HistoryEntry> decode_history(std::string_view value) {
  return decode_value<HistoryEntry>(value, [](const Json& j) {
    if (!j.is_object()) throw DecodeError("history entry: expected a JSON object");
    check_version(j, kHistoryFormatVersion, "history entry");
    HistoryEntry e;
    e.seq = get_number<uint32_t>(j, "seq");
    e.time_us = get_number<int64_t>(j, "time_us");
    e.actor = get_string(j, "actor");
    auto status = [&](const char* key) {
      const std::string name = get_string(j, key);
      IncidentStatus s;
      if (!parse_status(name, &s)) throw DecodeError("unknown status \"" + name + "\"");
      return s;
    };
    if (j.contains("from")) e.from = status("from");
    e.to = status("to");
    e.note = get_string(j, "note");
    return e;
  });
}

std::string encode_audit(const AuditEntry& e) {
  Json j = Json::object();
  j["v"] = kAuditFormatVersion;
  j["seq"] = e.seq;
  j["time_us"] = e.time_us;
  j["actor"] = string_json(e.actor);
  j["action"] = string_json(e.action);
  if (!e.incident.empty()) j["incident"] = string_json(e.incident);
  j["detail"] = string_json(e.detail);
  return dump(j);
}

Result<AuditEntry> decode_audit(std::string_view value) {
  return decode_value<AuditEntry>(value, [](const Json& j) {
    if (!j.is_object()) throw DecodeError("audit entry: expected a JSON object");
    check_version(j, kAuditFormatVersion, "audit entry");
    AuditEntry e;
    e.seq = get_number<uint64_t>(j, "seq");
    e.time_us = get_number<int64_t>(j, "time_us");
    e.actor = get_string(j, "actor");
    e.action = get_string(j, "action");
    if (j.contains("incident")) e.incident = get_string(j, "incident");
    e.detail = get_string(j, "detail");
    return e;
  });
}

bool is_valid_utf8(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  static const std::array<int8_t, 256> kDecode = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
      t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
    }
    return t;
  }();
  if (text.size() % 4 != 0) return false;
  out->clear();
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<size_t>(k)];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;  // data after padding
      v[k] = kDecode[static_cast<unsigned char>(c)];
      if (v[k] < 0) return false;
    }
    const uint32_t bits = (static_cast<uint32_t>(v[0]) << 18) |
                          (static_cast<uint32_t>(v[1]) << 12) | (static_cast<uint32_t>(v[2]) << 6) |
                          static_cast<uint32_t>(v[3]);
    out->push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out->push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(bits & 0xFF));
  }
  return true;
}

}  // namespace wardsoc
