// Following files as they grow and rotate, and resuming after a restart from what the
// store would hold: every test plays the pipeline — it pops batches, keeps their lines,
// acknowledges their positions and keeps the latest position per stream as the store's
// checkpoints — so "no line lost, none read twice" is checked across restarts.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/batch_queue.h"
#include "ingest/file/file_input.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wardsoc-file-tail-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

void overwrite(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

FileInputConfig tail_config(std::vector<std::string> paths) {
  FileInputConfig c;
  c.common.name = "tail";
  c.common.zone = "UTC";
  c.common.flush_interval = 5ms;
  c.paths = std::move(paths);
  c.follow = true;
  c.poll_interval = 20ms;
  c.rotate_wait = 150ms;
  c.fingerprint_bytes = 32;
  return c;
}

// What the pipeline and the store do with an input's batches.
struct Pipeline {
  BatchQueue queue{64};
  std::unique_ptr<Input> input;
  std::vector<std::string> lines;
  std::map<std::string, uint64_t> checkpoints;  // stream -> position, as the store keeps them

  void start(FileInputConfig c) {
    c.start_offsets = checkpoints;
    auto made = make_input(c, queue);
    if (!made.ok()) BOOST_FAIL(made.error().message);
    input = std::move(*made);
    if (const Status s = input->start(); !s.ok()) BOOST_FAIL(s.error().message);
  }
  void pump(std::chrono::milliseconds timeout) {
    EventBatch b;
    if (!queue.pop(&b, timeout)) return;
    for (const auto& e : b.events()) lines.emplace_back(b.raw(e));
    for (const auto& p : b.positions()) {
      checkpoints[p.stream] = p.position;
      input->acknowledge(p);
    }
  }
  bool wait_lines(size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (lines.size() < n && std::chrono::steady_clock::now() < deadline) pump(5ms);
    return lines.size() >= n;
  }
  // Lets the input run a little longer to show that nothing more arrives.
  void settle(std::chrono::milliseconds how_long = 300ms) {
    const auto deadline = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < deadline) pump(5ms);
  }
  // Stops like Pipeline::stop(): the input hands over its partial batch, which is stored.
  void stop() {
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
      input->stop();
      stopped = true;
    });
    while (!stopped.load()) pump(1ms);
    stopper.join();
    while (queue.size() > 0) pump(1ms);
    input.reset();
  }
};

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + " line " + std::to_string(i));
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(appended_lines_arrive_and_a_partial_line_waits_for_its_newline) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "first\n");
  Pipeline p;
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(1));
  append(path, "second\nthird without end");
  BOOST_TEST_REQUIRE(p.wait_lines(2));
  p.settle(200ms);
  BOOST_TEST(p.lines.size() == 2u);  // "third" is not complete yet
  append(path, " yet\n");
  BOOST_TEST_REQUIRE(p.wait_lines(3));
  BOOST_TEST(p.lines[2] == "third without end yet");
  BOOST_TEST(!p.input->drained());  // following never ends
  p.stop();
}

