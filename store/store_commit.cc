// Store::commit(): everything one processed batch of events caused, made durable in one
// RocksDB WriteBatch (the no-loss contract, docs/store.md). It runs in four steps, each
// its own function below:
//   1. validate      the batch's names, before any lock is taken;
//   2. load_touched  what the store holds for each incident the batch touches (from the
//                    cache of recent writes, else one MultiGet);
//   3. plan_changes  what each change makes of its incident (the lifecycle rules of
//                    lifecycle.h decide its status), and every key to write: incidents,
//                    evidence, history, counts, titles, index moves, outbox entries,
//                    checkpoints and correlation state;
//   4. write_and_publish  one write (fsynced with `durability: sync`), then what readers
//                    may see: outbox seqs, the recent cache, counters, the ticket.
// Steps 2-4 hold the writer lock (StoreDb::commit_mu).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "core/time.h"
#include "store/incident_codec.h"
#include "store/ordered_batch.h"
#include "store/outbox_queue.h"
#include "store/recent_incidents.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "store/update_pacing.h"

namespace wardsoc {

using keys::Family;
using namespace store_detail;

// What the store already holds for one incident the batch touches (the lifecycle it
// keeps, the index entries to move, the evidence it has), and what the batch makes of
// it. A second change of one incident in the batch builds on the first; the incident and
// its index entries are written once, for the last one.
struct Store::TouchedIncident {
  std::optional<Incident> stored;  // before this batch
  std::optional<Incident> latest;  // after this batch's changes so far
  std::string encoded;             // encode_incident(*latest)
  const Incident* prev() const { return latest ? &*latest : stored ? &*stored : nullptr; }
};

struct Store::CommitPlan {
  std::vector<TouchedIncident> touched;
  std::unordered_map<std::string_view, size_t> touched_at;  // id -> index in `touched`
  // This commit's outbox seqs: reserved before planning, published once written.
  bool queues_entries = false;
  std::vector<uint64_t> next_seq;  // per sink, the seq after this commit's last
  OrderedBatch ordered;
  std::vector<std::string> new_titles;
  uint64_t reopened = 0;
  uint64_t index_writes = 0;
};

Status Store::commit(std::span<const IncidentChange> changes,
                     std::span<const InputPosition> positions,
                     std::span<const std::string> input_names, std::span<const std::string> sinks) {
  return commit(CommitBatch{changes, positions, input_names, sinks, {}, {}});
}

Status Store::commit(const CommitBatch& batch, uint64_t* ticket) {
  if (auto s = core_->check_writable(); !s) return s;
  if (auto s = validate(batch); !s) return s;
  if (batch.changes.empty() && batch.positions.empty() && batch.state.empty()) {
    if (ticket) *ticket = 0;
    return ok_status();
  }

  std::lock_guard commit_lock(core_->commit_mu);
  if (auto s = check_can_write(); !s) {
    core_->counters.commit_failures.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  auto plan = load_touched(batch.changes);
  if (!plan) return std::move(plan).error();
  plan_changes(batch, now_us(), &*plan);
  return write_and_publish(batch, &*plan, ticket);
}

Status Store::validate(const CommitBatch& batch) {
  const auto sinks = batch.sinks;
  for (size_t i = 0; i < sinks.size(); ++i) {
    if (!valid_name(sinks[i])) {
      return Error(Errc::kInvalidArgument,
                   "commit: sink name '" + sinks[i] + "' is empty or contains NUL");
    }
    for (size_t j = 0; j < i; ++j) {
      if (sinks[j] == sinks[i]) {
        return Error(Errc::kInvalidArgument, "commit: sink '" + sinks[i] + "' is listed twice");
      }
    }
  }
  if (!batch.update_interval_us.empty() && batch.update_interval_us.size() != sinks.size()) {
    return Error(Errc::kInvalidArgument,
                 "commit: " + std::to_string(batch.update_interval_us.size()) +
                     " update intervals for " + std::to_string(sinks.size()) + " sinks");
  }
  for (const int64_t interval : batch.update_interval_us) {
    if (interval < 0) {
      return Error(Errc::kInvalidArgument, "commit: a sink's update interval is negative (" +
                                               std::to_string(interval) + " us)");
    }
  }
  for (const auto& p : batch.positions) {
    if (p.input >= batch.input_names.size()) {
      return Error(Errc::kInvalidArgument,
                   "commit: a position names input #" + std::to_string(p.input) + " but only " +
                       std::to_string(batch.input_names.size()) + " input names were given");
    }
    if (!valid_name(batch.input_names[p.input])) {
      return Error(Errc::kInvalidArgument, "commit: input name '" + batch.input_names[p.input] +
                                               "' is empty or contains NUL");
    }
  }
  for (const auto& c : batch.changes) {
    if (!valid_name(c.incident.id)) {
      return Error(Errc::kInvalidArgument, "commit: incident id '" + c.incident.id + "' (rule " +
                                               c.incident.rule_id + ") is empty or contains NUL");
    }
    if (c.incident.rule_id.find('\0') != std::string::npos ||
        c.incident.site.find('\0') != std::string::npos ||
        c.incident.asset.find('\0') != std::string::npos) {
      return Error(Errc::kInvalidArgument, "commit: incident " + c.incident.id +
                                               ": rule id, site and asset may not contain NUL");
    }
  }
  return ok_status();
}

Status Store::check_can_write() {
  if (write_failure_) {
    // RocksDB met an error inside its write path (its write-ahead log may end in a torn
    // record): it is not written to again in this process. Reopening replays the log up
    // to the last whole record, which holds every acknowledged batch.
    return Error(Errc::kIo, "commit to " + core_->path + " refused: an earlier write failed (" +
                                *write_failure_ +
                                "); restart wardsoc once the cause is fixed, "
                                "nothing acknowledged is lost");
  }
  return check_free_space();
}

Result<Store::CommitPlan> Store::load_touched(std::span<const IncidentChange> changes) {
  CommitPlan plan;
  // Incidents this store wrote recently come from the recent cache (taken out: they go
  // back only once this batch is written); the others are read with one MultiGet.
  std::vector<rocksdb::Slice> lookup;
  std::vector<size_t> lookup_at;  // index in `touched` of each lookup
  plan.touched.reserve(changes.size());
  for (const auto& c : changes) {
    if (!plan.touched_at.emplace(c.incident.id, plan.touched.size()).second) continue;
    TouchedIncident& t = plan.touched.emplace_back();
    t.stored = core_->recent->take(c.incident.id);
    if (!t.stored) {
      lookup.push_back(slice(c.incident.id));
      lookup_at.push_back(plan.touched.size() - 1);
    }
  }
  if (lookup.empty()) return plan;
  core_->counters.incident_reads.fetch_add(lookup.size(), std::memory_order_relaxed);
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(lookup.size(), core_->family(Family::kIncidents));
  std::vector<std::string> values;
  const std::vector<rocksdb::Status> statuses =
      core_->db->MultiGet(rocksdb::ReadOptions(), cfs, lookup, &values);
  for (size_t i = 0; i < lookup.size(); ++i) {
    const std::string_view id = view(lookup[i]);
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return rocks_error(statuses[i], "commit: reading incident " + std::string(id));
    }
    auto prev = decode_incident(values[i]);
    if (!prev) {
      // Refusing would stop the pipeline for good; the new snapshot replaces the
      // unreadable one (`wardsoc db verify --repair` removes index entries it leaves).
      spdlog::warn("store: {} does not decode ({}); replacing it with the new snapshot",
                   keys::describe_key(Family::kIncidents, id), prev.error().message);
      continue;
    }
    plan.touched[lookup_at[i]].stored = std::move(prev).value();
  }
  return plan;
}

void Store::plan_changes(const CommitBatch& batch, int64_t now, CommitPlan* plan) {
  const auto sinks = batch.sinks;
  OrderedBatch& ordered = plan->ordered;
  // Reserved so that an ack accepts them as soon as a reader can see them, but
  // published as queued only once the batch is written.
  plan->queues_entries = !batch.changes.empty() && !sinks.empty();
  plan->next_seq.assign(sinks.size(), 0);
  if (plan->queues_entries) plan->next_seq = outbox_->reserve(sinks, batch.changes.size());
  // Pacing decisions are taken as the changes are planned; if the write then fails, the
  // commit is retried with the same changes, and a growth it now holds back is still
  // released when due (the pacing only ever delays an entry, it never drops one).
  const auto intervals = batch.update_interval_us;
  const bool paced = !sinks.empty() && (!intervals.empty() || !pacing_->empty());

  for (const auto& change : batch.changes) {
    TouchedIncident& t = plan->touched[plan->touched_at.find(change.incident.id)->second];
    const Incident* prev = t.prev();
    Incident in = change.incident;
    uint64_t evidence_count = in.evidence_count;
    if (prev != nullptr) {
      evidence_count = std::max(evidence_count, prev->evidence_count);
      // The store owns the lifecycle: detect's snapshot changes the status only as the
      // reopen policy says.
      const ActivityOutcome outcome = status_after_activity(*prev, in);
      in.status = outcome.status;
      if (outcome.reopened) {
        add_reopen(in.id, outcome.more_events, now, &ordered);
        ++plan->reopened;
      }
    } else {
      in.status = IncidentStatus::kNew;
      add_opening(in, now, plan);
    }
    for (const auto& ev : change.new_evidence) {
      ordered.put(core_->family(Family::kEvidence), slice(keys::evidence_key(in.id, ev.seq)),
                  slice(encode_evidence(ev)));
      evidence_count = std::max<uint64_t>(evidence_count, uint64_t{ev.seq} + 1);
    }
    in.evidence_count = evidence_count;
    in.updated_us = now;

    // Each change is queued with the snapshot it made, whatever later changes of the
    // same incident in this batch do — unless the sink's update_interval holds its growth
    // back (update_pacing.h): then a mark says the incident is to be queued when it is due.
    t.encoded = encode_incident(in);
    if (!sinks.empty()) {
      const std::string value = encode_outbox_value(change.kind, t.encoded, now);
      const bool grew = paced && only_grew(prev, in, change.kind);
      for (size_t i = 0; i < sinks.size(); ++i) {
        if (paced) {
          const int64_t interval = i < intervals.size() ? intervals[i] : 0;
          const UpdatePacing::Decision d = pacing_->decide(sinks[i], in.id, grew, interval, now);
          if (d.erase_mark) {
            ordered.erase(core_->family(Family::kHeldUpdates),
                          slice(keys::held_update_key(sinks[i], in.id)));
          }
          if (d.put_mark) {
            ordered.put(core_->family(Family::kHeldUpdates),
                        slice(keys::held_update_key(sinks[i], in.id)),
                        slice(keys::be64(static_cast<uint64_t>(d.due_us))));
          }
          if (!d.queue) continue;
        }
        ordered.put(core_->family(Family::kOutbox),
                    slice(keys::outbox_key(sinks[i], plan->next_seq[i]++)), slice(value));
      }
    }
    t.latest = std::move(in);
  }
  for (const TouchedIncident& t : plan->touched) {
    ordered.put(core_->family(Family::kIncidents), slice(t.latest->id), slice(t.encoded));
    plan->index_writes += move_index_entries(t.stored ? &*t.stored : nullptr, *t.latest, &ordered);
  }
  for (const auto& p : batch.positions) {
    ordered.put(core_->family(Family::kCheckpoints),
                slice(keys::checkpoint_key(batch.input_names[p.input], p.stream)),
                slice(keys::be64(p.position)));
  }
  for (const auto& u : batch.state) {
    if (u.value) {
      ordered.put(core_->family(Family::kState), slice(u.key), slice(*u.value));
    } else {
      ordered.erase(core_->family(Family::kState), slice(u.key));
    }
  }
}

// A new incident: its opening history entry, its hourly counts (once: a replay finds
// it stored) and its title for free-text search, if that is new.
void Store::add_opening(const Incident& in, int64_t now, CommitPlan* plan) {
  OrderedBatch& ordered = plan->ordered;
  ordered.put(core_->family(Family::kHistory), slice(keys::history_key(in.id, 0)),
              slice(encode_history(opening_entry(in, now))));
  const std::string one = le64(1);
  ordered.merge(
      core_->family(Family::kCounts),
      slice(keys::counts_key(keys::Dim::kSeverity, in.first_seen_us, severity_name(in.severity))),
      slice(one));
  ordered.merge(core_->family(Family::kCounts),
                slice(keys::counts_key(keys::Dim::kRule, in.first_seen_us, in.rule_id)),
                slice(one));
  ordered.merge(core_->family(Family::kCounts),
                slice(keys::counts_key(keys::Dim::kSite, in.first_seen_us, in.site)), slice(one));
  std::string title = keys::title_key(in.rule_id, in.title, in.title_vi);
  bool known_title = false;
  {
    std::lock_guard lock(meta_mu_);
    known_title = titles_.count(title) > 0;
  }
  auto& fresh = plan->new_titles;
  if (!known_title && std::find(fresh.begin(), fresh.end(), title) == fresh.end()) {
    ordered.put(core_->family(Family::kTitles), slice(title), rocksdb::Slice());
    fresh.push_back(std::move(title));
  }
}

Status Store::write_and_publish(const CommitBatch& batch, CommitPlan* plan, uint64_t* ticket) {
  rocksdb::WriteBatch wb;
  plan->ordered.append_to(&wb);
  rocksdb::WriteOptions wo;
  wo.sync = core_->options.sync;
  const rocksdb::Status s = core_->db->Write(wo, &wb);
  if (!s.ok()) {
    write_failure_ = s.ToString();
    core_->write_failed.store(true);
  }
  if (plan->queues_entries) outbox_->publish(batch.sinks, plan->next_seq, s.ok());
  if (!s.ok()) {
    core_->counters.commit_failures.fetch_add(1, std::memory_order_relaxed);
    return rocks_error(s, "commit to " + core_->path);
  }
  if (!plan->new_titles.empty()) {
    std::lock_guard lock(meta_mu_);
    for (auto& t : plan->new_titles) titles_.insert(std::move(t));
  }
  for (TouchedIncident& t : plan->touched) core_->recent->put(std::move(*t.latest));
  auto& c = core_->counters;
  c.held_updates.store(pacing_->held(), std::memory_order_relaxed);
  c.commits.fetch_add(1, std::memory_order_relaxed);
  c.incidents_written.fetch_add(batch.changes.size(), std::memory_order_relaxed);
  c.reopened.fetch_add(plan->reopened, std::memory_order_relaxed);
  c.index_writes.fetch_add(plan->index_writes, std::memory_order_relaxed);
  {
    std::lock_guard lock(durable_mu_);
    const uint64_t t = ++written_ticket_;
    if (core_->options.sync) durable_ticket_ = t;
    if (ticket) *ticket = t;
  }
  return ok_status();
}

bool Store::only_grew(const Incident* before, const Incident& after, IncidentChange::Kind kind) {
  return kind == IncidentChange::Kind::kUpdated && before != nullptr &&
         before->status == after.status && before->severity == after.severity;
}

size_t Store::held_updates() const {
  std::lock_guard commit_lock(core_->commit_mu);
  return pacing_->held();
}

Status Store::load_held_updates() {
  rocksdb::ColumnFamilyHandle* cf = core_->family(Family::kHeldUpdates);
  if (cf == nullptr) return ok_status();  // a reader of a directory without the family
  std::unique_ptr<rocksdb::Iterator> it = full_scan(core_->db.get(), cf);
  size_t loaded = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view sink, id;
    const std::string_view key = view(it->key());
    if (!keys::parse_held_update_key(key, &sink, &id) || it->value().size() != 8) {
      spdlog::warn("store: {} is not a held update; ignored",
                   keys::describe_key(Family::kHeldUpdates, key));
      continue;
    }
    pacing_->load_mark(sink, id, static_cast<int64_t>(keys::get_be64(it->value().data())));
    ++loaded;
  }
  if (!it->status().ok()) return rocks_error(it->status(), "reading the held updates");
  core_->counters.held_updates.store(pacing_->held(), std::memory_order_relaxed);
  if (loaded > 0) spdlog::info("store: {} held-back alert updates to release when due", loaded);
  return ok_status();
}

