#include "ingest/input_factory.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "core/batch_queue.h"

using namespace wardsoc;

namespace {
std::string error_of(const InputConfig& cfg) {
  BatchQueue queue(1);
  auto input = make_input(cfg, queue);
  return input.ok() ? std::string() : input.error().message;
}
}  // namespace

BOOST_AUTO_TEST_CASE(each_config_type_builds_its_input) {
  BatchQueue queue(1);
  SyslogUdpConfig udp;
  udp.common.name = "udp";
  udp.port = 0;
  SyslogTcpConfig tcp;
  tcp.common.name = "tcp";
  tcp.port = 0;
  FileInputConfig file;
  file.common.name = "file";
  file.paths = {"/var/log/auth.log"};

  for (const InputConfig& cfg : {InputConfig(udp), InputConfig(tcp), InputConfig(file)}) {
    auto input = make_input(cfg, queue);
    BOOST_TEST_REQUIRE(input.ok());
    BOOST_TEST((*input)->name() == input_common(cfg).name);
    BOOST_TEST((*input)->can_acknowledge() == std::holds_alternative<FileInputConfig>(cfg));
  }
  BOOST_TEST(input_type_name(InputConfig(udp)) == "syslog_udp");
  BOOST_TEST(input_type_name(InputConfig(tcp)) == "syslog_tcp");
  BOOST_TEST(input_type_name(InputConfig(file)) == "file");
}

BOOST_AUTO_TEST_CASE(unknown_zone_is_rejected_naming_the_key_and_value) {
  SyslogUdpConfig c;
  c.common.name = "udp";
  c.common.zone = "Asia/Hanoi_Nowhere";
  const std::string e = error_of(c);
  BOOST_TEST(e.find("zone") != std::string::npos, e);
  BOOST_TEST(e.find("Asia/Hanoi_Nowhere") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(invalid_settings_are_rejected_naming_the_key) {
  SyslogTcpConfig tcp;
  tcp.common.name = "tcp";
  tcp.max_connections = 0;
  BOOST_TEST(error_of(tcp).find("max_connections") != std::string::npos);

  FileInputConfig file;
  file.common.name = "file";
  BOOST_TEST(error_of(file).find("paths") != std::string::npos);
  file.paths = {"/a", "/a"};
  BOOST_TEST(error_of(file).find("listed twice") != std::string::npos);

  SyslogUdpConfig udp;
  udp.common.name = "udp";
  udp.common.batch_events = 0;
  BOOST_TEST(error_of(udp).find("batch_events") != std::string::npos);
  udp.common.batch_events = 1;
  udp.common.max_line_bytes = 0;
  BOOST_TEST(error_of(udp).find("max_line_bytes") != std::string::npos);
  udp.common.max_line_bytes = 1024;
  udp.common.name.clear();
  BOOST_TEST(error_of(udp).find("name") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(port_zero_is_valid) {
  SyslogUdpConfig c;
  c.common.name = "udp";
  c.port = 0;
  BOOST_TEST(error_of(c).empty());
}
