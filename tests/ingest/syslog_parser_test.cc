#include "ingest/syslog_parser.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <string_view>

using namespace wardsoc;

namespace {

int64_t utc_us(int y, int mo, int d, int h, int mi, int s, int micros = 0) {
  const auto tp = cctz::convert(cctz::civil_second(y, mo, d, h, mi, s), cctz::utc_time_zone());
  return tp.time_since_epoch().count() * 1'000'000 + micros;
}

// A parsed line together with the text it was parsed from, so spans can be read back.
struct Parsed {
  std::string arena;
  uint32_t base = 0;
  SyslogHeader h;
  uint32_t flags = 0;

  std::string_view text(Span s) const { return std::string_view(arena).substr(s.off, s.len); }
  std::string_view host() const { return text(h.host); }
  std::string_view app() const { return text(h.app); }
  std::string_view procid() const { return text(h.procid); }
  std::string_view msgid() const { return text(h.msgid); }
  std::string_view sd() const { return text(h.structured_data); }
  std::string_view message() const { return text(h.message); }
};

Parsed parse(std::string_view line, int64_t receive_us = utc_us(2025, 6, 15, 0, 0, 0),
             const cctz::time_zone* zone = nullptr, uint32_t base = 0) {
  Parsed p;
  p.base = base;
  p.arena.assign(base, '#');
  p.arena.append(line);
  SyslogParseOptions opts;
  opts.zone = zone;
  opts.receive_time_us = receive_us;
  p.flags = parse_syslog(std::string_view(p.arena).substr(base), base, opts, &p.h);
  return p;
}

const cctz::time_zone& hanoi() {
  static const cctz::time_zone zone = [] {
    cctz::time_zone z;
    BOOST_REQUIRE(cctz::load_time_zone("Asia/Ho_Chi_Minh", &z));
    return z;
  }();
  return zone;
}

const std::string kBom = "\xEF\xBB\xBF";

}  // namespace

BOOST_AUTO_TEST_SUITE(rfc5424)

BOOST_AUTO_TEST_CASE(parses_the_rfc_example_with_structured_data_and_bom) {
  const std::string line =
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] " +
      kBom + "An application event log entry...";
  const Parsed p = parse(line);
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc5424));
  BOOST_TEST(p.h.pri == 165);
  BOOST_TEST(p.h.facility() == 20);
  BOOST_TEST(p.h.severity() == 5);
  BOOST_TEST(p.h.has_timestamp);
  BOOST_TEST(p.h.timestamp_has_zone);
  BOOST_TEST(p.h.timestamp_us == utc_us(2003, 10, 11, 22, 14, 15, 3000));
  BOOST_TEST(p.host() == "mymachine.example.com");
  BOOST_TEST(p.app() == "evntslog");
  BOOST_TEST(p.h.procid.empty());
  BOOST_TEST(p.msgid() == "ID47");
  BOOST_TEST(p.sd() ==
             "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
  BOOST_TEST(p.message() == "An application event log entry...");
}

BOOST_AUTO_TEST_CASE(parses_offset_zone_and_microseconds) {
  const Parsed p = parse(
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
      "the do-nuts.");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.h.timestamp_us == utc_us(2003, 8, 24, 12, 14, 15, 3));
  BOOST_TEST(p.host() == "192.0.2.1");
  BOOST_TEST(p.app() == "myproc");
  BOOST_TEST(p.procid() == "8710");
  BOOST_TEST(p.h.msgid.empty());
  BOOST_TEST(p.h.structured_data.empty());
  BOOST_TEST(p.message() == "%% It's time to make the do-nuts.");
}

BOOST_AUTO_TEST_CASE(nilvalues_leave_fields_empty) {
  const Parsed p = parse("<13>1 - - - - - -");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc5424));
  BOOST_TEST(p.h.pri == 13);
  BOOST_TEST(!p.h.has_timestamp);
  BOOST_TEST(p.h.host.empty());
  BOOST_TEST(p.h.app.empty());
  BOOST_TEST(p.h.procid.empty());
  BOOST_TEST(p.h.msgid.empty());
  BOOST_TEST(p.h.structured_data.empty());
  BOOST_TEST(p.message().empty());

  const Parsed q = parse("<13>1 - host - - - - the message");
  BOOST_TEST(q.flags == 0u);
  BOOST_TEST(q.host() == "host");
  BOOST_TEST(q.message() == "the message");
}

