// Queries on incidents: what Store::list_incidents() pages through (IncidentQuery,
// IncidentPage) and what Store::count_incidents() buckets (CountQuery, CountRow). Plain
// values; store.h runs them, docs/store.md ("Listing incidents") says how.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/incident.h"

namespace wardsoc {

// Which incidents list_incidents() returns. Times filter on last_seen_us (the time of
// the latest matching event), half-open: since_us <= last_seen_us < until_us.
struct IncidentQuery {
  int64_t since_us = INT64_MIN;
  int64_t until_us = INT64_MAX;
  std::optional<Severity> min_severity;   // severity >= this
  std::optional<IncidentStatus> status;   // exactly this status
  std::string rule_id;                    // exactly this rule; empty = any
  std::string site;                       // exactly this site; empty = any
  std::string asset;                      // exactly this asset; empty = any
  std::optional<AssetClass> asset_class;  // source class
  // Words in the title (English or Vietnamese), case- and diacritics-insensitive:
  // "mat khau" finds "Dò mật khẩu SSH".
  std::string text;
  size_t limit = 50;   // 1..kMaxPageSize
  std::string cursor;  // IncidentPage::next_cursor of the previous page
};

inline constexpr size_t kMaxPageSize = 10000;

// One page, newest last_seen first (ties: incident id ascending). Paging walks the
// index as it is when each page is read: an incident updated between two pages moves
// to the front and is not repeated on later pages of the same walk.
struct IncidentPage {
  std::vector<Incident> incidents;
  std::string next_cursor;  // empty when there is nothing more
};

// Counts of incidents for charts and reports, from the hourly counters (never a scan
// of the incidents). An incident counts once, in the bucket of its first_seen.
enum class CountBucket { kHour, kDay };
enum class CountBy { kSeverity, kRule, kSite };
struct CountQuery {
  int64_t since_us = 0;  // half-open range of first_seen, rounded out to whole buckets
  int64_t until_us = 0;
  CountBucket bucket = CountBucket::kDay;
  CountBy by = CountBy::kSeverity;
  std::string zone = "Asia/Ho_Chi_Minh";  // where days start (hours are the same everywhere
                                          // wardsoc runs: zones with whole-hour offsets)
};
struct CountRow {
  int64_t start_us = 0;                    // bucket start
  std::map<std::string, uint64_t> counts;  // severity name, rule id or site ("" unknown)
};
inline constexpr size_t kMaxCountBuckets = 10000;

}  // namespace wardsoc
