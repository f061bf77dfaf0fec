// The outbox queues of a Store (see outbox_queue.h): reading, acknowledging and
// dead-lettering one sink's entries, and the seq bookkeeping that lets commits queue
// entries while forwarders ack older ones.
#include "store/outbox_queue.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "core/time.h"
#include "store/incident_codec.h"
#include "store/lifecycle.h"
#include "store/store_internal.h"

namespace wardsoc {

using keys::Family;
using namespace store_detail;

namespace {
uint64_t queued(uint64_t acked, uint64_t next) { return next > acked + 1 ? next - 1 - acked : 0; }
}  // namespace

OutboxQueues::OutboxQueues(StoreDb& db) : db_(db) {}

Status OutboxQueues::load() {
  std::map<std::string, SinkQueue, std::less<>> queues;

  // The acked marks: an empty queue still remembers where its seqs got to.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(Family::kMeta)));
    for (it->Seek(slice(keys::kOutboxAckedPrefix));
         it->Valid() && starts_with(view(it->key()), keys::kOutboxAckedPrefix); it->Next()) {
      const std::string_view sink = view(it->key()).substr(keys::kOutboxAckedPrefix.size());
      if (it->value().size() != 8) {
        return Error(Errc::kCorruption, "meta key for the acked outbox seq of sink '" +
                                            std::string(sink) + "' in " + db_.path +
                                            " does not hold a u64");
      }
      SinkQueue& q = queues[std::string(sink)];
      q.acked = keys::get_be64(it->value().data());
    }
    if (!it->status().ok()) return rocks_error(it->status(), "reading " + db_.path);
  }

  // Each sink's first and last queued seq: one seek to its start, one to its end.
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(Family::kOutbox)));
  it->SeekToFirst();
  while (it->Valid()) {
    std::string_view sink_view;
    uint64_t first = 0;
    if (!keys::parse_outbox_key(view(it->key()), &sink_view, &first)) {
      return Error(Errc::kCorruption, keys::describe_key(Family::kOutbox, view(it->key())) +
                                          " in " + db_.path + " is not an outbox key");
    }
    const std::string sink(sink_view);
    it->SeekForPrev(slice(keys::outbox_key(sink, UINT64_MAX)));
    std::string_view last_sink;
    uint64_t last = 0;
    if (!it->Valid() || !keys::parse_outbox_key(view(it->key()), &last_sink, &last) ||
        last_sink != sink) {
      return Error(Errc::kCorruption,
                   "outbox of sink '" + sink + "' in " + db_.path + " could not be read back");
    }
    SinkQueue& q = queues[sink];
    q.acked = std::max(q.acked, first > 0 ? first - 1 : 0);  // seqs start at 1
    q.next = last + 1;
    it->Seek(slice(keys::name_prefix_end(sink)));
  }
  if (!it->status().ok()) return rocks_error(it->status(), "reading the outbox in " + db_.path);

  for (auto& [sink, q] : queues) {
    q.next = std::max(q.next, q.acked + 1);
    q.reserved = q.next;
  }
  std::lock_guard lock(mu_);
  queues_ = std::move(queues);
  return ok_status();
}

Result<std::vector<OutboxEntry>> OutboxQueues::read(std::string_view sink, size_t max) const {
  std::vector<OutboxEntry> out;
  if (max == 0 || !valid_name(sink)) return out;
  uint64_t first = 1;
  {
    std::lock_guard lock(mu_);
    if (auto q = queues_.find(sink); q != queues_.end()) first = q->second.acked + 1;
  }
  // Starting after the acked mark skips the range-deleted keys instead of walking
  // over their tombstones.
  KeyRange it(db_.db.get(), db_.family(Family::kOutbox), keys::outbox_key(sink, first),
              keys::name_prefix_end(sink));
  for (; it.valid() && out.size() < max; it.next()) {
    std::string_view key_sink;
    uint64_t seq = 0;
    if (!keys::parse_outbox_key(it.key(), &key_sink, &seq)) {
      return Error(Errc::kCorruption,
                   keys::describe_key(Family::kOutbox, it.key()) + " is not an outbox key");
    }
    auto entry = decode_outbox_value(it.value());
    if (!entry) {
      // Entries before it are handed out first; once they are acked it is the oldest
      // and can be moved aside without reordering the queue.
      if (!out.empty() || db_.read_only) {
        if (out.empty()) {
          return std::move(entry).error().with_context(
              keys::describe_key(Family::kOutbox, it.key()));
        }
        break;
      }
      const std::string raw(it.value());
      if (auto q = quarantine(sink, seq, raw, entry.error().message); !q) {
        return std::move(q).error();
      }
      continue;
    }
    entry->seq = seq;
    out.push_back(std::move(entry).value());
  }
  if (!it.status().ok()) return rocks_error(it.status(), "reading the outbox in " + db_.path);
  return out;
}