BOOST_AUTO_TEST_CASE(structured_data_values_may_hold_escaped_quote_bracket_and_backslash) {
  const Parsed p = parse(
      "<13>1 2024-01-02T03:04:05Z h a p m [id@1 v=\"a\\\"b\\]c\\\\\" w=\"[x]\"][two@1 k=\"v\"] "
      "msg");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.sd() == "[id@1 v=\"a\\\"b\\]c\\\\\" w=\"[x]\"][two@1 k=\"v\"]");
  BOOST_TEST(p.message() == "msg");
}

BOOST_AUTO_TEST_CASE(message_may_be_absent_after_structured_data) {
  const Parsed p = parse("<13>1 2024-01-02T03:04:05+07:00 h a p m [id@1 k=\"v\"]");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 1, 1, 20, 4, 5));
  BOOST_TEST(p.message().empty());
}

BOOST_AUTO_TEST_CASE(header_cut_short_is_malformed_and_keeps_the_rest_as_message) {
  const Parsed p = parse("<13>1 2024-01-02T03:04:05Z host app");
  BOOST_TEST(p.flags == static_cast<uint32_t>(kEventHeaderMalformed));
  BOOST_TEST(p.host() == "host");
  BOOST_TEST(p.message() == "app");

  const Parsed q = parse("<13>1 2024-01-02T03:04:05Z h a p m [unterminated k=\"v\"");
  BOOST_TEST(q.flags == static_cast<uint32_t>(kEventHeaderMalformed));
  BOOST_TEST(q.message() == "[unterminated k=\"v\"");

  const Parsed r = parse("<13>1 yesterday h a p m - msg");
  BOOST_TEST(r.flags == static_cast<uint32_t>(kEventHeaderMalformed));
  BOOST_TEST(!r.h.has_timestamp);
  BOOST_TEST(r.message() == "yesterday h a p m - msg");
}

BOOST_AUTO_TEST_CASE(spans_are_absolute_offsets_into_the_arena) {
  const Parsed p = parse("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - hello",
                         utc_us(2025, 6, 15, 0, 0, 0), nullptr, 1000);
  BOOST_TEST(p.h.host.off >= 1000u);
  BOOST_TEST(p.host() == "mymachine");
  BOOST_TEST(p.message() == "hello");
  BOOST_TEST(p.h.message.off + p.h.message.len == p.arena.size());
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_valid_line_stays_in_bounds) {
  const std::string line =
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 77 ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"li\\]cation\"][b@1 x=\"y\"] " +
      kBom + "An application event log entry";
  for (size_t len = 0; len <= line.size(); ++len) {
    // Exactly `len` bytes on the heap, so a read past the end trips AddressSanitizer.
    auto bytes = std::make_unique<char[]>(len == 0 ? 1 : len);
    line.copy(bytes.get(), len);
    SyslogHeader h;
    SyslogParseOptions opts;
    opts.receive_time_us = utc_us(2025, 6, 15, 0, 0, 0);
    const uint32_t flags = parse_syslog(std::string_view(bytes.get(), len), 7, opts, &h);
    for (const Span s : {h.host, h.app, h.procid, h.msgid, h.structured_data, h.message}) {
      if (s.empty()) continue;
      BOOST_TEST_REQUIRE(s.off >= 7u);
      BOOST_TEST_REQUIRE(s.off + s.len <= 7u + len);
    }
    BOOST_TEST_REQUIRE(h.message.off + h.message.len == 7u + len);
    if (len < line.size()) {
      // Cut after "<165>1 " and before the first SD element closes, the header is
      // incomplete (after it, "[a]" is a valid prefix of "[a][b]").
      const size_t first_sd_close = line.find("\"][") + 1;
      if (len >= 7 && len <= first_sd_close) BOOST_TEST(flags != 0u, "len " << len);
    } else {
      BOOST_TEST(flags == 0u);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rfc3164)

BOOST_AUTO_TEST_CASE(parses_the_rfc_example_with_pri) {
  const Parsed p = parse("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick",
                         utc_us(2025, 10, 12, 0, 0, 0));
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc3164));
  BOOST_TEST(p.h.pri == 34);
  BOOST_TEST(p.h.has_timestamp);
  BOOST_TEST(!p.h.timestamp_has_zone);
  BOOST_TEST(p.h.timestamp_us == utc_us(2025, 10, 11, 22, 14, 15));
  BOOST_TEST(p.host() == "mymachine");
  BOOST_TEST(p.app() == "su");
  BOOST_TEST(p.procid() == "123");
  BOOST_TEST(p.message() == "'su root' failed for lonvick");
}

