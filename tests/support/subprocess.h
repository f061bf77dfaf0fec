// Helpers for whole-process tests: start a program (the wardsoc binary, logger, kcat)
// with its output captured to files, signal it, wait for it with a deadline; temporary
// directories that clean up; free loopback ports; polling for a condition.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace wardsoc::testing {

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) with stdout and stderr appended to the given files
  // (empty: inherit). Throws std::runtime_error if it cannot start.
  Subprocess(std::vector<std::string> argv, const std::filesystem::path& stdout_file = {},
             const std::filesystem::path& stderr_file = {});
  ~Subprocess();  // kills (SIGKILL) and reaps if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits until the process exits; returns its exit code (128+signal if killed), or -1 on
  // timeout (the process is left running).
  int wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

// Runs a command to completion; returns exit code and fills `output` with stdout.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr,
                std::string* errors = nullptr,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
uint16_t free_port();

// Polls `condition` every 20 ms until it is true or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

std::string read_file(const std::filesystem::path& path);
// The whole lines of a file that a running process appends to: a last line without its
// '\n' is still being written, and is left for the next read.
std::string read_complete_lines(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace wardsoc::testing