Result<OutboxWindow> OutboxQueues::read_latest(std::string_view sink, size_t max,
                                               size_t look_ahead) const {
  OutboxWindow w;
  auto raw = read(sink, std::max(max, look_ahead));
  if (!raw) return std::move(raw).error();
  std::vector<OutboxEntry>& all = raw.value();
  // The index of the last entry of each incident in the window.
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) last[all[i].incident.id] = i;
  for (size_t i = 0; i < all.size() && w.entries.size() < max; ++i) {
    if (all[i].kind == IncidentChange::Kind::kUpdated && last[all[i].incident.id] > i) {
      w.superseded.push_back(all[i].seq);
      continue;
    }
    w.entries.push_back(std::move(all[i]));
  }
  return w;
}

Status OutboxQueues::quarantine(std::string_view sink, uint64_t seq, std::string_view raw,
                                std::string_view reason) const {
  std::lock_guard ack_lock(ack_mu_);
  {
    std::lock_guard lock(mu_);
    auto q = queues_.find(sink);
    if (q == queues_.end() || q->second.acked + 1 != seq) return ok_status();  // moved already
  }
  const std::string key = keys::outbox_key(sink, seq);
  const std::string why = "the stored entry does not decode: " + std::string(reason);
  rocksdb::WriteBatch batch;
  batch.Put(db_.family(Family::kDeadLetter), slice(key),
            slice(encode_raw_dead_letter(raw, why, now_us())));
  batch.Delete(db_.family(Family::kOutbox), slice(key));
  batch.Put(db_.family(Family::kMeta), slice(keys::outbox_acked_key(sink)), slice(keys::be64(seq)));
  AuditEntry a;
  a.seq = db_.next_audit_seq();
  a.time_us = now_us();
  a.actor = std::string(kSystemActor);
  a.action = "quarantine";
  a.detail = keys::describe_key(Family::kOutbox, key) + " moved to the dead letters: " + why;
  batch.Put(db_.family(Family::kAudit), slice(keys::audit_key(a.seq)), slice(encode_audit(a)));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const rocksdb::Status s = db_.db->Write(wo, &batch);
  if (!s.ok())
    return rocks_error(
        s, "moving " + keys::describe_key(Family::kOutbox, key) + " to the dead letters");
  spdlog::error(
      "store: {} does not decode ({}); moved to the dead letters with its bytes, "
      "the queue goes on",
      keys::describe_key(Family::kOutbox, key), reason);
  db_.counters.quarantined.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  auto q = queues_.find(sink);
  if (q != queues_.end()) q->second.acked = std::max(q->second.acked, seq);
  return ok_status();
}

Status OutboxQueues::ack(std::string_view sink, uint64_t up_to_seq) {
  if (auto s = db_.check_writable(); !s) return s;
  std::lock_guard ack_lock(ack_mu_);
  uint64_t acked = 0;
  uint64_t reserved = 1;
  {
    std::lock_guard lock(mu_);
    if (auto q = queues_.find(sink); q != queues_.end()) {
      acked = q->second.acked;
      reserved = q->second.reserved;
    }
  }
  if (up_to_seq <= acked) return ok_status();
  if (up_to_seq >= reserved) {
    return Error(Errc::kInvalidArgument, "ack outbox: sink '" + std::string(sink) +
                                             "' has no entry " + std::to_string(up_to_seq) +
                                             " (the last one enqueued is " +
                                             std::to_string(reserved - 1) + ")");
  }
  rocksdb::WriteBatch batch;
  batch.DeleteRange(db_.family(Family::kOutbox), slice(keys::outbox_key(sink, acked + 1)),
                    slice(keys::outbox_key(sink, up_to_seq + 1)));
  batch.Put(db_.family(Family::kMeta), slice(keys::outbox_acked_key(sink)),
            slice(keys::be64(up_to_seq)));
  rocksdb::WriteOptions wo;
  wo.sync = false;  // a lost ack only means delivering again (see the header)
  const rocksdb::Status s = db_.db->Write(wo, &batch);
  if (!s.ok()) return rocks_error(s, "ack outbox of sink '" + std::string(sink) + "'");
  std::lock_guard lock(mu_);
  SinkQueue& q = queues_.find(sink)->second;
  q.acked = std::max(q.acked, up_to_seq);
  return ok_status();
}

uint64_t OutboxQueues::size(std::string_view sink) const {
  std::lock_guard lock(mu_);
  auto q = queues_.find(sink);
  return q == queues_.end() ? 0 : queued(q->second.acked, q->second.next);
}