BOOST_AUTO_TEST_CASE(parses_a_log_file_line_without_pri) {
  const Parsed p = parse("Jun 21 16:47:48 host sshd[13709]: Failed password for root",
                         utc_us(2025, 6, 22, 0, 0, 0));
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc3164));
  BOOST_TEST(p.h.pri == -1);
  BOOST_TEST(p.h.timestamp_us == utc_us(2025, 6, 21, 16, 47, 48));
  BOOST_TEST(p.host() == "host");
  BOOST_TEST(p.app() == "sshd");
  BOOST_TEST(p.procid() == "13709");
  BOOST_TEST(p.message() == "Failed password for root");
}

BOOST_AUTO_TEST_CASE(single_digit_day_padded_or_not) {
  const Parsed padded = parse("Jan  5 01:31:41 www sshd[1643]: x", utc_us(2025, 1, 6, 0, 0, 0));
  BOOST_TEST(padded.h.timestamp_us == utc_us(2025, 1, 5, 1, 31, 41));
  BOOST_TEST(padded.host() == "www");
  const Parsed bare = parse("Mar 7 18:53:20 bar sshd[1556]: y", utc_us(2025, 3, 8, 0, 0, 0));
  BOOST_TEST(bare.h.timestamp_us == utc_us(2025, 3, 7, 18, 53, 20));
  BOOST_TEST(bare.host() == "bar");
  BOOST_TEST(bare.message() == "y");
}

BOOST_AUTO_TEST_CASE(year_is_the_previous_one_across_new_year) {
  const Parsed p = parse("Dec 31 23:59:00 host app: late", utc_us(2025, 1, 2, 0, 0, 0));
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 12, 31, 23, 59, 0));
}

BOOST_AUTO_TEST_CASE(year_is_the_next_one_when_the_device_is_just_past_new_year) {
  const Parsed p = parse("Jan  1 00:10:00 host app: early", utc_us(2024, 12, 31, 20, 0, 0));
  BOOST_TEST(p.h.timestamp_us == utc_us(2025, 1, 1, 0, 10, 0));
}

BOOST_AUTO_TEST_CASE(a_week_ahead_is_this_year_beyond_that_last_year) {
  const int64_t receive = utc_us(2025, 6, 15, 0, 0, 0);
  BOOST_TEST(parse("Jun 14 10:00:00 h a: m", receive).h.timestamp_us ==
             utc_us(2025, 6, 14, 10, 0, 0));
  BOOST_TEST(parse("Jun 20 10:00:00 h a: m", receive).h.timestamp_us ==
             utc_us(2025, 6, 20, 10, 0, 0));
  BOOST_TEST(parse("Jun 30 10:00:00 h a: m", receive).h.timestamp_us ==
             utc_us(2024, 6, 30, 10, 0, 0));
}

BOOST_AUTO_TEST_CASE(time_without_zone_is_read_in_the_input_zone) {
  // Asia/Ho_Chi_Minh is UTC+7: 22:14:15 there is 15:14:15 UTC.
  const Parsed p =
      parse("<34>Oct 11 22:14:15 mymachine su: x", utc_us(2024, 10, 12, 0, 0, 0), &hanoi());
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 10, 11, 15, 14, 15));
  BOOST_TEST(!p.h.timestamp_has_zone);
}

BOOST_AUTO_TEST_CASE(explicit_year_and_fraction_are_used) {
  const Parsed p = parse("Oct 11 2022 22:14:15.250 host app: m", utc_us(2025, 6, 15, 0, 0, 0));
  BOOST_TEST(p.h.timestamp_us == utc_us(2022, 10, 11, 22, 14, 15, 250000));
  BOOST_TEST(p.host() == "host");
  BOOST_TEST(p.app() == "app");
}

