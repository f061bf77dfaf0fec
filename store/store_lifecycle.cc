// Store: the incident lifecycle as the store writes it — transitions people make, the
// reopen that new activity causes (the policy itself is in lifecycle.cc), the history of
// each incident and the audit log.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "store/incident_codec.h"
#include "store/incident_index.h"
#include "store/ordered_batch.h"
#include "store/outbox_queue.h"
#include "store/recent_incidents.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "store/update_pacing.h"

namespace wardsoc {

using keys::Family;
using namespace store_detail;

Result<Incident> Store::transition(const TransitionRequest& req,
                                   std::span<const std::string> sinks) {
  if (auto s = core_->check_writable(); !s) return std::move(s).error();
  if (!valid_name(req.id)) {
    return Error(Errc::kInvalidArgument, "'" + req.id + "' is not an incident id");
  }
  for (const auto& sink : sinks) {
    if (!valid_name(sink)) {
      return Error(Errc::kInvalidArgument, "transition: sink name '" + sink + "' is invalid");
    }
  }
  std::lock_guard commit_lock(core_->commit_mu);
  core_->recent->erase(req.id);  // put back below once the transition is written
  std::string value;
  const rocksdb::Status gs = core_->db->Get(
      rocksdb::ReadOptions(), core_->family(Family::kIncidents), slice(req.id), &value);
  if (gs.IsNotFound()) return Error(Errc::kNotFound, "no incident with id '" + req.id + "'");
  if (!gs.ok()) return rocks_error(gs, keys::describe_key(Family::kIncidents, req.id));
  auto cur = decode_incident(value);
  if (!cur)
    return std::move(cur).error().with_context(keys::describe_key(Family::kIncidents, req.id));
  const IncidentStatus from = cur->status;
  if (req.expected_from && *req.expected_from != from) {
    return Error(Errc::kConflict, "incident " + req.id + " is " + std::string(status_name(from)) +
                                      " now, not " + std::string(status_name(*req.expected_from)) +
                                      " (someone else changed it; look again before changing it)");
  }
  if (auto c = check_transition(from, req); !c) return std::move(c).error();

  const int64_t now = now_us();
  Incident next = *cur;
  next.status = req.to;
  next.updated_us = now;

  const std::optional<uint32_t> last = last_history_seq(req.id);
  const uint32_t seq = last ? *last + 1 : 0;
  HistoryEntry h;
  h.seq = seq;
  h.time_us = now;
  h.actor = req.actor;
  h.from = from;
  h.to = req.to;
  h.note = req.note;

  AuditEntry a;
  a.seq = core_->next_audit_seq();
  a.time_us = now;
  a.actor = req.actor;
  a.action = "transition";
  a.incident = req.id;
  a.detail = std::string(status_name(from)) + " -> " + std::string(status_name(req.to)) +
             (req.note.empty() ? "" : ": " + req.note);

  OrderedBatch ordered;
  const std::string encoded = encode_incident(next);
  ordered.put(core_->family(Family::kIncidents), slice(next.id), slice(encoded));
  const size_t index_writes = move_index_entries(&*cur, next, &ordered);
  ordered.put(core_->family(Family::kHistory), slice(keys::history_key(next.id, seq)),
              slice(encode_history(h)));
  ordered.put(core_->family(Family::kAudit), slice(keys::audit_key(a.seq)), slice(encode_audit(a)));

  std::vector<uint64_t> seqs = outbox_->reserve(sinks, 1);
  const std::string outbox = encode_outbox_value(IncidentChange::Kind::kUpdated, encoded, now);
  for (size_t i = 0; i < sinks.size(); ++i) {
    ordered.put(core_->family(Family::kOutbox), slice(keys::outbox_key(sinks[i], seqs[i])),
                slice(outbox));
    // An update held back for this sink is older than what this entry carries.
    if (pacing_->supersede(sinks[i], next.id, now)) {
      ordered.erase(core_->family(Family::kHeldUpdates),
                    slice(keys::held_update_key(sinks[i], next.id)));
    }
  }
  rocksdb::WriteBatch batch;
  ordered.append_to(&batch);
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a person's action, rare: always durable at once
  const rocksdb::Status s = core_->db->Write(wo, &batch);
  if (!sinks.empty()) {
    for (auto& n : seqs) ++n;  // the next seq of each sink once this is written
    outbox_->publish(sinks, seqs, s.ok());
  }
  if (!s.ok()) return rocks_error(s, "incident " + req.id + ": " + a.detail);
  {
    // A synced write makes every earlier write durable too.
    std::lock_guard lock(durable_mu_);
    durable_ticket_ = written_ticket_;
  }
  core_->recent->put(next);
  core_->counters.transitions.fetch_add(1, std::memory_order_relaxed);
  core_->counters.held_updates.store(pacing_->held(), std::memory_order_relaxed);
  core_->counters.index_writes.fetch_add(index_writes, std::memory_order_relaxed);
  spdlog::info("incident {} {} (by {})", req.id, a.detail, req.actor);
  return next;
}

std::optional<uint32_t> Store::last_history_seq(std::string_view id) const {
  std::unique_ptr<rocksdb::Iterator> it(
      core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kHistory)));
  it->SeekForPrev(slice(keys::history_key(id, UINT32_MAX)));
  std::string_view hid;
  uint32_t last = 0;
  if (it->Valid() && keys::parse_history_key(view(it->key()), &hid, &last) && hid == id) {
    return last;
  }
  return std::nullopt;
}

void Store::add_reopen(std::string_view id, uint64_t more_events, int64_t now,
                       OrderedBatch* batch) {
  const HistoryEntry h = reopen_entry(last_history_seq(id).value_or(0) + 1, more_events, now);
  batch->put(core_->family(Family::kHistory), slice(keys::history_key(id, h.seq)),
             slice(encode_history(h)));
  AuditEntry a;
  a.seq = core_->next_audit_seq();
  a.time_us = now;
  a.actor = h.actor;
  a.action = "reopen";
  a.incident = std::string(id);
  a.detail = "resolved -> new: " + h.note;
  batch->put(core_->family(Family::kAudit), slice(keys::audit_key(a.seq)), slice(encode_audit(a)));
}

Result<std::vector<HistoryEntry>> Store::history(std::string_view incident_id) const {
  std::vector<HistoryEntry> out;
  KeyRange r(core_->db.get(), core_->family(Family::kHistory), keys::name_prefix(incident_id),
             keys::name_prefix_end(incident_id));
  for (; r.valid(); r.next()) {
    auto h = decode_history(r.value());
    if (!h) return std::move(h).error().with_context(keys::describe_key(Family::kHistory, r.key()));
    out.push_back(std::move(h).value());
  }
  if (!r.status().ok()) return rocks_error(r.status(), "reading history in " + core_->path);
  return out;
}

Result<std::vector<AuditEntry>> Store::audit_log(uint64_t after_seq, size_t max) const {
  std::vector<AuditEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(
      core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kAudit)));
  for (it->Seek(slice(keys::audit_key(after_seq + 1))); it->Valid() && out.size() < max;
       it->Next()) {
    auto a = decode_audit(view(it->value()));
    if (!a) {
      return std::move(a).error().with_context(keys::describe_key(Family::kAudit, view(it->key())));
    }
    out.push_back(std::move(a).value());
  }
  if (!it->status().ok())
    return rocks_error(it->status(), "reading the audit log in " + core_->path);
  return out;
}

Status Store::append_audit(std::string_view actor, std::string_view action,
                           std::string_view detail) {
  return core_->append_audit(actor, action, detail);
}

}  // namespace wardsoc
