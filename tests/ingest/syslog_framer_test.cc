#include "ingest/syslog_framer.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace wardsoc;

namespace {

struct Frame {
  std::string text;
  uint32_t flags = 0;
  bool operator==(const Frame&) const = default;
};

// Feeds `stream` in chunks of `chunk` bytes (every split point is tried by callers).
std::vector<Frame> frames(std::string_view stream, size_t chunk, size_t max = 1024,
                          uint64_t* errors = nullptr) {
  SyslogFramer framer(max);
  std::vector<Frame> out;
  auto on = [&](std::string_view m, uint32_t flags) {
    out.push_back(Frame{std::string(m), flags});
  };
  for (size_t at = 0; at < stream.size(); at += chunk) framer.feed(stream.substr(at, chunk), on);
  framer.finish(on);
  if (errors != nullptr) *errors = framer.framing_errors();
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(octet_counted_frames_are_cut_by_their_count_whatever_the_chunks) {
  const std::string a = "<34>1 2024-01-02T03:04:05Z gw sshd 12 - - line\nwith newline";
  const std::string b = "<13>Oct 11 22:14:15 host app: second";
  const std::string stream =
      std::to_string(a.size()) + " " + a + std::to_string(b.size()) + " " + b;
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    uint64_t errors = 0;
    const auto got = frames(stream, chunk, 1024, &errors);
    BOOST_TEST_REQUIRE(got.size() == 2u, "chunk " << chunk);
    BOOST_TEST(got[0].text == a);  // an LF inside a counted frame is message
    BOOST_TEST(got[1].text == b);
    BOOST_TEST(errors == 0u);
  }
}

BOOST_AUTO_TEST_CASE(lf_lines_and_counted_frames_may_alternate) {
  const std::string stream = "<13>plain line\r\n9 <13>count<14>next line\n";
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    const auto got = frames(stream, chunk);
    BOOST_TEST_REQUIRE(got.size() == 3u, "chunk " << chunk);
    BOOST_TEST(got[0].text == "<13>plain line");
    BOOST_TEST(got[1].text == "<13>count");
    BOOST_TEST(got[2].text == "<14>next line");
  }
}

BOOST_AUTO_TEST_CASE(a_line_starting_with_digits_is_not_taken_for_a_count) {
  const std::string stream =
      "2024-05-01T10:00:00+07:00 host app: iso\n"
      "40: *Mar  1 00:02:27: %SYS-5-CONFIG_I: cisco\n"
      "12 apples\n"
      "007 <13>leading zero\n";
  uint64_t errors = 0;
  const auto got = frames(stream, 5, 1024, &errors);
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST(got[0].text == "2024-05-01T10:00:00+07:00 host app: iso");
  BOOST_TEST(got[1].text == "40: *Mar  1 00:02:27: %SYS-5-CONFIG_I: cisco");
  BOOST_TEST(got[2].text == "12 apples");
  BOOST_TEST(got[3].text == "007 <13>leading zero");
  BOOST_TEST(errors == 0u);
}

BOOST_AUTO_TEST_CASE(a_count_over_the_cap_is_read_cut_and_flagged) {
  const std::string msg = "<13>" + std::string(100, 'x');
  const std::string stream = std::to_string(msg.size()) + " " + msg + "5 <13>y";
  for (size_t chunk : {1ul, 7ul, 1000ul}) {
    const auto got = frames(stream, chunk, /*max=*/20);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].text == msg.substr(0, 20));
    BOOST_TEST(got[0].flags == static_cast<uint32_t>(kEventTruncated));
    BOOST_TEST(got[1].text == "<13>y");  // the next frame is intact
    BOOST_TEST(got[1].flags == 0u);
  }
}

BOOST_AUTO_TEST_CASE(a_count_too_short_is_survived_and_counted) {
  // 10 announced, 20 sent: the rest of the message becomes the start of a line.
  const std::string stream = "10 <13>short!LONGERTEXT\n5 <13>z";
  uint64_t errors = 0;
  const auto got = frames(stream, 3, 1024, &errors);
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[0].text == "<13>short!");
  BOOST_TEST(got[1].text == "LONGERTEXT");
  BOOST_TEST(got[2].text == "<13>z");
  BOOST_TEST(errors == 1u);
}

BOOST_AUTO_TEST_CASE(a_count_too_long_ends_in_a_cut_frame_when_the_stream_ends) {
  const std::string stream = "500 <13>only a little";
  uint64_t errors = 0;
  const auto got = frames(stream, 4, 1024, &errors);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].text == "<13>only a little");
  BOOST_TEST(got[0].flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(errors == 1u);
}

BOOST_AUTO_TEST_CASE(an_unbelievable_count_is_read_as_a_line) {
  const std::string stream = "999999999 <13>not that long\n";
  uint64_t errors = 0;
  const auto got = frames(stream, 2, 1024, &errors);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].text == "999999999 <13>not that long");
  BOOST_TEST(errors == 1u);
}

BOOST_AUTO_TEST_CASE(a_stream_without_newlines_costs_a_bounded_buffer) {
  SyslogFramer framer(64);
  size_t frames_seen = 0;
  const std::string junk(4096, 'j');
  for (int i = 0; i < 1000; ++i) {
    framer.feed(junk, [&](std::string_view, uint32_t) { ++frames_seen; });
    BOOST_TEST_REQUIRE(framer.buffered() <= 65u);
  }
  std::vector<Frame> last;
  framer.finish([&](std::string_view m, uint32_t f) { last.push_back(Frame{std::string(m), f}); });
  BOOST_TEST(frames_seen == 0u);
  BOOST_TEST_REQUIRE(last.size() == 1u);
  BOOST_TEST(last[0].text.size() == 64u);
  BOOST_TEST(last[0].flags == static_cast<uint32_t>(kEventTruncated));
}

BOOST_AUTO_TEST_CASE(a_trailing_newline_after_a_counted_frame_is_framing) {
  const auto got = frames("6 <13>ab\n6 <13>cd\n", 1);
  BOOST_TEST_REQUIRE(got.size() == 2u);
  BOOST_TEST(got[0].text == "<13>ab");
  BOOST_TEST(got[1].text == "<13>cd");
}
