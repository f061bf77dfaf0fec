#include "core/time.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <charconv>
#include <chrono>

namespace wardsoc {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> parse_duration_us(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error(Errc::kInvalidArgument, "invalid duration '" + std::string(text) +
                                             "': " + std::string(why) +
                                             " (expected e.g. 500ms, 30s, 10m, 2h, 7d)");
  };
  if (text.empty()) return bad("empty");
  int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc() || p == text.data()) return bad("does not start with a number");
  std::string_view unit(p, static_cast<size_t>(end - p));
  int64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = kMicrosPerSecond;
  else if (unit == "ms")
    scale = 1000;
  else if (unit == "m")
    scale = 60 * kMicrosPerSecond;
  else if (unit == "h")
    scale = 3600 * kMicrosPerSecond;
  else if (unit == "d")
    scale = 86400 * kMicrosPerSecond;
  else
    return bad("unknown unit '" + std::string(unit) + "'");
  if (number <= 0) return bad("must be positive");
  if (number > INT64_MAX / scale) return bad("too large");
  return number * scale;
}

namespace {
cctz::time_point<cctz::seconds> to_tp(int64_t us) {
  return cctz::time_point<cctz::seconds>(
      cctz::seconds(us / kMicrosPerSecond - (us % kMicrosPerSecond < 0 ? 1 : 0)));
}
}  // namespace

std::string format_rfc3339_utc(int64_t us) {
  int64_t frac = us % kMicrosPerSecond;
  if (frac < 0) frac += kMicrosPerSecond;
  const auto tp = to_tp(us);
  std::string s = cctz::format("%Y-%m-%dT%H:%M:%S", tp, cctz::utc_time_zone());
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06lldZ", static_cast<long long>(frac));
  return s + buf;
}

std::string format_local_short(int64_t us, std::string_view zone) {
  cctz::time_zone tz;
  if (!cctz::load_time_zone(std::string(zone), &tz)) tz = cctz::utc_time_zone();
  return cctz::format("%d/%m/%Y %H:%M", to_tp(us), tz);
}

}  // namespace wardsoc
