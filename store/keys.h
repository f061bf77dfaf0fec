// The store's column families and the byte layout of every key in them. This file is
// the on-disk contract: change a layout only together with kSchemaVersion and a
// migration, and keep docs/store.md in step.
//
// Composite keys join their parts with '\0' (names never contain it; the store
// rejects names that do) and end in fixed-width big-endian integers, so RocksDB's
// bytewise order is the order we want to iterate in.
//
// clang-format off
//   family       key                                      value
//   -----------  ---------------------------------------  ----------------------------------
//   meta         "schema_version"                         decimal text, e.g. "2"
//                "outbox_acked" \0 sink                   u64 BE: last acked outbox seq
//                "rule_set" \0 u64 BE seq                 rule-set load record JSON {"v":1,...}
//                "sink_health" \0 sink                    the sink's health record (opaque JSON)
//   incidents    id                                       incident JSON {"v":1,...}
//   evidence     id \0 u32 BE seq                         evidence JSON {"v":1,...}
//   idx_time     u64 BE ~biased(last_seen_us), id         summary
//   outbox       sink \0 u64 BE seq                       {"v":1,"kind","enqueued_us","incident"}
//   dead_letter  sink \0 u64 BE seq (outbox seq)          {"v":1,"reason","dead_lettered_us","entry"}
//   checkpoints  input name \0 stream                     u64 BE position
//   state        'k' input \0 partition \0 rule \0 group  correlation state (detect's encoding)
//                'r' rule_id                              rule counters (detect's encoding),
//                                                         written with every commit that moved them
//   idx          u8 dim, dim value, u64 BE ~biased(last_seen_us), id   summary
//   history      id \0 u32 BE seq                         {"v":1,"seq","time_us","actor","from","to","note"}
//   audit        u64 BE seq                               {"v":1,"seq","time_us","actor","action",...}
//   counts       u8 dim, u64 BE biased(hour_us), value    u64 LE count (merge: add)
//   titles       rule_id \0 title \0 title_vi             empty
//   held_updates sink \0 incident id                      u64 BE due_us: a held-back update
// clang-format on
//
// Every meta key prefix is a constant below (k...Prefix, kSchemaVersionKey): a new kind of
// meta record adds its prefix there and a row here. What the next features keep (users,
// sessions, a fuller audit log) belongs in families of their own, added as said at the end
// of this comment, not under new meta prefixes: meta is for small records about the store.
//
// summary (the value of idx_time and idx entries): u8 severity, u8 status, u8 asset
// class, then rule_id \0 site \0 asset — what list_incidents() filters on, so it skips
// non-matching incidents without reading their JSON.
//
// idx holds one secondary index per dimension, each newest first like idx_time:
//   's' severity (1 byte)  't' status (1 byte)  'c' asset class (1 byte)
//   'r' rule_id \0         'S' site \0 (only if not empty)   'a' asset \0 (ditto)
// counts holds incidents per UTC hour of first_seen, per dimension ('s' severity,
// 'r' rule, 'S' site, "" for none); they are never decremented, so reports stay whole
// after retention removed the incidents themselves.
// held_updates marks, per sink with an update_interval, the incidents that grew since the
// sink was last sent an alert about them and whose next update is not due yet: at due_us
// the store queues the incident as it then is (store/update_pacing.h). One mark per
// incident and sink, written and deleted in the same WriteBatch as the outbox entries.
// titles lists every (rule, title, title_vi) seen: free-text search matches titles
// there and then walks the rule index of the rules whose titles matched.
//
// idx_time: biased(t) = uint64(t) xor 2^63 turns the signed time into an unsigned one
// with the same order; inverting it makes forward iteration go newest first. The id
// follows the 8 time bytes directly (ids are unique, so no separator is needed) and
// breaks ties between incidents last seen in the same microsecond.
//
// To add a family: append it to Family and kFamilyNames (the order is only in memory;
// RocksDB knows families by name), document its layout above and in docs/store.md,
// give it options in store.cc if the defaults do not fit, and bump kSchemaVersion if
// older builds must not open the result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wardsoc::keys {

// Schema of the data directory. Opening a directory written with a newer schema is
// refused (kIncompatible); an older one would be migrated in Store::Open.
// Schema 2 added idx, history, audit, counts and titles (derived from the incidents when
// a schema 1 directory is opened for writing) and the summary in idx_time values.
inline constexpr uint32_t kSchemaVersion = 2;