Status OutboxQueues::dead_letter(std::string_view sink, const OutboxEntry& entry,
                                 std::string_view reason) {
  if (auto s = db_.check_writable(); !s) return s;
  std::lock_guard ack_lock(ack_mu_);
  uint64_t acked = 0;
  {
    std::lock_guard lock(mu_);
    if (auto q = queues_.find(sink); q != queues_.end()) acked = q->second.acked;
  }
  if (entry.seq != acked + 1) {
    return Error(Errc::kInvalidArgument, "dead letter: only the oldest queued entry of sink '" +
                                             std::string(sink) + "' can be moved (seq " +
                                             std::to_string(acked + 1) + ", not " +
                                             std::to_string(entry.seq) + ")");
  }
  const std::string key = keys::outbox_key(sink, entry.seq);
  std::string value;
  const rocksdb::Status gs =
      db_.db->Get(rocksdb::ReadOptions(), db_.family(Family::kOutbox), slice(key), &value);
  if (gs.IsNotFound()) {
    return Error(Errc::kNotFound,
                 "dead letter: " + keys::describe_key(Family::kOutbox, key) + " is not queued");
  }
  if (!gs.ok()) return rocks_error(gs, "dead letter: " + keys::describe_key(Family::kOutbox, key));

  // The stored bytes are moved as they are, whatever the caller's copy says.
  rocksdb::WriteBatch batch;
  batch.Put(db_.family(Family::kDeadLetter), slice(key),
            slice(encode_dead_letter(value, reason, now_us())));
  batch.Delete(db_.family(Family::kOutbox), slice(key));
  batch.Put(db_.family(Family::kMeta), slice(keys::outbox_acked_key(sink)),
            slice(keys::be64(entry.seq)));
  rocksdb::WriteOptions wo;
  wo.sync = db_.options.sync;
  const rocksdb::Status s = db_.db->Write(wo, &batch);
  if (!s.ok()) return rocks_error(s, "dead letter: " + keys::describe_key(Family::kOutbox, key));
  std::lock_guard lock(mu_);
  SinkQueue& q = queues_.find(sink)->second;
  q.acked = std::max(q.acked, entry.seq);
  return ok_status();
}

Result<std::vector<DeadLetter>> OutboxQueues::dead_letters(std::string_view sink,
                                                           size_t max) const {
  std::vector<DeadLetter> out;
  if (max == 0 || !valid_name(sink)) return out;
  KeyRange it(db_.db.get(), db_.family(Family::kDeadLetter), keys::name_prefix(sink),
              keys::name_prefix_end(sink));
  for (; it.valid() && out.size() < max; it.next()) {
    std::string_view key_sink;
    uint64_t seq = 0;
    if (!keys::parse_outbox_key(it.key(), &key_sink, &seq)) {
      return Error(Errc::kCorruption,
                   keys::describe_key(Family::kDeadLetter, it.key()) + " is not a dead letter key");
    }
    auto d = decode_dead_letter(it.value());
    if (!d) {
      return std::move(d).error().with_context(keys::describe_key(Family::kDeadLetter, it.key()));
    }
    d->entry.seq = seq;
    out.push_back(std::move(d).value());
  }
  if (!it.status().ok()) return rocks_error(it.status(), "reading dead letters in " + db_.path);
  return out;
}

uint64_t OutboxQueues::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

bool OutboxQueues::wait(uint64_t seen_generation, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return generation_ != seen_generation; });
}

void OutboxQueues::wake_waiters() {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

std::map<std::string, uint64_t> OutboxQueues::sizes() const {
  std::map<std::string, uint64_t> out;
  std::lock_guard lock(mu_);
  for (const auto& [sink, q] : queues_) out[sink] = queued(q.acked, q.next);
  return out;
}

std::map<std::string, OutboxQueues::SinkQueue, std::less<>> OutboxQueues::snapshot() const {
  std::lock_guard lock(mu_);
  return queues_;
}

std::vector<uint64_t> OutboxQueues::reserve(std::span<const std::string> sinks, size_t count) {
  std::vector<uint64_t> first(sinks.size());
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < sinks.size(); ++i) {
    SinkQueue& q = queues_.try_emplace(sinks[i]).first->second;
    first[i] = q.next;
    q.reserved = q.next + count;
  }
  return first;
}

void OutboxQueues::publish(std::span<const std::string> sinks, std::span<const uint64_t> next_seq,
                           bool written) {
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < sinks.size(); ++i) {
      SinkQueue& q = queues_.find(sinks[i])->second;
      if (written) q.next = next_seq[i];
      q.reserved = q.next;
    }
    if (written) ++generation_;
  }
  if (written) cv_.notify_all();
}

}  // namespace wardsoc
