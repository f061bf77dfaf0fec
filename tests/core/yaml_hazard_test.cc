// A ',' that starts a block token makes yaml-cpp 0.7 loop forever; such text is refused
// with its position before it reaches the parser, and valid YAML is never refused.
#include <boost/test/unit_test.hpp>

#include "core/yaml_reader.h"

namespace wardsoc {
namespace {

BOOST_AUTO_TEST_CASE(comma_starting_a_block_token_is_refused_with_its_position) {
  BOOST_TEST(find_yaml_parser_hazard(",").value_or("") ==
             "1:1: ',' cannot start a value outside [ ] or { } (quote the text)");
  BOOST_TEST(find_yaml_parser_hazard("# a comment\n  , a").value_or("").rfind("2:3:", 0) == 0u);
  BOOST_TEST(find_yaml_parser_hazard("- a\n, b").value_or("").rfind("2:1:", 0) == 0u);
  BOOST_TEST(find_yaml_parser_hazard("--- ,").value_or("").rfind("1:5:", 0) == 0u);
  BOOST_TEST(find_yaml_parser_hazard("rules: []\n---\n,").has_value());
  BOOST_TEST(find_yaml_parser_hazard("a:\n  - x\n  - , y").has_value());
}

BOOST_AUTO_TEST_CASE(valid_yaml_with_commas_is_not_refused) {
  for (const char* text : {"a: [x\n  , y]", "a: {k: 1\n , j: 2}", "a: 'x\n, y'", "a: \"x\n, y\"",
                           "a: |\n  , kept as text\nb: 1", "a: >-\n  , folded\n", "a: x, y",
                           "# , in a comment\na: 1", "a: b # , c", "- 'it''s'\n- x, y", ""}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!find_yaml_parser_hazard(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(yaml_reader_reports_the_hazard_instead_of_parsing) {
  YamlReader reader("assets.yaml");
  const YAML::Node node = reader.parse("assets:\n, x");
  BOOST_TEST((!node.IsDefined() || node.IsNull()));
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 1u);
  BOOST_TEST(reader.errors()[0].rfind("assets.yaml:2:1: ", 0) == 0u);
}

}  // namespace
}  // namespace wardsoc
