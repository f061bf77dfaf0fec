// Store: opening a data directory (the schema check, the upgrade from older schemas, the
// column families and their options), the background thread that fsyncs group commits
// and runs retention, and the reads of single incidents, evidence, checkpoints and
// state. The commit of a batch is in store_commit.cc, the lifecycle in
// store_lifecycle.cc, list and count queries in store_query.cc; the other units of the
// store (outbox, maintenance, statistics, rule-set log) have their own files.
#include "store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/thread_name.h"
#include "core/time.h"
#include "store/count_merge.h"
#include "store/incident_codec.h"
#include "store/incident_index.h"
#include "store/maintenance.h"
#include "store/ordered_batch.h"
#include "store/outbox_queue.h"
#include "store/recent_incidents.h"
#include "store/rule_set_log.h"
#include "store/store_internal.h"
#include "store/store_stats.h"
#include "store/update_pacing.h"

namespace wardsoc {

namespace store_detail {

Error rocks_error(const rocksdb::Status& s, std::string_view what) {
  Errc code = Errc::kInternal;
  std::string hint;
  if (s.IsCorruption()) {
    code = Errc::kCorruption;
  } else if (s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos) {
    code = Errc::kIo;
    hint = " (the disk is full: free space, then restart wardsoc; nothing acknowledged is lost)";
  } else if (s.IsIOError()) {
    code = Errc::kIo;  // also path not found
  } else if (s.IsNotFound()) {
    code = Errc::kNotFound;
  } else if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    code = Errc::kUnavailable;
  } else if (s.IsInvalidArgument() || s.IsNotSupported()) {
    code = Errc::kInvalidArgument;
  }
  return Error(code, std::string(what) + ": " + s.ToString() + hint);
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool hex_decode(std::string_view text, std::string* out) {
  if (text.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

std::unique_ptr<rocksdb::Iterator> full_scan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                             const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.snapshot = snapshot;
  return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro, cf));
}

KeyRange::KeyRange(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view start,
                   std::string end)
    : end_(std::move(end)), upper_(end_.data(), end_.size()) {
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_;  // RocksDB keeps the pointer: upper_ lives in *this
  it_.reset(db->NewIterator(ro, cf));
  it_->Seek(slice(start));
}

KeyRange::~KeyRange() = default;

bool KeyRange::valid() const { return it_->Valid(); }
void KeyRange::next() { it_->Next(); }
std::string_view KeyRange::key() const { return view(it_->key()); }
std::string_view KeyRange::value() const { return view(it_->value()); }
rocksdb::Slice KeyRange::raw_key() const { return it_->key(); }
rocksdb::Status KeyRange::status() const { return it_->status(); }

bool parse_le64(std::string_view v, uint64_t* out) {
  if (v.size() != 8) return false;
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | static_cast<unsigned char>(v[static_cast<size_t>(i)]);
  *out = x;
  return true;
}

}  // namespace store_detail

namespace {

namespace fs = std::filesystem;
using keys::Family;
using namespace store_detail;

// The counts family's values are u64 counts; writers add with Merge(+1) instead of a
// read-modify-write, so counting costs one write per counter.
class CountAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    uint64_t a = 0;
    uint64_t b = 0;
    if (existing != nullptr && !parse_le64(view(*existing), &a)) return false;
    if (!parse_le64(view(value), &b)) return false;
    *new_value = le64(a + b);
    return true;
  }
  const char* Name() const override { return "wardsoc.CountAdd"; }
};
}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_count_merge_operator() {
  return std::make_shared<CountAddOperator>();
}