enum class Family : size_t {
  kMeta,
  kIncidents,
  kEvidence,
  kIdxTime,
  kOutbox,
  kDeadLetter,
  kCheckpoints,
  kState,
  kIdx,
  kHistory,
  kAudit,
  kCounts,
  kTitles,
  kHeldUpdates,
};
inline constexpr size_t kFamilyCount = 14;
inline constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "meta",  "incidents", "evidence", "idx_time", "outbox", "dead_letter", "checkpoints",
    "state", "idx",       "history",  "audit",    "counts", "titles",      "held_updates"};

inline constexpr std::string_view family_name(Family f) {
  return kFamilyNames[static_cast<size_t>(f)];
}

inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kOutboxAckedPrefix = std::string_view("outbox_acked\0", 13);
inline constexpr std::string_view kRuleSetPrefix = std::string_view("rule_set\0", 9);
inline constexpr std::string_view kSinkHealthPrefix = std::string_view("sink_health\0", 12);

// Fixed-width big-endian integers: bytewise order equals numeric order.
void put_be32(std::string* out, uint32_t v);
void put_be64(std::string* out, uint64_t v);
uint32_t get_be32(const char* p);
uint64_t get_be64(const char* p);
std::string be64(uint64_t v);

// name \0 — the prefix shared by every key of one incident, sink or input; the matching
// exclusive upper bound is name \x01.
std::string name_prefix(std::string_view name);
std::string name_prefix_end(std::string_view name);

std::string outbox_acked_key(std::string_view sink);

std::string evidence_key(std::string_view incident_id, uint32_t seq);
bool parse_evidence_key(std::string_view key, std::string_view* incident_id, uint32_t* seq);

// The 8-byte time prefix alone sorts before every key with that time, so seeking to
// time_index_prefix(t) lands on the newest incident last seen at or before t.
std::string time_index_prefix(int64_t last_seen_us);
std::string time_index_key(int64_t last_seen_us, std::string_view incident_id);
bool parse_time_index_key(std::string_view key, int64_t* last_seen_us,
                          std::string_view* incident_id);

std::string outbox_key(std::string_view sink, uint64_t seq);
bool parse_outbox_key(std::string_view key, std::string_view* sink, uint64_t* seq);

// Secondary index dimensions (the first byte of an idx or counts key).
enum class Dim : char {
  kSeverity = 's',
  kStatus = 't',
  kAssetClass = 'c',
  kRule = 'r',
  kSite = 'S',
  kAsset = 'a',
};
// dim + value (+ \0 for the string dimensions): every idx key of one value starts with it.
std::string index_prefix(Dim dim, std::string_view value);
std::string index_prefix(Dim dim, uint8_t value);
// prefix + the 8 time bytes + id; `position` is a time_index_key() (time bytes and id).
std::string index_key(std::string_view prefix, std::string_view position);
bool is_string_dim(Dim dim);
// Splits an idx key into its dimension, value (without the \0) and position.
bool parse_index_key(std::string_view key, Dim* dim, std::string_view* value,
                     std::string_view* position);

std::string history_key(std::string_view incident_id, uint32_t seq);
bool parse_history_key(std::string_view key, std::string_view* incident_id, uint32_t* seq);

std::string audit_key(uint64_t seq);

// hour_us is rounded down to the hour.
std::string counts_key(Dim dim, int64_t hour_us, std::string_view value);
std::string counts_prefix(Dim dim, int64_t hour_us);
bool parse_counts_key(std::string_view key, Dim* dim, int64_t* hour_us, std::string_view* value);

std::string title_key(std::string_view rule_id, std::string_view title, std::string_view title_vi);
bool parse_title_key(std::string_view key, std::string_view* rule_id, std::string_view* title,
                     std::string_view* title_vi);

std::string held_update_key(std::string_view sink, std::string_view incident_id);
bool parse_held_update_key(std::string_view key, std::string_view* sink,
                           std::string_view* incident_id);

std::string checkpoint_key(std::string_view input_name, std::string_view stream);
bool parse_checkpoint_key(std::string_view key, std::string_view* input_name,
                          std::string_view* stream);

// A key as people read it in error messages: "outbox/soc-file/42",
// "evidence/3f2a9c0b1d4e5f60/7", "incidents/3f2a9c0b1d4e5f60". Bytes that are not
// printable ASCII are shown as \xNN.
std::string describe_key(Family family, std::string_view key);

}  // namespace wardsoc::keys
