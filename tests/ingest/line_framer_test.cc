#include "ingest/line_framer.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace wardsoc;

namespace {

struct Line {
  std::string text;
  uint32_t flags;
  uint64_t end;
};

struct Collector {
  std::vector<Line> lines;
  void operator()(std::string_view text, uint32_t flags, uint64_t end) {
    lines.push_back(Line{std::string(text), flags, end});
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(lines_split_across_chunks_are_joined) {
  LineFramer framer(1024);
  Collector out;
  const std::string stream = "first line\nsecond line\nthird";
  // Every split point, including chunks that end right at a newline.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    LineFramer f(1024);
    Collector c;
    f.feed(std::string_view(stream).substr(0, cut), std::ref(c));
    f.feed(std::string_view(stream).substr(cut), std::ref(c));
    f.finish(std::ref(c));
    BOOST_TEST_REQUIRE(c.lines.size() == 3u, "cut " << cut);
    BOOST_TEST(c.lines[0].text == "first line");
    BOOST_TEST(c.lines[1].text == "second line");
    BOOST_TEST(c.lines[2].text == "third");
  }
  // One byte at a time.
  for (char ch : stream) framer.feed(std::string_view(&ch, 1), std::ref(out));
  BOOST_TEST(out.lines.size() == 2u);
  BOOST_TEST(framer.buffered() == 5u);
}

BOOST_AUTO_TEST_CASE(crlf_is_stripped_and_offsets_count_the_terminator) {
  LineFramer framer(1024, 100);
  Collector out;
  framer.feed("a\r\nbc\r", std::ref(out));
  framer.feed("\n\r\n", std::ref(out));
  BOOST_TEST_REQUIRE(out.lines.size() == 3u);
  BOOST_TEST(out.lines[0].text == "a");
  BOOST_TEST(out.lines[0].end == 103u);
  BOOST_TEST(out.lines[1].text == "bc");
  BOOST_TEST(out.lines[1].end == 107u);
  BOOST_TEST(out.lines[2].text.empty());
  BOOST_TEST(out.lines[2].end == 109u);
  BOOST_TEST(framer.offset() == 109u);
}

BOOST_AUTO_TEST_CASE(overlong_line_is_cut_flagged_and_the_rest_discarded) {
  LineFramer framer(8);
  Collector out;
  // In one chunk, and spread over several.
  framer.feed("0123456789abcdef\nok\n", std::ref(out));
  framer.feed("ABCDEFG", std::ref(out));
  framer.feed("HIJKLMN", std::ref(out));
  framer.feed("OPQ\nnext\n", std::ref(out));
  BOOST_TEST_REQUIRE(out.lines.size() == 4u);
  BOOST_TEST(out.lines[0].text == "01234567");
  BOOST_TEST(out.lines[0].flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(out.lines[0].end == 17u);
  BOOST_TEST(out.lines[1].text == "ok");
  BOOST_TEST(out.lines[1].flags == 0u);
  BOOST_TEST(out.lines[2].text == "ABCDEFGH");
  BOOST_TEST(out.lines[2].flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(out.lines[2].end == 38u);
  BOOST_TEST(out.lines[3].text == "next");
  BOOST_TEST(out.lines[3].flags == 0u);
  BOOST_TEST(framer.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(line_of_exactly_the_cap_is_not_truncated) {
  LineFramer framer(4);
  Collector out;
  framer.feed("abcd\r", std::ref(out));
  framer.feed("\nabcd\nabcde\n", std::ref(out));
  BOOST_TEST_REQUIRE(out.lines.size() == 3u);
  BOOST_TEST(out.lines[0].text == "abcd");
  BOOST_TEST(out.lines[0].flags == 0u);
  BOOST_TEST(out.lines[1].text == "abcd");
  BOOST_TEST(out.lines[1].flags == 0u);
  BOOST_TEST(out.lines[2].text == "abcd");
  BOOST_TEST(out.lines[2].flags == static_cast<uint32_t>(kEventTruncated));
}

BOOST_AUTO_TEST_CASE(buffer_never_grows_past_the_cap) {
  LineFramer framer(16);
  Collector out;
  const std::string chunk(1000, 'x');
  for (int i = 0; i < 100; ++i) framer.feed(chunk, std::ref(out));
  BOOST_TEST(framer.buffered() <= 17u);
  BOOST_TEST(out.lines.empty());
  framer.finish(std::ref(out));
  BOOST_TEST_REQUIRE(out.lines.size() == 1u);
  BOOST_TEST(out.lines[0].text == std::string(16, 'x'));
  BOOST_TEST(out.lines[0].flags == static_cast<uint32_t>(kEventTruncated));
  BOOST_TEST(out.lines[0].end == 100'000u);
}

BOOST_AUTO_TEST_CASE(final_partial_line_is_delivered_on_finish) {
  LineFramer framer(1024);
  Collector out;
  framer.feed("complete\npartial", std::ref(out));
  BOOST_TEST(out.lines.size() == 1u);
  framer.finish(std::ref(out));
  BOOST_TEST_REQUIRE(out.lines.size() == 2u);
  BOOST_TEST(out.lines[1].text == "partial");
  BOOST_TEST(out.lines[1].flags == 0u);
  BOOST_TEST(out.lines[1].end == 16u);
  framer.finish(std::ref(out));  // nothing left: nothing more
  BOOST_TEST(out.lines.size() == 2u);
}