namespace {

// RocksDB reports a held LOCK as an I/O error; these are its two wordings (another
// process: fcntl refused; this process: its own table of held locks).
bool is_lock_held(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  const std::string text = s.ToString();
  return text.find("While lock file") != std::string::npos ||
         text.find("lock hold by current process") != std::string::npos;
}

// A read-only instance must not write the LOG file: RocksDB would rename the running
// writer's LOG away to make room for its own.
class DiscardLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// RocksDB's own messages go to wardsoc's log (info and warnings at debug level), never to a
// LOG file in the data directory: on a full disk RocksDB's file logger aborts the process
// on its next line (Debian's build keeps its assertions).
class SpdlogLogger final : public rocksdb::Logger {
 public:
  SpdlogLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::DEBUG_LEVEL) {}
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    // wardsoc reports every failure that matters in its own words (a failed open, a
    // refused commit): RocksDB's warnings and errors are the detail behind them.
    spdlog::level::level_enum to = spdlog::level::debug;
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
        to = spdlog::level::trace;
        break;
      case rocksdb::InfoLogLevel::INFO_LEVEL:
      case rocksdb::InfoLogLevel::HEADER_LEVEL:
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        to = spdlog::level::debug;
        break;
      case rocksdb::InfoLogLevel::ERROR_LEVEL:
        to = spdlog::level::warn;
        break;
      default:
        to = spdlog::level::err;
        break;
    }
    if (!spdlog::should_log(to)) return;
    char buf[1024];
    const int n = std::vsnprintf(buf, sizeof(buf), format, ap);
    if (n < 0) return;
    spdlog::log(to, "rocksdb: {}", std::string_view(buf, std::min<size_t>(n, sizeof(buf) - 1)));
  }
};

rocksdb::DBOptions db_options(bool read_only, const std::shared_ptr<rocksdb::Env>& env) {
  rocksdb::DBOptions o;
  if (env) o.env = env.get();  // kept alive by StoreDb::options for as long as the DB
  o.create_if_missing = !read_only;
  o.create_missing_column_families = false;  // created after the schema check, see open_impl
  o.max_background_jobs = 4;
  // Families that are written rarely (meta) would otherwise keep old WAL files alive.
  o.max_total_wal_size = uint64_t{128} << 20;
  o.db_write_buffer_size = size_t{256} << 20;
  if (read_only) {
    o.info_log = std::make_shared<DiscardLogger>();
  } else {
    o.info_log = std::make_shared<SpdlogLogger>();
    o.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  }
  return o;
}

rocksdb::ColumnFamilyOptions family_options(Family f,
                                            const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = size_t{16} << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (an incident by id, a checkpoint, meta) benefit from a bloom filter;
  // families that are only iterated (evidence, index, outbox) do not.
  if (f == Family::kIncidents || f == Family::kCheckpoints || f == Family::kMeta) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (f == Family::kCounts) o.merge_operator = make_count_merge_operator();
  // Index entries move on every update of an incident (they are keyed by last_seen),
  // which leaves tombstones where readers walk: compact files that fill up with them.
  if (f == Family::kIdx || f == Family::kIdxTime || f == Family::kOutbox) {
    o.table_properties_collector_factories.push_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(/*sliding_window_size=*/4096,
                                                      /*deletion_trigger=*/2048));
  }
  const auto supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) {
    o.compression = rocksdb::kLZ4Compression;
  } else if (has(rocksdb::kSnappyCompression)) {
    o.compression = rocksdb::kSnappyCompression;
  }
  if (has(rocksdb::kZSTD)) o.bottommost_compression = rocksdb::kZSTD;
  return o;
}

std::optional<Family> family_by_name(std::string_view name) {
  for (size_t i = 0; i < keys::kFamilyCount; ++i) {
    if (keys::kFamilyNames[i] == name) return static_cast<Family>(i);
  }
  return std::nullopt;
}

// How many incidents commit() remembers as it wrote them (a few MiB): enough for the
// incidents that are busy at any moment.
constexpr size_t kRecentIncidents = 8192;

}  // namespace

StoreDb::StoreDb(std::string p, bool ro, const StoreOptions& o)
    : path(std::move(p)),
      read_only(ro),
      options(o),
      recent(std::make_unique<RecentIncidents>(kRecentIncidents)) {}

StoreDb::~StoreDb() {
  if (!db) return;
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  handles.clear();
  const rocksdb::Status s = db->Close();
  if (!s.ok()) spdlog::error("store: closing {}: {}", path, s.ToString());
}