BOOST_AUTO_TEST_CASE(rename_and_create_rotation_loses_and_repeats_nothing) {
  TempDir dir;
  const std::string path = dir / "auth.log";
  append(path, joined(numbered("old", 0, 100)));
  Pipeline p;
  p.start(tail_config({path}));  // only the live name: the rotated file is followed by fd
  BOOST_TEST_REQUIRE(p.wait_lines(100));
  // logrotate: rename, the writer still appends to the renamed file for a moment, then
  // writes to a new file under the old name.
  fs::rename(path, dir / "auth.log.1");
  append(dir / "auth.log.1", joined(numbered("old", 100, 150)));
  append(path, joined(numbered("new", 0, 80)));
  BOOST_TEST_REQUIRE(p.wait_lines(230));
  p.settle();
  std::vector<std::string> expected = numbered("old", 0, 150);
  const auto fresh = numbered("new", 0, 80);
  expected.insert(expected.end(), fresh.begin(), fresh.end());
  auto got = p.lines;
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(got == expected, boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(copytruncate_is_read_again_from_the_start) {
  TempDir dir;
  const std::string path = dir / "cam.log";
  append(path, joined(numbered("before", 0, 50)));
  Pipeline p;
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(50));
  // copytruncate: the content is copied away, the file cut to zero and written anew.
  fs::copy_file(path, dir / "cam.log.1");
  overwrite(path, "");
  p.settle(100ms);
  append(path, joined(numbered("after", 0, 10)));
  BOOST_TEST_REQUIRE(p.wait_lines(60));
  p.settle();
  BOOST_TEST(p.lines.size() == 60u);
  BOOST_TEST(p.lines[50] == "after line 0");
  BOOST_TEST(p.lines[59] == "after line 9");
  p.stop();
}

BOOST_AUTO_TEST_CASE(truncated_and_rewritten_past_the_offset_is_caught_by_the_fingerprint) {
  TempDir dir;
  const std::string path = dir / "fw.log";
  append(path, joined(numbered("aaaa", 0, 5)));
  Pipeline p;
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(5));
  const uint64_t size = fs::file_size(path);
  // Truncated and refilled between two looks, already longer than what was read.
  std::string fresh;
  for (int i = 0; fresh.size() <= size + 20; ++i) fresh += "zzzz line " + std::to_string(i) + "\n";
  overwrite(path, fresh);
  const size_t fresh_lines = static_cast<size_t>(std::count(fresh.begin(), fresh.end(), '\n'));
  BOOST_TEST_REQUIRE(p.wait_lines(5 + fresh_lines));
  p.settle();
  BOOST_TEST(p.lines.size() == 5 + fresh_lines);
  BOOST_TEST(p.lines[5] == "zzzz line 0");
  p.stop();
}

