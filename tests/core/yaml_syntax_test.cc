// Text that is not YAML is refused with its position by libyaml before it reaches
// yaml-cpp, which loops forever on some of it; valid YAML is never refused.
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/yaml_reader.h"

namespace wardsoc {
namespace {

std::string where(std::string_view text) {
  const auto error = check_yaml_syntax(text);
  if (!error) return "";
  return std::to_string(error->line) + ":" + std::to_string(error->column);
}

// Each of these made yaml-cpp 0.7 spin (found by fuzz_rule_reader).
BOOST_AUTO_TEST_CASE(text_that_hangs_yaml_cpp_is_refused_with_its_position) {
  BOOST_TEST(where(",") == "1:1");
  BOOST_TEST(where("# a comment\n  , a") == "2:3");
  BOOST_TEST(where("- a\n, b") == "2:1");
  BOOST_TEST(!where("--- ,").empty());
  BOOST_TEST(!where("rules: []\n---\n,").empty());
  BOOST_TEST(!where("a:\n  - x\n  - , y").empty());
  BOOST_TEST(where("\" Firewalls: iptables, nftables\", and\nrules:\n  - id: x\n") == "1:33");
  const auto error = check_yaml_syntax(",");
  BOOST_REQUIRE(error.has_value());
  BOOST_TEST(!error->message.empty());
}

BOOST_AUTO_TEST_CASE(valid_yaml_with_commas_is_not_refused) {
  for (const char* text :
       {"a: [x\n  , y]", "a: {k: 1\n , j: 2}", "a: 'x\n  , y'", "a: \"x\n  , y\"",
        "a: |\n  , kept as text\nb: 1", "a: >-\n  , folded\n", "a: x, y", "# , in a comment\na: 1",
        "a: b # , c", "- 'it''s'\n- x, y", "", "a: &x [1, 2]\nb: *x"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(where(text) == ""); }
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_before_yaml_cpp_recurses_into_it) {
  const std::string deep =
      std::string(kMaxYamlDepth + 1, '[') + std::string(kMaxYamlDepth + 1, ']');
  BOOST_TEST(where(deep) == "1:" + std::to_string(kMaxYamlDepth + 1));
  const std::string fine = std::string(kMaxYamlDepth, '[') + std::string(kMaxYamlDepth, ']');
  BOOST_TEST(where(fine) == "");
}

BOOST_AUTO_TEST_CASE(yaml_reader_reports_the_syntax_error_instead_of_parsing) {
  YamlReader reader("assets.yaml");
  const YAML::Node node = reader.parse("assets:\n, x");
  BOOST_TEST((!node.IsDefined() || node.IsNull()));
  BOOST_REQUIRE_EQUAL(reader.errors().size(), 1u);
  BOOST_TEST(reader.errors()[0].rfind("assets.yaml:2:1: YAML syntax error: ", 0) == 0u);
}

}  // namespace
}  // namespace wardsoc