Status StoreDb::check_writable() const {
  if (read_only) return Error(Errc::kInvalidArgument, "store " + path + " is open read-only");
  return ok_status();
}

Status StoreDb::write_synced(rocksdb::WriteBatch* batch, std::string_view what) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const rocksdb::Status s = db->Write(wo, batch);
  if (!s.ok()) return rocks_error(s, std::string(what) + " in " + path);
  return ok_status();
}

uint64_t StoreDb::next_audit_seq() {
  std::lock_guard lock(audit_mu_);
  return audit_next_++;
}

void StoreDb::set_next_audit_seq(uint64_t next) {
  std::lock_guard lock(audit_mu_);
  audit_next_ = next;
}

Status StoreDb::append_audit(std::string_view actor, std::string_view action,
                             std::string_view detail) {
  if (auto s = check_writable(); !s) return s;
  AuditEntry a;
  a.seq = next_audit_seq();
  a.time_us = now_us();
  a.actor = std::string(actor);
  a.action = std::string(action);
  a.detail = std::string(detail);
  rocksdb::WriteBatch batch;
  batch.Put(family(Family::kAudit), slice(keys::audit_key(a.seq)), slice(encode_audit(a)));
  return write_synced(&batch, "writing the audit log");
}

Store::Store(std::string path, bool read_only, const StoreOptions& options)
    : core_(std::make_unique<StoreDb>(std::move(path), read_only, options)),
      outbox_(std::make_unique<OutboxQueues>(*core_)),
      maintenance_(std::make_unique<Maintenance>(*core_, *outbox_)),
      stats_(std::make_unique<StoreStatistics>(*core_, *outbox_)),
      rule_sets_(std::make_unique<RuleSetLog>(*core_)),
      pacing_(std::make_unique<UpdatePacing>()) {}

Store::~Store() {
  if (background_.joinable()) {
    {
      std::lock_guard lock(durable_mu_);
      stop_background_ = true;
    }
    durable_cv_.notify_all();
    background_.join();
  }
  if (!core_->db) return;
  if (!core_->read_only && !core_->options.sync && !core_->write_failed.load()) {
    // A clean stop makes the last group of commits durable too.
    const rocksdb::Status s = core_->db->SyncWAL();
    if (!s.ok()) spdlog::error("store: final WAL sync of {}: {}", core_->path, s.ToString());
  }
}

const std::string& Store::path() const { return core_->path; }
bool Store::read_only() const { return core_->read_only; }

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  return open_impl(options, /*read_only=*/false);
}

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.sync = true;
  o.block_cache_bytes = size_t{16} << 20;
  return open_impl(o, /*read_only=*/true);
}

