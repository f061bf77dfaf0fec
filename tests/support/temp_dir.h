// TempDir: a fresh directory under the system's temp dir for one test, removed with
// everything in it when the test is done. The one temporary-directory helper of all
// tests (header-only, so any test can use it without linking the support library).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

namespace wardsoc::testing {

class TempDir {
 public:
  // `tag` only helps a person tell leftover directories apart ("wardsoc-store-...").
  explicit TempDir(const std::string& tag = "test") {
    std::random_device rd;
    const auto base = std::filesystem::temp_directory_path();
    for (int i = 0; i < 100; ++i) {
      auto p = base / ("wardsoc-" + tag + "-" + std::to_string(::getpid()) + "-" +
                       std::to_string(rd()) + std::to_string(rd()));
      std::error_code ec;
      if (std::filesystem::create_directory(p, ec)) {
        path_ = p;
        return;
      }
    }
    throw std::runtime_error("cannot create a temporary directory in " + base.string());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // The directory, or a path inside it, as a string.
  std::string str(const std::string& sub = "") const {
    return sub.empty() ? path_.string() : (path_ / sub).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace wardsoc::testing
