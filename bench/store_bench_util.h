// Shared pieces of the store benchmarks: realistic incidents, a clock, medians.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/incident.h"

namespace wardsoc::bench {

inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct RuleInfo {
  std::string id, title, title_vi;
  Severity severity;
};

// 40 rules with titles like the shipped packs', 60 sites, 600 assets.
inline std::vector<RuleInfo> bench_rules() {
  static const char* kTitles[][2] = {
      {"SSH brute-force login", "Dò mật khẩu SSH"},
      {"Port scan", "Quét cổng"},
      {"Camera video loss", "Mất hình camera"},
      {"Camera tampering", "Che chắn camera"},
      {"Rogue Wi-Fi access point", "Điểm phát Wi-Fi giả mạo"},
      {"Web login failures", "Đăng nhập web thất bại"},
      {"Firewall deny burst", "Tường lửa chặn liên tục"},
      {"Device went silent", "Mất tín hiệu thiết bị"},
  };
  std::vector<RuleInfo> out;
  for (int i = 0; i < 40; ++i) {
    const auto& t = kTitles[i % 8];
    out.push_back({"rule." + std::to_string(i), std::string(t[0]) + " " + std::to_string(i),
                   std::string(t[1]) + " " + std::to_string(i), static_cast<Severity>(i % 5)});
  }
  return out;
}

inline Incident bench_incident(const RuleInfo& r, uint64_t n, int64_t last_seen_us,
                               std::mt19937_64& rng) {
  Incident in;
  in.rule_id = r.id;
  in.group_key = "10." + std::to_string(n >> 16 & 255) + "." + std::to_string(n >> 8 & 255) + "." +
                 std::to_string(n & 255) + "#" + std::to_string(n);
  in.window_start_us = last_seen_us - 60'000'000;
  in.id = make_incident_id(in.rule_id, in.group_key, in.window_start_us);
  in.rule_version = "95ca380bb3463559";
  in.title = r.title;
  in.title_vi = r.title_vi;
  in.severity = r.severity;
  in.level = 3 + static_cast<int>(r.severity) * 3;
  in.tags = {"attack.credential_access", "attack.t1110"};
  in.first_seen_us = in.window_start_us;
  in.last_seen_us = last_seen_us;
  in.count = 5;
  const uint64_t asset = rng() % 600;
  in.asset = "asset-" + std::to_string(asset);
  in.site = "Nhà văn hóa tổ " + std::to_string(asset % 60);
  in.asset_class = static_cast<AssetClass>(asset % 6);
  in.host = in.asset + ".local";
  in.input = "syslog-tcp";
  in.fields = {{"src_ip", in.group_key}, {"user", "root"}, {"method", "password"}};
  return in;
}

inline Evidence bench_evidence(uint32_t seq, const Incident& in) {
  Evidence e;
  e.seq = seq;
  e.receive_time_us = in.last_seen_us;
  e.event_time_us = in.last_seen_us;
  e.input = "syslog-tcp";
  e.peer = "10.0.3.17";
  e.line = "<38>1 2026-11-25T09:59:29.123456+07:00 " + in.host +
           " sshd 4121 - - Failed password for root from " + in.group_key + " port " +
           std::to_string(40000 + seq) + " ssh2";
  return e;
}

}  // namespace wardsoc::bench
