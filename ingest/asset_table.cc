#include "ingest/asset_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/text.h"
#include "core/yaml_reader.h"

namespace wardsoc {

namespace {

// An address or a network parsed from text. IPv4-mapped IPv6 addresses become IPv4, so
// "::ffff:10.0.3.17" and "10.0.3.17" are the same sender.
struct Network {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first four
  int bits = 0;
};

bool parse_address(std::string_view text, Network* out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out->v6 = false;
    std::memcpy(out->bytes.data(), &v4, 4);
    out->bits = 32;
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      out->v6 = false;
      std::memcpy(out->bytes.data(), &v6.s6_addr[12], 4);
      out->bits = 32;
    } else {
      out->v6 = true;
      std::memcpy(out->bytes.data(), &v6, 16);
      out->bits = 128;
    }
    return true;
  }
  return false;
}

bool parse_network(std::string_view text, Network* out) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return parse_address(text, out);
  if (!parse_address(text.substr(0, slash), out)) return false;
  const std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3) return false;
  int bits = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (c - '0');
  }
  if (bits > (out->v6 ? 128 : 32)) return false;
  out->bits = bits;
  return true;
}

uint32_t v4_value(const Network& n) {
  return (static_cast<uint32_t>(n.bytes[0]) << 24) | (static_cast<uint32_t>(n.bytes[1]) << 16) |
         (static_cast<uint32_t>(n.bytes[2]) << 8) | static_cast<uint32_t>(n.bytes[3]);
}

uint32_t v4_mask(int bits) { return bits == 0 ? 0 : ~uint32_t{0} << (32 - bits); }

std::array<uint8_t, 16> v6_masked(const std::array<uint8_t, 16>& bytes, int bits) {
  std::array<uint8_t, 16> out{};
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    out[static_cast<size_t>(i)] =
        static_cast<uint8_t>(bytes[static_cast<size_t>(i)] & (keep == 0 ? 0 : 0xFF << (8 - keep)));
  }
  return out;
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    if (c == ' ' || c == '\t' || c == '/' || c == ',') return false;
  }
  return true;
}

}  // namespace

size_t AssetTable::V6Hash::operator()(const V6Key& k) const {
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, k.bytes.data(), 8);
  std::memcpy(&b, k.bytes.data() + 8, 8);
  return std::hash<uint64_t>()(a * 0x9E3779B97F4A7C15ULL ^ b);
}

std::shared_ptr<const AssetTable> AssetTable::Empty() {
  return std::shared_ptr<const AssetTable>(new AssetTable());
}

