#include "ingest/batch_builder.h"

#include <cctz/time_zone.h>

#include <boost/test/unit_test.hpp>
#include <thread>

#include "ingest/asset_monitor.h"
#include "ingest/asset_table.h"

using namespace wardsoc;
using namespace std::chrono_literals;

namespace {
InputCommon common() {
  InputCommon c;
  c.name = "test";
  c.index = 5;
  c.asset_class = AssetClass::kServer;
  c.max_line_bytes = 16;
  c.batch_events = 3;
  c.flush_interval = 20ms;
  return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(line_is_copied_parsed_and_described) {
  InputCounters counters;
  BatchBuilder builder(common(), cctz::utc_time_zone(), &counters);
  BOOST_TEST(
      builder.add("<13>Oct 11 22:14:15 h a: m\r", 0, "10.0.3.17", 1'700'000'000'000'000, 42));
  EventBatch b = builder.take();
  BOOST_TEST_REQUIRE(b.size() == 1u);
  const Event& e = b.events()[0];
  BOOST_TEST(b.raw(e) == "<13>Oct 11 22:14");  // cut at max_line_bytes = 16
  BOOST_TEST(e.flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(b.view(e.peer) == "10.0.3.17");
  BOOST_TEST(e.input == 5);
  BOOST_TEST(static_cast<int>(e.asset_class) == static_cast<int>(AssetClass::kServer));
  BOOST_TEST(e.position == 42u);
  BOOST_TEST(e.receive_time_us == 1'700'000'000'000'000);
  BOOST_TEST(e.header.pri == 13);
  BOOST_TEST(counters.truncated.load() == 1u);
  BOOST_TEST(counters.lines.load() == 1u);
}

BOOST_AUTO_TEST_CASE(trailing_cr_is_stripped_and_empty_lines_skipped) {
  InputCounters counters;
  BatchBuilder builder(common(), cctz::utc_time_zone(), &counters);
  BOOST_TEST(!builder.add("", 0, {}, 1));
  BOOST_TEST(!builder.add("\r", 0, {}, 1));
  BOOST_TEST(builder.add("x\r", 0, {}, 1));
  EventBatch b = builder.take();
  BOOST_TEST_REQUIRE(b.size() == 1u);
  BOOST_TEST(b.raw(b.events()[0]) == "x");
  BOOST_TEST(b.events()[0].flags == 0u);
  BOOST_TEST(counters.lines.load() == 1u);
}

BOOST_AUTO_TEST_CASE(one_copy_of_the_sender_per_run_of_lines) {
  InputCounters counters;
  InputCommon c = common();
  c.batch_events = 100;
  BatchBuilder builder(c, cctz::utc_time_zone(), &counters);
  builder.add("a", 0, "10.0.0.1", 1);
  builder.add("b", 0, "10.0.0.1", 1);
  builder.add("c", 0, "10.0.0.2", 1);
  EventBatch b = builder.take();
  BOOST_TEST(b.events()[0].peer.off == b.events()[1].peer.off);
  BOOST_TEST(b.view(b.events()[2].peer) == "10.0.0.2");
  BOOST_TEST(b.arena_bytes() == 3u + 8u + 8u);
}

BOOST_AUTO_TEST_CASE(due_when_full_or_after_the_flush_interval) {
  InputCounters counters;
  BatchBuilder builder(common(), cctz::utc_time_zone(), &counters);
  const auto now = BatchBuilder::Clock::now();
  BOOST_TEST(!builder.due(now + 1h));  // empty is never due
  builder.add("1", 0, {}, 1);
  BOOST_TEST(!builder.due(BatchBuilder::Clock::now()));
  BOOST_TEST(builder.due(builder.deadline()));
  builder.add("2", 0, {}, 1);
  builder.add("3", 0, {}, 1);
  BOOST_TEST(builder.full());
  BOOST_TEST(builder.due(BatchBuilder::Clock::now()));
  BOOST_TEST(builder.take().size() == 3u);
  BOOST_TEST(builder.empty());
}

BOOST_AUTO_TEST_CASE(positions_keep_the_latest_per_stream) {
  InputCounters counters;
  BatchBuilder builder(common(), cctz::utc_time_zone(), &counters);
  builder.add("a", 0, {}, 1, 2);
  builder.set_position("/a.log", 2);
  builder.set_position("/a.log", 9);
  builder.set_position("/b.log", 4);
  builder.set_position("/a.log", 11);
  EventBatch b = builder.take();
  BOOST_TEST_REQUIRE(b.positions().size() == 2u);
  BOOST_TEST(b.positions()[0].stream == "/a.log");
  BOOST_TEST(b.positions()[0].position == 11u);
  BOOST_TEST(b.positions()[0].input == 5);
  BOOST_TEST(b.positions()[1].position == 4u);
  BOOST_TEST(builder.take().positions().empty());
}

namespace {

std::shared_ptr<const AssetTable> assets() {
  auto t = AssetTable::Parse(R"(assets:
  - name: cam-01
    site: Nhà văn hóa tổ 3
    class: camera
    addresses: [10.20.3.11]
    hostnames: [CAM-TO3-01]
  - name: nvr
    site: Trụ sở UBND phường
    class: server
    addresses: [10.30.0.5]
    relay: true
  - name: old-switch
    site: Trụ sở UBND phường
    addresses: [10.10.0.7]
    zone: UTC
)",
                             "assets.yaml");
  if (!t.ok()) BOOST_FAIL(t.error().message);
  return *t;
}

InputCommon wide() {
  InputCommon c = common();
  c.max_line_bytes = 4096;
  c.batch_events = 100;
  c.asset_class = AssetClass::kLan;
  c.zone = "Asia/Ho_Chi_Minh";
  return c;
}

const cctz::time_zone& hanoi() {
  static const cctz::time_zone z = [] {
    cctz::time_zone t;
    cctz::load_time_zone("Asia/Ho_Chi_Minh", &t);
    return t;
  }();
  return z;
}

// 2024-05-01 10:00:00 in Hanoi.
constexpr int64_t kNow = 1'714'532'400'000'000;

}  // namespace

BOOST_AUTO_TEST_CASE(sender_address_names_the_asset_and_its_class) {
  InputCounters counters;
  IngestContext ctx{assets(), std::make_shared<AssetMonitor>(3)};
  BatchBuilder builder(wide(), hanoi(), &counters, ctx);
  builder.add("<14>May  1 10:00:00 cam motion", 0, "10.20.3.11", kNow);
  builder.add("<14>May  1 10:00:00 pc hello", 0, "10.10.9.9", kNow);
  EventBatch b = builder.take();
  BOOST_TEST_REQUIRE(b.size() == 2u);
  BOOST_TEST(b.events()[0].asset == 0u);
  BOOST_TEST((b.events()[0].asset_class == AssetClass::kCamera));
  BOOST_TEST(b.events()[1].asset == kNoAsset);
  BOOST_TEST((b.events()[1].asset_class == AssetClass::kLan));  // the input's class

  const auto unknown = ctx.monitor->unknown_senders();
  BOOST_TEST_REQUIRE(unknown.size() == 1u);
  BOOST_TEST(unknown[0].address == "10.10.9.9");
  BOOST_TEST(unknown[0].host == "pc");
  BOOST_TEST(unknown[0].input == "test");
  BOOST_TEST(unknown[0].events == 1u);
  BOOST_TEST(ctx.monitor->activity()[0].events == 1u);
}

BOOST_AUTO_TEST_CASE(a_relay_passes_its_lines_to_the_device_they_name) {
  InputCounters counters;
  IngestContext ctx{assets(), std::make_shared<AssetMonitor>(3)};
  BatchBuilder builder(wide(), hanoi(), &counters, ctx);
  builder.add("<14>May  1 10:00:00 CAM-TO3-01 vms: tamper alarm", 0, "10.30.0.5", kNow);
  builder.add("<14>May  1 10:00:00 nvr vms: disk full", 0, "10.30.0.5", kNow);
  EventBatch b = builder.take();
  BOOST_TEST(b.events()[0].asset == 0u);  // the camera, not the NVR
  BOOST_TEST(b.events()[1].asset == 1u);  // unknown host name: stays with the relay
}

BOOST_AUTO_TEST_CASE(an_asset_zone_reads_its_times_and_a_far_clock_is_flagged) {
  InputCounters counters;
  IngestContext ctx{assets(), std::make_shared<AssetMonitor>(3)};
  BatchBuilder builder(wide(), hanoi(), &counters, ctx);
  // The old switch logs in UTC: 03:00 UTC is 10:00 in Hanoi, the receive time.
  builder.add("<14>May  1 03:00:00 sw1 kernel: link up", 0, "10.10.0.7", kNow);
  // The camera's clock says 09:00 Hanoi time: an hour behind.
  builder.add("<14>May  1 09:00:00 cam kernel: boot", 0, "10.20.3.11", kNow);
  EventBatch b = builder.take();
  BOOST_TEST(b.events()[0].header.timestamp_us == kNow);
  BOOST_TEST((b.events()[0].flags & kEventClockSkew) == 0u);
  BOOST_TEST((b.events()[1].flags & kEventClockSkew) != 0u);
  BOOST_TEST(b.events()[1].time_us() == kNow);  // correlation uses the receive time
  BOOST_TEST(b.events()[1].header.timestamp_us == kNow - 3600'000'000);  // kept
  BOOST_TEST(counters.snapshot().clock_skew == 1u);
  const auto activity = ctx.monitor->activity();
  BOOST_TEST(activity[0].clock_skew_events == 1u);
  BOOST_TEST(activity[0].last_skew_us == -3600'000'000);
}

BOOST_AUTO_TEST_CASE(backlog_from_files_is_not_skew_but_the_future_is) {
  InputCounters counters;
  BatchBuilder builder(wide(), hanoi(), &counters, {}, /*live=*/false);
  builder.add("2024-04-01T10:00:00+07:00 host app: a month old", 0, {}, kNow);
  builder.add("2024-05-02T10:00:00+07:00 host app: tomorrow", 0, {}, kNow);
  EventBatch b = builder.take();
  BOOST_TEST((b.events()[0].flags & kEventClockSkew) == 0u);
  BOOST_TEST((b.events()[1].flags & kEventClockSkew) != 0u);
}

BOOST_AUTO_TEST_CASE(binary_garbage_and_nul_bytes_are_kept_and_flagged) {
  InputCounters counters;
  BatchBuilder builder(wide(), hanoi(), &counters);
  const std::string garbage("\xff\xfe\x00\x01 <13>x", 9);
  builder.add(garbage, 0, "10.0.0.1", kNow);
  builder.add("Tiếng Việt có dấu", 0, "10.0.0.1", kNow);
  EventBatch b = builder.take();
  BOOST_TEST(b.raw(b.events()[0]) == garbage);  // byte for byte
  BOOST_TEST((b.events()[0].flags & kEventInvalidUtf8) != 0u);
  BOOST_TEST((b.events()[0].flags & kEventNulBytes) != 0u);
  BOOST_TEST((b.events()[1].flags & (kEventInvalidUtf8 | kEventNulBytes)) == 0u);
  BOOST_TEST(counters.snapshot().invalid_utf8 == 1u);
  BOOST_TEST(counters.snapshot().nul_bytes == 1u);
}

BOOST_AUTO_TEST_CASE(a_json_body_fills_the_header_and_gives_the_message) {
  InputCounters counters;
  BatchBuilder builder(wide(), hanoi(), &counters);
  builder.add(
      R"({"host":"cam-07","app":"vms","time":"2024-05-01 10:00:00","message":"Line crossing"})", 0,
      "10.0.0.1", kNow);
  builder.add(
      R"(<14>1 2024-05-01T10:00:00+07:00 nvr vms - - - {"msg":"Disk \"A\" full","host":"x"})", 0,
      "10.0.0.1", kNow);
  EventBatch b = builder.take();
  const Event& j = b.events()[0];
  BOOST_TEST(b.view(j.header.host) == "cam-07");
  BOOST_TEST(b.view(j.header.app) == "vms");
  BOOST_TEST(j.header.timestamp_us == kNow);  // zone-less time read in the input's zone
  BOOST_TEST(b.message(j) == "Line crossing");
  BOOST_TEST(b.raw(j).front() == '{');  // the raw line stays whole
  const Event& s = b.events()[1];
  BOOST_TEST(b.view(s.header.host) == "nvr");  // the syslog header comes first
  BOOST_TEST(b.message(s) == "Disk \"A\" full");
}

BOOST_AUTO_TEST_CASE(key_value_bodies_name_host_and_time) {
  InputCounters counters;
  BatchBuilder builder(wide(), hanoi(), &counters);
  builder.add(
      R"(<189>date=2024-05-01 time=10:00:00 devname="FGT-Phuong" action="deny" srcip=203.0.113.9)",
      0, "10.10.0.2", kNow);
  EventBatch b = builder.take();
  const Event& e = b.events()[0];
  BOOST_TEST(b.view(e.header.host) == "FGT-Phuong");
  BOOST_TEST(e.header.has_timestamp);
  BOOST_TEST(e.header.timestamp_us == kNow);
  BOOST_TEST(b.message(e).find("action=\"deny\"") != std::string_view::npos);
}

BOOST_AUTO_TEST_CASE(format_json_flags_what_is_not_json_and_syslog_leaves_bodies_alone) {
  InputCounters counters;
  InputCommon c = wide();
  c.format = BodyFormat::kJson;
  BatchBuilder json(c, hanoi(), &counters);
  json.add("not json at all", 0, {}, kNow);
  json.add(std::string(2000, '[') + std::string(2000, ']'), 0, {}, kNow);
  EventBatch b = json.take();
  BOOST_TEST((b.events()[0].flags & kEventHeaderMalformed) != 0u);
  BOOST_TEST((b.events()[1].flags & kEventHeaderMalformed) != 0u);
  BOOST_TEST(counters.snapshot().malformed == 2u);

  c.format = BodyFormat::kSyslog;
  BatchBuilder plain(c, hanoi(), &counters);
  plain.add(R"({"host":"x","message":"y"})", 0, {}, kNow);
  EventBatch p = plain.take();
  BOOST_TEST(p.events()[0].header.host.empty());
  BOOST_TEST(p.message(p.events()[0]) == R"({"host":"x","message":"y"})");
}