BOOST_AUTO_TEST_CASE(a_moved_symlink_is_followed_to_its_new_file) {
  TempDir dir;
  const std::string link = dir / "current.log";
  append(dir / "day1.log", "day1 a\nday1 b\n");
  fs::create_symlink(dir / "day1.log", link);
  Pipeline p;
  p.start(tail_config({link}));
  BOOST_TEST_REQUIRE(p.wait_lines(2));
  append(dir / "day2.log", "day2 a\n");
  fs::create_symlink(dir / "day2.log", dir / "next.log");
  fs::rename(dir / "next.log", link);    // atomic switch, as log writers do it
  append(dir / "day1.log", "day1 c\n");  // a late line in the old file
  append(dir / "day2.log", "day2 b\n");
  BOOST_TEST_REQUIRE(p.wait_lines(5));
  p.settle();
  auto got = p.lines;
  std::sort(got.begin(), got.end());
  BOOST_TEST(got == (std::vector<std::string>{"day1 a", "day1 b", "day1 c", "day2 a", "day2 b"}),
             boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(globs_pick_up_new_files_and_exclusions_are_left_out) {
  TempDir dir;
  append(dir / "a.log", "a1\n");
  append(dir / "old.log.gz", "binary\n");
  Pipeline p;
  FileInputConfig c = tail_config({(dir.path / "*.log*").string()});
  c.exclude = {"*.gz"};
  p.start(c);
  BOOST_TEST_REQUIRE(p.wait_lines(1));
  append(dir / "b.log", "b1\nb2\n");  // appears later: read from its beginning
  BOOST_TEST_REQUIRE(p.wait_lines(3));
  p.settle();
  auto got = p.lines;
  std::sort(got.begin(), got.end());
  BOOST_TEST(got == (std::vector<std::string>{"a1", "b1", "b2"}), boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(restart_resumes_without_losing_or_repeating_a_line) {
  TempDir dir;
  const std::string path = dir / "syslog";
  append(path, joined(numbered("x", 0, 300)));
  Pipeline p;
  FileInputConfig c = tail_config({(dir.path / "syslog*").string()});
  p.start(c);
  BOOST_TEST_REQUIRE(p.wait_lines(300));
  append(path, "x line 300\nx line 30");  // the last one is cut: written half
  p.settle(100ms);
  p.stop();
  BOOST_TEST(p.lines.size() == 301u);

  // While wardsoc is down: the half line is finished, the file rotated, a new one begun.
  append(path, "1\n");
  append(path, joined(numbered("x", 302, 320)));
  fs::rename(path, dir / "syslog.1");
  append(path, joined(numbered("y", 0, 20)));

  p.start(c);
  BOOST_TEST_REQUIRE(p.wait_lines(301 + 19 + 20));
  p.settle();
  std::vector<std::string> expected = numbered("x", 0, 320);
  const auto y = numbered("y", 0, 20);
  expected.insert(expected.end(), y.begin(), y.end());
  auto got = p.lines;
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(got == expected, boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(a_reused_inode_with_other_content_is_read_from_its_start) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, joined(numbered("first file", 0, 10)));
  Pipeline p;
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(10));
  p.stop();
  BOOST_TEST_REQUIRE(p.checkpoints.size() == 1u);

  // The file is replaced while wardsoc is down by one that (as the file system may do)
  // got the same inode: rewriting in place keeps the inode for certain.
  struct stat before {};
  BOOST_REQUIRE(::stat(path.c_str(), &before) == 0);
  overwrite(path, joined(numbered("second file, longer", 0, 12)));
  struct stat after {};
  BOOST_REQUIRE(::stat(path.c_str(), &after) == 0);
  BOOST_TEST_REQUIRE(before.st_ino == after.st_ino);

  p.lines.clear();
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(12));
  BOOST_TEST(p.lines.front() == "second file, longer line 0");
  p.stop();
}

BOOST_AUTO_TEST_CASE(a_file_short_at_first_sight_is_still_recognised_after_growing) {
  TempDir dir;
  const std::string path = dir / "small.log";
  append(path, "tiny\n");  // 5 bytes, less than the 32-byte fingerprint
  Pipeline p;
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(1));
  const std::string short_identity = p.checkpoints.begin()->first;
  append(path, joined(numbered("grown", 0, 5)));
  BOOST_TEST_REQUIRE(p.wait_lines(6));
  p.settle(100ms);
  p.stop();
  BOOST_TEST(p.checkpoints.size() == 2u);  // the short identity and the full one
  BOOST_TEST(p.checkpoints.count(short_identity) == 1u);

  append(path, "after restart\n");
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(7));
  p.settle();
  BOOST_TEST(p.lines.size() == 7u);
  BOOST_TEST(p.lines.back() == "after restart");
  p.stop();
}

BOOST_AUTO_TEST_CASE(read_from_end_skips_what_was_there_at_the_first_start_only) {
  TempDir dir;
  append(dir / "a.log", "history\n");
  Pipeline p;
  FileInputConfig c = tail_config({(dir.path / "*.log").string()});
  c.read_from = "end";
  p.start(c);
  p.settle(150ms);
  append(dir / "a.log", "live\n");
  append(dir / "b.log", "new file\n");
  BOOST_TEST_REQUIRE(p.wait_lines(2));
  p.settle();
  auto got = p.lines;
  std::sort(got.begin(), got.end());
  BOOST_TEST(got == (std::vector<std::string>{"live", "new file"}),
             boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(a_checkpoint_kept_under_the_plain_path_is_honoured) {
  TempDir dir;
  const std::string path = dir / "legacy.log";
  append(path, "one\ntwo\nthree\n");
  Pipeline p;
  p.checkpoints[path] = 4;  // written by a version that keyed checkpoints by path
  p.start(tail_config({path}));
  BOOST_TEST_REQUIRE(p.wait_lines(2));
  p.settle(150ms);
  BOOST_TEST(p.lines == (std::vector<std::string>{"two", "three"}),
             boost::test_tools::per_element());
  p.stop();
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_waited_for_when_following) {
  TempDir dir;
  const std::string path = dir / "later.log";
  Pipeline p;
  p.start(tail_config({path}));  // no error: it may appear
  p.settle(100ms);
  append(path, "here now\n");
  BOOST_TEST_REQUIRE(p.wait_lines(1));
  BOOST_TEST(p.lines[0] == "here now");
  p.stop();
}
