// Keeping the data directory healthy (maintenance.h): retention, verify (and repair),
// backup and restore.
#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/time.h"
#include "store/incident_codec.h"
#include "store/incident_index.h"
#include "store/maintenance.h"
#include "store/outbox_queue.h"
#include "store/recent_incidents.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace wardsoc {

using keys::Dim;
using keys::Family;
using namespace store_detail;
namespace fs = std::filesystem;

namespace {

std::string backup_error(const rocksdb::Status& s, const std::string& what) {
  return what + ": " + s.ToString();
}

// The file system backups are written and read through: the store's own.
rocksdb::Env* env_of(const StoreOptions& options) {
  return options.env ? options.env.get() : rocksdb::Env::Default();
}

}  // namespace

Result<RetentionReport> Maintenance::apply_retention(int64_t now, int64_t retention_us) {
  if (auto s = db_.check_writable(); !s) return std::move(s).error();
  RetentionReport report;
  if (retention_us <= 0) return report;
  report.cutoff_us = now - retention_us;
  // Walk idx_time from the cutoff towards older entries, in chunks so that commits are
  // held off only briefly; each chunk resumes after the last position it looked at.
  std::string resume = keys::time_index_prefix(report.cutoff_us - 1);
  constexpr size_t kChunk = 256;
  for (bool more = true; more;) {
    std::lock_guard commit_lock(db_.commit_mu);
    rocksdb::WriteBatch batch;
    size_t looked = 0;
    uint64_t removed = 0;
    {
      std::unique_ptr<rocksdb::Iterator> it(
          db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(Family::kIdxTime)));
      for (it->Seek(slice(resume)); it->Valid() && looked < kChunk; it->Next(), ++looked) {
        const std::string_view position = view(it->key());
        resume.assign(position);
        resume.push_back('\0');
        IndexSummary summary;
        int64_t t = 0;
        std::string_view id;
        if (!keys::parse_time_index_key(position, &t, &id) ||
            !parse_summary(view(it->value()), &summary)) {
          continue;  // verify reports it
        }
        if (!is_terminal(summary.status)) {
          ++report.kept_open;
          continue;
        }
        db_.recent->erase(id);
        batch.Delete(db_.family(Family::kIncidents), slice(id));
        batch.Delete(db_.family(Family::kIdxTime), slice(position));
        for (const auto& k : secondary_index_keys(summary, position)) {
          batch.Delete(db_.family(Family::kIdx), slice(k));
        }
        for (Family f : {Family::kEvidence, Family::kHistory}) {
          KeyRange e(db_.db.get(), db_.family(f), keys::name_prefix(id), keys::name_prefix_end(id));
          for (; e.valid(); e.next()) batch.Delete(db_.family(f), e.raw_key());
          if (!e.status().ok()) return rocks_error(e.status(), "retention in " + db_.path);
        }
        ++removed;
      }
      if (!it->status().ok()) return rocks_error(it->status(), "retention in " + db_.path);
      more = it->Valid();
    }
    if (removed > 0) {
      if (auto s = db_.write_synced(&batch, "retention"); !s) return std::move(s).error();
      report.removed += removed;
      db_.counters.retention_removed.fetch_add(removed, std::memory_order_relaxed);
    }
  }
  if (report.removed > 0) {
    const std::string detail = "removed " + std::to_string(report.removed) +
                               " closed incident(s) last seen before " +
                               format_rfc3339_utc(report.cutoff_us) + "; kept " +
                               std::to_string(report.kept_open) + " older open one(s)";
    spdlog::info("store: retention {}", detail);
    if (auto s = db_.append_audit(kSystemActor, "retention", detail); !s) {
      return std::move(s).error();
    }
  }
  return report;
}