Result<std::unique_ptr<Store>> Store::open_impl(const StoreOptions& options, bool read_only) {
  const std::string& path = options.path;
  if (path.empty()) return Error(Errc::kInvalidArgument, "store: the data directory path is empty");

  // Check the directory ourselves first: RocksDB's own messages for these cases
  // ("While mkdir if missing: ...") do not tell an operator what to fix.
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) {
    if (read_only) return Error(Errc::kNotFound, "no wardsoc data directory at " + path);
    fs::create_directories(path, ec);
    if (ec) return Error(Errc::kIo, "cannot create data directory " + path + ": " + ec.message());
  } else if (ec) {
    return Error(Errc::kIo, "cannot access data directory " + path + ": " + ec.message());
  } else if (!fs::is_directory(st)) {
    return Error(Errc::kInvalidArgument, "data directory " + path + " is not a directory");
  }
  const int mode = read_only ? (R_OK | X_OK) : (R_OK | W_OK | X_OK);
  if (::access(path.c_str(), mode) != 0) {
    return Error(Errc::kIo, "data directory " + path + " is not " +
                                (read_only ? "readable" : "writable") + ": " +
                                std::strerror(errno));
  }
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (read_only && !exists) {
    return Error(Errc::kNotFound, "no wardsoc database in " + path + " (no CURRENT file)");
  }

  const rocksdb::DBOptions dbo = db_options(read_only, options.env);
  const auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  std::vector<std::string> existing;
  if (exists) {
    const rocksdb::Status s = rocksdb::DB::ListColumnFamilies(dbo, path, &existing);
    if (!s.ok()) return rocks_error(s, "cannot read data directory " + path);
  }
  auto has_family = [&](std::string_view name) {
    return std::find(existing.begin(), existing.end(), name) != existing.end();
  };
  if (exists && !has_family(keys::family_name(Family::kMeta)) && existing.size() > 1) {
    return Error(Errc::kIncompatible,
                 "data directory " + path + " holds a RocksDB database that is not wardsoc's");
  }

  // Open every family that exists (RocksDB requires all of them for writing; a newer
  // wardsoc may have added some we do not know). Ours that are missing are created
  // only after the schema check, so a newer database is refused before it is touched.
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  descs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const auto& name : existing) {
    if (name == rocksdb::kDefaultColumnFamilyName) continue;
    const auto f = family_by_name(name);
    if (!f && read_only) continue;
    descs.emplace_back(name, f ? family_options(*f, cache) : rocksdb::ColumnFamilyOptions());
  }

  std::unique_ptr<Store> store(new Store(path, read_only, options));
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const rocksdb::Status s = read_only
                                ? rocksdb::DB::OpenForReadOnly(dbo, path, descs, &handles, &raw)
                                : rocksdb::DB::Open(dbo, path, descs, &handles, &raw);
  if (!s.ok()) {
    if (!read_only && is_lock_held(s)) {
      const auto holder = lock_holder(path);
      return Error(Errc::kBusy,
                   "data directory " + path + " is in use by another wardsoc process" +
                       (holder && *holder > 0 ? " (pid " + std::to_string(*holder) + ")" : "") +
                       " (lock held)");
    }
    return rocks_error(s, "cannot open data directory " + path);
  }
  store->core_->db.reset(raw);
  store->core_->handles = handles;
  for (size_t i = 0; i < descs.size(); ++i) {
    if (const auto f = family_by_name(descs[i].name)) {
      store->core_->families[static_cast<size_t>(*f)] = handles[i];
    }
  }

  uint32_t found_version = 0;
  if (auto st2 = store->check_schema(&found_version); !st2) return std::move(st2).error();

  std::vector<rocksdb::ColumnFamilyDescriptor> missing;
  for (size_t i = 0; i < keys::kFamilyCount; ++i) {
    if (store->core_->families[i] != nullptr) continue;
    // A reader does without the held updates of a directory no newer wardsoc has written
    // yet: they are only the writer's business.
    if (read_only && static_cast<Family>(i) == Family::kHeldUpdates) continue;
    if (read_only) {
      return Error(Errc::kIncompatible,
                   "data directory " + path + " has no '" + std::string(keys::kFamilyNames[i]) +
                       "' column family; open it once with `wardsoc run` to upgrade it");
    }
    missing.emplace_back(std::string(keys::kFamilyNames[i]),
                         family_options(static_cast<Family>(i), cache));
  }
  if (!missing.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> created;
    const rocksdb::Status cs = store->core_->db->CreateColumnFamilies(missing, &created);
    if (!cs.ok()) {
      // Handles created before a failure are handed back and must still be freed.
      store->core_->handles.insert(store->core_->handles.end(), created.begin(), created.end());
      return rocks_error(cs, "cannot create column families in " + path);
    }
    for (size_t i = 0; i < missing.size(); ++i) {
      store->core_->handles.push_back(created[i]);
      store->core_->families[static_cast<size_t>(*family_by_name(missing[i].name))] = created[i];
    }
  }

  if (read_only && found_version != 0 && found_version < keys::kSchemaVersion) {
    return Error(Errc::kIncompatible,
                 "data directory " + path + " has schema " + std::to_string(found_version) +
                     "; open it once with `wardsoc run` (or `wardsoc db verify`) to upgrade it "
                     "to schema " +
                     std::to_string(keys::kSchemaVersion));
  }
  if (!read_only) {
    if (found_version == 0) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const rocksdb::Status ps = store->core_->db->Put(wo, store->core_->family(Family::kMeta),
                                                       slice(keys::kSchemaVersionKey),
                                                       std::to_string(keys::kSchemaVersion));
      if (!ps.ok()) return rocks_error(ps, "cannot write the schema version in " + path);
    } else if (found_version < keys::kSchemaVersion) {
      if (auto m = store->migrate(found_version); !m) return std::move(m).error();
    }
  }

  if (auto st3 = store->outbox_->load(); !st3) return std::move(st3).error();
  if (auto st4 = store->load_titles_and_audit(); !st4) return std::move(st4).error();
  if (auto st5 = store->load_held_updates(); !st5) return std::move(st5).error();
  if (!read_only && (!options.sync || options.retention_us > 0)) {
    store->background_ = std::thread([s2 = store.get()] {
      set_thread_name("store-bg");
      s2->background_loop();
    });
  }
  return store;
}

