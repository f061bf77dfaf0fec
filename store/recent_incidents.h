// The incidents this Store wrote last, as it wrote them, so that commit() finds the
// stored state of a busy incident (its status, count, evidence count and index entries)
// without reading and decoding it again. Most changes are updates of incidents that
// changed a moment ago; reading each back cost a MultiGet and a JSON decode per change.
//
// Contract: an entry is exactly what the incidents family holds for its id. That holds
// because only this process writes the data directory (RocksDB's LOCK) and every write
// of an incident — commit(), transition(), retention — runs under Store::commit_mu_ and
// keeps this cache in step: entries are taken out before a write and put back only
// after it succeeded; retention erases what it removes. Not thread-safe by itself: the
// Store guards it with commit_mu_.
//
// Bounded: two generations of at most capacity/2 entries each. A hit moves the entry
// into the current generation; when the current one is full, the older one is dropped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/incident.h"

namespace wardsoc {

class RecentIncidents {
 public:
  explicit RecentIncidents(size_t capacity) : half_(capacity / 2 > 0 ? capacity / 2 : 1) {}

  // Removes and returns the incident with this id, if it is here.
  std::optional<Incident> take(std::string_view id);
  void put(Incident incident);
  void erase(std::string_view id);
  void clear();
  size_t size() const { return current_.size() + older_.size(); }

 private:
  using Map = std::unordered_map<std::string, Incident>;
  const size_t half_;
  Map current_;
  Map older_;
};

}  // namespace wardsoc
