#include <boost/test/unit_test.hpp>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

constexpr int64_t kHour = int64_t{3600} * 1'000'000;
// 2026-11-24T17:00:00Z = 25/11/2026 00:00 in Hanoi.
constexpr int64_t kHanoiMidnight = 1795539600LL * 1'000'000;

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_store(dir.str("db"));
  std::vector<Incident> all;

  void add(const std::string& rule, const std::string& title, const std::string& title_vi,
           const std::string& site, const std::string& asset, AssetClass cls, Severity sev,
           int64_t first_seen, int64_t last_seen) {
    Incident in = make_incident(rule, "g" + std::to_string(all.size()), last_seen, sev, first_seen);
    in.title = title;
    in.title_vi = title_vi;
    in.site = site;
    in.asset = asset;
    in.asset_class = cls;
    in.first_seen_us = first_seen;
    all.push_back(in);
    BOOST_REQUIRE(commit_changes(*store, {make_change(in)}).ok());
  }

  Fixture() {
    const int64_t t0 = kHanoiMidnight;
    add("ssh.bruteforce", "SSH brute-force login", "Dò mật khẩu SSH", "Nhà văn hóa tổ 3", "cam-07",
        AssetClass::kCamera, Severity::kHigh, t0 + 1 * kHour, t0 + 2 * kHour);
    add("ssh.bruteforce", "SSH brute-force login", "Dò mật khẩu SSH", "Trụ sở UBND phường", "srv-1",
        AssetClass::kServer, Severity::kHigh, t0 + 1 * kHour + 5, t0 + 3 * kHour);
    add("net.portscan", "Port scan", "Quét cổng", "Nhà văn hóa tổ 3", "ap-3", AssetClass::kWifi,
        Severity::kMedium, t0 + 5 * kHour, t0 + 5 * kHour);
    add("cam.video_loss", "Camera video loss", "Mất hình camera", "Nhà họp tổ 5", "cam-09",
        AssetClass::kCamera, Severity::kCritical, t0 + 25 * kHour, t0 + 26 * kHour);
    add("net.portscan", "Port scan", "Quét cổng", "", "", AssetClass::kLan, Severity::kLow,
        t0 + 26 * kHour, t0 + 27 * kHour);
  }

  std::vector<std::string> list(IncidentQuery q) {
    auto page = store->list_incidents(q);
    BOOST_REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().message));
    std::vector<std::string> rules;
    for (const auto& in : page->incidents) rules.push_back(in.rule_id + "@" + in.site);
    return rules;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(site_asset_and_class_filters_walk_their_index_newest_first, Fixture) {
  IncidentQuery q;
  q.site = "Nhà văn hóa tổ 3";
  BOOST_TEST(list(q) == (std::vector<std::string>{"net.portscan@Nhà văn hóa tổ 3",
                                                  "ssh.bruteforce@Nhà văn hóa tổ 3"}));
  q = {};
  q.asset = "cam-09";
  BOOST_TEST(list(q) == std::vector<std::string>{"cam.video_loss@Nhà họp tổ 5"});
  q = {};
  q.asset_class = AssetClass::kCamera;
  BOOST_TEST(list(q) == (std::vector<std::string>{"cam.video_loss@Nhà họp tổ 5",
                                                  "ssh.bruteforce@Nhà văn hóa tổ 3"}));
  q.min_severity = Severity::kCritical;  // a second filter checked on the index value
  BOOST_TEST(list(q) == std::vector<std::string>{"cam.video_loss@Nhà họp tổ 5"});
  q = {};
  q.min_severity = Severity::kHigh;
  BOOST_TEST(list(q).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(free_text_matches_titles_in_either_language_without_diacritics, Fixture) {
  IncidentQuery q;
  q.text = "mat khau";
  BOOST_TEST(list(q).size() == 2u);
  q.text = "MẬT KHẨU ssh";
  BOOST_TEST(list(q).size() == 2u);
  q.text = "brute";
  q.site = "Trụ sở UBND phường";
  BOOST_TEST(list(q) == std::vector<std::string>{"ssh.bruteforce@Trụ sở UBND phường"});
  q = {};
  q.text = "quet cong";
  q.limit = 1;
  auto first = store->list_incidents(q);
  BOOST_TEST_REQUIRE(first.ok());
  BOOST_TEST_REQUIRE(first->incidents.size() == 1u);
  BOOST_TEST(!first->next_cursor.empty());
  q.cursor = first->next_cursor;
  auto second = store->list_incidents(q);
  BOOST_TEST_REQUIRE(second->incidents.size() == 1u);
  BOOST_TEST(second->incidents[0].id != first->incidents[0].id);
  BOOST_TEST(second->next_cursor.empty());
  q = {};
  q.text = "ransomware";
  BOOST_TEST(list(q).empty());
}

BOOST_FIXTURE_TEST_CASE(counts_per_hour_and_per_local_day_come_from_the_counters, Fixture) {
  CountQuery q;
  q.since_us = kHanoiMidnight;
  q.until_us = kHanoiMidnight + 48 * kHour;
  q.bucket = CountBucket::kDay;
  q.by = CountBy::kSeverity;
  auto days = store->count_incidents(q);
  BOOST_TEST_REQUIRE(days.ok(), (days.ok() ? "" : days.error().message));
  BOOST_TEST_REQUIRE(days->size() == 2u);
  BOOST_TEST(days->at(0).start_us == kHanoiMidnight);
  BOOST_TEST((days->at(0).counts == std::map<std::string, uint64_t>{{"high", 2}, {"medium", 1}}));
  BOOST_TEST((days->at(1).counts == std::map<std::string, uint64_t>{{"critical", 1}, {"low", 1}}));

  q.by = CountBy::kRule;
  q.bucket = CountBucket::kHour;
  q.until_us = kHanoiMidnight + 6 * kHour;
  auto hours = store->count_incidents(q);
  BOOST_TEST_REQUIRE(hours.ok());
  BOOST_TEST_REQUIRE(hours->size() == 6u);  // zeros included
  BOOST_TEST(hours->at(0).counts.empty());
  BOOST_TEST(hours->at(1).counts.at("ssh.bruteforce") == 2u);
  BOOST_TEST(hours->at(5).counts.at("net.portscan") == 1u);

  q.by = CountBy::kSite;
  q.bucket = CountBucket::kDay;
  q.until_us = kHanoiMidnight + 48 * kHour;
  auto sites = store->count_incidents(q);
  BOOST_TEST(sites->at(1).counts.at("") == 1u);  // no site known
  BOOST_TEST(sites->at(0).counts.at("Nhà văn hóa tổ 3") == 2u);

  // Updates do not count twice.
  Incident again = all[0];
  again.count = 30;
  again.last_seen_us += kHour;
  BOOST_TEST_REQUIRE(
      commit_changes(*store, {make_change(again, IncidentChange::Kind::kUpdated)}).ok());
  q.by = CountBy::kSeverity;
  BOOST_TEST(store->count_incidents(q)->at(0).counts.at("high") == 2u);

  q.since_us = q.until_us;
  BOOST_TEST(!store->count_incidents(q).ok());
  q.since_us = 0;
  q.bucket = CountBucket::kHour;
  q.until_us = int64_t{20000} * kHour;
  auto too_many = store->count_incidents(q);
  BOOST_TEST_REQUIRE(!too_many.ok());
  BOOST_TEST(too_many.error().message.find("buckets") != std::string::npos);
}