Status Store::check_schema(uint32_t* found) {
  *found = 0;
  if (core_->family(Family::kMeta) == nullptr) return ok_status();  // a new database
  std::string value;
  const rocksdb::Status s = core_->db->Get(rocksdb::ReadOptions(), core_->family(Family::kMeta),
                                           slice(keys::kSchemaVersionKey), &value);
  if (s.IsNotFound()) return ok_status();  // created, but the first open stopped before writing it
  if (!s.ok()) return rocks_error(s, "cannot read the schema version in " + core_->path);
  uint32_t version = 0;
  const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc() || p != value.data() + value.size()) {
    return Error(Errc::kCorruption, "meta/schema_version in " + core_->path + " holds '" + value +
                                        "', not a schema version");
  }
  if (version > keys::kSchemaVersion) {
    return Error(Errc::kIncompatible,
                 "data directory " + core_->path + " was written by a newer wardsoc (schema " +
                     std::to_string(version) + "; this build reads schema " +
                     std::to_string(keys::kSchemaVersion) +
                     " and older): upgrade wardsoc or use a backup made by this version");
  }
  *found = version;
  return ok_status();
}

// Schema 1 had incidents, evidence and idx_time (with a shorter value) but none of the
// derived families: build them from the incidents. Index puts are idempotent; counts
// are written as absolute values in the last batch, together with the new schema
// version, so an upgrade cut short is simply done again at the next open.
Status Store::migrate(uint32_t from_version) {
  spdlog::info("store: upgrading {} from schema {} to {}", core_->path, from_version,
               keys::kSchemaVersion);
  std::map<std::string, uint64_t> counts;
  uint64_t migrated = 0;
  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return ok_status();
    const rocksdb::Status ws = core_->db->Write(rocksdb::WriteOptions(), &batch);
    batch.Clear();
    if (!ws.ok()) return rocks_error(ws, "upgrading " + core_->path);
    return ok_status();
  };
  std::unique_ptr<rocksdb::Iterator> it(
      core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kIncidents)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto in = decode_incident(view(it->value()));
    if (!in) {
      spdlog::warn("store: upgrade skips {}: {}",
                   keys::describe_key(Family::kIncidents, view(it->key())), in.error().message);
      continue;
    }
    const std::string summary = encode_summary(*in);
    batch.Put(core_->family(Family::kIdxTime), slice(index_position(*in)), slice(summary));
    for (const auto& k : secondary_index_keys(*in)) {
      batch.Put(core_->family(Family::kIdx), slice(k), slice(summary));
    }
    ++counts[keys::counts_key(keys::Dim::kSeverity, in->first_seen_us,
                              severity_name(in->severity))];
    ++counts[keys::counts_key(keys::Dim::kRule, in->first_seen_us, in->rule_id)];
    ++counts[keys::counts_key(keys::Dim::kSite, in->first_seen_us, in->site)];
    batch.Put(core_->family(Family::kTitles),
              slice(keys::title_key(in->rule_id, in->title, in->title_vi)), rocksdb::Slice());
    HistoryEntry opened;
    opened.seq = 0;
    opened.time_us = in->first_seen_us;
    opened.actor = std::string(kSystemActor);
    opened.to = IncidentStatus::kNew;
    opened.note = "opened by rule " + in->rule_id + " (recorded when the store was upgraded)";
    batch.Put(core_->family(Family::kHistory), slice(keys::history_key(in->id, 0)),
              slice(encode_history(opened)));
    if (in->status != IncidentStatus::kNew) {
      HistoryEntry now;
      now.seq = 1;
      now.time_us = in->updated_us;
      now.actor = std::string(kSystemActor);
      now.from = IncidentStatus::kNew;
      now.to = in->status;
      now.note = "status as found when the store was upgraded";
      batch.Put(core_->family(Family::kHistory), slice(keys::history_key(in->id, 1)),
                slice(encode_history(now)));
    }
    if (++migrated % 1000 == 0) {
      if (auto f = flush(); !f) return f;
    }
  }
  if (!it->status().ok()) return rocks_error(it->status(), "upgrading " + core_->path);
  for (const auto& [k, n] : counts)
    batch.Put(core_->family(Family::kCounts), slice(k), slice(le64(n)));
  AuditEntry a;
  a.seq = 1;
  {
    std::unique_ptr<rocksdb::Iterator> at(
        core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kAudit)));
    at->SeekToLast();
    if (at->Valid() && at->key().size() == 8) a.seq = keys::get_be64(at->key().data()) + 1;
  }
  a.time_us = now_us();
  a.actor = std::string(kSystemActor);
  a.action = "upgrade";
  a.detail = "schema " + std::to_string(from_version) + " -> " +
             std::to_string(keys::kSchemaVersion) + ": indexes, counts and history built for " +
             std::to_string(migrated) + " incidents";
  batch.Put(core_->family(Family::kAudit), slice(keys::audit_key(a.seq)), slice(encode_audit(a)));
  batch.Put(core_->family(Family::kMeta), slice(keys::kSchemaVersionKey),
            std::to_string(keys::kSchemaVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const rocksdb::Status ws = core_->db->Write(wo, &batch);
  if (!ws.ok()) return rocks_error(ws, "upgrading " + core_->path);
  spdlog::info("store: {} upgraded to schema {} ({} incidents)", core_->path, keys::kSchemaVersion,
               migrated);
  return ok_status();
}

size_t Store::move_index_entries(const Incident* before, const Incident& after,
                                 OrderedBatch* batch) {
  const std::string summary = encode_summary(after);
  const std::string position = index_position(after);
  const auto new_keys = secondary_index_keys(after);
  size_t writes = 0;
  if (before == nullptr) {
    batch->put(core_->family(Family::kIdxTime), slice(position), slice(summary));
    for (const auto& key : new_keys)
      batch->put(core_->family(Family::kIdx), slice(key), slice(summary));
    return 1 + new_keys.size();
  }
  // A key both snapshots have keeps its entry; its value is rewritten only if the
  // summary changed (a new status). Keys include last_seen, so a count bump at the same
  // last_seen writes nothing here.
  const bool same_summary = encode_summary(*before) == summary;
  const std::string old_position = index_position(*before);
  if (old_position != position) {
    batch->erase(core_->family(Family::kIdxTime), slice(old_position));
    ++writes;
  }
  if (old_position != position || !same_summary) {
    batch->put(core_->family(Family::kIdxTime), slice(position), slice(summary));
    ++writes;
  }
  const auto old_keys = secondary_index_keys(*before);
  for (const auto& key : old_keys) {
    if (std::find(new_keys.begin(), new_keys.end(), key) == new_keys.end()) {
      batch->erase(core_->family(Family::kIdx), slice(key));
      ++writes;
    }
  }
  for (const auto& key : new_keys) {
    if (!same_summary || std::find(old_keys.begin(), old_keys.end(), key) == old_keys.end()) {
      batch->put(core_->family(Family::kIdx), slice(key), slice(summary));
      ++writes;
    }
  }
  return writes;
}

Status Store::load_titles_and_audit() {
  std::set<std::string, std::less<>> titles;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kTitles)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) titles.emplace(view(it->key()));
    if (!it->status().ok()) return rocks_error(it->status(), "reading titles in " + core_->path);
  }
  uint64_t next = 1;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kAudit)));
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8) next = keys::get_be64(it->key().data()) + 1;
    if (!it->status().ok())
      return rocks_error(it->status(), "reading the audit log in " + core_->path);
  }
  core_->set_next_audit_seq(next);
  std::lock_guard lock(meta_mu_);
  titles_ = std::move(titles);
  return ok_status();
}

