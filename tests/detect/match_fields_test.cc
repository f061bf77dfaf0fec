// MatchFields: three fields stay inside the Match, a fourth moves them to the heap, and
// copies and moves keep every field in order either way.
#include "detect/match_fields.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace wardsoc;

namespace {

// Values too long for std::string's inline buffer, so that a lost or doubly freed one shows
// under the sanitizers.
std::string value(int i) { return "value-" + std::to_string(i) + std::string(40, 'x'); }

MatchFields make(int n) {
  MatchFields f;
  for (int i = 0; i < n; ++i) f.emplace_back("k" + std::to_string(i), value(i));
  return f;
}

std::vector<std::string> values(const MatchFields& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : f) out.push_back(k + "=" + v);
  return out;
}

std::vector<std::string> expected(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("k" + std::to_string(i) + "=" + value(i));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_fields_stay_inline_and_a_fourth_moves_them_to_the_heap) {
  MatchFields f = make(3);
  BOOST_TEST(f.is_inline());
  BOOST_TEST(f.size() == 3u);
  f.emplace_back("k3", value(3));
  BOOST_TEST(!f.is_inline());
  BOOST_TEST(f.capacity() >= 4u);
  BOOST_TEST((values(f) == expected(4)));
  BOOST_TEST(f[3].first == "k3");
}

BOOST_AUTO_TEST_CASE(copies_and_moves_keep_every_field_inline_or_on_the_heap) {
  for (int n : {0, 2, 3, 4, 9}) {
    const MatchFields original = make(n);
    MatchFields copy = original;
    BOOST_TEST((values(copy) == expected(n)), n);
    BOOST_TEST((values(original) == expected(n)), n);
    MatchFields moved = std::move(copy);
    BOOST_TEST((values(moved) == expected(n)), n);
    BOOST_TEST(copy.empty(), n);
    BOOST_TEST(copy.is_inline(), n);
    MatchFields assigned = make(5);
    assigned = std::move(moved);
    BOOST_TEST((values(assigned) == expected(n)), n);
    MatchFields copied = make(1);
    copied = assigned;
    BOOST_TEST((values(copied) == expected(n)), n);
    // Matches are kept in vectors that grow: moving them around keeps their fields.
    std::vector<MatchFields> many;
    for (int i = 0; i < 20; ++i) many.push_back(make(n));
    for (const MatchFields& m : many) BOOST_TEST((values(m) == expected(n)), n);
  }
}

BOOST_AUTO_TEST_CASE(reserve_and_clear_keep_the_fields_and_the_room) {
  MatchFields f = make(2);
  f.reserve(2);
  BOOST_TEST(f.is_inline());
  f.reserve(8);
  BOOST_TEST(!f.is_inline());
  BOOST_TEST((values(f) == expected(2)));
  f.clear();
  BOOST_TEST(f.empty());
  BOOST_TEST(f.capacity() >= 8u);
  f.emplace_back("k0", value(0));
  BOOST_TEST((values(f) == expected(1)));
}
