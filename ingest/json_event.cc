#include "ingest/json_event.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/time.h"

namespace wardsoc {

namespace {

// Field names by priority (first present wins). Lists are short; a linear scan per key
// is cheaper than hashing them.
constexpr std::array kMessageKeys = {
    std::string_view("message"),       std::string_view("msg"),
    std::string_view("MESSAGE"),       std::string_view("log"),
    std::string_view("short_message"), std::string_view("eventDescription")};
constexpr std::array kHostKeys = {std::string_view("host"),      std::string_view("hostname"),
                                  std::string_view("_HOSTNAME"), std::string_view("source_host"),
                                  std::string_view("device"),    std::string_view("deviceName"),
                                  std::string_view("ipAddress")};
constexpr std::array kAppKeys = {
    std::string_view("app"),         std::string_view("appname"),
    std::string_view("app_name"),    std::string_view("program"),
    std::string_view("application"), std::string_view("SYSLOG_IDENTIFIER"),
    std::string_view("ident")};
constexpr std::array kPidKeys = {std::string_view("pid"), std::string_view("procid"),
                                 std::string_view("_PID")};
constexpr std::array kTimeKeys = {std::string_view("@timestamp"), std::string_view("timestamp"),
                                  std::string_view("time"),       std::string_view("ts"),
                                  std::string_view("dateTime"),   std::string_view("eventTime"),
                                  std::string_view("date")};

template <size_t N>
int rank(const std::array<std::string_view, N>& keys, std::string_view key) {
  for (size_t i = 0; i < N; ++i) {
    if (keys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

// Epoch numbers come in seconds, milliseconds, microseconds or nanoseconds; the magnitude
// tells which (seconds reach 1e11 only in the year 5138).
bool epoch_to_us(double v, int64_t* us) {
  if (!std::isfinite(v) || v <= 0) return false;
  double scaled = 0;
  if (v < 1e11) {
    scaled = v * 1e6;
  } else if (v < 1e14) {
    scaled = v * 1e3;
  } else if (v < 1e17) {
    scaled = v;
  } else {
    scaled = v / 1e3;
  }
  if (scaled > 9.2e18) return false;
  *us = static_cast<int64_t>(scaled);
  return true;
}

bool epoch_to_us(uint64_t v, int64_t* us) {
  if (v == 0) return false;
  uint64_t micros = 0;
  if (v < 100'000'000'000ULL) {
    micros = v * 1'000'000ULL;
  } else if (v < 100'000'000'000'000ULL) {
    micros = v * 1'000ULL;
  } else if (v < 100'000'000'000'000'000ULL) {
    micros = v;
  } else {
    micros = v / 1'000ULL;
  }
  *us = static_cast<int64_t>(micros);
  return true;
}

}  // namespace

std::string_view json_outcome_name(JsonEventParser::Outcome o) {
  switch (o) {
    case JsonEventParser::Outcome::kOk:
      return "ok";
    case JsonEventParser::Outcome::kNotObject:
      return "not a JSON object";
    case JsonEventParser::Outcome::kMalformed:
      return "malformed JSON";
    case JsonEventParser::Outcome::kTooDeep:
      return "JSON nested too deep";
  }
  return "unknown";
}

struct JsonEventParser::Impl {
  simdjson::dom::parser parser;
  std::vector<char> padded;  // the document with simdjson's padding behind it
  std::string pid_text;      // a numeric pid written out
  std::string minified;      // an array element as raw text

  simdjson::error_code load(std::string_view text, simdjson::dom::element* root) {
    padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), text.data(), text.size());
    std::memset(padded.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    return parser.parse(reinterpret_cast<const uint8_t*>(padded.data()), text.size(), false)
        .get(*root);
  }

  void extract(simdjson::dom::object obj, const SyslogParseOptions& opts, BodyFields* f) {
    *f = BodyFields{};
    int msg_rank = 99, host_rank = 99, app_rank = 99, pid_rank = 99, time_rank = 99;
    for (auto field : obj) {
      const std::string_view key = field.key;
      const simdjson::dom::element v = field.value;
      int r = -1;
      if ((r = rank(kMessageKeys, key)) >= 0 && r < msg_rank) {
        std::string_view s;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
          f->message = s;
          msg_rank = r;
        }
      } else if ((r = rank(kHostKeys, key)) >= 0 && r < host_rank) {
        std::string_view s;
        simdjson::dom::object nested;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
          f->host = s;
          host_rank = r;
        } else if (v.get_object().get(nested) == simdjson::SUCCESS) {
          // Elastic Common Schema: "host": {"name": ..., "hostname": ...}
          for (const char* k : {"name", "hostname"}) {
            if (nested[k].get_string().get(s) == simdjson::SUCCESS) {
              f->host = s;
              host_rank = r;
              break;
            }
          }
        }
      } else if ((r = rank(kAppKeys, key)) >= 0 && r < app_rank) {
        std::string_view s;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
          f->app = s;
          app_rank = r;
        }
      } else if ((r = rank(kPidKeys, key)) >= 0 && r < pid_rank) {
        std::string_view s;
        int64_t n = 0;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
          f->procid = s;
          pid_rank = r;
        } else if (v.get_int64().get(n) == simdjson::SUCCESS) {
          pid_text = std::to_string(n);
          f->procid = pid_text;
          pid_rank = r;
        }
      } else if ((r = rank(kTimeKeys, key)) >= 0 && r < time_rank) {
        std::string_view s;
        uint64_t u = 0;
        double d = 0;
        int64_t us = 0;
        bool zone = false;
        bool got = false;
        if (v.get_string().get(s) == simdjson::SUCCESS) {
          got = parse_timestamp_text(s, opts, &us, &zone);
        } else if (v.get_uint64().get(u) == simdjson::SUCCESS) {
          got = epoch_to_us(u, &us);
          zone = true;
        } else if (v.get_double().get(d) == simdjson::SUCCESS) {
          got = epoch_to_us(d, &us);
          zone = true;
        }
        if (got) {
          f->has_timestamp = true;
          f->timestamp_has_zone = zone;
          f->timestamp_us = us;
          time_rank = r;
        }
      }
    }
  }
};

