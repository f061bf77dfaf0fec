// The rule-set versions log (rule_set_log.h). Written rarely (a reload is an operator's
// act); records are JSON so that fields can be added without a schema change.
#include "store/rule_set_log.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "store/keys.h"
#include "store/store_internal.h"

namespace wardsoc {

using store_detail::rocks_error;
using store_detail::slice;
using store_detail::starts_with;
using store_detail::view;

namespace {

std::string record_key(uint64_t seq) {
  std::string k(keys::kRuleSetPrefix);
  keys::put_be64(&k, seq);
  return k;
}

std::string encode(const RuleSetRecord& r) {
  nlohmann::json j = to_json(r);
  j["v"] = 1;
  // Diagnostics quote rule text, which may hold bytes that are not UTF-8.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<RuleSetRecord> decode(std::string_view key, std::string_view value) {
  RuleSetRecord r;
  try {
    const auto j = nlohmann::json::parse(value);
    r.seq = j.at("seq").get<uint64_t>();
    r.time_us = j.at("time_us").get<int64_t>();
    r.trigger = j.at("trigger").get<std::string>();
    r.accepted = j.at("accepted").get<bool>();
    r.version = j.at("version").get<std::string>();
    r.rules = j.at("rules").get<uint64_t>();
    r.rules_kept_state = j.value("rules_kept_state", uint64_t{0});
    r.errors = j.at("errors").get<uint64_t>();
    r.warnings = j.at("warnings").get<uint64_t>();
    r.diagnostics = j.at("diagnostics").get<std::string>();
    r.pid = j.value("pid", int64_t{0});
  } catch (const std::exception& e) {
    return Error(Errc::kCorruption, keys::describe_key(keys::Family::kMeta, key) + ": " + e.what());
  }
  return r;
}

}  // namespace

nlohmann::json to_json(const RuleSetRecord& r) {
  return {{"seq", r.seq},
          {"time_us", r.time_us},
          {"trigger", r.trigger},
          {"accepted", r.accepted},
          {"version", r.version},
          {"rules", r.rules},
          {"rules_kept_state", r.rules_kept_state},
          {"errors", r.errors},
          {"warnings", r.warnings},
          {"diagnostics", r.diagnostics},
          {"pid", r.pid}};
}

Result<uint64_t> RuleSetLog::record(const RuleSetRecord& record) {
  if (auto s = db_.check_writable(); !s) return std::move(s).error();
  // Records are appended by the thread that reloads and by the one that swaps rule sets.
  std::lock_guard lock(append_mu_);
  uint64_t last = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(keys::Family::kMeta)));
    it->SeekForPrev(slice(record_key(UINT64_MAX)));
    if (it->Valid() && starts_with(view(it->key()), keys::kRuleSetPrefix) &&
        it->key().size() == keys::kRuleSetPrefix.size() + 8) {
      last = keys::get_be64(it->key().data() + keys::kRuleSetPrefix.size());
    }
    if (!it->status().ok())
      return rocks_error(it->status(), "reading the rule-set log in " + db_.path);
  }
  RuleSetRecord r = record;
  r.seq = last + 1;
  rocksdb::WriteOptions wo;
  wo.sync = true;  // `rules reload` waits for this record; it must survive a crash right after
  const std::string key = record_key(r.seq);
  const rocksdb::Status s = db_.db->Put(wo, db_.family(keys::Family::kMeta), slice(key), encode(r));
  if (!s.ok()) return rocks_error(s, "writing the rule-set log in " + db_.path);
  return r.seq;
}

Result<std::vector<RuleSetRecord>> RuleSetLog::newest(size_t max) const {
  std::vector<RuleSetRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db->NewIterator(rocksdb::ReadOptions(), db_.family(keys::Family::kMeta)));
  for (it->SeekForPrev(slice(record_key(UINT64_MAX))); it->Valid() && out.size() < max;
       it->Prev()) {
    const std::string_view key = view(it->key());
    if (!starts_with(key, keys::kRuleSetPrefix)) break;
    auto r = decode(key, view(it->value()));
    if (!r.ok()) return std::move(r).error();
    out.push_back(std::move(*r));
  }
  if (!it->status().ok())
    return rocks_error(it->status(), "reading the rule-set log in " + db_.path);
  return out;
}

}  // namespace wardsoc
