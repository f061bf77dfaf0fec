#include "core/text.h"

#include <boost/test/unit_test.hpp>
#include <clocale>

namespace wardsoc {
namespace {

BOOST_AUTO_TEST_CASE(ascii_lower_folds_only_ascii_letters_whatever_the_locale) {
  // A locale whose tolower() folds single bytes of Latin-1 would break UTF-8 here.
  std::setlocale(LC_ALL, "C.UTF-8");
  BOOST_TEST(ascii_lower("Content-Type: X-Wardsoc") == "content-type: x-wardsoc");
  const std::string vi = "\xC4\x90\xC4\x82NG";  // "ĐĂNG": the letters' bytes stay as they are
  BOOST_TEST(ascii_lower(vi) == "\xC4\x90\xC4\x82ng");
  BOOST_TEST(ascii_lower("@[`{AZaz") == "@[`{azaz");
  std::string s = "MiXeD";
  ascii_lower_in_place(s);
  BOOST_TEST(s == "mixed");
  std::setlocale(LC_ALL, "C");
}

BOOST_AUTO_TEST_CASE(hex64_is_sixteen_lowercase_digits) {
  BOOST_TEST(hex64(0) == "0000000000000000");
  BOOST_TEST(hex64(0xABCDEF0123456789ULL) == "abcdef0123456789");
  BOOST_TEST(hex64(~0ULL) == "ffffffffffffffff");
  // XXH3_64bits("") is a published constant of the algorithm.
  BOOST_TEST(xxh3_hex("") == "2d06800538d394c2");
}

}  // namespace
}  // namespace wardsoc