JsonEventParser::JsonEventParser(size_t max_depth) : impl_(std::make_unique<Impl>()) {
  // Capacity grows on demand; the depth limit stays. Should this first allocation fail,
  // every parse() reports it as malformed (simdjson's MEMALLOC), nothing worse.
  if (impl_->parser.allocate(64 * 1024, max_depth == 0 ? 1 : max_depth) != simdjson::SUCCESS) {
    error_ = "cannot allocate the JSON parser";
  }
}

JsonEventParser::~JsonEventParser() = default;

JsonEventParser::Outcome JsonEventParser::parse(std::string_view json,
                                                const SyslogParseOptions& opts,
                                                BodyFields* fields) {
  simdjson::dom::element root;
  const simdjson::error_code ec = impl_->load(json, &root);
  if (ec != simdjson::SUCCESS) {
    error_ = simdjson::error_message(ec);
    return ec == simdjson::DEPTH_ERROR ? Outcome::kTooDeep : Outcome::kMalformed;
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    error_ = "the document is not a JSON object";
    return Outcome::kNotObject;
  }
  impl_->extract(obj, opts, fields);
  error_.clear();
  return Outcome::kOk;
}

JsonEventParser::Outcome JsonEventParser::parse_events(std::string_view body,
                                                       const SyslogParseOptions& opts,
                                                       const OnEvent& on_event, size_t* skipped) {
  *skipped = 0;
  simdjson::dom::element root;
  const simdjson::error_code ec = impl_->load(body, &root);
  if (ec != simdjson::SUCCESS) {
    error_ = simdjson::error_message(ec);
    return ec == simdjson::DEPTH_ERROR ? Outcome::kTooDeep : Outcome::kMalformed;
  }
  BodyFields fields;
  simdjson::dom::object obj;
  if (root.get_object().get(obj) == simdjson::SUCCESS) {
    impl_->extract(obj, opts, &fields);
    // The body as sent, without surrounding white space.
    size_t b = 0;
    size_t e = body.size();
    while (b < e && (body[b] == ' ' || body[b] == '\n' || body[b] == '\r' || body[b] == '\t')) ++b;
    while (e > b && (body[e - 1] == ' ' || body[e - 1] == '\n' || body[e - 1] == '\r' ||
                     body[e - 1] == '\t')) {
      --e;
    }
    on_event(body.substr(b, e - b), fields);
    error_.clear();
    return Outcome::kOk;
  }
  simdjson::dom::array arr;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    error_ = "the document is neither a JSON object nor an array of objects";
    return Outcome::kNotObject;
  }
  for (simdjson::dom::element el : arr) {
    if (el.get_object().get(obj) != simdjson::SUCCESS) {
      ++*skipped;
      continue;
    }
    impl_->extract(obj, opts, &fields);
    impl_->minified = simdjson::minify(el);
    on_event(impl_->minified, fields);
  }
  error_.clear();
  return Outcome::kOk;
}

}  // namespace wardsoc
