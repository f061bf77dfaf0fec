// Hyperscan databases as the compile stage builds them: one per set of asset classes with
// the same rules, and cached (serialized) so that a restart with the same rules loads them
// instead of compiling.
#include <hs/hs.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "rules/rule_set.h"
#include "tests/support/temp_dir.h"

using namespace wardsoc;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kRules = R"(rules:
  - id: ssh.failed
    title: F
    severity: low
    match: {regex: '^Failed password for (?P<user>\S+)'}
  - id: cam.tamper
    title: T
    severity: high
    sources: [camera]
    match: {regex: 'tamper(ing)? detected'}
  - id: prefiltered
    title: P
    severity: low
    match: {regex: '(?:(?:^|;) *\w+=\w+)+ user=(?P<user>\w+)'}
)";

int on_hit(unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ++*static_cast<int*>(ctx);
  return 0;
}

int hits(const RuleSet& rs, AssetClass cls, std::string_view text) {
  const hs_database_t* db = rs.database(cls);
  if (db == nullptr) return 0;
  hs_scratch_t* scratch = nullptr;
  BOOST_TEST_REQUIRE(hs_clone_scratch(rs.scratch_prototype(), &scratch) == HS_SUCCESS);
  int n = 0;
  hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_hit, &n);
  hs_free_scratch(scratch);
  return n;
}

std::shared_ptr<const RuleSet> load(const std::string& cache_dir, LoadReport* report) {
  LoadOptions o;
  o.cache_dir = cache_dir;
  auto set = RuleSet::LoadFromString(kRules, "db.yaml", report, o);
  BOOST_TEST_REQUIRE(set.ok(), report->to_string());
  return *set;
}

}  // namespace

BOOST_AUTO_TEST_CASE(classes_with_different_rules_get_their_own_database) {
  LoadReport report;
  auto rs = load("", &report);
  BOOST_TEST(rs->database_count() == 2u);  // cameras, and every other class
  BOOST_TEST(rs->database(AssetClass::kLan) == rs->database(AssetClass::kServer));
  BOOST_TEST(rs->database(AssetClass::kLan) != rs->database(AssetClass::kCamera));
  BOOST_TEST(hits(*rs, AssetClass::kCamera, "motion: tampering detected on lens") == 1);
  BOOST_TEST(hits(*rs, AssetClass::kLan, "motion: tampering detected on lens") == 0);
  BOOST_TEST(hits(*rs, AssetClass::kCamera, "Failed password for root") == 1);
  BOOST_TEST(rs->database_bytes() > 0u);
  BOOST_TEST(rs->scratch_bytes() > 0u);
  BOOST_TEST(!rs->databases_from_cache());
}

BOOST_AUTO_TEST_CASE(second_load_reads_the_databases_from_the_cache) {
  wardsoc::testing::TempDir dir("hs-cache");
  LoadReport r1, r2;
  auto first = load(dir.path().string(), &r1);
  BOOST_TEST(!first->databases_from_cache());
  BOOST_TEST(fs::exists(first->cache_file()));
  auto second = load(dir.path().string(), &r2);
  BOOST_TEST(second->databases_from_cache());
  BOOST_TEST(second->cache_file() == first->cache_file());
  // The same match kinds (a fallback decided at compile time is kept in the cache) and
  // the same answers.
  const RulePattern& p1 = first->rules()[2].match().patterns[0];
  const RulePattern& p2 = second->rules()[2].match().patterns[0];
  BOOST_TEST((p1.kind == MatchKind::kHyperscanPrefilter));
  BOOST_TEST((p2.kind == p1.kind));
  BOOST_TEST(p2.kind_reason == p1.kind_reason);
  BOOST_TEST(hits(*second, AssetClass::kCamera, "tamper detected") == 1);
  BOOST_TEST(hits(*second, AssetClass::kOther, "a=1;b=2 user=bob") == 1);
}

BOOST_AUTO_TEST_CASE(a_damaged_cache_file_is_compiled_again_and_replaced) {
  wardsoc::testing::TempDir dir("hs-cache");
  LoadReport r1, r2, r3;
  auto first = load(dir.path().string(), &r1);
  const auto size = fs::file_size(first->cache_file());
  {
    std::fstream f(first->cache_file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.write("garbage!", 8);
  }
  fs::resize_file(first->cache_file(), size - 3);
  auto second = load(dir.path().string(), &r2);
  BOOST_TEST(!second->databases_from_cache());
  BOOST_TEST(hits(*second, AssetClass::kCamera, "tamper detected") == 1);
  auto third = load(dir.path().string(), &r3);
  BOOST_TEST(third->databases_from_cache());
}

BOOST_AUTO_TEST_CASE(a_changed_pattern_uses_a_different_cache_file) {
  wardsoc::testing::TempDir dir("hs-cache");
  LoadReport r1, r2;
  LoadOptions o;
  o.cache_dir = dir.path().string();
  auto a = RuleSet::LoadFromString(kRules, "db.yaml", &r1, o);
  std::string changed(kRules);
  changed.replace(changed.find("tamper(ing)?"), 12, "tampered");
  auto b = RuleSet::LoadFromString(changed, "db.yaml", &r2, o);
  BOOST_TEST_REQUIRE((a.ok() && b.ok()));
  BOOST_TEST(!(*b)->databases_from_cache());
  BOOST_TEST((*a)->cache_file() != (*b)->cache_file());
}

BOOST_AUTO_TEST_CASE(an_anchored_start_is_matched_and_cached_when_the_literal_is_shared) {
  // Both patterns need "Failed " and have no rarer literal, so Hyperscan
  // matches "^Failed " itself: a line with "Failed " further on is not put forward.
  constexpr std::string_view kShared = R"(rules:
  - id: a
    title: A
    severity: low
    match: {regex: '^Failed (?P<method>\S+)'}
  - id: b
    title: B
    severity: low
    match: {regex: '^Failed (?P<what>\S+) (?P<rest>.*)$'}
)";
  wardsoc::testing::TempDir dir("hs-cache-prefix");
  LoadOptions o;
  o.cache_dir = dir.path().string();
  for (int round = 0; round < 2; ++round) {
    LoadReport report;
    auto rs = RuleSet::LoadFromString(kShared, "prefix.yaml", &report, o);
    BOOST_TEST_REQUIRE(rs.ok(), report.to_string());
    BOOST_TEST((*rs)->databases_from_cache() == (round == 1));
    for (size_t r = 0; r < 2; ++r) {
      const RulePattern& p = (*rs)->rules()[r].match().patterns[0];
      BOOST_TEST((p.kind == MatchKind::kHyperscanPrefilter));
      BOOST_TEST(p.kind_reason.find("start of the message '^Failed '") != std::string::npos,
                 p.kind_reason);
    }
    BOOST_TEST(hits(**rs, AssetClass::kOther, "Failed password for root from 192.0.2.1") == 2);
    BOOST_TEST(hits(**rs, AssetClass::kOther, "pam: Failed password for root") == 0);
  }
}
