// Helpers shared by the files that implement Store (store.cc, store_query.cc,
// store_lifecycle.cc, store_maintenance.cc). Not part of the store's public surface.
#pragma once

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace wardsoc::store_detail {

inline rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline std::string_view view(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool valid_name(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

// A RocksDB status as our error, with what we were doing; a full disk says so.
Error rocks_error(const rocksdb::Status& s, std::string_view what);

std::string hex_encode(std::string_view bytes);
bool hex_decode(std::string_view text, std::string* out);

// Counts as u64 little endian, the value layout of the counts family.
std::string le64(uint64_t v);
bool parse_le64(std::string_view v, uint64_t* out);

}  // namespace wardsoc::store_detail

namespace wardsoc {

// Counters behind Store::gauges(); relaxed atomics, read at scrape time.
struct Store::Counters {
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_failures{0};
  std::atomic<uint64_t> incidents_written{0};
  std::atomic<uint64_t> transitions{0};
  std::atomic<uint64_t> reopened{0};
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> retention_removed{0};
  std::atomic<uint64_t> wal_syncs{0};
  std::atomic<uint64_t> index_writes{0};
  std::atomic<uint64_t> incident_reads{0};
};

}  // namespace wardsoc
