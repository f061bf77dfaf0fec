// PowerCutFileSystem: a RocksDB FileSystem for tests that can simulate a power cut. It
// passes everything to the real file system and remembers, for every file written
// through it, how many bytes had been synced (Sync/Fsync) and which files were created
// since their directory was last fsynced. cut() is the moment power goes off: from then
// on every write, sync, rename and delete fails, as nothing reaches the disk any more.
// Once the database is closed, lose_unsynced() leaves the disk as it would be after the
// reboot: every file cut back to its synced size, files whose directory entry was never
// fsynced gone. (The shape of LevelDB's fault_injection_test.cc and RocksDB's
// FaultInjectionTestFS, written small for our tests.)
//
// Harsher than a real disk in one way: a file renamed over an existing one before the
// directory is fsynced is lost entirely (a journaling file system would keep one of the
// two). RocksDB fsyncs the directory right after such renames (CURRENT, OPTIONS).
//
// Thread safety: any RocksDB thread may call it; the bookkeeping has one lock.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace wardsoc::testing {

class PowerCutFileSystem : public rocksdb::FileSystemWrapper {
 public:
  PowerCutFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "PowerCutFileSystem"; }

  // Power goes off now.
  void cut() {
    std::lock_guard lock(mu_);
    powered_ = false;
  }
  // Power goes off at the start of the `n`th sync (1 = the next one) of a write-ahead
  // log file, before anything of it reached the disk; the sync fails.
  void cut_at_wal_sync(uint64_t n) {
    std::lock_guard lock(mu_);
    wal_syncs_until_cut_ = n;
  }
  bool powered() const {
    std::lock_guard lock(mu_);
    return powered_;
  }
  uint64_t wal_syncs() const {
    std::lock_guard lock(mu_);
    return wal_syncs_;
  }

  // How many files under `dir` were written through this file system since the last
  // power-on (a unit that bypasses it writes none).
  size_t files_written_under(const std::string& dir) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [name, state] : files_) {
      if (name.rfind(dir + "/", 0) == 0) ++n;
    }
    return n;
  }

  // After cut() and after the database was closed: what the disk holds after the reboot.
  // Returns how many bytes were cut off and how many files were removed, and powers on.
  std::pair<uint64_t, size_t> lose_unsynced() {
    std::lock_guard lock(mu_);
    uint64_t bytes = 0;
    size_t removed = 0;
    std::error_code ec;
    for (const auto& [name, state] : files_) {
      const auto size = std::filesystem::file_size(name, ec);
      if (ec || size <= state->synced) continue;
      bytes += size - state->synced;
      std::filesystem::resize_file(name, state->synced, ec);
      if (ec) throw std::runtime_error("cannot cut back " + name + ": " + ec.message());
    }
    for (const auto& [dir, names] : unsynced_entries_) {
      for (const auto& n : names) {
        if (std::filesystem::remove(std::filesystem::path(dir) / n, ec)) ++removed;
      }
    }
    files_.clear();
    unsynced_entries_.clear();
    powered_ = true;
    wal_syncs_until_cut_ = 0;
    return {bytes, removed};
  }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->NewWritableFile(fname, opts, &file, dbg);
    if (s.ok()) *result = track(fname, std::move(file), 0, /*created=*/true);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    std::error_code ec;
    const bool existed = std::filesystem::exists(fname, ec);
    const uint64_t size = existed ? std::filesystem::file_size(fname, ec) : 0;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->ReopenWritableFile(fname, opts, &file, dbg);
    if (s.ok()) *result = track(fname, std::move(file), size, /*created=*/!existed);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->ReuseWritableFile(fname, old_fname, opts, &file, dbg);
    if (s.ok()) *result = track(fname, std::move(file), 0, /*created=*/true);
    return s;
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    // RocksDB's write path does not use these; refusing them keeps the model simple.
    (void)fname, (void)opts, (void)result, (void)dbg;
    return rocksdb::IOStatus::NotSupported("PowerCutFileSystem: random read-write files");
  }
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSDirectory> dir;
    auto s = target()->NewDirectory(name, io_opts, &dir, dbg);
    if (s.ok()) *result = std::make_unique<Directory>(this, normal(name), std::move(dir));
    return s;
  }
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    auto s = target()->DeleteFile(fname, opts, dbg);
    if (s.ok()) {
      std::lock_guard lock(mu_);
      files_.erase(normal(fname));
      const auto [dir, base] = split(fname);
      unsynced_entries_[dir].erase(base);
    }
    return s;
  }
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target_name,
                               const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    auto s = target()->RenameFile(src, target_name, opts, dbg);
    if (s.ok()) {
      std::lock_guard lock(mu_);
      files_.erase(normal(target_name));
      if (auto it = files_.find(normal(src)); it != files_.end()) {
        files_[normal(target_name)] = it->second;
        files_.erase(it);
      }
      const auto [src_dir, src_base] = split(src);
      const auto [dst_dir, dst_base] = split(target_name);
      if (unsynced_entries_[src_dir].erase(src_base) > 0) {
        unsynced_entries_[dst_dir].insert(dst_base);
      }
    }
    return s;
  }
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target_name,
                             const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    auto s = target()->LinkFile(src, target_name, opts, dbg);
    if (s.ok()) {
      std::lock_guard lock(mu_);
      const auto [dir, base] = split(target_name);
      unsynced_entries_[dir].insert(base);
    }
    return s;
  }
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size, const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override {
    if (auto s = check_power(); !s.ok()) return s;
    return target()->Truncate(fname, size, opts, dbg);
  }

 private:
  struct FileState {
    uint64_t size = 0;    // bytes written so far
    uint64_t synced = 0;  // bytes that survive a cut
  };

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(PowerCutFileSystem* fs, std::shared_ptr<FileState> state, bool wal,
         std::unique_ptr<rocksdb::FSWritableFile> target)
        : FSWritableFileOwnerWrapper(std::move(target)),
          fs_(fs),
          state_(std::move(state)),
          wal_(wal) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::Append(data, opts, dbg);
      if (s.ok()) fs_->grew(*state_, data.size());
      return s;
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& opts,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::Append(data, opts, info, dbg);
      if (s.ok()) fs_->grew(*state_, data.size());
      return s;
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                       rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::NotSupported("PowerCutFileSystem: positioned appends");
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                       const rocksdb::DataVerificationInfo&,
                                       rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::NotSupported("PowerCutFileSystem: positioned appends");
    }
    rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::Truncate(size, opts, dbg);
      if (s.ok()) fs_->truncated(*state_, size);
      return s;
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Flush(opts, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) override {
      return sync([&] { return FSWritableFileOwnerWrapper::Sync(opts, dbg); });
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) override {
      return sync([&] { return FSWritableFileOwnerWrapper::Fsync(opts, dbg); });
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& opts,
                                rocksdb::IODebugContext* dbg) override {
      // Starts writeback only; it promises nothing, so it moves no synced size.
      if (auto s = fs_->check_power(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, opts, dbg);
    }
    rocksdb::IOStatus Allocate(uint64_t offset, uint64_t len, const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Allocate(offset, len, opts, dbg);
    }
    // Close releases the descriptor even after the cut; it syncs nothing (a closed file
    // is still only in the page cache).

   private:
    template <class F>
    rocksdb::IOStatus sync(F&& do_sync) {
      const auto before = fs_->begin_sync(*state_, wal_);
      if (!before) return power_off();
      auto s = do_sync();
      if (s.ok() && !fs_->end_sync(*state_, *before)) return power_off();
      return s;
    }

    PowerCutFileSystem* fs_;
    std::shared_ptr<FileState> state_;
    bool wal_;
  };

  class Directory : public rocksdb::FSDirectoryWrapper {
   public:
    Directory(PowerCutFileSystem* fs, std::string name, std::unique_ptr<rocksdb::FSDirectory> t)
        : FSDirectoryWrapper(std::move(t)), fs_(fs), name_(std::move(name)) {}
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      auto s = FSDirectoryWrapper::Fsync(opts, dbg);
      return s.ok() ? fs_->dir_synced(name_) : s;
    }
    rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& opts,
                                          rocksdb::IODebugContext* dbg,
                                          const rocksdb::DirFsyncOptions& dir_opts) override {
      if (auto s = fs_->check_power(); !s.ok()) return s;
      auto s = FSDirectoryWrapper::FsyncWithDirOptions(opts, dbg, dir_opts);
      return s.ok() ? fs_->dir_synced(name_) : s;
    }

   private:
    PowerCutFileSystem* fs_;
    std::string name_;
  };

  static rocksdb::IOStatus power_off() {
    return rocksdb::IOStatus::IOError("PowerCutFileSystem: the power is off");
  }
  static std::string normal(const std::string& name) {
    std::string n = std::filesystem::path(name).lexically_normal().string();
    while (n.size() > 1 && n.back() == '/') n.pop_back();
    return n;
  }
  static std::pair<std::string, std::string> split(const std::string& name) {
    const std::filesystem::path p(normal(name));
    return {p.parent_path().string(), p.filename().string()};
  }
  static bool is_wal(const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
  }

  rocksdb::IOStatus check_power() const {
    std::lock_guard lock(mu_);
    return powered_ ? rocksdb::IOStatus::OK() : power_off();
  }

  std::unique_ptr<rocksdb::FSWritableFile> track(const std::string& fname,
                                                 std::unique_ptr<rocksdb::FSWritableFile> file,
                                                 uint64_t durable_size, bool created) {
    auto state = std::make_shared<FileState>();
    state->size = state->synced = durable_size;
    {
      std::lock_guard lock(mu_);
      files_[normal(fname)] = state;
      if (created) {
        const auto [dir, base] = split(fname);
        unsynced_entries_[dir].insert(base);
      }
    }
    return std::make_unique<File>(this, std::move(state), is_wal(fname), std::move(file));
  }

  void grew(FileState& f, uint64_t n) {
    std::lock_guard lock(mu_);
    f.size += n;
  }
  void truncated(FileState& f, uint64_t size) {
    std::lock_guard lock(mu_);
    f.size = size;
    f.synced = std::min(f.synced, size);
  }
  // What a sync that starts now makes durable: everything written before it started.
  // nullopt if the power is off (or goes off now, at the planned WAL sync).
  std::optional<uint64_t> begin_sync(const FileState& f, bool wal) {
    std::lock_guard lock(mu_);
    if (!powered_) return std::nullopt;
    if (wal) {
      ++wal_syncs_;
      if (wal_syncs_until_cut_ > 0 && --wal_syncs_until_cut_ == 0) {
        powered_ = false;
        return std::nullopt;
      }
    }
    return f.size;
  }
  // A sync that returned counts only if the power was still on when it did.
  bool end_sync(FileState& f, uint64_t size) {
    std::lock_guard lock(mu_);
    if (!powered_) return false;
    f.synced = std::max(f.synced, size);
    return true;
  }
  rocksdb::IOStatus dir_synced(const std::string& dir) {
    std::lock_guard lock(mu_);
    if (!powered_) return power_off();
    unsynced_entries_.erase(dir);
    return rocksdb::IOStatus::OK();
  }

  mutable std::mutex mu_;
  bool powered_ = true;
  uint64_t wal_syncs_ = 0;
  uint64_t wal_syncs_until_cut_ = 0;  // 0: no planned cut
  // By normalised path; shared with the open File so that a rename follows it.
  std::map<std::string, std::shared_ptr<FileState>> files_;
  // Directory -> names created in it since it was last fsynced.
  std::map<std::string, std::set<std::string>> unsynced_entries_;
};

}  // namespace wardsoc::testing
