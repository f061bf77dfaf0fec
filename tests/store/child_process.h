// Runs tests/store/store_test_helper as a separate process (fork + exec, so the child
// starts clean rather than as a copy of this multi-threaded test) and reads its
// stdout: for cross-process locking and kill -9 crash tests.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace wardsoc::testing {

class Child {
 public:
  Child(pid_t pid, int out_fd) : pid_(pid), out_(out_fd) {}
  Child(Child&& o) noexcept : pid_(o.pid_), out_(o.out_), buffer_(std::move(o.buffer_)) {
    o.pid_ = -1;
    o.out_ = -1;
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (out_ >= 0) ::close(out_);
  }

  // One line of stdout without its newline; false at end of output.
  bool read_line(std::string* line) {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      char buf[4096];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  std::string read_all() {
    std::string all;
    std::string line;
    while (read_line(&line)) all += line + "\n";
    return all;
  }

  void kill9() { ::kill(pid_, SIGKILL); }

  int wait() {
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
  int out_;
  std::string buffer_;
};

inline Child spawn_helper(const std::vector<std::string>& args) {
  const std::string exe = std::string(WARDSOC_BINARY_DIR) + "/tests/store/store_test_helper";
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child(pid, fds[0]);
}

}  // namespace wardsoc::testing
