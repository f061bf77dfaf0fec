// Shared by the ingest benchmarks: realistic log lines (sshd, kernel, Cisco, MikroTik,
// camera key=value, RFC 5424 with structured data; current timestamps), the asset table
// a ward would have, and medians.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "ingest/asset_monitor.h"
#include "ingest/asset_table.h"
#include "ingest/ingest_context.h"

namespace wardsoc::bench {

// CPU time, in seconds, spent so far by this process's threads named `name` (the inputs
// name theirs "in:<input name>"), from the scheduler's nanosecond counters.
inline double thread_cpu_seconds(const std::string& name) {
  double total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string n;
    if (!std::getline(comm, n) || n != name) continue;
    std::ifstream stat(task.path() / "schedstat");
    uint64_t on_cpu_ns = 0;
    if (stat >> on_cpu_ns) total += static_cast<double>(on_cpu_ns) / 1e9;
  }
  return total;
}

// `count` lines (without newline), cycling through the shapes ward devices send.
inline std::vector<std::string> sample_lines(size_t count) {
  const std::time_t now = std::time(nullptr) + 7 * 3600;  // Hanoi wall clock
  std::tm tm{};
  gmtime_r(&now, &tm);
  char bsd[32];
  std::strftime(bsd, sizeof bsd, "%b %e %H:%M:%S", &tm);
  char iso[40];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S.123+07:00", &tm);
  char cam[32];
  std::strftime(cam, sizeof cam, "%Y-%m-%d %H:%M:%S", &tm);
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    const std::string ip = "10.20." + std::to_string(i % 7) + "." + std::to_string(i % 250);
    switch (i % 6) {
      case 0:
        out.push_back("<38>" + std::string(bsd) + " srv-" + std::to_string(i % 16) + " sshd[" + n +
                      "]: Failed password for invalid user admin from " + ip + " port 5" + n +
                      " ssh2");
        break;
      case 1:
        out.push_back("<6>" + std::string(bsd) + " gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=" + ip +
                      " DST=10.10.0.1 LEN=60 PROTO=TCP SPT=44" + std::to_string(i % 1000) +
                      " DPT=23");
        break;
      case 2:
        out.push_back("<189>" + n + ": core-sw1: *" + std::string(bsd) +
                      ".811 UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/" +
                      std::to_string(i % 48) + ", changed state to up");
        break;
      case 3:
        out.push_back("<30>" + std::string(bsd) +
                      " MikroTik system,info,account user admin logged in from " + ip +
                      " via winbox");
        break;
      case 4:
        out.push_back("<134>" + std::string(cam) + " log_id=1101000000 type=detection camera=cam-" +
                      std::to_string(i % 40) + " msg=\"Motion detection on camera\"");
        break;
      default:
        out.push_back("<165>1 " + std::string(iso) + " vms-01 vms " + n + " ID47 [origin ip=\"" +
                      ip + "\"] Recording started on channel " + std::to_string(i % 32));
        break;
    }
  }
  return out;
}

// A ward's asset table: the office networks, a few hundred cameras and hotspots.
inline IngestContext ward_context() {
  std::string yaml = "assets:\n";
  yaml += "  - {name: office, site: UBND, class: lan, addresses: [10.10.0.0/16]}\n";
  yaml += "  - {name: loopback, site: UBND, class: server, addresses: [127.0.0.1]}\n";
  for (int i = 0; i < 300; ++i) {
    yaml += "  - {name: cam-" + std::to_string(i) + ", site: NVH-" + std::to_string(i % 12) +
            ", class: camera, addresses: [10.30." + std::to_string(i / 250) + "." +
            std::to_string(i % 250) + "], hostnames: [cam-" + std::to_string(i) + "]}\n";
  }
  for (int i = 0; i < 12; ++i) {
    yaml += "  - {name: wifi-" + std::to_string(i) + ", site: NVH-" + std::to_string(i) +
            ", class: wifi, addresses: [10.20." + std::to_string(i) + ".0/24]}\n";
  }
  auto table = AssetTable::Parse(yaml, "bench-assets.yaml");
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", table.error().message.c_str());
    std::exit(1);
  }
  IngestContext ctx;
  ctx.assets = *table;
  ctx.monitor = std::make_shared<AssetMonitor>((*table)->size());
  return ctx;
}

}  // namespace wardsoc::bench
