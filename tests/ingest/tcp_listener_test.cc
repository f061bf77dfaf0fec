// The TCP listener under the syslog TCP and HTTP inputs when file descriptors run out:
// in a child process with a low RLIMIT_NOFILE the descriptor table is filled while a
// sender waits in the listen backlog. The listener must back off (a few accept
// attempts and little CPU time over more than a second, not a spinning core), count the
// failed accepts, and serve the waiting sender once descriptors are free again.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;

namespace {

constexpr rlim_t kDescriptorLimit = 64;
// Over this window a listener that backs off (100 ms doubling to 1 s) tries a handful of
// times; one that accepts again at once tries hundreds of thousands of times.
constexpr auto kStarvedWindow = 1500ms;
constexpr uint64_t kMaxAcceptAttempts = 20;
constexpr double kMaxCpuSeconds = 0.3;

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Collects what went wrong in the child; the parent prints it.
struct ChildReport {
  std::string failures;
  void check(bool ok, const std::string& what) {
    if (!ok) failures += what + "\n";
  }
};

// Runs `body` in a forked child and returns its report ("" when every check held). The
// child never returns into Boost.Test: it leaves with _exit.
std::string run_in_child(const std::function<void(ChildReport&)>& body) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  std::fflush(nullptr);  // or the child's first log line repeats what the parent buffered
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    ChildReport report;
    body(report);
    const std::string& text = report.failures;
    size_t off = 0;
    while (off < text.size()) {
      const ssize_t n = write(fds[1], text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    _exit(text.empty() ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
  if (out.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    out = "child ended with status " + std::to_string(status) + "\n";
  }
  return out;
}

// Fills the descriptor table with copies of /dev/null; closing them frees it again.
class DescriptorHog {
 public:
  DescriptorHog() {
    const int base = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (base < 0) return;
    fds_.push_back(base);
    for (;;) {
      const int fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) break;  // EMFILE: the table is full
      fds_.push_back(fd);
    }
  }
  ~DescriptorHog() { release_all(); }
  size_t held() const { return fds_.size(); }
  void release_one() {
    if (fds_.empty()) return;
    close(fds_.back());
    fds_.pop_back();
  }
  void release_all() {
    for (const int fd : fds_) close(fd);
    fds_.clear();
  }

 private:
  std::vector<int> fds_;
};

// What the two users of the listener share: start an input on a low descriptor limit,
// get a sender into the backlog while the table is full, watch the starved listener,
// free the table and check that the sender is served.
struct StarvedRun {
  // Makes the input (port 0, loopback); `queue` outlives it.
  std::function<Result<std::unique_ptr<Input>>(BatchQueue&)> make;
  // Sends one request or line on a connected client (before descriptors are freed).
  std::function<bool(TcpClient&)> send;
  // After descriptors are freed: whether the sender was served, within a few seconds.
  std::function<void(ChildReport&, TcpClient&, BatchQueue&)> served;
};

void run_starved(ChildReport& r, const StarvedRun& run) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min(kDescriptorLimit, lim.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    r.check(false, std::string("setrlimit: ") + std::strerror(errno));
    return;
  }
  BatchQueue queue(64);
  auto made = run.make(queue);
  if (!made.ok()) {
    r.check(false, "make_input: " + made.error().message);
    return;
  }
  std::unique_ptr<Input> input = std::move(*made);
  if (Status s = input->start(); !s.ok()) {
    r.check(false, "start: " + s.error().message);
    return;
  }
  const uint16_t port = port_of(input->local_endpoint());

  // One free slot for the sender's socket, none for the listener to accept it with.
  DescriptorHog hog;
  r.check(hog.held() > 10, "could not fill the descriptor table");
  hog.release_one();
  TcpClient client(port);
  r.check(client.connected(), "the sender could not connect into the backlog");
  r.check(run.send(client), "the sender could not send");

  r.check(wait_until(
              "input->stats().accept_errors >= 1",
              [&] { return input->stats().accept_errors >= 1; }, 3s),
          "no failed accept was counted while descriptors were exhausted");
  const uint64_t errors_before = input->stats().accept_errors;
  const double cpu_before = process_cpu_seconds();
  // The thing tested: how often accept() is retried within this window.
  std::this_thread::sleep_for(kStarvedWindow);
  const double cpu = process_cpu_seconds() - cpu_before;
  const InputStats starved = input->stats();
  const uint64_t attempts = starved.accept_errors - errors_before;
  r.check(attempts <= kMaxAcceptAttempts,
          "the listener tried accept() " + std::to_string(attempts) + " times in " +
              std::to_string(kStarvedWindow.count()) + " ms (at most " +
              std::to_string(kMaxAcceptAttempts) + " expected: it must back off)");
  r.check(cpu <= kMaxCpuSeconds, "the process used " + std::to_string(cpu) + " s of CPU in " +
                                     std::to_string(kStarvedWindow.count()) +
                                     " ms while starved (a busy loop)");
  r.check(starved.errors >= starved.accept_errors, "accept errors are not in errors");
  r.check(starved.connections_total == 0, "a connection was accepted without a descriptor");

  hog.release_all();
  run.served(r, client, queue);
  const InputStats after = input->stats();
  r.check(after.connections_total == 1,
          "connections_total is " + std::to_string(after.connections_total) + ", expected 1");
  input->stop();
}

// Reads until the server closes and returns the status code of the response (0 if none).
int read_status_until_close(TcpClient& c, std::string* body) {
  timeval timeout{5, 0};  // an input that never serves fails the check, not the whole run
  setsockopt(c.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  if (const auto end = data.find("\r\n\r\n"); end != std::string::npos) {
    *body = data.substr(end + 4);
  }
  return data.size() >= 12 && data.compare(0, 5, "HTTP/") == 0 ? std::atoi(data.c_str() + 9) : 0;
}

const std::string kToken = "test-token-0123456789abcdef";

}  // namespace

BOOST_AUTO_TEST_CASE(syslog_tcp_backs_off_while_descriptors_run_out_and_serves_once_freed) {
  StarvedRun run;
  run.make = [](BatchQueue& queue) {
    SyslogTcpConfig c;
    c.common.name = "tcp-starved";
    c.common.zone = "UTC";
    c.common.flush_interval = 5ms;
    c.port = 0;
    return make_input(c, queue);
  };
  run.send = [](TcpClient& client) {
    return client.send_all("<13>May  1 10:00:00 cam-01 sshd[7]: waited in the backlog\n");
  };
  run.served = [](ChildReport& r, TcpClient&, BatchQueue& queue) {
    const auto lines = raw_lines(pop_events(queue, 1, 5s));
    r.check(lines.size() == 1 && lines[0].find("waited in the backlog") != std::string::npos,
            "the line sent while descriptors were exhausted did not arrive once they were free");
  };
  const std::string failures = run_in_child([&](ChildReport& r) { run_starved(r, run); });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(http_backs_off_while_descriptors_run_out_and_serves_once_freed) {
  StarvedRun run;
  run.make = [](BatchQueue& queue) {
    HttpInputConfig c;
    c.common.name = "http-starved";
    c.common.zone = "UTC";
    c.common.format = BodyFormat::kJson;
    c.common.flush_interval = 5ms;
    c.port = 0;
    c.tokens = {kToken};
    c.acknowledgements = false;  // answer once queued: the test plays no store
    return make_input(c, queue);
  };
  run.send = [](TcpClient& client) {
    const std::string body = R"({"message":"waited in the backlog","host":"cam-01"})";
    return client.send_all("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                           kToken +
                           "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                           "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  run.served = [](ChildReport& r, TcpClient& client, BatchQueue& queue) {
    std::string body;
    const int status = read_status_until_close(client, &body);
    r.check(status == 200, "the request sent while descriptors were exhausted got status " +
                               std::to_string(status) + " once they were free, expected 200");
    r.check(body.find("\"accepted\":1") != std::string::npos, "answer: " + body);
    const auto lines = raw_lines(pop_events(queue, 1, 5s));
    r.check(lines.size() == 1 && lines[0].find("waited in the backlog") != std::string::npos,
            "the event did not reach the queue");
  };
  const std::string failures = run_in_child([&](ChildReport& r) { run_starved(r, run); });
  BOOST_TEST(failures.empty(), failures);
}
