// The copy into the matcher's joined text: every variant the CPU can run writes exactly the
// message's bytes, nothing past them, and finds a '\n' wherever it is.
#include "detect/joined_copy.h"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>
#include <vector>

using namespace wardsoc;

namespace {

using CopyFn = bool (*)(char*, std::string_view);

std::vector<std::pair<const char*, CopyFn>> variants() {
  std::vector<std::pair<const char*, CopyFn>> v{{"sse2", &joined_copy_detail::copy_sse2},
                                                {"dispatch", &copy_message}};
  if (joined_copy_detail::avx512_available()) {
    v.emplace_back("avx512", &joined_copy_detail::copy_avx512);
  } else {
    // Said once per run, so a green result on such a CPU is not read as the AVX-512 copy
    // having been checked.
    static const bool said = [] {
      BOOST_TEST_MESSAGE(
          "this CPU has no AVX-512 (F, BW) with BMI2: the avx512 copy is not tested");
      std::fprintf(stderr,
                   "joined_copy_test: no AVX-512 on this CPU, the avx512 copy is not tested\n");
      return true;
    }();
    (void)said;
  }
  return v;
}

// Copies `text` (placed at an odd offset, so loads are unaligned) into a buffer of guard
// bytes and checks the copy, the guards after it and the answer.
void check(const char* name, CopyFn fn, const std::string& text, bool has_newline) {
  std::string src(3, 'S');
  src += text;
  src += std::string(80, 'T');
  std::string dst(5 + text.size() + 80, '\x7f');
  const bool found = fn(dst.data() + 5, std::string_view(src.data() + 3, text.size()));
  BOOST_TEST_CONTEXT(name << ", " << text.size() << " bytes") {
    BOOST_TEST(found == has_newline);
    BOOST_TEST(dst.substr(5, text.size()) == text);
    BOOST_TEST(dst.substr(0, 5) == std::string(5, '\x7f'));
    BOOST_TEST(dst.substr(5 + text.size()) == std::string(80, '\x7f'));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_length_up_to_three_blocks_is_copied_exactly) {
  for (const auto& [name, fn] : variants()) {
    for (size_t n = 0; n <= 200; ++n) {
      std::string text;
      for (size_t i = 0; i < n; ++i) text += static_cast<char>('a' + (i * 7 + n) % 26);
      check(name, fn, text, false);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_newline_is_found_at_any_position) {
  for (const auto& [name, fn] : variants()) {
    for (size_t n : {1u, 15u, 16u, 17u, 31u, 63u, 64u, 65u, 127u, 130u, 4096u}) {
      for (size_t at = 0; at < n; at += (n > 200 ? 97 : 1)) {
        std::string text(n, 'x');
        text[at] = '\n';
        check(name, fn, text, true);
      }
      // Bytes that are not '\n' but close to it, and high bytes.
      std::string near(n, '\x0b');
      if (n > 1) near[n / 2] = '\x8a';
      check(name, fn, near, false);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_newline_just_past_the_text_is_not_seen) {
  for (const auto& [name, fn] : variants()) {
    for (size_t n : {0u, 5u, 16u, 40u, 64u, 100u}) {
      std::string src(n, 'x');
      src +=
          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";
      std::string dst(n + 64, '\x7f');
      BOOST_TEST_CONTEXT(name << ", " << n << " bytes") {
        BOOST_TEST(!fn(dst.data(), std::string_view(src.data(), n)));
        BOOST_TEST(dst.substr(n) == std::string(64, '\x7f'));
      }
    }
  }
}
