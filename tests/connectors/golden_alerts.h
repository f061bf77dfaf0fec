// The alerts every format's golden test renders, and the golden-file comparison.
// Values are chosen to break naive encoders: CEF's separators (| = \), line breaks,
// tabs, Vietnamese text with combining diacritics, an IPv6 source, a host name where
// an address was expected, and an invalid UTF-8 byte.
//
// Set WARDSOC_UPDATE_GOLDEN=1 to rewrite the files from the current output (then read
// the diff before committing it).
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/format/alert_format.h"
#include "store/outbox.h"

namespace wardsoc::testing {

inline FormatOptions golden_options() {
  FormatOptions o;
  o.vendor = "UBND phường Hồng|Hà";
  o.product_version = "0.6.0";
  o.instance = "wardsoc-01";
  return o;
}

// 1: updated, acknowledged, every separator in every field; IPv4 source.
// 2: created, new; IPv6 source and destination port; no site, no Vietnamese title.
// 3: updated to resolved (OCSF Close); a host name as source; no tags; bad UTF-8.
inline std::vector<OutboxEntry> golden_alerts() {
  std::vector<OutboxEntry> out;
  {
    OutboxEntry e;
    e.seq = 7;
    e.kind = IncidentChange::Kind::kUpdated;
    e.enqueued_us = 1764064801000000;
    Incident& in = e.incident;
    in.id = "3f2a9c0b1d4e5f60";
    in.rule_id = "ssh.brute|force\\v2";
    in.rule_version = "a1b2=c3d4";
    in.title = "SSH brute force | a=b \\ c:\\path\nline two\rend";
    in.title_vi = "Dò mật khẩu SSH | tổ=3 \\ dòng\nhai";
    in.severity = Severity::kHigh;
    in.level = 10;
    in.tags = {"attack.credential_access", "attack.t1110.001", "ssh", "xác thực"};
    in.status = IncidentStatus::kAcknowledged;
    in.group_key = "203.0.113.7|root";
    in.count = 5;
    in.window_start_us = 1764064500000000;
    in.first_seen_us = 1764064769123456;
    in.last_seen_us = 1764064800000000;
    in.asset = "cam-07 (cổng=chính)";
    in.site = "Nhà văn hóa tổ 3 | khu\\phố";
    in.asset_class = AssetClass::kCamera;
    in.host = "cam07.local";
    in.input = "syslog-tls";
    in.fields = {{"src_ip", "203.0.113.7"},
                 {"src_port", "52110"},
                 {"user", "ro=ot|\\x"},
                 {"method", "password\nkeyboard"},
                 {"tty", "tab\there"}};
    in.evidence_count = 5;
    in.updated_us = 1764064801000000;
    out.push_back(e);
  }
  {
    OutboxEntry e;
    e.seq = 8;
    e.kind = IncidentChange::Kind::kCreated;
    e.enqueued_us = 1764068400000000;
    Incident& in = e.incident;
    in.id = "00000000000000a1";
    in.rule_id = "wifi.deauth_flood";
    in.rule_version = "0c0ffee0";
    in.title = "Wi-Fi deauthentication flood";
    in.severity = Severity::kCritical;
    in.level = 14;
    in.tags = {"attack.impact", "wifi"};
    in.status = IncidentStatus::kNew;
    in.group_key = "2001:db8::7";
    in.count = 120;
    in.window_start_us = 1764068340000000;
    in.first_seen_us = 1764068341000000;
    in.last_seen_us = 1764068399999999;
    in.asset = "ap-nvh-05";
    in.asset_class = AssetClass::kWifi;
    in.host = "10.20.5.1";
    in.input = "syslog-udp";
    in.fields = {{"src_ip", "2001:db8::7"}, {"dst_port", "443"}, {"target_user", "khách"}};
    in.evidence_count = 20;
    in.updated_us = 1764068400000000;
    out.push_back(e);
  }
  {
    OutboxEntry e;
    e.seq = 9;
    e.kind = IncidentChange::Kind::kUpdated;
    e.enqueued_us = 1764151200000000;
    Incident& in = e.incident;
    in.id = "ffffffffffffff00";
    in.rule_id = "linux.sudo_failure";
    in.rule_version = "deadbeef";
    in.title = std::string("sudo failures on ") + "\xff" + "server";
    in.title_vi = "Sudo thất bại";
    in.severity = Severity::kLow;
    in.level = 3;
    in.status = IncidentStatus::kResolved;
    in.group_key = "ketoan-pc";
    in.count = 3;
    in.window_start_us = 1764147600000000;
    in.first_seen_us = 1764147601000000;
    in.last_seen_us = 1764147700000000;
    in.site = "Trụ sở UBND phường";
    in.asset_class = AssetClass::kServer;
    in.input = "auth-file";
    in.fields = {{"rhost", "ketoan-pc.phuong.local"}};
    in.evidence_count = 3;
    in.updated_us = 1764151200000000;
    out.push_back(e);
  }
  return out;
}

// The first evidence line of each golden alert (what the forwarder looks up).
inline std::vector<std::string> golden_originals() {
  return {
      "<38>Nov 25 17:00:00 cam07 sshd[811]: Failed password for ro=ot|\\x from 203.0.113.7 "
      "port 52110 ssh2",
      "", "Nov 26 16:00:01 ketoan-pc sudo: pam_unix(sudo:auth): authentication failure"};
}

inline std::string golden_path(const std::string& name) {
  return std::string(WARDSOC_SOURCE_DIR) + "/tests/connectors/golden/" + name;
}

// Compares `actual` with the golden file, or rewrites it when asked to.
inline void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (const char* u = std::getenv("WARDSOC_UPDATE_GOLDEN"); u != nullptr && u[0] == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    BOOST_TEST_MESSAGE("rewrote " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "missing golden file " << path);
  std::ostringstream expected;
  expected << in.rdbuf();
  BOOST_TEST(actual == expected.str(), "output differs from " << path);
}

}  // namespace wardsoc::testing