Status Store::check_free_space() {
  if (core_->options.min_free_bytes == 0) return ok_status();
  struct statvfs fs {};
  if (::statvfs(core_->path.c_str(), &fs) != 0) {
    return Error(Errc::kIo,
                 "commit to " + core_->path +
                     ": cannot read the free space of its file system: " + std::strerror(errno));
  }
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  const bool full = free_bytes < core_->options.min_free_bytes;
  if (full != core_->disk_full.load()) {
    core_->disk_full.store(full);
    if (full) {
      spdlog::error(
          "store: the disk holding {} is full ({} KiB free, {} KiB kept in reserve): "
          "new batches wait until space is freed",
          core_->path, free_bytes >> 10, core_->options.min_free_bytes >> 10);
    } else {
      spdlog::info("store: {} has {} KiB free again; writing resumes", core_->path,
                   free_bytes >> 10);
    }
  }
  if (!full) return ok_status();
  return Error(Errc::kIo, "commit to " + core_->path + " refused: the disk is full (" +
                              std::to_string(free_bytes >> 10) + " KiB free, below the " +
                              std::to_string(core_->options.min_free_bytes >> 10) +
                              " KiB kept in reserve, store.min_free_space); nothing acknowledged "
                              "is lost and writing resumes by itself once space is freed");
}