Result<std::shared_ptr<const AssetTable>> AssetTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(Errc::kNotFound,
                 "cannot read assets file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<std::shared_ptr<const AssetTable>> AssetTable::Parse(std::string_view yaml,
                                                            std::string_view file_name) {
  YamlReader r{std::string(file_name)};
  const YAML::Node root = r.parse(yaml);
  if (!r.ok()) return r.error();
  std::shared_ptr<AssetTable> t(new AssetTable());
  if (!root.IsDefined() || root.IsNull()) return std::shared_ptr<const AssetTable>(t);
  if (!r.expect_map(root, "", {"assets"})) return r.error();
  const YAML::Node list = root["assets"];
  if (!list.IsDefined() || list.IsNull()) return std::shared_ptr<const AssetTable>(t);
  if (!r.expect_list(list, "assets")) return r.error();

  std::map<std::string, uint32_t> names;
  std::map<std::string, uint32_t> zone_names;
  // Where each address/network was given, to name both places on a duplicate.
  std::map<std::pair<std::string, int>, std::string> seen_networks;
  std::map<int, V4Prefix> v4;
  std::map<int, V6Prefix> v6;

  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string path = index_path("assets", i);
    if (!r.expect_map(
            n, path,
            {"name", "site", "class", "zone", "relay", "addresses", "hostnames", "note"})) {
      continue;
    }
    Asset a;
    const auto index = static_cast<uint32_t>(t->assets_.size());
    if (auto v = r.name(n, path)) {
      a.name = *v;
      if (!names.emplace(a.name, index).second) {
        r.fail(n["name"], join_path(path, "name"), "'" + a.name + "' is used by two assets");
      }
    }
    if (auto v = r.string(n, path, "site")) a.site = *v;
    if (auto v = r.string(n, path, "note")) (void)v;
    if (auto v = r.string(n, path, "class")) {
      AssetClass c = AssetClass::kOther;
      if (parse_asset_class(*v, &c)) {
        a.asset_class = c;
      } else {
        r.fail(
            n["class"], join_path(path, "class"),
            "unknown asset class '" + *v + "' (expected lan, wifi, camera, iot, server or other)");
      }
    }
    int zone_index = -1;
    if (auto v = r.string(n, path, "zone")) {
      auto found = zone_names.find(*v);
      if (found != zone_names.end()) {
        zone_index = static_cast<int>(found->second);
      } else {
        cctz::time_zone tz;
        if (cctz::load_time_zone(*v, &tz)) {
          zone_index = static_cast<int>(t->zones_.size());
          zone_names.emplace(*v, static_cast<uint32_t>(zone_index));
          t->zones_.push_back(tz);
        } else {
          r.fail(n["zone"], join_path(path, "zone"), "unknown time zone '" + *v + "'");
        }
      }
      a.zone = *v;
    }
    if (auto v = r.boolean(n, path, "relay")) a.relay = *v;
    if (auto v = r.strings(n, path, "addresses")) a.addresses = *v;
    if (auto v = r.strings(n, path, "hostnames")) a.hostnames = *v;
    if (a.addresses.empty() && a.hostnames.empty()) {
      r.fail(n, path, "an asset needs at least one of 'addresses' or 'hostnames'");
    }
    for (size_t k = 0; k < a.addresses.size(); ++k) {
      const std::string key_path = index_path(join_path(path, "addresses"), k);
      const YAML::Node where = n["addresses"].IsSequence() ? n["addresses"][k] : n["addresses"];
      Network net;
      if (!parse_network(a.addresses[k], &net)) {
        r.fail(
            where, key_path,
            "'" + a.addresses[k] + "' is not an IP address or network (10.0.3.17, 10.0.30.0/24)");
        continue;
      }
      // The canonical form of the network, so "10.0.3.17" and "10.0.3.17/32" collide.
      std::string canonical;
      if (net.v6) {
        const auto masked = v6_masked(net.bytes, net.bits);
        canonical.assign(reinterpret_cast<const char*>(masked.data()), masked.size());
      } else {
        const uint32_t masked = v4_value(net) & v4_mask(net.bits);
        canonical.assign(reinterpret_cast<const char*>(&masked), sizeof masked);
      }
      const auto key = std::make_pair(canonical, net.v6 ? 1000 + net.bits : net.bits);
      if (auto [it, fresh] = seen_networks.emplace(key, a.name); !fresh) {
        r.fail(where, key_path,
               "'" + a.addresses[k] + "' is already listed for asset '" + it->second + "'");
        continue;
      }
      if (net.v6) {
        V6Prefix& p = v6[net.bits];
        p.bits = net.bits;
        p.nets.emplace(V6Key{v6_masked(net.bytes, net.bits)}, index);
      } else {
        V4Prefix& p = v4[net.bits];
        p.bits = net.bits;
        p.nets.emplace(v4_value(net) & v4_mask(net.bits), index);
      }
    }
    for (size_t k = 0; k < a.hostnames.size(); ++k) {
      const std::string key_path = index_path(join_path(path, "hostnames"), k);
      const YAML::Node where = n["hostnames"].IsSequence() ? n["hostnames"][k] : n["hostnames"];
      if (!valid_hostname(a.hostnames[k])) {
        r.fail(where, key_path, "'" + a.hostnames[k] + "' is not a host name");
        continue;
      }
      if (auto [it, fresh] = t->hostnames_.emplace(ascii_lower(a.hostnames[k]), index); !fresh) {
        r.fail(where, key_path,
               "'" + a.hostnames[k] + "' is already listed for asset '" +
                   (it->second < t->assets_.size() ? t->assets_[it->second].name : a.name) + "'");
      }
    }
    t->zone_of_.push_back(zone_index);
    t->assets_.push_back(std::move(a));
  }
  if (!r.ok()) return r.error();
  for (auto it = v4.rbegin(); it != v4.rend(); ++it) t->v4_.push_back(std::move(it->second));
  for (auto it = v6.rbegin(); it != v6.rend(); ++it) t->v6_.push_back(std::move(it->second));
  return std::shared_ptr<const AssetTable>(t);
}

uint32_t AssetTable::find_address(std::string_view address) const {
  if (v4_.empty() && v6_.empty()) return kNoAsset;
  Network n;
  if (!parse_address(address, &n)) return kNoAsset;
  if (!n.v6) {
    const uint32_t value = v4_value(n);
    for (const auto& p : v4_) {
      auto it = p.nets.find(value & v4_mask(p.bits));
      if (it != p.nets.end()) return it->second;
    }
    return kNoAsset;
  }
  for (const auto& p : v6_) {
    auto it = p.nets.find(V6Key{v6_masked(n.bytes, p.bits)});
    if (it != p.nets.end()) return it->second;
  }
  return kNoAsset;
}

uint32_t AssetTable::find_host(std::string_view host) const {
  if (host.empty()) return kNoAsset;
  if (!hostnames_.empty()) {
    auto it = hostnames_.find(ascii_lower(host));
    if (it != hostnames_.end()) return it->second;
  }
  return find_address(host);
}

const cctz::time_zone* AssetTable::zone(uint32_t index) const {
  if (index >= zone_of_.size() || zone_of_[index] < 0) return nullptr;
  return &zones_[static_cast<size_t>(zone_of_[index])];
}

}  // namespace wardsoc
