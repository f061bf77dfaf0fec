#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace wardsoc::testing {

Subprocess::Subprocess(std::vector<std::string> argv, const std::filesystem::path& stdout_file,
                       const std::filesystem::path& stderr_file)
    : Subprocess(std::move(argv), SubprocessIo{stdout_file, stderr_file}) {}

Subprocess::Subprocess(std::vector<std::string> argv, const SubprocessIo& io) {
  // Pipes are close-on-exec, so that programs started meanwhile by other threads do not
  // hold their ends open; the child's own copies are made by dup2, which clears the flag.
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  if (io.stdin_pipe && ::pipe2(in, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 for the stdin of " + argv[0] + ": " + std::strerror(errno));
  }
  if (io.stdout_pipe && ::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 for the stdout of " + argv[0] + ": " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (io.stdin_pipe) posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  if (io.stdout_pipe) {
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  } else if (!io.stdout_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, io.stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  if (!io.stderr_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, io.stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  // The child starts with no blocked signals, whatever the test runner blocked.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (io.stdin_pipe) {
    ::close(in[0]);
    stdin_ = in[1];
  }
  if (io.stdout_pipe) {
    ::close(out[1]);
    stdout_ = out[0];
  }
  if (rc != 0) {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

Subprocess::~Subprocess() {
  close_stdin();
  if (stdout_ >= 0) ::close(stdout_);
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
}

void Subprocess::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

int Subprocess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

bool Subprocess::running() { return wait(std::chrono::milliseconds(0)) == -1; }

bool Subprocess::write_stdin(const std::string& text) {
  std::string_view rest = text;
  while (!rest.empty() && stdin_ >= 0) {
    const ssize_t n = ::write(stdin_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return rest.empty();
}

void Subprocess::close_stdin() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
}

bool Subprocess::read_line(std::string* line) {
  for (;;) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      *line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    if (stdout_ < 0) return false;
    char buf[4096];
    const ssize_t n = ::read(stdout_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

std::string Subprocess::read_all() {
  std::string all;
  for (std::string line; read_line(&line);) all += line + "\n";
  return all;
}

int run_command(const std::vector<std::string>& argv, std::string* output, std::string* errors,
                std::chrono::milliseconds timeout) {
  TempDir tmp;
  const auto out = tmp / "stdout";
  const auto err = tmp / "stderr";
  int rc;
  {
    Subprocess p(argv, out, err);
    rc = p.wait(timeout);
    if (rc == -1) {
      p.signal(SIGKILL);
      p.wait(std::chrono::seconds(5));
    }
  }
  if (output) *output = read_file(out);
  if (errors) *errors = read_file(err);
  return rc;
}

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port: " + why);
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string read_complete_lines(const std::filesystem::path& path) {
  std::string text = read_file(path);
  text.resize(text.rfind('\n') + 1);  // npos + 1 == 0: no whole line yet
  return text;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace wardsoc::testing