void Store::background_loop() {
  using Clock = std::chrono::steady_clock;
  const bool group = !core_->options.sync;
  const bool retain = core_->options.retention_us > 0;
  auto next_retention = Clock::now();  // once at open
  std::unique_lock lock(durable_mu_);
  while (!stop_background_) {
    auto wake =
        Clock::now() + (group ? core_->options.group_commit_interval : std::chrono::hours(1));
    if (retain) wake = std::min(wake, next_retention);
    durable_cv_.wait_until(lock, wake, [&] { return stop_background_ || sync_requested_; });
    if (stop_background_) break;
    if (group && written_ticket_ > durable_ticket_ && !core_->write_failed.load()) {
      const uint64_t target = written_ticket_;
      sync_requested_ = false;
      lock.unlock();
      const rocksdb::Status s = core_->db->SyncWAL();
      lock.lock();
      if (s.ok()) {
        durable_ticket_ = std::max(durable_ticket_, target);
        core_->counters.wal_syncs.fetch_add(1, std::memory_order_relaxed);
        durable_cv_.notify_all();
      } else {
        spdlog::error("store: group commit fsync of {} failed (retrying): {}", core_->path,
                      s.ToString());
      }
    } else {
      sync_requested_ = false;
    }
    if (retain && Clock::now() >= next_retention) {
      next_retention = Clock::now() + core_->options.retention_interval;
      lock.unlock();
      auto r = maintenance_->apply_retention(now_us(), core_->options.retention_us);
      if (!r) spdlog::error("store: retention: {}", r.error().message);
      lock.lock();
    }
  }
}

uint64_t Store::durable_ticket() const {
  std::lock_guard lock(durable_mu_);
  return durable_ticket_;
}

bool Store::wait_durable(uint64_t ticket, std::chrono::milliseconds timeout) {
  std::unique_lock lock(durable_mu_);
  if (durable_ticket_ >= ticket) return true;
  sync_requested_ = true;
  durable_cv_.notify_all();
  return durable_cv_.wait_for(lock, timeout, [&] { return durable_ticket_ >= ticket; });
}

