// AssetTable: what the ward's IT staff know about their devices, read from assets.yaml —
// which IP addresses, networks (CIDR) and host names belong to which asset, at which
// site (a community house, the ward office), of which class (camera, wifi, ...), and
// in which time zone its clock runs. Ingest looks every event's sender up here.
//
// Lookup order for one address: an exact address, then the longest matching network.
// Host names (from the syslog header or a Kafka key) are matched case-insensitively.
//
// Thread safety: immutable once loaded; share it as std::shared_ptr<const AssetTable>
// and look up from any number of threads.
#pragma once

#include <cctz/time_zone.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/result.h"

namespace wardsoc {

struct Asset {
  std::string name;                       // unique, e.g. "cam-nvh-to3-01"
  std::string site;                       // e.g. "Nhà văn hóa tổ 3"
  std::optional<AssetClass> asset_class;  // absent: events keep their input's class
  std::string zone;                       // device clock zone; empty: the input's zone
  // A log relay (a syslog server, a NVR forwarding its cameras): its events are
  // attributed to the host their header names when that host is a known asset.
  bool relay = false;
  std::vector<std::string> addresses;  // as written: "10.0.3.17", "10.0.30.0/24"
  std::vector<std::string> hostnames;
};

class AssetTable {
 public:
  // Reads an assets file; errors name file:line:col and the key, all at once:
  //   assets.yaml:12:7: assets[3].addresses[0]: '10.0.3.300' is not an IP address or network
  static Result<std::shared_ptr<const AssetTable>> Load(const std::string& path);
  static Result<std::shared_ptr<const AssetTable>> Parse(std::string_view yaml,
                                                         std::string_view file_name);
  // A table with no assets: every sender is unknown.
  static std::shared_ptr<const AssetTable> Empty();

  const std::vector<Asset>& assets() const { return assets_; }
  size_t size() const { return assets_.size(); }
  const Asset& asset(uint32_t index) const { return assets_[index]; }

  // Index of the asset an address ("10.0.3.17", "fe80::1", "::ffff:10.0.3.17") belongs
  // to; kNoAsset when none (or when the text is not an address).
  uint32_t find_address(std::string_view address) const;
  // Index of the asset with this host name, or whose address the text is; kNoAsset.
  uint32_t find_host(std::string_view host) const;
  // The asset's clock zone, nullptr when it has none of its own.
  const cctz::time_zone* zone(uint32_t index) const;

 private:
  AssetTable() = default;
  struct V4Prefix {
    int bits = 0;
    std::unordered_map<uint32_t, uint32_t> nets;  // masked address -> asset
  };
  struct V6Key {
    std::array<uint8_t, 16> bytes{};
    bool operator==(const V6Key&) const = default;
  };
  struct V6Hash {
    size_t operator()(const V6Key& k) const;
  };
  struct V6Prefix {
    int bits = 0;
    std::unordered_map<V6Key, uint32_t, V6Hash> nets;
  };

  std::vector<Asset> assets_;
  std::vector<int> zone_of_;  // asset -> index into zones_, -1 for none
  std::vector<cctz::time_zone> zones_;
  std::unordered_map<std::string, uint32_t> hostnames_;  // lower-cased
  std::vector<V4Prefix> v4_;  // longest prefix first; /32 holds exact addresses
  std::vector<V6Prefix> v6_;
};

}  // namespace wardsoc
