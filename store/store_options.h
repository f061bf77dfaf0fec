// StoreOptions: how a Store opens its data directory (durability, cache, retention, the
// free-space floor, and the file system for tests and tools). A plain value, in its own
// header so that the store's units (maintenance.h) take it without the whole Store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace wardsoc {

struct StoreOptions {
  std::string path;  // data directory, created if missing
  // true: fsync the WAL on every commit (the no-loss default). false: group commit,
  // an fsync every group_commit_interval (see the header).
  bool sync = true;
  std::chrono::milliseconds group_commit_interval{10};
  size_t block_cache_bytes = size_t{64} << 20;  // shared by all column families
  // Retention: incidents last seen longer ago than this are removed with their
  // evidence and history, unless still open (new, acknowledged, in_progress).
  // 0 keeps everything. Checked every retention_interval and once at open.
  int64_t retention_us = 0;
  std::chrono::milliseconds retention_interval{std::chrono::hours(1)};
  // Commits are refused while the file system holding the store has less free space
  // than this (plus the batch): a full disk is reported before RocksDB's write path
  // meets it, nothing acknowledged is at risk, and writing resumes by itself once space
  // is freed. 0 turns the check off (RocksDB's own error then stops writes until restart).
  uint64_t min_free_bytes = uint64_t{64} << 20;
  // For tests and tools, not for configuration: the RocksDB Env (and through it the
  // FileSystem) every file of the database is read and written through, e.g. one that
  // drops what was not fsynced to simulate a power cut. nullptr: the real file system.
  // The store's own checks of the directory (exists, writable, free space) bypass it.
  std::shared_ptr<rocksdb::Env> env;
};

}  // namespace wardsoc
