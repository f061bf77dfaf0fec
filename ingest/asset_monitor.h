// AssetMonitor: what ingest observes about the ward's devices while it runs — events per
// known asset, how many of them came with a clock far off (and how far), and the senders
// that are in no asset, so IT staff can classify them (`assets.yaml`). The API and CLI
// read it through snapshots.
//
// Inputs do not call it per event: each BatchBuilder sums up one batch and merges that
// here once per batch.
//
// Thread safety: any thread may merge or take snapshots at any time. The list of unknown
// senders is bounded (max_unknown); senders past the bound are only counted.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace wardsoc {

struct AssetActivity {
  uint64_t events = 0;
  uint64_t clock_skew_events = 0;  // device time further from receive time than allowed
  int64_t last_skew_us = 0;        // device minus receive time of the latest skewed event
  int64_t last_seen_us = 0;        // receive time
};

struct UnknownSender {
  std::string address;  // sender address, or the header host when there was no address
  std::string host;     // the latest host name its lines gave
  std::string input;    // the input it was last seen on
  uint64_t events = 0;
  int64_t first_seen_us = 0;
  int64_t last_seen_us = 0;
};

// One batch's worth of observations, filled by a BatchBuilder.
struct AssetObservations {
  struct Known {
    uint64_t events = 0;
    uint64_t skewed = 0;
    int64_t last_skew_us = 0;
    int64_t last_seen_us = 0;
  };
  std::unordered_map<uint32_t, Known> known;
  std::unordered_map<std::string, UnknownSender> unknown;  // by address
  bool empty() const { return known.empty() && unknown.empty(); }
  void clear() {
    known.clear();
    unknown.clear();
  }
};

class AssetMonitor {
 public:
  explicit AssetMonitor(size_t assets, size_t max_unknown = 4096);

  void merge(const AssetObservations& batch);

  // One entry per asset of the table, by index.
  std::vector<AssetActivity> activity() const;
  // Unknown senders, most events first.
  std::vector<UnknownSender> unknown_senders() const;
  // Events from senders that did not fit in the list.
  uint64_t unlisted_unknown_events() const;
  uint64_t clock_skew_events() const;

 private:
  mutable std::mutex mu_;
  std::vector<AssetActivity> assets_;
  std::unordered_map<std::string, UnknownSender> unknown_;
  const size_t max_unknown_;
  uint64_t unlisted_ = 0;
  uint64_t skewed_ = 0;
};

}  // namespace wardsoc
