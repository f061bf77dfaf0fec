#include "ingest/asset_table.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace wardsoc;

namespace {

const char* kAssets = R"(assets:
  - name: cam-nvh-to3-01
    site: Nhà văn hóa tổ 3
    class: camera
    addresses: [192.168.30.11]
    hostnames: [CAM-TO3-01]
  - name: wifi-nvh-to3
    site: Nhà văn hóa tổ 3
    class: wifi
    addresses: [192.168.30.0/24]
  - name: lan-ubnd
    site: Trụ sở UBND phường
    class: lan
    addresses: ["10.0.0.0/16", "2001:db8:10::/48"]
    zone: UTC
  - name: syslog-relay
    site: Trụ sở UBND phường
    class: server
    addresses: [10.0.0.5]
    relay: true
)";

std::shared_ptr<const AssetTable> table() {
  auto t = AssetTable::Parse(kAssets, "assets.yaml");
  if (!t.ok()) BOOST_FAIL(t.error().message);
  return *t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(exact_address_wins_over_the_network_around_it) {
  auto t = table();
  BOOST_TEST_REQUIRE(t->size() == 4u);
  const uint32_t cam = t->find_address("192.168.30.11");
  BOOST_TEST_REQUIRE(cam != kNoAsset);
  BOOST_TEST(t->asset(cam).name == "cam-nvh-to3-01");
  BOOST_TEST(t->asset(cam).site == "Nhà văn hóa tổ 3");
  BOOST_TEST((*t->asset(cam).asset_class == AssetClass::kCamera));
  BOOST_TEST(t->asset(t->find_address("192.168.30.200")).name == "wifi-nvh-to3");
  BOOST_TEST(t->asset(t->find_address("10.0.0.5")).name == "syslog-relay");
  BOOST_TEST(t->asset(t->find_address("10.0.3.17")).name == "lan-ubnd");
  BOOST_TEST(t->find_address("192.168.31.1") == kNoAsset);
  BOOST_TEST(t->find_address("not an address") == kNoAsset);
}

BOOST_AUTO_TEST_CASE(ipv6_networks_and_v4_mapped_senders) {
  auto t = table();
  BOOST_TEST(t->asset(t->find_address("2001:db8:10:1::7")).name == "lan-ubnd");
  BOOST_TEST(t->find_address("2001:db8:11::7") == kNoAsset);
  BOOST_TEST(t->asset(t->find_address("::ffff:192.168.30.11")).name == "cam-nvh-to3-01");
}

BOOST_AUTO_TEST_CASE(host_names_match_without_case_and_addresses_as_hosts) {
  auto t = table();
  BOOST_TEST(t->asset(t->find_host("cam-to3-01")).name == "cam-nvh-to3-01");
  BOOST_TEST(t->asset(t->find_host("192.168.30.11")).name == "cam-nvh-to3-01");
  BOOST_TEST(t->find_host("unknown-host") == kNoAsset);
}

BOOST_AUTO_TEST_CASE(zone_and_relay_are_kept_per_asset) {
  auto t = table();
  const uint32_t lan = t->find_address("10.0.3.17");
  BOOST_TEST_REQUIRE(t->zone(lan) != nullptr);
  BOOST_TEST(t->zone(lan)->name() == "UTC");
  BOOST_TEST(t->zone(t->find_address("192.168.30.11")) == nullptr);
  BOOST_TEST(t->asset(t->find_address("10.0.0.5")).relay);
}

BOOST_AUTO_TEST_CASE(every_mistake_is_reported_with_file_line_and_key) {
  const auto t = AssetTable::Parse(R"(assets:
  - name: a
    addresses: [10.0.3.300]
  - name: b
    class: toaster
    addresses: [10.0.0.0/33]
  - name: a
    addresses: [10.0.9.9]
    colour: red
  - name: c
    addresses: [10.0.9.9]
  - name: d
    zone: Asia/Hanoi2
)",
                                   "assets.yaml");
  BOOST_TEST_REQUIRE(!t.ok());
  const std::string& m = t.error().message;
  BOOST_TEST(
      m.find("assets.yaml:3:17: assets[0].addresses[0]: '10.0.3.300' is not an IP address") !=
          std::string::npos,
      m);
  BOOST_TEST(m.find("assets[1].class: unknown asset class 'toaster'") != std::string::npos, m);
  BOOST_TEST(m.find("assets[1].addresses[0]: '10.0.0.0/33'") != std::string::npos, m);
  BOOST_TEST(m.find("assets[2].name: 'a' is used by two assets") != std::string::npos, m);
  BOOST_TEST(m.find("assets[2].colour: unknown key") != std::string::npos, m);
  BOOST_TEST(m.find("assets[3].addresses[0]: '10.0.9.9' is already listed for asset 'a'") !=
                 std::string::npos,
             m);
  BOOST_TEST(m.find("assets[4].zone: unknown time zone 'Asia/Hanoi2'") != std::string::npos, m);
  BOOST_TEST(m.find("assets[4]: an asset needs at least one of 'addresses' or 'hostnames'") !=
                 std::string::npos,
             m);
}

BOOST_AUTO_TEST_CASE(the_example_file_in_deploy_loads) {
  auto t = AssetTable::Load(std::string(WARDSOC_SOURCE_DIR) + "/deploy/config/assets.yaml");
  if (!t.ok()) BOOST_FAIL(t.error().message);
  BOOST_TEST((*t)->size() > 0u);
}