Result<std::optional<Incident>> Store::get_incident(std::string_view id) const {
  std::string value;
  const rocksdb::Status s =
      core_->db->Get(rocksdb::ReadOptions(), core_->family(Family::kIncidents), slice(id), &value);
  if (s.IsNotFound()) return std::optional<Incident>();
  if (!s.ok()) return rocks_error(s, keys::describe_key(Family::kIncidents, id));
  auto in = decode_incident(value);
  if (!in) return std::move(in).error().with_context(keys::describe_key(Family::kIncidents, id));
  return std::optional<Incident>(std::move(in).value());
}

Result<std::vector<Evidence>> Store::evidence(std::string_view incident_id, size_t limit) const {
  std::vector<Evidence> out;
  KeyRange r(core_->db.get(), core_->family(Family::kEvidence), keys::name_prefix(incident_id),
             keys::name_prefix_end(incident_id));
  for (; r.valid() && out.size() < limit; r.next()) {
    auto ev = decode_evidence(r.value());
    if (!ev) {
      return std::move(ev).error().with_context(keys::describe_key(Family::kEvidence, r.key()));
    }
    out.push_back(std::move(ev).value());
  }
  if (!r.status().ok()) return rocks_error(r.status(), "reading evidence in " + core_->path);
  return out;
}

Result<std::optional<uint64_t>> Store::checkpoint(std::string_view input_name,
                                                  std::string_view stream) const {
  const std::string key = keys::checkpoint_key(input_name, stream);
  std::string value;
  const rocksdb::Status s = core_->db->Get(rocksdb::ReadOptions(),
                                           core_->family(Family::kCheckpoints), slice(key), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  if (!s.ok()) return rocks_error(s, keys::describe_key(Family::kCheckpoints, key));
  if (value.size() != 8) {
    return Error(Errc::kCorruption,
                 keys::describe_key(Family::kCheckpoints, key) + ": value is not a u64");
  }
  return std::optional<uint64_t>(keys::get_be64(value.data()));
}

Result<std::map<std::string, uint64_t>> Store::checkpoints(std::string_view input_name) const {
  std::map<std::string, uint64_t> out;
  const std::string begin = keys::name_prefix(input_name);
  KeyRange r(core_->db.get(), core_->family(Family::kCheckpoints), begin,
             keys::name_prefix_end(input_name));
  for (; r.valid(); r.next()) {
    if (r.value().size() != 8) {
      return Error(Errc::kCorruption,
                   keys::describe_key(Family::kCheckpoints, r.key()) + ": value is not a u64");
    }
    out.emplace(std::string(r.key().substr(begin.size())), keys::get_be64(r.value().data()));
  }
  if (!r.status().ok()) return rocks_error(r.status(), "reading checkpoints in " + core_->path);
  return out;
}

Status Store::scan_state(std::string_view prefix,
                         const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      core_->db->NewIterator(rocksdb::ReadOptions(), core_->family(Family::kState)));
  for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, view(it->value()))) break;
  }
  if (!it->status().ok()) return rocks_error(it->status(), "reading state in " + core_->path);
  return ok_status();
}

std::optional<int64_t> Store::lock_holder(const std::string& path) {
  // RocksDB locks LOCK with fcntl. Opening and closing the file here would drop a lock
  // this very process holds (POSIX record locks), so look in /proc/locks instead.
  struct stat st {};
  if (::stat((fs::path(path) / "LOCK").c_str(), &st) != 0) return std::nullopt;
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
    std::istringstream in(line);
    std::string n, kind, mode, rw, pid, dev;
    if (!(in >> n >> kind)) continue;
    if (kind == "->") continue;  // a waiter
    if (!(in >> mode >> rw >> pid >> dev)) continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (std::sscanf(dev.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    if (ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev)) {
      return std::strtoll(pid.c_str(), nullptr, 10);
    }
  }
  return std::nullopt;
}

}  // namespace wardsoc
