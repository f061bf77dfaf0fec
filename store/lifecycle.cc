#include "store/lifecycle.h"

namespace wardsoc {

bool is_terminal(IncidentStatus s) {
  return s == IncidentStatus::kResolved || s == IncidentStatus::kFalsePositive;
}

namespace {
int rank(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kNew:
      return 0;
    case IncidentStatus::kAcknowledged:
      return 1;
    case IncidentStatus::kInProgress:
      return 2;
    case IncidentStatus::kResolved:
    case IncidentStatus::kFalsePositive:
      return 3;
  }
  return 0;
}
}  // namespace

Status check_transition(IncidentStatus from, const TransitionRequest& r) {
  const std::string step = std::string(status_name(from)) + " -> " + std::string(status_name(r.to));
  if (r.actor.empty()) {
    return Error(Errc::kInvalidArgument,
                 "incident " + r.id + ": who makes the change (actor) is required");
  }
  if (r.actor.size() > kMaxActorBytes) {
    return Error(Errc::kInvalidArgument, "incident " + r.id + ": actor is longer than " +
                                             std::to_string(kMaxActorBytes) + " bytes");
  }
  if (r.note.size() > kMaxNoteBytes) {
    return Error(Errc::kInvalidArgument, "incident " + r.id + ": note is longer than " +
                                             std::to_string(kMaxNoteBytes) + " bytes");
  }
  if (r.to == from) {
    return Error(Errc::kInvalidArgument,
                 "incident " + r.id + " is already " + std::string(status_name(from)));
  }
  if (r.to == IncidentStatus::kNew) {
    return Error(Errc::kInvalidArgument, "incident " + r.id + ": " + step +
                                             " is not allowed (nothing goes back to new; "
                                             "reopen to acknowledged or in_progress)");
  }
  const bool reopen = is_terminal(from) && !is_terminal(r.to);
  const bool forward = rank(r.to) > rank(from) || (is_terminal(from) && is_terminal(r.to));
  if (!forward && !reopen) {
    return Error(Errc::kInvalidArgument,
                 "incident " + r.id + ": " + step +
                     " is not allowed (the order is new, "
                     "acknowledged, in_progress, then resolved or false_positive)");
  }
  if ((is_terminal(r.to) || reopen) && r.note.empty()) {
    return Error(Errc::kInvalidArgument,
                 "incident " + r.id + ": " + step + " needs a note saying what was done or why");
  }
  return ok_status();
}

ActivityOutcome status_after_activity(const Incident& stored, const Incident& snapshot) {
  ActivityOutcome out;
  out.status = stored.status;
  // Only `resolved` comes back: `false_positive` stays so, whatever its counts do.
  if (stored.status == IncidentStatus::kResolved &&
      (snapshot.count > stored.count || snapshot.last_seen_us > stored.last_seen_us)) {
    out.status = IncidentStatus::kNew;
    out.reopened = true;
    out.more_events = snapshot.count > stored.count ? snapshot.count - stored.count : 0;
  }
  return out;
}

HistoryEntry opening_entry(const Incident& incident, int64_t now_us) {
  HistoryEntry h;
  h.seq = 0;
  h.time_us = now_us;
  h.actor = std::string(kSystemActor);
  h.to = IncidentStatus::kNew;
  h.note = "opened by rule " + incident.rule_id;
  return h;
}

HistoryEntry reopen_entry(uint32_t seq, uint64_t more_events, int64_t now_us) {
  HistoryEntry h;
  h.seq = seq;
  h.time_us = now_us;
  h.actor = std::string(kSystemActor);
  h.from = IncidentStatus::kResolved;
  h.to = IncidentStatus::kNew;
  h.note = "reopened: " + std::to_string(more_events) + " more event(s) after it was resolved";
  return h;
}

}  // namespace wardsoc
