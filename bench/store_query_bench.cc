// The police dashboard's queries at scale: loads N incidents (default 1,000,000; 40
// rules, 60 sites, 600 assets, 90 days) and times each query many times (median and
// p99, warm cache), next to a baseline in the same run: a raw RocksDB iterator reading
// 50 values from the incidents family — the least a page of 50 costs.
//
//   store_query_bench [--incidents N] [--reps R] [--dir DIR] [--keep]
#include <rocksdb/db.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "bench/store_bench_util.h"
#include "store/outbox_queue.h"
#include "store/store.h"
#include "store/store_stats.h"

using namespace wardsoc;
using namespace wardsoc::bench;

namespace {

constexpr int64_t kDay = int64_t{86400} * 1'000'000;

struct Options {
  uint64_t incidents = 1'000'000;
  int reps = 200;
  std::string dir = "/tmp/wardsoc-store-query-bench";
  bool keep = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--incidents") && i + 1 < argc)
      o.incidents = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      o.reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      o.dir = argv[++i];
    else if (!std::strcmp(argv[i], "--keep"))
      o.keep = true;
  }
  const auto rules = bench_rules();
  const int64_t now = 1'790'000'000'000'000;
  std::vector<std::string> sample_ids;
  const bool reuse = o.keep && std::filesystem::exists(o.dir + "/CURRENT");
  if (!reuse) {
    std::filesystem::remove_all(o.dir);
    StoreOptions so;
    so.path = o.dir;
    so.sync = false;  // loading: group commit
    auto store = std::move(Store::Open(so)).value();
    std::mt19937_64 rng(7);
    const auto t0 = std::chrono::steady_clock::now();
    constexpr uint64_t kBatch = 1000;
    for (uint64_t n = 0; n < o.incidents; n += kBatch) {
      std::vector<IncidentChange> changes;
      for (uint64_t k = n; k < std::min(o.incidents, n + kBatch); ++k) {
        const int64_t last_seen = now - static_cast<int64_t>(rng() % (90 * kDay));
        IncidentChange c;
        c.incident = bench_incident(rules[rng() % rules.size()], k, last_seen, rng);
        c.new_evidence.push_back(bench_evidence(0, c.incident));
        c.incident.evidence_count = 1;
        changes.push_back(std::move(c));
      }
      if (auto s = store->commit(changes, {}, {}, std::vector<std::string>{"soc-file"}); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.error().message.c_str());
        return 1;
      }
      // The SOC took them: keep the outbox empty as a running system would.
      (void)store->outbox().ack("soc-file", n + changes.size());
    }
    std::printf("loaded %llu incidents in %.1f s (%.0f/s)\n",
                static_cast<unsigned long long>(o.incidents), seconds_since(t0),
                static_cast<double>(o.incidents) / seconds_since(t0));
    // Some are being handled: 2,000 acknowledged (each an fsynced transition).
    IncidentQuery q;
    q.limit = 2000;
    q.until_us = now - 30 * kDay;
    auto page = store->list_incidents(q);
    if (!page.ok()) return 1;
    for (const auto& in : page->incidents) {
      TransitionRequest t;
      t.id = in.id;
      t.to = IncidentStatus::kAcknowledged;
      t.actor = "bench";
      (void)store->transition(t, {});
    }
  }
  StoreOptions so;
  so.path = o.dir;
  auto store = std::move(Store::Open(so)).value();
  {
    auto st = store->stats().scan();
    std::printf("store: %llu incidents, %.2f GiB on disk\n",
                static_cast<unsigned long long>(st->incidents),
                static_cast<double>(st->disk_bytes) / (1u << 30));
  }
  {
    IncidentQuery q;
    q.limit = 100;
    auto page = store->list_incidents(q);
    if (!page.ok()) return 1;
    for (const auto& in : page->incidents) sample_ids.push_back(in.id);
  }

  // The baseline: 50 values straight from RocksDB (a second handle is not possible
  // while the store holds the lock, so read through a read-only instance).
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), o.dir, &names);
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), o.dir, cfs, &handles, &raw);
  rocksdb::ColumnFamilyHandle* incidents_cf = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "incidents") incidents_cf = handles[i];
  }
  std::mt19937_64 rng(99);

  struct Case {
    const char* name;
    std::function<size_t()> run;
  };
  auto list = [&](IncidentQuery q) {
    return [&store, q] {
      auto page = store->list_incidents(q);
      if (!page.ok()) {
        std::fprintf(stderr, "%s\n", page.error().message.c_str());
        std::exit(1);
      }
      return page->incidents.size();
    };
  };
  auto counts = [&](CountBucket b, CountBy by, int64_t range) {
    return [&store, b, by, range, now] {
      CountQuery q;
      q.bucket = b;
      q.by = by;
      q.since_us = now - range;
      q.until_us = now;
      auto rows = store->count_incidents(q);
      return rows.ok() ? rows->size() : 0;
    };
  };
  IncidentQuery first;
  IncidentQuery high;
  high.min_severity = Severity::kHigh;
  IncidentQuery acked;
  acked.status = IncidentStatus::kAcknowledged;
  IncidentQuery rule;
  rule.rule_id = "rule.17";
  IncidentQuery site;
  site.site = "Nhà văn hóa tổ 3";
  IncidentQuery asset_new;
  asset_new.asset = "asset-123";
  asset_new.status = IncidentStatus::kNew;
  IncidentQuery text;
  text.text = "mat khau";
  IncidentQuery day;
  day.since_us = now - kDay;
  day.min_severity = Severity::kHigh;
  IncidentQuery camera_critical;
  camera_critical.asset_class = AssetClass::kCamera;
  camera_critical.min_severity = Severity::kCritical;
  std::string cursor_at_page_20;
  {
    IncidentQuery q;
    for (int p = 0; p < 20; ++p) {
      auto page = store->list_incidents(q);
      if (!page.ok()) return 1;
      q.cursor = page->next_cursor;
    }
    cursor_at_page_20 = q.cursor;
  }
  IncidentQuery page20;
  page20.cursor = cursor_at_page_20;

  std::vector<Case> cases = {
      {"baseline: 50 values, raw iterator",
       [&] {
         std::unique_ptr<rocksdb::Iterator> it(
             raw->NewIterator(rocksdb::ReadOptions(), incidents_cf));
         size_t n = 0;
         char k[17];
         std::snprintf(k, sizeof k, "%016llx", static_cast<unsigned long long>(rng()));
         for (it->Seek(k); it->Valid() && n < 50; it->Next()) n += it->value().size() > 0;
         return n;
       }},
      {"newest 50", list(first)},
      {"severity >= high, 50", list(high)},
      {"status acknowledged, 50", list(acked)},
      {"rule, 50", list(rule)},
      {"site, 50", list(site)},
      {"asset + status new", list(asset_new)},
      {"camera + critical, 50", list(camera_critical)},
      {"text 'mat khau', 50", list(text)},
      {"last 24 h, high, 50", list(day)},
      {"page 21 (cursor)", list(page20)},
      {"incident + evidence + history",
       [&] {
         const std::string& id = sample_ids[rng() % sample_ids.size()];
         auto in = store->get_incident(id);
         auto ev = store->evidence(id);
         auto h = store->history(id);
         return static_cast<size_t>(in.ok() && ev.ok() && h.ok());
       }},
      {"counts 30 days by severity", counts(CountBucket::kDay, CountBy::kSeverity, 30 * kDay)},
      {"counts 30 days by rule", counts(CountBucket::kDay, CountBy::kRule, 30 * kDay)},
      {"counts 7 days hourly by site", counts(CountBucket::kHour, CountBy::kSite, 7 * kDay)},
      {"counts 365 days by site", counts(CountBucket::kDay, CountBy::kSite, 365 * kDay)},
  };
  std::printf("%-34s %10s %10s %8s %8s\n", "query (warm, ms)", "median", "p99", "results",
              "x base");
  double base = 0;
  for (const auto& c : cases) {
    std::vector<double> ms;
    size_t results = 0;
    for (int r = 0; r < 5; ++r) c.run();  // warm up
    for (int r = 0; r < o.reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      results = c.run();
      ms.push_back(seconds_since(t0) * 1000);
    }
    const double m = median(ms);
    if (base == 0) base = m;
    std::printf("%-34s %10.3f %10.3f %8zu %8.1f\n", c.name, m, percentile(ms, 0.99), results,
                m / base);
  }
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  store.reset();
  if (!o.keep) std::filesystem::remove_all(o.dir);
  return 0;
}