Result<VerifyReport> Maintenance::verify(bool repair) {
  if (repair) {
    if (auto s = db_.check_writable(); !s) return std::move(s).error();
  }
  VerifyReport r;
  std::unique_lock<std::mutex> commit_lock(db_.commit_mu, std::defer_lock);
  if (repair) commit_lock.lock();

  rocksdb::WriteBatch fixes;
  auto problem = [&](std::string what, bool fixed) {
    ++r.problems;
    if (fixed) ++r.repaired;
    if (r.listed.size() < kMaxListedProblems) {
      r.listed.push_back(std::move(what) + (fixed ? " (repaired)" : ""));
    }
  };
  auto flush = [&]() -> Status {
    if (fixes.Count() == 0) return ok_status();
    auto s = db_.write_synced(&fixes, "repair");
    fixes.Clear();
    return s;
  };

  if (const rocksdb::Status cs = db_.db->VerifyChecksum(); !cs.ok()) {
    r.checksums_ok = false;
    r.checksum_error = cs.ToString();
    problem("block checksums: " + cs.ToString(), false);
  }

  rocksdb::ManagedSnapshot snapshot(db_.db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();
  ro.fill_cache = false;
  std::string value;

  // The incident an index, evidence or history key points at, decoded (cached for
  // runs of keys of one incident).
  std::string cached_id;
  std::optional<Incident> cached;
  bool cached_exists = false;
  auto incident = [&](std::string_view id) -> const std::optional<Incident>& {
    if (id != cached_id) {
      cached_id.assign(id);
      cached.reset();
      cached_exists = false;
      if (db_.db->Get(ro, db_.family(Family::kIncidents), slice(id), &value).ok()) {
        cached_exists = true;
        if (auto in = decode_incident(value)) cached = std::move(in).value();
      }
    }
    return cached;
  };

  // 1. Incidents decode and have every index entry they should.
  {
    auto it = full_scan(db_.db.get(), db_.family(Family::kIncidents), ro.snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++r.incidents;
      const std::string_view id = view(it->key());
      auto in = decode_incident(view(it->value()));
      if (!in) {
        problem(keys::describe_key(Family::kIncidents, id) + ": " + in.error().message, false);
        continue;
      }
      const std::string summary = encode_summary(*in);
      const std::string position = index_position(*in);
      auto check = [&](Family f, const std::string& key) {
        std::string got;
        const rocksdb::Status s = db_.db->Get(ro, db_.family(f), slice(key), &got);
        if (s.ok() && got == summary) return;
        problem(keys::describe_key(f, key) + ": index entry of incident " + std::string(id) +
                    (s.ok() ? " is out of date" : " is missing"),
                repair);
        if (repair) fixes.Put(db_.family(f), slice(key), slice(summary));
      };
      check(Family::kIdxTime, position);
      for (const auto& k : secondary_index_keys(*in)) check(Family::kIdx, k);
    }
    if (!it->status().ok()) return rocks_error(it->status(), "verify " + db_.path);
  }

  // 2. Every index entry points at an incident that has exactly this entry.
  for (Family f : {Family::kIdxTime, Family::kIdx}) {
    auto it = full_scan(db_.db.get(), db_.family(f), ro.snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++r.index_entries;
      const std::string_view key = view(it->key());
      std::string_view position = key;
      if (f == Family::kIdx) {
        Dim dim;
        std::string_view dim_value;
        if (!keys::parse_index_key(key, &dim, &dim_value, &position)) position = {};
      }
      int64_t t = 0;
      std::string_view id;
      IndexSummary summary;
      if (position.empty() || !keys::parse_time_index_key(position, &t, &id) ||
          !parse_summary(view(it->value()), &summary)) {
        problem(keys::describe_key(f, key) + ": not an index entry", repair);
        if (repair) fixes.Delete(db_.family(f), slice(key));
        continue;
      }
      const auto& in = incident(id);
      bool belongs = false;
      if (in) {
        if (f == Family::kIdxTime) {
          belongs = index_position(*in) == key;
        } else {
          const auto expected = secondary_index_keys(*in);
          belongs = std::find(expected.begin(), expected.end(), key) != expected.end();
        }
      }
      if (!belongs) {
        problem(keys::describe_key(f, key) +
                    (cached_exists ? ": stale entry of incident " : ": points at no incident ") +
                    std::string(id),
                repair);
        if (repair) fixes.Delete(db_.family(f), slice(key));
      }
    }
    if (!it->status().ok()) return rocks_error(it->status(), "verify " + db_.path);
  }

  // 3. Evidence and history belong to an incident and decode.
  for (Family f : {Family::kEvidence, Family::kHistory}) {
    auto it = full_scan(db_.db.get(), db_.family(f), ro.snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = view(it->key());
      (f == Family::kEvidence ? r.evidence : r.history)++;
      std::string_view id;
      uint32_t seq = 0;
      if (!keys::parse_evidence_key(key, &id, &seq)) {
        problem(keys::describe_key(f, key) + ": not a key of this family", repair);
        if (repair) fixes.Delete(db_.family(f), slice(key));
        continue;
      }
      incident(id);
      if (!cached_exists) {
        problem(keys::describe_key(f, key) + ": belongs to no incident", repair);
        if (repair) fixes.Delete(db_.family(f), slice(key));
        continue;
      }
      const bool ok = f == Family::kEvidence ? decode_evidence(view(it->value())).ok()
                                             : decode_history(view(it->value())).ok();
      if (!ok) problem(keys::describe_key(f, key) + ": value does not decode", false);
    }
    if (!it->status().ok()) return rocks_error(it->status(), "verify " + db_.path);
  }

  // 4. Outbox entries decode and lie in their queue; dead letters decode.
  {
    const auto queues = outbox_.snapshot();
    auto it = full_scan(db_.db.get(), db_.family(Family::kOutbox), ro.snapshot);
    std::vector<std::tuple<std::string, uint64_t, std::string, std::string>> to_quarantine;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++r.outbox;
      const std::string_view key = view(it->key());
      std::string_view sink;
      uint64_t seq = 0;
      if (!keys::parse_outbox_key(key, &sink, &seq)) {
        problem(keys::describe_key(Family::kOutbox, key) + ": not an outbox key", repair);
        if (repair) fixes.Delete(db_.family(Family::kOutbox), slice(key));
        continue;
      }
      auto q = queues.find(sink);
      if (q != queues.end() && seq <= q->second.acked) {
        problem(keys::describe_key(Family::kOutbox, key) + ": already acked (seq <= " +
                    std::to_string(q->second.acked) + ") but still stored",
                repair);
        if (repair) fixes.Delete(db_.family(Family::kOutbox), slice(key));
        continue;
      }
      auto e = decode_outbox_value(view(it->value()));
      if (!e) {
        const bool oldest = q != queues.end() && seq == q->second.acked + 1;
        problem(keys::describe_key(Family::kOutbox, key) + ": " + e.error().message +
                    (repair && oldest ? " (moved to the dead letters with its bytes)"
                                      : "; it is moved to the dead letters with its bytes "
                                        "when its sink reaches it"),
                repair && oldest);
        if (repair && oldest) {
          to_quarantine.emplace_back(std::string(sink), seq, std::string(view(it->value())),
                                     e.error().message);
        }
      }
    }
    if (!it->status().ok()) return rocks_error(it->status(), "verify " + db_.path);
    auto dl = full_scan(db_.db.get(), db_.family(Family::kDeadLetter), ro.snapshot);
    for (dl->SeekToFirst(); dl->Valid(); dl->Next()) {
      ++r.dead_letters;
      if (!decode_dead_letter(view(dl->value())).ok()) {
        problem(
            keys::describe_key(Family::kDeadLetter, view(dl->key())) + ": value does not decode",
            false);
      }
    }
    if (!dl->status().ok()) return rocks_error(dl->status(), "verify " + db_.path);
    if (auto s = flush(); !s) return std::move(s).error();
    for (const auto& [sink, seq, raw, why] : to_quarantine) {
      if (auto s = outbox_.quarantine(sink, seq, raw, why); !s) return std::move(s).error();
    }
  }

  // 5. Small families: checkpoints, counts, audit, titles, meta.
  {
    auto it = full_scan(db_.db.get(), db_.family(Family::kCheckpoints), ro.snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() != 8) {
        problem(keys::describe_key(Family::kCheckpoints, view(it->key())) +
                    ": position is not a u64 (the input starts that stream over)",
                repair);
        if (repair) fixes.Delete(db_.family(Family::kCheckpoints), it->key());
      }
    }
    auto c = full_scan(db_.db.get(), db_.family(Family::kCounts), ro.snapshot);
    for (c->SeekToFirst(); c->Valid(); c->Next()) {
      Dim d;
      int64_t h = 0;
      std::string_view n;
      uint64_t v = 0;
      if (!keys::parse_counts_key(view(c->key()), &d, &h, &n) ||
          !parse_le64(view(c->value()), &v)) {
        problem(keys::describe_key(Family::kCounts, view(c->key())) + ": not a count", false);
      }
    }
    if (!c->status().ok()) {
      problem("counts: " + c->status().ToString(), false);
    }
    auto a = full_scan(db_.db.get(), db_.family(Family::kAudit), ro.snapshot);
    for (a->SeekToFirst(); a->Valid(); a->Next()) {
      ++r.audit;
      if (a->key().size() != 8 || !decode_audit(view(a->value())).ok()) {
        problem(keys::describe_key(Family::kAudit, view(a->key())) + ": does not decode", false);
      }
    }
    std::string version;
    if (!db_.db->Get(ro, db_.family(Family::kMeta), slice(keys::kSchemaVersionKey), &version)
             .ok() ||
        version != std::to_string(keys::kSchemaVersion)) {
      problem("meta/schema_version: '" + version + "', expected " +
                  std::to_string(keys::kSchemaVersion),
              false);
    }
  }
  if (auto s = flush(); !s) return std::move(s).error();
  if (repair && r.repaired > 0) {
    commit_lock.unlock();
    (void)db_.append_audit(kSystemActor, "repair",
                           "verify repaired " + std::to_string(r.repaired) + " of " +
                               std::to_string(r.problems) + " problem(s)");
  }
  return r;
}