Result<size_t> Store::release_held_updates(std::span<const std::string> sinks, int64_t due_by_us) {
  if (auto s = core_->check_writable(); !s) return std::move(s).error();
  const std::vector<std::string> names(sinks.begin(), sinks.end());
  std::lock_guard commit_lock(core_->commit_mu);
  const int64_t now = now_us();
  pacing_->prune(now);
  const std::vector<UpdatePacing::Due> due = pacing_->due(names, due_by_us);
  if (due.empty()) return size_t{0};
  if (auto s = check_can_write(); !s) return std::move(s).error();

  // Each held incident as it is now: from the recent cache, else the incidents family.
  std::unordered_map<std::string_view, std::optional<std::string>> current;
  for (const UpdatePacing::Due& d : due) {
    auto [slot, fresh] = current.try_emplace(d.incident_id);
    if (!fresh) continue;
    if (std::optional<Incident> in = core_->recent->take(d.incident_id)) {
      slot->second = encode_incident(*in);
      core_->recent->put(std::move(*in));
      continue;
    }
    std::string value;
    const rocksdb::Status gs = core_->db->Get(
        rocksdb::ReadOptions(), core_->family(Family::kIncidents), slice(d.incident_id), &value);
    if (gs.ok()) {
      slot->second = std::move(value);
    } else if (!gs.IsNotFound()) {
      return rocks_error(gs, "releasing held updates: reading " +
                                 keys::describe_key(Family::kIncidents, d.incident_id));
    }
    // Not found: retention removed it meanwhile; only its mark goes.
  }

  std::vector<uint64_t> next_seq = outbox_->reserve(names, due.size());
  OrderedBatch ordered;
  size_t queued = 0;
  for (const UpdatePacing::Due& d : due) {
    const size_t i =
        static_cast<size_t>(std::find(names.begin(), names.end(), d.sink) - names.begin());
    ordered.erase(core_->family(Family::kHeldUpdates),
                  slice(keys::held_update_key(d.sink, d.incident_id)));
    const std::optional<std::string>& encoded = current.find(d.incident_id)->second;
    if (!encoded) continue;
    ordered.put(core_->family(Family::kOutbox), slice(keys::outbox_key(d.sink, next_seq[i]++)),
                slice(encode_outbox_value(IncidentChange::Kind::kUpdated, *encoded, now)));
    ++queued;
  }
  rocksdb::WriteBatch wb;
  ordered.append_to(&wb);
  rocksdb::WriteOptions wo;
  wo.sync = core_->options.sync;
  const rocksdb::Status s = core_->db->Write(wo, &wb);
  if (!s.ok()) {
    write_failure_ = s.ToString();
    core_->write_failed.store(true);
  }
  outbox_->publish(names, next_seq, s.ok());
  if (!s.ok()) {
    core_->counters.commit_failures.fetch_add(1, std::memory_order_relaxed);
    return rocks_error(s, "releasing held updates in " + core_->path);
  }
  for (const UpdatePacing::Due& d : due) pacing_->released(d, now);
  core_->counters.held_updates.store(pacing_->held(), std::memory_order_relaxed);
  return queued;
}

}  // namespace wardsoc
