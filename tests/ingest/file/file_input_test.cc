#include "ingest/file/file_input.h"

#include <stdlib.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "core/batch_queue.h"
#include "ingest/input_factory.h"
#include "tests/ingest/ingest_test_util.h"
#include "tests/support/wait.h"

using namespace wardsoc;
using namespace wardsoc::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wardsoc-file-input-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
};

FileInputConfig file_config(std::vector<std::string> paths) {
  FileInputConfig c;
  c.common.name = "files";
  c.common.index = 2;
  c.common.zone = "UTC";
  c.paths = std::move(paths);
  return c;
}

std::unique_ptr<Input> started(const FileInputConfig& c, BatchQueue& queue) {
  auto input = make_input(c, queue);
  if (!input.ok()) BOOST_FAIL(input.error().message);
  if (const Status s = (*input)->start(); !s.ok()) BOOST_FAIL(s.error().message);
  return std::move(*input);
}

// Everything the input will ever push, once it says it is drained.
std::vector<EventBatch> read_all(Input& input, BatchQueue& queue) {
  std::vector<EventBatch> out;
  for (;;) {
    const bool drained = input.drained();
    EventBatch b;
    if (queue.pop(&b, 10ms)) {
      out.push_back(std::move(b));
    } else if (drained) {
      return out;
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_carry_their_end_offset_and_batches_the_last_one) {
  TempDir dir;
  const std::string path = dir.write("auth.log", "a\nbb\n\nccc\r\ndddd\n");
  BatchQueue queue(16);
  FileInputConfig c = file_config({path});
  c.common.batch_events = 2;
  auto input = started(c, queue);
  BOOST_TEST(input->can_acknowledge());
  BOOST_TEST(input->local_endpoint().empty());

  const auto batches = read_all(*input, queue);
  BOOST_TEST_REQUIRE(batches.size() == 2u);
  const auto& first = batches[0];
  BOOST_TEST_REQUIRE(first.size() == 2u);
  BOOST_TEST(first.raw(first.events()[0]) == "a");
  BOOST_TEST(first.events()[0].position == 2u);
  BOOST_TEST(first.raw(first.events()[1]) == "bb");
  BOOST_TEST(first.events()[1].position == 5u);
  BOOST_TEST(first.events()[0].peer.empty());
  BOOST_TEST(first.events()[0].input == 2);
  BOOST_TEST_REQUIRE(first.positions().size() == 1u);
  BOOST_TEST(first.positions()[0].input == 2);
  // The stream is the file's identity (inode and first bytes), not its name.
  BOOST_TEST(first.positions()[0].stream.rfind("fp:", 0) == 0u);
  BOOST_TEST(dynamic_cast<FileInput&>(*input).stream_of(path) == first.positions()[0].stream);
  BOOST_TEST(first.positions()[0].position == 5u);

  const auto& second = batches[1];
  BOOST_TEST_REQUIRE(second.size() == 2u);  // the empty line is skipped
  BOOST_TEST(second.raw(second.events()[0]) == "ccc");
  BOOST_TEST(second.events()[0].position == 11u);
  BOOST_TEST(second.raw(second.events()[1]) == "dddd");
  BOOST_TEST_REQUIRE(second.positions().size() == 1u);
  BOOST_TEST(second.positions()[0].position == 16u);

  BOOST_TEST(input->drained());
  BOOST_TEST(input->stats().lines == 4u);
  BOOST_TEST(input->stats().batches == 2u);
}

BOOST_AUTO_TEST_CASE(resume_from_a_start_offset_reads_only_the_rest) {
  TempDir dir;
  const std::string path = dir.write("a.log", "one\ntwo\nthree\n");
  BatchQueue queue(16);
  FileInputConfig c = file_config({path});
  c.start_offsets[path] = 4;
  auto input = started(c, queue);
  const auto lines = raw_lines(read_all(*input, queue));
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == "two");
  BOOST_TEST(lines[1] == "three");
}

BOOST_AUTO_TEST_CASE(checkpoint_past_the_end_means_the_file_was_replaced) {
  TempDir dir;
  const std::string path = dir.write("rotated.log", "new\n");
  BatchQueue queue(16);
  FileInputConfig c = file_config({path});
  c.start_offsets[path] = 1000;
  auto input = started(c, queue);
  const auto lines = raw_lines(read_all(*input, queue));
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0] == "new");
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_error_naming_the_path_and_reason) {
  TempDir dir;
  const std::string present = dir.write("present.log", "x\n");
  const std::string missing = (dir.path / "missing.log").string();
  BatchQueue queue(16);
  auto input = make_input(file_config({present, missing}), queue);
  BOOST_TEST_REQUIRE(input.ok());
  const Status s = (*input)->start();
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().message.find(missing) != std::string::npos, s.error().message);
  BOOST_TEST(s.error().message.find("No such file or directory") != std::string::npos,
             s.error().message);
  BOOST_TEST(static_cast<int>(s.error().code) == static_cast<int>(Errc::kNotFound));
  BOOST_TEST(queue.size() == 0u);  // nothing read from the file that was there
  BOOST_TEST(!(*input)->drained());
}

