#include "connectors/format/captured_fields.h"

#include <boost/test/unit_test.hpp>

#include "connectors/format/utf8.h"

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(captured_fields_map_by_the_first_alias_present) {
  const auto f = map_captured_fields({{"src", "10.0.0.9"},
                                      {"src_ip", "203.0.113.7"},
                                      {"sport", "70000"},
                                      {"username", "an"},
                                      {"reason", "bad key"}});
  BOOST_REQUIRE(f.source);
  BOOST_TEST(f.source->value == "203.0.113.7");  // src_ip comes before src
  BOOST_TEST((f.source->kind == CapturedAddress::Kind::kIpv4));
  BOOST_TEST(!f.source_port);  // not a port: stays among the other fields
  BOOST_TEST(f.user == "an");
  BOOST_TEST(f.other.count("src") == 1u);
  BOOST_TEST(f.other.count("sport") == 1u);
  BOOST_TEST(f.other.at("reason") == "bad key");
  BOOST_TEST(f.other.count("src_ip") == 0u);
}

BOOST_AUTO_TEST_CASE(attack_tags_name_tactics_and_techniques_and_ignore_the_rest) {
  const auto a = attack_tags({"attack.Credential_Access", "attack.t1110", "attack.t1110.001",
                              "attack.t1110", "attack.g0032", "ssh", "attack.tx110"});
  BOOST_TEST_REQUIRE(a.tactics.size() == 1u);
  BOOST_TEST(a.tactics[0].id == "TA0006");
  BOOST_TEST(a.tactics[0].name == "Credential Access");
  BOOST_TEST_REQUIRE(a.techniques.size() == 2u);
  BOOST_TEST(a.techniques[0].id == "T1110");
  BOOST_TEST(a.techniques[1].id == "T1110.001");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters_and_valid_text_stays) {
  BOOST_TEST(valid_utf8("Nhà văn hóa") == "Nhà văn hóa");
  BOOST_TEST(valid_utf8("a\xff"
                        "b") ==
             "a\xEF\xBF\xBD"
             "b");
  BOOST_TEST(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  BOOST_TEST(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  BOOST_TEST(valid_utf8("x\xE1\xBA") == "x\xEF\xBF\xBD\xEF\xBF\xBD");                // cut short
}
