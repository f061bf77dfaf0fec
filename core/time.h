// Time helpers shared by every layer: the clock, durations as people write them in
// config and rules ("30s", "10m", "2h", "7d"), and timestamps as text.
// All times inside wardsoc are int64 microseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wardsoc {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;

int64_t now_us();  // wall clock

// "250ms", "30s", "10m", "2h", "7d", or a bare number of seconds. Zero and negative
// durations are errors; the message says what was expected.
Result<int64_t> parse_duration_us(std::string_view text);

// "2026-11-25T09:59:29.123456Z"
std::string format_rfc3339_utc(int64_t us);

// "25/11/2026 16:59" in the named zone (the dashboard's and reports' format); falls
// back to UTC if the zone is unknown.
std::string format_local_short(int64_t us, std::string_view zone = "Asia/Ho_Chi_Minh");

}  // namespace wardsoc
