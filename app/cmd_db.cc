// `wardsoc db stats|backup|restore|verify`: looking after the data directory. Like
// `wardsoc incidents`, the commands go through the running wardsoc's API when it holds
// the directory (backup and verify then run inside it), and open the store otherwise.
// Restore needs the directory free: it replaces it.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/api/cli_access.h"
#include "app/api/incident_json.h"
#include "app/commands.h"
#include "core/time.h"
#include "store/maintenance.h"
#include "store/store.h"
#include "store/store_stats.h"

namespace wardsoc {

using nlohmann::json;

namespace {

int fail(const char* cmd, const Error& e) {
  std::fprintf(stderr, "wardsoc db %s: %s\n", cmd, e.message.c_str());
  return e.code == Errc::kInvalidArgument || e.code == Errc::kNotFound ? kExitUsage : kExitFailure;
}

std::string bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

int cmd_db_stats(const DbOptions& opts) {
  auto t = resolve_target(opts.where);
  if (!t) return fail("stats", t.error());
  json st;
  bool direct = !t->holder;
  if (t->holder) {
    auto body = call_api(*t, "GET", "/api/v1/db/stats");
    if (!body && body.error().code == Errc::kUnavailable) {
      std::fprintf(stderr, "note: %s; reading the store directly instead\n",
                   body.error().message.c_str());
      direct = true;
    } else if (!body) {
      return fail("stats", body.error());
    } else {
      st = json::parse(*body);
    }
  }
  if (direct) {
    auto store = Store::OpenReadOnly(t->db_path);
    if (!store) return fail("stats", store.error());
    auto s = (*store)->stats().scan();
    if (!s) return fail("stats", s.error());
    st = store_stats_to_json(*s);
    st["path"] = t->db_path;
  }
  if (opts.json) {
    std::printf("%s\n", dump_json(st, 2).c_str());
    return kExitOk;
  }
  std::printf("store          %s (schema %d)%s\n", st.value("path", "").c_str(),
              st.value("schema_version", 0),
              t->holder ? (" — in use by wardsoc pid " + std::to_string(*t->holder)).c_str() : "");
  std::printf("disk           %s\n", bytes(st.value("disk_bytes", uint64_t{0})).c_str());
  std::printf("incidents      %llu",
              static_cast<unsigned long long>(st.value("incidents", uint64_t{0})));
  for (const auto& [status, n] : st["incidents_by_status"].items()) {
    std::printf("  %s %llu", status.c_str(), static_cast<unsigned long long>(n.get<uint64_t>()));
  }
  std::printf("\n");
  if (st["oldest_last_seen"].is_string()) {
    std::printf("last seen      %s .. %s\n", st["oldest_last_seen"].get<std::string>().c_str(),
                st["newest_last_seen"].get<std::string>().c_str());
  }
  std::printf("evidence       %llu lines\n",
              static_cast<unsigned long long>(st.value("evidence", uint64_t{0})));
  std::printf("history        %llu entries, audit log %llu entries\n",
              static_cast<unsigned long long>(st.value("history", uint64_t{0})),
              static_cast<unsigned long long>(st.value("audit", uint64_t{0})));
  for (const auto& [sink, n] : st["outbox"].items()) {
    std::printf("outbox         %-16s %llu waiting\n", sink.c_str(),
                static_cast<unsigned long long>(n.get<uint64_t>()));
  }
  for (const auto& [sink, n] : st["dead_letters"].items()) {
    std::printf("dead letters   %-16s %llu\n", sink.c_str(),
                static_cast<unsigned long long>(n.get<uint64_t>()));
  }
  std::printf("per family    ");
  for (const auto& [fam, n] : st["family_bytes"].items()) {
    std::printf(" %s=%s", fam.c_str(), bytes(n.get<uint64_t>()).c_str());
  }
  std::printf("\n");
  return kExitOk;
}

int cmd_db_backup(const DbOptions& opts) {
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(opts.dir, ec).lexically_normal().string();
  auto t = resolve_target(opts.where);
  if (!t) return fail("backup", t.error());
  if (Status in = check_backup_outside(dir, t->data_dir, "data directory"); !in.ok()) {
    return fail("backup", in.error());
  }
  json info;
  if (t->holder) {
    json body{{"dir", dir}, {"keep", opts.keep}, {"actor", default_actor()}};
    auto reply = call_api(*t, "POST", "/api/v1/db/backup", dump_json(body));
    if (!reply) return fail("backup", reply.error());
    info = json::parse(*reply);
  } else {
    StoreOptions so;
    so.path = t->db_path;
    auto store = Store::Open(so);
    if (!store) return fail("backup", store.error());
    auto b = (*store)->maintenance().backup(dir, default_actor(), opts.keep);
    if (!b) return fail("backup", b.error());
    info = json{{"id", b->id},
                {"time", format_rfc3339_utc(b->time_us)},
                {"size_bytes", b->size_bytes},
                {"files", b->files},
                {"dir", dir}};
  }
  if (opts.json) {
    std::printf("%s\n", dump_json(info).c_str());
  } else {
    std::printf(
        "backup %u written to %s (%s in %u files; files already in earlier backups are "
        "shared, not copied again)\nrestore it with: wardsoc db restore %s --id %u\n",
        info.value("id", 0u), dir.c_str(), bytes(info.value("size_bytes", uint64_t{0})).c_str(),
        info.value("files", 0u), dir.c_str(), info.value("id", 0u));
  }
  return kExitOk;
}

int cmd_db_restore(const DbOptions& opts) {
  auto t = resolve_target(opts.where, /*must_exist=*/false);
  if (!t) return fail("restore", t.error());
  if (t->holder) {
    return fail("restore", Error(Errc::kBusy, "wardsoc (pid " + std::to_string(*t->holder) +
                                                  ") is running on " + t->db_path +
                                                  ": stop it before restoring"));
  }
  auto r = Maintenance::restore(opts.dir, t->db_path, opts.id);
  if (!r) return fail("restore", r.error());
  {
    StoreOptions so;
    so.path = t->db_path;
    auto store = Store::Open(so);
    if (store) {
      (void)(*store)->append_audit(default_actor(), "restore",
                                   "restored backup " + std::to_string(r->id) + " of " +
                                       format_rfc3339_utc(r->time_us) + " from " + opts.dir);
    }
  }
  std::printf("restored backup %u (%s) from %s into %s\n", r->id,
              format_rfc3339_utc(r->time_us).c_str(), opts.dir.c_str(), t->db_path.c_str());
  return kExitOk;
}

int cmd_db_verify(const DbOptions& opts) {
  auto t = resolve_target(opts.where);
  if (!t) return fail("verify", t.error());
  json report;
  if (t->holder) {
    auto reply =
        call_api(*t, "POST", "/api/v1/db/verify", dump_json(json{{"repair", opts.repair}}));
    if (!reply) return fail("verify", reply.error());
    report = json::parse(*reply);
  } else {
    Result<std::unique_ptr<Store>> store = Error(Errc::kInternal, "");
    if (opts.repair) {
      StoreOptions so;
      so.path = t->db_path;
      store = Store::Open(so);
    } else {
      store = Store::OpenReadOnly(t->db_path);
    }
    if (!store) return fail("verify", store.error());
    auto r = (*store)->maintenance().verify(opts.repair);
    if (!r) return fail("verify", r.error());
    report = verify_report_to_json(*r);
  }
  if (opts.json) {
    std::printf("%s\n", dump_json(report, 2).c_str());
  } else {
    const json& c = report["checked"];
    std::printf(
        "checked: block checksums, %llu incidents, %llu index entries, %llu evidence "
        "lines, %llu history entries, %llu outbox entries, %llu dead letters, %llu audit "
        "entries\n",
        static_cast<unsigned long long>(c.value("incidents", uint64_t{0})),
        static_cast<unsigned long long>(c.value("index_entries", uint64_t{0})),
        static_cast<unsigned long long>(c.value("evidence", uint64_t{0})),
        static_cast<unsigned long long>(c.value("history", uint64_t{0})),
        static_cast<unsigned long long>(c.value("outbox", uint64_t{0})),
        static_cast<unsigned long long>(c.value("dead_letters", uint64_t{0})),
        static_cast<unsigned long long>(c.value("audit", uint64_t{0})));
    for (const auto& l : report["listed"]) std::printf("  %s\n", l.get<std::string>().c_str());
    const uint64_t problems = report.value("problems", uint64_t{0});
    const uint64_t repaired = report.value("repaired", uint64_t{0});
    if (problems == 0) {
      std::printf("ok: no problems found\n");
    } else if (repaired == problems) {
      std::printf("%llu problem(s) found, all repaired\n",
                  static_cast<unsigned long long>(problems));
    } else {
      std::printf("%llu problem(s) found, %llu repaired%s\n",
                  static_cast<unsigned long long>(problems),
                  static_cast<unsigned long long>(repaired),
                  opts.repair ? "; the rest need a backup (wardsoc db restore)"
                              : "; run `wardsoc db verify --repair` to fix what can be fixed");
    }
  }
  const bool ok = report.value("problems", uint64_t{0}) == report.value("repaired", uint64_t{0});
  return ok ? kExitOk : kExitFailure;
}

}  // namespace wardsoc
