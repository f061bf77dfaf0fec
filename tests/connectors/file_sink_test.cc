#include "connectors/file/file_sink.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "connectors/sink_factory.h"
#include "tests/connectors/connectors_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {
std::unique_ptr<FileSink> open_sink(const std::string& path) {
  FileSinkConfig c;
  c.path = path;
  auto r = FileSink::Open(c);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

std::string group_of(const std::string& line) {
  return nlohmann::json::parse(line)["group_key"].get<std::string>();
}
}  // namespace

BOOST_AUTO_TEST_CASE(file_sink_appends_one_json_line_per_entry) {
  TempDir dir("file-sink");
  const std::string path = dir.str("alerts.jsonl");
  auto sink = open_sink(path);
  BOOST_TEST(sink->name() == "soc-file");
  const std::vector<OutboxEntry> first = {make_entry(1, "a"), make_entry(2, "b"),
                                          make_entry(3, "c")};
  const auto r = sink->deliver(first);
  BOOST_TEST((r.status == DeliveryStatus::kDelivered));
  BOOST_TEST(r.delivered == 3u);
  const std::vector<OutboxEntry> second = {make_entry(4, "d")};
  BOOST_TEST((sink->deliver(second).status == DeliveryStatus::kDelivered));

  const auto lines = read_lines(path);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(group_of(lines[0]) == "a");
  BOOST_TEST(group_of(lines[3]) == "d");
  BOOST_TEST(nlohmann::json::parse(lines[0])["schema"].get<std::string>() == "wardsoc.alert/1");
}

BOOST_AUTO_TEST_CASE(file_sink_keeps_what_was_in_the_file) {
  TempDir dir("file-sink");
  const std::string path = dir.str("alerts.jsonl");
  std::ofstream(path) << "{\"earlier\":true}\n";
  auto sink = open_sink(path);
  BOOST_TEST((sink->deliver(std::vector<OutboxEntry>{make_entry(1, "a")}).status ==
              DeliveryStatus::kDelivered));
  const auto lines = read_lines(path);
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == "{\"earlier\":true}");
}

BOOST_AUTO_TEST_CASE(file_sink_reopens_after_the_file_is_rotated_away) {
  TempDir dir("file-sink");
  const std::string path = dir.str("alerts.jsonl");
  auto sink = open_sink(path);
  BOOST_TEST(
      (sink->deliver(std::vector<OutboxEntry>{make_entry(1, "a"), make_entry(2, "b")}).status ==
       DeliveryStatus::kDelivered));
  std::filesystem::rename(path, path + ".1");  // what logrotate does
  BOOST_TEST((sink->deliver(std::vector<OutboxEntry>{make_entry(3, "c")}).status ==
              DeliveryStatus::kDelivered));
  std::filesystem::remove(path);  // deleted outright
  BOOST_TEST((sink->deliver(std::vector<OutboxEntry>{make_entry(4, "d")}).status ==
              DeliveryStatus::kDelivered));

  const auto rotated = read_lines(path + ".1");
  BOOST_TEST_REQUIRE(rotated.size() == 2u);
  BOOST_TEST(group_of(rotated[1]) == "b");
  const auto current = read_lines(path);
  BOOST_TEST_REQUIRE(current.size() == 1u);
  BOOST_TEST(group_of(current[0]) == "d");
}

BOOST_AUTO_TEST_CASE(file_sink_in_a_missing_directory_is_a_clear_error) {
  TempDir dir("file-sink");
  FileSinkConfig c;
  c.path = dir.str("no/such/dir/alerts.jsonl");
  auto r = FileSink::Open(c);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kNotFound));
  BOOST_TEST(r.error().message.find("directory " + dir.str("no/such/dir") + " does not exist") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_sink_asks_for_a_retry_while_its_directory_is_gone) {
  TempDir dir("file-sink");
  const std::string sub = dir.str("out");
  std::filesystem::create_directories(sub);
  auto sink = open_sink(sub + "/alerts.jsonl");
  std::filesystem::remove_all(sub);
  const auto r = sink->deliver(std::vector<OutboxEntry>{make_entry(1, "a")});
  BOOST_TEST((r.status == DeliveryStatus::kRetry));
  BOOST_TEST(r.delivered == 0u);
  BOOST_TEST(r.error.find("does not exist") != std::string::npos);
  std::filesystem::create_directories(sub);
  BOOST_TEST((sink->deliver(std::vector<OutboxEntry>{make_entry(1, "a")}).status ==
              DeliveryStatus::kDelivered));
  BOOST_TEST(read_lines(sub + "/alerts.jsonl").size() == 1u);
}

BOOST_AUTO_TEST_CASE(make_sink_builds_the_configured_sink) {
  TempDir dir("file-sink");
  FileSinkConfig c;
  c.common.name = "city-soc";
  c.path = dir.str("alerts.jsonl");
  c.fsync = false;
  const SinkConfig config = c;
  BOOST_TEST(sink_name(config) == "city-soc");
  auto sink = make_sink(config);
  BOOST_TEST_REQUIRE(sink.ok());
  BOOST_TEST((*sink)->name() == "city-soc");
  BOOST_TEST(((*sink)->deliver(std::vector<OutboxEntry>{make_entry(1, "a")}).status ==
              DeliveryStatus::kDelivered));

  FileSinkConfig bad;
  bad.path = "";
  BOOST_TEST(!make_sink(SinkConfig(bad)).ok());
}