BOOST_AUTO_TEST_CASE(final_line_without_newline_ends_at_the_file_size) {
  TempDir dir;
  const std::string path = dir.write("tail.log", "x\nlast");
  BatchQueue queue(16);
  auto input = started(file_config({path}), queue);
  const auto batches = read_all(*input, queue);
  BOOST_TEST_REQUIRE(count_events(batches) == 2u);
  const auto& b = batches.back();
  BOOST_TEST(b.raw(b.events().back()) == "last");
  BOOST_TEST(b.events().back().position == 6u);
  BOOST_TEST(b.positions().back().position == 6u);
}

BOOST_AUTO_TEST_CASE(a_batch_spanning_two_files_has_a_position_for_each) {
  TempDir dir;
  const std::string a = dir.write("a.log", "a1\na2\n");
  const std::string b = dir.write("b.log", "b1\n");
  BatchQueue queue(16);
  auto input = started(file_config({a, b}), queue);
  const auto batches = read_all(*input, queue);
  BOOST_TEST_REQUIRE(batches.size() == 1u);
  const auto& positions = batches[0].positions();
  BOOST_TEST_REQUIRE(positions.size() == 2u);
  auto& fi = dynamic_cast<FileInput&>(*input);
  BOOST_TEST(positions[0].stream == fi.stream_of(a));
  BOOST_TEST(positions[0].position == 6u);
  BOOST_TEST(positions[1].stream == fi.stream_of(b));
  BOOST_TEST(positions[1].position == 3u);
  BOOST_TEST(positions[0].stream != positions[1].stream);
}

BOOST_AUTO_TEST_CASE(large_file_is_read_whole_across_block_boundaries) {
  TempDir dir;
  std::string content;
  constexpr int kLines = 60000;  // a few MiB: several read blocks, lines cut by each
  for (int i = 0; i < kLines; ++i) {
    content += "Jun 21 16:47:48 host sshd[" + std::to_string(i) +
               "]: Failed password for invalid user admin from 10.0.0." + std::to_string(i % 250) +
               "\n";
  }
  const std::string path = dir.write("big.log", content);
  BatchQueue queue(4);  // small: the reader waits for the consumer, never drops
  auto input = started(file_config({path}), queue);
  const auto batches = read_all(*input, queue);
  int expected = 0;
  uint64_t last_position = 0;
  for (const auto& b : batches) {
    for (const auto& e : b.events()) {
      BOOST_TEST_REQUIRE(b.view(e.header.procid) == std::to_string(expected));
      BOOST_TEST_REQUIRE(e.position > last_position);
      last_position = e.position;
      ++expected;
    }
    BOOST_TEST_REQUIRE(b.positions().back().position == last_position);
  }
  BOOST_TEST(expected == kLines);
  BOOST_TEST(last_position == content.size());
  BOOST_TEST(input->stats().dropped == 0u);
}

BOOST_AUTO_TEST_CASE(acknowledged_offsets_are_remembered_per_file) {
  TempDir dir;
  const std::string path = dir.write("ack.log", "a\nb\n");
  BatchQueue queue(16);
  FileInputConfig c = file_config({path});
  c.start_offsets[path] = 2;
  FileInput input(c, queue, cctz::utc_time_zone());
  BOOST_TEST(input.acknowledged_offset(path) == 2u);
  BOOST_TEST_REQUIRE(input.start().ok());
  const auto batches = read_all(input, queue);
  BOOST_TEST_REQUIRE(batches.size() == 1u);
  input.acknowledge(batches[0].positions()[0]);
  BOOST_TEST(input.acknowledged_offset(path) == 4u);
  input.stop();
}

BOOST_AUTO_TEST_CASE(stop_before_the_end_leaves_it_not_drained) {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "line " + std::to_string(i) + "\n";
  const std::string path = dir.write("long.log", content);
  BatchQueue queue(1);
  FileInputConfig c = file_config({path});
  c.common.batch_events = 10;
  auto input = started(c, queue);
  BOOST_TEST_REQUIRE(wait_until("queue.size() == 1", [&] { return queue.size() == 1; }));
  // stop() hands over its partial batch with a blocking push, so keep consuming.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    input->stop();
    stopped = true;
  });
  EventBatch b;
  while (!stopped.load()) queue.pop(&b, 1ms);
  stopper.join();
  BOOST_TEST(!input->drained());
  BOOST_TEST(input->stats().lines < 200000u);
}
