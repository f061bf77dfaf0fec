// UpdatePacing: how often the store queues an incident's growth for a sink. A sink with
// an update_interval gets an incident's creation, and every change of its status or
// severity, at once; its growth (more events, nothing else) at most once per interval:
// a growth within the interval after the incident was last queued for the sink is held
// back, and when the interval has passed the store queues the incident as it then is,
// with its latest count and evidence (Store::release_held_updates). A sink without an
// interval (0) gets one entry per change, as it always did.
//
// This class is the in-memory side: per sink, when each incident was last queued and
// which incidents have a held update due when. The durable side is the held_updates
// family (keys.h): the Store writes and deletes a mark there in the same WriteBatch as
// the decision, and loads the marks back at open, so a held update survives a kill.
// The times of the last queued entries are not kept: after a restart, an incident's first
// growth is queued at once.
//
// Not thread-safe: the Store guards it with its writer lock (StoreDb::commit_mu).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wardsoc {

class UpdatePacing {
 public:
  // What one change of an incident means for one sink's queue.
  struct Decision {
    bool queue = false;       // queue an entry now
    bool erase_mark = false;  // delete the incident's held mark (the new entry supersedes it)
    bool put_mark = false;    // write a held mark due at `due_us`
    int64_t due_us = 0;
  };
  // `growth`: the change only grew the incident (not its creation, nor a change of its
  // status or severity). `interval_us` is the sink's update_interval (0: none).
  Decision decide(std::string_view sink, std::string_view incident_id, bool growth,
                  int64_t interval_us, int64_t now_us);

  // An entry of the incident was queued for the sink by other means (a person's
  // transition): the held mark, if any, is superseded. True if there was one (delete it).
  bool supersede(std::string_view sink, std::string_view incident_id, int64_t now_us);

  // A held mark read back at open.
  void load_mark(std::string_view sink, std::string_view incident_id, int64_t due_us);

  struct Due {
    std::string sink;
    std::string incident_id;
  };
  // The held updates of `sinks` due at `due_by_us`, oldest due first (they stay marked
  // until released() says they were queued).
  std::vector<Due> due(const std::vector<std::string>& sinks, int64_t due_by_us) const;
  // The store queued `d` at `now_us` and deleted its mark.
  void released(const Due& d, int64_t now_us);

  // Forgets queue times older than their sink's interval (a growth after them would be
  // queued at once anyway), so memory follows the incidents active within an interval.
  void prune(int64_t now_us);

  size_t held() const;
  bool empty() const { return sinks_.empty(); }

 private:
  struct SinkPacing {
    int64_t interval_us = 0;  // as the last decision for this sink said
    std::unordered_map<std::string, int64_t> last_queued_us;
    std::unordered_map<std::string, int64_t> held_due_us;
  };
  std::map<std::string, SinkPacing, std::less<>> sinks_;
  int64_t pruned_us_ = 0;
};

}  // namespace wardsoc