BOOST_AUTO_TEST_CASE(tag_with_and_without_pid) {
  const Parsed with_pid = parse("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: auth failure");
  BOOST_TEST(with_pid.host() == "combo");
  BOOST_TEST(with_pid.app() == "sshd(pam_unix)");
  BOOST_TEST(with_pid.procid() == "19939");
  BOOST_TEST(with_pid.message() == "auth failure");

  const Parsed without = parse("Jun 14 15:16:01 gw kernel: [123.456] usb 1-1: new device");
  BOOST_TEST(without.host() == "gw");
  BOOST_TEST(without.app() == "kernel");
  BOOST_TEST(without.h.procid.empty());
  BOOST_TEST(without.message() == "[123.456] usb 1-1: new device");

  const Parsed slash = parse("Jun 14 15:16:01 mx postfix/smtpd[42]: connect from x");
  BOOST_TEST(slash.app() == "postfix/smtpd");
  BOOST_TEST(slash.procid() == "42");
}

BOOST_AUTO_TEST_CASE(tag_without_host_is_not_taken_for_a_host) {
  const Parsed p = parse("Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed");
  BOOST_TEST(p.h.host.empty());
  BOOST_TEST(p.app() == "sshd");
  BOOST_TEST(p.message() == "User root from 211.188.220.49 not allowed");

  const Parsed q = parse("Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed");
  BOOST_TEST(q.h.host.empty());
  BOOST_TEST(q.app() == "sshd");
  BOOST_TEST(q.message() == "User root from 1.2.3.4 not allowed");

  const Parsed r = parse("<13>Oct 11 22:14:15 su: 'su root' failed");
  BOOST_TEST(r.h.host.empty());
  BOOST_TEST(r.app() == "su");
  BOOST_TEST(r.message() == "'su root' failed");
}

BOOST_AUTO_TEST_CASE(without_a_tag_the_message_stays_whole) {
  const Parsed p = parse("Oct 11 22:14:15 mymachine link 10:20:30 is down");
  BOOST_TEST(p.host() == "mymachine");
  BOOST_TEST(p.h.app.empty());
  BOOST_TEST(p.message() == "link 10:20:30 is down");
}

BOOST_AUTO_TEST_CASE(iso_timestamp_after_pri_as_rsyslog_forwards) {
  const Parsed p = parse("<86>2024-01-02T03:04:05.123456+07:00 gw sshd[12]: Accepted publickey");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc3164));
  BOOST_TEST(p.h.pri == 86);
  BOOST_TEST(p.h.timestamp_has_zone);
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 1, 1, 20, 4, 5, 123456));
  BOOST_TEST(p.host() == "gw");
  BOOST_TEST(p.app() == "sshd");
  BOOST_TEST(p.procid() == "12");
  BOOST_TEST(p.message() == "Accepted publickey");
}

BOOST_AUTO_TEST_CASE(iso_timestamp_without_pri_as_in_rsyslog_files) {
  const Parsed p = parse("2024-01-02T03:04:05.5Z gw cron[7]: job done");
  BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kRfc3164));
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 1, 2, 3, 4, 5, 500000));
  BOOST_TEST(p.app() == "cron");
}

