#include "store/recent_incidents.h"

namespace wardsoc {

std::optional<Incident> RecentIncidents::take(std::string_view id) {
  const std::string key(id);
  for (Map* m : {&current_, &older_}) {
    auto node = m->extract(key);
    if (!node.empty()) return std::move(node.mapped());
  }
  return std::nullopt;
}

void RecentIncidents::put(Incident incident) {
  erase(incident.id);
  if (current_.size() >= half_) {
    older_ = std::move(current_);
    current_ = Map();
  }
  std::string key = incident.id;
  current_.insert_or_assign(std::move(key), std::move(incident));
}

void RecentIncidents::erase(std::string_view id) {
  const std::string key(id);
  current_.erase(key);
  older_.erase(key);
}

void RecentIncidents::clear() {
  current_.clear();
  older_.clear();
}

}  // namespace wardsoc
