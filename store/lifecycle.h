// The incident lifecycle as the police and the SOC work it:
//   new -> acknowledged -> in_progress -> resolved | false_positive
// each step with who, when and a note, kept in the incident's history; and the audit
// log of everything people (and wardsoc itself) did to the store. Plain values and the
// transition rules; the Store (store.h) writes them.
//
// Ownership of an incident's fields: detect owns what it counts (count, times,
// evidence, fields); the store owns the lifecycle (status, history). A snapshot from
// detect never changes the stored status — with one exception, the reopen policy:
// when detect folds new events into an incident that is `resolved`, the activity the
// police thought was over goes on, so the store sets it back to `new` (actor
// "wardsoc", with a note) and it is listed again. An incident marked `false_positive`
// stays so: more of the same harmless activity only updates its counts. A pause
// longer than the rule's suppression opens a new incident (a new id) in detect anyway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"

namespace wardsoc {

// The actor recorded for what wardsoc does by itself (opening, reopening, retention).
inline constexpr std::string_view kSystemActor = "wardsoc";
inline constexpr size_t kMaxActorBytes = 128;
inline constexpr size_t kMaxNoteBytes = 4096;

struct HistoryEntry {
  uint32_t seq = 0;  // 0 is the opening of the incident
  int64_t time_us = 0;
  std::string actor;
  std::optional<IncidentStatus> from;  // none for the opening
  IncidentStatus to = IncidentStatus::kNew;
  std::string note;
};

// One line of the audit log: who did what to which incident or to the store.
struct AuditEntry {
  uint64_t seq = 0;  // strictly increasing, never reused
  int64_t time_us = 0;
  std::string actor;
  std::string action;    // "transition", "reopen", "retention", "backup", "restore",
                         // "repair", "quarantine"
  std::string incident;  // the incident id, if the action was about one
  std::string detail;    // what changed, in words ("new -> acknowledged: note")
};

struct TransitionRequest {
  std::string id;
  IncidentStatus to = IncidentStatus::kAcknowledged;
  std::string actor;
  std::string note;
  // If set, the transition only happens when the incident is in this status now
  // (kConflict otherwise), so two officers acting at once do not overwrite
  // each other's step unknowingly.
  std::optional<IncidentStatus> expected_from;
};

bool is_terminal(IncidentStatus s);  // resolved, false_positive

// Checks the request against the rules below; the error (kInvalidArgument) says why.
//   forward moves are always allowed (new may go straight to resolved);
//   from resolved/false_positive: to acknowledged or in_progress (a reopen), or to the
//   other terminal status (reclassified after review);
//   nothing goes back to new (only wardsoc's reopen does);
//   resolving, marking false_positive and reopening need a note;
//   the actor is required; actor and note have length limits.
Status check_transition(IncidentStatus from, const TransitionRequest& request);

// The reopen policy (see the top of this file): the status an incident stored as
// `stored` has once detect folds `snapshot` (its newer count and times) into it.
struct ActivityOutcome {
  IncidentStatus status = IncidentStatus::kNew;
  bool reopened = false;     // resolved, and the snapshot brings new activity
  uint64_t more_events = 0;  // the count it grew by (for the note)
};
ActivityOutcome status_after_activity(const Incident& stored, const Incident& snapshot);

// The history entries wardsoc writes by itself: the opening of an incident (seq 0) and
// a reopen (resolved -> new) with its note.
HistoryEntry opening_entry(const Incident& incident, int64_t now_us);
HistoryEntry reopen_entry(uint32_t seq, uint64_t more_events, int64_t now_us);

}  // namespace wardsoc