BOOST_AUTO_TEST_CASE(pri_without_timestamp_keeps_the_rest_as_message) {
  const Parsed p = parse("<14>camera 3: motion detected");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.h.pri == 14);
  BOOST_TEST(!p.h.has_timestamp);
  BOOST_TEST(p.message() == "camera 3: motion detected");
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_bsd_line_stays_in_bounds) {
  for (const std::string& line :
       {std::string("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed"),
        std::string("<86>2024-01-02T03:04:05.123456+07:00 gw sshd[12]: Accepted"),
        std::string("Mar  3 00:17:22 [sshd]: User root")}) {
    for (size_t len = 0; len <= line.size(); ++len) {
      auto bytes = std::make_unique<char[]>(len == 0 ? 1 : len);
      line.copy(bytes.get(), len);
      SyslogHeader h;
      parse_syslog(std::string_view(bytes.get(), len), 0, SyslogParseOptions{&hanoi(), 1}, &h);
      for (const Span s : {h.host, h.app, h.procid, h.message}) {
        BOOST_TEST_REQUIRE(s.off + s.len <= len);
      }
      BOOST_TEST_REQUIRE(h.message.off + h.message.len == len);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(not_syslog)

BOOST_AUTO_TEST_CASE(malformed_pri_is_flagged_and_the_rest_kept) {
  struct Case {
    std::string line;
    std::string message;
  };
  for (const Case& c :
       {Case{"<999>Oct 11 22:14:15 host app: x", "Oct 11 22:14:15 host app: x"},
        Case{"<abc>hello", "hello"}, Case{"<>hello", "hello"}, Case{"<", "<"}, Case{"<1", "<1"},
        Case{"<12345>x", "<12345>x"}, Case{"<-1>x", "x"}, Case{"<192>x", "x"}}) {
    const Parsed p = parse(c.line);
    BOOST_TEST(p.flags == static_cast<uint32_t>(kEventHeaderMalformed), c.line);
    BOOST_TEST(p.h.pri == -1, c.line);
    BOOST_TEST(!p.h.has_timestamp, c.line);
    BOOST_TEST(p.message() == c.message, c.line);
  }
}

BOOST_AUTO_TEST_CASE(plain_line_is_all_message) {
  for (const std::string& line :
       {std::string("hello world: this is not syslog"),
        std::string("2016-09-28 04:30:30, Info CBS Loaded Servicing Stack"),
        std::string("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"),
        std::string("May I have your attention")}) {
    const Parsed p = parse(line);
    BOOST_TEST(p.flags == 0u, line);
    BOOST_TEST(static_cast<int>(p.h.format) == static_cast<int>(SyslogFormat::kNone), line);
    BOOST_TEST(p.h.pri == -1);
    BOOST_TEST(!p.h.has_timestamp);
    BOOST_TEST(p.message() == line);
  }
}

BOOST_AUTO_TEST_CASE(empty_line_has_an_empty_message) {
  const Parsed p = parse("");
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.h.message.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(vendor_forms)

BOOST_AUTO_TEST_CASE(cisco_ios_sequence_marked_time_and_mnemonic) {
  const Parsed p =
      parse("<189>40: *Mar  1 00:02:27.811: %SYS-5-CONFIG_I: Configured from console by vty0",
            utc_us(2025, 3, 2, 0, 0, 0));
  BOOST_TEST(p.flags == 0u);
  BOOST_TEST(p.h.pri == 189);
  BOOST_TEST(p.h.has_timestamp);
  BOOST_TEST(p.h.timestamp_us == utc_us(2025, 3, 1, 0, 2, 27, 811000));
  BOOST_TEST(p.app() == "SYS");
  BOOST_TEST(p.host().empty());
  BOOST_TEST(p.message() == "%SYS-5-CONFIG_I: Configured from console by vty0");
}

BOOST_AUTO_TEST_CASE(cisco_ios_origin_host_and_utc_zone_name) {
  const Parsed p = parse(
      "<187>1234: core-sw1: Mar  1 10:02:27.811 UTC: %LINEPROTO-5-UPDOWN: Line protocol on "
      "Interface Gi0/1, changed state to down",
      utc_us(2025, 3, 2, 0, 0, 0), &hanoi());
  BOOST_TEST(p.host() == "core-sw1");
  BOOST_TEST(p.app() == "LINEPROTO");
  BOOST_TEST(p.h.timestamp_has_zone);
  BOOST_TEST(p.h.timestamp_us == utc_us(2025, 3, 1, 10, 2, 27, 811000));  // UTC, not UTC+7
  BOOST_TEST(p.message().substr(0, 20) == "%LINEPROTO-5-UPDOWN:");
}

BOOST_AUTO_TEST_CASE(cisco_behind_a_relay_header_keeps_the_relay_host) {
  const Parsed p =
      parse("<189>Mar  1 10:00:00 10.1.1.1 40: *Mar  1 00:02:27: %SYS-5-RESTART: System restarted");
  BOOST_TEST(p.host() == "10.1.1.1");
  BOOST_TEST(p.app() == "SYS");
  BOOST_TEST(p.message() == "%SYS-5-RESTART: System restarted");
}

BOOST_AUTO_TEST_CASE(cisco_asa_with_and_without_timestamp) {
  Parsed p =
      parse("<166>%ASA-6-302013: Built inbound TCP connection 1 for outside:203.0.113.5/443");
  BOOST_TEST(p.h.pri == 166);
  BOOST_TEST(!p.h.has_timestamp);
  BOOST_TEST(p.app() == "ASA");
  BOOST_TEST(p.message().substr(0, 14) == "%ASA-6-302013:");

  p = parse(
      "<166>Mar 01 2024 10:00:00 asa-fw : %ASA-4-106023: Deny tcp src outside:198.51.100.9/5000",
      utc_us(2025, 6, 15, 0, 0, 0), &hanoi());
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 3, 1, 3, 0, 0));
  BOOST_TEST(p.host() == "asa-fw");
  BOOST_TEST(p.app() == "ASA");
  BOOST_TEST(p.message().substr(0, 14) == "%ASA-4-106023:");

  p = parse("<166>Mar 01 2024 10:00:00: %ASA-6-605005: Login permitted");
  BOOST_TEST(p.host().empty());
  BOOST_TEST(p.app() == "ASA");
}

BOOST_AUTO_TEST_CASE(mikrotik_topics_become_the_program) {
  Parsed p = parse(
      "<30>Jan  5 10:00:00 MikroTik system,info,account user admin logged in from 192.168.88.2 via "
      "winbox");
  BOOST_TEST(p.host() == "MikroTik");
  BOOST_TEST(p.app() == "system,info,account");
  BOOST_TEST(p.message() == "user admin logged in from 192.168.88.2 via winbox");

  p = parse(
      "<30>firewall,info input: in:ether1 out:(unknown 0), proto TCP (SYN), "
      "203.0.113.4:4431->10.0.0.1:22");
  BOOST_TEST(!p.h.has_timestamp);
  BOOST_TEST(p.app() == "firewall,info");
  BOOST_TEST(p.message().substr(0, 6) == "input:");
}

BOOST_AUTO_TEST_CASE(unifi_device_prefix_before_the_real_tag) {
  Parsed p = parse(
      "<30>Dec 12 10:00:00 AP-NVH-To3 18e829a1b2c3,U7PG2-4.3.20+11298: hostapd: ath0: STA "
      "11:22:33:44:55:66 IEEE 802.11: associated");
  BOOST_TEST(p.host() == "AP-NVH-To3");
  BOOST_TEST(p.app() == "hostapd");
  BOOST_TEST(p.message() == "ath0: STA 11:22:33:44:55:66 IEEE 802.11: associated");

  p = parse("<30>Dec 12 10:00:00 U7PG2,18e829a1b2c3,v4.3.20.11298: kernel: [12.3] wlan up");
  BOOST_TEST(p.host() == "U7PG2,18e829a1b2c3,v4.3.20.11298");
  BOOST_TEST(p.app() == "kernel");
}

BOOST_AUTO_TEST_CASE(camera_space_separated_time_with_key_values_and_no_host) {
  const Parsed p = parse(
      "<134>2024-05-01 10:00:00.041 log_id=1101000000 type=detection camera=\"cam 3\" msg=Motion",
      utc_us(2024, 5, 1, 3, 0, 1), &hanoi());
  BOOST_TEST(p.h.has_timestamp);
  BOOST_TEST(!p.h.timestamp_has_zone);
  BOOST_TEST(p.h.timestamp_us == utc_us(2024, 5, 1, 3, 0, 0, 41000));
  BOOST_TEST(p.host().empty());
  BOOST_TEST(p.message() == "log_id=1101000000 type=detection camera=\"cam 3\" msg=Motion");
}

BOOST_AUTO_TEST_CASE(space_separated_time_needs_a_pri) {
  const Parsed p = parse("2024-05-01 10:00:00 worker started");
  BOOST_TEST(!p.h.has_timestamp);
  BOOST_TEST(p.message() == "2024-05-01 10:00:00 worker started");
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_vendor_line_stays_in_bounds) {
  for (const std::string& line :
       {std::string("<189>40: core-sw1: *Mar  1 00:02:27.811 UTC: %SYS-5-CONFIG_I: Configured"),
        std::string("<166>Mar 01 2024 10:00:00 asa-fw : %ASA-4-106023: Deny tcp"),
        std::string("<30>Jan  5 10:00:00 MikroTik system,info,account user admin"),
        std::string("<30>Dec 12 10:00:00 AP 18e8,U7PG2-4.3: hostapd: ath0: STA"),
        std::string("<134>2024-05-01 10:00:00.041 log_id=1 msg=x")}) {
    for (size_t len = 0; len <= line.size(); ++len) {
      auto bytes = std::make_unique<char[]>(len == 0 ? 1 : len);
      line.copy(bytes.get(), len);
      SyslogHeader h;
      parse_syslog(std::string_view(bytes.get(), len), 0, SyslogParseOptions{&hanoi(), 1}, &h);
      for (const Span s : {h.host, h.app, h.procid, h.message}) {
        BOOST_TEST_REQUIRE(s.off + s.len <= len);
      }
      BOOST_TEST_REQUIRE(h.message.off + h.message.len == len);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
