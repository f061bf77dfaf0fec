#include "ingest/asset_monitor.h"

#include <algorithm>

namespace wardsoc {

AssetMonitor::AssetMonitor(size_t assets, size_t max_unknown)
    : assets_(assets), max_unknown_(max_unknown) {}

void AssetMonitor::merge(const AssetObservations& batch) {
  std::lock_guard lock(mu_);
  for (const auto& [index, k] : batch.known) {
    if (index >= assets_.size()) continue;
    AssetActivity& a = assets_[index];
    a.events += k.events;
    a.clock_skew_events += k.skewed;
    if (k.skewed > 0) a.last_skew_us = k.last_skew_us;
    a.last_seen_us = std::max(a.last_seen_us, k.last_seen_us);
    skewed_ += k.skewed;
  }
  for (const auto& [address, u] : batch.unknown) {
    auto it = unknown_.find(address);
    if (it == unknown_.end()) {
      if (unknown_.size() >= max_unknown_) {
        unlisted_ += u.events;
        continue;
      }
      unknown_.emplace(address, u);
      continue;
    }
    UnknownSender& s = it->second;
    s.events += u.events;
    s.first_seen_us = std::min(s.first_seen_us, u.first_seen_us);
    if (u.last_seen_us >= s.last_seen_us) {
      s.last_seen_us = u.last_seen_us;
      if (!u.host.empty()) s.host = u.host;
      s.input = u.input;
    }
  }
}

std::vector<AssetActivity> AssetMonitor::activity() const {
  std::lock_guard lock(mu_);
  return assets_;
}

std::vector<UnknownSender> AssetMonitor::unknown_senders() const {
  std::vector<UnknownSender> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(unknown_.size());
    for (const auto& [address, s] : unknown_) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const UnknownSender& a, const UnknownSender& b) {
    return a.events != b.events ? a.events > b.events : a.address < b.address;
  });
  return out;
}

uint64_t AssetMonitor::unlisted_unknown_events() const {
  std::lock_guard lock(mu_);
  return unlisted_;
}

uint64_t AssetMonitor::clock_skew_events() const {
  std::lock_guard lock(mu_);
  return skewed_;
}

}  // namespace wardsoc
