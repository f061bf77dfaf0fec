// The one way tests run another program (the wardsoc binary, logger, kcat, syslog-ng, the
// mock Kafka cluster, the store's crash helper): start it with its output captured to
// files or a pipe, feed its stdin, signal it, wait for it with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace wardsoc::testing {

// Where a started program's standard streams go.
struct SubprocessIo {
  std::filesystem::path stdout_file;  // appended to; empty: inherited (unless stdout_pipe)
  std::filesystem::path stderr_file;  // appended to; empty: inherited
  bool stdin_pipe = false;            // write_stdin() feeds it, close_stdin() ends it
  bool stdout_pipe = false;           // read_line() reads it
};

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) with no blocked signals, stdout and stderr appended
  // to the given files (empty: inherit). Throws std::runtime_error if it cannot start.
  Subprocess(std::vector<std::string> argv, const std::filesystem::path& stdout_file = {},
             const std::filesystem::path& stderr_file = {});
  Subprocess(std::vector<std::string> argv, const SubprocessIo& io);
  ~Subprocess();  // closes its pipes, kills (SIGKILL) and reaps if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits until the process exits; returns its exit code (128+signal if killed), or -1 on
  // timeout (the process is left running).
  int wait(std::chrono::milliseconds timeout);
  bool running();

  // With stdin_pipe: writes all of `text` (false if the program has closed its end).
  bool write_stdin(const std::string& text);
  void close_stdin();
  // With stdout_pipe: one line of stdout without its newline; false at end of output.
  bool read_line(std::string* line);
  // With stdout_pipe: everything up to the end of output, as lines ending in '\n'.
  std::string read_all();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

// Runs a command to completion; returns exit code and fills `output` with stdout.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr,
                std::string* errors = nullptr,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
uint16_t free_port();

std::string read_file(const std::filesystem::path& path);
// The whole lines of a file that a running process appends to: a last line without its
// '\n' is still being written, and is left for the next read.
std::string read_complete_lines(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace wardsoc::testing
