// Sink health records: what each sink's forwarder last said about its link to the city
// SOC (delivering, failing since when and why, how full its outbox is), so that
// `wardsoc sinks status` can show it from a read-only store while `wardsoc run` holds
// the directory. The value is opaque here; connectors/forwarder.cc writes JSON.
//
// Key layout (family meta):  "sink_health" \0 sink  ->  the record
// Written without fsync: a record lost to a crash is only an older status.
//
// Also here: counting a sink's dead letters without decoding them, for the same command.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include "store/keys.h"
#include "store/outbox_queue.h"
#include "store/store_internal.h"

namespace wardsoc {

namespace {
std::string sink_health_key(std::string_view sink) {
  std::string k(keys::kSinkHealthPrefix);
  k.append(sink);
  return k;
}
}  // namespace

Status OutboxQueues::put_health(std::string_view sink, std::string_view value) {
  if (auto s = db_.check_writable(); !s) return s;
  if (sink.empty() || sink.find('\0') != std::string_view::npos) {
    return Error(Errc::kInvalidArgument, "sink health: invalid sink name");
  }
  rocksdb::WriteOptions wo;
  wo.sync = false;
  const std::string key = sink_health_key(sink);
  const rocksdb::Status s =
      db_.db->Put(wo, db_.family(keys::Family::kMeta), rocksdb::Slice(key.data(), key.size()),
                  rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) {
    return Error(Errc::kIo,
                 "writing the health of sink '" + std::string(sink) + "': " + s.ToString());
  }
  return ok_status();
}

Result<std::map<std::string, std::string>> OutboxQueues::health() const {
  std::map<std::string, std::string> out;
  if (db_.family(keys::Family::kMeta) == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(keys::Family::kMeta)));
  const rocksdb::Slice prefix(keys::kSinkHealthPrefix.data(), keys::kSinkHealthPrefix.size());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string sink(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    out.emplace(std::move(sink), it->value().ToString());
  }
  if (!it->status().ok()) {
    return Error(Errc::kIo, "reading sink health records: " + it->status().ToString());
  }
  return out;
}

Result<uint64_t> OutboxQueues::dead_letter_count(std::string_view sink) const {
  if (sink.empty() || sink.find('\0') != std::string_view::npos) return uint64_t{0};
  store_detail::KeyRange r(db_.db.get(), db_.family(keys::Family::kDeadLetter),
                           keys::name_prefix(sink), keys::name_prefix_end(sink));
  uint64_t n = 0;
  for (; r.valid(); r.next()) ++n;
  if (!r.status().ok()) {
    return Error(Errc::kIo, "counting the dead letters of sink '" + std::string(sink) +
                                "': " + r.status().ToString());
  }
  return n;
}

}  // namespace wardsoc
