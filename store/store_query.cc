// Store: the dashboard's queries — filtered, newest-first listings walked along an
// index (never a scan of the incidents), and counts per hour or day from the counters.
#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "store/incident_codec.h"
#include "store/incident_index.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "store/text_fold.h"

namespace wardsoc {

using keys::Dim;
using keys::Family;
using namespace store_detail;

namespace {

constexpr int64_t kMicrosPerHour = int64_t{3600} * 1'000'000;

bool matches(const IncidentQuery& q, const IndexSummary& s) {
  if (q.min_severity && s.severity < *q.min_severity) return false;
  if (q.status && s.status != *q.status) return false;
  if (q.asset_class && s.asset_class != *q.asset_class) return false;
  if (!q.rule_id.empty() && s.rule_id != q.rule_id) return false;
  if (!q.site.empty() && s.site != q.site) return false;
  if (!q.asset.empty() && s.asset != q.asset) return false;
  return true;
}

std::vector<std::string> words(std::string_view folded) {
  std::vector<std::string> out;
  std::istringstream in{std::string(folded)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool all_words_in(const std::vector<std::string>& needles, std::string_view title,
                  std::string_view title_vi) {
  std::string hay = fold_text(title);
  hay.push_back('\n');
  hay += fold_text(title_vi);
  for (const auto& w : needles) {
    if (hay.find(w) == std::string::npos) return false;
  }
  return true;
}

// The exclusive upper bound of the keys that start with `prefix` (which never ends in
// 0xff: it ends in a dimension's one-byte value or in \0).
std::string prefix_end(std::string prefix) {
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// One index walked newest first: the keys under `prefix`, whose remainder is a
// position (time bytes + id).
struct Source {
  std::string prefix;
  std::string upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
  std::string_view position() const { return view(it->key()).substr(prefix.size()); }
};

}  // namespace

Result<IncidentPage> Store::list_incidents(const IncidentQuery& q) const {
  if (q.limit == 0 || q.limit > kMaxPageSize) {
    return Error(Errc::kInvalidArgument, "list incidents: limit must be 1.." +
                                             std::to_string(kMaxPageSize) + ", not " +
                                             std::to_string(q.limit));
  }
  IncidentPage page;
  if (q.since_us >= q.until_us) return page;

  std::string start =
      keys::time_index_prefix(q.until_us == INT64_MIN ? q.until_us : q.until_us - 1);
  if (!q.cursor.empty()) {
    std::string after;
    int64_t t = 0;
    std::string_view id;
    if (!hex_decode(q.cursor, &after) || !keys::parse_time_index_key(after, &t, &id)) {
      return Error(Errc::kInvalidArgument, "list incidents: invalid cursor '" + q.cursor + "'");
    }
    after.push_back('\0');  // the smallest position after the cursor's
    start = std::max(start, after);
  }

  // One snapshot for the index walk and the incident reads, so they agree.
  rocksdb::ManagedSnapshot snapshot(core_->db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();

  const std::vector<std::string> needles = words(fold_text(q.text));

  // Which index to walk: the most selective filter given, as a rule of thumb.
  Family fam = Family::kIdx;
  std::vector<std::string> prefixes;
  if (!needles.empty()) {
    std::set<std::string> rules;
    std::unique_ptr<rocksdb::Iterator> t(
        core_->db->NewIterator(ro, core_->family(Family::kTitles)));
    for (t->SeekToFirst(); t->Valid(); t->Next()) {
      std::string_view rule, title, title_vi;
      if (!keys::parse_title_key(view(t->key()), &rule, &title, &title_vi)) continue;
      if (!q.rule_id.empty() && rule != q.rule_id) continue;
      if (all_words_in(needles, title, title_vi)) rules.emplace(rule);
    }
    if (!t->status().ok()) return rocks_error(t->status(), "list incidents in " + core_->path);
    if (rules.empty()) return page;
    for (const auto& r : rules) prefixes.push_back(keys::index_prefix(Dim::kRule, r));
  } else if (!q.rule_id.empty()) {
    prefixes.push_back(keys::index_prefix(Dim::kRule, q.rule_id));
  } else if (!q.asset.empty()) {
    prefixes.push_back(keys::index_prefix(Dim::kAsset, q.asset));
  } else if (!q.site.empty()) {
    prefixes.push_back(keys::index_prefix(Dim::kSite, q.site));
  } else if (q.status) {
    prefixes.push_back(keys::index_prefix(Dim::kStatus, static_cast<uint8_t>(*q.status)));
  } else if (q.asset_class) {
    prefixes.push_back(keys::index_prefix(Dim::kAssetClass, static_cast<uint8_t>(*q.asset_class)));
  } else if (q.min_severity && *q.min_severity > Severity::kInfo) {
    for (int s = static_cast<int>(*q.min_severity); s <= static_cast<int>(Severity::kCritical);
         ++s) {
      prefixes.push_back(keys::index_prefix(Dim::kSeverity, static_cast<uint8_t>(s)));
    }
  } else {
    fam = Family::kIdxTime;
    prefixes.emplace_back();
  }

  std::vector<Source> sources(prefixes.size());
  for (size_t i = 0; i < prefixes.size(); ++i) {
    Source& src = sources[i];
    src.prefix = prefixes[i];
    rocksdb::ReadOptions sro = ro;
    if (!src.prefix.empty()) {
      src.upper = prefix_end(src.prefix);
      src.upper_slice = slice(src.upper);
      sro.iterate_upper_bound = &src.upper_slice;
    }
    src.it.reset(core_->db->NewIterator(sro, core_->family(fam)));
    src.it->Seek(slice(keys::index_key(src.prefix, start)));
  }

  std::string last_position;
  std::string value;
  for (;;) {
    Source* best = nullptr;
    for (auto& src : sources) {
      if (!src.it->Valid()) continue;
      if (best == nullptr || src.position() < best->position()) best = &src;
    }
    if (best == nullptr) break;
    const std::string_view position = best->position();
    int64_t last_seen = 0;
    std::string_view id;
    IndexSummary summary;
    if (!keys::parse_time_index_key(position, &last_seen, &id) ||
        !parse_summary(view(best->it->value()), &summary)) {
      return Error(Errc::kCorruption, keys::describe_key(fam, view(best->it->key())) + " in " +
                                          core_->path +
                                          " is not an index entry (run `wardsoc db "
                                          "verify --repair`)");
    }
    if (last_seen < q.since_us) break;
    if (matches(q, summary)) {
      const rocksdb::Status s =
          core_->db->Get(ro, core_->family(Family::kIncidents), slice(id), &value);
      if (s.ok()) {
        auto in = decode_incident(value);
        if (!in) {
          return std::move(in).error().with_context(keys::describe_key(Family::kIncidents, id));
        }
        // An entry that disagrees with its incident is stale (see verify); skip it.
        if (in->last_seen_us == last_seen && matches(q, summary_of(*in)) &&
            (needles.empty() || all_words_in(needles, in->title, in->title_vi))) {
          if (page.incidents.size() == q.limit) {
            // One more match exists, so there is a next page; it starts after the last one.
            page.next_cursor = hex_encode(last_position);
            break;
          }
          page.incidents.push_back(std::move(in).value());
          last_position.assign(position);
        }
      } else if (!s.IsNotFound()) {
        return rocks_error(s, keys::describe_key(Family::kIncidents, id));
      }
    }
    best->it->Next();
  }
  for (auto& src : sources) {
    if (!src.it->status().ok())
      return rocks_error(src.it->status(), "list incidents in " + core_->path);
  }
  return page;
}

Result<std::vector<CountRow>> Store::count_incidents(const CountQuery& q) const {
  if (q.since_us >= q.until_us) {
    return Error(Errc::kInvalidArgument, "count incidents: the range is empty (since >= until)");
  }
  cctz::time_zone tz;
  if (!cctz::load_time_zone(q.zone, &tz)) {
    return Error(Errc::kInvalidArgument, "count incidents: unknown time zone '" + q.zone + "'");
  }
  using Micros = std::chrono::microseconds;
  using TimePoint = std::chrono::time_point<std::chrono::system_clock, Micros>;
  auto floor_hour = [](int64_t us) {
    int64_t h = us / kMicrosPerHour;
    if (us % kMicrosPerHour < 0) --h;
    return h * kMicrosPerHour;
  };
  auto local_day_start = [&](const cctz::civil_day& d) {
    const auto tp = cctz::convert(cctz::civil_second(d), tz);
    return static_cast<int64_t>(tp.time_since_epoch().count()) * 1'000'000;
  };

  std::vector<int64_t> starts;
  if (q.bucket == CountBucket::kHour) {
    for (int64_t h = floor_hour(q.since_us); h < q.until_us; h += kMicrosPerHour) {
      starts.push_back(h);
      if (starts.size() > kMaxCountBuckets) break;
    }
  } else {
    cctz::civil_day d(cctz::convert(TimePoint(Micros(q.since_us)), tz));
    for (int64_t t = local_day_start(d); t < q.until_us; t = local_day_start(++d)) {
      starts.push_back(t);
      if (starts.size() > kMaxCountBuckets) break;
    }
  }
  if (starts.size() > kMaxCountBuckets) {
    return Error(Errc::kInvalidArgument, "count incidents: more than " +
                                             std::to_string(kMaxCountBuckets) +
                                             " buckets; use days or a shorter range");
  }
  std::vector<CountRow> rows(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) rows[i].start_us = starts[i];
  if (starts.empty()) return rows;
  const int64_t range_end =
      q.bucket == CountBucket::kHour ? starts.back() + kMicrosPerHour : q.until_us;

  const Dim dim = q.by == CountBy::kSeverity ? Dim::kSeverity
                  : q.by == CountBy::kRule   ? Dim::kRule
                                             : Dim::kSite;
  KeyRange it(core_->db.get(), core_->family(Family::kCounts),
              keys::counts_prefix(dim, floor_hour(starts.front())),
              keys::counts_prefix(dim, floor_hour(range_end - 1) + kMicrosPerHour));
  for (; it.valid(); it.next()) {
    Dim d;
    int64_t hour = 0;
    std::string_view name;
    uint64_t n = 0;
    if (!keys::parse_counts_key(it.key(), &d, &hour, &name) || !parse_le64(it.value(), &n)) {
      return Error(Errc::kCorruption, keys::describe_key(Family::kCounts, it.key()) + " in " +
                                          core_->path + " is not a count");
    }
    auto b = std::upper_bound(starts.begin(), starts.end(), hour);
    if (b == starts.begin()) continue;
    const size_t i = static_cast<size_t>(b - starts.begin()) - 1;
    rows[i].counts[std::string(name)] += n;
  }
  if (!it.status().ok()) return rocks_error(it.status(), "count incidents in " + core_->path);
  return rows;
}

}  // namespace wardsoc
