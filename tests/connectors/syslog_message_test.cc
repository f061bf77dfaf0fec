#include "connectors/syslog/syslog_message.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(frame_is_octet_counted_rfc5424_with_the_computed_pri) {
  SyslogHeaderFields h;
  h.facility = 20;  // local4
  h.hostname = "phuong-hong-ha";
  h.app_name = "wardsoc";
  h.msgid = "CEF";
  std::string out;
  append_syslog_frame(&out, h, 3, 1764064801000000, "CEF:0|a|b|c|d|e|8|msg=x");
  const std::string msg =
      "<163>1 2025-11-25T10:00:01.000000Z phuong-hong-ha wardsoc - CEF - CEF:0|a|b|c|d|e|8|msg=x";
  BOOST_TEST(out == std::to_string(msg.size()) + " " + msg);
}

BOOST_AUTO_TEST_CASE(frame_length_counts_bytes_not_characters) {
  SyslogHeaderFields h;
  std::string out;
  append_syslog_frame(&out, h, 6, 0, "Nhà văn hóa");  // 11 characters, 15 bytes
  const size_t space = out.find(' ');
  const size_t len = std::stoul(out.substr(0, space));
  BOOST_TEST(len == out.size() - space - 1);
  BOOST_TEST(out.substr(space + 1, 4) == "<166");  // local4.info
}

BOOST_AUTO_TEST_CASE(frames_concatenate_into_a_stream_a_receiver_can_split) {
  SyslogHeaderFields h;
  std::string stream;
  append_syslog_frame(&stream, h, 4, 0, "first\nwith a line break");
  append_syslog_frame(&stream, h, 4, 0, "second");
  std::vector<std::string> msgs;
  for (size_t pos = 0; pos < stream.size();) {
    const size_t space = stream.find(' ', pos);
    const size_t len = std::stoul(stream.substr(pos, space - pos));
    msgs.push_back(stream.substr(space + 1, len));
    pos = space + 1 + len;
  }
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[0].ends_with("first\nwith a line break"));
  BOOST_TEST(msgs[1].ends_with("second"));
}
