#include "ingest/kv_parser.h"

#include <array>
#include <cstdint>
#include <string>

namespace wardsoc {

namespace {

constexpr std::array kHostKeys = {std::string_view("devname"), std::string_view("device_name"),
                                  std::string_view("hostname"), std::string_view("host"),
                                  std::string_view("dvchost")};

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Epoch in s, ms, us or ns, told apart by magnitude.
bool epoch_text_to_us(std::string_view s, int64_t* us) {
  if (!all_digits(s)) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0) return false;
  if (v < 100'000'000'000ULL) {
    v *= 1'000'000ULL;
  } else if (v < 100'000'000'000'000ULL) {
    v *= 1'000ULL;
  } else if (v >= 100'000'000'000'000'000ULL) {
    v /= 1'000ULL;
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *us = static_cast<int64_t>(v);
  return true;
}

// "+0700", "+07:00", "-05", "+7" -> "+07:00"; empty when it is none of these.
std::string normalize_offset(std::string_view tz) {
  if (tz.size() < 2 || (tz[0] != '+' && tz[0] != '-')) return {};
  std::string digits;
  for (char c : tz.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return {};
    digits += c;
  }
  if (digits.size() == 1) digits = "0" + digits;
  if (digits.size() == 2) digits += "00";
  if (digits.size() != 4) return {};
  return std::string(1, tz[0]) + digits.substr(0, 2) + ":" + digits.substr(2, 2);
}

}  // namespace

size_t kv_fields(std::string_view body, const SyslogParseOptions& opts, BodyFields* out) {
  *out = BodyFields{};
  std::string_view date, time, tz, eventtime, whole;
  int host_rank = 99;
  const size_t pairs = for_each_kv(body, [&](std::string_view key, std::string_view value) {
    for (size_t i = 0; i < kHostKeys.size(); ++i) {
      if (key == kHostKeys[i] && static_cast<int>(i) < host_rank && !value.empty()) {
        out->host = value;
        host_rank = static_cast<int>(i);
      }
    }
    if (key == "date") {
      date = value;
    } else if (key == "time") {
      time = value;
    } else if (key == "tz") {
      tz = value;
    } else if (key == "eventtime") {
      eventtime = value;
    } else if ((key == "timestamp" || key == "ts") && whole.empty()) {
      whole = value;
    }
  });
  if (pairs < 2) {
    *out = BodyFields{};
    return pairs;
  }
  int64_t us = 0;
  bool has_zone = false;
  if (!eventtime.empty() && epoch_text_to_us(eventtime, &us)) {
    has_zone = true;
  } else if (!date.empty() && !time.empty()) {
    std::string text = std::string(date) + "T" + std::string(time) + normalize_offset(tz);
    if (!parse_timestamp_text(text, opts, &us, &has_zone)) us = 0;
  } else if (!whole.empty()) {
    if (epoch_text_to_us(whole, &us)) {
      has_zone = true;
    } else if (!parse_timestamp_text(whole, opts, &us, &has_zone)) {
      us = 0;
    }
  } else if (!time.empty() && time.size() > 10) {
    if (!parse_timestamp_text(time, opts, &us, &has_zone)) us = 0;
  }
  if (us != 0) {
    out->has_timestamp = true;
    out->timestamp_has_zone = has_zone;
    out->timestamp_us = us;
  }
  return pairs;
}

}  // namespace wardsoc