Status check_backup_outside(const std::string& backup_dir, const std::string& dir,
                            std::string_view what) {
  // "/srv/var/" and "/srv/var" alike: no trailing empty component.
  auto resolved = [](const std::string& p, std::error_code& ec) {
    fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec).lexically_normal();
    if (r.has_relative_path() && r.filename().empty()) r = r.parent_path();
    return r;
  };
  std::error_code ec;
  const fs::path target = resolved(backup_dir, ec);
  if (ec) {
    return Error(Errc::kInvalidArgument,
                 "backup: cannot resolve the path " + backup_dir + ": " + ec.message());
  }
  const fs::path inside = resolved(dir, ec);
  if (ec) return Error(Errc::kIo, "backup: cannot resolve the path " + dir + ": " + ec.message());
  // Component by component: /srv/var-old is not inside /srv/var.
  auto t = target.begin();
  for (auto d = inside.begin(); d != inside.end(); ++d, ++t) {
    if (t == target.end() || *t != *d) return ok_status();
  }
  const bool same = t == target.end();
  return Error(
      Errc::kInvalidArgument,
      "backup: " + backup_dir +
          (same ? " is the " + std::string(what) + " itself"
                : " is inside the " + std::string(what) + " " + dir) +
          (target.string() != backup_dir ? " (it resolves to " + target.string() + ")" : "") +
          "; a backup must live elsewhere, e.g. on another disk, so that it outlives "
          "the " +
          std::string(what));
}

