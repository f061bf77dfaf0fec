#include "store/update_pacing.h"

#include <algorithm>
#include <tuple>

namespace wardsoc {

namespace {
// prune() walks the queue times at most this often.
constexpr int64_t kPruneEveryUs = 10'000'000;
}  // namespace

UpdatePacing::Decision UpdatePacing::decide(std::string_view sink, std::string_view id, bool growth,
                                            int64_t interval_us, int64_t now_us) {
  Decision d;
  auto it = sinks_.find(sink);
  if (interval_us <= 0) {
    // No pacing for this sink: every change is queued, and a mark left from a time it had
    // an interval is superseded by the entry.
    d.queue = true;
    if (it != sinks_.end()) {
      it->second.interval_us = 0;
      d.erase_mark = it->second.held_due_us.erase(std::string(id)) > 0;
      it->second.last_queued_us.erase(std::string(id));
      if (it->second.held_due_us.empty() && it->second.last_queued_us.empty()) sinks_.erase(it);
    }
    return d;
  }
  if (it == sinks_.end()) it = sinks_.emplace(std::string(sink), SinkPacing{}).first;
  SinkPacing& s = it->second;
  s.interval_us = interval_us;
  const std::string key(id);
  const auto last = s.last_queued_us.find(key);
  if (!growth || last == s.last_queued_us.end() || now_us - last->second >= interval_us) {
    d.queue = true;
    d.erase_mark = s.held_due_us.erase(key) > 0;
    s.last_queued_us[key] = now_us;
    return d;
  }
  // Growth within the interval: held, once; the mark already there stays due as it was.
  if (s.held_due_us.count(key) == 0) {
    d.put_mark = true;
    d.due_us = last->second + interval_us;
    s.held_due_us.emplace(key, d.due_us);
  }
  return d;
}

bool UpdatePacing::supersede(std::string_view sink, std::string_view id, int64_t now_us) {
  auto it = sinks_.find(sink);
  if (it == sinks_.end()) return false;
  const std::string key(id);
  if (it->second.interval_us > 0) it->second.last_queued_us[key] = now_us;
  return it->second.held_due_us.erase(key) > 0;
}

void UpdatePacing::load_mark(std::string_view sink, std::string_view id, int64_t due_us) {
  auto it = sinks_.find(sink);
  if (it == sinks_.end()) it = sinks_.emplace(std::string(sink), SinkPacing{}).first;
  it->second.held_due_us[std::string(id)] = due_us;
}

std::vector<UpdatePacing::Due> UpdatePacing::due(const std::vector<std::string>& sinks,
                                                 int64_t due_by_us) const {
  std::vector<std::tuple<int64_t, std::string, std::string>> found;
  for (const std::string& name : sinks) {
    auto it = sinks_.find(name);
    if (it == sinks_.end()) continue;
    for (const auto& [id, due] : it->second.held_due_us) {
      if (due <= due_by_us) found.emplace_back(due, name, id);
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<Due> out;
  out.reserve(found.size());
  for (auto& [due, sink, id] : found) out.push_back(Due{std::move(sink), std::move(id)});
  return out;
}

void UpdatePacing::released(const Due& d, int64_t now_us) {
  auto it = sinks_.find(d.sink);
  if (it == sinks_.end()) return;
  it->second.held_due_us.erase(d.incident_id);
  if (it->second.interval_us > 0) it->second.last_queued_us[d.incident_id] = now_us;
}

void UpdatePacing::prune(int64_t now_us) {
  if (now_us - pruned_us_ < kPruneEveryUs) return;
  pruned_us_ = now_us;
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    SinkPacing& s = it->second;
    std::erase_if(s.last_queued_us,
                  [&](const auto& kv) { return now_us - kv.second >= s.interval_us; });
    if (s.last_queued_us.empty() && s.held_due_us.empty()) {
      it = sinks_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t UpdatePacing::held() const {
  size_t n = 0;
  for (const auto& [name, s] : sinks_) n += s.held_due_us.size();
  return n;
}

}  // namespace wardsoc
