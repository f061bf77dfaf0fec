// What the store's outbox hands to connectors: one queued delivery of an incident
// snapshot to one sink, and the record kept when a sink refused one for good.
// Plain values; the Store (store.h) owns the queues and says what is durable when.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"

namespace wardsoc {

struct OutboxEntry {
  uint64_t seq = 0;  // per sink, strictly increasing, never reused (survives restarts)
  IncidentChange::Kind kind = IncidentChange::Kind::kCreated;
  Incident incident;  // the snapshot as committed with this change
  int64_t enqueued_us = 0;
};

// A window of one sink's queue with the updates that a later entry of the same incident
// in the window supersedes left out (OutboxQueues::read_latest): what the SOC needs of
// an incident is its latest state, which the later entry carries.
struct OutboxWindow {
  std::vector<OutboxEntry> entries;  // to deliver, oldest first
  // Seqs of the left-out updates, ascending; each lies before a kept entry of its incident,
  // so acking up to a kept entry's seq removes the superseded entries before it too.
  std::vector<uint64_t> superseded;
};

// An outbox entry that its sink rejected (DeliveryStatus::kRejected), moved out of the
// queue so that it neither blocks the queue nor disappears.
struct DeadLetter {
  OutboxEntry entry;  // entry.seq is the seq it had in the outbox
  // The stored bytes, when the entry itself did not decode (it was quarantined, see
  // Store::read_outbox); `entry` then only has its seq.
  std::string raw;
  std::string reason;
  int64_t dead_lettered_us = 0;
};

std::string_view change_kind_name(IncidentChange::Kind kind);  // "created", "updated"
bool parse_change_kind(std::string_view name, IncidentChange::Kind* out);

}  // namespace wardsoc