Result<BackupInfo> Maintenance::backup(const std::string& backup_dir, std::string_view actor,
                                       uint32_t keep) {
  if (backup_dir.empty()) return Error(Errc::kInvalidArgument, "backup: no backup directory given");
  if (Status in = check_backup_outside(backup_dir, db_.path, "data directory"); !in.ok()) {
    return std::move(in).error();
  }
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) {
    return Error(Errc::kIo, "backup: cannot create " + backup_dir + ": " + ec.message());
  }
  rocksdb::BackupEngineOptions beo(backup_dir);
  beo.sync = true;
  beo.share_table_files = true;
  beo.share_files_with_checksum = true;
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(beo, env_of(db_.options), &raw);
  if (!s.ok()) return rocks_error(s, "backup: cannot open backup directory " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions cbo;
  cbo.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  s = engine->CreateNewBackup(cbo, db_.db.get(), &id);
  if (!s.ok()) return rocks_error(s, "backup of " + db_.path + " to " + backup_dir);
  if (keep > 0) {
    s = engine->PurgeOldBackups(keep);
    if (!s.ok()) return rocks_error(s, "backup: purging old backups in " + backup_dir);
  }
  rocksdb::BackupInfo info;
  if (auto gs = engine->GetBackupInfo(id, &info); !gs.ok()) {
    return rocks_error(gs, "backup: reading back backup " + std::to_string(id));
  }
  BackupInfo out{id, info.timestamp * 1'000'000, info.size, info.number_files};
  if (!db_.read_only) {
    (void)db_.append_audit(actor, "backup",
                           "backup " + std::to_string(id) + " to " + backup_dir + " (" +
                               std::to_string(info.size) + " bytes, " +
                               std::to_string(info.number_files) + " files)");
  }
  return out;
}

