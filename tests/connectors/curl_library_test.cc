#include "connectors/webhook/curl_library.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(missing_library_is_an_error_naming_it_and_what_to_install) {
  const Result<CurlLibrary> r = load_curl_library("libwardsoc-no-such-curl.so.4");
  BOOST_REQUIRE(!r);
  BOOST_TEST(errc_name(r.error().code) == errc_name(Errc::kUnavailable));
  const std::string& m = r.error().message;
  BOOST_TEST_INFO(m);
  BOOST_TEST(m.find("cannot load libwardsoc-no-such-curl.so.4") == 0);
  BOOST_TEST(m.find("webhook sink") != std::string::npos);
  BOOST_TEST(m.find("install libcurl4") != std::string::npos);
}

// zlib loads (wardsoc links it) but is not libcurl: the first symbol looked up is missing.
BOOST_AUTO_TEST_CASE(library_without_curl_symbols_is_an_error_naming_the_symbol) {
  const Result<CurlLibrary> r = load_curl_library("libz.so.1");
  BOOST_REQUIRE(!r);
  const std::string& m = r.error().message;
  BOOST_TEST_INFO(m);
  BOOST_TEST(m.find("libz.so.1 has no symbol curl_global_init") == 0);
}

BOOST_AUTO_TEST_CASE(installed_libcurl_loads_once_and_works) {
  const Result<const CurlLibrary*> first = curl_library();
  if (!first) BOOST_FAIL(first.error().message);
  const Result<const CurlLibrary*> second = curl_library();
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(*first == *second);

  const CurlLibrary& curl = **first;
  BOOST_TEST(std::string(curl.easy_strerror(CURLE_COULDNT_CONNECT)) ==
             "Couldn't connect to server");
  CURL* c = curl.easy_init();
  BOOST_REQUIRE(c != nullptr);
  BOOST_TEST(curl.easy_setopt(c, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK);
  // A variadic call through the table reaches curl: an unknown option is refused.
  BOOST_TEST(curl.easy_setopt(c, static_cast<CURLoption>(99999), 0L) == CURLE_UNKNOWN_OPTION);
  curl_slist* headers = curl.slist_append(nullptr, "X-Test: 1");
  BOOST_REQUIRE(headers != nullptr);
  BOOST_TEST(std::string(headers->data) == "X-Test: 1");
  curl.slist_free_all(headers);
  curl.easy_cleanup(c);
}