Result<std::vector<BackupInfo>> Maintenance::list_backups(const std::string& backup_dir,
                                                          const StoreOptions& options) {
  if (!fs::is_directory(backup_dir)) {
    return Error(Errc::kNotFound, "no backup directory at " + backup_dir);
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  const rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(backup_dir), env_of(options), &raw);
  if (!s.ok()) return rocks_error(s, "cannot read backups in " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupInfo> out;
  for (const auto& i : infos) {
    out.push_back(BackupInfo{i.backup_id, i.timestamp * 1'000'000, i.size, i.number_files});
  }
  return out;
}

Result<BackupInfo> Maintenance::restore(const std::string& backup_dir, const std::string& path,
                                        uint32_t id, const StoreOptions& options) {
  if (auto holder = Store::lock_holder(path)) {
    return Error(Errc::kBusy, "restore: data directory " + path +
                                  " is in use by a wardsoc process" +
                                  (*holder > 0 ? " (pid " + std::to_string(*holder) + ")" : "") +
                                  "; stop it before restoring");
  }
  auto backups = list_backups(backup_dir, options);
  if (!backups) return std::move(backups).error();
  if (backups->empty()) return Error(Errc::kNotFound, "restore: no backups in " + backup_dir);
  const BackupInfo* chosen = &backups->back();
  if (id != 0) {
    chosen = nullptr;
    for (const auto& b : *backups) {
      if (b.id == id) chosen = &b;
    }
    if (chosen == nullptr) {
      return Error(Errc::kNotFound, "restore: no backup " + std::to_string(id) + " in " +
                                        backup_dir + " (there are " +
                                        std::to_string(backups->size()) + ")");
    }
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(backup_dir), env_of(options), &raw);
  if (!s.ok()) return rocks_error(s, "restore: cannot read backups in " + backup_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  s = engine->VerifyBackup(chosen->id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    return Error(Errc::kCorruption,
                 backup_error(s, "restore: backup " + std::to_string(chosen->id) + " in " +
                                     backup_dir + " is damaged"));
  }
  const std::string staging = path + ".restoring";
  std::error_code ec;
  fs::remove_all(staging, ec);
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->id, staging, staging);
  if (!s.ok()) {
    fs::remove_all(staging, ec);
    return rocks_error(s, "restore: backup " + std::to_string(chosen->id) + " into " + staging);
  }
  {
    // Opening checks the schema (a newer one is refused, an older one upgraded).
    StoreOptions o;
    o.path = staging;
    o.env = options.env;
    auto st = Store::Open(o);
    if (!st) {
      fs::remove_all(staging, ec);
      return std::move(st).error().with_context("restore: the restored data is not usable");
    }
  }
  if (fs::exists(path)) {
    std::string stamp = format_rfc3339_utc(now_us()).substr(0, 19);
    for (char& c : stamp) {
      if (c == ':') c = '-';
    }
    std::string aside = path + ".before-restore-" + stamp;
    for (int n = 2; fs::exists(aside); ++n) {
      aside = path + ".before-restore-" + stamp + "-" + std::to_string(n);
    }
    fs::rename(path, aside, ec);
    if (ec) {
      return Error(Errc::kIo, "restore: cannot move the current " + path + " aside to " + aside +
                                  ": " + ec.message());
    }
    spdlog::info("store: the data directory before the restore is kept at {}", aside);
  }
  fs::rename(staging, path, ec);
  if (ec) {
    return Error(Errc::kIo,
                 "restore: cannot move " + staging + " to " + path + ": " + ec.message());
  }
  return *chosen;
}

}  // namespace wardsoc
